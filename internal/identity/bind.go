package identity

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/policy"
)

// Principals named in resource policies (trust policies here, key policies
// and grants in kms) are stored bound to the unique IDs of the users and
// roles they name, as AWS stores them: a user or role deleted and re-created
// with the same name has a new ID, so what named its predecessor no longer
// names it. Bind and Render implement kms.Principals.

var (
	accountRootRE = regexp.MustCompile(`^arn:aws:iam::[0-9]{12}:root$`)
	sessionARNRE  = regexp.MustCompile(`^arn:aws:sts::[0-9]{12}:assumed-role/[\w+=,.@-]+/[\w+=,.@-]+$`)
	uniqueIDRE    = regexp.MustCompile(`^A(IDA|ROA)[A-Z2-7]{17}$`)
	serviceRE     = regexp.MustCompile(`^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$`)
)

// Bind returns the stored form of a principal: the unique ID of an existing
// IAM user or role named by ARN; account IDs, account root ARNs, role
// session ARNs, service principals and unique IDs as given. errs.NotFound
// when the user or role does not exist; errs.Validation when p is not a
// principal. It authorizes nothing: the calling service has already.
func (s *Service) Bind(ctx context.Context, p string) (string, error) {
	switch {
	case accountRE.MatchString(p), accountRootRE.MatchString(p), sessionARNRE.MatchString(p),
		serviceRE.MatchString(p), uniqueIDRE.MatchString(p):
		return p, nil
	}
	for _, kind := range []string{KindUser, KindRole} {
		account, path, name, ok := parseIAMARN(p, kind)
		if !ok {
			continue
		}
		pr, err := s.principals.PrincipalByName(ctx, account, kind, name)
		if errs.Is(err, errs.NotFound) || (err == nil && pr.Path != path) {
			return "", errs.Ef(errs.NotFound, "Principal %s does not exist.", p)
		}
		if err != nil {
			return "", err
		}
		return pr.ID, nil
	}
	return "", errs.Ef(errs.Validation, "Invalid principal %s", p)
}

// Render returns the ARN of a stored principal (a unique ID) while that
// principal exists, and the stored value itself otherwise: a deleted user
// or role shows as its bare unique ID, as in AWS.
func (s *Service) Render(ctx context.Context, stored string) string {
	if !uniqueIDRE.MatchString(stored) {
		return stored
	}
	p, err := s.principals.GetPrincipal(ctx, stored)
	if err != nil || !p.Deleted.IsZero() {
		return stored
	}
	return p.ARN()
}

// bindPolicy rewrites the user and role ARNs a resource policy names into
// unique IDs. A principal that does not exist makes the policy malformed,
// with IAM's message.
func (s *Service) bindPolicy(ctx context.Context, doc string) (string, error) {
	var firstErr error
	out, err := policy.Rewrite(doc, func(ref policy.PrincipalRef) (string, bool) {
		if firstErr != nil || ref.Value == "*" {
			return "", false
		}
		id, err := s.Bind(ctx, ref.Value)
		switch {
		case errs.Is(err, errs.NotFound), errs.Is(err, errs.Validation):
			firstErr = errs.Wrap(errs.MalformedPolicy, `Invalid principal in policy: "AWS":"`+ref.Value+`"`, err)
			return "", false
		case err != nil:
			firstErr = err
			return "", false
		}
		return id, true
	})
	if err != nil {
		return "", err
	}
	if firstErr != nil {
		return "", firstErr
	}
	return out, nil
}

// renderPolicy rewrites the unique IDs a stored resource policy names into
// ARNs for display, leaving those of deleted principals as they are.
func (s *Service) renderPolicy(ctx context.Context, doc string) string {
	out, err := policy.Rewrite(doc, func(ref policy.PrincipalRef) (string, bool) {
		return s.Render(ctx, ref.Value), true
	})
	if err != nil {
		return doc
	}
	return out
}

// shownRole returns a copy of a role with its trust policy rendered for
// display.
func (s *Service) shownRole(ctx context.Context, p *Principal) *Principal {
	if p.Kind != KindRole || p.AssumeRolePolicy == "" {
		return p
	}
	cp := *p
	cp.AssumeRolePolicy = s.renderPolicy(ctx, p.AssumeRolePolicy)
	return &cp
}

// trustAllows evaluates a role's (stored) trust policy for the caller. It
// returns nil when a statement allows the assumption, directly or through
// the caller's account; in the second case the caller's identity policies
// must allow it too, which is the Authorizer's part. Otherwise it returns an
// AccessDenied whose message explains the evaluation (for the operator: it
// becomes the cause of STS's answer, never the answer).
func trustAllows(trust string, c *authz.Caller, in *AssumeRoleInput, now time.Time) error {
	d, err := policy.Parse(trust)
	if err != nil {
		return errs.Wrap(errs.Internal, "stored trust policy does not parse", err)
	}
	pc := policy.Caller{Account: c.Account, ARN: c.ARN, Root: c.Type == authz.Root, RoleARN: c.RoleARN}
	if c.PrincipalID != "" {
		pc.IDs = []string{c.PrincipalID}
	}
	r := policy.NewRequest("sts:AssumeRole", "", pc, now)
	r.Set("sts:RoleSessionName", in.SessionName)
	if in.ExternalID != "" {
		r.Set("sts:ExternalId", in.ExternalID)
	}
	if c.SourceIP != "" {
		r.Set(policy.KeySourceIP, c.SourceIP)
	}
	res := d.Evaluate(r)
	if res.Effect == policy.Allow {
		return nil
	}
	return errs.E(errs.AccessDenied, strings.TrimSpace(policy.ExplainWith(res, nil)))
}
