package kms

import (
	"context"
	"time"

	"github.com/keyward/keyward/internal/grants"
)

// Store persists keys, key material and aliases. Implementations live in
// storage/*; they never decide access and never see key material unsealed.
//
// Errors: methods return an *errs.Error with Code errs.NotFound when the named
// record does not exist, errs.AlreadyExists when a create collides, and
// errs.Conflict when UpdateKey's Version does not match the stored one. Any
// other error is internal.
type Store interface {
	// CreateKey stores a new key and its first material atomically.
	CreateKey(ctx context.Context, k *Key, m *Material) error
	// GetKey returns the key with the given id in (account, region).
	GetKey(ctx context.Context, account, region, id string) (*Key, error)
	// ListKeys returns up to limit keys (limit <= 0: all) of (account,
	// region) ordered by id, starting strictly after the id after ("" starts
	// at the beginning; the key need not exist any more).
	ListKeys(ctx context.Context, account, region, after string, limit int) ([]*Key, error)
	// UpdateKey replaces the stored key if its Version equals k.Version,
	// and stores it with Version+1 (k.Version is updated on success).
	UpdateKey(ctx context.Context, k *Key) error
	// RotateKey stores the updated key (as UpdateKey) and adds m as a new
	// material, atomically.
	RotateKey(ctx context.Context, k *Key, m *Material) error
	// DeleteKey removes the key, its materials and every alias naming it.
	DeleteKey(ctx context.Context, account, region, id string) error
	// Materials returns every material of the key, oldest first.
	Materials(ctx context.Context, account, region, keyID string) ([]*Material, error)

	// DueKeys returns keys (of any account and region) whose DeletionDate
	// or NextRotation is at or before now.
	DueKeys(ctx context.Context, now time.Time) ([]*Key, error)

	// CreateAlias stores a new alias; errs.AlreadyExists if the name is taken.
	CreateAlias(ctx context.Context, a *Alias) error
	// GetAlias returns the alias by name.
	GetAlias(ctx context.Context, account, region, name string) (*Alias, error)
	// UpdateAlias changes an existing alias's target and Updated time.
	UpdateAlias(ctx context.Context, a *Alias) error
	// DeleteAlias removes an alias.
	DeleteAlias(ctx context.Context, account, region, name string) error
	// ListAliases returns up to limit aliases of (account, region), ordered by
	// name, after the given name; keyID, when set, filters by target.
	ListAliases(ctx context.Context, account, region, keyID, after string, limit int) ([]*Alias, error)

	// CreateGrant stores a grant; errs.NotFound if its key does not exist.
	CreateGrant(ctx context.Context, g *grants.Grant) error
	// GetGrant returns a grant by id, on any key of any account.
	GetGrant(ctx context.Context, grantID string) (*grants.Grant, error)
	// ListGrants returns the grants of a key ordered by id, after the given
	// id, at most limit (<=0: all).
	ListGrants(ctx context.Context, account, region, keyID, after string, limit int) ([]*grants.Grant, error)
	// ListRetirableGrants returns grants (of any key, account or region)
	// whose Retiring binding equals retiring, ordered by id.
	ListRetirableGrants(ctx context.Context, retiring, after string, limit int) ([]*grants.Grant, error)
	// DeleteGrant removes a grant.
	DeleteGrant(ctx context.Context, grantID string) error
	// UpdateGrant replaces a grant's Grantee and Retiring bindings (the
	// operator's repair of a binding to a deleted principal).
	UpdateGrant(ctx context.Context, g *grants.Grant) error
	// GrantsNaming returns every grant whose Grantee or Retiring binding is
	// stored, ordered by id.
	GrantsNaming(ctx context.Context, stored string) ([]*grants.Grant, error)
	// PutKeyUsage records the last successful use of keys, keeping the
	// later of a stored and a new use; uses of keys that no longer exist are
	// dropped.
	PutKeyUsage(ctx context.Context, us []Usage) error
	// GetKeyUsage returns a key's last recorded use, errs.NotFound if none.
	GetKeyUsage(ctx context.Context, account, region, keyID string) (*Usage, error)
	// AllKeys returns keys of every account and region ordered by (account,
	// region, id), after the given position, at most limit (<=0: all).
	AllKeys(ctx context.Context, afterAccount, afterRegion, afterID string, limit int) ([]*Key, error)
}
