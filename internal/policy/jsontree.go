package policy

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// The policy parser walks a small tree built from encoding/json's token
// stream. Unlike json.Unmarshal it keeps member order, sees duplicate member
// names, and records where every value starts and ends in the original text,
// which is what Principals and Rewrite need.

type nodeKind uint8

const (
	kindString nodeKind = iota + 1
	kindNumber
	kindBool
	kindNull
	kindObject
	kindArray
)

func (k nodeKind) String() string {
	switch k {
	case kindString:
		return "string"
	case kindNumber:
		return "number"
	case kindBool:
		return "boolean"
	case kindNull:
		return "null"
	case kindObject:
		return "object"
	case kindArray:
		return "array"
	}
	return "value"
}

type node struct {
	kind nodeKind
	// text is the decoded string, the number literal, or "true"/"false".
	text string
	// start and end delimit the value in the source text; for a string they
	// include the quotes.
	start, end int
	fields     []field // kindObject, in document order
	elems      []*node // kindArray
}

type field struct {
	name  string
	value *node
}

// maxDepth bounds nesting. A policy needs six levels (document, Statement
// list, statement, Condition, operator, key, value list); anything far deeper
// is not a policy.
const maxDepth = 32

var errJSON = errors.New("invalid JSON")

type treeBuilder struct {
	src string
	dec *json.Decoder
}

// parseTree parses src as exactly one JSON value with no duplicate member
// names in any object.
func parseTree(src string) (*node, error) {
	dec := json.NewDecoder(strings.NewReader(src))
	dec.UseNumber()
	b := &treeBuilder{src: src, dec: dec}
	n, err := b.value(0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the policy document")
	}
	return n, nil
}

// next reads one token and returns it with its span in src.
func (b *treeBuilder) next() (tok json.Token, start, end int, err error) {
	off := int(b.dec.InputOffset())
	tok, err = b.dec.Token()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, 0, 0, err
	}
	end = int(b.dec.InputOffset())
	// The decoder consumes the separators before a token as part of it.
	start = off
	for start < end {
		switch b.src[start] {
		case ' ', '\t', '\n', '\r', ',', ':':
			start++
			continue
		}
		break
	}
	return tok, start, end, nil
}

func (b *treeBuilder) value(depth int) (*node, error) {
	if depth > maxDepth {
		return nil, errors.New("policy document nested too deeply")
	}
	tok, start, end, err := b.next()
	if err != nil {
		return nil, err
	}
	n := &node{start: start, end: end}
	switch t := tok.(type) {
	case string:
		n.kind, n.text = kindString, t
	case json.Number:
		n.kind, n.text = kindNumber, string(t)
	case bool:
		n.kind = kindBool
		n.text = "false"
		if t {
			n.text = "true"
		}
	case nil:
		n.kind = kindNull
	case json.Delim:
		switch t {
		case '{':
			n.kind = kindObject
			seen := map[string]bool{}
			for b.dec.More() {
				ktok, _, _, err := b.next()
				if err != nil {
					return nil, err
				}
				name, ok := ktok.(string)
				if !ok {
					return nil, errJSON
				}
				if seen[name] {
					return nil, errors.New("duplicate member " + quote(name))
				}
				seen[name] = true
				v, err := b.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.fields = append(n.fields, field{name: name, value: v})
			}
		case '[':
			n.kind = kindArray
			for b.dec.More() {
				v, err := b.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.elems = append(n.elems, v)
			}
		default:
			return nil, errJSON
		}
		_, _, cend, err := b.next() // the closing delimiter
		if err != nil {
			return nil, err
		}
		n.end = cend
	default:
		return nil, errJSON
	}
	return n, nil
}
