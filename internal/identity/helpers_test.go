package identity_test

import (
	"context"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/identity"
	"github.com/keyward/keyward/internal/seal"
	"github.com/keyward/keyward/internal/storage/sqlite"
)

const (
	account = "123456789012"
	region  = "us-east-1"
)

var (
	t0         = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	userIDRE   = regexp.MustCompile(`^AIDA[A-Z2-7]{17}$`)
	roleIDRE   = regexp.MustCompile(`^AROA[A-Z2-7]{17}$`)
	policyIDRE = regexp.MustCompile(`^ANPA[A-Z2-7]{17}$`)
	akiaRE     = regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`)
	asiaRE     = regexp.MustCompile(`^ASIA[A-Z2-7]{16}$`)
)

// clock is a settable clock, safe for concurrent use.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// env is a Service on a real SQLite store in a temporary directory.
type env struct {
	svc   *identity.Service
	store *sqlite.Store
	path  string
	clock *clock
	root  *authz.Caller
}

func newEnv(t *testing.T, configure ...func(*identity.Config)) *env {
	t.Helper()
	path := filepath.Join(t.TempDir(), "keyward.db")
	store, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	clk := &clock{now: t0}
	cfg := identity.Config{Store: store, Principals: store, Sealer: seal.Generate(), Now: clk.Now}
	for _, f := range configure {
		f(&cfg)
	}
	return &env{
		svc:   identity.NewService(cfg),
		store: store,
		path:  path,
		clock: clk,
		root:  authz.RootCaller(account, region, "AKIAROOTROOTROOTROOT"),
	}
}

func ctx(t *testing.T) context.Context { return t.Context() }

// wantErr fails unless err has code and, when msg is not "", exactly that
// client message (IAM's and STS's messages are part of the contract).
func wantErr(t *testing.T, err error, code errs.Code, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	if errs.CodeOf(err) != code {
		t.Fatalf("got %v (code %s), want code %s", err, errs.CodeOf(err), code)
	}
	if msg != "" && errs.Message(err) != msg {
		t.Fatalf("message:\n got %q\nwant %q", errs.Message(err), msg)
	}
}

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (e *env) createUser(t *testing.T, name string) *identity.Principal {
	t.Helper()
	return must[*identity.Principal](t)(e.svc.CreateUser(ctx(t), e.root, name, ""))
}

// trustFor is a trust policy letting principal assume the role.
func trustFor(principal string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"sts:AssumeRole"}]}`
}

func (e *env) createRole(t *testing.T, name, trustedPrincipal string) *identity.Principal {
	t.Helper()
	return must[*identity.Principal](t)(e.svc.CreateRole(ctx(t), e.root, identity.RoleInput{
		Name: name, AssumeRolePolicy: trustFor(trustedPrincipal),
	}))
}

// userCaller creates a user with an access key and returns the caller its
// key authenticates, as the server would build it.
func (e *env) userCaller(t *testing.T, name string) (*identity.Principal, *authz.Caller) {
	t.Helper()
	u := e.createUser(t, name)
	k, _, err := e.svc.CreateUserAccessKey(ctx(t), e.root, name)
	mustOK(t, err)
	cred := must[*identity.Credential](t)(e.svc.Lookup(ctx(t), k.ID))
	return u, cred.NewCaller(region)
}

// assume assumes a role and returns the credentials and the session's caller.
func (e *env) assume(t *testing.T, c *authz.Caller, roleARN, session string) (*identity.SessionCredentials, *authz.Caller) {
	t.Helper()
	sc, err := e.svc.AssumeRole(ctx(t), c, identity.AssumeRoleInput{RoleARN: roleARN, SessionName: session})
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	cred := must[*identity.Credential](t)(e.svc.Lookup(ctx(t), sc.AccessKeyID))
	return sc, cred.NewCaller(region)
}

const allowDecrypt = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}`
const allowEncrypt = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}]}`

// recorder is an Authorizer that records every question and answers with
// deny (nil: allow).
type recorder struct {
	mu    sync.Mutex
	calls []call
	deny  func(action string) bool
}

type call struct {
	action string
	r      authz.Resource
}

func (a *recorder) Authorize(_ context.Context, c *authz.Caller, action string, r authz.Resource) error {
	a.mu.Lock()
	a.calls = append(a.calls, call{action, r})
	a.mu.Unlock()
	if a.deny != nil && a.deny(action) {
		return authz.Denied(c, action, r.ARN, "identity-based")
	}
	return nil
}

func (a *recorder) last() call {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls[len(a.calls)-1]
}

func (a *recorder) reset() {
	a.mu.Lock()
	a.calls = nil
	a.mu.Unlock()
}
