package filterpattern

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/keyward/keyward/internal/errs"
)

// Limits. MaxLength is PutMetricFilter's filterPattern constraint (counted
// in characters); MaxRegexes and the wildcard limits are AWS's documented
// quotas; MaxDepth is Keyward's own bound on parenthesis nesting, which AWS
// does not document.
const (
	MaxLength            = 1024 // characters in a pattern
	MaxRegexes           = 2    // %regex% values in one JSON or space-delimited pattern
	MaxSelectorWildcards = 1    // wildcards in one JSON selector
	MaxPatternWildcards  = 3    // wildcard selectors in one JSON pattern
	MaxDepth             = 32   // nested parentheses

	// maxRegexInstructions bounds one regular expression's estimated
	// program, repetitions expanded: matching costs time proportional to
	// it for every byte of every event.
	maxRegexInstructions = 2000
	maxArrayIndex        = 1<<31 - 1
)

// InvalidPatternMessage is the client-visible message of every Parse error:
// CloudWatch Logs' own, which the logs protocol sends as
// InvalidParameterException.
const InvalidPatternMessage = "Invalid metric filter pattern"

// Kind is the form of a pattern, decided by its first non-blank character.
type Kind uint8

// Pattern kinds.
const (
	KindAll       Kind = iota // "" or " ": matches every event
	KindTerms                 // unstructured terms and phrases
	KindRegex                 // one %regex% on the whole message
	KindJSON                  // { ... } on a JSON object event
	KindDelimited             // [ ... ] on a space-delimited event
)

func (k Kind) String() string {
	switch k {
	case KindAll:
		return "all"
	case KindTerms:
		return "terms"
	case KindRegex:
		return "regex"
	case KindJSON:
		return "json"
	case KindDelimited:
		return "delimited"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Pattern is a parsed filter pattern. It is immutable and safe for
// concurrent use.
type Pattern struct {
	kind  Kind
	terms []term   // KindTerms
	re    *regex   // KindRegex
	expr  *node    // KindJSON
	slots []slot   // KindDelimited
	names []string // KindDelimited: named fields, in slot order
	ellip bool     // KindDelimited: some slot is "..."
}

// SyntaxError says why Parse rejected a pattern. Offset is a byte offset
// into the pattern.
type SyntaxError struct {
	Offset int
	Reason string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("filter pattern: offset %d: %s", e.Offset, e.Reason)
}

func invalid(offset int, format string, args ...any) error {
	return errs.Wrap(errs.Validation, InvalidPatternMessage,
		&SyntaxError{Offset: offset, Reason: fmt.Sprintf(format, args...)})
}

// Parse parses a filter pattern. The error, if any, is an *errs.Error with
// code errs.Validation whose cause is a *SyntaxError.
func Parse(pattern string) (*Pattern, error) {
	return parse(pattern, true)
}

func parse(pattern string, limitLength bool) (*Pattern, error) {
	if !utf8.ValidString(pattern) {
		return nil, invalid(0, "pattern is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(pattern); limitLength && n > MaxLength {
		return nil, invalid(0, "pattern has %d characters, more than %d", n, MaxLength)
	}
	s := &scanner{src: pattern}
	s.skipSpace()
	switch s.peek() {
	case '{':
		return s.parseJSONPattern()
	case '[':
		return s.parseDelimitedPattern()
	case '%':
		return s.parseRegexPattern()
	}
	return s.parseTermsPattern()
}

// Kind reports the form of the pattern.
func (p *Pattern) Kind() Kind { return p.kind }

// Event is one log event message, with its JSON decoding and its
// space-delimited fields computed at most once, so that many patterns can be
// matched against it cheaply. It is safe for concurrent use.
type Event struct {
	msg string

	jsonOnce sync.Once
	obj      map[string]any

	fieldsOnce sync.Once
	fields     []token
}

// NewEvent returns the Event for a log event message.
func NewEvent(message string) *Event { return &Event{msg: message} }

// Message returns the event's message.
func (e *Event) Message() string { return e.msg }

// JSON returns the message decoded as one JSON object (numbers as
// json.Number), or false when the message is not one.
func (e *Event) JSON() (map[string]any, bool) {
	e.jsonOnce.Do(func() { e.obj = DecodeJSON(e.msg) })
	return e.obj, e.obj != nil
}

func (e *Event) tokens() []token {
	e.fieldsOnce.Do(func() { e.fields = tokenize(e.msg) })
	return e.fields
}

// DecodeJSON decodes a message that is exactly one JSON object (surrounding
// white space aside), keeping numbers as json.Number. It returns nil for
// anything else.
func DecodeJSON(message string) map[string]any {
	t := strings.TrimSpace(message)
	if !strings.HasPrefix(t, "{") {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(t))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil
	}
	return obj
}

// Match reports whether the pattern matches a log event message.
func (p *Pattern) Match(message string) bool {
	_, ok := p.eval(NewEvent(message))
	return ok
}

// MatchEvent is Match for an Event shared between patterns.
func (p *Pattern) MatchEvent(e *Event) bool {
	_, ok := p.eval(e)
	return ok
}

// MatchJSON reports whether the pattern matches an event already decoded
// from JSON: v is a map[string]any as encoding/json produces (numbers may be
// json.Number, float64 or any Go integer type). A match-everything pattern
// matches any v; the other non-JSON kinds need the message text and report
// false.
func (p *Pattern) MatchJSON(v any) bool {
	_, ok := p.evalJSONValue(v)
	return ok
}

func (p *Pattern) evalJSONValue(v any) (Extracted, bool) {
	switch p.kind {
	case KindAll:
		return Extracted{kind: KindAll}, true
	case KindJSON:
		obj, isObj := v.(map[string]any)
		if !isObj || !p.expr.evalJSON(obj) {
			return Extracted{}, false
		}
		return Extracted{kind: KindJSON, obj: obj}, true
	}
	return Extracted{}, false
}

func (p *Pattern) eval(e *Event) (Extracted, bool) {
	switch p.kind {
	case KindAll:
		return Extracted{kind: KindAll}, true
	case KindTerms:
		if matchTerms(p.terms, e.msg) {
			return Extracted{kind: KindTerms}, true
		}
	case KindRegex:
		if p.re.match(e.msg) {
			return Extracted{kind: KindRegex}, true
		}
	case KindJSON:
		obj, ok := e.JSON()
		if ok && p.expr.evalJSON(obj) {
			return Extracted{kind: KindJSON, obj: obj}, true
		}
	case KindDelimited:
		return p.matchDelimited(e)
	}
	return Extracted{}, false
}
