package snsapi

import (
	"encoding/xml"

	"github.com/keyward/keyward/internal/awsproto/awsquery"
)

// Wire shapes, by hand; type names are the model's shape names. Inputs are
// bound to the model (less its map members, see maps.go) by awsquery,
// results checked against it when the table is built.

type (
	CreateTopicInput struct {
		Name                 string
		Tags                 []Tag
		DataProtectionPolicy string
	}
	Tag struct {
		Key   string
		Value string
	}
	DeleteTopicInput struct {
		TopicArn string
	}
	ListTopicsInput struct {
		NextToken string
	}
	GetTopicAttributesInput struct {
		TopicArn string
	}
	SetTopicAttributesInput struct {
		TopicArn       string
		AttributeName  string
		AttributeValue string
	}
	SubscribeInput struct {
		TopicArn              string
		Protocol              string
		Endpoint              string
		ReturnSubscriptionArn bool
	}
	ConfirmSubscriptionInput struct {
		TopicArn                  string
		Token                     string
		AuthenticateOnUnsubscribe string
	}
	UnsubscribeInput struct {
		SubscriptionArn string
	}
	ListSubscriptionsInput struct {
		NextToken string
	}
	ListSubscriptionsByTopicInput struct {
		TopicArn  string
		NextToken string
	}
	PublishInput struct {
		TopicArn               string
		TargetArn              string
		PhoneNumber            string
		Message                string
		Subject                string
		MessageStructure       string
		MessageDeduplicationID string `query:"MessageDeduplicationId"`
		MessageGroupID         string `query:"MessageGroupId"`
	}
)

type (
	CreateTopicResponse struct {
		TopicArn string `xml:"TopicArn"`
	}
	ListTopicsResponse struct {
		Topics    awsquery.List[Topic] `xml:"Topics"`
		NextToken string               `xml:"NextToken,omitempty"`
	}
	Topic struct {
		TopicArn string `xml:"TopicArn"`
	}
	// GetTopicAttributesResponse holds a map, which it writes itself (the
	// field is unexported, so awsquery's check of the result type skips
	// it).
	GetTopicAttributesResponse struct {
		attributes attributeMap
	}
	SubscribeResponse struct {
		SubscriptionArn string `xml:"SubscriptionArn"`
	}
	ConfirmSubscriptionResponse struct {
		SubscriptionArn string `xml:"SubscriptionArn"`
	}
	ListSubscriptionsResponse struct {
		Subscriptions awsquery.List[Subscription] `xml:"Subscriptions"`
		NextToken     string                      `xml:"NextToken,omitempty"`
	}
	ListSubscriptionsByTopicResponse struct {
		Subscriptions awsquery.List[Subscription] `xml:"Subscriptions"`
		NextToken     string                      `xml:"NextToken,omitempty"`
	}
	Subscription struct {
		SubscriptionArn string `xml:"SubscriptionArn"`
		Owner           string `xml:"Owner"`
		Protocol        string `xml:"Protocol"`
		Endpoint        string `xml:"Endpoint"`
		TopicArn        string `xml:"TopicArn"`
	}
	PublishResponse struct {
		MessageID string `xml:"MessageId"`
	}
)

// MarshalXML implements xml.Marshaler: <Attributes> with an <entry> per
// attribute.
func (r *GetTopicAttributesResponse) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	if err := r.attributes.MarshalXML(e, xml.StartElement{Name: xml.Name{Local: "Attributes"}}); err != nil {
		return err
	}
	return e.EncodeToken(start.End())
}
