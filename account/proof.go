package account

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/store"
)

// IdentityVerified reports whether the caller's logto-verification-id names a
// record that proves their identity (docs/compatibility.md, "Identity proof"):
// an unexpired record bound to the caller, verified, and of a kind that proves
// identity — a password check, a code sent to the caller's own address with
// the UserPermissionValidation template, or one of the step-up records (TOTP,
// backup code, passkey). A record that does not qualify is not an error.
func IdentityVerified(ctx context.Context, records store.VerificationRecords, now time.Time, c Caller) (bool, error) {
	if c.VerificationRecordID == "" {
		return false, nil
	}
	r, err := records.GetVerificationRecord(ctx, c.VerificationRecordID, now)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("account: reading identity proof: %w", err)
	}
	if r.UserID == "" || r.UserID != c.UserID || !r.Verified {
		return false, nil
	}
	switch r.Type {
	case store.RecordPassword, store.RecordTOTP, store.RecordBackupCode, store.RecordWebAuthnAuthentication:
		return true, nil
	case store.RecordEmailCode, store.RecordPhoneCode:
		return r.TemplateType == store.TemplateUserPermission, nil
	}
	return false, nil
}

// RequireIdentity answers 401 verification_record.permission_denied unless
// the caller offers identity proof.
func RequireIdentity(ctx context.Context, records store.VerificationRecords, now time.Time, c Caller) error {
	ok, err := IdentityVerified(ctx, records, now, c)
	if err != nil {
		return err
	}
	if !ok {
		return apierror.PermissionDenied
	}
	return nil
}

// NewIdentifierRecord returns the verified record of type typ that the caller
// offers as proof of a new identifier (docs/compatibility.md, "New-identifier
// records"), or 400 verification_record.not_found: missing, expired, of
// another type or not verified. Stricter than Logto (docs/compatibility.md,
// "New-identifier records belong to their creator"): the record must have been
// created by the caller, so a record id that leaks cannot bind one user's
// proven address to another's account.
func NewIdentifierRecord(ctx context.Context, records store.VerificationRecords, now time.Time, c Caller, id string, typ store.RecordType) (*store.VerificationRecord, error) {
	r, err := records.GetVerificationRecord(ctx, id, now)
	if errors.Is(err, store.ErrNotFound) {
		return nil, apierror.RecordNotFound.WithCause(err)
	}
	if err != nil {
		return nil, fmt.Errorf("account: reading verification record: %w", err)
	}
	if r.Type != typ || !r.Verified || r.CreatedBy != c.UserID {
		return nil, apierror.RecordNotFound
	}
	return r, nil
}

// requireConditionalIdentity applies the rule of the routes that need proof
// only from a user who has something to prove it with: a password, a primary
// email or a primary phone.
func (s *Service) requireConditionalIdentity(ctx context.Context, c Caller, u *store.User) error {
	if !hasSecurityVerificationMethod(u) {
		return nil
	}
	return RequireIdentity(ctx, s.store, s.now(), c)
}
