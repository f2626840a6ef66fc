package alarms

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
)

// Codes of this package's errors that errs has no code for. cloudwatchapi
// maps them to CloudWatch's error codes (logsapi to InvalidParameterException).
const (
	// CodeInvalidParameterValue is CloudWatch's InvalidParameterValue.
	CodeInvalidParameterValue errs.Code = "CloudWatchInvalidParameterValue"
	// CodeInvalidParameterCombination is CloudWatch's InvalidParameterCombination.
	CodeInvalidParameterCombination errs.Code = "CloudWatchInvalidParameterCombination"
	// CodeMissingParameter is CloudWatch's MissingParameter.
	CodeMissingParameter errs.Code = "CloudWatchMissingParameter"
	// CodeInvalidNextToken is a page token that is not one this service
	// handed out (CloudWatch's InvalidNextToken).
	CodeInvalidNextToken errs.Code = "CloudWatchInvalidNextToken"
	// CodeInvalidFormat is CloudWatch's InvalidFormat (SetAlarmState's
	// StateReasonData is not JSON).
	CodeInvalidFormat errs.Code = "CloudWatchInvalidFormat"
)

// Defaults and limits.
const (
	DefaultAuditLogGroup    = "keyward/audit"
	DefaultRetention        = 15 * 24 * time.Hour // CloudWatch keeps 1-minute data 15 days
	DefaultHistoryRetention = 14 * 24 * time.Hour // CloudWatch keeps alarm history two weeks
	DefaultHomeRegion       = "us-east-1"
	DefaultFlushInterval    = time.Second
	DefaultEvalInterval     = 10 * time.Second
	MaxFiltersPerGroup      = 100  // PutMetricFilter's quota per log group
	MaxAlarms               = 5000 // per account and region
	MaxLogGroups            = 1_000_000
	// ingestConsumer names the ingest's checkpoint in the store.
	ingestConsumer = "metric-filters"
)

// Alarm states.
const (
	StateOK               = "OK"
	StateAlarm            = "ALARM"
	StateInsufficientData = "INSUFFICIENT_DATA"
)

// History item types.
const (
	HistoryConfigurationUpdate = "ConfigurationUpdate"
	HistoryStateUpdate         = "StateUpdate"
	HistoryAction              = "Action"
)

// AlarmTypeMetric is the only alarm type Keyward has (no composite alarms).
const AlarmTypeMetric = "MetricAlarm"

// LogGroup is a CloudWatch Logs log group. The audit log group is not
// stored: every account has it in every region.
type LogGroup struct {
	Account string
	Region  string
	Name    string
	Created time.Time
}

// ARN is the log group's ARN without the trailing ":*" (logGroupArn).
func (g *LogGroup) ARN() string { return logGroupARN(g.Region, g.Account, g.Name) }

func logGroupARN(region, account, name string) string {
	return "arn:aws:logs:" + region + ":" + account + ":log-group:" + name
}

// MetricFilter is a metric filter of a log group.
type MetricFilter struct {
	Account  string
	Region   string
	LogGroup string
	Name     string
	Pattern  string
	// Transformations holds exactly one transformation, as PutMetricFilter
	// allows.
	Transformations []MetricTransformation
	Created         time.Time
}

// MetricTransformation says what a matching event publishes.
type MetricTransformation struct {
	MetricName string
	Namespace  string
	// Value is a number ("1") or a selector ("$.bytes").
	Value string
	// DefaultValue, when set, is published for each minute in which the
	// log group received events and none matched.
	DefaultValue *float64
	Unit         string
	// Dimensions maps a dimension name to the selector of its value.
	Dimensions map[string]string
}

// Dimension is one dimension of a metric.
type Dimension struct {
	Name  string
	Value string
}

// Metric identifies a metric: dimensions are sorted by name.
type Metric struct {
	Account    string
	Region     string
	Namespace  string
	Name       string
	Dimensions []Dimension
}

// DimensionsKey is the canonical text of a sorted dimension list, the form
// stores keep: a JSON array of [name, value] pairs ("[]" when none).
func DimensionsKey(ds []Dimension) string {
	pairs := make([][2]string, len(ds))
	for i, d := range ds {
		pairs[i] = [2]string{d.Name, d.Value}
	}
	b, _ := json.Marshal(pairs) // cannot fail: strings only
	return string(b)
}

// ParseDimensionsKey is the inverse of DimensionsKey.
func ParseDimensionsKey(s string) ([]Dimension, error) {
	var pairs [][2]string
	if err := json.Unmarshal([]byte(s), &pairs); err != nil {
		return nil, err
	}
	ds := make([]Dimension, len(pairs))
	for i, p := range pairs {
		ds[i] = Dimension{Name: p[0], Value: p[1]}
	}
	return ds, nil
}

// sortDimensions returns a sorted copy of ds.
func sortDimensions(ds []Dimension) []Dimension {
	out := slices.Clone(ds)
	slices.SortFunc(out, func(a, b Dimension) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
	return out
}

// Datapoint is the aggregate of a metric's values, of one unit, in one
// minute (Time is the minute's start, UTC).
type Datapoint struct {
	Metric      Metric
	Unit        string // "" when the filter set none ("None" on the wire)
	Time        time.Time
	SampleCount float64
	Sum         float64
	Min         float64
	Max         float64
}

// add merges another aggregate of the same metric, unit and minute.
func (d *Datapoint) add(o *Datapoint) {
	d.SampleCount += o.SampleCount
	d.Sum += o.Sum
	d.Min = min(d.Min, o.Min)
	d.Max = max(d.Max, o.Max)
}

// AlarmConfig is what PutMetricAlarm sets.
type AlarmConfig struct {
	Description             string
	ActionsEnabled          bool
	OKActions               []string
	AlarmActions            []string
	InsufficientDataActions []string
	MetricName              string
	Namespace               string
	Statistic               string
	Dimensions              []Dimension // in the order given
	Period                  int32       // seconds
	Unit                    string
	EvaluationPeriods       int32
	DatapointsToAlarm       int32 // 0: EvaluationPeriods
	Threshold               float64
	ComparisonOperator      string
	TreatMissingData        string // "" is missing
	Tags                    []Tag
}

// Tag is an alarm's tag.
type Tag struct {
	Key   string
	Value string
}

// Alarm is a metric alarm with its state.
type Alarm struct {
	Account string
	Region  string
	Name    string
	Config  AlarmConfig
	// ConfigUpdated is when the configuration last changed.
	ConfigUpdated     time.Time
	State             string
	StateReason       string
	StateReasonData   string // JSON, "" when none
	StateUpdated      time.Time
	StateTransitioned time.Time
	// Version increases with every stored change (optimistic concurrency).
	Version int64
}

// ARN is the alarm's ARN.
func (a *Alarm) ARN() string { return AlarmARN(a.Region, a.Account, a.Name) }

// AlarmARN is arn:aws:cloudwatch:<region>:<account>:alarm:<name>.
func AlarmARN(region, account, name string) string {
	return "arn:aws:cloudwatch:" + region + ":" + account + ":alarm:" + name
}

// HistoryItem is one entry of an alarm's history.
type HistoryItem struct {
	// ID orders items recorded at the same time; the store assigns it.
	ID        int64
	Account   string
	Region    string
	AlarmName string
	Time      time.Time
	Type      string // HistoryConfigurationUpdate, HistoryStateUpdate, HistoryAction
	Summary   string
	Data      string // JSON
}

// HistoryFilter selects history items.
type HistoryFilter struct {
	Account, Region string
	AlarmName       string // "" for every alarm
	Type            string // "" for every type
	From, To        time.Time
	Ascending       bool
	// After is the position to continue from (exclusive): the time and ID
	// of the last item of the previous page; zero to start.
	AfterTime time.Time
	AfterID   int64
	Limit     int
}

// Store is the persistence alarms need. Implementations are safe for
// concurrent use; times round-trip with at least millisecond precision and
// come back in UTC.
type Store interface {
	// CreateLogGroup stores a log group; errs.AlreadyExists if the name is
	// taken in its account and region.
	CreateLogGroup(ctx context.Context, g *LogGroup) error
	// ListLogGroups returns an account's log groups in a region whose names
	// start with prefix and sort after after, by name, at most limit.
	ListLogGroups(ctx context.Context, account, region, prefix, after string, limit int) ([]*LogGroup, error)

	// PutMetricFilter creates or replaces a metric filter (keyed by account,
	// region, log group and name; a replaced filter keeps its Created).
	// Creating one when the group already has max filters is
	// errs.LimitExceeded.
	PutMetricFilter(ctx context.Context, f *MetricFilter, max int) error
	// DeleteMetricFilter deletes a metric filter; errs.NotFound if absent.
	DeleteMetricFilter(ctx context.Context, account, region, logGroup, name string) error
	// ListMetricFilters returns the filters of an account in a region,
	// ordered by log group then name; logGroup "" means every group.
	ListMetricFilters(ctx context.Context, account, region, logGroup string) ([]*MetricFilter, error)
	// AllMetricFilters returns every filter of every account.
	AllMetricFilters(ctx context.Context) ([]*MetricFilter, error)

	// AddDatapoints merges each datapoint into the stored one of the same
	// metric, unit and minute (counts and sums add, minimum and maximum
	// combine) and records that consumer has counted every event up to
	// sequence number through, in one transaction.
	AddDatapoints(ctx context.Context, consumer string, through uint64, dps []Datapoint) error
	// Checkpoint returns what AddDatapoints last recorded for consumer, 0
	// if nothing.
	Checkpoint(ctx context.Context, consumer string) (uint64, error)
	// Datapoints returns a metric's datapoints (every unit) with from <=
	// Time < to, ordered by time then unit.
	Datapoints(ctx context.Context, m Metric, from, to time.Time) ([]Datapoint, error)
	// ListMetrics returns the metrics of an account in a region with a
	// datapoint at or after since, ordered by namespace, name, then the
	// dimensions' key; namespace and name "" match any.
	ListMetrics(ctx context.Context, account, region, namespace, name string, since time.Time) ([]Metric, error)
	// PruneDatapoints deletes datapoints older than before.
	PruneDatapoints(ctx context.Context, before time.Time) (int64, error)

	// CreateAlarm stores a new alarm and its history items; errs.AlreadyExists
	// if the name is taken in its account and region.
	CreateAlarm(ctx context.Context, a *Alarm, history []HistoryItem) error
	// GetAlarm returns an alarm; errs.NotFound if absent.
	GetAlarm(ctx context.Context, account, region, name string) (*Alarm, error)
	// UpdateAlarm replaces a stored alarm whose Version is prev with a (whose
	// Version the caller has set above prev) and adds the history items, in
	// one transaction: errs.NotFound if absent, errs.Conflict if its
	// version is not prev.
	UpdateAlarm(ctx context.Context, a *Alarm, prev int64, history []HistoryItem) error
	// DeleteAlarm deletes an alarm and adds the history items (history
	// outlives the alarm); errs.NotFound if absent.
	DeleteAlarm(ctx context.Context, account, region, name string, history []HistoryItem) error
	// ListAlarms returns an account's alarms in a region, by name, whose
	// names sort after after, at most limit (0: no limit).
	ListAlarms(ctx context.Context, account, region, after string, limit int) ([]*Alarm, error)
	// AllAlarms returns every alarm of every account.
	AllAlarms(ctx context.Context) ([]*Alarm, error)
	// AddAlarmHistory adds history items.
	AddAlarmHistory(ctx context.Context, items []HistoryItem) error
	// ListAlarmHistory returns the items f selects, ordered by time then ID
	// (descending unless f.Ascending).
	ListAlarmHistory(ctx context.Context, f HistoryFilter) ([]HistoryItem, error)
	// PruneAlarmHistory deletes items older than before.
	PruneAlarmHistory(ctx context.Context, before time.Time) (int64, error)
}

// EventSource is the durable audit trail the ingest follows and
// FilterLogEvents reads; *audit.Log implements it.
type EventSource interface {
	// Scan calls fn for every durable event in the order opts choose until
	// fn returns false.
	Scan(ctx context.Context, opts audit.ScanOptions, fn func(seq uint64, ev *audit.Event) bool) error
	// Tail calls fn for each event from sequence number from on as it
	// becomes durable, until fn returns false or ctx ends.
	Tail(ctx context.Context, from uint64, fn func(seq uint64, ev *audit.Event) bool) error
}

// Notifier publishes alarm notifications to SNS topics on behalf of
// Keyward itself (notify.Service.PublishSystem).
type Notifier interface {
	PublishSystem(ctx context.Context, topicARN, subject, message string) (messageID string, err error)
}

// Config configures a Service.
type Config struct {
	Store Store
	// Source is the audit trail; nil leaves the log group empty and the
	// metrics without data.
	Source EventSource
	// Notifier carries alarm actions; nil records every action as failed.
	Notifier   Notifier
	Authorizer authz.Authorizer
	Logger     *slog.Logger
	// Now is the alarm clock: evaluations, state and history times. Nil is
	// time.Now. Datapoints carry the audit events' own times.
	Now func() time.Time

	// AuditLogGroup is the name of the audit log group (default
	// DefaultAuditLogGroup); AuditLogGroupCreated its creationTime (when
	// the deployment began its trail).
	AuditLogGroup        string
	AuditLogGroupCreated time.Time
	// Retention bounds the datapoints kept (default DefaultRetention);
	// HistoryRetention the alarm history (default DefaultHistoryRetention).
	Retention        time.Duration
	HistoryRetention time.Duration
	// FlushInterval is how often the ingest writes what it counted (default
	// one second); EvalInterval how often Run evaluates the alarms (default
	// ten seconds, CloudWatch's rate for high-resolution alarms).
	FlushInterval time.Duration
	EvalInterval  time.Duration

	// Builtin configures the built-in alarm on the use of disabled or
	// pending-deletion keys.
	Builtin Builtin
}

// Builtin configures the built-in alarm.
type Builtin struct {
	// Disabled turns the built-in metric filter, alarm and log line off.
	Disabled bool
	// TopicARN, when set, is the SNS topic the alarm notifies on ALARM.
	TopicARN string
	// Region is the region the filter and alarm live in (default
	// DefaultHomeRegion); they see the account's events of every region.
	Region string
}

// Service is the alarms domain service.
type Service struct {
	store    Store
	source   EventSource
	notifier Notifier
	authz    authz.Authorizer
	log      *slog.Logger
	clock    func() time.Time

	auditGroup       string
	auditCreated     time.Time
	retention        time.Duration
	historyRetention time.Duration
	flushInterval    time.Duration
	evalInterval     time.Duration
	builtin          Builtin

	// filtersGen counts metric filter changes; the ingest reloads its
	// filters when it moves.
	filtersGen atomic.Uint64

	ing ingest

	// evalMu serializes evaluations (Run's ticker, tests).
	evalMu sync.Mutex
}

// New returns a Service.
func New(c Config) *Service {
	s := &Service{store: c.Store, source: c.Source, notifier: c.Notifier, authz: c.Authorizer, log: c.Logger,
		clock: c.Now, auditGroup: c.AuditLogGroup, auditCreated: c.AuditLogGroupCreated.UTC(), retention: c.Retention, historyRetention: c.HistoryRetention,
		flushInterval: c.FlushInterval, evalInterval: c.EvalInterval, builtin: c.Builtin}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.authz == nil {
		s.authz = authz.AccountBoundary{}
	}
	if s.auditGroup == "" {
		s.auditGroup = DefaultAuditLogGroup
	}
	if s.retention <= 0 {
		s.retention = DefaultRetention
	}
	if s.historyRetention <= 0 {
		s.historyRetention = DefaultHistoryRetention
	}
	if s.flushInterval <= 0 {
		s.flushInterval = DefaultFlushInterval
	}
	if s.evalInterval <= 0 {
		s.evalInterval = DefaultEvalInterval
	}
	if s.builtin.Region == "" {
		s.builtin.Region = DefaultHomeRegion
	}
	s.ing.init()
	return s
}

// now is the alarm clock with millisecond precision, as stored.
func (s *Service) now() time.Time { return s.clock().UTC().Truncate(time.Millisecond) }

// AuditLogGroup returns the audit log group's name.
func (s *Service) AuditLogGroup() string { return s.auditGroup }

// authorize asks whether c may perform action on arn in account.
func (s *Service) authorize(ctx context.Context, c *authz.Caller, action, arn string) error {
	if c == nil {
		return errs.E(errs.AccessDenied, "not authorized")
	}
	return s.authz.Authorize(ctx, c, action, authz.Resource{ARN: arn, Account: c.Account})
}

// scopeOf is the caller's account and region.
func scopeOf(c *authz.Caller) (account, region string) {
	region = c.Region
	if region == "" {
		region = DefaultHomeRegion
	}
	return c.Account, region
}
