package storagetest

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/notify"
)

var notifyTests = []test{
	{"topic-create-get", testTopicCreateGet},
	{"topic-list", testTopicList},
	{"topic-display-name", testTopicDisplayName},
	{"topic-delete-cascades", testTopicDeleteCascades},
	{"subscription-create-get", testSubscriptionCreateGet},
	{"subscription-conflicts", testSubscriptionConflicts},
	{"subscription-find", testSubscriptionFind},
	{"subscription-update", testSubscriptionUpdate},
	{"subscription-list-count", testSubscriptionListCount},
	{"delivery-enqueue-list", testDeliveryEnqueueList},
	{"delivery-claim-lease", testDeliveryClaimLease},
	{"delivery-update-purge", testDeliveryUpdatePurge},
	{"signing-keys", testSigningKeys},
}

// The delivery queue is global (one queue for every account, as a node's
// workers claim from it), and so are NextDeliveryDue and PurgeDeliveries.
// Tests that claim or purge use times in their own era, long before any
// other fixture, so that a shared database does not mix their work.
var queueEra = time.Date(1801, time.January, 1, 0, 0, 0, 0, time.UTC)

func newTopic(sc scope, name string) *notify.Topic {
	return &notify.Topic{
		ARN:     "arn:aws:sns:" + sc.region + ":" + sc.account + ":" + name,
		Account: sc.account, Region: sc.region, Name: name, Created: base,
	}
}

func createTopic(t *testing.T, s Stores, tp *notify.Topic) *notify.Topic {
	t.Helper()
	if err := s.CreateTopic(ctx(t), tp); err != nil {
		t.Fatalf("CreateTopic %s: %v", tp.ARN, err)
	}
	return tp
}

func getTopic(t *testing.T, s Stores, arn string) *notify.Topic {
	t.Helper()
	tp, err := s.GetTopic(ctx(t), arn)
	if err != nil {
		t.Fatalf("GetTopic %s: %v", arn, err)
	}
	return tp
}

func newSubscription(t *testing.T, tp *notify.Topic, protocol, endpoint string) *notify.Subscription {
	return &notify.Subscription{
		ARN: tp.ARN + ":" + randUUID(t), TopicARN: tp.ARN, Account: tp.Account, Region: tp.Region,
		Owner: tp.Account, Protocol: protocol, Endpoint: endpoint, Created: base,
	}
}

func createSubscription(t *testing.T, s Stores, sub *notify.Subscription) *notify.Subscription {
	t.Helper()
	if err := s.CreateSubscription(ctx(t), sub); err != nil {
		t.Fatalf("CreateSubscription %s: %v", sub.ARN, err)
	}
	return sub
}

func getSubscription(t *testing.T, s Stores, arn string) *notify.Subscription {
	t.Helper()
	sub, err := s.GetSubscription(ctx(t), arn)
	if err != nil {
		t.Fatalf("GetSubscription %s: %v", arn, err)
	}
	return sub
}

func testTopicCreateGet(t *testing.T, s Stores) {
	sc := newScope(t)
	plain := createTopic(t, s, newTopic(sc, "plain"))
	same(t, "topic", plain, getTopic(t, s, plain.ARN))

	full := newTopic(sc, "full_topic-1")
	full.DisplayName = "Key alarms \t(prod) ✓"
	full.Tags = []notify.Tag{{Key: "team", Value: "platform"}, {Key: "env", Value: ""}, {Key: "a", Value: "z"}}
	full.Created = base.Add(time.Millisecond).In(time.FixedZone("IST", 5*3600+1800))
	createTopic(t, s, full)
	same(t, "topic with tags", full, getTopic(t, s, full.ARN))

	dup := newTopic(sc, "plain")
	dup.DisplayName = "other"
	wantCode(t, s.CreateTopic(ctx(t), dup), errs.AlreadyExists, "CreateTopic of a taken ARN")
	same(t, "topic after a failed duplicate", plain, getTopic(t, s, plain.ARN))

	_, err := s.GetTopic(ctx(t), newTopic(sc, "missing").ARN)
	wantCode(t, err, errs.NotFound, "GetTopic of an unknown topic")
	// The same name in another region is another topic.
	_, err = s.GetTopic(ctx(t), newTopic(sc.otherRegion(), "plain").ARN)
	wantCode(t, err, errs.NotFound, "GetTopic in another region")
}

func topicARNs(ts []*notify.Topic) []string {
	out := make([]string, len(ts))
	for i, tp := range ts {
		out[i] = tp.ARN
	}
	return out
}

func testTopicList(t *testing.T, s Stores) {
	sc := newScope(t)
	var want []string
	for _, name := range []string{"b", "a", "B", "a-1", "c_2", "aa"} {
		want = append(want, createTopic(t, s, newTopic(sc, name)).ARN)
	}
	createTopic(t, s, newTopic(sc.otherRegion(), "elsewhere"))
	createTopic(t, s, newTopic(newScope(t), "other-account"))
	slices.Sort(want) // byte order: "B" before "a"

	all, err := s.ListTopics(ctx(t), sc.account, sc.region, "", 100)
	if err != nil {
		t.Fatalf("ListTopics: %v", err)
	}
	if got := topicARNs(all); !slices.Equal(got, want) {
		t.Fatalf("ListTopics:\n got %v\nwant %v", got, want)
	}
	same(t, "listed topic", getTopic(t, s, all[0].ARN), all[0])

	var paged []string
	after := ""
	for range 10 {
		page, err := s.ListTopics(ctx(t), sc.account, sc.region, after, 4)
		if err != nil {
			t.Fatalf("ListTopics page: %v", err)
		}
		if len(page) > 4 {
			t.Fatalf("ListTopics returned %d topics, limit 4", len(page))
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, topicARNs(page)...)
		after = page[len(page)-1].ARN
	}
	if !slices.Equal(paged, want) {
		t.Fatalf("ListTopics in pages:\n got %v\nwant %v", paged, want)
	}
	none, err := s.ListTopics(ctx(t), newScope(t).account, sc.region, "", 10)
	if err != nil || len(none) != 0 {
		t.Fatalf("ListTopics of an empty account: %v, %v", topicARNs(none), err)
	}
}

func testTopicDisplayName(t *testing.T, s Stores) {
	sc := newScope(t)
	tp := newTopic(sc, "named")
	tp.Tags = []notify.Tag{{Key: "k", Value: "v"}}
	createTopic(t, s, tp)
	if err := s.SetTopicDisplayName(ctx(t), tp.ARN, "Alarms"); err != nil {
		t.Fatalf("SetTopicDisplayName: %v", err)
	}
	tp.DisplayName = "Alarms"
	same(t, "renamed topic", tp, getTopic(t, s, tp.ARN))
	wantCode(t, s.SetTopicDisplayName(ctx(t), newTopic(sc, "missing").ARN, "x"), errs.NotFound, "SetTopicDisplayName of an unknown topic")
}

func testTopicDeleteCascades(t *testing.T, s Stores) {
	sc := newScope(t)
	tp := createTopic(t, s, newTopic(sc, "doomed"))
	keep := createTopic(t, s, newTopic(sc, "kept"))
	sub := createSubscription(t, s, newSubscription(t, tp, "http", "http://example.com/a"))
	other := createSubscription(t, s, newSubscription(t, keep, "http", "http://example.com/a"))
	d := newDelivery(t, sub, base)
	if err := s.EnqueueDeliveries(ctx(t), []*notify.Delivery{d}); err != nil {
		t.Fatalf("EnqueueDeliveries: %v", err)
	}
	if err := s.DeleteTopic(ctx(t), tp.ARN); err != nil {
		t.Fatalf("DeleteTopic: %v", err)
	}
	_, err := s.GetTopic(ctx(t), tp.ARN)
	wantCode(t, err, errs.NotFound, "GetTopic after DeleteTopic")
	_, err = s.GetSubscription(ctx(t), sub.ARN)
	wantCode(t, err, errs.NotFound, "GetSubscription of a deleted topic's subscription")
	wantCode(t, s.DeleteTopic(ctx(t), tp.ARN), errs.NotFound, "DeleteTopic again")
	same(t, "other topic's subscription", other, getSubscription(t, s, other.ARN))
	// A delivery record outlives its subscription.
	ds, err := s.ListDeliveries(ctx(t), notify.DeliveryFilter{SubscriptionARN: sub.ARN})
	if err != nil || len(ds) != 1 {
		t.Fatalf("ListDeliveries after DeleteTopic: %d, %v", len(ds), err)
	}
	same(t, "delivery of a deleted topic", d, ds[0])
	// The name can be used again.
	createTopic(t, s, newTopic(sc, "doomed"))
}

func testSubscriptionCreateGet(t *testing.T, s Stores) {
	tp := createTopic(t, s, newTopic(newScope(t), "t"))
	pending := newSubscription(t, tp, "https", "https://hooks.example.com/sns?key=a&b=c")
	pending.TokenHash = randBytes(t, 32)
	pending.TokenExpires = base.Add(72 * time.Hour)
	createSubscription(t, s, pending)
	got := getSubscription(t, s, pending.ARN)
	same(t, "pending subscription", pending, got)
	if !got.Pending() {
		t.Fatal("a subscription without a confirmation time is not pending")
	}

	confirmed := newSubscription(t, tp, "email", "ops@example.com")
	confirmed.Owner = randAccount(t)
	confirmed.RawMessageDelivery = true
	confirmed.AuthenticateOnUnsubscribe = true
	confirmed.Confirmed = base.Add(time.Minute).In(time.FixedZone("PST", -8*3600))
	createSubscription(t, s, confirmed)
	same(t, "confirmed subscription", confirmed, getSubscription(t, s, confirmed.ARN))

	_, err := s.GetSubscription(ctx(t), tp.ARN+":"+randUUID(t))
	wantCode(t, err, errs.NotFound, "GetSubscription of an unknown subscription")
}

func testSubscriptionConflicts(t *testing.T, s Stores) {
	sc := newScope(t)
	tp := createTopic(t, s, newTopic(sc, "t"))
	sub := createSubscription(t, s, newSubscription(t, tp, "http", "http://example.com/x"))

	dupARN := newSubscription(t, tp, "http", "http://example.com/y")
	dupARN.ARN = sub.ARN
	wantCode(t, s.CreateSubscription(ctx(t), dupARN), errs.AlreadyExists, "CreateSubscription of a taken ARN")
	dupEndpoint := newSubscription(t, tp, "http", "http://example.com/x")
	wantCode(t, s.CreateSubscription(ctx(t), dupEndpoint), errs.AlreadyExists, "CreateSubscription of a subscribed endpoint")
	_, err := s.GetSubscription(ctx(t), dupEndpoint.ARN)
	wantCode(t, err, errs.NotFound, "GetSubscription after a failed create")
	same(t, "subscription after failed duplicates", sub, getSubscription(t, s, sub.ARN))

	// The same endpoint with another protocol, or on another topic, is
	// another subscription.
	createSubscription(t, s, newSubscription(t, tp, "https", "http://example.com/x"))
	other := createTopic(t, s, newTopic(sc, "other"))
	createSubscription(t, s, newSubscription(t, other, "http", "http://example.com/x"))

	orphan := newSubscription(t, newTopic(sc, "missing"), "http", "http://example.com/x")
	wantCode(t, s.CreateSubscription(ctx(t), orphan), errs.NotFound, "CreateSubscription to an unknown topic")
}

func testSubscriptionFind(t *testing.T, s Stores) {
	sc := newScope(t)
	tp := createTopic(t, s, newTopic(sc, "t"))
	other := createTopic(t, s, newTopic(sc, "u"))
	sub := newSubscription(t, tp, "email-json", "dev@example.com")
	sub.TokenHash, sub.TokenExpires = randBytes(t, 32), base.Add(time.Hour)
	createSubscription(t, s, sub)
	createSubscription(t, s, newSubscription(t, tp, "email", "dev@example.com"))

	got, err := s.FindSubscription(ctx(t), tp.ARN, "email-json", "dev@example.com")
	if err != nil {
		t.Fatalf("FindSubscription: %v", err)
	}
	same(t, "found subscription", sub, got)
	for _, c := range []struct{ topic, protocol, endpoint string }{
		{other.ARN, "email-json", "dev@example.com"},
		{tp.ARN, "http", "dev@example.com"},
		{tp.ARN, "email-json", "Dev@example.com"},
	} {
		_, err := s.FindSubscription(ctx(t), c.topic, c.protocol, c.endpoint)
		wantCode(t, err, errs.NotFound, "FindSubscription of "+c.protocol+" "+c.endpoint)
	}

	got, err = s.SubscriptionByToken(ctx(t), tp.ARN, slices.Clone(sub.TokenHash))
	if err != nil {
		t.Fatalf("SubscriptionByToken: %v", err)
	}
	same(t, "subscription by token", sub, got)
	_, err = s.SubscriptionByToken(ctx(t), other.ARN, sub.TokenHash)
	wantCode(t, err, errs.NotFound, "SubscriptionByToken on another topic")
	_, err = s.SubscriptionByToken(ctx(t), tp.ARN, randBytes(t, 32))
	wantCode(t, err, errs.NotFound, "SubscriptionByToken of an unknown token")
	_, err = s.SubscriptionByToken(ctx(t), tp.ARN, nil)
	wantCode(t, err, errs.NotFound, "SubscriptionByToken without a token")
}

func testSubscriptionUpdate(t *testing.T, s Stores) {
	tp := createTopic(t, s, newTopic(newScope(t), "t"))
	sub := newSubscription(t, tp, "http", "http://example.com/")
	sub.TokenHash, sub.TokenExpires = randBytes(t, 32), base.Add(time.Hour)
	createSubscription(t, s, sub)

	upd := *sub
	upd.TokenHash, upd.TokenExpires = randBytes(t, 32), base.Add(2*time.Hour)
	upd.Confirmed = base.Add(time.Second)
	upd.AuthenticateOnUnsubscribe = true
	// Only the mutable fields change.
	upd.Endpoint, upd.Protocol, upd.Owner, upd.RawMessageDelivery = "http://elsewhere/", "https", "999999999999", true
	if err := s.UpdateSubscription(ctx(t), &upd); err != nil {
		t.Fatalf("UpdateSubscription: %v", err)
	}
	want := *sub
	want.TokenHash, want.TokenExpires, want.Confirmed, want.AuthenticateOnUnsubscribe = upd.TokenHash, upd.TokenExpires, upd.Confirmed, true
	same(t, "updated subscription", &want, getSubscription(t, s, sub.ARN))

	if _, err := s.SubscriptionByToken(ctx(t), tp.ARN, sub.TokenHash); !errs.Is(err, errs.NotFound) {
		t.Fatalf("the replaced token still finds the subscription: %v", err)
	}
	missing := newSubscription(t, tp, "http", "http://example.com/missing")
	wantCode(t, s.UpdateSubscription(ctx(t), missing), errs.NotFound, "UpdateSubscription of an unknown subscription")

	if err := s.DeleteSubscription(ctx(t), sub.ARN); err != nil {
		t.Fatalf("DeleteSubscription: %v", err)
	}
	_, err := s.GetSubscription(ctx(t), sub.ARN)
	wantCode(t, err, errs.NotFound, "GetSubscription after DeleteSubscription")
	wantCode(t, s.DeleteSubscription(ctx(t), sub.ARN), errs.NotFound, "DeleteSubscription again")
}

func subscriptionARNs(subs []*notify.Subscription) []string {
	out := make([]string, len(subs))
	for i, sub := range subs {
		out[i] = sub.ARN
	}
	return out
}

func testSubscriptionListCount(t *testing.T, s Stores) {
	sc := newScope(t)
	t1 := createTopic(t, s, newTopic(sc, "one"))
	t2 := createTopic(t, s, newTopic(sc, "two"))
	elsewhere := createTopic(t, s, newTopic(sc.otherRegion(), "one"))
	var all, ofT1 []string
	for i, tp := range []*notify.Topic{t1, t1, t1, t2, t2} {
		sub := newSubscription(t, tp, "http", "http://example.com/"+string(rune('a'+i)))
		if i%2 == 0 {
			sub.Confirmed = base
		}
		createSubscription(t, s, sub)
		all = append(all, sub.ARN)
		if tp == t1 {
			ofT1 = append(ofT1, sub.ARN)
		}
	}
	createSubscription(t, s, newSubscription(t, elsewhere, "http", "http://example.com/a"))
	slices.Sort(all)
	slices.Sort(ofT1)

	got, err := s.ListSubscriptions(ctx(t), sc.account, sc.region, "", 100)
	if err != nil {
		t.Fatalf("ListSubscriptions: %v", err)
	}
	if !slices.Equal(subscriptionARNs(got), all) {
		t.Fatalf("ListSubscriptions:\n got %v\nwant %v", subscriptionARNs(got), all)
	}
	page, err := s.ListSubscriptions(ctx(t), sc.account, sc.region, all[1], 2)
	if err != nil || !slices.Equal(subscriptionARNs(page), all[2:4]) {
		t.Fatalf("ListSubscriptions after %s: %v, %v", all[1], subscriptionARNs(page), err)
	}
	got, err = s.ListTopicSubscriptions(ctx(t), t1.ARN, "", 100)
	if err != nil || !slices.Equal(subscriptionARNs(got), ofT1) {
		t.Fatalf("ListTopicSubscriptions: %v, %v; want %v", subscriptionARNs(got), err, ofT1)
	}
	same(t, "listed subscription", getSubscription(t, s, got[0].ARN), got[0])
	page, err = s.ListTopicSubscriptions(ctx(t), t1.ARN, ofT1[0], 1)
	if err != nil || !slices.Equal(subscriptionARNs(page), ofT1[1:2]) {
		t.Fatalf("ListTopicSubscriptions after %s: %v, %v", ofT1[0], subscriptionARNs(page), err)
	}

	for _, c := range []struct {
		topic              string
		confirmed, pending int
	}{{t1.ARN, 2, 1}, {t2.ARN, 1, 1}, {newTopic(sc, "none").ARN, 0, 0}} {
		confirmed, pending, err := s.CountSubscriptions(ctx(t), c.topic)
		if err != nil || confirmed != c.confirmed || pending != c.pending {
			t.Fatalf("CountSubscriptions %s: %d confirmed, %d pending, %v; want %d, %d", c.topic, confirmed, pending, err, c.confirmed, c.pending)
		}
	}
}

func newDelivery(t *testing.T, sub *notify.Subscription, at time.Time) *notify.Delivery {
	return &notify.Delivery{
		ID: randUUID(t), MessageID: randUUID(t), TopicARN: sub.TopicARN, SubscriptionARN: sub.ARN,
		Kind: notify.KindNotification, Protocol: sub.Protocol, Sealed: randBytes(t, 120),
		State: notify.StatePending, NextAttempt: at, Created: at,
	}
}

func listDeliveries(t *testing.T, s Stores, f notify.DeliveryFilter) []*notify.Delivery {
	t.Helper()
	ds, err := s.ListDeliveries(ctx(t), f)
	if err != nil {
		t.Fatalf("ListDeliveries %+v: %v", f, err)
	}
	return ds
}

func deliveryIDs(ds []*notify.Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

func testDeliveryEnqueueList(t *testing.T, s Stores) {
	tp := createTopic(t, s, newTopic(newScope(t), "t"))
	a := createSubscription(t, s, newSubscription(t, tp, "http", "http://example.com/a"))
	b := createSubscription(t, s, newSubscription(t, tp, "email", "b@example.com"))
	d1, d2, d3 := newDelivery(t, a, base), newDelivery(t, b, base.Add(time.Millisecond)), newDelivery(t, a, base.Add(2*time.Millisecond))
	d2.MessageID = d1.MessageID
	d3.Kind = notify.KindSubscriptionConfirmation
	if err := s.EnqueueDeliveries(ctx(t), []*notify.Delivery{d1, d2}); err != nil {
		t.Fatalf("EnqueueDeliveries: %v", err)
	}
	// A batch with a taken ID stores nothing.
	d4 := newDelivery(t, b, base)
	dup := newDelivery(t, b, base)
	dup.ID = d1.ID
	wantCode(t, s.EnqueueDeliveries(ctx(t), []*notify.Delivery{d4, dup}), errs.AlreadyExists, "EnqueueDeliveries with a taken ID")
	if err := s.EnqueueDeliveries(ctx(t), []*notify.Delivery{d3}); err != nil {
		t.Fatalf("EnqueueDeliveries: %v", err)
	}

	all := listDeliveries(t, s, notify.DeliveryFilter{TopicARN: tp.ARN})
	if got, want := deliveryIDs(all), []string{d1.ID, d2.ID, d3.ID}; !slices.Equal(got, want) {
		t.Fatalf("ListDeliveries of the topic: %v, want %v (oldest first; the failed batch stored nothing)", got, want)
	}
	for i, want := range []*notify.Delivery{d1, d2, d3} {
		same(t, "listed delivery", want, all[i])
	}
	for _, c := range []struct {
		f    notify.DeliveryFilter
		want []string
	}{
		{notify.DeliveryFilter{TopicARN: tp.ARN, SubscriptionARN: a.ARN}, []string{d1.ID, d3.ID}},
		{notify.DeliveryFilter{MessageID: d1.MessageID}, []string{d1.ID, d2.ID}},
		{notify.DeliveryFilter{SubscriptionARN: b.ARN, State: notify.StatePending}, []string{d2.ID}},
		{notify.DeliveryFilter{TopicARN: tp.ARN, State: notify.StateDelivered}, nil},
		{notify.DeliveryFilter{TopicARN: tp.ARN, Limit: 2}, []string{d1.ID, d2.ID}},
	} {
		if got := deliveryIDs(listDeliveries(t, s, c.f)); !slices.Equal(got, c.want) {
			t.Errorf("ListDeliveries %+v: %v, want %v", c.f, got, c.want)
		}
	}
}

func testDeliveryClaimLease(t *testing.T, s Stores) {
	tp := createTopic(t, s, newTopic(newScope(t), "t"))
	sub := createSubscription(t, s, newSubscription(t, tp, "http", "http://example.com/"))
	now := queueEra.Add(time.Hour)
	early, due, later := newDelivery(t, sub, now.Add(-time.Minute)), newDelivery(t, sub, now), newDelivery(t, sub, now.Add(time.Minute))
	done := newDelivery(t, sub, now.Add(-2*time.Minute))
	done.State, done.NextAttempt, done.Finished = notify.StateDelivered, time.Time{}, now.Add(-time.Minute)
	if err := s.EnqueueDeliveries(ctx(t), []*notify.Delivery{later, due, done, early}); err != nil {
		t.Fatalf("EnqueueDeliveries: %v", err)
	}
	next, err := s.NextDeliveryDue(ctx(t))
	if err != nil || next.After(early.NextAttempt) {
		t.Fatalf("NextDeliveryDue: %v, %v; want at most %v", next, err, early.NextAttempt)
	}

	lease := now.Add(2 * time.Minute)
	got, err := s.ClaimDeliveries(ctx(t), now, lease, 1)
	if err != nil || len(got) != 1 || got[0].ID != early.ID {
		t.Fatalf("ClaimDeliveries (limit 1): %v, %v; want the earliest", deliveryIDs(got), err)
	}
	if !got[0].NextAttempt.Equal(lease) {
		t.Fatalf("claimed delivery's NextAttempt %v, want the lease end %v", got[0].NextAttempt, lease)
	}
	got, err = s.ClaimDeliveries(ctx(t), now, lease, 10)
	if err != nil || !slices.Equal(deliveryIDs(got), []string{due.ID}) {
		t.Fatalf("ClaimDeliveries again: %v, %v; want only the one due now (not the leased, the later or the finished)", deliveryIDs(got), err)
	}
	want := *due
	want.NextAttempt = lease
	same(t, "claimed delivery", &want, got[0])
	if got, err = s.ClaimDeliveries(ctx(t), now, lease, 10); err != nil || len(got) != 0 {
		t.Fatalf("ClaimDeliveries with everything due leased: %v, %v", deliveryIDs(got), err)
	}
	// At the lease's end, the leased deliveries (and the later one) are due
	// again.
	got, err = s.ClaimDeliveries(ctx(t), lease, lease.Add(time.Minute), 10)
	if err != nil || !slices.Equal(deliveryIDs(got), []string{later.ID, early.ID, due.ID}) {
		t.Fatalf("ClaimDeliveries at the lease's end: %v, %v", deliveryIDs(got), err)
	}
}

func testDeliveryUpdatePurge(t *testing.T, s Stores) {
	tp := createTopic(t, s, newTopic(newScope(t), "t"))
	sub := createSubscription(t, s, newSubscription(t, tp, "http", "http://example.com/"))
	at := queueEra.Add(24 * time.Hour)
	d, old := newDelivery(t, sub, at), newDelivery(t, sub, at)
	if err := s.EnqueueDeliveries(ctx(t), []*notify.Delivery{d, old}); err != nil {
		t.Fatalf("EnqueueDeliveries: %v", err)
	}
	// A failed attempt with a retry scheduled.
	d.Attempts, d.LastAttempt, d.LastStatus, d.LastError = 1, at.Add(time.Second), 503, "the endpoint answered HTTP 503"
	d.NextAttempt = at.Add(time.Minute)
	if err := s.UpdateDelivery(ctx(t), d); err != nil {
		t.Fatalf("UpdateDelivery: %v", err)
	}
	same(t, "delivery after a failed attempt", d, listDeliveries(t, s, notify.DeliveryFilter{MessageID: d.MessageID})[0])
	// Then delivered.
	d.Attempts, d.LastAttempt, d.LastStatus, d.LastError = 2, at.Add(time.Minute), 200, ""
	d.State, d.NextAttempt, d.Finished = notify.StateDelivered, time.Time{}, at.Add(time.Minute)
	if err := s.UpdateDelivery(ctx(t), d); err != nil {
		t.Fatalf("UpdateDelivery: %v", err)
	}
	same(t, "delivered delivery", d, listDeliveries(t, s, notify.DeliveryFilter{MessageID: d.MessageID})[0])
	// Only the mutable fields change.
	changedSealed := *d
	changedSealed.Sealed, changedSealed.Kind = randBytes(t, 10), notify.KindSubscriptionConfirmation
	if err := s.UpdateDelivery(ctx(t), &changedSealed); err != nil {
		t.Fatalf("UpdateDelivery: %v", err)
	}
	if got := listDeliveries(t, s, notify.DeliveryFilter{MessageID: d.MessageID})[0]; !bytes.Equal(got.Sealed, d.Sealed) || got.Kind != d.Kind {
		t.Fatal("UpdateDelivery changed the sealed message or the kind")
	}
	missing := newDelivery(t, sub, at)
	wantCode(t, s.UpdateDelivery(ctx(t), missing), errs.NotFound, "UpdateDelivery of an unknown delivery")

	old.State, old.Finished, old.NextAttempt, old.Attempts, old.LastError = notify.StateFailed, at, time.Time{}, 10, "gave up"
	if err := s.UpdateDelivery(ctx(t), old); err != nil {
		t.Fatalf("UpdateDelivery: %v", err)
	}
	// Purge removes finished deliveries older than the bound: old (finished
	// at at), not d (finished a minute later), nor pending ones.
	n, err := s.PurgeDeliveries(ctx(t), at.Add(time.Second))
	if err != nil || n < 1 {
		t.Fatalf("PurgeDeliveries: %d, %v", n, err)
	}
	left := deliveryIDs(listDeliveries(t, s, notify.DeliveryFilter{SubscriptionARN: sub.ARN}))
	if !slices.Equal(left, []string{d.ID}) {
		t.Fatalf("after PurgeDeliveries: %v, want only %s", left, d.ID)
	}
}

func testSigningKeys(t *testing.T, s Stores) {
	k1 := &notify.SigningKey{ID: strings.ToLower(randMaterialID(t)[:32]), SealedKey: randBytes(t, 1250), Certificate: randBytes(t, 800), Created: base}
	k2 := &notify.SigningKey{ID: strings.ToLower(randMaterialID(t)[:32]), SealedKey: randBytes(t, 1250), Certificate: randBytes(t, 800), Created: base.Add(time.Second)}
	for _, k := range []*notify.SigningKey{k2, k1} {
		if err := s.CreateSigningKey(ctx(t), k); err != nil {
			t.Fatalf("CreateSigningKey: %v", err)
		}
	}
	dup := *k1
	dup.SealedKey = randBytes(t, 10)
	wantCode(t, s.CreateSigningKey(ctx(t), &dup), errs.AlreadyExists, "CreateSigningKey of a taken ID")
	keys, err := s.ListSigningKeys(ctx(t))
	if err != nil {
		t.Fatalf("ListSigningKeys: %v", err)
	}
	var mine []*notify.SigningKey
	for _, k := range keys {
		if k.ID == k1.ID || k.ID == k2.ID {
			mine = append(mine, k)
		}
	}
	if len(mine) != 2 {
		t.Fatalf("ListSigningKeys returned %d of the 2 keys", len(mine))
	}
	same(t, "oldest signing key", k1, mine[0])
	same(t, "newest signing key", k2, mine[1])
}
