package awsjson

import (
	"encoding/json"
	"math"
	"strconv"
	"time"
)

// Time is a timestamp in the AWS JSON protocols: epoch seconds, as a number
// with fractional milliseconds (AWS writes e.g. 1.700000123456E9).
type Time time.Time

// NewTime returns a *Time for t, or nil when t is zero, so that optional
// timestamps are omitted.
func NewTime(t time.Time) *Time {
	if t.IsZero() {
		return nil
	}
	tt := Time(t)
	return &tt
}

// MarshalJSON writes epoch seconds with millisecond precision.
func (t Time) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', -1, 64), nil
}

// UnmarshalJSON accepts epoch seconds as a number (what SDKs send) or a
// numeric string.
func (t *Time) UnmarshalJSON(b []byte) error {
	var f float64
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return err
		}
		f = v
	} else if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return &json.UnsupportedValueError{Str: string(b)}
	}
	// Microseconds keep float64 exact for any date SDKs send.
	*t = Time(time.UnixMicro(int64(math.Round(f * 1e6))).UTC())
	return nil
}

// Std returns the time.Time.
func (t *Time) Std() time.Time {
	if t == nil {
		return time.Time{}
	}
	return time.Time(*t)
}
