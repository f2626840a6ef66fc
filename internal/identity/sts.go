package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
)

// CodePackedPolicyTooLarge is STS's PackedPolicyTooLarge: the session
// policies passed to AssumeRole exceed the packed size limit.
// TODO(errs): move to internal/errs with the other shared codes.
const CodePackedPolicyTooLarge errs.Code = "PackedPolicyTooLarge"

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
//
// Errors, as STS answers them: errs.Validation for a malformed request, a
// duration beyond the role's MaxSessionDuration or beyond the one hour that
// role chaining allows; errs.MalformedPolicy for a session policy that does
// not parse; CodePackedPolicyTooLarge; errs.AccessDenied ("User: <caller
// arn> is not authorized to perform: sts:AssumeRole on resource: <role
// arn>") when the role does not exist or does not trust the caller, with the
// authorizer's explanation as the error's cause.
func (s *Service) AssumeRole(ctx context.Context, c *authz.Caller, in AssumeRoleInput) (*SessionCredentials, error) {
	if err := checkCaller(c); err != nil {
		return nil, err
	}
	if err := checkAssumeRoleInput(&in); err != nil {
		return nil, err
	}
	account, path, name, ok := parseIAMARN(in.RoleARN, KindRole)
	if !ok {
		return nil, errs.Ef(errs.Validation, "%s is invalid", in.RoleARN)
	}
	denied := func(cause error) error {
		return &errs.Error{
			Code: errs.AccessDenied,
			Msg:  fmt.Sprintf("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", c.ARN, in.RoleARN),
			Err:  cause,
		}
	}
	if c.Type == authz.Root && !s.rootAssume {
		return nil, errs.E(errs.AccessDenied, "Roles may not be assumed by root accounts.")
	}
	role, err := s.principals.PrincipalByName(ctx, account, KindRole, name)
	switch {
	case errs.Is(err, errs.NotFound):
		return nil, denied(err)
	case err != nil:
		return nil, err
	case role.Path != path || role.Name != name:
		return nil, denied(errs.E(errs.NotFound, "the role's path or name differs from the ARN's"))
	}
	// The trust policy must allow the caller, directly or through its
	// account; then the Authorizer decides with the caller's identity
	// policies (and may evaluate the trust policy, a resource policy, again).
	if err := trustAllows(role.AssumeRolePolicy, c, &in, s.now()); err != nil {
		if errs.Is(err, errs.AccessDenied) {
			return nil, denied(err)
		}
		return nil, err
	}
	err = s.authz.Authorize(ctx, c, "sts:AssumeRole", authz.Resource{
		ARN: role.ARN(), Account: role.Account, Policy: role.AssumeRolePolicy, Trust: true,
		Context: assumeContext(&in),
	})
	if errs.Is(err, errs.AccessDenied) {
		return nil, denied(err)
	}
	if err != nil {
		return nil, err
	}
	duration := in.DurationSeconds
	if duration > role.MaxSessionDuration {
		return nil, errs.E(errs.Validation, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	if c.Type == authz.AssumedRole && duration > chainedMaxDuration {
		return nil, errs.E(errs.Validation, "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	for _, arn := range in.PolicyARNs {
		a, p, n, _ := parsePolicyARN(arn)
		if _, err := s.principals.GetManagedPolicy(ctx, a, p, n); errs.Is(err, errs.NotFound) {
			return nil, errs.Ef(errs.Validation, "Policy %s does not exist or is not attachable.", arn)
		} else if err != nil {
			return nil, err
		}
	}

	secret, err := newSecret()
	if err != nil {
		return nil, err
	}
	tokenBytes := make([]byte, sessionTokenBytes)
	if _, err := rand.Read(tokenBytes); err != nil {
		return nil, err
	}
	token := base64.StdEncoding.EncodeToString(tokenBytes)
	clear(tokenBytes)
	hash := sha256.Sum256([]byte(token))
	now := s.now()
	sess := &Session{
		Account:     role.Account,
		RoleID:      role.ID,
		SessionName: in.SessionName,
		TokenHash:   hash[:],
		Policy:      in.Policy,
		PolicyARNs:  in.PolicyARNs,
		SourceIP:    c.SourceIP,
		Created:     now,
		Expires:     now.Add(time.Duration(duration) * time.Second),
	}
	for attempt := 0; ; attempt++ {
		if sess.AccessKeyID, err = NewAccessKeyID("ASIA"); err != nil {
			return nil, err
		}
		if sess.SealedSecret, err = s.seal.Seal(sessionAAD(sess.AccessKeyID), []byte(secret)); err != nil {
			return nil, err
		}
		err = s.principals.CreateSession(ctx, sess)
		if err == nil || !errs.Is(err, errs.AlreadyExists) || attempt == 2 {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	return &SessionCredentials{
		AccessKeyID:     sess.AccessKeyID,
		SecretAccessKey: secret,
		SessionToken:    token,
		Expiration:      sess.Expires,
		AssumedRoleID:   role.ID + ":" + in.SessionName,
		AssumedRoleARN:  assumedRoleARN(role, in.SessionName),
	}, nil
}

// sessionTokenBytes is how many random bytes a session token carries.
const sessionTokenBytes = 120

var externalIDRE = regexp.MustCompile(`^[\w+=,.@:/-]*$`)

// checkAssumeRoleInput validates AssumeRole's parameters that need no
// storage, and sets the default duration.
func checkAssumeRoleInput(in *AssumeRoleInput) error {
	if len(in.RoleARN) < 20 || len(in.RoleARN) > 2048 {
		return invalid("roleArn", in.RoleARN, "Member must have length greater than or equal to 20")
	}
	if err := checkSessionName(in.SessionName); err != nil {
		return err
	}
	switch d := in.DurationSeconds; {
	case d == 0:
		in.DurationSeconds = defaultDuration
	case d < minDurationSeconds:
		return invalid("durationSeconds", fmt.Sprint(d), fmt.Sprintf("Member must have value greater than or equal to %d", minDurationSeconds))
	case d > maxSessionDuration:
		return invalid("durationSeconds", fmt.Sprint(d), fmt.Sprintf("Member must have value less than or equal to %d", maxSessionDuration))
	}
	if in.ExternalID != "" && (len(in.ExternalID) < 2 || len(in.ExternalID) > 1224 || !externalIDRE.MatchString(in.ExternalID)) {
		return invalid("externalId", in.ExternalID, `Member must satisfy regular expression pattern: [\w+=,.@:\/-]*`)
	}
	if len(in.Policy) > maxSessionPolicyLen {
		return errs.Ef(errs.Validation, "1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to %d", maxSessionPolicyLen)
	}
	if in.Policy != "" {
		if err := validatePolicyDoc(in.Policy, docIdentity); err != nil {
			return err
		}
	}
	if len(in.PolicyARNs) > maxSessionPolicyARNs {
		return errs.Ef(errs.Validation, "1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to %d", maxSessionPolicyARNs)
	}
	packed := policySize(in.Policy)
	for _, arn := range in.PolicyARNs {
		if _, _, _, ok := parsePolicyARN(arn); !ok {
			return errs.Ef(errs.Validation, "ARN %s is not valid.", arn)
		}
		packed += len(arn)
	}
	if packed > maxSessionPolicyLen {
		return errs.Ef(CodePackedPolicyTooLarge, "Packed policy consumes %d%% of allotted space, please use smaller policy.", packed*100/maxSessionPolicyLen)
	}
	return nil
}

// CleanupSessions deletes the sessions that expired more than
// Config.ExpiredSessionRetention ago, and drops expired sessions from the
// credential cache. The server's scheduler calls it periodically.
func (s *Service) CleanupSessions(ctx context.Context) error {
	now := s.now()
	n, err := s.principals.DeleteExpiredSessions(ctx, now.Add(-s.retention))
	if err != nil {
		return err
	}
	s.cmu.Lock()
	for id, c := range s.cached {
		if !c.Expires.IsZero() && c.Expires.Before(now.Add(-s.retention)) {
			delete(s.cached, id)
		}
	}
	s.cmu.Unlock()
	if n > 0 {
		s.log.LogAttrs(ctx, slog.LevelDebug, "identity: deleted expired sessions", slog.Int("count", n))
	}
	return nil
}

// assumeContext is the condition context STS sets for AssumeRole.
func assumeContext(in *AssumeRoleInput) authz.RequestContext {
	rc := authz.RequestContext{"sts:RoleSessionName": {in.SessionName}}
	if in.ExternalID != "" {
		rc["sts:ExternalId"] = []string{in.ExternalID}
	}
	return rc
}
