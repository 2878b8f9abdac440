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

// tokenHeader heads the usage of `server token`.
const tokenHeader = `server token prints a development access token: an HS256 JWT with claims sub,
scope and exp, signed with the development secret of a server started in
development mode (its -dev-secret, ACCOUNTAPI_DEV_SECRET). Management routes
need -scope all.

Usage:
  server token -sub <user id> [-scope "openid profile email"] [-ttl 1h] [-secret s]

Every flag can also be set by its environment variable; a flag given wins.`

// tokenOptions are the flags of `server token`.
type tokenOptions struct {
	Secret, Sub, Scope string
	TTL                time.Duration
}

// tokenFlags defines the flags of `server token`, bound to o.
func tokenFlags(o *tokenOptions) *envFlagSet {
	s := newEnvFlagSet("token", tokenHeader)
	s.String(&o.Sub, "sub", "ACCOUNTAPI_TOKEN_SUB", "", "user id (the token's subject); required")
	s.String(&o.Scope, "scope", "ACCOUNTAPI_TOKEN_SCOPE", DefaultUserScope, "space-separated scopes")
	s.Duration(&o.TTL, "ttl", "ACCOUNTAPI_TOKEN_TTL", time.Hour, "lifetime")
	s.String(&o.Secret, "secret", "ACCOUNTAPI_DEV_SECRET", "", "HS256 secret: the server's development secret; required")
	return s
}

// tokenUsage writes the usage of `server token`: what `server token -h`
// prints.
func tokenUsage(w io.Writer) {
	tokenFlags(new(tokenOptions)).usage(w)
}

// tokenCommand implements `server token`: it prints a development access
// token signed with the development secret. For -h it returns
// flag.ErrHelp, after which main prints tokenUsage.
func tokenCommand(args []string, getenv func(string) string, stdout io.Writer) error {
	var o tokenOptions
	s := tokenFlags(&o)
	if err := s.parse(args, getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("token: %w (server token -h lists the flags)", err)
	}
	switch {
	case s.fs.NArg() > 0:
		return fmt.Errorf("token: unexpected arguments %q (server token -h lists the flags)", s.fs.Args())
	case o.Secret == "":
		return errors.New("token: set ACCOUNTAPI_DEV_SECRET (or -secret) to the server's development secret")
	case o.Sub == "":
		return errors.New("token: -sub is required")
	}
	tok, err := mintDevToken(o.Secret, o.Sub, o.Scope, o.TTL)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}
