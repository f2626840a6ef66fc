package policy

import "strings"

// Kind is where a document is used; it decides what Validate requires.
type Kind uint8

// Kinds of policy.
const (
	// Identity policies are attached to users and roles (inline or
	// managed): no principal element, every statement needs actions and
	// resources, and Sids are unique and alphanumeric.
	Identity Kind = iota + 1
	// KeyPolicy is a KMS key policy: every statement names a principal.
	// Resource is conventionally "*" (this key); as in AWS, a statement
	// without Action or Resource is accepted but grants nothing.
	KeyPolicy
	// Trust is a role's trust (assume-role) policy: every statement names
	// a principal (not NotPrincipal), the actions are STS's, there is no
	// resource, and Sids are unique and alphanumeric.
	Trust
)

func (k Kind) String() string {
	switch k {
	case Identity:
		return "identity"
	case KeyPolicy:
		return "key"
	case Trust:
		return "trust"
	}
	return "unknown"
}

// Validate checks the rules of the place the document is used, beyond what
// Parse checks. Errors have Code errs.MalformedPolicy, IAM's message, and a
// *Problem as cause. It does not check that named principals exist: the
// caller resolves them (see Principals).
func (d *Document) Validate(kind Kind) error {
	if len(d.Statements) == 0 {
		return malformed(ReasonStatement, -1, msgMissingStatement, "Statement is empty")
	}
	sids := map[string]bool{}
	for i := range d.Statements {
		s := &d.Statements[i]
		if err := s.validate(i, kind); err != nil {
			return err
		}
		// IAM requires unique Sids; KMS key policies are not held to it.
		if kind != KeyPolicy && s.Sid != "" {
			if sids[s.Sid] {
				return malformed(ReasonSid, i, msgSidUnique, "duplicate Sid "+quote(s.Sid))
			}
			sids[s.Sid] = true
		}
	}
	return nil
}

func (s *Statement) validate(i int, kind Kind) error {
	switch kind {
	case Identity:
		if s.Principal != nil {
			return malformed(ReasonPrincipalProhibited, i, msgNoPrincipalAllowed, "identity policy statement has "+s.Principal.Field())
		}
		if !alnum(s.Sid) {
			return malformed(ReasonSid, i, msgSidAlnum, "Sid "+quote(s.Sid)+" is not alphanumeric")
		}
		if s.Action == nil || len(s.Action.Values) == 0 {
			return malformed(ReasonAction, i, msgNoActions, "statement has no Action or NotAction")
		}
		if s.Resource == nil || len(s.Resource.Values) == 0 {
			return malformed(ReasonResource, i, msgNoResources, "statement has no Resource or NotResource")
		}
	case KeyPolicy:
		if s.Principal == nil {
			return malformed(ReasonPrincipalMissing, i, msgMissingPrincipal, "key policy statement has no Principal")
		}
	case Trust:
		if s.Principal == nil {
			return malformed(ReasonPrincipalMissing, i, msgMissingPrincipal, "trust policy statement has no Principal")
		}
		if s.Principal.Not {
			return malformed(ReasonPrincipal, i, "Has prohibited field NotPrincipal", "trust policies cannot use NotPrincipal")
		}
		if s.Resource != nil {
			field := "Resource"
			if s.Resource.Not {
				field = "NotResource"
			}
			return malformed(ReasonResource, i, "Has prohibited field "+field, "trust policies name no resource")
		}
		if !alnum(s.Sid) {
			return malformed(ReasonSid, i, msgSidAlnum, "Sid "+quote(s.Sid)+" is not alphanumeric")
		}
		if s.Action == nil || len(s.Action.Values) == 0 {
			return malformed(ReasonAction, i, msgNoActions, "statement has no Action")
		}
		if s.Action.Not {
			return malformed(ReasonAction, i, msgTrustActions, "trust policies cannot use NotAction")
		}
		for _, a := range s.Action.Values {
			if a != "*" && !strings.HasPrefix(strings.ToLower(a), "sts:") {
				return malformed(ReasonAction, i, msgTrustActions, "action "+quote(a)+" is not an STS action")
			}
		}
	default:
		return malformed(ReasonSyntax, i, msgSyntax, "unknown policy kind")
	}
	return nil
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}
