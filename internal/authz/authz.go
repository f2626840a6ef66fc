// Package authz decides whether a caller may perform an action on a
// resource. Domain services call it with the caller passed explicitly, so no
// surface (API, console, CLI) can skip it. It must not read storage itself:
// the caller's service hands it the resource and its policy.
//
// Today it implements the account boundary only (the account root may do
// anything to its own resources). Key policies, identity policies and grants
// plug in here.
package authz

import (
	"context"
	"log/slog"
	"time"

	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/grants"
)

// PrincipalType names the kind of principal, as CloudTrail's userIdentity.type.
type PrincipalType string

// Principal types.
const (
	Root        PrincipalType = "Root"
	IAMUser     PrincipalType = "IAMUser"
	AssumedRole PrincipalType = "AssumedRole"
)

// Caller is an authenticated principal making one request.
type Caller struct {
	Type    PrincipalType
	Account string // the caller's account id
	// ARN is arn:aws:iam::<account>:root, …:user/<path><name>, or
	// arn:aws:sts::<account>:assumed-role/<role>/<session>.
	ARN string
	// UserID is what GetCallerIdentity and aws:userid show: the account id
	// for root, AIDA… for users, AROA…:<session> for role sessions.
	UserID string
	// PrincipalID is the unique ID of the IAM user or role behind the
	// caller (AIDA…/AROA…); "" for root.
	PrincipalID string
	// UserName is the IAM user's name (aws:username); RoleName, RoleARN and
	// SessionName describe a role session.
	UserName    string
	RoleName    string
	RoleARN     string
	SessionName string
	// IdentityPolicies are the caller's identity-based policy documents:
	// inline and attached policies of the user or role. SessionPolicies,
	// when non-nil, further restrict a role session (intersection).
	IdentityPolicies []string
	SessionPolicies  []string
	SessionIssued    time.Time // role sessions: when the credentials were issued

	AccessKeyID string
	// Region is the region the request was signed for: every resource the
	// request names lives in (account, Region).
	Region    string
	SourceIP  string
	UserAgent string
	RequestID string
	// EventID is the id of the audit event this request produces.
	EventID string
}

// LogValue keeps access key ids out of debug logs beyond a prefix.
func (c *Caller) LogValue() slog.Value {
	return slog.GroupValue(slog.String("arn", c.ARN), slog.String("region", c.Region))
}

// RootCaller returns the account root caller.
func RootCaller(account, region, accessKeyID string) *Caller {
	return &Caller{
		Type:        Root,
		Account:     account,
		ARN:         "arn:aws:iam::" + account + ":root",
		UserID:      account,
		AccessKeyID: accessKeyID,
		Region:      region,
	}
}

// Resource is what an action is performed on, with what the decision
// needs to know about the request.
type Resource struct {
	ARN     string
	Account string
	// Policy is the resource policy (a key policy, a trust policy), if any,
	// with principals in their stored (unique-ID) form.
	Policy string
	// Trust marks Policy as a role's trust policy, whose statements name no
	// Resource: they apply to the role they are attached to.
	Trust bool

	// KMS requests also carry the key's grants and the request's
	// condition context.
	Grants            []*grants.Grant
	GrantOperation    string // the grant operation the action needs (Decrypt, ReEncryptFrom, …)
	EncryptionContext map[string]string
	Context           RequestContext
	// NewGrant holds the constraints of the grant a CreateGrant would make:
	// a grant that allows CreateGrant only allows equally narrow grants.
	NewGrant *grants.Constraints
	// DenyOnly asks only whether an explicit deny applies (RetireGrant,
	// whose permission comes from the grant itself).
	DenyOnly bool
}

// RequestContext holds condition keys (e.g. kms:GrantOperations) and their
// values for policy evaluation.
type RequestContext map[string][]string

// Authorizer decides.
type Authorizer interface {
	// Authorize returns nil when allowed and an *errs.Error with Code
	// errs.AccessDenied and AWS's message otherwise.
	Authorize(ctx context.Context, c *Caller, action string, r Resource) error
}

// AccountBoundary allows a caller to act on resources of its own account and
// denies everything across accounts.
type AccountBoundary struct{}

// Authorize implements Authorizer.
func (AccountBoundary) Authorize(_ context.Context, c *Caller, action string, r Resource) error {
	if r.DenyOnly || (c != nil && r.Account != "" && c.Account == r.Account) {
		return nil
	}
	if c == nil {
		return errs.E(errs.AccessDenied, "not authorized")
	}
	return Denied(c, action, r.ARN, "resource-based")
}

// Denied returns AWS's AccessDeniedException for an action.
func Denied(c *Caller, action, resourceARN, policyKind string) error {
	return errs.Ef(errs.AccessDenied,
		"User: %s is not authorized to perform: %s on resource: %s because no %s policy allows the %s action",
		c.ARN, action, resourceARN, policyKind, action)
}

type callerKey struct{}

// WithCaller returns ctx carrying the request's authenticated caller.
func WithCaller(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller stored by WithCaller, or nil.
func CallerFrom(ctx context.Context) *Caller {
	c, _ := ctx.Value(callerKey{}).(*Caller)
	return c
}

// Names reports whether a stored principal binding (a unique ID, or an ARN
// for roots, sessions and services) names the caller. A binding to a role's
// unique ID names every session of that role; a deleted and re-created role
// has a new ID and is not named.
func Names(c *Caller, stored string) bool {
	if stored == "" || c == nil {
		return false
	}
	switch {
	case c.PrincipalID != "" && stored == c.PrincipalID:
		return true
	case stored == c.ARN:
		return true
	case c.Type == Root && (stored == c.Account || stored == "arn:aws:iam::"+c.Account+":root"):
		return true
	}
	return false
}
