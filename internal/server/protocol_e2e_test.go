package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	kmssvc "github.com/keyward/keyward/internal/kms"
	"github.com/keyward/keyward/internal/seal"
	"github.com/keyward/keyward/internal/storage/sqlite"
)

// raw sends a KMS JSON request signed (unless creds is nil) at signedAt.
func (e *env) raw(t *testing.T, target, body string, creds *aws.Credentials, signedAt time.Time) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.endpoint()+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	if creds != nil {
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(ctx, *creds, req, hex.EncodeToString(sum[:]), "kms", "us-east-1", signedAt); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("response is not JSON: %q", b)
	}
	return resp.StatusCode, m, resp.Header
}

func TestAuthentication(t *testing.T) {
	e := start(t, "")
	good := &aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	now := time.Now()
	cases := []struct {
		name     string
		creds    *aws.Credentials
		at       time.Time
		wantType string
		wantMsg  string
	}{
		{"ok/now", good, now, "", ""},
		// The exact ±299/±301 s edges are the sigv4 package's tests (fixed
		// clock); end to end, a loaded machine needs some slack.
		{"ok/skew-minus-290s", good, now.Add(-290 * time.Second), "", ""},
		{"ok/skew-plus-290s", good, now.Add(290 * time.Second), "", ""},
		{"fail/skew-minus-310s", good, now.Add(-310 * time.Second), "InvalidSignatureException", "Signature expired: "},
		{"fail/skew-plus-310s", good, now.Add(310 * time.Second), "InvalidSignatureException", "Signature not yet current: "},
		{"fail/unsigned", nil, now, "MissingAuthenticationTokenException", "Missing Authentication Token"},
		{"fail/wrong-secret", &aws.Credentials{AccessKeyID: "test", SecretAccessKey: "nope"}, now, "InvalidSignatureException",
			"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."},
		{"fail/unknown-key", &aws.Credentials{AccessKeyID: "AKIAUNKNOWN000000000", SecretAccessKey: "x"}, now, "UnrecognizedClientException",
			"The security token included in the request is invalid."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body, hdr := e.raw(t, "TrentService.ListKeys", "{}", c.creds, c.at)
			if hdr.Get("X-Amzn-Requestid") == "" {
				t.Error("no x-amzn-RequestId header")
			}
			if c.wantType == "" {
				if status != 200 {
					t.Fatalf("status %d: %v", status, body)
				}
				return
			}
			if body["__type"] != c.wantType || !strings.HasPrefix(body["message"].(string), c.wantMsg) {
				t.Fatalf("got %d %v, want %s: %s…", status, body, c.wantType, c.wantMsg)
			}
		})
	}
}

func TestProtocolErrors(t *testing.T) {
	e := start(t, "")
	creds := &aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	md := createKey(t, e.kms, "")
	cases := []struct {
		name, target, body, wantType, wantMsg string
	}{
		{"fail/unknown-target", "TrentService.Nope", "{}", "UnknownOperationException", ""},
		{"fail/foreign-prefix", "DynamoDB_20120810.ListTables", "{}", "UnknownOperationException", ""},
		{"fail/not-built", "TrentService.Sign", `{"KeyId":"` + *md.KeyId + `"}`, "UnsupportedOperationException", "*"},
		{"fail/malformed-json", "TrentService.DescribeKey", `{"KeyId":`, "SerializationException", "*"},
		{"fail/array-body", "TrentService.DescribeKey", `[]`, "SerializationException", "*"},
		{"fail/wrong-type", "TrentService.GenerateRandom", `{"NumberOfBytes":"ten"}`, "SerializationException", "STRING_VALUE can not be converted to an Integer"},
		{"fail/object-for-string", "TrentService.DescribeKey", `{"KeyId":{}}`, "SerializationException", "Start of structure or map found where not expected."},
		{"fail/bad-base64", "TrentService.Decrypt", `{"CiphertextBlob":"***"}`, "SerializationException", "*"},
		{"fail/missing-required", "TrentService.DescribeKey", `{}`, "ValidationException", "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"},
		{"ok/unknown-member-ignored", "TrentService.DescribeKey", `{"KeyId":"` + *md.KeyId + `","Unknown":1}`, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body, _ := e.raw(t, c.target, c.body, creds, time.Now())
			if c.wantType == "" {
				if status != 200 {
					t.Fatalf("status %d %v", status, body)
				}
				return
			}
			if status != 400 || body["__type"] != c.wantType {
				t.Fatalf("got %d %v, want %s", status, body, c.wantType)
			}
			if c.wantMsg != "*" && c.wantMsg != "" && body["message"] != c.wantMsg {
				t.Fatalf("message %q, want %q", body["message"], c.wantMsg)
			}
		})
	}
	// Nothing above changed the key.
	d := must[*kms.DescribeKeyOutput](t)(e.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: md.KeyId}))
	if d.KeyMetadata.KeyState != "Enabled" {
		t.Fatal("key changed")
	}
}

func TestPresignedRequest(t *testing.T) {
	e := start(t, "")
	body := "{}"
	req, _ := http.NewRequest(http.MethodPost, e.endpoint()+"/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "TrentService.ListKeys")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	sum := sha256.Sum256([]byte(body))
	u, hdr, err := v4.NewSigner().PresignHTTP(ctx, aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, req, hex.EncodeToString(sum[:]), "kms", "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	send := func(rawURL string) int {
		r, _ := http.NewRequest(http.MethodPost, rawURL, strings.NewReader(body))
		for k, v := range hdr {
			r.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			b, _ := io.ReadAll(resp.Body)
			t.Logf("presigned: %d %s", resp.StatusCode, b)
		}
		return resp.StatusCode
	}
	if s := send(u); s != 200 {
		t.Fatalf("presigned request: status %d", s)
	}
	pu, _ := url.Parse(u)
	q := pu.Query()
	q.Set("X-Amz-Signature", strings.Repeat("0", 64))
	pu.RawQuery = q.Encode()
	if s := send(pu.String()); s == 200 {
		t.Fatal("presigned request with a wrong signature accepted")
	}
}

func TestPersistenceAcrossRestart(t *testing.T) {
	e := start(t, "")
	md := must[*kms.CreateKeyOutput](t)(e.kms.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("kept"),
		Tags: []types.Tag{{TagKey: aws.String("team"), TagValue: aws.String("x")}}})).KeyMetadata
	must[*kms.CreateAliasOutput](t)(e.kms.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/kept"), TargetKeyId: md.KeyId}))
	blob := must[*kms.EncryptOutput](t)(e.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/kept"), Plaintext: []byte("survives"),
		EncryptionContext: map[string]string{"a": "b"}})).CiphertextBlob
	disabled := createKey(t, e.kms, "off")
	must[*kms.DisableKeyOutput](t)(e.kms.DisableKey(ctx, &kms.DisableKeyInput{KeyId: disabled.KeyId}))
	pending := createKey(t, e.kms, "going")
	must[*kms.ScheduleKeyDeletionOutput](t)(e.kms.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: pending.KeyId, PendingWindowInDays: aws.Int32(9)}))
	must[*kms.EnableKeyRotationOutput](t)(e.kms.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: md.KeyId, RotationPeriodInDays: aws.Int32(120)}))

	e = e.restart()
	dec := must[*kms.DecryptOutput](t)(e.kms.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: map[string]string{"a": "b"}}))
	if string(dec.Plaintext) != "survives" {
		t.Fatalf("decrypt after restart: %q", dec.Plaintext)
	}
	d := must[*kms.DescribeKeyOutput](t)(e.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/kept")})).KeyMetadata
	if *d.Description != "kept" || *d.KeyId != *md.KeyId {
		t.Fatalf("after restart: %+v", d)
	}
	if tags := must[*kms.ListResourceTagsOutput](t)(e.kms.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: md.KeyId})).Tags; len(tags) != 1 || *tags[0].TagValue != "x" {
		t.Fatalf("tags after restart %v", tags)
	}
	if st := must[*kms.DescribeKeyOutput](t)(e.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: disabled.KeyId})).KeyMetadata.KeyState; st != "Disabled" {
		t.Fatalf("disabled key is %s after restart", st)
	}
	p := must[*kms.DescribeKeyOutput](t)(e.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: pending.KeyId})).KeyMetadata
	if p.KeyState != "PendingDeletion" || aws.ToInt32(p.PendingDeletionWindowInDays) != 9 {
		t.Fatalf("pending key after restart: %s %v", p.KeyState, p.PendingDeletionWindowInDays)
	}
	if r := must[*kms.GetKeyRotationStatusOutput](t)(e.kms.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: md.KeyId})); !r.KeyRotationEnabled || aws.ToInt32(r.RotationPeriodInDays) != 120 {
		t.Fatalf("rotation after restart %+v", r)
	}
}

// TestStoreRevealsNoKeyBytes reads every file of the data directory except
// the root key file and checks that no key material, in any encoding, and no
// plaintext is in them.
func TestStoreRevealsNoKeyBytes(t *testing.T) {
	e := start(t, "")
	md := createKey(t, e.kms, "")
	secretPlain := []byte("very-secret-plaintext-0123456789")
	dk := must[*kms.GenerateDataKeyOutput](t)(e.kms.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: md.KeyId, KeySpec: "AES_256"}))
	must[*kms.EncryptOutput](t)(e.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: md.KeyId, Plaintext: secretPlain}))
	e.stop()
	// Unseal the stored material the way the server does, to know what to
	// look for.
	rootKey, err := os.ReadFile(filepath.Join(e.dir, "root.key"))
	if err != nil {
		t.Fatal(err)
	}
	root, _, err := seal.LoadKeyFile(filepath.Join(e.dir, "root.key"), false)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(e.dir, "keyward.db"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := st.Materials(ctx, "000000000000", "us-east-1", *md.KeyId)
	if err != nil || len(recs) != 1 {
		t.Fatalf("materials: %v (%d)", err, len(recs))
	}
	var materials [][]byte
	for _, r := range recs {
		m, err := root.Open(kmssvc.MaterialAAD(r), r.Sealed)
		if err != nil || len(m) != 32 {
			t.Fatalf("unseal: %v", err)
		}
		materials = append(materials, m)
	}
	st.Close()
	needles := map[string][]byte{"plaintext": secretPlain, "data key": dk.Plaintext, "root key file": bytes.TrimSpace(rootKey)}
	for _, m := range materials {
		needles["material"] = m
		needles["material hex"] = []byte(hex.EncodeToString(m))
		needles["material base64"] = []byte(base64.StdEncoding.EncodeToString(m))
	}
	checked := 0
	err = filepath.WalkDir(e.dir, func(f string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "root.key" {
			return err
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		checked++
		for name, n := range needles {
			if bytes.Contains(b, n) {
				t.Errorf("%s contains the %s", f, name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatal("no store files found")
	}
}

// TestEmptyListsAreSent: AWS sends empty lists as [] rather than omitting them.
func TestEmptyListsAreSent(t *testing.T) {
	e := start(t, "")
	creds := &aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	_, body, _ := e.raw(t, "TrentService.ListKeys", "{}", creds, time.Now())
	if keys, ok := body["Keys"].([]any); !ok || len(keys) != 0 || body["Truncated"] != false {
		t.Fatalf("ListKeys on an empty region: %v", body)
	}
	_, body, _ = e.raw(t, "TrentService.ListAliases", "{}", creds, time.Now())
	if a, ok := body["Aliases"].([]any); !ok || len(a) != 0 {
		t.Fatalf("ListAliases: %v", body)
	}
}
