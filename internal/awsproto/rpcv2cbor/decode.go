package rpcv2cbor

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/awsproto/awsjson"
	"github.com/keyward/keyward/internal/errs"
)

// MaxDepth is the deepest nesting of arrays, maps and tags the codec
// accepts (the outermost map counts 1). AWS shapes nest far less; the limit
// keeps a hostile body from exhausting the stack.
const MaxDepth = 64

// MaxDecodedSize bounds the memory one Unmarshal allocates (an estimate
// from the Go sizes of the values it creates). Lengths are already bounded
// by the input, but a one-byte item (an empty map, a null) can become a
// struct of hundreds of bytes; this keeps that expansion bounded. It is a
// fixed budget rather than a multiple of the input, so a value's re-encoding
// never needs more than the original did.
const MaxDecodedSize = 16 << 20

// Timestamps outside years 0001–9999 are refused, as they are by AWS.
const (
	minEpochSeconds = -62135596800 // 0001-01-01T00:00:00Z
	maxEpochSeconds = 253402300799 // 9999-12-31T23:59:59Z
)

// Unmarshal decodes the single CBOR data item in data into v, which must be
// a non-nil pointer.
//
// Decoding is strict: data must be exactly one well-formed item (RFC 8949
// §3, including indefinite-length strings, arrays and maps and half-, single-
// and double-precision floats); text must be valid UTF-8; nesting is bounded
// by MaxDepth; a declared length longer than the data left is refused before
// anything is allocated, and the memory decoding allocates is bounded by
// MaxDecodedSize. Struct members match their json names exactly
// (case-sensitively); unknown members are skipped after a well-formedness
// check; a key repeated in one map is an error. Integers must fit their Go
// type, a float is never accepted for an integer, an integer is accepted for
// a float. Null and undefined leave a member nil/zero. Timestamps are tag 1
// with integer or float seconds (rounded to the millisecond). Other tags,
// including bignums, are refused. Every failure caused by data is an
// errs.Serialization error whose message names the member; a v the codec
// cannot handle is a plain (internal) error.
func Unmarshal(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("rpcv2cbor: Unmarshal needs a non-nil pointer, got %T", v)
	}
	ti := infoOf(rv.Type())
	if ti.err != nil {
		return ti.err
	}
	d := decoder{data: data}
	if err := d.value(ti.elem, rv.Elem()); err != nil {
		return err
	}
	if d.off != len(d.data) {
		return d.malformed("unexpected data after the end of the item")
	}
	return nil
}

// Valid reports whether data is exactly one well-formed CBOR item within
// the codec's limits.
func Valid(data []byte) bool {
	d := decoder{data: data}
	return d.skip() == nil && d.off == len(data)
}

type decoder struct {
	data  []byte
	off   int
	depth int
	spent int64     // estimated bytes allocated, against MaxDecodedSize
	path  []pathSeg // where the decoder is, for error messages
}

// spend charges n bytes of allocation to the decoder's budget.
func (d *decoder) spend(n int64) error {
	d.spent += n
	if d.spent > MaxDecodedSize {
		return errs.E(errs.Serialization, "The request body is too large once decoded.")
	}
	return nil
}

// pathSeg is one step into the value: a struct member, a list index or a
// map value (whose key is not echoed back to the client).
type pathSeg struct {
	name  string
	index int // -1 for a member, -2 for a map value
}

func (d *decoder) where() string {
	var b strings.Builder
	for _, s := range d.path {
		switch {
		case s.index >= 0:
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		case s.index == -2:
			b.WriteString("{}")
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.name)
		}
	}
	return b.String()
}

// Error constructors. Messages are client-safe: they name members of our
// own types, never echo client data.

func (d *decoder) malformed(reason string) error {
	return errs.Wrap(errs.Serialization, "The request body is not valid CBOR: "+reason+".",
		fmt.Errorf("rpcv2cbor: at offset %d", d.off))
}

func (d *decoder) eof() error { return d.malformed("unexpected end of data") }

func (d *decoder) mismatch(ti *typeInfo, got string) error {
	at := d.where()
	if at == "" {
		return errs.Ef(errs.Serialization, "Expected %s, got %s.", ti.want(), got)
	}
	return errs.Ef(errs.Serialization, "Expected %s for %s, got %s.", ti.want(), at, got)
}

func (d *decoder) invalid(ti *typeInfo, reason string) error {
	at := d.where()
	if at == "" {
		return errs.Ef(errs.Serialization, "Invalid %s: %s.", strings.TrimPrefix(strings.TrimPrefix(ti.want(), "a "), "an "), reason)
	}
	return errs.Ef(errs.Serialization, "Invalid value for %s: %s.", at, reason)
}

func (d *decoder) tooDeep() error {
	return errs.E(errs.Serialization, "The request body is nested too deeply.")
}

// value decodes the next item into v, of type ti.
func (d *decoder) value(ti *typeInfo, v reflect.Value) error {
	if ti.err != nil {
		return ti.err
	}
	if d.isNull() {
		switch ti.kind {
		case kPtr, kSlice, kBytes, kMap, kIface:
			v.SetZero()
		}
		return nil
	}
	switch ti.kind {
	case kPtr:
		if v.IsNil() {
			if err := d.spend(int64(ti.elem.typ.Size())); err != nil {
				return err
			}
			v.Set(reflect.New(ti.typ.Elem()))
		}
		return d.value(ti.elem, v.Elem())
	case kStruct:
		return d.structValue(ti, v)
	case kMap:
		return d.mapValue(ti, v)
	case kIface:
		if ti.typ.NumMethod() != 0 {
			return fmt.Errorf("rpcv2cbor: cannot decode into interface type %s", ti.typ)
		}
		x, err := d.generic()
		if err != nil {
			return err
		}
		if x == nil {
			v.SetZero()
		} else {
			v.Set(reflect.ValueOf(x))
		}
		return nil
	}
	start := d.off
	h, err := d.readHead()
	if err != nil {
		return err
	}
	switch ti.kind {
	case kBool:
		if h.major != majorSimple || (h.minor != simpleFalse && h.minor != simpleTrue) {
			return d.wrongType(ti, h, start)
		}
		v.SetBool(h.minor == simpleTrue)
	case kInt:
		var i int64
		switch {
		case h.major == majorUint && h.arg <= math.MaxInt64:
			i = int64(h.arg)
		case h.major == majorNegInt && h.arg <= math.MaxInt64:
			i = -1 - int64(h.arg)
		case h.major == majorUint || h.major == majorNegInt:
			return d.invalid(ti, "out of range for "+ti.want())
		default:
			return d.wrongType(ti, h, start)
		}
		if v.OverflowInt(i) {
			return d.invalid(ti, "out of range for "+ti.want())
		}
		v.SetInt(i)
	case kUint:
		switch {
		case h.major == majorUint:
		case h.major == majorNegInt:
			return d.invalid(ti, "out of range for "+ti.want())
		default:
			return d.wrongType(ti, h, start)
		}
		if v.OverflowUint(h.arg) {
			return d.invalid(ti, "out of range for "+ti.want())
		}
		v.SetUint(h.arg)
	case kFloat32, kFloat64:
		f, ok := number(h)
		if !ok {
			return d.wrongType(ti, h, start)
		}
		if ti.kind == kFloat32 && !math.IsInf(f, 0) && !math.IsNaN(f) && math.Abs(f) > math.MaxFloat32 {
			return d.invalid(ti, "out of range for a Float")
		}
		v.SetFloat(f)
	case kString:
		if h.major != majorText {
			return d.wrongType(ti, h, start)
		}
		b, err := d.stringBytes(h)
		if err != nil {
			return err
		}
		if err := d.spend(int64(len(b))); err != nil {
			return err
		}
		v.SetString(string(b))
	case kBytes:
		if h.major != majorBytes {
			return d.wrongType(ti, h, start)
		}
		b, err := d.stringBytes(h)
		if err != nil {
			return err
		}
		if err := d.spend(int64(len(b))); err != nil {
			return err
		}
		out := reflect.MakeSlice(ti.typ, len(b), len(b))
		copy(out.Bytes(), b)
		v.Set(out)
	case kSlice:
		if h.major != majorArray {
			return d.wrongType(ti, h, start)
		}
		return d.sliceValue(ti, v, h)
	case kTime, kAWSTime:
		if h.major != majorTag || h.arg != tagEpoch {
			return d.wrongType(ti, h, start)
		}
		t, err := d.epoch(ti)
		if err != nil {
			return err
		}
		if ti.kind == kAWSTime {
			v.Set(reflect.ValueOf(awsjson.Time(t)))
		} else {
			v.Set(reflect.ValueOf(t))
		}
	default:
		return fmt.Errorf("rpcv2cbor: cannot decode into %s", ti.typ)
	}
	return nil
}

// wrongType reports a type mismatch, unless the item is not even
// well-formed, which is reported as such.
func (d *decoder) wrongType(ti *typeInfo, h head, start int) error {
	d.off = start
	if err := d.skip(); err != nil {
		return err
	}
	if h.major == majorSimple && h.indef {
		return d.malformed("unexpected break")
	}
	return d.mismatch(ti, describe(h))
}

// epoch reads the content of a tag 1 (the head is consumed): integer or
// float seconds since the epoch.
func (d *decoder) epoch(ti *typeInfo) (time.Time, error) {
	if err := d.enter(); err != nil {
		return time.Time{}, err
	}
	defer func() { d.depth-- }()
	start := d.off
	h, err := d.readHead()
	if err != nil {
		return time.Time{}, err
	}
	var ms int64
	switch h.major {
	case majorUint, majorNegInt:
		if h.arg > maxEpochSeconds-minEpochSeconds {
			return time.Time{}, d.invalid(ti, "timestamp out of range")
		}
		s := int64(h.arg)
		if h.major == majorNegInt {
			s = -1 - s
		}
		if s < minEpochSeconds || s > maxEpochSeconds {
			return time.Time{}, d.invalid(ti, "timestamp out of range")
		}
		ms = s * 1000
	case majorSimple:
		f, ok := number(h)
		if !ok {
			d.off = start
			return time.Time{}, d.wrongType(ti, h, start)
		}
		if math.IsNaN(f) || f < minEpochSeconds || f > maxEpochSeconds {
			return time.Time{}, d.invalid(ti, "timestamp out of range")
		}
		ms = int64(math.Round(f * 1e3))
	default:
		return time.Time{}, d.wrongType(ti, h, start)
	}
	return time.UnixMilli(ms).UTC(), nil
}

func (d *decoder) sliceValue(ti *typeInfo, v reflect.Value, h head) error {
	if err := d.enter(); err != nil {
		return err
	}
	size := max(int64(ti.elem.typ.Size()), 1)
	var s reflect.Value
	if h.indef {
		s = reflect.MakeSlice(ti.typ, 0, 0)
	} else {
		if err := d.checkCount(h.arg, 1); err != nil {
			return err
		}
		if err := d.spend(int64(h.arg) * size); err != nil {
			return err
		}
		s = reflect.MakeSlice(ti.typ, int(h.arg), int(h.arg))
	}
	d.path = append(d.path, pathSeg{})
	for i := 0; ; i++ {
		if h.indef {
			if d.atBreak() {
				d.off++
				break
			}
			if err := d.spend(size); err != nil {
				return err
			}
			s = reflect.Append(s, reflect.Zero(ti.elem.typ))
		} else if i == s.Len() {
			break
		}
		d.path[len(d.path)-1] = pathSeg{index: i}
		if err := d.value(ti.elem, s.Index(i)); err != nil {
			return err
		}
	}
	d.path = d.path[:len(d.path)-1]
	v.Set(s)
	d.depth--
	return nil
}

// key reads a map key, which must be a text string. The result may alias
// the input.
func (d *decoder) key() ([]byte, error) {
	start := d.off
	h, err := d.readHead()
	if err != nil {
		return nil, err
	}
	if h.major != majorText {
		d.off = start
		if err := d.skip(); err != nil {
			return nil, err
		}
		if h.major == majorSimple && h.indef {
			return nil, d.malformed("unexpected break")
		}
		at := d.where()
		if at == "" {
			return nil, errs.Ef(errs.Serialization, "Map keys must be text strings, got %s.", describe(h))
		}
		return nil, errs.Ef(errs.Serialization, "Map keys in %s must be text strings, got %s.", at, describe(h))
	}
	return d.stringBytes(h)
}

// mapHead reads the head of a map for a struct or map value.
func (d *decoder) mapHead(ti *typeInfo) (head, error) {
	start := d.off
	h, err := d.readHead()
	if err != nil {
		return h, err
	}
	if h.major != majorMap {
		return h, d.wrongType(ti, h, start)
	}
	if err := d.enter(); err != nil {
		return h, err
	}
	if !h.indef {
		if err := d.checkCount(h.arg, 2); err != nil {
			return h, err
		}
	}
	return h, nil
}

// more reports whether map h has another entry, consuming the break of an
// indefinite map. i counts the entries read so far.
func (d *decoder) more(h head, i uint64) bool {
	if h.indef {
		if d.atBreak() {
			d.off++
			return false
		}
		return true
	}
	return i < h.arg
}

func (d *decoder) structValue(ti *typeInfo, v reflect.Value) error {
	h, err := d.mapHead(ti)
	if err != nil {
		return err
	}
	var seenSmall [2]uint64
	seen := seenSmall[:]
	if len(ti.fields) > 128 {
		seen = make([]uint64, (len(ti.fields)+63)/64)
	}
	var unknown map[string]struct{}
	for i := uint64(0); d.more(h, i); i++ {
		k, err := d.key()
		if err != nil {
			return err
		}
		fi, ok := ti.byName[string(k)]
		if !ok {
			if unknown == nil {
				unknown = make(map[string]struct{})
			}
			if _, dup := unknown[string(k)]; dup {
				return d.duplicate()
			}
			unknown[string(k)] = struct{}{}
			if h.indef && d.atBreak() {
				return d.malformed("map ends between a key and its value")
			}
			if err := d.skip(); err != nil {
				return err
			}
			continue
		}
		if seen[fi/64]&(1<<(fi%64)) != 0 {
			return d.duplicate()
		}
		seen[fi/64] |= 1 << (fi % 64)
		if h.indef && d.atBreak() {
			return d.malformed("map ends between a key and its value")
		}
		f := &ti.fields[fi]
		d.path = append(d.path, pathSeg{name: f.name, index: -1})
		if err := d.value(f.info, v.FieldByIndex(f.index)); err != nil {
			return err
		}
		d.path = d.path[:len(d.path)-1]
	}
	d.depth--
	return nil
}

func (d *decoder) duplicate() error {
	at := d.where()
	if at == "" {
		return errs.E(errs.Serialization, "The request body repeats a map key.")
	}
	return errs.Ef(errs.Serialization, "%s repeats a map key.", at)
}

func (d *decoder) mapValue(ti *typeInfo, v reflect.Value) error {
	h, err := d.mapHead(ti)
	if err != nil {
		return err
	}
	// A fresh map, so that a repeated key is one repeated in this item.
	n := 0
	if !h.indef {
		n = int(h.arg)
	}
	v.Set(reflect.MakeMapWithSize(ti.typ, n))
	// An entry costs its key and value and some of the map's own overhead.
	entry := int64(ti.typ.Key().Size()+ti.elem.typ.Size()) + 16
	elem := reflect.New(ti.elem.typ).Elem()
	for i := uint64(0); d.more(h, i); i++ {
		k, err := d.key()
		if err != nil {
			return err
		}
		if err := d.spend(int64(len(k)) + entry); err != nil {
			return err
		}
		kv := reflect.ValueOf(string(k)).Convert(ti.typ.Key())
		if v.MapIndex(kv).IsValid() {
			return d.duplicate()
		}
		if h.indef && d.atBreak() {
			return d.malformed("map ends between a key and its value")
		}
		elem.SetZero()
		d.path = append(d.path, pathSeg{index: -2})
		if err := d.value(ti.elem, elem); err != nil {
			return err
		}
		d.path = d.path[:len(d.path)-1]
		v.SetMapIndex(kv, elem)
	}
	d.depth--
	return nil
}

// generic decodes the next item into plain Go values: nil, bool, int64
// (uint64 above MaxInt64), float64, string, []byte, []any, map[string]any
// and time.Time for tag 1.
func (d *decoder) generic() (any, error) {
	if d.isNull() {
		return nil, nil
	}
	if err := d.spend(16); err != nil { // the interface's boxed value
		return nil, err
	}
	start := d.off
	h, err := d.readHead()
	if err != nil {
		return nil, err
	}
	switch h.major {
	case majorUint:
		if h.arg > math.MaxInt64 {
			return h.arg, nil
		}
		return int64(h.arg), nil
	case majorNegInt:
		if h.arg > math.MaxInt64 {
			return nil, errs.E(errs.Serialization, "Integer out of range.")
		}
		return -1 - int64(h.arg), nil
	case majorText, majorBytes:
		b, err := d.stringBytes(h)
		if err == nil {
			err = d.spend(int64(len(b)))
		}
		if err != nil {
			return nil, err
		}
		if h.major == majorText {
			return string(b), nil
		}
		return append([]byte{}, b...), nil
	case majorArray:
		if err := d.enter(); err != nil {
			return nil, err
		}
		n := 0
		if !h.indef {
			if err := d.checkCount(h.arg, 1); err != nil {
				return nil, err
			}
			n = int(h.arg)
		}
		if err := d.spend(int64(n) * 16); err != nil {
			return nil, err
		}
		out := make([]any, 0, n)
		for i := 0; ; i++ {
			if h.indef {
				if d.atBreak() {
					d.off++
					break
				}
				if err := d.spend(16); err != nil {
					return nil, err
				}
			} else if i == n {
				break
			}
			x, err := d.generic()
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		d.depth--
		return out, nil
	case majorMap:
		d.off = start
		m := map[string]any{}
		ti := infoOf(reflect.TypeFor[map[string]any]())
		if err := d.mapValue(ti, reflect.ValueOf(&m).Elem()); err != nil {
			return nil, err
		}
		return m, nil
	case majorTag:
		if h.arg != tagEpoch {
			d.off = start
			if err := d.skip(); err != nil {
				return nil, err
			}
			return nil, errs.Ef(errs.Serialization, "Unsupported CBOR tag %d.", h.arg)
		}
		return d.epoch(infoOf(timeType))
	}
	switch {
	case h.indef:
		return nil, d.malformed("unexpected break")
	case h.minor == simpleFalse, h.minor == simpleTrue:
		return h.minor == simpleTrue, nil
	}
	if f, ok := number(h); ok {
		return f, nil
	}
	return nil, errs.E(errs.Serialization, "Unsupported CBOR simple value.")
}
