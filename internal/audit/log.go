package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keyward/keyward/internal/errs"
)

// Errors a Log returns, wrapped in an *errs.Error with code errs.Internal
// (match them with errors.Is).
var (
	// ErrClosed: the log was closed.
	ErrClosed = errors.New("audit: log is closed")
	// ErrFailed: a write, fsync or rotation failed earlier; the log refuses
	// every append until it is reopened.
	ErrFailed = errors.New("audit: log failed and refuses appends until it is reopened")
	// ErrStalled: a write or fsync took longer than Options.StallTimeout.
	ErrStalled = errors.New("audit: write or fsync did not complete in time")
	// ErrCorrupt: the log on disk is damaged or was tampered with.
	ErrCorrupt = errors.New("audit: log is corrupt")
)

// clientMsg is the message of every error a Log returns; the cause is for
// the server log only.
const clientMsg = "audit trail unavailable"

// Defaults for Options.
const (
	DefaultSegmentSize    = 64 << 20
	DefaultMaxBatch       = 1024
	DefaultDigestInterval = time.Minute
	DefaultStallTimeout   = 10 * time.Second
)

// Options configure a Log.
type Options struct {
	// SigningKey signs the digests. Required. The caller derives it from
	// the root of trust; Verify needs its public half.
	SigningKey ed25519.PrivateKey
	// SegmentSize is the size after which a segment is closed and a new one
	// begun (default 64 MiB).
	SegmentSize int64
	// MaxBatch caps the events written by one write and fsync (default 1024).
	MaxBatch int
	// MaxDelay is how long the writer waits for more events before writing a
	// batch that is not full. The default, 0, writes at once: batches form
	// naturally from the events that arrive during the previous fsync.
	MaxDelay time.Duration
	// DigestInterval is how often a digest seals new events (default one
	// minute). Digests are also written on rotation, open, prune and close.
	DigestInterval time.Duration
	// StallTimeout bounds a write or fsync: one that takes longer fails the
	// log (default 10 s), so a hung disk refuses requests instead of
	// holding them.
	StallTimeout time.Duration
	// FS is the file system (default OSFS). Tests inject failures here.
	FS FS
	// Now is the clock for digests and pruning (default time.Now).
	Now func() time.Time
}

// Stats counts a Log's work since it was opened.
type Stats struct {
	Events  uint64 // events made durable
	Batches uint64 // batches of events written
	Syncs   uint64 // fsyncs of segment files, for events and digests
}

// Log is the audit trail: an append-only, hash-chained, signed log of
// events in segment files. It is safe for concurrent use.
type Log struct {
	dir   string
	opts  Options
	fs    FS
	priv  ed25519.PrivateKey
	keyID string
	lock  io.Closer
	epoch time.Time

	reqs chan *appendReq
	ctrl chan ctrlReq
	quit chan struct{} // closed by Close
	done chan struct{} // closed when the writer exits

	closeOnce sync.Once
	closeErr  error

	failMu  sync.Mutex
	failErr error
	failed  chan struct{} // closed when the log fails

	syncStart atomic.Int64 // time since epoch an I/O step began, 0 when idle
	nEvents   atomic.Uint64
	nBatches  atomic.Uint64
	nSyncs    atomic.Uint64

	// Guarded by mu: what readers may see.
	mu        sync.Mutex
	segs      []segInfo
	committed int64  // durable size of the newest segment
	lastSeq   uint64 // newest durable event (0 if none)
	notify    chan struct{}
	recovered *Recovery

	// Owned by the writer goroutine (and by Open before it starts).
	f              File
	seg            string
	size           int64 // durable size of f
	nextSeq        uint64
	prev           hash32
	digestNum      uint64
	lastDigestHash hash32
	lastDigestTime time.Time
	sinceDigest    uint64 // first event after the newest digest, 0 if none
	retainedFrom   uint64
	buf            []byte
	batch          []*appendReq
}

// segInfo describes one segment file.
type segInfo struct {
	name    string
	first   uint64    // first event's sequence number (from the name)
	created time.Time // its header digest's time; zero if unreadable
}

type appendReq struct {
	body []byte
	sum  hash32
	seq  uint64
	done chan error
}

type ctrlReq struct {
	fn   func() error
	done chan error
}

// Open opens (or creates) the log in dir. It takes the directory's lock,
// checks the newest segment, cuts off a torn final write left by a crash,
// compares the log with head.json, and seals what it found with an "open"
// digest. It refuses a log that is damaged anywhere else (ErrCorrupt), so a
// server never appends to a trail it cannot vouch for.
func Open(dir string, opts Options) (*Log, error) {
	if len(opts.SigningKey) != ed25519.PrivateKeySize {
		return nil, errs.E(errs.Validation, "audit: Options.SigningKey must be an Ed25519 private key")
	}
	if opts.SegmentSize <= 0 {
		opts.SegmentSize = DefaultSegmentSize
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = DefaultMaxBatch
	}
	if opts.DigestInterval <= 0 {
		opts.DigestInterval = DefaultDigestInterval
	}
	if opts.StallTimeout <= 0 {
		opts.StallTimeout = DefaultStallTimeout
	}
	if opts.FS == nil {
		opts.FS = OSFS{}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	l := &Log{
		dir:    dir,
		opts:   opts,
		fs:     opts.FS,
		priv:   opts.SigningKey,
		keyID:  KeyID(opts.SigningKey.Public().(ed25519.PublicKey)),
		epoch:  time.Now(),
		reqs:   make(chan *appendReq, 4*opts.MaxBatch),
		ctrl:   make(chan ctrlReq),
		quit:   make(chan struct{}),
		done:   make(chan struct{}),
		failed: make(chan struct{}),
		notify: make(chan struct{}),
	}
	if err := l.fs.MkdirAll(dir, 0o700); err != nil {
		return nil, errs.Wrap(errs.Internal, clientMsg, err)
	}
	if lk, ok := l.fs.(Locker); ok {
		c, err := lk.Lock(dir)
		if err != nil {
			return nil, errs.Wrap(errs.Internal, clientMsg, err)
		}
		l.lock = c
	}
	if err := l.loadOrCreate(); err != nil {
		if l.f != nil {
			l.f.Close()
		}
		if l.lock != nil {
			l.lock.Close()
		}
		return nil, errs.Wrap(errs.Internal, clientMsg, err)
	}
	go l.run()
	go l.watch()
	return l, nil
}

// Append records ev and returns once it is durable: written and fsynced
// together with the other events that arrived meanwhile. It fills
// EventVersion, EventType, EventCategory and EventID when they are empty
// (so the caller can read the EventID afterwards) and removes what the
// redaction rules name from the raw JSON fields; ev must not change during
// the call.
//
// An error means the event is not known to be durable: the caller must
// refuse the request it was recording. Once a write or fsync fails, every
// later Append fails too (ErrFailed) until the log is reopened. An event
// whose Append failed may still be found in the log after reopening; it was
// never acknowledged.
func (l *Log) Append(ctx context.Context, ev *Event) error {
	_, err := l.append(ctx, ev)
	return err
}

func (l *Log) append(ctx context.Context, ev *Event) (uint64, error) {
	if err := l.unavailable(); err != nil {
		return 0, err
	}
	if err := ev.prepare(); err != nil {
		return 0, errs.Wrap(errs.Internal, clientMsg, fmt.Errorf("audit: %w", err))
	}
	body, err := encodeEvent(ev)
	if err != nil {
		return 0, errs.Wrap(errs.Internal, clientMsg, fmt.Errorf("audit: %w", err))
	}
	r := &appendReq{body: body, sum: sha256.Sum256(body), done: make(chan error, 1)}
	select {
	case l.reqs <- r:
	case <-ctx.Done():
		return 0, l.ctxErr(ctx)
	case <-l.failed:
		return 0, l.unavailable()
	case <-l.quit:
		return 0, errs.Wrap(errs.Internal, clientMsg, ErrClosed)
	}
	select {
	case err := <-r.done:
		return r.seq, err
	case <-ctx.Done():
	case <-l.failed:
	case <-l.quit:
	}
	// Prefer the writer's answer if it is already there.
	select {
	case err := <-r.done:
		return r.seq, err
	default:
	}
	if ctx.Err() != nil {
		return 0, l.ctxErr(ctx)
	}
	if err := l.unavailable(); err != nil {
		return 0, err
	}
	return 0, errs.Wrap(errs.Internal, clientMsg, ErrClosed)
}

func (l *Log) ctxErr(ctx context.Context) error {
	return errs.Wrap(errs.Internal, clientMsg, fmt.Errorf("audit: waiting for the event to become durable: %w", ctx.Err()))
}

// failedErr is the error Append returns once the log has failed.
func (l *Log) failedErr() error {
	return errs.Wrap(errs.Internal, clientMsg, fmt.Errorf("%w: %w", ErrFailed, l.Err()))
}

// unavailable returns the error for a failed or closed log, or nil.
func (l *Log) unavailable() error {
	if l.Err() != nil {
		return l.failedErr()
	}
	select {
	case <-l.quit:
		return errs.Wrap(errs.Internal, clientMsg, ErrClosed)
	default:
		return nil
	}
}

// Err returns the failure that put the log in its failed state, or nil while
// it is healthy. Health checks report it.
func (l *Log) Err() error {
	l.failMu.Lock()
	defer l.failMu.Unlock()
	return l.failErr
}

// fail puts the log in the failed state; the first cause is kept.
func (l *Log) fail(err error) {
	l.failMu.Lock()
	defer l.failMu.Unlock()
	if l.failErr == nil {
		l.failErr = err
		close(l.failed)
	}
}

// Stats returns the log's counters.
func (l *Log) Stats() Stats {
	return Stats{Events: l.nEvents.Load(), Batches: l.nBatches.Load(), Syncs: l.nSyncs.Load()}
}

// Recovered reports what Open repaired after a crash, or nil if the log was
// closed cleanly (or new).
func (l *Log) Recovered() *Recovery {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.recovered
}

// Close commits the events already queued, seals the log with a "close"
// digest, and releases the directory. Appends after Close fail with
// ErrClosed. Close returns the failure of a failed log (see Err); if the
// writer is stuck in a stalled fsync, it gives up after
// Options.StallTimeout and returns ErrStalled.
func (l *Log) Close() error {
	l.closeOnce.Do(func() {
		close(l.quit)
		select {
		case <-l.done:
		case <-l.failed:
			select {
			case <-l.done:
			case <-time.After(l.opts.StallTimeout):
				l.closeErr = errs.Wrap(errs.Internal, clientMsg, ErrStalled)
				return
			}
		}
		if l.Err() != nil {
			l.closeErr = l.failedErr()
		}
		if l.f != nil {
			if err := l.f.Close(); err != nil && l.closeErr == nil {
				l.closeErr = errs.Wrap(errs.Internal, clientMsg, err)
			}
		}
		if l.lock != nil {
			l.lock.Close()
		}
	})
	return l.closeErr
}

// do runs fn on the writer goroutine.
func (l *Log) do(fn func() error) error {
	if err := l.unavailable(); err != nil {
		return err
	}
	c := ctrlReq{fn: fn, done: make(chan error, 1)}
	select {
	case l.ctrl <- c:
	case <-l.quit:
		return errs.Wrap(errs.Internal, clientMsg, ErrClosed)
	}
	return <-c.done
}

// encodeEvent applies the redaction rules to the event's raw JSON fields and
// encodes it.
func encodeEvent(ev *Event) ([]byte, error) {
	cp := *ev
	var err error
	if cp.RequestParameters, err = redactRaw(ev.EventSource, ev.EventName, ev.RequestParameters); err != nil {
		return nil, fmt.Errorf("requestParameters: %w", err)
	}
	if cp.ResponseElements, err = redactRaw(ev.EventSource, ev.EventName, ev.ResponseElements); err != nil {
		return nil, fmt.Errorf("responseElements: %w", err)
	}
	if cp.AdditionalEventData, err = redactRaw(ev.EventSource, ev.EventName, ev.AdditionalEventData); err != nil {
		return nil, fmt.Errorf("additionalEventData: %w", err)
	}
	body, err := marshalNoEscape(&cp)
	if err != nil {
		return nil, err
	}
	if len(body) > maxEventBytes {
		return nil, fmt.Errorf("event of %d bytes is over the %d-byte limit", len(body), maxEventBytes)
	}
	return body, nil
}
