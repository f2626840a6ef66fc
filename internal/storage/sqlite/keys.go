package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/kms"
)

// keyColumns lists the keys table's columns in the order scanKey reads and
// keyArgs writes them.
const keyColumns = `account, region, id, description, key_spec, key_usage, origin, key_manager,
	state, created, deletion_date, pending_window_days, policy, tags, rotation_enabled,
	rotation_period_days, next_rotation, on_demand_start, on_demand_rotations,
	current_material_id, version`

// storedTag is the stored form of a kms.Tag. It is separate from kms.Tag so
// that the wire format's JSON names never become the on-disk format.
type storedTag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// keyArgs returns the values of keyColumns for k, with the given version.
func keyArgs(k *kms.Key, version int64) ([]any, error) {
	created, err := requiredTimeArg("key creation", k.Created)
	if err != nil {
		return nil, err
	}
	deletion, err := timeArg(k.DeletionDate)
	if err != nil {
		return nil, fmt.Errorf("deletion date: %w", err)
	}
	next, err := timeArg(k.NextRotation)
	if err != nil {
		return nil, fmt.Errorf("next rotation: %w", err)
	}
	onDemand, err := timeArg(k.OnDemandStart)
	if err != nil {
		return nil, fmt.Errorf("on-demand rotation start: %w", err)
	}
	var tags any
	if len(k.Tags) > 0 {
		st := make([]storedTag, len(k.Tags))
		for i, t := range k.Tags {
			st[i] = storedTag{Key: t.Key, Value: t.Value}
		}
		b, err := json.Marshal(st)
		if err != nil {
			return nil, fmt.Errorf("tags: %w", err)
		}
		tags = string(b)
	}
	return []any{
		k.Account, k.Region, k.ID, k.Description, k.KeySpec, k.KeyUsage, k.Origin, k.KeyManager,
		string(k.State), created, deletion, k.PendingWindowDays, k.Policy, tags, k.RotationEnabled,
		k.RotationPeriodDays, next, onDemand, k.OnDemandRotations,
		k.CurrentMaterialID, version,
	}, nil
}

// scanKey reads one row of keyColumns.
func scanKey(sc rowScanner) (*kms.Key, error) {
	var (
		k                               kms.Key
		state                           string
		created                         int64
		deletion, next, onDemand        sql.NullInt64
		tags                            sql.NullString
		pendingDays, periodDays, onDems int64
	)
	err := sc.Scan(&k.Account, &k.Region, &k.ID, &k.Description, &k.KeySpec, &k.KeyUsage, &k.Origin,
		&k.KeyManager, &state, &created, &deletion, &pendingDays, &k.Policy, &tags, &k.RotationEnabled,
		&periodDays, &next, &onDemand, &onDems, &k.CurrentMaterialID, &k.Version)
	if err != nil {
		return nil, err
	}
	k.State = kms.State(state)
	k.Created = time.Unix(0, created).UTC()
	k.DeletionDate = fromNanos(deletion)
	k.NextRotation = fromNanos(next)
	k.OnDemandStart = fromNanos(onDemand)
	k.PendingWindowDays = int(pendingDays)
	k.RotationPeriodDays = int(periodDays)
	k.OnDemandRotations = int(onDems)
	if tags.Valid {
		var st []storedTag
		if err := json.Unmarshal([]byte(tags.String), &st); err != nil {
			return nil, fmt.Errorf("key %s: tags: %w", k.ID, err)
		}
		if len(st) > 0 {
			k.Tags = make([]kms.Tag, len(st))
			for i, t := range st {
				k.Tags[i] = kms.Tag{Key: t.Key, Value: t.Value}
			}
		}
	}
	return &k, nil
}

const getKeySQL = `SELECT ` + keyColumns + ` FROM keys WHERE account = ? AND region = ? AND id = ?`

// materialsSQL lists a key's materials in one statement, so in one snapshot:
// the LEFT JOIN yields a single row of NULLs for a key without materials and
// no row at all for a missing key.
const materialsSQL = `SELECT m.id, m.sealed, m.created, m.rotation
	FROM keys k LEFT JOIN materials m
		ON m.account = k.account AND m.region = k.region AND m.key_id = k.id
	WHERE k.account = ? AND k.region = ? AND k.id = ?
	ORDER BY m.seq`

func keyNotFound() error { return errs.E(errs.NotFound, "key not found") }

// CreateKey stores k (with its Version as given) and, if m is not nil, its
// first material, in one transaction. errs.AlreadyExists if the key id is
// taken in (account, region).
func (s *Store) CreateKey(ctx context.Context, k *kms.Key, m *kms.Material) error {
	args, err := keyArgs(k, k.Version)
	if err != nil {
		return internal("create key", err)
	}
	return s.write(ctx, "create key", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO keys (`+keyColumns+`)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`, args...)
		if err != nil {
			return internal("create key", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return internal("create key", err)
		} else if n == 0 {
			return errs.E(errs.AlreadyExists, "key already exists")
		}
		if m != nil {
			return insertMaterial(ctx, tx, k, m)
		}
		return nil
	})
}

// insertMaterial adds m to key k inside tx.
func insertMaterial(ctx context.Context, tx *sql.Tx, k *kms.Key, m *kms.Material) error {
	if m.Account != k.Account || m.Region != k.Region || m.KeyID != k.ID {
		return internal("add material", errors.New("material belongs to another key"))
	}
	created, err := requiredTimeArg("material creation", m.Created)
	if err != nil {
		return internal("add material", err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO materials (account, region, key_id, id, sealed, created, rotation)
		VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`,
		m.Account, m.Region, m.KeyID, m.ID, nonNil(m.Sealed), created, m.Rotation)
	if err != nil {
		return internal("add material", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return internal("add material", err)
	} else if n == 0 {
		return errs.E(errs.AlreadyExists, "key material already exists")
	}
	return nil
}

// GetKey returns the key, or errs.NotFound.
func (s *Store) GetKey(ctx context.Context, account, region, id string) (*kms.Key, error) {
	k, err := scanKey(s.getKey.QueryRowContext(ctx, account, region, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, keyNotFound()
	}
	if err != nil {
		return nil, internal("get key", err)
	}
	return k, nil
}

// ListKeys returns up to limit keys ordered by (created, id), strictly after
// the key named by after. limit <= 0 means no limit. errs.NotFound if after
// names no key of (account, region).
func (s *Store) ListKeys(ctx context.Context, account, region, after string, limit int) ([]*kms.Key, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+keyColumns+` FROM keys
		WHERE account = ? AND region = ? AND id > ?
		ORDER BY id LIMIT ?`, account, region, after, limit)
	if err != nil {
		return nil, internal("list keys", err)
	}
	return collectKeys(rows, "list keys")
}

func collectKeys(rows *sql.Rows, op string) ([]*kms.Key, error) {
	defer rows.Close()
	var out []*kms.Key
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, internal(op, err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(op, err)
	}
	return out, nil
}

// UpdateKey replaces the key if its stored version equals k.Version, stores
// it with version k.Version+1 and updates k.Version. errs.NotFound if the key
// does not exist, errs.Conflict if the version does not match.
func (s *Store) UpdateKey(ctx context.Context, k *kms.Key) error {
	err := s.write(ctx, "update key", func(tx *sql.Tx) error {
		return updateKey(ctx, tx, k)
	})
	if err == nil {
		k.Version++
	}
	return err
}

// RotateKey is UpdateKey plus adding m as the key's newest material, in one
// transaction: either both happen or neither does.
func (s *Store) RotateKey(ctx context.Context, k *kms.Key, m *kms.Material) error {
	if m == nil {
		return internal("rotate key", errors.New("no material"))
	}
	err := s.write(ctx, "rotate key", func(tx *sql.Tx) error {
		if err := updateKey(ctx, tx, k); err != nil {
			return err
		}
		return insertMaterial(ctx, tx, k, m)
	})
	if err == nil {
		k.Version++
	}
	return err
}

// updateKey writes k with version k.Version+1 if the stored version is
// k.Version. It does not change k.
func updateKey(ctx context.Context, tx *sql.Tx, k *kms.Key) error {
	args, err := keyArgs(k, k.Version+1)
	if err != nil {
		return internal("update key", err)
	}
	// args[3:] are the mutable columns; args[:3] the identity.
	res, err := tx.ExecContext(ctx, `UPDATE keys SET
		description = ?, key_spec = ?, key_usage = ?, origin = ?, key_manager = ?,
		state = ?, created = ?, deletion_date = ?, pending_window_days = ?, policy = ?, tags = ?,
		rotation_enabled = ?, rotation_period_days = ?, next_rotation = ?, on_demand_start = ?,
		on_demand_rotations = ?, current_material_id = ?, version = ?
		WHERE account = ? AND region = ? AND id = ? AND version = ?`,
		append(args[3:len(args):len(args)], k.Account, k.Region, k.ID, k.Version)...)
	if err != nil {
		return internal("update key", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return internal("update key", err)
	}
	if n == 1 {
		return nil
	}
	var one int
	err = tx.QueryRowContext(ctx, `SELECT 1 FROM keys WHERE account = ? AND region = ? AND id = ?`,
		k.Account, k.Region, k.ID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return keyNotFound()
	}
	if err != nil {
		return internal("update key", err)
	}
	return errs.E(errs.Conflict, "key was modified concurrently")
}

// DeleteKey removes the key, its materials and its aliases in one
// transaction. errs.NotFound if the key does not exist.
func (s *Store) DeleteKey(ctx context.Context, account, region, id string) error {
	return s.write(ctx, "delete key", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM aliases WHERE account = ? AND region = ? AND target_key_id = ?`,
			account, region, id); err != nil {
			return internal("delete key", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM materials WHERE account = ? AND region = ? AND key_id = ?`,
			account, region, id); err != nil {
			return internal("delete key", err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM keys WHERE account = ? AND region = ? AND id = ?`,
			account, region, id)
		if err != nil {
			return internal("delete key", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return internal("delete key", err)
		} else if n == 0 {
			return keyNotFound()
		}
		return nil
	})
}

// Materials returns the key's materials in insertion order, oldest first.
// errs.NotFound if the key does not exist.
func (s *Store) Materials(ctx context.Context, account, region, keyID string) ([]*kms.Material, error) {
	rows, err := s.materials.QueryContext(ctx, account, region, keyID)
	if err != nil {
		return nil, internal("list materials", err)
	}
	defer rows.Close()
	found := false
	out := []*kms.Material{}
	for rows.Next() {
		found = true
		var (
			id, rotation sql.NullString
			sealed       []byte
			created      sql.NullInt64
		)
		if err := rows.Scan(&id, &sealed, &created, &rotation); err != nil {
			return nil, internal("list materials", err)
		}
		if !id.Valid {
			continue // the key has no material
		}
		out = append(out, &kms.Material{
			Account: account, Region: region, KeyID: keyID,
			ID: id.String, Sealed: sealed, Created: fromNanos(created), Rotation: rotation.String,
		})
	}
	if err := rows.Err(); err != nil {
		return nil, internal("list materials", err)
	}
	if !found {
		return nil, keyNotFound()
	}
	return out, nil
}

// DueKeys returns the keys, of every account and region, that are pending
// deletion with a deletion date at or before now, or enabled with a next
// rotation at or before now; ordered by account, region, creation, id.
func (s *Store) DueKeys(ctx context.Context, now time.Time) ([]*kms.Key, error) {
	t, err := timeArg(now)
	if err != nil || t == nil {
		return nil, internal("due keys", fmt.Errorf("bad time %v: %v", now, err))
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+keyColumns+` FROM keys
		WHERE (state = ? AND deletion_date <= ?) OR (state = ? AND next_rotation <= ?)
		ORDER BY account, region, created, id`,
		string(kms.StatePendingDeletion), t, string(kms.StateEnabled), t)
	if err != nil {
		return nil, internal("due keys", err)
	}
	return collectKeys(rows, "due keys")
}

// AllKeys implements kms.Store: every key, in (account, region, id) order.
func (s *Store) AllKeys(ctx context.Context, afterAccount, afterRegion, afterID string, limit int) ([]*kms.Key, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+keyColumns+` FROM keys
		WHERE (account, region, id) > (?, ?, ?)
		ORDER BY account, region, id LIMIT ?`, afterAccount, afterRegion, afterID, limit)
	if err != nil {
		return nil, internal("all keys", err)
	}
	return collectKeys(rows, "all keys")
}
