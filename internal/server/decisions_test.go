package server

import (
	"testing"

	"github.com/keyward/keyward/internal/authz"
)

// TestDecisionLogKeepsNewest: evicting an older decision of a request must
// not lose a newer one of the same request, and eviction is FIFO.
func TestDecisionLogKeepsNewest(t *testing.T) {
	l := newDecisionLog(3)
	first := &authz.Decision{RequestID: "r1", Reason: "first"}
	l.add(first)
	second := &authz.Decision{RequestID: "r1", Reason: "second"}
	l.add(second)
	l.add(&authz.Decision{RequestID: "r2"})
	l.add(&authz.Decision{RequestID: "r3"}) // evicts first
	if d, ok := l.get("r1"); !ok || d != second {
		t.Fatalf("r1 after evicting its older decision: %v %v", d, ok)
	}
	l.add(&authz.Decision{RequestID: "r4"}) // evicts second
	if _, ok := l.get("r1"); ok {
		t.Fatal("r1 outlived both of its decisions")
	}
	if _, ok := l.get("r4"); !ok {
		t.Fatal("newest decision missing")
	}
}
