package filterpattern

import (
	"errors"
	"testing"

	"github.com/keyward/keyward/internal/errs"
)

// matchCase is one pattern against one event message.
type matchCase struct {
	name    string
	pattern string
	event   string
	want    bool
}

func mustParse(tb testing.TB, pattern string) *Pattern {
	tb.Helper()
	p, err := Parse(pattern)
	if err != nil {
		tb.Fatalf("Parse(%q): %v", pattern, err)
	}
	return p
}

func runMatches(t *testing.T, tests []matchCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, tt.pattern)
			if got := p.Match(tt.event); got != tt.want {
				t.Errorf("Parse(%q).Match(%q) = %v, want %v", tt.pattern, tt.event, got, tt.want)
			}
			// The shared-event path and the decoded-JSON path agree.
			if got := p.MatchEvent(NewEvent(tt.event)); got != tt.want {
				t.Errorf("MatchEvent = %v, want %v", got, tt.want)
			}
			if p.Kind() == KindJSON {
				if obj := DecodeJSON(tt.event); obj != nil {
					if got := p.MatchJSON(obj); got != tt.want {
						t.Errorf("MatchJSON = %v, want %v", got, tt.want)
					}
				}
			}
			// The canonical form means the same.
			q, err := Parse(p.String())
			if err != nil {
				t.Fatalf("Parse(String() = %q): %v", p.String(), err)
			}
			if got := q.Match(tt.event); got != tt.want {
				t.Errorf("canonical %q: Match = %v, want %v", p.String(), got, tt.want)
			}
		})
	}
}

// wantInvalid asserts the error contract of Parse: code Validation, AWS's
// message, and a SyntaxError cause.
func wantInvalid(tb testing.TB, err error) *SyntaxError {
	tb.Helper()
	if err == nil {
		tb.Fatal("err = nil, want an invalid pattern error")
	}
	if !errs.Is(err, errs.Validation) {
		tb.Errorf("code = %s, want %s", errs.CodeOf(err), errs.Validation)
	}
	if got := errs.Message(err); got != InvalidPatternMessage {
		tb.Errorf("message = %q, want %q", got, InvalidPatternMessage)
	}
	var se *SyntaxError
	if !errors.As(err, &se) {
		tb.Fatalf("err %v has no *SyntaxError cause", err)
	}
	return se
}
