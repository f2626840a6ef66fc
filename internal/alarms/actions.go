package alarms

import (
	"context"
	"errors"
	"strings"
)

// Alarm actions: on a change of state, each SNS topic of the new state's
// list receives CloudWatch's alarm message, published by Keyward itself.
// Every attempt becomes an Action history item, succeeded or failed.

// errNoNotifier is the failure recorded when no SNS service is wired.
var errNoNotifier = errors.New("no SNS service is configured")

// maxSubject is SNS's limit on a subject's length.
const maxSubject = 100

// actionsFor returns the actions an alarm runs on entering state.
func actionsFor(cfg *AlarmConfig, state string) []string {
	switch state {
	case StateAlarm:
		return cfg.AlarmActions
	case StateOK:
		return cfg.OKActions
	case StateInsufficientData:
		return cfg.InsufficientDataActions
	}
	return nil
}

// runActions publishes the alarm's notification to each topic of its new
// state and records the outcome in its history.
func (s *Service) runActions(ctx context.Context, a *Alarm, oldState string) {
	arns := actionsFor(&a.Config, a.State)
	if len(arns) == 0 {
		return
	}
	msg := alarmMessage(a, oldState)
	subject := alarmSubject(a)
	items := make([]HistoryItem, 0, len(arns))
	for _, arn := range arns {
		var id string
		err := errNoNotifier
		if s.notifier != nil {
			id, err = s.notifier.PublishSystem(ctx, arn, subject, msg)
		}
		item := HistoryItem{Account: a.Account, Region: a.Region, AlarmName: a.Name, Time: s.now(), Type: HistoryAction}
		data := map[string]any{"actionState": "Succeeded", "stateUpdateTimestamp": a.StateUpdated.UnixMilli(), "notificationResource": arn}
		if err != nil {
			s.log.Error("alarm action failed", "alarm", a.ARN(), "action", arn, "state", a.State, "err", err)
			item.Summary = bound("Failed to execute action "+arn, maxSummary)
			data["actionState"] = "Failed"
			data["error"] = bound(err.Error(), 1024)
		} else {
			s.log.Info("alarm action executed", "alarm", a.ARN(), "action", arn, "state", a.State, "message_id", id)
			item.Summary = bound("Successfully executed action "+arn, maxSummary)
			data["publishedMessage"] = map[string]any{"messageId": id, "message": msg}
		}
		item.Data = marshalJSON(data)
		if len(item.Data) > maxHistoryData {
			if pm, ok := data["publishedMessage"].(map[string]any); ok {
				delete(pm, "message")
			}
			item.Data = marshalJSON(data)
		}
		items = append(items, item)
	}
	if err := s.store.AddAlarmHistory(ctx, items); err != nil {
		s.log.Error("recording alarm actions", "alarm", a.ARN(), "err", err)
	}
}

// alarmSubject is the notification's subject: `ALARM: "name" in <Region>`,
// cut to SNS's 100 characters.
func alarmSubject(a *Alarm) string {
	tail := `" in ` + regionName(a.Region)
	head := a.State + `: "`
	name := a.Name
	if room := maxSubject - len(head) - len(tail); len(name) > room {
		name = bound(name, max(room, 0))
	}
	return bound(head+name+tail, maxSubject)
}

// alarmMessage is CloudWatch's SNS alarm notification, field for field.
func alarmMessage(a *Alarm, oldState string) string {
	type dimension struct {
		Value string `json:"value"`
		Name  string `json:"name"`
	}
	type trigger struct {
		MetricName                       string      `json:"MetricName"`
		Namespace                        string      `json:"Namespace"`
		StatisticType                    string      `json:"StatisticType"`
		Statistic                        string      `json:"Statistic"`
		Unit                             *string     `json:"Unit"`
		Dimensions                       []dimension `json:"Dimensions"`
		Period                           int32       `json:"Period"`
		EvaluationPeriods                int32       `json:"EvaluationPeriods"`
		DatapointsToAlarm                int32       `json:"DatapointsToAlarm"`
		ComparisonOperator               string      `json:"ComparisonOperator"`
		Threshold                        javaNumber  `json:"Threshold"`
		TreatMissingData                 string      `json:"TreatMissingData"`
		EvaluateLowSampleCountPercentile string      `json:"EvaluateLowSampleCountPercentile"`
	}
	type message struct {
		AlarmName                          string   `json:"AlarmName"`
		AlarmDescription                   *string  `json:"AlarmDescription"`
		AWSAccountID                       string   `json:"AWSAccountId"`
		AlarmConfigurationUpdatedTimestamp string   `json:"AlarmConfigurationUpdatedTimestamp"`
		NewStateValue                      string   `json:"NewStateValue"`
		NewStateReason                     string   `json:"NewStateReason"`
		StateChangeTime                    string   `json:"StateChangeTime"`
		Region                             string   `json:"Region"`
		AlarmARN                           string   `json:"AlarmArn"`
		OldStateValue                      string   `json:"OldStateValue"`
		OKActions                          []string `json:"OKActions"`
		AlarmActions                       []string `json:"AlarmActions"`
		InsufficientDataActions            []string `json:"InsufficientDataActions"`
		Trigger                            trigger  `json:"Trigger"`
	}
	cfg := &a.Config
	m := message{
		AlarmName: a.Name, AWSAccountID: a.Account, AlarmConfigurationUpdatedTimestamp: awsTime(a.ConfigUpdated),
		NewStateValue: a.State, NewStateReason: a.StateReason, StateChangeTime: awsTime(a.StateUpdated),
		Region: regionName(a.Region), AlarmARN: a.ARN(), OldStateValue: oldState,
		OKActions: nonNil(cfg.OKActions), AlarmActions: nonNil(cfg.AlarmActions), InsufficientDataActions: nonNil(cfg.InsufficientDataActions),
		Trigger: trigger{MetricName: cfg.MetricName, Namespace: cfg.Namespace, StatisticType: "Statistic",
			Statistic: strings.ToUpper(statisticWire(cfg.Statistic)), Dimensions: []dimension{},
			Period: cfg.Period, EvaluationPeriods: cfg.EvaluationPeriods, DatapointsToAlarm: cfg.DatapointsToAlarm,
			ComparisonOperator: cfg.ComparisonOperator, Threshold: javaNumber(cfg.Threshold),
			TreatMissingData: treatMissingOrDefault(cfg.TreatMissingData)},
	}
	if cfg.Description != "" {
		m.AlarmDescription = &cfg.Description
	}
	if cfg.Unit != "" {
		m.Trigger.Unit = &cfg.Unit
	}
	for _, d := range cfg.Dimensions {
		m.Trigger.Dimensions = append(m.Trigger.Dimensions, dimension{Value: d.Value, Name: d.Name})
	}
	return marshalJSON(m)
}

// statisticWire is the statistic's name in the message (SampleCount is
// SAMPLE_COUNT).
func statisticWire(s string) string {
	if s == StatSampleCount {
		return "Sample_Count"
	}
	return s
}

// regionNames are the long region names CloudWatch writes in messages.
var regionNames = map[string]string{
	"us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)",
	"us-west-1": "US West (N. California)", "us-west-2": "US West (Oregon)",
	"ca-central-1": "Canada (Central)", "sa-east-1": "South America (Sao Paulo)",
	"eu-west-1": "EU (Ireland)", "eu-west-2": "EU (London)", "eu-west-3": "EU (Paris)",
	"eu-central-1": "EU (Frankfurt)", "eu-central-2": "EU (Zurich)", "eu-north-1": "EU (Stockholm)",
	"eu-south-1": "EU (Milan)", "eu-south-2": "EU (Spain)",
	"ap-east-1": "Asia Pacific (Hong Kong)", "ap-south-1": "Asia Pacific (Mumbai)",
	"ap-southeast-1": "Asia Pacific (Singapore)", "ap-southeast-2": "Asia Pacific (Sydney)",
	"ap-northeast-1": "Asia Pacific (Tokyo)", "ap-northeast-2": "Asia Pacific (Seoul)",
	"ap-northeast-3": "Asia Pacific (Osaka)", "me-south-1": "Middle East (Bahrain)",
	"af-south-1": "Africa (Cape Town)",
}

func regionName(r string) string {
	if n, ok := regionNames[r]; ok {
		return n
	}
	return r
}
