package alarms

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// range_ builds an evaluation range from AWS's table notation, oldest
// first: "0" a non-breaching datapoint, "X" a breaching one, "-" missing.
// The threshold is 1 with GreaterThanOrEqualToThreshold: 0 is 0.0, X is 5.0.
func range_(t *testing.T, s string) []Point {
	t.Helper()
	var ps []Point
	for i, f := range strings.Fields(s) {
		p := Point{Time: t0.Add(time.Duration(i) * time.Minute), Samples: 1}
		switch f {
		case "0":
		case "X":
			p.Value = 5
		case "-":
			p.Missing, p.Samples = true, 0
		default:
			t.Fatalf("bad point %q", f)
		}
		ps = append(ps, p)
	}
	return ps
}

func config(n, m int32, tmd string) *AlarmConfig {
	return &AlarmConfig{MetricName: "M", Namespace: "N", Statistic: "Sum", Period: 60, EvaluationPeriods: n, DatapointsToAlarm: m,
		Threshold: 1, ComparisonOperator: "GreaterThanOrEqualToThreshold", TreatMissingData: tmd}
}

// retain stands for "Retain current state" in AWS's tables.
const retain = ""

// TestEvaluateAWSTables reproduces both tables of CloudWatch's "How alarm
// state is evaluated when data is missing": each row is the 5 datapoints
// CloudWatch retrieves (oldest first) and the state for each
// TreatMissingData setting.
func TestEvaluateAWSTables(t *testing.T) {
	type row struct {
		points                                   string
		missing, ignore, breaching, notBreaching string
	}
	tables := []struct {
		name string
		n, m int32
		rows []row
	}{
		{"3-of-3", 3, 3, []row{
			{"0 - X - X", StateOK, StateOK, StateOK, StateOK},
			{"0 - - - -", StateOK, StateOK, StateOK, StateOK},
			{"- - - - -", StateInsufficientData, retain, StateAlarm, StateOK},
			{"0 X X - X", StateAlarm, StateAlarm, StateAlarm, StateAlarm},
			{"- - - - X", StateInsufficientData, retain, StateAlarm, StateOK},
			{"X - - - -", StateAlarm, retain, StateAlarm, StateOK},
		}},
		{"2-of-3", 3, 2, []row{
			{"0 - X - X", StateAlarm, StateAlarm, StateAlarm, StateAlarm},
			{"0 0 X 0 X", StateAlarm, StateAlarm, StateAlarm, StateAlarm},
			{"0 - X - -", StateOK, StateOK, StateAlarm, StateOK},
			{"- - - - 0", StateOK, StateOK, StateAlarm, StateOK},
			{"- - - - X", StateInsufficientData, retain, StateAlarm, StateOK},
		}},
	}
	for _, tb := range tables {
		for _, r := range tb.rows {
			for _, c := range []struct{ tmd, want string }{
				{"missing", r.missing}, {"ignore", r.ignore}, {"breaching", r.breaching}, {"notBreaching", r.notBreaching},
			} {
				t.Run(tb.name+"/"+strings.ReplaceAll(r.points, " ", "")+"/"+c.tmd, func(t *testing.T) {
					ev := Evaluate(config(tb.n, tb.m, c.tmd), range_(t, r.points), t0.Add(5*time.Minute))
					if ev.State != c.want {
						t.Fatalf("state %q, want %q (reason %q)", ev.State, c.want, ev.Reason)
					}
					if ev.State != "" && !json.Valid([]byte(ev.ReasonData)) {
						t.Fatalf("reason data is not JSON: %s", ev.ReasonData)
					}
				})
			}
		}
	}
}

func TestEvaluateDefaultIsMissing(t *testing.T) {
	if ev := Evaluate(config(3, 3, ""), range_(t, "- - - - -"), t0); ev.State != StateInsufficientData {
		t.Fatalf("default TreatMissingData: %q", ev.State)
	}
}

func TestEvaluateMOfN(t *testing.T) {
	cases := []struct {
		name    string
		n, m    int32
		points  string
		want    string
		matches string // in the reason
	}{
		{"ok/2-of-4-non-consecutive", 4, 2, "0 X 0 X 0 0", StateOK, "3 out of the last 4 datapoints"},
		{"alarm/2-of-4-non-consecutive", 4, 2, "0 0 X 0 X 0", StateAlarm, "2 out of the last 4 datapoints"},
		{"alarm/only-last-n-count", 2, 2, "X X 0 X X X", StateAlarm, "2 out of the last 2 datapoints"},
		{"ok/old-breaches-outside-n", 2, 2, "X X X X 0 0", StateOK, "2 out of the last 2 datapoints"},
		{"alarm/1-of-1", 1, 1, "0 0 X", StateAlarm, "1 out of the last 1 datapoints [5.0 (22/11/26 09:02:00)] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition)."},
		{"ok/1-of-1", 1, 1, "X X 0", StateOK, "1 out of the last 1 datapoints [0.0 (22/11/26 09:02:00)] was not greater than or equal to the threshold (1.0) (minimum 1 datapoint for ALARM -> OK transition)."},
		{"alarm/real-points-skip-gaps", 3, 3, "X - X X -", StateAlarm, "3 out of the last 3 datapoints [5.0 (22/11/26 09:03:00), 5.0 (22/11/26 09:02:00), 5.0 (22/11/26 09:00:00)] were"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := Evaluate(config(c.n, c.m, "missing"), range_(t, c.points), t0.Add(6*time.Minute))
			if ev.State != c.want || !strings.Contains(ev.Reason, c.matches) {
				t.Fatalf("got %s %q\nwant %s containing %q", ev.State, ev.Reason, c.want, c.matches)
			}
		})
	}
}

func TestEvaluateOperators(t *testing.T) {
	cases := []struct {
		op        string
		v         float64
		breaching bool
	}{
		{"GreaterThanOrEqualToThreshold", 1, true}, {"GreaterThanOrEqualToThreshold", 0.5, false},
		{"GreaterThanThreshold", 1, false}, {"GreaterThanThreshold", 1.5, true},
		{"LessThanThreshold", 1, false}, {"LessThanThreshold", 0.5, true},
		{"LessThanOrEqualToThreshold", 1, true}, {"LessThanOrEqualToThreshold", 2, false},
	}
	for _, c := range cases {
		cfg := config(1, 1, "missing")
		cfg.ComparisonOperator = c.op
		ev := Evaluate(cfg, []Point{{Time: t0, Value: c.v, Samples: 1}}, t0.Add(time.Minute))
		if (ev.State == StateAlarm) != c.breaching {
			t.Errorf("%s %v: %s", c.op, c.v, ev.State)
		}
	}
}

func TestEvaluateReasons(t *testing.T) {
	ev := Evaluate(config(1, 1, "notBreaching"), range_(t, "- - -"), t0.Add(3*time.Minute))
	if want := "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching]."; ev.Reason != want {
		t.Errorf("notBreaching reason %q", ev.Reason)
	}
	ev = Evaluate(config(1, 1, "missing"), range_(t, "- - -"), t0.Add(3*time.Minute))
	if want := "Insufficient Data: 1 datapoint was unknown."; ev.Reason != want {
		t.Errorf("missing reason %q", ev.Reason)
	}
	ev = Evaluate(config(3, 3, "breaching"), range_(t, "- - - - X"), t0.Add(5*time.Minute))
	if !strings.Contains(ev.Reason, "(2 missing datapoints were treated as [Breaching])") {
		t.Errorf("filled reason %q", ev.Reason)
	}
	var data struct {
		Version             string
		QueryDate           string
		StartDate           string
		Statistic           string
		Period              int
		RecentDatapoints    []float64
		Threshold           float64
		EvaluatedDatapoints []map[string]any
	}
	if err := json.Unmarshal([]byte(ev.ReasonData), &data); err != nil {
		t.Fatal(err)
	}
	if data.Version != "1.0" || data.QueryDate != "2026-11-22T09:05:00.000+0000" || data.Statistic != "Sum" || data.Period != 60 ||
		len(data.RecentDatapoints) != 1 || data.Threshold != 1 || len(data.EvaluatedDatapoints) != 3 ||
		data.StartDate != "2026-11-22T09:02:00.000+0000" {
		t.Errorf("reason data %s", ev.ReasonData)
	}
	// Java's number spelling, as CloudWatch writes it.
	if !strings.Contains(ev.ReasonData, `"threshold":1.0`) || !strings.Contains(ev.ReasonData, `"recentDatapoints":[5.0]`) {
		t.Errorf("reason data numbers: %s", ev.ReasonData)
	}
}

func TestJavaDouble(t *testing.T) {
	for f, want := range map[float64]string{
		0: "0.0", 1: "1.0", -2: "-2.0", 12.800296378623722: "12.800296378623722", 0.001: "0.001",
		1e7: "1.0E7", 1.5e-4: "1.5E-4", 123456789: "1.23456789E8", 9999999: "9999999.0", -1e300: "-1.0E300",
	} {
		if got := javaDouble(f); got != want {
			t.Errorf("javaDouble(%v) = %s, want %s", f, got, want)
		}
	}
}
