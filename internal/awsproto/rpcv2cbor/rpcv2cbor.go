// Package rpcv2cbor serves the Smithy RPC v2 CBOR protocol
// (smithy.protocols#rpcv2Cbor), which current AWS SDKs (aws-sdk-go-v2's
// CloudWatch client among them) speak instead of JSON 1.0:
//
//	POST {prefix}/service/GraniteServiceVersion20100801/operation/PutMetricAlarm
//	Smithy-Protocol: rpc-v2-cbor
//	Content-Type: application/cbor        (absent when there is no body)
//	Accept: application/cbor
//
//	200: Smithy-Protocol: rpc-v2-cbor, Content-Type: application/cbor, a CBOR map
//	     (no body and no Content-Type for an operation without output)
//	4xx/5xx: a CBOR map {"__type": "com.amazonaws.cloudwatch#ResourceNotFound",
//	     "message": …, "Message": …}, plus X-Amzn-Query-Error: Code;Sender for
//	     services with awsQueryCompatible
//
// It owns a self-contained CBOR codec (RFC 8949; Marshal, Unmarshal) that
// reads the json tags of the wire structs, so one set of wire shapes serves
// JSON 1.0 and CBOR, and awsjson.Time is the timestamp in both.
//
// Like awsjson it knows nothing about any one service: an api/* package
// supplies the operation table and the error table. It must not
// authenticate (the server verifies the signature before it asks for the
// operation) or decide access.
package rpcv2cbor

import (
	"context"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/keyward/keyward/internal/awsproto/awsjson"
	"github.com/keyward/keyward/internal/errs"
)

// Protocol constants.
const (
	HeaderProtocol = "Smithy-Protocol"
	ProtocolName   = "rpc-v2-cbor"
	ContentType    = "application/cbor"
	// HeaderQueryError carries the awsQuery error code and fault
	// ("ResourceNotFound;Sender") for services with awsQueryCompatible.
	HeaderQueryError = "X-Amzn-Query-Error"
)

// DecodeFunc, Operation and Op are the JSON protocol's: one operation
// table serves JSON 1.0 and RPC v2 CBOR, each protocol handing the
// operation the decoder of its own body encoding.
type (
	DecodeFunc = awsjson.DecodeFunc
	Operation  = awsjson.Operation
)

// Op builds an Operation whose input decodes into In (see awsjson.Op).
func Op[In any](name string, maxBody int64, readOnly bool, fn func(ctx context.Context, in *In) (any, error)) Operation {
	return awsjson.Op(name, maxBody, readOnly, fn)
}

// Decode decodes a request body into v: an empty body is an empty input
// (what clients send for an operation without input), anything else must
// be one CBOR map. Errors are errs.Serialization.
func Decode(body []byte, v any) error {
	if len(body) == 0 {
		return nil
	}
	if body[0]>>5 != majorMap {
		return errs.E(errs.Serialization, "The request body must be a CBOR map.")
	}
	return Unmarshal(body, v)
}

// Decoder returns the DecodeFunc for a request body.
func Decoder(body []byte) DecodeFunc {
	return func(in any) error { return Decode(body, in) }
}

// Service is an rpcv2Cbor service: its shape name, operations and errors.
type Service struct {
	// ServiceName is the service shape's name, e.g.
	// "GraniteServiceVersion20100801"; Namespace its namespace, e.g.
	// "com.amazonaws.cloudwatch". Requests may name the service either way
	// ("GraniteServiceVersion20100801" or
	// "com.amazonaws.cloudwatch.GraniteServiceVersion20100801").
	ServiceName string
	Namespace   string
	Ops         map[string]Operation
	// Known lists the model's operation names, so an operation in the model
	// that is not built answers UnsupportedOperation rather than
	// UnknownOperation.
	Known map[string]bool
	// Errors maps a domain code to the error shape's name and status. A
	// name without a namespace is qualified with Namespace, as the
	// protocol's __type is an absolute shape ID.
	Errors awsjson.ErrorTable
	// QueryErrors, for services with the awsQueryCompatible trait
	// (CloudWatch), maps a domain code to its awsQuery error code, sent in
	// X-Amzn-Query-Error so that SDKs report the code the Query protocol
	// did. Nil for other services; the status it returns is not used.
	QueryErrors awsjson.ErrorTable
}

// Match reports whether r is written in this protocol: it carries
// Smithy-Protocol: rpc-v2-cbor, or its path has the protocol's form and it
// has no X-Amz-Target. A request that matches is answered in CBOR, even
// when Lookup then finds it malformed.
func (s *Service) Match(r *http.Request) bool {
	if r.Header.Get(HeaderProtocol) == ProtocolName {
		return true
	}
	_, _, ok := splitPath(r.URL.Path)
	return ok && r.Header.Get("X-Amz-Target") == "" && r.Header.Get("X-Amzn-Target") == ""
}

// CheckMethod returns the error for a method other than POST, the only one
// the protocol uses.
func (s *Service) CheckMethod(method string) error {
	if method != http.MethodPost {
		return errs.E(errs.UnknownOperation, "")
	}
	return nil
}

// Lookup returns the operation r names, or the error to send. As the
// protocol requires, a request with X-Amz-Target or X-Amzn-Target, without
// Smithy-Protocol: rpc-v2-cbor, or whose path does not name this service
// and one of its operations, is refused (UnknownOperation, sent as 404: no
// such route). A Content-Type other than application/cbor is a
// Serialization error.
func (s *Service) Lookup(r *http.Request) (Operation, error) {
	h := r.Header
	if h.Get("X-Amz-Target") != "" || h.Get("X-Amzn-Target") != "" || h.Get(HeaderProtocol) != ProtocolName {
		return Operation{}, errs.E(errs.UnknownOperation, "")
	}
	svc, name, ok := splitPath(r.URL.Path)
	if !ok || (svc != s.ServiceName && svc != s.Namespace+"."+s.ServiceName) {
		return Operation{}, errs.E(errs.UnknownOperation, "")
	}
	op, found := s.Ops[name]
	switch {
	case !found && s.Known[name]:
		return Operation{Name: name}, errs.Ef(errs.UnsupportedOperation, "%s is not supported by this server yet.", name)
	case !found:
		return Operation{}, errs.E(errs.UnknownOperation, "")
	}
	if ct := h.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != ContentType {
			return op, errs.E(errs.Serialization, "Content-Type must be application/cbor.")
		}
	}
	return op, nil
}

// splitPath parses {prefix}/service/{service}/operation/{operation}; only
// the last four segments count. The operation must be a Smithy identifier.
func splitPath(p string) (service, op string, ok bool) {
	seg := strings.Split(p, "/")
	n := len(seg)
	if n < 5 || seg[n-4] != "service" || seg[n-2] != "operation" || seg[n-3] == "" || !isIdentifier(seg[n-1]) {
		return "", "", false
	}
	return seg[n-3], seg[n-1], true
}

// isIdentifier reports whether s is a Smithy identifier:
// (_+[A-Za-z0-9] | [A-Za-z]) [A-Za-z0-9_]*.
func isIdentifier(s string) bool {
	i := 0
	for i < len(s) && s[i] == '_' {
		i++
	}
	if i == len(s) {
		return false
	}
	c := s[i]
	letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	digit := c >= '0' && c <= '9'
	if !letter && !(i > 0 && digit) {
		return false
	}
	for _, c := range []byte(s[i+1:]) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// WriteResult writes a successful response. A nil out is an operation
// without output: no body and no Content-Type, as the protocol requires
// (clients accept that for an empty output structure too).
func (s *Service) WriteResult(w http.ResponseWriter, requestID string, out any) {
	var b []byte
	if out != nil {
		var err error
		if b, err = Marshal(out); err != nil {
			s.WriteError(w, requestID, errs.Wrap(errs.Internal, "", err))
			return
		}
	}
	h := w.Header()
	h.Set(HeaderProtocol, ProtocolName)
	if b != nil {
		h.Set("Content-Type", ContentType)
	}
	h.Set("X-Amzn-Requestid", requestID)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// errorBody is an error response. The message goes under both spellings:
// the protocol's generic field is "message", but a client decodes a modeled
// error by its member names, and CloudWatch's models spell it "Message" on
// some shapes (InternalServiceFault, ConcurrentModificationException,
// LimitExceededException) and "message" on others.
type errorBody struct {
	Type    string `json:"__type"`
	Message string `json:"message,omitempty"`
	Upper   string `json:"Message,omitempty"`
}

// WriteError writes err and returns the HTTP status sent. Errors without a
// code become the service's internal error with no detail. An unknown
// operation is 404 (there is no such route) and carries no message.
func (s *Service) WriteError(w http.ResponseWriter, requestID string, err error) int {
	code := errs.CodeOf(err)
	typ, status := s.Errors(code)
	body := errorBody{Type: s.shapeID(typ)}
	if code == errs.UnknownOperation {
		status = http.StatusNotFound
	} else {
		body.Message = errs.Message(err)
		body.Upper = body.Message
	}
	b, merr := Marshal(body)
	if merr != nil {
		b = nil // cannot happen: the body is three strings
	}
	h := w.Header()
	h.Set(HeaderProtocol, ProtocolName)
	h.Set("Content-Type", ContentType)
	h.Set("X-Amzn-Requestid", requestID)
	if s.QueryErrors != nil {
		if qc, _ := s.QueryErrors(code); qc != "" {
			fault := "Sender"
			if status >= 500 {
				fault = "Receiver"
			}
			h.Set(HeaderQueryError, qc+";"+fault)
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return status
}

// shapeID qualifies an error name with the service's namespace.
func (s *Service) shapeID(typ string) string {
	if s.Namespace == "" || strings.Contains(typ, "#") {
		return typ
	}
	return s.Namespace + "#" + typ
}
