package filterpattern

import (
	"strconv"
	"strings"
)

// slot is one comma-separated position of a space-delimited pattern.
type slot struct {
	ellipsis bool
	name     string // "" for an anonymous slot
	expr     *node  // nil when the slot has no condition
}

func (sl *slot) holds(text string) bool {
	if sl.expr == nil {
		return true
	}
	isNum := isNumber(text)
	var num float64
	if isNum {
		num = parseNumber(text)
	}
	return sl.expr.eval(func(c *cond) bool { return c.holds(text, num, isNum) })
}

func (s *scanner) parseDelimitedPattern() (*Pattern, error) {
	open := s.pos
	s.pos++ // [
	p := &Pattern{kind: KindDelimited}
	seen := map[string]bool{}
	for {
		s.skipSpace()
		at := s.pos
		sl, err := s.slot()
		if err != nil {
			return nil, err
		}
		if sl.name != "" {
			if seen[sl.name] {
				return nil, invalid(at, "field %q is named twice", sl.name)
			}
			seen[sl.name] = true
			p.names = append(p.names, sl.name)
		}
		p.ellip = p.ellip || sl.ellipsis
		p.slots = append(p.slots, sl)
		s.skipSpace()
		if s.consume(",") {
			continue
		}
		if s.consume("]") {
			break
		}
		if s.eof() {
			return nil, invalid(open, "unbalanced [")
		}
		return nil, s.errorf("expected , or ], found %s", s.rest())
	}
	s.skipSpace()
	if !s.eof() {
		return nil, s.errorf("unexpected %s after ]", s.rest())
	}
	if len(p.slots) == 1 && !p.slots[0].ellipsis && p.slots[0].name == "" {
		return nil, invalid(open, "a space-delimited pattern needs at least one field")
	}
	return p, nil
}

// slot parses one position: empty, "...", a field name, or conditions on
// one field.
func (s *scanner) slot() (slot, error) {
	s.skipSpace()
	switch s.peek() {
	case ',', ']', 0:
		return slot{}, nil
	}
	if s.consume("...") {
		s.skipSpace()
		if c := s.peek(); c != ',' && c != ']' && !s.eof() {
			return slot{}, s.errorf("expected , or ] after ..., found %s", s.rest())
		}
		return slot{ellipsis: true}, nil
	}
	save := s.pos
	if name, err := s.fieldName(); err == nil {
		s.skipSpace()
		if c := s.peek(); c == ',' || c == ']' || s.eof() {
			return slot{name: name}, nil
		}
	}
	s.pos = save
	var field string
	expr, err := s.parseOr(func() (*node, error) { return s.fieldCond(&field) })
	if err != nil {
		return slot{}, err
	}
	return slot{name: field, expr: expr}, nil
}

func (s *scanner) fieldName() (string, error) {
	start := s.pos
	for s.pos < len(s.src) && (isAlnum(s.src[s.pos]) || s.src[s.pos] == '_') {
		s.pos++
	}
	name := s.src[start:s.pos]
	switch {
	case name == "":
		return "", s.errorf("expected a field name, found %s", s.rest())
	case allDigits(name):
		return "", invalid(start, "field name %q is all digits ($%s names the %s field)", name, name, name)
	}
	return name, nil
}

// fieldCond parses field op value; every condition of a slot must name the
// same field, recorded in *field.
func (s *scanner) fieldCond(field *string) (*node, error) {
	s.skipSpace()
	start := s.pos
	name, err := s.fieldName()
	if err != nil {
		return nil, err
	}
	if *field == "" {
		*field = name
	} else if name != *field {
		return nil, invalid(start, "conditions in one slot must name the same field: %q and %q", *field, name)
	}
	s.skipSpace()
	o, ok := s.operator()
	if !ok {
		return nil, s.errorf("expected =, !=, <, <=, > or >= after field %q, found %s", name, s.rest())
	}
	v, err := s.value(o)
	if err != nil {
		return nil, err
	}
	return &node{kind: nodeCond, c: &cond{field: name, op: o, val: v}}, nil
}

// token is one field of a space-delimited event: its text (without
// enclosing quotes or brackets) and the byte offset where it starts.
type token struct {
	text  string
	start int
}

// tokenize splits a message into fields at runs of white space; "…" and
// […] are one field each. An unterminated quote or bracket runs to the end.
func tokenize(msg string) []token {
	var toks []token
	i := 0
	for {
		for i < len(msg) && isSpace(msg[i]) {
			i++
		}
		if i >= len(msg) {
			return toks
		}
		start := i
		switch c := msg[i]; c {
		case '"', '[':
			closer := byte('"')
			if c == '[' {
				closer = ']'
			}
			j := strings.IndexByte(msg[i+1:], closer)
			if j < 0 {
				toks = append(toks, token{text: msg[i+1:], start: start})
				return toks
			}
			toks = append(toks, token{text: msg[i+1 : i+1+j], start: start})
			i += j + 2
		default:
			for i < len(msg) && !isSpace(msg[i]) {
				i++
			}
			toks = append(toks, token{text: msg[start:i], start: start})
		}
	}
}

// delimMatch is how a space-delimited pattern's slots met an event's fields.
type delimMatch struct {
	p    *Pattern
	msg  string
	toks []token
	span [][2]int // per slot, the fields [lo, hi) it took
}

// text returns the value of slot i: its one field, or for a last slot that
// took several fields, the rest of the message.
func (m *delimMatch) text(i int) string {
	lo, hi := m.span[i][0], m.span[i][1]
	if hi-lo == 1 {
		return m.toks[lo].text
	}
	return strings.TrimRight(m.msg[m.toks[lo].start:], spaces)
}

func (p *Pattern) matchDelimited(e *Event) (Extracted, bool) {
	toks := e.tokens()
	k := len(p.slots)
	span := make([][2]int, k)
	if !p.ellip {
		if len(toks) < k {
			return Extracted{}, false
		}
		for i := range p.slots {
			span[i] = [2]int{i, i + 1}
		}
		span[k-1][1] = len(toks)
		m := &delimMatch{p: p, msg: e.msg, toks: toks, span: span}
		for i := range p.slots {
			if !p.slots[i].holds(m.text(i)) {
				return Extracted{}, false
			}
		}
		return Extracted{kind: KindDelimited, delim: m}, true
	}
	assign, ok := p.align(toks)
	if !ok {
		return Extracted{}, false
	}
	next := len(toks) // first field after the slots still to place
	for i := k - 1; i >= 0; i-- {
		if p.slots[i].ellipsis {
			lo := next
			if i == 0 || !p.slots[i-1].ellipsis {
				lo = 0
				if i > 0 {
					lo = assign[i-1] + 1
				}
			}
			span[i] = [2]int{lo, next}
			next = lo
		} else {
			span[i] = [2]int{assign[i], assign[i] + 1}
			next = assign[i]
		}
	}
	return Extracted{kind: KindDelimited, delim: &delimMatch{p: p, msg: e.msg, toks: toks, span: span}}, true
}

// align places the slots of a pattern with "..." on the fields: each plain
// slot takes one field whose conditions hold, each "..." any number. It is
// the classic wildcard-matching walk (backtrack to the last "..."), linear
// in practice and O(slots × fields) at worst. assign[i] is the field of
// plain slot i.
func (p *Pattern) align(toks []token) ([]int, bool) {
	assign := make([]int, len(p.slots))
	si, ti := 0, 0
	star, starTi := -1, 0
	for si < len(p.slots) || ti < len(toks) {
		if si < len(p.slots) && p.slots[si].ellipsis {
			star, starTi = si, ti
			si++
			continue
		}
		if si < len(p.slots) && ti < len(toks) && p.slots[si].holds(toks[ti].text) {
			assign[si] = ti
			si++
			ti++
			continue
		}
		if star < 0 || starTi >= len(toks) {
			return nil, false
		}
		starTi++
		si, ti = star+1, starTi
	}
	return assign, true
}

// fields returns the extracted fields as AWS lists them: "$name" for named
// slots and "$N" (1-based field position) for the fields of anonymous slots
// and ellipses.
func (m *delimMatch) fields() map[string]string {
	out := map[string]string{}
	for i, sl := range m.p.slots {
		lo, hi := m.span[i][0], m.span[i][1]
		switch {
		case sl.name != "":
			out["$"+sl.name] = m.text(i)
		case sl.ellipsis:
			for j := lo; j < hi; j++ {
				out["$"+strconv.Itoa(j+1)] = m.toks[j].text
			}
		default:
			out["$"+strconv.Itoa(lo+1)] = m.text(i)
		}
	}
	return out
}

// lookup returns a field by its extracted name ("$name" or "$N").
func (m *delimMatch) lookup(sel string) (string, bool) {
	name, ok := strings.CutPrefix(sel, "$")
	if !ok || name == "" {
		return "", false
	}
	if !allDigits(name) {
		for i, sl := range m.p.slots {
			if sl.name == name {
				return m.text(i), true
			}
		}
		return "", false
	}
	pos, err := strconv.Atoi(name)
	if err != nil || pos < 1 {
		return "", false
	}
	for i, sl := range m.p.slots {
		lo, hi := m.span[i][0], m.span[i][1]
		if sl.name != "" || pos-1 < lo || pos-1 >= hi {
			continue
		}
		if sl.ellipsis {
			return m.toks[pos-1].text, true
		}
		if pos-1 == lo {
			return m.text(i), true
		}
	}
	return "", false
}

func writeSlots(b *strings.Builder, slots []slot) {
	b.WriteByte('[')
	for i, sl := range slots {
		if i > 0 {
			b.WriteString(", ")
		}
		switch {
		case sl.ellipsis:
			b.WriteString("...")
		case sl.expr != nil:
			sl.expr.write(b, false)
		default:
			b.WriteString(sl.name)
		}
	}
	b.WriteByte(']')
}
