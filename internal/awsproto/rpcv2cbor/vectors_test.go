package rpcv2cbor

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"math"
	"reflect"
	"testing"
	"time"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rfcDecode lists examples of RFC 8949 Appendix A with the value the codec
// decodes them to in a generic (any) target.
var rfcDecode = []struct {
	hex  string
	want any
}{
	{"00", int64(0)},
	{"01", int64(1)},
	{"0a", int64(10)},
	{"17", int64(23)},
	{"1818", int64(24)},
	{"1819", int64(25)},
	{"1864", int64(100)},
	{"1903e8", int64(1000)},
	{"1a000f4240", int64(1000000)},
	{"1b000000e8d4a51000", int64(1000000000000)},
	{"1bffffffffffffffff", uint64(18446744073709551615)},
	{"20", int64(-1)},
	{"29", int64(-10)},
	{"3863", int64(-100)},
	{"3903e7", int64(-1000)},
	{"f90000", 0.0},
	{"f93c00", 1.0},
	{"fb3ff199999999999a", 1.1},
	{"f93e00", 1.5},
	{"f97bff", 65504.0},
	{"fa47c35000", 100000.0},
	{"fa7f7fffff", 3.4028234663852886e+38},
	{"fb7e37e43c8800759c", 1.0e+300},
	{"f90001", 5.960464477539063e-8},
	{"f90400", 0.00006103515625},
	{"f9c400", -4.0},
	{"fbc010666666666666", -4.1},
	{"f97c00", math.Inf(1)},
	{"f9fc00", math.Inf(-1)},
	{"fa7f800000", math.Inf(1)},
	{"faff800000", math.Inf(-1)},
	{"fb7ff0000000000000", math.Inf(1)},
	{"fbfff0000000000000", math.Inf(-1)},
	{"f4", false},
	{"f5", true},
	{"f6", nil},
	{"f7", nil},
	{"c11a514b67b0", time.Unix(1363896240, 0).UTC()},
	{"c1fb41d452d9ec200000", time.UnixMilli(1363896240500).UTC()},
	{"40", []byte{}},
	{"4401020304", []byte{1, 2, 3, 4}},
	{"60", ""},
	{"6161", "a"},
	{"6449455446", "IETF"},
	{"62225c", "\"\\"},
	{"62c3bc", "\u00fc"},
	{"63e6b0b4", "\u6c34"},
	{"64f0908591", "\U00010151"},
	{"80", []any{}},
	{"83010203", []any{int64(1), int64(2), int64(3)}},
	{"8301820203820405", []any{int64(1), []any{int64(2), int64(3)}, []any{int64(4), int64(5)}}},
	{"98190102030405060708090a0b0c0d0e0f101112131415161718181819", seq(1, 25)},
	{"a0", map[string]any{}},
	{"a26161016162820203", map[string]any{"a": int64(1), "b": []any{int64(2), int64(3)}}},
	{"826161a161626163", []any{"a", map[string]any{"b": "c"}}},
	{"a56161614161626142616361436164614461656145", map[string]any{"a": "A", "b": "B", "c": "C", "d": "D", "e": "E"}},
	// Indefinite lengths.
	{"5f42010243030405ff", []byte{1, 2, 3, 4, 5}},
	{"7f657374726561646d696e67ff", "streaming"},
	{"9fff", []any{}},
	{"9f018202039f0405ffff", []any{int64(1), []any{int64(2), int64(3)}, []any{int64(4), int64(5)}}},
	{"9f01820203820405ff", []any{int64(1), []any{int64(2), int64(3)}, []any{int64(4), int64(5)}}},
	{"83018202039f0405ff", []any{int64(1), []any{int64(2), int64(3)}, []any{int64(4), int64(5)}}},
	{"83019f0203ff820405", []any{int64(1), []any{int64(2), int64(3)}, []any{int64(4), int64(5)}}},
	{"9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff", seq(1, 25)},
	{"bf61610161629f0203ffff", map[string]any{"a": int64(1), "b": []any{int64(2), int64(3)}}},
	{"826161bf61626163ff", []any{"a", map[string]any{"b": "c"}}},
	{"bf6346756ef563416d7421ff", map[string]any{"Fun": true, "Amt": int64(-2)}},
}

func seq(from, to int64) []any {
	var out []any
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func TestRFC8949Decode(t *testing.T) {
	for _, c := range rfcDecode {
		t.Run(c.hex, func(t *testing.T) {
			var got any
			if err := Unmarshal(unhex(t, c.hex), &got); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %#v, want %#v", got, c.want)
			}
			if !Valid(unhex(t, c.hex)) {
				t.Fatal("Valid = false")
			}
		})
	}
	// -0.0 and NaN do not compare with DeepEqual.
	var f float64
	if err := Unmarshal(unhex(t, "f98000"), &f); err != nil || f != 0 || !math.Signbit(f) {
		t.Fatalf("-0.0: %v %v", f, err)
	}
	for _, h := range []string{"f97e00", "fa7fc00000", "fb7ff8000000000000"} {
		if err := Unmarshal(unhex(t, h), &f); err != nil || !math.IsNaN(f) {
			t.Fatalf("NaN %s: %v %v", h, f, err)
		}
	}
}

// RFC 8949 Appendix A items the protocol does not accept in a value
// (they are still well-formed, so Valid holds and skipping them works).
func TestRFC8949Refused(t *testing.T) {
	for _, h := range []string{
		"3bffffffffffffffff",                                 // -18446744073709551616: beyond int64
		"c249010000000000000000",                             // bignum
		"c349010000000000000000",                             // negative bignum
		"c074323031332d30332d32315432303a30343a30305a",       // tag 0 date string
		"d74401020304",                                       // tag 23
		"d818456449455446",                                   // tag 24
		"d82076687474703a2f2f7777772e6578616d706c652e636f6d", // tag 32
		"f0",         // simple(16)
		"f8ff",       // simple(255)
		"a201020304", // {1: 2, 3: 4}: keys are not text
	} {
		t.Run(h, func(t *testing.T) {
			var v any
			if err := Unmarshal(unhex(t, h), &v); !isSerialization(err) {
				t.Fatalf("got %v, want a Serialization error", err)
			}
			if !Valid(unhex(t, h)) {
				t.Fatal("well-formed item reported invalid")
			}
			var s struct{}
			if err := Unmarshal(unhex(t, "a1617a"+h), &s); err != nil {
				t.Fatalf("skipping it as an unknown member: %v", err)
			}
		})
	}
}

// TestRFC8949Encode checks the encoder's output against Appendix A where
// the codec writes the preferred (shortest) form.
func TestRFC8949Encode(t *testing.T) {
	cases := []struct {
		v   any
		hex string
	}{
		{0, "00"},
		{uint8(23), "17"},
		{int16(24), "1818"},
		{int32(100), "1864"},
		{int64(1000), "1903e8"},
		{1000000, "1a000f4240"},
		{int64(1000000000000), "1b000000e8d4a51000"},
		{uint64(18446744073709551615), "1bffffffffffffffff"},
		{-1, "20"},
		{int8(-10), "29"},
		{int32(-100), "3863"},
		{int64(-1000), "3903e7"},
		{int64(math.MinInt64), "3b7fffffffffffffff"},
		{1.1, "fb3ff199999999999a"},
		{1.0e+300, "fb7e37e43c8800759c"},
		{-4.1, "fbc010666666666666"},
		{math.Inf(1), "fb7ff0000000000000"},
		{math.Float64frombits(0x7ff8000000000000), "fb7ff8000000000000"},
		{math.Inf(-1), "fbfff0000000000000"},
		{float32(100000.0), "fa47c35000"},
		{float32(3.4028234663852886e+38), "fa7f7fffff"},
		{float32(math.Inf(1)), "fa7f800000"},
		{false, "f4"},
		{true, "f5"},
		{nil, "f6"},
		{(*string)(nil), "f6"},
		{time.UnixMilli(1363896240500), "c1fb41d452d9ec200000"},
		{[]byte{}, "40"},
		{[]byte{1, 2, 3, 4}, "4401020304"},
		{"", "60"},
		{"a", "6161"},
		{"IETF", "6449455446"},
		{"\"\\", "62225c"},
		{"\u00fc", "62c3bc"},
		{"\u6c34", "63e6b0b4"},
		{"\U00010151", "64f0908591"},
		{"\xff", "63efbfbd"}, // invalid UTF-8 becomes U+FFFD, as encoding/json does
		{[]int{}, "80"},
		{[]int{1, 2, 3}, "83010203"},
		{[]any{1, []int{2, 3}, []int{4, 5}}, "8301820203820405"},
		{seq(1, 25), "98190102030405060708090a0b0c0d0e0f101112131415161718181819"},
		{map[string]int{}, "a0"},
		{map[string]any{"b": []int{2, 3}, "a": 1}, "a26161016162820203"},
		{[]any{"a", map[string]string{"b": "c"}}, "826161a161626163"},
		{map[string]string{"e": "E", "d": "D", "c": "C", "b": "B", "a": "A"}, "a56161614161626142616361436164614461656145"},
	}
	for _, c := range cases {
		got, err := Marshal(c.v)
		if err != nil {
			t.Fatalf("Marshal(%#v): %v", c.v, err)
		}
		if hex.EncodeToString(got) != c.hex {
			t.Errorf("Marshal(%#v) = %x, want %s", c.v, got, c.hex)
		}
	}
}

// TestSmithyErrorVectors decodes the error bodies of the Smithy rpcv2Cbor
// protocol tests (smithy-protocol-tests/model/rpcv2Cbor/errors.smithy and
// empty-input-output.smithy), which are written with indefinite maps.
func TestSmithyErrorVectors(t *testing.T) {
	type complexError struct {
		Type     string `json:"__type"`
		Message  string `json:"Message,omitempty"`
		TopLevel string `json:"TopLevel,omitempty"`
		Nested   *struct {
			Foo string `json:"Foo"`
		} `json:"Nested,omitempty"`
	}
	cases := []struct {
		b64  string
		want complexError
	}{
		{"v2ZfX3R5cGV4LnNtaXRoeS5wcm90b2NvbHRlc3RzLnJwY3YyQ2JvciNJbnZhbGlkR3JlZXRpbmdnTWVzc2FnZWJIaf8=",
			complexError{Type: "smithy.protocoltests.rpcv2Cbor#InvalidGreeting", Message: "Hi"}},
		{"v2ZfX3R5cGV4K3NtaXRoeS5wcm90b2NvbHRlc3RzLnJwY3YyQ2JvciNDb21wbGV4RXJyb3JoVG9wTGV2ZWxpVG9wIGxldmVsZk5lc3RlZL9jRm9vY2Jhcv//",
			complexError{Type: "smithy.protocoltests.rpcv2Cbor#ComplexError", TopLevel: "Top level", Nested: &struct {
				Foo string `json:"Foo"`
			}{"bar"}}},
		{"v2ZfX3R5cGV4K3NtaXRoeS5wcm90b2NvbHRlc3RzLnJwY3YyQ2JvciNDb21wbGV4RXJyb3L/",
			complexError{Type: "smithy.protocoltests.rpcv2Cbor#ComplexError"}},
		{"v/8=", complexError{}},
	}
	for _, c := range cases {
		b, _ := base64.StdEncoding.DecodeString(c.b64)
		var got complexError
		if err := Unmarshal(b, &got); err != nil {
			t.Fatalf("%s: %v", c.b64, err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Fatalf("%s: got %+v, want %+v", c.b64, got, c.want)
		}
	}
	// And the encoder's error body for InvalidGreeting, definite-length.
	b, err := Marshal(errorBody{Type: "smithy.protocoltests.rpcv2Cbor#InvalidGreeting", Upper: "Hi"})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := base64.StdEncoding.DecodeString("v2ZfX3R5cGV4LnNtaXRoeS5wcm90b2NvbHRlc3RzLnJwY3YyQ2JvciNJbnZhbGlkR3JlZXRpbmdnTWVzc2FnZWJIaf8=")
	// Same items, but a definite map head (a2) instead of bf … ff.
	want = append([]byte{0xa2}, want[1:len(want)-1]...)
	if !bytes.Equal(b, want) {
		t.Fatalf("error body %x, want %x", b, want)
	}
}
