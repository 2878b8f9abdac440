package mfa

import (
	"context"
	"fmt"
	"regexp"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/store"
)

// Backup codes as Logto makes them (docs/compatibility.md, "Backup codes"):
// ten codes of ten lowercase hexadecimal characters, 40 bits each.
const (
	backupCodeCount    = 10
	backupCodeLength   = 10
	backupCodeAlphabet = "0123456789abcdef"
)

// backupCodeFormat is the format a bound code must have: Logto checks it
// case-insensitively and stores the code as sent.
var backupCodeFormat = regexp.MustCompile(`^[0-9a-fA-F]{10}$`)

// GenerateBackupCodes applies POST
// /api/my-account/mfa-verifications/backup-codes/generate
// (docs/compatibility.md, "Order of checks"): ten fresh codes for the caller
// to keep and then bind with [Service.BindBackupCodes]. Nothing is stored, and
// the route needs no scope, field control or identity proof.
func (s *Service) GenerateBackupCodes(ctx context.Context) ([]string, error) {
	codes := make([]string, backupCodeCount)
	for i := range codes {
		c, err := store.RandomString(s.rand, backupCodeLength, backupCodeAlphabet)
		if err != nil {
			return nil, fmt.Errorf("mfa: generating backup codes: %w", err)
		}
		codes[i] = c
	}
	return codes, nil
}

// BindBackupCodes applies POST /api/my-account/mfa-verifications with type
// "BackupCode" (docs/compatibility.md, "Order of checks" and "Backup codes"):
// it gives the caller a set of backup codes, after checking, in Logto's order,
// identity proof, the mfa field, the identities scope, the first-party guard
// and the enabled-factor policy (as [Service.BindTOTP] does), then that the
// caller has no set with an unused code left (422
// user.backup_code_already_in_use), that the caller has a TOTP or WebAuthn
// factor, since backup codes only stand in for another factor (422
// session.mfa.backup_code_can_not_be_alone), and that codes are exactly ten
// codes of ten hexadecimal characters in either case (422
// user.wrong_backup_code_format).
//
// The codes are stored as sent, each sealed when [Config.EncryptionKeys] are
// set; an exhausted older set stays, as in Logto. Binding sets the user's
// logtoConfig.mfa.enabled, emits User.Data.Updated and sends
// notify.NoticeMfaFactorAdded to the user's email address. The checks on the
// user's factors and the insert run in one transaction with the user locked,
// so that concurrent binds leave at most one set with unused codes.
func (s *Service) BindBackupCodes(ctx context.Context, c account.Caller, codes []string) error {
	if err := s.factorChecks(ctx, c, store.FactorBackupCode); err != nil {
		return err
	}
	id, err := store.NewID(s.rand)
	if err != nil {
		return fmt.Errorf("mfa: making an id: %w", err)
	}
	err = s.store.InTx(ctx, func(ctx context.Context, tx store.Store) error {
		if err := s.markMFAEnabled(ctx, tx, c.UserID); err != nil {
			return err
		}
		factors, err := tx.ListMFAFactors(ctx, c.UserID)
		if err != nil {
			return fmt.Errorf("mfa: listing factors: %w", err)
		}
		if cur := currentBackupCodes(factors); cur != nil && hasUnusedCode(*cur) {
			return apierror.BackupCodeAlreadyInUse
		}
		if findFactor(factors, store.FactorTOTP) == nil && findFactor(factors, store.FactorWebAuthn) == nil {
			return apierror.BackupCodeCannotBeAlone
		}
		if !validBackupCodes(codes) {
			return apierror.WrongBackupCodeFormat
		}
		f := &store.MFAFactor{ID: id, UserID: c.UserID, Type: store.FactorBackupCode, CreatedAt: s.now()}
		for _, code := range codes {
			sealed, err := s.sealer.seal(code, backupCodeOwner(c.UserID))
			if err != nil {
				return err
			}
			f.BackupCodes = append(f.BackupCodes, store.BackupCode{Code: sealed})
		}
		return mapFactorWrite(tx.CreateMFAFactor(ctx, f))
	})
	if err != nil {
		return err
	}
	s.factorChanged(ctx, c, notify.NoticeMfaFactorAdded, store.FactorBackupCode)
	return nil
}

// BackupCodes applies GET /api/my-account/mfa-verifications/backup-codes
// (docs/compatibility.md, "Order of checks" and "Backup codes"): the caller's
// current backup codes, each with the time it was used (zero while unused),
// after checking identity proof (401 verification_record.permission_denied)
// and the identities scope (401 auth.unauthorized); a caller without backup
// codes gets 404 verification_record.not_found. No field control applies, as
// in Logto.
//
// Logto shows the first set ever bound, which after a re-bind is an exhausted
// old set while the codes the user can still use are hidden; this shows the
// newest set instead, the only one that can have unused codes.
func (s *Service) BackupCodes(ctx context.Context, c account.Caller) ([]store.BackupCode, error) {
	if err := account.RequireIdentity(ctx, s.store, s.now(), c); err != nil {
		return nil, err
	}
	if err := requireIdentitiesScope(c); err != nil {
		return nil, err
	}
	factors, err := s.store.ListMFAFactors(ctx, c.UserID)
	if err != nil {
		return nil, fmt.Errorf("mfa: listing factors: %w", err)
	}
	f := currentBackupCodes(factors)
	if f == nil {
		return nil, apierror.RecordNotFound.WithStatus(404)
	}
	out := make([]store.BackupCode, len(f.BackupCodes))
	for i, bc := range f.BackupCodes {
		plain, err := s.sealer.open(bc.Code, backupCodeOwner(c.UserID))
		if err != nil {
			return nil, fmt.Errorf("mfa: opening a backup code: %w", err)
		}
		out[i] = store.BackupCode{Code: plain, UsedAt: bc.UsedAt}
	}
	return out, nil
}

// currentBackupCodes returns the user's newest backup-code set, or nil if
// there is none. A set with an unused code is the newest: a set can only be
// bound while every older one is exhausted, and codes are never un-used.
// Otherwise the last set in the store's order (by creation time) is.
func currentBackupCodes(factors []store.MFAFactor) *store.MFAFactor {
	var newest *store.MFAFactor
	for i := range factors {
		f := &factors[i]
		if f.Type != store.FactorBackupCode {
			continue
		}
		if hasUnusedCode(*f) {
			return f
		}
		newest = f
	}
	return newest
}

// hasUnusedCode reports whether a backup-code set has a code left.
func hasUnusedCode(f store.MFAFactor) bool {
	for _, c := range f.BackupCodes {
		if c.UsedAt.IsZero() {
			return true
		}
	}
	return false
}

// validBackupCodes is Logto's validateBackupCodes: exactly ten codes of ten
// hexadecimal characters.
func validBackupCodes(codes []string) bool {
	if len(codes) != backupCodeCount {
		return false
	}
	for _, c := range codes {
		if !backupCodeFormat.MatchString(c) {
			return false
		}
	}
	return true
}
