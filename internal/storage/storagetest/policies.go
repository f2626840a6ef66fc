package storagetest

import (
	"slices"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/identity"
)

var policyTests = []test{
	{"inline", testInlinePolicies},
	{"inline-missing-principal", testInlineMissingPrincipal},
	{"managed-create-get", testManagedCreateGet},
	{"managed-duplicate", testManagedDuplicate},
	{"managed-update", testManagedUpdate},
	{"managed-list", testManagedList},
	{"managed-delete", testManagedDelete},
	{"attachments", testAttachments},
}

const identityDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}`

func newManagedPolicy(t *testing.T, account, path, name string) *identity.ManagedPolicy {
	return &identity.ManagedPolicy{
		ID: randUniqueID(t, "ANPA"), Account: account, Name: name, Path: path,
		Description: "policy " + name, DefaultVersion: "v1", Created: base, Updated: base,
		Versions: []identity.PolicyVersion{{ID: "v1", Document: identityDoc, Created: base}},
	}
}

func createManagedPolicy(t *testing.T, s Stores, account, path, name string) *identity.ManagedPolicy {
	t.Helper()
	p := newManagedPolicy(t, account, path, name)
	if err := s.CreateManagedPolicy(ctx(t), p); err != nil {
		t.Fatalf("CreateManagedPolicy %s: %v", name, err)
	}
	return p
}

func getManaged(t *testing.T, s Stores, p *identity.ManagedPolicy) *identity.ManagedPolicy {
	t.Helper()
	got, err := s.GetManagedPolicy(ctx(t), p.Account, p.Path, p.Name)
	if err != nil {
		t.Fatalf("GetManagedPolicy %s: %v", p.Name, err)
	}
	return got
}

func testInlinePolicies(t *testing.T, s Stores) {
	account := randAccount(t)
	u := createPrincipal(t, s, newUser(t, account, "ann"))
	other := createPrincipal(t, s, newRole(t, account, "ann"))

	_, err := s.GetInlinePolicy(ctx(t), u.ID, "none")
	wantCode(t, err, errs.NotFound, "GetInlinePolicy of a missing policy")
	if l, err := s.ListInlinePolicies(ctx(t), u.ID); err != nil || len(l) != 0 {
		t.Fatalf("ListInlinePolicies with none: %v, %d", err, len(l))
	}

	var want []*identity.InlinePolicy
	for _, name := range []string{"zeta", "Alpha", "mid"} {
		p := &identity.InlinePolicy{PrincipalID: u.ID, Name: name, Document: identityDoc}
		if err := s.PutInlinePolicy(ctx(t), p); err != nil {
			t.Fatalf("PutInlinePolicy: %v", err)
		}
		want = append(want, p)
	}
	if err := s.PutInlinePolicy(ctx(t), &identity.InlinePolicy{PrincipalID: other.ID, Name: "zeta", Document: "{}"}); err != nil {
		t.Fatalf("PutInlinePolicy on another principal: %v", err)
	}
	// Put replaces.
	want[1].Document = `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}`
	if err := s.PutInlinePolicy(ctx(t), want[1]); err != nil {
		t.Fatalf("PutInlinePolicy replacing: %v", err)
	}
	got, err := s.GetInlinePolicy(ctx(t), u.ID, "Alpha")
	if err != nil {
		t.Fatalf("GetInlinePolicy: %v", err)
	}
	same(t, "inline policy", want[1], got)

	slices.SortFunc(want, func(a, b *identity.InlinePolicy) int {
		if a.Name < b.Name {
			return -1
		}
		return 1
	})
	list, err := s.ListInlinePolicies(ctx(t), u.ID)
	if err != nil || len(list) != len(want) {
		t.Fatalf("ListInlinePolicies: %v, %d, want %d", err, len(list), len(want))
	}
	for i := range want {
		same(t, "listed inline policy", want[i], list[i])
	}

	if err := s.DeleteInlinePolicy(ctx(t), u.ID, "mid"); err != nil {
		t.Fatalf("DeleteInlinePolicy: %v", err)
	}
	wantCode(t, s.DeleteInlinePolicy(ctx(t), u.ID, "mid"), errs.NotFound, "DeleteInlinePolicy twice")
	_, err = s.GetInlinePolicy(ctx(t), u.ID, "mid")
	wantCode(t, err, errs.NotFound, "GetInlinePolicy after delete")
	if got, err := s.GetInlinePolicy(ctx(t), other.ID, "zeta"); err != nil || got.Document != "{}" {
		t.Fatalf("the other principal's policy: %v, %+v", err, got)
	}
}

func testInlineMissingPrincipal(t *testing.T, s Stores) {
	account := randAccount(t)
	gone := createPrincipal(t, s, newUser(t, account, "gone"))
	if err := s.DeletePrincipal(ctx(t), gone.ID, base); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{randUniqueID(t, "AIDA"), gone.ID} {
		err := s.PutInlinePolicy(ctx(t), &identity.InlinePolicy{PrincipalID: id, Name: "p", Document: identityDoc})
		wantCode(t, err, errs.NotFound, "PutInlinePolicy on a missing or deleted principal")
		if l, err := s.ListInlinePolicies(ctx(t), id); err != nil || len(l) != 0 {
			t.Fatalf("ListInlinePolicies: %v, %d", err, len(l))
		}
	}
}

func testManagedCreateGet(t *testing.T, s Stores) {
	account := randAccount(t)
	p := newManagedPolicy(t, account, "/team/a/", "KeyUsers")
	p.Created = base.In(time.FixedZone("JST", 9*3600))
	p.Updated = base.Add(time.Minute)
	p.DefaultVersion = "v2"
	p.Versions = append(p.Versions, identity.PolicyVersion{ID: "v2", Document: `{"Statement":[]}`, Created: base.Add(time.Minute)})
	if err := s.CreateManagedPolicy(ctx(t), p); err != nil {
		t.Fatalf("CreateManagedPolicy: %v", err)
	}
	same(t, "managed policy", p, getManaged(t, s, p))

	for _, c := range []struct{ name, account, path, policy string }{
		{"other-path", account, "/", p.Name},
		{"other-account", randAccount(t), p.Path, p.Name},
		{"other-name", account, p.Path, "KeyUser"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.GetManagedPolicy(ctx(t), c.account, c.path, c.policy)
			wantCode(t, err, errs.NotFound, "GetManagedPolicy")
		})
	}
}

func testManagedDuplicate(t *testing.T, s Stores) {
	account := randAccount(t)
	p := createManagedPolicy(t, s, account, "/", "dup")
	for _, c := range []struct {
		name string
		p    *identity.ManagedPolicy
	}{
		{"same-name", newManagedPolicy(t, account, "/", "dup")},
		{"same-name-other-path", newManagedPolicy(t, account, "/x/", "dup")},
		{"same-name-other-case", newManagedPolicy(t, account, "/", "DUP")},
		{"same-id-other-account", func() *identity.ManagedPolicy {
			q := newManagedPolicy(t, randAccount(t), "/", "other")
			q.ID = p.ID
			return q
		}()},
		{"duplicate-versions", func() *identity.ManagedPolicy {
			q := newManagedPolicy(t, account, "/", "twice")
			q.Versions = append(q.Versions, q.Versions[0])
			return q
		}()},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantCode(t, s.CreateManagedPolicy(ctx(t), c.p), errs.AlreadyExists, "CreateManagedPolicy")
		})
	}
	same(t, "policy after failed duplicates", p, getManaged(t, s, p))
	_, err := s.GetManagedPolicy(ctx(t), account, "/", "twice")
	wantCode(t, err, errs.NotFound, "GetManagedPolicy after a failed create")
	createManagedPolicy(t, s, randAccount(t), "/", "dup")
}

func testManagedUpdate(t *testing.T, s Stores) {
	account := randAccount(t)
	p := createManagedPolicy(t, s, account, "/", "evolving")
	p.Versions = append(p.Versions,
		identity.PolicyVersion{ID: "v2", Document: `{"v":2}`, Created: base.Add(time.Hour)},
		identity.PolicyVersion{ID: "v3", Document: `{"v":3}`, Created: base.Add(2 * time.Hour)})
	p.Versions = p.Versions[1:] // v1 deleted
	p.DefaultVersion = "v3"
	p.Description = "changed"
	p.Updated = base.Add(2 * time.Hour)
	if err := s.UpdateManagedPolicy(ctx(t), p); err != nil {
		t.Fatalf("UpdateManagedPolicy: %v", err)
	}
	same(t, "updated policy", p, getManaged(t, s, p))

	dup := *p
	dup.Versions = append(slices.Clone(p.Versions), p.Versions[0])
	wantCode(t, s.UpdateManagedPolicy(ctx(t), &dup), errs.AlreadyExists, "UpdateManagedPolicy with duplicate versions")
	same(t, "policy after a failed update", p, getManaged(t, s, p))

	ghost := newManagedPolicy(t, account, "/", "ghost")
	wantCode(t, s.UpdateManagedPolicy(ctx(t), ghost), errs.NotFound, "UpdateManagedPolicy of a missing policy")
	other := *p
	other.Account = randAccount(t)
	wantCode(t, s.UpdateManagedPolicy(ctx(t), &other), errs.NotFound, "UpdateManagedPolicy in another account")
}

func testManagedList(t *testing.T, s Stores) {
	account := randAccount(t)
	byName := map[string]*identity.ManagedPolicy{}
	for _, f := range []struct{ name, path string }{
		{"d", "/a/"}, {"a", "/"}, {"c", "/a/b/"}, {"b", "/ab/"}, {"e", "/"},
	} {
		byName[f.name] = createManagedPolicy(t, s, account, f.path, f.name)
	}
	createManagedPolicy(t, s, randAccount(t), "/", "a0")

	for _, c := range []struct {
		name, prefix, after string
		limit               int
		want                []string
	}{
		{"all", "/", "", 0, []string{"a", "b", "c", "d", "e"}},
		{"prefix", "/a/", "", 0, []string{"c", "d"}},
		{"page", "/", "b", 2, []string{"c", "d"}},
		{"end", "/", "e", 2, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.ListManagedPolicies(ctx(t), account, c.prefix, c.after, c.limit)
			if err != nil {
				t.Fatalf("ListManagedPolicies: %v", err)
			}
			var names []string
			for _, p := range got {
				names = append(names, p.Name)
				same(t, "listed policy", byName[p.Name], p)
			}
			if !slices.Equal(names, c.want) {
				t.Fatalf("ListManagedPolicies(%q, after %q, %d): %v, want %v", c.prefix, c.after, c.limit, names, c.want)
			}
		})
	}
}

func testManagedDelete(t *testing.T, s Stores) {
	account := randAccount(t)
	wantCode(t, s.DeleteManagedPolicy(ctx(t), account, "/", "none"), errs.NotFound, "DeleteManagedPolicy of a missing policy")
	p := createManagedPolicy(t, s, account, "/x/", "temp")
	r := createPrincipal(t, s, newRole(t, account, "holder"))
	if err := s.AttachPolicy(ctx(t), r.ID, p.ARN()); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DeleteManagedPolicy(ctx(t), account, p.Path, p.Name), errs.DeleteConflict, "DeleteManagedPolicy while attached")
	same(t, "policy after a refused delete", p, getManaged(t, s, p))
	if err := s.DetachPolicy(ctx(t), r.ID, p.ARN()); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteManagedPolicy(ctx(t), account, p.Path, p.Name); err != nil {
		t.Fatalf("DeleteManagedPolicy: %v", err)
	}
	_, err := s.GetManagedPolicy(ctx(t), account, p.Path, p.Name)
	wantCode(t, err, errs.NotFound, "GetManagedPolicy after delete")
	wantCode(t, s.DeleteManagedPolicy(ctx(t), account, p.Path, p.Name), errs.NotFound, "DeleteManagedPolicy twice")
	// The name is free again, with fresh versions.
	again := newManagedPolicy(t, account, "/x/", "temp")
	again.Versions[0].Document = `{"again":true}`
	if err := s.CreateManagedPolicy(ctx(t), again); err != nil {
		t.Fatalf("CreateManagedPolicy after delete: %v", err)
	}
	same(t, "re-created policy", again, getManaged(t, s, again))
}

func testAttachments(t *testing.T, s Stores) {
	account := randAccount(t)
	u := createPrincipal(t, s, newUser(t, account, "att"))
	r := createPrincipal(t, s, newRole(t, account, "att"))
	p1 := createManagedPolicy(t, s, account, "/", "p1")
	p2 := createManagedPolicy(t, s, account, "/team/", "p2")

	for _, a := range []struct{ principal, arn string }{{u.ID, p2.ARN()}, {u.ID, p1.ARN()}, {r.ID, p1.ARN()}} {
		if err := s.AttachPolicy(ctx(t), a.principal, a.arn); err != nil {
			t.Fatalf("AttachPolicy: %v", err)
		}
	}
	wantCode(t, s.AttachPolicy(ctx(t), u.ID, p1.ARN()), errs.AlreadyExists, "AttachPolicy twice")

	got, err := s.AttachedPolicies(ctx(t), u.ID)
	if want := []string{p1.ARN(), p2.ARN()}; err != nil || !slices.Equal(got, want) {
		t.Fatalf("AttachedPolicies: %v, %v, want %v", err, got, want)
	}
	ids, err := s.PolicyAttachments(ctx(t), p1.ARN())
	want := []string{u.ID, r.ID}
	slices.Sort(want)
	if err != nil || !slices.Equal(ids, want) {
		t.Fatalf("PolicyAttachments: %v, %v, want %v", err, ids, want)
	}

	gone := createPrincipal(t, s, newUser(t, account, "gone"))
	if err := s.DeletePrincipal(ctx(t), gone.ID, base); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, principal, arn string }{
		{"unknown-principal", randUniqueID(t, "AIDA"), p1.ARN()},
		{"deleted-principal", gone.ID, p1.ARN()},
		{"unknown-policy", u.ID, "arn:aws:iam::" + account + ":policy/none"},
		{"policy-of-other-path", u.ID, "arn:aws:iam::" + account + ":policy/p2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantCode(t, s.AttachPolicy(ctx(t), c.principal, c.arn), errs.NotFound, "AttachPolicy")
		})
	}

	if err := s.DetachPolicy(ctx(t), u.ID, p1.ARN()); err != nil {
		t.Fatalf("DetachPolicy: %v", err)
	}
	wantCode(t, s.DetachPolicy(ctx(t), u.ID, p1.ARN()), errs.NotFound, "DetachPolicy twice")
	if got, err := s.AttachedPolicies(ctx(t), u.ID); err != nil || !slices.Equal(got, []string{p2.ARN()}) {
		t.Fatalf("AttachedPolicies after detach: %v, %v", err, got)
	}
	if ids, err := s.PolicyAttachments(ctx(t), p1.ARN()); err != nil || !slices.Equal(ids, []string{r.ID}) {
		t.Fatalf("PolicyAttachments after detach: %v, %v", err, ids)
	}
}
