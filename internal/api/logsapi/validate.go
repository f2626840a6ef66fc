package logsapi

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/keyward/keyward/internal/errs"
)

// checker collects violations of the model's constraints in member order,
// with AWS's messages:
//
//	1 validation error detected: Value 'x y' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]+
//	Value null at 'filterName' failed to satisfy constraint: Member must not be null
type checker struct{ msgs []string }

func (v *checker) add(path, value string, null bool, constraint string) {
	switch {
	case null:
		v.msgs = append(v.msgs, "Value null at '"+path+"' failed to satisfy constraint: "+constraint)
	default:
		v.msgs = append(v.msgs, "Value '"+value+"' at '"+path+"' failed to satisfy constraint: "+constraint)
	}
}

// required records a missing required member.
func (v *checker) required(path string, present bool) {
	if !present {
		v.add(path, "", true, "Member must not be null")
	}
}

// strRule is a string shape's constraints.
type strRule struct {
	min, max    int // -1: none
	pattern     *regexp.Regexp
	patternText string
	enum        []string
}

func (r strRule) violations(s string) []string {
	var out []string
	n := utf8.RuneCountInString(s)
	if r.min >= 0 && n < r.min {
		out = append(out, "Member must have length greater than or equal to "+strconv.Itoa(r.min))
	}
	if r.max >= 0 && n > r.max {
		out = append(out, "Member must have length less than or equal to "+strconv.Itoa(r.max))
	}
	if r.pattern != nil && !r.pattern.MatchString(s) {
		out = append(out, "Member must satisfy regular expression pattern: "+r.patternText)
	}
	if r.enum != nil {
		ok := false
		for _, e := range r.enum {
			ok = ok || e == s
		}
		if !ok {
			out = append(out, "Member must satisfy enum value set: ["+strings.Join(r.enum, ", ")+"]")
		}
	}
	return out
}

// str checks an optional string member.
func (v *checker) str(path string, s *string, r strRule) {
	if s == nil {
		return
	}
	for _, c := range r.violations(*s) {
		v.add(path, *s, false, c)
	}
}

// num checks an optional integer member's range.
func (v *checker) num(path string, n *int32, min, max int64) {
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

// long checks an optional long member's minimum.
func (v *checker) long(path string, n *int64, min int64) {
	if n != nil && *n < min {
		v.add(path, strconv.FormatInt(*n, 10), false, "Member must have value greater than or equal to "+strconv.FormatInt(min, 10))
	}
}

// count checks a list's length.
func (v *checker) count(path string, n int, present bool, min, max int) {
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

// err returns the collected violations as one Validation error.
func (v *checker) err() error {
	switch len(v.msgs) {
	case 0:
		return nil
	case 1:
		return errs.E(errs.Validation, "1 validation error detected: "+v.msgs[0])
	}
	return errs.E(errs.Validation, strconv.Itoa(len(v.msgs))+" validation errors detected: "+strings.Join(v.msgs, "; "))
}

// anchored compiles a model pattern for a whole-value match.
func anchored(p string) *regexp.Regexp { return regexp.MustCompile(`^(?:` + p + `)$`) }

// The model's string shapes this package checks.
var (
	logGroupNameRule  = strRule{min: 1, max: 512, pattern: anchored(`[\.\-_/#A-Za-z0-9]+`), patternText: `[\.\-_/#A-Za-z0-9]+`}
	groupPatternRule  = strRule{min: 0, max: 512, pattern: anchored(`[\.\-_/#A-Za-z0-9]*`), patternText: `[\.\-_/#A-Za-z0-9]*`}
	groupIDRule       = strRule{min: 1, max: 2048, pattern: anchored(`[\w#+=/:,.@-]*`), patternText: `[\w#+=/:,.@-]*`}
	filterNameRule    = strRule{min: 1, max: 512, pattern: anchored(`[^:*]*`), patternText: `[^:*]*`}
	streamNameRule    = strRule{min: 1, max: 512, pattern: anchored(`[^:*]*`), patternText: `[^:*]*`}
	filterPatternRule = strRule{min: 0, max: 1024}
	metricNameRule    = strRule{min: -1, max: 255, pattern: anchored(`[^:*$]*`), patternText: `[^:*$]*`}
	metricValueRule   = strRule{min: -1, max: 100}
	nextTokenRule     = strRule{min: 1, max: -1}
	kmsKeyRule        = strRule{min: -1, max: 256}
	dimensionRule     = strRule{min: -1, max: 255}
	eventMessageRule  = strRule{min: 1, max: -1}
	unitRule          = strRule{min: -1, max: -1, enum: []string{"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes",
		"Megabytes", "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
		"Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
		"Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None"}}
	groupClassRule = strRule{min: -1, max: -1, enum: []string{"STANDARD", "INFREQUENT_ACCESS", "DELIVERY"}}
)
