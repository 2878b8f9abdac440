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
//
// # Security notices
//
// With a [Config.Notifier] (and [AdminConfig.Notifier], and the same in
// mfa.Config and mfa.AdminConfig; give each the notifier the verification
// Service sends codes with), a committed change tells the user through a
// notice of its own template type (package notify, "Security notices"):
//
//   - primary email changed or removed ([Service.SetPrimaryEmail],
//     [Service.RemovePrimaryEmail], [Admin.UpdateUser]): to the OLD
//     address, with the new one masked (notify.Mask), so that the owner of
//     the address learns of a change someone else made;
//   - primary phone changed or removed: likewise, by SMS to the old number;
//   - password set, changed or reset ([Service.SetPassword],
//     [Admin.SetPassword]), social identity linked or unlinked
//     ([Service.LinkIdentity], [Service.ReplaceIdentity] when the social
//     user is new, [Service.UnlinkIdentity], [Admin.PutIdentity],
//     [Admin.LinkSocialIdentity], [Admin.RemoveIdentity]), and in package
//     mfa an MFA factor added or removed: to the user's primary email
//     address, if the user has one.
//
// A notice of the Account API is in the request's locale (Accept-Language);
// one of the Management API in the default language, since the request is
// the administrator's. [Notices] turns notices off one by one; a nil
// Notifier sends none. Notices go after the commit, never for a refused
// request, and under a context that ignores the request's cancellation, so
// that a client cannot suppress the notice of its change by hanging up. A
// notifier's failure is logged (Config.Logger; without the address) and
// never fails the change: the change is made, and the caller learns that.
// A notice is sent on the request's goroutine; a host whose notifier is
// slow puts a queue in front of it.
//
// # Revoking sessions
//
// The library issues no sessions or refresh tokens: an OpenID provider in
// front of it does. [SessionRevoker] is how the library tells the host that
// what it issued should end, after the change that calls for it commits:
//
//   - [RevokePasswordChanged], after the user changed their own password
//     ([Service.SetPassword], [Config.Revoker]): revoke the user's other
//     sessions and refresh tokens, and the access tokens you can; keep the
//     session the change came from if you can tell it (the context is the
//     request's, so your middleware's values are in it), so that the user
//     is not signed out of the page they are on. A failure is logged: the
//     user cannot retry a change that succeeded.
//   - [RevokePasswordReset], after an administrator set the password
//     ([Admin.SetPassword], [AdminConfig.Revoker]): revoke everything. A
//     failure is answered (500), as for a suspension: the administrator
//     repeats the request to retry.
//   - [RevokeSuspended] ([Admin.SetSuspended]): revoke everything; a
//     failure is answered. The Account API refuses a suspended user's
//     tokens either way.
//   - [RevokeDeleted] ([Admin.DeleteUser], [Service.DeleteAccount]): revoke
//     everything; the user no longer exists. A failure is logged.
//
// A reason the revoker does not know should be taken as "revoke
// everything".
//
// # Deleting an account and exporting its data
//
// Two routes of ours, which Logto lacks (docs/compatibility.md, "Account
// deletion" and "Data export"), both needing identity proof in
// logto-verification-id: [Service.DeleteAccount] (DELETE /api/my-account)
// deletes every row of the user in one transaction when the account center's
// deleteAccount field is Edit (Off by default), emits User.Deleted and calls
// the revoker; [Service.Export] (GET /api/my-account/export) returns an
// [Export] of everything stored about the user, without secrets, for a
// personal data access request. Where the account center has a
// deleteAccountUrl instead, GET /api/my-account shows it
// ([View].DeleteAccountURL) so that a front end can link there.
package account
