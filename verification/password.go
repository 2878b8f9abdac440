package verification

import (
	"context"
	"errors"
	"fmt"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/store"
)

// VerifyPassword applies POST /api/verifications/password
// (docs/compatibility.md, "Order of checks"): it checks the caller's password
// and returns a verified Password record, bound to the caller, that proves
// their identity for ten minutes.
//
// Each attempt is reserved with the lockout sentinel, under a hash of the user
// id, before the password is compared (Sentinel.Begin), so concurrent guesses
// never outnumber the attempts the policy allows, and a right password is
// refused while the user is blocked. A
// user without a password costs the same argon2id computation as a wrong
// password (docs/compatibility.md, "Password hashing"). A digest imported from
// Logto in another format is re-hashed to argon2id after it verifies. No
// record is stored on failure.
func (s *Service) VerifyPassword(ctx context.Context, c account.Caller, pw string) (*store.VerificationRecord, error) {
	if pw == "" {
		return nil, apierror.InvalidInput.WithParam("type", "body").WithDetails("password: expected a non-empty string")
	}
	if err := account.CheckFirstParty(ctx, s.isFirstParty, c); err != nil {
		return nil, err
	}
	target := Target(string(store.IdentifierUserID), c.UserID)
	if err := s.sentinel.Check(ctx, target); err != nil {
		return nil, err
	}
	u, err := s.store.GetUser(ctx, c.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, apierror.Unauthorized.WithCause(err)
	}
	if err != nil {
		return nil, fmt.Errorf("verification: loading user: %w", err)
	}

	attempt, err := s.sentinel.Begin(ctx, target)
	if err != nil {
		return nil, err
	}
	ok, err := s.checkPassword(ctx, u, pw)
	if err != nil {
		return nil, attempt.Abandon(ctx, err)
	}
	if !ok {
		return nil, attempt.Fail(ctx, u.ID, apierror.InvalidCredentials)
	}
	if err := attempt.Release(ctx); err != nil {
		return nil, err
	}
	if u.IsSuspended {
		return nil, apierror.UserSuspended
	}
	if s.hasher.NeedsRehash(u.PasswordDigest, u.PasswordAlgorithm) {
		if err := s.rehash(ctx, u, pw); err != nil {
			return nil, err
		}
	}

	r, err := s.newRecord(c, store.RecordPassword)
	if err != nil {
		return nil, err
	}
	r.UserID = c.UserID
	r.Verified = true
	r.Identifier = &store.Identifier{Type: store.IdentifierUserID, Value: c.UserID}
	if err := s.createRecord(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// checkPassword reports whether pw is u's password. A user without a password,
// or with a digest the hasher cannot check, costs a decoy computation and is
// a mismatch.
func (s *Service) checkPassword(ctx context.Context, u *store.User, pw string) (bool, error) {
	if !u.HasPassword() {
		if err := s.hasher.VerifyDecoy(ctx, pw); err != nil {
			return false, fmt.Errorf("verification: decoy password check: %w", err)
		}
		return false, nil
	}
	ok, err := s.hasher.Verify(ctx, pw, u.PasswordDigest, u.PasswordAlgorithm)
	switch {
	case ctx.Err() != nil:
		return false, ctx.Err()
	case err != nil:
		// A digest the hasher cannot check (malformed import, unknown
		// algorithm) never matches; the decoy keeps the timing of a real check.
		if derr := s.hasher.VerifyDecoy(ctx, pw); derr != nil {
			return false, fmt.Errorf("verification: decoy password check: %w", derr)
		}
		return false, nil
	}
	return ok, nil
}

// rehash replaces u's digest with an argon2id one, unless the digest changed
// meanwhile.
func (s *Service) rehash(ctx context.Context, u *store.User, pw string) error {
	digest, alg, err := s.hasher.Hash(ctx, pw)
	if err != nil {
		return fmt.Errorf("verification: re-hashing the password: %w", err)
	}
	var updated *store.User
	err = s.store.InTx(ctx, func(ctx context.Context, tx store.Store) error {
		cur, err := tx.LockUser(ctx, u.ID)
		if err != nil {
			return err
		}
		if cur.PasswordDigest != u.PasswordDigest || cur.PasswordAlgorithm != u.PasswordAlgorithm {
			return nil
		}
		cur.PasswordDigest, cur.PasswordAlgorithm = digest, alg
		cur.UpdatedAt = s.now()
		if err := tx.UpdateUser(ctx, cur); err != nil {
			return err
		}
		updated = cur
		return nil
	})
	if err != nil {
		return fmt.Errorf("verification: storing the re-hashed password: %w", err)
	}
	if updated != nil {
		s.events.Emit(ctx, event.Event{Name: event.UserDataUpdated, At: s.now(), UserID: u.ID, Data: account.Snapshot(updated)})
	}
	return nil
}
