package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
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
	// seals, all open. From ACCOUNTAPI_ENCRYPTION_KEYS; encryptionKeys
	// (keys.go) returns the keys the server uses.
	EncryptionKeys [][]byte
	// EncryptionKeyFile names the file of the keys (-encryption-key-file);
	// empty: the default of encryptionKeys.
	EncryptionKeyFile string
	// CORSOrigins are the origins (scheme://host[:port], lower case, no
	// default port) allowed to call the API from browsers, or just "*" for
	// any; empty: the same origin only.
	CORSOrigins []string

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

// configHeader heads the server's usage.
const configHeader = `accountapi example server: the library's Logto Account API and Management
API on a plain net/http server, with a SQLite (or PostgreSQL) store. Without
-jwks-url or -issuer it runs in development mode: it accepts HS256 tokens signed
with a development secret and registers mock connectors.

Usage:
  server [flags]                  serve (go run ./examples/server)
  server token -sub <user id>     print a development access token (server token -h)

Every flag can also be set by its environment variable; a flag given wins.`

// rawConfig holds the flags parseConfig checks and converts into config.
type rawConfig struct {
	synchronous string
	webhooks    string
	corsOrigins string
}

// configFlags defines the server's flags, bound to c and raw.
func configFlags(c *config, raw *rawConfig) *envFlagSet {
	s := newEnvFlagSet("server", configHeader)
	s.section("Listening and storage")
	s.String(&c.Addr, "addr", "ACCOUNTAPI_ADDR", "127.0.0.1:8080", "listen address")
	s.String(&c.DB, "db", "ACCOUNTAPI_DB", "accountapi.db", "SQLite database file")
	s.String(&raw.synchronous, "sqlite-synchronous", "ACCOUNTAPI_SQLITE_SYNCHRONOUS", "full", "full, or normal: commits do not wait for the disk (lost on power loss)")
	s.String(&c.PostgresDSN, "postgres", "ACCOUNTAPI_POSTGRES_DSN", "", "PostgreSQL DSN, instead of SQLite")

	s.section("Access tokens")
	s.String(&c.DevSecret, "dev-secret", "ACCOUNTAPI_DEV_SECRET", "", "HS256 secret of development tokens; when empty a random one is printed with an admin token")
	s.String(&c.JWKSURL, "jwks-url", "ACCOUNTAPI_JWKS_URL", "", "production mode: verify JWTs against this JWK Set")
	s.String(&c.Issuer, "issuer", "ACCOUNTAPI_ISSUER", "", "production mode: verify JWTs against this OpenID issuer's keys")
	s.String(&c.Audience, "audience", "ACCOUNTAPI_AUDIENCE", "", "required audience of JWKS-verified tokens")

	s.section("Browsers")
	s.String(&raw.corsOrigins, "cors-origins", "ACCOUNTAPI_CORS_ORIGINS", "", "comma-separated origins (scheme://host[:port]) allowed to call the API from browsers; * allows any; empty: same origin only")

	s.section("MFA secrets (TOTP secrets and backup codes, sealed with AES-256-GCM; openssl rand -hex 32 makes a key)")
	s.String(&c.EncryptionKeyFile, "encryption-key-file", "ACCOUNTAPI_ENCRYPTION_KEY_FILE", "", "file holding the key (64 hex digits); in development mode created when missing, by default <db>.key (accountapi.key with -postgres)")
	s.EnvOnly("ACCOUNTAPI_ENCRYPTION_KEYS", "comma-separated keys (64 hex digits each) instead of a key file; the first seals, all open")

	s.section("Messages (codes and notices)")
	s.String(&c.Outbox, "outbox", "ACCOUNTAPI_OUTBOX", "", "append every message sent to this file as JSON lines")
	s.String(&c.SMTP.Host, "smtp-host", "ACCOUNTAPI_SMTP_HOST", "", "send email through this SMTP server")
	s.Int(&c.SMTP.Port, "smtp-port", "ACCOUNTAPI_SMTP_PORT", 587, "SMTP server port")
	s.String(&c.SMTP.Username, "smtp-username", "ACCOUNTAPI_SMTP_USERNAME", "", "SMTP user")
	s.String(&c.SMTP.Password, "smtp-password", "ACCOUNTAPI_SMTP_PASSWORD", "", "SMTP password")
	s.String(&c.SMTP.From, "smtp-from", "ACCOUNTAPI_SMTP_FROM", "", "From address of emails; required with -smtp-host")

	s.section("Social sign-in")
	s.String(&c.Connectors, "connectors", "ACCOUNTAPI_CONNECTORS", "", "JSON file of OpenID Connect and OAuth 2.0 social connectors")

	s.section("Webhooks")
	s.String(&raw.webhooks, "webhook-url", "ACCOUNTAPI_WEBHOOK_URL", "", "POST every event to these comma-separated URLs")
	s.String(&c.WebhookSecret, "webhook-secret", "ACCOUNTAPI_WEBHOOK_SECRET", "", "HMAC-SHA256 key of the webhook signatures")
	return s
}

// configUsage writes the server's usage: what `server -h` prints.
func configUsage(w io.Writer) {
	configFlags(new(config), new(rawConfig)).usage(w)
}

// parseConfig reads flags, with environment variables as their defaults.
// For -h it returns flag.ErrHelp, after which main prints configUsage.
func parseConfig(args []string, getenv func(string) string) (config, error) {
	var (
		c   config
		raw rawConfig
	)
	s := configFlags(&c, &raw)
	if err := s.parse(args, getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		return c, fmt.Errorf("%w (server -h lists the flags)", err)
	}
	if s.fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q (server -h lists the flags)", s.fs.Args())
	}
	if keys := getenv("ACCOUNTAPI_ENCRYPTION_KEYS"); keys != "" {
		var err error
		if c.EncryptionKeys, err = parseKeys(keys); err != nil {
			return c, fmt.Errorf("ACCOUNTAPI_ENCRYPTION_KEYS: %w", err)
		}
	}
	if len(c.EncryptionKeys) > 0 && c.EncryptionKeyFile != "" {
		return c, errors.New("ACCOUNTAPI_ENCRYPTION_KEYS and -encryption-key-file (ACCOUNTAPI_ENCRYPTION_KEY_FILE) exclude each other")
	}
	if c.JWKSURL != "" && c.Issuer != "" {
		return c, errors.New("-jwks-url and -issuer exclude each other")
	}
	switch strings.ToLower(raw.synchronous) {
	case "full":
	case "normal":
		c.SQLiteSynchronousNormal = true
	default:
		return c, fmt.Errorf("-sqlite-synchronous (ACCOUNTAPI_SQLITE_SYNCHRONOUS): %q is neither full nor normal", raw.synchronous)
	}
	for u := range strings.SplitSeq(raw.webhooks, ",") {
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
	var err error
	if c.CORSOrigins, err = parseOrigins(raw.corsOrigins); err != nil {
		return c, fmt.Errorf("-cors-origins (ACCOUNTAPI_CORS_ORIGINS): %w", err)
	}
	return c, nil
}

// production reports whether tokens come from a real identity provider.
func (c config) production() bool { return c.JWKSURL != "" || c.Issuer != "" }
