package audit

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ProblemKind classifies what Verify found wrong.
type ProblemKind string

// Problem kinds.
const (
	// ProblemMalformed: a line that is not an entry, anywhere but a torn
	// tail.
	ProblemMalformed ProblemKind = "malformed"
	// ProblemEdited: an entry whose content does not match its hash.
	ProblemEdited ProblemKind = "edited"
	// ProblemChainBreak: an entry whose prev is not the hash of the entry
	// before it: something was deleted, inserted or moved.
	ProblemChainBreak ProblemKind = "chain-break"
	// ProblemSequence: event sequence numbers that do not follow on.
	ProblemSequence ProblemKind = "sequence"
	// ProblemDigest: a digest that is unreadable or contradicts the log
	// (range, number, chain head, segment).
	ProblemDigest ProblemKind = "digest"
	// ProblemSignature: a digest whose signature does not verify, or that
	// was signed by a key not given to Verify.
	ProblemSignature ProblemKind = "signature"
	// ProblemMissingHeader: a segment that does not begin with its digest.
	ProblemMissingHeader ProblemKind = "missing-header"
	// ProblemTruncated: the log ends before the newest digest head.json
	// names.
	ProblemTruncated ProblemKind = "truncated"
	// ProblemHead: head.json missing, unreadable, or different from the
	// digest of the same number in the log.
	ProblemHead ProblemKind = "head"
	// ProblemMissingSegments: older segments are gone that no Prune
	// recorded.
	ProblemMissingSegments ProblemKind = "missing-segments"
)

// Position locates an entry: the segment file, the line (from 1), its byte
// offset, and the event's sequence number when the entry is an event.
type Position struct {
	Segment string
	Line    int
	Offset  int64
	Seq     uint64
}

func (p Position) String() string {
	s := fmt.Sprintf("%s offset %d", p.Segment, p.Offset)
	if p.Line != 0 {
		s = fmt.Sprintf("%s line %d (offset %d)", p.Segment, p.Line, p.Offset)
	}
	if p.Seq != 0 {
		s += fmt.Sprintf(", seq %d", p.Seq)
	}
	return s
}

// Problem is one thing Verify found wrong, and where.
type Problem struct {
	Kind ProblemKind
	Position
	Detail string
}

func (p Problem) String() string { return fmt.Sprintf("%s: %s: %s", p.Position, p.Kind, p.Detail) }

// Report is what Verify found.
type Report struct {
	Segments int
	Events   uint64
	Digests  int
	// FirstSeq and LastSeq are the oldest and newest events present.
	FirstSeq, LastSeq uint64
	// LastDigest is the newest digest in the log.
	LastDigest *Digest
	// Unsigned counts the events after the newest digest: hash-chained, but
	// not yet sealed by a signature. A crash leaves some; the next Open
	// seals them.
	Unsigned uint64
	// TornTail, when set, is where an unfinished write at the end of the
	// newest segment begins (TornBytes long). Open cuts it off; it never
	// held an acknowledged event.
	TornTail  *Position
	TornBytes int64
	// Recoveries lists the crash repairs Open recorded in its digests.
	Recoveries []Recovery
	Problems   []Problem
}

// OK reports whether Verify found no problem.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d segments, %d events (seq %d..%d), %d digests, %d unsigned", r.Segments, r.Events, r.FirstSeq, r.LastSeq, r.Digests, r.Unsigned)
	if r.TornTail != nil {
		fmt.Fprintf(&b, ", torn tail of %d bytes at %s", r.TornBytes, r.TornTail)
	}
	for _, p := range r.Problems {
		b.WriteString("\n")
		b.WriteString(p.String())
	}
	return b.String()
}

// Verify checks the log in dir without changing it: every entry's hash,
// every link of the chain across all segments, the order of sequence
// numbers, every digest's signature and content, head.json against the log,
// and that no segment is missing beyond what Prune recorded. keys are the
// Ed25519 public keys the digests may be signed with (more than one after a
// key rotation). The error is for failing to read the directory; what is
// wrong with the log is in the Report.
func Verify(dir string, keys ...ed25519.PublicKey) (Report, error) {
	var rep Report
	if len(keys) == 0 {
		return rep, errors.New("audit: Verify needs at least one public key")
	}
	// head.json first: on a live log it can only fall behind the segments
	// read after it, never get ahead of them.
	head, headErr := os.ReadFile(filepath.Join(dir, headFile))
	names, err := listSegments(OSFS{}, dir)
	if err != nil {
		return rep, err
	}
	w := newWalker(keys, true)
	w.keepDigests = true
	w.report = func(p Problem) { rep.Problems = append(rep.Problems, p) }
	var end Position
	for i, name := range names {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return rep, err
		}
		res, err := w.walkSegment(f, name, i == len(names)-1)
		f.Close()
		if err != nil {
			return rep, err
		}
		if res.torn != nil {
			rep.TornTail, rep.TornBytes = res.torn, res.tornBytes
		}
		end = res.end
	}
	rep.Segments = len(names)
	rep.Events, rep.Digests = w.events, w.digests
	rep.FirstSeq, rep.LastSeq = w.firstSeq, w.lastSeq
	if w.events == 0 {
		rep.FirstSeq = 0
	}
	rep.LastDigest = w.lastDigest
	if w.sinceDigest != 0 {
		rep.Unsigned = w.lastSeq - w.sinceDigest + 1
	}

	// Older segments may only be missing if a Prune said so first.
	if len(names) > 0 && w.oldestHeader != nil && w.oldestHeader.Reason != ReasonCreate {
		first := w.oldestHeader.LastSeq + 1
		if w.lastDigest == nil || w.lastDigest.RetainedFrom < first {
			recorded := uint64(1)
			if w.lastDigest != nil {
				recorded = w.lastDigest.RetainedFrom
			}
			rep.Problems = append(rep.Problems, Problem{Kind: ProblemMissingSegments,
				Position: Position{Segment: names[0], Line: 1},
				Detail:   fmt.Sprintf("events before seq %d are gone, but the log recorded pruning only before seq %d", first, recorded)})
		}
	}
	rep.Recoveries = w.recoveries
	checkHead(head, headErr, w, end, &rep)
	return rep, nil
}

// checkHead compares head.json (b, or the error reading it) with the log.
func checkHead(b []byte, err error, w *walker, end Position, rep *Report) {
	headPos := Position{Segment: headFile, Line: 1}
	if errors.Is(err, fs.ErrNotExist) {
		if w.digests > 0 {
			rep.Problems = append(rep.Problems, Problem{Kind: ProblemHead, Position: headPos, Detail: "head.json is missing"})
		}
		return
	}
	if err != nil {
		rep.Problems = append(rep.Problems, Problem{Kind: ProblemHead, Position: headPos, Detail: err.Error()})
		return
	}
	e, d, err := parseHead(b)
	if err != nil {
		rep.Problems = append(rep.Problems, Problem{Kind: ProblemHead, Position: headPos, Detail: err.Error()})
		return
	}
	if pub := w.keys[d.KeyID]; pub == nil || !verifyDigestSig(pub, e.body, e.sig) {
		rep.Problems = append(rep.Problems, Problem{Kind: ProblemSignature, Position: headPos, Detail: "head.json's digest signature does not verify"})
		return
	}
	last := uint64(0)
	if w.lastDigest != nil {
		last = w.lastDigest.Number
	}
	switch h, ok := w.digestHashes[d.Number]; {
	case d.Number > last:
		rep.Problems = append(rep.Problems, Problem{Kind: ProblemTruncated, Position: end,
			Detail: fmt.Sprintf("the log ends at digest #%d (seq %d), but head.json holds digest #%d sealing seq %d: entries were cut off the end", last, w.lastSeq, d.Number, d.LastSeq)})
	case !ok:
		rep.Problems = append(rep.Problems, Problem{Kind: ProblemHead, Position: headPos,
			Detail: fmt.Sprintf("head.json holds digest #%d, which is not in the log", d.Number)})
	case h != e.hash:
		rep.Problems = append(rep.Problems, Problem{Kind: ProblemHead, Position: headPos,
			Detail: fmt.Sprintf("head.json's digest #%d differs from the log's", d.Number)})
	}
}

// parseHead parses head.json: one digest line.
func parseHead(b []byte) (entry, *Digest, error) {
	e, err := parseLine(b)
	if err != nil {
		return e, nil, fmt.Errorf("head.json: %v", err)
	}
	if e.kind != kindDigest {
		return e, nil, errors.New("head.json does not hold a digest")
	}
	d, err := parseDigest(e.body)
	if err != nil {
		return e, nil, fmt.Errorf("head.json: %v", err)
	}
	return e, d, nil
}

// walker checks a sequence of entries: hashes, links, sequence numbers and
// digests. Verify runs it over every segment; Open over the newest.
type walker struct {
	keys       map[string]ed25519.PublicKey
	strictKeys bool // a digest signed by an unknown key is a problem
	report     func(Problem)

	havePrev    bool
	prev        hash32
	haveSeq     bool
	lastSeq     uint64 // newest event seen (or sealed by the first digest)
	firstSeq    uint64 // oldest event seen
	sinceDigest uint64 // first event after the newest digest, 0 if none

	lastDigest     *Digest
	lastDigestHash hash32
	oldestHeader   *Digest
	events         uint64
	digests        int

	keepDigests  bool
	digestHashes map[uint64]hash32
	recoveries   []Recovery
}

func newWalker(keys []ed25519.PublicKey, strict bool) *walker {
	w := &walker{keys: make(map[string]ed25519.PublicKey, len(keys)), strictKeys: strict, digestHashes: map[uint64]hash32{}}
	for _, k := range keys {
		w.keys[KeyID(k)] = k
	}
	return w
}

// segmentResult is what walking one segment found.
type segmentResult struct {
	entries   int
	goodEnd   int64     // end offset of the last entry before any torn tail
	end       Position  // where the segment ends
	torn      *Position // start of a torn tail (last segment only)
	tornBytes int64
	lastLine  []byte // the last entry's line (a copy)
}

// walkSegment walks one segment file. In the newest segment (last), damage
// with no intact entry after it is a torn tail, not a problem.
func (w *walker) walkSegment(r io.Reader, name string, last bool) (segmentResult, error) {
	var res segmentResult
	segSeq, _ := parseSegmentName(name)
	lr := newLineReader(r, 0)
	var pending *Problem
	lineNo := 0
	for {
		line, off, complete, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, err
		}
		lineNo++
		pos := Position{Segment: name, Line: lineNo, Offset: off}
		var e entry
		var perr error
		if complete {
			e, perr = parseLine(line)
		} else {
			perr = malformed("unfinished last line (no newline)")
		}
		var le *lineError
		if perr != nil && !(errors.As(perr, &le) && le.edited) {
			p := Problem{Kind: ProblemMalformed, Position: pos, Detail: perr.Error()}
			if last && pending == nil {
				pending = &p // a torn tail, unless an intact entry follows
			} else if !last {
				w.report(p)
			}
			continue
		}
		if pending != nil {
			// A well-formed entry (even an edited one) after the damage:
			// no torn write makes one, so the damage is corruption.
			w.report(*pending)
			pending = nil
		}
		if e.kind == kindEvent {
			pos.Seq = e.seq
		}
		w.entry(name, segSeq, lineNo == 1, pos, &e, perr != nil)
		res.entries++
		res.goodEnd = lr.off
		res.lastLine = append(res.lastLine[:0], line...)
	}
	res.end = Position{Segment: name, Line: lineNo + 1, Offset: lr.off}
	if pending != nil {
		res.torn = &pending.Position
		res.tornBytes = lr.off - pending.Offset
		res.end = pending.Position
	}
	return res, nil
}

// entry checks one entry at pos and advances the walker past it. first is
// set for the first line of a segment; edited when the entry's stored hash
// does not match its content.
func (w *walker) entry(seg string, segSeq uint64, first bool, pos Position, e *entry, edited bool) {
	var kind ProblemKind
	var details []string
	add := func(k ProblemKind, format string, args ...any) {
		if kind == "" {
			kind = k
		}
		details = append(details, fmt.Sprintf(format, args...))
	}
	if edited {
		add(ProblemEdited, "the entry's content does not match its hash")
	}
	if w.havePrev && e.prev != w.prev {
		add(ProblemChainBreak, "prev is not the hash of the entry before it: an entry was deleted, inserted or moved")
	}
	if first && e.kind != kindDigest {
		add(ProblemMissingHeader, "the segment does not begin with a digest")
	}
	switch e.kind {
	case kindEvent:
		if w.haveSeq && e.seq != w.lastSeq+1 {
			add(ProblemSequence, "seq %d follows seq %d", e.seq, w.lastSeq)
		}
		if w.events == 0 {
			w.firstSeq = e.seq
		}
		w.lastSeq, w.haveSeq = e.seq, true
		w.events++
		if w.sinceDigest == 0 {
			w.sinceDigest = e.seq
		}
	case kindDigest:
		d, err := parseDigest(e.body)
		if err != nil {
			add(ProblemDigest, "unreadable digest: %v", err)
			break
		}
		if pub := w.keys[d.KeyID]; pub == nil {
			if w.strictKeys {
				add(ProblemSignature, "digest #%d is signed by key %s, which is not one of the keys given", d.Number, d.KeyID)
			}
		} else if !verifyDigestSig(pub, e.body, e.sig) {
			add(ProblemSignature, "digest #%d's signature does not verify", d.Number)
		}
		if d.PrevHash != hex.EncodeToString(e.prev[:]) {
			add(ProblemDigest, "digest #%d seals a chain head other than the entry before it", d.Number)
		}
		if d.Segment != seg {
			add(ProblemDigest, "digest #%d was written to segment %s, not %s", d.Number, d.Segment, seg)
		}
		if w.lastDigest != nil {
			if d.Number != w.lastDigest.Number+1 {
				add(ProblemDigest, "digest #%d follows digest #%d", d.Number, w.lastDigest.Number)
			}
			if d.PrevDigest != hex.EncodeToString(w.lastDigestHash[:]) {
				add(ProblemDigest, "digest #%d does not name the digest before it", d.Number)
			}
			if d.FirstSeq != w.sinceDigest {
				add(ProblemDigest, "digest #%d covers events from seq %d, but they start at seq %d", d.Number, d.FirstSeq, w.sinceDigest)
			}
		}
		if w.haveSeq && d.LastSeq != w.lastSeq {
			add(ProblemDigest, "digest #%d seals seq %d, but the last event before it is seq %d", d.Number, d.LastSeq, w.lastSeq)
		}
		if first {
			switch {
			case d.Reason != ReasonCreate && d.Reason != ReasonRotate:
				add(ProblemDigest, "segment header digest #%d has reason %q", d.Number, d.Reason)
			case d.LastSeq+1 != segSeq:
				add(ProblemDigest, "segment %s begins after seq %d", seg, d.LastSeq)
			case d.Reason == ReasonCreate && (d.LastSeq != 0 || d.Number != 1 || e.prev != (hash32{})):
				add(ProblemDigest, "a create digest that does not start a log")
			}
			if w.oldestHeader == nil {
				w.oldestHeader = d
			}
		}
		if !w.haveSeq {
			// The oldest segment after pruning: its header anchors the
			// chain with a signature.
			w.lastSeq, w.haveSeq = d.LastSeq, true
		}
		if d.Recovered != nil {
			w.recoveries = append(w.recoveries, *d.Recovered)
		}
		w.lastDigest, w.lastDigestHash = d, e.hash
		w.sinceDigest = 0
		w.digests++
		if w.keepDigests {
			w.digestHashes[d.Number] = e.hash
		}
	}
	w.prev, w.havePrev = e.hash, true
	if kind != "" {
		w.report(Problem{Kind: kind, Position: pos, Detail: strings.Join(details, "; ")})
	}
}

// listSegments returns the segment file names in dir, oldest first.
func listSegments(fsys FS, dir string) ([]string, error) {
	ents, err := fsys.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if _, ok := parseSegmentName(e.Name()); ok && e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}
