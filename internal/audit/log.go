package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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
	if err := l.recover(); err != nil {
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
// ErrClosed. If the writer is stuck in a stalled fsync, Close gives up after
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

// run is the writer goroutine: the only one that writes the log.
func (l *Log) run() {
	defer close(l.done)
	tick := time.NewTicker(l.opts.DigestInterval)
	defer tick.Stop()
	for {
		select {
		case r := <-l.reqs:
			l.collect(r)
			l.commit()
		case <-tick.C:
			if l.sinceDigest != 0 && l.Err() == nil && l.opts.Now().Sub(l.lastDigestTime) >= l.opts.DigestInterval/2 {
				l.sealOrFail(ReasonInterval, nil)
			}
		case c := <-l.ctrl:
			c.done <- c.fn()
		case <-l.quit:
			for {
				select {
				case r := <-l.reqs:
					l.collect(r)
					l.commit()
					continue
				default:
				}
				break
			}
			if l.Err() == nil {
				l.sealOrFail(ReasonClose, nil)
			}
			return
		}
	}
}

// collect gathers a batch starting with r.
func (l *Log) collect(r *appendReq) {
	l.batch = append(l.batch[:0], r)
	for len(l.batch) < l.opts.MaxBatch {
		select {
		case r := <-l.reqs:
			l.batch = append(l.batch, r)
			continue
		default:
		}
		break
	}
	if l.opts.MaxDelay <= 0 || len(l.batch) >= l.opts.MaxBatch {
		return
	}
	t := time.NewTimer(l.opts.MaxDelay)
	defer t.Stop()
	for len(l.batch) < l.opts.MaxBatch {
		select {
		case r := <-l.reqs:
			l.batch = append(l.batch, r)
		case <-t.C:
			return
		}
	}
}

// commit writes the batch with one write and one fsync, then answers every
// caller in it.
func (l *Log) commit() {
	batch := l.batch
	defer func() { clear(l.batch); l.batch = l.batch[:0] }()
	if l.Err() != nil {
		ferr := l.failedErr()
		for _, r := range batch {
			r.done <- ferr
		}
		return
	}
	buf := l.buf[:0]
	seq, prev := l.nextSeq, l.prev
	for _, r := range batch {
		h := eventEntryHash(prev, seq, r.sum)
		buf = appendEventLine(buf, seq, prev, h, r.body)
		r.seq = seq
		prev = h
		seq++
	}
	lastSeq := seq - 1
	since := l.sinceDigest
	if since == 0 {
		since = l.nextSeq
	}
	// A due digest rides along with the batch, in the same fsync.
	var digestLine []byte
	var d *Digest
	if l.opts.Now().Sub(l.lastDigestTime) >= l.opts.DigestInterval {
		var dh hash32
		var err error
		d, digestLine, dh, err = l.makeDigest(ReasonInterval, since, lastSeq, prev, nil)
		if err != nil {
			l.failBatch(batch, err)
			return
		}
		buf = append(buf, digestLine...)
		prev = dh
	}
	l.buf = buf
	if err := l.writeSync(buf); err != nil {
		l.failBatch(batch, err)
		return
	}
	l.nextSeq, l.prev = seq, prev
	l.size += int64(len(buf))
	if d != nil {
		l.sealed(d, prev)
	} else {
		l.sinceDigest = since
	}
	l.publish(lastSeq)
	l.nEvents.Add(uint64(len(batch)))
	l.nBatches.Add(1)
	for _, r := range batch {
		r.done <- nil
	}
	if d != nil {
		if err := l.writeHead(digestLine); err != nil {
			l.fail(err)
			return
		}
	}
	if l.size >= l.opts.SegmentSize {
		if err := l.rotate(); err != nil {
			l.fail(err)
		}
	}
	if cap(l.buf) > 4<<20 {
		l.buf = nil // do not hold on to an unusually large batch
	}
}

// failBatch fails the log and every caller in the batch, and cuts what may
// have been written of the batch (best effort: the log is failed anyway).
func (l *Log) failBatch(batch []*appendReq, err error) {
	l.fail(err)
	_ = l.f.Truncate(l.size)
	ferr := l.failedErr()
	for _, r := range batch {
		r.done <- ferr
	}
}

// writeSync writes buf to the newest segment and fsyncs it. It fails if the
// log failed meanwhile (the watchdog saw it stall).
func (l *Log) writeSync(buf []byte) error {
	l.syncStart.Store(int64(time.Since(l.epoch)) | 1)
	defer l.syncStart.Store(0)
	if _, err := l.f.Write(buf); err != nil {
		return fmt.Errorf("audit: write %s: %w", l.seg, err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("audit: fsync %s: %w", l.seg, err)
	}
	l.nSyncs.Add(1)
	return l.Err()
}

// publish makes everything written so far visible to readers.
func (l *Log) publish(lastSeq uint64) {
	l.mu.Lock()
	l.committed = l.size
	l.lastSeq = lastSeq
	close(l.notify)
	l.notify = make(chan struct{})
	l.mu.Unlock()
}

// makeDigest builds and signs the digest that follows the entry whose hash
// is prev.
func (l *Log) makeDigest(reason string, since, lastSeq uint64, prev hash32, rec *Recovery) (*Digest, []byte, hash32, error) {
	d := &Digest{
		Version:      formatVersion,
		Number:       l.digestNum + 1,
		Reason:       reason,
		Time:         l.opts.Now().UTC(),
		Segment:      l.seg,
		FirstSeq:     since,
		LastSeq:      lastSeq,
		PrevHash:     hex.EncodeToString(prev[:]),
		RetainedFrom: l.retainedFrom,
		KeyID:        l.keyID,
		Recovered:    rec,
	}
	if l.digestNum > 0 {
		d.PrevDigest = hex.EncodeToString(l.lastDigestHash[:])
	}
	line, h, err := signDigest(l.priv, d, prev)
	return d, line, h, err
}

// sealed records that digest d, whose entry hash is h, is durable.
func (l *Log) sealed(d *Digest, h hash32) {
	l.digestNum = d.Number
	l.lastDigestHash = h
	l.lastDigestTime = d.Time
	l.sinceDigest = 0
}

// seal writes a digest on its own and updates head.json.
func (l *Log) seal(reason string, rec *Recovery) error {
	d, line, h, err := l.makeDigest(reason, l.sinceDigest, l.nextSeq-1, l.prev, rec)
	if err != nil {
		return err
	}
	if err := l.writeSync(line); err != nil {
		_ = l.f.Truncate(l.size)
		return err
	}
	l.size += int64(len(line))
	l.prev = h
	l.sealed(d, h)
	l.publish(l.nextSeq - 1)
	return l.writeHead(line)
}

func (l *Log) sealOrFail(reason string, rec *Recovery) {
	if err := l.seal(reason, rec); err != nil {
		l.fail(err)
	}
}

// writeHead replaces head.json with line, atomically and durably.
func (l *Log) writeHead(line []byte) error {
	l.syncStart.Store(int64(time.Since(l.epoch)) | 1)
	defer l.syncStart.Store(0)
	tmp := filepath.Join(l.dir, headFile+".tmp")
	f, err := l.fs.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("audit: write %s: %w", headFile, err)
	}
	_, err = f.Write(line)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = l.fs.Rename(tmp, filepath.Join(l.dir, headFile))
	}
	if err == nil {
		err = l.fs.SyncDir(l.dir)
	}
	if err != nil {
		return fmt.Errorf("audit: write %s: %w", headFile, err)
	}
	return l.Err()
}

// rotate closes the newest segment and begins the next one with a header
// digest sealing everything before it.
func (l *Log) rotate() error {
	name := segmentName(l.nextSeq)
	f, err := l.fs.OpenFile(filepath.Join(l.dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("audit: create segment: %w", err)
	}
	old, oldSeg := l.f, l.seg
	l.f, l.seg = f, name
	d, line, h, err := l.makeDigest(ReasonRotate, l.sinceDigest, l.nextSeq-1, l.prev, nil)
	if err == nil {
		err = l.writeSync(line)
	}
	if err == nil {
		l.syncStart.Store(int64(time.Since(l.epoch)) | 1)
		err = l.fs.SyncDir(l.dir)
		l.syncStart.Store(0)
	}
	if err != nil {
		// Keep appending nowhere: the log is about to fail. Open removes a
		// segment whose header never became durable.
		l.f, l.seg = old, oldSeg
		f.Close()
		return err
	}
	old.Close()
	l.size = int64(len(line))
	l.prev = h
	l.sealed(d, h)
	l.mu.Lock()
	l.segs = append(l.segs, segInfo{name: name, first: l.nextSeq, created: d.Time})
	l.mu.Unlock()
	l.publish(l.nextSeq - 1)
	return l.writeHead(line)
}

// watch fails the log when an I/O step of the writer takes longer than
// StallTimeout.
func (l *Log) watch() {
	period := max(l.opts.StallTimeout/4, time.Millisecond)
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-l.done:
			return
		case <-t.C:
			if s := l.syncStart.Load(); s != 0 && time.Since(l.epoch)-time.Duration(s) > l.opts.StallTimeout {
				l.fail(fmt.Errorf("%w (over %v)", ErrStalled, l.opts.StallTimeout))
			}
		}
	}
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

// recover finds the state of the log on disk, repairs a torn tail, and
// readies the newest segment for appending (creating the log if new).
func (l *Log) recover() error {
	names, err := listSegments(l.fs, l.dir)
	if err != nil {
		return err
	}
	pub := l.priv.Public().(ed25519.PublicKey)
	var (
		remove []string
		rec    *Recovery
		w      *walker
		res    segmentResult
	)
	for len(names) > 0 {
		name := names[len(names)-1]
		var problems []Problem
		w = newWalker([]ed25519.PublicKey{pub}, false)
		w.report = func(p Problem) { problems = append(problems, p) }
		f, err := l.fs.OpenFile(filepath.Join(l.dir, name), os.O_RDONLY, 0)
		if err != nil {
			return err
		}
		res, err = w.walkSegment(f, name, true)
		f.Close()
		if err != nil {
			return err
		}
		if len(problems) > 0 {
			return fmt.Errorf("%w: %s", ErrCorrupt, problems[0])
		}
		if res.entries > 0 {
			if res.torn != nil {
				rec = &Recovery{Segment: name, Offset: res.torn.Offset, Bytes: res.tornBytes}
			}
			break
		}
		// Not even the header became durable: the segment holds nothing.
		remove = append(remove, name)
		names = names[:len(names)-1]
		w = nil
	}
	if len(remove) > 0 {
		if rec == nil {
			rec = &Recovery{}
		}
		rec.RemovedSegment = remove[0]
		if rec.Segment == "" && len(names) > 0 {
			rec.Segment = names[len(names)-1]
		}
	}

	// head.json must not be ahead of the log.
	head, err := l.readHead()
	if err != nil {
		return err
	}
	var last *Digest
	if w != nil {
		last = w.lastDigest
	}
	switch {
	case head == nil && last != nil && !(len(names) == 1 && last.Number == 1 && w.events == 0):
		return fmt.Errorf("%w: %s is missing", ErrCorrupt, headFile)
	case head != nil && last == nil:
		return fmt.Errorf("%w: the log has no segments, but %s holds digest #%d (seq %d)", ErrCorrupt, headFile, head.d.Number, head.d.LastSeq)
	case head != nil && head.d.KeyID == l.keyID && !verifyDigestSig(pub, head.e.body, head.e.sig):
		return fmt.Errorf("%w: %s's signature does not verify", ErrCorrupt, headFile)
	case head != nil && head.d.Number > last.Number:
		return fmt.Errorf("%w: the log ends at digest #%d (seq %d), but %s holds digest #%d sealing seq %d",
			ErrCorrupt, last.Number, w.lastSeq, headFile, head.d.Number, head.d.LastSeq)
	case head != nil && head.d.Number == last.Number && head.e.hash != w.lastDigestHash:
		return fmt.Errorf("%w: %s differs from the log's digest #%d", ErrCorrupt, headFile, last.Number)
	}

	// Repair.
	for _, name := range remove {
		if err := l.fs.Remove(filepath.Join(l.dir, name)); err != nil {
			return err
		}
	}
	if len(remove) > 0 {
		if err := l.fs.SyncDir(l.dir); err != nil {
			return err
		}
	}
	if len(names) == 0 {
		return l.create()
	}
	name := names[len(names)-1]
	f, err := l.fs.OpenFile(filepath.Join(l.dir, name), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	l.f, l.seg = f, name
	if res.torn != nil {
		if err := f.Truncate(res.goodEnd); err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return err
		}
	}
	l.size = res.goodEnd
	l.prev = w.prev
	l.nextSeq = w.lastSeq + 1
	l.digestNum, l.lastDigestHash, l.lastDigestTime = last.Number, w.lastDigestHash, last.Time
	l.sinceDigest = w.sinceDigest
	l.retainedFrom = last.RetainedFrom
	if err := l.loadSegments(names); err != nil {
		return err
	}
	l.recovered = rec
	l.committed, l.lastSeq = l.size, w.lastSeq
	return l.seal(ReasonOpen, rec)
}

type headDigest struct {
	e entry
	d *Digest
}

// readHead reads head.json, or returns nil if there is none.
func (l *Log) readHead() (*headDigest, error) {
	f, err := l.fs.OpenFile(filepath.Join(l.dir, headFile), os.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxLineBytes+1))
	if err != nil {
		return nil, err
	}
	e, d, err := parseHead(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return &headDigest{e: e, d: d}, nil
}

// create starts a new log: its first segment, sealed by digest #1.
func (l *Log) create() error {
	name := segmentName(1)
	f, err := l.fs.OpenFile(filepath.Join(l.dir, name), os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	l.f, l.seg = f, name
	l.nextSeq, l.retainedFrom = 1, 1
	d, line, h, err := l.makeDigest(ReasonCreate, 0, 0, hash32{}, nil)
	if err != nil {
		return err
	}
	if err := l.writeSync(line); err != nil {
		return err
	}
	if err := l.fs.SyncDir(l.dir); err != nil {
		return err
	}
	l.size = int64(len(line))
	l.prev = h
	l.sealed(d, h)
	l.segs = []segInfo{{name: name, first: 1, created: d.Time}}
	l.committed = l.size
	return l.writeHead(line)
}

// loadSegments reads the header digest of every segment, for Prune.
func (l *Log) loadSegments(names []string) error {
	l.segs = make([]segInfo, 0, len(names))
	for _, name := range names {
		first, _ := parseSegmentName(name)
		si := segInfo{name: name, first: first}
		f, err := l.fs.OpenFile(filepath.Join(l.dir, name), os.O_RDONLY, 0)
		if err != nil {
			return err
		}
		line, _, complete, err := newLineReader(f, 0).next()
		f.Close()
		if err == nil && complete {
			if e, perr := parseLine(line); perr == nil && e.kind == kindDigest {
				if d, derr := parseDigest(e.body); derr == nil {
					si.created = d.Time
				}
			}
		}
		l.segs = append(l.segs, si)
	}
	return nil
}
