package server_test

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/notify"
)

// snsAs returns an SNS client signing with creds in region.
func (e *env) snsAs(creds aws.Credentials, region string) *sns.Client {
	return sns.New(sns.Options{Region: region, BaseEndpoint: aws.String(e.endpoint()), Retryer: aws.NopRetryer{},
		Credentials: credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken)})
}

// snsMessage is one POST an SNS subscriber received.
type snsMessage struct {
	header http.Header
	body   string
	doc    map[string]any
}

func (m *snsMessage) str(k string) string {
	s, _ := m.doc[k].(string)
	return s
}

// subscriber is an HTTP endpoint that behaves as an SNS receiver should:
// it verifies every message's signature with the certificate fetched from
// its SigningCertURL, and confirms subscriptions by following SubscribeURL
// with a plain, unsigned GET. It answers notifications with the statuses
// queued by respond (200 once they run out).
type subscriber struct {
	*httptest.Server
	t        *testing.T
	keyward  string // Keyward's base URL: SubscribeURL and SigningCertURL must point there
	got      chan *snsMessage
	mu       sync.Mutex
	statuses []int
	// confirmed receives the SubscriptionArn of each confirmation made.
	confirmed chan string
}

func newSubscriber(t *testing.T, e *env) *subscriber {
	s := &subscriber{t: t, keyward: e.endpoint(), got: make(chan *snsMessage, 100), confirmed: make(chan string, 10)}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(s.Close)
	return s
}

func (s *subscriber) respond(statuses ...int) {
	s.mu.Lock()
	s.statuses = append(s.statuses, statuses...)
	s.mu.Unlock()
}

func (s *subscriber) handle(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	m := &snsMessage{header: r.Header.Clone(), body: string(b)}
	if err := json.Unmarshal(b, &m.doc); err != nil {
		s.t.Errorf("subscriber: body is not JSON: %v", err)
	}
	if err := s.verify(m); err != nil {
		s.t.Errorf("subscriber: %s message does not verify: %v", m.str("Type"), err)
	}
	status := http.StatusOK
	if m.str("Type") == "SubscriptionConfirmation" {
		arn, err := s.confirm(m.str("SubscribeURL"))
		if err != nil {
			s.t.Errorf("subscriber: confirming: %v", err)
			status = http.StatusInternalServerError
		} else {
			s.confirmed <- arn
		}
	} else {
		s.mu.Lock()
		if len(s.statuses) > 0 {
			status, s.statuses = s.statuses[0], s.statuses[1:]
		}
		s.mu.Unlock()
	}
	s.got <- m
	w.WriteHeader(status)
}

// verify fetches the certificate named by SigningCertURL (from Keyward,
// without credentials) and checks the message's signature with it.
func (s *subscriber) verify(m *snsMessage) error {
	certURL := m.str("SigningCertURL")
	if !strings.HasPrefix(certURL, s.keyward+"/SimpleNotificationService-") || !strings.HasSuffix(certURL, ".pem") {
		return &url.Error{Op: "SigningCertURL", URL: certURL, Err: io.ErrUnexpectedEOF}
	}
	resp, err := http.Get(certURL)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	pem, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	for k, v := range m.doc {
		if str, ok := v.(string); ok {
			fields[k] = str
		}
	}
	return notify.VerifySignature(fields, pem)
}

// confirm follows a SubscribeURL with a plain GET, as a subscriber does.
func (s *subscriber) confirm(subscribeURL string) (string, error) {
	if !strings.HasPrefix(subscribeURL, s.keyward+"/?Action=ConfirmSubscription&") {
		return "", &url.Error{Op: "SubscribeURL", URL: subscribeURL, Err: io.ErrUnexpectedEOF}
	}
	resp, err := http.Get(subscribeURL)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		Result struct {
			SubscriptionArn string
		} `xml:"ConfirmSubscriptionResult"`
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", &url.Error{Op: "GET " + resp.Status, URL: subscribeURL, Err: io.EOF}
	}
	if err := xml.Unmarshal(b, &out); err != nil {
		return "", err
	}
	return out.Result.SubscriptionArn, nil
}

func (s *subscriber) next(t *testing.T) *snsMessage {
	t.Helper()
	select {
	case m := <-s.got:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("the subscriber got nothing")
		return nil
	}
}

func (s *subscriber) none(t *testing.T) {
	t.Helper()
	select {
	case m := <-s.got:
		t.Fatalf("unexpected message: %s", m.body)
	case <-time.After(300 * time.Millisecond):
	}
}

// subscribe subscribes the subscriber to topic and waits until it has
// confirmed; it returns the subscription's ARN.
func (s *subscriber) subscribe(t *testing.T, c *sns.Client, topic string) string {
	t.Helper()
	out := must[*sns.SubscribeOutput](t)(c.Subscribe(ctx, &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("http"), Endpoint: aws.String(s.URL + "/sns")}))
	if aws.ToString(out.SubscriptionArn) != "pending confirmation" {
		t.Fatalf("Subscribe: %s", aws.ToString(out.SubscriptionArn))
	}
	if m := s.next(t); m.str("Type") != "SubscriptionConfirmation" || m.header.Get("X-Amz-Sns-Message-Type") != "SubscriptionConfirmation" {
		t.Fatalf("first message: %v %s", m.header, m.body)
	}
	select {
	case arn := <-s.confirmed:
		return arn
	case <-time.After(10 * time.Second):
		t.Fatal("no confirmation")
		return ""
	}
}

// deliveries returns the delivery records of a topic, as the operator sees
// them.
func (e *env) deliveries(t *testing.T, topic string) []*notify.Delivery {
	t.Helper()
	ds, err := e.srv.Notify().Deliveries(ctx, authz.RootCaller("000000000000", "us-east-1", "test"), notify.DeliveryFilter{TopicARN: topic})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// finished waits for the delivery of message id to finish.
func (e *env) finished(t *testing.T, topic, id string) *notify.Delivery {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, d := range e.deliveries(t, topic) {
			if d.MessageID == id && d.State != notify.StatePending {
				return d
			}
		}
	}
	t.Fatalf("the delivery of %s did not finish", id)
	return nil
}

func TestSNSEndToEnd(t *testing.T) {
	e := start(t, "")
	c := e.snsAs(devRoot, "us-east-1")

	out := must[*sns.CreateTopicOutput](t)(c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("key-alarms"),
		Attributes: map[string]string{"DisplayName": "Key alarms"}, Tags: []snstypes.Tag{{Key: aws.String("team"), Value: aws.String("sec")}}}))
	topic := aws.ToString(out.TopicArn)
	if topic != "arn:aws:sns:us-east-1:000000000000:key-alarms" {
		t.Fatalf("TopicArn %s", topic)
	}
	again := must[*sns.CreateTopicOutput](t)(c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("key-alarms")}))
	if aws.ToString(again.TopicArn) != topic {
		t.Fatalf("CreateTopic is not idempotent: %s", aws.ToString(again.TopicArn))
	}
	attrs := must[*sns.GetTopicAttributesOutput](t)(c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(topic)})).Attributes
	if attrs["TopicArn"] != topic || attrs["Owner"] != "000000000000" || attrs["DisplayName"] != "Key alarms" ||
		attrs["SubscriptionsPending"] != "0" || !strings.Contains(attrs["Policy"], `"AWS:SourceOwner":"000000000000"`) {
		t.Fatalf("GetTopicAttributes: %v", attrs)
	}
	must[*sns.SetTopicAttributesOutput](t)(c.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: aws.String(topic),
		AttributeName: aws.String("DisplayName"), AttributeValue: aws.String("KMS alarms")}))
	topics := must[*sns.ListTopicsOutput](t)(c.ListTopics(ctx, &sns.ListTopicsInput{})).Topics
	if len(topics) != 1 || aws.ToString(topics[0].TopicArn) != topic {
		t.Fatalf("ListTopics: %+v", topics)
	}

	// Subscribe an HTTP endpoint: it verifies the confirmation's signature
	// and confirms by following SubscribeURL, unsigned.
	sub := newSubscriber(t, e)
	subARN := sub.subscribe(t, c, topic)
	if !strings.HasPrefix(subARN, topic+":") {
		t.Fatalf("confirmed subscription ARN %q", subARN)
	}
	subs := must[*sns.ListSubscriptionsByTopicOutput](t)(c.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(topic)})).Subscriptions
	if len(subs) != 1 || aws.ToString(subs[0].SubscriptionArn) != subARN || aws.ToString(subs[0].Protocol) != "http" ||
		aws.ToString(subs[0].Endpoint) != sub.URL+"/sns" || aws.ToString(subs[0].Owner) != "000000000000" {
		t.Fatalf("ListSubscriptionsByTopic: %+v", subs)
	}

	// Publish: a signed Notification arrives.
	pub := must[*sns.PublishOutput](t)(c.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topic), Subject: aws.String("Key used while disabled"),
		Message:           aws.String("Encrypt with arn:aws:kms:us-east-1:000000000000:key/1234 failed: DisabledException"),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{"severity": {DataType: aws.String("String"), StringValue: aws.String("high")}}}))
	id := aws.ToString(pub.MessageId)
	m := sub.next(t)
	if m.str("Type") != "Notification" || m.str("MessageId") != id || m.str("Subject") != "Key used while disabled" ||
		!strings.Contains(m.str("Message"), "DisabledException") || m.header.Get("X-Amz-Sns-Subscription-Arn") != subARN ||
		m.header.Get("X-Amz-Sns-Message-Id") != id || m.header.Get("X-Amz-Sns-Topic-Arn") != topic {
		t.Fatalf("notification: %v %s", m.header, m.body)
	}
	if ma, _ := m.doc["MessageAttributes"].(map[string]any); ma["severity"] == nil {
		t.Fatalf("notification without its attributes: %s", m.body)
	}
	if d := e.finished(t, topic, id); d.State != notify.StateDelivered || d.Attempts != 1 || d.LastStatus != 200 {
		t.Fatalf("delivery: %+v", d)
	}

	// The endpoint fails twice with 500: the third (immediate) retry succeeds.
	sub.respond(500, 500)
	id = aws.ToString(must[*sns.PublishOutput](t)(c.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("retry me")})).MessageId)
	for range 3 {
		if m := sub.next(t); m.str("MessageId") != id {
			t.Fatalf("retry carries MessageId %s, want %s", m.str("MessageId"), id)
		}
	}
	if d := e.finished(t, topic, id); d.State != notify.StateDelivered || d.Attempts != 3 || d.LastStatus != 200 {
		t.Fatalf("delivery after retries: %+v", d)
	}

	// A 400 is final: the failure is recorded, nothing is retried.
	sub.respond(400)
	id = aws.ToString(must[*sns.PublishOutput](t)(c.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("refused")})).MessageId)
	sub.next(t)
	if d := e.finished(t, topic, id); d.State != notify.StateFailed || d.Attempts != 1 || d.LastStatus != 400 || d.LastError != "the endpoint answered HTTP 400" {
		t.Fatalf("refused delivery: %+v", d)
	}
	sub.none(t)

	// Keyward's own alarms publish without a caller.
	id = must[string](t)(e.srv.Notify().PublishSystem(ctx, topic, "Keyward alarm", "a key pending deletion was used"))
	if m := sub.next(t); m.str("MessageId") != id || m.str("Subject") != "Keyward alarm" {
		t.Fatalf("system notification: %s", m.body)
	}

	// Unsubscribe: no more messages.
	must[*sns.UnsubscribeOutput](t)(c.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(subARN)}))
	if all := must[*sns.ListSubscriptionsOutput](t)(c.ListSubscriptions(ctx, &sns.ListSubscriptionsInput{})).Subscriptions; len(all) != 0 {
		t.Fatalf("ListSubscriptions after Unsubscribe: %+v", all)
	}
	must[*sns.PublishOutput](t)(c.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("nobody listens")}))
	sub.none(t)

	must[*sns.DeleteTopicOutput](t)(c.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: aws.String(topic)}))
	_, err := c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(topic)})
	apiErr(t, err, "NotFound", "Topic does not exist")
}

func TestSNSPendingAndPersistence(t *testing.T) {
	e := start(t, "")
	c := e.snsAs(devRoot, "eu-west-1")
	topic := aws.ToString(must[*sns.CreateTopicOutput](t)(c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("t")})).TopicArn)
	// An endpoint that never confirms stays pending.
	lazy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer lazy.Close()
	out := must[*sns.SubscribeOutput](t)(c.Subscribe(ctx, &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("http"),
		Endpoint: aws.String(lazy.URL), ReturnSubscriptionArn: true}))
	pendingARN := aws.ToString(out.SubscriptionArn)
	if !strings.HasPrefix(pendingARN, topic+":") {
		t.Fatalf("Subscribe with ReturnSubscriptionArn: %s", pendingARN)
	}
	sub := newSubscriber(t, e)
	confirmed := sub.subscribe(t, c, topic)

	check := func(c *sns.Client) {
		t.Helper()
		subs := must[*sns.ListSubscriptionsOutput](t)(c.ListSubscriptions(ctx, &sns.ListSubscriptionsInput{})).Subscriptions
		got := map[string]string{}
		for _, s := range subs {
			got[aws.ToString(s.Endpoint)] = aws.ToString(s.SubscriptionArn)
		}
		if len(subs) != 2 || got[lazy.URL] != "PendingConfirmation" || got[sub.URL+"/sns"] != confirmed {
			t.Fatalf("ListSubscriptions: %v", got)
		}
		attrs := must[*sns.GetTopicAttributesOutput](t)(c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(topic)})).Attributes
		if attrs["SubscriptionsConfirmed"] != "1" || attrs["SubscriptionsPending"] != "1" {
			t.Fatalf("counts: %v", attrs)
		}
	}
	check(c)
	// Topics live in their region.
	if ts := must[*sns.ListTopicsOutput](t)(e.snsAs(devRoot, "us-east-1").ListTopics(ctx, &sns.ListTopicsInput{})).Topics; len(ts) != 0 {
		t.Fatalf("us-east-1 lists %+v", ts)
	}

	// After a restart: the same topics, subscriptions and signing key.
	e = e.restart()
	sub.keyward = e.endpoint()
	c = e.snsAs(devRoot, "eu-west-1")
	check(c)
	id := aws.ToString(must[*sns.PublishOutput](t)(c.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("after restart")})).MessageId)
	if m := sub.next(t); m.str("MessageId") != id {
		t.Fatalf("after the restart: %s", m.body)
	}
}

// Only ConfirmSubscription is served unsigned, and only as a GET.
func TestSNSUnsignedRequests(t *testing.T) {
	e := start(t, "")
	c := e.snsAs(devRoot, "us-east-1")
	topic := aws.ToString(must[*sns.CreateTopicOutput](t)(c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("t")})).TopicArn)
	base := e.endpoint() + "/?Version=2010-03-31&TopicArn=" + url.QueryEscape(topic)
	get := func(u string) (int, string) {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, c := range []struct {
		name, url string
		status    int
		want      string
	}{
		{"confirm-bad-token", base + "&Action=ConfirmSubscription&Token=00", 400,
			`<Code>InvalidParameter</Code><Message>Invalid parameter: Token</Message>`},
		{"confirm-other-region", strings.Replace(base, "us-east-1", "us-west-2", 1) + "&Action=ConfirmSubscription&Token=00", 400, "<Code>InvalidParameter</Code>"},
		{"list-topics", base + "&Action=ListTopics", 403, "<Code>MissingAuthenticationToken</Code>"},
		{"get-topic-attributes", base + "&Action=GetTopicAttributes", 403, "<Code>MissingAuthenticationToken</Code>"},
		{"publish", base + "&Action=Publish&Message=m", 403, "<Code>MissingAuthenticationToken</Code>"},
		{"unsubscribe", e.endpoint() + "/?Version=2010-03-31&Action=Unsubscribe&SubscriptionArn=" + url.QueryEscape(topic+":8a21d249-4329-4871-acc6-7be709c6ea7f"), 403, "<Code>MissingAuthenticationToken</Code>"},
		{"signing-cert-unknown", e.endpoint() + "/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem", 404, "no such certificate"},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, body := get(c.url)
			if status != c.status || !strings.Contains(body, c.want) {
				t.Fatalf("%d %s, want %d with %s", status, body, c.status, c.want)
			}
			if strings.Contains(c.want, "<Code>") && !strings.Contains(body, `xmlns="http://sns.amazonaws.com/doc/2010-03-31/"`) {
				t.Fatalf("not an SNS error: %s", body)
			}
		})
	}
	// A form POST of ConfirmSubscription needs a signature.
	resp, err := http.PostForm(e.endpoint()+"/", url.Values{"Action": {"ConfirmSubscription"}, "Version": {"2010-03-31"}, "TopicArn": {topic}, "Token": {"00"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("unsigned POST ConfirmSubscription: %d", resp.StatusCode)
	}
	// A bad signature is not "no signature": it is refused as such, not
	// served anonymously.
	req, _ := http.NewRequest(http.MethodGet, base+"&Action=ConfirmSubscription&Token=00", nil)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=00")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(b), "InvalidParameter") || !strings.Contains(string(b), "Signature") {
		t.Fatalf("badly signed ConfirmSubscription: %d %s", resp.StatusCode, b)
	}
}

func TestSNSErrors(t *testing.T) {
	e := start(t, "")
	c := e.snsAs(devRoot, "us-east-1")
	topic := aws.ToString(must[*sns.CreateTopicOutput](t)(c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("t")})).TopicArn)

	_, err := c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("no spaces")})
	apiErr(t, err, "InvalidParameter", "Invalid parameter: Topic Name")
	_, err = c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(topic + "-gone")})
	apiErr(t, err, "NotFound", "Topic does not exist")
	_, err = c.Publish(ctx, &sns.PublishInput{TopicArn: aws.String("fake_topic"), Message: aws.String("hello")})
	apiErr(t, err, "InvalidParameter", "Invalid parameter: TopicArn Reason: fake_topic does not start with arn")
	_, err = c.Subscribe(ctx, &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("email"), Endpoint: aws.String("ops@example.com")})
	apiErr(t, err, "InvalidParameter", "Email delivery is not configured on this server.")
	_, err = c.Subscribe(ctx, &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("https"), Endpoint: aws.String("http://example.com/")})
	apiErr(t, err, "InvalidParameter", "Invalid parameter: Endpoint must match the specified protocol")
	_, err = c.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("m"),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{"a": {DataType: aws.String("Strin"), StringValue: aws.String("v")}}})
	apiErr(t, err, "ParameterValueInvalid", "The message attribute 'a' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.")
	_, err = c.TagResource(ctx, &sns.TagResourceInput{ResourceArn: aws.String(topic), Tags: []snstypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	apiErr(t, err, "UnsupportedOperation", "*")

	// An IAM user without an SNS policy is refused; with one, allowed.
	bob := newUser(t, e.iamAs(devRoot), "/", "bob", "")
	_, err = e.snsAs(bob, "us-east-1").Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("m")})
	apiErr(t, err, "AuthorizationError", "User: arn:aws:iam::000000000000:user/bob is not authorized to perform: sns:Publish on resource: "+topic+
		" because no identity-based policy allows the sns:Publish action")
	must[*iam.PutUserPolicyOutput](t)(e.iamAs(devRoot).PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sns:Publish","Resource":"` + topic + `"}]}`)}))
	must[*sns.PublishOutput](t)(e.snsAs(bob, "us-east-1").Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("m")}))
	_, err = e.snsAs(bob, "us-east-1").DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: aws.String(topic)})
	apiErr(t, err, "AuthorizationError", "*")
}
