// Package shapecheck checks a decoded request against the constraints its
// botocore model declares (required members, string length, pattern and
// enum, integer range, list length) and reports the violations as AWS
// does, in member order, as one Validation error:
//
//	1 validation error detected: Value '0' at 'period' failed to satisfy constraint: Member must have value greater than or equal to 1
//	2 validation errors detected: Value null at 'filterName' failed to satisfy constraint: Member must not be null; ...
//
// It serves the hand-written wire shapes of api/cloudwatchapi and
// api/logsapi; each service declares its own rules (the model's data) and
// walks its own shapes. It knows no service, makes no policy decision and
// writes no response: the protocol package turns the error it returns into
// the service's wire error. (api/kmsapi's generated validation is separate.)
package shapecheck

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/keyward/keyward/internal/errs"
)

// Checker collects violations of the model's constraints in the order they
// are checked. The zero value is ready to use.
type Checker struct{ msgs []string }

func (v *Checker) add(path, value string, null bool, constraint string) {
	switch {
	case null:
		v.msgs = append(v.msgs, "Value null at '"+path+"' failed to satisfy constraint: "+constraint)
	default:
		v.msgs = append(v.msgs, "Value '"+value+"' at '"+path+"' failed to satisfy constraint: "+constraint)
	}
}

// Fail records a violation the other checks do not express: value at path
// fails constraint (the text after "failed to satisfy constraint: ").
func (v *Checker) Fail(path, value, constraint string) { v.add(path, value, false, constraint) }

// Required records a missing required member.
func (v *Checker) Required(path string, present bool) {
	if !present {
		v.add(path, "", true, "Member must not be null")
	}
}

// StrRule is a string shape's constraints. Min and Max count runes; -1
// means no bound (0 is a bound). Pattern, when set, must match the whole
// value (see Anchored) and PatternText is the model's pattern as AWS quotes
// it. Enum, when non-nil, lists the only values allowed.
type StrRule struct {
	Min, Max    int
	Pattern     *regexp.Regexp
	PatternText string
	Enum        []string
}

// Violations returns the constraints s fails, in AWS's order and words.
func (r StrRule) Violations(s string) []string {
	var out []string
	n := utf8.RuneCountInString(s)
	if r.Min >= 0 && n < r.Min {
		out = append(out, "Member must have length greater than or equal to "+strconv.Itoa(r.Min))
	}
	if r.Max >= 0 && n > r.Max {
		out = append(out, "Member must have length less than or equal to "+strconv.Itoa(r.Max))
	}
	if r.Pattern != nil && !r.Pattern.MatchString(s) {
		out = append(out, "Member must satisfy regular expression pattern: "+r.PatternText)
	}
	if r.Enum != nil {
		ok := false
		for _, e := range r.Enum {
			ok = ok || e == s
		}
		if !ok {
			out = append(out, "Member must satisfy enum value set: ["+strings.Join(r.Enum, ", ")+"]")
		}
	}
	return out
}

// Enum is the rule of an enum shape with no length constraint.
func Enum(values ...string) StrRule { return StrRule{Min: -1, Max: -1, Enum: values} }

// Anchored compiles a model pattern for a whole-value match.
func Anchored(p string) *regexp.Regexp { return regexp.MustCompile(`^(?:` + p + `)$`) }

// Str checks an optional string member.
func (v *Checker) Str(path string, s *string, r StrRule) {
	if s == nil {
		return
	}
	for _, c := range r.Violations(*s) {
		v.add(path, *s, false, c)
	}
}

// Strs checks each element of a list of strings; the first element that
// fails is reported once, against the whole list.
func (v *Checker) Strs(path string, ss []string, r StrRule) {
	for _, s := range ss {
		if len(r.Violations(s)) > 0 {
			v.add(path, "["+strings.Join(ss, ", ")+"]", false, "Member must satisfy constraint: ["+strings.Join(r.Violations(s), ", ")+"]")
			return
		}
	}
}

// Num checks an optional integer member's range.
func (v *Checker) Num(path string, n *int32, min, max int64) {
	if n == nil {
		return
	}
	switch {
	case int64(*n) < min:
		v.add(path, strconv.Itoa(int(*n)), false, "Member must have value greater than or equal to "+strconv.FormatInt(min, 10))
	case int64(*n) > max:
		v.add(path, strconv.Itoa(int(*n)), false, "Member must have value less than or equal to "+strconv.FormatInt(max, 10))
	}
}

// Long checks an optional long member's minimum.
func (v *Checker) Long(path string, n *int64, min int64) {
	if n != nil && *n < min {
		v.add(path, strconv.FormatInt(*n, 10), false, "Member must have value greater than or equal to "+strconv.FormatInt(min, 10))
	}
}

// Count checks a list's length; -1 means no bound.
func (v *Checker) Count(path string, n int, present bool, min, max int) {
	if !present {
		return
	}
	switch {
	case min >= 0 && n < min:
		v.add(path, "", false, "Member must have length greater than or equal to "+strconv.Itoa(min))
	case max >= 0 && n > max:
		v.add(path, "", false, "Member must have length less than or equal to "+strconv.Itoa(max))
	}
}

// Err returns the collected violations as one errs.Validation error, or nil.
func (v *Checker) Err() error {
	switch len(v.msgs) {
	case 0:
		return nil
	case 1:
		return errs.E(errs.Validation, "1 validation error detected: "+v.msgs[0])
	}
	return errs.E(errs.Validation, strconv.Itoa(len(v.msgs))+" validation errors detected: "+strings.Join(v.msgs, "; "))
}

// Member is the path of element i (0-based) of list member name, as
// CloudWatch writes it: name.<i+1>.member.
func Member(name string, i int) string { return name + "." + strconv.Itoa(i+1) + ".member" }
