package server_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/keyward/keyward/internal/audit"
)

func (e *env) trail() *cloudtrail.Client {
	return cloudtrail.New(cloudtrail.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.endpoint()),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), Retryer: aws.NopRetryer{}})
}

// lookupAll pages through LookupEvents.
func lookupAll(t *testing.T, c *cloudtrail.Client, in *cloudtrail.LookupEventsInput) []cttypes.Event {
	t.Helper()
	var out []cttypes.Event
	p := cloudtrail.NewLookupEventsPaginator(c, in)
	for p.HasMorePages() {
		out = append(out, must[*cloudtrail.LookupEventsOutput](t)(p.NextPage(ctx)).Events...)
	}
	return out
}

// record is a CloudTrail event as its JSON shows it.
type record struct {
	EventVersion string `json:"eventVersion"`
	UserIdentity struct {
		Type, PrincipalID, ARN, AccountID, AccessKeyID string
	} `json:"userIdentity"`
	EventTime          string           `json:"eventTime"`
	EventSource        string           `json:"eventSource"`
	EventName          string           `json:"eventName"`
	AWSRegion          string           `json:"awsRegion"`
	SourceIPAddress    string           `json:"sourceIPAddress"`
	UserAgent          string           `json:"userAgent"`
	ErrorCode          string           `json:"errorCode"`
	ErrorMessage       string           `json:"errorMessage"`
	RequestParameters  map[string]any   `json:"requestParameters"`
	ResponseElements   map[string]any   `json:"responseElements"`
	RequestID          string           `json:"requestID"`
	EventID            string           `json:"eventID"`
	ReadOnly           bool             `json:"readOnly"`
	Resources          []map[string]any `json:"resources"`
	EventType          string           `json:"eventType"`
	ManagementEvent    bool             `json:"managementEvent"`
	RecipientAccountID string           `json:"recipientAccountId"`
	EventCategory      string           `json:"eventCategory"`
}

func TestAuditTrailLookupEvents(t *testing.T) {
	e := start(t, "")
	md := createKey(t, e.kms, "")
	enc := must[*kms.EncryptOutput](t)(e.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("top-secret-plaintext"),
		EncryptionContext: map[string]string{"Department": "IT"}}))
	must[*kms.DisableKeyOutput](t)(e.kms.DisableKey(ctx, &kms.DisableKeyInput{KeyId: md.KeyId}))
	_, err := e.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("top-secret-plaintext")})
	apiErr(t, err, "DisabledException", "*")
	disabledReq := requestID(err)
	_, err = e.client("test", "wrong", "us-east-1").ListKeys(ctx, &kms.ListKeysInput{})
	apiErr(t, err, "InvalidSignatureException", "*")

	evs := lookupAll(t, e.trail(), &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
		{AttributeKey: cttypes.LookupAttributeKeyEventSource, AttributeValue: aws.String("kms.amazonaws.com")}}})
	var names []string
	for _, ev := range evs {
		names = append(names, *ev.EventName)
	}
	// Newest first; exactly one event per call, the failed ones included.
	want := "ListKeys Encrypt DisableKey Encrypt CreateKey"
	if strings.Join(names, " ") != want {
		t.Fatalf("events %v, want %s", names, want)
	}
	var rec record
	if err := json.Unmarshal([]byte(*evs[1].CloudTrailEvent), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.ErrorCode != "DisabledException" || rec.ErrorMessage != *md.Arn+" is disabled." || rec.RequestID != disabledReq ||
		rec.UserIdentity.Type != "Root" || rec.UserIdentity.AccountID != "000000000000" || rec.UserIdentity.AccessKeyID != "test" ||
		rec.EventSource != "kms.amazonaws.com" || rec.AWSRegion != "us-east-1" || rec.EventVersion == "" || rec.EventType != "AwsApiCall" ||
		!rec.ManagementEvent || rec.EventCategory != "Management" || rec.RecipientAccountID != "000000000000" ||
		len(rec.Resources) != 1 || rec.Resources[0]["ARN"] != *md.Arn || rec.Resources[0]["type"] != "AWS::KMS::Key" ||
		rec.RequestParameters["keyId"] != *md.KeyId || rec.ResponseElements != nil {
		t.Fatalf("DisabledException record: %s", *evs[1].CloudTrailEvent)
	}
	if *evs[1].Username != "root" || *evs[1].AccessKeyId != "test" || evs[1].Resources[0].ResourceName == nil {
		t.Fatalf("lookup entry %+v", evs[1])
	}
	var first record
	json.Unmarshal([]byte(*evs[3].CloudTrailEvent), &first)
	if ec, _ := first.RequestParameters["encryptionContext"].(map[string]any); ec["Department"] != "IT" {
		t.Fatalf("encryption context not recorded as CloudTrail does: %v", first.RequestParameters)
	}
	var failed record
	json.Unmarshal([]byte(*evs[0].CloudTrailEvent), &failed)
	if failed.ErrorCode != "InvalidSignatureException" || failed.UserIdentity.AccessKeyID != "test" {
		t.Fatalf("bad-signature record: %s", *evs[0].CloudTrailEvent)
	}
	// Plaintext and ciphertext never reach the trail.
	for _, ev := range evs {
		for _, secret := range []string{"top-secret-plaintext", "dG9wLXNlY3JldC1wbGFpbnRleHQ", b64(enc.CiphertextBlob)} {
			if strings.Contains(*ev.CloudTrailEvent, secret) {
				t.Fatalf("%s record holds a secret: %s", *ev.EventName, *ev.CloudTrailEvent)
			}
		}
	}
	// Other lookup attributes.
	byName := lookupAll(t, e.trail(), &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
		{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("DisableKey")}}})
	if len(byName) != 1 {
		t.Fatalf("EventName lookup: %d events", len(byName))
	}
	byRes := lookupAll(t, e.trail(), &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
		{AttributeKey: cttypes.LookupAttributeKeyResourceName, AttributeValue: md.Arn}}})
	if len(byRes) != 4 {
		t.Fatalf("ResourceName lookup: %d events", len(byRes))
	}
	paged := lookupAll(t, e.trail(), &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(2)})
	if len(paged) < 5 {
		t.Fatalf("paging found %d events", len(paged))
	}
	future := time.Now().Add(time.Hour)
	if n := len(lookupAll(t, e.trail(), &cloudtrail.LookupEventsInput{StartTime: &future, EndTime: aws.Time(future.Add(time.Hour))})); n != 0 {
		t.Fatalf("%d events in the future", n)
	}
	_, err = e.trail().LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
		{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("a")},
		{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("b")}}})
	apiErr(t, err, "InvalidLookupAttributesException", "*")
}

// failingFS fails every fsync once broken is set.
type failingFS struct {
	audit.OSFS
	broken *atomic.Bool
}

type failingFile struct {
	audit.File
	broken *atomic.Bool
}

func (f failingFS) OpenFile(name string, flag int, perm fs.FileMode) (audit.File, error) {
	file, err := f.OSFS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return failingFile{file, f.broken}, nil
}

func (f failingFile) Sync() error {
	if f.broken.Load() {
		return errors.New("injected: no space left on device")
	}
	return f.File.Sync()
}

// TestAuditFailsClosed: once the trail cannot make events durable, calls
// fail instead of passing unrecorded, and nothing changes.
func TestAuditFailsClosed(t *testing.T) {
	var broken atomic.Bool
	e := start(t, "", func(c *configT) { c.AuditFS = failingFS{broken: &broken} })
	md := createKey(t, e.kms, "")
	broken.Store(true)
	_, err := e.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("x")})
	apiErr(t, err, "KMSInternalException", "*")
	_, err = e.kms.DisableKey(ctx, &kms.DisableKeyInput{KeyId: md.KeyId})
	apiErr(t, err, "KMSInternalException", "*")
	broken.Store(false)
	// Still refused: a failed trail stays failed until the server restarts.
	_, err = e.kms.ListKeys(ctx, &kms.ListKeysInput{})
	apiErr(t, err, "KMSInternalException", "*")
	// Closing reports the failure; a new server opens the trail anew.
	if err := e.srv.Close(); err == nil {
		t.Fatal("Close of a failed trail reported nothing")
	}
	e.srv = nil
	e = start(t, e.dir)
	d := must[*kms.DescribeKeyOutput](t)(e.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: md.KeyId}))
	if d.KeyMetadata.KeyState != "Enabled" {
		t.Fatalf("a refused DisableKey took effect: %s", d.KeyMetadata.KeyState)
	}
}

// TestAuditJSONLines: every event also lands in the SIEM file, once.
func TestAuditJSONLines(t *testing.T) {
	file := t.TempDir() + "/audit.jsonl"
	e := start(t, "", func(c *configT) { c.AuditJSONL = file })
	md := createKey(t, e.kms, "")
	must[*kms.DescribeKeyOutput](t)(e.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: md.KeyId}))
	time.Sleep(200 * time.Millisecond)
	dir := e.dir
	e.stop()
	e = start(t, dir, func(c *configT) { c.AuditJSONL = file })
	must[*kms.ListKeysOutput](t)(e.kms.ListKeys(ctx, &kms.ListKeysInput{}))
	time.Sleep(200 * time.Millisecond)
	e.stop()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		names = append(names, r.EventName)
	}
	if strings.Join(names, " ") != "CreateKey DescribeKey ListKeys" {
		t.Fatalf("exported events %v", names)
	}
}
