package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/keyward/keyward/internal/errs"
)

const getMetaSQL = `SELECT value FROM meta WHERE name = ?`

// GetMeta returns the named value, or errs.NotFound.
func (s *Store) GetMeta(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	err := s.getMeta.QueryRowContext(ctx, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "meta value not found")
	}
	if err != nil {
		return nil, internal("get meta", err)
	}
	return nonNil(v), nil
}

// PutMeta stores value under name, replacing any previous value.
func (s *Store) PutMeta(ctx context.Context, name string, value []byte) error {
	return s.write(ctx, "put meta", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta (name, value) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, nonNil(value)); err != nil {
			return internal("put meta", err)
		}
		return nil
	})
}
