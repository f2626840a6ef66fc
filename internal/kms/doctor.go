package kms

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/policy"
)

// PrincipalStatus is what the identity store knows of a stored binding.
type PrincipalStatus struct {
	Stored  string    // the unique ID as stored
	Kind    string    // user or role
	ARN     string    // the ARN it had
	Deleted time.Time // zero while it exists
	// CurrentID is the unique ID of the principal that has the ARN now
	// (a re-created user or role), "" when none does.
	CurrentID string
}

// PrincipalHistory answers what a unique ID names. identity implements it.
type PrincipalHistory interface {
	// Status returns the status of a stored binding; ok is false when the
	// value is not a unique ID (account roots, sessions, services).
	Status(ctx context.Context, stored string) (st PrincipalStatus, ok bool, err error)
}

// Finding is a grant or key-policy statement whose principal no longer exists.
type Finding struct {
	KeyARN    string
	GrantID   string // "" for a key-policy finding
	Field     string // GranteePrincipal, RetiringPrincipal, or Principal / NotPrincipal
	Statement string // key policy: the statement's Sid, or its 1-based index
	Principal PrincipalStatus
}

// String renders a finding for an operator.
func (f Finding) String() string {
	where := "key policy statement " + f.Statement
	if f.GrantID != "" {
		where = "grant " + f.GrantID
	}
	s := fmt.Sprintf("%s on %s: %s %s names %s %s, deleted %s", where, f.KeyARN, f.Field, f.Principal.Stored,
		f.Principal.Kind, f.Principal.ARN, f.Principal.Deleted.UTC().Format(time.RFC3339))
	if f.Principal.CurrentID != "" {
		s += fmt.Sprintf("; a %s with that name exists now (%s) and is NOT covered", f.Principal.Kind, f.Principal.CurrentID)
	}
	return s
}

// Doctor lists every grant and key-policy statement in the caller's account
// whose principal has been deleted.
func (s *Service) Doctor(ctx context.Context, c *authz.Caller, hist PrincipalHistory) ([]Finding, error) {
	if err := s.authz.Authorize(ctx, c, "keyward:Doctor", authz.Resource{ARN: "*", Account: c.Account}); err != nil {
		return nil, err
	}
	var out []Finding
	var acct, region, after string
	for {
		keys, err := s.store.AllKeys(ctx, acct, region, after, 500)
		if err != nil {
			return nil, err
		}
		if len(keys) == 0 {
			return out, nil
		}
		for _, k := range keys {
			if k.Account != c.Account {
				continue
			}
			fs, err := s.keyFindings(ctx, k, hist, "")
			if err != nil {
				return nil, err
			}
			out = append(out, fs...)
		}
		last := keys[len(keys)-1]
		acct, region, after = last.Account, last.Region, last.ID
	}
}

// keyFindings returns the findings of one key; only is a stored value to
// restrict to ("" for all).
func (s *Service) keyFindings(ctx context.Context, k *Key, hist PrincipalHistory, only string) ([]Finding, error) {
	var out []Finding
	check := func(stored string, f Finding) error {
		if stored == "" || (only != "" && stored != only) {
			return nil
		}
		st, ok, err := hist.Status(ctx, stored)
		if err != nil || !ok || st.Deleted.IsZero() {
			return err
		}
		f.KeyARN, f.Principal = k.ARN(), st
		out = append(out, f)
		return nil
	}
	gs, err := s.store.ListGrants(ctx, k.Account, k.Region, k.ID, "", 0)
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		if err := check(g.Grantee, Finding{GrantID: g.ID, Field: "GranteePrincipal"}); err != nil {
			return nil, err
		}
		if err := check(g.Retiring, Finding{GrantID: g.ID, Field: "RetiringPrincipal"}); err != nil {
			return nil, err
		}
	}
	d, err := policy.Parse(k.Policy)
	if err != nil {
		return out, nil // stored policies always parsed once; nothing to report
	}
	for _, ref := range d.Principals() {
		stmt := strconv.Itoa(ref.Statement + 1)
		if sid := d.Statements[ref.Statement].Sid; sid != "" {
			stmt = strconv.Quote(sid)
		}
		if err := check(ref.Value, Finding{Field: ref.Field, Statement: stmt}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// RepairBinding re-binds a grant (grantID set) or a key policy (grantID "")
// from a deleted principal's unique ID to the principal that has its ARN
// now. The operator has confirmed; the change is logged as an audited action.
func (s *Service) RepairBinding(ctx context.Context, c *authz.Caller, hist PrincipalHistory, keyID, grantID, stored string) (*Finding, error) {
	if err := s.authz.Authorize(ctx, c, "keyward:RepairBinding", authz.Resource{ARN: "*", Account: c.Account}); err != nil {
		return nil, err
	}
	e, err := s.resolve(ctx, c, keyID, false)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fs, err := s.keyFindings(ctx, e.key, hist, stored)
	if err != nil {
		return nil, err
	}
	var f *Finding
	for i := range fs {
		if fs[i].GrantID == grantID {
			f = &fs[i]
			break
		}
	}
	if f == nil {
		return nil, errs.Ef(errs.NotFound, "No binding to a deleted principal %s found on %s.", stored, e.key.ARN())
	}
	to := f.Principal.CurrentID
	if to == "" {
		return nil, errs.Ef(errs.Validation, "No %s named %s exists now; create it first or remove the binding.", f.Principal.Kind, f.Principal.ARN)
	}
	if grantID != "" {
		g, err := s.store.GetGrant(ctx, grantID)
		if err != nil {
			return nil, err
		}
		if g.Grantee == stored {
			g.Grantee = to
		}
		if g.Retiring == stored {
			g.Retiring = to
		}
		if err := s.store.UpdateGrant(ctx, g); err != nil {
			return nil, err
		}
		s.forgetGrants(e)
	} else {
		k := e.key.Clone()
		k.Policy, err = policy.Rewrite(k.Policy, func(ref policy.PrincipalRef) (string, bool) {
			return to, ref.Value == stored
		})
		if err != nil {
			return nil, err
		}
		if err := s.store.UpdateKey(ctx, k); err != nil {
			return nil, err
		}
		s.putKey(k.Clone())
	}
	s.log.Warn("principal binding repaired", "key", e.key.ARN(), "grant", grantID, "from", stored, "to", to,
		"principal", f.Principal.ARN, "by", c.ARN, "request", c.RequestID)
	return f, nil
}

// References lists the grants and key-policy statements that name a stored
// principal binding (for the identity deletion guard).
func (s *Service) References(ctx context.Context, stored string) ([]string, error) {
	var out []string
	gs, err := s.store.GrantsNaming(ctx, stored)
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		out = append(out, fmt.Sprintf("grant %s on key %s", g.ID, KeyARN(g.Region, g.Account, g.KeyID)))
	}
	var acct, region, after string
	for {
		keys, err := s.store.AllKeys(ctx, acct, region, after, 500)
		if err != nil {
			return nil, err
		}
		if len(keys) == 0 {
			return out, nil
		}
		for _, k := range keys {
			d, err := policy.Parse(k.Policy)
			if err != nil {
				continue
			}
			for _, ref := range d.Principals() {
				if ref.Value == stored {
					out = append(out, fmt.Sprintf("key policy of %s", k.ARN()))
					break
				}
			}
		}
		last := keys[len(keys)-1]
		acct, region, after = last.Account, last.Region, last.ID
	}
}
