package kmsapi

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/errs"
)

func vtPtr[T any](v T) *T { return &v }

// TestValidateInput checks the generated validators against the messages
// real AWS returned (recorded in shared/reference/aws-recorded/
// kms.snapshot.json, cases "recorded/...") and against the message forms
// those recordings establish (the other cases).
func TestValidateInput(t *testing.T) {
	kid := vtPtr("1234abcd-12ab-34cd-56ef-1234567890ab")
	grantOps := "[" + strings.Join(enumGrantOperation, ", ") + "]"
	tests := []struct {
		name string
		in   interface {
			validate(*validationPath, *validationErrors)
		}
		want string // "" for no error
		// recorded is AWS's message when it differs from want only in the
		// order (and age) of an enum value set: AWS prints the set in Java
		// hash-set order and the recording predates newer values; we print
		// the model's current set in model order.
		recorded string
	}{
		// --- recorded against real AWS ---
		{
			name: "recorded/generate-random-0",
			in:   &GenerateRandomRequest{NumberOfBytes: vtPtr[int32](0)},
			want: "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1",
		},
		{
			name: "recorded/generate-random-1025",
			in:   &GenerateRandomRequest{NumberOfBytes: vtPtr[int32](1025)},
			want: "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024",
		},
		{
			name: "recorded/encrypt-plaintext-4097-sensitive",
			in:   &EncryptRequest{KeyId: kid, Plaintext: make([]byte, 4097)},
			want: "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096",
		},
		{
			name: "recorded/create-key-tag-value-257",
			in:   &CreateKeyRequest{Tags: []Tag{{TagKey: vtPtr("tag"), TagValue: vtPtr(strings.Repeat("v", 257))}}},
			want: "1 validation error detected: Value '" + strings.Repeat("v", 257) + "' at 'tags.1.member.tagValue' failed to satisfy constraint: Member must have length less than or equal to 256",
		},
		{
			name: "recorded/create-key-tag-key-129",
			in:   &CreateKeyRequest{Tags: []Tag{{TagKey: vtPtr(strings.Repeat("a", 129)), TagValue: vtPtr("value")}}},
			want: "1 validation error detected: Value '" + strings.Repeat("a", 129) + "' at 'tags.1.member.tagKey' failed to satisfy constraint: Member must have length less than or equal to 128",
		},
		{
			name: "recorded/derive-shared-secret-algorithm",
			in:   &DeriveSharedSecretRequest{KeyId: kid, KeyAgreementAlgorithm: vtPtr("INVALID"), PublicKey: []byte{1}},
			want: "1 validation error detected: Value 'INVALID' at 'keyAgreementAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [ECDH]",
		},
		{
			name:     "recorded/create-key-key-spec",
			in:       &CreateKeyRequest{KeySpec: vtPtr("HMAC_random")},
			want:     "1 validation error detected: Value 'HMAC_random' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [" + strings.Join(enumKeySpec, ", ") + "]",
			recorded: "1 validation error detected: Value 'HMAC_random' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [RSA_2048, ECC_NIST_P384, ECC_NIST_P256, ECC_NIST_P521, HMAC_384, RSA_3072, ECC_SECG_P256K1, RSA_4096, SYMMETRIC_DEFAULT, HMAC_256, HMAC_224, HMAC_512]",
		},
		{
			name:     "recorded/create-key-key-usage",
			in:       &CreateKeyRequest{KeyUsage: vtPtr("RANDOM")},
			want:     "1 validation error detected: Value 'RANDOM' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set: [SIGN_VERIFY, ENCRYPT_DECRYPT, GENERATE_VERIFY_MAC, KEY_AGREEMENT]",
			recorded: "1 validation error detected: Value 'RANDOM' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set: [ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC]",
		},
		{
			name:     "recorded/generate-mac-algorithm",
			in:       &GenerateMacRequest{Message: []byte("m"), KeyId: kid, MacAlgorithm: vtPtr("INVALID")},
			want:     "1 validation error detected: Value 'INVALID' at 'macAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [HMAC_SHA_224, HMAC_SHA_256, HMAC_SHA_384, HMAC_SHA_512]",
			recorded: "1 validation error detected: Value 'INVALID' at 'macAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512]",
		},
		{
			name:     "recorded/verify-mac-algorithm",
			in:       &VerifyMacRequest{Message: []byte("m"), KeyId: kid, MacAlgorithm: vtPtr("INVALID"), Mac: []byte{1}},
			want:     "1 validation error detected: Value 'INVALID' at 'macAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [HMAC_SHA_224, HMAC_SHA_256, HMAC_SHA_384, HMAC_SHA_512]",
			recorded: "1 validation error detected: Value 'INVALID' at 'macAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512]",
		},

		// --- valid requests ---
		{name: "ok/encrypt", in: &EncryptRequest{KeyId: kid, Plaintext: []byte("x"), EncryptionContext: map[string]string{"": ""}, GrantTokens: []string{"t"}, EncryptionAlgorithm: vtPtr("SYMMETRIC_DEFAULT")}},
		{name: "ok/encrypt-4096", in: &EncryptRequest{KeyId: kid, Plaintext: make([]byte, 4096)}},
		{name: "ok/generate-random-optional", in: &GenerateRandomRequest{}},
		{name: "ok/tag-value-empty", in: &TagResourceRequest{KeyId: kid, Tags: []Tag{{TagKey: vtPtr("k"), TagValue: vtPtr("")}}}},
		{name: "ok/tags-empty-list", in: &TagResourceRequest{KeyId: kid, Tags: []Tag{}}},
		{name: "ok/grant-tokens-10", in: &DescribeKeyRequest{KeyId: kid, GrantTokens: make10("t")}},
		{name: "ok/tag-key-128-code-points", in: &UntagResourceRequest{KeyId: kid, TagKeys: []string{strings.Repeat("é", 128)}}},
		{name: "ok/marker-latin1", in: &ListKeysRequest{Marker: vtPtr("é~ ")}},
		{name: "ok/policy-name", in: &GetKeyPolicyRequest{KeyId: kid, PolicyName: vtPtr("default")}},
		{name: "ok/region", in: &ReplicateKeyRequest{KeyId: kid, ReplicaRegion: vtPtr("us-gov-west-1")}},
		{name: "ok/pending-window-model-bounds", in: &ScheduleKeyDeletionRequest{KeyId: kid, PendingWindowInDays: vtPtr[int32](365)}},
		// Java's \s includes the vertical tab; Go's does not.
		{name: "ok/key-material-description-vertical-tab", in: &ImportKeyMaterialRequest{KeyId: kid, ImportToken: []byte{1}, EncryptedKeyMaterial: []byte{1}, KeyMaterialDescription: vtPtr("a\vb c.d")}},
		{name: "ok/xks-uri-path", in: &UpdateCustomKeyStoreRequest{CustomKeyStoreId: vtPtr("cks-1"), XksProxyUriPath: vtPtr("/example/prefix/kms/xks/v1")}},
		{name: "ok/alias", in: &CreateAliasRequest{AliasName: vtPtr("alias/my-key_1:x"), TargetKeyId: kid}},
		// Service rules are the handlers' job, not the model's.
		{name: "ok/generate-data-key-no-spec", in: &GenerateDataKeyRequest{KeyId: kid}},

		// --- required members, several errors, member order ---
		{
			name: "fail/encrypt-empty",
			in:   &EncryptRequest{},
			want: "2 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; Value null at 'plaintext' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "fail/create-grant-empty-member-order",
			in:   &CreateGrantRequest{},
			want: "3 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; Value null at 'granteePrincipal' failed to satisfy constraint: Member must not be null; Value null at 'operations' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "fail/generate-data-key-two-members",
			in:   &GenerateDataKeyRequest{KeyId: kid, NumberOfBytes: vtPtr[int32](0), KeySpec: vtPtr("AES_512")},
			want: "2 validation errors detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1; Value 'AES_512' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]", // model order
		},
		{
			name: "fail/encrypt-empty-plaintext",
			in:   &EncryptRequest{KeyId: vtPtr(""), Plaintext: []byte{}},
			want: "2 validation errors detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1; Value at 'plaintext' failed to satisfy constraint: Member must have length greater than or equal to 1",
		},

		// --- one member, several constraints: one message each ---
		{
			name: "fail/alias-empty-length-and-pattern",
			in:   &CreateAliasRequest{AliasName: vtPtr(""), TargetKeyId: kid},
			want: "2 validation errors detected: Value '' at 'aliasName' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
		},
		{
			name: "fail/alias-too-long-and-pattern",
			in:   &UpdateAliasRequest{AliasName: vtPtr("alias/" + strings.Repeat("a", 250) + " x"), TargetKeyId: kid},
			want: "2 validation errors detected: Value 'alias/" + strings.Repeat("a", 250) + " x' at 'aliasName' failed to satisfy constraint: Member must have length less than or equal to 256; Value 'alias/" + strings.Repeat("a", 250) + " x' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
		},

		// --- nested structures and lists of structures ---
		{
			name: "fail/tags-second-element-null-key",
			in:   &TagResourceRequest{KeyId: kid, Tags: []Tag{{TagKey: vtPtr("a"), TagValue: vtPtr("b")}, {TagValue: vtPtr("c")}}},
			want: "1 validation error detected: Value null at 'tags.2.member.tagKey' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "fail/nested-sensitive-structure",
			in: &CreateCustomKeyStoreRequest{
				CustomKeyStoreName:               vtPtr("store"),
				XksProxyAuthenticationCredential: &XksProxyAuthenticationCredentialType{AccessKeyId: vtPtr("short")},
			},
			want: "3 validation errors detected: Value at 'xksProxyAuthenticationCredential.accessKeyId' failed to satisfy constraint: Member must have length greater than or equal to 20; Value at 'xksProxyAuthenticationCredential.accessKeyId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[A-Z2-7]+$; Value null at 'xksProxyAuthenticationCredential.rawSecretAccessKey' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "fail/nested-recipient",
			in:   &DecryptRequest{Recipient: &RecipientInfo{KeyEncryptionAlgorithm: vtPtr("RSA"), AttestationDocument: []byte{}}},
			want: "2 validation errors detected: Value 'RSA' at 'recipient.keyEncryptionAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [RSAES_OAEP_SHA_256]; Value at 'recipient.attestationDocument' failed to satisfy constraint: Member must have length greater than or equal to 1",
		},

		// --- sensitive strings and blobs: value left out ---
		{
			name: "fail/key-store-password-sensitive",
			in:   &CreateCustomKeyStoreRequest{CustomKeyStoreName: vtPtr("store"), KeyStorePassword: vtPtr("abc")},
			want: "1 validation error detected: Value at 'keyStorePassword' failed to satisfy constraint: Member must have length greater than or equal to 7",
		},
		{
			name: "fail/ciphertext-blob-too-long",
			in:   &DecryptRequest{CiphertextBlob: make([]byte, 6145)},
			want: "1 validation error detected: Value at 'ciphertextBlob' failed to satisfy constraint: Member must have length less than or equal to 6144",
		},
		{
			name: "fail/sign-message-missing",
			in:   &SignRequest{KeyId: kid, SigningAlgorithm: vtPtr("ECDSA_SHA_256")},
			want: "1 validation error detected: Value null at 'message' failed to satisfy constraint: Member must not be null",
		},

		// --- lists of strings ---
		{
			name: "fail/grant-tokens-11",
			in:   &EncryptRequest{KeyId: kid, Plaintext: []byte("x"), GrantTokens: append(make10("t"), "u")},
			want: "1 validation error detected: Value '[t, t, t, t, t, t, t, t, t, t, u]' at 'grantTokens' failed to satisfy constraint: Member must have length less than or equal to 10",
		},
		{
			name: "fail/grant-tokens-empty-token",
			in:   &DescribeKeyRequest{KeyId: kid, GrantTokens: []string{"a", ""}},
			want: "1 validation error detected: Value '[a, ]' at 'grantTokens' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 8192, Member must have length greater than or equal to 1]",
		},
		{
			name: "fail/grant-operations-enum",
			in:   &CreateGrantRequest{KeyId: kid, GranteePrincipal: vtPtr("arn:aws:iam::111122223333:role/r"), Operations: []string{"Decrypt", "Foo", "Bar"}},
			want: "1 validation error detected: Value '[Decrypt, Foo, Bar]' at 'operations' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: " + grantOps + "]",
		},
		{
			name: "fail/untag-keys",
			in:   &UntagResourceRequest{KeyId: kid, TagKeys: []string{strings.Repeat("é", 129)}},
			want: "1 validation error detected: Value '[" + strings.Repeat("é", 129) + "]' at 'tagKeys' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]",
		},
		{
			name: "fail/dry-run-modifiers-enum",
			in:   &DecryptRequest{DryRunModifiers: []string{"X"}},
			want: "1 validation error detected: Value '[X]' at 'dryRunModifiers' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [IGNORE_CIPHERTEXT]]",
		},

		// --- numeric ranges (model bounds, not the service's) ---
		{
			name: "fail/limit-0",
			in:   &ListKeysRequest{Limit: vtPtr[int32](0)},
			want: "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
		},
		{
			name: "fail/limit-1001",
			in:   &ListAliasesRequest{Limit: vtPtr[int32](1001)},
			want: "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000",
		},
		{
			name: "fail/pending-window-0",
			in:   &ScheduleKeyDeletionRequest{KeyId: kid, PendingWindowInDays: vtPtr[int32](0)},
			want: "1 validation error detected: Value '0' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value greater than or equal to 1",
		},
		{
			name: "fail/rotation-period-89",
			in:   &EnableKeyRotationRequest{KeyId: kid, RotationPeriodInDays: vtPtr[int32](89)},
			want: "1 validation error detected: Value '89' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value greater than or equal to 90",
		},

		// --- patterns (Java syntax in the message, RE2 underneath) ---
		{
			name: "fail/marker-control-char",
			in:   &ListKeysRequest{Marker: vtPtr("a\x01")},
			want: "1 validation error detected: Value 'a\x01' at 'marker' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0020-\\u00FF]*",
		},
		{
			name: "fail/marker-euro",
			in:   &ListGrantsRequest{KeyId: kid, Marker: vtPtr("€")},
			want: "1 validation error detected: Value '€' at 'marker' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0020-\\u00FF]*",
		},
		{
			name: "fail/policy-name-whole-value",
			in:   &GetKeyPolicyRequest{KeyId: kid, PolicyName: vtPtr("de-fault")},
			want: "1 validation error detected: Value 'de-fault' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w]+",
		},
		{
			name: "fail/region",
			in:   &UpdatePrimaryRegionRequest{KeyId: kid, PrimaryRegion: vtPtr("US-EAST-1")},
			want: "1 validation error detected: Value 'US-EAST-1' at 'primaryRegion' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([a-z]+-){2,3}\\d+$",
		},
		{
			name: "fail/key-material-description-nbsp",
			in:   &ImportKeyMaterialRequest{KeyId: kid, ImportToken: []byte{1}, EncryptedKeyMaterial: []byte{1}, KeyMaterialDescription: vtPtr("a\u00a0b")},
			want: "1 validation error detected: Value 'a\u00a0b' at 'keyMaterialDescription' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_\\s.-]+$",
		},
		{
			name: "fail/xks-uri-path-version",
			in:   &UpdateCustomKeyStoreRequest{CustomKeyStoreId: vtPtr("cks-1"), XksProxyUriPath: vtPtr("/kms/xks/v123")},
			want: "1 validation error detected: Value '/kms/xks/v123' at 'xksProxyUriPath' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(/[a-zA-Z0-9\\/_-]+/kms/xks/v\\d{1,2})$|^(/kms/xks/v\\d{1,2})$",
		},
		{
			name: "fail/principal-pattern",
			in:   &ListRetirableGrantsRequest{RetiringPrincipal: vtPtr("a b")},
			want: "1 validation error detected: Value 'a b' at 'retiringPrincipal' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\w+=,.@:/-]+$",
		},
		{
			name: "fail/description-too-long",
			in:   &UpdateKeyDescriptionRequest{KeyId: kid, Description: vtPtr(strings.Repeat("d", 8193))},
			want: "1 validation error detected: Value '" + strings.Repeat("d", 8193) + "' at 'description' failed to satisfy constraint: Member must have length less than or equal to 8192",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := validateInput(tc.in)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("validateInput = %v, want nil", err)
				}
				return
			}
			var e *errs.Error
			if !errors.As(err, &e) || e.Code != errs.Validation {
				t.Fatalf("validateInput = %#v, want an *errs.Error with Code Validation", err)
			}
			if e.Msg != tc.want {
				t.Errorf("message\n got: %s\nwant: %s", e.Msg, tc.want)
			}
			if tc.recorded != "" && !sameButEnumOrder(t, tc.recorded, e.Msg) {
				t.Errorf("message differs from AWS's beyond the enum set's order:\n got: %s\n aws: %s", e.Msg, tc.recorded)
			}
		})
	}
}

func make10(s string) []string {
	out := make([]string, 10)
	for i := range out {
		out[i] = s
	}
	return out
}

// sameButEnumOrder reports whether two single-error enum messages are equal
// except for the order of the value set, allowing ours to list values added
// to the model after AWS's message was recorded.
func sameButEnumOrder(t *testing.T, recorded, ours string) bool {
	t.Helper()
	const marker = "Member must satisfy enum value set: ["
	ri, oi := strings.Index(recorded, marker), strings.Index(ours, marker)
	if ri < 0 || oi < 0 || recorded[:ri] != ours[:oi] {
		return false
	}
	set := func(s string) []string {
		return strings.Split(strings.TrimSuffix(s, "]"), ", ")
	}
	rs, ws := set(recorded[ri+len(marker):]), set(ours[oi+len(marker):])
	for _, v := range rs {
		if !slices.Contains(ws, v) {
			return false
		}
	}
	if len(rs) != len(ws) {
		t.Logf("the model has %d values the recording does not (added since)", len(ws)-len(rs))
	}
	return true
}

// TestValidateDecodedJSON runs the validators on requests decoded from JSON,
// as the handlers will: null and absent members are both nil, "" is an
// empty (not missing) blob.
func TestValidateDecodedJSON(t *testing.T) {
	tests := []struct {
		name, body string
		in         interface {
			validate(*validationPath, *validationErrors)
		}
		want string
	}{
		{
			name: "fail/null-and-empty-blob",
			body: `{"KeyId": null, "Plaintext": ""}`,
			in:   new(EncryptRequest),
			want: "2 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; Value at 'plaintext' failed to satisfy constraint: Member must have length greater than or equal to 1",
		},
		{
			name: "fail/number-of-bytes-0",
			body: `{"NumberOfBytes": 0}`,
			in:   new(GenerateRandomRequest),
			want: "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1",
		},
		{
			name: "fail/tags",
			body: `{"KeyId": "k", "Tags": [{"TagKey": "a", "TagValue": "b"}, {"TagKey": "", "TagValue": null}]}`,
			in:   new(TagResourceRequest),
			want: "2 validation errors detected: Value '' at 'tags.2.member.tagKey' failed to satisfy constraint: Member must have length greater than or equal to 1; Value null at 'tags.2.member.tagValue' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "ok/empty-list-is-present",
			body: `{"KeyId": "k", "TagKeys": []}`,
			in:   new(UntagResourceRequest),
		},
		{
			name: "fail/null-list-is-missing",
			body: `{"KeyId": "k", "TagKeys": null}`,
			in:   new(UntagResourceRequest),
			want: "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := json.Unmarshal([]byte(tc.body), tc.in); err != nil {
				t.Fatal(err)
			}
			got := errs.Message(validateInput(tc.in))
			if got != tc.want {
				t.Errorf("message\n got: %s\nwant: %s", got, tc.want)
			}
		})
	}
}

// TestValidationHelpers covers the forms the KMS model does not use today
// (constrained maps, struct-list lengths) and the helpers handlers may call.
func TestValidationHelpers(t *testing.T) {
	length := &rule{hasMin: true, min: 1, hasMax: true, max: 4}
	t.Run("map-keys-and-values", func(t *testing.T) {
		var ve validationErrors
		ve.strMap(nil, "encryptionContext", map[string]string{"b": "toolong", "": "1"}, nil, length, length)
		want := "2 validation errors detected: Value '{=1, b=toolong}' at 'encryptionContext' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 4, Member must have length greater than or equal to 1]; " +
			"Value '{=1, b=toolong}' at 'encryptionContext' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 4, Member must have length greater than or equal to 1]"
		if got := errs.Message(ve.err()); got != want {
			t.Errorf("\n got: %s\nwant: %s", got, want)
		}
	})
	t.Run("map-size", func(t *testing.T) {
		var ve validationErrors
		ve.strMap(nil, "m", map[string]string{"a": "1", "b": "2", "c": "3", "d": "4", "e": "5"}, length, nil, nil)
		want := "1 validation error detected: Value '{a=1, b=2, c=3, d=4, e=5}' at 'm' failed to satisfy constraint: Member must have length less than or equal to 4"
		if got := errs.Message(ve.err()); got != want {
			t.Errorf("\n got: %s\nwant: %s", got, want)
		}
	})
	t.Run("nested-paths", func(t *testing.T) {
		p := (*validationPath)(nil).member("a").element("bs", 2).member("c")
		if got, want := p.join("d"), "a.bs.3.member.c.d"; got != want {
			t.Errorf("path = %s, want %s", got, want)
		}
	})
	t.Run("struct-list-length-value-omitted", func(t *testing.T) {
		var ve validationErrors
		ve.listLen(nil, "tags", 5, length)
		want := "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 4"
		if got := errs.Message(ve.err()); got != want {
			t.Errorf("\n got: %s\nwant: %s", got, want)
		}
	})
	t.Run("service-rule-with-add", func(t *testing.T) {
		var ve validationErrors
		ve.num(nil, "pendingWindowInDays", 3, &rule{hasMin: true, min: 7, hasMax: true, max: 30})
		ve.add("custom")
		want := "2 validation errors detected: Value '3' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value greater than or equal to 7; custom"
		if got := errs.Message(ve.err()); got != want {
			t.Errorf("\n got: %s\nwant: %s", got, want)
		}
	})
	t.Run("nil-request", func(t *testing.T) {
		if err := validateInput((*EncryptRequest)(nil)); err != nil {
			t.Errorf("nil request: %v", err)
		}
	})
}

// TestValidateHappyPathAllocs keeps validation of a valid request cheap: it
// runs on every call. The one allocation is the error list, which escapes
// through the interface call; paths and messages are built only on failure.
func TestValidateHappyPathAllocs(t *testing.T) {
	in := &CreateKeyRequest{Description: vtPtr("d"), KeySpec: vtPtr("SYMMETRIC_DEFAULT"), Tags: []Tag{{TagKey: vtPtr("k"), TagValue: vtPtr("v")}}}
	if n := testing.AllocsPerRun(100, func() { _ = validateInput(in) }); n > 1 {
		t.Errorf("validateInput allocates %v times for a valid request", n)
	}
}
