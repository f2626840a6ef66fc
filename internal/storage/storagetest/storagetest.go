// Package storagetest is the conformance suite every Keyward storage adapter
// must pass: it turns the contracts that kms.Store, identity.AccessKeyStore,
// identity.PrincipalStore, seal.MetaStore and notify.Store document (error
// codes, ordering, pagination, atomicity, optimistic concurrency, isolation
// by account and region, exact field round-trips) into tests run against a
// real database.
//
// It depends only on the domain packages, never on an adapter, so SQLite and
// PostgreSQL run the very same suite. The tests do not assume an empty
// database: each uses fresh random account ids, key ids and names, so an
// adapter may hand every test a new database or share one.
package storagetest

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/alarms"
	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/identity"
	"github.com/keyward/keyward/internal/kms"
	"github.com/keyward/keyward/internal/notify"
	"github.com/keyward/keyward/internal/seal"
)

// Stores is what a storage adapter provides: every domain Store in one value.
type Stores interface {
	kms.Store
	identity.AccessKeyStore
	identity.PrincipalStore
	seal.MetaStore
	notify.Store
	alarms.Store
}

// Run runs the conformance suite. open returns a ready store for one test and
// registers its cleanup with t.Cleanup; it is called once per subtest.
func Run(t *testing.T, open func(t *testing.T) Stores) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"keys", keyTests},
		{"aliases", aliasTests},
		{"access-keys", accessKeyTests},
		{"meta", metaTests},
		{"principals", principalTests},
		{"policies", policyTests},
		{"sessions", sessionTests},
		{"notify", notifyTests},
		{"alarms", alarmTests},
		{"grants", grantTests},
		{"key-usage", usageTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					tc.fn(t, open(t))
				})
			}
		})
	}
}

type test struct {
	name string
	fn   func(t *testing.T, s Stores)
}

// base is a fixed instant with millisecond precision: adapters must keep at
// least milliseconds, so fixtures use no finer times.
var base = time.Date(2025, time.March, 14, 15, 9, 26, 535_000_000, time.UTC)

// scope is one (account, region) that no other test uses.
type scope struct {
	account, region string
}

func newScope(t *testing.T) scope {
	return scope{account: randAccount(t), region: "us-east-1"}
}

// otherRegion is the same account in another region.
func (sc scope) otherRegion() scope { return scope{account: sc.account, region: "eu-west-1"} }

func randBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func randAccount(t *testing.T) string {
	return fmt.Sprintf("%012d", binary.BigEndian.Uint64(randBytes(t, 8))%1_000_000_000_000)
}

func randUUID(t *testing.T) string {
	b := randBytes(t, 16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func randMaterialID(t *testing.T) string { return hex.EncodeToString(randBytes(t, 32)) }

// newKey returns a minimal enabled key of sc created at created, Version 1.
func (sc scope) newKey(t *testing.T, created time.Time) *kms.Key {
	return &kms.Key{
		Account:           sc.account,
		Region:            sc.region,
		ID:                randUUID(t),
		KeySpec:           kms.SpecSymmetricDefault,
		KeyUsage:          kms.UsageEncryptDecrypt,
		Origin:            kms.OriginAWSKMS,
		KeyManager:        "CUSTOMER",
		State:             kms.StateEnabled,
		Created:           created,
		Policy:            `{"Version":"2012-10-17","Statement":[]}`,
		CurrentMaterialID: randMaterialID(t),
		Version:           1,
	}
}

// newMaterial returns a material of k with random sealed bytes.
func newMaterial(t *testing.T, k *kms.Key, created time.Time, rotation string) *kms.Material {
	return &kms.Material{
		Account:  k.Account,
		Region:   k.Region,
		KeyID:    k.ID,
		ID:       randMaterialID(t),
		Sealed:   randBytes(t, 60),
		Created:  created,
		Rotation: rotation,
	}
}

// createKey stores a new key of sc with a first material and returns both.
func (sc scope) createKey(t *testing.T, s Stores, created time.Time) (*kms.Key, *kms.Material) {
	t.Helper()
	k := sc.newKey(t, created)
	m := newMaterial(t, k, created, "")
	k.CurrentMaterialID = m.ID
	if err := s.CreateKey(t.Context(), k, m); err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	return k, m
}

// wantCode fails the test unless err carries code.
func wantCode(t *testing.T, err error, code errs.Code, what string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: got no error, want %s", what, code)
	}
	if !errs.Is(err, code) {
		t.Fatalf("%s: got %v (code %s), want code %s", what, err, errs.CodeOf(err), code)
	}
}

// diff lists the fields in which *want and *got (structs of one type) differ.
// Times must be Equal and, when set, come back in UTC; nil and empty slices
// are equal. Every exported field is compared, so fields added later are
// covered without editing this function.
func diff(want, got any) []string {
	wv, gv := reflect.ValueOf(want).Elem(), reflect.ValueOf(got).Elem()
	var out []string
	for i := range wv.NumField() {
		name := wv.Type().Field(i).Name
		w, g := wv.Field(i), gv.Field(i)
		if wt, ok := w.Interface().(time.Time); ok {
			gt := g.Interface().(time.Time)
			switch {
			case wt.IsZero() != gt.IsZero() || !wt.Equal(gt):
				out = append(out, fmt.Sprintf("%s: want %v, got %v", name, wt, gt))
			case !gt.IsZero() && gt.Location() != time.UTC:
				out = append(out, fmt.Sprintf("%s: got location %v, want UTC", name, gt.Location()))
			}
			continue
		}
		if w.Kind() == reflect.Slice && w.Len() == 0 && g.Len() == 0 {
			continue
		}
		if !reflect.DeepEqual(w.Interface(), g.Interface()) {
			out = append(out, fmt.Sprintf("%s: want %#v, got %#v", name, w.Interface(), g.Interface()))
		}
	}
	return out
}

// same fails the test if want and got differ in any field.
func same(t *testing.T, what string, want, got any) {
	t.Helper()
	if reflect.ValueOf(got).IsNil() {
		t.Fatalf("%s: got nil", what)
	}
	if d := diff(want, got); len(d) > 0 {
		t.Fatalf("%s differs:\n\t%s", what, strings.Join(d, "\n\t"))
	}
}

// ctx is shorthand for the test's context.
func ctx(t *testing.T) context.Context { return t.Context() }
