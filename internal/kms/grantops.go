package kms

import (
	"context"
	"regexp"
	"slices"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/grants"
)

// MaxGrantsPerKey is AWS's quota.
const MaxGrantsPerKey = 50000

// Principals binds principal ARNs named in grants and key policies to their
// stored form (unique IDs for IAM users and roles) and renders them back.
// identity implements it.
type Principals interface {
	// Bind returns the stored form of a principal ARN: the unique ID of an
	// existing IAM user or role, or the ARN itself for account roots, role
	// sessions and service principals. errs.NotFound when the user or role
	// does not exist; errs.Validation when arn is not a principal.
	Bind(ctx context.Context, arn string) (string, error)
	// Render returns the ARN of a stored principal while it exists, and the
	// stored value itself (the bare unique ID) once it is deleted.
	Render(ctx context.Context, stored string) string
}

// accountPrincipals is the binding used when no identity store is wired:
// only account roots and sessions, stored as given.
type accountPrincipals struct{}

var accountIDRE = regexp.MustCompile(`^[0-9]{12}$`)

var principalARNRE = regexp.MustCompile(`^arn:aws:(iam::[0-9]{12}:(root|user/.+|role/.+)|sts::[0-9]{12}:assumed-role/.+/.+)$`)

func (accountPrincipals) Bind(_ context.Context, arn string) (string, error) {
	if accountRootRE.MatchString(arn) || principalARNRE.MatchString(arn) || accountIDRE.MatchString(arn) {
		return arn, nil
	}
	return "", errs.E(errs.Validation, "Invalid principal")
}

func (accountPrincipals) Render(_ context.Context, stored string) string { return stored }

// CreateGrantInput is CreateGrant's request.
type CreateGrantInput struct {
	KeyID       string
	Grantee     string
	Retiring    string
	Operations  []string
	Constraints *grants.Constraints
	GrantTokens []string
	Name        string
	DryRun      bool
}

// bindPrincipal binds a grant principal, turning a missing principal into
// AWS's answer for it.
func (s *Service) bindPrincipal(ctx context.Context, arn, field string) (string, error) {
	stored, err := s.principals.Bind(ctx, arn)
	if errs.Is(err, errs.NotFound) || errs.Is(err, errs.Validation) {
		return "", errs.Ef(errs.Validation, "%s %s is not a valid principal.", field, arn)
	}
	return stored, err
}

// CreateGrant adds a grant to a key. With a Name, retrying with the same
// parameters returns the existing grant's id (with a fresh token).
func (s *Service) CreateGrant(ctx context.Context, c *authz.Caller, in CreateGrantInput) (id, token string, err error) {
	e, err := s.resolve(ctx, c, in.KeyID, false)
	if err != nil {
		return "", "", err
	}
	if err := checkGrantTokens(in.GrantTokens); err != nil {
		return "", "", err
	}
	grantee, err := s.bindPrincipal(ctx, in.Grantee, "GranteePrincipal")
	if err != nil {
		return "", "", err
	}
	retiring := ""
	if in.Retiring != "" {
		if retiring, err = s.bindPrincipal(ctx, in.Retiring, "RetiringPrincipal"); err != nil {
			return "", "", err
		}
	}
	rc := authz.RequestContext{
		"kms:GrantOperations":       in.Operations,
		"kms:GranteePrincipal":      {in.Grantee},
		"kms:GrantIsForAWSResource": {"false"},
	}
	if in.Retiring != "" {
		rc["kms:RetiringPrincipal"] = []string{in.Retiring}
	}
	if !in.Constraints.Empty() {
		if in.Constraints.EncryptionContextEquals != nil {
			rc["kms:GrantConstraintType"] = []string{"EncryptionContextEquals"}
		} else {
			rc["kms:GrantConstraintType"] = []string{"EncryptionContextSubset"}
		}
	}
	if err := s.authorizeWith(ctx, c, "CreateGrant", e, rc, nil, in.Constraints); err != nil {
		return "", "", err
	}
	if err := checkState(e.key, usable); err != nil {
		return "", "", err
	}
	if err := grants.CheckOperations(e.key.KeySpec, in.Operations, in.Constraints); err != nil {
		return "", "", err
	}
	if in.DryRun {
		return "", "", dryRun()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	existing, err := s.grantsOf(ctx, e)
	if err != nil {
		return "", "", err
	}
	g := &grants.Grant{
		Account: e.key.Account, Region: e.key.Region, KeyID: e.key.ID,
		Name: in.Name, Grantee: grantee, Retiring: retiring,
		Operations: slices.Clone(in.Operations), Constraints: in.Constraints,
		IssuingAccount: c.Account, Created: s.now(),
	}
	if in.Name != "" {
		for _, old := range existing {
			if sameGrant(old, g) {
				token, err := grants.NewToken(old.ID)
				return old.ID, token, err
			}
		}
	}
	if len(existing) >= MaxGrantsPerKey {
		return "", "", errs.Ef(errs.LimitExceeded, "The grant limit for key %s has been reached.", e.key.ARN())
	}
	if g.ID, err = grants.NewID(); err != nil {
		return "", "", err
	}
	if err := s.store.CreateGrant(ctx, g); err != nil {
		return "", "", err
	}
	s.forgetGrants(e)
	token, err = grants.NewToken(g.ID)
	return g.ID, token, err
}

// sameGrant reports whether a retried CreateGrant names the same grant.
func sameGrant(a, b *grants.Grant) bool {
	if a.Name != b.Name || a.Grantee != b.Grantee || a.Retiring != b.Retiring {
		return false
	}
	x, y := slices.Clone(a.Operations), slices.Clone(b.Operations)
	slices.Sort(x)
	slices.Sort(y)
	if !slices.Equal(x, y) {
		return false
	}
	ac, bc := a.Constraints, b.Constraints
	if ac.Empty() || bc.Empty() {
		return ac.Empty() && bc.Empty()
	}
	return mapsEqual(ac.EncryptionContextEquals, bc.EncryptionContextEquals) && mapsEqual(ac.EncryptionContextSubset, bc.EncryptionContextSubset)
}

func mapsEqual(a, b map[string]string) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// checkGrantTokens validates GrantTokens: each must be well formed.
// Keyward is strongly consistent — a grant is usable as soon as CreateGrant
// returns — so a valid token adds nothing beyond validation.
func checkGrantTokens(tokens []string) error {
	for _, t := range tokens {
		if _, err := grants.ParseToken(t); err != nil {
			return err
		}
	}
	return nil
}

// grantsOf returns the key's grants, cached with the key entry.
func (s *Service) grantsOf(ctx context.Context, e *entry) ([]*grants.Grant, error) {
	e.mu.Lock()
	gs, ok := e.grants, e.grantsLoaded
	e.mu.Unlock()
	if ok {
		return gs, nil
	}
	gs, err := s.store.ListGrants(ctx, e.key.Account, e.key.Region, e.key.ID, "", 0)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.grants, e.grantsLoaded = gs, true
	e.mu.Unlock()
	return gs, nil
}

// forgetGrants drops the cached grants of a key after a change.
func (s *Service) forgetGrants(e *entry) {
	e.mu.Lock()
	e.grants, e.grantsLoaded = nil, false
	e.mu.Unlock()
}

// GrantView is a grant as ListGrants shows it: principals rendered.
type GrantView struct {
	*grants.Grant
	KeyARN   string
	Grantee  string
	Retiring string
}

func (s *Service) view(ctx context.Context, g *grants.Grant) GrantView {
	v := GrantView{Grant: g, KeyARN: KeyARN(g.Region, g.Account, g.KeyID), Grantee: s.principals.Render(ctx, g.Grantee)}
	if g.Retiring != "" {
		v.Retiring = s.principals.Render(ctx, g.Retiring)
	}
	return v
}

// ListGrants lists a key's grants, optionally one grant or one grantee's.
func (s *Service) ListGrants(ctx context.Context, c *authz.Caller, keyID, grantID, grantee, marker string, limit int) ([]GrantView, string, error) {
	e, err := s.resolve(ctx, c, keyID, false)
	if err != nil {
		return nil, "", err
	}
	if err := s.authorize(ctx, c, "ListGrants", e); err != nil {
		return nil, "", err
	}
	if grantID != "" && !grantIDRE.MatchString(grantID) {
		return nil, "", errs.E(errs.InvalidGrantID, "Invalid grant ID")
	}
	after, err := decodeMarker(marker)
	if err != nil {
		return nil, "", err
	}
	granteeStored := ""
	if grantee != "" {
		if granteeStored, err = s.principals.Bind(ctx, grantee); err != nil {
			granteeStored = grantee // a deleted principal matches nothing
		}
	}
	all, err := s.grantsOf(ctx, e)
	if err != nil {
		return nil, "", err
	}
	var out []GrantView
	next := ""
	for _, g := range all {
		if g.ID <= after || (grantID != "" && g.ID != grantID) || (grantee != "" && g.Grantee != granteeStored) {
			continue
		}
		if len(out) == limit {
			next = encodeMarker(out[len(out)-1].ID)
			break
		}
		out = append(out, s.view(ctx, g))
	}
	return out, next, nil
}

var grantIDRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ListRetirableGrants lists grants whose retiring principal is the given one.
func (s *Service) ListRetirableGrants(ctx context.Context, c *authz.Caller, retiring, marker string, limit int) ([]GrantView, string, error) {
	if err := s.authz.Authorize(ctx, c, "kms:ListRetirableGrants", authz.Resource{ARN: "*", Account: c.Account}); err != nil {
		return nil, "", err
	}
	stored, err := s.principals.Bind(ctx, retiring)
	if errs.Is(err, errs.NotFound) {
		return nil, "", errs.Ef(errs.NotFound, "Principal %s does not exist.", retiring)
	}
	if err != nil {
		return nil, "", errs.Ef(errs.InvalidArn, "Invalid principal %s.", retiring)
	}
	after, err := decodeMarker(marker)
	if err != nil {
		return nil, "", err
	}
	gs, err := s.store.ListRetirableGrants(ctx, stored, after, limit+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(gs) > limit {
		gs = gs[:limit]
		next = encodeMarker(gs[limit-1].ID)
	}
	out := make([]GrantView, 0, len(gs))
	for _, g := range gs {
		out = append(out, s.view(ctx, g))
	}
	return out, next, nil
}

// RetireGrant deletes a grant by token, or by key and grant id. Allowed for
// the grant's retiring principal, its grantee when the grant includes
// RetireGrant, and the account that issued it; an explicit deny in a policy
// still applies.
func (s *Service) RetireGrant(ctx context.Context, c *authz.Caller, token, keyID, grantID string, isDryRun bool) error {
	switch {
	case token != "":
		id, err := grants.ParseToken(token)
		if err != nil {
			return err
		}
		grantID = id
	case keyID == "" || grantID == "":
		return errs.E(errs.Validation, "Either GrantToken or both KeyId and GrantId must be specified.")
	}
	if !grantIDRE.MatchString(grantID) {
		return errs.E(errs.InvalidGrantID, "Invalid grant ID")
	}
	g, err := s.store.GetGrant(ctx, grantID)
	if errs.Is(err, errs.NotFound) {
		return errs.Ef(errs.NotFound, "Grant ID %s not found", grantID)
	}
	if err != nil {
		return err
	}
	if keyID != "" {
		e, err := s.resolve(ctx, c, keyID, false)
		if err != nil {
			return err
		}
		if e.key.ID != g.KeyID || e.key.Account != g.Account || e.key.Region != g.Region {
			return errs.Ef(errs.NotFound, "Grant ID %s not found", grantID)
		}
	}
	e, err := s.entry(ctx, g.Account, g.Region, g.KeyID)
	if err != nil {
		return err
	}
	if !mayRetire(c, g) {
		return authz.Denied(c, "kms:RetireGrant", e.key.ARN(), "resource-based")
	}
	// The permission comes from the grant; an explicit deny still applies.
	if err := s.authz.Authorize(ctx, c, "kms:RetireGrant", authz.Resource{ARN: e.key.ARN(), Account: e.key.Account, Policy: e.key.Policy, DenyOnly: true}); err != nil {
		return err
	}
	if isDryRun {
		return dryRun()
	}
	return s.deleteGrant(ctx, e, g.ID)
}

// mayRetire: the retiring principal, the grantee of a grant that includes
// RetireGrant, or a principal of the account that issued the grant.
func mayRetire(c *authz.Caller, g *grants.Grant) bool {
	switch {
	case authz.Names(c, g.Retiring):
		return true
	case authz.Names(c, g.Grantee) && slices.Contains(g.Operations, "RetireGrant"):
		return true
	}
	return c.Account == g.IssuingAccount
}

// RevokeGrant deletes a grant; needs kms:RevokeGrant on the key.
func (s *Service) RevokeGrant(ctx context.Context, c *authz.Caller, keyID, grantID string, isDryRun bool) error {
	e, err := s.resolve(ctx, c, keyID, false)
	if err != nil {
		return err
	}
	if err := s.authorize(ctx, c, "RevokeGrant", e); err != nil {
		return err
	}
	if !grantIDRE.MatchString(grantID) {
		return errs.E(errs.InvalidGrantID, "Invalid grant ID")
	}
	g, err := s.store.GetGrant(ctx, grantID)
	if errs.Is(err, errs.NotFound) || (err == nil && (g.KeyID != e.key.ID || g.Account != e.key.Account || g.Region != e.key.Region)) {
		return errs.Ef(errs.NotFound, "Grant ID %s not found", grantID)
	}
	if err != nil {
		return err
	}
	if isDryRun {
		return dryRun()
	}
	return s.deleteGrant(ctx, e, g.ID)
}

func (s *Service) deleteGrant(ctx context.Context, e *entry, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.store.DeleteGrant(ctx, id); err != nil {
		return err
	}
	s.forgetGrants(e)
	return nil
}
