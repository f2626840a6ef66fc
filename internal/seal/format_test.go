package seal

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"
)

// TestFormatV1Independent opens a fresh record with x/crypto and the
// standard library called directly, following the layout documented in
// seal.go, so the documentation and the code cannot drift apart.
func TestFormatV1Independent(t *testing.T) {
	key := seq(0x20, 32)
	r := mustRoot(t, key)
	aad := []byte("material/key-1/v1")
	plaintext := []byte("independent check")
	sealed, err := r.Seal(aad, plaintext)
	if err != nil {
		t.Fatal(err)
	}

	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("keyward root key id"))
	fp := mac.Sum(nil)[:8]
	if !bytes.Equal(sealed[1:9], fp) || r.Fingerprint() != hex.EncodeToString(fp) {
		t.Fatalf("fingerprint %x / %s, want %x", sealed[1:9], r.Fingerprint(), fp)
	}
	aeadKey, err := hkdf.Key(sha256.New, key, nil, "keyward/seal v1 xchacha20-poly1305 key", 32)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := chacha20poly1305.NewX(aeadKey)
	if err != nil {
		t.Fatal(err)
	}
	fullAAD := append([]byte("keyward/seal record\x00\x01"), fp...)
	fullAAD = append(fullAAD, aad...)
	got, err := aead.Open(nil, sealed[9:33], sealed[33:], fullAAD)
	if err != nil {
		t.Fatalf("independent open: %v", err)
	}
	if !bytes.Equal(got, plaintext) {
		t.Fatalf("independent open = %q, want %q", got, plaintext)
	}
}

// TestFormatV1Frozen: a record sealed by this version must open in every
// later one, or existing data directories stop opening.
func TestFormatV1Frozen(t *testing.T) {
	const frozen = "01125628a59b0fdd3efcfeccfa5fad9c7a03c6220d089c3a2cc99d39f311be647d6ea492c8bc4d5463fca41f5655f6f09eabe9124c6c69678bbd4284de9a4089fc"
	sealed, err := hex.DecodeString(frozen)
	if err != nil {
		t.Fatal(err)
	}
	r := mustRoot(t, seq(0x20, 32))
	got, err := r.Open([]byte("material/key-1/v1"), sealed)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "frozen plaintext" {
		t.Fatalf("Open = %q", got)
	}
}
