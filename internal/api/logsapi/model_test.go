package logsapi

import (
	"encoding/json"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/awsproto/awsjson"
	"github.com/keyward/keyward/internal/awsproto/awsquery/querytest"
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

type model struct {
	Metadata struct {
		TargetPrefix string `json:"targetPrefix"`
		JSONVersion  string `json:"jsonVersion"`
	} `json:"metadata"`
	Operations map[string]struct {
		Input  *ref `json:"input"`
		Output *ref `json:"output"`
	} `json:"operations"`
	Shapes map[string]*shape `json:"shapes"`
}

type ref struct {
	Shape string `json:"shape"`
}

type shape struct {
	Type      string         `json:"type"`
	Members   map[string]ref `json:"members"`
	Member    *ref           `json:"member"`
	Key       *ref           `json:"key"`
	Value     *ref           `json:"value"`
	Exception bool           `json:"exception"`
}

func loadModel(t *testing.T) *model {
	t.Helper()
	data, err := os.ReadFile(modelPath)
	if err != nil {
		t.Fatal(err)
	}
	var m model
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

// TestModelShapes checks the wire shapes against the model: every
// structure the built operations send or receive has a Go type of its
// name, every model member a field with its JSON name and a compatible
// type, and no field is not a member.
func TestModelShapes(t *testing.T) {
	m := loadModel(t)
	want := map[string]bool{}
	var visit func(string)
	visit = func(name string) {
		s := m.Shapes[name]
		if s == nil {
			t.Fatalf("unknown shape %s", name)
		}
		if s.Type == "structure" {
			if want[name] {
				return
			}
			want[name] = true
		}
		for _, mem := range s.Members {
			visit(mem.Shape)
		}
		for _, r := range []*ref{s.Member, s.Key, s.Value} {
			if r != nil {
				visit(r.Shape)
			}
		}
	}
	for _, name := range wantOps {
		op := m.Operations[name]
		for _, r := range []*ref{op.Input, op.Output} {
			if r != nil {
				visit(r.Shape)
			}
		}
	}
	for name := range want {
		if shapeRegistry[name] == nil {
			t.Errorf("structure %s has no Go type", name)
		}
	}
	for name, v := range shapeRegistry {
		typ := reflect.TypeOf(v).Elem()
		s := m.Shapes[name]
		switch {
		case s == nil || s.Type != "structure":
			t.Errorf("Go type %s is not a structure of the model", name)
			continue
		case !want[name]:
			t.Errorf("Go type %s: no built operation uses it", name)
		case typ.Name() != name:
			t.Errorf("registry entry %s is type %s", name, typ.Name())
		}
		seen := map[string]bool{}
		for i := range typ.NumField() {
			f := typ.Field(i)
			wire, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if opts != "omitempty" && opts != "omitzero" {
				t.Errorf("%s.%s: json options %q", name, f.Name, opts)
			}
			mem, ok := s.Members[wire]
			if !ok {
				t.Errorf("%s.%s (json %q) is not a member of %s", name, f.Name, wire, name)
				continue
			}
			seen[wire] = true
			if !strings.EqualFold(f.Name, wire) {
				t.Errorf("%s.%s: field name differs from member %s", name, f.Name, wire)
			}
			if err := compatible(m, f.Type, mem.Shape); err != "" {
				t.Errorf("%s.%s: %s", name, f.Name, err)
			}
		}
		for mn := range s.Members {
			if !seen[mn] {
				t.Errorf("%s: member %s has no field", name, mn)
			}
		}
	}
}

// compatible reports why Go type typ cannot carry model shape name ("" if
// it can).
func compatible(m *model, typ reflect.Type, name string) string {
	s := m.Shapes[name]
	if typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	want := map[string]reflect.Kind{"string": reflect.String, "integer": reflect.Int32, "long": reflect.Int64,
		"double": reflect.Float64, "boolean": reflect.Bool, "list": reflect.Slice, "map": reflect.Map, "structure": reflect.Struct}
	switch {
	case s.Type == "timestamp":
		if typ != reflect.TypeFor[awsjson.Time]() {
			return "timestamp " + name + " needs awsjson.Time, not " + typ.String()
		}
		return ""
	case want[s.Type] != typ.Kind():
		return "shape " + name + " (" + s.Type + ") cannot be carried by " + typ.String()
	case s.Type == "list":
		return compatible(m, typ.Elem(), s.Member.Shape)
	case s.Type == "map":
		if e := compatible(m, typ.Key(), s.Key.Shape); e != "" {
			return e
		}
		return compatible(m, typ.Elem(), s.Value.Shape)
	case s.Type == "structure" && typ.Name() != name:
		return "structure " + name + " carried by " + typ.String()
	}
	return ""
}
