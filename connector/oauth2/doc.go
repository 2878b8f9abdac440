// Package oauth2 is a generic OAuth 2.0 social connector, for providers that
// are not OpenID Connect providers but offer the authorization-code flow and
// a userinfo endpoint — GitHub, for one.
//
// # Flow
//
// [Connector.AuthorizationURI] builds an authorization-code request (RFC 6749
// §4.1.1) with the client's state and redirect URI, and with [Config.PKCE]
// an S256 challenge (RFC 7636); the verifier goes into the session that the
// library keeps in the verification record, in the store.
//
// [Connector.UserInfo] takes the callback's parameters: it compares the
// state with the session's in constant time (RFC 6749 §10.12), turns an
// error parameter into [connector.ErrAuthorizationFailed], exchanges the code
// ([connector.ErrAuthCodeInvalid] when the provider refuses it), asks the
// userinfo endpoint with the access token, and maps the answer through
// [Claims]: which members hold the id (a string, or a number as GitHub's),
// the email, the phone, the name and the avatar.
//
// Without an ID token there is no nonce: the state and, where the provider
// supports it, PKCE are what bind the callback to the authorization request.
//
// Errors never carry the client secret, the code, the verifier or a token.
//
// # Dependencies
//
//   - golang.org/x/oauth2: the authorization URL, PKCE parameters and the
//     code exchange at the token endpoint (client authentication, form and
//     JSON answers, error responses).
package oauth2
