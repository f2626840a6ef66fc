package logsapi

import "github.com/keyward/keyward/internal/awsproto/shapecheck"

// The model's string shapes this package checks.
var (
	logGroupNameRule  = shapecheck.StrRule{Min: 1, Max: 512, Pattern: shapecheck.Anchored(`[\.\-_/#A-Za-z0-9]+`), PatternText: `[\.\-_/#A-Za-z0-9]+`}
	groupPatternRule  = shapecheck.StrRule{Min: 0, Max: 512, Pattern: shapecheck.Anchored(`[\.\-_/#A-Za-z0-9]*`), PatternText: `[\.\-_/#A-Za-z0-9]*`}
	groupIDRule       = shapecheck.StrRule{Min: 1, Max: 2048, Pattern: shapecheck.Anchored(`[\w#+=/:,.@-]*`), PatternText: `[\w#+=/:,.@-]*`}
	filterNameRule    = shapecheck.StrRule{Min: 1, Max: 512, Pattern: shapecheck.Anchored(`[^:*]*`), PatternText: `[^:*]*`}
	streamNameRule    = shapecheck.StrRule{Min: 1, Max: 512, Pattern: shapecheck.Anchored(`[^:*]*`), PatternText: `[^:*]*`}
	filterPatternRule = shapecheck.StrRule{Min: 0, Max: 1024}
	metricNameRule    = shapecheck.StrRule{Min: -1, Max: 255, Pattern: shapecheck.Anchored(`[^:*$]*`), PatternText: `[^:*$]*`}
	metricValueRule   = shapecheck.StrRule{Min: -1, Max: 100}
	nextTokenRule     = shapecheck.StrRule{Min: 1, Max: -1}
	kmsKeyRule        = shapecheck.StrRule{Min: -1, Max: 256}
	dimensionRule     = shapecheck.StrRule{Min: -1, Max: 255}
	eventMessageRule  = shapecheck.StrRule{Min: 1, Max: -1}
	unitRule          = shapecheck.Enum("Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes",
		"Megabytes", "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
		"Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
		"Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None")
	groupClassRule = shapecheck.Enum("STANDARD", "INFREQUENT_ACCESS", "DELIVERY")
)
