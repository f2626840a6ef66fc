package identity

import (
	"context"
	"regexp"
	"strings"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
)

// authorize asks the Authorizer whether c may perform action on the IAM
// resource arn of account.
func (s *Service) authorize(ctx context.Context, c *authz.Caller, action, arn, account string) error {
	return s.authz.Authorize(ctx, c, action, authz.Resource{ARN: arn, Account: account})
}

// checkCaller refuses a request without a caller.
func checkCaller(c *authz.Caller) error {
	if c == nil {
		return errs.E(errs.AccessDenied, "not authorized")
	}
	return nil
}

func checkKind(kind string) error {
	if kind != KindUser && kind != KindRole {
		return errs.Ef(errs.Validation, "unknown principal kind %q", kind)
	}
	return nil
}

// nameField is the request field naming a principal, for validation messages.
func nameField(kind string) string {
	if kind == KindRole {
		return "roleName"
	}
	return "userName"
}

// action picks the user or role variant of an IAM action.
func action(kind, userAction, roleAction string) string {
	if kind == KindRole {
		return roleAction
	}
	return userAction
}

func principalARN(account, kind, path, name string) string {
	return "arn:aws:iam::" + account + ":" + kind + path + name
}

func notFound(kind, name string) error {
	if kind == KindRole {
		return errs.Ef(errs.NotFound, "The role with name %s cannot be found.", name)
	}
	return errs.Ef(errs.NotFound, "The user with name %s cannot be found.", name)
}

func alreadyExists(kind, name string) error {
	if kind == KindRole {
		return errs.Ef(errs.AlreadyExists, "Role with name %s already exists.", name)
	}
	return errs.Ef(errs.AlreadyExists, "User with name %s already exists.", name)
}

func policyNotFound(arn string) error {
	return errs.Ef(errs.NotFound, "Policy %s does not exist or is not attachable.", arn)
}

// target validates a principal name, finds the live principal and asks
// whether c may perform action on it. Authorization comes before the
// answer "not found", so that the answer tells an unauthorized caller
// nothing; a missing principal is authorized under its ARN with path "/".
func (s *Service) target(ctx context.Context, c *authz.Caller, kind, name, action string) (*Principal, error) {
	if err := checkCaller(c); err != nil {
		return nil, err
	}
	if err := checkKind(kind); err != nil {
		return nil, err
	}
	if err := checkName(nameField(kind), name, maxNameLen); err != nil {
		return nil, err
	}
	p, err := s.principals.PrincipalByName(ctx, c.Account, kind, name)
	arn := principalARN(c.Account, kind, "/", name)
	switch {
	case err == nil:
		arn = p.ARN()
	case !errs.Is(err, errs.NotFound):
		return nil, err
	}
	if aerr := s.authorize(ctx, c, action, arn, c.Account); aerr != nil {
		return nil, aerr
	}
	if err != nil {
		return nil, notFound(kind, name)
	}
	return p, nil
}

// createPrincipal stores p with a fresh unique ID of the given prefix.
func (s *Service) createPrincipal(ctx context.Context, p *Principal, prefix string) error {
	for attempt := 0; ; attempt++ {
		id, err := NewUniqueID(prefix)
		if err != nil {
			return err
		}
		p.ID = id
		err = s.principals.CreatePrincipal(ctx, p)
		if !errs.Is(err, errs.AlreadyExists) {
			return err
		}
		// The name or, far less likely, the new ID is taken.
		if _, gerr := s.principals.PrincipalByName(ctx, p.Account, p.Kind, p.Name); gerr == nil || attempt == 2 {
			return alreadyExists(p.Kind, p.Name)
		}
	}
}

var accountRE = regexp.MustCompile(`^[0-9]{12}$`)

// parsePolicyARN splits arn:aws:iam::<account>:policy<path><name>.
func parsePolicyARN(arn string) (account, path, name string, ok bool) {
	return parseIAMARN(arn, "policy")
}

// parseIAMARN splits arn:aws:iam::<account>:<kind><path><name>.
func parseIAMARN(arn, kind string) (account, path, name string, ok bool) {
	rest, found := strings.CutPrefix(arn, "arn:aws:iam::")
	if !found {
		return "", "", "", false
	}
	account, rest, found = strings.Cut(rest, ":")
	if !found || !accountRE.MatchString(account) {
		return "", "", "", false
	}
	rest, found = strings.CutPrefix(rest, kind)
	if !found || !strings.HasPrefix(rest, "/") {
		return "", "", "", false
	}
	i := strings.LastIndexByte(rest, '/')
	path, name = rest[:i+1], rest[i+1:]
	if pathRE.MatchString(path) && name != "" && nameRE.MatchString(name) {
		return account, path, name, true
	}
	return "", "", "", false
}

// checkPolicyARN validates a PolicyArn parameter.
func checkPolicyARN(arn string) (account, path, name string, err error) {
	account, path, name, ok := parsePolicyARN(arn)
	if !ok {
		return "", "", "", errs.Ef(errs.Validation, "ARN %s is not valid.", arn)
	}
	return account, path, name, nil
}

// managedPolicy finds a managed policy by its (valid) ARN.
func (s *Service) managedPolicy(ctx context.Context, arn, account, path, name string) (*ManagedPolicy, error) {
	mp, err := s.principals.GetManagedPolicy(ctx, account, path, name)
	if errs.Is(err, errs.NotFound) {
		return nil, policyNotFound(arn)
	}
	return mp, err
}

// userKeys returns the access keys of a user (nil: the account root).
func (s *Service) userKeys(ctx context.Context, account string, user *Principal) ([]*AccessKey, error) {
	all, err := s.store.ListAccessKeys(ctx, account)
	if err != nil {
		return nil, err
	}
	var out []*AccessKey
	for _, k := range all {
		if ownedBy(k, user) {
			out = append(out, k)
		}
	}
	return out, nil
}

// ownedBy reports whether k is a key of user (nil: the account root).
func ownedBy(k *AccessKey, user *Principal) bool {
	if user == nil {
		return k.User == ""
	}
	if k.UserID != "" {
		return k.UserID == user.ID
	}
	return k.User != "" && strings.EqualFold(k.User, user.Name)
}
