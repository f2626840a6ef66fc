package stsapi

import "github.com/keyward/keyward/internal/awsproto/awsquery"

// Wire shapes, by hand; type names are the model's shape names. Inputs are
// bound to the model by awsquery, results checked against it when the
// table is built.

type (
	GetCallerIdentityRequest struct{}

	AssumeRoleRequest struct {
		RoleARN           string `query:"RoleArn"`
		RoleSessionName   string
		PolicyArns        []PolicyDescriptorType
		Policy            string
		DurationSeconds   int
		Tags              []Tag
		TransitiveTagKeys []string
		ExternalID        string `query:"ExternalId"`
		SerialNumber      string
		TokenCode         string
		SourceIdentity    string
		ProvidedContexts  []ProvidedContext
	}
	PolicyDescriptorType struct {
		ARN string `query:"arn"`
	}
	Tag struct {
		Key   string
		Value string
	}
	ProvidedContext struct {
		ProviderArn      string
		ContextAssertion string
	}
)

type (
	GetCallerIdentityResponse struct {
		UserID  string `xml:"UserId"`
		Account string `xml:"Account"`
		Arn     string `xml:"Arn"`
	}

	AssumeRoleResponse struct {
		Credentials     *Credentials     `xml:"Credentials"`
		AssumedRoleUser *AssumedRoleUser `xml:"AssumedRoleUser"`
		// PackedPolicySize is sent when the request carried session
		// policies or tags.
		PackedPolicySize *int `xml:"PackedPolicySize,omitempty"`
	}
	Credentials struct {
		AccessKeyID     string        `xml:"AccessKeyId"`
		SecretAccessKey secret        `xml:"SecretAccessKey"`
		SessionToken    secret        `xml:"SessionToken"`
		Expiration      awsquery.Time `xml:"Expiration"`
	}
	AssumedRoleUser struct {
		AssumedRoleID string `xml:"AssumedRoleId"`
		Arn           string `xml:"Arn"`
	}
)

// secret is a secret access key or a session token: written on the wire,
// never printed.
type secret string

func (secret) String() string   { return "[redacted]" }
func (secret) GoString() string { return "[redacted]" }

// MarshalText writes the secret itself: the wire is the one place it goes.
func (s secret) MarshalText() ([]byte, error) { return []byte(s), nil }
