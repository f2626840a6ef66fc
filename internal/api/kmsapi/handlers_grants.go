package kmsapi

import (
	"context"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/awsproto/awsjson"
	"github.com/keyward/keyward/internal/grants"
	"github.com/keyward/keyward/internal/kms"
)

func constraintsIn(c *GrantConstraints) *grants.Constraints {
	if c == nil || (c.EncryptionContextEquals == nil && c.EncryptionContextSubset == nil) {
		return nil
	}
	return &grants.Constraints{EncryptionContextEquals: c.EncryptionContextEquals, EncryptionContextSubset: c.EncryptionContextSubset}
}

func (h *handlers) createGrant(ctx context.Context, c *authz.Caller, in *CreateGrantRequest) (any, error) {
	id, token, err := h.svc.CreateGrant(ctx, c, kms.CreateGrantInput{
		KeyID:       str(in.KeyId),
		Grantee:     str(in.GranteePrincipal),
		Retiring:    str(in.RetiringPrincipal),
		Operations:  in.Operations,
		Constraints: constraintsIn(in.Constraints),
		GrantTokens: in.GrantTokens,
		Name:        str(in.Name),
		DryRun:      flag(in.DryRun),
	})
	if err != nil {
		return nil, err
	}
	return &CreateGrantResponse{GrantId: ptr(id), GrantToken: ptr(token)}, nil
}

func grantEntries(vs []kms.GrantView) []GrantListEntry {
	out := make([]GrantListEntry, 0, len(vs))
	for _, v := range vs {
		e := GrantListEntry{
			KeyId:            ptr(v.KeyARN),
			GrantId:          ptr(v.ID),
			CreationDate:     awsjson.NewTime(v.Created),
			GranteePrincipal: ptr(v.Grantee),
			IssuingAccount:   ptr("arn:aws:iam::" + v.IssuingAccount + ":root"),
			Operations:       v.Operations,
		}
		if v.Name != "" {
			e.Name = ptr(v.Name)
		}
		if v.Retiring != "" {
			e.RetiringPrincipal = ptr(v.Retiring)
		}
		if !v.Constraints.Empty() {
			e.Constraints = &GrantConstraints{
				EncryptionContextEquals: v.Constraints.EncryptionContextEquals,
				EncryptionContextSubset: v.Constraints.EncryptionContextSubset,
			}
		}
		out = append(out, e)
	}
	return out
}

func (h *handlers) listGrants(ctx context.Context, c *authz.Caller, in *ListGrantsRequest) (any, error) {
	vs, next, err := h.svc.ListGrants(ctx, c, str(in.KeyId), str(in.GrantId), str(in.GranteePrincipal), str(in.Marker), limitOf(in.Limit, 50))
	if err != nil {
		return nil, err
	}
	out := &ListGrantsResponse{Grants: grantEntries(vs)}
	out.Truncated, out.NextMarker = page(next)
	return out, nil
}

func (h *handlers) listRetirableGrants(ctx context.Context, c *authz.Caller, in *ListRetirableGrantsRequest) (any, error) {
	vs, next, err := h.svc.ListRetirableGrants(ctx, c, str(in.RetiringPrincipal), str(in.Marker), limitOf(in.Limit, 50))
	if err != nil {
		return nil, err
	}
	out := &ListGrantsResponse{Grants: grantEntries(vs)}
	out.Truncated, out.NextMarker = page(next)
	return out, nil
}

func (h *handlers) retireGrant(ctx context.Context, c *authz.Caller, in *RetireGrantRequest) (any, error) {
	return nil, h.svc.RetireGrant(ctx, c, str(in.GrantToken), str(in.KeyId), str(in.GrantId), flag(in.DryRun))
}

func (h *handlers) revokeGrant(ctx context.Context, c *authz.Caller, in *RevokeGrantRequest) (any, error) {
	return nil, h.svc.RevokeGrant(ctx, c, str(in.KeyId), str(in.GrantId), flag(in.DryRun))
}
