package alarms_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/alarms"
	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
)

// issuePattern is the metric filter AWS's runbooks use for KMS errors.
const issuePattern = `{ $.eventSource = kms.amazonaws.com && ($.errorMessage = "*" || $.errorCode = "*") }`

func (e *env) putFilter(name, pattern string) {
	e.t.Helper()
	must(e.t, e.svc.PutMetricFilter(e.t.Context(), e.caller, alarms.PutMetricFilterInput{
		LogGroup: alarms.DefaultAuditLogGroup, Name: name, Pattern: pattern,
		Transformations: []alarms.MetricTransformation{{MetricName: "KMSErrors", Namespace: "Security", Value: "1"}}}))
}

func errorAlarm(tmd string) alarms.AlarmConfig {
	return alarms.AlarmConfig{ActionsEnabled: true, AlarmActions: []string{topic}, MetricName: "KMSErrors", Namespace: "Security",
		Statistic: "Sum", Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: "GreaterThanOrEqualToThreshold",
		TreatMissingData: tmd}
}

// TestAlarmOnKMSErrors is the issue's flow in the domain: a metric filter
// on the audit log group, an alarm on its metric, KMS errors, ALARM with
// one notification, and nothing more until the state changes again.
func TestAlarmOnKMSErrors(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	e.putFilter("kms-errors", issuePattern)
	cfg := errorAlarm("notBreaching")
	cfg.OKActions = []string{topic}
	must(t, e.svc.PutMetricAlarm(ctx, e.caller, "kms-errors", cfg))
	// Created, then evaluated at once: no data, notBreaching → OK, and the
	// transition runs the OK action.
	if a := e.alarm("kms-errors"); a.State != alarms.StateOK {
		t.Fatalf("new alarm state %s (%s)", a.State, a.StateReason)
	}
	if n := len(e.sns.all()); n != 1 {
		t.Fatalf("%d notifications after creation", n)
	}

	at := start.Add(10 * time.Second)
	e.trail.append(kmsEvent(at, "Encrypt", "", keyARN)) // success: not counted
	e.trail.append(kmsEvent(at, "Encrypt", "DisabledException", keyARN))
	e.trail.append(kmsEvent(at.Add(time.Second), "Decrypt", "DisabledException", keyARN))
	e.sync()

	// Within the minute nothing is evaluated yet.
	e.clock.Add(30 * time.Second)
	e.evaluate()
	if a := e.alarm("kms-errors"); a.State != alarms.StateOK {
		t.Fatalf("state before the minute ended: %s", a.State)
	}
	e.clock.Add(40 * time.Second) // 09:01:10: the 09:00 minute is whole
	e.evaluate()
	a := e.alarm("kms-errors")
	if a.State != alarms.StateAlarm {
		t.Fatalf("state %s (%s)", a.State, a.StateReason)
	}
	wantReason := "Threshold Crossed: 1 out of the last 1 datapoints [2.0 (22/11/26 09:00:00)] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition)."
	if a.StateReason != wantReason {
		t.Fatalf("reason %q", a.StateReason)
	}
	msgs := e.sns.all()
	if len(msgs) != 2 {
		t.Fatalf("%d notifications", len(msgs))
	}
	n := msgs[1]
	if n.Topic != topic || n.Subject != `ALARM: "kms-errors" in US East (N. Virginia)` {
		t.Fatalf("notification %s %q", n.Topic, n.Subject)
	}
	var m map[string]any
	must(t, json.Unmarshal([]byte(n.Message), &m))
	trig, _ := m["Trigger"].(map[string]any)
	if m["AlarmName"] != "kms-errors" || m["AWSAccountId"] != account || m["NewStateValue"] != "ALARM" || m["OldStateValue"] != "OK" ||
		m["NewStateReason"] != wantReason || m["Region"] != "US East (N. Virginia)" || m["AlarmDescription"] != nil ||
		m["AlarmArn"] != "arn:aws:cloudwatch:us-east-1:111122223333:alarm:kms-errors" || m["StateChangeTime"] != "2026-11-22T09:01:10.000+0000" ||
		trig["MetricName"] != "KMSErrors" || trig["Namespace"] != "Security" || trig["Statistic"] != "SUM" || trig["StatisticType"] != "Statistic" ||
		trig["Period"] != 60.0 || trig["EvaluationPeriods"] != 1.0 || trig["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" ||
		trig["Threshold"] != 1.0 || trig["TreatMissingData"] != "notBreaching" {
		t.Fatalf("message %s", n.Message)
	}
	// The message keeps CloudWatch's field order.
	if !strings.HasPrefix(n.Message, `{"AlarmName":"kms-errors","AlarmDescription":null,"AWSAccountId":"111122223333",`) {
		t.Fatalf("message order %s", n.Message)
	}

	// Still breaching: no new transition, no new notification.
	e.clock.Add(20 * time.Second)
	e.evaluate()
	e.trail.append(kmsEvent(start.Add(70*time.Second), "Decrypt", "KMSInvalidStateException", keyARN))
	e.sync()
	e.clock.Add(60 * time.Second)
	e.evaluate()
	if got := len(e.sns.all()); got != 2 {
		t.Fatalf("%d notifications while the alarm stayed in ALARM", got)
	}
	// Data stops: the breaching datapoints leave the evaluation range
	// (3 periods), missing is not breaching → OK, with the OK action.
	e.clock.Add(3 * time.Minute)
	e.evaluate()
	if a := e.alarm("kms-errors"); a.State != alarms.StateOK {
		t.Fatalf("state after data stopped: %s (%s)", a.State, a.StateReason)
	}
	msgs = e.sns.all()
	if len(msgs) != 3 || !strings.HasPrefix(msgs[2].Subject, "OK: ") {
		t.Fatalf("notifications %v", msgs)
	}

	// History: created, then OK, ALARM, OK, each with its action.
	var summaries []string
	for _, h := range e.history("kms-errors", "") {
		summaries = append(summaries, h.Type+": "+h.Summary)
		if !json.Valid([]byte(h.Data)) {
			t.Errorf("history data is not JSON: %s", h.Data)
		}
	}
	want := []string{
		`ConfigurationUpdate: Alarm "kms-errors" created`,
		"StateUpdate: Alarm updated from INSUFFICIENT_DATA to OK",
		"Action: Successfully executed action " + topic,
		"StateUpdate: Alarm updated from OK to ALARM",
		"Action: Successfully executed action " + topic,
		"StateUpdate: Alarm updated from ALARM to OK",
		"Action: Successfully executed action " + topic,
	}
	if !slices.Equal(summaries, want) {
		t.Fatalf("history\n%s\nwant\n%s", strings.Join(summaries, "\n"), strings.Join(want, "\n"))
	}
	states := e.history("kms-errors", alarms.HistoryStateUpdate)
	if len(states) != 3 {
		t.Fatalf("%d state updates", len(states))
	}

	// The metric itself.
	dps, err := e.svc.GetMetricStatistics(ctx, e.caller, alarms.StatisticsInput{Namespace: "Security", MetricName: "KMSErrors",
		Start: start, End: start.Add(5 * time.Minute), Period: 60, Statistics: []string{"Sum", "SampleCount", "Maximum"}})
	must(t, err)
	if len(dps) != 2 || *dps[0].Sum != 2 || *dps[0].SampleCount != 2 || *dps[0].Maximum != 1 || *dps[1].Sum != 1 ||
		!dps[1].Time.Equal(start.Add(time.Minute)) || dps[0].Average != nil {
		t.Fatalf("statistics %+v", dps)
	}
}

func TestActionsDisabledAndFailures(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	e.putFilter("kms-errors", issuePattern)
	cfg := errorAlarm("notBreaching")
	cfg.ActionsEnabled = false
	must(t, e.svc.PutMetricAlarm(ctx, e.caller, "quiet", cfg))
	cfg.ActionsEnabled = true
	must(t, e.svc.PutMetricAlarm(ctx, e.caller, "loud", cfg))
	e.sns.err = errors.New("topic does not exist")
	e.trail.append(kmsEvent(start, "Encrypt", "DisabledException", keyARN))
	e.sync()
	e.clock.Add(61 * time.Second)
	e.evaluate()
	if e.alarm("quiet").State != alarms.StateAlarm || e.alarm("loud").State != alarms.StateAlarm {
		t.Fatal("both alarms should be in ALARM")
	}
	if len(e.history("quiet", alarms.HistoryAction)) != 0 {
		t.Fatal("an alarm with actions disabled ran an action")
	}
	acts := e.history("loud", alarms.HistoryAction)
	if len(acts) != 1 || !strings.HasPrefix(acts[0].Summary, "Failed to execute action") || !strings.Contains(acts[0].Data, `"actionState":"Failed"`) {
		t.Fatalf("failed action history %+v", acts)
	}
}

// TestSetAlarmState: the forced state runs its actions when it differs,
// and lasts until the next evaluation, which returns to the data's state
// (running that state's actions again).
func TestSetAlarmState(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	cfg := errorAlarm("notBreaching")
	cfg.OKActions = []string{topic}
	must(t, e.svc.PutMetricAlarm(ctx, e.caller, "a", cfg)) // → OK, one notification
	must(t, e.svc.SetAlarmState(ctx, e.caller, "a", alarms.StateAlarm, "testing the pager", `{"ticket":42}`))
	a := e.alarm("a")
	if a.State != alarms.StateAlarm || a.StateReason != "testing the pager" || a.StateReasonData != `{"ticket":42}` {
		t.Fatalf("forced alarm %+v", a)
	}
	if msgs := e.sns.all(); len(msgs) != 2 || !strings.Contains(msgs[1].Message, `"NewStateReason":"testing the pager"`) {
		t.Fatalf("notifications %v", msgs)
	}
	// The same state again: recorded, no action.
	must(t, e.svc.SetAlarmState(ctx, e.caller, "a", alarms.StateAlarm, "again", ""))
	if n := len(e.sns.all()); n != 2 {
		t.Fatalf("%d notifications after setting the same state", n)
	}
	e.evaluate()
	if a := e.alarm("a"); a.State != alarms.StateOK {
		t.Fatalf("after evaluation: %s", a.State)
	}
	if n := len(e.sns.all()); n != 3 {
		t.Fatalf("%d notifications after returning to OK", n)
	}
	err := e.svc.SetAlarmState(ctx, e.caller, "a", alarms.StateOK, "r", "{not json")
	if !errs.Is(err, alarms.CodeInvalidFormat) {
		t.Fatalf("bad reason data: %v", err)
	}
	err = e.svc.SetAlarmState(ctx, e.caller, "missing", alarms.StateOK, "r", "")
	if !errs.Is(err, errs.NotFound) {
		t.Fatalf("missing alarm: %v", err)
	}
}

// TestIngestRestart: the checkpoint and the datapoints move together, so a
// restart neither loses nor counts an event twice; on a first start the
// events already in the trail are not counted (filters count what comes
// after them).
func TestIngestRestart(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	e.putFilter("all-kms", `{ $.eventSource = "kms.amazonaws.com" }`)
	for i := range 5 {
		e.trail.append(kmsEvent(start.Add(time.Duration(i)*time.Second), "Encrypt", "", keyARN))
	}
	e.sync()
	e.stop()
	for i := range 3 {
		e.trail.append(kmsEvent(start.Add(time.Duration(10+i)*time.Second), "Encrypt", "", keyARN))
	}
	e.open()
	e.sync()
	sum := func() float64 {
		dps, err := e.svc.GetMetricStatistics(ctx, e.caller, alarms.StatisticsInput{Namespace: "Security", MetricName: "KMSErrors",
			Start: start, End: start.Add(time.Hour), Period: 3600, Statistics: []string{"Sum"}})
		must(t, err)
		if len(dps) != 1 {
			t.Fatalf("datapoints %+v", dps)
		}
		return *dps[0].Sum
	}
	if got := sum(); got != 8 {
		t.Fatalf("sum after restart %v, want 8", got)
	}

	// A new deployment on an existing trail starts at its end.
	fresh := newEnv(t)
	fresh.trail = e.trail
	fresh.stop()
	fresh.cfg.Source = e.trail
	fresh.open()
	fresh.putFilter("all-kms", `{ $.eventSource = "kms.amazonaws.com" }`)
	fresh.trail.append(kmsEvent(start.Add(20*time.Second), "Encrypt", "", keyARN))
	fresh.sync()
	dps, err := fresh.svc.GetMetricStatistics(ctx, fresh.caller, alarms.StatisticsInput{Namespace: "Security", MetricName: "KMSErrors",
		Start: start, End: start.Add(time.Hour), Period: 3600, Statistics: []string{"SampleCount"}})
	must(t, err)
	if len(dps) != 1 || *dps[0].SampleCount != 1 {
		t.Fatalf("a fresh store counted history: %+v", dps)
	}
}

func TestMetricValuesDimensionsDefaults(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	zero := 0.0
	must(t, e.svc.PutMetricFilter(ctx, e.caller, alarms.PutMetricFilterInput{LogGroup: alarms.DefaultAuditLogGroup, Name: "by-op",
		Pattern: `{ $.eventSource = "kms.amazonaws.com" && $.errorCode = * }`,
		Transformations: []alarms.MetricTransformation{{MetricName: "Errors", Namespace: "K", Value: "1",
			Dimensions: map[string]string{"Operation": "$.eventName"}, Unit: "Count"}}}))
	must(t, e.svc.PutMetricFilter(ctx, e.caller, alarms.PutMetricFilterInput{LogGroup: alarms.DefaultAuditLogGroup, Name: "denied",
		Pattern:         `{ $.errorCode = "AccessDeniedException" }`,
		Transformations: []alarms.MetricTransformation{{MetricName: "Denied", Namespace: "K", Value: "1", DefaultValue: &zero}}}))
	e.trail.append(kmsEvent(start, "Encrypt", "DisabledException", keyARN))
	e.trail.append(kmsEvent(start.Add(time.Second), "Decrypt", "DisabledException", keyARN))
	e.trail.append(kmsEvent(start.Add(2*time.Second), "Decrypt", "DisabledException", keyARN))
	// An event of the next minute closes the first one for the default value.
	e.trail.append(kmsEvent(start.Add(time.Minute), "Encrypt", "", keyARN))
	e.sync()
	for op, want := range map[string]float64{"Encrypt": 1, "Decrypt": 2} {
		dps, err := e.svc.GetMetricStatistics(ctx, e.caller, alarms.StatisticsInput{Namespace: "K", MetricName: "Errors",
			Dimensions: []alarms.Dimension{{Name: "Operation", Value: op}}, Start: start, End: start.Add(time.Hour), Period: 60,
			Statistics: []string{"Sum"}, Unit: "Count"})
		must(t, err)
		if len(dps) != 1 || *dps[0].Sum != want || dps[0].Unit != "Count" {
			t.Fatalf("%s: %+v", op, dps)
		}
	}
	// No match in the first minute: the default value, once (three events
	// arrived in it); the event of the next minute closed it.
	dps, err := e.svc.GetMetricStatistics(ctx, e.caller, alarms.StatisticsInput{Namespace: "K", MetricName: "Denied",
		Start: start, End: start.Add(time.Minute), Period: 60, Statistics: []string{"SampleCount", "Sum"}})
	must(t, err)
	if len(dps) != 1 || *dps[0].SampleCount != 1 || *dps[0].Sum != 0 || !dps[0].Time.Equal(start) {
		t.Fatalf("default value datapoints %+v", dps)
	}
	// A late event of the closed minute opens no second default.
	e.trail.append(kmsEvent(start.Add(3*time.Second), "Encrypt", "", keyARN))
	e.sync()
	dps, err = e.svc.GetMetricStatistics(ctx, e.caller, alarms.StatisticsInput{Namespace: "K", MetricName: "Denied",
		Start: start, End: start.Add(time.Minute), Period: 60, Statistics: []string{"SampleCount"}})
	must(t, err)
	if len(dps) != 1 || *dps[0].SampleCount != 1 {
		t.Fatalf("default value after a late event %+v", dps)
	}
	ms, _, err := e.svc.ListMetrics(ctx, e.caller, alarms.ListMetricsInput{Namespace: "K",
		Dimensions: []alarms.DimensionFilter{{Name: "Operation"}}})
	must(t, err)
	if len(ms) != 2 || ms[0].Dimensions[0].Value != "Decrypt" {
		t.Fatalf("ListMetrics %+v", ms)
	}
	res, _, err := e.svc.GetMetricData(ctx, e.caller, alarms.MetricDataInput{Start: start, End: start.Add(10 * time.Minute),
		Queries: []alarms.MetricDataQuery{{ID: "d", ReturnData: true, Namespace: "K", MetricName: "Errors",
			Dimensions: []alarms.Dimension{{Name: "Operation", Value: "Decrypt"}}, Period: 300, Stat: "Sum"}}})
	must(t, err)
	if len(res) != 1 || res[0].Label != "Errors" || len(res[0].Values) != 1 || res[0].Values[0] != 2 || res[0].Status != "Complete" {
		t.Fatalf("GetMetricData %+v", res)
	}
}

func TestBuiltinAlarm(t *testing.T) {
	e := newEnv(t, func(c *alarms.Config) { c.Builtin = alarms.Builtin{TopicARN: topic} })
	ctx := t.Context()
	must(t, e.svc.EnsureBuiltins(ctx, account))
	must(t, e.svc.EnsureBuiltins(ctx, account)) // idempotent
	fs, _, err := e.svc.DescribeMetricFilters(ctx, e.caller, alarms.DescribeMetricFiltersInput{LogGroup: alarms.DefaultAuditLogGroup})
	must(t, err)
	if len(fs) != 1 || fs[0].Name != alarms.BuiltinName || fs[0].Pattern != alarms.BuiltinPattern {
		t.Fatalf("filters %+v", fs)
	}
	a := e.alarm(alarms.BuiltinName)
	if a.Config.Period != 60 || a.Config.Threshold != 1 || a.Config.TreatMissingData != "notBreaching" ||
		!slices.Equal(a.Config.AlarmActions, []string{topic}) {
		t.Fatalf("built-in alarm %+v", a.Config)
	}
	e.trail.append(kmsEvent(start.Add(5*time.Second), "Decrypt", "KMSInvalidStateException", keyARN))
	e.trail.append(kmsEvent(start.Add(6*time.Second), "Decrypt", "AccessDeniedException", keyARN))
	e.sync()
	logs := e.logs.String()
	if strings.Count(logs, "KMS key use refused") != 1 || !strings.Contains(logs, keyARN) ||
		!strings.Contains(logs, `"caller":"arn:aws:iam::111122223333:root"`) || !strings.Contains(logs, `"level":"ERROR"`) {
		t.Fatalf("log:\n%s", logs)
	}
	e.clock.Add(70 * time.Second)
	e.evaluate()
	if a := e.alarm(alarms.BuiltinName); a.State != alarms.StateAlarm {
		t.Fatalf("built-in alarm %s (%s)", a.State, a.StateReason)
	}
	if msgs := e.sns.all(); len(msgs) != 1 || msgs[0].Topic != topic {
		t.Fatalf("notifications %v", msgs)
	}
}

func TestBuiltinDisabled(t *testing.T) {
	e := newEnv(t)
	must(t, e.svc.EnsureBuiltins(t.Context(), account))
	fs, _, err := e.svc.DescribeMetricFilters(t.Context(), e.caller, alarms.DescribeMetricFiltersInput{})
	must(t, err)
	if len(fs) != 0 {
		t.Fatal("a disabled built-in created a filter")
	}
	e.trail.append(kmsEvent(start, "Decrypt", "DisabledException", keyARN))
	e.sync()
	if strings.Contains(e.logs.String(), "KMS key use refused") {
		t.Fatal("a disabled built-in logged")
	}
}

func TestFilterLogEvents(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	for i := range 10 {
		code := ""
		if i%3 == 0 {
			code = "DisabledException"
		}
		e.trail.append(kmsEvent(start.Add(time.Duration(i)*time.Minute), "Decrypt", code, keyARN))
	}
	other := kmsEvent(start.Add(2*time.Minute), "Decrypt", "DisabledException", keyARN)
	other.RecipientAccountID, other.UserIdentity = "999988887777", audit.RootIdentity("999988887777", "AKIA")
	e.trail.append(other)
	in := alarms.FilterLogEventsInput{LogGroup: alarms.DefaultAuditLogGroup, Pattern: `{ $.errorCode = "DisabledException" }`}
	evs, next, err := e.svc.FilterLogEvents(ctx, e.caller, in)
	must(t, err)
	if len(evs) != 4 || next != "" {
		t.Fatalf("%d events, next %q", len(evs), next)
	}
	if evs[0].Stream != "111122223333_CloudTrail_us-east-1" || !evs[0].Timestamp.Equal(start) || !strings.Contains(evs[0].Message, `"errorCode":"DisabledException"`) ||
		!evs[3].Timestamp.Equal(start.Add(9*time.Minute)) {
		t.Fatalf("events %+v", evs)
	}
	// Time window (inclusive) and paging.
	in.Start, in.End, in.Limit = start.Add(3*time.Minute), start.Add(9*time.Minute), 1
	var got []time.Time
	for {
		evs, next, err = e.svc.FilterLogEvents(ctx, e.caller, in)
		must(t, err)
		for _, ev := range evs {
			got = append(got, ev.Timestamp)
		}
		if next == "" {
			break
		}
		in.NextToken = next
	}
	if len(got) != 3 || !got[0].Equal(start.Add(3*time.Minute)) || !got[2].Equal(start.Add(9*time.Minute)) {
		t.Fatalf("windowed pages %v", got)
	}
	_, _, err = e.svc.FilterLogEvents(ctx, e.caller, alarms.FilterLogEventsInput{LogGroup: "nope"})
	if !errs.Is(err, errs.NotFound) {
		t.Fatalf("unknown group: %v", err)
	}
	_, _, err = e.svc.FilterLogEvents(ctx, e.caller, alarms.FilterLogEventsInput{LogGroup: alarms.DefaultAuditLogGroup, NextToken: "garbage"})
	if !errs.Is(err, alarms.CodeInvalidNextToken) {
		t.Fatalf("bad token: %v", err)
	}
	_, _, err = e.svc.FilterLogEvents(ctx, e.caller, alarms.FilterLogEventsInput{LogGroup: alarms.DefaultAuditLogGroup, Pattern: "{ $.x = "})
	if !errs.Is(err, errs.Validation) {
		t.Fatalf("bad pattern: %v", err)
	}
}

func TestLogGroupsAndFilters(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	must(t, e.svc.CreateLogGroup(ctx, e.caller, "app/a"))
	if err := e.svc.CreateLogGroup(ctx, e.caller, "app/a"); !errs.Is(err, errs.AlreadyExists) {
		t.Fatalf("duplicate group: %v", err)
	}
	if err := e.svc.CreateLogGroup(ctx, e.caller, alarms.DefaultAuditLogGroup); !errs.Is(err, errs.AlreadyExists) {
		t.Fatalf("audit group: %v", err)
	}
	e.putFilter("f1", issuePattern)
	gs, _, err := e.svc.DescribeLogGroups(ctx, e.caller, alarms.DescribeLogGroupsInput{})
	must(t, err)
	if len(gs) != 2 || gs[0].Name != "app/a" || gs[1].Name != "keyward/audit" || gs[1].MetricFilterCount != 1 {
		t.Fatalf("groups %+v", gs)
	}
	gs, next, err := e.svc.DescribeLogGroups(ctx, e.caller, alarms.DescribeLogGroupsInput{Limit: 1})
	must(t, err)
	if len(gs) != 1 || next == "" {
		t.Fatalf("page 1: %+v %q", gs, next)
	}
	gs, next, err = e.svc.DescribeLogGroups(ctx, e.caller, alarms.DescribeLogGroupsInput{Limit: 1, NextToken: next})
	must(t, err)
	if len(gs) != 1 || gs[0].Name != "keyward/audit" || next != "" {
		t.Fatalf("page 2: %+v %q", gs, next)
	}

	// Validation.
	bad := []alarms.PutMetricFilterInput{
		{LogGroup: "missing", Name: "x", Pattern: "ERROR", Transformations: []alarms.MetricTransformation{{MetricName: "m", Namespace: "n", Value: "1"}}},
		{LogGroup: "app/a", Name: "x", Pattern: "{ $.a = ", Transformations: []alarms.MetricTransformation{{MetricName: "m", Namespace: "n", Value: "1"}}},
		{LogGroup: "app/a", Name: "x", Pattern: "{ $.a = 1 }", Transformations: []alarms.MetricTransformation{{MetricName: "m", Namespace: "n", Value: "$.a[*]"}}},
		{LogGroup: "app/a", Name: "x", Pattern: "ERROR", Transformations: []alarms.MetricTransformation{{MetricName: "m", Namespace: "n", Value: "1",
			Dimensions: map[string]string{"d": "$.a"}}}},
	}
	for i, in := range bad {
		if err := e.svc.PutMetricFilter(ctx, e.caller, in); err == nil {
			t.Errorf("bad filter %d accepted", i)
		}
	}
	if err := e.svc.DeleteMetricFilter(ctx, e.caller, alarms.DefaultAuditLogGroup, "nope"); !errs.Is(err, errs.NotFound) {
		t.Fatalf("delete missing filter: %v", err)
	}
	must(t, e.svc.DeleteMetricFilter(ctx, e.caller, alarms.DefaultAuditLogGroup, "f1"))

	ms, err := e.svc.TestMetricFilter(ctx, e.caller, "[ip, user, status = 4*]", []string{"1.2.3.4 alice 404", "1.2.3.4 bob 200", "5.6.7.8 carol 403"})
	must(t, err)
	if len(ms) != 2 || ms[0].EventNumber != 1 || ms[1].EventNumber != 3 || ms[1].Extracted["$user"] != "carol" {
		t.Fatalf("TestMetricFilter %+v", ms)
	}
}

func TestFilterLimit(t *testing.T) {
	e := newEnv(t)
	for i := range alarms.MaxFiltersPerGroup {
		e.putFilter("f"+strings.Repeat("x", i), "ERROR")
	}
	err := e.svc.PutMetricFilter(t.Context(), e.caller, alarms.PutMetricFilterInput{LogGroup: alarms.DefaultAuditLogGroup, Name: "one-more",
		Pattern: "ERROR", Transformations: []alarms.MetricTransformation{{MetricName: "m", Namespace: "n", Value: "1"}}})
	if !errs.Is(err, errs.LimitExceeded) {
		t.Fatalf("101st filter: %v", err)
	}
}

func TestPutMetricAlarmValidation(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	cases := map[string]func(*alarms.AlarmConfig){
		"fail/period-45":             func(c *alarms.AlarmConfig) { c.Period = 45 },
		"fail/datapoints-over-n":     func(c *alarms.AlarmConfig) { c.DatapointsToAlarm = 2 },
		"fail/treat-missing-unknown": func(c *alarms.AlarmConfig) { c.TreatMissingData = "sometimes" },
		"fail/anomaly-operator":      func(c *alarms.AlarmConfig) { c.ComparisonOperator = "LessThanLowerThreshold" },
		"fail/other-account-topic":   func(c *alarms.AlarmConfig) { c.AlarmActions = []string{"arn:aws:sns:us-east-1:999988887777:x"} },
		"fail/lambda-action": func(c *alarms.AlarmConfig) {
			c.OKActions = []string{"arn:aws:lambda:us-east-1:111122223333:function:f"}
		},
		"fail/over-a-day":              func(c *alarms.AlarmConfig) { c.EvaluationPeriods = 1441 },
		"fail/statistic-p99":           func(c *alarms.AlarmConfig) { c.Statistic = "p99" },
		"fail/no-metric":               func(c *alarms.AlarmConfig) { c.MetricName = "" },
		"ok/period-10":                 func(c *alarms.AlarmConfig) { c.Period = 10 },
		"ok/period-20":                 func(c *alarms.AlarmConfig) { c.Period = 20 },
		"ok/seven-days-of-hour-period": func(c *alarms.AlarmConfig) { c.Period = 3600; c.EvaluationPeriods = 168 },
	}
	for name, mod := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := errorAlarm("missing")
			mod(&cfg)
			err := e.svc.PutMetricAlarm(ctx, e.caller, strings.ReplaceAll(name, "/", "-"), cfg)
			if strings.HasPrefix(name, "ok/") != (err == nil) {
				t.Fatalf("err %v", err)
			}
			if err != nil && !errs.Is(err, errs.Validation) {
				t.Fatalf("code %s: %v", errs.CodeOf(err), err)
			}
		})
	}
}

func TestPutMetricAlarmUpdateKeepsState(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	cfg := errorAlarm("breaching")
	cfg.Tags = []alarms.Tag{{Key: "team", Value: "sec"}}
	must(t, e.svc.PutMetricAlarm(ctx, e.caller, "a", cfg))
	if a := e.alarm("a"); a.State != alarms.StateAlarm {
		t.Fatalf("breaching with no data: %s", a.State)
	}
	cfg.Description, cfg.Tags = "updated", nil
	must(t, e.svc.PutMetricAlarm(ctx, e.caller, "a", cfg))
	a := e.alarm("a")
	if a.State != alarms.StateAlarm || a.Config.Description != "updated" || len(a.Config.Tags) != 1 || a.Config.DatapointsToAlarm != 1 {
		t.Fatalf("updated alarm %+v", a)
	}
	cfgs := e.history("a", alarms.HistoryConfigurationUpdate)
	if len(cfgs) != 2 || cfgs[1].Summary != `Alarm "a" updated` || !strings.Contains(cfgs[1].Data, `"originalAlarm"`) {
		t.Fatalf("configuration history %+v", cfgs)
	}
	// Delete: unknown names are skipped; history stays.
	must(t, e.svc.DeleteAlarms(ctx, e.caller, []string{"a", "never-existed"}))
	as, _, err := e.svc.DescribeAlarms(ctx, e.caller, alarms.DescribeAlarmsInput{})
	must(t, err)
	if len(as) != 0 {
		t.Fatalf("alarms after delete: %v", as)
	}
	if h := e.history("a", ""); len(h) == 0 || h[len(h)-1].Summary != `Alarm "a" deleted` {
		t.Fatalf("history after delete %+v", h)
	}
}

func TestDescribeAlarmsFiltersAndPages(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	for _, n := range []string{"b-1", "a-1", "a-2", "c"} {
		cfg := errorAlarm("notBreaching")
		if n == "c" {
			cfg.TreatMissingData = "breaching"
			cfg.AlarmActions = nil
		}
		must(t, e.svc.PutMetricAlarm(ctx, e.caller, n, cfg))
	}
	names := func(in alarms.DescribeAlarmsInput) ([]string, string) {
		as, next, err := e.svc.DescribeAlarms(ctx, e.caller, in)
		must(t, err)
		var out []string
		for _, a := range as {
			out = append(out, a.Name)
		}
		return out, next
	}
	if got, _ := names(alarms.DescribeAlarmsInput{Prefix: "a-"}); !slices.Equal(got, []string{"a-1", "a-2"}) {
		t.Fatalf("prefix: %v", got)
	}
	if got, _ := names(alarms.DescribeAlarmsInput{State: alarms.StateAlarm}); !slices.Equal(got, []string{"c"}) {
		t.Fatalf("state: %v", got)
	}
	if got, _ := names(alarms.DescribeAlarmsInput{ActionPrefix: "arn:aws:sns:us-east-1:111122223333:"}); len(got) != 3 {
		t.Fatalf("action prefix: %v", got)
	}
	if got, _ := names(alarms.DescribeAlarmsInput{Types: []string{"CompositeAlarm"}}); len(got) != 0 {
		t.Fatalf("composite: %v", got)
	}
	var all []string
	in := alarms.DescribeAlarmsInput{MaxRecords: 3}
	for {
		page, next := names(in)
		all = append(all, page...)
		if next == "" {
			break
		}
		in.NextToken = next
	}
	if !slices.Equal(all, []string{"a-1", "a-2", "b-1", "c"}) {
		t.Fatalf("pages: %v", all)
	}
	_, _, err := e.svc.DescribeAlarms(ctx, e.caller, alarms.DescribeAlarmsInput{NextToken: "!!"})
	if !errs.Is(err, alarms.CodeInvalidNextToken) {
		t.Fatalf("bad token: %v", err)
	}
	_, _, err = e.svc.DescribeAlarms(ctx, e.caller, alarms.DescribeAlarmsInput{Names: []string{"a"}, Prefix: "a"})
	if !errs.Is(err, alarms.CodeInvalidParameterCombination) {
		t.Fatalf("names and prefix: %v", err)
	}
}

// deny refuses everything but the actions it lists.
type deny struct{ allow []string }

func (d deny) Authorize(_ context.Context, c *authz.Caller, action string, r authz.Resource) error {
	if slices.Contains(d.allow, action) {
		return nil
	}
	return authz.Denied(c, action, r.ARN, "identity-based")
}

func TestAuthorization(t *testing.T) {
	e := newEnv(t, func(c *alarms.Config) { c.Authorizer = deny{allow: []string{"cloudwatch:DescribeAlarms"}} })
	ctx := t.Context()
	user := &authz.Caller{Type: authz.IAMUser, Account: account, Region: region, ARN: "arn:aws:iam::111122223333:user/bob"}
	for name, err := range map[string]error{
		"PutMetricAlarm":  e.svc.PutMetricAlarm(ctx, user, "a", errorAlarm("missing")),
		"PutMetricFilter": e.svc.PutMetricFilter(ctx, user, alarms.PutMetricFilterInput{LogGroup: alarms.DefaultAuditLogGroup, Name: "f", Pattern: "x"}),
		"SetAlarmState":   e.svc.SetAlarmState(ctx, user, "a", "OK", "r", ""),
		"DeleteAlarms":    e.svc.DeleteAlarms(ctx, user, []string{"a"}),
		"CreateLogGroup":  e.svc.CreateLogGroup(ctx, user, "g"),
		"DescribeMissing": func() error { _, _, err := e.svc.DescribeAlarmHistory(ctx, user, alarms.HistoryInput{}); return err }(),
		"FilterLogEvents": func() error {
			_, _, err := e.svc.FilterLogEvents(ctx, user, alarms.FilterLogEventsInput{LogGroup: "g"})
			return err
		}(),
		"GetMetricData":    func() error { _, _, err := e.svc.GetMetricData(ctx, user, alarms.MetricDataInput{}); return err }(),
		"TestMetricFilter": func() error { _, err := e.svc.TestMetricFilter(ctx, user, "x", []string{"x"}); return err }(),
	} {
		if !errs.Is(err, errs.AccessDenied) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, _, err := e.svc.DescribeAlarms(ctx, user, alarms.DescribeAlarmsInput{}); err != nil {
		t.Fatalf("allowed action: %v", err)
	}
}

// TestDimensionCardinalityCap: a dimension on a high-cardinality field
// stops making new metrics at 1000, with a warning.
func TestDimensionCardinalityCap(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	must(t, e.svc.PutMetricFilter(ctx, e.caller, alarms.PutMetricFilterInput{LogGroup: alarms.DefaultAuditLogGroup, Name: "by-event",
		Pattern:         `{ $.eventSource = "kms.amazonaws.com" }`,
		Transformations: []alarms.MetricTransformation{{MetricName: "Calls", Namespace: "K", Value: "1", Dimensions: map[string]string{"Id": "$.eventID"}}}}))
	for i := range 1005 {
		e.trail.append(kmsEvent(start.Add(time.Duration(i)*time.Millisecond), "Encrypt", "", keyARN))
	}
	e.sync()
	n, token := 0, ""
	for {
		ms, next, err := e.svc.ListMetrics(ctx, e.caller, alarms.ListMetricsInput{Namespace: "K", NextToken: token})
		must(t, err)
		n += len(ms)
		if next == "" {
			break
		}
		token = next
	}
	if n != 1000 || strings.Count(e.logs.String(), "too many different dimension values") != 1 {
		t.Fatalf("%d metrics; log:\n%s", n, e.logs.String())
	}
}
