package main

import (
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// userScope is the scope of the tokens: examples/server's DefaultUserScope,
// everything the Account API reads. The routes driven need no more.
const userScope = "openid profile email phone address custom_data identities"

// mintTokens signs a development access token for each user id with the
// HS256 secret, as examples/server's mintDevToken does (claims sub, scope,
// iat, exp). They are valid for a day.
func mintTokens(secret string, ids []string) ([]string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte(secret)},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tokens := make([]string, len(ids))
	for i, id := range ids {
		claims := struct {
			jwt.Claims
			Scope string `json:"scope"`
		}{
			Claims: jwt.Claims{Subject: id, IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(24 * time.Hour))},
			Scope:  userScope,
		}
		if tokens[i], err = jwt.Signed(signer).Claims(claims).Serialize(); err != nil {
			return nil, err
		}
	}
	return tokens, nil
}
