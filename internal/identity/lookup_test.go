package identity_test

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/identity"
)

// The caller templates carry the forms STS GetCallerIdentity shows: the
// account id as the root's UserId, AIDA… for a user, AROA…:<session> for a
// role session.
func TestCallerTemplates(t *testing.T) {
	e := newEnv(t)

	t.Run("root", func(t *testing.T) {
		id, _, _, err := e.svc.EnsureRootKey(ctx(t), account)
		mustOK(t, err)
		cred := must[*identity.Credential](t)(e.svc.Lookup(ctx(t), id))
		c := cred.NewCaller(region)
		want := authz.RootCaller(account, region, id)
		if fmt.Sprint(*c) != fmt.Sprint(*want) {
			t.Fatalf("root caller:\n got %+v\nwant %+v", c, want)
		}
		if u, a, arn := identity.CallerIdentity(c); u != account || a != account || arn != "arn:aws:iam::123456789012:root" {
			t.Fatalf("GetCallerIdentity of the root: %s %s %s", u, a, arn)
		}
		if !cred.CheckToken("") || cred.CheckToken("token") {
			t.Fatal("a long-term key must accept no session token, and only no token")
		}
	})

	u := must[*identity.Principal](t)(e.svc.CreateUser(ctx(t), e.root, "bob", "/eng/"))
	mustOK(t, e.svc.PutInlinePolicy(ctx(t), e.root, identity.KindUser, "bob", "inline", allowDecrypt))
	mp := must[*identity.ManagedPolicy](t)(e.svc.CreateManagedPolicy(ctx(t), e.root, "managed", "", "", allowEncrypt))
	mustOK(t, e.svc.AttachPolicy(ctx(t), e.root, identity.KindUser, "bob", mp.ARN()))
	k, _ := must2(t)(e.svc.CreateUserAccessKey(ctx(t), e.root, "bob"))
	bob := must[*identity.Credential](t)(e.svc.Lookup(ctx(t), k.ID)).NewCaller(region)

	t.Run("user", func(t *testing.T) {
		want := authz.Caller{
			Type: authz.IAMUser, Account: account, ARN: "arn:aws:iam::123456789012:user/eng/bob",
			UserID: u.ID, PrincipalID: u.ID, UserName: "bob",
			IdentityPolicies: []string{allowDecrypt, allowEncrypt},
			AccessKeyID:      k.ID, Region: region,
		}
		if fmt.Sprint(*bob) != fmt.Sprint(want) {
			t.Fatalf("user caller:\n got %+v\nwant %+v", bob, want)
		}
		if uid, _, arn := identity.CallerIdentity(bob); uid != u.ID || arn != want.ARN {
			t.Fatalf("GetCallerIdentity of a user: %s %s", uid, arn)
		}
	})

	t.Run("session", func(t *testing.T) {
		role := must[*identity.Principal](t)(e.svc.CreateRole(ctx(t), e.root, identity.RoleInput{
			Name: "app", Path: "/svc/", AssumeRolePolicy: trustFor("arn:aws:iam::123456789012:user/eng/bob"),
		}))
		mustOK(t, e.svc.PutInlinePolicy(ctx(t), e.root, identity.KindRole, "app", "r", allowEncrypt))
		sc, err := e.svc.AssumeRole(ctx(t), bob, identity.AssumeRoleInput{
			RoleARN: role.ARN(), SessionName: "build-7", Policy: allowDecrypt, PolicyARNs: []string{mp.ARN()},
		})
		mustOK(t, err)
		if !asiaRE.MatchString(sc.AccessKeyID) || len(sc.SecretAccessKey) != 40 || len(sc.SessionToken) < 128 {
			t.Fatalf("session credentials: %s, secret of %d, token of %d characters", sc.AccessKeyID, len(sc.SecretAccessKey), len(sc.SessionToken))
		}
		if sc.AssumedRoleID != role.ID+":build-7" || sc.AssumedRoleARN != "arn:aws:sts::123456789012:assumed-role/app/build-7" {
			t.Fatalf("assumed role user: %s %s", sc.AssumedRoleID, sc.AssumedRoleARN)
		}
		cred := must[*identity.Credential](t)(e.svc.Lookup(ctx(t), sc.AccessKeyID))
		if string(cred.Secret) != sc.SecretAccessKey || !cred.Expires.Equal(sc.Expiration) {
			t.Fatal("the session's credential does not match what AssumeRole returned")
		}
		if !cred.CheckToken(sc.SessionToken) || cred.CheckToken("") || cred.CheckToken(sc.SessionToken+"x") {
			t.Fatal("CheckToken must accept exactly the session token")
		}
		c := cred.NewCaller("eu-west-1")
		want := authz.Caller{
			Type: authz.AssumedRole, Account: account, ARN: sc.AssumedRoleARN,
			UserID: role.ID + ":build-7", PrincipalID: role.ID,
			RoleName: "app", RoleARN: "arn:aws:iam::123456789012:role/svc/app", SessionName: "build-7",
			IdentityPolicies: []string{allowEncrypt},
			SessionPolicies:  []string{allowDecrypt, allowEncrypt},
			SessionIssued:    t0,
			AccessKeyID:      sc.AccessKeyID, Region: "eu-west-1",
		}
		if fmt.Sprint(*c) != fmt.Sprint(want) {
			t.Fatalf("session caller:\n got %+v\nwant %+v", c, want)
		}
		if uid, _, arn := identity.CallerIdentity(c); uid != role.ID+":build-7" || arn != sc.AssumedRoleARN {
			t.Fatalf("GetCallerIdentity of a session: %s %s", uid, arn)
		}
	})

	t.Run("dev-static", func(t *testing.T) {
		e.svc.AddStatic(&identity.Credential{AccessKeyID: "test", Secret: []byte("test"), Account: "000000000000"})
		c := must[*identity.Credential](t)(e.svc.Lookup(ctx(t), "test")).NewCaller(region)
		if c.Type != authz.Root || c.ARN != "arn:aws:iam::000000000000:root" || c.UserID != "000000000000" {
			t.Fatalf("static credential's caller: %+v", c)
		}
	})
}

// Lookups are cached, and every change to what a caller is built from is
// visible at the next lookup.
func TestCacheInvalidation(t *testing.T) {
	e := newEnv(t)
	e.createUser(t, "bob")
	k, _ := must2(t)(e.svc.CreateUserAccessKey(ctx(t), e.root, "bob"))
	policies := func() []string {
		t.Helper()
		return must[*identity.Credential](t)(e.svc.Lookup(ctx(t), k.ID)).Caller.IdentityPolicies
	}
	first := must[*identity.Credential](t)(e.svc.Lookup(ctx(t), k.ID))
	if again := must[*identity.Credential](t)(e.svc.Lookup(ctx(t), k.ID)); again != first {
		t.Fatal("a second lookup did not come from the cache")
	}
	if len(policies()) != 0 {
		t.Fatal("a new user has policies")
	}

	mp := must[*identity.ManagedPolicy](t)(e.svc.CreateManagedPolicy(ctx(t), e.root, "m", "", "", allowEncrypt))
	steps := []struct {
		name string
		do   func() error
		want []string
	}{
		{"put-inline", func() error {
			return e.svc.PutInlinePolicy(ctx(t), e.root, identity.KindUser, "bob", "p", allowDecrypt)
		}, []string{allowDecrypt}},
		{"replace-inline", func() error {
			return e.svc.PutInlinePolicy(ctx(t), e.root, identity.KindUser, "bob", "p", allowEncrypt)
		}, []string{allowEncrypt}},
		{"attach", func() error { return e.svc.AttachPolicy(ctx(t), e.root, identity.KindUser, "bob", mp.ARN()) }, []string{allowEncrypt, allowEncrypt}},
		{"delete-inline", func() error { return e.svc.DeleteInlinePolicy(ctx(t), e.root, identity.KindUser, "bob", "p") }, []string{allowEncrypt}},
		{"detach", func() error { return e.svc.DetachPolicy(ctx(t), e.root, identity.KindUser, "bob", mp.ARN()) }, nil},
	}
	for _, st := range steps {
		mustOK(t, st.do())
		if got := policies(); !slices.Equal(got, st.want) {
			t.Fatalf("after %s: policies %v, want %v", st.name, got, st.want)
		}
	}

	mustOK(t, e.svc.UpdateAccessKey(ctx(t), e.root, "bob", k.ID, "Inactive"))
	_, err := e.svc.Lookup(ctx(t), k.ID)
	wantErr(t, err, errs.NotFound, "")
	mustOK(t, e.svc.UpdateAccessKey(ctx(t), e.root, "bob", k.ID, "Active"))
	must[*identity.Credential](t)(e.svc.Lookup(ctx(t), k.ID))
	mustOK(t, e.svc.DeleteUserAccessKey(ctx(t), e.root, "bob", k.ID))
	_, err = e.svc.Lookup(ctx(t), k.ID)
	wantErr(t, err, errs.NotFound, "")

	// A role's policy change reaches its live sessions.
	_, bob := e.userCaller(t, "carol")
	e.createRole(t, "app", "arn:aws:iam::123456789012:user/carol")
	sc, session := e.assume(t, bob, appARN, "s0")
	if len(session.IdentityPolicies) != 0 {
		t.Fatalf("session policies before: %v", session.IdentityPolicies)
	}
	mustOK(t, e.svc.PutInlinePolicy(ctx(t), e.root, identity.KindRole, "app", "p", allowDecrypt))
	got := must[*identity.Credential](t)(e.svc.Lookup(ctx(t), sc.AccessKeyID)).Caller.IdentityPolicies
	if !slices.Equal(got, []string{allowDecrypt}) {
		t.Fatalf("session's role policies after a change: %v", got)
	}
}

// Lookups racing with changes never leave a stale caller in the cache.
func TestCacheConcurrency(t *testing.T) {
	e := newEnv(t)
	e.createUser(t, "bob")
	k, _ := must2(t)(e.svc.CreateUserAccessKey(ctx(t), e.root, "bob"))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := e.svc.Lookup(ctx(t), k.ID); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	var last string
	for i := range 40 {
		last = fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:us-east-1:123456789012:key/%d"}]}`, i)
		mustOK(t, e.svc.PutInlinePolicy(ctx(t), e.root, identity.KindUser, "bob", "p", last))
	}
	close(stop)
	wg.Wait()
	got := must[*identity.Credential](t)(e.svc.Lookup(ctx(t), k.ID)).Caller.IdentityPolicies
	if !slices.Equal(got, []string{last}) {
		t.Fatalf("after concurrent changes the caller has %v, want the last policy", got)
	}
}

// Secret access keys, session secrets and session tokens never reach the
// database file (or its WAL) in the clear.
func TestSecretsNotStoredInClear(t *testing.T) {
	e := newEnv(t)
	rootID, rootSecret, _, err := e.svc.EnsureRootKey(ctx(t), account)
	mustOK(t, err)
	_, bob := e.userCaller(t, "bob")
	_, userSecret := must2(t)(e.svc.CreateUserAccessKey(ctx(t), e.root, "bob"))
	e.createRole(t, "app", "arn:aws:iam::123456789012:user/bob")
	sc, err := e.svc.AssumeRole(ctx(t), bob, identity.AssumeRoleInput{RoleARN: appARN, SessionName: "s0"})
	mustOK(t, err)

	var db []byte
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(e.path + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		db = append(db, b...)
	}
	if !bytes.Contains(db, []byte(rootID)) || !bytes.Contains(db, []byte(sc.AccessKeyID)) {
		t.Fatal("the access key ids are not in the files: the check reads the wrong files")
	}
	for name, secret := range map[string]string{
		"root secret": rootSecret, "user secret": userSecret,
		"session secret": sc.SecretAccessKey, "session token": sc.SessionToken,
		"session token prefix": sc.SessionToken[:24],
	} {
		if bytes.Contains(db, []byte(secret)) {
			t.Errorf("the %s is stored in the clear", name)
		}
	}
}
