// Package grants owns the KMS grant model: grant records, grant ids and
// tokens, which operations a grant may carry for a key type, and how its
// encryption-context constraints match a request. It does no I/O; kms
// stores grants and authz consults them.
package grants

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/errs"
)

// Constraints are a grant's encryption-context constraints.
type Constraints struct {
	EncryptionContextEquals map[string]string
	EncryptionContextSubset map[string]string
}

// Empty reports whether c constrains nothing.
func (c *Constraints) Empty() bool {
	return c == nil || (c.EncryptionContextEquals == nil && c.EncryptionContextSubset == nil)
}

// Grant is a stored grant. Grantee and Retiring hold the principal binding:
// the unique ID (AIDA…/AROA…) for IAM users and roles, so that a deleted and
// re-created principal is not matched, and the ARN otherwise (account root,
// role session, service principal).
type Grant struct {
	Account        string
	Region         string
	KeyID          string
	ID             string // 64 hex characters
	Name           string
	Grantee        string
	Retiring       string
	Operations     []string
	Constraints    *Constraints
	IssuingAccount string // account id of the caller that created it
	Created        time.Time
}

// Operations a grant may carry, by key kind.
var (
	symmetricOps = []string{"Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
		"ReEncryptFrom", "ReEncryptTo", "CreateGrant", "RetireGrant", "DescribeKey",
		"GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext"}
	// contextOps take an encryption context, so constraints apply to them.
	contextOps = []string{"Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
		"ReEncryptFrom", "ReEncryptTo", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext"}
)

// CheckOperations rejects operations a key of the given spec cannot grant,
// and constraints on a grant that has no operation they could apply to.
func CheckOperations(keySpec string, ops []string, c *Constraints) error {
	if len(ops) == 0 {
		return errs.E(errs.Validation, "1 validation error detected: Value '[]' at 'operations' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	allowed := symmetricOps
	if keySpec != "SYMMETRIC_DEFAULT" {
		allowed = nil
	}
	for _, op := range ops {
		if !slices.Contains(allowed, op) {
			return errs.Ef(errs.Validation, "Grant operations %s are not valid for the KMS key's key spec %s.", op, keySpec)
		}
	}
	if !c.Empty() {
		if c.EncryptionContextEquals != nil && c.EncryptionContextSubset != nil {
			return errs.E(errs.Validation, "EncryptionContextEquals and EncryptionContextSubset cannot be used together.")
		}
		usable := false
		for _, op := range ops {
			if slices.Contains(contextOps, op) || op == "CreateGrant" {
				usable = true
			}
		}
		if !usable {
			return errs.E(errs.Validation, "Encryption context constraints are only valid for operations that take an encryption context.")
		}
	}
	return nil
}

// Permits reports whether the grant's operations include op and, for
// operations that take an encryption context, whether ec satisfies the
// constraints. The reason explains a refusal to an operator.
func (g *Grant) Permits(op string, ec map[string]string) (bool, string) {
	if !slices.Contains(g.Operations, op) {
		return false, "grant " + short(g.ID) + " does not include " + op
	}
	if g.Constraints.Empty() || !slices.Contains(contextOps, op) {
		return true, ""
	}
	if eq := g.Constraints.EncryptionContextEquals; eq != nil {
		if !contextEquals(eq, ec) {
			return false, "grant " + short(g.ID) + ": encryption context does not equal its EncryptionContextEquals constraint"
		}
	}
	if sub := g.Constraints.EncryptionContextSubset; sub != nil {
		if !contextSubset(sub, ec) {
			return false, "grant " + short(g.ID) + ": encryption context does not include its EncryptionContextSubset constraint"
		}
	}
	return true, ""
}

// contextEquals: same pairs; keys compare case-insensitively, values exactly.
func contextEquals(want, got map[string]string) bool {
	return len(want) == len(got) && contextSubset(want, got)
}

func contextSubset(want, got map[string]string) bool {
	for wk, wv := range want {
		found := false
		for gk, gv := range got {
			if strings.EqualFold(wk, gk) && gv == wv {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// NarrowerThan reports whether a grant with constraints c is at least as
// restrictive as parent (a grant that allows CreateGrant with constraints
// may only create grants that are equally or more constrained).
func (c *Constraints) NarrowerThan(parent *Constraints) bool {
	if parent.Empty() {
		return true
	}
	if c.Empty() {
		return false
	}
	if eq := parent.EncryptionContextEquals; eq != nil {
		return c.EncryptionContextEquals != nil && contextEquals(eq, c.EncryptionContextEquals)
	}
	sub := parent.EncryptionContextSubset
	switch {
	case c.EncryptionContextEquals != nil:
		return contextSubset(sub, c.EncryptionContextEquals)
	default:
		return contextSubset(sub, c.EncryptionContextSubset)
	}
}

// NewID returns a new grant id: 64 hex characters, as AWS's.
func NewID() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// Tokens are not secrets (AWS says so): they name a grant so that it is
// usable at once. Keyward is strongly consistent, so a token is only checked
// for form and for naming a grant of the key in use.
const tokenPrefix = "KWGT1"

// NewToken returns a fresh token for grant id (every call differs; all
// tokens of a grant are interchangeable).
func NewToken(grantID string) (string, error) {
	raw, err := hex.DecodeString(grantID)
	if err != nil || len(raw) != 32 {
		return "", errs.E(errs.Internal, "bad grant id")
	}
	var nonce [16]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return "", err
	}
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(append(raw, nonce[:]...)), nil
}

// ParseToken returns the grant id a token names, or InvalidGrantToken.
func ParseToken(tok string) (string, error) {
	rest, ok := strings.CutPrefix(tok, tokenPrefix)
	if !ok {
		return "", errs.E(errs.InvalidGrantToken, "Invalid grant token.")
	}
	raw, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(raw) != 48 {
		return "", errs.E(errs.InvalidGrantToken, "Invalid grant token.")
	}
	return hex.EncodeToString(raw[:32]), nil
}

func short(id string) string {
	if len(id) > 8 {
		return id[:8] + "…"
	}
	return id
}
