package kms

import (
	"context"
	"sync"

	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/grants"
)

// entry is a cached key: its record and its unsealed materials. The hot path
// (Encrypt, Decrypt, …) reads entries only; every mutation replaces the
// entry, so a reader never sees a half-updated key.
type entry struct {
	key *Key

	mu        sync.Mutex
	materials map[string]secret // material id -> unsealed material, filled lazily
	// grants of the key, loaded on first use and dropped on every change.
	grants       []*grants.Grant
	grantsLoaded bool
}

// secret is key material in memory. It never prints.
type secret []byte

func (secret) String() string   { return "[redacted]" }
func (secret) GoString() string { return "[redacted]" }

type cacheKey struct{ account, region, id string }

// cache holds keys and aliases this node has read or written. Single-node
// stores are written only through this Service, so write-through keeps the
// cache exact; multi-node stores must call Invalidate on change notices.
type cache struct {
	mu      sync.RWMutex
	keys    map[cacheKey]*entry
	aliases map[cacheKey]*Alias
}

func (c *cache) init() {
	c.keys = make(map[cacheKey]*entry)
	c.aliases = make(map[cacheKey]*Alias)
}

// entry returns the cached key, loading it from the store on a miss.
func (s *Service) entry(ctx context.Context, account, region, id string) (*entry, error) {
	ck := cacheKey{account, region, id}
	s.cache.mu.RLock()
	e := s.cache.keys[ck]
	s.cache.mu.RUnlock()
	if e != nil {
		return e, nil
	}
	k, err := s.store.GetKey(ctx, account, region, id)
	if err != nil {
		return nil, err
	}
	e = &entry{key: k, materials: make(map[string]secret)}
	s.cache.mu.Lock()
	if old := s.cache.keys[ck]; old != nil {
		e = old
	} else {
		s.cache.keys[ck] = e
	}
	s.cache.mu.Unlock()
	return e, nil
}

// putKey replaces the cached record after a successful write, keeping the
// unsealed materials (they never change for a given id).
func (s *Service) putKey(k *Key) {
	ck := cacheKey{k.Account, k.Region, k.ID}
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	ne := &entry{key: k, materials: make(map[string]secret)}
	if old := s.cache.keys[ck]; old != nil {
		old.mu.Lock()
		for id, m := range old.materials {
			ne.materials[id] = m
		}
		old.mu.Unlock()
	}
	s.cache.keys[ck] = ne
}

// Invalidate drops a key (and every alias) from the cache. Multi-node stores
// call it when another node changes a key.
func (s *Service) Invalidate(account, region, id string) {
	s.cache.mu.Lock()
	delete(s.cache.keys, cacheKey{account, region, id})
	s.cache.aliases = make(map[cacheKey]*Alias)
	s.cache.mu.Unlock()
}

func (s *Service) getAlias(ctx context.Context, account, region, name string) (*Alias, error) {
	ck := cacheKey{account, region, name}
	s.cache.mu.RLock()
	a := s.cache.aliases[ck]
	s.cache.mu.RUnlock()
	if a != nil {
		return a, nil
	}
	a, err := s.store.GetAlias(ctx, account, region, name)
	if err != nil {
		return nil, err
	}
	s.cache.mu.Lock()
	s.cache.aliases[ck] = a
	s.cache.mu.Unlock()
	return a, nil
}

func (s *Service) forgetAlias(account, region, name string) {
	s.cache.mu.Lock()
	delete(s.cache.aliases, cacheKey{account, region, name})
	s.cache.mu.Unlock()
}

// material returns the unsealed material id of key e, unsealing it once.
func (s *Service) material(ctx context.Context, e *entry, id string) (secret, error) {
	e.mu.Lock()
	m, ok := e.materials[id]
	e.mu.Unlock()
	if ok {
		return m, nil
	}
	k := e.key
	all, err := s.store.Materials(ctx, k.Account, k.Region, k.ID)
	if err != nil {
		return nil, err
	}
	for _, rec := range all {
		if rec.ID != id {
			continue
		}
		pt, err := s.seal.Open(MaterialAAD(rec), rec.Sealed)
		if err != nil {
			return nil, errs.Wrap(errs.Internal, "key material cannot be unsealed", err)
		}
		e.mu.Lock()
		e.materials[id] = pt
		e.mu.Unlock()
		return pt, nil
	}
	return nil, errs.E(errs.InvalidCiphertext, "")
}

// MaterialAAD binds sealed material to its identity, so a sealed record
// moved to another key or version fails to open.
func MaterialAAD(m *Material) []byte {
	return []byte("keyward/kms/material/v1\x00" + m.Account + "\x00" + m.Region + "\x00" + m.KeyID + "\x00" + m.ID)
}
