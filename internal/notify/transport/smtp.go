package transport

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/notify"
)

// SMTPConfig configures email delivery through a relay.
type SMTPConfig struct {
	// Addr is the relay's host:port (e.g. smtp.example.com:587).
	Addr string
	// From is the sender's address, in the envelope and the From header
	// (where the topic's display name, if any, names it).
	From string
	// Username and Password, when set, authenticate with PLAIN, which net/smtp
	// allows only over TLS or to localhost.
	Username string
	Password string
	// RequireTLS refuses a relay that does not offer STARTTLS; without it
	// STARTTLS is used whenever the relay offers it.
	RequireTLS bool
	// TLSConfig is used for STARTTLS (for a private CA); default: the
	// system's roots, the relay's host name.
	TLSConfig *tls.Config
	// Timeout bounds one whole exchange with the relay (default 30 s).
	Timeout time.Duration
	// HelloName is the name given in EHLO (default "localhost").
	HelloName string
}

// SMTP sends email through a relay with net/smtp: a new connection per
// message. Replies 4xx are transient (notify retries); 5xx replies are
// returned as *notify.PermanentError.
type SMTP struct {
	c    SMTPConfig
	host string
}

var _ notify.Mailer = (*SMTP)(nil)

// NewSMTP checks c and returns a mailer.
func NewSMTP(c SMTPConfig) (*SMTP, error) {
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil || host == "" {
		return nil, fmt.Errorf("smtp relay %q: want host:port", c.Addr)
	}
	if a, err := mail.ParseAddress(c.From); err != nil || a.Address != c.From {
		return nil, fmt.Errorf("smtp sender %q: want a bare email address", c.From)
	}
	if (c.Username == "") != (c.Password == "") {
		return nil, errors.New("smtp: give both a username and a password, or neither")
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.HelloName == "" {
		c.HelloName = "localhost"
	}
	return &SMTP{c: c, host: host}, nil
}

// String describes the mailer without its password.
func (m *SMTP) String() string { return "smtp relay " + m.c.Addr + " from " + m.c.From }

// GoString describes the mailer without its password.
func (m *SMTP) GoString() string { return m.String() }

// LogValue describes the mailer without its password.
func (m *SMTP) LogValue() slog.Value {
	return slog.GroupValue(slog.String("relay", m.c.Addr), slog.String("from", m.c.From))
}

// Send implements notify.Mailer.
func (m *SMTP) Send(ctx context.Context, msg *notify.Mail) (err error) {
	data, err := m.compose(msg, time.Now())
	if err != nil {
		return &notify.PermanentError{Err: err}
	}
	d := net.Dialer{Timeout: m.c.Timeout}
	conn, err := d.DialContext(ctx, "tcp", m.c.Addr)
	if err != nil {
		return fmt.Errorf("the SMTP relay: %w", err)
	}
	defer conn.Close()
	deadline := time.Now().Add(m.c.Timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()

	c, err := smtp.NewClient(conn, m.host)
	if err != nil {
		return classify(err)
	}
	defer c.Close()
	if err := c.Hello(m.c.HelloName); err != nil {
		return classify(err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		tc := &tls.Config{ServerName: m.host}
		if m.c.TLSConfig != nil {
			tc = m.c.TLSConfig.Clone()
		}
		if err := c.StartTLS(tc); err != nil {
			return classify(err)
		}
	} else if m.c.RequireTLS {
		return errors.New("the SMTP relay does not offer STARTTLS")
	}
	if m.c.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", m.c.Username, m.c.Password, m.host)); err != nil {
			return classify(err)
		}
	}
	if err := c.Mail(m.c.From); err != nil {
		return classify(err)
	}
	if err := c.Rcpt(msg.To); err != nil {
		return classify(err)
	}
	w, err := c.Data()
	if err != nil {
		return classify(err)
	}
	if _, err := w.Write(data); err != nil {
		return classify(err)
	}
	if err := w.Close(); err != nil {
		return classify(err)
	}
	_ = c.Quit()
	return nil
}

// classify makes a relay's 5xx reply a permanent failure; 4xx replies and
// broken connections are worth a retry.
func classify(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) {
		e := fmt.Errorf("the SMTP relay answered %d %s", te.Code, oneLine(te.Msg))
		if te.Code >= 500 {
			return &notify.PermanentError{Code: te.Code, Err: e}
		}
		return e
	}
	return fmt.Errorf("the SMTP relay: %w", err)
}

// compose writes the message: headers, then the body as quoted-printable
// UTF-8 text with CRLF line ends.
func (m *SMTP) compose(msg *notify.Mail, now time.Time) ([]byte, error) {
	to, err := mail.ParseAddress(msg.To)
	if err != nil || to.Address != msg.To {
		return nil, errors.New("the recipient is not a bare email address")
	}
	name := msg.FromName
	if name == "" {
		name = "Keyward Notifications"
	}
	var id [16]byte
	_, _ = rand.Read(id[:])
	domain := m.c.From[strings.LastIndexByte(m.c.From, '@')+1:]
	var b bytes.Buffer
	for _, h := range [][2]string{
		{"From", (&mail.Address{Name: oneLine(name), Address: m.c.From}).String()},
		{"To", to.String()},
		{"Subject", mime.QEncoding.Encode("utf-8", oneLine(msg.Subject))},
		{"Date", now.Format(time.RFC1123Z)},
		{"Message-ID", "<" + hex.EncodeToString(id[:]) + "@" + domain + ">"},
		{"MIME-Version", "1.0"},
		{"Content-Type", "text/plain; charset=UTF-8"},
		{"Content-Transfer-Encoding", "quoted-printable"},
		{"Auto-Submitted", "auto-generated"},
	} {
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(msg.Body)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// oneLine replaces control characters (line breaks above all) with
// spaces, so that no value can add a header.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
