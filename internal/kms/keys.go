package kms

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/crypto"
	"github.com/keyward/keyward/internal/errs"
)

// Limits AWS enforces.
const (
	MaxTagsPerKey     = 50
	MaxAliasesPerKey  = 50
	MaxOnDemand       = 25
	MaxKeyPolicyBytes = 32768
	DefaultWindowDays = 30
	DefaultRotation   = 365
)

// CreateKeyInput is CreateKey's request, already structurally validated.
type CreateKeyInput struct {
	Description      string
	KeySpec          string
	KeyUsage         string
	Origin           string
	Policy           string
	Bypass           bool
	Tags             []Tag
	MultiRegion      bool
	CustomKeyStoreID string
}

// CreateKey creates a customer managed key.
func (s *Service) CreateKey(ctx context.Context, c *authz.Caller, in CreateKeyInput) (*Key, error) {
	if in.KeySpec == "" {
		in.KeySpec = SpecSymmetricDefault
	}
	if in.KeyUsage == "" {
		if in.KeySpec != SpecSymmetricDefault {
			return nil, errs.E(errs.Validation, "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.")
		}
		in.KeyUsage = UsageEncryptDecrypt
	}
	if in.Origin == "" {
		in.Origin = OriginAWSKMS
	}
	if in.KeySpec == SpecSymmetricDefault && in.KeyUsage != UsageEncryptDecrypt {
		return nil, errs.Ef(errs.Validation, "KeyUsage %s is not compatible with KeySpec %s", in.KeyUsage, in.KeySpec)
	}
	if in.KeySpec != SpecSymmetricDefault {
		return nil, errs.Ef(errs.UnsupportedOperation, "KeySpec %s is not supported by this server yet.", in.KeySpec)
	}
	if in.Origin != OriginAWSKMS {
		return nil, errs.Ef(errs.UnsupportedOperation, "Origin %s is not supported by this server yet.", in.Origin)
	}
	if in.CustomKeyStoreID != "" {
		return nil, errs.Ef(errs.CustomKeyStoreNotFound, "Custom key store %s does not exist.", in.CustomKeyStoreID)
	}
	if in.MultiRegion {
		return nil, errs.E(errs.UnsupportedOperation, "Multi-Region keys are not supported by this server yet.")
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	id, err := newUUID()
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	k := &Key{
		Account:     c.Account,
		Region:      c.Region,
		ID:          id,
		Description: in.Description,
		KeySpec:     in.KeySpec,
		KeyUsage:    in.KeyUsage,
		Origin:      in.Origin,
		KeyManager:  "CUSTOMER",
		State:       StateEnabled,
		Created:     now,
		Tags:        dedupTags(nil, in.Tags),
	}
	// CreateKey is authorized against the account (identity policies), not a key.
	if err := s.authz.Authorize(ctx, c, "kms:CreateKey", authz.Resource{ARN: "*", Account: c.Account}); err != nil {
		return nil, err
	}
	if in.Policy == "" {
		k.Policy = DefaultKeyPolicy(c.Account)
	} else {
		if k.Policy, err = s.bindPolicy(ctx, in.Policy); err != nil {
			return nil, err
		}
		if err := s.checkLockout(ctx, c, k, k.Policy, in.Bypass); err != nil {
			return nil, err
		}
	}
	mat, err := s.newMaterial(k, "")
	if err != nil {
		return nil, err
	}
	k.CurrentMaterialID = mat.ID
	if err := s.store.CreateKey(ctx, k, mat); err != nil {
		return nil, err
	}
	audit.AddResource(ctx, audit.KeyResource(k.ARN()))
	s.putKey(k.Clone())
	return k, nil
}

// newMaterial makes and seals fresh material for k.
func (s *Service) newMaterial(k *Key, rotation string) (*Material, error) {
	raw, id, err := crypto.NewMaterial(k.KeySpec)
	if err != nil {
		return nil, err
	}
	defer clear(raw)
	m := &Material{Account: k.Account, Region: k.Region, KeyID: k.ID, ID: id, Created: s.now().UTC(), Rotation: rotation}
	m.Sealed, err = s.seal.Seal(MaterialAAD(m), raw)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "sealing key material", err)
	}
	return m, nil
}

// DescribeKey returns the key a KeyId names, in any state.
func (s *Service) DescribeKey(ctx context.Context, c *authz.Caller, keyID string) (*Key, error) {
	e, err := s.resolve(ctx, c, keyID, true)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "DescribeKey", e); err != nil {
		return nil, err
	}
	return e.key.Clone(), nil
}

// ListKeys lists the caller's keys in its region. next is "" on the last page.
func (s *Service) ListKeys(ctx context.Context, c *authz.Caller, marker string, limit int) (keys []*Key, next string, err error) {
	if err := s.authz.Authorize(ctx, c, "kms:ListKeys", authz.Resource{ARN: "*", Account: c.Account}); err != nil {
		return nil, "", err
	}
	after, err := decodeMarker(marker)
	if err != nil {
		return nil, "", err
	}
	keys, err = s.store.ListKeys(ctx, c.Account, c.Region, after, limit+1)
	if err != nil {
		return nil, "", err
	}
	if len(keys) > limit {
		keys = keys[:limit]
		next = encodeMarker(keys[limit-1].ID)
	}
	return keys, next, nil
}

// mutate runs fn on a private copy of the key and stores it. fn may return
// errNoChange to skip the write.
func (s *Service) mutate(ctx context.Context, c *authz.Caller, keyID string, allowAlias bool, action string, check stateCheck, fn func(k *Key) error) (*Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for attempt := 0; ; attempt++ {
		e, err := s.resolve(ctx, c, keyID, allowAlias)
		if err != nil {
			return nil, err
		}
		if err := s.authorize(ctx, c, action, e); err != nil {
			return nil, err
		}
		if err := checkState(e.key, check); err != nil {
			return nil, err
		}
		k := e.key.Clone()
		if err := fn(k); err != nil {
			if err == errNoChange {
				return k, nil
			}
			return nil, err
		}
		err = s.store.UpdateKey(ctx, k)
		if errs.Is(err, errs.Conflict) && attempt == 0 {
			// Another node changed the key: drop our copy and start over.
			s.Invalidate(e.key.Account, e.key.Region, e.key.ID)
			continue
		}
		if err != nil {
			return nil, err
		}
		s.putKey(k.Clone())
		return k, nil
	}
}

var errNoChange = fmt.Errorf("no change")

// EnableKey sets a key's state to Enabled.
func (s *Service) EnableKey(ctx context.Context, c *authz.Caller, keyID string) error {
	_, err := s.mutate(ctx, c, keyID, false, "EnableKey", enableLike, func(k *Key) error {
		if k.State == StateEnabled {
			return errNoChange
		}
		k.State = StateEnabled
		return nil
	})
	return err
}

// DisableKey sets a key's state to Disabled.
func (s *Service) DisableKey(ctx context.Context, c *authz.Caller, keyID string) error {
	_, err := s.mutate(ctx, c, keyID, false, "DisableKey", enableLike, func(k *Key) error {
		if k.State == StateDisabled {
			return errNoChange
		}
		k.State = StateDisabled
		return nil
	})
	return err
}

// ScheduleKeyDeletion puts a key in PendingDeletion for window days (7–30,
// 0 meaning the default 30).
func (s *Service) ScheduleKeyDeletion(ctx context.Context, c *authz.Caller, keyID string, window int, hasWindow bool) (*Key, error) {
	if !hasWindow {
		window = DefaultWindowDays
	}
	if window < 7 || window > 30 {
		return nil, errs.E(errs.Validation, "PendingWindowInDays value must be between 7 and 30 inclusive.")
	}
	return s.mutate(ctx, c, keyID, false, "ScheduleKeyDeletion", notPending, func(k *Key) error {
		if err := s.checkRecentUse(ctx, k); err != nil {
			return err
		}
		k.State = StatePendingDeletion
		k.PendingWindowDays = window
		k.DeletionDate = s.now().UTC().Add(time.Duration(window) * 24 * time.Hour)
		return nil
	})
}

// CancelKeyDeletion returns a PendingDeletion key to Disabled, as AWS does.
func (s *Service) CancelKeyDeletion(ctx context.Context, c *authz.Caller, keyID string) (*Key, error) {
	return s.mutate(ctx, c, keyID, false, "CancelKeyDeletion", pendingOnly, func(k *Key) error {
		k.State = StateDisabled
		k.PendingWindowDays = 0
		k.DeletionDate = time.Time{}
		return nil
	})
}

// UpdateKeyDescription replaces the description.
func (s *Service) UpdateKeyDescription(ctx context.Context, c *authz.Caller, keyID, desc string) error {
	_, err := s.mutate(ctx, c, keyID, false, "UpdateKeyDescription", notPending, func(k *Key) error {
		k.Description = desc
		return nil
	})
	return err
}

// TagResource adds or overwrites tags.
func (s *Service) TagResource(ctx context.Context, c *authz.Caller, keyID string, tags []Tag) error {
	if err := validateTags(tags); err != nil {
		return err
	}
	_, err := s.mutate(ctx, c, keyID, false, "TagResource", notPending, func(k *Key) error {
		merged := dedupTags(k.Tags, tags)
		if len(merged) > MaxTagsPerKey {
			return errs.E(errs.Tag, "Too many tags")
		}
		k.Tags = merged
		return nil
	})
	return err
}

// UntagResource removes tags by key; absent keys are ignored.
func (s *Service) UntagResource(ctx context.Context, c *authz.Caller, keyID string, tagKeys []string) error {
	_, err := s.mutate(ctx, c, keyID, false, "UntagResource", notPending, func(k *Key) error {
		drop := make(map[string]bool, len(tagKeys))
		for _, t := range tagKeys {
			drop[t] = true
		}
		kept := k.Tags[:0:0]
		for _, t := range k.Tags {
			if !drop[t.Key] {
				kept = append(kept, t)
			}
		}
		k.Tags = kept
		return nil
	})
	return err
}

// ListResourceTags returns a page of tags, ordered by tag key.
func (s *Service) ListResourceTags(ctx context.Context, c *authz.Caller, keyID, marker string, limit int) ([]Tag, string, error) {
	e, err := s.resolve(ctx, c, keyID, false)
	if err != nil {
		return nil, "", err
	}
	if err := s.authorize(ctx, c, "ListResourceTags", e); err != nil {
		return nil, "", err
	}
	after, err := decodeMarker(marker)
	if err != nil {
		return nil, "", err
	}
	tags := sortedTags(e.key.Tags)
	start := 0
	if after != "" {
		for start < len(tags) && tags[start].Key <= after {
			start++
		}
	}
	tags = tags[start:]
	next := ""
	if len(tags) > limit {
		tags = tags[:limit]
		next = encodeMarker(tags[limit-1].Key)
	}
	return tags, next, nil
}

// GetKeyPolicy returns the key policy; only "default" exists.
func (s *Service) GetKeyPolicy(ctx context.Context, c *authz.Caller, keyID, name string) (string, error) {
	e, err := s.resolve(ctx, c, keyID, false)
	if err != nil {
		return "", err
	}
	if err := s.authorize(ctx, c, "GetKeyPolicy", e); err != nil {
		return "", err
	}
	if name != "" && name != "default" {
		return "", errs.E(errs.NotFound, "No such policy exists")
	}
	return s.renderPolicy(ctx, e.key.Policy), nil
}

// PutKeyPolicy replaces the key policy after validating it.
func (s *Service) PutKeyPolicy(ctx context.Context, c *authz.Caller, keyID, name, policy string, bypass bool) error {
	if name != "" && name != "default" {
		return errs.E(errs.NotFound, "No such policy exists")
	}
	_, err := s.mutate(ctx, c, keyID, false, "PutKeyPolicy", anyState, func(k *Key) error {
		bound, err := s.bindPolicy(ctx, policy)
		if err != nil {
			return err
		}
		if err := s.checkLockout(ctx, c, k, bound, bypass); err != nil {
			return err
		}
		k.Policy = bound
		return nil
	})
	return err
}

// ListKeyPolicies returns ["default"] for a key that exists.
func (s *Service) ListKeyPolicies(ctx context.Context, c *authz.Caller, keyID string) ([]string, error) {
	e, err := s.resolve(ctx, c, keyID, false)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "ListKeyPolicies", e); err != nil {
		return nil, err
	}
	return []string{"default"}, nil
}

func newUUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}
