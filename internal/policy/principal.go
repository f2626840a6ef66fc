package policy

import (
	"strings"
	"unicode/utf8"
)

// PrincipalRef locates one AWS principal value of a document: statement
// index, field, the decoded value and the exact span of its JSON string
// literal (quotes included) in Document.Text.
type PrincipalRef struct {
	Statement int
	// Field is "Principal" or "NotPrincipal".
	Field string
	// Value is the decoded string: "*", an account ID, an ARN or a unique ID.
	Value string
	// Start and End delimit the string literal, quotes included.
	Start, End int
}

// Principals lists every value under "AWS" in the Principal and NotPrincipal
// elements, in document order. Service, Federated and CanonicalUser
// principals are not listed: they are not IAM entities and are never bound to
// unique IDs.
//
// A storing service resolves each value: "*" and account principals (a bare
// account ID or arn:aws:iam::<account>:root) stay as written; user and role
// ARNs become unique IDs (AIDA…, AROA…) when the policy is stored, and unique
// IDs become ARNs again for display while the principal exists.
func (d *Document) Principals() []PrincipalRef {
	var out []PrincipalRef
	for i := range d.Statements {
		p := d.Statements[i].Principal
		if p == nil {
			continue
		}
		for j, v := range p.AWS {
			out = append(out, PrincipalRef{
				Statement: i, Field: p.Field(), Value: v,
				Start: p.awsSpans[j][0], End: p.awsSpans[j][1],
			})
		}
	}
	return out
}

// Rewrite returns doc with AWS principal values replaced: for each value
// Principals lists, repl returns the new value and true, or false to keep it.
// Only those string literals change; every other byte, formatting included,
// is kept, and a replacement equal to the current value keeps its original
// spelling. Condition values, resources and everything else are never
// touched, even when they equal a principal. The result is not re-validated:
// callers that store it should Parse it again.
func Rewrite(doc string, repl func(ref PrincipalRef) (string, bool)) (string, error) {
	d, err := Parse(doc)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	last := 0
	for _, ref := range d.Principals() {
		nv, ok := repl(ref)
		if !ok || nv == ref.Value {
			continue
		}
		if b.Len() == 0 {
			b.Grow(len(doc) + 64)
		}
		b.WriteString(doc[last:ref.Start])
		b.Write(appendJSONString(nil, nv))
		last = ref.End
	}
	if last == 0 {
		return doc, nil
	}
	b.WriteString(doc[last:])
	return b.String(), nil
}

// appendJSONString appends s as a JSON string literal. It escapes only what
// JSON requires (quote, backslash, control characters) and replaces invalid
// UTF-8 with U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, "\ufffd"...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}

// Principal value forms.

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isUniqueID reports whether s looks like an IAM unique ID (AIDA…, AROA…):
// an upper-case letter followed by upper-case letters and digits, 16 to 128
// characters, as IAM's idType allows.
func isUniqueID(s string) bool {
	if len(s) < 16 || len(s) > 128 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// arnParts splits an ARN into partition, service, region, account and
// resource; ok is false when s is not arn:<5 more colon-separated parts>.
func arnParts(s string) (partition, service, region, account, resource string, ok bool) {
	rest, found := strings.CutPrefix(s, "arn:")
	if !found {
		return
	}
	var f [4]string
	for i := range f {
		var cut bool
		f[i], rest, cut = strings.Cut(rest, ":")
		if !cut {
			return
		}
	}
	return f[0], f[1], f[2], f[3], rest, true
}

// accountOfRoot returns the account of arn:<partition>:iam::<account>:root.
func accountOfRoot(s string) (string, bool) {
	p, svc, region, acct, res, ok := arnParts(s)
	if !ok || !strings.HasPrefix(p, "aws") || svc != "iam" || region != "" || res != "root" || !isAccountID(acct) {
		return "", false
	}
	return acct, true
}

// isSessionARN reports whether s is arn:<partition>:sts::<account>:assumed-role/<role>/<session>.
func isSessionARN(s string) bool {
	_, svc, _, _, res, ok := arnParts(s)
	return ok && svc == "sts" && strings.HasPrefix(res, "assumed-role/")
}

func validName(s string) bool {
	return s != "" && !strings.ContainsAny(s, " \t\r\n*?")
}

func validAWSPrincipal(v string) bool {
	if v == "*" || isAccountID(v) || isUniqueID(v) {
		return true
	}
	p, svc, region, acct, res, ok := arnParts(v)
	if !ok || !strings.HasPrefix(p, "aws") || region != "" || !isAccountID(acct) {
		return false
	}
	switch svc {
	case "iam":
		if res == "root" {
			return true
		}
		kind, path, _ := strings.Cut(res, "/")
		if kind != "user" && kind != "role" {
			return false
		}
		// A path may precede the name: role/service-role/app.
		name := path[strings.LastIndexByte(path, '/')+1:]
		return validName(path) && validName(name)
	case "sts":
		kind, rest, _ := strings.Cut(res, "/")
		switch kind {
		case "assumed-role":
			role, session, found := strings.Cut(rest, "/")
			return found && validName(role) && validName(session) && !strings.Contains(session, "/")
		case "federated-user":
			return validName(rest) && !strings.Contains(rest, "/")
		}
	}
	return false
}

func validPrincipalValue(typ, v string) bool {
	switch typ {
	case "AWS":
		return validAWSPrincipal(v)
	case "Service", "Federated", "CanonicalUser":
		return v != "" && !strings.ContainsAny(v, " \t\r\n")
	}
	return false
}
