package filterpattern

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/keyward/keyward/internal/errs"
)

// InvalidSelectorMessage is the client-visible message of CheckSelector and
// CheckMetricValue errors.
const InvalidSelectorMessage = "Invalid metric value or dimension selector"

// Extracted is what a matched event offers to a metric transformation: the
// fields that metricValue and dimensions select. The zero value selects
// nothing.
type Extracted struct {
	kind  Kind
	obj   map[string]any // KindJSON
	delim *delimMatch    // KindDelimited
}

// Extract matches a message and, when it matches, returns its fields.
func (p *Pattern) Extract(message string) (Extracted, bool) {
	return p.eval(NewEvent(message))
}

// ExtractEvent is Extract for an Event shared between patterns.
func (p *Pattern) ExtractEvent(e *Event) (Extracted, bool) { return p.eval(e) }

// ExtractJSON is Extract for an event already decoded from JSON; see
// MatchJSON.
func (p *Pattern) ExtractJSON(v any) (Extracted, bool) { return p.evalJSONValue(v) }

// Value returns the number that selector ("$.field" for a JSON pattern,
// "$field" for a space-delimited one) picks from a message the pattern
// matches. It reports false when the pattern does not match or the field is
// missing or not a number.
func (p *Pattern) Value(message, selector string) (float64, bool) {
	x, ok := p.eval(NewEvent(message))
	if !ok {
		return 0, false
	}
	return x.Number(selector)
}

// Text returns the field a selector picks: for a JSON pattern a string, a
// number (as written in the event) or a boolean ("true"/"false"); for a
// space-delimited pattern "$name" or "$N" as Fields lists them. Objects,
// arrays, null and missing fields report false.
func (x Extracted) Text(selector string) (string, bool) {
	switch x.kind {
	case KindJSON:
		sel, err := parseSelector(selector)
		if err != nil || sel.wildcard() {
			return "", false
		}
		v, ok := sel.first(x.obj)
		if !ok {
			return "", false
		}
		if b, isBool := v.(bool); isBool {
			return strconv.FormatBool(b), true
		}
		text, _, _, ok := scalar(v)
		return text, ok
	case KindDelimited:
		return x.delim.lookup(selector)
	}
	return "", false
}

// Number returns the field a selector picks as a finite number: a JSON
// number, or a string (JSON or space-delimited field) that is a number
// literal.
func (x Extracted) Number(selector string) (float64, bool) {
	var text string
	switch x.kind {
	case KindJSON:
		sel, err := parseSelector(selector)
		if err != nil || sel.wildcard() {
			return 0, false
		}
		v, ok := sel.first(x.obj)
		if !ok {
			return 0, false
		}
		t, num, isNum, ok := scalar(v)
		if !ok {
			return 0, false
		}
		if isNum {
			return finite(num)
		}
		text = t
	case KindDelimited:
		t, ok := x.delim.lookup(selector)
		if !ok {
			return 0, false
		}
		text = t
	default:
		return 0, false
	}
	text = strings.TrimSpace(text)
	if !isNumber(text) {
		return 0, false
	}
	return finite(parseNumber(text))
}

// MetricValue evaluates a metricTransformation's metricValue: a number
// literal ("1") is itself, anything else is a selector (see Number).
func (x Extracted) MetricValue(spec string) (float64, bool) {
	if isNumber(spec) {
		return finite(parseNumber(spec))
	}
	return x.Number(spec)
}

// Fields returns a space-delimited match's extracted fields as AWS shows
// them: "$name" for named fields and "$N" (1-based position) for the others.
// It returns nil for other kinds.
func (x Extracted) Fields() map[string]string {
	if x.kind != KindDelimited {
		return nil
	}
	return x.delim.fields()
}

func finite(f float64) (float64, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// parseSelector parses a whole string as a JSON selector.
func parseSelector(sel string) (*selector, error) {
	s := &scanner{src: sel}
	parsed, err := s.selector()
	if err != nil {
		return nil, err
	}
	if !s.eof() {
		return nil, s.errorf("unexpected %s after selector", s.rest())
	}
	return parsed, nil
}

// CheckSelector validates a dimension or metric value selector for this
// pattern, as PutMetricFilter does: "$.path" without wildcards for a JSON
// pattern, "$name" of a named field or "$N" for a space-delimited one.
// Other kinds have no fields to select.
func (p *Pattern) CheckSelector(sel string) error {
	switch p.kind {
	case KindJSON:
		parsed, err := parseSelector(sel)
		if err != nil {
			var se *SyntaxError
			errors.As(err, &se)
			return errs.Wrap(errs.Validation, InvalidSelectorMessage, se)
		}
		if parsed.wildcard() {
			return badSelector("selector %q has a wildcard; a metric value or dimension names one field", sel)
		}
		return nil
	case KindDelimited:
		name, ok := strings.CutPrefix(sel, "$")
		switch {
		case !ok || name == "":
			return badSelector("selector %q must be $ followed by a field name", sel)
		case allDigits(name):
			if n, err := strconv.Atoi(name); err != nil || n < 1 {
				return badSelector("selector %q names no field position", sel)
			}
			return nil
		}
		for _, n := range p.names {
			if n == name {
				return nil
			}
		}
		return badSelector("selector %q names no field of the pattern", sel)
	}
	return badSelector("selector %q needs a JSON or space-delimited filter pattern", sel)
}

// CheckMetricValue validates a metricTransformation's metricValue: a number
// literal, or a selector CheckSelector accepts.
func (p *Pattern) CheckMetricValue(spec string) error {
	if isNumber(spec) {
		if _, ok := finite(parseNumber(spec)); !ok {
			return badSelector("metric value %q is out of range", spec)
		}
		return nil
	}
	return p.CheckSelector(spec)
}

func badSelector(format string, args ...any) error {
	return errs.Wrap(errs.Validation, InvalidSelectorMessage, &SyntaxError{Reason: fmt.Sprintf(format, args...)})
}
