package policy

// Effect is a statement's effect, or the outcome of evaluating a document.
type Effect string

// Effects. Statements are Allow or Deny; a Result may also be NotApplicable.
const (
	Allow         Effect = "Allow"
	Deny          Effect = "Deny"
	NotApplicable Effect = "NotApplicable"
)

// Policy language versions.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Document is a parsed policy. It is immutable after Parse and safe for
// concurrent use; keep one per stored policy text and evaluate it many times.
type Document struct {
	// Version is "2012-10-17", "2008-10-17" or "" when absent (AWS then
	// assumes 2008-10-17, without policy variables).
	Version string
	// ID is the optional Id element.
	ID string
	// Statements in document order; a single statement object is statement 0.
	Statements []Statement

	text string
}

// Text returns the document exactly as it was parsed.
func (d *Document) Text() string { return d.text }

// variables reports whether ${...} policy variables are substituted: only in
// documents that declare Version 2012-10-17, as AWS does.
func (d *Document) variables() bool { return d.Version == Version2012 }

// Statement is one statement of a document.
type Statement struct {
	Sid    string
	Effect Effect
	// Principal holds the Principal or NotPrincipal element (Principal.Not
	// tells which); nil when the statement has neither, as in identity
	// policies.
	Principal *Principal
	// Action holds Action or NotAction (List.Not); nil when absent, and then
	// the statement applies to no action.
	Action *List
	// Resource holds Resource or NotResource; nil when absent (trust
	// policies): see Request.Resource for what that matches.
	Resource *List
	// Conditions are all ANDed; each holds one operator, one key and its
	// ORed values.
	Conditions []Condition

	actions   []string    // Action values lowered and ready for glob
	resources []*template // Resource values compiled
}

// List is an Action/NotAction or Resource/NotResource element.
type List struct {
	Not    bool
	Values []string
}

// Principal is a Principal or NotPrincipal element.
type Principal struct {
	// Not is true for NotPrincipal.
	Not bool
	// Wildcard is true for the bare "*" form, which names everyone
	// ({"AWS": "*"} appears in AWS instead and means the same).
	Wildcard bool
	// Values by principal type, as written (after any Rewrite by the caller).
	AWS           []string
	Service       []string
	Federated     []string
	CanonicalUser []string

	awsSpans [][2]int // spans of the AWS values in the document text
	display  []string // all values, for Skip.Principals
}

// Field returns "Principal" or "NotPrincipal".
func (p *Principal) Field() string {
	if p.Not {
		return "NotPrincipal"
	}
	return "Principal"
}

// Condition is one (operator, key) pair of a Condition element with its
// values. JSON numbers and booleans are kept as their literal text. All
// Conditions of a statement are ANDed.
//
// Operators are the String…, Numeric…, Date…, Arn…, Bool, BinaryEquals,
// IpAddress/NotIpAddress and Null operators, each (except Null) with the
// …IfExists suffix and the ForAnyValue:/ForAllValues: set qualifiers;
// operator names are matched case-insensitively. They evaluate as AWS
// documents:
//
//   - A key absent from the request makes a positive operator false and a
//     negated one (StringNotEquals, StringNotLike, ArnNotEquals, ArnNotLike,
//     NumericNotEquals, DateNotEquals, NotIpAddress) true.
//   - …IfExists makes the condition true when the key is absent; Null tests
//     presence only ("true": absent, "false": present) and takes neither
//     IfExists nor a set qualifier.
//   - Several values for one key are ORed: a positive operator matches when
//     the request value matches any of them, a negated one when it matches
//     none of them.
//   - ForAnyValue: true when at least one request value satisfies the
//     operator; false when the key is absent or empty.
//     ForAllValues: true when every request value satisfies it; true when
//     the key is absent or empty (AWS's documented pitfall; pair it with
//     Null when that is not wanted).
//   - Without a set qualifier a key with several request values (a
//     multivalued key used like a single-valued one) matches a positive
//     operator when any request value matches, and a negated operator when
//     no request value matches the positive form.
//
// ArnEquals and ArnLike are the same operator: both take * and ? and match
// each of the six colon-separated ARN parts separately (a pattern with fewer
// than six parts matches the whole string). String… and Arn… values, like
// Resource, may hold policy variables when Version is 2012-10-17:
// ${key} takes the request's single value for key, ${key, 'default'} falls
// back to default, and ${*}, ${?}, ${$} are a literal *, ? and $. Substituted
// text never acts as a wildcard. A variable that has no single value (absent
// without default, or multivalued) makes the statement not apply
// (SkipVariable), the reading of AWS's "might cause the entire statement to
// be invalid".
//
// A key present with no values is treated as absent. Request values the
// operator cannot read (a non-number for Numeric…, a non-address for
// IpAddress) never match the positive form, so they satisfy the negated one.
// Policy values are checked when the document is parsed.
type Condition struct {
	// Operator as written, e.g. "ForAnyValue:StringLikeIfExists".
	Operator string
	// Key as written, e.g. "kms:EncryptionContext:Department"; it is
	// matched against the request context case-insensitively.
	Key    string
	Values []string

	op       *opSpec
	set      setQualifier
	ifExists bool
	lkey     string
	values   []condValue
}
