package audit

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// EventVersion is the CloudTrail record format version Keyward writes.
const EventVersion = "1.11"

// Values of Event fields that Keyward writes as AWS does.
const (
	EventTypeAPICall      = "AwsApiCall"
	EventTypeServiceEvent = "AwsServiceEvent"
	CategoryManagement    = "Management"
	CategoryData          = "Data"
	ResourceTypeKMSKey    = "AWS::KMS::Key"
	SessionIssuerTypeRole = "Role"
)

// Limits. CloudTrail cuts userAgent and errorMessage at 1 KB; an event
// record may not exceed maxEventBytes (CloudTrail's own limit for
// requestParameters is 100 KB).
const (
	maxUserAgentBytes    = 1024
	maxErrorMessageBytes = 1024
	maxEventBytes        = 512 << 10
	mfaNotAuthenticated  = "false"
	eventSourceSuffix    = ".amazonaws.com"
	timeLayoutSeconds    = "2006-01-02T15:04:05Z"
)

// Event sources for the services Keyward speaks.
const (
	SourceKMS            = "kms.amazonaws.com"
	SourceIAM            = "iam.amazonaws.com"
	SourceSTS            = "sts.amazonaws.com"
	SourceSSM            = "ssm.amazonaws.com"
	SourceSecretsManager = "secretsmanager.amazonaws.com"
	SourceCloudTrail     = "cloudtrail.amazonaws.com"
	SourceLogs           = "logs.amazonaws.com"
	SourceMonitoring     = "monitoring.amazonaws.com"
	SourceSNS            = "sns.amazonaws.com"
)

// Identity types (userIdentity.type) Keyward records.
const (
	IdentityRoot        = "Root"
	IdentityIAMUser     = "IAMUser"
	IdentityAssumedRole = "AssumedRole"
	IdentityAWSAccount  = "AWSAccount"
	IdentityAWSService  = "AWSService"
	IdentityUnknown     = "Unknown"
)

// EventSource returns the CloudTrail eventSource of the service with the
// given SigV4 signing name: "kms" → "kms.amazonaws.com".
func EventSource(signingName string) string { return signingName + eventSourceSuffix }

// Event is one audit record, in CloudTrail's record shape. It marshals to
// JSON exactly as CloudTrail writes a record: the same names, the same order,
// null requestParameters and responseElements when there are none, and
// errorCode, errorMessage, userAgent, resources and tlsDetails left out when
// empty.
//
// Events never carry plaintext, ciphertext, key material, tokens or secret
// keys: build RequestParameters with RequestParameters (or RedactParams), and
// Append removes whatever the redaction rules name before anything is
// written.
type Event struct {
	EventVersion    string       `json:"eventVersion"`
	UserIdentity    UserIdentity `json:"userIdentity"`
	EventTime       Time         `json:"eventTime"`
	EventSource     string       `json:"eventSource"`
	EventName       string       `json:"eventName"`
	AWSRegion       string       `json:"awsRegion"`
	SourceIPAddress string       `json:"sourceIPAddress"`
	UserAgent       string       `json:"userAgent,omitempty"`
	// ErrorCode is the wire error name (e.g. "DisabledException"), and
	// ErrorMessage the message the client was sent. Both are empty for a call
	// that succeeded.
	ErrorCode    string `json:"errorCode,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`
	// RequestParameters is the JSON object of the request's parameters with
	// CloudTrail's camelCase names; nil is written as null.
	RequestParameters json.RawMessage `json:"requestParameters"`
	// ResponseElements is null for most KMS operations, as in AWS
	// (CreateGrant records {"grantId": …}, never the grant token).
	ResponseElements    json.RawMessage `json:"responseElements"`
	AdditionalEventData json.RawMessage `json:"additionalEventData,omitempty"`
	RequestID           string          `json:"requestID"`
	EventID             string          `json:"eventID"`
	ReadOnly            bool            `json:"readOnly"`
	Resources           []Resource      `json:"resources,omitempty"`
	EventType           string          `json:"eventType"`
	ManagementEvent     bool            `json:"managementEvent"`
	RecipientAccountID  string          `json:"recipientAccountId"`
	SharedEventID       string          `json:"sharedEventID,omitempty"`
	EventCategory       string          `json:"eventCategory"`
	TLSDetails          *TLSDetails     `json:"tlsDetails,omitempty"`
}

// UserIdentity says who made the call, in CloudTrail's userIdentity shape.
// For an IAM user, UserName is the user's name; for a role session,
// SessionContext names the role (the session issuer).
type UserIdentity struct {
	Type           string          `json:"type"`
	PrincipalID    string          `json:"principalId,omitempty"`
	ARN            string          `json:"arn,omitempty"`
	AccountID      string          `json:"accountId,omitempty"`
	AccessKeyID    string          `json:"accessKeyId,omitempty"`
	UserName       string          `json:"userName,omitempty"`
	SessionContext *SessionContext `json:"sessionContext,omitempty"`
	InvokedBy      string          `json:"invokedBy,omitempty"`
}

// SessionContext describes the temporary credentials of a role session.
type SessionContext struct {
	SessionIssuer  *SessionIssuer    `json:"sessionIssuer,omitempty"`
	Attributes     SessionAttributes `json:"attributes"`
	SourceIdentity string            `json:"sourceIdentity,omitempty"`
}

// SessionIssuer is the role whose session made the call.
type SessionIssuer struct {
	Type        string `json:"type"` // "Role"
	PrincipalID string `json:"principalId"`
	ARN         string `json:"arn"`
	AccountID   string `json:"accountId"`
	UserName    string `json:"userName"` // the role's name
}

// SessionAttributes are the session's creation date and MFA flag
// (always "false": Keyward sessions carry no MFA).
type SessionAttributes struct {
	CreationDate     Time   `json:"creationDate"`
	MFAAuthenticated string `json:"mfaAuthenticated"`
}

// Resource is one entry of an event's resources list.
type Resource struct {
	ARN       string `json:"ARN"`
	AccountID string `json:"accountId"`
	Type      string `json:"type"`
}

// TLSDetails describes the TLS connection the call arrived on.
type TLSDetails struct {
	TLSVersion               string `json:"tlsVersion"`
	CipherSuite              string `json:"cipherSuite"`
	ClientProvidedHostHeader string `json:"clientProvidedHostHeader,omitempty"`
}

// Time is a CloudTrail timestamp: it marshals as UTC with whole seconds,
// "2026-11-22T09:00:00Z", and unmarshals any RFC 3339 time.
type Time struct{ time.Time }

// TimeOf returns t as a Time.
func TimeOf(t time.Time) Time { return Time{t} }

// MarshalJSON writes the time as CloudTrail does.
func (t Time) MarshalJSON() ([]byte, error) {
	u := t.UTC()
	y, mo, d := u.Date()
	h, mi, s := u.Clock()
	if y < 0 || y > 9999 {
		return append(append([]byte{'"'}, u.Format(timeLayoutSeconds)...), '"'), nil
	}
	b := make([]byte, 0, len(timeLayoutSeconds)+2)
	b = append(b, '"')
	b = append4(b, y)
	b = append(b, '-')
	b = append2(b, int(mo))
	b = append(b, '-')
	b = append2(b, d)
	b = append(b, 'T')
	b = append2(b, h)
	b = append(b, ':')
	b = append2(b, mi)
	b = append(b, ':')
	b = append2(b, s)
	return append(b, 'Z', '"'), nil
}

func append2(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }
func append4(b []byte, n int) []byte { return append2(append2(b, n/100), n%100) }

// UnmarshalJSON reads an RFC 3339 time.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

// NewEvent returns an event for an API call to eventSource's eventName at
// time t, with a fresh eventID and the fields every Keyward call shares
// (eventVersion, eventType AwsApiCall, managementEvent, eventCategory
// Management). The caller fills in the rest.
func NewEvent(eventSource, eventName string, t time.Time) *Event {
	return &Event{
		EventVersion:    EventVersion,
		EventTime:       TimeOf(t),
		EventSource:     eventSource,
		EventName:       eventName,
		EventID:         NewEventID(),
		EventType:       EventTypeAPICall,
		ManagementEvent: true,
		EventCategory:   CategoryManagement,
	}
}

// NewEventID returns a random (version 4) UUID, the shape of CloudTrail's
// eventID.
func NewEventID() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // never fails (crypto/rand panics rather than fail)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	const hexd = "0123456789abcdef"
	var b [36]byte
	j := 0
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b[j] = '-'
			j++
		}
		b[j], b[j+1] = hexd[c>>4], hexd[c&0xf]
		j += 2
	}
	return string(b[:])
}

// RootIdentity is the userIdentity of an account's root user calling with
// the given access key.
func RootIdentity(accountID, accessKeyID string) UserIdentity {
	return UserIdentity{
		Type:        IdentityRoot,
		PrincipalID: accountID,
		ARN:         "arn:aws:iam::" + accountID + ":root",
		AccountID:   accountID,
		AccessKeyID: accessKeyID,
	}
}

// IAMUserIdentity is the userIdentity of an IAM user: userID is the user's
// unique ID (AIDA…), arn its ARN.
func IAMUserIdentity(accountID, userID, userName, arn, accessKeyID string) UserIdentity {
	return UserIdentity{
		Type:        IdentityIAMUser,
		PrincipalID: userID,
		ARN:         arn,
		AccountID:   accountID,
		AccessKeyID: accessKeyID,
		UserName:    userName,
	}
}

// AssumedRoleIdentity is the userIdentity of a role session: principalID is
// "AROA…:<session name>", arn "arn:aws:sts::<account>:assumed-role/<role>/<session>",
// issuer the role (its Type is set to "Role"), created when the session's
// credentials were issued.
func AssumedRoleIdentity(accountID, principalID, arn, accessKeyID string, issuer SessionIssuer, created time.Time) UserIdentity {
	issuer.Type = SessionIssuerTypeRole
	return UserIdentity{
		Type:        IdentityAssumedRole,
		PrincipalID: principalID,
		ARN:         arn,
		AccountID:   accountID,
		AccessKeyID: accessKeyID,
		SessionContext: &SessionContext{
			SessionIssuer: &issuer,
			Attributes:    SessionAttributes{CreationDate: TimeOf(created), MFAAuthenticated: mfaNotAuthenticated},
		},
	}
}

// KeyResource is the resources entry for a KMS key ARN
// (arn:aws:kms:<region>:<account>:key/<id>).
func KeyResource(keyARN string) Resource {
	return Resource{ARN: keyARN, AccountID: arnAccount(keyARN), Type: ResourceTypeKMSKey}
}

// arnAccount returns the account field of an ARN, or "".
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[4]
}

// prepare fills the defaults Append guarantees and checks that the event can
// be recorded. It reports a programming error, not a log failure.
func (ev *Event) prepare() error {
	if ev.EventVersion == "" {
		ev.EventVersion = EventVersion
	}
	if ev.EventType == "" {
		ev.EventType = EventTypeAPICall
	}
	if ev.EventCategory == "" {
		ev.EventCategory = CategoryManagement
	}
	if ev.EventID == "" {
		ev.EventID = NewEventID()
	}
	if ev.UserIdentity.Type == "" {
		ev.UserIdentity.Type = IdentityUnknown
	}
	ev.UserAgent = truncateUTF8(ev.UserAgent, maxUserAgentBytes)
	ev.ErrorMessage = truncateUTF8(ev.ErrorMessage, maxErrorMessageBytes)
	switch {
	case ev.EventSource == "":
		return errors.New("event has no eventSource")
	case ev.EventName == "":
		return errors.New("event has no eventName")
	case ev.EventTime.IsZero():
		return errors.New("event has no eventTime")
	}
	return nil
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n]
}
