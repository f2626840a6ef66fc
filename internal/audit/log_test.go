package audit

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/errs"
)

func TestAppendScanReopen(t *testing.T) {
	dir := t.TempDir()
	l := mustOpen(t, dir, testOptions())
	seqs := appendN(t, l, 10)
	for i, s := range seqs {
		if s != uint64(i+1) {
			t.Fatalf("seq %d = %d", i, s)
		}
	}
	got, evs := allEvents(t, l)
	if !slices.Equal(got, seqs) {
		t.Fatalf("scan seqs %v, want %v", got, seqs)
	}
	if evs[3].RequestID != "req-3" || evs[3].EventTime.Time != testTime.Add(3*time.Second) {
		t.Fatalf("event 3 = %+v", evs[3])
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(context.Background(), testEvent(0)); !errors.Is(err, ErrClosed) || errs.CodeOf(err) != errs.Internal {
		t.Fatalf("Append after Close = %v, want ErrClosed", err)
	}
	expectOK(t, mustVerify(t, dir))

	l2 := mustOpen(t, dir, testOptions())
	if l2.Recovered() != nil {
		t.Fatalf("clean reopen reports recovery %+v", l2.Recovered())
	}
	more := appendN(t, l2, 5)
	if more[0] != 11 {
		t.Fatalf("after reopen, first seq = %d, want 11", more[0])
	}
	got, _ = allEvents(t, l2)
	if len(got) != 15 {
		t.Fatalf("got %d events after reopen, want 15", len(got))
	}
	l2.Close()
	rep := mustVerify(t, dir)
	expectOK(t, rep)
	if rep.Events != 15 || rep.Unsigned != 0 || rep.LastDigest.Reason != ReasonClose {
		t.Fatalf("report: %s (last digest %+v)", rep.String(), rep.LastDigest)
	}
}

func TestGroupCommitBatchesConcurrentAppends(t *testing.T) {
	dir := t.TempDir()
	l := mustOpen(t, dir, testOptions())
	const workers, each = 32, 50
	var wg sync.WaitGroup
	seen := make(chan uint64, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				seq, err := l.append(context.Background(), testEvent(w*each+i))
				if err != nil {
					t.Error(err)
					return
				}
				seen <- seq
			}
		})
	}
	wg.Wait()
	close(seen)
	var seqs []uint64
	for s := range seen {
		seqs = append(seqs, s)
	}
	slices.Sort(seqs)
	for i, s := range seqs {
		if s != uint64(i+1) {
			t.Fatalf("sequence numbers not dense: %d at %d", s, i)
		}
	}
	st := l.Stats()
	t.Logf("%d events in %d batches, %d fsyncs", st.Events, st.Batches, st.Syncs)
	if st.Events != workers*each || st.Batches >= st.Events {
		t.Fatalf("no batching: %+v", st)
	}
	l.Close()
	expectOK(t, mustVerify(t, dir))
}

func TestRotationScanBothWaysAndPrune(t *testing.T) {
	dir := t.TempDir()
	opts := testOptions()
	opts.SegmentSize = 8 << 10
	now := testTime
	var clockMu sync.Mutex
	opts.Now = func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }
	advance := func(d time.Duration) { clockMu.Lock(); now = now.Add(d); clockMu.Unlock() }
	l := mustOpen(t, dir, opts)
	for range 4 {
		appendN(t, l, 30)
		advance(24 * time.Hour)
	}
	segs := segmentFiles(t, dir)
	if len(segs) < 4 {
		t.Fatalf("only %d segments", len(segs))
	}
	fwd, _ := allEvents(t, l)
	if len(fwd) != 120 || fwd[0] != 1 || fwd[119] != 120 {
		t.Fatalf("forward scan: %d events %v…", len(fwd), fwd[:3])
	}
	var back []uint64
	if err := l.Scan(context.Background(), ScanOptions{NewestFirst: true}, func(seq uint64, ev *Event) bool {
		back = append(back, seq)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	slices.Reverse(back)
	if !slices.Equal(back, fwd) {
		t.Fatalf("backward scan differs from forward")
	}
	// Pages: newest first from a token, stopping after 7.
	var page []uint64
	l.Scan(context.Background(), ScanOptions{NewestFirst: true, Start: 77}, func(seq uint64, ev *Event) bool {
		page = append(page, seq)
		return len(page) < 7
	})
	if !slices.Equal(page, []uint64{77, 76, 75, 74, 73, 72, 71}) {
		t.Fatalf("page = %v", page)
	}
	page = nil
	l.Scan(context.Background(), ScanOptions{Start: 59}, func(seq uint64, ev *Event) bool {
		page = append(page, seq)
		return len(page) < 3
	})
	if !slices.Equal(page, []uint64{59, 60, 61}) {
		t.Fatalf("forward page = %v", page)
	}

	// Prune what was appended before the last day.
	n, err := l.Prune(now.Add(-36 * time.Hour))
	if err != nil || n == 0 {
		t.Fatalf("Prune = %d, %v", n, err)
	}
	rest, _ := allEvents(t, l)
	if rest[len(rest)-1] != 120 || rest[0] <= 1 {
		t.Fatalf("after prune: %d..%d", rest[0], rest[len(rest)-1])
	}
	for _, s := range segs[:n] {
		if _, err := os.Stat(s); !os.IsNotExist(err) {
			t.Fatalf("%s not deleted", s)
		}
	}
	appendN(t, l, 3)
	rep := mustVerify(t, dir)
	expectOK(t, rep)
	if rep.FirstSeq != rest[0] || rep.LastDigest.RetainedFrom != rest[0] {
		t.Fatalf("after prune: report first %d, retainedFrom %d, want %d", rep.FirstSeq, rep.LastDigest.RetainedFrom, rest[0])
	}
	l.Close()
	expectOK(t, mustVerify(t, dir))
	l2 := mustOpen(t, dir, opts)
	appendN(t, l2, 2)
	l2.Close()
	expectOK(t, mustVerify(t, dir))
}

func TestTail(t *testing.T) {
	dir := t.TempDir()
	opts := testOptions()
	opts.SegmentSize = 4 << 10
	l := mustOpen(t, dir, opts)
	appendN(t, l, 5)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	type got struct {
		from uint64
		seqs []uint64
	}
	results := make(chan got, 2)
	for _, from := range []uint64{3, 0} {
		go func() {
			var seqs []uint64
			err := l.Tail(ctx, from, func(seq uint64, ev *Event) bool {
				seqs = append(seqs, seq)
				return seq < 60
			})
			if err != nil {
				t.Errorf("Tail(%d): %v", from, err)
			}
			results <- got{from, seqs}
		}()
	}
	time.Sleep(50 * time.Millisecond) // let Tail(0) start before the next appends
	appendN(t, l, 55)
	for range 2 {
		r := <-results
		first := r.from
		if first == 0 {
			first = 6
		}
		for i, s := range r.seqs {
			if s != first+uint64(i) {
				t.Fatalf("Tail(%d) got %v", r.from, r.seqs)
			}
		}
		if r.seqs[len(r.seqs)-1] != 60 {
			t.Fatalf("Tail(%d) ended at %d", r.from, r.seqs[len(r.seqs)-1])
		}
	}
	// Close ends a Tail that is waiting.
	done := make(chan error)
	go func() { done <- l.Tail(context.Background(), 0, func(uint64, *Event) bool { return true }) }()
	time.Sleep(20 * time.Millisecond)
	l.Close()
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("Tail after Close = %v", err)
	}
}

func TestDigestInterval(t *testing.T) {
	dir := t.TempDir()
	opts := testOptions()
	opts.DigestInterval = 20 * time.Millisecond
	l := mustOpen(t, dir, opts)
	appendN(t, l, 3)
	deadline := time.Now().Add(5 * time.Second)
	for {
		rep := mustVerify(t, dir)
		expectOK(t, rep)
		if rep.Unsigned == 0 && rep.LastDigest.LastSeq == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no interval digest: %s", rep.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Idle: no new digests without new events.
	n := mustVerify(t, dir).Digests
	time.Sleep(100 * time.Millisecond)
	if m := mustVerify(t, dir).Digests; m != n {
		t.Fatalf("idle log wrote %d digests", m-n)
	}
}

func TestOpenLocksDirectory(t *testing.T) {
	dir := t.TempDir()
	mustOpen(t, dir, testOptions())
	if _, err := Open(dir, testOptions()); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second Open = %v, want in-use error", err)
	}
}

func TestOpenNeedsSigningKey(t *testing.T) {
	if _, err := Open(t.TempDir(), Options{}); !errs.Is(err, errs.Validation) {
		t.Fatalf("Open without key = %v", err)
	}
}

func TestTornTailIsCutOnOpen(t *testing.T) {
	for _, tc := range []struct {
		name string
		tail func(last []byte) []byte
	}{
		{"partial-line", func(last []byte) []byte { return last[:len(last)/2] }},
		{"partial-line-no-brace", func(last []byte) []byte { return last[:len(last)-2] }},
		{"zeros", func([]byte) []byte { return make([]byte, 4096) }},
		{"garbage-then-partial", func(last []byte) []byte {
			return append([]byte("\x00\x00garbage\n"), last[:len(last)-1]...)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			l := mustOpen(t, dir, testOptions())
			appendN(t, l, 4)
			l.Close()
			seg := segmentFiles(t, dir)[0]
			b := readFile(t, seg)
			// A torn copy of an event line, as an unfinished batch leaves.
			evLine := bytes.SplitAfter(b, []byte("\n"))[2]
			writeFile(t, seg, append(slices.Clone(b), tc.tail(evLine)...))
			torn := mustVerify(t, dir)
			expectOK(t, torn)
			if torn.TornTail == nil || torn.TornTail.Offset != int64(len(b)) {
				t.Fatalf("Verify did not see the torn tail: %s", torn.String())
			}

			l2 := mustOpen(t, dir, testOptions())
			rec := l2.Recovered()
			if rec == nil || rec.Offset != int64(len(b)) || rec.Bytes != int64(len(tc.tail(evLine))) {
				t.Fatalf("Recovered = %+v, want cut at %d", rec, len(b))
			}
			if seqs, _ := allEvents(t, l2); len(seqs) != 4 {
				t.Fatalf("%d events after repair", len(seqs))
			}
			appendN(t, l2, 1)
			l2.Close()
			rep := mustVerify(t, dir)
			expectOK(t, rep)
			if rep.TornTail != nil || rep.Events != 5 || len(rep.Recoveries) != 1 || rep.Recoveries[0] != *rec {
				t.Fatalf("after repair: %s, recoveries %+v", rep.String(), rep.Recoveries)
			}
			if !strings.Contains(string(readFile(t, seg)), `"recovered":{"segment":"00000000000000000001.seg"`) {
				t.Fatalf("the open digest does not record the repair")
			}
		})
	}
}

func TestDamageIsNotATornTail(t *testing.T) {
	for _, tc := range []struct {
		name   string
		want   string
		damage func(b []byte, lines [][]byte) []byte
	}{
		{"edited-middle-line", "line 3 (offset", func(b []byte, lines [][]byte) []byte {
			return bytes.Replace(b, []byte(`"req-1"`), []byte(`"req-X"`), 1)
		}},
		{"edited-last-line", "edited", func(b []byte, lines [][]byte) []byte {
			// The close digest is last; edit the last event before it
			// and drop the digest, so the edited event is the tail.
			trimmed := bytes.Join(lines[:len(lines)-1], nil)
			return bytes.Replace(trimmed, []byte(`"req-3"`), []byte(`"req-X"`), 1)
		}},
		{"garbage-before-edited-entry", "line 4 (offset", func(b []byte, lines [][]byte) []byte {
			out := bytes.Join(lines[:3], nil)
			out = append(out, "\x00\x00\x00\n"...)
			return append(out, bytes.Replace(lines[3], []byte(`"req-2"`), []byte(`"req-X"`), 1)...)
		}},
		{"garbage-before-intact-entries", "line 4 (offset", func(b []byte, lines [][]byte) []byte {
			out := bytes.Join(lines[:3], nil)
			out = append(out, "\x00\x00\x00\n"...)
			return append(out, bytes.Join(lines[3:], nil)...)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			l := mustOpen(t, dir, testOptions())
			appendN(t, l, 4)
			l.Close()
			seg := segmentFiles(t, dir)[0]
			b := readFile(t, seg)
			writeFile(t, seg, tc.damage(b, bytes.SplitAfter(b, []byte("\n"))[:bytes.Count(b, []byte("\n"))]))
			_, err := Open(dir, testOptions())
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open = %v, want ErrCorrupt naming %q", err, tc.want)
			}
			t.Log(err)
			if after := readFile(t, seg); bytes.Equal(after, b) {
				t.Fatalf("test did not damage the file")
			}
		})
	}
}

func TestOpenRefusesTruncatedLog(t *testing.T) {
	dir := t.TempDir()
	l := mustOpen(t, dir, testOptions())
	appendN(t, l, 4)
	l.Close()
	seg := segmentFiles(t, dir)[0]
	b := readFile(t, seg)
	lines := bytes.SplitAfter(b, []byte("\n"))
	// Cut the last event and the close digest: a clean cut at a line end.
	writeFile(t, seg, bytes.Join(lines[:len(lines)-3], nil))
	if _, err := Open(dir, testOptions()); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "head.json holds digest") {
		t.Fatalf("Open = %v, want truncation detected", err)
	}
	os.Remove(filepath.Join(dir, headFile))
	if _, err := Open(dir, testOptions()); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("Open without head.json = %v, want refusal", err)
	}
}

func TestHeaderlessNewestSegmentIsRemoved(t *testing.T) {
	dir := t.TempDir()
	l := mustOpen(t, dir, testOptions())
	appendN(t, l, 3)
	l.Close()
	// A crash between creating a segment and making its header durable.
	empty := filepath.Join(dir, segmentName(4))
	writeFile(t, empty, []byte(`{"digest":{"v":1,"num`))
	l2 := mustOpen(t, dir, testOptions())
	if rec := l2.Recovered(); rec == nil || rec.RemovedSegment != segmentName(4) {
		t.Fatalf("Recovered = %+v", rec)
	}
	if _, err := os.Stat(empty); !os.IsNotExist(err) {
		t.Fatalf("headerless segment still there")
	}
	appendN(t, l2, 1)
	l2.Close()
	expectOK(t, mustVerify(t, dir))
}

func TestFailClosed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		inject func(f *faultFS)
	}{
		{"write", func(f *faultFS) { f.failWrite.Store(true) }},
		{"fsync", func(f *faultFS) { f.failSync.Store(true) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			ffs := &faultFS{}
			opts := testOptions()
			opts.FS = ffs
			l := mustOpen(t, dir, opts)
			acked := appendN(t, l, 20)

			// Concurrent appends while the disk fails: none may succeed.
			tc.inject(ffs)
			var wg sync.WaitGroup
			var mu sync.Mutex
			for i := range 16 {
				wg.Go(func() {
					seq, err := l.append(context.Background(), testEvent(100+i))
					if err == nil {
						mu.Lock()
						acked = append(acked, seq)
						mu.Unlock()
						return
					}
					if !errors.Is(err, ErrFailed) || errs.CodeOf(err) != errs.Internal {
						t.Errorf("Append = %v, want ErrFailed", err)
					}
				})
			}
			wg.Wait()
			if l.Err() == nil {
				t.Fatal("log not failed")
			}
			// The disk recovers, but the log stays failed until reopened.
			ffs.failWrite.Store(false)
			ffs.failSync.Store(false)
			if err := l.Append(context.Background(), testEvent(200)); !errors.Is(err, ErrFailed) {
				t.Fatalf("Append after failure = %v", err)
			}
			if _, err := l.Prune(time.Now()); !errors.Is(err, ErrFailed) {
				t.Fatalf("Prune after failure = %v", err)
			}
			// What is durable stays readable.
			if seqs, _ := allEvents(t, l); len(seqs) < len(acked) {
				t.Fatalf("failed log scans %d events, %d acknowledged", len(seqs), len(acked))
			}
			l.Close()

			l2 := mustOpen(t, dir, testOptions())
			seqs, _ := allEvents(t, l2)
			for _, a := range acked {
				if !slices.Contains(seqs, a) {
					t.Fatalf("acknowledged event %d missing after reopen", a)
				}
			}
			if _, err := l2.append(context.Background(), testEvent(300)); err != nil {
				t.Fatalf("append after reopen: %v", err)
			}
			l2.Close()
			expectOK(t, mustVerify(t, dir))
		})
	}
}

func TestStalledFsyncFailsWithinBound(t *testing.T) {
	dir := t.TempDir()
	ffs := &faultFS{}
	opts := testOptions()
	opts.FS = ffs
	opts.StallTimeout = 100 * time.Millisecond
	l := mustOpen(t, dir, opts)
	appendN(t, l, 2)

	release := make(chan struct{})
	ffs.mu.Lock()
	ffs.blockSync = release
	ffs.mu.Unlock()
	start := time.Now()
	err := l.Append(context.Background(), testEvent(9))
	if !errors.Is(err, ErrStalled) {
		t.Fatalf("Append on a hung disk = %v, want ErrStalled", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("Append took %v on a hung disk", took)
	}
	if err := l.Append(context.Background(), testEvent(10)); !errors.Is(err, ErrFailed) {
		t.Fatalf("Append after stall = %v", err)
	}
	ffs.mu.Lock()
	ffs.blockSync = nil
	ffs.mu.Unlock()
	close(release)
	l.Close()
	l2 := mustOpen(t, dir, testOptions())
	if seqs, _ := allEvents(t, l2); len(seqs) < 2 {
		t.Fatalf("acknowledged events lost: %v", seqs)
	}
	l2.Close()
	expectOK(t, mustVerify(t, dir))
}

func TestAppendHonoursContext(t *testing.T) {
	dir := t.TempDir()
	ffs := &faultFS{}
	opts := testOptions()
	opts.FS = ffs
	l := mustOpen(t, dir, opts)
	release := make(chan struct{})
	ffs.mu.Lock()
	ffs.blockSync = release
	ffs.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := l.Append(ctx, testEvent(1)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Append = %v, want deadline exceeded", err)
	}
	ffs.mu.Lock()
	ffs.blockSync = nil
	ffs.mu.Unlock()
	close(release)
}

func TestAppendRejectsIncompleteEvent(t *testing.T) {
	l := mustOpen(t, t.TempDir(), testOptions())
	for _, ev := range []*Event{
		{EventName: "Encrypt", EventTime: TimeOf(testTime)},
		{EventSource: SourceKMS, EventTime: TimeOf(testTime)},
		{EventSource: SourceKMS, EventName: "Encrypt"},
		{EventSource: SourceKMS, EventName: "Encrypt", EventTime: TimeOf(testTime), RequestParameters: []byte("{bad")},
		{EventSource: SourceKMS, EventName: "PutKeyPolicy", EventTime: TimeOf(testTime),
			RequestParameters: []byte(`{"policy":"` + strings.Repeat("x", maxEventBytes) + `"}`)},
	} {
		if err := l.Append(context.Background(), ev); err == nil {
			t.Fatalf("Append(%+v) accepted", ev)
		}
	}
	// A bad event is the caller's bug, not a failure of the log.
	if l.Err() != nil {
		t.Fatalf("log failed: %v", l.Err())
	}
	ev := &Event{EventSource: SourceKMS, EventName: "ListKeys", EventTime: TimeOf(testTime)}
	if err := l.Append(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if ev.EventID == "" || ev.EventVersion != EventVersion || ev.UserIdentity.Type != IdentityUnknown {
		t.Fatalf("defaults not filled: %+v", ev)
	}
}

// Verify may run against a log that is being written (keyward audit verify on
// a running server) without reporting false problems.
func TestVerifyLiveLog(t *testing.T) {
	dir := t.TempDir()
	opts := testOptions()
	opts.SegmentSize = 16 << 10
	opts.DigestInterval = 2 * time.Millisecond
	l := mustOpen(t, dir, opts)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				if err := l.Append(ctx, testEvent(g*100000+i)); err != nil && ctx.Err() == nil {
					t.Error(err)
				}
			}
		})
	}
	for range 20 {
		expectOK(t, mustVerify(t, dir))
	}
	cancel()
	wg.Wait()
	l.Close()
	rep := mustVerify(t, dir)
	expectOK(t, rep)
	t.Logf("live: %s", rep.String())
}

func TestMaxDelayAndMaxBatch(t *testing.T) {
	opts := testOptions()
	opts.MaxBatch = 8
	opts.MaxDelay = 50 * time.Millisecond
	l := mustOpen(t, t.TempDir(), opts)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 5 {
				if err := l.Append(context.Background(), testEvent(g*10+i)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	st := l.Stats()
	if st.Events != 40 || st.Batches > 10 {
		t.Fatalf("MaxDelay did not gather full batches: %+v", st)
	}
}

// Readers check the chain as they go: an entry edited on disk under a
// running log is never handed out.
func TestReadersRefuseTamperedEntries(t *testing.T) {
	dir := t.TempDir()
	opts := testOptions()
	opts.SegmentSize = 8 << 10
	l := mustOpen(t, dir, opts)
	appendN(t, l, 20)
	seg := segmentFiles(t, dir)[0]
	b := readFile(t, seg)
	writeFile(t, seg, bytes.Replace(b, []byte(`"req-2"`), []byte(`"req-X"`), 1))

	for _, o := range []ScanOptions{{}, {NewestFirst: true}} {
		n := 0
		err := l.Scan(context.Background(), o, func(uint64, *Event) bool { n++; return true })
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "seq 3") {
			t.Fatalf("Scan(%+v) = %v after %d events, want ErrCorrupt at seq 3", o, err, n)
		}
	}
	err := l.Tail(context.Background(), 1, func(uint64, *Event) bool { return true })
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Tail = %v, want ErrCorrupt", err)
	}
	// A clean copy of the same line with a recomputed hash breaks the link.
	lines := splitLines(b)
	lines[3] = rehash(t, lines[3], func(body []byte) []byte {
		return bytes.Replace(body, []byte(`"req-2"`), []byte(`"req-Y"`), 1)
	})
	writeFile(t, seg, bytes.Join(lines, nil))
	for _, o := range []ScanOptions{{}, {NewestFirst: true}} {
		err := l.Scan(context.Background(), o, func(uint64, *Event) bool { return true })
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("Scan(%+v) = %v, want ErrCorrupt", o, err)
		}
	}
}
