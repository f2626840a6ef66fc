package server

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/api/adminapi"
	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/identity"
	"github.com/keyward/keyward/internal/kms"
)

// admin implements adminapi.Backend and the two seams between identity and
// kms: the principal history kms's doctor reads, and the reference guard
// identity consults before deleting a user or role.
type admin struct{ s *Server }

var (
	_ adminapi.Backend        = admin{}
	_ kms.PrincipalHistory    = admin{}
	_ identity.ReferenceGuard = admin{}
)

// Status implements kms.PrincipalHistory.
func (a admin) Status(ctx context.Context, stored string) (kms.PrincipalStatus, bool, error) {
	if !identity.IsUniqueID(stored) {
		return kms.PrincipalStatus{}, false, nil
	}
	p, err := a.s.identity.PrincipalRecord(ctx, stored)
	if errs.Is(err, errs.NotFound) {
		// Never known here (e.g. written by another system): treat as gone.
		return kms.PrincipalStatus{Stored: stored, Deleted: time.Unix(0, 0).UTC()}, true, nil
	}
	if err != nil {
		return kms.PrincipalStatus{}, false, err
	}
	st := kms.PrincipalStatus{Stored: stored, Kind: p.Kind, ARN: p.ARN(), Deleted: p.Deleted}
	if !p.Deleted.IsZero() {
		now, err := a.s.identity.LivePrincipal(ctx, p.Account, p.Kind, p.Name)
		switch {
		case err == nil && now.ID != p.ID && now.Path == p.Path:
			st.CurrentID = now.ID
		case err != nil && !errs.Is(err, errs.NotFound):
			return kms.PrincipalStatus{}, false, err
		}
	}
	return st, true, nil
}

// PrincipalReferences implements identity.ReferenceGuard.
func (a admin) PrincipalReferences(ctx context.Context, p *identity.Principal) ([]string, error) {
	return a.s.kms.References(ctx, p.ID)
}

func finding(f kms.Finding) adminapi.Finding {
	return adminapi.Finding{
		KeyArn: f.KeyARN, GrantId: f.GrantID, Field: f.Field, Statement: f.Statement,
		StoredPrincipal: f.Principal.Stored, PrincipalKind: f.Principal.Kind, FormerArn: f.Principal.ARN,
		DeletedAt: f.Principal.Deleted.UTC().Format(time.RFC3339), CurrentPrincipalId: f.Principal.CurrentID,
		Summary: f.String(),
	}
}

// Doctor implements adminapi.Backend.
func (a admin) Doctor(ctx context.Context, c *authz.Caller) ([]adminapi.Finding, error) {
	fs, err := a.s.kms.Doctor(ctx, c, a)
	if err != nil {
		return nil, err
	}
	out := make([]adminapi.Finding, 0, len(fs))
	for _, f := range fs {
		out = append(out, finding(f))
	}
	return out, nil
}

// Repair implements adminapi.Backend.
func (a admin) Repair(ctx context.Context, c *authz.Caller, in adminapi.RepairInput) (*adminapi.Finding, error) {
	f, err := a.s.kms.RepairBinding(ctx, c, a, in.KeyId, in.GrantId, in.StoredPrincipal)
	if err != nil {
		return nil, err
	}
	out := finding(*f)
	return &out, nil
}

// Explain implements adminapi.Backend: the caller may read decisions about
// its own account's requests.
func (a admin) Explain(ctx context.Context, c *authz.Caller, requestID string) (*authz.Decision, error) {
	if err := a.s.authorizer.Authorize(ctx, c, "keyward:Explain", authz.Resource{ARN: "*", Account: c.Account}); err != nil {
		return nil, err
	}
	d, ok := a.s.decisions.get(requestID)
	if !ok || !sameAccount(d, c.Account) {
		return nil, errs.Ef(errs.NotFound, "No decision is recorded for request %s (only recent denials are kept).", requestID)
	}
	return d, nil
}

// sameAccount: a decision belongs to the account of its caller or resource.
func sameAccount(d *authz.Decision, account string) bool {
	return strings.Contains(d.Caller, ":"+account+":") || strings.Contains(d.Resource, ":"+account+":")
}

// ReadEvents implements adminapi.Backend: the caller's account's audit
// events after a sequence number, for `keyward audit tail`.
func (a admin) ReadEvents(ctx context.Context, c *authz.Caller, in adminapi.ReadEventsInput) (*adminapi.ReadEventsOutput, error) {
	if err := a.s.authorizer.Authorize(ctx, c, "keyward:ReadEvents", authz.Resource{ARN: "*", Account: c.Account}); err != nil {
		return nil, err
	}
	out := &adminapi.ReadEventsOutput{Events: []json.RawMessage{}}
	if in.Latest {
		err := a.s.audit.Scan(ctx, audit.ScanOptions{NewestFirst: true}, func(seq uint64, _ *audit.Event) bool {
			out.LastSeq = seq
			return false
		})
		return out, err
	}
	limit := in.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	out.LastSeq = in.AfterSeq
	var encErr error
	err := a.s.audit.Scan(ctx, audit.ScanOptions{Start: in.AfterSeq + 1}, func(seq uint64, ev *audit.Event) bool {
		out.LastSeq = seq
		if ev.UserIdentity.AccountID != c.Account && ev.RecipientAccountID != c.Account {
			return true
		}
		b, err := json.Marshal(ev)
		if err != nil {
			encErr = err
			return false
		}
		out.Events = append(out.Events, b)
		return len(out.Events) < limit
	})
	if err == nil {
		err = encErr
	}
	return out, err
}
