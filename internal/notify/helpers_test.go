package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/notify"
	"github.com/keyward/keyward/internal/notify/transport"
	"github.com/keyward/keyward/internal/notify/transport/smtptest"
	"github.com/keyward/keyward/internal/seal"
	"github.com/keyward/keyward/internal/storage/sqlite"
)

const (
	account = "123456789012"
	region  = "us-east-1"
	public  = "https://keyward.example.com:7373"
)

// fastRetry retries quickly, so that tests can exhaust it.
var fastRetry = notify.RetryPolicy{NoDelayRetries: 1, BackoffRetries: 2, MinDelay: 20 * time.Millisecond, MaxDelay: 40 * time.Millisecond}

// clock is real time plus a settable offset: the delivery queue needs a
// clock that advances, token expiry a clock that jumps.
type clock struct{ offset atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// env is a Service on a real SQLite store, with real transports.
type env struct {
	t     *testing.T
	svc   *notify.Service
	cfg   notify.Config
	store *sqlite.Store
	clock *clock
	root  *authz.Caller
}

type option func(*notify.Config)

func withMail(s *smtptest.Server) option {
	return func(c *notify.Config) {
		m, err := transport.NewSMTP(transport.SMTPConfig{Addr: s.Addr, From: "keyward@example.com", Timeout: 5 * time.Second})
		if err != nil {
			panic(err)
		}
		c.Mailer = m
	}
}

// newEnv opens a store in a temporary directory and a service on it; the
// delivery worker is not started (see run).
func newEnv(t *testing.T, opts ...option) *env {
	t.Helper()
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "keyward.db"))
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	clk := &clock{}
	cfg := notify.Config{
		Store: store, Sealer: seal.Generate(), Poster: transport.NewHTTP(),
		PublicURL: func() string { return public }, Retry: fastRetry, Now: clk.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, o := range opts {
		o(&cfg)
	}
	e := &env{t: t, cfg: cfg, store: store, clock: clk, root: authz.RootCaller(account, region, "AKIAROOT")}
	e.svc = e.open()
	return e
}

func (e *env) open() *notify.Service {
	svc, err := notify.New(e.cfg)
	if err != nil {
		e.t.Fatalf("notify.New: %v", err)
	}
	return svc
}

// run starts the delivery worker of svc until the test ends (or the
// returned function is called).
func (e *env) run(svc *notify.Service) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		svc.Run(ctx)
		close(done)
	}()
	stop := sync.OnceFunc(func() {
		cancel()
		<-done
	})
	e.t.Cleanup(stop)
	return stop
}

func (e *env) topic(name string) string {
	e.t.Helper()
	arn, err := e.svc.CreateTopic(e.t.Context(), e.root, notify.CreateTopicInput{Name: name})
	if err != nil {
		e.t.Fatalf("CreateTopic: %v", err)
	}
	return arn
}

func (e *env) deliveries(topic string, f notify.DeliveryFilter) []*notify.Delivery {
	e.t.Helper()
	f.TopicARN = topic
	ds, err := e.svc.Deliveries(e.t.Context(), e.root, f)
	if err != nil {
		e.t.Fatalf("Deliveries: %v", err)
	}
	return ds
}

// waitDelivery waits until the delivery of message id (of kind) to sub has
// finished, and returns it.
func (e *env) waitDelivery(topic, sub, kind string) *notify.Delivery {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, d := range e.deliveries(topic, notify.DeliveryFilter{SubscriptionARN: sub}) {
			if d.Kind == kind && d.State != notify.StatePending {
				return d
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.t.Fatalf("no %s delivery to %s finished", kind, sub)
	return nil
}

// received is one POST a receiver got.
type received struct {
	header http.Header
	body   string
	doc    map[string]any
}

// str returns a string field of the JSON document.
func (r *received) str(name string) string {
	s, _ := r.doc[name].(string)
	return s
}

// fields returns the document's string fields, as a receiver reads them
// to verify the signature.
func (r *received) fields() map[string]string {
	f := map[string]string{}
	for k, v := range r.doc {
		if s, ok := v.(string); ok {
			f[k] = s
		}
	}
	return f
}

// receiver is an HTTP endpoint that records what it is sent and answers
// with the statuses queued by respond (200 once they run out).
type receiver struct {
	*httptest.Server
	got      chan *received
	mu       sync.Mutex
	statuses []int
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{got: make(chan *received, 100)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		rec := &received{header: req.Header.Clone(), body: string(b)}
		_ = json.Unmarshal(b, &rec.doc)
		r.mu.Lock()
		status := http.StatusOK
		if len(r.statuses) > 0 {
			status, r.statuses = r.statuses[0], r.statuses[1:]
		}
		r.mu.Unlock()
		r.got <- rec
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

// respond queues the statuses of the next answers.
func (r *receiver) respond(statuses ...int) {
	r.mu.Lock()
	r.statuses = append(r.statuses, statuses...)
	r.mu.Unlock()
}

func (r *receiver) next(t *testing.T) *received {
	t.Helper()
	select {
	case rec := <-r.got:
		return rec
	case <-time.After(10 * time.Second):
		t.Fatal("the receiver got nothing")
		return nil
	}
}

// none checks that nothing more arrives for a while.
func (r *receiver) none(t *testing.T) {
	t.Helper()
	select {
	case rec := <-r.got:
		t.Fatalf("unexpected message: %s %s", rec.header.Get("X-Amz-Sns-Message-Type"), rec.body)
	case <-time.After(200 * time.Millisecond):
	}
}

// verify checks a document's signature with the certificate its
// SigningCertURL names, as a receiver would.
func (e *env) verify(rec *received) {
	e.t.Helper()
	u, err := url.Parse(rec.str("SigningCertURL"))
	if err != nil || u.Scheme+"://"+u.Host != public {
		e.t.Fatalf("SigningCertURL %q", rec.str("SigningCertURL"))
	}
	id, ok := notify.CertificateID(u.Path)
	if !ok {
		e.t.Fatalf("SigningCertURL path %q", u.Path)
	}
	pem, err := e.svc.SigningCertificate(e.t.Context(), id)
	if err != nil {
		e.t.Fatalf("SigningCertificate: %v", err)
	}
	if err := notify.VerifySignature(rec.fields(), pem); err != nil {
		e.t.Fatalf("signature: %v", err)
	}
}

// confirmHTTP subscribes the receiver, takes the confirmation it gets and
// confirms with its token, unsigned; it returns the subscription's ARN.
func (e *env) confirmHTTP(topic string, r *receiver, attrs map[string]string) string {
	e.t.Helper()
	out, err := e.svc.Subscribe(e.t.Context(), e.root, notify.SubscribeInput{TopicARN: topic, Protocol: "http", Endpoint: r.URL + "/sns", Attributes: attrs})
	if err != nil || out != notify.PendingConfirmation {
		e.t.Fatalf("Subscribe: %q, %v", out, err)
	}
	rec := r.next(e.t)
	arn, err := e.svc.ConfirmSubscription(e.t.Context(), nil, topic, rec.str("Token"), "")
	if err != nil {
		e.t.Fatalf("ConfirmSubscription: %v", err)
	}
	return arn
}

// wantErr checks an error's code and, unless msg is "*", its message.
func wantErr(t *testing.T, err error, code errs.Code, msg string) {
	t.Helper()
	if !errs.Is(err, code) {
		t.Fatalf("got %v, want code %s", err, code)
	}
	if msg != "*" && errs.Message(err) != msg {
		t.Fatalf("message\n  %q\nwant\n  %q", errs.Message(err), msg)
	}
}
