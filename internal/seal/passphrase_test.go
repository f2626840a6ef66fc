package seal

import (
	"testing"
	"time"
)

func TestFromPassphrase(t *testing.T) {
	salt1, err := NewSalt()
	if err != nil {
		t.Fatal(err)
	}
	salt2, err := NewSalt()
	if err != nil {
		t.Fatal(err)
	}
	if string(salt1) == string(salt2) {
		t.Fatal("two NewSalt calls gave the same salt")
	}
	if len(salt1) < 17 || salt1[0] != 1 {
		t.Fatalf("salt record %x: want KDF version 1 and at least 16 salt bytes", salt1)
	}

	start := time.Now()
	a, err := FromPassphrase("correct horse battery staple", salt1)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("one Argon2id derivation: %v", time.Since(start))
	b, err := FromPassphrase("correct horse battery staple", salt1)
	if err != nil {
		t.Fatal(err)
	}
	if a.Fingerprint() != b.Fingerprint() {
		t.Error("same passphrase and salt gave different root keys")
	}
	sealed, err := a.Seal([]byte("x"), []byte("y"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Open([]byte("x"), sealed); err != nil {
		t.Errorf("root derived again cannot open: %v", err)
	}

	c, err := FromPassphrase("correct horse battery staple", salt2)
	if err != nil {
		t.Fatal(err)
	}
	if c.Fingerprint() == a.Fingerprint() {
		t.Error("another salt gave the same root key")
	}
	d, err := FromPassphrase("correct horse battery stapler", salt1)
	if err != nil {
		t.Fatal(err)
	}
	if d.Fingerprint() == a.Fingerprint() {
		t.Error("another passphrase gave the same root key")
	}
}

// TestFromPassphraseKnownAnswer pins KDF version 1 (Argon2id t=3, 64 MiB,
// 4 threads): a passphrase-sealed data directory must keep opening after
// any refactoring.
func TestFromPassphraseKnownAnswer(t *testing.T) {
	salt := append([]byte{1}, seq(0x30, 16)...)
	r, err := FromPassphrase("keyward", salt)
	if err != nil {
		t.Fatal(err)
	}
	const want = "7d87dea0026eb714"
	if got := r.Fingerprint(); got != want {
		t.Errorf("fingerprint = %s, want %s", got, want)
	}
}

func TestFromPassphraseRejects(t *testing.T) {
	good, _ := NewSalt()
	tests := []struct {
		name       string
		passphrase string
		salt       []byte
	}{
		{"fail/empty-passphrase", "", good},
		{"fail/nil-salt", "p", nil},
		{"fail/short-salt", "p", good[:16]},
		{"fail/unknown-kdf-version-0", "p", append([]byte{0}, good[1:]...)},
		{"fail/unknown-kdf-version-2", "p", append([]byte{2}, good[1:]...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := FromPassphrase(tt.passphrase, tt.salt); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// BenchmarkFromPassphrase measures one Argon2id derivation (KDF version 1).
func BenchmarkFromPassphrase(b *testing.B) {
	salt, _ := NewSalt()
	for b.Loop() {
		if _, err := FromPassphrase("correct horse battery staple", salt); err != nil {
			b.Fatal(err)
		}
	}
}
