// Package audit owns Keyward's audit trail: the typed audit Event in
// CloudTrail's record shape, the rules that keep secrets out of it, and the
// durable, tamper-evident, fail-closed Log the events are written to.
//
// # What it owns
//
//   - Event and its parts (UserIdentity, Resource, …), which marshal to JSON
//     exactly as CloudTrail writes a record, field for field and in AWS's
//     order.
//   - Redaction: RedactParams and RequestParameters remove plaintext,
//     ciphertext, key material, grant tokens, secret keys, session tokens,
//     passwords and every other binary value before parameters become part
//     of an event, and Append applies the same rules again to whatever
//     requestParameters, responseElements and additionalEventData it is given.
//   - Log: append-only segment files holding one record per line, each
//     record hash-chained to the one before it, written by a single goroutine
//     that batches concurrent callers into one write and one fsync (group
//     commit). Append returns only once its event is durable. Ed25519-signed
//     digests, chained into the same log, seal the chain head periodically,
//     on segment rotation, on open, on prune and on close; Verify checks all
//     of it with the public key.
//   - Readers: Scan (oldest or newest first) and Tail (follow new events as
//     they become durable) serve LookupEvents, metric filters and
//     `keyward audit tail`; they never see an event that is not durable.
//   - Retention: Prune deletes whole segments, and the chain stays
//     verifiable from the first segment that remains.
//
// # What it must not do
//
//   - Hold plaintext, ciphertext, key material, secret access keys, session
//     tokens, grant tokens or passwords, in an event or anywhere else.
//   - Decide access. An event records the decision other packages made; the
//     audit package never authorizes, denies or filters a request.
//   - Acknowledge an event that is not durable. When a write or fsync fails,
//     or takes longer than Options.StallTimeout, the Log fails closed: that
//     Append and every later one return an error until the log is reopened,
//     and the caller must refuse the request it was recording.
//   - Import anything above it: only the standard library and internal/errs.
//
// # On disk
//
// A log directory holds segment files named after the sequence number of
// their first event (00000000000000000001.seg, …), a head.json holding a copy
// of the newest digest, and a LOCK file. Every line of a segment is one entry:
//
//	{"seq":N,"prev":"<hex>","hash":"<hex>","event":{…CloudTrail record…}}
//	{"digest":{…},"sig":"<base64>","prev":"<hex>","hash":"<hex>"}
//
// prev is the hash of the entry before (32 zero bytes before the first entry
// of a log). An event entry's hash is SHA-256(prev || "E" || uint64be(seq) ||
// SHA-256(event)), a digest entry's is SHA-256(prev || "D" ||
// SHA-256(digest) || sig), where event and digest are the exact JSON bytes on
// the line. The digest's signature is Ed25519 over
// "keyward-audit-digest-v1\n" || digest. The first entry of every segment is a
// digest, so a segment left after pruning is anchored by a signature. The
// digest body carries the format version ("v":1).
//
// A torn final write (a partial or damaged tail of the newest segment with no
// intact entry after it) is cut off when the log is opened and recorded in the
// next digest; damage anywhere else is corruption, and Open refuses the log.
package audit
