package audit

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Format constants. Changing any of them is a new format version.
const (
	formatVersion  = 1
	kindEvent      = 'E'
	kindDigest     = 'D'
	digestContext  = "keyward-audit-digest-v1\n"
	segmentSuffix  = ".seg"
	segmentNameLen = 20 + len(segmentSuffix)
	headFile       = "head.json"
	maxLineBytes   = maxEventBytes + 512 // an event line with its framing
	hashHexLen     = 2 * sha256.Size
	sigB64Len      = (ed25519.SignatureSize + 2) / 3 * 4

	eventPrefix  = `{"seq":`
	eventPrev    = `,"prev":"`
	eventHashKey = `","hash":"`
	eventBody    = `","event":`
	eventEnd     = "}\n"
	digestPrefix = `{"digest":`
	digestSig    = `,"sig":"`
	digestPrev   = `","prev":"`
	digestHash   = `","hash":"`
	digestEnd    = "\"}\n"
	digestSuffix = len(digestSig) + sigB64Len + len(digestPrev) + hashHexLen + len(digestHash) + hashHexLen + len(digestEnd)
)

// Digest reasons.
const (
	ReasonCreate   = "create"   // first entry of a new log
	ReasonRotate   = "rotate"   // first entry of every later segment
	ReasonOpen     = "open"     // the log was opened (and perhaps repaired)
	ReasonInterval = "interval" // Options.DigestInterval passed with new events
	ReasonPrune    = "prune"    // segments before RetainedFrom are about to be deleted
	ReasonClose    = "close"    // the log was closed cleanly
)

// Digest is the signed statement a digest entry carries: the chain head at
// that point, the events covered since the previous digest, and the oldest
// event the log still keeps.
type Digest struct {
	Version int       `json:"v"`
	Number  uint64    `json:"number"` // 1 for the first digest of a log, then +1
	Reason  string    `json:"reason"`
	Time    time.Time `json:"time"`
	Segment string    `json:"segment"` // the segment file holding this digest
	// FirstSeq..LastSeq are the events written since the previous digest;
	// FirstSeq is 0 when there were none. LastSeq is the newest event
	// before this digest (0 if the log has none yet).
	FirstSeq uint64 `json:"firstSeq"`
	LastSeq  uint64 `json:"lastSeq"`
	// PrevHash is the hash of the entry before this digest: the chain head
	// the signature seals. PrevDigest is the hash of the previous digest
	// entry ("" for the first).
	PrevHash   string `json:"prevHash"`
	PrevDigest string `json:"prevDigest"`
	// RetainedFrom is the oldest event sequence number the log keeps; Prune
	// raises it before deleting segments.
	RetainedFrom uint64 `json:"retainedFrom"`
	// KeyID names the signing key: the first 8 bytes of SHA-256 of the
	// Ed25519 public key, in hex.
	KeyID     string    `json:"keyId"`
	Recovered *Recovery `json:"recovered,omitempty"`
}

// Recovery records what Open repaired after a crash: the torn tail it cut off
// the newest segment, or a newest segment it removed because not even its
// first entry had been written.
type Recovery struct {
	Segment        string `json:"segment"`
	Offset         int64  `json:"offset"`
	Bytes          int64  `json:"bytes"`
	RemovedSegment string `json:"removedSegment,omitempty"`
}

// KeyID returns the key ID digests record for pub.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

type hash32 = [sha256.Size]byte

// entry is one parsed line of a segment. body and sig alias the line.
type entry struct {
	kind byte
	seq  uint64 // events only
	prev hash32
	hash hash32 // as stored on the line
	body []byte // event or digest JSON
	sig  []byte // digests only
}

func eventEntryHash(prev hash32, seq uint64, bodySum hash32) hash32 {
	var buf [sha256.Size + 1 + 8 + sha256.Size]byte
	copy(buf[:], prev[:])
	buf[sha256.Size] = kindEvent
	binary.BigEndian.PutUint64(buf[sha256.Size+1:], seq)
	copy(buf[sha256.Size+9:], bodySum[:])
	return sha256.Sum256(buf[:])
}

func digestEntryHash(prev hash32, body, sig []byte) hash32 {
	bodySum := sha256.Sum256(body)
	h := sha256.New()
	h.Write(prev[:])
	h.Write([]byte{kindDigest})
	h.Write(bodySum[:])
	h.Write(sig)
	var out hash32
	h.Sum(out[:0])
	return out
}

// computeHash returns the hash the entry's content implies.
func (e *entry) computeHash() hash32 {
	if e.kind == kindEvent {
		return eventEntryHash(e.prev, e.seq, sha256.Sum256(e.body))
	}
	return digestEntryHash(e.prev, e.body, e.sig)
}

func appendHex(dst []byte, h hash32) []byte { return hex.AppendEncode(dst, h[:]) }

func appendEventLine(dst []byte, seq uint64, prev, hash hash32, body []byte) []byte {
	dst = append(dst, eventPrefix...)
	dst = strconv.AppendUint(dst, seq, 10)
	dst = append(dst, eventPrev...)
	dst = appendHex(dst, prev)
	dst = append(dst, eventHashKey...)
	dst = appendHex(dst, hash)
	dst = append(dst, eventBody...)
	dst = append(dst, body...)
	return append(dst, eventEnd...)
}

func appendDigestLine(dst []byte, body, sig []byte, prev, hash hash32) []byte {
	dst = append(dst, digestPrefix...)
	dst = append(dst, body...)
	dst = append(dst, digestSig...)
	dst = base64.StdEncoding.AppendEncode(dst, sig)
	dst = append(dst, digestPrev...)
	dst = appendHex(dst, prev)
	dst = append(dst, digestHash...)
	dst = appendHex(dst, hash)
	return append(dst, digestEnd...)
}

// lineError says why a line is not an entry. edited is set when the line is
// well formed but its stored hash does not match its content.
type lineError struct {
	edited bool
	msg    string
}

func (e *lineError) Error() string { return e.msg }

func malformed(format string, args ...any) error {
	return &lineError{msg: fmt.Sprintf(format, args...)}
}

// parseLine parses one complete line (ending in '\n') of a segment. The
// format has exactly one spelling for every entry, so an accepted line
// re-encodes to the same bytes. A line that parses but whose hash does not
// match its content is returned with a *lineError whose edited is set.
func parseLine(line []byte) (entry, error) {
	var e entry
	if len(line) > maxLineBytes {
		return e, malformed("line longer than %d bytes", maxLineBytes)
	}
	if len(line) == 0 || line[len(line)-1] != '\n' {
		return e, malformed("line does not end in a newline")
	}
	switch {
	case bytes.HasPrefix(line, []byte(eventPrefix)):
		e.kind = kindEvent
		rest := line[len(eventPrefix):]
		n := 0
		for n < len(rest) && n < 20 && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n == 0 || (n > 1 && rest[0] == '0') {
			return e, malformed("bad sequence number")
		}
		seq, err := strconv.ParseUint(string(rest[:n]), 10, 64)
		if err != nil || seq == 0 {
			return e, malformed("bad sequence number")
		}
		e.seq = seq
		rest = rest[n:]
		if rest, err = expectHash(rest, eventPrev, &e.prev); err != nil {
			return e, err
		}
		if rest, err = expectHash(rest, eventHashKey, &e.hash); err != nil {
			return e, err
		}
		if !bytes.HasPrefix(rest, []byte(eventBody)) || !bytes.HasSuffix(rest, []byte(eventEnd)) ||
			len(rest) < len(eventBody)+len(eventEnd) {
			return e, malformed("bad event framing")
		}
		e.body = rest[len(eventBody) : len(rest)-len(eventEnd)]
		if len(e.body) == 0 || e.body[0] != '{' || !json.Valid(e.body) {
			return e, malformed("event is not a JSON object")
		}
	case bytes.HasPrefix(line, []byte(digestPrefix)):
		e.kind = kindDigest
		if len(line) < len(digestPrefix)+2+digestSuffix {
			return e, malformed("digest line too short")
		}
		cut := len(line) - digestSuffix
		e.body = line[len(digestPrefix):cut]
		if e.body[0] != '{' || !json.Valid(e.body) {
			return e, malformed("digest is not a JSON object")
		}
		rest := line[cut:]
		if !bytes.HasPrefix(rest, []byte(digestSig)) {
			return e, malformed("bad digest framing")
		}
		rest = rest[len(digestSig):]
		sig, err := base64.StdEncoding.Strict().DecodeString(string(rest[:sigB64Len]))
		if err != nil || len(sig) != ed25519.SignatureSize {
			return e, malformed("bad digest signature encoding")
		}
		rest = rest[sigB64Len:]
		if rest, err = expectHash(rest, digestPrev, &e.prev); err != nil {
			return e, err
		}
		if rest, err = expectHash(rest, digestHash, &e.hash); err != nil {
			return e, err
		}
		if string(rest) != digestEnd {
			return e, malformed("bad digest framing")
		}
		e.sig = sig
	default:
		return e, malformed("not an audit entry")
	}
	if e.computeHash() != e.hash {
		return e, &lineError{edited: true, msg: "hash does not match the entry's content"}
	}
	return e, nil
}

func expectHash(rest []byte, key string, dst *hash32) ([]byte, error) {
	if !bytes.HasPrefix(rest, []byte(key)) || len(rest) < len(key)+hashHexLen {
		return nil, malformed("bad framing before %s", key)
	}
	h := rest[len(key) : len(key)+hashHexLen]
	for _, c := range h {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return nil, malformed("hash is not lower-case hex")
		}
	}
	_, _ = hex.Decode(dst[:], h)
	return rest[len(key)+hashHexLen:], nil
}

// encode re-encodes a parsed entry; for any accepted line it gives the line.
func (e *entry) encode() []byte {
	if e.kind == kindEvent {
		return appendEventLine(nil, e.seq, e.prev, e.hash, e.body)
	}
	return appendDigestLine(nil, e.body, e.sig, e.prev, e.hash)
}

// parseDigest decodes a digest body strictly.
func parseDigest(body []byte) (*Digest, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var d Digest
	if err := dec.Decode(&d); err != nil {
		return nil, err
	}
	if d.Version != formatVersion {
		return nil, fmt.Errorf("digest format version %d, want %d", d.Version, formatVersion)
	}
	return &d, nil
}

// signDigest encodes d and signs it, returning the digest line and the
// entry's hash.
func signDigest(priv ed25519.PrivateKey, d *Digest, prev hash32) (line []byte, h hash32, err error) {
	body, err := marshalNoEscape(d)
	if err != nil {
		return nil, h, err
	}
	sig := ed25519.Sign(priv, append([]byte(digestContext), body...))
	h = digestEntryHash(prev, body, sig)
	return appendDigestLine(nil, body, sig, prev, h), h, nil
}

func verifyDigestSig(pub ed25519.PublicKey, body, sig []byte) bool {
	return ed25519.Verify(pub, append([]byte(digestContext), body...), sig)
}

// segmentName is the file name of the segment whose first event is seq.
func segmentName(seq uint64) string { return fmt.Sprintf("%020d%s", seq, segmentSuffix) }

// parseSegmentName returns the first sequence number a segment file name
// declares.
func parseSegmentName(name string) (uint64, bool) {
	if len(name) != segmentNameLen || name[20:] != segmentSuffix {
		return 0, false
	}
	for _, c := range name[:20] {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(name[:20], 10, 64)
	return n, err == nil && n > 0
}

// lineReader reads the lines of a segment, keeping their offsets.
type lineReader struct {
	r   *bufio.Reader
	off int64
	buf []byte
}

func newLineReader(r io.Reader, off int64) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10), off: off}
}

// next returns the next line with its offset. A line is complete when it
// ends in '\n'; the bytes after the last newline come back incomplete. A
// line longer than maxLineBytes is skipped to its newline and returned as
// its first maxLineBytes+1 bytes (which parseLine rejects). At the end it
// returns io.EOF.
func (lr *lineReader) next() (line []byte, off int64, complete bool, err error) {
	lr.buf = lr.buf[:0]
	off = lr.off
	for {
		chunk, err := lr.r.ReadSlice('\n')
		lr.off += int64(len(chunk))
		if len(lr.buf) <= maxLineBytes {
			room := maxLineBytes + 1 - len(lr.buf)
			lr.buf = append(lr.buf, chunk[:min(len(chunk), room)]...)
		}
		switch {
		case err == nil:
			// A line over maxLineBytes comes back cut, without its
			// newline, and parseLine rejects it.
			return lr.buf, off, true, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(lr.buf) == 0 {
				return nil, off, false, io.EOF
			}
			return lr.buf, off, false, nil
		default:
			return nil, off, false, err
		}
	}
}
