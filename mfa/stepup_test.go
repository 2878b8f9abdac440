package mfa

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/verification"
)

func TestStepUpRefusals(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		cfg  func(*Config)
		// setup prepares the user and returns the code to send.
		setup func(f *mfFixture, u *store.User) string
		totp  bool // TOTP step-up, else backup code
		want  *apierror.Error
	}{
		{name: "TOTP: no factor", totp: true, want: apierror.MFAFactorNotEnabled,
			setup: func(f *mfFixture, u *store.User) string { return f.code(mfRFCSecret, 0) }},
		{name: "TOTP: factor type disabled by the policy", totp: true, want: apierror.MFAFactorNotEnabled,
			cfg: mfFactors(t, store.FactorBackupCode),
			setup: func(f *mfFixture, u *store.User) string {
				mfStoreTOTP(f, u)
				return f.code(mfRFCSecret, 0)
			}},
		{name: "TOTP: wrong code", totp: true, want: apierror.InvalidTOTPCode,
			setup: func(f *mfFixture, u *store.User) string {
				f.withTOTP(u)
				return f.code(mfRFCSecret, 90*time.Second)
			}},
		{name: "TOTP: third party", totp: true, want: apierror.ThirdPartyApplicationForbidden,
			cfg: func(c *Config) {
				c.IsFirstParty = func(context.Context, string) (bool, error) { return false, nil }
			},
			setup: func(f *mfFixture, u *store.User) string { return f.code(mfRFCSecret, 0) }},
		{name: "TOTP: suspended user after a right code", totp: true, want: apierror.UserSuspended,
			setup: func(f *mfFixture, u *store.User) string {
				f.withTOTP(u)
				mfSuspend(f, u)
				return f.code(mfRFCSecret, 0)
			}},
		{name: "backup code: no set", want: apierror.MFAFactorNotEnabled,
			setup: func(f *mfFixture, u *store.User) string { f.withTOTP(u); return mfCodes[0] }},
		{name: "backup code: wrong code", want: apierror.InvalidBackupCode,
			setup: func(f *mfFixture, u *store.User) string {
				f.withTOTP(u)
				mfIs(f.t, f.svc.BindBackupCodes(context.Background(), f.caller(u), mfCodes), nil)
				return "9999999999"
			}},
		{name: "backup code: empty code", want: apierror.InvalidBackupCode,
			setup: func(f *mfFixture, u *store.User) string {
				f.withTOTP(u)
				mfIs(f.t, f.svc.BindBackupCodes(context.Background(), f.caller(u), mfCodes), nil)
				return ""
			}},
		{name: "backup code: suspended user after a right code", want: apierror.UserSuspended,
			setup: func(f *mfFixture, u *store.User) string {
				f.withTOTP(u)
				mfIs(f.t, f.svc.BindBackupCodes(context.Background(), f.caller(u), mfCodes), nil)
				mfSuspend(f, u)
				return mfCodes[3]
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var mods []func(*Config)
			if tc.cfg != nil {
				mods = append(mods, tc.cfg)
			}
			f := mfNew(t, mods...)
			u := f.user()
			code := tc.setup(f, u)
			before := f.factors(u)
			c := account.Caller{UserID: u.ID, Scopes: []string{"openid"}, ClientID: "app"}
			var err error
			if tc.totp {
				_, err = f.svc.VerifyTOTP(ctx, c, code)
			} else {
				_, err = f.svc.VerifyBackupCode(ctx, c, code)
			}
			mfIs(t, err, tc.want)
			if after := f.factors(u); len(after) != len(before) ||
				(len(after) > 0 && !after[0].LastUsedAt.Equal(before[0].LastUsedAt)) {
				t.Errorf("a refused step-up changed the factors")
			}
		})
	}
}

// mfStoreTOTP stores a TOTP factor for the user directly, bypassing the
// enabled-factor policy.
func mfStoreTOTP(f *mfFixture, u *store.User) {
	f.t.Helper()
	fa := &store.MFAFactor{ID: "storedtotp" + u.ID[:11], UserID: u.ID, Type: store.FactorTOTP,
		CreatedAt: f.clock.Now(), TOTP: &store.TOTP{Secret: mfRFCSecret}}
	if err := f.store.CreateMFAFactor(context.Background(), fa); err != nil {
		f.t.Fatal(err)
	}
}

func mfSuspend(f *mfFixture, u *store.User) {
	f.t.Helper()
	cur, err := f.store.GetUser(context.Background(), u.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	cur.IsSuspended = true
	if err := f.store.UpdateUser(context.Background(), cur); err != nil {
		f.t.Fatal(err)
	}
}

// TestStepUpLockout: failures count for the lockout sentinel under one target
// for both factors; once blocked, even a right code is refused.
func TestStepUpLockout(t *testing.T) {
	ctx := context.Background()
	f := mfNew(t, func(c *Config) {
		s, err := verification.NewSentinel(verification.SentinelConfig{Store: c.Store, Events: c.Events, Now: c.Now,
			Policy: func(context.Context) (account.LockoutPolicy, error) {
				return account.LockoutPolicy{MaxAttempts: 3}, nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		c.Sentinel = s
	})
	u := f.user()
	f.withTOTP(u)
	mfIs(t, f.svc.BindBackupCodes(ctx, f.caller(u), mfCodes), nil)
	c := account.Caller{UserID: u.ID}
	_, err := f.svc.VerifyTOTP(ctx, c, "000000")
	mfIs(t, err, apierror.InvalidTOTPCode)
	_, err = f.svc.VerifyBackupCode(ctx, c, "ffffffffff")
	mfIs(t, err, apierror.InvalidBackupCode)
	_, err = f.svc.VerifyTOTP(ctx, c, "000001")
	mfIs(t, err, apierror.VerificationBlocked)
	if got := f.events.count(event.IdentifierLockout); got != 1 {
		t.Errorf("Identifier.Lockout events: %d, want 1", got)
	}
	_, err = f.svc.VerifyTOTP(ctx, c, f.code(mfRFCSecret, 30*time.Second))
	mfIs(t, err, apierror.VerificationBlocked)
	_, err = f.svc.VerifyBackupCode(ctx, c, mfCodes[0])
	mfIs(t, err, apierror.VerificationBlocked)
	set := findFactor(f.factors(u), store.FactorBackupCode)
	if !set.BackupCodes[0].UsedAt.IsZero() {
		t.Error("a blocked step-up used a backup code")
	}

	// Another user is not blocked.
	v := f.user()
	f.withTOTP(v)
	if _, err := f.svc.VerifyTOTP(ctx, account.Caller{UserID: v.ID}, f.code(mfRFCSecret, 30*time.Second)); err != nil {
		t.Errorf("another user's step-up: %v", err)
	}
}

// TestTOTPStepUpConcurrency: of concurrent step-ups with one code, exactly
// one is accepted (RFC 6238 §5.2).
func TestTOTPStepUpConcurrency(t *testing.T) {
	f := mfNew(t)
	u := f.user()
	f.withTOTP(u)
	code := f.code(mfRFCSecret, 30*time.Second)
	const n = 10
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.svc.VerifyTOTP(context.Background(), account.Caller{UserID: u.ID}, code)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !apierror.From(err).Is(apierror.InvalidTOTPCode):
			t.Errorf("a losing step-up: %v, want session.mfa.invalid_totp_code", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d step-ups accepted one code, want 1", ok)
	}
}
