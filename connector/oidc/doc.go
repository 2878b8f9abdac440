// Package oidc is a generic OpenID Connect social connector: any provider
// with a discovery document (Google, Microsoft, Keycloak, Zitadel, Okta, …)
// can be linked as a social identity.
//
// # Flow
//
// [Connector.AuthorizationURI] discovers the provider (once; see
// [Connector.Discover]) and builds an authorization-code request (OpenID
// Connect Core §3.1.2.1) with the client's state and redirect URI, a fresh
// nonce and an S256 PKCE challenge (RFC 7636). The nonce and the PKCE
// verifier go into the session that the library keeps in the verification
// record, in the store, so that any replica can finish the flow.
//
// [Connector.UserInfo] takes the callback's parameters: it compares the
// state with the session's in constant time (RFC 6749 §10.12), turns an
// error parameter into [connector.ErrAuthorizationFailed], exchanges the code
// with the verifier ([connector.ErrAuthCodeInvalid] when the provider refuses
// it: wrong, used, expired, or a verifier that does not match), verifies the
// ID token (signature against the provider's JWKS, issuer, audience,
// expiry, azp) and its nonce against the session's, and maps the token's
// claims to the social user. Everything else the callback gets wrong is
// [connector.ErrInvalidResponse].
//
// Errors never carry the client secret, the code, the verifier or a token.
//
// # Dependencies
//
//   - github.com/coreos/go-oidc/v3: discovery, the provider's key set and ID
//     token verification — the parts of OpenID Connect that are easy to get
//     subtly wrong.
//   - golang.org/x/oauth2: the authorization URL, PKCE parameters and the
//     code exchange at the token endpoint (client authentication, error
//     responses).
package oidc
