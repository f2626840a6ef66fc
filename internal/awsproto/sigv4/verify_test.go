package sigv4

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/errs"
)

const (
	kmsURL  = "https://kms.example.test:8443/some/path?Param1=value1&Param2=a%20b"
	kmsBody = `{"KeyId":"alias/test","Plaintext":"aGVsbG8="}`
)

func kmsHeaders() http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/x-amz-json-1.1")
	h.Set("X-Amz-Target", "TrentService.Encrypt")
	h.Set("X-Custom", "a   b  c")
	h.Add("X-Multi", "one")
	h.Add("X-Multi", "two")
	return h
}

func wantCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if !errs.Is(err, code) {
		t.Fatalf("err = %v, want code %s", err, code)
	}
}

func TestVerifySDKSigned(t *testing.T) {
	cases := []struct {
		name      string
		presigned bool
		token     string
		hdr       func() http.Header
	}{
		{"ok/header", false, "", kmsHeaders},
		{"ok/header-session-token", false, testToken, kmsHeaders},
		{"ok/header-content-sha256", false, "", func() http.Header {
			h := kmsHeaders()
			h.Set("X-Amz-Content-Sha256", sha256Hex([]byte(kmsBody)))
			return h
		}},
		{"ok/header-unsigned-payload", false, "", func() http.Header {
			h := kmsHeaders()
			h.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			return h
		}},
		{"ok/presigned", true, "", kmsHeaders},
		{"ok/presigned-session-token", true, testToken, kmsHeaders},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var w wireReq
			if tc.presigned {
				w = sdkPresign(t, "POST", kmsURL, tc.hdr(), []byte(kmsBody), tc.token, 300, testTime)
			} else {
				w = sdkSign(t, "POST", kmsURL, tc.hdr(), []byte(kmsBody), tc.token, testTime)
			}
			r, body := w.mustServer(t)
			res, err := newVerifier(testCred(tc.token), testTime.Add(time.Minute)).Verify(r, body)
			if err != nil {
				t.Fatalf("Verify: %v\n%s", err, w.bytes())
			}
			want := Scope{AccessKeyID: testAKID, Date: "20150830", Region: testRegion, Service: testService}
			if res.Scope != want || !res.SignedAt.Equal(testTime) || res.Presigned != tc.presigned || res.Credential.Principal != "root" {
				t.Fatalf("Result = %+v", res)
			}
			if !slices.Contains(res.SignedHeaders, "host") {
				t.Fatalf("SignedHeaders = %q", res.SignedHeaders)
			}
			if !tc.presigned && !slices.Contains(res.SignedHeaders, "x-amz-target") {
				t.Fatalf("SignedHeaders = %q", res.SignedHeaders)
			}
		})
	}
}

// flip changes one byte, keeping digits digits and letters letters so that
// hex stays hex and dates stay numeric where they can.
func flip(s string, i int) string {
	c := s[i]
	switch {
	case c >= '0' && c < '9', c >= 'a' && c < 'z', c >= 'A' && c < 'Z':
		c++
	case c == '9':
		c = '0'
	case c == 'z':
		c = 'a'
	case c == 'Z':
		c = 'A'
	default:
		c = 'x'
	}
	return s[:i] + string(c) + s[i+1:]
}

type mutation struct {
	name  string
	apply func(w *wireReq)
	want  []errs.Code // acceptable codes; the first is the usual one
}

var (
	mismatchOnly = []errs.Code{errs.SignatureMismatch}
	// authCodes are the codes a mutated signing parameter may earn: which
	// one depends on what the changed byte turns the parameter into.
	authCodes = []errs.Code{errs.SignatureMismatch, errs.IncompleteSignature, errs.SignatureExpired, errs.InvalidClientTokenID}
)

// mutations returns, for a signed request, one mutation per byte of every
// signed element: method, path, each query parameter, each signed header
// value, the body, the date, the credential scope and the signature.
func mutations(t *testing.T, base wireReq) []mutation {
	r, _ := base.mustServer(t)
	p, err := parseRequest(r)
	if err != nil {
		t.Fatal(err)
	}
	signed := strings.Split(p.signedHeaders, ";")
	var ms []mutation
	add := func(name string, n int, want []errs.Code, apply func(w *wireReq, i int)) {
		for i := 0; i < n; i++ {
			ms = append(ms, mutation{fmt.Sprintf("%s/%d", name, i), func(w *wireReq) { apply(w, i) }, want})
		}
	}
	add("method", len(base.method), mismatchOnly, func(w *wireReq, i int) { w.method = flip(w.method, i) })
	path, query, _ := strings.Cut(base.target, "?")
	add("path", len(path), mismatchOnly, func(w *wireReq, i int) { w.target = flip(path, i) + "?" + query })
	off := len(path) + 1
	for param := range strings.SplitSeq(query, "&") {
		key, val, _ := strings.Cut(param, "=")
		keyWant, valWant := mismatchOnly, mismatchOnly
		if strings.HasPrefix(key, "X-Amz-") {
			// Renaming a signing parameter removes it; changing its value
			// (but the signature's) changes how the request is read.
			keyWant = authCodes
			if key != paramSignature {
				valWant = authCodes
			}
		}
		start := off
		add("query/"+key+"/key", len(key)+1, keyWant, func(w *wireReq, i int) { w.target = flip(w.target, start+i) })
		add("query/"+key+"/value", len(val), valWant, func(w *wireReq, i int) { w.target = flip(w.target, start+len(key)+1+i) })
		off += len(param) + 1
	}
	for hi, h := range base.headers {
		name := strings.ToLower(h[0])
		switch {
		case name == "authorization":
			ah, _ := parseAuthorization(h[1])
			credStart := strings.Index(h[1], "Credential=") + len("Credential=")
			sigStart := strings.Index(h[1], "Signature=") + len("Signature=")
			// credential: access key id, date, region, service, terminator
			add("authorization/credential", len(ah.Credential), authCodes, func(w *wireReq, i int) {
				w.headers[hi][1] = flip(w.headers[hi][1], credStart+i)
			})
			add("authorization/signature", len(ah.Signature), mismatchOnly, func(w *wireReq, i int) {
				w.headers[hi][1] = flip(w.headers[hi][1], sigStart+i)
			})
		case name == "content-length":
			// Changing it changes the framing, not the request.
		case name == "x-amz-date":
			add("header/"+name, len(h[1]), authCodes, func(w *wireReq, i int) { w.headers[hi][1] = flip(w.headers[hi][1], i) })
		case slices.Contains(signed, name):
			add("header/"+name, len(h[1]), mismatchOnly, func(w *wireReq, i int) { w.headers[hi][1] = flip(w.headers[hi][1], i) })
		}
	}
	add("body", len(base.body), mismatchOnly, func(w *wireReq, i int) { w.body[i] = flip(string(w.body), i)[i] })
	return ms
}

func TestMutationsRejected(t *testing.T) {
	withSHA := kmsHeaders()
	withSHA.Set("X-Amz-Content-Sha256", sha256Hex([]byte(kmsBody)))
	bases := map[string]wireReq{
		"header":           sdkSign(t, "POST", kmsURL, kmsHeaders(), []byte(kmsBody), "", testTime),
		"header-sha256":    sdkSign(t, "POST", kmsURL, withSHA, []byte(kmsBody), "", testTime),
		"header-token":     sdkSign(t, "POST", kmsURL, kmsHeaders(), []byte(kmsBody), testToken, testTime),
		"presigned":        sdkPresign(t, "POST", kmsURL, kmsHeaders(), []byte(kmsBody), "", 300, testTime),
		"presigned-token":  sdkPresign(t, "POST", kmsURL, kmsHeaders(), []byte(kmsBody), testToken, 300, testTime),
		"presigned-no-exp": sdkPresign(t, "GET", kmsURL, nil, nil, "", 0, testTime),
	}
	for name, base := range bases {
		t.Run(name, func(t *testing.T) {
			token := ""
			if strings.HasSuffix(name, "-token") {
				token = testToken
			}
			v := newVerifier(testCred(token), testTime)
			r, body := base.mustServer(t)
			if _, err := v.Verify(r, body); err != nil {
				t.Fatalf("unmutated request rejected: %v", err)
			}
			ms := mutations(t, base)
			delivered := 0
			for _, m := range ms {
				w := base.clone()
				m.apply(&w)
				r, body, err := w.server()
				if err != nil {
					continue // not a request net/http would deliver
				}
				delivered++
				_, err = v.Verify(r, body)
				if err == nil {
					t.Errorf("%s: mutated request accepted:\n%s", m.name, w.bytes())
					continue
				}
				if !slices.Contains(m.want, errs.CodeOf(err)) {
					t.Errorf("%s: code %s (%v), want one of %v", m.name, errs.CodeOf(err), err, m.want)
				}
			}
			t.Logf("%d single-byte mutations, %d deliverable by net/http, all rejected", len(ms), delivered)
			if delivered < len(ms)*9/10 {
				t.Fatalf("only %d of %d mutations were deliverable", delivered, len(ms))
			}
		})
	}
}

// TestMutationsExact pins the code for particular changes to the
// credential scope and the date.
func TestMutationsExact(t *testing.T) {
	base := sdkSign(t, "POST", kmsURL, kmsHeaders(), []byte(kmsBody), "", testTime)
	cases := []struct {
		name     string
		old, new string
		want     errs.Code
		msg      string
	}{
		{"fail/scope-date", "/20150830/", "/20150831/", errs.SignatureMismatch,
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150831' != '20150830', from '20150830T123600Z'."},
		{"fail/scope-region", "/us-east-1/", "/us-east-2/", errs.SignatureMismatch, msgSignatureMismatch},
		{"fail/scope-service", "/kms/", "/kmt/", errs.SignatureMismatch, msgSignatureMismatch},
		{"fail/scope-terminator", "aws4_request", "aws4_requesu", errs.IncompleteSignature, ""},
		{"fail/scope-akid", "Credential=AKIDEXAMPLE", "Credential=AKIDEXAMPLF", errs.InvalidClientTokenID, msgInvalidToken},
		{"fail/algorithm", "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA257", errs.IncompleteSignature, "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA257'."},
		{"fail/signed-headers-drop", "SignedHeaders=content-length;", "SignedHeaders=", errs.SignatureMismatch, msgSignatureMismatch},
		{"fail/signed-headers-host", ";host;", ";hosu;", errs.IncompleteSignature, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := base.clone()
			i, auth := w.header("Authorization")
			if !strings.Contains(auth, tc.old) {
				t.Fatalf("%q not in %q", tc.old, auth)
			}
			w.headers[i][1] = strings.Replace(auth, tc.old, tc.new, 1)
			r, body := w.mustServer(t)
			_, err := newVerifier(testCred(""), testTime).Verify(r, body)
			wantCode(t, err, tc.want)
			if tc.msg != "" && errs.Message(err) != tc.msg {
				t.Fatalf("message %q, want %q", errs.Message(err), tc.msg)
			}
		})
	}
	t.Run("fail/x-amz-date-second", func(t *testing.T) {
		w := base.clone()
		i, _ := w.header("X-Amz-Date")
		w.headers[i][1] = "20150830T123601Z"
		r, body := w.mustServer(t)
		_, err := newVerifier(testCred(""), testTime).Verify(r, body)
		wantCode(t, err, errs.SignatureMismatch)
	})
	t.Run("fail/body-vs-content-sha256", func(t *testing.T) {
		h := kmsHeaders()
		h.Set("X-Amz-Content-Sha256", sha256Hex([]byte(kmsBody)))
		w := sdkSign(t, "POST", kmsURL, h, []byte(kmsBody), "", testTime)
		w.body[2] = 'k'
		r, body := w.mustServer(t)
		_, err := newVerifier(testCred(""), testTime).Verify(r, body)
		wantCode(t, err, errs.SignatureMismatch)
		if errs.Message(err) != msgPayloadMismatch {
			t.Fatalf("message %q", errs.Message(err))
		}
	})
}

func TestSkew(t *testing.T) {
	w := sdkSign(t, "POST", kmsURL, kmsHeaders(), []byte(kmsBody), "", testTime)
	r, body := w.mustServer(t)
	for _, d := range []int{-301, -300, -299, 0, 299, 300, 301} {
		t.Run(fmt.Sprint(d), func(t *testing.T) {
			// d is how far the server's clock is past the signing time.
			_, err := newVerifier(testCred(""), testTime.Add(time.Duration(d)*time.Second)).Verify(r, body)
			if d >= -300 && d <= 300 {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			wantCode(t, err, errs.SignatureExpired)
		})
	}
	t.Run("messages", func(t *testing.T) {
		signed := time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
		w := sdkSign(t, "POST", kmsURL, kmsHeaders(), []byte(kmsBody), "", signed)
		r, body := w.mustServer(t)
		_, err := newVerifier(testCred(""), signed.Add(10*time.Minute)).Verify(r, body)
		wantCode(t, err, errs.SignatureExpired)
		if got, want := errs.Message(err), "Signature expired: 20130524T000000Z is now earlier than 20130524T000500Z (20130524T001000Z - 5 min.)"; got != want {
			t.Fatalf("message %q, want %q", got, want)
		}
		signed = time.Date(2013, 5, 24, 0, 20, 0, 0, time.UTC)
		w = sdkSign(t, "POST", kmsURL, kmsHeaders(), []byte(kmsBody), "", signed)
		r, body = w.mustServer(t)
		_, err = newVerifier(testCred(""), signed.Add(-10*time.Minute)).Verify(r, body)
		wantCode(t, err, errs.SignatureExpired)
		if got, want := errs.Message(err), "Signature not yet current: 20130524T002000Z is still later than 20130524T001500Z (20130524T001000Z + 5 min.)"; got != want {
			t.Fatalf("message %q, want %q", got, want)
		}
	})
	t.Run("custom-max-skew", func(t *testing.T) {
		v := newVerifier(testCred(""), testTime.Add(61*time.Second))
		v.MaxSkew = time.Minute
		_, err := v.Verify(r, body)
		wantCode(t, err, errs.SignatureExpired)
		if !strings.HasSuffix(errs.Message(err), "- 1 min.)") {
			t.Fatalf("message %q", errs.Message(err))
		}
		v.Now = fixedNow(testTime.Add(59 * time.Second))
		if _, err := v.Verify(r, body); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPresignedExpiry(t *testing.T) {
	w := sdkPresign(t, "GET", "https://kms.example.test/?Action=ListKeys", nil, nil, "", 60, testTime)
	r, body := w.mustServer(t)
	cases := []struct {
		name  string
		after time.Duration
		want  errs.Code
		msg   string
	}{
		{"ok/at-signing", 0, "", ""},
		{"ok/at-expiry", 60 * time.Second, "", ""},
		{"ok/clock-behind-within-skew", -299 * time.Second, "", ""},
		{"fail/expired", 61 * time.Second, errs.SignatureExpired, "Request has expired"},
		{"fail/long-expired", 24 * time.Hour, errs.SignatureExpired, "Request has expired"},
		{"fail/signed-in-future", -301 * time.Second, errs.SignatureExpired, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newVerifier(testCred(""), testTime.Add(tc.after)).Verify(r, body)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, tc.want)
			if tc.msg != "" && errs.Message(err) != tc.msg {
				t.Fatalf("message %q, want %q", errs.Message(err), tc.msg)
			}
		})
	}
	t.Run("no-expires-uses-skew", func(t *testing.T) {
		w := sdkPresign(t, "GET", "https://kms.example.test/?Action=ListKeys", nil, nil, "", 0, testTime)
		r, body := w.mustServer(t)
		if _, err := newVerifier(testCred(""), testTime.Add(299*time.Second)).Verify(r, body); err != nil {
			t.Fatal(err)
		}
		_, err := newVerifier(testCred(""), testTime.Add(301*time.Second)).Verify(r, body)
		wantCode(t, err, errs.SignatureExpired)
	})
	t.Run("week-long", func(t *testing.T) {
		w := sdkPresign(t, "GET", "https://kms.example.test/", nil, nil, "", 604800, testTime)
		r, body := w.mustServer(t)
		if _, err := newVerifier(testCred(""), testTime.Add(6*24*time.Hour)).Verify(r, body); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSessionTokens(t *testing.T) {
	cases := []struct {
		name      string
		presigned bool
		signTok   string // token the client signs with
		credTok   string // token the server holds
		edit      func(w *wireReq)
		want      errs.Code
	}{
		{"ok/header", false, testToken, testToken, nil, ""},
		{"ok/presigned", true, testToken, testToken, nil, ""},
		{"fail/header-missing", false, "", testToken, nil, errs.InvalidClientTokenID},
		{"fail/presigned-missing", true, "", testToken, nil, errs.InvalidClientTokenID},
		{"fail/header-other-token", false, testToken + "x", testToken, nil, errs.InvalidClientTokenID},
		{"fail/presigned-other-token", true, testToken + "x", testToken, nil, errs.InvalidClientTokenID},
		{"fail/header-token-for-long-term-key", false, testToken, "", nil, errs.InvalidClientTokenID},
		{"fail/presigned-token-for-long-term-key", true, testToken, "", nil, errs.InvalidClientTokenID},
		{"fail/header-unsigned-token-added", false, "", testToken, func(w *wireReq) {
			// An unsigned token header must match too; here it does not.
			w.headers = append(w.headers, [2]string{"X-Amz-Security-Token", "forged"})
		}, errs.InvalidClientTokenID},
		{"ok/header-unsigned-token-added", false, "", testToken, func(w *wireReq) {
			// As in the suite's post-sts-header-after: token sent, not signed.
			w.headers = append(w.headers, [2]string{"X-Amz-Security-Token", testToken})
		}, ""},
		{"fail/header-two-tokens", false, testToken, testToken, func(w *wireReq) {
			w.headers = append(w.headers, [2]string{"X-Amz-Security-Token", testToken})
		}, errs.SignatureMismatch},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var w wireReq
			if tc.presigned {
				w = sdkPresign(t, "POST", kmsURL, kmsHeaders(), []byte(kmsBody), tc.signTok, 300, testTime)
			} else {
				w = sdkSign(t, "POST", kmsURL, kmsHeaders(), []byte(kmsBody), tc.signTok, testTime)
			}
			if tc.edit != nil {
				tc.edit(&w)
			}
			r, body := w.mustServer(t)
			_, err := newVerifier(testCred(tc.credTok), testTime).Verify(r, body)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, tc.want)
			if tc.want == errs.InvalidClientTokenID && errs.Message(err) != msgInvalidToken {
				t.Fatalf("message %q", errs.Message(err))
			}
			if strings.Contains(err.Error(), testToken) {
				t.Fatalf("error mentions the token: %v", err)
			}
		})
	}
	t.Run("fail/credential-expired", func(t *testing.T) {
		w := sdkSign(t, "POST", kmsURL, kmsHeaders(), []byte(kmsBody), testToken, testTime)
		r, body := w.mustServer(t)
		c := testCred(testToken)
		c.Expires = testTime
		_, err := newVerifier(c, testTime).Verify(r, body)
		wantCode(t, err, errs.ExpiredToken)
		c.Expires = testTime.Add(time.Second)
		if _, err := newVerifier(c, testTime).Verify(r, body); err != nil {
			t.Fatal(err)
		}
	})
}

type funcLookup func(ctx context.Context, id string) (*Credential, error)

func (f funcLookup) LookupAccessKey(ctx context.Context, id string) (*Credential, error) {
	return f(ctx, id)
}

func TestLookupErrors(t *testing.T) {
	w := sdkSign(t, "POST", kmsURL, kmsHeaders(), []byte(kmsBody), "", testTime)
	r, body := w.mustServer(t)
	cause := errors.New("database is on fire")
	cases := []struct {
		name string
		l    Lookup
		want errs.Code
		msg  string
	}{
		{"fail/unknown-key", staticLookup{}, errs.InvalidClientTokenID, msgInvalidToken},
		{"fail/nil-credential", funcLookup(func(context.Context, string) (*Credential, error) { return nil, nil }), errs.InvalidClientTokenID, msgInvalidToken},
		{"fail/expired-session", funcLookup(func(context.Context, string) (*Credential, error) {
			return nil, errs.E(errs.ExpiredToken, msgExpiredToken)
		}), errs.ExpiredToken, msgExpiredToken},
		{"fail/store-error", funcLookup(func(context.Context, string) (*Credential, error) { return nil, cause }), errs.Internal, ""},
		{"fail/nil-lookup", nil, errs.Internal, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := &Verifier{Lookup: tc.l, Now: fixedNow(testTime)}
			_, err := v.Verify(r, body)
			wantCode(t, err, tc.want)
			if tc.msg != "" && errs.Message(err) != tc.msg {
				t.Fatalf("message %q", errs.Message(err))
			}
		})
	}
	_, err := (&Verifier{Lookup: funcLookup(func(context.Context, string) (*Credential, error) { return nil, cause }), Now: fixedNow(testTime)}).Verify(r, body)
	if !errors.Is(err, cause) {
		t.Fatalf("cause lost: %v", err)
	}
}

func TestMissingAuthentication(t *testing.T) {
	for _, target := range []string{"/", "/?Action=ListKeys", "/?X-Amz-Date=20150830T123600Z"} {
		w := wireReq{method: "POST", target: target, headers: [][2]string{{"Host", "kms.example.test"}, {"X-Amz-Date", "20150830T123600Z"}}}
		r, body := w.mustServer(t)
		_, err := newVerifier(testCred(""), testTime).Verify(r, body)
		wantCode(t, err, errs.MissingAuthentication)
		if errs.Message(err) != "Missing Authentication Token" {
			t.Fatalf("message %q", errs.Message(err))
		}
	}
}

func TestMalformed(t *testing.T) {
	const (
		cred = "AKIDEXAMPLE/20150830/us-east-1/kms/aws4_request"
		sig  = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
		date = "20150830T123600Z"
	)
	hdr := func(auth string, extra ...[2]string) wireReq {
		h := [][2]string{{"Host", "kms.example.test"}}
		if auth != "" {
			h = append(h, [2]string{"Authorization", auth})
		}
		return wireReq{method: "POST", target: "/", headers: append(h, extra...)}
	}
	xdate := [2]string{"X-Amz-Date", date}
	good := "AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=host;x-amz-date, Signature=" + sig
	query := func(q string) wireReq {
		return wireReq{method: "GET", target: "/?" + q, headers: [][2]string{{"Host", "kms.example.test"}}}
	}
	goodQuery := "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + strings.ReplaceAll(cred, "/", "%2F") +
		"&X-Amz-Date=" + date + "&X-Amz-SignedHeaders=host&X-Amz-Signature=" + sig
	cases := []struct {
		name string
		w    wireReq
		msg  string // exact message, or prefix when it ends in "…"
	}{
		{"fail/no-credential", hdr("AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, Signature="+sig, xdate),
			"Authorization header requires 'Credential' parameter. Authorization=AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, Signature=" + sig},
		{"fail/no-signature-no-date", hdr("AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=host"),
			"Authorization header requires 'Signature' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=host"},
		{"fail/no-signed-headers", hdr("AWS4-HMAC-SHA256 Credential="+cred+", Signature="+sig, xdate),
			"Authorization header requires 'SignedHeaders' parameter. Authorization=…"},
		{"fail/only-algorithm", hdr("AWS4-HMAC-SHA256", xdate),
			"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256"},
		{"fail/missing-equal-sign", hdr("AWS4-HMAC-SHA256 Credential="+cred+", SignedHeaders, Signature="+sig, xdate),
			"Invalid key=value pair (missing equal-sign) in Authorization header. Authorization header requires 'SignedHeaders' parameter. Authorization=…"},
		{"fail/duplicate-signature", hdr(good+", Signature="+sig, xdate), "Authorization header has a duplicate 'Signature' parameter. Authorization=…"},
		{"fail/unsupported-algorithm", hdr(strings.Replace(good, "SHA256", "SHA512", 1), xdate), "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'."},
		{"fail/bearer-not-echoed", hdr("Bearer s3cr3t-bearer-token", xdate), "Unsupported AWS 'algorithm': 'Bearer'."},
		{"fail/sigv2", hdr("AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=", xdate), "Unsupported AWS 'algorithm': 'AWS'."},
		{"fail/scope-four-parts", hdr(strings.Replace(good, "/aws4_request", "", 1), xdate), `Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request". Authorization=…`},
		{"fail/scope-six-parts", hdr(strings.Replace(good, "/aws4_request", "/aws4_request/x", 1), xdate), `Error parsing the X-Amz-Credential parameter…`},
		{"fail/scope-bad-date", hdr(strings.Replace(good, "/20150830/", "/2015083x/", 1), xdate), `Error parsing the X-Amz-Credential parameter…`},
		{"fail/scope-empty-akid", hdr(strings.Replace(good, "AKIDEXAMPLE", "", 1), xdate), `Error parsing the X-Amz-Credential parameter…`},
		{"fail/scope-bad-region", hdr(strings.Replace(good, "us-east-1", "US_EAST_1", 1), xdate), "Credential should be scoped to a valid region, not 'US_EAST_1'. Authorization=…"},
		{"fail/scope-empty-service", hdr(strings.Replace(good, "/kms/", "//", 1), xdate), "Credential should be scoped to a valid service, not ''. Authorization=…"},
		{"fail/scope-terminator", hdr(strings.Replace(good, "aws4_request", "aws5_request", 1), xdate),
			"Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. Authorization=…"},
		{"fail/host-not-signed", hdr(strings.Replace(good, "host;x-amz-date", "x-amz-date", 1), xdate),
			"'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization. Authorization=…"},
		{"fail/empty-signed-header", hdr(strings.Replace(good, "host;x-amz-date", "host;;x-amz-date", 1), xdate), "SignedHeaders must not contain an empty header name.…"},
		{"fail/bad-x-amz-date", hdr(good, [2]string{"X-Amz-Date", "2015-08-30T12:36:00Z"}), "Date must be in ISO-8601 'basic format'. Got '2015-08-30T12:36:00Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{"fail/impossible-x-amz-date", hdr(good, [2]string{"X-Amz-Date", "20150230T123600Z"}), "Date must be in ISO-8601 'basic format'.…"},
		{"fail/bad-date-header", hdr(good, [2]string{"Date", "yesterday"}), "Date must be in RFC 1123 format. Got 'yesterday'."},
		{"fail/two-authorization-headers", hdr(good, xdate, [2]string{"Authorization", good}), "Only one Authorization header is allowed."},
		{"fail/header-and-query", wireReq{method: "GET", target: "/?" + goodQuery, headers: [][2]string{{"Host", "h"}, {"Authorization", good}, xdate}}, "Only one auth mechanism allowed;…"},
		{"fail/query-missing", query("X-Amz-Credential=" + cred),
			"AWS query-string parameters must include 'X-Amz-Algorithm'. AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters."},
		{"fail/query-algorithm", query(strings.Replace(goodQuery, "SHA256", "SHA1", 1)), `X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"`},
		{"fail/query-duplicate", query(goodQuery + "&X-Amz-Date=" + date), "AWS query-string parameter 'X-Amz-Date' must appear only once."},
		{"fail/query-bad-date", query(strings.Replace(goodQuery, date, "2015", 1)), `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`},
		{"fail/query-expires-nan", query(goodQuery + "&X-Amz-Expires=soon"), "X-Amz-Expires should be a number"},
		{"fail/query-expires-negative", query(goodQuery + "&X-Amz-Expires=-5"), "X-Amz-Expires must be non-negative"},
		{"fail/query-expires-too-long", query(goodQuery + "&X-Amz-Expires=604801"), "X-Amz-Expires must be less than a week (in seconds) that is 604800"},
		{"fail/query-expires-huge", query(goodQuery + "&X-Amz-Expires=99999999999999999999999"), "X-Amz-Expires must be less than a week (in seconds) that is 604800"},
		{"fail/query-expires-empty", query(goodQuery + "&X-Amz-Expires="), "X-Amz-Expires should be a number"},
		{"fail/query-bad-scope", query(strings.Replace(goodQuery, "aws4_request", "aws4", 1)), "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4'."},
		{"fail/query-host-not-signed", query(strings.Replace(goodQuery, "SignedHeaders=host", "SignedHeaders=x-amz-date", 1)), "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, body := tc.w.mustServer(t)
			_, err := newVerifier(testCred(""), testTime).Verify(r, body)
			wantCode(t, err, errs.IncompleteSignature)
			got := errs.Message(err)
			if prefix, ok := strings.CutSuffix(tc.msg, "…"); ok {
				if !strings.HasPrefix(got, prefix) {
					t.Fatalf("message %q, want prefix %q", got, prefix)
				}
			} else if got != tc.msg {
				t.Fatalf("message %q, want %q", got, tc.msg)
			}
			if strings.Contains(got, "s3cr3t") {
				t.Fatalf("message echoes a bearer token: %q", got)
			}
		})
	}
}

// TestDateHeader covers signing with an RFC 1123 Date header instead of
// X-Amz-Date. The SDKs never do this, so the request is signed with this
// package's builder; the suite and the SDK tests check the builder.
func TestDateHeader(t *testing.T) {
	w := wireReq{method: "POST", target: "/", headers: [][2]string{
		{"Host", "kms.example.test"},
		{"Date", "Sun, 30 Aug 2015 12:36:00 GMT"},
		{"Content-Type", "application/x-amz-json-1.1"},
	}, body: []byte(kmsBody)}
	w.headers = append(w.headers, [2]string{"Content-Length", itoa(len(kmsBody))})
	scope := Scope{AccessKeyID: testAKID, Date: "20150830", Region: testRegion, Service: testService}
	signed := selfSign(t, w, testSecret, scope, "20150830T123600Z", "content-type;date;host")
	r, body := signed.mustServer(t)
	res, err := newVerifier(testCred(""), testTime).Verify(r, body)
	if err != nil {
		t.Fatal(err)
	}
	if !res.SignedAt.Equal(testTime) {
		t.Fatalf("SignedAt = %v", res.SignedAt)
	}
	// The date the signature used must be the Date header's.
	i, _ := signed.header("Date")
	signed.headers[i][1] = "Sun, 30 Aug 2015 12:36:01 GMT"
	r, body = signed.mustServer(t)
	_, err = newVerifier(testCred(""), testTime).Verify(r, body)
	wantCode(t, err, errs.SignatureMismatch)
	// X-Amz-Date wins over Date when both are present.
	w2 := selfSign(t, w, testSecret, scope, "20150830T123700Z", "content-type;host")
	w2.headers = append(w2.headers, [2]string{"X-Amz-Date", "20150830T123700Z"})
	r, body = w2.mustServer(t)
	if _, err := newVerifier(testCred(""), testTime).Verify(r, body); err != nil {
		t.Fatal(err)
	}
}

func TestParseScope(t *testing.T) {
	want := Scope{AccessKeyID: testAKID, Date: "20150830", Region: testRegion, Service: testService}
	for name, w := range map[string]wireReq{
		"header":    sdkSign(t, "POST", kmsURL, kmsHeaders(), []byte(kmsBody), "", testTime),
		"presigned": sdkPresign(t, "GET", kmsURL, nil, nil, "", 60, testTime),
	} {
		r, _ := w.mustServer(t)
		if s, ok := ParseScope(r); !ok || s != want {
			t.Errorf("%s: ParseScope = %+v, %v", name, s, ok)
		}
	}
	for name, w := range map[string]wireReq{
		"unsigned":     {method: "GET", target: "/", headers: [][2]string{{"Host", "h"}}},
		"bearer":       {method: "GET", target: "/", headers: [][2]string{{"Host", "h"}, {"Authorization", "Bearer x"}}},
		"bad-scope":    {method: "GET", target: "/", headers: [][2]string{{"Host", "h"}, {"Authorization", "AWS4-HMAC-SHA256 Credential=AKID/2015/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=00"}}},
		"query-twice":  {method: "GET", target: "/?X-Amz-Credential=AKID%2F20150830%2Fus-east-1%2Fkms%2Faws4_request&X-Amz-Credential=B%2F20150830%2Fus-east-1%2Fkms%2Faws4_request", headers: [][2]string{{"Host", "h"}}},
		"query-broken": {method: "GET", target: "/?X-Amz-Credential=AKID", headers: [][2]string{{"Host", "h"}}},
	} {
		r, _ := w.mustServer(t)
		if s, ok := ParseScope(r); ok {
			t.Errorf("%s: ParseScope = %+v, true", name, s)
		}
	}
}

func TestCredentialRedacted(t *testing.T) {
	c := &Credential{AccessKeyID: testAKID, Secret: []byte(testSecret), SessionToken: testToken, Principal: "p"}
	var outs []string
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		outs = append(outs, fmt.Sprintf(f, c), fmt.Sprintf(f, *c))
	}
	outs = append(outs, c.String(), c.GoString(), fmt.Sprint(c), fmt.Sprintf("%v", []*Credential{c}), fmt.Sprintf("%v", Result{Credential: c}))
	js, err := c.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(js))
	var logged strings.Builder
	logSlog(&logged, c)
	outs = append(outs, logged.String())
	for _, o := range outs {
		if strings.Contains(o, testSecret) || strings.Contains(o, testToken) || strings.Contains(o, "wJalr") || strings.Contains(strings.ToLower(o), "774a616c72") {
			t.Fatalf("credential leaks: %s", o)
		}
	}
	if !strings.Contains(c.String(), testAKID) || !strings.Contains(logged.String(), testAKID) {
		t.Fatalf("access key id missing: %s / %s", c.String(), logged.String())
	}
}

func TestSigningKeyCache(t *testing.T) {
	w := sdkSign(t, "POST", kmsURL, kmsHeaders(), []byte(kmsBody), "", testTime)
	r, body := w.mustServer(t)
	cred := testCred("")
	lookups := 0
	v := &Verifier{Now: fixedNow(testTime), Lookup: funcLookup(func(context.Context, string) (*Credential, error) {
		lookups++
		cp := *cred
		return &cp, nil
	})}
	for range 3 {
		if _, err := v.Verify(r, body); err != nil {
			t.Fatal(err)
		}
	}
	if n := v.keys.len(); n != 1 {
		t.Fatalf("cache holds %d keys, want 1", n)
	}
	// The cached key is the one the HMAC chain gives.
	k := newCacheKey(cred, Scope{AccessKeyID: testAKID, Date: "20150830", Region: testRegion, Service: testService})
	got, ok := v.keys.get(k)
	if !ok || got.key != deriveSigningKey([]byte(testSecret), "20150830", testRegion, testService) {
		t.Fatalf("cached key wrong (hit %v)", ok)
	}

	// Rotate the secret: the old signature must now fail even though its
	// key is cached, and a request signed with the new secret must pass.
	cred = &Credential{AccessKeyID: testAKID, Secret: []byte("a-brand-new-secret-after-rotation")}
	_, err := v.Verify(r, body)
	wantCode(t, err, errs.SignatureMismatch)
	scope := Scope{AccessKeyID: testAKID, Date: "20150830", Region: testRegion, Service: testService}
	plain := wireReq{method: "POST", target: "/", headers: [][2]string{{"Host", "kms.example.test"}, {"X-Amz-Date", "20150830T123600Z"}}}
	w2 := selfSign(t, plain, string(cred.Secret), scope, "20150830T123600Z", "host;x-amz-date")
	r2, body2 := w2.mustServer(t)
	if _, err := v.Verify(r2, body2); err != nil {
		t.Fatal(err)
	}
	if n := v.keys.len(); n != 2 {
		t.Fatalf("cache holds %d keys, want 2", n)
	}

	// A failed verification caches nothing.
	v2 := newVerifier(testCred(""), testTime)
	bad := w.clone()
	bad.body[3] = 'X'
	rb, bb := bad.mustServer(t)
	if _, err := v2.Verify(rb, bb); err == nil {
		t.Fatal("tampered body accepted")
	}
	if n := v2.keys.len(); n != 0 {
		t.Fatalf("failed verification cached %d keys", n)
	}
}

func TestKeyCacheBounded(t *testing.T) {
	var c keyCache
	for i := range 5 * keyCacheGeneration {
		c.put(cacheKey{accessKeyID: fmt.Sprint("AKID", i), date: "20150830", region: "r", service: "s"}, newSigningKey([32]byte{byte(i)}))
	}
	if n := c.len(); n > 2*keyCacheGeneration {
		t.Fatalf("cache holds %d keys, bound is %d", n, 2*keyCacheGeneration)
	}
	// The most recent entries are kept.
	last := 5*keyCacheGeneration - 1
	if v, ok := c.get(cacheKey{accessKeyID: fmt.Sprint("AKID", last), date: "20150830", region: "r", service: "s"}); !ok || v.key[0] != byte(last) {
		t.Fatal("most recent entry evicted")
	}
}

func TestVerifyConcurrent(t *testing.T) {
	v := newVerifier(testCred(testToken), testTime)
	reqs := []wireReq{
		sdkSign(t, "POST", kmsURL, kmsHeaders(), []byte(kmsBody), testToken, testTime),
		sdkPresign(t, "GET", kmsURL, nil, nil, testToken, 60, testTime),
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				w := reqs[(g+i)%len(reqs)]
				r, body, err := w.server()
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := v.Verify(r, body); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestCanonicalHelpers(t *testing.T) {
	paths := map[string]string{
		"":                "/",
		"/":               "/",
		"//":              "/",
		"/a/b/../c/./d/":  "/a/c/d/",
		"/a/..":           "/",
		"/../../a":        "/a",
		"/a//b":           "/a/b",
		"/a/.":            "/a",
		"/a%2Fb/%2E%2E/c": "/a%2Fb/%2E%2E/c",
	}
	for in, want := range paths {
		got := in
		if needsNormalize(in) {
			got = normalizePath(in)
		}
		if got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
	if got := string(appendCanonicalURI(nil, "/a%2Fb c/ሴ~", true)); got != "/a%252Fb%20c/%E1%88%B4~" {
		t.Errorf("canonical URI %q", got)
	}
	queries := map[string]string{
		"b=2&a=1&a=0":         "a=0&a=1&b=2",
		"a+b=c+d":             "a%20b=c%20d",
		"k=%2f%2F&x":          "k=%2F%2F&x=",
		"bad=%zz&&e=":         "bad=%25zz&e=",
		"Param-3=3&Param=2":   "Param=2&Param-3=3",
		"%E1%88%B4=1&Z=2":     "%E1%88%B4=1&Z=2",
		"x=a;b&y=!*'()":       "x=a%3Bb&y=%21%2A%27%28%29",
		"X-Amz-Signature=abc": "X-Amz-Signature=abc",
	}
	for in, want := range queries {
		if got := string(appendCanonicalQuery(nil, in, false, false)); got != want {
			t.Errorf("canonical query(%q) = %q, want %q", in, got, want)
		}
	}
	if got := string(appendCanonicalQuery(nil, "X-Amz-Signature=abc&a=1", true, false)); got != "a=1" {
		t.Errorf("presigned canonical query kept the signature: %q", got)
	}
	for in, want := range map[string]string{"  a   b  ": "a b", "\ta\t b": "a\t b", "": "", "x": "x"} {
		if got := string(appendTrimmed(nil, in)); got != want {
			t.Errorf("trim(%q) = %q, want %q", in, got, want)
		}
	}
}
