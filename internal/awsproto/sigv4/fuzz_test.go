package sigv4

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/errs"
)

var authSeeds = []string{
	"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
	"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request,SignedHeaders=host,Signature=00",
	"AWS4-HMAC-SHA256 Credential=a, Credential=b",
	"AWS4-HMAC-SHA256 ,,, =, a=b=c, Signature",
	"AWS4-HMAC-SHA256",
	"Bearer token",
	"AWS AKID:sig",
	"",
	" \t ",
	"AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/kms/aws4_request/extra, SignedHeaders=;;, Signature= x ",
}

// FuzzParseAuthorization: the Authorization parser never panics, fails
// only with IncompleteSignature, and what it accepts survives a round trip
// through String.
func FuzzParseAuthorization(f *testing.F) {
	for _, s := range authSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		a, err := parseAuthorization(v)
		if err != nil {
			if !errs.Is(err, errs.IncompleteSignature) {
				t.Fatalf("error without IncompleteSignature: %v", err)
			}
			return
		}
		if a.Algorithm != algorithm || a.Credential == "" || a.SignedHeaders == "" || a.Signature == "" {
			t.Fatalf("accepted incomplete %+v", a)
		}
		b, err := parseAuthorization(a.String())
		if err != nil || b != a {
			t.Fatalf("round trip: %+v -> %q -> %+v, %v", a, a.String(), b, err)
		}
		s, scope, err := parseCredential(a.Credential)
		if err == nil {
			if got := s.AccessKeyID + "/" + scope; got != a.Credential {
				t.Fatalf("credential %q reassembles to %q", a.Credential, got)
			}
			if s.Date+"/"+s.Region+"/"+s.Service+"/"+terminator != scope {
				t.Fatalf("scope %+v vs %q", s, scope)
			}
		} else if !errs.Is(err, errs.IncompleteSignature) {
			t.Fatalf("credential error without IncompleteSignature: %v", err)
		}
		if list, err := checkSignedHeaders(a.SignedHeaders); err == nil {
			if !slices.Contains(strings.Split(list, ";"), "host") {
				t.Fatalf("signed headers %q accepted without host", list)
			}
		}
	})
}

// FuzzVerify drives Verify with arbitrary request parts: it never panics
// and only ever fails with an authentication code (the lookup is
// in-memory, so Internal would be a bug), and it never accepts a request
// whose signature it did not recompute.
func FuzzVerify(f *testing.F) {
	f.Add("POST", "/", authSeeds[0], "20150830T123600Z", "", "", []byte("{}"))
	f.Add("GET", "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature=e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d", "", "", "", "", []byte(nil))
	f.Add("GET", "/a/../b//c/?a=%zz&b=+&&c", authSeeds[1], "Sun, 30 Aug 2015 12:36:00 GMT", "tok", "UNSIGNED-PAYLOAD", []byte("x"))
	f.Add("PUT", "http://h/x?y", authSeeds[2], "2015", "", "zz", []byte("body"))
	cred := testCred("")
	v := newVerifier(cred, testTime)
	allowed := []errs.Code{errs.MissingAuthentication, errs.IncompleteSignature, errs.InvalidClientTokenID,
		errs.SignatureMismatch, errs.SignatureExpired, errs.ExpiredToken}
	f.Fuzz(func(t *testing.T, method, target, auth, date, token, sha string, body []byte) {
		r := &http.Request{Method: method, RequestURI: target, Host: "example.amazonaws.com", Header: http.Header{}, ContentLength: int64(len(body))}
		u, err := url.ParseRequestURI(target)
		if err != nil {
			path, q, _ := strings.Cut(target, "?")
			u = &url.URL{Path: path, RawQuery: q}
		}
		r.URL = u
		for k, val := range map[string]string{"Authorization": auth, "X-Amz-Date": date, "X-Amz-Security-Token": token, "X-Amz-Content-Sha256": sha} {
			if val != "" {
				r.Header[k] = []string{val}
			}
		}
		if s, ok := ParseScope(r); ok && (s.AccessKeyID == "" || len(s.Date) != 8) {
			t.Fatalf("ParseScope = %+v", s)
		}
		res, err := v.Verify(r, body)
		if err != nil {
			if !slices.Contains(allowed, errs.CodeOf(err)) {
				t.Fatalf("code %s: %v", errs.CodeOf(err), err)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Fatal("error mentions the secret")
			}
			return
		}
		// Accepted: recompute independently of Verify's path.
		p, perr := parseRequest(r)
		if perr != nil {
			t.Fatalf("accepted but does not parse: %v", perr)
		}
		payload, _ := payloadHash(r, body)
		key := newSigningKey(deriveSigningKey(cred.Secret, p.scope.Date, p.scope.Region, p.scope.Service))
		if !p.signatureMatches(r, key, &payload, false) && !p.signatureMatches(r, key, &payload, true) {
			t.Fatalf("accepted a request whose signature does not match: %+v", res)
		}
	})
}

// FuzzCanonicalURI: normalisation is idempotent and yields a clean
// absolute path; the encoded URI holds only unreserved characters, '/'
// and %XX escapes; query canonicalisation never panics and is stable.
func FuzzCanonicalURI(f *testing.F) {
	for _, s := range []string{"/", "//a//b/", "/a/./b/../c", "/..", "a/b", "/%2E%2E/x", "/ሴ space/"} {
		f.Add(s, "a=1&b=%2F&c&d=%2f&e=%41&f=%E1%88%B4&g=%zz+%")
	}
	f.Fuzz(func(t *testing.T, path, query string) {
		n := normalizePath(path)
		if n == "" || n[0] != '/' || strings.Contains(n, "//") || needsNormalize(n) || normalizePath(n) != n {
			t.Fatalf("normalizePath(%q) = %q", path, n)
		}
		if !needsNormalize(path) && n != path {
			t.Fatalf("%q needs no normalisation but normalises to %q", path, n)
		}
		enc := string(appendCanonicalURI(nil, path, true))
		for i := 0; i < len(enc); i++ {
			c := enc[i]
			switch {
			case unreserved[c] || c == '/':
			case c == '%' && i+2 < len(enc) && strings.IndexByte("0123456789ABCDEF", enc[i+1]) >= 0 && strings.IndexByte("0123456789ABCDEF", enc[i+2]) >= 0:
				i += 2
			default:
				t.Fatalf("canonical URI %q has %q at %d", enc, c, i)
			}
		}
		for k, v := range rawQueryPairs(query) {
			for _, c := range []string{k, v} {
				if got, want := canonicalComponent(c), uriEncode(queryUnescape(c)); got != want {
					t.Fatalf("canonicalComponent(%q) = %q, want %q", c, got, want)
				}
			}
		}
		q1 := string(appendCanonicalQuery(nil, query, false, false))
		if q2 := string(appendCanonicalQuery(nil, q1, false, false)); q2 != q1 {
			t.Fatalf("canonical query not stable: %q -> %q -> %q", query, q1, q2)
		}
	})
}
