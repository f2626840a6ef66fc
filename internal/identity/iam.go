package identity

import (
	"context"
	"fmt"
	"slices"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
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
	if err := checkCaller(c); err != nil {
		return nil, err
	}
	if err := checkName("userName", name, maxNameLen); err != nil {
		return nil, err
	}
	path, err := normPath(path)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "iam:CreateUser", principalARN(c.Account, KindUser, path, name), c.Account); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := &Principal{Account: c.Account, Kind: KindUser, Name: name, Path: path, Created: s.now()}
	if err := s.createPrincipal(ctx, p, "AIDA"); err != nil {
		return nil, err
	}
	return p, nil
}

// GetUser returns a user; name "" means the calling user.
func (s *Service) GetUser(ctx context.Context, c *authz.Caller, name string) (*Principal, error) {
	if err := checkCaller(c); err != nil {
		return nil, err
	}
	if name != "" {
		return s.target(ctx, c, KindUser, name, "iam:GetUser")
	}
	switch c.Type {
	case authz.Root:
		if err := s.authorize(ctx, c, "iam:GetUser", c.ARN, c.Account); err != nil {
			return nil, err
		}
		return &Principal{ID: c.Account, Account: c.Account, Kind: KindRoot}, nil
	case authz.IAMUser:
		if err := s.authorize(ctx, c, "iam:GetUser", c.ARN, c.Account); err != nil {
			return nil, err
		}
		p, err := s.principals.GetPrincipal(ctx, c.PrincipalID)
		if err != nil {
			return nil, err
		}
		if !p.Deleted.IsZero() {
			return nil, notFound(KindUser, p.Name)
		}
		return p, nil
	}
	return nil, errs.E(errs.Validation, "Must specify userName when calling with non-User credentials")
}

// ListUsers lists users by path prefix.
func (s *Service) ListUsers(ctx context.Context, c *authz.Caller, pathPrefix string, p Page) ([]*Principal, string, error) {
	return s.listPrincipals(ctx, c, KindUser, pathPrefix, p)
}

// DeleteUser deletes a user that has no access keys, inline or attached
// policies left (DeleteConflict otherwise), after the reference guard.
func (s *Service) DeleteUser(ctx context.Context, c *authz.Caller, name string) error {
	p, err := s.target(ctx, c, KindUser, name, "iam:DeleteUser")
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.Invalidate()
	keys, err := s.userKeys(ctx, p.Account, p)
	if err != nil {
		return err
	}
	if len(keys) > 0 {
		return errs.E(errs.DeleteConflict, "Cannot delete entity, must delete access keys first.")
	}
	return s.deletePrincipal(ctx, p)
}

// CreateUserAccessKey creates an access key for a user ("" = the caller's
// user, or the root when the caller is root). The secret is returned once.
func (s *Service) CreateUserAccessKey(ctx context.Context, c *authz.Caller, userName string) (*AccessKey, string, error) {
	user, err := s.keyOwner(ctx, c, userName, "iam:CreateAccessKey")
	if err != nil {
		return nil, "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if user != nil { // still there, now that deletions wait for us
		cur, err := s.principals.GetPrincipal(ctx, user.ID)
		if errs.Is(err, errs.NotFound) || (err == nil && !cur.Deleted.IsZero()) {
			return nil, "", notFound(KindUser, user.Name)
		}
		if err != nil {
			return nil, "", err
		}
	}
	keys, err := s.userKeys(ctx, c.Account, user)
	if err != nil {
		return nil, "", err
	}
	if len(keys) >= maxAccessKeysPerUser {
		return nil, "", errs.Ef(errs.LimitExceeded, "Cannot exceed quota for AccessKeysPerUser: %d", maxAccessKeysPerUser)
	}
	return s.createKey(ctx, c.Account, user)
}

// ListUserAccessKeys lists a user's access keys.
func (s *Service) ListUserAccessKeys(ctx context.Context, c *authz.Caller, userName string) ([]*AccessKey, error) {
	user, err := s.keyOwner(ctx, c, userName, "iam:ListAccessKeys")
	if err != nil {
		return nil, err
	}
	return s.userKeys(ctx, c.Account, user)
}

// UpdateAccessKey sets a key's status to Active or Inactive.
func (s *Service) UpdateAccessKey(ctx context.Context, c *authz.Caller, userName, accessKeyID, status string) error {
	if status != "Active" && status != "Inactive" {
		return invalid("status", status, "Member must satisfy enum value set: [Active, Inactive]")
	}
	k, err := s.ownKey(ctx, c, userName, accessKeyID, "iam:UpdateAccessKey")
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.Invalidate()
	if err := s.store.UpdateAccessKeyStatus(ctx, k.ID, status); errs.Is(err, errs.NotFound) {
		return accessKeyNotFound(accessKeyID)
	} else if err != nil {
		return err
	}
	return nil
}

// DeleteUserAccessKey deletes an access key.
func (s *Service) DeleteUserAccessKey(ctx context.Context, c *authz.Caller, userName, accessKeyID string) error {
	k, err := s.ownKey(ctx, c, userName, accessKeyID, "iam:DeleteAccessKey")
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.Invalidate()
	if err := s.store.DeleteAccessKey(ctx, k.ID); errs.Is(err, errs.NotFound) {
		return accessKeyNotFound(accessKeyID)
	} else if err != nil {
		return err
	}
	return nil
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
	if err := checkCaller(c); err != nil {
		return nil, err
	}
	if err := checkName("roleName", in.Name, maxNameLen); err != nil {
		return nil, err
	}
	path, err := normPath(in.Path)
	if err != nil {
		return nil, err
	}
	if err := checkDescription(in.Description); err != nil {
		return nil, err
	}
	maxDuration := in.MaxSessionDuration
	switch {
	case maxDuration == 0:
		maxDuration = defaultDuration
	case maxDuration < minSessionDuration:
		return nil, invalid("maxSessionDuration", fmt.Sprint(maxDuration), fmt.Sprintf("Member must have value greater than or equal to %d", minSessionDuration))
	case maxDuration > maxSessionDuration:
		return nil, invalid("maxSessionDuration", fmt.Sprint(maxDuration), fmt.Sprintf("Member must have value less than or equal to %d", maxSessionDuration))
	}
	if err := checkTrustPolicy(in.AssumeRolePolicy); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "iam:CreateRole", principalARN(c.Account, KindRole, path, in.Name), c.Account); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	trust, err := s.bindPolicy(ctx, in.AssumeRolePolicy)
	if err != nil {
		return nil, err
	}
	p := &Principal{
		Account: c.Account, Kind: KindRole, Name: in.Name, Path: path, Created: s.now(),
		AssumeRolePolicy: trust, MaxSessionDuration: maxDuration, Description: in.Description,
	}
	if err := s.createPrincipal(ctx, p, "AROA"); err != nil {
		return nil, err
	}
	return s.shownRole(ctx, p), nil
}

// GetRole returns a role by name.
func (s *Service) GetRole(ctx context.Context, c *authz.Caller, name string) (*Principal, error) {
	p, err := s.target(ctx, c, KindRole, name, "iam:GetRole")
	if err != nil {
		return nil, err
	}
	return s.shownRole(ctx, p), nil
}

// ListRoles lists roles by path prefix.
func (s *Service) ListRoles(ctx context.Context, c *authz.Caller, pathPrefix string, p Page) ([]*Principal, string, error) {
	roles, next, err := s.listPrincipals(ctx, c, KindRole, pathPrefix, p)
	if err != nil {
		return nil, "", err
	}
	for i, r := range roles {
		roles[i] = s.shownRole(ctx, r)
	}
	return roles, next, nil
}

// DeleteRole deletes a role without inline or attached policies.
func (s *Service) DeleteRole(ctx context.Context, c *authz.Caller, name string) error {
	p, err := s.target(ctx, c, KindRole, name, "iam:DeleteRole")
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Its sessions stop working: a session lookup requires the role, by
	// unique ID, to be live.
	defer s.Invalidate()
	return s.deletePrincipal(ctx, p)
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, c *authz.Caller, roleName, doc string) error {
	if err := checkCaller(c); err != nil {
		return err
	}
	if err := checkName("roleName", roleName, maxNameLen); err != nil {
		return err
	}
	if err := checkTrustPolicy(doc); err != nil {
		return err
	}
	p, err := s.target(ctx, c, KindRole, roleName, "iam:UpdateAssumeRolePolicy")
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	trust, err := s.bindPolicy(ctx, doc)
	if err != nil {
		return err
	}
	return s.updatePrincipal(ctx, p, func(p *Principal) { p.AssumeRolePolicy = trust })
}

// PutInlinePolicy creates or replaces an inline policy of a user or role
// (kind KindUser or KindRole).
func (s *Service) PutInlinePolicy(ctx context.Context, c *authz.Caller, kind, principalName, policyName, doc string) error {
	if err := checkCaller(c); err != nil {
		return err
	}
	if err := checkKind(kind); err != nil {
		return err
	}
	if err := checkName(nameField(kind), principalName, maxNameLen); err != nil {
		return err
	}
	if err := checkName("policyName", policyName, maxPolicyNameLen); err != nil {
		return err
	}
	if err := validatePolicyDoc(doc, docIdentity); err != nil {
		return err
	}
	p, err := s.target(ctx, c, kind, principalName, action(kind, "iam:PutUserPolicy", "iam:PutRolePolicy"))
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.Invalidate()
	existing, err := s.principals.ListInlinePolicies(ctx, p.ID)
	if err != nil {
		return err
	}
	size := policySize(doc)
	for _, ip := range existing {
		if ip.Name != policyName {
			size += policySize(ip.Document)
		}
	}
	limit := maxUserInlineSize
	if kind == KindRole {
		limit = maxRoleInlineSize
	}
	if size > limit {
		return errs.Ef(errs.LimitExceeded, "Maximum policy size of %d bytes exceeded for %s %s", limit, kind, p.Name)
	}
	err = s.principals.PutInlinePolicy(ctx, &InlinePolicy{PrincipalID: p.ID, Name: policyName, Document: doc})
	if errs.Is(err, errs.NotFound) {
		return notFound(kind, principalName)
	}
	return err
}

// GetInlinePolicy returns an inline policy.
func (s *Service) GetInlinePolicy(ctx context.Context, c *authz.Caller, kind, principalName, policyName string) (*InlinePolicy, error) {
	if err := checkCaller(c); err != nil {
		return nil, err
	}
	if err := checkName("policyName", policyName, maxPolicyNameLen); err != nil {
		return nil, err
	}
	p, err := s.target(ctx, c, kind, principalName, action(kind, "iam:GetUserPolicy", "iam:GetRolePolicy"))
	if err != nil {
		return nil, err
	}
	ip, err := s.principals.GetInlinePolicy(ctx, p.ID, policyName)
	if errs.Is(err, errs.NotFound) {
		return nil, inlineNotFound(kind, policyName)
	}
	return ip, err
}

// ListInlinePolicies lists the names of a principal's inline policies.
func (s *Service) ListInlinePolicies(ctx context.Context, c *authz.Caller, kind, principalName string, p Page) ([]string, string, error) {
	after, limit, err := pageArgs(p)
	if err != nil {
		return nil, "", err
	}
	pr, err := s.target(ctx, c, kind, principalName, action(kind, "iam:ListUserPolicies", "iam:ListRolePolicies"))
	if err != nil {
		return nil, "", err
	}
	all, err := s.principals.ListInlinePolicies(ctx, pr.ID)
	if err != nil {
		return nil, "", err
	}
	names := make([]string, len(all))
	for i, ip := range all {
		names[i] = ip.Name
	}
	from, to, next := pageOf(names, after, limit)
	return names[from:to], next, nil
}

// DeleteInlinePolicy deletes an inline policy.
func (s *Service) DeleteInlinePolicy(ctx context.Context, c *authz.Caller, kind, principalName, policyName string) error {
	if err := checkCaller(c); err != nil {
		return err
	}
	if err := checkName("policyName", policyName, maxPolicyNameLen); err != nil {
		return err
	}
	p, err := s.target(ctx, c, kind, principalName, action(kind, "iam:DeleteUserPolicy", "iam:DeleteRolePolicy"))
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.Invalidate()
	err = s.principals.DeleteInlinePolicy(ctx, p.ID, policyName)
	if errs.Is(err, errs.NotFound) {
		return inlineNotFound(kind, policyName)
	}
	return err
}

// CreateManagedPolicy creates a customer managed policy (version v1, default).
func (s *Service) CreateManagedPolicy(ctx context.Context, c *authz.Caller, name, path, description, doc string) (*ManagedPolicy, error) {
	if err := checkCaller(c); err != nil {
		return nil, err
	}
	if err := checkName("policyName", name, maxPolicyNameLen); err != nil {
		return nil, err
	}
	path, err := normPath(path)
	if err != nil {
		return nil, err
	}
	if len(description) > maxDescriptionLen {
		return nil, invalid("description", description, fmt.Sprintf("Member must have length less than or equal to %d", maxDescriptionLen))
	}
	if err := validatePolicyDoc(doc, docIdentity); err != nil {
		return nil, err
	}
	if policySize(doc) > maxManagedPolicySize {
		return nil, errs.Ef(errs.LimitExceeded, "Cannot exceed quota for PolicySize: %d", maxManagedPolicySize)
	}
	now := s.now()
	mp := &ManagedPolicy{
		Account: c.Account, Name: name, Path: path, Description: description,
		DefaultVersion: "v1", Created: now, Updated: now,
		Versions: []PolicyVersion{{ID: "v1", Document: doc, Created: now}},
	}
	if err := s.authorize(ctx, c, "iam:CreatePolicy", mp.ARN(), c.Account); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for attempt := 0; ; attempt++ {
		if mp.ID, err = NewUniqueID("ANPA"); err != nil {
			return nil, err
		}
		err = s.principals.CreateManagedPolicy(ctx, mp)
		if !errs.Is(err, errs.AlreadyExists) {
			break
		}
		if attempt == 2 || s.policyNameTaken(ctx, c.Account, name) {
			return nil, errs.Ef(errs.AlreadyExists, "A policy called %s already exists. Duplicate names are not allowed.", name)
		}
	}
	if err != nil {
		return nil, err
	}
	return mp, nil
}

// GetManagedPolicy returns a managed policy by ARN, with its attachment count.
func (s *Service) GetManagedPolicy(ctx context.Context, c *authz.Caller, arn string) (*ManagedPolicy, int, error) {
	if err := checkCaller(c); err != nil {
		return nil, 0, err
	}
	account, path, name, err := checkPolicyARN(arn)
	if err != nil {
		return nil, 0, err
	}
	if err := s.authorize(ctx, c, "iam:GetPolicy", arn, account); err != nil {
		return nil, 0, err
	}
	mp, err := s.managedPolicy(ctx, arn, account, path, name)
	if err != nil {
		return nil, 0, err
	}
	ids, err := s.principals.PolicyAttachments(ctx, mp.ARN())
	if err != nil {
		return nil, 0, err
	}
	return mp, len(ids), nil
}

// GetPolicyVersion returns one version of a managed policy.
func (s *Service) GetPolicyVersion(ctx context.Context, c *authz.Caller, arn, versionID string) (*PolicyVersion, bool, error) {
	if err := checkCaller(c); err != nil {
		return nil, false, err
	}
	account, path, name, err := checkPolicyARN(arn)
	if err != nil {
		return nil, false, err
	}
	if !versionRE.MatchString(versionID) {
		return nil, false, invalid("versionId", versionID, "Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?")
	}
	if err := s.authorize(ctx, c, "iam:GetPolicyVersion", arn, account); err != nil {
		return nil, false, err
	}
	mp, err := s.managedPolicy(ctx, arn, account, path, name)
	if err != nil {
		return nil, false, err
	}
	for i := range mp.Versions {
		if v := mp.Versions[i]; v.ID == versionID {
			return &v, v.ID == mp.DefaultVersion, nil
		}
	}
	return nil, false, errs.Ef(errs.NotFound, "Policy %s version %s does not exist or is not attachable.", arn, versionID)
}

// AttachPolicy attaches a managed policy to a user or role.
func (s *Service) AttachPolicy(ctx context.Context, c *authz.Caller, kind, principalName, arn string) error {
	if err := checkCaller(c); err != nil {
		return err
	}
	account, path, name, err := checkPolicyARN(arn)
	if err != nil {
		return err
	}
	p, err := s.target(ctx, c, kind, principalName, action(kind, "iam:AttachUserPolicy", "iam:AttachRolePolicy"))
	if err != nil {
		return err
	}
	mp, err := s.managedPolicy(ctx, arn, account, path, name)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.Invalidate()
	attached, err := s.principals.AttachedPolicies(ctx, p.ID)
	if err != nil {
		return err
	}
	if slices.Contains(attached, mp.ARN()) {
		return nil // attaching again is not an error in IAM
	}
	if len(attached) >= maxManagedPerEntity {
		quota := "PoliciesPerUser"
		if kind == KindRole {
			quota = "PoliciesPerRole"
		}
		return errs.Ef(errs.LimitExceeded, "Cannot exceed quota for %s: %d", quota, maxManagedPerEntity)
	}
	err = s.principals.AttachPolicy(ctx, p.ID, mp.ARN())
	switch {
	case errs.Is(err, errs.AlreadyExists):
		return nil
	case errs.Is(err, errs.NotFound):
		if _, gerr := s.principals.GetManagedPolicy(ctx, account, path, name); errs.Is(gerr, errs.NotFound) {
			return policyNotFound(arn)
		}
		return notFound(kind, principalName)
	}
	return err
}

// DetachPolicy detaches a managed policy from a user or role.
func (s *Service) DetachPolicy(ctx context.Context, c *authz.Caller, kind, principalName, arn string) error {
	if err := checkCaller(c); err != nil {
		return err
	}
	if _, _, _, err := checkPolicyARN(arn); err != nil {
		return err
	}
	p, err := s.target(ctx, c, kind, principalName, action(kind, "iam:DetachUserPolicy", "iam:DetachRolePolicy"))
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.Invalidate()
	err = s.principals.DetachPolicy(ctx, p.ID, arn)
	if errs.Is(err, errs.NotFound) {
		return errs.Ef(errs.NotFound, "Policy %s was not found.", arn)
	}
	return err
}

// ListAttachedPolicies lists the managed policies attached to a user or role.
func (s *Service) ListAttachedPolicies(ctx context.Context, c *authz.Caller, kind, principalName string, p Page) ([]*ManagedPolicy, string, error) {
	after, limit, err := pageArgs(p)
	if err != nil {
		return nil, "", err
	}
	pr, err := s.target(ctx, c, kind, principalName, action(kind, "iam:ListAttachedUserPolicies", "iam:ListAttachedRolePolicies"))
	if err != nil {
		return nil, "", err
	}
	arns, err := s.principals.AttachedPolicies(ctx, pr.ID)
	if err != nil {
		return nil, "", err
	}
	from, to, next := pageOf(arns, after, limit)
	out := make([]*ManagedPolicy, 0, to-from)
	for _, arn := range arns[from:to] {
		account, path, name, ok := parsePolicyARN(arn)
		if !ok {
			continue
		}
		mp, err := s.principals.GetManagedPolicy(ctx, account, path, name)
		if errs.Is(err, errs.NotFound) {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		out = append(out, mp)
	}
	return out, next, nil
}
