package audit

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"
)

func TestEventMarshalsAsCloudTrail(t *testing.T) {
	for _, tc := range []struct {
		name string
		ev   func() *Event
		want string
	}{
		{"ok/assumed-role-encrypt", func() *Event {
			ev := NewEvent(SourceKMS, "Encrypt", time.Date(2026, 11, 22, 9, 0, 0, 123456789, time.UTC))
			ev.EventID = "6a1c3e8f-1b2d-4c5e-8f90-123456789abc"
			ev.UserIdentity = AssumedRoleIdentity("111122223333", "AROAEXAMPLEROLEID0001:ci-run", "arn:aws:sts::111122223333:assumed-role/deploy/ci-run", "ASIAEXAMPLEKEY000001",
				SessionIssuer{PrincipalID: "AROAEXAMPLEROLEID0001", ARN: "arn:aws:iam::111122223333:role/deploy", AccountID: "111122223333", UserName: "deploy"},
				time.Date(2026, 11, 22, 8, 30, 0, 0, time.FixedZone("CET", 3600)))
			ev.AWSRegion = "eu-west-1"
			ev.SourceIPAddress = "192.0.2.7"
			ev.UserAgent = "aws-cli/2.15.0 <&>"
			ev.RequestParameters, _ = RequestParameters(SourceKMS, "Encrypt", map[string]any{
				"keyId":               "alias/app",
				"encryptionContext":   map[string]string{"tenant": "a&b"},
				"encryptionAlgorithm": "SYMMETRIC_DEFAULT",
				"plaintext":           []byte("secret"),
			})
			ev.RequestID = "0f0e0d0c-0b0a-4909-8807-060504030201"
			ev.ReadOnly = true
			ev.Resources = []Resource{KeyResource("arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")}
			ev.RecipientAccountID = "111122223333"
			ev.TLSDetails = &TLSDetails{TLSVersion: "TLSv1.3", CipherSuite: "TLS_AES_128_GCM_SHA256", ClientProvidedHostHeader: "kms.example.internal"}
			return ev
		}, `{"eventVersion":"1.11","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLEROLEID0001:ci-run","arn":"arn:aws:sts::111122223333:assumed-role/deploy/ci-run","accountId":"111122223333","accessKeyId":"ASIAEXAMPLEKEY000001","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLEROLEID0001","arn":"arn:aws:iam::111122223333:role/deploy","accountId":"111122223333","userName":"deploy"},"attributes":{"creationDate":"2026-11-22T07:30:00Z","mfaAuthenticated":"false"}}},"eventTime":"2026-11-22T09:00:00Z","eventSource":"kms.amazonaws.com","eventName":"Encrypt","awsRegion":"eu-west-1","sourceIPAddress":"192.0.2.7","userAgent":"aws-cli/2.15.0 <&>","requestParameters":{"encryptionAlgorithm":"SYMMETRIC_DEFAULT","encryptionContext":{"tenant":"a&b"},"keyId":"alias/app"},"responseElements":null,"requestID":"0f0e0d0c-0b0a-4909-8807-060504030201","eventID":"6a1c3e8f-1b2d-4c5e-8f90-123456789abc","readOnly":true,"resources":[{"ARN":"arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab","accountId":"111122223333","type":"AWS::KMS::Key"}],"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"kms.example.internal"}}`},
		{"ok/disabled-key-error", func() *Event {
			ev := NewEvent(SourceKMS, "Decrypt", time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
			ev.EventID = "00000000-0000-4000-8000-000000000000"
			ev.UserIdentity = RootIdentity("000000000000", "test")
			ev.AWSRegion = "us-east-1"
			ev.SourceIPAddress = "127.0.0.1"
			ev.ErrorCode = "DisabledException"
			ev.ErrorMessage = "arn:aws:kms:us-east-1:000000000000:key/k is disabled."
			ev.RequestParameters = json.RawMessage(`{"encryptionAlgorithm":"SYMMETRIC_DEFAULT"}`)
			ev.RequestID = "r"
			ev.ReadOnly = true
			ev.RecipientAccountID = "000000000000"
			return ev
		}, `{"eventVersion":"1.11","userIdentity":{"type":"Root","principalId":"000000000000","arn":"arn:aws:iam::000000000000:root","accountId":"000000000000","accessKeyId":"test"},"eventTime":"2026-11-22T09:00:00Z","eventSource":"kms.amazonaws.com","eventName":"Decrypt","awsRegion":"us-east-1","sourceIPAddress":"127.0.0.1","errorCode":"DisabledException","errorMessage":"arn:aws:kms:us-east-1:000000000000:key/k is disabled.","requestParameters":{"encryptionAlgorithm":"SYMMETRIC_DEFAULT"},"responseElements":null,"requestID":"r","eventID":"00000000-0000-4000-8000-000000000000","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"000000000000","eventCategory":"Management"}`},
		{"ok/iam-user-create-grant", func() *Event {
			ev := NewEvent(EventSource("kms"), "CreateGrant", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
			ev.EventID = "e"
			ev.UserIdentity = IAMUserIdentity("111122223333", "AIDAEXAMPLE", "alice", "arn:aws:iam::111122223333:user/alice", "AKIAEXAMPLE")
			ev.RequestParameters, _ = RequestParameters(SourceKMS, "CreateGrant", map[string]any{"keyId": "k", "operations": []string{"Decrypt"}, "granteePrincipal": "arn:aws:iam::111122223333:role/app"})
			ev.ResponseElements = json.RawMessage(`{"grantId":"g","grantToken":"TOKEN-CANARY"}`)
			ev.RequestID = "r"
			ev.RecipientAccountID = "111122223333"
			return ev
		}, `{"eventVersion":"1.11","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","accessKeyId":"AKIAEXAMPLE","userName":"alice"},"eventTime":"2026-01-02T03:04:05Z","eventSource":"kms.amazonaws.com","eventName":"CreateGrant","awsRegion":"","sourceIPAddress":"","requestParameters":{"granteePrincipal":"arn:aws:iam::111122223333:role/app","keyId":"k","operations":["Decrypt"]},"responseElements":{"grantId":"g"},"requestID":"r","eventID":"e","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := tc.ev()
			if err := ev.prepare(); err != nil {
				t.Fatal(err)
			}
			got, err := encodeEvent(ev)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tc.want)
			}
			// And back.
			back, err := decodeEvent(got)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := encodeEvent(back)
			if string(again) != tc.want {
				t.Fatalf("round trip changed the record:\n%s", again)
			}
		})
	}
}

func TestNewEventID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := NewEventID()
		if !re.MatchString(id) || seen[id] {
			t.Fatalf("bad or repeated event ID %q", id)
		}
		seen[id] = true
	}
}

func TestTimeJSON(t *testing.T) {
	b, _ := json.Marshal(TimeOf(time.Date(2026, 11, 22, 10, 0, 0, 999, time.FixedZone("X", 3600))))
	if string(b) != `"2026-11-22T09:00:00Z"` {
		t.Fatalf("Time = %s", b)
	}
	var tm Time
	if err := json.Unmarshal([]byte(`"2026-11-22T09:00:00.5+01:00"`), &tm); err != nil || !tm.Equal(time.Date(2026, 11, 22, 8, 0, 0, 5e8, time.UTC)) {
		t.Fatalf("Unmarshal = %v, %v", tm, err)
	}
}

func TestLongFieldsAreCut(t *testing.T) {
	ev := testEvent(1)
	ev.UserAgent = string(make([]byte, 3000))
	ev.ErrorMessage = string(make([]byte, 1023)) + "é" // 1025 bytes; é straddles the limit
	if err := ev.prepare(); err != nil {
		t.Fatal(err)
	}
	if len(ev.UserAgent) != 1024 || len(ev.ErrorMessage) != 1023 {
		t.Fatalf("lengths %d, %d", len(ev.UserAgent), len(ev.ErrorMessage))
	}
}

func TestTimeMarshalMatchesFormat(t *testing.T) {
	for _, tm := range []time.Time{
		{}, time.Date(1, 2, 3, 4, 5, 6, 7, time.UTC), time.Date(2026, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(999, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 29, 1, 30, 0, 0, time.FixedZone("x", -7*3600)),
	} {
		got, _ := TimeOf(tm).MarshalJSON()
		if want := `"` + tm.UTC().Format("2006-01-02T15:04:05Z") + `"`; string(got) != want {
			t.Errorf("MarshalJSON(%v) = %s, want %s", tm, got, want)
		}
	}
}
