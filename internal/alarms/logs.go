package alarms

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/alarms/filterpattern"
	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
)

// CloudWatch Logs messages, as the service writes them.
const (
	msgGroupNotFound  = "The specified log group does not exist."
	msgGroupExists    = "The specified log group already exists"
	msgFilterNotFound = "The specified metric filter does not exist."
	msgBadToken       = "The specified nextToken is invalid."
	msgLimit          = "Resource limit exceeded."
)

// Limits of the Logs operations.
const (
	defaultDescribeLimit = 50
	maxDimensions        = 3
	defaultEventsLimit   = 10000
	// A FilterLogEvents call reads at most scanBudget events and returns at
	// most maxEventBytes of messages; the rest is for the next page, as
	// AWS pages a search that is not complete.
	scanBudget    = 50000
	maxEventBytes = 1 << 20
)

// LogGroupInfo is a log group as DescribeLogGroups shows it.
type LogGroupInfo struct {
	LogGroup
	MetricFilterCount int
}

// DescribeLogGroupsInput selects log groups.
type DescribeLogGroupsInput struct {
	Prefix    string
	Pattern   string // case-sensitive substring
	NextToken string
	Limit     int // 0: 50
}

// CreateLogGroup creates an (empty) log group in the caller's account and
// region.
func (s *Service) CreateLogGroup(ctx context.Context, c *authz.Caller, name string) error {
	account, region := scopeOf(c)
	if err := s.authorize(ctx, c, "logs:CreateLogGroup", logGroupARN(region, account, name)+":*"); err != nil {
		return err
	}
	if name == s.auditGroup {
		return errs.E(errs.AlreadyExists, msgGroupExists)
	}
	err := s.store.CreateLogGroup(ctx, &LogGroup{Account: account, Region: region, Name: name, Created: s.now()})
	if errs.Is(err, errs.AlreadyExists) {
		return errs.E(errs.AlreadyExists, msgGroupExists)
	}
	return err
}

// logGroup returns a log group of the caller's scope, or ResourceNotFound.
func (s *Service) logGroup(ctx context.Context, account, region, name string) (*LogGroup, error) {
	if name == s.auditGroup {
		return s.auditLogGroup(account, region), nil
	}
	gs, err := s.store.ListLogGroups(ctx, account, region, name, "", 1)
	if err != nil {
		return nil, err
	}
	if len(gs) == 0 || gs[0].Name != name {
		return nil, errs.E(errs.NotFound, msgGroupNotFound)
	}
	return gs[0], nil
}

func (s *Service) auditLogGroup(account, region string) *LogGroup {
	return &LogGroup{Account: account, Region: region, Name: s.auditGroup, Created: s.auditCreated}
}

// DescribeLogGroups lists the caller's log groups by name.
func (s *Service) DescribeLogGroups(ctx context.Context, c *authz.Caller, in DescribeLogGroupsInput) ([]LogGroupInfo, string, error) {
	account, region := scopeOf(c)
	if err := s.authorize(ctx, c, "logs:DescribeLogGroups", logGroupARN(region, account, "*")); err != nil {
		return nil, "", err
	}
	if in.Prefix != "" && in.Pattern != "" {
		return nil, "", errs.E(errs.Validation, "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
	}
	limit := in.Limit
	if limit <= 0 {
		limit = defaultDescribeLimit
	}
	after, err := decodeToken(in.NextToken, "lg")
	if err != nil {
		return nil, "", err
	}
	var groups []*LogGroup
	for cursor := after; len(groups) <= limit; {
		batch, err := s.store.ListLogGroups(ctx, account, region, in.Prefix, cursor, 500)
		if err != nil {
			return nil, "", err
		}
		for _, g := range batch {
			if in.Pattern == "" || strings.Contains(g.Name, in.Pattern) {
				groups = append(groups, g)
			}
		}
		if len(batch) < 500 {
			break
		}
		cursor = batch[len(batch)-1].Name
	}
	// The audit log group, in its place.
	ag := s.auditLogGroup(account, region)
	if ag.Name > after && strings.HasPrefix(ag.Name, in.Prefix) && strings.Contains(ag.Name, in.Pattern) {
		i, _ := slices.BinarySearchFunc(groups, ag.Name, func(g *LogGroup, n string) int { return strings.Compare(g.Name, n) })
		groups = slices.Insert(groups, i, ag)
	}
	next := ""
	if len(groups) > limit {
		groups = groups[:limit]
		next = encodeToken("lg", groups[limit-1].Name)
	}
	filters, err := s.store.ListMetricFilters(ctx, account, region, "")
	if err != nil {
		return nil, "", err
	}
	counts := map[string]int{}
	for _, f := range filters {
		counts[f.LogGroup]++
	}
	out := make([]LogGroupInfo, len(groups))
	for i, g := range groups {
		out[i] = LogGroupInfo{LogGroup: *g, MetricFilterCount: counts[g.Name]}
	}
	return out, next, nil
}

// PutMetricFilterInput is a metric filter to create or replace.
type PutMetricFilterInput struct {
	LogGroup        string
	Name            string
	Pattern         string
	Transformations []MetricTransformation
}

// PutMetricFilter creates or replaces a metric filter on a log group of the
// caller's account and region.
func (s *Service) PutMetricFilter(ctx context.Context, c *authz.Caller, in PutMetricFilterInput) error {
	account, region := scopeOf(c)
	if err := s.authorize(ctx, c, "logs:PutMetricFilter", logGroupARN(region, account, in.LogGroup)+":*"); err != nil {
		return err
	}
	p, err := filterpattern.Parse(in.Pattern)
	if err != nil {
		return err
	}
	if len(in.Transformations) != 1 {
		return errs.E(errs.Validation, "A metric filter must have exactly one metric transformation.")
	}
	ts := slices.Clone(in.Transformations)
	for i := range ts {
		if err := checkTransformation(p, &ts[i]); err != nil {
			return err
		}
	}
	if _, err := s.logGroup(ctx, account, region, in.LogGroup); err != nil {
		return err
	}
	f := &MetricFilter{Account: account, Region: region, LogGroup: in.LogGroup, Name: in.Name, Pattern: in.Pattern,
		Transformations: ts, Created: s.now()}
	err = s.store.PutMetricFilter(ctx, f, MaxFiltersPerGroup)
	if errs.Is(err, errs.LimitExceeded) {
		return errs.E(errs.LimitExceeded, msgLimit)
	}
	if err == nil {
		s.filtersGen.Add(1)
	}
	return err
}

// checkTransformation validates a transformation against its pattern.
func checkTransformation(p *filterpattern.Pattern, t *MetricTransformation) error {
	if t.MetricName == "" || t.Namespace == "" || t.Value == "" {
		return errs.E(errs.Validation, "Invalid metric transformation: metricName, metricNamespace and metricValue are required.")
	}
	if err := p.CheckMetricValue(t.Value); err != nil {
		return err
	}
	if len(t.Dimensions) > maxDimensions {
		return errs.Ef(errs.Validation, "Invalid metric transformation: at most %d dimensions are allowed.", maxDimensions)
	}
	if len(t.Dimensions) > 0 && t.DefaultValue != nil {
		return errs.E(errs.Validation, "Invalid metric transformation: a default value cannot be combined with dimensions.")
	}
	for name, sel := range t.Dimensions {
		if name == "" {
			return errs.E(errs.Validation, "Invalid metric transformation: a dimension name must not be empty.")
		}
		if err := p.CheckSelector(sel); err != nil {
			return err
		}
	}
	return nil
}

// DescribeMetricFiltersInput selects metric filters.
type DescribeMetricFiltersInput struct {
	LogGroup   string // "" for every group
	NamePrefix string // needs LogGroup
	MetricName string // with MetricNamespace
	Namespace  string
	NextToken  string
	Limit      int // 0: 50
}

// DescribeMetricFilters lists the caller's metric filters, by log group
// then name.
func (s *Service) DescribeMetricFilters(ctx context.Context, c *authz.Caller, in DescribeMetricFiltersInput) ([]*MetricFilter, string, error) {
	account, region := scopeOf(c)
	arn := logGroupARN(region, account, "*")
	if in.LogGroup != "" {
		arn = logGroupARN(region, account, in.LogGroup) + ":*"
	}
	if err := s.authorize(ctx, c, "logs:DescribeMetricFilters", arn); err != nil {
		return nil, "", err
	}
	if in.NamePrefix != "" && in.LogGroup == "" {
		return nil, "", errs.E(errs.Validation, "If you specify a filter name prefix, you must specify a log group name.")
	}
	if (in.MetricName == "") != (in.Namespace == "") {
		return nil, "", errs.E(errs.Validation, "If you specify a metric name, you must specify a metric namespace, and the reverse.")
	}
	if in.LogGroup != "" {
		if _, err := s.logGroup(ctx, account, region, in.LogGroup); err != nil {
			return nil, "", err
		}
	}
	after, err := decodeToken(in.NextToken, "mf")
	if err != nil {
		return nil, "", err
	}
	limit := in.Limit
	if limit <= 0 {
		limit = defaultDescribeLimit
	}
	all, err := s.store.ListMetricFilters(ctx, account, region, in.LogGroup)
	if err != nil {
		return nil, "", err
	}
	var out []*MetricFilter
	next := ""
	for _, f := range all {
		if after != "" && filterCursor(f) <= after {
			continue
		}
		if !strings.HasPrefix(f.Name, in.NamePrefix) {
			continue
		}
		if in.MetricName != "" && !slices.ContainsFunc(f.Transformations, func(t MetricTransformation) bool {
			return t.MetricName == in.MetricName && t.Namespace == in.Namespace
		}) {
			continue
		}
		if len(out) == limit {
			next = encodeToken("mf", filterCursor(out[len(out)-1]))
			break
		}
		out = append(out, f)
	}
	return out, next, nil
}

// filterCursor orders filters as ListMetricFilters does.
func filterCursor(f *MetricFilter) string { return f.LogGroup + "\x00" + f.Name }

// DeleteMetricFilter deletes a metric filter.
func (s *Service) DeleteMetricFilter(ctx context.Context, c *authz.Caller, logGroup, name string) error {
	account, region := scopeOf(c)
	if err := s.authorize(ctx, c, "logs:DeleteMetricFilter", logGroupARN(region, account, logGroup)+":*"); err != nil {
		return err
	}
	if _, err := s.logGroup(ctx, account, region, logGroup); err != nil {
		return err
	}
	err := s.store.DeleteMetricFilter(ctx, account, region, logGroup, name)
	if errs.Is(err, errs.NotFound) {
		return errs.E(errs.NotFound, msgFilterNotFound)
	}
	if err == nil {
		s.filtersGen.Add(1)
	}
	return err
}

// FilterMatch is one message TestMetricFilter matched.
type FilterMatch struct {
	EventNumber int64 // 1-based position in the messages given
	Message     string
	Extracted   map[string]string // space-delimited fields ($name, $N)
}

// TestMetricFilter matches messages against a pattern.
func (s *Service) TestMetricFilter(ctx context.Context, c *authz.Caller, pattern string, messages []string) ([]FilterMatch, error) {
	if err := s.authorize(ctx, c, "logs:TestMetricFilter", "*"); err != nil {
		return nil, err
	}
	p, err := filterpattern.Parse(pattern)
	if err != nil {
		return nil, err
	}
	out := []FilterMatch{}
	for i, m := range messages {
		x, ok := p.Extract(m)
		if !ok {
			continue
		}
		fields := x.Fields()
		if fields == nil {
			fields = map[string]string{}
		}
		out = append(out, FilterMatch{EventNumber: int64(i + 1), Message: m, Extracted: fields})
	}
	return out, nil
}

// FilterLogEventsInput selects log events.
type FilterLogEventsInput struct {
	LogGroup     string
	StreamNames  []string
	StreamPrefix string
	// Start and End bound the events' timestamps, inclusive; zero is
	// unbounded.
	Start, End time.Time
	Pattern    string
	NextToken  string
	Limit      int // 0: 10,000
}

// LogEvent is one event of a log group.
type LogEvent struct {
	Stream    string
	Timestamp time.Time
	Ingested  time.Time
	Message   string
	ID        string
}

// FilterLogEvents returns the caller's log events that match, oldest first.
// A page may stop before the end of the search (after scanBudget events or
// maxEventBytes of messages) with a token to go on, as AWS does.
func (s *Service) FilterLogEvents(ctx context.Context, c *authz.Caller, in FilterLogEventsInput) ([]LogEvent, string, error) {
	account, region := scopeOf(c)
	if err := s.authorize(ctx, c, "logs:FilterLogEvents", logGroupARN(region, account, in.LogGroup)+":*"); err != nil {
		return nil, "", err
	}
	if in.StreamPrefix != "" && len(in.StreamNames) > 0 {
		return nil, "", errs.E(errs.Validation, "Cannot specify both logStreamNames and logStreamNamePrefix.")
	}
	if !in.Start.IsZero() && !in.End.IsZero() && in.End.Before(in.Start) {
		return nil, "", errs.E(errs.Validation, "End time must be greater than or equal to start time.")
	}
	p, err := filterpattern.Parse(in.Pattern)
	if err != nil {
		return nil, "", err
	}
	if _, err := s.logGroup(ctx, account, region, in.LogGroup); err != nil {
		return nil, "", err
	}
	limit := in.Limit
	if limit <= 0 {
		limit = defaultEventsLimit
	}
	from := uint64(0)
	if in.NextToken != "" {
		t, err := decodeToken(in.NextToken, "ev")
		if err != nil {
			return nil, "", err
		}
		if from, err = strconv.ParseUint(t, 10, 64); err != nil || from == 0 {
			return nil, "", errs.E(CodeInvalidNextToken, msgBadToken)
		}
	}
	out := []LogEvent{}
	if in.LogGroup != s.auditGroup || s.source == nil {
		return out, "", nil // other groups receive no events
	}
	if from == 0 && !in.Start.IsZero() {
		if from, err = s.seqAtOrAfter(ctx, in.Start); err != nil {
			return nil, "", err
		}
	}
	var (
		next    uint64
		scanned int
		bytes   int
		scanErr error
	)
	err = s.source.Scan(ctx, audit.ScanOptions{Start: from}, func(seq uint64, ev *audit.Event) bool {
		if scanned >= scanBudget || len(out) >= limit || bytes >= maxEventBytes {
			next = seq
			return false
		}
		scanned++
		t := ev.EventTime.UTC()
		if !in.End.IsZero() && t.After(in.End) {
			// Event times follow the sequence within a request's duration;
			// one far past the end ends the search.
			if t.Sub(in.End) > time.Minute {
				return false
			}
			return true
		}
		if (!in.Start.IsZero() && t.Before(in.Start)) || eventAccount(ev) != account {
			return true
		}
		stream := streamName(ev)
		if in.StreamPrefix != "" && !strings.HasPrefix(stream, in.StreamPrefix) {
			return true
		}
		if len(in.StreamNames) > 0 && !slices.Contains(in.StreamNames, stream) {
			return true
		}
		msg, err := logMessage(ev)
		if err != nil {
			scanErr = err
			return false
		}
		if !p.Match(msg) {
			return true
		}
		bytes += len(msg)
		out = append(out, LogEvent{Stream: stream, Timestamp: t.Truncate(time.Millisecond), Ingested: t.Truncate(time.Millisecond),
			Message: msg, ID: eventID(seq)})
		return true
	})
	if err == nil {
		err = scanErr
	}
	if err != nil {
		return nil, "", err
	}
	token := ""
	if next != 0 {
		token = encodeToken("ev", strconv.FormatUint(next, 10))
	}
	return out, token, nil
}

// streamName is the log stream CloudTrail delivers an event to.
func streamName(ev *audit.Event) string {
	region := ev.AWSRegion
	if region == "" {
		region = DefaultHomeRegion
	}
	return eventAccount(ev) + "_CloudTrail_" + region
}

// eventID is a log event's ID: its sequence number in the trail, in the
// 56-digit form of CloudWatch Logs event IDs.
func eventID(seq uint64) string { return fmt.Sprintf("%056d", seq) }

// seqAtOrAfter finds, by binary search over the trail, a sequence number at
// or before the first event at or after t (event times are close to, not
// strictly, in sequence order: the search aims a minute early).
func (s *Service) seqAtOrAfter(ctx context.Context, t time.Time) (uint64, error) {
	t = t.Add(-time.Minute)
	first, firstTime, err := s.firstAt(ctx, 0)
	if err != nil || first == 0 || !firstTime.Before(t) {
		return first, err
	}
	last, err := s.latestSeq(ctx)
	if err != nil {
		return 0, err
	}
	lo, hi := first, last // the event at lo is before t
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		seq, mt, err := s.firstAt(ctx, mid)
		if err != nil {
			return 0, err
		}
		if seq == 0 || !mt.Before(t) {
			hi = mid
		} else {
			lo = seq
			if seq >= hi {
				break
			}
		}
	}
	return lo, nil
}

// firstAt returns the first event at or after sequence number from, and its
// time; 0 when there is none.
func (s *Service) firstAt(ctx context.Context, from uint64) (uint64, time.Time, error) {
	var seq uint64
	var t time.Time
	err := s.source.Scan(ctx, audit.ScanOptions{Start: from}, func(n uint64, ev *audit.Event) bool {
		seq, t = n, ev.EventTime.Time
		return false
	})
	return seq, t, err
}

// Page tokens are base64url("<kind>:<cursor>"): opaque to clients, checked
// for their kind so a token of one listing is refused by another.

func encodeToken(kind, cursor string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + cursor))
}

func decodeToken(tok, kind string) (string, error) {
	if tok == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return "", errs.E(CodeInvalidNextToken, msgBadToken)
	}
	cursor, ok := strings.CutPrefix(string(b), kind+":")
	if !ok || cursor == "" {
		return "", errs.E(CodeInvalidNextToken, msgBadToken)
	}
	return cursor, nil
}
