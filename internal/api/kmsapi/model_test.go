package kmsapi

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/awsproto/awsjson"
)

// The committed, documentation-free copy of botocore's KMS model.
const mtModelPath = "model/kms-2014-11-01.json"

type mtModel struct {
	Operations map[string]struct {
		Input  *struct{ Shape string } `json:"input"`
		Output *struct{ Shape string } `json:"output"`
	} `json:"operations"`
	Shapes map[string]*mtShape `json:"shapes"`
}

type mtShape struct {
	Type    string `json:"type"`
	Members map[string]struct {
		Shape        string `json:"shape"`
		LocationName string `json:"locationName"`
	} `json:"members"`
	Enum      []string                `json:"enum"`
	Exception bool                    `json:"exception"`
	Member    *struct{ Shape string } `json:"member"`
	Key       *struct{ Shape string } `json:"key"`
	Value     *struct{ Shape string } `json:"value"`
}

func mtLoad(t *testing.T, data []byte) *mtModel {
	t.Helper()
	var m mtModel
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Operations) == 0 || len(m.Shapes) == 0 {
		t.Fatal("model has no operations or shapes")
	}
	return &m
}

func mtCommitted(t *testing.T) *mtModel {
	t.Helper()
	data, err := os.ReadFile(mtModelPath)
	if err != nil {
		t.Fatal(err)
	}
	return mtLoad(t, data)
}

// TestModelOperations checks the operation and exception tables.
func TestModelOperations(t *testing.T) {
	m := mtCommitted(t)
	if want := slices.Sorted(maps.Keys(m.Operations)); !slices.Equal(operationNames, want) {
		t.Errorf("operationNames = %v\nwant %v", operationNames, want)
	}
	if len(operationShapes) != len(m.Operations) {
		t.Errorf("operationShapes has %d operations, the model %d", len(operationShapes), len(m.Operations))
	}
	for name, op := range m.Operations {
		var in, out string
		if op.Input != nil {
			in = op.Input.Shape
		}
		if op.Output != nil {
			out = op.Output.Shape
		}
		got, ok := operationShapes[name]
		if !ok || got.Input != in || got.Output != out {
			t.Errorf("operationShapes[%s] = %+v, want {%s %s}", name, got, in, out)
		}
		for _, s := range []string{in, out} {
			if s != "" && shapeRegistry[s] == nil {
				t.Errorf("%s: shape %s has no Go type", name, s)
			}
		}
	}
	var exc []string
	for name, s := range m.Shapes {
		if s.Exception {
			exc = append(exc, name)
		}
	}
	slices.Sort(exc)
	if !slices.Equal(exceptionNames, exc) {
		t.Errorf("exceptionNames = %v\nwant %v", exceptionNames, exc)
	}
}

// TestModelShapes checks, by reflection over the generated types, that every
// structure an operation sends or receives has a Go type, that every field
// of those types is a model member of a compatible type, and that every
// member has a field.
func TestModelShapes(t *testing.T) {
	m := mtCommitted(t)

	// Every structure reachable from an operation's input or output.
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
		for _, r := range []*struct{ Shape string }{s.Member, s.Key, s.Value} {
			if r != nil {
				visit(r.Shape)
			}
		}
	}
	for _, op := range m.Operations {
		if op.Input != nil {
			visit(op.Input.Shape)
		}
		if op.Output != nil {
			visit(op.Output.Shape)
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
		case s == nil:
			t.Errorf("Go type %s is not in the model", name)
			continue
		case s.Type != "structure" || s.Exception:
			t.Errorf("Go type %s: the model's %s is a %s (exception %v)", name, name, s.Type, s.Exception)
			continue
		case !want[name]:
			t.Errorf("Go type %s: no operation uses it", name)
		case typ.Name() != name:
			t.Errorf("registry entry %s is type %s", name, typ.Name())
		}
		seen := map[string]bool{}
		for i := range typ.NumField() {
			f := typ.Field(i)
			tag := f.Tag.Get("json")
			wire, opts, _ := strings.Cut(tag, ",")
			if opts != "omitempty" && opts != "omitzero" {
				t.Errorf("%s.%s: json tag %q, want omitempty or omitzero", name, f.Name, tag)
			}
			member, mem, ok := "", struct {
				Shape        string `json:"shape"`
				LocationName string `json:"locationName"`
			}{}, false
			for mn, mm := range s.Members {
				if mn == wire || mm.LocationName == wire {
					member, mem, ok = mn, mm, true
				}
			}
			if !ok {
				t.Errorf("%s.%s (json %q) is not a member of the model's %s", name, f.Name, wire, name)
				continue
			}
			seen[member] = true
			if f.Name != member {
				t.Errorf("%s.%s: field name differs from member %s", name, f.Name, member)
			}
			if err := mtCompatible(m, f.Type, mem.Shape, false); err != nil {
				t.Errorf("%s.%s: %v", name, f.Name, err)
			}
		}
		for mn := range s.Members {
			if !seen[mn] {
				t.Errorf("%s: model member %s has no Go field", name, mn)
			}
		}
	}
}

var mtTimeType = reflect.TypeFor[awsjson.Time]()

// mtCompatible checks that Go type typ can carry shape name on the wire. A
// member (elem=false) uses pointers for scalars and structures; a list or
// map element (elem=true) uses values.
func mtCompatible(m *mtModel, typ reflect.Type, name string, elem bool) error {
	s := m.Shapes[name]
	want := func(scalar reflect.Type) error {
		w := scalar
		if !elem {
			w = reflect.PointerTo(scalar)
		}
		if typ != w {
			return fmt.Errorf("shape %s (%s) needs Go type %v, have %v", name, s.Type, w, typ)
		}
		return nil
	}
	switch s.Type {
	case "string":
		return want(reflect.TypeFor[string]())
	case "integer":
		return want(reflect.TypeFor[int32]())
	case "long":
		return want(reflect.TypeFor[int64]())
	case "boolean":
		return want(reflect.TypeFor[bool]())
	case "double", "float":
		return want(reflect.TypeFor[float64]())
	case "timestamp":
		return want(mtTimeType)
	case "blob":
		if typ != reflect.TypeFor[[]byte]() {
			return fmt.Errorf("blob %s needs []byte, have %v", name, typ)
		}
		return nil
	case "structure":
		reg, ok := shapeRegistry[name]
		if !ok {
			return fmt.Errorf("structure %s has no Go type", name)
		}
		return want(reflect.TypeOf(reg).Elem())
	case "list":
		if typ.Kind() != reflect.Slice {
			return fmt.Errorf("list %s needs a slice, have %v", name, typ)
		}
		return mtCompatible(m, typ.Elem(), s.Member.Shape, true)
	case "map":
		if typ.Kind() != reflect.Map || typ.Key().Kind() != reflect.String || m.Shapes[s.Key.Shape].Type != "string" {
			return fmt.Errorf("map %s needs map[string]..., have %v", name, typ)
		}
		return mtCompatible(m, typ.Elem(), s.Value.Shape, true)
	}
	return fmt.Errorf("shape %s: unknown type %q", name, s.Type)
}

// TestModelEnums checks every generated enumX variable against the model's
// X enum, values and order, by reading zz_shapes.go's source.
func TestModelEnums(t *testing.T) {
	m := mtCommitted(t)
	f, err := parser.ParseFile(token.NewFileSet(), "zz_shapes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			name := vs.Names[0].Name
			if !strings.HasPrefix(name, "enum") {
				continue
			}
			lit := vs.Values[0].(*ast.CompositeLit)
			for _, e := range lit.Elts {
				s, err := strconv.Unquote(e.(*ast.BasicLit).Value)
				if err != nil {
					t.Fatal(err)
				}
				got[strings.TrimPrefix(name, "enum")] = append(got[strings.TrimPrefix(name, "enum")], s)
			}
		}
	}
	for name, s := range m.Shapes {
		if len(s.Enum) == 0 {
			continue
		}
		if !slices.Equal(got[name], s.Enum) {
			t.Errorf("enum%s = %v, model %v", name, got[name], s.Enum)
		}
		delete(got, name)
	}
	for name := range got {
		t.Errorf("enum%s has no enum shape in the model", name)
	}
	// Spot-check that the variables the validators use are these.
	if !slices.Equal(enumKeySpec, m.Shapes["KeySpec"].Enum) || !slices.Equal(ruleKeySpec.enum, enumKeySpec) {
		t.Error("enumKeySpec/ruleKeySpec do not match the model")
	}
}

// botocoreKMSModel returns the path of the KMS model shipped with the
// installed botocore, or "" when python3 or botocore is absent.
func botocoreKMSModel(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("python3", "-c", "import botocore,os;print(os.path.dirname(botocore.__file__))").Output()
	if err != nil {
		return ""
	}
	p := filepath.Join(strings.TrimSpace(string(out)), "data", "kms", "2014-11-01", "service-2.json.gz")
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// TestModelMatchesBotocore compares the committed model with the one in the
// installed botocore, when there is one. Operations, shapes, members or enum
// values that botocore has and we lack fail the test: the model must be
// refreshed. Anything else (an older botocore, a changed constraint) is
// logged.
func TestModelMatchesBotocore(t *testing.T) {
	if testing.Short() {
		t.Skip("starts python3")
	}
	path := botocoreKMSModel(t)
	if path == "" {
		t.Skip("python3 or botocore not installed; checked the committed model only")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile(mtModelPath)
	if err != nil {
		t.Fatal(err)
	}
	var installed, ours any
	if err := json.Unmarshal(data, &installed); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(committed, &ours); err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(mtStripDocs(installed, false), ours) {
		return
	}

	theirs, ourm := mtLoad(t, data), mtLoad(t, committed)
	var missing, extra []string
	for name := range theirs.Operations {
		if _, ok := ourm.Operations[name]; !ok {
			missing = append(missing, "operation "+name)
		}
	}
	for name := range ourm.Operations {
		if _, ok := theirs.Operations[name]; !ok {
			extra = append(extra, "operation "+name)
		}
	}
	for name, ts := range theirs.Shapes {
		osh, ok := ourm.Shapes[name]
		if !ok {
			missing = append(missing, "shape "+name)
			continue
		}
		for mn := range ts.Members {
			if _, ok := osh.Members[mn]; !ok {
				missing = append(missing, "member "+name+"."+mn)
			}
		}
		for mn := range osh.Members {
			if _, ok := ts.Members[mn]; !ok {
				extra = append(extra, "member "+name+"."+mn)
			}
		}
		for _, v := range ts.Enum {
			if !slices.Contains(osh.Enum, v) {
				missing = append(missing, "enum value "+name+"."+v)
			}
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	if len(extra) > 0 {
		t.Logf("the committed model has what the installed botocore lacks (older botocore?): %s", strings.Join(extra, ", "))
	}
	if len(missing) > 0 {
		t.Fatalf("the installed botocore's KMS model has %s, which the committed model lacks; refresh it:\n\tcd internal/api/kmsapi && go run ./internal/gen -refresh %s",
			strings.Join(missing, ", "), path)
	}
	t.Logf("the committed model differs from %s in details (constraints, docs-free fields); run go run ./internal/gen -refresh with it to see the diff", path)
}

// mtStripDocs removes documentation properties as the generator's -refresh
// does; the keys of operations, shapes and members maps are names, kept.
func mtStripDocs(v any, isNameMap bool) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			if !isNameMap && (k == "documentation" || k == "documentationUrl" || k == "examples") {
				continue
			}
			out[k] = mtStripDocs(e, !isNameMap && (k == "operations" || k == "shapes" || k == "members"))
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = mtStripDocs(e, false)
		}
		return out
	}
	return v
}
