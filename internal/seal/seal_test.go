package seal

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"testing"
)

func seq(start byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

func mustRoot(tb testing.TB, key []byte) *Root {
	tb.Helper()
	r, err := FromKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func TestSealOpenRoundTrip(t *testing.T) {
	r := mustRoot(t, seq(1, 32))
	for _, pt := range [][]byte{nil, {0}, []byte("key material"), bytes.Repeat([]byte{9}, 10000)} {
		aad := []byte("material/arn:aws:kms:us-east-1:111122223333:key/abc/0123")
		sealed, err := r.Seal(aad, pt)
		if err != nil {
			t.Fatal(err)
		}
		if len(sealed) != len(pt)+Overhead {
			t.Errorf("len(sealed) = %d, want %d", len(sealed), len(pt)+Overhead)
		}
		if sealed[0] != 1 {
			t.Errorf("version byte = %d, want 1", sealed[0])
		}
		if got := hex.EncodeToString(sealed[1:9]); got != r.Fingerprint() {
			t.Errorf("sealed fingerprint %s, root %s", got, r.Fingerprint())
		}
		got, err := r.Open(aad, sealed)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, pt) {
			t.Errorf("Open = %x, want %x", got, pt)
		}
	}
}

func TestSealDiffersEachTime(t *testing.T) {
	r := mustRoot(t, seq(1, 32))
	a, _ := r.Seal(nil, []byte("same"))
	b, _ := r.Seal(nil, []byte("same"))
	if bytes.Equal(a, b) {
		t.Fatal("two Seals gave the same output")
	}
}

func TestOpenWrongAAD(t *testing.T) {
	r := mustRoot(t, seq(1, 32))
	sealed, err := r.Seal([]byte("record/1"), []byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	for _, aad := range [][]byte{nil, []byte("record/2"), []byte("record/1 "), []byte("Record/1"), []byte("record/")} {
		_, err := r.Open(aad, sealed)
		if !errors.Is(err, ErrOpen) {
			t.Errorf("Open with aad %q: %v, want ErrOpen", aad, err)
		}
	}
}

func TestOpenWrongRoot(t *testing.T) {
	r := mustRoot(t, seq(1, 32))
	other := mustRoot(t, seq(2, 32))
	if r.Fingerprint() == other.Fingerprint() {
		t.Fatal("two root keys share a fingerprint")
	}
	sealed, err := r.Seal([]byte("a"), []byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = other.Open([]byte("a"), sealed)
	if !errors.Is(err, ErrWrongRoot) {
		t.Fatalf("Open under another root: %v, want ErrWrongRoot", err)
	}
	if !strings.Contains(err.Error(), "sealed under a different root key") {
		t.Errorf("error %q does not say so", err)
	}
	for _, fp := range []string{r.Fingerprint(), other.Fingerprint()} {
		if !strings.Contains(err.Error(), fp) {
			t.Errorf("error %q does not name fingerprint %s", err, fp)
		}
	}
}

func TestOpenTamperEachByte(t *testing.T) {
	r := mustRoot(t, seq(1, 32))
	sealed, err := r.Seal([]byte("aad"), []byte("some key material"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range sealed {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			tampered := bytes.Clone(sealed)
			tampered[i] ^= mask
			if _, err := r.Open([]byte("aad"), tampered); err == nil {
				t.Fatalf("byte %d ^ %#02x: Open succeeded", i, mask)
			}
		}
	}
	for n := range len(sealed) {
		if _, err := r.Open([]byte("aad"), sealed[:n]); err == nil {
			t.Fatalf("truncated to %d bytes: Open succeeded", n)
		}
	}
	if _, err := r.Open([]byte("aad"), append(bytes.Clone(sealed), 0)); err == nil {
		t.Fatal("extended by one byte: Open succeeded")
	}
}

func TestFromKeyLength(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := FromKey(make([]byte, n)); err == nil {
			t.Errorf("FromKey(%d bytes) succeeded", n)
		}
	}
}

func TestGenerate(t *testing.T) {
	a, b := Generate(), Generate()
	if a.Fingerprint() == b.Fingerprint() {
		t.Fatal("two generated roots share a fingerprint")
	}
	if len(a.Fingerprint()) != 16 {
		t.Errorf("Fingerprint() = %q, want 16 hex characters", a.Fingerprint())
	}
}

// TestRedaction prints a Root every way a developer might and checks the
// key never appears, in any encoding, nor the derived AEAD key.
func TestRedaction(t *testing.T) {
	key := seq(0xa0, 32)
	r := mustRoot(t, key)
	var forbidden []string
	for _, k := range [][]byte{key, r.k.aeadKey[:]} {
		forbidden = append(forbidden,
			hex.EncodeToString(k),
			strings.ToUpper(hex.EncodeToString(k)),
			base64.StdEncoding.EncodeToString(k),
			base64.RawStdEncoding.EncodeToString(k),
			base64.URLEncoding.EncodeToString(k),
			base64.RawURLEncoding.EncodeToString(k),
			string(k),
			fmt.Sprint(k[:4]), // [160 161 162 163], the decimal form fmt gives a []byte
			strings.Trim(fmt.Sprint(k[:4]), "[]"),
			strings.TrimSuffix(fmt.Sprintf("%#v", k[:4])[len("[]byte{"):], "}"), // 0xa0, 0xa1, ...
		)
	}

	var jsonLog, textLog bytes.Buffer
	slog.New(slog.NewJSONHandler(&jsonLog, nil)).Info("unsealed", "root", r, "value", *r, "group", slog.GroupValue(slog.Any("root", r)))
	slog.New(slog.NewTextHandler(&textLog, nil)).Info("unsealed", "root", r)
	type holder struct {
		Root *Root
		Val  Root
	}
	type hidden struct { // fmt cannot call methods on unexported fields
		root *Root
		val  Root
	}
	outputs := map[string]string{
		"%v":          fmt.Sprintf("%v", r),
		"%+v":         fmt.Sprintf("%+v", r),
		"%#v":         fmt.Sprintf("%#v", r),
		"%s":          fmt.Sprintf("%s", r),
		"%x":          fmt.Sprintf("%x", r),
		"%X":          fmt.Sprintf("%X", r),
		"%q":          fmt.Sprintf("%q", r),
		"%d":          fmt.Sprintf("%d", r),
		"value %v":    fmt.Sprintf("%v", *r),
		"value %+v":   fmt.Sprintf("%+v", *r),
		"value %#v":   fmt.Sprintf("%#v", *r),
		"value %x":    fmt.Sprintf("%x", *r),
		"struct %+v":  fmt.Sprintf("%+v", holder{r, *r}),
		"struct %#v":  fmt.Sprintf("%#v", holder{r, *r}),
		"Sprint":      fmt.Sprint(r),
		"Sprintln":    fmt.Sprintln(r),
		"String":      r.String(),
		"GoString":    r.GoString(),
		"slog JSON":   jsonLog.String(),
		"slog text":   textLog.String(),
		"error chain": fmt.Errorf("wrapping %v", r).Error(),
	}
	// fmt prints these without calling Root's methods; they must still not leak.
	unformatted := map[string]string{
		"unexported %+v": fmt.Sprintf("%+v", hidden{r, *r}),
		"unexported %#v": fmt.Sprintf("%#v", hidden{r, *r}),
		"unexported %v":  fmt.Sprintf("%v", hidden{r, *r}),
	}
	for name, out := range outputs {
		if !strings.Contains(out, "[redacted]") {
			t.Errorf("%s: %q does not say [redacted]", name, out)
		}
	}
	maps.Copy(outputs, unformatted)
	for name, out := range outputs {
		for _, f := range forbidden {
			if strings.Contains(out, f) {
				t.Errorf("%s: %q contains key bytes (%q)", name, out, f)
			}
		}
	}
}
