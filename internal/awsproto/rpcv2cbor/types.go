package rpcv2cbor

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/keyward/keyward/internal/awsproto/awsjson"
)

// kind is how the codec treats a Go type.
type kind uint8

const (
	kBool kind = iota + 1
	kInt
	kUint
	kFloat32
	kFloat64
	kString
	kBytes // a slice of bytes: a blob
	kSlice
	kMap // keys are strings
	kStruct
	kPtr
	kIface
	kTime    // time.Time
	kAWSTime // awsjson.Time
)

// typeInfo is what the codec knows about one Go type. It is built once per
// type and never changes after it is published in cache.
type typeInfo struct {
	typ    reflect.Type
	kind   kind
	bits   int       // kInt, kUint: the size in bits
	elem   *typeInfo // kSlice, kMap (the value), kPtr
	fields []field   // kStruct, in wire order
	byName map[string]int
	// err is set for a type the codec cannot handle; any use reports it.
	err error
}

// field is one member of a struct, named as encoding/json names it.
type field struct {
	name      string
	index     []int
	omitEmpty bool
	omitZero  bool
	info      *typeInfo
}

var (
	timeType      = reflect.TypeFor[time.Time]()
	awsTimeType   = reflect.TypeFor[awsjson.Time]()
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	jsonUnmarsh   = reflect.TypeFor[json.Unmarshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarsh   = reflect.TypeFor[encoding.TextUnmarshaler]()
	isZeroer      = reflect.TypeFor[interface{ IsZero() bool }]()
)

// cache maps reflect.Type to *typeInfo. Types are built under buildMu so
// that a recursive type is built once and published whole.
var (
	cache   sync.Map
	buildMu sync.Mutex
)

// infoOf returns the codec's view of t.
func infoOf(t reflect.Type) *typeInfo {
	if ti, ok := cache.Load(t); ok {
		return ti.(*typeInfo)
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	building := make(map[reflect.Type]*typeInfo)
	ti := build(t, building)
	for bt, bti := range building {
		cache.Store(bt, bti)
	}
	return ti
}

func build(t reflect.Type, building map[reflect.Type]*typeInfo) *typeInfo {
	if ti, ok := cache.Load(t); ok {
		return ti.(*typeInfo)
	}
	if ti, ok := building[t]; ok {
		return ti // a recursive reference: filled in by the caller up the stack
	}
	ti := &typeInfo{typ: t}
	building[t] = ti
	switch {
	case t == awsTimeType:
		ti.kind = kAWSTime
		return ti
	case t == timeType:
		ti.kind = kTime
		return ti
	case t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface && ownsEncoding(t):
		ti.err = fmt.Errorf("rpcv2cbor: %s has its own JSON or text encoding, which this codec does not follow", t)
		return ti
	}
	switch t.Kind() {
	case reflect.Bool:
		ti.kind = kBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		ti.kind, ti.bits = kInt, t.Bits()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		ti.kind, ti.bits = kUint, t.Bits()
	case reflect.Float32:
		ti.kind = kFloat32
	case reflect.Float64:
		ti.kind = kFloat64
	case reflect.String:
		ti.kind = kString
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !ownsEncoding(t.Elem()) {
			ti.kind = kBytes
			break
		}
		ti.kind = kSlice
		ti.elem = build(t.Elem(), building)
	case reflect.Map:
		if t.Key().Kind() != reflect.String || ownsEncoding(t.Key()) {
			ti.err = fmt.Errorf("rpcv2cbor: map key type %s is not a string", t.Key())
			return ti
		}
		ti.kind = kMap
		ti.elem = build(t.Elem(), building)
	case reflect.Pointer:
		ti.kind = kPtr
		ti.elem = build(t.Elem(), building)
	case reflect.Interface:
		ti.kind = kIface
	case reflect.Struct:
		ti.kind = kStruct
		fields, err := structFields(t, building)
		if err != nil {
			ti.err = err
			return ti
		}
		ti.fields = fields
		ti.byName = make(map[string]int, len(fields))
		for i, f := range fields {
			ti.byName[f.name] = i
			if f.info.err != nil && ti.err == nil {
				ti.err = f.info.err
			}
		}
	default:
		ti.err = fmt.Errorf("rpcv2cbor: unsupported type %s", t)
	}
	if ti.elem != nil && ti.elem.err != nil {
		ti.err = ti.elem.err
	}
	return ti
}

// ownsEncoding reports whether t customises its JSON or text form; the codec
// would not follow it, so such types are refused rather than encoded
// differently from JSON.
func ownsEncoding(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return t.Implements(jsonMarshaler) || pt.Implements(jsonUnmarsh) ||
		t.Implements(textMarshaler) || pt.Implements(textUnmarsh)
}

// structFields lists the members of struct t as encoding/json does: the
// json tag names them ("-" drops one), fields of embedded structs are
// promoted, and of several fields with one name the shallowest wins (a tie
// is broken by a tag, else all are dropped).
func structFields(t reflect.Type, building map[reflect.Type]*typeInfo) ([]field, error) {
	type candidate struct {
		field
		depth  int
		tagged bool
	}
	var cands []candidate
	var walk func(t reflect.Type, index []int, depth int) error
	walk = func(t reflect.Type, index []int, depth int) error {
		if depth > 16 {
			return fmt.Errorf("rpcv2cbor: %s embeds structs too deeply", t)
		}
		for i := range t.NumField() {
			sf := t.Field(i)
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			idx := append(index[:len(index):len(index)], i)
			if sf.Anonymous && name == "" {
				ft := sf.Type
				if ft.Kind() == reflect.Pointer {
					if ft.Elem().Kind() == reflect.Struct {
						return fmt.Errorf("rpcv2cbor: %s embeds pointer %s, which is not supported", t, ft)
					}
				} else if ft.Kind() == reflect.Struct && !ownsEncoding(ft) && ft != timeType && ft != awsTimeType {
					if err := walk(ft, idx, depth+1); err != nil {
						return err
					}
					continue
				}
			}
			if !sf.IsExported() {
				continue
			}
			c := candidate{depth: depth, tagged: name != ""}
			c.name = name
			if c.name == "" {
				c.name = sf.Name
			}
			c.index = idx
			for o := range strings.SplitSeq(opts, ",") {
				switch o {
				case "omitempty":
					c.omitEmpty = true
				case "omitzero":
					c.omitZero = true
				case "string":
					return fmt.Errorf("rpcv2cbor: %s.%s: the json \",string\" option is not supported", t, sf.Name)
				}
			}
			c.info = build(sf.Type, building)
			cands = append(cands, c)
		}
		return nil
	}
	if err := walk(t, nil, 0); err != nil {
		return nil, err
	}
	// Keep, for each name, the dominant field.
	type best struct {
		at     int // index into cands, or -1 when the name is ambiguous
		depth  int
		tagged int // number of tagged fields at depth
		count  int // number of fields at depth
	}
	bests := make(map[string]*best)
	for i, c := range cands {
		b := bests[c.name]
		switch {
		case b == nil || c.depth < b.depth:
			b = &best{at: i, depth: c.depth}
			bests[c.name] = b
		case c.depth > b.depth:
			continue
		}
		b.count++
		if c.tagged {
			b.tagged++
			if b.tagged == 1 {
				b.at = i
			}
		}
	}
	var out []field
	for i, c := range cands {
		b := bests[c.name]
		if b.at != i {
			continue
		}
		if b.count > 1 && b.tagged != 1 {
			continue // ambiguous, as encoding/json drops it
		}
		out = append(out, c.field)
	}
	return out, nil
}

// want names the Smithy type a Go type stands for, for error messages.
func (ti *typeInfo) want() string {
	switch ti.kind {
	case kBool:
		return "a Boolean"
	case kInt, kUint:
		switch ti.bits {
		case 8:
			return "a Byte"
		case 16:
			return "a Short"
		case 32:
			return "an Integer"
		}
		if ti.typ.Kind() == reflect.Int || ti.typ.Kind() == reflect.Uint {
			return "an Integer"
		}
		return "a Long"
	case kFloat32:
		return "a Float"
	case kFloat64:
		return "a Double"
	case kString:
		return "a String"
	case kBytes:
		return "a Blob"
	case kSlice:
		return "a List"
	case kMap:
		return "a Map"
	case kStruct:
		return "a Structure"
	case kPtr:
		return ti.elem.want()
	case kTime, kAWSTime:
		return "a Timestamp"
	}
	return "a value of type " + strconv.Quote(ti.typ.String())
}
