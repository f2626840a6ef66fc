package alarms

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
)

// Statistics.
const (
	StatSampleCount = "SampleCount"
	StatAverage     = "Average"
	StatSum         = "Sum"
	StatMinimum     = "Minimum"
	StatMaximum     = "Maximum"
)

// validStatistic reports whether s is one of the five simple statistics.
func validStatistic(s string) bool {
	switch s {
	case StatSampleCount, StatAverage, StatSum, StatMinimum, StatMaximum:
		return true
	}
	return false
}

// aggregate is the combination of datapoints of one period.
type aggregate struct {
	count, sum, min, max float64
	n                    int
}

func (a *aggregate) add(d *Datapoint) {
	if a.n == 0 {
		a.min, a.max = d.Min, d.Max
	} else {
		a.min, a.max = min(a.min, d.Min), max(a.max, d.Max)
	}
	a.count += d.SampleCount
	a.sum += d.Sum
	a.n++
}

func (a *aggregate) stat(name string) float64 {
	switch name {
	case StatSampleCount:
		return a.count
	case StatAverage:
		if a.count == 0 {
			return 0
		}
		return a.sum / a.count
	case StatSum:
		return a.sum
	case StatMinimum:
		return a.min
	case StatMaximum:
		return a.max
	}
	return 0
}

// validQueryPeriod reports whether p is a period GetMetricStatistics and
// GetMetricData accept: 1, 5, 10, 20, 30, 60 or a multiple of 60.
func validQueryPeriod(p int32) bool {
	switch p {
	case 1, 5, 10, 20, 30:
		return true
	}
	return p > 0 && p%60 == 0
}

// queryStart rounds a query's start time down as CloudWatch does: to the
// whole minute for periods of a minute or more, else to the period.
func queryStart(t time.Time, period int32) time.Time {
	t = t.UTC()
	if period >= 60 {
		return t.Truncate(time.Minute)
	}
	return t.Truncate(time.Duration(period) * time.Second)
}

// maxStatDatapoints is GetMetricStatistics' limit on datapoints per call.
const maxStatDatapoints = 1440

// StatisticsInput is a GetMetricStatistics request.
type StatisticsInput struct {
	Namespace  string
	MetricName string
	Dimensions []Dimension
	Start, End time.Time
	Period     int32
	Statistics []string
	Unit       string // "" for every unit
}

// StatDatapoint is one period of GetMetricStatistics; only the requested
// statistics are set.
type StatDatapoint struct {
	Time        time.Time
	Unit        string // "" is None
	SampleCount *float64
	Average     *float64
	Sum         *float64
	Minimum     *float64
	Maximum     *float64
}

// GetMetricStatistics returns the statistics of a metric per period,
// oldest first, one datapoint per period and unit that has data.
func (s *Service) GetMetricStatistics(ctx context.Context, c *authz.Caller, in StatisticsInput) ([]StatDatapoint, error) {
	account, region := scopeOf(c)
	if err := s.authorize(ctx, c, "cloudwatch:GetMetricStatistics", "*"); err != nil {
		return nil, err
	}
	if !in.Start.Before(in.End) {
		return nil, errs.E(CodeInvalidParameterValue, "The parameter StartTime must be less than the parameter EndTime.")
	}
	if !validQueryPeriod(in.Period) {
		return nil, errs.E(CodeInvalidParameterValue, "The parameter Period must be 1, 5, 10, 20, 30, 60 or a multiple of 60.")
	}
	for _, st := range in.Statistics {
		if !validStatistic(st) {
			return nil, errs.Ef(CodeInvalidParameterValue, "The parameter Statistics contains an invalid value %q: use SampleCount, Average, Sum, Minimum or Maximum.", st)
		}
	}
	start := queryStart(in.Start, in.Period)
	p := time.Duration(in.Period) * time.Second
	if n := int64((in.End.Sub(start) + p - 1) / p); n > maxStatDatapoints {
		return nil, errs.Ef(CodeInvalidParameterCombination,
			"You have requested up to %s datapoints, which exceeds the limit of 1,440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.",
			thousands(n))
	}
	m := Metric{Account: account, Region: region, Namespace: in.Namespace, Name: in.MetricName, Dimensions: sortDimensions(in.Dimensions)}
	dps, err := s.store.Datapoints(ctx, m, start, in.End)
	if err != nil {
		return nil, err
	}
	type key struct {
		bucket int64
		unit   string
	}
	aggs := map[key]*aggregate{}
	var keys []key
	for i := range dps {
		d := &dps[i]
		if in.Unit != "" && unitName(d.Unit) != in.Unit {
			continue
		}
		k := key{bucket: int64(d.Time.Sub(start) / p), unit: d.Unit}
		a := aggs[k]
		if a == nil {
			a = &aggregate{}
			aggs[k] = a
			keys = append(keys, k)
		}
		a.add(d)
	}
	slices.SortFunc(keys, func(a, b key) int {
		if a.bucket != b.bucket {
			return int(a.bucket - b.bucket)
		}
		return strings.Compare(a.unit, b.unit)
	})
	out := make([]StatDatapoint, 0, len(keys))
	for _, k := range keys {
		a := aggs[k]
		dp := StatDatapoint{Time: start.Add(time.Duration(k.bucket) * p), Unit: k.unit}
		for _, st := range in.Statistics {
			v := a.stat(st)
			switch st {
			case StatSampleCount:
				dp.SampleCount = &v
			case StatAverage:
				dp.Average = &v
			case StatSum:
				dp.Sum = &v
			case StatMinimum:
				dp.Minimum = &v
			case StatMaximum:
				dp.Maximum = &v
			}
		}
		out = append(out, dp)
	}
	return out, nil
}

// unitName is a datapoint unit as the wire shows it.
func unitName(u string) string {
	if u == "" {
		return "None"
	}
	return u
}

// thousands writes n with comma separators, as CloudWatch's messages do.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// MetricDataQuery is one query of GetMetricData (a MetricStat; math
// expressions are refused by the protocol layer).
type MetricDataQuery struct {
	ID         string
	Label      string
	ReturnData bool
	Namespace  string
	MetricName string
	Dimensions []Dimension
	Period     int32
	Stat       string
	Unit       string
}

// MetricDataResult is the answer to one query.
type MetricDataResult struct {
	ID         string
	Label      string
	Timestamps []time.Time
	Values     []float64
	Status     string // Complete or PartialData
}

// MetricDataInput is a GetMetricData request.
type MetricDataInput struct {
	Queries       []MetricDataQuery
	Start, End    time.Time
	Ascending     bool // ScanBy TimestampAscending
	MaxDatapoints int  // 0: 100,800
	NextToken     string
}

var metricIDRE = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)

const defaultMaxDatapoints = 100800

// GetMetricData answers MetricStat queries. Results are paged over
// MaxDatapoints: a page ends part-way through a result, whose status is
// then PartialData, and NextToken continues it.
func (s *Service) GetMetricData(ctx context.Context, c *authz.Caller, in MetricDataInput) ([]MetricDataResult, string, error) {
	account, region := scopeOf(c)
	if err := s.authorize(ctx, c, "cloudwatch:GetMetricData", "*"); err != nil {
		return nil, "", err
	}
	if !in.Start.Before(in.End) {
		return nil, "", errs.E(errs.Validation, "The parameter StartTime must be less than the parameter EndTime.")
	}
	if len(in.Queries) == 0 || len(in.Queries) > 500 {
		return nil, "", errs.E(errs.Validation, "The collection MetricDataQueries must contain between 1 and 500 queries.")
	}
	seen := map[string]bool{}
	for i, q := range in.Queries {
		field := fmt.Sprintf("MetricDataQueries.member.%d", i+1)
		switch {
		case !metricIDRE.MatchString(q.ID):
			return nil, "", errs.Ef(errs.Validation, "The value %s for parameter %s.Id is not valid: it must start with a lowercase letter and hold only letters, digits and underscores.", q.ID, field)
		case seen[q.ID]:
			return nil, "", errs.Ef(errs.Validation, "The value %s for parameter %s.Id is not unique.", q.ID, field)
		case !validQueryPeriod(q.Period):
			return nil, "", errs.Ef(errs.Validation, "The value %d for parameter %s.MetricStat.Period is not valid: use 1, 5, 10, 20, 30, 60 or a multiple of 60.", q.Period, field)
		case !validStatistic(q.Stat):
			return nil, "", errs.Ef(errs.Validation, "The value %s for parameter %s.MetricStat.Stat is not supported: use SampleCount, Average, Sum, Minimum or Maximum.", q.Stat, field)
		case q.Namespace == "" || q.MetricName == "":
			return nil, "", errs.Ef(errs.Validation, "The parameter %s.MetricStat.Metric must name a Namespace and a MetricName.", field)
		}
		seen[q.ID] = true
	}
	offset := 0
	if in.NextToken != "" {
		t, err := decodeToken(in.NextToken, "md")
		if err != nil {
			return nil, "", err
		}
		if offset, err = strconv.Atoi(t); err != nil || offset <= 0 {
			return nil, "", errs.E(CodeInvalidNextToken, "The specified NextToken is not valid.")
		}
	}
	limit := in.MaxDatapoints
	if limit <= 0 {
		limit = defaultMaxDatapoints
	}
	var all []MetricDataResult
	for _, q := range in.Queries {
		if !q.ReturnData {
			continue
		}
		r, err := s.metricSeries(ctx, account, region, q, in.Start, in.End, in.Ascending)
		if err != nil {
			return nil, "", err
		}
		all = append(all, r)
	}
	// Page: skip offset datapoints (counted over the results in order),
	// take limit.
	out := []MetricDataResult{}
	pos, taken, next := 0, 0, ""
	for _, r := range all {
		n := len(r.Values)
		if offset > 0 && pos+n <= offset {
			pos += n
			continue // wholly on earlier pages
		}
		lo := max(0, offset-pos)
		hi := min(n, lo+limit-taken)
		part := MetricDataResult{ID: r.ID, Label: r.Label, Status: "Complete",
			Timestamps: r.Timestamps[lo:hi], Values: r.Values[lo:hi]}
		taken += hi - lo
		if hi < n {
			part.Status = "PartialData"
			next = encodeToken("md", strconv.Itoa(pos+hi))
			out = append(out, part)
			break
		}
		out = append(out, part)
		pos += n
	}
	return out, next, nil
}

// metricSeries computes one query's series.
func (s *Service) metricSeries(ctx context.Context, account, region string, q MetricDataQuery, from, to time.Time, ascending bool) (MetricDataResult, error) {
	start := queryStart(from, q.Period)
	p := time.Duration(q.Period) * time.Second
	m := Metric{Account: account, Region: region, Namespace: q.Namespace, Name: q.MetricName, Dimensions: sortDimensions(q.Dimensions)}
	dps, err := s.store.Datapoints(ctx, m, start, to)
	if err != nil {
		return MetricDataResult{}, err
	}
	aggs := map[int64]*aggregate{}
	var buckets []int64
	for i := range dps {
		d := &dps[i]
		if q.Unit != "" && unitName(d.Unit) != q.Unit {
			continue
		}
		b := int64(d.Time.Sub(start) / p)
		a := aggs[b]
		if a == nil {
			a = &aggregate{}
			aggs[b] = a
			buckets = append(buckets, b)
		}
		a.add(d)
	}
	slices.Sort(buckets)
	if !ascending {
		slices.Reverse(buckets)
	}
	label := q.Label
	if label == "" {
		label = q.MetricName
	}
	r := MetricDataResult{ID: q.ID, Label: label, Status: "Complete", Timestamps: []time.Time{}, Values: []float64{}}
	for _, b := range buckets {
		r.Timestamps = append(r.Timestamps, start.Add(time.Duration(b)*p))
		r.Values = append(r.Values, aggs[b].stat(q.Stat))
	}
	return r, nil
}

// DimensionFilter selects metrics by a dimension (any value when Value is
// "").
type DimensionFilter struct {
	Name  string
	Value string
}

// ListMetricsInput selects metrics.
type ListMetricsInput struct {
	Namespace      string
	MetricName     string
	Dimensions     []DimensionFilter
	RecentlyActive bool // PT3H: data in the last three hours
	NextToken      string
}

const listMetricsPage = 500

// ListMetrics lists the caller's metrics that have data in the last two
// weeks (three hours with RecentlyActive), 500 a page.
func (s *Service) ListMetrics(ctx context.Context, c *authz.Caller, in ListMetricsInput) ([]Metric, string, error) {
	account, region := scopeOf(c)
	if err := s.authorize(ctx, c, "cloudwatch:ListMetrics", "*"); err != nil {
		return nil, "", err
	}
	after, err := decodeToken(in.NextToken, "lm")
	if err != nil {
		return nil, "", err
	}
	since := s.now().Add(-14 * 24 * time.Hour)
	if in.RecentlyActive {
		since = s.now().Add(-3 * time.Hour)
	}
	ms, err := s.store.ListMetrics(ctx, account, region, in.Namespace, in.MetricName, since)
	if err != nil {
		return nil, "", err
	}
	var out []Metric
	next := ""
	for _, m := range ms {
		if after != "" && metricCursor(m) <= after {
			continue
		}
		if !matchDimensions(m.Dimensions, in.Dimensions) {
			continue
		}
		if len(out) == listMetricsPage {
			next = encodeToken("lm", metricCursor(out[len(out)-1]))
			break
		}
		out = append(out, m)
	}
	return out, next, nil
}

func metricCursor(m Metric) string {
	return m.Namespace + "\x00" + m.Name + "\x00" + DimensionsKey(m.Dimensions)
}

func matchDimensions(have []Dimension, want []DimensionFilter) bool {
	for _, w := range want {
		if !slices.ContainsFunc(have, func(d Dimension) bool { return d.Name == w.Name && (w.Value == "" || d.Value == w.Value) }) {
			return false
		}
	}
	return true
}
