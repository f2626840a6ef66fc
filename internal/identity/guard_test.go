package identity_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/identity"
)

// fakeGuard is a ReferenceGuard with canned answers.
type fakeGuard struct {
	mu    sync.Mutex
	refs  []string
	err   error
	asked []*identity.Principal
}

func (g *fakeGuard) PrincipalReferences(_ context.Context, p *identity.Principal) ([]string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.asked = append(g.asked, p)
	return g.refs, g.err
}

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestReferenceGuard(t *testing.T) {
	refs := []string{"grant 1a2b3c on key arn:aws:kms:us-east-1:123456789012:key/k1", "key policy of arn:aws:kms:us-east-1:123456789012:key/k2"}
	for _, c := range []struct {
		name     string
		mode     identity.GuardMode
		refs     []string
		err      error
		code     errs.Code // "" = deleted
		msg      string
		asked    bool
		logWants string
	}{
		{name: "off", mode: identity.GuardOff, refs: refs},
		{name: "default-is-warn", mode: "", refs: refs, asked: true, logWants: "k1"},
		{name: "warn", mode: identity.GuardWarn, refs: refs, asked: true, logWants: "KMS grants or key policies still name"},
		{name: "warn/guard-fails", mode: identity.GuardWarn, err: errors.New("kms down"), asked: true, logWants: "kms down"},
		{name: "deny", mode: identity.GuardDeny, refs: refs, asked: true, code: errs.DeleteConflict,
			msg: "Cannot delete entity, it is still named by 2 KMS grants or key policies: " + refs[0] + "; " + refs[1]},
		{name: "deny/no-references", mode: identity.GuardDeny, asked: true},
		{name: "deny/guard-fails", mode: identity.GuardDeny, err: errors.New("kms down"), asked: true, code: errs.Internal},
	} {
		for _, kind := range []string{identity.KindUser, identity.KindRole} {
			t.Run(c.name+"/"+kind, func(t *testing.T) {
				g := &fakeGuard{refs: c.refs, err: c.err}
				var logs syncBuffer
				e := newEnv(t, func(cfg *identity.Config) {
					cfg.Guard, cfg.GuardMode = g, c.mode
					cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
				})
				var p *identity.Principal
				var del func() error
				if kind == identity.KindUser {
					p = e.createUser(t, "target")
					del = func() error { return e.svc.DeleteUser(ctx(t), e.root, "target") }
				} else {
					p = e.createRole(t, "target", "123456789012")
					del = func() error { return e.svc.DeleteRole(ctx(t), e.root, "target") }
				}
				err := del()
				if c.code != "" {
					wantErr(t, err, c.code, c.msg)
					got, gerr := e.store.GetPrincipal(ctx(t), p.ID)
					if gerr != nil || !got.Deleted.IsZero() {
						t.Fatalf("a refused deletion deleted the principal: %v, %+v", gerr, got)
					}
				} else {
					mustOK(t, err)
				}
				if asked := len(g.asked) > 0; asked != c.asked {
					t.Fatalf("guard asked: %v, want %v", asked, c.asked)
				}
				if c.asked && (g.asked[0].ID != p.ID || g.asked[0].ARN() != p.ARN()) {
					t.Fatalf("guard asked about %+v, want %s", g.asked[0], p.ID)
				}
				if c.logWants != "" && (!strings.Contains(logs.String(), c.logWants) || !strings.Contains(logs.String(), p.ID)) {
					t.Fatalf("log %q does not mention %q and the principal's ID", logs.String(), c.logWants)
				}
			})
		}
	}
}

func TestParseGuardMode(t *testing.T) {
	for in, want := range map[string]identity.GuardMode{"": identity.GuardWarn, "off": identity.GuardOff, "warn": identity.GuardWarn, "deny": identity.GuardDeny} {
		if got, err := identity.ParseGuardMode(in); err != nil || got != want {
			t.Errorf("ParseGuardMode(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := identity.ParseGuardMode("Deny"); err == nil {
		t.Error("ParseGuardMode accepted an unknown mode")
	}
}
