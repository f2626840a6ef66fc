// Package crypto holds Keyward's cryptographic primitives and formats: the
// versioned ciphertext blob for symmetric keys, key-material generation and
// the canonical encryption context. It does no I/O and knows nothing of
// storage, HTTP or policy.
//
// It owns the bytes of a ciphertext blob (see blob.go for the layout) and the
// calls into the standard library's primitives (crypto/aes, crypto/cipher,
// crypto/hkdf, crypto/rand). It must not log, must not keep key material
// beyond a call, must not decide which key a caller may use, and must never
// put plaintext, key bytes or the reason a decryption failed into an error
// that reaches a client: every decryption failure is the same
// errs.InvalidCiphertext with an empty message, as AWS KMS sends it.
package crypto

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/keyward/keyward/internal/errs"
)

// BlobHeader is what a ciphertext blob says about itself: the key and the key
// material version that encrypted it. It is authenticated (part of the AAD),
// not secret.
type BlobHeader struct {
	KeyARN     string // arn:aws:kms:<region>:<account>:key/<id>
	MaterialID string // 64 lowercase hex characters
}

// Seal encrypts plaintext under backing (32 bytes of SYMMETRIC_DEFAULT key
// material) and returns a self-describing ciphertext blob. A fresh AES-256-GCM
// key is derived per message with HKDF-SHA256 from backing and a random salt;
// the AAD binds the whole header and CanonicalContext(ec).
//
// Errors from Seal are the caller's bugs (wrong backing length, malformed
// header) and carry no errs code, so they stay internal.
func Seal(backing []byte, h BlobHeader, ec map[string]string, plaintext []byte) ([]byte, error) {
	var salt [saltLen]byte
	var nonce [nonceLen]byte
	rand.Read(salt[:])
	rand.Read(nonce[:])
	return sealWith(backing, h, ec, plaintext, &salt, &nonce)
}

// ParseHeader reads the header of a blob without decrypting it. Any malformed
// blob gives an *errs.Error with Code errs.InvalidCiphertext and an empty message.
//
// A blob that parses is well-formed, not authentic: only Open proves that.
func ParseHeader(blob []byte) (BlobHeader, error) {
	p, err := parseBlob(blob)
	if err != nil {
		return BlobHeader{}, err
	}
	return BlobHeader{KeyARN: p.keyARN, MaterialID: hex.EncodeToString(p.materialID[:])}, nil
}

// Open decrypts a blob made by Seal. Any failure (tampering, wrong key, wrong
// encryption context) gives errs.InvalidCiphertext with an empty message.
//
// A backing key of the wrong length is the caller's bug, not the client's:
// that error carries no errs code.
func Open(backing []byte, ec map[string]string, blob []byte) ([]byte, error) {
	if len(backing) != backingLen {
		return nil, fmt.Errorf("crypto: backing key is %d bytes, want %d", len(backing), backingLen)
	}
	p, err := parseBlob(blob)
	if err != nil {
		return nil, err
	}
	header := blob[:p.headerLen]
	key, err := deriveKey(backing, p.salt[:], header)
	if err != nil {
		return nil, errInvalidCiphertext()
	}
	defer clear(key)
	aad := appendAAD(header, ec)
	plaintext, err := gcmOpen(nil, key, p.nonce[:], blob[p.headerLen:], aad)
	if err != nil {
		return nil, errInvalidCiphertext()
	}
	return plaintext, nil
}

// NewMaterial returns fresh random key material for spec (SYMMETRIC_DEFAULT:
// 32 bytes) and a new 64-hex-character material id. Other specs give
// errs.UnsupportedOperation.
func NewMaterial(spec string) (material []byte, id string, err error) {
	if spec != specSymmetricDefault {
		return nil, "", errs.Ef(errs.UnsupportedOperation, "KeySpec %s is not supported.", spec)
	}
	material = make([]byte, backingLen)
	rand.Read(material)
	var raw [materialIDLen]byte
	rand.Read(raw[:])
	return material, hex.EncodeToString(raw[:]), nil
}

// Random returns n cryptographically random bytes from crypto/rand.
func Random(n int) ([]byte, error) {
	if n < 0 {
		return nil, fmt.Errorf("crypto: Random(%d): negative length", n)
	}
	b := make([]byte, n)
	rand.Read(b) // never returns an error; crashes the program if the OS cannot supply randomness
	return b, nil
}

const specSymmetricDefault = "SYMMETRIC_DEFAULT"

// errInvalidCiphertext is the one error every decryption failure returns. It
// carries no cause on purpose: which check failed is an oracle, and AWS
// sends an empty message too. A fresh value each time, so no caller can
// mutate a shared one.
func errInvalidCiphertext() error {
	return &errs.Error{Code: errs.InvalidCiphertext, Msg: ""}
}
