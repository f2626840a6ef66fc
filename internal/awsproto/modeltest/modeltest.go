// Package modeltest supports the tests of services whose wire shapes are
// hand-written JSON-tagged structs (api/cloudwatchapi, api/logsapi): it
// loads a service's committed botocore model copy and checks the Go types
// against it, shape by shape and member by member. It is imported by tests
// only; querytest keeps the committed copy in step with botocore, and
// api/kmsapi checks its generated types itself.
package modeltest

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/awsproto/awsjson"
)

// Model is the part of a botocore model the checks read.
type Model struct {
	Metadata struct {
		TargetPrefix string   `json:"targetPrefix"`
		JSONVersion  string   `json:"jsonVersion"`
		Protocols    []string `json:"protocols"`
	} `json:"metadata"`
	Operations map[string]struct {
		Input  *Ref `json:"input"`
		Output *Ref `json:"output"`
	} `json:"operations"`
	Shapes map[string]*Shape `json:"shapes"`
}

// Ref names a shape.
type Ref struct {
	Shape string `json:"shape"`
}

// Shape is one model shape; Error is set on exceptions (the awsQuery code
// and HTTP status of awsQueryCompatible services).
type Shape struct {
	Type      string         `json:"type"`
	Members   map[string]Ref `json:"members"`
	Member    *Ref           `json:"member"`
	Key       *Ref           `json:"key"`
	Value     *Ref           `json:"value"`
	Exception bool           `json:"exception"`
	Error     struct {
		Code           string `json:"code"`
		HTTPStatusCode int    `json:"httpStatusCode"`
	} `json:"error"`
}

// Load reads the model at path, failing the test if it cannot.
func Load(t testing.TB, path string) *Model {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m Model
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

// CheckShapes checks the wire shapes against the model: every structure
// operations ops send or receive has a Go type of its name in registry
// (model shape name -> pointer to a zero value), every model member a field
// with its JSON name and a compatible type, and no field is not a member;
// every registry entry is a structure some operation in ops uses.
func CheckShapes(t *testing.T, m *Model, ops []string, registry map[string]any) {
	t.Helper()
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
		for _, r := range []*Ref{s.Member, s.Key, s.Value} {
			if r != nil {
				visit(r.Shape)
			}
		}
	}
	for _, name := range ops {
		op := m.Operations[name]
		for _, r := range []*Ref{op.Input, op.Output} {
			if r != nil {
				visit(r.Shape)
			}
		}
	}
	for name := range want {
		if registry[name] == nil {
			t.Errorf("structure %s has no Go type", name)
		}
	}
	for name, v := range registry {
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
func compatible(m *Model, typ reflect.Type, name string) string {
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
