package alarms

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
)

// Comparison operators alarms support (the anomaly-band ones need anomaly
// detection models, which Keyward does not have).
var comparisonOperators = []string{"GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"}

var treatMissing = []string{"missing", "notBreaching", "breaching", "ignore"}

const (
	initialReason  = "Unchecked: Initial alarm creation"
	maxHistoryData = 4095
	maxSummary     = 255
)

func alarmNotFound(name string) error {
	return errs.Ef(errs.NotFound, "Alarm %s not found", name)
}

// validateAlarm checks what PutMetricAlarm's model cannot: the rules
// between members, as CloudWatch reports them (ValidationError).
func validateAlarm(account, region, name string, cfg *AlarmConfig) error {
	bad := func(format string, args ...any) error { return errs.Ef(errs.Validation, format, args...) }
	switch {
	case name == "":
		return bad("The parameter AlarmName is required.")
	case strings.IndexFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0:
		return bad("The parameter AlarmName must not contain ASCII control characters.")
	case cfg.MetricName == "" || cfg.Namespace == "":
		return bad("The parameters MetricName and Namespace are required for an alarm on a metric.")
	case cfg.Statistic == "":
		return bad("The parameter Statistic is required.")
	case !validStatistic(cfg.Statistic):
		return bad("The value %s for parameter Statistic is not valid.", cfg.Statistic)
	case cfg.Period <= 0:
		return bad("The parameter Period is required.")
	case !(cfg.Period == 10 || cfg.Period == 20 || cfg.Period == 30 || cfg.Period%60 == 0):
		return bad("The parameter Period must be 10, 20, 30 or a multiple of 60.")
	case cfg.EvaluationPeriods <= 0:
		return bad("The parameter EvaluationPeriods is required.")
	case cfg.DatapointsToAlarm > cfg.EvaluationPeriods:
		return bad("DatapointsToAlarm must be less than or equal to EvaluationPeriods.")
	case !slices.Contains(comparisonOperators, cfg.ComparisonOperator):
		if cfg.ComparisonOperator == "" {
			return bad("The parameter ComparisonOperator is required.")
		}
		return bad("Comparison operator %s needs an anomaly detection model, which this server does not support.", cfg.ComparisonOperator)
	case cfg.TreatMissingData != "" && !slices.Contains(treatMissing, cfg.TreatMissingData):
		return bad("Option %s is not supported. Supported options for parameter TreatMissingData are missing, ignore, breaching and notBreaching.", cfg.TreatMissingData)
	}
	total := int64(cfg.Period) * int64(cfg.EvaluationPeriods)
	if total > 7*86400 || (cfg.Period < 3600 && total > 86400) {
		return bad("The evaluation period (Period × EvaluationPeriods) may not exceed one day, or seven days for periods of an hour or more.")
	}
	for _, d := range cfg.Dimensions {
		if d.Name == "" || d.Value == "" {
			return bad("Every dimension needs a Name and a Value.")
		}
	}
	for _, list := range [][]string{cfg.OKActions, cfg.AlarmActions, cfg.InsufficientDataActions} {
		for _, arn := range list {
			if err := checkAction(account, region, arn); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkAction accepts SNS topics of the alarm's own account.
func checkAction(account, region, arn string) error {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[3] == "" || parts[5] == "" {
		return errs.Ef(errs.Validation, "Invalid arn syntax: %s", arn)
	}
	if parts[2] != "sns" {
		return errs.Ef(errs.Validation, "The action %s is not supported: this server carries out SNS notification actions only.", arn)
	}
	if parts[4] != account {
		return errs.Ef(errs.Validation, "The action %s names a topic of another account; alarm actions may only notify topics of the alarm's account.", arn)
	}
	return nil
}

// newAlarm is a new alarm in INSUFFICIENT_DATA.
func (s *Service) newAlarm(account, region, name string, cfg AlarmConfig) *Alarm {
	now := s.now()
	return &Alarm{Account: account, Region: region, Name: name, Config: cfg, ConfigUpdated: now,
		State: StateInsufficientData, StateReason: initialReason, StateUpdated: now, StateTransitioned: now, Version: 1}
}

// PutMetricAlarm creates an alarm (in INSUFFICIENT_DATA, then evaluated at
// once) or replaces an alarm's configuration, keeping its state and its
// tags (tags are set only when an alarm is created).
func (s *Service) PutMetricAlarm(ctx context.Context, c *authz.Caller, name string, cfg AlarmConfig) error {
	account, region := scopeOf(c)
	if err := s.authorize(ctx, c, "cloudwatch:PutMetricAlarm", AlarmARN(region, account, name)); err != nil {
		return err
	}
	if err := validateAlarm(account, region, name, &cfg); err != nil {
		return err
	}
	if cfg.DatapointsToAlarm == 0 {
		cfg.DatapointsToAlarm = cfg.EvaluationPeriods
	}
	for attempt := 0; ; attempt++ {
		old, err := s.store.GetAlarm(ctx, account, region, name)
		switch {
		case errs.Is(err, errs.NotFound):
			existing, err := s.store.ListAlarms(ctx, account, region, "", MaxAlarms)
			if err != nil {
				return err
			}
			if len(existing) >= MaxAlarms {
				return errs.Ef(errs.LimitExceeded, "The maximum allowed number of alarms (%d) has been reached.", MaxAlarms)
			}
			a := s.newAlarm(account, region, name, cfg)
			err = s.store.CreateAlarm(ctx, a, []HistoryItem{s.configHistory(a, nil, "Create")})
			if errs.Is(err, errs.AlreadyExists) && attempt < 3 {
				continue
			}
			if err != nil {
				return err
			}
			s.evalMu.Lock()
			defer s.evalMu.Unlock()
			if err := s.evaluate(ctx, a, s.now()); err != nil && !errs.Is(err, errs.Conflict) {
				s.log.Error("evaluating a new alarm", "alarm", a.ARN(), "err", err)
			}
			return nil
		case err != nil:
			return err
		}
		a := *old
		cfg.Tags = old.Config.Tags
		a.Config, a.ConfigUpdated, a.Version = cfg, s.now(), old.Version+1
		err = s.store.UpdateAlarm(ctx, &a, old.Version, []HistoryItem{s.configHistory(&a, old, "Update")})
		if errs.Is(err, errs.Conflict) && attempt < 3 {
			continue
		}
		return err
	}
}

// alarmJSON is an alarm's configuration as history data shows it.
func alarmJSON(a *Alarm) map[string]any {
	dims := make([]map[string]string, len(a.Config.Dimensions))
	for i, d := range a.Config.Dimensions {
		dims[i] = map[string]string{"name": d.Name, "value": d.Value}
	}
	m := map[string]any{
		"timestamp": awsTime(a.ConfigUpdated), "alarmName": a.Name, "alarmArn": a.ARN(),
		"namespace": a.Config.Namespace, "metricName": a.Config.MetricName, "dimensions": dims,
		"statistic": a.Config.Statistic, "period": a.Config.Period, "unit": a.Config.Unit,
		"evaluationPeriods": a.Config.EvaluationPeriods, "datapointsToAlarm": a.Config.DatapointsToAlarm,
		"threshold": javaNumber(a.Config.Threshold), "comparisonOperator": a.Config.ComparisonOperator,
		"treatMissingData": treatMissingOrDefault(a.Config.TreatMissingData), "actionsEnabled": a.Config.ActionsEnabled,
		"alarmActions": nonNil(a.Config.AlarmActions), "okActions": nonNil(a.Config.OKActions),
		"insufficientDataActions": nonNil(a.Config.InsufficientDataActions),
	}
	if a.Config.Description != "" {
		m["alarmDescription"] = a.Config.Description
	}
	return m
}

func treatMissingOrDefault(t string) string {
	if t == "" {
		return "missing"
	}
	return t
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// configHistory is the ConfigurationUpdate item of a create, update or
// delete (kind "Create", "Update", "Delete").
func (s *Service) configHistory(a, old *Alarm, kind string) HistoryItem {
	data := map[string]any{"version": "1.0", "type": kind}
	verb := map[string]string{"Create": "created", "Update": "updated", "Delete": "deleted"}[kind]
	switch kind {
	case "Create":
		data["createdAlarm"] = alarmJSON(a)
	case "Update":
		data["updatedAlarm"], data["originalAlarm"] = alarmJSON(a), alarmJSON(old)
	case "Delete":
		data["deletedAlarm"] = alarmJSON(a)
	}
	text := marshalJSON(data)
	if len(text) > maxHistoryData {
		text = marshalJSON(map[string]any{"version": "1.0", "type": kind, "alarmName": a.Name})
	}
	return HistoryItem{Account: a.Account, Region: a.Region, AlarmName: a.Name, Time: s.now(), Type: HistoryConfigurationUpdate,
		Summary: bound(fmt.Sprintf("Alarm %q %s", a.Name, verb), maxSummary), Data: text}
}

// bound cuts s to n bytes without splitting a character.
func bound(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n]
}

// DescribeAlarmsInput selects alarms.
type DescribeAlarmsInput struct {
	Names        []string
	Prefix       string
	State        string
	ActionPrefix string
	Types        []string // AlarmTypes; nil is MetricAlarm
	// Composite-alarm relations: Keyward has no composite alarms, so any
	// value selects nothing.
	ChildrenOf, ParentsOf string
	MaxRecords            int // 0: 50
	NextToken             string
}

// DescribeAlarms lists the caller's alarms by name.
func (s *Service) DescribeAlarms(ctx context.Context, c *authz.Caller, in DescribeAlarmsInput) ([]*Alarm, string, error) {
	account, region := scopeOf(c)
	if err := s.authorize(ctx, c, "cloudwatch:DescribeAlarms", AlarmARN(region, account, "*")); err != nil {
		return nil, "", err
	}
	if len(in.Names) > 0 && in.Prefix != "" {
		return nil, "", errs.E(CodeInvalidParameterCombination, "AlarmNames and AlarmNamePrefix cannot be used together.")
	}
	if in.ChildrenOf != "" && in.ParentsOf != "" {
		return nil, "", errs.E(CodeInvalidParameterCombination, "ChildrenOfAlarmName and ParentsOfAlarmName cannot be used together.")
	}
	after, err := decodeToken(in.NextToken, "al")
	if err != nil {
		return nil, "", errs.E(CodeInvalidNextToken, "The NextToken is not valid.")
	}
	limit := in.MaxRecords
	if limit <= 0 {
		limit = 50
	}
	if (in.Types != nil && !slices.Contains(in.Types, AlarmTypeMetric)) || in.ChildrenOf != "" || in.ParentsOf != "" {
		return []*Alarm{}, "", nil
	}
	var out []*Alarm
	next := ""
	for cursor := after; ; {
		batch, err := s.store.ListAlarms(ctx, account, region, cursor, 500)
		if err != nil {
			return nil, "", err
		}
		for _, a := range batch {
			if !alarmSelected(a, &in) {
				continue
			}
			if len(out) == limit {
				return out, encodeToken("al", out[len(out)-1].Name), nil
			}
			out = append(out, a)
		}
		if len(batch) < 500 {
			break
		}
		cursor = batch[len(batch)-1].Name
	}
	if out == nil {
		out = []*Alarm{}
	}
	return out, next, nil
}

func alarmSelected(a *Alarm, in *DescribeAlarmsInput) bool {
	if len(in.Names) > 0 && !slices.Contains(in.Names, a.Name) {
		return false
	}
	if !strings.HasPrefix(a.Name, in.Prefix) || (in.State != "" && a.State != in.State) {
		return false
	}
	if in.ActionPrefix != "" {
		hit := false
		for _, list := range [][]string{a.Config.OKActions, a.Config.AlarmActions, a.Config.InsufficientDataActions} {
			for _, arn := range list {
				hit = hit || strings.HasPrefix(arn, in.ActionPrefix)
			}
		}
		return hit
	}
	return true
}

// DeleteAlarms deletes alarms. Names of alarms that do not exist are
// skipped, as CloudWatch documents ("the alarms you specify with correct
// names are still deleted").
func (s *Service) DeleteAlarms(ctx context.Context, c *authz.Caller, names []string) error {
	account, region := scopeOf(c)
	for _, name := range names {
		if err := s.authorize(ctx, c, "cloudwatch:DeleteAlarms", AlarmARN(region, account, name)); err != nil {
			return err
		}
	}
	for _, name := range names {
		a, err := s.store.GetAlarm(ctx, account, region, name)
		if errs.Is(err, errs.NotFound) {
			continue
		}
		if err != nil {
			return err
		}
		err = s.store.DeleteAlarm(ctx, account, region, name, []HistoryItem{s.configHistory(a, nil, "Delete")})
		if err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
	}
	return nil
}

// SetAlarmState sets an alarm's state until its next evaluation, running
// the actions of the new state when it differs from the current one.
func (s *Service) SetAlarmState(ctx context.Context, c *authz.Caller, name, state, reason, reasonData string) error {
	account, region := scopeOf(c)
	if err := s.authorize(ctx, c, "cloudwatch:SetAlarmState", AlarmARN(region, account, name)); err != nil {
		return err
	}
	switch state {
	case StateOK, StateAlarm, StateInsufficientData:
	default:
		return errs.Ef(errs.Validation, "The value %s for parameter StateValue is not valid.", state)
	}
	if reasonData != "" && !json.Valid([]byte(reasonData)) {
		return errs.E(CodeInvalidFormat, "The StateReasonData is not valid JSON.")
	}
	s.evalMu.Lock()
	defer s.evalMu.Unlock()
	for attempt := 0; ; attempt++ {
		a, err := s.store.GetAlarm(ctx, account, region, name)
		if errs.Is(err, errs.NotFound) {
			return alarmNotFound(name)
		}
		if err != nil {
			return err
		}
		err = s.transition(ctx, a, Evaluation{State: state, Reason: reason, ReasonData: reasonData}, true)
		if errs.Is(err, errs.Conflict) && attempt < 3 {
			continue
		}
		return err
	}
}

// HistoryInput selects history items.
type HistoryInput struct {
	AlarmName  string
	Types      []string // AlarmTypes; nil is every type
	ItemType   string
	Start, End time.Time // zero: unbounded
	MaxRecords int       // 0: 100
	NextToken  string
	Ascending  bool // ScanBy TimestampAscending
}

// DescribeAlarmHistory returns history items, newest first unless
// Ascending. History outlives deleted alarms, for HistoryRetention.
func (s *Service) DescribeAlarmHistory(ctx context.Context, c *authz.Caller, in HistoryInput) ([]HistoryItem, string, error) {
	account, region := scopeOf(c)
	arn := AlarmARN(region, account, "*")
	if in.AlarmName != "" {
		arn = AlarmARN(region, account, in.AlarmName)
	}
	if err := s.authorize(ctx, c, "cloudwatch:DescribeAlarmHistory", arn); err != nil {
		return nil, "", err
	}
	f := HistoryFilter{Account: account, Region: region, AlarmName: in.AlarmName, Type: in.ItemType,
		From: in.Start, To: in.End, Ascending: in.Ascending, Limit: in.MaxRecords}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	if in.NextToken != "" {
		cur, err := decodeToken(in.NextToken, "ah")
		ns, id, ok := strings.Cut(cur, ":")
		n, err1 := strconv.ParseInt(ns, 10, 64)
		i, err2 := strconv.ParseInt(id, 10, 64)
		if err != nil || !ok || err1 != nil || err2 != nil {
			return nil, "", errs.E(CodeInvalidNextToken, "The NextToken is not valid.")
		}
		f.AfterTime, f.AfterID = time.Unix(0, n).UTC(), i
	}
	if in.Types != nil && !slices.Contains(in.Types, AlarmTypeMetric) {
		return []HistoryItem{}, "", nil
	}
	limit := f.Limit
	f.Limit++
	items, err := s.store.ListAlarmHistory(ctx, f)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(items) > limit {
		items = items[:limit]
		last := items[limit-1]
		next = encodeToken("ah", strconv.FormatInt(last.Time.UnixNano(), 10)+":"+strconv.FormatInt(last.ID, 10))
	}
	return items, next, nil
}

// EvaluateAlarms evaluates every alarm at the alarm clock's current time,
// changing states and running actions as their data says.
func (s *Service) EvaluateAlarms(ctx context.Context) error {
	s.evalMu.Lock()
	defer s.evalMu.Unlock()
	as, err := s.store.AllAlarms(ctx)
	if err != nil {
		return err
	}
	now := s.now()
	for _, a := range as {
		if err := s.evaluate(ctx, a, now); err != nil && !errs.Is(err, errs.Conflict) {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			s.log.Error("alarm evaluation", "alarm", a.ARN(), "err", err)
		}
	}
	return nil
}

// evaluate evaluates one alarm at now. Called with evalMu held.
func (s *Service) evaluate(ctx context.Context, a *Alarm, now time.Time) error {
	points, err := s.points(ctx, a, now)
	if err != nil {
		return err
	}
	ev := Evaluate(&a.Config, points, now)
	if ev.State == "" || ev.State == a.State {
		return nil // unchanged: no new reason, no history, no action
	}
	return s.transition(ctx, a, ev, false)
}

// points computes the alarm's evaluation range at now: R whole periods
// ending at now rounded down to the minute (to the period below a minute).
func (s *Service) points(ctx context.Context, a *Alarm, now time.Time) ([]Point, error) {
	cfg := &a.Config
	p := time.Duration(cfg.Period) * time.Second
	end := now.UTC().Truncate(time.Minute)
	if cfg.Period < 60 {
		end = now.UTC().Truncate(p)
	}
	r := int(cfg.EvaluationPeriods) + rangeExtra
	start := end.Add(-time.Duration(r) * p)
	m := Metric{Account: a.Account, Region: a.Region, Namespace: cfg.Namespace, Name: cfg.MetricName, Dimensions: sortDimensions(cfg.Dimensions)}
	dps, err := s.store.Datapoints(ctx, m, start, end)
	if err != nil {
		return nil, err
	}
	aggs := make([]aggregate, r)
	for i := range dps {
		d := &dps[i]
		if cfg.Unit != "" && unitName(d.Unit) != cfg.Unit {
			continue
		}
		if b := int(d.Time.Sub(start) / p); b >= 0 && b < r {
			aggs[b].add(d)
		}
	}
	points := make([]Point, r)
	for i := range points {
		points[i] = Point{Time: start.Add(time.Duration(i) * p), Missing: aggs[i].n == 0}
		if aggs[i].n > 0 {
			points[i].Value, points[i].Samples = aggs[i].stat(cfg.Statistic), aggs[i].count
		}
	}
	return points, nil
}

// transition stores a state update with its history item and, when the
// state value changed and actions are enabled, runs the new state's
// actions. forced marks SetAlarmState, which records an update even when
// the state stays the same.
func (s *Service) transition(ctx context.Context, a *Alarm, ev Evaluation, forced bool) error {
	now := s.now()
	next := *a
	next.State, next.StateReason, next.StateReasonData = ev.State, bound(ev.Reason, 1023), ev.ReasonData
	next.StateUpdated = now
	if ev.State != a.State {
		next.StateTransitioned = now
	}
	next.Version = a.Version + 1
	item := HistoryItem{Account: a.Account, Region: a.Region, AlarmName: a.Name, Time: now, Type: HistoryStateUpdate,
		Summary: fmt.Sprintf("Alarm updated from %s to %s", a.State, ev.State), Data: stateHistoryData(a, &next)}
	if err := s.store.UpdateAlarm(ctx, &next, a.Version, []HistoryItem{item}); err != nil {
		return err
	}
	if ev.State != a.State {
		s.log.Info("alarm state changed", "alarm", next.ARN(), "from", a.State, "to", ev.State, "reason", next.StateReason, "forced", forced)
		if next.Config.ActionsEnabled {
			s.runActions(ctx, &next, a.State)
		}
	}
	return nil
}

// stateHistoryData is a StateUpdate item's data: the old and new states.
func stateHistoryData(old, cur *Alarm) string {
	state := func(a *Alarm) map[string]any {
		m := map[string]any{"stateValue": a.State, "stateReason": a.StateReason}
		if a.StateReasonData != "" {
			m["stateReasonData"] = json.RawMessage(a.StateReasonData)
		}
		return m
	}
	text := marshalJSON(map[string]any{"version": "1.0", "oldState": state(old), "newState": state(cur)})
	if len(text) > maxHistoryData {
		o, n := state(old), state(cur)
		delete(o, "stateReasonData")
		delete(n, "stateReasonData")
		text = marshalJSON(map[string]any{"version": "1.0", "oldState": o, "newState": n})
	}
	return text
}
