package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
)

// The blob code reaches AES-GCM and HKDF only through these three functions,
// and the Wycheproof known-answer tests drive the same functions, so the
// vectors check exactly the calls the blob makes.

// gcmSeal appends AES-256-GCM(key, nonce, plaintext, aad) || tag to dst. It
// accepts only a 32-byte key and a 12-byte nonce.
func gcmSeal(dst, key, nonce, plaintext, aad []byte) ([]byte, error) {
	aead, err := newGCM(key, nonce)
	if err != nil {
		return nil, err
	}
	return aead.Seal(dst, nonce, plaintext, aad), nil
}

// gcmOpen authenticates and decrypts ciphertext||tag, appending the plaintext
// to dst. It accepts only a 32-byte key and a 12-byte nonce.
func gcmOpen(dst, key, nonce, ciphertext, aad []byte) ([]byte, error) {
	aead, err := newGCM(key, nonce)
	if err != nil {
		return nil, err
	}
	return aead.Open(dst, nonce, ciphertext, aad)
}

func newGCM(key, nonce []byte) (cipher.AEAD, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("crypto: AES-256-GCM key is %d bytes, want 32", len(key))
	}
	if len(nonce) != nonceLen {
		return nil, fmt.Errorf("crypto: AES-GCM nonce is %d bytes, want %d", len(nonce), nonceLen)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block) // standard 12-byte nonce, 16-byte tag
}

// hkdfSHA256 is RFC 5869 HKDF with SHA-256 from crypto/hkdf.
func hkdfSHA256(secret, salt, info []byte, length int) ([]byte, error) {
	return hkdf.Key(sha256.New, secret, salt, string(info), length)
}

// deriveKey returns the per-message AES-256 key of a blob.
func deriveKey(backing, salt, header []byte) ([]byte, error) {
	info := make([]byte, 0, len(dataKeyLabel)+len(header))
	info = append(info, dataKeyLabel...)
	info = append(info, header...)
	return hkdfSHA256(backing, salt, info, 32)
}
