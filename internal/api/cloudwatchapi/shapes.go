package cloudwatchapi

import "github.com/keyward/keyward/internal/awsproto/awsjson"

// Wire shapes of the operations built here, named and spelled as the model
// names them; model_test.go checks every structure against the committed
// model, member by member. The same structs serve JSON 1.0 and RPC v2 CBOR
// (rpcv2cbor reads the json tags); timestamps are awsjson.Time in both.

// Dimension is a metric dimension.
type Dimension struct {
	Name  *string `json:"Name,omitempty"`
	Value *string `json:"Value,omitempty"`
}

// DimensionFilter selects metrics by dimension.
type DimensionFilter struct {
	Name  *string `json:"Name,omitempty"`
	Value *string `json:"Value,omitempty"`
}

// Metric names a metric.
type Metric struct {
	Namespace  *string     `json:"Namespace,omitempty"`
	MetricName *string     `json:"MetricName,omitempty"`
	Dimensions []Dimension `json:"Dimensions,omitzero"`
}

// MetricStat is a metric with its period and statistic.
type MetricStat struct {
	Metric *Metric `json:"Metric,omitempty"`
	Period *int32  `json:"Period,omitempty"`
	Stat   *string `json:"Stat,omitempty"`
	Unit   *string `json:"Unit,omitempty"`
}

// MetricDataQuery is a metric or expression to retrieve.
type MetricDataQuery struct {
	Id         *string     `json:"Id,omitempty"`
	MetricStat *MetricStat `json:"MetricStat,omitempty"`
	Expression *string     `json:"Expression,omitempty"`
	Label      *string     `json:"Label,omitempty"`
	ReturnData *bool       `json:"ReturnData,omitempty"`
	Period     *int32      `json:"Period,omitempty"`
	AccountId  *string     `json:"AccountId,omitempty"`
}

// Tag is an alarm tag.
type Tag struct {
	Key   *string `json:"Key,omitempty"`
	Value *string `json:"Value,omitempty"`
}

// EvaluationCriteria holds PromQL alarm criteria (not supported).
type EvaluationCriteria struct {
	PromQLCriteria *AlarmPromQLCriteria `json:"PromQLCriteria,omitempty"`
}

// AlarmPromQLCriteria is a PromQL alarm's query (not supported).
type AlarmPromQLCriteria struct {
	Query          *string `json:"Query,omitempty"`
	PendingPeriod  *int32  `json:"PendingPeriod,omitempty"`
	RecoveryPeriod *int32  `json:"RecoveryPeriod,omitempty"`
}

// PutMetricAlarmInput is PutMetricAlarm's input.
type PutMetricAlarmInput struct {
	AlarmName                        *string             `json:"AlarmName,omitempty"`
	AlarmDescription                 *string             `json:"AlarmDescription,omitempty"`
	ActionsEnabled                   *bool               `json:"ActionsEnabled,omitempty"`
	OKActions                        []string            `json:"OKActions,omitempty"`
	AlarmActions                     []string            `json:"AlarmActions,omitempty"`
	InsufficientDataActions          []string            `json:"InsufficientDataActions,omitempty"`
	MetricName                       *string             `json:"MetricName,omitempty"`
	Namespace                        *string             `json:"Namespace,omitempty"`
	Statistic                        *string             `json:"Statistic,omitempty"`
	ExtendedStatistic                *string             `json:"ExtendedStatistic,omitempty"`
	Dimensions                       []Dimension         `json:"Dimensions,omitempty"`
	Period                           *int32              `json:"Period,omitempty"`
	Unit                             *string             `json:"Unit,omitempty"`
	EvaluationPeriods                *int32              `json:"EvaluationPeriods,omitempty"`
	DatapointsToAlarm                *int32              `json:"DatapointsToAlarm,omitempty"`
	Threshold                        *float64            `json:"Threshold,omitempty"`
	ComparisonOperator               *string             `json:"ComparisonOperator,omitempty"`
	TreatMissingData                 *string             `json:"TreatMissingData,omitempty"`
	EvaluateLowSampleCountPercentile *string             `json:"EvaluateLowSampleCountPercentile,omitempty"`
	Metrics                          []MetricDataQuery   `json:"Metrics,omitempty"`
	Tags                             []Tag               `json:"Tags,omitempty"`
	ThresholdMetricId                *string             `json:"ThresholdMetricId,omitempty"`
	EvaluationCriteria               *EvaluationCriteria `json:"EvaluationCriteria,omitempty"`
	EvaluationInterval               *int32              `json:"EvaluationInterval,omitempty"`
}

// DescribeAlarmsInput is DescribeAlarms' input.
type DescribeAlarmsInput struct {
	AlarmNames          []string `json:"AlarmNames,omitempty"`
	AlarmNamePrefix     *string  `json:"AlarmNamePrefix,omitempty"`
	AlarmTypes          []string `json:"AlarmTypes,omitempty"`
	ChildrenOfAlarmName *string  `json:"ChildrenOfAlarmName,omitempty"`
	ParentsOfAlarmName  *string  `json:"ParentsOfAlarmName,omitempty"`
	StateValue          *string  `json:"StateValue,omitempty"`
	ActionPrefix        *string  `json:"ActionPrefix,omitempty"`
	MaxRecords          *int32   `json:"MaxRecords,omitempty"`
	NextToken           *string  `json:"NextToken,omitempty"`
}

// DescribeAlarmsOutput is DescribeAlarms' output.
type DescribeAlarmsOutput struct {
	CompositeAlarms []CompositeAlarm `json:"CompositeAlarms,omitzero"`
	MetricAlarms    []MetricAlarm    `json:"MetricAlarms,omitzero"`
	NextToken       *string          `json:"NextToken,omitempty"`
}

// CompositeAlarm is a composite alarm (Keyward has none).
type CompositeAlarm struct {
	ActionsEnabled                     *bool         `json:"ActionsEnabled,omitempty"`
	AlarmActions                       []string      `json:"AlarmActions,omitzero"`
	AlarmArn                           *string       `json:"AlarmArn,omitempty"`
	AlarmConfigurationUpdatedTimestamp *awsjson.Time `json:"AlarmConfigurationUpdatedTimestamp,omitempty"`
	AlarmDescription                   *string       `json:"AlarmDescription,omitempty"`
	AlarmName                          *string       `json:"AlarmName,omitempty"`
	AlarmRule                          *string       `json:"AlarmRule,omitempty"`
	InsufficientDataActions            []string      `json:"InsufficientDataActions,omitzero"`
	OKActions                          []string      `json:"OKActions,omitzero"`
	StateReason                        *string       `json:"StateReason,omitempty"`
	StateReasonData                    *string       `json:"StateReasonData,omitempty"`
	StateUpdatedTimestamp              *awsjson.Time `json:"StateUpdatedTimestamp,omitempty"`
	StateValue                         *string       `json:"StateValue,omitempty"`
	StateTransitionedTimestamp         *awsjson.Time `json:"StateTransitionedTimestamp,omitempty"`
	ActionsSuppressedBy                *string       `json:"ActionsSuppressedBy,omitempty"`
	ActionsSuppressedReason            *string       `json:"ActionsSuppressedReason,omitempty"`
	ActionsSuppressor                  *string       `json:"ActionsSuppressor,omitempty"`
	ActionsSuppressorWaitPeriod        *int32        `json:"ActionsSuppressorWaitPeriod,omitempty"`
	ActionsSuppressorExtensionPeriod   *int32        `json:"ActionsSuppressorExtensionPeriod,omitempty"`
}

// MetricAlarm is a metric alarm.
type MetricAlarm struct {
	AlarmName                          *string             `json:"AlarmName,omitempty"`
	AlarmArn                           *string             `json:"AlarmArn,omitempty"`
	AlarmDescription                   *string             `json:"AlarmDescription,omitempty"`
	AlarmConfigurationUpdatedTimestamp *awsjson.Time       `json:"AlarmConfigurationUpdatedTimestamp,omitempty"`
	ActionsEnabled                     *bool               `json:"ActionsEnabled,omitempty"`
	OKActions                          []string            `json:"OKActions,omitzero"`
	AlarmActions                       []string            `json:"AlarmActions,omitzero"`
	InsufficientDataActions            []string            `json:"InsufficientDataActions,omitzero"`
	StateValue                         *string             `json:"StateValue,omitempty"`
	StateReason                        *string             `json:"StateReason,omitempty"`
	StateReasonData                    *string             `json:"StateReasonData,omitempty"`
	StateUpdatedTimestamp              *awsjson.Time       `json:"StateUpdatedTimestamp,omitempty"`
	MetricName                         *string             `json:"MetricName,omitempty"`
	Namespace                          *string             `json:"Namespace,omitempty"`
	Statistic                          *string             `json:"Statistic,omitempty"`
	ExtendedStatistic                  *string             `json:"ExtendedStatistic,omitempty"`
	Dimensions                         []Dimension         `json:"Dimensions,omitzero"`
	Period                             *int32              `json:"Period,omitempty"`
	Unit                               *string             `json:"Unit,omitempty"`
	EvaluationPeriods                  *int32              `json:"EvaluationPeriods,omitempty"`
	DatapointsToAlarm                  *int32              `json:"DatapointsToAlarm,omitempty"`
	Threshold                          *float64            `json:"Threshold,omitempty"`
	ComparisonOperator                 *string             `json:"ComparisonOperator,omitempty"`
	TreatMissingData                   *string             `json:"TreatMissingData,omitempty"`
	EvaluateLowSampleCountPercentile   *string             `json:"EvaluateLowSampleCountPercentile,omitempty"`
	Metrics                            []MetricDataQuery   `json:"Metrics,omitempty"`
	ThresholdMetricId                  *string             `json:"ThresholdMetricId,omitempty"`
	EvaluationState                    *string             `json:"EvaluationState,omitempty"`
	StateTransitionedTimestamp         *awsjson.Time       `json:"StateTransitionedTimestamp,omitempty"`
	EvaluationCriteria                 *EvaluationCriteria `json:"EvaluationCriteria,omitempty"`
	EvaluationInterval                 *int32              `json:"EvaluationInterval,omitempty"`
}

// DeleteAlarmsInput is DeleteAlarms' input.
type DeleteAlarmsInput struct {
	AlarmNames []string `json:"AlarmNames,omitempty"`
}

// DescribeAlarmHistoryInput is DescribeAlarmHistory's input.
type DescribeAlarmHistoryInput struct {
	AlarmName          *string       `json:"AlarmName,omitempty"`
	AlarmContributorId *string       `json:"AlarmContributorId,omitempty"`
	AlarmTypes         []string      `json:"AlarmTypes,omitempty"`
	HistoryItemType    *string       `json:"HistoryItemType,omitempty"`
	StartDate          *awsjson.Time `json:"StartDate,omitempty"`
	EndDate            *awsjson.Time `json:"EndDate,omitempty"`
	MaxRecords         *int32        `json:"MaxRecords,omitempty"`
	NextToken          *string       `json:"NextToken,omitempty"`
	ScanBy             *string       `json:"ScanBy,omitempty"`
}

// DescribeAlarmHistoryOutput is DescribeAlarmHistory's output.
type DescribeAlarmHistoryOutput struct {
	AlarmHistoryItems []AlarmHistoryItem `json:"AlarmHistoryItems,omitzero"`
	NextToken         *string            `json:"NextToken,omitempty"`
}

// AlarmHistoryItem is one history item.
type AlarmHistoryItem struct {
	AlarmName                  *string           `json:"AlarmName,omitempty"`
	AlarmContributorId         *string           `json:"AlarmContributorId,omitempty"`
	AlarmType                  *string           `json:"AlarmType,omitempty"`
	Timestamp                  *awsjson.Time     `json:"Timestamp,omitempty"`
	HistoryItemType            *string           `json:"HistoryItemType,omitempty"`
	HistorySummary             *string           `json:"HistorySummary,omitempty"`
	HistoryData                *string           `json:"HistoryData,omitempty"`
	AlarmContributorAttributes map[string]string `json:"AlarmContributorAttributes,omitempty"`
}

// SetAlarmStateInput is SetAlarmState's input.
type SetAlarmStateInput struct {
	AlarmName       *string `json:"AlarmName,omitempty"`
	StateValue      *string `json:"StateValue,omitempty"`
	StateReason     *string `json:"StateReason,omitempty"`
	StateReasonData *string `json:"StateReasonData,omitempty"`
}

// GetMetricStatisticsInput is GetMetricStatistics' input.
type GetMetricStatisticsInput struct {
	Namespace          *string       `json:"Namespace,omitempty"`
	MetricName         *string       `json:"MetricName,omitempty"`
	Dimensions         []Dimension   `json:"Dimensions,omitempty"`
	StartTime          *awsjson.Time `json:"StartTime,omitempty"`
	EndTime            *awsjson.Time `json:"EndTime,omitempty"`
	Period             *int32        `json:"Period,omitempty"`
	Statistics         []string      `json:"Statistics,omitempty"`
	ExtendedStatistics []string      `json:"ExtendedStatistics,omitempty"`
	Unit               *string       `json:"Unit,omitempty"`
}

// GetMetricStatisticsOutput is GetMetricStatistics' output.
type GetMetricStatisticsOutput struct {
	Label      *string     `json:"Label,omitempty"`
	Datapoints []Datapoint `json:"Datapoints,omitzero"`
}

// Datapoint is one period's statistics.
type Datapoint struct {
	Timestamp          *awsjson.Time      `json:"Timestamp,omitempty"`
	SampleCount        *float64           `json:"SampleCount,omitempty"`
	Average            *float64           `json:"Average,omitempty"`
	Sum                *float64           `json:"Sum,omitempty"`
	Minimum            *float64           `json:"Minimum,omitempty"`
	Maximum            *float64           `json:"Maximum,omitempty"`
	Unit               *string            `json:"Unit,omitempty"`
	ExtendedStatistics map[string]float64 `json:"ExtendedStatistics,omitempty"`
}

// GetMetricDataInput is GetMetricData's input.
type GetMetricDataInput struct {
	MetricDataQueries []MetricDataQuery `json:"MetricDataQueries,omitempty"`
	StartTime         *awsjson.Time     `json:"StartTime,omitempty"`
	EndTime           *awsjson.Time     `json:"EndTime,omitempty"`
	NextToken         *string           `json:"NextToken,omitempty"`
	ScanBy            *string           `json:"ScanBy,omitempty"`
	MaxDatapoints     *int32            `json:"MaxDatapoints,omitempty"`
	LabelOptions      *LabelOptions     `json:"LabelOptions,omitempty"`
}

// LabelOptions sets the time zone of labels.
type LabelOptions struct {
	Timezone *string `json:"Timezone,omitempty"`
}

// GetMetricDataOutput is GetMetricData's output.
type GetMetricDataOutput struct {
	MetricDataResults []MetricDataResult `json:"MetricDataResults,omitzero"`
	NextToken         *string            `json:"NextToken,omitempty"`
	Messages          []MessageData      `json:"Messages,omitzero"`
}

// MetricDataResult is one query's series.
type MetricDataResult struct {
	Id         *string        `json:"Id,omitempty"`
	Label      *string        `json:"Label,omitempty"`
	Timestamps []awsjson.Time `json:"Timestamps,omitzero"`
	Values     []float64      `json:"Values,omitzero"`
	StatusCode *string        `json:"StatusCode,omitempty"`
	Messages   []MessageData  `json:"Messages,omitzero"`
}

// MessageData is a message about a query.
type MessageData struct {
	Code  *string `json:"Code,omitempty"`
	Value *string `json:"Value,omitempty"`
}

// ListMetricsInput is ListMetrics' input.
type ListMetricsInput struct {
	Namespace             *string           `json:"Namespace,omitempty"`
	MetricName            *string           `json:"MetricName,omitempty"`
	Dimensions            []DimensionFilter `json:"Dimensions,omitempty"`
	NextToken             *string           `json:"NextToken,omitempty"`
	RecentlyActive        *string           `json:"RecentlyActive,omitempty"`
	IncludeLinkedAccounts *bool             `json:"IncludeLinkedAccounts,omitempty"`
	OwningAccount         *string           `json:"OwningAccount,omitempty"`
}

// ListMetricsOutput is ListMetrics' output.
type ListMetricsOutput struct {
	Metrics        []Metric `json:"Metrics,omitzero"`
	NextToken      *string  `json:"NextToken,omitempty"`
	OwningAccounts []string `json:"OwningAccounts,omitempty"`
}

// shapeRegistry maps model shape names to their Go types, for the model
// test.
var shapeRegistry = map[string]any{
	"Dimension":                  (*Dimension)(nil),
	"DimensionFilter":            (*DimensionFilter)(nil),
	"Metric":                     (*Metric)(nil),
	"MetricStat":                 (*MetricStat)(nil),
	"MetricDataQuery":            (*MetricDataQuery)(nil),
	"Tag":                        (*Tag)(nil),
	"EvaluationCriteria":         (*EvaluationCriteria)(nil),
	"AlarmPromQLCriteria":        (*AlarmPromQLCriteria)(nil),
	"PutMetricAlarmInput":        (*PutMetricAlarmInput)(nil),
	"DescribeAlarmsInput":        (*DescribeAlarmsInput)(nil),
	"DescribeAlarmsOutput":       (*DescribeAlarmsOutput)(nil),
	"CompositeAlarm":             (*CompositeAlarm)(nil),
	"MetricAlarm":                (*MetricAlarm)(nil),
	"DeleteAlarmsInput":          (*DeleteAlarmsInput)(nil),
	"DescribeAlarmHistoryInput":  (*DescribeAlarmHistoryInput)(nil),
	"DescribeAlarmHistoryOutput": (*DescribeAlarmHistoryOutput)(nil),
	"AlarmHistoryItem":           (*AlarmHistoryItem)(nil),
	"SetAlarmStateInput":         (*SetAlarmStateInput)(nil),
	"GetMetricStatisticsInput":   (*GetMetricStatisticsInput)(nil),
	"GetMetricStatisticsOutput":  (*GetMetricStatisticsOutput)(nil),
	"Datapoint":                  (*Datapoint)(nil),
	"GetMetricDataInput":         (*GetMetricDataInput)(nil),
	"LabelOptions":               (*LabelOptions)(nil),
	"GetMetricDataOutput":        (*GetMetricDataOutput)(nil),
	"MetricDataResult":           (*MetricDataResult)(nil),
	"MessageData":                (*MessageData)(nil),
	"ListMetricsInput":           (*ListMetricsInput)(nil),
	"ListMetricsOutput":          (*ListMetricsOutput)(nil),
}
