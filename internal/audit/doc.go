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
//     passwords and every binary value before parameters become part of an
//     event (the list is in redact.go), and Append applies the same name
//     rules again to whatever requestParameters, responseElements and
//     additionalEventData it is given.
//   - Log: append-only segment files holding one entry per line, each entry
//     hash-chained to the one before it, written by a single goroutine that
//     batches concurrent callers into one write and one fsync (group
//     commit). Append returns only once its event is durable.
//     Ed25519-signed digests, chained into the same log, seal the chain head
//     every DigestInterval and on segment rotation, open, prune and close;
//     Verify checks all of it with the public key.
//   - Readers: Scan (oldest or newest first) and Tail (follow new events as
//     they become durable) serve LookupEvents, metric filters and
//     `keyward audit tail`. They never see an event that is not durable, and
//     they check every entry they read against the chain.
//   - Retention: Prune deletes whole segments; the chain stays verifiable
//     from the first segment that remains.
//
// # What it must not do
//
//   - Hold plaintext, ciphertext, key material, secret access keys, session
//     tokens, grant tokens or passwords, in an event or anywhere else.
//   - Decide access. An event records the decision other packages made; the
//     audit package never authorizes, denies or filters a request.
//   - Acknowledge an event that is not durable. When a write or fsync fails,
//     or takes longer than Options.StallTimeout, the Log fails closed: that
//     Append and every later one return an error until the log is reopened.
//   - Import anything above it: only the standard library and internal/errs.
//
// # Using it
//
// The server makes exactly one event per API call (success, AWS error,
// denial or failed signature) and calls Append once, after the handler has
// run and before the response is written. If Append returns an error the
// call is refused with an internal error (KMSInternalException /
// InternalFailure), whatever the handler did: no answer leaves without its
// record. Pass the request's context so a client that goes away, or a
// deadline, bounds the wait. Read-side consumers (LookupEvents, metric
// filters, audit tail) use Scan and Tail; `keyward audit verify` calls
// Verify with the digest public key.
//
// # On disk
//
// A log directory holds segment files named after the sequence number of
// their first event (00000000000000000001.seg, …), head.json (a copy of the
// newest digest entry, replaced atomically) and a LOCK file. Every line of a
// segment is one entry, in exactly one spelling:
//
//	{"seq":N,"prev":"<64 hex>","hash":"<64 hex>","event":{…CloudTrail record…}}
//	{"digest":{…Digest…},"sig":"<base64 Ed25519>","prev":"<64 hex>","hash":"<64 hex>"}
//
// prev is the hash of the entry before (32 zero bytes before the first entry
// of a log). An event entry's hash is SHA-256(prev || "E" || uint64be(seq) ||
// SHA-256(event)), a digest entry's SHA-256(prev || "D" || SHA-256(digest) ||
// sig), where event and digest are the exact JSON bytes on the line. A
// digest's signature is Ed25519 over "keyward-audit-digest-v1\n" || digest;
// the digest names the chain head it seals (prevHash), the events since the
// previous digest, the previous digest, the oldest event retained and the
// signing key. The first entry of every segment is a digest, so the oldest
// segment left after pruning is anchored by a signature. Digests carry the
// format version ("v":1).
//
// A torn final write (damage at the end of the newest segment with no intact
// entry after it) held no acknowledged event: Open cuts it off and records
// the cut in its "open" digest. Damage anywhere else, or a log that ends
// before the digest head.json names, is corruption: Open refuses the log
// (ErrCorrupt) and Verify says where.
//
// What no log can show by itself: an attacker who can write the directory
// can cut the newest entries off together with the digests that seal them
// and put back an older copy of head.json. Anything else (an edited,
// inserted, deleted or reordered entry, a missing segment) breaks the chain
// or a signature. Keep copies of head.json elsewhere to close that gap.
package audit
