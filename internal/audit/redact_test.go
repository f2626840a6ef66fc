package audit

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// canary marks a secret value; no canary may reach an event.
const canary = "CANARY-SECRET"

// secretType refuses JSON, as crypto.Secret does.
type secretType []byte

func (secretType) MarshalJSON() ([]byte, error) {
	return nil, errors.New("refusing to marshal a secret")
}

type withPlaintext struct {
	KeyID     string `json:"keyId"`
	Plaintext string `json:"plaintext"`
}

// redactCases are parameters as integrators might build them, each with
// secrets marked by the canary and fields that must survive.
var redactCases = []struct {
	name   string
	source string
	event  string
	params map[string]any
	keep   []string // substrings that must remain in the JSON
}{
	{"ok/kms-encrypt", SourceKMS, "Encrypt", map[string]any{
		"keyId": "alias/app", "plaintext": canary, "Plaintext": []byte(canary),
		"encryptionContext": map[string]string{"tenant": "acme", "message": "kept"}, "encryptionAlgorithm": "SYMMETRIC_DEFAULT",
		"grantTokens": []string{canary},
	}, []string{`"keyId":"alias/app"`, `"encryptionContext":{"message":"kept","tenant":"acme"}`, `"encryptionAlgorithm":"SYMMETRIC_DEFAULT"`}},
	{"ok/kms-decrypt", SourceKMS, "Decrypt", map[string]any{
		"ciphertextBlob": canary, "CiphertextBlob": secretType(canary), "encryptionAlgorithm": "SYMMETRIC_DEFAULT",
		"recipient": map[string]any{"keyEncryptionAlgorithm": "RSAES_OAEP_SHA_256", "attestationDocument": canary},
	}, []string{`"encryptionAlgorithm":"SYMMETRIC_DEFAULT"`, `"keyEncryptionAlgorithm":"RSAES_OAEP_SHA_256"`}},
	{"ok/kms-reencrypt", SourceKMS, "ReEncrypt", map[string]any{
		"sourceCiphertextBlob": canary, "destinationKeyId": "k2", "grantToken": canary,
	}, []string{`"destinationKeyId":"k2"`}},
	{"ok/kms-generate-data-key-pair", SourceKMS, "GenerateDataKeyPair", map[string]any{
		"keyId": "k", "keyPairSpec": "RSA_2048", "privateKeyPlaintext": canary, "privateKeyCiphertextBlob": canary,
	}, []string{`"keyPairSpec":"RSA_2048"`}},
	{"ok/kms-import", SourceKMS, "ImportKeyMaterial", map[string]any{
		"keyId": "k", "encryptedKeyMaterial": canary, "importToken": canary, "expirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE",
	}, []string{`"expirationModel"`}},
	{"ok/kms-sign-verify", SourceKMS, "Verify", map[string]any{
		"keyId": "k", "message": canary, "signature": canary, "messageType": "RAW", "signingAlgorithm": "ECDSA_SHA_256",
	}, []string{`"messageType":"RAW"`, `"signingAlgorithm":"ECDSA_SHA_256"`}},
	{"ok/kms-mac", SourceKMS, "VerifyMac", map[string]any{"keyId": "k", "message": canary, "mac": canary, "macAlgorithm": "HMAC_SHA_256"},
		[]string{`"macAlgorithm":"HMAC_SHA_256"`}},
	{"ok/kms-derive", SourceKMS, "DeriveSharedSecret", map[string]any{"keyId": "k", "keyAgreementAlgorithm": "ECDH", "sharedSecret": canary},
		[]string{`"keyAgreementAlgorithm":"ECDH"`}},
	{"ok/kms-generate-random", SourceKMS, "GenerateRandom", map[string]any{"numberOfBytes": 32},
		[]string{`"numberOfBytes":32`}},
	{"ok/iam-create-access-key-response", SourceIAM, "CreateAccessKey", map[string]any{
		"accessKey": map[string]any{"accessKeyId": "AKIAEXAMPLE", "secretAccessKey": canary, "status": "Active"},
	}, []string{`"accessKeyId":"AKIAEXAMPLE"`}},
	{"ok/iam-login-profile", SourceIAM, "ChangePassword", map[string]any{"oldPassword": canary, "newPassword": canary, "userName": "alice"},
		[]string{`"userName":"alice"`}},
	{"ok/sts-assume-role", SourceSTS, "AssumeRole", map[string]any{
		"roleArn": "arn:aws:iam::1:role/r", "roleSessionName": "s", "tokenCode": canary,
		"credentials": map[string]any{"accessKeyId": "ASIAEXAMPLE", "secretAccessKey": canary, "sessionToken": canary, "expiration": "2026-11-22T10:00:00Z"},
	}, []string{`"roleSessionName":"s"`, `"accessKeyId":"ASIAEXAMPLE"`, `"expiration"`}},
	{"ok/sts-web-identity", SourceSTS, "AssumeRoleWithWebIdentity", map[string]any{"webIdentityToken": canary, "roleArn": "r"},
		[]string{`"roleArn":"r"`}},
	{"ok/ssm-put-parameter", SourceSSM, "PutParameter", map[string]any{
		"name": "/app/db", "type": "SecureString", "value": canary, "tags": []any{map[string]any{"key": "team", "value": "core"}},
	}, []string{`"name":"/app/db"`, `"type":"SecureString"`}},
	{"ok/secrets-put", SourceSecretsManager, "PutSecretValue", map[string]any{
		"secretId": "db", "secretString": canary, "secretBinary": []byte(canary), "clientRequestToken": "idem-1",
	}, []string{`"secretId":"db"`, `"clientRequestToken":"idem-1"`}},
	{"ok/struct-and-odd-spellings", SourceKMS, "Encrypt", map[string]any{
		"request": withPlaintext{KeyID: "k", Plaintext: canary}, "PLAIN_TEXT": canary, "session-token": canary,
		"list": []any{map[string]any{"password": canary, "ok": 1}, []byte(canary)},
	}, []string{`"keyId":"k"`, `"ok":1`}},
}

func TestRedactParams(t *testing.T) {
	for _, tc := range redactCases {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := RequestParameters(tc.source, tc.event, tc.params)
			if err != nil {
				t.Fatal(err)
			}
			s := string(raw)
			if strings.Contains(s, canary) {
				t.Fatalf("secret survived: %s", s)
			}
			for _, k := range tc.keep {
				if !strings.Contains(s, k) {
					t.Fatalf("%s lost %s", s, k)
				}
			}
		})
	}
	// The input is not modified.
	in := map[string]any{"plaintext": "x", "inner": map[string]any{"sessionToken": "y"}}
	RedactParams(SourceKMS, "Encrypt", in)
	if len(in) != 2 || len(in["inner"].(map[string]any)) != 1 {
		t.Fatalf("RedactParams modified its input: %v", in)
	}
	if RedactParams(SourceKMS, "Encrypt", nil) != nil {
		t.Fatal("nil params should stay nil")
	}
}

// Append enforces the name rules on raw JSON too, so a secret under any
// listed name never reaches the disk. (Raw JSON has lost the types: a []byte
// under an innocent name is already a base64 string there, which is why
// integrators build parameters with RequestParameters.)
func TestAppendRedactsRawJSON(t *testing.T) {
	dir := t.TempDir()
	l := mustOpen(t, dir, testOptions())
	for _, tc := range redactCases {
		ev := testEvent(1)
		ev.EventSource, ev.EventName = tc.source, tc.event
		b, err := json.Marshal(tc.params)
		if err != nil {
			// Values that refuse JSON never become raw JSON.
			delete(tc.params, "CiphertextBlob")
			b, _ = json.Marshal(tc.params)
		}
		ev.RequestParameters = b
		ev.ResponseElements = b
		ev.AdditionalEventData = b
		if err := l.Append(context.Background(), ev); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
	}
	// Keys written with JSON escapes cannot hide a secret either.
	ev := testEvent(2)
	ev.RequestParameters = json.RawMessage(`{"pl\u0061intext":"` + canary + `","keyId":"k"}`)
	if err := l.Append(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	l.Close()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		b := readFile(t, filepath.Join(dir, e.Name()))
		if strings.Contains(string(b), canary) {
			t.Fatalf("a secret reached %s", e.Name())
		}
	}
	expectOK(t, mustVerify(t, dir))
}

func TestKeysNeedRedactionAgreesWithDecoder(t *testing.T) {
	r := rulesFor(SourceKMS, "Sign")
	for _, tc := range []struct {
		raw  string
		want bool
	}{
		{`{"keyId":"k","encryptionContext":{"message":"x"}}`, false},
		{`{"keyId":"k","message":"x"}`, true},
		{`[{"message":"x"}]`, true},
		{`{"a":[{"message":"x"}]}`, false},
		{`{"a":"plaintext","b":"\"plaintext\":"}`, false},
		{`{"a":{"b":{"ciphertextBlob":"x"}}}`, true},
		{`{"k\u0065y":"x"}`, true},
	} {
		if got := keysNeedRedaction(r, []byte(tc.raw)); got != tc.want {
			t.Errorf("keysNeedRedaction(%s) = %v, want %v", tc.raw, got, tc.want)
		}
	}
}
