package identity_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/identity"
)

func TestUserLifecycle(t *testing.T) {
	e := newEnv(t)
	u := must[*identity.Principal](t)(e.svc.CreateUser(ctx(t), e.root, "alice", "/dev/"))
	if !userIDRE.MatchString(u.ID) || len(u.ID) != 21 {
		t.Fatalf("user ID %q, want AIDA + 17 characters of [A-Z2-7]", u.ID)
	}
	if u.ARN() != "arn:aws:iam::123456789012:user/dev/alice" || !u.Created.Equal(t0) {
		t.Fatalf("created user: %+v (ARN %s)", u, u.ARN())
	}
	got := must[*identity.Principal](t)(e.svc.GetUser(ctx(t), e.root, "alice"))
	if got.ID != u.ID || got.Path != "/dev/" {
		t.Fatalf("GetUser: %+v", got)
	}

	_, err := e.svc.CreateUser(ctx(t), e.root, "alice", "")
	wantErr(t, err, errs.AlreadyExists, "User with name alice already exists.")
	_, err = e.svc.CreateUser(ctx(t), e.root, "ALICE", "")
	wantErr(t, err, errs.AlreadyExists, "User with name ALICE already exists.")
	_, err = e.svc.GetUser(ctx(t), e.root, "bob")
	wantErr(t, err, errs.NotFound, "The user with name bob cannot be found.")

	// The account root's GetUser without a name describes the root.
	rootUser := must[*identity.Principal](t)(e.svc.GetUser(ctx(t), e.root, ""))
	if rootUser.ARN() != "arn:aws:iam::123456789012:root" || rootUser.ID != account {
		t.Fatalf("GetUser of the root: %+v (ARN %s)", rootUser, rootUser.ARN())
	}

	// Deletion is refused while keys or policies remain, with IAM's messages.
	k, _ := must2(t)(e.svc.CreateUserAccessKey(ctx(t), e.root, "alice"))
	wantErr(t, e.svc.DeleteUser(ctx(t), e.root, "alice"), errs.DeleteConflict, "Cannot delete entity, must delete access keys first.")
	mustOK(t, e.svc.DeleteUserAccessKey(ctx(t), e.root, "alice", k.ID))
	mustOK(t, e.svc.PutInlinePolicy(ctx(t), e.root, identity.KindUser, "alice", "p", allowDecrypt))
	wantErr(t, e.svc.DeleteUser(ctx(t), e.root, "alice"), errs.DeleteConflict, "Cannot delete entity, must delete policies first.")
	mustOK(t, e.svc.DeleteInlinePolicy(ctx(t), e.root, identity.KindUser, "alice", "p"))
	mp := must[*identity.ManagedPolicy](t)(e.svc.CreateManagedPolicy(ctx(t), e.root, "m", "", "", allowDecrypt))
	mustOK(t, e.svc.AttachPolicy(ctx(t), e.root, identity.KindUser, "alice", mp.ARN()))
	wantErr(t, e.svc.DeleteUser(ctx(t), e.root, "alice"), errs.DeleteConflict, "Cannot delete entity, must detach all policies first.")
	mustOK(t, e.svc.DetachPolicy(ctx(t), e.root, identity.KindUser, "alice", mp.ARN()))

	mustOK(t, e.svc.DeleteUser(ctx(t), e.root, "alice"))
	_, err = e.svc.GetUser(ctx(t), e.root, "alice")
	wantErr(t, err, errs.NotFound, "The user with name alice cannot be found.")
	wantErr(t, e.svc.DeleteUser(ctx(t), e.root, "alice"), errs.NotFound, "The user with name alice cannot be found.")

	// Re-created: a new ID; the old record is still there.
	again := e.createUser(t, "alice")
	if again.ID == u.ID {
		t.Fatal("a re-created user kept the deleted user's ID")
	}
	old, err := e.store.GetPrincipal(ctx(t), u.ID)
	if err != nil || old.Deleted.IsZero() {
		t.Fatalf("the deleted user's record: %v, %+v", err, old)
	}
}

// must2 is must for two results and an error.
func must2(t *testing.T) func(k *identity.AccessKey, secret string, err error) (*identity.AccessKey, string) {
	return func(k *identity.AccessKey, secret string, err error) (*identity.AccessKey, string) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return k, secret
	}
}

func TestNameAndPathValidation(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name, user, path string
		code             errs.Code
	}{
		{"ok/all-allowed-characters", "a_Z0+=,.@-", "", ""},
		{"ok/64-characters", strings.Repeat("u", 64), "/a/b-c/", ""},
		{"fail/empty", "", "", errs.Validation},
		{"fail/65-characters", strings.Repeat("u", 65), "", errs.Validation},
		{"fail/space", "has space", "", errs.Validation},
		{"fail/slash", "a/b", "", errs.Validation},
		{"fail/non-ascii", "ünïcode", "", errs.Validation},
		{"fail/path-no-trailing-slash", "p1", "/a", errs.Validation},
		{"fail/path-no-leading-slash", "p2", "a/", errs.Validation},
		{"fail/path-double-slash-only", "p3", "//", errs.Validation},
		{"fail/path-too-long", "p4", "/" + strings.Repeat("a", 511) + "/", errs.Validation},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.svc.CreateUser(ctx(t), e.root, c.user, c.path)
			if c.code == "" {
				mustOK(t, err)
				return
			}
			wantErr(t, err, c.code, "")
		})
	}
	_, err := e.svc.CreateUser(ctx(t), e.root, "bad name", "")
	wantErr(t, err, errs.Validation,
		`1 validation error detected: Value 'bad name' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`)
}

func TestListUsersPaging(t *testing.T) {
	e := newEnv(t)
	for i, name := range []string{"eve", "bob", "dan", "amy", "cat"} {
		path := "/"
		if i%2 == 0 {
			path = "/eng/"
		}
		must[*identity.Principal](t)(e.svc.CreateUser(ctx(t), e.root, name, path))
	}
	mustOK(t, e.svc.DeleteUser(ctx(t), e.root, "dan"))

	var names []string
	marker, pages := "", 0
	for {
		page, next, err := e.svc.ListUsers(ctx(t), e.root, "", identity.Page{Marker: marker, MaxItems: 2})
		mustOK(t, err)
		for _, u := range page {
			names = append(names, u.Name)
		}
		pages++
		if next == "" {
			break
		}
		marker = next
	}
	if want := []string{"amy", "bob", "cat", "eve"}; !slices.Equal(names, want) || pages != 2 {
		t.Fatalf("ListUsers pages: %v in %d pages, want %v in 2", names, pages, want)
	}
	eng, next, err := e.svc.ListUsers(ctx(t), e.root, "/eng/", identity.Page{})
	mustOK(t, err)
	if len(eng) != 2 || eng[0].Name != "cat" || eng[1].Name != "eve" || next != "" {
		t.Fatalf("ListUsers /eng/: %v, %q", eng, next)
	}
	_, _, err = e.svc.ListUsers(ctx(t), e.root, "", identity.Page{MaxItems: 1001})
	wantErr(t, err, errs.Validation, "")
	_, _, err = e.svc.ListUsers(ctx(t), e.root, "", identity.Page{Marker: "!!"})
	wantErr(t, err, errs.Validation, "")
}

func TestRoleLifecycle(t *testing.T) {
	e := newEnv(t)
	trust := trustFor("arn:aws:iam::123456789012:root")
	for _, c := range []struct {
		name     string
		max      int
		want     int
		code     errs.Code
		wantText string
	}{
		{"ok/default", 0, 3600, "", ""},
		{"ok/min", 3600, 3600, "", ""},
		{"ok/max", 43200, 43200, "", ""},
		{"fail/below-min", 3599, 0, errs.Validation, "1 validation error detected: Value '3599' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600"},
		{"fail/above-max", 43201, 0, errs.Validation, "1 validation error detected: Value '43201' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200"},
	} {
		t.Run(c.name, func(t *testing.T) {
			name := strings.ReplaceAll(c.name, "/", "-")
			r, err := e.svc.CreateRole(ctx(t), e.root, identity.RoleInput{Name: name, AssumeRolePolicy: trust, MaxSessionDuration: c.max})
			if c.code != "" {
				wantErr(t, err, c.code, c.wantText)
				return
			}
			mustOK(t, err)
			if r.MaxSessionDuration != c.want || !roleIDRE.MatchString(r.ID) {
				t.Fatalf("role: %+v", r)
			}
		})
	}

	r := must[*identity.Principal](t)(e.svc.CreateRole(ctx(t), e.root, identity.RoleInput{
		Name: "app", Path: "/svc/", AssumeRolePolicy: trust, Description: "the app",
	}))
	if r.ARN() != "arn:aws:iam::123456789012:role/svc/app" || r.AssumeRolePolicy != trust || r.Description != "the app" {
		t.Fatalf("role: %+v", r)
	}
	_, err := e.svc.CreateRole(ctx(t), e.root, identity.RoleInput{Name: "app", AssumeRolePolicy: trust})
	wantErr(t, err, errs.AlreadyExists, "Role with name app already exists.")
	_, err = e.svc.GetRole(ctx(t), e.root, "nope")
	wantErr(t, err, errs.NotFound, "The role with name nope cannot be found.")

	for _, c := range []struct{ name, doc string }{
		{"not-json", `{"Statement":`},
		{"identity-policy", allowDecrypt},
		{"no-principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`},
		{"resource", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole","Resource":"*"}]}`},
	} {
		t.Run("fail/trust-"+c.name, func(t *testing.T) {
			_, err := e.svc.CreateRole(ctx(t), e.root, identity.RoleInput{Name: "bad", AssumeRolePolicy: c.doc})
			wantErr(t, err, errs.MalformedPolicy, "")
			wantErr(t, e.svc.UpdateAssumeRolePolicy(ctx(t), e.root, "app", c.doc), errs.MalformedPolicy, "")
		})
	}
	_, err = e.svc.CreateRole(ctx(t), e.root, identity.RoleInput{Name: "bad"})
	wantErr(t, err, errs.Validation, "")
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"` + strings.Repeat("x", 2100) + `"}}}]}`
	_, err = e.svc.CreateRole(ctx(t), e.root, identity.RoleInput{Name: "big", AssumeRolePolicy: big})
	wantErr(t, err, errs.LimitExceeded, "Cannot exceed quota for ACLSizePerRole: 2048")

	other := trustFor("*")
	mustOK(t, e.svc.UpdateAssumeRolePolicy(ctx(t), e.root, "app", other))
	if got := must[*identity.Principal](t)(e.svc.GetRole(ctx(t), e.root, "app")); got.AssumeRolePolicy != other {
		t.Fatalf("trust policy after update: %s", got.AssumeRolePolicy)
	}
	roles, _, err := e.svc.ListRoles(ctx(t), e.root, "/svc/", identity.Page{})
	if err != nil || len(roles) != 1 || roles[0].Name != "app" {
		t.Fatalf("ListRoles /svc/: %v, %v", err, roles)
	}

	mustOK(t, e.svc.PutInlinePolicy(ctx(t), e.root, identity.KindRole, "app", "p", allowDecrypt))
	wantErr(t, e.svc.DeleteRole(ctx(t), e.root, "app"), errs.DeleteConflict, "Cannot delete entity, must delete policies first.")
	mustOK(t, e.svc.DeleteInlinePolicy(ctx(t), e.root, identity.KindRole, "app", "p"))
	mustOK(t, e.svc.DeleteRole(ctx(t), e.root, "app"))
	_, err = e.svc.GetRole(ctx(t), e.root, "app")
	wantErr(t, err, errs.NotFound, "The role with name app cannot be found.")
}

// Trust policies bind the users and roles they name to unique IDs, as AWS
// does: a user deleted and re-created with the same name is no longer
// trusted, and the policy shows the old, bare ID.
func TestTrustPolicyBindsUniqueIDs(t *testing.T) {
	e := newEnv(t)
	bob, bobCaller := e.userCaller(t, "bob")
	bobARN := "arn:aws:iam::123456789012:user/bob"
	e.createRole(t, "app", bobARN)

	stored, err := e.store.PrincipalByName(ctx(t), account, identity.KindRole, "app")
	mustOK(t, err)
	if !strings.Contains(stored.AssumeRolePolicy, `"`+bob.ID+`"`) || strings.Contains(stored.AssumeRolePolicy, bobARN) {
		t.Fatalf("stored trust policy does not name bob by ID: %s", stored.AssumeRolePolicy)
	}
	shown := must[*identity.Principal](t)(e.svc.GetRole(ctx(t), e.root, "app"))
	if shown.AssumeRolePolicy != trustFor(bobARN) {
		t.Fatalf("GetRole shows %s, want the ARN", shown.AssumeRolePolicy)
	}
	e.assume(t, bobCaller, "arn:aws:iam::123456789012:role/app", "s1")

	// Delete bob (his key first) and create him again.
	keys := must[[]*identity.AccessKey](t)(e.svc.ListUserAccessKeys(ctx(t), e.root, "bob"))
	mustOK(t, e.svc.DeleteUserAccessKey(ctx(t), e.root, "bob", keys[0].ID))
	mustOK(t, e.svc.DeleteUser(ctx(t), e.root, "bob"))
	shown = must[*identity.Principal](t)(e.svc.GetRole(ctx(t), e.root, "app"))
	if shown.AssumeRolePolicy != trustFor(bob.ID) {
		t.Fatalf("GetRole after bob's deletion shows %s, want his bare ID", shown.AssumeRolePolicy)
	}
	_, newBob := e.userCaller(t, "bob")
	_, err = e.svc.AssumeRole(ctx(t), newBob, identity.AssumeRoleInput{RoleARN: "arn:aws:iam::123456789012:role/app", SessionName: "s2"})
	wantErr(t, err, errs.AccessDenied,
		"User: arn:aws:iam::123456789012:user/bob is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/app")

	// A trust policy naming a principal that does not exist is refused.
	_, err = e.svc.CreateRole(ctx(t), e.root, identity.RoleInput{Name: "x", AssumeRolePolicy: trustFor("arn:aws:iam::123456789012:role/ghost")})
	wantErr(t, err, errs.MalformedPolicy, `Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:role/ghost"`)
}

func TestAccessKeys(t *testing.T) {
	e := newEnv(t)
	e.createUser(t, "carol")
	k1, s1 := must2(t)(e.svc.CreateUserAccessKey(ctx(t), e.root, "carol"))
	k2, _ := must2(t)(e.svc.CreateUserAccessKey(ctx(t), e.root, "carol"))
	if !akiaRE.MatchString(k1.ID) || len(s1) != 40 || k1.User != "carol" || k1.Status != "Active" {
		t.Fatalf("access key %+v, secret of %d characters", k1, len(s1))
	}
	_, _, err := e.svc.CreateUserAccessKey(ctx(t), e.root, "carol")
	wantErr(t, err, errs.LimitExceeded, "Cannot exceed quota for AccessKeysPerUser: 2")
	_, _, err = e.svc.CreateUserAccessKey(ctx(t), e.root, "nobody")
	wantErr(t, err, errs.NotFound, "The user with name nobody cannot be found.")

	keys := must[[]*identity.AccessKey](t)(e.svc.ListUserAccessKeys(ctx(t), e.root, "carol"))
	if len(keys) != 2 || !slices.ContainsFunc(keys, func(k *identity.AccessKey) bool { return k.ID == k1.ID }) ||
		!slices.ContainsFunc(keys, func(k *identity.AccessKey) bool { return k.ID == k2.ID }) {
		t.Fatalf("ListUserAccessKeys: %v", keys)
	}

	cred := must[*identity.Credential](t)(e.svc.Lookup(ctx(t), k1.ID))
	if string(cred.Secret) != s1 {
		t.Fatal("Lookup returned another secret")
	}
	mustOK(t, e.svc.UpdateAccessKey(ctx(t), e.root, "carol", k1.ID, "Inactive"))
	_, err = e.svc.Lookup(ctx(t), k1.ID)
	wantErr(t, err, errs.NotFound, "")
	mustOK(t, e.svc.UpdateAccessKey(ctx(t), e.root, "carol", k1.ID, "Active"))
	must[*identity.Credential](t)(e.svc.Lookup(ctx(t), k1.ID))
	wantErr(t, e.svc.UpdateAccessKey(ctx(t), e.root, "carol", k1.ID, "Disabled"), errs.Validation, "")

	// A key is found only under its own user.
	e.createUser(t, "dave")
	wantErr(t, e.svc.UpdateAccessKey(ctx(t), e.root, "dave", k1.ID, "Inactive"), errs.NotFound,
		"The Access Key with id "+k1.ID+" cannot be found.")
	wantErr(t, e.svc.DeleteUserAccessKey(ctx(t), e.root, "", k1.ID), errs.NotFound, "")

	mustOK(t, e.svc.DeleteUserAccessKey(ctx(t), e.root, "carol", k1.ID))
	_, err = e.svc.Lookup(ctx(t), k1.ID)
	wantErr(t, err, errs.NotFound, "")

	// UserName "" is the caller: the root's own keys, or an IAM user's.
	rk, _ := must2(t)(e.svc.CreateUserAccessKey(ctx(t), e.root, ""))
	if rk.User != "" || rk.UserID != "" {
		t.Fatalf("root key: %+v", rk)
	}
	_, erin := e.userCaller(t, "erin")
	own, _ := must2(t)(e.svc.CreateUserAccessKey(ctx(t), erin, ""))
	if own.User != "erin" {
		t.Fatalf("a user's own key belongs to %q", own.User)
	}
	e.createRole(t, "r", "arn:aws:iam::123456789012:user/erin")
	_, session := e.assume(t, erin, "arn:aws:iam::123456789012:role/r", "s0")
	_, _, err = e.svc.CreateUserAccessKey(ctx(t), session, "")
	wantErr(t, err, errs.Validation, "Must specify userName when calling with non-User credentials")
}

func TestInlinePolicies(t *testing.T) {
	e := newEnv(t)
	e.createUser(t, "ivy")
	e.createRole(t, "svc", "123456789012")
	for _, kind := range []string{identity.KindUser, identity.KindRole} {
		name := map[string]string{identity.KindUser: "ivy", identity.KindRole: "svc"}[kind]
		t.Run(kind, func(t *testing.T) {
			for _, p := range []string{"b", "a", "c"} {
				mustOK(t, e.svc.PutInlinePolicy(ctx(t), e.root, kind, name, p, allowDecrypt))
			}
			mustOK(t, e.svc.PutInlinePolicy(ctx(t), e.root, kind, name, "a", allowEncrypt))
			got := must[*identity.InlinePolicy](t)(e.svc.GetInlinePolicy(ctx(t), e.root, kind, name, "a"))
			if got.Document != allowEncrypt {
				t.Fatalf("GetInlinePolicy after replace: %s", got.Document)
			}
			page, next, err := e.svc.ListInlinePolicies(ctx(t), e.root, kind, name, identity.Page{MaxItems: 2})
			mustOK(t, err)
			rest, last, err := e.svc.ListInlinePolicies(ctx(t), e.root, kind, name, identity.Page{Marker: next, MaxItems: 2})
			mustOK(t, err)
			if !slices.Equal(page, []string{"a", "b"}) || !slices.Equal(rest, []string{"c"}) || last != "" {
				t.Fatalf("ListInlinePolicies pages: %v (%q), %v (%q)", page, next, rest, last)
			}
			mustOK(t, e.svc.DeleteInlinePolicy(ctx(t), e.root, kind, name, "b"))
			_, err = e.svc.GetInlinePolicy(ctx(t), e.root, kind, name, "b")
			wantErr(t, err, errs.NotFound, fmt.Sprintf("The %s policy with name b cannot be found.", kind))
			wantErr(t, e.svc.DeleteInlinePolicy(ctx(t), e.root, kind, name, "b"), errs.NotFound, "")
		})
	}

	wantErr(t, e.svc.PutInlinePolicy(ctx(t), e.root, identity.KindUser, "ivy", "p", trustFor("*")), errs.MalformedPolicy,
		"Policy document should not specify a principal.")
	wantErr(t, e.svc.PutInlinePolicy(ctx(t), e.root, identity.KindUser, "ivy", "p", "not json"), errs.MalformedPolicy, "")
	wantErr(t, e.svc.PutInlinePolicy(ctx(t), e.root, identity.KindUser, "nobody", "p", allowDecrypt), errs.NotFound,
		"The user with name nobody cannot be found.")

	// Quotas count characters other than white space, over all of a
	// principal's inline policies: 2048 for a user, 10240 for a role.
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:us-east-1:123456789012:key/` + strings.Repeat("k", 1500) + `"}]}`
	mustOK(t, e.svc.PutInlinePolicy(ctx(t), e.root, identity.KindUser, "ivy", "big", big))
	wantErr(t, e.svc.PutInlinePolicy(ctx(t), e.root, identity.KindUser, "ivy", "big2", big), errs.LimitExceeded,
		"Maximum policy size of 2048 bytes exceeded for user ivy")
	mustOK(t, e.svc.PutInlinePolicy(ctx(t), e.root, identity.KindUser, "ivy", "big", big)) // replacing is not adding
	mustOK(t, e.svc.PutInlinePolicy(ctx(t), e.root, identity.KindRole, "svc", "big", big))
	mustOK(t, e.svc.PutInlinePolicy(ctx(t), e.root, identity.KindRole, "svc", "big2", big))
}

func TestManagedPolicies(t *testing.T) {
	e := newEnv(t)
	mp := must[*identity.ManagedPolicy](t)(e.svc.CreateManagedPolicy(ctx(t), e.root, "KeyUsers", "/team/", "for key users", allowDecrypt))
	if !policyIDRE.MatchString(mp.ID) || mp.ARN() != "arn:aws:iam::123456789012:policy/team/KeyUsers" || mp.DefaultVersion != "v1" {
		t.Fatalf("managed policy: %+v", mp)
	}
	_, err := e.svc.CreateManagedPolicy(ctx(t), e.root, "KeyUsers", "/other/", "", allowDecrypt)
	wantErr(t, err, errs.AlreadyExists, "A policy called KeyUsers already exists. Duplicate names are not allowed.")
	_, err = e.svc.CreateManagedPolicy(ctx(t), e.root, "bad", "", "", trustFor("*"))
	wantErr(t, err, errs.MalformedPolicy, "")

	e.createUser(t, "u")
	e.createRole(t, "r", "123456789012")
	mustOK(t, e.svc.AttachPolicy(ctx(t), e.root, identity.KindUser, "u", mp.ARN()))
	mustOK(t, e.svc.AttachPolicy(ctx(t), e.root, identity.KindUser, "u", mp.ARN())) // again: no error
	mustOK(t, e.svc.AttachPolicy(ctx(t), e.root, identity.KindRole, "r", mp.ARN()))
	got, n, err := e.svc.GetManagedPolicy(ctx(t), e.root, mp.ARN())
	if err != nil || n != 2 || got.ID != mp.ID {
		t.Fatalf("GetManagedPolicy: %v, %d attachments, %+v", err, n, got)
	}
	v, isDefault, err := e.svc.GetPolicyVersion(ctx(t), e.root, mp.ARN(), "v1")
	if err != nil || !isDefault || v.Document != allowDecrypt {
		t.Fatalf("GetPolicyVersion: %v, %v, %+v", err, isDefault, v)
	}
	_, _, err = e.svc.GetPolicyVersion(ctx(t), e.root, mp.ARN(), "v2")
	wantErr(t, err, errs.NotFound, "Policy arn:aws:iam::123456789012:policy/team/KeyUsers version v2 does not exist or is not attachable.")

	missing := "arn:aws:iam::123456789012:policy/x"
	_, _, err = e.svc.GetManagedPolicy(ctx(t), e.root, missing)
	wantErr(t, err, errs.NotFound, "Policy arn:aws:iam::123456789012:policy/x does not exist or is not attachable.")
	wantErr(t, e.svc.AttachPolicy(ctx(t), e.root, identity.KindUser, "u", missing), errs.NotFound,
		"Policy arn:aws:iam::123456789012:policy/x does not exist or is not attachable.")
	wantErr(t, e.svc.AttachPolicy(ctx(t), e.root, identity.KindUser, "u", "arn:aws:iam::123:policy/x"), errs.Validation, "")
	wantErr(t, e.svc.DetachPolicy(ctx(t), e.root, identity.KindRole, "r", missing), errs.NotFound,
		"Policy arn:aws:iam::123456789012:policy/x was not found.")

	// At most 10 managed policies per user or role.
	var arns []string
	for i := range 9 {
		p := must[*identity.ManagedPolicy](t)(e.svc.CreateManagedPolicy(ctx(t), e.root, fmt.Sprintf("p%d", i), "", "", allowDecrypt))
		mustOK(t, e.svc.AttachPolicy(ctx(t), e.root, identity.KindUser, "u", p.ARN()))
		arns = append(arns, p.ARN())
	}
	extra := must[*identity.ManagedPolicy](t)(e.svc.CreateManagedPolicy(ctx(t), e.root, "extra", "", "", allowDecrypt))
	wantErr(t, e.svc.AttachPolicy(ctx(t), e.root, identity.KindUser, "u", extra.ARN()), errs.LimitExceeded,
		"Cannot exceed quota for PoliciesPerUser: 10")

	var listed []string
	for marker := ""; ; {
		page, next, err := e.svc.ListAttachedPolicies(ctx(t), e.root, identity.KindUser, "u", identity.Page{Marker: marker, MaxItems: 4})
		mustOK(t, err)
		for _, p := range page {
			listed = append(listed, p.ARN())
		}
		if next == "" {
			break
		}
		marker = next
	}
	want := append(arns, mp.ARN())
	slices.Sort(want)
	if !slices.Equal(listed, want) {
		t.Fatalf("ListAttachedPolicies: %v, want %v", listed, want)
	}
}

// Every operation asks the Authorizer, with IAM's action and the resource's
// ARN, before it changes or reveals anything.
func TestAuthorizationIsAsked(t *testing.T) {
	rec := &recorder{}
	e := newEnv(t, func(c *identity.Config) { c.Authorizer = rec })
	u := "arn:aws:iam::123456789012:user/team/alice"
	r := "arn:aws:iam::123456789012:role/app"
	p := "arn:aws:iam::123456789012:policy/pol"
	var keyID string
	steps := []struct {
		action, resource string
		do               func() error
	}{
		{"iam:CreateUser", u, func() error { _, err := e.svc.CreateUser(ctx(t), e.root, "alice", "/team/"); return err }},
		{"iam:GetUser", u, func() error { _, err := e.svc.GetUser(ctx(t), e.root, "alice"); return err }},
		{"iam:ListUsers", "arn:aws:iam::123456789012:user/team/*", func() error {
			_, _, err := e.svc.ListUsers(ctx(t), e.root, "/team/", identity.Page{})
			return err
		}},
		{"iam:CreateAccessKey", u, func() error {
			k, _, err := e.svc.CreateUserAccessKey(ctx(t), e.root, "alice")
			if k != nil {
				keyID = k.ID
			}
			return err
		}},
		{"iam:ListAccessKeys", u, func() error { _, err := e.svc.ListUserAccessKeys(ctx(t), e.root, "alice"); return err }},
		{"iam:UpdateAccessKey", u, func() error { return e.svc.UpdateAccessKey(ctx(t), e.root, "alice", keyID, "Inactive") }},
		{"iam:DeleteAccessKey", u, func() error { return e.svc.DeleteUserAccessKey(ctx(t), e.root, "alice", keyID) }},
		{"iam:CreateRole", r, func() error {
			_, err := e.svc.CreateRole(ctx(t), e.root, identity.RoleInput{Name: "app", AssumeRolePolicy: trustFor("123456789012")})
			return err
		}},
		{"iam:GetRole", r, func() error { _, err := e.svc.GetRole(ctx(t), e.root, "app"); return err }},
		{"iam:UpdateAssumeRolePolicy", r, func() error { return e.svc.UpdateAssumeRolePolicy(ctx(t), e.root, "app", trustFor("*")) }},
		{"iam:PutRolePolicy", r, func() error {
			return e.svc.PutInlinePolicy(ctx(t), e.root, identity.KindRole, "app", "x", allowDecrypt)
		}},
		{"iam:PutUserPolicy", u, func() error {
			return e.svc.PutInlinePolicy(ctx(t), e.root, identity.KindUser, "alice", "x", allowDecrypt)
		}},
		{"iam:GetRolePolicy", r, func() error {
			_, err := e.svc.GetInlinePolicy(ctx(t), e.root, identity.KindRole, "app", "x")
			return err
		}},
		{"iam:ListUserPolicies", u, func() error {
			_, _, err := e.svc.ListInlinePolicies(ctx(t), e.root, identity.KindUser, "alice", identity.Page{})
			return err
		}},
		{"iam:DeleteRolePolicy", r, func() error { return e.svc.DeleteInlinePolicy(ctx(t), e.root, identity.KindRole, "app", "x") }},
		{"iam:DeleteUserPolicy", u, func() error { return e.svc.DeleteInlinePolicy(ctx(t), e.root, identity.KindUser, "alice", "x") }},
		{"iam:CreatePolicy", p, func() error {
			_, err := e.svc.CreateManagedPolicy(ctx(t), e.root, "pol", "", "", allowDecrypt)
			return err
		}},
		{"iam:GetPolicy", p, func() error { _, _, err := e.svc.GetManagedPolicy(ctx(t), e.root, p); return err }},
		{"iam:GetPolicyVersion", p, func() error { _, _, err := e.svc.GetPolicyVersion(ctx(t), e.root, p, "v1"); return err }},
		{"iam:AttachRolePolicy", r, func() error { return e.svc.AttachPolicy(ctx(t), e.root, identity.KindRole, "app", p) }},
		{"iam:ListAttachedRolePolicies", r, func() error {
			_, _, err := e.svc.ListAttachedPolicies(ctx(t), e.root, identity.KindRole, "app", identity.Page{})
			return err
		}},
		{"iam:DetachRolePolicy", r, func() error { return e.svc.DetachPolicy(ctx(t), e.root, identity.KindRole, "app", p) }},
		{"iam:DeleteRole", r, func() error { return e.svc.DeleteRole(ctx(t), e.root, "app") }},
		{"iam:DeleteUser", u, func() error { return e.svc.DeleteUser(ctx(t), e.root, "alice") }},
	}
	for _, st := range steps {
		t.Run(st.action, func(t *testing.T) {
			// Denied first: nothing happens.
			rec.deny = func(a string) bool { return a == st.action }
			wantErr(t, st.do(), errs.AccessDenied, "")
			rec.deny = nil
			rec.reset()
			if err := st.do(); err != nil {
				t.Fatalf("%s: %v", st.action, err)
			}
			found := slices.ContainsFunc(rec.calls, func(c call) bool {
				return c.action == st.action && c.r.ARN == st.resource && c.r.Account == account
			})
			if !found {
				t.Fatalf("Authorizer was asked %+v, want %s on %s", rec.calls, st.action, st.resource)
			}
		})
	}
	// Without a caller, nothing is allowed.
	_, err := e.svc.CreateUser(ctx(t), nil, "x", "")
	wantErr(t, err, errs.AccessDenied, "")
	_, err = e.svc.AssumeRole(ctx(t), (*authz.Caller)(nil), identity.AssumeRoleInput{})
	wantErr(t, err, errs.AccessDenied, "")
}
