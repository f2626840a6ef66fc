package logsapi

// Wire shapes of the operations built here, named and spelled as the model
// names them; model_test.go checks every structure against the committed
// model, member by member. Timestamps are epoch milliseconds (long), as in
// the model. Optional scalars are pointers; lists and maps that AWS always
// sends are written even when empty (omitzero keeps a non-nil empty one).

// CreateLogGroupRequest is CreateLogGroup's input.
type CreateLogGroupRequest struct {
	LogGroupName              *string           `json:"logGroupName,omitempty"`
	KmsKeyId                  *string           `json:"kmsKeyId,omitempty"`
	Tags                      map[string]string `json:"tags,omitempty"`
	LogGroupClass             *string           `json:"logGroupClass,omitempty"`
	DeletionProtectionEnabled *bool             `json:"deletionProtectionEnabled,omitempty"`
}

// DescribeLogGroupsRequest is DescribeLogGroups' input.
type DescribeLogGroupsRequest struct {
	AccountIdentifiers    []string `json:"accountIdentifiers,omitempty"`
	LogGroupNamePrefix    *string  `json:"logGroupNamePrefix,omitempty"`
	LogGroupNamePattern   *string  `json:"logGroupNamePattern,omitempty"`
	NextToken             *string  `json:"nextToken,omitempty"`
	Limit                 *int32   `json:"limit,omitempty"`
	IncludeLinkedAccounts *bool    `json:"includeLinkedAccounts,omitempty"`
	LogGroupClass         *string  `json:"logGroupClass,omitempty"`
	LogGroupIdentifiers   []string `json:"logGroupIdentifiers,omitempty"`
}

// DescribeLogGroupsResponse is DescribeLogGroups' output.
type DescribeLogGroupsResponse struct {
	LogGroups []LogGroup `json:"logGroups,omitzero"`
	NextToken *string    `json:"nextToken,omitempty"`
}

// LogGroup is a log group.
type LogGroup struct {
	LogGroupName                     *string  `json:"logGroupName,omitempty"`
	CreationTime                     *int64   `json:"creationTime,omitempty"`
	RetentionInDays                  *int32   `json:"retentionInDays,omitempty"`
	MetricFilterCount                *int32   `json:"metricFilterCount,omitempty"`
	Arn                              *string  `json:"arn,omitempty"`
	StoredBytes                      *int64   `json:"storedBytes,omitempty"`
	KmsKeyId                         *string  `json:"kmsKeyId,omitempty"`
	DataProtectionStatus             *string  `json:"dataProtectionStatus,omitempty"`
	InheritedProperties              []string `json:"inheritedProperties,omitempty"`
	LogGroupClass                    *string  `json:"logGroupClass,omitempty"`
	LogGroupArn                      *string  `json:"logGroupArn,omitempty"`
	DeletionProtectionEnabled        *bool    `json:"deletionProtectionEnabled,omitempty"`
	BearerTokenAuthenticationEnabled *bool    `json:"bearerTokenAuthenticationEnabled,omitempty"`
}

// PutMetricFilterRequest is PutMetricFilter's input.
type PutMetricFilterRequest struct {
	LogGroupName              *string                `json:"logGroupName,omitempty"`
	FilterName                *string                `json:"filterName,omitempty"`
	FilterPattern             *string                `json:"filterPattern,omitempty"`
	MetricTransformations     []MetricTransformation `json:"metricTransformations,omitempty"`
	ApplyOnTransformedLogs    *bool                  `json:"applyOnTransformedLogs,omitempty"`
	FieldSelectionCriteria    *string                `json:"fieldSelectionCriteria,omitempty"`
	EmitSystemFieldDimensions []string               `json:"emitSystemFieldDimensions,omitempty"`
}

// MetricTransformation says what a matching log event publishes.
type MetricTransformation struct {
	MetricName      *string           `json:"metricName,omitempty"`
	MetricNamespace *string           `json:"metricNamespace,omitempty"`
	MetricValue     *string           `json:"metricValue,omitempty"`
	DefaultValue    *float64          `json:"defaultValue,omitempty"`
	Dimensions      map[string]string `json:"dimensions,omitempty"`
	Unit            *string           `json:"unit,omitempty"`
}

// DescribeMetricFiltersRequest is DescribeMetricFilters' input.
type DescribeMetricFiltersRequest struct {
	LogGroupName     *string `json:"logGroupName,omitempty"`
	FilterNamePrefix *string `json:"filterNamePrefix,omitempty"`
	NextToken        *string `json:"nextToken,omitempty"`
	Limit            *int32  `json:"limit,omitempty"`
	MetricName       *string `json:"metricName,omitempty"`
	MetricNamespace  *string `json:"metricNamespace,omitempty"`
}

// DescribeMetricFiltersResponse is DescribeMetricFilters' output.
type DescribeMetricFiltersResponse struct {
	MetricFilters []MetricFilter `json:"metricFilters,omitzero"`
	NextToken     *string        `json:"nextToken,omitempty"`
}

// MetricFilter is a metric filter.
type MetricFilter struct {
	FilterName                *string                `json:"filterName,omitempty"`
	FilterPattern             *string                `json:"filterPattern,omitempty"`
	MetricTransformations     []MetricTransformation `json:"metricTransformations,omitempty"`
	CreationTime              *int64                 `json:"creationTime,omitempty"`
	LogGroupName              *string                `json:"logGroupName,omitempty"`
	ApplyOnTransformedLogs    *bool                  `json:"applyOnTransformedLogs,omitempty"`
	FieldSelectionCriteria    *string                `json:"fieldSelectionCriteria,omitempty"`
	EmitSystemFieldDimensions []string               `json:"emitSystemFieldDimensions,omitempty"`
}

// DeleteMetricFilterRequest is DeleteMetricFilter's input.
type DeleteMetricFilterRequest struct {
	LogGroupName *string `json:"logGroupName,omitempty"`
	FilterName   *string `json:"filterName,omitempty"`
}

// TestMetricFilterRequest is TestMetricFilter's input.
type TestMetricFilterRequest struct {
	FilterPattern    *string  `json:"filterPattern,omitempty"`
	LogEventMessages []string `json:"logEventMessages,omitempty"`
}

// TestMetricFilterResponse is TestMetricFilter's output.
type TestMetricFilterResponse struct {
	Matches []MetricFilterMatchRecord `json:"matches,omitzero"`
}

// MetricFilterMatchRecord is one message that matched.
type MetricFilterMatchRecord struct {
	EventNumber     *int64            `json:"eventNumber,omitempty"`
	EventMessage    *string           `json:"eventMessage,omitempty"`
	ExtractedValues map[string]string `json:"extractedValues,omitzero"`
}

// FilterLogEventsRequest is FilterLogEvents' input.
type FilterLogEventsRequest struct {
	LogGroupName        *string  `json:"logGroupName,omitempty"`
	LogGroupIdentifier  *string  `json:"logGroupIdentifier,omitempty"`
	LogStreamNames      []string `json:"logStreamNames,omitempty"`
	LogStreamNamePrefix *string  `json:"logStreamNamePrefix,omitempty"`
	StartTime           *int64   `json:"startTime,omitempty"`
	EndTime             *int64   `json:"endTime,omitempty"`
	FilterPattern       *string  `json:"filterPattern,omitempty"`
	NextToken           *string  `json:"nextToken,omitempty"`
	Limit               *int32   `json:"limit,omitempty"`
	Interleaved         *bool    `json:"interleaved,omitempty"`
	Unmask              *bool    `json:"unmask,omitempty"`
}

// FilterLogEventsResponse is FilterLogEvents' output.
type FilterLogEventsResponse struct {
	Events             []FilteredLogEvent  `json:"events,omitzero"`
	SearchedLogStreams []SearchedLogStream `json:"searchedLogStreams,omitzero"`
	NextToken          *string             `json:"nextToken,omitempty"`
}

// FilteredLogEvent is one log event.
type FilteredLogEvent struct {
	LogStreamName *string `json:"logStreamName,omitempty"`
	Timestamp     *int64  `json:"timestamp,omitempty"`
	Message       *string `json:"message,omitempty"`
	IngestionTime *int64  `json:"ingestionTime,omitempty"`
	EventId       *string `json:"eventId,omitempty"`
}

// SearchedLogStream is a log stream a search covered (deprecated by AWS;
// always empty here, as AWS now returns it).
type SearchedLogStream struct {
	LogStreamName      *string `json:"logStreamName,omitempty"`
	SearchedCompletely *bool   `json:"searchedCompletely,omitempty"`
}

// shapeRegistry maps model shape names to their Go types, for the model
// test.
var shapeRegistry = map[string]any{
	"CreateLogGroupRequest":         (*CreateLogGroupRequest)(nil),
	"DescribeLogGroupsRequest":      (*DescribeLogGroupsRequest)(nil),
	"DescribeLogGroupsResponse":     (*DescribeLogGroupsResponse)(nil),
	"LogGroup":                      (*LogGroup)(nil),
	"PutMetricFilterRequest":        (*PutMetricFilterRequest)(nil),
	"MetricTransformation":          (*MetricTransformation)(nil),
	"DescribeMetricFiltersRequest":  (*DescribeMetricFiltersRequest)(nil),
	"DescribeMetricFiltersResponse": (*DescribeMetricFiltersResponse)(nil),
	"MetricFilter":                  (*MetricFilter)(nil),
	"DeleteMetricFilterRequest":     (*DeleteMetricFilterRequest)(nil),
	"TestMetricFilterRequest":       (*TestMetricFilterRequest)(nil),
	"TestMetricFilterResponse":      (*TestMetricFilterResponse)(nil),
	"MetricFilterMatchRecord":       (*MetricFilterMatchRecord)(nil),
	"FilterLogEventsRequest":        (*FilterLogEventsRequest)(nil),
	"FilterLogEventsResponse":       (*FilterLogEventsResponse)(nil),
	"FilteredLogEvent":              (*FilteredLogEvent)(nil),
	"SearchedLogStream":             (*SearchedLogStream)(nil),
}
