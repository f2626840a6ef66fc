package server_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

func createKey(t *testing.T, c *kms.Client, desc string) *types.KeyMetadata {
	t.Helper()
	out, err := c.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String(desc)})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	return out.KeyMetadata
}

func TestCreateDescribe(t *testing.T) {
	e := start(t, "")
	md := createKey(t, e.kms, "test key 123")
	if !strings.HasPrefix(aws.ToString(md.Arn), "arn:aws:kms:us-east-1:000000000000:key/") {
		t.Fatalf("arn %s", aws.ToString(md.Arn))
	}
	got := must[*kms.DescribeKeyOutput](t)(e.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: md.KeyId})).KeyMetadata
	checks := map[string][2]string{
		"AWSAccountId": {aws.ToString(got.AWSAccountId), "000000000000"},
		"Description":  {aws.ToString(got.Description), "test key 123"},
		"KeyState":     {string(got.KeyState), "Enabled"},
		"KeyUsage":     {string(got.KeyUsage), "ENCRYPT_DECRYPT"},
		"KeySpec":      {string(got.KeySpec), "SYMMETRIC_DEFAULT"},
		//lint:ignore SA1019 AWS still returns the deprecated member; so must we.
		"CustomerMasterKeySpec": {string(got.CustomerMasterKeySpec), "SYMMETRIC_DEFAULT"},
		"KeyManager":            {string(got.KeyManager), "CUSTOMER"},
		"Origin":                {string(got.Origin), "AWS_KMS"},
		"Enabled":               {fmt.Sprint(got.Enabled), "true"},
		"MultiRegion":           {fmt.Sprint(aws.ToBool(got.MultiRegion)), "false"},
		"EncryptionAlgorithms":  {fmt.Sprint(got.EncryptionAlgorithms), "[SYMMETRIC_DEFAULT]"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
	if len(aws.ToString(got.CurrentKeyMaterialId)) != 64 {
		t.Errorf("CurrentKeyMaterialId %q", aws.ToString(got.CurrentKeyMaterialId))
	}
	if got.CreationDate == nil || time.Since(*got.CreationDate) > time.Minute {
		t.Errorf("CreationDate %v", got.CreationDate)
	}
	if got.DeletionDate != nil || got.PendingDeletionWindowInDays != nil {
		t.Errorf("deletion fields set on an enabled key")
	}

	// Every form of key id.
	_, err := e.kms.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/app"), TargetKeyId: md.KeyId})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{*md.KeyId, *md.Arn, "alias/app", "arn:aws:kms:us-east-1:000000000000:alias/app"} {
		got := must[*kms.DescribeKeyOutput](t)(e.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)}))
		if *got.KeyMetadata.KeyId != *md.KeyId {
			t.Errorf("%s resolved to %s", id, *got.KeyMetadata.KeyId)
		}
	}
}

func TestNotFoundMessages(t *testing.T) {
	e := start(t, "")
	md := createKey(t, e.kms, "")
	missing := "11111111-2222-4333-8444-555555555555"
	cases := []struct{ name, id, code, msg string }{
		{"fail/unknown-id", missing, "NotFoundException", "Key 'arn:aws:kms:us-east-1:000000000000:key/" + missing + "' does not exist"},
		{"fail/invalid-id", "fake-key-id", "NotFoundException", "Invalid keyId 'fake-key-id'"},
		{"fail/uuid-without-dashes", "134f2428cec14b25a1ae9048164dba47", "NotFoundException", "Invalid keyId '134f2428cec14b25a1ae9048164dba47'"},
		{"fail/other-region-arn", strings.Replace(*md.Arn, "us-east-1", "eu-west-1", 1), "NotFoundException", "Invalid arn eu-west-1"},
		{"fail/unknown-alias", "alias/nope", "NotFoundException", "Alias arn:aws:kms:us-east-1:000000000000:alias/nope is not found."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(c.id)})
			apiErr(t, err, c.code, c.msg)
		})
	}
	// Regions are namespaces: the key is invisible from another region.
	other := e.client("test", "test", "eu-west-1")
	_, err := other.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: md.KeyId})
	apiErr(t, err, "NotFoundException", "Key 'arn:aws:kms:eu-west-1:000000000000:key/"+*md.KeyId+"' does not exist")
}

func TestEncryptDecrypt(t *testing.T) {
	e := start(t, "")
	md := createKey(t, e.kms, "")
	must[*kms.CreateAliasOutput](t)(e.kms.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/data"), TargetKeyId: md.KeyId}))
	ec := map[string]string{"purpose": "test", "tenant": "a"}
	for _, id := range []string{*md.KeyId, *md.Arn, "alias/data", "arn:aws:kms:us-east-1:000000000000:alias/data"} {
		enc := must[*kms.EncryptOutput](t)(e.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("hello"), EncryptionContext: ec}))
		if *enc.KeyId != *md.Arn || enc.EncryptionAlgorithm != types.EncryptionAlgorithmSpecSymmetricDefault {
			t.Fatalf("encrypt output %+v", enc)
		}
		dec := must[*kms.DecryptOutput](t)(e.kms.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec}))
		if string(dec.Plaintext) != "hello" || *dec.KeyId != *md.Arn || aws.ToString(dec.KeyMaterialId) != *md.CurrentKeyMaterialId {
			t.Fatalf("decrypt output %+v", dec)
		}
		// Wrong, missing or extra context.
		for _, bad := range []map[string]string{nil, {"purpose": "test"}, {"purpose": "test", "tenant": "b"}, {"purpose": "test", "tenant": "a", "x": "y"}, {"Purpose": "test", "tenant": "a"}} {
			_, err := e.kms.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: bad})
			apiErr(t, err, "InvalidCiphertextException", "")
		}
	}
	enc := must[*kms.EncryptOutput](t)(e.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("x")}))
	// Tampering with any byte.
	for i := range enc.CiphertextBlob {
		b := bytes.Clone(enc.CiphertextBlob)
		b[i] ^= 0x01
		_, err := e.kms.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: b})
		if err == nil {
			t.Fatalf("tampered byte %d decrypted", i)
		}
	}
	// KeyId that does not match the ciphertext.
	other := createKey(t, e.kms, "")
	_, err := e.kms.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, KeyId: other.KeyId})
	apiErr(t, err, "IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation.")
	// Limits.
	_, err = e.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: md.KeyId, Plaintext: make([]byte, 4097)})
	apiErr(t, err, "ValidationException", "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096")
	big := must[*kms.EncryptOutput](t)(e.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: md.KeyId, Plaintext: make([]byte, 4096)}))
	if len(big.CiphertextBlob) > 6144 {
		t.Fatalf("4096-byte plaintext gives %d-byte ciphertext", len(big.CiphertextBlob))
	}
	// ReEncrypt moves ciphertext between keys without the plaintext.
	re := must[*kms.ReEncryptOutput](t)(e.kms.ReEncrypt(ctx, &kms.ReEncryptInput{CiphertextBlob: enc.CiphertextBlob, DestinationKeyId: other.KeyId,
		DestinationEncryptionContext: map[string]string{"k": "v"}}))
	if *re.SourceKeyId != *md.Arn || *re.KeyId != *other.Arn {
		t.Fatalf("reencrypt %+v", re)
	}
	dec := must[*kms.DecryptOutput](t)(e.kms.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: re.CiphertextBlob, EncryptionContext: map[string]string{"k": "v"}}))
	if string(dec.Plaintext) != "x" || *dec.KeyId != *other.Arn {
		t.Fatalf("decrypt after reencrypt: %+v", dec)
	}
}

func TestDataKeysAndRandom(t *testing.T) {
	e := start(t, "")
	md := createKey(t, e.kms, "")
	for _, c := range []struct {
		spec types.DataKeySpec
		n    *int32
		want int
	}{{types.DataKeySpecAes256, nil, 32}, {types.DataKeySpecAes128, nil, 16}, {"", aws.Int32(1), 1}, {"", aws.Int32(1024), 1024}} {
		dk := must[*kms.GenerateDataKeyOutput](t)(e.kms.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: md.KeyId, KeySpec: c.spec, NumberOfBytes: c.n}))
		if len(dk.Plaintext) != c.want {
			t.Fatalf("data key of %d bytes, want %d", len(dk.Plaintext), c.want)
		}
		dec := must[*kms.DecryptOutput](t)(e.kms.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: dk.CiphertextBlob}))
		if !bytes.Equal(dec.Plaintext, dk.Plaintext) {
			t.Fatal("data key does not decrypt to its plaintext")
		}
	}
	wp := must[*kms.GenerateDataKeyWithoutPlaintextOutput](t)(e.kms.GenerateDataKeyWithoutPlaintext(ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: md.KeyId, KeySpec: types.DataKeySpecAes256}))
	dec := must[*kms.DecryptOutput](t)(e.kms.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: wp.CiphertextBlob}))
	if len(dec.Plaintext) != 32 {
		t.Fatalf("without-plaintext data key decrypts to %d bytes", len(dec.Plaintext))
	}
	_, err := e.kms.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: md.KeyId})
	apiErr(t, err, "ValidationException", "Please specify either number of bytes or key spec.")
	_, err = e.kms.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: md.KeyId, NumberOfBytes: aws.Int32(1025)})
	apiErr(t, err, "ValidationException", "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024")

	r := must[*kms.GenerateRandomOutput](t)(e.kms.GenerateRandom(ctx, &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(64)}))
	if len(r.Plaintext) != 64 {
		t.Fatalf("random %d bytes", len(r.Plaintext))
	}
	_, err = e.kms.GenerateRandom(ctx, &kms.GenerateRandomInput{})
	apiErr(t, err, "ValidationException", "NumberOfBytes is required.")
	_, err = e.kms.GenerateRandom(ctx, &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(0)})
	apiErr(t, err, "ValidationException", "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1")

	// DryRun reports success without doing anything.
	_, err = e.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("x"), DryRun: aws.Bool(true)})
	apiErr(t, err, "DryRunOperationException", "The request would have succeeded, but the DryRun option is set.")
}
