package bearer

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// MinHS256SecretLen is the shortest secret NewHS256 accepts, in bytes.
// RFC 7518 §3.2 requires an HS256 key at least as long as the hash output
// (256 bits); shorter secrets make offline guessing of the key from one
// captured token practical.
const MinHS256SecretLen = 32

// HS256Config configures [NewHS256].
type HS256Config struct {
	// Secret is the shared HMAC key, used as raw bytes (a hex or base64
	// string is not decoded). Required; at least MinHS256SecretLen bytes.
	Secret []byte
	// Issuer, when set, must equal the token's iss claim. Default: not checked.
	Issuer string
	// Audience, when set, must be one of the token's aud values. Default:
	// not checked.
	Audience string
	// Leeway is the clock-skew allowance for exp, nbf and iat. Zero means
	// DefaultLeeway (60 s); a negative value means no leeway; at most 5 min.
	Leeway time.Duration
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// CacheSize bounds how many verified tokens are remembered, so that a
	// token presented again (a front end sends the same one with every
	// request) is not parsed and verified again. Only tokens that passed
	// every check are kept, each until it expires; they are keyed by their
	// SHA-256, never held in clear. Zero means DefaultVerifiedCacheSize; a
	// negative value turns the cache off.
	CacheSize int
}

// HS256 verifies JWTs signed with HMAC-SHA256 and a shared secret. It is
// meant for development and tests, where the same process or a script mints
// the tokens; see the package documentation for why production should use
// [JWKS] or [Introspector].
type HS256 struct {
	secret []byte
	rules  claimRules
	now    func() time.Time

	cache *verifiedCache // nil when off
}

var _ Authenticator = (*HS256)(nil)

// NewHS256 checks cfg and returns an HS256 authenticator.
func NewHS256(cfg HS256Config) (*HS256, error) {
	if len(cfg.Secret) < MinHS256SecretLen {
		return nil, errors.New("bearer: HS256 Secret must be at least 32 bytes")
	}
	leeway, err := checkLeeway(cfg.Leeway)
	if err != nil {
		return nil, err
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &HS256{
		secret: slices.Clone(cfg.Secret),
		rules:  claimRules{issuer: cfg.Issuer, audience: cfg.Audience, leeway: leeway},
		now:    now,
		cache:  newVerifiedCache(cfg.CacheSize),
	}, nil
}

// Authenticate implements [Authenticator]. It never does I/O, so every error
// it returns wraps ErrInvalidToken.
func (h *HS256) Authenticate(_ context.Context, token string) (Principal, error) {
	if token == "" || len(token) > maxTokenLen {
		return Principal{}, invalid("malformed")
	}
	now := h.now()
	p, key, ok := h.cache.get(token, now)
	if ok {
		return p, nil
	}
	// HS256 is the whole allow-list: "none", HS384/HS512 and every
	// asymmetric algorithm are refused while parsing, before the secret is
	// used.
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.HS256})
	if err != nil {
		return Principal{}, invalid("malformed or disallowed algorithm")
	}
	payload, err := jws.Verify(h.secret)
	if err != nil {
		return Principal{}, invalid("signature")
	}
	p, until, err := parseClaimsUntil(payload, h.rules, now)
	if err != nil {
		return Principal{}, err
	}
	h.cache.put(key, p, until)
	return p, nil
}
