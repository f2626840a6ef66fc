package notify

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
)

// Config holds what a Service needs. Store, Sealer, Poster and PublicURL
// are required.
type Config struct {
	Store  Store
	Sealer Sealer
	// Authorizer decides every action but PublishSystem and unsigned
	// ConfirmSubscription; default authz.AccountBoundary.
	Authorizer authz.Authorizer
	// Poster delivers to http and https subscriptions.
	Poster Poster
	// Mailer delivers to email and email-json subscriptions through a
	// relay; nil refuses such subscriptions ("Email delivery is not
	// configured on this server.").
	Mailer Mailer
	// PublicURL returns the base URL at which receivers reach Keyward's
	// listener, e.g. "https://keyward.example.com:7373". SubscribeURL,
	// UnsubscribeURL and SigningCertURL are built on it.
	PublicURL func() string
	// Retry is the delivery retry policy; the zero value means
	// DefaultRetryPolicy.
	Retry RetryPolicy
	// Workers bounds the delivery attempts under way at once (default 4).
	Workers int
	// Retention is how long finished deliveries are kept as records
	// (default 7 days).
	Retention time.Duration
	// Now is the clock (default time.Now). The delivery queue runs on it,
	// so it must advance as real time does.
	Now    func() time.Time
	Logger *slog.Logger // default slog.Default()
}

// Service is the SNS subset. It is safe for concurrent use.
type Service struct {
	store     Store
	seal      Sealer
	authz     authz.Authorizer
	poster    Poster
	mailer    Mailer
	publicURL func() string
	retry     RetryPolicy
	workers   int
	retention time.Duration
	now       func() time.Time
	log       *slog.Logger

	signMu sync.Mutex
	signer *signer // nil until first needed
	wake   waker

	// mu serialises topic and subscription changes on this node, so that
	// the check that precedes a create (does it exist already?) is not
	// raced by this node; the store's unique constraints catch other nodes.
	mu sync.Mutex
}

// Defaults.
const (
	DefaultWorkers   = 4
	DefaultRetention = 7 * 24 * time.Hour
	// tokenLifetime is how long a confirmation token is valid, as in SNS.
	tokenLifetime = 3 * 24 * time.Hour
	// pageSize is how many topics or subscriptions a listing returns, as
	// in SNS.
	pageSize = 100
)

// New returns a Service, or an error when c lacks what it needs. The
// message signing key is loaded (or created) when the first message is
// signed.
func New(c Config) (*Service, error) {
	if c.Store == nil || c.Sealer == nil || c.Poster == nil || c.PublicURL == nil {
		return nil, errors.New("notify: Store, Sealer, Poster and PublicURL are required")
	}
	if c.Retry == (RetryPolicy{}) {
		c.Retry = DefaultRetryPolicy
	}
	if err := c.Retry.Validate(); err != nil {
		return nil, err
	}
	s := &Service{
		store:     c.Store,
		seal:      c.Sealer,
		authz:     c.Authorizer,
		poster:    c.Poster,
		mailer:    c.Mailer,
		publicURL: c.PublicURL,
		retry:     c.Retry,
		workers:   c.Workers,
		retention: c.Retention,
		log:       c.Logger,
		wake:      newWaker(),
	}
	clock := c.Now
	if clock == nil {
		clock = time.Now
	}
	// Stored times have millisecond precision on every store, as in kms.
	s.now = func() time.Time { return clock().UTC().Truncate(time.Millisecond) }
	if s.authz == nil {
		s.authz = authz.AccountBoundary{}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.workers <= 0 {
		s.workers = DefaultWorkers
	}
	if s.retention <= 0 {
		s.retention = DefaultRetention
	}
	return s, nil
}

// authorize asks whether c may perform action on the topic (or, for
// listings, "*") of account.
func (s *Service) authorize(ctx context.Context, c *authz.Caller, action, arn, account string) error {
	if c == nil {
		return errs.E(errs.AccessDenied, "not authorized")
	}
	return s.authz.Authorize(ctx, c, action, authz.Resource{ARN: arn, Account: account})
}

// noteTopic tells the request's audit event that it acts on a topic.
func noteTopic(ctx context.Context, arn, account string) {
	audit.AddResource(ctx, audit.Resource{ARN: arn, AccountID: account, Type: "AWS::SNS::Topic"})
}

// invalid is SNS's InvalidParameter error: "Invalid parameter: <what>".
func invalid(what string) error { return errs.E(errs.Validation, "Invalid parameter: "+what) }

// topicNotFound is SNS's answer for a topic that does not exist.
func topicNotFound() error { return errs.E(errs.NotFound, "Topic does not exist") }

// arnParts is a parsed SNS ARN: arn:aws:sns:<region>:<account>:<resource>.
type arnParts struct {
	region, account, resource string
}

// parseARN parses an SNS ARN given as parameter param (TopicArn,
// TargetArn, SubscriptionArn), with SNS's messages for the malformed ones.
func parseARN(param, arn string) (arnParts, error) {
	if !strings.HasPrefix(arn, "arn:") {
		return arnParts{}, invalid(param + " Reason: " + printable(arn) + " does not start with arn")
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return arnParts{}, invalid(fmt.Sprintf("%s Reason: An ARN must have at least 6 elements, not %d", param, len(parts)))
	}
	if parts[1] != "aws" || parts[2] != "sns" || !isRegion(parts[3]) || !isAccount(parts[4]) || parts[5] == "" {
		return arnParts{}, invalid(param)
	}
	return arnParts{region: parts[3], account: parts[4], resource: parts[5]}, nil
}

// parseTopicARN parses a topic's ARN and checks that the caller's region
// (when it has one) is the topic's: SNS serves a topic only in its region.
func parseTopicARN(c *authz.Caller, param, arn string) (arnParts, error) {
	p, err := parseARN(param, arn)
	if err != nil {
		return p, err
	}
	if validTopicName(p.resource) != nil || (c != nil && c.Region != "" && c.Region != p.region) {
		return p, invalid(param)
	}
	return p, nil
}

// topicARN is the ARN of topic name in (account, region).
func topicARN(region, account, name string) string {
	return "arn:aws:sns:" + region + ":" + account + ":" + name
}

func isAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isRegion accepts region names as AWS writes them: lower-case letters,
// digits and hyphens.
func isRegion(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// validTopicName checks SNS's rule: 1–256 ASCII letters, digits,
// underscores and hyphens. FIFO topics (".fifo") are not supported.
func validTopicName(name string) error {
	if name == "" || len(name) > 256 {
		return invalid("Topic Name")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return invalid("Topic Name")
		}
	}
	return nil
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// newToken returns a confirmation token: 64 random bytes, hex-encoded.
func newToken() string {
	var b [64]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Page tokens are the base64 of the last ARN of the previous page. They
// carry nothing the caller could not list anyway.

func encodePageToken(lastARN string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(lastARN))
}

func decodePageToken(token string) (string, error) {
	if token == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || !strings.HasPrefix(string(b), "arn:aws:sns:") {
		return "", invalid("NextToken")
	}
	return string(b), nil
}

// printable bounds a client-supplied value repeated in a message.
func printable(s string) string {
	const max = 128
	if len(s) > max {
		s = s[:max] + "…"
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// signer is the current signing key, unsealed, with the URL of its
// certificate.
type signer struct {
	id  string
	key *rsa.PrivateKey
}
