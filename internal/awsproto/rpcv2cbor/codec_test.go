package rpcv2cbor

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/awsproto/awsjson"
	"github.com/keyward/keyward/internal/errs"
)

// sample is shaped like the wire structs of the api packages.
type sample struct {
	KeyId   *string            `json:"KeyId,omitempty"`
	N       *int32             `json:"N,omitempty"`
	L       *int64             `json:"L,omitempty"`
	F       *float64           `json:"F,omitempty"`
	B       *bool              `json:"B,omitempty"`
	Blob    []byte             `json:"Blob,omitempty"`
	Ctx     map[string]string  `json:"Ctx,omitempty"`
	List    []string           `json:"List,omitempty"`
	Floats  []float64          `json:"Floats,omitempty"`
	When    *awsjson.Time      `json:"When,omitempty"`
	Times   []awsjson.Time     `json:"Times,omitempty"`
	Nested  *sample            `json:"Nested,omitempty"`
	Entries []sample           `json:"Entries,omitempty"`
	ByName  map[string]*sample `json:"ByName,omitempty"`
	Small   int8               `json:"Small,omitempty"`
	Count   uint32             `json:"Count,omitzero"`
	Ratio   float32            `json:"Ratio,omitempty"`
	Std     time.Time          `json:"Std,omitzero"`
	Any     any                `json:"Any,omitempty"`
}

func isSerialization(err error) bool { return errs.CodeOf(err) == errs.Serialization }

func full() sample {
	s, n, l, f, b := "k", int32(-7), int64(1)<<40, 2.5, true
	when := awsjson.Time(time.UnixMilli(1795338000123).UTC())
	return sample{
		KeyId: &s, N: &n, L: &l, F: &f, B: &b,
		Blob:    []byte{0, 1, 0xff},
		Ctx:     map[string]string{"b": "2", "a": "1"},
		List:    []string{"x", "", "z"},
		Floats:  []float64{0, -1.5, math.Inf(1), 1e300},
		When:    &when,
		Times:   []awsjson.Time{when},
		Nested:  &sample{List: []string{"deep"}},
		Entries: []sample{{B: &b}, {}},
		ByName:  map[string]*sample{"one": {N: &n}, "nil": nil},
		Small:   -128,
		Count:   math.MaxUint32,
		Ratio:   0.25,
		Std:     time.UnixMilli(-1).UTC(),
		Any:     map[string]any{"x": []any{int64(1), "two", true, nil, 1.5}},
	}
}

func TestRoundTrip(t *testing.T) {
	in := full()
	b, err := Marshal(&in)
	if err != nil {
		t.Fatal(err)
	}
	var out sample
	if err := Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	// A nil map value is written as null and read back as nil.
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip changed the value:\n in %+v\nout %+v", in, out)
	}
	again, _ := Marshal(&out)
	if !bytes.Equal(b, again) {
		t.Fatal("encoding is not deterministic")
	}
}

// TestSameWireAsJSON: one set of wire structs serves both protocols — the
// members present and their names are the same in JSON and CBOR.
func TestSameWireAsJSON(t *testing.T) {
	in := full()
	in.Any = nil
	in.Std = time.Time{}
	in.Floats = []float64{1}
	jb, err := json.Marshal(&in)
	if err != nil {
		t.Fatal(err)
	}
	var fromJSON map[string]any
	_ = json.Unmarshal(jb, &fromJSON)
	cb, err := Marshal(&in)
	if err != nil {
		t.Fatal(err)
	}
	var fromCBOR map[string]any
	if err := Unmarshal(cb, &fromCBOR); err != nil {
		t.Fatal(err)
	}
	for k := range fromJSON {
		if _, ok := fromCBOR[k]; !ok {
			t.Errorf("member %s in JSON but not in CBOR", k)
		}
	}
	for k := range fromCBOR {
		if _, ok := fromJSON[k]; !ok {
			t.Errorf("member %s in CBOR but not in JSON", k)
		}
	}
}

func TestStructFields(t *testing.T) {
	type Inner struct {
		A string `json:"A"`
		B string `json:"B"`
	}
	type outer struct {
		Inner
		B       string `json:"B"` // shadows Inner.B
		Skip    string `json:"-"`
		NoTag   string
		private string
		Zero    int `json:"Zero,omitzero"`
		Empty   int `json:"Empty,omitempty"`
		Kept    int `json:"Kept"`
	}
	v := outer{Inner: Inner{A: "a", B: "inner"}, B: "outer", Skip: "s", NoTag: "n", private: "p"}
	b, err := Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"A": "a", "B": "outer", "NoTag": "n", "Kept": int64(0)}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("got %v, want %v", m, want)
	}
	var back outer
	if err := Unmarshal(b, &back); err != nil || back.A != "a" || back.B != "outer" || back.Inner.B != "" {
		t.Fatalf("decode %+v %v", back, err)
	}
	// Members match exactly: "a" is not "A".
	var lower outer
	if err := Unmarshal(unhex(t, "a161616178"), &lower); err != nil || lower.A != "" {
		t.Fatalf("case-insensitive match: %+v %v", lower, err)
	}
}

func TestUnsupportedTypes(t *testing.T) {
	type withChan struct{ C chan int }
	type withMarshaler struct{ R json.RawMessage }
	type intKeys struct{ M map[int]string }
	type opt struct {
		N int `json:"N,string"`
	}
	for _, v := range []any{withChan{}, withMarshaler{}, intKeys{}, opt{}, complex(1, 2)} {
		if _, err := Marshal(v); err == nil || isSerialization(err) {
			t.Errorf("Marshal(%T): got %v, want an internal error", v, err)
		}
		p := reflect.New(reflect.TypeOf(v)).Interface()
		if err := Unmarshal([]byte{0xa0}, p); err == nil || isSerialization(err) {
			t.Errorf("Unmarshal(%T): got %v, want an internal error", v, err)
		}
	}
	if err := Unmarshal([]byte{0xa0}, sample{}); err == nil {
		t.Error("Unmarshal into a non-pointer succeeded")
	}
}

func TestRecursiveTypeConcurrent(t *testing.T) {
	type node struct {
		Next *node  `json:"Next,omitempty"`
		Kids []node `json:"Kids,omitempty"`
	}
	done := make(chan error)
	for range 8 {
		go func() {
			b, err := Marshal(node{Next: &node{Kids: []node{{}}}})
			if err == nil {
				var n node
				err = Unmarshal(b, &n)
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		name, hex string
		msg       string // exact client message, when it is the contract
	}{
		{"fail/empty", "", "The request body is not valid CBOR: unexpected end of data."},
		{"fail/truncated-head", "a1614e1a0000", "The request body is not valid CBOR: unexpected end of data."},
		{"fail/truncated-string", "a1654b65794964656162", "The request body is not valid CBOR: unexpected end of data."},
		{"fail/reserved-minor", "a1614e1c", "The request body is not valid CBOR: reserved additional information value."},
		{"fail/indefinite-uint", "a1614e1f", "The request body is not valid CBOR: indefinite length on a type that has none."},
		{"fail/indefinite-tag", "df", "The request body is not valid CBOR: indefinite length on a type that has none."},
		{"fail/lone-break", "ff", "The request body is not valid CBOR: unexpected break."},
		{"fail/break-as-value", "bf614eff", "The request body is not valid CBOR: map ends between a key and its value."},
		{"fail/break-in-definite-array", "a1644c69737481ff", "The request body is not valid CBOR: unexpected break."},
		{"fail/break-in-unknown", "a1617881ff", "The request body is not valid CBOR: unexpected break."},
		{"fail/odd-unknown-map", "a16178bf6161ff", "The request body is not valid CBOR: map ends between a key and its value."},
		{"fail/bad-chunk-type", "a1654b657949647f4161ff", "The request body is not valid CBOR: invalid chunk in an indefinite-length string."},
		{"fail/nested-indefinite-chunk", "a164426c6f625f5f4101ffff", "The request body is not valid CBOR: invalid chunk in an indefinite-length string."},
		{"fail/unterminated-chunks", "a1654b657949647f6161", "The request body is not valid CBOR: unexpected end of data."},
		{"fail/invalid-utf8", "a1654b6579496462c328", "The request body is not valid CBOR: text string is not valid UTF-8."},
		{"fail/invalid-utf8-unknown", "a1617862c328", "The request body is not valid CBOR: text string is not valid UTF-8."},
		{"fail/invalid-utf8-chunks", "a1654b657949647f61c361bcff", "The request body is not valid CBOR: text string is not valid UTF-8."},
		{"fail/two-byte-simple", "a1614ef814", "The request body is not valid CBOR: invalid simple value."},
		{"fail/trailing", "a000", "The request body is not valid CBOR: unexpected data after the end of the item."},
		{"fail/huge-array", "a1644c6973749bffffffffffffffff", "The request body is not valid CBOR: unexpected end of data."},
		{"fail/huge-map", "bbffffffffffffffff", "The request body is not valid CBOR: unexpected end of data."},
		{"fail/huge-bytes", "a164426c6f625bffffffffffffffff", "The request body is not valid CBOR: unexpected end of data."},
		{"fail/huge-unknown", "a161789bffffffffffffffff", "The request body is not valid CBOR: unexpected end of data."},
		{"fail/not-a-map", "80", "Expected a Structure, got an array."},
		{"fail/string-for-int", "a1614e6131", "Expected an Integer for N, got a text string."},
		{"fail/float-for-int", "a1614ef93e00", "Expected an Integer for N, got a floating-point number."},
		{"fail/int-for-string", "a1654b6579496401", "Expected a String for KeyId, got an integer."},
		{"fail/bytes-for-string", "a1654b6579496441ff", "Expected a String for KeyId, got a byte string."},
		{"fail/string-for-blob", "a164426c6f626161", "Expected a Blob for Blob, got a text string."},
		{"fail/bool-for-long", "a1614cf5", "Expected a Long for L, got a boolean."},
		{"fail/map-for-list", "a1644c697374a0", "Expected a List for List, got a map."},
		{"fail/list-for-map", "a16343747880", "Expected a Map for Ctx, got an array."},
		{"fail/bignum-for-long", "a1614cc249010000000000000000", "Expected a Long for L, got tag 2."},
		{"fail/overflow-int32", "a1614e1a80000000", "Invalid value for N: out of range for an Integer."},
		{"fail/underflow-int8", "a165536d616c6c3880", "Invalid value for Small: out of range for a Byte."},
		{"fail/negative-uint", "a165436f756e7420", "Invalid value for Count: out of range for an Integer."},
		{"fail/overflow-long", "a1614c1b8000000000000000", "Invalid value for L: out of range for a Long."},
		{"fail/overflow-float32", "a165526174696ffb7ff0000000000001", ""}, // NaN is fine…
		{"fail/float32-range", "a165526174696ffb47efffffe0000001", "Invalid value for Ratio: out of range for a Float."},
		{"fail/timestamp-untagged", "a1645768656e1a514b67b0", "Expected a Timestamp for When, got an integer."},
		{"fail/timestamp-string", "a1645768656ec16131", "Expected a Timestamp for When, got a text string."},
		{"fail/timestamp-tag0", "a1645768656ec06131", "Expected a Timestamp for When, got tag 0."},
		{"fail/timestamp-nan", "a1645768656ec1f97e00", "Invalid value for When: timestamp out of range."},
		{"fail/timestamp-inf", "a1645768656ec1f97c00", "Invalid value for When: timestamp out of range."},
		{"fail/timestamp-year-10000", "a1645768656ec11b0000003afff44180", "Invalid value for When: timestamp out of range."},
		{"fail/timestamp-huge-negative", "a1645768656ec13bffffffffffffffff", "Invalid value for When: timestamp out of range."},
		{"fail/nested-path", "a1664e6573746564a1664e6573746564a1614e6178", "Expected an Integer for Nested.Nested.N, got a text string."},
		{"fail/list-path", "a167456e747269657382a0a1614e6178", "Expected an Integer for Entries[1].N, got a text string."},
		{"fail/map-path", "a163437478a1616101", "Expected a String for Ctx{}, got an integer."},
		{"fail/non-text-key", "a101f5", "Map keys must be text strings, got an integer."},
		{"fail/non-text-key-nested", "a1664e6573746564a14161f5", "Map keys in Nested must be text strings, got a byte string."},
		{"fail/duplicate-member", "a2614e01614e02", "The request body repeats a map key."},
		{"fail/duplicate-unknown", "a2617801617802", "The request body repeats a map key."},
		{"fail/duplicate-indefinite", "bf614e01614e02ff", "The request body repeats a map key."},
		{"fail/duplicate-map-key", "a163437478a26161613161616132", "Ctx repeats a map key."},
		{"fail/duplicate-chunked-key", "a2614e017f614eff02", "The request body repeats a map key."},
		{"fail/generic-bad-tag", "a163416e79c06131", "Unsupported CBOR tag 0."},
		{"fail/generic-simple", "a163416e79f0", "Unsupported CBOR simple value."},
		{"fail/generic-negative-overflow", "a163416e793bffffffffffffffff", "Integer out of range."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var s sample
			err := Unmarshal(unhex(t, c.hex), &s)
			if c.msg == "" {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			if !isSerialization(err) || errs.Message(err) != c.msg {
				t.Fatalf("got %v, want Serialization: %s", err, c.msg)
			}
		})
	}
}

func TestDecodeAccepts(t *testing.T) {
	cases := []struct {
		name, hex string
		check     func(s sample) bool
	}{
		{"ok/empty-map", "a0", func(s sample) bool { return reflect.DeepEqual(s, sample{}) }},
		{"ok/empty-indefinite", "bfff", func(s sample) bool { return reflect.DeepEqual(s, sample{}) }},
		{"ok/null-members", "a3614ef6644c697374f66343747af7", func(s sample) bool { return s.N == nil && s.List == nil }},
		{"ok/unknown-members", "a2617882a0c11a514b67b0617bd82076687474703a2f2f7777772e6578616d706c652e636f6d",
			func(s sample) bool { return reflect.DeepEqual(s, sample{}) }},
		{"ok/non-shortest-int", "a1614e1b0000000000000005", func(s sample) bool { return *s.N == 5 }},
		{"ok/int-for-double", "a16146390063", func(s sample) bool { return *s.F == -100 }},
		{"ok/half-float", "a16146f93e00", func(s sample) bool { return *s.F == 1.5 }},
		{"ok/nan-double", "a16146f97e00", func(s sample) bool { return math.IsNaN(*s.F) }},
		{"ok/chunked-strings", "a2654b657949647f62616263636465ff64426c6f625f4101420203ff",
			func(s sample) bool { return *s.KeyId == "abcde" && bytes.Equal(s.Blob, []byte{1, 2, 3}) }},
		{"ok/empty-chunked", "a1654b657949647fff", func(s sample) bool { return s.KeyId != nil && *s.KeyId == "" }},
		{"ok/timestamp-int", "a1645768656ec11a514b67b0", func(s sample) bool { return s.When.Std().Equal(time.Unix(1363896240, 0)) }},
		{"ok/timestamp-negative", "a1645768656ec120", func(s sample) bool { return s.When.Std().Equal(time.Unix(-1, 0)) }},
		{"ok/timestamp-float32", "a1645768656ec1fa4e9a7252", func(s sample) bool { return s.When.Std().Unix() == 1295591680 }},
		{"ok/timestamp-rounds-to-ms", "a1645768656ec1fb41d34e4a4007e5c9",
			func(s sample) bool { return s.When.Std().UnixMilli()%1000 == 123 }},
		{"ok/time-std", "a163537464c11a514b67b0", func(s sample) bool { return s.Std.Equal(time.Unix(1363896240, 0)) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var s sample
			if err := Unmarshal(unhex(t, strings.ReplaceAll(c.hex, " ", "")), &s); err != nil {
				t.Fatal(err)
			}
			if !c.check(s) {
				t.Fatalf("decoded %+v", s)
			}
		})
	}
}

func TestDepthLimit(t *testing.T) {
	nest := func(n int) []byte { // n arrays, innermost holding 0
		return append(bytes.Repeat([]byte{0x81}, n), 0x00)
	}
	var v any
	if err := Unmarshal(nest(MaxDepth), &v); err != nil {
		t.Fatalf("depth %d: %v", MaxDepth, err)
	}
	if err := Unmarshal(nest(MaxDepth+1), &v); !isSerialization(err) || errs.Message(err) != "The request body is nested too deeply." {
		t.Fatalf("depth %d: %v", MaxDepth+1, err)
	}
	// The same limit guards skipped members, indefinite containers and tags.
	for _, b := range [][]byte{
		append([]byte{0xa1, 0x61, 'x'}, nest(MaxDepth)...),
		append(bytes.Repeat([]byte{0x9f}, MaxDepth+1), bytes.Repeat([]byte{0xff}, MaxDepth+1)...),
		append(bytes.Repeat([]byte{0xc1}, MaxDepth+1), 0x00),
	} {
		if err := Unmarshal(b, &v); !isSerialization(err) || errs.Message(err) != "The request body is nested too deeply." {
			t.Fatalf("%x…: %v", b[:8], err)
		}
		var s sample
		if err := Unmarshal(b, &s); !isSerialization(err) {
			t.Fatalf("%x… into a struct: %v", b[:8], err)
		}
	}
	// A million nested arrays fail fast, without exhausting the stack.
	if err := Unmarshal(nest(1<<20), &v); !isSerialization(err) {
		t.Fatal(err)
	}
	// What decodes re-encodes: the encoder's limit is the decoder's.
	v = nil
	if err := Unmarshal(nest(MaxDepth), &v); err != nil {
		t.Fatal(err)
	}
	if _, err := Marshal(v); err != nil {
		t.Fatalf("re-encoding depth %d: %v", MaxDepth, err)
	}
	deeper := []any{v}
	if _, err := Marshal(deeper); err == nil {
		t.Fatal("encoded a value deeper than MaxDepth")
	}
	type cyc struct{ P *cyc }
	c := &cyc{}
	c.P = c
	if _, err := Marshal(c); err == nil {
		t.Fatal("encoded a cycle")
	}
}

// TestDeclaredLengthsAllocateNothing: a length larger than the input is
// refused before anything is allocated for it.
func TestDeclaredLengthsAllocateNothing(t *testing.T) {
	for _, h := range []string{"9affffffff", "baffffffff", "5affffffff", "7affffffff"} {
		b := unhex(t, h)
		allocs := testing.AllocsPerRun(10, func() {
			var v any
			_ = Unmarshal(b, &v)
		})
		if allocs > 8 {
			t.Errorf("%s: %v allocations", h, allocs)
		}
	}
}

// TestExpansionLimit: one-byte items that become large Go values are
// bounded by MaxDecodedSize, however they are framed.
func TestExpansionLimit(t *testing.T) {
	size := int(reflect.TypeFor[sample]().Size())
	n := MaxDecodedSize/size + 1
	definite := appendHead([]byte{0xa1, 0x67, 'E', 'n', 't', 'r', 'i', 'e', 's'}, majorArray, uint64(n))
	definite = append(definite, bytes.Repeat([]byte{0xa0}, n)...)
	indefinite := append([]byte{0xa1, 0x67, 'E', 'n', 't', 'r', 'i', 'e', 's', 0x9f}, bytes.Repeat([]byte{0xa0}, n)...)
	indefinite = append(indefinite, 0xff)
	for _, b := range [][]byte{definite, indefinite} {
		var s sample
		if err := Unmarshal(b, &s); !isSerialization(err) || errs.Message(err) != "The request body is too large once decoded." {
			t.Fatalf("%d empty structs: %v", n, err)
		}
	}
	// A million nulls in a generic list, likewise.
	nulls := append(appendHead(nil, majorArray, 1<<20), bytes.Repeat([]byte{0xf6}, 1<<20)...)
	var v any
	if err := Unmarshal(nulls, &v); !isSerialization(err) {
		t.Fatalf("generic: %v", err)
	}
	// Half as many are fine.
	half := appendHead([]byte{0xa1, 0x67, 'E', 'n', 't', 'r', 'i', 'e', 's'}, majorArray, uint64(n/2))
	half = append(half, bytes.Repeat([]byte{0xa0}, n/2)...)
	var s sample
	if err := Unmarshal(half, &s); err != nil || len(s.Entries) != n/2 {
		t.Fatalf("%d empty structs: %v", n/2, err)
	}
}

// TestTimestampPrecision: every millisecond in range survives the float
// encoding, read back by rounding (this package) or by truncation
// (aws-sdk-go-v2's time.UnixMilli(int64(f*1e3))).
func TestTimestampPrecision(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	check := func(ms int64) {
		f := epochSeconds(time.UnixMilli(ms))
		if got := int64(f * 1e3); got != ms {
			t.Fatalf("ms %d: truncating decoder reads %d", ms, got)
		}
		if got := int64(math.Round(f * 1e3)); got != ms {
			t.Fatalf("ms %d: rounding decoder reads %d", ms, got)
		}
	}
	for _, ms := range []int64{0, 1, -1, 999, -999, 1795338000123, -1795338000123, minEpochSeconds * 1000, maxEpochSeconds*1000 + 999} {
		check(ms)
	}
	for range 200000 {
		check(r.Int64N((maxEpochSeconds-minEpochSeconds)*1000) + minEpochSeconds*1000)
	}
	// And through the codec.
	for range 1000 {
		ms := r.Int64N(4102444800000) // 1970–2100
		in := awsjson.Time(time.UnixMilli(ms))
		b, _ := Marshal(in)
		var out awsjson.Time
		if err := Unmarshal(b, &out); err != nil || time.Time(out).UnixMilli() != ms {
			t.Fatalf("ms %d: %v %v", ms, time.Time(out), err)
		}
	}
}

func TestFloat16(t *testing.T) {
	// Every half-precision value agrees with its float32 encoding.
	for bits := range 1 << 16 {
		b := []byte{0xf9, byte(bits >> 8), byte(bits)}
		var f float64
		if err := Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		var f32 float32
		if err := Unmarshal(b, &f32); err != nil {
			t.Fatal(err)
		}
		if math.IsNaN(f) != math.IsNaN(float64(f32)) || (!math.IsNaN(f) && float64(f32) != f) {
			t.Fatalf("%04x: %v vs %v", bits, f, f32)
		}
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			// Exactly representable in float32, so the conversion is exact.
			if float64(float32(f)) != f {
				t.Fatalf("%04x: %v not exact", bits, f)
			}
		}
	}
}

func TestValid(t *testing.T) {
	for _, h := range []string{"", "ff", "1c", "a1", "9f", "5f41", "f818", "0000"} {
		if Valid(unhex(t, h)) {
			t.Errorf("Valid(%s) = true", h)
		}
	}
	if !Valid(unhex(t, "c1c1c100")) {
		t.Error("nested tags are well-formed")
	}
}
