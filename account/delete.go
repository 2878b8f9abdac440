package account

import (
	"context"
	"fmt"

	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/store"
)

// DeleteAccount applies DELETE /api/my-account, an extension of ours (Logto
// has no self-service deletion; docs/compatibility.md, "Account deletion"): it
// deletes the caller's user and everything that belongs to it, in one
// transaction — identities, MFA factors, personal access tokens, the
// verification records bound to it or created by it and their codes
// (store.Users.DeleteUser).
//
// The checks run in the order of Logto's routes that change an identifier (the
// primary email and phone routes of docs/compatibility.md, "Order of checks"),
// without their scope check, which has no counterpart here:
//
//  1. identity proof in logto-verification-id: 401
//     verification_record.permission_denied;
//  2. the account center's deleteAccount field: 400
//     account_center.field_not_editable unless it is Edit (it is Off by
//     default, so a Logto configuration never lets users delete
//     themselves);
//  3. the first-party guard: 403 auth.third_party_application_forbidden.
//
// No scope beyond openid is needed: the identity proof is the stronger
// gate. After the commit it emits User.Deleted with the user's data as it
// was (UserData: no digest, no factor), then calls [Config.Revoker] with
// [RevokeDeleted] as a best effort (the user is gone whatever it answers; a
// failure is logged). The caller's token names no user afterwards: the
// Account API answers it with 401 auth.unauthorized.
func (s *Service) DeleteAccount(ctx context.Context, c Caller) error {
	if err := RequireIdentity(ctx, s.store, s.now(), c); err != nil {
		return err
	}
	ac, err := s.settings.Get(ctx)
	if err != nil {
		return err
	}
	if err := requireEditable(ac.Fields.DeleteAccount); err != nil {
		return err
	}
	if err := s.checkFirstParty(ctx, c); err != nil {
		return err
	}
	var deleted *store.User
	err = s.store.InTx(ctx, func(ctx context.Context, tx store.Store) error {
		// A concurrent deletion that won leaves no row to lock: 401, as for
		// any token of a user who is gone.
		u, err := lockUser(ctx, tx, c.UserID)
		if err != nil {
			return err
		}
		if err := tx.DeleteUser(ctx, u.ID); err != nil {
			if isNotFound(err) {
				return apierror.Unauthorized.WithCause(err)
			}
			return fmt.Errorf("account: deleting user: %w", err)
		}
		deleted = u
		return nil
	})
	if err != nil {
		return err
	}
	s.events.Emit(ctx, event.Event{Name: event.UserDeleted, At: s.now(), UserID: deleted.ID, Data: Snapshot(deleted)})
	revoke(ctx, s.revoker, s.log, deleted.ID, RevokeDeleted)
	return nil
}
