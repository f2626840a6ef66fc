package storagetest

import (
	"testing"
	"time"

	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/kms"
)

var usageTests = []test{
	{"later-wins", testUsageLaterWins},
	{"deleted-keys-dropped", testUsageDeletedKey},
}

func use(k *kms.Key, op string, at time.Time) kms.Usage {
	return kms.Usage{Account: k.Account, Region: k.Region, KeyID: k.ID, Operation: op, Time: at, EventID: "e-" + op, RequestID: "r-" + op}
}

func testUsageLaterWins(t *testing.T, s Stores) {
	sc := newScope(t)
	k, _ := sc.createKey(t, s, base)
	_, err := s.GetKeyUsage(ctx(t), k.Account, k.Region, k.ID)
	wantCode(t, err, errs.NotFound, "GetKeyUsage of an unused key")
	if err := s.PutKeyUsage(ctx(t), []kms.Usage{use(k, "Decrypt", base.Add(time.Minute))}); err != nil {
		t.Fatal(err)
	}
	// An older use flushed late does not replace a newer one.
	if err := s.PutKeyUsage(ctx(t), []kms.Usage{use(k, "Encrypt", base)}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetKeyUsage(ctx(t), k.Account, k.Region, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := use(k, "Decrypt", base.Add(time.Minute))
	same(t, "usage", &want, got)
	if err := s.PutKeyUsage(ctx(t), []kms.Usage{use(k, "Encrypt", base.Add(2*time.Minute))}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.GetKeyUsage(ctx(t), k.Account, k.Region, k.ID)
	if got.Operation != "Encrypt" {
		t.Fatalf("newer use not stored: %+v", got)
	}
}

func testUsageDeletedKey(t *testing.T, s Stores) {
	sc := newScope(t)
	k, _ := sc.createKey(t, s, base)
	gone := sc.newKey(t, base) // never stored
	if err := s.PutKeyUsage(ctx(t), []kms.Usage{use(gone, "Encrypt", base), use(k, "Encrypt", base)}); err != nil {
		t.Fatalf("a use of a missing key must be dropped, not fail the batch: %v", err)
	}
	if _, err := s.GetKeyUsage(ctx(t), k.Account, k.Region, k.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteKey(ctx(t), k.Account, k.Region, k.ID); err != nil {
		t.Fatal(err)
	}
	_, err := s.GetKeyUsage(ctx(t), k.Account, k.Region, k.ID)
	wantCode(t, err, errs.NotFound, "GetKeyUsage after the key was deleted")
}
