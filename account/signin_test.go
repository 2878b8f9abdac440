package account_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/password"
	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/store/sqlite"
)

// siClock is a settable clock.
type siClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *siClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *siClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func siStore(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "signin.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func siSettings(t *testing.T, st store.Settings, clock *siClock, ttl time.Duration, p account.Policies) *account.Settings {
	t.Helper()
	s, err := account.NewSettings(account.SettingsConfig{Store: st, CacheTTL: ttl, Now: clock.Now, Policies: p})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// siLogto is Logto's default of every policy, spelled out.
func siLogto() account.Policies {
	return account.Policies{
		Password: &password.Policy{
			MinLength: 8, MaxLength: 256, RequiredCharacterTypes: 1,
			RejectPwned: true, RejectRepetitionAndSequence: true, RejectUserInfo: true,
		},
		Username: account.UsernamePolicy{MinLength: 1, MaxLength: 128},
		MFA:      account.MFAPolicy{Policy: "UserControlled"},
		Lockout:  account.LockoutPolicy{MaxAttempts: 100, Window: time.Hour, Duration: 60 * time.Minute},
		Code:     account.CodePolicy{Lifetime: 10 * time.Minute, MaxAttempts: 10},
	}
}

// siCmp compares Policies: nil and empty lists alike, the Disposable hook
// by whether it is set.
var siCmp = cmp.Options{
	cmpopts.EquateEmpty(),
	cmp.Comparer(func(a, b func(context.Context, string) (bool, error)) bool { return (a == nil) == (b == nil) }),
}

func siPolicies(t *testing.T, s *account.Settings) account.Policies {
	t.Helper()
	p, err := s.Policies(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPoliciesZeroValueIsLogtos(t *testing.T) {
	s := siSettings(t, siStore(t), &siClock{}, -1, account.Policies{})
	if d := cmp.Diff(siLogto(), siPolicies(t, s), siCmp); d != "" {
		t.Errorf("Policies (-want +got):\n%s", d)
	}
	if d := cmp.Diff(account.DefaultSignInExperience(), account.Policies{}.SignInExperience()); d != "" {
		t.Errorf("DefaultSignInExperience (-want +got):\n%s", d)
	}
}

func TestNewSettingsRefusesBadPolicies(t *testing.T) {
	st := siStore(t)
	cases := []struct {
		name    string
		p       account.Policies
		wantErr bool
	}{
		{"zero value", account.Policies{}, false},
		{"every factor", account.Policies{MFA: account.MFAPolicy{
			Factors: []store.FactorType{store.FactorTOTP, store.FactorWebAuthn, store.FactorBackupCode}, Policy: "Mandatory",
		}}, false},
		{"unknown factor", account.Policies{MFA: account.MFAPolicy{Factors: []store.FactorType{"Sms"}}}, true},
		{"factor twice", account.Policies{MFA: account.MFAPolicy{Factors: []store.FactorType{store.FactorTOTP, store.FactorTOTP}}}, true},
		{"unknown MFA policy", account.Policies{MFA: account.MFAPolicy{Policy: "Sometimes"}}, true},
		{"password min above max", account.Policies{Password: &password.Policy{MinLength: 20, MaxLength: 10}}, true},
		{"password character types", account.Policies{Password: &password.Policy{RequiredCharacterTypes: 5}}, true},
		{"username min above max", account.Policies{Username: account.UsernamePolicy{MinLength: 10, MaxLength: 5}}, true},
		{"username longer than 128", account.Policies{Username: account.UsernamePolicy{MaxLength: 129}}, true},
		{"empty blocklist entry", account.Policies{Email: account.EmailPolicy{Blocklist: []string{""}}}, true},
		{"code lifetime under a minute", account.Policies{Code: account.CodePolicy{Lifetime: 59 * time.Second}}, true},
		{"101 code attempts", account.Policies{Code: account.CodePolicy{MaxAttempts: 101}}, true},
		{"negative lockout", account.Policies{Lockout: account.LockoutPolicy{Duration: -time.Minute}}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := account.NewSettings(account.SettingsConfig{Store: st, Policies: tc.p})
			if (err != nil) != tc.wantErr {
				t.Errorf("NewSettings: err = %v, want error: %v", err, tc.wantErr)
			}
		})
	}
}

func TestNewSettingsCopiesThePasswordPolicy(t *testing.T) {
	pw := password.DefaultPolicy()
	s := siSettings(t, siStore(t), &siClock{}, time.Minute, account.Policies{Password: &pw})
	pw.MinLength = 30
	if got := siPolicies(t, s).Password.MinLength; got != 8 {
		t.Errorf("MinLength after the host changed its copy = %d, want 8", got)
	}
	// Nor does a caller's change reach the cache.
	p := siPolicies(t, s)
	p.Password.MinLength = 30
	p.MFA.Factors = append(p.MFA.Factors, store.FactorTOTP)
	if got := siPolicies(t, s); got.Password.MinLength != 8 || len(got.MFA.Factors) != 0 {
		t.Errorf("Policies after a caller changed its copy = %+v", got)
	}
}

// TestUpdateSignInExperienceReplacesWholesale: a sent policy replaces the
// host's default (or the stored policy) of the same name wholesale; null and
// absent policies stay; the hooks a store cannot hold survive.
func TestUpdateSignInExperienceReplacesWholesale(t *testing.T) {
	ctx := context.Background()
	disposable := func(context.Context, string) (bool, error) { return false, nil }
	host := account.Policies{
		Password: &password.Policy{MinLength: 12, RejectWords: []string{"acme"}},
		Username: account.UsernamePolicy{MinLength: 3, DisallowUppercase: true},
		Email:    account.EmailPolicy{Blocklist: []string{"@spam.test"}, Disposable: disposable},
		MFA:      account.MFAPolicy{Factors: []store.FactorType{store.FactorTOTP, store.FactorBackupCode}},
		Lockout:  account.LockoutPolicy{MaxAttempts: 5, Window: 2 * time.Hour, Duration: 15 * time.Minute},
		Code:     account.CodePolicy{Lifetime: 5 * time.Minute},
	}
	st := siStore(t)
	s := siSettings(t, st, &siClock{now: time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)}, -1, host)

	want := siLogto()
	want.Password = &password.Policy{MinLength: 12, MaxLength: 256, RequiredCharacterTypes: 1, RejectWords: []string{"acme"}}
	want.Username = account.UsernamePolicy{MinLength: 3, MaxLength: 128, DisallowUppercase: true}
	want.Email = host.Email
	want.MFA = account.MFAPolicy{Factors: host.MFA.Factors, Policy: "UserControlled"}
	want.Lockout = host.Lockout
	want.Code = account.CodePolicy{Lifetime: 5 * time.Minute, MaxAttempts: 10}
	if d := cmp.Diff(want, siPolicies(t, s), siCmp); d != "" {
		t.Fatalf("host policies (-want +got):\n%s", d)
	}

	pw := store.PasswordPolicy{}
	pw.Length.Min, pw.Length.Max, pw.CharacterTypes.Min = 10, 64, 2
	pw.Rejects.UserInfo = true
	up := store.UsernamePolicy{MinLength: 2, MaxLength: 20}
	up.AllowedChars.Lowercase, up.AllowedChars.Numbers = true, true
	got, err := s.UpdateSignInExperience(ctx, account.SignInExperiencePatch{
		PasswordPolicy:         account.Some(pw),
		UsernamePolicy:         account.Some(up),
		EmailBlocklistPolicy:   account.Some(store.EmailBlocklistPolicy{BlockSubaddressing: true}),
		MFA:                    account.Some(store.MFAPolicy{Factors: []store.FactorType{store.FactorWebAuthn}, Policy: "Mandatory"}),
		PasskeySignIn:          account.Some(store.PasskeySignInPolicy{Enabled: true}),
		SentinelPolicy:         account.Some(store.SentinelPolicy{MaxAttempts: 7, LockoutDuration: 30}),
		VerificationCodePolicy: account.Optional[store.VerificationCodePolicy]{Set: true, Null: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	want.Password = &password.Policy{MinLength: 10, MaxLength: 64, RequiredCharacterTypes: 2, RejectUserInfo: true}
	want.Username = account.UsernamePolicy{MinLength: 2, MaxLength: 20, CaseInsensitive: true, DisallowUppercase: true, DisallowUnderscore: true}
	// The blocklist is replaced, the disposable hook kept.
	want.Email = account.EmailPolicy{BlockSubaddressing: true, Disposable: disposable}
	want.MFA = account.MFAPolicy{Factors: []store.FactorType{store.FactorWebAuthn}, Policy: "Mandatory"}
	want.PasskeySignIn = true
	// The window is kept.
	want.Lockout = account.LockoutPolicy{MaxAttempts: 7, Window: 2 * time.Hour, Duration: 30 * time.Minute}
	if d := cmp.Diff(want, got, siCmp); d != "" {
		t.Errorf("UpdateSignInExperience (-want +got):\n%s", d)
	}
	if d := cmp.Diff(want, siPolicies(t, s), siCmp); d != "" {
		t.Errorf("Policies after the update (-want +got):\n%s", d)
	}

	// A later patch of one policy leaves the other stored ones.
	got, err = s.UpdateSignInExperience(ctx, account.SignInExperiencePatch{
		VerificationCodePolicy: account.Some(store.VerificationCodePolicy{ExpirationDuration: 60, MaxRetryAttempts: 1}),
	})
	if err != nil {
		t.Fatal(err)
	}
	want.Code = account.CodePolicy{Lifetime: time.Minute, MaxAttempts: 1}
	if d := cmp.Diff(want, got, siCmp); d != "" {
		t.Errorf("second UpdateSignInExperience (-want +got):\n%s", d)
	}
	stored, err := st.GetSignInExperience(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stored.PasswordPolicy == nil || stored.SentinelPolicy == nil || stored.VerificationCodePolicy == nil {
		t.Errorf("stored policies: %+v", stored)
	}

	// An empty patch changes nothing.
	got, err = s.UpdateSignInExperience(ctx, account.SignInExperiencePatch{})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got, siCmp); d != "" {
		t.Errorf("empty UpdateSignInExperience (-want +got):\n%s", d)
	}
}

func TestUpdateSignInExperienceRefusesInvalidValues(t *testing.T) {
	password := func(min, max, types int) account.SignInExperiencePatch {
		var pp store.PasswordPolicy
		pp.Length.Min, pp.Length.Max, pp.CharacterTypes.Min = min, max, types
		return account.SignInExperiencePatch{PasswordPolicy: account.Some(pp)}
	}
	username := func(min, max int, lower, upper, numbers, underscore bool) account.SignInExperiencePatch {
		up := store.UsernamePolicy{MinLength: min, MaxLength: max}
		up.AllowedChars.Lowercase, up.AllowedChars.Uppercase = lower, upper
		up.AllowedChars.Numbers, up.AllowedChars.Underscore = numbers, underscore
		return account.SignInExperiencePatch{UsernamePolicy: account.Some(up)}
	}
	mfa := func(policy string, factors ...store.FactorType) account.SignInExperiencePatch {
		return account.SignInExperiencePatch{MFA: account.Some(store.MFAPolicy{Factors: factors, Policy: policy})}
	}
	sentinel := func(max, minutes int) account.SignInExperiencePatch {
		return account.SignInExperiencePatch{SentinelPolicy: account.Some(store.SentinelPolicy{MaxAttempts: max, LockoutDuration: minutes})}
	}
	code := func(seconds, tries int) account.SignInExperiencePatch {
		return account.SignInExperiencePatch{VerificationCodePolicy: account.Some(store.VerificationCodePolicy{ExpirationDuration: seconds, MaxRetryAttempts: tries})}
	}
	cases := []struct {
		name  string
		patch account.SignInExperiencePatch
		field string // "" for a valid patch
	}{
		{"password 1 to 256", password(1, 256, 1), ""},
		{"password min 0", password(0, 256, 1), "passwordPolicy.length.min"},
		{"password max 257", password(8, 257, 1), "passwordPolicy.length.max"},
		{"password min above max", password(20, 10, 1), "passwordPolicy.length"},
		{"password 0 character types", password(8, 256, 0), "passwordPolicy.characterTypes.min"},
		{"password 4 character types", password(8, 256, 4), ""},
		{"password 5 character types", password(8, 256, 5), "passwordPolicy.characterTypes.min"},
		{"username 1 to 128", username(1, 128, true, false, false, false), ""},
		{"username min 0", username(0, 128, true, true, true, true), "usernamePolicy.minLength"},
		{"username max 129", username(1, 129, true, true, true, true), "usernamePolicy.maxLength"},
		{"username min above max", username(5, 4, true, true, true, true), "usernamePolicy.maxLength"},
		{"username of numbers only", username(1, 128, false, false, true, false), "usernamePolicy.allowedChars"},
		{"username of underscores", username(1, 128, false, false, false, true), ""},
		{"every factor", mfa("NoPrompt", store.FactorTOTP, store.FactorWebAuthn, store.FactorBackupCode), ""},
		{"no factor", mfa("PromptOnlyAtSignInMandatory"), ""},
		{"unknown factor", mfa("UserControlled", store.FactorTOTP, "EmailVerificationCode"), "mfa.factors[1]"},
		{"factor twice", mfa("UserControlled", store.FactorTOTP, store.FactorTOTP), "mfa.factors[1]"},
		{"unknown policy", mfa("Sometimes", store.FactorTOTP), "mfa.policy"},
		{"empty policy", mfa("", store.FactorTOTP), "mfa.policy"},
		{"sentinel 1 attempt, 1 minute", sentinel(1, 1), ""},
		{"sentinel 0 attempts", sentinel(0, 60), "sentinelPolicy.maxAttempts"},
		{"sentinel 0 minutes", sentinel(100, 0), "sentinelPolicy.lockoutDuration"},
		{"sentinel over a year", sentinel(100, 365*24*60+1), "sentinelPolicy.lockoutDuration"},
		{"code 60 s, 1 try", code(60, 1), ""},
		{"code 3600 s, 100 tries", code(3600, 100), ""},
		{"code 59 s", code(59, 10), "verificationCodePolicy.expirationDuration"},
		{"code 3601 s", code(3601, 10), "verificationCodePolicy.expirationDuration"},
		{"code 0 tries", code(600, 0), "verificationCodePolicy.maxRetryAttempts"},
		{"code 101 tries", code(600, 101), "verificationCodePolicy.maxRetryAttempts"},
		{"empty blocklist entry", account.SignInExperiencePatch{EmailBlocklistPolicy: account.Some(store.EmailBlocklistPolicy{CustomBlocklist: []string{"@a.test", ""}})},
			"emailBlocklistPolicy.customBlocklist[1]"},
		{"empty allowlist entry", account.SignInExperiencePatch{EmailBlocklistPolicy: account.Some(store.EmailBlocklistPolicy{CustomAllowlist: []string{""}})},
			"emailBlocklistPolicy.customAllowlist[0]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := siStore(t)
			s := siSettings(t, st, &siClock{}, -1, account.Policies{})
			_, err := s.UpdateSignInExperience(context.Background(), tc.patch)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("UpdateSignInExperience: %v", err)
				}
				return
			}
			var apiErr *apierror.Error
			if !errors.As(err, &apiErr) || !errors.Is(err, apierror.InvalidInput) {
				t.Fatalf("UpdateSignInExperience: err = %v, want %v", err, apierror.InvalidInput)
			}
			if !strings.HasPrefix(apiErr.Details(), tc.field+":") {
				t.Errorf("details = %q, want them to name %s", apiErr.Details(), tc.field)
			}
			if _, err := st.GetSignInExperience(context.Background()); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("GetSignInExperience after a refused update: err = %v, want %v", err, store.ErrNotFound)
			}
		})
	}
}

// TestPoliciesStaleness: a Settings sees its own change at once, and another
// Settings over the same store (another replica) sees it within CacheTTL.
func TestPoliciesStaleness(t *testing.T) {
	ctx := context.Background()
	st := siStore(t)
	clock := &siClock{now: time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)}
	const ttl = 5 * time.Second
	a := siSettings(t, st, clock, ttl, account.Policies{})
	b := siSettings(t, st, clock, ttl, account.Policies{})
	if got := siPolicies(t, b).Code.MaxAttempts; got != 10 {
		t.Fatalf("MaxAttempts before = %d, want 10", got)
	}
	if _, err := a.UpdateSignInExperience(ctx, account.SignInExperiencePatch{
		VerificationCodePolicy: account.Some(store.VerificationCodePolicy{ExpirationDuration: 600, MaxRetryAttempts: 3}),
	}); err != nil {
		t.Fatal(err)
	}
	if got := siPolicies(t, a).Code.MaxAttempts; got != 3 {
		t.Errorf("the writer's MaxAttempts = %d, want 3 at once", got)
	}
	clock.Advance(ttl - time.Millisecond)
	if got := siPolicies(t, b).Code.MaxAttempts; got != 10 {
		t.Errorf("the other replica's MaxAttempts within CacheTTL = %d, want its cached 10", got)
	}
	clock.Advance(time.Millisecond)
	if got := siPolicies(t, b).Code.MaxAttempts; got != 3 {
		t.Errorf("the other replica's MaxAttempts after CacheTTL = %d, want 3", got)
	}
	if got, err := b.LockoutPolicy(ctx); err != nil || got.MaxAttempts != 100 {
		t.Errorf("LockoutPolicy = %+v, %v, want the default", got, err)
	}
}

// failingSettings is a store whose GetSignInExperience fails.
type failingSettings struct{ store.Store }

var errSettings = errors.New("injected settings failure")

func (failingSettings) GetSignInExperience(context.Context) (*store.SignInExperience, error) {
	return nil, errSettings
}

func TestPoliciesStoreFailure(t *testing.T) {
	s := siSettings(t, failingSettings{siStore(t)}, &siClock{}, time.Minute, account.Policies{})
	if _, err := s.Policies(context.Background()); !errors.Is(err, errSettings) {
		t.Errorf("Policies: err = %v, want %v", err, errSettings)
	}
	for name, p := range map[string]account.SignInExperiencePatch{
		"empty":    {},
		"one sent": {PasskeySignIn: account.Some(store.PasskeySignInPolicy{Enabled: true})},
	} {
		if _, err := s.UpdateSignInExperience(context.Background(), p); !errors.Is(err, errSettings) {
			t.Errorf("UpdateSignInExperience(%s): err = %v, want %v", name, err, errSettings)
		}
	}
}
