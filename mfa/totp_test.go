package mfa

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"image/png"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/store/sqlite"
)

// Helpers of the TOTP, backup-code, settings and step-up tests start with
// "mf"; the WebAuthn tests share the package.

// mfRFCSecret is RFC 6238 Appendix B's SHA-1 seed, the ASCII bytes
// "12345678901234567890", in base32.
var mfRFCSecret = base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))

// TestTOTPCodeRFC6238 checks the code computation against RFC 6238 Appendix
// B's SHA-1 vectors. The RFC prints 8-digit codes; ours have 6, which are the
// last 6 digits of the same truncated value (RFC 4226 §5.3).
func TestTOTPCodeRFC6238(t *testing.T) {
	if mfRFCSecret != "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" {
		t.Fatalf("seed in base32 = %s", mfRFCSecret)
	}
	vectors := []struct {
		unix int64
		step int64
		code string // RFC 6238 Appendix B, SHA1 column
	}{
		{59, 0x1, "94287082"},
		{1111111109, 0x23523EC, "07081804"},
		{1111111111, 0x23523ED, "14050471"},
		{1234567890, 0x273EF07, "89005924"},
		{2000000000, 0x3F940AA, "69279037"},
		{20000000000, 0x27BC86AA, "65353130"},
	}
	for _, v := range vectors {
		t.Run(time.Unix(v.unix, 0).UTC().Format(time.RFC3339), func(t *testing.T) {
			at := time.Unix(v.unix, 0)
			if got := totpStep(at); got != v.step {
				t.Errorf("step = %#x, want %#x", got, v.step)
			}
			got, err := totpCode(mfRFCSecret, v.step)
			if err != nil {
				t.Fatal(err)
			}
			if want := v.code[2:]; got != want {
				t.Errorf("code = %s, want %s", got, want)
			}
			step, ok, err := matchTOTP(mfRFCSecret, v.code[2:], at)
			if err != nil || !ok || step != v.step {
				t.Errorf("matchTOTP = %d, %v, %v; want %d, true", step, ok, err, v.step)
			}
		})
	}
}

func TestMatchTOTPWindow(t *testing.T) {
	now := time.Unix(1111111111, 0) // step 0x23523ED
	t0 := totpStep(now)
	code := func(step int64) string {
		c, err := totpCode(mfRFCSecret, step)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	cases := []struct {
		name string
		code string
		ok   bool
		step int64
	}{
		{"current step", code(t0), true, t0},
		{"previous step", code(t0 - 1), true, t0 - 1},
		{"next step", code(t0 + 1), true, t0 + 1},
		{"two steps back", code(t0 - 2), false, 0},
		{"two steps ahead", code(t0 + 2), false, 0},
		{"empty", "", false, 0},
		{"wrong", "000000", code(t0) == "000000", t0},
		{"8 digits", "14050471", false, 0},
		{"with a space", code(t0)[:3] + " " + code(t0)[3:], false, 0},
		{"padded", " " + code(t0), false, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			step, ok, err := matchTOTP(mfRFCSecret, tc.code, now)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.ok || (ok && step != tc.step) {
				t.Errorf("matchTOTP(%q) = %d, %v; want %d, %v", tc.code, step, ok, tc.step, tc.ok)
			}
		})
	}
}

func TestValidTOTPSecret(t *testing.T) {
	cases := []struct {
		secret string
		ok     bool
	}{
		{"JBSWY3DPEHPK3PXP", true},                    // 16
		{"JBSWY3DPEHPK3PXPJBSWY3DP", true},            // 24
		{"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", true},    // 32, what generate makes
		{"JBSWY3DPEHPK3PXPJB======", true},            // padded to a block
		{"JBSWY3DPEHPK3PXPJBSW====", true},            // 4 + 4 padding
		{"JBSWY3DPEHPK3PXPJBSWY===", true},            // 5 + 3
		{"JBSWY3DPEHPK3PXPJBSWY3D=", true},            // 7 + 1
		{"JBSWY3DPEHPK3PX", false},                    // 15: too short
		{"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGE", false}, // 34: too long
		{"jbswy3dpehpk3pxp", false},                   // lower case
		{"JBSWY3DPEHPK3PX1", false},                   // 1 is not base32
		{"JBSWY3DPEHPK3PX8", false},                   // nor 8
		{"JBSWY3DPEHPK3PXPJ", false},                  // 17: a partial block without padding
		{"JBSWY3DPEHPK3PXPJBS=====", false},           // 3 + 5: impossible padding
		{"JBSWY3DPEHPK3PXP========", false},           // a block of padding
		{"JBSWY3DP=EHPK3PXP", false},                  // padding inside
		{"JBSWY3DPEHPK3PXP\n", false},
		{"", false},
	}
	for _, tc := range cases {
		if got := ValidTOTPSecret(tc.secret); got != tc.ok {
			t.Errorf("ValidTOTPSecret(%q) = %v, want %v", tc.secret, got, tc.ok)
		}
		if tc.ok {
			// Everything accepted decodes, so codes can be computed.
			if _, err := totpCode(tc.secret, 1); err != nil {
				t.Errorf("%q is accepted but does not decode: %v", tc.secret, err)
			}
		}
	}
}

func TestTOTPLabel(t *testing.T) {
	name, empty := "Ann Lee", ""
	cases := []struct {
		name string
		user store.User
		want string
	}{
		{"name first", store.User{Name: &name, PrimaryEmail: "ann@example.com", Username: "ann"}, "Ann Lee"},
		{"then email", store.User{PrimaryEmail: "ann@example.com", PrimaryPhone: "61412345678", Username: "ann"}, "ann@example.com"},
		{"then phone, formatted", store.User{PrimaryPhone: "61412345678", Username: "ann"}, "+61 412 345 678"},
		{"then username", store.User{Username: "ann"}, "ann"},
		{"an empty name is none", store.User{Name: &empty, Username: "ann"}, "ann"},
		{"else Unnamed User", store.User{}, "Unnamed User"},
	}
	for _, tc := range cases {
		if got := totpLabel(&tc.user); got != tc.want {
			t.Errorf("%s: label = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// mfClock is a settable clock.
type mfClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *mfClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *mfClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// mfEvents records events.
type mfEvents struct {
	mu   sync.Mutex
	list []event.Event
}

func (e *mfEvents) Emit(_ context.Context, ev event.Event) {
	e.mu.Lock()
	e.list = append(e.list, ev)
	e.mu.Unlock()
}

func (e *mfEvents) count(n event.Name) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	k := 0
	for _, ev := range e.list {
		if ev.Name == n {
			k++
		}
	}
	return k
}

// mfFixture is a Service over a fresh SQLite store with every factor
// enabled, every field Edit, a fixed clock and deterministic randomness.
type mfFixture struct {
	t      *testing.T
	svc    *Service
	store  store.Store
	clock  *mfClock
	events *mfEvents
	rand   *mfSeed
}

// mfSeed is deterministic "randomness": a counter stream, never repeating
// within a test, so ids and nonces stay unique.
type mfSeed struct {
	mu sync.Mutex
	n  byte
	i  uint64
}

func (r *mfSeed) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range p {
		r.i++
		p[i] = byte(r.i*2654435761>>13) ^ r.n
	}
	return len(p), nil
}

func mfNew(t *testing.T, mods ...func(*Config)) *mfFixture {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "mfa.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return mfNewOver(t, st, 0, mods...)
}

// mfNewOver builds a fixture over an existing store; fixtures over one store
// need distinct seeds, so that their ids differ.
func mfNewOver(t *testing.T, st store.Store, seed byte, mods ...func(*Config)) *mfFixture {
	t.Helper()
	e := store.ControlEdit
	ac := store.AccountCenter{Enabled: true, Fields: store.AccountCenterFields{MFA: e, Passkey: e}}
	if err := st.SaveAccountCenter(context.Background(), &ac); err != nil {
		t.Fatal(err)
	}
	f := &mfFixture{t: t, store: st, clock: &mfClock{now: time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)},
		events: &mfEvents{}, rand: &mfSeed{n: seed}}
	cfg := Config{
		Store: st, Settings: mfSettings(t, st, f.clock.Now, store.FactorTOTP, store.FactorWebAuthn, store.FactorBackupCode),
		Events: f.events, Now: f.clock.Now, Rand: f.rand,
	}
	for _, m := range mods {
		m(&cfg)
	}
	svc, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	return f
}

// mfSettings returns a Settings over st whose host policies enable factors.
func mfSettings(t *testing.T, st store.Settings, now func() time.Time, factors ...store.FactorType) *account.Settings {
	t.Helper()
	s, err := account.NewSettings(account.SettingsConfig{
		Store: st, Now: now, CacheTTL: -1, Policies: account.Policies{MFA: account.MFAPolicy{Factors: factors}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// mfFactors is a Config modification that enables only factors: a Settings
// over the fixture's store with those host policies.
func mfFactors(t *testing.T, factors ...store.FactorType) func(*Config) {
	return func(c *Config) { c.Settings = mfSettings(t, c.Store.(store.Settings), c.Now, factors...) }
}

// user stores a user with a username.
func (f *mfFixture) user(mods ...func(*store.User)) *store.User {
	f.t.Helper()
	id, err := store.NewID(f.rand)
	if err != nil {
		f.t.Fatal(err)
	}
	u := &store.User{ID: id, Username: "user_" + id[:8], CreatedAt: f.clock.Now(), UpdatedAt: f.clock.Now()}
	for _, m := range mods {
		m(u)
	}
	if err := f.store.CreateUser(context.Background(), u); err != nil {
		f.t.Fatal(err)
	}
	return u
}

// caller is the user's caller with the identities scope and identity proof.
func (f *mfFixture) caller(u *store.User) account.Caller {
	f.t.Helper()
	now := f.clock.Now()
	id, err := store.NewID(f.rand)
	if err != nil {
		f.t.Fatal(err)
	}
	r := &store.VerificationRecord{ID: id, Type: store.RecordPassword, UserID: u.ID, CreatedBy: u.ID,
		CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute), Verified: true}
	if err := f.store.CreateVerificationRecord(context.Background(), r); err != nil {
		f.t.Fatal(err)
	}
	return account.Caller{UserID: u.ID, Scopes: []string{"openid", "identities"}, VerificationRecordID: id}
}

// code is the TOTP code of secret at the fixture's clock moved by d.
func (f *mfFixture) code(secret string, d time.Duration) string {
	f.t.Helper()
	c, err := totpCode(secret, totpStep(f.clock.Now().Add(d)))
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// factors lists the user's stored factors.
func (f *mfFixture) factors(u *store.User) []store.MFAFactor {
	f.t.Helper()
	fs, err := f.store.ListMFAFactors(context.Background(), u.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return fs
}

func mfIs(t *testing.T, err error, want *apierror.Error) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("err = %v, want none", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %s", err, want.Code())
	}
}

func TestGenerateTOTPSecret(t *testing.T) {
	f := mfNew(t)
	u := f.user(func(u *store.User) { u.PrimaryEmail = "ann@example.com" })
	s, err := f.svc.GenerateTOTPSecret(context.Background(), account.Caller{UserID: u.ID}, Client{Host: "auth.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Secret) != 32 || !ValidTOTPSecret(s.Secret) {
		t.Errorf("secret %q: want 32 base32 characters", s.Secret)
	}
	raw, err := base32.StdEncoding.DecodeString(s.Secret)
	if err != nil || len(raw) != 20 {
		t.Errorf("secret decodes to %d bytes (%v), want 20", len(raw), err)
	}
	key, err := otp.NewKeyFromURL(s.KeyURI)
	if err != nil {
		t.Fatal(err)
	}
	u2, _ := url.Parse(s.KeyURI)
	if u2.Scheme != "otpauth" || key.Type() != "totp" || key.Issuer() != "auth.example.com" ||
		key.AccountName() != "ann@example.com" || key.Secret() != s.Secret || u2.Path != "/auth.example.com:ann@example.com" {
		t.Errorf("keyUri %s: want otpauth://totp/auth.example.com:ann@example.com with the secret and issuer", s.KeyURI)
	}
	if key.Period() != 30 || key.Digits() != otp.DigitsSix || key.Algorithm() != otp.AlgorithmSHA1 {
		t.Errorf("keyUri %s: want 30 s, 6 digits, SHA1", s.KeyURI)
	}
	data, ok := strings.CutPrefix(s.QRCode, "data:image/png;base64,")
	if !ok {
		t.Fatalf("secretQrCode %.40q… is not a PNG data URL", s.QRCode)
	}
	img, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(img)); err != nil {
		t.Errorf("secretQrCode is not a PNG: %v", err)
	}
	if n := len(f.factors(u)); n != 0 {
		t.Errorf("generating stored %d factors", n)
	}

	// The configured issuer wins over the host.
	g := mfNew(t, func(c *Config) { c.TOTPIssuer = "Example Inc" })
	v := g.user()
	s, err = g.svc.GenerateTOTPSecret(context.Background(), account.Caller{UserID: v.ID}, Client{Host: "auth.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	key, _ = otp.NewKeyFromURL(s.KeyURI)
	if key.Issuer() != "Example Inc" || key.AccountName() != v.Username {
		t.Errorf("keyUri %s: want issuer Example Inc, label %s", s.KeyURI, v.Username)
	}
}

// TestTOTPReplayAcrossBindAndStepUp: the code that bound the factor is used
// up (RFC 6238 §5.2); the next step's code is not.
func TestTOTPReplayAcrossBindAndStepUp(t *testing.T) {
	f := mfNew(t)
	u := f.user()
	c := f.caller(u)
	code := f.code(mfRFCSecret, 0)
	mfIs(t, f.svc.BindTOTP(context.Background(), c, mfRFCSecret, code), nil)
	_, err := f.svc.VerifyTOTP(context.Background(), c, code)
	mfIs(t, err, apierror.InvalidTOTPCode)
	// The previous step's code is older than the one used: refused too.
	_, err = f.svc.VerifyTOTP(context.Background(), c, f.code(mfRFCSecret, -30*time.Second))
	mfIs(t, err, apierror.InvalidTOTPCode)
	r, err := f.svc.VerifyTOTP(context.Background(), c, f.code(mfRFCSecret, 30*time.Second))
	mfIs(t, err, nil)
	if r.Type != store.RecordTOTP || r.UserID != u.ID || !r.Verified || r.FactorID != f.factors(u)[0].ID {
		t.Errorf("record %+v: want a verified Totp record of the user naming the factor", r)
	}
	ok, err := account.IdentityVerified(context.Background(), f.store, f.clock.Now(), account.Caller{UserID: u.ID, VerificationRecordID: r.ID})
	if err != nil || !ok {
		t.Errorf("the step-up record is no identity proof: %v, %v", ok, err)
	}
	// And the next step's code is now used too.
	_, err = f.svc.VerifyTOTP(context.Background(), c, f.code(mfRFCSecret, 30*time.Second))
	mfIs(t, err, apierror.InvalidTOTPCode)
}

// TestTOTPSealedAtRest: with keys, the store holds no plain secret and the
// factor still verifies, also after rotating keys; a secret sealed for
// another user does not open.
func TestTOTPSealedAtRest(t *testing.T) {
	oldKey, newKey := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	f := mfNew(t, func(c *Config) { c.EncryptionKeys = [][]byte{oldKey} })
	u := f.user()
	mfIs(t, f.svc.BindTOTP(context.Background(), f.caller(u), mfRFCSecret, ""), nil)
	stored := f.factors(u)[0].TOTP.Secret
	if stored == mfRFCSecret || strings.Contains(stored, mfRFCSecret) || !strings.HasPrefix(stored, sealedPrefix) {
		t.Fatalf("stored secret %q is not sealed", stored)
	}
	if _, err := f.svc.VerifyTOTP(context.Background(), f.caller(u), f.code(mfRFCSecret, 0)); err != nil {
		t.Fatalf("step-up with a sealed secret: %v", err)
	}

	rotated := mfNewOver(t, f.store, 1, func(c *Config) { c.EncryptionKeys = [][]byte{newKey, oldKey} })
	rotated.clock.Advance(time.Minute)
	if _, err := rotated.svc.VerifyTOTP(context.Background(), rotated.caller(u), rotated.code(mfRFCSecret, 0)); err != nil {
		t.Fatalf("step-up after rotating keys: %v", err)
	}
	withoutOld := mfNewOver(t, f.store, 2, func(c *Config) { c.EncryptionKeys = [][]byte{newKey} })
	withoutOld.clock.Advance(2 * time.Minute)
	if _, err := withoutOld.svc.VerifyTOTP(context.Background(), withoutOld.caller(u), withoutOld.code(mfRFCSecret, 0)); err == nil || apierror.From(err).Status() != 500 {
		t.Fatalf("step-up without the sealing key: %v, want an internal error", err)
	}

	// Another user's factor with u's sealed secret copied in does not open.
	v := f.user()
	moved := store.MFAFactor{ID: "copiedfactor000000000", UserID: v.ID, Type: store.FactorTOTP, CreatedAt: f.clock.Now(),
		TOTP: &store.TOTP{Secret: stored}}
	if err := f.store.CreateMFAFactor(context.Background(), &moved); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(3 * time.Minute)
	if _, err := f.svc.VerifyTOTP(context.Background(), f.caller(v), f.code(mfRFCSecret, 0)); err == nil || apierror.From(err).Status() != 500 {
		t.Fatalf("step-up with another user's sealed secret: %v, want an internal error", err)
	}
}

func TestReplaceTOTP(t *testing.T) {
	f := mfNew(t)
	u := f.user()
	c := f.caller(u)
	mfIs(t, f.svc.BindTOTP(context.Background(), c, mfRFCSecret, ""), nil)
	old := f.factors(u)[0]
	f.clock.Advance(time.Minute)

	const other = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	mfIs(t, f.svc.ReplaceTOTP(context.Background(), c, other, ""), apierror.InvalidTOTPCode)
	mfIs(t, f.svc.ReplaceTOTP(context.Background(), c, other, f.code(mfRFCSecret, 0)), apierror.InvalidTOTPCode)
	if got := f.factors(u); len(got) != 1 || got[0].ID != old.ID || got[0].TOTP.Secret != mfRFCSecret {
		t.Fatalf("a refused replace changed the factors: %+v", got)
	}
	code := f.code(other, 0)
	mfIs(t, f.svc.ReplaceTOTP(context.Background(), c, other, code), nil)
	got := f.factors(u)
	if len(got) != 1 || got[0].ID == old.ID || got[0].TOTP.Secret != other ||
		!got[0].CreatedAt.Equal(f.clock.Now()) || !got[0].LastUsedAt.IsZero() || got[0].TOTP.LastUsedStep != totpStep(f.clock.Now()) {
		t.Fatalf("after replace: %+v; want one new factor with the new secret, its code's step used", got)
	}
	_, err := f.svc.VerifyTOTP(context.Background(), c, code)
	mfIs(t, err, apierror.InvalidTOTPCode)
}

// TestReplaceTOTPWithTheSameSecret: re-binding the secret in use does not
// make a used code usable again (RFC 6238 §5.2).
func TestReplaceTOTPWithTheSameSecret(t *testing.T) {
	f := mfNew(t, func(c *Config) { c.EncryptionKeys = [][]byte{bytes.Repeat([]byte{4}, 32)} })
	u := f.user()
	c := f.caller(u)
	mfIs(t, f.svc.BindTOTP(context.Background(), c, mfRFCSecret, ""), nil)
	next := f.code(mfRFCSecret, 30*time.Second)
	_, err := f.svc.VerifyTOTP(context.Background(), c, next)
	mfIs(t, err, nil)
	// Replace with the same secret and the current (older) step's code.
	mfIs(t, f.svc.ReplaceTOTP(context.Background(), c, mfRFCSecret, f.code(mfRFCSecret, 0)), nil)
	if got := f.factors(u)[0].TOTP.LastUsedStep; got != totpStep(f.clock.Now())+1 {
		t.Errorf("last used step %d, want %d (kept)", got, totpStep(f.clock.Now())+1)
	}
	_, err = f.svc.VerifyTOTP(context.Background(), c, next)
	mfIs(t, err, apierror.InvalidTOTPCode)
}

// TestGenerateTOTPSecretLongLabel: the longest label (a 128-character name)
// and a long issuer still make a QR code.
func TestGenerateTOTPSecretLongLabel(t *testing.T) {
	f := mfNew(t, func(c *Config) { c.TOTPIssuer = strings.Repeat("issuer ", 36) })
	name := strings.Repeat("ü", 128)
	u := f.user(func(u *store.User) { u.Name = &name })
	s, err := f.svc.GenerateTOTPSecret(context.Background(), account.Caller{UserID: u.ID}, Client{Host: "example.com"})
	if err != nil {
		t.Fatal(err)
	}
	key, err := otp.NewKeyFromURL(s.KeyURI)
	if err != nil || key.AccountName() != name {
		t.Fatalf("keyUri %s: account %q, %v", s.KeyURI, key.AccountName(), err)
	}
	if !strings.HasPrefix(s.QRCode, "data:image/png;base64,") {
		t.Errorf("no QR code")
	}
}
