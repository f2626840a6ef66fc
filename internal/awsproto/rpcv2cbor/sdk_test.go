package rpcv2cbor

import (
	"bytes"
	"context"
	"errors"
	"math"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"

	"github.com/keyward/keyward/internal/awsproto/awsjson"
)

// newClient starts the fake behind an httptest server and returns the real
// aws-sdk-go-v2 CloudWatch client (which speaks rpcv2Cbor) pointed at it.
func newClient(t *testing.T, f *fake) *cloudwatch.Client {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	srv := httptest.NewServer(f.handler(f.service()))
	t.Cleanup(srv.Close)
	return cloudwatch.New(cloudwatch.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		RetryMaxAttempts: 1,
	})
}

func TestSDKPutMetricAlarm(t *testing.T) {
	f := new(fake)
	cw := newClient(t, f)
	_, err := cw.PutMetricAlarm(context.Background(), &cloudwatch.PutMetricAlarmInput{
		AlarmName:          aws.String("kms-disabled-key-use"),
		AlarmDescription:   aws.String("ünïcode ✓"),
		ActionsEnabled:     aws.Bool(false),
		AlarmActions:       []string{"arn:aws:sns:us-east-1:000000000000:ops"},
		MetricName:         aws.String("DisabledKeyUse"),
		Namespace:          aws.String("Keyward"),
		Statistic:          types.StatisticSum,
		Dimensions:         []types.Dimension{{Name: aws.String("KeyId"), Value: aws.String("1234abcd")}},
		Period:             aws.Int32(300),
		EvaluationPeriods:  aws.Int32(1),
		Threshold:          aws.Float64(0.5),
		ComparisonOperator: types.ComparisonOperatorGreaterThanOrEqualToThreshold,
		Tags:               []types.Tag{{Key: aws.String("team"), Value: aws.String("sec")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := putMetricAlarmInput{
		AlarmName:          ptr("kms-disabled-key-use"),
		AlarmDescription:   ptr("ünïcode ✓"),
		ActionsEnabled:     ptr(false),
		AlarmActions:       []string{"arn:aws:sns:us-east-1:000000000000:ops"},
		MetricName:         ptr("DisabledKeyUse"),
		Namespace:          ptr("Keyward"),
		Statistic:          ptr("Sum"),
		Dimensions:         []dimension{{Name: ptr("KeyId"), Value: ptr("1234abcd")}},
		Period:             ptr(int32(300)),
		EvaluationPeriods:  ptr(int32(1)),
		Threshold:          ptr(0.5),
		ComparisonOperator: ptr("GreaterThanOrEqualToThreshold"),
		Tags:               []tag{{Key: ptr("team"), Value: ptr("sec")}},
	}
	if len(f.alarms) != 1 || !reflect.DeepEqual(f.alarms[0], want) {
		t.Fatalf("decoded %+v", f.alarms)
	}
	h := f.headers[0]
	if h.Get("Smithy-Protocol") != "rpc-v2-cbor" || h.Get("Content-Type") != "application/cbor" ||
		h.Get("Accept") != "application/cbor" || h.Get("X-Amz-Target") != "" {
		t.Fatalf("request headers %v", h)
	}
	if !strings.Contains(h.Get("Authorization"), "/us-east-1/monitoring/aws4_request") {
		t.Fatalf("signing scope: %s", h.Get("Authorization"))
	}
}

func TestSDKDescribeAlarms(t *testing.T) {
	f := new(fake)
	updated := time.Date(2026, 11, 22, 9, 0, 0, 123_000_000, time.UTC)
	// float64(ms)/1e3*1e3 falls just short of ms for this one: without the
	// encoder's nudge the SDK's truncating decoder would read .201.
	state := time.UnixMilli(134217728202).UTC() // 1974-04-03T10:42:08.202Z
	f.describe = describeAlarmsOutput{
		MetricAlarms: []metricAlarm{{
			AlarmName:                          ptr("a1"),
			AlarmArn:                           ptr("arn:aws:cloudwatch:us-east-1:000000000000:alarm:a1"),
			AlarmConfigurationUpdatedTimestamp: awsjson.NewTime(updated),
			ActionsEnabled:                     ptr(true),
			StateValue:                         ptr("ALARM"),
			StateUpdatedTimestamp:              awsjson.NewTime(state),
			Dimensions:                         []dimension{{Name: ptr("KeyId"), Value: ptr("k")}},
			Period:                             ptr(int32(60)),
			EvaluationPeriods:                  ptr(int32(math.MaxInt32)),
			Threshold:                          ptr(-1.25e-3),
			ComparisonOperator:                 ptr("LessThanThreshold"),
		}},
		NextToken: ptr("page-2"),
	}
	cw := newClient(t, f)
	out, err := cw.DescribeAlarms(context.Background(), &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"a1"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.MetricAlarms) != 1 || aws.ToString(out.NextToken) != "page-2" {
		t.Fatalf("output %+v", out)
	}
	a := out.MetricAlarms[0]
	if aws.ToString(a.AlarmName) != "a1" || a.StateValue != types.StateValueAlarm || !aws.ToBool(a.ActionsEnabled) ||
		aws.ToInt32(a.Period) != 60 || aws.ToInt32(a.EvaluationPeriods) != math.MaxInt32 ||
		aws.ToFloat64(a.Threshold) != -1.25e-3 || a.ComparisonOperator != types.ComparisonOperatorLessThanThreshold ||
		len(a.Dimensions) != 1 || aws.ToString(a.Dimensions[0].Value) != "k" {
		t.Fatalf("alarm %+v", a)
	}
	// Millisecond timestamps survive the SDK's truncating decoder exactly.
	if !a.AlarmConfigurationUpdatedTimestamp.Equal(updated) || !a.StateUpdatedTimestamp.Equal(state) {
		t.Fatalf("timestamps %v %v", a.AlarmConfigurationUpdatedTimestamp, a.StateUpdatedTimestamp)
	}
}

func TestSDKGetMetricData(t *testing.T) {
	f := new(fake)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 678_000_000, time.UTC)
	f.series = getMetricDataOutput{MetricDataResults: []metricDataResult{{
		Id:         ptr("m1"),
		Label:      ptr("Encrypt"),
		Timestamps: []awsjson.Time{awsjson.Time(t0), awsjson.Time(t0.Add(time.Minute))},
		Values:     []float64{1.5, math.Inf(1), math.NaN(), math.Copysign(0, -1), 1e300},
		StatusCode: ptr("Complete"),
	}}}
	cw := newClient(t, f)
	out, err := cw.GetMetricData(context.Background(), &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(t0.Add(-time.Hour)),
		EndTime:   aws.Time(t0),
		MetricDataQueries: []types.MetricDataQuery{{
			Id: aws.String("m1"),
			MetricStat: &types.MetricStat{
				Metric: &types.Metric{Namespace: aws.String("Keyward"), MetricName: aws.String("Encrypt"),
					Dimensions: []types.Dimension{{Name: aws.String("KeyId"), Value: aws.String("k")}}},
				Period: aws.Int32(60),
				Stat:   aws.String("Sum"),
			},
			ReturnData: aws.Bool(true),
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	q := f.queries[0]
	if !q.StartTime.Std().Equal(t0.Add(-time.Hour)) || !q.EndTime.Std().Equal(t0) ||
		aws.ToString(q.MetricDataQueries[0].MetricStat.Metric.Dimensions[0].Value) != "k" ||
		aws.ToInt32(q.MetricDataQueries[0].MetricStat.Period) != 60 {
		t.Fatalf("decoded %+v", q)
	}
	r := out.MetricDataResults[0]
	if len(r.Timestamps) != 2 || !r.Timestamps[0].Equal(t0) || !r.Timestamps[1].Equal(t0.Add(time.Minute)) ||
		r.StatusCode != types.StatusCodeComplete || len(r.Values) != 5 || r.Values[0] != 1.5 ||
		!math.IsInf(r.Values[1], 1) || !math.IsNaN(r.Values[2]) || !math.Signbit(r.Values[3]) || r.Values[4] != 1e300 {
		t.Fatalf("result %+v", r)
	}
}

func TestSDKBlob(t *testing.T) {
	f := &fake{image: []byte("\x89PNG\r\n\x1a\n\x00\xff")}
	cw := newClient(t, f)
	out, err := cw.GetMetricWidgetImage(context.Background(), &cloudwatch.GetMetricWidgetImageInput{
		MetricWidget: aws.String(`{"metrics":[["Keyward","Encrypt"]]}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.MetricWidgetImage, f.image) {
		t.Fatalf("image %x", out.MetricWidgetImage)
	}
}

// TestSDKCompressedPutMetricData: the SDK gzips PutMetricData bodies over
// 10 KiB (the model's requestCompression trait), so whatever serves
// CloudWatch must inflate them (bounded) before decoding.
func TestSDKCompressedPutMetricData(t *testing.T) {
	f := new(fake)
	cw := newClient(t, f)
	var data []types.MetricDatum
	for i := range 500 {
		data = append(data, types.MetricDatum{MetricName: aws.String("Encrypt"), Value: aws.Float64(float64(i)),
			Timestamp: aws.Time(time.UnixMilli(1795338000123 + int64(i)))})
	}
	if _, err := cw.PutMetricData(context.Background(), &cloudwatch.PutMetricDataInput{Namespace: aws.String("Keyward"), MetricData: data}); err != nil {
		t.Fatal(err)
	}
	if f.headers[0].Get("Content-Encoding") != "gzip" {
		t.Fatalf("expected a gzip body, headers %v", f.headers[0])
	}
	got := f.data[0].MetricData
	if len(got) != 500 || *got[499].Value != 499 || got[499].Timestamp.Std().UnixMilli() != 1795338000123+499 {
		t.Fatalf("decoded %d data", len(got))
	}
}

func TestSDKErrors(t *testing.T) {
	f := new(fake)
	cw := newClient(t, f)
	ctx := context.Background()
	put := func(name string) error {
		_, err := cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{AlarmName: aws.String(name),
			MetricName: aws.String("m"), Namespace: aws.String("n"), Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1),
			Threshold: aws.Float64(1), ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold})
		return err
	}
	status := func(err error) int {
		var re *awshttp.ResponseError
		if !errors.As(err, &re) {
			return 0
		}
		return re.HTTPStatusCode()
	}

	// A modeled error whose message member is "message"; X-Amzn-Query-Error
	// makes ErrorCode the awsQuery code, as for a Query-protocol client.
	_, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"missing"}})
	var nf *types.ResourceNotFound
	if !errors.As(err, &nf) || nf.ErrorMessage() != "Alarm missing does not exist." || nf.ErrorCode() != "ResourceNotFound" || status(err) != 404 {
		t.Fatalf("not found: %T %v (status %d)", err, err, status(err))
	}

	err = put("invalid")
	var ipv *types.InvalidParameterValueException
	if !errors.As(err, &ipv) || ipv.ErrorMessage() != "The parameter Period must be a multiple of 60." ||
		ipv.ErrorCode() != "InvalidParameterValue" || ipv.ErrorFault() != smithy.FaultClient || status(err) != 400 {
		t.Fatalf("validation: %T %v", err, err)
	}

	err = put("limit")
	var lim *types.LimitExceededFault
	if !errors.As(err, &lim) || lim.ErrorMessage() != "The maximum number of alarms has been reached." || lim.ErrorCode() != "LimitExceeded" {
		t.Fatalf("limit: %T %v", err, err)
	}

	// A modeled error whose message member is "Message".
	err = put("conflict")
	var cme *types.ConcurrentModificationException
	if !errors.As(err, &cme) || cme.ErrorMessage() != "Another update is in progress." || status(err) != 429 {
		t.Fatalf("conflict: %T %v", err, err)
	}

	// An internal error: the modeled fault, 500, and not a word of the cause.
	err = put("crash")
	var isf *types.InternalServiceFault
	if !errors.As(err, &isf) || isf.ErrorCode() != "InternalServiceError" || isf.ErrorFault() != smithy.FaultServer ||
		status(err) != 500 || strings.Contains(err.Error(), "disk") {
		t.Fatalf("internal: %T %v", err, err)
	}

	// Not modeled: a generic API error with our code.
	_, err = cw.ListMetrics(ctx, &cloudwatch.ListMetricsInput{})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "InvalidAction" || status(err) != 404 {
		t.Fatalf("unknown operation: %T %v", err, err)
	}
	_, err = cw.ListDashboards(ctx, &cloudwatch.ListDashboardsInput{})
	if !errors.As(err, &api) || api.ErrorCode() != "UnsupportedOperation" ||
		api.ErrorMessage() != "ListDashboards is not supported by this server yet." || status(err) != 400 {
		t.Fatalf("unsupported operation: %T %v", err, err)
	}
	var ge *smithy.GenericAPIError
	if !errors.As(err, &ge) {
		t.Fatalf("unsupported operation is %T", err)
	}
}
