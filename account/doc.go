// Package account holds the Account API's use cases: what a signed-in user
// may read and change about their own account — profile, username, password,
// primary email and phone, social identities — under the account-center
// settings. It is pure Go: it takes parsed input and the caller's principal,
// returns records or *apierror.Error, and never imports net/http or a
// database driver. The httpadapter package maps it onto Logto's routes.
//
// # Sign-in experience policies
//
// [Policies] are the end-user policies Logto keeps in its sign-in
// experience: password, username and email-blocklist policies, the enabled
// MFA factors and passkey sign-in, the identifier lockout and the
// verification-code policy. The host gives its defaults once, in
// [SettingsConfig.Policies] (the zero value is Logto's); an administrator
// replaces them policy by policy at run time with PATCH /api/sign-in-exp
// ([Settings.UpdateSignInExperience]), which the store keeps. Every service —
// this one, verification's and mfa's — reads the effective policies per
// request from the one shared [Settings] ([Settings.Policies]), so a change
// is enforced at once by the replica that made it and by every other replica
// within [SettingsConfig.CacheTTL]. Hooks the store cannot hold
// ([EmailPolicy].Disposable, [LockoutPolicy].Window, [Config].Breach) stay
// host configuration.
//
// A case-insensitive username policy is checked with a look-up that ignores
// case; open the store with case-insensitive usernames as well
// (sqlite.WithCaseInsensitiveUsernames, postgres.WithCaseInsensitiveUsernames)
// so that a unique index also settles concurrent binds of one username.
package account
