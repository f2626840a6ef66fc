package notify

import (
	"context"
	"crypto/sha256"
	"maps"
	"net/mail"
	"net/url"
	"slices"
	"strings"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
)

// This file declares the subscription operations and SNS's confirmation
// handshake: Subscribe stores a pending subscription and queues a
// SubscriptionConfirmation carrying a fresh token (an email with a link
// for email subscriptions); ConfirmSubscription, with that token, confirms
// it. Only confirmed subscriptions receive notifications.

// PendingConfirmation is what Subscribe returns for a subscription that
// awaits confirmation (unless ReturnSubscriptionARN is set), as SNS does.
const PendingConfirmation = "pending confirmation"

// MsgEmailNotConfigured refuses an email subscription on a server without
// an SMTP relay.
const MsgEmailNotConfigured = "Email delivery is not configured on this server."

// SubscribeInput is what Subscribe takes.
type SubscribeInput struct {
	TopicARN string
	Protocol string // http, https, email or email-json
	Endpoint string // a URL of the protocol's scheme, or an email address
	// Attributes may set RawMessageDelivery ("true" or "false") for http
	// and https subscriptions.
	Attributes            map[string]string
	ReturnSubscriptionARN bool
}

// Subscribe subscribes an endpoint to a topic and queues its confirmation
// request. It returns the subscription's ARN once confirmed, otherwise
// PendingConfirmation (or the ARN when ReturnSubscriptionARN is set).
// Subscribing an endpoint again is idempotent: a confirmed subscription's
// ARN is returned; a pending one gets a new confirmation request with a
// new token (the previous token stops working).
func (s *Service) Subscribe(ctx context.Context, c *authz.Caller, in SubscribeInput) (string, error) {
	p, err := parseTopicARN(c, "TopicArn", in.TopicARN)
	if err != nil {
		return "", err
	}
	noteTopic(ctx, in.TopicARN, p.account)
	if err := s.checkEndpoint(in.Protocol, in.Endpoint); err != nil {
		return "", err
	}
	raw, err := subscriptionAttributes(in.Protocol, in.Attributes)
	if err != nil {
		return "", err
	}
	if err := s.authorize(ctx, c, "sns:Subscribe", in.TopicARN, p.account); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.store.GetTopic(ctx, in.TopicARN)
	if errs.Is(err, errs.NotFound) {
		return "", topicNotFound()
	}
	if err != nil {
		return "", err
	}
	var token string
	sub, err := s.store.FindSubscription(ctx, t.ARN, in.Protocol, in.Endpoint)
	switch {
	case err == nil:
		if _, given := in.Attributes["RawMessageDelivery"]; given && raw != sub.RawMessageDelivery {
			return "", invalid("Attributes Reason: Subscription already exists with different attributes")
		}
		if !sub.Pending() {
			return sub.ARN, nil
		}
		token = s.issueToken(sub)
		if err := s.store.UpdateSubscription(ctx, sub); err != nil {
			return "", err
		}
	case errs.Is(err, errs.NotFound):
		sub = &Subscription{
			ARN: t.ARN + ":" + newUUID(), TopicARN: t.ARN, Account: t.Account, Region: t.Region, Owner: c.Account,
			Protocol: in.Protocol, Endpoint: in.Endpoint, RawMessageDelivery: raw, Created: s.now(),
		}
		token = s.issueToken(sub)
		if err := s.store.CreateSubscription(ctx, sub); err != nil {
			return "", err
		}
		s.log.Info("sns subscription created", "subscription", sub.ARN, "protocol", sub.Protocol)
	default:
		return "", err
	}
	// The subscription is stored before its confirmation request is
	// queued: should queueing fail, subscribing again sends a new one.
	if err := s.queueConfirmation(ctx, t, sub, token); err != nil {
		return "", err
	}
	if in.ReturnSubscriptionARN {
		return sub.ARN, nil
	}
	return PendingConfirmation, nil
}

// checkEndpoint checks a protocol and its endpoint.
func (s *Service) checkEndpoint(protocol, endpoint string) error {
	switch protocol {
	case ProtocolHTTP, ProtocolHTTPS:
		if endpoint == "" {
			return invalid("Endpoint")
		}
		u, err := url.Parse(endpoint)
		if err != nil || len(endpoint) > 2048 {
			return invalid("Endpoint")
		}
		if !strings.EqualFold(u.Scheme, protocol) {
			return invalid("Endpoint must match the specified protocol")
		}
		if u.Host == "" || u.Opaque != "" {
			return invalid("Endpoint")
		}
	case ProtocolEmail, ProtocolEmailJSON:
		if s.mailer == nil {
			return errs.E(errs.Validation, MsgEmailNotConfigured)
		}
		a, err := mail.ParseAddress(endpoint)
		if err != nil || a.Address != endpoint || a.Name != "" || len(endpoint) > 254 {
			return invalid("Email address")
		}
	case "sqs", "lambda", "sms", "application", "firehose":
		return invalid("Protocol Reason: the " + protocol + " protocol is not supported by this server (http, https, email and email-json are)")
	default:
		return invalid("Amazon SNS does not support this protocol string: " + printable(protocol))
	}
	return nil
}

// subscriptionAttributes checks Subscribe's attributes and returns
// RawMessageDelivery.
func subscriptionAttributes(protocol string, attrs map[string]string) (bool, error) {
	raw := false
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		v := attrs[name]
		switch name {
		case "RawMessageDelivery":
			switch {
			case strings.EqualFold(v, "true"):
				raw = true
			case strings.EqualFold(v, "false"):
				raw = false
			default:
				return false, invalid("Attributes Reason: RawMessageDelivery: Invalid value [" + printable(v) + "]. Must be true or false.")
			}
			if raw && protocol != ProtocolHTTP && protocol != ProtocolHTTPS {
				return false, invalid("Attributes Reason: Delivery protocol [" + protocol + "] does not support raw message delivery.")
			}
		case "DeliveryPolicy", "FilterPolicy", "FilterPolicyScope", "RedrivePolicy", "SubscriptionRoleArn", "ReplayPolicy":
			return false, invalid("Attributes Reason: " + name + " is not supported by this server.")
		default:
			return false, invalid("Attributes Reason: AttributeName")
		}
	}
	return raw, nil
}

// issueToken gives sub a new confirmation token, valid for three days,
// and returns it; only its hash is kept.
func (s *Service) issueToken(sub *Subscription) string {
	token := newToken()
	h := sha256.Sum256([]byte(token))
	sub.TokenHash, sub.TokenExpires = h[:], s.now().Add(tokenLifetime)
	return token
}

// queueConfirmation queues the confirmation request that carries token.
func (s *Service) queueConfirmation(ctx context.Context, t *Topic, sub *Subscription, token string) error {
	m := &message{kind: KindSubscriptionConfirmation, id: newUUID(), topic: t, token: token, time: s.now()}
	d, err := s.newDelivery(ctx, m, sub)
	if err != nil {
		return err
	}
	if err := s.store.EnqueueDeliveries(ctx, []*Delivery{d}); err != nil {
		return err
	}
	s.wake.wake()
	return nil
}

// ConfirmSubscription confirms the topic's subscription that token was
// sent to, and returns its ARN. Confirming again with the same token
// returns the ARN too.
//
// c is nil for the unsigned request a SubscribeURL makes: the token, sent
// only to the endpoint, is then the whole authorization, as in SNS. A
// signed request must also be allowed sns:ConfirmSubscription on the
// topic.
func (s *Service) ConfirmSubscription(ctx context.Context, c *authz.Caller, topicARN, token, authenticateOnUnsubscribe string) (string, error) {
	p, err := parseTopicARN(c, "TopicArn", topicARN)
	if err != nil {
		return "", err
	}
	noteTopic(ctx, topicARN, p.account)
	var authOnUnsub bool
	switch {
	case authenticateOnUnsubscribe == "", strings.EqualFold(authenticateOnUnsubscribe, "false"):
	case strings.EqualFold(authenticateOnUnsubscribe, "true"):
		authOnUnsub = c != nil
	default:
		return "", invalid("AuthenticateOnUnsubscribe")
	}
	if c != nil {
		if err := s.authorize(ctx, c, "sns:ConfirmSubscription", topicARN, p.account); err != nil {
			return "", err
		}
	}
	if token == "" || len(token) > 1024 {
		return "", invalid("Token")
	}
	h := sha256.Sum256([]byte(token))
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, err := s.store.SubscriptionByToken(ctx, topicARN, h[:])
	if errs.Is(err, errs.NotFound) {
		return "", invalid("Token")
	}
	if err != nil {
		return "", err
	}
	now := s.now()
	if now.After(sub.TokenExpires) {
		return "", invalid("Token")
	}
	if !sub.Pending() {
		return sub.ARN, nil
	}
	sub.Confirmed, sub.AuthenticateOnUnsubscribe = now, authOnUnsub
	if err := s.store.UpdateSubscription(ctx, sub); err != nil {
		return "", err
	}
	s.log.Info("sns subscription confirmed", "subscription", sub.ARN, "signed", c != nil)
	return sub.ARN, nil
}

// Unsubscribe deletes a subscription. Like SNS it is idempotent: deleting
// a subscription that does not exist succeeds. Keyward authenticates every
// Unsubscribe (the UnsubscribeURL in notifications needs a signed request),
// and authorizes sns:Unsubscribe on the subscription's topic.
func (s *Service) Unsubscribe(ctx context.Context, c *authz.Caller, subscriptionARN string) error {
	topic, account, err := parseSubscriptionARN(c, subscriptionARN)
	if err != nil {
		return err
	}
	noteTopic(ctx, topic, account)
	if err := s.authorize(ctx, c, "sns:Unsubscribe", topic, account); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.store.DeleteSubscription(ctx, subscriptionARN); err != nil && !errs.Is(err, errs.NotFound) {
		return err
	}
	s.log.Info("sns subscription deleted", "subscription", subscriptionARN)
	return nil
}

// parseSubscriptionARN returns the topic ARN and account of a
// subscription's ARN: <topic ARN>:<uuid>.
func parseSubscriptionARN(c *authz.Caller, arn string) (topic, account string, err error) {
	p, err := parseARN("SubscriptionArn", arn)
	if err != nil {
		return "", "", err
	}
	name, id, ok := strings.Cut(p.resource, ":")
	if !ok || validTopicName(name) != nil || !isUUID(id) || (c != nil && c.Region != "" && c.Region != p.region) {
		return "", "", invalid("SubscriptionId")
	}
	return topicARN(p.region, p.account, name), p.account, nil
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// ListSubscriptions lists the subscriptions of the caller's account and
// region, 100 at a time, in ARN order; the token returned is "" on the last
// page.
func (s *Service) ListSubscriptions(ctx context.Context, c *authz.Caller, nextToken string) ([]*Subscription, string, error) {
	if c == nil {
		return nil, "", errs.E(errs.AccessDenied, "not authorized")
	}
	if err := s.authorize(ctx, c, "sns:ListSubscriptions", "*", c.Account); err != nil {
		return nil, "", err
	}
	after, err := decodePageToken(nextToken)
	if err != nil {
		return nil, "", err
	}
	subs, err := s.store.ListSubscriptions(ctx, c.Account, c.Region, after, pageSize+1)
	if err != nil {
		return nil, "", err
	}
	return page(subs)
}

// ListSubscriptionsByTopic lists a topic's subscriptions, as
// ListSubscriptions.
func (s *Service) ListSubscriptionsByTopic(ctx context.Context, c *authz.Caller, topicARN, nextToken string) ([]*Subscription, string, error) {
	p, err := parseTopicARN(c, "TopicArn", topicARN)
	if err != nil {
		return nil, "", err
	}
	noteTopic(ctx, topicARN, p.account)
	if err := s.authorize(ctx, c, "sns:ListSubscriptionsByTopic", topicARN, p.account); err != nil {
		return nil, "", err
	}
	after, err := decodePageToken(nextToken)
	if err != nil {
		return nil, "", err
	}
	if _, err := s.store.GetTopic(ctx, topicARN); errs.Is(err, errs.NotFound) {
		return nil, "", topicNotFound()
	} else if err != nil {
		return nil, "", err
	}
	subs, err := s.store.ListTopicSubscriptions(ctx, topicARN, after, pageSize+1)
	if err != nil {
		return nil, "", err
	}
	return page(subs)
}

func page(subs []*Subscription) ([]*Subscription, string, error) {
	if len(subs) > pageSize {
		return subs[:pageSize], encodePageToken(subs[pageSize-1].ARN), nil
	}
	return subs, "", nil
}
