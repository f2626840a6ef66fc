package filterpattern

import "strings"

type termKind uint8

const (
	termMust     termKind = iota // ERROR: must occur
	termOptional                 // ?ERROR: one of the optional terms must occur
	termExclude                  // -ERROR: must not occur
)

// term is one unstructured term or quoted phrase.
type term struct {
	kind termKind
	text string
}

func (s *scanner) parseTermsPattern() (*Pattern, error) {
	var terms []term
	var quotedAll bool // the only term is a quoted blank, AWS's " " (match everything)
	for {
		s.skipSpace()
		if s.eof() {
			break
		}
		t := term{kind: termMust}
		switch s.peek() {
		case '?':
			t.kind = termOptional
			s.pos++
		case '-':
			t.kind = termExclude
			s.pos++
		}
		if t.kind != termMust && (s.eof() || isSpace(s.peek())) {
			return nil, invalid(s.pos-1, "expected a term after %q", s.src[s.pos-1])
		}
		if s.peek() == '"' {
			text, err := s.quoted()
			if err != nil {
				return nil, err
			}
			if !s.eof() && !isSpace(s.peek()) {
				return nil, s.errorf("expected white space after a quoted term, found %s", s.rest())
			}
			t.text = text
			quotedAll = t.kind == termMust && strings.TrimLeft(text, spaces) == ""
		} else {
			start := s.pos
			for s.pos < len(s.src) && !isSpace(s.src[s.pos]) && s.src[s.pos] != '"' {
				s.pos++
			}
			if s.peek() == '"' {
				return nil, s.errorf("a double quote may only start a term")
			}
			t.text = s.src[start:s.pos]
			if len(t.text) >= 2 && t.text[0] == '%' && t.text[len(t.text)-1] == '%' {
				// AWS takes a regular expression only as a whole pattern;
				// matching this one as text would silently mean something
				// else. Quoted, it is a literal term.
				return nil, invalid(start, "a regular expression must be the whole pattern")
			}
		}
		terms = append(terms, t)
	}
	if len(terms) == 0 || (len(terms) == 1 && quotedAll) {
		return &Pattern{kind: KindAll}, nil
	}
	return &Pattern{kind: KindTerms, terms: terms}, nil
}

// matchTerms applies AWS's rules: every plain term occurs, no excluded term
// does, and optional terms count only when there are no other terms, in
// which case one of them must occur.
func matchTerms(terms []term, msg string) bool {
	constrained, optional, optionalSeen := false, false, false
	for _, t := range terms {
		switch t.kind {
		case termMust:
			constrained = true
			if !strings.Contains(msg, t.text) {
				return false
			}
		case termExclude:
			constrained = true
			if strings.Contains(msg, t.text) {
				return false
			}
		case termOptional:
			optional = true
			if !optionalSeen && strings.Contains(msg, t.text) {
				optionalSeen = true
			}
		}
	}
	return constrained || !optional || optionalSeen
}

// isWord reports whether t can be written without quotes: alphanumerics and
// underscores, as AWS documents.
func isWord(t string) bool {
	if t == "" {
		return false
	}
	for i := 0; i < len(t); i++ {
		if !isAlnum(t[i]) && t[i] != '_' {
			return false
		}
	}
	return true
}

func writeTerms(b *strings.Builder, terms []term) {
	for i, t := range terms {
		if i > 0 {
			b.WriteByte(' ')
		}
		switch t.kind {
		case termOptional:
			b.WriteByte('?')
		case termExclude:
			b.WriteByte('-')
		}
		if isWord(t.text) {
			b.WriteString(t.text)
		} else {
			b.WriteString(quote(t.text))
		}
	}
}
