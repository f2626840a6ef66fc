package filterpattern

import (
	"strconv"
	"strings"
)

// scanner walks a pattern byte by byte. It also counts what AWS limits per
// pattern: regular expressions and wildcard selectors.
type scanner struct {
	src       string
	pos       int
	depth     int
	regexes   int
	wildcards int
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

const spaces = " \t\n\r\f\v"

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlnum(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func (s *scanner) eof() bool { return s.pos >= len(s.src) }

// peek returns the byte at the cursor, or 0 at the end.
func (s *scanner) peek() byte {
	if s.pos < len(s.src) {
		return s.src[s.pos]
	}
	return 0
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.src) && isSpace(s.src[s.pos]) {
		s.pos++
	}
}

// consume advances past tok if the input continues with it.
func (s *scanner) consume(tok string) bool {
	if strings.HasPrefix(s.src[s.pos:], tok) {
		s.pos += len(tok)
		return true
	}
	return false
}

func (s *scanner) errorf(format string, args ...any) error {
	return invalid(s.pos, format, args...)
}

// rest describes the input at the cursor for an error message.
func (s *scanner) rest() string {
	if s.eof() {
		return "end of pattern"
	}
	r := s.src[s.pos:]
	if len(r) > 12 {
		r = r[:12] + "…"
	}
	return strconv.Quote(r)
}

// quoted reads a double-quoted string at the cursor. \" and \\ are escapes;
// any other backslash stays as it is.
func (s *scanner) quoted() (string, error) {
	start := s.pos
	var b strings.Builder
	for i := s.pos + 1; i < len(s.src); i++ {
		switch c := s.src[i]; c {
		case '\\':
			if i+1 < len(s.src) && (s.src[i+1] == '"' || s.src[i+1] == '\\') {
				b.WriteByte(s.src[i+1])
				i++
				continue
			}
			b.WriteByte(c)
		case '"':
			s.pos = i + 1
			return b.String(), nil
		default:
			b.WriteByte(c)
		}
	}
	return "", invalid(start, "unterminated quoted string")
}

// quote is the inverse of scanner.quoted.
func quote(t string) string {
	var b strings.Builder
	b.Grow(len(t) + 2)
	b.WriteByte('"')
	for i := 0; i < len(t); i++ {
		if t[i] == '"' || t[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(t[i])
	}
	b.WriteByte('"')
	return b.String()
}

// bareStop ends a bare (unquoted) value.
const bareStop = spaces + `(){}[]"%=!<>,&|`

func (s *scanner) bare() string {
	start := s.pos
	for s.pos < len(s.src) && strings.IndexByte(bareStop, s.src[s.pos]) < 0 {
		s.pos++
	}
	return s.src[start:s.pos]
}

// word reads a run of ASCII letters (a keyword) without consuming anything
// when there is none.
func (s *scanner) word() string {
	start := s.pos
	for s.pos < len(s.src) && isAlnum(s.src[s.pos]) && !isDigit(s.src[s.pos]) {
		s.pos++
	}
	return strings.ToUpper(s.src[start:s.pos])
}

// isNumber reports whether t is a number literal as AWS defines one: an
// integer or decimal with an optional sign, optionally followed by e and a
// signed integer.
func isNumber(t string) bool {
	i, digits := 0, 0
	if i < len(t) && (t[i] == '+' || t[i] == '-') {
		i++
	}
	for i < len(t) && isDigit(t[i]) {
		i++
		digits++
	}
	if i < len(t) && t[i] == '.' {
		i++
		for i < len(t) && isDigit(t[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(t) && (t[i] == 'e' || t[i] == 'E') {
		i++
		if i < len(t) && (t[i] == '+' || t[i] == '-') {
			i++
		}
		exp := 0
		for i < len(t) && isDigit(t[i]) {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(t)
}

// parseNumber converts a literal isNumber accepted; out-of-range literals
// become ±Inf or 0, which still compare sensibly.
func parseNumber(t string) float64 {
	f, _ := strconv.ParseFloat(t, 64)
	return f
}

// op is a comparison in a condition.
type op uint8

const (
	opEq op = iota
	opNe
	opLt
	opLe
	opGt
	opGe
	opIsNull
	opIsTrue
	opIsFalse
	opNotExists
)

func (o op) relational() bool { return o >= opLt && o <= opGe }

func (o op) String() string {
	return [...]string{"=", "!=", "<", "<=", ">", ">=", "IS NULL", "IS TRUE", "IS FALSE", "NOT EXISTS"}[o]
}

func (s *scanner) operator() (op, bool) {
	switch {
	case s.consume("!="):
		return opNe, true
	case s.consume("<="):
		return opLe, true
	case s.consume(">="):
		return opGe, true
	case s.consume("="):
		return opEq, true
	case s.consume("<"):
		return opLt, true
	case s.consume(">"):
		return opGt, true
	}
	return 0, false
}

// valueKind tells the three forms of a comparison's right-hand side apart.
type valueKind uint8

const (
	valString valueKind = iota
	valNumber
	valRegex
)

// value is the right-hand side of =, !=, <, <=, > or >=.
type value struct {
	kind valueKind
	// text is, for a string, the literal part without its wildcard stars;
	// for a number, the literal as written; for a regex, its source.
	text        string
	lead, trail bool // string: a leading / trailing * wildcard
	num         float64
	re          *regex
}

func stringValue(t string) value {
	if t == "*" {
		return value{kind: valString, lead: true}
	}
	v := value{kind: valString}
	if strings.HasPrefix(t, "*") {
		v.lead, t = true, t[1:]
	}
	if strings.HasSuffix(t, "*") {
		v.trail, t = true, t[:len(t)-1]
	}
	v.text = t
	return v
}

// equal reports whether a scalar equals the value: text with wildcards for a
// string, the regular expression for a regex, and for a number literal the
// numeric value when the scalar is a number, or else the literal's text.
func (v *value) equal(text string, num float64, isNum bool) bool {
	switch v.kind {
	case valNumber:
		if isNum {
			return num == v.num
		}
		return text == v.text
	case valRegex:
		return v.re.match(text)
	}
	switch {
	case v.lead && v.trail:
		return strings.Contains(text, v.text)
	case v.lead:
		return strings.HasSuffix(text, v.text)
	case v.trail:
		return strings.HasPrefix(text, v.text)
	}
	return text == v.text
}

func (v *value) String() string {
	switch v.kind {
	case valNumber:
		return v.text
	case valRegex:
		return "%" + v.text + "%"
	}
	if v.lead && !v.trail && v.text == "" {
		return `"*"`
	}
	t := v.text
	if v.lead {
		t = "*" + t
	}
	if v.trail {
		t += "*"
	}
	return quote(t)
}

// value reads the right-hand side of a comparison with operator o.
func (s *scanner) value(o op) (value, error) {
	s.skipSpace()
	start := s.pos
	switch s.peek() {
	case '"':
		t, err := s.quoted()
		if err != nil {
			return value{}, err
		}
		if o.relational() {
			return value{}, invalid(start, "%s needs a number, not a quoted string", o)
		}
		return stringValue(t), nil
	case '%':
		if o.relational() {
			return value{}, invalid(start, "%s needs a number, not a regular expression", o)
		}
		re, err := s.regexLiteral()
		if err != nil {
			return value{}, err
		}
		return value{kind: valRegex, text: re.src, re: re}, nil
	}
	t := s.bare()
	switch {
	case t == "":
		return value{}, invalid(start, "expected a value after %s, found %s", o, s.rest())
	case isNumber(t):
		return value{kind: valNumber, text: t, num: parseNumber(t)}, nil
	case o.relational():
		return value{}, invalid(start, "%s needs a number, not %q", o, t)
	}
	return stringValue(t), nil
}

// cond is one comparison: on a JSON selector, or on a space-delimited field.
type cond struct {
	sel   *selector // JSON patterns
	field string    // space-delimited patterns
	op    op
	val   value
}

// holds applies a comparison to one scalar (a string, or a number with its
// text). IS and NOT EXISTS never reach it.
func (c *cond) holds(text string, num float64, isNum bool) bool {
	switch c.op {
	case opEq:
		return c.val.equal(text, num, isNum)
	case opNe:
		return !c.val.equal(text, num, isNum)
	case opLt:
		return isNum && num < c.val.num
	case opLe:
		return isNum && num <= c.val.num
	case opGt:
		return isNum && num > c.val.num
	case opGe:
		return isNum && num >= c.val.num
	}
	return false
}

type nodeKind uint8

const (
	nodeCond nodeKind = iota
	nodeAnd
	nodeOr
)

// node is a boolean expression: a condition, or && / || over two or more
// children. Chains are flat: an && node has no && child, an || node no ||
// child, whatever parentheses the pattern had.
type node struct {
	kind nodeKind
	kids []*node
	c    *cond
}

func appendFlat(kids []*node, n *node, k nodeKind) []*node {
	if n.kind == k {
		return append(kids, n.kids...)
	}
	return append(kids, n)
}

// parseOr parses or = and { "||" and }, with prim parsing one condition.
func (s *scanner) parseOr(prim func() (*node, error)) (*node, error) {
	var kids []*node
	for {
		n, err := s.parseAnd(prim)
		if err != nil {
			return nil, err
		}
		kids = appendFlat(kids, n, nodeOr)
		s.skipSpace()
		if !s.consume("||") {
			break
		}
	}
	if len(kids) == 1 {
		return kids[0], nil
	}
	return &node{kind: nodeOr, kids: kids}, nil
}

func (s *scanner) parseAnd(prim func() (*node, error)) (*node, error) {
	var kids []*node
	for {
		n, err := s.parsePrimary(prim)
		if err != nil {
			return nil, err
		}
		kids = appendFlat(kids, n, nodeAnd)
		s.skipSpace()
		if !s.consume("&&") {
			break
		}
	}
	if len(kids) == 1 {
		return kids[0], nil
	}
	return &node{kind: nodeAnd, kids: kids}, nil
}

func (s *scanner) parsePrimary(prim func() (*node, error)) (*node, error) {
	s.skipSpace()
	if s.peek() != '(' {
		return prim()
	}
	open := s.pos
	if s.depth++; s.depth > MaxDepth {
		return nil, s.errorf("parentheses nest deeper than %d", MaxDepth)
	}
	s.pos++
	n, err := s.parseOr(prim)
	if err != nil {
		return nil, err
	}
	s.skipSpace()
	if !s.consume(")") {
		if s.eof() {
			return nil, invalid(open, "unbalanced (")
		}
		return nil, s.errorf("expected &&, || or ), found %s", s.rest())
	}
	s.depth--
	return n, nil
}

// eval evaluates the expression with f deciding each condition.
func (n *node) eval(f func(*cond) bool) bool {
	switch n.kind {
	case nodeAnd:
		for _, k := range n.kids {
			if !k.eval(f) {
				return false
			}
		}
		return true
	case nodeOr:
		for _, k := range n.kids {
			if k.eval(f) {
				return true
			}
		}
		return false
	}
	return f(n.c)
}

func (n *node) write(b *strings.Builder, underAnd bool) {
	switch n.kind {
	case nodeOr:
		if underAnd {
			b.WriteByte('(')
		}
		for i, k := range n.kids {
			if i > 0 {
				b.WriteString(" || ")
			}
			k.write(b, false)
		}
		if underAnd {
			b.WriteByte(')')
		}
	case nodeAnd:
		for i, k := range n.kids {
			if i > 0 {
				b.WriteString(" && ")
			}
			k.write(b, true)
		}
	default:
		n.c.write(b)
	}
}

func (c *cond) write(b *strings.Builder) {
	if c.sel != nil {
		b.WriteString(c.sel.String())
	} else {
		b.WriteString(c.field)
	}
	b.WriteByte(' ')
	b.WriteString(c.op.String())
	if c.op <= opGe {
		b.WriteByte(' ')
		b.WriteString(c.val.String())
	}
}
