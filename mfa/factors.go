package mfa

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/store"
)

// FactorSummary is one entry of a user's factor list, what Logto's
// transpileUserMfaVerifications keeps of a factor (docs/compatibility.md,
// "Factor list"): no secret, no credential.
type FactorSummary struct {
	ID        string
	Type      store.FactorType
	CreatedAt time.Time
	// LastUsedAt is when a WebAuthn factor last signed an assertion; zero if
	// never, and always zero for the other types, which Logto does not show.
	LastUsedAt time.Time
	// Agent is the User-Agent a WebAuthn factor was registered with ("" if
	// none); WebAuthn only.
	Agent string
	// Name is the user's label of a WebAuthn factor; nil if never named.
	Name *string
	// RemainCodes counts a backup-code factor's unused codes.
	RemainCodes int
}

// Summarize returns what the factor list shows of f (docs/compatibility.md,
// "Factor list").
func Summarize(f store.MFAFactor) FactorSummary {
	s := FactorSummary{ID: f.ID, Type: f.Type, CreatedAt: f.CreatedAt}
	switch f.Type {
	case store.FactorWebAuthn:
		s.LastUsedAt = f.LastUsedAt
		if f.WebAuthn != nil {
			s.Agent = f.WebAuthn.Agent
			if f.WebAuthn.Name != nil {
				n := *f.WebAuthn.Name
				s.Name = &n
			}
		}
	case store.FactorBackupCode:
		for _, c := range f.BackupCodes {
			if c.UsedAt.IsZero() {
				s.RemainCodes++
			}
		}
	}
	return s
}

// ListFactors applies GET /api/my-account/mfa-verifications
// (docs/compatibility.md, "Order of checks" and "Factor list"): 400
// account_center.field_not_enabled unless the mfa field is ReadOnly or Edit
// (the passkey field plays no part, as in Logto), then 401 auth.unauthorized
// without the identities scope. The factors come oldest first.
func (s *Service) ListFactors(ctx context.Context, c account.Caller) ([]FactorSummary, error) {
	ac, err := s.settings.Get(ctx)
	if err != nil {
		return nil, err
	}
	if err := requireReadable(ac.Fields.MFA); err != nil {
		return nil, err
	}
	if err := requireIdentitiesScope(c); err != nil {
		return nil, err
	}
	factors, err := s.store.ListMFAFactors(ctx, c.UserID)
	if err != nil {
		return nil, fmt.Errorf("mfa: listing factors: %w", err)
	}
	out := make([]FactorSummary, 0, len(factors))
	for _, f := range factors {
		out = append(out, Summarize(f))
	}
	return out, nil
}

// RenameWebAuthnFactor applies PATCH
// /api/my-account/mfa-verifications/{id}/name (docs/compatibility.md, "Order
// of checks"): it sets the name of the caller's WebAuthn factor id to name
// (any string, "" included). In order: 401
// verification_record.permission_denied without identity proof; 400
// account_center.field_not_editable unless the passkey field (or, while it is
// unset, mfa) is Edit; 401 auth.unauthorized without the identities scope; 403
// for a third-party client; 400 verification_record.not_found unless the
// caller has a WebAuthn factor with the id. User.Data.Updated follows.
func (s *Service) RenameWebAuthnFactor(ctx context.Context, c account.Caller, id, name string) error {
	if err := account.RequireIdentity(ctx, s.store, s.now(), c); err != nil {
		return err
	}
	ac, err := s.settings.Get(ctx)
	if err != nil {
		return err
	}
	if err := requireEditable(passkeyControl(ac.Fields)); err != nil {
		return err
	}
	if err := requireIdentitiesScope(c); err != nil {
		return err
	}
	if err := account.CheckFirstParty(ctx, s.isFirstParty, c); err != nil {
		return err
	}
	err = s.store.RenameWebAuthnCredential(ctx, c.UserID, id, &name)
	if errors.Is(err, store.ErrNotFound) {
		return apierror.RecordNotFound.WithCause(err)
	}
	if err != nil {
		return fmt.Errorf("mfa: renaming WebAuthn factor: %w", err)
	}
	s.emitUpdated(ctx, c.UserID)
	return nil
}

// DeleteFactor applies DELETE /api/my-account/mfa-verifications/{id}
// (docs/compatibility.md, "Order of checks" and "Deleting factors"): it
// removes the caller's factor id, of any type. In order: 401
// verification_record.permission_denied without identity proof; 401
// auth.unauthorized without the identities scope; 403 for a third-party
// client; 400 verification_record.not_found unless the caller has the factor;
// 400 account_center.field_not_editable unless the field of its type is Edit
// (passkey, or mfa while passkey is unset, for WebAuthn; mfa for the others).
// As in Logto there is no last-factor rule and the user's MFA flag is left as
// it is. User.Data.Updated follows, and the notice
// notify.NoticeMfaFactorRemoved to the user's email address.
func (s *Service) DeleteFactor(ctx context.Context, c account.Caller, id string) error {
	if err := account.RequireIdentity(ctx, s.store, s.now(), c); err != nil {
		return err
	}
	if err := requireIdentitiesScope(c); err != nil {
		return err
	}
	if err := account.CheckFirstParty(ctx, s.isFirstParty, c); err != nil {
		return err
	}
	f, err := s.store.GetMFAFactor(ctx, c.UserID, id)
	if errors.Is(err, store.ErrNotFound) {
		return apierror.RecordNotFound.WithCause(err)
	}
	if err != nil {
		return fmt.Errorf("mfa: reading factor: %w", err)
	}
	ac, err := s.settings.Get(ctx)
	if err != nil {
		return err
	}
	if err := requireEditable(controlFor(ac.Fields, f.Type)); err != nil {
		return err
	}
	err = s.store.DeleteMFAFactor(ctx, c.UserID, id)
	if errors.Is(err, store.ErrNotFound) {
		return apierror.RecordNotFound.WithCause(err)
	}
	if err != nil {
		return fmt.Errorf("mfa: deleting factor: %w", err)
	}
	s.factorChanged(ctx, c, notify.NoticeMfaFactorRemoved, f.Type)
	return nil
}
