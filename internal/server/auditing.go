package server

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/awsproto/sigv4"
	"github.com/keyward/keyward/internal/errs"
)

// exchange is one request as the audit trail records it.
type exchange struct {
	start     time.Time
	reqID     string
	eventID   string
	service   string // SigV4 signing name: kms, iam, sts, …
	op        string
	readOnly  bool
	scope     sigv4.Scope
	caller    *authz.Caller
	sourceIP  string
	userAgent string
	params    map[string]any // request parameters, CloudTrail-cased, unredacted
	out       any
	errType   string // the wire error name, "" on success
	errMsg    string
	notes     *audit.Notes
}

// freeFormMaps are members whose keys are the user's data, kept as written.
var freeFormMaps = map[string]bool{
	"encryptionContext": true, "sourceEncryptionContext": true, "destinationEncryptionContext": true,
	"encryptionContextEquals": true, "encryptionContextSubset": true, "attributes": true,
	"messageAttributes": true,
}

// cloudTrailCase turns a decoded JSON value's member names into CloudTrail's
// lowerCamel form, leaving free-form maps (encryption contexts) untouched.
func cloudTrailCase(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			lk := lowerFirst(k)
			if freeFormMaps[lk] {
				out[lk] = val
				continue
			}
			out[lk] = cloudTrailCase(val)
		}
		return out
	case []any:
		for i := range t {
			t[i] = cloudTrailCase(t[i])
		}
		return t
	}
	return v
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || unicode.IsLower(r) {
		return s
	}
	// AWS lower-cases a leading acronym as a unit: KMSKeyId → kmsKeyId.
	i := n
	for i < len(s) {
		r2, m := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsUpper(r2) {
			break
		}
		if next, _ := utf8.DecodeRuneInString(s[i+m:]); i+m < len(s) && unicode.IsLower(next) {
			break
		}
		i += m
	}
	return strings.ToLower(s[:i]) + s[i:]
}

// jsonParams decodes a JSON request body for the audit record.
func jsonParams(body []byte) map[string]any {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return nil
	}
	c, _ := cloudTrailCase(m).(map[string]any)
	return c
}

// queryParams turns a Query request's form into audit parameters.
func queryParams(form url.Values) map[string]any {
	m := map[string]any{}
	for k, vs := range form {
		if k == "Action" || k == "Version" || strings.HasPrefix(k, "X-Amz-") || len(vs) == 0 {
			continue
		}
		m[lowerFirst(k)] = vs[0]
	}
	return m
}

// responseElements is what CloudTrail shows of a response: nothing for
// read-only calls and errors, the (redacted) result for changes.
func (x *exchange) responseElements() map[string]any {
	if x.readOnly || x.errType != "" || x.out == nil {
		return nil
	}
	b, err := json.Marshal(x.out)
	if err != nil {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil || len(m) == 0 {
		return nil
	}
	c, _ := cloudTrailCase(m).(map[string]any)
	return c
}

// identity is the CloudTrail userIdentity of the caller.
func (x *exchange) identity() audit.UserIdentity {
	c := x.caller
	if c == nil {
		return audit.UserIdentity{Type: audit.IdentityUnknown, AccessKeyID: x.scope.AccessKeyID}
	}
	switch c.Type {
	case authz.IAMUser:
		return audit.IAMUserIdentity(c.Account, c.PrincipalID, c.UserName, c.ARN, c.AccessKeyID)
	case authz.AssumedRole:
		return audit.AssumedRoleIdentity(c.Account, c.UserID, c.ARN, c.AccessKeyID,
			audit.SessionIssuer{PrincipalID: c.PrincipalID, ARN: c.RoleARN, AccountID: c.Account, UserName: c.RoleName}, c.SessionIssued)
	}
	return audit.RootIdentity(c.Account, c.AccessKeyID)
}

// event builds the audit event of an exchange.
func (x *exchange) event() (*audit.Event, error) {
	ev := audit.NewEvent(audit.EventSource(x.service), x.op, x.start)
	if x.eventID != "" {
		ev.EventID = x.eventID
	}
	ev.UserIdentity = x.identity()
	ev.AWSRegion = x.scope.Region
	if ev.AWSRegion == "" {
		ev.AWSRegion = "us-east-1"
	}
	ev.SourceIPAddress = x.sourceIP
	ev.UserAgent = x.userAgent
	ev.ErrorCode, ev.ErrorMessage = x.errType, x.errMsg
	ev.RequestID = x.reqID
	ev.ReadOnly = x.readOnly
	if x.notes != nil {
		ev.Resources = x.notes.Resources()
	}
	ev.RecipientAccountID = ev.UserIdentity.AccountID
	for _, r := range ev.Resources {
		if r.AccountID != "" {
			ev.RecipientAccountID = r.AccountID
			break
		}
	}
	var err error
	if ev.RequestParameters, err = audit.RequestParameters(ev.EventSource, x.op, x.params); err != nil {
		return nil, err
	}
	if ev.ResponseElements, err = audit.RequestParameters(ev.EventSource, x.op, x.responseElements()); err != nil {
		return nil, err
	}
	return ev, nil
}

// record makes the exchange's event durable. An error means the request
// must be refused: the trail fails closed.
func (s *Server) record(ctx context.Context, x *exchange) error {
	if s.audit == nil {
		return nil
	}
	ev, err := x.event()
	if err != nil {
		return errs.Wrap(errs.Internal, "", err)
	}
	if err := s.audit.Append(context.WithoutCancel(ctx), ev); err != nil {
		s.log.Error("audit trail refused an event; refusing the request", "id", x.reqID, "op", x.op, "err", err)
		return errs.Wrap(errs.Internal, "", err)
	}
	return nil
}
