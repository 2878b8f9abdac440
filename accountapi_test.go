package accountapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/accountapi/accountapi"
	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/bearer"
	"github.com/accountapi/accountapi/password"
	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/store/sqlite"
)

const secret = "accountapi-test-secret-0123456789abcdef"

// newStore opens and migrates a SQLite store in the test's directory.
func newStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "accounts.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func hs256(t *testing.T) bearer.Authenticator {
	t.Helper()
	a, err := bearer.NewHS256(bearer.HS256Config{Secret: []byte(secret)})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// token mints an HS256 access token for sub with the space-separated scope.
func token(t *testing.T, sub, scope string) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte(secret)}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok, err := jwt.Signed(signer).Claims(map[string]any{
		"sub": sub, "scope": scope, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// validConfig is a complete Config over st.
func validConfig(t *testing.T, st store.Store) accountapi.Config {
	return accountapi.Config{
		Store:          st,
		Authenticator:  hs256(t),
		FirstParty:     accountapi.AllClientsFirstParty,
		EncryptionKeys: [][]byte{bytes.Repeat([]byte{7}, 32)},
		Password:       password.Config{Params: password.Params{Memory: 64, Time: 1}},
	}
}

func TestNewNamesEveryProblem(t *testing.T) {
	st := newStore(t)
	for _, tc := range []struct {
		name string
		cfg  func(c *accountapi.Config)
		want []string // each must appear in the error
	}{
		{"zero config", func(c *accountapi.Config) { *c = accountapi.Config{} },
			[]string{"Config.Store", "Config.Authenticator", "Config.FirstParty", "Config.EncryptionKeys"}},
		{"no key and no opt-out", func(c *accountapi.Config) { c.EncryptionKeys = nil }, []string{"Config.EncryptionKeys is empty"}},
		{"key and opt-out", func(c *accountapi.Config) { c.InsecurePlaintextMFASecrets = true },
			[]string{"InsecurePlaintextMFASecrets contradicts"}},
		{"short keys", func(c *accountapi.Config) { c.EncryptionKeys = [][]byte{make([]byte, 32), []byte("short")} },
			[]string{"Config.EncryptionKeys[1] is 5 bytes"}},
		{"negative body cap", func(c *accountapi.Config) { c.MaxBodyBytes = -1 }, []string{"Config.MaxBodyBytes"}},
		{"bad origin", func(c *accountapi.Config) { c.AllowedOrigins = []string{"https://example.com/path"} },
			[]string{"AllowedOrigins", "https://example.com/path"}},
		{"bad notice switch", func(c *accountapi.Config) { c.Notices = account.Notices{PasswordChanged: 9} },
			[]string{"Notices"}},
		{"bad hasher parameters", func(c *accountapi.Config) { c.Password = password.Config{MaxBcryptCost: 99} },
			[]string{"Config.Password"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := validConfig(t, st)
			tc.cfg(&cfg)
			api, err := accountapi.New(cfg)
			if err == nil {
				t.Fatalf("New = %v, nil; want an error", api)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}

func TestNewPlaintextOptOut(t *testing.T) {
	cfg := validConfig(t, newStore(t))
	cfg.EncryptionKeys, cfg.InsecurePlaintextMFASecrets = nil, true
	if _, err := accountapi.New(cfg); err != nil {
		t.Fatalf("New with the named opt-out: %v", err)
	}
}

// call sends a request to h and decodes a JSON object answer.
func call(t *testing.T, h http.Handler, method, path, tok string, body any) (int, map[string]any) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	r := httptest.NewRequest(method, path, rd)
	if tok != "" {
		r.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var m map[string]any
	if w.Body.Len() > 0 {
		if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
			t.Fatalf("%s %s: %d, body is not a JSON object: %q", method, path, w.Code, w.Body)
		}
	}
	return w.Code, m
}

// TestDefaultAccountCenter checks that a new store serves a working Account
// API on the first request, with custom data and deletion off.
func TestDefaultAccountCenter(t *testing.T) {
	st := newStore(t)
	api, err := accountapi.New(validConfig(t, st))
	if err != nil {
		t.Fatal(err)
	}
	h := api.Handler()
	status, user := call(t, h, "POST", "/api/users", token(t, "admin", "all"),
		map[string]any{"username": "ann", "customData": map[string]any{"role": "admin"}})
	if status != 200 {
		t.Fatalf("POST /api/users = %d %v", status, user)
	}
	id := user["id"].(string)
	tok := token(t, id, "openid profile custom_data")
	status, me := call(t, h, "GET", "/api/my-account", tok, nil)
	if status != 200 || me["username"] != "ann" {
		t.Fatalf("GET /api/my-account = %d %v", status, me)
	}
	if _, shown := me["customData"]; shown {
		t.Errorf("custom data shown by default: %v", me)
	}
	status, body := call(t, h, "PATCH", "/api/my-account", tok, map[string]any{"customData": map[string]any{"role": "owner"}})
	if status != 400 || body["code"] != "account_center.field_not_editable" {
		t.Errorf("PATCH customData = %d %v, want 400 account_center.field_not_editable", status, body)
	}
	status, body = call(t, h, "PATCH", "/api/my-account", tok, map[string]any{"name": "Ann"})
	if status != 200 || body["name"] != "Ann" {
		t.Errorf("PATCH name = %d %v", status, body)
	}

	// Logto's default for a new tenant, named.
	cfg := validConfig(t, newStore(t))
	cfg.AccountCenter = &store.AccountCenter{}
	off, err := accountapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if status, body := call(t, off.Handler(), "GET", "/api/my-account", tok, nil); status != 400 || body["code"] != "account_center.not_enabled" {
		t.Errorf("GET /api/my-account with the account center off = %d %v", status, body)
	}
}

// TestMountAnywhere mounts the handlers under a prefix in the ways
// http.ServeMux allows, and checks routes, the JSON 404 below the prefix and
// the OpenAPI document's servers.
func TestMountAnywhere(t *testing.T) {
	api, err := accountapi.New(validConfig(t, newStore(t)))
	if err != nil {
		t.Fatal(err)
	}
	admin := token(t, "admin", "all")
	for i, tc := range []struct {
		name   string
		mux    func() http.Handler
		prefix string
		// subtree: every path below prefix reaches the handler (not only
		// the routes Mount registers), so unknown ones get its JSON 404.
		subtree bool
	}{
		{"subtree, prefix left in the path", func() http.Handler {
			m := http.NewServeMux()
			m.Handle("/account/", api.Handler())
			return m
		}, "/account", true},
		{"subtree, prefix stripped", func() http.Handler {
			m := http.NewServeMux()
			m.Handle("/account/", http.StripPrefix("/account", api.Handler()))
			return m
		}, "/account", true},
		{"two handlers, Mount", func() http.Handler {
			m := http.NewServeMux()
			api.AccountHandler().Mount(m, "/account")
			api.ManagementHandler().Mount(m, "/account")
			return m
		}, "/account", false},
		{"prefix that holds /api/", func() http.Handler {
			m := http.NewServeMux()
			m.Handle("/api/v2/", api.Handler())
			return m
		}, "/api/v2", true},
		{"no prefix", func() http.Handler { return api.Handler() }, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.mux()
			status, user := call(t, h, "POST", tc.prefix+"/api/users", admin, map[string]any{"username": fmt.Sprintf("user%d", i)})
			if status != 200 {
				t.Fatalf("POST %s/api/users = %d %v", tc.prefix, status, user)
			}
			tok := token(t, user["id"].(string), "openid profile")
			if status, me := call(t, h, "GET", tc.prefix+"/api/my-account", tok, nil); status != 200 || me["id"] != user["id"] {
				t.Errorf("GET %s/api/my-account = %d %v", tc.prefix, status, me)
			}
			if status, got := call(t, h, "GET", tc.prefix+"/api/users/"+user["id"].(string), admin, nil); status != 200 || got["id"] != user["id"] {
				t.Errorf("GET %s/api/users/{id} = %d %v", tc.prefix, status, got)
			}
			if status, body := call(t, h, "DELETE", tc.prefix+"/api/my-account/password", tok, nil); status != 405 || body["code"] != "request.method_not_allowed" {
				t.Errorf("DELETE %s/api/my-account/password = %d %v, want 405", tc.prefix, status, body)
			}
			if tc.subtree {
				if status, body := call(t, h, "GET", tc.prefix+"/nothing-here", tok, nil); status != 404 || body["code"] != "request.not_found" {
					t.Errorf("GET %s/nothing-here = %d %v, want a JSON 404", tc.prefix, status, body)
				}
			}
			status, doc := call(t, h, "GET", tc.prefix+"/api/openapi.json", "", nil)
			if status != 200 {
				t.Fatalf("GET %s/api/openapi.json = %d", tc.prefix, status)
			}
			servers, _ := doc["servers"].([]any)
			switch {
			case tc.prefix == "" && servers != nil:
				t.Errorf("servers = %v, want none without a prefix", servers)
			case tc.prefix != "" && (len(servers) != 1 || servers[0].(map[string]any)["url"] != tc.prefix):
				t.Errorf("servers = %v, want the prefix %s", servers, tc.prefix)
			}
		})
	}
}

// TestCORS checks that only the configured origins get CORS headers.
func TestCORS(t *testing.T) {
	cfg := validConfig(t, newStore(t))
	cfg.AllowedOrigins = []string{"https://App.example.com:443"}
	api, err := accountapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	preflight := func(origin string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("OPTIONS", "/api/my-account", nil)
		r.Header.Set("Origin", origin)
		r.Header.Set("Access-Control-Request-Method", "PATCH")
		r.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		w := httptest.NewRecorder()
		api.Handler().ServeHTTP(w, r)
		return w
	}
	ok := preflight("https://app.example.com")
	if ok.Code != 204 || ok.Header().Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		ok.Header().Get("Access-Control-Allow-Headers") != "authorization, content-type" {
		t.Errorf("allowed origin: %d %v", ok.Code, ok.Header())
	}
	no := preflight("https://evil.example.net")
	if no.Header().Get("Access-Control-Allow-Origin") != "" || no.Header().Get("Access-Control-Allow-Methods") != "" {
		t.Errorf("other origin got CORS headers: %d %v", no.Code, no.Header())
	}
}
