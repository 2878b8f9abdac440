package bearer

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The resource server's credentials at the test provider. The secret has
// characters that RFC 6749 §2.3.1 form-encoding changes.
const (
	rsClientID     = "resource server:1"
	rsClientSecret = "s3cr+t/with=odd:chars"
	rsBearer       = "rs-bearer-credential"
)

// testIntrospection is an RFC 7662 endpoint on loopback. It authenticates
// the caller, answers from a table of tokens and counts requests.
type testIntrospection struct {
	srv *httptest.Server

	mu      sync.Mutex
	answers map[string]map[string]any // token → response members; absent: inactive
	status  int                       // 0: normal operation
	raw     string                    // if set, sent verbatim as the body
	gate    chan struct{}             // if set, requests wait for it to close
	entered chan struct{}             // if set, receives one value per request

	hits atomic.Int64
}

func newTestIntrospection(t *testing.T) *testIntrospection {
	t.Helper()
	ti := &testIntrospection{answers: map[string]map[string]any{}}
	ti.srv = httptest.NewServer(http.HandlerFunc(ti.serve))
	t.Cleanup(ti.srv.Close)
	return ti
}

func (ti *testIntrospection) serve(w http.ResponseWriter, r *http.Request) {
	ti.hits.Add(1)
	ti.mu.Lock()
	gate, entered, status, raw := ti.gate, ti.entered, ti.status, ti.raw
	ti.mu.Unlock()
	if entered != nil {
		entered <- struct{}{}
	}
	if gate != nil {
		<-gate
	}
	if r.Method != http.MethodPost || r.URL.Path != "/token/introspection" {
		http.NotFound(w, r)
		return
	}
	if !ti.authenticated(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
		w.WriteHeader(http.StatusUnauthorized)
		writeJSON(w, map[string]string{"error": "invalid_client"})
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		http.Error(w, "bad content type", http.StatusBadRequest)
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("token") == "" || r.PostForm.Get("token_type_hint") != "access_token" {
		w.WriteHeader(http.StatusBadRequest)
		writeJSON(w, map[string]string{"error": "invalid_request"})
		return
	}
	if status != 0 {
		http.Error(w, "boom", status)
		return
	}
	if raw != "" {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(raw))
		return
	}
	ti.mu.Lock()
	answer, ok := ti.answers[r.PostForm.Get("token")]
	ti.mu.Unlock()
	if !ok {
		answer = map[string]any{"active": false}
	}
	writeJSON(w, answer)
}

// authenticated accepts HTTP Basic with the form-decoded credentials of
// RFC 6749 §2.3.1, or the bearer credential.
func (ti *testIntrospection) authenticated(r *http.Request) bool {
	if r.Header.Get("Authorization") == "Bearer "+rsBearer {
		return true
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		return false
	}
	id, err1 := url.QueryUnescape(id)
	secret, err2 := url.QueryUnescape(secret)
	return err1 == nil && err2 == nil && id == rsClientID && secret == rsClientSecret
}

func (ti *testIntrospection) set(token string, answer map[string]any) {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	if answer == nil {
		delete(ti.answers, token)
		return
	}
	ti.answers[token] = answer
}

func (ti *testIntrospection) setStatus(code int) {
	ti.mu.Lock()
	ti.status = code
	ti.mu.Unlock()
}

// hold makes requests report on entered and wait until gate is closed.
func (ti *testIntrospection) hold(gate, entered chan struct{}) {
	ti.mu.Lock()
	ti.gate, ti.entered = gate, entered
	ti.mu.Unlock()
}

func (ti *testIntrospection) endpoint() string { return ti.srv.URL + "/token/introspection" }

// activeAnswer is what Logto answers for a user's access token.
func activeAnswer(ti *testIntrospection) map[string]any {
	return map[string]any{
		"active":     true,
		"sub":        "user-1",
		"scope":      "openid profile email",
		"client_id":  "app-1",
		"token_type": "Bearer",
		"iss":        ti.srv.URL,
		"iat":        t0.Unix(),
		"exp":        t0.Add(time.Hour).Unix(),
	}
}

func newIntrospectorForTest(t *testing.T, ti *testIntrospection, clock *fakeClock, edit func(*IntrospectionConfig)) *Introspector {
	t.Helper()
	cfg := IntrospectionConfig{
		Endpoint:     ti.endpoint(),
		ClientID:     rsClientID,
		ClientSecret: rsClientSecret,
		Now:          clock.Now,
	}
	if edit != nil {
		edit(&cfg)
	}
	in, err := NewIntrospector(cfg)
	if err != nil {
		t.Fatalf("NewIntrospector: %v", err)
	}
	return in
}

const opaqueToken = "Xk3vQ9_opaque-access-token_b2Yh7LmN0pR4sT6uW8yA1cE3gI5kM7o"

func TestIntrospection(t *testing.T) {
	standard := Principal{UserID: "user-1", Scopes: []string{"openid", "profile", "email"}, ClientID: "app-1"}
	with := func(edit func(map[string]any)) func(*testIntrospection) map[string]any {
		return func(ti *testIntrospection) map[string]any {
			a := activeAnswer(ti)
			edit(a)
			return a
		}
	}
	type outcome int
	const (
		ok outcome = iota
		refused
		couldNotCheck
	)
	tests := []struct {
		name   string
		cfg    func(*IntrospectionConfig)
		answer func(*testIntrospection) map[string]any // nil: token unknown
		server func(*testIntrospection)                // extra server setup
		token  string                                  // "": opaqueToken
		want   Principal
		out    outcome
	}{
		{name: "active", answer: activeAnswer, want: standard},
		{
			name:   "active, client authenticated with a bearer credential",
			cfg:    func(c *IntrospectionConfig) { c.ClientID, c.ClientSecret, c.BearerToken = "", "", rsBearer },
			answer: activeAnswer,
			want:   standard,
		},
		{name: "unknown token", out: refused},
		{name: "inactive", answer: with(func(a map[string]any) { a["active"] = false }), out: refused},
		{
			name:   "client credentials token: no user",
			answer: with(func(a map[string]any) { delete(a, "sub"); a["token_type"] = "client_credentials" }),
			want:   Principal{Scopes: []string{"openid", "profile", "email"}, ClientID: "app-1"},
		},
		{name: "token_type access_token", answer: with(func(a map[string]any) { a["token_type"] = "access_token" }), want: standard},
		{name: "refresh token", answer: with(func(a map[string]any) { a["token_type"] = "refresh_token" }), out: refused},
		{name: "DPoP-bound token", answer: with(func(a map[string]any) { a["token_type"] = "DPoP" }), out: refused},
		{
			name:   "certificate-bound token",
			answer: with(func(a map[string]any) { a["cnf"] = map[string]string{"x5t#S256": "abc"} }),
			out:    refused,
		},
		{
			name:   "scope with runs of spaces",
			answer: with(func(a map[string]any) { a["scope"] = " openid  email " }),
			want:   Principal{UserID: "user-1", Scopes: []string{"openid", "email"}, ClientID: "app-1"},
		},
		{
			name:   "issuer as configured",
			cfg:    func(c *IntrospectionConfig) { c.Issuer = "https://id.example/oidc" },
			answer: with(func(a map[string]any) { a["iss"] = "https://id.example/oidc" }),
			want:   standard,
		},
		{
			name:   "issuer mismatch",
			cfg:    func(c *IntrospectionConfig) { c.Issuer = "https://id.example/oidc" },
			answer: activeAnswer,
			out:    refused,
		},
		{
			name:   "issuer configured, response has none",
			cfg:    func(c *IntrospectionConfig) { c.Issuer = "https://id.example/oidc" },
			answer: with(func(a map[string]any) { delete(a, "iss") }),
			out:    refused,
		},
		{
			name:   "audience among several",
			cfg:    func(c *IntrospectionConfig) { c.Audience = "https://api.example" },
			answer: with(func(a map[string]any) { a["aud"] = []string{"https://x.example", "https://api.example"} }),
			want:   standard,
		},
		{
			name:   "audience mismatch",
			cfg:    func(c *IntrospectionConfig) { c.Audience = "https://api.example" },
			answer: with(func(a map[string]any) { a["aud"] = "https://x.example" }),
			out:    refused,
		},
		{name: "empty token is refused without a request", token: "-", out: refused},
		{name: "server error", answer: activeAnswer, server: func(ti *testIntrospection) { ti.setStatus(http.StatusInternalServerError) }, out: couldNotCheck},
		{name: "server unavailable", answer: activeAnswer, server: func(ti *testIntrospection) { ti.setStatus(http.StatusServiceUnavailable) }, out: couldNotCheck},
		{
			name:   "wrong client secret",
			cfg:    func(c *IntrospectionConfig) { c.ClientSecret = "wrong-secret-value" },
			answer: activeAnswer,
			out:    couldNotCheck,
		},
		{
			name:   "response without active",
			answer: with(func(a map[string]any) { delete(a, "active") }),
			out:    couldNotCheck,
		},
		{
			name:   "response not JSON",
			server: func(ti *testIntrospection) { ti.mu.Lock(); ti.raw = "<html>hello</html>"; ti.mu.Unlock() },
			out:    couldNotCheck,
		},
		{
			name:   "endpoint unreachable",
			cfg:    func(c *IntrospectionConfig) { c.Endpoint = "http://127.0.0.1:1/token/introspection" },
			answer: activeAnswer,
			out:    couldNotCheck,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ti := newTestIntrospection(t)
			token := tt.token
			switch token {
			case "":
				token = opaqueToken
			case "-":
				token = ""
			}
			if tt.answer != nil {
				ti.set(token, tt.answer(ti))
			}
			if tt.server != nil {
				tt.server(ti)
			}
			in := newIntrospectorForTest(t, ti, newFakeClock(), tt.cfg)
			got, err := in.Authenticate(context.Background(), token)
			switch tt.out {
			case ok:
				if err != nil {
					t.Fatalf("Authenticate: %v", err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("principal (-want +got):\n%s", diff)
				}
			case refused:
				if !errors.Is(err, ErrInvalidToken) {
					t.Fatalf("Authenticate error = %v, want ErrInvalidToken", err)
				}
			case couldNotCheck:
				if err == nil || errors.Is(err, ErrInvalidToken) {
					t.Fatalf("Authenticate error = %v, want an error that is not ErrInvalidToken", err)
				}
			}
			if err != nil {
				checkNoLeak(t, err, token, rsClientSecret, url.QueryEscape(rsClientSecret), rsBearer)
			}
			if token == "" && ti.hits.Load() != 0 {
				t.Errorf("endpoint requests for an empty token = %d, want 0", ti.hits.Load())
			}
		})
	}
}

func TestIntrospectionCache(t *testing.T) {
	ctx := context.Background()
	mustAuth := func(t *testing.T, in *Introspector, token string) Principal {
		t.Helper()
		p, err := in.Authenticate(ctx, token)
		if err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
		return p
	}
	wantHits := func(t *testing.T, ti *testIntrospection, want int64, when string) {
		t.Helper()
		if got := ti.hits.Load(); got != want {
			t.Fatalf("%s: endpoint requests = %d, want %d", when, got, want)
		}
	}

	t.Run("second call is served from the cache", func(t *testing.T) {
		ti := newTestIntrospection(t)
		ti.set(opaqueToken, activeAnswer(ti))
		in := newIntrospectorForTest(t, ti, newFakeClock(), nil)
		first := mustAuth(t, in, opaqueToken)
		first.Scopes[0] = "changed by the caller"
		second := mustAuth(t, in, opaqueToken)
		wantHits(t, ti, 1, "after two calls")
		if second.Scopes[0] != "openid" {
			t.Errorf("cached principal was changed through a returned slice: %v", second.Scopes)
		}
	})

	t.Run("active result expires after the TTL", func(t *testing.T) {
		ti := newTestIntrospection(t)
		ti.set(opaqueToken, activeAnswer(ti))
		clock := newFakeClock()
		in := newIntrospectorForTest(t, ti, clock, nil)
		mustAuth(t, in, opaqueToken)
		clock.Advance(DefaultIntrospectionCacheTTL - time.Second)
		mustAuth(t, in, opaqueToken)
		wantHits(t, ti, 1, "inside the TTL")
		clock.Advance(time.Second)
		mustAuth(t, in, opaqueToken)
		wantHits(t, ti, 2, "at the TTL")
	})

	t.Run("cache never outlives exp", func(t *testing.T) {
		ti := newTestIntrospection(t)
		answer := activeAnswer(ti)
		answer["exp"] = t0.Add(10 * time.Second).Unix() // sooner than the 30 s TTL
		ti.set(opaqueToken, answer)
		clock := newFakeClock()
		in := newIntrospectorForTest(t, ti, clock, nil)
		mustAuth(t, in, opaqueToken)

		ti.set(opaqueToken, nil) // expired or revoked at the provider
		clock.Advance(9 * time.Second)
		mustAuth(t, in, opaqueToken) // the documented window
		wantHits(t, ti, 1, "before exp")

		clock.Advance(time.Second)
		if _, err := in.Authenticate(ctx, opaqueToken); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("at exp: error = %v, want ErrInvalidToken", err)
		}
		wantHits(t, ti, 2, "at exp")
	})

	t.Run("token already past exp is not cached", func(t *testing.T) {
		ti := newTestIntrospection(t)
		answer := activeAnswer(ti)
		answer["exp"] = t0.Add(-time.Second).Unix()
		ti.set(opaqueToken, answer)
		in := newIntrospectorForTest(t, ti, newFakeClock(), nil)
		mustAuth(t, in, opaqueToken) // the provider's verdict stands
		mustAuth(t, in, opaqueToken)
		wantHits(t, ti, 2, "after two calls")
	})

	t.Run("inactive result is cached for the shorter negative TTL", func(t *testing.T) {
		ti := newTestIntrospection(t)
		clock := newFakeClock()
		in := newIntrospectorForTest(t, ti, clock, nil)
		for range 3 {
			if _, err := in.Authenticate(ctx, opaqueToken); !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("error = %v, want ErrInvalidToken", err)
			}
		}
		wantHits(t, ti, 1, "inside the negative TTL")
		clock.Advance(DefaultIntrospectionNegativeTTL)
		ti.set(opaqueToken, activeAnswer(ti))
		mustAuth(t, in, opaqueToken)
		wantHits(t, ti, 2, "after the negative TTL")
	})

	t.Run("errors are not cached", func(t *testing.T) {
		ti := newTestIntrospection(t)
		ti.set(opaqueToken, activeAnswer(ti))
		ti.setStatus(http.StatusInternalServerError)
		in := newIntrospectorForTest(t, ti, newFakeClock(), nil)
		for range 2 {
			if _, err := in.Authenticate(ctx, opaqueToken); err == nil || errors.Is(err, ErrInvalidToken) {
				t.Fatalf("error = %v, want a non-ErrInvalidToken error", err)
			}
		}
		wantHits(t, ti, 2, "after two failed calls")
		ti.setStatus(0)
		mustAuth(t, in, opaqueToken)
	})

	t.Run("caching disabled", func(t *testing.T) {
		ti := newTestIntrospection(t)
		ti.set(opaqueToken, activeAnswer(ti))
		in := newIntrospectorForTest(t, ti, newFakeClock(), func(c *IntrospectionConfig) { c.CacheTTL = -1 })
		for range 3 {
			mustAuth(t, in, opaqueToken)
		}
		if _, err := in.Authenticate(ctx, "unknown"); !errors.Is(err, ErrInvalidToken) {
			t.Fatal(err)
		}
		if _, err := in.Authenticate(ctx, "unknown"); !errors.Is(err, ErrInvalidToken) {
			t.Fatal(err)
		}
		wantHits(t, ti, 5, "with caching disabled")
	})

	t.Run("bounded: least recently used is evicted", func(t *testing.T) {
		ti := newTestIntrospection(t)
		for _, tok := range []string{"tok-a", "tok-b", "tok-c"} {
			ti.set(tok, activeAnswer(ti))
		}
		in := newIntrospectorForTest(t, ti, newFakeClock(), func(c *IntrospectionConfig) { c.MaxEntries = 2 })
		mustAuth(t, in, "tok-a")
		mustAuth(t, in, "tok-b")
		mustAuth(t, in, "tok-a") // a is now the most recently used
		mustAuth(t, in, "tok-c") // evicts b
		wantHits(t, ti, 3, "after a, b, a, c")
		mustAuth(t, in, "tok-a")
		mustAuth(t, in, "tok-c")
		wantHits(t, ti, 3, "a and c cached")
		mustAuth(t, in, "tok-b")
		wantHits(t, ti, 4, "b was evicted")
		in.mu.Lock()
		n := in.cache.len()
		in.mu.Unlock()
		if n != 2 {
			t.Errorf("cache entries = %d, want 2", n)
		}
	})

	t.Run("keys are digests, not tokens", func(t *testing.T) {
		ti := newTestIntrospection(t)
		ti.set(opaqueToken, activeAnswer(ti))
		in := newIntrospectorForTest(t, ti, newFakeClock(), nil)
		mustAuth(t, in, opaqueToken)
		in.mu.Lock()
		defer in.mu.Unlock()
		if _, ok := in.cache.items[tokenKey(sha256.Sum256([]byte(opaqueToken)))]; !ok || len(in.cache.items) != 1 {
			t.Errorf("cache is not keyed by the token's SHA-256")
		}
	})
}

// TestIntrospectionConcurrent: 20 concurrent calls for one token cause one
// request.
func TestIntrospectionConcurrent(t *testing.T) {
	ti := newTestIntrospection(t)
	ti.set(opaqueToken, activeAnswer(ti))
	gate, entered := make(chan struct{}), make(chan struct{}, 20)
	ti.hold(gate, entered)
	in := newIntrospectorForTest(t, ti, newFakeClock(), nil)

	const n = 20
	var wg sync.WaitGroup
	got := make([]Principal, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { got[i], errs[i] = in.Authenticate(context.Background(), opaqueToken) })
	}
	<-entered // one request is in flight; callers arriving now join it or, later, hit the cache
	close(gate)
	wg.Wait()

	if hits := ti.hits.Load(); hits != 1 {
		t.Errorf("endpoint requests for %d concurrent calls = %d, want 1", n, hits)
	}
	want := Principal{UserID: "user-1", Scopes: []string{"openid", "profile", "email"}, ClientID: "app-1"}
	for i := range n {
		if errs[i] != nil {
			t.Errorf("call %d: %v", i, errs[i])
			continue
		}
		if diff := cmp.Diff(want, got[i]); diff != "" {
			t.Errorf("call %d principal (-want +got):\n%s", i, diff)
		}
	}
}

// TestIntrospectionCallerGivesUp: the caller that started a request going
// away neither fails the request for others nor makes them send another.
func TestIntrospectionCallerGivesUp(t *testing.T) {
	ti := newTestIntrospection(t)
	ti.set(opaqueToken, activeAnswer(ti))
	gate, entered := make(chan struct{}), make(chan struct{}, 2)
	ti.hold(gate, entered)
	in := newIntrospectorForTest(t, ti, newFakeClock(), nil)

	ctx, cancel := context.WithCancel(context.Background())
	firstErr := make(chan error, 1)
	go func() {
		_, err := in.Authenticate(ctx, opaqueToken)
		firstErr <- err
	}()
	<-entered
	cancel()
	if err := <-firstErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: error = %v, want context.Canceled", err)
	}

	second := make(chan error, 1)
	go func() {
		_, err := in.Authenticate(context.Background(), opaqueToken)
		second <- err
	}()
	close(gate)
	if err := <-second; err != nil {
		t.Fatalf("second caller: %v", err)
	}
	if hits := ti.hits.Load(); hits != 1 {
		t.Errorf("endpoint requests = %d, want 1", hits)
	}
}

// TestIntrospectionNoRedirect: the default client does not follow a
// redirect, which would resend the token elsewhere.
func TestIntrospectionNoRedirect(t *testing.T) {
	var elsewhere atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		writeJSON(w, map[string]any{"active": true, "sub": "attacker"})
	}))
	t.Cleanup(target.Close)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirector.Close)

	in, err := NewIntrospector(IntrospectionConfig{Endpoint: redirector.URL, BearerToken: rsBearer, Now: newFakeClock().Now})
	if err != nil {
		t.Fatal(err)
	}
	_, err = in.Authenticate(context.Background(), opaqueToken)
	if err == nil || errors.Is(err, ErrInvalidToken) {
		t.Errorf("error = %v, want a non-ErrInvalidToken error", err)
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("redirect target received %d requests, want 0", n)
	}
}

// TestIntrospectionRequest checks the request itself against RFC 7662 §2.1.
func TestIntrospectionRequest(t *testing.T) {
	var got struct {
		method, contentType, accept string
		form                        url.Values
		id, secret                  string
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.method, got.contentType, got.accept = r.Method, r.Header.Get("Content-Type"), r.Header.Get("Accept")
		_ = r.ParseForm()
		got.form = r.PostForm
		got.id, got.secret, _ = r.BasicAuth()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"active": false})
	}))
	t.Cleanup(srv.Close)
	in, err := NewIntrospector(IntrospectionConfig{Endpoint: srv.URL, ClientID: rsClientID, ClientSecret: rsClientSecret, Now: newFakeClock().Now})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = in.Authenticate(context.Background(), opaqueToken)

	if got.method != http.MethodPost || got.contentType != "application/x-www-form-urlencoded" || got.accept != "application/json" {
		t.Errorf("method %q, Content-Type %q, Accept %q", got.method, got.contentType, got.accept)
	}
	if diff := cmp.Diff(url.Values{"token": {opaqueToken}, "token_type_hint": {"access_token"}}, got.form); diff != "" {
		t.Errorf("form (-want +got):\n%s", diff)
	}
	if got.id != url.QueryEscape(rsClientID) || got.secret != url.QueryEscape(rsClientSecret) {
		t.Errorf("Basic credentials %q:%q, want the form-encoded id and secret", got.id, got.secret)
	}
}

func TestNewIntrospector(t *testing.T) {
	const ep = "https://id.example/oidc/token/introspection"
	tests := []struct {
		name    string
		cfg     IntrospectionConfig
		wantErr bool
	}{
		{name: "basic", cfg: IntrospectionConfig{Endpoint: ep, ClientID: "id", ClientSecret: "hunter2-secret"}},
		{name: "bearer", cfg: IntrospectionConfig{Endpoint: ep, BearerToken: "t"}},
		{name: "no endpoint", cfg: IntrospectionConfig{ClientID: "id", ClientSecret: "hunter2-secret"}, wantErr: true},
		{name: "no client authentication", cfg: IntrospectionConfig{Endpoint: ep}, wantErr: true},
		{name: "id without secret", cfg: IntrospectionConfig{Endpoint: ep, ClientID: "id"}, wantErr: true},
		{name: "secret without id", cfg: IntrospectionConfig{Endpoint: ep, ClientSecret: "hunter2-secret"}, wantErr: true},
		{name: "basic and bearer", cfg: IntrospectionConfig{Endpoint: ep, ClientID: "id", ClientSecret: "hunter2-secret", BearerToken: "hunter2-bearer"}, wantErr: true},
		{name: "http elsewhere", cfg: IntrospectionConfig{Endpoint: "http://logto:3001/oidc/token/introspection", BearerToken: "t"}, wantErr: true},
		{name: "http elsewhere, allowed", cfg: IntrospectionConfig{Endpoint: "http://logto:3001/oidc/token/introspection", BearerToken: "t", AllowHTTP: true}},
		{name: "http on loopback", cfg: IntrospectionConfig{Endpoint: "http://127.0.0.1:3001/oidc/token/introspection", BearerToken: "t"}},
		{name: "credentials in URL", cfg: IntrospectionConfig{Endpoint: "https://id:hunter2-secret@id.example/introspect", BearerToken: "t"}, wantErr: true},
		{name: "negative max entries", cfg: IntrospectionConfig{Endpoint: ep, BearerToken: "t", MaxEntries: -1}, wantErr: true},
		{name: "negative timeout", cfg: IntrospectionConfig{Endpoint: ep, BearerToken: "t", Timeout: -1}, wantErr: true},
		{name: "caching disabled", cfg: IntrospectionConfig{Endpoint: ep, BearerToken: "t", CacheTTL: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewIntrospector(tt.cfg)
			if (err != nil) != tt.wantErr {
				t.Fatalf("NewIntrospector error = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				checkNoLeak(t, err, "hunter2")
			}
		})
	}
}
