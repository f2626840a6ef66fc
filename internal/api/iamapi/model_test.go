package iamapi

import (
	"maps"
	"net/http"
	"slices"
	"testing"

	"github.com/keyward/keyward/internal/awsproto/awsquery/querytest"
)

const modelPath = "model/iam-2010-05-08.json"

// The operations this package must build (issue 3).
var wantOps = []string{
	"CreateUser", "GetUser", "ListUsers", "DeleteUser",
	"CreateAccessKey", "ListAccessKeys", "UpdateAccessKey", "DeleteAccessKey",
	"CreateRole", "GetRole", "ListRoles", "DeleteRole", "UpdateAssumeRolePolicy",
	"PutUserPolicy", "GetUserPolicy", "ListUserPolicies", "DeleteUserPolicy",
	"PutRolePolicy", "GetRolePolicy", "ListRolePolicies", "DeleteRolePolicy",
	"CreatePolicy", "GetPolicy", "GetPolicyVersion",
	"AttachUserPolicy", "DetachUserPolicy", "AttachRolePolicy", "DetachRolePolicy",
	"ListAttachedUserPolicies", "ListAttachedRolePolicies",
}

// TestTable builds the operation table: awsquery.Op binds every input type
// to its model shape (every member has a field of a compatible type, no
// field is not a member) and checks every result type against the model's
// output shape (every field written is a member, under its name, of a
// compatible type; policy documents URL-encoded; lists as <member>). Any
// mismatch panics here.
func TestTable(t *testing.T) {
	svc := New(nil)
	got := slices.Sorted(maps.Keys(svc.Ops))
	if want := slices.Sorted(slices.Values(wantOps)); !slices.Equal(got, want) {
		t.Errorf("operations %v\nwant %v", got, want)
	}
	if len(svc.Known) != len(Model.Operations) || len(svc.Known) < 150 {
		t.Errorf("%d known operations", len(svc.Known))
	}
	if svc.Version != "2010-05-08" || svc.Namespace != "https://iam.amazonaws.com/doc/2010-05-08/" {
		t.Errorf("version %s namespace %s", svc.Version, svc.Namespace)
	}
	for _, op := range svc.Ops {
		if op.MaxBody <= 0 || op.MaxBody > policyBody {
			t.Errorf("%s: MaxBody %d", op.Name, op.MaxBody)
		}
	}
}

// TestErrorTable checks that every error code sent is one the model
// declares, with the model's HTTP status, or one of IAM's common errors.
func TestErrorTable(t *testing.T) {
	declared := map[string]int{"AccessDenied": http.StatusForbidden, "ValidationError": http.StatusBadRequest}
	for _, s := range Model.Shapes {
		if s.Exception {
			declared[s.ErrorCode] = s.ErrorStatus
		}
	}
	for code, f := range errorTable {
		status, ok := declared[f.Code]
		if !ok || status != f.Status {
			t.Errorf("%s -> %+v: the model declares %s with status %d (declared: %v)", code, f, f.Code, status, ok)
		}
	}
	if declared[internalFault.Code] != internalFault.Status {
		t.Errorf("internal fault %+v", internalFault)
	}
}

// TestModelMatchesBotocore compares the committed model with the installed
// botocore's, reduced to the operations built here. It does not build the
// table, so that it can refresh the model for an operation being added.
func TestModelMatchesBotocore(t *testing.T) {
	querytest.CheckCommitted(t, modelPath, "iam", "2010-05-08", slices.Sorted(slices.Values(wantOps)))
}
