package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/alarms"
	"github.com/keyward/keyward/internal/errs"
)

// This file implements alarms.Store: log groups, metric filters, the
// metric datapoints and the ingest checkpoint, alarms and their history.
// Configurations (a filter's transformations, an alarm's configuration) are
// JSON in the spelling of the stored* types below, which are part of the
// schema: never rename their tags.

var _ alarms.Store = (*Store)(nil)

// Log groups.

// CreateLogGroup stores a log group; errs.AlreadyExists if taken.
func (s *Store) CreateLogGroup(ctx context.Context, g *alarms.LogGroup) error {
	created, err := requiredTimeArg("log group creation", g.Created)
	if err != nil {
		return internal("create log group", err)
	}
	return s.write(ctx, "create log group", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO log_groups (account, region, name, created) VALUES (?,?,?,?) ON CONFLICT DO NOTHING`,
			g.Account, g.Region, g.Name, created)
		return alarmInserted("create log group", res, err, "log group")
	})
}

// ListLogGroups lists log groups by name.
func (s *Store) ListLogGroups(ctx context.Context, account, region, prefix, after string, limit int) ([]*alarms.LogGroup, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, created FROM log_groups
WHERE account = ? AND region = ? AND substr(name, 1, length(?)) = ? AND name > ?
ORDER BY name LIMIT ?`, account, region, prefix, prefix, after, sqlLimit(limit))
	if err != nil {
		return nil, internal("list log groups", err)
	}
	defer rows.Close()
	var out []*alarms.LogGroup
	for rows.Next() {
		g := &alarms.LogGroup{Account: account, Region: region}
		var created sql.NullInt64
		if err := rows.Scan(&g.Name, &created); err != nil {
			return nil, internal("list log groups", err)
		}
		g.Created = fromNanos(created)
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("list log groups", err)
	}
	return out, nil
}

// sqlLimit turns "no limit" (0 or less) into SQLite's -1.
func sqlLimit(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}

// alarmInserted turns an INSERT … ON CONFLICT DO NOTHING result into
// errs.AlreadyExists when nothing was inserted.
func alarmInserted(op string, res sql.Result, err error, what string) error {
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

// Metric filters.

type storedTransformation struct {
	MetricName   string            `json:"metricName"`
	Namespace    string            `json:"namespace"`
	Value        string            `json:"value"`
	DefaultValue *float64          `json:"defaultValue,omitempty"`
	Unit         string            `json:"unit,omitempty"`
	Dimensions   map[string]string `json:"dimensions,omitempty"`
}

// PutMetricFilter creates or replaces a metric filter.
func (s *Store) PutMetricFilter(ctx context.Context, f *alarms.MetricFilter, max int) error {
	created, err := requiredTimeArg("metric filter creation", f.Created)
	if err != nil {
		return internal("put metric filter", err)
	}
	st := make([]storedTransformation, len(f.Transformations))
	for i, t := range f.Transformations {
		st[i] = storedTransformation{MetricName: t.MetricName, Namespace: t.Namespace, Value: t.Value,
			DefaultValue: t.DefaultValue, Unit: t.Unit, Dimensions: t.Dimensions}
	}
	ts, err := json.Marshal(st)
	if err != nil {
		return internal("put metric filter", err)
	}
	return s.write(ctx, "put metric filter", func(tx *sql.Tx) error {
		var exists, count int
		if err := tx.QueryRowContext(ctx, `SELECT
  (SELECT COUNT(*) FROM metric_filters WHERE account = ? AND region = ? AND log_group = ? AND name = ?),
  (SELECT COUNT(*) FROM metric_filters WHERE account = ? AND region = ? AND log_group = ?)`,
			f.Account, f.Region, f.LogGroup, f.Name, f.Account, f.Region, f.LogGroup).Scan(&exists, &count); err != nil {
			return internal("put metric filter", err)
		}
		if exists == 0 && count >= max {
			return errs.E(errs.LimitExceeded, "too many metric filters on the log group")
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO metric_filters (account, region, log_group, name, pattern, transformations, created)
VALUES (?,?,?,?,?,?,?)
ON CONFLICT (account, region, log_group, name) DO UPDATE SET pattern = excluded.pattern, transformations = excluded.transformations`,
			f.Account, f.Region, f.LogGroup, f.Name, f.Pattern, string(ts), created)
		if err != nil {
			return internal("put metric filter", err)
		}
		return nil
	})
}

// DeleteMetricFilter deletes a metric filter; errs.NotFound if absent.
func (s *Store) DeleteMetricFilter(ctx context.Context, account, region, logGroup, name string) error {
	return s.write(ctx, "delete metric filter", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM metric_filters WHERE account = ? AND region = ? AND log_group = ? AND name = ?`,
			account, region, logGroup, name)
		return alarmChanged("delete metric filter", res, err, "metric filter")
	})
}

// alarmChanged turns an UPDATE or DELETE result into errs.NotFound when no
// row matched.
func alarmChanged(op string, res sql.Result, err error, what string) error {
	if err != nil {
		return internal(op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return internal(op, err)
	} else if n == 0 {
		return errs.E(errs.NotFound, what+" not found")
	}
	return nil
}

const filterColumns = `account, region, log_group, name, pattern, transformations, created`

func scanFilter(sc rowScanner) (*alarms.MetricFilter, error) {
	var (
		f       alarms.MetricFilter
		ts      string
		created sql.NullInt64
	)
	if err := sc.Scan(&f.Account, &f.Region, &f.LogGroup, &f.Name, &f.Pattern, &ts, &created); err != nil {
		return nil, err
	}
	f.Created = fromNanos(created)
	var st []storedTransformation
	if err := json.Unmarshal([]byte(ts), &st); err != nil {
		return nil, fmt.Errorf("metric filter %s: transformations: %w", f.Name, err)
	}
	for _, t := range st {
		f.Transformations = append(f.Transformations, alarms.MetricTransformation{MetricName: t.MetricName, Namespace: t.Namespace,
			Value: t.Value, DefaultValue: t.DefaultValue, Unit: t.Unit, Dimensions: t.Dimensions})
	}
	return &f, nil
}

func (s *Store) queryFilters(ctx context.Context, op, query string, args ...any) ([]*alarms.MetricFilter, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, internal(op, err)
	}
	defer rows.Close()
	var out []*alarms.MetricFilter
	for rows.Next() {
		f, err := scanFilter(rows)
		if err != nil {
			return nil, internal(op, err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(op, err)
	}
	return out, nil
}

// ListMetricFilters lists an account's filters in a region.
func (s *Store) ListMetricFilters(ctx context.Context, account, region, logGroup string) ([]*alarms.MetricFilter, error) {
	return s.queryFilters(ctx, "list metric filters", `SELECT `+filterColumns+` FROM metric_filters
WHERE account = ? AND region = ? AND (? = '' OR log_group = ?) ORDER BY log_group, name`, account, region, logGroup, logGroup)
}

// AllMetricFilters lists every filter.
func (s *Store) AllMetricFilters(ctx context.Context) ([]*alarms.MetricFilter, error) {
	return s.queryFilters(ctx, "list metric filters", `SELECT `+filterColumns+` FROM metric_filters ORDER BY account, region, log_group, name`)
}

// Datapoints.

// AddDatapoints merges datapoints and records the consumer's checkpoint.
func (s *Store) AddDatapoints(ctx context.Context, consumer string, through uint64, dps []alarms.Datapoint) error {
	if through > 1<<63-1 {
		return internal("add datapoints", errors.New("sequence number out of range"))
	}
	return s.write(ctx, "add datapoints", func(tx *sql.Tx) error {
		if len(dps) > 0 {
			st, err := tx.PrepareContext(ctx, `INSERT INTO metric_data
  (account, region, namespace, name, dims, unit, minute, sample_count, sum_value, min_value, max_value)
VALUES (?,?,?,?,?,?,?,?,?,?,?)
ON CONFLICT (account, region, namespace, name, dims, minute, unit) DO UPDATE SET
  sample_count = sample_count + excluded.sample_count, sum_value = sum_value + excluded.sum_value,
  min_value = min(min_value, excluded.min_value), max_value = max(max_value, excluded.max_value)`)
			if err != nil {
				return internal("add datapoints", err)
			}
			defer st.Close()
			for i := range dps {
				d := &dps[i]
				minute, err := requiredTimeArg("datapoint", d.Time)
				if err != nil {
					return internal("add datapoints", err)
				}
				m := &d.Metric
				if _, err := st.ExecContext(ctx, m.Account, m.Region, m.Namespace, m.Name, alarms.DimensionsKey(m.Dimensions), d.Unit,
					minute, d.SampleCount, d.Sum, d.Min, d.Max); err != nil {
					return internal("add datapoints", err)
				}
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO ingest_checkpoints (consumer, seq) VALUES (?, ?)
ON CONFLICT (consumer) DO UPDATE SET seq = excluded.seq`, consumer, int64(through)); err != nil {
			return internal("add datapoints", err)
		}
		return nil
	})
}

// Checkpoint returns a consumer's checkpoint, 0 if none.
func (s *Store) Checkpoint(ctx context.Context, consumer string) (uint64, error) {
	var seq int64
	err := s.r.QueryRowContext(ctx, `SELECT seq FROM ingest_checkpoints WHERE consumer = ?`, consumer).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, internal("read checkpoint", err)
	}
	return uint64(seq), nil
}

// Datapoints returns a metric's datapoints in [from, to).
func (s *Store) Datapoints(ctx context.Context, m alarms.Metric, from, to time.Time) ([]alarms.Datapoint, error) {
	lo, hi := clampNanos(from), clampNanos(to)
	rows, err := s.r.QueryContext(ctx, `SELECT unit, minute, sample_count, sum_value, min_value, max_value FROM metric_data
WHERE account = ? AND region = ? AND namespace = ? AND name = ? AND dims = ? AND minute >= ? AND minute < ?
ORDER BY minute, unit`, m.Account, m.Region, m.Namespace, m.Name, alarms.DimensionsKey(m.Dimensions), lo, hi)
	if err != nil {
		return nil, internal("read datapoints", err)
	}
	defer rows.Close()
	var out []alarms.Datapoint
	for rows.Next() {
		d := alarms.Datapoint{Metric: m}
		var minute sql.NullInt64
		if err := rows.Scan(&d.Unit, &minute, &d.SampleCount, &d.Sum, &d.Min, &d.Max); err != nil {
			return nil, internal("read datapoints", err)
		}
		d.Time = fromNanos(minute)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("read datapoints", err)
	}
	return out, nil
}

// clampNanos is t in Unix nanoseconds, clamped to the storable range.
func clampNanos(t time.Time) int64 {
	switch {
	case t.Before(minTime):
		return minTime.UnixNano()
	case t.After(maxTime):
		return maxTime.UnixNano()
	}
	return t.UnixNano()
}

// ListMetrics lists the metrics with data since since.
func (s *Store) ListMetrics(ctx context.Context, account, region, namespace, name string, since time.Time) ([]alarms.Metric, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT namespace, name, dims FROM metric_data
WHERE account = ? AND region = ? AND (? = '' OR namespace = ?) AND (? = '' OR name = ?) AND minute >= ?
ORDER BY namespace, name, dims`, account, region, namespace, namespace, name, name, clampNanos(since))
	if err != nil {
		return nil, internal("list metrics", err)
	}
	defer rows.Close()
	var out []alarms.Metric
	for rows.Next() {
		m := alarms.Metric{Account: account, Region: region}
		var dims string
		if err := rows.Scan(&m.Namespace, &m.Name, &dims); err != nil {
			return nil, internal("list metrics", err)
		}
		if m.Dimensions, err = alarms.ParseDimensionsKey(dims); err != nil {
			return nil, internal("list metrics", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("list metrics", err)
	}
	return out, nil
}

// PruneDatapoints deletes datapoints older than before.
func (s *Store) PruneDatapoints(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, "prune datapoints", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM metric_data WHERE minute < ?`, clampNanos(before))
		if err != nil {
			return internal("prune datapoints", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// Alarms.

type storedDimension struct {
	Name  string `json:"n"`
	Value string `json:"v"`
}

type storedAlarmConfig struct {
	Description             string            `json:"description,omitempty"`
	ActionsEnabled          bool              `json:"actionsEnabled"`
	OKActions               []string          `json:"okActions,omitempty"`
	AlarmActions            []string          `json:"alarmActions,omitempty"`
	InsufficientDataActions []string          `json:"insufficientDataActions,omitempty"`
	MetricName              string            `json:"metricName"`
	Namespace               string            `json:"namespace"`
	Statistic               string            `json:"statistic"`
	Dimensions              []storedDimension `json:"dimensions,omitempty"`
	Period                  int32             `json:"period"`
	Unit                    string            `json:"unit,omitempty"`
	EvaluationPeriods       int32             `json:"evaluationPeriods"`
	DatapointsToAlarm       int32             `json:"datapointsToAlarm"`
	Threshold               float64           `json:"threshold"`
	ComparisonOperator      string            `json:"comparisonOperator"`
	TreatMissingData        string            `json:"treatMissingData,omitempty"`
	Tags                    []storedTag       `json:"tags,omitempty"`
}

func encodeAlarmConfig(c *alarms.AlarmConfig) (string, error) {
	sc := storedAlarmConfig{Description: c.Description, ActionsEnabled: c.ActionsEnabled, OKActions: c.OKActions,
		AlarmActions: c.AlarmActions, InsufficientDataActions: c.InsufficientDataActions, MetricName: c.MetricName,
		Namespace: c.Namespace, Statistic: c.Statistic, Period: c.Period, Unit: c.Unit, EvaluationPeriods: c.EvaluationPeriods,
		DatapointsToAlarm: c.DatapointsToAlarm, Threshold: c.Threshold, ComparisonOperator: c.ComparisonOperator,
		TreatMissingData: c.TreatMissingData}
	for _, d := range c.Dimensions {
		sc.Dimensions = append(sc.Dimensions, storedDimension{Name: d.Name, Value: d.Value})
	}
	for _, t := range c.Tags {
		sc.Tags = append(sc.Tags, storedTag{Key: t.Key, Value: t.Value})
	}
	b, err := json.Marshal(sc)
	return string(b), err
}

func decodeAlarmConfig(s string) (alarms.AlarmConfig, error) {
	var sc storedAlarmConfig
	if err := json.Unmarshal([]byte(s), &sc); err != nil {
		return alarms.AlarmConfig{}, err
	}
	c := alarms.AlarmConfig{Description: sc.Description, ActionsEnabled: sc.ActionsEnabled, OKActions: sc.OKActions,
		AlarmActions: sc.AlarmActions, InsufficientDataActions: sc.InsufficientDataActions, MetricName: sc.MetricName,
		Namespace: sc.Namespace, Statistic: sc.Statistic, Period: sc.Period, Unit: sc.Unit, EvaluationPeriods: sc.EvaluationPeriods,
		DatapointsToAlarm: sc.DatapointsToAlarm, Threshold: sc.Threshold, ComparisonOperator: sc.ComparisonOperator,
		TreatMissingData: sc.TreatMissingData}
	for _, d := range sc.Dimensions {
		c.Dimensions = append(c.Dimensions, alarms.Dimension{Name: d.Name, Value: d.Value})
	}
	for _, t := range sc.Tags {
		c.Tags = append(c.Tags, alarms.Tag{Key: t.Key, Value: t.Value})
	}
	return c, nil
}

const alarmColumns = `account, region, name, config, config_updated, state, state_reason, state_reason_data,
  state_updated, state_transitioned, version`

// alarmArgs returns the values of alarmColumns for a.
func alarmArgs(a *alarms.Alarm) ([]any, error) {
	cfg, err := encodeAlarmConfig(&a.Config)
	if err != nil {
		return nil, err
	}
	cu, err := requiredTimeArg("alarm configuration", a.ConfigUpdated)
	if err != nil {
		return nil, err
	}
	su, err := timeArg(a.StateUpdated)
	if err != nil {
		return nil, err
	}
	st, err := timeArg(a.StateTransitioned)
	if err != nil {
		return nil, err
	}
	return []any{a.Account, a.Region, a.Name, cfg, cu, a.State, a.StateReason, a.StateReasonData, su, st, a.Version}, nil
}

func scanAlarm(sc rowScanner) (*alarms.Alarm, error) {
	var (
		a          alarms.Alarm
		cfg        string
		cu, su, st sql.NullInt64
	)
	if err := sc.Scan(&a.Account, &a.Region, &a.Name, &cfg, &cu, &a.State, &a.StateReason, &a.StateReasonData,
		&su, &st, &a.Version); err != nil {
		return nil, err
	}
	var err error
	if a.Config, err = decodeAlarmConfig(cfg); err != nil {
		return nil, fmt.Errorf("alarm %s: configuration: %w", a.Name, err)
	}
	a.ConfigUpdated, a.StateUpdated, a.StateTransitioned = fromNanos(cu), fromNanos(su), fromNanos(st)
	return &a, nil
}

// CreateAlarm stores a new alarm with its history.
func (s *Store) CreateAlarm(ctx context.Context, a *alarms.Alarm, history []alarms.HistoryItem) error {
	args, err := alarmArgs(a)
	if err != nil {
		return internal("create alarm", err)
	}
	return s.write(ctx, "create alarm", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO alarms (`+alarmColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`, args...)
		if err := alarmInserted("create alarm", res, err, "alarm"); err != nil {
			return err
		}
		return insertHistory(ctx, tx, history)
	})
}

// GetAlarm returns an alarm, or errs.NotFound.
func (s *Store) GetAlarm(ctx context.Context, account, region, name string) (*alarms.Alarm, error) {
	a, err := scanAlarm(s.r.QueryRowContext(ctx, `SELECT `+alarmColumns+` FROM alarms WHERE account = ? AND region = ? AND name = ?`,
		account, region, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "alarm not found")
	}
	if err != nil {
		return nil, internal("get alarm", err)
	}
	return a, nil
}

// UpdateAlarm replaces an alarm at version prev and adds history.
func (s *Store) UpdateAlarm(ctx context.Context, a *alarms.Alarm, prev int64, history []alarms.HistoryItem) error {
	args, err := alarmArgs(a)
	if err != nil {
		return internal("update alarm", err)
	}
	return s.write(ctx, "update alarm", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE alarms SET config = ?, config_updated = ?, state = ?, state_reason = ?,
  state_reason_data = ?, state_updated = ?, state_transitioned = ?, version = ?
WHERE account = ? AND region = ? AND name = ? AND version = ?`,
			append(args[3:], a.Account, a.Region, a.Name, prev)...)
		if err != nil {
			return internal("update alarm", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return internal("update alarm", err)
		} else if n == 0 {
			var v int64
			err := tx.QueryRowContext(ctx, `SELECT version FROM alarms WHERE account = ? AND region = ? AND name = ?`,
				a.Account, a.Region, a.Name).Scan(&v)
			if errors.Is(err, sql.ErrNoRows) {
				return errs.E(errs.NotFound, "alarm not found")
			}
			if err != nil {
				return internal("update alarm", err)
			}
			return errs.E(errs.Conflict, "alarm changed concurrently")
		}
		return insertHistory(ctx, tx, history)
	})
}

// DeleteAlarm deletes an alarm and adds history.
func (s *Store) DeleteAlarm(ctx context.Context, account, region, name string, history []alarms.HistoryItem) error {
	return s.write(ctx, "delete alarm", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM alarms WHERE account = ? AND region = ? AND name = ?`, account, region, name)
		if err := alarmChanged("delete alarm", res, err, "alarm"); err != nil {
			return err
		}
		return insertHistory(ctx, tx, history)
	})
}

func (s *Store) queryAlarms(ctx context.Context, query string, args ...any) ([]*alarms.Alarm, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, internal("list alarms", err)
	}
	defer rows.Close()
	var out []*alarms.Alarm
	for rows.Next() {
		a, err := scanAlarm(rows)
		if err != nil {
			return nil, internal("list alarms", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("list alarms", err)
	}
	return out, nil
}

// ListAlarms lists an account's alarms in a region by name.
func (s *Store) ListAlarms(ctx context.Context, account, region, after string, limit int) ([]*alarms.Alarm, error) {
	return s.queryAlarms(ctx, `SELECT `+alarmColumns+` FROM alarms WHERE account = ? AND region = ? AND name > ? ORDER BY name LIMIT ?`,
		account, region, after, sqlLimit(limit))
}

// AllAlarms lists every alarm.
func (s *Store) AllAlarms(ctx context.Context) ([]*alarms.Alarm, error) {
	return s.queryAlarms(ctx, `SELECT `+alarmColumns+` FROM alarms ORDER BY account, region, name`)
}

// History.

func insertHistory(ctx context.Context, tx *sql.Tx, items []alarms.HistoryItem) error {
	for _, h := range items {
		t, err := requiredTimeArg("history item", h.Time)
		if err != nil {
			return internal("add alarm history", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO alarm_history (account, region, alarm_name, time, type, summary, data)
VALUES (?,?,?,?,?,?,?)`, h.Account, h.Region, h.AlarmName, t, h.Type, h.Summary, h.Data); err != nil {
			return internal("add alarm history", err)
		}
	}
	return nil
}

// AddAlarmHistory adds history items.
func (s *Store) AddAlarmHistory(ctx context.Context, items []alarms.HistoryItem) error {
	return s.write(ctx, "add alarm history", func(tx *sql.Tx) error { return insertHistory(ctx, tx, items) })
}

// ListAlarmHistory returns the items f selects.
func (s *Store) ListAlarmHistory(ctx context.Context, f alarms.HistoryFilter) ([]alarms.HistoryItem, error) {
	var q strings.Builder
	q.WriteString(`SELECT id, alarm_name, time, type, summary, data FROM alarm_history WHERE account = ? AND region = ?`)
	args := []any{f.Account, f.Region}
	if f.AlarmName != "" {
		q.WriteString(` AND alarm_name = ?`)
		args = append(args, f.AlarmName)
	}
	if f.Type != "" {
		q.WriteString(` AND type = ?`)
		args = append(args, f.Type)
	}
	if !f.From.IsZero() {
		q.WriteString(` AND time >= ?`)
		args = append(args, clampNanos(f.From))
	}
	if !f.To.IsZero() {
		q.WriteString(` AND time <= ?`)
		args = append(args, clampNanos(f.To))
	}
	order := "DESC"
	if f.Ascending {
		order = "ASC"
	}
	if !f.AfterTime.IsZero() || f.AfterID != 0 {
		cmp := "<"
		if f.Ascending {
			cmp = ">"
		}
		q.WriteString(` AND (time, id) ` + cmp + ` (?, ?)`)
		args = append(args, clampNanos(f.AfterTime), f.AfterID)
	}
	q.WriteString(` ORDER BY time ` + order + `, id ` + order + ` LIMIT ?`)
	args = append(args, sqlLimit(f.Limit))
	rows, err := s.r.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return nil, internal("list alarm history", err)
	}
	defer rows.Close()
	var out []alarms.HistoryItem
	for rows.Next() {
		h := alarms.HistoryItem{Account: f.Account, Region: f.Region}
		var t sql.NullInt64
		if err := rows.Scan(&h.ID, &h.AlarmName, &t, &h.Type, &h.Summary, &h.Data); err != nil {
			return nil, internal("list alarm history", err)
		}
		h.Time = fromNanos(t)
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("list alarm history", err)
	}
	return out, nil
}

// PruneAlarmHistory deletes items older than before.
func (s *Store) PruneAlarmHistory(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, "prune alarm history", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM alarm_history WHERE time < ?`, clampNanos(before))
		if err != nil {
			return internal("prune alarm history", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
