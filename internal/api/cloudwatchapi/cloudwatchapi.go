// Package cloudwatchapi is the CloudWatch wire protocol for metric alarms
// and the metrics Keyward's metric filters publish: one operation table
// (awsjson.Op), served both as AWS JSON 1.0 (X-Amz-Target
// GraniteServiceVersion20100801.<Op>, what botocore and the AWS CLI send)
// and as Smithy RPC v2 CBOR (what aws-sdk-go-v2's CloudWatch client sends).
// The same table is served as the AWS Query protocol (form-encoded
// Action=…&Version=2010-08-01, XML results; what older SDKs and aws-cli
// before CloudWatch moved to JSON send): awsquery converts the parameters
// to the JSON document of the input shape and the JSON result to the XML of
// the output shape, walking the model, so that the handlers are the same.
// Query errors carry the Query codes of the error table.
//
// It converts between the wire shapes (checked against the committed model
// copy in model/) and alarms calls, validates the model's constraints, and
// maps domain codes to CloudWatch's errors: the error shape's name for
// __type, and, because CloudWatch is awsQueryCompatible, the Query error
// code (X-Amzn-Query-Error) that SDKs report.
//
// It holds no business rules beyond what the wire demands and never touches
// storage.
package cloudwatchapi

import (
	"context"
	_ "embed"
	"encoding/json"
	"net/http"

	"github.com/keyward/keyward/internal/alarms"
	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/awsproto/awsjson"
	"github.com/keyward/keyward/internal/awsproto/awsquery"
	"github.com/keyward/keyward/internal/awsproto/rpcv2cbor"
	"github.com/keyward/keyward/internal/awsproto/shapecheck"
	"github.com/keyward/keyward/internal/errs"
)

// modelJSON is botocore's CloudWatch model reduced to the operations built
// here (model/README.md).
//
//go:embed model/monitoring-2010-08-01.json
var modelJSON []byte

// Service names.
const (
	TargetPrefix = "GraniteServiceVersion20100801"
	Namespace    = "com.amazonaws.cloudwatch"
)

// Body limits: PutMetricAlarm takes up to 120 KB, as AWS documents.
const (
	smallBody = 64 << 10
	alarmBody = 120 << 10
)

// fault is one row of the error table: the error shape's name (__type),
// the awsQuery code (X-Amzn-Query-Error) and the HTTP status.
type fault struct {
	shape, query string
	status       int
}

// errorTable maps domain codes to CloudWatch's errors, with the statuses of
// the model's error traits. Constraint violations are CloudWatch's
// ValidationError, which its model leaves undeclared.
var errorTable = map[errs.Code]fault{
	errs.Validation:                        {"ValidationError", "ValidationError", http.StatusBadRequest},
	alarms.CodeInvalidParameterValue:       {"InvalidParameterValueException", "InvalidParameterValue", http.StatusBadRequest},
	alarms.CodeInvalidParameterCombination: {"InvalidParameterCombinationException", "InvalidParameterCombination", http.StatusBadRequest},
	alarms.CodeMissingParameter:            {"MissingRequiredParameterException", "MissingParameter", http.StatusBadRequest},
	alarms.CodeInvalidNextToken:            {"InvalidNextToken", "InvalidNextToken", http.StatusBadRequest},
	alarms.CodeInvalidFormat:               {"InvalidFormatFault", "InvalidFormat", http.StatusBadRequest},
	errs.NotFound:                          {"ResourceNotFound", "ResourceNotFound", http.StatusNotFound},
	errs.LimitExceeded:                     {"LimitExceededFault", "LimitExceeded", http.StatusBadRequest},
	errs.Conflict:                          {"ConcurrentModificationException", "ConcurrentModificationException", http.StatusTooManyRequests},
	errs.AccessDenied:                      {"AccessDeniedException", "AccessDenied", http.StatusBadRequest},
	errs.Serialization:                     {"SerializationException", "MalformedInput", http.StatusBadRequest},
	errs.UnknownOperation:                  {"UnknownOperationException", "InvalidAction", http.StatusBadRequest},
	errs.UnsupportedOperation:              {"UnsupportedOperation", "UnsupportedOperation", http.StatusBadRequest},
	errs.MissingAuthentication:             {"MissingAuthenticationTokenException", "MissingAuthenticationToken", http.StatusForbidden},
	errs.IncompleteSignature:               {"IncompleteSignatureException", "IncompleteSignature", http.StatusBadRequest},
	errs.InvalidClientTokenID:              {"UnrecognizedClientException", "InvalidClientTokenId", http.StatusForbidden},
	errs.SignatureMismatch:                 {"InvalidSignatureException", "SignatureDoesNotMatch", http.StatusForbidden},
	errs.SignatureExpired:                  {"InvalidSignatureException", "SignatureDoesNotMatch", http.StatusForbidden},
	errs.ExpiredToken:                      {"ExpiredTokenException", "ExpiredToken", http.StatusForbidden},
	errs.RequestTooLarge:                   {"RequestEntityTooLargeException", "RequestEntityTooLarge", http.StatusRequestEntityTooLarge},
}

var internalFault = fault{"InternalServiceFault", "InternalServiceError", http.StatusInternalServerError}

func lookupFault(code errs.Code) fault {
	if f, ok := errorTable[code]; ok {
		return f
	}
	return internalFault
}

// ErrorType is the error table for __type: the error shape's name and the
// HTTP status.
func ErrorType(code errs.Code) (string, int) {
	f := lookupFault(code)
	return f.shape, f.status
}

// QueryError is the awsQuery side of the error table: the code sent in
// X-Amzn-Query-Error ("<code>;Sender" or ";Receiver"), which SDKs of
// awsQueryCompatible services report as the error code.
func QueryError(code errs.Code) (string, int) {
	f := lookupFault(code)
	return f.query, f.status
}

// Services is CloudWatch in the three protocols served, on one table.
type Services struct {
	JSON  *awsjson.Service
	CBOR  *rpcv2cbor.Service
	Query *awsquery.Service
}

// QueryModel is the CloudWatch model as the Query protocol reads it.
var QueryModel = awsquery.MustParseModel(modelJSON)

// queryErrors is the Query side of the error table.
func queryErrors() map[errs.Code]awsquery.Fault {
	out := make(map[errs.Code]awsquery.Fault, len(errorTable))
	for code, f := range errorTable {
		out[code] = awsquery.Fault{Code: f.query, Status: f.status}
	}
	return out
}

// queryOps serves the operation table over Query.
func queryOps(table []awsjson.Operation) []awsquery.Operation {
	out := make([]awsquery.Operation, 0, len(table))
	for _, op := range table {
		call := op.Call
		out = append(out, awsquery.JSONOp(QueryModel, op.Name, op.MaxBody, op.ReadOnly, func(ctx context.Context, body []byte) (any, error) {
			return call(ctx, awsjson.Decoder(body))
		}))
	}
	return out
}

// modelOperations lists the model's operation names.
func modelOperations() map[string]bool {
	var m struct {
		Operations map[string]json.RawMessage `json:"operations"`
	}
	if err := json.Unmarshal(modelJSON, &m); err != nil {
		panic("cloudwatchapi: committed model: " + err.Error())
	}
	known := make(map[string]bool, len(m.Operations))
	for name := range m.Operations {
		known[name] = true
	}
	return known
}

// New returns CloudWatch backed by svc, in JSON 1.0, RPC v2 CBOR and Query.
func New(svc *alarms.Service) Services {
	h := &handlers{svc: svc}
	ops := map[string]awsjson.Operation{}
	table := h.table()
	for _, op := range table {
		if _, dup := ops[op.Name]; dup {
			panic("cloudwatchapi: operation " + op.Name + " declared twice")
		}
		ops[op.Name] = op
	}
	known := modelOperations()
	return Services{
		JSON: &awsjson.Service{TargetPrefix: TargetPrefix, ContentType: "application/x-amz-json-1.0", Ops: ops, Known: known, Errors: ErrorType},
		CBOR: &rpcv2cbor.Service{ServiceName: TargetPrefix, Namespace: Namespace, Ops: ops, Known: known,
			Errors: ErrorType, QueryErrors: QueryError},
		Query: awsquery.NewService(QueryModel, queryOps(table), queryErrors(),
			awsquery.Fault{Code: internalFault.query, Status: internalFault.status}),
	}
}

// validator is implemented by every input shape: it checks the model's
// constraints.
type validator interface{ check(v *shapecheck.Checker) }

// op declares one operation: decode into In (JSON or CBOR), check the
// model's constraints, then run fn with the request's caller.
func op[In any, PIn interface {
	*In
	validator
}](name string, maxBody int64, readOnly bool, fn func(ctx context.Context, c *authz.Caller, in *In) (any, error)) awsjson.Operation {
	return awsjson.Op(name, maxBody, readOnly, func(ctx context.Context, in *In) (any, error) {
		var v shapecheck.Checker
		PIn(in).check(&v)
		if err := v.Err(); err != nil {
			return nil, err
		}
		c := authz.CallerFrom(ctx)
		if c == nil {
			return nil, errs.E(errs.MissingAuthentication, "Missing Authentication Token")
		}
		return fn(ctx, c, in)
	})
}
