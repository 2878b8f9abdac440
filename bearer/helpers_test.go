package bearer

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"hash"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// t0 is the fixed "now" of every test.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeClock is a settable clock, safe for concurrent use.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// claims is a JWT claim set under construction.
type claims map[string]any

// standardClaims returns a valid claim set for t0, fresh for every call.
func standardClaims() claims {
	return claims{
		"sub":       "user-1",
		"scope":     "openid profile email",
		"client_id": "app-1",
		"iat":       t0.Unix(),
		"exp":       t0.Add(time.Hour).Unix(),
	}
}

// sign mints a compact JWS with go-jose. extra headers (kid, typ) are added
// to the protected header.
func sign(t *testing.T, alg jose.SignatureAlgorithm, key any, c claims, headers map[jose.HeaderKey]any) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	for k, v := range headers {
		opts = opts.WithHeader(k, v)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatalf("NewSigner(%s): %v", alg, err)
	}
	tok, err := jwt.Signed(signer).Claims(map[string]any(c)).Serialize()
	if err != nil {
		t.Fatalf("Serialize: %v", err)
	}
	return tok
}

// rawJWT assembles a token from a header, a payload ([]byte is used as is,
// anything else is JSON-encoded) and an HMAC over them with hash h and key
// (nil h: empty signature). It builds the tokens go-jose refuses to
// produce: alg none, alg confusion, non-JSON payloads.
func rawJWT(t *testing.T, header, payload any, h func() hash.Hash, key []byte) string {
	t.Helper()
	enc := func(v any) string {
		b, ok := v.([]byte)
		if !ok {
			var err error
			if b, err = json.Marshal(v); err != nil {
				t.Fatal(err)
			}
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	input := enc(header) + "." + enc(payload)
	if h == nil {
		return input + "."
	}
	mac := hmac.New(h, key)
	mac.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}
