package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
)

// model is the part of a botocore service model the generator uses.
type model struct {
	Metadata   map[string]any        `json:"metadata"`
	Operations map[string]*operation `json:"operations"`
	Shapes     map[string]*shape     `json:"shapes"`
}

type operation struct {
	Name   string `json:"name"`
	Input  *ref   `json:"input"`
	Output *ref   `json:"output"`
	Errors []ref  `json:"errors"`
}

// ref is a reference to a shape: an operation's input/output/error, a
// structure member, or a list/map element.
type ref struct {
	Shape        string `json:"shape"`
	LocationName string `json:"locationName"`
	Deprecated   bool   `json:"deprecated"`
	Sensitive    bool   `json:"sensitive"`
}

type shape struct {
	name        string
	memberOrder []string // member names in model order

	Type      string          `json:"type"`
	Members   map[string]*ref `json:"members"`
	Required  []string        `json:"required"`
	Min       *json.Number    `json:"min"`
	Max       *json.Number    `json:"max"`
	Pattern   string          `json:"pattern"`
	Enum      []string        `json:"enum"`
	Sensitive bool            `json:"sensitive"`
	Member    *ref            `json:"member"`
	Key       *ref            `json:"key"`
	Value     *ref            `json:"value"`
	Exception bool            `json:"exception"`
}

func (s *shape) required(member string) bool { return slices.Contains(s.Required, member) }

// readMaybeGzip reads path, decompressing it if it is gzip data.
func readMaybeGzip(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer zr.Close()
		if data, err = io.ReadAll(zr); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return data, nil
}

// reduce returns the reduced model file for a botocore service-2.json:
// documentation removed, keys sorted (members in model order), one-space
// indent, trailing newline.
func reduce(data []byte) ([]byte, error) {
	root, err := parseJSON(data)
	if err != nil {
		return nil, err
	}
	if root.kind != '{' || root.get("shapes") == nil || root.get("operations") == nil {
		return nil, fmt.Errorf("not a botocore service model")
	}
	stripDocs(root, false)
	var b bytes.Buffer
	if err := writeJSON(&b, root, 0, false); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// loadModel parses a (reduced or full) service model, keeping member order.
func loadModel(data []byte) (*model, error) {
	root, err := parseJSON(data)
	if err != nil {
		return nil, err
	}
	canonical, err := encode(root)
	if err != nil {
		return nil, err
	}
	var m model
	if err := json.Unmarshal(canonical, &m); err != nil {
		return nil, err
	}
	shapes := root.get("shapes")
	if shapes == nil || m.Operations == nil {
		return nil, fmt.Errorf("not a botocore service model")
	}
	for _, f := range shapes.fields {
		s := m.Shapes[f.key]
		s.name = f.key
		for _, mf := range f.val.get("members").fieldsOrNil() {
			s.memberOrder = append(s.memberOrder, mf.key)
		}
	}
	for name, op := range m.Operations {
		if op.Name != name {
			return nil, fmt.Errorf("operation %q has name %q", name, op.Name)
		}
	}
	return &m, m.check()
}

func (n *node) fieldsOrNil() []field {
	if n == nil {
		return nil
	}
	return n.fields
}

// check verifies that every reference resolves.
func (m *model) check() error {
	resolve := func(r *ref, where string) error {
		if r == nil {
			return nil
		}
		if _, ok := m.Shapes[r.Shape]; !ok {
			return fmt.Errorf("%s refers to unknown shape %q", where, r.Shape)
		}
		return nil
	}
	for name, op := range m.Operations {
		if err := resolve(op.Input, name+".input"); err != nil {
			return err
		}
		if err := resolve(op.Output, name+".output"); err != nil {
			return err
		}
		for i := range op.Errors {
			if err := resolve(&op.Errors[i], name+".errors"); err != nil {
				return err
			}
		}
	}
	for name, s := range m.Shapes {
		for mn, r := range s.Members {
			if err := resolve(r, name+"."+mn); err != nil {
				return err
			}
		}
		for _, r := range []*ref{s.Member, s.Key, s.Value} {
			if err := resolve(r, name); err != nil {
				return err
			}
		}
		for _, req := range s.Required {
			if _, ok := s.Members[req]; !ok {
				return fmt.Errorf("%s requires unknown member %q", name, req)
			}
		}
	}
	return nil
}

// reachable returns the names of every shape reachable from roots.
func (m *model) reachable(roots []string) map[string]bool {
	seen := map[string]bool{}
	var visit func(string)
	visit = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		s := m.Shapes[name]
		for _, mn := range s.memberOrder {
			visit(s.Members[mn].Shape)
		}
		for _, r := range []*ref{s.Member, s.Key, s.Value} {
			if r != nil {
				visit(r.Shape)
			}
		}
	}
	for _, r := range roots {
		visit(r)
	}
	return seen
}
