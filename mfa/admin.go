package mfa

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/internal/notice"
	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/store"
)

// AdminStore is what the Management API's MFA use cases need of the store.
type AdminStore interface {
	store.Users
	store.MFAFactors
	store.Transactor
}

// AdminConfig configures an Admin. Zero members take the defaults their docs
// name.
type AdminConfig struct {
	// Store holds the users and their factors. Required.
	Store AdminStore
	// EncryptionKeys seal TOTP secrets and backup codes at rest, as
	// [Config.EncryptionKeys]. Give both the same keys: a factor sealed by
	// one must open with the other's.
	EncryptionKeys [][]byte
	// TOTPIssuer names the service in authenticator apps; "" means the host
	// name the API was reached at, as Logto's Management API does (else
	// "accountapi").
	TOTPIssuer string
	// Events receives User.Data.Updated when factors or flags change; nil
	// discards them.
	Events event.Sink
	// Notifier sends notify.NoticeMfaFactorAdded and
	// notify.NoticeMfaFactorRemoved to the user's email address, in the
	// default language (the request is the administrator's), after an
	// administrator adds or removes a factor; as [Config.Notifier]. nil
	// sends none; a notifier's failure is logged, and the change stands.
	Notifier notify.Notifier
	// Notices turns notices off one by one, as [Config.Notices].
	Notices account.Notices
	// Logger receives the failures the use cases survive (a notice after a
	// committed change); nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the randomness for secrets, codes and ids; nil means
	// crypto/rand.Reader.
	Rand io.Reader
}

// Admin is the Management API's MFA use cases (docs/compatibility.md,
// "Management API routes"): what an administrator may do to any user's factors
// and MFA flags. Unlike [Service] it checks neither the account center nor the
// enabled-factor policy (the sign-in experience's mfa.factors), needs no
// identity proof and leaves the user's logtoConfig.mfa.enabled alone, as
// Logto's Management API does. Every method answers 404 entity.not_found when
// there is no such user.
type Admin struct {
	store      AdminStore
	sealer     *sealer
	totpIssuer string
	events     event.Sink
	notices    *notice.Sender
	now        func() time.Time
	rand       io.Reader
}

// NewAdmin returns an Admin.
func NewAdmin(cfg AdminConfig) (*Admin, error) {
	if cfg.Store == nil {
		return nil, errors.New("mfa: AdminConfig.Store is nil")
	}
	if err := cfg.Notices.Validate(); err != nil {
		return nil, fmt.Errorf("mfa: AdminConfig.%w", err)
	}
	a := &Admin{store: cfg.Store, totpIssuer: cfg.TOTPIssuer, events: cfg.Events, now: cfg.Now, rand: cfg.Rand}
	if a.events == nil {
		a.events = event.Discard{}
	}
	a.notices = notice.New(cfg.Notifier, cfg.Notices.On, cfg.Logger)
	if a.now == nil {
		a.now = time.Now
	}
	if a.rand == nil {
		a.rand = rand.Reader
	}
	s, err := newSealer(cfg.EncryptionKeys, a.rand)
	if err != nil {
		return nil, err
	}
	a.sealer = s
	return a, nil
}

// ListFactors applies GET /api/users/{userId}/mfa-verifications: the user's
// factors, oldest first, as docs/compatibility.md, "Factor list", shows them.
func (a *Admin) ListFactors(ctx context.Context, userID string) ([]FactorSummary, error) {
	if _, err := a.user(ctx, a.store, userID); err != nil {
		return nil, err
	}
	factors, err := a.store.ListMFAFactors(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("mfa: listing factors: %w", err)
	}
	out := make([]FactorSummary, 0, len(factors))
	for _, f := range factors {
		out = append(out, Summarize(f))
	}
	return out, nil
}

// CreateTOTP applies POST /api/users/{userId}/mfa-verifications with type
// "Totp": it gives the user a TOTP factor with secret, or with a generated
// secret (20 random bytes, base32) when secret is nil, and returns the secret
// with its otpauth URI and QR code for the administrator to hand over. The
// URI's issuer is [AdminConfig.TOTPIssuer] or cl.Host, its label the user's
// name, primary email, phone number or username, else "Unnamed User".
//
// In Logto's order: 422 user.totp_already_in_use when the user has a TOTP
// factor (of concurrent creates exactly one succeeds), 422
// user.totp_secret_invalid for a secret that is not 16 to 32 characters of
// upper-case base32 (400 on the Account API, 422 here). The secret is sealed
// when keys are configured; no code is asked for, so nothing proves the
// secret reached an authenticator. User.Data.Updated follows, and
// notify.NoticeMfaFactorAdded to the user's email address.
func (a *Admin) CreateTOTP(ctx context.Context, userID string, secret *string, cl Client) (*TOTPSecret, error) {
	var key *otp.Key
	err := a.store.InTx(ctx, func(ctx context.Context, tx store.Store) error {
		u, err := a.user(ctx, tx, userID)
		if err != nil {
			return err
		}
		factors, err := tx.ListMFAFactors(ctx, userID)
		if err != nil {
			return fmt.Errorf("mfa: listing factors: %w", err)
		}
		if findFactor(factors, store.FactorTOTP) != nil {
			return apierror.TOTPAlreadyInUse
		}
		raw, err := a.totpSecret(secret)
		if err != nil {
			return err
		}
		key, err = totpKey(raw, cmp.Or(a.totpIssuer, cl.Host, "accountapi"), totpLabel(u))
		if err != nil {
			return err
		}
		plain := key.Secret()
		if secret != nil {
			// Stored as sent, padding included, as Logto stores it; the
			// code check reads either form.
			plain = *secret
		}
		id, err := store.NewID(a.rand)
		if err != nil {
			return fmt.Errorf("mfa: making an id: %w", err)
		}
		sealed, err := a.sealer.seal(plain, totpOwner(userID))
		if err != nil {
			return err
		}
		f := &store.MFAFactor{ID: id, UserID: userID, Type: store.FactorTOTP, CreatedAt: a.now(), TOTP: &store.TOTP{Secret: sealed}}
		return a.mapWrite(tx.CreateMFAFactor(ctx, f))
	})
	if err != nil {
		return nil, err
	}
	a.factorChanged(ctx, userID, notify.NoticeMfaFactorAdded, store.FactorTOTP)
	qr, err := qrDataURL(key)
	if err != nil {
		return nil, err
	}
	out := &TOTPSecret{Secret: key.Secret(), KeyURI: key.URL(), QRCode: qr}
	if secret != nil {
		out.Secret = *secret
	}
	return out, nil
}

// totpSecret returns the raw bytes of the secret to bind: secret decoded, or
// fresh random bytes when it is nil.
func (a *Admin) totpSecret(secret *string) ([]byte, error) {
	if secret == nil {
		raw := make([]byte, totpSecretBytes)
		if _, err := io.ReadFull(a.rand, raw); err != nil {
			return nil, fmt.Errorf("mfa: reading randomness: %w", err)
		}
		return raw, nil
	}
	if !ValidTOTPSecret(*secret) {
		return nil, apierror.TOTPSecretInvalid.WithStatus(422)
	}
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(*secret, "="))
	if err != nil {
		// ValidTOTPSecret accepts only what decodes.
		return nil, apierror.TOTPSecretInvalid.WithStatus(422).WithCause(err)
	}
	return raw, nil
}

// totpKey is the otpauth key of raw with RFC 6238's parameters, which are
// also what [Service.GenerateTOTPSecret] hands out.
func totpKey(raw []byte, issuer, label string) (*otp.Key, error) {
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: issuer, AccountName: label, Secret: raw,
		Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return nil, fmt.Errorf("mfa: building the otpauth URI: %w", err)
	}
	return key, nil
}

// CreateBackupCodes applies POST /api/users/{userId}/mfa-verifications with
// type "BackupCode": it gives the user codes, or ten generated codes when
// codes is nil, and returns them. In Logto's order: 422
// user.backup_code_already_in_use when the user has a set with an unused
// code, 422 session.mfa.backup_code_can_not_be_alone when the user has no
// TOTP or WebAuthn factor, 422 user.wrong_backup_code_format unless codes are
// ten codes of ten hexadecimal characters. The codes are stored as given,
// each sealed when keys are configured; the checks and the insert run with
// the user's row locked. User.Data.Updated follows, and
// notify.NoticeMfaFactorAdded to the user's email address.
func (a *Admin) CreateBackupCodes(ctx context.Context, userID string, codes []string) ([]string, error) {
	if codes == nil {
		codes = make([]string, backupCodeCount)
		for i := range codes {
			c, err := store.RandomString(a.rand, backupCodeLength, backupCodeAlphabet)
			if err != nil {
				return nil, fmt.Errorf("mfa: generating backup codes: %w", err)
			}
			codes[i] = c
		}
	}
	err := a.store.InTx(ctx, func(ctx context.Context, tx store.Store) error {
		if _, err := a.user(ctx, tx, userID); err != nil {
			return err
		}
		factors, err := tx.ListMFAFactors(ctx, userID)
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
		id, err := store.NewID(a.rand)
		if err != nil {
			return fmt.Errorf("mfa: making an id: %w", err)
		}
		f := &store.MFAFactor{ID: id, UserID: userID, Type: store.FactorBackupCode, CreatedAt: a.now()}
		for _, code := range codes {
			sealed, err := a.sealer.seal(code, backupCodeOwner(userID))
			if err != nil {
				return err
			}
			f.BackupCodes = append(f.BackupCodes, store.BackupCode{Code: sealed})
		}
		return a.mapWrite(tx.CreateMFAFactor(ctx, f))
	})
	if err != nil {
		return nil, err
	}
	a.factorChanged(ctx, userID, notify.NoticeMfaFactorAdded, store.FactorBackupCode)
	return codes, nil
}

// DeleteFactor applies DELETE
// /api/users/{userId}/mfa-verifications/{verificationId}: it removes the
// user's factor id, of any type, or answers 404 entity.not_found. As in
// Logto there is no last-factor rule and the MFA flag stays.
// User.Data.Updated follows, and notify.NoticeMfaFactorRemoved to the
// user's email address.
func (a *Admin) DeleteFactor(ctx context.Context, userID, id string) error {
	if _, err := a.user(ctx, a.store, userID); err != nil {
		return err
	}
	// The factor is read first for its type, which the notice names.
	f, err := a.store.GetMFAFactor(ctx, userID, id)
	if err == nil {
		err = a.store.DeleteMFAFactor(ctx, userID, id)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return apierror.EntityNotFound.WithCause(err)
	case err != nil:
		return fmt.Errorf("mfa: deleting factor: %w", err)
	}
	a.factorChanged(ctx, userID, notify.NoticeMfaFactorRemoved, f.Type)
	return nil
}

// LogtoConfig applies GET /api/users/{userId}/logto-configs: the user's MFA
// and passkey sign-in flags.
func (a *Admin) LogtoConfig(ctx context.Context, userID string) (store.LogtoConfig, error) {
	u, err := a.user(ctx, a.store, userID)
	if err != nil {
		return store.LogtoConfig{}, err
	}
	return u.LogtoConfig, nil
}

// UpdateLogtoConfig applies PATCH /api/users/{userId}/logto-configs: it
// writes the members of p that are set and returns the flags. Unlike the
// Account API's route it needs no proof and no field control.
// User.Data.Updated follows.
func (a *Admin) UpdateLogtoConfig(ctx context.Context, userID string, p LogtoConfigPatch) (store.LogtoConfig, error) {
	var updated *store.User
	err := a.store.InTx(ctx, func(ctx context.Context, tx store.Store) error {
		u, err := a.user(ctx, tx, userID)
		if err != nil {
			return err
		}
		lc := &u.LogtoConfig
		setIfSent(&lc.MFA.Skipped, p.MFA.Skipped)
		setIfSent(&lc.MFA.AdditionalBindingSuggestionSkipped, p.MFA.AdditionalBindingSuggestionSkipped)
		setIfSent(&lc.MFA.SkipMfaOnSignIn, p.MFA.SkipMfaOnSignIn)
		setIfSent(&lc.PasskeySignIn.Skipped, p.PasskeySignIn.Skipped)
		if p.MFA.Enabled != nil {
			on := *p.MFA.Enabled
			lc.MFA.Enabled = &on
		}
		u.UpdatedAt = a.now()
		if err := tx.UpdateUser(ctx, u); err != nil {
			return fmt.Errorf("mfa: updating the user: %w", err)
		}
		updated = u
		return nil
	})
	if err != nil {
		return store.LogtoConfig{}, err
	}
	a.events.Emit(ctx, event.Event{Name: event.UserDataUpdated, At: a.now(), UserID: userID, Data: account.Snapshot(updated)})
	return updated.LogtoConfig, nil
}

// user loads the addressed user, locking its row inside a transaction: 404
// entity.not_found if there is none.
func (a *Admin) user(ctx context.Context, users store.Users, id string) (*store.User, error) {
	u, err := users.LockUser(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, apierror.EntityNotFound.WithCause(err)
	}
	if err != nil {
		return nil, fmt.Errorf("mfa: loading user: %w", err)
	}
	return u, nil
}

// mapWrite turns the store's answer to CreateMFAFactor into the Management
// API's: a concurrent TOTP bind is 422, a user deleted meanwhile 404.
func (a *Admin) mapWrite(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrDuplicateTOTP):
		return apierror.TOTPAlreadyInUse.WithCause(err)
	case errors.Is(err, store.ErrNotFound):
		return apierror.EntityNotFound.WithCause(err)
	}
	return fmt.Errorf("mfa: storing the factor: %w", err)
}

// factorChanged follows a committed change of a factor of type t:
// User.Data.Updated, then the notice typ (notify.NoticeMfaFactorAdded or
// notify.NoticeMfaFactorRemoved) to the user's email address, in the
// default language.
func (a *Admin) factorChanged(ctx context.Context, userID string, typ store.TemplateType, t store.FactorType) {
	u, err := a.store.GetUser(ctx, userID)
	if err != nil {
		return
	}
	a.events.Emit(ctx, event.Event{Name: event.UserDataUpdated, At: a.now(), UserID: userID, Data: account.Snapshot(u)})
	a.notices.ToUser(ctx, u, notice.From{}, typ, notify.Notice{At: a.now(), Factor: t})
}
