package alarms_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/alarms"
	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/storage/sqlite"
)

const (
	account = "111122223333"
	region  = "us-east-1"
	topic   = "arn:aws:sns:us-east-1:111122223333:ops"
)

// trail is an in-memory audit trail: Scan and Tail as audit.Log has them.
type trail struct {
	mu     sync.Mutex
	events []*audit.Event // seq i+1
	grew   chan struct{}
}

func newTrail() *trail { return &trail{grew: make(chan struct{})} }

func (tr *trail) append(ev *audit.Event) uint64 {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.events = append(tr.events, ev)
	close(tr.grew)
	tr.grew = make(chan struct{})
	return uint64(len(tr.events))
}

func (tr *trail) Scan(ctx context.Context, opts audit.ScanOptions, fn func(uint64, *audit.Event) bool) error {
	tr.mu.Lock()
	evs := tr.events
	tr.mu.Unlock()
	if opts.NewestFirst {
		start := uint64(len(evs))
		if opts.Start != 0 && opts.Start < start {
			start = opts.Start
		}
		for seq := start; seq >= 1; seq-- {
			if !fn(seq, evs[seq-1]) {
				return nil
			}
		}
		return nil
	}
	for seq := max(opts.Start, 1); seq <= uint64(len(evs)); seq++ {
		if !fn(seq, evs[seq-1]) {
			return nil
		}
	}
	return ctx.Err()
}

func (tr *trail) Tail(ctx context.Context, from uint64, fn func(uint64, *audit.Event) bool) error {
	tr.mu.Lock()
	if from == 0 {
		from = uint64(len(tr.events)) + 1
	}
	tr.mu.Unlock()
	for {
		tr.mu.Lock()
		evs, grew := tr.events, tr.grew
		tr.mu.Unlock()
		for ; from <= uint64(len(evs)); from++ {
			if !fn(from, evs[from-1]) {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-grew:
		}
	}
}

// published is one notification the fake SNS received.
type published struct {
	Topic, Subject, Message string
}

type notifier struct {
	mu   sync.Mutex
	msgs []published
	err  error
}

func (n *notifier) PublishSystem(_ context.Context, topicARN, subject, message string) (string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.err != nil {
		return "", n.err
	}
	n.msgs = append(n.msgs, published{topicARN, subject, message})
	return fmt.Sprintf("msg-%d", len(n.msgs)), nil
}

func (n *notifier) all() []published {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]published(nil), n.msgs...)
}

// clock is the alarm clock tests move.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is a Service on a real SQLite store, a fake trail and a fake SNS.
type env struct {
	t      *testing.T
	store  *sqlite.Store
	trail  *trail
	sns    *notifier
	clock  *clock
	logs   *syncBuffer
	svc    *alarms.Service
	cfg    alarms.Config
	cancel context.CancelFunc
	done   chan struct{}
	caller *authz.Caller
}

// start is t0: the minute boundary the tests' events and clock begin at.
var start = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

func newEnv(t *testing.T, opts ...func(*alarms.Config)) *env {
	t.Helper()
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "keyward.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e := &env{t: t, store: store, trail: newTrail(), sns: &notifier{}, clock: &clock{t: start}, logs: &syncBuffer{},
		caller: authz.RootCaller(account, region, "AKIAEXAMPLE")}
	e.cfg = alarms.Config{Store: store, Source: e.trail, Notifier: e.sns, Now: e.clock.Now,
		Logger:        slog.New(slog.NewJSONHandler(e.logs, nil)),
		FlushInterval: 10 * time.Millisecond, EvalInterval: time.Hour,
		Builtin: alarms.Builtin{Disabled: true}}
	for _, o := range opts {
		o(&e.cfg)
	}
	e.open()
	return e
}

// open builds the service and runs it.
func (e *env) open() {
	e.t.Helper()
	e.svc = alarms.New(e.cfg)
	if err := e.svc.Init(e.t.Context()); err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel, e.done = cancel, make(chan struct{})
	go func() { defer close(e.done); e.svc.Run(ctx) }()
	e.t.Cleanup(e.stop)
}

func (e *env) stop() {
	if e.cancel != nil {
		e.cancel()
		<-e.done
		e.cancel = nil
	}
}

// kmsEvent is a KMS call of the test account at time at, failing with
// errorCode when it is not "".
func kmsEvent(at time.Time, op, errorCode, keyARN string) *audit.Event {
	ev := audit.NewEvent(audit.SourceKMS, op, at)
	ev.UserIdentity = audit.RootIdentity(account, "AKIAEXAMPLE")
	ev.AWSRegion, ev.RecipientAccountID, ev.SourceIPAddress = region, account, "192.0.2.1"
	if errorCode != "" {
		ev.ErrorCode, ev.ErrorMessage = errorCode, keyARN+" is disabled."
	}
	if keyARN != "" {
		ev.Resources = []audit.Resource{audit.KeyResource(keyARN)}
		ev.RequestParameters = json.RawMessage(`{"keyId":"` + keyARN + `"}`)
	}
	ev.ReadOnly = true
	return ev
}

const keyARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

// sync waits until the ingest has counted everything appended.
func (e *env) sync() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.t.Context(), 10*time.Second)
	defer cancel()
	if err := e.svc.Sync(ctx); err != nil {
		e.t.Fatalf("sync: %v", err)
	}
}

func (e *env) evaluate() {
	e.t.Helper()
	if err := e.svc.EvaluateAlarms(e.t.Context()); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) alarm(name string) *alarms.Alarm {
	e.t.Helper()
	as, _, err := e.svc.DescribeAlarms(e.t.Context(), e.caller, alarms.DescribeAlarmsInput{Names: []string{name}})
	if err != nil || len(as) != 1 {
		e.t.Fatalf("DescribeAlarms %s: %v %v", name, as, err)
	}
	return as[0]
}

func (e *env) history(name, typ string) []alarms.HistoryItem {
	e.t.Helper()
	items, _, err := e.svc.DescribeAlarmHistory(e.t.Context(), e.caller, alarms.HistoryInput{AlarmName: name, ItemType: typ, Ascending: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return items
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
