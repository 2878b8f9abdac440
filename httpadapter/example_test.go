package httpadapter_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"

	"github.com/accountapi/accountapi"
	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/bearer"
	"github.com/accountapi/accountapi/httpadapter"
	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/store/sqlite"
)

// Example_wiring mounts the handlers accountapi.New builds apart: the
// Account API under /auth on the public listener, and the Management API,
// behind the host's own admin check, on an internal one. The handlers find
// their routes below the prefix themselves, so no StripPrefix is needed. It
// compiles; it is not run.
func Example_wiring() {
	ctx := context.Background()
	st, err := sqlite.Open("accounts.db")
	if err != nil {
		log.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	tokens, err := bearer.NewJWKS(bearer.JWKSConfig{Issuer: "https://id.example.com", Audience: "https://api.example.com"})
	if err != nil {
		log.Fatal(err)
	}
	outbox, err := notify.NewOutbox(notify.OutboxConfig{Path: "outbox.jsonl"})
	if err != nil {
		log.Fatal(err)
	}
	api, err := accountapi.New(accountapi.Config{
		Store:          st,
		Authenticator:  tokens,
		FirstParty:     accountapi.AllClientsFirstParty,
		EncryptionKeys: [][]byte{[]byte("a key of 32 bytes: keep it safe!")},
		Notifier:       outbox,
		Policies: account.Policies{
			MFA: account.MFAPolicy{Factors: []store.FactorType{store.FactorTOTP, store.FactorWebAuthn}},
		},
		AllowedOrigins: []string{"https://app.example.com"},
		Management: accountapi.ManagementConfig{
			Authorize: func(ctx context.Context, p bearer.Principal) error {
				if p.UserID != "the-admin" {
					return errors.New("not an administrator")
				}
				return nil
			},
		},
	})
	if err != nil {
		log.Fatal(err)
	}

	public := http.NewServeMux()
	public.Handle("/auth/", api.AccountHandler()) // GET /auth/api/my-account, …
	internal := http.NewServeMux()
	internal.Handle("/", api.ManagementHandler()) // POST /api/users, …
	go http.ListenAndServe("127.0.0.1:9090", internal)
	log.Fatal(http.ListenAndServe(":8080", public))
}

func ExampleOpenAPI() {
	var doc struct {
		OpenAPI string `json:"openapi"`
	}
	json.Unmarshal(httpadapter.OpenAPI(), &doc)
	fmt.Println(doc.OpenAPI)
	// Output: 3.1.0
}
