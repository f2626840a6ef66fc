package identity_test

import (
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/identity"
)

const appARN = "arn:aws:iam::123456789012:role/app"

func TestAssumeRoleDurations(t *testing.T) {
	e := newEnv(t)
	_, bob := e.userCaller(t, "bob")
	must[*identity.Principal](t)(e.svc.CreateRole(ctx(t), e.root, identity.RoleInput{
		Name: "app", AssumeRolePolicy: trustFor("arn:aws:iam::123456789012:user/bob"), MaxSessionDuration: 7200,
	}))
	for _, c := range []struct {
		name     string
		duration int
		want     time.Duration
		code     errs.Code
		msg      string
	}{
		{"ok/default", 0, time.Hour, "", ""},
		{"ok/min", 900, 15 * time.Minute, "", ""},
		{"ok/role-max", 7200, 2 * time.Hour, "", ""},
		{"fail/below-min", 899, 0, errs.Validation,
			"1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{"fail/over-role-max", 7201, 0, errs.Validation, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."},
		{"fail/over-43200", 43201, 0, errs.Validation,
			"1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sc, err := e.svc.AssumeRole(ctx(t), bob, identity.AssumeRoleInput{RoleARN: appARN, SessionName: "s0", DurationSeconds: c.duration})
			if c.code != "" {
				wantErr(t, err, c.code, c.msg)
				return
			}
			mustOK(t, err)
			if !sc.Expiration.Equal(t0.Add(c.want)) {
				t.Fatalf("Expiration %v, want %v", sc.Expiration, t0.Add(c.want))
			}
		})
	}

	// Role chaining: a role session assuming a role gets at most an hour.
	must[*identity.Principal](t)(e.svc.CreateRole(ctx(t), e.root, identity.RoleInput{
		Name: "next", AssumeRolePolicy: trustFor(appARN), MaxSessionDuration: 43200,
	}))
	_, session := e.assume(t, bob, appARN, "first")
	_, err := e.svc.AssumeRole(ctx(t), session, identity.AssumeRoleInput{
		RoleARN: "arn:aws:iam::123456789012:role/next", SessionName: "second", DurationSeconds: 3601,
	})
	wantErr(t, err, errs.Validation, "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	sc, err := e.svc.AssumeRole(ctx(t), session, identity.AssumeRoleInput{
		RoleARN: "arn:aws:iam::123456789012:role/next", SessionName: "second", DurationSeconds: 3600,
	})
	mustOK(t, err)
	if !strings.HasPrefix(sc.AssumedRoleARN, "arn:aws:sts::123456789012:assumed-role/next/second") {
		t.Fatalf("chained session ARN %s", sc.AssumedRoleARN)
	}
}

func TestAssumeRoleRequests(t *testing.T) {
	e := newEnv(t)
	_, bob := e.userCaller(t, "bob")
	e.createRole(t, "app", "arn:aws:iam::123456789012:user/bob")
	mp := must[*identity.ManagedPolicy](t)(e.svc.CreateManagedPolicy(ctx(t), e.root, "sp", "", "", allowEncrypt))
	denied := "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: sts:AssumeRole on resource: "
	for _, c := range []struct {
		name string
		in   identity.AssumeRoleInput
		code errs.Code
		msg  string
	}{
		{"ok/session-policy", identity.AssumeRoleInput{RoleARN: appARN, SessionName: "a.b@c=d,e-f_g", Policy: allowDecrypt, PolicyARNs: []string{mp.ARN()}}, "", ""},
		{"fail/session-name-short", identity.AssumeRoleInput{RoleARN: appARN, SessionName: "a"}, errs.Validation, ""},
		{"fail/session-name-space", identity.AssumeRoleInput{RoleARN: appARN, SessionName: "a b"}, errs.Validation, ""},
		{"fail/session-name-long", identity.AssumeRoleInput{RoleARN: appARN, SessionName: strings.Repeat("s", 65)}, errs.Validation, ""},
		{"fail/role-arn", identity.AssumeRoleInput{RoleARN: "arn:aws:iam::123456789012:user/bob", SessionName: "s0"}, errs.Validation, ""},
		{"fail/policy-malformed", identity.AssumeRoleInput{RoleARN: appARN, SessionName: "s0", Policy: `{"Statement":[`}, errs.MalformedPolicy, ""},
		{"fail/policy-with-principal", identity.AssumeRoleInput{RoleARN: appARN, SessionName: "s0", Policy: trustFor("*")}, errs.MalformedPolicy, ""},
		{"fail/policy-too-long", identity.AssumeRoleInput{RoleARN: appARN, SessionName: "s0", Policy: strings.Repeat(" ", 2049)}, errs.Validation, ""},
		{"fail/packed-too-large", identity.AssumeRoleInput{RoleARN: appARN, SessionName: "s0",
			Policy:     `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:us-east-1:123456789012:key/` + strings.Repeat("k", 1850) + `"}]}`,
			PolicyARNs: []string{mp.ARN(), mp.ARN(), mp.ARN()}}, identity.CodePackedPolicyTooLarge, ""},
		{"fail/unknown-policy-arn", identity.AssumeRoleInput{RoleARN: appARN, SessionName: "s0", PolicyARNs: []string{"arn:aws:iam::123456789012:policy/none"}}, errs.Validation, ""},
		{"fail/external-id-short", identity.AssumeRoleInput{RoleARN: appARN, SessionName: "s0", ExternalID: "x"}, errs.Validation, ""},
		{"fail/missing-role", identity.AssumeRoleInput{RoleARN: "arn:aws:iam::123456789012:role/ghost", SessionName: "s0"}, errs.AccessDenied,
			denied + "arn:aws:iam::123456789012:role/ghost"},
		{"fail/wrong-path", identity.AssumeRoleInput{RoleARN: "arn:aws:iam::123456789012:role/x/app", SessionName: "s0"}, errs.AccessDenied,
			denied + "arn:aws:iam::123456789012:role/x/app"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.svc.AssumeRole(ctx(t), bob, c.in)
			if c.code == "" {
				mustOK(t, err)
				return
			}
			wantErr(t, err, c.code, c.msg)
		})
	}
}

func TestAssumeRoleTrust(t *testing.T) {
	rec := &recorder{}
	e := newEnv(t, func(c *identity.Config) { c.Authorizer = rec })
	_, bob := e.userCaller(t, "bob")
	_, carol := e.userCaller(t, "carol")
	e.createRole(t, "app", "arn:aws:iam::123456789012:user/bob")
	e.createRole(t, "shared", "123456789012") // the account: delegated to identity policies

	// The trust policy names bob, not carol.
	_, err := e.svc.AssumeRole(ctx(t), carol, identity.AssumeRoleInput{RoleARN: appARN, SessionName: "s0"})
	wantErr(t, err, errs.AccessDenied,
		"User: arn:aws:iam::123456789012:user/carol is not authorized to perform: sts:AssumeRole on resource: "+appARN)

	rec.reset()
	e.assume(t, bob, appARN, "s0")
	c := rec.last()
	stored, err := e.store.PrincipalByName(ctx(t), account, identity.KindRole, "app")
	mustOK(t, err)
	if c.action != "sts:AssumeRole" || c.r.ARN != appARN || c.r.Account != account || c.r.Policy != stored.AssumeRolePolicy {
		t.Fatalf("Authorizer asked %+v, want sts:AssumeRole on %s with the stored trust policy", c, appARN)
	}

	// Through the account, both may; the Authorizer has the last word.
	e.assume(t, carol, "arn:aws:iam::123456789012:role/shared", "s0")
	rec.deny = func(a string) bool { return a == "sts:AssumeRole" }
	_, err = e.svc.AssumeRole(ctx(t), bob, identity.AssumeRoleInput{RoleARN: appARN, SessionName: "s0"})
	wantErr(t, err, errs.AccessDenied,
		"User: arn:aws:iam::123456789012:user/bob is not authorized to perform: sts:AssumeRole on resource: "+appARN)
	rec.deny = nil

	// Roles may not be assumed by the account root, unless configured.
	e.createRole(t, "rootable", "arn:aws:iam::123456789012:root")
	_, err = e.svc.AssumeRole(ctx(t), e.root, identity.AssumeRoleInput{RoleARN: "arn:aws:iam::123456789012:role/rootable", SessionName: "s0"})
	wantErr(t, err, errs.AccessDenied, "Roles may not be assumed by root accounts.")
	e2 := newEnv(t, func(c *identity.Config) { c.RootMayAssumeRoles = true })
	e2.createRole(t, "rootable", "arn:aws:iam::123456789012:root")
	e2.assume(t, e2.root, "arn:aws:iam::123456789012:role/rootable", "s0")

	// Conditions see sts:ExternalId.
	withExternalID := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"s3cr3t"}}}]}`
	must[*identity.Principal](t)(e.svc.CreateRole(ctx(t), e.root, identity.RoleInput{Name: "ext", AssumeRolePolicy: withExternalID}))
	extARN := "arn:aws:iam::123456789012:role/ext"
	_, err = e.svc.AssumeRole(ctx(t), bob, identity.AssumeRoleInput{RoleARN: extARN, SessionName: "s0"})
	wantErr(t, err, errs.AccessDenied, "")
	_, err = e.svc.AssumeRole(ctx(t), bob, identity.AssumeRoleInput{RoleARN: extARN, SessionName: "s0", ExternalID: "s3cr3t"})
	mustOK(t, err)
}

// The re-created-role trap: sessions of a deleted role stop working, and a
// role re-created with the same name (a new unique ID) does not revive
// them. New sessions of the new role work.
func TestRecreatedRoleSessionsDie(t *testing.T) {
	e := newEnv(t)
	_, bob := e.userCaller(t, "bob")
	old := e.createRole(t, "app", "arn:aws:iam::123456789012:user/bob")
	mustOK(t, e.svc.PutInlinePolicy(ctx(t), e.root, identity.KindRole, "app", "p", allowDecrypt))
	oldCreds, oldSession := e.assume(t, bob, appARN, "s1")
	if oldSession.PrincipalID != old.ID || oldCreds.AssumedRoleID != old.ID+":s1" {
		t.Fatalf("session of the first role: %+v", oldSession)
	}

	mustOK(t, e.svc.DeleteInlinePolicy(ctx(t), e.root, identity.KindRole, "app", "p"))
	mustOK(t, e.svc.DeleteRole(ctx(t), e.root, "app"))
	_, err := e.svc.Lookup(ctx(t), oldCreds.AccessKeyID)
	wantErr(t, err, errs.NotFound, "")

	again := e.createRole(t, "app", "arn:aws:iam::123456789012:user/bob")
	if again.ID == old.ID || !roleIDRE.MatchString(again.ID) {
		t.Fatalf("re-created role ID %s (old %s)", again.ID, old.ID)
	}
	_, err = e.svc.Lookup(ctx(t), oldCreds.AccessKeyID)
	wantErr(t, err, errs.NotFound, "")

	newCreds, newSession := e.assume(t, bob, appARN, "s2")
	if newSession.PrincipalID != again.ID || newCreds.AssumedRoleID != again.ID+":s2" {
		t.Fatalf("session of the re-created role: %+v", newSession)
	}
	history, err := e.store.PrincipalsByARN(ctx(t), account, identity.KindRole, "/", "app")
	if err != nil || len(history) != 2 || history[0].ID != again.ID || history[1].ID != old.ID {
		t.Fatalf("PrincipalsByARN: %v, %v", err, history)
	}
}

func TestCleanupSessions(t *testing.T) {
	e := newEnv(t, func(c *identity.Config) { c.ExpiredSessionRetention = 10 * time.Minute })
	_, bob := e.userCaller(t, "bob")
	e.createRole(t, "app", "arn:aws:iam::123456789012:user/bob")
	short, err := e.svc.AssumeRole(ctx(t), bob, identity.AssumeRoleInput{RoleARN: appARN, SessionName: "short", DurationSeconds: 900})
	mustOK(t, err)
	long, err := e.svc.AssumeRole(ctx(t), bob, identity.AssumeRoleInput{RoleARN: appARN, SessionName: "long"})
	mustOK(t, err)
	must[*identity.Credential](t)(e.svc.Lookup(ctx(t), short.AccessKeyID))

	// Expired, within the retention: still found, so that the verifier can
	// answer ExpiredToken.
	e.clock.Advance(20 * time.Minute)
	mustOK(t, e.svc.CleanupSessions(ctx(t)))
	cred := must[*identity.Credential](t)(e.svc.Lookup(ctx(t), short.AccessKeyID))
	if !cred.Expires.Before(e.clock.Now()) {
		t.Fatalf("session expires %v, want before %v", cred.Expires, e.clock.Now())
	}

	e.clock.Advance(10 * time.Minute)
	mustOK(t, e.svc.CleanupSessions(ctx(t)))
	_, err = e.svc.Lookup(ctx(t), short.AccessKeyID)
	wantErr(t, err, errs.NotFound, "")
	if _, err := e.store.GetSession(ctx(t), short.AccessKeyID); !errs.Is(err, errs.NotFound) {
		t.Fatalf("the expired session is still stored: %v", err)
	}
	must[*identity.Credential](t)(e.svc.Lookup(ctx(t), long.AccessKeyID))
}

func TestCallerIdentity(t *testing.T) {
	for _, c := range []struct {
		caller               *authz.Caller
		userID, account, arn string
	}{
		{authz.RootCaller(account, region, "AKIA"), account, account, "arn:aws:iam::123456789012:root"},
		{&authz.Caller{Type: authz.IAMUser, Account: account, UserID: "AIDAEXAMPLE", ARN: "arn:aws:iam::123456789012:user/bob"},
			"AIDAEXAMPLE", account, "arn:aws:iam::123456789012:user/bob"},
		{nil, "", "", ""},
	} {
		u, a, arn := identity.CallerIdentity(c.caller)
		if u != c.userID || a != c.account || arn != c.arn {
			t.Errorf("CallerIdentity: %q %q %q, want %q %q %q", u, a, arn, c.userID, c.account, c.arn)
		}
	}
}
