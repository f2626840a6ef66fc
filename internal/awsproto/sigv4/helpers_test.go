package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Test credentials: AWS's documentation examples, never real ones.
const (
	testAKID    = "AKIDEXAMPLE"
	testSecret  = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	testToken   = "FQoGZXIvYXdzEXAMPLEtokenAAAAAAAAAAAAAAAAAAAAAAA+/=="
	testRegion  = "us-east-1"
	testService = "kms"
)

var testTime = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)

func testCred(token string) *Credential {
	return &Credential{AccessKeyID: testAKID, Secret: []byte(testSecret), SessionToken: token, Principal: "root"}
}

func fixedNow(t time.Time) func() time.Time { return func() time.Time { return t } }

func newVerifier(c *Credential, now time.Time) *Verifier {
	return &Verifier{Lookup: staticLookup{c.AccessKeyID: c}, Now: fixedNow(now)}
}

// wireReq is a request as it travels: request line, ordered header lines,
// body. Tests mutate it and hand it to net/http to parse, as a server would.
type wireReq struct {
	method  string
	target  string
	headers [][2]string
	body    []byte
}

func (w wireReq) clone() wireReq {
	c := w
	c.headers = append([][2]string(nil), w.headers...)
	c.body = bytes.Clone(w.body)
	return c
}

func (w wireReq) bytes() []byte {
	var b bytes.Buffer
	b.WriteString(w.method + " " + w.target + " HTTP/1.1\r\n")
	for _, h := range w.headers {
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(w.body)
	return b.Bytes()
}

// server parses w with http.ReadRequest: what a Keyward handler receives.
func (w wireReq) server() (*http.Request, []byte, error) {
	r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(w.bytes())))
	if err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, nil, err
	}
	return r, body, nil
}

func (w wireReq) mustServer(t testing.TB) (*http.Request, []byte) {
	t.Helper()
	r, body, err := w.server()
	if err != nil {
		t.Fatalf("ReadRequest: %v\n%s", err, w.bytes())
	}
	return r, body
}

func (w wireReq) header(name string) (int, string) {
	for i, h := range w.headers {
		if strings.EqualFold(h[0], name) {
			return i, h[1]
		}
	}
	return -1, ""
}

// toWire serialises a client request as the Go client would send it.
func toWire(t testing.TB, r *http.Request, body []byte) wireReq {
	t.Helper()
	w := wireReq{method: r.Method, target: r.URL.RequestURI(), body: body}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	w.headers = append(w.headers, [2]string{"Host", host})
	if len(body) > 0 {
		w.headers = append(w.headers, [2]string{"Content-Length", itoa(len(body))})
	}
	for k, vs := range r.Header {
		for _, v := range vs {
			w.headers = append(w.headers, [2]string{k, v})
		}
	}
	return w
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// sdkSign signs a request with aws-sdk-go-v2's SigV4 signer (header
// signing) and returns its wire form.
func sdkSign(t testing.TB, method, url string, hdr http.Header, body []byte, token string, at time.Time) wireReq {
	t.Helper()
	r, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range hdr {
		r.Header[k] = append([]string(nil), vs...)
	}
	payload := sha256Hex(body)
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" {
		payload = h
	}
	creds := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret, SessionToken: token}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, payload, testService, testRegion, at); err != nil {
		t.Fatal(err)
	}
	return toWire(t, r, body)
}

// sdkPresign presigns a request with aws-sdk-go-v2 (expires > 0 adds
// X-Amz-Expires) and returns its wire form with the headers the signer
// says must be sent.
func sdkPresign(t testing.TB, method, url string, hdr http.Header, body []byte, token string, expires int, at time.Time) wireReq {
	t.Helper()
	r, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range hdr {
		r.Header[k] = append([]string(nil), vs...)
	}
	if expires > 0 {
		q := r.URL.Query()
		q.Set("X-Amz-Expires", itoa(expires))
		r.URL.RawQuery = q.Encode()
	}
	creds := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret, SessionToken: token}
	signedURL, signed, err := v4.NewSigner().PresignHTTP(context.Background(), creds, r, sha256Hex(body), testService, testRegion, at)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := http.NewRequest(method, signedURL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range signed {
		if strings.EqualFold(k, "host") {
			continue
		}
		pr.Header[http.CanonicalHeaderKey(k)] = vs
	}
	return toWire(t, pr, body)
}

// selfSign signs a server-side request with this package's own canonical
// builder, for the few shapes the SDK signer cannot produce (a Date header
// instead of X-Amz-Date). The suite and the SDK tests are what check the
// builder itself.
func selfSign(t testing.TB, w wireReq, secret string, scope Scope, amzDate, signedHeaders string) wireReq {
	t.Helper()
	w = w.clone()
	r, body := w.mustServer(t)
	p := &parsedRequest{
		scope:         scope,
		scopeStr:      scope.Date + "/" + scope.Region + "/" + scope.Service + "/" + terminator,
		signedHeaders: signedHeaders,
		amzDate:       amzDate,
	}
	payload, err := payloadHash(r, body)
	if err != nil {
		t.Fatal(err)
	}
	cr := p.appendCanonicalRequest(nil, r, &payload, true, false)
	sum := sha256.Sum256(cr)
	sts := appendStringToSign(nil, amzDate, p.scopeStr, &sum)
	key := deriveSigningKey([]byte(secret), scope.Date, scope.Region, scope.Service)
	sig := hmacHex(key[:], sts)
	a := authorization{Algorithm: algorithm, Credential: scope.AccessKeyID + "/" + p.scopeStr, SignedHeaders: signedHeaders, Signature: sig}
	w.headers = append(w.headers, [2]string{"Authorization", a.String()})
	return w
}

func hmacHex(key, data []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return hex.EncodeToString(m.Sum(nil))
}

func logSlog(w io.Writer, c *Credential) {
	slog.New(slog.NewJSONHandler(w, nil)).Info("verified", "cred", c, "value", *c)
}
