package audit

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

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
				default:
					if l.Err() == nil {
						l.sealOrFail(ReasonClose, nil)
					}
					return
				}
			}
		}
	}
}

// collect gathers a batch starting with r.
func (l *Log) collect(r *appendReq) {
	l.batch = append(l.batch[:0], r)
drain:
	for len(l.batch) < l.opts.MaxBatch {
		select {
		case r := <-l.reqs:
			l.batch = append(l.batch, r)
		default:
			break drain
		}
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
