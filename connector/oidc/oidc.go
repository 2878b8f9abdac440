package oidc

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/accountapi/accountapi/connector"
	"github.com/accountapi/accountapi/connector/internal/authcode"
	"github.com/accountapi/accountapi/store"
)

// Config configures a Connector. Zero members take the defaults their docs
// name.
type Config struct {
	// Issuer is the provider's issuer identifier, e.g.
	// "https://accounts.example.com". Discovery reads
	// Issuer + "/.well-known/openid-configuration", whose issuer must be
	// exactly Issuer, as must every ID token's iss. Required; an https URL,
	// or http for a loopback host (development and tests).
	Issuer string
	// ClientID is the client id registered with the provider; ID tokens must
	// be issued to it (aud). Required.
	ClientID string
	// ClientSecret authenticates the client at the token endpoint; "" for a
	// public client, which PKCE alone protects.
	ClientSecret string
	// Scopes are asked for unless the client names its own in POST
	// /api/verifications/social; nil means openid, profile and email. They
	// must include "openid".
	Scopes []string
	// Target is the identity target the users' identities are linked under
	// (e.g. "google"); connectors for one provider should share it.
	// Required.
	Target string
	// FetchUserInfo also asks the provider's userinfo endpoint, when
	// discovery names one, for claims the ID token lacks. Off by default:
	// the ID token's claims suffice for most providers and cost no request.
	FetchUserInfo bool
	// HTTPClient makes every request to the provider (discovery, keys, token,
	// userinfo); nil means a client with a 10 second timeout.
	HTTPClient *http.Client
	// Now is the clock ID tokens' expiry is checked against; nil means
	// time.Now.
	Now func() time.Time
	// Rand is the randomness of nonces and PKCE verifiers; nil means
	// crypto/rand.Reader.
	Rand io.Reader
}

// Connector is a generic OpenID Connect social connector: the
// authorization-code flow with PKCE and a nonce, against any provider that
// publishes a discovery document. It is safe for concurrent use.
type Connector struct {
	cfg    Config
	client *http.Client

	// mu guards the discovered provider: discovery runs at the first use
	// (or Discover) and is kept once it succeeds, so that a provider that
	// is down when the host starts does not stop the host. Requests wait
	// for a discovery in progress (bounded by the HTTP client's timeout)
	// rather than all asking the provider at once. The discovery document
	// is a cache of the provider's configuration, not state: every replica
	// reads it for itself.
	mu   sync.Mutex
	disc *discovered
}

// discovered is what the connector learnt from the discovery document.
type discovered struct {
	provider  *gooidc.Provider
	verifier  *gooidc.IDTokenVerifier
	authStyle oauth2.AuthStyle
}

// authStyle picks how the client authenticates at the token endpoint: HTTP
// Basic, the default of OpenID Connect Discovery §3 and the method every
// OAuth 2.0 server must support (RFC 6749 §2.3.1), unless the provider lists
// only client_secret_post; a public client (no secret) names itself in the
// form (RFC 6749 §3.2.1). Picking one, rather than x/oauth2's detection,
// sends a code once: detection retries a refused code the other way and
// reports the second refusal.
func authStyle(secret string, supported []string) oauth2.AuthStyle {
	if secret == "" || (len(supported) > 0 && !slices.Contains(supported, "client_secret_basic") &&
		slices.Contains(supported, "client_secret_post")) {
		return oauth2.AuthStyleInParams
	}
	return oauth2.AuthStyleInHeader
}

var _ connector.Social = (*Connector)(nil)

// New returns a Connector after checking cfg. It does not reach the provider;
// call Discover to check that it is reachable.
func New(cfg Config) (*Connector, error) {
	if err := checkIssuer(cfg.Issuer); err != nil {
		return nil, err
	}
	switch {
	case cfg.ClientID == "":
		return nil, errors.New("oidc: Config.ClientID is empty")
	case cfg.Target == "":
		return nil, errors.New("oidc: Config.Target is empty")
	}
	if cfg.Scopes == nil {
		cfg.Scopes = []string{gooidc.ScopeOpenID, gooidc.ScopeProfile, gooidc.ScopeEmail}
	}
	if !slices.Contains(cfg.Scopes, gooidc.ScopeOpenID) {
		return nil, errors.New(`oidc: Config.Scopes must include "openid"`)
	}
	cfg.Scopes = slices.Clone(cfg.Scopes)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	return &Connector{cfg: cfg, client: authcode.Client(cfg.HTTPClient)}, nil
}

// checkIssuer accepts what authcode.CheckURL accepts, without a query
// (discovery appends a path to the issuer).
func checkIssuer(issuer string) error {
	if err := authcode.CheckURL(issuer); err != nil {
		return fmt.Errorf("oidc: Config.Issuer: %w", err)
	}
	if u, _ := url.Parse(issuer); u.RawQuery != "" {
		return fmt.Errorf("oidc: Config.Issuer %q has a query", issuer)
	}
	return nil
}

// Type implements connector.Connector.
func (c *Connector) Type() connector.Type { return connector.TypeSocial }

// Target implements connector.Social.
func (c *Connector) Target() string { return c.cfg.Target }

// Discover reads the provider's discovery document if it was not read yet.
// Hosts may call it at start-up to fail early; otherwise the first
// authorization does.
func (c *Connector) Discover(ctx context.Context) error {
	_, err := c.discover(ctx)
	return err
}

func (c *Connector) discover(ctx context.Context) (*discovered, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.disc != nil {
		return c.disc, nil
	}
	ctx = gooidc.ClientContext(ctx, c.client)
	p, err := gooidc.NewProvider(ctx, c.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc: discovering %s: %w", c.cfg.Issuer, err)
	}
	var meta struct {
		AuthMethods []string `json:"token_endpoint_auth_methods_supported"`
	}
	if err := p.Claims(&meta); err != nil {
		return nil, fmt.Errorf("oidc: reading the discovery document: %w", err)
	}
	c.disc = &discovered{
		provider: p,
		// The provider's key set fetches keys with c.client (the client
		// NewProvider was given), on its own, not with this request's
		// context, and keeps them until a token names an unknown key.
		verifier:  p.Verifier(&gooidc.Config{ClientID: c.cfg.ClientID, Now: c.cfg.Now}),
		authStyle: authStyle(c.cfg.ClientSecret, meta.AuthMethods),
	}
	return c.disc, nil
}

func (c *Connector) oauth2Config(d *discovered, redirectURI string, scopes []string) *oauth2.Config {
	ep := d.provider.Endpoint()
	ep.AuthStyle = d.authStyle
	return &oauth2.Config{
		ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret,
		Endpoint: ep, RedirectURL: redirectURI, Scopes: scopes,
	}
}

// AuthorizationURI implements connector.Social: the provider's authorization
// endpoint with response_type=code, the client's state and redirect URI, the
// scopes (the request's, with "openid" added if missing, or the configured
// ones), a fresh nonce (OpenID Connect Core §3.1.2.1) and an S256 PKCE
// challenge (RFC 7636 §4.2). The session keeps the state, the redirect URI,
// the nonce and the PKCE verifier.
func (c *Connector) AuthorizationURI(ctx context.Context, r connector.AuthorizationRequest) (string, connector.Session, error) {
	d, err := c.discover(ctx)
	if err != nil {
		return "", nil, err
	}
	scopes := c.cfg.Scopes
	if r.Scope != "" {
		scopes = strings.Fields(r.Scope)
		if !slices.Contains(scopes, gooidc.ScopeOpenID) {
			scopes = append([]string{gooidc.ScopeOpenID}, scopes...)
		}
	}
	nonce, err := authcode.Random(c.cfg.Rand)
	if err != nil {
		return "", nil, fmt.Errorf("oidc: %w", err)
	}
	verifier, err := authcode.Random(c.cfg.Rand)
	if err != nil {
		return "", nil, fmt.Errorf("oidc: %w", err)
	}
	uri := c.oauth2Config(d, r.RedirectURI, scopes).AuthCodeURL(r.State,
		gooidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier))
	return uri, connector.Session{
		authcode.KeyState: r.State, authcode.KeyRedirectURI: r.RedirectURI,
		authcode.KeyNonce: nonce, authcode.KeyVerifier: verifier,
	}, nil
}

// UserInfo implements connector.Social. It checks the callback against the
// session (the state, in constant time; an error parameter; the iss
// parameter when present), exchanges the code with the PKCE verifier, and
// verifies the ID token with go-oidc: signature by a key of the provider's
// JWKS, issuer, audience (the client id; and azp when present), expiry, then
// the nonce against the session's (in constant time) and, when the token has
// one, at_hash against the access token (OpenID Connect Core §3.1.3.7).
//
// The social user comes from the ID token's claims: sub (the id), email
// when email_verified is true, phone_number when phone_number_verified is
// true, name, picture (the avatar); every claim is kept as raw data. An
// unverified address stays in the raw data only, as Logto's OIDC connector
// does: the provider does not vouch for it. With Config.FetchUserInfo the
// userinfo endpoint's claims fill in what the ID token lacks, after its sub
// is checked to be the ID token's (Core §5.3.2).
func (c *Connector) UserInfo(ctx context.Context, data map[string]any, session connector.Session) (*store.SocialUserInfo, error) {
	code, err := authcode.Callback(data, session, c.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc: %w", err)
	}
	if session[authcode.KeyNonce] == "" || session[authcode.KeyVerifier] == "" {
		return nil, fmt.Errorf("oidc: %w: the session has no nonce or verifier", connector.ErrInvalidResponse)
	}
	d, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	ctx = gooidc.ClientContext(ctx, c.client)
	tok, err := c.oauth2Config(d, session[authcode.KeyRedirectURI], nil).
		Exchange(ctx, code, oauth2.VerifierOption(session[authcode.KeyVerifier]))
	if err != nil {
		return nil, fmt.Errorf("oidc: %w", authcode.ExchangeError(err))
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, fmt.Errorf("oidc: %w: the token response has no id_token", connector.ErrInvalidResponse)
	}
	idt, err := d.verifier.Verify(ctx, raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return nil, fmt.Errorf("oidc: fetching the provider's keys: %w", err)
		}
		return nil, fmt.Errorf("oidc: %w: the ID token does not verify: %v", connector.ErrInvalidResponse, err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(session[authcode.KeyNonce])) != 1 {
		return nil, fmt.Errorf("oidc: %w: the ID token's nonce does not match the authorization request", connector.ErrInvalidResponse)
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return nil, fmt.Errorf("oidc: %w: at_hash does not match the access token", connector.ErrInvalidResponse)
		}
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return nil, fmt.Errorf("oidc: %w: unreadable ID token claims", connector.ErrInvalidResponse)
	}
	if azp, ok := claims["azp"]; (ok || len(idt.Audience) > 1) && azp != c.cfg.ClientID {
		return nil, fmt.Errorf("oidc: %w: the ID token's azp is not the client", connector.ErrInvalidResponse)
	}
	if c.cfg.FetchUserInfo && d.provider.UserInfoEndpoint() != "" {
		if err := c.mergeUserInfo(ctx, d.provider, tok, idt.Subject, claims); err != nil {
			return nil, err
		}
	}
	return socialUser(claims)
}

// mergeUserInfo adds the userinfo endpoint's claims that claims lacks.
func (c *Connector) mergeUserInfo(ctx context.Context, p *gooidc.Provider, tok *oauth2.Token, sub string, claims map[string]any) error {
	ui, err := p.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		return fmt.Errorf("oidc: asking the userinfo endpoint: %w", err)
	}
	if ui.Subject != sub {
		return fmt.Errorf("oidc: %w: the userinfo sub is not the ID token's", connector.ErrInvalidResponse)
	}
	var extra map[string]any
	if err := ui.Claims(&extra); err != nil {
		return fmt.Errorf("oidc: %w: unreadable userinfo claims", connector.ErrInvalidResponse)
	}
	for k, v := range extra {
		if _, ok := claims[k]; !ok {
			claims[k] = v
		}
	}
	return nil
}

// socialUser maps OpenID Connect standard claims (Core §5.1) to the social
// user.
func socialUser(claims map[string]any) (*store.SocialUserInfo, error) {
	str := func(k string) string { s, _ := claims[k].(string); return s }
	info := &store.SocialUserInfo{ID: str("sub"), Name: str("name"), Avatar: str("picture"), RawData: claims}
	if info.ID == "" {
		return nil, fmt.Errorf("oidc: %w: the ID token has no sub", connector.ErrInvalidResponse)
	}
	if verified(claims["email_verified"]) {
		info.Email = str("email")
	}
	if verified(claims["phone_number_verified"]) {
		info.Phone = str("phone_number")
	}
	return info, nil
}

// verified reads a *_verified claim: true, or the string "true" that some
// providers send.
func verified(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return v == "true"
	}
	return false
}
