package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/identity"
)

// This file implements identity.PrincipalStore's STS sessions. Secrets
// arrive sealed and tokens as SHA-256 hashes: neither is ever stored in the
// clear.

func sessionNotFound() error { return errs.E(errs.NotFound, "session not found") }

const sessionColumns = `access_key_id, account, role_id, session_name, sealed_secret, token_hash,
	policy, policy_arns, source_ip, created, expires`

const getSessionSQL = `SELECT ` + sessionColumns + ` FROM sessions WHERE access_key_id = ?`

// CreateSession stores a session. errs.NotFound if its role is missing or
// deleted; errs.AlreadyExists if its access key id is taken.
func (s *Store) CreateSession(ctx context.Context, sess *identity.Session) error {
	created, err := requiredTimeArg("session creation", sess.Created)
	if err != nil {
		return internal("create session", err)
	}
	expires, err := requiredTimeArg("session expiry", sess.Expires)
	if err != nil {
		return internal("create session", err)
	}
	var arns any
	if len(sess.PolicyARNs) > 0 {
		b, err := json.Marshal(sess.PolicyARNs)
		if err != nil {
			return internal("create session", err)
		}
		arns = string(b)
	}
	return s.write(ctx, "create session", func(tx *sql.Tx) error {
		if err := liveIn(ctx, tx, sess.RoleID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO sessions (`+sessionColumns+`)
			VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`,
			sess.AccessKeyID, sess.Account, sess.RoleID, sess.SessionName, nonNil(sess.SealedSecret),
			nonNil(sess.TokenHash), sess.Policy, arns, sess.SourceIP, created, expires)
		if err != nil {
			return internal("create session", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return internal("create session", err)
		} else if n == 0 {
			return errs.E(errs.AlreadyExists, "session already exists")
		}
		return nil
	})
}

// GetSession returns a session, expired or not, or errs.NotFound.
func (s *Store) GetSession(ctx context.Context, accessKeyID string) (*identity.Session, error) {
	var (
		sess             identity.Session
		arns             sql.NullString
		created, expires sql.NullInt64
	)
	err := s.getSession.QueryRowContext(ctx, accessKeyID).Scan(&sess.AccessKeyID, &sess.Account, &sess.RoleID,
		&sess.SessionName, &sess.SealedSecret, &sess.TokenHash, &sess.Policy, &arns, &sess.SourceIP, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sessionNotFound()
	}
	if err != nil {
		return nil, internal("get session", err)
	}
	if arns.Valid {
		if err := json.Unmarshal([]byte(arns.String), &sess.PolicyARNs); err != nil {
			return nil, internal("get session", fmt.Errorf("session %s: policy ARNs: %w", sess.AccessKeyID, err))
		}
	}
	sess.Created, sess.Expires = fromNanos(created), fromNanos(expires)
	return &sess, nil
}

// DeleteExpiredSessions removes the sessions, of every account, that
// expired before now, and returns how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	t, err := requiredTimeArg("now", now)
	if err != nil {
		return 0, internal("delete expired sessions", err)
	}
	var n int64
	err = s.write(ctx, "delete expired sessions", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires < ?`, t)
		if err != nil {
			return internal("delete expired sessions", err)
		}
		n, err = res.RowsAffected()
		if err != nil {
			return internal("delete expired sessions", err)
		}
		return nil
	})
	return int(n), err
}
