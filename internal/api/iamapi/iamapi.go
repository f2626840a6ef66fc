// Package iamapi is the AWS IAM wire protocol (Query, version 2010-05-08):
// the operation table, conversion between the wire shapes and identity
// calls, and the error table that maps domain codes to IAM's error codes.
// It holds no business rules beyond what the wire demands and never
// touches storage.
//
// IAM is global: its ARNs carry no region (arn:aws:iam::<account>:…), and a
// request signed for any region is served.
package iamapi

import (
	"context"
	_ "embed"
	"net/http"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/awsproto/awsquery"
	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/identity"
)

// modelJSON is botocore's IAM model reduced to the operations built here
// (model/README.md).
//
//go:embed model/iam-2010-05-08.json
var modelJSON []byte

// Model is the IAM service model the operations are bound to.
var Model = awsquery.MustParseModel(modelJSON)

// Body limits: a policy document may hold 131,072 characters, which
// URL-encode to several times that; the server's own limit (1 MiB) bounds
// them. Everything else is small.
const (
	smallBody  = 64 << 10
	policyBody = 1 << 20
)

// errorTable maps domain codes to IAM's Query error codes, with the HTTP
// statuses of the model's error traits. The domain's Validation errors are
// IAM's ValidationError ("1 validation error detected: …", "Must specify
// userName when calling with non-User credentials"); malformed ARNs and
// markers are InvalidInput. The authentication errors are the protocol's
// (awsquery).
var errorTable = map[errs.Code]awsquery.Fault{
	errs.NotFound:        {Code: "NoSuchEntity", Status: http.StatusNotFound},
	errs.AlreadyExists:   {Code: "EntityAlreadyExists", Status: http.StatusConflict},
	errs.DeleteConflict:  {Code: "DeleteConflict", Status: http.StatusConflict},
	errs.LimitExceeded:   {Code: "LimitExceeded", Status: http.StatusConflict},
	errs.Conflict:        {Code: "ConcurrentModification", Status: http.StatusConflict},
	errs.MalformedPolicy: {Code: "MalformedPolicyDocument", Status: http.StatusBadRequest},
	errs.Validation:      {Code: "ValidationError", Status: http.StatusBadRequest},
	errs.InvalidMarker:   {Code: "InvalidInput", Status: http.StatusBadRequest},
	errs.InvalidArn:      {Code: "InvalidInput", Status: http.StatusBadRequest},
	errs.AccessDenied:    {Code: "AccessDenied", Status: http.StatusForbidden},
}

// internalFault is IAM's error for a failure of its own.
var internalFault = awsquery.Fault{Code: "ServiceFailure", Status: http.StatusInternalServerError}

// New returns the IAM protocol service backed by svc.
func New(svc *identity.Service) *awsquery.Service {
	h := &handlers{svc: svc}
	return awsquery.NewService(Model, h.table(), errorTable, internalFault)
}

// op declares one operation: decode into In (bound to the model), then run
// fn with the request's caller.
func op[In, Out any](name string, maxBody int64, readOnly bool, fn func(ctx context.Context, c *authz.Caller, in *In) (*Out, error)) awsquery.Operation {
	return awsquery.Op(Model, name, maxBody, readOnly, func(ctx context.Context, in *In) (*Out, error) {
		c := authz.CallerFrom(ctx)
		if c == nil {
			return nil, errs.E(errs.MissingAuthentication, "Missing Authentication Token")
		}
		return fn(ctx, c, in)
	})
}

// noOutput is the result of operations whose model has no output.
var noOutput = &awsquery.NoOutput{}
