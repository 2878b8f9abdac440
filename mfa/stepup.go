package mfa

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/verification"
)

// Step-up verification with a TOTP or backup-code factor is ours
// (docs/compatibility.md, "Step-up verification with an MFA factor"): Logto's
// Verification API can prove identity only with a password or a code sent to
// the user's own address, which leaves users who sign in without a password,
// and have no email or phone, unable to pass the routes that need
// logto-verification-id. The records made here count as that proof
// (account.IdentityVerified) and expire after verification.RecordTTL, like
// every record.

// stepUpTarget is the lockout sentinel's target for the caller's MFA
// step-ups: TOTP and backup-code guesses share one pool per user, so that
// alternating between them gains an attacker nothing.
func stepUpTarget(userID string) string { return verification.Target("mfa", userID) }

// VerifyTOTP applies POST /api/verifications/totp/verify (ours): it checks
// code against the caller's TOTP factor and returns a verified record of type
// store.RecordTOTP, bound to the caller, that proves their identity.
//
// In order: the first-party guard (403); the lockout sentinel (400
// session.verification_blocked_too_many_attempts); a caller without a TOTP
// factor, or with TOTP not among the enabled factors ([account.Policies]),
// gets 400 session.mfa.mfa_factor_not_enabled; a code that is not the factor's
// code for the current time step give or take one, or whose step is not later
// than the last step accepted, gets 400 session.mfa.invalid_totp_code and
// counts as a failure for the sentinel. An accepted code's step is stored with
// a compare-and-set, so a code is accepted at most once even when sent
// concurrently (RFC 6238 §5.2; docs/compatibility.md, "TOTP codes are accepted
// once") — including a code that was used to bind the factor. A suspended user
// gets 401 user.suspended after a right code, as with passwords.
func (s *Service) VerifyTOTP(ctx context.Context, c account.Caller, code string) (*store.VerificationRecord, error) {
	u, f, err := s.stepUpFactor(ctx, c, store.FactorTOTP)
	if err != nil {
		return nil, err
	}
	target := stepUpTarget(c.UserID)
	secret, err := s.sealer.open(f.TOTP.Secret, totpOwner(c.UserID))
	if err != nil {
		return nil, fmt.Errorf("mfa: opening the TOTP secret: %w", err)
	}
	// The attempt is reserved before the code is judged, so that
	// concurrent guesses never outnumber the attempts the policy allows.
	attempt, err := s.sentinel.Begin(ctx, target)
	if err != nil {
		return nil, err
	}
	now := s.now()
	step, ok, err := matchTOTP(secret, code, now)
	if err != nil {
		return nil, attempt.Abandon(ctx, err)
	}
	if !ok || step <= f.TOTP.LastUsedStep {
		return nil, attempt.Fail(ctx, c.UserID, apierror.InvalidTOTPCode)
	}
	switch err := s.useTOTPStep(ctx, u, f, step, now); {
	case errors.Is(err, store.ErrConflict):
		// Another request accepted this step (or a later one) first.
		return nil, attempt.Fail(ctx, c.UserID, apierror.InvalidTOTPCode.WithCause(err))
	case err != nil:
		return nil, attempt.Abandon(ctx, err)
	}
	if err := attempt.Release(ctx); err != nil {
		return nil, err
	}
	return s.createStepUpRecord(ctx, c, store.RecordTOTP, f.ID)
}

// useTOTPStep stores the accepted step of a right code: 401 user.suspended
// for a suspended user, store.ErrConflict when another request accepted this
// step or a later one first.
func (s *Service) useTOTPStep(ctx context.Context, u *store.User, f *store.MFAFactor, step int64, now time.Time) error {
	if u.IsSuspended {
		return apierror.UserSuspended
	}
	switch err := s.store.UseTOTPStep(ctx, f.ID, step, now); {
	case errors.Is(err, store.ErrConflict):
		return err
	case errors.Is(err, store.ErrNotFound):
		// The factor was removed meanwhile.
		return apierror.MFAFactorNotEnabled.WithCause(err)
	case err != nil:
		return fmt.Errorf("mfa: storing the TOTP step: %w", err)
	}
	return nil
}

// VerifyBackupCode applies POST /api/verifications/backup-code/verify (ours):
// it uses up one of the caller's backup codes and returns a verified record
// of type store.RecordBackupCode, bound to the caller, that proves their
// identity.
//
// The checks are [Service.VerifyTOTP]'s with backup codes: no set (or backup
// codes not among the enabled factors) gets 400
// session.mfa.mfa_factor_not_enabled; a code that is none of the caller's
// unused codes gets 400 session.mfa.invalid_backup_code and counts as a
// failure for the sentinel. Codes are compared in constant time, ignoring
// letter case (they are hexadecimal). The code is marked used, with its
// usedAt, by the store exactly once: of concurrent requests with one code
// exactly one succeeds (docs/compatibility.md, "One-time secrets are consumed
// atomically").
func (s *Service) VerifyBackupCode(ctx context.Context, c account.Caller, code string) (*store.VerificationRecord, error) {
	u, _, err := s.stepUpFactor(ctx, c, store.FactorBackupCode)
	if err != nil {
		return nil, err
	}
	target := stepUpTarget(c.UserID)
	factors, err := s.store.ListMFAFactors(ctx, c.UserID)
	if err != nil {
		return nil, fmt.Errorf("mfa: listing factors: %w", err)
	}
	attempt, err := s.sentinel.Begin(ctx, target)
	if err != nil {
		return nil, err
	}
	hit, index, err := s.matchBackupCode(c.UserID, factors, code)
	if err != nil {
		return nil, attempt.Abandon(ctx, err)
	}
	if hit == nil {
		return nil, attempt.Fail(ctx, c.UserID, apierror.InvalidBackupCode)
	}
	if u.IsSuspended {
		return nil, attempt.Abandon(ctx, apierror.UserSuspended)
	}
	switch err := s.store.UseBackupCode(ctx, hit.ID, index, s.now()); {
	case errors.Is(err, store.ErrNotFound):
		// Used by a concurrent request first, or the set was removed.
		return nil, attempt.Fail(ctx, c.UserID, apierror.InvalidBackupCode.WithCause(err))
	case err != nil:
		return nil, attempt.Abandon(ctx, fmt.Errorf("mfa: using the backup code: %w", err))
	}
	if err := attempt.Release(ctx); err != nil {
		return nil, err
	}
	return s.createStepUpRecord(ctx, c, store.RecordBackupCode, hit.ID)
}

// matchBackupCode returns the factor and index of the unused backup code
// that code is, or nil.
func (s *Service) matchBackupCode(userID string, factors []store.MFAFactor, code string) (*store.MFAFactor, int, error) {
	// Every unused code of every set is compared, without stopping at a
	// match, so the time taken does not say where a code is.
	var hit *store.MFAFactor
	index := -1
	given := []byte(strings.ToLower(code))
	for i := range factors {
		f := &factors[i]
		if f.Type != store.FactorBackupCode {
			continue
		}
		for j, bc := range f.BackupCodes {
			plain, err := s.sealer.open(bc.Code, backupCodeOwner(userID))
			if err != nil {
				return nil, 0, fmt.Errorf("mfa: opening a backup code: %w", err)
			}
			if subtle.ConstantTimeCompare([]byte(strings.ToLower(plain)), given) == 1 && bc.UsedAt.IsZero() {
				hit, index = f, j
			}
		}
	}
	return hit, index, nil
}

// stepUpFactor runs the checks that open a step-up — the first-party guard,
// the lockout sentinel, the enabled-factor policy — and returns the caller
// and their first factor of type t (400 session.mfa.mfa_factor_not_enabled
// if there is none).
func (s *Service) stepUpFactor(ctx context.Context, c account.Caller, t store.FactorType) (*store.User, *store.MFAFactor, error) {
	if err := account.CheckFirstParty(ctx, s.isFirstParty, c); err != nil {
		return nil, nil, err
	}
	if err := s.sentinel.Check(ctx, stepUpTarget(c.UserID)); err != nil {
		return nil, nil, err
	}
	u, err := s.caller(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	if err := s.requireEnabled(ctx, t); err != nil {
		return nil, nil, err
	}
	factors, err := s.store.ListMFAFactors(ctx, c.UserID)
	if err != nil {
		return nil, nil, fmt.Errorf("mfa: listing factors: %w", err)
	}
	f := findFactor(factors, t)
	if f == nil {
		return nil, nil, apierror.MFAFactorNotEnabled
	}
	return u, f, nil
}

// createStepUpRecord stores a verified record of typ, bound to and created by
// the caller, naming the factor it was verified with.
func (s *Service) createStepUpRecord(ctx context.Context, c account.Caller, typ store.RecordType, factorID string) (*store.VerificationRecord, error) {
	id, err := store.NewID(s.rand)
	if err != nil {
		return nil, fmt.Errorf("mfa: making an id: %w", err)
	}
	now := s.now()
	r := &store.VerificationRecord{
		ID: id, Type: typ, UserID: c.UserID, CreatedBy: c.UserID,
		CreatedAt: now, ExpiresAt: now.Add(verification.RecordTTL),
		Verified:   true,
		Identifier: &store.Identifier{Type: store.IdentifierUserID, Value: c.UserID},
		FactorID:   factorID,
	}
	if err := s.store.CreateVerificationRecord(ctx, r); err != nil {
		return nil, fmt.Errorf("mfa: storing the verification record: %w", err)
	}
	return r, nil
}
