// Package readme runs the host of the README's "Embedding it in your
// service" as a test: newAccounts below is the README's code, byte for byte
// (TestREADMEHasTheHost), mounted under a prefix in http.ServeMux and in chi,
// with access tokens signed by an in-process OpenID provider and verified
// against its JWKS, and the codes read from an outbox notifier.
package readme

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/accountapi/accountapi"
	"github.com/accountapi/accountapi/bearer"
	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/store/sqlite"
)

// newAccounts builds the Account and Management APIs over st.
func newAccounts(ctx context.Context, st *sqlite.Store, issuer string, sealKey []byte, mail notify.Notifier) (*accountapi.API, error) {
	if err := st.Migrate(ctx); err != nil {
		return nil, err
	}
	tokens, err := bearer.NewJWKS(bearer.JWKSConfig{Issuer: issuer, Audience: "https://api.example.com"})
	if err != nil {
		return nil, err
	}
	return accountapi.New(accountapi.Config{
		Store:          st,
		Authenticator:  tokens,
		FirstParty:     accountapi.AllClientsFirstParty, // or a predicate over your client ids
		EncryptionKeys: [][]byte{sealKey},               // 32 random bytes: keep them, and secret
		Notifier:       mail,
	})
}

// TestREADMEHasTheHost checks that README.md shows newAccounts exactly as
// this file runs it.
func TestREADMEHasTheHost(t *testing.T) {
	src, err := os.ReadFile("readme_test.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "readme_test.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var fn string
	for _, d := range f.Decls {
		if d, ok := d.(*ast.FuncDecl); ok && d.Name.Name == "newAccounts" {
			fn = string(src[fset.Position(d.Doc.Pos()).Offset:fset.Position(d.End()).Offset])
		}
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if fn == "" || !bytes.Contains(readme, []byte("```go\n"+fn+"\n```")) {
		t.Errorf("README.md does not show newAccounts as readme_test.go has it:\n%s", fn)
	}
}

// provider is an OpenID provider in miniature: a discovery document and a
// JWK Set over an RSA key, and access tokens signed with it.
type provider struct {
	srv *httptest.Server
	key *rsa.PrivateKey
}

func newProvider(t *testing.T) *provider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &provider{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": p.srv.URL, "jwks_uri": p.srv.URL + "/jwks"})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// token signs an RS256 access token for sub with the space-separated scope.
func (p *provider) token(t *testing.T, sub, scope string) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: p.key, KeyID: "k1"}},
		(&jose.SignerOptions{}).WithType("at+jwt"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok, err := jwt.Signed(signer).Claims(map[string]any{
		"iss": p.srv.URL, "aud": "https://api.example.com", "sub": sub, "scope": scope,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "client_id": "web-app",
	}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// host is the README's host around newAccounts, over a fresh SQLite file,
// with the messages sent written to an outbox file.
func host(t *testing.T, p *provider) (api *accountapi.API, outbox string) {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(filepath.Join(dir, "accounts.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	outbox = filepath.Join(dir, "outbox.jsonl")
	mail, err := notify.NewOutbox(notify.OutboxConfig{Path: outbox})
	if err != nil {
		t.Fatal(err)
	}
	sealKey := make([]byte, 32)
	if _, err := rand.Read(sealKey); err != nil {
		t.Fatal(err)
	}
	api, err = newAccounts(t.Context(), st, p.srv.URL, sealKey, mail)
	if err != nil {
		t.Fatal(err)
	}
	return api, outbox
}

func home(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "the host's own page") }

// client calls a server under test.
type client struct {
	t    *testing.T
	base string
}

func (c client) call(method, path, tok string, body any, header ...string) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	r, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if tok != "" {
		r.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	var m map[string]any
	if len(data) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(data, &m); err != nil {
			c.t.Fatalf("%s %s: %d, body is not a JSON object: %q", method, path, resp.StatusCode, data)
		}
	}
	return resp.StatusCode, m
}

// lastCode returns the code of the last message the outbox holds for to.
func lastCode(t *testing.T, outbox, to string) string {
	t.Helper()
	f, err := os.Open(outbox)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	msgs, err := notify.ReadOutbox(f)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].To == to {
			return msgs[i].Code
		}
	}
	t.Fatalf("the outbox holds no message to %s", to)
	return ""
}

// TestREADMEHost runs the README's host, mounted at /account in the host's
// router beside its own routes: an administrator creates a user, who reads
// their account, changes their password and then their email address with
// a code.
func TestREADMEHost(t *testing.T) {
	p := newProvider(t)
	for _, tc := range []struct {
		name  string
		mount func(api *accountapi.API) http.Handler
	}{
		{"http.ServeMux", func(api *accountapi.API) http.Handler {
			mux := http.NewServeMux()
			mux.HandleFunc("GET /{$}", home)
			mux.Handle("/account/", api.Handler())
			return mux
		}},
		{"chi", func(api *accountapi.API) http.Handler {
			r := chi.NewRouter()
			r.Get("/", home)
			r.Mount("/account", api.Handler())
			return r
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api, outbox := host(t, p)
			srv := httptest.NewServer(tc.mount(api))
			t.Cleanup(srv.Close)
			c := client{t: t, base: srv.URL}

			resp, err := http.Get(srv.URL + "/")
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(page) != "the host's own page" {
				t.Errorf("GET / = %q, want the host's page", page)
			}

			status, user := c.call("POST", "/account/api/users", p.token(t, "admin", "all"), map[string]any{
				"username": "ann", "primaryEmail": "ann@example.com", "password": "Correct-Horse-9",
			})
			if status != 200 {
				t.Fatalf("POST /account/api/users = %d %v", status, user)
			}
			tok := p.token(t, user["id"].(string), "openid profile email")
			if status, me := c.call("GET", "/account/api/my-account", tok, nil); status != 200 || me["primaryEmail"] != "ann@example.com" {
				t.Fatalf("GET /account/api/my-account = %d %v", status, me)
			}

			proof := func(pw string) string {
				t.Helper()
				status, rec := c.call("POST", "/account/api/verifications/password", tok, map[string]any{"password": pw})
				if status != 201 {
					t.Fatalf("POST /account/api/verifications/password = %d %v", status, rec)
				}
				return rec["verificationRecordId"].(string)
			}
			if status, body := c.call("POST", "/account/api/my-account/password", tok,
				map[string]any{"password": "Battery-Staple-7"}, "logto-verification-id", proof("Correct-Horse-9")); status != 204 {
				t.Fatalf("POST /account/api/my-account/password = %d %v", status, body)
			}
			if status, body := c.call("POST", "/account/api/verifications/password", tok, map[string]any{"password": "Correct-Horse-9"}); status != 422 {
				t.Errorf("the old password still verifies: %d %v", status, body)
			}

			newProof := proof("Battery-Staple-7")
			identifier := map[string]any{"type": "email", "value": "ann.new@example.com"}
			status, rec := c.call("POST", "/account/api/verifications/verification-code", tok, map[string]any{"identifier": identifier})
			if status != 201 {
				t.Fatalf("POST /account/api/verifications/verification-code = %d %v", status, rec)
			}
			record := rec["verificationRecordId"].(string)
			if status, body := c.call("POST", "/account/api/verifications/verification-code/verify", tok, map[string]any{
				"identifier": identifier, "verificationId": record, "code": lastCode(t, outbox, "ann.new@example.com"),
			}); status != 200 {
				t.Fatalf("verifying the code = %d %v", status, body)
			}
			if status, body := c.call("POST", "/account/api/my-account/primary-email", tok, map[string]any{
				"email": "ann.new@example.com", "newIdentifierVerificationRecordId": record,
			}, "logto-verification-id", newProof); status != 204 {
				t.Fatalf("POST /account/api/my-account/primary-email = %d %v", status, body)
			}
			if status, me := c.call("GET", "/account/api/my-account", tok, nil); status != 200 || me["primaryEmail"] != "ann.new@example.com" {
				t.Errorf("after the change: GET /account/api/my-account = %d %v", status, me)
			}

			if status, body := c.call("GET", "/account/api/nothing-here", tok, nil); status != 404 || body["code"] != "request.not_found" {
				t.Errorf("GET /account/api/nothing-here = %d %v, want the JSON 404", status, body)
			}
			status, doc := c.call("GET", "/account/api/openapi.json", "", nil)
			servers, _ := doc["servers"].([]any)
			if status != 200 || len(servers) != 1 || servers[0].(map[string]any)["url"] != "/account" {
				t.Errorf("GET /account/api/openapi.json = %d, servers %v, want /account", status, servers)
			}
			if status, body := c.call("GET", "/account/api/my-account", p.token(t, "x", "openid")+"x", nil); status != 401 {
				t.Errorf("a token with a broken signature = %d %v, want 401", status, body)
			}
		})
	}
}

// TestMountApart mounts the Account and Management handlers under their own
// prefixes, with the prefix left in the path (chi's Mount) and stripped
// (http.StripPrefix, in chi and in http.ServeMux).
func TestMountApart(t *testing.T) {
	p := newProvider(t)
	for _, tc := range []struct {
		name  string
		mount func(api *accountapi.API) http.Handler
	}{
		{"chi Mount", func(api *accountapi.API) http.Handler {
			r := chi.NewRouter()
			r.Mount("/account", api.AccountHandler())
			r.Mount("/admin", api.ManagementHandler())
			return r
		}},
		{"chi with StripPrefix", func(api *accountapi.API) http.Handler {
			r := chi.NewRouter()
			r.Mount("/account", http.StripPrefix("/account", api.AccountHandler()))
			r.Mount("/admin", http.StripPrefix("/admin", api.ManagementHandler()))
			return r
		}},
		{"ServeMux with StripPrefix", func(api *accountapi.API) http.Handler {
			mux := http.NewServeMux()
			mux.Handle("/account/", http.StripPrefix("/account", api.AccountHandler()))
			mux.Handle("/admin/", http.StripPrefix("/admin", api.ManagementHandler()))
			return mux
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api, _ := host(t, p)
			srv := httptest.NewServer(tc.mount(api))
			t.Cleanup(srv.Close)
			c := client{t: t, base: srv.URL}
			admin := p.token(t, "admin", "all")
			status, user := c.call("POST", "/admin/api/users", admin, map[string]any{"username": "bo"})
			if status != 200 {
				t.Fatalf("POST /admin/api/users = %d %v", status, user)
			}
			id := user["id"].(string)
			tok := p.token(t, id, "openid profile")
			if status, me := c.call("GET", "/account/api/my-account", tok, nil); status != 200 || me["id"] != id {
				t.Errorf("GET /account/api/my-account = %d %v", status, me)
			}
			if status, got := c.call("GET", "/admin/api/users/"+id, admin, nil); status != 200 || got["id"] != id {
				t.Errorf("GET /admin/api/users/{id} = %d %v", status, got)
			}
			// Each handler serves its own routes only.
			if status, body := c.call("GET", "/account/api/users/"+id, admin, nil); status != 404 || body["code"] != "request.not_found" {
				t.Errorf("GET /account/api/users/{id} = %d %v, want the JSON 404", status, body)
			}
			if status, body := c.call("GET", "/admin/api/my-account", tok, nil); status != 404 || body["code"] != "request.not_found" {
				t.Errorf("GET /admin/api/my-account = %d %v, want the JSON 404", status, body)
			}
			if status, body := c.call("PUT", "/admin/api/users/"+id, admin, map[string]any{}); status != 405 || body["code"] != "request.method_not_allowed" {
				t.Errorf("PUT /admin/api/users/{id} = %d %v, want 405", status, body)
			}
			status, doc := c.call("GET", "/account/api/openapi.json", "", nil)
			servers, _ := doc["servers"].([]any)
			if status != 200 || len(servers) != 1 || servers[0].(map[string]any)["url"] != "/account" {
				t.Errorf("GET /account/api/openapi.json = %d, servers %v, want /account", status, servers)
			}
		})
	}
}
