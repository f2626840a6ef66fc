package identity

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"unicode"

	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/policy"
)

// Limits IAM and STS apply (IAM and STS quotas, and the service models'
// constraints).
const (
	maxNameLen           = 64   // user and role names
	maxPolicyNameLen     = 128  // inline and managed policy names
	maxPathLen           = 512  // paths and path prefixes
	maxDescriptionLen    = 1000 // role and policy descriptions
	minSessionDuration   = 3600 // a role's MaxSessionDuration, seconds
	maxSessionDuration   = 43200
	defaultDuration      = 3600 // AssumeRole's default DurationSeconds
	minDurationSeconds   = 900
	chainedMaxDuration   = 3600 // role chaining
	maxAccessKeysPerUser = 2
	maxManagedPerEntity  = 10   // managed policies attached to one user or role
	maxUserInlineSize    = 2048 // all inline policies of a user, without whitespace
	maxRoleInlineSize    = 10240
	maxManagedPolicySize = 6144
	maxTrustPolicySize   = 2048
	maxSessionPolicyLen  = 2048 // AssumeRole's Policy parameter
	maxSessionPolicyARNs = 10
	maxPolicyDocLen      = 131072 // the models' policyDocumentType
	defaultMaxItems      = 100
	maxMaxItems          = 1000
)

var (
	nameRE       = regexp.MustCompile(`^[\w+=,.@-]+$`)
	sessionRE    = regexp.MustCompile(`^[\w+=,.@-]*$`)
	pathRE       = regexp.MustCompile(`^(/|/[\x21-\x7E]+/)$`)
	pathPrefixRE = regexp.MustCompile(`^/[\x21-\x7F]*$`)
	descRE       = regexp.MustCompile(`^[\t\n\r\x20-\x7E\x{A1}-\x{FF}]*$`)
)

const (
	namePattern       = `[\w+=,.@-]+`
	sessionPattern    = `[\w+=,.@-]*`
	pathPattern       = `(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`
	pathPrefixPattern = `\u002F[\u0021-\u007F]*`
	descPattern       = `[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*`
)

// invalid returns IAM's and STS's ValidationError for one failed constraint.
func invalid(field, value, constraint string) error {
	return errs.Ef(errs.Validation,
		"1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, field, constraint)
}

// checkName validates a user, role or policy name.
func checkName(field, name string, maxLen int) error {
	switch {
	case len(name) < 1:
		return invalid(field, name, "Member must have length greater than or equal to 1")
	case len(name) > maxLen:
		return invalid(field, name, fmt.Sprintf("Member must have length less than or equal to %d", maxLen))
	case !nameRE.MatchString(name):
		return invalid(field, name, "Member must satisfy regular expression pattern: "+namePattern)
	}
	return nil
}

// checkSessionName validates AssumeRole's RoleSessionName.
func checkSessionName(name string) error {
	switch {
	case len(name) < 2:
		return invalid("roleSessionName", name, "Member must have length greater than or equal to 2")
	case len(name) > 64:
		return invalid("roleSessionName", name, "Member must have length less than or equal to 64")
	case !sessionRE.MatchString(name):
		return invalid("roleSessionName", name, "Member must satisfy regular expression pattern: "+sessionPattern)
	}
	return nil
}

// normPath validates a path, "" meaning "/".
func normPath(path string) (string, error) {
	if path == "" {
		return "/", nil
	}
	if len(path) > maxPathLen {
		return "", invalid("path", path, fmt.Sprintf("Member must have length less than or equal to %d", maxPathLen))
	}
	if !pathRE.MatchString(path) {
		return "", invalid("path", path, "Member must satisfy regular expression pattern: "+pathPattern)
	}
	return path, nil
}

// normPathPrefix validates a listing's path prefix, "" meaning "/".
func normPathPrefix(prefix string) (string, error) {
	if prefix == "" {
		return "/", nil
	}
	if len(prefix) > maxPathLen {
		return "", invalid("pathPrefix", prefix, fmt.Sprintf("Member must have length less than or equal to %d", maxPathLen))
	}
	if !pathPrefixRE.MatchString(prefix) {
		return "", invalid("pathPrefix", prefix, "Member must satisfy regular expression pattern: "+pathPrefixPattern)
	}
	return prefix, nil
}

func checkDescription(d string) error {
	if len(d) > maxDescriptionLen {
		return invalid("description", d, fmt.Sprintf("Member must have length less than or equal to %d", maxDescriptionLen))
	}
	if !descRE.MatchString(d) {
		return invalid("description", d, "Member must satisfy regular expression pattern: "+descPattern)
	}
	return nil
}

// pageArgs validates a Page and returns the name to list after and the page
// size. Markers are opaque to clients: the base64 of the last name shown.
func pageArgs(p Page) (after string, limit int, err error) {
	limit = p.MaxItems
	switch {
	case limit == 0:
		limit = defaultMaxItems
	case limit < 1:
		return "", 0, invalid("maxItems", fmt.Sprint(limit), "Member must have value greater than or equal to 1")
	case limit > maxMaxItems:
		return "", 0, invalid("maxItems", fmt.Sprint(limit), fmt.Sprintf("Member must have value less than or equal to %d", maxMaxItems))
	}
	if p.Marker != "" {
		b, err := base64.RawURLEncoding.DecodeString(p.Marker)
		if err != nil || len(b) == 0 {
			return "", 0, errs.E(errs.Validation, "Invalid Marker.")
		}
		after = string(b)
	}
	return after, limit, nil
}

func marker(lastName string) string { return base64.RawURLEncoding.EncodeToString([]byte(lastName)) }

// pageOf cuts a sorted list of names into the page after `after`; it
// returns the page's indexes [from, to) and the next marker.
func pageOf(names []string, after string, limit int) (from, to int, next string) {
	for from < len(names) && after != "" && names[from] <= after {
		from++
	}
	to = min(from+limit, len(names))
	if to < len(names) {
		next = marker(names[to-1])
	}
	return from, to, next
}

// Policy document kinds, as validatePolicyDoc takes them.
const (
	docIdentity = "identity" // identity-based and session policies
	docTrust    = "trust"    // a role's trust (assume-role) policy
)

// validatePolicyDoc checks that doc may be stored as a policy of the given
// kind, with IAM's MalformedPolicyDocument messages (policy.Parse and
// (*policy.Document).Validate). Size quotas are the caller's.
func validatePolicyDoc(doc string, kind string) error {
	if len(doc) > maxPolicyDocLen {
		return invalid("policyDocument", "", fmt.Sprintf("Member must have length less than or equal to %d", maxPolicyDocLen))
	}
	d, err := policy.Parse(doc)
	if err != nil {
		return err
	}
	k := policy.Identity
	if kind == docTrust {
		k = policy.Trust
	}
	return d.Validate(k)
}

// policySize is a policy's size as IAM counts it against its quotas:
// characters other than white space.
func policySize(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}
