package sigv4

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
)

const redacted = "[redacted]"

// String describes c with its secret and session token redacted.
func (c Credential) String() string {
	token := `""`
	if c.SessionToken != "" {
		token = redacted
	}
	return "sigv4.Credential{AccessKeyID: " + c.AccessKeyID + ", Secret: " + redacted + ", SessionToken: " + token + "}"
}

// GoString is String, so that %#v redacts too.
func (c Credential) GoString() string { return c.String() }

// Format makes every fmt verb (%v, %+v, %#v, %s, %x, %d...) print String.
func (c Credential) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue gives slog the access key id and whether the credential is
// temporary, nothing secret.
func (c Credential) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("access_key_id", c.AccessKeyID),
		slog.Bool("temporary", c.SessionToken != ""),
	)
}

// MarshalJSON writes the access key id only, so a Credential that ends up
// in a JSON document leaks nothing.
func (c Credential) MarshalJSON() ([]byte, error) {
	out := struct {
		AccessKeyID  string
		Secret       string
		SessionToken string `json:",omitempty"`
	}{AccessKeyID: c.AccessKeyID, Secret: redacted}
	if c.SessionToken != "" {
		out.SessionToken = redacted
	}
	return json.Marshal(out)
}

var (
	_ fmt.Stringer   = Credential{}
	_ fmt.GoStringer = Credential{}
	_ fmt.Formatter  = Credential{}
	_ slog.LogValuer = Credential{}
	_ json.Marshaler = Credential{}
)
