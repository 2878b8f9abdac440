package bearer

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
)

// Defaults of [IntrospectionConfig].
const (
	// DefaultIntrospectionCacheTTL is how long an active result is reused.
	// It is also how long a revoked token may still be accepted.
	DefaultIntrospectionCacheTTL = 30 * time.Second
	// DefaultIntrospectionNegativeTTL is how long an inactive result is
	// reused: long enough to absorb a client retrying a dead token in a
	// loop, short because nothing is gained by remembering it longer.
	DefaultIntrospectionNegativeTTL = 5 * time.Second
	// DefaultIntrospectionMaxEntries bounds the cache. An entry is a digest,
	// a principal and a few words (a few hundred bytes with typical scopes),
	// so the default costs a few MiB at most.
	DefaultIntrospectionMaxEntries = 10_000
	// DefaultIntrospectionTimeout bounds each introspection request. It is
	// shorter than the key-set timeout because a request waits on it.
	DefaultIntrospectionTimeout = 5 * time.Second
)

// IntrospectionConfig configures [NewIntrospector]. Client authentication is
// required (RFC 7662 §2.1, to keep the endpoint from being used for token
// scanning): set ClientID and ClientSecret, or BearerToken, not both.
type IntrospectionConfig struct {
	// Endpoint is the introspection endpoint, e.g.
	// "https://tenant.logto.app/oidc/token/introspection". Required.
	Endpoint string
	// ClientID and ClientSecret authenticate this resource server with HTTP
	// Basic, each form-urlencoded first as RFC 6749 §2.3.1 requires.
	ClientID     string
	ClientSecret string
	// BearerToken authenticates this resource server with
	// "Authorization: Bearer" instead of Basic.
	BearerToken string
	// Issuer, when set, must equal the response's iss member, which must
	// then be present. Default: not checked.
	Issuer string
	// Audience, when set, must be one of the response's aud values.
	// Default: not checked.
	Audience string
	// CacheTTL is how long an active result is reused. It never extends
	// past the token's exp. Zero means DefaultIntrospectionCacheTTL (30 s);
	// a negative value disables caching (both kinds).
	CacheTTL time.Duration
	// NegativeCacheTTL is how long an inactive result is reused. Zero means
	// DefaultIntrospectionNegativeTTL (5 s); a negative value disables
	// caching of inactive results.
	NegativeCacheTTL time.Duration
	// MaxEntries bounds the number of cached results; the least recently
	// used is evicted first. Default DefaultIntrospectionMaxEntries.
	MaxEntries int
	// HTTPClient posts the requests. Default: a client with a Timeout of
	// Timeout that does not follow redirects (a redirect would resend the
	// token to another URL).
	HTTPClient *http.Client
	// Timeout bounds each request, whatever HTTPClient is. Default
	// DefaultIntrospectionTimeout (5 s).
	Timeout time.Duration
	// AllowHTTP permits an http:// Endpoint on a non-loopback host. Default
	// false. The request carries the token and the client secret.
	AllowHTTP bool
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

// Introspector asks the identity provider about each token with OAuth 2.0
// Token Introspection (RFC 7662). This is how opaque tokens, such as the
// ones Logto issues for the Account API, are checked. It is safe for
// concurrent use.
type Introspector struct {
	endpoint string
	authz    string // the Authorization header value; never logged
	issuer   string
	audience string
	ttl      time.Duration // < 0: no caching
	negTTL   time.Duration // < 0: no negative caching
	client   *http.Client
	timeout  time.Duration
	now      func() time.Time

	mu      sync.Mutex
	cache   *lruCache
	flights map[tokenKey]*flight
}

var _ Authenticator = (*Introspector)(nil)

// flight is one introspection request shared by every caller asking about
// the same token while it runs.
type flight struct {
	done chan struct{}
	res  result // written before done is closed
}

// NewIntrospector checks cfg and returns an introspection authenticator.
func NewIntrospector(cfg IntrospectionConfig) (*Introspector, error) {
	if cfg.Endpoint == "" {
		return nil, errors.New("bearer: introspection Endpoint is required")
	}
	if err := checkProviderURL("Endpoint", cfg.Endpoint, cfg.AllowHTTP); err != nil {
		return nil, err
	}
	basic := cfg.ClientID != "" || cfg.ClientSecret != ""
	var authz string
	switch {
	case basic && cfg.BearerToken != "":
		return nil, errors.New("bearer: set ClientID/ClientSecret or BearerToken, not both")
	case basic && (cfg.ClientID == "" || cfg.ClientSecret == ""):
		return nil, errors.New("bearer: ClientID and ClientSecret must be set together")
	case basic:
		creds := url.QueryEscape(cfg.ClientID) + ":" + url.QueryEscape(cfg.ClientSecret)
		authz = "Basic " + base64.StdEncoding.EncodeToString([]byte(creds))
	case cfg.BearerToken != "":
		authz = "Bearer " + cfg.BearerToken
	default:
		return nil, errors.New("bearer: introspection needs client authentication (ClientID and ClientSecret, or BearerToken)")
	}
	ttl := cfg.CacheTTL
	if ttl == 0 {
		ttl = DefaultIntrospectionCacheTTL
	}
	negTTL := cfg.NegativeCacheTTL
	if negTTL == 0 {
		negTTL = DefaultIntrospectionNegativeTTL
	}
	if ttl < 0 {
		negTTL = -1
	}
	maxEntries := cfg.MaxEntries
	switch {
	case maxEntries == 0:
		maxEntries = DefaultIntrospectionMaxEntries
	case maxEntries < 0:
		return nil, errors.New("bearer: MaxEntries must not be negative")
	}
	timeout, err := durationOr("Timeout", cfg.Timeout, DefaultIntrospectionTimeout)
	if err != nil {
		return nil, err
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{
			Timeout: timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		}
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Introspector{
		endpoint: cfg.Endpoint,
		authz:    authz,
		issuer:   cfg.Issuer,
		audience: cfg.Audience,
		ttl:      ttl,
		negTTL:   negTTL,
		client:   client,
		timeout:  timeout,
		now:      now,
		cache:    newLRUCache(maxEntries),
		flights:  make(map[tokenKey]*flight),
	}, nil
}

// Authenticate implements [Authenticator]. A cached result is returned
// without a request; concurrent calls for one token share one request.
// Errors not wrapping ErrInvalidToken mean the endpoint could not give an
// answer (unreachable, HTTP error, unreadable response, or our client
// authentication refused), or ctx ended; they are never cached.
func (in *Introspector) Authenticate(ctx context.Context, token string) (Principal, error) {
	if token == "" || len(token) > maxTokenLen {
		return Principal{}, invalid("malformed")
	}
	key := tokenKey(sha256.Sum256([]byte(token)))

	in.mu.Lock()
	if r, ok := in.cache.get(key, in.now()); ok {
		in.mu.Unlock()
		return r.principal.clone(), r.err
	}
	f, ok := in.flights[key]
	if !ok {
		f = &flight{done: make(chan struct{})}
		in.flights[key] = f
		go in.run(ctx, key, token, f)
	}
	in.mu.Unlock()

	select {
	case <-f.done:
		return f.res.principal.clone(), f.res.err
	case <-ctx.Done():
		return Principal{}, ctx.Err()
	}
}

// run performs the request for f, caches the outcome and releases the
// waiters. Caching and leaving the flight table happen under one lock, so a
// caller arriving at any moment finds either the flight or the cached
// result and never starts a second request.
func (in *Introspector) run(ctx context.Context, key tokenKey, token string, f *flight) {
	ctx, cancel := detach(ctx, in.timeout)
	defer cancel()
	res, exp := in.introspect(ctx, token)

	in.mu.Lock()
	if until, ok := in.cacheUntil(res, exp, in.now()); ok {
		in.cache.put(key, res, until)
	}
	delete(in.flights, key)
	f.res = res
	in.mu.Unlock()
	close(f.done)
}

// cacheUntil says whether and until when res may be cached: active results
// for the TTL but never past the token's exp, inactive ones for the
// negative TTL, errors of the "could not check" kind never.
func (in *Introspector) cacheUntil(res result, exp time.Time, now time.Time) (time.Time, bool) {
	switch {
	case res.err == nil:
		if in.ttl < 0 {
			return time.Time{}, false
		}
		until := now.Add(in.ttl)
		if !exp.IsZero() && exp.Before(until) {
			until = exp
		}
		return until, until.After(now)
	case errors.Is(res.err, ErrInvalidToken):
		if in.negTTL < 0 {
			return time.Time{}, false
		}
		return now.Add(in.negTTL), true
	}
	return time.Time{}, false
}

// introspectionResponse holds the RFC 7662 §2.2 members we read.
type introspectionResponse struct {
	Active    *bool            `json:"active"`
	Scope     string           `json:"scope"`
	ClientID  string           `json:"client_id"`
	Subject   string           `json:"sub"`
	TokenType string           `json:"token_type"`
	Expiry    *jwt.NumericDate `json:"exp"`
	Issuer    string           `json:"iss"`
	Audience  jwt.Audience     `json:"aud"`
	Cnf       json.RawMessage  `json:"cnf"`
}

// introspect asks the endpoint about token. It returns the result and the
// token's expiry (zero if the response has none).
func (in *Introspector) introspect(ctx context.Context, token string) (result, time.Time) {
	form := url.Values{"token": {token}, "token_type_hint": {"access_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, in.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return result{err: fmt.Errorf("bearer: introspection request: %w", err)}, time.Time{}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", in.authz)

	resp, err := in.client.Do(req)
	if err != nil {
		// *url.Error names the endpoint and the transport failure; the
		// token travels in the body and is not part of it.
		return result{err: fmt.Errorf("bearer: introspection: %w", err)}, time.Time{}
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		// Our credentials were refused: a configuration problem, not a
		// verdict on the token.
		return result{err: fmt.Errorf("bearer: introspection endpoint refused the client credentials (HTTP %d)", resp.StatusCode)}, time.Time{}
	case resp.StatusCode != http.StatusOK:
		// The body is not included: a faulty endpoint might echo the token.
		return result{err: fmt.Errorf("bearer: introspection endpoint answered HTTP %d", resp.StatusCode)}, time.Time{}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxProviderResponse+1))
	if err != nil {
		return result{err: fmt.Errorf("bearer: introspection: reading response: %w", err)}, time.Time{}
	}
	if len(body) > maxProviderResponse {
		return result{err: errors.New("bearer: introspection response too large")}, time.Time{}
	}
	var r introspectionResponse
	if json.Unmarshal(body, &r) != nil || r.Active == nil {
		return result{err: errors.New("bearer: introspection response is not valid RFC 7662 JSON")}, time.Time{}
	}
	var exp time.Time
	if r.Expiry != nil {
		exp = r.Expiry.Time()
	}
	return in.judge(r), exp
}

// judge turns a well-formed introspection response into a result.
func (in *Introspector) judge(r introspectionResponse) result {
	if !*r.Active {
		return result{err: invalid("inactive")}
	}
	// We asked about an access token, but RFC 7662 §2.1 lets the server
	// search every kind. oidc-provider (Logto) reports refresh tokens with
	// token_type "refresh_token"; those must not work as bearer tokens,
	// nor may DPoP-bound tokens be used without a proof (RFC 9449 §7.1).
	switch strings.ToLower(r.TokenType) {
	case "", "bearer", "access_token", "client_credentials":
	default:
		return result{err: invalid("not a bearer access token")}
	}
	if hasConfirmation(r.Cnf) {
		return result{err: invalid("sender-constrained token")}
	}
	if in.issuer != "" && r.Issuer != in.issuer {
		return result{err: invalid("issuer mismatch")}
	}
	if in.audience != "" && !r.Audience.Contains(in.audience) {
		return result{err: invalid("audience mismatch")}
	}
	return result{principal: Principal{UserID: r.Subject, Scopes: splitScope(r.Scope), ClientID: r.ClientID}}
}
