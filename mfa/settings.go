package mfa

import (
	"context"
	"errors"
	"fmt"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/store"
)

// MFASettings is the body of GET and PATCH /api/my-account/mfa-settings.
type MFASettings struct {
	// SkipMfaOnSignIn is the user's logtoConfig.mfa.skipMfaOnSignIn.
	SkipMfaOnSignIn bool
}

// MFASettings applies GET /api/my-account/mfa-settings (docs/compatibility.md,
// "Order of checks"): without the identities scope 401 auth.unauthorized, then
// unless the mfa field is ReadOnly or Edit 400
// account_center.field_not_enabled.
func (s *Service) MFASettings(ctx context.Context, c account.Caller) (MFASettings, error) {
	if err := requireIdentitiesScope(c); err != nil {
		return MFASettings{}, err
	}
	ac, err := s.settings.Get(ctx)
	if err != nil {
		return MFASettings{}, err
	}
	if err := requireReadable(ac.Fields.MFA); err != nil {
		return MFASettings{}, err
	}
	u, err := s.caller(ctx, c)
	if err != nil {
		return MFASettings{}, err
	}
	return MFASettings{SkipMfaOnSignIn: u.LogtoConfig.MFA.SkipMfaOnSignIn}, nil
}

// UpdateMFASettings applies PATCH /api/my-account/mfa-settings
// (docs/compatibility.md, "Order of checks"): it sets the caller's
// logtoConfig.mfa.skipMfaOnSignIn after checking, in Logto's order, identity
// proof (401 verification_record.permission_denied), the identities scope (401
// auth.unauthorized), the first-party guard (403) and that the mfa field is
// Edit (400 account_center.field_not_editable). It emits User.Data.Updated.
func (s *Service) UpdateMFASettings(ctx context.Context, c account.Caller, skipMfaOnSignIn bool) (MFASettings, error) {
	u, err := s.updateLogtoConfig(ctx, c, func(f store.AccountCenterFields) store.Control { return f.MFA },
		func(lc *store.LogtoConfig) { lc.MFA.SkipMfaOnSignIn = skipMfaOnSignIn })
	if err != nil {
		return MFASettings{}, err
	}
	return MFASettings{SkipMfaOnSignIn: u.LogtoConfig.MFA.SkipMfaOnSignIn}, nil
}

// LogtoConfig applies GET /api/my-account/logto-configs
// (docs/compatibility.md, "MFA settings and logto-configs"): the caller's MFA
// and passkey sign-in flags. Without the identities scope 401
// auth.unauthorized; then the passkey field, or the mfa field while passkey is
// unset, must be ReadOnly or Edit, else 400 account_center.field_not_enabled.
func (s *Service) LogtoConfig(ctx context.Context, c account.Caller) (store.LogtoConfig, error) {
	if err := requireIdentitiesScope(c); err != nil {
		return store.LogtoConfig{}, err
	}
	ac, err := s.settings.Get(ctx)
	if err != nil {
		return store.LogtoConfig{}, err
	}
	if err := requireReadable(passkeyControl(ac.Fields)); err != nil {
		return store.LogtoConfig{}, err
	}
	u, err := s.caller(ctx, c)
	if err != nil {
		return store.LogtoConfig{}, err
	}
	return u.LogtoConfig, nil
}

// LogtoConfigPatch is the body of PATCH /api/my-account/logto-configs: each
// member that is not nil is written, the others are kept.
type LogtoConfigPatch struct {
	MFA struct {
		Enabled                            *bool
		Skipped                            *bool
		AdditionalBindingSuggestionSkipped *bool
		SkipMfaOnSignIn                    *bool
	}
	PasskeySignIn struct {
		Skipped *bool
	}
}

// UpdateLogtoConfig applies PATCH /api/my-account/logto-configs
// (docs/compatibility.md, "MFA settings and logto-configs"): it merges p into
// the caller's flags and returns them, after checking identity proof (401
// verification_record.permission_denied), the identities scope (401
// auth.unauthorized), the first-party guard (403) and that the passkey field,
// or the mfa field while passkey is unset, is Edit (400
// account_center.field_not_editable). It emits User.Data.Updated.
func (s *Service) UpdateLogtoConfig(ctx context.Context, c account.Caller, p LogtoConfigPatch) (store.LogtoConfig, error) {
	u, err := s.updateLogtoConfig(ctx, c, passkeyControl, func(lc *store.LogtoConfig) {
		setIfSent(&lc.MFA.Skipped, p.MFA.Skipped)
		setIfSent(&lc.MFA.AdditionalBindingSuggestionSkipped, p.MFA.AdditionalBindingSuggestionSkipped)
		setIfSent(&lc.MFA.SkipMfaOnSignIn, p.MFA.SkipMfaOnSignIn)
		setIfSent(&lc.PasskeySignIn.Skipped, p.PasskeySignIn.Skipped)
		if p.MFA.Enabled != nil {
			on := *p.MFA.Enabled
			lc.MFA.Enabled = &on
		}
	})
	if err != nil {
		return store.LogtoConfig{}, err
	}
	return u.LogtoConfig, nil
}

// updateLogtoConfig runs the checks of the PATCH routes on the caller's
// logtoConfig — proof, the identities scope, the first-party guard, the
// field control returns — then applies change to the caller's flags with the
// user locked, and emits User.Data.Updated.
func (s *Service) updateLogtoConfig(ctx context.Context, c account.Caller, control func(store.AccountCenterFields) store.Control, change func(*store.LogtoConfig)) (*store.User, error) {
	if err := account.RequireIdentity(ctx, s.store, s.now(), c); err != nil {
		return nil, err
	}
	if err := requireIdentitiesScope(c); err != nil {
		return nil, err
	}
	if err := account.CheckFirstParty(ctx, s.isFirstParty, c); err != nil {
		return nil, err
	}
	ac, err := s.settings.Get(ctx)
	if err != nil {
		return nil, err
	}
	if err := requireEditable(control(ac.Fields)); err != nil {
		return nil, err
	}
	var updated *store.User
	err = s.store.InTx(ctx, func(ctx context.Context, tx store.Store) error {
		u, err := tx.LockUser(ctx, c.UserID)
		if errors.Is(err, store.ErrNotFound) {
			return apierror.Unauthorized.WithCause(err)
		}
		if err != nil {
			return fmt.Errorf("mfa: locking the user: %w", err)
		}
		change(&u.LogtoConfig)
		u.UpdatedAt = s.now()
		if err := tx.UpdateUser(ctx, u); err != nil {
			return fmt.Errorf("mfa: updating the user: %w", err)
		}
		updated = u
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.emitUpdated(ctx, c.UserID)
	return updated, nil
}

// setIfSent writes *v to dst when v is not nil.
func setIfSent(dst *bool, v *bool) {
	if v != nil {
		*dst = *v
	}
}
