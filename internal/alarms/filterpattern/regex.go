package filterpattern

import (
	"regexp"
	"regexp/syntax"
	"strings"
)

// regex is a %...% regular expression in CloudWatch Logs' dialect, compiled
// to an equivalent RE2 expression (linear-time matching, no backtracking).
type regex struct {
	src string // as written between the percent signs
	re  *regexp.Regexp
}

func (r *regex) match(s string) bool { return r.re.MatchString(s) }

const (
	regexSymbols   = ":_#=@/;,- "   // literal symbols AWS allows (and space, which its examples use)
	regexOperators = `^$?[]{}|\*+.` // operators AWS allows
)

// regexLiteral reads %source% at the cursor and counts it against the
// pattern's quota.
func (s *scanner) regexLiteral() (*regex, error) {
	start := s.pos
	end := strings.IndexByte(s.src[start+1:], '%')
	if end < 0 {
		return nil, invalid(start, "unterminated regular expression: missing closing %%")
	}
	src := s.src[start+1 : start+1+end]
	s.pos = start + 1 + end + 1
	if s.regexes++; s.regexes > MaxRegexes {
		return nil, invalid(start, "more than %d regular expressions in one pattern", MaxRegexes)
	}
	re, err := compileRegex(src)
	if err != nil {
		return nil, invalid(start+1, "%v", err)
	}
	return re, nil
}

type regexError string

func (e regexError) Error() string { return string(e) }

// compileRegex checks src against the documented subset and compiles it.
func compileRegex(src string) (*regex, error) {
	if src == "" {
		return nil, regexError("empty regular expression")
	}
	expr, err := translateRegex(src)
	if err != nil {
		return nil, err
	}
	parsed, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, regexError("invalid regular expression: " + syntaxReason(err))
	}
	// Bound the program before expanding repetitions: Simplify and Compile
	// of a{1,1000}a{1,1000}… alone would cost a request seconds of CPU.
	if regexCost(parsed) > maxRegexInstructions {
		return nil, regexError("regular expression is too large")
	}
	prog, err := syntax.Compile(parsed.Simplify())
	if err != nil || len(prog.Inst) > 2*maxRegexInstructions {
		return nil, regexError("regular expression is too large")
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, regexError("invalid regular expression: " + syntaxReason(err))
	}
	return &regex{src: src, re: re}, nil
}

func syntaxReason(err error) string {
	if se, ok := err.(*syntax.Error); ok {
		return string(se.Code)
	}
	return err.Error()
}

// translateRegex rewrites CloudWatch Logs' dialect into RE2 syntax: the two
// differ only in repetition braces ({m, n} may hold spaces and omit m), and
// every character and escape is checked against the documented subset so
// that RE2 features AWS does not have (groups, flags, \b, \p, \Q…) are
// rejected rather than silently supported.
func translateRegex(src string) (string, error) {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c >= 0x80:
			return "", regexError("multi-byte characters are not supported in a regular expression")
		case c == '\\':
			if i+1 >= len(src) {
				return "", regexError(`trailing \ in regular expression`)
			}
			n := src[i+1]
			i++
			switch {
			case strings.IndexByte("dDsSwW", n) >= 0:
				b.WriteByte('\\')
				b.WriteByte(n)
			case n == 'x':
				if i+2 >= len(src) || !isHex(src[i+1]) || !isHex(src[i+2]) {
					return "", regexError(`\x needs two hexadecimal digits`)
				}
				b.WriteString(src[i-1 : i+3])
				i += 2
			case n < 0x80 && !isAlnum(n) && strings.IndexByte(regexSymbols+regexOperators, n) >= 0:
				b.WriteByte('\\')
				b.WriteByte(n)
			default:
				return "", regexError(`unsupported escape \` + string(rune(n)) + " in regular expression")
			}
		case inClass:
			if c == ']' {
				inClass = false
			} else if !regexChar(c) {
				return "", unsupportedRegexChar(c)
			}
			b.WriteByte(c)
		case c == '[':
			inClass = true
			b.WriteByte(c)
			// A ^ right after [ negates; a ] right after [ or [^ is a
			// literal, as in RE2.
			if i+1 < len(src) && src[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(src) && src[i+1] == ']' {
				b.WriteByte(']')
				i++
			}
		case c == '{':
			end := strings.IndexByte(src[i:], '}')
			if end < 0 {
				return "", regexError("unbalanced { in regular expression")
			}
			rep, ok := repetition(src[i+1 : i+end])
			if !ok {
				return "", regexError("invalid repetition {" + src[i+1:i+end] + "} in regular expression")
			}
			b.WriteString(rep)
			i += end
		case c == '}':
			return "", regexError("unbalanced } in regular expression")
		case regexChar(c):
			b.WriteByte(c)
		default:
			return "", unsupportedRegexChar(c)
		}
	}
	if inClass {
		return "", regexError("unterminated [ in regular expression")
	}
	return b.String(), nil
}

func regexChar(c byte) bool {
	return isAlnum(c) || strings.IndexByte(regexSymbols+regexOperators, c) >= 0
}

func unsupportedRegexChar(c byte) error {
	if c == '(' || c == ')' {
		return regexError("parentheses are not supported in a regular expression")
	}
	return regexError("character " + quoteByte(c) + " is not supported in a regular expression")
}

func quoteByte(c byte) string {
	if c < 0x20 || c == 0x7f {
		return "0x" + string("0123456789abcdef"[c>>4]) + string("0123456789abcdef"[c&15])
	}
	return "'" + string(rune(c)) + "'"
}

func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// repetition normalizes the inside of {m,n}: spaces are dropped and a
// missing m means 0. It rejects anything that is not a repetition.
func repetition(in string) (string, bool) {
	in = strings.Map(func(r rune) rune {
		if r == ' ' {
			return -1
		}
		return r
	}, in)
	lo, hi, comma := in, "", false
	if k := strings.IndexByte(in, ','); k >= 0 {
		lo, hi, comma = in[:k], in[k+1:], true
	}
	if !allDigits(lo) || !allDigits(hi) || (lo == "" && hi == "" && !comma) || (lo == "" && !comma) {
		return "", false
	}
	if lo == "" {
		lo = "0"
	}
	if comma {
		return "{" + lo + "," + hi + "}", true
	}
	return "{" + lo + "}", true
}

func allDigits(t string) bool {
	for i := 0; i < len(t); i++ {
		if !isDigit(t[i]) {
			return false
		}
	}
	return true
}

// parseRegexPattern parses a standalone %regex% pattern.
func (s *scanner) parseRegexPattern() (*Pattern, error) {
	re, err := s.regexLiteral()
	if err != nil {
		return nil, err
	}
	s.skipSpace()
	if !s.eof() {
		return nil, s.errorf("a regular expression must be the whole pattern, found %s after it", s.rest())
	}
	return &Pattern{kind: KindRegex, re: re}, nil
}

// regexCost estimates, from above, the instructions a parsed expression
// compiles to, with repetitions expanded. It saturates instead of
// overflowing.
func regexCost(re *syntax.Regexp) int {
	const limit = 1 << 20
	sat := func(n int) int { return min(n, limit) }
	switch re.Op {
	case syntax.OpRepeat:
		n := re.Max
		if n < 0 {
			n = re.Min + 1
		}
		return sat(n * (regexCost(re.Sub[0]) + 1))
	case syntax.OpLiteral:
		return len(re.Rune)
	}
	cost := 1
	for _, sub := range re.Sub {
		cost = sat(cost + regexCost(sub))
	}
	return cost
}
