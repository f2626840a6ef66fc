package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/kms"
)

func aliasNotFound() error { return errs.E(errs.NotFound, "alias not found") }

// targetExists reports, inside tx, whether the alias's target key exists.
func targetExists(ctx context.Context, tx *sql.Tx, a *kms.Alias) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM keys WHERE account = ? AND region = ? AND id = ?`,
		a.Account, a.Region, a.TargetKeyID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.E(errs.NotFound, "alias target key not found")
	}
	if err != nil {
		return internal("alias target", err)
	}
	return nil
}

// CreateAlias stores a new alias. errs.AlreadyExists if the name is taken in
// (account, region); errs.NotFound if the target key does not exist there.
func (s *Store) CreateAlias(ctx context.Context, a *kms.Alias) error {
	created, err := requiredTimeArg("alias creation", a.Created)
	if err != nil {
		return internal("create alias", err)
	}
	updated, err := timeArg(a.Updated)
	if err != nil {
		return internal("create alias", err)
	}
	return s.write(ctx, "create alias", func(tx *sql.Tx) error {
		if err := targetExists(ctx, tx, a); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO aliases (account, region, name, target_key_id, created, updated)
			VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING`,
			a.Account, a.Region, a.Name, a.TargetKeyID, created, updated)
		if err != nil {
			return internal("create alias", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return internal("create alias", err)
		} else if n == 0 {
			return errs.E(errs.AlreadyExists, "alias already exists")
		}
		return nil
	})
}

const aliasColumns = `account, region, name, target_key_id, created, updated`

const getAliasSQL = `SELECT ` + aliasColumns + ` FROM aliases WHERE account = ? AND region = ? AND name = ?`

func scanAlias(sc rowScanner) (*kms.Alias, error) {
	var (
		a       kms.Alias
		created sql.NullInt64
		updated sql.NullInt64
	)
	if err := sc.Scan(&a.Account, &a.Region, &a.Name, &a.TargetKeyID, &created, &updated); err != nil {
		return nil, err
	}
	a.Created = fromNanos(created)
	a.Updated = fromNanos(updated)
	return &a, nil
}

// GetAlias returns the alias, or errs.NotFound.
func (s *Store) GetAlias(ctx context.Context, account, region, name string) (*kms.Alias, error) {
	a, err := scanAlias(s.getAlias.QueryRowContext(ctx, account, region, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, aliasNotFound()
	}
	if err != nil {
		return nil, internal("get alias", err)
	}
	return a, nil
}

// UpdateAlias points an existing alias at a.TargetKeyID and sets its Updated
// time; Created is kept. errs.NotFound if the alias or the target key does
// not exist.
func (s *Store) UpdateAlias(ctx context.Context, a *kms.Alias) error {
	updated, err := timeArg(a.Updated)
	if err != nil {
		return internal("update alias", err)
	}
	return s.write(ctx, "update alias", func(tx *sql.Tx) error {
		if err := targetExists(ctx, tx, a); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE aliases SET target_key_id = ?, updated = ?
			WHERE account = ? AND region = ? AND name = ?`,
			a.TargetKeyID, updated, a.Account, a.Region, a.Name)
		if err != nil {
			return internal("update alias", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return internal("update alias", err)
		} else if n == 0 {
			return aliasNotFound()
		}
		return nil
	})
}

// DeleteAlias removes an alias. errs.NotFound if it does not exist.
func (s *Store) DeleteAlias(ctx context.Context, account, region, name string) error {
	return s.write(ctx, "delete alias", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM aliases WHERE account = ? AND region = ? AND name = ?`,
			account, region, name)
		if err != nil {
			return internal("delete alias", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return internal("delete alias", err)
		} else if n == 0 {
			return aliasNotFound()
		}
		return nil
	})
}

// ListAliases returns up to limit aliases of (account, region) ordered by
// name, with names strictly after after; keyID, when not empty, keeps only
// aliases targeting that key. limit <= 0 means no limit.
func (s *Store) ListAliases(ctx context.Context, account, region, keyID, after string, limit int) ([]*kms.Alias, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+aliasColumns+` FROM aliases
		WHERE account = ? AND region = ? AND name > ? AND (? = '' OR target_key_id = ?)
		ORDER BY name LIMIT ?`, account, region, after, keyID, keyID, limit)
	if err != nil {
		return nil, internal("list aliases", err)
	}
	defer rows.Close()
	var out []*kms.Alias
	for rows.Next() {
		a, err := scanAlias(rows)
		if err != nil {
			return nil, internal("list aliases", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("list aliases", err)
	}
	return out, nil
}
