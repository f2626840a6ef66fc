package cloudwatchapi

import (
	"context"
	"strconv"

	"github.com/keyward/keyward/internal/alarms"
	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/awsproto/awsjson"
	"github.com/keyward/keyward/internal/awsproto/shapecheck"
	"github.com/keyward/keyward/internal/errs"
)

type handlers struct{ svc *alarms.Service }

// table is the operation table, shared by JSON 1.0 and RPC v2 CBOR.
func (h *handlers) table() []awsjson.Operation {
	return []awsjson.Operation{
		op("PutMetricAlarm", alarmBody, false, h.putMetricAlarm),
		op("DescribeAlarms", smallBody, true, h.describeAlarms),
		op("DeleteAlarms", smallBody, false, h.deleteAlarms),
		op("DescribeAlarmHistory", smallBody, true, h.describeAlarmHistory),
		op("SetAlarmState", smallBody, false, h.setAlarmState),
		op("GetMetricStatistics", smallBody, true, h.getMetricStatistics),
		op("GetMetricData", alarmBody, true, h.getMetricData),
		op("ListMetrics", smallBody, true, h.listMetrics),
	}
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func i32(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func unsupported(what string) error {
	return errs.Ef(errs.Validation, "%s not supported by this server.", what)
}

func checkDimensions(v *shapecheck.Checker, path string, ds []Dimension) {
	v.Count(path, len(ds), ds != nil, 0, 30)
	for i := range ds {
		p := shapecheck.Member(path, i)
		v.Required(p+".name", ds[i].Name != nil)
		v.Str(p+".name", ds[i].Name, dimNameRule)
		v.Required(p+".value", ds[i].Value != nil)
		v.Str(p+".value", ds[i].Value, dimValueRule)
	}
}

func toDimensions(ds []Dimension) []alarms.Dimension {
	out := make([]alarms.Dimension, len(ds))
	for i, d := range ds {
		out[i] = alarms.Dimension{Name: str(d.Name), Value: str(d.Value)}
	}
	return out
}

func fromDimensions(ds []alarms.Dimension) []Dimension {
	out := make([]Dimension, len(ds))
	for i, d := range ds {
		out[i] = Dimension{Name: ptr(d.Name), Value: ptr(d.Value)}
	}
	return out
}

func checkQueries(v *shapecheck.Checker, path string, qs []MetricDataQuery) {
	for i := range qs {
		q := &qs[i]
		p := shapecheck.Member(path, i)
		v.Required(p+".id", q.Id != nil)
		v.Str(p+".id", q.Id, metricIDRule)
		v.Str(p+".expression", q.Expression, expressionRule)
		v.Num(p+".period", q.Period, 1, 1<<31-1)
		v.Str(p+".accountId", q.AccountId, accountRule)
		if s := q.MetricStat; s != nil {
			v.Required(p+".metricStat.metric", s.Metric != nil)
			v.Required(p+".metricStat.period", s.Period != nil)
			v.Num(p+".metricStat.period", s.Period, 1, 1<<31-1)
			v.Required(p+".metricStat.stat", s.Stat != nil)
			v.Str(p+".metricStat.unit", s.Unit, unitRule)
			if m := s.Metric; m != nil {
				v.Str(p+".metricStat.metric.namespace", m.Namespace, namespaceRule)
				v.Str(p+".metricStat.metric.metricName", m.MetricName, metricNameRule)
				checkDimensions(v, p+".metricStat.metric.dimensions", m.Dimensions)
			}
		}
	}
}

// PutMetricAlarm.

func (in *PutMetricAlarmInput) check(v *shapecheck.Checker) {
	v.Required("alarmName", in.AlarmName != nil)
	v.Str("alarmName", in.AlarmName, alarmNameRule)
	v.Str("alarmDescription", in.AlarmDescription, descriptionRule)
	v.Count("oKActions", len(in.OKActions), in.OKActions != nil, 0, 5)
	v.Count("alarmActions", len(in.AlarmActions), in.AlarmActions != nil, 0, 5)
	v.Count("insufficientDataActions", len(in.InsufficientDataActions), in.InsufficientDataActions != nil, 0, 5)
	v.Str("metricName", in.MetricName, metricNameRule)
	v.Str("namespace", in.Namespace, namespaceRule)
	v.Str("statistic", in.Statistic, statisticRule)
	checkDimensions(v, "dimensions", in.Dimensions)
	v.Num("period", in.Period, 1, 1<<31-1)
	v.Str("unit", in.Unit, unitRule)
	v.Num("evaluationPeriods", in.EvaluationPeriods, 1, 1<<31-1)
	v.Num("datapointsToAlarm", in.DatapointsToAlarm, 1, 1<<31-1)
	v.Str("comparisonOperator", in.ComparisonOperator, comparisonRule)
	v.Str("treatMissingData", in.TreatMissingData, treatRule)
	v.Str("evaluateLowSampleCountPercentile", in.EvaluateLowSampleCountPercentile, treatRule)
	checkQueries(v, "metrics", in.Metrics)
	for i := range in.Tags {
		p := shapecheck.Member("tags", i)
		v.Required(p+".key", in.Tags[i].Key != nil)
		v.Str(p+".key", in.Tags[i].Key, tagKeyRule)
		v.Required(p+".value", in.Tags[i].Value != nil)
		v.Str(p+".value", in.Tags[i].Value, tagValueRule)
	}
	v.Str("thresholdMetricId", in.ThresholdMetricId, metricIDRule)
	v.Num("evaluationInterval", in.EvaluationInterval, 10, 3600)
}

func (h *handlers) putMetricAlarm(ctx context.Context, c *authz.Caller, in *PutMetricAlarmInput) (any, error) {
	switch {
	case in.Metrics != nil:
		return nil, unsupported("Alarms on metric math expressions and Metrics Insights queries (Metrics) are")
	case in.ExtendedStatistic != nil:
		return nil, unsupported("Percentile statistics (ExtendedStatistic) are")
	case in.ThresholdMetricId != nil:
		return nil, unsupported("Anomaly detection alarms (ThresholdMetricId) are")
	case in.EvaluationCriteria != nil || in.EvaluationInterval != nil:
		return nil, unsupported("PromQL alarms (EvaluationCriteria, EvaluationInterval) are")
	case in.Threshold == nil:
		return nil, errs.E(errs.Validation, "The parameter Threshold is required for an alarm on a static threshold.")
	}
	cfg := alarms.AlarmConfig{
		Description: str(in.AlarmDescription), ActionsEnabled: in.ActionsEnabled == nil || *in.ActionsEnabled,
		OKActions: in.OKActions, AlarmActions: in.AlarmActions, InsufficientDataActions: in.InsufficientDataActions,
		MetricName: str(in.MetricName), Namespace: str(in.Namespace), Statistic: str(in.Statistic),
		Dimensions: toDimensions(in.Dimensions), Period: i32(in.Period), Unit: str(in.Unit),
		EvaluationPeriods: i32(in.EvaluationPeriods), DatapointsToAlarm: i32(in.DatapointsToAlarm), Threshold: *in.Threshold,
		ComparisonOperator: str(in.ComparisonOperator), TreatMissingData: str(in.TreatMissingData),
	}
	for _, t := range in.Tags {
		cfg.Tags = append(cfg.Tags, alarms.Tag{Key: str(t.Key), Value: str(t.Value)})
	}
	return nil, h.svc.PutMetricAlarm(ctx, c, *in.AlarmName, cfg)
}

// DescribeAlarms.

func (in *DescribeAlarmsInput) check(v *shapecheck.Checker) {
	v.Count("alarmNames", len(in.AlarmNames), in.AlarmNames != nil, 0, 100)
	v.Strs("alarmNames", in.AlarmNames, alarmNameRule)
	v.Str("alarmNamePrefix", in.AlarmNamePrefix, alarmNameRule)
	v.Strs("alarmTypes", in.AlarmTypes, alarmTypeRule)
	v.Str("childrenOfAlarmName", in.ChildrenOfAlarmName, alarmNameRule)
	v.Str("parentsOfAlarmName", in.ParentsOfAlarmName, alarmNameRule)
	v.Str("stateValue", in.StateValue, stateRule)
	v.Str("actionPrefix", in.ActionPrefix, actionPrefix)
	v.Num("maxRecords", in.MaxRecords, 1, 100)
}

func toMetricAlarm(a *alarms.Alarm) MetricAlarm {
	cfg := &a.Config
	out := MetricAlarm{
		AlarmName: ptr(a.Name), AlarmArn: ptr(a.ARN()), AlarmDescription: optStr(cfg.Description),
		AlarmConfigurationUpdatedTimestamp: awsjson.NewTime(a.ConfigUpdated), ActionsEnabled: ptr(cfg.ActionsEnabled),
		OKActions: nonNil(cfg.OKActions), AlarmActions: nonNil(cfg.AlarmActions), InsufficientDataActions: nonNil(cfg.InsufficientDataActions),
		StateValue: ptr(a.State), StateReason: ptr(a.StateReason), StateReasonData: optStr(a.StateReasonData),
		StateUpdatedTimestamp: awsjson.NewTime(a.StateUpdated), MetricName: ptr(cfg.MetricName), Namespace: ptr(cfg.Namespace),
		Statistic: ptr(cfg.Statistic), Dimensions: fromDimensions(cfg.Dimensions), Period: ptr(cfg.Period), Unit: optStr(cfg.Unit),
		EvaluationPeriods: ptr(cfg.EvaluationPeriods), DatapointsToAlarm: ptr(cfg.DatapointsToAlarm), Threshold: ptr(cfg.Threshold),
		ComparisonOperator: ptr(cfg.ComparisonOperator), TreatMissingData: optStr(cfg.TreatMissingData),
		StateTransitionedTimestamp: awsjson.NewTime(a.StateTransitioned),
	}
	return out
}

func (h *handlers) describeAlarms(ctx context.Context, c *authz.Caller, in *DescribeAlarmsInput) (any, error) {
	as, next, err := h.svc.DescribeAlarms(ctx, c, alarms.DescribeAlarmsInput{Names: in.AlarmNames, Prefix: str(in.AlarmNamePrefix),
		State: str(in.StateValue), ActionPrefix: str(in.ActionPrefix), Types: in.AlarmTypes, ChildrenOf: str(in.ChildrenOfAlarmName),
		ParentsOf: str(in.ParentsOfAlarmName), MaxRecords: int(i32(in.MaxRecords)), NextToken: str(in.NextToken)})
	if err != nil {
		return nil, err
	}
	out := &DescribeAlarmsOutput{CompositeAlarms: []CompositeAlarm{}, MetricAlarms: []MetricAlarm{}, NextToken: optStr(next)}
	for _, a := range as {
		out.MetricAlarms = append(out.MetricAlarms, toMetricAlarm(a))
	}
	return out, nil
}

// DeleteAlarms.

func (in *DeleteAlarmsInput) check(v *shapecheck.Checker) {
	v.Required("alarmNames", in.AlarmNames != nil)
	v.Count("alarmNames", len(in.AlarmNames), in.AlarmNames != nil, 0, 100)
	v.Strs("alarmNames", in.AlarmNames, alarmNameRule)
}

func (h *handlers) deleteAlarms(ctx context.Context, c *authz.Caller, in *DeleteAlarmsInput) (any, error) {
	return nil, h.svc.DeleteAlarms(ctx, c, in.AlarmNames)
}

// DescribeAlarmHistory.

func (in *DescribeAlarmHistoryInput) check(v *shapecheck.Checker) {
	v.Str("alarmName", in.AlarmName, alarmNameRule)
	v.Str("alarmContributorId", in.AlarmContributorId, shapecheck.StrRule{Min: 1, Max: 16})
	v.Strs("alarmTypes", in.AlarmTypes, alarmTypeRule)
	v.Str("historyItemType", in.HistoryItemType, historyTypeRule)
	v.Num("maxRecords", in.MaxRecords, 1, 100)
	v.Str("scanBy", in.ScanBy, scanByRule)
}

func (h *handlers) describeAlarmHistory(ctx context.Context, c *authz.Caller, in *DescribeAlarmHistoryInput) (any, error) {
	out := &DescribeAlarmHistoryOutput{AlarmHistoryItems: []AlarmHistoryItem{}}
	if in.AlarmContributorId != nil {
		return out, nil // Metrics Insights contributors: none here
	}
	items, next, err := h.svc.DescribeAlarmHistory(ctx, c, alarms.HistoryInput{AlarmName: str(in.AlarmName), Types: in.AlarmTypes,
		ItemType: str(in.HistoryItemType), Start: in.StartDate.Std(), End: in.EndDate.Std(), MaxRecords: int(i32(in.MaxRecords)),
		NextToken: str(in.NextToken), Ascending: str(in.ScanBy) == "TimestampAscending"})
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		out.AlarmHistoryItems = append(out.AlarmHistoryItems, AlarmHistoryItem{AlarmName: ptr(it.AlarmName),
			AlarmType: ptr(alarms.AlarmTypeMetric), Timestamp: awsjson.NewTime(it.Time), HistoryItemType: ptr(it.Type),
			HistorySummary: ptr(it.Summary), HistoryData: ptr(it.Data)})
	}
	out.NextToken = optStr(next)
	return out, nil
}

// SetAlarmState.

func (in *SetAlarmStateInput) check(v *shapecheck.Checker) {
	v.Required("alarmName", in.AlarmName != nil)
	v.Str("alarmName", in.AlarmName, alarmNameRule)
	v.Required("stateValue", in.StateValue != nil)
	v.Str("stateValue", in.StateValue, stateRule)
	v.Required("stateReason", in.StateReason != nil)
	v.Str("stateReason", in.StateReason, stateReasonRule)
	v.Str("stateReasonData", in.StateReasonData, reasonDataRule)
}

func (h *handlers) setAlarmState(ctx context.Context, c *authz.Caller, in *SetAlarmStateInput) (any, error) {
	return nil, h.svc.SetAlarmState(ctx, c, *in.AlarmName, *in.StateValue, *in.StateReason, str(in.StateReasonData))
}

// GetMetricStatistics.

func (in *GetMetricStatisticsInput) check(v *shapecheck.Checker) {
	v.Str("namespace", in.Namespace, namespaceRule)
	v.Str("metricName", in.MetricName, metricNameRule)
	checkDimensions(v, "dimensions", in.Dimensions)
	v.Num("period", in.Period, 1, 1<<31-1)
	v.Count("statistics", len(in.Statistics), in.Statistics != nil, 1, 5)
	v.Strs("statistics", in.Statistics, statisticRule)
	v.Count("extendedStatistics", len(in.ExtendedStatistics), in.ExtendedStatistics != nil, 1, 10)
	v.Str("unit", in.Unit, unitRule)
}

func (h *handlers) getMetricStatistics(ctx context.Context, c *authz.Caller, in *GetMetricStatisticsInput) (any, error) {
	for _, req := range []struct {
		name    string
		present bool
	}{{"Namespace", in.Namespace != nil}, {"MetricName", in.MetricName != nil}, {"StartTime", in.StartTime != nil},
		{"EndTime", in.EndTime != nil}, {"Period", in.Period != nil}} {
		if !req.present {
			return nil, errs.Ef(alarms.CodeMissingParameter, "The parameter %s is required.", req.name)
		}
	}
	switch {
	case (in.Statistics == nil) == (in.ExtendedStatistics == nil):
		return nil, errs.E(alarms.CodeInvalidParameterCombination, "Must specify either Statistics or ExtendedStatistics, but not both.")
	case in.ExtendedStatistics != nil:
		return nil, errs.E(alarms.CodeInvalidParameterValue, "Percentile statistics (ExtendedStatistics) are not supported by this server.")
	}
	dps, err := h.svc.GetMetricStatistics(ctx, c, alarms.StatisticsInput{Namespace: *in.Namespace, MetricName: *in.MetricName,
		Dimensions: toDimensions(in.Dimensions), Start: in.StartTime.Std(), End: in.EndTime.Std(), Period: *in.Period,
		Statistics: in.Statistics, Unit: str(in.Unit)})
	if err != nil {
		return nil, err
	}
	out := &GetMetricStatisticsOutput{Label: in.MetricName, Datapoints: []Datapoint{}}
	for _, d := range dps {
		unit := d.Unit
		if unit == "" {
			unit = "None"
		}
		out.Datapoints = append(out.Datapoints, Datapoint{Timestamp: awsjson.NewTime(d.Time), SampleCount: d.SampleCount,
			Average: d.Average, Sum: d.Sum, Minimum: d.Minimum, Maximum: d.Maximum, Unit: ptr(unit)})
	}
	return out, nil
}

// GetMetricData.

func (in *GetMetricDataInput) check(v *shapecheck.Checker) {
	v.Required("metricDataQueries", in.MetricDataQueries != nil)
	checkQueries(v, "metricDataQueries", in.MetricDataQueries)
	v.Required("startTime", in.StartTime != nil)
	v.Required("endTime", in.EndTime != nil)
	v.Str("scanBy", in.ScanBy, scanByRule)
}

func (h *handlers) getMetricData(ctx context.Context, c *authz.Caller, in *GetMetricDataInput) (any, error) {
	qs := make([]alarms.MetricDataQuery, 0, len(in.MetricDataQueries))
	for i, q := range in.MetricDataQueries {
		field := "MetricDataQueries.member." + strconv.Itoa(i+1)
		switch {
		case q.Expression != nil:
			return nil, errs.Ef(errs.Validation, "Metric math and Metrics Insights expressions are not supported by this server (%s.Expression).", field)
		case q.AccountId != nil && *q.AccountId != c.Account:
			return nil, errs.Ef(errs.Validation, "Cross-account queries are not supported by this server (%s.AccountId).", field)
		case q.MetricStat == nil || q.MetricStat.Metric == nil:
			return nil, errs.Ef(errs.Validation, "The parameter %s.MetricStat is required.", field)
		}
		s := q.MetricStat
		qs = append(qs, alarms.MetricDataQuery{ID: str(q.Id), Label: str(q.Label), ReturnData: q.ReturnData == nil || *q.ReturnData,
			Namespace: str(s.Metric.Namespace), MetricName: str(s.Metric.MetricName), Dimensions: toDimensions(s.Metric.Dimensions),
			Period: i32(s.Period), Stat: str(s.Stat), Unit: str(s.Unit)})
	}
	res, next, err := h.svc.GetMetricData(ctx, c, alarms.MetricDataInput{Queries: qs, Start: in.StartTime.Std(), End: in.EndTime.Std(),
		Ascending: str(in.ScanBy) == "TimestampAscending", MaxDatapoints: int(i32(in.MaxDatapoints)), NextToken: str(in.NextToken)})
	if err != nil {
		return nil, err
	}
	out := &GetMetricDataOutput{MetricDataResults: []MetricDataResult{}, Messages: []MessageData{}, NextToken: optStr(next)}
	for _, r := range res {
		mr := MetricDataResult{Id: ptr(r.ID), Label: ptr(r.Label), Timestamps: make([]awsjson.Time, len(r.Timestamps)),
			Values: r.Values, StatusCode: ptr(r.Status), Messages: []MessageData{}}
		for i, t := range r.Timestamps {
			mr.Timestamps[i] = awsjson.Time(t)
		}
		out.MetricDataResults = append(out.MetricDataResults, mr)
	}
	return out, nil
}

// ListMetrics.

func (in *ListMetricsInput) check(v *shapecheck.Checker) {
	v.Str("namespace", in.Namespace, namespaceRule)
	v.Str("metricName", in.MetricName, metricNameRule)
	v.Count("dimensions", len(in.Dimensions), in.Dimensions != nil, 0, 10)
	for i := range in.Dimensions {
		p := shapecheck.Member("dimensions", i)
		v.Required(p+".name", in.Dimensions[i].Name != nil)
		v.Str(p+".name", in.Dimensions[i].Name, dimNameRule)
		v.Str(p+".value", in.Dimensions[i].Value, dimValueRule)
	}
	v.Str("recentlyActive", in.RecentlyActive, recentlyRule)
	v.Str("owningAccount", in.OwningAccount, accountRule)
}

func (h *handlers) listMetrics(ctx context.Context, c *authz.Caller, in *ListMetricsInput) (any, error) {
	out := &ListMetricsOutput{Metrics: []Metric{}}
	if in.OwningAccount != nil && *in.OwningAccount != c.Account {
		return out, nil
	}
	filters := make([]alarms.DimensionFilter, len(in.Dimensions))
	for i, d := range in.Dimensions {
		filters[i] = alarms.DimensionFilter{Name: str(d.Name), Value: str(d.Value)}
	}
	ms, next, err := h.svc.ListMetrics(ctx, c, alarms.ListMetricsInput{Namespace: str(in.Namespace), MetricName: str(in.MetricName),
		Dimensions: filters, RecentlyActive: in.RecentlyActive != nil, NextToken: str(in.NextToken)})
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		out.Metrics = append(out.Metrics, Metric{Namespace: ptr(m.Namespace), MetricName: ptr(m.Name), Dimensions: fromDimensions(m.Dimensions)})
	}
	out.NextToken = optStr(next)
	if in.IncludeLinkedAccounts != nil && *in.IncludeLinkedAccounts {
		out.OwningAccounts = make([]string, len(out.Metrics))
		for i := range out.OwningAccounts {
			out.OwningAccounts[i] = c.Account
		}
	}
	return out, nil
}
