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
// settings and the sign-in experience's policies before reading them again.
const DefaultSettingsCacheTTL = time.Second

// SettingsConfig configures a Settings.
type SettingsConfig struct {
	// Store holds the settings. Required.
	Store store.Settings
	// CacheTTL bounds how stale the account-center settings and the
	// sign-in experience's policies may be: a change made through this
	// Settings is seen at once; a change made elsewhere (another replica,
	// another process) is seen within CacheTTL. Zero means
	// DefaultSettingsCacheTTL; a negative value disables the cache.
	CacheTTL time.Duration
	// Defaults are the account-center settings while the store has none. The
	// zero value is Logto's for a new tenant: the account center disabled,
	// every field Off.
	Defaults store.AccountCenter
	// Policies are the host's sign-in-experience policies: each is in force
	// until an administrator stores a replacement with PATCH
	// /api/sign-in-exp. The zero value is Logto's defaults (see [Policies]);
	// NewSettings refuses policies no service could apply.
	Policies Policies
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Settings serves the settings every request depends on: the account-center
// settings (docs/compatibility.md, "Account-center settings") — whether the
// Account API is on, and how it exposes each field — and the sign-in
// experience's policies ([Policies]). Both live in the store; Settings keeps
// each in memory for at most SettingsConfig.CacheTTL, so a replica sees
// another's change within that bound, and its own at once. Share one Settings
// between the services of a process.
type Settings struct {
	store    store.Settings
	ttl      time.Duration
	now      func() time.Time
	defaults store.AccountCenter
	policies Policies // the host's, every default spelled out

	mu sync.Mutex
	ac cached[store.AccountCenter]
	pl cached[Policies]
}

// cached is a value read from the store, fresh until until. gen counts the
// writes made through the Settings, so that a read which started before a
// write cannot replace what the write cached.
type cached[T any] struct {
	val   T
	ok    bool
	until time.Time
	gen   uint64
}

func (c *cached[T]) fresh(now time.Time) bool { return c.ok && now.Before(c.until) }

// NewSettings returns a Settings.
func NewSettings(cfg SettingsConfig) (*Settings, error) {
	if cfg.Store == nil {
		return nil, errors.New("account: SettingsConfig.Store is nil")
	}
	if err := cfg.Policies.validate(); err != nil {
		return nil, fmt.Errorf("account: SettingsConfig.Policies: %w", err)
	}
	s := &Settings{
		store: cfg.Store, ttl: cfg.CacheTTL, now: cfg.Now, defaults: cloneSettings(cfg.Defaults),
		policies: cfg.Policies.withDefaults(),
	}
	if s.ttl == 0 {
		s.ttl = DefaultSettingsCacheTTL
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Get returns the account-center settings: the stored ones, or the defaults
// if none were ever saved. The result is the caller's to modify.
func (s *Settings) Get(ctx context.Context) (store.AccountCenter, error) {
	now := s.now()
	s.mu.Lock()
	if s.ac.fresh(now) {
		ac := cloneSettings(s.ac.val)
		s.mu.Unlock()
		return ac, nil
	}
	gen := s.ac.gen
	s.mu.Unlock()

	ac, err := s.load(ctx)
	if err != nil {
		return store.AccountCenter{}, err
	}
	s.mu.Lock()
	remember(&s.ac, cloneSettings(ac), now.Add(s.ttl), gen, s.ttl)
	s.mu.Unlock()
	return ac, nil
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

// remember caches v in c until until, unless the cache is off or a write
// went through the Settings since the read of v began (gen): that write's
// value is newer. The caller holds the mutex.
func remember[T any](c *cached[T], v T, until time.Time, gen uint64, ttl time.Duration) {
	if ttl < 0 || gen != c.gen {
		return
	}
	c.val, c.ok, c.until = v, true, until
}

// wrote caches v, written through the Settings at now, and makes every read
// begun before it too old to be cached. The caller holds the mutex.
func wrote[T any](c *cached[T], v T, now time.Time, ttl time.Duration) {
	c.gen++
	if ttl < 0 {
		return
	}
	c.val, c.ok, c.until = v, true, now.Add(ttl)
}

// Policies returns the effective sign-in-experience policies: the host's
// defaults, each replaced wholesale by the stored policy of the same name if
// an administrator stored one. Every default is spelled out (Password is not
// nil). The result is the caller's to modify.
func (s *Settings) Policies(ctx context.Context) (Policies, error) {
	now := s.now()
	s.mu.Lock()
	if s.pl.fresh(now) {
		p := s.pl.val.clone()
		s.mu.Unlock()
		return p, nil
	}
	gen := s.pl.gen
	s.mu.Unlock()

	sie, err := s.loadSignIn(ctx)
	if err != nil {
		return Policies{}, err
	}
	p := merge(s.policies, sie)
	s.mu.Lock()
	remember(&s.pl, p.clone(), now.Add(s.ttl), gen, s.ttl)
	s.mu.Unlock()
	return p, nil
}

// LockoutPolicy returns the effective lockout policy; it is the policy
// function of the lockout sentinel (verification.SentinelConfig.Policy).
func (s *Settings) LockoutPolicy(ctx context.Context) (LockoutPolicy, error) {
	p, err := s.Policies(ctx)
	if err != nil {
		return LockoutPolicy{}, err
	}
	return p.Lockout, nil
}

// loadSignIn reads the stored policies; nil if none were ever stored.
func (s *Settings) loadSignIn(ctx context.Context) (*store.SignInExperience, error) {
	sie, err := s.store.GetSignInExperience(ctx)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("account: reading the sign-in experience: %w", err)
	}
	return sie, nil
}

// UpdateSignInExperience applies PATCH /api/sign-in-exp and returns the new
// effective policies: each policy p sends replaces the stored one wholesale
// (and with it the host's default), as in Logto. It answers
// guard.invalid_input, naming the member, for a value out of Logto's range:
// password lengths 1–256 with min ≤ max and 1–4 character types; username
// lengths 1–128 with min ≤ max and a letter or the underscore allowed;
// factors other than Totp, WebAuthn and BackupCode, or one twice; an mfa
// policy Logto does not know; fewer than 1 lockout attempt or a lockout
// shorter than a minute (or longer than a year); a code lifetime outside
// 60–3600 s or retries outside 1–100; an empty blocklist entry. Concurrent
// updates are last-writer-wins per request (the policies are one row).
func (s *Settings) UpdateSignInExperience(ctx context.Context, p SignInExperiencePatch) (Policies, error) {
	if err := p.validate(); err != nil {
		return Policies{}, err
	}
	if p.empty() {
		return s.Policies(ctx)
	}
	stored, err := s.loadSignIn(ctx)
	if err != nil {
		return Policies{}, err
	}
	var sie store.SignInExperience
	if stored != nil {
		sie = *stored
	}
	sie = p.apply(sie)
	sie.UpdatedAt = s.now()
	if err := s.store.SaveSignInExperience(ctx, &sie); err != nil {
		return Policies{}, fmt.Errorf("account: saving the sign-in experience: %w", err)
	}
	eff := merge(s.policies, &sie)
	s.mu.Lock()
	wrote(&s.pl, eff.clone(), sie.UpdatedAt, s.ttl)
	s.mu.Unlock()
	return eff, nil
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
	s.mu.Lock()
	wrote(&s.ac, cloneSettings(ac), ac.UpdatedAt, s.ttl)
	s.mu.Unlock()
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
