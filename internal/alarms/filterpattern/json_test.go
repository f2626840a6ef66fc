package filterpattern

import (
	"encoding/json"
	"testing"
)

// docEvent is the JSON log event of AWS's "Using filter patterns to match
// terms in JSON log events" (with ThisFlag from the earlier edition of the
// page), on one line as the page asks.
const docEvent = `{"eventType": "UpdateTrail", "sourceIPAddress": "111.111.111.111", "arrayKey": ["value", "another value"], ` +
	`"objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}], "SomeObject": null, "cluster.name": "c", "ThisFlag": true}`

// compoundEvent is the page's event for compound expressions.
const compoundEvent = `{"user": {"id": 1, "email": "John.Stiles@example.com"}, ` +
	`"users": [{"id": 2, "email": "John.Doe@example.com"}, {"id": 3, "email": "Jane.Doe@example.com"}], ` +
	`"actions": ["GET", "PUT", "DELETE"], "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]]}`

func TestJSONDocExamples(t *testing.T) {
	runMatches(t, []matchCase{
		// "Example: Filter pattern that matches string values" and the rest of
		// the page's examples, each of which matches docEvent.
		{"ok/string", `{ $.eventType = "UpdateTrail" }`, docEvent, true},
		{"ok/ip-outside-subnet", `{ $.sourceIPAddress != 123.123.* }`, docEvent, true},
		{"ok/array-element", `{ $.arrayKey[0] = "value" }`, docEvent, true},
		{"ok/object-in-array", `{ $.objectList[1].id = 2 }`, docEvent, true},
		{"ok/regex", `{ $.eventType = %Trail% }`, docEvent, true},
		{"ok/wildcard-array-regex", `{ $.arrayKey[*] = %val.{2}% }`, docEvent, true},
		{"ok/wildcard-field-regex", `{ $.* = %111\.111\.111\.1[0-9]{1,2}% }`, docEvent, true},
		{"ok/bracket-key-with-period", `{ $.['cluster.name'] = "c" }`, docEvent, true},
		{"ok/is-null", `{ $.SomeObject IS NULL }`, docEvent, true},
		{"ok/not-exists", `{ $.SomeOtherObject NOT EXISTS }`, docEvent, true},
		{"ok/is-true", `{ $.ThisFlag IS TRUE }`, docEvent, true},

		// The same conditions turned around.
		{"no/string", `{ $.eventType = "CreateTrail" }`, docEvent, false},
		{"no/ip-inside-subnet", `{ $.sourceIPAddress != 111.111.* }`, docEvent, false},
		{"no/array-element", `{ $.arrayKey[0] = "another value" }`, docEvent, false},
		{"no/index-out-of-range", `{ $.objectList[5].id = 2 }`, docEvent, false},
		{"no/index-into-string", `{ $.eventType[0] = "UpdateTrail" }`, docEvent, false},
		{"no/is-false", `{ $.ThisFlag IS FALSE }`, docEvent, false},
		{"no/null-exists", `{ $.SomeObject NOT EXISTS }`, docEvent, false},
		{"no/missing-is-not-null", `{ $.SomeOtherObject IS NULL }`, docEvent, false},
		{"no/string-is-not-true", `{ $.eventType IS TRUE }`, docEvent, false},
		{"no/dotted-path-is-not-dotted-key", `{ $.cluster.name = "c" }`, docEvent, false},
		{"no/regex", `{ $.eventType = %^Trail% }`, docEvent, false},
		{"ok/regex-not-equal", `{ $.eventType != %^Trail% }`, docEvent, true},

		// "The SELECTOR must point to a value node (string or number) … If it
		// points to an array or object, the filter will not be applied":
		// = and != are both false.
		{"no/array-equal", `{ $.arrayKey = "value" }`, docEvent, false},
		{"no/array-not-equal", `{ $.arrayKey != "value" }`, docEvent, false},
		{"no/object-wildcard", `{ $.objectList[0] = "*" }`, docEvent, false},
		{"no/users-array-equal", `{$.users = 1}`, `{"users": [1, 2, 3]}`, false},
		{"no/users-array-not-equal", `{$.users != 1}`, `{"users": [1, 2, 3]}`, false},
		// A wildcard selector matches when any element does.
		{"ok/wildcard-any-element", `{ $.users[*] = 1 }`, `{"users": [1, 2, 3]}`, true},
		{"ok/wildcard-any-element-differs", `{ $.users[*] != 1 }`, `{"users": [1, 2, 3]}`, true},
		{"no/wildcard-no-element", `{ $.users[*] = 4 }`, `{"users": [1, 2, 3]}`, false},
		{"ok/wildcard-object-list", `{ $.objectList[*].name = b }`, docEvent, true},
		{"ok/wildcard-numeric", `{ $.objectList[*].id > 1 }`, docEvent, true},
		{"no/wildcard-numeric", `{ $.objectList[*].id > 2 }`, docEvent, false},
		{"ok/wildcard-dot-star-array", `{ $.arrayKey.* = "another*" }`, docEvent, true},
		{"ok/wildcard-not-exists-empty", `{ $.list[*] NOT EXISTS }`, `{"list": []}`, true},
		{"no/wildcard-not-exists", `{ $.list[*] NOT EXISTS }`, `{"list": [null]}`, false},
		{"ok/wildcard-is-null", `{ $.list[*] IS NULL }`, `{"list": [1, null]}`, true},

		// Value nodes are strings and numbers: null and booleans are reached
		// only with IS.
		{"no/null-is-no-value", `{ $.SomeObject = "*" }`, docEvent, false},
		{"no/bool-is-no-value", `{ $.ThisFlag = "*" }`, docEvent, false},
		{"no/bool-text", `{ $.ThisFlag = true }`, docEvent, false},

		// OR pattern matching in JSON filters.
		{"ok/or-bar", `{$.foo = bar}`, `{"foo": "bar"}`, true},
		{"no/or-bar", `{$.foo = bar}`, `{"foo": "baz"}`, false},
		{"ok/or-baz", `{$.foo = baz }`, `{"foo": "baz"}`, true},
		{"ok/or-either-1", `{$.foo = bar || $.foo = baz }`, `{"foo": "bar"}`, true},
		{"ok/or-either-2", `{$.foo = bar || $.foo = baz }`, `{"foo": "baz"}`, true},
		{"no/or-neither", `{$.foo = bar || $.foo = baz }`, `{"foo": "qux"}`, false},

		// Compound expressions: () > && > ||.
		{"ok/and", `{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }`, compoundEvent, true},
		{"no/or", `{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }`, compoundEvent, false},
		{"ok/precedence-unquoted", `{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }`, compoundEvent, true},
		{"no/parentheses-unquoted", `{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }`, compoundEvent, false},
		{"ok/precedence-quoted", `{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch" && $.actions[2] = "nonmatch" }`, compoundEvent, true},
		{"no/parentheses-quoted", `{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch") && $.actions[2] = "nonmatch" }`, compoundEvent, false},
		{"ok/nested-array", `{ $.coordinates[2][0] = 7 }`, compoundEvent, true},

		// Wildcards in string values: at the start, at the end, alone; a star
		// inside a value is literal ("Ev*ent will only match the actual string
		// Ev*ent").
		{"ok/suffix-wildcard", `{ $.name = *Event }`, `{"name": "PutEvent"}`, true},
		{"ok/prefix-wildcard", `{ $.name = Event* }`, `{"name": "EventName"}`, true},
		{"no/inner-star-literal", `{ $.name = "Ev*ent" }`, `{"name": "EvXent"}`, false},
		{"ok/inner-star-literal", `{ $.name = "Ev*ent" }`, `{"name": "Ev*ent"}`, true},
		{"ok/contains-wildcard", `{ $.request = "*html*" }`, `{"request": "GET /index.html HTTP/1.0"}`, true},
		{"ok/star-any-string", `{ $.name = "*" }`, `{"name": ""}`, true},
		{"ok/star-any-number", `{ $.latency = * }`, `{"latency": 50}`, true},
		{"no/star-missing", `{ $.latency = * }`, `{"other": 50}`, false},
		{"ok/wildcard-number-text", `{ $.status = 4* }`, `{"status": 404}`, true},
		{"ok/escaped-quote", `{ $.msg = "say \"hi\"" }`, `{"msg": "say \"hi\""}`, true},
		{"ok/unicode-value", `{ $.city = "Zürich" }`, `{"city": "Zürich"}`, true},
		{"ok/case-sensitive-keywords-any-case", `{ $.SomeObject is null }`, docEvent, true},

		// Events that are not one JSON object never match a JSON pattern.
		{"no/not-json", `{ $.a NOT EXISTS }`, `plain text`, false},
		{"no/json-array-event", `{ $.a NOT EXISTS }`, `[1, 2]`, false},
		{"no/trailing-garbage", `{ $.a = 1 }`, `{"a": 1} x`, false},
		{"ok/surrounding-space", `{ $.a = 1 }`, " {\"a\": 1}\n", true},
	})
}

func TestJSONNumericComparisons(t *testing.T) {
	runMatches(t, []matchCase{
		// The page's numeric examples.
		{"ok/ge", `{ $.latency >= 500 }`, `{"latency": 500}`, true},
		{"no/ge", `{ $.latency >= 500 }`, `{"latency": 499.9}`, false},
		{"ok/lt-exponent", `{ $.numbers[0] < 10e3 }`, `{"numbers": [9999]}`, true},
		{"no/lt-exponent", `{ $.numbers[0] < 10e3 }`, `{"numbers": [10000]}`, false},
		{"ok/lt-negative-exponent", `{ $.numbers[0] < 10e-3 }`, `{"numbers": [0.001]}`, true},
		{"no/lt-negative-exponent", `{ $.numbers[0] < 10e-3 }`, `{"numbers": [0.01]}`, false},
		{"ok/le-decimal", `{ $.processes[4].averageRuntime <= 55.5 }`, `{"processes": [{}, {}, {}, {}, {"averageRuntime": 55.5}]}`, true},
		{"ok/eq", `{ $.errorCode = 400 }`, `{"errorCode": 400}`, true},
		{"ok/eq-by-value", `{ $.errorCode = 400 }`, `{"errorCode": 4.0e2}`, true},
		{"ok/eq-string-text", `{ $.errorCode = 400 }`, `{"errorCode": "400"}`, true},
		{"no/eq-string-other-text", `{ $.errorCode = 400 }`, `{"errorCode": "400.0"}`, false},
		{"no/ne", `{ $.errorCode != 500 }`, `{"errorCode": 500}`, false},
		{"ok/ne", `{ $.errorCode != 500 }`, `{"errorCode": 404}`, true},
		{"ok/gt-plus-sign", `{ $.latency > +1000 }`, `{"latency": 1001}`, true},
		{"no/gt-plus-sign", `{ $.latency > +1000 }`, `{"latency": 1000}`, false},
		{"ok/gt", `{ $.bandwidth > 75 }`, `{"bandwidth": 76}`, true},
		{"ok/lt", `{ $.latency < 50 }`, `{"latency": 49}`, true},
		{"ok/ge-equal", `{ $.refreshRate >= 60 }`, `{"refreshRate": 60}`, true},
		{"ok/le-equal", `{ $.responseTime <= 5 }`, `{"responseTime": 5}`, true},
		{"ok/scientific-plus", `{ $.number[0] = 1e+3 }`, `{"number": [1000]}`, true},
		{"ok/scientific-minus-ne", `{ $.number[0] != 1e-3 }`, `{"number": [1000]}`, true},
		{"no/scientific-minus-ne", `{ $.number[0] != 1e-3 }`, `{"number": [0.001]}`, false},
		{"ok/negative", `{ $.temp < -1 }`, `{"temp": -5}`, true},
		{"ok/negative-decimal-eq", `{ $.temp = -5.0 }`, `{"temp": -5}`, true},
		{"ok/uppercase-exponent", `{ $.n = 1E3 }`, `{"n": 1000}`, true},
		{"ok/leading-dot", `{ $.n < .5 }`, `{"n": 0.25}`, true},
		{"ok/big-integer", `{ $.n = 123456789012 }`, `{"n": 123456789012}`, true},
		// Relational operators compare numbers only: a string that looks
		// like a number is text.
		{"no/gt-on-string", `{ $.latency > 500 }`, `{"latency": "600"}`, false},
		{"no/gt-on-bool", `{ $.latency > 0 }`, `{"latency": true}`, false},
		{"no/gt-missing", `{ $.latency > 0 }`, `{}`, false},
	})
}

// CloudTrail records as Keyward's audit log writes them.
const (
	ctDisabledEncrypt = `{"eventVersion":"1.11","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/Alice","accountId":"111122223333","accessKeyId":"AKIAEXAMPLE","userName":"Alice"},` +
		`"eventTime":"2026-03-01T12:00:00Z","eventSource":"kms.amazonaws.com","eventName":"Encrypt","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.10","userAgent":"aws-cli/2.15.0",` +
		`"errorCode":"DisabledException","errorMessage":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab is disabled.",` +
		`"requestParameters":{"keyId":"alias/app","encryptionAlgorithm":"SYMMETRIC_DEFAULT"},"responseElements":null,"requestID":"r-1","eventID":"e-1","readOnly":true,` +
		`"resources":[{"ARN":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab","accountId":"111122223333","type":"AWS::KMS::Key"}],` +
		`"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}`
	ctDecrypt = `{"eventVersion":"1.11","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:app","arn":"arn:aws:sts::111122223333:assumed-role/Admin/app","accountId":"111122223333",` +
		`"sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::111122223333:role/Admin","accountId":"111122223333","userName":"Admin"},"attributes":{"mfaAuthenticated":"false"}}},` +
		`"eventSource":"kms.amazonaws.com","eventName":"Decrypt","requestParameters":{"encryptionAlgorithm":"SYMMETRIC_DEFAULT"},"responseElements":null,"readOnly":true,` +
		`"resources":[{"ARN":"arn:aws:kms:us-east-1:111122223333:key/k","accountId":"111122223333","type":"AWS::KMS::Key"}],"eventType":"AwsApiCall","recipientAccountId":"111122223333"}`
	ctPendingDeletion = `{"userIdentity":{"type":"IAMUser","userName":"Alice"},"eventSource":"kms.amazonaws.com","eventName":"Decrypt","errorCode":"KMSInvalidStateException",` +
		`"errorMessage":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab is pending deletion.","eventType":"AwsApiCall"}`
	ctRoot          = `{"userIdentity":{"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root"},"eventSource":"kms.amazonaws.com","eventName":"ListKeys","eventType":"AwsApiCall"}`
	ctRootInvokedBy = `{"userIdentity":{"type":"Root","invokedBy":"support.amazonaws.com"},"eventSource":"kms.amazonaws.com","eventName":"ListKeys","eventType":"AwsApiCall"}`
	ctRootService   = `{"userIdentity":{"type":"Root"},"eventSource":"kms.amazonaws.com","eventName":"RotateKey","eventType":"AwsServiceEvent"}`
	ctUnauthorized  = `{"userIdentity":{"type":"IAMUser"},"eventSource":"ec2.amazonaws.com","eventName":"RunInstances","errorCode":"Client.UnauthorizedOperation","errorMessage":"You are not authorized to perform this operation."}`
	ctAccessDenied  = `{"userIdentity":{"type":"IAMUser"},"eventSource":"s3.amazonaws.com","eventName":"GetObject","errorCode":"AccessDenied","errorMessage":"Access Denied"}`
	ctDisableKey    = `{"eventSource":"kms.amazonaws.com","eventName":"DisableKey","requestParameters":{"keyId":"k"},"eventType":"AwsApiCall"}`
	ctSchedule      = `{"eventSource":"kms.amazonaws.com","eventName":"ScheduleKeyDeletion","requestParameters":{"keyId":"k","pendingWindowInDays":7},"eventType":"AwsApiCall"}`
	ctConsoleLogin  = `{"eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","errorMessage":"Failed authentication","eventType":"AwsConsoleSignIn"}`
)

func TestCloudTrailPatterns(t *testing.T) {
	const kmsErrors = `{ $.eventSource = kms.amazonaws.com && ($.errorMessage = "*" || $.errorCode = "*") }`
	const rootUse = `{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }`
	const unauthorized = `{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }`
	const disableOrDelete = `{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }`
	const pending = `{ $.eventSource = kms.amazonaws.com && $.errorMessage = "* is pending deletion." }`
	runMatches(t, []matchCase{
		// The alarm: any KMS call that failed.
		{"ok/kms-error-disabled", kmsErrors, ctDisabledEncrypt, true},
		{"ok/kms-error-pending-deletion", kmsErrors, ctPendingDeletion, true},
		{"no/kms-success", kmsErrors, ctDecrypt, false},
		{"no/other-service-error", kmsErrors, ctUnauthorized, false},

		{"ok/access-denied-prefix", `{ $.errorCode = "AccessDenied*" }`, ctAccessDenied, true},
		{"ok/access-denied-exception", `{ $.errorCode = "AccessDenied*" }`, `{"errorCode":"AccessDeniedException"}`, true},
		{"no/access-denied-prefix", `{ $.errorCode = "AccessDenied*" }`, ctDisabledEncrypt, false},
		{"ok/unauthorized-suffix", unauthorized, ctUnauthorized, true},
		{"ok/unauthorized-access-denied", unauthorized, ctAccessDenied, true},
		{"no/unauthorized", unauthorized, ctDisabledEncrypt, false},

		// CIS root account usage.
		{"ok/root-use", rootUse, ctRoot, true},
		{"no/root-invoked-by-service", rootUse, ctRootInvokedBy, false},
		{"no/root-service-event", rootUse, ctRootService, false},
		{"no/root-use-iam-user", rootUse, ctDisabledEncrypt, false},

		{"ok/disable-key", disableOrDelete, ctDisableKey, true},
		{"ok/schedule-key-deletion", disableOrDelete, ctSchedule, true},
		{"no/disable-or-delete", disableOrDelete, ctDisabledEncrypt, false},
		{"ok/console-login-failure", `{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }`, ctConsoleLogin, true},
		{"ok/pending-deletion", pending, ctPendingDeletion, true},
		{"no/pending-deletion", pending, ctDisabledEncrypt, false},
		{"ok/disabled-or-invalid-state", `{ $.errorCode = DisabledException || $.errorCode = KMSInvalidStateException }`, ctPendingDeletion, true},

		// IS NULL and NOT EXISTS differ: responseElements is null for crypto
		// operations, and missing from records that do not carry it.
		{"ok/response-null", `{ $.responseElements IS NULL }`, ctDecrypt, true},
		{"no/response-null-exists", `{ $.responseElements NOT EXISTS }`, ctDecrypt, false},
		{"no/response-missing-not-null", `{ $.responseElements IS NULL }`, ctRoot, false},
		{"ok/response-missing", `{ $.responseElements NOT EXISTS }`, ctRoot, true},

		// The account ID is a string in CloudTrail; an unquoted number
		// literal still matches its text.
		{"ok/recipient-account", `{ $.recipientAccountId = 111122223333 }`, ctDisabledEncrypt, true},
		{"ok/read-only", `{ $.readOnly IS TRUE }`, ctDecrypt, true},
		{"ok/resource-type", `{ $.resources[0].type = "AWS::KMS::Key" }`, ctDecrypt, true},
		{"ok/session-issuer", `{ $.userIdentity.sessionContext.sessionIssuer.userName = "Admin" }`, ctDecrypt, true},
		{"ok/any-resource-arn", `{ $.resources[*].ARN = "arn:aws:kms:*" }`, ctDisabledEncrypt, true},
		{"ok/pending-window", `{ $.requestParameters.pendingWindowInDays < 30 }`, ctSchedule, true},
	})
}

func TestMatchJSONTypes(t *testing.T) {
	p := mustParse(t, `{ $.n = 3 && $.s = "x*" && $.f IS FALSE && $.z IS NULL && $.a[1] > 1.5 }`)
	for _, v := range []map[string]any{
		{"n": 3, "s": "xy", "f": false, "z": nil, "a": []any{0, 2.0}},
		{"n": int64(3), "s": "x", "f": false, "z": nil, "a": []any{uint8(1), float32(1.75)}},
		{"n": json.Number("3"), "s": "x", "f": false, "z": nil, "a": []any{json.Number("1"), json.Number("2e0")}},
		{"n": 3.0, "s": "xz", "f": false, "z": nil, "a": []any{nil, uint64(2)}},
	} {
		if !p.MatchJSON(v) {
			t.Errorf("MatchJSON(%v) = false, want true", v)
		}
	}
	if p.MatchJSON(map[string]any{"n": "three"}) {
		t.Error("MatchJSON matched a mismatching event")
	}
	if p.MatchJSON([]any{1}) || p.MatchJSON(nil) {
		t.Error("MatchJSON matched a non-object")
	}
	// Non-JSON kinds need the text; match-everything does not.
	if mustParse(t, `ERROR`).MatchJSON(map[string]any{"ERROR": 1}) {
		t.Error("a terms pattern matched a decoded event")
	}
	if !mustParse(t, ``).MatchJSON(map[string]any{}) {
		t.Error("the empty pattern did not match a decoded event")
	}
}
