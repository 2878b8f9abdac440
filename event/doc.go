// Package event is the library's outbound event port: what happened to an
// account, for the host's audit log, webhooks or session revocation.
//
// The use cases emit an [Event] through a [Sink] after each change commits:
// [UserDataUpdated] after every change to a user, [IdentifierLockout] when the
// lockout sentinel blocks an identifier, [UserDeleted] when a user is deleted.
// Names are Logto's webhook event names where Logto has one.
//
// Events never carry secrets: no codes, passwords, digests, TOTP secrets,
// backup codes or tokens. [Slog] writes them to a *slog.Logger; [Discard]
// drops them.
package event
