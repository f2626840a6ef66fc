package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// node is a JSON value that remembers the order of object keys, so that the
// order of a structure's members (which AWS reports validation errors in)
// survives a round trip through the reduced model.
type node struct {
	kind   byte // '{' object, '[' array, 's' string, 'n' number, 'b' bool, '0' null
	fields []field
	elems  []*node
	text   string // string value, or a number's literal text
	b      bool
}

type field struct {
	key string
	val *node
}

// get returns the value of key in an object, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != '{' {
		return nil
	}
	for _, f := range n.fields {
		if f.key == key {
			return f.val
		}
	}
	return nil
}

// parseJSON parses one JSON document, keeping object key order.
func parseJSON(data []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := parseValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after JSON document")
	}
	return n, nil
}

func parseValue(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &node{kind: '{'}
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key is %T", kt)
				}
				if seen[key] {
					return nil, fmt.Errorf("duplicate object key %q", key)
				}
				seen[key] = true
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				n.fields = append(n.fields, field{key, v})
			}
			if _, err := dec.Token(); err != nil { // '}'
				return nil, err
			}
			return n, nil
		case '[':
			n := &node{kind: '['}
			for dec.More() {
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				n.elems = append(n.elems, v)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return nil, err
			}
			return n, nil
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case string:
		return &node{kind: 's', text: t}, nil
	case json.Number:
		return &node{kind: 'n', text: t.String()}, nil
	case bool:
		return &node{kind: 'b', b: t}, nil
	case nil:
		return &node{kind: '0'}, nil
	}
	return nil, fmt.Errorf("unexpected token %T", tok)
}

// docKeys are the properties stripped from the reduced model: prose, not facts.
var docKeys = []string{"documentation", "documentationUrl", "examples"}

// nameMapKeys are the properties whose value is an object keyed by names
// (operation, shape or member names) rather than by model properties. Their
// keys are never stripped: a member could be called "documentation".
var nameMapKeys = []string{"operations", "shapes", "members"}

// stripDocs removes documentation properties everywhere in the model.
func stripDocs(n *node, isNameMap bool) {
	switch n.kind {
	case '{':
		kept := n.fields[:0]
		for _, f := range n.fields {
			if !isNameMap && slices.Contains(docKeys, f.key) {
				continue
			}
			stripDocs(f.val, !isNameMap && slices.Contains(nameMapKeys, f.key))
			kept = append(kept, f)
		}
		n.fields = kept
	case '[':
		for _, e := range n.elems {
			stripDocs(e, false)
		}
	}
}

// writeJSON writes n indented by one space per level with object keys
// sorted, except the keys of a structure's "members", which keep the model's
// order. The output is a deterministic function of the input.
func writeJSON(w *bytes.Buffer, n *node, depth int, keepOrder bool) error {
	switch n.kind {
	case '{':
		if len(n.fields) == 0 {
			w.WriteString("{}")
			return nil
		}
		fields := slices.Clone(n.fields)
		if !keepOrder {
			slices.SortFunc(fields, func(a, b field) int { return strings.Compare(a.key, b.key) })
		}
		isStructure := n.get("type") != nil && n.get("type").text == "structure"
		w.WriteString("{\n")
		for i, f := range fields {
			indent(w, depth+1)
			if err := writeString(w, f.key); err != nil {
				return err
			}
			w.WriteString(": ")
			if err := writeJSON(w, f.val, depth+1, isStructure && f.key == "members"); err != nil {
				return err
			}
			if i < len(fields)-1 {
				w.WriteByte(',')
			}
			w.WriteByte('\n')
		}
		indent(w, depth)
		w.WriteByte('}')
	case '[':
		if len(n.elems) == 0 {
			w.WriteString("[]")
			return nil
		}
		w.WriteString("[\n")
		for i, e := range n.elems {
			indent(w, depth+1)
			if err := writeJSON(w, e, depth+1, false); err != nil {
				return err
			}
			if i < len(n.elems)-1 {
				w.WriteByte(',')
			}
			w.WriteByte('\n')
		}
		indent(w, depth)
		w.WriteByte(']')
	case 's':
		return writeString(w, n.text)
	case 'n':
		w.WriteString(n.text)
	case 'b':
		if n.b {
			w.WriteString("true")
		} else {
			w.WriteString("false")
		}
	case '0':
		w.WriteString("null")
	default:
		return fmt.Errorf("bad node kind %q", n.kind)
	}
	return nil
}

func indent(w *bytes.Buffer, depth int) {
	for range depth {
		w.WriteByte(' ')
	}
}

func writeString(w *bytes.Buffer, s string) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return err
	}
	w.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
	return nil
}

// encode returns n as JSON in its stored key order (used to decode the tree
// into typed structs).
func encode(n *node) ([]byte, error) {
	var b bytes.Buffer
	if err := writeJSON(&b, n, 0, false); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
