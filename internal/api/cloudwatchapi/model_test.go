package cloudwatchapi

import (
	"maps"
	"slices"
	"testing"

	"github.com/keyward/keyward/internal/awsproto/awsjson"
	"github.com/keyward/keyward/internal/awsproto/awsquery/querytest"
	"github.com/keyward/keyward/internal/awsproto/modeltest"
)

const modelPath = "model/monitoring-2010-08-01.json"

// The operations this package builds (issue 4).
var wantOps = []string{"PutMetricAlarm", "DescribeAlarms", "DeleteAlarms", "DescribeAlarmHistory", "SetAlarmState",
	"GetMetricStatistics", "GetMetricData", "ListMetrics"}

// TestModelMatchesBotocore compares the committed model with the installed
// botocore's, reduced to the operations built here (querytest reduces JSON
// models as it does Query ones).
func TestModelMatchesBotocore(t *testing.T) {
	querytest.CheckCommitted(t, modelPath, "cloudwatch", "2010-08-01", slices.Sorted(slices.Values(wantOps)))
}

func TestTable(t *testing.T) {
	svcs := New(nil)
	for _, ops := range []map[string]awsjson.Operation{svcs.JSON.Ops, svcs.CBOR.Ops} {
		if got, want := slices.Sorted(maps.Keys(ops)), slices.Sorted(slices.Values(wantOps)); !slices.Equal(got, want) {
			t.Errorf("operations %v\nwant %v", got, want)
		}
	}
	m := loadModel(t)
	if len(svcs.JSON.Known) != len(m.Operations) || len(svcs.CBOR.Known) != len(m.Operations) || len(m.Operations) < 30 {
		t.Errorf("%d known operations, the model has %d", len(svcs.JSON.Known), len(m.Operations))
	}
	if m.Metadata.TargetPrefix != svcs.JSON.TargetPrefix || m.Metadata.JSONVersion != "1.0" || svcs.JSON.ContentType != "application/x-amz-json-1.0" ||
		svcs.CBOR.ServiceName != TargetPrefix || m.Metadata.Protocols[0] != "smithy-rpc-v2-cbor" {
		t.Errorf("metadata %+v", m.Metadata)
	}
	for _, op := range svcs.JSON.Ops {
		if op.MaxBody <= 0 || op.MaxBody > alarmBody {
			t.Errorf("%s: MaxBody %d", op.Name, op.MaxBody)
		}
	}
}

// TestErrorTable checks that every error sent is one the model declares,
// with the model's awsQuery code and status (or a protocol error every
// service shares, or CloudWatch's undeclared ValidationError).
func TestErrorTable(t *testing.T) {
	m := loadModel(t)
	common := map[string]bool{"ValidationError": true, "SerializationException": true, "UnknownOperationException": true,
		"UnsupportedOperation": true, "AccessDeniedException": true, "MissingAuthenticationTokenException": true,
		"ConcurrentModificationException": true, // declared by the model, on operations not built here
		"IncompleteSignatureException":    true, "UnrecognizedClientException": true, "InvalidSignatureException": true,
		"ExpiredTokenException": true, "RequestEntityTooLargeException": true}
	for code, f := range errorTable {
		s := m.Shapes[f.shape]
		if s == nil || !s.Exception {
			if !common[f.shape] {
				t.Errorf("%s -> %s: not an exception of the model", code, f.shape)
			}
			continue
		}
		if s.Error.Code != f.query || s.Error.HTTPStatusCode != f.status {
			t.Errorf("%s -> %+v: the model says code %s status %d", code, f, s.Error.Code, s.Error.HTTPStatusCode)
		}
	}
	s := m.Shapes[internalFault.shape]
	if s == nil || s.Error.Code != internalFault.query || s.Error.HTTPStatusCode != internalFault.status {
		t.Errorf("internal fault %+v", internalFault)
	}
}

func loadModel(t *testing.T) *modeltest.Model {
	t.Helper()
	return modeltest.Load(t, modelPath)
}

// TestModelShapes checks the wire shapes against the model: every
// structure the built operations send or receive has a Go type of its
// name, every model member a field with its JSON name and a compatible
// type, and no field is not a member.
func TestModelShapes(t *testing.T) {
	modeltest.CheckShapes(t, loadModel(t), wantOps, shapeRegistry)
}
