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

	"github.com/keyward/keyward/internal/errs"
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
	Type        PrincipalType
	Account     string // the caller's account id
	ARN         string // arn:aws:iam::<account>:root, …:user/<name>, …
	UserID      string // the account id for root, AIDA… for users
	AccessKeyID string
	// Region is the region the request was signed for: every resource the
	// request names lives in (account, Region).
	Region    string
	SourceIP  string
	UserAgent string
	RequestID string
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

// Resource is what an action is performed on.
type Resource struct {
	ARN     string
	Account string
	// Policy is the resource policy (a key policy), if any.
	Policy string
}

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
	if c != nil && r.Account != "" && c.Account == r.Account {
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
