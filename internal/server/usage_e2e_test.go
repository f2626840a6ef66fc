package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

func TestGetKeyLastUsage(t *testing.T) {
	e := start(t, "")
	md := createKey(t, e.kms, "")
	lu := must[*kms.GetKeyLastUsageOutput](t)(e.kms.GetKeyLastUsage(ctx, &kms.GetKeyLastUsageInput{KeyId: md.KeyId}))
	if lu.KeyLastUsage != nil || lu.TrackingStartDate == nil || lu.KeyCreationDate == nil || *lu.KeyId != *md.KeyId {
		t.Fatalf("unused key: %+v", lu)
	}
	if lu.TrackingStartDate.Before(*lu.KeyCreationDate) {
		t.Fatalf("tracking start %v before creation %v", lu.TrackingStartDate, lu.KeyCreationDate)
	}
	enc := must[*kms.EncryptOutput](t)(e.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("x")}))
	var reqID string
	_, err := e.kms.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	if err != nil {
		t.Fatal(err)
	}
	// A failed call is not a use.
	_, _ = e.kms.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"x": "y"}})
	lu = must[*kms.GetKeyLastUsageOutput](t)(e.kms.GetKeyLastUsage(ctx, &kms.GetKeyLastUsageInput{KeyId: md.Arn}))
	u := lu.KeyLastUsage
	if u == nil || string(u.Operation) != "Decrypt" || u.Timestamp == nil || len(aws.ToString(u.CloudTrailEventId)) != 36 || len(aws.ToString(u.KmsRequestId)) != 36 {
		t.Fatalf("after decrypt: %+v", u)
	}
	reqID = *u.KmsRequestId
	// It survives a restart (flushed at shutdown).
	e = e.restart()
	lu = must[*kms.GetKeyLastUsageOutput](t)(e.kms.GetKeyLastUsage(ctx, &kms.GetKeyLastUsageInput{KeyId: md.KeyId}))
	if lu.KeyLastUsage == nil || *lu.KeyLastUsage.KmsRequestId != reqID {
		t.Fatalf("after restart: %+v", lu.KeyLastUsage)
	}
	_, err = e.kms.GetKeyLastUsage(ctx, &kms.GetKeyLastUsageInput{KeyId: aws.String("alias/x")})
	apiErr(t, err, "NotFoundException", "*")
}

func TestDeletionGuard(t *testing.T) {
	for _, mode := range []string{"deny", "warn", "off"} {
		t.Run(mode, func(t *testing.T) {
			e := start(t, "", func(c *configT) { c.DeletionGuard = mode })
			md := createKey(t, e.kms, "")
			// Unused keys are never guarded.
			idle := createKey(t, e.kms, "")
			must[*kms.ScheduleKeyDeletionOutput](t)(e.kms.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: idle.KeyId}))
			must[*kms.EncryptOutput](t)(e.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("x")}))
			_, err := e.kms.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: md.KeyId})
			if mode != "deny" {
				if err != nil {
					t.Fatalf("%s: %v", mode, err)
				}
				return
			}
			apiErr(t, err, "KMSInvalidStateException", "*")
			if !strings.Contains(err.Error(), "was used for Encrypt at ") {
				t.Fatalf("the refusal does not name the last use: %v", err)
			}
			// Outside the window the guard lets it through.
			e.clock.Add(31 * 24 * time.Hour)
			must[*kms.ScheduleKeyDeletionOutput](t)(e.kms.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: md.KeyId}))
		})
	}
}
