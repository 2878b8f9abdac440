// Command server is the example server: the library mounted on a plain
// net/http server, with a SQLite (or PostgreSQL) store, development bearer
// tokens and an outbox for the codes it sends. It is what a newcomer starts
// first and what end-to-end tests drive:
//
//	go run ./examples/server
//
// Every flag can also be set by an environment variable (the flag wins);
//
//	go run ./examples/server -h
//
// lists them all, with their defaults. Without -jwks-url or -issuer the
// server runs in development mode: bearer JWTs are verified with the HS256
// secret -dev-secret (ACCOUNTAPI_DEV_SECRET), made up and printed with a
// ready admin token when empty.
//
// TOTP secrets and backup codes are sealed at rest with AES-256-GCM. In
// production mode the keys must be given (ACCOUNTAPI_ENCRYPTION_KEYS, or a
// file named by -encryption-key-file); in development mode a key is made up
// and kept in a file beside the SQLite database (accountapi.db.key; with
// PostgreSQL accountapi.key in the working directory), so that a restart
// can open what it sealed (keys.go).
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
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "token" {
		err := tokenCommand(os.Args[2:], os.Getenv, os.Stdout)
		if errors.Is(err, flag.ErrHelp) {
			tokenUsage(os.Stdout)
			return
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		return
	}
	cfg, err := parseConfig(os.Args[1:], os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		configUsage(os.Stdout)
		return
	}
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
