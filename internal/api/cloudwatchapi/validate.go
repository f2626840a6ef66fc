package cloudwatchapi

import "github.com/keyward/keyward/internal/awsproto/shapecheck"

// The model's string shapes this package checks.
var (
	alarmNameRule   = shapecheck.StrRule{Min: 1, Max: 255}
	descriptionRule = shapecheck.StrRule{Min: 0, Max: 1024}
	metricNameRule  = shapecheck.StrRule{Min: 1, Max: 255}
	namespaceRule   = shapecheck.StrRule{Min: 1, Max: 255, Pattern: shapecheck.Anchored(`[^:].*`), PatternText: `[^:].*`}
	dimNameRule     = shapecheck.StrRule{Min: 1, Max: 255}
	dimValueRule    = shapecheck.StrRule{Min: 1, Max: 1024}
	treatRule       = shapecheck.StrRule{Min: 1, Max: 255}
	tagKeyRule      = shapecheck.StrRule{Min: 1, Max: 128}
	tagValueRule    = shapecheck.StrRule{Min: 0, Max: 256}
	actionPrefix    = shapecheck.StrRule{Min: 1, Max: 1024}
	stateReasonRule = shapecheck.StrRule{Min: 0, Max: 1023}
	reasonDataRule  = shapecheck.StrRule{Min: 0, Max: 4000}
	metricIDRule    = shapecheck.StrRule{Min: 1, Max: 255}
	expressionRule  = shapecheck.StrRule{Min: 1, Max: 2048}
	accountRule     = shapecheck.StrRule{Min: 1, Max: 255}
	statisticRule   = shapecheck.Enum("SampleCount", "Average", "Sum", "Minimum", "Maximum")
	stateRule       = shapecheck.Enum("OK", "ALARM", "INSUFFICIENT_DATA")
	alarmTypeRule   = shapecheck.Enum("CompositeAlarm", "MetricAlarm")
	historyTypeRule = shapecheck.Enum("ConfigurationUpdate", "StateUpdate", "Action", "AlarmContributorStateUpdate", "AlarmContributorAction")
	scanByRule      = shapecheck.Enum("TimestampDescending", "TimestampAscending")
	recentlyRule    = shapecheck.Enum("PT3H")
	comparisonRule  = shapecheck.Enum("GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold",
		"LessThanOrEqualToThreshold", "LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold")
	unitRule = shapecheck.Enum("Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
		"Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second", "Kilobytes/Second",
		"Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second",
		"Gigabits/Second", "Terabits/Second", "Count/Second", "None")
)
