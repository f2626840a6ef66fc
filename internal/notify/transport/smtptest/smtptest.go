// Package smtptest is a tiny SMTP server for tests: it listens on
// 127.0.0.1, speaks just enough SMTP for net/smtp (EHLO/HELO, MAIL, RCPT,
// DATA, RSET, NOOP, QUIT; no TLS, no AUTH), keeps every message it
// accepts, and can refuse chosen recipients with a reply code. It is
// imported by tests only.
package smtptest

import (
	"bufio"
	"io"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Message is one accepted message.
type Message struct {
	From string
	To   []string
	Data string // as received, dot-unstuffed, CRLF line ends
}

// Parsed returns the message's headers and its body, decoded from
// quoted-printable when so encoded, with "\n" line ends.
func (m Message) Parsed() (mail.Header, string, error) {
	msg, err := mail.ReadMessage(strings.NewReader(m.Data))
	if err != nil {
		return nil, "", err
	}
	var r io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, "", err
	}
	return msg.Header, strings.ReplaceAll(string(b), "\r\n", "\n"), nil
}

// Server is a running test SMTP server.
type Server struct {
	// Addr is the host:port it listens on.
	Addr string

	ln      net.Listener
	wg      sync.WaitGroup
	mu      sync.Mutex
	msgs    []Message
	reject  map[string]int
	arrived chan struct{}
}

// NewServer starts a server; it stops when the test ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: %v", err)
	}
	s := &Server{Addr: ln.Addr().String(), ln: ln, reject: map[string]int{}, arrived: make(chan struct{}, 1000)}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

// Reject makes the server answer RCPT TO for rcpt with code (e.g. 550 for
// a permanent refusal, 451 for a transient one).
func (s *Server) Reject(rcpt string, code int) {
	s.mu.Lock()
	s.reject[strings.ToLower(rcpt)] = code
	s.mu.Unlock()
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Wait waits until at least n messages arrived, or fails the test after
// timeout, and returns them.
func (s *Server) Wait(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if msgs := s.Messages(); len(msgs) >= n {
			return msgs
		}
		select {
		case <-s.arrived:
		case <-deadline:
			t.Fatalf("smtptest: %d messages arrived in %v, want %d", len(s.Messages()), timeout, n)
		}
	}
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(time.Minute))
			s.serve(c)
		}()
	}
}

// serve runs one SMTP session.
func (s *Server) serve(c net.Conn) {
	r := bufio.NewReader(c)
	reply := func(code int, text string) bool {
		_, err := io.WriteString(c, strconv.Itoa(code)+" "+text+"\r\n")
		return err == nil
	}
	if !reply(220, "smtptest ESMTP") {
		return
	}
	var cur Message
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		ok := true
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			ok = reply(250, "smtptest")
		case "MAIL":
			cur = Message{From: address(arg)}
			ok = reply(250, "OK")
		case "RCPT":
			to := address(arg)
			s.mu.Lock()
			code := s.reject[strings.ToLower(to)]
			s.mu.Unlock()
			if code != 0 {
				ok = reply(code, "recipient refused")
				break
			}
			cur.To = append(cur.To, to)
			ok = reply(250, "OK")
		case "DATA":
			if len(cur.To) == 0 {
				ok = reply(503, "no recipients")
				break
			}
			if !reply(354, "go ahead") {
				return
			}
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			cur.Data = b.String()
			s.mu.Lock()
			s.msgs = append(s.msgs, cur)
			s.mu.Unlock()
			select {
			case s.arrived <- struct{}{}:
			default:
			}
			cur = Message{}
			ok = reply(250, "queued")
		case "RSET":
			cur = Message{}
			ok = reply(250, "OK")
		case "NOOP":
			ok = reply(250, "OK")
		case "QUIT":
			reply(221, "bye")
			return
		default:
			ok = reply(502, "not implemented")
		}
		if !ok {
			return
		}
	}
}

// address extracts the address of "FROM:<a@b>" or "TO:<a@b> …".
func address(arg string) string {
	_, rest, _ := strings.Cut(arg, ":")
	rest = strings.TrimSpace(rest)
	if i := strings.IndexByte(rest, '>'); strings.HasPrefix(rest, "<") && i > 0 {
		return rest[1:i]
	}
	a, _, _ := strings.Cut(rest, " ")
	return a
}
