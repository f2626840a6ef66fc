package kmsapi

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/keyward/keyward/internal/errs"
)

// Structural input validation: the constraints of the AWS model (required
// members, lengths, ranges, patterns, enums), reported with AWS's messages.
// The per-structure validate methods are generated into zz_validate.go from
// the model; this file holds the parts they share. Operation-specific rules
// ("NumberOfBytes is required.", KeySpec xor NumberOfBytes, the 7–30 day
// deletion window) belong to the handlers, not here.
//
// Message forms, as AWS writes them:
//
//	1 validation error detected: <msg>
//	2 validation errors detected: <msg1>; <msg2>
//
// where each <msg> is
//
//	Value null at 'keyId' failed to satisfy constraint: Member must not be null
//	Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1
//	Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096
//
// The value is left out ("Value at") for sensitive shapes and for blobs.
// Strings are quoted raw; lists as Java prints them ('[a, b]'); maps as
// '{k1=v1, k2=v2}' with keys sorted (Java's HashMap order is not
// reproducible). A list of strings whose elements break their shape's
// constraints gets one message at the list's path, naming every constraint of
// the element shape: "Member must satisfy constraint: [<c1>, <c2>]"; maps get
// "Map keys must satisfy constraint: [...]" then "Map value must satisfy
// constraint: [...]", once each. Elements of a list of structures are
// validated one by one at 'tags.1.member.tagValue' (1-based).
//
// String lengths count Unicode code points (the Smithy definition of the
// length trait), blob lengths bytes, list and map lengths elements.

// validationPath is the location of a structure in a request, as AWS writes
// it in validation messages. The nil path is the request itself.
type validationPath struct {
	parent *validationPath
	name   string // member name, first letter lower-cased
	index  int    // >0: this is element index (1-based) of list member name
}

// member returns the path of member name (already lower-camel) under p.
func (p *validationPath) member(name string) *validationPath {
	return &validationPath{parent: p, name: name}
}

// element returns the path of element i (0-based) of list member name under
// p: "name.<i+1>.member".
func (p *validationPath) element(name string, i int) *validationPath {
	return &validationPath{parent: p, name: name, index: i + 1}
}

// String returns the dotted path, e.g. "tags.1.member".
func (p *validationPath) String() string {
	if p == nil {
		return ""
	}
	s := p.name
	if p.index > 0 {
		s += "." + strconv.Itoa(p.index) + ".member"
	}
	if p.parent == nil {
		return s
	}
	return p.parent.String() + "." + s
}

// join returns the dotted path of member name under p.
func (p *validationPath) join(name string) string {
	if p == nil {
		return name
	}
	return p.String() + "." + name
}

// rule is the model's constraints on one shape. The zero rule checks nothing.
type rule struct {
	hasMin, hasMax bool
	min, max       int64          // length (strings, blobs, lists, maps) or value (numbers)
	pattern        *regexp.Regexp // anchored RE2 translation of patternText
	patternText    string         // the model's pattern, quoted in messages
	enum           []string       // allowed values, model order
	sensitive      bool           // leave the value out of messages
}

// validationErrors collects violation messages in the order found.
type validationErrors struct {
	msgs []string
}

// add records a message as is; handlers may use it for service rules that
// AWS reports in the same "N validation errors detected" list.
func (e *validationErrors) add(msg string) { e.msgs = append(e.msgs, msg) }

// violation records "Value '<value>' at '<path>' failed to satisfy
// constraint: <constraint>", without the value when omit is set.
func (e *validationErrors) violation(path, value string, omit bool, constraint string) {
	if omit {
		e.add("Value at '" + path + "' failed to satisfy constraint: " + constraint)
		return
	}
	e.add("Value '" + value + "' at '" + path + "' failed to satisfy constraint: " + constraint)
}

// null records that required member name of p is missing.
func (e *validationErrors) null(p *validationPath, name string) {
	e.add("Value null at '" + p.join(name) + "' failed to satisfy constraint: Member must not be null")
}

// str checks a string member against r: length, then pattern, then enum,
// each violation a separate message.
func (e *validationErrors) str(p *validationPath, name, s string, r *rule) {
	for _, c := range r.stringViolations(s) {
		e.violation(p.join(name), s, r.sensitive, c)
	}
}

// blob checks a blob member's length; the value is never shown.
func (e *validationErrors) blob(p *validationPath, name string, b []byte, r *rule) {
	if c := r.lengthViolation(int64(len(b))); c != "" {
		e.violation(p.join(name), "", true, c)
	}
}

// num checks an integer member's range.
func (e *validationErrors) num(p *validationPath, name string, n int64, r *rule) {
	var c string
	switch {
	case r.hasMin && n < r.min:
		c = "Member must have value greater than or equal to " + strconv.FormatInt(r.min, 10)
	case r.hasMax && n > r.max:
		c = "Member must have value less than or equal to " + strconv.FormatInt(r.max, 10)
	default:
		return
	}
	e.violation(p.join(name), strconv.FormatInt(n, 10), r.sensitive, c)
}

// listLen checks the length of a list of structures. AWS would print the
// elements with Java's toString, which cannot be reproduced: the value is
// left out.
func (e *validationErrors) listLen(p *validationPath, name string, n int, r *rule) {
	if c := r.lengthViolation(int64(n)); c != "" {
		e.violation(p.join(name), "", true, c)
	}
}

// strList checks a list of strings: the list's length (list may be nil),
// then its elements against elem (may be nil), reported once for the list.
func (e *validationErrors) strList(p *validationPath, name string, vs []string, list, elem *rule) {
	omit := list != nil && list.sensitive || elem != nil && elem.sensitive
	if list != nil {
		if c := list.lengthViolation(int64(len(vs))); c != "" {
			e.violation(p.join(name), javaList(vs), omit, c)
		}
	}
	if elem != nil && slices.ContainsFunc(vs, func(s string) bool { return len(elem.stringViolations(s)) > 0 }) {
		e.violation(p.join(name), javaList(vs), omit, "Member must satisfy constraint: ["+elem.describe()+"]")
	}
}

// strMap checks a map of strings: its size, then its keys, then its values;
// keys and values are reported once each.
func (e *validationErrors) strMap(p *validationPath, name string, m map[string]string, size, key, val *rule) {
	omit := size != nil && size.sensitive || key != nil && key.sensitive || val != nil && val.sensitive
	if size != nil {
		if c := size.lengthViolation(int64(len(m))); c != "" {
			e.violation(p.join(name), javaMap(m), omit, c)
		}
	}
	for _, x := range []struct {
		r     *rule
		label string
		keys  bool
	}{{key, "Map keys", true}, {val, "Map value", false}} {
		if x.r == nil {
			continue
		}
		for k, v := range m {
			s := v
			if x.keys {
				s = k
			}
			if len(x.r.stringViolations(s)) > 0 {
				e.violation(p.join(name), javaMap(m), omit, x.label+" must satisfy constraint: ["+x.r.describe()+"]")
				break
			}
		}
	}
}

// err returns nil, or the ValidationException for the recorded messages.
func (e *validationErrors) err() error {
	switch len(e.msgs) {
	case 0:
		return nil
	case 1:
		return errs.E(errs.Validation, "1 validation error detected: "+e.msgs[0])
	}
	return errs.E(errs.Validation, fmt.Sprintf("%d validation errors detected: %s", len(e.msgs), strings.Join(e.msgs, "; ")))
}

// validateInput checks a decoded request against the model's constraints and
// returns nil or an *errs.Error with Code errs.Validation and AWS's message.
func validateInput(in interface {
	validate(*validationPath, *validationErrors)
}) error {
	var e validationErrors
	in.validate(nil, &e)
	return e.err()
}

// lengthViolation returns the message for a length n outside r, or "".
func (r *rule) lengthViolation(n int64) string {
	switch {
	case r.hasMax && n > r.max:
		return "Member must have length less than or equal to " + strconv.FormatInt(r.max, 10)
	case r.hasMin && n < r.min:
		return "Member must have length greater than or equal to " + strconv.FormatInt(r.min, 10)
	}
	return ""
}

// stringViolations returns the messages for each constraint s breaks.
func (r *rule) stringViolations(s string) []string {
	var out []string
	if c := r.lengthViolation(int64(utf8.RuneCountInString(s))); c != "" {
		out = append(out, c)
	}
	if r.pattern != nil && !r.pattern.MatchString(s) {
		out = append(out, "Member must satisfy regular expression pattern: "+r.patternText)
	}
	if r.enum != nil && !slices.Contains(r.enum, s) {
		out = append(out, "Member must satisfy enum value set: ["+strings.Join(r.enum, ", ")+"]")
	}
	return out
}

// describe lists every constraint of r, as AWS does inside "Member must
// satisfy constraint: [...]": maximum length, minimum length, pattern, enum.
func (r *rule) describe() string {
	var out []string
	if r.hasMax {
		out = append(out, "Member must have length less than or equal to "+strconv.FormatInt(r.max, 10))
	}
	if r.hasMin {
		out = append(out, "Member must have length greater than or equal to "+strconv.FormatInt(r.min, 10))
	}
	if r.pattern != nil {
		out = append(out, "Member must satisfy regular expression pattern: "+r.patternText)
	}
	if r.enum != nil {
		out = append(out, "Member must satisfy enum value set: ["+strings.Join(r.enum, ", ")+"]")
	}
	return strings.Join(out, ", ")
}

// javaList renders a list as Java's List.toString does: "[a, b]".
func javaList(vs []string) string {
	return "[" + strings.Join(vs, ", ") + "]"
}

// javaMap renders a map as Java's Map.toString does, keys sorted: "{a=1, b=2}".
func javaMap(m map[string]string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k + "=" + m[k])
	}
	b.WriteByte('}')
	return b.String()
}
