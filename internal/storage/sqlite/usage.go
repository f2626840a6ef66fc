package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/kms"
)

// PutKeyUsage implements kms.Store: upserts each key's last use, keeping a
// later stored use over an earlier one; uses of deleted keys are dropped.
func (s *Store) PutKeyUsage(ctx context.Context, us []kms.Usage) error {
	if len(us) == 0 {
		return nil
	}
	return s.write(ctx, "put key usage", func(tx *sql.Tx) error {
		for _, u := range us {
			used, err := requiredTimeArg("key usage", u.Time)
			if err != nil {
				return internal("put key usage", err)
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO key_usage (account, region, key_id, operation, used, event_id, request_id)
				SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM keys WHERE account = ? AND region = ? AND id = ?)
				ON CONFLICT (account, region, key_id) DO UPDATE SET
					operation = excluded.operation, used = excluded.used, event_id = excluded.event_id, request_id = excluded.request_id
				WHERE excluded.used >= key_usage.used`,
				u.Account, u.Region, u.KeyID, u.Operation, used, u.EventID, u.RequestID, u.Account, u.Region, u.KeyID)
			if err != nil {
				return internal("put key usage", err)
			}
		}
		return nil
	})
}

// GetKeyUsage implements kms.Store.
func (s *Store) GetKeyUsage(ctx context.Context, account, region, keyID string) (*kms.Usage, error) {
	u := kms.Usage{Account: account, Region: region, KeyID: keyID}
	var used sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT operation, used, event_id, request_id FROM key_usage
		WHERE account = ? AND region = ? AND key_id = ?`, account, region, keyID).Scan(&u.Operation, &used, &u.EventID, &u.RequestID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "no recorded use")
	}
	if err != nil {
		return nil, internal("get key usage", err)
	}
	u.Time = fromNanos(used)
	return &u, nil
}
