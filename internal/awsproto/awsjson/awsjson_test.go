package awsjson

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/errs"
)

type sample struct {
	KeyId   *string           `json:"KeyId,omitempty"`
	N       *int32            `json:"N,omitempty"`
	L       *int64            `json:"L,omitempty"`
	B       *bool             `json:"B,omitempty"`
	Blob    []byte            `json:"Blob,omitempty"`
	Ctx     map[string]string `json:"Ctx,omitempty"`
	List    []string          `json:"List,omitempty"`
	When    *Time             `json:"When,omitempty"`
	Nested  *sample           `json:"Nested,omitempty"`
	Entries []sample          `json:"Entries,omitempty"`
}

func TestDecode(t *testing.T) {
	cases := []struct {
		name, body string
		code       errs.Code
		msg        string
	}{
		{"ok/empty-body", "", "", ""},
		{"ok/empty-object", "{}", "", ""},
		{"ok/unknown-member", `{"Other":[1,2]}`, "", ""},
		{"ok/null-member", `{"KeyId":null}`, "", ""},
		{"fail/array", `[]`, errs.Serialization, "Start of structure or map expected."},
		{"fail/truncated", `{"KeyId":`, errs.Serialization, "The request body is not valid JSON."},
		{"fail/trailing", `{} {}`, errs.Serialization, "Unexpected content after the end of the JSON object."},
		{"fail/string-for-int", `{"N":"1"}`, errs.Serialization, "STRING_VALUE can not be converted to an Integer"},
		{"fail/number-for-string", `{"KeyId":1}`, errs.Serialization, "NUMBER_VALUE can not be converted to a String"},
		{"fail/bool-for-long", `{"L":true}`, errs.Serialization, "VALUE_TRUE can not be converted to a Long"},
		{"fail/object-for-list", `{"List":{}}`, errs.Serialization, "Start of structure or map found where not expected."},
		{"fail/list-for-string", `{"KeyId":[]}`, errs.Serialization, "Start of list found where not expected."},
		{"fail/overflow", `{"N":3000000000}`, errs.Serialization, "NUMBER_VALUE can not be converted to an Integer"},
		{"fail/bad-base64", `{"Blob":"%%%"}`, errs.Serialization, "Base64 encoded value is not valid."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var s sample
			err := Decode([]byte(c.body), &s)
			if c.code == "" {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			if errs.CodeOf(err) != c.code || errs.Message(err) != c.msg {
				t.Fatalf("got %v, want %s: %s", err, c.code, c.msg)
			}
		})
	}
}

func TestTimeEpochSeconds(t *testing.T) {
	tm := time.Date(2026, 11, 22, 9, 0, 0, 123_000_000, time.UTC)
	b, err := json.Marshal(NewTime(tm))
	if err != nil || string(b) != "1795338000.123" {
		t.Fatalf("marshal %s %v", b, err)
	}
	var back Time
	if err := json.Unmarshal(b, &back); err != nil || !back.Std().Equal(tm) {
		t.Fatalf("round trip %v %v", back.Std(), err)
	}
	if NewTime(time.Time{}) != nil {
		t.Fatal("zero time must be omitted")
	}
}

// FuzzDecode: no input panics, and whatever decodes re-encodes to something
// that decodes to the same value.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{}`, `{"KeyId":"a","N":1,"Blob":"AA==","Ctx":{"a":"b"},"List":["x"],"When":1.5}`,
		`{"Nested":{"Entries":[{"B":true}]}}`, `[`, `{"N":1e3}`, `{"When":"12"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var a sample
		if err := Decode(body, &a); err != nil {
			if errs.CodeOf(err) != errs.Serialization {
				t.Fatalf("decode error without the Serialization code: %v", err)
			}
			return
		}
		out, err := json.Marshal(&a)
		if err != nil {
			return // e.g. a time outside JSON's range: rejected on output, never a panic
		}
		var b sample
		if err := Decode(out, &b); err != nil {
			t.Fatalf("re-decode of %s: %v", out, err)
		}
		if !reflect.DeepEqual(normal(a), normal(b)) {
			t.Fatalf("round trip changed the value:\n%s", out)
		}
	})
}

// normal makes empty and nil collections equal, as omitempty does.
func normal(s sample) string {
	b, _ := json.Marshal(s)
	return string(b)
}
