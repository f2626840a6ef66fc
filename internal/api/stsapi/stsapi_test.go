package stsapi

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/awsproto/awsquery"
	"github.com/keyward/keyward/internal/awsproto/awsquery/querytest"
	"github.com/keyward/keyward/internal/errs"
)

// TestTable builds the table: every input type is bound to the model and
// every result type checked against it (a mismatch panics).
func TestTable(t *testing.T) {
	svc := New(nil)
	if got := slices.Sorted(maps.Keys(svc.Ops)); !slices.Equal(got, wantOps) {
		t.Errorf("operations %v", got)
	}
	if !svc.Known["GetSessionToken"] || svc.Version != "2011-06-15" || svc.Namespace != "https://sts.amazonaws.com/doc/2011-06-15/" {
		t.Errorf("%+v", svc)
	}
}

func TestErrorTable(t *testing.T) {
	declared := map[string]int{"AccessDenied": http.StatusForbidden, "ValidationError": http.StatusBadRequest, "InternalFailure": http.StatusInternalServerError}
	for _, s := range Model.Shapes {
		if s.Exception {
			declared[s.ErrorCode] = s.ErrorStatus
		}
	}
	for code, f := range errorTable {
		if status, ok := declared[f.Code]; !ok || status != f.Status {
			t.Errorf("%s -> %+v: not declared with that status", code, f)
		}
	}
}

// wantOps are the operations built here, sorted.
var wantOps = []string{"AssumeRole", "GetCallerIdentity"}

// TestModelMatchesBotocore compares the committed model with the installed
// botocore's, reduced to the operations built here (without building the
// table, so that it can refresh the model for an operation being added).
func TestModelMatchesBotocore(t *testing.T) {
	querytest.CheckCommitted(t, "model/sts-2011-06-15.json", "sts", "2011-06-15", wantOps)
}

func TestGetCallerIdentity(t *testing.T) {
	svc := New(nil)
	cases := []struct {
		name                 string
		caller               *authz.Caller
		userID, account, arn string
	}{
		{"root", authz.RootCaller("123456789012", "eu-west-1", "AKIA"), "123456789012", "123456789012", "arn:aws:iam::123456789012:root"},
		{"root/computed", &authz.Caller{Type: authz.Root, Account: "123456789012"}, "123456789012", "123456789012", "arn:aws:iam::123456789012:root"},
		{"user", &authz.Caller{Type: authz.IAMUser, Account: "123456789012", ARN: "arn:aws:iam::123456789012:user/dev/alice", UserID: "AIDAEXAMPLE0000000001", PrincipalID: "AIDAEXAMPLE0000000001", UserName: "alice"},
			"AIDAEXAMPLE0000000001", "123456789012", "arn:aws:iam::123456789012:user/dev/alice"},
		{"user/computed", &authz.Caller{Type: authz.IAMUser, Account: "123456789012", PrincipalID: "AIDAEXAMPLE0000000001", UserName: "alice"},
			"AIDAEXAMPLE0000000001", "123456789012", "arn:aws:iam::123456789012:user/alice"},
		{"session/computed", &authz.Caller{Type: authz.AssumedRole, Account: "123456789012", PrincipalID: "AROAEXAMPLE0000000001", RoleName: "app", SessionName: "s1"},
			"AROAEXAMPLE0000000001:s1", "123456789012", "arn:aws:sts::123456789012:assumed-role/app/s1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := authz.WithCaller(context.Background(), c.caller)
			out, err := svc.Ops["GetCallerIdentity"].Call(ctx, awsquery.ParamsOf(nil))
			if err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			svc.WriteResult(w, "rid", "GetCallerIdentity", out)
			want := `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
				`<UserId>` + c.userID + `</UserId><Account>` + c.account + `</Account><Arn>` + c.arn + `</Arn>` +
				`</GetCallerIdentityResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></GetCallerIdentityResponse>`
			if w.Body.String() != want {
				t.Fatalf("got\n%s\nwant\n%s", w.Body, want)
			}
		})
	}
}

func TestAssumeRoleInputChecks(t *testing.T) {
	svc := New(nil)
	ctx := authz.WithCaller(context.Background(), authz.RootCaller("123456789012", "us-east-1", "AKIA"))
	role := "arn:aws:iam::123456789012:role/app"
	cases := []struct {
		name   string
		params map[string]string
		code   string
		msg    string
	}{
		{"fail/missing-session-name", map[string]string{"RoleArn": role}, "ValidationError",
			"1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null"},
		{"fail/session-name-pattern", map[string]string{"RoleArn": role, "RoleSessionName": "a b"}, "ValidationError",
			`1 validation error detected: Value 'a b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*`},
		{"fail/session-name-short", map[string]string{"RoleArn": role, "RoleSessionName": "a"}, "ValidationError",
			"1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2"},
		{"fail/duration", map[string]string{"RoleArn": role, "RoleSessionName": "s1", "DurationSeconds": "60"}, "ValidationError",
			"1 validation error detected: Value '60' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{"fail/duration-and-arn", map[string]string{"RoleArn": "short", "RoleSessionName": "s1", "DurationSeconds": "50000"}, "ValidationError",
			"2 validation errors detected: Value 'short' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20; " +
				"Value '50000' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200"},
		{"fail/external-id", map[string]string{"RoleArn": role, "RoleSessionName": "s1", "ExternalId": "x"}, "ValidationError",
			"1 validation error detected: Value 'x' at 'externalId' failed to satisfy constraint: Member must have length greater than or equal to 2"},
		{"fail/policy-arn", map[string]string{"RoleArn": role, "RoleSessionName": "s1", "PolicyArns.member.1.arn": "arn:short"}, "ValidationError",
			"1 validation error detected: Value 'arn:short' at 'policyArns.1.member.arn' failed to satisfy constraint: Member must have length greater than or equal to 20"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := svc.Ops["AssumeRole"].Call(ctx, awsquery.ParamsOf(c.params))
			f, msg := svc.Fault(err)
			if err == nil || f.Code != c.code || f.Status != 400 {
				t.Fatalf("got %v (%+v), want %s", err, f, c.code)
			}
			if c.msg != "*" && msg != c.msg {
				t.Fatalf("message\n  %q\nwant\n  %q", msg, c.msg)
			}
		})
	}
}

func TestPackedPolicySize(t *testing.T) {
	policy := `{"Version": "2012-10-17",
	  "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]}`
	if got := packedPolicySize(policy, nil); got != 4 { // 95 characters other than spaces: 4.6%
		t.Errorf("policy: %d%%", got)
	}
	if got := packedPolicySize("", []string{strings.Repeat("a", 1024), strings.Repeat("b", 1024)}); got != 100 {
		t.Errorf("ARNs: %d%%", got)
	}
}

func TestSecretsAreRedacted(t *testing.T) {
	c := Credentials{AccessKeyID: "ASIA", SecretAccessKey: "sekrit", SessionToken: "tokentoken"}
	for _, f := range []string{"%v", "%+v", "%#v"} {
		if s := fmt.Sprintf(f, c); strings.Contains(s, "sekrit") || strings.Contains(s, "tokentoken") {
			t.Errorf("%s printed a secret: %s", f, s)
		}
	}
	if _, err := New(nil).Ops["AssumeRole"].Call(context.Background(), awsquery.ParamsOf(map[string]string{"RoleArn": "arn:aws:iam::123456789012:role/app", "RoleSessionName": "s1"})); !errs.Is(err, errs.MissingAuthentication) {
		t.Errorf("no caller: %v", err)
	}
}
