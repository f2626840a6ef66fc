package shapecheck

import (
	"testing"

	"github.com/keyward/keyward/internal/errs"
)

func ptr[T any](v T) *T { return &v }

// The messages are AWS's contract, so these cases assert on the text.
func TestChecker(t *testing.T) {
	name := StrRule{Min: 1, Max: 5, Pattern: Anchored(`[a-z]+`), PatternText: `[a-z]+`}
	cases := []struct {
		name  string
		check func(v *Checker)
		want  string // "" for no error
	}{
		{"ok/empty", func(v *Checker) {}, ""},
		{"ok/absent-optional", func(v *Checker) { v.Str("name", nil, name); v.Num("n", nil, 1, 2); v.Count("l", 0, false, 1, 2) }, ""},
		{"fail/required", func(v *Checker) { v.Required("alarmName", false) },
			"1 validation error detected: Value null at 'alarmName' failed to satisfy constraint: Member must not be null"},
		{"fail/num-min", func(v *Checker) { v.Num("period", ptr[int32](0), 1, 10) },
			"1 validation error detected: Value '0' at 'period' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"fail/long-min", func(v *Checker) { v.Long("startTime", ptr[int64](-1), 0) },
			"1 validation error detected: Value '-1' at 'startTime' failed to satisfy constraint: Member must have value greater than or equal to 0"},
		{"fail/str-two-constraints", func(v *Checker) { v.Str("name", ptr("ABCDEF"), name) },
			"2 validation errors detected: Value 'ABCDEF' at 'name' failed to satisfy constraint: Member must have length less than or equal to 5; " +
				"Value 'ABCDEF' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z]+"},
		{"fail/enum", func(v *Checker) { v.Str("state", ptr("x"), Enum("OK", "ALARM")) },
			"1 validation error detected: Value 'x' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [OK, ALARM]"},
		{"fail/strs", func(v *Checker) { v.Strs("names", []string{"a", ""}, name) },
			"1 validation error detected: Value '[a, ]' at 'names' failed to satisfy constraint: Member must satisfy constraint: " +
				"[Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [a-z]+]"},
		{"fail/count-max", func(v *Checker) { v.Count("alarmNames", 3, true, 0, 2) },
			"1 validation error detected: Value '' at 'alarmNames' failed to satisfy constraint: Member must have length less than or equal to 2"},
		{"fail/member-path", func(v *Checker) { v.Required(Member("dimensions", 0)+".name", false) },
			"1 validation error detected: Value null at 'dimensions.1.member.name' failed to satisfy constraint: Member must not be null"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var v Checker
			c.check(&v)
			err := v.Err()
			if c.want == "" {
				if err != nil {
					t.Fatalf("got %v", err)
				}
				return
			}
			if errs.CodeOf(err) != errs.Validation {
				t.Fatalf("got %v, want a Validation error", err)
			}
			if got := errs.Message(err); got != c.want {
				t.Errorf("message\n got %s\nwant %s", got, c.want)
			}
		})
	}
}
