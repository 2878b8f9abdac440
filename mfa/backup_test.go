package mfa

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/store"
)

// mfCodes are ten well-formed backup codes.
var mfCodes = []string{
	"0123456789", "bcdef01234", "1111111111", "2222222222", "3333333333",
	"4444444444", "5555555555", "6666666666", "7777777777", "8888888888",
}

// mfWithTOTP gives the user a TOTP factor, so that backup codes may be bound.
func (f *mfFixture) withTOTP(u *store.User) {
	f.t.Helper()
	mfIs(f.t, f.svc.BindTOTP(context.Background(), f.caller(u), mfRFCSecret, ""), nil)
}

func TestGenerateBackupCodes(t *testing.T) {
	f := mfNew(t)
	codes, err := f.svc.GenerateBackupCodes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	format := regexp.MustCompile(`^[0-9a-f]{10}$`)
	seen := map[string]bool{}
	for _, c := range codes {
		if !format.MatchString(c) {
			t.Errorf("code %q: want 10 lowercase hex characters", c)
		}
		seen[c] = true
	}
	if len(codes) != 10 || len(seen) != 10 {
		t.Errorf("got %d codes, %d distinct; want 10", len(codes), len(seen))
	}
	if !validBackupCodes(codes) {
		t.Error("generated codes do not pass the bind format")
	}
}

func TestValidBackupCodes(t *testing.T) {
	upper := append([]string{"ABCDEF0123"}, mfCodes[1:]...)
	cases := map[string]struct {
		codes []string
		ok    bool
	}{
		"ten codes":           {mfCodes, true},
		"upper case accepted": {upper, true},
		"nine codes":          {mfCodes[:9], false},
		"eleven codes":        {append(append([]string{}, mfCodes...), "9999999999"), false},
		"none":                {nil, false},
		"a short code":        {append([]string{"012345678"}, mfCodes[1:]...), false},
		"a long code":         {append([]string{"0123456789a"}, mfCodes[1:]...), false},
		"not hex":             {append([]string{"0123456789"[:9] + "g"}, mfCodes[1:]...), false},
		"trailing newline":    {append([]string{"0123456789\n"}, mfCodes[1:]...), false},
	}
	for name, tc := range cases {
		if got := validBackupCodes(tc.codes); got != tc.ok {
			t.Errorf("%s: valid = %v, want %v", name, got, tc.ok)
		}
	}
}

// TestBackupCodesLifecycle binds a set, reads it back, uses codes, and
// re-binds once it is exhausted: the newest set is the one shown.
func TestBackupCodesLifecycle(t *testing.T) {
	f := mfNew(t, func(c *Config) { c.EncryptionKeys = [][]byte{bytes.Repeat([]byte{3}, 32)} })
	u := f.user()
	c := f.caller(u)
	mfIs(t, f.svc.BindBackupCodes(context.Background(), c, mfCodes), apierror.BackupCodeCannotBeAlone)
	f.withTOTP(u)
	upper := append([]string{"ABCDEF0123"}, mfCodes[1:]...)
	events := f.events.count(event.UserDataUpdated)
	mfIs(t, f.svc.BindBackupCodes(context.Background(), c, upper), nil)
	if got := f.events.count(event.UserDataUpdated); got != events+1 {
		t.Errorf("User.Data.Updated: %d, want %d", got, events+1)
	}
	mfIs(t, f.svc.BindBackupCodes(context.Background(), c, mfCodes), apierror.BackupCodeAlreadyInUse)

	set := findFactor(f.factors(u), store.FactorBackupCode)
	for i, bc := range set.BackupCodes {
		if bc.Code == upper[i] || !strings.HasPrefix(bc.Code, sealedPrefix) {
			t.Fatalf("code %d is stored as %q: not sealed", i, bc.Code)
		}
	}
	got, err := f.svc.BackupCodes(context.Background(), c)
	mfIs(t, err, nil)
	want := make([]store.BackupCode, 10)
	for i, code := range upper {
		want[i].Code = code // stored as sent
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}

	// Codes are matched ignoring case, used once.
	r, err := f.svc.VerifyBackupCode(context.Background(), c, "abcdef0123")
	mfIs(t, err, nil)
	if r.Type != store.RecordBackupCode || r.UserID != u.ID || r.CreatedBy != u.ID || !r.Verified ||
		r.FactorID != set.ID || !r.ExpiresAt.Equal(f.clock.Now().Add(10*time.Minute)) {
		t.Errorf("record %+v: want a verified BackupCode record of the user for ten minutes", r)
	}
	_, err = f.svc.VerifyBackupCode(context.Background(), c, "ABCDEF0123")
	mfIs(t, err, apierror.InvalidBackupCode)
	got, _ = f.svc.BackupCodes(context.Background(), c)
	if !got[0].UsedAt.Equal(f.clock.Now()) || !got[1].UsedAt.IsZero() {
		t.Errorf("usedAt = %v, %v; want the first code used now, the second unused", got[0].UsedAt, got[1].UsedAt)
	}

	// Exhaust the set, then bind a new one: GET shows the new set.
	for _, code := range mfCodes[1:] {
		f.clock.Advance(time.Second)
		if _, err := f.svc.VerifyBackupCode(context.Background(), c, code); err != nil {
			t.Fatalf("using %s: %v", code, err)
		}
	}
	_, err = f.svc.VerifyBackupCode(context.Background(), c, mfCodes[1])
	mfIs(t, err, apierror.InvalidBackupCode)
	f.clock.Advance(time.Minute)
	fresh := []string{"a000000000", "a000000001", "a000000002", "a000000003", "a000000004",
		"a000000005", "a000000006", "a000000007", "a000000008", "a000000009"}
	mfIs(t, f.svc.BindBackupCodes(context.Background(), c, fresh), nil)
	got, _ = f.svc.BackupCodes(context.Background(), c)
	if got[0].Code != fresh[0] || !got[0].UsedAt.IsZero() {
		t.Errorf("after a re-bind GET shows %+v, want the new set", got[0])
	}
	if n := len(f.factors(u)); n != 3 {
		t.Errorf("%d factors, want TOTP and both sets (the exhausted one stays, as in Logto)", n)
	}
	if _, err := f.svc.VerifyBackupCode(context.Background(), c, fresh[5]); err != nil {
		t.Errorf("a code of the new set: %v", err)
	}
}

// TestBackupCodeBindConcurrency: of concurrent binds, one set is stored.
func TestBackupCodeBindConcurrency(t *testing.T) {
	f := mfNew(t)
	u := f.user()
	f.withTOTP(u)
	c := f.caller(u)
	const n = 10
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f.svc.BindBackupCodes(context.Background(), c, mfCodes)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !apierror.From(err).Is(apierror.BackupCodeAlreadyInUse):
			t.Errorf("a losing bind: %v, want user.backup_code_already_in_use", err)
		}
	}
	sets := 0
	for _, fa := range f.factors(u) {
		if fa.Type == store.FactorBackupCode {
			sets++
		}
	}
	if ok != 1 || sets != 1 {
		t.Errorf("%d binds succeeded, %d sets stored; want 1 and 1", ok, sets)
	}
}
