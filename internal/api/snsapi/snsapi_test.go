package snsapi

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/awsproto/awsquery"
	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/notify"
)

// TestTable builds the operation table: awsquery.Op binds every input type
// to its model shape (less map members) and checks every result type
// against the model's output shape; withMaps checks that every map member
// has a decoder. Any mismatch panics here.
func TestTable(t *testing.T) {
	svc := New(nil)
	if got := slices.Sorted(maps.Keys(svc.Ops)); !slices.Equal(got, wantOps) {
		t.Errorf("operations %v\nwant %v", got, wantOps)
	}
	if len(svc.Known) != len(Model.Operations) || !svc.Known["PublishBatch"] || !svc.Known["TagResource"] {
		t.Errorf("%d known operations", len(svc.Known))
	}
	if svc.Version != "2010-03-31" || svc.Namespace != "http://sns.amazonaws.com/doc/2010-03-31/" {
		t.Errorf("version %s namespace %s", svc.Version, svc.Namespace)
	}
	for _, op := range svc.Ops {
		if op.MaxBody <= 0 || op.MaxBody > publishBody {
			t.Errorf("%s: MaxBody %d", op.Name, op.MaxBody)
		}
	}
	// Every map member of a built operation's input is decoded here.
	var got []string
	for _, name := range wantOps {
		for _, mem := range mapMembers[Model.Operations[name].Input] {
			got = append(got, Model.Operations[name].Input+"."+mem.Name)
		}
	}
	if want := slices.Sorted(maps.Keys(mapDecoders)); !slices.Equal(slices.Sorted(slices.Values(got)), want) {
		t.Errorf("map members %v, decoders for %v", got, want)
	}
}

// TestErrorTable checks that every error code sent is one the model
// declares, with the model's HTTP status, or the Query protocol's
// ValidationError.
func TestErrorTable(t *testing.T) {
	declared := map[string]int{"ValidationError": http.StatusBadRequest}
	for _, s := range Model.Shapes {
		if s.Exception {
			declared[s.ErrorCode] = s.ErrorStatus
		}
	}
	for code, f := range errorTable {
		if status, ok := declared[f.Code]; !ok || status != f.Status {
			t.Errorf("%s -> %+v: the model declares %s with status %d (declared: %v)", code, f, f.Code, status, ok)
		}
	}
	if declared[internalFault.Code] != internalFault.Status {
		t.Errorf("internal fault %+v", internalFault)
	}
}

// TestMapShapes checks that the committed model describes SNS's maps as
// maps.go reads and writes them: non-flattened, string keys, key and value
// names as on the wire.
func TestMapShapes(t *testing.T) {
	raw, err := os.ReadFile(modelPath)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Shapes map[string]map[string]json.RawMessage `json:"shapes"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	type ref struct {
		Shape        string `json:"shape"`
		LocationName string `json:"locationName"`
	}
	for _, c := range []struct {
		shape, key, keyName, value, valueName string
	}{
		{"TopicAttributesMap", "attributeName", "", "attributeValue", ""},
		{"SubscriptionAttributesMap", "attributeName", "", "attributeValue", ""},
		{"MessageAttributeMap", "String", "Name", "MessageAttributeValue", "Value"},
	} {
		s := m.Shapes[c.shape]
		var key, value ref
		if err := json.Unmarshal(s["key"], &key); err != nil {
			t.Fatalf("%s: %v", c.shape, err)
		}
		if err := json.Unmarshal(s["value"], &value); err != nil {
			t.Fatalf("%s: %v", c.shape, err)
		}
		if string(s["type"]) != `"map"` || s["flattened"] != nil || key != (ref{c.key, c.keyName}) || value != (ref{c.value, c.valueName}) {
			t.Errorf("%s: key %+v value %+v, flattened %s", c.shape, key, value, s["flattened"])
		}
	}
	v := Model.Shapes["MessageAttributeValue"]
	var members []string
	for _, mem := range v.Members {
		members = append(members, mem.Name+":"+Model.Shapes[mem.Shape].Type)
	}
	if want := []string{"DataType:string", "StringValue:string", "BinaryValue:blob"}; !slices.Equal(members, want) || !slices.Equal(v.Required, []string{"DataType"}) {
		t.Errorf("MessageAttributeValue: %v required %v", members, v.Required)
	}
	for name, input := range map[string]string{"GetTopicAttributesResponse": "TopicAttributesMap"} {
		if ms := Model.Shapes[name].Members; len(ms) != 1 || ms[0].Name != "Attributes" || ms[0].Shape != input {
			t.Errorf("%s: %+v", name, ms)
		}
	}
}

func TestDecodeMaps(t *testing.T) {
	cases := []struct {
		name    string
		params  map[string]string
		attrs   map[string]string
		msgAttr map[string]notify.MessageAttribute
		code    errs.Code
	}{
		{name: "ok/none", params: map[string]string{}},
		{name: "ok/empty", params: map[string]string{"Attributes": ""}},
		{name: "ok/attributes", params: map[string]string{
			"Attributes.entry.1.key": "DisplayName", "Attributes.entry.1.value": "Alarms",
			"Attributes.entry.2.key": "FifoTopic", "Attributes.entry.2.value": "false",
			"Attributes.entry.3.key": "Empty",
		}, attrs: map[string]string{"DisplayName": "Alarms", "FifoTopic": "false", "Empty": ""}},
		{name: "ok/message-attributes", params: map[string]string{
			"MessageAttributes.entry.1.Name": "key", "MessageAttributes.entry.1.Value.DataType": "String",
			"MessageAttributes.entry.1.Value.StringValue": "alias/prod",
			"MessageAttributes.entry.2.Name":              "blob", "MessageAttributes.entry.2.Value.DataType": "Binary",
			"MessageAttributes.entry.2.Value.BinaryValue": "AAEC",
		}, msgAttr: map[string]notify.MessageAttribute{
			"key":  {DataType: "String", StringValue: "alias/prod"},
			"blob": {DataType: "Binary", BinaryValue: []byte{0, 1, 2}},
		}},
		{name: "fail/gap", params: map[string]string{"Attributes.entry.1.key": "a", "Attributes.entry.3.key": "b"}, code: errs.Validation},
		{name: "fail/no-key", params: map[string]string{"Attributes.entry.1.value": "v"}, code: errs.Validation},
		{name: "fail/duplicate-key", params: map[string]string{"Attributes.entry.1.key": "a", "Attributes.entry.2.key": "a"}, code: errs.Validation},
		{name: "fail/bare-value", params: map[string]string{"Attributes": "DisplayName=x"}, code: errs.Validation},
		{name: "fail/no-data-type", params: map[string]string{"MessageAttributes.entry.1.Name": "k", "MessageAttributes.entry.1.Value.StringValue": "v"}, code: codeValidationError},
		{name: "fail/no-name", params: map[string]string{"MessageAttributes.entry.1.Value.DataType": "String"}, code: codeValidationError},
		{name: "fail/not-base64", params: map[string]string{"MessageAttributes.entry.1.Name": "k", "MessageAttributes.entry.1.Value.DataType": "Binary", "MessageAttributes.entry.1.Value.BinaryValue": "!!"}, code: notify.CodeInvalidParameterValue},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := awsquery.ParamsOf(c.params)
			var m requestMaps
			err := decodeAttributes(p, "Attributes", &m)
			if err == nil {
				m.messageAttributes, err = decodeMessageAttributes(p, "MessageAttributes")
			}
			if c.code != "" {
				if !errs.Is(err, c.code) {
					t.Fatalf("got %v, want code %s", err, c.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(m.attributes)+len(c.attrs) > 0 && !reflect.DeepEqual(m.attributes, c.attrs) {
				t.Errorf("attributes %v, want %v", m.attributes, c.attrs)
			}
			if len(m.messageAttributes)+len(c.msgAttr) > 0 && !reflect.DeepEqual(m.messageAttributes, c.msgAttr) {
				t.Errorf("message attributes %v, want %v", m.messageAttributes, c.msgAttr)
			}
		})
	}
}

func TestGetTopicAttributesXML(t *testing.T) {
	svc := New(nil)
	w := httptest.NewRecorder()
	svc.WriteResult(w, "rid", "GetTopicAttributes", &GetTopicAttributesResponse{attributes: attributeMap{"TopicArn": "arn:aws:sns:us-east-1:000000000000:t", "DisplayName": "a<b"}})
	want := `<GetTopicAttributesResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><GetTopicAttributesResult><Attributes>` +
		`<entry><key>DisplayName</key><value>a&lt;b</value></entry>` +
		`<entry><key>TopicArn</key><value>arn:aws:sns:us-east-1:000000000000:t</value></entry>` +
		`</Attributes></GetTopicAttributesResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></GetTopicAttributesResponse>`
	if got := w.Body.String(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

// These cases fail before the notify service is called: the model's
// constraints, the maps' decoding and the protocol's own refusals.
func TestInputChecks(t *testing.T) {
	svc := New(nil)
	ctx := authz.WithCaller(context.Background(), authz.RootCaller("000000000000", "us-east-1", "test"))
	cases := []struct {
		name, op string
		params   map[string]string
		code     string
		msg      string
	}{
		{"fail/no-name", "CreateTopic", map[string]string{}, "ValidationError",
			"1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"},
		{"fail/tag-key-empty", "CreateTopic", map[string]string{"Name": "t", "Tags.member.1.Key": "", "Tags.member.1.Value": "v"}, "ValidationError",
			"1 validation error detected: Value '' at 'tags.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"fail/attribute-gap", "CreateTopic", map[string]string{"Name": "t", "Attributes.entry.2.key": "DisplayName"}, "InvalidParameter",
			"Invalid parameter: Attributes Reason: entry 1 is missing"},
		{"fail/no-message", "Publish", map[string]string{"TopicArn": "arn:aws:sns:us-east-1:000000000000:t"}, "ValidationError",
			"1 validation error detected: Value null at 'message' failed to satisfy constraint: Member must not be null"},
		{"fail/attribute-without-type", "Publish", map[string]string{"Message": "m", "MessageAttributes.entry.1.Name": "k"}, "ValidationError",
			"1 validation error detected: Value null at 'messageAttributes.k.member.dataType' failed to satisfy constraint: Member must not be null"},
		{"fail/return-arn-type", "Subscribe", map[string]string{"TopicArn": "a", "Protocol": "http", "ReturnSubscriptionArn": "yes"}, "InvalidParameterValue", "*"},
		{"fail/no-token", "ConfirmSubscription", map[string]string{"TopicArn": "a"}, "ValidationError",
			"1 validation error detected: Value null at 'token' failed to satisfy constraint: Member must not be null"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := svc.Ops[c.op].Call(ctx, awsquery.ParamsOf(c.params))
			f, msg := svc.Fault(err)
			if err == nil || f.Code != c.code || f.Status != http.StatusBadRequest {
				t.Fatalf("got %v (%+v), want %s", err, f, c.code)
			}
			if c.msg != "*" && msg != c.msg {
				t.Fatalf("message\n  %q\nwant\n  %q", msg, c.msg)
			}
		})
	}
}

func TestNoCaller(t *testing.T) {
	svc := New(nil)
	for _, op := range wantOps {
		if op == "ConfirmSubscription" {
			continue // served without a caller: the token authorizes it
		}
		_, err := svc.Ops[op].Call(context.Background(), awsquery.ParamsOf(map[string]string{"TopicArn": "arn:aws:sns:us-east-1:000000000000:t",
			"Name": "t", "Message": "m", "Protocol": "http", "SubscriptionArn": "x", "AttributeName": "DisplayName"}))
		if !errs.Is(err, errs.MissingAuthentication) {
			t.Errorf("%s without a caller: %v", op, err)
		}
	}
	if f, msg := svc.Fault(errs.E(errs.AccessDenied, "User: x is not authorized")); f.Code != "AuthorizationError" || f.Status != 403 || !strings.HasPrefix(msg, "User:") {
		t.Errorf("AccessDenied: %+v %q", f, msg)
	}
}
