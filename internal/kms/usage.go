package kms

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
)

// Usage is the last successful cryptographic use of a key.
type Usage struct {
	Account, Region, KeyID string
	Operation              string
	Time                   time.Time
	EventID                string // the audit event of the call
	RequestID              string
}

// usageTracker keeps last uses in memory — the hot path never writes the
// store — and Flush writes them in one transaction. The audit trail holds
// every use durably; this is its summary, eventually consistent as AWS's is.
type usageTracker struct {
	mu      sync.Mutex
	pending map[cacheKey]Usage
	latest  map[cacheKey]Usage
}

func (t *usageTracker) record(u Usage) {
	ck := cacheKey{u.Account, u.Region, u.KeyID}
	t.mu.Lock()
	if t.pending == nil {
		t.pending = map[cacheKey]Usage{}
	}
	if t.latest == nil {
		t.latest = map[cacheKey]Usage{}
	}
	t.pending[ck] = u
	t.latest[ck] = u
	t.mu.Unlock()
}

func (t *usageTracker) get(account, region, id string) (Usage, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	u, ok := t.latest[cacheKey{account, region, id}]
	return u, ok
}

// recordUse notes a successful cryptographic operation on key k.
func (s *Service) recordUse(c *authz.Caller, k *Key, op string) {
	s.usage.record(Usage{Account: k.Account, Region: k.Region, KeyID: k.ID, Operation: op, Time: s.now(), EventID: c.EventID, RequestID: c.RequestID})
}

// FlushUsage writes recorded uses to the store.
func (s *Service) FlushUsage(ctx context.Context) error {
	s.usage.mu.Lock()
	batch := make([]Usage, 0, len(s.usage.pending))
	for _, u := range s.usage.pending {
		batch = append(batch, u)
	}
	s.usage.pending = map[cacheKey]Usage{}
	s.usage.mu.Unlock()
	if err := s.store.PutKeyUsage(ctx, batch); err != nil {
		// Put them back so the next flush retries.
		for _, u := range batch {
			s.usage.record(u)
		}
		return err
	}
	return nil
}

// LastUsage is GetKeyLastUsage's answer.
type LastUsage struct {
	Key           *Key
	Used          *Usage // nil when not used since TrackingStart
	TrackingStart time.Time
}

// lastUse returns a key's last use, from memory or the store.
func (s *Service) lastUse(ctx context.Context, k *Key) (*Usage, error) {
	if u, ok := s.usage.get(k.Account, k.Region, k.ID); ok {
		return &u, nil
	}
	u, err := s.store.GetKeyUsage(ctx, k.Account, k.Region, k.ID)
	if errs.Is(err, errs.NotFound) {
		return nil, nil
	}
	return u, err
}

// GetKeyLastUsage reports the last successful cryptographic use of a key.
func (s *Service) GetKeyLastUsage(ctx context.Context, c *authz.Caller, keyID string) (*LastUsage, error) {
	e, err := s.resolve(ctx, c, keyID, false)
	if err != nil {
		return nil, err
	}
	if e.key.Account != c.Account {
		return nil, errs.Ef(errs.NotFound, "Key '%s' does not exist", e.key.ARN())
	}
	if err := s.authorize(ctx, c, "GetKeyLastUsage", e); err != nil {
		return nil, err
	}
	u, err := s.lastUse(ctx, e.key)
	if err != nil {
		return nil, err
	}
	start := e.key.Created
	if s.trackingStart.After(start) {
		start = s.trackingStart
	}
	return &LastUsage{Key: e.key.Clone(), Used: u, TrackingStart: start}, nil
}

// DeletionGuard says what ScheduleKeyDeletion does for a key used recently.
type DeletionGuard struct {
	Mode   string        // off, warn or deny
	Window time.Duration // how recent a use counts
	// Warn is called in warn mode (log and notify); optional.
	Warn func(ctx context.Context, k *Key, u *Usage)
}

// checkRecentUse applies the deletion guard to key k.
func (s *Service) checkRecentUse(ctx context.Context, k *Key) error {
	g := s.deletionGuard
	if g.Mode == "" || g.Mode == "off" {
		return nil
	}
	u, err := s.lastUse(ctx, k)
	if err != nil || u == nil || s.now().Sub(u.Time) > g.Window {
		return err
	}
	if g.Mode == "deny" {
		return errs.Ef(errs.InvalidState,
			"%s was used for %s at %s (request %s) and may still be in use; this server's deletion guard refuses to schedule its deletion. Disable the key and watch for DisabledException events first.",
			k.ARN(), u.Operation, u.Time.UTC().Format(time.RFC3339), u.RequestID)
	}
	s.log.Warn("scheduling deletion of a key used recently", "key", k.ARN(), "operation", u.Operation,
		"last_used", u.Time.UTC().Format(time.RFC3339), "request", u.RequestID, "event", u.EventID,
		"hint", fmt.Sprintf("disable the key first and watch for DisabledException for %s", g.Window))
	if g.Warn != nil {
		g.Warn(ctx, k, u)
	}
	return nil
}
