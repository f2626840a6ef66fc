package awsquery

import (
	"bytes"
	"encoding/xml"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/errs"
)

var bridgeModel = MustParseModel([]byte(`{
 "metadata": {"apiVersion": "2010-08-01", "xmlNamespace": "http://monitoring.amazonaws.com/doc/2010-08-01/",
  "protocol": "smithy-rpc-v2-cbor", "protocols": ["smithy-rpc-v2-cbor", "json", "query"]},
 "operations": {"Op": {"input": {"shape": "In"}, "output": {"shape": "Out", "resultWrapper": "OpResult"}}},
 "shapes": {
  "In": {"type": "structure", "members": {"T": {"shape": "D"}, "At": {"shape": "TS"}, "N": {"shape": "I"},
   "L": {"shape": "SL"}, "M": {"shape": "SM"}, "S": {"shape": "In2"}}},
  "In2": {"type": "structure", "members": {"B": {"shape": "Bool"}}},
  "Out": {"type": "structure", "members": {"T": {"shape": "D"}, "At": {"shape": "TS"}, "L": {"shape": "SL"}, "M": {"shape": "SM"}}},
  "D": {"type": "double"}, "TS": {"type": "timestamp"}, "I": {"type": "integer"}, "Bool": {"type": "boolean"},
  "Str": {"type": "string"},
  "SL": {"type": "list", "member": {"shape": "Str"}},
  "SM": {"type": "map", "key": {"shape": "Str"}, "value": {"shape": "D"}}
 }}`))

func TestParamsJSON(t *testing.T) {
	got, err := ParamsJSON(bridgeModel, "In", ParamsOf(map[string]string{
		"T": "1.5", "At": "2026-11-22T09:00:00.250Z", "N": "7", "L.member.1": "a", "L.member.2": "b",
		"M.entry.1.key": "p50", "M.entry.1.value": "2", "S.B": "true", "Unknown": "x",
	}))
	want := `{"At":1795338000.25,"L":["a","b"],"M":{"p50":2},"N":7,"S":{"B":true},"T":1.5}`
	if err != nil || string(got) != want {
		t.Fatalf("ParamsJSON = %s, %v; want %s", got, err, want)
	}
	for _, p := range []map[string]string{{"T": "NaN"}, {"T": "x"}, {"At": "yesterday"}, {"N": "1.5"}, {"L.member.2": "a"}} {
		if _, err := ParamsJSON(bridgeModel, "In", ParamsOf(p)); errs.CodeOf(err) != errs.Serialization {
			t.Errorf("%v: err %v, want a serialization error", p, err)
		}
	}
}

func TestJSONResult(t *testing.T) {
	var buf bytes.Buffer
	r := &JSONResult{Model: bridgeModel, Shape: "Out", JSON: []byte(`{"T":2.5,"At":1795338000.25,"L":[],"M":{"b":1,"a":0.5}}`)}
	if err := xml.NewEncoder(&buf).EncodeElement(r, xml.StartElement{Name: xml.Name{Local: "OpResult"}}); err != nil {
		t.Fatal(err)
	}
	want := `<OpResult><T>2.5</T><At>2026-11-22T09:00:00.250Z</At><L></L>` +
		`<M><entry><key>a</key><value>0.5</value></entry><entry><key>b</key><value>1</value></entry></M></OpResult>`
	if buf.String() != want {
		t.Fatalf("got  %s\nwant %s", buf.String(), want)
	}
}

func TestDecodeDoubleAndTimestamp(t *testing.T) {
	type typed struct {
		T  float64
		At Time
	}
	m := MustParseModel([]byte(`{"metadata": {"apiVersion": "1", "xmlNamespace": "ns"},
	 "shapes": {"X": {"type": "structure", "members": {"T": {"shape": "D"}, "At": {"shape": "TS"}}},
	  "D": {"type": "double"}, "TS": {"type": "timestamp"}}}`))
	var v typed
	if err := Decode(m, "X", ParamsOf(map[string]string{"T": "-0.25", "At": "2026-11-22T09:00:00Z"}), &v); err != nil {
		t.Fatal(err)
	}
	if v.T != -0.25 || !time.Time(v.At).Equal(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("decoded %+v", v)
	}
	if err := Decode(m, "X", ParamsOf(map[string]string{"T": "Inf"}), &v); errs.CodeOf(err) != errs.Serialization {
		t.Fatalf("Inf: %v", err)
	}
}
