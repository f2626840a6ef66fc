package authz

import (
	"context"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/grants"
)

const (
	acct     = "111122223333"
	other    = "444455556666"
	keyARN   = "arn:aws:kms:us-east-1:" + acct + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"
	roleID   = "AROAEXAMPLEROLEID0001"
	newRole  = "AROAEXAMPLEROLEID0002"
	userID   = "AIDAEXAMPLEUSERID0001"
	grantID  = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	defaultP = `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"kms:*","Resource":"*"}]}`
)

func user(policies ...string) *Caller {
	return &Caller{Type: IAMUser, Account: acct, ARN: "arn:aws:iam::" + acct + ":user/alice", UserID: userID, PrincipalID: userID, UserName: "alice", IdentityPolicies: policies}
}

func session(id string, policies []string, sessionPolicies []string) *Caller {
	return &Caller{Type: AssumedRole, Account: acct, ARN: "arn:aws:sts::" + acct + ":assumed-role/app/s1", UserID: id + ":s1",
		PrincipalID: id, RoleName: "app", RoleARN: "arn:aws:iam::" + acct + ":role/app", SessionName: "s1",
		IdentityPolicies: policies, SessionPolicies: sessionPolicies}
}

func allow(actions string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":` + actions + `,"Resource":"*"}]}`
}

func TestEvaluatorKMS(t *testing.T) {
	decryptOnly := allow(`"kms:Decrypt"`)
	denyAll := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:*","Resource":"*"}]}`
	keyPolicyNaming := func(principal string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"kms:Decrypt","Resource":"*"}]}`
	}
	grantTo := func(grantee string, ops ...string) []*grants.Grant {
		return []*grants.Grant{{ID: grantID, Grantee: grantee, Operations: ops, IssuingAccount: acct}}
	}
	cases := []struct {
		name   string
		caller *Caller
		action string
		res    Resource
		allow  bool
		reason string // substring of the denial
	}{
		{"ok/root-default-policy", RootCaller(acct, "us-east-1", "AKIA"), "kms:Decrypt", Resource{ARN: keyARN, Account: acct, Policy: defaultP}, true, ""},
		{"fail/root-not-in-key-policy", RootCaller(acct, "us-east-1", "AKIA"), "kms:Decrypt", Resource{ARN: keyARN, Account: acct, Policy: keyPolicyNaming("arn:aws:iam::" + other + ":root")}, false, "because no resource-based policy allows the kms:Decrypt action"},
		{"fail/user-without-identity-policy", user(), "kms:Decrypt", Resource{ARN: keyARN, Account: acct, Policy: defaultP}, false, "because no identity-based policy allows"},
		{"ok/user-delegated-by-default-policy", user(decryptOnly), "kms:Decrypt", Resource{ARN: keyARN, Account: acct, Policy: defaultP}, true, ""},
		{"fail/user-identity-allows-other-action", user(decryptOnly), "kms:Encrypt", Resource{ARN: keyARN, Account: acct, Policy: defaultP}, false, "kms:Encrypt"},
		{"ok/key-policy-names-user-id", user(), "kms:Decrypt", Resource{ARN: keyARN, Account: acct, Policy: keyPolicyNaming(userID)}, true, ""},
		{"fail/identity-allow-without-key-policy-delegation", user(decryptOnly), "kms:Decrypt", Resource{ARN: keyARN, Account: acct, Policy: keyPolicyNaming(roleID)}, false, "resource-based"},
		{"fail/explicit-identity-deny-beats-key-policy", user(denyAll), "kms:Decrypt", Resource{ARN: keyARN, Account: acct, Policy: keyPolicyNaming(userID)}, false, "explicit deny in a identity-based policy"},
		{"ok/grant-to-role-id-for-session", session(roleID, nil, nil), "kms:Decrypt", Resource{ARN: keyARN, Account: acct, Policy: defaultP, Grants: grantTo(roleID, "Decrypt"), GrantOperation: "Decrypt"}, true, ""},
		{"fail/grant-to-deleted-role-id", session(newRole, nil, nil), "kms:Decrypt", Resource{ARN: keyARN, Account: acct, Policy: defaultP, Grants: grantTo(roleID, "Decrypt"), GrantOperation: "Decrypt"}, false, "no identity-based policy"},
		{"fail/grant-other-operation", session(roleID, nil, nil), "kms:Encrypt", Resource{ARN: keyARN, Account: acct, Policy: defaultP, Grants: grantTo(roleID, "Decrypt"), GrantOperation: "Encrypt"}, false, ""},
		{"fail/grant-cannot-beat-explicit-deny", session(roleID, []string{denyAll}, nil), "kms:Decrypt", Resource{ARN: keyARN, Account: acct, Policy: defaultP, Grants: grantTo(roleID, "Decrypt"), GrantOperation: "Decrypt"}, false, "explicit deny"},
		{"fail/session-policy-narrows", session(roleID, []string{allow(`"kms:*"`)}, []string{decryptOnly}), "kms:Encrypt", Resource{ARN: keyARN, Account: acct, Policy: defaultP}, false, ""},
		{"ok/session-policy-within", session(roleID, []string{allow(`"kms:*"`)}, []string{decryptOnly}), "kms:Decrypt", Resource{ARN: keyARN, Account: acct, Policy: defaultP}, true, ""},
		{"fail/cross-account-user-needs-key-policy", &Caller{Type: IAMUser, Account: other, ARN: "arn:aws:iam::" + other + ":user/bob", PrincipalID: "AIDAOTHERUSER00000001", IdentityPolicies: []string{decryptOnly}}, "kms:Decrypt", Resource{ARN: keyARN, Account: acct, Policy: defaultP}, false, "resource-based"},
		{"ok/cross-account-both-sides", &Caller{Type: IAMUser, Account: other, ARN: "arn:aws:iam::" + other + ":user/bob", PrincipalID: "AIDAOTHERUSER00000001", IdentityPolicies: []string{decryptOnly}}, "kms:Decrypt", Resource{ARN: keyARN, Account: acct, Policy: keyPolicyNaming(other)}, true, ""},
		{"fail/cross-account-key-policy-only", &Caller{Type: IAMUser, Account: other, ARN: "arn:aws:iam::" + other + ":user/bob", PrincipalID: "AIDAOTHERUSER00000001"}, "kms:Decrypt", Resource{ARN: keyARN, Account: acct, Policy: keyPolicyNaming(other)}, false, "identity-based"},
		{"ok/iam-action-root", RootCaller(acct, "us-east-1", "AKIA"), "iam:CreateUser", Resource{ARN: "arn:aws:iam::" + acct + ":user/x", Account: acct}, true, ""},
		{"fail/iam-action-user-without-policy", user(), "iam:CreateUser", Resource{ARN: "arn:aws:iam::" + acct + ":user/x", Account: acct}, false, "no identity-based policy allows the iam:CreateUser action"},
		{"fail/iam-action-other-account", RootCaller(other, "us-east-1", "AKIA"), "iam:CreateUser", Resource{ARN: "arn:aws:iam::" + acct + ":user/x", Account: acct}, false, ""},
		{"ok/deny-only-without-deny", user(), "kms:RetireGrant", Resource{ARN: keyARN, Account: acct, Policy: defaultP, DenyOnly: true}, true, ""},
		{"fail/deny-only-with-deny", user(denyAll), "kms:RetireGrant", Resource{ARN: keyARN, Account: acct, Policy: defaultP, DenyOnly: true}, false, "explicit deny"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var recorded *Decision
			ev := &Evaluator{Record: func(d *Decision) { recorded = d }}
			err := ev.Authorize(context.Background(), c.caller, c.action, c.res)
			if c.allow {
				if err != nil {
					t.Fatalf("denied: %v\n%s", err, recorded.Text())
				}
				return
			}
			if errs.CodeOf(err) != errs.AccessDenied {
				t.Fatalf("want AccessDenied, got %v", err)
			}
			if !strings.Contains(errs.Message(err), c.reason) || !strings.HasPrefix(errs.Message(err), "User: "+c.caller.ARN+" is not authorized to perform: "+c.action+" on resource: ") {
				t.Fatalf("message %q, want it to contain %q", errs.Message(err), c.reason)
			}
			if recorded == nil || len(recorded.Lines) == 0 {
				t.Fatal("a denial without an explanation")
			}
		})
	}
}

// TestExplanationNamesDeletedPrincipal: the operator sees why a grant did
// not apply, with the deleted role spelled out.
func TestExplanationNamesDeletedPrincipal(t *testing.T) {
	var d *Decision
	ev := &Evaluator{
		Record: func(x *Decision) { d = x },
		Describe: func(_ context.Context, stored string) string {
			if stored == roleID {
				return roleID + " (role app, deleted 2026-11-22T09:00:00Z)"
			}
			return stored
		},
	}
	err := ev.Authorize(context.Background(), session(newRole, nil, nil), "kms:Decrypt", Resource{ARN: keyARN, Account: acct, Policy: defaultP,
		Grants: []*grants.Grant{{ID: grantID, Grantee: roleID, Operations: []string{"Decrypt"}}}, GrantOperation: "Decrypt"})
	if err == nil {
		t.Fatal("allowed")
	}
	if !strings.Contains(d.Text(), "names "+roleID+" (role app, deleted 2026-11-22T09:00:00Z), not the caller") {
		t.Fatalf("explanation:\n%s", d.Text())
	}
}
