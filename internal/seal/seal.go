// Package seal is Keyward's root of trust. A Root holds the root key (from a
// key file or a passphrase) and seals records so that storage, which is
// untrusted, never holds key material or secrets in the clear. Each sealed
// record is bound to its identity through associated data, so a record
// moved or swapped in the database fails to open.
//
// It owns the root key's sources (key file, passphrase; PKCS#11 later), the
// sealed record format and the startup check that the root key matches the
// data directory. It must not log, must not choose what a record's
// associated data is (the caller passes the record's identity), must not
// touch the database except through MetaStore, and must never let the root
// key out: Root prints as "[redacted]" everywhere and has no accessor for
// its bytes.
package seal

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"

	"golang.org/x/crypto/chacha20poly1305"
)

// Sealed record, format version 1:
//
//	offset  size  field
//	0       1     version = 1
//	1       8     root key fingerprint (see Fingerprint)
//	9       24    XChaCha20-Poly1305 nonce, random per record
//	33      n+16  XChaCha20-Poly1305 ciphertext || tag
//
//	AEAD key = HKDF-SHA256(secret = root key, salt = none, info = aeadKeyInfo)
//	AAD      = "keyward/seal record\x00" || version || fingerprint || aad
//
// Overhead is 49 bytes. A 192-bit random nonce has no practical limit on the
// number of records one root key seals. The fingerprint lets Open say "sealed
// under a different root key" instead of a bare authentication failure.
const (
	version1       = 1
	fingerprintLen = 8
	nonceLen       = chacha20poly1305.NonceSizeX
	headerLen      = 1 + fingerprintLen + nonceLen

	// Overhead is how many bytes Seal adds to the plaintext.
	Overhead = headerLen + chacha20poly1305.Overhead

	keyLen = 32
)

const (
	aadLabel        = "keyward/seal record\x00"
	aeadKeyInfo     = "keyward/seal v1 xchacha20-poly1305 key"
	fingerprintInfo = "keyward root key id"
)

// Errors a caller can match with errors.Is. They carry no errs code, so
// errs.CodeOf gives errs.Internal and no client ever sees their text; the
// operator's log does.
var (
	// ErrWrongRoot: the record was sealed under a different root key.
	ErrWrongRoot = errors.New("seal: data was sealed under a different root key")
	// ErrOpen: the record is corrupt, was tampered with, or is bound to
	// different associated data (moved or swapped in storage).
	ErrOpen = errors.New("seal: sealed record is corrupt or does not belong here")
	// ErrRootMismatch: the root key does not open this data directory's check value.
	ErrRootMismatch = errors.New("seal: root key does not match this data directory")
)

// Root seals and opens records under the root key. Its String, GoString,
// Format and LogValue never reveal the key. Use it through a pointer; Root
// values cannot be compared.
type Root struct {
	_ [0]func() // not comparable

	// The keys sit behind a pointer: fmt cannot call Format on a Root held in
	// an unexported field of another struct, but it prints a nested pointer
	// as an address, never as the bytes it points to.
	k *rootKeys
}

type rootKeys struct {
	key         [keyLen]byte // the root key; only HKDF and HMAC see it
	aeadKey     [keyLen]byte // XChaCha20-Poly1305 key derived from it
	fingerprint [fingerprintLen]byte
}

// FromKey returns a Root for a 32-byte root key. It copies key; the caller
// may zero its own copy afterwards.
func FromKey(key []byte) (*Root, error) {
	if len(key) != keyLen {
		return nil, fmt.Errorf("seal: root key is %d bytes, want %d", len(key), keyLen)
	}
	k := &rootKeys{}
	copy(k.key[:], key)
	aeadKey, err := hkdf.Key(sha256.New, k.key[:], nil, aeadKeyInfo, keyLen)
	if err != nil {
		return nil, err
	}
	copy(k.aeadKey[:], aeadKey)
	clear(aeadKey)
	mac := hmac.New(sha256.New, k.key[:])
	mac.Write([]byte(fingerprintInfo))
	copy(k.fingerprint[:], mac.Sum(nil))
	return &Root{k: k}, nil
}

// Generate returns a Root with a fresh random key that lives only in memory:
// for `serve --dev` with a temporary store, and for tests.
func Generate() *Root {
	var key [keyLen]byte
	rand.Read(key[:])
	r, err := FromKey(key[:])
	clear(key[:])
	if err != nil {
		panic(err) // unreachable: the key has the right length
	}
	return r
}

// Fingerprint returns the root key's public identifier, 16 hex characters:
// the first 8 bytes of HMAC-SHA256(root key, "keyward root key id"). It is
// safe to log and tells root keys apart without revealing them.
func (r *Root) Fingerprint() string { return hex.EncodeToString(r.k.fingerprint[:]) }

// Seal encrypts plaintext bound to aad (the record's identity). The output is
// versioned and names the root key it was sealed under.
func (r *Root) Seal(aad, plaintext []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(r.k.aeadKey[:])
	if err != nil {
		return nil, err
	}
	out := make([]byte, headerLen, headerLen+len(plaintext)+chacha20poly1305.Overhead)
	out[0] = version1
	copy(out[1:], r.k.fingerprint[:])
	nonce := out[1+fingerprintLen : headerLen]
	rand.Read(nonce)
	return aead.Seal(out, nonce, plaintext, r.recordAAD(version1, aad)), nil
}

// Open reverses Seal. A wrong root key, wrong aad or any tampering gives an
// error wrapping ErrWrongRoot (the record names another root key's
// fingerprint) or ErrOpen (anything else).
func (r *Root) Open(aad, sealed []byte) ([]byte, error) {
	if len(sealed) < Overhead {
		return nil, fmt.Errorf("%w: %d bytes is too short", ErrOpen, len(sealed))
	}
	if sealed[0] != version1 {
		return nil, fmt.Errorf("%w: unknown format version %d", ErrOpen, sealed[0])
	}
	fp := sealed[1 : 1+fingerprintLen]
	if subtle.ConstantTimeCompare(fp, r.k.fingerprint[:]) != 1 {
		return nil, fmt.Errorf("%w (record names root key %x, this root key is %s)", ErrWrongRoot, fp, r.Fingerprint())
	}
	aead, err := chacha20poly1305.NewX(r.k.aeadKey[:])
	if err != nil {
		return nil, err
	}
	plaintext, err := aead.Open(nil, sealed[1+fingerprintLen:headerLen], sealed[headerLen:], r.recordAAD(sealed[0], aad))
	if err != nil {
		return nil, ErrOpen
	}
	return plaintext, nil
}

// recordAAD is aadLabel || version || fingerprint || aad. Everything before
// aad has a fixed length, so the encoding is unambiguous.
func (r *Root) recordAAD(version byte, aad []byte) []byte {
	b := make([]byte, 0, len(aadLabel)+1+fingerprintLen+len(aad))
	b = append(b, aadLabel...)
	b = append(b, version)
	b = append(b, r.k.fingerprint[:]...)
	return append(b, aad...)
}

const redacted = "[redacted]"

// String returns "[redacted]".
func (Root) String() string { return redacted }

// GoString returns "[redacted]", for %#v.
func (Root) GoString() string { return redacted }

// Format writes "[redacted]" for every fmt verb (%v, %+v, %#v, %s, %x, ...).
func (Root) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue returns "[redacted]" for log/slog. Log Fingerprint instead.
func (Root) LogValue() slog.Value { return slog.StringValue(redacted) }

// DeriveKey returns a subkey of the root key for one named purpose (HKDF
// with the label as info), e.g. the audit trail's digest signing key. The
// label must be unique to the purpose; the subkey reveals nothing of the
// root key or of other subkeys.
func (r *Root) DeriveKey(label string, n int) ([]byte, error) {
	return hkdf.Key(sha256.New, r.k.key[:], nil, "keyward subkey v1\x00"+label, n)
}
