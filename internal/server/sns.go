package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/notify"
	"github.com/keyward/keyward/internal/notify/transport"
)

// This file wires the SNS subset (internal/notify, api/snsapi) into the
// server:
//
//   - the service, on the store and the root of trust, delivering over
//     HTTP(S); email is refused until the configuration names an SMTP
//     relay (see openNotify);
//   - its delivery worker, run from Start until Close like the scheduler;
//   - the one unsigned request served: GET /?Action=ConfirmSubscription&…,
//     the SubscribeURL of SNS's SubscriptionConfirmation, which a
//     subscriber follows without credentials as it does with SNS. The token
//     it carries, sent only to the subscribed endpoint, is its
//     authorization; the request is audited like any other (caller
//     Unknown). Any other unsigned request, and a POST, still needs a
//     signature;
//   - the message signing certificates receivers fetch from
//     SigningCertURL: GET /SimpleNotificationService-<id>.pem, public.

// openNotify builds the SNS service. Receivers reach Keyward at the
// listener's address; when the configuration gains a public URL (behind a
// proxy or a load balancer) and an SMTP relay, they are wired here: see
// the report of the SNS change for the proposed flags.
func (s *Server) openNotify() (*notify.Service, error) {
	c := notify.Config{
		Store:      s.store,
		Sealer:     s.root,
		Authorizer: s.authorizer,
		Poster:     transport.NewHTTP(),
		PublicURL:  s.publicURL,
		Logger:     s.log,
	}
	if s.cfg.SMTPAddr != "" {
		m, err := transport.NewSMTP(transport.SMTPConfig{Addr: s.cfg.SMTPAddr, From: s.cfg.SMTPFrom,
			Username: s.cfg.SMTPUsername, Password: s.cfg.SMTPPassword, RequireTLS: s.cfg.SMTPRequireTLS})
		if err != nil {
			return nil, err
		}
		c.Mailer = m
	}
	return notify.New(c)
}

// publicURL is the base URL of Keyward's listener that SNS messages name
// (SubscribeURL, UnsubscribeURL, SigningCertURL); "" before Start.
func (s *Server) publicURL() string {
	if s.cfg.PublicURL != "" {
		return strings.TrimRight(s.cfg.PublicURL, "/")
	}
	if s.ln == nil {
		return ""
	}
	return "http://" + s.ln.Addr().String()
}

// startNotify runs the delivery worker until ctx ends; Close waits for it.
func (s *Server) startNotify(ctx context.Context) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.notify.Run(ctx)
	}()
}

// Notify returns the SNS domain service (for in-process callers, such as
// the alarms, and tests).
func (s *Server) Notify() *notify.Service { return s.notify }

// unsignedConfirmation reports whether a request that failed verification
// with err may go on without a caller: an SNS ConfirmSubscription sent as
// a GET, with Action in the query string and no signature at all.
func unsignedConfirmation(r *http.Request, service string, err error) bool {
	return service == "sns" && errs.Is(err, errs.MissingAuthentication) &&
		r.Method == http.MethodGet && r.URL.Query().Get("Action") == "ConfirmSubscription"
}

// serveSigningCert answers GET /SimpleNotificationService-<id>.pem with the
// PEM certificate of message signing key id, and reports whether r was
// such a request.
func (s *Server) serveSigningCert(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	id, ok := notify.CertificateID(r.URL.Path)
	if !ok || s.notify == nil {
		return false
	}
	pem, err := s.notify.SigningCertificate(r.Context(), id)
	status := http.StatusOK
	switch {
	case errors.Is(err, errs.E(errs.NotFound, "")):
		status = http.StatusNotFound
		http.Error(w, "no such certificate", status)
	case err != nil:
		status = http.StatusInternalServerError
		s.log.Error("sns signing certificate", "err", err)
		http.Error(w, "internal error", status)
	default:
		w.Header().Set("Content-Type", "application/x-pem-file")
		w.Header().Set("Content-Length", strconv.Itoa(len(pem)))
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.WriteHeader(status)
		if r.Method == http.MethodGet {
			_, _ = w.Write(pem)
		}
	}
	s.log.Info("request", "service", "sns", "op", "SigningCertificate", "status", status, "remote", r.RemoteAddr)
	return true
}
