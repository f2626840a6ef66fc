// Package logsapi is the CloudWatch Logs wire protocol (JSON 1.1, target
// prefix Logs_20140328) for the operations Keyward serves over its audit
// log group: log groups, metric filters, TestMetricFilter and
// FilterLogEvents. It converts between the wire shapes (checked against the
// committed model copy in model/) and alarms calls, validates the model's
// constraints, and maps domain codes to CloudWatch Logs exception names. It
// holds no business rules beyond what the wire demands and never touches
// storage.
package logsapi

import (
	"context"
	_ "embed"
	"encoding/json"
	"net/http"

	"github.com/keyward/keyward/internal/alarms"
	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/awsproto/awsjson"
	"github.com/keyward/keyward/internal/awsproto/shapecheck"
	"github.com/keyward/keyward/internal/errs"
)

// modelJSON is botocore's CloudWatch Logs model reduced to the operations
// built here (model/README.md).
//
//go:embed model/logs-2014-03-28.json
var modelJSON []byte

// TargetPrefix is the X-Amz-Target prefix of CloudWatch Logs.
const TargetPrefix = "Logs_20140328"

// smallBody bounds every request: the largest, TestMetricFilter, carries at
// most 50 messages.
const (
	smallBody = 64 << 10
	testBody  = 1 << 20
)

// errorTable maps domain codes to CloudWatch Logs exception names. Logs
// reports bad input, bad tokens and bad patterns alike as
// InvalidParameterException; every client error is HTTP 400.
var errorTable = map[errs.Code]string{
	errs.Validation:                        "InvalidParameterException",
	alarms.CodeInvalidParameterValue:       "InvalidParameterException",
	alarms.CodeInvalidParameterCombination: "InvalidParameterException",
	alarms.CodeMissingParameter:            "InvalidParameterException",
	alarms.CodeInvalidNextToken:            "InvalidParameterException",
	alarms.CodeInvalidFormat:               "InvalidParameterException",
	errs.NotFound:                          "ResourceNotFoundException",
	errs.AlreadyExists:                     "ResourceAlreadyExistsException",
	errs.LimitExceeded:                     "LimitExceededException",
	errs.Conflict:                          "OperationAbortedException",
	errs.AccessDenied:                      "AccessDeniedException",
	errs.Serialization:                     "SerializationException",
	errs.UnknownOperation:                  "UnknownOperationException",
	errs.UnsupportedOperation:              "InvalidOperationException",
	// Authentication, as AWS's JSON services name them.
	errs.MissingAuthentication: "MissingAuthenticationTokenException",
	errs.IncompleteSignature:   "IncompleteSignatureException",
	errs.InvalidClientTokenID:  "UnrecognizedClientException",
	errs.SignatureMismatch:     "InvalidSignatureException",
	errs.SignatureExpired:      "InvalidSignatureException",
	errs.ExpiredToken:          "ExpiredTokenException",
	errs.RequestTooLarge:       "RequestEntityTooLargeException",
}

func errorType(code errs.Code) (string, int) {
	if t, ok := errorTable[code]; ok {
		switch code {
		case errs.MissingAuthentication, errs.InvalidClientTokenID:
			return t, http.StatusForbidden
		case errs.RequestTooLarge:
			return t, http.StatusRequestEntityTooLarge
		}
		return t, http.StatusBadRequest
	}
	return "ServiceUnavailableException", http.StatusInternalServerError
}

// modelOperations lists the model's operation names.
func modelOperations() map[string]bool {
	var m struct {
		Operations map[string]json.RawMessage `json:"operations"`
	}
	if err := json.Unmarshal(modelJSON, &m); err != nil {
		panic("logsapi: committed model: " + err.Error())
	}
	known := make(map[string]bool, len(m.Operations))
	for name := range m.Operations {
		known[name] = true
	}
	return known
}

// New returns the CloudWatch Logs protocol service backed by svc.
func New(svc *alarms.Service) *awsjson.Service {
	h := &handlers{svc: svc}
	ops := map[string]awsjson.Operation{}
	for _, op := range h.table() {
		if _, dup := ops[op.Name]; dup {
			panic("logsapi: operation " + op.Name + " declared twice")
		}
		ops[op.Name] = op
	}
	return &awsjson.Service{
		TargetPrefix: TargetPrefix,
		ContentType:  "application/x-amz-json-1.1",
		Ops:          ops,
		Known:        modelOperations(),
		Errors:       errorType,
	}
}

// validator is implemented by every input shape: it checks the model's
// constraints.
type validator interface{ check(v *shapecheck.Checker) }

// op declares one operation: decode into In, check the model's constraints,
// then run fn with the request's caller.
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
