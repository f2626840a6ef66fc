package main

import (
	"fmt"
	"regexp"
	"strings"
)

// javaWhitespace is what Java's \s matches without UNICODE_CHARACTER_CLASS:
// [ \t\n\x0B\f\r]. Go's \s lacks \x0B (vertical tab).
const javaWhitespace = `\t\n\x0B\f\r `

// javaDot is what Java's unescaped '.' matches without DOTALL: anything but
// a line terminator. Go's '.' only excludes \n.
const javaDot = `[^\n\r\x{85}\x{2028}\x{2029}]`

// goPattern translates a pattern from an AWS model (java.util.regex syntax)
// into Go RE2 syntax and anchors it: AWS validates with Matcher.matches(),
// so the whole value must match, not a substring.
//
// Translated: \uXXXX (Go: \x{XXXX}), \s and \S (Java's set includes \x0B),
// unescaped '.' (Java excludes every line terminator). Constructs that RE2
// cannot express or that mean something else in Go are rejected with an
// error rather than translated approximately: lookaround, atomic groups,
// possessive quantifiers, back-references and octal escapes, class
// intersection and nested classes, \v \h \R \Z \X \G \e \c.
func goPattern(java string) (string, error) {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(java); i++ {
		c := java[i]
		switch c {
		case '\\':
			if i+1 >= len(java) {
				return "", fmt.Errorf("pattern %q: trailing backslash", java)
			}
			n := java[i+1]
			switch {
			case n == 'u':
				if i+6 > len(java) || !isHex(java[i+2:i+6]) {
					return "", fmt.Errorf("pattern %q: bad \\u escape", java)
				}
				b.WriteString(`\x{` + java[i+2:i+6] + `}`)
				i += 5
				continue
			case n == 's':
				if inClass {
					b.WriteString(javaWhitespace)
				} else {
					b.WriteString("[" + javaWhitespace + "]")
				}
			case n == 'S':
				if inClass {
					return "", fmt.Errorf("pattern %q: \\S inside a class is not supported", java)
				}
				b.WriteString("[^" + javaWhitespace + "]")
			case n == 'Q':
				end := strings.Index(java[i+2:], `\E`)
				if end < 0 {
					return "", fmt.Errorf("pattern %q: \\Q without \\E", java)
				}
				b.WriteString(regexp.QuoteMeta(java[i+2 : i+2+end]))
				i += 2 + end + 1
				continue
			case strings.IndexByte("wWdDbBtnrfaAzpPx", n) >= 0:
				// Same meaning in Go (\w \d \b are ASCII in both; \p{..}
				// and \x.. are checked by Go's compiler below).
				b.WriteByte('\\')
				b.WriteByte(n)
			case n < 0x80 && !isAlnum(n):
				// An escaped punctuation character is itself in both.
				b.WriteByte('\\')
				b.WriteByte(n)
			default:
				return "", fmt.Errorf("pattern %q: escape \\%c has no exact Go equivalent", java, n)
			}
			i++
		case '[':
			if inClass {
				return "", fmt.Errorf("pattern %q: nested character classes are not supported", java)
			}
			inClass = true
			b.WriteByte('[')
			if i+1 < len(java) && java[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
		case ']':
			inClass = false
			b.WriteByte(']')
		case '&':
			if inClass && i+1 < len(java) && java[i+1] == '&' {
				return "", fmt.Errorf("pattern %q: class intersection is not supported", java)
			}
			b.WriteByte('&')
		case '.':
			if inClass {
				b.WriteByte('.')
			} else {
				b.WriteString(javaDot)
			}
		case '(':
			if !inClass && strings.HasPrefix(java[i:], "(?") {
				rest := java[i+2:]
				for _, bad := range []string{"=", "!", "<=", "<!", ">"} {
					if strings.HasPrefix(rest, bad) {
						return "", fmt.Errorf("pattern %q: (?%s is not supported by RE2", java, bad)
					}
				}
			}
			b.WriteByte('(')
		case '*', '+', '?', '}':
			b.WriteByte(c)
			if !inClass && i+1 < len(java) && java[i+1] == '+' {
				return "", fmt.Errorf("pattern %q: possessive quantifiers are not supported", java)
			}
		default:
			b.WriteByte(c)
		}
	}
	if inClass {
		return "", fmt.Errorf("pattern %q: unterminated character class", java)
	}
	goRE := "^(?:" + b.String() + ")$"
	if _, err := regexp.Compile(goRE); err != nil {
		return "", fmt.Errorf("pattern %q: translated to %q: %w", java, goRE, err)
	}
	return goRE, nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
