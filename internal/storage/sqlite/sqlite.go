// Package sqlite is Keyward's embedded storage adapter: it keeps keys, their
// sealed material, aliases, grants, IAM principals with their policies,
// access keys, STS sessions and the seal's metadata in one SQLite file,
// through the pure-Go modernc.org/sqlite driver (no cgo).
//
// It owns the on-disk schema and its migrations. It does not decide access
// (authorization happens in the domain services before a Store is called)
// and it never sees key material or secrets in the clear: materials and
// secret access keys arrive already sealed and are stored as opaque bytes.
//
// Every acknowledged write is durable: the database runs in WAL mode with
// synchronous=FULL, so a method that returned nil has had its commit synced to
// the write-ahead log before returning.
//
// Connections: all writes go through a pool of exactly one connection, and
// transactions on it begin with BEGIN IMMEDIATE; reads go through a separate
// pool of read-only (query_only) connections. In WAL mode readers never block
// the writer or each other, and with one writer connection concurrent writers
// in this process queue in database/sql instead of spinning on SQLITE_BUSY.
// BEGIN IMMEDIATE and busy_timeout cover other processes opening the same file.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/identity"
	"github.com/keyward/keyward/internal/kms"
	"github.com/keyward/keyward/internal/seal"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

var (
	_ kms.Store               = (*Store)(nil)
	_ identity.Store          = (*Store)(nil)
	_ identity.AccessKeyStore = (*Store)(nil)
	_ identity.PrincipalStore = (*Store)(nil)
	_ seal.MetaStore          = (*Store)(nil)
)

// busyTimeout is how long a connection waits for a lock held by another
// process (or by a checkpoint) before failing with SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// Store is a SQLite-backed implementation of kms.Store, identity.Store,
// identity.AccessKeyStore, identity.PrincipalStore and seal.MetaStore. It
// is safe for concurrent use. Open one Store per file.
type Store struct {
	w    *sql.DB // exactly one connection: every write
	r    *sql.DB // read-only connections: every read outside a write
	path string

	// Point reads on the request path, prepared once on the read pool
	// (database/sql re-prepares them per connection as needed).
	getKey, materials, getAlias, getAccessKey, getMeta *sql.Stmt
	getPrincipal, principalByName, getSession          *sql.Stmt
}

// prepareReads prepares the Store's hot read statements on the read pool.
func (s *Store) prepareReads(ctx context.Context) error {
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&s.getKey, getKeySQL},
		{&s.materials, materialsSQL},
		{&s.getAlias, getAliasSQL},
		{&s.getAccessKey, getAccessKeySQL},
		{&s.getMeta, getMetaSQL},
		{&s.getPrincipal, getPrincipalSQL},
		{&s.principalByName, principalByNameSQL},
		{&s.getSession, getSessionSQL},
	} {
		st, err := s.r.PrepareContext(ctx, p.query)
		if err != nil {
			return fmt.Errorf("sqlite: prepare: %w", err)
		}
		*p.dst = st
	}
	return nil
}

// Open opens (creating if needed) the database file at path, checks that the
// connection settings took effect, and brings the schema up to date.
// A database written by a newer Keyward (a higher schema version than this
// binary knows) is refused.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: resolve database path: %w", err)
	}

	// Create a new file owner-only; SQLite gives the -wal and -shm files the
	// main file's mode. An existing file keeps the mode its operator chose.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	f.Close()

	w, err := sql.Open("sqlite", dsn(abs, url.Values{
		"_busy_timeout": {fmt.Sprint(busyTimeout.Milliseconds())},
		"_journal_mode": {"WAL"},
		"_synchronous":  {"FULL"},
		"_foreign_keys": {"1"},
		"_txlock":       {"immediate"},
	}))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	// One writer connection, kept open for the Store's life: writes serialize
	// in database/sql's connection queue, never on SQLite's busy handler.
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)

	s := &Store{w: w, path: abs}
	if err := s.checkWriter(ctx); err != nil {
		w.Close()
		return nil, err
	}
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, err
	}

	// Readers are opened after the writer has switched the file to WAL.
	r, err := sql.Open("sqlite", dsn(abs, url.Values{
		"_busy_timeout": {fmt.Sprint(busyTimeout.Milliseconds())},
		"_foreign_keys": {"1"},
		"_query_only":   {"1"},
	}))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxLifetime(0)
	r.SetConnMaxIdleTime(0)
	s.r = r
	if err := s.prepareReads(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes every connection. The last connection to close checkpoints
// the write-ahead log into the database file.
func (s *Store) Close() error {
	var errList []error
	for _, st := range []*sql.Stmt{s.getKey, s.materials, s.getAlias, s.getAccessKey, s.getMeta,
		s.getPrincipal, s.principalByName, s.getSession} {
		if st != nil {
			errList = append(errList, st.Close())
		}
	}
	if s.r != nil {
		errList = append(errList, s.r.Close())
	}
	errList = append(errList, s.w.Close())
	return errors.Join(errList...)
}

// dsn builds a SQLite URI for the absolute path abs. The driver reads its
// underscore parameters from the query; SQLite ignores them. Characters that
// would end the path part of a URI are percent-escaped.
func dsn(abs string, params url.Values) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(abs))
	return "file:" + esc + "?" + params.Encode()
}

// checkWriter verifies that the writer connection runs with the settings
// durability depends on; a driver or file system that silently ignored them
// must fail Open rather than lose acknowledged writes later.
func (s *Store) checkWriter(ctx context.Context) error {
	var mode string
	if err := s.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", s.path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("sqlite: open %s: journal_mode is %q, want wal", s.path, mode)
	}
	var sync, fk int
	if err := s.w.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", s.path, err)
	}
	if sync < 2 { // 2 = FULL, 3 = EXTRA
		return fmt.Errorf("sqlite: open %s: synchronous is %d, want FULL (2)", s.path, sync)
	}
	if err := s.w.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", s.path, err)
	}
	if fk != 1 {
		return fmt.Errorf("sqlite: open %s: foreign keys are off", s.path)
	}
	return nil
}

// write runs fn in a write transaction (BEGIN IMMEDIATE on the single
// writer connection) and commits it if fn returns nil. Errors from fn are
// returned as they are, so domain errors keep their codes.
func (s *Store) write(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return internal(op, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return internal(op, err)
	}
	return nil
}

// internal wraps a database error as an internal error: its cause is logged,
// never shown to a client.
func internal(op string, err error) error {
	return errs.Wrap(errs.Internal, "storage: "+op, err)
}

// Times are stored as INTEGER nanoseconds since the Unix epoch (UTC), so
// they sort, compare and round-trip exactly; the zero time is NULL.

var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// timeArg returns the column value for t: nil for the zero time, else
// nanoseconds since the epoch. Times outside 1678–2262 cannot be stored.
func timeArg(t time.Time) (any, error) {
	if t.IsZero() {
		return nil, nil
	}
	if t.Before(minTime) || t.After(maxTime) {
		return nil, fmt.Errorf("time %s out of storable range", t.UTC().Format(time.RFC3339))
	}
	return t.UnixNano(), nil
}

// requiredTimeArg is timeArg for a column that must be set.
func requiredTimeArg(name string, t time.Time) (any, error) {
	if t.IsZero() {
		return nil, fmt.Errorf("%s time is not set", name)
	}
	return timeArg(t)
}

// fromNanos reverses timeArg.
func fromNanos(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

// rowScanner is satisfied by *sql.Row and *sql.Rows.
type rowScanner interface {
	Scan(dest ...any) error
}

// nonNil returns b, or an empty slice for nil, for NOT NULL blob columns.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
