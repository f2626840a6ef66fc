package storagetest

import (
	"slices"
	"testing"

	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/grants"
	"github.com/keyward/keyward/internal/kms"
)

var grantTests = []test{
	{"create-get", testGrantCreateGet},
	{"missing-key", testGrantMissingKey},
	{"list-and-retirable", testGrantList},
	{"update-and-naming", testGrantUpdateNaming},
	{"delete", testGrantDelete},
	{"key-deletion-cascades", testGrantCascade},
}

func (sc scope) newGrant(t *testing.T, k *kms.Key, grantee, retiring string) *grants.Grant {
	t.Helper()
	id, err := grants.NewID()
	if err != nil {
		t.Fatal(err)
	}
	return &grants.Grant{Account: k.Account, Region: k.Region, KeyID: k.ID, ID: id, Name: "n", Grantee: grantee, Retiring: retiring,
		Operations: []string{"Decrypt", "Encrypt"}, IssuingAccount: k.Account, Created: base,
		Constraints: &grants.Constraints{EncryptionContextSubset: map[string]string{"Dept": "IT"}}}
}

func testGrantCreateGet(t *testing.T, s Stores) {
	sc := newScope(t)
	k, _ := sc.createKey(t, s, base)
	g := sc.newGrant(t, k, "AROAEXAMPLEROLEID0001", "arn:aws:iam::"+sc.account+":root")
	if err := s.CreateGrant(ctx(t), g); err != nil {
		t.Fatalf("CreateGrant: %v", err)
	}
	got, err := s.GetGrant(ctx(t), g.ID)
	if err != nil {
		t.Fatalf("GetGrant: %v", err)
	}
	same(t, "grant", g, got)
	wantCode(t, s.CreateGrant(ctx(t), g), errs.AlreadyExists, "CreateGrant with a used id")
	_, err = s.GetGrant(ctx(t), randMaterialID(t))
	wantCode(t, err, errs.NotFound, "GetGrant of an unknown id")
	// No constraints round-trips as nil.
	plain := sc.newGrant(t, k, "AROAEXAMPLEROLEID0001", "")
	plain.Constraints = nil
	if err := s.CreateGrant(ctx(t), plain); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetGrant(ctx(t), plain.ID); got == nil || !got.Constraints.Empty() {
		t.Fatalf("grant without constraints came back as %+v", got)
	}
}

func testGrantMissingKey(t *testing.T, s Stores) {
	sc := newScope(t)
	k := sc.newKey(t, base) // never stored
	wantCode(t, s.CreateGrant(ctx(t), sc.newGrant(t, k, "x", "")), errs.NotFound, "CreateGrant on a missing key")
}

func grantIDs(gs []*grants.Grant) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.ID
	}
	return out
}

func testGrantList(t *testing.T, s Stores) {
	sc := newScope(t)
	k, _ := sc.createKey(t, s, base)
	other, _ := sc.createKey(t, s, base)
	retiring := "AIDARETIRER" + randMaterialID(t)[:10]
	var want []string
	for range 5 {
		g := sc.newGrant(t, k, "AROAEXAMPLEROLEID0001", retiring)
		if err := s.CreateGrant(ctx(t), g); err != nil {
			t.Fatal(err)
		}
		want = append(want, g.ID)
	}
	if err := s.CreateGrant(ctx(t), sc.newGrant(t, other, "AROAEXAMPLEROLEID0001", retiring)); err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	all, err := s.ListGrants(ctx(t), k.Account, k.Region, k.ID, "", 0)
	if err != nil || !slices.Equal(grantIDs(all), want) {
		t.Fatalf("ListGrants: %v %v, want %v", err, grantIDs(all), want)
	}
	page, err := s.ListGrants(ctx(t), k.Account, k.Region, k.ID, want[1], 2)
	if err != nil || !slices.Equal(grantIDs(page), want[2:4]) {
		t.Fatalf("ListGrants page: %v %v, want %v", err, grantIDs(page), want[2:4])
	}
	ret, err := s.ListRetirableGrants(ctx(t), retiring, "", 0)
	if err != nil || len(ret) != 6 {
		t.Fatalf("ListRetirableGrants: %v, %d grants, want 6 (across keys)", err, len(ret))
	}
}

func testGrantUpdateNaming(t *testing.T, s Stores) {
	sc := newScope(t)
	k, _ := sc.createKey(t, s, base)
	old := "AROAOLDROLE" + randMaterialID(t)[:10]
	g := sc.newGrant(t, k, old, old)
	if err := s.CreateGrant(ctx(t), g); err != nil {
		t.Fatal(err)
	}
	naming, err := s.GrantsNaming(ctx(t), old)
	if err != nil || len(naming) != 1 {
		t.Fatalf("GrantsNaming: %v, %d", err, len(naming))
	}
	g.Grantee, g.Retiring = "AROANEWROLE0000000001", ""
	if err := s.UpdateGrant(ctx(t), g); err != nil {
		t.Fatal(err)
	}
	got, _ := s.GetGrant(ctx(t), g.ID)
	if got.Grantee != g.Grantee || got.Retiring != "" {
		t.Fatalf("after UpdateGrant: %+v", got)
	}
	if naming, _ := s.GrantsNaming(ctx(t), old); len(naming) != 0 {
		t.Fatal("the old binding still names the grant")
	}
	missing := sc.newGrant(t, k, "x", "")
	wantCode(t, s.UpdateGrant(ctx(t), missing), errs.NotFound, "UpdateGrant of an unknown grant")
}

func testGrantDelete(t *testing.T, s Stores) {
	sc := newScope(t)
	k, _ := sc.createKey(t, s, base)
	g := sc.newGrant(t, k, "AROAEXAMPLEROLEID0001", "")
	if err := s.CreateGrant(ctx(t), g); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteGrant(ctx(t), g.ID); err != nil {
		t.Fatal(err)
	}
	_, err := s.GetGrant(ctx(t), g.ID)
	wantCode(t, err, errs.NotFound, "GetGrant after DeleteGrant")
	wantCode(t, s.DeleteGrant(ctx(t), g.ID), errs.NotFound, "DeleteGrant twice")
}

func testGrantCascade(t *testing.T, s Stores) {
	sc := newScope(t)
	k, _ := sc.createKey(t, s, base)
	g := sc.newGrant(t, k, "AROAEXAMPLEROLEID0001", "")
	if err := s.CreateGrant(ctx(t), g); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteKey(ctx(t), k.Account, k.Region, k.ID); err != nil {
		t.Fatal(err)
	}
	_, err := s.GetGrant(ctx(t), g.ID)
	wantCode(t, err, errs.NotFound, "GetGrant after its key was deleted")
}
