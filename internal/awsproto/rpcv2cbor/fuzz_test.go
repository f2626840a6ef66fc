package rpcv2cbor

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"testing"
)

// FuzzUnmarshal: no input panics; whatever is accepted was well-formed;
// every failure is a Serialization error; and what decodes re-encodes to
// bytes that decode to the same value (compared by their encoding, which
// is deterministic, so NaN and nil-versus-empty compare sensibly).
func FuzzUnmarshal(f *testing.F) {
	for _, c := range rfcDecode {
		b, _ := hex.DecodeString(c.hex)
		f.Add(b)
	}
	for _, h := range []string{
		"a2654b657949647f62616263636465ff64426c6f625f4101420203ff",
		"bf664e6573746564bf67456e74726965739fbf6142f5ffffffff",
		"a1645768656ec1fb41d34e4a4007e5c9",
		"a163416e79a16178bf6179c11a514b67b0ff",
		"a2614e01614e02",
		"a1614cc249010000000000000000",
	} {
		b, err := hex.DecodeString(h)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"v2ZfX3R5cGV4LnNtaXRoeS5wcm90b2NvbHRlc3RzLnJwY3YyQ2JvciNJbnZhbGlkR3JlZXRpbmdnTWVzc2FnZWJIaf8=",
		"v2ZfX3R5cGV4K3NtaXRoeS5wcm90b2NvbHRlc3RzLnJwY3YyQ2JvciNDb21wbGV4RXJyb3JoVG9wTGV2ZWxpVG9wIGxldmVsZk5lc3RlZL9jRm9vY2Jhcv//",
	} {
		b, _ := base64.StdEncoding.DecodeString(s)
		f.Add(b)
	}
	in := full()
	if b, err := Marshal(&in); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var s sample
		check(t, data, &s, func() any { return new(sample) })
		var g any
		check(t, data, &g, func() any { return new(any) })
	})
}

func check(t *testing.T, data []byte, v any, fresh func() any) {
	err := Unmarshal(data, v)
	if err != nil {
		if !isSerialization(err) {
			t.Fatalf("decode error without the Serialization code: %v", err)
		}
		return
	}
	if !Valid(data) {
		t.Fatalf("accepted ill-formed input %x", data)
	}
	m1, err := Marshal(v)
	if err != nil {
		t.Fatalf("re-encoding a decoded value: %v", err)
	}
	w := fresh()
	if err := Unmarshal(m1, w); err != nil {
		t.Fatalf("re-decoding %x: %v", m1, err)
	}
	m2, err := Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m1, m2) {
		t.Fatalf("round trip changed the value:\n%x\n%x", m1, m2)
	}
}
