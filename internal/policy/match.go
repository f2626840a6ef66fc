package policy

import (
	"strings"
	"unicode/utf8"
)

// Wildcard matching. Patterns use * (any run of characters, including none)
// and ? (exactly one character). A backslash in a compiled pattern makes the
// next byte literal: policy text has no escape syntax, so compiled patterns
// escape the policy's own backslashes (globLiteral) and everything a policy
// variable or ${*}, ${?}, ${$} substitutes (globQuote).

// globLiteral turns policy text into a pattern whose * and ? are wildcards.
func globLiteral(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	return strings.ReplaceAll(s, `\`, `\\`)
}

// globQuote turns s into a pattern that matches exactly s.
func globQuote(s string) string {
	if !strings.ContainsAny(s, `\*?`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\', '*', '?':
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// glob reports whether s matches the compiled pattern p. It runs in
// O(len(p)·len(s)) at worst, with no recursion and no allocation.
func glob(p, s string) bool {
	px, sx := 0, 0
	starPx, starSx := -1, -1
	for px < len(p) || sx < len(s) {
		if px < len(p) {
			switch c := p[px]; c {
			case '*':
				starPx, starSx = px, sx
				px++
				continue
			case '?':
				if sx < len(s) {
					_, w := utf8.DecodeRuneInString(s[sx:])
					px++
					sx += w
					continue
				}
			default:
				lit := c
				n := 1
				if c == '\\' && px+1 < len(p) {
					lit, n = p[px+1], 2
				}
				if sx < len(s) && s[sx] == lit {
					px += n
					sx++
					continue
				}
			}
		}
		if starPx >= 0 && starSx < len(s) {
			// Let the last star swallow one more character and retry.
			_, w := utf8.DecodeRuneInString(s[starSx:])
			starSx += w
			px, sx = starPx+1, starSx
			continue
		}
		return false
	}
	return true
}

// arnGlob matches an ARN against a compiled ARN pattern. As AWS documents for
// the ARN condition operators and the Resource element, each of the six
// colon-separated parts is matched separately, so a wildcard never spans a
// colon outside the resource part. A pattern with fewer than six parts (for
// example "arn:aws:s3:::*" has six, "arn:aws:kms:*" three) is matched as a
// whole string instead.
func arnGlob(p, s string) bool {
	if strings.Count(p, ":") < 5 {
		return glob(p, s)
	}
	for range 5 {
		var pp, sp string
		var ok bool
		pp, p, _ = strings.Cut(p, ":")
		if sp, s, ok = strings.Cut(s, ":"); !ok {
			return false
		}
		if !glob(pp, sp) {
			return false
		}
	}
	return glob(p, s)
}

// matchAction matches a lower-cased request action against a statement's
// lower-cased patterns: action names are case-insensitive.
func matchAction(patterns []string, action string) bool {
	for _, p := range patterns {
		if p == "*" || glob(p, action) {
			return true
		}
	}
	return false
}
