package accountapi_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/accountapi/accountapi"
	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/bearer"
	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/store/sqlite"
)

// Example mounts the Account and Management APIs under /account in a host's
// own ServeMux, over a SQLite file, with development HS256 tokens and the
// messages the library sends written to an outbox file.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "accountapi-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	st, err := sqlite.Open(filepath.Join(dir, "accounts.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	secret := []byte("a development secret of 32 bytes or more")
	tokens, err := bearer.NewHS256(bearer.HS256Config{Secret: secret})
	if err != nil {
		log.Fatal(err)
	}
	outbox, err := notify.NewOutbox(notify.OutboxConfig{Path: filepath.Join(dir, "outbox.jsonl")})
	if err != nil {
		log.Fatal(err)
	}
	key := make([]byte, 32) // keep it secret, and keep it: sealed factors need it
	if _, err := rand.Read(key); err != nil {
		log.Fatal(err)
	}

	api, err := accountapi.New(accountapi.Config{
		Store:          st,
		Authenticator:  tokens,
		FirstParty:     accountapi.AllClientsFirstParty,
		EncryptionKeys: [][]byte{key},
		Notifier:       outbox,
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "the host's own page") })
	mux.Handle("/account/", api.Handler())

	// A user, created from Go (POST /account/api/users does the same).
	username := "ann"
	user, err := api.Admin().CreateUser(ctx, account.NewUser{Username: &username})
	if err != nil {
		log.Fatal(err)
	}

	// The user reads their account with an access token.
	r := httptest.NewRequest("GET", "/account/api/my-account", nil)
	r.Header.Set("Authorization", "Bearer "+mint(secret, user.ID, "openid profile"))
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	fmt.Println(w.Code, strings.Contains(w.Body.String(), `"username":"ann"`))

	// A path below the prefix that names no route gets the API's JSON 404.
	w = httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest("GET", "/account/api/nothing", nil))
	fmt.Println(w.Code, w.Body.String())
	// Output:
	// 200 true
	// 404 {"code":"request.not_found","message":"Not found."}
}

// mint signs a development access token, as an identity provider would.
func mint(secret []byte, sub, scope string) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: secret}, nil)
	if err != nil {
		log.Fatal(err)
	}
	now := time.Now()
	tok, err := jwt.Signed(signer).Claims(map[string]any{
		"sub": sub, "scope": scope, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}).Serialize()
	if err != nil {
		log.Fatal(err)
	}
	return tok
}

// ExampleNew_errors shows New's answer to an incomplete Config: every
// missing member, named.
func ExampleNew_errors() {
	_, err := accountapi.New(accountapi.Config{})
	fmt.Println(err)
	// Output:
	// accountapi: Config.Store is nil: open a store (sqlite.Open, postgres.Open) and migrate it
	// accountapi: Config.Authenticator is nil: give the verifier of your users' access tokens (e.g. bearer.NewJWKS)
	// accountapi: Config.FirstParty is nil: give a predicate over your client ids, or accountapi.AllClientsFirstParty
	// accountapi: Config.EncryptionKeys is empty: give a 32-byte key to seal TOTP secrets and backup codes (or set InsecurePlaintextMFASecrets, for tests only)
}

// ExampleConfig_firstParty trusts only the host's own applications to
// change account data; tokens other clients obtained may still read it.
func ExampleConfig_firstParty() {
	own := map[string]bool{"web-app": true, "ios-app": true}
	cfg := accountapi.Config{
		FirstParty: func(ctx context.Context, clientID string) (bool, error) { return own[clientID], nil },
	}
	ok, _ := cfg.FirstParty(context.Background(), "partner-app")
	fmt.Println(ok)
	// Output: false
}
