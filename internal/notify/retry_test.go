package notify

import (
	"strings"
	"testing"
	"time"
)

func TestRetryPolicy(t *testing.T) {
	p := DefaultRetryPolicy
	var got []time.Duration
	var total time.Duration
	for k := 1; k < p.Attempts(); k++ {
		got = append(got, p.delay(k))
		total += p.delay(k)
	}
	want := []time.Duration{0, 0, 0, 5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 120 * time.Second}
	if len(got) != len(want) {
		t.Fatalf("delays %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("delays %v, want %v", got, want)
		}
	}
	if p.Attempts() != 10 || total != 275*time.Second {
		t.Fatalf("%d attempts over %v", p.Attempts(), total)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []RetryPolicy{
		{NoDelayRetries: -1},
		{BackoffRetries: 3},
		{BackoffRetries: 3, MinDelay: time.Minute, MaxDelay: time.Second},
		{BackoffRetries: 100, MinDelay: time.Minute, MaxDelay: time.Hour},
		{NoDelayRetries: 101},
	} {
		if bad.Validate() == nil {
			t.Errorf("%+v validated", bad)
		}
	}
	if err := (RetryPolicy{NoDelayRetries: 2}).Validate(); err != nil {
		t.Errorf("immediate retries only: %v", err)
	}
}

func TestCanonicalString(t *testing.T) {
	n := map[string]string{"Type": "Notification", "MessageId": "id", "TopicArn": "arn", "Subject": "s", "Message": "m\nx",
		"Timestamp": "ts", "SignatureVersion": "2", "Signature": "sig", "UnsubscribeURL": "u", "Token": "ignored"}
	if got, want := CanonicalString(n), "Message\nm\nx\nMessageId\nid\nSubject\ns\nTimestamp\nts\nTopicArn\narn\nType\nNotification\n"; got != want {
		t.Errorf("notification: %q, want %q", got, want)
	}
	delete(n, "Subject")
	if got := CanonicalString(n); strings.Contains(got, "Subject") {
		t.Errorf("notification without a subject: %q", got)
	}
	c := map[string]string{"Type": "SubscriptionConfirmation", "MessageId": "id", "Token": "tok", "TopicArn": "arn", "Message": "m",
		"SubscribeURL": "url", "Timestamp": "ts", "Subject": "ignored"}
	if got, want := CanonicalString(c), "Message\nm\nMessageId\nid\nSubscribeURL\nurl\nTimestamp\nts\nToken\ntok\nTopicArn\narn\nType\nSubscriptionConfirmation\n"; got != want {
		t.Errorf("confirmation: %q, want %q", got, want)
	}
}

func TestCertificateID(t *testing.T) {
	for path, ok := range map[string]bool{
		"/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem":  true,
		"/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem/": false,
		"/SimpleNotificationService-0123456789abcdef.pem":                  false,
		"/SimpleNotificationService-0123456789abcdef0123456789abcdeg.pem":  false,
		"/other.pem": false,
	} {
		if _, got := CertificateID(path); got != ok {
			t.Errorf("CertificateID(%q): %v", path, got)
		}
	}
}
