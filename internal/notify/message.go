package notify

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/errs"
)

// This file renders what a subscriber receives. For http and https, SNS's
// JSON document (https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html)
// in the body of a POST with SNS's headers:
//
//	x-amz-sns-message-type: SubscriptionConfirmation | Notification
//	x-amz-sns-message-id: <MessageId>
//	x-amz-sns-topic-arn: <TopicArn>
//	x-amz-sns-subscription-arn: <SubscriptionArn>   (notifications only)
//	Content-Type: text/plain; charset=UTF-8
//
// For email, a plain-text mail (a link to confirm, or the message with a
// footer); for email-json, the JSON document as the mail's body. Each
// document is signed (SignatureVersion 2, see signing.go), and names the
// URLs on Keyward's own listener:
//
//	SubscribeURL    <public>/?Action=ConfirmSubscription&TopicArn=…&Token=…&Version=2010-03-31
//	UnsubscribeURL  <public>/?Action=Unsubscribe&SubscriptionArn=…&Version=2010-03-31
//	SigningCertURL  <public>/SimpleNotificationService-<key id>.pem
//
// The SubscribeURL works as an unsigned GET, as SNS's does (the server
// serves ConfirmSubscription, and only it, without a signature). Unlike
// SNS's, the UnsubscribeURL needs a signed request.

// Wire constants.
const (
	signatureVersion = "2"
	apiVersion       = "2010-03-31"
	// Subjects of the emails Keyward sends.
	confirmationSubject = "Keyward Notification - Subscription Confirmation"
	defaultSubject      = "Keyward Notification Message"
)

// message is one message before it is rendered for a subscriber.
type message struct {
	kind    string // KindSubscriptionConfirmation or KindNotification
	id      string
	topic   *Topic
	subject string
	body    string            // the message; for confirmations, set by render
	bodies  map[string]string // MessageStructure "json": a message per protocol
	attrs   map[string]MessageAttribute
	token   string // confirmations
	time    time.Time
}

// textFor is the message a subscriber of protocol receives.
func (m *message) textFor(protocol string) string {
	if t, ok := m.bodies[protocol]; ok {
		return t
	}
	return m.body
}

// payload is a rendered message: what a Delivery seals.
type payload struct {
	V        int               `json:"v"`
	Header   map[string]string `json:"h,omitempty"` // http, https
	Subject  string            `json:"s,omitempty"` // email, email-json
	FromName string            `json:"f,omitempty"` // email, email-json
	Body     string            `json:"b"`
}

// payloadVersion is the version of the sealed payload format.
const payloadVersion = 1

// document is SNS's JSON message. Field order is SNS's.
type document struct {
	Type              string                   `json:"Type"`
	MessageID         string                   `json:"MessageId"`
	Token             string                   `json:"Token,omitempty"`
	TopicARN          string                   `json:"TopicArn"`
	Subject           string                   `json:"Subject,omitempty"`
	Message           string                   `json:"Message"`
	SubscribeURL      string                   `json:"SubscribeURL,omitempty"`
	Timestamp         string                   `json:"Timestamp"`
	SignatureVersion  string                   `json:"SignatureVersion"`
	Signature         string                   `json:"Signature"`
	SigningCertURL    string                   `json:"SigningCertURL"`
	UnsubscribeURL    string                   `json:"UnsubscribeURL,omitempty"`
	MessageAttributes map[string]attributeJSON `json:"MessageAttributes,omitempty"`
}

// attributeJSON is a message attribute in a notification.
type attributeJSON struct {
	Type  string `json:"Type"`
	Value string `json:"Value"`
}

// timestampFormat is SNS's Timestamp: UTC with milliseconds.
const timestampFormat = "2006-01-02T15:04:05.000Z"

// CanonicalString is the string SNS signs for a message (SignatureVersion
// 1 and 2 alike): each of the fields below present in the message, in
// this order, as "Name\nValue\n". fields holds the message's fields by
// their JSON names. Notifications sign Message, MessageId, Subject (when
// present), Timestamp, TopicArn and Type; confirmations sign Message,
// MessageId, SubscribeURL, Timestamp, Token, TopicArn and Type.
func CanonicalString(fields map[string]string) string {
	names := []string{"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"}
	if fields["Type"] == KindNotification {
		names = []string{"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"}
	}
	var b strings.Builder
	for _, n := range names {
		v, ok := fields[n]
		if !ok {
			continue
		}
		b.WriteString(n + "\n" + v + "\n")
	}
	return b.String()
}

func (d *document) fields() map[string]string {
	f := map[string]string{"Message": d.Message, "MessageId": d.MessageID, "Timestamp": d.Timestamp,
		"TopicArn": d.TopicARN, "Type": d.Type}
	if d.Subject != "" {
		f["Subject"] = d.Subject
	}
	if d.Type != KindNotification {
		f["SubscribeURL"], f["Token"] = d.SubscribeURL, d.Token
	}
	return f
}

// base returns the public URL receivers reach Keyward at, without a
// trailing slash.
func (s *Service) base() (string, error) {
	b := strings.TrimRight(s.publicURL(), "/")
	if b == "" {
		return "", errs.Wrap(errs.Internal, "", errors.New("notify: the server has no public URL yet"))
	}
	return b, nil
}

func subscribeURL(base, topicARN, token string) string {
	return base + "/?Action=ConfirmSubscription&TopicArn=" + url.QueryEscape(topicARN) +
		"&Token=" + url.QueryEscape(token) + "&Version=" + apiVersion
}

func unsubscribeURL(base, subscriptionARN string) string {
	return base + "/?Action=Unsubscribe&SubscriptionArn=" + url.QueryEscape(subscriptionARN) + "&Version=" + apiVersion
}

func confirmationText(topicARN string) string {
	return "You have chosen to subscribe to the topic " + topicARN +
		".\nTo confirm the subscription, visit the SubscribeURL included in this message."
}

// render renders m for sub.
func (s *Service) render(ctx context.Context, m *message, sub *Subscription) (*payload, error) {
	base, err := s.base()
	if err != nil {
		return nil, err
	}
	text := m.textFor(sub.Protocol)
	if m.kind == KindSubscriptionConfirmation {
		text = confirmationText(m.topic.ARN)
	}
	p := &payload{V: payloadVersion}
	switch sub.Protocol {
	case ProtocolHTTP, ProtocolHTTPS:
		p.Header = map[string]string{
			"Content-Type":           "text/plain; charset=UTF-8",
			"x-amz-sns-message-type": m.kind,
			"x-amz-sns-message-id":   m.id,
			"x-amz-sns-topic-arn":    m.topic.ARN,
		}
		if m.kind == KindNotification {
			p.Header["x-amz-sns-subscription-arn"] = sub.ARN
			if sub.RawMessageDelivery {
				p.Header["x-amz-sns-rawdelivery"] = "true"
				p.Body = text
				return p, nil
			}
		}
		p.Body, err = s.document(ctx, base, m, sub, text)
	case ProtocolEmail:
		p.FromName, p.Subject = m.topic.DisplayName, m.emailSubject()
		if m.kind == KindSubscriptionConfirmation {
			p.Body = "You have chosen to subscribe to the topic:\n" + m.topic.ARN +
				"\n\nTo confirm this subscription, visit the link below (if this was in error, no action is necessary):\n" +
				subscribeURL(base, m.topic.ARN, m.token) + "\n"
		} else {
			p.Body = text + "\n\n--\n" + unsubscribeFooter(base, sub)
		}
	case ProtocolEmailJSON:
		p.FromName, p.Subject = m.topic.DisplayName, m.emailSubject()
		p.Body, err = s.document(ctx, base, m, sub, text)
	default:
		err = fmt.Errorf("notify: cannot render for protocol %q", sub.Protocol)
	}
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "", err)
	}
	return p, nil
}

func (m *message) emailSubject() string {
	switch {
	case m.kind == KindSubscriptionConfirmation:
		return confirmationSubject
	case m.subject != "":
		return m.subject
	}
	return defaultSubject
}

func unsubscribeFooter(base string, sub *Subscription) string {
	return "You receive this email because " + sub.Endpoint + " is subscribed to the topic " + sub.TopicARN +
		" on the Keyward server at " + base + ".\nTo stop, unsubscribe with a signed request, for example:\n" +
		"  aws sns unsubscribe --endpoint-url " + base + " --region " + sub.Region + " --subscription-arn " + sub.ARN + "\n"
}

// document renders and signs SNS's JSON document of m for sub.
func (s *Service) document(ctx context.Context, base string, m *message, sub *Subscription, text string) (string, error) {
	sg, err := s.currentSigner(ctx)
	if err != nil {
		return "", err
	}
	d := &document{
		Type:             m.kind,
		MessageID:        m.id,
		TopicARN:         m.topic.ARN,
		Message:          text,
		Timestamp:        m.time.UTC().Format(timestampFormat),
		SignatureVersion: signatureVersion,
		SigningCertURL:   base + "/" + certPath(sg.id),
	}
	if m.kind == KindSubscriptionConfirmation {
		d.Token, d.SubscribeURL = m.token, subscribeURL(base, m.topic.ARN, m.token)
	} else {
		d.Subject, d.UnsubscribeURL = m.subject, unsubscribeURL(base, sub.ARN)
		if len(m.attrs) > 0 {
			d.MessageAttributes = make(map[string]attributeJSON, len(m.attrs))
			for name, a := range m.attrs {
				v := a.StringValue
				if strings.HasPrefix(a.DataType, "Binary") {
					v = base64.StdEncoding.EncodeToString(a.BinaryValue)
				}
				d.MessageAttributes[name] = attributeJSON{Type: a.DataType, Value: v}
			}
		}
	}
	if d.Signature, err = sg.sign(CanonicalString(d.fields())); err != nil {
		return "", err
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// newDelivery renders m for sub and returns the sealed, pending delivery.
func (s *Service) newDelivery(ctx context.Context, m *message, sub *Subscription) (*Delivery, error) {
	p, err := s.render(ctx, m, sub)
	if err != nil {
		return nil, err
	}
	plain, err := json.Marshal(p)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "", err)
	}
	d := &Delivery{
		ID: newUUID(), MessageID: m.id, TopicARN: m.topic.ARN, SubscriptionARN: sub.ARN,
		Kind: m.kind, Protocol: sub.Protocol, State: StatePending,
		NextAttempt: m.time, Created: m.time,
	}
	d.Sealed, err = s.seal.Seal(deliveryAAD(d.ID), plain)
	clear(plain)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "", err)
	}
	return d, nil
}

// openPayload unseals a delivery's payload.
func (s *Service) openPayload(d *Delivery) (*payload, error) {
	plain, err := s.seal.Open(deliveryAAD(d.ID), d.Sealed)
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	var p payload
	if err := json.Unmarshal(plain, &p); err != nil {
		return nil, err
	}
	if p.V != payloadVersion {
		return nil, fmt.Errorf("notify: payload version %d", p.V)
	}
	return &p, nil
}

func deliveryAAD(id string) []byte { return []byte("keyward/sns-delivery/v1/" + id) }
