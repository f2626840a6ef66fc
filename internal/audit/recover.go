package audit

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// loadOrCreate finds the state of the log on disk, repairs a torn tail, and
// readies the newest segment for appending (creating the log if new).
func (l *Log) loadOrCreate() error {
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
