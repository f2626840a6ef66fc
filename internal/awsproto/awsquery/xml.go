package awsquery

import (
	"encoding/xml"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Result shapes are plain structs encoded with encoding/xml: each field's
// tag names its model member (`xml:"UserName"`, `xml:"Tags,omitempty"`).
// Lists are List[T], which writes <Name><member>…</member></Name> and, for
// a required list, <Name></Name> when empty, as AWS does. Timestamps are
// Time; IAM policy documents are PolicyDocument. checkOutput verifies a
// result type against the model when the operation is declared.

// Time is a timestamp, written as ISO 8601 in UTC with whole seconds:
// 2026-11-22T09:00:00Z.
type Time time.Time

// TimeFormat is the layout of Time on the wire.
const TimeFormat = "2006-01-02T15:04:05Z"

// MarshalText implements encoding.TextMarshaler.
func (t Time) MarshalText() ([]byte, error) {
	return []byte(time.Time(t).UTC().Format(TimeFormat)), nil
}

// NewTime returns t as a Time, or nil when t is zero (for optional members).
func NewTime(t time.Time) *Time {
	if t.IsZero() {
		return nil
	}
	v := Time(t)
	return &v
}

// PolicyDocument is an IAM policy document. IAM returns every member of
// shape policyDocumentType URL-encoded (RFC 3986: everything but
// A–Z a–z 0–9 - . _ ~ is percent-encoded, so a space is %20 and '+' is
// %2B); botocore and the AWS CLI decode it, other SDKs leave it to the
// caller.
type PolicyDocument string

// MarshalText implements encoding.TextMarshaler.
func (d PolicyDocument) MarshalText() ([]byte, error) {
	return []byte(EncodeDocument(string(d))), nil
}

// EncodeDocument percent-encodes s as IAM encodes policy documents.
func EncodeDocument(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) * 2)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// List is a list member: <Name><member>…</member>…</Name>.
type List[T any] []T

// MarshalXML implements xml.Marshaler.
func (l List[T]) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	member := xml.StartElement{Name: xml.Name{Local: "member"}}
	for i := range l {
		if err := e.EncodeElement(l[i], member); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

func (List[T]) queryList() {}

type queryList interface{ queryList() }

var (
	timeType     = reflect.TypeFor[Time]()
	stdTimeType  = reflect.TypeFor[time.Time]()
	documentType = reflect.TypeFor[PolicyDocument]()
	listIface    = reflect.TypeFor[queryList]()
)

// policyDocumentShape is the shape IAM URL-encodes, and botocore decodes.
const policyDocumentShape = "policyDocumentType"

// checkOutput checks that Go type t can carry structure shape name: every
// field is a member, under its member name, of a compatible type.
func checkOutput(m *Model, name string, t reflect.Type) error {
	return checkStruct(m, name, t, map[reflect.Type]bool{})
}

func checkStruct(m *Model, name string, t reflect.Type, seen map[reflect.Type]bool) error {
	s := m.Shapes[name]
	if s == nil || s.Type != "structure" {
		return fmt.Errorf("awsquery: %s is not a structure of the model", name)
	}
	if t.Kind() != reflect.Struct {
		return fmt.Errorf("awsquery: %s: Go type %v is not a struct", name, t)
	}
	if seen[t] {
		return nil
	}
	seen[t] = true
	members := map[string]Member{}
	for _, mem := range s.Members {
		wire := mem.Name
		if mem.LocationName != "" {
			wire = mem.LocationName
		}
		members[wire] = mem
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("xml")
		if !f.IsExported() || tag == "-" {
			continue
		}
		wire, opts, _ := strings.Cut(tag, ",")
		if wire == "" || strings.Contains(wire, ">") || (opts != "" && opts != "omitempty") {
			return fmt.Errorf("awsquery: %v.%s: xml tag %q must be the member name, optionally with omitempty", t, f.Name, tag)
		}
		mem, ok := members[wire]
		if !ok {
			return fmt.Errorf("awsquery: %v.%s: %s is not a member of %s", t, f.Name, wire, name)
		}
		if err := checkValue(m, mem.Shape, f.Type, seen); err != nil {
			return fmt.Errorf("awsquery: %s.%s: %w", name, mem.Name, err)
		}
	}
	return nil
}

func checkValue(m *Model, shape string, t reflect.Type, seen map[reflect.Type]bool) error {
	s := m.Shapes[shape]
	if s == nil {
		return fmt.Errorf("unknown shape %s", shape)
	}
	if t.Kind() == reflect.Pointer && s.Type != "list" {
		t = t.Elem()
	}
	bad := func() error { return fmt.Errorf("shape %s (%s) cannot be written from Go type %v", shape, s.Type, t) }
	switch s.Type {
	case "string":
		if shape == policyDocumentShape {
			if t != documentType {
				return fmt.Errorf("shape %s must be written as awsquery.PolicyDocument (URL-encoded), not %v", shape, t)
			}
			return nil
		}
		if t.Kind() != reflect.String || t == documentType {
			return bad()
		}
	case "integer", "long":
		switch t.Kind() {
		case reflect.Int, reflect.Int32, reflect.Int64:
		default:
			return bad()
		}
	case "boolean":
		if t.Kind() != reflect.Bool {
			return bad()
		}
	case "double", "float":
		if t.Kind() != reflect.Float64 {
			return bad()
		}
	case "timestamp":
		if t != timeType {
			return bad()
		}
	case "structure":
		return checkStruct(m, shape, t, seen)
	case "list":
		if s.Flattened || t.Kind() != reflect.Slice || !t.Implements(listIface) || s.MemberName != "member" {
			return fmt.Errorf("list %s must be written as awsquery.List, not %v", shape, t)
		}
		return checkValue(m, s.Member, t.Elem(), seen)
	default:
		return fmt.Errorf("shape %s: type %s is not supported in results", shape, s.Type)
	}
	return nil
}
