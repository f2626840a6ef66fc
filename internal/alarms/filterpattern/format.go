package filterpattern

import "strings"

// String returns the pattern in a canonical form that Parse reads back as an
// equivalent pattern: terms and values quoted where needed, operators spaced,
// && and || chains flattened, and parentheses only where precedence needs
// them. It is not the text the pattern was parsed from, and may be longer;
// services that echo a pattern back (DescribeMetricFilters) keep that text.
func (p *Pattern) String() string {
	var b strings.Builder
	switch p.kind {
	case KindTerms:
		writeTerms(&b, p.terms)
	case KindRegex:
		b.WriteString("%" + p.re.src + "%")
	case KindJSON:
		b.WriteString("{ ")
		p.expr.write(&b, false)
		b.WriteString(" }")
	case KindDelimited:
		writeSlots(&b, p.slots)
	}
	return b.String()
}
