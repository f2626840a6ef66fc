package rpcv2cbor

import (
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"sync"

	"github.com/keyward/keyward/internal/awsproto/awsjson"
	"github.com/keyward/keyward/internal/errs"
)

// The test wire shapes are a subset of CloudWatch's model, written as the
// api packages write them: pointers, json tags, omitempty.

type dimension struct {
	Name  *string `json:"Name,omitempty"`
	Value *string `json:"Value,omitempty"`
}

type tag struct {
	Key   *string `json:"Key,omitempty"`
	Value *string `json:"Value,omitempty"`
}

type putMetricAlarmInput struct {
	AlarmName          *string     `json:"AlarmName,omitempty"`
	AlarmDescription   *string     `json:"AlarmDescription,omitempty"`
	ActionsEnabled     *bool       `json:"ActionsEnabled,omitempty"`
	AlarmActions       []string    `json:"AlarmActions,omitempty"`
	MetricName         *string     `json:"MetricName,omitempty"`
	Namespace          *string     `json:"Namespace,omitempty"`
	Statistic          *string     `json:"Statistic,omitempty"`
	Dimensions         []dimension `json:"Dimensions,omitempty"`
	Period             *int32      `json:"Period,omitempty"`
	EvaluationPeriods  *int32      `json:"EvaluationPeriods,omitempty"`
	Threshold          *float64    `json:"Threshold,omitempty"`
	ComparisonOperator *string     `json:"ComparisonOperator,omitempty"`
	Tags               []tag       `json:"Tags,omitempty"`
}

type metricAlarm struct {
	AlarmName                          *string       `json:"AlarmName,omitempty"`
	AlarmArn                           *string       `json:"AlarmArn,omitempty"`
	AlarmConfigurationUpdatedTimestamp *awsjson.Time `json:"AlarmConfigurationUpdatedTimestamp,omitempty"`
	ActionsEnabled                     *bool         `json:"ActionsEnabled,omitempty"`
	StateValue                         *string       `json:"StateValue,omitempty"`
	StateUpdatedTimestamp              *awsjson.Time `json:"StateUpdatedTimestamp,omitempty"`
	MetricName                         *string       `json:"MetricName,omitempty"`
	Namespace                          *string       `json:"Namespace,omitempty"`
	Dimensions                         []dimension   `json:"Dimensions,omitempty"`
	Period                             *int32        `json:"Period,omitempty"`
	EvaluationPeriods                  *int32        `json:"EvaluationPeriods,omitempty"`
	Threshold                          *float64      `json:"Threshold,omitempty"`
	ComparisonOperator                 *string       `json:"ComparisonOperator,omitempty"`
}

type describeAlarmsInput struct {
	AlarmNames []string `json:"AlarmNames,omitempty"`
	MaxRecords *int32   `json:"MaxRecords,omitempty"`
	NextToken  *string  `json:"NextToken,omitempty"`
}

type describeAlarmsOutput struct {
	MetricAlarms []metricAlarm `json:"MetricAlarms,omitempty"`
	NextToken    *string       `json:"NextToken,omitempty"`
}

type metric struct {
	Namespace  *string     `json:"Namespace,omitempty"`
	MetricName *string     `json:"MetricName,omitempty"`
	Dimensions []dimension `json:"Dimensions,omitempty"`
}

type metricStat struct {
	Metric *metric `json:"Metric,omitempty"`
	Period *int32  `json:"Period,omitempty"`
	Stat   *string `json:"Stat,omitempty"`
}

type metricDataQuery struct {
	Id         *string     `json:"Id,omitempty"`
	MetricStat *metricStat `json:"MetricStat,omitempty"`
	ReturnData *bool       `json:"ReturnData,omitempty"`
}

type getMetricDataInput struct {
	MetricDataQueries []metricDataQuery `json:"MetricDataQueries,omitempty"`
	StartTime         *awsjson.Time     `json:"StartTime,omitempty"`
	EndTime           *awsjson.Time     `json:"EndTime,omitempty"`
	MaxDatapoints     *int32            `json:"MaxDatapoints,omitempty"`
}

type metricDataResult struct {
	Id         *string        `json:"Id,omitempty"`
	Label      *string        `json:"Label,omitempty"`
	Timestamps []awsjson.Time `json:"Timestamps,omitempty"`
	Values     []float64      `json:"Values,omitempty"`
	StatusCode *string        `json:"StatusCode,omitempty"`
}

type getMetricDataOutput struct {
	MetricDataResults []metricDataResult `json:"MetricDataResults,omitempty"`
}

type getMetricWidgetImageInput struct {
	MetricWidget *string `json:"MetricWidget,omitempty"`
	OutputFormat *string `json:"OutputFormat,omitempty"`
}

type getMetricWidgetImageOutput struct {
	MetricWidgetImage []byte `json:"MetricWidgetImage,omitempty"`
}

type metricDatum struct {
	MetricName *string       `json:"MetricName,omitempty"`
	Timestamp  *awsjson.Time `json:"Timestamp,omitempty"`
	Value      *float64      `json:"Value,omitempty"`
}

type putMetricDataInput struct {
	Namespace  *string       `json:"Namespace,omitempty"`
	MetricData []metricDatum `json:"MetricData,omitempty"`
}

// cloudWatchErrors is the test's error table, named as CloudWatch's model
// names its error shapes.
func cloudWatchErrors(code errs.Code) (string, int) {
	switch code {
	case errs.NotFound:
		return "ResourceNotFound", http.StatusNotFound
	case errs.Validation:
		return "InvalidParameterValueException", http.StatusBadRequest
	case errs.LimitExceeded:
		return "LimitExceededFault", http.StatusBadRequest
	case errs.Conflict:
		return "ConcurrentModificationException", http.StatusTooManyRequests
	case errs.Serialization:
		return "SerializationException", http.StatusBadRequest
	case errs.UnknownOperation:
		return "UnknownOperationException", http.StatusBadRequest
	case errs.UnsupportedOperation:
		return "UnsupportedOperation", http.StatusBadRequest
	case errs.RequestTooLarge:
		return "RequestEntityTooLarge", http.StatusRequestEntityTooLarge
	}
	return "InternalServiceFault", http.StatusInternalServerError
}

// cloudWatchQueryErrors is the awsQuery side (aws.protocols#awsQueryError).
func cloudWatchQueryErrors(code errs.Code) (string, int) {
	switch code {
	case errs.NotFound:
		return "ResourceNotFound", http.StatusNotFound
	case errs.Validation:
		return "InvalidParameterValue", http.StatusBadRequest
	case errs.LimitExceeded:
		return "LimitExceeded", http.StatusBadRequest
	case errs.Conflict:
		return "ConcurrentModificationException", http.StatusTooManyRequests
	case errs.UnknownOperation:
		return "InvalidAction", http.StatusBadRequest
	case errs.Internal:
		return "InternalServiceError", http.StatusInternalServerError
	}
	return "", 0
}

// fake is a tiny CloudWatch: it records what it decoded and answers fixed
// data, or the error an alarm name asks for.
type fake struct {
	mu       sync.Mutex
	alarms   []putMetricAlarmInput
	queries  []getMetricDataInput
	data     []putMetricDataInput
	headers  []http.Header
	describe describeAlarmsOutput
	series   getMetricDataOutput
	image    []byte
}

func (f *fake) putMetricAlarm(_ context.Context, in *putMetricAlarmInput) (any, error) {
	switch name := deref(in.AlarmName); name {
	case "invalid":
		return nil, errs.E(errs.Validation, "The parameter Period must be a multiple of 60.")
	case "limit":
		return nil, errs.E(errs.LimitExceeded, "The maximum number of alarms has been reached.")
	case "conflict":
		return nil, errs.E(errs.Conflict, "Another update is in progress.")
	case "crash":
		return nil, errors.New("disk on fire at /var/lib/keyward") // never shown to the client
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.alarms = append(f.alarms, *in)
	return nil, nil
}

func (f *fake) describeAlarms(_ context.Context, in *describeAlarmsInput) (any, error) {
	for _, n := range in.AlarmNames {
		if n == "missing" {
			return nil, errs.Ef(errs.NotFound, "Alarm %s does not exist.", "missing")
		}
	}
	return &f.describe, nil
}

func (f *fake) getMetricData(_ context.Context, in *getMetricDataInput) (any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = append(f.queries, *in)
	return f.series, nil
}

func (f *fake) getMetricWidgetImage(_ context.Context, in *getMetricWidgetImageInput) (any, error) {
	return getMetricWidgetImageOutput{MetricWidgetImage: f.image}, nil
}

func (f *fake) putMetricData(_ context.Context, in *putMetricDataInput) (any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.data = append(f.data, *in)
	return nil, nil
}

func deref[T any](p *T) T {
	if p == nil {
		var z T
		return z
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

func (f *fake) service() *Service {
	ops := []Operation{
		Op("PutMetricAlarm", 64<<10, false, f.putMetricAlarm),
		Op("DescribeAlarms", 64<<10, true, f.describeAlarms),
		Op("GetMetricData", 64<<10, true, f.getMetricData),
		Op("GetMetricWidgetImage", 64<<10, true, f.getMetricWidgetImage),
		Op("PutMetricData", 1<<20, false, f.putMetricData),
	}
	s := &Service{
		ServiceName: "GraniteServiceVersion20100801",
		Namespace:   "com.amazonaws.cloudwatch",
		Ops:         map[string]Operation{},
		Known:       map[string]bool{"ListDashboards": true},
		Errors:      cloudWatchErrors,
		QueryErrors: cloudWatchQueryErrors,
	}
	for _, op := range ops {
		s.Ops[op.Name] = op
		s.Known[op.Name] = true
	}
	return s
}

const testRequestID = "11111111-2222-4333-8444-555555555555"

// handler serves svc as internal/server would: match, method, read the
// body (inflating gzip, which CloudWatch's PutMetricData allows), look up,
// check the operation's limit, call, answer.
func (f *fake) handler(svc *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.headers = append(f.headers, r.Header.Clone())
		f.mu.Unlock()
		if !svc.Match(r) {
			http.Error(w, "not rpcv2Cbor", http.StatusTeapot)
			return
		}
		if err := svc.CheckMethod(r.Method); err != nil {
			svc.WriteError(w, testRequestID, err)
			return
		}
		var rd io.Reader = io.LimitReader(r.Body, 1<<20)
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(rd)
			if err != nil {
				svc.WriteError(w, testRequestID, errs.Wrap(errs.Serialization, "The request body could not be read.", err))
				return
			}
			rd = io.LimitReader(zr, 1<<20)
		}
		body, err := io.ReadAll(rd)
		if err != nil {
			svc.WriteError(w, testRequestID, errs.Wrap(errs.Serialization, "The request body could not be read.", err))
			return
		}
		op, err := svc.Lookup(r)
		if err != nil {
			svc.WriteError(w, testRequestID, err)
			return
		}
		if int64(len(body)) > op.MaxBody {
			svc.WriteError(w, testRequestID, errs.E(errs.RequestTooLarge, "Request entity too large"))
			return
		}
		out, err := op.Call(r.Context(), Decoder(body))
		if err != nil {
			svc.WriteError(w, testRequestID, err)
			return
		}
		svc.WriteResult(w, testRequestID, out)
	})
}
