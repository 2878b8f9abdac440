package account

import (
	"context"
	"fmt"

	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/internal/notice"
	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/store"
)

// VerifyPassword applies POST /api/users/{userId}/password/verify
// (docs/compatibility.md, "Management API routes"): nil when pw is the user's
// password, 422 session.invalid_credentials when it is not or the user has
// none, 404 entity.not_found without such a user, 400 guard.invalid_input for
// an empty pw.
//
// A user without a password, or with a digest the hasher cannot check, costs
// the same Argon2id computation as a wrong password (docs/compatibility.md,
// "Password hashing"), so the answer's timing does not tell the two apart. A
// digest imported in another format, or with other parameters, is re-hashed to
// Argon2id after it verifies, as the Verification API does. As in Logto the
// check counts no failures (the lockout sentinel guards end users' own
// attempts; this route is the administrator's) and ignores suspension.
func (a *Admin) VerifyPassword(ctx context.Context, id, pw string) error {
	if pw == "" {
		return invalidBody("password: expected a non-empty string")
	}
	u, err := a.GetUser(ctx, id)
	if err != nil {
		return err
	}
	ok, err := a.checkPassword(ctx, u, pw)
	if err != nil {
		return err
	}
	if !ok {
		return apierror.InvalidCredentials
	}
	if a.hasher.NeedsRehash(u.PasswordDigest, u.PasswordAlgorithm) {
		return a.rehash(ctx, u, pw)
	}
	return nil
}

// checkPassword reports whether pw is u's password, with a decoy computation
// where there is no digest to check.
func (a *Admin) checkPassword(ctx context.Context, u *store.User, pw string) (bool, error) {
	if u.HasPassword() {
		ok, err := a.hasher.Verify(ctx, pw, u.PasswordDigest, u.PasswordAlgorithm)
		switch {
		case ctx.Err() != nil:
			return false, ctx.Err()
		case err == nil:
			return ok, nil
		}
		// A digest the hasher cannot check (a malformed import, an unknown
		// algorithm) matches nothing; the decoy below keeps the timing.
	}
	if err := a.hasher.VerifyDecoy(ctx, pw); err != nil {
		return false, fmt.Errorf("account: decoy password check: %w", err)
	}
	return false, nil
}

// rehash replaces u's digest with an Argon2id one unless the digest changed
// since u was read (a concurrent PATCH …/password wins).
func (a *Admin) rehash(ctx context.Context, u *store.User, pw string) error {
	digest, alg, err := a.hasher.Hash(ctx, pw)
	if err != nil {
		return fmt.Errorf("account: re-hashing the password: %w", err)
	}
	var updated *store.User
	err = a.store.InTx(ctx, func(ctx context.Context, tx store.Store) error {
		cur, err := lockAdminUser(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		if cur.PasswordDigest != u.PasswordDigest || cur.PasswordAlgorithm != u.PasswordAlgorithm {
			return nil
		}
		cur.PasswordDigest, cur.PasswordAlgorithm = digest, alg
		cur.UpdatedAt = a.now()
		if err := mapUserWrite(tx.UpdateUser(ctx, cur)); err != nil {
			return err
		}
		updated = cur
		return nil
	})
	if err != nil {
		return err
	}
	if updated != nil {
		a.emitUpdated(ctx, updated)
	}
	return nil
}

// SetPassword applies PATCH /api/users/{userId}/password
// (docs/compatibility.md, "Management API routes"): it sets the user's
// password, hashed with Argon2id, with no password policy (as Logto's
// Management API), marks it not expired and returns the updated user. 400
// guard.invalid_input for an empty password.
//
// After the change commits the user's email address is sent
// notify.NoticePasswordChanged (in the default language), and the
// configured [SessionRevoker] is called with [RevokePasswordReset]. As for a
// suspension, the revoker's error is returned (the route answers 500 and
// logs it): an administrator resets a password to shut someone out, and
// must learn that tokens the host issued may still be live. The new
// password stays committed; repeating the request retries the revocation.
func (a *Admin) SetPassword(ctx context.Context, id, pw string) (*store.User, error) {
	if pw == "" {
		return nil, invalidBody("password: expected a non-empty string")
	}
	// Hash before taking the row lock: the computation takes a while and
	// needs no data of the user. A missing user costs one wasted hash.
	if _, err := a.GetUser(ctx, id); err != nil {
		return nil, err
	}
	digest, alg, err := a.hasher.Hash(ctx, pw)
	if err != nil {
		return nil, fmt.Errorf("account: hashing the password: %w", err)
	}
	u, err := a.updateUser(ctx, id, func(_ context.Context, _ store.Store, u *store.User) error {
		u.PasswordDigest, u.PasswordAlgorithm = digest, alg
		u.PasswordUpdatedAt, u.IsPasswordExpired = a.now(), false
		return nil
	})
	if err != nil {
		return nil, err
	}
	a.notices.ToUser(ctx, u, notice.From{}, notify.NoticePasswordChanged, notify.Notice{At: u.PasswordUpdatedAt})
	if a.revoker != nil {
		if err := a.revoker.RevokeSessions(ctx, u.ID, RevokePasswordReset); err != nil {
			return nil, fmt.Errorf("account: the password is reset but revoking the user's sessions failed: %w", err)
		}
	}
	return u, nil
}

// HasPassword applies GET /api/users/{userId}/has-password
// (docs/compatibility.md, "Management API routes").
func (a *Admin) HasPassword(ctx context.Context, id string) (bool, error) {
	u, err := a.GetUser(ctx, id)
	if err != nil {
		return false, err
	}
	return u.HasPassword(), nil
}
