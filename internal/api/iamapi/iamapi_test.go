package iamapi

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/awsproto/awsquery"
	"github.com/keyward/keyward/internal/errs"
)

// These cases fail before the identity service is called: the model's
// constraints (with AWS's messages) and the protocol's own refusals.
func TestInputChecks(t *testing.T) {
	svc := New(nil)
	ctx := authz.WithCaller(context.Background(), authz.RootCaller("000000000000", "us-east-1", "test"))
	cases := []struct {
		name, op string
		params   map[string]string
		code     string // wire code
		msg      string
	}{
		{"fail/role-name-pattern", "CreateRole", map[string]string{"RoleName": "my role", "AssumeRolePolicyDocument": "{}"}, "ValidationError",
			`1 validation error detected: Value 'my role' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`},
		{"fail/missing-trust-policy", "CreateRole", map[string]string{"RoleName": "r"}, "ValidationError",
			"1 validation error detected: Value null at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must not be null"},
		{"fail/max-session-duration", "CreateRole", map[string]string{"RoleName": "r", "AssumeRolePolicyDocument": "{}", "MaxSessionDuration": "100"}, "ValidationError",
			"1 validation error detected: Value '100' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600"},
		{"fail/user-name-too-long", "CreateUser", map[string]string{"UserName": strings.Repeat("u", 65)}, "ValidationError",
			"1 validation error detected: Value '" + strings.Repeat("u", 65) + "' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"fail/path", "CreateUser", map[string]string{"UserName": "u", "Path": "nopath"}, "ValidationError",
			"1 validation error detected: Value 'nopath' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)"},
		{"fail/status-enum", "UpdateAccessKey", map[string]string{"AccessKeyId": "AKIAAAAAAAAAAAAAAAAA", "Status": "On"}, "ValidationError",
			"1 validation error detected: Value 'On' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive, Expired]"},
		{"fail/max-items", "ListUsers", map[string]string{"MaxItems": "0"}, "ValidationError",
			"1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"fail/max-items-type", "ListRoles", map[string]string{"MaxItems": "many"}, "InvalidParameterValue", "*"},
		{"fail/tag-value-required", "CreateUser", map[string]string{"UserName": "u", "Tags.member.1.Key": "k"}, "ValidationError",
			"1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null"},
		{"fail/policy-version-pattern", "GetPolicyVersion", map[string]string{"PolicyArn": "arn:aws:iam::000000000000:policy/p", "VersionId": "1"}, "ValidationError",
			`1 validation error detected: Value '1' at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`},
		{"fail/permissions-boundary", "CreateUser", map[string]string{"UserName": "u", "PermissionsBoundary": "arn:aws:iam::000000000000:policy/b"}, "UnsupportedOperation",
			"Permissions boundaries are not supported by this server."},
		{"fail/role-permissions-boundary", "CreateRole", map[string]string{"RoleName": "r", "AssumeRolePolicyDocument": "{}", "PermissionsBoundary": "arn:aws:iam::000000000000:policy/b"}, "UnsupportedOperation",
			"Permissions boundaries are not supported by this server."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := svc.Ops[c.op].Call(ctx, awsquery.ParamsOf(c.params))
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

func TestNoCaller(t *testing.T) {
	svc := New(nil)
	_, err := svc.Ops["ListUsers"].Call(context.Background(), awsquery.ParamsOf(nil))
	if !errs.Is(err, errs.MissingAuthentication) {
		t.Fatalf("%v", err)
	}
}

func TestSecretIsRedacted(t *testing.T) {
	k := AccessKey{AccessKeyID: "AKIA", SecretAccessKey: "wJalrXUtnFEMI"}
	for _, s := range []string{fmt.Sprintf("%v", k), fmt.Sprintf("%+v", k), fmt.Sprintf("%#v", k), k.SecretAccessKey.String()} {
		if strings.Contains(s, "wJalr") {
			t.Errorf("secret printed: %s", s)
		}
	}
	b, _ := k.SecretAccessKey.MarshalText()
	if string(b) != "wJalrXUtnFEMI" {
		t.Error("secret not written on the wire")
	}
}
