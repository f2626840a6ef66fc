package identity

import (
	"context"
	"fmt"
	"strings"

	"github.com/keyward/keyward/internal/errs"
)

// ReferenceGuard finds what still names a principal by its unique ID: KMS
// grants and key-policy statements (the KMS side implements it). Once the
// principal is deleted those references match nothing, and a principal
// re-created with the same name gets a new ID that they do not name, so
// DeleteUser and DeleteRole ask before deleting.
type ReferenceGuard interface {
	// PrincipalReferences returns human-readable references, such as
	// "grant 1a2b… on key arn:aws:kms:…", or none.
	PrincipalReferences(ctx context.Context, p *Principal) ([]string, error)
}

// GuardMode says what DeleteUser and DeleteRole do when the ReferenceGuard
// finds references to the principal.
type GuardMode string

// Guard modes.
const (
	// GuardOff does not ask the guard.
	GuardOff GuardMode = "off"
	// GuardWarn logs the references and deletes. The default.
	GuardWarn GuardMode = "warn"
	// GuardDeny refuses with DeleteConflict, as IAM does for attached
	// policies. A guard that fails also refuses the deletion.
	GuardDeny GuardMode = "deny"
)

// ParseGuardMode parses "off", "warn" or "deny"; "" is GuardWarn.
func ParseGuardMode(s string) (GuardMode, error) {
	switch m := GuardMode(s); m {
	case "":
		return GuardWarn, nil
	case GuardOff, GuardWarn, GuardDeny:
		return m, nil
	}
	return "", fmt.Errorf("identity: unknown reference guard mode %q (want off, warn or deny)", s)
}

// checkReferences runs the reference guard for a principal about to be
// deleted. It returns an error only in GuardDeny mode.
func (s *Service) checkReferences(ctx context.Context, p *Principal) error {
	if s.guard == nil || s.guardMode == GuardOff {
		return nil
	}
	refs, err := s.guard.PrincipalReferences(ctx, p)
	if err != nil {
		if s.guardMode == GuardDeny {
			return errs.Wrap(errs.Internal, "reference guard failed", err)
		}
		s.log.Warn("identity: reference guard failed; deleting anyway",
			"kind", p.Kind, "arn", p.ARN(), "id", p.ID, "err", err)
		return nil
	}
	if len(refs) == 0 {
		return nil
	}
	if s.guardMode == GuardDeny {
		return errs.Ef(errs.DeleteConflict,
			"Cannot delete entity, it is still named by %d KMS grants or key policies: %s",
			len(refs), strings.Join(refs, "; "))
	}
	s.log.Warn("identity: deleting a principal that KMS grants or key policies still name; they will no longer apply, even to a principal re-created with the same name",
		"kind", p.Kind, "arn", p.ARN(), "id", p.ID, "references", refs)
	return nil
}
