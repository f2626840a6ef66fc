package filterpattern

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

func (s *scanner) parseJSONPattern() (*Pattern, error) {
	open := s.pos
	s.pos++ // {
	s.skipSpace()
	if s.peek() == '}' {
		return nil, s.errorf("expected a condition inside { }")
	}
	expr, err := s.parseOr(s.jsonCond)
	if err != nil {
		return nil, err
	}
	s.skipSpace()
	if !s.consume("}") {
		if s.eof() {
			return nil, invalid(open, "unbalanced {")
		}
		return nil, s.errorf("expected &&, || or }, found %s", s.rest())
	}
	s.skipSpace()
	if !s.eof() {
		return nil, s.errorf("unexpected %s after }", s.rest())
	}
	return &Pattern{kind: KindJSON, expr: expr}, nil
}

// jsonCond parses selector ( op value | IS NULL|TRUE|FALSE | NOT EXISTS ).
func (s *scanner) jsonCond() (*node, error) {
	s.skipSpace()
	sel, err := s.selector()
	if err != nil {
		return nil, err
	}
	if sel.wildcard() {
		if s.wildcards++; s.wildcards > MaxPatternWildcards {
			return nil, s.errorf("more than %d wildcard selectors in one pattern", MaxPatternWildcards)
		}
	}
	c := &cond{sel: sel}
	s.skipSpace()
	at := s.pos
	switch kw := s.word(); kw {
	case "":
		o, ok := s.operator()
		if !ok {
			return nil, s.errorf("expected =, !=, <, <=, >, >=, IS or NOT EXISTS after %s, found %s", sel, s.rest())
		}
		c.op = o
		if c.val, err = s.value(o); err != nil {
			return nil, err
		}
	case "IS":
		s.skipSpace()
		at = s.pos
		switch w := s.word(); w {
		case "NULL":
			c.op = opIsNull
		case "TRUE":
			c.op = opIsTrue
		case "FALSE":
			c.op = opIsFalse
		case "NOT":
			return nil, invalid(at, "IS NOT is not supported")
		default:
			return nil, invalid(at, "expected NULL, TRUE or FALSE after IS")
		}
	case "NOT":
		s.skipSpace()
		at = s.pos
		if s.word() != "EXISTS" {
			return nil, invalid(at, "expected EXISTS after NOT")
		}
		c.op = opNotExists
	case "EXISTS":
		return nil, invalid(at, `EXISTS is not supported: use = "*" or NOT EXISTS`)
	default:
		return nil, invalid(at, "unexpected %q after %s", kw, sel)
	}
	if isAlnum(s.peek()) {
		return nil, s.errorf("unexpected %s", s.rest())
	}
	return &node{kind: nodeCond, c: c}, nil
}

type segKind uint8

const (
	segName  segKind = iota // .name or ['name']
	segIndex                // [3]
	segWild                 // .* or [*]
)

type segment struct {
	kind    segKind
	name    string
	index   int
	bracket bool // written [*] rather than .* (kept for String)
}

// selector is a JSON property selector: $ followed by segments.
type selector struct {
	segs []segment
}

func isNameChar(c byte) bool { return isAlnum(c) || c == '-' || c == '_' }

// selector parses $.first{segment}.
func (s *scanner) selector() (*selector, error) {
	if !s.consume("$") {
		return nil, s.errorf("expected a selector starting with $., found %s", s.rest())
	}
	if !s.consume(".") {
		return nil, s.errorf("expected . after $")
	}
	sel := &selector{}
	seg, err := s.dotSegment()
	if err != nil {
		return nil, err
	}
	sel.segs = append(sel.segs, seg)
	for {
		switch s.peek() {
		case '.':
			s.pos++
			seg, err = s.dotSegment()
		case '[':
			seg, err = s.bracketSegment()
		default:
			return sel, nil
		}
		if err != nil {
			return nil, err
		}
		sel.segs = append(sel.segs, seg)
		if seg.kind == segWild && sel.wildcards() > MaxSelectorWildcards {
			return nil, s.errorf("more than %d wildcard in one selector", MaxSelectorWildcards)
		}
	}
}

// dotSegment parses what follows a dot: a name, *, or a bracket.
func (s *scanner) dotSegment() (segment, error) {
	switch s.peek() {
	case '*':
		s.pos++
		return segment{kind: segWild}, nil
	case '[':
		return s.bracketSegment()
	}
	start := s.pos
	for s.pos < len(s.src) && isNameChar(s.src[s.pos]) {
		s.pos++
	}
	if s.pos == start {
		return segment{}, s.errorf("expected a property name, found %s", s.rest())
	}
	return segment{kind: segName, name: s.src[start:s.pos]}, nil
}

// bracketSegment parses [digits], [*] or ['key'].
func (s *scanner) bracketSegment() (segment, error) {
	open := s.pos
	s.pos++ // [
	var seg segment
	switch c := s.peek(); {
	case c == '*':
		s.pos++
		seg = segment{kind: segWild, bracket: true}
	case isDigit(c):
		start := s.pos
		for s.pos < len(s.src) && isDigit(s.src[s.pos]) {
			s.pos++
		}
		n, err := strconv.Atoi(s.src[start:s.pos])
		if err != nil || n > maxArrayIndex {
			return segment{}, invalid(start, "array index %s is too large", s.src[start:s.pos])
		}
		seg = segment{kind: segIndex, index: n}
	case c == '\'':
		end := strings.IndexByte(s.src[s.pos+1:], '\'')
		if end < 0 {
			return segment{}, s.errorf("unterminated quoted property name")
		}
		seg = segment{kind: segName, name: s.src[s.pos+1 : s.pos+1+end]}
		s.pos += end + 2
	default:
		return segment{}, s.errorf("expected an array index, * or a quoted property name after [")
	}
	if !s.consume("]") {
		return segment{}, invalid(open, "unbalanced [ in selector")
	}
	return seg, nil
}

func (sel *selector) wildcards() int {
	n := 0
	for _, sg := range sel.segs {
		if sg.kind == segWild {
			n++
		}
	}
	return n
}

func (sel *selector) wildcard() bool { return sel.wildcards() > 0 }

func (sel *selector) String() string {
	var b strings.Builder
	b.WriteByte('$')
	for i, sg := range sel.segs {
		switch sg.kind {
		case segName:
			if isPlainName(sg.name) {
				b.WriteByte('.')
				b.WriteString(sg.name)
			} else {
				b.WriteString(".['")
				b.WriteString(sg.name)
				b.WriteString("']")
			}
		case segIndex:
			if i == 0 {
				b.WriteByte('.')
			}
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(sg.index))
			b.WriteByte(']')
		case segWild:
			switch {
			case !sg.bracket:
				b.WriteString(".*")
			case i == 0:
				b.WriteString(".[*]")
			default:
				b.WriteString("[*]")
			}
		}
	}
	return b.String()
}

func isPlainName(t string) bool {
	if t == "" {
		return false
	}
	for i := 0; i < len(t); i++ {
		if !isNameChar(t[i]) {
			return false
		}
	}
	return true
}

// each calls f on every node the selector resolves to in v, stopping at the
// first f that returns true; it reports whether one did.
func (sel *selector) each(v any, f func(any) bool) bool {
	return walk(v, sel.segs, f)
}

func walk(v any, segs []segment, f func(any) bool) bool {
	for i, sg := range segs {
		switch sg.kind {
		case segName:
			m, ok := v.(map[string]any)
			if !ok {
				return false
			}
			if v, ok = m[sg.name]; !ok {
				return false
			}
		case segIndex:
			a, ok := v.([]any)
			if !ok || sg.index >= len(a) {
				return false
			}
			v = a[sg.index]
		case segWild:
			switch c := v.(type) {
			case map[string]any:
				for _, x := range c {
					if walk(x, segs[i+1:], f) {
						return true
					}
				}
			case []any:
				for _, x := range c {
					if walk(x, segs[i+1:], f) {
						return true
					}
				}
			}
			return false
		}
	}
	return f(v)
}

// first returns the one node a wildcard-free selector resolves to.
func (sel *selector) first(v any) (any, bool) {
	var got any
	ok := sel.each(v, func(x any) bool { got = x; return true })
	return got, ok
}

func (c *cond) evalJSON(obj map[string]any) bool {
	if c.op == opNotExists {
		return !c.sel.each(obj, func(any) bool { return true })
	}
	return c.sel.each(obj, c.matchNode)
}

// matchNode applies the condition to one resolved node.
func (c *cond) matchNode(v any) bool {
	switch c.op {
	case opIsNull:
		return v == nil
	case opIsTrue:
		b, ok := v.(bool)
		return ok && b
	case opIsFalse:
		b, ok := v.(bool)
		return ok && !b
	}
	text, num, isNum, ok := scalar(v)
	return ok && c.holds(text, num, isNum)
}

func (n *node) evalJSON(obj map[string]any) bool {
	return n.eval(func(c *cond) bool { return c.evalJSON(obj) })
}

// scalar returns a value node's text and, for a number, its value. Objects,
// arrays, booleans and null are not value nodes.
func scalar(v any) (text string, num float64, isNum, ok bool) {
	switch x := v.(type) {
	case string:
		return x, 0, false, true
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil && !isRangeErr(err) {
			return string(x), 0, false, true
		}
		return string(x), f, true, true
	case float64:
		return formatFloat(x), x, true, true
	case float32:
		return formatFloat(float64(x)), float64(x), true, true
	case int:
		return strconv.FormatInt(int64(x), 10), float64(x), true, true
	case int8:
		return strconv.FormatInt(int64(x), 10), float64(x), true, true
	case int16:
		return strconv.FormatInt(int64(x), 10), float64(x), true, true
	case int32:
		return strconv.FormatInt(int64(x), 10), float64(x), true, true
	case int64:
		return strconv.FormatInt(x, 10), float64(x), true, true
	case uint:
		return strconv.FormatUint(uint64(x), 10), float64(x), true, true
	case uint8:
		return strconv.FormatUint(uint64(x), 10), float64(x), true, true
	case uint16:
		return strconv.FormatUint(uint64(x), 10), float64(x), true, true
	case uint32:
		return strconv.FormatUint(uint64(x), 10), float64(x), true, true
	case uint64:
		return strconv.FormatUint(x, 10), float64(x), true, true
	}
	return "", 0, false, false
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// formatFloat writes a float64 as encoding/json would.
func formatFloat(f float64) string {
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}
