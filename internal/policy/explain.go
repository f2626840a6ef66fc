package policy

import (
	"strconv"
	"strings"
)

// Explain renders r for an operator: a summary line, then one line per
// statement in document order saying whether it applied and, if not, why.
// Principal values are shown as stored; use ExplainWith to name them.
func Explain(r Result) string { return ExplainWith(r, nil) }

// ExplainWith is Explain with principal values rendered by name, which the
// caller supplies from its identity store, e.g. "AROA… (role app, deleted
// 2026-03-01)" or "arn:aws:iam::111122223333:role/app". A nil name, or one
// returning "", shows the stored value.
func ExplainWith(r Result, name func(principal string) string) string {
	show := func(v string) string {
		if name != nil {
			if s := name(v); s != "" {
				return s
			}
		}
		return v
	}
	var b strings.Builder
	b.WriteString(string(r.Effect))
	if r.Delegated {
		b.WriteString(" (delegated: the account's IAM policies must also allow)")
	}
	if r.Action != "" {
		b.WriteString(": " + r.Action)
	}
	if r.Resource != "" {
		b.WriteString(" on " + r.Resource)
	}
	if r.CallerARN != "" {
		b.WriteString(" by " + r.CallerARN)
	}
	b.WriteByte('\n')

	mi, si := 0, 0
	for mi < len(r.Matched) || si < len(r.Skipped) {
		if si >= len(r.Skipped) || (mi < len(r.Matched) && r.Matched[mi].Statement < r.Skipped[si].Statement) {
			m := r.Matched[mi]
			mi++
			writeHead(&b, m.Statement, m.Sid, m.Effect)
			b.WriteString("applies: ")
			b.WriteString(describeMatch(m, show))
		} else {
			s := r.Skipped[si]
			si++
			writeHead(&b, s.Statement, s.Sid, s.Effect)
			b.WriteString("skipped: ")
			b.WriteString(describeSkip(s, show))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func writeHead(b *strings.Builder, i int, sid string, e Effect) {
	b.WriteString("  statement ")
	b.WriteString(strconv.Itoa(i))
	if sid != "" {
		b.WriteString(" " + quote(sid))
	}
	b.WriteString(" (" + string(e) + "): ")
}

func describeMatch(m Match, show func(string) string) string {
	switch m.By {
	case MatchIdentity:
		return "identity policy statement"
	case MatchWildcard:
		return "principal * names everyone"
	case MatchAccount:
		return "principal " + show(m.Principal) + " names the caller's account (delegation to its IAM policies)"
	case MatchAccountRoot:
		return "principal " + show(m.Principal) + " names the caller, the account root"
	case MatchUniqueID, MatchARN:
		return "principal " + show(m.Principal) + " names the caller"
	case MatchRoleSession:
		return "principal " + show(m.Principal) + " names the caller's role"
	case MatchService:
		return "service principal " + m.Principal + " names the caller"
	case MatchNotPrincipal:
		return "NotPrincipal does not exclude the caller"
	}
	return string(m.By)
}

func describeSkip(s Skip, show func(string) string) string {
	list := func(vals []string, f func(string) string) string {
		out := make([]string, len(vals))
		for i, v := range vals {
			if f != nil {
				v = f(v)
			}
			out[i] = v
		}
		return "[" + strings.Join(out, ", ") + "]"
	}
	quoted := func(vals []string) string {
		out := make([]string, len(vals))
		for i, v := range vals {
			out[i] = quote(v)
		}
		return "[" + strings.Join(out, ", ") + "]"
	}
	switch s.Reason {
	case SkipPrincipal:
		return "Principal " + list(s.Principals, show) + " does not name the caller"
	case SkipNotPrincipal:
		return "NotPrincipal " + list(s.Principals, show) + " excludes the caller"
	case SkipAction:
		switch {
		case s.Values == nil:
			return "no Action element"
		case s.Not:
			return "NotAction " + list(s.Values, nil) + " excludes the action"
		}
		return "Action " + list(s.Values, nil) + " does not include the action"
	case SkipResource:
		switch {
		case s.Values == nil:
			return "no Resource element"
		case s.Not:
			return "NotResource " + list(s.Values, nil) + " excludes the resource"
		}
		return "Resource " + list(s.Values, nil) + " does not include the resource"
	case SkipVariable:
		return "policy variable " + s.Variable + " has no single value in the request"
	case SkipCondition:
		c := s.Condition
		if c == nil {
			return "condition not met"
		}
		got := "the key is absent"
		if c.Request != nil {
			got = "request has " + quoted(c.Request)
		}
		return "condition " + c.Operator + " " + c.Key + " " + quoted(c.Policy) + " not met: " + got
	}
	return string(s.Reason)
}
