package identity

import (
	"context"
	"time"
)

// Principal kinds.
const (
	KindUser = "user"
	KindRole = "role"
	// KindRoot describes the account root in GetUser's answer: a Principal
	// with this kind, the account id as ID and empty Path and Name, whose
	// ARN is arn:aws:iam::<account>:root. It is never stored.
	KindRoot = "root"
)

// Principal is an IAM user or role. Records are kept after deletion (with
// Deleted set) so that a unique ID found in a grant or key policy can still
// be explained: who it was, and when it went away. A re-created principal
// with the same name is a new record with a new ID.
type Principal struct {
	ID      string // AIDA… (user) or AROA… (role), 21 characters
	Account string
	Kind    string // KindUser or KindRole
	Name    string
	Path    string // "/" by default
	Created time.Time
	Deleted time.Time // zero while the principal exists

	// Roles only.
	// AssumeRolePolicy is the trust policy as stored: the IAM users and
	// roles it names are bound to their unique IDs. GetRole and ListRoles
	// show it with ARNs again while those principals exist.
	AssumeRolePolicy   string
	MaxSessionDuration int // seconds, 3600–43200
	Description        string
}

// ARN returns arn:aws:iam::<account>:user|role<path><name>.
func (p *Principal) ARN() string {
	return "arn:aws:iam::" + p.Account + ":" + p.Kind + p.Path + p.Name
}

// InlinePolicy is a policy embedded in a user or role.
type InlinePolicy struct {
	PrincipalID string
	Name        string
	Document    string
}

// ManagedPolicy is a customer managed policy.
type ManagedPolicy struct {
	ID             string // ANPA…
	Account        string
	Name           string
	Path           string
	Description    string
	DefaultVersion string // v1, v2, …
	Created        time.Time
	Updated        time.Time
	Versions       []PolicyVersion // oldest first
}

// ARN returns arn:aws:iam::<account>:policy<path><name>.
func (p *ManagedPolicy) ARN() string {
	return "arn:aws:iam::" + p.Account + ":policy" + p.Path + p.Name
}

// PolicyVersion is one version of a managed policy.
type PolicyVersion struct {
	ID       string // v1, v2, …
	Document string
	Created  time.Time
}

// Session is an STS session: temporary credentials for an assumed role.
// The secret is sealed like a long-term secret; the session token is kept
// only as a SHA-256 hash (it is compared, never shown again).
type Session struct {
	AccessKeyID  string // ASIA…
	Account      string
	RoleID       string // AROA…
	SessionName  string
	SealedSecret []byte
	TokenHash    []byte // SHA-256 of the session token
	Policy       string // session policy, "" when none
	PolicyARNs   []string
	SourceIP     string
	Created      time.Time
	Expires      time.Time
}

// PrincipalStore persists users, roles, their policies and STS sessions.
//
// Unique IDs (principals' and managed policies') are unique across accounts;
// the store enforces it. Principal and managed policy names compare without
// regard to case, as IAM's do ("Alice" and "alice" are one name).
//
// Errors: errs.NotFound for a missing record (and for a policy, attachment
// or session whose principal is missing or deleted); errs.AlreadyExists when
// a live principal of the same kind and name exists in the account, a unique
// ID is taken, or a policy name, policy version, attachment or session id
// already exists; errs.DeleteConflict when DeletePrincipal finds inline
// policies, attachments or access keys left, or DeleteManagedPolicy finds
// attachments; anything else is internal.
type PrincipalStore interface {
	CreatePrincipal(ctx context.Context, p *Principal) error
	// GetPrincipal returns the principal with a unique ID, deleted or not.
	GetPrincipal(ctx context.Context, id string) (*Principal, error)
	// PrincipalByName returns the live principal of a kind and name.
	PrincipalByName(ctx context.Context, account, kind, name string) (*Principal, error)
	// ListPrincipals returns live principals of a kind whose path starts with
	// pathPrefix, ordered by name, after the given name, at most limit (<=0: all).
	ListPrincipals(ctx context.Context, account, kind, pathPrefix, after string, limit int) ([]*Principal, error)
	// UpdatePrincipal replaces a live principal's mutable fields.
	UpdatePrincipal(ctx context.Context, p *Principal) error
	// DeletePrincipal marks a live principal deleted at the given time; the
	// record stays for GetPrincipal. Its inline policies and attachments must
	// already be gone (the domain checks).
	DeletePrincipal(ctx context.Context, id string, at time.Time) error
	// PrincipalsByARN returns every principal, live or deleted, that has ever
	// had this ARN, newest first.
	PrincipalsByARN(ctx context.Context, account, kind, path, name string) ([]*Principal, error)

	PutInlinePolicy(ctx context.Context, p *InlinePolicy) error // create or replace
	GetInlinePolicy(ctx context.Context, principalID, name string) (*InlinePolicy, error)
	ListInlinePolicies(ctx context.Context, principalID string) ([]*InlinePolicy, error) // by name
	DeleteInlinePolicy(ctx context.Context, principalID, name string) error

	CreateManagedPolicy(ctx context.Context, p *ManagedPolicy) error
	GetManagedPolicy(ctx context.Context, account, path, name string) (*ManagedPolicy, error)
	ListManagedPolicies(ctx context.Context, account, pathPrefix, after string, limit int) ([]*ManagedPolicy, error)
	// UpdateManagedPolicy replaces versions and default version.
	UpdateManagedPolicy(ctx context.Context, p *ManagedPolicy) error
	DeleteManagedPolicy(ctx context.Context, account, path, name string) error

	AttachPolicy(ctx context.Context, principalID, policyARN string) error
	DetachPolicy(ctx context.Context, principalID, policyARN string) error
	// AttachedPolicies returns the ARNs attached to a principal, sorted.
	AttachedPolicies(ctx context.Context, principalID string) ([]string, error)
	// PolicyAttachments returns the principal IDs a policy is attached to.
	PolicyAttachments(ctx context.Context, policyARN string) ([]string, error)

	CreateSession(ctx context.Context, s *Session) error
	GetSession(ctx context.Context, accessKeyID string) (*Session, error)
	// DeleteExpiredSessions removes sessions that expired before now.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)
}
