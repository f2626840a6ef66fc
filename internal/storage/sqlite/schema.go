package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// migrations are applied in order; migrations[i] takes the schema from
// version i to version i+1. Never edit a released migration: append one.
//
// Conventions: times are INTEGER Unix nanoseconds (UTC), NULL for "not set";
// every resource row is keyed by (account, region, ...); sealed values are
// BLOBs and never hold anything in the clear.
var migrations = []string{
	// 1: keys, materials, aliases, access keys, seal metadata.
	`
CREATE TABLE keys (
	account              TEXT    NOT NULL,
	region               TEXT    NOT NULL,
	id                   TEXT    NOT NULL,
	description          TEXT    NOT NULL,
	key_spec             TEXT    NOT NULL,
	key_usage            TEXT    NOT NULL,
	origin               TEXT    NOT NULL,
	key_manager          TEXT    NOT NULL,
	state                TEXT    NOT NULL,
	created              INTEGER NOT NULL,
	deletion_date        INTEGER,
	pending_window_days  INTEGER NOT NULL,
	policy               TEXT    NOT NULL,
	tags                 TEXT,             -- JSON [{"k":..,"v":..}], NULL when none
	rotation_enabled     INTEGER NOT NULL, -- 0 or 1
	rotation_period_days INTEGER NOT NULL,
	next_rotation        INTEGER,
	on_demand_start      INTEGER,
	on_demand_rotations  INTEGER NOT NULL,
	current_material_id  TEXT    NOT NULL,
	version              INTEGER NOT NULL,
	PRIMARY KEY (account, region, id)
);
CREATE INDEX keys_by_created ON keys (account, region, created, id);
CREATE INDEX keys_due_deletion ON keys (state, deletion_date);
CREATE INDEX keys_due_rotation ON keys (state, next_rotation);

CREATE TABLE materials (
	seq      INTEGER PRIMARY KEY AUTOINCREMENT, -- insertion order: oldest first
	account  TEXT    NOT NULL,
	region   TEXT    NOT NULL,
	key_id   TEXT    NOT NULL,
	id       TEXT    NOT NULL,
	sealed   BLOB    NOT NULL,
	created  INTEGER NOT NULL,
	rotation TEXT    NOT NULL,
	UNIQUE (account, region, key_id, id),
	FOREIGN KEY (account, region, key_id) REFERENCES keys (account, region, id) ON DELETE CASCADE
);

CREATE TABLE aliases (
	account       TEXT    NOT NULL,
	region        TEXT    NOT NULL,
	name          TEXT    NOT NULL,
	target_key_id TEXT    NOT NULL,
	created       INTEGER NOT NULL,
	updated       INTEGER,
	PRIMARY KEY (account, region, name),
	FOREIGN KEY (account, region, target_key_id) REFERENCES keys (account, region, id) ON DELETE CASCADE
);
CREATE INDEX aliases_by_target ON aliases (account, region, target_key_id);

CREATE TABLE access_keys (
	id            TEXT    NOT NULL PRIMARY KEY,
	account       TEXT    NOT NULL,
	user_name     TEXT    NOT NULL,
	status        TEXT    NOT NULL,
	created       INTEGER NOT NULL,
	sealed_secret BLOB    NOT NULL
);
CREATE INDEX access_keys_by_account ON access_keys (account, created, id);

CREATE TABLE meta (
	name  TEXT NOT NULL PRIMARY KEY,
	value BLOB NOT NULL
);
`,
	// 2: KMS grants.
	`
CREATE TABLE grants (
	id              TEXT    NOT NULL PRIMARY KEY,
	account         TEXT    NOT NULL,
	region          TEXT    NOT NULL,
	key_id          TEXT    NOT NULL,
	name            TEXT    NOT NULL,
	grantee         TEXT    NOT NULL,
	retiring        TEXT    NOT NULL,
	operations      TEXT    NOT NULL, -- JSON array
	constraints     TEXT,             -- JSON {"equals":{…}} or {"subset":{…}}, NULL when none
	issuing_account TEXT    NOT NULL,
	created         INTEGER NOT NULL,
	FOREIGN KEY (account, region, key_id) REFERENCES keys (account, region, id) ON DELETE CASCADE
);
CREATE INDEX grants_by_key ON grants (account, region, key_id, id);
CREATE INDEX grants_by_retiring ON grants (retiring, id);
`,
}

// SchemaVersion is the schema version this binary writes.
const SchemaVersion = 2

// migrate brings the database up to SchemaVersion in one write transaction:
// either every pending migration is applied and recorded, or none is.
func migrate(ctx context.Context, w *sql.DB) error {
	tx, err := w.BeginTx(ctx, nil) // BEGIN IMMEDIATE: one migrator at a time
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	defer tx.Rollback()

	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
	version INTEGER NOT NULL PRIMARY KEY,
	applied INTEGER NOT NULL -- Unix nanoseconds
)`); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&current); err != nil {
		return fmt.Errorf("sqlite: migrate: read schema version: %w", err)
	}
	if current > len(migrations) {
		return fmt.Errorf("sqlite: database schema version %d is newer than this binary supports (%d)", current, len(migrations))
	}
	for v := current; v < len(migrations); v++ {
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			return fmt.Errorf("sqlite: migrate to version %d: %w", v+1, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version, applied) VALUES (?, ?)`,
			v+1, time.Now().UnixNano()); err != nil {
			return fmt.Errorf("sqlite: record schema version %d: %w", v+1, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return nil
}
