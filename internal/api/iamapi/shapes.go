package iamapi

import "github.com/keyward/keyward/internal/awsproto/awsquery"

// Wire shapes, written by hand for the operations built here. Type names
// are the model's shape names. Inputs are bound to the model by awsquery
// (every member needs a field; a `query` tag names the member when the Go
// field is spelled differently); results name their members in xml tags and
// are checked against the model when the table is built (model_test.go
// checks the table).

// Inputs.

type (
	CreateUserRequest struct {
		Path                string
		UserName            string
		PermissionsBoundary string
		Tags                []Tag
	}
	GetUserRequest    struct{ UserName string }
	DeleteUserRequest struct{ UserName string }
	ListUsersRequest  struct {
		PathPrefix string
		Marker     string
		MaxItems   int
	}

	CreateAccessKeyRequest struct{ UserName string }
	ListAccessKeysRequest  struct {
		UserName string
		Marker   string
		MaxItems int
	}
	UpdateAccessKeyRequest struct {
		UserName    string
		AccessKeyID string `query:"AccessKeyId"`
		Status      string
	}
	DeleteAccessKeyRequest struct {
		UserName    string
		AccessKeyID string `query:"AccessKeyId"`
	}

	CreateRoleRequest struct {
		Path                     string
		RoleName                 string
		AssumeRolePolicyDocument string
		Description              string
		MaxSessionDuration       int
		PermissionsBoundary      string
		Tags                     []Tag
	}
	GetRoleRequest    struct{ RoleName string }
	DeleteRoleRequest struct{ RoleName string }
	ListRolesRequest  struct {
		PathPrefix string
		Marker     string
		MaxItems   int
	}
	UpdateAssumeRolePolicyRequest struct {
		RoleName       string
		PolicyDocument string
	}

	PutUserPolicyRequest struct {
		UserName       string
		PolicyName     string
		PolicyDocument string
	}
	GetUserPolicyRequest struct {
		UserName   string
		PolicyName string
	}
	DeleteUserPolicyRequest struct {
		UserName   string
		PolicyName string
	}
	ListUserPoliciesRequest struct {
		UserName string
		Marker   string
		MaxItems int
	}
	PutRolePolicyRequest struct {
		RoleName       string
		PolicyName     string
		PolicyDocument string
	}
	GetRolePolicyRequest struct {
		RoleName   string
		PolicyName string
	}
	DeleteRolePolicyRequest struct {
		RoleName   string
		PolicyName string
	}
	ListRolePoliciesRequest struct {
		RoleName string
		Marker   string
		MaxItems int
	}

	CreatePolicyRequest struct {
		PolicyName     string
		Path           string
		PolicyDocument string
		Description    string
		Tags           []Tag
	}
	GetPolicyRequest struct {
		PolicyARN string `query:"PolicyArn"`
	}
	GetPolicyVersionRequest struct {
		PolicyARN string `query:"PolicyArn"`
		VersionID string `query:"VersionId"`
	}
	AttachUserPolicyRequest struct {
		UserName  string
		PolicyARN string `query:"PolicyArn"`
	}
	DetachUserPolicyRequest struct {
		UserName  string
		PolicyARN string `query:"PolicyArn"`
	}
	AttachRolePolicyRequest struct {
		RoleName  string
		PolicyARN string `query:"PolicyArn"`
	}
	DetachRolePolicyRequest struct {
		RoleName  string
		PolicyARN string `query:"PolicyArn"`
	}
	ListAttachedUserPoliciesRequest struct {
		UserName   string
		PathPrefix string
		Marker     string
		MaxItems   int
	}
	ListAttachedRolePoliciesRequest struct {
		RoleName   string
		PathPrefix string
		Marker     string
		MaxItems   int
	}
)

// Tag is a tag, in requests and results.
type Tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

// Structures of results.

type (
	User struct {
		Path       string        `xml:"Path,omitempty"`
		UserName   string        `xml:"UserName,omitempty"`
		UserID     string        `xml:"UserId"`
		Arn        string        `xml:"Arn"`
		CreateDate awsquery.Time `xml:"CreateDate"`
	}
	Role struct {
		Path                     string                  `xml:"Path"`
		RoleName                 string                  `xml:"RoleName"`
		RoleID                   string                  `xml:"RoleId"`
		Arn                      string                  `xml:"Arn"`
		CreateDate               awsquery.Time           `xml:"CreateDate"`
		AssumeRolePolicyDocument awsquery.PolicyDocument `xml:"AssumeRolePolicyDocument,omitempty"`
		Description              string                  `xml:"Description,omitempty"`
		MaxSessionDuration       int                     `xml:"MaxSessionDuration,omitempty"`
		RoleLastUsed             *RoleLastUsed           `xml:"RoleLastUsed,omitempty"`
	}
	// RoleLastUsed is sent empty: Keyward does not track role use yet.
	RoleLastUsed struct {
		LastUsedDate *awsquery.Time `xml:"LastUsedDate,omitempty"`
		Region       string         `xml:"Region,omitempty"`
	}
	// AccessKey.UserName is empty, and left out, for a key of the account
	// root.
	AccessKey struct {
		UserName        string        `xml:"UserName,omitempty"`
		AccessKeyID     string        `xml:"AccessKeyId"`
		Status          string        `xml:"Status"`
		SecretAccessKey secret        `xml:"SecretAccessKey"`
		CreateDate      awsquery.Time `xml:"CreateDate"`
	}
	AccessKeyMetadata struct {
		UserName    string        `xml:"UserName,omitempty"`
		AccessKeyID string        `xml:"AccessKeyId"`
		Status      string        `xml:"Status"`
		CreateDate  awsquery.Time `xml:"CreateDate"`
	}
	Policy struct {
		PolicyName                    string        `xml:"PolicyName"`
		PolicyID                      string        `xml:"PolicyId"`
		Arn                           string        `xml:"Arn"`
		Path                          string        `xml:"Path"`
		DefaultVersionID              string        `xml:"DefaultVersionId"`
		AttachmentCount               int           `xml:"AttachmentCount"`
		PermissionsBoundaryUsageCount int           `xml:"PermissionsBoundaryUsageCount"`
		IsAttachable                  bool          `xml:"IsAttachable"`
		Description                   string        `xml:"Description,omitempty"`
		CreateDate                    awsquery.Time `xml:"CreateDate"`
		UpdateDate                    awsquery.Time `xml:"UpdateDate"`
	}
	PolicyVersion struct {
		Document         awsquery.PolicyDocument `xml:"Document"`
		VersionID        string                  `xml:"VersionId"`
		IsDefaultVersion bool                    `xml:"IsDefaultVersion"`
		CreateDate       awsquery.Time           `xml:"CreateDate"`
	}
	AttachedPolicy struct {
		PolicyName string `xml:"PolicyName"`
		PolicyArn  string `xml:"PolicyArn"`
	}
)

// secret is a secret access key: written on the wire, never printed.
type secret string

func (secret) String() string   { return "[redacted]" }
func (secret) GoString() string { return "[redacted]" }

// MarshalText writes the secret itself: the wire is the one place it goes.
func (s secret) MarshalText() ([]byte, error) { return []byte(s), nil }

// Results.

type (
	CreateUserResponse struct {
		User *User `xml:"User"`
	}
	GetUserResponse struct {
		User *User `xml:"User"`
	}
	ListUsersResponse struct {
		Users       awsquery.List[User] `xml:"Users"`
		IsTruncated bool                `xml:"IsTruncated"`
		Marker      string              `xml:"Marker,omitempty"`
	}
	CreateAccessKeyResponse struct {
		AccessKey *AccessKey `xml:"AccessKey"`
	}
	ListAccessKeysResponse struct {
		AccessKeyMetadata awsquery.List[AccessKeyMetadata] `xml:"AccessKeyMetadata"`
		IsTruncated       bool                             `xml:"IsTruncated"`
		Marker            string                           `xml:"Marker,omitempty"`
	}
	CreateRoleResponse struct {
		Role *Role `xml:"Role"`
	}
	GetRoleResponse struct {
		Role *Role `xml:"Role"`
	}
	ListRolesResponse struct {
		Roles       awsquery.List[Role] `xml:"Roles"`
		IsTruncated bool                `xml:"IsTruncated"`
		Marker      string              `xml:"Marker,omitempty"`
	}
	GetUserPolicyResponse struct {
		UserName       string                  `xml:"UserName"`
		PolicyName     string                  `xml:"PolicyName"`
		PolicyDocument awsquery.PolicyDocument `xml:"PolicyDocument"`
	}
	GetRolePolicyResponse struct {
		RoleName       string                  `xml:"RoleName"`
		PolicyName     string                  `xml:"PolicyName"`
		PolicyDocument awsquery.PolicyDocument `xml:"PolicyDocument"`
	}
	// ListPoliciesResponse is ListUserPoliciesResponse and
	// ListRolePoliciesResponse, which have the same members.
	ListPoliciesResponse struct {
		PolicyNames awsquery.List[string] `xml:"PolicyNames"`
		IsTruncated bool                  `xml:"IsTruncated"`
		Marker      string                `xml:"Marker,omitempty"`
	}
	// PolicyResponse is CreatePolicyResponse and GetPolicyResponse.
	PolicyResponse struct {
		Policy *Policy `xml:"Policy"`
	}
	GetPolicyVersionResponse struct {
		PolicyVersion *PolicyVersion `xml:"PolicyVersion"`
	}
	// ListAttachedPoliciesResponse is ListAttachedUserPoliciesResponse and
	// ListAttachedRolePoliciesResponse.
	ListAttachedPoliciesResponse struct {
		AttachedPolicies awsquery.List[AttachedPolicy] `xml:"AttachedPolicies"`
		IsTruncated      bool                          `xml:"IsTruncated"`
		Marker           string                        `xml:"Marker,omitempty"`
	}
)
