package sigv4

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/keyward/keyward/internal/errs"
)

// TestEndToEndSDK signs real requests with aws-sdk-go-v2's signer, sends
// them with net/http's client to a net/http server on 127.0.0.1 and
// verifies them there, at the real time of day.
func TestEndToEndSDK(t *testing.T) {
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_PROFILE"} {
		t.Setenv(k, "")
	}
	v := &Verifier{Lookup: staticLookup{
		testAKID:        testCred(""),
		"ASIATEMPORARY": {AccessKeyID: "ASIATEMPORARY", Secret: []byte("temporary-secret"), SessionToken: testToken},
	}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		res, err := v.Verify(r, body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, "%s: %s", errs.CodeOf(err), errs.Message(err))
			return
		}
		fmt.Fprintf(w, "ok %s %s %s", res.AccessKeyID, res.Region, res.Service)
	}))
	defer srv.Close()

	long := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
	temp := aws.Credentials{AccessKeyID: "ASIATEMPORARY", SecretAccessKey: "temporary-secret", SessionToken: testToken}

	type tc struct {
		name    string
		method  string
		path    string // with query
		body    string
		hdr     map[string][]string
		creds   aws.Credentials
		presign bool
		tamper  func(r *http.Request)
		want    string // response prefix
	}
	jsonHdr := map[string][]string{
		"Content-Type": {"application/x-amz-json-1.1"},
		"X-Amz-Target": {"TrentService.Encrypt"},
	}
	cases := []tc{
		{name: "ok/kms-json", method: "POST", path: "/", body: `{"KeyId":"alias/a","Plaintext":"AA=="}`, hdr: jsonHdr, creds: long, want: "ok AKIDEXAMPLE eu-west-3 kms"},
		{name: "ok/session-token", method: "POST", path: "/", body: `{}`, hdr: jsonHdr, creds: temp, want: "ok ASIATEMPORARY eu-west-3 kms"},
		{name: "ok/query-protocol-get", method: "GET", path: "/?Action=ListUsers&Version=2010-05-08&Marker=a%2Fb+c&Empty=", creds: long, want: "ok"},
		{name: "ok/odd-path-and-query", method: "GET", path: "/a%20b/%E1%88%B4/x%2Fy/?z=1&a=2&a=1&%C3%A9=%F0%9F%94%91", creds: long, want: "ok"},
		{name: "ok/repeated-and-spaced-headers", method: "POST", path: "/", body: "x", hdr: map[string][]string{
			"X-Multi": {"one", "  two  ", "three   four"},
			"X-Tab":   {"a\tb"},
		}, creds: long, want: "ok"},
		{name: "ok/presigned-get", method: "GET", path: "/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=60", creds: long, presign: true, want: "ok"},
		{name: "ok/presigned-session-token", method: "GET", path: "/?X-Amz-Expires=60", creds: temp, presign: true, want: "ok"},
		{name: "ok/presigned-post-body", method: "POST", path: "/?X-Amz-Expires=60", body: `{"a":1}`, hdr: jsonHdr, creds: long, presign: true, want: "ok"},
		{name: "fail/tampered-body", method: "POST", path: "/", body: `{"KeyId":"alias/a"}`, hdr: jsonHdr, creds: long,
			tamper: func(r *http.Request) {
				b := []byte(`{"KeyId":"alias/b"}`)
				r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
			}, want: "SignatureDoesNotMatch: The request signature we calculated"},
		{name: "fail/tampered-target", method: "POST", path: "/", body: `{}`, hdr: jsonHdr, creds: long,
			tamper: func(r *http.Request) { r.Header.Set("X-Amz-Target", "TrentService.Decrypt") }, want: "SignatureDoesNotMatch"},
		{name: "fail/wrong-secret", method: "POST", path: "/", body: `{}`, hdr: jsonHdr,
			creds: aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: "wrong"}, want: "SignatureDoesNotMatch"},
		{name: "fail/unknown-key", method: "POST", path: "/", body: `{}`, hdr: jsonHdr,
			creds: aws.Credentials{AccessKeyID: "AKIAUNKNOWN", SecretAccessKey: "x"}, want: "InvalidClientTokenId: The security token included in the request is invalid."},
		{name: "fail/token-dropped", method: "POST", path: "/", body: `{}`, hdr: jsonHdr, creds: temp,
			tamper: func(r *http.Request) { r.Header.Del("X-Amz-Security-Token") }, want: "SignatureDoesNotMatch"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			req, err := http.NewRequestWithContext(ctx, c.method, srv.URL+c.path, strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			if c.body == "" {
				req.Body, req.ContentLength = http.NoBody, 0
			}
			for k, vs := range c.hdr {
				for _, v := range vs {
					req.Header.Add(k, v)
				}
			}
			now := time.Now()
			// A signer per request: the SDK's signer caches derived keys by
			// access key id, date, region and service, not by secret, so a
			// shared one would sign "wrong-secret" with the right key.
			signer := v4.NewSigner()
			if c.presign {
				u, signed, err := signer.PresignHTTP(ctx, c.creds, req, sha256Hex([]byte(c.body)), "kms", "eu-west-3", now)
				if err != nil {
					t.Fatal(err)
				}
				preq, err := http.NewRequestWithContext(ctx, c.method, u, strings.NewReader(c.body))
				if err != nil {
					t.Fatal(err)
				}
				for k, vs := range signed {
					if !strings.EqualFold(k, "host") {
						preq.Header[http.CanonicalHeaderKey(k)] = vs
					}
				}
				req = preq
			} else if err := signer.SignHTTP(ctx, c.creds, req, sha256Hex([]byte(c.body)), "kms", "eu-west-3", now); err != nil {
				t.Fatal(err)
			}
			if c.tamper != nil {
				c.tamper(req)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got, _ := io.ReadAll(resp.Body)
			if !strings.HasPrefix(string(got), c.want) {
				t.Fatalf("response %d %q, want prefix %q", resp.StatusCode, got, c.want)
			}
		})
	}
}
