package rpcv2cbor

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/keyward/keyward/internal/awsproto/awsjson"
)

// CBOR major types (RFC 8949 §3.1).
const (
	majorUint   = 0
	majorNegInt = 1
	majorBytes  = 2
	majorText   = 3
	majorArray  = 4
	majorMap    = 5
	majorTag    = 6
	majorSimple = 7
)

// Additional information values and simple values (RFC 8949 §3, §3.3).
const (
	minorFloat16    = 25
	minorFloat32    = 26
	minorFloat64    = 27
	minorIndefinite = 31

	simpleFalse     = 20
	simpleTrue      = 21
	simpleNull      = 22
	simpleUndefined = 23

	byteFalse = majorSimple<<5 | simpleFalse
	byteTrue  = majorSimple<<5 | simpleTrue
	byteNull  = majorSimple<<5 | simpleNull
	byteUndef = majorSimple<<5 | simpleUndefined
	byteBreak = 0xff

	tagEpoch = 1 // epoch-based date/time (RFC 8949 §3.4.2)
)

// maxPointerDepth bounds pointer and interface indirections while encoding,
// so that a cyclic value fails instead of exhausting the stack.
const maxPointerDepth = 1000

// Marshal returns the CBOR encoding of v.
//
// Structs are maps keyed by their json names; a member is left out when it
// is nil (pointer, interface, slice or map: the protocol never sends null
// members) or when its omitempty/omitzero option says so. Maps are written
// with their keys in sorted order, so the output is deterministic. Every
// length is definite. Integers take the shortest head; float32 and float64
// keep their width. Strings that are not valid UTF-8 have the bad bytes
// replaced by U+FFFD, as encoding/json does. time.Time and awsjson.Time are
// tag 1 with float64 epoch seconds at millisecond precision. A type with its
// own JSON or text encoding (other than those two) is an error.
func Marshal(v any) ([]byte, error) {
	e := encoder{buf: make([]byte, 0, 256)}
	if v == nil {
		return []byte{byteNull}, nil
	}
	rv := reflect.ValueOf(v)
	if err := e.value(infoOf(rv.Type()), rv); err != nil {
		return nil, err
	}
	return e.buf, nil
}

type encoder struct {
	buf   []byte
	depth int // arrays, maps and tags open, counted as the decoder counts them
	ptrs  int // pointer and interface indirections
}

var errEncodeDepth = errors.New("rpcv2cbor: value nested too deeply to encode")

func (e *encoder) enter() error {
	e.depth++
	if e.depth > MaxDepth {
		return errEncodeDepth
	}
	return nil
}

func (e *encoder) head(major byte, arg uint64) {
	e.buf = appendHead(e.buf, major, arg)
}

// appendHead appends an item head with the shortest argument encoding.
func appendHead(b []byte, major byte, arg uint64) []byte {
	m := major << 5
	switch {
	case arg < 24:
		return append(b, m|byte(arg))
	case arg <= math.MaxUint8:
		return append(b, m|24, byte(arg))
	case arg <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, m|25), uint16(arg))
	case arg <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, m|26), uint32(arg))
	}
	return binary.BigEndian.AppendUint64(append(b, m|27), arg)
}

func (e *encoder) int(i int64) {
	if i >= 0 {
		e.head(majorUint, uint64(i))
		return
	}
	e.head(majorNegInt, uint64(-(i + 1)))
}

func (e *encoder) float64(f float64) {
	e.buf = binary.BigEndian.AppendUint64(append(e.buf, majorSimple<<5|minorFloat64), math.Float64bits(f))
}

func (e *encoder) text(s string) {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	e.head(majorText, uint64(len(s)))
	e.buf = append(e.buf, s...)
}

func (e *encoder) time(t time.Time) error {
	if err := e.enter(); err != nil {
		return err
	}
	e.head(majorTag, tagEpoch)
	e.float64(epochSeconds(t))
	e.depth--
	return nil
}

// epochSeconds renders t as float64 epoch seconds at millisecond precision.
// The double nearest ms/1000 times 1000 can land just short of ms, and some
// decoders (aws-sdk-go-v2's among them) truncate rather than round; the
// value is nudged by an ulp or two so that truncating and rounding decoders
// both read back the same millisecond.
func epochSeconds(t time.Time) float64 {
	ms := t.UnixMilli()
	f := float64(ms) / 1e3
	for range 4 {
		if int64(f*1e3) == ms {
			break
		}
		if ms > 0 {
			f = math.Nextafter(f, math.Inf(1))
		} else {
			f = math.Nextafter(f, math.Inf(-1))
		}
	}
	return f
}

func (e *encoder) value(ti *typeInfo, v reflect.Value) error {
	if ti.err != nil {
		return ti.err
	}
	switch ti.kind {
	case kBool:
		if v.Bool() {
			e.buf = append(e.buf, byteTrue)
		} else {
			e.buf = append(e.buf, byteFalse)
		}
	case kInt:
		e.int(v.Int())
	case kUint:
		e.head(majorUint, v.Uint())
	case kFloat32:
		e.buf = binary.BigEndian.AppendUint32(append(e.buf, majorSimple<<5|minorFloat32), math.Float32bits(float32(v.Float())))
	case kFloat64:
		e.float64(v.Float())
	case kString:
		e.text(v.String())
	case kBytes:
		b := v.Bytes()
		e.head(majorBytes, uint64(len(b)))
		e.buf = append(e.buf, b...)
	case kTime:
		return e.time(v.Interface().(time.Time))
	case kAWSTime:
		return e.time(time.Time(v.Interface().(awsjson.Time)))
	case kPtr, kIface:
		if v.IsNil() {
			e.buf = append(e.buf, byteNull)
			return nil
		}
		e.ptrs++
		if e.ptrs > maxPointerDepth {
			return errEncodeDepth
		}
		defer func() { e.ptrs-- }()
		if ti.kind == kPtr {
			return e.value(ti.elem, v.Elem())
		}
		inner := v.Elem()
		return e.value(infoOf(inner.Type()), inner)
	case kSlice:
		if v.IsNil() {
			e.buf = append(e.buf, byteNull)
			return nil
		}
		if err := e.enter(); err != nil {
			return err
		}
		n := v.Len()
		e.head(majorArray, uint64(n))
		for i := range n {
			if err := e.value(ti.elem, v.Index(i)); err != nil {
				return err
			}
		}
		e.depth--
	case kMap:
		if v.IsNil() {
			e.buf = append(e.buf, byteNull)
			return nil
		}
		return e.mapValue(ti, v)
	case kStruct:
		return e.structValue(ti, v)
	default:
		return fmt.Errorf("rpcv2cbor: cannot encode %s", ti.typ)
	}
	return nil
}

func (e *encoder) mapValue(ti *typeInfo, v reflect.Value) error {
	if err := e.enter(); err != nil {
		return err
	}
	type entry struct {
		k string
		v reflect.Value
	}
	entries := make([]entry, 0, v.Len())
	for it := v.MapRange(); it.Next(); {
		entries = append(entries, entry{it.Key().String(), it.Value()})
	}
	slices.SortFunc(entries, func(a, b entry) int { return cmp.Compare(a.k, b.k) })
	e.head(majorMap, uint64(len(entries)))
	for _, en := range entries {
		e.text(en.k)
		if err := e.value(ti.elem, en.v); err != nil {
			return err
		}
	}
	e.depth--
	return nil
}

func (e *encoder) structValue(ti *typeInfo, v reflect.Value) error {
	if err := e.enter(); err != nil {
		return err
	}
	n := 0
	for i := range ti.fields {
		if !omit(&ti.fields[i], v.FieldByIndex(ti.fields[i].index)) {
			n++
		}
	}
	e.head(majorMap, uint64(n))
	for i := range ti.fields {
		f := &ti.fields[i]
		fv := v.FieldByIndex(f.index)
		if omit(f, fv) {
			continue
		}
		e.text(f.name)
		if err := e.value(f.info, fv); err != nil {
			return err
		}
	}
	e.depth--
	return nil
}

// omit reports whether member f with value v is left out of a struct.
func omit(f *field, v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice:
		if v.IsNil() {
			return true
		}
	}
	if f.omitEmpty {
		switch v.Kind() {
		case reflect.Bool:
			if !v.Bool() {
				return true
			}
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			if v.Int() == 0 {
				return true
			}
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			if v.Uint() == 0 {
				return true
			}
		case reflect.Float32, reflect.Float64:
			if v.Float() == 0 {
				return true
			}
		case reflect.String, reflect.Map, reflect.Slice, reflect.Array:
			if v.Len() == 0 {
				return true
			}
		}
	}
	if f.omitZero {
		if v.Type().Implements(isZeroer) {
			return v.Interface().(interface{ IsZero() bool }).IsZero()
		}
		return v.IsZero()
	}
	return false
}
