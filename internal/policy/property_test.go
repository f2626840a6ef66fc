package policy

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// A seeded generator of documents and requests over a small universe, so
// that random statements often match random requests.

var (
	genRoleARN = "arn:aws:iam::111122223333:role/app"
	genRoleID  = "AROAAPPROLE000000001"
	genUserARN = "arn:aws:iam::111122223333:user/alice"
	genUserID  = "AIDAALICE00000000001"
	genSession = "arn:aws:sts::111122223333:assumed-role/app/s1"
	genCallers = []Caller{
		rootOf(acctA), rootOf(acctB),
		{Account: acctA, ARN: genUserARN, IDs: []string{genUserID}},
		{Account: acctA, ARN: genSession, IDs: []string{genRoleID}, RoleARN: genRoleARN},
		{Account: acctA, ARN: "arn:aws:sts::111122223333:assumed-role/app/s2", IDs: []string{"AROANEWAPPROLE000001"}, RoleARN: genRoleARN},
		userOf(acctB, "carol", "AIDACAROL00000000001"),
		{Service: "ec2.amazonaws.com"},
	}
	genPrincipals = []string{"*", acctA, acctB, "arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root",
		genRoleARN, genRoleID, genUserARN, genUserID, genSession, "AROANEWAPPROLE000001", "AIDACAROL00000000001"}
	genActions   = []string{"kms:Decrypt", "kms:Encrypt", "kms:DescribeKey", "kms:CreateGrant", "s3:GetObject"}
	genActionPat = []string{"*", "kms:*", "kms:Decrypt", "kms:Encrypt", "kms:Describe*", "kms:?ecrypt", "s3:*", "KMS:DECRYPT"}
	genResources = []string{keyARN, "arn:aws:kms:us-west-2:111122223333:key/other", "arn:aws:s3:::b/k", ""}
	genResPat    = []string{"*", keyARN, "arn:aws:kms:*:111122223333:key/*", "arn:aws:s3:::b/*", "arn:aws:kms:us-east-1:*:*"}
	genKeys      = []string{"kms:ViaService", "kms:EncryptionContext:Dept", "aws:SourceIp", "aws:SecureTransport", "kms:GrantOperations", "aws:x"}
	genValues    = map[string][]string{
		"kms:ViaService":             {"ec2.us-east-1.amazonaws.com", "s3.us-east-1.amazonaws.com"},
		"kms:EncryptionContext:Dept": {"IT", "HR", "it"},
		"aws:SourceIp":               {"192.0.2.7", "203.0.113.9", "10.1.2.3"},
		"aws:SecureTransport":        {"true", "false"},
		"kms:GrantOperations":        {"Encrypt", "Decrypt", "CreateGrant"},
		"aws:x":                      {"1", "5", "10"},
	}
	genOps = []string{"StringEquals", "StringNotEquals", "StringLike", "StringEqualsIgnoreCase", "StringNotLikeIfExists",
		"ForAnyValue:StringEquals", "ForAllValues:StringEquals", "ForAllValues:StringNotEquals", "Null", "BoolIfExists",
		"IpAddress", "NotIpAddress", "NumericLessThan", "NumericGreaterThanEqualsIfExists", "ArnLike", "DateGreaterThan"}
)

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

func some[T any](r *rand.Rand, s []T) []T {
	n := 1 + r.IntN(3)
	out := make([]T, n)
	for i := range out {
		out[i] = pick(r, s)
	}
	return out
}

func genCondition(r *rand.Rand) map[string]any {
	op := pick(r, genOps)
	key := pick(r, genKeys)
	var vals []string
	switch {
	case op == "Null" || strings.HasPrefix(op, "Bool"):
		vals = []string{pick(r, []string{"true", "false"})}
	case strings.Contains(op, "Ip"):
		vals = some(r, []string{"192.0.2.0/24", "10.0.0.0/8", "203.0.113.9"})
	case strings.HasPrefix(op, "Numeric"):
		vals = some(r, []string{"1", "5", "7.5"})
	case strings.HasPrefix(op, "Date"):
		key = "aws:CurrentTime"
		vals = some(r, []string{"2026-01-01T00:00:00Z", "2027-01-01", "1767225600"})
	case strings.HasPrefix(op, "Arn"):
		key = "aws:PrincipalArn"
		vals = some(r, []string{"arn:aws:iam::111122223333:*", "arn:aws:iam::*:role/app", "arn:aws:iam::444455556666:root"})
	default:
		vals = some(r, append(slices.Clone(genValues[key]), "${aws:username}", "*T*"))
	}
	return map[string]any{op: map[string]any{key: vals}}
}

func genStatement(r *rand.Rand, i int) map[string]any {
	s := map[string]any{"Effect": pick(r, []string{"Allow", "Allow", "Deny"})}
	if r.IntN(3) == 0 {
		s["Sid"] = fmt.Sprintf("S%d", i)
	}
	switch r.IntN(6) {
	case 0: // identity-style: no principal
	case 1:
		s["Principal"] = "*"
	case 2:
		s["NotPrincipal"] = map[string]any{"AWS": some(r, genPrincipals)}
	case 3:
		s["Principal"] = map[string]any{"Service": "ec2.amazonaws.com", "AWS": some(r, genPrincipals)}
	default:
		s["Principal"] = map[string]any{"AWS": some(r, genPrincipals)}
	}
	name := "Action"
	if r.IntN(6) == 0 {
		name = "NotAction"
	}
	s[name] = some(r, genActionPat)
	switch r.IntN(6) {
	case 0: // no resource
	case 1:
		s["NotResource"] = some(r, genResPat)
	default:
		s["Resource"] = some(r, genResPat)
	}
	if r.IntN(2) == 0 {
		cond := map[string]any{}
		for range 1 + r.IntN(2) {
			for k, v := range genCondition(r) {
				cond[k] = v
			}
		}
		s["Condition"] = cond
	}
	return s
}

func render(r *rand.Rand, doc map[string]any) string {
	var b []byte
	var err error
	if r.IntN(2) == 0 {
		b, err = json.MarshalIndent(doc, "", strings.Repeat(" ", r.IntN(4)))
	} else {
		b, err = json.Marshal(doc)
	}
	if err != nil {
		panic(err)
	}
	return string(b)
}

func genDoc(r *rand.Rand) (map[string]any, []any) {
	n := r.IntN(5)
	stmts := make([]any, n)
	for i := range stmts {
		stmts[i] = genStatement(r, i)
	}
	doc := map[string]any{"Statement": stmts}
	if r.IntN(5) != 0 {
		doc["Version"] = "2012-10-17"
	}
	return doc, stmts
}

func genRequest(r *rand.Rand) *Request {
	c := pick(r, genCallers)
	req := NewRequest(pick(r, genActions), pick(r, genResources), c, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	for _, k := range genKeys {
		if r.IntN(2) == 0 {
			req.Context[k] = some(r, genValues[k])
		}
	}
	return req
}

// matchingDeny builds a Deny statement that applies to req.
func matchingDeny(r *rand.Rand, req *Request) map[string]any {
	s := map[string]any{"Effect": "Deny", "Sid": "InjectedDeny"}
	c := req.Caller
	switch r.IntN(4) {
	case 0:
	case 1:
		s["Principal"] = "*"
	case 2:
		if c.Account != "" {
			s["Principal"] = map[string]any{"AWS": c.Account}
		} else {
			s["Principal"] = map[string]any{"Service": c.Service}
		}
	default:
		s["Principal"] = map[string]any{"AWS": "*"}
	}
	s["Action"] = pick(r, []string{"*", req.Action, strings.ToUpper(req.Action), strings.SplitN(req.Action, ":", 2)[0] + ":*"})
	switch {
	case req.Resource == "" && r.IntN(2) == 0:
	case req.Resource == "" || r.IntN(2) == 0:
		s["Resource"] = "*"
	default:
		s["Resource"] = req.Resource
	}
	// A condition that holds: equality with a present key, or Null on an
	// absent one.
	for _, k := range genKeys {
		if v := req.Context[k]; len(v) > 0 && r.IntN(2) == 0 {
			s["Condition"] = map[string]any{"ForAnyValue:StringEquals": map[string]any{k: v}}
			break
		}
		if len(req.Context[k]) == 0 && r.IntN(3) == 0 {
			s["Condition"] = map[string]any{"Null": map[string]any{k: "true"}}
			break
		}
	}
	return s
}

func checkInvariants(t *testing.T, d *Document, res Result) {
	t.Helper()
	if len(res.Matched)+len(res.Skipped) != len(d.Statements) {
		t.Fatalf("%d matched + %d skipped != %d statements", len(res.Matched), len(res.Skipped), len(d.Statements))
	}
	deny, allow, direct := false, false, false
	for _, m := range res.Matched {
		switch {
		case m.Effect == Deny:
			deny = true
		default:
			allow = true
			direct = direct || m.By != MatchAccount
		}
	}
	want := NotApplicable
	switch {
	case deny:
		want = Deny
	case allow:
		want = Allow
	}
	if res.Effect != want || res.Delegated != (want == Allow && !direct) {
		t.Fatalf("Effect %s delegated %v inconsistent with matches %+v", res.Effect, res.Delegated, res.Matched)
	}
}

func TestPropertyExplicitDenyWins(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for iter := range 3000 {
		doc, stmts := genDoc(r)
		text := render(r, doc)
		d, err := Parse(text)
		if err != nil {
			t.Fatalf("iteration %d: generated document rejected: %v\n%s", iter, err, text)
		}
		req := genRequest(r)
		before := d.Evaluate(req)
		checkInvariants(t, d, before)

		pos := r.IntN(len(stmts) + 1)
		withDeny := slices.Insert(slices.Clone(stmts), pos, any(matchingDeny(r, req)))
		doc["Statement"] = withDeny
		text2 := render(r, doc)
		d2, err := Parse(text2)
		if err != nil {
			t.Fatalf("iteration %d: %v\n%s", iter, err, text2)
		}
		after := d2.Evaluate(req)
		checkInvariants(t, d2, after)
		if after.Effect != Deny {
			t.Fatalf("iteration %d: a matching Deny was overridden: %s\n%s\nrequest %+v", iter, Explain(after), text2, req)
		}
		// The other statements decide exactly as before.
		if len(after.Matched) != len(before.Matched)+1 {
			t.Fatalf("iteration %d: adding a statement changed other statements:\nbefore %s\nafter %s", iter, Explain(before), Explain(after))
		}
	}
}

func TestPropertyNoStatementsNotApplicable(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 500 {
		doc, _ := genDoc(r)
		doc["Statement"] = []any{}
		d := mustParse(t, render(r, doc))
		res := d.Evaluate(genRequest(r))
		if res.Effect != NotApplicable || res.Delegated || len(res.Matched) != 0 || len(res.Skipped) != 0 {
			t.Fatalf("empty document: %+v", res)
		}
	}
}

func TestPropertyRewriteIdentity(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for iter := range 1000 {
		doc, _ := genDoc(r)
		text := render(r, doc)
		for _, repl := range []func(PrincipalRef) (string, bool){
			func(PrincipalRef) (string, bool) { return "", false },
			func(ref PrincipalRef) (string, bool) { return ref.Value, true },
		} {
			out, err := Rewrite(text, repl)
			if err != nil || out != text {
				t.Fatalf("iteration %d: identity Rewrite changed the document (%v):\n%s\n%s", iter, err, text, out)
			}
		}
	}
}

// Binding principals to unique IDs, as the storing service does, changes
// no decision for callers that carry those IDs — and the re-created role
// (same ARN, new ID) loses what only its ARN gave it.
func TestPropertyRewriteToIDsPreservesDecisions(t *testing.T) {
	ids := map[string]string{genRoleARN: genRoleID, genUserARN: genUserID}
	r := rand.New(rand.NewPCG(7, 8))
	for iter := range 2000 {
		doc, _ := genDoc(r)
		text := render(r, doc)
		bound, err := Rewrite(text, func(ref PrincipalRef) (string, bool) {
			id, ok := ids[ref.Value]
			return id, ok
		})
		if err != nil {
			t.Fatal(err)
		}
		d1, d2 := mustParse(t, text), mustParse(t, bound)
		for _, c := range genCallers[:4] { // callers whose IDs are the current ones
			req := genRequest(r)
			req.Caller = c
			req.Context = ContextFor(c)
			a, b := d1.Evaluate(req), d2.Evaluate(req)
			if a.Effect != b.Effect || a.Delegated != b.Delegated {
				t.Fatalf("iteration %d: binding to IDs changed the decision for %s: %s vs %s\n%s\n%s", iter, c.ARN, a.Effect, b.Effect, text, bound)
			}
		}
	}
}
