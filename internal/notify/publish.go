package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
)

// PublishInput is what PublishMessage takes: SNS's Publish request.
type PublishInput struct {
	TopicARN  string
	TargetARN string // SNS accepts a topic's ARN here too
	// PhoneNumber (SMS) is not supported: a request with one is refused.
	PhoneNumber string
	Subject     string // optional: email subject and the notification's Subject
	Message     string
	// MessageStructure "json" makes Message a JSON object of messages by
	// protocol, with a "default" for the others.
	MessageStructure  string
	MessageAttributes map[string]MessageAttribute
	// MessageGroupID and MessageDeduplicationID belong to FIFO topics,
	// which are not supported: a request with one is refused.
	MessageGroupID         string
	MessageDeduplicationID string
}

// MessageAttribute is a message attribute: DataType String, Number or
// Binary, optionally with a ".suffix" (e.g. String.Array), and the value in
// StringValue or, for Binary, BinaryValue.
type MessageAttribute struct {
	DataType    string
	StringValue string
	BinaryValue []byte
}

// Limits.
const (
	// maxMessageSize bounds a message with its attributes, as in SNS.
	maxMessageSize = 256 << 10
	// maxAttributes is SNS's limit of message attributes.
	maxAttributes = 10
)

// Publish publishes message (with an optional subject) to a topic on
// behalf of c, who must be allowed sns:Publish on it, and returns the
// message's ID. Every confirmed subscriber gets it through the delivery
// queue; Publish returns once the deliveries are stored, not delivered.
func (s *Service) Publish(ctx context.Context, c *authz.Caller, topicARN, subject, message string) (string, error) {
	return s.PublishMessage(ctx, c, &PublishInput{TopicARN: topicARN, Subject: subject, Message: message})
}

// PublishMessage is Publish with everything SNS's Publish takes.
func (s *Service) PublishMessage(ctx context.Context, c *authz.Caller, in *PublishInput) (string, error) {
	if c == nil {
		return "", errs.E(errs.AccessDenied, "not authorized")
	}
	return s.publish(ctx, c, in)
}

// PublishSystem publishes to a topic on behalf of Keyward itself, without
// a caller and so without authorization: Keyward's built-in alarms notify
// the topic the operator configured through it. It is for in-process
// callers only; no API reaches it. The topic must exist; everything else
// is as Publish.
func (s *Service) PublishSystem(ctx context.Context, topicARN, subject, message string) (string, error) {
	return s.publish(ctx, nil, &PublishInput{TopicARN: topicARN, Subject: subject, Message: message})
}

// publish publishes on behalf of c, or of the system when c is nil.
func (s *Service) publish(ctx context.Context, c *authz.Caller, in *PublishInput) (string, error) {
	m, arn, param, err := checkPublish(in)
	if err != nil {
		return "", err
	}
	p, err := parseTopicARN(c, param, arn)
	if err != nil {
		return "", err
	}
	noteTopic(ctx, arn, p.account)
	if c != nil {
		if err := s.authorize(ctx, c, "sns:Publish", arn, p.account); err != nil {
			return "", err
		}
	}
	t, err := s.store.GetTopic(ctx, arn)
	if errs.Is(err, errs.NotFound) {
		return "", topicNotFound()
	}
	if err != nil {
		return "", err
	}
	m.kind, m.id, m.topic, m.time = KindNotification, newUUID(), t, s.now()
	var ds []*Delivery
	after := ""
	for {
		subs, err := s.store.ListTopicSubscriptions(ctx, arn, after, 1000)
		if err != nil {
			return "", err
		}
		for _, sub := range subs {
			if sub.Pending() {
				continue
			}
			d, err := s.newDelivery(ctx, m, sub)
			if err != nil {
				return "", err
			}
			ds = append(ds, d)
		}
		if len(subs) < 1000 {
			break
		}
		after = subs[len(subs)-1].ARN
	}
	if len(ds) > 0 {
		if err := s.store.EnqueueDeliveries(ctx, ds); err != nil {
			return "", err
		}
		s.wake.wake()
	}
	s.log.Info("sns message published", "topic", arn, "message_id", m.id, "deliveries", len(ds), "system", c == nil)
	return m.id, nil
}

// checkPublish validates a Publish request as SNS does and returns the
// message, the topic's ARN and the parameter that named it.
func checkPublish(in *PublishInput) (m *message, arn, param string, err error) {
	if in.Message == "" {
		return nil, "", "", invalid("Empty message")
	}
	if in.PhoneNumber != "" {
		return nil, "", "", invalid("PhoneNumber Reason: SMS is not supported by this server")
	}
	if err := checkAttributes(in.MessageAttributes); err != nil {
		return nil, "", "", err
	}
	if publishSize(in) > maxMessageSize {
		return nil, "", "", invalid("Message too long")
	}
	switch {
	case in.TopicARN != "" && in.TargetARN != "":
		return nil, "", "", invalid("TopicArn or TargetArn Reason: Only one of TopicArn and TargetArn may be given")
	case in.TopicARN != "":
		arn, param = in.TopicARN, "TopicArn"
	case in.TargetARN != "":
		arn, param = in.TargetARN, "TargetArn"
	default:
		return nil, "", "", invalid("TopicArn or TargetArn Reason: no value for required parameter")
	}
	if in.MessageDeduplicationID != "" {
		return nil, "", "", invalid("MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type")
	}
	if in.MessageGroupID != "" {
		return nil, "", "", invalid("MessageGroupId Reason: The request includes MessageGroupId parameter that is not valid for this topic type")
	}
	if in.Subject != "" && !validSubject(in.Subject) {
		return nil, "", "", invalid("Subject")
	}
	m = &message{subject: in.Subject, body: in.Message, attrs: in.MessageAttributes}
	switch in.MessageStructure {
	case "":
	case "json":
		var v map[string]any
		if err := json.Unmarshal([]byte(in.Message), &v); err != nil {
			return nil, "", "", invalid("Message Structure - JSON message body failed to parse")
		}
		// Only string values count; others are ignored, as in SNS.
		m.bodies = map[string]string{}
		for k, x := range v {
			if str, ok := x.(string); ok {
				m.bodies[k] = str
			}
		}
		def, ok := m.bodies["default"]
		if !ok {
			return nil, "", "", invalid("Message Structure - No default entry in JSON message body")
		}
		m.body = def
	default:
		return nil, "", "", invalid("MessageStructure")
	}
	return m, arn, param, nil
}

// validSubject is SNS's rule: ASCII text that begins with a letter, digit
// or punctuation mark, with no line breaks or control characters, shorter
// than 100 characters. It keeps email headers safe too.
func validSubject(s string) bool {
	if len(s) >= 100 || s[0] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// publishSize counts the message and every part of its attributes, as
// SNS does.
func publishSize(in *PublishInput) int {
	n := len(in.Message)
	for name, a := range in.MessageAttributes {
		n += len(name) + len(a.DataType) + len(a.StringValue) + len(a.BinaryValue)
	}
	return n
}

var (
	attrNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)
	attrTypeRE = regexp.MustCompile(`^(String|Number|Binary)(\..+)?$`)
)

// checkAttributes validates message attributes with SNS's messages
// (ParameterValueInvalid).
func checkAttributes(attrs map[string]MessageAttribute) error {
	bad := func(format string, args ...any) error {
		return errs.Ef(CodeInvalidParameterValue, format, args...)
	}
	if len(attrs) > maxAttributes {
		return bad("Number of message attributes [%d] exceeds the allowed maximum [%d].", len(attrs), maxAttributes)
	}
	for name, a := range attrs {
		switch {
		case name == "":
			return bad("The message attribute name can not be empty.")
		case len(name) > 256:
			return bad("Length of message attribute name must be less than 256 bytes.")
		case !attrNameRE.MatchString(name):
			return badAttributeName(name)
		}
		if !attrTypeRE.MatchString(a.DataType) {
			return bad("The message attribute '%s' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", name)
		}
		binary := strings.HasPrefix(a.DataType, "Binary")
		field, has, other := "String", a.StringValue != "", len(a.BinaryValue) > 0
		if binary {
			field, has, other = "Binary", other, has
		}
		switch {
		case !has && other:
			return bad("The message attribute '%s' with type '%s' must use field '%s'.", name, a.DataType, field)
		case !has:
			return bad("The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, a.DataType)
		}
	}
	return nil
}

// badAttributeName says what is wrong with a message attribute name.
func badAttributeName(name string) error {
	switch {
	case name[0] == '.':
		return errs.E(CodeInvalidParameterValue, "Invalid message attribute name starting with character '.' was found.")
	case name[len(name)-1] == '.':
		return errs.E(CodeInvalidParameterValue, "Invalid message attribute name ending with character '.' was found.")
	case strings.Contains(name, ".."):
		return errs.E(CodeInvalidParameterValue, "Message attribute name can not have successive '.' character.")
	}
	for _, r := range name {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '-' || r == '.') {
			return errs.E(CodeInvalidParameterValue, fmt.Sprintf("Invalid non-alphanumeric character '#x%X' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.", r))
		}
	}
	return errs.E(CodeInvalidParameterValue, "Invalid message attribute name.")
}
