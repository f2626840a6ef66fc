package policy

import (
	"testing"
	"time"
)

// condCase evaluates one Condition element against a request context; the
// statement applies (true) or not.
type condCase struct {
	name string
	cond string
	ctx  map[string][]string // nil values: absent
	want bool
}

func runConditions(t *testing.T, tests []condCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":`+tt.cond+`}]}`)
			r := &Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: tt.ctx,
				Now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
			res := d.Evaluate(r)
			if got := res.Effect == Allow; got != tt.want {
				t.Errorf("applies = %v, want %v\n%s", got, tt.want, Explain(res))
			}
			if !tt.want && (len(res.Skipped) != 1 || res.Skipped[0].Condition == nil) {
				t.Errorf("skip does not name the condition: %+v", res.Skipped)
			}
		})
	}
}

func kv(pairs ...any) map[string][]string {
	m := map[string][]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		switch v := pairs[i+1].(type) {
		case string:
			m[pairs[i].(string)] = []string{v}
		case []string:
			m[pairs[i].(string)] = v
		}
	}
	return m
}

func TestStringOperators(t *testing.T) {
	runConditions(t, []condCase{
		{"ok/equals", `{"StringEquals":{"aws:PrincipalTag/job-category":"iamuser-admin"}}`, kv("aws:PrincipalTag/job-category", "iamuser-admin"), true},
		{"fail/equals-case", `{"StringEquals":{"aws:PrincipalTag/job-category":"iamuser-admin"}}`, kv("aws:PrincipalTag/job-category", "IAMUser-Admin"), false},
		{"ok/key-name-case-insensitive", `{"StringEquals":{"AWS:PRINCIPALTAG/JOB-CATEGORY":"x"}}`, kv("aws:principaltag/job-category", "x"), true},
		{"ok/equals-any-of-values", `{"StringEquals":{"aws:x":["a","b","c"]}}`, kv("aws:x", "b"), true},
		{"fail/equals-absent", `{"StringEquals":{"aws:x":"a"}}`, nil, false},
		{"fail/equals-empty-values-absent", `{"StringEquals":{"aws:x":"a"}}`, kv("aws:x", []string{}), false},
		{"ok/equals-number-literal", `{"StringEquals":{"aws:x":42}}`, kv("aws:x", "42"), true},
		{"ok/not-equals", `{"StringNotEquals":{"aws:x":["a","b"]}}`, kv("aws:x", "c"), true},
		{"fail/not-equals", `{"StringNotEquals":{"aws:x":["a","b"]}}`, kv("aws:x", "b"), false},
		{"ok/not-equals-absent-is-true", `{"StringNotEquals":{"aws:x":"a"}}`, nil, true},
		{"ok/not-equals-if-exists-absent", `{"StringNotEqualsIfExists":{"aws:x":"a"}}`, nil, true},
		{"ok/equals-ignore-case", `{"StringEqualsIgnoreCase":{"aws:x":"Hello"}}`, kv("aws:x", "hELLO"), true},
		{"fail/not-equals-ignore-case", `{"StringNotEqualsIgnoreCase":{"aws:x":"Hello"}}`, kv("aws:x", "HELLO"), false},
		{"ok/like", `{"StringLike":{"s3:prefix":["home/*","","shared/?ext"]}}`, kv("s3:prefix", "home/alice/x"), true},
		{"ok/like-empty-value", `{"StringLike":{"s3:prefix":["home/*",""]}}`, kv("s3:prefix", ""), true},
		{"ok/like-question-mark", `{"StringLike":{"s3:prefix":"shared/?ext"}}`, kv("s3:prefix", "shared/5ext"), true},
		{"ok/like-question-mark-multibyte", `{"StringLike":{"s3:prefix":"a?c"}}`, kv("s3:prefix", "aéc"), true},
		{"fail/like-question-mark-needs-one", `{"StringLike":{"s3:prefix":"shared/?ext"}}`, kv("s3:prefix", "shared/ext"), false},
		{"fail/like-case-sensitive", `{"StringLike":{"s3:prefix":"home/*"}}`, kv("s3:prefix", "Home/x"), false},
		{"ok/not-like", `{"StringNotLike":{"s3:prefix":"private/*"}}`, kv("s3:prefix", "public/x"), true},
		{"fail/not-like", `{"StringNotLike":{"s3:prefix":"private/*"}}`, kv("s3:prefix", "private/x"), false},
		{"ok/not-like-absent", `{"StringNotLike":{"s3:prefix":"private/*"}}`, nil, true},
		{"ok/like-backslash-literal", `{"StringLike":{"aws:x":"a\\*"}}`, kv("aws:x", `a\zz`), true},
		{"ok/variable-equals", `{"StringEquals":{"aws:x":"${aws:username}"}}`, kv("aws:x", "bob", "aws:username", "bob"), true},
		{"fail/variable-value-is-literal-in-like", `{"StringLike":{"aws:x":"${aws:username}"}}`, kv("aws:x", "bob", "aws:username", "b*"), false},
		{"ok/variable-literal-value-in-like", `{"StringLike":{"aws:x":"${aws:username}"}}`, kv("aws:x", "b*", "aws:username", "b*"), true},
		{"fail/variable-unresolved", `{"StringNotEquals":{"aws:x":"${aws:username}"}}`, kv("aws:x", "bob"), false},
		{"fail/variable-multivalued", `{"StringEquals":{"aws:x":"${aws:TagKeys}"}}`, kv("aws:x", "a", "aws:TagKeys", []string{"a", "b"}), false},
		{"ok/variable-default", `{"StringEquals":{"aws:x":"${aws:username, 'nobody'}"}}`, kv("aws:x", "nobody"), true},
		{"ok/variable-specials", `{"StringEquals":{"aws:x":"${$}{a}${?}${*}"}}`, kv("aws:x", "${a}?*"), true},
		{"ok/malformed-variable-is-text", `{"StringEquals":{"aws:x":"${a b}"}}`, kv("aws:x", "${a b}"), true},
		// Several keys in one block are ANDed; several blocks too.
		{"ok/keys-anded", `{"StringEquals":{"aws:a":"1","aws:b":"2"}}`, kv("aws:a", "1", "aws:b", "2"), true},
		{"fail/keys-anded", `{"StringEquals":{"aws:a":"1","aws:b":"2"}}`, kv("aws:a", "1", "aws:b", "3"), false},
		{"fail/blocks-anded", `{"StringEquals":{"aws:a":"1"},"StringLike":{"aws:b":"x*"}}`, kv("aws:a", "1", "aws:b", "y"), false},
		// A multivalued request key without a set operator.
		{"ok/multivalued-positive-any", `{"StringEquals":{"aws:x":"b"}}`, kv("aws:x", []string{"a", "b"}), true},
		{"fail/multivalued-negated-none", `{"StringNotEquals":{"aws:x":"b"}}`, kv("aws:x", []string{"a", "b"}), false},
	})
}

// The IAM guide's …IfExists and Null examples.
func TestIfExistsAndNull(t *testing.T) {
	const instanceType = `{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}`
	runConditions(t, []condCase{
		{"ok/if-exists-absent", instanceType, nil, true},
		{"ok/if-exists-match", instanceType, kv("ec2:InstanceType", "t2.micro"), true},
		{"fail/if-exists-present-no-match", instanceType, kv("ec2:InstanceType", "m5.large"), false},
		{"ok/bool-if-exists-absent", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}`, nil, true},
		{"fail/bool-if-exists-present", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}`, kv("aws:MultiFactorAuthPresent", "true"), false},
		{"ok/numeric-if-exists-absent", `{"NumericLessThanIfExists":{"aws:MultiFactorAuthAge":"3600"}}`, nil, true},
		{"ok/null-true-absent", `{"Null":{"aws:TokenIssueTime":"true"}}`, nil, true},
		{"fail/null-true-present", `{"Null":{"aws:TokenIssueTime":"true"}}`, kv("aws:TokenIssueTime", "2011-05-03T00:00:00Z"), false},
		{"fail/null-false-absent", `{"Null":{"aws:TokenIssueTime":"false"}}`, nil, false},
		{"ok/null-false-present", `{"Null":{"aws:TokenIssueTime":false}}`, kv("aws:TokenIssueTime", "2011-05-03T00:00:00Z"), true},
		{"ok/null-empty-list-is-absent", `{"Null":{"aws:TagKeys":"true"}}`, kv("aws:TagKeys", []string{}), true},
	})
}

// The IAM guide's multivalued context key examples (aws:TagKeys) and the
// set-operator truth tables.
func TestSetOperators(t *testing.T) {
	const (
		allEq     = `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}`
		anyEq     = `{"ForAnyValue:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}`
		allNotEq  = `{"ForAllValues:StringNotEquals":{"aws:TagKeys":["DataClass","Owner"]}}`
		anyNotEq  = `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["DataClass","Owner"]}}`
		allLike   = `{"ForAllValues:StringLike":{"aws:TagKeys":["key1*"]}}`
		anyLikeIE = `{"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":["key1*"]}}`
	)
	runConditions(t, []condCase{
		{"ok/for-all-subset", allEq, kv("aws:TagKeys", []string{"environment"}), true},
		{"ok/for-all-equal-set", allEq, kv("aws:TagKeys", []string{"cost-center", "environment"}), true},
		{"fail/for-all-extra", allEq, kv("aws:TagKeys", []string{"environment", "owner"}), false},
		{"ok/for-all-absent-is-true", allEq, nil, true},
		{"ok/for-all-empty-is-true", allEq, kv("aws:TagKeys", []string{}), true},
		{"ok/for-any-one", anyEq, kv("aws:TagKeys", []string{"owner", "environment"}), true},
		{"fail/for-any-none", anyEq, kv("aws:TagKeys", []string{"owner"}), false},
		{"fail/for-any-absent-is-false", anyEq, nil, false},
		{"ok/for-all-not-equals-absent", allNotEq, nil, true},
		{"fail/for-all-not-equals-all-listed", allNotEq, kv("aws:TagKeys", []string{"DataClass", "Owner"}), false},
		{"fail/for-all-not-equals-one-listed", allNotEq, kv("aws:TagKeys", []string{"DataClass", "Dept"}), false},
		{"ok/for-all-not-equals-none-listed", allNotEq, kv("aws:TagKeys", []string{"Dept", "SIC"}), true},
		{"fail/for-any-not-equals-absent", anyNotEq, nil, false},
		{"fail/for-any-not-equals-all-listed", anyNotEq, kv("aws:TagKeys", []string{"DataClass", "Owner"}), false},
		{"ok/for-any-not-equals-one-unlisted", anyNotEq, kv("aws:TagKeys", []string{"Dept", "DataClass"}), true},
		{"ok/for-all-like", allLike, kv("aws:TagKeys", []string{"key1", "key1-b"}), true},
		{"fail/for-all-like", allLike, kv("aws:TagKeys", []string{"key1", "key2"}), false},
		{"ok/for-any-if-exists-absent", anyLikeIE, nil, true},
		{"fail/for-any-if-exists-present", anyLikeIE, kv("aws:TagKeys", []string{"key2"}), false},
		{"ok/for-all-numeric", `{"ForAllValues:NumericLessThan":{"aws:x":["10"]}}`, kv("aws:x", []string{"1", "9.5"}), true},
		{"fail/for-all-numeric", `{"ForAllValues:NumericLessThan":{"aws:x":["10"]}}`, kv("aws:x", []string{"1", "10"}), false},
	})
}

func TestTypedOperators(t *testing.T) {
	runConditions(t, []condCase{
		// Numeric, from the s3:max-keys example.
		{"ok/numeric-le", `{"NumericLessThanEquals":{"s3:max-keys":"10"}}`, kv("s3:max-keys", "10"), true},
		{"fail/numeric-le", `{"NumericLessThanEquals":{"s3:max-keys":"10"}}`, kv("s3:max-keys", "11"), false},
		{"ok/numeric-equals-decimal", `{"NumericEquals":{"aws:x":1.50}}`, kv("aws:x", "1.5"), true},
		{"ok/numeric-not-equals", `{"NumericNotEquals":{"aws:x":"3"}}`, kv("aws:x", "4"), true},
		{"ok/numeric-not-equals-absent", `{"NumericNotEquals":{"aws:x":"3"}}`, nil, true},
		{"ok/numeric-lt", `{"NumericLessThan":{"aws:x":"3"}}`, kv("aws:x", "-2"), true},
		{"ok/numeric-gt", `{"NumericGreaterThan":{"aws:x":"3"}}`, kv("aws:x", "3.01"), true},
		{"fail/numeric-ge", `{"NumericGreaterThanEquals":{"aws:x":"3"}}`, kv("aws:x", "2.99"), false},
		{"fail/numeric-garbage-request", `{"NumericLessThan":{"aws:x":"3"}}`, kv("aws:x", "two"), false},
		{"ok/numeric-rotation-days", `{"NumericLessThanEquals":{"kms:RotationPeriodInDays":"180"}}`, kv("kms:RotationPeriodInDays", "90"), true},
		// Dates: ISO 8601 and epoch, against aws:CurrentTime/aws:EpochTime
		// defaulted from Request.Now (2026-03-01T12:00:00Z).
		{"ok/date-gt-now", `{"DateGreaterThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}`, nil, true},
		{"fail/date-lt-now", `{"DateLessThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}`, nil, false},
		{"ok/date-day-only", `{"DateGreaterThanEquals":{"aws:CurrentTime":"2026-03-01"}}`, nil, true},
		{"ok/date-offset", `{"DateEquals":{"aws:CurrentTime":"2026-03-01T13:00:00+01:00"}}`, nil, true},
		{"ok/date-epoch-policy", `{"DateLessThan":{"aws:CurrentTime":1893456000}}`, nil, true},
		{"ok/date-epoch-key", `{"DateGreaterThan":{"aws:EpochTime":"2026-02-28T00:00:00Z"}}`, nil, true},
		{"ok/date-not-equals", `{"DateNotEquals":{"aws:CurrentTime":"2026-03-02"}}`, nil, true},
		{"ok/date-le", `{"DateLessThanEquals":{"aws:TokenIssueTime":"2026-03-01T12:00:00.000Z"}}`, kv("aws:TokenIssueTime", "2026-03-01T12:00:00Z"), true},
		{"fail/date-explicit-context-wins", `{"DateGreaterThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}`, kv("aws:CurrentTime", "2025-12-31T23:59:59Z"), false},
		// Bool.
		{"ok/bool", `{"Bool":{"aws:SecureTransport":"true"}}`, kv("aws:SecureTransport", "true"), true},
		{"ok/bool-json-literal-and-case", `{"Bool":{"aws:SecureTransport":true}}`, kv("aws:SecureTransport", "True"), true},
		{"fail/bool", `{"Bool":{"aws:SecureTransport":"true"}}`, kv("aws:SecureTransport", "false"), false},
		{"fail/bool-absent", `{"Bool":{"aws:SecureTransport":"false"}}`, nil, false},
		// Binary, from the IAM guide.
		{"ok/binary", `{"BinaryEquals":{"s3:key":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}`, kv("s3:key", "QmluYXJ5VmFsdWVJbkJhc2U2NA=="), true},
		{"fail/binary", `{"BinaryEquals":{"aws:key":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}`, kv("aws:key", "b3RoZXI="), false},
		// IP addresses, from the IAM guide.
		{"ok/ip-v4", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, kv("aws:SourceIp", "203.0.113.200"), true},
		{"fail/ip-v4", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, kv("aws:SourceIp", "203.0.114.1"), false},
		{"ok/ip-v6", `{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:DB8:1234:5678::/64"]}}`, kv("aws:SourceIp", "2001:db8:1234:5678::9"), true},
		{"ok/ip-single", `{"IpAddress":{"aws:SourceIp":"192.0.2.7"}}`, kv("aws:SourceIp", "192.0.2.7"), true},
		{"ok/ip-v4-mapped", `{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`, kv("aws:SourceIp", "::ffff:192.0.2.9"), true},
		{"ok/not-ip", `{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`, kv("aws:SourceIp", "198.51.100.1"), true},
		{"fail/not-ip", `{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`, kv("aws:SourceIp", "192.0.2.1"), false},
		{"fail/ip-garbage-request", `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, kv("aws:SourceIp", "localhost"), false},
		// ARNs: six parts, wildcards per part.
		{"ok/arn-equals", `{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:123456789012:topic"}}`, kv("aws:SourceArn", "arn:aws:sns:us-east-1:123456789012:topic"), true},
		{"ok/arn-like", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:123456789012:*"}}`, kv("aws:SourceArn", "arn:aws:sns:eu-west-1:123456789012:alerts"), true},
		{"fail/arn-like-wildcard-does-not-span-parts", `{"ArnLike":{"aws:SourceArn":"arn:aws:*:eu-west-1:123456789012:alerts"}}`, kv("aws:SourceArn", "arn:aws:sns:extra:eu-west-1:123456789012:alerts"), false},
		{"ok/arn-like-short-pattern-whole-string", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*"}}`, kv("aws:SourceArn", "arn:aws:sns:eu-west-1:123456789012:alerts"), true},
		{"ok/arn-like-resource-part-with-colons", `{"ArnLike":{"aws:SourceArn":"arn:aws:logs:us-east-1:123456789012:log-group:*"}}`, kv("aws:SourceArn", "arn:aws:logs:us-east-1:123456789012:log-group:app:*"), true},
		{"fail/arn-like-not-an-arn", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:*"}}`, kv("aws:SourceArn", "topic"), false},
		{"ok/arn-not-like", `{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/admin-*"}}`, kv("aws:PrincipalArn", "arn:aws:iam::111122223333:role/app"), true},
		{"fail/arn-not-equals", `{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/app"}}`, kv("aws:PrincipalArn", "arn:aws:iam::111122223333:role/app"), false},
		{"ok/arn-variable", `{"ArnEquals":{"aws:SourceArn":"arn:aws:iam::${aws:PrincipalAccount}:role/*"}}`, kv("aws:SourceArn", "arn:aws:iam::111122223333:role/x", "aws:PrincipalAccount", "111122223333"), true},
	})
}

func TestParseOperator(t *testing.T) {
	for _, s := range []string{"StringEquals", "stringequals", "ForAnyValue:StringLikeIfExists", "forallvalues:ArnNotLike", "DateLessThanEqualsIfExists", "Null", "BinaryEqualsIfExists", "NotIpAddressIfExists"} {
		if _, _, _, ok := parseOperator(s); !ok {
			t.Errorf("parseOperator(%q) rejected", s)
		}
	}
	for _, s := range []string{"", "IfExists", "StringEqual", "Foo:StringEquals", "ForAnyValue:Null", "NullIfExists", "StringEqualsIfExistsIfExists", "ForAnyValue:ForAllValues:StringEquals", ":StringEquals"} {
		if _, _, _, ok := parseOperator(s); ok {
			t.Errorf("parseOperator(%q) accepted", s)
		}
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		p, s string
		want bool
	}{
		{"*", "", true}, {"*", "abc", true}, {"", "", true}, {"", "a", false},
		{"a*c", "abbbc", true}, {"a*c", "abbb", false}, {"a?c", "abc", true}, {"a?c", "ac", false},
		{"*a*b*c*", "xaybzc", true}, {"*a*b*c*", "xaybz", false}, {"a**b", "ab", true},
		{`a\*`, "a*", true}, {`a\*`, "ab", false}, {`a\?`, "a?", true}, {`a\\`, `a\`, true},
		{"?", "é", true}, {"??", "é", false},
		{"kms:*", "kms:decrypt", true}, {"kms:describe*", "kms:decrypt", false},
	}
	for _, tt := range tests {
		if got := glob(tt.p, tt.s); got != tt.want {
			t.Errorf("glob(%q, %q) = %v, want %v", tt.p, tt.s, got, tt.want)
		}
	}
}
