package kms

import (
	"context"
	"time"

	"github.com/keyward/keyward/internal/errs"
)

// RunDue performs every deletion and rotation that is due now.
func (s *Service) RunDue(ctx context.Context) error {
	now := s.now().UTC()
	due, err := s.store.DueKeys(ctx, now)
	if err != nil {
		return err
	}
	for _, k := range due {
		if err := s.runDue(ctx, k, now); err != nil {
			s.log.Error("scheduled key work failed", "key", k.ARN(), "err", err)
		}
	}
	return nil
}

func (s *Service) runDue(ctx context.Context, k *Key, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Re-read: the key may have changed since DueKeys.
	cur, err := s.store.GetKey(ctx, k.Account, k.Region, k.ID)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	switch {
	case cur.State == StatePendingDeletion && !cur.DeletionDate.After(now):
		if err := s.store.DeleteKey(ctx, cur.Account, cur.Region, cur.ID); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		s.Invalidate(cur.Account, cur.Region, cur.ID)
		s.log.Info("key deleted at the end of its waiting period", "key", cur.ARN())
	case cur.State == StateEnabled && cur.RotationEnabled && !cur.NextRotation.IsZero() && !cur.NextRotation.After(now):
		if err := s.rotate(ctx, cur, "AUTOMATIC"); err != nil {
			return err
		}
		s.log.Info("key rotated automatically", "key", cur.ARN())
	}
	return nil
}
