package policy

import (
	"errors"
	"testing"

	"github.com/keyward/keyward/internal/errs"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		doc    string
		reason Reason // "" for ok
		msg    string // IAM's message, checked where it is the contract
	}{
		{name: "ok/default-key-policy", doc: `{
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
}`},
		{name: "ok/statement-object", doc: `{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`},
		{name: "ok/version-2008", doc: `{"Version":"2008-10-17","Statement":[{"Effect":"Deny","NotAction":["iam:*"],"NotResource":"arn:aws:iam::*"}]}`},
		{name: "ok/empty-statement-list", doc: `{"Statement":[]}`},
		{name: "ok/all-principal-types", doc: `{"Statement":[{"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:user/division/alice","arn:aws:iam::111122223333:role/service-role/app","arn:aws:sts::111122223333:assumed-role/app/s1","arn:aws:sts::111122223333:federated-user/bob","AROAEXAMPLEID1234567","*"],"Service":"ec2.amazonaws.com","Federated":"cognito-identity.amazonaws.com","CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"kms:Decrypt","Resource":"*"}]}`},
		{name: "ok/condition-scalars", doc: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"NumericLessThanEquals":{"s3:max-keys":10},"Bool":{"aws:SecureTransport":true},"StringLike":{"s3:prefix":["home/${aws:username}/*",""]},"DateGreaterThan":{"aws:CurrentTime":"2019-07-16T12:00:00Z"},"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:DB8:1234:5678::/64","198.51.100.7"]},"BinaryEquals":{"aws:x":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="},"Null":{"aws:TokenIssueTime":"true"}}}]}`},
		{name: "ok/operator-case-and-qualifiers", doc: `{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"forallvalues:stringlikeifexists":{"aws:TagKeys":"a*"},"ForAnyValue:StringEquals":{"aws:TagKeys":[]}}}]}`},

		{name: "fail/not-json", doc: `{"Statement":[}`, reason: ReasonSyntax, msg: msgSyntax},
		{name: "fail/not-object", doc: `[{"Effect":"Allow"}]`, reason: ReasonSyntax, msg: msgSyntax},
		{name: "fail/trailing-data", doc: `{"Statement":[]} {}`, reason: ReasonSyntax, msg: msgSyntax},
		{name: "fail/duplicate-top-level-key", doc: `{"Statement":[],"Statement":[]}`, reason: ReasonSyntax, msg: msgSyntax},
		{name: "fail/duplicate-statement-key", doc: `{"Statement":[{"Effect":"Allow","Effect":"Deny","Action":"a:b","Resource":"*"}]}`, reason: ReasonSyntax, msg: msgSyntax},
		{name: "fail/duplicate-condition-key", doc: `{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"StringEquals":{"aws:x":"1","aws:x":"2"}}}]}`, reason: ReasonSyntax},
		{name: "fail/unknown-top-level-element", doc: `{"Statement":[],"Foo":1}`, reason: ReasonSyntax, msg: msgSyntax},
		{name: "fail/unknown-statement-element", doc: `{"Statement":[{"Effect":"Allow","Actions":"a:b"}]}`, reason: ReasonSyntax, msg: msgSyntax},
		{name: "fail/lower-case-element", doc: `{"Statement":[{"effect":"Allow","Action":"a:b"}]}`, reason: ReasonSyntax},
		{name: "fail/bad-version", doc: `{"Version":"2012-10-18","Statement":[]}`, reason: ReasonVersion, msg: msgLegacy},
		{name: "fail/version-number", doc: `{"Version":2012,"Statement":[]}`, reason: ReasonSyntax},
		{name: "fail/missing-statement", doc: `{"Version":"2012-10-17"}`, reason: ReasonStatement, msg: msgMissingStatement},
		{name: "fail/statement-string", doc: `{"Statement":"Allow"}`, reason: ReasonSyntax},
		{name: "fail/statement-list-of-strings", doc: `{"Statement":["x"]}`, reason: ReasonSyntax},
		{name: "fail/missing-effect", doc: `{"Statement":[{"Action":"a:b","Resource":"*"}]}`, reason: ReasonEffect, msg: msgMissingEffect},
		{name: "fail/bad-effect", doc: `{"Statement":[{"Effect":"allow","Action":"a:b","Resource":"*"}]}`, reason: ReasonEffect, msg: "Invalid effect: allow"},
		{name: "fail/action-and-notaction", doc: `{"Statement":[{"Effect":"Allow","Action":"a:b","NotAction":"a:c","Resource":"*"}]}`, reason: ReasonSyntax},
		{name: "fail/resource-and-notresource", doc: `{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","NotResource":"*"}]}`, reason: ReasonSyntax},
		{name: "fail/principal-and-notprincipal", doc: `{"Statement":[{"Effect":"Deny","Principal":"*","NotPrincipal":"*","Action":"a:b","Resource":"*"}]}`, reason: ReasonSyntax},
		{name: "fail/action-number", doc: `{"Statement":[{"Effect":"Allow","Action":5,"Resource":"*"}]}`, reason: ReasonSyntax},
		{name: "fail/action-list-with-number", doc: `{"Statement":[{"Effect":"Allow","Action":["a:b",5],"Resource":"*"}]}`, reason: ReasonSyntax},
		{name: "fail/action-without-vendor", doc: `{"Statement":[{"Effect":"Allow","Action":"Decrypt","Resource":"*"}]}`, reason: ReasonAction, msg: msgVendor},
		{name: "fail/resource-not-arn", doc: `{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"bucket"}]}`, reason: ReasonResource, msg: `Resource bucket must be in ARN format or "*".`},
		{name: "fail/sid-number", doc: `{"Statement":[{"Sid":1,"Effect":"Allow","Action":"a:b","Resource":"*"}]}`, reason: ReasonSyntax},
		{name: "fail/principal-bare-arn", doc: `{"Statement":[{"Effect":"Allow","Principal":"arn:aws:iam::111122223333:root","Action":"a:b","Resource":"*"}]}`, reason: ReasonPrincipal, msg: msgInvalidPrincipal},
		{name: "fail/principal-empty-object", doc: `{"Statement":[{"Effect":"Allow","Principal":{},"Action":"a:b","Resource":"*"}]}`, reason: ReasonPrincipal},
		{name: "fail/principal-unknown-type", doc: `{"Statement":[{"Effect":"Allow","Principal":{"IAM":"111122223333"},"Action":"a:b","Resource":"*"}]}`, reason: ReasonPrincipal},
		{name: "fail/principal-empty-list", doc: `{"Statement":[{"Effect":"Allow","Principal":{"AWS":[]},"Action":"a:b","Resource":"*"}]}`, reason: ReasonPrincipal},
		{name: "fail/principal-wildcard-in-arn", doc: `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/*"},"Action":"a:b","Resource":"*"}]}`, reason: ReasonPrincipal,
			msg: `Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:role/*"`},
		{name: "fail/principal-short-account", doc: `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"11112222333"},"Action":"a:b","Resource":"*"}]}`, reason: ReasonPrincipal},
		{name: "fail/principal-group", doc: `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:group/admins"},"Action":"a:b","Resource":"*"}]}`, reason: ReasonPrincipal},
		{name: "fail/principal-number", doc: `{"Statement":[{"Effect":"Allow","Principal":{"AWS":111122223333},"Action":"a:b","Resource":"*"}]}`, reason: ReasonPrincipal},
		{name: "fail/unknown-operator", doc: `{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"StringEqualz":{"aws:x":"1"}}}]}`, reason: ReasonCondition, msg: "Invalid Condition type : StringEqualz"},
		{name: "fail/null-if-exists", doc: `{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"NullIfExists":{"aws:x":"true"}}}]}`, reason: ReasonCondition},
		{name: "fail/unknown-set-qualifier", doc: `{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"ForSomeValues:StringEquals":{"aws:x":"1"}}}]}`, reason: ReasonCondition},
		{name: "fail/condition-key-without-vendor", doc: `{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"StringEquals":{"username":"1"}}}]}`, reason: ReasonCondition, msg: msgVendor},
		{name: "fail/condition-value-object", doc: `{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"StringEquals":{"aws:x":{"a":"b"}}}}]}`, reason: ReasonSyntax},
		{name: "fail/condition-value-null", doc: `{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"StringEquals":{"aws:x":null}}}]}`, reason: ReasonSyntax},
		{name: "fail/condition-not-object", doc: `{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":["x"]}]}`, reason: ReasonSyntax},
		{name: "fail/numeric-value", doc: `{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":"ten"}}}]}`, reason: ReasonCondition},
		{name: "fail/date-value", doc: `{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"yesterday"}}}]}`, reason: ReasonCondition},
		{name: "fail/ip-value", doc: `{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}}}]}`, reason: ReasonCondition},
		{name: "fail/bool-value", doc: `{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"yes"}}}]}`, reason: ReasonCondition},
		{name: "fail/binary-value", doc: `{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"BinaryEquals":{"aws:x":"not base64!"}}}]}`, reason: ReasonCondition},
		{name: "fail/invalid-utf8", doc: "{\"Statement\":[],\"Id\":\"\xff\"}", reason: ReasonSyntax},
		{name: "fail/too-deep", doc: `{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"StringEquals":{"aws:x":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}}]}`, reason: ReasonSyntax},
		{name: "fail/empty", doc: ``, reason: ReasonSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse(tt.doc)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if d.Text() != tt.doc {
					t.Errorf("Text() is not the input")
				}
				return
			}
			if err == nil {
				t.Fatalf("Parse succeeded, want %s", tt.reason)
			}
			if !errs.Is(err, errs.MalformedPolicy) {
				t.Errorf("code = %s, want MalformedPolicy", errs.CodeOf(err))
			}
			p, ok := ProblemOf(err)
			if !ok {
				t.Fatalf("no Problem in %v", err)
			}
			if p.Reason != tt.reason {
				t.Errorf("reason = %s (%v), want %s", p.Reason, p, tt.reason)
			}
			if tt.msg != "" && errs.Message(err) != tt.msg {
				t.Errorf("message = %q, want %q", errs.Message(err), tt.msg)
			}
			var e *errs.Error
			if !errors.As(err, &e) || e.Err == nil {
				t.Errorf("error carries no cause: %v", err)
			}
		})
	}
}

func TestParseKeepsStructure(t *testing.T) {
	d := mustParse(t, `{"Version":"2012-10-17","Id":"p1","Statement":{"Sid":"S","Effect":"Deny","NotPrincipal":{"AWS":["111122223333"]},"NotAction":"kms:Decrypt","NotResource":["arn:aws:kms:*"],"Condition":{"StringEquals":{"kms:ViaService":["a","b"]},"Bool":{"aws:SecureTransport":false}}}}`)
	if d.Version != Version2012 || d.ID != "p1" || len(d.Statements) != 1 {
		t.Fatalf("document = %+v", d)
	}
	s := d.Statements[0]
	if s.Sid != "S" || s.Effect != Deny || !s.Principal.Not || s.Principal.Field() != "NotPrincipal" ||
		!s.Action.Not || s.Action.Values[0] != "kms:Decrypt" || !s.Resource.Not {
		t.Errorf("statement = %+v", s)
	}
	if len(s.Conditions) != 2 || s.Conditions[0].Key != "kms:ViaService" || len(s.Conditions[0].Values) != 2 ||
		s.Conditions[1].Operator != "Bool" || s.Conditions[1].Values[0] != "false" {
		t.Errorf("conditions = %+v", s.Conditions)
	}
}

func TestValidate(t *testing.T) {
	const (
		idOK    = `{"Version":"2012-10-17","Statement":[{"Sid":"AllowDecrypt","Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}`
		keyOK   = `{"Statement":[{"Sid":"Allow use of the key","Effect":"Allow","Principal":{"AWS":"AROAEXAMPLEID1234567"},"Action":["kms:Encrypt"],"Resource":"*"}]}`
		dupSid  = `{"Statement":[{"Sid":"A","Effect":"Allow","Action":"a:b","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"a:b","Resource":"*"}]}`
		trustOK = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com","AWS":"arn:aws:iam::111122223333:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`
	)
	tests := []struct {
		name   string
		doc    string
		kind   Kind
		reason Reason
		msg    string
	}{
		{name: "ok/identity", doc: idOK, kind: Identity},
		{name: "ok/key-policy", doc: keyOK, kind: KeyPolicy},
		{name: "ok/key-policy-not-principal-deny", doc: `{"Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"kms:*","Resource":"*"}]}`, kind: KeyPolicy},
		{name: "ok/key-policy-statement-without-resource", doc: `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*"}]}`, kind: KeyPolicy},
		{name: "ok/trust", doc: trustOK, kind: Trust},
		{name: "ok/trust-wildcard-action", doc: `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:*"}]}`, kind: Trust},

		{name: "fail/identity-with-principal", doc: keyOK, kind: Identity, reason: ReasonPrincipalProhibited, msg: msgNoPrincipalAllowed},
		{name: "fail/identity-sid-with-spaces", doc: `{"Statement":[{"Sid":"Allow it","Effect":"Allow","Action":"a:b","Resource":"*"}]}`, kind: Identity, reason: ReasonSid, msg: msgSidAlnum},
		{name: "fail/identity-no-action", doc: `{"Statement":[{"Effect":"Allow","Resource":"*"}]}`, kind: Identity, reason: ReasonAction, msg: msgNoActions},
		{name: "fail/identity-empty-action", doc: `{"Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]}`, kind: Identity, reason: ReasonAction},
		{name: "fail/identity-no-resource", doc: `{"Statement":[{"Effect":"Allow","Action":"a:b"}]}`, kind: Identity, reason: ReasonResource, msg: msgNoResources},
		{name: "fail/empty-statement", doc: `{"Statement":[]}`, kind: KeyPolicy, reason: ReasonStatement},
		{name: "fail/key-policy-without-principal", doc: idOK, kind: KeyPolicy, reason: ReasonPrincipalMissing, msg: msgMissingPrincipal},
		{name: "fail/trust-without-principal", doc: `{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`, kind: Trust, reason: ReasonPrincipalMissing, msg: msgMissingPrincipal},
		{name: "fail/trust-with-resource", doc: `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}]}`, kind: Trust, reason: ReasonResource, msg: "Has prohibited field Resource"},
		{name: "fail/trust-not-principal", doc: `{"Statement":[{"Effect":"Deny","NotPrincipal":"*","Action":"sts:AssumeRole"}]}`, kind: Trust, reason: ReasonPrincipal},
		{name: "fail/trust-kms-action", doc: `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt"}]}`, kind: Trust, reason: ReasonAction, msg: msgTrustActions},
		{name: "fail/identity-duplicate-sid", doc: dupSid, kind: Identity, reason: ReasonSid, msg: msgSidUnique},
		{name: "fail/trust-duplicate-sid", doc: `{"Statement":[{"Sid":"A","Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"},{"Sid":"A","Effect":"Deny","Principal":"*","Action":"sts:AssumeRole"}]}`, kind: Trust, reason: ReasonSid, msg: msgSidUnique},
		{name: "ok/key-policy-duplicate-sid", doc: `{"Statement":[{"Sid":"A","Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"},{"Sid":"A","Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}`, kind: KeyPolicy},
		{name: "fail/unknown-kind", doc: idOK, kind: Kind(99), reason: ReasonSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := mustParse(t, tt.doc).Validate(tt.kind)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("Validate(%s): %v", tt.kind, err)
				}
				return
			}
			if !errs.Is(err, errs.MalformedPolicy) {
				t.Fatalf("Validate(%s) = %v, want MalformedPolicy", tt.kind, err)
			}
			if p, _ := ProblemOf(err); p == nil || p.Reason != tt.reason {
				t.Errorf("problem = %v, want reason %s", p, tt.reason)
			}
			if tt.msg != "" && errs.Message(err) != tt.msg {
				t.Errorf("message = %q, want %q", errs.Message(err), tt.msg)
			}
		})
	}
}
