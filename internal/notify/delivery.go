package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
)

// Delivery: every message to every subscriber is a stored Delivery, so a
// restart loses none. Run's workers claim due deliveries with a lease,
// attempt them, and record the outcome: delivered; a retry scheduled by
// the RetryPolicy; or failed, when the policy is exhausted or the failure
// is permanent. Attempts and failures are logged (ids, kinds, statuses;
// never a message, a subject or an endpoint URL) and kept in the store for
// Retention after they finish (Deliveries lists them).
//
// What counts as delivered: an HTTP 2xx answer; a message the SMTP relay
// accepted. Retried: no answer (connection refused, timeout), HTTP 429 or
// 5xx, an SMTP 4xx reply. Failed at once: other HTTP answers (redirects
// are not followed), an SMTP 5xx reply, a subscription deleted meanwhile.

// RetryPolicy says when a failed delivery is tried again: NoDelayRetries
// times at once, then BackoffRetries times after delays that double from
// MinDelay up to MaxDelay. The policy applies to every protocol.
type RetryPolicy struct {
	NoDelayRetries int
	BackoffRetries int
	MinDelay       time.Duration
	MaxDelay       time.Duration
}

// DefaultRetryPolicy: 3 immediate retries, then 6 with backoff (5 s, 10 s,
// 20 s, 40 s, 80 s, 120 s): 10 attempts over about 4.6 minutes.
var DefaultRetryPolicy = RetryPolicy{NoDelayRetries: 3, BackoffRetries: 6, MinDelay: 5 * time.Second, MaxDelay: 2 * time.Minute}

// maxRetryTime bounds a policy's total delay, as SNS bounds its HTTP
// policies.
const maxRetryTime = time.Hour

// Validate checks that p is bounded.
func (p RetryPolicy) Validate() error {
	switch {
	case p.NoDelayRetries < 0 || p.BackoffRetries < 0 || p.NoDelayRetries+p.BackoffRetries > 100:
		return fmt.Errorf("notify: retry policy: retries must be 0–100 in all, got %d immediate and %d with backoff", p.NoDelayRetries, p.BackoffRetries)
	case p.BackoffRetries > 0 && (p.MinDelay <= 0 || p.MaxDelay < p.MinDelay):
		return fmt.Errorf("notify: retry policy: want 0 < MinDelay (%v) <= MaxDelay (%v)", p.MinDelay, p.MaxDelay)
	}
	var total time.Duration
	for k := 1; k <= p.NoDelayRetries+p.BackoffRetries; k++ {
		total += p.delay(k)
	}
	if total > maxRetryTime {
		return fmt.Errorf("notify: retry policy: retries span %v, more than %v", total, maxRetryTime)
	}
	return nil
}

// Attempts is the most attempts a delivery gets.
func (p RetryPolicy) Attempts() int { return 1 + p.NoDelayRetries + p.BackoffRetries }

// delay is how long to wait before retry k (1-based).
func (p RetryPolicy) delay(k int) time.Duration {
	if k <= p.NoDelayRetries {
		return 0
	}
	d := p.MinDelay
	for i := p.NoDelayRetries + 1; i < k && d < p.MaxDelay; i++ {
		d *= 2
	}
	return min(d, p.MaxDelay)
}

// deliveryPolicy renders p as SNS's EffectiveDeliveryPolicy attribute.
func (p RetryPolicy) deliveryPolicy() string {
	type healthy struct {
		MinDelayTarget     int    `json:"minDelayTarget"`
		MaxDelayTarget     int    `json:"maxDelayTarget"`
		NumRetries         int    `json:"numRetries"`
		NumMaxDelayRetries int    `json:"numMaxDelayRetries"`
		NumNoDelayRetries  int    `json:"numNoDelayRetries"`
		NumMinDelayRetries int    `json:"numMinDelayRetries"`
		BackoffFunction    string `json:"backoffFunction"`
	}
	type httpPolicy struct {
		DefaultHealthyRetryPolicy   healthy           `json:"defaultHealthyRetryPolicy"`
		DisableSubscriptionOverride bool              `json:"disableSubscriptionOverrides"`
		DefaultRequestPolicy        map[string]string `json:"defaultRequestPolicy"`
	}
	b, _ := json.Marshal(map[string]httpPolicy{"http": {
		DefaultHealthyRetryPolicy: healthy{
			MinDelayTarget: int(p.MinDelay / time.Second), MaxDelayTarget: int(p.MaxDelay / time.Second),
			NumRetries: p.NoDelayRetries + p.BackoffRetries, NumNoDelayRetries: p.NoDelayRetries,
			BackoffFunction: "exponential",
		},
		DisableSubscriptionOverride: true,
		DefaultRequestPolicy:        map[string]string{"headerContentType": "text/plain; charset=UTF-8"},
	}})
	return string(b)
}

// Worker timing.
const (
	// leaseTime is how long a claimed delivery is the claimer's: longer
	// than any attempt (the transports time out sooner).
	leaseTime = 2 * time.Minute
	// idlePoll is how often an idle worker looks for work that another
	// node queued.
	idlePoll = 30 * time.Second
	// purgeEvery is how often finished deliveries past Retention go.
	purgeEvery = time.Hour
)

// waker wakes idle workers when work is queued.
type waker struct {
	mu sync.Mutex
	ch chan struct{}
}

func newWaker() waker { return waker{ch: make(chan struct{})} }

// wait returns a channel closed by the next wake.
func (w *waker) wait() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ch
}

func (w *waker) wake() {
	w.mu.Lock()
	close(w.ch)
	w.ch = make(chan struct{})
	w.mu.Unlock()
}

// Run delivers queued messages until ctx ends, with Workers attempts under
// way at most, and purges old records. An attempt cut short by the end of
// ctx is not recorded: its lease runs out and it is made again.
func (s *Service) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range s.workers {
		wg.Go(func() { s.work(ctx) })
	}
	wg.Go(func() { s.purge(ctx) })
	wg.Wait()
}

func (s *Service) work(ctx context.Context) {
	for ctx.Err() == nil {
		woken := s.wake.wait()
		now := s.now()
		ds, err := s.store.ClaimDeliveries(ctx, now, now.Add(leaseTime), 1)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Error("sns delivery queue", "err", err)
			}
			sleep(ctx, woken, time.Second)
			continue
		}
		if len(ds) == 1 {
			s.attempt(ctx, ds[0])
			continue
		}
		wait := idlePoll
		next, err := s.store.NextDeliveryDue(ctx)
		if err == nil && !next.IsZero() {
			wait = min(wait, max(next.Sub(s.now()), time.Millisecond))
		}
		sleep(ctx, woken, wait)
	}
}

func sleep(ctx context.Context, woken <-chan struct{}, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-woken:
	case <-t.C:
	}
}

func (s *Service) purge(ctx context.Context) {
	for {
		if n, err := s.store.PurgeDeliveries(ctx, s.now().Add(-s.retention)); err != nil {
			if ctx.Err() == nil {
				s.log.Error("sns delivery purge", "err", err)
			}
		} else if n > 0 {
			s.log.Info("sns delivery records purged", "count", n)
		}
		t := time.NewTimer(purgeEvery)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// attempt makes one attempt of d and records it.
func (s *Service) attempt(ctx context.Context, d *Delivery) {
	sub, err := s.store.GetSubscription(ctx, d.SubscriptionARN)
	var status int
	switch {
	case errs.Is(err, errs.NotFound):
		err = &PermanentError{Err: errors.New("the subscription no longer exists")}
	case err != nil:
		if ctx.Err() == nil {
			s.log.Error("sns delivery: reading its subscription", "delivery", d.ID, "err", err)
		}
		return // the lease runs out and the attempt is made again
	default:
		status, err = s.send(ctx, d, sub)
	}
	if ctx.Err() != nil {
		return
	}
	now := s.now()
	d.Attempts++
	d.LastAttempt, d.LastStatus, d.LastError = now, status, ""
	var perm *PermanentError
	switch {
	case err == nil:
		d.State, d.Finished, d.NextAttempt = StateDelivered, now, time.Time{}
	case errors.As(err, &perm) || d.Attempts >= s.retry.Attempts():
		d.State, d.Finished, d.NextAttempt, d.LastError = StateFailed, now, time.Time{}, bounded(err.Error())
	default:
		d.NextAttempt, d.LastError = now.Add(s.retry.delay(d.Attempts)), bounded(err.Error())
	}
	if uerr := s.store.UpdateDelivery(ctx, d); uerr != nil {
		if ctx.Err() == nil {
			s.log.Error("sns delivery: recording an attempt", "delivery", d.ID, "err", uerr)
		}
		return
	}
	attrs := []any{"delivery", d.ID, "message_id", d.MessageID, "subscription", d.SubscriptionARN,
		"kind", d.Kind, "protocol", d.Protocol, "attempt", d.Attempts, "status", status}
	switch d.State {
	case StateDelivered:
		s.log.Info("sns message delivered", attrs...)
	case StateFailed:
		s.log.Error("sns delivery failed for good", append(attrs, "err", d.LastError)...)
	default:
		s.log.Warn("sns delivery failed; will retry", append(attrs, "err", d.LastError, "retry_at", d.NextAttempt)...)
	}
}

// send makes the attempt: a POST or a mail.
func (s *Service) send(ctx context.Context, d *Delivery, sub *Subscription) (int, error) {
	p, err := s.openPayload(d)
	if err != nil {
		return 0, &PermanentError{Err: fmt.Errorf("the stored message cannot be read: %w", err)}
	}
	switch d.Protocol {
	case ProtocolHTTP, ProtocolHTTPS:
		status, err := s.poster.Post(ctx, &Post{URL: sub.Endpoint, Header: p.Header, Body: []byte(p.Body)})
		switch {
		case err != nil:
			return 0, err
		case status >= 200 && status < 300:
			return status, nil
		case status == 429 || status >= 500:
			return status, fmt.Errorf("the endpoint answered HTTP %d", status)
		}
		return status, &PermanentError{Code: status, Err: fmt.Errorf("the endpoint answered HTTP %d", status)}
	case ProtocolEmail, ProtocolEmailJSON:
		if s.mailer == nil {
			return 0, &PermanentError{Err: errors.New("email delivery is not configured on this server")}
		}
		err := s.mailer.Send(ctx, &Mail{To: sub.Endpoint, FromName: p.FromName, Subject: p.Subject, Body: p.Body})
		var perm *PermanentError
		if errors.As(err, &perm) {
			return perm.Code, err
		}
		return 0, err
	}
	return 0, &PermanentError{Err: fmt.Errorf("unknown protocol %q", d.Protocol)}
}

// bounded keeps a recorded error short.
func bounded(s string) string {
	const max = 512
	if len(s) > max {
		s = s[:max] + "…"
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// Deliveries lists the delivery records of a topic (f.TopicARN is
// required): what was sent, how many attempts it took and how the last one
// went. It is for operators and tests, not part of SNS's API; the caller
// must be allowed keyward:ListDeliveries on the topic.
func (s *Service) Deliveries(ctx context.Context, c *authz.Caller, f DeliveryFilter) ([]*Delivery, error) {
	p, err := parseTopicARN(c, "TopicArn", f.TopicARN)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "keyward:ListDeliveries", f.TopicARN, p.account); err != nil {
		return nil, err
	}
	return s.store.ListDeliveries(ctx, f)
}
