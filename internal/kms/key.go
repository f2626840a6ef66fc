package kms

import (
	"time"
)

// State is a key state as AWS KMS names it.
type State string

// Key states. Only Enabled, Disabled and PendingDeletion are reachable for
// AWS_KMS-origin symmetric keys today; the others are declared so that stored
// records and error messages stay exact as more key types land.
const (
	StateEnabled         State = "Enabled"
	StateDisabled        State = "Disabled"
	StatePendingDeletion State = "PendingDeletion"
	StatePendingImport   State = "PendingImport"
	StateUnavailable     State = "Unavailable"
	StateCreating        State = "Creating"
	StateUpdating        State = "Updating"
)

// Key specs, usages and origins (the subset built so far).
const (
	SpecSymmetricDefault = "SYMMETRIC_DEFAULT"
	UsageEncryptDecrypt  = "ENCRYPT_DECRYPT"
	OriginAWSKMS         = "AWS_KMS"
)

// Tag is a key tag.
type Tag struct {
	Key   string `json:"TagKey"`
	Value string `json:"TagValue"`
}

// Key is the stored record of a KMS key: metadata only. Key material lives
// in Material records, sealed.
type Key struct {
	Account string
	Region  string
	ID      string // UUID (or mrk-… later)

	Description string
	KeySpec     string
	KeyUsage    string
	Origin      string
	KeyManager  string // CUSTOMER or AWS
	State       State
	Created     time.Time

	// DeletionDate is set while State is PendingDeletion.
	DeletionDate      time.Time
	PendingWindowDays int

	Policy string
	Tags   []Tag

	RotationEnabled    bool
	RotationPeriodDays int
	NextRotation       time.Time // zero when rotation is off
	OnDemandStart      time.Time // zero unless an on-demand rotation runs
	OnDemandRotations  int
	CurrentMaterialID  string

	// Version increases with every update; UpdateKey compares it
	// (optimistic concurrency across nodes).
	Version int64
}

// ARN returns the key's ARN as AWS writes it.
func (k *Key) ARN() string { return KeyARN(k.Region, k.Account, k.ID) }

// KeyARN builds arn:aws:kms:<region>:<account>:key/<id>.
func KeyARN(region, account, id string) string {
	return "arn:aws:kms:" + region + ":" + account + ":key/" + id
}

// AliasARN builds arn:aws:kms:<region>:<account>:<alias name>.
func AliasARN(region, account, name string) string {
	return "arn:aws:kms:" + region + ":" + account + ":" + name
}

// Clone returns a deep copy, so cached records are never shared mutably.
func (k *Key) Clone() *Key {
	c := *k
	c.Tags = append([]Tag(nil), k.Tags...)
	return &c
}

// Material is one version of a key's backing material. Sealed holds the
// material sealed under the root key with the material's identity as AAD;
// storage never sees it in the clear.
type Material struct {
	Account  string
	Region   string
	KeyID    string
	ID       string // 64 hex characters, as AWS's KeyMaterialId
	Sealed   []byte
	Created  time.Time
	Rotation string // "" for the original material, else AUTOMATIC or ON_DEMAND
}

// Alias is a friendly name for a key.
type Alias struct {
	Account     string
	Region      string
	Name        string // alias/...
	TargetKeyID string
	Created     time.Time
	Updated     time.Time
}

// ARN returns the alias ARN.
func (a *Alias) ARN() string { return AliasARN(a.Region, a.Account, a.Name) }
