package oauth2

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	xoauth2 "golang.org/x/oauth2"

	"github.com/accountapi/accountapi/connector"
	"github.com/accountapi/accountapi/connector/internal/authcode"
	"github.com/accountapi/accountapi/store"
)

// maxUserInfoBytes caps the userinfo endpoint's answer.
const maxUserInfoBytes = 1 << 20

// Claims names the members of the userinfo endpoint's JSON object that hold
// the social user's attributes. A name may be a dot-separated path into
// nested objects ("data.id"). Each "" means the default its doc names, which
// are the names of Logto's OAuth 2.0 connector.
type Claims struct {
	// ID holds the user's id at the provider, a string or a number (GitHub's
	// ids are numbers; they become their decimal text). Default "id".
	ID string
	// Email holds the email address. Default "email".
	Email string
	// Phone holds the phone number. Default "phone".
	Phone string
	// Name holds the display name. Default "name".
	Name string
	// Avatar holds the picture's URL. Default "avatar" (GitHub: "avatar_url").
	Avatar string
}

func (c *Claims) defaults() {
	for _, f := range []struct {
		dst *string
		def string
	}{{&c.ID, "id"}, {&c.Email, "email"}, {&c.Phone, "phone"}, {&c.Name, "name"}, {&c.Avatar, "avatar"}} {
		if *f.dst == "" {
			*f.dst = f.def
		}
	}
}

// Config configures a Connector. Zero members take the defaults their docs
// name.
type Config struct {
	// AuthURL is the provider's authorization endpoint. Required; https, or
	// http on a loopback host (as every endpoint).
	AuthURL string
	// TokenURL is the provider's token endpoint. Required.
	TokenURL string
	// UserInfoURL answers a GET with the bearer access token with the user
	// as a JSON object. Required.
	UserInfoURL string
	// ClientID is the client id registered with the provider. Required.
	ClientID string
	// ClientSecret authenticates the client at the token endpoint.
	ClientSecret string
	// AuthStyle says how the client authenticates at the token endpoint:
	// zero means HTTP Basic (RFC 6749 §2.3.1, which every provider must
	// support), or the form's client_id alone for a public client (no
	// ClientSecret); xoauth2.AuthStyleInParams sends id and secret in the
	// form. x/oauth2's detection (trying both) is not offered: it sends a
	// refused code twice and reports the second refusal.
	AuthStyle xoauth2.AuthStyle
	// Scopes are asked for unless the client names its own in POST
	// /api/verifications/social; nil asks for none.
	Scopes []string
	// Target is the identity target the users' identities are linked under
	// (e.g. "github"). Required.
	Target string
	// Claims maps the userinfo answer to the social user.
	Claims Claims
	// PKCE sends an S256 code challenge (RFC 7636) and the verifier with the
	// code. Off by default because not every OAuth 2.0 provider accepts the
	// parameters; turn it on wherever the provider supports it.
	PKCE bool
	// HTTPClient makes every request to the provider; nil means a client
	// with a 10 second timeout.
	HTTPClient *http.Client
	// Rand is the randomness of PKCE verifiers; nil means crypto/rand.Reader.
	Rand io.Reader
}

// Connector is a generic OAuth 2.0 social connector: the authorization-code
// flow (RFC 6749 §4.1), then the user from a userinfo endpoint. It is safe
// for concurrent use.
type Connector struct {
	cfg    Config
	client *http.Client
}

var _ connector.Social = (*Connector)(nil)

// New returns a Connector after checking cfg.
func New(cfg Config) (*Connector, error) {
	for _, u := range []struct{ name, value string }{
		{"AuthURL", cfg.AuthURL}, {"TokenURL", cfg.TokenURL}, {"UserInfoURL", cfg.UserInfoURL},
	} {
		if err := authcode.CheckURL(u.value); err != nil {
			return nil, fmt.Errorf("oauth2: Config.%s: %w", u.name, err)
		}
	}
	switch {
	case cfg.ClientID == "":
		return nil, errors.New("oauth2: Config.ClientID is empty")
	case cfg.Target == "":
		return nil, errors.New("oauth2: Config.Target is empty")
	}
	switch {
	case cfg.AuthStyle == xoauth2.AuthStyleAutoDetect && cfg.ClientSecret == "":
		cfg.AuthStyle = xoauth2.AuthStyleInParams
	case cfg.AuthStyle == xoauth2.AuthStyleAutoDetect:
		cfg.AuthStyle = xoauth2.AuthStyleInHeader
	case cfg.AuthStyle != xoauth2.AuthStyleInHeader && cfg.AuthStyle != xoauth2.AuthStyleInParams:
		return nil, fmt.Errorf("oauth2: Config.AuthStyle %d is unknown", cfg.AuthStyle)
	}
	cfg.Claims.defaults()
	cfg.Scopes = slices.Clone(cfg.Scopes)
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	return &Connector{cfg: cfg, client: authcode.Client(cfg.HTTPClient)}, nil
}

// Type implements connector.Connector.
func (c *Connector) Type() connector.Type { return connector.TypeSocial }

// Target implements connector.Social.
func (c *Connector) Target() string { return c.cfg.Target }

func (c *Connector) oauth2Config(redirectURI string, scopes []string) *xoauth2.Config {
	return &xoauth2.Config{
		ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret,
		Endpoint:    xoauth2.Endpoint{AuthURL: c.cfg.AuthURL, TokenURL: c.cfg.TokenURL, AuthStyle: c.cfg.AuthStyle},
		RedirectURL: redirectURI, Scopes: scopes,
	}
}

// AuthorizationURI implements connector.Social: the authorization endpoint
// with response_type=code, the client's state and redirect URI, the scopes
// (the request's or the configured ones) and, with Config.PKCE, an S256
// challenge. The session keeps the state, the redirect URI and the PKCE
// verifier.
func (c *Connector) AuthorizationURI(_ context.Context, r connector.AuthorizationRequest) (string, connector.Session, error) {
	scopes := c.cfg.Scopes
	if r.Scope != "" {
		scopes = strings.Fields(r.Scope)
	}
	session := connector.Session{authcode.KeyState: r.State, authcode.KeyRedirectURI: r.RedirectURI}
	var opts []xoauth2.AuthCodeOption
	if c.cfg.PKCE {
		verifier, err := authcode.Random(c.cfg.Rand)
		if err != nil {
			return "", nil, fmt.Errorf("oauth2: %w", err)
		}
		session[authcode.KeyVerifier] = verifier
		opts = append(opts, xoauth2.S256ChallengeOption(verifier))
	}
	return c.oauth2Config(r.RedirectURI, scopes).AuthCodeURL(r.State, opts...), session, nil
}

// UserInfo implements connector.Social. It checks the callback against the
// session (the state, in constant time; an error parameter), exchanges the
// code (with the PKCE verifier when the session has one), asks the userinfo
// endpoint with the access token and maps its answer through Config.Claims.
// The whole answer is kept as raw data.
func (c *Connector) UserInfo(ctx context.Context, data map[string]any, session connector.Session) (*store.SocialUserInfo, error) {
	code, err := authcode.Callback(data, session, "")
	if err != nil {
		return nil, fmt.Errorf("oauth2: %w", err)
	}
	if c.cfg.PKCE && session[authcode.KeyVerifier] == "" {
		return nil, fmt.Errorf("oauth2: %w: the session has no PKCE verifier", connector.ErrInvalidResponse)
	}
	var opts []xoauth2.AuthCodeOption
	if v := session[authcode.KeyVerifier]; v != "" {
		opts = append(opts, xoauth2.VerifierOption(v))
	}
	ctx = context.WithValue(ctx, xoauth2.HTTPClient, c.client)
	tok, err := c.oauth2Config(session[authcode.KeyRedirectURI], nil).Exchange(ctx, code, opts...)
	if err != nil {
		return nil, fmt.Errorf("oauth2: %w", authcode.ExchangeError(err))
	}
	raw, err := c.fetchUser(ctx, tok)
	if err != nil {
		return nil, err
	}
	return c.socialUser(raw)
}

// fetchUser asks the userinfo endpoint for the user.
func (c *Connector) fetchUser(ctx context.Context, tok *xoauth2.Token) (map[string]any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.cfg.UserInfoURL, nil)
	if err != nil {
		return nil, fmt.Errorf("oauth2: building the userinfo request: %w", err)
	}
	tok.SetAuthHeader(req)
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("oauth2: asking the userinfo endpoint: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxUserInfoBytes+1))
	if err != nil {
		return nil, fmt.Errorf("oauth2: reading the userinfo answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("oauth2: the userinfo endpoint answered %d", resp.StatusCode)
	}
	if len(body) > maxUserInfoBytes {
		return nil, errors.New("oauth2: the userinfo answer is too large")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil || raw == nil {
		return nil, fmt.Errorf("oauth2: %w: the userinfo answer is not a JSON object", connector.ErrInvalidResponse)
	}
	return raw, nil
}

// socialUser maps the userinfo answer through the claim mapping. The id must
// be a non-empty string or a number; the other attributes are kept when they
// are strings and ignored otherwise (null for a hidden email, say).
func (c *Connector) socialUser(raw map[string]any) (*store.SocialUserInfo, error) {
	m := c.cfg.Claims
	info := &store.SocialUserInfo{RawData: raw}
	switch id := lookup(raw, m.ID).(type) {
	case string:
		info.ID = id
	case json.Number:
		info.ID = id.String()
	}
	if info.ID == "" {
		return nil, fmt.Errorf("oauth2: %w: the userinfo answer has no id in %q", connector.ErrInvalidResponse, m.ID)
	}
	info.Email, _ = lookup(raw, m.Email).(string)
	info.Phone, _ = lookup(raw, m.Phone).(string)
	info.Name, _ = lookup(raw, m.Name).(string)
	info.Avatar, _ = lookup(raw, m.Avatar).(string)
	return info, nil
}

// lookup follows the dot-separated path into nested objects; nil if a step
// is missing.
func lookup(v any, path string) any {
	for _, name := range strings.Split(path, ".") {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = obj[name]
	}
	return v
}
