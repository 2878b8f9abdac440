package bearer

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"
)

// hsSecret has the shape the example server uses: 16 random bytes,
// hex-encoded, used as 32 raw bytes.
const hsSecret = "5f0c9a41d3e87b2265f1a0c4d9e3b7a1"

func TestHS256(t *testing.T) {
	secret := []byte(hsSecret)
	hs := func(t *testing.T, c claims) string { return sign(t, jose.HS256, secret, c, nil) }
	with := func(edit func(claims)) claims {
		c := standardClaims()
		edit(c)
		return c
	}
	standard := Principal{UserID: "user-1", Scopes: []string{"openid", "profile", "email"}, ClientID: "app-1"}

	tests := []struct {
		name  string
		cfg   func(*HS256Config) // nil: the base config
		token func(t *testing.T) string
		want  Principal
		// wantInvalid: the error must wrap ErrInvalidToken.
		wantInvalid bool
	}{
		{
			name:  "valid",
			token: func(t *testing.T) string { return hs(t, standardClaims()) },
			want:  standard,
		},
		{
			name: "expired beyond the leeway",
			token: func(t *testing.T) string {
				return hs(t, with(func(c claims) { c["exp"] = t0.Add(-61 * time.Second).Unix() }))
			},
			wantInvalid: true,
		},
		{
			name: "expired exactly one leeway ago",
			token: func(t *testing.T) string {
				return hs(t, with(func(c claims) { c["exp"] = t0.Add(-DefaultLeeway).Unix() }))
			},
			wantInvalid: true,
		},
		{
			name: "expired within the leeway",
			token: func(t *testing.T) string {
				return hs(t, with(func(c claims) { c["exp"] = t0.Add(-30 * time.Second).Unix() }))
			},
			want: standard,
		},
		{
			name: "expired, no leeway configured",
			cfg:  func(c *HS256Config) { c.Leeway = -1 },
			token: func(t *testing.T) string {
				return hs(t, with(func(c claims) { c["exp"] = t0.Add(-time.Second).Unix() }))
			},
			wantInvalid: true,
		},
		{
			name: "exp as a fractional number",
			token: func(t *testing.T) string {
				return hs(t, with(func(c claims) { c["exp"] = float64(t0.Unix()) + 3600.5 }))
			},
			want: standard,
		},
		{
			name:        "missing exp",
			token:       func(t *testing.T) string { return hs(t, with(func(c claims) { delete(c, "exp") })) },
			wantInvalid: true,
		},
		{
			name:        "exp not a number",
			token:       func(t *testing.T) string { return hs(t, with(func(c claims) { c["exp"] = "tomorrow" })) },
			wantInvalid: true,
		},
		{
			name: "nbf in the future",
			token: func(t *testing.T) string {
				return hs(t, with(func(c claims) { c["nbf"] = t0.Add(2 * time.Minute).Unix() }))
			},
			wantInvalid: true,
		},
		{
			name: "nbf in the future within the leeway",
			token: func(t *testing.T) string {
				return hs(t, with(func(c claims) { c["nbf"] = t0.Add(30 * time.Second).Unix() }))
			},
			want: standard,
		},
		{
			name: "iat in the future",
			token: func(t *testing.T) string {
				return hs(t, with(func(c claims) { c["iat"] = t0.Add(10 * time.Minute).Unix() }))
			},
			wantInvalid: true,
		},
		{
			name: "wrong secret",
			token: func(t *testing.T) string {
				return sign(t, jose.HS256, []byte(strings.Repeat("x", 32)), standardClaims(), nil)
			},
			wantInvalid: true,
		},
		{
			name: "alg none",
			token: func(t *testing.T) string {
				return rawJWT(t, map[string]string{"alg": "none", "typ": "JWT"}, standardClaims(), nil, nil)
			},
			wantInvalid: true,
		},
		{
			name: "alg none with a valid HS256 signature",
			token: func(t *testing.T) string {
				return rawJWT(t, map[string]string{"alg": "none"}, standardClaims(), sha256.New, secret)
			},
			wantInvalid: true,
		},
		{
			name: "alg HS512 with the same secret",
			token: func(t *testing.T) string {
				return rawJWT(t, map[string]string{"alg": "HS512"}, standardClaims(), sha512.New, secret)
			},
			wantInvalid: true,
		},
		{
			name: "alg RS256 header, HMAC-SHA256 signature with the same secret",
			token: func(t *testing.T) string {
				return rawJWT(t, map[string]string{"alg": "RS256"}, standardClaims(), sha256.New, secret)
			},
			wantInvalid: true,
		},
		{
			name: "hand-built HS256 token verifies (control for the two above)",
			token: func(t *testing.T) string {
				return rawJWT(t, map[string]string{"alg": "HS256"}, standardClaims(), sha256.New, secret)
			},
			want: standard,
		},
		{
			name: "two segments",
			token: func(t *testing.T) string {
				tok := hs(t, standardClaims())
				return tok[:strings.LastIndex(tok, ".")]
			},
			wantInvalid: true,
		},
		{
			name:        "bad base64",
			token:       func(t *testing.T) string { return "eyJhbGciOiJIUzI1NiJ9.!!!not-base64!!!.c2ln" },
			wantInvalid: true,
		},
		{
			name: "payload not JSON",
			token: func(t *testing.T) string {
				return rawJWT(t, map[string]string{"alg": "HS256"}, []byte("not json"), sha256.New, secret)
			},
			wantInvalid: true,
		},
		{
			name:        "empty token",
			token:       func(t *testing.T) string { return "" },
			wantInvalid: true,
		},
		{
			name:        "oversized token",
			token:       func(t *testing.T) string { return strings.Repeat("a", maxTokenLen+1) },
			wantInvalid: true,
		},
		{
			name: "issuer and audience as configured",
			cfg:  func(c *HS256Config) { c.Issuer, c.Audience = "https://id.example", "https://api.example" },
			token: func(t *testing.T) string {
				return hs(t, with(func(c claims) { c["iss"], c["aud"] = "https://id.example", "https://api.example" }))
			},
			want: standard,
		},
		{
			name: "audience among several",
			cfg:  func(c *HS256Config) { c.Audience = "https://api.example" },
			token: func(t *testing.T) string {
				return hs(t, with(func(c claims) { c["aud"] = []string{"https://other.example", "https://api.example"} }))
			},
			want: standard,
		},
		{
			name:        "wrong issuer",
			cfg:         func(c *HS256Config) { c.Issuer = "https://id.example" },
			token:       func(t *testing.T) string { return hs(t, with(func(c claims) { c["iss"] = "https://evil.example" })) },
			wantInvalid: true,
		},
		{
			name:        "issuer configured, token has none",
			cfg:         func(c *HS256Config) { c.Issuer = "https://id.example" },
			token:       func(t *testing.T) string { return hs(t, standardClaims()) },
			wantInvalid: true,
		},
		{
			name:        "wrong audience",
			cfg:         func(c *HS256Config) { c.Audience = "https://api.example" },
			token:       func(t *testing.T) string { return hs(t, with(func(c claims) { c["aud"] = "https://other.example" })) },
			wantInvalid: true,
		},
		{
			name:        "audience configured, token has none",
			cfg:         func(c *HS256Config) { c.Audience = "https://api.example" },
			token:       func(t *testing.T) string { return hs(t, standardClaims()) },
			wantInvalid: true,
		},
		{
			name: "iss and aud ignored when not configured",
			token: func(t *testing.T) string {
				return hs(t, with(func(c claims) { c["iss"], c["aud"] = "anyone", "anything" }))
			},
			want: standard,
		},
		{
			name:  "empty scope",
			token: func(t *testing.T) string { return hs(t, with(func(c claims) { c["scope"] = "" })) },
			want:  Principal{UserID: "user-1", ClientID: "app-1"},
		},
		{
			name:  "no scope claim",
			token: func(t *testing.T) string { return hs(t, with(func(c claims) { delete(c, "scope") })) },
			want:  Principal{UserID: "user-1", ClientID: "app-1"},
		},
		{
			name:  "scope with runs of spaces",
			token: func(t *testing.T) string { return hs(t, with(func(c claims) { c["scope"] = "  openid   profile " })) },
			want:  Principal{UserID: "user-1", Scopes: []string{"openid", "profile"}, ClientID: "app-1"},
		},
		{
			name:        "scope as an array",
			token:       func(t *testing.T) string { return hs(t, with(func(c claims) { c["scope"] = []string{"openid"} })) },
			wantInvalid: true,
		},
		{
			name: "azp when there is no client_id",
			token: func(t *testing.T) string {
				return hs(t, with(func(c claims) { delete(c, "client_id"); c["azp"] = "app-azp" }))
			},
			want: Principal{UserID: "user-1", Scopes: []string{"openid", "profile", "email"}, ClientID: "app-azp"},
		},
		{
			name:  "client_id wins over azp",
			token: func(t *testing.T) string { return hs(t, with(func(c claims) { c["azp"] = "app-azp" })) },
			want:  standard,
		},
		{
			name:  "no client at all",
			token: func(t *testing.T) string { return hs(t, with(func(c claims) { delete(c, "client_id") })) },
			want:  Principal{UserID: "user-1", Scopes: []string{"openid", "profile", "email"}},
		},
		{
			name:  "no subject (client credentials)",
			token: func(t *testing.T) string { return hs(t, with(func(c claims) { delete(c, "sub") })) },
			want:  Principal{Scopes: []string{"openid", "profile", "email"}, ClientID: "app-1"},
		},
		{
			name: "sender-constrained (cnf)",
			token: func(t *testing.T) string {
				return hs(t, with(func(c claims) { c["cnf"] = map[string]string{"jkt": "abc"} }))
			},
			wantInvalid: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			cfg := HS256Config{Secret: []byte(hsSecret), Now: clock.Now}
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			a, err := NewHS256(cfg)
			if err != nil {
				t.Fatalf("NewHS256: %v", err)
			}
			token := tt.token(t)
			got, err := a.Authenticate(context.Background(), token)
			if tt.wantInvalid {
				if !errors.Is(err, ErrInvalidToken) {
					t.Fatalf("Authenticate error = %v, want ErrInvalidToken", err)
				}
				checkNoLeak(t, err, token, hsSecret)
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

func TestNewHS256(t *testing.T) {
	tests := []struct {
		name    string
		cfg     HS256Config
		wantErr bool
	}{
		{name: "32-byte secret", cfg: HS256Config{Secret: []byte(hsSecret)}},
		{name: "no secret", cfg: HS256Config{}, wantErr: true},
		{name: "31-byte secret", cfg: HS256Config{Secret: []byte(hsSecret[:31])}, wantErr: true},
		{name: "leeway at the maximum", cfg: HS256Config{Secret: []byte(hsSecret), Leeway: 5 * time.Minute}},
		{name: "leeway above the maximum", cfg: HS256Config{Secret: []byte(hsSecret), Leeway: 6 * time.Minute}, wantErr: true},
		{name: "negative leeway means none", cfg: HS256Config{Secret: []byte(hsSecret), Leeway: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewHS256(tt.cfg)
			if (err != nil) != tt.wantErr {
				t.Fatalf("NewHS256 error = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), hsSecret[:16]) {
				t.Errorf("error %q contains the secret", err)
			}
		})
	}
}

// TestHS256SecretIsCopied: changing the caller's slice after NewHS256 must
// not change the key.
func TestHS256SecretIsCopied(t *testing.T) {
	secret := []byte(hsSecret)
	a, err := NewHS256(HS256Config{Secret: secret, Now: newFakeClock().Now})
	if err != nil {
		t.Fatal(err)
	}
	token := sign(t, jose.HS256, []byte(hsSecret), standardClaims(), nil)
	for i := range secret {
		secret[i] = 'z'
	}
	if _, err := a.Authenticate(context.Background(), token); err != nil {
		t.Fatalf("Authenticate after the caller reused its slice: %v", err)
	}
}

// checkNoLeak fails if err's text contains any of the secrets.
func checkNoLeak(t *testing.T, err error, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error %q contains a token or secret", err)
		}
	}
}

// TestHS256Cache checks that a remembered token is treated as one verified
// anew would be: it expires at exp plus the leeway, its principal cannot be
// changed through a returned copy, and a different token (even one differing
// only in its signature) is verified on its own.
func TestHS256Cache(t *testing.T) {
	for _, size := range []int{0, 1, -1} {
		t.Run(fmt.Sprintf("CacheSize %d", size), func(t *testing.T) {
			clock := newFakeClock()
			a, err := NewHS256(HS256Config{Secret: []byte(hsSecret), Now: clock.Now, CacheSize: size})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			token := sign(t, jose.HS256, []byte(hsSecret), standardClaims(), nil)
			p, err := a.Authenticate(ctx, token)
			if err != nil {
				t.Fatal(err)
			}
			p.Scopes[0] = "changed"
			again, err := a.Authenticate(ctx, token)
			if err != nil || again.Scopes[0] != "openid" {
				t.Fatalf("second Authenticate = %v, %v; want the unchanged principal", again, err)
			}

			// The same claims signed with another key differ in the
			// signature only.
			forged := sign(t, jose.HS256, []byte(strings.Repeat("f", len(hsSecret))), standardClaims(), nil)
			if _, err := a.Authenticate(ctx, forged); !errors.Is(err, ErrInvalidToken) {
				t.Errorf("forged token: err = %v, want ErrInvalidToken", err)
			}
			other := sign(t, jose.HS256, []byte(hsSecret), claims{"sub": "user-2", "exp": t0.Add(2 * time.Hour).Unix()}, nil)
			if p, err := a.Authenticate(ctx, other); err != nil || p.UserID != "user-2" {
				t.Errorf("other token = %v, %v", p, err)
			}

			clock.Advance(time.Hour + DefaultLeeway - time.Second)
			if _, err := a.Authenticate(ctx, token); err != nil {
				t.Errorf("within the leeway after exp: %v", err)
			}
			clock.Advance(time.Second)
			if _, err := a.Authenticate(ctx, token); !errors.Is(err, ErrInvalidToken) {
				t.Errorf("at exp plus the leeway: err = %v, want ErrInvalidToken", err)
			}
		})
	}
}
