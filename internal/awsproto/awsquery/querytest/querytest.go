// Package querytest supports the tests of Query-protocol services
// (api/iamapi, api/stsapi): it reduces a botocore model to the committed
// copy a service embeds, and compares that copy with the installed
// botocore. It is imported by tests only.
package querytest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// RefreshEnv, set to 1, makes CheckCommitted rewrite the committed copy from
// the installed botocore instead of failing on a difference.
const RefreshEnv = "KEYWARD_REFRESH_MODELS"

// node is a JSON value that keeps object keys in file order.
type node struct {
	obj  []kv // when an object
	list []*node
	raw  json.RawMessage // scalars
	kind byte            // '{', '[', or 0 for a scalar
}

type kv struct {
	key string
	val *node
}

func parse(dec *json.Decoder) (*node, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t {
	case json.Delim('{'):
		n := &node{kind: '{'}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := parse(dec)
			if err != nil {
				return nil, err
			}
			n.obj = append(n.obj, kv{kt.(string), v})
		}
		_, err := dec.Token()
		return n, err
	case json.Delim('['):
		n := &node{kind: '['}
		for dec.More() {
			v, err := parse(dec)
			if err != nil {
				return nil, err
			}
			n.list = append(n.list, v)
		}
		_, err := dec.Token()
		return n, err
	}
	raw, err := marshal(t)
	return &node{raw: raw}, err
}

// marshal is json.Marshal without HTML escaping.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func (n *node) get(key string) *node {
	for _, e := range n.obj {
		if e.key == key {
			return e.val
		}
	}
	return nil
}

func (n *node) str(key string) string {
	v := n.get(key)
	if v == nil || v.kind != 0 {
		return ""
	}
	var s string
	_ = json.Unmarshal(v.raw, &s)
	return s
}

// strip removes documentation everywhere.
func (n *node) strip() {
	switch n.kind {
	case '{':
		out := n.obj[:0]
		for _, e := range n.obj {
			switch e.key {
			case "documentation", "documentationUrl", "examples":
				continue
			}
			e.val.strip()
			out = append(out, e)
		}
		n.obj = out
	case '[':
		for _, v := range n.list {
			v.strip()
		}
	}
}

// write prints n with a one-space indent and sorted keys, except the
// members of a structure, which keep the model's order.
func (n *node) write(b *bytes.Buffer, indent string, keepOrder bool) {
	switch n.kind {
	case '{':
		if len(n.obj) == 0 {
			b.WriteString("{}")
			return
		}
		entries := slices.Clone(n.obj)
		if !keepOrder {
			slices.SortFunc(entries, func(a, b kv) int { return strings.Compare(a.key, b.key) })
		}
		b.WriteString("{\n")
		for i, e := range entries {
			k, _ := marshal(e.key)
			b.WriteString(indent + " " + string(k) + ": ")
			e.val.write(b, indent+" ", e.key == "members")
			if i < len(entries)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "}")
	case '[':
		if len(n.list) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[\n")
		for i, v := range n.list {
			b.WriteString(indent + " ")
			v.write(b, indent+" ", false)
			if i < len(n.list)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "]")
	default:
		b.Write(n.raw)
	}
}

// Reduce returns the committed form of a botocore model: documentation
// removed; the built operations whole, every other operation by name only
// (so that the service knows it and answers UnsupportedOperation); and only
// the shapes that the built operations reach (inputs, outputs, errors,
// transitively).
func Reduce(full []byte, built []string) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(full))
	dec.UseNumber()
	root, err := parse(dec)
	if err != nil {
		return nil, err
	}
	root.strip()
	ops, shapes := root.get("operations"), root.get("shapes")
	if ops == nil || shapes == nil {
		return nil, fmt.Errorf("querytest: model has no operations or shapes")
	}
	keep := map[string]bool{}
	var visit func(name string) error
	visit = func(name string) error {
		if keep[name] {
			return nil
		}
		s := shapes.get(name)
		if s == nil {
			return fmt.Errorf("querytest: unknown shape %s", name)
		}
		keep[name] = true
		if m := s.get("members"); m != nil {
			for _, e := range m.obj {
				if err := visit(e.val.str("shape")); err != nil {
					return err
				}
			}
		}
		for _, k := range []string{"member", "key", "value"} {
			if r := s.get(k); r != nil {
				if err := visit(r.str("shape")); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, name := range built {
		op := ops.get(name)
		if op == nil {
			return nil, fmt.Errorf("querytest: operation %s is not in the model", name)
		}
		for _, k := range []string{"input", "output"} {
			if r := op.get(k); r != nil {
				if err := visit(r.str("shape")); err != nil {
					return nil, err
				}
			}
		}
		if es := op.get("errors"); es != nil {
			for _, e := range es.list {
				if err := visit(e.str("shape")); err != nil {
					return nil, err
				}
			}
		}
	}
	isBuilt := map[string]bool{}
	for _, name := range built {
		isBuilt[name] = true
	}
	for i, e := range ops.obj {
		if !isBuilt[e.key] {
			name, _ := marshal(e.key)
			ops.obj[i].val = &node{kind: '{', obj: []kv{{"name", &node{raw: name}}}}
		}
	}
	kept := shapes.obj[:0]
	for _, e := range shapes.obj {
		if keep[e.key] {
			kept = append(kept, e)
		}
	}
	shapes.obj = kept
	var b bytes.Buffer
	root.write(&b, "", false)
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// Botocore returns the installed botocore's model of a service, or nil
// when python3 or botocore is not installed.
func Botocore(t testing.TB, service, version string) []byte {
	t.Helper()
	out, err := exec.Command("python3", "-c", "import botocore,os;print(os.path.dirname(botocore.__file__))").Output()
	if err != nil {
		return nil
	}
	p := filepath.Join(strings.TrimSpace(string(out)), "data", service, version, "service-2.json.gz")
	f, err := os.Open(p)
	if err != nil {
		return nil
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
	return data
}

// CheckCommitted compares the committed reduced model at path with the one
// reduced from the installed botocore (skipping when there is none). With
// KEYWARD_REFRESH_MODELS=1 it rewrites the file instead.
func CheckCommitted(t *testing.T, path, service, version string, built []string) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts python3")
	}
	full := Botocore(t, service, version)
	if full == nil {
		t.Skip("python3 or botocore not installed; the committed model is checked by the other tests only")
	}
	want, err := Reduce(full, built)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv(RefreshEnv) == "1" {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the installed botocore's %s %s model reduced to the built operations; refresh it with %s=1 go test -run %s", path, service, version, RefreshEnv, t.Name())
	}
}
