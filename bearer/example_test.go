package bearer_test

import (
	"context"
	"errors"
	"fmt"
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
