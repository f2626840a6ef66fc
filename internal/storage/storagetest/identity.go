package storagetest

import (
	"crypto/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/identity"
)

var accessKeyTests = []test{
	{"create-get", testAccessKeyCreateGet},
	{"duplicate", testAccessKeyDuplicate},
	{"not-found", testAccessKeyNotFound},
	{"list", testAccessKeyList},
	{"delete", testAccessKeyDelete},
	{"update-status", testAccessKeyUpdateStatus},
}

func newAccessKey(t *testing.T, account, user string, created time.Time) *identity.AccessKey {
	return &identity.AccessKey{
		ID:           "AKIA" + strings.ToUpper(rand.Text()[:16]),
		Account:      account,
		User:         user,
		Status:       "Active",
		Created:      created,
		SealedSecret: randBytes(t, 72),
	}
}

func testAccessKeyCreateGet(t *testing.T, s Stores) {
	account := randAccount(t)
	for _, k := range []*identity.AccessKey{
		newAccessKey(t, account, "", base),
		newAccessKey(t, account, "alice", base.Add(time.Millisecond).In(time.FixedZone("CET", 3600))),
	} {
		if k.User != "" {
			k.Status = "Inactive"
			k.UserID = randUniqueID(t, "AIDA")
		}
		if err := s.CreateAccessKey(ctx(t), k); err != nil {
			t.Fatalf("CreateAccessKey: %v", err)
		}
		got, err := s.GetAccessKey(ctx(t), k.ID)
		if err != nil {
			t.Fatalf("GetAccessKey: %v", err)
		}
		same(t, "access key", k, got)
	}
}

// Access key ids are unique across accounts, as in AWS.
func testAccessKeyDuplicate(t *testing.T, s Stores) {
	k := newAccessKey(t, randAccount(t), "", base)
	if err := s.CreateAccessKey(ctx(t), k); err != nil {
		t.Fatalf("CreateAccessKey: %v", err)
	}
	dup := newAccessKey(t, randAccount(t), "mallory", base.Add(time.Hour))
	dup.ID = k.ID
	wantCode(t, s.CreateAccessKey(ctx(t), dup), errs.AlreadyExists, "CreateAccessKey with a taken id")
	got, err := s.GetAccessKey(ctx(t), k.ID)
	if err != nil {
		t.Fatalf("GetAccessKey: %v", err)
	}
	same(t, "access key after failed duplicate", k, got)
	if l, err := s.ListAccessKeys(ctx(t), dup.Account); err != nil || len(l) != 0 {
		t.Fatalf("ListAccessKeys of the impostor's account: %v, %d", err, len(l))
	}
}

func testAccessKeyNotFound(t *testing.T, s Stores) {
	id := newAccessKey(t, randAccount(t), "", base).ID
	_, err := s.GetAccessKey(ctx(t), id)
	wantCode(t, err, errs.NotFound, "GetAccessKey")
	wantCode(t, s.DeleteAccessKey(ctx(t), id), errs.NotFound, "DeleteAccessKey")
}

func testAccessKeyList(t *testing.T, s Stores) {
	account, other := randAccount(t), randAccount(t)
	empty, err := s.ListAccessKeys(ctx(t), account)
	if err != nil || len(empty) != 0 {
		t.Fatalf("ListAccessKeys of an account without keys: %v, %d", err, len(empty))
	}

	// Inserted out of creation order.
	var want []*identity.AccessKey
	for _, d := range []time.Duration{3, 1, 2, 0} {
		k := newAccessKey(t, account, "bob", base.Add(d*time.Second))
		if err := s.CreateAccessKey(ctx(t), k); err != nil {
			t.Fatalf("CreateAccessKey: %v", err)
		}
		want = append(want, k)
	}
	if err := s.CreateAccessKey(ctx(t), newAccessKey(t, other, "", base)); err != nil {
		t.Fatalf("CreateAccessKey: %v", err)
	}
	slices.SortFunc(want, func(a, b *identity.AccessKey) int { return a.Created.Compare(b.Created) })

	got, err := s.ListAccessKeys(ctx(t), account)
	if err != nil {
		t.Fatalf("ListAccessKeys: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("ListAccessKeys: got %d keys, want %d", len(got), len(want))
	}
	for i := range want {
		same(t, "listed access key", want[i], got[i])
	}
}

func testAccessKeyDelete(t *testing.T, s Stores) {
	account := randAccount(t)
	k1 := newAccessKey(t, account, "", base)
	k2 := newAccessKey(t, account, "", base.Add(time.Second))
	for _, k := range []*identity.AccessKey{k1, k2} {
		if err := s.CreateAccessKey(ctx(t), k); err != nil {
			t.Fatalf("CreateAccessKey: %v", err)
		}
	}
	if err := s.DeleteAccessKey(ctx(t), k1.ID); err != nil {
		t.Fatalf("DeleteAccessKey: %v", err)
	}
	_, err := s.GetAccessKey(ctx(t), k1.ID)
	wantCode(t, err, errs.NotFound, "GetAccessKey after delete")
	wantCode(t, s.DeleteAccessKey(ctx(t), k1.ID), errs.NotFound, "DeleteAccessKey twice")
	got, err := s.ListAccessKeys(ctx(t), account)
	if err != nil || len(got) != 1 || got[0].ID != k2.ID {
		t.Fatalf("ListAccessKeys after delete: %v, %d", err, len(got))
	}
}

func testAccessKeyUpdateStatus(t *testing.T, s Stores) {
	k := newAccessKey(t, randAccount(t), "dora", base)
	k.UserID = randUniqueID(t, "AIDA")
	if err := s.CreateAccessKey(ctx(t), k); err != nil {
		t.Fatalf("CreateAccessKey: %v", err)
	}
	for _, status := range []string{"Inactive", "Active"} {
		if err := s.UpdateAccessKeyStatus(ctx(t), k.ID, status); err != nil {
			t.Fatalf("UpdateAccessKeyStatus: %v", err)
		}
		k.Status = status
		got, err := s.GetAccessKey(ctx(t), k.ID)
		if err != nil {
			t.Fatalf("GetAccessKey: %v", err)
		}
		same(t, "access key after a status change", k, got)
	}
	unknown := newAccessKey(t, k.Account, "", base)
	wantCode(t, s.UpdateAccessKeyStatus(ctx(t), unknown.ID, "Inactive"), errs.NotFound, "UpdateAccessKeyStatus of an unknown key")
}
