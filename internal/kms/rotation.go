package kms

import (
	"context"
	"time"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
)

const day = 24 * time.Hour

// EnableKeyRotation turns on automatic rotation every period days (90–2560,
// default 365).
func (s *Service) EnableKeyRotation(ctx context.Context, c *authz.Caller, keyID string, period *int32) error {
	p := DefaultRotation
	if period != nil {
		p = int(*period)
	}
	_, err := s.mutate(ctx, c, keyID, false, "EnableKeyRotation", rotation, func(k *Key) error {
		if err := rotatable(k); err != nil {
			return err
		}
		if k.RotationEnabled && k.RotationPeriodDays == p {
			return errNoChange
		}
		k.RotationEnabled = true
		k.RotationPeriodDays = p
		k.NextRotation = s.now().UTC().Add(time.Duration(p) * day)
		return nil
	})
	return err
}

// DisableKeyRotation turns automatic rotation off.
func (s *Service) DisableKeyRotation(ctx context.Context, c *authz.Caller, keyID string) error {
	_, err := s.mutate(ctx, c, keyID, false, "DisableKeyRotation", rotation, func(k *Key) error {
		if err := rotatable(k); err != nil {
			return err
		}
		if !k.RotationEnabled {
			return errNoChange
		}
		k.RotationEnabled = false
		k.NextRotation = time.Time{}
		return nil
	})
	return err
}

// GetKeyRotationStatus returns the key; its Rotation* fields are the status.
func (s *Service) GetKeyRotationStatus(ctx context.Context, c *authz.Caller, keyID string) (*Key, error) {
	e, err := s.resolve(ctx, c, keyID, false)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "GetKeyRotationStatus", e); err != nil {
		return nil, err
	}
	if err := rotatable(e.key); err != nil {
		return nil, err
	}
	return e.key.Clone(), nil
}

// rotatable rejects keys whose material Keyward cannot rotate.
func rotatable(k *Key) error {
	if k.Origin != OriginAWSKMS {
		return errs.Ef(errs.UnsupportedOperation, "%s origin is %s which is not valid for this operation.", k.ARN(), k.Origin)
	}
	if k.KeySpec != SpecSymmetricDefault {
		return errs.E(errs.UnsupportedOperation, "")
	}
	return nil
}

// RotateKeyOnDemand rotates the key's material now. At most MaxOnDemand
// times per key.
func (s *Service) RotateKeyOnDemand(ctx context.Context, c *authz.Caller, keyID string) (*Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.resolve(ctx, c, keyID, false)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "RotateKeyOnDemand", e); err != nil {
		return nil, err
	}
	if err := checkState(e.key, rotation); err != nil {
		return nil, err
	}
	if err := rotatable(e.key); err != nil {
		return nil, err
	}
	if e.key.OnDemandRotations >= MaxOnDemand {
		return nil, errs.Ef(errs.LimitExceeded, "The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: %s", e.key.ARN())
	}
	k := e.key.Clone()
	k.OnDemandRotations++
	if err := s.rotate(ctx, k, "ON_DEMAND"); err != nil {
		return nil, err
	}
	return k, nil
}

// rotate adds new material to k (a private copy) and makes it current.
// s.mu must be held.
func (s *Service) rotate(ctx context.Context, k *Key, kind string) error {
	m, err := s.newMaterial(k, kind)
	if err != nil {
		return err
	}
	k.CurrentMaterialID = m.ID
	if kind == "AUTOMATIC" && k.RotationEnabled {
		k.NextRotation = s.now().UTC().Add(time.Duration(k.RotationPeriodDays) * day)
	}
	if err := s.store.RotateKey(ctx, k, m); err != nil {
		return err
	}
	s.putKey(k.Clone())
	return nil
}

// Rotation is one entry of ListKeyRotations.
type Rotation struct {
	MaterialID string
	Date       time.Time
	Type       string // AUTOMATIC or ON_DEMAND; "" for the original material
	Current    bool
}

// ListKeyRotations lists completed rotations (and, with all, the original
// material too), oldest first.
func (s *Service) ListKeyRotations(ctx context.Context, c *authz.Caller, keyID string, all bool, marker string, limit int) (*Key, []Rotation, string, error) {
	e, err := s.resolve(ctx, c, keyID, false)
	if err != nil {
		return nil, nil, "", err
	}
	if err := s.authorize(ctx, c, "ListKeyRotations", e); err != nil {
		return nil, nil, "", err
	}
	if err := rotatable(e.key); err != nil {
		return nil, nil, "", err
	}
	after, err := decodeMarker(marker)
	if err != nil {
		return nil, nil, "", err
	}
	ms, err := s.store.Materials(ctx, e.key.Account, e.key.Region, e.key.ID)
	if err != nil {
		return nil, nil, "", err
	}
	var out []Rotation
	for _, m := range ms {
		if m.Rotation == "" && !all {
			continue
		}
		out = append(out, Rotation{MaterialID: m.ID, Date: m.Created, Type: m.Rotation, Current: m.ID == e.key.CurrentMaterialID})
	}
	if after != "" {
		for i, r := range out {
			if r.MaterialID == after {
				out = out[i+1:]
				break
			}
		}
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = encodeMarker(out[limit-1].MaterialID)
	}
	return e.key.Clone(), out, next, nil
}
