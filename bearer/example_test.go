package bearer_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/accountapi/accountapi/bearer"
)

// A development setup: the same secret mints and verifies tokens. The clock
// is fixed so the output is stable.
func ExampleHS256() {
	secret := []byte("5f0c9a41d3e87b2265f1a0c4d9e3b7a1") // 16 random bytes, hex: 32 bytes
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

	auth, err := bearer.NewHS256(bearer.HS256Config{
		Secret: secret,
		Issuer: "http://localhost:3001/oidc",
		Now:    func() time.Time { return now },
	})
	if err != nil {
		panic(err)
	}

	mint := func(exp time.Time) string {
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: secret}, nil)
		if err != nil {
			panic(err)
		}
		token, err := jwt.Signed(signer).Claims(map[string]any{
			"iss":       "http://localhost:3001/oidc",
			"sub":       "u_12345",
			"client_id": "my-spa",
			"scope":     "openid profile email",
			"exp":       exp.Unix(),
		}).Serialize()
		if err != nil {
			panic(err)
		}
		return token
	}

	p, err := auth.Authenticate(context.Background(), mint(now.Add(time.Hour)))
	if err != nil {
		panic(err)
	}
	fmt.Println(p.UserID, p.ClientID, p.Scopes, p.HasScope("openid"))

	_, err = auth.Authenticate(context.Background(), mint(now.Add(-time.Hour)))
	fmt.Println(errors.Is(err, bearer.ErrInvalidToken), err)
	// Output:
	// u_12345 my-spa [openid profile email] true
	// true bearer: invalid token: expired
}

// Wiring for a Logto tenant: its Account API tokens are opaque, so they are
// introspected with the credentials of an application registered for the
// host. This example is compiled but not run (no Output comment).
func ExampleNewIntrospector() {
	auth, err := bearer.NewIntrospector(bearer.IntrospectionConfig{
		Endpoint:     "https://tenant.logto.app/oidc/token/introspection",
		ClientID:     "host-app-id",
		ClientSecret: "host-app-secret", // read it from your secret store
		Issuer:       "https://tenant.logto.app/oidc",
	})
	if err != nil {
		panic(err)
	}
	var _ bearer.Authenticator = auth
}

// Wiring for a provider that issues JWT access tokens for this API's
// resource indicator. Compiled, not run.
func ExampleNewJWKS() {
	auth, err := bearer.NewJWKS(bearer.JWKSConfig{
		Issuer:   "https://id.example.com/oidc", // keys found through discovery
		Audience: "https://api.example.com/account",
	})
	if err != nil {
		panic(err)
	}
	var _ bearer.Authenticator = auth
}

// A provider that signs JWT access tokens with an RSA key and publishes the
// public half as a JWK Set (RFC 7517). Here the provider is an httptest
// server; http is accepted because it listens on a loopback address. With
// Issuer set and JWKSURL empty, the URL would be discovered from
// <Issuer>/.well-known/openid-configuration instead. The clock is fixed so
// the output is stable.
func ExampleJWKS() {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	keySet, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key: &key.PublicKey, KeyID: "key-1", Algorithm: string(jose.RS256), Use: "sig",
	}}})
	if err != nil {
		panic(err)
	}
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(keySet)
	}))
	defer provider.Close()

	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	auth, err := bearer.NewJWKS(bearer.JWKSConfig{
		Issuer:   "https://id.example.com/oidc",
		JWKSURL:  provider.URL + "/oidc/jwks",
		Audience: "https://api.example.com/account",
		Now:      func() time.Time { return now },
	})
	if err != nil {
		panic(err)
	}

	// What the provider does: sign with the private key, naming it by kid.
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "key-1"}},
		(&jose.SignerOptions{}).WithType("at+jwt"),
	)
	if err != nil {
		panic(err)
	}
	mint := func(aud string) string {
		token, err := jwt.Signed(signer).Claims(map[string]any{
			"iss":       "https://id.example.com/oidc",
			"sub":       "u_12345",
			"aud":       aud,
			"client_id": "my-spa",
			"scope":     "openid profile",
			"iat":       now.Unix(),
			"exp":       now.Add(time.Hour).Unix(),
		}).Serialize()
		if err != nil {
			panic(err)
		}
		return token
	}

	p, err := auth.Authenticate(context.Background(), mint("https://api.example.com/account"))
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s %s %q\n", p.UserID, p.ClientID, p.Scopes)

	// A token the same provider issued for another API.
	_, err = auth.Authenticate(context.Background(), mint("https://api.example.com/billing"))
	fmt.Println(errors.Is(err, bearer.ErrInvalidToken), err)
	// Output:
	// u_12345 my-spa ["openid" "profile"]
	// true bearer: invalid token: audience mismatch
}

// An identity provider that issues opaque tokens answers for them at its
// introspection endpoint (RFC 7662), here an httptest server that knows one
// active token. Logto's is <issuer>/token/introspection. The client
// credentials are those of an application registered for this host.
func ExampleIntrospector() {
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, secret, ok := r.BasicAuth(); !ok || id != "host-app-id" || secret != "host-app-secret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.PostFormValue("token") != "opaque-token-1" {
			fmt.Fprint(w, `{"active":false}`)
			return
		}
		fmt.Fprint(w, `{"active":true,"sub":"u_12345","client_id":"my-spa",`+
			`"scope":"openid profile email","token_type":"Bearer",`+
			`"iss":"https://tenant.example.com/oidc","exp":1893456000}`)
	}))
	defer endpoint.Close()

	auth, err := bearer.NewIntrospector(bearer.IntrospectionConfig{
		Endpoint:     endpoint.URL + "/oidc/token/introspection",
		ClientID:     "host-app-id",
		ClientSecret: "host-app-secret",
		Issuer:       "https://tenant.example.com/oidc",
		Now:          func() time.Time { return time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		panic(err)
	}

	p, err := auth.Authenticate(context.Background(), "opaque-token-1")
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s %s %q %v\n", p.UserID, p.ClientID, p.Scopes, p.HasScope("openid"))

	_, err = auth.Authenticate(context.Background(), "revoked-token")
	fmt.Println(errors.Is(err, bearer.ErrInvalidToken), err)
	// Output:
	// u_12345 my-spa ["openid" "profile" "email"] true
	// true bearer: invalid token: inactive
}
