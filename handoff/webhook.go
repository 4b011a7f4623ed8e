package handoff

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Webhook headers.
const (
	// SignatureHeader carries "sha256=" and the hex HMAC-SHA256 of the
	// body, keyed with the webhook's secret.
	SignatureHeader = "X-Samvad-Signature"
	// DeliveryHeader is one id per hand-off, the same on every retry, so
	// that a receiver can tell a retry from a second recording.
	DeliveryHeader = "X-Samvad-Delivery"
	// EventHeader names the body's event, "recording_finished".
	EventHeader = "X-Samvad-Event"
)

// Sign is the value of SignatureHeader for body.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify reports, in constant time, whether signature is body's under
// secret: what a receiver written in Go does.
func Verify(secret string, body []byte, signature string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(signature))
}

// Retry is how often and how patiently a delivery is tried.
type Retry struct {
	// Attempts in all, the first included. Default 8.
	Attempts int
	// First is the wait before the second attempt; each wait doubles, up
	// to Max. Defaults 1 s and 1 min (8 attempts span about 3 minutes).
	First, Max time.Duration
}

func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = 8
	}
	if r.First <= 0 {
		r.First = time.Second
	}
	if r.Max <= 0 {
		r.Max = time.Minute
	}
	return r
}

// wait is the pause after failed attempt n (1-based).
func (r Retry) wait(n int) time.Duration {
	d := r.First
	for i := 1; i < n && d < r.Max; i++ {
		d *= 2
	}
	return min(d, r.Max)
}

// WebhookResult is how a delivery went.
type WebhookResult struct {
	Attempts int
	// Status is the receiver's last HTTP status, 0 when it never answered.
	Status int
}

// webhookClient refuses redirects: the signed summary goes where the
// meeting file says, or nowhere.
func webhookClient() *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// sendWebhook POSTs body, signed, until the receiver takes it (2xx), says
// no for good (a 4xx other than 408, 425 and 429, or a redirect), or the
// attempts are spent. ctx ending stops it between attempts and within one.
func sendWebhook(ctx context.Context, client *http.Client, rawURL, secret string, body []byte, delivery string,
	retry Retry, log *slog.Logger) (WebhookResult, error) {
	retry = retry.withDefaults()
	var res WebhookResult
	sig := Sign(secret, body)
	for n := 1; ; n++ {
		res.Attempts = n
		status, after, err := postOnce(ctx, client, rawURL, sig, body, delivery)
		res.Status = status
		if err == nil {
			return res, nil
		}
		var perm *permanentError
		if errors.As(err, &perm) || n >= retry.Attempts || ctx.Err() != nil {
			return res, fmt.Errorf("webhook %s: %w (attempt %d of %d)", Redact(rawURL), err, n, retry.Attempts)
		}
		wait := retry.wait(n)
		if after > wait {
			wait = min(after, retry.Max)
		}
		log.Warn("webhook not delivered; retrying", "url", Redact(rawURL), "attempt", n, "err", err, "in", wait)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return res, fmt.Errorf("webhook %s: stopped: %w (attempt %d of %d)", Redact(rawURL), ctx.Err(), n, retry.Attempts)
		}
	}
}

// permanentError is an answer that no retry changes.
type permanentError struct{ msg string }

func (e *permanentError) Error() string { return e.msg }

// postOnce makes one attempt. after is the receiver's Retry-After, if any.
func postOnce(ctx context.Context, client *http.Client, rawURL, sig string, body []byte, delivery string) (status int, after time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return 0, 0, &permanentError{msg: "bad URL"}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "samvad")
	req.Header.Set(SignatureHeader, sig)
	req.Header.Set(DeliveryHeader, delivery)
	req.Header.Set(EventHeader, "recording_finished")
	resp, err := client.Do(req)
	if err != nil {
		// The URL, with whatever its query holds, stays out of the error.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return 0, 0, fmt.Errorf("no answer: %w", ErrTimeout)
		}
		return 0, 0, err
	}
	// Read a little of the answer so the connection can be reused; a
	// receiver cannot make samvad read more.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch s := resp.StatusCode; {
	case s >= 200 && s < 300:
		return s, 0, nil
	case s >= 300 && s < 400:
		return s, 0, &permanentError{msg: fmt.Sprintf("receiver redirects (%s): give its final URL in the meeting file", resp.Status)}
	case s == http.StatusRequestTimeout || s == http.StatusTooEarly || s == http.StatusTooManyRequests || s >= 500:
		return s, retryAfter(resp.Header.Get("Retry-After")), fmt.Errorf("receiver answered %s", resp.Status)
	default:
		return s, 0, &permanentError{msg: fmt.Sprintf("receiver refused it: %s", resp.Status)}
	}
}

func retryAfter(v string) time.Duration {
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 0
}

// Redact is a URL as logs and events may show it: scheme, host and path,
// never a password or a query (which may hold a receiver's key).
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(bad URL)"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}
