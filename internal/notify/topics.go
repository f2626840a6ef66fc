package notify

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
)

// This file declares the topic operations. Each asks authz whether the
// caller may perform sns:<Action> on the topic's ARN (sns:ListTopics on
// "*") before it reads anything, and returns *errs.Error values whose codes
// snsapi maps to SNS's: errs.Validation → InvalidParameter (messages
// "Invalid parameter: …"), errs.NotFound → NotFound ("Topic does not
// exist"), errs.AccessDenied → AuthorizationError.

// CreateTopicInput is what CreateTopic takes.
type CreateTopicInput struct {
	Name       string
	Attributes map[string]string // DisplayName; SignatureVersion "2"; FifoTopic "false"
	Tags       []Tag
}

// maxTags is SNS's limit of tags per topic.
const maxTags = 50

// CreateTopic creates a topic in the caller's account and region and
// returns its ARN. Like SNS it is idempotent: creating a topic that exists
// with the same attributes and tags returns its ARN.
func (s *Service) CreateTopic(ctx context.Context, c *authz.Caller, in CreateTopicInput) (string, error) {
	if c == nil {
		return "", errs.E(errs.AccessDenied, "not authorized")
	}
	if err := validTopicName(in.Name); err != nil {
		return "", err
	}
	if !isRegion(c.Region) {
		return "", invalid("TopicArn")
	}
	arn := topicARN(c.Region, c.Account, in.Name)
	noteTopic(ctx, arn, c.Account)
	if err := s.authorize(ctx, c, "sns:CreateTopic", arn, c.Account); err != nil {
		return "", err
	}
	displayName, err := topicAttributes(in.Attributes)
	if err != nil {
		return "", err
	}
	if err := validTags(in.Tags); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &Topic{ARN: arn, Account: c.Account, Region: c.Region, Name: in.Name, DisplayName: displayName,
		Tags: slices.Clone(in.Tags), Created: s.now()}
	err = s.store.CreateTopic(ctx, t)
	if errs.Is(err, errs.AlreadyExists) {
		old, gerr := s.store.GetTopic(ctx, arn)
		if gerr != nil {
			return "", gerr
		}
		return arn, sameTopic(old, in.Attributes, in.Tags)
	}
	if err != nil {
		return "", err
	}
	s.log.Info("sns topic created", "topic", arn)
	return arn, nil
}

// sameTopic answers a CreateTopic of an existing topic: the attributes
// given must have the topic's values, and the tags given must all be
// among its tags.
func sameTopic(t *Topic, attrs map[string]string, tags []Tag) error {
	if v, ok := attrs["DisplayName"]; ok && v != t.DisplayName {
		return invalid("Attributes Reason: Topic already exists with different attributes")
	}
	for _, tag := range tags {
		if !slices.Contains(t.Tags, tag) {
			return invalid("Tags Reason: Topic already exists with different tags")
		}
	}
	return nil
}

// unsupportedTopicAttributes are SNS topic attributes this server does
// not implement: setting one is refused rather than silently ignored.
var unsupportedTopicAttributes = []string{
	"Policy", "DeliveryPolicy", "KmsMasterKeyId", "TracingConfig", "ContentBasedDeduplication",
	"ArchivePolicy", "FifoThroughputScope", "DataProtectionPolicy",
	"HTTPSuccessFeedbackRoleArn", "HTTPFailureFeedbackRoleArn", "HTTPSuccessFeedbackSampleRate",
	"ApplicationSuccessFeedbackRoleArn", "ApplicationFailureFeedbackRoleArn", "ApplicationSuccessFeedbackSampleRate",
	"FirehoseSuccessFeedbackRoleArn", "FirehoseFailureFeedbackRoleArn", "FirehoseSuccessFeedbackSampleRate",
	"LambdaSuccessFeedbackRoleArn", "LambdaFailureFeedbackRoleArn", "LambdaSuccessFeedbackSampleRate",
	"SQSSuccessFeedbackRoleArn", "SQSFailureFeedbackRoleArn", "SQSSuccessFeedbackSampleRate",
}

// topicAttributes checks CreateTopic's attributes and returns the display
// name.
func topicAttributes(attrs map[string]string) (string, error) {
	var displayName string
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		v := attrs[name]
		switch name {
		case "DisplayName":
			if err := validDisplayName(v); err != nil {
				return "", err
			}
			displayName = v
		case "SignatureVersion":
			if v != signatureVersion {
				return "", invalid("Attributes Reason: SignatureVersion " + printable(v) + " is not supported by this server; messages are signed with SignatureVersion 2")
			}
		case "FifoTopic":
			if !strings.EqualFold(v, "false") {
				return "", invalid("Attributes Reason: FIFO topics are not supported by this server.")
			}
		default:
			return "", unsupportedAttribute("Attributes Reason: ", name)
		}
	}
	return displayName, nil
}

func unsupportedAttribute(prefix, name string) error {
	if slices.Contains(unsupportedTopicAttributes, name) {
		return invalid(prefix + name + " is not supported by this server.")
	}
	return invalid("AttributeName")
}

// validDisplayName checks SNS's rule: at most 100 characters, no control
// characters but tabs. It becomes the sender's name in email.
func validDisplayName(v string) error {
	if utf8.RuneCountInString(v) > 100 || !utf8.ValidString(v) {
		return invalid("DisplayName")
	}
	for _, r := range v {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return invalid("DisplayName")
		}
	}
	return nil
}

func validTags(tags []Tag) error {
	if len(tags) > maxTags {
		return errs.E(CodeTagLimitExceeded, "Could not complete request: tag quota of per resource exceeded")
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if seen[t.Key] {
			return invalid("Duplicated keys are not allowed.")
		}
		seen[t.Key] = true
	}
	return nil
}

// DeleteTopic deletes a topic and its subscriptions. Like SNS it is
// idempotent: deleting a topic that does not exist succeeds. Deliveries
// still pending for its subscriptions are given up when they come due.
func (s *Service) DeleteTopic(ctx context.Context, c *authz.Caller, arn string) error {
	p, err := parseTopicARN(c, "TopicArn", arn)
	if err != nil {
		return err
	}
	noteTopic(ctx, arn, p.account)
	if err := s.authorize(ctx, c, "sns:DeleteTopic", arn, p.account); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.store.DeleteTopic(ctx, arn); err != nil && !errs.Is(err, errs.NotFound) {
		return err
	}
	s.log.Info("sns topic deleted", "topic", arn)
	return nil
}

// ListTopics lists the topics of the caller's account and region, 100 at
// a time, in ARN order; the token returned is "" on the last page.
func (s *Service) ListTopics(ctx context.Context, c *authz.Caller, nextToken string) ([]*Topic, string, error) {
	if c == nil {
		return nil, "", errs.E(errs.AccessDenied, "not authorized")
	}
	if err := s.authorize(ctx, c, "sns:ListTopics", "*", c.Account); err != nil {
		return nil, "", err
	}
	after, err := decodePageToken(nextToken)
	if err != nil {
		return nil, "", err
	}
	ts, err := s.store.ListTopics(ctx, c.Account, c.Region, after, pageSize+1)
	if err != nil {
		return nil, "", err
	}
	if len(ts) > pageSize {
		return ts[:pageSize], encodePageToken(ts[pageSize-1].ARN), nil
	}
	return ts, "", nil
}

// GetTopicAttributes returns a topic's attributes as SNS names them:
// TopicArn, Owner, Policy (SNS's default policy, which Keyward shows but
// does not evaluate: access is decided by identity policies), DisplayName,
// SubscriptionsConfirmed, SubscriptionsPending, SubscriptionsDeleted,
// EffectiveDeliveryPolicy (this server's retry policy) and
// SignatureVersion.
func (s *Service) GetTopicAttributes(ctx context.Context, c *authz.Caller, arn string) (map[string]string, error) {
	p, err := parseTopicARN(c, "TopicArn", arn)
	if err != nil {
		return nil, err
	}
	noteTopic(ctx, arn, p.account)
	if err := s.authorize(ctx, c, "sns:GetTopicAttributes", arn, p.account); err != nil {
		return nil, err
	}
	t, err := s.store.GetTopic(ctx, arn)
	if errs.Is(err, errs.NotFound) {
		return nil, topicNotFound()
	}
	if err != nil {
		return nil, err
	}
	confirmed, pending, err := s.store.CountSubscriptions(ctx, arn)
	if err != nil {
		return nil, err
	}
	return map[string]string{
		"TopicArn":                t.ARN,
		"Owner":                   t.Account,
		"Policy":                  defaultPolicy(t),
		"DisplayName":             t.DisplayName,
		"SubscriptionsConfirmed":  strconv.Itoa(confirmed),
		"SubscriptionsPending":    strconv.Itoa(pending),
		"SubscriptionsDeleted":    "0",
		"EffectiveDeliveryPolicy": s.retry.deliveryPolicy(),
		"SignatureVersion":        signatureVersion,
	}, nil
}

// SetTopicAttributes sets one attribute of a topic. Only DisplayName can
// be set; the other SNS attributes are refused.
func (s *Service) SetTopicAttributes(ctx context.Context, c *authz.Caller, arn, name, value string) error {
	p, err := parseTopicARN(c, "TopicArn", arn)
	if err != nil {
		return err
	}
	noteTopic(ctx, arn, p.account)
	if err := s.authorize(ctx, c, "sns:SetTopicAttributes", arn, p.account); err != nil {
		return err
	}
	if name != "DisplayName" {
		return unsupportedAttribute("", name)
	}
	if err := validDisplayName(value); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	err = s.store.SetTopicDisplayName(ctx, arn, value)
	if errs.Is(err, errs.NotFound) {
		return topicNotFound()
	}
	return err
}

// defaultPolicy is the policy SNS gives every new topic: the topic's own
// account may do everything with it.
func defaultPolicy(t *Topic) string {
	type statement struct {
		Effect    string                       `json:"Effect"`
		Sid       string                       `json:"Sid"`
		Principal map[string]string            `json:"Principal"`
		Action    []string                     `json:"Action"`
		Resource  string                       `json:"Resource"`
		Condition map[string]map[string]string `json:"Condition"`
	}
	doc := struct {
		Version   string      `json:"Version"`
		ID        string      `json:"Id"`
		Statement []statement `json:"Statement"`
	}{
		Version: "2008-10-17",
		ID:      "__default_policy_ID",
		Statement: []statement{{
			Effect:    "Allow",
			Sid:       "__default_statement_ID",
			Principal: map[string]string{"AWS": "*"},
			Action: []string{"SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
				"SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"},
			Resource:  t.ARN,
			Condition: map[string]map[string]string{"StringEquals": {"AWS:SourceOwner": t.Account}},
		}},
	}
	b, _ := json.Marshal(doc)
	return string(b)
}
