package seal

import (
	"bytes"
	"context"
	"crypto/subtle"
	"fmt"

	"github.com/keyward/keyward/internal/errs"
)

// MetaStore keeps the small, non-secret values the seal needs across
// restarts: the passphrase salt and a sealed check value that tells a wrong
// root key from a right one. GetMeta returns errs.NotFound when absent.
type MetaStore interface {
	GetMeta(ctx context.Context, name string) ([]byte, error)
	PutMeta(ctx context.Context, name string, value []byte) error
}

// MetaStore names used by Unlock.
const (
	MetaSalt  = "seal.salt"  // salt record for FromPassphrase
	MetaCheck = "seal.check" // CheckValue of the data directory's root key
)

// checkAAD and checkPlaintext make the check value: a record no other use of
// Seal can produce, because no record identity equals checkAAD.
const (
	checkAAD       = "keyward/seal check value"
	checkPlaintext = "keyward root key check v1"
)

// CheckValue returns a sealed known constant. Stored next to the data, it
// lets VerifyCheck tell at startup whether a root key is the one the data
// was sealed under, before anything else is opened.
func (r *Root) CheckValue() ([]byte, error) {
	return r.Seal([]byte(checkAAD), []byte(checkPlaintext))
}

// VerifyCheck returns nil if sealed is a CheckValue of this root key, and
// otherwise an error wrapping ErrRootMismatch ("root key does not match this
// data directory") and the reason Open gave.
func (r *Root) VerifyCheck(sealed []byte) error {
	pt, err := r.Open([]byte(checkAAD), sealed)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrRootMismatch, err)
	}
	if subtle.ConstantTimeCompare(pt, []byte(checkPlaintext)) != 1 {
		return fmt.Errorf("%w: the check value holds an unexpected constant", ErrRootMismatch)
	}
	return nil
}

// Unlock is the startup policy: it returns the data directory's root key.
//
//   - passphrase != "": Argon2id over the passphrase with the salt record in
//     meta under MetaSalt; on first use a new salt is made and stored.
//     Refused if the directory has a check value but no salt (it was set up
//     with a key file).
//   - passphrase == "": LoadKeyFile(keyFile). A new key file is created only
//     while the directory has no check value; refused if the directory has a
//     salt (it was set up with a passphrase).
//
// Then, if meta has MetaCheck, the root key must pass VerifyCheck; otherwise
// its CheckValue is stored. created reports that a new root key came into
// being (a key file written or a salt stored): tell the operator to back it
// up. Every value Unlock writes is read back and used as stored, so two
// nodes starting together on a fresh shared database agree on one salt, and
// the node that loses the race for the check value fails instead of running
// with a different root key.
func Unlock(ctx context.Context, meta MetaStore, keyFile string, passphrase string) (r *Root, created bool, err error) {
	check, hasCheck, err := getMeta(ctx, meta, MetaCheck)
	if err != nil {
		return nil, false, err
	}
	salt, hasSalt, err := getMeta(ctx, meta, MetaSalt)
	if err != nil {
		return nil, false, err
	}

	switch {
	case passphrase != "":
		if !hasSalt && hasCheck {
			return nil, false, fmt.Errorf("seal: this data directory is sealed with a root key file, not a passphrase\nhint: unset the passphrase and point to the key file")
		}
		if !hasSalt {
			if salt, created, err = putAndReadBack(ctx, meta, MetaSalt, NewSalt); err != nil {
				return nil, false, err
			}
		}
		if r, err = FromPassphrase(passphrase, salt); err != nil {
			return nil, false, err
		}
	default:
		if hasSalt {
			return nil, false, fmt.Errorf("seal: this data directory is sealed with a passphrase, but none was given")
		}
		if keyFile == "" {
			return nil, false, fmt.Errorf("seal: no root key: give a key file or a passphrase")
		}
		if r, created, err = LoadKeyFile(keyFile, !hasCheck); err != nil {
			if hasCheck {
				err = fmt.Errorf("%w\nhint: this data directory already has a root key; restore its key file rather than creating a new one", err)
			}
			return nil, false, err
		}
	}

	if !hasCheck {
		if check, _, err = putAndReadBack(ctx, meta, MetaCheck, r.CheckValue); err != nil {
			return nil, false, err
		}
	}
	if err := r.VerifyCheck(check); err != nil {
		return nil, false, err
	}
	return r, created, nil
}

// getMeta returns the value and whether it exists; NotFound is not an error.
func getMeta(ctx context.Context, meta MetaStore, name string) ([]byte, bool, error) {
	v, err := meta.GetMeta(ctx, name)
	if errs.Is(err, errs.NotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("seal: reading %s: %w", name, err)
	}
	return v, true, nil
}

// putAndReadBack stores a new value and returns what the store then holds,
// which is another node's value if that node wrote last; ours reports
// whether it is the value this call made.
func putAndReadBack(ctx context.Context, meta MetaStore, name string, newValue func() ([]byte, error)) (stored []byte, ours bool, err error) {
	v, err := newValue()
	if err != nil {
		return nil, false, err
	}
	if err := meta.PutMeta(ctx, name, v); err != nil {
		return nil, false, fmt.Errorf("seal: storing %s: %w", name, err)
	}
	stored, ok, err := getMeta(ctx, meta, name)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, false, fmt.Errorf("seal: %s vanished right after it was stored", name)
	}
	return stored, bytes.Equal(stored, v), nil
}
