package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// SignatureHeader is the header carrying a [Webhook] body's signature:
// "sha256=" followed by the lowercase hex HMAC-SHA256 of the exact body
// bytes, keyed with WebhookConfig.Secret.
const SignatureHeader = "X-Accountapi-Signature"

// WebhookConfig configures [NewWebhook].
type WebhookConfig struct {
	// URL receives one POST per message; required, http or https.
	URL string
	// Authorization, when set, is sent verbatim as the Authorization header,
	// e.g. "Bearer s3cr3t". Default: no header.
	Authorization string
	// Secret, when set, signs every body (see [SignatureHeader]). Default: no
	// signature. Use at least 32 random bytes.
	Secret []byte
	// Timeout bounds one delivery, on top of the caller's context. Default:
	// 10 seconds.
	Timeout time.Duration
	// Client sends the requests. Default: a client of its own that does not
	// follow redirects (a 3xx is a failure), so the body and the
	// Authorization header go nowhere but URL.
	Client *http.Client
}

// Webhook is a [Notifier] that POSTs each message as JSON, in the wire
// format of [Message.MarshalJSON], to a URL, for hosts that deliver through
// a service of their own. Any 2xx answer is success; anything else, and
// any transport error, is a delivery failure. It renders no template.
//
// The request carries Content-Type: application/json, the configured
// Authorization header and, with a secret, the [SignatureHeader]. A receiver
// checks the signature by computing HMAC-SHA256 over the raw body with the
// shared secret and comparing it with hmac.Equal before parsing the body.
type Webhook struct {
	url     string
	shown   string // url without its password, for errors
	auth    string
	secret  []byte
	timeout time.Duration
	client  *http.Client
}

var _ Notifier = (*Webhook)(nil)

// NewWebhook checks cfg and returns a Webhook.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("notify: webhook: URL %q must be an absolute http or https URL", cfg.URL)
	}
	if cfg.Timeout < 0 {
		return nil, errors.New("notify: webhook: Timeout must not be negative")
	}
	w := &Webhook{
		url:     cfg.URL,
		shown:   u.Redacted(),
		auth:    cfg.Authorization,
		secret:  bytes.Clone(cfg.Secret),
		timeout: cfg.Timeout,
		client:  cfg.Client,
	}
	if w.timeout == 0 {
		w.timeout = 10 * time.Second
	}
	if w.client == nil {
		w.client = &http.Client{
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return w, nil
}

// Notify POSTs m. It returns ctx's error when ctx ends first.
func (w *Webhook) Notify(ctx context.Context, m Message) error {
	if err := m.check(); err != nil {
		return err
	}
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("notify: webhook: encode: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("notify: webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if w.auth != "" {
		req.Header.Set("Authorization", w.auth)
	}
	if len(w.secret) > 0 {
		req.Header.Set(SignatureHeader, Sign(w.secret, body))
	}
	resp, err := w.client.Do(req)
	if err != nil {
		// A *url.Error names the method and URL, never the body.
		return fmt.Errorf("notify: webhook: %w", err)
	}
	defer resp.Body.Close()
	// Drain a little so the connection can be reused; the answer's content
	// is the receiver's business and is not echoed into errors.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("notify: webhook: %s answered %s", w.shown, resp.Status)
	}
	return nil
}

// Sign returns the [SignatureHeader] value for body: "sha256=" and the hex
// HMAC-SHA256 of body keyed with secret. Receivers written in Go can use it
// to check a request, comparing with hmac.Equal.
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
