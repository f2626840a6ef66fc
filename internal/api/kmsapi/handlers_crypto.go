package kmsapi

import (
	"context"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/awsproto/awsjson"
	"github.com/keyward/keyward/internal/kms"
)

func (h *handlers) encrypt(ctx context.Context, c *authz.Caller, in *EncryptRequest) (any, error) {
	s, err := h.svc.Encrypt(ctx, c, kms.CryptoInput{
		KeyID:       str(in.KeyId),
		Context:     in.EncryptionContext,
		Algorithm:   str(in.EncryptionAlgorithm),
		GrantTokens: in.GrantTokens,
		DryRun:      flag(in.DryRun),
	}, in.Plaintext)
	if err != nil {
		return nil, err
	}
	return &EncryptResponse{
		CiphertextBlob:      s.Blob,
		KeyId:               ptr(s.Key.ARN()),
		EncryptionAlgorithm: ptr(kms.AlgSymmetricDefault),
	}, nil
}

func (h *handlers) decrypt(ctx context.Context, c *authz.Caller, in *DecryptRequest) (any, error) {
	if in.Recipient != nil {
		return nil, unsupportedRecipient()
	}
	o, err := h.svc.Decrypt(ctx, c, kms.CryptoInput{
		KeyID:       str(in.KeyId),
		Context:     in.EncryptionContext,
		Algorithm:   str(in.EncryptionAlgorithm),
		GrantTokens: in.GrantTokens,
		DryRun:      flag(in.DryRun),
	}, in.CiphertextBlob)
	if err != nil {
		return nil, err
	}
	return &DecryptResponse{
		KeyId:               ptr(o.Key.ARN()),
		Plaintext:           o.Plaintext,
		EncryptionAlgorithm: ptr(kms.AlgSymmetricDefault),
		KeyMaterialId:       ptr(o.MaterialID),
	}, nil
}

func (h *handlers) reEncrypt(ctx context.Context, c *authz.Caller, in *ReEncryptRequest) (any, error) {
	r, err := h.svc.ReEncrypt(ctx, c,
		kms.CryptoInput{
			KeyID:       str(in.SourceKeyId),
			Context:     in.SourceEncryptionContext,
			Algorithm:   str(in.SourceEncryptionAlgorithm),
			GrantTokens: in.GrantTokens,
		},
		kms.CryptoInput{
			KeyID:       str(in.DestinationKeyId),
			Context:     in.DestinationEncryptionContext,
			Algorithm:   str(in.DestinationEncryptionAlgorithm),
			GrantTokens: in.GrantTokens,
			DryRun:      flag(in.DryRun),
		}, in.CiphertextBlob)
	if err != nil {
		return nil, err
	}
	return &ReEncryptResponse{
		CiphertextBlob:                 r.Dest.Blob,
		SourceKeyId:                    ptr(r.Source.Key.ARN()),
		KeyId:                          ptr(r.Dest.Key.ARN()),
		SourceEncryptionAlgorithm:      ptr(kms.AlgSymmetricDefault),
		DestinationEncryptionAlgorithm: ptr(kms.AlgSymmetricDefault),
		SourceKeyMaterialId:            ptr(r.Source.MaterialID),
		DestinationKeyMaterialId:       ptr(r.Dest.MaterialID),
	}, nil
}

func (h *handlers) generateDataKey(ctx context.Context, c *authz.Caller, in *GenerateDataKeyRequest) (any, error) {
	if in.Recipient != nil {
		return nil, unsupportedRecipient()
	}
	n, err := kms.DataKeySize(str(in.KeySpec), in.NumberOfBytes)
	if err != nil {
		return nil, err
	}
	dk, err := h.svc.GenerateDataKey(ctx, c, kms.CryptoInput{
		KeyID:       str(in.KeyId),
		Context:     in.EncryptionContext,
		GrantTokens: in.GrantTokens,
		DryRun:      flag(in.DryRun),
	}, n, true)
	if err != nil {
		return nil, err
	}
	return &GenerateDataKeyResponse{
		CiphertextBlob: dk.Blob,
		Plaintext:      dk.Plaintext,
		KeyId:          ptr(dk.Key.ARN()),
		KeyMaterialId:  ptr(dk.MaterialID),
	}, nil
}

func (h *handlers) generateDataKeyWithoutPlaintext(ctx context.Context, c *authz.Caller, in *GenerateDataKeyWithoutPlaintextRequest) (any, error) {
	n, err := kms.DataKeySize(str(in.KeySpec), in.NumberOfBytes)
	if err != nil {
		return nil, err
	}
	dk, err := h.svc.GenerateDataKey(ctx, c, kms.CryptoInput{
		KeyID:       str(in.KeyId),
		Context:     in.EncryptionContext,
		GrantTokens: in.GrantTokens,
		DryRun:      flag(in.DryRun),
	}, n, false)
	if err != nil {
		return nil, err
	}
	return &GenerateDataKeyWithoutPlaintextResponse{
		CiphertextBlob: dk.Blob,
		KeyId:          ptr(dk.Key.ARN()),
		KeyMaterialId:  ptr(dk.MaterialID),
	}, nil
}

func (h *handlers) generateRandom(ctx context.Context, c *authz.Caller, in *GenerateRandomRequest) (any, error) {
	if in.Recipient != nil {
		return nil, unsupportedRecipient()
	}
	b, err := h.svc.GenerateRandom(ctx, c, in.NumberOfBytes, str(in.CustomKeyStoreId))
	if err != nil {
		return nil, err
	}
	return &GenerateRandomResponse{Plaintext: b}, nil
}

func (h *handlers) createAlias(ctx context.Context, c *authz.Caller, in *CreateAliasRequest) (any, error) {
	return nil, h.svc.CreateAlias(ctx, c, str(in.AliasName), str(in.TargetKeyId))
}

func (h *handlers) updateAlias(ctx context.Context, c *authz.Caller, in *UpdateAliasRequest) (any, error) {
	return nil, h.svc.UpdateAlias(ctx, c, str(in.AliasName), str(in.TargetKeyId))
}

func (h *handlers) deleteAlias(ctx context.Context, c *authz.Caller, in *DeleteAliasRequest) (any, error) {
	return nil, h.svc.DeleteAlias(ctx, c, str(in.AliasName))
}

func (h *handlers) listAliases(ctx context.Context, c *authz.Caller, in *ListAliasesRequest) (any, error) {
	as, next, err := h.svc.ListAliases(ctx, c, str(in.KeyId), str(in.Marker), limitOf(in.Limit, 50))
	if err != nil {
		return nil, err
	}
	out := &ListAliasesResponse{Aliases: make([]AliasListEntry, 0, len(as))}
	for _, a := range as {
		out.Aliases = append(out.Aliases, AliasListEntry{
			AliasName:       ptr(a.Name),
			AliasArn:        ptr(a.ARN()),
			TargetKeyId:     ptr(a.TargetKeyID),
			CreationDate:    awsjson.NewTime(a.Created),
			LastUpdatedDate: awsjson.NewTime(a.Updated),
		})
	}
	out.Truncated, out.NextMarker = page(next)
	return out, nil
}

func (h *handlers) enableKeyRotation(ctx context.Context, c *authz.Caller, in *EnableKeyRotationRequest) (any, error) {
	return nil, h.svc.EnableKeyRotation(ctx, c, str(in.KeyId), in.RotationPeriodInDays)
}

func (h *handlers) disableKeyRotation(ctx context.Context, c *authz.Caller, in *DisableKeyRotationRequest) (any, error) {
	return nil, h.svc.DisableKeyRotation(ctx, c, str(in.KeyId))
}

func (h *handlers) getKeyRotationStatus(ctx context.Context, c *authz.Caller, in *GetKeyRotationStatusRequest) (any, error) {
	k, err := h.svc.GetKeyRotationStatus(ctx, c, str(in.KeyId))
	if err != nil {
		return nil, err
	}
	out := &GetKeyRotationStatusResponse{
		KeyRotationEnabled:        ptr(k.RotationEnabled),
		KeyId:                     ptr(k.ID),
		OnDemandRotationStartDate: awsjson.NewTime(k.OnDemandStart),
	}
	if k.RotationEnabled {
		out.RotationPeriodInDays = ptr(int32(k.RotationPeriodDays))
		out.NextRotationDate = awsjson.NewTime(k.NextRotation)
	}
	return out, nil
}

func (h *handlers) rotateKeyOnDemand(ctx context.Context, c *authz.Caller, in *RotateKeyOnDemandRequest) (any, error) {
	k, err := h.svc.RotateKeyOnDemand(ctx, c, str(in.KeyId))
	if err != nil {
		return nil, err
	}
	return &RotateKeyOnDemandResponse{KeyId: ptr(k.ID)}, nil
}

func (h *handlers) listKeyRotations(ctx context.Context, c *authz.Caller, in *ListKeyRotationsRequest) (any, error) {
	all := str(in.IncludeKeyMaterial) == "ALL_KEY_MATERIAL"
	k, rs, next, err := h.svc.ListKeyRotations(ctx, c, str(in.KeyId), all, str(in.Marker), limitOf(in.Limit, 100))
	if err != nil {
		return nil, err
	}
	out := &ListKeyRotationsResponse{Rotations: make([]RotationsListEntry, 0, len(rs))}
	for _, r := range rs {
		e := RotationsListEntry{KeyId: ptr(k.ID), KeyMaterialId: ptr(r.MaterialID)}
		if r.Type != "" {
			e.RotationDate = awsjson.NewTime(r.Date)
			e.RotationType = ptr(r.Type)
		}
		if r.Current {
			e.KeyMaterialState = ptr("CURRENT")
		} else {
			e.KeyMaterialState = ptr("NON_CURRENT")
		}
		out.Rotations = append(out.Rotations, e)
	}
	out.Truncated, out.NextMarker = page(next)
	return out, nil
}

func (h *handlers) getKeyLastUsage(ctx context.Context, c *authz.Caller, in *GetKeyLastUsageRequest) (any, error) {
	lu, err := h.svc.GetKeyLastUsage(ctx, c, str(in.KeyId))
	if err != nil {
		return nil, err
	}
	out := &GetKeyLastUsageResponse{
		KeyId:             ptr(lu.Key.ID),
		TrackingStartDate: awsjson.NewTime(lu.TrackingStart),
		KeyCreationDate:   awsjson.NewTime(lu.Key.Created),
	}
	if u := lu.Used; u != nil {
		out.KeyLastUsage = &KeyLastUsageData{
			Operation:         ptr(u.Operation),
			Timestamp:         awsjson.NewTime(u.Time),
			CloudTrailEventId: ptr(u.EventID),
			KmsRequestId:      ptr(u.RequestID),
		}
	}
	return out, nil
}
