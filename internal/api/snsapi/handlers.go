package snsapi

import (
	"context"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/awsproto/awsquery"
	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/notify"
)

type handlers struct {
	svc *notify.Service
}

func (h *handlers) createTopic(ctx context.Context, c *authz.Caller, in *CreateTopicInput) (*CreateTopicResponse, error) {
	if in.DataProtectionPolicy != "" {
		return nil, errs.E(errs.Validation, "Invalid parameter: DataProtectionPolicy Reason: data protection policies are not supported by this server.")
	}
	tags := make([]notify.Tag, len(in.Tags))
	for i, t := range in.Tags {
		tags[i] = notify.Tag{Key: t.Key, Value: t.Value}
	}
	arn, err := h.svc.CreateTopic(ctx, c, notify.CreateTopicInput{Name: in.Name, Attributes: mapsFrom(ctx).attributes, Tags: tags})
	if err != nil {
		return nil, err
	}
	return &CreateTopicResponse{TopicArn: arn}, nil
}

func (h *handlers) deleteTopic(ctx context.Context, c *authz.Caller, in *DeleteTopicInput) (*awsquery.NoOutput, error) {
	return noOutput, h.svc.DeleteTopic(ctx, c, in.TopicArn)
}

func (h *handlers) listTopics(ctx context.Context, c *authz.Caller, in *ListTopicsInput) (*ListTopicsResponse, error) {
	ts, next, err := h.svc.ListTopics(ctx, c, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &ListTopicsResponse{Topics: make(awsquery.List[Topic], len(ts)), NextToken: next}
	for i, t := range ts {
		out.Topics[i] = Topic{TopicArn: t.ARN}
	}
	return out, nil
}

func (h *handlers) getTopicAttributes(ctx context.Context, c *authz.Caller, in *GetTopicAttributesInput) (*GetTopicAttributesResponse, error) {
	attrs, err := h.svc.GetTopicAttributes(ctx, c, in.TopicArn)
	if err != nil {
		return nil, err
	}
	return &GetTopicAttributesResponse{attributes: attrs}, nil
}

func (h *handlers) setTopicAttributes(ctx context.Context, c *authz.Caller, in *SetTopicAttributesInput) (*awsquery.NoOutput, error) {
	return noOutput, h.svc.SetTopicAttributes(ctx, c, in.TopicArn, in.AttributeName, in.AttributeValue)
}

func (h *handlers) subscribe(ctx context.Context, c *authz.Caller, in *SubscribeInput) (*SubscribeResponse, error) {
	arn, err := h.svc.Subscribe(ctx, c, notify.SubscribeInput{
		TopicARN: in.TopicArn, Protocol: in.Protocol, Endpoint: in.Endpoint,
		Attributes: mapsFrom(ctx).attributes, ReturnSubscriptionARN: in.ReturnSubscriptionArn,
	})
	if err != nil {
		return nil, err
	}
	return &SubscribeResponse{SubscriptionArn: arn}, nil
}

// confirmSubscription runs with the request's caller, or with none for the
// unsigned GET of a SubscribeURL (see the package doc).
func (h *handlers) confirmSubscription(ctx context.Context, in *ConfirmSubscriptionInput) (*ConfirmSubscriptionResponse, error) {
	arn, err := h.svc.ConfirmSubscription(ctx, authz.CallerFrom(ctx), in.TopicArn, in.Token, in.AuthenticateOnUnsubscribe)
	if err != nil {
		return nil, err
	}
	return &ConfirmSubscriptionResponse{SubscriptionArn: arn}, nil
}

func (h *handlers) unsubscribe(ctx context.Context, c *authz.Caller, in *UnsubscribeInput) (*awsquery.NoOutput, error) {
	return noOutput, h.svc.Unsubscribe(ctx, c, in.SubscriptionArn)
}

// pendingARN is what listings show as the ARN of a subscription that awaits
// confirmation, as SNS does.
const pendingARN = "PendingConfirmation"

func wireSubscriptions(subs []*notify.Subscription) awsquery.List[Subscription] {
	out := make(awsquery.List[Subscription], len(subs))
	for i, s := range subs {
		arn := s.ARN
		if s.Pending() {
			arn = pendingARN
		}
		out[i] = Subscription{SubscriptionArn: arn, Owner: s.Owner, Protocol: s.Protocol, Endpoint: s.Endpoint, TopicArn: s.TopicARN}
	}
	return out
}

func (h *handlers) listSubscriptions(ctx context.Context, c *authz.Caller, in *ListSubscriptionsInput) (*ListSubscriptionsResponse, error) {
	subs, next, err := h.svc.ListSubscriptions(ctx, c, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &ListSubscriptionsResponse{Subscriptions: wireSubscriptions(subs), NextToken: next}, nil
}

func (h *handlers) listSubscriptionsByTopic(ctx context.Context, c *authz.Caller, in *ListSubscriptionsByTopicInput) (*ListSubscriptionsByTopicResponse, error) {
	subs, next, err := h.svc.ListSubscriptionsByTopic(ctx, c, in.TopicArn, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &ListSubscriptionsByTopicResponse{Subscriptions: wireSubscriptions(subs), NextToken: next}, nil
}

func (h *handlers) publish(ctx context.Context, c *authz.Caller, in *PublishInput) (*PublishResponse, error) {
	id, err := h.svc.PublishMessage(ctx, c, &notify.PublishInput{
		TopicARN: in.TopicArn, TargetARN: in.TargetArn, PhoneNumber: in.PhoneNumber,
		Subject: in.Subject, Message: in.Message, MessageStructure: in.MessageStructure,
		MessageAttributes:      mapsFrom(ctx).messageAttributes,
		MessageGroupID:         in.MessageGroupID,
		MessageDeduplicationID: in.MessageDeduplicationID,
	})
	if err != nil {
		return nil, err
	}
	return &PublishResponse{MessageID: id}, nil
}
