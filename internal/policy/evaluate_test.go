package policy

import (
	"strings"
	"testing"
)

// Key policies and requests modelled on the AWS KMS Developer Guide (default
// key policy, console key policy with key administrators and key users,
// encryption-context, kms:ViaService and kms:CallerAccount conditions,
// cross-account access) and on the IAM User Guide's policy evaluation logic.

const defaultKeyPolicy = `{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::111122223333:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}`

// consoleKeyPolicy is the shape the console writes: account delegation, key
// administrators (a role, stored by unique ID), key users (a user and a
// role by unique ID, plus a cross-account root), and the grant statement for
// AWS resources.
const consoleKeyPolicy = `{
  "Version": "2012-10-17",
  "Id": "key-consolepolicy-3",
  "Statement": [
    {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
     "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
    {"Sid": "Allow access for Key Administrators", "Effect": "Allow",
     "Principal": {"AWS": "AROAADMINROLE0000001"},
     "Action": ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
                "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource",
                "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand"],
     "Resource": "*"},
    {"Sid": "Allow use of the key", "Effect": "Allow",
     "Principal": {"AWS": ["AIDAKEYUSER000000001", "AROAAPPROLE000000001", "arn:aws:iam::444455556666:root"]},
     "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
     "Resource": "*"},
    {"Sid": "Allow attachment of persistent resources", "Effect": "Allow",
     "Principal": {"AWS": ["AIDAKEYUSER000000001", "AROAAPPROLE000000001"]},
     "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], "Resource": "*",
     "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}}
  ]
}`

const (
	adminRoleID = "AROAADMINROLE0000001"
	appRoleID   = "AROAAPPROLE000000001"
	keyUserID   = "AIDAKEYUSER000000001"
)

type evalCase struct {
	name      string
	doc       string
	req       *Request
	want      Effect
	delegated bool
	// skips maps statement index -> expected skip reason.
	skips map[int]SkipReason
	// by is the expected way the first matched statement matched.
	by PrincipalMatch
}

func runEval(t *testing.T, tests []evalCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustParse(t, tt.doc)
			res := d.Evaluate(tt.req)
			if res.Effect != tt.want || res.Delegated != tt.delegated {
				t.Errorf("Evaluate = %s delegated=%v, want %s delegated=%v\n%s",
					res.Effect, res.Delegated, tt.want, tt.delegated, Explain(res))
			}
			for i, reason := range tt.skips {
				found := false
				for _, s := range res.Skipped {
					if s.Statement == i {
						found = true
						if s.Reason != reason {
							t.Errorf("statement %d skipped for %s, want %s\n%s", i, s.Reason, reason, Explain(res))
						}
					}
				}
				if !found {
					t.Errorf("statement %d not skipped, want %s\n%s", i, reason, Explain(res))
				}
			}
			if tt.by != "" {
				if len(res.Matched) == 0 || res.Matched[0].By != tt.by {
					t.Errorf("matched = %+v, want by %s", res.Matched, tt.by)
				}
			}
			if len(res.Matched)+len(res.Skipped) != len(d.Statements) {
				t.Errorf("%d matched + %d skipped != %d statements", len(res.Matched), len(res.Skipped), len(d.Statements))
			}
		})
	}
}

func TestEvaluateKeyPolicies(t *testing.T) {
	admin := sessionOf(acctA, "KeyAdmins", "alice", adminRoleID)
	app := sessionOf(acctA, "app", "lambda-1", appRoleID)
	keyUser := userOf(acctA, "keyuser", keyUserID)
	other := userOf(acctA, "bob", "AIDABOBBOBBOB0000001")
	recreatedApp := sessionOf(acctA, "app", "lambda-1", "AROANEWAPPROLE000001")
	crossUser := userOf(acctB, "carol", "AIDACAROL00000000001")

	runEval(t, []evalCase{
		// Default key policy: the account root is allowed directly; every
		// other principal of the account only through IAM policies.
		{name: "ok/default-policy-root-direct", doc: defaultKeyPolicy,
			req: req("kms:PutKeyPolicy", keyARN, rootOf(acctA)), want: Allow, by: MatchAccountRoot},
		{name: "ok/default-policy-user-delegated", doc: defaultKeyPolicy,
			req: req("kms:Decrypt", keyARN, keyUser), want: Allow, delegated: true, by: MatchAccount},
		{name: "ok/default-policy-session-delegated", doc: defaultKeyPolicy,
			req: req("kms:Encrypt", keyARN, app), want: Allow, delegated: true},
		{name: "fail/default-policy-other-account", doc: defaultKeyPolicy,
			req: req("kms:Decrypt", keyARN, crossUser), want: NotApplicable, skips: map[int]SkipReason{0: SkipPrincipal}},
		{name: "fail/default-policy-other-account-root", doc: defaultKeyPolicy,
			req: req("kms:Decrypt", keyARN, rootOf(acctB)), want: NotApplicable},

		// Console key policy.
		{name: "ok/key-admin-may-schedule-deletion", doc: consoleKeyPolicy,
			req: req("kms:ScheduleKeyDeletion", keyARN, admin), want: Allow, by: MatchAccount},
		{name: "ok/key-admin-wildcard-action", doc: consoleKeyPolicy,
			req: req("kms:DescribeKey", keyARN, admin), want: Allow},
		{name: "ok/key-admin-cannot-decrypt-without-iam", doc: consoleKeyPolicy,
			req: req("kms:Decrypt", keyARN, admin), want: Allow, delegated: true,
			skips: map[int]SkipReason{1: SkipAction, 2: SkipPrincipal}},
		{name: "ok/key-user-decrypt-direct", doc: consoleKeyPolicy,
			req: req("kms:Decrypt", keyARN, keyUser), want: Allow, skips: map[int]SkipReason{1: SkipPrincipal}},
		{name: "ok/key-user-action-case-insensitive", doc: consoleKeyPolicy,
			req: req("KMS:generatedatakeywithoutplaintext", keyARN, app), want: Allow},
		{name: "ok/role-session-by-unique-id", doc: consoleKeyPolicy,
			req: req("kms:Encrypt", keyARN, app), want: Allow},
		{name: "ok/grant-for-aws-resource", doc: consoleKeyPolicy,
			req: req("kms:CreateGrant", keyARN, app, KeyGrantIsForAWSResource, "true"), want: Allow},
		{name: "fail/grant-not-for-aws-resource-falls-back-to-iam", doc: consoleKeyPolicy,
			req: req("kms:CreateGrant", keyARN, app, KeyGrantIsForAWSResource, "false"), want: Allow, delegated: true,
			skips: map[int]SkipReason{3: SkipCondition}},
		{name: "fail/grant-condition-key-absent", doc: consoleKeyPolicy,
			req: req("kms:CreateGrant", keyARN, app), want: Allow, delegated: true, skips: map[int]SkipReason{3: SkipCondition}},
		{name: "fail/other-user-only-delegated", doc: consoleKeyPolicy,
			req: req("kms:Decrypt", keyARN, other), want: Allow, delegated: true,
			skips: map[int]SkipReason{1: SkipPrincipal, 2: SkipPrincipal, 3: SkipPrincipal}},
		// The re-created role: same name and ARN, new unique ID. The key
		// users statement still names the old AROA… and no longer applies.
		{name: "fail/recreated-role-not-matched", doc: consoleKeyPolicy,
			req: req("kms:Decrypt", keyARN, recreatedApp), want: Allow, delegated: true,
			skips: map[int]SkipReason{2: SkipPrincipal}},
		// Cross-account: the key policy names account B's root, which
		// delegates to B's IAM policies.
		{name: "ok/cross-account-delegated", doc: consoleKeyPolicy,
			req: req("kms:Decrypt", keyARN, crossUser), want: Allow, delegated: true, by: MatchAccount},
		{name: "fail/cross-account-admin-action", doc: consoleKeyPolicy,
			req: req("kms:ScheduleKeyDeletion", keyARN, crossUser), want: NotApplicable},
		{name: "ok/cross-account-root-direct", doc: consoleKeyPolicy,
			req: req("kms:Decrypt", keyARN, rootOf(acctB)), want: Allow, by: MatchAccountRoot},
	})
}

func TestEvaluateKMSConditions(t *testing.T) {
	app := sessionOf(acctA, "app", "s", appRoleID)
	ecPolicy := `{"Version":"2012-10-17","Statement":[{"Sid":"RequireDept","Effect":"Allow",
	  "Principal":{"AWS":"` + appRoleID + `"},"Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*",
	  "Condition":{"StringEquals":{"kms:EncryptionContext:Department":"IT"}}}]}`
	ecReq := func(ec map[string]string) *Request {
		r := req("kms:Decrypt", keyARN, app)
		AddEncryptionContext(r.Context, ec)
		return r
	}
	keysPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + appRoleID + `"},
	  "Action":"kms:Decrypt","Resource":"*",
	  "Condition":{"ForAllValues:StringEquals":{"kms:EncryptionContextKeys":["Department","Project"]}}}]}`
	keysGuarded := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + appRoleID + `"},
	  "Action":"kms:Decrypt","Resource":"*",
	  "Condition":{"ForAllValues:StringEquals":{"kms:EncryptionContextKeys":["Department","Project"]},
	               "Null":{"kms:EncryptionContextKeys":"false"}}}]}`
	anyKeyPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + appRoleID + `"},
	  "Action":"kms:*crypt","Resource":"*",
	  "Condition":{"ForAnyValue:StringEquals":{"kms:EncryptionContextKeys":"AppName"}}}]}`
	ignoreCase := `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"` + appRoleID + `"},"Action":"kms:Decrypt","Resource":"*",
	  "Condition":{"StringEqualsIgnoreCase":{"kms:EncryptionContext:Purpose":"Test"}}}]}`
	// kms:ViaService, as the KMS guide shows for EBS and RDS.
	viaService := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + appRoleID + `"},
	  "Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:CreateGrant","kms:ListGrants","kms:DescribeKey"],
	  "Resource":"*","Condition":{"StringEquals":{"kms:ViaService":["ec2.us-west-2.amazonaws.com","rds.us-west-2.amazonaws.com"]}}}]}`
	// The policy of an AWS managed key: everyone, but only through the
	// service and only from the owning account.
	managed := `{"Version":"2012-10-17","Id":"auto-ebs-2","Statement":[
	  {"Sid":"Allow access through EBS for all principals in the account that are authorized to use EBS","Effect":"Allow",
	   "Principal":{"AWS":"*"},"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:CreateGrant","kms:DescribeKey"],
	   "Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"111122223333","kms:ViaService":"ec2.us-west-2.amazonaws.com"}}},
	  {"Sid":"Allow direct access to key metadata to the account","Effect":"Allow",
	   "Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["kms:Describe*","kms:Get*","kms:List*","kms:RevokeGrant"],"Resource":"*"}]}`
	// An explicit deny overrides the default delegation.
	denyOverride := `{"Version":"2012-10-17","Statement":[
	  {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
	  {"Sid":"DenyDecryptWithoutContext","Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*",
	   "Condition":{"Null":{"kms:EncryptionContext:Project":"true"}}},
	  {"Sid":"DenyOutsideNetwork","Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*",
	   "Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]},"Bool":{"aws:ViaAWSService":"false"}}}]}`
	grantOps := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + appRoleID + `"},"Action":"kms:CreateGrant","Resource":"*",
	  "Condition":{"ForAllValues:StringEquals":{"kms:GrantOperations":["Encrypt","Decrypt"]},"Null":{"kms:GrantOperations":"false"}}}]}`
	aliasPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + appRoleID + `"},"Action":"kms:Decrypt","Resource":"*",
	  "Condition":{"StringEquals":{"kms:RequestAlias":"alias/finance-key"}}},
	  {"Effect":"Allow","Principal":{"AWS":"` + appRoleID + `"},"Action":"kms:Encrypt","Resource":"*",
	  "Condition":{"ForAnyValue:StringLike":{"kms:ResourceAliases":"alias/project-*"}}}]}`

	runEval(t, []evalCase{
		{name: "ok/encryption-context-match", doc: ecPolicy, req: ecReq(map[string]string{"Department": "IT"}), want: Allow},
		{name: "ok/encryption-context-key-case-insensitive", doc: ecPolicy, req: ecReq(map[string]string{"department": "IT"}), want: Allow},
		{name: "fail/encryption-context-value-case-sensitive", doc: ecPolicy, req: ecReq(map[string]string{"Department": "it"}),
			want: NotApplicable, skips: map[int]SkipReason{0: SkipCondition}},
		{name: "fail/encryption-context-absent", doc: ecPolicy, req: ecReq(nil), want: NotApplicable, skips: map[int]SkipReason{0: SkipCondition}},
		{name: "ok/encryption-context-extra-pairs", doc: ecPolicy, req: ecReq(map[string]string{"Department": "IT", "Project": "Alpha"}), want: Allow},
		{name: "ok/ignore-case-value", doc: ignoreCase, req: ecReq(map[string]string{"purpose": "TEST"}), want: Allow},

		{name: "ok/context-keys-subset", doc: keysPolicy, req: ecReq(map[string]string{"Department": "IT"}), want: Allow},
		{name: "fail/context-keys-extra", doc: keysPolicy, req: ecReq(map[string]string{"Department": "IT", "Owner": "x"}), want: NotApplicable},
		{name: "ok/context-keys-empty-forallvalues-pitfall", doc: keysPolicy, req: ecReq(nil), want: Allow},
		{name: "fail/context-keys-empty-with-null-guard", doc: keysGuarded, req: ecReq(nil), want: NotApplicable},
		{name: "ok/context-keys-guarded-subset", doc: keysGuarded, req: ecReq(map[string]string{"Project": "p"}), want: Allow},
		{name: "ok/context-keys-any-value", doc: anyKeyPolicy, req: ecReq(map[string]string{"AppName": "x", "Other": "y"}), want: Allow},
		{name: "fail/context-keys-any-value-absent", doc: anyKeyPolicy, req: func() *Request { r := ecReq(nil); r.Action = "kms:Encrypt"; return r }(), want: NotApplicable},

		{name: "ok/via-service", doc: viaService, req: req("kms:GenerateDataKeyWithoutPlaintext", keyARN, app, KeyViaService, "ec2.us-west-2.amazonaws.com"), want: Allow},
		{name: "fail/via-service-direct-call", doc: viaService, req: req("kms:Decrypt", keyARN, app), want: NotApplicable, skips: map[int]SkipReason{0: SkipCondition}},
		{name: "fail/via-service-other-service", doc: viaService, req: req("kms:Decrypt", keyARN, app, KeyViaService, "s3.us-west-2.amazonaws.com"), want: NotApplicable},

		{name: "ok/managed-key-through-service", doc: managed,
			req: req("kms:Decrypt", keyARN, app, KeyCallerAccount, acctA, KeyViaService, "ec2.us-west-2.amazonaws.com"), want: Allow, by: MatchWildcard},
		{name: "fail/managed-key-direct-use", doc: managed, req: req("kms:Decrypt", keyARN, app, KeyCallerAccount, acctA), want: NotApplicable},
		{name: "fail/managed-key-other-account", doc: managed,
			req: req("kms:Decrypt", keyARN, userOf(acctB, "eve", "AIDAEVE0000000000001"), KeyCallerAccount, acctB, KeyViaService, "ec2.us-west-2.amazonaws.com"), want: NotApplicable},
		{name: "ok/managed-key-describe-delegated", doc: managed, req: req("kms:DescribeKey", keyARN, app, KeyCallerAccount, acctA), want: Allow, delegated: true},

		{name: "fail/deny-without-context-overrides-delegation", doc: denyOverride,
			req: req("kms:Decrypt", keyARN, app, KeySourceIP, "192.0.2.10", "aws:ViaAWSService", "false"), want: Deny},
		{name: "fail/deny-overrides-root", doc: denyOverride,
			req: req("kms:Decrypt", keyARN, rootOf(acctA), KeySourceIP, "192.0.2.10", "aws:ViaAWSService", "false"), want: Deny},
		{name: "ok/context-present-inside-network", doc: denyOverride,
			req: func() *Request {
				r := req("kms:Decrypt", keyARN, app, KeySourceIP, "203.0.113.77", "aws:ViaAWSService", "false")
				AddEncryptionContext(r.Context, map[string]string{"Project": "x"})
				return r
			}(), want: Allow, delegated: true, skips: map[int]SkipReason{1: SkipCondition, 2: SkipCondition}},
		{name: "fail/outside-network-denied", doc: denyOverride,
			req: req("kms:Encrypt", keyARN, app, KeySourceIP, "198.51.100.1", "aws:ViaAWSService", "false"), want: Deny},
		{name: "ok/outside-network-via-service", doc: denyOverride,
			req: req("kms:Encrypt", keyARN, app, KeySourceIP, "198.51.100.1", "aws:ViaAWSService", "true"), want: Allow, delegated: true},

		{name: "ok/grant-operations-subset", doc: grantOps,
			req: req("kms:CreateGrant", keyARN, app, KeyGrantOperations, "Decrypt"), want: Allow},
		{name: "fail/grant-operations-too-broad", doc: grantOps,
			req: func() *Request {
				r := req("kms:CreateGrant", keyARN, app)
				r.Set(KeyGrantOperations, "Decrypt", "CreateGrant")
				return r
			}(), want: NotApplicable},
		{name: "fail/grant-operations-absent", doc: grantOps, req: req("kms:CreateGrant", keyARN, app), want: NotApplicable},

		{name: "ok/request-alias", doc: aliasPolicy, req: req("kms:Decrypt", keyARN, app, KeyRequestAlias, "alias/finance-key"), want: Allow},
		{name: "fail/request-alias-other", doc: aliasPolicy, req: req("kms:Decrypt", keyARN, app, KeyRequestAlias, "alias/other"), want: NotApplicable},
		{name: "ok/resource-aliases-any", doc: aliasPolicy,
			req: func() *Request {
				r := req("kms:Encrypt", keyARN, app)
				r.Set(KeyResourceAliases, "alias/x", "alias/project-alpha")
				return r
			}(), want: Allow},
	})
}

func TestEvaluateIAMExamples(t *testing.T) {
	carlos := userOf(acctA, "carlossalazar", "AIDACARLOS0000000001")
	// The IAM guide's identity-policy example: list everything, full access
	// to the own bucket, but never to a bucket with "log" in its name.
	carlosPolicy := `{"Version":"2012-10-17","Statement":[
	  {"Sid":"AllowS3ListRead","Effect":"Allow","Action":["s3:GetBucketLocation","s3:GetAccountPublicAccessBlock","s3:ListAccessPoints","s3:ListAllMyBuckets"],"Resource":"arn:aws:s3:::*"},
	  {"Sid":"AllowS3Self","Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::carlossalazar/*","arn:aws:s3:::carlossalazar"]},
	  {"Sid":"DenyS3Logs","Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::*log*"}]}`
	// Policy variables: each user gets a home prefix.
	homePolicy := `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::mybucket","Condition":{"StringLike":{"s3:prefix":["${aws:username}/*"]}}},
	  {"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::mybucket/${aws:username}/*"}]}`
	// The same written for the 2008 language: no variables.
	homePolicy2008 := strings.Replace(homePolicy, "2012-10-17", "2008-10-17", 1)
	// NotAction: everything except IAM.
	notIAM := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}`
	// NotResource with Deny: deny everything outside one bucket.
	notResource := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},
	  {"Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::HRBucket/Payroll","arn:aws:s3:::HRBucket/Payroll/*"]}]}`
	// A time window with a user-name condition.
	window := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:*:111122223333:key/*",
	  "Condition":{"DateGreaterThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2026-06-30T23:59:59Z"},
	   "StringEquals":{"aws:username":["carlossalazar","maria"]}}}]}`
	// Require TLS (the IAM guide's aws:SecureTransport example).
	tls := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"},
	  {"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	// Key ARN scoped by account and region with wildcards.
	scoped := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:us-?ast-1:111122223333:key/*"}]}`
	// ${aws:userid} in a resource, for role sessions.
	userid := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:userid}/*"}]}`
	// Default values and the literal-asterisk variable.
	defaults := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject",
	  "Resource":"arn:aws:s3:::b/${aws:PrincipalTag/team, 'shared'}/${*}"}]}`

	sess := sessionOf(acctA, "app", "job-7", appRoleID)
	runEval(t, []evalCase{
		{name: "fail/carlos-log-bucket-denied", doc: carlosPolicy,
			req: req("s3:PutObject", "arn:aws:s3:::carlossalazar-logs/today.txt", carlos), want: Deny, skips: map[int]SkipReason{1: SkipResource}},
		{name: "ok/carlos-own-bucket", doc: carlosPolicy,
			req: req("s3:PutObject", "arn:aws:s3:::carlossalazar/file", carlos), want: Allow, by: MatchIdentity},
		{name: "ok/carlos-list-buckets", doc: carlosPolicy,
			req: req("s3:ListAllMyBuckets", "arn:aws:s3:::whatever", carlos), want: Allow},
		{name: "fail/carlos-other-bucket", doc: carlosPolicy,
			req: req("s3:GetObject", "arn:aws:s3:::someone-else/file", carlos), want: NotApplicable},

		{name: "ok/home-prefix-list", doc: homePolicy,
			req: req("s3:ListBucket", "arn:aws:s3:::mybucket", carlos, "s3:prefix", "carlossalazar/photos"), want: Allow},
		{name: "fail/home-prefix-other-user", doc: homePolicy,
			req: req("s3:ListBucket", "arn:aws:s3:::mybucket", carlos, "s3:prefix", "maria/photos"), want: NotApplicable},
		{name: "ok/home-object", doc: homePolicy,
			req: req("s3:GetObject", "arn:aws:s3:::mybucket/carlossalazar/a.txt", carlos), want: Allow},
		{name: "fail/home-object-other-user", doc: homePolicy,
			req: req("s3:GetObject", "arn:aws:s3:::mybucket/maria/a.txt", carlos), want: NotApplicable},
		{name: "fail/home-variable-unresolved-for-role", doc: homePolicy,
			req: req("s3:GetObject", "arn:aws:s3:::mybucket/app/a.txt", sess), want: NotApplicable,
			skips: map[int]SkipReason{0: SkipAction, 1: SkipVariable}},
		{name: "fail/home-2008-no-variables", doc: homePolicy2008,
			req: req("s3:GetObject", "arn:aws:s3:::mybucket/carlossalazar/a.txt", carlos), want: NotApplicable},
		{name: "ok/home-2008-literal-text", doc: homePolicy2008,
			req: req("s3:GetObject", "arn:aws:s3:::mybucket/${aws:username}/a.txt", carlos), want: Allow},
		{name: "ok/userid-variable-role-session", doc: userid,
			req: req("s3:GetObject", "arn:aws:s3:::home/"+appRoleID+":job-7/x", sess), want: Allow},
		{name: "ok/variable-default-and-literal-star", doc: defaults,
			req: req("s3:GetObject", "arn:aws:s3:::b/shared/*", carlos), want: Allow},
		{name: "fail/literal-star-is-not-a-wildcard", doc: defaults,
			req: req("s3:GetObject", "arn:aws:s3:::b/shared/x", carlos), want: NotApplicable},
		{name: "ok/variable-value-used", doc: defaults,
			req: req("s3:GetObject", "arn:aws:s3:::b/blue/*", carlos, "aws:PrincipalTag/team", "blue"), want: Allow},

		{name: "ok/not-action-allows-others", doc: notIAM, req: req("kms:Decrypt", keyARN, carlos), want: Allow},
		{name: "fail/not-action-excludes-iam", doc: notIAM, req: req("iam:CreateUser", "arn:aws:iam::111122223333:user/x", carlos),
			want: NotApplicable, skips: map[int]SkipReason{0: SkipAction}},
		{name: "ok/not-resource-inside", doc: notResource, req: req("s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/jan.csv", carlos), want: Allow},
		{name: "fail/not-resource-outside-denied", doc: notResource, req: req("s3:GetObject", "arn:aws:s3:::HRBucket/Other", carlos), want: Deny},

		{name: "ok/time-window-and-user", doc: window, req: req("kms:Decrypt", keyARN, carlos), want: Allow},
		{name: "fail/time-window-other-user", doc: window, req: req("kms:Decrypt", keyARN, userOf(acctA, "bob", "AIDABOB0000000000001")), want: NotApplicable},
		{name: "fail/time-window-expired", doc: window,
			req: func() *Request {
				r := req("kms:Decrypt", keyARN, carlos)
				r.Set(KeyCurrentTime, "2026-07-01T00:00:00Z")
				return r
			}(), want: NotApplicable},
		{name: "ok/tls-required", doc: tls, req: req("kms:Decrypt", keyARN, carlos, KeySecureTransport, "true"), want: Allow},
		{name: "fail/tls-missing-denied", doc: tls, req: req("kms:Decrypt", keyARN, carlos, KeySecureTransport, "false"), want: Deny},
		{name: "ok/resource-wildcards", doc: scoped, req: req("kms:Decrypt", keyARN, carlos), want: Allow},
		{name: "fail/resource-other-region", doc: scoped,
			req: req("kms:Decrypt", "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", carlos), want: NotApplicable},
		{name: "fail/resource-case-sensitive", doc: scoped, req: req("kms:Decrypt", strings.ToUpper(keyARN), carlos), want: NotApplicable},
	})
}

func TestEvaluatePrincipals(t *testing.T) {
	app := sessionOf(acctA, "app", "s1", appRoleID)
	trust := `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/ci"},"Action":"sts:AssumeRole"},
	  {"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"},
	  {"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"Unique1"}}}]}`
	ci := Caller{Account: acctA, ARN: "arn:aws:sts::111122223333:assumed-role/ci/build-1", IDs: []string{"AROACIROLE0000000001"},
		RoleARN: "arn:aws:iam::111122223333:role/ci"}
	ciPath := Caller{Account: acctA, ARN: "arn:aws:sts::111122223333:assumed-role/ci/build-1", IDs: []string{"AROACIROLE0000000001"},
		RoleARN: "arn:aws:iam::111122223333:role/team/ci"}
	userByARN := `{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:user/division/alice"]},"Action":"kms:*","Resource":"*"}]}`
	sessionARN := `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:sts::111122223333:assumed-role/app/s1"},"Action":"kms:*","Resource":"*"}]}`
	wildcard := `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:DescribeKey","Resource":"*"}]}`
	bothWays := `{"Statement":[{"Effect":"Allow","Principal":{"AWS":["111122223333","` + appRoleID + `"]},"Action":"kms:*","Resource":"*"}]}`
	// NotPrincipal examples from the IAM guide: listing only the session
	// still denies it through its account and role; listing every layer
	// exempts it.
	notOnlySession := `{"Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:sts::111122223333:assumed-role/app/s1"},"Action":"kms:*","Resource":"*"}]}`
	notAllLayers := `{"Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:sts::111122223333:assumed-role/app/s1","` + appRoleID + `","arn:aws:iam::111122223333:root"]},"Action":"kms:*","Resource":"*"}]}`
	notUser := `{"Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:user/bob","111122223333"]},"Action":"kms:*","Resource":"*"}]}`
	notAccount := `{"Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`
	denyAccount := `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"},
	  {"Effect":"Deny","Principal":{"AWS":"444455556666"},"Action":"kms:*","Resource":"*"}]}`
	bob := userOf(acctA, "bob", "AIDABOB0000000000001")

	runEval(t, []evalCase{
		{name: "ok/trust-role-arn-matches-its-sessions", doc: trust, req: req("sts:AssumeRole", "", ci), want: Allow, by: MatchRoleSession},
		{name: "fail/trust-role-arn-path-differs", doc: trust, req: req("sts:AssumeRole", "", ciPath), want: NotApplicable},
		{name: "ok/trust-service", doc: trust, req: req("sts:AssumeRole", "", Caller{Service: "lambda.amazonaws.com"}), want: Allow, by: MatchService},
		{name: "fail/trust-other-service", doc: trust, req: req("sts:AssumeRole", "", Caller{Service: "ec2.amazonaws.com"}), want: NotApplicable},
		{name: "ok/trust-cross-account-external-id", doc: trust,
			req: req("sts:AssumeRole", "", userOf(acctB, "carol", "AIDACAROL00000000001"), "sts:ExternalId", "Unique1"), want: Allow, delegated: true},
		{name: "fail/trust-cross-account-wrong-external-id", doc: trust,
			req: req("sts:AssumeRole", "", userOf(acctB, "carol", "AIDACAROL00000000001"), "sts:ExternalId", "x"), want: NotApplicable},
		{name: "fail/trust-resource-given", doc: trust,
			req: req("sts:AssumeRole", "arn:aws:iam::111122223333:role/target", ci), want: NotApplicable, skips: map[int]SkipReason{0: SkipResource}},

		{name: "ok/user-arn-with-path", doc: userByARN, req: req("kms:Decrypt", keyARN, userOf(acctA, "division/alice", "AIDAALICE00000000001")), want: Allow, by: MatchARN},
		{name: "fail/user-arn-other-user", doc: userByARN, req: req("kms:Decrypt", keyARN, bob), want: NotApplicable},
		{name: "ok/session-arn-exact", doc: sessionARN, req: req("kms:Decrypt", keyARN, app), want: Allow, by: MatchARN},
		{name: "fail/session-arn-other-session", doc: sessionARN, req: req("kms:Decrypt", keyARN, sessionOf(acctA, "app", "s2", appRoleID)), want: NotApplicable},
		{name: "ok/wildcard-anyone", doc: wildcard, req: req("kms:DescribeKey", keyARN, userOf(acctB, "x", "AIDAX00000000000001")), want: Allow, by: MatchWildcard},
		{name: "ok/direct-beats-delegated", doc: bothWays, req: req("kms:Decrypt", keyARN, app), want: Allow, by: MatchUniqueID},

		{name: "fail/not-principal-session-only-still-denied", doc: notOnlySession, req: req("kms:Decrypt", keyARN, app), want: Deny, by: MatchNotPrincipal},
		{name: "ok/not-principal-all-layers-exempt", doc: notAllLayers, req: req("kms:Decrypt", keyARN, app), want: NotApplicable, skips: map[int]SkipReason{0: SkipNotPrincipal}},
		{name: "fail/not-principal-other-session-denied", doc: notAllLayers, req: req("kms:Decrypt", keyARN, sessionOf(acctA, "app", "s2", appRoleID)), want: Deny},
		{name: "ok/not-principal-user-and-account", doc: notUser, req: req("kms:Decrypt", keyARN, bob), want: NotApplicable},
		{name: "fail/not-principal-other-user", doc: notUser, req: req("kms:Decrypt", keyARN, userOf(acctA, "eve", "AIDAEVE0000000000001")), want: Deny},
		{name: "ok/not-principal-account-root-exempt", doc: notAccount, req: req("kms:Decrypt", keyARN, rootOf(acctA)), want: NotApplicable},
		{name: "fail/not-principal-account-user-denied", doc: notAccount, req: req("kms:Decrypt", keyARN, bob), want: Deny},
		{name: "fail/deny-account-covers-its-users", doc: denyAccount, req: req("kms:Decrypt", keyARN, userOf(acctB, "x", "AIDAX00000000000001")), want: Deny},
		{name: "ok/deny-account-other-account", doc: denyAccount, req: req("kms:Decrypt", keyARN, bob), want: Allow},
	})
}

func TestEvaluateEdges(t *testing.T) {
	noAction := `{"Statement":[{"Effect":"Allow","Principal":"*","Resource":"*"}]}`
	noResource := `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*"}]}`
	d := mustParse(t, noAction)
	if res := d.Evaluate(req("kms:Decrypt", keyARN, rootOf(acctA))); res.Effect != NotApplicable || res.Skipped[0].Reason != SkipAction {
		t.Errorf("statement without Action applied: %+v", res)
	}
	d = mustParse(t, noResource)
	if res := d.Evaluate(req("kms:Decrypt", keyARN, rootOf(acctA))); res.Effect != NotApplicable || res.Skipped[0].Reason != SkipResource {
		t.Errorf("key policy statement without Resource applied: %+v", res)
	}
	if res := mustParse(t, defaultKeyPolicy).Evaluate(nil); res.Effect != NotApplicable {
		t.Errorf("nil request: %+v", res)
	}
	// The caller's context is never modified, even when keys differing only
	// in case are merged.
	shared := []string{"a"}
	ctx := map[string][]string{"aws:X": shared[:1:1], "AWS:x": {"b"}}
	r := &Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: ctx}
	res := mustParse(t, `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:x":["a","b"]},"ForAnyValue:StringEquals":{"aws:x":"b"}}}]}`).Evaluate(r)
	if res.Effect != Allow {
		t.Errorf("merged keys: %s", Explain(res))
	}
	if len(ctx["aws:X"]) != 1 || ctx["aws:X"][0] != "a" || len(ctx) != 2 {
		t.Errorf("context modified: %v", ctx)
	}
}

func BenchmarkEvaluateConsoleKeyPolicy(b *testing.B) {
	d := mustParse(b, consoleKeyPolicy)
	r := req("kms:Decrypt", keyARN, sessionOf(acctA, "app", "s", appRoleID))
	AddEncryptionContext(r.Context, map[string]string{"Department": "IT"})
	b.ReportAllocs()
	for b.Loop() {
		if d.Evaluate(r).Effect != Allow {
			b.Fatal("not allowed")
		}
	}
}

func BenchmarkParseConsoleKeyPolicy(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(consoleKeyPolicy); err != nil {
			b.Fatal(err)
		}
	}
}
