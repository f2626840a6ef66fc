// Package stsapi is the AWS STS wire protocol (Query, version 2011-06-15):
// GetCallerIdentity and AssumeRole, their wire shapes, and the error table
// that maps domain codes to STS's error codes. It holds no business rules
// beyond what the wire demands: trust policies, session durations and the
// credentials themselves are the identity service's.
package stsapi

import (
	"context"
	_ "embed"
	"net/http"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/awsproto/awsquery"
	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/identity"
)

// modelJSON is botocore's STS model reduced to the operations built here
// (model/README.md).
//
//go:embed model/sts-2011-06-15.json
var modelJSON []byte

// Model is the STS service model the operations are bound to.
var Model = awsquery.MustParseModel(modelJSON)

// smallBody bounds requests: a session policy is at most a few KiB.
const smallBody = 64 << 10

// errorTable maps domain codes to STS's Query error codes, with the HTTP
// statuses of the model's error traits. ValidationError for the model's
// constraints and the authentication errors are the protocol's (awsquery).
var errorTable = map[errs.Code]awsquery.Fault{
	errs.MalformedPolicy:              {Code: "MalformedPolicyDocument", Status: http.StatusBadRequest},
	identity.CodePackedPolicyTooLarge: {Code: "PackedPolicyTooLarge", Status: http.StatusBadRequest},
	errs.Validation:                   {Code: "ValidationError", Status: http.StatusBadRequest},
	errs.AccessDenied:                 {Code: "AccessDenied", Status: http.StatusForbidden},
}

// internalFault is STS's error for a failure of its own.
var internalFault = awsquery.Fault{Code: "InternalFailure", Status: http.StatusInternalServerError}

// New returns the STS protocol service backed by svc.
func New(svc *identity.Service) *awsquery.Service {
	h := &handlers{svc: svc}
	return awsquery.NewService(Model, []awsquery.Operation{
		op("GetCallerIdentity", smallBody, true, h.getCallerIdentity),
		op("AssumeRole", smallBody, false, h.assumeRole),
	}, errorTable, internalFault)
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
