package sigv4

import (
	"testing"
	"time"
)

// BenchmarkVerify measures one verification of a typical KMS call (POST /,
// JSON 1.1 body, the headers aws-sdk-go-v2 signs), as a handler sees it.
//   - header: Authorization header, signing key cached (the hot path);
//   - header-parallel: the same from GOMAXPROCS goroutines (cache lock);
//   - presigned: query-string signing with a session token;
//   - key-miss: a fresh Verifier each time, so the HMAC chain runs.
func BenchmarkVerify(b *testing.B) {
	body := []byte(`{"KeyId":"arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab","Plaintext":"SGVsbG8sIHdvcmxkIQ=="}`)
	hdr := kmsHeaders()
	hdr.Del("X-Custom")
	hdr.Del("X-Multi")
	signed := sdkSign(b, "POST", "https://kms.us-east-1.amazonaws.com/", hdr, body, "", testTime)
	r, rb := signed.mustServer(b)
	presigned := sdkPresign(b, "GET", "https://kms.us-east-1.amazonaws.com/?Action=ListKeys", nil, nil, testToken, 300, testTime)
	pr, pb := presigned.mustServer(b)
	now := fixedNow(testTime.Add(time.Second))

	b.Run("header", func(b *testing.B) {
		v := &Verifier{Lookup: staticLookup{testAKID: testCred("")}, Now: now}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Verify(r, rb); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("header-parallel", func(b *testing.B) {
		v := &Verifier{Lookup: staticLookup{testAKID: testCred("")}, Now: now}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := v.Verify(r, rb); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("presigned", func(b *testing.B) {
		v := &Verifier{Lookup: staticLookup{testAKID: testCred(testToken)}, Now: now}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Verify(pr, pb); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("key-miss", func(b *testing.B) {
		l := staticLookup{testAKID: testCred("")}
		b.ReportAllocs()
		for b.Loop() {
			v := &Verifier{Lookup: l, Now: now}
			if _, err := v.Verify(r, rb); err != nil {
				b.Fatal(err)
			}
		}
	})
}
