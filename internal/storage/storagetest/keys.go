package storagetest

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/kms"
)

var keyTests = []test{
	{"create-get", testKeyCreateGet},
	{"create-without-material", testKeyCreateWithoutMaterial},
	{"not-found", testKeyNotFound},
	{"duplicate", testKeyDuplicate},
	{"round-trip", testKeyRoundTrip},
	{"update", testKeyUpdate},
	{"update-race", testKeyUpdateRace},
	{"rotate", testKeyRotate},
	{"rotate-atomic", testKeyRotateAtomic},
	{"list", testKeyList},
	{"list-isolation", testKeyListIsolation},
	{"delete-cascade", testKeyDeleteCascade},
	{"due", testDueKeys},
}

func testKeyCreateGet(t *testing.T, s Stores) {
	sc := newScope(t)
	k, m := sc.createKey(t, s, base)

	got, err := s.GetKey(ctx(t), sc.account, sc.region, k.ID)
	if err != nil {
		t.Fatalf("GetKey: %v", err)
	}
	same(t, "key", k, got)
	if got == k {
		t.Fatal("GetKey returned the caller's pointer")
	}

	ms, err := s.Materials(ctx(t), sc.account, sc.region, k.ID)
	if err != nil {
		t.Fatalf("Materials: %v", err)
	}
	if len(ms) != 1 {
		t.Fatalf("Materials: got %d, want 1", len(ms))
	}
	same(t, "material", m, ms[0])
}

// A key whose material arrives later (imported key material) is created
// without one; it has an empty material list, not a missing one.
func testKeyCreateWithoutMaterial(t *testing.T, s Stores) {
	sc := newScope(t)
	k := sc.newKey(t, base)
	k.Origin = "EXTERNAL"
	k.State = kms.StatePendingImport
	k.CurrentMaterialID = ""
	if err := s.CreateKey(ctx(t), k, nil); err != nil {
		t.Fatalf("CreateKey without material: %v", err)
	}
	got, err := s.GetKey(ctx(t), sc.account, sc.region, k.ID)
	if err != nil {
		t.Fatalf("GetKey: %v", err)
	}
	same(t, "key", k, got)
	ms, err := s.Materials(ctx(t), sc.account, sc.region, k.ID)
	if err != nil {
		t.Fatalf("Materials: %v", err)
	}
	if len(ms) != 0 {
		t.Fatalf("Materials: got %d, want none", len(ms))
	}
}

func testKeyNotFound(t *testing.T, s Stores) {
	sc := newScope(t)
	k, _ := sc.createKey(t, s, base)
	other := newScope(t)

	cases := []struct{ name, account, region, id string }{
		{"unknown-id", sc.account, sc.region, randUUID(t)},
		{"other-region", sc.account, sc.otherRegion().region, k.ID},
		{"other-account", other.account, sc.region, k.ID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.GetKey(ctx(t), c.account, c.region, c.id)
			wantCode(t, err, errs.NotFound, "GetKey")
			_, err = s.Materials(ctx(t), c.account, c.region, c.id)
			wantCode(t, err, errs.NotFound, "Materials")
			wantCode(t, s.DeleteKey(ctx(t), c.account, c.region, c.id), errs.NotFound, "DeleteKey")
			u := k.Clone()
			u.Account, u.Region, u.ID = c.account, c.region, c.id
			wantCode(t, s.UpdateKey(ctx(t), u), errs.NotFound, "UpdateKey")
			r := k.Clone()
			r.Account, r.Region, r.ID = c.account, c.region, c.id
			wantCode(t, s.RotateKey(ctx(t), r, newMaterial(t, r, base, "ON_DEMAND")), errs.NotFound, "RotateKey")
		})
	}
}

func testKeyDuplicate(t *testing.T, s Stores) {
	sc := newScope(t)
	k, m := sc.createKey(t, s, base)

	dup := sc.newKey(t, base.Add(time.Hour))
	dup.ID = k.ID
	dup.Description = "impostor"
	dupM := newMaterial(t, dup, base.Add(time.Hour), "")
	wantCode(t, s.CreateKey(ctx(t), dup, dupM), errs.AlreadyExists, "CreateKey with a taken id")

	// The failed create changed nothing: neither the key nor its materials.
	got, err := s.GetKey(ctx(t), sc.account, sc.region, k.ID)
	if err != nil {
		t.Fatalf("GetKey: %v", err)
	}
	same(t, "key after failed duplicate", k, got)
	ms, err := s.Materials(ctx(t), sc.account, sc.region, k.ID)
	if err != nil {
		t.Fatalf("Materials: %v", err)
	}
	if len(ms) != 1 || ms[0].ID != m.ID {
		t.Fatalf("Materials after failed duplicate: got %d (first %v), want only %s", len(ms), ms, m.ID)
	}

	// Keys are scoped by (account, region): the same id elsewhere is another key.
	for _, o := range []scope{sc.otherRegion(), newScope(t)} {
		ok := o.newKey(t, base)
		ok.ID = k.ID
		if err := s.CreateKey(ctx(t), ok, newMaterial(t, ok, base, "")); err != nil {
			t.Fatalf("CreateKey with the same id in %s/%s: %v", o.account, o.region, err)
		}
	}
}

// fullKey returns a key of sc with every field set to a non-zero value that
// is awkward to store: non-UTC times, quotes, unicode, empty tag values.
func fullKey(t *testing.T, sc scope) *kms.Key {
	zone := time.FixedZone("UTC+05:30", 5*3600+1800)
	return &kms.Key{
		Account:            sc.account,
		Region:             sc.region,
		ID:                 randUUID(t),
		Description:        "café \"quoted\" 'single' \\ back\nnew line \u2603 😀",
		KeySpec:            kms.SpecSymmetricDefault,
		KeyUsage:           kms.UsageEncryptDecrypt,
		Origin:             kms.OriginAWSKMS,
		KeyManager:         "AWS",
		State:              kms.StatePendingDeletion,
		Created:            base.In(zone),
		DeletionDate:       base.Add(7 * 24 * time.Hour).In(zone),
		PendingWindowDays:  7,
		Policy:             `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`,
		Tags:               []kms.Tag{{Key: "z-last", Value: "1"}, {Key: "a-first", Value: ""}, {Key: "ünï", Value: "cödé \"q\""}},
		RotationEnabled:    true,
		RotationPeriodDays: 90,
		NextRotation:       base.Add(90 * 24 * time.Hour).Add(123 * time.Millisecond),
		OnDemandStart:      base.Add(-time.Minute).Add(999 * time.Millisecond),
		OnDemandRotations:  3,
		CurrentMaterialID:  randMaterialID(t),
		Version:            42,
	}
}

func testKeyRoundTrip(t *testing.T, s Stores) {
	sc := newScope(t)

	t.Run("every-field-set", func(t *testing.T) {
		k := fullKey(t, sc)
		v := reflect.ValueOf(k).Elem()
		for i := range v.NumField() {
			if v.Field(i).IsZero() {
				t.Fatalf("fixture leaves kms.Key.%s zero: set it in fullKey so the round-trip covers it", v.Type().Field(i).Name)
			}
		}
		m := newMaterial(t, k, base.Add(time.Millisecond), "")
		m.Sealed = append([]byte{0, 0xff, 0}, m.Sealed...)
		if err := s.CreateKey(ctx(t), k, m); err != nil {
			t.Fatalf("CreateKey: %v", err)
		}
		got, err := s.GetKey(ctx(t), sc.account, sc.region, k.ID)
		if err != nil {
			t.Fatalf("GetKey: %v", err)
		}
		same(t, "key", k, got)
		ms, err := s.Materials(ctx(t), sc.account, sc.region, k.ID)
		if err != nil || len(ms) != 1 {
			t.Fatalf("Materials: %v, %d", err, len(ms))
		}
		same(t, "material", m, ms[0])

		// The same after an update: UpdateKey writes every field too.
		u := fullKey(t, sc)
		u.ID = k.ID
		u.Version = k.Version
		u.State = kms.StateDisabled
		u.Tags = []kms.Tag{{Key: "only", Value: "one"}}
		if err := s.UpdateKey(ctx(t), u); err != nil {
			t.Fatalf("UpdateKey: %v", err)
		}
		got, err = s.GetKey(ctx(t), sc.account, sc.region, k.ID)
		if err != nil {
			t.Fatalf("GetKey: %v", err)
		}
		same(t, "updated key", u, got)
	})

	t.Run("zero-optional-fields", func(t *testing.T) {
		k := sc.newKey(t, base)
		k.Description, k.Policy, k.CurrentMaterialID = "", "", ""
		k.Tags = []kms.Tag{}
		if err := s.CreateKey(ctx(t), k, nil); err != nil {
			t.Fatalf("CreateKey: %v", err)
		}
		got, err := s.GetKey(ctx(t), sc.account, sc.region, k.ID)
		if err != nil {
			t.Fatalf("GetKey: %v", err)
		}
		same(t, "key", k, got)
		for name, tm := range map[string]time.Time{"DeletionDate": got.DeletionDate, "NextRotation": got.NextRotation, "OnDemandStart": got.OnDemandStart} {
			if !tm.IsZero() {
				t.Errorf("%s: got %v, want the zero time", name, tm)
			}
		}
		if len(got.Tags) != 0 {
			t.Errorf("Tags: got %v, want none", got.Tags)
		}
	})
}

func testKeyUpdate(t *testing.T, s Stores) {
	sc := newScope(t)
	k, _ := sc.createKey(t, s, base)

	u := k.Clone()
	u.Description = "changed"
	u.State = kms.StateDisabled
	if err := s.UpdateKey(ctx(t), u); err != nil {
		t.Fatalf("UpdateKey: %v", err)
	}
	if u.Version != k.Version+1 {
		t.Fatalf("UpdateKey set Version %d, want %d", u.Version, k.Version+1)
	}
	got, err := s.GetKey(ctx(t), sc.account, sc.region, k.ID)
	if err != nil {
		t.Fatalf("GetKey: %v", err)
	}
	same(t, "updated key", u, got)

	// The original copy is now stale.
	stale := k.Clone()
	stale.Description = "stale write"
	err = s.UpdateKey(ctx(t), stale)
	wantCode(t, err, errs.Conflict, "UpdateKey with a stale version")
	if stale.Version != k.Version {
		t.Fatalf("failed UpdateKey changed Version to %d", stale.Version)
	}
	// So is a version from the future.
	future := u.Clone()
	future.Version += 5
	wantCode(t, s.UpdateKey(ctx(t), future), errs.Conflict, "UpdateKey with a future version")

	got, err = s.GetKey(ctx(t), sc.account, sc.region, k.ID)
	if err != nil {
		t.Fatalf("GetKey: %v", err)
	}
	same(t, "key after conflicts", u, got)

	// A second update from the fresh copy succeeds again.
	u.Description = "changed twice"
	if err := s.UpdateKey(ctx(t), u); err != nil {
		t.Fatalf("second UpdateKey: %v", err)
	}
	if u.Version != k.Version+2 {
		t.Fatalf("second UpdateKey set Version %d, want %d", u.Version, k.Version+2)
	}
}

// Many updaters holding the same version race: exactly one wins each round,
// every other gets errs.Conflict.
func testKeyUpdateRace(t *testing.T, s Stores) {
	const rounds, writers = 10, 8
	sc := newScope(t)
	k, _ := sc.createKey(t, s, base)

	for round := range rounds {
		cur, err := s.GetKey(ctx(t), sc.account, sc.region, k.ID)
		if err != nil {
			t.Fatalf("GetKey: %v", err)
		}
		results := make([]error, writers)
		copies := make([]*kms.Key, writers)
		var start, wg sync.WaitGroup
		start.Add(1)
		for i := range writers {
			copies[i] = cur.Clone()
			copies[i].Description = fmt.Sprintf("round %d writer %d", round, i)
			wg.Go(func() {
				start.Wait()
				results[i] = s.UpdateKey(ctx(t), copies[i])
			})
		}
		start.Done()
		wg.Wait()

		winner := -1
		for i, err := range results {
			switch {
			case err == nil:
				if winner >= 0 {
					t.Fatalf("round %d: writers %d and %d both won", round, winner, i)
				}
				winner = i
			case !errs.Is(err, errs.Conflict):
				t.Fatalf("round %d writer %d: got %v, want nil or Conflict", round, i, err)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: no writer won", round)
		}
		got, err := s.GetKey(ctx(t), sc.account, sc.region, k.ID)
		if err != nil {
			t.Fatalf("GetKey: %v", err)
		}
		same(t, "key after race", copies[winner], got)
		if got.Version != cur.Version+1 {
			t.Fatalf("round %d: version %d, want %d", round, got.Version, cur.Version+1)
		}
	}
}

func testKeyRotate(t *testing.T, s Stores) {
	sc := newScope(t)
	k, m0 := sc.createKey(t, s, base)

	// Materials come back in insertion order even when timestamps tie or
	// go backwards (clock steps): storage keeps its own sequence.
	m1 := newMaterial(t, k, base, "AUTOMATIC")
	m2 := newMaterial(t, k, base.Add(-time.Hour), "ON_DEMAND")
	cur := k.Clone()
	for i, m := range []*kms.Material{m1, m2} {
		cur.CurrentMaterialID = m.ID
		cur.OnDemandRotations = i + 1
		before := cur.Version
		if err := s.RotateKey(ctx(t), cur, m); err != nil {
			t.Fatalf("RotateKey %d: %v", i, err)
		}
		if cur.Version != before+1 {
			t.Fatalf("RotateKey set Version %d, want %d", cur.Version, before+1)
		}
	}
	got, err := s.GetKey(ctx(t), sc.account, sc.region, k.ID)
	if err != nil {
		t.Fatalf("GetKey: %v", err)
	}
	same(t, "rotated key", cur, got)

	ms, err := s.Materials(ctx(t), sc.account, sc.region, k.ID)
	if err != nil {
		t.Fatalf("Materials: %v", err)
	}
	want := []*kms.Material{m0, m1, m2}
	if len(ms) != len(want) {
		t.Fatalf("Materials: got %d, want %d", len(ms), len(want))
	}
	for i := range want {
		same(t, fmt.Sprintf("material %d", i), want[i], ms[i])
	}

	// The same material id may appear under another key.
	other, _ := sc.createKey(t, s, base)
	om := newMaterial(t, other, base, "ON_DEMAND")
	om.ID = m1.ID
	oc := other.Clone()
	if err := s.RotateKey(ctx(t), oc, om); err != nil {
		t.Fatalf("RotateKey with another key's material id: %v", err)
	}
}

// A rotation that fails changes nothing: not the key, not the materials.
func testKeyRotateAtomic(t *testing.T, s Stores) {
	sc := newScope(t)
	k, m0 := sc.createKey(t, s, base)

	check := func(what string) {
		t.Helper()
		got, err := s.GetKey(ctx(t), sc.account, sc.region, k.ID)
		if err != nil {
			t.Fatalf("%s: GetKey: %v", what, err)
		}
		same(t, what+": key", k, got)
		ms, err := s.Materials(ctx(t), sc.account, sc.region, k.ID)
		if err != nil {
			t.Fatalf("%s: Materials: %v", what, err)
		}
		if len(ms) != 1 || ms[0].ID != m0.ID {
			t.Fatalf("%s: materials changed: got %d", what, len(ms))
		}
	}

	t.Run("version-conflict", func(t *testing.T) {
		r := k.Clone()
		r.Version--
		m := newMaterial(t, k, base, "ON_DEMAND")
		r.CurrentMaterialID = m.ID
		wantCode(t, s.RotateKey(ctx(t), r, m), errs.Conflict, "RotateKey with a stale version")
		check("after conflict")
	})
	t.Run("duplicate-material", func(t *testing.T) {
		r := k.Clone()
		r.Description = "must not stick"
		m := newMaterial(t, k, base, "ON_DEMAND")
		m.ID = m0.ID
		wantCode(t, s.RotateKey(ctx(t), r, m), errs.AlreadyExists, "RotateKey with a taken material id")
		if r.Version != k.Version {
			t.Fatalf("failed RotateKey changed Version to %d", r.Version)
		}
		check("after duplicate material")
	})
}

// sortKeys orders keys as ListKeys must: by id, so that a page marker stays
// valid when the key it names is deleted between pages.
func sortKeys(ks []*kms.Key) {
	slices.SortFunc(ks, func(a, b *kms.Key) int { return cmp.Compare(a.ID, b.ID) })
}

func keyIDs(ks []*kms.Key) []string {
	ids := make([]string, len(ks))
	for i, k := range ks {
		ids[i] = k.ID
	}
	return ids
}

func testKeyList(t *testing.T, s Stores) {
	sc := newScope(t)

	empty, err := s.ListKeys(ctx(t), sc.account, sc.region, "", 10)
	if err != nil || len(empty) != 0 {
		t.Fatalf("ListKeys of an empty scope: %v, %d keys", err, len(empty))
	}

	// Created out of order: the listing is by id regardless.
	offsets := []time.Duration{2, 0, 0, 1, 3, -1, 1, 0}
	var want []*kms.Key
	for _, d := range offsets {
		k, _ := sc.createKey(t, s, base.Add(d*time.Second))
		want = append(want, k)
	}
	sortKeys(want)

	all, err := s.ListKeys(ctx(t), sc.account, sc.region, "", 100)
	if err != nil {
		t.Fatalf("ListKeys: %v", err)
	}
	if !slices.Equal(keyIDs(all), keyIDs(want)) {
		t.Fatalf("ListKeys order:\n got %v\nwant %v", keyIDs(all), keyIDs(want))
	}
	for i := range want {
		same(t, "listed key", want[i], all[i])
	}

	unlimited, err := s.ListKeys(ctx(t), sc.account, sc.region, "", 0)
	if err != nil || len(unlimited) != len(want) {
		t.Fatalf("ListKeys with limit 0 (no limit): %v, %d keys, want %d", err, len(unlimited), len(want))
	}

	for _, limit := range []int{1, 3, len(want) - 1, len(want)} {
		t.Run(fmt.Sprintf("limit-%d", limit), func(t *testing.T) {
			var pages [][]string
			var got []string
			after := ""
			for range len(want) + 2 {
				page, err := s.ListKeys(ctx(t), sc.account, sc.region, after, limit)
				if err != nil {
					t.Fatalf("ListKeys(after %q, limit %d): %v", after, limit, err)
				}
				if len(page) > limit {
					t.Fatalf("ListKeys returned %d keys, limit %d", len(page), limit)
				}
				if len(page) == 0 {
					break
				}
				pages = append(pages, keyIDs(page))
				got = append(got, keyIDs(page)...)
				after = page[len(page)-1].ID
			}
			if !slices.Equal(got, keyIDs(want)) {
				t.Fatalf("paged ListKeys:\n got %v (pages %v)\nwant %v", got, pages, keyIDs(want))
			}
		})
	}

	// Starting after a key in the middle.
	mid := want[3].ID
	rest, err := s.ListKeys(ctx(t), sc.account, sc.region, mid, 100)
	if err != nil {
		t.Fatalf("ListKeys after %s: %v", mid, err)
	}
	if !slices.Equal(keyIDs(rest), keyIDs(want[4:])) {
		t.Fatalf("ListKeys after the 4th key:\n got %v\nwant %v", keyIDs(rest), keyIDs(want[4:]))
	}

	// A marker naming a key that no longer exists still pages on.
	gone := want[2]
	if err := s.DeleteKey(ctx(t), sc.account, sc.region, gone.ID); err != nil {
		t.Fatal(err)
	}
	rest, err = s.ListKeys(ctx(t), sc.account, sc.region, gone.ID, 100)
	if err != nil {
		t.Fatalf("ListKeys after a deleted key: %v", err)
	}
	if !slices.Equal(keyIDs(rest), keyIDs(want[3:])) {
		t.Fatalf("ListKeys after a deleted key:\n got %v\nwant %v", keyIDs(rest), keyIDs(want[3:]))
	}
}

// Keys of another account or another region are invisible to ListKeys,
// even as a marker.
func testKeyListIsolation(t *testing.T, s Stores) {
	sc := newScope(t)
	mine, _ := sc.createKey(t, s, base)
	otherRegion, _ := sc.otherRegion().createKey(t, s, base)
	otherAccount := newScope(t)
	theirs, _ := otherAccount.createKey(t, s, base)

	for _, c := range []struct {
		sc   scope
		want *kms.Key
	}{{sc, mine}, {sc.otherRegion(), otherRegion}, {otherAccount, theirs}} {
		got, err := s.ListKeys(ctx(t), c.sc.account, c.sc.region, "", 100)
		if err != nil {
			t.Fatalf("ListKeys(%s, %s): %v", c.sc.account, c.sc.region, err)
		}
		if len(got) != 1 || got[0].ID != c.want.ID {
			t.Fatalf("ListKeys(%s, %s): got %v, want only %s", c.sc.account, c.sc.region, keyIDs(got), c.want.ID)
		}
	}
	// A marker is only a position: paging after another scope's id still
	// lists only this scope's keys.
	for _, marker := range []string{otherRegion.ID, theirs.ID} {
		got, err := s.ListKeys(ctx(t), sc.account, sc.region, marker, 10)
		if err != nil {
			t.Fatalf("ListKeys after a foreign id: %v", err)
		}
		for _, k := range got {
			if k.ID != mine.ID {
				t.Fatalf("ListKeys leaked key %s", k.ID)
			}
		}
	}
}

func testKeyDeleteCascade(t *testing.T, s Stores) {
	sc := newScope(t)
	doomed, _ := sc.createKey(t, s, base)
	r := doomed.Clone()
	if err := s.RotateKey(ctx(t), r, newMaterial(t, doomed, base.Add(time.Hour), "ON_DEMAND")); err != nil {
		t.Fatalf("RotateKey: %v", err)
	}
	kept, keptM := sc.createKey(t, s, base)

	// The same id in another region is another key and must survive.
	twin := sc.otherRegion().newKey(t, base)
	twin.ID = doomed.ID
	twinM := newMaterial(t, twin, base, "")
	if err := s.CreateKey(ctx(t), twin, twinM); err != nil {
		t.Fatalf("CreateKey twin: %v", err)
	}

	for _, a := range []*kms.Alias{
		newAlias(sc, "alias/doomed-1", doomed.ID),
		newAlias(sc, "alias/doomed-2", doomed.ID),
		newAlias(sc, "alias/kept", kept.ID),
		newAlias(sc.otherRegion(), "alias/twin", twin.ID),
	} {
		if err := s.CreateAlias(ctx(t), a); err != nil {
			t.Fatalf("CreateAlias %s: %v", a.Name, err)
		}
	}

	if err := s.DeleteKey(ctx(t), sc.account, sc.region, doomed.ID); err != nil {
		t.Fatalf("DeleteKey: %v", err)
	}

	_, err := s.GetKey(ctx(t), sc.account, sc.region, doomed.ID)
	wantCode(t, err, errs.NotFound, "GetKey of a deleted key")
	_, err = s.Materials(ctx(t), sc.account, sc.region, doomed.ID)
	wantCode(t, err, errs.NotFound, "Materials of a deleted key")
	for _, name := range []string{"alias/doomed-1", "alias/doomed-2"} {
		_, err = s.GetAlias(ctx(t), sc.account, sc.region, name)
		wantCode(t, err, errs.NotFound, "GetAlias of a deleted key's alias")
	}
	wantCode(t, s.DeleteKey(ctx(t), sc.account, sc.region, doomed.ID), errs.NotFound, "DeleteKey twice")

	// A key with the deleted one's id can be created again, from scratch.
	again := sc.newKey(t, base)
	again.ID = doomed.ID
	againM := newMaterial(t, again, base, "")
	if err := s.CreateKey(ctx(t), again, againM); err != nil {
		t.Fatalf("CreateKey with a deleted key's id: %v", err)
	}
	ms, err := s.Materials(ctx(t), sc.account, sc.region, again.ID)
	if err != nil || len(ms) != 1 || ms[0].ID != againM.ID {
		t.Fatalf("Materials of the re-created key: %v, %d (old materials leaked?)", err, len(ms))
	}

	// Everything else is untouched.
	ms, err = s.Materials(ctx(t), sc.account, sc.region, kept.ID)
	if err != nil || len(ms) != 1 || ms[0].ID != keptM.ID {
		t.Fatalf("Materials of the kept key: %v, %d", err, len(ms))
	}
	if _, err := s.GetAlias(ctx(t), sc.account, sc.region, "alias/kept"); err != nil {
		t.Fatalf("GetAlias alias/kept: %v", err)
	}
	if got, err := s.GetKey(ctx(t), twin.Account, twin.Region, twin.ID); err != nil {
		t.Fatalf("GetKey twin: %v", err)
	} else {
		same(t, "twin", twin, got)
	}
	ms, err = s.Materials(ctx(t), twin.Account, twin.Region, twin.ID)
	if err != nil || len(ms) != 1 || ms[0].ID != twinM.ID {
		t.Fatalf("Materials of the twin: %v, %d", err, len(ms))
	}
	if _, err := s.GetAlias(ctx(t), twin.Account, twin.Region, "alias/twin"); err != nil {
		t.Fatalf("GetAlias alias/twin: %v", err)
	}
}

func testDueKeys(t *testing.T, s Stores) {
	now := base.Add(24 * time.Hour)
	sc := newScope(t)
	other := newScope(t)

	type keyCase struct {
		name   string
		sc     scope
		state  kms.State
		delete time.Time
		rotate time.Time
		due    bool
	}
	cases := []keyCase{
		{"deletion-past", sc, kms.StatePendingDeletion, now.Add(-time.Hour), time.Time{}, true},
		{"deletion-now", sc, kms.StatePendingDeletion, now, time.Time{}, true},
		{"deletion-future", sc, kms.StatePendingDeletion, now.Add(time.Millisecond), time.Time{}, false},
		{"rotation-past", sc, kms.StateEnabled, time.Time{}, now.Add(-time.Minute), true},
		{"rotation-now", sc, kms.StateEnabled, time.Time{}, now, true},
		{"rotation-future", sc, kms.StateEnabled, time.Time{}, now.Add(time.Millisecond), false},
		{"rotation-past-disabled", sc, kms.StateDisabled, time.Time{}, now.Add(-time.Hour), false},
		{"rotation-past-pending-deletion", sc, kms.StatePendingDeletion, now.Add(time.Hour), now.Add(-time.Hour), false},
		{"nothing-scheduled", sc, kms.StateEnabled, time.Time{}, time.Time{}, false},
		{"other-region-due", sc.otherRegion(), kms.StatePendingDeletion, now.Add(-time.Hour), time.Time{}, true},
		{"other-account-due", other, kms.StateEnabled, time.Time{}, now.Add(-time.Hour), true},
	}
	byID := map[string]keyCase{}
	keys := map[string]*kms.Key{}
	for _, c := range cases {
		k := c.sc.newKey(t, base)
		k.State, k.DeletionDate, k.NextRotation = c.state, c.delete, c.rotate
		if c.state == kms.StatePendingDeletion {
			k.PendingWindowDays = 7
		}
		if !c.rotate.IsZero() {
			k.RotationEnabled, k.RotationPeriodDays = true, 365
		}
		if err := s.CreateKey(ctx(t), k, newMaterial(t, k, base, "")); err != nil {
			t.Fatalf("CreateKey %s: %v", c.name, err)
		}
		byID[k.ID] = c
		keys[k.ID] = k
	}

	got, err := s.DueKeys(ctx(t), now)
	if err != nil {
		t.Fatalf("DueKeys: %v", err)
	}
	seen := map[string]bool{}
	for _, k := range got {
		c, ok := byID[k.ID]
		if !ok || k.Account != c.sc.account || k.Region != c.sc.region {
			continue // another test's key, in a shared database
		}
		if seen[k.ID] {
			t.Errorf("DueKeys returned %s twice", c.name)
		}
		seen[k.ID] = true
		if !c.due {
			t.Errorf("DueKeys returned %s, which is not due", c.name)
		}
		same(t, "due key "+c.name, keys[k.ID], k)
	}
	for id, c := range byID {
		if c.due && !seen[id] {
			t.Errorf("DueKeys missed %s", c.name)
		}
	}
}
