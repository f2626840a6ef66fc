package alarms

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The alarm state machine, as CloudWatch documents it ("Evaluating an
// alarm", "How alarm state is evaluated when data is missing"):
//
// Each evaluation looks at the evaluation range: the R most recent whole
// periods before the evaluation time, R = EvaluationPeriods + 2 (the range
// of AWS's documented examples: 5 periods for 3). Then:
//
//   - With at least N (EvaluationPeriods) real datapoints in the range, the
//     N most recent real ones are evaluated and TreatMissingData is not
//     used: ALARM when M (DatapointsToAlarm) or more breach, else OK.
//   - With none: missing → INSUFFICIENT_DATA, ignore → the state is kept,
//     breaching → ALARM, notBreaching → OK.
//   - With k, 0 < k < N: breaching and notBreaching fill N−k missing points
//     with breaching or non-breaching ones, and the N points decide as
//     above. missing and ignore use the real points only: ALARM when M of
//     them breach; OK when one of them does not breach; otherwise (every
//     real point breaches but fewer than M) missing gives ALARM when the
//     oldest breaching point is at least M periods old — counting periods
//     from it to the newest, inclusive — (the documented guard against
//     premature ALARM) and INSUFFICIENT_DATA otherwise, and ignore keeps
//     the state.
//
// Every row of the two tables of AWS's documentation comes out as AWS
// shows it (evaluate_test.go).

// rangeExtra is how many periods beyond EvaluationPeriods an evaluation reads.
const rangeExtra = 2

// Point is the alarm's statistic for one period of the evaluation range.
type Point struct {
	Time    time.Time // start of the period
	Value   float64
	Samples float64
	Missing bool
}

// Evaluation is the outcome of evaluating an alarm.
type Evaluation struct {
	// State is the new state; "" keeps the current one (ignore).
	State      string
	Reason     string
	ReasonData string
}

// Evaluate applies the state machine to the evaluation range (oldest
// first) of an alarm with configuration cfg, at time now.
func Evaluate(cfg *AlarmConfig, points []Point, now time.Time) Evaluation {
	n := int(cfg.EvaluationPeriods)
	m := int(cfg.DatapointsToAlarm)
	if m <= 0 || m > n {
		m = n
	}
	tmd := cfg.TreatMissingData
	if tmd == "" {
		tmd = "missing"
	}
	var real []int // indexes of real points, oldest first
	for i, p := range points {
		if !p.Missing {
			real = append(real, i)
		}
	}
	k := len(real)
	e := evaluator{cfg: cfg, points: points, n: n, m: m, now: now}
	switch {
	case k >= n:
		return e.decide(real[k-n:], 0, false)
	case k == 0:
		switch tmd {
		case "breaching":
			return e.allMissing(StateAlarm, "Breaching")
		case "notBreaching":
			return e.allMissing(StateOK, "NonBreaching")
		case "ignore":
			return Evaluation{}
		}
		return e.insufficient(n)
	}
	switch tmd {
	case "breaching":
		return e.decide(real, n-k, true)
	case "notBreaching":
		return e.decide(real, n-k, false)
	}
	b := e.breaching(real)
	if b >= m || b < k {
		return e.decide(real, 0, false)
	}
	if tmd == "missing" && len(points)-real[0] >= m {
		return e.decide(real, 0, false).asAlarm(e, real)
	}
	if tmd == "ignore" {
		return Evaluation{}
	}
	return e.insufficient(n - k)
}

type evaluator struct {
	cfg    *AlarmConfig
	points []Point
	n, m   int
	now    time.Time
}

// breaches reports whether a value is outside the threshold.
func breaches(op string, v, threshold float64) bool {
	switch op {
	case "GreaterThanOrEqualToThreshold":
		return v >= threshold
	case "GreaterThanThreshold":
		return v > threshold
	case "LessThanThreshold":
		return v < threshold
	case "LessThanOrEqualToThreshold":
		return v <= threshold
	}
	return false
}

func (e *evaluator) breaching(idx []int) int {
	b := 0
	for _, i := range idx {
		if breaches(e.cfg.ComparisonOperator, e.points[i].Value, e.cfg.Threshold) {
			b++
		}
	}
	return b
}

// decide evaluates the real points idx plus fill missing points, treated
// as breaching when fillBreaching.
func (e *evaluator) decide(idx []int, fill int, fillBreaching bool) Evaluation {
	b := e.breaching(idx)
	if fillBreaching {
		b += fill
	}
	total := len(idx) + fill
	fillLabel := "NonBreaching"
	if fillBreaching {
		fillLabel = "Breaching"
	}
	var shown []int // newest first
	state := StateOK
	if b >= e.m {
		state = StateAlarm
	}
	for j := len(idx) - 1; j >= 0; j-- {
		i := idx[j]
		if breaches(e.cfg.ComparisonOperator, e.points[i].Value, e.cfg.Threshold) == (state == StateAlarm) {
			shown = append(shown, i)
		}
	}
	count := b
	if state == StateOK {
		count = total - b
	}
	var r strings.Builder
	fmt.Fprintf(&r, "Threshold Crossed: %d out of the last %d datapoints [", count, total)
	for j, i := range shown {
		if j > 0 {
			r.WriteString(", ")
		}
		fmt.Fprintf(&r, "%s (%s)", javaDouble(e.points[i].Value), e.points[i].Time.UTC().Format("02/01/06 15:04:05"))
	}
	r.WriteString("] ")
	if count == 1 {
		r.WriteString("was ")
	} else {
		r.WriteString("were ")
	}
	if state == StateOK {
		r.WriteString("not ")
	}
	fmt.Fprintf(&r, "%s the threshold (%s)", comparisonText(e.cfg.ComparisonOperator), javaDouble(e.cfg.Threshold))
	if fill > 0 {
		fmt.Fprintf(&r, " (%s treated as [%s])", plural(fill, "missing datapoint was", "missing datapoints were"), fillLabel)
	}
	minimum, transition := e.m, "OK -> ALARM"
	if state == StateOK {
		minimum, transition = e.n-e.m+1, "ALARM -> OK"
	}
	fmt.Fprintf(&r, " (minimum %s for %s transition).", plural(minimum, "datapoint", "datapoints"), transition)
	return Evaluation{State: state, Reason: r.String(), ReasonData: e.reasonData(idx, fill)}
}

// asAlarm turns an evaluation of every-breaching points into ALARM (the
// premature-ALARM guard found them old enough).
func (ev Evaluation) asAlarm(e evaluator, idx []int) Evaluation {
	var r strings.Builder
	b := len(idx)
	fmt.Fprintf(&r, "Threshold Crossed: %d out of the last %d datapoints [", b, b)
	for j := len(idx) - 1; j >= 0; j-- {
		if j < len(idx)-1 {
			r.WriteString(", ")
		}
		p := e.points[idx[j]]
		fmt.Fprintf(&r, "%s (%s)", javaDouble(p.Value), p.Time.UTC().Format("02/01/06 15:04:05"))
	}
	r.WriteString("] ")
	if b == 1 {
		r.WriteString("was ")
	} else {
		r.WriteString("were ")
	}
	fmt.Fprintf(&r, "%s the threshold (%s) (minimum %s for OK -> ALARM transition).",
		comparisonText(e.cfg.ComparisonOperator), javaDouble(e.cfg.Threshold), plural(e.m, "datapoint", "datapoints"))
	return Evaluation{State: StateAlarm, Reason: r.String(), ReasonData: ev.ReasonData}
}

func (e *evaluator) allMissing(state, label string) Evaluation {
	reason := fmt.Sprintf("Threshold Crossed: no datapoints were received for %s and %s treated as [%s].",
		plural(e.n, "period", "periods"), plural(e.n, "missing datapoint was", "missing datapoints were"), label)
	return Evaluation{State: state, Reason: reason, ReasonData: e.reasonData(nil, e.n)}
}

func (e *evaluator) insufficient(unknown int) Evaluation {
	reason := fmt.Sprintf("Insufficient Data: %s unknown.", plural(unknown, "datapoint was", "datapoints were"))
	return Evaluation{State: StateInsufficientData, Reason: reason, ReasonData: e.reasonData(nil, 0)}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func comparisonText(op string) string {
	switch op {
	case "GreaterThanOrEqualToThreshold":
		return "greater than or equal to"
	case "GreaterThanThreshold":
		return "greater than"
	case "LessThanThreshold":
		return "less than"
	case "LessThanOrEqualToThreshold":
		return "less than or equal to"
	}
	return op
}

// reasonData is the StateReasonData CloudWatch writes: the query, the
// range's real values (oldest first) and the evaluated datapoints (newest
// first; filled missing points carry only their timestamp).
func (e *evaluator) reasonData(idx []int, fill int) string {
	type evaluated struct {
		Timestamp   string      `json:"timestamp"`
		SampleCount *javaNumber `json:"sampleCount,omitempty"`
		Value       *javaNumber `json:"value,omitempty"`
	}
	d := struct {
		Version             string       `json:"version"`
		QueryDate           string       `json:"queryDate"`
		StartDate           string       `json:"startDate,omitempty"`
		Statistic           string       `json:"statistic"`
		Period              int32        `json:"period"`
		RecentDatapoints    []javaNumber `json:"recentDatapoints"`
		Threshold           javaNumber   `json:"threshold"`
		EvaluatedDatapoints []evaluated  `json:"evaluatedDatapoints,omitempty"`
	}{Version: "1.0", QueryDate: awsTime(e.now), Statistic: e.cfg.Statistic, Period: e.cfg.Period,
		RecentDatapoints: []javaNumber{}, Threshold: javaNumber(e.cfg.Threshold)}
	for _, p := range e.points {
		if !p.Missing {
			d.RecentDatapoints = append(d.RecentDatapoints, javaNumber(p.Value))
		}
	}
	// The filled points are the most recent missing periods.
	var filled []int
	for i := len(e.points) - 1; i >= 0 && len(filled) < fill; i-- {
		if e.points[i].Missing {
			filled = append(filled, i)
		}
	}
	chosen := map[int]bool{}
	for _, i := range idx {
		chosen[i] = true
	}
	for _, i := range filled {
		chosen[i] = true
	}
	oldest := -1
	for i := len(e.points) - 1; i >= 0; i-- {
		if !chosen[i] {
			continue
		}
		p := e.points[i]
		ev := evaluated{Timestamp: awsTime(p.Time)}
		if !p.Missing {
			sc, v := javaNumber(p.Samples), javaNumber(p.Value)
			ev.SampleCount, ev.Value = &sc, &v
		}
		d.EvaluatedDatapoints = append(d.EvaluatedDatapoints, ev)
		oldest = i
	}
	if oldest >= 0 {
		d.StartDate = awsTime(e.points[oldest].Time)
	} else if len(e.points) > 0 {
		d.StartDate = awsTime(e.points[len(e.points)-e.n:][0].Time)
	}
	return marshalJSON(d)
}

// awsTime is CloudWatch's timestamp form in alarm data and messages:
// 2026-11-22T09:00:00.000+0000.
func awsTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000-0700") }

// marshalJSON encodes v without HTML escaping.
func marshalJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "{}"
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// javaNumber is a number written as Java's Double.toString writes it, as
// CloudWatch's JSON does: 1.0, 12.5, 1.0E7.
type javaNumber float64

// MarshalJSON implements json.Marshaler.
func (n javaNumber) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return []byte(javaDouble(f)), nil
}

// javaDouble formats f as Java's Double.toString: decimal notation with at
// least one fractional digit for 1e-3 <= |f| < 1e7, computerized
// scientific notation (1.0E7, 1.5E-4) otherwise.
func javaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	a := math.Abs(f)
	if a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', -1, 64) // 1.5E-04, 1E+07
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	neg := strings.HasPrefix(exp, "-")
	exp = strings.TrimLeft(exp, "+-")
	exp = strings.TrimLeft(exp, "0")
	if exp == "" {
		exp = "0"
	}
	if neg {
		exp = "-" + exp
	}
	return mant + "E" + exp
}
