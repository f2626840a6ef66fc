package storagetest

import (
	"slices"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/alarms"
	"github.com/keyward/keyward/internal/errs"
)

var alarmTests = []test{
	{"log-groups", testLogGroups},
	{"metric-filters", testMetricFilters},
	{"metric-filter-limit", testMetricFilterLimit},
	{"datapoints-merge-checkpoint", testDatapointsMerge},
	{"datapoints-list-prune", testDatapointsListPrune},
	{"alarm-create-get-update", testAlarmCreateGetUpdate},
	{"alarm-delete-list", testAlarmDeleteList},
	{"alarm-history", testAlarmHistory},
}

// metricEra holds the times of tests that prune (PruneDatapoints and
// PruneAlarmHistory are global), long before any other fixture.
var metricEra = time.Date(1851, time.March, 1, 0, 0, 0, 0, time.UTC)

func testLogGroups(t *testing.T, s Stores) {
	sc := newScope(t)
	for _, name := range []string{"b/x", "a", "b/a", "c"} {
		if err := s.CreateLogGroup(ctx(t), &alarms.LogGroup{Account: sc.account, Region: sc.region, Name: name, Created: base}); err != nil {
			t.Fatalf("CreateLogGroup %s: %v", name, err)
		}
	}
	wantCode(t, s.CreateLogGroup(ctx(t), &alarms.LogGroup{Account: sc.account, Region: sc.region, Name: "a", Created: base}),
		errs.AlreadyExists, "CreateLogGroup of a taken name")
	other := sc.otherRegion()
	if err := s.CreateLogGroup(ctx(t), &alarms.LogGroup{Account: other.account, Region: other.region, Name: "a", Created: base}); err != nil {
		t.Fatalf("the same name in another region: %v", err)
	}
	names := func(prefix, after string, limit int) []string {
		t.Helper()
		gs, err := s.ListLogGroups(ctx(t), sc.account, sc.region, prefix, after, limit)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, g := range gs {
			if g.Account != sc.account || g.Region != sc.region || !g.Created.Equal(base) || g.Created.Location() != time.UTC {
				t.Fatalf("group %+v", g)
			}
			out = append(out, g.Name)
		}
		return out
	}
	for _, c := range []struct {
		prefix, after string
		limit         int
		want          []string
	}{
		{"", "", 0, []string{"a", "b/a", "b/x", "c"}},
		{"b/", "", 0, []string{"b/a", "b/x"}},
		{"", "a", 2, []string{"b/a", "b/x"}},
		{"b/", "b/a", 0, []string{"b/x"}},
		{"z", "", 0, nil},
	} {
		if got := names(c.prefix, c.after, c.limit); !slices.Equal(got, c.want) {
			t.Errorf("ListLogGroups(%q, %q, %d) = %v, want %v", c.prefix, c.after, c.limit, got, c.want)
		}
	}
}

func newFilter(sc scope, group, name string) *alarms.MetricFilter {
	def := 0.0
	return &alarms.MetricFilter{Account: sc.account, Region: sc.region, LogGroup: group, Name: name,
		Pattern: `{ $.eventSource = "kms.amazonaws.com" }`, Created: base,
		Transformations: []alarms.MetricTransformation{{MetricName: "Calls", Namespace: "Keyward/Test", Value: "1",
			DefaultValue: &def, Unit: "Count"}}}
}

func testMetricFilters(t *testing.T, s Stores) {
	sc := newScope(t)
	f1 := newFilter(sc, "g1", "b")
	f2 := newFilter(sc, "g1", "a")
	f2.Transformations[0] = alarms.MetricTransformation{MetricName: "Bytes", Namespace: "N", Value: "$.bytes",
		Dimensions: map[string]string{"Op": "$.eventName", "Src": "$.eventSource"}}
	f3 := newFilter(sc, "g0", "z")
	for _, f := range []*alarms.MetricFilter{f1, f2, f3} {
		if err := s.PutMetricFilter(ctx(t), f, 100); err != nil {
			t.Fatalf("PutMetricFilter %s: %v", f.Name, err)
		}
	}
	list := func(group string) []*alarms.MetricFilter {
		t.Helper()
		fs, err := s.ListMetricFilters(ctx(t), sc.account, sc.region, group)
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}
	got := list("")
	if len(got) != 3 {
		t.Fatalf("ListMetricFilters: %d filters", len(got))
	}
	same(t, "filter g0/z", f3, got[0])
	same(t, "filter g1/a", f2, got[1])
	same(t, "filter g1/b", f1, got[2])
	if g1 := list("g1"); len(g1) != 2 || g1[0].Name != "a" {
		t.Fatalf("filters of g1: %v", g1)
	}

	// Replacing keeps the creation time and changes the rest.
	repl := newFilter(sc, "g1", "b")
	repl.Pattern = "ERROR"
	repl.Created = base.Add(time.Hour)
	repl.Transformations[0].DefaultValue = nil
	if err := s.PutMetricFilter(ctx(t), repl, 100); err != nil {
		t.Fatal(err)
	}
	repl.Created = base
	same(t, "replaced filter", repl, list("g1")[1])

	all, err := s.AllMetricFilters(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range all {
		if f.Account == sc.account {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("AllMetricFilters has %d of this account's filters", n)
	}

	if err := s.DeleteMetricFilter(ctx(t), sc.account, sc.region, "g1", "a"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DeleteMetricFilter(ctx(t), sc.account, sc.region, "g1", "a"), errs.NotFound, "DeleteMetricFilter twice")
	wantCode(t, s.DeleteMetricFilter(ctx(t), sc.account, sc.otherRegion().region, "g1", "b"), errs.NotFound, "DeleteMetricFilter in another region")
	if len(list("")) != 2 {
		t.Fatal("delete removed the wrong filters")
	}
}

func testMetricFilterLimit(t *testing.T, s Stores) {
	sc := newScope(t)
	for _, name := range []string{"a", "b"} {
		if err := s.PutMetricFilter(ctx(t), newFilter(sc, "g", name), 2); err != nil {
			t.Fatal(err)
		}
	}
	wantCode(t, s.PutMetricFilter(ctx(t), newFilter(sc, "g", "c"), 2), errs.LimitExceeded, "a third filter with max 2")
	if err := s.PutMetricFilter(ctx(t), newFilter(sc, "g", "a"), 2); err != nil {
		t.Fatalf("replacing a filter at the limit: %v", err)
	}
	if err := s.PutMetricFilter(ctx(t), newFilter(sc, "other", "c"), 2); err != nil {
		t.Fatalf("the limit is per group: %v", err)
	}
}

func point(m alarms.Metric, unit string, at time.Time, vs ...float64) alarms.Datapoint {
	d := alarms.Datapoint{Metric: m, Unit: unit, Time: at, Min: vs[0], Max: vs[0]}
	for _, v := range vs {
		d.SampleCount++
		d.Sum += v
		d.Min, d.Max = min(d.Min, v), max(d.Max, v)
	}
	return d
}

func testDatapointsMerge(t *testing.T, s Stores) {
	sc := newScope(t)
	consumer := "test-" + randUUID(t)
	cp, err := s.Checkpoint(ctx(t), consumer)
	if err != nil || cp != 0 {
		t.Fatalf("Checkpoint of a new consumer = %d, %v", cp, err)
	}
	m := alarms.Metric{Account: sc.account, Region: sc.region, Namespace: "NS", Name: "M",
		Dimensions: []alarms.Dimension{{Name: "A", Value: "1"}, {Name: "B", Value: "x y"}}}
	t0 := base.Truncate(time.Minute)
	if err := s.AddDatapoints(ctx(t), consumer, 7, []alarms.Datapoint{point(m, "Count", t0, 2, 5), point(m, "", t0, 1)}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddDatapoints(ctx(t), consumer, 9, []alarms.Datapoint{point(m, "Count", t0, -1, 3), point(m, "Count", t0.Add(time.Minute), 4)}); err != nil {
		t.Fatal(err)
	}
	if cp, err := s.Checkpoint(ctx(t), consumer); err != nil || cp != 9 {
		t.Fatalf("Checkpoint = %d, %v; want 9", cp, err)
	}
	// A checkpoint alone moves too.
	if err := s.AddDatapoints(ctx(t), consumer, 12, nil); err != nil {
		t.Fatal(err)
	}
	if cp, _ := s.Checkpoint(ctx(t), consumer); cp != 12 {
		t.Fatalf("Checkpoint after an empty batch = %d", cp)
	}
	got, err := s.Datapoints(ctx(t), m, t0, t0.Add(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	want := []alarms.Datapoint{point(m, "", t0, 1), point(m, "Count", t0, 2, 5, -1, 3), point(m, "Count", t0.Add(time.Minute), 4)}
	if len(got) != len(want) {
		t.Fatalf("Datapoints: %d, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		same(t, "datapoint", &want[i], &got[i])
	}
	// [from, to): the end is exclusive; other dimensions are another metric.
	if got, _ := s.Datapoints(ctx(t), m, t0, t0.Add(time.Minute)); len(got) != 2 {
		t.Fatalf("Datapoints before the second minute: %d", len(got))
	}
	other := m
	other.Dimensions = m.Dimensions[:1]
	if got, _ := s.Datapoints(ctx(t), other, t0, t0.Add(time.Hour)); len(got) != 0 {
		t.Fatalf("another dimension set has %d datapoints", len(got))
	}
	far := m
	far.Region = sc.otherRegion().region
	if got, _ := s.Datapoints(ctx(t), far, t0, t0.Add(time.Hour)); len(got) != 0 {
		t.Fatal("datapoints leak across regions")
	}
}

func testDatapointsListPrune(t *testing.T, s Stores) {
	sc := newScope(t)
	consumer := "test-" + randUUID(t)
	m := func(ns, name string, dims ...alarms.Dimension) alarms.Metric {
		return alarms.Metric{Account: sc.account, Region: sc.region, Namespace: ns, Name: name, Dimensions: dims}
	}
	old, recent := metricEra, metricEra.Add(48*time.Hour)
	dps := []alarms.Datapoint{
		point(m("B", "x"), "", old, 1),
		point(m("A", "y", alarms.Dimension{Name: "K", Value: "2"}), "", recent, 1),
		point(m("A", "y", alarms.Dimension{Name: "K", Value: "1"}), "", recent, 1),
		point(m("A", "y", alarms.Dimension{Name: "K", Value: "1"}), "Count", recent.Add(time.Minute), 1),
		point(m("A", "x"), "", recent, 1),
	}
	if err := s.AddDatapoints(ctx(t), consumer, 1, dps); err != nil {
		t.Fatal(err)
	}
	key := func(ms []alarms.Metric) []string {
		var out []string
		for _, x := range ms {
			out = append(out, x.Namespace+"/"+x.Name+alarms.DimensionsKey(x.Dimensions))
		}
		return out
	}
	for _, c := range []struct {
		ns, name string
		since    time.Time
		want     []string
	}{
		{"", "", old, []string{`A/x[]`, `A/y[["K","1"]]`, `A/y[["K","2"]]`, `B/x[]`}},
		{"", "", recent, []string{`A/x[]`, `A/y[["K","1"]]`, `A/y[["K","2"]]`}},
		{"A", "y", old, []string{`A/y[["K","1"]]`, `A/y[["K","2"]]`}},
		{"", "x", old, []string{`A/x[]`, `B/x[]`}},
	} {
		ms, err := s.ListMetrics(ctx(t), sc.account, sc.region, c.ns, c.name, c.since)
		if err != nil {
			t.Fatal(err)
		}
		if got := key(ms); !slices.Equal(got, c.want) {
			t.Errorf("ListMetrics(%q, %q, %v) = %v, want %v", c.ns, c.name, c.since, got, c.want)
		}
	}
	if _, err := s.PruneDatapoints(ctx(t), recent); err != nil {
		t.Fatal(err)
	}
	ms, err := s.ListMetrics(ctx(t), sc.account, sc.region, "", "", old)
	if err != nil {
		t.Fatal(err)
	}
	if got := key(ms); len(got) != 3 || slices.Contains(got, `B/x[]`) {
		t.Fatalf("after pruning: %v", got)
	}
}

func newAlarm(sc scope, name string) *alarms.Alarm {
	return &alarms.Alarm{Account: sc.account, Region: sc.region, Name: name,
		Config: alarms.AlarmConfig{Description: "ünïcode", ActionsEnabled: true,
			AlarmActions: []string{"arn:aws:sns:" + sc.region + ":" + sc.account + ":ops"},
			OKActions:    []string{"arn:aws:sns:" + sc.region + ":" + sc.account + ":ok"},
			MetricName:   "M", Namespace: "NS", Statistic: "Sum",
			Dimensions: []alarms.Dimension{{Name: "Z", Value: "1"}, {Name: "A", Value: "2"}},
			Period:     60, Unit: "Count", EvaluationPeriods: 3, DatapointsToAlarm: 2, Threshold: 0.1,
			ComparisonOperator: "GreaterThanThreshold", TreatMissingData: "notBreaching",
			Tags: []alarms.Tag{{Key: "team", Value: "sec"}}},
		ConfigUpdated: base, State: alarms.StateInsufficientData, StateReason: "Unchecked: Initial alarm creation",
		StateUpdated: base, StateTransitioned: base, Version: 1}
}

func history(sc scope, alarm, typ string, at time.Time, summary string) alarms.HistoryItem {
	return alarms.HistoryItem{Account: sc.account, Region: sc.region, AlarmName: alarm, Time: at, Type: typ, Summary: summary, Data: `{"v":1}`}
}

func listHistory(t *testing.T, s Stores, f alarms.HistoryFilter) []string {
	t.Helper()
	items, err := s.ListAlarmHistory(ctx(t), f)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range items {
		if h.Account != f.Account || h.Region != f.Region || h.Data != `{"v":1}` || h.Time.Location() != time.UTC || h.ID == 0 {
			t.Fatalf("history item %+v", h)
		}
		out = append(out, h.Summary)
	}
	return out
}

func testAlarmCreateGetUpdate(t *testing.T, s Stores) {
	sc := newScope(t)
	a := newAlarm(sc, "cpu/high ✓")
	if err := s.CreateAlarm(ctx(t), a, []alarms.HistoryItem{history(sc, a.Name, alarms.HistoryConfigurationUpdate, base, "created")}); err != nil {
		t.Fatal(err)
	}
	get := func(name string) *alarms.Alarm {
		t.Helper()
		got, err := s.GetAlarm(ctx(t), sc.account, sc.region, name)
		if err != nil {
			t.Fatalf("GetAlarm %s: %v", name, err)
		}
		return got
	}
	same(t, "alarm", a, get(a.Name))
	wantCode(t, s.CreateAlarm(ctx(t), newAlarm(sc, a.Name), nil), errs.AlreadyExists, "CreateAlarm of a taken name")
	_, err := s.GetAlarm(ctx(t), sc.account, sc.otherRegion().region, a.Name)
	wantCode(t, err, errs.NotFound, "GetAlarm in another region")

	// Minimal alarm: no actions, no dimensions, no tags, no state times.
	bare := &alarms.Alarm{Account: sc.account, Region: sc.region, Name: "bare", ConfigUpdated: base, State: alarms.StateOK,
		Config: alarms.AlarmConfig{MetricName: "M", Namespace: "NS", Statistic: "Maximum", Period: 10, EvaluationPeriods: 1,
			DatapointsToAlarm: 1, Threshold: -1e300, ComparisonOperator: "LessThanThreshold"}, Version: 1}
	if err := s.CreateAlarm(ctx(t), bare, nil); err != nil {
		t.Fatal(err)
	}
	same(t, "bare alarm", bare, get("bare"))

	up := *a
	up.State, up.StateReason, up.StateReasonData = alarms.StateAlarm, "Threshold Crossed", `{"version":"1.0"}`
	up.StateUpdated, up.StateTransitioned = base.Add(time.Minute), base.Add(time.Minute)
	up.Config.AlarmActions = nil
	up.Version = 2
	if err := s.UpdateAlarm(ctx(t), &up, 1, []alarms.HistoryItem{history(sc, a.Name, alarms.HistoryStateUpdate, base.Add(time.Minute), "to ALARM")}); err != nil {
		t.Fatal(err)
	}
	same(t, "updated alarm", &up, get(a.Name))

	stale := up
	stale.State, stale.Version = alarms.StateOK, 3
	wantCode(t, s.UpdateAlarm(ctx(t), &stale, 1, []alarms.HistoryItem{history(sc, a.Name, alarms.HistoryStateUpdate, base.Add(2*time.Minute), "lost")}),
		errs.Conflict, "UpdateAlarm at a stale version")
	same(t, "alarm after a conflict", &up, get(a.Name))
	missing := *newAlarm(sc, "missing")
	missing.Version = 2
	wantCode(t, s.UpdateAlarm(ctx(t), &missing, 1, nil), errs.NotFound, "UpdateAlarm of a missing alarm")

	// The history of the successful changes only, in the same transactions.
	got := listHistory(t, s, alarms.HistoryFilter{Account: sc.account, Region: sc.region, AlarmName: a.Name, Ascending: true})
	if !slices.Equal(got, []string{"created", "to ALARM"}) {
		t.Fatalf("history %v", got)
	}
}

func testAlarmDeleteList(t *testing.T, s Stores) {
	sc := newScope(t)
	for _, name := range []string{"c", "a", "b", "d"} {
		if err := s.CreateAlarm(ctx(t), newAlarm(sc, name), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateAlarm(ctx(t), newAlarm(sc.otherRegion(), "a"), nil); err != nil {
		t.Fatal(err)
	}
	names := func(after string, limit int) []string {
		t.Helper()
		as, err := s.ListAlarms(ctx(t), sc.account, sc.region, after, limit)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range as {
			out = append(out, a.Name)
		}
		return out
	}
	if got := names("", 0); !slices.Equal(got, []string{"a", "b", "c", "d"}) {
		t.Fatalf("ListAlarms = %v", got)
	}
	if got := names("a", 2); !slices.Equal(got, []string{"b", "c"}) {
		t.Fatalf("ListAlarms after a, 2 = %v", got)
	}
	if err := s.DeleteAlarm(ctx(t), sc.account, sc.region, "b", []alarms.HistoryItem{history(sc, "b", alarms.HistoryConfigurationUpdate, base, "deleted")}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DeleteAlarm(ctx(t), sc.account, sc.region, "b", nil), errs.NotFound, "DeleteAlarm twice")
	if got := names("", 0); !slices.Equal(got, []string{"a", "c", "d"}) {
		t.Fatalf("after delete: %v", got)
	}
	// History outlives the alarm.
	if got := listHistory(t, s, alarms.HistoryFilter{Account: sc.account, Region: sc.region, AlarmName: "b"}); !slices.Equal(got, []string{"deleted"}) {
		t.Fatalf("history of a deleted alarm: %v", got)
	}
	all, err := s.AllAlarms(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, a := range all {
		if a.Account == sc.account {
			n++
		}
	}
	if n != 4 {
		t.Fatalf("AllAlarms has %d of this account's alarms, want 4 (3 + 1 in another region)", n)
	}
}

func testAlarmHistory(t *testing.T, s Stores) {
	sc := newScope(t)
	t0 := metricEra
	items := []alarms.HistoryItem{
		history(sc, "x", alarms.HistoryConfigurationUpdate, t0, "x1"),
		history(sc, "x", alarms.HistoryStateUpdate, t0.Add(time.Second), "x2"),
		history(sc, "y", alarms.HistoryStateUpdate, t0.Add(time.Second), "y1"),
		history(sc, "x", alarms.HistoryAction, t0.Add(2*time.Second), "x3"),
		history(sc, "y", alarms.HistoryAction, t0.Add(3*time.Second), "y2"),
	}
	if err := s.AddAlarmHistory(ctx(t), items); err != nil {
		t.Fatal(err)
	}
	if err := s.AddAlarmHistory(ctx(t), []alarms.HistoryItem{history(sc.otherRegion(), "x", alarms.HistoryAction, t0, "elsewhere")}); err != nil {
		t.Fatal(err)
	}
	f := alarms.HistoryFilter{Account: sc.account, Region: sc.region}
	check := func(what string, f alarms.HistoryFilter, want ...string) {
		t.Helper()
		if got := listHistory(t, s, f); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", what, got, want)
		}
	}
	check("all, newest first", f, "y2", "x3", "y1", "x2", "x1")
	asc := f
	asc.Ascending = true
	check("all, oldest first", asc, "x1", "x2", "y1", "x3", "y2")
	byAlarm := f
	byAlarm.AlarmName = "x"
	check("alarm x", byAlarm, "x3", "x2", "x1")
	byType := f
	byType.Type = alarms.HistoryStateUpdate
	check("state updates", byType, "y1", "x2")
	window := f
	window.From, window.To = t0.Add(time.Second), t0.Add(2*time.Second)
	check("window (inclusive)", window, "x3", "y1", "x2")
	limited := f
	limited.Limit = 2
	first, err := s.ListAlarmHistory(ctx(t), limited)
	if err != nil || len(first) != 2 {
		t.Fatalf("limit 2: %v %v", first, err)
	}
	limited.AfterTime, limited.AfterID = first[1].Time, first[1].ID
	check("second page", limited, "y1", "x2")
	ascPage := asc
	ascPage.Limit = 2
	ascFirst, _ := s.ListAlarmHistory(ctx(t), ascPage)
	ascPage.AfterTime, ascPage.AfterID = ascFirst[1].Time, ascFirst[1].ID
	check("second page oldest first", ascPage, "y1", "x3")

	if _, err := s.PruneAlarmHistory(ctx(t), t0.Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	check("after pruning", f, "y2", "x3")
	if got := listHistory(t, s, alarms.HistoryFilter{Account: sc.account, Region: sc.otherRegion().region}); len(got) != 0 {
		t.Errorf("pruning kept an older item of another region: %v", got)
	}
}
