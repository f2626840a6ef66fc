package policy

import (
	"errors"
	"strconv"

	"github.com/keyward/keyward/internal/errs"
)

// Reason classifies what is wrong with a document, so that a service can
// word the error its own way (KMS says "Policy contains a statement with one
// or more invalid principals." where IAM says "Invalid principal in policy").
type Reason string

// Reasons carried by Problem.
const (
	ReasonSyntax              Reason = "syntax"               // not JSON, wrong types, unknown or duplicate elements
	ReasonVersion             Reason = "version"              // Version other than 2012-10-17 or 2008-10-17
	ReasonStatement           Reason = "statement"            // Statement missing or empty
	ReasonSid                 Reason = "sid"                  // duplicate or (for IAM) non-alphanumeric Sid
	ReasonEffect              Reason = "effect"               // Effect missing or not Allow/Deny
	ReasonPrincipal           Reason = "principal"            // malformed Principal/NotPrincipal or principal value
	ReasonPrincipalMissing    Reason = "principal-missing"    // resource/trust policy statement without a principal
	ReasonPrincipalProhibited Reason = "principal-prohibited" // identity policy naming a principal
	ReasonAction              Reason = "action"               // action missing or malformed
	ReasonResource            Reason = "resource"             // resource missing, malformed or prohibited
	ReasonCondition           Reason = "condition"            // unknown operator, bad key or value
)

// Problem is the cause carried by every error Parse and Validate return; the
// error itself is an *errs.Error with Code errs.MalformedPolicy and IAM's
// client-visible message. Use ProblemOf to read it.
type Problem struct {
	Reason Reason
	// Statement is the index of the offending statement, or -1.
	Statement int
	// Detail says what exactly is wrong, for logs and operators.
	Detail string
}

func (p *Problem) Error() string {
	if p.Statement >= 0 {
		return "statement " + strconv.Itoa(p.Statement) + ": " + p.Detail
	}
	return p.Detail
}

// ProblemOf returns the Problem behind an error from Parse or Validate.
func ProblemOf(err error) (*Problem, bool) {
	var p *Problem
	if errors.As(err, &p) {
		return p, true
	}
	return nil, false
}

// IAM's MalformedPolicyDocument messages, where known.
const (
	msgSyntax             = "Syntax errors in policy."
	msgLegacy             = "The policy failed legacy parsing"
	msgNoPrincipalAllowed = "Policy document should not specify a principal."
	msgMissingPrincipal   = "Missing required field Principal"
	msgInvalidPrincipal   = "Invalid principal in policy"
	msgMissingStatement   = "Missing required field Statement"
	msgMissingEffect      = "Missing required field Effect"
	msgSidUnique          = "Statement IDs (SID) in a single policy must be unique."
	msgSidAlnum           = "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
	msgVendor             = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
	msgNoActions          = "Policy statement must contain actions."
	msgNoResources        = "Policy statement must contain resources."
	msgTrustActions       = "AssumeRole policy may only specify STS AssumeRole actions."
)

func malformed(reason Reason, stmt int, msg, detail string) error {
	return errs.Wrap(errs.MalformedPolicy, msg, &Problem{Reason: reason, Statement: stmt, Detail: detail})
}

func syntaxErr(stmt int, detail string) error {
	return malformed(ReasonSyntax, stmt, msgSyntax, detail)
}

// quote renders s as a JSON string literal.
func quote(s string) string { return string(appendJSONString(nil, s)) }
