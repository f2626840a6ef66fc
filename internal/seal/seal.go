// Package seal is Keyward's root of trust. A Root holds the root key (from a
// key file or a passphrase) and seals records so that storage, which is
// untrusted, never holds key material or secrets in the clear. Each sealed
// record is bound to its identity through associated data, so a record
// moved or swapped in the database fails to open.
package seal

import "context"

// Root seals and opens records under the root key. Its String, GoString and
// LogValue never reveal the key.
type Root struct {
	key [32]byte
}

// LoadKeyFile reads a 32-byte root key file. If the file does not exist and
// create is true, a fresh key is written with mode 0600 and created is true.
func LoadKeyFile(path string, create bool) (r *Root, created bool, err error) {
	panic("unimplemented")
}

// FromPassphrase derives the root key from a passphrase and salt with a
// memory-hard KDF (Argon2id).
func FromPassphrase(passphrase string, salt []byte) (*Root, error) {
	panic("unimplemented")
}

// Seal encrypts plaintext bound to aad (the record's identity). The output is
// versioned and names the root key it was sealed under.
func (r *Root) Seal(aad, plaintext []byte) ([]byte, error) {
	panic("unimplemented")
}

// Open reverses Seal. A wrong root key, wrong aad or any tampering gives an error.
func (r *Root) Open(aad, sealed []byte) ([]byte, error) {
	panic("unimplemented")
}

// MetaStore keeps the small, non-secret values the seal needs across
// restarts: the passphrase salt and a sealed check value that tells a wrong
// root key from a right one. GetMeta returns errs.NotFound when absent.
type MetaStore interface {
	GetMeta(ctx context.Context, name string) ([]byte, error)
	PutMeta(ctx context.Context, name string, value []byte) error
}
