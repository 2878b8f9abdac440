package mfa

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/store"
)

func TestLogtoConfigMerge(t *testing.T) {
	ctx := context.Background()
	f := mfNew(t)
	u := f.user(func(u *store.User) { u.LogtoConfig.MFA.SkipMfaOnSignIn = true })
	c := f.caller(u)

	got, err := f.svc.LogtoConfig(ctx, c)
	mfIs(t, err, nil)
	if diff := cmp.Diff(store.LogtoConfig{MFA: store.MFAConfig{SkipMfaOnSignIn: true}}, got); diff != "" {
		t.Errorf("initial config (-want +got):\n%s", diff)
	}

	yes, no := true, false
	var p LogtoConfigPatch
	p.MFA.Skipped = &yes
	p.MFA.Enabled = &no
	p.PasskeySignIn.Skipped = &yes
	got, err = f.svc.UpdateLogtoConfig(ctx, c, p)
	mfIs(t, err, nil)
	want := store.LogtoConfig{
		MFA:           store.MFAConfig{Enabled: &no, Skipped: true, SkipMfaOnSignIn: true},
		PasskeySignIn: store.PasskeySignInConfig{Skipped: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after PATCH (-want +got):\n%s", diff)
	}
	stored, _ := f.store.GetUser(ctx, u.ID)
	if diff := cmp.Diff(want, stored.LogtoConfig); diff != "" {
		t.Errorf("stored (-want +got):\n%s", diff)
	}

	s, err := f.svc.UpdateMFASettings(ctx, c, false)
	mfIs(t, err, nil)
	if s.SkipMfaOnSignIn {
		t.Error("skipMfaOnSignIn still true")
	}
	stored, _ = f.store.GetUser(ctx, u.ID)
	want.MFA.SkipMfaOnSignIn = false
	if diff := cmp.Diff(want, stored.LogtoConfig); diff != "" {
		t.Errorf("mfa-settings touched other flags (-want +got):\n%s", diff)
	}
	if got := f.events.count(event.UserDataUpdated); got != 2 {
		t.Errorf("User.Data.Updated: %d, want 2", got)
	}
}
