package server_test

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// cwQueryNS is CloudWatch's Query XML namespace.
const cwQueryNS = "http://monitoring.amazonaws.com/doc/2010-08-01/"

// cwQuery sends a CloudWatch Query request (form POST signed with SigV4 for
// "monitoring"), as aws-cli v1 before botocore 1.42.7 and Debian's aws-cli
// 2.9.19 send it.
func (e *env) cwQuery(t *testing.T, action string, params url.Values) queryResp {
	t.Helper()
	form := url.Values{"Action": {action}, "Version": {"2010-08-01"}}
	for k, v := range params {
		form[k] = v
	}
	return e.query(t, "monitoring", "us-east-1", form.Encode(), &aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, time.Now())
}

type cwQueryMetricAlarm struct {
	AlarmName                          string
	AlarmArn                           string
	AlarmDescription                   string
	AlarmConfigurationUpdatedTimestamp string
	ActionsEnabled                     bool
	AlarmActions                       []string `xml:"AlarmActions>member"`
	OKActions                          []string `xml:"OKActions>member"`
	StateValue                         string
	StateReason                        string
	StateUpdatedTimestamp              string
	MetricName, Namespace, Statistic   string
	Dimensions                         []struct{ Name, Value string } `xml:"Dimensions>member"`
	Period                             int
	EvaluationPeriods                  int
	DatapointsToAlarm                  int
	Threshold                          float64
	ComparisonOperator                 string
	TreatMissingData                   string
}

type cwDescribeAlarmsResponse struct {
	XMLName      xml.Name
	MetricAlarms []cwQueryMetricAlarm `xml:"DescribeAlarmsResult>MetricAlarms>member"`
	Composite    *struct{}            `xml:"DescribeAlarmsResult>CompositeAlarms"`
	RequestID    string               `xml:"ResponseMetadata>RequestId"`
}

type cwDescribeAlarmHistoryResponse struct {
	XMLName xml.Name
	Items   []struct {
		AlarmName, AlarmType, Timestamp, HistoryItemType, HistorySummary, HistoryData string
	} `xml:"DescribeAlarmHistoryResult>AlarmHistoryItems>member"`
	RequestID string `xml:"ResponseMetadata>RequestId"`
}

// TestCloudWatchQueryProtocol drives PutMetricAlarm, DescribeAlarms and
// DescribeAlarmHistory over the Query protocol, and checks its errors.
func TestCloudWatchQueryProtocol(t *testing.T) {
	e := start(t, "")

	// PutMetricAlarm: a double threshold, lists and a list of structures.
	r := e.cwQuery(t, "PutMetricAlarm", url.Values{
		"AlarmName": {"q-alarm"}, "AlarmDescription": {"over Query"}, "MetricName": {"KMSErrors"}, "Namespace": {"Keyward"},
		"Statistic": {"Sum"}, "Period": {"60"}, "EvaluationPeriods": {"3"}, "DatapointsToAlarm": {"2"}, "Threshold": {"2.5"},
		"ComparisonOperator": {"GreaterThanOrEqualToThreshold"}, "TreatMissingData": {"notBreaching"},
		"AlarmActions.member.1":       {"arn:aws:sns:us-east-1:000000000000:ops"},
		"Dimensions.member.1.Name":    {"KeyId"},
		"Dimensions.member.1.Value":   {"k1"},
		"Tags.member.1.Key":           {"team"},
		"Tags.member.1.Value":         {"sec"},
		"InsufficientDataActions":     {""},
		"ActionsEnabled":              {"true"},
		"X-Ignored-Unknown-Parameter": {"x"},
	})
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/xml" {
		t.Fatalf("PutMetricAlarm: %d %s", r.status, r.body)
	}
	if !strings.HasPrefix(r.body, `<PutMetricAlarmResponse xmlns="`+cwQueryNS+`"><ResponseMetadata><RequestId>`) ||
		strings.Contains(r.body, "PutMetricAlarmResult") {
		t.Fatalf("PutMetricAlarm response %s", r.body)
	}

	// DescribeAlarms.
	r = e.cwQuery(t, "DescribeAlarms", url.Values{"AlarmNames.member.1": {"q-alarm"}})
	if r.status != http.StatusOK {
		t.Fatalf("DescribeAlarms: %d %s", r.status, r.body)
	}
	var da cwDescribeAlarmsResponse
	if err := xml.Unmarshal([]byte(r.body), &da); err != nil {
		t.Fatalf("DescribeAlarms: %v: %s", err, r.body)
	}
	if da.XMLName.Local != "DescribeAlarmsResponse" || da.XMLName.Space != cwQueryNS || da.RequestID == "" ||
		da.RequestID != r.header.Get("X-Amzn-Requestid") {
		t.Fatalf("DescribeAlarms envelope %+v: %s", da, r.body)
	}
	if len(da.MetricAlarms) != 1 {
		t.Fatalf("DescribeAlarms: %d alarms: %s", len(da.MetricAlarms), r.body)
	}
	a := da.MetricAlarms[0]
	if a.AlarmName != "q-alarm" || a.AlarmArn != "arn:aws:cloudwatch:us-east-1:000000000000:alarm:q-alarm" ||
		a.AlarmDescription != "over Query" || !a.ActionsEnabled || a.MetricName != "KMSErrors" || a.Namespace != "Keyward" ||
		a.Statistic != "Sum" || a.Period != 60 || a.EvaluationPeriods != 3 || a.DatapointsToAlarm != 2 || a.Threshold != 2.5 ||
		a.ComparisonOperator != "GreaterThanOrEqualToThreshold" || a.TreatMissingData != "notBreaching" ||
		len(a.AlarmActions) != 1 || a.AlarmActions[0] != "arn:aws:sns:us-east-1:000000000000:ops" || len(a.OKActions) != 0 ||
		len(a.Dimensions) != 1 || a.Dimensions[0].Name != "KeyId" || a.Dimensions[0].Value != "k1" {
		t.Fatalf("alarm %+v\n%s", a, r.body)
	}
	for _, ts := range []string{a.AlarmConfigurationUpdatedTimestamp, a.StateUpdatedTimestamp} {
		at, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil || !strings.HasSuffix(ts, "Z") || time.Since(at).Abs() > time.Minute {
			t.Fatalf("timestamp %q (%v) is not a recent ISO 8601 UTC time: %s", ts, err, r.body)
		}
	}
	if !strings.Contains(r.body, "<Threshold>2.5</Threshold>") || !strings.Contains(r.body, "<OKActions></OKActions>") ||
		!strings.Contains(r.body, "<AlarmActions><member>arn:aws:sns:us-east-1:000000000000:ops</member></AlarmActions>") {
		t.Fatalf("DescribeAlarms XML %s", r.body)
	}

	// DescribeAlarmHistory: the creation, oldest first, within a time range
	// given as ISO 8601 timestamps.
	r = e.cwQuery(t, "DescribeAlarmHistory", url.Values{"AlarmName": {"q-alarm"}, "ScanBy": {"TimestampAscending"},
		"StartDate": {time.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")},
		"EndDate":   {time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}})
	if r.status != http.StatusOK {
		t.Fatalf("DescribeAlarmHistory: %d %s", r.status, r.body)
	}
	var dh cwDescribeAlarmHistoryResponse
	if err := xml.Unmarshal([]byte(r.body), &dh); err != nil || dh.XMLName.Local != "DescribeAlarmHistoryResponse" || dh.RequestID == "" {
		t.Fatalf("DescribeAlarmHistory: %v: %s", err, r.body)
	}
	if len(dh.Items) == 0 || dh.Items[0].HistoryItemType != "ConfigurationUpdate" || dh.Items[0].AlarmName != "q-alarm" ||
		dh.Items[0].HistorySummary != `Alarm "q-alarm" created` || dh.Items[0].AlarmType != "MetricAlarm" || dh.Items[0].HistoryData == "" {
		t.Fatalf("history %+v: %s", dh.Items, r.body)
	}
	if _, err := time.Parse(time.RFC3339Nano, dh.Items[0].Timestamp); err != nil {
		t.Fatalf("history timestamp %q: %v", dh.Items[0].Timestamp, err)
	}
	// A range in the past holds nothing.
	r = e.cwQuery(t, "DescribeAlarmHistory", url.Values{"AlarmName": {"q-alarm"},
		"StartDate": {"2001-01-01T00:00:00Z"}, "EndDate": {"2001-01-02T00:00:00Z"}})
	dh = cwDescribeAlarmHistoryResponse{}
	if err := xml.Unmarshal([]byte(r.body), &dh); r.status != http.StatusOK || err != nil || len(dh.Items) != 0 {
		t.Fatalf("DescribeAlarmHistory in 2001: %d %s", r.status, r.body)
	}

	// Errors, in Query form with CloudWatch's codes.
	for _, c := range []struct {
		name   string
		action string
		params url.Values
		status int
		code   string
	}{
		{"bad double", "PutMetricAlarm", url.Values{"AlarmName": {"x"}, "Threshold": {"high"}}, 400, "InvalidParameterValue"},
		{"bad timestamp", "DescribeAlarmHistory", url.Values{"StartDate": {"yesterday"}}, 400, "InvalidParameterValue"},
		{"constraint", "DescribeAlarms", url.Values{"StateValue": {"BROKEN"}}, 400, "ValidationError"},
		{"missing parameter", "GetMetricStatistics", url.Values{"Namespace": {"Keyward"}}, 400, "MissingParameter"},
		{"no such alarm", "SetAlarmState", url.Values{"AlarmName": {"nope"}, "StateValue": {"OK"}, "StateReason": {"r"}}, 404, "ResourceNotFound"},
		{"unknown action", "Frobnicate", nil, 400, "InvalidAction"},
	} {
		r := e.cwQuery(t, c.action, c.params)
		qe := r.err(t)
		if r.status != c.status || qe.Error.Code != c.code || qe.XMLName.Space != cwQueryNS || qe.Error.Type != "Sender" || qe.RequestID == "" {
			t.Errorf("%s: %d %+v, want %d %s: %s", c.name, r.status, qe, c.status, c.code, r.body)
		}
	}

	// The same alarm over JSON 1.0 and CBOR: one table.
	if got := describeAlarm(t, e.cloudWatch(), "q-alarm"); aws.ToFloat64(got.Threshold) != 2.5 || aws.ToInt32(got.DatapointsToAlarm) != 2 {
		t.Fatalf("alarm over CBOR %+v", got)
	}
}
