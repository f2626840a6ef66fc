package seal

import (
	"crypto/rand"
	"errors"
	"fmt"

	"golang.org/x/crypto/argon2"
)

// A salt record, as NewSalt makes and FromPassphrase takes it, is
//
//	KDF version (1 byte) || random salt (16 bytes)
//
// The version names the Argon2id parameters, so they can be raised later:
// a data directory keeps the version its salt was made with, and a new
// directory gets the newest. Only version 1 exists today.
type kdfParams struct {
	time      uint32 // passes
	memoryKiB uint32
	threads   uint8
}

// kdfVersions maps a salt record's version to its Argon2id parameters.
//
// Version 1: Argon2id, time = 3, memory = 64 MiB, threads = 4, 32-byte key,
// 16-byte salt: the second recommended option of RFC 9106 section 4 (64 MiB)
// with one more pass.
var kdfVersions = map[byte]kdfParams{
	1: {time: 3, memoryKiB: 64 * 1024, threads: 4},
}

const (
	currentKDFVersion = 1
	saltLen           = 16
)

// NewSalt returns a fresh salt record for FromPassphrase, with the current
// KDF version. It is not secret; store it as-is (Unlock keeps it in the
// MetaStore under "seal.salt").
func NewSalt() ([]byte, error) {
	s := make([]byte, 1+saltLen)
	s[0] = currentKDFVersion
	rand.Read(s[1:])
	return s, nil
}

// FromPassphrase derives the root key from a passphrase and salt with a
// memory-hard KDF (Argon2id). salt is a salt record from NewSalt: its first
// byte selects the Argon2id parameters. The passphrase must not be empty.
// One derivation takes 64 MiB of memory and about 0.15 s on an idle
// two-core machine.
func FromPassphrase(passphrase string, salt []byte) (*Root, error) {
	if passphrase == "" {
		return nil, errors.New("seal: the passphrase is empty")
	}
	if len(salt) < 1+saltLen {
		return nil, fmt.Errorf("seal: salt record is %d bytes, want at least %d", len(salt), 1+saltLen)
	}
	p, ok := kdfVersions[salt[0]]
	if !ok {
		return nil, fmt.Errorf("seal: salt record has unknown KDF version %d", salt[0])
	}
	pass := []byte(passphrase)
	key := argon2.IDKey(pass, salt[1:], p.time, p.memoryKiB, p.threads, keyLen)
	clear(pass)
	defer clear(key)
	return FromKey(key)
}
