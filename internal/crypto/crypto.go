// Package crypto holds Keyward's cryptographic primitives and formats: the
// versioned ciphertext blob for symmetric keys, key-material generation and
// the canonical encryption context. It does no I/O and knows nothing of
// storage, HTTP or policy.
package crypto

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
func Seal(backing []byte, h BlobHeader, ec map[string]string, plaintext []byte) ([]byte, error) {
	panic("unimplemented")
}

// ParseHeader reads the header of a blob without decrypting it. Any malformed
// blob gives an *errs.Error with Code errs.InvalidCiphertext and an empty message.
func ParseHeader(blob []byte) (BlobHeader, error) {
	panic("unimplemented")
}

// Open decrypts a blob made by Seal. Any failure (tampering, wrong key, wrong
// encryption context) gives errs.InvalidCiphertext with an empty message.
func Open(backing []byte, ec map[string]string, blob []byte) ([]byte, error) {
	panic("unimplemented")
}

// CanonicalContext returns the unambiguous byte encoding of an encryption
// context: order-independent, length-prefixed.
func CanonicalContext(ec map[string]string) []byte {
	panic("unimplemented")
}

// NewMaterial returns fresh random key material for spec (SYMMETRIC_DEFAULT:
// 32 bytes) and a new 64-hex-character material id.
func NewMaterial(spec string) (material []byte, id string, err error) {
	panic("unimplemented")
}

// Random returns n cryptographically random bytes.
func Random(n int) ([]byte, error) {
	panic("unimplemented")
}
