package storagetest

import (
	"encoding/base32"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/identity"
)

var principalTests = []test{
	{"create-get", testPrincipalCreateGet},
	{"not-found", testPrincipalNotFound},
	{"duplicate", testPrincipalDuplicate},
	{"delete-keeps-tombstone", testPrincipalDeleteTombstone},
	{"recreate-same-name", testPrincipalRecreate},
	{"list", testPrincipalList},
	{"update", testPrincipalUpdate},
	{"delete-conflict", testPrincipalDeleteConflict},
}

// randUniqueID returns a unique ID in AWS's form: a 4-character prefix and
// 17 characters of [A-Z2-7].
func randUniqueID(t *testing.T, prefix string) string {
	return prefix + base32.StdEncoding.EncodeToString(randBytes(t, 11))[:17]
}

const trustDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"AIDAEXAMPLEEXAMPLE12"},"Action":"sts:AssumeRole"}]}`

func newUser(t *testing.T, account, name string) *identity.Principal {
	return &identity.Principal{
		ID: randUniqueID(t, "AIDA"), Account: account, Kind: identity.KindUser,
		Name: name, Path: "/", Created: base,
	}
}

func newRole(t *testing.T, account, name string) *identity.Principal {
	return &identity.Principal{
		ID: randUniqueID(t, "AROA"), Account: account, Kind: identity.KindRole,
		Name: name, Path: "/", Created: base,
		AssumeRolePolicy: trustDoc, MaxSessionDuration: 3600, Description: "role " + name,
	}
}

func createPrincipal(t *testing.T, s Stores, p *identity.Principal) *identity.Principal {
	t.Helper()
	if err := s.CreatePrincipal(ctx(t), p); err != nil {
		t.Fatalf("CreatePrincipal %s %s: %v", p.Kind, p.Name, err)
	}
	return p
}

func getPrincipal(t *testing.T, s Stores, id string) *identity.Principal {
	t.Helper()
	p, err := s.GetPrincipal(ctx(t), id)
	if err != nil {
		t.Fatalf("GetPrincipal %s: %v", id, err)
	}
	return p
}

// ids returns the IDs of principals, in order.
func ids(ps []*identity.Principal) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func testPrincipalCreateGet(t *testing.T, s Stores) {
	account := randAccount(t)
	u := newUser(t, account, "Alice.O_b=+,.@-1")
	u.Path = "/dev/team-1/"
	u.Created = base.Add(1500 * time.Millisecond).In(time.FixedZone("CET", 3600))
	r := newRole(t, account, "app-fn")
	r.MaxSessionDuration = 43200
	r.Description = "Lambda exécution rôle\twith tabs"
	for _, p := range []*identity.Principal{u, r} {
		createPrincipal(t, s, p)
		same(t, "GetPrincipal", p, getPrincipal(t, s, p.ID))
		got, err := s.PrincipalByName(ctx(t), account, p.Kind, p.Name)
		if err != nil {
			t.Fatalf("PrincipalByName: %v", err)
		}
		same(t, "PrincipalByName", p, got)
		// Names compare without regard to case, as IAM's do.
		got, err = s.PrincipalByName(ctx(t), account, p.Kind, strings.ToUpper(p.Name))
		if err != nil {
			t.Fatalf("PrincipalByName in upper case: %v", err)
		}
		same(t, "PrincipalByName in upper case", p, got)
	}
}

func testPrincipalNotFound(t *testing.T, s Stores) {
	account := randAccount(t)
	u := createPrincipal(t, s, newUser(t, account, "bob"))
	_, err := s.GetPrincipal(ctx(t), randUniqueID(t, "AIDA"))
	wantCode(t, err, errs.NotFound, "GetPrincipal of an unknown ID")
	for _, c := range []struct{ name, account, kind, principal string }{
		{"unknown-name", account, identity.KindUser, "carol"},
		{"other-kind", account, identity.KindRole, "bob"},
		{"other-account", randAccount(t), identity.KindUser, "bob"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.PrincipalByName(ctx(t), c.account, c.kind, c.principal)
			wantCode(t, err, errs.NotFound, "PrincipalByName")
			l, err := s.PrincipalsByARN(ctx(t), c.account, c.kind, "/", c.principal)
			if err != nil || len(l) != 0 {
				t.Fatalf("PrincipalsByARN: %v, %d principals", err, len(l))
			}
		})
	}
	ghost := newUser(t, account, "ghost")
	wantCode(t, s.UpdatePrincipal(ctx(t), ghost), errs.NotFound, "UpdatePrincipal of an unknown ID")
	wantCode(t, s.DeletePrincipal(ctx(t), ghost.ID, base), errs.NotFound, "DeletePrincipal of an unknown ID")
	same(t, "principal after misses", u, getPrincipal(t, s, u.ID))
}

func testPrincipalDuplicate(t *testing.T, s Stores) {
	account := randAccount(t)
	u := createPrincipal(t, s, newUser(t, account, "dup"))

	for _, c := range []struct {
		name string
		p    *identity.Principal
	}{
		{"same-name", newUser(t, account, "dup")},
		{"same-name-other-case", newUser(t, account, "DUP")},
		{"same-id-other-account", func() *identity.Principal {
			p := newUser(t, randAccount(t), "other")
			p.ID = u.ID
			return p
		}()},
		{"same-id-as-role", func() *identity.Principal {
			p := newRole(t, account, "other")
			p.ID = u.ID
			return p
		}()},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantCode(t, s.CreatePrincipal(ctx(t), c.p), errs.AlreadyExists, "CreatePrincipal")
			if c.p.ID != u.ID {
				_, err := s.GetPrincipal(ctx(t), c.p.ID)
				wantCode(t, err, errs.NotFound, "GetPrincipal after a failed create")
			}
		})
	}
	same(t, "principal after failed duplicates", u, getPrincipal(t, s, u.ID))

	// A role may share a user's name; another account may use it too.
	createPrincipal(t, s, newRole(t, account, "dup"))
	createPrincipal(t, s, newUser(t, randAccount(t), "dup"))
}

func testPrincipalDeleteTombstone(t *testing.T, s Stores) {
	account := randAccount(t)
	r := newRole(t, account, "app")
	r.Path = "/svc/"
	createPrincipal(t, s, r)
	r2 := createPrincipal(t, s, newRole(t, account, "keep"))

	at := base.Add(48 * time.Hour).In(time.FixedZone("PST", -8*3600))
	if err := s.DeletePrincipal(ctx(t), r.ID, at); err != nil {
		t.Fatalf("DeletePrincipal: %v", err)
	}
	got := getPrincipal(t, s, r.ID)
	want := *r
	want.Deleted = at
	same(t, "deleted principal", &want, got)

	_, err := s.PrincipalByName(ctx(t), account, identity.KindRole, "app")
	wantCode(t, err, errs.NotFound, "PrincipalByName of a deleted principal")
	byARN, err := s.PrincipalsByARN(ctx(t), account, identity.KindRole, "/svc/", "app")
	if err != nil || len(byARN) != 1 {
		t.Fatalf("PrincipalsByARN after delete: %v, %d principals", err, len(byARN))
	}
	same(t, "PrincipalsByARN tombstone", &want, byARN[0])

	wantCode(t, s.DeletePrincipal(ctx(t), r.ID, at), errs.NotFound, "DeletePrincipal twice")
	upd := *got
	upd.Description = "revived?"
	wantCode(t, s.UpdatePrincipal(ctx(t), &upd), errs.NotFound, "UpdatePrincipal of a deleted principal")
	same(t, "tombstone after update attempt", &want, getPrincipal(t, s, r.ID))

	list, err := s.ListPrincipals(ctx(t), account, identity.KindRole, "/", "", 0)
	if err != nil || !slices.Equal(ids(list), []string{r2.ID}) {
		t.Fatalf("ListPrincipals after delete: %v, %v, want [%s]", err, ids(list), r2.ID)
	}
}

// The re-created-role trap: a principal deleted and created again with the
// same name is a new record with a new ID; the old one stays reachable.
func testPrincipalRecreate(t *testing.T, s Stores) {
	account := randAccount(t)
	first := createPrincipal(t, s, newRole(t, account, "app"))
	if err := s.DeletePrincipal(ctx(t), first.ID, base.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	second := newRole(t, account, "app")
	second.Created = base.Add(2 * time.Hour)
	second.Description = "second"
	createPrincipal(t, s, second)

	got, err := s.PrincipalByName(ctx(t), account, identity.KindRole, "app")
	if err != nil {
		t.Fatalf("PrincipalByName: %v", err)
	}
	same(t, "re-created principal", second, got)
	if old := getPrincipal(t, s, first.ID); old.Deleted.IsZero() || old.Description != first.Description {
		t.Fatalf("the first principal changed: %+v", old)
	}

	// Deleted again, created a third time on another path.
	if err := s.DeletePrincipal(ctx(t), second.ID, base.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	third := newRole(t, account, "app")
	third.Created = base.Add(4 * time.Hour)
	third.Path = "/other/"
	createPrincipal(t, s, third)

	byARN, err := s.PrincipalsByARN(ctx(t), account, identity.KindRole, "/", "app")
	if err != nil {
		t.Fatalf("PrincipalsByARN: %v", err)
	}
	if want := []string{second.ID, first.ID}; !slices.Equal(ids(byARN), want) {
		t.Fatalf("PrincipalsByARN(/app): %v, want newest first %v", ids(byARN), want)
	}
	byARN, err = s.PrincipalsByARN(ctx(t), account, identity.KindRole, "/other/", "app")
	if err != nil || !slices.Equal(ids(byARN), []string{third.ID}) {
		t.Fatalf("PrincipalsByARN(/other/app): %v, %v", err, ids(byARN))
	}
}

func testPrincipalList(t *testing.T, s Stores) {
	account := randAccount(t)
	type fixture struct{ name, path string }
	var all []*identity.Principal
	for _, f := range []fixture{
		{"erin", "/a/"}, {"alice", "/"}, {"dave", "/a/b/"}, {"carol", "/ab/"}, {"bob", "/a/"}, {"frank", "/"},
	} {
		p := newUser(t, account, f.name)
		p.Path = f.path
		all = append(all, createPrincipal(t, s, p))
	}
	gone := createPrincipal(t, s, newUser(t, account, "aaron"))
	if err := s.DeletePrincipal(ctx(t), gone.ID, base); err != nil {
		t.Fatal(err)
	}
	createPrincipal(t, s, newRole(t, account, "alpha"))
	createPrincipal(t, s, newUser(t, randAccount(t), "amy"))

	names := func(ps []*identity.Principal) []string {
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = p.Name
		}
		return out
	}
	for _, c := range []struct {
		name, prefix, after string
		limit               int
		want                []string
	}{
		{"all", "/", "", 0, []string{"alice", "bob", "carol", "dave", "erin", "frank"}},
		{"prefix", "/a/", "", 0, []string{"bob", "dave", "erin"}},
		{"prefix-deeper", "/a/b/", "", 0, []string{"dave"}},
		{"prefix-partial-segment", "/a", "", 0, []string{"bob", "carol", "dave", "erin"}},
		{"no-match", "/zzz/", "", 0, nil},
		{"page-1", "/", "", 2, []string{"alice", "bob"}},
		{"page-2", "/", "bob", 2, []string{"carol", "dave"}},
		{"page-last", "/", "dave", 10, []string{"erin", "frank"}},
		{"after-missing-name", "/", "bz", 2, []string{"carol", "dave"}},
		{"after-end", "/", "frank", 2, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.ListPrincipals(ctx(t), account, identity.KindUser, c.prefix, c.after, c.limit)
			if err != nil {
				t.Fatalf("ListPrincipals: %v", err)
			}
			if !slices.Equal(names(got), c.want) {
				t.Fatalf("ListPrincipals(%q, after %q, %d): %v, want %v", c.prefix, c.after, c.limit, names(got), c.want)
			}
		})
	}
	got, err := s.ListPrincipals(ctx(t), account, identity.KindUser, "/", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range got {
		i := slices.IndexFunc(all, func(q *identity.Principal) bool { return q.ID == p.ID })
		same(t, "listed principal", all[i], p)
	}
}

func testPrincipalUpdate(t *testing.T, s Stores) {
	account := randAccount(t)
	r := createPrincipal(t, s, newRole(t, account, "svc"))
	createPrincipal(t, s, newRole(t, account, "taken"))

	upd := *r
	upd.Name, upd.Path = "svc-renamed", "/moved/"
	upd.AssumeRolePolicy = strings.Replace(trustDoc, "AIDAEXAMPLEEXAMPLE12", "*", 1)
	upd.MaxSessionDuration = 7200
	upd.Description = ""
	// Immutable fields are ignored.
	upd.Created = base.Add(time.Hour)
	if err := s.UpdatePrincipal(ctx(t), &upd); err != nil {
		t.Fatalf("UpdatePrincipal: %v", err)
	}
	want := upd
	want.Created = r.Created
	same(t, "updated principal", &want, getPrincipal(t, s, r.ID))
	if _, err := s.PrincipalByName(ctx(t), account, identity.KindRole, "svc"); !errs.Is(err, errs.NotFound) {
		t.Fatalf("PrincipalByName of the old name: %v, want NotFound", err)
	}

	clash := want
	clash.Name = "TAKEN"
	wantCode(t, s.UpdatePrincipal(ctx(t), &clash), errs.AlreadyExists, "UpdatePrincipal to a taken name")
	same(t, "principal after a failed rename", &want, getPrincipal(t, s, r.ID))
}

// The store refuses to delete a principal that still has policies or keys,
// whatever the domain checked before.
func testPrincipalDeleteConflict(t *testing.T, s Stores) {
	account := randAccount(t)
	u := createPrincipal(t, s, newUser(t, account, "busy"))
	mp := createManagedPolicy(t, s, account, "/", "busy-policy")

	if err := s.PutInlinePolicy(ctx(t), &identity.InlinePolicy{PrincipalID: u.ID, Name: "p", Document: identityDoc}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DeletePrincipal(ctx(t), u.ID, base), errs.DeleteConflict, "DeletePrincipal with an inline policy")
	if err := s.DeleteInlinePolicy(ctx(t), u.ID, "p"); err != nil {
		t.Fatal(err)
	}

	if err := s.AttachPolicy(ctx(t), u.ID, mp.ARN()); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DeletePrincipal(ctx(t), u.ID, base), errs.DeleteConflict, "DeletePrincipal with an attached policy")
	if err := s.DetachPolicy(ctx(t), u.ID, mp.ARN()); err != nil {
		t.Fatal(err)
	}

	k := newAccessKey(t, account, u.Name, base)
	k.UserID = u.ID
	if err := s.CreateAccessKey(ctx(t), k); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DeletePrincipal(ctx(t), u.ID, base), errs.DeleteConflict, "DeletePrincipal with an access key")
	if err := s.DeleteAccessKey(ctx(t), k.ID); err != nil {
		t.Fatal(err)
	}

	if got := getPrincipal(t, s, u.ID); !got.Deleted.IsZero() {
		t.Fatal("a refused deletion marked the principal deleted")
	}
	if err := s.DeletePrincipal(ctx(t), u.ID, base); err != nil {
		t.Fatalf("DeletePrincipal once clean: %v", err)
	}
}
