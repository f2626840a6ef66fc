// Package notify is Keyward's subset of Amazon SNS: topics, subscriptions
// (http, https, email, email-json) with SNS's confirmation handshake,
// Publish, and the durable delivery queue that carries each message to each
// confirmed subscriber, with retries and a record of every attempt.
//
// What it owns:
//   - the rules: topic names and ARNs, attributes, subscription
//     confirmation (tokens are random, valid for three days, and stored only
//     as SHA-256 hashes), message validation, and SNS's error messages;
//   - the wire documents receivers see: SNS's JSON messages
//     (SubscriptionConfirmation, Notification), signed with SignatureVersion
//     2 (SHA256withRSA over SNS's canonical string) by a per-installation RSA
//     key whose self-signed certificate is served at SigningCertURL;
//   - delivery: every message to every subscriber is a stored Delivery
//     (sealed under the root key, so neither message text nor confirmation
//     tokens are ever in the clear at rest), claimed with a lease by a worker
//     (Run), attempted, and retried per RetryPolicy until delivered or
//     failed. Pending deliveries survive a restart.
//
// What it must not do: speak HTTP or SMTP itself (it declares Poster and
// Mailer; internal/notify/transport implements them), touch a database (it
// declares Store), or decide access (it asks authz.Authorizer, with
// "sns:<Action>" and the topic's ARN, before anything else).
//
// Every operation takes the caller explicitly. PublishSystem is the one
// exception: Keyward's own alarms publish through it without a caller, and
// no API reaches it.
package notify

import (
	"context"
	"time"

	"github.com/keyward/keyward/internal/errs"
)

// Codes of this package's errors that errs has no code for. snsapi maps
// them to SNS's error codes.
const (
	// CodeInvalidParameterValue is SNS's ParameterValueInvalid: a message
	// attribute that breaks SNS's rules.
	CodeInvalidParameterValue errs.Code = "SNSInvalidParameterValue"
	// CodeTagLimitExceeded is SNS's TagLimitExceeded.
	CodeTagLimitExceeded errs.Code = "SNSTagLimitExceeded"
)

// Protocols a subscription may use.
const (
	ProtocolHTTP      = "http"
	ProtocolHTTPS     = "https"
	ProtocolEmail     = "email"
	ProtocolEmailJSON = "email-json"
)

// Kinds of message a Delivery carries (SNS's Type).
const (
	KindSubscriptionConfirmation = "SubscriptionConfirmation"
	KindNotification             = "Notification"
)

// Delivery states.
const (
	StatePending   = "pending"
	StateDelivered = "delivered"
	StateFailed    = "failed"
)

// Topic is an SNS topic: arn:aws:sns:<region>:<account>:<name>.
type Topic struct {
	ARN         string
	Account     string
	Region      string
	Name        string
	DisplayName string
	Tags        []Tag // in the order given at creation
	Created     time.Time
}

// Tag is a topic's tag.
type Tag struct {
	Key, Value string
}

// Subscription is one endpoint subscribed to one topic. Its ARN is the
// topic's ARN with ":<uuid>" appended; it lives in the topic's account and
// region, and Owner is the account that subscribed.
type Subscription struct {
	ARN      string
	TopicARN string
	Account  string
	Region   string
	Owner    string
	Protocol string
	Endpoint string
	// RawMessageDelivery sends http/https notifications as the bare message
	// rather than SNS's JSON document (the RawMessageDelivery attribute).
	RawMessageDelivery bool
	// TokenHash is the SHA-256 of the last confirmation token sent, valid
	// until TokenExpires. It is kept after confirmation so that following
	// the link again confirms idempotently, as in SNS.
	TokenHash    []byte
	TokenExpires time.Time
	// AuthenticateOnUnsubscribe records ConfirmSubscription's flag. Keyward
	// authenticates every Unsubscribe whatever its value.
	AuthenticateOnUnsubscribe bool
	Created                   time.Time
	// Confirmed is when the subscription was confirmed; zero while it is
	// pending confirmation.
	Confirmed time.Time
}

// Pending reports whether the subscription still awaits confirmation.
func (s *Subscription) Pending() bool { return s.Confirmed.IsZero() }

// Delivery is one message on its way to one subscription: a queue entry
// and, once finished, the record of what happened to it.
type Delivery struct {
	ID              string // random UUID
	MessageID       string // SNS's MessageId; shared by the deliveries of one Publish
	TopicARN        string
	SubscriptionARN string
	Kind            string // KindSubscriptionConfirmation or KindNotification
	Protocol        string
	// Sealed is the rendered message (headers or subject, and body),
	// sealed under the root key with the delivery's ID as associated data.
	Sealed []byte
	State  string // StatePending, StateDelivered or StateFailed
	// Attempts counts the attempts made so far.
	Attempts int
	// NextAttempt is, while pending, when the delivery is due: the time of
	// the next retry, or the end of the lease of an attempt under way.
	NextAttempt time.Time
	LastAttempt time.Time
	// LastStatus is the HTTP status (or SMTP reply code) of the last
	// attempt; 0 when there was none (e.g. the connection failed).
	LastStatus int
	// LastError says why the last attempt failed, "" after a success. It
	// never holds the message or the endpoint's URL.
	LastError string
	Created   time.Time
	Finished  time.Time // when it was delivered or given up; zero while pending
}

// DeliveryFilter selects deliveries for ListDeliveries; empty fields match
// everything.
type DeliveryFilter struct {
	TopicARN        string
	SubscriptionARN string
	MessageID       string
	State           string
	// Limit bounds the result (default and maximum 1000).
	Limit int
}

// SigningKey is the RSA key that signs messages, with its self-signed
// certificate. ID names the certificate in SigningCertURL.
type SigningKey struct {
	ID          string
	SealedKey   []byte // PKCS #8 DER, sealed under the root key with the ID as associated data
	Certificate []byte // X.509 DER
	Created     time.Time
}

// TopicStore persists topics.
//
// Errors: errs.NotFound for an unknown topic, errs.AlreadyExists when a
// create collides; anything else is internal.
type TopicStore interface {
	// CreateTopic stores a new topic: errs.AlreadyExists if its ARN is taken.
	CreateTopic(ctx context.Context, t *Topic) error
	GetTopic(ctx context.Context, arn string) (*Topic, error)
	// SetTopicDisplayName changes the one mutable field of a topic.
	SetTopicDisplayName(ctx context.Context, arn, displayName string) error
	// DeleteTopic deletes a topic and its subscriptions (not their
	// deliveries, which stay as records).
	DeleteTopic(ctx context.Context, arn string) error
	// ListTopics returns at most limit topics of (account, region) whose
	// ARN sorts after after (byte order), in ARN order.
	ListTopics(ctx context.Context, account, region, after string, limit int) ([]*Topic, error)
}

// SubscriptionStore persists subscriptions.
//
// Errors: errs.NotFound for an unknown subscription (or, for
// CreateSubscription, topic), errs.AlreadyExists when a create collides;
// anything else is internal.
type SubscriptionStore interface {
	// CreateSubscription stores a new subscription: errs.NotFound if its
	// topic does not exist, errs.AlreadyExists if its ARN is taken or the
	// topic already has a subscription with the same protocol and endpoint.
	CreateSubscription(ctx context.Context, s *Subscription) error
	GetSubscription(ctx context.Context, arn string) (*Subscription, error)
	// FindSubscription returns the topic's subscription of protocol and
	// endpoint.
	FindSubscription(ctx context.Context, topicARN, protocol, endpoint string) (*Subscription, error)
	// SubscriptionByToken returns the topic's subscription whose TokenHash
	// is tokenHash.
	SubscriptionByToken(ctx context.Context, topicARN string, tokenHash []byte) (*Subscription, error)
	// UpdateSubscription replaces the mutable fields of a subscription:
	// TokenHash, TokenExpires, AuthenticateOnUnsubscribe and Confirmed.
	UpdateSubscription(ctx context.Context, s *Subscription) error
	DeleteSubscription(ctx context.Context, arn string) error
	// ListSubscriptions returns at most limit subscriptions of (account,
	// region) whose ARN sorts after after, in ARN order.
	ListSubscriptions(ctx context.Context, account, region, after string, limit int) ([]*Subscription, error)
	// ListTopicSubscriptions is ListSubscriptions for one topic.
	ListTopicSubscriptions(ctx context.Context, topicARN, after string, limit int) ([]*Subscription, error)
	// CountSubscriptions counts a topic's confirmed and pending subscriptions.
	CountSubscriptions(ctx context.Context, topicARN string) (confirmed, pending int, err error)
}

// DeliveryStore is the durable delivery queue and its records. Claims are
// leases, so that several nodes sharing one database do not deliver the
// same entry at once, and an attempt cut short by a crash is made again
// once its lease ends (delivery is at least once, as in SNS).
//
// Errors: errs.NotFound for an unknown delivery, errs.AlreadyExists when an
// enqueued ID is taken; anything else is internal.
type DeliveryStore interface {
	// EnqueueDeliveries stores new pending deliveries, all or none.
	EnqueueDeliveries(ctx context.Context, ds []*Delivery) error
	// ClaimDeliveries returns at most limit pending deliveries due at now
	// (NextAttempt <= now), earliest first, and sets their NextAttempt to
	// leaseUntil in the same transaction.
	ClaimDeliveries(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*Delivery, error)
	// UpdateDelivery records an attempt: it replaces State, Attempts,
	// NextAttempt, LastAttempt, LastStatus, LastError and Finished.
	UpdateDelivery(ctx context.Context, d *Delivery) error
	// ListDeliveries returns the deliveries f selects, oldest first.
	ListDeliveries(ctx context.Context, f DeliveryFilter) ([]*Delivery, error)
	// NextDeliveryDue returns the earliest NextAttempt of any pending
	// delivery, or the zero time when none is pending.
	NextDeliveryDue(ctx context.Context) (time.Time, error)
	// PurgeDeliveries deletes the deliveries that finished before before and
	// returns how many.
	PurgeDeliveries(ctx context.Context, before time.Time) (int, error)
}

// KeyStore persists message signing keys.
//
// Errors: errs.AlreadyExists when a key's ID is taken; anything else is
// internal.
type KeyStore interface {
	CreateSigningKey(ctx context.Context, k *SigningKey) error
	// ListSigningKeys returns every signing key, oldest first.
	ListSigningKeys(ctx context.Context) ([]*SigningKey, error)
}

// Store is everything the service persists.
type Store interface {
	TopicStore
	SubscriptionStore
	DeliveryStore
	KeyStore
}

// Sealer seals records under the root of trust (seal.Root implements it).
type Sealer interface {
	Seal(aad, plaintext []byte) ([]byte, error)
	Open(aad, sealed []byte) ([]byte, error)
}

// Post is one HTTP POST of a message to a subscriber.
type Post struct {
	URL    string
	Header map[string]string
	Body   []byte
}

// Poster sends HTTP POSTs. It returns the response's status, or an error
// when there was no response (the error must not repeat the URL, which may
// carry a secret).
type Poster interface {
	Post(ctx context.Context, p *Post) (status int, err error)
}

// Mail is one plain-text email to a subscriber.
type Mail struct {
	To       string // a bare address, already validated
	FromName string // the topic's display name, or ""
	Subject  string // one line, no control characters
	Body     string // UTF-8 text, "\n" line ends
}

// Mailer sends email through a relay. A failure that a retry cannot fix
// (the relay refused the recipient with a 5xx reply) is returned as a
// *PermanentError.
type Mailer interface {
	Send(ctx context.Context, m *Mail) error
}

// PermanentError is a delivery failure that retrying cannot fix, with the
// status or reply code that said so.
type PermanentError struct {
	Code int
	Err  error
}

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }
