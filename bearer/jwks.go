package bearer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Defaults of [JWKSConfig].
const (
	// DefaultJWKSMaxAge is how long a fetched key set is used before it is
	// fetched again. It bounds how long a key the provider has withdrawn
	// keeps verifying tokens; one small GET per process every 15 minutes
	// costs nothing.
	DefaultJWKSMaxAge = 15 * time.Minute
	// DefaultJWKSMinRefreshInterval is the least time between two fetches
	// of the key set. Tokens naming an unknown kid trigger a refetch at most
	// this often, so a flood of made-up kids costs the provider at most two
	// requests a minute per process, while a genuinely new key is learnt
	// within this interval of its first use.
	DefaultJWKSMinRefreshInterval = 30 * time.Second
	// DefaultProviderTimeout bounds each request to a discovery or JWKS
	// endpoint.
	DefaultProviderTimeout = 10 * time.Second
)

// DefaultJWKSAlgorithms returns the algorithms [JWKS] accepts when
// JWKSConfig.Algorithms is empty: every asymmetric JWS algorithm go-jose
// implements. Logto signs with ES384 (its default P-384 key) or RS256 (RSA
// keys). Accepting several asymmetric algorithms is safe because a key is
// only ever used with an algorithm of its own type; what must never be
// accepted next to them is "none" or an HMAC algorithm, whose "key" an
// attacker could take from the published public key. (A function, not a
// variable, so that no caller can widen the list for everyone.)
func DefaultJWKSAlgorithms() []string {
	return []string{
		"RS256", "RS384", "RS512",
		"PS256", "PS384", "PS512",
		"ES256", "ES384", "ES512",
		"EdDSA",
	}
}

// JWKSConfig configures [NewJWKS]. Set Issuer, JWKSURL or both.
type JWKSConfig struct {
	// Issuer is the OpenID issuer, e.g. "https://tenant.logto.app/oidc".
	// When set, every token's iss claim must equal it exactly. When set and
	// JWKSURL is empty, the key set's URL is discovered from
	// <Issuer>/.well-known/openid-configuration (whose issuer member must
	// also equal Issuer). Default: iss is not checked (not recommended).
	Issuer string
	// JWKSURL is the JWK Set URL. When set, no discovery is done. Default:
	// discovered from Issuer.
	JWKSURL string
	// Audience, when set, must be one of the token's aud values: the
	// resource indicator (RFC 8707) the host's provider puts into access
	// tokens meant for this API. Optional but recommended: without it, a
	// token the same provider issued for another API, or an ID token, is
	// accepted too. Default: not checked.
	Audience string
	// Algorithms restricts the accepted JWS algorithms to a subset of
	// DefaultJWKSAlgorithms() (the default). "none" and HS256/HS384/HS512
	// are refused.
	Algorithms []string
	// RequireATJWTType, when true, requires the header typ "at+jwt" (or
	// "application/at+jwt") of RFC 9068 §4, which tells access tokens apart
	// from ID tokens signed with the same keys. Logto sets it; many other
	// providers do not, hence off by default.
	RequireATJWTType bool
	// Leeway is the clock-skew allowance for exp, nbf and iat. Zero means
	// DefaultLeeway (60 s); a negative value means no leeway; at most 5 min.
	Leeway time.Duration
	// MaxAge is how long a fetched key set is used before it is refetched.
	// Default DefaultJWKSMaxAge (15 min). Must be at least MinRefreshInterval.
	MaxAge time.Duration
	// MinRefreshInterval is the least time between two key-set fetches.
	// Default DefaultJWKSMinRefreshInterval (30 s).
	MinRefreshInterval time.Duration
	// HTTPClient fetches discovery documents and key sets. Default: a
	// client with a Timeout of Timeout.
	HTTPClient *http.Client
	// Timeout bounds each request to the provider, whatever HTTPClient is.
	// Default DefaultProviderTimeout (10 s).
	Timeout time.Duration
	// AllowHTTP permits http:// URLs for non-loopback hosts (e.g. a
	// provider on a private container network). Default false: https is
	// required except for localhost and loopback addresses.
	AllowHTTP bool
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// CacheSize bounds how many verified tokens are remembered, so that a
	// token presented again is not parsed and its signature not verified
	// again. Only tokens that passed every check are kept, keyed by their
	// SHA-256, each until it expires but no longer than the key set that
	// verified it is used (MaxAge) nor than MinRefreshInterval: a key the
	// provider withdraws, and which a refetch prompted by a new key id
	// drops early, stops being trusted at most MinRefreshInterval later
	// than without the cache. Zero means
	// DefaultVerifiedCacheSize; a negative value turns the cache off.
	CacheSize int
}

// JWKS verifies JWT access tokens signed by an identity provider whose
// public keys are published as a JWK Set (RFC 7517). It is safe for
// concurrent use.
type JWKS struct {
	algs     []jose.SignatureAlgorithm
	rules    claimRules
	requireT bool
	now      func() time.Time
	keys     *keySet
	cache    *verifiedCache // nil when off
	// cacheFor bounds how long a verified token is remembered.
	cacheFor time.Duration
}

var _ Authenticator = (*JWKS)(nil)

// NewJWKS checks cfg and returns a JWKS authenticator. It does no I/O: the
// key set (and the discovery document) are fetched on first use, with that
// call's context.
func NewJWKS(cfg JWKSConfig) (*JWKS, error) {
	if cfg.Issuer == "" && cfg.JWKSURL == "" {
		return nil, errors.New("bearer: JWKS needs Issuer or JWKSURL")
	}
	if cfg.Issuer != "" && cfg.JWKSURL == "" {
		if err := checkProviderURL("Issuer", cfg.Issuer, cfg.AllowHTTP); err != nil {
			return nil, err
		}
	}
	if cfg.JWKSURL != "" {
		if err := checkProviderURL("JWKSURL", cfg.JWKSURL, cfg.AllowHTTP); err != nil {
			return nil, err
		}
	}
	algs, err := checkAlgorithms(cfg.Algorithms)
	if err != nil {
		return nil, err
	}
	leeway, err := checkLeeway(cfg.Leeway)
	if err != nil {
		return nil, err
	}
	maxAge, err := durationOr("MaxAge", cfg.MaxAge, DefaultJWKSMaxAge)
	if err != nil {
		return nil, err
	}
	minInterval, err := durationOr("MinRefreshInterval", cfg.MinRefreshInterval, DefaultJWKSMinRefreshInterval)
	if err != nil {
		return nil, err
	}
	if maxAge < minInterval {
		return nil, fmt.Errorf("bearer: MaxAge (%v) must not be shorter than MinRefreshInterval (%v)", maxAge, minInterval)
	}
	timeout, err := durationOr("Timeout", cfg.Timeout, DefaultProviderTimeout)
	if err != nil {
		return nil, err
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: timeout}
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	var discoveryIssuer string
	if cfg.JWKSURL == "" {
		discoveryIssuer = cfg.Issuer
	}
	return &JWKS{
		algs:     algs,
		rules:    claimRules{issuer: cfg.Issuer, audience: cfg.Audience, leeway: leeway},
		requireT: cfg.RequireATJWTType,
		now:      now,
		cache:    newVerifiedCache(cfg.CacheSize),
		cacheFor: minInterval,
		keys: &keySet{
			client:      client,
			timeout:     timeout,
			now:         now,
			maxAge:      maxAge,
			minInterval: minInterval,
			allowHTTP:   cfg.AllowHTTP,
			issuer:      discoveryIssuer,
			jwksURL:     cfg.JWKSURL,
		},
	}, nil
}

// checkAlgorithms validates an algorithm allow-list, defaulting to
// DefaultJWKSAlgorithms().
func checkAlgorithms(names []string) ([]jose.SignatureAlgorithm, error) {
	supported := DefaultJWKSAlgorithms()
	if len(names) == 0 {
		names = supported
	}
	out := make([]jose.SignatureAlgorithm, 0, len(names))
	for _, n := range names {
		if !slices.Contains(supported, n) {
			return nil, fmt.Errorf("bearer: algorithm %q is not allowed (only asymmetric algorithms: %v)", n, supported)
		}
		out = append(out, jose.SignatureAlgorithm(n))
	}
	return out, nil
}

// durationOr returns def for zero and refuses negative durations.
func durationOr(field string, d, def time.Duration) (time.Duration, error) {
	switch {
	case d == 0:
		return def, nil
	case d < 0:
		return 0, fmt.Errorf("bearer: %s must not be negative", field)
	}
	return d, nil
}

// Authenticate implements [Authenticator]. Errors not wrapping
// ErrInvalidToken mean the key set could not be fetched, or ctx ended.
func (j *JWKS) Authenticate(ctx context.Context, token string) (Principal, error) {
	if token == "" || len(token) > maxTokenLen {
		return Principal{}, invalid("malformed")
	}
	now := j.now()
	cached, key, ok := j.cache.get(token, now)
	if ok {
		return cached, nil
	}
	jws, err := jose.ParseSignedCompact(token, j.algs)
	if err != nil {
		return Principal{}, invalid("malformed or disallowed algorithm")
	}
	header := jws.Signatures[0].Protected
	if j.requireT && !isATJWTType(header.ExtraHeaders[jose.HeaderType]) {
		return Principal{}, invalid("not an access token (typ)")
	}
	keys, err := j.keys.keysFor(ctx, header.KeyID)
	if err != nil {
		return Principal{}, err
	}
	for _, k := range keys {
		if !keyFitsAlg(k, header.Algorithm) {
			continue
		}
		payload, err := jws.Verify(k.Key)
		if err != nil {
			continue
		}
		p, until, err := parseClaimsUntil(payload, j.rules, now)
		if err != nil {
			return Principal{}, err
		}
		// Remembered no longer than the key set it was verified with is
		// trusted, and than cacheFor.
		for _, limit := range []time.Time{now.Add(j.cacheFor), j.keys.freshUntil()} {
			if until.After(limit) {
				until = limit
			}
		}
		j.cache.put(key, p, until)
		return p, nil
	}
	return Principal{}, invalid("signature")
}

func isATJWTType(typ any) bool {
	// Media type names are case-insensitive (RFC 2045 §5.1).
	s, _ := typ.(string)
	return strings.EqualFold(s, "at+jwt") || strings.EqualFold(s, "application/at+jwt")
}
