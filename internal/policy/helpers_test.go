package policy

import (
	"testing"
	"time"
)

const (
	acctA = "111122223333"
	acctB = "444455556666"
)

func mustParse(t testing.TB, doc string) *Document {
	t.Helper()
	d, err := Parse(doc)
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, doc)
	}
	return d
}

func rootOf(acct string) Caller {
	return Caller{Account: acct, ARN: "arn:aws:iam::" + acct + ":root", Root: true}
}

func userOf(acct, name, id string) Caller {
	return Caller{Account: acct, ARN: "arn:aws:iam::" + acct + ":user/" + name, IDs: []string{id}}
}

func sessionOf(acct, role, session, roleID string) Caller {
	return Caller{
		Account: acct,
		ARN:     "arn:aws:sts::" + acct + ":assumed-role/" + role + "/" + session,
		IDs:     []string{roleID},
		RoleARN: "arn:aws:iam::" + acct + ":role/" + role,
	}
}

// req builds a request with the caller's global keys and extra context.
func req(action, resource string, c Caller, kv ...string) *Request {
	r := NewRequest(action, resource, c, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	for i := 0; i+1 < len(kv); i += 2 {
		r.Context[kv[i]] = append(r.Context[kv[i]], kv[i+1])
	}
	return r
}

const keyARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
