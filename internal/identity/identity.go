// Package identity owns accounts, principals and their credentials: the
// account root and its access keys, IAM users and roles with their unique
// IDs, inline and customer managed policies, and STS sessions. It answers
// the access-key lookups that SigV4 verification needs, with a template of
// the authenticated caller (authz.Caller) for each key.
//
// Every operation takes the caller explicitly and asks the authz.Authorizer
// it was given; storage is reached only through the Store and PrincipalStore
// interfaces declared here. It imports no net/http and no database/sql, and
// secrets (secret access keys, session secrets) are sealed before they reach
// a store; session tokens are kept only as SHA-256 hashes.
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
	ID      string // AKIA…
	Account string
	User    string // user name; "" for the account root
	// UserID is the unique ID (AIDA…) of the user the key was created for,
	// "" for the account root. A key only works while that very user exists:
	// a user deleted and re-created with the same name gets a new ID.
	UserID       string
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

// AccessKeyStore is a Store that can also change a key's status.
//
// Errors: as Store; UpdateAccessKeyStatus gives errs.NotFound for an
// unknown id.
type AccessKeyStore interface {
	Store
	UpdateAccessKeyStatus(ctx context.Context, id, status string) error
}
