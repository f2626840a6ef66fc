package crypto

import (
	"errors"
	"fmt"
	"log/slog"
)

// Secret is key material or another secret held in memory. It prints as
// "[redacted]" under every fmt verb and in log/slog, refuses to be
// marshalled to JSON (an audit record or API response that tried would
// fail rather than leak), and can be zeroed when its owner is done.
//
// Secret does not stop a caller from reading the bytes: it stops them from
// reaching a log or a record by accident.
type Secret []byte

const redacted = "[redacted]"

// String returns "[redacted]".
func (Secret) String() string { return redacted }

// GoString returns "[redacted]", for %#v.
func (Secret) GoString() string { return redacted }

// Format writes "[redacted]" for every verb, including %x and %q.
func (Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue returns "[redacted]" for log/slog.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON always fails: a Secret never belongs in JSON.
func (Secret) MarshalJSON() ([]byte, error) {
	return nil, errors.New("crypto: refusing to marshal a Secret")
}

// Zero overwrites the secret's bytes with zeros.
func (s Secret) Zero() { clear(s) }
