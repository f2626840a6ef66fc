package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/identity"
)

// This file implements identity.PrincipalStore's users and roles. Deleted
// principals stay as tombstones (deleted is set): their unique IDs, still
// found in grants and policies, can be explained, and a principal
// re-created with the same name is a new row with a new ID.

func principalNotFound() error { return errs.E(errs.NotFound, "principal not found") }

const principalColumns = `id, account, kind, name, path, created, deleted, assume_role_policy,
	max_session_duration, description`

const (
	getPrincipalSQL    = `SELECT ` + principalColumns + ` FROM principals WHERE id = ?`
	principalByNameSQL = `SELECT ` + principalColumns + ` FROM principals
		WHERE account = ? AND kind = ? AND name = ? COLLATE NOCASE AND deleted IS NULL`
)

func scanPrincipal(sc rowScanner) (*identity.Principal, error) {
	var (
		p                identity.Principal
		created, deleted sql.NullInt64
		maxDuration      int64
	)
	if err := sc.Scan(&p.ID, &p.Account, &p.Kind, &p.Name, &p.Path, &created, &deleted,
		&p.AssumeRolePolicy, &maxDuration, &p.Description); err != nil {
		return nil, err
	}
	p.Created = fromNanos(created)
	p.Deleted = fromNanos(deleted)
	p.MaxSessionDuration = int(maxDuration)
	return &p, nil
}

func collectPrincipals(rows *sql.Rows, op string) ([]*identity.Principal, error) {
	defer rows.Close()
	var out []*identity.Principal
	for rows.Next() {
		p, err := scanPrincipal(rows)
		if err != nil {
			return nil, internal(op, err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(op, err)
	}
	return out, nil
}

// CreatePrincipal stores a new principal. errs.AlreadyExists if its unique
// ID is taken (in any account) or a live principal of the same kind and
// name (compared without regard to case) exists in the account.
func (s *Store) CreatePrincipal(ctx context.Context, p *identity.Principal) error {
	created, err := requiredTimeArg("principal creation", p.Created)
	if err != nil {
		return internal("create principal", err)
	}
	deleted, err := timeArg(p.Deleted)
	if err != nil {
		return internal("create principal", err)
	}
	return s.write(ctx, "create principal", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO principals (`+principalColumns+`)
			VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`,
			p.ID, p.Account, p.Kind, p.Name, p.Path, created, deleted,
			p.AssumeRolePolicy, p.MaxSessionDuration, p.Description)
		if err != nil {
			return internal("create principal", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return internal("create principal", err)
		} else if n == 0 {
			return errs.E(errs.AlreadyExists, "principal already exists")
		}
		return nil
	})
}

// GetPrincipal returns the principal with this unique ID, deleted or not,
// or errs.NotFound.
func (s *Store) GetPrincipal(ctx context.Context, id string) (*identity.Principal, error) {
	p, err := scanPrincipal(s.getPrincipal.QueryRowContext(ctx, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, principalNotFound()
	}
	if err != nil {
		return nil, internal("get principal", err)
	}
	return p, nil
}

// PrincipalByName returns the live principal of a kind and name (compared
// without regard to case), or errs.NotFound.
func (s *Store) PrincipalByName(ctx context.Context, account, kind, name string) (*identity.Principal, error) {
	p, err := scanPrincipal(s.principalByName.QueryRowContext(ctx, account, kind, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, principalNotFound()
	}
	if err != nil {
		return nil, internal("get principal", err)
	}
	return p, nil
}

// ListPrincipals returns up to limit live principals of a kind whose path
// starts with pathPrefix, ordered by name, with names after after. limit <= 0
// means no limit.
func (s *Store) ListPrincipals(ctx context.Context, account, kind, pathPrefix, after string, limit int) ([]*identity.Principal, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+principalColumns+` FROM principals
		WHERE account = ? AND kind = ? AND deleted IS NULL
			AND substr(path, 1, length(?)) = ? AND name > ?
		ORDER BY name LIMIT ?`, account, kind, pathPrefix, pathPrefix, after, limit)
	if err != nil {
		return nil, internal("list principals", err)
	}
	return collectPrincipals(rows, "list principals")
}

// UpdatePrincipal replaces a live principal's name, path, trust policy,
// maximum session duration and description; its ID, account, kind and
// creation time are kept. errs.NotFound if no live principal has p.ID;
// errs.AlreadyExists if the new name is taken.
func (s *Store) UpdatePrincipal(ctx context.Context, p *identity.Principal) error {
	return s.write(ctx, "update principal", func(tx *sql.Tx) error {
		// OR IGNORE: a name collision skips the row instead of failing.
		res, err := tx.ExecContext(ctx, `UPDATE OR IGNORE principals SET
			name = ?, path = ?, assume_role_policy = ?, max_session_duration = ?, description = ?
			WHERE id = ? AND deleted IS NULL`,
			p.Name, p.Path, p.AssumeRolePolicy, p.MaxSessionDuration, p.Description, p.ID)
		if err != nil {
			return internal("update principal", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return internal("update principal", err)
		}
		if n == 1 {
			return nil
		}
		if err := liveIn(ctx, tx, p.ID); err != nil {
			return err
		}
		return errs.E(errs.AlreadyExists, "principal already exists")
	})
}

// liveIn returns errs.NotFound unless, inside tx, a live principal has id.
func liveIn(ctx context.Context, tx *sql.Tx, id string) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM principals WHERE id = ? AND deleted IS NULL`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return principalNotFound()
	}
	if err != nil {
		return internal("find principal", err)
	}
	return nil
}

// existsIn reports, inside tx, whether query (a SELECT 1 …) finds a row.
func existsIn(ctx context.Context, tx *sql.Tx, query string, args ...any) (bool, error) {
	var one int
	err := tx.QueryRowContext(ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// DeletePrincipal marks a live principal deleted at the given time; the row
// stays for GetPrincipal and PrincipalsByARN. errs.NotFound if no live
// principal has this ID; errs.DeleteConflict (with IAM's message) while it
// has inline policies, attached policies or access keys.
func (s *Store) DeletePrincipal(ctx context.Context, id string, at time.Time) error {
	when, err := requiredTimeArg("principal deletion", at)
	if err != nil {
		return internal("delete principal", err)
	}
	return s.write(ctx, "delete principal", func(tx *sql.Tx) error {
		if err := liveIn(ctx, tx, id); err != nil {
			return err
		}
		for _, c := range []struct{ query, msg string }{
			{`SELECT 1 FROM access_keys WHERE user_id = ? LIMIT 1`, "Cannot delete entity, must delete access keys first."},
			{`SELECT 1 FROM inline_policies WHERE principal_id = ? LIMIT 1`, "Cannot delete entity, must delete policies first."},
			{`SELECT 1 FROM policy_attachments WHERE principal_id = ? LIMIT 1`, "Cannot delete entity, must detach all policies first."},
		} {
			found, err := existsIn(ctx, tx, c.query, id)
			if err != nil {
				return internal("delete principal", err)
			}
			if found {
				return errs.E(errs.DeleteConflict, c.msg)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE principals SET deleted = ? WHERE id = ?`, when, id); err != nil {
			return internal("delete principal", err)
		}
		return nil
	})
}

// PrincipalsByARN returns every principal, live or deleted, that has had
// exactly this account, kind, path and name, newest first.
func (s *Store) PrincipalsByARN(ctx context.Context, account, kind, path, name string) ([]*identity.Principal, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+principalColumns+` FROM principals
		WHERE account = ? AND kind = ? AND name = ? AND path = ?
		ORDER BY created DESC, rowid DESC`, account, kind, name, path)
	if err != nil {
		return nil, internal("principals by ARN", err)
	}
	return collectPrincipals(rows, "principals by ARN")
}
