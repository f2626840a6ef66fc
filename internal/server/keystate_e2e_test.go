package server_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// stateOp is one KMS operation run against a key in a given state. Each op
// must leave the key's state unchanged (or be given a fresh key).
type stateOp struct {
	name string
	run  func(c *kms.Client, keyID string, blob []byte) error
}

func stateOps() []stateOp {
	k := aws.String
	return []stateOp{
		{"Encrypt", func(c *kms.Client, id string, _ []byte) error {
			_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: k(id), Plaintext: []byte("p")})
			return err
		}},
		{"Decrypt", func(c *kms.Client, _ string, blob []byte) error {
			_, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob})
			return err
		}},
		{"ReEncrypt", func(c *kms.Client, id string, blob []byte) error {
			_, err := c.ReEncrypt(ctx, &kms.ReEncryptInput{CiphertextBlob: blob, DestinationKeyId: k(id)})
			return err
		}},
		{"GenerateDataKey", func(c *kms.Client, id string, _ []byte) error {
			_, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: k(id), KeySpec: types.DataKeySpecAes256})
			return err
		}},
		{"GenerateDataKeyWithoutPlaintext", func(c *kms.Client, id string, _ []byte) error {
			_, err := c.GenerateDataKeyWithoutPlaintext(ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: k(id), NumberOfBytes: aws.Int32(16)})
			return err
		}},
		{"DescribeKey", func(c *kms.Client, id string, _ []byte) error {
			_, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: k(id)})
			return err
		}},
		{"GetKeyPolicy", func(c *kms.Client, id string, _ []byte) error {
			_, err := c.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: k(id), PolicyName: k("default")})
			return err
		}},
		{"PutKeyPolicy", func(c *kms.Client, id string, _ []byte) error {
			_, err := c.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: k(id), PolicyName: k("default"), Policy: k(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"kms:*","Resource":"*"}]}`)})
			return err
		}},
		{"ListKeyPolicies", func(c *kms.Client, id string, _ []byte) error {
			_, err := c.ListKeyPolicies(ctx, &kms.ListKeyPoliciesInput{KeyId: k(id)})
			return err
		}},
		{"ListResourceTags", func(c *kms.Client, id string, _ []byte) error {
			_, err := c.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: k(id)})
			return err
		}},
		{"TagResource", func(c *kms.Client, id string, _ []byte) error {
			_, err := c.TagResource(ctx, &kms.TagResourceInput{KeyId: k(id), Tags: []types.Tag{{TagKey: k("a"), TagValue: k("b")}}})
			return err
		}},
		{"UntagResource", func(c *kms.Client, id string, _ []byte) error {
			_, err := c.UntagResource(ctx, &kms.UntagResourceInput{KeyId: k(id), TagKeys: []string{"a"}})
			return err
		}},
		{"UpdateKeyDescription", func(c *kms.Client, id string, _ []byte) error {
			_, err := c.UpdateKeyDescription(ctx, &kms.UpdateKeyDescriptionInput{KeyId: k(id), Description: k("d")})
			return err
		}},
		{"CreateAlias", func(c *kms.Client, id string, _ []byte) error {
			_, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: k("alias/state-" + id[:8]), TargetKeyId: k(id)})
			if err == nil {
				_, err = c.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: k("alias/state-" + id[:8])})
			}
			return err
		}},
		{"UpdateAlias", func(c *kms.Client, id string, _ []byte) error {
			// Point an alias of a fresh key at the key under test.
			other, err := c.CreateKey(ctx, &kms.CreateKeyInput{})
			if err != nil {
				return err
			}
			name := k("alias/upd-" + id[:8])
			if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: name, TargetKeyId: other.KeyMetadata.KeyId}); err != nil {
				return err
			}
			_, err = c.UpdateAlias(ctx, &kms.UpdateAliasInput{AliasName: name, TargetKeyId: k(id)})
			return err
		}},
		{"DeleteAlias", func(c *kms.Client, id string, _ []byte) error {
			// The alias is created while the key is still enabled (see setup).
			_, err := c.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: k("alias/del-" + id[:8])})
			return err
		}},
		{"ListAliases", func(c *kms.Client, id string, _ []byte) error {
			_, err := c.ListAliases(ctx, &kms.ListAliasesInput{KeyId: k(id)})
			return err
		}},
		{"EnableKeyRotation", func(c *kms.Client, id string, _ []byte) error {
			_, err := c.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: k(id)})
			return err
		}},
		{"DisableKeyRotation", func(c *kms.Client, id string, _ []byte) error {
			_, err := c.DisableKeyRotation(ctx, &kms.DisableKeyRotationInput{KeyId: k(id)})
			return err
		}},
		{"GetKeyRotationStatus", func(c *kms.Client, id string, _ []byte) error {
			_, err := c.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: k(id)})
			return err
		}},
		{"RotateKeyOnDemand", func(c *kms.Client, id string, _ []byte) error {
			_, err := c.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: k(id)})
			return err
		}},
		{"ListKeyRotations", func(c *kms.Client, id string, _ []byte) error {
			_, err := c.ListKeyRotations(ctx, &kms.ListKeyRotationsInput{KeyId: k(id)})
			return err
		}},
		{"ScheduleKeyDeletion", func(c *kms.Client, id string, _ []byte) error {
			_, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: k(id), PendingWindowInDays: aws.Int32(7)})
			return err
		}},
		{"CancelKeyDeletion", func(c *kms.Client, id string, _ []byte) error {
			_, err := c.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: k(id)})
			return err
		}},
		{"EnableKey", func(c *kms.Client, id string, _ []byte) error {
			_, err := c.EnableKey(ctx, &kms.EnableKeyInput{KeyId: k(id)})
			return err
		}},
		{"DisableKey", func(c *kms.Client, id string, _ []byte) error {
			_, err := c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: k(id)})
			return err
		}},
	}
}

// TestKeyStateMatrix runs every operation against a key in every reachable
// state and checks AWS's outcome: success, or the exact exception and message.
func TestKeyStateMatrix(t *testing.T) {
	e := start(t, "")
	const (
		ok         = ""
		disabled   = "DisabledException:%s is disabled."
		pending    = "KMSInvalidStateException:%s is pending deletion."
		notPending = "KMSInvalidStateException:%s is not pending deletion."
	)
	// want[state][op]; ops not listed succeed.
	want := map[string]map[string]string{
		"Enabled": {
			"CancelKeyDeletion": notPending,
		},
		"Disabled": {
			"Encrypt": disabled, "Decrypt": disabled, "ReEncrypt": disabled,
			"GenerateDataKey": disabled, "GenerateDataKeyWithoutPlaintext": disabled,
			"EnableKeyRotation": disabled, "DisableKeyRotation": disabled, "RotateKeyOnDemand": disabled,
			"CancelKeyDeletion": notPending,
		},
		"PendingDeletion": {
			"Encrypt": pending, "Decrypt": pending, "ReEncrypt": pending,
			"GenerateDataKey": pending, "GenerateDataKeyWithoutPlaintext": pending,
			"EnableKeyRotation": pending, "DisableKeyRotation": pending, "RotateKeyOnDemand": pending,
			"TagResource": pending, "UntagResource": pending, "UpdateKeyDescription": pending,
			"CreateAlias": pending, "UpdateAlias": pending, "ScheduleKeyDeletion": pending, "EnableKey": pending, "DisableKey": pending,
		},
	}
	for _, state := range []string{"Enabled", "Disabled", "PendingDeletion"} {
		for _, op := range stateOps() {
			t.Run(state+"/"+op.name, func(t *testing.T) {
				md := createKey(t, e.kms, "")
				id := *md.KeyId
				must[*kms.CreateAliasOutput](t)(e.kms.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/del-" + id[:8]), TargetKeyId: md.KeyId}))
				blob := must[*kms.EncryptOutput](t)(e.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("p")})).CiphertextBlob
				switch state {
				case "Disabled":
					must[*kms.DisableKeyOutput](t)(e.kms.DisableKey(ctx, &kms.DisableKeyInput{KeyId: md.KeyId}))
				case "PendingDeletion":
					must[*kms.ScheduleKeyDeletionOutput](t)(e.kms.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: md.KeyId}))
				}
				err := op.run(e.kms, id, blob)
				w := want[state][op.name]
				if w == ok {
					if err != nil {
						t.Fatalf("want success, got %v", err)
					}
					return
				}
				var code, msg string
				for i := range w {
					if w[i] == ':' {
						code, msg = w[:i], w[i+1:]
						break
					}
				}
				apiErr(t, err, code, sprintf(msg, *md.Arn))
			})
		}
	}
}
