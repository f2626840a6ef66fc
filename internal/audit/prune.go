package audit

import (
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"time"

	"github.com/keyward/keyward/internal/errs"
)

// Prune deletes the oldest segments whose events were all appended before
// before, never the newest segment, and returns how many it deleted. It
// first writes a "prune" digest raising RetainedFrom to the first event it
// keeps, so Verify can tell this deletion from tampering; the oldest
// remaining segment begins with a signed digest that anchors the chain.
func (l *Log) Prune(before time.Time) (int, error) {
	var n int
	err := l.do(func() error {
		l.mu.Lock()
		segs := slices.Clone(l.segs)
		l.mu.Unlock()
		// Segment k ends when segment k+1 begins.
		k := 0
		for k < len(segs)-1 && !segs[k+1].created.IsZero() && segs[k+1].created.Before(before) {
			k++
		}
		if k == 0 {
			return nil
		}
		l.retainedFrom = segs[k].first
		if err := l.seal(ReasonPrune, nil); err != nil {
			l.fail(err)
			return l.failedErr()
		}
		l.mu.Lock()
		l.segs = slices.Clone(l.segs[k:])
		l.mu.Unlock()
		for _, s := range segs[:k] {
			if err := l.fs.Remove(filepath.Join(l.dir, s.name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return errs.Wrap(errs.Internal, clientMsg, err)
			}
			n++
		}
		if err := l.fs.SyncDir(l.dir); err != nil {
			return errs.Wrap(errs.Internal, clientMsg, err)
		}
		return nil
	})
	return n, err
}
