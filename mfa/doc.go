// Package mfa holds the multi-factor use cases of the Account and
// Verification APIs (reference/logto-contract.md §1.5–1.7, §1.15, §1.18 and
// §4): TOTP authenticator apps (RFC 6238), backup codes and WebAuthn
// passkeys — binding, listing, renaming and removing a user's factors, the
// WebAuthn registration ceremony, and step-up verification with a factor
// for users who sign in without a password.
//
// # Enabled factors and field controls
//
// [Config.Factors] lists the factors users may bind (Logto's sign-in
// experience mfa.factors). The account center's mfa field governs TOTP and
// backup codes; its passkey field governs WebAuthn and falls back to mfa
// while unset.
//
// # Secrets at rest
//
// With [Config.EncryptionKeys], TOTP secrets and backup codes are sealed with
// AES-256-GCM, bound to their user, before they reach the store; the first key
// seals and every key opens, which is how keys rotate.
//
// Pure Go: no net/http, no SQL.
package mfa
