// Package adminapi is Keyward's own operator API, spoken by the keyward CLI
// (doctor, explain): AWS JSON 1.1 under the SigV4 service name "keyward" and
// the target prefix "KeywardAdmin", so requests are signed and audited like
// every other. Its operations are authorized in the domain services like any
// AWS operation (keyward:<Operation>); the account root may call them.
package adminapi

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/awsproto/awsjson"
	"github.com/keyward/keyward/internal/errs"
)

// ServiceName is the SigV4 service name of the admin API.
const ServiceName = "keyward"

// TargetPrefix is the X-Amz-Target prefix of the admin API.
const TargetPrefix = "KeywardAdmin"

// Finding is a binding to a deleted principal.
type Finding struct {
	KeyArn             string `json:"KeyArn"`
	GrantId            string `json:"GrantId,omitempty"`
	Field              string `json:"Field"`
	Statement          string `json:"Statement,omitempty"`
	StoredPrincipal    string `json:"StoredPrincipal"`
	PrincipalKind      string `json:"PrincipalKind,omitempty"`
	FormerArn          string `json:"FormerArn,omitempty"`
	DeletedAt          string `json:"DeletedAt,omitempty"`
	CurrentPrincipalId string `json:"CurrentPrincipalId,omitempty"`
	Summary            string `json:"Summary"`
}

// DoctorOutput is Doctor's result.
type DoctorOutput struct {
	Findings []Finding `json:"Findings"`
}

// RepairInput names one binding to re-bind to the principal that has its ARN now.
type RepairInput struct {
	KeyId           string `json:"KeyId"`
	GrantId         string `json:"GrantId,omitempty"` // empty: the key policy
	StoredPrincipal string `json:"StoredPrincipal"`
}

// RepairOutput is RepairBinding's result.
type RepairOutput struct {
	Repaired Finding `json:"Repaired"`
}

// ExplainInput names a request.
type ExplainInput struct {
	RequestId string `json:"RequestId"`
}

// ExplainOutput is a decision, rendered.
type ExplainOutput struct {
	RequestId string   `json:"RequestId"`
	Time      string   `json:"Time"`
	Caller    string   `json:"Caller"`
	Action    string   `json:"Action"`
	Resource  string   `json:"Resource"`
	Allowed   bool     `json:"Allowed"`
	Reason    string   `json:"Reason"`
	Lines     []string `json:"Lines"`
}

// ReadEventsInput asks for audit events after a sequence number.
type ReadEventsInput struct {
	AfterSeq uint64 `json:"AfterSeq"`
	Limit    int    `json:"Limit,omitempty"` // default and maximum 1000
	// Latest asks only for the newest sequence number, to start a tail.
	Latest bool `json:"Latest,omitempty"`
}

// ReadEventsOutput holds CloudTrail records, oldest first.
type ReadEventsOutput struct {
	Events  []json.RawMessage `json:"Events"`
	LastSeq uint64            `json:"LastSeq"`
}

// Backend is what the admin API needs from the server.
type Backend interface {
	ReadEvents(ctx context.Context, c *authz.Caller, in ReadEventsInput) (*ReadEventsOutput, error)
	Doctor(ctx context.Context, c *authz.Caller) ([]Finding, error)
	Repair(ctx context.Context, c *authz.Caller, in RepairInput) (*Finding, error)
	Explain(ctx context.Context, c *authz.Caller, requestID string) (*authz.Decision, error)
}

var errorTable = map[errs.Code]string{
	errs.NotFound:              "NotFoundException",
	errs.Validation:            "ValidationException",
	errs.Serialization:         "SerializationException",
	errs.UnknownOperation:      "UnknownOperationException",
	errs.AccessDenied:          "AccessDeniedException",
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
		return t, http.StatusBadRequest
	}
	return "InternalFailure", http.StatusInternalServerError
}

// New returns the admin protocol service.
func New(b Backend) *awsjson.Service {
	ops := []awsjson.Operation{
		op("Doctor", func(ctx context.Context, c *authz.Caller, _ *struct{}) (any, error) {
			fs, err := b.Doctor(ctx, c)
			if err != nil {
				return nil, err
			}
			if fs == nil {
				fs = []Finding{}
			}
			return &DoctorOutput{Findings: fs}, nil
		}),
		op("RepairBinding", func(ctx context.Context, c *authz.Caller, in *RepairInput) (any, error) {
			if in.KeyId == "" || in.StoredPrincipal == "" {
				return nil, errs.E(errs.Validation, "KeyId and StoredPrincipal are required.")
			}
			f, err := b.Repair(ctx, c, *in)
			if err != nil {
				return nil, err
			}
			return &RepairOutput{Repaired: *f}, nil
		}),
		op("ReadEvents", func(ctx context.Context, c *authz.Caller, in *ReadEventsInput) (any, error) {
			return b.ReadEvents(ctx, c, *in)
		}),
		op("Explain", func(ctx context.Context, c *authz.Caller, in *ExplainInput) (any, error) {
			if in.RequestId == "" {
				return nil, errs.E(errs.Validation, "RequestId is required.")
			}
			d, err := b.Explain(ctx, c, in.RequestId)
			if err != nil {
				return nil, err
			}
			return &ExplainOutput{RequestId: d.RequestID, Time: d.Time.UTC().Format(time.RFC3339Nano), Caller: d.Caller,
				Action: d.Action, Resource: d.Resource, Allowed: d.Allowed, Reason: d.Reason, Lines: d.Lines}, nil
		}),
	}
	m := make(map[string]awsjson.Operation, len(ops))
	for _, o := range ops {
		m[o.Name] = o
	}
	return &awsjson.Service{TargetPrefix: TargetPrefix, ContentType: "application/x-amz-json-1.1", Ops: m, Errors: errorType}
}

func op[In any](name string, fn func(ctx context.Context, c *authz.Caller, in *In) (any, error)) awsjson.Operation {
	return awsjson.Op(name, 64<<10, false, func(ctx context.Context, in *In) (any, error) {
		c := authz.CallerFrom(ctx)
		if c == nil {
			return nil, errs.E(errs.MissingAuthentication, "Missing Authentication Token")
		}
		return fn(ctx, c, in)
	})
}
