package policy

import "strings"

// Policy variables: ${key} is replaced by the request's value for the
// condition key (case-insensitively), ${key, 'default'} falls back to the
// default when the key is absent, and ${*}, ${?}, ${$} stand for a literal
// *, ? and $. Variables are substituted only in documents with Version
// 2012-10-17, in Resource/NotResource and in the values of the String… and
// Arn… condition operators; elsewhere the text is literal.
//
// A variable whose key is absent (and has no default) or has several values
// cannot be resolved. AWS says this "might cause the entire statement to be
// invalid"; Keyward makes it so: the statement does not apply, and the Skip
// names the variable.

type partKind uint8

const (
	partLiteral partKind = iota // policy text: * and ? are wildcards in patterns
	partExact                   // text that must match literally: ${*}, ${?}, ${$}
	partVariable
)

type part struct {
	kind   partKind
	text   string // literal text, or the variable's key as written
	lkey   string // lower-cased key
	def    string
	hasDef bool
}

// template is a policy string with its variables located. A template
// without variables has parts == nil and is just raw.
type template struct {
	raw   string
	parts []part
}

func compileTemplate(s string, vars bool) *template {
	t := &template{raw: s}
	if !vars || !strings.Contains(s, "${") {
		return t
	}
	rest := s
	lit := ""
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			break
		}
		inner := rest[i+2 : i+j]
		p, ok := parseVariable(inner)
		if !ok {
			// Not a variable: keep the text, continue after "${".
			lit += rest[:i+2]
			rest = rest[i+2:]
			continue
		}
		lit += rest[:i]
		if lit != "" {
			t.parts = append(t.parts, part{kind: partLiteral, text: lit})
			lit = ""
		}
		t.parts = append(t.parts, p)
		rest = rest[i+j+1:]
	}
	lit += rest
	if t.parts == nil {
		return t
	}
	if lit != "" {
		t.parts = append(t.parts, part{kind: partLiteral, text: lit})
	}
	return t
}

func parseVariable(inner string) (part, bool) {
	inner = strings.TrimSpace(inner)
	switch inner {
	case "*", "?", "$":
		return part{kind: partExact, text: inner}, true
	}
	key, def, hasDef := strings.Cut(inner, ",")
	key = strings.TrimSpace(key)
	if key == "" || strings.ContainsAny(key, " \t\r\n'${") {
		return part{}, false
	}
	p := part{kind: partVariable, text: key, lkey: strings.ToLower(key)}
	if hasDef {
		def = strings.TrimSpace(def)
		if len(def) < 2 || def[0] != '\'' || def[len(def)-1] != '\'' {
			return part{}, false
		}
		p.def, p.hasDef = def[1:len(def)-1], true
	}
	return p, true
}

// hasVariables reports whether t has parts to substitute.
func (t *template) hasVariables() bool { return t.parts != nil }

// expand substitutes t's variables from ctx. With pattern set the result is
// a compiled glob pattern (policy text keeps its wildcards, substituted text
// is literal); otherwise it is plain text. On failure it returns the
// variable that could not be resolved.
func (t *template) expand(ctx *evalContext, pattern bool) (string, string, bool) {
	if t.parts == nil {
		if pattern {
			return globLiteral(t.raw), "", true
		}
		return t.raw, "", true
	}
	var b strings.Builder
	for _, p := range t.parts {
		var s string
		switch p.kind {
		case partLiteral:
			if pattern {
				b.WriteString(globLiteral(p.text))
			} else {
				b.WriteString(p.text)
			}
			continue
		case partExact:
			s = p.text
		case partVariable:
			vals := ctx.lookup(p.lkey)
			switch {
			case len(vals) == 1:
				s = vals[0]
			case len(vals) == 0 && p.hasDef:
				s = p.def
			default:
				return "", "${" + p.text + "}", false
			}
		}
		if pattern {
			s = globQuote(s)
		}
		b.WriteString(s)
	}
	return b.String(), "", true
}
