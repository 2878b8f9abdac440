// Command server is the example server: the library mounted on a plain
// net/http server, with a SQLite (or PostgreSQL) store, development bearer
// tokens and an outbox for the codes it sends. It is what a newcomer starts
// first and what end-to-end tests drive:
//
//	go run ./examples/server
//
// Every flag can also be set by an environment variable (the flag wins):
//
//	-addr        ACCOUNTAPI_ADDR          listen address (127.0.0.1:8080)
//	-db          ACCOUNTAPI_DB            SQLite file (accountapi.db)
//	-postgres    ACCOUNTAPI_POSTGRES_DSN  use PostgreSQL instead of SQLite
//	-dev-secret  ACCOUNTAPI_DEV_SECRET    HS256 secret bearer JWTs are verified with;
//	                                      when empty a random one is made and printed
//	                                      with a ready admin token
//	-jwks-url    ACCOUNTAPI_JWKS_URL      verify JWTs against this JWK Set instead
//	-issuer      ACCOUNTAPI_ISSUER        … or against the issuer's discovery document
//	-audience    ACCOUNTAPI_AUDIENCE      required audience of JWKS-verified tokens
//	-outbox      ACCOUNTAPI_OUTBOX        append every message sent as a JSON line
//	-connectors  ACCOUNTAPI_CONNECTORS    JSON file of OpenID Connect and OAuth 2.0
//	                                      social connectors (see connectors.go)
//	-smtp-host, -smtp-port, -smtp-username, -smtp-password, -smtp-from
//	             ACCOUNTAPI_SMTP_*        send email for real
//	             ACCOUNTAPI_ENCRYPTION_KEYS  comma-separated 32-byte keys (hex) that seal
//	                                      TOTP secrets and backup codes at rest; the
//	                                      first seals, all open
//
// TOTP, WebAuthn passkeys and backup codes are all enabled. In development
// mode (no -jwks-url or -issuer) the mock social connector "mock-social" is
// registered, with "mock-email" and "mock-sms" standing for the notifier's
// channels.
//
// It also mints development tokens for the curl walkthrough in README.md:
//
//	go run ./examples/server token -sub <user id> [-scope "openid profile email"] [-ttl 1h]
//
// signed with ACCOUNTAPI_DEV_SECRET (or -secret).
//
// Development tokens are HS256 JWTs with claims sub (the user id), scope
// (space-separated), exp and optionally client_id. Management routes need
// scope "all".
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "token" {
		if err := tokenCommand(os.Args[2:], os.Getenv, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		return
	}
	cfg, err := parseConfig(os.Args[1:], os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(ctx, cfg, os.Stdout, log); err != nil {
		log.Error("server stopped", slog.String("error", err.Error()))
		os.Exit(1)
	}
}
