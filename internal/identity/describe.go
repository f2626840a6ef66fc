package identity

import (
	"context"
	"time"
)

// Describe annotates a stored principal binding for operators: a unique ID
// becomes "AROA… (role app-fn)" while the role exists, and "AROA… (role
// app-fn, deleted 2026-11-22T09:00:00Z; a new role of that name exists)"
// once it is gone. Other values are returned unchanged.
func (s *Service) Describe(ctx context.Context, stored string) string {
	if !uniqueIDRE.MatchString(stored) {
		return stored
	}
	p, err := s.principals.GetPrincipal(ctx, stored)
	if err != nil {
		return stored + " (unknown principal)"
	}
	if p.Deleted.IsZero() {
		return stored + " (" + p.Kind + " " + p.ARN() + ")"
	}
	out := stored + " (" + p.Kind + " " + p.ARN() + ", deleted " + p.Deleted.UTC().Format(time.RFC3339)
	if now, err := s.principals.PrincipalByName(ctx, p.Account, p.Kind, p.Name); err == nil && now.ID != p.ID {
		out += "; a new " + p.Kind + " of that name exists as " + now.ID
	}
	return out + ")"
}

// IsUniqueID reports whether s has the form of a user or role unique ID.
func IsUniqueID(s string) bool { return uniqueIDRE.MatchString(s) }

// PrincipalRecord returns the principal a unique ID names, deleted or not
// (for operators' tools); errs.NotFound when no principal ever had it.
func (s *Service) PrincipalRecord(ctx context.Context, id string) (*Principal, error) {
	return s.principals.GetPrincipal(ctx, id)
}

// LivePrincipal returns the live principal of a kind and name.
func (s *Service) LivePrincipal(ctx context.Context, account, kind, name string) (*Principal, error) {
	return s.principals.PrincipalByName(ctx, account, kind, name)
}
