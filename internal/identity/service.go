package identity

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"sync"
	"time"

	"github.com/keyward/keyward/internal/errs"
)

// Sealer seals secrets under the root of trust (seal.Root implements it).
type Sealer interface {
	Seal(aad, plaintext []byte) ([]byte, error)
	Open(aad, sealed []byte) ([]byte, error)
}

// Credential is an access key with its secret, for signature verification.
type Credential struct {
	AccessKeyID string
	Secret      []byte
	Account     string
	User        string // "" for the account root
}

// String never shows the secret.
func (c *Credential) String() string { return "credential " + c.AccessKeyID }

// Service manages credentials. Lookups are cached in memory so that request
// verification never reads storage after the first use of a key.
type Service struct {
	store Store
	seal  Sealer
	now   func() time.Time

	mu     sync.RWMutex
	cached map[string]*Credential
	static map[string]*Credential // configured credentials (dev mode)
}

// NewService returns a Service.
func NewService(store Store, sealer Sealer) *Service {
	return &Service{store: store, seal: sealer, now: time.Now, cached: map[string]*Credential{}, static: map[string]*Credential{}}
}

// AddStatic registers a credential that is not stored (the --dev
// credentials test/test).
func (s *Service) AddStatic(c *Credential) {
	s.mu.Lock()
	s.static[c.AccessKeyID] = c
	s.mu.Unlock()
}

// Lookup returns the credential for an access key id, or errs.NotFound.
func (s *Service) Lookup(ctx context.Context, id string) (*Credential, error) {
	s.mu.RLock()
	c := s.static[id]
	if c == nil {
		c = s.cached[id]
	}
	s.mu.RUnlock()
	if c != nil {
		return c, nil
	}
	k, err := s.store.GetAccessKey(ctx, id)
	if err != nil {
		return nil, err
	}
	if k.Status != "Active" {
		return nil, errs.E(errs.NotFound, "access key is inactive")
	}
	secret, err := s.seal.Open(secretAAD(k.ID), k.SealedSecret)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "access key secret cannot be unsealed", err)
	}
	c = &Credential{AccessKeyID: k.ID, Secret: secret, Account: k.Account, User: k.User}
	s.mu.Lock()
	s.cached[id] = c
	s.mu.Unlock()
	return c, nil
}

// EnsureRootKey creates the account's root access key if the account has no
// key yet. The secret is returned only when created; it is never stored in
// the clear and cannot be shown again.
func (s *Service) EnsureRootKey(ctx context.Context, account string) (id, secret string, created bool, err error) {
	keys, err := s.store.ListAccessKeys(ctx, account)
	if err != nil {
		return "", "", false, err
	}
	for _, k := range keys {
		if k.User == "" {
			return k.ID, "", false, nil
		}
	}
	id, secret, err = s.CreateAccessKey(ctx, account, "")
	return id, secret, err == nil, err
}

// CreateAccessKey makes a new AKIA… key for a user ("" = root).
func (s *Service) CreateAccessKey(ctx context.Context, account, user string) (id, secret string, err error) {
	id, err = NewAccessKeyID("AKIA")
	if err != nil {
		return "", "", err
	}
	raw := make([]byte, 30)
	if _, err := rand.Read(raw); err != nil {
		return "", "", err
	}
	secret = base64.StdEncoding.EncodeToString(raw)[:40]
	sealed, err := s.seal.Seal(secretAAD(id), []byte(secret))
	if err != nil {
		return "", "", err
	}
	k := &AccessKey{ID: id, Account: account, User: user, Status: "Active", Created: s.now().UTC(), SealedSecret: sealed}
	if err := s.store.CreateAccessKey(ctx, k); err != nil {
		return "", "", err
	}
	return id, secret, nil
}

// secretAAD binds a sealed secret to its access key id.
func secretAAD(id string) []byte { return []byte("keyward/identity/access-key/v1\x00" + id) }

// NewAccessKeyID returns a 20-character id with the given 4-character prefix,
// in AWS's alphabet (upper-case base32).
func NewAccessKeyID(prefix string) (string, error) {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return prefix + base32.StdEncoding.EncodeToString(b)[:16], nil
}
