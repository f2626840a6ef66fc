package policy

import (
	"slices"
	"strings"
	"time"
)

// Condition keys KMS users write. The evaluator reads whatever Request.Context
// holds; these names are for the code that fills it.
const (
	KeyPrincipalArn     = "aws:PrincipalArn"
	KeyPrincipalAccount = "aws:PrincipalAccount"
	KeyPrincipalType    = "aws:PrincipalType"
	KeyUserID           = "aws:userid"
	KeyUsername         = "aws:username"
	KeySourceIP         = "aws:SourceIp"
	KeyCurrentTime      = "aws:CurrentTime"
	KeyEpochTime        = "aws:EpochTime"
	KeySecureTransport  = "aws:SecureTransport"
	KeyRequestedRegion  = "aws:RequestedRegion"

	KeyCallerAccount             = "kms:CallerAccount"
	KeyViaService                = "kms:ViaService"
	KeyEncryptionContextPrefix   = "kms:EncryptionContext:" // + the context key
	KeyEncryptionContextKeys     = "kms:EncryptionContextKeys"
	KeyGrantOperations           = "kms:GrantOperations"
	KeyGrantIsForAWSResource     = "kms:GrantIsForAWSResource"
	KeyGranteePrincipal          = "kms:GranteePrincipal"
	KeyRetiringPrincipal         = "kms:RetiringPrincipal"
	KeyGrantConstraintType       = "kms:GrantConstraintType"
	KeyKeySpec                   = "kms:KeySpec"
	KeyKeyUsage                  = "kms:KeyUsage"
	KeyKeyOrigin                 = "kms:KeyOrigin"
	KeyEncryptionAlgorithm       = "kms:EncryptionAlgorithm"
	KeySigningAlgorithm          = "kms:SigningAlgorithm"
	KeyRequestAlias              = "kms:RequestAlias"
	KeyResourceAliases           = "kms:ResourceAliases"
	KeyBypassPolicyLockoutSafety = "kms:BypassPolicyLockoutSafetyCheck"
	KeyMultiRegion               = "kms:MultiRegion"
	KeyReEncryptOnSameKey        = "kms:ReEncryptOnSameKey"
	KeyRotationPeriodInDays      = "kms:RotationPeriodInDays"
	KeyScheduleKeyDeletionWindow = "kms:ScheduleKeyDeletionPendingWindowInDays"
	KeyExpirationModel           = "kms:ExpirationModel"
	KeyMessageType               = "kms:MessageType"
	KeyDataKeyPairSpec           = "kms:DataKeyPairSpec"
	KeyMacAlgorithm              = "kms:MacAlgorithm"
	KeyWrappingAlgorithm         = "kms:WrappingAlgorithm"
	KeyWrappingKeySpec           = "kms:WrappingKeySpec"
	KeyKeyAgreementAlgorithm     = "kms:KeyAgreementAlgorithm"
	KeyPrimaryRegion             = "kms:PrimaryRegion"
	KeyReplicaRegion             = "kms:ReplicaRegion"
	KeyMultiRegionKeyType        = "kms:MultiRegionKeyType"
	KeyValidTo                   = "kms:ValidTo"
)

// Principal types as aws:PrincipalType reports them.
const (
	PrincipalTypeAccount     = "Account"
	PrincipalTypeUser        = "User"
	PrincipalTypeAssumedRole = "AssumedRole"
)

// ContextFor returns the global condition keys that describe c, as AWS sets
// them:
//   - aws:PrincipalAccount: the account.
//   - aws:PrincipalArn: the root or user ARN; for a role session the role's
//     ARN (Caller.RoleARN), not the session ARN.
//   - aws:PrincipalType: Account, User or AssumedRole.
//   - aws:userid: the account ID for root, the user's unique ID, or
//     "<role unique ID>:<session name>" for a role session.
//   - aws:username: the user's name, for IAM users only.
//
// Request-level keys (aws:SourceIp, aws:SecureTransport, kms:*) are the
// caller's to add.
func ContextFor(c Caller) map[string][]string {
	m := map[string][]string{}
	set := func(k, v string) {
		if v != "" {
			m[k] = []string{v}
		}
	}
	set(KeyPrincipalAccount, c.Account)
	_, _, _, _, res, isARN := arnParts(c.ARN)
	switch {
	case c.Root:
		set(KeyPrincipalArn, c.ARN)
		set(KeyPrincipalType, PrincipalTypeAccount)
		set(KeyUserID, c.Account)
	case isSessionARN(c.ARN):
		set(KeyPrincipalArn, c.RoleARN)
		set(KeyPrincipalType, PrincipalTypeAssumedRole)
		session := res[strings.LastIndexByte(res, '/')+1:]
		roleID := ""
		if i := slices.IndexFunc(c.IDs, func(id string) bool { return strings.HasPrefix(id, "AROA") }); i >= 0 {
			roleID = c.IDs[i]
		} else if len(c.IDs) > 0 {
			roleID = c.IDs[0]
		}
		if roleID != "" {
			set(KeyUserID, roleID+":"+session)
		}
	case isARN && strings.HasPrefix(res, "user/"):
		set(KeyPrincipalArn, c.ARN)
		set(KeyPrincipalType, PrincipalTypeUser)
		set(KeyUsername, res[strings.LastIndexByte(res, '/')+1:])
		if len(c.IDs) > 0 {
			set(KeyUserID, c.IDs[0])
		}
	default:
		set(KeyPrincipalArn, c.ARN)
	}
	return m
}

// AddEncryptionContext adds kms:EncryptionContext:<key> for every pair of ec
// and kms:EncryptionContextKeys (sorted) to ctx. Nothing is added for an
// empty encryption context, so conditions see the keys as absent.
func AddEncryptionContext(ctx map[string][]string, ec map[string]string) {
	if len(ec) == 0 {
		return
	}
	keys := make([]string, 0, len(ec))
	for k, v := range ec {
		keys = append(keys, k)
		ctx[KeyEncryptionContextPrefix+k] = []string{v}
	}
	slices.Sort(keys)
	ctx[KeyEncryptionContextKeys] = keys
}

// NewRequest returns a Request for c with ContextFor(c) as its context.
func NewRequest(action, resource string, c Caller, now time.Time) *Request {
	return &Request{Action: action, Resource: resource, Caller: c, Context: ContextFor(c), Now: now}
}

// Set sets a context key, replacing any values it had, and returns r.
func (r *Request) Set(key string, values ...string) *Request {
	if r.Context == nil {
		r.Context = map[string][]string{}
	}
	r.Context[key] = values
	return r
}
