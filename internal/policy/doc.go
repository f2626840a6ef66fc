// Package policy owns Keyward's IAM policy language: it parses policy
// documents as AWS accepts them, validates them for the place they are used
// (identity policy, KMS key policy, STS trust policy), lists and rewrites the
// principals they name, evaluates them against one request with AWS's
// semantics, and explains the result to an operator.
//
// It is pure computation. It must not do I/O, read storage, look up
// principals or keys, log, or keep state between calls: callers resolve
// principals (ARN <-> unique ID) with Principals and Rewrite, build the
// request context (ContextFor, AddEncryptionContext), and combine the results
// of several documents (key policy, identity policies, grants) themselves.
// It imports only the standard library and internal/errs.
//
// # Principals and unique IDs
//
// AWS binds the principals a resource policy names to their unique IDs when
// the policy is stored (arn:aws:iam::111122223333:role/app becomes AROA…) and
// shows the ARN again only while that principal exists. Keyward does the same:
// the storing service calls Principals to find every AWS principal value with
// its exact byte span and Rewrite to replace those strings (and only those)
// with unique IDs, or back with ARNs for display. A re-created role gets a new
// unique ID, so a stored AROA… of the deleted role no longer matches anyone.
//
// # Evaluation
//
// Document.Evaluate answers for one document: Deny (an explicit deny matched),
// Allow (some allow statement matched and no deny did), or NotApplicable.
// An allow that came only through an account principal (a bare account ID or
// arn:aws:iam::<account>:root) is marked Delegated: in a key policy it means
// the account lets its IAM policies decide, so the caller also needs an
// identity-policy allow. Result.Matched and Result.Skipped say, statement by
// statement, why; Explain renders them for an operator.
//
// Semantics chosen where AWS's documentation leaves room are written next to
// the code that implements them (see Caller, Request, Evaluate, and the
// condition operators in condition.go).
package policy
