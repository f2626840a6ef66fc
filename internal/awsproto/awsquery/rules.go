package awsquery

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/keyward/keyward/internal/errs"
)

// Validation against the model's constraints (required members, lengths,
// ranges, patterns, enums), reported as AWS reports them, with the code
// ValidationError:
//
//	1 validation error detected: Value 'a b' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+
//	2 validation errors detected: <msg1>; <msg2>
//
// Paths name members with their first letter lower-cased; an element of a
// list of structures is 'tags.1.member.key' (1-based). Messages come in model
// member order. Lists of structures are reported without their value (Java's
// toString of the element cannot be reproduced); lists of strings as Java
// prints them, '[a, b]', with one message for all elements that break the
// element shape's constraints. Sensitive values are left out ("Value at").
// String lengths count Unicode code points, as Smithy's length trait does.

// rule is the constraints of one shape.
type rule struct {
	hasMin, hasMax bool
	min, max       int64
	pattern        *regexp.Regexp // anchored RE2 translation of patternText
	patternText    string
	enum           []string
	sensitive      bool
}

// compileRule reads a shape's constraints. Patterns are Java regular
// expressions; the ones AWS models use translate to RE2 by rewriting \uXXXX.
func compileRule(s *Shape) (*rule, error) {
	r := &rule{patternText: s.Pattern, enum: s.Enum, sensitive: s.Sensitive}
	if s.Min != nil {
		r.hasMin, r.min = true, *s.Min
	}
	if s.Max != nil {
		r.hasMax, r.max = true, *s.Max
	}
	if s.Pattern != "" {
		re, err := regexp.Compile("^(?:" + javaToRE2(s.Pattern) + ")$")
		if err != nil {
			return nil, fmt.Errorf("shape %s: pattern %q: %w", s.Name, s.Pattern, err)
		}
		r.pattern = re
	}
	return r, nil
}

// javaToRE2 rewrites Java's \uXXXX escapes (exactly four hex digits, as
// Java reads them) to RE2's \x{XXXX}.
func javaToRE2(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' && i+1 < len(p) {
			if p[i+1] == 'u' && i+6 <= len(p) && isHex4(p[i+2:i+6]) {
				b.WriteString(`\x{` + p[i+2:i+6] + `}`)
				i += 5
				continue
			}
			b.WriteString(p[i : i+2])
			i++
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

func isHex4(s string) bool {
	for i := range 4 {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func (r *rule) lengthViolation(n int64) string {
	switch {
	case r.hasMax && n > r.max:
		return "Member must have length less than or equal to " + strconv.FormatInt(r.max, 10)
	case r.hasMin && n < r.min:
		return "Member must have length greater than or equal to " + strconv.FormatInt(r.min, 10)
	}
	return ""
}

func (r *rule) valueViolation(n int64) string {
	switch {
	case r.hasMin && n < r.min:
		return "Member must have value greater than or equal to " + strconv.FormatInt(r.min, 10)
	case r.hasMax && n > r.max:
		return "Member must have value less than or equal to " + strconv.FormatInt(r.max, 10)
	}
	return ""
}

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
// satisfy constraint: [...]".
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

// violations collects validation messages in the order found.
type violations []string

func (v *violations) add(path, value string, omit bool, constraint string) {
	if omit {
		*v = append(*v, "Value at '"+path+"' failed to satisfy constraint: "+constraint)
		return
	}
	*v = append(*v, "Value '"+value+"' at '"+path+"' failed to satisfy constraint: "+constraint)
}

func (v *violations) null(path string) {
	*v = append(*v, "Value null at '"+path+"' failed to satisfy constraint: Member must not be null")
}

// err returns nil or the ValidationError for the recorded messages.
func (v violations) err() error {
	switch len(v) {
	case 0:
		return nil
	case 1:
		return errs.Wrap(errs.Validation, "1 validation error detected: "+v[0], errConstraint)
	}
	return errs.Wrap(errs.Validation, fmt.Sprintf("%d validation errors detected: %s", len(v), strings.Join(v, "; ")), errConstraint)
}

// lowerFirst is a member name as validation messages write it.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
