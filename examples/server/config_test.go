package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/accountapi/accountapi/bearer"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want config
	}{
		{"defaults", nil, nil, config{Addr: "127.0.0.1:8080", DB: "accountapi.db", SMTP: smtpConfig{Port: 587}}},
		{"environment", nil, map[string]string{
			"ACCOUNTAPI_ADDR": "127.0.0.1:9", "ACCOUNTAPI_DB": "x.db", "ACCOUNTAPI_DEV_SECRET": "s",
			"ACCOUNTAPI_OUTBOX": "o.jsonl", "ACCOUNTAPI_POSTGRES_DSN": "postgres://x",
		}, config{Addr: "127.0.0.1:9", DB: "x.db", DevSecret: "s", Outbox: "o.jsonl", PostgresDSN: "postgres://x", SMTP: smtpConfig{Port: 587}}},
		{"webhooks", []string{"-webhook-url", "https://a.test/hook, https://b.test/hook"},
			map[string]string{"ACCOUNTAPI_WEBHOOK_SECRET": "0123456789abcdef0123456789abcdef"},
			config{Addr: "127.0.0.1:8080", DB: "accountapi.db", SMTP: smtpConfig{Port: 587},
				WebhookURLs: []string{"https://a.test/hook", "https://b.test/hook"}, WebhookSecret: "0123456789abcdef0123456789abcdef"}},
		{"sqlite synchronous normal", nil, map[string]string{"ACCOUNTAPI_SQLITE_SYNCHRONOUS": "NORMAL"},
			config{Addr: "127.0.0.1:8080", DB: "accountapi.db", SMTP: smtpConfig{Port: 587}, SQLiteSynchronousNormal: true}},
		{"flags win over the environment", []string{"-addr", "127.0.0.1:7", "-dev-secret", "f"},
			map[string]string{"ACCOUNTAPI_ADDR": "127.0.0.1:9", "ACCOUNTAPI_DEV_SECRET": "e"},
			config{Addr: "127.0.0.1:7", DB: "accountapi.db", DevSecret: "f", SMTP: smtpConfig{Port: 587}}},
		{"smtp from the environment", nil, map[string]string{
			"ACCOUNTAPI_SMTP_HOST": "mail.test", "ACCOUNTAPI_SMTP_PORT": "2525", "ACCOUNTAPI_SMTP_USERNAME": "u",
			"ACCOUNTAPI_SMTP_PASSWORD": "p", "ACCOUNTAPI_SMTP_FROM": "a@mail.test",
		}, config{Addr: "127.0.0.1:8080", DB: "accountapi.db",
			SMTP: smtpConfig{Host: "mail.test", Port: 2525, Username: "u", Password: "p", From: "a@mail.test"}}},
		{"smtp port flag wins over a bad environment", []string{"-smtp-port", "25"}, map[string]string{"ACCOUNTAPI_SMTP_PORT": "x"},
			config{Addr: "127.0.0.1:8080", DB: "accountapi.db", SMTP: smtpConfig{Port: 25}}},
		{"encryption key file", []string{"-encryption-key-file", "k.key"}, nil,
			config{Addr: "127.0.0.1:8080", DB: "accountapi.db", SMTP: smtpConfig{Port: 587}, EncryptionKeyFile: "k.key"}},
		{"encryption key file from the environment", nil, map[string]string{"ACCOUNTAPI_ENCRYPTION_KEY_FILE": "/run/secrets/k"},
			config{Addr: "127.0.0.1:8080", DB: "accountapi.db", SMTP: smtpConfig{Port: 587}, EncryptionKeyFile: "/run/secrets/k"}},
		{"cors origins", []string{"-cors-origins", "https://app.test, http://localhost:3000,,HTTPS://Admin.Test:443"}, nil,
			config{Addr: "127.0.0.1:8080", DB: "accountapi.db", SMTP: smtpConfig{Port: 587},
				CORSOrigins: []string{"https://app.test", "http://localhost:3000", "https://admin.test"}}},
		{"cors any origin from the environment", nil, map[string]string{"ACCOUNTAPI_CORS_ORIGINS": "*"},
			config{Addr: "127.0.0.1:8080", DB: "accountapi.db", SMTP: smtpConfig{Port: 587}, CORSOrigins: []string{"*"}}},
		{"production", []string{"-jwks-url", "https://idp.test/jwks", "-audience", "https://api.test"}, nil,
			config{Addr: "127.0.0.1:8080", DB: "accountapi.db", SMTP: smtpConfig{Port: 587},
				JWKSURL: "https://idp.test/jwks", Audience: "https://api.test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseConfig(tt.args, env(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got, cmp.AllowUnexported(config{})); d != "" {
				t.Errorf("config (-want +got):\n%s", d)
			}
		})
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"unknown flag", []string{"-nope"}, nil},
		{"stray argument", []string{"extra"}, nil},
		{"jwks and issuer", []string{"-jwks-url", "https://a/jwks", "-issuer", "https://a"}, nil},
		{"smtp without from", []string{"-smtp-host", "mail.test"}, nil},
		{"unknown synchronous mode", []string{"-sqlite-synchronous", "off"}, nil},
		{"webhook without secret", []string{"-webhook-url", "https://a.test/hook"}, nil},
		{"bad smtp port", nil, map[string]string{"ACCOUNTAPI_SMTP_PORT": "x"}},
		{"short encryption key", nil, map[string]string{"ACCOUNTAPI_ENCRYPTION_KEYS": "abcd"}},
		{"encryption keys that are not hex", nil, map[string]string{"ACCOUNTAPI_ENCRYPTION_KEYS": strings.Repeat("zz", 32)}},
		{"encryption keys and a key file", []string{"-encryption-key-file", "k.key"},
			map[string]string{"ACCOUNTAPI_ENCRYPTION_KEYS": strings.Repeat("ab", 32)}},
		{"cors origin with a path", []string{"-cors-origins", "https://app.test/"}, nil},
		{"cors origin from the environment with a path", nil, map[string]string{"ACCOUNTAPI_CORS_ORIGINS": "https://app.test/x"}},
		{"cors any origin and others", []string{"-cors-origins", "*,https://app.test"}, nil},
		{"help", []string{"-h"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parseConfig(tt.args, env(tt.env)); err == nil {
				t.Error("parseConfig accepted it")
			}
		})
	}
}

func TestParseConfigEncryptionKeys(t *testing.T) {
	k1, k2 := strings.Repeat("ab", 32), strings.Repeat("cd", 32)
	got, err := parseConfig(nil, env(map[string]string{"ACCOUNTAPI_ENCRYPTION_KEYS": k1 + ", " + k2}))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.EncryptionKeys) != 2 || got.EncryptionKeys[0][0] != 0xab || got.EncryptionKeys[1][0] != 0xcd {
		t.Errorf("keys = %x", got.EncryptionKeys)
	}
}

// TestTokenCommand mints a token with `server token` and checks the HS256
// authenticator accepts it with the requested subject and scopes.
func TestTokenCommand(t *testing.T) {
	const secret = "token-command-secret-token-command"
	var out bytes.Buffer
	err := tokenCommand([]string{"-sub", "u1", "-scope", "openid email", "-ttl", "5m"},
		env(map[string]string{"ACCOUNTAPI_DEV_SECRET": secret}), &out)
	if err != nil {
		t.Fatal(err)
	}
	auth, err := bearer.NewHS256(bearer.HS256Config{Secret: []byte(secret)})
	if err != nil {
		t.Fatal(err)
	}
	p, err := auth.Authenticate(t.Context(), strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatal(err)
	}
	if p.UserID != "u1" || !p.HasScope("openid") || !p.HasScope("email") {
		t.Errorf("principal = %+v", p)
	}

	for name, args := range map[string][]string{"no secret": {"-sub", "u"}, "no subject": {"-secret", secret}} {
		if err := tokenCommand(args, env(nil), &out); err == nil {
			t.Errorf("%s: tokenCommand accepted it", name)
		}
	}
}
