// Package sigv4 verifies AWS Signature Version 4 on incoming requests, in the
// Authorization header and in presigned query strings. It looks secrets up
// through the Lookup it is given, compares signatures in constant time,
// enforces the clock-skew window and caches derived signing keys.
package sigv4

import (
	"context"
	"net/http"
	"time"
)

// Credential is what a Lookup returns for an access key id. Secret is the
// secret access key; it must never be logged.
type Credential struct {
	AccessKeyID string
	Secret      []byte
	// SessionToken is non-empty for temporary credentials; the request must
	// then carry the same token (X-Amz-Security-Token), compared in constant time.
	SessionToken string
	// Principal is opaque to this package: whatever the lookup wants the
	// verified request to carry (the caller).
	Principal any
}

// Lookup finds the credential for an access key id. It returns an error with
// Code errs.NotFound when the id is unknown.
type Lookup interface {
	LookupAccessKey(ctx context.Context, accessKeyID string) (*Credential, error)
}

// Scope is the credential scope of a request: what a router needs before
// verification.
type Scope struct {
	AccessKeyID string
	Date        string // YYYYMMDD
	Region      string
	Service     string
}

// ParseScope extracts the credential scope from the Authorization header or
// the X-Amz-Credential query parameter, without verifying anything. ok is
// false when the request carries no SigV4 credential.
func ParseScope(r *http.Request) (s Scope, ok bool) {
	panic("unimplemented")
}

// Result is a verified request.
type Result struct {
	Scope
	SignedAt   time.Time
	Credential *Credential
}

// Verifier verifies requests.
type Verifier struct {
	Lookup  Lookup
	MaxSkew time.Duration    // default 5 minutes
	Now     func() time.Time // default time.Now
}

// Verify checks the request's signature over body (the full request body,
// already read). Errors carry errs codes: MissingAuthentication,
// IncompleteSignature, InvalidClientTokenID, SignatureMismatch,
// SignatureExpired, ExpiredToken, with AWS's messages.
func (v *Verifier) Verify(r *http.Request, body []byte) (*Result, error) {
	panic("unimplemented")
}
