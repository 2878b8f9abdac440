package bearer

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// maxProviderResponse caps what we read from a discovery, JWKS or
// introspection response. Real ones are a few KiB.
const maxProviderResponse = 1 << 20

// minRSABits is the smallest RSA modulus we verify with (NIST SP 800-57
// Part 1 Rev. 5, table 2: 2048 bits for 112-bit security). Logto generates
// 4096-bit RSA keys.
const minRSABits = 2048

// keySet is the cached JWK Set of one provider. It refetches the set
//
//   - when it has never been fetched,
//   - when the last successful fetch is older than maxAge, and
//   - when a token names a kid the set lacks,
//
// but never starts a fetch less than minInterval after the previous one
// started, so tokens with made-up kids cannot drive traffic to the provider.
// Concurrent callers that need a fetch share the one in flight.
type keySet struct {
	client      *http.Client
	timeout     time.Duration
	now         func() time.Time
	maxAge      time.Duration
	minInterval time.Duration
	allowHTTP   bool
	issuer      string // discovery issuer, "" when jwksURL was configured

	mu          sync.Mutex
	jwksURL     string // configured, or discovered on the first fetch
	keys        []jose.JSONWebKey
	fetchedAt   time.Time // last successful fetch; zero if none
	attemptedAt time.Time // start of the last fetch; zero if none
	lastErr     error     // error of the last fetch, nil if it succeeded
	inflight    *keyFetch
}

type keyFetch struct {
	done chan struct{}
	err  error
}

// freshUntil is when the fetched set becomes too old to use without a
// refetch (the zero time before the first fetch).
func (s *keySet) freshUntil() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fetchedAt.IsZero() {
		return time.Time{}
	}
	return s.fetchedAt.Add(s.maxAge)
}

// keysFor returns the keys that may have signed a token naming kid ("" when
// the token names none), refreshing the set first when the rules above call
// for it. An error wrapping ErrInvalidToken means the kid is unknown and no
// refetch is allowed yet; any other error means the set could not be fetched.
func (s *keySet) keysFor(ctx context.Context, kid string) ([]jose.JSONWebKey, error) {
	for attempt := 0; ; attempt++ {
		now := s.now()
		s.mu.Lock()
		never := s.fetchedAt.IsZero()
		stale := !never && now.Sub(s.fetchedAt) >= s.maxAge
		matching := matchKID(s.keys, kid)
		unknownKID := !never && kid != "" && len(matching) == 0
		want := never || stale || unknownKID
		allowed := s.inflight != nil || s.attemptedAt.IsZero() || now.Sub(s.attemptedAt) >= s.minInterval

		if !want || !allowed || attempt > 0 {
			lastErr := s.lastErr
			s.mu.Unlock()
			switch {
			case never:
				// Nothing to verify with: "could not check".
				if lastErr == nil {
					lastErr = errors.New("no key set fetched yet")
				}
				return nil, fmt.Errorf("bearer: JWKS unavailable: %w", lastErr)
			case len(matching) == 0 && kid != "" && attempt > 0 && lastErr != nil:
				// We tried to learn this kid and the provider failed us.
				return nil, fmt.Errorf("bearer: JWKS unavailable: %w", lastErr)
			case len(matching) == 0:
				return nil, invalid("unknown key id")
			}
			// A stale set whose refresh failed is still used: see the
			// package documentation, "Key rotation".
			return matching, nil
		}

		f := s.inflight
		if f == nil {
			f = &keyFetch{done: make(chan struct{})}
			s.inflight = f
			s.attemptedAt = now
			go s.fetch(ctx, f)
		}
		s.mu.Unlock()

		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		// Loop once more to read the refreshed state under the lock.
	}
}

// fetch runs one refresh on behalf of every caller waiting on f.
func (s *keySet) fetch(ctx context.Context, f *keyFetch) {
	ctx, cancel := detach(ctx, s.timeout)
	defer cancel()

	s.mu.Lock()
	jwksURL := s.jwksURL
	s.mu.Unlock()

	var err error
	if jwksURL == "" {
		jwksURL, err = s.discover(ctx)
	}
	var keys []jose.JSONWebKey
	if err == nil {
		keys, err = s.fetchKeys(ctx, jwksURL)
	}

	s.mu.Lock()
	if err == nil {
		s.jwksURL = jwksURL
		s.keys = keys
		s.fetchedAt = s.now()
	}
	s.lastErr = err
	s.inflight = nil
	f.err = err
	s.mu.Unlock()
	close(f.done)
}

// discover reads the OpenID Provider metadata (OpenID Connect Discovery 1.0
// §4) and returns its jwks_uri.
func (s *keySet) discover(ctx context.Context) (string, error) {
	wellKnown := strings.TrimSuffix(s.issuer, "/") + "/.well-known/openid-configuration"
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := s.getJSON(ctx, wellKnown, &doc); err != nil {
		return "", fmt.Errorf("discovery: %w", err)
	}
	// §4.3: the issuer in the document MUST be identical to the one used
	// to build the URL; otherwise the document may be someone else's.
	if doc.Issuer != s.issuer {
		return "", errors.New("discovery: issuer in the provider metadata does not match the configured Issuer")
	}
	if doc.JWKSURI == "" {
		return "", errors.New("discovery: provider metadata has no jwks_uri")
	}
	if err := checkProviderURL("jwks_uri", doc.JWKSURI, s.allowHTTP); err != nil {
		return "", fmt.Errorf("discovery: %w", err)
	}
	return doc.JWKSURI, nil
}

// fetchKeys downloads a JWK Set and keeps the keys usable for verifying
// signatures. Entries that are not public signature keys of a supported
// type are skipped, as RFC 7517 §5 asks, rather than failing the whole set.
func (s *keySet) fetchKeys(ctx context.Context, jwksURL string) ([]jose.JSONWebKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := s.getJSON(ctx, jwksURL, &set); err != nil {
		return nil, fmt.Errorf("key set: %w", err)
	}
	if set.Keys == nil {
		return nil, errors.New("key set: response has no keys member")
	}
	var keys []jose.JSONWebKey
	for _, raw := range set.Keys {
		if k, ok := parsePublicJWK(raw); ok {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// parsePublicJWK decodes one JWK Set entry, keeping it only if it is a
// public key meant for signatures. A set that publishes private or symmetric
// key material is misconfigured; such entries are never used (go-jose
// documents its JWK decoding as unsafe for input carrying private parts).
func parsePublicJWK(raw json.RawMessage) (jose.JSONWebKey, bool) {
	var probe struct {
		Kty string `json:"kty"`
		Use string `json:"use"`
		D   any    `json:"d"`
		K   any    `json:"k"`
		P   any    `json:"p"`
		Q   any    `json:"q"`
	}
	if json.Unmarshal(raw, &probe) != nil {
		return jose.JSONWebKey{}, false
	}
	if probe.D != nil || probe.K != nil || probe.P != nil || probe.Q != nil || probe.Kty == "oct" {
		return jose.JSONWebKey{}, false
	}
	if probe.Use != "" && probe.Use != "sig" {
		return jose.JSONWebKey{}, false
	}
	var k jose.JSONWebKey
	if k.UnmarshalJSON(raw) != nil || !k.Valid() || !k.IsPublic() {
		return jose.JSONWebKey{}, false
	}
	if rk, ok := k.Key.(*rsa.PublicKey); ok && rk.N.BitLen() < minRSABits {
		return jose.JSONWebKey{}, false
	}
	return k, true
}

// getJSON GETs url and decodes a 200 response into v.
func (s *keySet) getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered HTTP %d", url, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxProviderResponse+1))
	if err != nil {
		return err
	}
	if len(body) > maxProviderResponse {
		return fmt.Errorf("%s answered more than %d bytes", url, maxProviderResponse)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%s answered invalid JSON", url)
	}
	return nil
}

// matchKID returns the keys a token naming kid may have been signed with:
// the keys with that kid, or every key when the token names none (some
// providers omit kid when they publish a single key).
func matchKID(keys []jose.JSONWebKey, kid string) []jose.JSONWebKey {
	if kid == "" {
		return keys
	}
	var out []jose.JSONWebKey
	for _, k := range keys {
		if k.KeyID == kid {
			out = append(out, k)
		}
	}
	return out
}

// keyFitsAlg reports whether k may verify a signature made with alg: the
// key's own alg (if it states one) must agree, and the key type must be the
// one alg is defined for (RFC 7518 §3.1, RFC 8037 §3.1).
func keyFitsAlg(k jose.JSONWebKey, alg string) bool {
	if k.Algorithm != "" && k.Algorithm != alg {
		return false
	}
	switch key := k.Key.(type) {
	case *rsa.PublicKey:
		return strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS")
	case *ecdsa.PublicKey:
		switch alg {
		case string(jose.ES256):
			return key.Curve == elliptic.P256()
		case string(jose.ES384):
			return key.Curve == elliptic.P384()
		case string(jose.ES512):
			return key.Curve == elliptic.P521()
		}
	case ed25519.PublicKey:
		return alg == string(jose.EdDSA)
	}
	return false
}
