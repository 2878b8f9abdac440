package bearer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
)

// Principal is who a bearer token speaks for.
type Principal struct {
	// UserID is the token's subject; "" when the token has no user (for
	// example a client-credentials token). Logto answers such tokens with
	// 401 auth.unauthorized; that decision belongs to the caller.
	UserID string
	// Scopes are the token's scopes in the order the token lists them, nil
	// when it has none.
	Scopes []string
	// ClientID is the application the token was issued to, "" if unknown.
	ClientID string
}

// HasScope reports whether p was granted scope s. Scope names are compared
// exactly (RFC 6749 §3.3: scope tokens are case-sensitive).
func (p Principal) HasScope(s string) bool {
	return slices.Contains(p.Scopes, s)
}

// clone returns a copy of p whose Scopes do not alias p's, so a caller
// cannot change a principal held in a cache.
func (p Principal) clone() Principal {
	p.Scopes = slices.Clone(p.Scopes)
	return p
}

// Authenticator turns a bearer access token into a [Principal].
type Authenticator interface {
	// Authenticate verifies token and returns its principal, or an error
	// wrapping ErrInvalidToken when the token is not acceptable (bad
	// signature, expired, not yet valid, wrong issuer/audience, inactive,
	// malformed). Other errors (e.g. the identity provider unreachable) are
	// returned as they are, so the caller can tell "refused" from "could
	// not check". Errors never contain the token or any secret.
	Authenticate(ctx context.Context, token string) (Principal, error)
}

// ErrInvalidToken is wrapped by every error that means "this token is not
// acceptable". The wrapping error names a reason ("expired", "signature")
// that is safe to log; it never contains the token.
var ErrInvalidToken = errors.New("bearer: invalid token")

// invalid returns an error wrapping ErrInvalidToken with a fixed, safe reason.
// Callers pass literals only, never text derived from the token.
func invalid(reason string) error {
	return fmt.Errorf("%w: %s", ErrInvalidToken, reason)
}

// maxTokenLen bounds the tokens we parse or forward to an introspection
// endpoint. Real access tokens are well under 4 KiB; net/http already caps
// the whole header block at 1 MiB, which is far more than we want to hash,
// decode or post.
const maxTokenLen = 16 << 10

// Defaults shared by the JWT authenticators.
const (
	// DefaultLeeway is the clock-skew allowance for exp, nbf and iat. It
	// matches go-jose's jwt.DefaultLeeway: large enough for hosts whose
	// clocks drift (containers, VMs without NTP), small next to access-token
	// lifetimes (Logto's default is one hour), so it extends a token's life
	// by at most one minute.
	DefaultLeeway = time.Minute
	// maxLeeway is the largest leeway New accepts: beyond it the leeway
	// stops being skew tolerance and becomes a token-lifetime extension.
	maxLeeway = 5 * time.Minute
)

// checkLeeway turns a configured leeway into the effective one: 0 means
// DefaultLeeway, a negative value means none.
func checkLeeway(d time.Duration) (time.Duration, error) {
	switch {
	case d == 0:
		return DefaultLeeway, nil
	case d < 0:
		return 0, nil
	case d > maxLeeway:
		return 0, fmt.Errorf("bearer: Leeway %v exceeds the maximum of %v", d, maxLeeway)
	}
	return d, nil
}

// jwtClaims are the claims both JWT authenticators read (RFC 7519 §4.1,
// RFC 9068 §2.2, RFC 8693 §4.3 for client_id).
type jwtClaims struct {
	Issuer    string           `json:"iss"`
	Subject   string           `json:"sub"`
	Audience  jwt.Audience     `json:"aud"`
	Expiry    *jwt.NumericDate `json:"exp"`
	NotBefore *jwt.NumericDate `json:"nbf"`
	IssuedAt  *jwt.NumericDate `json:"iat"`
	// Scope is the space-separated scope string of RFC 9068 §2.2.3. A
	// token that encodes it any other way is refused as malformed.
	Scope    string          `json:"scope"`
	ClientID string          `json:"client_id"`
	AZP      string          `json:"azp"`
	Cnf      json.RawMessage `json:"cnf"`
}

// claimRules are the checks a verified JWT's claims must pass.
type claimRules struct {
	issuer   string // "" = not checked
	audience string // "" = not checked
	leeway   time.Duration
}

// parseClaims decodes a verified JWS payload and applies r at time now.
func parseClaims(payload []byte, r claimRules, now time.Time) (Principal, error) {
	p, _, err := parseClaimsUntil(payload, r, now)
	return p, err
}

// parseClaimsUntil is parseClaims, and also returns until, the instant from
// which the token is expired (exp plus the leeway). A token accepted at now
// is accepted at every instant from now to until: the other checks compare
// times before now.
func parseClaimsUntil(payload []byte, r claimRules, now time.Time) (p Principal, until time.Time, err error) {
	c, err := decodeClaims(payload)
	if err != nil {
		return Principal{}, time.Time{}, err
	}
	p, err = c.check(r, now)
	if err != nil {
		return Principal{}, time.Time{}, err
	}
	return p, c.Expiry.Time().Add(r.leeway), nil
}

// check applies r to the claims at time now.
func (c jwtClaims) check(r claimRules, now time.Time) (Principal, error) {
	if c.Expiry == nil {
		return Principal{}, invalid("missing exp")
	}
	// RFC 7519 §4.1.4: the current time MUST be before exp.
	if !now.Add(-r.leeway).Before(c.Expiry.Time()) {
		return Principal{}, invalid("expired")
	}
	if c.NotBefore != nil && now.Add(r.leeway).Before(c.NotBefore.Time()) {
		return Principal{}, invalid("not yet valid")
	}
	// iat in the future is not forbidden by RFC 7519, but a token minted
	// "later" than now means a broken clock or a forged token.
	if c.IssuedAt != nil && now.Add(r.leeway).Before(c.IssuedAt.Time()) {
		return Principal{}, invalid("issued in the future")
	}
	if r.issuer != "" && c.Issuer != r.issuer {
		return Principal{}, invalid("issuer mismatch")
	}
	if r.audience != "" && !c.Audience.Contains(r.audience) {
		return Principal{}, invalid("audience mismatch")
	}
	if hasConfirmation(c.Cnf) {
		return Principal{}, invalid("sender-constrained token")
	}
	clientID := c.ClientID
	if clientID == "" {
		clientID = c.AZP
	}
	return Principal{UserID: c.Subject, Scopes: splitScope(c.Scope), ClientID: clientID}, nil
}

// decodeClaims decodes a JWT claim set. Claim names are compared code point
// by code point (RFC 7519 §7.3), while encoding/json matches member names to
// struct fields ignoring case: decoded directly, a claim "Scope" or "SUB"
// that an issuer copied from user-controlled data would stand in for scope
// or sub, and "EXP" for a missing exp (FuzzHS256Claims found it). So the
// members are taken by their exact names first.
func decodeClaims(payload []byte) (jwtClaims, error) {
	var c jwtClaims
	var members map[string]json.RawMessage
	if err := json.Unmarshal(payload, &members); err != nil || members == nil {
		// The json error may quote payload text; drop it.
		return c, invalid("malformed claims")
	}
	for name, dst := range map[string]any{
		"iss": &c.Issuer, "sub": &c.Subject, "aud": &c.Audience,
		"exp": &c.Expiry, "nbf": &c.NotBefore, "iat": &c.IssuedAt,
		"scope": &c.Scope, "client_id": &c.ClientID, "azp": &c.AZP,
	} {
		if v, ok := members[name]; ok && json.Unmarshal(v, dst) != nil {
			return c, invalid("malformed claims")
		}
	}
	if v, ok := members["cnf"]; ok {
		c.Cnf = v
	}
	return c, nil
}

// hasConfirmation reports whether a cnf member (RFC 7800) is present. A
// token bound to a key (mTLS, RFC 8705 §3; DPoP, RFC 9449 §6) must not be
// accepted as a plain bearer token, and this package checks no proof of
// possession, so such tokens are refused.
func hasConfirmation(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s != "" && s != "null"
}

// splitScope splits an RFC 6749 §3.3 scope string. The delimiter is a single
// space; runs of spaces and leading or trailing spaces are tolerated.
func splitScope(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, " ") {
		if part != "" {
			out = append(out, part)
		}
	}
	return out
}

// checkProviderURL validates a URL the library will send requests to. It
// must be absolute, carry no credentials or fragment, and use https unless
// the host is a loopback address or allowHTTP is set.
func checkProviderURL(field, raw string, allowHTTP bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("bearer: %s is not a valid URL", field)
	}
	if u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("bearer: %s must be an absolute http(s) URL", field)
	}
	if u.User != nil {
		return fmt.Errorf("bearer: %s must not contain credentials", field)
	}
	if u.Fragment != "" {
		return fmt.Errorf("bearer: %s must not contain a fragment", field)
	}
	if u.Scheme == "http" && !allowHTTP && !isLoopback(u.Hostname()) {
		return fmt.Errorf("bearer: %s must use https (http is allowed for loopback hosts, or with AllowHTTP)", field)
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// detach returns a context for work shared by several callers (a key-set
// fetch, an introspection call): it keeps ctx's values but not its
// cancellation, so one caller giving up does not fail the others, and it is
// bounded by timeout instead.
func detach(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), timeout)
}
