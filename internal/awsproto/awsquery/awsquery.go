// Package awsquery serves the AWS Query protocol (IAM, STS): form-encoded
// requests (POST bodies, or GET query strings) carrying Action and Version,
// decoded strictly into typed inputs bound to the service's model, and XML
// responses and errors written exactly as AWS writes them:
//
//	<CreateUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
//	  <CreateUserResult>…</CreateUserResult>
//	  <ResponseMetadata><RequestId>…</RequestId></ResponseMetadata>
//	</CreateUserResponse>
//
//	<ErrorResponse xmlns="…">
//	  <Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>…</Message></Error>
//	  <RequestId>…</RequestId>
//	</ErrorResponse>
//
// It knows nothing about any one service: each api/* package supplies its
// model, its operation table and its error table. It owns the protocol's own
// errors (InvalidAction, MissingAction, MalformedQueryString,
// InvalidQueryParameter, InvalidParameterValue, ValidationError) and the
// Query names of the SigV4 failures. It must not authenticate (the server
// verifies the signature before it asks for the operation) or decide access.
package awsquery

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"

	"github.com/keyward/keyward/internal/errs"
)

// Operation is one row of a service's operation table.
type Operation struct {
	Name string
	// MaxBody is the largest request body the operation accepts.
	MaxBody int64
	// ReadOnly marks operations that change nothing.
	ReadOnly bool
	// Call decodes the parameters, runs the operation and returns the result
	// to encode (nil for operations without output).
	Call func(ctx context.Context, p Params) (any, error)
}

// NoOutput is the result type of operations whose model has no output.
type NoOutput struct{}

// Op declares operation name of model m: its input decodes into In (bound
// to the model's input shape, with its constraints), and fn's result Out is
// checked against the model's output shape. A type that does not match the
// model panics here, when the table is built.
func Op[In, Out any](m *Model, name string, maxBody int64, readOnly bool, fn func(ctx context.Context, in *In) (*Out, error)) Operation {
	mo := m.Operations[name]
	if mo == nil {
		panic(fmt.Sprintf("awsquery: operation %s is not in the model", name))
	}
	var b *binding
	if mo.Input != "" {
		var err error
		if b, err = newBinder(m).bind(mo.Input, reflect.TypeFor[In]()); err != nil {
			panic(err)
		}
	} else if reflect.TypeFor[In]().NumField() != 0 {
		panic(fmt.Sprintf("awsquery: operation %s has no input in the model", name))
	}
	outT := reflect.TypeFor[Out]()
	switch {
	case mo.Output == "" && outT != reflect.TypeFor[NoOutput]():
		panic(fmt.Sprintf("awsquery: operation %s has no output in the model; use NoOutput", name))
	case mo.Output != "":
		if err := checkOutput(m, mo.Output, outT); err != nil {
			panic(err)
		}
	}
	return Operation{
		Name:     name,
		MaxBody:  maxBody,
		ReadOnly: readOnly,
		Call: func(ctx context.Context, p Params) (any, error) {
			in := new(In)
			if b != nil {
				if err := b.decode(p, in); err != nil {
					return nil, err
				}
			}
			out, err := fn(ctx, in)
			if err != nil {
				return nil, err
			}
			if mo.Output == "" {
				return nil, nil
			}
			return out, nil
		},
	}
}

// Decode decodes p into in, bound to structure shape of m, with the same
// checks as an operation's input. For tests and fuzzing; operations decode
// through Op.
func Decode(m *Model, shape string, p Params, in any) error {
	t := reflect.TypeOf(in)
	if t == nil || t.Kind() != reflect.Pointer {
		return fmt.Errorf("awsquery: Decode needs a pointer, got %T", in)
	}
	b, err := newBinder(m).bind(shape, t.Elem())
	if err != nil {
		return err
	}
	return b.decode(p, in)
}

// Fault is a Query error code and its HTTP status.
type Fault struct {
	Code   string
	Status int
}

// wireCause is the cause of a protocol error: it names the wire code
// whatever the domain code is.
type wireCause struct{ Fault }

func (c *wireCause) Error() string { return "awsquery: " + c.Code }

var (
	errConstraint        = &wireCause{Fault{"ValidationError", http.StatusBadRequest}}
	errBadValue          = &wireCause{Fault{"InvalidParameterValue", http.StatusBadRequest}}
	errMalformedQuery    = &wireCause{Fault{"MalformedQueryString", http.StatusNotFound}}
	errInvalidQueryParam = &wireCause{Fault{"InvalidQueryParameter", http.StatusBadRequest}}
	errMissingAction     = &wireCause{Fault{"MissingAction", http.StatusBadRequest}}
)

// protocolFaults names the codes every Query service answers alike: the
// SigV4 failures as the Query protocol names them, and unknown actions.
var protocolFaults = map[errs.Code]Fault{
	errs.MissingAuthentication: {"MissingAuthenticationToken", http.StatusForbidden},
	errs.IncompleteSignature:   {"IncompleteSignature", http.StatusBadRequest},
	errs.InvalidClientTokenID:  {"InvalidClientTokenId", http.StatusForbidden},
	errs.SignatureMismatch:     {"SignatureDoesNotMatch", http.StatusForbidden},
	errs.SignatureExpired:      {"SignatureDoesNotMatch", http.StatusForbidden},
	errs.ExpiredToken:          {"ExpiredToken", http.StatusForbidden},
	errs.RequestTooLarge:       {"RequestEntityTooLarge", http.StatusRequestEntityTooLarge},
	errs.UnknownOperation:      {"InvalidAction", http.StatusBadRequest},
	errs.UnsupportedOperation:  {"UnsupportedOperation", http.StatusBadRequest},
	errs.Serialization:         {"MalformedInput", http.StatusBadRequest},
}

// msgMissingAuth is the Query protocols' text for an unsigned request.
const msgMissingAuth = "Request is missing Authentication Token"

// Service is a Query-protocol service: its model, operations and errors.
type Service struct {
	Version   string // e.g. 2010-05-08
	Namespace string // e.g. https://iam.amazonaws.com/doc/2010-05-08/
	Ops       map[string]Operation
	// Known lists the model's operations, so that one not built answers
	// UnsupportedOperation rather than InvalidAction.
	Known map[string]bool
	// Errors maps domain codes to the service's error codes; codes not in
	// it fall back to the protocol's, then to Internal.
	Errors map[errs.Code]Fault
	// Internal is the service's error for a failure of its own (IAM
	// ServiceFailure, STS InternalFailure), HTTP 500 or more.
	Internal Fault
}

// NewService returns the service of model m with the given operations.
func NewService(m *Model, ops []Operation, errors map[errs.Code]Fault, internal Fault) *Service {
	s := &Service{
		Version:   m.Version,
		Namespace: m.Namespace,
		Ops:       make(map[string]Operation, len(ops)),
		Known:     make(map[string]bool, len(m.Operations)),
		Errors:    errors,
		Internal:  internal,
	}
	for name := range m.Operations {
		s.Known[name] = true
	}
	for _, op := range ops {
		if _, dup := s.Ops[op.Name]; dup {
			panic("awsquery: operation " + op.Name + " declared twice")
		}
		s.Ops[op.Name] = op
	}
	return s
}

// Lookup returns the operation a parsed request names, or the error to send.
func (s *Service) Lookup(req *Request) (Operation, error) {
	if req.Action == "" {
		return Operation{}, errs.Wrap(errs.UnknownOperation, "The request is missing an Action.", errMissingAction)
	}
	version := req.Version
	if !req.HasVersion {
		version = "NO_VERSION_SPECIFIED"
	}
	notFound := errs.Ef(errs.UnknownOperation, "Could not find operation %s for version %s", printable(req.Action), printable(version))
	if version != s.Version {
		return Operation{}, notFound
	}
	if op, ok := s.Ops[req.Action]; ok {
		return op, nil
	}
	if s.Known[req.Action] {
		return Operation{Name: req.Action}, errs.Ef(errs.UnsupportedOperation, "%s is not supported by this server yet.", req.Action)
	}
	return Operation{}, notFound
}

// CheckMethod returns the error for an HTTP method the protocol does not
// serve: Query requests are POST (form body) or GET (query string).
func (s *Service) CheckMethod(method string) error {
	if method == http.MethodPost || method == http.MethodGet {
		return nil
	}
	return errs.Ef(errs.UnknownOperation, "The HTTP method %s is not supported; send a POST or GET request.", printable(method))
}

// Fault returns the wire code and status for err, and the message to send.
func (s *Service) Fault(err error) (Fault, string) {
	msg := errs.Message(err)
	var wc *wireCause
	if errors.As(err, &wc) {
		return wc.Fault, msg
	}
	code := errs.CodeOf(err)
	if f, ok := s.Errors[code]; ok {
		return f, msg
	}
	if f, ok := protocolFaults[code]; ok {
		if code == errs.MissingAuthentication {
			msg = msgMissingAuth
		}
		return f, msg
	}
	return s.Internal, "The request processing has failed because of an unknown error, exception or failure."
}

// Status returns the HTTP status WriteError sends for err.
func (s *Service) Status(err error) int {
	f, _ := s.Fault(err)
	return f.Status
}

// WriteResult writes a successful response of action. out is the
// operation's result, nil for operations without output.
func (s *Service) WriteResult(w http.ResponseWriter, requestID, action string, out any) {
	var buf bytes.Buffer
	buf.WriteString("<" + action + "Response xmlns=\"" + s.Namespace + "\">")
	if out != nil && !isNilPointer(out) {
		enc := xml.NewEncoder(&buf)
		if err := enc.EncodeElement(out, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
			s.WriteError(w, requestID, errs.Wrap(errs.Internal, "", err))
			return
		}
		if err := enc.Close(); err != nil {
			s.WriteError(w, requestID, errs.Wrap(errs.Internal, "", err))
			return
		}
	}
	buf.WriteString("<ResponseMetadata><RequestId>")
	xmlText(&buf, requestID)
	buf.WriteString("</RequestId></ResponseMetadata></" + action + "Response>")
	write(w, requestID, http.StatusOK, buf.Bytes())
}

// WriteError writes err as an ErrorResponse. Errors without a code become
// the service's internal error with no detail.
func (s *Service) WriteError(w http.ResponseWriter, requestID string, err error) {
	f, msg := s.Fault(err)
	typ := "Sender"
	if f.Status >= 500 {
		typ = "Receiver"
	}
	var buf bytes.Buffer
	buf.WriteString("<ErrorResponse xmlns=\"" + s.Namespace + "\"><Error><Type>" + typ + "</Type><Code>")
	xmlText(&buf, f.Code)
	buf.WriteString("</Code><Message>")
	xmlText(&buf, msg)
	buf.WriteString("</Message></Error><RequestId>")
	xmlText(&buf, requestID)
	buf.WriteString("</RequestId></ErrorResponse>")
	write(w, requestID, f.Status, buf.Bytes())
}

func write(w http.ResponseWriter, requestID string, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("X-Amzn-Requestid", requestID)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func xmlText(buf *bytes.Buffer, s string) {
	_ = xml.EscapeText(buf, []byte(s))
}

func isNilPointer(v any) bool {
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}
