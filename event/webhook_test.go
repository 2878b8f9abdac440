package event_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/accountapi/accountapi/event"
)

// t0 is the webhooks' clock in these tests, and the receivers' "now".
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// testSecret is a 32-byte signing secret.
var testSecret = []byte("0123456789abcdef0123456789abcdef")

// request is one request a receiver got and found authentic.
type request struct {
	header  http.Header
	body    []byte
	payload map[string]any
}

// receiver is the host's webhook endpoint. It checks every request with
// event.VerifySignature and again, independently, with crypto/hmac, counts
// attempts, and answers what answer says.
type receiver struct {
	t      *testing.T
	secret []byte
	// answer, when set, writes the answer to attempt n (1-based, over all
	// requests) and returns the status; it may block. Default: 204.
	answer func(n int, w http.ResponseWriter, r *http.Request) int

	mu       sync.Mutex
	attempts int
	got      []request
}

func newReceiver(t *testing.T, secret []byte, answer func(int, http.ResponseWriter, *http.Request) int) (*receiver, *httptest.Server) {
	rc := &receiver{t: t, secret: secret, answer: answer}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return rc, srv
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.mu.Lock()
	rc.attempts++
	n := rc.attempts
	rc.mu.Unlock()

	body, err := io.ReadAll(r.Body)
	if err != nil {
		rc.t.Errorf("attempt %d: reading body: %v", n, err)
		return
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		rc.t.Errorf("attempt %d: %s with Content-Type %q", n, r.Method, r.Header.Get("Content-Type"))
	}
	if err := event.VerifySignature(rc.secret, body, r.Header, t0, 0); err != nil {
		rc.t.Errorf("attempt %d: VerifySignature: %v", n, err)
	}
	// The same checks, written from the documented scheme alone.
	mac := hmac.New(sha256.New, rc.secret)
	mac.Write(body)
	if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); !hmac.Equal([]byte(r.Header.Get("logto-signature-sha-256")), []byte(want)) {
		rc.t.Errorf("attempt %d: logto-signature-sha-256 = %q, want %q", n, r.Header.Get("logto-signature-sha-256"), want)
	}
	id, ts := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp")
	mac = hmac.New(sha256.New, rc.secret)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	if want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); r.Header.Get("webhook-signature") != want {
		rc.t.Errorf("attempt %d: webhook-signature = %q, want %q", n, r.Header.Get("webhook-signature"), want)
	}
	if ts != strconv.FormatInt(t0.Unix(), 10) {
		rc.t.Errorf("attempt %d: webhook-timestamp = %q, want the webhook's clock %d", n, ts, t0.Unix())
	}
	var payload map[string]any
	if err := json.Unmarshal(body, &payload); err != nil {
		rc.t.Errorf("attempt %d: body is not JSON: %v", n, err)
	}
	rc.mu.Lock()
	rc.got = append(rc.got, request{header: r.Header.Clone(), body: body, payload: payload})
	rc.mu.Unlock()

	status := http.StatusNoContent
	if rc.answer != nil {
		if s := rc.answer(n, w, r); s != 0 {
			status = s
		}
	}
	w.WriteHeader(status)
}

func (rc *receiver) requests() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]request(nil), rc.got...)
}

func (rc *receiver) attemptCount() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.attempts
}

// backoffLog is an injected Backoff that waits no time and records which
// attempts it was asked about.
type backoffLog struct {
	mu    sync.Mutex
	calls []int
}

func (b *backoffLog) backoff(attempt int) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = append(b.calls, attempt)
	return 0
}

func (b *backoffLog) attempts() []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]int(nil), b.calls...)
}

// fast fills the test defaults into cfg: the fixed clock, a Backoff that
// does not wait, a silent logger.
func fast(cfg event.WebhookConfig) event.WebhookConfig {
	if cfg.Secret == nil {
		cfg.Secret = testSecret
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return t0 }
	}
	if cfg.Backoff == nil {
		cfg.Backoff = func(int) time.Duration { return 0 }
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}

func newWebhook(t *testing.T, cfg event.WebhookConfig) *event.Webhook {
	t.Helper()
	w, err := event.NewWebhook(fast(cfg))
	if err != nil {
		t.Fatalf("NewWebhook: %v", err)
	}
	t.Cleanup(func() { _ = w.Close(canceled()) })
	return w
}

// closeWithin closes w, failing the test if draining does not end in a
// generous time (a hang, not a slow machine).
func closeWithin(t *testing.T, w *event.Webhook) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// within fails the test if ch is not closed or sent on in a generous time.
func within[T any](t *testing.T, ch <-chan T, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not happen", what)
	}
}

func TestWebhookDeliversSignedEvents(t *testing.T) {
	rc, srv := newReceiver(t, testSecret, nil)
	w := newWebhook(t, event.WebhookConfig{Endpoints: []event.Endpoint{{URL: srv.URL + "/hooks", ID: "hook1"}}})

	at := time.Date(2026, 1, 2, 5, 4, 5, 678901234, time.FixedZone("CEST", 2*60*60))
	w.Emit(context.Background(), event.Event{
		Name: event.UserDataUpdated, At: at, UserID: "u1",
		Data: map[string]any{"name": "Ann <&>", "primaryEmail": "ann@example.com"},
	})
	w.Emit(context.Background(), event.Event{Name: event.IdentifierLockout})
	closeWithin(t, w)

	got := rc.requests()
	var payloads []map[string]any
	for _, r := range got {
		payloads = append(payloads, r.payload)
	}
	want := []map[string]any{
		{
			"hookId": "hook1", "event": "User.Data.Updated", "createdAt": "2026-01-02T03:04:05.678Z", "userId": "u1",
			"data": map[string]any{"name": "Ann <&>", "primaryEmail": "ann@example.com"},
		},
		// No At: the webhook's clock; no user, no data: absent and null.
		{"hookId": "hook1", "event": "Identifier.Lockout", "createdAt": "2026-01-02T03:04:05.000Z", "data": nil},
	}
	if diff := cmp.Diff(want, payloads); diff != "" {
		t.Errorf("payloads (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(event.WebhookStats{Delivered: 2}, w.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	if len(got) != 2 {
		t.Fatalf("got %d requests, want 2", len(got))
	}
	id0, id1 := got[0].header.Get("webhook-id"), got[1].header.Get("webhook-id")
	if !strings.HasPrefix(id0, "evt_") || len(id0) != 36 || id0 == id1 {
		t.Errorf("webhook-id values %q, %q: want distinct evt_ and 32 hex digits", id0, id1)
	}

	// The request as received: authentic now, refused when replayed after
	// the tolerance or with one byte changed.
	r := got[0]
	if err := event.VerifySignature(testSecret, r.body, r.header, t0.Add(4*time.Minute), 0); err != nil {
		t.Errorf("within tolerance: %v", err)
	}
	if err := event.VerifySignature(testSecret, r.body, r.header, t0.Add(6*time.Minute), 0); !errors.Is(err, event.ErrSignatureExpired) {
		t.Errorf("replayed 6 minutes later: err = %v, want ErrSignatureExpired", err)
	}
	tampered := bytes.Replace(r.body, []byte(`"u1"`), []byte(`"u2"`), 1)
	if err := event.VerifySignature(testSecret, tampered, r.header, t0, 0); !errors.Is(err, event.ErrSignatureInvalid) {
		t.Errorf("tampered body: err = %v, want ErrSignatureInvalid", err)
	}
}

func TestWebhookRetries(t *testing.T) {
	tests := []struct {
		name         string
		answer       func(n int, w http.ResponseWriter, r *http.Request) int
		timeout      time.Duration
		client       *http.Client
		wantAttempts int
		wantBackoffs []int
		want         event.WebhookStats
	}{
		{
			name: "fails twice then succeeds",
			answer: func(n int, _ http.ResponseWriter, _ *http.Request) int {
				if n <= 2 {
					return http.StatusServiceUnavailable
				}
				return http.StatusOK
			},
			wantAttempts: 3, wantBackoffs: []int{1, 2}, want: event.WebhookStats{Delivered: 1},
		},
		{
			name: "429 is retried",
			answer: func(n int, _ http.ResponseWriter, _ *http.Request) int {
				if n == 1 {
					return http.StatusTooManyRequests
				}
				return http.StatusAccepted
			},
			wantAttempts: 2, wantBackoffs: []int{1}, want: event.WebhookStats{Delivered: 1},
		},
		{
			name:         "permanent 400 is not retried",
			answer:       func(int, http.ResponseWriter, *http.Request) int { return http.StatusBadRequest },
			wantAttempts: 1, want: event.WebhookStats{Failed: 1},
		},
		{
			name:         "401 from a receiver with another secret is not retried",
			answer:       func(int, http.ResponseWriter, *http.Request) int { return http.StatusUnauthorized },
			wantAttempts: 1, want: event.WebhookStats{Failed: 1},
		},
		{
			name:         "5xx every time gives up after MaxAttempts",
			answer:       func(int, http.ResponseWriter, *http.Request) int { return http.StatusInternalServerError },
			wantAttempts: 3, wantBackoffs: []int{1, 2}, want: event.WebhookStats{Failed: 1},
		},
		{
			name: "a redirect is not followed, even with the host's client",
			answer: func(n int, w http.ResponseWriter, _ *http.Request) int {
				if n == 1 {
					w.Header().Set("Location", "/elsewhere")
					return http.StatusTemporaryRedirect
				}
				return http.StatusOK
			},
			client:       &http.Client{},
			wantAttempts: 1, want: event.WebhookStats{Failed: 1},
		},
		{
			name: "a timeout is retried",
			answer: func(n int, _ http.ResponseWriter, r *http.Request) int {
				if n == 1 {
					<-r.Context().Done() // hang until the sender gives up
				}
				return 0
			},
			timeout:      500 * time.Millisecond,
			wantAttempts: 2, wantBackoffs: []int{1}, want: event.WebhookStats{Delivered: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, srv := newReceiver(t, testSecret, tt.answer)
			var b backoffLog
			w := newWebhook(t, event.WebhookConfig{
				Endpoints: []event.Endpoint{{URL: srv.URL}},
				Backoff:   b.backoff, Timeout: tt.timeout, Client: tt.client,
			})
			w.Emit(context.Background(), event.Event{Name: event.UserDeleted, UserID: "u1"})
			closeWithin(t, w)

			if got := rc.attemptCount(); got != tt.wantAttempts {
				t.Errorf("attempts = %d, want %d", got, tt.wantAttempts)
			}
			if diff := cmp.Diff(tt.wantBackoffs, b.attempts()); diff != "" {
				t.Errorf("Backoff calls (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, w.Stats()); diff != "" {
				t.Errorf("stats (-want +got):\n%s", diff)
			}
			// Every attempt carries the same event id and body.
			reqs := rc.requests()
			for _, r := range reqs[1:] {
				if r.header.Get("webhook-id") != reqs[0].header.Get("webhook-id") || !bytes.Equal(r.body, reqs[0].body) {
					t.Errorf("a retry changed the id or the body")
				}
			}
		})
	}
}

func TestWebhookConnectionErrorIsRetriedAndLogsNoSecrets(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/hook?token=url-token-s3cr3t"
	srv.Close() // nothing listens there any more: connection refused

	var logs bytes.Buffer
	var b backoffLog
	w := newWebhook(t, event.WebhookConfig{
		Endpoints: []event.Endpoint{{URL: url}},
		Backoff:   b.backoff,
		Logger:    slog.New(slog.NewTextHandler(&logs, nil)),
	})
	w.Emit(context.Background(), event.Event{Name: event.UserDataUpdated, UserID: "u1", Data: map[string]string{"name": "body-marker"}})
	closeWithin(t, w)

	if diff := cmp.Diff([]int{1, 2}, b.attempts()); diff != "" {
		t.Errorf("Backoff calls (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(event.WebhookStats{Failed: 1}, w.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	out := logs.String()
	for _, secret := range []string{"url-token-s3cr3t", "body-marker", string(testSecret)} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "giving up") || !strings.Contains(out, "User.Data.Updated") || !strings.Contains(out, "attempt=3") {
		t.Errorf("log lacks the final failure:\n%s", out)
	}
}

func TestWebhookPermanentFailureLogsStatusNotBody(t *testing.T) {
	_, srv := newReceiver(t, testSecret, func(int, http.ResponseWriter, *http.Request) int { return http.StatusBadRequest })
	var logs bytes.Buffer
	w := newWebhook(t, event.WebhookConfig{
		Endpoints: []event.Endpoint{{URL: srv.URL, ID: "crm"}},
		Logger:    slog.New(slog.NewTextHandler(&logs, nil)),
	})
	w.Emit(context.Background(), event.Event{Name: event.UserDataUpdated, UserID: "u1", Data: map[string]string{"name": "body-marker"}})
	closeWithin(t, w)

	out := logs.String()
	if strings.Contains(out, "body-marker") || strings.Contains(out, string(testSecret)) {
		t.Errorf("log contains the body or the secret:\n%s", out)
	}
	if !strings.Contains(out, "status=400") || !strings.Contains(out, "endpoint=crm") {
		t.Errorf("log lacks the status or the endpoint:\n%s", out)
	}
}

// seqs returns the "seq" member of each request's data.
func seqs(reqs []request) []float64 {
	var out []float64
	for _, r := range reqs {
		data, _ := r.payload["data"].(map[string]any)
		seq, _ := data["seq"].(float64)
		out = append(out, seq)
	}
	return out
}

func TestWebhookQueueBoundDropsWithoutBlocking(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	drained := make(chan struct{})
	rc, srv := newReceiver(t, testSecret, func(n int, _ http.ResponseWriter, _ *http.Request) int {
		switch n {
		case 1:
			close(started)
			<-release // stall until the test lets go
		case 3:
			close(drained)
		}
		return 0
	})
	var logs syncBuffer
	w := newWebhook(t, event.WebhookConfig{
		Endpoints: []event.Endpoint{{URL: srv.URL, ID: "crm"}}, QueueSize: 2, Timeout: time.Minute,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})

	w.Emit(context.Background(), event.Event{Name: event.UserDataUpdated, Data: map[string]int{"seq": 0}})
	within(t, started, "the first delivery")

	// The worker is stuck on event 0 and the queue holds two: of events
	// 1 to 9, 1 and 2 are queued and the other seven are dropped. Every
	// Emit must return all the same.
	emitted := make(chan struct{})
	go func() {
		defer close(emitted)
		for i := 1; i <= 9; i++ {
			w.Emit(context.Background(), event.Event{Name: event.UserDataUpdated, Data: map[string]int{"seq": i}})
		}
	}()
	within(t, emitted, "Emit returning while the receiver stalls")
	if diff := cmp.Diff(event.WebhookStats{Dropped: 7}, w.Stats()); diff != "" {
		t.Errorf("stats while stalled (-want +got):\n%s", diff)
	}

	// Once the queue has drained, events are accepted again.
	close(release)
	within(t, drained, "the queue draining")
	w.Emit(context.Background(), event.Event{Name: event.UserDataUpdated, Data: map[string]int{"seq": 10}})
	closeWithin(t, w)
	if diff := cmp.Diff(event.WebhookStats{Delivered: 4, Dropped: 7}, w.Stats()); diff != "" {
		t.Errorf("stats after Close (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{0, 1, 2, 10}, seqs(rc.requests())); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	// One line when dropping starts, one when it stops: not one per drop.
	out := logs.String()
	if strings.Count(out, "queue full") != 1 || strings.Count(out, "accepts events again") != 1 {
		t.Errorf("log:\n%s\nwant one line each for dropping and recovering", out)
	}
}

// syncBuffer is a bytes.Buffer safe for the workers' and the test's
// goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestWebhookCloseDrainsInOrder(t *testing.T) {
	rc, srv := newReceiver(t, testSecret, func(n int, _ http.ResponseWriter, _ *http.Request) int {
		if n%4 == 0 {
			return http.StatusBadGateway // some retries on the way, order still holds
		}
		return 0
	})
	w := newWebhook(t, event.WebhookConfig{Endpoints: []event.Endpoint{{URL: srv.URL}}})
	var want []float64
	for i := range 20 {
		w.Emit(context.Background(), event.Event{Name: event.UserDataUpdated, Data: map[string]int{"seq": i}})
		want = append(want, float64(i))
	}
	closeWithin(t, w)

	var accepted []request
	for i, r := range rc.requests() {
		if (i+1)%4 != 0 {
			accepted = append(accepted, r)
		}
	}
	if diff := cmp.Diff(want, seqs(accepted)); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(event.WebhookStats{Delivered: 20}, w.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}

	// Closed: further events are dropped and counted, and nothing is sent.
	before := rc.attemptCount()
	w.Emit(context.Background(), event.Event{Name: event.UserDeleted})
	if err := w.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if got := w.Stats().Dropped; got != 1 {
		t.Errorf("Dropped after Close = %d, want 1", got)
	}
	if rc.attemptCount() != before {
		t.Errorf("an event emitted after Close was sent")
	}
}

func TestWebhookCloseGivesUpWhenContextEnds(t *testing.T) {
	started := make(chan struct{})
	_, srv := newReceiver(t, testSecret, func(n int, _ http.ResponseWriter, r *http.Request) int {
		if n == 1 {
			close(started)
		}
		<-r.Context().Done() // never answers
		return 0
	})
	// An attempt that would last for ever: only Close may end it.
	w := newWebhook(t, event.WebhookConfig{Endpoints: []event.Endpoint{{URL: srv.URL}}, Timeout: time.Hour})
	for range 3 {
		w.Emit(context.Background(), event.Event{Name: event.UserDataUpdated})
	}
	within(t, started, "the first delivery")

	if err := w.Close(canceled()); !errors.Is(err, context.Canceled) {
		t.Errorf("Close = %v, want context.Canceled", err)
	}
	// Close returned after the workers did: the counters are final.
	if diff := cmp.Diff(event.WebhookStats{Dropped: 3}, w.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

func TestWebhookCloseAbortsBackoff(t *testing.T) {
	_, srv := newReceiver(t, testSecret, func(int, http.ResponseWriter, *http.Request) int {
		return http.StatusServiceUnavailable
	})
	waiting := make(chan struct{})
	var once sync.Once
	w := newWebhook(t, event.WebhookConfig{
		Endpoints: []event.Endpoint{{URL: srv.URL}},
		// A wait that would last for ever: only Close may end it.
		Backoff: func(int) time.Duration { once.Do(func() { close(waiting) }); return time.Hour },
	})
	w.Emit(context.Background(), event.Event{Name: event.UserDataUpdated})
	within(t, waiting, "the first backoff")

	if err := w.Close(canceled()); !errors.Is(err, context.Canceled) {
		t.Errorf("Close = %v, want context.Canceled", err)
	}
	if diff := cmp.Diff(event.WebhookStats{Dropped: 1}, w.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

func TestWebhookMultipleEndpoints(t *testing.T) {
	otherSecret := []byte("another secret of 32 bytes or more")
	all, allSrv := newReceiver(t, testSecret, nil)
	own, ownSrv := newReceiver(t, otherSecret, nil)
	lockouts, lockoutSrv := newReceiver(t, testSecret, nil)
	w := newWebhook(t, event.WebhookConfig{Endpoints: []event.Endpoint{
		{URL: allSrv.URL, ID: "all"},
		{URL: ownSrv.URL, Secret: otherSecret},
		{URL: lockoutSrv.URL, ID: "security", Events: []event.Name{event.IdentifierLockout}},
	}})
	w.Emit(context.Background(), event.Event{Name: event.UserDataUpdated, UserID: "u1"})
	w.Emit(context.Background(), event.Event{Name: event.IdentifierLockout})
	closeWithin(t, w)

	summary := func(rc *receiver) []string {
		var out []string
		for _, r := range rc.requests() {
			out = append(out, fmt.Sprintf("%v %v", r.payload["hookId"], r.payload["event"]))
		}
		return out
	}
	for _, tt := range []struct {
		name string
		rc   *receiver
		want []string
	}{
		{"every event", all, []string{"all User.Data.Updated", "all Identifier.Lockout"}},
		{"own secret, no ID", own, []string{"<nil> User.Data.Updated", "<nil> Identifier.Lockout"}},
		{"lockouts only", lockouts, []string{"security Identifier.Lockout"}},
	} {
		if diff := cmp.Diff(tt.want, summary(tt.rc)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	if diff := cmp.Diff(event.WebhookStats{Delivered: 5}, w.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	// One event, one id, at every endpoint.
	if a, b := all.requests()[1].header.Get("webhook-id"), lockouts.requests()[0].header.Get("webhook-id"); a != b {
		t.Errorf("webhook-id differs between endpoints: %q, %q", a, b)
	}
}

func TestWebhookUnencodableEventFails(t *testing.T) {
	rc, srv := newReceiver(t, testSecret, nil)
	w := newWebhook(t, event.WebhookConfig{Endpoints: []event.Endpoint{{URL: srv.URL}, {URL: srv.URL + "/2"}}})
	w.Emit(context.Background(), event.Event{Name: event.UserDataUpdated, Data: make(chan int)})
	closeWithin(t, w)
	if diff := cmp.Diff(event.WebhookStats{Failed: 2}, w.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	if rc.attemptCount() != 0 {
		t.Errorf("an unencodable event was sent")
	}
}

// roundTripper adapts a function to an http.RoundTripper.
type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type ctxKey struct{}

func TestWebhookDeliveryOutlivesTheRequestContext(t *testing.T) {
	rc, srv := newReceiver(t, testSecret, nil)
	var mu sync.Mutex
	var seen []any
	client := &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		seen = append(seen, r.Context().Value(ctxKey{}))
		mu.Unlock()
		return http.DefaultTransport.RoundTrip(r)
	})}
	w := newWebhook(t, event.WebhookConfig{Endpoints: []event.Endpoint{{URL: srv.URL}}, Client: client})

	// The request that emitted the event is over by the time it is sent.
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "trace-1"))
	cancel()
	w.Emit(ctx, event.Event{Name: event.UserDataUpdated})
	closeWithin(t, w)

	if diff := cmp.Diff(event.WebhookStats{Delivered: 1}, w.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	if rc.attemptCount() != 1 {
		t.Errorf("attempts = %d, want 1", rc.attemptCount())
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]any{"trace-1"}, seen); diff != "" {
		t.Errorf("context values seen by the transport (-want +got):\n%s", diff)
	}
}

func TestWebhookEventNoEndpointWants(t *testing.T) {
	rc, srv := newReceiver(t, testSecret, nil)
	w := newWebhook(t, event.WebhookConfig{Endpoints: []event.Endpoint{{URL: srv.URL, Events: []event.Name{event.UserDeleted}}}})
	w.Emit(context.Background(), event.Event{Name: event.UserDataUpdated})
	closeWithin(t, w)
	if diff := cmp.Diff(event.WebhookStats{}, w.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	if rc.attemptCount() != 0 {
		t.Errorf("an event no endpoint wants was sent")
	}
}

// failingReader is a Rand that has no randomness to give.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

func TestWebhookWithoutRandomnessFails(t *testing.T) {
	rc, srv := newReceiver(t, testSecret, nil)
	w := newWebhook(t, event.WebhookConfig{Endpoints: []event.Endpoint{{URL: srv.URL}}, Rand: failingReader{}})
	w.Emit(context.Background(), event.Event{Name: event.UserDataUpdated})
	closeWithin(t, w)
	if diff := cmp.Diff(event.WebhookStats{Failed: 1}, w.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	if rc.attemptCount() != 0 {
		t.Errorf("an event without an id was sent")
	}
}

func TestNewWebhookRejects(t *testing.T) {
	ok := event.Endpoint{URL: "https://hooks.example.com/accountapi"}
	tests := []struct {
		name string
		cfg  event.WebhookConfig
	}{
		{"no endpoints", event.WebhookConfig{Secret: testSecret}},
		{"no secret", event.WebhookConfig{Endpoints: []event.Endpoint{ok}}},
		{"short secret", event.WebhookConfig{Endpoints: []event.Endpoint{ok}, Secret: testSecret[:31]}},
		{"short endpoint secret", event.WebhookConfig{Endpoints: []event.Endpoint{{URL: ok.URL, Secret: []byte("short")}}}},
		{"one endpoint without a secret", event.WebhookConfig{Endpoints: []event.Endpoint{{URL: ok.URL, Secret: testSecret}, ok}}},
		{"relative URL", event.WebhookConfig{Endpoints: []event.Endpoint{{URL: "/hook?token=url-token-s3cr3t"}}, Secret: testSecret}},
		{"ftp URL", event.WebhookConfig{Endpoints: []event.Endpoint{{URL: "ftp://example.com/?token=url-token-s3cr3t"}}, Secret: testSecret}},
		{"empty event name", event.WebhookConfig{Endpoints: []event.Endpoint{{URL: ok.URL, Events: []event.Name{""}}}, Secret: testSecret}},
		{"negative Timeout", event.WebhookConfig{Endpoints: []event.Endpoint{ok}, Secret: testSecret, Timeout: -1}},
		{"negative QueueSize", event.WebhookConfig{Endpoints: []event.Endpoint{ok}, Secret: testSecret, QueueSize: -1}},
		{"negative Workers", event.WebhookConfig{Endpoints: []event.Endpoint{ok}, Secret: testSecret, Workers: -1}},
		{"negative MaxAttempts", event.WebhookConfig{Endpoints: []event.Endpoint{ok}, Secret: testSecret, MaxAttempts: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := event.NewWebhook(tt.cfg)
			if err == nil {
				_ = w.Close(canceled())
				t.Fatal("NewWebhook accepted the config")
			}
			if strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), string(testSecret[:16])) {
				t.Errorf("error repeats a secret: %v", err)
			}
		})
	}

	// Every endpoint with a secret of its own: no config Secret needed.
	w, err := event.NewWebhook(event.WebhookConfig{Endpoints: []event.Endpoint{{URL: ok.URL, Secret: testSecret}}})
	if err != nil {
		t.Fatalf("NewWebhook with endpoint secrets only: %v", err)
	}
	_ = w.Close(canceled())
}

// signed returns the headers of a request signed by hand from the
// documented scheme.
func signed(secret []byte, id, ts string, body []byte) http.Header {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	logto := hmac.New(sha256.New, secret)
	logto.Write(body)
	h := http.Header{}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", ts)
	h.Set("webhook-signature", "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	h.Set("logto-signature-sha-256", "sha256="+hex.EncodeToString(logto.Sum(nil)))
	return h
}

func TestVerifySignature(t *testing.T) {
	body := []byte(`{"event":"User.Deleted","createdAt":"2026-01-02T03:04:05.000Z","userId":"u1","data":null}`)
	ts := strconv.FormatInt(t0.Unix(), 10)
	valid := func() http.Header { return signed(testSecret, "evt_1", ts, body) }
	with := func(key, value string) http.Header {
		h := valid()
		if value == "" {
			h.Del(key)
		} else {
			h.Set(key, value)
		}
		return h
	}

	// The Standard Webhooks libraries' published vector
	// (libraries/go/webhook_test.go, TestWebhookSign): the secret is
	// "whsec_" + base64 of the key.
	swKey, _ := base64.StdEncoding.DecodeString("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	swHeader := http.Header{}
	swHeader.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
	swHeader.Set("webhook-timestamp", "1614265330")
	swHeader.Set("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")

	tests := []struct {
		name      string
		secret    []byte
		body      []byte
		header    http.Header
		now       time.Time
		tolerance time.Duration
		want      error
	}{
		{name: "valid", header: valid()},
		{name: "valid without the Logto header", header: with("logto-signature-sha-256", "")},
		{name: "Standard Webhooks vector", secret: swKey, body: []byte(`{"test": 2432232314}`), header: swHeader, now: time.Unix(1614265330, 0)},
		{name: "one of several signatures matches (key rotation)", header: with("webhook-signature",
			"v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v1a,xyz "+valid().Get("webhook-signature"))},
		{name: "4 minutes old", header: valid(), now: t0.Add(4 * time.Minute)},
		{name: "replayed 6 minutes later", header: valid(), now: t0.Add(6 * time.Minute), want: event.ErrSignatureExpired},
		{name: "6 minutes in the future", header: valid(), now: t0.Add(-6 * time.Minute), want: event.ErrSignatureExpired},
		{name: "6 minutes old, tolerance 10", header: valid(), now: t0.Add(6 * time.Minute), tolerance: 10 * time.Minute},
		{name: "tampered body", body: bytes.Replace(body, []byte("u1"), []byte("u2"), 1), header: valid(), want: event.ErrSignatureInvalid},
		{name: "wrong secret", secret: []byte("not the secret, though 32 bytes long"), header: valid(), want: event.ErrSignatureInvalid},
		{name: "empty secret", secret: []byte{}, header: valid(), want: event.ErrSignatureInvalid},
		{name: "fresh timestamp on an old signature", header: with("webhook-timestamp", strconv.FormatInt(t0.Unix()+1, 10)), want: event.ErrSignatureInvalid},
		{name: "other id", header: with("webhook-id", "evt_2"), want: event.ErrSignatureInvalid},
		{name: "id with a dot", header: signed(testSecret, "evt.1", ts, body), want: event.ErrSignatureInvalid},
		{name: "no id", header: with("webhook-id", ""), want: event.ErrSignatureInvalid},
		{name: "no timestamp", header: with("webhook-timestamp", ""), want: event.ErrSignatureInvalid},
		{name: "no signature", header: with("webhook-signature", ""), want: event.ErrSignatureInvalid},
		{name: "malformed timestamp", header: signed(testSecret, "evt_1", "1e9", body), want: event.ErrSignatureInvalid},
		{name: "only another version", header: with("webhook-signature", "v2,"+strings.TrimPrefix(valid().Get("webhook-signature"), "v1,")), want: event.ErrSignatureInvalid},
		{name: "signature not base64", header: with("webhook-signature", "v1,***"), want: event.ErrSignatureInvalid},
		{name: "Logto header of another body", header: with("logto-signature-sha-256", "sha256="+strings.Repeat("0", 64)), want: event.ErrSignatureInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret, b, now := tt.secret, tt.body, tt.now
			if secret == nil {
				secret = testSecret
			}
			if b == nil {
				b = body
			}
			if now.IsZero() {
				now = t0
			}
			err := event.VerifySignature(secret, b, tt.header, now, tt.tolerance)
			if tt.want == nil && err != nil {
				t.Errorf("VerifySignature = %v, want nil", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("VerifySignature = %v, want %v", err, tt.want)
			}
		})
	}
}
