package awsquery

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/errs"
)

func testService(t testing.TB) *Service {
	t.Helper()
	m := testModel(t)
	ops := []Operation{
		Op(m, "DoThing", 1<<16, true, func(_ context.Context, in *doThingInput) (*doThingOutput, error) {
			if in.Name == "fail" {
				return nil, errs.E(errs.NotFound, "The thing with name fail cannot be found.")
			}
			return &doThingOutput{Name: in.Name, Names: List[string](in.Names)}, nil
		}),
		Op(m, "Empty", 1<<10, false, func(context.Context, *emptyInput) (*NoOutput, error) { return nil, nil }),
	}
	return NewService(m, ops, map[errs.Code]Fault{
		errs.NotFound:     {"NoSuchEntity", http.StatusNotFound},
		errs.AccessDenied: {"AccessDenied", http.StatusForbidden},
	}, Fault{"ServiceFailure", http.StatusInternalServerError})
}

func TestLookup(t *testing.T) {
	svc := testService(t)
	cases := []struct {
		name, form       string
		wantOp, wantCode string
		wantMsg          string
	}{
		{"ok", "Action=DoThing&Version=2020-01-01", "DoThing", "", ""},
		{"fail/missing-action", "Version=2020-01-01", "", "MissingAction", "The request is missing an Action."},
		{"fail/unknown-action", "Action=Nope&Version=2020-01-01", "", "InvalidAction", "Could not find operation Nope for version 2020-01-01"},
		{"fail/wrong-version", "Action=DoThing&Version=2010-05-08", "", "InvalidAction", "Could not find operation DoThing for version 2010-05-08"},
		{"fail/no-version", "Action=DoThing", "", "InvalidAction", "Could not find operation DoThing for version NO_VERSION_SPECIFIED"},
		{"fail/not-built", "Action=NotBuilt&Version=2020-01-01", "NotBuilt", "UnsupportedOperation", "NotBuilt is not supported by this server yet."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(c.form))
			req, err := ParseRequest(r, []byte(c.form))
			if err != nil {
				t.Fatal(err)
			}
			op, err := svc.Lookup(req)
			if op.Name != c.wantOp {
				t.Errorf("op %q, want %q", op.Name, c.wantOp)
			}
			if c.wantCode == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			f, msg := svc.Fault(err)
			if f.Code != c.wantCode || f.Status != 400 || msg != c.wantMsg {
				t.Fatalf("got %+v %q, want %s %q", f, msg, c.wantCode, c.wantMsg)
			}
		})
	}
	if svc.CheckMethod(http.MethodGet) != nil || svc.CheckMethod(http.MethodPost) != nil {
		t.Error("GET and POST must be served")
	}
	if f, _ := svc.Fault(svc.CheckMethod(http.MethodPut)); f.Code != "InvalidAction" {
		t.Errorf("PUT: %+v", f)
	}
}

// errorResponse is the wire form of an error, as SDKs read it.
type errorResponse struct {
	XMLName xml.Name `xml:"https://example.amazonaws.com/doc/2020-01-01/ ErrorResponse"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

func TestWriteError(t *testing.T) {
	svc := testService(t)
	cases := []struct {
		name      string
		err       error
		code, typ string
		status    int
		msg       string
		msgPrefix bool
	}{
		{"domain/not-found", errs.E(errs.NotFound, "The user with name alice cannot be found."), "NoSuchEntity", "Sender", 404, "The user with name alice cannot be found.", false},
		{"domain/access-denied", errs.E(errs.AccessDenied, "User: x is not authorized"), "AccessDenied", "Sender", 403, "User: x is not authorized", false},
		{"auth/missing", errs.E(errs.MissingAuthentication, "Missing Authentication Token"), "MissingAuthenticationToken", "Sender", 403, "Request is missing Authentication Token", false},
		{"auth/invalid-token", errs.E(errs.InvalidClientTokenID, "The security token included in the request is invalid."), "InvalidClientTokenId", "Sender", 403, "The security token included in the request is invalid.", false},
		{"auth/signature", errs.E(errs.SignatureMismatch, "The request signature we calculated does not match"), "SignatureDoesNotMatch", "Sender", 403, "The request signature we calculated does not match", false},
		{"auth/expired-signature", errs.E(errs.SignatureExpired, "Signature expired: 20260101T000000Z is now earlier than 20260101T000500Z (20260101T001000Z - 5 min.)"), "SignatureDoesNotMatch", "Sender", 403, "Signature expired: ", true},
		{"auth/incomplete", errs.E(errs.IncompleteSignature, "Authorization header requires 'Signature' parameter."), "IncompleteSignature", "Sender", 400, "Authorization header requires", true},
		{"auth/expired-token", errs.E(errs.ExpiredToken, "The security token included in the request is expired"), "ExpiredToken", "Sender", 403, "The security token included in the request is expired", false},
		{"protocol/too-large", errs.E(errs.RequestTooLarge, "Request entity too large"), "RequestEntityTooLarge", "Sender", 413, "Request entity too large", false},
		{"internal/no-code", errors.New("disk on fire at /var/lib"), "ServiceFailure", "Receiver", 500, "The request processing has failed because of an unknown error, exception or failure.", false},
		{"internal/code", errs.Wrap(errs.Internal, "secret detail", errors.New("x")), "ServiceFailure", "Receiver", 500, "The request processing has failed because of an unknown error, exception or failure.", false},
		{"escaping", errs.E(errs.NotFound, `<a href="x">&`), "NoSuchEntity", "Sender", 404, `<a href="x">&`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			svc.WriteError(w, "req-1", c.err)
			if w.Code != c.status || svc.Status(c.err) != c.status {
				t.Errorf("status %d, want %d", w.Code, c.status)
			}
			if ct := w.Header().Get("Content-Type"); ct != "text/xml" {
				t.Errorf("content type %q", ct)
			}
			if w.Header().Get("X-Amzn-Requestid") != "req-1" {
				t.Error("no request id header")
			}
			var er errorResponse
			if err := xml.Unmarshal(w.Body.Bytes(), &er); err != nil {
				t.Fatalf("%v: %s", err, w.Body)
			}
			if er.Error.Code != c.code || er.Error.Type != c.typ || er.RequestID != "req-1" {
				t.Errorf("got %+v", er)
			}
			if c.msgPrefix && !strings.HasPrefix(er.Error.Message, c.msg) || !c.msgPrefix && er.Error.Message != c.msg {
				t.Errorf("message %q, want %q", er.Error.Message, c.msg)
			}
		})
	}
}

func TestWriteResult(t *testing.T) {
	svc := testService(t)
	when := time.Date(2026, 11, 22, 9, 0, 0, 999_000_000, time.FixedZone("x", 3600))
	out := &doThingOutput{
		Name: "a&b", Flag: false, When: NewTime(when),
		Document: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*+é"}]}`,
		Tags:     List[tag]{{"k", "v"}},
		Inner:    &inner{Path: "/"},
	}
	w := httptest.NewRecorder()
	svc.WriteResult(w, "req-2", "DoThing", out)
	want := `<DoThingResponse xmlns="https://example.amazonaws.com/doc/2020-01-01/"><DoThingResult>` +
		`<Name>a&amp;b</Name><Flag>false</Flag><When>2026-11-22T08:00:00Z</When>` +
		`<Document>%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Statement%22%3A%20%5B%7B%22Effect%22%3A%20%22Allow%22%2C%20%22Action%22%3A%20%22kms%3A%2A%22%2C%20%22Resource%22%3A%20%22%2A%2B%C3%A9%22%7D%5D%7D</Document>` +
		`<Tags><member><Key>k</Key><Value>v</Value></member></Tags><Names></Names><Inner><Path>/</Path></Inner>` +
		`</DoThingResult><ResponseMetadata><RequestId>req-2</RequestId></ResponseMetadata></DoThingResponse>`
	if w.Code != 200 || w.Body.String() != want {
		t.Fatalf("got %d\n%s\nwant\n%s", w.Code, w.Body, want)
	}
	// The document decodes as botocore decodes it (unquote, not unquote_plus).
	doc, err := url.PathUnescape(EncodeDocument(string(out.Document)))
	if err != nil || doc != string(out.Document) {
		t.Errorf("round trip: %q %v", doc, err)
	}

	w = httptest.NewRecorder()
	svc.WriteResult(w, "req-3", "Empty", nil)
	if want := `<EmptyResponse xmlns="https://example.amazonaws.com/doc/2020-01-01/"><ResponseMetadata><RequestId>req-3</RequestId></ResponseMetadata></EmptyResponse>`; w.Body.String() != want {
		t.Fatalf("got %s", w.Body)
	}
}

func TestEncodeDocument(t *testing.T) {
	for in, want := range map[string]string{
		"":                "",
		"AZaz09-._~":      "AZaz09-._~",
		" +/:?#[]@!$&'()": "%20%2B%2F%3A%3F%23%5B%5D%40%21%24%26%27%28%29",
		"*,;=%\n\t":       "%2A%2C%3B%3D%25%0A%09",
		"é€":              "%C3%A9%E2%82%AC",
	} {
		if got := EncodeDocument(in); got != want {
			t.Errorf("EncodeDocument(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOpChecksTypesAgainstTheModel(t *testing.T) {
	m := testModel(t)
	type badOutput struct {
		Name     string `xml:"Nom"`
		Document string `xml:"Document"`
	}
	type plainDocument struct {
		Document string `xml:"Document"`
	}
	type nestedList struct {
		Names []string `xml:"Names>member"`
	}
	cases := map[string]func(){
		"unknown-op": func() {
			Op(m, "Nope", 1, false, func(context.Context, *emptyInput) (*NoOutput, error) { return nil, nil })
		},
		"input-mismatch": func() {
			Op(m, "DoThing", 1, false, func(context.Context, *emptyInput) (*doThingOutput, error) { return nil, nil })
		},
		"output-member-unknown": func() {
			Op(m, "DoThing", 1, false, func(context.Context, *doThingInput) (*badOutput, error) { return nil, nil })
		},
		"document-not-encoded": func() {
			Op(m, "DoThing", 1, false, func(context.Context, *doThingInput) (*plainDocument, error) { return nil, nil })
		},
		"list-not-awsquery-list": func() {
			Op(m, "DoThing", 1, false, func(context.Context, *doThingInput) (*nestedList, error) { return nil, nil })
		},
		"output-where-model-has-none": func() {
			Op(m, "Empty", 1, false, func(context.Context, *emptyInput) (*doThingOutput, error) { return nil, nil })
		},
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			f()
		})
	}
}

func TestOpCall(t *testing.T) {
	svc := testService(t)
	op := svc.Ops["DoThing"]
	out, err := op.Call(context.Background(), ParamsOf(map[string]string{"Name": "n", "Names.member.1": "x"}))
	if err != nil {
		t.Fatal(err)
	}
	if o := out.(*doThingOutput); o.Name != "n" || len(o.Names) != 1 {
		t.Fatalf("%+v", o)
	}
	if _, err := op.Call(context.Background(), ParamsOf(map[string]string{"Name": "fail"})); !errs.Is(err, errs.NotFound) {
		t.Fatalf("%v", err)
	}
	if _, err := op.Call(context.Background(), ParamsOf(nil)); !errs.Is(err, errs.Validation) {
		t.Fatalf("%v", err)
	}
	out, err = svc.Ops["Empty"].Call(context.Background(), ParamsOf(nil))
	if out != nil || err != nil {
		t.Fatalf("%v %v", out, err)
	}
}
