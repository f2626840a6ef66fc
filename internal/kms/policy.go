package kms

import (
	"encoding/json"
	"regexp"
	"strings"

	"github.com/keyward/keyward/internal/errs"
)

// DefaultKeyPolicy is the policy AWS gives a key created without one: it
// delegates access to the account's IAM policies. The layout matches what
// AWS's GetKeyPolicy returns byte for byte.
func DefaultKeyPolicy(account string) string {
	return `{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::` + account + `:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}`
}

var (
	accountRE     = regexp.MustCompile(`^[0-9]{12}$`)
	accountRootRE = regexp.MustCompile(`^arn:aws:iam::[0-9]{12}:root$`)
)

// validatePolicy checks a key policy's size, syntax and principals, with
// AWS's exceptions. Evaluation is authz's business; this only decides
// whether the document may be stored.
func validatePolicy(doc, account string) error {
	if len(doc) > MaxKeyPolicyBytes {
		return errs.Ef(errs.LimitExceeded, "Policy exceeds the maximum allowed size of %d bytes.", MaxKeyPolicyBytes)
	}
	var p struct {
		Version   string          `json:"Version"`
		Statement json.RawMessage `json:"Statement"`
	}
	dec := json.NewDecoder(strings.NewReader(doc))
	if err := dec.Decode(&p); err != nil || dec.More() {
		return errs.E(errs.MalformedPolicy, "The policy is not valid JSON.")
	}
	if p.Version != "" && p.Version != "2012-10-17" && p.Version != "2008-10-17" {
		return errs.E(errs.MalformedPolicy, "The policy contains an invalid Version.")
	}
	var stmts []map[string]json.RawMessage
	switch {
	case len(p.Statement) == 0:
		return errs.E(errs.MalformedPolicy, "The policy must contain at least one Statement.")
	case p.Statement[0] == '[':
		if err := json.Unmarshal(p.Statement, &stmts); err != nil {
			return errs.E(errs.MalformedPolicy, "The policy contains a malformed Statement.")
		}
	default:
		var one map[string]json.RawMessage
		if err := json.Unmarshal(p.Statement, &one); err != nil {
			return errs.E(errs.MalformedPolicy, "The policy contains a malformed Statement.")
		}
		stmts = append(stmts, one)
	}
	for _, st := range stmts {
		var effect string
		if err := json.Unmarshal(st["Effect"], &effect); err != nil || (effect != "Allow" && effect != "Deny") {
			return errs.E(errs.MalformedPolicy, "Policy contains a statement with an invalid Effect.")
		}
		for _, field := range []string{"Principal", "NotPrincipal"} {
			raw, ok := st[field]
			if !ok {
				continue
			}
			if !validPrincipal(raw) {
				return errs.E(errs.MalformedPolicy, "Policy contains a statement with one or more invalid principals.")
			}
		}
	}
	return nil
}

// validPrincipal accepts "*", AWS account principals and service principals.
// IAM users and roles are accepted once the identity store knows them.
func validPrincipal(raw json.RawMessage) bool {
	var star string
	if json.Unmarshal(raw, &star) == nil {
		return star == "*"
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || len(m) == 0 {
		return false
	}
	for kind, v := range m {
		vals, ok := stringOrList(v)
		if !ok || len(vals) == 0 {
			return false
		}
		for _, p := range vals {
			switch kind {
			case "AWS":
				if p != "*" && !accountRE.MatchString(p) && !accountRootRE.MatchString(p) {
					return false
				}
			case "Service":
				if !strings.HasSuffix(p, ".amazonaws.com") {
					return false
				}
			case "Federated", "CanonicalUser":
			default:
				return false
			}
		}
	}
	return true
}

func stringOrList(raw json.RawMessage) ([]string, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []string{s}, true
	}
	var l []string
	if json.Unmarshal(raw, &l) == nil {
		return l, true
	}
	return nil, false
}
