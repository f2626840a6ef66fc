package server

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"time"

	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/internal/errs"
)

// exportJSONL follows the audit trail and appends every event, one JSON
// object per line, to path — the file a SIEM collects. It resumes after the
// last exported sequence number (kept in the store), so a restart neither
// loses nor repeats lines except the few written just before a crash.
func (s *Server) exportJSONL(ctx context.Context, path string) error {
	const metaKey = "audit.jsonl.seq"
	var from uint64
	if b, err := s.store.GetMeta(ctx, metaKey); err == nil {
		n, _ := strconv.ParseUint(string(b), 10, 64)
		from = n + 1
	} else if !errs.Is(err, errs.NotFound) {
		return err
	} else {
		from = 1
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	var last uint64
	lastSaved := time.Now()
	save := func() error {
		if err := f.Sync(); err != nil {
			return err
		}
		return s.store.PutMeta(context.WithoutCancel(ctx), metaKey, []byte(strconv.FormatUint(last, 10)))
	}
	var werr error
	err = s.audit.Tail(ctx, from, func(seq uint64, ev *audit.Event) bool {
		b, err := json.Marshal(ev)
		if err != nil {
			werr = err
			return false
		}
		if _, err := f.Write(append(b, '\n')); err != nil {
			werr = err
			return false
		}
		last = seq
		if time.Since(lastSaved) > time.Second {
			if werr = save(); werr != nil {
				return false
			}
			lastSaved = time.Now()
		}
		return true
	})
	if last != 0 {
		if serr := save(); werr == nil {
			werr = serr
		}
	}
	if werr != nil {
		return werr
	}
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
