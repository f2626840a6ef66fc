package policy

import (
	"strings"
	"testing"
)

func TestExplain(t *testing.T) {
	d := mustParse(t, consoleKeyPolicy)
	recreated := sessionOf(acctA, "app", "lambda-1", "AROANEWAPPROLE000001")
	res := d.Evaluate(req("kms:CreateGrant", keyARN, recreated))
	names := map[string]string{
		appRoleID:   appRoleID + " (role app, deleted)",
		keyUserID:   "arn:aws:iam::111122223333:user/keyuser",
		adminRoleID: "arn:aws:iam::111122223333:role/KeyAdmins",
	}
	out := ExplainWith(res, func(p string) string { return names[p] })
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 1+len(d.Statements) {
		t.Fatalf("%d lines:\n%s", len(lines), out)
	}
	for _, want := range []string{
		"Allow (delegated: the account's IAM policies must also allow): kms:CreateGrant on " + keyARN + " by arn:aws:sts::111122223333:assumed-role/app/lambda-1",
		`statement 0 "Enable IAM User Permissions" (Allow): applies: principal arn:aws:iam::111122223333:root names the caller's account`,
		`statement 1 "Allow access for Key Administrators" (Allow): skipped: Principal [arn:aws:iam::111122223333:role/KeyAdmins] does not name the caller`,
		`statement 2 "Allow use of the key" (Allow): skipped: Principal [arn:aws:iam::111122223333:user/keyuser, AROAAPPROLE000000001 (role app, deleted), arn:aws:iam::444455556666:root] does not name the caller`,
		`statement 3 "Allow attachment of persistent resources" (Allow): skipped: Principal [`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explanation lacks %q:\n%s", want, out)
		}
	}

	// Conditions name the operator, key, policy values and request values.
	d = mustParse(t, `{"Version":"2012-10-17","Statement":[
	  {"Sid":"Ctx","Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:Dept":"IT"}}},
	  {"Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},
	  {"Effect":"Allow","Principal":"*","NotAction":"kms:*","Resource":"*"},
	  {"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"arn:aws:kms:*:*:key/${aws:username}"},
	  {"Effect":"Deny","NotPrincipal":"*","Action":"kms:Decrypt","Resource":"*"}]}`)
	r := req("kms:Decrypt", keyARN, sessionOf(acctA, "app", "s", appRoleID), "kms:EncryptionContext:dept", "HR")
	out = Explain(d.Evaluate(r))
	for _, want := range []string{
		`NotApplicable: kms:Decrypt on`,
		`statement 0 "Ctx" (Allow): skipped: condition StringEquals kms:EncryptionContext:Dept ["IT"] not met: request has ["HR"]`,
		`statement 1 (Deny): skipped: condition Bool aws:SecureTransport ["false"] not met: the key is absent`,
		`statement 2 (Allow): skipped: NotAction [kms:*] excludes the action`,
		`statement 3 (Allow): skipped: policy variable ${aws:username} has no single value in the request`,
		`statement 4 (Deny): skipped: NotPrincipal [*] excludes the caller`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explanation lacks %q:\n%s", want, out)
		}
	}
}
