// Package account holds the Account API's use cases: what a signed-in user
// may read and change about their own account — profile, username, password,
// primary email and phone, social identities — under the account-center
// settings. It is pure Go: it takes parsed input and the caller's principal,
// returns records or *apierror.Error, and never imports net/http or a
// database driver. The httpadapter package maps it onto Logto's routes.
package account
