// Package transport carries notify's messages to subscribers: HTTP POSTs
// (notify.Poster) and email through an SMTP relay (notify.Mailer). It is
// the only part of the SNS subset that does network I/O, kept apart so that
// notify itself, which the alarms package imports, stays free of net/http.
//
// It decides nothing about retries: it reports what happened (a status, a
// permanent SMTP refusal as *notify.PermanentError) and notify decides. Its
// errors never repeat an endpoint's URL, which may carry a secret.
package transport

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/keyward/keyward/internal/notify"
)

// HTTPTimeout bounds one POST, as SNS bounds its HTTP deliveries.
const HTTPTimeout = 15 * time.Second

// HTTP posts messages to http and https subscribers. Redirects are not
// followed: a 3xx answer is the answer.
type HTTP struct {
	client *http.Client
}

var _ notify.Poster = (*HTTP)(nil)

// NewHTTP returns an HTTP poster. TLS certificates of https endpoints are
// verified against the system's roots.
func NewHTTP() *HTTP {
	return &HTTP{client: &http.Client{
		Timeout: HTTPTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// userAgent names Keyward's agent, as SNS names its own.
const userAgent = "Keyward Simple Notification Service Agent"

// Post implements notify.Poster.
func (h *HTTP) Post(ctx context.Context, p *notify.Post) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL, bytes.NewReader(p.Body))
	if err != nil {
		return 0, errors.New("the endpoint URL is not valid")
	}
	for k, v := range p.Header {
		req.Header.Set(k, v)
	}
	req.Header.Set("User-Agent", userAgent)
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, withoutURL(err)
	}
	// Read a little of the answer so that the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// withoutURL drops the URL that net/http puts in its errors.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return errors.New("the endpoint did not answer in time")
		}
		return ue.Err
	}
	return err
}
