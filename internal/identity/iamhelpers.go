package identity

import (
	"context"
	"regexp"
	"strings"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
)

var versionRE = regexp.MustCompile(`^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$`)

func accessKeyNotFound(id string) error {
	return errs.Ef(errs.NotFound, "The Access Key with id %s cannot be found.", id)
}

func inlineNotFound(kind, policyName string) error {
	return errs.Ef(errs.NotFound, "The %s policy with name %s cannot be found.", kind, policyName)
}

// checkTrustPolicy validates a role's trust policy and its size.
func checkTrustPolicy(doc string) error {
	if doc == "" {
		return invalid("policyDocument", doc, "Member must have length greater than or equal to 1")
	}
	if err := validatePolicyDoc(doc, docTrust); err != nil {
		return err
	}
	if policySize(doc) > maxTrustPolicySize {
		return errs.Ef(errs.LimitExceeded, "Cannot exceed quota for ACLSizePerRole: %d", maxTrustPolicySize)
	}
	return nil
}

// keyOwner resolves the UserName parameter of the access-key operations
// and authorizes action on it: "" is the caller itself (the root, or an IAM
// user); a role session must name a user. It returns nil for the root.
func (s *Service) keyOwner(ctx context.Context, c *authz.Caller, userName, action string) (*Principal, error) {
	if err := checkCaller(c); err != nil {
		return nil, err
	}
	if userName != "" {
		return s.target(ctx, c, KindUser, userName, action)
	}
	switch c.Type {
	case authz.Root:
		return nil, s.authorize(ctx, c, action, c.ARN, c.Account)
	case authz.IAMUser:
		if err := s.authorize(ctx, c, action, c.ARN, c.Account); err != nil {
			return nil, err
		}
		u, err := s.principals.GetPrincipal(ctx, c.PrincipalID)
		if err != nil {
			return nil, err
		}
		if !u.Deleted.IsZero() {
			return nil, notFound(KindUser, u.Name)
		}
		return u, nil
	}
	return nil, errs.E(errs.Validation, "Must specify userName when calling with non-User credentials")
}

// ownKey finds an access key of the user named by userName (see keyOwner).
func (s *Service) ownKey(ctx context.Context, c *authz.Caller, userName, id, action string) (*AccessKey, error) {
	if len(id) < 16 || len(id) > 128 || !accessKeyIDRE.MatchString(id) {
		return nil, invalid("accessKeyId", id, `Member must satisfy regular expression pattern: [\w]+`)
	}
	user, err := s.keyOwner(ctx, c, userName, action)
	if err != nil {
		return nil, err
	}
	k, err := s.store.GetAccessKey(ctx, id)
	if errs.Is(err, errs.NotFound) || (err == nil && (k.Account != c.Account || !ownedBy(k, user))) {
		return nil, accessKeyNotFound(id)
	}
	if err != nil {
		return nil, err
	}
	return k, nil
}

var accessKeyIDRE = regexp.MustCompile(`^\w+$`)

// listPrincipals lists live users or roles by path prefix, a page at a time.
func (s *Service) listPrincipals(ctx context.Context, c *authz.Caller, kind, pathPrefix string, p Page) ([]*Principal, string, error) {
	if err := checkCaller(c); err != nil {
		return nil, "", err
	}
	prefix, err := normPathPrefix(pathPrefix)
	if err != nil {
		return nil, "", err
	}
	after, limit, err := pageArgs(p)
	if err != nil {
		return nil, "", err
	}
	op := action(kind, "iam:ListUsers", "iam:ListRoles")
	if err := s.authorize(ctx, c, op, principalARN(c.Account, kind, prefix, "*"), c.Account); err != nil {
		return nil, "", err
	}
	list, err := s.principals.ListPrincipals(ctx, c.Account, kind, prefix, after, limit+1)
	if err != nil {
		return nil, "", err
	}
	if len(list) > limit {
		return list[:limit], marker(list[limit-1].Name), nil
	}
	return list, "", nil
}

// deletePrincipal deletes a user or role that has no policies left, after
// the reference guard. The caller holds s.mu.
func (s *Service) deletePrincipal(ctx context.Context, p *Principal) error {
	inline, err := s.principals.ListInlinePolicies(ctx, p.ID)
	if err != nil {
		return err
	}
	if len(inline) > 0 {
		return errs.E(errs.DeleteConflict, "Cannot delete entity, must delete policies first.")
	}
	attached, err := s.principals.AttachedPolicies(ctx, p.ID)
	if err != nil {
		return err
	}
	if len(attached) > 0 {
		return errs.E(errs.DeleteConflict, "Cannot delete entity, must detach all policies first.")
	}
	if err := s.checkReferences(ctx, p); err != nil {
		return err
	}
	err = s.principals.DeletePrincipal(ctx, p.ID, s.now())
	if errs.Is(err, errs.NotFound) {
		return notFound(p.Kind, p.Name)
	}
	return err
}

// updatePrincipal re-reads a live principal, applies change and stores it.
// The caller holds s.mu.
func (s *Service) updatePrincipal(ctx context.Context, p *Principal, change func(*Principal)) error {
	cur, err := s.principals.GetPrincipal(ctx, p.ID)
	if errs.Is(err, errs.NotFound) || (err == nil && !cur.Deleted.IsZero()) {
		return notFound(p.Kind, p.Name)
	}
	if err != nil {
		return err
	}
	change(cur)
	err = s.principals.UpdatePrincipal(ctx, cur)
	if errs.Is(err, errs.NotFound) {
		return notFound(p.Kind, p.Name)
	}
	if err != nil {
		return err
	}
	*p = *cur
	return nil
}

// policyNameTaken reports whether the account has a managed policy of this
// name, on any path (IAM's policy names are unique in an account).
func (s *Service) policyNameTaken(ctx context.Context, account, name string) bool {
	all, err := s.principals.ListManagedPolicies(ctx, account, "/", "", 0)
	if err != nil {
		return true
	}
	for _, mp := range all {
		if strings.EqualFold(mp.Name, name) {
			return true
		}
	}
	return false
}
