package crypto

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/errs"
)

var hexID = regexp.MustCompile(`^[0-9a-f]{64}$`)

func TestNewMaterial(t *testing.T) {
	m1, id1, err := NewMaterial("SYMMETRIC_DEFAULT")
	if err != nil {
		t.Fatal(err)
	}
	m2, id2, err := NewMaterial("SYMMETRIC_DEFAULT")
	if err != nil {
		t.Fatal(err)
	}
	if len(m1) != 32 || len(m2) != 32 {
		t.Errorf("material lengths %d, %d; want 32", len(m1), len(m2))
	}
	if !hexID.MatchString(id1) || !hexID.MatchString(id2) {
		t.Errorf("ids %q, %q; want 64 lowercase hex characters", id1, id2)
	}
	if string(m1) == string(m2) || id1 == id2 {
		t.Error("two NewMaterial calls gave the same material or id")
	}
	// The id is usable in a header as is.
	if _, err := Seal(m1, BlobHeader{KeyARN: testARN, MaterialID: id1}, nil, []byte("p")); err != nil {
		t.Errorf("Seal with a fresh material id: %v", err)
	}
}

func TestNewMaterialUnsupportedSpec(t *testing.T) {
	for _, spec := range []string{"", "symmetric_default", "RSA_2048", "ECC_NIST_P256", "HMAC_256", "SM2"} {
		t.Run("fail/"+spec, func(t *testing.T) {
			_, _, err := NewMaterial(spec)
			if !errs.Is(err, errs.UnsupportedOperation) {
				t.Fatalf("NewMaterial(%q) error = %v, want UnsupportedOperation", spec, err)
			}
		})
	}
}

func TestRandom(t *testing.T) {
	for _, n := range []int{0, 1, 32, 1000} {
		b, err := Random(n)
		if err != nil || len(b) != n {
			t.Fatalf("Random(%d) = %d bytes, %v", n, len(b), err)
		}
	}
	a, _ := Random(32)
	b, _ := Random(32)
	if string(a) == string(b) {
		t.Error("two Random(32) calls returned the same bytes")
	}
	if _, err := Random(-1); err == nil {
		t.Error("Random(-1) succeeded")
	}
}

func TestSecretRedacts(t *testing.T) {
	s := Secret(seq(0xa0, 32))
	forbidden := []string{
		hex.EncodeToString(s),
		strings.ToUpper(hex.EncodeToString(s)),
		base64.StdEncoding.EncodeToString(s),
		base64.RawURLEncoding.EncodeToString(s),
		string(s),
		"160 161 162", // %v of a plain []byte prints decimal bytes
	}
	var logs strings.Builder
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("test", "secret", s)
	outputs := map[string]string{
		"%v":     fmt.Sprintf("%v", s),
		"%+v":    fmt.Sprintf("%+v", s),
		"%#v":    fmt.Sprintf("%#v", s),
		"%s":     fmt.Sprintf("%s", s),
		"%x":     fmt.Sprintf("%x", s),
		"%X":     fmt.Sprintf("%X", s),
		"%q":     fmt.Sprintf("%q", s),
		"%d":     fmt.Sprintf("%d", s),
		"Sprint": fmt.Sprint(s),
		"struct": fmt.Sprintf("%+v", struct{ Key Secret }{s}),
		"slog":   logs.String(),
	}
	for name, out := range outputs {
		if !strings.Contains(out, "[redacted]") {
			t.Errorf("%s: %q does not say [redacted]", name, out)
		}
		for _, f := range forbidden {
			if strings.Contains(out, f) {
				t.Errorf("%s: %q contains the secret", name, out)
			}
		}
	}
	if _, err := json.Marshal(struct{ Key Secret }{s}); err == nil {
		t.Error("json.Marshal of a Secret succeeded")
	}
	s.Zero()
	for _, c := range s {
		if c != 0 {
			t.Fatal("Zero left non-zero bytes")
		}
	}
}
