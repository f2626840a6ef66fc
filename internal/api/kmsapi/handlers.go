package kmsapi

import (
	"context"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/awsproto/awsjson"
	"github.com/keyward/keyward/internal/kms"
)

type handlers struct{ svc *kms.Service }

// table is the KMS operation table: one row per built operation.
func (h *handlers) table() []awsjson.Operation {
	return []awsjson.Operation{
		op("CreateKey", policyBody, false, h.createKey),
		op("DescribeKey", smallBody, true, h.describeKey),
		op("ListKeys", smallBody, true, h.listKeys),
		op("EnableKey", smallBody, false, h.enableKey),
		op("DisableKey", smallBody, false, h.disableKey),
		op("ScheduleKeyDeletion", smallBody, false, h.scheduleKeyDeletion),
		op("CancelKeyDeletion", smallBody, false, h.cancelKeyDeletion),
		op("UpdateKeyDescription", smallBody, false, h.updateKeyDescription),
		op("TagResource", smallBody, false, h.tagResource),
		op("UntagResource", smallBody, false, h.untagResource),
		op("ListResourceTags", smallBody, true, h.listResourceTags),
		op("GetKeyPolicy", smallBody, true, h.getKeyPolicy),
		op("PutKeyPolicy", policyBody, false, h.putKeyPolicy),
		op("ListKeyPolicies", smallBody, true, h.listKeyPolicies),
		op("Encrypt", smallBody, true, h.encrypt),
		op("Decrypt", smallBody, true, h.decrypt),
		op("ReEncrypt", smallBody, true, h.reEncrypt),
		op("GenerateDataKey", smallBody, true, h.generateDataKey),
		op("GenerateDataKeyWithoutPlaintext", smallBody, true, h.generateDataKeyWithoutPlaintext),
		op("GenerateRandom", smallBody, true, h.generateRandom),
		op("CreateAlias", smallBody, false, h.createAlias),
		op("UpdateAlias", smallBody, false, h.updateAlias),
		op("DeleteAlias", smallBody, false, h.deleteAlias),
		op("ListAliases", smallBody, true, h.listAliases),
		op("EnableKeyRotation", smallBody, false, h.enableKeyRotation),
		op("DisableKeyRotation", smallBody, false, h.disableKeyRotation),
		op("GetKeyRotationStatus", smallBody, true, h.getKeyRotationStatus),
		op("RotateKeyOnDemand", smallBody, false, h.rotateKeyOnDemand),
		op("ListKeyRotations", smallBody, true, h.listKeyRotations),
		op("CreateGrant", smallBody, false, h.createGrant),
		op("ListGrants", smallBody, true, h.listGrants),
		op("ListRetirableGrants", smallBody, true, h.listRetirableGrants),
		op("RetireGrant", smallBody, false, h.retireGrant),
		op("RevokeGrant", smallBody, false, h.revokeGrant),
		op("GetKeyLastUsage", smallBody, true, h.getKeyLastUsage),
	}
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

func flag(p *bool) bool { return p != nil && *p }

func limitOf(p *int32, def int) int {
	if p == nil {
		return def
	}
	return int(*p)
}

// page fills the Truncated/NextMarker pair.
func page(next string) (*bool, *string) {
	if next == "" {
		return ptr(false), nil
	}
	return ptr(true), &next
}

func keyMetadata(k *kms.Key) *KeyMetadata {
	m := &KeyMetadata{
		AWSAccountId:          ptr(k.Account),
		KeyId:                 ptr(k.ID),
		Arn:                   ptr(k.ARN()),
		CreationDate:          awsjson.NewTime(k.Created),
		Enabled:               ptr(k.State == kms.StateEnabled),
		Description:           ptr(k.Description),
		KeyUsage:              ptr(k.KeyUsage),
		KeyState:              ptr(string(k.State)),
		DeletionDate:          awsjson.NewTime(k.DeletionDate),
		Origin:                ptr(k.Origin),
		KeyManager:            ptr(k.KeyManager),
		CustomerMasterKeySpec: ptr(k.KeySpec),
		KeySpec:               ptr(k.KeySpec),
		MultiRegion:           ptr(false),
	}
	if k.KeySpec == kms.SpecSymmetricDefault {
		m.EncryptionAlgorithms = []string{kms.AlgSymmetricDefault}
	}
	if k.State == kms.StatePendingDeletion {
		m.PendingDeletionWindowInDays = ptr(int32(k.PendingWindowDays))
	}
	if k.CurrentMaterialID != "" {
		m.CurrentKeyMaterialId = ptr(k.CurrentMaterialID)
	}
	return m
}

func tagsIn(ts []Tag) []kms.Tag {
	out := make([]kms.Tag, 0, len(ts))
	for _, t := range ts {
		out = append(out, kms.Tag{Key: str(t.TagKey), Value: str(t.TagValue)})
	}
	return out
}

func (h *handlers) createKey(ctx context.Context, c *authz.Caller, in *CreateKeyRequest) (any, error) {
	spec := str(in.KeySpec)
	if spec == "" {
		spec = str(in.CustomerMasterKeySpec)
	}
	k, err := h.svc.CreateKey(ctx, c, kms.CreateKeyInput{
		Description:      str(in.Description),
		KeySpec:          spec,
		KeyUsage:         str(in.KeyUsage),
		Origin:           str(in.Origin),
		Policy:           str(in.Policy),
		Bypass:           flag(in.BypassPolicyLockoutSafetyCheck),
		Tags:             tagsIn(in.Tags),
		MultiRegion:      flag(in.MultiRegion),
		CustomKeyStoreID: str(in.CustomKeyStoreId),
	})
	if err != nil {
		return nil, err
	}
	return &CreateKeyResponse{KeyMetadata: keyMetadata(k)}, nil
}

func (h *handlers) describeKey(ctx context.Context, c *authz.Caller, in *DescribeKeyRequest) (any, error) {
	k, err := h.svc.DescribeKey(ctx, c, str(in.KeyId))
	if err != nil {
		return nil, err
	}
	return &DescribeKeyResponse{KeyMetadata: keyMetadata(k)}, nil
}

func (h *handlers) listKeys(ctx context.Context, c *authz.Caller, in *ListKeysRequest) (any, error) {
	keys, next, err := h.svc.ListKeys(ctx, c, str(in.Marker), limitOf(in.Limit, 100))
	if err != nil {
		return nil, err
	}
	out := &ListKeysResponse{Keys: make([]KeyListEntry, 0, len(keys))}
	for _, k := range keys {
		out.Keys = append(out.Keys, KeyListEntry{KeyId: ptr(k.ID), KeyArn: ptr(k.ARN())})
	}
	out.Truncated, out.NextMarker = page(next)
	return out, nil
}

func (h *handlers) enableKey(ctx context.Context, c *authz.Caller, in *EnableKeyRequest) (any, error) {
	return nil, h.svc.EnableKey(ctx, c, str(in.KeyId))
}

func (h *handlers) disableKey(ctx context.Context, c *authz.Caller, in *DisableKeyRequest) (any, error) {
	return nil, h.svc.DisableKey(ctx, c, str(in.KeyId))
}

func (h *handlers) scheduleKeyDeletion(ctx context.Context, c *authz.Caller, in *ScheduleKeyDeletionRequest) (any, error) {
	w := 0
	if in.PendingWindowInDays != nil {
		w = int(*in.PendingWindowInDays)
	}
	k, err := h.svc.ScheduleKeyDeletion(ctx, c, str(in.KeyId), w, in.PendingWindowInDays != nil)
	if err != nil {
		return nil, err
	}
	return &ScheduleKeyDeletionResponse{
		KeyId:               ptr(k.ARN()),
		DeletionDate:        awsjson.NewTime(k.DeletionDate),
		KeyState:            ptr(string(k.State)),
		PendingWindowInDays: ptr(int32(k.PendingWindowDays)),
	}, nil
}

func (h *handlers) cancelKeyDeletion(ctx context.Context, c *authz.Caller, in *CancelKeyDeletionRequest) (any, error) {
	k, err := h.svc.CancelKeyDeletion(ctx, c, str(in.KeyId))
	if err != nil {
		return nil, err
	}
	return &CancelKeyDeletionResponse{KeyId: ptr(k.ARN())}, nil
}

func (h *handlers) updateKeyDescription(ctx context.Context, c *authz.Caller, in *UpdateKeyDescriptionRequest) (any, error) {
	return nil, h.svc.UpdateKeyDescription(ctx, c, str(in.KeyId), str(in.Description))
}

func (h *handlers) tagResource(ctx context.Context, c *authz.Caller, in *TagResourceRequest) (any, error) {
	return nil, h.svc.TagResource(ctx, c, str(in.KeyId), tagsIn(in.Tags))
}

func (h *handlers) untagResource(ctx context.Context, c *authz.Caller, in *UntagResourceRequest) (any, error) {
	return nil, h.svc.UntagResource(ctx, c, str(in.KeyId), in.TagKeys)
}

func (h *handlers) listResourceTags(ctx context.Context, c *authz.Caller, in *ListResourceTagsRequest) (any, error) {
	tags, next, err := h.svc.ListResourceTags(ctx, c, str(in.KeyId), str(in.Marker), limitOf(in.Limit, 50))
	if err != nil {
		return nil, err
	}
	out := &ListResourceTagsResponse{Tags: make([]Tag, 0, len(tags))}
	for _, t := range tags {
		out.Tags = append(out.Tags, Tag{TagKey: ptr(t.Key), TagValue: ptr(t.Value)})
	}
	out.Truncated, out.NextMarker = page(next)
	return out, nil
}

func (h *handlers) getKeyPolicy(ctx context.Context, c *authz.Caller, in *GetKeyPolicyRequest) (any, error) {
	name := str(in.PolicyName)
	p, err := h.svc.GetKeyPolicy(ctx, c, str(in.KeyId), name)
	if err != nil {
		return nil, err
	}
	return &GetKeyPolicyResponse{Policy: ptr(p), PolicyName: ptr("default")}, nil
}

func (h *handlers) putKeyPolicy(ctx context.Context, c *authz.Caller, in *PutKeyPolicyRequest) (any, error) {
	return nil, h.svc.PutKeyPolicy(ctx, c, str(in.KeyId), str(in.PolicyName), str(in.Policy), flag(in.BypassPolicyLockoutSafetyCheck))
}

func (h *handlers) listKeyPolicies(ctx context.Context, c *authz.Caller, in *ListKeyPoliciesRequest) (any, error) {
	names, err := h.svc.ListKeyPolicies(ctx, c, str(in.KeyId))
	if err != nil {
		return nil, err
	}
	return &ListKeyPoliciesResponse{PolicyNames: names, Truncated: ptr(false)}, nil
}
