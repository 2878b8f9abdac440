package oidc_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/go-cmp/cmp"

	"github.com/accountapi/accountapi/connector"
	"github.com/accountapi/accountapi/connector/oidc"
	"github.com/accountapi/accountapi/store"
)

// The connector against a small provider written here: it serves discovery,
// its JWKS, a token endpoint that checks the client, the code, the redirect
// URI and the PKCE verifier, and a userinfo endpoint, and signs real RS256 ID
// tokens that go-oidc verifies. Cases that a conforming provider never
// produces (a wrong audience, a foreign key, a bad at_hash) are made by
// changing what it signs. e2e/httpadapter/oidc_e2e_test.go runs the whole flow
// against ory/fosite.

const (
	clientID     = "accountapi-client"
	clientSecret = "s3cret-client-secret"
	redirectURI  = "https://app.example.test/callback"
	goodCode     = "the-authorization-code"
	subject      = "op-user-1"
)

var keys struct {
	once        sync.Once
	good, rogue *rsa.PrivateKey
}

func signingKeys(t *testing.T) (good, rogue *rsa.PrivateKey) {
	t.Helper()
	keys.once.Do(func() {
		var err error
		if keys.good, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if keys.rogue, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return keys.good, keys.rogue
}

// grant is what the provider remembers about a code it issued.
type grant struct {
	nonce, challenge, redirect string
	used                       bool
}

// provider is the test's OpenID provider.
type provider struct {
	t   *testing.T
	srv *httptest.Server
	key *rsa.PrivateKey

	mu     sync.Mutex
	grants map[string]*grant
	// tamper, when set, changes the ID token's claims before signing.
	tamper func(claims map[string]any)
	// signWith, when set, signs ID tokens with another key.
	signWith *rsa.PrivateKey
	// noIDToken leaves id_token out of the token response.
	noIDToken bool
	// userinfo is the userinfo endpoint's answer.
	userinfo map[string]any
	// discoveryDown makes discovery answer 503.
	discoveryDown bool
	// claims are added to every ID token.
	claims map[string]any
	// public accepts the client without a secret.
	public bool
	// authMethods records how the client authenticated, per request.
	authMethods []string
}

func newProvider(t *testing.T) *provider {
	t.Helper()
	good, _ := signingKeys(t)
	p := &provider{t: t, key: good, grants: map[string]*grant{}, claims: map[string]any{
		"email": "ann@example.com", "email_verified": true, "name": "Ann", "picture": "https://img.example/ann.png",
	}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("GET /userinfo", p.userinfoEndpoint)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *provider) issuer() string { return p.srv.URL }

func (p *provider) discovery(w http.ResponseWriter, _ *http.Request) {
	p.mu.Lock()
	down := p.discoveryDown
	p.mu.Unlock()
	if down {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	writeJSON(w, 200, map[string]any{
		"issuer": p.issuer(), "authorization_endpoint": p.issuer() + "/authorize",
		"token_endpoint": p.issuer() + "/token", "jwks_uri": p.issuer() + "/jwks",
		"userinfo_endpoint": p.issuer() + "/userinfo", "id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
	})
}

func (p *provider) jwks(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, 200, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
}

// login is the user signing in at the provider: it answers the authorization
// URI the connector built with a code, as the provider's redirect would.
func (p *provider) login(uri string) (code string) {
	p.t.Helper()
	u, err := url.Parse(uri)
	if err != nil {
		p.t.Fatal(err)
	}
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" {
		p.t.Fatalf("code_challenge_method = %q", q.Get("code_challenge_method"))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.grants[goodCode] = &grant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
	return goodCode
}

func (p *provider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "authorization_code" {
		writeJSON(w, 400, map[string]string{"error": "invalid_request"})
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	id, secret, basic := r.BasicAuth()
	if basic {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	p.authMethods = append(p.authMethods, map[bool]string{true: "basic", false: "form"}[basic])
	if id != clientID || (secret != clientSecret && !(p.public && secret == "")) {
		writeJSON(w, 401, map[string]string{"error": "invalid_client"})
		return
	}
	g := p.grants[r.PostForm.Get("code")]
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if g == nil || g.used || g.redirect != r.PostForm.Get("redirect_uri") ||
		base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		writeJSON(w, 400, map[string]string{"error": "invalid_grant", "error_description": "code " + r.PostForm.Get("code")})
		return
	}
	g.used = true
	access := "access-token-for-" + subject
	body := map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": 3600}
	if !p.noIDToken {
		body["id_token"] = p.sign(g.nonce, access)
	}
	writeJSON(w, 200, body)
}

// sign makes the ID token; p.mu is held.
func (p *provider) sign(nonce, access string) string {
	now := time.Now()
	sum := sha256.Sum256([]byte(access))
	claims := map[string]any{
		"iss": p.issuer(), "sub": subject, "aud": clientID, "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(),
		"nonce": nonce, "at_hash": base64.RawURLEncoding.EncodeToString(sum[:16]),
	}
	for k, v := range p.claims {
		claims[k] = v
	}
	if p.tamper != nil {
		p.tamper(claims)
	}
	key := p.key
	if p.signWith != nil {
		key = p.signWith
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		p.t.Error(err)
		return ""
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		p.t.Error(err)
	}
	return tok
}

func (p *provider) userinfoEndpoint(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer access-token-for-"+subject {
		writeJSON(w, 401, map[string]string{"error": "invalid_token"})
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	writeJSON(w, 200, p.userinfo)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func newConnector(t *testing.T, p *provider, mod func(*oidc.Config)) *oidc.Connector {
	t.Helper()
	cfg := oidc.Config{
		Issuer: p.issuer(), ClientID: clientID, ClientSecret: clientSecret, Target: "example-oidc",
		HTTPClient: p.srv.Client(),
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := oidc.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// begin runs AuthorizationURI for the standard request.
func begin(t *testing.T, c *oidc.Connector, scope string) (string, connector.Session) {
	t.Helper()
	uri, session, err := c.AuthorizationURI(t.Context(), connector.AuthorizationRequest{
		State: "client-state-1", RedirectURI: redirectURI, Scope: scope, RecordID: "rec1",
	})
	if err != nil {
		t.Fatal(err)
	}
	return uri, session
}

func TestNew(t *testing.T) {
	ok := oidc.Config{Issuer: "https://op.example.com", ClientID: "c", Target: "t"}
	tests := []struct {
		name string
		mod  func(*oidc.Config)
		ok   bool
	}{
		{"valid", func(*oidc.Config) {}, true},
		{"loopback http", func(c *oidc.Config) { c.Issuer = "http://127.0.0.1:9000/realms/x" }, true},
		{"localhost http", func(c *oidc.Config) { c.Issuer = "http://localhost:9000" }, true},
		{"remote http", func(c *oidc.Config) { c.Issuer = "http://op.example.com" }, false},
		{"relative issuer", func(c *oidc.Config) { c.Issuer = "/op" }, false},
		{"issuer with query", func(c *oidc.Config) { c.Issuer = "https://op.example.com/?tenant=1" }, false},
		{"no issuer", func(c *oidc.Config) { c.Issuer = "" }, false},
		{"no client id", func(c *oidc.Config) { c.ClientID = "" }, false},
		{"no target", func(c *oidc.Config) { c.Target = "" }, false},
		{"scopes without openid", func(c *oidc.Config) { c.Scopes = []string{"profile"} }, false},
		{"scopes with openid", func(c *oidc.Config) { c.Scopes = []string{"openid"} }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.mod(&cfg)
			c, err := oidc.New(cfg)
			if (err == nil) != tt.ok {
				t.Fatalf("New err = %v, want ok %v", err, tt.ok)
			}
			if err == nil && (c.Type() != connector.TypeSocial || c.Target() != cfg.Target) {
				t.Errorf("Type, Target = %v, %v", c.Type(), c.Target())
			}
		})
	}
}

func TestAuthorizationURI(t *testing.T) {
	p := newProvider(t)
	c := newConnector(t, p, nil)
	uri, session := begin(t, c, "")
	u, err := url.Parse(uri)
	if err != nil || !strings.HasPrefix(uri, p.issuer()+"/authorize?") {
		t.Fatalf("uri = %q", uri)
	}
	q := u.Query()
	sum := sha256.Sum256([]byte(session["codeVerifier"]))
	want := url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirectURI},
		"scope": {"openid profile email"}, "state": {"client-state-1"}, "nonce": {session["nonce"]},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	if d := cmp.Diff(want, q); d != "" {
		t.Errorf("query (-want +got):\n%s", d)
	}
	if len(session["nonce"]) != 43 || len(session["codeVerifier"]) != 43 {
		t.Errorf("nonce %q, verifier %q: want 43 characters each", session["nonce"], session["codeVerifier"])
	}
	if session["state"] != "client-state-1" || session["redirectUri"] != redirectURI {
		t.Errorf("session = %v", session)
	}
	if q.Get("client_secret") != "" || strings.Contains(uri, clientSecret) {
		t.Error("the authorization URI carries the client secret")
	}

	_, again := begin(t, c, "")
	if again["nonce"] == session["nonce"] || again["codeVerifier"] == session["codeVerifier"] {
		t.Error("a second authorization reuses the nonce or the verifier")
	}
}

func TestAuthorizationURIScope(t *testing.T) {
	p := newProvider(t)
	c := newConnector(t, p, nil)
	for _, tt := range []struct{ scope, want string }{
		{"", "openid profile email"},
		{"profile  phone", "openid profile phone"},
		{"email openid", "email openid"},
	} {
		uri, _ := begin(t, c, tt.scope)
		u, _ := url.Parse(uri)
		if got := u.Query().Get("scope"); got != tt.want {
			t.Errorf("scope %q: got %q, want %q", tt.scope, got, tt.want)
		}
	}
}

func TestDiscoveryRetriesAfterFailure(t *testing.T) {
	p := newProvider(t)
	p.discoveryDown = true
	c := newConnector(t, p, nil)
	if err := c.Discover(t.Context()); err == nil {
		t.Fatal("Discover succeeded against a provider that is down")
	}
	p.mu.Lock()
	p.discoveryDown = false
	p.mu.Unlock()
	if err := c.Discover(t.Context()); err != nil {
		t.Fatalf("Discover after recovery: %v", err)
	}
}

func TestDiscoveryIssuerMismatch(t *testing.T) {
	p := newProvider(t)
	c := newConnector(t, p, func(cfg *oidc.Config) { cfg.Issuer = strings.Replace(p.issuer(), "127.0.0.1", "localhost", 1) })
	if _, _, err := c.AuthorizationURI(t.Context(), connector.AuthorizationRequest{State: "s", RedirectURI: redirectURI}); err == nil {
		t.Fatal("AuthorizationURI accepted a discovery document naming another issuer")
	}
}

func TestUserInfo(t *testing.T) {
	p := newProvider(t)
	c := newConnector(t, p, nil)
	uri, session := begin(t, c, "")
	code := p.login(uri)
	got, err := c.UserInfo(t.Context(), map[string]any{"code": code, "state": "client-state-1", "iss": p.issuer()}, session)
	if err != nil {
		t.Fatal(err)
	}
	if got.RawData["nonce"] != session["nonce"] || got.RawData["iss"] != p.issuer() {
		t.Errorf("raw data = %v", got.RawData)
	}
	got.RawData = nil
	want := &store.SocialUserInfo{ID: subject, Email: "ann@example.com", Name: "Ann", Avatar: "https://img.example/ann.png"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("user (-want +got):\n%s", d)
	}
}

func TestUserInfoClaims(t *testing.T) {
	tests := []struct {
		name      string
		claims    map[string]any
		userinfo  map[string]any
		fetch     bool
		want      store.SocialUserInfo
		wantError error
	}{
		{"unverified email is dropped", map[string]any{"email": "x@example.com", "email_verified": false},
			nil, false, store.SocialUserInfo{ID: subject}, nil},
		{"email without email_verified is dropped", map[string]any{"email": "x@example.com"},
			nil, false, store.SocialUserInfo{ID: subject}, nil},
		{"email_verified as a string", map[string]any{"email": "x@example.com", "email_verified": "true"},
			nil, false, store.SocialUserInfo{ID: subject, Email: "x@example.com"}, nil},
		{"verified phone", map[string]any{"phone_number": "+61412345678", "phone_number_verified": true},
			nil, false, store.SocialUserInfo{ID: subject, Phone: "+61412345678"}, nil},
		{"userinfo fills in", map[string]any{"name": "Ann"},
			map[string]any{"sub": subject, "name": "Other", "picture": "https://img.example/p.png"}, true,
			store.SocialUserInfo{ID: subject, Name: "Ann", Avatar: "https://img.example/p.png"}, nil},
		{"userinfo not asked by default", map[string]any{},
			map[string]any{"sub": subject, "name": "Other"}, false, store.SocialUserInfo{ID: subject}, nil},
		{"userinfo of another subject", map[string]any{},
			map[string]any{"sub": "someone-else", "name": "Mallory"}, true, store.SocialUserInfo{}, connector.ErrInvalidResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProvider(t)
			p.claims, p.userinfo = tt.claims, tt.userinfo
			c := newConnector(t, p, func(cfg *oidc.Config) { cfg.FetchUserInfo = tt.fetch })
			uri, session := begin(t, c, "")
			got, err := c.UserInfo(t.Context(), map[string]any{"code": p.login(uri), "state": "client-state-1"}, session)
			if !errors.Is(err, tt.wantError) || (tt.wantError != nil) != (err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantError)
			}
			if err != nil {
				return
			}
			got.RawData = nil
			if d := cmp.Diff(&tt.want, got); d != "" {
				t.Errorf("user (-want +got):\n%s", d)
			}
		})
	}
}

// errPlain stands for an error that wraps none of the connector errors: the
// provider could not be asked, or refused the client itself.
var errPlain = errors.New("plain error")

func TestUserInfoRefusals(t *testing.T) {
	_, rogue := signingKeys(t)
	tests := []struct {
		name string
		// setup changes the provider; callback changes the callback data
		// and session after a real login.
		setup    func(p *provider)
		callback func(p *provider, data map[string]any, session connector.Session)
		cfg      func(*oidc.Config)
		want     error
	}{
		{name: "state tampered", callback: func(_ *provider, d map[string]any, _ connector.Session) { d["state"] = "client-state-2" },
			want: connector.ErrInvalidResponse},
		{name: "state missing", callback: func(_ *provider, d map[string]any, _ connector.Session) { delete(d, "state") },
			want: connector.ErrInvalidResponse},
		{name: "state not a string", callback: func(_ *provider, d map[string]any, _ connector.Session) { d["state"] = 1.0 },
			want: connector.ErrInvalidResponse},
		{name: "no session", callback: func(_ *provider, _ map[string]any, s connector.Session) { clear(s) },
			want: connector.ErrInvalidResponse},
		{name: "error callback", callback: func(_ *provider, d map[string]any, _ connector.Session) {
			delete(d, "code")
			d["error"], d["error_description"] = "access_denied", "The user said no"
		}, want: connector.ErrAuthorizationFailed},
		{name: "code missing", callback: func(_ *provider, d map[string]any, _ connector.Session) { delete(d, "code") },
			want: connector.ErrInvalidResponse},
		{name: "iss of another provider", callback: func(_ *provider, d map[string]any, _ connector.Session) { d["iss"] = "https://evil.example" },
			want: connector.ErrInvalidResponse},
		{name: "unknown code", callback: func(_ *provider, d map[string]any, _ connector.Session) { d["code"] = "forged" },
			want: connector.ErrAuthCodeInvalid},
		{name: "wrong PKCE verifier", callback: func(_ *provider, _ map[string]any, s connector.Session) {
			s["codeVerifier"] = strings.Repeat("A", 43)
		}, want: connector.ErrAuthCodeInvalid},
		{name: "other redirect URI", callback: func(_ *provider, _ map[string]any, s connector.Session) {
			s["redirectUri"] = "https://app.example.test/other"
		}, want: connector.ErrAuthCodeInvalid},
		{name: "client refused", cfg: func(c *oidc.Config) { c.ClientSecret = "wrong" }, want: errPlain},
		{name: "no id_token", setup: func(p *provider) { p.noIDToken = true }, want: connector.ErrInvalidResponse},
		{name: "signed by another key", setup: func(p *provider) { p.signWith = rogue }, want: connector.ErrInvalidResponse},
		{name: "other audience", setup: func(p *provider) {
			p.tamper = func(c map[string]any) { c["aud"] = "another-client" }
		}, want: connector.ErrInvalidResponse},
		{name: "several audiences without azp", setup: func(p *provider) {
			p.tamper = func(c map[string]any) { c["aud"] = []string{clientID, "another-client"} }
		}, want: connector.ErrInvalidResponse},
		{name: "azp of another client", setup: func(p *provider) {
			p.tamper = func(c map[string]any) { c["azp"] = "another-client" }
		}, want: connector.ErrInvalidResponse},
		{name: "other issuer", setup: func(p *provider) {
			p.tamper = func(c map[string]any) { c["iss"] = "https://evil.example" }
		}, want: connector.ErrInvalidResponse},
		{name: "expired", cfg: func(c *oidc.Config) { c.Now = func() time.Time { return time.Now().Add(2 * time.Hour) } },
			want: connector.ErrInvalidResponse},
		{name: "other nonce", setup: func(p *provider) {
			p.tamper = func(c map[string]any) { c["nonce"] = "a-nonce-of-another-request" }
		}, want: connector.ErrInvalidResponse},
		{name: "no nonce", setup: func(p *provider) {
			p.tamper = func(c map[string]any) { delete(c, "nonce") }
		}, want: connector.ErrInvalidResponse},
		{name: "at_hash of another token", setup: func(p *provider) {
			p.tamper = func(c map[string]any) { c["at_hash"] = "AAAAAAAAAAAAAAAAAAAAAA" }
		}, want: connector.ErrInvalidResponse},
		{name: "no sub", setup: func(p *provider) {
			p.tamper = func(c map[string]any) { delete(c, "sub") }
		}, want: connector.ErrInvalidResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProvider(t)
			if tt.setup != nil {
				tt.setup(p)
			}
			c := newConnector(t, p, tt.cfg)
			uri, session := begin(t, c, "")
			data := map[string]any{"code": p.login(uri), "state": "client-state-1"}
			if tt.callback != nil {
				tt.callback(p, data, session)
			}
			verifier := session["codeVerifier"]
			got, err := c.UserInfo(t.Context(), data, session)
			if got != nil {
				t.Errorf("user = %+v, want none", got)
			}
			checkErr(t, err, tt.want)
			for _, secret := range []string{goodCode, clientSecret, verifier, "access-token-for-"} {
				if secret != "" && strings.Contains(err.Error(), secret) {
					t.Errorf("error %q reveals %q", err, secret)
				}
			}
		})
	}
}

// checkErr checks that err wraps want, or for errPlain none of the
// connector errors.
func checkErr(t *testing.T, err, want error) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %v", want)
	}
	if want == errPlain {
		for _, e := range []error{connector.ErrInvalidResponse, connector.ErrAuthorizationFailed, connector.ErrAuthCodeInvalid} {
			if errors.Is(err, e) {
				t.Fatalf("err = %v, want a plain error", err)
			}
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
}

func TestUserInfoCodeIsSingleUse(t *testing.T) {
	p := newProvider(t)
	c := newConnector(t, p, nil)
	uri, session := begin(t, c, "")
	data := map[string]any{"code": p.login(uri), "state": "client-state-1"}
	if _, err := c.UserInfo(t.Context(), data, session); err != nil {
		t.Fatal(err)
	}
	_, err := c.UserInfo(t.Context(), data, session)
	checkErr(t, err, connector.ErrAuthCodeInvalid)
}

func TestUserInfoProviderUnreachable(t *testing.T) {
	p := newProvider(t)
	c := newConnector(t, p, nil)
	uri, session := begin(t, c, "") // discovery succeeds
	code := p.login(uri)
	p.srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	_, err := c.UserInfo(ctx, map[string]any{"code": code, "state": "client-state-1"}, session)
	checkErr(t, err, errPlain)
}

func TestTokenEndpointAuthentication(t *testing.T) {
	tests := []struct {
		name, secret string
		want         []string
	}{
		{"confidential client uses HTTP Basic", clientSecret, []string{"basic"}},
		{"public client names itself in the form", "", []string{"form"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProvider(t)
			p.public = true
			c := newConnector(t, p, func(cfg *oidc.Config) { cfg.ClientSecret = tt.secret })
			uri, session := begin(t, c, "")
			if _, err := c.UserInfo(t.Context(), map[string]any{"code": p.login(uri), "state": "client-state-1"}, session); err != nil {
				t.Fatal(err)
			}
			// A refused code is sent once, not retried the other way.
			_, err := c.UserInfo(t.Context(), map[string]any{"code": "forged", "state": "client-state-1"}, session)
			checkErr(t, err, connector.ErrAuthCodeInvalid)
			want := append(tt.want, tt.want...)
			if d := cmp.Diff(want, p.authMethods); d != "" {
				t.Errorf("client authentication per request (-want +got):\n%s", d)
			}
		})
	}
}
