package awsquery

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/errs"
)

// Serving a JSON operation table over Query (CloudWatch, whose handlers are
// written once for JSON 1.0 and RPC v2 CBOR): the request's parameters are
// converted to the JSON document of the operation's input shape, walking the
// model, and the JSON result is written as the Query XML of the output
// shape, walking the model again. The typed input and its validation stay
// the JSON operation's own, so both protocols share one set of handlers.
//
//	Threshold=1.5                        double  -> 1.5
//	StartDate=2026-11-22T09:00:00Z       timestamp (ISO 8601, or epoch
//	                                     seconds) -> epoch seconds
//	Dims.member.1.Name=n                 list -> [{"Name":"n"}]
//	Attrs.entry.1.key=k&Attrs.entry.1.value=v
//	                                     map -> {"k":"v"}
//
// Results: timestamps as ISO 8601 in UTC with milliseconds, doubles as
// decimal numbers, lists as <Name><member>…</member></Name>, maps as
// <Name><entry><key>…</key><value>…</value></entry></Name>.

// JSONCall runs a JSON operation on a JSON request body and returns its
// result (a value encoding/json marshals per the model's output shape, or
// nil).
type JSONCall func(ctx context.Context, body []byte) (any, error)

// JSONOp declares operation name of model m served by a JSON operation.
func JSONOp(m *Model, name string, maxBody int64, readOnly bool, call JSONCall) Operation {
	mo := m.Operations[name]
	if mo == nil {
		panic(fmt.Sprintf("awsquery: operation %s is not in the model", name))
	}
	for _, s := range []string{mo.Input, mo.Output} {
		if s != "" && (m.Shapes[s] == nil || m.Shapes[s].Type != "structure") {
			panic(fmt.Sprintf("awsquery: operation %s: %s is not a structure of the model", name, s))
		}
	}
	return Operation{
		Name:     name,
		MaxBody:  maxBody,
		ReadOnly: readOnly,
		Call: func(ctx context.Context, p Params) (any, error) {
			body := []byte("{}")
			if mo.Input != "" {
				var err error
				if body, err = ParamsJSON(m, mo.Input, p); err != nil {
					return nil, err
				}
			}
			out, err := call(ctx, body)
			if err != nil {
				return nil, err
			}
			if mo.Output == "" || out == nil || isNilPointer(out) {
				return nil, nil
			}
			js, err := json.Marshal(out)
			if err != nil {
				return nil, errs.Wrap(errs.Internal, "", err)
			}
			return &JSONResult{Model: m, Shape: mo.Output, JSON: js}, nil
		},
	}
}

// ParamsJSON converts the parameters of a request to the JSON document of
// structure shape of m. Parameters that name no member are ignored; a value
// of the wrong type is InvalidParameterValue, a malformed list or map
// InvalidQueryParameter. Constraints are left to the JSON operation.
func ParamsJSON(m *Model, shape string, p Params) ([]byte, error) {
	c := &converter{m: m, p: p}
	v, err := c.structure(m.Shapes[shape], "", 0)
	if err != nil {
		return nil, err
	}
	if v == nil {
		v = map[string]any{}
	}
	return json.Marshal(v)
}

// maxDepth bounds the nesting of shapes the converter follows.
const maxDepth = 20

type converter struct {
	m *Model
	p Params
}

func wireName(mem Member) string {
	if mem.LocationName != "" {
		return mem.LocationName
	}
	return mem.Name
}

// structure returns the members of s given under prefix, or nil when none
// is.
func (c *converter) structure(s *Shape, prefix string, depth int) (map[string]any, error) {
	if s == nil || depth > maxDepth {
		return nil, nil
	}
	var out map[string]any
	for _, mem := range s.Members {
		key := prefix + wireName(mem)
		v, ok, err := c.value(c.m.Shapes[mem.Shape], mem.Flattened, key, depth)
		if err != nil {
			return nil, err
		}
		if ok {
			if out == nil {
				out = map[string]any{}
			}
			out[mem.Name] = v
		}
	}
	return out, nil
}

func badValue(s, key, what string) error {
	return errs.Wrap(errs.Serialization, fmt.Sprintf("Value '%s' for parameter %s is not %s.", printable(s), printable(key), what), errBadValue)
}

// value converts the value at key of shape s, reporting whether one was
// given.
func (c *converter) value(s *Shape, flattened bool, key string, depth int) (any, bool, error) {
	if s == nil {
		return nil, false, nil
	}
	switch s.Type {
	case "structure":
		if _, ok := c.p.Get(key); ok {
			return nil, false, errs.Wrap(errs.Serialization, "Parameter "+printable(key)+" is a structure and takes no value of its own.", errBadValue)
		}
		v, err := c.structure(s, key+".", depth+1)
		if err != nil || v == nil {
			return nil, false, err
		}
		return v, true, nil
	case "list":
		return c.list(s, flattened || s.Flattened, key, depth)
	case "map":
		return c.mapValue(s, flattened || s.Flattened, key, depth)
	}
	str, ok := c.p.Get(key)
	if !ok {
		return nil, false, nil
	}
	switch s.Type {
	case "integer", "long":
		bits := 64
		what := "a Long"
		if s.Type == "integer" {
			bits, what = 32, "an Integer"
		}
		n, err := strconv.ParseInt(str, 10, bits)
		if err != nil {
			return nil, false, badValue(str, key, what)
		}
		return n, true, nil
	case "double", "float":
		f, err := ParseDouble(str)
		if err != nil {
			return nil, false, badValue(str, key, "a Double")
		}
		return f, true, nil
	case "boolean":
		switch {
		case strings.EqualFold(str, "true"):
			return true, true, nil
		case strings.EqualFold(str, "false"):
			return false, true, nil
		}
		return nil, false, badValue(str, key, "a Boolean")
	case "timestamp":
		t, err := ParseTimestamp(str)
		if err != nil {
			return nil, false, badValue(str, key, "a valid ISO 8601 timestamp")
		}
		return json.Number(strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64)), true, nil
	default: // string, blob (base64 either way)
		return str, true, nil
	}
}

// ParseDouble parses a Query double: a finite decimal number.
func ParseDouble(s string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("not a finite number: %q", s)
	}
	return f, nil
}

// ParseTimestamp parses a Query timestamp: ISO 8601 (RFC 3339, with or
// without fractional seconds and time zone, as SDKs send it) or epoch
// seconds.
func ParseTimestamp(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05.999999999Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) && math.Abs(f) < 1e11 {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("not a timestamp: %q", s)
}

// elements returns the count of elements under prefix (indices from 1, no
// gaps), each index's key being prefix+N, optionally followed by "."+sub.
func (c *converter) elements(key, prefix string, structured bool) (int, bool, error) {
	keys := c.p.withPrefix(prefix)
	bare, hasBare := c.p.Get(key)
	if hasBare && bare != "" {
		return 0, false, errs.Wrap(errs.Serialization, "Parameter "+printable(key)+" is a list; its elements are "+printable(prefix)+"N.", errBadValue)
	}
	if hasBare && len(keys) > 0 {
		return 0, false, errs.Wrap(errs.Serialization, "Parameter "+printable(key)+" is given both empty and with elements.", errInvalidQueryParam)
	}
	if len(keys) == 0 {
		return 0, hasBare, nil
	}
	n := 0
	seen := map[int]bool{}
	for _, k := range keys {
		idx, sub, hasSub := strings.Cut(k[len(prefix):], ".")
		i, ok := listIndex(idx)
		if !ok || hasSub != structured || hasSub && sub == "" {
			return 0, false, errs.Wrap(errs.Serialization, "Parameter "+printable(k)+" is not a valid list element.", errInvalidQueryParam)
		}
		seen[i] = true
		n = max(n, i)
	}
	if n > maxListElements || len(seen) != n {
		return 0, false, errs.Wrap(errs.Serialization, "The elements of "+printable(key)+" must be numbered from 1 with no gaps.", errInvalidQueryParam)
	}
	return n, true, nil
}

func (c *converter) list(s *Shape, flattened bool, key string, depth int) (any, bool, error) {
	prefix := key + "."
	if !flattened {
		prefix += s.MemberName + "."
	}
	elem := c.m.Shapes[s.Member]
	if elem == nil || depth > maxDepth {
		return nil, false, nil
	}
	structured := elem.Type == "structure" || elem.Type == "list" || elem.Type == "map"
	n, ok, err := c.elements(key, prefix, structured)
	if err != nil || !ok {
		return nil, false, err
	}
	out := make([]any, n)
	for i := range n {
		v, ok, err := c.value(elem, false, prefix+strconv.Itoa(i+1), depth+1)
		if err != nil {
			return nil, false, err
		}
		if !ok && elem.Type == "structure" {
			v = map[string]any{}
		}
		out[i] = v
	}
	return out, true, nil
}

func (c *converter) mapValue(s *Shape, flattened bool, key string, depth int) (any, bool, error) {
	prefix := key + "."
	if !flattened {
		prefix += "entry."
	}
	val := c.m.Shapes[s.Value]
	if val == nil || depth > maxDepth {
		return nil, false, nil
	}
	n, ok, err := c.elements(key, prefix, true)
	if err != nil || !ok {
		return nil, false, err
	}
	out := make(map[string]any, n)
	for i := range n {
		ek := prefix + strconv.Itoa(i+1) + "."
		k, ok := c.p.Get(ek + "key")
		if !ok {
			return nil, false, errs.Wrap(errs.Serialization, "Parameter "+printable(ek+"key")+" is missing.", errInvalidQueryParam)
		}
		v, ok, err := c.value(val, false, ek+"value", depth+1)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			return nil, false, errs.Wrap(errs.Serialization, "Parameter "+printable(ek+"value")+" is missing.", errInvalidQueryParam)
		}
		out[k] = v
	}
	return out, true, nil
}

// JSONResult is a JSON operation's result, written as the Query XML of
// structure Shape of Model.
type JSONResult struct {
	Model *Model
	Shape string
	JSON  []byte
}

// ResultTimeFormat is the layout of timestamps in JSONResult: ISO 8601 in
// UTC with milliseconds, as CloudWatch writes them.
const ResultTimeFormat = "2006-01-02T15:04:05.000Z"

// MarshalXML implements xml.Marshaler.
func (r *JSONResult) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	dec := json.NewDecoder(bytes.NewReader(r.JSON))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("awsquery: result of %s: %w", r.Shape, err)
	}
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	if obj, ok := v.(map[string]any); ok {
		if err := writeStruct(e, r.Model, r.Model.Shapes[r.Shape], obj, 0); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

func writeStruct(e *xml.Encoder, m *Model, s *Shape, obj map[string]any, depth int) error {
	if s == nil || depth > maxDepth {
		return nil
	}
	for _, mem := range s.Members {
		v, ok := obj[mem.Name]
		if !ok || v == nil {
			continue
		}
		ms := m.Shapes[mem.Shape]
		if ms == nil {
			continue
		}
		name := wireName(mem)
		if (mem.Flattened || ms.Flattened) && ms.Type == "list" {
			list, _ := v.([]any)
			el := m.Shapes[ms.Member]
			for _, x := range list {
				if err := writeValue(e, m, el, name, x, depth+1); err != nil {
					return err
				}
			}
			continue
		}
		if err := writeValue(e, m, ms, name, v, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func writeValue(e *xml.Encoder, m *Model, s *Shape, name string, v any, depth int) error {
	if s == nil || v == nil || depth > maxDepth {
		return nil
	}
	start := xml.StartElement{Name: xml.Name{Local: name}}
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	switch s.Type {
	case "structure":
		obj, _ := v.(map[string]any)
		if err := writeStruct(e, m, s, obj, depth); err != nil {
			return err
		}
	case "list":
		list, _ := v.([]any)
		el := m.Shapes[s.Member]
		for _, x := range list {
			if err := writeValue(e, m, el, s.MemberName, x, depth+1); err != nil {
				return err
			}
		}
	case "map":
		obj, _ := v.(map[string]any)
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		entry := xml.StartElement{Name: xml.Name{Local: "entry"}}
		for _, k := range keys {
			if err := e.EncodeToken(entry); err != nil {
				return err
			}
			if err := e.EncodeElement(k, xml.StartElement{Name: xml.Name{Local: "key"}}); err != nil {
				return err
			}
			if err := writeValue(e, m, m.Shapes[s.Value], "value", obj[k], depth+1); err != nil {
				return err
			}
			if err := e.EncodeToken(entry.End()); err != nil {
				return err
			}
		}
	case "timestamp":
		text, err := timestampText(v)
		if err != nil {
			return err
		}
		if err := e.EncodeToken(xml.CharData(text)); err != nil {
			return err
		}
	default:
		if err := e.EncodeToken(xml.CharData(scalarText(v))); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

func timestampText(v any) (string, error) {
	switch t := v.(type) {
	case json.Number:
		f, err := t.Float64()
		if err != nil {
			return "", err
		}
		ms := int64(math.Round(f * 1000))
		return time.UnixMilli(ms).UTC().Format(ResultTimeFormat), nil
	case string:
		tt, err := ParseTimestamp(t)
		if err != nil {
			return "", err
		}
		return tt.Format(ResultTimeFormat), nil
	}
	return "", fmt.Errorf("awsquery: timestamp of type %T", v)
}

func scalarText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}
