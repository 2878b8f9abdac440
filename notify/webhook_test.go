package notify_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/store"
)

// receiver is the host's service: it checks the request the way the docs
// tell a receiver to and records the messages it accepted.
type receiver struct {
	secret []byte
	auth   string
	status int

	mu   sync.Mutex
	got  []notify.Message
	errs []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	fail := func(msg string) {
		rc.mu.Lock()
		rc.errs = append(rc.errs, msg)
		rc.mu.Unlock()
		http.Error(w, msg, http.StatusBadRequest)
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		fail("method " + r.Method + ", content type " + r.Header.Get("Content-Type"))
		return
	}
	if r.Header.Get("Authorization") != rc.auth {
		fail("authorization " + r.Header.Get("Authorization"))
		return
	}
	if rc.secret != nil {
		// Computed here, independently of notify.Sign.
		mac := hmac.New(sha256.New, rc.secret)
		mac.Write(body)
		want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
		if !hmac.Equal([]byte(r.Header.Get(notify.SignatureHeader)), []byte(want)) {
			fail("bad signature " + r.Header.Get(notify.SignatureHeader))
			return
		}
	} else if r.Header.Get(notify.SignatureHeader) != "" {
		fail("signature without a secret")
		return
	}
	var m notify.Message
	if err := json.Unmarshal(body, &m); err != nil {
		fail(err.Error())
		return
	}
	rc.mu.Lock()
	rc.got = append(rc.got, m)
	rc.mu.Unlock()
	if rc.status != 0 {
		w.WriteHeader(rc.status)
	}
}

func TestWebhook(t *testing.T) {
	msg := notify.Message{
		Channel: notify.ChannelEmail, To: "ada@example.com", Type: store.TemplateBindNewIdentifier, Locale: "de", Code: "246810",
		User: &notify.User{ID: "u1", PrimaryEmail: "old@example.com"}, Application: &notify.Application{ID: "app1"},
	}
	secret := []byte("0123456789abcdef0123456789abcdef")
	tests := []struct {
		name       string
		cfgSecret  []byte // what the notifier signs with
		cfgAuth    string
		rcvSecret  []byte // what the receiver checks; nil: no signature expected
		rcvAuth    string
		rcvStatus  int
		wantErr    bool
		wantStored bool
	}{
		{"signed and authorised", secret, "Bearer t0k3n", secret, "Bearer t0k3n", 0, false, true},
		{"no secret, no auth", nil, "", nil, "", 0, false, true},
		{"204 is success", nil, "", nil, "", http.StatusNoContent, false, true},
		{"500 is a failure", nil, "", nil, "", http.StatusInternalServerError, true, true},
		{"wrong secret is refused", []byte("another secret"), "", secret, "", 0, true, false},
		{"wrong authorization is refused", nil, "Bearer nope", nil, "Bearer t0k3n", 0, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := &receiver{secret: tt.rcvSecret, auth: tt.rcvAuth, status: tt.rcvStatus}
			srv := httptest.NewServer(rcv)
			defer srv.Close()
			w, err := notify.NewWebhook(notify.WebhookConfig{URL: srv.URL + "/hook", Secret: tt.cfgSecret, Authorization: tt.cfgAuth})
			if err != nil {
				t.Fatalf("NewWebhook: %v", err)
			}
			err = w.Notify(context.Background(), msg)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Notify: err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), msg.Code) {
				t.Errorf("the error holds the code: %v", err)
			}
			rcv.mu.Lock()
			defer rcv.mu.Unlock()
			if !tt.wantStored {
				if len(rcv.got) != 0 {
					t.Errorf("receiver accepted %d messages, want none", len(rcv.got))
				}
				return
			}
			if len(rcv.errs) != 0 {
				t.Fatalf("receiver refused: %v", rcv.errs)
			}
			if diff := cmp.Diff([]notify.Message{msg}, rcv.got); diff != "" {
				t.Errorf("received (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWebhookSign(t *testing.T) {
	// HMAC-SHA256 test case 2 of RFC 4231.
	got := notify.Sign([]byte("Jefe"), []byte("what do ya want for nothing?"))
	want := "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestWebhookDoesNotFollowRedirects(t *testing.T) {
	var hits int
	var mu sync.Mutex
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
	}))
	defer target.Close()
	redirect := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusTemporaryRedirect))
	defer redirect.Close()
	w, err := notify.NewWebhook(notify.WebhookConfig{URL: redirect.URL, Authorization: "Bearer t"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Notify(context.Background(), notify.Message{Channel: notify.ChannelSMS, To: "1", Type: store.TemplateSignIn, Code: "1"}); err == nil {
		t.Error("a 307 counted as delivered")
	}
	mu.Lock()
	defer mu.Unlock()
	if hits != 0 {
		t.Errorf("the redirect was followed")
	}
}

func TestWebhookTimeouts(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration // WebhookConfig.Timeout
		ctx     func() (context.Context, context.CancelFunc)
	}{
		{"caller's deadline", 0, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}},
		{"configured timeout", 50 * time.Millisecond, func() (context.Context, context.CancelFunc) {
			return context.WithCancel(context.Background())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-release:
				}
			}))
			defer srv.Close()
			defer close(release)
			w, err := notify.NewWebhook(notify.WebhookConfig{URL: srv.URL, Timeout: tt.timeout})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := tt.ctx()
			defer cancel()
			err = w.Notify(ctx, notify.Message{Channel: notify.ChannelSMS, To: "1", Type: store.TemplateSignIn, Code: "1"})
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want context.DeadlineExceeded", err)
			}
		})
	}
}

func TestNewWebhookRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  notify.WebhookConfig
	}{
		{"no URL", notify.WebhookConfig{}},
		{"relative URL", notify.WebhookConfig{URL: "/hook"}},
		{"other scheme", notify.WebhookConfig{URL: "ftp://example.com/hook"}},
		{"unparsable", notify.WebhookConfig{URL: "http://exa mple.com/"}},
		{"negative timeout", notify.WebhookConfig{URL: "https://example.com/hook", Timeout: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := notify.NewWebhook(tt.cfg); err == nil {
				t.Error("NewWebhook succeeded, want an error")
			}
		})
	}
}
