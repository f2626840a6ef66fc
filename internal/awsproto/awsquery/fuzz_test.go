package awsquery

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/errs"
)

// FuzzDecodeForm parses arbitrary form bodies and decodes them into the test
// input. Properties: no panic; every failure is a client error with a Query
// code (never internal) whose ErrorResponse is well-formed XML; and a
// decoded input, encoded again as an SDK would, decodes to the same value.
func FuzzDecodeForm(f *testing.F) {
	for _, s := range []string{
		"Action=DoThing&Version=2020-01-01&Name=n",
		"Name=n&Count=5&Big=-1&Flag=true&Status=Active&Secret=s&Names.member.1=a&Names.member.2=b",
		"Name=n&Tags.member.1.Key=k&Tags.member.1.Value=v&Tags.member.2.Key=k2&Tags.member.2.Value=",
		"Name=n&Inner.Path=%2Fa%2F&Inner.Size=3&Refs.member.1.arn=arn%3Aaws%3Aiam%3A%3A123456789012%3Aroot",
		"Name=n&Tags=&Names=",
		"Name=n&Names.member.1=a&Names.member.3=c",
		"Name=%ff&Count=x",
		"Name=n;Count=1",
		"Name=n&Names.member.01=a&Tags.member.1=x",
	} {
		f.Add(s)
	}
	svc := testService(f)
	m := testModel(f)
	b, err := newBinder(m).bind("DoThingRequest", reflect.TypeFor[doThingInput]())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req, err := ParseRequest(r, []byte(body))
		if err == nil {
			in := new(doThingInput)
			if err = b.decode(req.Params, in); err == nil {
				params := map[string]string{}
				encodeParams(b, reflect.ValueOf(in).Elem(), "", params)
				again := new(doThingInput)
				if err := b.decode(ParamsOf(params), again); err != nil {
					t.Fatalf("re-encoded input does not decode: %v\n%v", err, params)
				}
				if !reflect.DeepEqual(in, again) {
					t.Fatalf("round trip:\n%+v\n%+v", in, again)
				}
				return
			}
		}
		if c := errs.CodeOf(err); c == errs.Internal {
			t.Fatalf("internal error for client input: %v", err)
		}
		w := httptest.NewRecorder()
		svc.WriteError(w, "id", err)
		if w.Code != 400 && w.Code != 404 {
			t.Fatalf("status %d for %v", w.Code, err)
		}
		var er errorResponse
		if err := xml.Unmarshal(w.Body.Bytes(), &er); err != nil {
			t.Fatalf("error response is not XML: %v\n%s", err, w.Body)
		}
		if er.Error.Code == "" || strings.Contains(er.Error.Code, "Internal") {
			t.Fatalf("error code %q", er.Error.Code)
		}
	})
}
