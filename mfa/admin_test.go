package mfa

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pquerna/otp"

	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/store/sqlite"
)

// Tests of the Management API's MFA use cases (Admin). The HTTP routes are
// tested in e2e/httpadapter/management_mfa_test.go; these check what the routes
// cannot see: the otpauth URI, sealing at rest, races. Helpers start with
// "ma".

var maNow = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

func maStore(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "admin.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func maAdmin(t *testing.T, st store.Store, mod func(*AdminConfig)) *Admin {
	t.Helper()
	cfg := AdminConfig{Store: st, Now: func() time.Time { return maNow }}
	if mod != nil {
		mod(&cfg)
	}
	a, err := NewAdmin(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func maUser(t *testing.T, st store.Store, id string, mods ...func(*store.User)) *store.User {
	t.Helper()
	u := &store.User{ID: id, CreatedAt: maNow, UpdatedAt: maNow}
	for _, m := range mods {
		m(u)
	}
	if err := st.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

func maIs(t *testing.T, err error, want *apierror.Error, status int) {
	t.Helper()
	var got *apierror.Error
	if !errors.As(err, &got) || !errors.Is(err, want) || got.Status() != status {
		t.Fatalf("error %v, want %s with status %d", err, want.Code(), status)
	}
}

func TestNewAdmin(t *testing.T) {
	if _, err := NewAdmin(AdminConfig{}); err == nil {
		t.Error("NewAdmin without a store succeeded")
	}
	if _, err := NewAdmin(AdminConfig{Store: maStore(t), EncryptionKeys: [][]byte{[]byte("short")}}); err == nil {
		t.Error("NewAdmin with a 5-byte key succeeded")
	}
}

func TestAdminTOTPKeyURI(t *testing.T) {
	name := func(s string) func(*store.User) { return func(u *store.User) { u.Name = &s } }
	cases := []struct {
		name          string
		issuer, host  string
		user          []func(*store.User)
		wantIssuer    string
		wantAccount   string
		wantURIPrefix string
	}{
		{name: "host and name", host: "auth.example.com", user: []func(*store.User){name("Ann Lee"), func(u *store.User) { u.Username = "ann" }},
			wantIssuer: "auth.example.com", wantAccount: "Ann Lee", wantURIPrefix: "otpauth://totp/auth.example.com:Ann%20Lee?"},
		{name: "configured issuer, email", issuer: "Acme", host: "auth.example.com",
			user:       []func(*store.User){func(u *store.User) { u.PrimaryEmail, u.Username = "ann@example.com", "ann" }},
			wantIssuer: "Acme", wantAccount: "ann@example.com"},
		{name: "phone in international format", host: "h", user: []func(*store.User){func(u *store.User) { u.PrimaryPhone, u.Username = "61412345678", "ann" }},
			wantIssuer: "h", wantAccount: "+61 412 345 678"},
		{name: "username", host: "h", user: []func(*store.User){func(u *store.User) { u.Username = "ann" }},
			wantIssuer: "h", wantAccount: "ann"},
		{name: "empty name counts as none", host: "h", user: []func(*store.User){name(""), func(u *store.User) { u.Username = "ann" }},
			wantIssuer: "h", wantAccount: "ann"},
		{name: "nobody, no host", user: nil, wantIssuer: "accountapi", wantAccount: "Unnamed User"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := maStore(t)
			a := maAdmin(t, st, func(c *AdminConfig) { c.TOTPIssuer = tc.issuer })
			u := maUser(t, st, "user1", tc.user...)
			s, err := a.CreateTOTP(context.Background(), u.ID, nil, Client{Host: tc.host})
			if err != nil {
				t.Fatal(err)
			}
			key, err := otp.NewKeyFromURL(s.KeyURI)
			if err != nil {
				t.Fatal(err)
			}
			if key.Issuer() != tc.wantIssuer || key.AccountName() != tc.wantAccount || key.Secret() != s.Secret {
				t.Errorf("key issuer %q account %q secret %q; want %q, %q, %q", key.Issuer(), key.AccountName(), key.Secret(),
					tc.wantIssuer, tc.wantAccount, s.Secret)
			}
			if key.Period() != 30 || key.Digits() != otp.DigitsSix || key.Algorithm() != otp.AlgorithmSHA1 {
				t.Errorf("key parameters %s", s.KeyURI)
			}
			if !strings.HasPrefix(s.KeyURI, tc.wantURIPrefix) {
				t.Errorf("URI %s, want the prefix %s", s.KeyURI, tc.wantURIPrefix)
			}
			if !strings.HasPrefix(s.QRCode, "data:image/png;base64,") {
				t.Errorf("QR code %.30q", s.QRCode)
			}
		})
	}
}

// TestAdminTOTPDeterministic pins the generated secret to the injected
// randomness: 20 bytes, base32.
func TestAdminTOTPDeterministic(t *testing.T) {
	st := maStore(t)
	a := maAdmin(t, st, func(c *AdminConfig) { c.Rand = bytes.NewReader(bytes.Repeat([]byte{0}, 256)) })
	maUser(t, st, "user1")
	s, err := a.CreateTOTP(context.Background(), "user1", nil, Client{Host: "h"})
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Repeat("A", 32); s.Secret != want {
		t.Errorf("secret %q, want %q", s.Secret, want)
	}
}

// TestAdminSealing binds a TOTP secret and backup codes with encryption keys:
// the store holds sealed values that open to what was bound, and a Service
// with the same keys reads them.
func TestAdminSealing(t *testing.T) {
	st := maStore(t)
	keys := [][]byte{bytes.Repeat([]byte{7}, 32)}
	a := maAdmin(t, st, func(c *AdminConfig) { c.EncryptionKeys = keys })
	maUser(t, st, "user1")
	ctx := context.Background()
	secret := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	if _, err := a.CreateTOTP(ctx, "user1", &secret, Client{}); err != nil {
		t.Fatal(err)
	}
	codes, err := a.CreateBackupCodes(ctx, "user1", nil)
	if err != nil {
		t.Fatal(err)
	}
	factors, err := st.ListMFAFactors(ctx, "user1")
	if err != nil || len(factors) != 2 {
		t.Fatalf("factors %+v (%v)", factors, err)
	}
	opener, err := newSealer(keys, nil)
	if err != nil {
		t.Fatal(err)
	}
	totpF, codesF := findFactor(factors, store.FactorTOTP), findFactor(factors, store.FactorBackupCode)
	if totpF == nil || codesF == nil {
		t.Fatalf("factors %+v", factors)
	}
	stored := totpF.TOTP.Secret
	if !strings.HasPrefix(stored, sealedPrefix) || strings.Contains(stored, secret) {
		t.Errorf("stored TOTP secret %q is not sealed", stored)
	}
	if got, err := opener.open(stored, totpOwner("user1")); err != nil || got != secret {
		t.Errorf("opened %q (%v), want %q", got, err, secret)
	}
	for i, bc := range codesF.BackupCodes {
		if !strings.HasPrefix(bc.Code, sealedPrefix) {
			t.Errorf("backup code %d stored as %q", i, bc.Code)
		}
		if got, err := opener.open(bc.Code, backupCodeOwner("user1")); err != nil || got != codes[i] {
			t.Errorf("backup code %d opened to %q (%v), want %q", i, got, err, codes[i])
		}
	}
}

// TestAdminLeavesMFAFlagAlone: binding through the Management API does not
// set logtoConfig.mfa.enabled, as in Logto.
func TestAdminLeavesMFAFlagAlone(t *testing.T) {
	st := maStore(t)
	a := maAdmin(t, st, nil)
	maUser(t, st, "user1")
	ctx := context.Background()
	if _, err := a.CreateTOTP(ctx, "user1", nil, Client{}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateBackupCodes(ctx, "user1", nil); err != nil {
		t.Fatal(err)
	}
	u, err := st.GetUser(ctx, "user1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(store.LogtoConfig{}, u.LogtoConfig); diff != "" {
		t.Errorf("logtoConfig changed (-want +got):\n%s", diff)
	}
}

// TestAdminConcurrentTOTP binds TOTP ten times at once: exactly one wins.
func TestAdminConcurrentTOTP(t *testing.T) {
	st := maStore(t)
	a := maAdmin(t, st, nil)
	maUser(t, st, "user1")
	errs := make([]error, 10)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = a.CreateTOTP(context.Background(), "user1", nil, Client{})
		}()
	}
	wg.Wait()
	var ok int
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, apierror.TOTPAlreadyInUse):
		default:
			t.Errorf("unexpected error %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d binds succeeded, want 1", ok)
	}
}

func TestAdminRefusals(t *testing.T) {
	ctx := context.Background()
	st := maStore(t)
	a := maAdmin(t, st, nil)
	maUser(t, st, "user1")
	bad := "not-base32"

	_, err := a.CreateTOTP(ctx, "user1", &bad, Client{})
	maIs(t, err, apierror.TOTPSecretInvalid, 422)
	_, err = a.CreateBackupCodes(ctx, "user1", nil)
	maIs(t, err, apierror.BackupCodeCannotBeAlone, 422)
	if _, err := a.CreateTOTP(ctx, "user1", nil, Client{}); err != nil {
		t.Fatal(err)
	}
	_, err = a.CreateTOTP(ctx, "user1", nil, Client{})
	maIs(t, err, apierror.TOTPAlreadyInUse, 422)
	_, err = a.CreateBackupCodes(ctx, "user1", []string{"0123456789"})
	maIs(t, err, apierror.WrongBackupCodeFormat, 422)
	if _, err := a.CreateBackupCodes(ctx, "user1", nil); err != nil {
		t.Fatal(err)
	}
	_, err = a.CreateBackupCodes(ctx, "user1", nil)
	maIs(t, err, apierror.BackupCodeAlreadyInUse, 422)

	for name, call := range map[string]func() error{
		"list":        func() error { _, err := a.ListFactors(ctx, "ghost"); return err },
		"totp":        func() error { _, err := a.CreateTOTP(ctx, "ghost", nil, Client{}); return err },
		"codes":       func() error { _, err := a.CreateBackupCodes(ctx, "ghost", nil); return err },
		"delete":      func() error { return a.DeleteFactor(ctx, "ghost", "x") },
		"config":      func() error { _, err := a.LogtoConfig(ctx, "ghost"); return err },
		"config edit": func() error { _, err := a.UpdateLogtoConfig(ctx, "ghost", LogtoConfigPatch{}); return err },
	} {
		t.Run("unknown user: "+name, func(t *testing.T) { maIs(t, call(), apierror.EntityNotFound, 404) })
	}
	maIs(t, a.DeleteFactor(ctx, "user1", "nosuchfactor"), apierror.EntityNotFound, 404)
}
