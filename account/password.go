package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/password"
	"github.com/accountapi/accountapi/store"
)

// SetPassword applies POST /api/my-account/password (docs/compatibility.md,
// "Order of checks" and "Profile, username and password rules"): it sets the
// caller's password after the password policy accepts it. A user with a
// password, a primary email or a primary phone must offer identity proof; a
// user with none of these may set a first password without.
//
// After the change commits: User.Data.Updated, the notice
// notify.NoticePasswordChanged to the user's email address (when
// [Config.Notifier] is set), and [Config.Revoker] with
// [RevokePasswordChanged].
func (s *Service) SetPassword(ctx context.Context, c Caller, newPassword string) error {
	if newPassword == "" {
		return invalidBody("password: expected a non-empty string")
	}
	if err := s.checkFirstParty(ctx, c); err != nil {
		return err
	}
	u, err := getUser(ctx, s.store, c.UserID)
	if err != nil {
		return err
	}
	if err := s.requireConditionalIdentity(ctx, c, u); err != nil {
		return err
	}
	ac, err := s.settings.Get(ctx)
	if err != nil {
		return err
	}
	if err := requireEditable(ac.Fields.Password); err != nil {
		return err
	}
	pol, err := s.settings.Policies(ctx)
	if err != nil {
		return err
	}
	issues, err := pol.Password.Check(ctx, newPassword, userInfo(u), s.breach)
	if err != nil {
		return fmt.Errorf("account: checking the password policy: %w", err)
	}
	if len(issues) > 0 {
		return apierror.PasswordRejected.WithData(issues)
	}
	if u.HasPassword() {
		same, err := s.hasher.Verify(ctx, newPassword, u.PasswordDigest, u.PasswordAlgorithm)
		switch {
		case errors.Is(err, password.ErrMalformedDigest), errors.Is(err, password.ErrUnsupportedAlgorithm):
			// A stored digest the hasher cannot check cannot equal the new
			// password; replacing it is exactly what the user needs.
		case err != nil:
			return fmt.Errorf("account: comparing with the current password: %w", err)
		case same:
			return apierror.SamePassword
		}
	}
	digest, alg, err := s.hasher.Hash(ctx, newPassword)
	if err != nil {
		return fmt.Errorf("account: hashing the password: %w", err)
	}

	var updated *store.User
	err = s.store.InTx(ctx, func(ctx context.Context, tx store.Store) error {
		u, err := lockUser(ctx, tx, c.UserID)
		if err != nil {
			return err
		}
		now := s.now()
		u.PasswordDigest, u.PasswordAlgorithm = digest, alg
		u.PasswordUpdatedAt, u.IsPasswordExpired = now, false
		u.UpdatedAt = now
		if err := mapUserWrite(tx.UpdateUser(ctx, u)); err != nil {
			return err
		}
		updated = u
		return nil
	})
	if err != nil {
		return err
	}
	s.emitUpdated(ctx, updated)
	s.notices.ToUser(ctx, updated, from(c), notify.NoticePasswordChanged, notify.Notice{At: updated.PasswordUpdatedAt})
	revoke(ctx, s.revoker, s.log, updated.ID, RevokePasswordChanged)
	return nil
}

func userInfo(u *store.User) password.UserInfo {
	info := password.UserInfo{Username: u.Username, Email: u.PrimaryEmail, Phone: u.PrimaryPhone}
	if u.Name != nil {
		info.Name = *u.Name
	}
	return info
}
