package audit

import (
	"context"
	"sync"
)

// Notes gathers what the domain services learn while handling a request
// that the audit event must show — the resources (keys) it touched — so the
// event is built from facts, not from re-parsing the request.
type Notes struct {
	mu        sync.Mutex
	resources []Resource
}

type notesKey struct{}

// WithNotes returns ctx carrying a fresh Notes for one request.
func WithNotes(ctx context.Context) (context.Context, *Notes) {
	n := &Notes{}
	return context.WithValue(ctx, notesKey{}, n), n
}

// AddResource records that the request acts on r (once per ARN). It does
// nothing when ctx carries no Notes.
func AddResource(ctx context.Context, r Resource) {
	n, _ := ctx.Value(notesKey{}).(*Notes)
	if n == nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, have := range n.resources {
		if have.ARN == r.ARN {
			return
		}
	}
	n.resources = append(n.resources, r)
}

// Resources returns the recorded resources.
func (n *Notes) Resources() []Resource {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]Resource(nil), n.resources...)
}
