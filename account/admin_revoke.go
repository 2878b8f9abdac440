package account

import (
	"context"
	"fmt"

	"github.com/accountapi/accountapi/apierror"
)

// RevokeReason says why a user's sessions and tokens are revoked, so that a
// host can revoke more or less for each (e.g. keep the session a user
// changed their own password from). The library may learn new reasons; an
// implementation should treat a reason it does not know as "revoke
// everything".
type RevokeReason string

// The reasons the library revokes for.
const (
	// RevokeSuspended: an administrator suspended the user (PATCH
	// /api/users/{userId}/is-suspended with isSuspended true). Logto revokes
	// the user's access tokens, refresh tokens and sessions.
	RevokeSuspended RevokeReason = "suspended"
	// RevokeDeleted: the user was deleted, by an administrator (DELETE
	// /api/users/{userId}) or by themselves (DELETE /api/my-account); the
	// user no longer exists when the revoker runs. Logto signs the user out
	// first, as a best effort.
	RevokeDeleted RevokeReason = "deleted"
	// RevokePasswordChanged: the user changed their own password (POST
	// /api/my-account/password). Revoke the user's other sessions and
	// refresh tokens; the session the change was made from may stay, if the
	// host can tell it (the context is the request's).
	RevokePasswordChanged RevokeReason = "password_changed"
	// RevokePasswordReset: an administrator set the user's password (PATCH
	// /api/users/{userId}/password), e.g. after an account takeover. Revoke
	// every session and token of the user.
	RevokePasswordReset RevokeReason = "password_reset"
)

// SessionRevoker ends a user's sessions and tokens at the host: whatever an
// OpenID provider in front of this library issued (refresh tokens, access
// tokens it can still revoke, session cookies). The library holds none of
// these, so it cannot end them itself; it calls the revoker after the change
// that calls for it has committed.
//
// RevokeSessions must be idempotent: the library calls it again when an
// administrator repeats the change (PATCH is-suspended with true on a user
// already suspended, PATCH …/password again), which is how a failed
// revocation is retried. See the package doc, "Revoking sessions", for what
// to revoke for each reason and how each failure is handled.
type SessionRevoker interface {
	RevokeSessions(ctx context.Context, userID string, reason RevokeReason) error
}

// SessionRevokerFunc adapts a function to a SessionRevoker.
type SessionRevokerFunc func(ctx context.Context, userID string, reason RevokeReason) error

// RevokeSessions calls f.
func (f SessionRevokerFunc) RevokeSessions(ctx context.Context, userID string, reason RevokeReason) error {
	return f(ctx, userID, reason)
}

// CheckActive answers 401 user.suspended when the user is suspended, and nil
// for an active user or one that does not exist (each route decides what a
// token of a user who is gone gets). It costs one read of the user's row;
// [Service.Active] does the same and keeps what it read for the request.
func (s *Service) CheckActive(ctx context.Context, userID string) error {
	_, err := s.Active(ctx, Caller{UserID: userID})
	return err
}

// Active is [Service.CheckActive] for c's user. The Account API's handler
// calls it for every request after authenticating the token, so that a
// suspension takes effect at once, whatever the host's revoker does with
// tokens already issued. The Caller it returns carries the user it read, and
// [Service.Get] answers from that rather than reading the user again; pass
// it on within the request only.
func (s *Service) Active(ctx context.Context, c Caller) (Caller, error) {
	u, err := s.store.GetUser(ctx, c.UserID)
	switch {
	case isNotFound(err):
		return c, nil
	case err != nil:
		return c, fmt.Errorf("account: loading user: %w", err)
	case u.IsSuspended:
		return c, apierror.UserSuspended
	}
	c.user = u
	return c, nil
}
