package awsquery

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/keyward/keyward/internal/errs"
)

// Decoding binds a Go struct to a model structure once, when the operation
// table is built (a mismatch is a programming error and panics there), then
// decodes each request's parameters through the binding:
//
//	UserName=alice                       string member
//	MaxItems=10                          integer member
//	Tags.member.1.Key=k&Tags.member.1.Value=v
//	                                     list of structures (1-based, no gaps)
//	PolicyNames.member.1=p               list of strings
//	Tags=                                an empty list, as SDKs send one
//	Threshold=1.5                        double member (float64)
//	StartDate=2026-11-22T09:00:00Z       timestamp member (Time or
//	                                     time.Time): ISO 8601, or epoch
//	                                     seconds
//
// A Go field carries the member of the same name, or the one named by its
// `query:"name"` tag; every model member must have a field, so nothing a
// client sends is silently dropped by the decoder. Parameters that name no
// member are ignored, as AWS does, so that a newer SDK still works.
//
// Errors: InvalidParameterValue for a value of the wrong type;
// InvalidQueryParameter for a malformed list; then ValidationError for
// every constraint the request breaks, in model order.

type kind int

const (
	kString kind = iota + 1
	kInt32
	kInt64
	kBool
	kFloat64
	kTime
	kStruct
	kList
)

// binding ties a Go struct type to a model structure.
type binding struct {
	shape  *Shape
	typ    reflect.Type
	fields []*field // model member order
}

type field struct {
	wire      string // parameter name
	path      string // name in validation messages
	index     int    // Go field index
	required  bool
	kind      kind
	rule      *rule
	sub       *binding // kStruct, or the element of a list of structures
	elemKind  kind     // kList: kString or kStruct
	elemRule  *rule
	elemName  string // kList: "member", or the flattened form's ""
	flattened bool
}

// binder binds types to the shapes of one model, compiling each shape's
// rule once.
type binder struct {
	m     *Model
	rules map[string]*rule
	done  map[reflect.Type]*binding
}

func newBinder(m *Model) *binder {
	return &binder{m: m, rules: map[string]*rule{}, done: map[reflect.Type]*binding{}}
}

func (bd *binder) rule(shape string) (*rule, error) {
	if r, ok := bd.rules[shape]; ok {
		return r, nil
	}
	s := bd.m.Shapes[shape]
	if s == nil {
		return nil, fmt.Errorf("unknown shape %s", shape)
	}
	r, err := compileRule(s)
	if err != nil {
		return nil, err
	}
	bd.rules[shape] = r
	return r, nil
}

// bind binds Go struct type t to structure shape name.
func (bd *binder) bind(name string, t reflect.Type) (*binding, error) {
	s := bd.m.Shapes[name]
	if s == nil || s.Type != "structure" {
		return nil, fmt.Errorf("awsquery: %s is not a structure of the model", name)
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("awsquery: %s: Go type %v is not a struct", name, t)
	}
	if b, ok := bd.done[t]; ok {
		if b.shape != s {
			return nil, fmt.Errorf("awsquery: Go type %v bound to both %s and %s", t, b.shape.Name, name)
		}
		return b, nil
	}
	b := &binding{shape: s, typ: t}
	bd.done[t] = b
	goFields := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		wire := f.Name
		if tag := f.Tag.Get("query"); tag != "" {
			wire = tag
		}
		goFields[wire] = i
	}
	for _, mem := range s.Members {
		i, ok := goFields[mem.Name]
		if !ok {
			return nil, fmt.Errorf("awsquery: %s.%s has no field in %v", name, mem.Name, t)
		}
		delete(goFields, mem.Name)
		f, err := bd.field(s, mem, t.Field(i))
		if err != nil {
			return nil, err
		}
		f.index = i
		b.fields = append(b.fields, f)
	}
	for wire := range goFields {
		return nil, fmt.Errorf("awsquery: %v field %s is not a member of %s", t, wire, name)
	}
	return b, nil
}

func (bd *binder) field(parent *Shape, mem Member, sf reflect.StructField) (*field, error) {
	target := bd.m.Shapes[mem.Shape]
	if target == nil {
		return nil, fmt.Errorf("awsquery: %s.%s: unknown shape %s", parent.Name, mem.Name, mem.Shape)
	}
	f := &field{wire: mem.Name, path: lowerFirst(mem.Name), required: parent.IsRequired(mem.Name)}
	if mem.LocationName != "" {
		f.wire = mem.LocationName
	}
	var err error
	if f.rule, err = bd.rule(mem.Shape); err != nil {
		return nil, err
	}
	mismatch := func() error {
		return fmt.Errorf("awsquery: %s.%s: shape %s (%s) cannot decode into Go type %v", parent.Name, mem.Name, target.Name, target.Type, sf.Type)
	}
	t := sf.Type
	switch target.Type {
	case "string":
		f.kind = kString
		if t.Kind() != reflect.String {
			return nil, mismatch()
		}
	case "integer":
		f.kind = kInt32
		if t.Kind() != reflect.Int && t.Kind() != reflect.Int32 && t.Kind() != reflect.Int64 {
			return nil, mismatch()
		}
	case "long":
		f.kind = kInt64
		if t.Kind() != reflect.Int && t.Kind() != reflect.Int64 {
			return nil, mismatch()
		}
	case "boolean":
		f.kind = kBool
		if t.Kind() != reflect.Bool {
			return nil, mismatch()
		}
	case "double", "float":
		f.kind = kFloat64
		if t.Kind() != reflect.Float64 {
			return nil, mismatch()
		}
	case "timestamp":
		f.kind = kTime
		if t != timeType && t != stdTimeType {
			return nil, mismatch()
		}
	case "structure":
		f.kind = kStruct
		if f.sub, err = bd.bind(target.Name, t); err != nil {
			return nil, err
		}
	case "list":
		f.kind = kList
		f.flattened = mem.Flattened || target.Flattened
		f.elemName = target.MemberName
		if t.Kind() != reflect.Slice {
			return nil, mismatch()
		}
		elem := bd.m.Shapes[target.Member]
		if elem == nil {
			return nil, fmt.Errorf("awsquery: list %s: unknown element shape %s", target.Name, target.Member)
		}
		switch {
		case elem.Type == "string" && t.Elem().Kind() == reflect.String:
			f.elemKind = kString
			if f.elemRule, err = bd.rule(elem.Name); err != nil {
				return nil, err
			}
		case elem.Type == "structure":
			f.elemKind = kStruct
			if f.sub, err = bd.bind(elem.Name, t.Elem()); err != nil {
				return nil, err
			}
		default:
			return nil, mismatch()
		}
	default:
		return nil, fmt.Errorf("awsquery: %s.%s: the decoder does not support %s members", parent.Name, mem.Name, target.Type)
	}
	return f, nil
}

// decoder decodes one request.
type decoder struct {
	p Params
	v violations
}

// decode fills v (a pointer to b's type) from p.
func (b *binding) decode(p Params, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Type() != b.typ {
		return errs.Wrap(errs.Internal, "", fmt.Errorf("awsquery: decode into %T, want *%v", v, b.typ))
	}
	d := &decoder{p: p}
	if err := d.structure(b, rv.Elem(), "", ""); err != nil {
		return err
	}
	return d.v.err()
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func (d *decoder) structure(b *binding, v reflect.Value, prefix, path string) error {
	for _, f := range b.fields {
		key := prefix + f.wire
		mpath := joinPath(path, f.path)
		fv := v.Field(f.index)
		switch f.kind {
		case kStruct:
			present, err := d.structPresent(key)
			if err != nil {
				return err
			}
			if !present {
				if f.required {
					d.v.null(mpath)
				}
				continue
			}
			if err := d.structure(f.sub, fv, key+".", mpath); err != nil {
				return err
			}
		case kList:
			if err := d.list(f, fv, key, mpath); err != nil {
				return err
			}
		default:
			s, ok := d.p.Get(key)
			if !ok {
				if f.required {
					d.v.null(mpath)
				}
				continue
			}
			if err := d.scalar(f.kind, f.rule, fv, key, mpath, s); err != nil {
				return err
			}
		}
	}
	return nil
}

// scalar sets a string, number or boolean and checks its constraints.
func (d *decoder) scalar(k kind, r *rule, fv reflect.Value, key, path, s string) error {
	switch k {
	case kString:
		fv.SetString(s)
		for _, c := range r.stringViolations(s) {
			d.v.add(path, s, r.sensitive, c)
		}
	case kInt32, kInt64:
		bits := 64
		if k == kInt32 {
			bits = 32
		}
		n, err := strconv.ParseInt(s, 10, bits)
		if err != nil {
			what := "a Long"
			if k == kInt32 {
				what = "an Integer"
			}
			return errs.Wrap(errs.Serialization, fmt.Sprintf("Value '%s' for parameter %s is not %s.", printable(s), printable(key), what), errBadValue)
		}
		if fv.OverflowInt(n) {
			return errs.Wrap(errs.Serialization, fmt.Sprintf("Value '%s' for parameter %s is out of range.", printable(s), printable(key)), errBadValue)
		}
		fv.SetInt(n)
		if c := r.valueViolation(n); c != "" {
			d.v.add(path, s, r.sensitive, c)
		}
	case kBool:
		switch {
		case strings.EqualFold(s, "true"):
			fv.SetBool(true)
		case strings.EqualFold(s, "false"):
			fv.SetBool(false)
		default:
			return errs.Wrap(errs.Serialization, fmt.Sprintf("Value '%s' for parameter %s is not a Boolean.", printable(s), printable(key)), errBadValue)
		}
	case kFloat64:
		f, err := ParseDouble(s)
		if err != nil {
			return errs.Wrap(errs.Serialization, fmt.Sprintf("Value '%s' for parameter %s is not a Double.", printable(s), printable(key)), errBadValue)
		}
		fv.SetFloat(f)
	case kTime:
		t, err := ParseTimestamp(s)
		if err != nil {
			return errs.Wrap(errs.Serialization, fmt.Sprintf("Value '%s' for parameter %s is not a valid ISO 8601 timestamp.", printable(s), printable(key)), errBadValue)
		}
		fv.Set(reflect.ValueOf(t).Convert(fv.Type()))
	}
	return nil
}

// structPresent reports whether any parameter names a member of the
// structure at key. A value for key itself is a type error.
func (d *decoder) structPresent(key string) (bool, error) {
	if _, ok := d.p.Get(key); ok {
		return false, errs.Wrap(errs.Serialization, "Parameter "+printable(key)+" is a structure and takes no value of its own.", errBadValue)
	}
	return len(d.p.withPrefix(key+".")) > 0, nil
}

// maxListElements bounds list indices, whatever the request's size.
const maxListElements = 1000

// list decodes a list member at key: key.member.N (key.N when flattened),
// N from 1 with no gaps, or key= for the empty list.
func (d *decoder) list(f *field, fv reflect.Value, key, path string) error {
	prefix := key + "."
	if !f.flattened {
		prefix += f.elemName + "."
	}
	keys := d.p.withPrefix(prefix)
	bare, hasBare := d.p.Get(key)
	if hasBare && bare != "" {
		return errs.Wrap(errs.Serialization, "Parameter "+printable(key)+" is a list; its elements are "+printable(prefix)+"N.", errBadValue)
	}
	if hasBare && len(keys) > 0 {
		return errs.Wrap(errs.Serialization, "Parameter "+printable(key)+" is given both empty and with elements.", errInvalidQueryParam)
	}
	if !hasBare && len(keys) == 0 {
		if f.required {
			d.v.null(path)
		}
		return nil
	}
	// Elements: every index from 1 to n, each present.
	n := 0
	seen := map[int]bool{}
	for _, k := range keys {
		rest := k[len(prefix):]
		idx, sub, hasSub := strings.Cut(rest, ".")
		i, ok := listIndex(idx)
		if !ok || hasSub != (f.elemKind == kStruct) || hasSub && sub == "" {
			return errs.Wrap(errs.Serialization, "Parameter "+printable(k)+" is not a valid list element.", errInvalidQueryParam)
		}
		seen[i] = true
		n = max(n, i)
	}
	if n > maxListElements || len(seen) != n {
		return errs.Wrap(errs.Serialization, "The elements of list "+printable(key)+" must be numbered from 1 with no gaps.", errInvalidQueryParam)
	}
	// List-level constraints first, as AWS reports them.
	if c := f.rule.lengthViolation(int64(n)); c != "" {
		if f.elemKind == kString {
			vals := make([]string, n)
			for i := range n {
				vals[i], _ = d.p.Get(prefix + strconv.Itoa(i+1))
			}
			d.v.add(path, "["+strings.Join(vals, ", ")+"]", f.rule.sensitive || f.elemRule.sensitive, c)
		} else {
			d.v.add(path, "", true, c)
		}
	}
	slice := reflect.MakeSlice(fv.Type(), n, n)
	badElem := false
	for i := range n {
		ek := prefix + strconv.Itoa(i+1)
		if f.elemKind == kStruct {
			if err := d.structure(f.sub, slice.Index(i), ek+".", path+"."+strconv.Itoa(i+1)+"."+f.elemName); err != nil {
				return err
			}
			continue
		}
		s, _ := d.p.Get(ek)
		slice.Index(i).SetString(s)
		if len(f.elemRule.stringViolations(s)) > 0 {
			badElem = true
		}
	}
	if badElem {
		vals := make([]string, n)
		for i := range n {
			vals[i] = slice.Index(i).String()
		}
		d.v.add(path, "["+strings.Join(vals, ", ")+"]", f.rule.sensitive || f.elemRule.sensitive,
			"Member must satisfy constraint: ["+f.elemRule.describe()+"]")
	}
	fv.Set(slice)
	return nil
}

// listIndex parses a 1-based list index: decimal digits, no sign, no
// leading zero.
func listIndex(s string) (int, bool) {
	if s == "" || len(s) > 7 || s[0] == '0' {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}
