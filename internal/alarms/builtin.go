package alarms

import (
	"context"
	"encoding/json"

	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/internal/errs"
)

// The built-in alarm: any use of a disabled or pending-deletion key. It is
// an ordinary metric filter and alarm, created in the account when missing,
// so that operators see it (DescribeMetricFilters, DescribeAlarms), can
// change its actions, or delete it (it comes back at the next start unless
// Builtin.Disabled is set).
const (
	// BuiltinName names the built-in metric filter and alarm.
	BuiltinName = "keyward-disabled-key-use"
	// BuiltinNamespace and BuiltinMetric name the metric it counts.
	BuiltinNamespace = "Keyward"
	BuiltinMetric    = "DisabledKeyUse"
	// BuiltinPattern matches KMS calls refused because the key is disabled
	// or in another state that forbids the call (pending deletion, …).
	BuiltinPattern = `{ ($.eventSource = "kms.amazonaws.com") && (($.errorCode = "DisabledException") || ($.errorCode = "KMSInvalidStateException")) }`
)

// EnsureBuiltins creates the built-in metric filter and alarm in account
// when they are missing. It does nothing when the built-in alarm is
// disabled.
func (s *Service) EnsureBuiltins(ctx context.Context, account string) error {
	if s.builtin.Disabled {
		return nil
	}
	region := s.builtin.Region
	fs, err := s.store.ListMetricFilters(ctx, account, region, s.auditGroup)
	if err != nil {
		return err
	}
	found := false
	for _, f := range fs {
		found = found || f.Name == BuiltinName
	}
	if !found {
		f := &MetricFilter{Account: account, Region: region, LogGroup: s.auditGroup, Name: BuiltinName,
			Pattern: BuiltinPattern, Created: s.now(),
			Transformations: []MetricTransformation{{MetricName: BuiltinMetric, Namespace: BuiltinNamespace, Value: "1", Unit: "Count"}}}
		if err := s.store.PutMetricFilter(ctx, f, MaxFiltersPerGroup); err != nil {
			return err
		}
		s.filtersGen.Add(1)
	}
	_, err = s.store.GetAlarm(ctx, account, region, BuiltinName)
	if err == nil || !errs.Is(err, errs.NotFound) {
		return err
	}
	cfg := AlarmConfig{
		Description: "Keyward built-in alarm: a KMS call used a disabled key or a key pending deletion " +
			"(DisabledException, KMSInvalidStateException). Something still depends on the key; find the caller " +
			"with FilterLogEvents on the " + s.auditGroup + " log group before the key is deleted for good.",
		ActionsEnabled: true, MetricName: BuiltinMetric, Namespace: BuiltinNamespace, Statistic: "Sum",
		Period: 60, EvaluationPeriods: 1, DatapointsToAlarm: 1, Threshold: 1,
		ComparisonOperator: "GreaterThanOrEqualToThreshold", TreatMissingData: "notBreaching",
	}
	if s.builtin.TopicARN != "" {
		cfg.AlarmActions = []string{s.builtin.TopicARN}
	}
	a := s.newAlarm(account, region, BuiltinName, cfg)
	err = s.store.CreateAlarm(ctx, a, []HistoryItem{s.configHistory(a, nil, "Create")})
	if errs.Is(err, errs.AlreadyExists) {
		return nil // another node made it
	}
	if err != nil {
		return err
	}
	// Evaluated at once, as PutMetricAlarm does: with no data it is OK.
	s.evalMu.Lock()
	defer s.evalMu.Unlock()
	if err := s.evaluate(ctx, a, s.now()); err != nil && !errs.Is(err, errs.Conflict) {
		s.log.Error("evaluating the built-in alarm", "alarm", a.ARN(), "err", err)
	}
	return nil
}

// logDisabledKeyUse writes the built-in alarm's immediate log line for an
// event that used a disabled or pending-deletion key.
func (s *Service) logDisabledKeyUse(ev *audit.Event) {
	if s.builtin.Disabled || ev.EventSource != audit.SourceKMS ||
		(ev.ErrorCode != "DisabledException" && ev.ErrorCode != "KMSInvalidStateException") {
		return
	}
	key := ""
	for _, r := range ev.Resources {
		if r.Type == audit.ResourceTypeKMSKey {
			key = r.ARN
			break
		}
	}
	if key == "" && len(ev.RequestParameters) > 0 {
		var p struct {
			KeyID string `json:"keyId"`
		}
		_ = json.Unmarshal(ev.RequestParameters, &p)
		key = p.KeyID
	}
	s.log.Error("KMS key use refused: the key is disabled or pending deletion, and something still uses it",
		"key", key, "caller", ev.UserIdentity.ARN, "account", eventAccount(ev), "operation", ev.EventName,
		"error_code", ev.ErrorCode, "error_message", ev.ErrorMessage, "event_id", ev.EventID,
		"source_ip", ev.SourceIPAddress, "region", ev.AWSRegion, "event_time", ev.EventTime.UTC())
}
