package filterpattern

import (
	"strings"
	"testing"
)

func TestParseKinds(t *testing.T) {
	for _, tt := range []struct {
		name    string
		pattern string
		want    Kind
	}{
		{"all/empty", ``, KindAll},
		{"all/blank", "  ", KindAll},
		{"all/quoted-space", `" "`, KindAll},
		{"all/quoted-empty", `""`, KindAll},
		{"terms/word", `ERROR`, KindTerms},
		{"terms/phrase", `"INTERNAL SERVER ERROR"`, KindTerms},
		{"terms/optional", `?ERROR`, KindTerms},
		{"terms/exclude", `-ERROR`, KindTerms},
		{"terms/quoted-space-and-term", `" " ERROR`, KindTerms},
		{"regex/standalone", `%AUTHORIZED%`, KindRegex},
		{"json/leading-space", `  { $.a = 1 }`, KindJSON},
		{"delimited/fields", `[a, b]`, KindDelimited},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustParse(t, tt.pattern).Kind(); got != tt.want {
				t.Errorf("Kind = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	for _, tt := range []struct {
		name    string
		pattern string
		offset  int // -1: not checked
	}{
		// JSON.
		{"fail/json-unbalanced-brace", `{ $.a = "x" `, 0},
		{"fail/json-empty", `{ }`, 2},
		{"fail/json-missing-value", `{ $.a = }`, 8},
		{"fail/json-no-dollar", `{ a = 1 }`, 2},
		{"fail/json-no-dot", `{ $a = 1 }`, 3},
		{"fail/json-bad-name", `{ $.@timestamp = 1 }`, 4},
		{"fail/json-trailing-dot", `{ $.a. = 1 }`, 6},
		{"fail/json-relational-string", `{ $.a > abc }`, 8},
		{"fail/json-relational-quoted", `{ $.a < "5" }`, 8},
		{"fail/json-relational-regex", `{ $.a >= %5% }`, 9},
		{"fail/json-relational-wildcard", `{ $.a > * }`, 8},
		{"fail/json-is-not-null", `{ $.a IS NOT NULL }`, 9},
		{"fail/json-is-what", `{ $.a IS EMPTY }`, 9},
		{"fail/json-exists", `{ $.a EXISTS }`, 6},
		{"fail/json-not-what", `{ $.a NOT NULL }`, 10},
		{"fail/json-double-equals", `{ $.a == 1 }`, 7},
		{"fail/json-no-operator", `{ $.a 1 }`, 6},
		{"fail/json-dangling-and", `{ $.a = 1 && }`, 13},
		{"fail/json-dangling-or", `{ $.a = 1 || }`, 13},
		{"fail/json-unbalanced-paren", `{ ($.a = 1 }`, 11},
		{"fail/json-extra-paren", `{ $.a = 1) }`, 9},
		{"fail/json-missing-connective", `{ $.a = 1 $.b = 2 }`, 10},
		{"fail/json-trailing-text", `{ $.a = 1 } x`, 12},
		{"fail/json-unterminated-string", `{ $.a = "x }`, 8},
		{"fail/json-unterminated-key", `{ $.['a = 1 }`, 5},
		{"fail/json-bad-bracket", `{ $.a[-1] = 1 }`, 6},
		{"fail/json-huge-index", `{ $.a[99999999999999999999] = 1 }`, 6},
		{"fail/json-two-wildcards-in-selector", `{ $.a[*].b[*] = 1 }`, -1},
		{"fail/json-four-wildcard-selectors", `{ $.a[*] = 1 || $.b[*] = 1 || $.c.* = 1 || $.* = 1 }`, -1},
		{"fail/json-three-regexes", `{ $.a = %r1% && $.b = %r2% && $.c = %r3% }`, 36},
		{"fail/json-unterminated-regex", `{ $.a = %abc }`, 8},
		{"fail/json-keyword-suffix", `{ $.a IS NULLX }`, 9},
		{"fail/json-stray-ampersand", `{ $.a = 1 & $.b = 2 }`, 10},
		{"fail/json-too-deep", "{ " + strings.Repeat("(", MaxDepth+1) + "$.a = 1" + strings.Repeat(")", MaxDepth+1) + " }", MaxDepth + 2},

		// Regular expressions.
		{"fail/regex-unsupported-symbol", `%something!%`, 1},
		{"fail/regex-parentheses", `%(alpha|beta)%`, 1},
		{"fail/regex-multibyte", `%マルチバイト%`, 1},
		{"fail/regex-empty", `%%`, 1},
		{"fail/regex-unterminated", `%abc`, 0},
		{"fail/regex-not-standalone", `%abc% ERROR`, 6},
		{"fail/regex-word-boundary", `%\bword%`, 1},
		{"fail/regex-unicode-class", `%\pL%`, 1},
		{"fail/regex-bad-hex", `%\x4%`, 1},
		{"fail/regex-trailing-backslash", `%abc\%`, 1},
		{"fail/regex-bad-repeat", `%a{x}%`, 1},
		{"fail/regex-empty-repeat", `%a{}%`, 1},
		{"fail/regex-unbalanced-brace", `%a{3%`, 1},
		{"fail/regex-stray-close-brace", `%a}%`, 1},
		{"fail/regex-unterminated-class", `%[abc%`, 1},
		{"fail/regex-nothing-to-repeat", `%*a%`, 1},
		{"fail/regex-nested-repeat", `%a**%`, 1},
		{"fail/regex-too-large", `%[a-z]{1000}[a-z]{1000}[a-z]{1000}%`, 1},
		{"fail/regex-repeat-over-limit", `%a{1001}%`, 1},
		{"fail/regex-tab", "%a\tb%", 1},

		// Terms.
		{"fail/terms-unterminated-quote", `ERROR "abc`, 6},
		{"fail/terms-quote-inside-term", `ab"c"`, 2},
		{"fail/terms-text-after-quote", `"ab"c`, 4},
		{"fail/terms-lone-minus", `ERROR -`, 6},
		{"fail/terms-lone-question", `? ERROR`, 0},
		{"fail/terms-regex-among-terms", `ERROR %\d+%`, 6},
		{"fail/terms-excluded-regex", `ERROR -%x%`, 7},

		// Space-delimited.
		{"fail/delimited-empty", `[]`, 0},
		{"fail/delimited-blank", `[  ]`, 0},
		{"fail/delimited-unbalanced", `[a, b`, 0},
		{"fail/delimited-duplicate", `[a, a]`, 4},
		{"fail/delimited-two-fields-in-slot", `[ip, user, username, timestamp, request, status_code = 4* && bytes > 1000]`, 61},
		{"fail/delimited-is-null", `[a IS NULL]`, 3},
		{"fail/delimited-not-exists", `[a NOT EXISTS]`, 3},
		{"fail/delimited-digit-name", `[7, a]`, 1},
		{"fail/delimited-bad-ellipsis", `[...a]`, 4},
		{"fail/delimited-missing-value", `[a = ]`, 5},
		{"fail/delimited-relational-text", `[a > x]`, 5},
		{"fail/delimited-trailing-text", `[a] b`, 4},
		{"fail/delimited-three-regexes", `[a = %1%, b = %2%, c = %3%]`, 23},
		{"fail/delimited-quoted-name", `["a" = 1]`, 1},

		// Limits and encoding.
		{"fail/too-long", strings.Repeat("a", MaxLength+1), 0},
		{"fail/invalid-utf8", "ERROR \xff", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.pattern)
			if err == nil {
				t.Fatalf("Parse(%q) = %q, want an error", tt.pattern, p.String())
			}
			se := wantInvalid(t, err)
			if tt.offset >= 0 && se.Offset != tt.offset {
				t.Errorf("Parse(%q): offset %d, want %d (%v)", tt.pattern, se.Offset, tt.offset, err)
			}
		})
	}
}

func TestParseLimits(t *testing.T) {
	t.Run("ok/max-length", func(t *testing.T) {
		mustParse(t, strings.Repeat("a", MaxLength))
	})
	t.Run("ok/max-length-counts-characters", func(t *testing.T) {
		mustParse(t, strings.Repeat("ü", MaxLength))
	})
	t.Run("ok/max-depth", func(t *testing.T) {
		mustParse(t, "{ "+strings.Repeat("(", MaxDepth)+"$.a = 1"+strings.Repeat(")", MaxDepth)+" }")
	})
	t.Run("ok/two-regexes", func(t *testing.T) {
		mustParse(t, `{ $.a = %r1% && $.b != %r2% }`)
	})
	t.Run("ok/three-wildcard-selectors", func(t *testing.T) {
		mustParse(t, `{ $.a[*] = 1 || $.b[*] = 1 || $.c.* = 1 }`)
	})
}

func TestString(t *testing.T) {
	for _, tt := range []struct {
		name    string
		pattern string
		want    string
	}{
		{"all/empty", ``, ``},
		{"all/quoted-space", `" "`, ``},
		{"terms/words", `ERROR  ?WARN   -DEBUG`, `ERROR ?WARN -DEBUG`},
		{"terms/quotes-non-words", `?"a b" -c:d "x\"y" "plain"`, `?"a b" -"c:d" "x\"y" plain`},
		{"terms/quoted-blank-among-others", `" " ERROR`, `" " ERROR`},
		{"terms/backslash", `C:\dir`, `"C:\\dir"`},
		{"regex/kept", ` %a{3, 5}% `, `%a{3, 5}%`},
		{"json/spacing-and-quotes", `{$.eventSource=kms.amazonaws.com&&($.errorMessage="*"||$.errorCode="*")}`,
			`{ $.eventSource = "kms.amazonaws.com" && ($.errorMessage = "*" || $.errorCode = "*") }`},
		{"json/redundant-parens", `{ (($.a = 1)) && ((($.b = 2))) }`, `{ $.a = 1 && $.b = 2 }`},
		{"json/precedence", `{ $.a = 1 || $.b = 2 && $.c = 3 }`, `{ $.a = 1 || $.b = 2 && $.c = 3 }`},
		{"json/needed-parens", `{ ($.a = 1 || $.b = 2) && $.c = 3 }`, `{ ($.a = 1 || $.b = 2) && $.c = 3 }`},
		{"json/flattened", `{ $.a = 1 && ($.b = 2 && ($.c = 3 || ($.d = 4 || $.e = 5))) }`, `{ $.a = 1 && $.b = 2 && ($.c = 3 || $.d = 4 || $.e = 5) }`},
		{"json/keywords", `{ $.a is null || $.b Is True || $.c IS false || $.d not exists }`, `{ $.a IS NULL || $.b IS TRUE || $.c IS FALSE || $.d NOT EXISTS }`},
		{"json/numbers-as-written", `{ $.a > +1000 && $.b < 10e-3 && $.c = -.5 }`, `{ $.a > +1000 && $.b < 10e-3 && $.c = -.5 }`},
		{"json/quoted-number-stays-string", `{ $.a = "400" }`, `{ $.a = "400" }`},
		{"json/wildcards", `{ $.a = * && $.b = *x && $.c = x* && $.d = "*x*" && $.e = "**" }`, `{ $.a = "*" && $.b = "*x" && $.c = "x*" && $.d = "*x*" && $.e = "**" }`},
		{"json/selectors", `{ $.['a.b'][0][*] = x && $.['plain'].*.c = y && $.[2] = z && $.[*] = w }`,
			`{ $.['a.b'][0][*] = "x" && $.plain.*.c = "y" && $.[2] = "z" && $.[*] = "w" }`},
		{"json/regex", `{ $.a = %Trail% }`, `{ $.a = %Trail% }`},
		{"delimited/conditions", `[ip,user,...,status_code=4*&&status_code!=403,bytes>1000]`, `[ip, user, ..., status_code = "4*" && status_code != 403, bytes > 1000]`},
		{"delimited/anonymous", `[..., request=*.html*, status_code=4*,]`, `[..., request = "*.html*", status_code = "4*", ]`},
		{"delimited/or-and", `[a, (b = 1 || b = 2) && b != 3]`, `[a, (b = 1 || b = 2) && b != 3]`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, tt.pattern)
			got := p.String()
			if got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			q, err := Parse(got)
			if err != nil {
				t.Fatalf("Parse(String()): %v", err)
			}
			if q.String() != got || q.Kind() != p.Kind() {
				t.Errorf("String() is not a fixed point: %q -> %q", got, q.String())
			}
		})
	}
}

func TestRegexSizeLimit(t *testing.T) {
	mustParse(t, `%a{1000}%`)
	mustParse(t, `%[a-z]{1,1000}%`)
	// Rejected before repetitions are expanded, so cheaply.
	for _, p := range []string{
		"%" + strings.Repeat("a{1,1000}", 110) + "%",
		"%" + strings.Repeat(".{1000}", 140) + "%",
	} {
		_, err := Parse(p)
		wantInvalid(t, err)
	}
}
