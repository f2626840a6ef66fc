package server

import (
	"sync"

	"github.com/keyward/keyward/internal/authz"
)

// decisionLogSize bounds the denials kept for `keyward explain`.
const decisionLogSize = 10000

// decisionLog keeps the most recent denials by request id, in memory. The
// audit trail is their durable home; this is the operator's quick lookup.
type decisionLog struct {
	mu   sync.Mutex
	ring []*authz.Decision
	next int
	byID map[string]*authz.Decision
}

func newDecisionLog(n int) *decisionLog {
	return &decisionLog{ring: make([]*authz.Decision, n), byID: make(map[string]*authz.Decision, n)}
}

func (l *decisionLog) add(d *authz.Decision) {
	if d.RequestID == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	// A request can be decided more than once (PutKeyPolicy's lockout
	// check): the newest decision answers for it, and evicting an older
	// one must not drop the newer.
	if old := l.ring[l.next]; old != nil && l.byID[old.RequestID] == old {
		delete(l.byID, old.RequestID)
	}
	l.ring[l.next] = d
	l.byID[d.RequestID] = d
	l.next = (l.next + 1) % len(l.ring)
}

func (l *decisionLog) get(requestID string) (*authz.Decision, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	d, ok := l.byID[requestID]
	return d, ok
}
