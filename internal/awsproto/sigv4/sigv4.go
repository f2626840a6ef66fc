// Package sigv4 verifies AWS Signature Version 4 on incoming requests, in the
// Authorization header and in presigned query strings. It looks secrets up
// through the Lookup it is given, compares signatures in constant time,
// enforces the clock-skew window and caches derived signing keys.
//
// It owns the server side of SigV4: parsing the signing parameters,
// canonicalising a request exactly as AWS does for services other than S3
// (normalised, doubly encoded URI paths), deriving and caching signing keys,
// the time window, presigned expiry and the session-token check, and the
// AWS error codes and messages for each failure. ParseScope gives a router
// the credential scope (service, region) before anything is verified.
//
// It must not decide what a verified caller may do (that is authz), read the
// request body (the caller reads it, with its own size limit, and passes it
// in), or let a secret reach a log line or an error message: Credential
// redacts itself, error messages never contain a secret or a session token,
// and the signing-key cache is keyed by a fingerprint of the secret, never by
// the secret itself.
package sigv4

import (
	"context"
	"crypto/hmac"
	"net/http"
	"time"

	"github.com/keyward/keyward/internal/errs"
)

// Credential is what a Lookup returns for an access key id. Secret is the
// secret access key; it must never be logged.
//
// Credential formats itself with the secret and the session token redacted
// (String, GoString, Format, LogValue, MarshalJSON).
type Credential struct {
	AccessKeyID string
	Secret      []byte
	// SessionToken is non-empty for temporary credentials; the request must
	// then carry the same token (X-Amz-Security-Token), compared in constant time.
	SessionToken string
	// CheckToken, when set, replaces the comparison with SessionToken: for
	// stores that keep only a hash of the token. It must compare in
	// constant time and return false for "" when a token is required.
	CheckToken func(token string) bool
	// Expires, when not zero, is the instant the credential stops being
	// valid (an STS session's expiry): a request verified at or after it
	// fails with ExpiredToken, after its signature has been checked.
	Expires time.Time
	// Principal is opaque to this package: whatever the lookup wants the
	// verified request to carry (the caller).
	Principal any
}

// Lookup finds the credential for an access key id. It returns an error with
// Code errs.NotFound when the id is unknown.
//
// Errors with Code errs.ExpiredToken or errs.InvalidClientTokenID are passed
// to the client unchanged; any other error is reported as internal.
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
//
// ok is also false when the credential is malformed; Verify then reports
// the precise error, so a router that gets !ok should still call Verify (or
// answer as AWS does for an unsigned request).
func ParseScope(r *http.Request) (s Scope, ok bool) {
	if v := firstHeader(r.Header, "Authorization"); v != "" {
		a, err := parseAuthorization(v)
		if err != nil {
			return Scope{}, false
		}
		s, _, err := parseCredential(a.Credential)
		return s, err == nil
	}
	if r.URL == nil {
		return Scope{}, false
	}
	var cred string
	n := 0
	for k, v := range rawQueryPairs(r.URL.RawQuery) {
		if queryUnescape(k) == paramCredential {
			cred = queryUnescape(v)
			n++
		}
	}
	if n != 1 {
		return Scope{}, false
	}
	s, _, err := parseCredential(cred)
	return s, err == nil
}

// Result is a verified request.
type Result struct {
	Scope
	SignedAt   time.Time
	Credential *Credential
	// Presigned is true when the signature came in the query string
	// (X-Amz-Signature) rather than the Authorization header.
	Presigned bool
	// SignedHeaders are the lowercase names of the headers the signature
	// covers, in the order the client listed them. A router can require
	// that headers it dispatches on (x-amz-target, content-type) are among
	// them.
	SignedHeaders []string
}

// Verifier verifies requests.
//
// The zero value (with Lookup set) is ready to use. A Verifier keeps a cache
// of derived signing keys, so it must not be copied after first use; it is
// safe for concurrent use.
type Verifier struct {
	Lookup  Lookup
	MaxSkew time.Duration    // default 5 minutes
	Now     func() time.Time // default time.Now

	keys keyCache
}

// DefaultMaxSkew is the clock-skew window AWS allows, and the default for
// Verifier.MaxSkew.
const DefaultMaxSkew = 5 * time.Minute

func (v *Verifier) maxSkew() time.Duration {
	if v.MaxSkew > 0 {
		return v.MaxSkew
	}
	return DefaultMaxSkew
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// Verify checks the request's signature over body (the full request body,
// already read). Errors carry errs codes: MissingAuthentication,
// IncompleteSignature, InvalidClientTokenID, SignatureMismatch,
// SignatureExpired, ExpiredToken, with AWS's messages.
//
// The checks run in this order: the signing parameters are parsed (a request
// with none fails with MissingAuthentication, a malformed one with
// IncompleteSignature); the request time must agree with the credential
// scope and lie within MaxSkew of Now (for a presigned request: not in the
// future by more than MaxSkew, and not past X-Amz-Expires); the access key
// is looked up; the signature is recomputed and compared in constant time;
// then the session token and the credential's expiry are checked.
//
// The canonical request is built from the request as it came off the wire:
// the path of r.RequestURI (r.URL's escaped path when RequestURI is empty),
// r.URL.RawQuery, r.Host for the host header, and r.Header, where net/http
// has already joined repeated headers and unfolded multi-line values.
func (v *Verifier) Verify(r *http.Request, body []byte) (*Result, error) {
	now := v.now()
	p, err := parseRequest(r)
	if err != nil {
		return nil, err
	}
	if err := p.checkTime(now, v.maxSkew()); err != nil {
		return nil, err
	}
	if v.Lookup == nil {
		return nil, errs.E(errs.Internal, "sigv4: Verifier has no Lookup")
	}
	cred, err := lookup(r.Context(), v.Lookup, p.scope.AccessKeyID)
	if err != nil {
		return nil, err
	}
	payload, err := payloadHash(r, body)
	if err != nil {
		return nil, err
	}

	ck := newCacheKey(cred, p.scope)
	key, cached := v.keys.get(ck)
	if !cached {
		key = newSigningKey(deriveSigningKey(cred.Secret, p.scope.Date, p.scope.Region, p.scope.Service))
	}
	ok := p.signatureMatches(r, key, &payload, false)
	if !ok && p.presigned && p.tokenInQuery {
		// A presigned URL may carry a session token appended after signing
		// (the "post-sts-header-after" case of the AWS suite): the token is
		// then not part of the canonical query. It is still checked below
		// against the credential.
		ok = p.signatureMatches(r, key, &payload, true)
	}
	if !ok {
		return nil, errs.E(errs.SignatureMismatch, msgSignatureMismatch)
	}

	// Session token, checked after the signature so that an unsigned
	// request learns nothing about tokens.
	switch {
	case cred.CheckToken != nil:
		if !cred.CheckToken(p.token) {
			return nil, errs.E(errs.InvalidClientTokenID, msgInvalidToken)
		}
	case cred.SessionToken != "" || p.token != "":
		if !hmac.Equal([]byte(cred.SessionToken), []byte(p.token)) {
			return nil, errs.E(errs.InvalidClientTokenID, msgInvalidToken)
		}
	}
	if !cred.Expires.IsZero() && !now.Before(cred.Expires) {
		return nil, errs.E(errs.ExpiredToken, msgExpiredToken)
	}
	if !cached {
		v.keys.put(ck, key)
	}
	return &Result{
		Scope:         p.scope,
		SignedAt:      p.signedAt,
		Credential:    cred,
		Presigned:     p.presigned,
		SignedHeaders: p.signedHeaderList(),
	}, nil
}

// lookup asks l for the credential and turns its errors into AWS's.
func lookup(ctx context.Context, l Lookup, id string) (*Credential, error) {
	cred, err := l.LookupAccessKey(ctx, id)
	switch {
	case err == nil && cred == nil:
		return nil, errs.E(errs.InvalidClientTokenID, msgInvalidToken)
	case err == nil:
		return cred, nil
	case errs.Is(err, errs.NotFound):
		return nil, errs.Wrap(errs.InvalidClientTokenID, msgInvalidToken, err)
	case errs.Is(err, errs.ExpiredToken), errs.Is(err, errs.InvalidClientTokenID):
		return nil, err
	default:
		return nil, errs.Wrap(errs.Internal, "access key lookup failed", err)
	}
}
