package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/grants"
)

// grantConstraints is the stored JSON form of grant constraints.
type grantConstraints struct {
	Equals map[string]string `json:"equals,omitempty"`
	Subset map[string]string `json:"subset,omitempty"`
}

// CreateGrant implements kms.Store.
func (s *Store) CreateGrant(ctx context.Context, g *grants.Grant) error {
	created, err := requiredTimeArg("grant creation", g.Created)
	if err != nil {
		return internal("create grant", err)
	}
	ops, err := json.Marshal(g.Operations)
	if err != nil {
		return internal("create grant", err)
	}
	var cons any
	if !g.Constraints.Empty() {
		b, err := json.Marshal(grantConstraints{Equals: g.Constraints.EncryptionContextEquals, Subset: g.Constraints.EncryptionContextSubset})
		if err != nil {
			return internal("create grant", err)
		}
		cons = string(b)
	}
	return s.write(ctx, "create grant", func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM keys WHERE account = ? AND region = ? AND id = ?`, g.Account, g.Region, g.KeyID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "key not found")
		}
		if err != nil {
			return internal("create grant", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO grants (id, account, region, key_id, name, grantee, retiring, operations, constraints, issuing_account, created)
			VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`,
			g.ID, g.Account, g.Region, g.KeyID, g.Name, g.Grantee, g.Retiring, string(ops), cons, g.IssuingAccount, created)
		if err != nil {
			return internal("create grant", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return internal("create grant", err)
		} else if n == 0 {
			return errs.E(errs.AlreadyExists, "grant already exists")
		}
		return nil
	})
}

const grantColumns = `id, account, region, key_id, name, grantee, retiring, operations, constraints, issuing_account, created`

func scanGrant(sc rowScanner) (*grants.Grant, error) {
	var (
		g       grants.Grant
		ops     string
		cons    sql.NullString
		created sql.NullInt64
	)
	if err := sc.Scan(&g.ID, &g.Account, &g.Region, &g.KeyID, &g.Name, &g.Grantee, &g.Retiring, &ops, &cons, &g.IssuingAccount, &created); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(ops), &g.Operations); err != nil {
		return nil, err
	}
	if cons.Valid {
		var c grantConstraints
		if err := json.Unmarshal([]byte(cons.String), &c); err != nil {
			return nil, err
		}
		g.Constraints = &grants.Constraints{EncryptionContextEquals: c.Equals, EncryptionContextSubset: c.Subset}
	}
	g.Created = fromNanos(created)
	return &g, nil
}

// GetGrant implements kms.Store.
func (s *Store) GetGrant(ctx context.Context, id string) (*grants.Grant, error) {
	g, err := scanGrant(s.r.QueryRowContext(ctx, `SELECT `+grantColumns+` FROM grants WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "grant not found")
	}
	if err != nil {
		return nil, internal("get grant", err)
	}
	return g, nil
}

// ListGrants implements kms.Store.
func (s *Store) ListGrants(ctx context.Context, account, region, keyID, after string, limit int) ([]*grants.Grant, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+grantColumns+` FROM grants
		WHERE account = ? AND region = ? AND key_id = ? AND id > ? ORDER BY id LIMIT ?`, account, region, keyID, after, limit)
	if err != nil {
		return nil, internal("list grants", err)
	}
	return collectGrants(rows)
}

// ListRetirableGrants implements kms.Store.
func (s *Store) ListRetirableGrants(ctx context.Context, retiring, after string, limit int) ([]*grants.Grant, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+grantColumns+` FROM grants
		WHERE retiring = ? AND id > ? ORDER BY id LIMIT ?`, retiring, after, limit)
	if err != nil {
		return nil, internal("list retirable grants", err)
	}
	return collectGrants(rows)
}

func collectGrants(rows *sql.Rows) ([]*grants.Grant, error) {
	defer rows.Close()
	var out []*grants.Grant
	for rows.Next() {
		g, err := scanGrant(rows)
		if err != nil {
			return nil, internal("scan grant", err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("list grants", err)
	}
	return out, nil
}

// DeleteGrant implements kms.Store.
func (s *Store) DeleteGrant(ctx context.Context, id string) error {
	return s.write(ctx, "delete grant", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM grants WHERE id = ?`, id)
		if err != nil {
			return internal("delete grant", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return internal("delete grant", err)
		} else if n == 0 {
			return errs.E(errs.NotFound, "grant not found")
		}
		return nil
	})
}

// UpdateGrant implements kms.Store.
func (s *Store) UpdateGrant(ctx context.Context, g *grants.Grant) error {
	return s.write(ctx, "update grant", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE grants SET grantee = ?, retiring = ? WHERE id = ?`, g.Grantee, g.Retiring, g.ID)
		if err != nil {
			return internal("update grant", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return internal("update grant", err)
		} else if n == 0 {
			return errs.E(errs.NotFound, "grant not found")
		}
		return nil
	})
}

// GrantsNaming implements kms.Store.
func (s *Store) GrantsNaming(ctx context.Context, stored string) ([]*grants.Grant, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+grantColumns+` FROM grants
		WHERE grantee = ? OR retiring = ? ORDER BY id`, stored, stored)
	if err != nil {
		return nil, internal("grants naming", err)
	}
	return collectGrants(rows)
}
