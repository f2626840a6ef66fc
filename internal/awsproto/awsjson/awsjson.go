// Package awsjson serves the AWS JSON 1.0/1.1 protocols: it dispatches on
// X-Amz-Target through a table of operations, decodes request bodies
// strictly into typed inputs, and writes results and errors exactly as AWS
// does. It knows nothing about any one service: each api/* package supplies
// its operation table and its error table.
package awsjson

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/keyward/keyward/internal/errs"
)

// Operation is one row of a service's operation table.
type Operation struct {
	Name string
	// MaxBody is the largest request body the operation accepts.
	MaxBody int64
	// ReadOnly marks operations that change nothing (CloudTrail's readOnly).
	ReadOnly bool
	// Call decodes the request with decode (which fills a typed input from
	// the body, in whichever encoding the protocol uses: JSON here, CBOR in
	// rpcv2cbor), runs the operation and returns the result to encode.
	Call func(ctx context.Context, decode DecodeFunc) (any, error)
}

// DecodeFunc fills a typed input from a request body.
type DecodeFunc func(in any) error

// Decoder returns the DecodeFunc of a JSON body.
func Decoder(body []byte) DecodeFunc {
	return func(in any) error { return Decode(body, in) }
}

// Validator is implemented by generated input types.
type Validator interface{ Validate() error }

// Op builds an Operation whose body decodes into In. If *In implements
// Validator, it is validated before fn runs.
func Op[In any](name string, maxBody int64, readOnly bool, fn func(ctx context.Context, in *In) (any, error)) Operation {
	return Operation{
		Name:     name,
		MaxBody:  maxBody,
		ReadOnly: readOnly,
		Call: func(ctx context.Context, decode DecodeFunc) (any, error) {
			in := new(In)
			if err := decode(in); err != nil {
				return nil, err
			}
			if v, ok := any(in).(Validator); ok {
				if err := v.Validate(); err != nil {
					return nil, err
				}
			}
			return fn(ctx, in)
		},
	}
}

// Decode decodes a JSON request body into v. An empty body is an empty
// object. Malformed JSON and ill-typed members give errs.Serialization with
// AWS-style messages; unknown members are ignored, as AWS services do, so a
// newer SDK sending a newer member still works.
func Decode(body []byte, v any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		body = []byte("{}")
	}
	if body[0] != '{' {
		return errs.E(errs.Serialization, "Start of structure or map expected.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return serializationError(err)
	}
	if dec.More() {
		return errs.E(errs.Serialization, "Unexpected content after the end of the JSON object.")
	}
	return nil
}

func serializationError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	var be base64.CorruptInputError
	switch {
	case errors.As(err, &te):
		return errs.Wrap(errs.Serialization, typeMessage(te), err)
	case errors.As(err, &be):
		return errs.Wrap(errs.Serialization, "Base64 encoded value is not valid.", err)
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF):
		return errs.Wrap(errs.Serialization, "The request body is not valid JSON.", err)
	}
	return errs.Wrap(errs.Serialization, "The request body could not be parsed.", err)
}

// typeMessage renders a type mismatch as AWS's Jackson-based services do.
func typeMessage(te *json.UnmarshalTypeError) string {
	var got string
	switch te.Value {
	case "object":
		return "Start of structure or map found where not expected."
	case "array":
		return "Start of list found where not expected."
	case "string":
		got = "STRING_VALUE"
	case "bool":
		got = "VALUE_TRUE"
	default:
		got = "NUMBER_VALUE"
	}
	want := "a String"
	if te.Type != nil {
		switch te.Type.String() {
		case "int32", "*int32", "int", "*int":
			want = "an Integer"
		case "int64", "*int64":
			want = "a Long"
		case "bool", "*bool":
			want = "a Boolean"
		case "[]uint8":
			want = "a Blob"
		case "float64", "*float64":
			want = "a Double"
		case "awsjson.Time", "*awsjson.Time":
			want = "a Timestamp"
		}
	}
	return fmt.Sprintf("%s can not be converted to %s", got, want)
}

// ErrorTable maps an error to its wire type name and HTTP status.
type ErrorTable func(code errs.Code) (typ string, status int)

// Service is a JSON-protocol service: a target prefix, its operations and
// its error table.
type Service struct {
	TargetPrefix string // e.g. "TrentService"
	// AltPrefixes are other prefixes clients send for the same service
	// (CloudTrail: botocore's long form and the Go SDK's short one).
	AltPrefixes []string
	ContentType string // application/x-amz-json-1.1 or 1.0
	Ops         map[string]Operation
	// Known lists the model's operation names, so an operation in the model
	// that is not built answers UnsupportedOperationException rather than
	// UnknownOperationException.
	Known  map[string]bool
	Errors ErrorTable
}

// Lookup returns the operation named by an X-Amz-Target header, or an error
// to send.
func (s *Service) Lookup(target string) (Operation, error) {
	name, ok := strings.CutPrefix(target, s.TargetPrefix+".")
	for _, p := range s.AltPrefixes {
		if ok {
			break
		}
		name, ok = strings.CutPrefix(target, p+".")
	}
	if !ok || name == "" {
		return Operation{}, errs.E(errs.UnknownOperation, "")
	}
	if op, ok := s.Ops[name]; ok {
		return op, nil
	}
	if s.Known[name] {
		return Operation{Name: name}, errs.Ef(errs.UnsupportedOperation, "%s is not supported by this server yet.", name)
	}
	return Operation{}, errs.E(errs.UnknownOperation, "")
}

// WriteResult writes a successful response.
func (s *Service) WriteResult(w http.ResponseWriter, requestID string, out any) {
	if out == nil {
		out = struct{}{}
	}
	b, err := json.Marshal(out)
	if err != nil {
		s.WriteError(w, requestID, errs.Wrap(errs.Internal, "", err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", s.ContentType)
	h.Set("X-Amzn-Requestid", requestID)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// WriteError writes err as AWS does: {"__type": …, "message": …}. Errors
// without a code become the service's internal error with no detail.
func (s *Service) WriteError(w http.ResponseWriter, requestID string, err error) {
	code := errs.CodeOf(err)
	typ, status := s.Errors(code)
	msg := errs.Message(err)
	body := map[string]string{"__type": typ}
	if code != errs.UnknownOperation {
		body["message"] = msg
	}
	b, _ := json.Marshal(body)
	h := w.Header()
	h.Set("Content-Type", s.ContentType)
	h.Set("X-Amzn-Requestid", requestID)
	h.Set("X-Amzn-Errortype", typ)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
