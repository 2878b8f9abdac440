// Package mfa holds the multi-factor use cases: TOTP authenticator apps
// (RFC 6238), backup codes and WebAuthn passkeys — binding, listing, renaming
// and removing a user's factors, and using them as step-up proof. Pure Go: no
// net/http, no SQL.
package mfa
