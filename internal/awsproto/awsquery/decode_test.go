package awsquery

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/errs"
)

func TestParseRequest(t *testing.T) {
	cases := []struct {
		name, method, url, ctype, body string
		wantCode                       string // wire code of the error, "" for success
		want                           map[string]string
		wantAction, wantVersion        string
	}{
		{name: "ok/post-form", method: "POST", url: "/", ctype: "application/x-www-form-urlencoded; charset=utf-8",
			body: "Action=GetUser&Version=2010-05-08&UserName=alice%2Bbob+x",
			want: map[string]string{"UserName": "alice+bob x"}, wantAction: "GetUser", wantVersion: "2010-05-08"},
		{name: "ok/post-no-content-type", method: "POST", url: "/", body: "Action=GetUser&Version=1",
			want: map[string]string{}, wantAction: "GetUser", wantVersion: "1"},
		{name: "ok/get-query-string", method: "GET", url: "/?Action=GetCallerIdentity&Version=2011-06-15",
			want: map[string]string{}, wantAction: "GetCallerIdentity", wantVersion: "2011-06-15"},
		{name: "ok/presigned-params-dropped", method: "GET",
			url:  "/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&x-amz-signature=ab&X-Amz-Security-Token=t",
			want: map[string]string{}, wantAction: "GetCallerIdentity", wantVersion: "2011-06-15"},
		{name: "ok/query-and-body-merge", method: "POST", url: "/?Action=GetUser", ctype: "application/x-www-form-urlencoded",
			body: "Version=2010-05-08&UserName=a", want: map[string]string{"UserName": "a"}, wantAction: "GetUser", wantVersion: "2010-05-08"},
		{name: "ok/get-ignores-body", method: "GET", url: "/?Action=A", body: "UserName=x",
			want: map[string]string{}, wantAction: "A"},
		{name: "fail/repeated-parameter", method: "POST", url: "/", body: "Action=A&UserName=a&UserName=b", wantCode: "InvalidQueryParameter"},
		{name: "fail/repeated-across-query-and-body", method: "POST", url: "/?UserName=a", body: "Action=A&UserName=b", wantCode: "InvalidQueryParameter"},
		{name: "fail/bad-escape", method: "POST", url: "/", body: "Action=A&UserName=%zz", wantCode: "MalformedQueryString"},
		{name: "fail/semicolon", method: "POST", url: "/", body: "Action=A;UserName=b", wantCode: "MalformedQueryString"},
		{name: "fail/not-utf8", method: "POST", url: "/", body: "Action=A&UserName=%ff", wantCode: "MalformedQueryString"},
		{name: "fail/json-body", method: "POST", url: "/", ctype: "application/x-amz-json-1.1", body: `{"Action":"A"}`, wantCode: "InvalidQueryParameter"},
	}
	svc := testService(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := http.NewRequest(c.method, "http://localhost"+c.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.ctype != "" {
				r.Header.Set("Content-Type", c.ctype)
			}
			req, err := ParseRequest(r, []byte(c.body))
			if c.wantCode != "" {
				if f, _ := svc.Fault(err); err == nil || f.Code != c.wantCode {
					t.Fatalf("got %v (%+v), want %s", err, f, c.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if req.Action != c.wantAction || req.Version != c.wantVersion {
				t.Errorf("action %q version %q", req.Action, req.Version)
			}
			got := map[string]string{}
			for _, k := range req.Params.keys {
				got[k] = req.Params.m[k]
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("params %v, want %v", got, c.want)
			}
		})
	}
}

// decodeForm decodes a form body into the test input.
func decodeForm(t testing.TB, form string) (*doThingInput, error) {
	t.Helper()
	vs, err := url.ParseQuery(form)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for k, v := range vs {
		m[k] = v[0]
	}
	in := new(doThingInput)
	return in, Decode(testModel(t), "DoThingRequest", ParamsOf(m), in)
}

func TestDecode(t *testing.T) {
	cases := []struct {
		name, form string
		want       *doThingInput
		wantCode   string // wire code
		wantMsg    string
	}{
		{name: "ok/every-kind",
			form: "Name=n&Count=5&Big=-9000000000&Flag=TRUE&Status=Active&Secret=s&Names.member.1=a&Names.member.2=b" +
				"&Tags.member.2.Key=k2&Tags.member.2.Value=&Tags.member.1.Key=k1&Tags.member.1.Value=v1" +
				"&Inner.Path=%2Fa%2F&Inner.Size=3&Refs.member.1.arn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2Fp",
			want: &doThingInput{Name: "n", Count: 5, Big: -9000000000, Flag: true, Status: "Active", Secret: "s",
				Names: []string{"a", "b"}, Tags: []tag{{"k1", "v1"}, {"k2", ""}}, Inner: inner{"/a/", 3},
				Refs: []ref{{"arn:aws:iam::123456789012:policy/p"}}}},
		{name: "ok/empty-list", form: "Name=n&Tags=&Names=", want: &doThingInput{Name: "n", Tags: []tag{}, Names: []string{}}},
		{name: "ok/unknown-parameters-ignored", form: "Name=n&Bogus=1&Tags.bogus=2&Inner2.Path=x", want: &doThingInput{Name: "n"}},
		{name: "fail/missing-required", form: "Count=2", wantCode: "ValidationError",
			wantMsg: "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"},
		{name: "fail/pattern", form: "Name=a%20b", wantCode: "ValidationError",
			wantMsg: `1 validation error detected: Value 'a b' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`},
		{name: "fail/length-and-range-in-model-order", form: "Name=" + strings.Repeat("x", 65) + "&Count=0&Status=Gone", wantCode: "ValidationError",
			wantMsg: "3 validation errors detected: Value '" + strings.Repeat("x", 65) + "' at 'name' failed to satisfy constraint: Member must have length less than or equal to 64; " +
				"Value '0' at 'count' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
				"Value 'Gone' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]"},
		{name: "fail/empty-string-is-present", form: "Name=", wantCode: "ValidationError",
			wantMsg: `2 validation errors detected: Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`},
		{name: "fail/length-counts-code-points", form: "Name=n&Secret=%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9", wantCode: "ValidationError",
			wantMsg: "1 validation error detected: Value at 'secret' failed to satisfy constraint: Member must have length less than or equal to 8"},
		{name: "ok/length-counts-code-points", form: "Name=n&Secret=%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9",
			want: &doThingInput{Name: "n", Secret: "éééééééé"}},
		{name: "fail/nested-required", form: "Name=n&Inner.Size=2", wantCode: "ValidationError",
			wantMsg: "1 validation error detected: Value null at 'inner.path' failed to satisfy constraint: Member must not be null"},
		{name: "fail/element-required", form: "Name=n&Tags.member.1.Key=k", wantCode: "ValidationError",
			wantMsg: "1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null"},
		{name: "fail/element-pattern", form: "Name=n&Tags.member.1.Key=k&Tags.member.1.Value=v&Tags.member.2.Key=%3C&Tags.member.2.Value=v", wantCode: "ValidationError",
			wantMsg: `1 validation error detected: Value '<' at 'tags.2.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`},
		{name: "fail/list-too-long", form: "Name=n&Names.member.1=a&Names.member.2=b&Names.member.3=c&Names.member.4=d", wantCode: "ValidationError",
			wantMsg: "1 validation error detected: Value '[a, b, c, d]' at 'names' failed to satisfy constraint: Member must have length less than or equal to 3"},
		{name: "fail/struct-list-too-long", form: "Name=n&Tags.member.1.Key=a&Tags.member.1.Value=&Tags.member.2.Key=b&Tags.member.2.Value=&Tags.member.3.Key=c&Tags.member.3.Value=", wantCode: "ValidationError",
			wantMsg: "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 2"},
		{name: "fail/string-list-element", form: "Name=n&Names.member.1=a&Names.member.2=b%20c", wantCode: "ValidationError",
			wantMsg: `1 validation error detected: Value '[a, b c]' at 'names' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 64, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [\w+=,.@-]+]`},
		{name: "fail/not-an-integer", form: "Name=n&Count=ten", wantCode: "InvalidParameterValue", wantMsg: "Value 'ten' for parameter Count is not an Integer."},
		{name: "fail/integer-overflow", form: "Name=n&Count=2147483648", wantCode: "InvalidParameterValue"},
		{name: "fail/not-a-long", form: "Name=n&Big=1.5", wantCode: "InvalidParameterValue", wantMsg: "Value '1.5' for parameter Big is not a Long."},
		{name: "fail/not-a-boolean", form: "Name=n&Flag=yes", wantCode: "InvalidParameterValue"},
		{name: "fail/type-error-before-validation", form: "Count=x", wantCode: "InvalidParameterValue"},
		{name: "fail/list-gap", form: "Name=n&Names.member.1=a&Names.member.3=c", wantCode: "InvalidQueryParameter"},
		{name: "fail/list-index-zero", form: "Name=n&Names.member.0=a", wantCode: "InvalidQueryParameter"},
		{name: "fail/list-leading-zero", form: "Name=n&Names.member.01=a", wantCode: "InvalidQueryParameter"},
		{name: "fail/list-index-not-a-number", form: "Name=n&Tags.member.x.Key=a", wantCode: "InvalidQueryParameter"},
		{name: "fail/list-huge-index", form: "Name=n&Names.member.9999999=a", wantCode: "InvalidQueryParameter"},
		{name: "fail/scalar-list-with-submember", form: "Name=n&Names.member.1.Key=a", wantCode: "InvalidQueryParameter"},
		{name: "fail/struct-list-element-without-member", form: "Name=n&Tags.member.1=a", wantCode: "InvalidQueryParameter"},
		{name: "fail/list-with-value", form: "Name=n&Names=a", wantCode: "InvalidParameterValue"},
		{name: "fail/list-empty-and-elements", form: "Name=n&Names=&Names.member.1=a", wantCode: "InvalidQueryParameter"},
		{name: "fail/structure-with-value", form: "Name=n&Inner=x", wantCode: "InvalidParameterValue"},
	}
	svc := testService(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := decodeForm(t, c.form)
			if c.wantCode != "" {
				f, msg := svc.Fault(err)
				if err == nil || f.Code != c.wantCode {
					t.Fatalf("got %v, want %s", err, c.wantCode)
				}
				if c.wantMsg != "" && msg != c.wantMsg {
					t.Fatalf("message\n  %q\nwant\n  %q", msg, c.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestBindRejectsMismatchedTypes(t *testing.T) {
	m := testModel(t)
	type missingMember struct{ Name string }
	type extraField struct {
		doThingInput
		Extra string
	}
	type wrongType struct {
		Name   int
		Count  int
		Big    int64
		Flag   bool
		Status string
		Secret string
		Names  []string
		Tags   []tag
		Inner  inner
		Refs   []ref
	}
	for name, in := range map[string]any{"missing-member": &missingMember{}, "extra-field": &extraField{}, "wrong-type": &wrongType{}} {
		if err := Decode(m, "DoThingRequest", ParamsOf(nil), in); err == nil || errs.CodeOf(err) != errs.Internal {
			t.Errorf("%s: decode into a mismatched type: %v", name, err)
		}
	}
}
