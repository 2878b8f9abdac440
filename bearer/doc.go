// Package bearer turns the bearer access token of an Account API request
// into a [Principal]: the user the token speaks for, its scopes and the
// application it was issued to.
//
// The library does not issue tokens. The host's identity provider does, and
// the host picks one [Authenticator] that knows how to check them. Three
// ship here: [HS256] for development, [JWKS] for JWT access tokens, and
// [Introspector] for opaque tokens.
//
// # Principal
//
// A [Principal] is the result of a successful check. UserID is the token's
// subject (sub); it is "" for tokens that carry no user, such as
// client-credentials tokens. Scopes come from the space-separated scope
// string (RFC 6749 §3.3, RFC 9068 §2.2.3); [Principal.HasScope] tests one.
// ClientID is the application the token was issued to (client_id, or azp
// when a JWT has no client_id).
//
// Authenticators only decide whether the token is genuine and current. What
// Logto then requires of it is the caller's job (Logto's koa-oidc-auth
// middleware; see docs/compatibility.md, "Request pipeline"):
//
//   - no Authorization header: 401 auth.authorization_header_missing;
//   - a header not starting with "Bearer": 401
//     auth.authorization_token_type_not_supported;
//   - an error wrapping [ErrInvalidToken] (unknown, expired, forged...): 401
//     auth.unauthorized;
//   - a Principal with UserID == "": 401 auth.unauthorized;
//   - a Principal without the "openid" scope: 403 auth.forbidden.
//
// Any other error from [Authenticator.Authenticate] means the token could
// not be checked (the provider is unreachable, answered 5xx, refused our
// client credentials) and should become a 5xx, not a 401: the client did
// nothing wrong, and a 401 would make well-behaved clients throw their
// tokens away. Errors name a reason that is safe to log; they never contain
// the token, the HS256 secret or the introspection client secret.
//
// # HS256: development
//
// [HS256] checks JWTs signed with HMAC-SHA256 under a shared secret of at
// least 32 bytes (RFC 7518 §3.2). It needs no provider at all, which makes it
// the authenticator of tests, demos and the example server. Its weakness is
// the sharing: every party that can verify a token can also mint one for any
// user, so it does not belong in production.
//
// Only "alg":"HS256" is accepted; "none", HS384/HS512 and every asymmetric
// algorithm are refused before the secret is used. exp is required; nbf and
// iat are honoured with a leeway ([DefaultLeeway], 60 s); iss and aud are
// checked when configured. A token carrying a cnf (confirmation) claim is
// refused by every authenticator: it is bound to a key (mTLS or DPoP) and
// this package checks no proof of possession.
//
// # JWKS: JWT access tokens in production
//
// [JWKS] checks JWTs signed by a provider that publishes its public keys as
// a JWK Set (RFC 7517), found either at a configured URL or through OpenID
// Connect Discovery 1.0 (<issuer>/.well-known/openid-configuration, whose
// issuer member must equal the configured issuer, §4.3). When an issuer is
// configured, every token's iss must equal it.
//
// Algorithms: by default all asymmetric JWS algorithms go-jose implements
// ([DefaultJWKSAlgorithms]: RS256/384/512, PS256/384/512, ES256/384/512,
// EdDSA), restrictable with [JWKSConfig].Algorithms. Logto enables RS256,
// PS256 and ES256/384/512 and by default signs with a P-384 key (ES384).
// "none" and HS* are never accepted: with HS256 an attacker could use the published
// public key as the HMAC secret. A key only verifies algorithms of its own
// type and curve, and agrees with the key's own alg member when present;
// RSA keys shorter than 2048 bits, symmetric keys, keys with use other than
// "sig" and entries carrying private key material are ignored.
//
// Audience: Logto's own Account API tokens are opaque (use [Introspector]),
// but a host that fronts this library with its own provider usually issues
// JWT access tokens whose aud is a resource indicator (RFC 8707). Set
// [JWKSConfig].Audience to it. It is optional because not every provider
// sets aud on access tokens, but recommended: without it any token the
// provider signs, for any API, is accepted, and so is an ID token unless
// [JWKSConfig].RequireATJWTType is set.
//
// # Key rotation
//
// The key set is fetched on first use (not by [NewJWKS], which does no I/O)
// and then refetched
//
//   - when it is older than [JWKSConfig].MaxAge ([DefaultJWKSMaxAge], 15 min),
//     so a key the provider withdraws stops verifying within that time; and
//   - when a token names a kid the set does not contain, so a new key
//     verifies as soon as the provider publishes it (OpenID Connect Core
//     §10.1).
//
// Fetches start at most once per [JWKSConfig].MinRefreshInterval
// ([DefaultJWKSMinRefreshInterval], 30 s): tokens with made-up kids are
// refused without a fetch inside that window, so they cannot make us hammer
// the provider. Callers that need a fetch while one is running wait for it
// instead of starting another. A fetch is bounded by [JWKSConfig].Timeout
// and is not cancelled when the caller that started it gives up.
//
// A token signed with a known kid but a bad signature never causes a fetch.
// If a refresh fails, the previous key set stays in use (retried at most once
// per MinRefreshInterval): a provider outage does not become an outage of
// this API, at the price that a withdrawn key keeps verifying until a
// refresh succeeds. If the set has never been fetched, Authenticate returns
// a "could not check" error.
//
// # Remembered tokens
//
// [HS256] and [JWKS] remember the tokens that passed every check
// (HS256Config.CacheSize, JWKSConfig.CacheSize; [DefaultVerifiedCacheSize]
// by default), keyed by the token's SHA-256, so that a front end sending the
// same token with every request costs one map look-up instead of a parse and
// a signature check. An entry lasts until the token expires (exp plus the
// leeway); for JWKS also no longer than the key set that verified it is used
// and than MinRefreshInterval, so a withdrawn key that a refetch drops early
// stops being trusted at most MinRefreshInterval later than without the
// cache. Refused tokens are never remembered.
//
// # Introspection: opaque tokens
//
// [Introspector] asks the provider about each token with OAuth 2.0 Token
// Introspection (RFC 7662): it POSTs token=<t>&token_type_hint=access_token
// with client authentication (HTTP Basic, or a bearer token) and reads
// active, sub, scope, client_id, exp, iss and aud. active:false, a
// token_type other than a bearer access token (a refresh token, a DPoP-bound
// token), or an issuer or audience mismatch when configured are
// ErrInvalidToken. Timeouts, non-200 answers and unreadable bodies are not.
// With Logto, register a machine-to-machine or traditional application for
// this library and point Endpoint at <issuer>/token/introspection.
//
// # Caching and its bounds
//
// Introspection costs a round trip per request, so results are cached, keyed
// by the SHA-256 of the token (raw tokens are never kept as keys or logged):
//
//   - an active result for [IntrospectionConfig].CacheTTL
//     ([DefaultIntrospectionCacheTTL], 30 s), never beyond the token's exp;
//   - an inactive result for NegativeCacheTTL
//     ([DefaultIntrospectionNegativeTTL], 5 s), which absorbs clients that
//     retry a dead token in a loop;
//   - "could not check" errors are never cached;
//   - at most MaxEntries ([DefaultIntrospectionMaxEntries]) results, least
//     recently used evicted first, so memory stays bounded whatever tokens
//     arrive.
//
// Concurrent calls for one token share one request.
//
// The trade-off: a token revoked at the provider (sign-out, password change)
// is still accepted for up to CacheTTL. Lower it, or set it negative to
// disable caching, when that window matters more than the provider's load.
// JWT verification has the same kind of window, larger: a JWT is valid until
// its exp whatever happens at the provider. Note also that every distinct
// token still costs one request; rate-limit unauthenticated traffic in front
// of the API.
//
// # Choosing
//
//   - Development, tests, the example server: [HS256] with a random secret.
//   - Logto (its Account API tokens are opaque): [Introspector].
//   - A provider issuing JWT access tokens for your API's resource
//     indicator: [JWKS] with Issuer and Audience set; the fastest, as it
//     needs no request per token.
//
// All three take an injected clock (Now) and, where they talk HTTP, an
// *http.Client (by default one with a timeout, never http.DefaultClient).
// URLs must use https except for loopback hosts unless AllowHTTP is set.
//
// # Dependencies
//
//   - github.com/go-jose/go-jose/v4 parses and verifies JWS signatures and
//     decodes JWKs, so that no cryptography is written here, and its
//     algorithm allow-list on parsing refuses "none" and unlisted algorithms
//     before any key is touched.
//   - github.com/coreos/go-oidc/v3 is deliberately not used: its
//     RemoteKeySet refetches keys after every failed verification, with no
//     rate limit (a forged signature or made-up kid costs the provider one
//     request each) and never refreshes on age, and its verifier is shaped
//     for ID tokens (aud = client ID). The key cache here is small and does
//     what is described under "Key rotation".
//   - github.com/google/go-cmp (tests only) prints the difference when a
//     principal is not the one expected.
//   - Request coalescing is a few lines over a mutex-guarded map rather
//     than golang.org/x/sync/singleflight, which is in the module graph but
//     not a requirement of this module.
package bearer
