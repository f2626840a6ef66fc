package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// cloudWatch returns the SDK's CloudWatch client (it speaks RPC v2 CBOR).
func (e *env) cloudWatch() *cloudwatch.Client {
	return cloudwatch.New(cloudwatch.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.endpoint()), Retryer: aws.NopRetryer{},
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
}

// logs returns the SDK's CloudWatch Logs client (JSON 1.1).
func (e *env) logs() *cloudwatchlogs.Client {
	return cloudwatchlogs.New(cloudwatchlogs.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.endpoint()), Retryer: aws.NopRetryer{},
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
}

// settle waits until the alarms have counted every audit event so far,
// then evaluates them at the (test) alarm clock's time.
func (e *env) settle(t *testing.T) {
	t.Helper()
	if err := e.srv.Alarms().Sync(ctx); err != nil {
		t.Fatalf("alarms sync: %v", err)
	}
	if err := e.srv.Alarms().EvaluateAlarms(ctx); err != nil {
		t.Fatalf("alarm evaluation: %v", err)
	}
}

func describeAlarm(t *testing.T, cw *cloudwatch.Client, name string) cwtypes.MetricAlarm {
	t.Helper()
	out := must[*cloudwatch.DescribeAlarmsOutput](t)(cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{name}}))
	if len(out.MetricAlarms) != 1 {
		t.Fatalf("DescribeAlarms %s: %d alarms", name, len(out.MetricAlarms))
	}
	return out.MetricAlarms[0]
}

// issuePattern is the runbook metric filter for KMS errors.
const issuePattern = `{ $.eventSource = kms.amazonaws.com && ($.errorMessage = "*" || $.errorCode = "*") }`

// TestAlarmOnDisabledKeyEndToEnd wires AWS's runbook by hand — a metric
// filter on the audit log group, an alarm on its metric, an SNS topic with
// an HTTP subscriber — then uses a disabled key and follows the event to
// the notification, with the real SDK clients (CloudWatch over RPC v2
// CBOR, CloudWatch Logs over JSON 1.1, SNS over Query).
func TestAlarmOnDisabledKeyEndToEnd(t *testing.T) {
	e := start(t, "")
	cw, logs := e.cloudWatch(), e.logs()
	snsc := e.snsAs(aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, "us-east-1")

	// The audit log group exists; the metric filter goes on it.
	groups := must[*cloudwatchlogs.DescribeLogGroupsOutput](t)(logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{}))
	if len(groups.LogGroups) != 1 || aws.ToString(groups.LogGroups[0].LogGroupName) != "keyward/audit" ||
		aws.ToString(groups.LogGroups[0].Arn) != "arn:aws:logs:us-east-1:000000000000:log-group:keyward/audit:*" {
		t.Fatalf("log groups %+v", groups.LogGroups)
	}
	must[*cloudwatchlogs.PutMetricFilterOutput](t)(logs.PutMetricFilter(ctx, &cloudwatchlogs.PutMetricFilterInput{
		LogGroupName: aws.String("keyward/audit"), FilterName: aws.String("kms-errors"), FilterPattern: aws.String(issuePattern),
		MetricTransformations: []logtypes.MetricTransformation{{MetricName: aws.String("KMSErrors"),
			MetricNamespace: aws.String("Security"), MetricValue: aws.String("1")}}}))
	filters := must[*cloudwatchlogs.DescribeMetricFiltersOutput](t)(logs.DescribeMetricFilters(ctx, &cloudwatchlogs.DescribeMetricFiltersInput{
		LogGroupName: aws.String("keyward/audit"), FilterNamePrefix: aws.String("kms-")}))
	if len(filters.MetricFilters) != 1 || aws.ToString(filters.MetricFilters[0].FilterPattern) != issuePattern ||
		aws.ToString(filters.MetricFilters[0].MetricTransformations[0].MetricValue) != "1" {
		t.Fatalf("metric filters %+v", filters.MetricFilters)
	}
	tested := must[*cloudwatchlogs.TestMetricFilterOutput](t)(logs.TestMetricFilter(ctx, &cloudwatchlogs.TestMetricFilterInput{
		FilterPattern: aws.String(issuePattern), LogEventMessages: []string{
			`{"eventSource":"kms.amazonaws.com","eventName":"Encrypt","errorCode":"DisabledException"}`,
			`{"eventSource":"kms.amazonaws.com","eventName":"Encrypt"}`,
			`{"eventSource":"iam.amazonaws.com","errorCode":"NoSuchEntity"}`,
		}}))
	if len(tested.Matches) != 1 || tested.Matches[0].EventNumber != 1 {
		t.Fatalf("TestMetricFilter %+v", tested.Matches)
	}

	// The topic, its subscriber, and the alarm.
	topic := aws.ToString(must[*sns.CreateTopicOutput](t)(snsc.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("key-alarms")})).TopicArn)
	sub := newSubscriber(t, e)
	sub.subscribe(t, snsc, topic)
	must[*cloudwatch.PutMetricAlarmOutput](t)(cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String("kms-errors"), AlarmDescription: aws.String("KMS calls failing"),
		MetricName: aws.String("KMSErrors"), Namespace: aws.String("Security"), Statistic: cwtypes.StatisticSum,
		Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(1),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold, TreatMissingData: aws.String("notBreaching"),
		AlarmActions: []string{topic}}))
	// Created in INSUFFICIENT_DATA, evaluated at once: no data is not
	// breaching, so OK (no OK actions: nothing sent).
	if a := describeAlarm(t, cw, "kms-errors"); a.StateValue != cwtypes.StateValueOk || aws.ToString(a.AlarmDescription) != "KMS calls failing" ||
		aws.ToString(a.AlarmArn) != "arn:aws:cloudwatch:us-east-1:000000000000:alarm:kms-errors" || len(a.OKActions) != 0 {
		t.Fatalf("new alarm %+v", a)
	}

	// Use a disabled key.
	key := createKey(t, e.kms, "to be disabled")
	must[*kms.DisableKeyOutput](t)(e.kms.DisableKey(ctx, &kms.DisableKeyInput{KeyId: key.KeyId}))
	_, err := e.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: key.KeyId, Plaintext: []byte("secret")})
	apiErr(t, err, "DisabledException", aws.ToString(key.Arn)+" is disabled.")
	e.settle(t)

	// FilterLogEvents finds the event in the audit log group.
	found := must[*cloudwatchlogs.FilterLogEventsOutput](t)(logs.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName: aws.String("keyward/audit"), FilterPattern: aws.String(`{ $.errorCode = "DisabledException" }`),
		StartTime: aws.Int64(time.Now().Add(-time.Hour).UnixMilli())}))
	if len(found.Events) != 1 {
		t.Fatalf("FilterLogEvents: %d events", len(found.Events))
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(found.Events[0].Message)), &rec); err != nil {
		t.Fatal(err)
	}
	if rec["eventName"] != "Encrypt" || rec["eventSource"] != "kms.amazonaws.com" || rec["errorCode"] != "DisabledException" ||
		aws.ToString(found.Events[0].LogStreamName) != "000000000000_CloudTrail_us-east-1" || strings.Contains(aws.ToString(found.Events[0].Message), "c2VjcmV0") {
		t.Fatalf("event %s", aws.ToString(found.Events[0].Message))
	}

	// Within the minute of the error nothing is decided; once the minute
	// is whole, the alarm fires, and the subscriber hears of it.
	e.clock.Add(2 * time.Minute)
	e.settle(t)
	a := describeAlarm(t, cw, "kms-errors")
	if a.StateValue != cwtypes.StateValueAlarm || !strings.HasPrefix(aws.ToString(a.StateReason), "Threshold Crossed: 1 out of the last 1 datapoints [1.0 (") ||
		!json.Valid([]byte(aws.ToString(a.StateReasonData))) {
		t.Fatalf("alarm %s: %s", a.StateValue, aws.ToString(a.StateReason))
	}
	m := sub.next(t)
	if m.str("Type") != "Notification" || m.str("Subject") != `ALARM: "kms-errors" in US East (N. Virginia)` || m.str("TopicArn") != topic {
		t.Fatalf("notification %s", m.body)
	}
	var alarm map[string]any
	if err := json.Unmarshal([]byte(m.str("Message")), &alarm); err != nil {
		t.Fatal(err)
	}
	trig, _ := alarm["Trigger"].(map[string]any)
	if alarm["AlarmName"] != "kms-errors" || alarm["NewStateValue"] != "ALARM" || alarm["OldStateValue"] != "OK" ||
		alarm["AWSAccountId"] != "000000000000" || trig["MetricName"] != "KMSErrors" || trig["Statistic"] != "SUM" {
		t.Fatalf("alarm message %s", m.str("Message"))
	}

	// Still in ALARM on the next evaluation: no second notification.
	e.clock.Add(30 * time.Second)
	e.settle(t)
	sub.none(t)

	// The history shows the transitions and the action.
	hist := must[*cloudwatch.DescribeAlarmHistoryOutput](t)(cw.DescribeAlarmHistory(ctx, &cloudwatch.DescribeAlarmHistoryInput{
		AlarmName: aws.String("kms-errors"), ScanBy: cwtypes.ScanByTimestampAscending}))
	var summaries []string
	for _, h := range hist.AlarmHistoryItems {
		summaries = append(summaries, string(h.HistoryItemType)+": "+aws.ToString(h.HistorySummary))
	}
	want := []string{`ConfigurationUpdate: Alarm "kms-errors" created`, "StateUpdate: Alarm updated from INSUFFICIENT_DATA to OK",
		"StateUpdate: Alarm updated from OK to ALARM", "Action: Successfully executed action " + topic}
	if !slices.Equal(summaries, want) {
		t.Fatalf("history\n%s", strings.Join(summaries, "\n"))
	}
	states := must[*cloudwatch.DescribeAlarmHistoryOutput](t)(cw.DescribeAlarmHistory(ctx, &cloudwatch.DescribeAlarmHistoryInput{
		AlarmName: aws.String("kms-errors"), HistoryItemType: cwtypes.HistoryItemTypeStateUpdate}))
	if len(states.AlarmHistoryItems) != 2 || !strings.Contains(aws.ToString(states.AlarmHistoryItems[0].HistorySummary), "OK to ALARM") {
		t.Fatalf("state updates, newest first: %+v", states.AlarmHistoryItems)
	}

	// The metric: GetMetricStatistics, GetMetricData, ListMetrics.
	now := time.Now()
	stats := must[*cloudwatch.GetMetricStatisticsOutput](t)(cw.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{
		Namespace: aws.String("Security"), MetricName: aws.String("KMSErrors"), StartTime: aws.Time(now.Add(-time.Hour)),
		EndTime: aws.Time(now.Add(time.Minute)), Period: aws.Int32(3600), Statistics: []cwtypes.Statistic{cwtypes.StatisticSum, cwtypes.StatisticSampleCount}}))
	if aws.ToString(stats.Label) != "KMSErrors" || len(stats.Datapoints) != 1 || aws.ToFloat64(stats.Datapoints[0].Sum) != 1 ||
		stats.Datapoints[0].Unit != cwtypes.StandardUnitNone {
		t.Fatalf("statistics %+v", stats.Datapoints)
	}
	data := must[*cloudwatch.GetMetricDataOutput](t)(cw.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(now.Add(-time.Hour)), EndTime: aws.Time(now.Add(time.Minute)),
		MetricDataQueries: []cwtypes.MetricDataQuery{{Id: aws.String("errors"), MetricStat: &cwtypes.MetricStat{
			Metric: &cwtypes.Metric{Namespace: aws.String("Security"), MetricName: aws.String("KMSErrors")},
			Period: aws.Int32(60), Stat: aws.String("Sum")}}}}))
	if len(data.MetricDataResults) != 1 || len(data.MetricDataResults[0].Values) != 1 || data.MetricDataResults[0].Values[0] != 1 ||
		data.MetricDataResults[0].StatusCode != cwtypes.StatusCodeComplete {
		t.Fatalf("metric data %+v", data.MetricDataResults)
	}
	metrics := must[*cloudwatch.ListMetricsOutput](t)(cw.ListMetrics(ctx, &cloudwatch.ListMetricsInput{}))
	var names []string
	for _, m := range metrics.Metrics {
		names = append(names, aws.ToString(m.Namespace)+"/"+aws.ToString(m.MetricName))
	}
	if !slices.Contains(names, "Security/KMSErrors") || !slices.Contains(names, "Keyward/DisabledKeyUse") {
		t.Fatalf("metrics %v", names)
	}

	// The built-in alarm saw the same use, out of the box.
	if b := describeAlarm(t, cw, "keyward-disabled-key-use"); b.StateValue != cwtypes.StateValueAlarm {
		t.Fatalf("built-in alarm %s: %s", b.StateValue, aws.ToString(b.StateReason))
	}

	// The CloudWatch calls themselves are audited, CBOR parameters and all.
	puts := lookupAll(t, e.trail(), &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
		{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("PutMetricAlarm")}}})
	if len(puts) != 1 || aws.ToString(puts[0].EventSource) != "monitoring.amazonaws.com" ||
		!strings.Contains(aws.ToString(puts[0].CloudTrailEvent), `"alarmName":"kms-errors"`) {
		t.Fatalf("PutMetricAlarm audit events %+v", puts)
	}

	// The data stops; once the datapoint leaves the evaluation range the
	// alarm returns to OK (no OK action: nothing sent).
	e.clock.Add(5 * time.Minute)
	e.settle(t)
	if a := describeAlarm(t, cw, "kms-errors"); a.StateValue != cwtypes.StateValueOk {
		t.Fatalf("after the data stopped: %s", a.StateValue)
	}
	sub.none(t)
}

// TestBuiltinDisabledKeyAlarm: out of the box, a metric filter and an alarm
// on disabled and pending-deletion keys, visible through the APIs; a use of
// a key pending deletion trips it.
func TestBuiltinDisabledKeyAlarm(t *testing.T) {
	e := start(t, "")
	cw, logs := e.cloudWatch(), e.logs()
	fs := must[*cloudwatchlogs.DescribeMetricFiltersOutput](t)(logs.DescribeMetricFilters(ctx, &cloudwatchlogs.DescribeMetricFiltersInput{}))
	if len(fs.MetricFilters) != 1 || aws.ToString(fs.MetricFilters[0].FilterName) != "keyward-disabled-key-use" ||
		aws.ToString(fs.MetricFilters[0].LogGroupName) != "keyward/audit" {
		t.Fatalf("built-in filter %+v", fs.MetricFilters)
	}
	a := describeAlarm(t, cw, "keyward-disabled-key-use")
	if a.Period == nil || *a.Period != 60 || aws.ToFloat64(a.Threshold) != 1 || aws.ToString(a.TreatMissingData) != "notBreaching" ||
		a.ComparisonOperator != cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold || a.StateValue != cwtypes.StateValueOk {
		t.Fatalf("built-in alarm %+v", a)
	}
	key := createKey(t, e.kms, "doomed")
	must[*kms.ScheduleKeyDeletionOutput](t)(e.kms.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: key.KeyId, PendingWindowInDays: aws.Int32(7)}))
	_, err := e.kms.Decrypt(ctx, &kms.DecryptInput{KeyId: key.KeyId, CiphertextBlob: bytes.Repeat([]byte{1}, 64)})
	if err == nil {
		t.Fatal("decrypt with a key pending deletion succeeded")
	}
	_, err = e.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: key.KeyId, Plaintext: []byte("x")})
	apiErr(t, err, "KMSInvalidStateException", "*")
	e.clock.Add(2 * time.Minute)
	e.settle(t)
	if a := describeAlarm(t, cw, "keyward-disabled-key-use"); a.StateValue != cwtypes.StateValueAlarm {
		t.Fatalf("built-in alarm after use of a key pending deletion: %s (%s)", a.StateValue, aws.ToString(a.StateReason))
	}
	// SetAlarmState holds until the next evaluation.
	must[*cloudwatch.SetAlarmStateOutput](t)(cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("keyward-disabled-key-use"),
		StateValue: cwtypes.StateValueOk, StateReason: aws.String("acknowledged")}))
	if a := describeAlarm(t, cw, "keyward-disabled-key-use"); a.StateValue != cwtypes.StateValueOk || aws.ToString(a.StateReason) != "acknowledged" {
		t.Fatalf("after SetAlarmState: %s", a.StateValue)
	}
	e.settle(t)
	if a := describeAlarm(t, cw, "keyward-disabled-key-use"); a.StateValue != cwtypes.StateValueAlarm {
		t.Fatalf("the next evaluation should return to the data's state: %s", a.StateValue)
	}
}

// TestAlarmAPIErrors checks errors as the SDKs see them.
func TestAlarmAPIErrors(t *testing.T) {
	e := start(t, "")
	cw, logs := e.cloudWatch(), e.logs()
	_, err := cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{AlarmName: aws.String("a"), MetricName: aws.String("M"),
		Namespace: aws.String("N"), Statistic: cwtypes.StatisticSum, Period: aws.Int32(45), EvaluationPeriods: aws.Int32(1),
		Threshold: aws.Float64(1), ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold})
	apiErr(t, err, "ValidationError", "The parameter Period must be 10, 20, 30 or a multiple of 60.")
	_, err = cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{AlarmName: aws.String("a"), MetricName: aws.String("M"),
		Namespace: aws.String("N"), Statistic: cwtypes.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1),
		Threshold: aws.Float64(1), ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold, TreatMissingData: aws.String("sometimes")})
	apiErr(t, err, "ValidationError", "Option sometimes is not supported. Supported options for parameter TreatMissingData are missing, ignore, breaching and notBreaching.")
	_, err = cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("missing"), StateValue: cwtypes.StateValueOk, StateReason: aws.String("x")})
	apiErr(t, err, "ResourceNotFound", "*")
	_, err = cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{NextToken: aws.String("not-a-token")})
	apiErr(t, err, "InvalidNextToken", "*")
	_, err = cw.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("N"), MetricName: aws.String("M"),
		StartTime: aws.Time(time.Now()), EndTime: aws.Time(time.Now().Add(-time.Hour)), Period: aws.Int32(60), Statistics: []cwtypes.Statistic{"Sum"}})
	apiErr(t, err, "InvalidParameterValue", "The parameter StartTime must be less than the parameter EndTime.")
	_, err = cw.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{StartTime: aws.Time(time.Now().Add(-time.Hour)), EndTime: aws.Time(time.Now()),
		MetricDataQueries: []cwtypes.MetricDataQuery{{Id: aws.String("e1"), Expression: aws.String("SUM(METRICS())")}}})
	apiErr(t, err, "ValidationError", "*")
	must[*cloudwatch.DeleteAlarmsOutput](t)(cw.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{"never-existed"}}))

	_, err = logs.PutMetricFilter(ctx, &cloudwatchlogs.PutMetricFilterInput{LogGroupName: aws.String("keyward/audit"), FilterName: aws.String("f"),
		FilterPattern: aws.String("{ $.x = "), MetricTransformations: []logtypes.MetricTransformation{{MetricName: aws.String("m"),
			MetricNamespace: aws.String("n"), MetricValue: aws.String("1")}}})
	apiErr(t, err, "InvalidParameterException", "Invalid metric filter pattern")
	_, err = logs.PutMetricFilter(ctx, &cloudwatchlogs.PutMetricFilterInput{LogGroupName: aws.String("no-such-group"), FilterName: aws.String("f"),
		FilterPattern: aws.String("ERROR"), MetricTransformations: []logtypes.MetricTransformation{{MetricName: aws.String("m"),
			MetricNamespace: aws.String("n"), MetricValue: aws.String("1")}}})
	apiErr(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
	_, err = logs.DeleteMetricFilter(ctx, &cloudwatchlogs.DeleteMetricFilterInput{LogGroupName: aws.String("keyward/audit"), FilterName: aws.String("nope")})
	apiErr(t, err, "ResourceNotFoundException", "*")
	_, err = logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("bad name!")})
	apiErr(t, err, "InvalidParameterException",
		`1 validation error detected: Value 'bad name!' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]+`)
	must[*cloudwatchlogs.CreateLogGroupOutput](t)(logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("app")}))
	_, err = logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("app")})
	apiErr(t, err, "ResourceAlreadyExistsException", "*")
}

// cwJSON sends a CloudWatch request in AWS JSON 1.0 (what botocore and the
// AWS CLI send), signed for monitoring.
func (e *env) cwJSON(t *testing.T, op, body string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.endpoint()+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "GraniteServiceVersion20100801."+op)
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, req,
		hex.EncodeToString(sum[:]), "monitoring", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("response is not JSON: %q", b)
	}
	return resp.StatusCode, m, resp.Header
}

// TestCloudWatchJSON10 drives the same table over JSON 1.0.
func TestCloudWatchJSON10(t *testing.T) {
	e := start(t, "")
	status, out, _ := e.cwJSON(t, "PutMetricAlarm", `{"AlarmName":"j","MetricName":"M","Namespace":"N","Statistic":"Maximum",
		"Period":300,"EvaluationPeriods":3,"DatapointsToAlarm":2,"Threshold":2.5,"ComparisonOperator":"LessThanThreshold",
		"Dimensions":[{"Name":"KeyId","Value":"k"}]}`)
	if status != 200 || len(out) != 0 {
		t.Fatalf("PutMetricAlarm: %d %v", status, out)
	}
	status, out, _ = e.cwJSON(t, "DescribeAlarms", `{"AlarmNames":["j"]}`)
	alarms, _ := out["MetricAlarms"].([]any)
	if status != 200 || len(alarms) != 1 {
		t.Fatalf("DescribeAlarms: %d %v", status, out)
	}
	a := alarms[0].(map[string]any)
	if a["StateValue"] != "INSUFFICIENT_DATA" || a["Threshold"] != 2.5 || a["DatapointsToAlarm"] != 2.0 ||
		a["StateReason"] != "Unchecked: Initial alarm creation" {
		t.Fatalf("alarm %v", a)
	}
	if _, ok := a["AlarmConfigurationUpdatedTimestamp"].(float64); !ok {
		t.Fatalf("timestamps are epoch seconds: %v", a["AlarmConfigurationUpdatedTimestamp"])
	}
	status, out, hdr := e.cwJSON(t, "SetAlarmState", `{"AlarmName":"missing","StateValue":"OK","StateReason":"x"}`)
	if status != 404 || out["__type"] != "ResourceNotFound" || hdr.Get("X-Amzn-Query-Error") != "ResourceNotFound;Sender" {
		t.Fatalf("SetAlarmState on a missing alarm: %d %v %v", status, out, hdr)
	}
	status, out, _ = e.cwJSON(t, "PutMetricAlarm", `{"MetricName":"M"}`)
	if status != 400 || out["__type"] != "ValidationError" ||
		out["message"] != "1 validation error detected: Value null at 'alarmName' failed to satisfy constraint: Member must not be null" {
		t.Fatalf("missing AlarmName: %d %v", status, out)
	}
	status, out, _ = e.cwJSON(t, "PutDashboard", `{}`)
	if status != 400 || out["__type"] != "UnsupportedOperation" {
		t.Fatalf("an operation of the model not built here: %d %v", status, out)
	}
}
