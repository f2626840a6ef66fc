package snsapi

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"maps"
	"slices"
	"strconv"

	"github.com/keyward/keyward/internal/awsproto/awsquery"
	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/notify"
)

// SNS's maps on the Query wire. awsquery does not decode or write map
// members yet, so this file does, for the three maps the built operations
// use (TestMapShapes checks that the model still describes them so):
//
//	Attributes.entry.N.key=DisplayName&Attributes.entry.N.value=Alarms
//	MessageAttributes.entry.N.Name=k&MessageAttributes.entry.N.Value.DataType=String
//	  &MessageAttributes.entry.N.Value.StringValue=v   (or .BinaryValue=<base64>)
//
// with N from 1 and no gaps, and, in GetTopicAttributes's result,
//
//	<Attributes><entry><key>k</key><value>v</value></entry>…</Attributes>
//
// When awsquery learns maps, this file goes and the handlers read the maps
// from their inputs.

// withoutMaps removes the map members from m's structures (m must be a
// copy of its own) and returns them by structure.
func withoutMaps(m *awsquery.Model) (*awsquery.Model, map[string][]awsquery.Member) {
	removed := map[string][]awsquery.Member{}
	for name, s := range m.Shapes {
		if s.Type != "structure" {
			continue
		}
		var kept []awsquery.Member
		for _, mem := range s.Members {
			if t := m.Shapes[mem.Shape]; t != nil && t.Type == "map" {
				removed[name] = append(removed[name], mem)
				continue
			}
			kept = append(kept, mem)
		}
		s.Members = kept
		s.Required = slices.DeleteFunc(s.Required, func(r string) bool {
			return slices.ContainsFunc(removed[name], func(mem awsquery.Member) bool { return mem.Name == r })
		})
	}
	return m, removed
}

// requestMaps are a request's decoded map members.
type requestMaps struct {
	attributes        map[string]string
	messageAttributes map[string]notify.MessageAttribute
}

type mapsKey struct{}

// mapsFrom returns the map members withMaps decoded for this request.
func mapsFrom(ctx context.Context) *requestMaps {
	if m, ok := ctx.Value(mapsKey{}).(*requestMaps); ok {
		return m
	}
	return &requestMaps{}
}

// mapDecoders decode each map member of the built operations' inputs,
// keyed by "<input shape>.<member>".
var mapDecoders = map[string]func(p awsquery.Params, name string, m *requestMaps) error{
	"CreateTopicInput.Attributes": decodeAttributes,
	"SubscribeInput.Attributes":   decodeAttributes,
	"PublishInput.MessageAttributes": func(p awsquery.Params, name string, m *requestMaps) (err error) {
		m.messageAttributes, err = decodeMessageAttributes(p, name)
		return err
	},
}

func decodeAttributes(p awsquery.Params, name string, m *requestMaps) (err error) {
	m.attributes, err = decodeStringMap(p, name)
	return err
}

// maxMapEntries bounds the entries read, whatever the request's size.
const maxMapEntries = 1000

// entries returns how many entries map member name has: entries 1..n,
// each with at least one of the parts given (suffixes of
// "<name>.entry.<N>."). An entry missing before a later one is an error.
func entries(p awsquery.Params, name string, parts ...string) (int, error) {
	if v, ok := p.Get(name); ok && v != "" {
		return 0, errs.E(errs.Validation, "Invalid parameter: "+name+" Reason: a map; its entries are "+name+".entry.N")
	}
	n, gap := 0, 0
	for i := 1; i <= maxMapEntries; i++ {
		present := false
		for _, part := range parts {
			if _, ok := p.Get(name + ".entry." + strconv.Itoa(i) + "." + part); ok {
				present = true
				break
			}
		}
		switch {
		case present && gap != 0:
			return 0, errs.E(errs.Validation, "Invalid parameter: "+name+" Reason: entry "+strconv.Itoa(gap)+" is missing")
		case present:
			n = i
		case gap == 0:
			gap = i
		}
	}
	return n, nil
}

// decodeStringMap decodes a map of strings: <name>.entry.N.key/value.
func decodeStringMap(p awsquery.Params, name string) (map[string]string, error) {
	n, err := entries(p, name, "key", "value")
	if err != nil || n == 0 {
		return nil, err
	}
	out := make(map[string]string, n)
	for i := 1; i <= n; i++ {
		prefix := name + ".entry." + strconv.Itoa(i) + "."
		k, ok := p.Get(prefix + "key")
		if !ok {
			return nil, errs.E(errs.Validation, "Invalid parameter: "+name+" Reason: entry "+strconv.Itoa(i)+" has no key")
		}
		if _, dup := out[k]; dup {
			return nil, errs.E(errs.Validation, "Invalid parameter: "+name+" Reason: the key "+printable(k)+" is given more than once")
		}
		out[k], _ = p.Get(prefix + "value")
	}
	return out, nil
}

// decodeMessageAttributes decodes Publish's MessageAttributes:
// <name>.entry.N.Name and .Value.{DataType,StringValue,BinaryValue}.
func decodeMessageAttributes(p awsquery.Params, name string) (map[string]notify.MessageAttribute, error) {
	n, err := entries(p, name, "Name", "Value.DataType", "Value.StringValue", "Value.BinaryValue")
	if err != nil || n == 0 {
		return nil, err
	}
	out := make(map[string]notify.MessageAttribute, n)
	for i := 1; i <= n; i++ {
		prefix := name + ".entry." + strconv.Itoa(i) + "."
		k, ok := p.Get(prefix + "Name")
		if !ok {
			return nil, errs.E(codeValidationError, "1 validation error detected: Value null at 'messageAttributes."+strconv.Itoa(i)+".member.name' failed to satisfy constraint: Member must not be null")
		}
		if _, dup := out[k]; dup {
			return nil, errs.E(errs.Validation, "Invalid parameter: "+name+" Reason: the attribute "+printable(k)+" is given more than once")
		}
		var a notify.MessageAttribute
		if a.DataType, ok = p.Get(prefix + "Value.DataType"); !ok {
			return nil, errs.E(codeValidationError, "1 validation error detected: Value null at 'messageAttributes."+printable(k)+".member.dataType' failed to satisfy constraint: Member must not be null")
		}
		a.StringValue, _ = p.Get(prefix + "Value.StringValue")
		if b64, ok := p.Get(prefix + "Value.BinaryValue"); ok {
			if a.BinaryValue, err = base64.StdEncoding.DecodeString(b64); err != nil {
				return nil, errs.E(notify.CodeInvalidParameterValue, "The message attribute '"+printable(k)+"' has an invalid binary value: it is not base64.")
			}
		}
		out[k] = a
	}
	return out, nil
}

// attributeMap writes a map of strings as the Query protocol writes maps,
// entries in key order.
type attributeMap map[string]string

// MarshalXML implements xml.Marshaler.
func (m attributeMap) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	type entry struct {
		Key   string `xml:"key"`
		Value string `xml:"value"`
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if err := e.EncodeElement(entry{k, m[k]}, xml.StartElement{Name: xml.Name{Local: "entry"}}); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// printable bounds a client-supplied value repeated in a message.
func printable(s string) string {
	const max = 128
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}
