package main

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/verification"
)

// config is the example server's settings, from flags and environment.
type config struct {
	Addr        string
	DB          string
	PostgresDSN string
	// SQLiteSynchronousNormal opens the SQLite store with
	// sqlite.WithSynchronousNormal: faster writes, less durable.
	SQLiteSynchronousNormal bool
	DevSecret               string
	JWKSURL                 string
	Issuer                  string
	Audience                string
	Outbox                  string
	Connectors              string
	SMTP                    smtpConfig
	// WebhookURLs receive every event, signed with WebhookSecret.
	WebhookURLs   []string
	WebhookSecret string
	// EncryptionKeys seal TOTP secrets and backup codes at rest; the first
	// seals, all open.
	EncryptionKeys [][]byte

	// events, when set by run, receive every event besides the log.
	events event.Sink
	// expire, when set by run, is given the verification service, whose
	// expired data it deletes periodically.
	expire func(*verification.Service)
}

type smtpConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string
}

// parseConfig reads flags, with environment variables as their defaults.
func parseConfig(args []string, getenv func(string) string) (config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	var c config
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.Addr, "addr", env("ACCOUNTAPI_ADDR", "127.0.0.1:8080"), "listen address")
	fs.StringVar(&c.DB, "db", env("ACCOUNTAPI_DB", "accountapi.db"), "SQLite file")
	fs.StringVar(&c.PostgresDSN, "postgres", env("ACCOUNTAPI_POSTGRES_DSN", ""), "PostgreSQL DSN (instead of SQLite)")
	fs.StringVar(&c.DevSecret, "dev-secret", env("ACCOUNTAPI_DEV_SECRET", ""), "HS256 secret for development tokens")
	fs.StringVar(&c.JWKSURL, "jwks-url", env("ACCOUNTAPI_JWKS_URL", ""), "verify JWTs against this JWK Set")
	fs.StringVar(&c.Issuer, "issuer", env("ACCOUNTAPI_ISSUER", ""), "verify JWTs against this OpenID issuer's keys")
	fs.StringVar(&c.Audience, "audience", env("ACCOUNTAPI_AUDIENCE", ""), "required audience of JWKS-verified tokens")
	fs.StringVar(&c.Outbox, "outbox", env("ACCOUNTAPI_OUTBOX", ""), "append every message sent to this file as JSON lines")
	fs.StringVar(&c.Connectors, "connectors", env("ACCOUNTAPI_CONNECTORS", ""), "JSON file of social connectors")
	fs.StringVar(&c.SMTP.Host, "smtp-host", env("ACCOUNTAPI_SMTP_HOST", ""), "SMTP server host")
	port, err := strconv.Atoi(env("ACCOUNTAPI_SMTP_PORT", "587"))
	if err != nil {
		return c, fmt.Errorf("ACCOUNTAPI_SMTP_PORT: %w", err)
	}
	fs.IntVar(&c.SMTP.Port, "smtp-port", port, "SMTP server port")
	fs.StringVar(&c.SMTP.Username, "smtp-username", env("ACCOUNTAPI_SMTP_USERNAME", ""), "SMTP user")
	fs.StringVar(&c.SMTP.Password, "smtp-password", env("ACCOUNTAPI_SMTP_PASSWORD", ""), "SMTP password")
	fs.StringVar(&c.SMTP.From, "smtp-from", env("ACCOUNTAPI_SMTP_FROM", ""), "From address of emails")
	synchronous := fs.String("sqlite-synchronous", env("ACCOUNTAPI_SQLITE_SYNCHRONOUS", "full"), "full, or normal: commits do not wait for the disk (lost on power loss)")
	webhooks := fs.String("webhook-url", env("ACCOUNTAPI_WEBHOOK_URL", ""), "POST every event to these URLs (comma-separated)")
	fs.StringVar(&c.WebhookSecret, "webhook-secret", env("ACCOUNTAPI_WEBHOOK_SECRET", ""), "HMAC-SHA256 key of the webhook signatures")
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		var usage = "usage: server [-addr host:port] [-db file | -postgres dsn] [-dev-secret s | -jwks-url u | -issuer u] [-audience a] [-outbox file] [-smtp-host h …] [-webhook-url u -webhook-secret s]"
		if errors.Is(err, flag.ErrHelp) {
			return c, errors.New(usage)
		}
		return c, fmt.Errorf("%w\n%s", err, usage)
	}
	if keys := getenv("ACCOUNTAPI_ENCRYPTION_KEYS"); keys != "" {
		for i, k := range strings.Split(keys, ",") {
			b, err := hex.DecodeString(strings.TrimSpace(k))
			if err != nil || len(b) != 32 {
				return c, fmt.Errorf("ACCOUNTAPI_ENCRYPTION_KEYS: key %d is not 64 hexadecimal digits", i+1)
			}
			c.EncryptionKeys = append(c.EncryptionKeys, b)
		}
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.JWKSURL != "" && c.Issuer != "" {
		return c, errors.New("-jwks-url and -issuer exclude each other")
	}
	switch strings.ToLower(*synchronous) {
	case "full":
	case "normal":
		c.SQLiteSynchronousNormal = true
	default:
		return c, fmt.Errorf("-sqlite-synchronous (ACCOUNTAPI_SQLITE_SYNCHRONOUS): %q is neither full nor normal", *synchronous)
	}
	for u := range strings.SplitSeq(*webhooks, ",") {
		if u = strings.TrimSpace(u); u != "" {
			c.WebhookURLs = append(c.WebhookURLs, u)
		}
	}
	if len(c.WebhookURLs) > 0 && c.WebhookSecret == "" {
		return c, errors.New("-webhook-url needs -webhook-secret (ACCOUNTAPI_WEBHOOK_SECRET)")
	}
	if c.SMTP.Host != "" && c.SMTP.From == "" {
		return c, errors.New("-smtp-host needs -smtp-from")
	}
	return c, nil
}

// production reports whether tokens come from a real identity provider.
func (c config) production() bool { return c.JWKSURL != "" || c.Issuer != "" }
