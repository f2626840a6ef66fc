package seal

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/keyward/keyward/internal/errs"
)

// memMeta is an in-memory MetaStore for these tests only.
type memMeta struct {
	mu     sync.Mutex
	values map[string][]byte
	puts   []string
}

var _ MetaStore = (*memMeta)(nil)

func newMemMeta() *memMeta { return &memMeta{values: map[string][]byte{}} }

func (m *memMeta) GetMeta(_ context.Context, name string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.values[name]
	if !ok {
		return nil, errs.E(errs.NotFound, "")
	}
	return append([]byte(nil), v...), nil
}

func (m *memMeta) PutMeta(_ context.Context, name string, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.values[name] = append([]byte(nil), value...)
	m.puts = append(m.puts, name)
	return nil
}

func TestUnlockKeyFile(t *testing.T) {
	ctx := context.Background()
	meta := newMemMeta()
	path := filepath.Join(t.TempDir(), "root.key")

	r1, created, err := Unlock(ctx, meta, path, "")
	if err != nil {
		t.Fatal(err)
	}
	if !created {
		t.Error("first start: created = false")
	}
	if _, ok := meta.values[MetaCheck]; !ok {
		t.Fatal("first start stored no check value")
	}
	if _, ok := meta.values[MetaSalt]; ok {
		t.Error("key-file mode stored a passphrase salt")
	}

	r2, created, err := Unlock(ctx, meta, path, "")
	if err != nil {
		t.Fatal(err)
	}
	if created {
		t.Error("second start: created = true")
	}
	if r1.Fingerprint() != r2.Fingerprint() {
		t.Error("second start gave a different root key")
	}

	// Another key file against the same data directory.
	otherPath := filepath.Join(t.TempDir(), "other.key")
	if _, _, err := LoadKeyFile(otherPath, true); err != nil {
		t.Fatal(err)
	}
	_, _, err = Unlock(ctx, meta, otherPath, "")
	if !errors.Is(err, ErrRootMismatch) {
		t.Fatalf("wrong key file: %v, want ErrRootMismatch", err)
	}
	if !strings.Contains(err.Error(), "root key does not match this data directory") {
		t.Errorf("error %q is not clear", err)
	}

	// The key file is lost: Unlock must not quietly create a new one.
	missing := filepath.Join(t.TempDir(), "lost.key")
	if _, _, err := Unlock(ctx, meta, missing, ""); err == nil {
		t.Fatal("Unlock created a new key for an existing data directory")
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("a new key file was left behind")
	}

	// A passphrase cannot open a key-file data directory, and stores nothing trying.
	before := len(meta.puts)
	if _, _, err := Unlock(ctx, meta, "", "a passphrase"); err == nil {
		t.Fatal("a passphrase unlocked a key-file data directory")
	}
	if len(meta.puts) != before {
		t.Errorf("a refused Unlock wrote %v", meta.puts[before:])
	}
}

func TestUnlockPassphrase(t *testing.T) {
	ctx := context.Background()
	meta := newMemMeta()

	r1, created, err := Unlock(ctx, meta, "", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !created {
		t.Error("first start: created = false")
	}
	salt, ok := meta.values[MetaSalt]
	if !ok {
		t.Fatal("no salt stored")
	}
	if _, ok := meta.values[MetaCheck]; !ok {
		t.Fatal("no check value stored")
	}
	direct, err := FromPassphrase("correct horse", salt)
	if err != nil {
		t.Fatal(err)
	}
	if direct.Fingerprint() != r1.Fingerprint() {
		t.Error("Unlock did not derive the root key from the stored salt")
	}

	r2, created, err := Unlock(ctx, meta, "", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if created || r2.Fingerprint() != r1.Fingerprint() {
		t.Errorf("second start: created = %v, same key = %v", created, r2.Fingerprint() == r1.Fingerprint())
	}
	if string(meta.values[MetaSalt]) != string(salt) {
		t.Error("second start replaced the salt")
	}

	_, _, err = Unlock(ctx, meta, "", "wrong horse")
	if !errors.Is(err, ErrRootMismatch) {
		t.Fatalf("wrong passphrase: %v, want ErrRootMismatch", err)
	}

	// Without the passphrase, Unlock must not create a key file for this directory.
	path := filepath.Join(t.TempDir(), "root.key")
	if _, _, err := Unlock(ctx, meta, path, ""); err == nil {
		t.Fatal("no passphrase: Unlock succeeded")
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("a key file was created for a passphrase data directory")
	}
}

func TestUnlockNoKeySource(t *testing.T) {
	if _, _, err := Unlock(context.Background(), newMemMeta(), "", ""); err == nil {
		t.Fatal("Unlock with neither key file nor passphrase succeeded")
	}
}

// failingMeta returns an error that is not NotFound.
type failingMeta struct{}

func (failingMeta) GetMeta(context.Context, string) ([]byte, error) {
	return nil, errors.New("database is down")
}
func (failingMeta) PutMeta(context.Context, string, []byte) error {
	return errors.New("database is down")
}

func TestUnlockStoreError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "root.key")
	if _, _, err := Unlock(context.Background(), failingMeta{}, path, ""); err == nil {
		t.Fatal("Unlock succeeded with a failing store")
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("a key file was created although the store could not be read")
	}
}

func TestCheckValue(t *testing.T) {
	r := mustRoot(t, seq(5, 32))
	check, err := r.CheckValue()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.VerifyCheck(check); err != nil {
		t.Fatal(err)
	}
	other := mustRoot(t, seq(6, 32))
	tests := []struct {
		name  string
		root  *Root
		check []byte
	}{
		{"fail/other-root", other, check},
		{"fail/tampered", r, append(check[:len(check)-1:len(check)-1], check[len(check)-1]^1)},
		{"fail/empty", r, nil},
		// A record sealed under the right root but for another identity is not a check value.
		{"fail/other-record", r, must(r.Seal([]byte("record"), []byte("keyward root key check v1")))},
		{"fail/other-constant", r, must(r.Seal([]byte(checkAAD), []byte("something else")))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.root.VerifyCheck(tt.check)
			if !errors.Is(err, ErrRootMismatch) {
				t.Fatalf("VerifyCheck: %v, want ErrRootMismatch", err)
			}
			if !strings.Contains(err.Error(), "root key does not match this data directory") {
				t.Errorf("error %q is not clear", err)
			}
		})
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
