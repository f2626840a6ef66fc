package kms

import (
	"context"
	"regexp"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/policy"
)

// DefaultKeyPolicy is the policy AWS gives a key created without one: it
// delegates access to the account's IAM policies. The layout matches what
// AWS's GetKeyPolicy returns byte for byte.
func DefaultKeyPolicy(account string) string {
	return `{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::` + account + `:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}`
}

var accountRootRE = regexp.MustCompile(`^arn:aws:iam::[0-9]{12}:root$`)

// errInvalidPrincipals is AWS's answer to a key policy naming a principal
// that does not exist.
var errInvalidPrincipals = errs.E(errs.MalformedPolicy, "Policy contains a statement with one or more invalid principals.")

// bindPolicy checks a key policy's size and syntax and returns it with the
// IAM users and roles it names bound to their unique IDs — the form that is
// stored and evaluated. Every other byte is kept as given.
func (s *Service) bindPolicy(ctx context.Context, doc string) (string, error) {
	if len(doc) > MaxKeyPolicyBytes {
		return "", errs.Ef(errs.LimitExceeded, "Policy exceeds the maximum allowed size of %d bytes.", MaxKeyPolicyBytes)
	}
	d, err := policy.Parse(doc)
	if err != nil {
		return "", err
	}
	if err := d.Validate(policy.KeyPolicy); err != nil {
		return "", err
	}
	var bindErr error
	out, err := policy.Rewrite(doc, func(ref policy.PrincipalRef) (string, bool) {
		if bindErr != nil || ref.Value == "*" {
			return "", false
		}
		stored, err := s.principals.Bind(ctx, ref.Value)
		switch {
		case errs.Is(err, errs.NotFound), errs.Is(err, errs.Validation):
			bindErr = errInvalidPrincipals
			return "", false
		case err != nil:
			bindErr = err
			return "", false
		}
		return stored, stored != ref.Value
	})
	if bindErr != nil {
		return "", bindErr
	}
	return out, err
}

// renderPolicy shows a stored key policy: unique IDs of principals that
// still exist become their ARNs; those of deleted principals stay bare, as
// AWS shows them.
func (s *Service) renderPolicy(ctx context.Context, stored string) string {
	out, err := policy.Rewrite(stored, func(ref policy.PrincipalRef) (string, bool) {
		r := s.principals.Render(ctx, ref.Value)
		return r, r != ref.Value
	})
	if err != nil {
		return stored
	}
	return out
}

// checkLockout is AWS's lockout safety check: the caller must still be
// allowed to change the policy afterwards.
func (s *Service) checkLockout(ctx context.Context, c *authz.Caller, k *Key, bound string, bypass bool) error {
	if bypass {
		return nil
	}
	err := s.authz.Authorize(ctx, c, "kms:PutKeyPolicy", authz.Resource{ARN: k.ARN(), Account: k.Account, Policy: bound})
	if errs.Is(err, errs.AccessDenied) {
		return errs.E(errs.MalformedPolicy, "The new key policy will not allow you to update the key policy in the future.")
	}
	return err
}
