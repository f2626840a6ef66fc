package identity

import (
	"context"

	"github.com/keyward/keyward/internal/authz"
)

// This file declares the IAM operations of the identity service. Each takes
// the caller explicitly, asks authz whether the caller may perform the
// iam:<Action> on the resource, and returns *errs.Error values whose codes
// iamapi maps to IAM's Query-protocol error codes:
//   errs.NotFound → NoSuchEntity, errs.AlreadyExists → EntityAlreadyExists,
//   errs.MalformedPolicy → MalformedPolicyDocument, errs.Validation →
//   ValidationError / InvalidInput, errs.DeleteConflict → DeleteConflict,
//   errs.LimitExceeded → LimitExceeded, errs.AccessDenied → AccessDenied.
// Messages are IAM's (e.g. "The user with name alice cannot be found.").

// Page is a page of a listing: Marker is "" on the last page.
type Page struct {
	Marker   string
	MaxItems int // 1–1000, default 100
}

// CreateUser creates an IAM user with a new AIDA… unique ID.
func (s *Service) CreateUser(ctx context.Context, c *authz.Caller, name, path string) (*Principal, error) {
	panic("unimplemented")
}

// GetUser returns a user; name "" means the calling user.
func (s *Service) GetUser(ctx context.Context, c *authz.Caller, name string) (*Principal, error) {
	panic("unimplemented")
}

// ListUsers lists users by path prefix.
func (s *Service) ListUsers(ctx context.Context, c *authz.Caller, pathPrefix string, p Page) ([]*Principal, string, error) {
	panic("unimplemented")
}

// DeleteUser deletes a user that has no access keys, inline or attached
// policies left (DeleteConflict otherwise), after the reference guard.
func (s *Service) DeleteUser(ctx context.Context, c *authz.Caller, name string) error {
	panic("unimplemented")
}

// CreateUserAccessKey creates an access key for a user ("" = the caller's
// user, or the root when the caller is root). The secret is returned once.
func (s *Service) CreateUserAccessKey(ctx context.Context, c *authz.Caller, userName string) (*AccessKey, string, error) {
	panic("unimplemented")
}

// ListUserAccessKeys lists a user's access keys.
func (s *Service) ListUserAccessKeys(ctx context.Context, c *authz.Caller, userName string) ([]*AccessKey, error) {
	panic("unimplemented")
}

// UpdateAccessKey sets a key's status to Active or Inactive.
func (s *Service) UpdateAccessKey(ctx context.Context, c *authz.Caller, userName, accessKeyID, status string) error {
	panic("unimplemented")
}

// DeleteUserAccessKey deletes an access key.
func (s *Service) DeleteUserAccessKey(ctx context.Context, c *authz.Caller, userName, accessKeyID string) error {
	panic("unimplemented")
}

// RoleInput is CreateRole's request.
type RoleInput struct {
	Name               string
	Path               string
	AssumeRolePolicy   string
	Description        string
	MaxSessionDuration int // 0 = default 3600
}

// CreateRole creates a role with a new AROA… unique ID.
func (s *Service) CreateRole(ctx context.Context, c *authz.Caller, in RoleInput) (*Principal, error) {
	panic("unimplemented")
}

// GetRole returns a role by name.
func (s *Service) GetRole(ctx context.Context, c *authz.Caller, name string) (*Principal, error) {
	panic("unimplemented")
}

// ListRoles lists roles by path prefix.
func (s *Service) ListRoles(ctx context.Context, c *authz.Caller, pathPrefix string, p Page) ([]*Principal, string, error) {
	panic("unimplemented")
}

// DeleteRole deletes a role without inline or attached policies.
func (s *Service) DeleteRole(ctx context.Context, c *authz.Caller, name string) error {
	panic("unimplemented")
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, c *authz.Caller, roleName, doc string) error {
	panic("unimplemented")
}

// PutInlinePolicy creates or replaces an inline policy of a user or role
// (kind KindUser or KindRole).
func (s *Service) PutInlinePolicy(ctx context.Context, c *authz.Caller, kind, principalName, policyName, doc string) error {
	panic("unimplemented")
}

// GetInlinePolicy returns an inline policy.
func (s *Service) GetInlinePolicy(ctx context.Context, c *authz.Caller, kind, principalName, policyName string) (*InlinePolicy, error) {
	panic("unimplemented")
}

// ListInlinePolicies lists the names of a principal's inline policies.
func (s *Service) ListInlinePolicies(ctx context.Context, c *authz.Caller, kind, principalName string, p Page) ([]string, string, error) {
	panic("unimplemented")
}

// DeleteInlinePolicy deletes an inline policy.
func (s *Service) DeleteInlinePolicy(ctx context.Context, c *authz.Caller, kind, principalName, policyName string) error {
	panic("unimplemented")
}

// CreateManagedPolicy creates a customer managed policy (version v1, default).
func (s *Service) CreateManagedPolicy(ctx context.Context, c *authz.Caller, name, path, description, doc string) (*ManagedPolicy, error) {
	panic("unimplemented")
}

// GetManagedPolicy returns a managed policy by ARN, with its attachment count.
func (s *Service) GetManagedPolicy(ctx context.Context, c *authz.Caller, arn string) (*ManagedPolicy, int, error) {
	panic("unimplemented")
}

// GetPolicyVersion returns one version of a managed policy.
func (s *Service) GetPolicyVersion(ctx context.Context, c *authz.Caller, arn, versionID string) (*PolicyVersion, bool, error) {
	panic("unimplemented")
}

// AttachPolicy attaches a managed policy to a user or role.
func (s *Service) AttachPolicy(ctx context.Context, c *authz.Caller, kind, principalName, arn string) error {
	panic("unimplemented")
}

// DetachPolicy detaches a managed policy from a user or role.
func (s *Service) DetachPolicy(ctx context.Context, c *authz.Caller, kind, principalName, arn string) error {
	panic("unimplemented")
}

// ListAttachedPolicies lists the managed policies attached to a user or role.
func (s *Service) ListAttachedPolicies(ctx context.Context, c *authz.Caller, kind, principalName string, p Page) ([]*ManagedPolicy, string, error) {
	panic("unimplemented")
}
