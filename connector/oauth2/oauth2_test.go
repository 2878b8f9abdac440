package oauth2_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	xoauth2 "golang.org/x/oauth2"

	"github.com/accountapi/accountapi/connector"
	"github.com/accountapi/accountapi/connector/oauth2"
	"github.com/accountapi/accountapi/store"
)

// The connector against a GitHub-like provider written here: a token
// endpoint that answers in form encoding unless JSON is asked for (as
// GitHub's does) and reports a bad code with 200 and
// error=bad_verification_code, and a /user endpoint whose id is a number.

const (
	clientID     = "gh-client"
	clientSecret = "gh-secret-value"
	redirectURI  = "https://app.example.test/callback"
	goodCode     = "gh-code-1"
	accessToken  = "gho_accesstoken"
)

type provider struct {
	t   *testing.T
	srv *httptest.Server

	mu sync.Mutex
	// challenge and redirect are the authorization request's.
	challenge, redirect string
	used                bool
	// user is /user's answer; status its status.
	user   any
	status int
	// formAnswer makes the token endpoint answer in form encoding.
	formAnswer bool
	// public accepts the client without a secret.
	public bool
}

func newProvider(t *testing.T) *provider {
	p := &provider{t: t, status: 200, user: map[string]any{
		"login": "octocat", "id": json.Number("583231"), "name": "The Octocat",
		"email": nil, "avatar_url": "https://avatars.example/u/583231",
	}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login/oauth/access_token", p.token)
	mux.HandleFunc("GET /user", p.userEndpoint)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *provider) login(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.challenge, p.redirect, p.used = u.Query().Get("code_challenge"), u.Query().Get("redirect_uri"), false
	return goodCode
}

func (p *provider) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	p.mu.Lock()
	defer p.mu.Unlock()
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	answer := func(v url.Values) {
		if p.formAnswer {
			w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
			fmt.Fprint(w, v.Encode())
			return
		}
		m := map[string]string{}
		for k := range v {
			m[k] = v.Get(k)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(m)
	}
	if id != clientID || (secret != clientSecret && !(p.public && secret == "")) {
		answer(url.Values{"error": {"incorrect_client_credentials"}})
		return
	}
	ok := r.PostForm.Get("code") == goodCode && !p.used && r.PostForm.Get("redirect_uri") == p.redirect
	if p.challenge != "" {
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		ok = ok && base64.RawURLEncoding.EncodeToString(sum[:]) == p.challenge
	}
	if !ok {
		// GitHub answers 200 with an error member.
		answer(url.Values{"error": {"bad_verification_code"}, "error_description": {"The code " + r.PostForm.Get("code") + " is incorrect"}})
		return
	}
	p.used = true
	answer(url.Values{"access_token": {accessToken}, "token_type": {"bearer"}, "scope": {"read:user"}})
}

func (p *provider) userEndpoint(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+accessToken {
		w.WriteHeader(401)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(p.status)
	json.NewEncoder(w).Encode(p.user)
}

func (p *provider) config() oauth2.Config {
	return oauth2.Config{
		AuthURL:     "https://github.example/login/oauth/authorize",
		TokenURL:    p.srv.URL + "/login/oauth/access_token",
		UserInfoURL: p.srv.URL + "/user",
		ClientID:    clientID, ClientSecret: clientSecret,
		Scopes: []string{"read:user", "user:email"}, Target: "github",
		Claims:     oauth2.Claims{Avatar: "avatar_url"},
		HTTPClient: p.srv.Client(),
	}
}

func newConnector(t *testing.T, cfg oauth2.Config) *oauth2.Connector {
	t.Helper()
	c, err := oauth2.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func begin(t *testing.T, c *oauth2.Connector, scope string) (string, connector.Session) {
	t.Helper()
	uri, s, err := c.AuthorizationURI(t.Context(), connector.AuthorizationRequest{State: "st-1", RedirectURI: redirectURI, Scope: scope})
	if err != nil {
		t.Fatal(err)
	}
	return uri, s
}

func TestNew(t *testing.T) {
	valid := oauth2.Config{
		AuthURL: "https://p.example/auth", TokenURL: "https://p.example/token", UserInfoURL: "https://p.example/user",
		ClientID: "c", Target: "t",
	}
	tests := []struct {
		name string
		mod  func(*oauth2.Config)
		ok   bool
	}{
		{"valid", func(*oauth2.Config) {}, true},
		{"loopback http", func(c *oauth2.Config) { c.TokenURL = "http://127.0.0.1:8080/token" }, true},
		{"remote http token URL", func(c *oauth2.Config) { c.TokenURL = "http://p.example/token" }, false},
		{"no auth URL", func(c *oauth2.Config) { c.AuthURL = "" }, false},
		{"no userinfo URL", func(c *oauth2.Config) { c.UserInfoURL = "" }, false},
		{"no client id", func(c *oauth2.Config) { c.ClientID = "" }, false},
		{"no target", func(c *oauth2.Config) { c.Target = "" }, false},
		{"unknown auth style", func(c *oauth2.Config) { c.AuthStyle = 7 }, false},
		{"auth style in params", func(c *oauth2.Config) { c.AuthStyle = xoauth2.AuthStyleInParams }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			tt.mod(&cfg)
			c, err := oauth2.New(cfg)
			if (err == nil) != tt.ok {
				t.Fatalf("New err = %v, want ok %v", err, tt.ok)
			}
			if err == nil && (c.Type() != connector.TypeSocial || c.Target() != "t") {
				t.Errorf("Type, Target = %v, %v", c.Type(), c.Target())
			}
		})
	}
}

func TestAuthorizationURI(t *testing.T) {
	p := newProvider(t)
	tests := []struct {
		name, scope string
		pkce        bool
		want        url.Values
	}{
		{"configured scopes", "", false, url.Values{
			"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirectURI},
			"scope": {"read:user user:email"}, "state": {"st-1"},
		}},
		{"client's scope", "repo", false, url.Values{
			"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirectURI},
			"scope": {"repo"}, "state": {"st-1"},
		}},
		{"with PKCE", "", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := p.config()
			cfg.PKCE = tt.pkce
			uri, session := begin(t, newConnector(t, cfg), tt.scope)
			u, err := url.Parse(uri)
			if err != nil || !strings.HasPrefix(uri, cfg.AuthURL+"?") {
				t.Fatalf("uri = %q", uri)
			}
			want := tt.want
			if tt.pkce {
				sum := sha256.Sum256([]byte(session["codeVerifier"]))
				want = url.Values{
					"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirectURI},
					"scope": {"read:user user:email"}, "state": {"st-1"},
					"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
				}
				if len(session["codeVerifier"]) != 43 {
					t.Errorf("verifier %q", session["codeVerifier"])
				}
			} else if _, has := session["codeVerifier"]; has {
				t.Errorf("session has a verifier without PKCE: %v", session)
			}
			if d := cmp.Diff(want, u.Query()); d != "" {
				t.Errorf("query (-want +got):\n%s", d)
			}
			if session["state"] != "st-1" || session["redirectUri"] != redirectURI {
				t.Errorf("session = %v", session)
			}
		})
	}
}

func TestUserInfo(t *testing.T) {
	tests := []struct {
		name   string
		mod    func(*oauth2.Config, *provider)
		want   *store.SocialUserInfo
		public bool
	}{
		{"numeric id, JSON answer", nil, &store.SocialUserInfo{ID: "583231", Name: "The Octocat", Avatar: "https://avatars.example/u/583231"}, false},
		{"form-encoded token answer", func(_ *oauth2.Config, p *provider) { p.formAnswer = true },
			&store.SocialUserInfo{ID: "583231", Name: "The Octocat", Avatar: "https://avatars.example/u/583231"}, false},
		{"with PKCE", func(c *oauth2.Config, _ *provider) { c.PKCE = true },
			&store.SocialUserInfo{ID: "583231", Name: "The Octocat", Avatar: "https://avatars.example/u/583231"}, false},
		{"secret in the form", func(c *oauth2.Config, _ *provider) { c.AuthStyle = xoauth2.AuthStyleInParams },
			&store.SocialUserInfo{ID: "583231", Name: "The Octocat", Avatar: "https://avatars.example/u/583231"}, false},
		{"public client", func(c *oauth2.Config, p *provider) { c.ClientSecret, c.PKCE, p.public = "", true, true },
			&store.SocialUserInfo{ID: "583231", Name: "The Octocat", Avatar: "https://avatars.example/u/583231"}, true},
		{"nested mapping with a string id", func(c *oauth2.Config, p *provider) {
			c.Claims = oauth2.Claims{ID: "data.uid", Email: "data.mail", Phone: "data.tel", Name: "data.nick", Avatar: "data.pic"}
			p.user = map[string]any{"data": map[string]any{"uid": "u-9", "mail": "n@example.com", "tel": "+61400000000", "nick": "Nine", "pic": "https://p/9"}}
		}, &store.SocialUserInfo{ID: "u-9", Email: "n@example.com", Phone: "+61400000000", Name: "Nine", Avatar: "https://p/9"}, false},
		{"default mapping ignores non-strings", func(c *oauth2.Config, p *provider) {
			c.Claims = oauth2.Claims{}
			p.user = map[string]any{"id": "x1", "email": false, "name": 3, "avatar": "https://a/x1"}
		}, &store.SocialUserInfo{ID: "x1", Avatar: "https://a/x1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProvider(t)
			cfg := p.config()
			if tt.mod != nil {
				tt.mod(&cfg, p)
			}
			c := newConnector(t, cfg)
			uri, session := begin(t, c, "")
			got, err := c.UserInfo(t.Context(), map[string]any{"code": p.login(uri), "state": "st-1"}, session)
			if err != nil {
				t.Fatal(err)
			}
			if got.RawData == nil {
				t.Error("no raw data")
			}
			got.RawData = nil
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("user (-want +got):\n%s", d)
			}
		})
	}
}

// errPlain stands for an error that wraps none of the connector errors.
var errPlain = errors.New("plain error")

func TestUserInfoRefusals(t *testing.T) {
	tests := []struct {
		name     string
		mod      func(*oauth2.Config, *provider)
		callback func(map[string]any, connector.Session)
		want     error
	}{
		{name: "state tampered", callback: func(d map[string]any, _ connector.Session) { d["state"] = "st-2" }, want: connector.ErrInvalidResponse},
		{name: "state missing", callback: func(d map[string]any, _ connector.Session) { delete(d, "state") }, want: connector.ErrInvalidResponse},
		{name: "no session", callback: func(_ map[string]any, s connector.Session) { clear(s) }, want: connector.ErrInvalidResponse},
		{name: "error callback", callback: func(d map[string]any, _ connector.Session) {
			delete(d, "code")
			d["error"] = "access_denied"
		}, want: connector.ErrAuthorizationFailed},
		{name: "no code", callback: func(d map[string]any, _ connector.Session) { delete(d, "code") }, want: connector.ErrInvalidResponse},
		{name: "code not a string", callback: func(d map[string]any, _ connector.Session) { d["code"] = json.Number("12") }, want: connector.ErrInvalidResponse},
		{name: "bad code", callback: func(d map[string]any, _ connector.Session) { d["code"] = "forged" }, want: connector.ErrAuthCodeInvalid},
		{name: "wrong PKCE verifier", mod: func(c *oauth2.Config, _ *provider) { c.PKCE = true },
			callback: func(_ map[string]any, s connector.Session) { s["codeVerifier"] = strings.Repeat("B", 43) }, want: connector.ErrAuthCodeInvalid},
		{name: "PKCE session lost", mod: func(c *oauth2.Config, _ *provider) { c.PKCE = true },
			callback: func(_ map[string]any, s connector.Session) { delete(s, "codeVerifier") }, want: connector.ErrInvalidResponse},
		{name: "client refused", mod: func(c *oauth2.Config, _ *provider) { c.ClientSecret = "wrong" }, want: errPlain},
		{name: "no id", mod: func(_ *oauth2.Config, p *provider) { p.user = map[string]any{"login": "x"} }, want: connector.ErrInvalidResponse},
		{name: "id of another type", mod: func(_ *oauth2.Config, p *provider) { p.user = map[string]any{"id": true} }, want: connector.ErrInvalidResponse},
		{name: "answer not an object", mod: func(_ *oauth2.Config, p *provider) { p.user = []int{1} }, want: connector.ErrInvalidResponse},
		{name: "userinfo fails", mod: func(_ *oauth2.Config, p *provider) { p.status = 500 }, want: errPlain},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProvider(t)
			cfg := p.config()
			if tt.mod != nil {
				tt.mod(&cfg, p)
			}
			c := newConnector(t, cfg)
			uri, session := begin(t, c, "")
			data := map[string]any{"code": p.login(uri), "state": "st-1"}
			if tt.callback != nil {
				tt.callback(data, session)
			}
			verifier := session["codeVerifier"]
			got, err := c.UserInfo(t.Context(), data, session)
			if got != nil {
				t.Errorf("user = %+v, want none", got)
			}
			checkErr(t, err, tt.want)
			for _, secret := range []string{goodCode, clientSecret, accessToken, verifier} {
				if secret != "" && strings.Contains(err.Error(), secret) {
					t.Errorf("error %q reveals %q", err, secret)
				}
			}
		})
	}
}

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
	c := newConnector(t, p.config())
	uri, session := begin(t, c, "")
	data := map[string]any{"code": p.login(uri), "state": "st-1"}
	if _, err := c.UserInfo(t.Context(), data, session); err != nil {
		t.Fatal(err)
	}
	_, err := c.UserInfo(t.Context(), data, session)
	checkErr(t, err, connector.ErrAuthCodeInvalid)
}

// ExampleNew configures the connector for GitHub.
func ExampleNew() {
	github, err := oauth2.New(oauth2.Config{
		AuthURL:      "https://github.com/login/oauth/authorize",
		TokenURL:     "https://github.com/login/oauth/access_token",
		UserInfoURL:  "https://api.github.com/user",
		ClientID:     "your-client-id",
		ClientSecret: "your-client-secret",
		Scopes:       []string{"read:user", "user:email"},
		Target:       "github",
		// GitHub's /user has id (a number), email, name and avatar_url.
		Claims: oauth2.Claims{Avatar: "avatar_url"},
	})
	if err != nil {
		panic(err)
	}
	_ = connector.Set{"github": github}
}
