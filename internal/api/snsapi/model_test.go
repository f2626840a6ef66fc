package snsapi

import (
	"testing"

	"github.com/keyward/keyward/internal/awsproto/awsquery/querytest"
)

const modelPath = "model/sns-2010-03-31.json"

// wantOps are the operations built here, sorted.
var wantOps = []string{
	"ConfirmSubscription", "CreateTopic", "DeleteTopic", "GetTopicAttributes", "ListSubscriptions",
	"ListSubscriptionsByTopic", "ListTopics", "Publish", "SetTopicAttributes", "Subscribe", "Unsubscribe",
}

// TestModelMatchesBotocore compares the committed model with the installed
// botocore's, reduced to the operations built here. It does not build the
// table, so that it can refresh the model for an operation being added.
func TestModelMatchesBotocore(t *testing.T) {
	querytest.CheckCommitted(t, modelPath, "sns", "2010-03-31", wantOps)
}
