// Package mfa holds the multi-factor use cases of the Account and Verification
// APIs (docs/compatibility.md, "MFA factors", "MFA settings and logto-configs"
// and "Order of checks"): TOTP authenticator apps (RFC 6238), backup codes and
// WebAuthn passkeys — binding, listing, renaming and removing a user's
// factors, the WebAuthn registration ceremony, and step-up verification with a
// factor for users who sign in without a password.
//
// # Enabled factors and field controls
//
// The sign-in experience's policies ([account.Policies], read per request
// from [Config.Settings]) list the factors users may bind (Logto's
// mfa.factors, plus WebAuthn when passkeySignIn is enabled); an
// administrator changes them at run time with PATCH /api/sign-in-exp. The
// account center's mfa field governs TOTP and
// backup codes; its passkey field governs WebAuthn and falls back to mfa
// while unset.
//
// # TOTP
//
// [Service.GenerateTOTPSecret] makes a secret (20 random bytes, base32) with
// its otpauth:// URI and a QR code; nothing is stored until
// [Service.BindTOTP] or [Service.ReplaceTOTP]. Codes are checked with RFC 6238's
// SHA-1, 6 digits and 30-second steps, one step either side, and a code is
// never accepted twice for the same time step (RFC 6238 §5.2): the last
// accepted step is stored with a compare-and-set, including the step of the
// code given when binding.
//
// # Backup codes
//
// Ten codes of ten hexadecimal characters; a user holds one set with unused
// codes at a time, and only next to another factor. Using a code marks it used
// in one store statement, so of N concurrent uses exactly one succeeds.
//
// # Step-up verification
//
// Users who sign in without a password still need to prove their identity
// before sensitive changes. [Service.VerifyTOTP], [Service.VerifyBackupCode]
// and the WebAuthn authentication ceremony create verification records that
// count as identity proof in the logto-verification-id header, like a
// password record. Failures go to the lockout sentinel.
//
// # WebAuthn passkeys
//
// Registration follows WebAuthn Level 3 §7.1: [Service.BeginWebAuthnRegistration]
// stores the challenge in a verification record (so any replica can finish
// the ceremony) and [Service.FinishWebAuthnRegistration] verifies the
// attestation against the request's origin and the account center's related
// origins (§5.11, Related Origin Requests), clearing the challenge with a
// compare-and-set so a response is accepted at most once. Step-up
// authentication (§7.2) works the same way and stores the signature counter
// with a compare-and-set; a counter that does not increase is refused and
// reported through the event sink, since the record it would produce is
// identity proof.
//
// # Secrets at rest
//
// With [Config.EncryptionKeys], TOTP secrets and backup codes are sealed with
// AES-256-GCM, bound to their user, before they reach the store; the first key
// seals and every key opens, which is how keys rotate.
//
// The package itself imports neither net/http nor a database driver; the
// WebAuthn ceremonies use github.com/go-webauthn/webauthn (which imports
// net/http) and TOTP uses github.com/pquerna/otp.
package mfa
