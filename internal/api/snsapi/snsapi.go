// Package snsapi is the Amazon SNS wire protocol (Query, version
// 2010-03-31) for Keyward's SNS subset: the operation table, conversion
// between the wire shapes and notify calls, and the error table that maps
// domain codes to SNS's error codes. It holds no business rules beyond
// what the wire demands and never touches storage.
//
// One operation is served without a signature: ConfirmSubscription, which
// a subscriber reaches by following the SubscribeURL of a
// SubscriptionConfirmation with a plain GET, as in SNS. The server lets
// that request (a GET naming Action=ConfirmSubscription, without any
// signature) through to this package with no caller; the handler then
// confirms by token alone. Every other operation, and a signed
// ConfirmSubscription, carries the authenticated caller.
package snsapi

import (
	"context"
	_ "embed"
	"fmt"
	"net/http"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/awsproto/awsquery"
	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/notify"
)

// modelJSON is botocore's SNS model reduced to the operations built here
// (model/README.md).
//
//go:embed model/sns-2010-03-31.json
var modelJSON []byte

// Model is the SNS service model.
var Model = awsquery.MustParseModel(modelJSON)

// bindModel is Model without its map members, which awsquery does not
// decode or write; maps.go does. mapMembers lists them by structure.
var bindModel, mapMembers = withoutMaps(awsquery.MustParseModel(modelJSON))

// Body limits: a message may hold 256 KiB, which URL-encode to several
// times that; the server's own limit (1 MiB) bounds them. Everything else
// is small.
const (
	smallBody   = 64 << 10
	publishBody = 1 << 20
)

// codeValidationError is the wire's ValidationError for a map member that
// breaks the model (a message attribute without a DataType).
const codeValidationError errs.Code = "SNSValidationError"

// errorTable maps domain codes to SNS's Query error codes, with the HTTP
// statuses of the model's error traits. The domain's Validation errors are
// InvalidParameter ("Invalid parameter: …"); model constraints are the
// protocol's ValidationError (awsquery), as are the authentication errors.
var errorTable = map[errs.Code]awsquery.Fault{
	errs.NotFound:                    {Code: "NotFound", Status: http.StatusNotFound},
	errs.Validation:                  {Code: "InvalidParameter", Status: http.StatusBadRequest},
	errs.InvalidArn:                  {Code: "InvalidParameter", Status: http.StatusBadRequest},
	errs.InvalidMarker:               {Code: "InvalidParameter", Status: http.StatusBadRequest},
	errs.AccessDenied:                {Code: "AuthorizationError", Status: http.StatusForbidden},
	notify.CodeInvalidParameterValue: {Code: "ParameterValueInvalid", Status: http.StatusBadRequest},
	notify.CodeTagLimitExceeded:      {Code: "TagLimitExceeded", Status: http.StatusBadRequest},
	codeValidationError:              {Code: "ValidationError", Status: http.StatusBadRequest},
}

// internalFault is SNS's error for a failure of its own.
var internalFault = awsquery.Fault{Code: "InternalError", Status: http.StatusInternalServerError}

// New returns the SNS protocol service backed by svc.
func New(svc *notify.Service) *awsquery.Service {
	h := &handlers{svc: svc}
	ops := []awsquery.Operation{
		op("CreateTopic", smallBody, false, h.createTopic),
		op("DeleteTopic", smallBody, false, h.deleteTopic),
		op("ListTopics", smallBody, true, h.listTopics),
		op("GetTopicAttributes", smallBody, true, h.getTopicAttributes),
		op("SetTopicAttributes", smallBody, false, h.setTopicAttributes),
		op("Subscribe", smallBody, false, h.subscribe),
		awsquery.Op(bindModel, "ConfirmSubscription", smallBody, false, h.confirmSubscription),
		op("Unsubscribe", smallBody, false, h.unsubscribe),
		op("ListSubscriptions", smallBody, true, h.listSubscriptions),
		op("ListSubscriptionsByTopic", smallBody, true, h.listSubscriptionsByTopic),
		op("Publish", publishBody, false, h.publish),
	}
	for i, o := range ops {
		if input := Model.Operations[o.Name].Input; len(mapMembers[input]) > 0 {
			ops[i] = withMaps(o, input)
		}
	}
	return awsquery.NewService(Model, ops, errorTable, internalFault)
}

// op declares one operation that needs a caller: decode into In (bound to
// the model), then run fn with the request's caller.
func op[In, Out any](name string, maxBody int64, readOnly bool, fn func(ctx context.Context, c *authz.Caller, in *In) (*Out, error)) awsquery.Operation {
	return awsquery.Op(bindModel, name, maxBody, readOnly, func(ctx context.Context, in *In) (*Out, error) {
		c := authz.CallerFrom(ctx)
		if c == nil {
			return nil, errs.E(errs.MissingAuthentication, "Missing Authentication Token")
		}
		return fn(ctx, c, in)
	})
}

// noOutput is the result of operations whose model has no output.
var noOutput = &awsquery.NoOutput{}

// withMaps wraps an operation whose input shape has map members: they are
// decoded from the request's parameters before the rest, and handed to
// the handler through the request's context (mapsFrom).
func withMaps(o awsquery.Operation, input string) awsquery.Operation {
	for _, mem := range mapMembers[input] {
		if _, ok := mapDecoders[input+"."+mem.Name]; !ok {
			panic(fmt.Sprintf("snsapi: %s.%s is a map member that maps.go does not decode", input, mem.Name))
		}
	}
	call := o.Call
	o.Call = func(ctx context.Context, p awsquery.Params) (any, error) {
		m := &requestMaps{}
		for _, mem := range mapMembers[input] {
			if err := mapDecoders[input+"."+mem.Name](p, mem.Name, m); err != nil {
				return nil, err
			}
		}
		return call(context.WithValue(ctx, mapsKey{}, m), p)
	}
	return o
}
