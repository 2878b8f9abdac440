package bearer

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"
)

// testKeys are generated once: RSA generation is slow, and the keys are
// never modified.
type testKeys struct {
	rsa1, rsa2, rsaForeign, rsa1024 *rsa.PrivateKey
	ec256, ec384                    *ecdsa.PrivateKey
	ed                              ed25519.PrivateKey
}

var loadTestKeys = sync.OnceValues(func() (*testKeys, error) {
	var k testKeys
	var err error
	for _, p := range []**rsa.PrivateKey{&k.rsa1, &k.rsa2, &k.rsaForeign} {
		if *p, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return nil, err
		}
	}
	if k.rsa1024, err = rsa.GenerateKey(rand.Reader, 1024); err != nil {
		return nil, err
	}
	if k.ec256, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	if k.ec384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader); err != nil {
		return nil, err
	}
	if _, k.ed, err = ed25519.GenerateKey(rand.Reader); err != nil {
		return nil, err
	}
	return &k, nil
})

func keys(t *testing.T) *testKeys {
	t.Helper()
	k, err := loadTestKeys()
	if err != nil {
		t.Fatalf("generating test keys: %v", err)
	}
	return k
}

// testIDP is an OpenID provider serving a discovery document at
// /.well-known/openid-configuration and a JWK Set at /jwks on loopback.
type testIDP struct {
	srv *httptest.Server

	mu             sync.Mutex
	set            []json.RawMessage // the JWK Set's keys members
	jwksStatus     int               // 0: 200
	metadataIssuer string            // "" : srv.URL

	discoveryHits atomic.Int64
	jwksHits      atomic.Int64
}

func newTestIDP(t *testing.T) *testIDP {
	t.Helper()
	idp := &testIDP{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		idp.discoveryHits.Add(1)
		idp.mu.Lock()
		iss := idp.metadataIssuer
		idp.mu.Unlock()
		if iss == "" {
			iss = idp.srv.URL
		}
		writeJSON(w, map[string]any{
			"issuer":                                iss,
			"jwks_uri":                              idp.srv.URL + "/jwks",
			"authorization_endpoint":                idp.srv.URL + "/auth",
			"token_endpoint":                        idp.srv.URL + "/token",
			"introspection_endpoint":                idp.srv.URL + "/token/introspection",
			"response_types_supported":              []string{"code"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"ES384", "RS256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		idp.jwksHits.Add(1)
		idp.mu.Lock()
		status, set := idp.jwksStatus, idp.set
		idp.mu.Unlock()
		if status != 0 {
			http.Error(w, "unavailable", status)
			return
		}
		writeJSON(w, map[string]any{"keys": set})
	})
	idp.srv = httptest.NewServer(mux)
	t.Cleanup(idp.srv.Close)
	return idp
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// publish replaces the served key set. Each key is a jose.JSONWebKey (public
// keys are marshalled as such, private ones with their private parts) or
// raw JSON.
func (idp *testIDP) publish(t *testing.T, ks ...any) {
	t.Helper()
	var set []json.RawMessage
	for _, k := range ks {
		switch k := k.(type) {
		case json.RawMessage:
			set = append(set, k)
		case jose.JSONWebKey:
			b, err := k.MarshalJSON()
			if err != nil {
				t.Fatalf("marshal JWK %s: %v", k.KeyID, err)
			}
			set = append(set, b)
		default:
			t.Fatalf("publish: unexpected %T", k)
		}
	}
	idp.mu.Lock()
	idp.set = set
	idp.mu.Unlock()
}

func (idp *testIDP) setJWKSStatus(code int) {
	idp.mu.Lock()
	idp.jwksStatus = code
	idp.mu.Unlock()
}

func pub(key any, kid, alg string) jose.JSONWebKey {
	return jose.JSONWebKey{Key: key, KeyID: kid, Algorithm: alg, Use: "sig"}
}

// standardSet is what most tests serve: RSA without an alg member (so it
// verifies RS256 and PS256), EC P-256, EC P-384 (Logto's default) and
// Ed25519.
func standardSet(k *testKeys) []any {
	return []any{
		pub(&k.rsa1.PublicKey, "rsa-1", ""),
		pub(&k.ec256.PublicKey, "ec-256", "ES256"),
		pub(&k.ec384.PublicKey, "ec-384", "ES384"),
		pub(k.ed.Public(), "ed-1", "EdDSA"),
	}
}

// issued returns standard claims issued by idp.
func (idp *testIDP) issued() claims {
	c := standardClaims()
	c["iss"] = idp.srv.URL
	return c
}

func kid(id string) map[jose.HeaderKey]any { return map[jose.HeaderKey]any{"kid": id} }

func newJWKSForTest(t *testing.T, cfg JWKSConfig) *JWKS {
	t.Helper()
	j, err := NewJWKS(cfg)
	if err != nil {
		t.Fatalf("NewJWKS: %v", err)
	}
	return j
}

func TestJWKS(t *testing.T) {
	k := keys(t)
	rsaPubPEM := func(t *testing.T) []byte {
		der, err := x509.MarshalPKIXPublicKey(&k.rsa1.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}
	standard := Principal{UserID: "user-1", Scopes: []string{"openid", "profile", "email"}, ClientID: "app-1"}

	tests := []struct {
		name        string
		cfg         func(*JWKSConfig) // on top of Issuer (discovery) and the clock
		token       func(t *testing.T, idp *testIDP) string
		want        Principal
		wantInvalid bool
	}{
		{
			name: "RS256",
			token: func(t *testing.T, idp *testIDP) string {
				return sign(t, jose.RS256, k.rsa1, idp.issued(), kid("rsa-1"))
			},
			want: standard,
		},
		{
			name: "PS256 with the same RSA key",
			token: func(t *testing.T, idp *testIDP) string {
				return sign(t, jose.PS256, k.rsa1, idp.issued(), kid("rsa-1"))
			},
			want: standard,
		},
		{
			name: "ES256",
			token: func(t *testing.T, idp *testIDP) string {
				return sign(t, jose.ES256, k.ec256, idp.issued(), kid("ec-256"))
			},
			want: standard,
		},
		{
			name: "ES384 (Logto's default key type)",
			token: func(t *testing.T, idp *testIDP) string {
				return sign(t, jose.ES384, k.ec384, idp.issued(), kid("ec-384"))
			},
			want: standard,
		},
		{
			name:  "EdDSA",
			token: func(t *testing.T, idp *testIDP) string { return sign(t, jose.EdDSA, k.ed, idp.issued(), kid("ed-1")) },
			want:  standard,
		},
		{
			name:  "no kid: the matching key is found among all",
			token: func(t *testing.T, idp *testIDP) string { return sign(t, jose.ES256, k.ec256, idp.issued(), nil) },
			want:  standard,
		},
		{
			name: "algorithm not in the configured list",
			cfg:  func(c *JWKSConfig) { c.Algorithms = []string{"RS256"} },
			token: func(t *testing.T, idp *testIDP) string {
				return sign(t, jose.ES256, k.ec256, idp.issued(), kid("ec-256"))
			},
			wantInvalid: true,
		},
		{
			name: "expired",
			token: func(t *testing.T, idp *testIDP) string {
				c := idp.issued()
				c["exp"] = t0.Add(-2 * time.Minute).Unix()
				return sign(t, jose.RS256, k.rsa1, c, kid("rsa-1"))
			},
			wantInvalid: true,
		},
		{
			name: "missing exp",
			token: func(t *testing.T, idp *testIDP) string {
				c := idp.issued()
				delete(c, "exp")
				return sign(t, jose.RS256, k.rsa1, c, kid("rsa-1"))
			},
			wantInvalid: true,
		},
		{
			name: "issuer mismatch",
			token: func(t *testing.T, idp *testIDP) string {
				c := idp.issued()
				c["iss"] = "https://evil.example"
				return sign(t, jose.RS256, k.rsa1, c, kid("rsa-1"))
			},
			wantInvalid: true,
		},
		{
			name: "no issuer",
			token: func(t *testing.T, idp *testIDP) string {
				return sign(t, jose.RS256, k.rsa1, standardClaims(), kid("rsa-1"))
			},
			wantInvalid: true,
		},
		{
			name: "audience matches",
			cfg:  func(c *JWKSConfig) { c.Audience = "https://api.example/account" },
			token: func(t *testing.T, idp *testIDP) string {
				c := idp.issued()
				c["aud"] = []string{"https://api.example/account", "https://api.example/other"}
				return sign(t, jose.RS256, k.rsa1, c, kid("rsa-1"))
			},
			want: standard,
		},
		{
			name: "audience mismatch",
			cfg:  func(c *JWKSConfig) { c.Audience = "https://api.example/account" },
			token: func(t *testing.T, idp *testIDP) string {
				c := idp.issued()
				c["aud"] = "app-1" // e.g. an ID token
				return sign(t, jose.RS256, k.rsa1, c, kid("rsa-1"))
			},
			wantInvalid: true,
		},
		{
			name: "audience configured, token has none",
			cfg:  func(c *JWKSConfig) { c.Audience = "https://api.example/account" },
			token: func(t *testing.T, idp *testIDP) string {
				return sign(t, jose.RS256, k.rsa1, idp.issued(), kid("rsa-1"))
			},
			wantInvalid: true,
		},
		{
			name: "typ at+jwt required and present",
			cfg:  func(c *JWKSConfig) { c.RequireATJWTType = true },
			token: func(t *testing.T, idp *testIDP) string {
				return sign(t, jose.RS256, k.rsa1, idp.issued(), map[jose.HeaderKey]any{"kid": "rsa-1", "typ": "at+jwt"})
			},
			want: standard,
		},
		{
			name: "typ at+jwt required, token is typ JWT",
			cfg:  func(c *JWKSConfig) { c.RequireATJWTType = true },
			token: func(t *testing.T, idp *testIDP) string {
				return sign(t, jose.RS256, k.rsa1, idp.issued(), map[jose.HeaderKey]any{"kid": "rsa-1", "typ": "JWT"})
			},
			wantInvalid: true,
		},
		{
			name: "alg none",
			token: func(t *testing.T, idp *testIDP) string {
				return rawJWT(t, map[string]string{"alg": "none", "kid": "rsa-1"}, idp.issued(), nil, nil)
			},
			wantInvalid: true,
		},
		{
			name: "alg confusion: HS256 keyed with the RSA public key PEM",
			token: func(t *testing.T, idp *testIDP) string {
				return rawJWT(t, map[string]string{"alg": "HS256", "kid": "rsa-1"}, idp.issued(), sha256.New, rsaPubPEM(t))
			},
			wantInvalid: true,
		},
		{
			name: "alg confusion: HS256 keyed with the RSA public key DER",
			token: func(t *testing.T, idp *testIDP) string {
				der, err := x509.MarshalPKIXPublicKey(&k.rsa1.PublicKey)
				if err != nil {
					t.Fatal(err)
				}
				return rawJWT(t, map[string]string{"alg": "HS256", "kid": "rsa-1"}, idp.issued(), sha256.New, der)
			},
			wantInvalid: true,
		},
		{
			name: "EC signature naming the RSA key",
			token: func(t *testing.T, idp *testIDP) string {
				return sign(t, jose.ES256, k.ec256, idp.issued(), kid("rsa-1"))
			},
			wantInvalid: true,
		},
		{
			name: "ES256 naming the P-384 key",
			token: func(t *testing.T, idp *testIDP) string {
				return sign(t, jose.ES256, k.ec256, idp.issued(), kid("ec-384"))
			},
			wantInvalid: true,
		},
		{
			name: "PS256 naming the EC key whose alg is ES256",
			token: func(t *testing.T, idp *testIDP) string {
				return sign(t, jose.PS256, k.rsa1, idp.issued(), kid("ec-256"))
			},
			wantInvalid: true,
		},
		{
			name: "signed by a foreign key under a known kid",
			token: func(t *testing.T, idp *testIDP) string {
				return sign(t, jose.RS256, k.rsaForeign, idp.issued(), kid("rsa-1"))
			},
			wantInvalid: true,
		},
		{
			name:        "malformed",
			token:       func(t *testing.T, idp *testIDP) string { return "not.a.jwt" },
			wantInvalid: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idp := newTestIDP(t)
			idp.publish(t, standardSet(k)...)
			cfg := JWKSConfig{Issuer: idp.srv.URL, Now: newFakeClock().Now}
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			j := newJWKSForTest(t, cfg)
			token := tt.token(t, idp)
			got, err := j.Authenticate(context.Background(), token)
			if tt.wantInvalid {
				if !errors.Is(err, ErrInvalidToken) {
					t.Fatalf("Authenticate error = %v, want ErrInvalidToken", err)
				}
				checkNoLeak(t, err, token)
				return
			}
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("principal (-want +got):\n%s", diff)
			}
		})
	}
}

// TestJWKSDirectURL: with JWKSURL there is no discovery, and a configured
// Issuer is still checked.
func TestJWKSDirectURL(t *testing.T) {
	k := keys(t)
	idp := newTestIDP(t)
	idp.publish(t, standardSet(k)...)
	j := newJWKSForTest(t, JWKSConfig{JWKSURL: idp.srv.URL + "/jwks", Issuer: "https://id.example", Now: newFakeClock().Now})

	c := standardClaims()
	c["iss"] = "https://id.example"
	if _, err := j.Authenticate(context.Background(), sign(t, jose.RS256, k.rsa1, c, kid("rsa-1"))); err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	c["iss"] = idp.srv.URL
	if _, err := j.Authenticate(context.Background(), sign(t, jose.RS256, k.rsa1, c, kid("rsa-1"))); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("Authenticate with another issuer: error = %v, want ErrInvalidToken", err)
	}
	if got := idp.discoveryHits.Load(); got != 0 {
		t.Errorf("discovery requests = %d, want 0", got)
	}
}

// TestJWKSNewKeyIsFetched: the provider rotates to a new key; a token with
// the new kid makes the authenticator refetch the set once the refresh
// interval allows it.
func TestJWKSNewKeyIsFetched(t *testing.T) {
	k := keys(t)
	ctx := context.Background()
	clock := newFakeClock()
	idp := newTestIDP(t)
	idp.publish(t, pub(&k.rsa1.PublicKey, "rsa-1", "RS256"))
	j := newJWKSForTest(t, JWKSConfig{Issuer: idp.srv.URL, Now: clock.Now})

	oldToken := sign(t, jose.RS256, k.rsa1, idp.issued(), kid("rsa-1"))
	newToken := sign(t, jose.RS256, k.rsa2, idp.issued(), kid("rsa-2"))
	if _, err := j.Authenticate(ctx, oldToken); err != nil {
		t.Fatalf("old key before rotation: %v", err)
	}

	idp.publish(t, pub(&k.rsa2.PublicKey, "rsa-2", "RS256"))

	// The set was fetched a moment ago: the unknown kid may not trigger a
	// fetch yet.
	if _, err := j.Authenticate(ctx, newToken); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("new key inside the refresh interval: error = %v, want ErrInvalidToken", err)
	}
	if got := idp.jwksHits.Load(); got != 1 {
		t.Fatalf("JWKS requests inside the refresh interval = %d, want 1", got)
	}

	clock.Advance(DefaultJWKSMinRefreshInterval)
	got, err := j.Authenticate(ctx, newToken)
	if err != nil {
		t.Fatalf("new key after the refresh interval: %v", err)
	}
	if got.UserID != "user-1" {
		t.Errorf("UserID = %q, want user-1", got.UserID)
	}
	if got := idp.jwksHits.Load(); got != 2 {
		t.Errorf("JWKS requests = %d, want 2", got)
	}
	// The refetched set no longer holds the old key.
	if _, err := j.Authenticate(ctx, oldToken); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("old key after rotation: error = %v, want ErrInvalidToken", err)
	}
}

// TestJWKSWithdrawnKeyExpires: a key the provider removes keeps verifying
// until the cached set is older than MaxAge, then it fails.
func TestJWKSWithdrawnKeyExpires(t *testing.T) {
	k := keys(t)
	ctx := context.Background()
	clock := newFakeClock()
	idp := newTestIDP(t)
	idp.publish(t, pub(&k.rsa1.PublicKey, "rsa-1", "RS256"))
	j := newJWKSForTest(t, JWKSConfig{Issuer: idp.srv.URL, Now: clock.Now})
	oldToken := sign(t, jose.RS256, k.rsa1, idp.issued(), kid("rsa-1"))

	if _, err := j.Authenticate(ctx, oldToken); err != nil {
		t.Fatalf("before rotation: %v", err)
	}
	idp.publish(t, pub(&k.rsa2.PublicKey, "rsa-2", "RS256"))

	clock.Advance(DefaultJWKSMaxAge - time.Second)
	if _, err := j.Authenticate(ctx, oldToken); err != nil {
		t.Fatalf("withdrawn key while the cache is fresh (documented window): %v", err)
	}
	if got := idp.jwksHits.Load(); got != 1 {
		t.Fatalf("JWKS requests while the cache is fresh = %d, want 1", got)
	}

	clock.Advance(time.Second)
	if _, err := j.Authenticate(ctx, oldToken); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("withdrawn key after MaxAge: error = %v, want ErrInvalidToken", err)
	}
	if got := idp.jwksHits.Load(); got != 2 {
		t.Errorf("JWKS requests = %d, want 2", got)
	}
}

func randomKID(t *testing.T) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// TestJWKSUnknownKIDRateLimit: 50 tokens with made-up kids, one per second
// of fake time, cause one fetch per MinRefreshInterval (at 0 s and 30 s).
func TestJWKSUnknownKIDRateLimit(t *testing.T) {
	k := keys(t)
	clock := newFakeClock()
	idp := newTestIDP(t)
	idp.publish(t, standardSet(k)...)
	j := newJWKSForTest(t, JWKSConfig{Issuer: idp.srv.URL, Now: clock.Now})

	for i := range 50 {
		token := sign(t, jose.RS256, k.rsa1, idp.issued(), kid(randomKID(t)))
		if _, err := j.Authenticate(context.Background(), token); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("token %d: error = %v, want ErrInvalidToken", i, err)
		}
		clock.Advance(time.Second)
	}
	if got := idp.jwksHits.Load(); got != 2 {
		t.Errorf("JWKS requests for 50 unknown kids over 50 s = %d, want 2", got)
	}
	if got := idp.discoveryHits.Load(); got != 1 {
		t.Errorf("discovery requests = %d, want 1", got)
	}
}

// TestJWKSConcurrentFetchCoalesced: 50 concurrent first requests with
// made-up kids share a single fetch.
func TestJWKSConcurrentFetchCoalesced(t *testing.T) {
	k := keys(t)
	idp := newTestIDP(t)
	idp.publish(t, standardSet(k)...)
	j := newJWKSForTest(t, JWKSConfig{Issuer: idp.srv.URL, Now: newFakeClock().Now})

	tokens := make([]string, 50)
	for i := range tokens {
		tokens[i] = sign(t, jose.ES256, k.ec256, idp.issued(), kid(randomKID(t)))
	}
	var wg sync.WaitGroup
	errs := make([]error, len(tokens))
	for i, tok := range tokens {
		wg.Go(func() { _, errs[i] = j.Authenticate(context.Background(), tok) })
	}
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, ErrInvalidToken) {
			t.Errorf("token %d: error = %v, want ErrInvalidToken", i, err)
		}
	}
	if got := idp.jwksHits.Load(); got != 1 {
		t.Errorf("JWKS requests = %d, want 1", got)
	}
}

// TestJWKSBadSignatureDoesNotRefetch: unlike a kid miss, a bad signature
// under a known kid is refused from the cache.
func TestJWKSBadSignatureDoesNotRefetch(t *testing.T) {
	k := keys(t)
	clock := newFakeClock()
	idp := newTestIDP(t)
	idp.publish(t, standardSet(k)...)
	j := newJWKSForTest(t, JWKSConfig{Issuer: idp.srv.URL, Now: clock.Now})

	for range 5 {
		clock.Advance(DefaultJWKSMinRefreshInterval)
		forged := sign(t, jose.RS256, k.rsaForeign, idp.issued(), kid("rsa-1"))
		if _, err := j.Authenticate(context.Background(), forged); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("forged token: error = %v, want ErrInvalidToken", err)
		}
	}
	if got := idp.jwksHits.Load(); got != 1 {
		t.Errorf("JWKS requests = %d, want 1", got)
	}
}

// TestJWKSProviderFailures: when the key set cannot be fetched the error is
// "could not check", not ErrInvalidToken; a stale set survives a failed
// refresh.
func TestJWKSProviderFailures(t *testing.T) {
	k := keys(t)
	ctx := context.Background()

	t.Run("first fetch fails, then recovers after the interval", func(t *testing.T) {
		clock := newFakeClock()
		idp := newTestIDP(t)
		idp.publish(t, standardSet(k)...)
		idp.setJWKSStatus(http.StatusInternalServerError)
		j := newJWKSForTest(t, JWKSConfig{Issuer: idp.srv.URL, Now: clock.Now})
		token := sign(t, jose.RS256, k.rsa1, idp.issued(), kid("rsa-1"))

		for range 3 {
			_, err := j.Authenticate(ctx, token)
			if err == nil || errors.Is(err, ErrInvalidToken) {
				t.Fatalf("provider down: error = %v, want a non-ErrInvalidToken error", err)
			}
			checkNoLeak(t, err, token)
		}
		if got := idp.jwksHits.Load(); got != 1 {
			t.Errorf("JWKS requests while down = %d, want 1 (retries are rate-limited)", got)
		}
		idp.setJWKSStatus(0)
		clock.Advance(DefaultJWKSMinRefreshInterval)
		if _, err := j.Authenticate(ctx, token); err != nil {
			t.Fatalf("provider back: %v", err)
		}
	})

	t.Run("stale set is used when a refresh fails", func(t *testing.T) {
		clock := newFakeClock()
		idp := newTestIDP(t)
		idp.publish(t, standardSet(k)...)
		j := newJWKSForTest(t, JWKSConfig{Issuer: idp.srv.URL, Now: clock.Now})
		token := sign(t, jose.RS256, k.rsa1, idp.issued(), kid("rsa-1"))
		if _, err := j.Authenticate(ctx, token); err != nil {
			t.Fatal(err)
		}
		idp.setJWKSStatus(http.StatusBadGateway)
		clock.Advance(DefaultJWKSMaxAge)
		if _, err := j.Authenticate(ctx, token); err != nil {
			t.Fatalf("stale set after a failed refresh: %v", err)
		}
		if got := idp.jwksHits.Load(); got != 2 {
			t.Errorf("JWKS requests = %d, want 2", got)
		}
		// A kid that only a fresh set could know: "could not check".
		clock.Advance(DefaultJWKSMinRefreshInterval)
		other := sign(t, jose.RS256, k.rsa2, idp.issued(), kid("rsa-2"))
		if _, err := j.Authenticate(ctx, other); err == nil || errors.Is(err, ErrInvalidToken) {
			t.Errorf("unknown kid while the provider is down: error = %v, want a non-ErrInvalidToken error", err)
		}
	})

	t.Run("discovery issuer mismatch", func(t *testing.T) {
		idp := newTestIDP(t)
		idp.publish(t, standardSet(k)...)
		idp.mu.Lock()
		idp.metadataIssuer = "https://evil.example"
		idp.mu.Unlock()
		j := newJWKSForTest(t, JWKSConfig{Issuer: idp.srv.URL, Now: newFakeClock().Now})
		_, err := j.Authenticate(ctx, sign(t, jose.RS256, k.rsa1, idp.issued(), kid("rsa-1")))
		if err == nil || errors.Is(err, ErrInvalidToken) {
			t.Fatalf("error = %v, want a non-ErrInvalidToken error", err)
		}
		if got := idp.jwksHits.Load(); got != 0 {
			t.Errorf("JWKS requests after a bad discovery document = %d, want 0", got)
		}
	})

	t.Run("caller gives up while the fetch runs", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-release
			writeJSON(w, map[string]any{"keys": []any{}})
		}))
		t.Cleanup(srv.Close)
		t.Cleanup(func() { close(release) })
		j := newJWKSForTest(t, JWKSConfig{JWKSURL: srv.URL, Now: newFakeClock().Now})
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := j.Authenticate(ctx, sign(t, jose.RS256, k.rsa1, standardClaims(), kid("rsa-1")))
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error = %v, want context.Canceled", err)
		}
	})
}

// TestJWKSIgnoresUnusableKeys: entries that are not public signature keys
// of a supported type are skipped without spoiling the rest of the set.
func TestJWKSIgnoresUnusableKeys(t *testing.T) {
	k := keys(t)
	symmetric := []byte(hsSecret)
	tests := []struct {
		name  string
		entry any
		token func(t *testing.T, idp *testIDP) string
	}{
		{
			name:  "symmetric key",
			entry: json.RawMessage(fmt.Sprintf(`{"kty":"oct","kid":"oct-1","k":%q}`, "NWYwYzlhNDFkM2U4N2IyMjY1ZjFhMGM0ZDllM2I3YTE")),
			token: func(t *testing.T, idp *testIDP) string {
				return rawJWT(t, map[string]string{"alg": "HS256", "kid": "oct-1"}, idp.issued(), sha256.New, symmetric)
			},
		},
		{
			name:  "encryption key",
			entry: jose.JSONWebKey{Key: &k.rsa2.PublicKey, KeyID: "enc-1", Use: "enc"},
			token: func(t *testing.T, idp *testIDP) string {
				return sign(t, jose.RS256, k.rsa2, idp.issued(), kid("enc-1"))
			},
		},
		{
			name:  "private key published by mistake",
			entry: jose.JSONWebKey{Key: k.rsa2, KeyID: "priv-1", Use: "sig"},
			token: func(t *testing.T, idp *testIDP) string {
				return sign(t, jose.RS256, k.rsa2, idp.issued(), kid("priv-1"))
			},
		},
		{
			name:  "RSA key under 2048 bits",
			entry: pub(&k.rsa1024.PublicKey, "rsa-1024", "RS256"),
			token: func(t *testing.T, idp *testIDP) string {
				return sign(t, jose.RS256, k.rsa1024, idp.issued(), kid("rsa-1024"))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idp := newTestIDP(t)
			unknownKty := json.RawMessage(`{"kty":"XYZ","kid":"future-1"}`)
			idp.publish(t, tt.entry, unknownKty, pub(&k.rsa1.PublicKey, "rsa-1", "RS256"))
			j := newJWKSForTest(t, JWKSConfig{Issuer: idp.srv.URL, Now: newFakeClock().Now})
			if _, err := j.Authenticate(context.Background(), tt.token(t, idp)); !errors.Is(err, ErrInvalidToken) {
				t.Errorf("token for the unusable key: error = %v, want ErrInvalidToken", err)
			}
			if _, err := j.Authenticate(context.Background(), sign(t, jose.RS256, k.rsa1, idp.issued(), kid("rsa-1"))); err != nil {
				t.Errorf("token for the good key in the same set: %v", err)
			}
		})
	}
}

func TestNewJWKS(t *testing.T) {
	tests := []struct {
		name    string
		cfg     JWKSConfig
		wantErr bool
	}{
		{name: "issuer", cfg: JWKSConfig{Issuer: "https://id.example/oidc"}},
		{name: "JWKS URL", cfg: JWKSConfig{JWKSURL: "https://id.example/oidc/jwks"}},
		{name: "both", cfg: JWKSConfig{Issuer: "https://id.example/oidc", JWKSURL: "https://keys.example/jwks"}},
		{name: "neither", cfg: JWKSConfig{}, wantErr: true},
		{name: "http on loopback", cfg: JWKSConfig{Issuer: "http://127.0.0.1:3001/oidc"}},
		{name: "http on localhost", cfg: JWKSConfig{JWKSURL: "http://localhost:3001/oidc/jwks"}},
		{name: "http on IPv6 loopback", cfg: JWKSConfig{JWKSURL: "http://[::1]:3001/oidc/jwks"}},
		{name: "http elsewhere", cfg: JWKSConfig{Issuer: "http://logto:3001/oidc"}, wantErr: true},
		{name: "http elsewhere, allowed", cfg: JWKSConfig{Issuer: "http://logto:3001/oidc", AllowHTTP: true}},
		{name: "relative URL", cfg: JWKSConfig{JWKSURL: "/jwks"}, wantErr: true},
		{name: "credentials in URL", cfg: JWKSConfig{JWKSURL: "https://u:p@id.example/jwks"}, wantErr: true},
		{name: "other scheme", cfg: JWKSConfig{JWKSURL: "file:///etc/jwks.json"}, wantErr: true},
		{name: "restricted algorithms", cfg: JWKSConfig{Issuer: "https://id.example", Algorithms: []string{"ES384", "RS256"}}},
		{name: "HS256 algorithm", cfg: JWKSConfig{Issuer: "https://id.example", Algorithms: []string{"RS256", "HS256"}}, wantErr: true},
		{name: "none algorithm", cfg: JWKSConfig{Issuer: "https://id.example", Algorithms: []string{"none"}}, wantErr: true},
		{name: "unknown algorithm", cfg: JWKSConfig{Issuer: "https://id.example", Algorithms: []string{"RS1"}}, wantErr: true},
		{name: "MaxAge below MinRefreshInterval", cfg: JWKSConfig{Issuer: "https://id.example", MaxAge: time.Minute, MinRefreshInterval: 2 * time.Minute}, wantErr: true},
		{name: "MaxAge below the default interval", cfg: JWKSConfig{Issuer: "https://id.example", MaxAge: 10 * time.Second}, wantErr: true},
		{name: "short MaxAge with a shorter interval", cfg: JWKSConfig{Issuer: "https://id.example", MaxAge: 10 * time.Second, MinRefreshInterval: 5 * time.Second}},
		{name: "negative MaxAge", cfg: JWKSConfig{Issuer: "https://id.example", MaxAge: -1}, wantErr: true},
		{name: "negative interval", cfg: JWKSConfig{Issuer: "https://id.example", MinRefreshInterval: -1}, wantErr: true},
		{name: "negative timeout", cfg: JWKSConfig{Issuer: "https://id.example", Timeout: -1}, wantErr: true},
		{name: "leeway too large", cfg: JWKSConfig{Issuer: "https://id.example", Leeway: time.Hour}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewJWKS(tt.cfg)
			if (err != nil) != tt.wantErr {
				t.Fatalf("NewJWKS error = %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
}

// TestJWKSCache checks the bound on remembered tokens: a token verified with
// a key that a refetch then drops is still accepted for at most
// MinRefreshInterval after it was verified, and at once refused with the
// cache off.
func TestJWKSCache(t *testing.T) {
	for _, tt := range []struct {
		name      string
		cacheSize int
		// wantWindow: the withdrawn key's token is accepted within the window.
		wantWindow bool
	}{
		{"cache on", 0, true},
		{"cache off", -1, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			k := keys(t)
			ctx := context.Background()
			clock := newFakeClock()
			idp := newTestIDP(t)
			idp.publish(t, pub(&k.rsa1.PublicKey, "rsa-1", "RS256"))
			j := newJWKSForTest(t, JWKSConfig{Issuer: idp.srv.URL, Now: clock.Now, CacheSize: tt.cacheSize})
			first := sign(t, jose.RS256, k.rsa1, idp.issued(), kid("rsa-1"))
			if _, err := j.Authenticate(ctx, first); err != nil {
				t.Fatalf("first token: %v", err)
			}

			clock.Advance(25 * time.Second)
			c := idp.issued()
			c["sub"] = "user-2"
			oldToken := sign(t, jose.RS256, k.rsa1, c, kid("rsa-1"))
			if p, err := j.Authenticate(ctx, oldToken); err != nil || p.UserID != "user-2" {
				t.Fatalf("old token before rotation = %v, %v", p, err)
			}

			// The provider replaces rsa-1 by rsa-2; a token naming rsa-2
			// makes the set refetched once MinRefreshInterval has passed.
			idp.publish(t, pub(&k.rsa2.PublicKey, "rsa-2", "RS256"))
			clock.Advance(5 * time.Second)
			if _, err := j.Authenticate(ctx, sign(t, jose.RS256, k.rsa2, idp.issued(), kid("rsa-2"))); err != nil {
				t.Fatalf("new key after the refresh interval: %v", err)
			}

			clock.Advance(time.Second)
			_, err := j.Authenticate(ctx, oldToken)
			if tt.wantWindow && err != nil {
				t.Errorf("withdrawn key's remembered token within MinRefreshInterval: %v", err)
			}
			if !tt.wantWindow && !errors.Is(err, ErrInvalidToken) {
				t.Errorf("withdrawn key without the cache: error = %v, want ErrInvalidToken", err)
			}
			clock.Advance(DefaultJWKSMinRefreshInterval - 6*time.Second)
			if _, err := j.Authenticate(ctx, oldToken); !errors.Is(err, ErrInvalidToken) {
				t.Errorf("withdrawn key MinRefreshInterval after the token was verified: error = %v, want ErrInvalidToken", err)
			}
		})
	}
}
