package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// TestOutOfTheBoxAlarmNotifies: with only --alarm-topic set, using a key
// that is pending deletion notifies the topic's HTTP subscriber within the
// built-in alarm's period, and scheduling the deletion of a key in use
// warns there first (deletion guard in warn mode).
func TestOutOfTheBoxAlarmNotifies(t *testing.T) {
	e := start(t, "", func(c *configT) { c.AlarmTopic = "keyward-alarms"; c.DeletionGuard = "warn" })
	topic := "arn:aws:sns:us-east-1:000000000000:keyward-alarms"
	sub := newSubscriber(t, e)
	sub.subscribe(t, e.snsAs(aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, "us-east-1"), topic)

	md := createKey(t, e.kms, "in use")
	must[*kms.EncryptOutput](t)(e.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("x")}))
	must[*kms.ScheduleKeyDeletionOutput](t)(e.kms.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: md.KeyId}))
	warn := sub.next(t)
	if warn.str("Type") != "Notification" || !strings.Contains(warn.str("Subject"), "deletion scheduled for a key in use") ||
		!strings.Contains(warn.str("Message"), *md.Arn) || !strings.Contains(warn.str("Message"), "used for Encrypt") {
		t.Fatalf("guard warning: %s", warn.body)
	}

	_, err := e.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("x")})
	apiErr(t, err, "KMSInvalidStateException", *md.Arn+" is pending deletion.")
	e.clock.Add(61 * time.Second)
	e.settle(t)
	m := sub.next(t)
	if err := sub.verify(m); err != nil {
		t.Fatalf("notification signature: %v", err)
	}
	if m.str("Type") != "Notification" || m.str("TopicArn") != topic || !strings.Contains(m.str("Subject"), `ALARM: "keyward-disabled-key-use"`) ||
		!strings.Contains(m.str("Message"), `"NewStateValue":"ALARM"`) {
		t.Fatalf("alarm notification: %s", m.body)
	}
	// Actions fire on state changes only: another evaluation sends nothing.
	e.clock.Add(61 * time.Second)
	e.settle(t)
	sub.none(t)
}
