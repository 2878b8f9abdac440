package mfa

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/internal/notice"
	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/verification"
)

// Store is what the MFA use cases need of the store.
type Store interface {
	store.Users
	store.MFAFactors
	store.VerificationRecords
	store.Lockouts
	store.Transactor
}

// Client is what the HTTP request says about where a call comes from, for
// the WebAuthn relying party and the TOTP issuer. The adapter fills it in.
type Client struct {
	// Host is the host name the API was reached at, without a port.
	Host string
	// Origin is the API's origin as the request reached it,
	// scheme://host[:port].
	Origin string
	// UserAgent is the browser's User-Agent ("" if absent).
	UserAgent string
}

// WebAuthnConfig describes the WebAuthn relying party.
type WebAuthnConfig struct {
	// RPID is the relying-party id passkeys are scoped to; "" means the host
	// name of each request, as Logto does. Set it when the API is reached
	// under several host names that should share passkeys (e.g. the
	// registrable domain "example.com").
	RPID string
	// RPDisplayName is shown by authenticators; "" means the RP id.
	RPDisplayName string
	// Origins are the origins responses may come from besides the account
	// center's webauthnRelatedOrigins; nil means the origin of each request
	// (its scheme and Host). Set it behind a proxy that terminates TLS.
	Origins []string
	// Timeout is how long the browser waits for the user; zero means 60 s.
	Timeout time.Duration
}

// Config configures a Service. Zero members take the defaults their docs name.
type Config struct {
	// Store holds the factors. Required.
	Store Store
	// Settings serves the account-center settings and the sign-in
	// experience's policies, among them the enabled-factor policy (Logto's
	// mfa.factors and passkeySignIn.enabled, account.Policies), read on
	// every request. Required; share the account Service's.
	Settings *account.Settings
	// EncryptionKeys seal TOTP secrets and backup codes at rest with
	// AES-256-GCM. Each key is 32 bytes; the first seals, every key opens, so
	// a key is rotated by putting the new one first. Empty stores them in
	// plain text.
	EncryptionKeys [][]byte
	// TOTPIssuer names the service in authenticator apps (the otpauth
	// issuer); "" means the request's host name.
	TOTPIssuer string
	// WebAuthn describes the relying party.
	WebAuthn WebAuthnConfig
	// Sentinel is the lockout sentinel the step-up checks (TOTP and backup
	// codes) report their failures to; share the verification.Service's
	// (its Sentinel method). nil builds one over Store whose policy is the
	// Settings'.
	Sentinel *verification.Sentinel
	// IsFirstParty, as in account.Config.
	IsFirstParty account.FirstPartyFunc
	// Events receives User.Data.Updated when factors change; nil discards.
	Events event.Sink
	// Notifier sends the security notices notify.NoticeMfaFactorAdded and
	// notify.NoticeMfaFactorRemoved to the user's email address, in the
	// request's locale, after a factor is bound or removed. Give it the
	// verification Service's notifier. nil sends none; a notifier's failure
	// is logged, and the change stands.
	Notifier notify.Notifier
	// Notices turns notices off one by one, as account.Config.Notices (the
	// MfaFactorAdded and MfaFactorRemoved switches apply here); the zero
	// value sends them all.
	Notices account.Notices
	// Logger receives the failures the use cases survive (a notice after a
	// committed change); nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the randomness for secrets, codes, challenges and ids; nil
	// means crypto/rand.Reader.
	Rand io.Reader
}

// Service is the MFA use cases: binding, listing, renaming and removing a
// user's TOTP, backup-code and WebAuthn factors, the WebAuthn ceremonies,
// and step-up verification with a factor.
type Service struct {
	store        Store
	settings     *account.Settings
	sealer       *sealer
	totpIssuer   string
	webauthn     WebAuthnConfig
	sentinel     *verification.Sentinel
	isFirstParty account.FirstPartyFunc
	events       event.Sink
	notices      *notice.Sender
	now          func() time.Time
	rand         io.Reader
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("mfa: Config.Store is nil")
	}
	if cfg.Settings == nil {
		return nil, errors.New("mfa: Config.Settings is nil")
	}
	if err := cfg.WebAuthn.validate(); err != nil {
		return nil, err
	}
	if err := cfg.Notices.Validate(); err != nil {
		return nil, fmt.Errorf("mfa: Config.%w", err)
	}
	s := &Service{
		store: cfg.Store, settings: cfg.Settings, totpIssuer: cfg.TOTPIssuer, webauthn: cfg.WebAuthn,
		isFirstParty: cfg.IsFirstParty, events: cfg.Events, now: cfg.Now, rand: cfg.Rand,
	}
	if s.webauthn.Timeout == 0 {
		s.webauthn.Timeout = 60 * time.Second
	}
	if s.events == nil {
		s.events = event.Discard{}
	}
	s.notices = notice.New(cfg.Notifier, cfg.Notices.On, cfg.Logger)
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	sealer, err := newSealer(cfg.EncryptionKeys, s.rand)
	if err != nil {
		return nil, err
	}
	s.sealer = sealer
	s.sentinel = cfg.Sentinel
	if s.sentinel == nil {
		sentinel, err := verification.NewSentinel(verification.SentinelConfig{
			Store: cfg.Store, Policy: cfg.Settings.LockoutPolicy, Events: s.events, Now: s.now,
		})
		if err != nil {
			return nil, err
		}
		s.sentinel = sentinel
	}
	return s, nil
}

// enabled reports whether the effective policies let users bind factor t:
// it is among the enabled factors, or it is WebAuthn and passkey sign-in is
// on (account.Policies.FactorEnabled). The policies can change at run time
// (PATCH /api/sign-in-exp), so every request reads them.
func (s *Service) enabled(ctx context.Context, t store.FactorType) (bool, error) {
	p, err := s.settings.Policies(ctx)
	if err != nil {
		return false, err
	}
	return p.FactorEnabled(t), nil
}

// requireEnabled answers 400 session.mfa.mfa_factor_not_enabled unless users
// may bind factor t.
func (s *Service) requireEnabled(ctx context.Context, t store.FactorType) error {
	ok, err := s.enabled(ctx, t)
	if err != nil {
		return err
	}
	if !ok {
		return apierror.MFAFactorNotEnabled
	}
	return nil
}

// passkeyControl is the control of the passkey field, which falls back to the
// mfa field while it is unset (docs/compatibility.md, "Scopes and field
// controls").
func passkeyControl(f store.AccountCenterFields) store.Control {
	if f.Passkey != "" {
		return f.Passkey
	}
	return f.MFA
}

// controlFor is the control that governs a factor of type t: passkey (or mfa)
// for WebAuthn, mfa for the others.
func controlFor(f store.AccountCenterFields, t store.FactorType) store.Control {
	if t == store.FactorWebAuthn {
		return passkeyControl(f)
	}
	return f.MFA
}

// requireScope answers auth.unauthorized with status when the caller lacks
// the identities scope, which every MFA route of the Account API needs.
func requireIdentitiesScope(c account.Caller) error {
	if c.HasScope(account.ScopeIdentities) {
		return nil
	}
	return apierror.Unauthorized.WithStatus(401)
}

func requireEditable(c store.Control) error {
	if c.Editable() {
		return nil
	}
	return apierror.FieldNotEditable
}

func requireReadable(c store.Control) error {
	if c.Readable() {
		return nil
	}
	return apierror.FieldNotEnabled
}

// emitUpdated sends User.Data.Updated for the user after a factor change.
func (s *Service) emitUpdated(ctx context.Context, userID string) {
	s.updated(ctx, userID)
}

// updated sends User.Data.Updated for the user after a change and returns
// the user as stored now; nil if it cannot be read (nothing is sent then).
func (s *Service) updated(ctx context.Context, userID string) *store.User {
	u, err := s.store.GetUser(ctx, userID)
	if err != nil {
		return nil
	}
	s.events.Emit(ctx, event.Event{Name: event.UserDataUpdated, At: s.now(), UserID: userID, Data: account.Snapshot(u)})
	return u
}

// factorChanged follows a committed bind (typ notify.NoticeMfaFactorAdded)
// or removal (notify.NoticeMfaFactorRemoved) of a factor of type t:
// User.Data.Updated, then the notice to the user's email address in the
// caller's locale.
func (s *Service) factorChanged(ctx context.Context, c account.Caller, typ store.TemplateType, t store.FactorType) {
	u := s.updated(ctx, c.UserID)
	s.notices.ToUser(ctx, u, notice.From{Locale: c.Locale, ClientID: c.ClientID}, typ, notify.Notice{At: s.now(), Factor: t})
}

// setMFAEnabled marks the user's MFA enabled after a factor is bound, inside
// the binding transaction.
func setMFAEnabled(ctx context.Context, tx store.Store, userID string, now time.Time) error {
	u, err := tx.LockUser(ctx, userID)
	if err != nil {
		return err
	}
	on := true
	u.LogtoConfig.MFA.Enabled = &on
	u.UpdatedAt = now
	return tx.UpdateUser(ctx, u)
}
