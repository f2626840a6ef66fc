package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/identity"
)

// This file implements identity.PrincipalStore's inline policies, customer
// managed policies with their versions, and attachments.

func inlinePolicyNotFound() error  { return errs.E(errs.NotFound, "inline policy not found") }
func managedPolicyNotFound() error { return errs.E(errs.NotFound, "managed policy not found") }

// PutInlinePolicy creates or replaces an inline policy. errs.NotFound if
// its principal does not exist or is deleted.
func (s *Store) PutInlinePolicy(ctx context.Context, p *identity.InlinePolicy) error {
	return s.write(ctx, "put inline policy", func(tx *sql.Tx) error {
		if err := liveIn(ctx, tx, p.PrincipalID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO inline_policies (principal_id, name, document)
			VALUES (?,?,?) ON CONFLICT (principal_id, name) DO UPDATE SET document = excluded.document`,
			p.PrincipalID, p.Name, p.Document); err != nil {
			return internal("put inline policy", err)
		}
		return nil
	})
}

// GetInlinePolicy returns an inline policy, or errs.NotFound.
func (s *Store) GetInlinePolicy(ctx context.Context, principalID, name string) (*identity.InlinePolicy, error) {
	p := identity.InlinePolicy{PrincipalID: principalID, Name: name}
	err := s.r.QueryRowContext(ctx, `SELECT document FROM inline_policies WHERE principal_id = ? AND name = ?`,
		principalID, name).Scan(&p.Document)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, inlinePolicyNotFound()
	}
	if err != nil {
		return nil, internal("get inline policy", err)
	}
	return &p, nil
}

// ListInlinePolicies returns a principal's inline policies ordered by name;
// none (not an error) for an unknown principal.
func (s *Store) ListInlinePolicies(ctx context.Context, principalID string) ([]*identity.InlinePolicy, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, document FROM inline_policies
		WHERE principal_id = ? ORDER BY name`, principalID)
	if err != nil {
		return nil, internal("list inline policies", err)
	}
	defer rows.Close()
	var out []*identity.InlinePolicy
	for rows.Next() {
		p := &identity.InlinePolicy{PrincipalID: principalID}
		if err := rows.Scan(&p.Name, &p.Document); err != nil {
			return nil, internal("list inline policies", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("list inline policies", err)
	}
	return out, nil
}

// DeleteInlinePolicy removes an inline policy, or gives errs.NotFound.
func (s *Store) DeleteInlinePolicy(ctx context.Context, principalID, name string) error {
	return s.write(ctx, "delete inline policy", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM inline_policies WHERE principal_id = ? AND name = ?`, principalID, name)
		if err != nil {
			return internal("delete inline policy", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return internal("delete inline policy", err)
		} else if n == 0 {
			return inlinePolicyNotFound()
		}
		return nil
	})
}

const managedColumns = `id, account, name, path, description, default_version, created, updated`

// CreateManagedPolicy stores a managed policy with its versions.
// errs.AlreadyExists if its ID is taken (in any account), the account has
// a policy of that name (on any path, compared without regard to case), or
// two versions share an ID.
func (s *Store) CreateManagedPolicy(ctx context.Context, p *identity.ManagedPolicy) error {
	created, err := requiredTimeArg("policy creation", p.Created)
	if err != nil {
		return internal("create managed policy", err)
	}
	updated, err := timeArg(p.Updated)
	if err != nil {
		return internal("create managed policy", err)
	}
	if err := distinctVersions(p); err != nil {
		return err
	}
	return s.write(ctx, "create managed policy", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO managed_policies (`+managedColumns+`, arn)
			VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`,
			p.ID, p.Account, p.Name, p.Path, p.Description, p.DefaultVersion, created, updated, p.ARN())
		if err != nil {
			return internal("create managed policy", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return internal("create managed policy", err)
		} else if n == 0 {
			return errs.E(errs.AlreadyExists, "managed policy already exists")
		}
		return insertVersions(ctx, tx, p)
	})
}

func distinctVersions(p *identity.ManagedPolicy) error {
	seen := make(map[string]bool, len(p.Versions))
	for _, v := range p.Versions {
		if seen[v.ID] {
			return errs.E(errs.AlreadyExists, "policy version already exists")
		}
		seen[v.ID] = true
	}
	return nil
}

func insertVersions(ctx context.Context, tx *sql.Tx, p *identity.ManagedPolicy) error {
	for i, v := range p.Versions {
		created, err := requiredTimeArg("policy version creation", v.Created)
		if err != nil {
			return internal("store policy version", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO policy_versions (policy_id, ord, id, document, created)
			VALUES (?,?,?,?,?)`, p.ID, i, v.ID, v.Document, created); err != nil {
			return internal("store policy version", err)
		}
	}
	return nil
}

// getManagedSQL reads a policy and its versions in one statement, so in one
// snapshot: a policy without versions gives one row of NULL version columns.
const getManagedSQL = `SELECT mp.id, mp.account, mp.name, mp.path, mp.description, mp.default_version,
		mp.created, mp.updated, v.id, v.document, v.created
	FROM managed_policies mp LEFT JOIN policy_versions v ON v.policy_id = mp.id
	WHERE mp.account = ? AND mp.path = ? AND mp.name = ?
	ORDER BY v.ord`

// GetManagedPolicy returns a managed policy with its versions, oldest
// first, or errs.NotFound.
func (s *Store) GetManagedPolicy(ctx context.Context, account, path, name string) (*identity.ManagedPolicy, error) {
	rows, err := s.r.QueryContext(ctx, getManagedSQL, account, path, name)
	if err != nil {
		return nil, internal("get managed policy", err)
	}
	defer rows.Close()
	var p *identity.ManagedPolicy
	for rows.Next() {
		var (
			mp               identity.ManagedPolicy
			created, updated sql.NullInt64
			vid, vdoc        sql.NullString
			vcreated         sql.NullInt64
		)
		if err := rows.Scan(&mp.ID, &mp.Account, &mp.Name, &mp.Path, &mp.Description, &mp.DefaultVersion,
			&created, &updated, &vid, &vdoc, &vcreated); err != nil {
			return nil, internal("get managed policy", err)
		}
		if p == nil {
			mp.Created, mp.Updated = fromNanos(created), fromNanos(updated)
			p = &mp
		}
		if vid.Valid {
			p.Versions = append(p.Versions, identity.PolicyVersion{ID: vid.String, Document: vdoc.String, Created: fromNanos(vcreated)})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, internal("get managed policy", err)
	}
	if p == nil {
		return nil, managedPolicyNotFound()
	}
	return p, nil
}

// ListManagedPolicies returns up to limit managed policies of the account
// whose path starts with pathPrefix, ordered by name, with names after
// after, each with its versions. limit <= 0 means no limit.
func (s *Store) ListManagedPolicies(ctx context.Context, account, pathPrefix, after string, limit int) ([]*identity.ManagedPolicy, error) {
	if limit <= 0 {
		limit = -1
	}
	// One read transaction: the policies and their versions from one snapshot.
	tx, err := s.r.BeginTx(ctx, nil)
	if err != nil {
		return nil, internal("list managed policies", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+managedColumns+` FROM managed_policies
		WHERE account = ? AND substr(path, 1, length(?)) = ? AND name > ?
		ORDER BY name LIMIT ?`, account, pathPrefix, pathPrefix, after, limit)
	if err != nil {
		return nil, internal("list managed policies", err)
	}
	var out []*identity.ManagedPolicy
	byID := map[string]*identity.ManagedPolicy{}
	for rows.Next() {
		var (
			p                identity.ManagedPolicy
			created, updated sql.NullInt64
		)
		if err := rows.Scan(&p.ID, &p.Account, &p.Name, &p.Path, &p.Description, &p.DefaultVersion, &created, &updated); err != nil {
			rows.Close()
			return nil, internal("list managed policies", err)
		}
		p.Created, p.Updated = fromNanos(created), fromNanos(updated)
		out = append(out, &p)
		byID[p.ID] = &p
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, internal("list managed policies", err)
	}
	for _, p := range out {
		vrows, err := tx.QueryContext(ctx, `SELECT id, document, created FROM policy_versions
			WHERE policy_id = ? ORDER BY ord`, p.ID)
		if err != nil {
			return nil, internal("list managed policies", err)
		}
		for vrows.Next() {
			var (
				v       identity.PolicyVersion
				created sql.NullInt64
			)
			if err := vrows.Scan(&v.ID, &v.Document, &created); err != nil {
				vrows.Close()
				return nil, internal("list managed policies", err)
			}
			v.Created = fromNanos(created)
			byID[p.ID].Versions = append(byID[p.ID].Versions, v)
		}
		vrows.Close()
		if err := vrows.Err(); err != nil {
			return nil, internal("list managed policies", err)
		}
	}
	return out, nil
}

// UpdateManagedPolicy replaces a managed policy's description, default
// version, update time and versions. errs.NotFound if no policy has p.ID in
// p.Account; errs.AlreadyExists if two versions share an ID.
func (s *Store) UpdateManagedPolicy(ctx context.Context, p *identity.ManagedPolicy) error {
	updated, err := timeArg(p.Updated)
	if err != nil {
		return internal("update managed policy", err)
	}
	if err := distinctVersions(p); err != nil {
		return err
	}
	return s.write(ctx, "update managed policy", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE managed_policies SET description = ?, default_version = ?, updated = ?
			WHERE id = ? AND account = ?`, p.Description, p.DefaultVersion, updated, p.ID, p.Account)
		if err != nil {
			return internal("update managed policy", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return internal("update managed policy", err)
		} else if n == 0 {
			return managedPolicyNotFound()
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM policy_versions WHERE policy_id = ?`, p.ID); err != nil {
			return internal("update managed policy", err)
		}
		return insertVersions(ctx, tx, p)
	})
}

// DeleteManagedPolicy removes a managed policy and its versions.
// errs.NotFound if it does not exist; errs.DeleteConflict while it is
// attached to a user or role.
func (s *Store) DeleteManagedPolicy(ctx context.Context, account, path, name string) error {
	return s.write(ctx, "delete managed policy", func(tx *sql.Tx) error {
		var id, arn string
		err := tx.QueryRowContext(ctx, `SELECT id, arn FROM managed_policies WHERE account = ? AND path = ? AND name = ?`,
			account, path, name).Scan(&id, &arn)
		if errors.Is(err, sql.ErrNoRows) {
			return managedPolicyNotFound()
		}
		if err != nil {
			return internal("delete managed policy", err)
		}
		attached, err := existsIn(ctx, tx, `SELECT 1 FROM policy_attachments WHERE policy_arn = ? LIMIT 1`, arn)
		if err != nil {
			return internal("delete managed policy", err)
		}
		if attached {
			return errs.E(errs.DeleteConflict, "Cannot delete a policy attached to entities.")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM managed_policies WHERE id = ?`, id); err != nil {
			return internal("delete managed policy", err)
		}
		return nil
	})
}

// AttachPolicy attaches the managed policy with this ARN to a principal.
// errs.NotFound if the principal is missing or deleted, or no managed
// policy has this ARN; errs.AlreadyExists if it is attached already.
func (s *Store) AttachPolicy(ctx context.Context, principalID, policyARN string) error {
	return s.write(ctx, "attach policy", func(tx *sql.Tx) error {
		if err := liveIn(ctx, tx, principalID); err != nil {
			return err
		}
		found, err := existsIn(ctx, tx, `SELECT 1 FROM managed_policies WHERE arn = ?`, policyARN)
		if err != nil {
			return internal("attach policy", err)
		}
		if !found {
			return managedPolicyNotFound()
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO policy_attachments (principal_id, policy_arn)
			VALUES (?,?) ON CONFLICT DO NOTHING`, principalID, policyARN)
		if err != nil {
			return internal("attach policy", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return internal("attach policy", err)
		} else if n == 0 {
			return errs.E(errs.AlreadyExists, "policy already attached")
		}
		return nil
	})
}

// DetachPolicy removes an attachment, or gives errs.NotFound.
func (s *Store) DetachPolicy(ctx context.Context, principalID, policyARN string) error {
	return s.write(ctx, "detach policy", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM policy_attachments WHERE principal_id = ? AND policy_arn = ?`,
			principalID, policyARN)
		if err != nil {
			return internal("detach policy", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return internal("detach policy", err)
		} else if n == 0 {
			return errs.E(errs.NotFound, "policy not attached")
		}
		return nil
	})
}

// AttachedPolicies returns the ARNs of the policies attached to a
// principal, sorted.
func (s *Store) AttachedPolicies(ctx context.Context, principalID string) ([]string, error) {
	return s.strings(ctx, "attached policies",
		`SELECT policy_arn FROM policy_attachments WHERE principal_id = ? ORDER BY policy_arn`, principalID)
}

// PolicyAttachments returns the IDs of the principals a policy is attached
// to, sorted.
func (s *Store) PolicyAttachments(ctx context.Context, policyARN string) ([]string, error) {
	return s.strings(ctx, "policy attachments",
		`SELECT principal_id FROM policy_attachments WHERE policy_arn = ? ORDER BY principal_id`, policyARN)
}

// strings runs a one-column query on the read pool.
func (s *Store) strings(ctx context.Context, op, query string, args ...any) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, internal(op, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, internal(op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(op, err)
	}
	return out, nil
}
