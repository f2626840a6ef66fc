package policy

import (
	"slices"
	"testing"
	"time"
)

var fuzzSeeds = []string{
	defaultKeyPolicy,
	consoleKeyPolicy,
	keyPolicyByARN,
	`{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*"}}`,
	`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":["111122223333","arn:aws:sts::111122223333:assumed-role/r/s"]},"NotAction":"kms:Describe*","NotResource":"arn:aws:kms:*:*:key/*","Condition":{"ForAllValues:StringLikeIfExists":{"kms:EncryptionContextKeys":["a*","${*}"]},"Null":{"aws:x":true},"NumericLessThan":{"aws:n":1e3},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"DateGreaterThan":{"aws:CurrentTime":"2020-01-01"}}}]}`,
	`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/\u0061\"b"},"Action":"a:b"}]}`,
	`{"Statement":[]}`,
	`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}`,
	`{"Statement":[{"Effect":"Allow","Effect":"Deny"}]}`,
	`[]`,
	`{"Statement":[{"Sid":"A","Effect":"Allow"},{"Sid":"A","Effect":"Allow"}]}`,
}

var fuzzCallers = []Caller{
	rootOf(acctA),
	userOf(acctA, "alice", "AIDAALICE00000000001"),
	sessionOf(acctA, "app", "s1", appRoleID),
	{Service: "ec2.amazonaws.com"},
	{},
}

// FuzzParse: Parse never panics; a parsed document keeps its text, validates
// the same way when parsed again, survives an identity Rewrite byte for
// byte, and a Rewrite that binds every principal to one ID yields a
// document whose principals are exactly that ID; evaluation never panics
// and is self-consistent.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		d, err := Parse(doc)
		if err != nil {
			if _, ok := ProblemOf(err); !ok {
				t.Fatalf("error without Problem: %v", err)
			}
			return
		}
		if d.Text() != doc {
			t.Fatal("Text() differs from the input")
		}
		d2, err := Parse(d.Text())
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		for _, k := range []Kind{Identity, KeyPolicy, Trust} {
			e1, e2 := d.Validate(k), d2.Validate(k)
			if (e1 == nil) != (e2 == nil) || (e1 != nil && e1.Error() != e2.Error()) {
				t.Fatalf("Validate(%s) differs after re-parse: %v vs %v", k, e1, e2)
			}
		}
		out, err := Rewrite(doc, func(r PrincipalRef) (string, bool) { return r.Value, true })
		if err != nil || out != doc {
			t.Fatalf("identity Rewrite changed the document: %v", err)
		}
		refs := d.Principals()
		for _, r := range refs {
			if r.Start < 0 || r.End > len(doc) || r.Start >= r.End || doc[r.Start] != '"' || doc[r.End-1] != '"' {
				t.Fatalf("bad span %+v", r)
			}
		}
		const id = "AROAFUZZ000000000001"
		bound, err := Rewrite(doc, func(PrincipalRef) (string, bool) { return id, true })
		if err != nil {
			t.Fatal(err)
		}
		db, err := Parse(bound)
		if err != nil {
			t.Fatalf("rewritten document does not parse: %v\n%s", err, bound)
		}
		got := db.Principals()
		if len(got) != len(refs) || slices.ContainsFunc(got, func(r PrincipalRef) bool { return r.Value != id }) {
			t.Fatalf("rewritten principals = %+v", got)
		}
		for _, c := range fuzzCallers {
			r := NewRequest("kms:Decrypt", keyARN, c, time.Unix(1767225600, 0))
			AddEncryptionContext(r.Context, map[string]string{"Dept": "IT"})
			res := d.Evaluate(r)
			checkInvariants(t, d, res)
			_ = Explain(res)
		}
	})
}

// FuzzEvaluate: for any document and request, evaluation is consistent,
// and appending a Deny statement that matches the request always yields
// Deny.
func FuzzEvaluate(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add(s, "kms:Decrypt", keyARN, "kms:EncryptionContext:Dept", "IT", uint8(i))
	}
	f.Add(`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, "s3:GetObject", "", "aws:username", "${aws:username}", uint8(2))
	deny := mustParse(f, `{"Statement":[{"Sid":"Injected","Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}`).Statements[0]
	f.Fuzz(func(t *testing.T, doc, action, resource, key, value string, who uint8) {
		d, err := Parse(doc)
		if err != nil {
			return
		}
		c := fuzzCallers[int(who)%len(fuzzCallers)]
		r := NewRequest(action, resource, c, time.Unix(1767225600, 0))
		if key != "" {
			r.Set(key, value)
		}
		res := d.Evaluate(r)
		checkInvariants(t, d, res)
		_ = ExplainWith(res, func(p string) string { return p + "?" })

		withDeny := &Document{Version: d.Version, Statements: append(slices.Clone(d.Statements), deny), text: d.text}
		res2 := withDeny.Evaluate(r)
		checkInvariants(t, withDeny, res2)
		if res2.Effect != Deny {
			t.Fatalf("matching Deny overridden: %s", Explain(res2))
		}
	})
}
