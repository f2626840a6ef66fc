package transport_test

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/notify"
	"github.com/keyward/keyward/internal/notify/transport"
	"github.com/keyward/keyward/internal/notify/transport/smtptest"
)

func TestHTTPPost(t *testing.T) {
	var got *http.Request
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got, body = r, string(b)
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	h := transport.NewHTTP()
	status, err := h.Post(t.Context(), &notify.Post{URL: srv.URL + "/hook?x=1", Body: []byte(`{"a":1}`),
		Header: map[string]string{"x-amz-sns-message-type": "Notification", "Content-Type": "text/plain; charset=UTF-8"}})
	if err != nil || status != http.StatusAccepted {
		t.Fatalf("Post: %d, %v", status, err)
	}
	if got.Method != http.MethodPost || got.URL.RequestURI() != "/hook?x=1" || body != `{"a":1}` ||
		got.Header.Get("X-Amz-Sns-Message-Type") != "Notification" || got.Header.Get("Content-Type") != "text/plain; charset=UTF-8" ||
		!strings.Contains(got.UserAgent(), "Keyward") {
		t.Fatalf("request: %s %s %q %v", got.Method, got.URL, body, got.Header)
	}
	// Redirects are answers, not followed.
	status, err = h.Post(t.Context(), &notify.Post{URL: srv.URL + "/moved"})
	if err != nil || status != http.StatusFound || got.URL.Path != "/moved" {
		t.Fatalf("Post to a redirect: %d, %v, last request %s", status, err, got.URL.Path)
	}
}

func TestHTTPErrorsHideTheURL(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	_, err = transport.NewHTTP().Post(t.Context(), &notify.Post{URL: "http://" + addr + "/hook?token=s3cr3t"})
	if err == nil {
		t.Fatal("Post to a closed port succeeded")
	}
	if strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "/hook") {
		t.Fatalf("the error repeats the URL: %v", err)
	}
}

func newSMTP(t *testing.T, s *smtptest.Server, configure ...func(*transport.SMTPConfig)) *transport.SMTP {
	t.Helper()
	c := transport.SMTPConfig{Addr: s.Addr, From: "keyward@example.com", Timeout: 5 * time.Second}
	for _, f := range configure {
		f(&c)
	}
	m, err := transport.NewSMTP(c)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSMTPSend(t *testing.T) {
	s := smtptest.NewServer(t)
	m := newSMTP(t, s)
	body := "Alarm: key disabled ✓\n.leading dot\n" + strings.Repeat("long line ", 30) + "\nend"
	err := m.Send(t.Context(), &notify.Mail{To: "ops@example.com", FromName: "Prod Alarms (ü)", Subject: "KMS alarm — prod", Body: body})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	msgs := s.Messages()
	if len(msgs) != 1 || msgs[0].From != "keyward@example.com" || len(msgs[0].To) != 1 || msgs[0].To[0] != "ops@example.com" {
		t.Fatalf("messages: %+v", msgs)
	}
	h, got, err := msgs[0].Parsed()
	if err != nil {
		t.Fatal(err)
	}
	from, err := h.AddressList("From")
	if err != nil || from[0].Name != "Prod Alarms (ü)" || from[0].Address != "keyward@example.com" {
		t.Fatalf("From: %v, %v", from, err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil || subject != "KMS alarm — prod" {
		t.Fatalf("Subject %q (%q), %v", subject, h.Get("Subject"), err)
	}
	if h.Get("Content-Type") != "text/plain; charset=UTF-8" || h.Get("Message-Id") == "" || h.Get("Date") == "" {
		t.Fatalf("headers: %v", h)
	}
	if got != body+"\n" && got != body {
		t.Fatalf("body:\n%q\nwant\n%q", got, body)
	}
}

func TestSMTPNoHeaderInjection(t *testing.T) {
	s := smtptest.NewServer(t)
	m := newSMTP(t, s)
	if err := m.Send(t.Context(), &notify.Mail{To: "ops@example.com", FromName: "a\r\nBcc: evil@example.com", Subject: "x\r\nBcc: evil@example.com", Body: "b"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	h, _, err := s.Messages()[0].Parsed()
	if err != nil {
		t.Fatal(err)
	}
	if h.Get("Bcc") != "" {
		t.Fatalf("a header was injected: %v", h)
	}
	if err := m.Send(t.Context(), &notify.Mail{To: "ops@example.com\r\nRCPT TO:<evil@example.com>", Body: "b"}); err == nil {
		t.Fatal("a recipient with a line break was sent")
	}
}

func TestSMTPRefusals(t *testing.T) {
	s := smtptest.NewServer(t)
	s.Reject("gone@example.com", 550)
	s.Reject("busy@example.com", 451)
	m := newSMTP(t, s)
	err := m.Send(t.Context(), &notify.Mail{To: "gone@example.com", Body: "b"})
	var perm *notify.PermanentError
	if !errors.As(err, &perm) || perm.Code != 550 {
		t.Fatalf("a 550 refusal: %v, want a permanent error with code 550", err)
	}
	err = m.Send(t.Context(), &notify.Mail{To: "busy@example.com", Body: "b"})
	if err == nil || errors.As(err, &perm) {
		t.Fatalf("a 451 refusal: %v, want a transient error", err)
	}
	err = newSMTP(t, s, func(c *transport.SMTPConfig) { c.RequireTLS = true }).Send(t.Context(), &notify.Mail{To: "ops@example.com", Body: "b"})
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("RequireTLS against a relay without STARTTLS: %v", err)
	}
	if len(s.Messages()) != 0 {
		t.Fatalf("refused messages were accepted: %v", s.Messages())
	}
}

func TestSMTPConfig(t *testing.T) {
	for _, c := range []transport.SMTPConfig{
		{Addr: "relay", From: "a@example.com"},
		{Addr: "relay:25", From: "Keyward <a@example.com>"},
		{Addr: "relay:25", From: "a@example.com", Username: "u"},
	} {
		if _, err := transport.NewSMTP(c); err == nil {
			t.Errorf("NewSMTP(%+v) accepted", c)
		}
	}
	m, err := transport.NewSMTP(transport.SMTPConfig{Addr: "relay:587", From: "a@example.com", Username: "u", Password: "hunter2"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprint(m), fmt.Sprintf("%#v", m), fmt.Sprintf("%+v", m)} {
		if strings.Contains(s, "hunter2") {
			t.Errorf("the password is printed: %s", s)
		}
	}
}
