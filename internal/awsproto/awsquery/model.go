package awsquery

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// Model is the part of a botocore service model that the Query protocol
// needs: the operations, and the shapes with their members in model order
// (AWS reports validation errors in that order) and their constraints.
type Model struct {
	Version    string // metadata.apiVersion, e.g. 2010-05-08
	Namespace  string // metadata.xmlNamespace
	Operations map[string]*ModelOperation
	Shapes     map[string]*Shape
}

// ModelOperation is one operation of the model.
type ModelOperation struct {
	Name          string
	Input         string // input shape name, "" for none
	Output        string // output shape name, "" for none
	ResultWrapper string // e.g. CreateUserResult
	Errors        []string
}

// Shape is a model shape.
type Shape struct {
	Name      string
	Type      string // structure, list, map, string, integer, long, boolean, timestamp, blob, …
	Members   []Member
	Required  []string
	Min, Max  *int64
	Pattern   string
	Enum      []string
	Sensitive bool
	Flattened bool
	Member    string // list element shape
	// MemberName is the element name of a non-flattened list on the wire:
	// the list member's locationName, or "member".
	MemberName string
	Key        string // map key shape
	Value      string // map value shape
	Exception  bool
	// ErrorCode and ErrorStatus are an exception's Query-protocol code and
	// HTTP status (the model's "error" trait).
	ErrorCode   string
	ErrorStatus int
}

// Member is a member of a structure.
type Member struct {
	Name         string
	Shape        string
	LocationName string
	Flattened    bool
}

// IsRequired reports whether member name of s is required.
func (s *Shape) IsRequired(name string) bool {
	for _, r := range s.Required {
		if r == name {
			return true
		}
	}
	return false
}

// wire forms of the model file.
type (
	wireModel struct {
		Metadata struct {
			APIVersion   string   `json:"apiVersion"`
			XMLNamespace string   `json:"xmlNamespace"`
			Protocol     string   `json:"protocol"`
			Protocols    []string `json:"protocols"`
		} `json:"metadata"`
		Operations map[string]struct {
			Input  *struct{ Shape string } `json:"input"`
			Output *struct {
				Shape         string `json:"shape"`
				ResultWrapper string `json:"resultWrapper"`
			} `json:"output"`
			Errors []struct{ Shape string } `json:"errors"`
		} `json:"operations"`
		Shapes map[string]*wireShape `json:"shapes"`
	}
	wireShape struct {
		Type      string        `json:"type"`
		Members   wireMembers   `json:"members"`
		Required  []string      `json:"required"`
		Min       *json.Number  `json:"min"`
		Max       *json.Number  `json:"max"`
		Pattern   string        `json:"pattern"`
		Enum      []string      `json:"enum"`
		Sensitive bool          `json:"sensitive"`
		Flattened bool          `json:"flattened"`
		Member    *wireShapeRef `json:"member"`
		Key       *wireShapeRef `json:"key"`
		Value     *wireShapeRef `json:"value"`
		Exception bool          `json:"exception"`
		Error     *struct {
			Code           string `json:"code"`
			HTTPStatusCode int    `json:"httpStatusCode"`
		} `json:"error"`
	}
	wireShapeRef struct {
		Shape        string `json:"shape"`
		LocationName string `json:"locationName"`
		Flattened    bool   `json:"flattened"`
	}
	// wireMembers keeps the members of a structure in file order.
	wireMembers []struct {
		name string
		ref  wireShapeRef
	}
)

func (m *wireMembers) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("members: want an object")
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := t.(string)
		var ref wireShapeRef
		if err := dec.Decode(&ref); err != nil {
			return fmt.Errorf("member %s: %w", name, err)
		}
		*m = append(*m, struct {
			name string
			ref  wireShapeRef
		}{name, ref})
	}
	_, err := dec.Token()
	return err
}

// ParseModel reads a botocore service-2.json model (or a reduced copy of
// one) of a Query-protocol service: its protocol is query, or query is one
// of its protocols (CloudWatch).
func ParseModel(data []byte) (*Model, error) {
	var w wireModel
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("awsquery: model: %w", err)
	}
	if w.Metadata.Protocol != "" && w.Metadata.Protocol != "query" && !slices.Contains(w.Metadata.Protocols, "query") {
		return nil, fmt.Errorf("awsquery: model: protocol %q, want query", w.Metadata.Protocol)
	}
	m := &Model{
		Version:    w.Metadata.APIVersion,
		Namespace:  w.Metadata.XMLNamespace,
		Operations: make(map[string]*ModelOperation, len(w.Operations)),
		Shapes:     make(map[string]*Shape, len(w.Shapes)),
	}
	if m.Version == "" || m.Namespace == "" {
		return nil, fmt.Errorf("awsquery: model: metadata lacks apiVersion or xmlNamespace")
	}
	for name, ws := range w.Shapes {
		s := &Shape{
			Name: name, Type: ws.Type, Required: ws.Required, Pattern: ws.Pattern, Enum: ws.Enum,
			Sensitive: ws.Sensitive, Flattened: ws.Flattened, Exception: ws.Exception,
		}
		for _, mem := range ws.Members {
			s.Members = append(s.Members, Member{Name: mem.name, Shape: mem.ref.Shape, LocationName: mem.ref.LocationName, Flattened: mem.ref.Flattened})
		}
		var err error
		if s.Min, err = wireInt(ws.Min); err != nil {
			return nil, fmt.Errorf("awsquery: model: shape %s: min: %w", name, err)
		}
		if s.Max, err = wireInt(ws.Max); err != nil {
			return nil, fmt.Errorf("awsquery: model: shape %s: max: %w", name, err)
		}
		for _, r := range []struct {
			ref *wireShapeRef
			dst *string
		}{{ws.Member, &s.Member}, {ws.Key, &s.Key}, {ws.Value, &s.Value}} {
			if r.ref != nil {
				*r.dst = r.ref.Shape
			}
		}
		if ws.Member != nil {
			s.MemberName = "member"
			if ws.Member.LocationName != "" {
				s.MemberName = ws.Member.LocationName
			}
		}
		if ws.Error != nil {
			s.ErrorCode, s.ErrorStatus = ws.Error.Code, ws.Error.HTTPStatusCode
		}
		m.Shapes[name] = s
	}
	for name, wo := range w.Operations {
		op := &ModelOperation{Name: name}
		if wo.Input != nil {
			op.Input = wo.Input.Shape
		}
		if wo.Output != nil {
			op.Output, op.ResultWrapper = wo.Output.Shape, wo.Output.ResultWrapper
		}
		for _, e := range wo.Errors {
			op.Errors = append(op.Errors, e.Shape)
		}
		m.Operations[name] = op
	}
	return m, nil
}

func wireInt(n *json.Number) (*int64, error) {
	if n == nil {
		return nil, nil
	}
	v, err := n.Int64()
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// MustParseModel is ParseModel for models embedded in the binary: a bad
// model is a programming error.
func MustParseModel(data []byte) *Model {
	m, err := ParseModel(data)
	if err != nil {
		panic(err)
	}
	return m
}
