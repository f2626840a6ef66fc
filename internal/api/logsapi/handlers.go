package logsapi

import (
	"context"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/alarms"
	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/awsproto/awsjson"
	"github.com/keyward/keyward/internal/awsproto/shapecheck"
	"github.com/keyward/keyward/internal/errs"
)

type handlers struct{ svc *alarms.Service }

// table is the operation table.
func (h *handlers) table() []awsjson.Operation {
	return []awsjson.Operation{
		op("CreateLogGroup", smallBody, false, h.createLogGroup),
		op("DescribeLogGroups", smallBody, true, h.describeLogGroups),
		op("PutMetricFilter", smallBody, false, h.putMetricFilter),
		op("DescribeMetricFilters", smallBody, true, h.describeMetricFilters),
		op("DeleteMetricFilter", smallBody, false, h.deleteMetricFilter),
		op("TestMetricFilter", testBody, true, h.testMetricFilter),
		op("FilterLogEvents", smallBody, true, h.filterLogEvents),
	}
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

func millis(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	return ptr(t.UnixMilli())
}

func limit(n *int32) int {
	if n == nil {
		return 0
	}
	return int(*n)
}

func unsupported(what string) error {
	return errs.Ef(errs.Validation, "%s is not supported by this server.", what)
}

// CreateLogGroup.

func (in *CreateLogGroupRequest) check(v *shapecheck.Checker) {
	v.Required("logGroupName", in.LogGroupName != nil)
	v.Str("logGroupName", in.LogGroupName, logGroupNameRule)
	v.Str("kmsKeyId", in.KmsKeyId, kmsKeyRule)
	v.Count("tags", len(in.Tags), in.Tags != nil, 1, 50)
	v.Str("logGroupClass", in.LogGroupClass, groupClassRule)
}

func (h *handlers) createLogGroup(ctx context.Context, c *authz.Caller, in *CreateLogGroupRequest) (any, error) {
	if in.KmsKeyId != nil {
		return nil, unsupported("Encrypting a log group with a KMS key (kmsKeyId)")
	}
	return nil, h.svc.CreateLogGroup(ctx, c, *in.LogGroupName)
}

// DescribeLogGroups.

func (in *DescribeLogGroupsRequest) check(v *shapecheck.Checker) {
	v.Count("accountIdentifiers", len(in.AccountIdentifiers), in.AccountIdentifiers != nil, 0, 20)
	v.Str("logGroupNamePrefix", in.LogGroupNamePrefix, logGroupNameRule)
	v.Str("logGroupNamePattern", in.LogGroupNamePattern, groupPatternRule)
	v.Str("nextToken", in.NextToken, nextTokenRule)
	v.Num("limit", in.Limit, 1, 50)
	v.Str("logGroupClass", in.LogGroupClass, groupClassRule)
	v.Count("logGroupIdentifiers", len(in.LogGroupIdentifiers), in.LogGroupIdentifiers != nil, 1, 50)
}

func (h *handlers) describeLogGroups(ctx context.Context, c *authz.Caller, in *DescribeLogGroupsRequest) (any, error) {
	if in.LogGroupIdentifiers != nil && (in.LogGroupNamePrefix != nil || in.LogGroupNamePattern != nil) {
		return nil, errs.E(errs.Validation, "logGroupIdentifiers cannot be combined with logGroupNamePrefix or logGroupNamePattern.")
	}
	gs, next, err := h.svc.DescribeLogGroups(ctx, c, alarms.DescribeLogGroupsInput{Prefix: str(in.LogGroupNamePrefix),
		Pattern: str(in.LogGroupNamePattern), NextToken: str(in.NextToken), Limit: limit(in.Limit)})
	if err != nil {
		return nil, err
	}
	out := &DescribeLogGroupsResponse{LogGroups: []LogGroup{}}
	var wanted map[string]bool
	if in.LogGroupIdentifiers != nil {
		wanted = map[string]bool{}
		for _, id := range in.LogGroupIdentifiers {
			wanted[groupName(id)] = true
		}
	}
	for _, g := range gs {
		if wanted != nil && !wanted[g.Name] {
			continue
		}
		if in.LogGroupClass != nil && *in.LogGroupClass != "STANDARD" {
			continue
		}
		arn := g.ARN()
		if in.LogGroupNamePattern != nil {
			// With a pattern, AWS answers only these three members.
			out.LogGroups = append(out.LogGroups, LogGroup{LogGroupName: ptr(g.Name), CreationTime: millis(g.Created), Arn: ptr(arn + ":*")})
			continue
		}
		out.LogGroups = append(out.LogGroups, LogGroup{LogGroupName: ptr(g.Name), CreationTime: millis(g.Created),
			MetricFilterCount: ptr(int32(g.MetricFilterCount)), Arn: ptr(arn + ":*"), StoredBytes: ptr(int64(0)),
			LogGroupClass: ptr("STANDARD"), LogGroupArn: ptr(arn), DeletionProtectionEnabled: ptr(false)})
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}

// groupName is the log group an identifier (a name or an ARN) names.
func groupName(id string) string {
	if !strings.HasPrefix(id, "arn:") {
		return id
	}
	_, rest, ok := strings.Cut(id, ":log-group:")
	if !ok {
		return id
	}
	return strings.TrimSuffix(rest, ":*")
}

// PutMetricFilter.

func (in *PutMetricFilterRequest) check(v *shapecheck.Checker) {
	v.Required("logGroupName", in.LogGroupName != nil)
	v.Str("logGroupName", in.LogGroupName, logGroupNameRule)
	v.Required("filterName", in.FilterName != nil)
	v.Str("filterName", in.FilterName, filterNameRule)
	v.Required("filterPattern", in.FilterPattern != nil)
	v.Str("filterPattern", in.FilterPattern, filterPatternRule)
	v.Required("metricTransformations", in.MetricTransformations != nil)
	v.Count("metricTransformations", len(in.MetricTransformations), in.MetricTransformations != nil, 1, 1)
	for i := range in.MetricTransformations {
		in.MetricTransformations[i].check(v, "metricTransformations."+strconv.Itoa(i+1)+".member")
	}
}

func (t *MetricTransformation) check(v *shapecheck.Checker, path string) {
	v.Required(path+".metricName", t.MetricName != nil)
	v.Str(path+".metricName", t.MetricName, metricNameRule)
	v.Required(path+".metricNamespace", t.MetricNamespace != nil)
	v.Str(path+".metricNamespace", t.MetricNamespace, metricNameRule)
	v.Required(path+".metricValue", t.MetricValue != nil)
	v.Str(path+".metricValue", t.MetricValue, metricValueRule)
	for k, val := range t.Dimensions {
		v.Str(path+".dimensions", &k, dimensionRule)
		v.Str(path+".dimensions", &val, dimensionRule)
	}
	v.Str(path+".unit", t.Unit, unitRule)
}

func (t *MetricTransformation) domain() alarms.MetricTransformation {
	out := alarms.MetricTransformation{MetricName: str(t.MetricName), Namespace: str(t.MetricNamespace), Value: str(t.MetricValue),
		DefaultValue: t.DefaultValue, Unit: str(t.Unit)}
	if out.Unit == "None" {
		out.Unit = ""
	}
	if len(t.Dimensions) > 0 {
		out.Dimensions = maps.Clone(t.Dimensions)
	}
	return out
}

func fromDomain(t alarms.MetricTransformation) MetricTransformation {
	out := MetricTransformation{MetricName: ptr(t.MetricName), MetricNamespace: ptr(t.Namespace), MetricValue: ptr(t.Value),
		DefaultValue: t.DefaultValue, Dimensions: t.Dimensions}
	if t.Unit != "" {
		out.Unit = ptr(t.Unit)
	}
	return out
}

func (h *handlers) putMetricFilter(ctx context.Context, c *authz.Caller, in *PutMetricFilterRequest) (any, error) {
	switch {
	case in.ApplyOnTransformedLogs != nil && *in.ApplyOnTransformedLogs:
		return nil, unsupported("applyOnTransformedLogs (log transformers)")
	case in.FieldSelectionCriteria != nil && *in.FieldSelectionCriteria != "":
		return nil, unsupported("fieldSelectionCriteria")
	case len(in.EmitSystemFieldDimensions) > 0:
		return nil, unsupported("emitSystemFieldDimensions")
	}
	ts := make([]alarms.MetricTransformation, len(in.MetricTransformations))
	for i := range in.MetricTransformations {
		ts[i] = in.MetricTransformations[i].domain()
	}
	return nil, h.svc.PutMetricFilter(ctx, c, alarms.PutMetricFilterInput{LogGroup: *in.LogGroupName, Name: *in.FilterName,
		Pattern: *in.FilterPattern, Transformations: ts})
}

// DescribeMetricFilters.

func (in *DescribeMetricFiltersRequest) check(v *shapecheck.Checker) {
	v.Str("logGroupName", in.LogGroupName, logGroupNameRule)
	v.Str("filterNamePrefix", in.FilterNamePrefix, filterNameRule)
	v.Str("nextToken", in.NextToken, nextTokenRule)
	v.Num("limit", in.Limit, 1, 50)
	v.Str("metricName", in.MetricName, metricNameRule)
	v.Str("metricNamespace", in.MetricNamespace, metricNameRule)
}

func (h *handlers) describeMetricFilters(ctx context.Context, c *authz.Caller, in *DescribeMetricFiltersRequest) (any, error) {
	fs, next, err := h.svc.DescribeMetricFilters(ctx, c, alarms.DescribeMetricFiltersInput{LogGroup: str(in.LogGroupName),
		NamePrefix: str(in.FilterNamePrefix), MetricName: str(in.MetricName), Namespace: str(in.MetricNamespace),
		NextToken: str(in.NextToken), Limit: limit(in.Limit)})
	if err != nil {
		return nil, err
	}
	out := &DescribeMetricFiltersResponse{MetricFilters: []MetricFilter{}}
	for _, f := range fs {
		mf := MetricFilter{FilterName: ptr(f.Name), FilterPattern: ptr(f.Pattern), CreationTime: millis(f.Created),
			LogGroupName: ptr(f.LogGroup), ApplyOnTransformedLogs: ptr(false)}
		for _, t := range f.Transformations {
			mf.MetricTransformations = append(mf.MetricTransformations, fromDomain(t))
		}
		out.MetricFilters = append(out.MetricFilters, mf)
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}

// DeleteMetricFilter.

func (in *DeleteMetricFilterRequest) check(v *shapecheck.Checker) {
	v.Required("logGroupName", in.LogGroupName != nil)
	v.Str("logGroupName", in.LogGroupName, logGroupNameRule)
	v.Required("filterName", in.FilterName != nil)
	v.Str("filterName", in.FilterName, filterNameRule)
}

func (h *handlers) deleteMetricFilter(ctx context.Context, c *authz.Caller, in *DeleteMetricFilterRequest) (any, error) {
	return nil, h.svc.DeleteMetricFilter(ctx, c, *in.LogGroupName, *in.FilterName)
}

// TestMetricFilter.

func (in *TestMetricFilterRequest) check(v *shapecheck.Checker) {
	v.Required("filterPattern", in.FilterPattern != nil)
	v.Str("filterPattern", in.FilterPattern, filterPatternRule)
	v.Required("logEventMessages", in.LogEventMessages != nil)
	v.Count("logEventMessages", len(in.LogEventMessages), in.LogEventMessages != nil, 1, 50)
	for _, m := range in.LogEventMessages {
		if len(eventMessageRule.Violations(m)) > 0 {
			v.Fail("logEventMessages", "", "Member must satisfy constraint: [Member must have length greater than or equal to 1]")
			break
		}
	}
}

func (h *handlers) testMetricFilter(ctx context.Context, c *authz.Caller, in *TestMetricFilterRequest) (any, error) {
	ms, err := h.svc.TestMetricFilter(ctx, c, *in.FilterPattern, in.LogEventMessages)
	if err != nil {
		return nil, err
	}
	out := &TestMetricFilterResponse{Matches: []MetricFilterMatchRecord{}}
	for _, m := range ms {
		out.Matches = append(out.Matches, MetricFilterMatchRecord{EventNumber: ptr(m.EventNumber), EventMessage: ptr(m.Message),
			ExtractedValues: m.Extracted})
	}
	return out, nil
}

// FilterLogEvents.

func (in *FilterLogEventsRequest) check(v *shapecheck.Checker) {
	v.Str("logGroupName", in.LogGroupName, logGroupNameRule)
	v.Str("logGroupIdentifier", in.LogGroupIdentifier, groupIDRule)
	v.Count("logStreamNames", len(in.LogStreamNames), in.LogStreamNames != nil, 1, 100)
	v.Str("logStreamNamePrefix", in.LogStreamNamePrefix, streamNameRule)
	v.Long("startTime", in.StartTime, 0)
	v.Long("endTime", in.EndTime, 0)
	v.Str("filterPattern", in.FilterPattern, filterPatternRule)
	v.Str("nextToken", in.NextToken, nextTokenRule)
	v.Num("limit", in.Limit, 1, 10000)
}

func (h *handlers) filterLogEvents(ctx context.Context, c *authz.Caller, in *FilterLogEventsRequest) (any, error) {
	var group string
	switch {
	case in.LogGroupName != nil && in.LogGroupIdentifier != nil:
		return nil, errs.E(errs.Validation, "LogGroup name and LogGroup ARN are mutually exclusive parameters.")
	case in.LogGroupName != nil:
		group = *in.LogGroupName
	case in.LogGroupIdentifier != nil:
		id := *in.LogGroupIdentifier
		if strings.HasPrefix(id, "arn:") {
			parts := strings.SplitN(id, ":", 6)
			if len(parts) < 6 || parts[4] != c.Account {
				return nil, errs.E(errs.NotFound, "The specified log group does not exist.")
			}
		}
		group = groupName(id)
	default:
		return nil, errs.E(errs.Validation, "Either logGroupName or logGroupIdentifier must be specified.")
	}
	fin := alarms.FilterLogEventsInput{LogGroup: group, StreamNames: in.LogStreamNames, StreamPrefix: str(in.LogStreamNamePrefix),
		Pattern: str(in.FilterPattern), NextToken: str(in.NextToken), Limit: limit(in.Limit)}
	if in.StartTime != nil {
		fin.Start = time.UnixMilli(*in.StartTime).UTC()
	}
	if in.EndTime != nil {
		fin.End = time.UnixMilli(*in.EndTime).UTC()
	}
	evs, next, err := h.svc.FilterLogEvents(ctx, c, fin)
	if err != nil {
		return nil, err
	}
	out := &FilterLogEventsResponse{Events: []FilteredLogEvent{}, SearchedLogStreams: []SearchedLogStream{}}
	for _, ev := range evs {
		out.Events = append(out.Events, FilteredLogEvent{LogStreamName: ptr(ev.Stream), Timestamp: millis(ev.Timestamp),
			Message: ptr(ev.Message), IngestionTime: millis(ev.Ingested), EventId: ptr(ev.ID)})
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}
