package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// mintDevToken signs a development access token with the HS256 secret.
func mintDevToken(secret, sub, scope string, ttl time.Duration) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte(secret)},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	now := time.Now()
	claims := struct {
		jwt.Claims
		Scope string `json:"scope"`
	}{
		Claims: jwt.Claims{Subject: sub, IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(ttl))},
		Scope:  scope,
	}
	return jwt.Signed(signer).Claims(claims).Serialize()
}

// DefaultUserScope is what `server token` grants unless told otherwise:
// everything the Account API reads.
const DefaultUserScope = "openid profile email phone address custom_data identities"

// tokenCommand implements `server token`: it prints a development access
// token signed with the development secret.
func tokenCommand(args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	secret := fs.String("secret", getenv("ACCOUNTAPI_DEV_SECRET"), "HS256 secret (ACCOUNTAPI_DEV_SECRET)")
	sub := fs.String("sub", "", "user id (the token's subject)")
	scope := fs.String("scope", DefaultUserScope, "space-separated scopes")
	ttl := fs.Duration("ttl", time.Hour, "lifetime")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w\nusage: server token -sub <user id> [-scope s] [-ttl 1h] [-secret s]", err)
	}
	switch {
	case *secret == "":
		return errors.New("token: set ACCOUNTAPI_DEV_SECRET (or -secret) to the server's development secret")
	case *sub == "":
		return errors.New("token: -sub is required")
	}
	tok, err := mintDevToken(*secret, *sub, *scope, *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}
