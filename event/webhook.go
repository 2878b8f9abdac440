package event

import (
	"bytes"
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The headers of a webhook request. See the package documentation for the
// scheme.
const (
	// HeaderLogtoSignature is Logto's signature header: "sha256=" and the
	// lowercase hex HMAC-SHA256 of the exact body bytes. It does not cover
	// a time, so it does not stop replays.
	HeaderLogtoSignature = "logto-signature-sha-256"
	// HeaderWebhookID is the Standard Webhooks message id: unique per event,
	// the same on every retry and at every endpoint; an idempotency key.
	HeaderWebhookID = "webhook-id"
	// HeaderWebhookTimestamp is the Standard Webhooks attempt time: decimal
	// Unix seconds, set anew on every attempt.
	HeaderWebhookTimestamp = "webhook-timestamp"
	// HeaderWebhookSignature is the Standard Webhooks signature: "v1,"
	// and the standard base64 HMAC-SHA256 of id "." timestamp "." body.
	HeaderWebhookSignature = "webhook-signature"
)

// DefaultSignatureTolerance is how far [VerifySignature] lets the
// webhook-timestamp lie from now, either way, when given no tolerance:
// the Standard Webhooks libraries' value.
const DefaultSignatureTolerance = 5 * time.Minute

// MinSecretLen is the shortest signing secret [NewWebhook] accepts: the
// output length of SHA-256, below which RFC 2104 §3 calls HMAC keys
// "strongly discouraged". Logto's generated signing keys have 32
// characters; Standard Webhooks asks for at least 24 bytes.
const MinSecretLen = 32

var (
	// ErrSignatureInvalid: a webhook request lacks a signature header, has
	// a malformed one, or no signature matches the body and the secret.
	ErrSignatureInvalid = errors.New("event: webhook signature invalid")
	// ErrSignatureExpired: a webhook request is authentic but its
	// webhook-timestamp lies outside the tolerance: a replay, or clocks
	// that disagree.
	ErrSignatureExpired = errors.New("event: webhook timestamp outside tolerance")
)

// WebhookPayload is the JSON body of a webhook request, a subset of
// Logto's webhook payload. Receivers written in Go can decode into it.
type WebhookPayload struct {
	// HookID is the endpoint's [Endpoint.ID]; absent when that is "".
	HookID string `json:"hookId,omitempty"`
	// Event is the event's name, e.g. "User.Data.Updated".
	Event Name `json:"event"`
	// CreatedAt is when the event happened, in UTC with milliseconds, as
	// JavaScript's Date.prototype.toISOString writes it:
	// "2026-01-02T03:04:05.678Z".
	CreatedAt string `json:"createdAt"`
	// UserID is the user the event is about; absent when none.
	UserID string `json:"userId,omitempty"`
	// Data is [Event.Data] as JSON; null when the event has none.
	Data json.RawMessage `json:"data"`
}

// Endpoint is one receiver of a [Webhook].
type Endpoint struct {
	// URL receives one POST per event; required, an absolute http or https
	// URL. Use https: the body is signed, not encrypted.
	URL string
	// ID, when set, is sent as the body's hookId, so one receiver can tell
	// several configured hooks apart, as with Logto's hook ids. It is also
	// how logs name the endpoint. Default: no hookId.
	ID string
	// Events, when not empty, limits the endpoint to these events, as a
	// Logto hook's event list does: a security-alert service may want only
	// [IdentifierLockout] while a CRM mirror wants [UserDataUpdated] and
	// [UserDeleted]. Default: every event.
	Events []Name
	// Secret, when set, signs this endpoint's requests instead of
	// [WebhookConfig.Secret], so receivers run by different parties cannot
	// forge requests to each other. At least [MinSecretLen] bytes.
	Secret []byte
}

// WebhookConfig configures [NewWebhook]. Zero fields mean the documented
// defaults.
type WebhookConfig struct {
	// Endpoints receive the events; at least one. Each has its own queue
	// and workers, so a slow or failing receiver does not hold up the
	// others.
	Endpoints []Endpoint
	// Secret keys the HMAC-SHA256 signatures of every endpoint without a
	// Secret of its own; at least [MinSecretLen] bytes (random bytes, or a
	// Logto signing key as []byte). Required unless every endpoint has one.
	Secret []byte
	// Client sends the requests. Default: a client of its own. NewWebhook
	// uses a copy whose CheckRedirect refuses to follow redirects, so a
	// signed body goes to the configured URL only and a 3xx is a failure.
	Client *http.Client
	// Timeout bounds one attempt (connect, send, response headers, up to
	// 64 KiB of the response body). Default: 10 seconds, as in Logto.
	Timeout time.Duration
	// QueueSize bounds each endpoint's queue of events waiting for a
	// worker. Default: 1000. When it is full, Emit drops the event for that
	// endpoint and counts it in [WebhookStats.Dropped].
	QueueSize int
	// Workers is the number of concurrent deliveries per endpoint.
	// Default: 1, which delivers each endpoint's events in the order they
	// were emitted (a retried event holds back the ones behind it). With
	// more, order is not guaranteed.
	Workers int
	// MaxAttempts is how many times an event is sent to an endpoint
	// before it counts as failed, the first attempt included. Default: 3.
	MaxAttempts int
	// Backoff returns the wait after failed attempt n (1-based) before the
	// next. Default: exponential with jitter: a uniformly random time in
	// [d/2, d], d = 1s·2^(n-1) capped at 30s: 0.5–1s, then 1–2s, 2–4s…
	Backoff func(attempt int) time.Duration
	// Now is the clock: the createdAt of an event without At, and the
	// webhook-timestamp of each attempt. Default: time.Now.
	Now func() time.Time
	// Rand makes event ids (webhook-id). Default: crypto/rand.Reader.
	Rand io.Reader
	// Logger gets a line per failed attempt, per event given up, and when
	// a queue starts and stops dropping. Lines name the event, its id, the
	// endpoint (ID, or the URL without user info, query or fragment), the
	// attempt and the status or error; never the body or a secret.
	// Default: slog.Default().
	Logger *slog.Logger
}

// WebhookStats counts deliveries, one per event and matching endpoint.
type WebhookStats struct {
	// Delivered: a receiver answered 2xx.
	Delivered uint64
	// Failed: given up, because the receiver answered a status that is not
	// retried (e.g. 400), every attempt failed, or the event could not be
	// encoded.
	Failed uint64
	// Dropped: never completed because the endpoint's queue was full, the
	// Webhook was closed, or Close's context ended before the delivery
	// finished.
	Dropped uint64
}

// Webhook is a [Sink] that POSTs each event as JSON to one or more
// endpoints, signed with HMAC-SHA256, from a bounded in-memory queue per
// endpoint, retrying transient failures with backoff. The package
// documentation describes the wire format and the signatures.
//
// Emit never blocks on the network: it encodes the event and offers it to
// each matching endpoint's queue; when a queue is full the event is dropped
// for that endpoint and counted, because a committed change must not wait
// for a receiver and memory must stay bounded. Delivery is at least once
// while the process lives, and events still queued when it exits are lost:
// hosts that need every event should also keep their own record (Logto's
// audit log) and use the webhook as a notification.
//
// Call [Webhook.Close] on shutdown.
type Webhook struct {
	endpoints   []*endpoint
	client      *http.Client
	timeout     time.Duration
	maxAttempts int
	backoff     func(int) time.Duration
	now         func() time.Time
	rand        io.Reader
	log         *slog.Logger

	mu     sync.RWMutex // guards closed against the queues' closing
	closed bool

	wg        sync.WaitGroup
	closeOnce sync.Once
	abortOnce sync.Once
	abort     chan struct{} // closed when Close's context ends
	done      chan struct{} // closed when every worker has returned

	delivered, failed, dropped atomic.Uint64
}

var _ Sink = (*Webhook)(nil)

type endpoint struct {
	url    string
	id     string
	shown  string // for logs: ID, or the URL without secrets it may hold
	events []Name
	secret []byte
	queue  chan job
	full   atomic.Bool // dropping since the last successful enqueue
}

// job is one event on its way to one endpoint.
type job struct {
	ctx       context.Context // the Emit context's values, not its cancellation
	id        string
	name      Name
	createdAt string
	userID    string
	data      json.RawMessage
}

// NewWebhook checks cfg, starts the workers and returns a Webhook.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	if len(cfg.Endpoints) == 0 {
		return nil, errors.New("event: webhook: no Endpoints")
	}
	if len(cfg.Secret) > 0 && len(cfg.Secret) < MinSecretLen {
		return nil, fmt.Errorf("event: webhook: Secret must be at least %d bytes", MinSecretLen)
	}
	switch {
	case cfg.Timeout < 0:
		return nil, errors.New("event: webhook: Timeout must not be negative")
	case cfg.QueueSize < 0:
		return nil, errors.New("event: webhook: QueueSize must not be negative")
	case cfg.Workers < 0:
		return nil, errors.New("event: webhook: Workers must not be negative")
	case cfg.MaxAttempts < 0:
		return nil, errors.New("event: webhook: MaxAttempts must not be negative")
	}
	w := &Webhook{
		timeout:     cmp.Or(cfg.Timeout, 10*time.Second),
		maxAttempts: cmp.Or(cfg.MaxAttempts, 3),
		backoff:     cfg.Backoff,
		now:         cfg.Now,
		rand:        cfg.Rand,
		log:         cfg.Logger,
		abort:       make(chan struct{}),
		done:        make(chan struct{}),
	}
	if w.backoff == nil {
		w.backoff = defaultBackoff
	}
	if w.now == nil {
		w.now = time.Now
	}
	if w.rand == nil {
		w.rand = rand.Reader
	}
	if w.log == nil {
		w.log = slog.Default()
	}
	// A copy, so the host's client keeps its own redirect policy.
	client := http.Client{Timeout: w.timeout}
	if cfg.Client != nil {
		client = *cfg.Client
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	w.client = &client

	queueSize := cmp.Or(cfg.QueueSize, 1000)
	for i, e := range cfg.Endpoints {
		u, err := url.Parse(e.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			// The URL itself is not echoed: it may carry a token.
			return nil, fmt.Errorf("event: webhook: Endpoints[%d].URL must be an absolute http or https URL", i)
		}
		secret := e.Secret
		if len(secret) == 0 {
			secret = cfg.Secret
		}
		if len(secret) < MinSecretLen {
			return nil, fmt.Errorf("event: webhook: Endpoints[%d] has no Secret of at least %d bytes, nor has the config", i, MinSecretLen)
		}
		for _, n := range e.Events {
			if n == "" {
				return nil, fmt.Errorf("event: webhook: Endpoints[%d].Events has an empty name", i)
			}
		}
		shown := e.ID
		if shown == "" {
			shown = (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
		}
		w.endpoints = append(w.endpoints, &endpoint{
			url:    e.URL,
			id:     e.ID,
			shown:  shown,
			events: slices.Clone(e.Events),
			secret: bytes.Clone(secret),
			queue:  make(chan job, queueSize),
		})
	}
	workers := cmp.Or(cfg.Workers, 1)
	for _, ep := range w.endpoints {
		for range workers {
			w.wg.Add(1)
			go w.run(ep)
		}
	}
	return w, nil
}

// defaultBackoff is exponential with "equal jitter": half the delay fixed,
// half random, so retries of many events spread out but never come sooner
// than half the nominal delay. The jitter needs no secrecy, so it uses
// math/rand/v2's runtime-seeded source rather than Config.Rand.
func defaultBackoff(attempt int) time.Duration {
	d := 30 * time.Second
	if attempt < 6 {
		d = min(d, time.Second<<max(attempt-1, 0))
	}
	return d/2 + mrand.N(d/2+1)
}

// Emit queues e for every endpoint that wants it and returns without
// waiting for the network. It encodes e.Data now, so later changes to it
// are not sent. The values of ctx (a trace id) reach the requests'
// contexts; its cancellation does not, since delivery outlives the
// request. An event Emit cannot queue is counted, and logged when a queue
// starts dropping, never returned.
func (w *Webhook) Emit(ctx context.Context, e Event) {
	eps := make([]*endpoint, 0, len(w.endpoints))
	for _, ep := range w.endpoints {
		if len(ep.events) == 0 || slices.Contains(ep.events, e.Name) {
			eps = append(eps, ep)
		}
	}
	if len(eps) == 0 {
		return
	}
	at := e.At
	if at.IsZero() {
		at = w.now()
	}
	j := job{
		ctx:       context.WithoutCancel(ctx),
		name:      e.Name,
		createdAt: at.UTC().Format("2006-01-02T15:04:05.000Z"),
		userID:    e.UserID,
	}
	var err error
	if j.data, err = json.Marshal(e.Data); err != nil {
		w.failed.Add(uint64(len(eps)))
		w.log.LogAttrs(ctx, slog.LevelError, "accountapi webhook: event not encodable; not sent",
			slog.String("event", string(e.Name)), slog.String("error", err.Error()))
		return
	}
	if j.id, err = w.newID(); err != nil {
		w.failed.Add(uint64(len(eps)))
		w.log.LogAttrs(ctx, slog.LevelError, "accountapi webhook: no event id; not sent",
			slog.String("event", string(e.Name)), slog.String("error", err.Error()))
		return
	}

	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		w.dropped.Add(uint64(len(eps)))
		return
	}
	for _, ep := range eps {
		select {
		case ep.queue <- j:
			if ep.full.Load() && ep.full.CompareAndSwap(true, false) {
				w.log.LogAttrs(ctx, slog.LevelInfo, "accountapi webhook: queue accepts events again",
					slog.String("endpoint", ep.shown))
			}
		default:
			w.dropped.Add(1)
			if ep.full.CompareAndSwap(false, true) {
				w.log.LogAttrs(ctx, slog.LevelWarn, "accountapi webhook: queue full; dropping events until it drains",
					slog.String("endpoint", ep.shown), slog.String("event", string(e.Name)), slog.String("webhookId", j.id))
			}
		}
	}
}

// newID returns "evt_" and 32 hex digits: 128 random bits, no ".".
func (w *Webhook) newID() (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(w.rand, b[:]); err != nil {
		return "", err
	}
	return "evt_" + hex.EncodeToString(b[:]), nil
}

// Stats returns the counters so far. After Close returns they are final.
func (w *Webhook) Stats() WebhookStats {
	return WebhookStats{
		Delivered: w.delivered.Load(),
		Failed:    w.failed.Load(),
		Dropped:   w.dropped.Load(),
	}
}

// Close stops accepting events (Emit then counts them as dropped) and
// waits for the queued ones to be delivered, retries and backoff included,
// until ctx ends. If ctx ends first it aborts the attempts in flight,
// counts what was not delivered as dropped, waits for the workers to
// return (promptly) and returns ctx's error. Close may be called more than
// once; later calls wait in the same way.
func (w *Webhook) Close(ctx context.Context) error {
	w.closeOnce.Do(func() {
		w.mu.Lock()
		w.closed = true
		for _, ep := range w.endpoints {
			close(ep.queue)
		}
		w.mu.Unlock()
		go func() {
			w.wg.Wait()
			close(w.done)
		}()
	})
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		w.abortOnce.Do(func() { close(w.abort) })
		<-w.done
		return ctx.Err()
	}
}

func (w *Webhook) aborted() bool {
	select {
	case <-w.abort:
		return true
	default:
		return false
	}
}

// run is one worker of ep: it delivers queued events until the queue is
// closed and empty.
func (w *Webhook) run(ep *endpoint) {
	defer w.wg.Done()
	for j := range ep.queue {
		if w.aborted() {
			w.dropped.Add(1)
			continue
		}
		w.deliver(ep, j)
	}
}

type outcome int

const (
	delivered outcome = iota
	retry
	permanent
	abandoned
)

// deliver sends j to ep until it is accepted, refused for good, out of
// attempts or abandoned, and counts the result.
func (w *Webhook) deliver(ep *endpoint, j job) {
	body, err := json.Marshal(WebhookPayload{
		HookID: ep.id, Event: j.name, CreatedAt: j.createdAt, UserID: j.userID, Data: j.data,
	})
	if err != nil { // j.data came from json.Marshal; cannot happen
		w.failed.Add(1)
		return
	}
	logtoSig := logtoSignature(ep.secret, body)
	for n := 1; ; n++ {
		out, detail := w.attempt(ep, j, body, logtoSig)
		attrs := []slog.Attr{
			slog.String("event", string(j.name)), slog.String("webhookId", j.id),
			slog.String("endpoint", ep.shown), slog.Int("attempt", n), detail,
		}
		switch {
		case out == delivered:
			w.delivered.Add(1)
			return
		case out == abandoned:
			w.dropped.Add(1)
			return
		case out == permanent:
			w.failed.Add(1)
			w.log.LogAttrs(j.ctx, slog.LevelError, "accountapi webhook: receiver refused the event; not retried", attrs...)
			return
		case n >= w.maxAttempts:
			w.failed.Add(1)
			w.log.LogAttrs(j.ctx, slog.LevelError, "accountapi webhook: delivery failed; giving up", attrs...)
			return
		}
		w.log.LogAttrs(j.ctx, slog.LevelWarn, "accountapi webhook: delivery failed; will retry", attrs...)
		t := time.NewTimer(w.backoff(n))
		select {
		case <-t.C:
		case <-w.abort:
			t.Stop()
			w.dropped.Add(1)
			return
		}
	}
}

// attempt makes one request and classifies its result: 2xx is delivered;
// transport errors (timeouts, refused or reset connections), 408, 429 and
// 5xx are worth a retry; any other status (3xx, 4xx) is permanent. detail
// is the status or the error, for the log.
func (w *Webhook) attempt(ep *endpoint, j job, body []byte, logtoSig string) (outcome, slog.Attr) {
	ctx, cancel := context.WithTimeout(j.ctx, w.timeout)
	defer cancel()
	go func() { // Close's context ending aborts the attempt
		select {
		case <-w.abort:
			cancel()
		case <-ctx.Done():
		}
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.url, bytes.NewReader(body))
	if err != nil {
		return permanent, slog.String("error", "cannot build request")
	}
	ts := strconv.FormatInt(w.now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "accountapi (https://github.com/accountapi/accountapi)")
	req.Header.Set(HeaderLogtoSignature, logtoSig)
	req.Header.Set(HeaderWebhookID, j.id)
	req.Header.Set(HeaderWebhookTimestamp, ts)
	req.Header.Set(HeaderWebhookSignature, "v1,"+base64.StdEncoding.EncodeToString(v1Signature(ep.secret, j.id, ts, body)))

	resp, err := w.client.Do(req)
	if err != nil {
		if w.aborted() {
			return abandoned, slog.String("error", "aborted by Close")
		}
		// A *url.Error repeats the URL, which may hold a token: keep only
		// the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return retry, slog.String("error", err.Error())
	}
	// Drain a little so the connection can be reused; the answer is the
	// receiver's business and is not logged.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	status := slog.Int("status", resp.StatusCode)
	switch c := resp.StatusCode; {
	case c >= 200 && c <= 299:
		return delivered, status
	case c == http.StatusRequestTimeout, c == http.StatusTooManyRequests, c >= 500:
		return retry, status
	default:
		return permanent, status
	}
}

// logtoSignature is the value of [HeaderLogtoSignature] for body, as
// Logto's core/src/utils/sign.ts computes it.
func logtoSignature(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// v1Signature is the raw Standard Webhooks v1 signature: HMAC-SHA256 of
// id "." timestamp "." body.
func v1Signature(secret []byte, id, ts string, body []byte) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write([]byte(ts))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return mac.Sum(nil)
}

// VerifySignature checks a webhook request the way a receiver should,
// before it parses the body: body must be the raw request body, header the
// request's headers, secret the endpoint's signing secret.
//
// It requires the Standard Webhooks headers ([HeaderWebhookID],
// [HeaderWebhookTimestamp], [HeaderWebhookSignature]) and one "v1,"
// signature among the space-separated ones that matches id, timestamp and
// body; when [HeaderLogtoSignature] is present it must match the body too.
// Signatures are compared in constant time. It then requires the timestamp
// to lie within tolerance of now, either way (tolerance ≤ 0 means
// [DefaultSignatureTolerance]).
//
// It returns nil, an error wrapping [ErrSignatureInvalid], or, for an
// authentic request that is too old or too new, one wrapping
// [ErrSignatureExpired]. The timestamp stops replays after the tolerance;
// within it, a receiver that must not act twice remembers the webhook-id
// values it accepted for that long (they also repeat when a delivery is
// retried).
func VerifySignature(secret, body []byte, header http.Header, now time.Time, tolerance time.Duration) error {
	if len(secret) == 0 {
		return fmt.Errorf("%w: empty secret", ErrSignatureInvalid)
	}
	id, ts, sigs := header.Get(HeaderWebhookID), header.Get(HeaderWebhookTimestamp), header.Get(HeaderWebhookSignature)
	if id == "" || ts == "" || sigs == "" {
		return fmt.Errorf("%w: missing %s, %s or %s header", ErrSignatureInvalid,
			HeaderWebhookID, HeaderWebhookTimestamp, HeaderWebhookSignature)
	}
	if strings.Contains(id, ".") {
		return fmt.Errorf("%w: %s contains a dot", ErrSignatureInvalid, HeaderWebhookID)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sec < 0 {
		return fmt.Errorf("%w: malformed %s", ErrSignatureInvalid, HeaderWebhookTimestamp)
	}
	want := v1Signature(secret, id, ts, body)
	ok := false
	for _, s := range strings.Fields(sigs) {
		version, b64, _ := strings.Cut(s, ",")
		if version != "v1" {
			continue
		}
		if got, err := base64.StdEncoding.DecodeString(b64); err == nil && hmac.Equal(got, want) {
			ok = true
			break
		}
	}
	if !ok {
		return fmt.Errorf("%w: no v1 signature matches", ErrSignatureInvalid)
	}
	if l := header.Get(HeaderLogtoSignature); l != "" && !hmac.Equal([]byte(l), []byte(logtoSignature(secret, body))) {
		return fmt.Errorf("%w: %s does not match", ErrSignatureInvalid, HeaderLogtoSignature)
	}
	if tolerance <= 0 {
		tolerance = DefaultSignatureTolerance
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: sent %s, now %s", ErrSignatureExpired,
			time.Unix(sec, 0).UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return nil
}
