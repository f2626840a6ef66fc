package iamapi

import (
	"context"
	"strings"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/awsproto/awsquery"
	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/identity"
)

type handlers struct {
	svc *identity.Service
}

// table is the IAM operation table.
func (h *handlers) table() []awsquery.Operation {
	return []awsquery.Operation{
		op("CreateUser", smallBody, false, h.createUser),
		op("GetUser", smallBody, true, h.getUser),
		op("ListUsers", smallBody, true, h.listUsers),
		op("DeleteUser", smallBody, false, h.deleteUser),

		op("CreateAccessKey", smallBody, false, h.createAccessKey),
		op("ListAccessKeys", smallBody, true, h.listAccessKeys),
		op("UpdateAccessKey", smallBody, false, h.updateAccessKey),
		op("DeleteAccessKey", smallBody, false, h.deleteAccessKey),

		op("CreateRole", policyBody, false, h.createRole),
		op("GetRole", smallBody, true, h.getRole),
		op("ListRoles", smallBody, true, h.listRoles),
		op("DeleteRole", smallBody, false, h.deleteRole),
		op("UpdateAssumeRolePolicy", policyBody, false, h.updateAssumeRolePolicy),

		op("PutUserPolicy", policyBody, false, h.putUserPolicy),
		op("GetUserPolicy", smallBody, true, h.getUserPolicy),
		op("ListUserPolicies", smallBody, true, h.listUserPolicies),
		op("DeleteUserPolicy", smallBody, false, h.deleteUserPolicy),
		op("PutRolePolicy", policyBody, false, h.putRolePolicy),
		op("GetRolePolicy", smallBody, true, h.getRolePolicy),
		op("ListRolePolicies", smallBody, true, h.listRolePolicies),
		op("DeleteRolePolicy", smallBody, false, h.deleteRolePolicy),

		op("CreatePolicy", policyBody, false, h.createPolicy),
		op("GetPolicy", smallBody, true, h.getPolicy),
		op("GetPolicyVersion", smallBody, true, h.getPolicyVersion),
		op("AttachUserPolicy", smallBody, false, h.attachUserPolicy),
		op("DetachUserPolicy", smallBody, false, h.detachUserPolicy),
		op("AttachRolePolicy", smallBody, false, h.attachRolePolicy),
		op("DetachRolePolicy", smallBody, false, h.detachRolePolicy),
		op("ListAttachedUserPolicies", smallBody, true, h.listAttachedUserPolicies),
		op("ListAttachedRolePolicies", smallBody, true, h.listAttachedRolePolicies),
	}
}

// defaultMaxItems is IAM's page size when MaxItems is not given.
const defaultMaxItems = 100

func page(marker string, maxItems int) identity.Page {
	if maxItems == 0 {
		maxItems = defaultMaxItems
	}
	return identity.Page{Marker: marker, MaxItems: maxItems}
}

func orRoot(path string) string {
	if path == "" {
		return "/"
	}
	return path
}

// unsupportedBoundary refuses permissions boundaries: ignoring one would
// give the principal more than its creator allowed.
func unsupportedBoundary(arn string) error {
	if arn == "" {
		return nil
	}
	return errs.E(errs.UnsupportedOperation, "Permissions boundaries are not supported by this server.")
}

// Tags are accepted and not kept: no condition key that Keyward evaluates
// reads principal tags, so dropping them grants nothing.

// Users.

func (h *handlers) createUser(ctx context.Context, c *authz.Caller, in *CreateUserRequest) (*CreateUserResponse, error) {
	if err := unsupportedBoundary(in.PermissionsBoundary); err != nil {
		return nil, err
	}
	p, err := h.svc.CreateUser(ctx, c, in.UserName, orRoot(in.Path))
	if err != nil {
		return nil, err
	}
	return &CreateUserResponse{User: userOut(p)}, nil
}

func (h *handlers) getUser(ctx context.Context, c *authz.Caller, in *GetUserRequest) (*GetUserResponse, error) {
	p, err := h.svc.GetUser(ctx, c, in.UserName)
	if err != nil {
		return nil, err
	}
	return &GetUserResponse{User: userOut(p)}, nil
}

func (h *handlers) listUsers(ctx context.Context, c *authz.Caller, in *ListUsersRequest) (*ListUsersResponse, error) {
	ps, next, err := h.svc.ListUsers(ctx, c, orRoot(in.PathPrefix), page(in.Marker, in.MaxItems))
	if err != nil {
		return nil, err
	}
	out := &ListUsersResponse{Users: make(awsquery.List[User], 0, len(ps)), IsTruncated: next != "", Marker: next}
	for _, p := range ps {
		out.Users = append(out.Users, *userOut(p))
	}
	return out, nil
}

func (h *handlers) deleteUser(ctx context.Context, c *authz.Caller, in *DeleteUserRequest) (*awsquery.NoOutput, error) {
	return noOutput, h.svc.DeleteUser(ctx, c, in.UserName)
}

// userOut is a user as IAM shows it. The account root (GetUser without a
// name, called by the root) has no name or path: IAM shows its account id
// and root ARN.
func userOut(p *identity.Principal) *User {
	u := &User{Path: p.Path, UserName: p.Name, UserID: p.ID, Arn: p.ARN(), CreateDate: awsquery.Time(p.Created)}
	if p.Name == "" {
		u.Path, u.Arn = "", "arn:aws:iam::"+p.Account+":root"
		if u.UserID == "" {
			u.UserID = p.Account
		}
	}
	return u
}

// Access keys.

func (h *handlers) createAccessKey(ctx context.Context, c *authz.Caller, in *CreateAccessKeyRequest) (*CreateAccessKeyResponse, error) {
	k, sec, err := h.svc.CreateUserAccessKey(ctx, c, in.UserName)
	if err != nil {
		return nil, err
	}
	return &CreateAccessKeyResponse{AccessKey: &AccessKey{
		UserName: k.User, AccessKeyID: k.ID, Status: k.Status, SecretAccessKey: secret(sec), CreateDate: awsquery.Time(k.Created),
	}}, nil
}

func (h *handlers) listAccessKeys(ctx context.Context, c *authz.Caller, in *ListAccessKeysRequest) (*ListAccessKeysResponse, error) {
	keys, err := h.svc.ListUserAccessKeys(ctx, c, in.UserName)
	if err != nil {
		return nil, err
	}
	// The domain returns a user's keys at once (a user has at most a
	// few); the page is cut here, with the next key's id as the marker.
	start := 0
	if in.Marker != "" {
		start = -1
		for i, k := range keys {
			if k.ID == in.Marker {
				start = i
				break
			}
		}
		if start < 0 {
			return nil, errs.E(errs.InvalidMarker, "Invalid Marker.")
		}
	}
	n := in.MaxItems
	if n == 0 {
		n = defaultMaxItems
	}
	end := min(start+n, len(keys))
	out := &ListAccessKeysResponse{AccessKeyMetadata: make(awsquery.List[AccessKeyMetadata], 0, end-start)}
	for _, k := range keys[start:end] {
		out.AccessKeyMetadata = append(out.AccessKeyMetadata, AccessKeyMetadata{
			UserName: k.User, AccessKeyID: k.ID, Status: k.Status, CreateDate: awsquery.Time(k.Created),
		})
	}
	if end < len(keys) {
		out.IsTruncated, out.Marker = true, keys[end].ID
	}
	return out, nil
}

func (h *handlers) updateAccessKey(ctx context.Context, c *authz.Caller, in *UpdateAccessKeyRequest) (*awsquery.NoOutput, error) {
	return noOutput, h.svc.UpdateAccessKey(ctx, c, in.UserName, in.AccessKeyID, in.Status)
}

func (h *handlers) deleteAccessKey(ctx context.Context, c *authz.Caller, in *DeleteAccessKeyRequest) (*awsquery.NoOutput, error) {
	return noOutput, h.svc.DeleteUserAccessKey(ctx, c, in.UserName, in.AccessKeyID)
}

// Roles.

func (h *handlers) createRole(ctx context.Context, c *authz.Caller, in *CreateRoleRequest) (*CreateRoleResponse, error) {
	if err := unsupportedBoundary(in.PermissionsBoundary); err != nil {
		return nil, err
	}
	p, err := h.svc.CreateRole(ctx, c, identity.RoleInput{
		Name:               in.RoleName,
		Path:               orRoot(in.Path),
		AssumeRolePolicy:   in.AssumeRolePolicyDocument,
		Description:        in.Description,
		MaxSessionDuration: in.MaxSessionDuration,
	})
	if err != nil {
		return nil, err
	}
	r := roleOut(p)
	r.MaxSessionDuration = 0 // CreateRole does not show it, GetRole does
	return &CreateRoleResponse{Role: r}, nil
}

func (h *handlers) getRole(ctx context.Context, c *authz.Caller, in *GetRoleRequest) (*GetRoleResponse, error) {
	p, err := h.svc.GetRole(ctx, c, in.RoleName)
	if err != nil {
		return nil, err
	}
	r := roleOut(p)
	r.RoleLastUsed = &RoleLastUsed{}
	return &GetRoleResponse{Role: r}, nil
}

func (h *handlers) listRoles(ctx context.Context, c *authz.Caller, in *ListRolesRequest) (*ListRolesResponse, error) {
	ps, next, err := h.svc.ListRoles(ctx, c, orRoot(in.PathPrefix), page(in.Marker, in.MaxItems))
	if err != nil {
		return nil, err
	}
	out := &ListRolesResponse{Roles: make(awsquery.List[Role], 0, len(ps)), IsTruncated: next != "", Marker: next}
	for _, p := range ps {
		out.Roles = append(out.Roles, *roleOut(p))
	}
	return out, nil
}

func (h *handlers) deleteRole(ctx context.Context, c *authz.Caller, in *DeleteRoleRequest) (*awsquery.NoOutput, error) {
	return noOutput, h.svc.DeleteRole(ctx, c, in.RoleName)
}

func (h *handlers) updateAssumeRolePolicy(ctx context.Context, c *authz.Caller, in *UpdateAssumeRolePolicyRequest) (*awsquery.NoOutput, error) {
	return noOutput, h.svc.UpdateAssumeRolePolicy(ctx, c, in.RoleName, in.PolicyDocument)
}

func roleOut(p *identity.Principal) *Role {
	return &Role{
		Path: p.Path, RoleName: p.Name, RoleID: p.ID, Arn: p.ARN(), CreateDate: awsquery.Time(p.Created),
		AssumeRolePolicyDocument: awsquery.PolicyDocument(p.AssumeRolePolicy),
		Description:              p.Description,
		MaxSessionDuration:       p.MaxSessionDuration,
	}
}

// Inline policies.

func (h *handlers) putUserPolicy(ctx context.Context, c *authz.Caller, in *PutUserPolicyRequest) (*awsquery.NoOutput, error) {
	return noOutput, h.svc.PutInlinePolicy(ctx, c, identity.KindUser, in.UserName, in.PolicyName, in.PolicyDocument)
}

func (h *handlers) putRolePolicy(ctx context.Context, c *authz.Caller, in *PutRolePolicyRequest) (*awsquery.NoOutput, error) {
	return noOutput, h.svc.PutInlinePolicy(ctx, c, identity.KindRole, in.RoleName, in.PolicyName, in.PolicyDocument)
}

func (h *handlers) getUserPolicy(ctx context.Context, c *authz.Caller, in *GetUserPolicyRequest) (*GetUserPolicyResponse, error) {
	p, err := h.svc.GetInlinePolicy(ctx, c, identity.KindUser, in.UserName, in.PolicyName)
	if err != nil {
		return nil, err
	}
	return &GetUserPolicyResponse{UserName: in.UserName, PolicyName: p.Name, PolicyDocument: awsquery.PolicyDocument(p.Document)}, nil
}

func (h *handlers) getRolePolicy(ctx context.Context, c *authz.Caller, in *GetRolePolicyRequest) (*GetRolePolicyResponse, error) {
	p, err := h.svc.GetInlinePolicy(ctx, c, identity.KindRole, in.RoleName, in.PolicyName)
	if err != nil {
		return nil, err
	}
	return &GetRolePolicyResponse{RoleName: in.RoleName, PolicyName: p.Name, PolicyDocument: awsquery.PolicyDocument(p.Document)}, nil
}

func (h *handlers) listUserPolicies(ctx context.Context, c *authz.Caller, in *ListUserPoliciesRequest) (*ListPoliciesResponse, error) {
	return h.listInline(ctx, c, identity.KindUser, in.UserName, in.Marker, in.MaxItems)
}

func (h *handlers) listRolePolicies(ctx context.Context, c *authz.Caller, in *ListRolePoliciesRequest) (*ListPoliciesResponse, error) {
	return h.listInline(ctx, c, identity.KindRole, in.RoleName, in.Marker, in.MaxItems)
}

func (h *handlers) listInline(ctx context.Context, c *authz.Caller, kind, name, marker string, maxItems int) (*ListPoliciesResponse, error) {
	names, next, err := h.svc.ListInlinePolicies(ctx, c, kind, name, page(marker, maxItems))
	if err != nil {
		return nil, err
	}
	return &ListPoliciesResponse{PolicyNames: append(awsquery.List[string]{}, names...), IsTruncated: next != "", Marker: next}, nil
}

func (h *handlers) deleteUserPolicy(ctx context.Context, c *authz.Caller, in *DeleteUserPolicyRequest) (*awsquery.NoOutput, error) {
	return noOutput, h.svc.DeleteInlinePolicy(ctx, c, identity.KindUser, in.UserName, in.PolicyName)
}

func (h *handlers) deleteRolePolicy(ctx context.Context, c *authz.Caller, in *DeleteRolePolicyRequest) (*awsquery.NoOutput, error) {
	return noOutput, h.svc.DeleteInlinePolicy(ctx, c, identity.KindRole, in.RoleName, in.PolicyName)
}

// Managed policies.

func (h *handlers) createPolicy(ctx context.Context, c *authz.Caller, in *CreatePolicyRequest) (*PolicyResponse, error) {
	p, err := h.svc.CreateManagedPolicy(ctx, c, in.PolicyName, orRoot(in.Path), in.Description, in.PolicyDocument)
	if err != nil {
		return nil, err
	}
	return &PolicyResponse{Policy: policyOut(p, 0)}, nil
}

func (h *handlers) getPolicy(ctx context.Context, c *authz.Caller, in *GetPolicyRequest) (*PolicyResponse, error) {
	p, n, err := h.svc.GetManagedPolicy(ctx, c, in.PolicyARN)
	if err != nil {
		return nil, err
	}
	return &PolicyResponse{Policy: policyOut(p, n)}, nil
}

func policyOut(p *identity.ManagedPolicy, attachments int) *Policy {
	return &Policy{
		PolicyName: p.Name, PolicyID: p.ID, Arn: p.ARN(), Path: p.Path, DefaultVersionID: p.DefaultVersion,
		AttachmentCount: attachments, IsAttachable: true, Description: p.Description,
		CreateDate: awsquery.Time(p.Created), UpdateDate: awsquery.Time(p.Updated),
	}
}

func (h *handlers) getPolicyVersion(ctx context.Context, c *authz.Caller, in *GetPolicyVersionRequest) (*GetPolicyVersionResponse, error) {
	v, isDefault, err := h.svc.GetPolicyVersion(ctx, c, in.PolicyARN, in.VersionID)
	if err != nil {
		return nil, err
	}
	return &GetPolicyVersionResponse{PolicyVersion: &PolicyVersion{
		Document: awsquery.PolicyDocument(v.Document), VersionID: v.ID, IsDefaultVersion: isDefault, CreateDate: awsquery.Time(v.Created),
	}}, nil
}

func (h *handlers) attachUserPolicy(ctx context.Context, c *authz.Caller, in *AttachUserPolicyRequest) (*awsquery.NoOutput, error) {
	return noOutput, h.svc.AttachPolicy(ctx, c, identity.KindUser, in.UserName, in.PolicyARN)
}

func (h *handlers) detachUserPolicy(ctx context.Context, c *authz.Caller, in *DetachUserPolicyRequest) (*awsquery.NoOutput, error) {
	return noOutput, h.svc.DetachPolicy(ctx, c, identity.KindUser, in.UserName, in.PolicyARN)
}

func (h *handlers) attachRolePolicy(ctx context.Context, c *authz.Caller, in *AttachRolePolicyRequest) (*awsquery.NoOutput, error) {
	return noOutput, h.svc.AttachPolicy(ctx, c, identity.KindRole, in.RoleName, in.PolicyARN)
}

func (h *handlers) detachRolePolicy(ctx context.Context, c *authz.Caller, in *DetachRolePolicyRequest) (*awsquery.NoOutput, error) {
	return noOutput, h.svc.DetachPolicy(ctx, c, identity.KindRole, in.RoleName, in.PolicyARN)
}

func (h *handlers) listAttachedUserPolicies(ctx context.Context, c *authz.Caller, in *ListAttachedUserPoliciesRequest) (*ListAttachedPoliciesResponse, error) {
	return h.listAttached(ctx, c, identity.KindUser, in.UserName, in.PathPrefix, in.Marker, in.MaxItems)
}

func (h *handlers) listAttachedRolePolicies(ctx context.Context, c *authz.Caller, in *ListAttachedRolePoliciesRequest) (*ListAttachedPoliciesResponse, error) {
	return h.listAttached(ctx, c, identity.KindRole, in.RoleName, in.PathPrefix, in.Marker, in.MaxItems)
}

// listAttached filters each page by path prefix: a page may then hold fewer
// than MaxItems policies while IsTruncated is true, which IAM's contract
// allows ("IAM might return fewer than the MaxItems number of results even
// when there are more results available").
func (h *handlers) listAttached(ctx context.Context, c *authz.Caller, kind, name, pathPrefix, marker string, maxItems int) (*ListAttachedPoliciesResponse, error) {
	ps, next, err := h.svc.ListAttachedPolicies(ctx, c, kind, name, page(marker, maxItems))
	if err != nil {
		return nil, err
	}
	out := &ListAttachedPoliciesResponse{AttachedPolicies: make(awsquery.List[AttachedPolicy], 0, len(ps)), IsTruncated: next != "", Marker: next}
	for _, p := range ps {
		if pathPrefix != "" && !strings.HasPrefix(p.Path, pathPrefix) {
			continue
		}
		out.AttachedPolicies = append(out.AttachedPolicies, AttachedPolicy{PolicyName: p.Name, PolicyArn: p.ARN()})
	}
	return out, nil
}
