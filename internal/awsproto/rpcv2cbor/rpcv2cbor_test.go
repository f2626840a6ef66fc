package rpcv2cbor

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/keyward/keyward/internal/errs"
)

func newRequest(method, path string, body []byte, hdr map[string]string) *http.Request {
	r := httptest.NewRequest(method, "http://keyward.test"+path, bytes.NewReader(body))
	r.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
	r.Header.Set("Accept", "application/cbor")
	if len(body) > 0 {
		r.Header.Set("Content-Type", "application/cbor")
	}
	for k, v := range hdr {
		if v == "" {
			r.Header.Del(k)
		} else {
			r.Header.Set(k, v)
		}
	}
	return r
}

const opPath = "/service/GraniteServiceVersion20100801/operation/"

func TestMatch(t *testing.T) {
	svc := new(fake).service()
	cases := []struct {
		name string
		r    *http.Request
		want bool
	}{
		{"ok/header-and-path", newRequest("POST", opPath+"DescribeAlarms", nil, nil), true},
		{"ok/header-only", newRequest("POST", "/", nil, nil), true},
		{"ok/path-only", newRequest("POST", opPath+"DescribeAlarms", nil, map[string]string{"Smithy-Protocol": ""}), true},
		{"no/json-target", newRequest("POST", "/", nil, map[string]string{"Smithy-Protocol": "", "X-Amz-Target": "GraniteServiceVersion20100801.DescribeAlarms"}), false},
		{"no/query", newRequest("POST", "/", []byte("Action=DescribeAlarms"), map[string]string{"Smithy-Protocol": "", "Content-Type": "application/x-www-form-urlencoded"}), false},
		{"no/other-rpcv2", newRequest("POST", "/", nil, map[string]string{"Smithy-Protocol": "rpc-v2-json"}), false},
	}
	for _, c := range cases {
		if got := svc.Match(c.r); got != c.want {
			t.Errorf("%s: Match = %v", c.name, got)
		}
	}
}

func TestLookup(t *testing.T) {
	svc := new(fake).service()
	cases := []struct {
		name, method, path string
		hdr                map[string]string
		op                 string
		code               errs.Code
	}{
		{"ok/plain", "POST", opPath + "DescribeAlarms", nil, "DescribeAlarms", ""},
		{"ok/prefix", "POST", "/v1/x" + opPath + "DescribeAlarms", nil, "DescribeAlarms", ""},
		{"ok/namespaced-service", "POST", "/service/com.amazonaws.cloudwatch.GraniteServiceVersion20100801/operation/DescribeAlarms", nil, "DescribeAlarms", ""},
		{"ok/content-type-params", "POST", opPath + "DescribeAlarms", map[string]string{"Content-Type": "application/cbor; charset=binary"}, "DescribeAlarms", ""},
		{"fail/unknown-op", "POST", opPath + "Frobnicate", nil, "", errs.UnknownOperation},
		{"fail/unsupported-op", "POST", opPath + "ListDashboards", nil, "ListDashboards", errs.UnsupportedOperation},
		{"fail/other-service", "POST", "/service/TrentService/operation/DescribeAlarms", nil, "", errs.UnknownOperation},
		{"fail/wrong-namespace", "POST", "/service/com.example.GraniteServiceVersion20100801/operation/DescribeAlarms", nil, "", errs.UnknownOperation},
		{"fail/namespaced-op", "POST", opPath + "com.amazonaws.cloudwatch.DescribeAlarms", nil, "", errs.UnknownOperation},
		{"fail/trailing-slash", "POST", opPath + "DescribeAlarms/", nil, "", errs.UnknownOperation},
		{"fail/suffix", "POST", opPath + "DescribeAlarms/x", nil, "", errs.UnknownOperation},
		{"fail/no-path", "POST", "/", nil, "", errs.UnknownOperation},
		{"fail/x-amz-target", "POST", opPath + "DescribeAlarms", map[string]string{"X-Amz-Target": "GraniteServiceVersion20100801.DescribeAlarms"}, "", errs.UnknownOperation},
		{"fail/x-amzn-target", "POST", opPath + "DescribeAlarms", map[string]string{"X-Amzn-Target": "x"}, "", errs.UnknownOperation},
		{"fail/no-protocol-header", "POST", opPath + "DescribeAlarms", map[string]string{"Smithy-Protocol": ""}, "", errs.UnknownOperation},
		{"fail/json-content-type", "POST", opPath + "DescribeAlarms", map[string]string{"Content-Type": "application/x-amz-json-1.0"}, "DescribeAlarms", errs.Serialization},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			op, err := svc.Lookup(newRequest(c.method, c.path, nil, c.hdr))
			if errs.CodeOf(err) != c.code && !(c.code == "" && err == nil) {
				t.Fatalf("got %v, want %s", err, c.code)
			}
			if op.Name != c.op {
				t.Fatalf("op %q, want %q", op.Name, c.op)
			}
		})
	}
	if err := svc.CheckMethod("GET"); errs.CodeOf(err) != errs.UnknownOperation {
		t.Fatalf("GET: %v", err)
	}
}

func TestIsIdentifier(t *testing.T) {
	for _, s := range []string{"a", "_a", "_0", "__0", "variable123", "_underscored_variable", "PutMetricAlarm"} {
		if !isIdentifier(s) {
			t.Errorf("%q rejected", s)
		}
	}
	for _, s := range []string{"", "_", "0", "123abc", "@x", " x", "in-valid", "no#hash", "a.b"} {
		if isIdentifier(s) {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestDecodeBody(t *testing.T) {
	var in describeAlarmsInput
	for _, b := range [][]byte{nil, {0xa0}, {0xbf, 0xff}} {
		if err := Decode(b, &in); err != nil {
			t.Fatalf("%x: %v", b, err)
		}
	}
	for _, b := range [][]byte{{0xf6}, {0x80}, {0x00}, {0xff}} {
		if err := Decode(b, &in); !isSerialization(err) {
			t.Fatalf("%x: %v", b, err)
		}
	}
}

func TestOpValidates(t *testing.T) {
	op := Op("V", 1, false, func(ctx context.Context, in *validated) (any, error) { return "ran", nil })
	if _, err := op.Call(context.Background(), Decoder([]byte{0xa0})); errs.CodeOf(err) != errs.Validation {
		t.Fatalf("got %v", err)
	}
	out, err := op.Call(context.Background(), Decoder([]byte{0xa1, 0x61, 'X', 0x01}))
	if err != nil || out != "ran" {
		t.Fatalf("got %v %v", out, err)
	}
}

type validated struct {
	X *int `json:"X,omitempty"`
}

func (v *validated) Validate() error {
	if v.X == nil {
		return errs.E(errs.Validation, "X is required.")
	}
	return nil
}

func roundTrip(t *testing.T, h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestWireResponses(t *testing.T) {
	f := new(fake)
	f.describe = describeAlarmsOutput{MetricAlarms: []metricAlarm{{AlarmName: ptr("a"), Period: ptr(int32(60))}}}
	svc := f.service()
	h := f.handler(svc)

	t.Run("ok/result", func(t *testing.T) {
		w := roundTrip(t, h, newRequest("POST", opPath+"DescribeAlarms", []byte{0xbf, 0xff}, nil))
		if w.Code != 200 || w.Header().Get("Smithy-Protocol") != "rpc-v2-cbor" ||
			w.Header().Get("Content-Type") != "application/cbor" || w.Header().Get("X-Amzn-Requestid") != testRequestID {
			t.Fatalf("%d %v", w.Code, w.Header())
		}
		// {"MetricAlarms": [{"AlarmName": "a", "Period": 60}]}
		want := unhex(t, "a16c4d6574726963416c61726d7381a269416c61726d4e616d65616166506572696f64183c")
		if !bytes.Equal(w.Body.Bytes(), want) {
			t.Fatalf("body %x\nwant %x", w.Body.Bytes(), want)
		}
	})
	t.Run("ok/no-output", func(t *testing.T) {
		w := roundTrip(t, h, newRequest("POST", opPath+"PutMetricAlarm", unhex(t, "a169416c61726d4e616d656178"), nil))
		if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Type") != "" ||
			w.Header().Get("Smithy-Protocol") != "rpc-v2-cbor" || w.Header().Get("Content-Length") != "0" {
			t.Fatalf("%d %v %x", w.Code, w.Header(), w.Body.Bytes())
		}
	})
	errCases := []struct {
		name   string
		r      *http.Request
		status int
		body   map[string]any
		query  string
	}{
		{"fail/not-found", newRequest("POST", opPath+"DescribeAlarms", unhex(t, "a16a416c61726d4e616d657381676d697373696e67"), nil), 404,
			map[string]any{"__type": "com.amazonaws.cloudwatch#ResourceNotFound", "message": "Alarm missing does not exist.", "Message": "Alarm missing does not exist."},
			"ResourceNotFound;Sender"},
		{"fail/validation", newRequest("POST", opPath+"PutMetricAlarm", unhex(t, "a169416c61726d4e616d6567696e76616c6964"), nil), 400,
			map[string]any{"__type": "com.amazonaws.cloudwatch#InvalidParameterValueException",
				"message": "The parameter Period must be a multiple of 60.", "Message": "The parameter Period must be a multiple of 60."},
			"InvalidParameterValue;Sender"},
		{"fail/internal-hides-cause", newRequest("POST", opPath+"PutMetricAlarm", unhex(t, "a169416c61726d4e616d65656372617368"), nil), 500,
			map[string]any{"__type": "com.amazonaws.cloudwatch#InternalServiceFault"},
			"InternalServiceError;Receiver"},
		{"fail/serialization", newRequest("POST", opPath+"PutMetricAlarm", unhex(t, "a166506572696f646131"), nil), 400,
			map[string]any{"__type": "com.amazonaws.cloudwatch#SerializationException",
				"message": "Expected an Integer for Period, got a text string.", "Message": "Expected an Integer for Period, got a text string."},
			""},
		{"fail/unknown-op-is-404", newRequest("POST", opPath+"Frobnicate", nil, nil), 404,
			map[string]any{"__type": "com.amazonaws.cloudwatch#UnknownOperationException"}, "InvalidAction;Sender"},
		{"fail/get", newRequest("GET", opPath+"DescribeAlarms", nil, nil), 404,
			map[string]any{"__type": "com.amazonaws.cloudwatch#UnknownOperationException"}, "InvalidAction;Sender"},
	}
	for _, c := range errCases {
		t.Run(c.name, func(t *testing.T) {
			w := roundTrip(t, h, c.r)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d: %x", w.Code, c.status, w.Body.Bytes())
			}
			hd := w.Header()
			if hd.Get("Smithy-Protocol") != "rpc-v2-cbor" || hd.Get("Content-Type") != "application/cbor" ||
				hd.Get("X-Amzn-Errortype") != "" || hd.Get("X-Amzn-Query-Error") != c.query {
				t.Fatalf("headers %v", hd)
			}
			var got map[string]any
			if err := Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.body) {
				t.Fatalf("body %v, want %v", got, c.body)
			}
		})
	}
}

func TestWriteResultEncodeFailure(t *testing.T) {
	svc := new(fake).service()
	w := httptest.NewRecorder()
	svc.WriteResult(w, testRequestID, struct{ C chan int }{})
	if w.Code != 500 {
		t.Fatalf("status %d", w.Code)
	}
}
