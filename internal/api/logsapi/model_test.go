package logsapi

import (
	"maps"
	"slices"
	"testing"

	"github.com/keyward/keyward/internal/awsproto/awsquery/querytest"
	"github.com/keyward/keyward/internal/awsproto/modeltest"
	"github.com/keyward/keyward/internal/errs"
)

const modelPath = "model/logs-2014-03-28.json"

// The operations this package builds (issue 4).
var wantOps = []string{"CreateLogGroup", "DescribeLogGroups", "PutMetricFilter", "DescribeMetricFilters",
	"DeleteMetricFilter", "TestMetricFilter", "FilterLogEvents"}

// TestModelMatchesBotocore compares the committed model with the installed
// botocore's, reduced to the operations built here (querytest reduces JSON
// models as it does Query ones).
func TestModelMatchesBotocore(t *testing.T) {
	querytest.CheckCommitted(t, modelPath, "logs", "2014-03-28", slices.Sorted(slices.Values(wantOps)))
}

func TestTable(t *testing.T) {
	svc := New(nil)
	if got, want := slices.Sorted(maps.Keys(svc.Ops)), slices.Sorted(slices.Values(wantOps)); !slices.Equal(got, want) {
		t.Errorf("operations %v\nwant %v", got, want)
	}
	m := loadModel(t)
	if len(svc.Known) != len(m.Operations) || len(svc.Known) < 50 {
		t.Errorf("%d known operations, the model has %d", len(svc.Known), len(m.Operations))
	}
	if m.Metadata.TargetPrefix != svc.TargetPrefix || m.Metadata.JSONVersion != "1.1" || svc.ContentType != "application/x-amz-json-1.1" {
		t.Errorf("metadata %+v", m.Metadata)
	}
	for _, op := range svc.Ops {
		if op.MaxBody <= 0 || op.MaxBody > testBody {
			t.Errorf("%s: MaxBody %d", op.Name, op.MaxBody)
		}
	}
}

// TestErrorTable checks that every exception sent is one the model declares
// (or a protocol error every JSON service shares).
func TestErrorTable(t *testing.T) {
	m := loadModel(t)
	common := map[string]bool{"SerializationException": true, "UnknownOperationException": true, "AccessDeniedException": true,
		"MissingAuthenticationTokenException": true, "IncompleteSignatureException": true, "UnrecognizedClientException": true,
		"InvalidSignatureException": true, "ExpiredTokenException": true, "RequestEntityTooLargeException": true}
	for code, name := range errorTable {
		if s := m.Shapes[name]; (s == nil || !s.Exception) && !common[name] {
			t.Errorf("%s -> %s: not an exception of the model", code, name)
		}
	}
	if name, status := errorType(errs.Internal); m.Shapes[name] == nil || status != 500 {
		t.Errorf("internal error %s %d", name, status)
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
