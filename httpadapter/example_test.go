package httpadapter_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/bearer"
	"github.com/accountapi/accountapi/httpadapter"
	"github.com/accountapi/accountapi/mfa"
	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/password"
	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/store/sqlite"
	"github.com/accountapi/accountapi/verification"
)

// Example_wiring mounts the Account API and, on an internal listener, the
// Management API behind the host's own admin check. It compiles; it is not
// run.
func Example_wiring() {
	ctx := context.Background()
	st, err := sqlite.Open("accounts.db")
	if err != nil {
		log.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	hasher, err := password.New(password.Config{})
	if err != nil {
		log.Fatal(err)
	}
	settings, err := account.NewSettings(account.SettingsConfig{
		Store:    st,
		Policies: account.Policies{MFA: account.MFAPolicy{Factors: []store.FactorType{store.FactorTOTP, store.FactorWebAuthn}}},
	})
	if err != nil {
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
	acct, _ := account.New(account.Config{Store: st, Settings: settings, Hasher: hasher})
	verif, _ := verification.New(verification.Config{Store: st, Settings: settings, Hasher: hasher, Notifier: outbox})
	factors, _ := mfa.New(mfa.Config{Store: st, Settings: settings, Sentinel: verif.Sentinel()})
	admin, _ := account.NewAdmin(account.AdminConfig{Store: st, Hasher: hasher})
	mfaAdmin, _ := mfa.NewAdmin(mfa.AdminConfig{Store: st})

	api, err := httpadapter.NewAccountHandler(httpadapter.AccountConfig{
		Authenticator: tokens, Account: acct, Verification: verif, MFA: factors,
	})
	if err != nil {
		log.Fatal(err)
	}
	mgmt, err := httpadapter.NewManagementHandler(httpadapter.ManagementConfig{
		Authenticator: tokens, Admin: admin, MFA: mfaAdmin, Settings: settings,
		Authorize: func(ctx context.Context, p bearer.Principal) error {
			if p.UserID != "the-admin" {
				return errors.New("not an administrator")
			}
			return nil
		},
	})
	if err != nil {
		log.Fatal(err)
	}

	public := http.NewServeMux()
	api.Mount(public, "/auth") // GET /auth/api/my-account, …
	internal := http.NewServeMux()
	mgmt.Mount(internal, "") // POST /api/users, …
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
