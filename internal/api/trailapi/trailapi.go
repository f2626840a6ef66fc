// Package trailapi is CloudTrail's LookupEvents over the AWS JSON 1.1
// protocol, reading Keyward's audit trail: newest first, one lookup
// attribute, a time range (default the last 90 days), MaxResults/NextToken.
// It reads through the Trail interface it declares and never writes.
package trailapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/awsproto/awsjson"
	"github.com/keyward/keyward/internal/errs"
)

// TargetPrefix is CloudTrail's X-Amz-Target prefix.
const TargetPrefix = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"

// Trail is the audit log as LookupEvents reads it.
type Trail interface {
	Scan(ctx context.Context, opts audit.ScanOptions, fn func(seq uint64, ev *audit.Event) bool) error
}

// LookupAttribute is one lookup attribute.
type LookupAttribute struct {
	AttributeKey   *string `json:"AttributeKey,omitzero"`
	AttributeValue *string `json:"AttributeValue,omitzero"`
}

// LookupEventsRequest is LookupEvents' input.
type LookupEventsRequest struct {
	LookupAttributes []LookupAttribute `json:"LookupAttributes,omitzero"`
	StartTime        *awsjson.Time     `json:"StartTime,omitzero"`
	EndTime          *awsjson.Time     `json:"EndTime,omitzero"`
	EventCategory    *string           `json:"EventCategory,omitzero"`
	MaxResults       *int32            `json:"MaxResults,omitzero"`
	NextToken        *string           `json:"NextToken,omitzero"`
}

// Resource is a resource an event names.
type Resource struct {
	ResourceType *string `json:"ResourceType,omitzero"`
	ResourceName *string `json:"ResourceName,omitzero"`
}

// Event is one LookupEvents result.
type Event struct {
	EventId         *string       `json:"EventId,omitzero"`
	EventName       *string       `json:"EventName,omitzero"`
	ReadOnly        *string       `json:"ReadOnly,omitzero"`
	AccessKeyId     *string       `json:"AccessKeyId,omitzero"`
	EventTime       *awsjson.Time `json:"EventTime,omitzero"`
	EventSource     *string       `json:"EventSource,omitzero"`
	Username        *string       `json:"Username,omitzero"`
	Resources       []Resource    `json:"Resources,omitzero"`
	CloudTrailEvent *string       `json:"CloudTrailEvent,omitzero"`
}

// LookupEventsResponse is LookupEvents' output.
type LookupEventsResponse struct {
	Events    []Event `json:"Events"`
	NextToken *string `json:"NextToken,omitzero"`
}

var errorTable = map[errs.Code]string{
	errs.Validation:            "InvalidLookupAttributesException",
	errs.InvalidMarker:         "InvalidNextTokenException",
	errs.Serialization:         "SerializationException",
	errs.UnknownOperation:      "UnknownOperationException",
	errs.UnsupportedOperation:  "UnsupportedOperationException",
	errs.AccessDenied:          "AccessDeniedException",
	errs.MissingAuthentication: "MissingAuthenticationTokenException",
	errs.IncompleteSignature:   "IncompleteSignatureException",
	errs.InvalidClientTokenID:  "UnrecognizedClientException",
	errs.SignatureMismatch:     "InvalidSignatureException",
	errs.SignatureExpired:      "InvalidSignatureException",
	errs.ExpiredToken:          "ExpiredTokenException",
	errs.RequestTooLarge:       "RequestEntityTooLargeException",
	codeTimeRange:              "InvalidTimeRangeException",
	codeMaxResults:             "InvalidMaxResultsException",
	codeEventCategory:          "InvalidEventCategoryException",
}

// CloudTrail's own validation errors.
const (
	codeTimeRange     errs.Code = "trail.InvalidTimeRange"
	codeMaxResults    errs.Code = "trail.InvalidMaxResults"
	codeEventCategory errs.Code = "trail.InvalidEventCategory"
)

func errorType(code errs.Code) (string, int) {
	if t, ok := errorTable[code]; ok {
		return t, http.StatusBadRequest
	}
	return "CloudTrailInternalException", http.StatusInternalServerError
}

// New returns the CloudTrail protocol service.
func New(trail Trail, auth authz.Authorizer, now func() time.Time, retention time.Duration) *awsjson.Service {
	if now == nil {
		now = time.Now
	}
	l := &lookup{trail: trail, auth: auth, now: now, retention: retention}
	op := awsjson.Op("LookupEvents", 64<<10, true, l.lookupEvents)
	return &awsjson.Service{
		TargetPrefix: TargetPrefix,
		AltPrefixes:  []string{"CloudTrail_20131101"},
		ContentType:  "application/x-amz-json-1.1",
		Ops:          map[string]awsjson.Operation{op.Name: op},
		Known:        map[string]bool{"LookupEvents": true},
		Errors:       errorType,
	}
}

type lookup struct {
	trail     Trail
	auth      authz.Authorizer
	now       func() time.Time
	retention time.Duration
}

// match is one lookup attribute, compiled.
type match func(ev *audit.Event) bool

func compile(attrs []LookupAttribute) (match, error) {
	if len(attrs) == 0 {
		return func(*audit.Event) bool { return true }, nil
	}
	if len(attrs) > 1 {
		return nil, errs.E(errs.Validation, "You cannot specify more than one lookup attribute.")
	}
	a := attrs[0]
	if a.AttributeKey == nil || a.AttributeValue == nil {
		return nil, errs.E(errs.Validation, "Both AttributeKey and AttributeValue are required.")
	}
	v := *a.AttributeValue
	if v == "" || len(v) > 2000 {
		return nil, errs.E(errs.Validation, "AttributeValue must be 1 to 2000 characters long.")
	}
	switch *a.AttributeKey {
	case "EventId":
		return func(ev *audit.Event) bool { return ev.EventID == v }, nil
	case "EventName":
		return func(ev *audit.Event) bool { return ev.EventName == v }, nil
	case "ReadOnly":
		return func(ev *audit.Event) bool { return strconv.FormatBool(ev.ReadOnly) == v }, nil
	case "Username":
		return func(ev *audit.Event) bool { return username(ev) == v }, nil
	case "ResourceType":
		return func(ev *audit.Event) bool { return hasResource(ev, func(r audit.Resource) bool { return r.Type == v }) }, nil
	case "ResourceName":
		return func(ev *audit.Event) bool { return hasResource(ev, func(r audit.Resource) bool { return r.ARN == v }) }, nil
	case "EventSource":
		return func(ev *audit.Event) bool { return ev.EventSource == v }, nil
	case "AccessKeyId":
		return func(ev *audit.Event) bool { return ev.UserIdentity.AccessKeyID == v }, nil
	}
	return nil, errs.Ef(errs.Validation, "Invalid AttributeKey %s.", *a.AttributeKey)
}

func hasResource(ev *audit.Event, f func(audit.Resource) bool) bool {
	for _, r := range ev.Resources {
		if f(r) {
			return true
		}
	}
	return false
}

// username is LookupEvents' Username: the IAM user name, "root", or the
// role session name.
func username(ev *audit.Event) string {
	u := ev.UserIdentity
	switch u.Type {
	case audit.IdentityRoot:
		return "root"
	case audit.IdentityIAMUser:
		return u.UserName
	case audit.IdentityAssumedRole:
		if i := strings.LastIndexByte(u.ARN, '/'); i >= 0 {
			return u.ARN[i+1:]
		}
	}
	return ""
}

// visible: an account sees the events its principals made and those on its
// resources, in the region asked (IAM's global events in every region).
func visible(ev *audit.Event, c *authz.Caller) bool {
	if ev.UserIdentity.AccountID != c.Account && ev.RecipientAccountID != c.Account {
		return false
	}
	return ev.AWSRegion == c.Region || ev.EventSource == audit.SourceIAM
}

func (l *lookup) lookupEvents(ctx context.Context, in *LookupEventsRequest) (any, error) {
	c := authz.CallerFrom(ctx)
	if c == nil {
		return nil, errs.E(errs.MissingAuthentication, "Missing Authentication Token")
	}
	if err := l.auth.Authorize(ctx, c, "cloudtrail:LookupEvents", authz.Resource{ARN: "*", Account: c.Account}); err != nil {
		return nil, err
	}
	if in.EventCategory != nil && *in.EventCategory != "insight" {
		return nil, errs.E(codeEventCategory, "EventCategory must be insight.")
	}
	if in.EventCategory != nil {
		return &LookupEventsResponse{Events: []Event{}}, nil // Keyward has no Insights events
	}
	max := 50
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 50 {
			return nil, errs.E(codeMaxResults, "MaxResults must be between 1 and 50.")
		}
		max = int(*in.MaxResults)
	}
	end := l.now()
	if in.EndTime != nil {
		end = in.EndTime.Std()
	}
	start := end.Add(-l.retention)
	if in.StartTime != nil {
		start = in.StartTime.Std()
	}
	if start.After(end) {
		return nil, errs.E(codeTimeRange, "Start time must be before end time.")
	}
	m, err := compile(in.LookupAttributes)
	if err != nil {
		return nil, err
	}
	var from uint64
	if in.NextToken != nil {
		b, err := base64.RawURLEncoding.DecodeString(*in.NextToken)
		if err != nil {
			return nil, errs.E(errs.InvalidMarker, "Invalid NextToken.")
		}
		if from, err = strconv.ParseUint(string(b), 10, 64); err != nil || from == 0 {
			return nil, errs.E(errs.InvalidMarker, "Invalid NextToken.")
		}
	}
	out := &LookupEventsResponse{Events: []Event{}}
	var scanErr error
	err = l.trail.Scan(ctx, audit.ScanOptions{NewestFirst: true, Start: from}, func(seq uint64, ev *audit.Event) bool {
		t := ev.EventTime.Time
		if t.After(end) || !visible(ev, c) || !m(ev) {
			return true
		}
		if t.Before(start) {
			return false
		}
		if len(out.Events) == max {
			tok := base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatUint(seq, 10)))
			out.NextToken = &tok
			return false
		}
		e, err := toEvent(ev)
		if err != nil {
			scanErr = err
			return false
		}
		out.Events = append(out.Events, e)
		return true
	})
	if err == nil {
		err = scanErr
	}
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "", err)
	}
	return out, nil
}

func toEvent(ev *audit.Event) (Event, error) {
	raw, err := json.Marshal(ev)
	if err != nil {
		return Event{}, err
	}
	s := func(v string) *string {
		if v == "" {
			return nil
		}
		return &v
	}
	e := Event{
		EventId:         s(ev.EventID),
		EventName:       s(ev.EventName),
		ReadOnly:        s(strconv.FormatBool(ev.ReadOnly)),
		AccessKeyId:     s(ev.UserIdentity.AccessKeyID),
		EventTime:       awsjson.NewTime(ev.EventTime.Time),
		EventSource:     s(ev.EventSource),
		Username:        s(username(ev)),
		CloudTrailEvent: s(string(raw)),
		Resources:       []Resource{},
	}
	for _, r := range ev.Resources {
		e.Resources = append(e.Resources, Resource{ResourceType: s(r.Type), ResourceName: s(r.ARN)})
	}
	return e, nil
}
