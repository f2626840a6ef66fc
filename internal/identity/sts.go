package identity

import (
	"context"
	"time"

	"github.com/keyward/keyward/internal/authz"
)

// AssumeRoleInput is STS AssumeRole's request.
type AssumeRoleInput struct {
	RoleARN         string
	SessionName     string
	DurationSeconds int // 0 = 3600; 900 to the role's MaxSessionDuration
	Policy          string
	PolicyARNs      []string
	ExternalID      string
}

// SessionCredentials are temporary credentials, shown once.
type SessionCredentials struct {
	AccessKeyID     string // ASIA…
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
	AssumedRoleID   string // AROA…:<session>
	AssumedRoleARN  string // arn:aws:sts::<account>:assumed-role/<role>/<session>
}

// AssumeRole evaluates the role's trust policy for the caller (and the
// caller's identity policies for sts:AssumeRole on the role) and issues
// temporary credentials.
func (s *Service) AssumeRole(ctx context.Context, c *authz.Caller, in AssumeRoleInput) (*SessionCredentials, error) {
	panic("unimplemented")
}
