// Package kmsapi is the AWS KMS wire protocol (JSON 1.1, target prefix
// TrentService): the operation table, conversion between the generated wire
// shapes and kms domain calls, and the error table that maps domain codes to
// KMS exception names. It holds no business rules beyond what the wire
// demands and never touches storage.
package kmsapi

import (
	"context"
	"net/http"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/awsproto/awsjson"
	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/kms"
)

// Body limits: KMS requests are small; policies are the largest members.
const (
	smallBody  = 64 << 10
	policyBody = 512 << 10
)

// errorTable maps domain codes to KMS exception names. Every client error
// is HTTP 400, as recorded from AWS.
var errorTable = map[errs.Code]string{
	errs.NotFound:               "NotFoundException",
	errs.AlreadyExists:          "AlreadyExistsException",
	errs.Validation:             "ValidationException",
	errs.Serialization:          "SerializationException",
	errs.UnknownOperation:       "UnknownOperationException",
	errs.Disabled:               "DisabledException",
	errs.InvalidState:           "KMSInvalidStateException",
	errs.InvalidCiphertext:      "InvalidCiphertextException",
	errs.IncorrectKey:           "IncorrectKeyException",
	errs.InvalidKeyUsage:        "InvalidKeyUsageException",
	errs.InvalidArn:             "InvalidArnException",
	errs.InvalidAliasName:       "InvalidAliasNameException",
	errs.InvalidMarker:          "InvalidMarkerException",
	errs.InvalidGrantToken:      "InvalidGrantTokenException",
	errs.InvalidGrantID:         "InvalidGrantIdException",
	errs.LimitExceeded:          "LimitExceededException",
	errs.Tag:                    "TagException",
	errs.UnsupportedOperation:   "UnsupportedOperationException",
	errs.DryRun:                 "DryRunOperationException",
	errs.MalformedPolicy:        "MalformedPolicyDocumentException",
	errs.AccessDenied:           "AccessDeniedException",
	errs.Conflict:               "ConflictException",
	errs.CustomKeyStoreNotFound: "CustomKeyStoreNotFoundException",
	errs.NotAuthorized:          "NotAuthorizedException",
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
		if code == errs.MissingAuthentication || code == errs.InvalidClientTokenID {
			return t, http.StatusForbidden
		}
		if code == errs.RequestTooLarge {
			return t, http.StatusRequestEntityTooLarge
		}
		return t, http.StatusBadRequest
	}
	return "KMSInternalException", http.StatusInternalServerError
}

// New returns the KMS protocol service backed by svc.
func New(svc *kms.Service) *awsjson.Service {
	h := &handlers{svc: svc}
	ops := make(map[string]awsjson.Operation)
	for _, op := range h.table() {
		ops[op.Name] = op
	}
	known := make(map[string]bool, len(operationNames))
	for _, n := range operationNames {
		known[n] = true
	}
	return &awsjson.Service{
		TargetPrefix: "TrentService",
		ContentType:  "application/x-amz-json-1.1",
		Ops:          ops,
		Known:        known,
		Errors:       errorType,
	}
}

// validatable is implemented by every generated input shape.
type validatable interface {
	validate(p *validationPath, errs *validationErrors)
}

// op declares one operation: decode into In, validate against the model,
// then run fn with the request's caller.
func op[In any, PIn interface {
	*In
	validatable
}](name string, maxBody int64, readOnly bool, fn func(ctx context.Context, c *authz.Caller, in *In) (any, error)) awsjson.Operation {
	return awsjson.Operation{
		Name:     name,
		MaxBody:  maxBody,
		ReadOnly: readOnly,
		Call: func(ctx context.Context, decode awsjson.DecodeFunc) (any, error) {
			in := new(In)
			if err := decode(in); err != nil {
				return nil, err
			}
			if err := validateInput(PIn(in)); err != nil {
				return nil, err
			}
			c := authz.CallerFrom(ctx)
			if c == nil {
				return nil, errs.E(errs.MissingAuthentication, "Missing Authentication Token")
			}
			return fn(ctx, c, in)
		},
	}
}

// unsupportedRecipient answers requests for Nitro Enclaves attestation,
// which has no meaning outside AWS.
func unsupportedRecipient() error {
	return errs.E(errs.UnsupportedOperation, "The Recipient parameter (attested enclaves) is not supported by this server.")
}
