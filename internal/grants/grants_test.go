package grants

import (
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/errs"
)

func TestPermits(t *testing.T) {
	g := func(c *Constraints, ops ...string) *Grant {
		return &Grant{ID: strings.Repeat("ab", 32), Operations: ops, Constraints: c}
	}
	eq := &Constraints{EncryptionContextEquals: map[string]string{"Dept": "IT"}}
	sub := &Constraints{EncryptionContextSubset: map[string]string{"dept": "IT"}}
	cases := []struct {
		name  string
		g     *Grant
		op    string
		ec    map[string]string
		allow bool
	}{
		{"ok/op-listed", g(nil, "Decrypt"), "Decrypt", nil, true},
		{"fail/op-not-listed", g(nil, "Encrypt"), "Decrypt", nil, false},
		{"ok/equals-exact", g(eq, "Decrypt"), "Decrypt", map[string]string{"Dept": "IT"}, true},
		{"ok/equals-key-case-insensitive", g(eq, "Decrypt"), "Decrypt", map[string]string{"dept": "IT"}, true},
		{"fail/equals-value-case-sensitive", g(eq, "Decrypt"), "Decrypt", map[string]string{"Dept": "it"}, false},
		{"fail/equals-extra-pair", g(eq, "Decrypt"), "Decrypt", map[string]string{"Dept": "IT", "x": "y"}, false},
		{"fail/equals-missing", g(eq, "Decrypt"), "Decrypt", nil, false},
		{"ok/subset-extra-pair", g(sub, "Encrypt"), "Encrypt", map[string]string{"Dept": "IT", "x": "y"}, true},
		{"fail/subset-missing", g(sub, "Encrypt"), "Encrypt", map[string]string{"x": "y"}, false},
		{"ok/constraints-ignored-for-describe", g(eq, "DescribeKey"), "DescribeKey", nil, true},
		{"ok/constraints-ignored-for-retire", g(eq, "RetireGrant", "Decrypt"), "RetireGrant", nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ok, reason := c.g.Permits(c.op, c.ec)
			if ok != c.allow {
				t.Fatalf("Permits = %v (%s), want %v", ok, reason, c.allow)
			}
			if !ok && reason == "" {
				t.Fatal("a refusal without a reason")
			}
		})
	}
}

func TestCheckOperations(t *testing.T) {
	eq := &Constraints{EncryptionContextEquals: map[string]string{"a": "b"}}
	both := &Constraints{EncryptionContextEquals: map[string]string{"a": "b"}, EncryptionContextSubset: map[string]string{"a": "b"}}
	for name, c := range map[string]struct {
		spec string
		ops  []string
		con  *Constraints
		ok   bool
	}{
		"ok/symmetric":                  {"SYMMETRIC_DEFAULT", []string{"Encrypt", "Decrypt", "RetireGrant"}, nil, true},
		"fail/sign-on-symmetric":        {"SYMMETRIC_DEFAULT", []string{"Sign"}, nil, false},
		"fail/empty":                    {"SYMMETRIC_DEFAULT", nil, nil, false},
		"ok/constraint-with-crypto":     {"SYMMETRIC_DEFAULT", []string{"Decrypt"}, eq, true},
		"fail/constraint-only-describe": {"SYMMETRIC_DEFAULT", []string{"DescribeKey"}, eq, false},
		"fail/both-constraints":         {"SYMMETRIC_DEFAULT", []string{"Decrypt"}, both, false},
	} {
		t.Run(name, func(t *testing.T) {
			err := CheckOperations(c.spec, c.ops, c.con)
			if (err == nil) != c.ok {
				t.Fatalf("err = %v", err)
			}
			if err != nil && errs.CodeOf(err) != errs.Validation {
				t.Fatalf("code %s", errs.CodeOf(err))
			}
		})
	}
}

func TestNarrowerThan(t *testing.T) {
	sub := &Constraints{EncryptionContextSubset: map[string]string{"a": "1"}}
	if !(&Constraints{EncryptionContextSubset: map[string]string{"a": "1", "b": "2"}}).NarrowerThan(sub) {
		t.Error("a larger subset is narrower")
	}
	if (&Constraints{EncryptionContextSubset: map[string]string{"b": "2"}}).NarrowerThan(sub) {
		t.Error("a disjoint subset is not narrower")
	}
	var none *Constraints
	if none.NarrowerThan(sub) {
		t.Error("no constraint is wider than any")
	}
	if !sub.NarrowerThan(nil) {
		t.Error("anything is narrower than no constraint")
	}
}

func TestTokens(t *testing.T) {
	id, err := NewID()
	if err != nil || len(id) != 64 {
		t.Fatal(id, err)
	}
	a, _ := NewToken(id)
	b, _ := NewToken(id)
	if a == b {
		t.Fatal("tokens repeat")
	}
	for _, tok := range []string{a, b} {
		got, err := ParseToken(tok)
		if err != nil || got != id {
			t.Fatalf("ParseToken: %s %v", got, err)
		}
	}
	for _, bad := range []string{"", "x", "KWGT1", "KWGT1!!!", a[:len(a)-2], "AQIDBA" + a} {
		if _, err := ParseToken(bad); errs.CodeOf(err) != errs.InvalidGrantToken {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func FuzzParseToken(f *testing.F) {
	id, _ := NewID()
	tok, _ := NewToken(id)
	f.Add(tok)
	f.Add("KWGT1")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseToken(s)
		if err == nil && len(id) != 64 {
			t.Fatalf("accepted %q naming %q", s, id)
		}
	})
}
