package account

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/accountapi/accountapi/password"
	"github.com/accountapi/accountapi/store"
)

// Policies are the sign-in experience's policies the use cases enforce, with
// Logto's meaning (docs/compatibility.md, "Sign-in experience policies"): the
// password policy and the username policy ("Profile, username and password
// rules"), the email blocklist ("Primary email and phone"), the enabled MFA
// factors and passkey sign-in ("MFA factors"), the identifier lockout
// ("Identifier lockout") and the verification-code policy ("Codes").
//
// The host gives its defaults once, in [SettingsConfig.Policies]; an
// administrator replaces them policy by policy at run time with
// PATCH /api/sign-in-exp ([Settings.UpdateSignInExperience]), and every
// service reads the effective ones per request from [Settings.Policies]. The
// zero value is Logto's defaults for a new tenant.
type Policies struct {
	// Password is checked when a user sets a password (Logto's
	// passwordPolicy). nil means password.DefaultPolicy(): 8 to 256
	// characters, one character type, every rejection rule on; the pwned
	// rule takes effect only when Config.Breach is set. Settings.Policies
	// never returns nil here.
	Password *password.Policy
	// Username is checked when a user sets a username (Logto's
	// usernamePolicy); the zero value is Logto's default: case-sensitive, 1
	// to 128 characters, every character class allowed.
	Username UsernamePolicy
	// Email restricts the addresses users may bind or be sent a code as a
	// new identifier (Logto's emailBlocklistPolicy); the zero value allows
	// every address. Its Disposable hook cannot be stored: it stays in force
	// when an administrator replaces the rest of the policy.
	Email EmailPolicy
	// MFA holds the factors users may bind (Logto's mfa); the zero value
	// enables none.
	MFA MFAPolicy
	// PasskeySignIn lets users bind WebAuthn credentials even when WebAuthn
	// is not in MFA.Factors (Logto's passkeySignIn.enabled). Default off.
	PasskeySignIn bool
	// Lockout is the identifier lockout sentinel's policy (Logto's
	// sentinelPolicy); zero members take their defaults. Its Window cannot be
	// stored: it stays in force when an administrator replaces the rest.
	Lockout LockoutPolicy
	// Code is the verification-code policy (Logto's verificationCodePolicy);
	// zero members take their defaults.
	Code CodePolicy
}

// MFAPolicy is Logto's mfa policy.
type MFAPolicy struct {
	// Factors are the factors users may bind: store.FactorTOTP,
	// store.FactorWebAuthn and store.FactorBackupCode, each at most once.
	// Empty enables none.
	Factors []store.FactorType
	// Policy is Logto's mfa.policy (its MfaPolicy enum: UserControlled,
	// Mandatory, PromptOnlyAtSignIn, PromptAtSignInAndSignUp, NoPrompt,
	// PromptAtSignInAndSignUpMandatory, PromptOnlyAtSignInMandatory); "" means
	// "UserControlled". The library runs no sign-in, so it only keeps the
	// value for the host (GET /api/sign-in-exp shows it).
	Policy string
}

// knownMFAPolicy reports whether p is a value of Logto's mfa.policy.
func knownMFAPolicy(p string) bool {
	switch p {
	case "UserControlled", "Mandatory", "PromptOnlyAtSignIn", "PromptAtSignInAndSignUp", "NoPrompt",
		"PromptAtSignInAndSignUpMandatory", "PromptOnlyAtSignInMandatory":
		return true
	}
	return false
}

// mfaPolicyValues lists Logto's mfa.policy values for error details.
const mfaPolicyValues = "UserControlled, Mandatory, PromptOnlyAtSignIn, PromptAtSignInAndSignUp, NoPrompt, " +
	"PromptAtSignInAndSignUpMandatory, PromptOnlyAtSignInMandatory"

// knownFactor reports whether the library serves factor t.
func knownFactor(t store.FactorType) bool {
	switch t {
	case store.FactorTOTP, store.FactorWebAuthn, store.FactorBackupCode:
		return true
	}
	return false
}

// defaultMFAPolicy is Logto's mfa.policy for a new tenant.
const defaultMFAPolicy = "UserControlled"

// LockoutPolicy is Logto's identifier lockout sentinel: after MaxAttempts
// failed verifications of one identifier within Window, the identifier is
// blocked for Duration, even for a right password or code.
type LockoutPolicy struct {
	// MaxAttempts; zero means 100.
	MaxAttempts int
	// Window over which failures count; zero means one hour (Logto's fixed
	// window).
	Window time.Duration
	// Duration of a block; zero means 60 minutes.
	Duration time.Duration
}

// WithDefaults returns p with its zero members set to their defaults.
func (p LockoutPolicy) WithDefaults() LockoutPolicy {
	if p.MaxAttempts == 0 {
		p.MaxAttempts = 100
	}
	if p.Window == 0 {
		p.Window = time.Hour
	}
	if p.Duration == 0 {
		p.Duration = 60 * time.Minute
	}
	return p
}

func (p LockoutPolicy) validate() error {
	if p.MaxAttempts < 0 || p.Window < 0 || p.Duration < 0 {
		return errors.New("negative lockout policy")
	}
	return nil
}

// CodePolicy is Logto's verification-code policy.
type CodePolicy struct {
	// Lifetime of a code; zero means 10 minutes. Logto allows 60 s to 3600 s.
	Lifetime time.Duration
	// MaxAttempts per code, right or wrong; zero means 10. Logto allows 1–100.
	MaxAttempts int
}

// WithDefaults returns p with its zero members set to their defaults.
func (p CodePolicy) WithDefaults() CodePolicy {
	if p.Lifetime == 0 {
		p.Lifetime = 10 * time.Minute
	}
	if p.MaxAttempts == 0 {
		p.MaxAttempts = 10
	}
	return p
}

func (p CodePolicy) validate() error {
	d := p.WithDefaults()
	if d.Lifetime < time.Minute || d.Lifetime > time.Hour {
		return fmt.Errorf("code lifetime %v, want 1 minute to 1 hour", d.Lifetime)
	}
	if d.MaxAttempts < 1 || d.MaxAttempts > 100 {
		return fmt.Errorf("code attempts %d, want 1 to 100", d.MaxAttempts)
	}
	return nil
}

// validate reports defaults a service could not apply.
func (p Policies) validate() error {
	var errs []error
	if p.Password != nil {
		if err := p.Password.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := p.Username.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := p.Email.validate(); err != nil {
		errs = append(errs, err)
	}
	for i, f := range p.MFA.Factors {
		if !knownFactor(f) {
			errs = append(errs, fmt.Errorf("unknown MFA factor %q", f))
		} else if slices.Contains(p.MFA.Factors[:i], f) {
			errs = append(errs, fmt.Errorf("MFA factor %q listed twice", f))
		}
	}
	if p.MFA.Policy != "" && !knownMFAPolicy(p.MFA.Policy) {
		errs = append(errs, fmt.Errorf("unknown MFA policy %q", p.MFA.Policy))
	}
	if err := p.Lockout.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := p.Code.validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// withDefaults returns a copy of p with every default spelled out, sharing
// nothing with p.
func (p Policies) withDefaults() Policies {
	if p.Password != nil {
		pw := *p.Password
		d := password.DefaultPolicy()
		if pw.MinLength == 0 {
			pw.MinLength = d.MinLength
		}
		if pw.MaxLength == 0 {
			pw.MaxLength = d.MaxLength
		}
		if pw.RequiredCharacterTypes == 0 {
			pw.RequiredCharacterTypes = d.RequiredCharacterTypes
		}
		pw.RejectWords = slices.Clone(pw.RejectWords)
		p.Password = &pw
	} else {
		d := password.DefaultPolicy()
		p.Password = &d
	}
	p.Username.MinLength, p.Username.MaxLength = p.Username.bounds()
	p.Email.Allowlist = slices.Clone(p.Email.Allowlist)
	p.Email.Blocklist = slices.Clone(p.Email.Blocklist)
	p.MFA.Factors = slices.Clone(p.MFA.Factors)
	if p.MFA.Policy == "" {
		p.MFA.Policy = defaultMFAPolicy
	}
	p.Lockout = p.Lockout.WithDefaults()
	p.Code = p.Code.WithDefaults()
	return p
}

// clone returns a copy of p that shares nothing with it.
func (p Policies) clone() Policies {
	if p.Password != nil {
		pw := *p.Password
		pw.RejectWords = slices.Clone(pw.RejectWords)
		p.Password = &pw
	}
	p.Email.Allowlist = slices.Clone(p.Email.Allowlist)
	p.Email.Blocklist = slices.Clone(p.Email.Blocklist)
	p.MFA.Factors = slices.Clone(p.MFA.Factors)
	return p
}

// FactorEnabled reports whether users may bind factor t: it is among
// MFA.Factors, or it is WebAuthn and PasskeySignIn is on.
func (p Policies) FactorEnabled(t store.FactorType) bool {
	if t == store.FactorWebAuthn && p.PasskeySignIn {
		return true
	}
	return slices.Contains(p.MFA.Factors, t)
}

// merge returns the effective policies: defaults (already spelled out), with
// each policy sie stores replacing the default of the same name wholesale.
// The hooks a store cannot hold — EmailPolicy.Disposable, LockoutPolicy.Window
// — are kept from defaults.
func merge(defaults Policies, sie *store.SignInExperience) Policies {
	p := defaults.clone()
	if sie == nil {
		return p
	}
	if pp := sie.PasswordPolicy; pp != nil {
		p.Password = &password.Policy{
			MinLength: pp.Length.Min, MaxLength: pp.Length.Max, RequiredCharacterTypes: pp.CharacterTypes.Min,
			RejectPwned: pp.Rejects.Pwned, RejectRepetitionAndSequence: pp.Rejects.RepetitionAndSequence,
			RejectUserInfo: pp.Rejects.UserInfo, RejectWords: slices.Clone(pp.Rejects.Words),
		}
	}
	if up := sie.UsernamePolicy; up != nil {
		p.Username = UsernamePolicy{
			CaseInsensitive: !up.CaseSensitive, MinLength: up.MinLength, MaxLength: up.MaxLength,
			DisallowLowercase: !up.AllowedChars.Lowercase, DisallowUppercase: !up.AllowedChars.Uppercase,
			DisallowNumbers: !up.AllowedChars.Numbers, DisallowUnderscore: !up.AllowedChars.Underscore,
		}
	}
	if ep := sie.EmailBlocklistPolicy; ep != nil {
		p.Email = EmailPolicy{
			BlockSubaddressing: ep.BlockSubaddressing,
			Allowlist:          slices.Clone(ep.CustomAllowlist), Blocklist: slices.Clone(ep.CustomBlocklist),
			Disposable: defaults.Email.Disposable,
		}
	}
	if m := sie.MFA; m != nil {
		p.MFA = MFAPolicy{Factors: slices.Clone(m.Factors), Policy: m.Policy}
	}
	if ps := sie.PasskeySignIn; ps != nil {
		p.PasskeySignIn = ps.Enabled
	}
	if sp := sie.SentinelPolicy; sp != nil {
		p.Lockout = LockoutPolicy{
			MaxAttempts: sp.MaxAttempts, Window: defaults.Lockout.Window,
			Duration: time.Duration(sp.LockoutDuration) * time.Minute,
		}
	}
	if cp := sie.VerificationCodePolicy; cp != nil {
		p.Code = CodePolicy{Lifetime: time.Duration(cp.ExpirationDuration) * time.Second, MaxAttempts: cp.MaxRetryAttempts}
	}
	return p.withDefaults()
}

// SignInExperience returns the policies in the store's shape, which is
// Logto's JSON shape for GET /api/sign-in-exp: every policy set, every
// default spelled out, lists empty rather than nil. Durations are rounded up
// to Logto's units (minutes for the lockout, seconds for codes).
func (p Policies) SignInExperience() store.SignInExperience {
	p = p.withDefaults()
	var sie store.SignInExperience

	pp := &store.PasswordPolicy{}
	pp.Length.Min, pp.Length.Max = p.Password.MinLength, p.Password.MaxLength
	pp.CharacterTypes.Min = p.Password.RequiredCharacterTypes
	pp.Rejects.Pwned = p.Password.RejectPwned
	pp.Rejects.RepetitionAndSequence = p.Password.RejectRepetitionAndSequence
	pp.Rejects.UserInfo = p.Password.RejectUserInfo
	pp.Rejects.Words = nonNil(p.Password.RejectWords)
	sie.PasswordPolicy = pp

	up := &store.UsernamePolicy{CaseSensitive: !p.Username.CaseInsensitive, MinLength: p.Username.MinLength, MaxLength: p.Username.MaxLength}
	up.AllowedChars.Lowercase = !p.Username.DisallowLowercase
	up.AllowedChars.Uppercase = !p.Username.DisallowUppercase
	up.AllowedChars.Numbers = !p.Username.DisallowNumbers
	up.AllowedChars.Underscore = !p.Username.DisallowUnderscore
	sie.UsernamePolicy = up

	sie.EmailBlocklistPolicy = &store.EmailBlocklistPolicy{
		BlockSubaddressing: p.Email.BlockSubaddressing,
		CustomBlocklist:    nonNil(p.Email.Blocklist), CustomAllowlist: nonNil(p.Email.Allowlist),
	}
	sie.MFA = &store.MFAPolicy{Factors: nonNil(p.MFA.Factors), Policy: p.MFA.Policy}
	sie.PasskeySignIn = &store.PasskeySignInPolicy{Enabled: p.PasskeySignIn}
	sie.SentinelPolicy = &store.SentinelPolicy{
		MaxAttempts: p.Lockout.MaxAttempts, LockoutDuration: ceilDiv(p.Lockout.Duration, time.Minute),
	}
	sie.VerificationCodePolicy = &store.VerificationCodePolicy{
		ExpirationDuration: ceilDiv(p.Code.Lifetime, time.Second), MaxRetryAttempts: p.Code.MaxAttempts,
	}
	return sie
}

// DefaultSignInExperience returns Logto's default of every policy in the
// store's shape. A PATCH /api/sign-in-exp body that sends a policy without
// some of its members gets these defaults for them, as Logto's guards fill
// them in (passwordPolicy {length: {min: 10}} keeps max 256).
func DefaultSignInExperience() store.SignInExperience {
	return Policies{}.SignInExperience()
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return slices.Clone(s)
}

func ceilDiv(d, unit time.Duration) int {
	return int((d + unit - 1) / unit)
}

// SignInExperiencePatch is the body of PATCH /api/sign-in-exp: each member
// that is set and not null replaces the stored policy of the same name
// wholesale, as in Logto; an absent or null member leaves it as it is.
type SignInExperiencePatch struct {
	PasswordPolicy         Optional[store.PasswordPolicy]
	UsernamePolicy         Optional[store.UsernamePolicy]
	EmailBlocklistPolicy   Optional[store.EmailBlocklistPolicy]
	MFA                    Optional[store.MFAPolicy]
	PasskeySignIn          Optional[store.PasskeySignInPolicy]
	SentinelPolicy         Optional[store.SentinelPolicy]
	VerificationCodePolicy Optional[store.VerificationCodePolicy]
}

// maxLockoutMinutes bounds sentinelPolicy.lockoutDuration (Logto sets no
// bound): a year, far below what a time.Duration can hold.
const maxLockoutMinutes = 365 * 24 * 60

// validate returns guard.invalid_input naming the first member out of range.
func (p SignInExperiencePatch) validate() error {
	inRange := func(v, lo, hi int) bool { return v >= lo && v <= hi }
	if v := p.PasswordPolicy; v.Set && !v.Null {
		pp := v.Value
		switch {
		case !inRange(pp.Length.Min, 1, 256):
			return invalidBody("passwordPolicy.length.min: expected an integer from 1 to 256")
		case !inRange(pp.Length.Max, 1, 256):
			return invalidBody("passwordPolicy.length.max: expected an integer from 1 to 256")
		case pp.Length.Min > pp.Length.Max:
			return invalidBody("passwordPolicy.length: min must not exceed max")
		case !inRange(pp.CharacterTypes.Min, 1, 4):
			return invalidBody("passwordPolicy.characterTypes.min: expected an integer from 1 to 4")
		}
	}
	if v := p.UsernamePolicy; v.Set && !v.Null {
		up := v.Value
		switch {
		case !inRange(up.MinLength, 1, 128):
			return invalidBody("usernamePolicy.minLength: expected an integer from 1 to 128")
		case !inRange(up.MaxLength, 1, 128):
			return invalidBody("usernamePolicy.maxLength: expected an integer from 1 to 128")
		case up.MinLength > up.MaxLength:
			return invalidBody("usernamePolicy.maxLength: Minimum length cannot exceed maximum length.")
		case !up.AllowedChars.Lowercase && !up.AllowedChars.Uppercase && !up.AllowedChars.Underscore:
			// Logto's message: a username starts with a letter or an
			// underscore.
			return invalidBody("usernamePolicy.allowedChars: At least one of lowercase, uppercase, or underscore must be enabled. Usernames cannot start with a number, so numbers alone are not allowed.")
		}
	}
	if v := p.EmailBlocklistPolicy; v.Set && !v.Null {
		for _, l := range []struct {
			name string
			list []string
		}{{"customBlocklist", v.Value.CustomBlocklist}, {"customAllowlist", v.Value.CustomAllowlist}} {
			for i, e := range l.list {
				if e == "" {
					return invalidBody(fmt.Sprintf("emailBlocklistPolicy.%s[%d]: expected a non-empty string", l.name, i))
				}
			}
		}
	}
	if v := p.MFA; v.Set && !v.Null {
		for i, f := range v.Value.Factors {
			if !knownFactor(f) {
				return invalidBody(fmt.Sprintf("mfa.factors[%d]: expected one of Totp, WebAuthn, BackupCode", i))
			}
			if slices.Contains(v.Value.Factors[:i], f) {
				return invalidBody(fmt.Sprintf("mfa.factors[%d]: %s is listed twice", i, f))
			}
		}
		if !knownMFAPolicy(v.Value.Policy) {
			return invalidBody("mfa.policy: expected one of " + mfaPolicyValues)
		}
	}
	if v := p.SentinelPolicy; v.Set && !v.Null {
		switch {
		case v.Value.MaxAttempts < 1:
			return invalidBody("sentinelPolicy.maxAttempts: expected an integer of at least 1")
		case !inRange(v.Value.LockoutDuration, 1, maxLockoutMinutes):
			return invalidBody(fmt.Sprintf("sentinelPolicy.lockoutDuration: expected an integer from 1 to %d (minutes)", maxLockoutMinutes))
		}
	}
	if v := p.VerificationCodePolicy; v.Set && !v.Null {
		switch {
		case !inRange(v.Value.ExpirationDuration, 60, 3600):
			return invalidBody("verificationCodePolicy.expirationDuration: expected an integer from 60 to 3600 (seconds)")
		case !inRange(v.Value.MaxRetryAttempts, 1, 100):
			return invalidBody("verificationCodePolicy.maxRetryAttempts: expected an integer from 1 to 100")
		}
	}
	return nil
}

// empty reports whether p sends no policy (only absent or null members).
func (p SignInExperiencePatch) empty() bool {
	sent := func(set, null bool) bool { return set && !null }
	return !sent(p.PasswordPolicy.Set, p.PasswordPolicy.Null) &&
		!sent(p.UsernamePolicy.Set, p.UsernamePolicy.Null) &&
		!sent(p.EmailBlocklistPolicy.Set, p.EmailBlocklistPolicy.Null) &&
		!sent(p.MFA.Set, p.MFA.Null) &&
		!sent(p.PasskeySignIn.Set, p.PasskeySignIn.Null) &&
		!sent(p.SentinelPolicy.Set, p.SentinelPolicy.Null) &&
		!sent(p.VerificationCodePolicy.Set, p.VerificationCodePolicy.Null)
}

// apply returns sie with the patch's policies replacing its own, sharing
// nothing with the patch.
func (p SignInExperiencePatch) apply(sie store.SignInExperience) store.SignInExperience {
	if v := p.PasswordPolicy; v.Set && !v.Null {
		pp := v.Value
		pp.Rejects.Words = nonNil(pp.Rejects.Words)
		sie.PasswordPolicy = &pp
	}
	if v := p.UsernamePolicy; v.Set && !v.Null {
		up := v.Value
		sie.UsernamePolicy = &up
	}
	if v := p.EmailBlocklistPolicy; v.Set && !v.Null {
		ep := v.Value
		ep.CustomBlocklist, ep.CustomAllowlist = nonNil(ep.CustomBlocklist), nonNil(ep.CustomAllowlist)
		sie.EmailBlocklistPolicy = &ep
	}
	if v := p.MFA; v.Set && !v.Null {
		m := v.Value
		m.Factors = nonNil(m.Factors)
		sie.MFA = &m
	}
	if v := p.PasskeySignIn; v.Set && !v.Null {
		ps := v.Value
		sie.PasskeySignIn = &ps
	}
	if v := p.SentinelPolicy; v.Set && !v.Null {
		sp := v.Value
		sie.SentinelPolicy = &sp
	}
	if v := p.VerificationCodePolicy; v.Set && !v.Null {
		cp := v.Value
		sie.VerificationCodePolicy = &cp
	}
	return sie
}
