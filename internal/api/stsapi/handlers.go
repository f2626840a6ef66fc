package stsapi

import (
	"context"
	"unicode"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/awsproto/awsquery"
	"github.com/keyward/keyward/internal/identity"
)

type handlers struct {
	svc *identity.Service
}

// getCallerIdentity answers who signed the request. Like AWS it needs no
// permission: even a caller denied everything may ask.
func (h *handlers) getCallerIdentity(_ context.Context, c *authz.Caller, _ *GetCallerIdentityRequest) (*GetCallerIdentityResponse, error) {
	userID, account, arn := identity.CallerIdentity(c)
	if userID == "" || account == "" || arn == "" {
		userID, arn = callerIdentity(c)
		account = c.Account
	}
	return &GetCallerIdentityResponse{UserID: userID, Account: account, Arn: arn}, nil
}

// callerIdentity computes the UserId and Arn GetCallerIdentity shows for c,
// for a caller whose authentication did not set them:
// the account id and arn:aws:iam::<account>:root for the root; AIDA… and
// the user's ARN for a user; AROA…:<session> and
// arn:aws:sts::<account>:assumed-role/<role>/<session> for a role session.
func callerIdentity(c *authz.Caller) (userID, arn string) {
	userID, arn = c.UserID, c.ARN
	switch c.Type {
	case authz.Root:
		if userID == "" {
			userID = c.Account
		}
		if arn == "" {
			arn = "arn:aws:iam::" + c.Account + ":root"
		}
	case authz.IAMUser:
		if userID == "" {
			userID = c.PrincipalID
		}
		if arn == "" {
			arn = "arn:aws:iam::" + c.Account + ":user/" + c.UserName
		}
	case authz.AssumedRole:
		if userID == "" {
			userID = c.PrincipalID + ":" + c.SessionName
		}
		if arn == "" {
			arn = "arn:aws:sts::" + c.Account + ":assumed-role/" + c.RoleName + "/" + c.SessionName
		}
	}
	return userID, arn
}

func (h *handlers) assumeRole(ctx context.Context, c *authz.Caller, in *AssumeRoleRequest) (*AssumeRoleResponse, error) {
	// Session tags, transitive tag keys, the source identity and provided
	// contexts are accepted and not kept: no condition key Keyward
	// evaluates reads them. An MFA serial number and code are not checked,
	// and the session is not marked as MFA-authenticated.
	arns := make([]string, len(in.PolicyArns))
	for i, p := range in.PolicyArns {
		arns[i] = p.ARN
	}
	sc, err := h.svc.AssumeRole(ctx, c, identity.AssumeRoleInput{
		RoleARN:         in.RoleARN,
		SessionName:     in.RoleSessionName,
		DurationSeconds: in.DurationSeconds,
		Policy:          in.Policy,
		PolicyARNs:      arns,
		ExternalID:      in.ExternalID,
	})
	if err != nil {
		return nil, err
	}
	out := &AssumeRoleResponse{
		Credentials: &Credentials{
			AccessKeyID:     sc.AccessKeyID,
			SecretAccessKey: secret(sc.SecretAccessKey),
			SessionToken:    secret(sc.SessionToken),
			Expiration:      awsquery.Time(sc.Expiration),
		},
		AssumedRoleUser: &AssumedRoleUser{AssumedRoleID: sc.AssumedRoleID, Arn: sc.AssumedRoleARN},
	}
	if in.Policy != "" || len(arns) > 0 || len(in.Tags) > 0 {
		n := packedPolicySize(in.Policy, arns)
		out.PackedPolicySize = &n
	}
	return out, nil
}

// packedSpace is the space, in characters, that session policies may take.
const packedSpace = 2048

// packedPolicySize is PackedPolicySize: the session policy's characters
// other than white space and the policy ARNs' characters, as a percentage
// of the space allowed, measured as the identity service measures them
// when it refuses a session with PackedPolicyTooLarge.
func packedPolicySize(policy string, arns []string) int {
	n := 0
	for _, r := range policy {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	for _, a := range arns {
		n += len(a)
	}
	return n * 100 / packedSpace
}
