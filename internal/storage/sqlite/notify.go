package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/notify"
)

// This file implements notify.Store: SNS topics, subscriptions, the
// delivery queue and the message signing keys. Messages arrive sealed,
// signing keys sealed, confirmation tokens as SHA-256 hashes: none is ever
// stored in the clear.

var _ notify.Store = (*Store)(nil)

func topicNotFound() error        { return errs.E(errs.NotFound, "topic not found") }
func subscriptionNotFound() error { return errs.E(errs.NotFound, "subscription not found") }

// inserted turns an INSERT … ON CONFLICT DO NOTHING result into
// errs.AlreadyExists when nothing was inserted.
func inserted(op string, res sql.Result, err error, what string) error {
	if err != nil {
		return internal(op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return internal(op, err)
	} else if n == 0 {
		return errs.E(errs.AlreadyExists, what+" already exists")
	}
	return nil
}

// changed turns an UPDATE or DELETE result into notFound() when no row
// matched.
func changed(op string, res sql.Result, err error, notFound func() error) error {
	if err != nil {
		return internal(op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return internal(op, err)
	} else if n == 0 {
		return notFound()
	}
	return nil
}

// Topics.

const topicColumns = `arn, account, region, name, display_name, tags, created`

// CreateTopic stores a new topic; errs.AlreadyExists if its ARN is taken.
func (s *Store) CreateTopic(ctx context.Context, t *notify.Topic) error {
	created, err := requiredTimeArg("topic creation", t.Created)
	if err != nil {
		return internal("create topic", err)
	}
	var tags any
	if len(t.Tags) > 0 {
		st := make([]storedTag, len(t.Tags))
		for i, tag := range t.Tags {
			st[i] = storedTag{Key: tag.Key, Value: tag.Value}
		}
		b, err := json.Marshal(st)
		if err != nil {
			return internal("create topic", err)
		}
		tags = string(b)
	}
	return s.write(ctx, "create topic", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO sns_topics (`+topicColumns+`) VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`,
			t.ARN, t.Account, t.Region, t.Name, t.DisplayName, tags, created)
		return inserted("create topic", res, err, "topic")
	})
}

func scanTopic(sc rowScanner) (*notify.Topic, error) {
	var (
		t       notify.Topic
		tags    sql.NullString
		created sql.NullInt64
	)
	if err := sc.Scan(&t.ARN, &t.Account, &t.Region, &t.Name, &t.DisplayName, &tags, &created); err != nil {
		return nil, err
	}
	t.Created = fromNanos(created)
	if tags.Valid {
		var st []storedTag
		if err := json.Unmarshal([]byte(tags.String), &st); err != nil {
			return nil, fmt.Errorf("topic %s: tags: %w", t.ARN, err)
		}
		for _, tag := range st {
			t.Tags = append(t.Tags, notify.Tag{Key: tag.Key, Value: tag.Value})
		}
	}
	return &t, nil
}

// GetTopic returns a topic, or errs.NotFound.
func (s *Store) GetTopic(ctx context.Context, arn string) (*notify.Topic, error) {
	t, err := scanTopic(s.r.QueryRowContext(ctx, `SELECT `+topicColumns+` FROM sns_topics WHERE arn = ?`, arn))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, topicNotFound()
	}
	if err != nil {
		return nil, internal("get topic", err)
	}
	return t, nil
}

// SetTopicDisplayName changes a topic's display name; errs.NotFound for an
// unknown topic.
func (s *Store) SetTopicDisplayName(ctx context.Context, arn, displayName string) error {
	return s.write(ctx, "set topic display name", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sns_topics SET display_name = ? WHERE arn = ?`, displayName, arn)
		return changed("set topic display name", res, err, topicNotFound)
	})
}

// DeleteTopic deletes a topic and (by cascade) its subscriptions;
// errs.NotFound for an unknown topic. Deliveries stay.
func (s *Store) DeleteTopic(ctx context.Context, arn string) error {
	return s.write(ctx, "delete topic", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sns_topics WHERE arn = ?`, arn)
		return changed("delete topic", res, err, topicNotFound)
	})
}

// ListTopics returns at most limit topics of (account, region) after the
// given ARN, in ARN order.
func (s *Store) ListTopics(ctx context.Context, account, region, after string, limit int) ([]*notify.Topic, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+topicColumns+` FROM sns_topics
		WHERE account = ? AND region = ? AND arn > ? ORDER BY arn LIMIT ?`, account, region, after, limit)
	if err != nil {
		return nil, internal("list topics", err)
	}
	defer rows.Close()
	var out []*notify.Topic
	for rows.Next() {
		t, err := scanTopic(rows)
		if err != nil {
			return nil, internal("list topics", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("list topics", err)
	}
	return out, nil
}

// Subscriptions.

const subscriptionColumns = `arn, topic_arn, account, region, owner, protocol, endpoint, raw_delivery,
	token_hash, token_expires, auth_unsub, created, confirmed`

// CreateSubscription stores a new subscription: errs.NotFound if its topic
// does not exist; errs.AlreadyExists if its ARN, or its topic, protocol and
// endpoint, are taken.
func (s *Store) CreateSubscription(ctx context.Context, sub *notify.Subscription) error {
	created, err := requiredTimeArg("subscription creation", sub.Created)
	if err != nil {
		return internal("create subscription", err)
	}
	expires, err := timeArg(sub.TokenExpires)
	if err != nil {
		return internal("create subscription", err)
	}
	confirmed, err := timeArg(sub.Confirmed)
	if err != nil {
		return internal("create subscription", err)
	}
	return s.write(ctx, "create subscription", func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM sns_topics WHERE arn = ?`, sub.TopicARN).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return topicNotFound()
		}
		if err != nil {
			return internal("create subscription", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO sns_subscriptions (`+subscriptionColumns+`)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`,
			sub.ARN, sub.TopicARN, sub.Account, sub.Region, sub.Owner, sub.Protocol, sub.Endpoint, sub.RawMessageDelivery,
			nullBlob(sub.TokenHash), expires, sub.AuthenticateOnUnsubscribe, created, confirmed)
		return inserted("create subscription", res, err, "subscription")
	})
}

// nullBlob stores an empty blob as NULL.
func nullBlob(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func scanSubscription(sc rowScanner) (*notify.Subscription, error) {
	var (
		sub                         notify.Subscription
		expires, created, confirmed sql.NullInt64
	)
	err := sc.Scan(&sub.ARN, &sub.TopicARN, &sub.Account, &sub.Region, &sub.Owner, &sub.Protocol, &sub.Endpoint,
		&sub.RawMessageDelivery, &sub.TokenHash, &expires, &sub.AuthenticateOnUnsubscribe, &created, &confirmed)
	if err != nil {
		return nil, err
	}
	sub.TokenExpires, sub.Created, sub.Confirmed = fromNanos(expires), fromNanos(created), fromNanos(confirmed)
	return &sub, nil
}

func (s *Store) getSubscription(ctx context.Context, op, where string, args ...any) (*notify.Subscription, error) {
	sub, err := scanSubscription(s.r.QueryRowContext(ctx, `SELECT `+subscriptionColumns+` FROM sns_subscriptions WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, subscriptionNotFound()
	}
	if err != nil {
		return nil, internal(op, err)
	}
	return sub, nil
}

// GetSubscription returns a subscription, or errs.NotFound.
func (s *Store) GetSubscription(ctx context.Context, arn string) (*notify.Subscription, error) {
	return s.getSubscription(ctx, "get subscription", `arn = ?`, arn)
}

// FindSubscription returns the topic's subscription of protocol and
// endpoint, or errs.NotFound.
func (s *Store) FindSubscription(ctx context.Context, topicARN, protocol, endpoint string) (*notify.Subscription, error) {
	return s.getSubscription(ctx, "find subscription", `topic_arn = ? AND protocol = ? AND endpoint = ?`, topicARN, protocol, endpoint)
}

// SubscriptionByToken returns the topic's subscription with the token
// hash, or errs.NotFound.
func (s *Store) SubscriptionByToken(ctx context.Context, topicARN string, tokenHash []byte) (*notify.Subscription, error) {
	if len(tokenHash) == 0 {
		return nil, subscriptionNotFound()
	}
	return s.getSubscription(ctx, "subscription by token", `token_hash = ? AND topic_arn = ?`, tokenHash, topicARN)
}

// UpdateSubscription replaces a subscription's token, its expiry, its
// AuthenticateOnUnsubscribe flag and its confirmation time; errs.NotFound
// for an unknown subscription.
func (s *Store) UpdateSubscription(ctx context.Context, sub *notify.Subscription) error {
	expires, err := timeArg(sub.TokenExpires)
	if err != nil {
		return internal("update subscription", err)
	}
	confirmed, err := timeArg(sub.Confirmed)
	if err != nil {
		return internal("update subscription", err)
	}
	return s.write(ctx, "update subscription", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sns_subscriptions SET token_hash = ?, token_expires = ?, auth_unsub = ?, confirmed = ?
			WHERE arn = ?`, nullBlob(sub.TokenHash), expires, sub.AuthenticateOnUnsubscribe, confirmed, sub.ARN)
		return changed("update subscription", res, err, subscriptionNotFound)
	})
}

// DeleteSubscription deletes a subscription; errs.NotFound for an unknown
// one.
func (s *Store) DeleteSubscription(ctx context.Context, arn string) error {
	return s.write(ctx, "delete subscription", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sns_subscriptions WHERE arn = ?`, arn)
		return changed("delete subscription", res, err, subscriptionNotFound)
	})
}

func (s *Store) listSubscriptions(ctx context.Context, where string, args ...any) ([]*notify.Subscription, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+subscriptionColumns+` FROM sns_subscriptions WHERE `+where+` ORDER BY arn LIMIT ?`, args...)
	if err != nil {
		return nil, internal("list subscriptions", err)
	}
	defer rows.Close()
	var out []*notify.Subscription
	for rows.Next() {
		sub, err := scanSubscription(rows)
		if err != nil {
			return nil, internal("list subscriptions", err)
		}
		out = append(out, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("list subscriptions", err)
	}
	return out, nil
}

// ListSubscriptions returns at most limit subscriptions of (account,
// region) after the given ARN, in ARN order.
func (s *Store) ListSubscriptions(ctx context.Context, account, region, after string, limit int) ([]*notify.Subscription, error) {
	return s.listSubscriptions(ctx, `account = ? AND region = ? AND arn > ?`, account, region, after, limit)
}

// ListTopicSubscriptions returns at most limit subscriptions of a topic
// after the given ARN, in ARN order.
func (s *Store) ListTopicSubscriptions(ctx context.Context, topicARN, after string, limit int) ([]*notify.Subscription, error) {
	return s.listSubscriptions(ctx, `topic_arn = ? AND arn > ?`, topicARN, after, limit)
}

// CountSubscriptions counts a topic's confirmed and pending subscriptions.
func (s *Store) CountSubscriptions(ctx context.Context, topicARN string) (confirmed, pending int, err error) {
	err = s.r.QueryRowContext(ctx, `SELECT COALESCE(SUM(confirmed IS NOT NULL), 0), COALESCE(SUM(confirmed IS NULL), 0)
		FROM sns_subscriptions WHERE topic_arn = ?`, topicARN).Scan(&confirmed, &pending)
	if err != nil {
		return 0, 0, internal("count subscriptions", err)
	}
	return confirmed, pending, nil
}

// Deliveries.

const deliveryColumns = `id, message_id, topic_arn, subscription_arn, kind, protocol, sealed, state, attempts,
	next_attempt, last_attempt, last_status, last_error, created, finished`

// EnqueueDeliveries stores new deliveries in one transaction;
// errs.AlreadyExists (and nothing stored) if an ID is taken.
func (s *Store) EnqueueDeliveries(ctx context.Context, ds []*notify.Delivery) error {
	args := make([][]any, len(ds))
	for i, d := range ds {
		a, err := deliveryArgs(d)
		if err != nil {
			return internal("enqueue deliveries", err)
		}
		args[i] = a
	}
	return s.write(ctx, "enqueue deliveries", func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO sns_deliveries (`+deliveryColumns+`)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`)
		if err != nil {
			return internal("enqueue deliveries", err)
		}
		defer st.Close()
		for _, a := range args {
			res, err := st.ExecContext(ctx, a...)
			if err := inserted("enqueue deliveries", res, err, "delivery"); err != nil {
				return err
			}
		}
		return nil
	})
}

func deliveryArgs(d *notify.Delivery) ([]any, error) {
	created, err := requiredTimeArg("delivery creation", d.Created)
	if err != nil {
		return nil, err
	}
	times := make([]any, 3)
	for i, t := range []time.Time{d.NextAttempt, d.LastAttempt, d.Finished} {
		if times[i], err = timeArg(t); err != nil {
			return nil, err
		}
	}
	return []any{d.ID, d.MessageID, d.TopicARN, d.SubscriptionARN, d.Kind, d.Protocol, nonNil(d.Sealed), d.State,
		d.Attempts, times[0], times[1], d.LastStatus, d.LastError, created, times[2]}, nil
}

func scanDelivery(sc rowScanner) (*notify.Delivery, error) {
	var (
		d                             notify.Delivery
		next, last, created, finished sql.NullInt64
		attempts, status              int64
	)
	err := sc.Scan(&d.ID, &d.MessageID, &d.TopicARN, &d.SubscriptionARN, &d.Kind, &d.Protocol, &d.Sealed, &d.State,
		&attempts, &next, &last, &status, &d.LastError, &created, &finished)
	if err != nil {
		return nil, err
	}
	d.Attempts, d.LastStatus = int(attempts), int(status)
	d.NextAttempt, d.LastAttempt, d.Created, d.Finished = fromNanos(next), fromNanos(last), fromNanos(created), fromNanos(finished)
	return &d, nil
}

func scanDeliveries(rows *sql.Rows) ([]*notify.Delivery, error) {
	defer rows.Close()
	var out []*notify.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// ClaimDeliveries returns at most limit pending deliveries due at now,
// earliest first, and leases them until leaseUntil.
func (s *Store) ClaimDeliveries(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*notify.Delivery, error) {
	n, err := requiredTimeArg("now", now)
	if err != nil {
		return nil, internal("claim deliveries", err)
	}
	lease, err := requiredTimeArg("lease end", leaseUntil)
	if err != nil {
		return nil, internal("claim deliveries", err)
	}
	var out []*notify.Delivery
	err = s.write(ctx, "claim deliveries", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM sns_deliveries
			WHERE state = ? AND next_attempt <= ? ORDER BY next_attempt, created, id LIMIT ?`, notify.StatePending, n, limit)
		if err != nil {
			return internal("claim deliveries", err)
		}
		if out, err = scanDeliveries(rows); err != nil {
			return internal("claim deliveries", err)
		}
		for _, d := range out {
			if _, err := tx.ExecContext(ctx, `UPDATE sns_deliveries SET next_attempt = ? WHERE id = ?`, lease, d.ID); err != nil {
				return internal("claim deliveries", err)
			}
			d.NextAttempt = leaseUntil.UTC()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateDelivery records an attempt; errs.NotFound for an unknown delivery.
func (s *Store) UpdateDelivery(ctx context.Context, d *notify.Delivery) error {
	times := make([]any, 3)
	for i, t := range []time.Time{d.NextAttempt, d.LastAttempt, d.Finished} {
		var err error
		if times[i], err = timeArg(t); err != nil {
			return internal("update delivery", err)
		}
	}
	return s.write(ctx, "update delivery", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sns_deliveries SET state = ?, attempts = ?, next_attempt = ?, last_attempt = ?,
			last_status = ?, last_error = ?, finished = ? WHERE id = ?`,
			d.State, d.Attempts, times[0], times[1], d.LastStatus, d.LastError, times[2], d.ID)
		return changed("update delivery", res, err, func() error { return errs.E(errs.NotFound, "delivery not found") })
	})
}

// maxListedDeliveries bounds ListDeliveries.
const maxListedDeliveries = 1000

// ListDeliveries returns the deliveries f selects, oldest first.
func (s *Store) ListDeliveries(ctx context.Context, f notify.DeliveryFilter) ([]*notify.Delivery, error) {
	var (
		where []string
		args  []any
	)
	for _, c := range []struct{ col, val string }{
		{"topic_arn", f.TopicARN}, {"subscription_arn", f.SubscriptionARN}, {"message_id", f.MessageID}, {"state", f.State},
	} {
		if c.val != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.val)
		}
	}
	q := `SELECT ` + deliveryColumns + ` FROM sns_deliveries`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > maxListedDeliveries {
		limit = maxListedDeliveries
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY created, id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, internal("list deliveries", err)
	}
	out, err := scanDeliveries(rows)
	if err != nil {
		return nil, internal("list deliveries", err)
	}
	return out, nil
}

// NextDeliveryDue returns the earliest NextAttempt of a pending delivery,
// or the zero time.
func (s *Store) NextDeliveryDue(ctx context.Context) (time.Time, error) {
	var next sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT MIN(next_attempt) FROM sns_deliveries WHERE state = ?`, notify.StatePending).Scan(&next)
	if err != nil {
		return time.Time{}, internal("next delivery due", err)
	}
	return fromNanos(next), nil
}

// PurgeDeliveries deletes the deliveries that finished before before.
func (s *Store) PurgeDeliveries(ctx context.Context, before time.Time) (int, error) {
	b, err := requiredTimeArg("purge bound", before)
	if err != nil {
		return 0, internal("purge deliveries", err)
	}
	var n int64
	err = s.write(ctx, "purge deliveries", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sns_deliveries WHERE finished < ?`, b)
		if err != nil {
			return internal("purge deliveries", err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return internal("purge deliveries", err)
		}
		return nil
	})
	return int(n), err
}

// Signing keys.

// CreateSigningKey stores a signing key; errs.AlreadyExists if its ID is
// taken.
func (s *Store) CreateSigningKey(ctx context.Context, k *notify.SigningKey) error {
	created, err := requiredTimeArg("signing key creation", k.Created)
	if err != nil {
		return internal("create signing key", err)
	}
	return s.write(ctx, "create signing key", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO sns_signing_keys (id, sealed_key, certificate, created)
			VALUES (?,?,?,?) ON CONFLICT DO NOTHING`, k.ID, nonNil(k.SealedKey), nonNil(k.Certificate), created)
		return inserted("create signing key", res, err, "signing key")
	})
}

// ListSigningKeys returns every signing key, oldest first.
func (s *Store) ListSigningKeys(ctx context.Context) ([]*notify.SigningKey, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, sealed_key, certificate, created FROM sns_signing_keys ORDER BY created, id`)
	if err != nil {
		return nil, internal("list signing keys", err)
	}
	defer rows.Close()
	var out []*notify.SigningKey
	for rows.Next() {
		var (
			k       notify.SigningKey
			created sql.NullInt64
		)
		if err := rows.Scan(&k.ID, &k.SealedKey, &k.Certificate, &created); err != nil {
			return nil, internal("list signing keys", err)
		}
		k.Created = fromNanos(created)
		out = append(out, &k)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("list signing keys", err)
	}
	return out, nil
}
