package storagetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/kms"
)

var aliasTests = []test{
	{"create-get", testAliasCreateGet},
	{"not-found", testAliasNotFound},
	{"duplicate", testAliasDuplicate},
	{"missing-target", testAliasMissingTarget},
	{"update", testAliasUpdate},
	{"delete", testAliasDelete},
	{"list", testAliasList},
	{"list-filter", testAliasListFilter},
}

func newAlias(sc scope, name, keyID string) *kms.Alias {
	return &kms.Alias{
		Account:     sc.account,
		Region:      sc.region,
		Name:        name,
		TargetKeyID: keyID,
		Created:     base.Add(time.Minute),
		Updated:     base.Add(time.Minute),
	}
}

func testAliasCreateGet(t *testing.T, s Stores) {
	sc := newScope(t)
	k, _ := sc.createKey(t, s, base)
	a := newAlias(sc, "alias/app/prod-key_1:x", k.ID)
	a.Created = a.Created.In(time.FixedZone("PST", -8*3600))
	a.Updated = a.Updated.Add(1500 * time.Millisecond)
	if err := s.CreateAlias(ctx(t), a); err != nil {
		t.Fatalf("CreateAlias: %v", err)
	}
	got, err := s.GetAlias(ctx(t), sc.account, sc.region, a.Name)
	if err != nil {
		t.Fatalf("GetAlias: %v", err)
	}
	same(t, "alias", a, got)
}

func testAliasNotFound(t *testing.T, s Stores) {
	sc := newScope(t)
	k, _ := sc.createKey(t, s, base)
	a := newAlias(sc, "alias/here", k.ID)
	if err := s.CreateAlias(ctx(t), a); err != nil {
		t.Fatalf("CreateAlias: %v", err)
	}
	other := newScope(t)
	for _, c := range []struct{ name, account, region, alias string }{
		{"unknown-name", sc.account, sc.region, "alias/nowhere"},
		{"other-region", sc.account, sc.otherRegion().region, a.Name},
		{"other-account", other.account, sc.region, a.Name},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.GetAlias(ctx(t), c.account, c.region, c.alias)
			wantCode(t, err, errs.NotFound, "GetAlias")
			wantCode(t, s.DeleteAlias(ctx(t), c.account, c.region, c.alias), errs.NotFound, "DeleteAlias")
			u := &kms.Alias{Account: c.account, Region: c.region, Name: c.alias, TargetKeyID: k.ID,
				Created: base, Updated: base.Add(time.Hour)}
			if c.account == sc.account && c.region == sc.region {
				wantCode(t, s.UpdateAlias(ctx(t), u), errs.NotFound, "UpdateAlias")
			}
		})
	}
	// The alias itself is untouched.
	if _, err := s.GetAlias(ctx(t), sc.account, sc.region, a.Name); err != nil {
		t.Fatalf("GetAlias: %v", err)
	}
}

func testAliasDuplicate(t *testing.T, s Stores) {
	sc := newScope(t)
	k1, _ := sc.createKey(t, s, base)
	k2, _ := sc.createKey(t, s, base)
	a := newAlias(sc, "alias/taken", k1.ID)
	if err := s.CreateAlias(ctx(t), a); err != nil {
		t.Fatalf("CreateAlias: %v", err)
	}
	dup := newAlias(sc, a.Name, k2.ID)
	dup.Created = base.Add(time.Hour)
	wantCode(t, s.CreateAlias(ctx(t), dup), errs.AlreadyExists, "CreateAlias with a taken name")
	got, err := s.GetAlias(ctx(t), sc.account, sc.region, a.Name)
	if err != nil {
		t.Fatalf("GetAlias: %v", err)
	}
	same(t, "alias after failed duplicate", a, got)

	// Names are scoped by (account, region).
	or := sc.otherRegion()
	ok, _ := or.createKey(t, s, base)
	if err := s.CreateAlias(ctx(t), newAlias(or, a.Name, ok.ID)); err != nil {
		t.Fatalf("CreateAlias with the same name in another region: %v", err)
	}
}

// An alias can only name a key of its own (account, region).
func testAliasMissingTarget(t *testing.T, s Stores) {
	sc := newScope(t)
	elsewhere, _ := sc.otherRegion().createKey(t, s, base)
	for _, id := range []string{randUUID(t), elsewhere.ID} {
		wantCode(t, s.CreateAlias(ctx(t), newAlias(sc, "alias/dangling", id)), errs.NotFound, "CreateAlias to a missing key")
	}
	_, err := s.GetAlias(ctx(t), sc.account, sc.region, "alias/dangling")
	wantCode(t, err, errs.NotFound, "GetAlias after failed create")
}

func testAliasUpdate(t *testing.T, s Stores) {
	sc := newScope(t)
	k1, _ := sc.createKey(t, s, base)
	k2, _ := sc.createKey(t, s, base)
	a := newAlias(sc, "alias/moving", k1.ID)
	if err := s.CreateAlias(ctx(t), a); err != nil {
		t.Fatalf("CreateAlias: %v", err)
	}

	u := *a
	u.TargetKeyID = k2.ID
	u.Updated = base.Add(48 * time.Hour)
	if err := s.UpdateAlias(ctx(t), &u); err != nil {
		t.Fatalf("UpdateAlias: %v", err)
	}
	got, err := s.GetAlias(ctx(t), sc.account, sc.region, a.Name)
	if err != nil {
		t.Fatalf("GetAlias: %v", err)
	}
	same(t, "updated alias", &u, got)

	// UpdateAlias keeps the stored creation time whatever the caller passes.
	v := u
	v.TargetKeyID = k1.ID
	v.Created = base.Add(1000 * time.Hour)
	v.Updated = base.Add(72 * time.Hour)
	if err := s.UpdateAlias(ctx(t), &v); err != nil {
		t.Fatalf("UpdateAlias: %v", err)
	}
	got, err = s.GetAlias(ctx(t), sc.account, sc.region, a.Name)
	if err != nil {
		t.Fatalf("GetAlias: %v", err)
	}
	v.Created = a.Created
	same(t, "alias updated with another Created", &v, got)

	// Pointing at a missing key fails and changes nothing.
	bad := v
	bad.TargetKeyID = randUUID(t)
	wantCode(t, s.UpdateAlias(ctx(t), &bad), errs.NotFound, "UpdateAlias to a missing key")
	got, err = s.GetAlias(ctx(t), sc.account, sc.region, a.Name)
	if err != nil {
		t.Fatalf("GetAlias: %v", err)
	}
	same(t, "alias after failed update", &v, got)
}

func testAliasDelete(t *testing.T, s Stores) {
	sc := newScope(t)
	k, _ := sc.createKey(t, s, base)
	a := newAlias(sc, "alias/short-lived", k.ID)
	if err := s.CreateAlias(ctx(t), a); err != nil {
		t.Fatalf("CreateAlias: %v", err)
	}
	if err := s.DeleteAlias(ctx(t), sc.account, sc.region, a.Name); err != nil {
		t.Fatalf("DeleteAlias: %v", err)
	}
	_, err := s.GetAlias(ctx(t), sc.account, sc.region, a.Name)
	wantCode(t, err, errs.NotFound, "GetAlias after delete")
	wantCode(t, s.DeleteAlias(ctx(t), sc.account, sc.region, a.Name), errs.NotFound, "DeleteAlias twice")
	if _, err := s.GetKey(ctx(t), sc.account, sc.region, k.ID); err != nil {
		t.Fatalf("deleting an alias touched its key: %v", err)
	}
	// The name is free again.
	if err := s.CreateAlias(ctx(t), a); err != nil {
		t.Fatalf("CreateAlias after delete: %v", err)
	}
}

func aliasNames(as []*kms.Alias) []string {
	names := make([]string, len(as))
	for i, a := range as {
		names[i] = a.Name
	}
	return names
}

// listAllAliases pages through ListAliases with the given page size.
func listAllAliases(t *testing.T, s Stores, sc scope, keyID string, limit int) []string {
	t.Helper()
	var got []string
	after := ""
	for range 100 {
		page, err := s.ListAliases(ctx(t), sc.account, sc.region, keyID, after, limit)
		if err != nil {
			t.Fatalf("ListAliases(key %q, after %q, limit %d): %v", keyID, after, limit, err)
		}
		if limit > 0 && len(page) > limit {
			t.Fatalf("ListAliases returned %d, limit %d", len(page), limit)
		}
		if len(page) == 0 {
			return got
		}
		got = append(got, aliasNames(page)...)
		after = page[len(page)-1].Name
	}
	t.Fatal("ListAliases never ended")
	return nil
}

// aliasNamesToSort are inserted in this order; ListAliases returns them in
// byte order (upper case before lower case, '-' before '/' before digits).
var aliasNamesToSort = []string{
	"alias/b", "alias/a_b", "alias/a-b", "alias/a/b", "alias/aB", "alias/Ab", "alias/a1", "alias/a", "alias/a:b",
}

func testAliasList(t *testing.T, s Stores) {
	sc := newScope(t)
	empty, err := s.ListAliases(ctx(t), sc.account, sc.region, "", "", 10)
	if err != nil || len(empty) != 0 {
		t.Fatalf("ListAliases of an empty scope: %v, %d", err, len(empty))
	}

	k, _ := sc.createKey(t, s, base)
	want := map[string]*kms.Alias{}
	for _, name := range aliasNamesToSort {
		a := newAlias(sc, name, k.ID)
		if err := s.CreateAlias(ctx(t), a); err != nil {
			t.Fatalf("CreateAlias %s: %v", name, err)
		}
		want[name] = a
	}
	// Aliases elsewhere are invisible.
	for _, o := range []scope{sc.otherRegion(), newScope(t)} {
		ok, _ := o.createKey(t, s, base)
		if err := s.CreateAlias(ctx(t), newAlias(o, "alias/a0", ok.ID)); err != nil {
			t.Fatalf("CreateAlias elsewhere: %v", err)
		}
	}
	sorted := slices.Clone(aliasNamesToSort)
	slices.Sort(sorted)

	all, err := s.ListAliases(ctx(t), sc.account, sc.region, "", "", 100)
	if err != nil {
		t.Fatalf("ListAliases: %v", err)
	}
	if !slices.Equal(aliasNames(all), sorted) {
		t.Fatalf("ListAliases order:\n got %q\nwant %q", aliasNames(all), sorted)
	}
	for _, a := range all {
		same(t, "listed alias", want[a.Name], a)
	}

	for _, limit := range []int{0, 1, 2, 4, len(sorted)} {
		t.Run(fmt.Sprintf("limit-%d", limit), func(t *testing.T) {
			if got := listAllAliases(t, s, sc, "", limit); !slices.Equal(got, sorted) {
				t.Fatalf("paged ListAliases:\n got %q\nwant %q", got, sorted)
			}
		})
	}

	// after need not name an existing alias: it is a position in name order.
	got, err := s.ListAliases(ctx(t), sc.account, sc.region, "", "alias/a0", 100)
	if err != nil {
		t.Fatalf("ListAliases after alias/a0: %v", err)
	}
	i := slices.IndexFunc(sorted, func(n string) bool { return n > "alias/a0" })
	if !slices.Equal(aliasNames(got), sorted[i:]) {
		t.Fatalf("ListAliases after alias/a0:\n got %q\nwant %q", aliasNames(got), sorted[i:])
	}
}

func testAliasListFilter(t *testing.T, s Stores) {
	sc := newScope(t)
	k1, _ := sc.createKey(t, s, base)
	k2, _ := sc.createKey(t, s, base)
	var want1, want2 []string
	for i := range 7 {
		target, list := k1, &want1
		if i%3 == 1 {
			target, list = k2, &want2
		}
		name := fmt.Sprintf("alias/filter-%02d", 10-i)
		if err := s.CreateAlias(ctx(t), newAlias(sc, name, target.ID)); err != nil {
			t.Fatalf("CreateAlias: %v", err)
		}
		*list = append(*list, name)
	}
	slices.Sort(want1)
	slices.Sort(want2)

	for _, limit := range []int{0, 1, 2, 10} {
		if got := listAllAliases(t, s, sc, k1.ID, limit); !slices.Equal(got, want1) {
			t.Fatalf("ListAliases(key 1, limit %d):\n got %q\nwant %q", limit, got, want1)
		}
		if got := listAllAliases(t, s, sc, k2.ID, limit); !slices.Equal(got, want2) {
			t.Fatalf("ListAliases(key 2, limit %d):\n got %q\nwant %q", limit, got, want2)
		}
	}
	none, err := s.ListAliases(ctx(t), sc.account, sc.region, randUUID(t), "", 10)
	if err != nil || len(none) != 0 {
		t.Fatalf("ListAliases for a key without aliases: %v, %q", err, aliasNames(none))
	}
	// The filter is scoped too: the same key id in another region has no aliases here.
	none, err = s.ListAliases(ctx(t), sc.account, sc.otherRegion().region, k1.ID, "", 10)
	if err != nil || len(none) != 0 {
		t.Fatalf("ListAliases for key 1 in another region: %v, %q", err, aliasNames(none))
	}
}
