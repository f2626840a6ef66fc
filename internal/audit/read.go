package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/keyward/keyward/internal/errs"
)

// ScanOptions choose the order and the starting point of a Scan.
type ScanOptions struct {
	// NewestFirst scans from the newest event back to the oldest, as
	// LookupEvents answers.
	NewestFirst bool
	// Start is the sequence number to begin at, inclusive: oldest first,
	// events from Start on; newest first, events up to Start. 0 begins at
	// the oldest (or newest) event. A page token can carry it.
	Start uint64
}

// Scan calls fn for every durable event in the order opts choose, until fn
// returns false, ctx is done, or the events run out. Every entry read is
// checked against its hash and its neighbour's, so Scan never hands out an
// edited event: it stops with an ErrCorrupt error instead. Scan works on a
// failed log too: what is durable stays readable.
func (l *Log) Scan(ctx context.Context, opts ScanOptions, fn func(seq uint64, ev *Event) bool) error {
	v := l.view()
	if opts.NewestFirst {
		return l.scanBackward(ctx, v, opts.Start, fn)
	}
	start := max(opts.Start, 1)
	c := cursor{}
	for i := v.segmentFor(start); i < len(v.segs); i++ {
		c = cursor{seg: v.segs[i].name, prev: c.prev, havePrev: c.havePrev}
		n := 0
		cont, err := l.readForward(&c, v.limit(i), func(e *entry) (bool, error) {
			if e.kind != kindEvent || e.seq < start {
				return true, nil
			}
			if n++; n%256 == 0 && ctx.Err() != nil {
				return false, ctx.Err()
			}
			ev, err := decodeEvent(e.body)
			if err != nil {
				return false, corrupt(c.pos(e), err.Error())
			}
			return fn(e.seq, ev), nil
		})
		if errors.Is(err, errPruned) {
			c = cursor{}
			continue
		}
		if err != nil || !cont {
			return err
		}
	}
	return ctx.Err()
}

func (l *Log) scanBackward(ctx context.Context, v view, start uint64, fn func(seq uint64, ev *Event) bool) error {
	if start == 0 || start > v.lastSeq {
		start = v.lastSeq
	}
	var newerPrev hash32
	haveNewer := false
	n := 0
	for i := v.segmentFor(start); i >= 0; i-- {
		name := v.segs[i].name
		f, err := l.fs.OpenFile(filepath.Join(l.dir, name), os.O_RDONLY, 0)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // pruned meanwhile: nothing older remains
		}
		if err != nil {
			return err
		}
		limit := v.limit(i)
		if limit < 0 {
			st, err := f.Stat()
			if err != nil {
				f.Close()
				return err
			}
			limit = st.Size()
		}
		stop := false
		err = readLinesBackward(f, limit, func(line []byte, off int64) error {
			pos := Position{Segment: name, Offset: off}
			e, err := parseLine(line)
			if e.kind == kindEvent {
				pos.Seq = e.seq
			}
			if err != nil {
				return corrupt(pos, err.Error())
			}
			if haveNewer && e.hash != newerPrev {
				return corrupt(pos, "the entry after this one does not chain to it")
			}
			newerPrev, haveNewer = e.prev, true
			if e.kind != kindEvent || e.seq > start {
				return nil
			}
			if n++; n%256 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			ev, err := decodeEvent(e.body)
			if err != nil {
				return corrupt(pos, err.Error())
			}
			if !fn(e.seq, ev) {
				stop = true
				return errStop
			}
			return nil
		})
		f.Close()
		if stop {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

// Tail calls fn for each event from sequence number from on, as it becomes
// durable, and keeps following the log until fn returns false (nil), ctx
// is done (ctx.Err()) or the log is closed (ErrClosed). from 0 follows only
// events appended after the call; a from older than the oldest retained
// event starts at the oldest. fn runs on the caller's goroutine; a slow fn
// delays only its own Tail, never an Append.
func (l *Log) Tail(ctx context.Context, from uint64, fn func(seq uint64, ev *Event) bool) error {
	v := l.view()
	if from == 0 {
		from = v.lastSeq + 1
	}
	c := cursor{seg: v.segs[v.segmentFor(from)].name}
	deliver := func(e *entry) (bool, error) {
		if e.kind != kindEvent || e.seq < from {
			return true, nil
		}
		ev, err := decodeEvent(e.body)
		if err != nil {
			return false, corrupt(c.pos(e), err.Error())
		}
		return fn(e.seq, ev), nil
	}
	for {
		v = l.view()
		i := slices.IndexFunc(v.segs, func(s segInfo) bool { return s.name == c.seg })
		if i < 0 { // pruned under us
			i, c = 0, cursor{seg: v.segs[0].name}
		}
		cont, err := l.readForward(&c, v.limit(i), deliver)
		if errors.Is(err, errPruned) {
			c = cursor{} // restart at the oldest segment left
			continue
		}
		if err != nil || !cont {
			return err
		}
		if i < len(v.segs)-1 {
			c = cursor{seg: v.segs[i+1].name, prev: c.prev, havePrev: c.havePrev}
			continue
		}
		select {
		case <-v.notify:
		case <-ctx.Done():
			return ctx.Err()
		case <-l.quit:
			return errs.Wrap(errs.Internal, clientMsg, ErrClosed)
		}
	}
}

// view is what readers may see of the log at one moment.
type view struct {
	segs      []segInfo
	committed int64
	lastSeq   uint64
	notify    <-chan struct{}
}

func (l *Log) view() view {
	l.mu.Lock()
	defer l.mu.Unlock()
	return view{segs: slices.Clone(l.segs), committed: l.committed, lastSeq: l.lastSeq, notify: l.notify}
}

// segmentFor returns the index of the segment that holds seq (the oldest
// segment if seq is older than all of them).
func (v view) segmentFor(seq uint64) int {
	i := sort.Search(len(v.segs), func(i int) bool { return v.segs[i].first > seq }) - 1
	return max(i, 0)
}

// limit is how far segment i may be read: the durable size for the newest,
// -1 (the whole file) for the others, which are complete.
func (v view) limit(i int) int64 {
	if i == len(v.segs)-1 {
		return v.committed
	}
	return -1
}

// cursor is a reader's place in the log and the hash it expects next.
type cursor struct {
	seg      string
	off      int64
	line     int
	prev     hash32
	havePrev bool
}

func (c *cursor) pos(e *entry) Position {
	p := Position{Segment: c.seg, Line: c.line}
	if e.kind == kindEvent {
		p.Seq = e.seq
	}
	return p
}

var (
	errPruned = errors.New("audit: segment pruned")
	errStop   = errors.New("stop")
)

// readForward reads the entries of c's segment from c.off up to limit (-1:
// the end of the file), checking each entry's hash and its link to the one
// before, and calls fn for each. It returns false when fn stopped.
func (l *Log) readForward(c *cursor, limit int64, fn func(e *entry) (bool, error)) (bool, error) {
	f, err := l.fs.OpenFile(filepath.Join(l.dir, c.seg), os.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return true, errPruned
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	if limit < 0 {
		st, err := f.Stat()
		if err != nil {
			return false, err
		}
		limit = st.Size()
	}
	if c.off >= limit {
		return true, nil
	}
	lr := newLineReader(io.NewSectionReader(f, c.off, limit-c.off), c.off)
	for {
		line, off, complete, err := lr.next()
		if errors.Is(err, io.EOF) {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		c.line++
		pos := Position{Segment: c.seg, Line: c.line, Offset: off}
		if !complete {
			return false, corrupt(pos, "unfinished line inside the durable log")
		}
		e, err := parseLine(line)
		if err != nil {
			if e.kind == kindEvent {
				pos.Seq = e.seq
			}
			return false, corrupt(pos, err.Error())
		}
		if c.havePrev && e.prev != c.prev {
			return false, corrupt(c.pos(&e), "the entry does not chain to the one before it")
		}
		c.prev, c.havePrev = e.hash, true
		c.off = lr.off
		if cont, err := fn(&e); err != nil || !cont {
			return cont, err
		}
	}
}

// readLinesBackward calls fn for each line of r[:size], newest first, with
// its offset. It stops at fn's first error.
func readLinesBackward(r io.ReaderAt, size int64, fn func(line []byte, off int64) error) error {
	const chunk = 64 << 10
	var carry []byte // the start of r[pos:] that is not yet a whole line
	pos := size
	for pos > 0 {
		n := min(int64(chunk), pos)
		pos -= n
		data := make([]byte, n, int(n)+len(carry))
		if _, err := r.ReadAt(data, pos); err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		data = append(data, carry...)
		end := len(data)
		for end > 0 {
			k := bytes.LastIndexByte(data[:end-1], '\n')
			if k < 0 {
				break
			}
			if err := fn(data[k+1:end], pos+int64(k+1)); err != nil {
				return err
			}
			end = k + 1
		}
		carry = data[:end]
		if len(carry) > maxLineBytes {
			return corrupt(Position{Offset: pos}, "line too long")
		}
	}
	if len(carry) > 0 {
		return fn(carry, 0)
	}
	return nil
}

func decodeEvent(body []byte) (*Event, error) {
	var ev Event
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, err
	}
	return &ev, nil
}

func corrupt(pos Position, detail string) error {
	return errs.Wrap(errs.Internal, clientMsg, fmt.Errorf("%w: %s: %s", ErrCorrupt, pos, detail))
}
