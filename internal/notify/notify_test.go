package notify_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/notify"
	"github.com/keyward/keyward/internal/notify/transport/smtptest"
)

var (
	uuidRE  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	tsRE    = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
	tokenRE = regexp.MustCompile(`^[0-9a-f]{128}$`)
)

func TestHTTPSubscriptionFlow(t *testing.T) {
	e := newEnv(t)
	e.run(e.svc)
	r := newReceiver(t)
	topic := e.topic("alarms")

	out, err := e.svc.Subscribe(t.Context(), e.root, notify.SubscribeInput{TopicARN: topic, Protocol: "http", Endpoint: r.URL + "/sns?k=v"})
	if err != nil || out != notify.PendingConfirmation {
		t.Fatalf("Subscribe: %q, %v", out, err)
	}
	conf := r.next(t)
	h := conf.header
	if h.Get("X-Amz-Sns-Message-Type") != "SubscriptionConfirmation" || h.Get("X-Amz-Sns-Topic-Arn") != topic ||
		h.Get("X-Amz-Sns-Message-Id") != conf.str("MessageId") || h.Get("X-Amz-Sns-Subscription-Arn") != "" ||
		h.Get("Content-Type") != "text/plain; charset=UTF-8" {
		t.Fatalf("confirmation headers: %v", h)
	}
	token := conf.str("Token")
	if conf.str("Type") != "SubscriptionConfirmation" || !uuidRE.MatchString(conf.str("MessageId")) || !tokenRE.MatchString(token) ||
		conf.str("TopicArn") != topic || !tsRE.MatchString(conf.str("Timestamp")) || conf.str("SignatureVersion") != "2" ||
		conf.str("Message") != "You have chosen to subscribe to the topic "+topic+".\nTo confirm the subscription, visit the SubscribeURL included in this message." {
		t.Fatalf("confirmation: %s", conf.body)
	}
	wantURL := public + "/?Action=ConfirmSubscription&TopicArn=" + url.QueryEscape(topic) + "&Token=" + token + "&Version=2010-03-31"
	if conf.str("SubscribeURL") != wantURL {
		t.Fatalf("SubscribeURL %s\nwant %s", conf.str("SubscribeURL"), wantURL)
	}
	e.verify(conf)
	// A tampered message fails verification.
	conf.doc["TopicArn"] = topic + "x"
	pemCert := certOf(t, e, conf)
	if err := notify.VerifySignature(conf.fields(), pemCert); err == nil {
		t.Fatal("a tampered confirmation verified")
	}

	// Pending: listed as such, and not sent notifications.
	subs, _, err := e.svc.ListSubscriptionsByTopic(t.Context(), e.root, topic, "")
	if err != nil || len(subs) != 1 || !subs[0].Pending() || subs[0].Endpoint != r.URL+"/sns?k=v" || subs[0].Owner != account {
		t.Fatalf("ListSubscriptionsByTopic: %+v, %v", subs, err)
	}
	if _, err := e.svc.Publish(t.Context(), e.root, topic, "", "before confirmation"); err != nil {
		t.Fatal(err)
	}
	r.none(t)

	// The unsigned confirmation (a nil caller) with the token.
	subARN, err := e.svc.ConfirmSubscription(t.Context(), nil, topic, token, "")
	if err != nil || !strings.HasPrefix(subARN, topic+":") || !uuidRE.MatchString(strings.TrimPrefix(subARN, topic+":")) {
		t.Fatalf("ConfirmSubscription: %q, %v", subARN, err)
	}
	if again, err := e.svc.ConfirmSubscription(t.Context(), nil, topic, token, ""); err != nil || again != subARN {
		t.Fatalf("ConfirmSubscription again: %q, %v", again, err)
	}
	attrs, err := e.svc.GetTopicAttributes(t.Context(), e.root, topic)
	if err != nil || attrs["SubscriptionsConfirmed"] != "1" || attrs["SubscriptionsPending"] != "0" {
		t.Fatalf("GetTopicAttributes: %v, %v", attrs, err)
	}

	id, err := e.svc.PublishMessage(t.Context(), e.root, &notify.PublishInput{TopicARN: topic, Subject: "Key disabled",
		Message: "Key 1234 used while disabled <&>", MessageAttributes: map[string]notify.MessageAttribute{
			"severity": {DataType: "String", StringValue: "high"},
			"raw":      {DataType: "Binary", BinaryValue: []byte{0xff, 0}},
		}})
	if err != nil || !uuidRE.MatchString(id) {
		t.Fatalf("Publish: %q, %v", id, err)
	}
	n := r.next(t)
	if n.header.Get("X-Amz-Sns-Message-Type") != "Notification" || n.header.Get("X-Amz-Sns-Subscription-Arn") != subARN ||
		n.header.Get("X-Amz-Sns-Message-Id") != id || n.header.Get("X-Amz-Sns-Topic-Arn") != topic {
		t.Fatalf("notification headers: %v", n.header)
	}
	if n.str("Type") != "Notification" || n.str("MessageId") != id || n.str("Subject") != "Key disabled" ||
		n.str("Message") != "Key 1234 used while disabled <&>" || n.str("TopicArn") != topic ||
		n.str("UnsubscribeURL") != public+"/?Action=Unsubscribe&SubscriptionArn="+url.QueryEscape(subARN)+"&Version=2010-03-31" {
		t.Fatalf("notification: %s", n.body)
	}
	if !strings.Contains(n.body, "<&>") {
		t.Fatalf("the message is HTML-escaped in the body: %s", n.body)
	}
	ma, _ := n.doc["MessageAttributes"].(map[string]any)
	if fmt.Sprint(ma["severity"]) != "map[Type:String Value:high]" || fmt.Sprint(ma["raw"]) != "map[Type:Binary Value:/wA=]" {
		t.Fatalf("MessageAttributes: %v", ma)
	}
	e.verify(n)

	d := e.waitDelivery(topic, subARN, notify.KindNotification)
	if d.State != notify.StateDelivered || d.Attempts != 1 || d.LastStatus != 200 || d.MessageID != id || d.LastError != "" || d.Finished.IsZero() {
		t.Fatalf("delivery record: %+v", d)
	}
	// Stored sealed: neither the message nor the token is in the clear.
	for _, d := range e.deliveries(topic, notify.DeliveryFilter{}) {
		if bytes.Contains(d.Sealed, []byte("Key 1234")) || bytes.Contains(d.Sealed, []byte(token)) {
			t.Fatal("a delivery is stored in the clear")
		}
	}
}

func certOf(t *testing.T, e *env, rec *received) []byte {
	u, _ := url.Parse(rec.str("SigningCertURL"))
	id, _ := notify.CertificateID(u.Path)
	pem, err := e.svc.SigningCertificate(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return pem
}

func TestRetryThenSuccess(t *testing.T) {
	e := newEnv(t)
	e.run(e.svc)
	r := newReceiver(t)
	topic := e.topic("t")
	sub := e.confirmHTTP(topic, r, nil)
	r.respond(500, 503)
	if _, err := e.svc.Publish(t.Context(), e.root, topic, "", "hello"); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for range 3 {
		ids[r.next(t).str("MessageId")] = true
	}
	if len(ids) != 1 {
		t.Fatalf("retries carry different message ids: %v", ids)
	}
	d := e.waitDelivery(topic, sub, notify.KindNotification)
	if d.State != notify.StateDelivered || d.Attempts != 3 || d.LastStatus != 200 || d.LastError != "" {
		t.Fatalf("delivery: %+v", d)
	}
	r.none(t)
}

func TestRetriesExhausted(t *testing.T) {
	e := newEnv(t)
	e.run(e.svc)
	r := newReceiver(t)
	topic := e.topic("t")
	sub := e.confirmHTTP(topic, r, nil)
	r.respond(503, 503, 500, 429, 200)
	start := time.Now()
	if _, err := e.svc.Publish(t.Context(), e.root, topic, "", "hello"); err != nil {
		t.Fatal(err)
	}
	d := e.waitDelivery(topic, sub, notify.KindNotification)
	// fastRetry: 1 immediate retry, then 2 after 20 ms and 40 ms.
	if d.State != notify.StateFailed || d.Attempts != fastRetry.Attempts() || d.LastStatus != 429 ||
		d.LastError != "the endpoint answered HTTP 429" || d.Finished.IsZero() {
		t.Fatalf("delivery: %+v", d)
	}
	if took := time.Since(start); took < 60*time.Millisecond {
		t.Fatalf("4 attempts took %v: the backoff was not applied", took)
	}
	for range fastRetry.Attempts() {
		r.next(t)
	}
	r.none(t) // the fifth answer (200) is never asked for
}

func TestPermanentFailure(t *testing.T) {
	e := newEnv(t)
	e.run(e.svc)
	r := newReceiver(t)
	topic := e.topic("t")
	sub := e.confirmHTTP(topic, r, nil)
	r.respond(http.StatusNotFound)
	if _, err := e.svc.Publish(t.Context(), e.root, topic, "", "hello"); err != nil {
		t.Fatal(err)
	}
	d := e.waitDelivery(topic, sub, notify.KindNotification)
	if d.State != notify.StateFailed || d.Attempts != 1 || d.LastStatus != 404 {
		t.Fatalf("delivery: %+v", d)
	}
	r.next(t)
	r.none(t)
}

func TestUnreachableEndpoint(t *testing.T) {
	e := newEnv(t)
	e.run(e.svc)
	r := newReceiver(t)
	topic := e.topic("t")
	sub := e.confirmHTTP(topic, r, nil)
	r.Close() // nobody answers any more
	if _, err := e.svc.Publish(t.Context(), e.root, topic, "", "hello"); err != nil {
		t.Fatal(err)
	}
	d := e.waitDelivery(topic, sub, notify.KindNotification)
	if d.State != notify.StateFailed || d.Attempts != fastRetry.Attempts() || d.LastStatus != 0 || d.LastError == "" ||
		strings.Contains(d.LastError, r.URL) {
		t.Fatalf("delivery: %+v", d)
	}
}

// Deliveries are stored before Publish returns; a service started later on
// the same store (a restart) delivers them.
func TestQueueSurvivesRestart(t *testing.T) {
	e := newEnv(t)
	stop := e.run(e.svc)
	r := newReceiver(t)
	topic := e.topic("t")
	sub := e.confirmHTTP(topic, r, nil)
	e.waitDelivery(topic, sub, notify.KindSubscriptionConfirmation)
	stop()

	id, err := e.svc.Publish(t.Context(), e.root, topic, "s", "while down")
	if err != nil {
		t.Fatal(err)
	}
	ds := e.deliveries(topic, notify.DeliveryFilter{MessageID: id})
	if len(ds) != 1 || ds[0].State != notify.StatePending || ds[0].Attempts != 0 {
		t.Fatalf("queued: %+v", ds)
	}
	r.none(t)

	restarted := e.open()
	e.run(restarted)
	got := r.next(t)
	if got.str("MessageId") != id || got.str("Message") != "while down" {
		t.Fatalf("after the restart: %s", got.body)
	}
	e.verify(got) // the same signing key, from the store
}

// A delivery whose subscription went away meanwhile is given up.
func TestUnsubscribedBeforeDelivery(t *testing.T) {
	e := newEnv(t)
	stop := e.run(e.svc)
	r := newReceiver(t)
	topic := e.topic("t")
	sub := e.confirmHTTP(topic, r, nil)
	stop()
	if _, err := e.svc.Publish(t.Context(), e.root, topic, "", "m"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Unsubscribe(t.Context(), e.root, sub); err != nil {
		t.Fatal(err)
	}
	e.run(e.open())
	d := e.waitDelivery(topic, sub, notify.KindNotification)
	if d.State != notify.StateFailed || d.Attempts != 1 || d.LastError != "the subscription no longer exists" {
		t.Fatalf("delivery: %+v", d)
	}
	r.none(t)
}

func TestRawMessageDelivery(t *testing.T) {
	e := newEnv(t)
	e.run(e.svc)
	r := newReceiver(t)
	topic := e.topic("t")
	sub := e.confirmHTTP(topic, r, map[string]string{"RawMessageDelivery": "true"})
	if _, err := e.svc.Publish(t.Context(), e.root, topic, "s", `{"alarm":"on"}`); err != nil {
		t.Fatal(err)
	}
	got := r.next(t)
	if got.body != `{"alarm":"on"}` || got.header.Get("X-Amz-Sns-Rawdelivery") != "true" || got.header.Get("X-Amz-Sns-Subscription-Arn") != sub {
		t.Fatalf("raw delivery: %v %s", got.header, got.body)
	}
	// Subscribing again with other attributes is refused.
	_, err := e.svc.Subscribe(t.Context(), e.root, notify.SubscribeInput{TopicARN: topic, Protocol: "http", Endpoint: r.URL + "/sns",
		Attributes: map[string]string{"RawMessageDelivery": "false"}})
	wantErr(t, err, errs.Validation, "Invalid parameter: Attributes Reason: Subscription already exists with different attributes")
	// …and again with the same: the confirmed subscription's ARN.
	arn, err := e.svc.Subscribe(t.Context(), e.root, notify.SubscribeInput{TopicARN: topic, Protocol: "http", Endpoint: r.URL + "/sns"})
	if err != nil || arn != sub {
		t.Fatalf("Subscribe again: %q, %v", arn, err)
	}
}

func TestMessageStructureJSON(t *testing.T) {
	e := newEnv(t)
	e.run(e.svc)
	r := newReceiver(t)
	topic := e.topic("t")
	e.confirmHTTP(topic, r, nil)
	if _, err := e.svc.PublishMessage(t.Context(), e.root, &notify.PublishInput{TopicARN: topic, MessageStructure: "json",
		Message: `{"default":"for everyone","http":"for http","email":"for email","n":1}`}); err != nil {
		t.Fatal(err)
	}
	if got := r.next(t).str("Message"); got != "for http" {
		t.Fatalf("http subscriber got %q", got)
	}
}

func TestEmail(t *testing.T) {
	mail := smtptest.NewServer(t)
	e := newEnv(t, withMail(mail))
	e.run(e.svc)
	topic, err := e.svc.CreateTopic(t.Context(), e.root, notify.CreateTopicInput{Name: "alarms", Attributes: map[string]string{"DisplayName": "Prod KMS"}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.svc.Subscribe(t.Context(), e.root, notify.SubscribeInput{TopicARN: topic, Protocol: "email", Endpoint: "ops@example.com", ReturnSubscriptionARN: true})
	if err != nil || !strings.HasPrefix(out, topic+":") {
		t.Fatalf("Subscribe: %q, %v", out, err)
	}
	msgs := mail.Wait(t, 1, 10*time.Second)
	h, body, err := msgs[0].Parsed()
	if err != nil {
		t.Fatal(err)
	}
	if msgs[0].To[0] != "ops@example.com" || h.Get("Subject") != "Keyward Notification - Subscription Confirmation" || !strings.Contains(h.Get("From"), "Prod KMS") {
		t.Fatalf("confirmation mail: %v", h)
	}
	link := regexp.MustCompile(`https://\S+`).FindString(body)
	u, err := url.Parse(link)
	if err != nil || u.Query().Get("Action") != "ConfirmSubscription" || u.Query().Get("TopicArn") != topic || !strings.HasPrefix(link, public+"/?") {
		t.Fatalf("confirmation link %q in\n%s", link, body)
	}
	sub, err := e.svc.ConfirmSubscription(t.Context(), nil, topic, u.Query().Get("Token"), "")
	if err != nil || sub != out {
		t.Fatalf("ConfirmSubscription: %q, %v", sub, err)
	}

	if _, err := e.svc.Publish(t.Context(), e.root, topic, "KMS alarm", "Key used while pending deletion."); err != nil {
		t.Fatal(err)
	}
	msgs = mail.Wait(t, 2, 10*time.Second)
	h, body, err = msgs[1].Parsed()
	if err != nil {
		t.Fatal(err)
	}
	if h.Get("Subject") != "KMS alarm" || !strings.HasPrefix(body, "Key used while pending deletion.\n\n--\n") || !strings.Contains(body, "--subscription-arn "+sub) {
		t.Fatalf("notification mail: %v\n%s", h, body)
	}
	d := e.waitDelivery(topic, sub, notify.KindNotification)
	if d.State != notify.StateDelivered || d.Attempts != 1 {
		t.Fatalf("delivery: %+v", d)
	}

	// email-json: the signed JSON document as the body.
	if _, err := e.svc.Subscribe(t.Context(), e.root, notify.SubscribeInput{TopicARN: topic, Protocol: "email-json", Endpoint: "bot@example.com"}); err != nil {
		t.Fatal(err)
	}
	msgs = mail.Wait(t, 3, 10*time.Second)
	_, body, _ = msgs[2].Parsed()
	var doc map[string]any
	if err := json.Unmarshal([]byte(body), &doc); err != nil || doc["Type"] != "SubscriptionConfirmation" {
		t.Fatalf("email-json confirmation: %v\n%s", err, body)
	}
	rec := &received{doc: doc}
	e.verify(rec)
}

func TestEmailRefused(t *testing.T) {
	mail := smtptest.NewServer(t)
	mail.Reject("gone@example.com", 550)
	e := newEnv(t, withMail(mail))
	e.run(e.svc)
	topic := e.topic("t")
	sub, err := e.svc.Subscribe(t.Context(), e.root, notify.SubscribeInput{TopicARN: topic, Protocol: "email", Endpoint: "gone@example.com", ReturnSubscriptionARN: true})
	if err != nil {
		t.Fatal(err)
	}
	d := e.waitDelivery(topic, sub, notify.KindSubscriptionConfirmation)
	if d.State != notify.StateFailed || d.Attempts != 1 || d.LastStatus != 550 || !strings.Contains(d.LastError, "550") {
		t.Fatalf("delivery: %+v", d)
	}
}

func TestEmailNotConfigured(t *testing.T) {
	e := newEnv(t)
	topic := e.topic("t")
	for _, p := range []string{"email", "email-json"} {
		_, err := e.svc.Subscribe(t.Context(), e.root, notify.SubscribeInput{TopicARN: topic, Protocol: p, Endpoint: "ops@example.com"})
		wantErr(t, err, errs.Validation, "Email delivery is not configured on this server.")
	}
}

func TestConfirmSubscriptionTokens(t *testing.T) {
	e := newEnv(t)
	e.run(e.svc)
	r := newReceiver(t)
	topic, other := e.topic("t"), e.topic("u")
	if _, err := e.svc.Subscribe(t.Context(), e.root, notify.SubscribeInput{TopicARN: topic, Protocol: "http", Endpoint: r.URL}); err != nil {
		t.Fatal(err)
	}
	first := r.next(t).str("Token")
	// Subscribing the pending endpoint again sends a new token; the first
	// stops working.
	if _, err := e.svc.Subscribe(t.Context(), e.root, notify.SubscribeInput{TopicARN: topic, Protocol: "http", Endpoint: r.URL}); err != nil {
		t.Fatal(err)
	}
	second := r.next(t).str("Token")
	if first == second {
		t.Fatal("a second confirmation request carries the same token")
	}
	_, err := e.svc.ConfirmSubscription(t.Context(), nil, topic, first, "")
	wantErr(t, err, errs.Validation, "Invalid parameter: Token")
	_, err = e.svc.ConfirmSubscription(t.Context(), nil, other, second, "")
	wantErr(t, err, errs.Validation, "Invalid parameter: Token")
	_, err = e.svc.ConfirmSubscription(t.Context(), nil, topic, "", "")
	wantErr(t, err, errs.Validation, "Invalid parameter: Token")
	_, err = e.svc.ConfirmSubscription(t.Context(), nil, topic, second, "maybe")
	wantErr(t, err, errs.Validation, "Invalid parameter: AuthenticateOnUnsubscribe")
	// Three days later the token has expired.
	e.clock.Advance(72*time.Hour + time.Second)
	_, err = e.svc.ConfirmSubscription(t.Context(), nil, topic, second, "")
	wantErr(t, err, errs.Validation, "Invalid parameter: Token")
}

func TestTopics(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	arn, err := e.svc.CreateTopic(ctx, e.root, notify.CreateTopicInput{Name: "alarms", Attributes: map[string]string{"DisplayName": "Alarms"},
		Tags: []notify.Tag{{Key: "team", Value: "sec"}}})
	if err != nil || arn != "arn:aws:sns:us-east-1:123456789012:alarms" {
		t.Fatalf("CreateTopic: %q, %v", arn, err)
	}
	// Idempotent with the same attributes and tags (or fewer).
	for _, in := range []notify.CreateTopicInput{
		{Name: "alarms"},
		{Name: "alarms", Attributes: map[string]string{"DisplayName": "Alarms"}, Tags: []notify.Tag{{Key: "team", Value: "sec"}}},
	} {
		if again, err := e.svc.CreateTopic(ctx, e.root, in); err != nil || again != arn {
			t.Fatalf("CreateTopic again: %q, %v", again, err)
		}
	}
	_, err = e.svc.CreateTopic(ctx, e.root, notify.CreateTopicInput{Name: "alarms", Attributes: map[string]string{"DisplayName": "Other"}})
	wantErr(t, err, errs.Validation, "Invalid parameter: Attributes Reason: Topic already exists with different attributes")
	_, err = e.svc.CreateTopic(ctx, e.root, notify.CreateTopicInput{Name: "alarms", Tags: []notify.Tag{{Key: "team", Value: "ops"}}})
	wantErr(t, err, errs.Validation, "Invalid parameter: Tags Reason: Topic already exists with different tags")

	attrs, err := e.svc.GetTopicAttributes(ctx, e.root, arn)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"TopicArn": arn, "Owner": account, "DisplayName": "Alarms", "SubscriptionsConfirmed": "0",
		"SubscriptionsPending": "0", "SubscriptionsDeleted": "0", "SignatureVersion": "2"} {
		if attrs[k] != v {
			t.Errorf("attribute %s = %q, want %q", k, attrs[k], v)
		}
	}
	var policy struct {
		Version   string
		Statement []struct {
			Resource  string
			Action    []string
			Condition map[string]map[string]string
		}
	}
	if err := json.Unmarshal([]byte(attrs["Policy"]), &policy); err != nil || policy.Version != "2008-10-17" || policy.Statement[0].Resource != arn ||
		policy.Statement[0].Condition["StringEquals"]["AWS:SourceOwner"] != account || len(policy.Statement[0].Action) != 8 {
		t.Fatalf("Policy %s: %v", attrs["Policy"], err)
	}
	var dp struct {
		HTTP struct {
			DefaultHealthyRetryPolicy struct{ NumRetries, NumNoDelayRetries int }
		}
	}
	if err := json.Unmarshal([]byte(attrs["EffectiveDeliveryPolicy"]), &dp); err != nil ||
		dp.HTTP.DefaultHealthyRetryPolicy.NumRetries != 3 || dp.HTTP.DefaultHealthyRetryPolicy.NumNoDelayRetries != 1 {
		t.Fatalf("EffectiveDeliveryPolicy %s: %v", attrs["EffectiveDeliveryPolicy"], err)
	}

	if err := e.svc.SetTopicAttributes(ctx, e.root, arn, "DisplayName", "Renamed"); err != nil {
		t.Fatal(err)
	}
	if attrs, _ := e.svc.GetTopicAttributes(ctx, e.root, arn); attrs["DisplayName"] != "Renamed" {
		t.Fatalf("DisplayName %q", attrs["DisplayName"])
	}
	wantErr(t, e.svc.SetTopicAttributes(ctx, e.root, arn, "Policy", "{}"), errs.Validation, "Invalid parameter: Policy is not supported by this server.")
	wantErr(t, e.svc.SetTopicAttributes(ctx, e.root, arn, "Colour", "red"), errs.Validation, "Invalid parameter: AttributeName")
	wantErr(t, e.svc.SetTopicAttributes(ctx, e.root, arn+"x", "DisplayName", "x"), errs.NotFound, "Topic does not exist")

	if err := e.svc.DeleteTopic(ctx, e.root, arn); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.DeleteTopic(ctx, e.root, arn); err != nil {
		t.Fatalf("DeleteTopic of a deleted topic: %v", err)
	}
	_, err = e.svc.GetTopicAttributes(ctx, e.root, arn)
	wantErr(t, err, errs.NotFound, "Topic does not exist")
}

func TestListPaging(t *testing.T) {
	e := newEnv(t)
	var want []string
	for i := range 205 {
		want = append(want, e.topic(fmt.Sprintf("t%03d", i)))
	}
	var got []string
	token, pages := "", 0
	for {
		ts, next, err := e.svc.ListTopics(t.Context(), e.root, token)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, tp := range ts {
			got = append(got, tp.ARN)
		}
		if next == "" {
			break
		}
		token = next
	}
	if pages != 3 || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("%d pages, %d topics", pages, len(got))
	}
	// Another region sees none of them.
	west := authz.RootCaller(account, "us-west-2", "AKIAROOT")
	if ts, _, err := e.svc.ListTopics(t.Context(), west, ""); err != nil || len(ts) != 0 {
		t.Fatalf("ListTopics in us-west-2: %d, %v", len(ts), err)
	}
	_, _, err := e.svc.ListTopics(t.Context(), e.root, "garbage!")
	wantErr(t, err, errs.Validation, "Invalid parameter: NextToken")
}

func TestValidation(t *testing.T) {
	mail := smtptest.NewServer(t)
	e := newEnv(t, withMail(mail))
	ctx := t.Context()
	topic := e.topic("t")
	west := authz.RootCaller(account, "us-west-2", "AKIAROOT")
	cases := []struct {
		name string
		err  error
		code errs.Code
		msg  string
	}{
		{"topic-name", second(e.svc.CreateTopic(ctx, e.root, notify.CreateTopicInput{Name: "a b"})), errs.Validation, "Invalid parameter: Topic Name"},
		{"topic-name-long", second(e.svc.CreateTopic(ctx, e.root, notify.CreateTopicInput{Name: strings.Repeat("a", 257)})), errs.Validation, "Invalid parameter: Topic Name"},
		{"fifo-name", second(e.svc.CreateTopic(ctx, e.root, notify.CreateTopicInput{Name: "t.fifo"})), errs.Validation, "Invalid parameter: Topic Name"},
		{"fifo-attribute", second(e.svc.CreateTopic(ctx, e.root, notify.CreateTopicInput{Name: "f", Attributes: map[string]string{"FifoTopic": "true"}})), errs.Validation,
			"Invalid parameter: Attributes Reason: FIFO topics are not supported by this server."},
		{"signature-version-1", second(e.svc.CreateTopic(ctx, e.root, notify.CreateTopicInput{Name: "f", Attributes: map[string]string{"SignatureVersion": "1"}})), errs.Validation, "*"},
		{"display-name", second(e.svc.CreateTopic(ctx, e.root, notify.CreateTopicInput{Name: "f", Attributes: map[string]string{"DisplayName": "a\nb"}})), errs.Validation, "Invalid parameter: DisplayName"},
		{"duplicate-tags", second(e.svc.CreateTopic(ctx, e.root, notify.CreateTopicInput{Name: "f", Tags: []notify.Tag{{Key: "a"}, {Key: "a"}}})), errs.Validation, "Invalid parameter: Duplicated keys are not allowed."},
		{"arn-prefix", second(e.svc.GetTopicAttributes(ctx, e.root, "fake_topic")), errs.Validation, "Invalid parameter: TopicArn Reason: fake_topic does not start with arn"},
		{"arn-short", second(e.svc.GetTopicAttributes(ctx, e.root, "arn:aws:sns:us-east-1")), errs.Validation, "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 4"},
		{"arn-service", second(e.svc.GetTopicAttributes(ctx, e.root, "arn:aws:sqs:us-east-1:123456789012:t")), errs.Validation, "Invalid parameter: TopicArn"},
		{"arn-region", second(e.svc.GetTopicAttributes(ctx, west, topic)), errs.Validation, "Invalid parameter: TopicArn"},
		{"topic-missing", second(e.svc.GetTopicAttributes(ctx, e.root, topic+"2")), errs.NotFound, "Topic does not exist"},
		{"protocol", second(e.svc.Subscribe(ctx, e.root, notify.SubscribeInput{TopicARN: topic, Protocol: "carrier-pigeon", Endpoint: "x"})), errs.Validation,
			"Invalid parameter: Amazon SNS does not support this protocol string: carrier-pigeon"},
		{"protocol-sqs", second(e.svc.Subscribe(ctx, e.root, notify.SubscribeInput{TopicARN: topic, Protocol: "sqs", Endpoint: "arn:aws:sqs:us-east-1:123456789012:q"})), errs.Validation, "*"},
		{"endpoint-scheme", second(e.svc.Subscribe(ctx, e.root, notify.SubscribeInput{TopicARN: topic, Protocol: "https", Endpoint: "http://example.com/"})), errs.Validation,
			"Invalid parameter: Endpoint must match the specified protocol"},
		{"endpoint-empty", second(e.svc.Subscribe(ctx, e.root, notify.SubscribeInput{TopicARN: topic, Protocol: "http"})), errs.Validation, "Invalid parameter: Endpoint"},
		{"email-address", second(e.svc.Subscribe(ctx, e.root, notify.SubscribeInput{TopicARN: topic, Protocol: "email", Endpoint: "Ops <ops@example.com>"})), errs.Validation, "Invalid parameter: Email address"},
		{"email-raw", second(e.svc.Subscribe(ctx, e.root, notify.SubscribeInput{TopicARN: topic, Protocol: "email", Endpoint: "ops@example.com", Attributes: map[string]string{"RawMessageDelivery": "true"}})), errs.Validation,
			"Invalid parameter: Attributes Reason: Delivery protocol [email] does not support raw message delivery."},
		{"filter-policy", second(e.svc.Subscribe(ctx, e.root, notify.SubscribeInput{TopicARN: topic, Protocol: "http", Endpoint: "http://x/", Attributes: map[string]string{"FilterPolicy": "{}"}})), errs.Validation, "*"},
		{"subscribe-missing-topic", second(e.svc.Subscribe(ctx, e.root, notify.SubscribeInput{TopicARN: topic + "2", Protocol: "http", Endpoint: "http://x/"})), errs.NotFound, "Topic does not exist"},
		{"empty-message", second(e.svc.Publish(ctx, e.root, topic, "", "")), errs.Validation, "Invalid parameter: Empty message"},
		{"long-message", second(e.svc.Publish(ctx, e.root, topic, "", strings.Repeat("x", 256<<10+1))), errs.Validation, "Invalid parameter: Message too long"},
		{"subject-newline", second(e.svc.Publish(ctx, e.root, topic, "a\r\nBcc: x", "m")), errs.Validation, "Invalid parameter: Subject"},
		{"subject-long", second(e.svc.Publish(ctx, e.root, topic, strings.Repeat("s", 100), "m")), errs.Validation, "Invalid parameter: Subject"},
		{"publish-missing-topic", second(e.svc.Publish(ctx, e.root, topic+"2", "", "m")), errs.NotFound, "Topic does not exist"},
		{"no-target", second(e.svc.PublishMessage(ctx, e.root, &notify.PublishInput{Message: "m"})), errs.Validation, "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter"},
		{"phone", second(e.svc.PublishMessage(ctx, e.root, &notify.PublishInput{Message: "m", PhoneNumber: "+15555550100"})), errs.Validation, "*"},
		{"group-id", second(e.svc.PublishMessage(ctx, e.root, &notify.PublishInput{TopicARN: topic, Message: "m", MessageGroupID: "g"})), errs.Validation,
			"Invalid parameter: MessageGroupId Reason: The request includes MessageGroupId parameter that is not valid for this topic type"},
		{"structure-no-default", second(e.svc.PublishMessage(ctx, e.root, &notify.PublishInput{TopicARN: topic, Message: `{"http":"x"}`, MessageStructure: "json"})), errs.Validation,
			"Invalid parameter: Message Structure - No default entry in JSON message body"},
		{"structure-not-json", second(e.svc.PublishMessage(ctx, e.root, &notify.PublishInput{TopicARN: topic, Message: `x`, MessageStructure: "json"})), errs.Validation,
			"Invalid parameter: Message Structure - JSON message body failed to parse"},
		{"attribute-type", second(e.svc.PublishMessage(ctx, e.root, &notify.PublishInput{TopicARN: topic, Message: "m", MessageAttributes: map[string]notify.MessageAttribute{"a": {DataType: "Str", StringValue: "v"}}})),
			notify.CodeInvalidParameterValue, "The message attribute 'a' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String."},
		{"attribute-field", second(e.svc.PublishMessage(ctx, e.root, &notify.PublishInput{TopicARN: topic, Message: "m", MessageAttributes: map[string]notify.MessageAttribute{"a": {DataType: "String", BinaryValue: []byte{1}}}})),
			notify.CodeInvalidParameterValue, "The message attribute 'a' with type 'String' must use field 'String'."},
		{"attribute-empty", second(e.svc.PublishMessage(ctx, e.root, &notify.PublishInput{TopicARN: topic, Message: "m", MessageAttributes: map[string]notify.MessageAttribute{"a": {DataType: "Number"}}})),
			notify.CodeInvalidParameterValue, "The message attribute 'a' must contain non-empty message attribute value for message attribute type 'Number'."},
		{"attribute-name", second(e.svc.PublishMessage(ctx, e.root, &notify.PublishInput{TopicARN: topic, Message: "m", MessageAttributes: map[string]notify.MessageAttribute{"a..b": {DataType: "String", StringValue: "v"}}})),
			notify.CodeInvalidParameterValue, "Message attribute name can not have successive '.' character."},
		{"subscription-arn", e.svc.Unsubscribe(ctx, e.root, topic+":not-a-uuid"), errs.Validation, "Invalid parameter: SubscriptionId"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantErr(t, c.err, c.code, c.msg) })
	}
	// Unsubscribing what does not exist succeeds, as in SNS.
	if err := e.svc.Unsubscribe(ctx, e.root, topic+":8a21d249-4329-4871-acc6-7be709c6ea7f"); err != nil {
		t.Fatalf("Unsubscribe of an unknown subscription: %v", err)
	}
}

func second[T any](_ T, err error) error { return err }

// Access is decided by the Authorizer: sns:<Action> on the topic's ARN.
// PublishSystem needs no caller at all.
func TestAuthorization(t *testing.T) {
	ev := &authz.Evaluator{}
	e := newEnv(t, func(c *notify.Config) { c.Authorizer = ev })
	e.run(e.svc)
	r := newReceiver(t)
	topic := e.topic("alarms")
	sub := e.confirmHTTP(topic, r, nil)

	publisher := &authz.Caller{Type: authz.IAMUser, Account: account, Region: region, ARN: "arn:aws:iam::" + account + ":user/app",
		PrincipalID: "AIDAEXAMPLEEXAMPLE001", UserName: "app",
		IdentityPolicies: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sns:Publish","Resource":"` + topic + `"}]}`}}
	if _, err := e.svc.Publish(t.Context(), publisher, topic, "", "allowed"); err != nil {
		t.Fatalf("Publish allowed by an identity policy: %v", err)
	}
	r.next(t)
	_, err := e.svc.CreateTopic(t.Context(), publisher, notify.CreateTopicInput{Name: "other"})
	wantErr(t, err, errs.AccessDenied, "User: arn:aws:iam::"+account+":user/app is not authorized to perform: sns:CreateTopic on resource: arn:aws:sns:us-east-1:"+account+":other because no identity-based policy allows the sns:CreateTopic action")
	for name, err := range map[string]error{
		"GetTopicAttributes":           second(e.svc.GetTopicAttributes(t.Context(), publisher, topic)),
		"Subscribe":                    second(e.svc.Subscribe(t.Context(), publisher, notify.SubscribeInput{TopicARN: topic, Protocol: "http", Endpoint: "http://x/"})),
		"Unsubscribe":                  e.svc.Unsubscribe(t.Context(), publisher, sub),
		"DeleteTopic":                  e.svc.DeleteTopic(t.Context(), publisher, topic),
		"ListTopics":                   third(e.svc.ListTopics(t.Context(), publisher, "")),
		"ConfirmSubscription (signed)": second(e.svc.ConfirmSubscription(t.Context(), publisher, topic, "0000", "")),
	} {
		if !errs.Is(err, errs.AccessDenied) {
			t.Errorf("%s: %v, want AccessDenied", name, err)
		}
	}
	// Another account's root may not publish to the topic either.
	other := authz.RootCaller("210987654321", region, "AKIAOTHER")
	_, err = e.svc.Publish(t.Context(), other, topic, "", "m")
	wantErr(t, err, errs.AccessDenied, "*")
	// A nil caller is refused everywhere but in PublishSystem.
	_, err = e.svc.Publish(t.Context(), nil, topic, "", "m")
	wantErr(t, err, errs.AccessDenied, "*")

	id, err := e.svc.PublishSystem(t.Context(), topic, "Keyward alarm", "a disabled key was used")
	if err != nil {
		t.Fatalf("PublishSystem: %v", err)
	}
	got := r.next(t)
	if got.str("MessageId") != id || got.str("Subject") != "Keyward alarm" {
		t.Fatalf("system notification: %s", got.body)
	}
	_, err = e.svc.PublishSystem(t.Context(), topic+"-missing", "", "m")
	wantErr(t, err, errs.NotFound, "Topic does not exist")
	// The delivery records need a caller too.
	_, err = e.svc.Deliveries(t.Context(), publisher, notify.DeliveryFilter{TopicARN: topic})
	wantErr(t, err, errs.AccessDenied, "*")
}

func third[A, B any](_ A, _ B, err error) error { return err }
