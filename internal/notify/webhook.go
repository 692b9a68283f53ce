package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// NewHTTPClient returns the client the HTTP sinks use: a timeout per
// request and no redirects followed (a 3xx is a failed delivery), so a
// notification only ever goes to the configured URL.
func NewHTTPClient(timeout time.Duration) *http.Client {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return &http.Client{
		Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// WebhookSink POSTs each notification's JSON (Notification, version 1) to
// one URL.
type WebhookSink struct {
	name    string
	url     string
	headers map[string]string
	client  *http.Client
}

// NewWebhookSink returns a sink posting to url with the extra headers.
// A nil client is NewHTTPClient(0); a client that follows redirects is
// made not to.
func NewWebhookSink(name, url string, headers map[string]string, client *http.Client) *WebhookSink {
	return &WebhookSink{name: name, url: url, headers: headers, client: noRedirects(client)}
}

// Name implements Sink.
func (s *WebhookSink) Name() string { return s.name }

// Send implements Sink.
func (s *WebhookSink) Send(ctx context.Context, n Notification) error {
	body, err := json.Marshal(n)
	if err != nil {
		return &SendError{Err: fmt.Errorf("encode notification: %w", err)}
	}
	return post(ctx, s.client, s.url, s.headers, body)
}

func noRedirects(c *http.Client) *http.Client {
	if c == nil {
		return NewHTTPClient(0)
	}
	cc := *c
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}

// post sends body as JSON and classifies the outcome.
func post(ctx context.Context, client *http.Client, url string, headers map[string]string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return &SendError{Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "fnops-notify/1")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return &SendError{Retryable: ctx.Err() == nil, Err: redact(err, url)}
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	code := resp.StatusCode
	switch {
	case code >= 200 && code < 300:
		return nil
	case code >= 300 && code < 400:
		return &SendError{Status: code, Err: fmt.Errorf("redirect to %q not followed: alerts go only to the configured URL", resp.Header.Get("Location"))}
	}
	msg := strings.TrimSpace(string(snippet))
	if msg == "" {
		msg = http.StatusText(code)
	}
	se := &SendError{Status: code, Err: errors.New(msg)}
	if code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || code >= 500 {
		se.Retryable = true
		se.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return se
}

// redact keeps a webhook URL (Slack's carries its secret) out of errors.
func redact(err error, url string) error {
	return errors.New(strings.ReplaceAll(err.Error(), url, "<configured URL>"))
}

// parseRetryAfter reads delay-seconds or an HTTP-date; 0 when absent or
// unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		// A day is beyond any wait honoured; capping keeps the product
		// from overflowing.
		return time.Duration(min(s, 86400)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
