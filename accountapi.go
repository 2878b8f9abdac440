package accountapi

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/httpadapter"
	"github.com/accountapi/accountapi/mfa"
	"github.com/accountapi/accountapi/password"
	"github.com/accountapi/accountapi/verification"
)

// encryptionKeyLen is the length of an AES-256 key.
const encryptionKeyLen = 32

// API is the library assembled: the HTTP handlers of the Account and
// Management APIs and the services behind them, sharing one store, one
// settings cache, one password hasher, one lockout sentinel, one notifier and
// one connector set. It is safe for concurrent use.
type API struct {
	settings     *account.Settings
	hasher       *password.Hasher
	account      *account.Service
	admin        *account.Admin
	verification *verification.Service
	mfa          *mfa.Service
	mfaAdmin     *mfa.Admin
	accountH     *httpadapter.AccountHandler
	managementH  *httpadapter.ManagementHandler
	handler      http.Handler
}

// New checks cfg and builds the API. Its error names every missing or
// contradictory member of cfg, so a host fixes its configuration in one go;
// New itself touches neither the store nor the network.
func New(cfg Config) (*API, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	a := &API{}
	var err error
	pw := cfg.Password
	if pw.Rand == nil {
		pw.Rand = cfg.Rand
	}
	if a.hasher, err = password.New(pw); err != nil {
		return nil, fmt.Errorf("accountapi: Config.Password: %w", err)
	}
	center := DefaultAccountCenter()
	if cfg.AccountCenter != nil {
		center = *cfg.AccountCenter
	}
	if a.settings, err = account.NewSettings(account.SettingsConfig{
		Store: cfg.Store, CacheTTL: cfg.SettingsCacheTTL, Defaults: center, Policies: cfg.Policies, Now: cfg.Now,
	}); err != nil {
		return nil, fmt.Errorf("accountapi: Config.Policies: %w", err)
	}
	// One verification service owns the lockout sentinel; the MFA step-up
	// checks report to the same one, so that failed passwords, codes and TOTP
	// guesses count toward one lockout per identifier.
	if a.verification, err = verification.New(verification.Config{
		Store: cfg.Store, Hasher: a.hasher, Settings: a.settings, Notifier: cfg.Notifier,
		SendLimit: cfg.SendLimit, IsFirstParty: cfg.FirstParty, Connectors: cfg.Connectors,
		Events: cfg.Events, Now: cfg.Now, Rand: cfg.Rand,
	}); err != nil {
		return nil, fmt.Errorf("accountapi: %w", err)
	}
	if a.account, err = account.New(account.Config{
		Store: cfg.Store, Settings: a.settings, Hasher: a.hasher, Breach: cfg.Breach,
		IsFirstParty: cfg.FirstParty, Connectors: cfg.Connectors, Events: cfg.Events,
		Notifier: cfg.Notifier, Notices: cfg.Notices, Revoker: cfg.Revoker,
		Logger: cfg.Logger, Now: cfg.Now, Rand: cfg.Rand,
	}); err != nil {
		return nil, fmt.Errorf("accountapi: %w", err)
	}
	if a.admin, err = account.NewAdmin(account.AdminConfig{
		Store: cfg.Store, Hasher: a.hasher, Connectors: cfg.Connectors, Revoker: cfg.Revoker,
		Events: cfg.Events, Notifier: cfg.Notifier, Notices: cfg.Notices,
		Logger: cfg.Logger, Now: cfg.Now, Rand: cfg.Rand,
	}); err != nil {
		return nil, fmt.Errorf("accountapi: %w", err)
	}
	if a.mfa, err = mfa.New(mfa.Config{
		Store: cfg.Store, Settings: a.settings, EncryptionKeys: cfg.EncryptionKeys,
		TOTPIssuer: cfg.TOTPIssuer, WebAuthn: cfg.WebAuthn, Sentinel: a.verification.Sentinel(),
		IsFirstParty: cfg.FirstParty, Events: cfg.Events, Notifier: cfg.Notifier, Notices: cfg.Notices,
		Logger: cfg.Logger, Now: cfg.Now, Rand: cfg.Rand,
	}); err != nil {
		return nil, fmt.Errorf("accountapi: %w", err)
	}
	if a.mfaAdmin, err = mfa.NewAdmin(mfa.AdminConfig{
		Store: cfg.Store, EncryptionKeys: cfg.EncryptionKeys, TOTPIssuer: cfg.TOTPIssuer,
		Events: cfg.Events, Notifier: cfg.Notifier, Notices: cfg.Notices,
		Logger: cfg.Logger, Now: cfg.Now, Rand: cfg.Rand,
	}); err != nil {
		return nil, fmt.Errorf("accountapi: %w", err)
	}
	if a.accountH, err = httpadapter.NewAccountHandler(httpadapter.AccountConfig{
		Authenticator: cfg.Authenticator, Account: a.account, Verification: a.verification, MFA: a.mfa,
		MaxBodyBytes: cfg.MaxBodyBytes, Logger: cfg.Logger, Messages: cfg.Messages,
		AllowedOrigins: cfg.AllowedOrigins,
	}); err != nil {
		return nil, fmt.Errorf("accountapi: %w", err)
	}
	adminAuth := cfg.Management.Authenticator
	if adminAuth == nil {
		adminAuth = cfg.Authenticator
	}
	if a.managementH, err = httpadapter.NewManagementHandler(httpadapter.ManagementConfig{
		Authenticator: adminAuth, Authorize: cfg.Management.Authorize,
		Admin: a.admin, Settings: a.settings, MFA: a.mfaAdmin,
		MaxBodyBytes: cfg.MaxBodyBytes, Logger: cfg.Logger, Messages: cfg.Messages,
	}); err != nil {
		return nil, fmt.Errorf("accountapi: %w", err)
	}
	a.handler = httpadapter.Combine(a.accountH, a.managementH)
	return a, nil
}

// validate names every problem of cfg New can see before building anything.
func (cfg *Config) validate() error {
	var errs []error
	problem := func(format string, args ...any) { errs = append(errs, fmt.Errorf("accountapi: "+format, args...)) }
	if cfg.Store == nil {
		problem("Config.Store is nil: open a store (sqlite.Open, postgres.Open) and migrate it")
	}
	if cfg.Authenticator == nil {
		problem("Config.Authenticator is nil: give the verifier of your users' access tokens (e.g. bearer.NewJWKS)")
	}
	if cfg.FirstParty == nil {
		problem("Config.FirstParty is nil: give a predicate over your client ids, or accountapi.AllClientsFirstParty")
	}
	switch {
	case len(cfg.EncryptionKeys) == 0 && !cfg.InsecurePlaintextMFASecrets:
		problem("Config.EncryptionKeys is empty: give a 32-byte key to seal TOTP secrets and backup codes " +
			"(or set InsecurePlaintextMFASecrets, for tests only)")
	case len(cfg.EncryptionKeys) > 0 && cfg.InsecurePlaintextMFASecrets:
		problem("Config.InsecurePlaintextMFASecrets contradicts Config.EncryptionKeys: set one or the other")
	}
	for i, k := range cfg.EncryptionKeys {
		if len(k) != encryptionKeyLen {
			problem("Config.EncryptionKeys[%d] is %d bytes, want %d", i, len(k), encryptionKeyLen)
		}
	}
	if cfg.MaxBodyBytes < 0 {
		problem("Config.MaxBodyBytes is negative")
	}
	return errors.Join(errs...)
}

// Handler serves both APIs from one handler: the Account and Verification
// APIs (/api/my-account…, /api/verifications…), the Management API's user
// routes and settings (/api/users…, /api/account-center, /api/sign-in-exp,
// /api/connectors/…), GET /.well-known/webauthn and GET /api/openapi.json.
// Mount it wherever you like, with or without the prefix stripped:
//
//	mux.Handle("/account/", api.Handler())                            // prefix left in the path
//	mux.Handle("/account/", http.StripPrefix("/account", api.Handler())) // prefix stripped
//	r.Mount("/account", api.Handler())                                // chi
//
// Mount the two APIs apart, e.g. the Management API on an internal listener
// only, with AccountHandler and ManagementHandler.
func (a *API) Handler() http.Handler { return a.handler }

// AccountHandler serves the Account and Verification APIs, GET
// /.well-known/webauthn and GET /api/openapi.json.
func (a *API) AccountHandler() *httpadapter.AccountHandler { return a.accountH }

// ManagementHandler serves the Management API's user routes, the
// account-center settings and the sign-in experience's policies, to
// principals that [ManagementConfig] lets in.
func (a *API) ManagementHandler() *httpadapter.ManagementHandler { return a.managementH }

// Account is the use cases of /api/my-account, for hosts that call them from
// Go.
func (a *API) Account() *account.Service { return a.account }

// Admin is the use cases of the Management API's user routes.
func (a *API) Admin() *account.Admin { return a.admin }

// Verification is the use cases of /api/verifications: password checks,
// one-time codes, social verification, and the lockout sentinel they share
// (Verification().Sentinel()). Run Verification().DeleteExpired every few
// minutes to delete expired records and counters.
func (a *API) Verification() *verification.Service { return a.verification }

// MFA is the use cases of the Account API's MFA routes.
func (a *API) MFA() *mfa.Service { return a.mfa }

// MFAAdmin is the use cases of the Management API's MFA routes.
func (a *API) MFAAdmin() *mfa.Admin { return a.mfaAdmin }

// Settings serves the account-center settings and the sign-in experience's
// policies in force.
func (a *API) Settings() *account.Settings { return a.settings }

// Hasher is the password hasher every service uses, e.g. for a host's own
// sign-in page.
func (a *API) Hasher() *password.Hasher { return a.hasher }
