package storagetest

import (
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/identity"
)

var sessionTests = []test{
	{"create-get", testSessionCreateGet},
	{"duplicate", testSessionDuplicate},
	{"missing-role", testSessionMissingRole},
	{"outlives-role", testSessionOutlivesRole},
	{"expiry-cleanup", testSessionExpiry},
}

// farFuture is when fixtures' sessions expire unless a test is about
// expiry: DeleteExpiredSessions spans every account, so a test sharing the
// database must not find other tests' sessions expired.
var farFuture = base.AddDate(100, 0, 0)

func newSession(t *testing.T, role *identity.Principal, name string) *identity.Session {
	return &identity.Session{
		AccessKeyID:  "ASIA" + strings.ToUpper(rand.Text()[:16]),
		Account:      role.Account,
		RoleID:       role.ID,
		SessionName:  name,
		SealedSecret: randBytes(t, 89),
		TokenHash:    randBytes(t, 32),
		Created:      base,
		Expires:      farFuture,
	}
}

func createSession(t *testing.T, s Stores, sess *identity.Session) {
	t.Helper()
	if err := s.CreateSession(ctx(t), sess); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
}

func getSession(t *testing.T, s Stores, id string) *identity.Session {
	t.Helper()
	got, err := s.GetSession(ctx(t), id)
	if err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	return got
}

func testSessionCreateGet(t *testing.T, s Stores) {
	role := createPrincipal(t, s, newRole(t, randAccount(t), "app"))
	plain := newSession(t, role, "plain")
	full := newSession(t, role, "full@example.com")
	full.Policy = identityDoc
	full.PolicyARNs = []string{"arn:aws:iam::" + role.Account + ":policy/b", "arn:aws:iam::" + role.Account + ":policy/a"}
	full.SourceIP = "192.0.2.7"
	full.Created = base.Add(time.Millisecond).In(time.FixedZone("IST", 5*3600+1800))
	full.Expires = farFuture.Add(-time.Second)
	for _, sess := range []*identity.Session{plain, full} {
		createSession(t, s, sess)
		same(t, "session", sess, getSession(t, s, sess.AccessKeyID))
	}
	_, err := s.GetSession(ctx(t), newSession(t, role, "x").AccessKeyID)
	wantCode(t, err, errs.NotFound, "GetSession of an unknown id")
}

func testSessionDuplicate(t *testing.T, s Stores) {
	role := createPrincipal(t, s, newRole(t, randAccount(t), "app"))
	sess := newSession(t, role, "one")
	createSession(t, s, sess)
	dup := newSession(t, role, "two")
	dup.AccessKeyID = sess.AccessKeyID
	wantCode(t, s.CreateSession(ctx(t), dup), errs.AlreadyExists, "CreateSession with a taken id")
	same(t, "session after a failed duplicate", sess, getSession(t, s, sess.AccessKeyID))
}

func testSessionMissingRole(t *testing.T, s Stores) {
	account := randAccount(t)
	gone := createPrincipal(t, s, newRole(t, account, "gone"))
	if err := s.DeletePrincipal(ctx(t), gone.ID, base); err != nil {
		t.Fatal(err)
	}
	unknown := newRole(t, account, "never")
	for _, role := range []*identity.Principal{unknown, gone} {
		sess := newSession(t, role, "s")
		wantCode(t, s.CreateSession(ctx(t), sess), errs.NotFound, "CreateSession for a missing role")
		_, err := s.GetSession(ctx(t), sess.AccessKeyID)
		wantCode(t, err, errs.NotFound, "GetSession after a failed create")
	}
}

// A session's record outlives its role: refusing it is the domain's job,
// which needs the record to say which role (by ID) it was issued for.
func testSessionOutlivesRole(t *testing.T, s Stores) {
	role := createPrincipal(t, s, newRole(t, randAccount(t), "app"))
	sess := newSession(t, role, "s")
	createSession(t, s, sess)
	if err := s.DeletePrincipal(ctx(t), role.ID, base.Add(time.Minute)); err != nil {
		t.Fatalf("DeletePrincipal with a session: %v", err)
	}
	same(t, "session of a deleted role", sess, getSession(t, s, sess.AccessKeyID))
}

func testSessionExpiry(t *testing.T, s Stores) {
	role := createPrincipal(t, s, newRole(t, randAccount(t), "app"))
	now := base.Add(24 * time.Hour)
	expired := newSession(t, role, "expired")
	expired.Expires = now.Add(-time.Millisecond)
	atNow := newSession(t, role, "at-now")
	atNow.Expires = now
	live := newSession(t, role, "live")
	live.Expires = now.Add(time.Hour)
	for _, sess := range []*identity.Session{expired, atNow, live} {
		createSession(t, s, sess)
	}
	n, err := s.DeleteExpiredSessions(ctx(t), now)
	if err != nil {
		t.Fatalf("DeleteExpiredSessions: %v", err)
	}
	if n < 1 {
		t.Fatalf("DeleteExpiredSessions deleted %d sessions, want at least 1", n)
	}
	_, err = s.GetSession(ctx(t), expired.AccessKeyID)
	wantCode(t, err, errs.NotFound, "GetSession of a cleaned-up session")
	// Expired "before now": a session expiring at now is kept.
	same(t, "session expiring at now", atNow, getSession(t, s, atNow.AccessKeyID))
	same(t, "live session", live, getSession(t, s, live.AccessKeyID))
	if n, err := s.DeleteExpiredSessions(ctx(t), base); err != nil {
		t.Fatalf("DeleteExpiredSessions again: %v", err)
	} else if _, err := s.GetSession(ctx(t), live.AccessKeyID); err != nil {
		t.Fatalf("a second cleanup (%d deleted) removed a live session: %v", n, err)
	}
}
