// Package identity owns accounts, principals and their credentials: today the
// account root and its access keys; IAM users, roles and STS sessions join it
// later. It answers the access-key lookups that SigV4 verification needs.
package identity

import (
	"context"
	"time"
)

// AccessKey is a stored long-term access key. SealedSecret is the secret
// access key sealed under the root key (with the key id as associated data):
// the secret must be recoverable to verify signatures, and storage must never
// hold it in the clear.
type AccessKey struct {
	ID           string // AKIA…
	Account      string
	User         string // "" for the account root
	Status       string // Active | Inactive
	Created      time.Time
	SealedSecret []byte
}

// Store persists access keys.
//
// Errors: errs.NotFound for an unknown id, errs.AlreadyExists when a create
// collides; anything else is internal.
type Store interface {
	CreateAccessKey(ctx context.Context, k *AccessKey) error
	GetAccessKey(ctx context.Context, id string) (*AccessKey, error)
	// ListAccessKeys returns the account's keys ordered by creation time.
	ListAccessKeys(ctx context.Context, account string) ([]*AccessKey, error)
	DeleteAccessKey(ctx context.Context, id string) error
}
