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
CREATE INDEX grants_by_grantee ON grants (grantee, id);
`,
	// 3: IAM users and roles, their inline and managed policies, STS
	// sessions; access keys name their user's unique ID.
	`
CREATE TABLE principals (
	id                   TEXT    NOT NULL PRIMARY KEY, -- AIDA…/AROA…, unique across accounts
	account              TEXT    NOT NULL,
	kind                 TEXT    NOT NULL,             -- user | role
	name                 TEXT    NOT NULL,
	path                 TEXT    NOT NULL,
	created              INTEGER NOT NULL,
	deleted              INTEGER,                      -- NULL while the principal exists
	assume_role_policy   TEXT    NOT NULL,
	max_session_duration INTEGER NOT NULL,
	description          TEXT    NOT NULL
);
-- One live principal per (account, kind, name), names compared as IAM does
-- (without regard to ASCII case); deleted ones are kept as tombstones.
CREATE UNIQUE INDEX principals_live_name ON principals (account, kind, name COLLATE NOCASE) WHERE deleted IS NULL;
CREATE INDEX principals_by_name ON principals (account, kind, name, created);

CREATE TABLE inline_policies (
	principal_id TEXT NOT NULL REFERENCES principals (id),
	name         TEXT NOT NULL,
	document     TEXT NOT NULL,
	PRIMARY KEY (principal_id, name)
);

CREATE TABLE managed_policies (
	id              TEXT    NOT NULL PRIMARY KEY, -- ANPA…, unique across accounts
	account         TEXT    NOT NULL,
	name            TEXT    NOT NULL,
	path            TEXT    NOT NULL,
	arn             TEXT    NOT NULL UNIQUE,
	description     TEXT    NOT NULL,
	default_version TEXT    NOT NULL,
	created         INTEGER NOT NULL,
	updated         INTEGER
);
CREATE UNIQUE INDEX managed_policies_name ON managed_policies (account, name COLLATE NOCASE);

CREATE TABLE policy_versions (
	policy_id TEXT    NOT NULL REFERENCES managed_policies (id) ON DELETE CASCADE,
	ord       INTEGER NOT NULL, -- position in the policy's version list, oldest first
	id        TEXT    NOT NULL,
	document  TEXT    NOT NULL,
	created   INTEGER NOT NULL,
	PRIMARY KEY (policy_id, id)
);

CREATE TABLE policy_attachments (
	principal_id TEXT NOT NULL REFERENCES principals (id),
	policy_arn   TEXT NOT NULL REFERENCES managed_policies (arn),
	PRIMARY KEY (principal_id, policy_arn)
);
CREATE INDEX policy_attachments_by_policy ON policy_attachments (policy_arn, principal_id);

CREATE TABLE sessions (
	access_key_id TEXT    NOT NULL PRIMARY KEY, -- ASIA…
	account       TEXT    NOT NULL,
	role_id       TEXT    NOT NULL REFERENCES principals (id),
	session_name  TEXT    NOT NULL,
	sealed_secret BLOB    NOT NULL,
	token_hash    BLOB    NOT NULL, -- SHA-256 of the session token; the token itself is never stored
	policy        TEXT    NOT NULL,
	policy_arns   TEXT,             -- JSON array, NULL when none
	source_ip     TEXT    NOT NULL,
	created       INTEGER NOT NULL,
	expires       INTEGER NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires);

ALTER TABLE access_keys ADD COLUMN user_id TEXT NOT NULL DEFAULT '';
CREATE INDEX access_keys_by_user ON access_keys (user_id);
`,
	// 4: last successful cryptographic use of each key (GetKeyLastUsage).
	`
CREATE TABLE key_usage (
	account    TEXT    NOT NULL,
	region     TEXT    NOT NULL,
	key_id     TEXT    NOT NULL,
	operation  TEXT    NOT NULL,
	used       INTEGER NOT NULL,
	event_id   TEXT    NOT NULL,
	request_id TEXT    NOT NULL,
	PRIMARY KEY (account, region, key_id),
	FOREIGN KEY (account, region, key_id) REFERENCES keys (account, region, id) ON DELETE CASCADE
);
`,
	// 5: SNS topics, subscriptions, the delivery queue and its records,
	// message signing keys (internal/notify).
	`
CREATE TABLE sns_topics (
	arn          TEXT    NOT NULL PRIMARY KEY,
	account      TEXT    NOT NULL,
	region       TEXT    NOT NULL,
	name         TEXT    NOT NULL,
	display_name TEXT    NOT NULL,
	tags         TEXT,             -- JSON [{"k":..,"v":..}], NULL when none
	created      INTEGER NOT NULL
);
CREATE INDEX sns_topics_by_scope ON sns_topics (account, region, arn);

CREATE TABLE sns_subscriptions (
	arn           TEXT    NOT NULL PRIMARY KEY,
	topic_arn     TEXT    NOT NULL REFERENCES sns_topics (arn) ON DELETE CASCADE,
	account       TEXT    NOT NULL,
	region        TEXT    NOT NULL,
	owner         TEXT    NOT NULL,
	protocol      TEXT    NOT NULL,
	endpoint      TEXT    NOT NULL,
	raw_delivery  INTEGER NOT NULL, -- 0 or 1
	token_hash    BLOB,             -- SHA-256 of the confirmation token; the token itself is never stored
	token_expires INTEGER,
	auth_unsub    INTEGER NOT NULL, -- 0 or 1
	created       INTEGER NOT NULL,
	confirmed     INTEGER,          -- NULL while pending confirmation
	UNIQUE (topic_arn, protocol, endpoint)
);
CREATE INDEX sns_subscriptions_by_scope ON sns_subscriptions (account, region, arn);
CREATE INDEX sns_subscriptions_by_token ON sns_subscriptions (token_hash);

-- The delivery queue and its records. Messages are sealed; no foreign key,
-- so that a record outlives its subscription.
CREATE TABLE sns_deliveries (
	id               TEXT    NOT NULL PRIMARY KEY,
	message_id       TEXT    NOT NULL,
	topic_arn        TEXT    NOT NULL,
	subscription_arn TEXT    NOT NULL,
	kind             TEXT    NOT NULL,
	protocol         TEXT    NOT NULL,
	sealed           BLOB    NOT NULL,
	state            TEXT    NOT NULL, -- pending | delivered | failed
	attempts         INTEGER NOT NULL,
	next_attempt     INTEGER,          -- pending: when due, or when the current lease ends
	last_attempt     INTEGER,
	last_status      INTEGER NOT NULL,
	last_error       TEXT    NOT NULL,
	created          INTEGER NOT NULL,
	finished         INTEGER
);
CREATE INDEX sns_deliveries_due ON sns_deliveries (state, next_attempt);
CREATE INDEX sns_deliveries_by_topic ON sns_deliveries (topic_arn, created, id);
CREATE INDEX sns_deliveries_by_finished ON sns_deliveries (finished);

CREATE TABLE sns_signing_keys (
	id          TEXT    NOT NULL PRIMARY KEY,
	sealed_key  BLOB    NOT NULL,
	certificate BLOB    NOT NULL,
	created     INTEGER NOT NULL
);
`,
	// 6: CloudWatch Logs log groups and metric filters, the metrics they
	// publish (per-minute aggregates) with the ingest's checkpoint in the
	// audit trail, CloudWatch alarms and their history (internal/alarms).
	`
CREATE TABLE log_groups (
	account TEXT    NOT NULL,
	region  TEXT    NOT NULL,
	name    TEXT    NOT NULL,
	created INTEGER NOT NULL,
	PRIMARY KEY (account, region, name)
);

CREATE TABLE metric_filters (
	account         TEXT    NOT NULL,
	region          TEXT    NOT NULL,
	log_group       TEXT    NOT NULL,
	name            TEXT    NOT NULL,
	pattern         TEXT    NOT NULL,
	transformations TEXT    NOT NULL, -- JSON [{"metricName":..,"namespace":..,"value":..,…}]
	created         INTEGER NOT NULL,
	PRIMARY KEY (account, region, log_group, name)
);

-- One row per metric, unit and minute (the minute's start).
CREATE TABLE metric_data (
	account      TEXT    NOT NULL,
	region       TEXT    NOT NULL,
	namespace    TEXT    NOT NULL,
	name         TEXT    NOT NULL,
	dims         TEXT    NOT NULL, -- alarms.DimensionsKey: JSON [[name, value], …], sorted
	unit         TEXT    NOT NULL, -- '' when none
	minute       INTEGER NOT NULL,
	sample_count REAL    NOT NULL,
	sum_value    REAL    NOT NULL,
	min_value    REAL    NOT NULL,
	max_value    REAL    NOT NULL,
	PRIMARY KEY (account, region, namespace, name, dims, minute, unit)
) WITHOUT ROWID;
CREATE INDEX metric_data_by_minute ON metric_data (minute);

-- The last audit sequence number a consumer has counted.
CREATE TABLE ingest_checkpoints (
	consumer TEXT    NOT NULL PRIMARY KEY,
	seq      INTEGER NOT NULL
);

CREATE TABLE alarms (
	account            TEXT    NOT NULL,
	region             TEXT    NOT NULL,
	name               TEXT    NOT NULL,
	config             TEXT    NOT NULL, -- JSON, sqlite.storedAlarmConfig
	config_updated     INTEGER NOT NULL,
	state              TEXT    NOT NULL,
	state_reason       TEXT    NOT NULL,
	state_reason_data  TEXT    NOT NULL,
	state_updated      INTEGER,
	state_transitioned INTEGER,
	version            INTEGER NOT NULL,
	PRIMARY KEY (account, region, name)
);

-- History outlives its alarm: no foreign key.
CREATE TABLE alarm_history (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	account    TEXT    NOT NULL,
	region     TEXT    NOT NULL,
	alarm_name TEXT    NOT NULL,
	time       INTEGER NOT NULL,
	type       TEXT    NOT NULL,
	summary    TEXT    NOT NULL,
	data       TEXT    NOT NULL
);
CREATE INDEX alarm_history_by_time ON alarm_history (account, region, time, id);
CREATE INDEX alarm_history_by_alarm ON alarm_history (account, region, alarm_name, time, id);
`,
}

// SchemaVersion is the schema version this binary writes.
const SchemaVersion = 6

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
