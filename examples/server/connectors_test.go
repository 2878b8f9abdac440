package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accountapi/accountapi/connector"
)

func TestConnectorsDevelopmentMode(t *testing.T) {
	set, err := connectors(config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := set.Social("mock-social"); err != nil {
		t.Errorf("mock-social: %v", err)
	}
	for _, id := range []string{"mock-email", "mock-sms"} {
		if _, err := set.Social(id); err == nil {
			t.Errorf("%s is social", id)
		}
	}
	prod, err := connectors(config{JWKSURL: "https://idp.test/jwks"})
	if err != nil {
		t.Fatal(err)
	}
	if len(prod) != 0 {
		t.Errorf("production mode registers %d connectors, want none", len(prod))
	}
}

func TestConnectorsFile(t *testing.T) {
	write := func(t *testing.T, body string) string {
		path := filepath.Join(t.TempDir(), "connectors.json")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := `[
	  {"id": "google", "type": "oidc", "target": "google", "issuer": "https://accounts.example.com",
	   "clientId": "c", "clientSecret": "s"},
	  {"id": "github", "type": "oauth2", "target": "github",
	   "authUrl": "https://github.example/authorize", "tokenUrl": "https://github.example/token",
	   "userInfoUrl": "https://api.github.example/user", "clientId": "c", "clientSecret": "s",
	   "claims": {"avatar": "avatar_url"}}
	]`
	set, err := connectors(config{Connectors: write(t, good)})
	if err != nil {
		t.Fatal(err)
	}
	for id, target := range map[string]string{"google": "google", "github": "github", "mock-social": connector.MockTarget} {
		c, err := set.Social(id)
		if err != nil || c.Target() != target {
			t.Errorf("Social(%s) = %v, %v; want target %s", id, c, err, target)
		}
	}

	for name, body := range map[string]string{
		"unknown type":    `[{"id":"x","type":"saml","target":"x"}]`,
		"no id":           `[{"type":"oidc","target":"x","issuer":"https://a.test","clientId":"c"}]`,
		"duplicate id":    `[{"id":"mock-social","type":"oidc","target":"x","issuer":"https://a.test","clientId":"c"}]`,
		"unknown member":  `[{"id":"x","type":"oidc","target":"x","issuer":"https://a.test","clientId":"c","secret":"typo"}]`,
		"plain http":      `[{"id":"x","type":"oidc","target":"x","issuer":"http://idp.example.com","clientId":"c"}]`,
		"not JSON":        `{`,
		"missing target":  `[{"id":"x","type":"oidc","issuer":"https://a.test","clientId":"c"}]`,
		"oauth2 no token": `[{"id":"x","type":"oauth2","target":"x","authUrl":"https://a.test/a","userInfoUrl":"https://a.test/u","clientId":"c"}]`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := connectors(config{Connectors: write(t, body)}); err == nil {
				t.Error("connectors accepted it")
			}
		})
	}
	if _, err := connectors(config{Connectors: filepath.Join(t.TempDir(), "missing.json")}); err == nil || !strings.Contains(err.Error(), "-connectors") {
		t.Errorf("missing file: %v", err)
	}
}
