package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/accountapi/accountapi/connector"
	"github.com/accountapi/accountapi/connector/oauth2"
	"github.com/accountapi/accountapi/connector/oidc"
)

// connectorFile is the JSON document of -connectors: a list of social
// connectors, e.g.
//
//	[
//	  {"id": "google", "type": "oidc", "target": "google",
//	   "issuer": "https://accounts.google.com",
//	   "clientId": "…", "clientSecret": "…"},
//	  {"id": "github", "type": "oauth2", "target": "github",
//	   "authUrl": "https://github.com/login/oauth/authorize",
//	   "tokenUrl": "https://github.com/login/oauth/access_token",
//	   "userInfoUrl": "https://api.github.com/user",
//	   "clientId": "…", "clientSecret": "…", "scopes": ["read:user", "user:email"],
//	   "claims": {"avatar": "avatar_url"}}
//	]
type connectorFile []struct {
	ID           string   `json:"id"`
	Type         string   `json:"type"`
	Target       string   `json:"target"`
	ClientID     string   `json:"clientId"`
	ClientSecret string   `json:"clientSecret"`
	Scopes       []string `json:"scopes"`
	// oidc
	Issuer        string `json:"issuer"`
	FetchUserInfo bool   `json:"fetchUserInfo"`
	// oauth2
	AuthURL     string        `json:"authUrl"`
	TokenURL    string        `json:"tokenUrl"`
	UserInfoURL string        `json:"userInfoUrl"`
	PKCE        bool          `json:"pkce"`
	Claims      oauth2.Claims `json:"claims"`
}

// connectors returns the connectors the server registers: in development
// mode the mock social connector and the notifier's two channels (so that
// naming them where a social connector is needed answers
// connector.unexpected_type), and those of the -connectors file.
func connectors(cfg config) (connector.Set, error) {
	set := connector.Set{}
	if !cfg.production() {
		set["mock-social"] = connector.Mock{}
		set["mock-email"] = connector.Passive(connector.TypeEmail)
		set["mock-sms"] = connector.Passive(connector.TypeSMS)
	}
	if cfg.Connectors == "" {
		return set, nil
	}
	data, err := os.ReadFile(cfg.Connectors)
	if err != nil {
		return nil, fmt.Errorf("-connectors: %w", err)
	}
	var file connectorFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("-connectors %s: %w", cfg.Connectors, err)
	}
	for i, c := range file {
		if c.ID == "" {
			return nil, fmt.Errorf("-connectors %s: connector %d has no id", cfg.Connectors, i+1)
		}
		if _, dup := set[c.ID]; dup {
			return nil, fmt.Errorf("-connectors %s: connector id %q is used twice", cfg.Connectors, c.ID)
		}
		var (
			soc connector.Social
			err error
		)
		switch c.Type {
		case "oidc":
			soc, err = oidc.New(oidc.Config{
				Issuer: c.Issuer, ClientID: c.ClientID, ClientSecret: c.ClientSecret,
				Scopes: c.Scopes, Target: c.Target, FetchUserInfo: c.FetchUserInfo,
			})
		case "oauth2":
			soc, err = oauth2.New(oauth2.Config{
				AuthURL: c.AuthURL, TokenURL: c.TokenURL, UserInfoURL: c.UserInfoURL,
				ClientID: c.ClientID, ClientSecret: c.ClientSecret, Scopes: c.Scopes,
				Target: c.Target, Claims: c.Claims, PKCE: c.PKCE,
			})
		default:
			err = fmt.Errorf(`type %q, want "oidc" or "oauth2"`, c.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("-connectors %s: connector %q: %w", cfg.Connectors, c.ID, err)
		}
		set[c.ID] = soc
	}
	return set, nil
}
