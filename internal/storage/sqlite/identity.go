package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/identity"
)

func accessKeyNotFound() error { return errs.E(errs.NotFound, "access key not found") }

const accessKeyColumns = `id, account, user_name, user_id, status, created, sealed_secret`

const getAccessKeySQL = `SELECT ` + accessKeyColumns + ` FROM access_keys WHERE id = ?`

func scanAccessKey(sc rowScanner) (*identity.AccessKey, error) {
	var (
		k       identity.AccessKey
		created sql.NullInt64
	)
	if err := sc.Scan(&k.ID, &k.Account, &k.User, &k.UserID, &k.Status, &created, &k.SealedSecret); err != nil {
		return nil, err
	}
	k.Created = fromNanos(created)
	return &k, nil
}

// CreateAccessKey stores a new access key. errs.AlreadyExists if its id is
// taken (access key ids are unique across accounts).
func (s *Store) CreateAccessKey(ctx context.Context, k *identity.AccessKey) error {
	created, err := requiredTimeArg("access key creation", k.Created)
	if err != nil {
		return internal("create access key", err)
	}
	return s.write(ctx, "create access key", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO access_keys (`+accessKeyColumns+`)
			VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`,
			k.ID, k.Account, k.User, k.UserID, k.Status, created, nonNil(k.SealedSecret))
		if err != nil {
			return internal("create access key", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return internal("create access key", err)
		} else if n == 0 {
			return errs.E(errs.AlreadyExists, "access key already exists")
		}
		return nil
	})
}

// GetAccessKey returns the access key, or errs.NotFound.
func (s *Store) GetAccessKey(ctx context.Context, id string) (*identity.AccessKey, error) {
	k, err := scanAccessKey(s.getAccessKey.QueryRowContext(ctx, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, accessKeyNotFound()
	}
	if err != nil {
		return nil, internal("get access key", err)
	}
	return k, nil
}

// ListAccessKeys returns the account's access keys ordered by creation time,
// then id. An account without keys gives an empty list, not an error.
func (s *Store) ListAccessKeys(ctx context.Context, account string) ([]*identity.AccessKey, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+accessKeyColumns+` FROM access_keys
		WHERE account = ? ORDER BY created, id`, account)
	if err != nil {
		return nil, internal("list access keys", err)
	}
	defer rows.Close()
	var out []*identity.AccessKey
	for rows.Next() {
		k, err := scanAccessKey(rows)
		if err != nil {
			return nil, internal("list access keys", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("list access keys", err)
	}
	return out, nil
}

// DeleteAccessKey removes an access key. errs.NotFound if it does not exist.
func (s *Store) DeleteAccessKey(ctx context.Context, id string) error {
	return s.write(ctx, "delete access key", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM access_keys WHERE id = ?`, id)
		if err != nil {
			return internal("delete access key", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return internal("delete access key", err)
		} else if n == 0 {
			return accessKeyNotFound()
		}
		return nil
	})
}

// UpdateAccessKeyStatus sets an access key's status. errs.NotFound if it
// does not exist.
func (s *Store) UpdateAccessKeyStatus(ctx context.Context, id, status string) error {
	return s.write(ctx, "update access key", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE access_keys SET status = ? WHERE id = ?`, status, id)
		if err != nil {
			return internal("update access key", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return internal("update access key", err)
		} else if n == 0 {
			return accessKeyNotFound()
		}
		return nil
	})
}
