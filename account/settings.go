package account

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/store"
)

// DefaultSettingsCacheTTL is how long a Settings keeps the account-center
// settings before reading them again.
const DefaultSettingsCacheTTL = time.Second

// SettingsConfig configures a Settings.
type SettingsConfig struct {
	// Store holds the settings.
	Store store.Settings
	// CacheTTL bounds how stale the settings may be: a change made through
	// this Settings is seen at once; a change made elsewhere (another replica,
	// another process) is seen within CacheTTL. Zero means
	// DefaultSettingsCacheTTL; a negative value disables the cache.
	CacheTTL time.Duration
	// Defaults are the settings while the store has none. The zero value is
	// Logto's for a new tenant: the account center disabled, every field Off.
	Defaults store.AccountCenter
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Settings serves the account-center settings (reference/logto-contract.md §6):
// whether the Account API is on, and how it exposes each field. Every Account
// API request reads them, so Settings keeps them in memory for at most
// SettingsConfig.CacheTTL; a replica therefore sees another's change within that
// bound, and its own at once.
type Settings struct {
	store    store.Settings
	ttl      time.Duration
	now      func() time.Time
	defaults store.AccountCenter

	mu     sync.Mutex
	cached *store.AccountCenter
	until  time.Time
}

// NewSettings returns a Settings.
func NewSettings(cfg SettingsConfig) (*Settings, error) {
	if cfg.Store == nil {
		return nil, errors.New("account: SettingsConfig.Store is nil")
	}
	s := &Settings{store: cfg.Store, ttl: cfg.CacheTTL, now: cfg.Now, defaults: cloneSettings(cfg.Defaults)}
	if s.ttl == 0 {
		s.ttl = DefaultSettingsCacheTTL
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Get returns the settings: the stored ones, or the defaults if none were
// ever saved. The result is the caller's to modify.
func (s *Settings) Get(ctx context.Context) (store.AccountCenter, error) {
	now := s.now()
	s.mu.Lock()
	if s.cached != nil && now.Before(s.until) {
		ac := cloneSettings(*s.cached)
		s.mu.Unlock()
		return ac, nil
	}
	s.mu.Unlock()

	ac, err := s.load(ctx)
	if err != nil {
		return store.AccountCenter{}, err
	}
	s.remember(ac, now)
	return cloneSettings(ac), nil
}

func (s *Settings) load(ctx context.Context) (store.AccountCenter, error) {
	stored, err := s.store.GetAccountCenter(ctx)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return cloneSettings(s.defaults), nil
	case err != nil:
		return store.AccountCenter{}, fmt.Errorf("account: reading account-center settings: %w", err)
	}
	return *stored, nil
}

func (s *Settings) remember(ac store.AccountCenter, now time.Time) {
	if s.ttl < 0 {
		return
	}
	c := cloneSettings(ac)
	s.mu.Lock()
	s.cached, s.until = &c, now.Add(s.ttl)
	s.mu.Unlock()
}

// SettingsPatch is the body of PATCH /api/account-center: every member is
// optional, and a sent member replaces the stored one wholesale (a sent Fields
// object turns every field it omits Off, as in Logto).
type SettingsPatch struct {
	Enabled                Optional[bool]
	Fields                 Optional[store.AccountCenterFields]
	WebAuthnRelatedOrigins Optional[[]string]
	// DeleteAccountURL: "" and null both clear it; otherwise an http(s) URL.
	DeleteAccountURL Optional[*string]
	CustomCSS        Optional[*string]
	ProfileFields    Optional[[]store.ProfileField]
}

// Update applies p and returns the new settings. It answers
// guard.invalid_input for a control that is not Off, ReadOnly or Edit, an
// origin that is not an http(s) origin, or a bad deleteAccountUrl, and
// request.invalid_input for duplicate profile-field names. Concurrent updates
// are last-writer-wins per request (the settings are one row).
func (s *Settings) Update(ctx context.Context, p SettingsPatch) (store.AccountCenter, error) {
	if err := p.validate(); err != nil {
		return store.AccountCenter{}, err
	}
	ac, err := s.load(ctx)
	if err != nil {
		return store.AccountCenter{}, err
	}
	if p.Enabled.Set {
		ac.Enabled = p.Enabled.Value
	}
	if p.Fields.Set {
		ac.Fields = p.Fields.Value
		// Trusted devices are a Logto development feature the library does
		// not serve; Logto strips the key when dev features are off.
		ac.Fields.TrustedDevice = ""
	}
	if p.WebAuthnRelatedOrigins.Set {
		ac.WebAuthnRelatedOrigins = dedupe(p.WebAuthnRelatedOrigins.Value)
	}
	if p.DeleteAccountURL.Set {
		ac.DeleteAccountURL = ""
		if v := p.DeleteAccountURL.Value; v != nil {
			ac.DeleteAccountURL = *v
		}
	}
	if p.CustomCSS.Set {
		ac.CustomCSS = p.CustomCSS.Value
	}
	if p.ProfileFields.Set {
		ac.ProfileFields = slices.Clone(p.ProfileFields.Value)
		if !p.ProfileFields.Null && ac.ProfileFields == nil {
			ac.ProfileFields = []store.ProfileField{}
		}
	}
	ac.UpdatedAt = s.now()
	if err := s.store.SaveAccountCenter(ctx, &ac); err != nil {
		return store.AccountCenter{}, fmt.Errorf("account: saving account-center settings: %w", err)
	}
	s.remember(ac, ac.UpdatedAt)
	return cloneSettings(ac), nil
}

func (p SettingsPatch) validate() error {
	if p.Enabled.Set && p.Enabled.Null {
		return invalidBody("enabled: expected boolean, got null")
	}
	if p.Fields.Set {
		if p.Fields.Null {
			return invalidBody("fields: expected object, got null")
		}
		if err := validateControls(p.Fields.Value); err != nil {
			return err
		}
	}
	if p.WebAuthnRelatedOrigins.Set {
		if p.WebAuthnRelatedOrigins.Null {
			return invalidBody("webauthnRelatedOrigins: expected array, got null")
		}
		for i, o := range p.WebAuthnRelatedOrigins.Value {
			if !isOrigin(o) {
				return invalidBody(fmt.Sprintf("webauthnRelatedOrigins[%d]: expected an http(s) origin such as https://example.com", i))
			}
		}
	}
	if p.DeleteAccountURL.Set && p.DeleteAccountURL.Value != nil && *p.DeleteAccountURL.Value != "" {
		v := *p.DeleteAccountURL.Value
		if len(v) > 2048 || !isHTTPURL(v) {
			return invalidBody("deleteAccountUrl: expected an http(s) URL of at most 2048 characters")
		}
	}
	if p.ProfileFields.Set && !p.ProfileFields.Null {
		seen := map[string]bool{}
		for _, f := range p.ProfileFields.Value {
			if seen[f.Name] {
				return apierror.RequestInvalidInput.WithParam("details", "Duplicate profile field names.")
			}
			seen[f.Name] = true
		}
	}
	return nil
}

func validateControls(f store.AccountCenterFields) error {
	controls := map[string]store.Control{
		"name": f.Name, "avatar": f.Avatar, "profile": f.Profile, "email": f.Email, "phone": f.Phone,
		"password": f.Password, "username": f.Username, "social": f.Social, "customData": f.CustomData,
		"mfa": f.MFA, "passkey": f.Passkey, "session": f.Session, "trustedDevice": f.TrustedDevice,
		"deleteAccount": f.DeleteAccount,
	}
	for name, c := range controls {
		switch c {
		case "", store.ControlOff, store.ControlReadOnly, store.ControlEdit:
		default:
			return invalidBody(fmt.Sprintf("fields.%s: expected one of Off, ReadOnly, Edit", name))
		}
	}
	return nil
}

func isOrigin(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" &&
		u.Path == "" && u.RawQuery == "" && u.Fragment == "" && u.User == nil
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

func dedupe(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func cloneSettings(ac store.AccountCenter) store.AccountCenter {
	ac.WebAuthnRelatedOrigins = slices.Clone(ac.WebAuthnRelatedOrigins)
	ac.ProfileFields = slices.Clone(ac.ProfileFields)
	if ac.CustomCSS != nil {
		css := *ac.CustomCSS
		ac.CustomCSS = &css
	}
	return ac
}

// invalidBody is the guard error of a request body that does not match its
// schema.
func invalidBody(details string) *apierror.Error {
	return apierror.InvalidInput.WithParam("type", "body").WithDetails(details)
}
