package policy

import (
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/errs"
)

const keyPolicyByARN = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Enable IAM User Permissions",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
      "Action": "kms:*",
      "Resource": "*"
    },
    {
      "Sid": "Allow use of the key",
      "Effect": "Allow",
      "Principal": {
        "AWS": [ "arn:aws:iam::111122223333:role/app",
                 "arn:aws:iam::111122223333:user/alice" ],
        "Service": "ec2.amazonaws.com"
      },
      "Action": ["kms:Decrypt"],
      "Resource": "arn:aws:iam::111122223333:role/app",
      "Condition": {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/app"}}
    },
    {
      "Effect": "Deny",
      "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/app"},
      "Action": "kms:ScheduleKeyDeletion",
      "Resource": "*"
    }
  ]
}`

func TestPrincipals(t *testing.T) {
	d := mustParse(t, keyPolicyByARN)
	refs := d.Principals()
	want := []struct {
		stmt  int
		field string
		value string
	}{
		{0, "Principal", "arn:aws:iam::111122223333:root"},
		{1, "Principal", "arn:aws:iam::111122223333:role/app"},
		{1, "Principal", "arn:aws:iam::111122223333:user/alice"},
		{2, "NotPrincipal", "arn:aws:iam::111122223333:role/app"},
	}
	if len(refs) != len(want) {
		t.Fatalf("Principals = %+v", refs)
	}
	for i, w := range want {
		r := refs[i]
		if r.Statement != w.stmt || r.Field != w.field || r.Value != w.value {
			t.Errorf("ref %d = %+v, want %+v", i, r, w)
		}
		if got := keyPolicyByARN[r.Start:r.End]; got != quote(w.value) {
			t.Errorf("ref %d span = %q, want %q", i, got, quote(w.value))
		}
	}
	if refs := mustParse(t, `{"Statement":{"Effect":"Allow","Principal":"*","Action":"a:b"}}`).Principals(); len(refs) != 0 {
		t.Errorf("bare * listed: %+v", refs)
	}
}

// toIDs is what the storing service does: ARNs of users and roles become
// their unique IDs; accounts and * stay.
func toIDs(ids map[string]string) func(PrincipalRef) (string, bool) {
	return func(r PrincipalRef) (string, bool) {
		id, ok := ids[r.Value]
		return id, ok
	}
}

func TestRewrite(t *testing.T) {
	ids := map[string]string{
		"arn:aws:iam::111122223333:role/app":   "AROAAPPROLE000000001",
		"arn:aws:iam::111122223333:user/alice": "AIDAALICE00000000001",
	}
	out, err := Rewrite(keyPolicyByARN, toIDs(ids))
	if err != nil {
		t.Fatal(err)
	}
	// Exactly the three principal strings changed; the Resource and the
	// condition value that equal the role ARN did not, nor did formatting.
	want := strings.Replace(keyPolicyByARN, `"AWS": [ "arn:aws:iam::111122223333:role/app",`, `"AWS": [ "AROAAPPROLE000000001",`, 1)
	want = strings.Replace(want, `"arn:aws:iam::111122223333:user/alice" ]`, `"AIDAALICE00000000001" ]`, 1)
	want = strings.Replace(want, `"NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/app"}`, `"NotPrincipal": {"AWS": "AROAAPPROLE000000001"}`, 1)
	if out != want {
		t.Fatalf("Rewrite:\n%s\nwant:\n%s", out, want)
	}
	if strings.Count(out, "arn:aws:iam::111122223333:role/app") != 2 {
		t.Errorf("resource or condition value touched:\n%s", out)
	}

	// And back for display: IDs that resolve become ARNs; a deleted
	// principal's ID stays as it is.
	back, err := Rewrite(out, func(r PrincipalRef) (string, bool) {
		if r.Value == "AROAAPPROLE000000001" {
			return "arn:aws:iam::111122223333:role/app", true
		}
		return "", false
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(back, `"AIDAALICE00000000001"`) || strings.Contains(back, "AROAAPPROLE000000001") {
		t.Errorf("display rewrite:\n%s", back)
	}

	// The rewritten document evaluates with unique-ID semantics: a session
	// of the role matches, a re-created role (new ID, same ARN) does not.
	d := mustParse(t, out)
	app := sessionOf(acctA, "app", "s", "AROAAPPROLE000000001")
	if res := d.Evaluate(req("kms:Decrypt", "arn:aws:iam::111122223333:role/app", app, KeyPrincipalArn, "arn:aws:iam::111122223333:role/app")); res.Effect != Allow || res.Delegated {
		t.Errorf("role session: %s", Explain(res))
	}
	recreated := sessionOf(acctA, "app", "s", "AROANEWROLE000000001")
	res := d.Evaluate(req("kms:Decrypt", "arn:aws:iam::111122223333:role/app", recreated, KeyPrincipalArn, "arn:aws:iam::111122223333:role/app"))
	if !res.Delegated {
		t.Errorf("re-created role matched directly: %s", Explain(res))
	}
	if sk := res.Skipped[0]; sk.Statement != 1 || sk.Reason != SkipPrincipal || sk.Principals[0] != "AROAAPPROLE000000001" {
		t.Errorf("skip = %+v", sk)
	}
}

func TestRewriteDetails(t *testing.T) {
	t.Run("ok/identity-keeps-escapes", func(t *testing.T) {
		doc := `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/\u0061lice"},"Action":"a:b"}]}`
		out, err := Rewrite(doc, func(r PrincipalRef) (string, bool) { return r.Value, true })
		if err != nil || out != doc {
			t.Fatalf("identity Rewrite = %q, %v", out, err)
		}
	})
	t.Run("ok/replacement-is-escaped", func(t *testing.T) {
		doc := `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"a:b"}]}`
		out, err := Rewrite(doc, func(PrincipalRef) (string, bool) { return "a\"b\\c\n\x01é\xff", true })
		if err != nil {
			t.Fatal(err)
		}
		if want := `"AWS":"a\"b\\c\n\u0001é` + "\ufffd" + `"`; !strings.Contains(out, want) {
			t.Errorf("Rewrite = %s, want it to contain %s", out, want)
		}
	})
	t.Run("ok/single-statement-object", func(t *testing.T) {
		doc := "{\"Statement\" :\n {\"Effect\":\"Allow\",\"Principal\":{\"AWS\" : [\"111122223333\" ,\t\"arn:aws:iam::111122223333:role/r\"]},\"Action\":\"a:b\"}}"
		out, err := Rewrite(doc, func(r PrincipalRef) (string, bool) { return "AROAROLE000000000001", strings.Contains(r.Value, "role/") })
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.Replace(doc, "arn:aws:iam::111122223333:role/r", "AROAROLE000000000001", 1); out != want {
			t.Errorf("Rewrite = %q, want %q", out, want)
		}
	})
	t.Run("fail/malformed", func(t *testing.T) {
		if _, err := Rewrite(`{"Statement":`, func(PrincipalRef) (string, bool) { return "", false }); !errs.Is(err, errs.MalformedPolicy) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestValidAWSPrincipal(t *testing.T) {
	for _, v := range []string{"*", "111122223333", "AIDACKCEVSQ6C2EXAMPLE", "AROADBQP57FF2AEXAMPLE",
		"arn:aws:iam::111122223333:root", "arn:aws:iam::111122223333:user/a/b/c", "arn:aws:iam::111122223333:role/r",
		"arn:aws-cn:iam::111122223333:role/r", "arn:aws:sts::111122223333:assumed-role/r/s", "arn:aws:sts::111122223333:federated-user/f"} {
		if !validAWSPrincipal(v) {
			t.Errorf("%q rejected", v)
		}
	}
	for _, v := range []string{"", "**", "1111222233334", "aroadbqp57ff2aexample", "AROA", "arn:aws:iam::111122223333:group/g",
		"arn:aws:iam::111122223333:role/", "arn:aws:iam::111122223333:role/r*", "arn:aws:iam:us-east-1:111122223333:role/r",
		"arn:aws:iam::x:root", "arn:aws:sts::111122223333:assumed-role/r", "arn:aws:sts::111122223333:assumed-role/r/s/t",
		"arn:aws:s3:::bucket", "arn:aws:iam::111122223333:user/a b", "arn:other:iam::111122223333:root"} {
		if validAWSPrincipal(v) {
			t.Errorf("%q accepted", v)
		}
	}
}
