package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/keyward/keyward/internal/errs"
)

// bufPool holds the scratch buffers a verification builds its canonical
// request and string to sign in.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// signatureMatches recomputes the request's signature with the derived
// signing key and compares it with the one the client sent, in constant
// time. omitToken leaves X-Amz-Security-Token out of the canonical query.
func (p *parsedRequest) signatureMatches(r *http.Request, key *signingKey, payload *payloadDigest, omitToken bool) bool {
	var want [32]byte
	if !decodeHex32(p.signature, &want, false) {
		return false
	}
	bp := bufPool.Get().(*[]byte)
	buf := p.appendCanonicalRequest((*bp)[:0], r, payload, true, omitToken)
	crHash := sha256.Sum256(buf)
	buf = appendStringToSign(buf[:0], p.amzDate, p.scopeStr, &crHash)
	buf = key.appendSign(buf, buf) // the MAC lands after the string to sign
	ok := hmac.Equal(buf[len(buf)-sha256.Size:], want[:])
	if cap(buf) <= 64<<10 {
		*bp = buf[:0]
		bufPool.Put(bp)
	}
	return ok
}

// appendCanonicalRequest appends the SigV4 canonical request of r to dst:
// method, URI, query, signed headers, the signed-header list and the
// payload hash, separated by newlines. normalize applies the URI path
// normalisation every AWS service but S3 uses (Verify always does).
func (p *parsedRequest) appendCanonicalRequest(dst []byte, r *http.Request, payload *payloadDigest, normalize, omitToken bool) []byte {
	dst = append(dst, r.Method...)
	dst = append(dst, '\n')
	dst = appendCanonicalURI(dst, requestPath(r), normalize)
	dst = append(dst, '\n')
	var rawQuery string
	if r.URL != nil {
		rawQuery = r.URL.RawQuery
	}
	dst = appendCanonicalQuery(dst, rawQuery, p.presigned, omitToken)
	dst = append(dst, '\n')
	for name := range strings.SplitSeq(p.signedHeaders, ";") {
		dst = append(dst, name...)
		dst = append(dst, ':')
		dst = appendHeaderValue(dst, r, name)
		dst = append(dst, '\n')
	}
	dst = append(dst, '\n')
	dst = append(dst, p.signedHeaders...)
	dst = append(dst, '\n')
	return payload.appendTo(dst)
}

// appendStringToSign appends the string to sign for a canonical request
// whose SHA-256 is crHash.
func appendStringToSign(dst []byte, amzDate, scope string, crHash *[32]byte) []byte {
	dst = append(dst, algorithm+"\n"...)
	dst = append(dst, amzDate...)
	dst = append(dst, '\n')
	dst = append(dst, scope...)
	dst = append(dst, '\n')
	return hex.AppendEncode(dst, crHash[:])
}

// payloadDigest is the payload-hash line of a canonical request.
type payloadDigest struct {
	claimed string   // x-amz-content-sha256 as the client sent it, if it did
	sum     [64]byte // else the SHA-256 of the body, lowercase hex
}

func (d *payloadDigest) appendTo(dst []byte) []byte {
	if d.claimed != "" {
		return append(dst, d.claimed...)
	}
	return append(dst, d.sum[:]...)
}

// payloadHash returns the payload hash that goes into the canonical
// request: x-amz-content-sha256 when the client sent it (UNSIGNED-PAYLOAD,
// or a hash that must match body), else the SHA-256 of body.
func payloadHash(r *http.Request, body []byte) (payloadDigest, error) {
	var d payloadDigest
	vals := r.Header["X-Amz-Content-Sha256"]
	if len(vals) == 0 {
		sum := sha256.Sum256(body)
		hex.Encode(d.sum[:], sum[:])
		return d, nil
	}
	if len(vals) > 1 {
		return d, errs.E(errs.SignatureMismatch, msgPayloadMismatch)
	}
	v := vals[0]
	if v == unsignedPayload {
		d.claimed = v
		return d, nil
	}
	var claimed [32]byte
	if !decodeHex32(v, &claimed, true) || claimed != sha256.Sum256(body) {
		return d, errs.E(errs.SignatureMismatch, msgPayloadMismatch)
	}
	d.claimed = v
	return d, nil
}

// decodeHex32 decodes 64 hex digits into dst; lowercase only unless
// upper is true.
func decodeHex32(s string, dst *[32]byte, upper bool) bool {
	if len(s) != 64 {
		return false
	}
	for i := range dst {
		hi, lo := s[2*i], s[2*i+1]
		if !isHex(hi) || !isHex(lo) || !upper && (hi >= 'A' && hi <= 'F' || lo >= 'A' && lo <= 'F') {
			return false
		}
		dst[i] = unhex(hi)<<4 | unhex(lo)
	}
	return true
}

// requestPath returns the path of the request target as the client sent
// it, still percent-encoded: the path of r.RequestURI on a server, else
// r.URL's escaped path.
func requestPath(r *http.Request) string {
	if u := r.RequestURI; u != "" && u != "*" {
		if u[0] != '/' {
			// absolute-form: scheme://authority/path?query
			i := strings.Index(u, "://")
			if i < 0 {
				return urlPath(r)
			}
			u = u[i+3:]
			j := strings.IndexAny(u, "/?")
			if j < 0 || u[j] != '/' {
				return "/"
			}
			u = u[j:]
		}
		if k := strings.IndexByte(u, '?'); k >= 0 {
			u = u[:k]
		}
		return u
	}
	return urlPath(r)
}

func urlPath(r *http.Request) string {
	if r.URL == nil {
		return "/"
	}
	return r.URL.EscapedPath()
}

// appendCanonicalURI appends the canonical URI for a raw (percent-encoded)
// path: optionally normalised, then URI-encoded once more, as AWS does for
// every service but S3.
func appendCanonicalURI(dst []byte, path string, normalize bool) []byte {
	if path == "" {
		path = "/"
	}
	if normalize && needsNormalize(path) {
		path = normalizePath(path)
	}
	return appendURIEncode(dst, path, true)
}

// needsNormalize reports whether path has empty, "." or ".." segments or
// does not start with '/'. A trailing slash is kept and needs nothing.
func needsNormalize(path string) bool {
	if path == "" || path[0] != '/' {
		return true
	}
	rest := path[1:]
	for {
		i := strings.IndexByte(rest, '/')
		seg := rest
		if i >= 0 {
			seg = rest[:i]
		}
		if seg == "." || seg == ".." || seg == "" && i >= 0 {
			return true
		}
		if i < 0 {
			return false
		}
		rest = rest[i+1:]
	}
}

// normalizePath removes empty and "." segments and resolves ".." (RFC 3986
// section 5.2.4, plus the collapsing of repeated slashes AWS requires),
// keeping a trailing slash when something is left.
func normalizePath(path string) string {
	segs := make([]string, 0, 8)
	for seg := range strings.SplitSeq(path, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
		default:
			segs = append(segs, seg)
		}
	}
	if len(segs) == 0 {
		return "/"
	}
	var b strings.Builder
	for _, s := range segs {
		b.WriteByte('/')
		b.WriteString(s)
	}
	if strings.HasSuffix(path, "/") {
		b.WriteByte('/')
	}
	return b.String()
}

// unreserved marks the RFC 3986 unreserved characters, which SigV4 never
// percent-encodes.
var unreserved = func() (t [256]bool) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['-'], t['.'], t['_'], t['~'] = true, true, true, true
	return t
}()

// appendURIEncode appends s with every byte but the unreserved ones (and
// '/' when keepSlash) percent-encoded with uppercase hex.
func appendURIEncode(dst []byte, s string, keepSlash bool) []byte {
	const hexUpper = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved[c] || keepSlash && c == '/' {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', hexUpper[c>>4], hexUpper[c&15])
	}
	return dst
}

// uriEncode is appendURIEncode to a string, returning s itself when
// nothing needs encoding.
func uriEncode(s string) string {
	for i := 0; i < len(s); i++ {
		if !unreserved[s[i]] {
			return string(appendURIEncode(make([]byte, 0, len(s)+16), s, false))
		}
	}
	return s
}

type queryPair struct{ key, value string }

// canonicalComponent returns the canonical encoding of a raw query
// component: decoded, then encoded per RFC 3986. A component already in
// that form (what the SDKs send) is returned as it is, without allocating.
func canonicalComponent(raw string) string {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if unreserved[c] {
			continue
		}
		if c == '%' && i+2 < len(raw) && isUpperHex(raw[i+1]) && isUpperHex(raw[i+2]) &&
			!unreserved[unhex(raw[i+1])<<4|unhex(raw[i+2])] {
			i += 2
			continue
		}
		return uriEncode(queryUnescape(raw))
	}
	return raw
}

func isUpperHex(c byte) bool { return '0' <= c && c <= '9' || 'A' <= c && c <= 'F' }

// appendCanonicalQuery appends the canonical query string: every parameter
// decoded, re-encoded per RFC 3986, sorted by key then value, X-Amz-Signature
// left out of a presigned request.
func appendCanonicalQuery(dst []byte, raw string, presigned, omitToken bool) []byte {
	if raw == "" {
		return dst
	}
	var stack [16]queryPair
	pairs := stack[:0]
	for k, v := range rawQueryPairs(raw) {
		// The parameter names compared here are all unreserved characters,
		// so comparing canonical forms compares decoded names.
		k = canonicalComponent(k)
		if presigned && k == paramSignature || omitToken && k == paramToken {
			continue
		}
		pairs = append(pairs, queryPair{k, canonicalComponent(v)})
	}
	slices.SortFunc(pairs, func(a, b queryPair) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	for i, p := range pairs {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, p.key...)
		dst = append(dst, '=')
		dst = append(dst, p.value...)
	}
	return dst
}

// appendHeaderValue appends the canonical value of the signed header name
// (lowercase): its values, trimmed and with runs of spaces collapsed,
// joined by commas. net/http has already unfolded multi-line values and
// collected repeated headers into one slice, in order. The host header
// comes from r.Host; Content-Length and Transfer-Encoding, which net/http
// may move out of r.Header, from their fields.
func appendHeaderValue(dst []byte, r *http.Request, name string) []byte {
	if name == "host" {
		host := r.Host
		if host == "" && r.URL != nil {
			host = r.URL.Host
		}
		return appendTrimmed(dst, host)
	}
	vals, ok := headerValues(r.Header, name)
	if !ok {
		switch name {
		case "content-length":
			if r.ContentLength >= 0 {
				return strconv.AppendInt(dst, r.ContentLength, 10)
			}
		case "transfer-encoding":
			vals = r.TransferEncoding
		}
	}
	for i, v := range vals {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendTrimmed(dst, v)
	}
	return dst
}

// headerValues finds the values of the header whose lowercase name is
// given, without allocating in the common case.
func headerValues(h http.Header, name string) ([]string, bool) {
	var buf [128]byte
	if len(name) <= len(buf) {
		key := buf[:len(name)]
		upper := true
		for i := 0; i < len(name); i++ {
			c := name[i]
			if upper && 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			} else if !upper && 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			key[i] = c
			upper = c == '-'
		}
		if v, ok := h[string(key)]; ok {
			return v, true
		}
	}
	// Keys net/http left uncanonicalised, or set directly by a caller.
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

// appendTrimmed appends v with leading and trailing spaces and tabs removed
// and each run of inner spaces collapsed to one.
func appendTrimmed(dst []byte, v string) []byte {
	v = strings.Trim(v, " \t")
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		dst = append(dst, c)
	}
	return dst
}
