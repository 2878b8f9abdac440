package httpadapter_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image/png"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/accountapi/accountapi"
	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/store"
)

// Tests of the TOTP and backup-code routes, mfa-settings and logto-configs
// (docs/compatibility.md, "Order of checks", "TOTP", "Backup codes" and "MFA
// settings and logto-configs") and of our TOTP and backup-code step-up routes
// (docs/compatibility.md, "Step-up verification with an MFA factor"). Helpers
// carry an mf prefix.

const (
	mfFactorsPath  = "/api/my-account/mfa-verifications"
	mfTOTPPath     = "/api/my-account/mfa-verifications/totp"
	mfSecretPath   = "/api/my-account/mfa-verifications/totp-secret/generate"
	mfGeneratePath = "/api/my-account/mfa-verifications/backup-codes/generate"
	mfCodesPath    = "/api/my-account/mfa-verifications/backup-codes"
	mfSettingsPath = "/api/my-account/mfa-settings"
	mfConfigsPath  = "/api/my-account/logto-configs"
	mfTOTPVerify   = "/api/verifications/totp/verify"
	mfCodeVerify   = "/api/verifications/backup-code/verify"

	mfPassword = "Secret-123"
	// mfSecret is RFC 6238's SHA-1 seed, "12345678901234567890", in base32.
	mfSecret      = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	mfOtherSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
)

// mfBackupCodes are ten well-formed backup codes.
var mfBackupCodes = []string{
	"0123456789", "bcdef01234", "1111111111", "2222222222", "3333333333",
	"4444444444", "5555555555", "6666666666", "7777777777", "8888888888",
}

// mfCode is the TOTP code of secret at t, computed with pquerna/otp.
func mfCode(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// mfWrongCode is a six-digit code that is none of secret's codes around at.
func mfWrongCode(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	near := []string{mfCode(t, secret, at.Add(-30*time.Second)), mfCode(t, secret, at), mfCode(t, secret, at.Add(30*time.Second))}
	for i := 0; ; i++ {
		c := fmt.Sprintf("%06d", i)
		if !slices.Contains(near, c) {
			return c
		}
	}
}

// mfUser stores a user with a username and the password mfPassword.
func mfUser(e *env) *store.User { return e.newUser(e.withPassword(mfPassword)) }

// mfProof proves the identity of a user whose password is mfPassword.
func mfProof(e *env, u *store.User) string { return e.passwordProof(u, mfPassword) }

// mfFactors reads the user's factors from the store.
func mfFactors(e *env, u *store.User) []store.MFAFactor {
	e.t.Helper()
	fs, err := e.store.ListMFAFactors(context.Background(), u.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return fs
}

// mfOfType returns the user's factors of type t.
func mfOfType(e *env, u *store.User, t store.FactorType) []store.MFAFactor {
	var out []store.MFAFactor
	for _, f := range mfFactors(e, u) {
		if f.Type == t {
			out = append(out, f)
		}
	}
	return out
}

// mfStore stores a factor for the user directly.
func mfStore(e *env, f *store.MFAFactor) {
	e.t.Helper()
	id, err := store.NewID(rand.Reader)
	if err != nil {
		e.t.Fatal(err)
	}
	f.ID, f.CreatedAt = id, e.clock.Now()
	if err := e.store.CreateMFAFactor(context.Background(), f); err != nil {
		e.t.Fatal(err)
	}
}

// mfStoreTOTP gives the user a TOTP factor with secret, stored as it is.
func mfStoreTOTP(e *env, u *store.User, secret string) {
	mfStore(e, &store.MFAFactor{UserID: u.ID, Type: store.FactorTOTP, TOTP: &store.TOTP{Secret: secret}})
}

// mfStoreWebAuthn gives the user a WebAuthn factor.
func mfStoreWebAuthn(e *env, u *store.User) {
	mfStore(e, &store.MFAFactor{UserID: u.ID, Type: store.FactorWebAuthn, WebAuthn: &store.WebAuthnCredential{
		RPID: "example.com", CredentialID: []byte("credential-" + u.ID), PublicKey: []byte{1, 2, 3},
	}})
}

// mfStoreBackupCodes gives the user a set of codes, those at used already
// used.
func mfStoreBackupCodes(e *env, u *store.User, codes []string, used ...int) {
	f := &store.MFAFactor{UserID: u.ID, Type: store.FactorBackupCode}
	for i, c := range codes {
		bc := store.BackupCode{Code: c}
		if slices.Contains(used, i) {
			bc.UsedAt = e.clock.Now().Add(-time.Hour)
		}
		f.BackupCodes = append(f.BackupCodes, bc)
	}
	mfStore(e, f)
}

// mfBindTOTP binds secret over HTTP with the current code.
func mfBindTOTP(e *env, u *store.User, secret string) {
	e.t.Helper()
	r := e.do(req{method: "POST", path: mfFactorsPath, token: e.tokenFor(u.ID),
		header: map[string]string{"Logto-Verification-Id": mfProof(e, u)},
		body:   map[string]any{"type": "Totp", "secret": secret, "code": mfCode(e.t, secret, e.clock.Now())}})
	expect(e.t, r, 204, "")
}

// mfFault is one reason, among several a case may combine, for a request to
// be refused; combined faults prove the order of the checks.
type mfFault uint

const (
	mfNoProof  mfFault = 1 << iota // no logto-verification-id
	mfNoScope                      // the token lacks identities
	mfThirdPty                     // the token was issued to a third-party app
	mfDisabled                     // the route's factor is not among the enabled factors
)

// mfCase is one request to an MFA route, made by a user with a password.
type mfCase struct {
	name   string
	faults mfFault
	// mfa and passkey are the account center's controls: "" for mfa means
	// Edit and mfUnset leaves it out; "" for passkey leaves it out.
	mfa, passkey store.Control
	// prep gives the user factors before the request; nil for none.
	prep   func(e *env, u *store.User)
	body   any
	status int
	code   string
	// check runs after a success.
	check func(t *testing.T, e *env, u *store.User, r response)
}

// mfUnset, as a case's mfa control, leaves the mfa field out of the
// account center's fields (which means Off).
const mfUnset store.Control = "unset"

// mfRoute is what mfRun needs to know of a route.
type mfRoute struct {
	method, path string
	// factor is the factor whose enabled-policy mfDisabled removes.
	factor store.FactorType
	// writes says whether a success changes the user (and emits
	// User.Data.Updated).
	writes bool
}

// mfRun runs one case against rt: on a refusal the user and its factors must
// be as they were and no User.Data.Updated emitted; on a success of a route
// that writes exactly one.
func mfRun(t *testing.T, rt mfRoute, tc mfCase) {
	t.Helper()
	ac := idEditable(func(f *store.AccountCenterFields) {
		f.MFA = cmpOr(tc.mfa, store.ControlEdit)
		if tc.mfa == mfUnset {
			f.MFA = ""
		}
		f.Passkey = tc.passkey
	})
	opts := []envOption{withAccountCenter(ac), idFirstParty()}
	if tc.faults&mfDisabled != 0 {
		opts = append(opts, withPolicies(func(p *account.Policies) {
			p.MFA.Factors = slices.DeleteFunc(slices.Clone(p.MFA.Factors), func(f store.FactorType) bool { return f == rt.factor })
		}))
	}
	e := newEnv(t, opts...)
	u := mfUser(e)
	if tc.prep != nil {
		tc.prep(e, u)
	}
	header := map[string]string{}
	if tc.faults&mfNoProof == 0 {
		header["Logto-Verification-Id"] = mfProof(e, u)
	}
	scopes := []string{"openid", "profile"}
	if tc.faults&mfNoScope == 0 {
		scopes = append(scopes, "identities")
	}
	client := ""
	if tc.faults&mfThirdPty != 0 {
		client = idThirdParty
	}
	before, factors, updates := e.reload(u), mfFactors(e, u), idUpdates(e, u.ID)
	r := e.do(req{method: rt.method, path: rt.path, token: idToken(e, u.ID, client, scopes...), header: header, body: tc.body})
	expect(t, r, tc.status, tc.code)
	if tc.status >= 300 {
		idRefused(t, e, u, before, updates)
		if diff := cmp.Diff(factors, mfFactors(e, u)); diff != "" {
			t.Errorf("factors changed by a refused request (-before +after):\n%s", diff)
		}
		return
	}
	want := updates
	if rt.writes {
		want++
	}
	if got := idUpdates(e, u.ID); got != want {
		t.Errorf("User.Data.Updated events: %d, want %d", got, want)
	}
	if tc.check != nil {
		tc.check(t, e, u, r)
	}
}

func cmpOr(c, def store.Control) store.Control {
	if c == "" {
		return def
	}
	return c
}

// mfBound checks that the user has MFA enabled, the stored TOTP factor has
// secret, and its last used step is step (0: none).
func mfBound(secret string, step int64) func(t *testing.T, e *env, u *store.User, r response) {
	return func(t *testing.T, e *env, u *store.User, _ response) {
		t.Helper()
		fs := mfOfType(e, u, store.FactorTOTP)
		if len(fs) != 1 || fs[0].TOTP.Secret != secret || fs[0].TOTP.LastUsedStep != step ||
			!fs[0].CreatedAt.Equal(e.clock.Now()) || !fs[0].LastUsedAt.IsZero() {
			t.Fatalf("TOTP factors %+v: want one with secret %s, last used step %d, created now, never used", fs, secret, step)
		}
		if en := e.reload(u).LogtoConfig.MFA.Enabled; en == nil || !*en {
			t.Errorf("logtoConfig.mfa.enabled = %v, want true", en)
		}
	}
}

// mfNowStep is the TOTP time step of the env's start (2026-03-04 10:00 UTC).
var mfNowStep = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC).Unix() / 30

// ---------------------------------------------------------------------------
// TOTP

func TestTOTPSecretGenerate(t *testing.T) {
	e := newEnv(t, withAccountCenter(idEditable(func(f *store.AccountCenterFields) { f.MFA = store.ControlOff })), idFirstParty())
	u := e.newUser(withEmail("ann@example.com"))
	// No scope, field control, proof or first-party guard
	// (docs/compatibility.md, "Order of checks").
	r := e.do(req{method: "POST", path: mfSecretPath, token: idToken(e, u.ID, idThirdParty, "openid"), host: "auth.example.com:8443"})
	expect(t, r, 200, "")
	body := r.json(t)
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range body {
			if !yield(k) {
				return
			}
		}
	})
	if !cmp.Equal(keys, []string{"keyUri", "secret", "secretQrCode"}) {
		t.Errorf("members %v, want keyUri, secret, secretQrCode", keys)
	}
	secret, _ := body["secret"].(string)
	if !regexp.MustCompile(`^[A-Z2-7]{32}$`).MatchString(secret) {
		t.Errorf("secret %q: want 32 base32 characters without padding", secret)
	}
	key, err := otp.NewKeyFromURL(body["keyUri"].(string))
	if err != nil {
		t.Fatal(err)
	}
	uri, _ := url.Parse(key.URL())
	if key.Type() != "totp" || uri.Path != "/auth.example.com:ann@example.com" || key.Issuer() != "auth.example.com" ||
		key.Secret() != secret {
		t.Errorf("keyUri %s: want otpauth://totp/auth.example.com:ann@example.com?secret=%s&issuer=auth.example.com", key.URL(), secret)
	}
	data, ok := strings.CutPrefix(body["secretQrCode"].(string), "data:image/png;base64,")
	if !ok {
		t.Fatalf("secretQrCode is not a PNG data URL")
	}
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(raw)); err != nil {
		t.Errorf("secretQrCode: %v", err)
	}
	if n := len(mfFactors(e, u)); n != 0 {
		t.Errorf("generating stored %d factors", n)
	}
	again := e.do(req{method: "POST", path: mfSecretPath, token: e.tokenFor(u.ID)})
	expect(t, again, 200, "")
	if again.json(t)["secret"] == secret {
		t.Error("two secrets are equal")
	}

	// A generated secret binds.
	if _, err := e.settings.Update(context.Background(), account.SettingsPatch{Fields: account.Some(allEditable().Fields)}); err != nil {
		t.Fatal(err)
	}
	v := mfUser(e)
	r = e.do(req{method: "POST", path: mfSecretPath, token: e.tokenFor(v.ID)})
	expect(t, r, 200, "")
	mfBindTOTP(e, v, r.json(t)["secret"].(string))
}

func TestTOTPBind(t *testing.T) {
	rt := mfRoute{method: "POST", path: mfFactorsPath, factor: store.FactorTOTP, writes: true}
	body := func(secret, code string) map[string]any {
		b := map[string]any{"type": "Totp", "secret": secret}
		if code != "-" {
			b["code"] = code
		}
		return b
	}
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	good := mfCode(t, mfSecret, now)
	wrong := mfWrongCode(t, mfSecret, now)
	hasTOTP := func(e *env, u *store.User) { mfStoreTOTP(e, u, mfOtherSecret) }
	all := mfNoProof | mfNoScope | mfThirdPty | mfDisabled
	cases := []mfCase{
		// Guard errors come first (koaGuard runs before the handler).
		{name: "type in another case is a guard error", faults: all, body: map[string]any{"type": "TOTP", "secret": mfSecret},
			status: 400, code: "guard.invalid_input"},
		{name: "missing type", faults: all, body: map[string]any{"secret": mfSecret}, status: 400, code: "guard.invalid_input"},
		{name: "unknown type", body: map[string]any{"type": "Sms"}, status: 400, code: "guard.invalid_input"},
		{name: "missing secret", faults: all, body: map[string]any{"type": "Totp"}, status: 400, code: "guard.invalid_input"},
		{name: "secret not a string", body: map[string]any{"type": "Totp", "secret": 12}, status: 400, code: "guard.invalid_input"},
		{name: "code null", body: map[string]any{"type": "Totp", "secret": mfSecret, "code": nil}, status: 400, code: "guard.invalid_input"},
		{name: "not a JSON object", body: `["Totp"]`, status: 400, code: "guard.invalid_input"},
		{name: "a body over the cap", faults: all, body: map[string]any{"type": "Totp", "secret": strings.Repeat("A", 70<<10)},
			status: 413, code: "request.payload_too_large"},

		// Order (docs/compatibility.md, "Order of checks" and "TOTP"): proof,
		// field, scope, first party, enabled, already in use, secret, code.
		// Each case also fails every later check.
		{name: "proof first", faults: all, mfa: store.ControlReadOnly, prep: hasTOTP, body: body("bad", wrong),
			status: 401, code: "verification_record.permission_denied"},
		{name: "field before scope", faults: all &^ mfNoProof, mfa: store.ControlReadOnly, prep: hasTOTP, body: body("bad", wrong),
			status: 400, code: "account_center.field_not_editable"},
		{name: "field Off", mfa: store.ControlOff, body: body(mfSecret, good), status: 400, code: "account_center.field_not_editable"},
		{name: "passkey does not govern TOTP", mfa: store.ControlOff, passkey: store.ControlEdit, body: body(mfSecret, good),
			status: 400, code: "account_center.field_not_editable"},
		{name: "scope before first party", faults: mfNoScope | mfThirdPty | mfDisabled, prep: hasTOTP, body: body("bad", wrong),
			status: 401, code: "auth.unauthorized"},
		{name: "first party before enabled", faults: mfThirdPty | mfDisabled, prep: hasTOTP, body: body("bad", wrong),
			status: 403, code: "auth.third_party_application_forbidden"},
		{name: "enabled before already in use", faults: mfDisabled, prep: hasTOTP, body: body("bad", wrong),
			status: 400, code: "session.mfa.mfa_factor_not_enabled"},
		{name: "already in use before the secret", prep: hasTOTP, body: body("bad", wrong),
			status: 422, code: "user.totp_already_in_use"},
		{name: "secret before the code", body: body("bad", wrong), status: 400, code: "user.totp_secret_invalid"},
		{name: "secret in lower case", body: body(strings.ToLower(mfSecret), good), status: 400, code: "user.totp_secret_invalid"},
		{name: "secret too short", body: body("JBSWY3DPEHPK3PX", "-"), status: 400, code: "user.totp_secret_invalid"},
		{name: "secret too long", body: body(mfSecret+"AAAAAAAA", "-"), status: 400, code: "user.totp_secret_invalid"},
		{name: "secret with a partial block", body: body("JBSWY3DPEHPK3PXPJ", "-"), status: 400, code: "user.totp_secret_invalid"},
		{name: "wrong code", body: body(mfSecret, wrong), status: 400, code: "session.mfa.invalid_totp_code"},
		{name: "code two steps old", body: body(mfSecret, mfCode(t, mfSecret, now.Add(-time.Minute))), status: 400, code: "session.mfa.invalid_totp_code"},

		// Successes.
		{name: "with the current code", body: body(mfSecret, good), status: 204, check: mfBound(mfSecret, mfNowStep)},
		{name: "with the previous step's code", body: body(mfSecret, mfCode(t, mfSecret, now.Add(-30*time.Second))),
			status: 204, check: mfBound(mfSecret, mfNowStep-1)},
		{name: "with the next step's code", body: body(mfSecret, mfCode(t, mfSecret, now.Add(30*time.Second))),
			status: 204, check: mfBound(mfSecret, mfNowStep+1)},
		{name: "without a code", body: body(mfSecret, "-"), status: 204, check: mfBound(mfSecret, 0)},
		{name: "an empty code is no code", body: body(mfSecret, ""), status: 204, check: mfBound(mfSecret, 0)},
		{name: "padded secret", body: body("JBSWY3DPEHPK3PXPJB======", "-"), status: 204, check: mfBound("JBSWY3DPEHPK3PXPJB======", 0)},
		{name: "next to a passkey", prep: mfStoreWebAuthn, body: body(mfSecret, good), status: 204, check: mfBound(mfSecret, mfNowStep)},
		{name: "unknown members are ignored", body: map[string]any{"type": "Totp", "secret": mfSecret, "extra": 1},
			status: 204, check: mfBound(mfSecret, 0)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { mfRun(t, rt, tc) })
	}
}

func TestTOTPReplace(t *testing.T) {
	rt := mfRoute{method: "PUT", path: mfTOTPPath, factor: store.FactorTOTP, writes: true}
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	body := func(secret, code string) map[string]any { return map[string]any{"secret": secret, "code": code} }
	good := mfCode(t, mfSecret, now)
	wrong := mfWrongCode(t, mfSecret, now)
	hasTOTP := func(e *env, u *store.User) { mfStoreTOTP(e, u, mfOtherSecret) }
	all := mfNoProof | mfNoScope | mfThirdPty | mfDisabled
	cases := []mfCase{
		{name: "missing code is a guard error", faults: all, body: map[string]any{"secret": mfSecret}, status: 400, code: "guard.invalid_input"},
		{name: "missing secret is a guard error", faults: all, body: map[string]any{"code": good}, status: 400, code: "guard.invalid_input"},

		// Order (docs/compatibility.md, "Order of checks"): proof, field,
		// scope, first party, enabled, secret, code.
		{name: "proof first", faults: all, mfa: store.ControlReadOnly, prep: hasTOTP, body: body("bad", wrong),
			status: 401, code: "verification_record.permission_denied"},
		{name: "field before scope", faults: all &^ mfNoProof, mfa: store.ControlReadOnly, prep: hasTOTP, body: body("bad", wrong),
			status: 400, code: "account_center.field_not_editable"},
		{name: "scope before first party", faults: mfNoScope | mfThirdPty | mfDisabled, prep: hasTOTP, body: body("bad", wrong),
			status: 401, code: "auth.unauthorized"},
		{name: "first party before enabled", faults: mfThirdPty | mfDisabled, prep: hasTOTP, body: body("bad", wrong),
			status: 403, code: "auth.third_party_application_forbidden"},
		{name: "enabled before the secret", faults: mfDisabled, prep: hasTOTP, body: body("bad", wrong),
			status: 400, code: "session.mfa.mfa_factor_not_enabled"},
		{name: "secret before the code", prep: hasTOTP, body: body("bad", wrong), status: 400, code: "user.totp_secret_invalid"},
		{name: "wrong code leaves the old factor", prep: hasTOTP, body: body(mfSecret, wrong), status: 400, code: "session.mfa.invalid_totp_code"},
		{name: "empty code is a wrong code", prep: hasTOTP, body: body(mfSecret, ""), status: 400, code: "session.mfa.invalid_totp_code"},
		{name: "the old secret's code is a wrong code", prep: hasTOTP, body: body(mfSecret, mfCode(t, mfOtherSecret, now)),
			status: 400, code: "session.mfa.invalid_totp_code"},

		{name: "replaces the factor", prep: hasTOTP, body: body(mfSecret, good), status: 204, check: mfBound(mfSecret, mfNowStep)},
		{name: "adds one when there is none", body: body(mfSecret, good), status: 204, check: mfBound(mfSecret, mfNowStep)},
		{name: "keeps the other factors", prep: func(e *env, u *store.User) {
			hasTOTP(e, u)
			mfStoreBackupCodes(e, u, mfBackupCodes)
		}, body: body(mfSecret, good), status: 204, check: func(t *testing.T, e *env, u *store.User, r response) {
			mfBound(mfSecret, mfNowStep)(t, e, u, r)
			if n := len(mfOfType(e, u, store.FactorBackupCode)); n != 1 {
				t.Errorf("%d backup-code sets, want 1", n)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { mfRun(t, rt, tc) })
	}
}

// TestTOTPReplaceNewID: the replacement is a new factor, not the old one
// edited (docs/compatibility.md, "TOTP").
func TestTOTPReplaceNewID(t *testing.T) {
	e := newEnv(t)
	u := mfUser(e)
	mfBindTOTP(e, u, mfOtherSecret)
	old := mfOfType(e, u, store.FactorTOTP)[0]
	e.clock.Advance(time.Hour)
	r := e.do(req{method: "PUT", path: mfTOTPPath, token: e.tokenFor(u.ID),
		header: map[string]string{"Logto-Verification-Id": mfProof(e, u)},
		body:   map[string]any{"secret": mfSecret, "code": mfCode(t, mfSecret, e.clock.Now())}})
	expect(t, r, 204, "")
	got := mfOfType(e, u, store.FactorTOTP)
	if len(got) != 1 || got[0].ID == old.ID || !got[0].CreatedAt.Equal(e.clock.Now()) {
		t.Errorf("after PUT: %+v; want one factor with a new id, created now", got)
	}
}

// TestTOTPBindConcurrency: of ten concurrent binds for one user, one
// succeeds; the store's unique index refuses the others.
func TestTOTPBindConcurrency(t *testing.T) {
	e := newEnv(t)
	u := mfUser(e)
	proof := mfProof(e, u)
	rs := vtConcurrently(10, func(i int) response {
		return e.do(req{method: "POST", path: mfFactorsPath, token: e.tokenFor(u.ID),
			header: map[string]string{"Logto-Verification-Id": proof},
			body:   map[string]any{"type": "Totp", "secret": mfSecret}})
	})
	want := map[string]int{"204 ": 1, "422 user.totp_already_in_use": 9}
	if diff := cmp.Diff(want, vtTally(rs)); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
	if n := len(mfOfType(e, u, store.FactorTOTP)); n != 1 {
		t.Errorf("%d TOTP factors, want 1", n)
	}
	if got := idUpdates(e, u.ID); got != 1 {
		t.Errorf("User.Data.Updated events: %d, want 1", got)
	}
}

// ---------------------------------------------------------------------------
// Backup codes

func TestBackupCodesGenerate(t *testing.T) {
	e := newEnv(t, withAccountCenter(idEditable(func(f *store.AccountCenterFields) { f.MFA = store.ControlOff })), idFirstParty())
	u := mfUser(e)
	r := e.do(req{method: "POST", path: mfGeneratePath, token: idToken(e, u.ID, idThirdParty, "openid")})
	expect(t, r, 200, "")
	var body struct {
		Codes []string `json:"codes"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatal(err)
	}
	format := regexp.MustCompile(`^[0-9a-f]{10}$`)
	seen := map[string]bool{}
	for _, c := range body.Codes {
		if !format.MatchString(c) {
			t.Errorf("code %q: want 10 lowercase hex characters", c)
		}
		seen[c] = true
	}
	if len(body.Codes) != 10 || len(seen) != 10 {
		t.Errorf("%d codes, %d distinct; want 10", len(body.Codes), len(seen))
	}
	if n := len(mfFactors(e, u)); n != 0 {
		t.Errorf("generating stored %d factors", n)
	}
}

func TestBackupCodesBind(t *testing.T) {
	rt := mfRoute{method: "POST", path: mfFactorsPath, factor: store.FactorBackupCode, writes: true}
	body := func(codes []string) map[string]any { return map[string]any{"type": "BackupCode", "codes": codes} }
	withTOTP := func(e *env, u *store.User) { mfStoreTOTP(e, u, mfSecret) }
	inUse := func(e *env, u *store.User) { mfStoreBackupCodes(e, u, mfBackupCodes, 0, 1, 2) }
	badFormat := append([]string{"xyz"}, mfBackupCodes[1:]...)
	upper := append([]string{"ABCDEF0123"}, mfBackupCodes[1:]...)
	all := mfNoProof | mfNoScope | mfThirdPty | mfDisabled
	stored := func(want []string) func(t *testing.T, e *env, u *store.User, r response) {
		return func(t *testing.T, e *env, u *store.User, _ response) {
			t.Helper()
			sets := mfOfType(e, u, store.FactorBackupCode)
			last := sets[len(sets)-1]
			var got []string
			for _, c := range last.BackupCodes {
				got = append(got, c.Code)
				if !c.UsedAt.IsZero() {
					t.Errorf("a new code is used")
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("stored codes (-want +got):\n%s", diff)
			}
			if en := e.reload(u).LogtoConfig.MFA.Enabled; en == nil || !*en {
				t.Errorf("logtoConfig.mfa.enabled = %v, want true", en)
			}
		}
	}
	cases := []mfCase{
		{name: "missing codes is a guard error", faults: all, body: map[string]any{"type": "BackupCode"},
			status: 400, code: "guard.invalid_input"},
		{name: "codes not an array", body: map[string]any{"type": "BackupCode", "codes": "0123456789"},
			status: 400, code: "guard.invalid_input"},
		{name: "a code not a string", body: map[string]any{"type": "BackupCode", "codes": []any{1}},
			status: 400, code: "guard.invalid_input"},

		// Order (docs/compatibility.md, "Order of checks" and "Backup codes"):
		// proof, field, scope, first party, enabled, already in use, alone,
		// format.
		{name: "proof first", faults: all, mfa: store.ControlReadOnly, prep: inUse, body: body(badFormat),
			status: 401, code: "verification_record.permission_denied"},
		{name: "field before scope", faults: all &^ mfNoProof, mfa: store.ControlReadOnly, prep: inUse, body: body(badFormat),
			status: 400, code: "account_center.field_not_editable"},
		{name: "scope before first party", faults: mfNoScope | mfThirdPty | mfDisabled, prep: inUse, body: body(badFormat),
			status: 401, code: "auth.unauthorized"},
		{name: "first party before enabled", faults: mfThirdPty | mfDisabled, prep: inUse, body: body(badFormat),
			status: 403, code: "auth.third_party_application_forbidden"},
		{name: "enabled before in use", faults: mfDisabled, prep: inUse, body: body(badFormat),
			status: 400, code: "session.mfa.mfa_factor_not_enabled"},
		{name: "in use before alone", prep: inUse, body: body(badFormat), status: 422, code: "user.backup_code_already_in_use"},
		{name: "alone before format", body: body(badFormat), status: 422, code: "session.mfa.backup_code_can_not_be_alone"},
		{name: "an exhausted set alone is still alone", prep: func(e *env, u *store.User) {
			mfStoreBackupCodes(e, u, mfBackupCodes, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)
		}, body: body(mfBackupCodes), status: 422, code: "session.mfa.backup_code_can_not_be_alone"},
		{name: "bad format", prep: withTOTP, body: body(badFormat), status: 422, code: "user.wrong_backup_code_format"},
		{name: "nine codes", prep: withTOTP, body: body(mfBackupCodes[:9]), status: 422, code: "user.wrong_backup_code_format"},
		{name: "no codes", prep: withTOTP, body: body([]string{}), status: 422, code: "user.wrong_backup_code_format"},

		{name: "binds next to TOTP", prep: withTOTP, body: body(mfBackupCodes), status: 204, check: stored(mfBackupCodes)},
		{name: "binds next to a passkey", prep: mfStoreWebAuthn, body: body(mfBackupCodes), status: 204, check: stored(mfBackupCodes)},
		{name: "upper case stored as sent", prep: withTOTP, body: body(upper), status: 204, check: stored(upper)},
		{name: "after an exhausted set", prep: func(e *env, u *store.User) {
			withTOTP(e, u)
			mfStoreBackupCodes(e, u, mfBackupCodes, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)
			e.clock.Advance(time.Second)
		}, body: body(upper), status: 204, check: func(t *testing.T, e *env, u *store.User, r response) {
			stored(upper)(t, e, u, r)
			if n := len(mfOfType(e, u, store.FactorBackupCode)); n != 2 {
				t.Errorf("%d sets, want 2: the exhausted set stays, as in Logto", n)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { mfRun(t, rt, tc) })
	}
}

// TestBackupCodesBindConcurrency: one unused set at a time, also under
// concurrency.
func TestBackupCodesBindConcurrency(t *testing.T) {
	e := newEnv(t)
	u := mfUser(e)
	mfStoreTOTP(e, u, mfSecret)
	proof := mfProof(e, u)
	rs := vtConcurrently(10, func(i int) response {
		return e.do(req{method: "POST", path: mfFactorsPath, token: e.tokenFor(u.ID),
			header: map[string]string{"Logto-Verification-Id": proof},
			body:   map[string]any{"type": "BackupCode", "codes": mfBackupCodes}})
	})
	want := map[string]int{"204 ": 1, "422 user.backup_code_already_in_use": 9}
	if diff := cmp.Diff(want, vtTally(rs)); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
	if n := len(mfOfType(e, u, store.FactorBackupCode)); n != 1 {
		t.Errorf("%d sets, want 1", n)
	}
}

func TestBackupCodesGet(t *testing.T) {
	rt := mfRoute{method: "GET", path: mfCodesPath, factor: store.FactorBackupCode}
	used := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
	withSet := func(e *env, u *store.User) {
		mfStoreTOTP(e, u, mfSecret)
		mfStoreBackupCodes(e, u, mfBackupCodes, 1)
	}
	codesBody := func(usedIndex int, codes []string) map[string]any {
		var list []any
		for i, c := range codes {
			m := map[string]any{"code": c}
			if i == usedIndex {
				m["usedAt"] = used.Format("2006-01-02T15:04:05.000Z")
			}
			list = append(list, m)
		}
		return map[string]any{"codes": list}
	}
	shows := func(want map[string]any) func(t *testing.T, e *env, u *store.User, r response) {
		return func(t *testing.T, _ *env, _ *store.User, r response) {
			if diff := cmp.Diff(want, r.json(t)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		}
	}
	newer := []string{"a000000000", "a000000001", "a000000002", "a000000003", "a000000004",
		"a000000005", "a000000006", "a000000007", "a000000008", "a000000009"}
	cases := []mfCase{
		// Order (docs/compatibility.md, "Order of checks"): proof, scope,
		// none. No field control, no first party guard, no enabled-factor
		// check.
		{name: "proof first", faults: mfNoProof | mfNoScope, status: 401, code: "verification_record.permission_denied"},
		{name: "scope before none", faults: mfNoScope, status: 401, code: "auth.unauthorized"},
		{name: "none", prep: func(e *env, u *store.User) { mfStoreTOTP(e, u, mfSecret) }, status: 404, code: "verification_record.not_found"},
		{name: "shows the codes with usedAt", prep: withSet, status: 200, check: shows(codesBody(1, mfBackupCodes))},
		{name: "mfa Off, third party and the factor disabled do not matter", faults: mfThirdPty | mfDisabled,
			mfa: store.ControlOff, prep: withSet, status: 200, check: shows(codesBody(1, mfBackupCodes))},
		// Logto shows the first set ever bound; we show the newest, the
		// only one that can have unused codes.
		{name: "shows the newest set", prep: func(e *env, u *store.User) {
			mfStoreTOTP(e, u, mfSecret)
			mfStoreBackupCodes(e, u, mfBackupCodes, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)
			e.clock.Advance(time.Second)
			mfStoreBackupCodes(e, u, newer)
		}, status: 200, check: shows(codesBody(-1, newer))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { mfRun(t, rt, tc) })
	}
}

// ---------------------------------------------------------------------------
// Step-up (ours)

func mfStepUp(e *env, u *store.User, path, code string) response {
	e.t.Helper()
	return e.do(req{method: "POST", path: path, token: e.tokenFor(u.ID), body: map[string]string{"code": code}})
}

func TestTOTPStepUp(t *testing.T) {
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	good := mfCode(t, mfSecret, now)
	cases := []struct {
		name       string
		env        []envOption
		prep       func(e *env, u *store.User)
		client     string
		body       any
		status     int
		code       string
		lastUsedAt bool // the factor's lastUsedAt is now afterwards
	}{
		{name: "missing code is a guard error", client: idThirdParty, body: map[string]any{}, status: 400, code: "guard.invalid_input"},
		{name: "code not a string", body: map[string]any{"code": 123456}, status: 400, code: "guard.invalid_input"},
		{name: "first party first", client: idThirdParty, body: map[string]any{"code": good},
			status: 403, code: "auth.third_party_application_forbidden"},
		{name: "no factor", body: map[string]any{"code": good}, status: 400, code: "session.mfa.mfa_factor_not_enabled"},
		{name: "only backup codes", prep: func(e *env, u *store.User) { mfStoreBackupCodes(e, u, mfBackupCodes) },
			body: map[string]any{"code": good}, status: 400, code: "session.mfa.mfa_factor_not_enabled"},
		{name: "TOTP disabled by the policy", env: []envOption{withPolicies(func(p *account.Policies) { p.MFA.Factors = []store.FactorType{store.FactorBackupCode} })},
			prep: func(e *env, u *store.User) { mfStoreTOTP(e, u, mfSecret) },
			body: map[string]any{"code": good}, status: 400, code: "session.mfa.mfa_factor_not_enabled"},
		{name: "wrong code", prep: func(e *env, u *store.User) { mfStoreTOTP(e, u, mfSecret) },
			body: map[string]any{"code": mfWrongCode(t, mfSecret, now)}, status: 400, code: "session.mfa.invalid_totp_code"},
		{name: "empty code", prep: func(e *env, u *store.User) { mfStoreTOTP(e, u, mfSecret) },
			body: map[string]any{"code": ""}, status: 400, code: "session.mfa.invalid_totp_code"},
		{name: "a step already used", prep: func(e *env, u *store.User) { mfBindTOTP(e, u, mfSecret) },
			body: map[string]any{"code": good}, status: 400, code: "session.mfa.invalid_totp_code"},
		{name: "a step older than the one used", prep: func(e *env, u *store.User) { mfBindTOTP(e, u, mfSecret) },
			body: map[string]any{"code": mfCode(t, mfSecret, now.Add(-30*time.Second))}, status: 400, code: "session.mfa.invalid_totp_code"},
		{name: "right code", prep: func(e *env, u *store.User) { mfStoreTOTP(e, u, mfSecret) },
			body: map[string]any{"code": good}, status: 201, lastUsedAt: true},
		{name: "next step after the used one", prep: func(e *env, u *store.User) { mfBindTOTP(e, u, mfSecret) },
			body: map[string]any{"code": mfCode(t, mfSecret, now.Add(30*time.Second))}, status: 201, lastUsedAt: true},
		{name: "first-party client", env: []envOption{idFirstParty()}, client: "first-party-app",
			prep: func(e *env, u *store.User) { mfStoreTOTP(e, u, mfSecret) },
			body: map[string]any{"code": good}, status: 201, lastUsedAt: true},
		{name: "no scope or field control needed", env: []envOption{withAccountCenter(idEditable(func(f *store.AccountCenterFields) { f.MFA = store.ControlOff }))},
			prep: func(e *env, u *store.User) { mfStoreTOTP(e, u, mfSecret) },
			body: map[string]any{"code": good}, status: 201, lastUsedAt: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, append([]envOption{idFirstParty()}, tc.env...)...)
			u := mfUser(e)
			if tc.prep != nil {
				tc.prep(e, u)
			}
			before, updates := mfFactors(e, u), idUpdates(e, u.ID)
			r := e.do(req{method: "POST", path: mfTOTPVerify, token: idToken(e, u.ID, tc.client, "openid"), body: tc.body})
			expect(t, r, tc.status, tc.code)
			if got := idUpdates(e, u.ID); got != updates {
				t.Errorf("a step-up emitted User.Data.Updated")
			}
			if tc.status != 201 {
				if diff := cmp.Diff(before, mfFactors(e, u)); diff != "" {
					t.Errorf("factors changed by a refused step-up (-before +after):\n%s", diff)
				}
				return
			}
			f := mfOfType(e, u, store.FactorTOTP)[0]
			mfCheckRecord(t, e, u, r, store.RecordTOTP, f.ID)
			if tc.lastUsedAt && !f.LastUsedAt.Equal(e.clock.Now()) {
				t.Errorf("lastUsedAt = %v, want now", f.LastUsedAt)
			}
		})
	}
}

// mfCheckRecord checks a step-up answer: 201 {verificationRecordId,
// expiresAt} for a verified record of typ, bound to and made by the user,
// naming the factor.
func mfCheckRecord(t *testing.T, e *env, u *store.User, r response, typ store.RecordType, factorID string) string {
	t.Helper()
	id := vtRecordID(t, r)
	if diff := cmp.Diff(map[string]any{"verificationRecordId": id, "expiresAt": vtExpiresAt}, r.json(t)); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	rec := vtRecord(t, e, id)
	if rec.Type != typ || rec.UserID != u.ID || rec.CreatedBy != u.ID || !rec.Verified || rec.FactorID != factorID ||
		!rec.ExpiresAt.Equal(e.clock.Now().Add(10*time.Minute)) {
		t.Errorf("record %+v: want a verified %s record of the user naming factor %s, for ten minutes", rec, typ, factorID)
	}
	return id
}

func TestBackupCodeStepUp(t *testing.T) {
	cases := []struct {
		name   string
		env    []envOption
		prep   func(e *env, u *store.User)
		client string
		body   any
		status int
		code   string
		used   int // index of the code used by a success
	}{
		{name: "missing code is a guard error", client: idThirdParty, body: map[string]any{}, status: 400, code: "guard.invalid_input"},
		{name: "first party first", client: idThirdParty, body: map[string]any{"code": mfBackupCodes[0]},
			status: 403, code: "auth.third_party_application_forbidden"},
		{name: "no set", prep: func(e *env, u *store.User) { mfStoreTOTP(e, u, mfSecret) },
			body: map[string]any{"code": mfBackupCodes[0]}, status: 400, code: "session.mfa.mfa_factor_not_enabled"},
		{name: "backup codes disabled by the policy", env: []envOption{withPolicies(func(p *account.Policies) { p.MFA.Factors = []store.FactorType{store.FactorTOTP} })},
			prep: func(e *env, u *store.User) { mfStoreBackupCodes(e, u, mfBackupCodes) },
			body: map[string]any{"code": mfBackupCodes[0]}, status: 400, code: "session.mfa.mfa_factor_not_enabled"},
		{name: "wrong code", prep: func(e *env, u *store.User) { mfStoreBackupCodes(e, u, mfBackupCodes) },
			body: map[string]any{"code": "9999999999"}, status: 400, code: "session.mfa.invalid_backup_code"},
		{name: "used code", prep: func(e *env, u *store.User) { mfStoreBackupCodes(e, u, mfBackupCodes, 4) },
			body: map[string]any{"code": mfBackupCodes[4]}, status: 400, code: "session.mfa.invalid_backup_code"},
		{name: "a code of an exhausted older set", prep: func(e *env, u *store.User) {
			mfStoreBackupCodes(e, u, []string{"c000000000", "c000000001", "c000000002", "c000000003", "c000000004",
				"c000000005", "c000000006", "c000000007", "c000000008", "c000000009"}, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)
			mfStoreBackupCodes(e, u, mfBackupCodes)
		}, body: map[string]any{"code": "c000000003"}, status: 400, code: "session.mfa.invalid_backup_code"},
		{name: "another user's code", prep: func(e *env, u *store.User) {
			mfStoreBackupCodes(e, u, mfBackupCodes)
			mfStoreBackupCodes(e, mfUser(e), []string{"d000000000"})
		}, body: map[string]any{"code": "d000000000"}, status: 400, code: "session.mfa.invalid_backup_code"},
		{name: "right code", prep: func(e *env, u *store.User) { mfStoreBackupCodes(e, u, mfBackupCodes) },
			body: map[string]any{"code": mfBackupCodes[3]}, status: 201, used: 3},
		{name: "upper case matches", prep: func(e *env, u *store.User) { mfStoreBackupCodes(e, u, mfBackupCodes) },
			body: map[string]any{"code": strings.ToUpper(mfBackupCodes[1])}, status: 201, used: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, append([]envOption{idFirstParty()}, tc.env...)...)
			u := mfUser(e)
			if tc.prep != nil {
				tc.prep(e, u)
			}
			before, updates := mfFactors(e, u), idUpdates(e, u.ID)
			r := e.do(req{method: "POST", path: mfCodeVerify, token: idToken(e, u.ID, tc.client, "openid"), body: tc.body})
			expect(t, r, tc.status, tc.code)
			if got := idUpdates(e, u.ID); got != updates {
				t.Errorf("a step-up emitted User.Data.Updated")
			}
			if tc.status != 201 {
				if diff := cmp.Diff(before, mfFactors(e, u)); diff != "" {
					t.Errorf("factors changed by a refused step-up (-before +after):\n%s", diff)
				}
				return
			}
			sets := mfOfType(e, u, store.FactorBackupCode)
			set := sets[len(sets)-1]
			mfCheckRecord(t, e, u, r, store.RecordBackupCode, set.ID)
			for i, c := range set.BackupCodes {
				if got := !c.UsedAt.IsZero(); got != (i == tc.used) {
					t.Errorf("code %d used = %v, want %v", i, got, i == tc.used)
				}
			}
			if !set.BackupCodes[tc.used].UsedAt.Equal(e.clock.Now()) || !set.LastUsedAt.Equal(e.clock.Now()) {
				t.Errorf("usedAt %v, lastUsedAt %v; want now", set.BackupCodes[tc.used].UsedAt, set.LastUsedAt)
			}
			// The code is single use; GET shows its usedAt.
			expect(t, mfStepUp(e, u, mfCodeVerify, mfBackupCodes[tc.used]), 400, "session.mfa.invalid_backup_code")
			g := e.do(req{method: "GET", path: mfCodesPath, token: e.tokenFor(u.ID),
				header: map[string]string{"Logto-Verification-Id": vtRecordID(t, r)}})
			expect(t, g, 200, "")
			if got := g.json(t)["codes"].([]any)[tc.used].(map[string]any)["usedAt"]; got != "2026-03-04T10:00:00.000Z" {
				t.Errorf("usedAt = %v, want 2026-03-04T10:00:00.000Z", got)
			}
		})
	}
}

// TestBackupCodeStepUpExactlyOnce: of ten concurrent uses of one code, exactly
// one succeeds (docs/compatibility.md, "One-time secrets are consumed
// atomically").
func TestBackupCodeStepUpExactlyOnce(t *testing.T) {
	e := newEnv(t)
	u := mfUser(e)
	mfStoreBackupCodes(e, u, mfBackupCodes)
	rs := vtConcurrently(10, func(int) response { return mfStepUp(e, u, mfCodeVerify, mfBackupCodes[2]) })
	want := map[string]int{"201 ": 1, "400 session.mfa.invalid_backup_code": 9}
	if diff := cmp.Diff(want, vtTally(rs)); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
	used := 0
	for _, c := range mfOfType(e, u, store.FactorBackupCode)[0].BackupCodes {
		if !c.UsedAt.IsZero() {
			used++
		}
	}
	if used != 1 {
		t.Errorf("%d codes used, want 1", used)
	}
}

// TestTOTPStepUpExactlyOnce: of ten concurrent step-ups with one code, exactly
// one succeeds (RFC 6238 §5.2; docs/compatibility.md, "TOTP codes are accepted
// once").
func TestTOTPStepUpExactlyOnce(t *testing.T) {
	e := newEnv(t)
	u := mfUser(e)
	mfStoreTOTP(e, u, mfSecret)
	code := mfCode(t, mfSecret, e.clock.Now())
	rs := vtConcurrently(10, func(int) response { return mfStepUp(e, u, mfTOTPVerify, code) })
	want := map[string]int{"201 ": 1, "400 session.mfa.invalid_totp_code": 9}
	if diff := cmp.Diff(want, vtTally(rs)); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
}

// TestTOTPReplayAcrossBindAndStepUp: a code used to bind cannot then be
// used to step up (RFC 6238 §5.2); the next step's code can, once.
func TestTOTPReplayAcrossBindAndStepUp(t *testing.T) {
	e := newEnv(t)
	u := mfUser(e)
	code := mfCode(t, mfSecret, e.clock.Now())
	r := e.do(req{method: "POST", path: mfFactorsPath, token: e.tokenFor(u.ID),
		header: map[string]string{"Logto-Verification-Id": mfProof(e, u)},
		body:   map[string]any{"type": "Totp", "secret": mfSecret, "code": code}})
	expect(t, r, 204, "")
	expect(t, mfStepUp(e, u, mfTOTPVerify, code), 400, "session.mfa.invalid_totp_code")
	// Still refused when the clock moves on and the code is still in the
	// window.
	e.clock.Advance(30 * time.Second)
	expect(t, mfStepUp(e, u, mfTOTPVerify, code), 400, "session.mfa.invalid_totp_code")
	next := mfCode(t, mfSecret, e.clock.Now())
	expect(t, mfStepUp(e, u, mfTOTPVerify, next), 201, "")
	expect(t, mfStepUp(e, u, mfTOTPVerify, next), 400, "session.mfa.invalid_totp_code")
}

// TestStepUpLockout: wrong TOTP and backup codes count for the lockout
// sentinel in one pool per user; a blocked user is refused even a right code.
func TestStepUpLockout(t *testing.T) {
	e := newEnv(t, vtLockout(3, time.Hour, time.Hour))
	u := mfUser(e)
	mfStoreTOTP(e, u, mfSecret)
	mfStoreBackupCodes(e, u, mfBackupCodes)
	now := e.clock.Now()
	expect(t, mfStepUp(e, u, mfTOTPVerify, mfWrongCode(t, mfSecret, now)), 400, "session.mfa.invalid_totp_code")
	expect(t, mfStepUp(e, u, mfCodeVerify, "ffffffffff"), 400, "session.mfa.invalid_backup_code")
	expect(t, mfStepUp(e, u, mfTOTPVerify, mfWrongCode(t, mfSecret, now)), 400, "session.verification_blocked_too_many_attempts")
	expect(t, mfStepUp(e, u, mfTOTPVerify, mfCode(t, mfSecret, now)), 400, "session.verification_blocked_too_many_attempts")
	expect(t, mfStepUp(e, u, mfCodeVerify, mfBackupCodes[0]), 400, "session.verification_blocked_too_many_attempts")
	if n := len(e.events.named(event.IdentifierLockout)); n != 1 {
		t.Errorf("Identifier.Lockout events: %d, want 1", n)
	}
	// The password pool is another target.
	if r := vtVerifyPassword(e, u, mfPassword); r.status != 201 {
		t.Errorf("password verification after an MFA lockout: %d %s", r.status, r.code())
	}
	e.clock.Advance(61 * time.Minute)
	expect(t, mfStepUp(e, u, mfTOTPVerify, mfCode(t, mfSecret, e.clock.Now())), 201, "")
}

// TestStepUpRecordsAreIdentityProof: a user without a password proves its
// identity with a TOTP or backup-code step-up and changes its username.
func TestStepUpRecordsAreIdentityProof(t *testing.T) {
	e := newEnv(t)
	u := e.newUser(withEmail("ann@example.com"))
	// The user binds TOTP with a code sent to its own email as proof.
	r := e.do(req{method: "POST", path: mfFactorsPath, token: e.tokenFor(u.ID),
		header: map[string]string{"Logto-Verification-Id": idOwnEmailProof(e, u)},
		body:   map[string]any{"type": "Totp", "secret": mfSecret}})
	expect(t, r, 204, "")
	r = e.do(req{method: "POST", path: mfFactorsPath, token: e.tokenFor(u.ID),
		header: map[string]string{"Logto-Verification-Id": idOwnEmailProof(e, u)},
		body:   map[string]any{"type": "BackupCode", "codes": mfBackupCodes}})
	expect(t, r, 204, "")

	expect(t, vtRename(e, u, "", "ann_one"), 401, "verification_record.permission_denied")
	totpProof := vtRecordID(t, expectOK(t, mfStepUp(e, u, mfTOTPVerify, mfCode(t, mfSecret, e.clock.Now())), 201))
	expect(t, vtRename(e, u, totpProof, "ann_one"), 200, "")
	if got := e.reload(u).Username; got != "ann_one" {
		t.Errorf("username = %q, want ann_one", got)
	}
	// A record is reusable until it expires (docs/compatibility.md,
	// "Verification records").
	expect(t, vtRename(e, u, totpProof, "ann_two"), 200, "")

	codeProof := vtRecordID(t, expectOK(t, mfStepUp(e, u, mfCodeVerify, mfBackupCodes[0]), 201))
	expect(t, vtRename(e, u, codeProof, "ann_three"), 200, "")

	// Another user cannot use it, and it expires after ten minutes.
	v := e.newUser()
	expect(t, vtRename(e, v, totpProof, "someone_else"), 401, "verification_record.permission_denied")
	e.clock.Advance(10*time.Minute + time.Second)
	expect(t, vtRename(e, u, codeProof, "ann_four"), 401, "verification_record.permission_denied")
}

// expectOK is expect for a success, returning the response.
func expectOK(t *testing.T, r response, status int) response {
	t.Helper()
	expect(t, r, status, "")
	return r
}

// ---------------------------------------------------------------------------
// Secrets at rest

func TestMFASecretsSealedAtRest(t *testing.T) {
	oldKey, newKey := bytes.Repeat([]byte{0x11}, 32), bytes.Repeat([]byte{0x22}, 32)
	e := newEnv(t, withConfig(func(c *accountapi.Config) { c.EncryptionKeys = [][]byte{oldKey} }))
	u := mfUser(e)
	mfBindTOTP(e, u, mfSecret)
	r := e.do(req{method: "POST", path: mfFactorsPath, token: e.tokenFor(u.ID),
		header: map[string]string{"Logto-Verification-Id": mfProof(e, u)},
		body:   map[string]any{"type": "BackupCode", "codes": mfBackupCodes}})
	expect(t, r, 204, "")

	secret := mfOfType(e, u, store.FactorTOTP)[0].TOTP.Secret
	if strings.Contains(secret, mfSecret) {
		t.Errorf("the stored TOTP secret %q holds the plain secret", secret)
	}
	for i, c := range mfOfType(e, u, store.FactorBackupCode)[0].BackupCodes {
		if strings.Contains(c.Code, mfBackupCodes[i]) {
			t.Errorf("stored backup code %d %q holds the plain code", i, c.Code)
		}
	}
	// The API still works with them.
	g := e.do(req{method: "GET", path: mfCodesPath, token: e.tokenFor(u.ID), header: map[string]string{"Logto-Verification-Id": mfProof(e, u)}})
	expect(t, g, 200, "")
	if got := g.json(t)["codes"].([]any)[0].(map[string]any)["code"]; got != mfBackupCodes[0] {
		t.Errorf("GET shows %v, want the plain code %s", got, mfBackupCodes[0])
	}
	expect(t, mfStepUp(e, u, mfCodeVerify, mfBackupCodes[0]), 201, "")
	e.clock.Advance(30 * time.Second)
	expect(t, mfStepUp(e, u, mfTOTPVerify, mfCode(t, mfSecret, e.clock.Now())), 201, "")

	// Rotation: a second service over the same store, the new key first.
	rotated := newEnv(t, withStore(e.store), withConfig(func(c *accountapi.Config) { c.EncryptionKeys = [][]byte{newKey, oldKey} }))
	rotated.clock.Advance(time.Minute)
	expect(t, mfStepUp(rotated, u, mfTOTPVerify, mfCode(t, mfSecret, rotated.clock.Now())), 201, "")
	expect(t, mfStepUp(rotated, u, mfCodeVerify, mfBackupCodes[1]), 201, "")
	// Without the old key the old factors do not open: a 500 that says
	// nothing, not a success.
	lost := newEnv(t, withStore(e.store), withConfig(func(c *accountapi.Config) { c.EncryptionKeys = [][]byte{newKey} }))
	lost.clock.Advance(2 * time.Minute)
	r = mfStepUp(lost, u, mfTOTPVerify, mfCode(t, mfSecret, lost.clock.Now()))
	expect(t, r, 500, "")
	if strings.Contains(string(r.body), "aesgcm") || strings.Contains(string(r.body), "seal") {
		t.Errorf("the 500 says too much: %s", r.body)
	}

	// A sealed secret copied onto another user's factor does not open.
	v := mfUser(e)
	mfStore(e, &store.MFAFactor{UserID: v.ID, Type: store.FactorTOTP, TOTP: &store.TOTP{Secret: secret}})
	e.clock.Advance(3 * time.Minute)
	expect(t, mfStepUp(e, v, mfTOTPVerify, mfCode(t, mfSecret, e.clock.Now())), 500, "")
}

// ---------------------------------------------------------------------------
// mfa-settings and logto-configs

func TestMFASettings(t *testing.T) {
	get := mfRoute{method: "GET", path: mfSettingsPath}
	patch := mfRoute{method: "PATCH", path: mfSettingsPath, writes: true}
	skipping := func(e *env, u *store.User) {
		mfSetLogtoConfig(e, u, func(lc *store.LogtoConfig) { lc.MFA.SkipMfaOnSignIn = true })
	}
	shows := func(want bool) func(t *testing.T, e *env, u *store.User, r response) {
		return func(t *testing.T, e *env, u *store.User, r response) {
			if diff := cmp.Diff(map[string]any{"skipMfaOnSignIn": want}, r.json(t)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			if got := e.reload(u).LogtoConfig.MFA.SkipMfaOnSignIn; got != want {
				t.Errorf("stored skipMfaOnSignIn = %v, want %v", got, want)
			}
		}
	}
	getCases := []mfCase{
		// Order (docs/compatibility.md, "Order of checks"): scope, then field
		// (Off is not enabled).
		{name: "scope first", faults: mfNoScope, mfa: store.ControlOff, status: 401, code: "auth.unauthorized"},
		{name: "field Off", mfa: store.ControlOff, status: 400, code: "account_center.field_not_enabled"},
		{name: "unset field is Off", mfa: mfUnset, status: 400, code: "account_center.field_not_enabled"},
		{name: "default false", status: 200, check: shows(false)},
		{name: "ReadOnly reads, no proof or first party needed", faults: mfNoProof | mfThirdPty, mfa: store.ControlReadOnly,
			prep: skipping, status: 200, check: shows(true)},
	}
	for _, tc := range getCases {
		t.Run("GET "+tc.name, func(t *testing.T) { mfRun(t, get, tc) })
	}
	on := map[string]any{"skipMfaOnSignIn": true}
	all := mfNoProof | mfNoScope | mfThirdPty
	patchCases := []mfCase{
		{name: "missing member is a guard error", faults: all, body: map[string]any{}, status: 400, code: "guard.invalid_input"},
		{name: "null is a guard error", body: map[string]any{"skipMfaOnSignIn": nil}, status: 400, code: "guard.invalid_input"},
		{name: "not a boolean", body: map[string]any{"skipMfaOnSignIn": "yes"}, status: 400, code: "guard.invalid_input"},
		// Order (docs/compatibility.md, "Order of checks"): proof, scope,
		// first party, field.
		{name: "proof first", faults: all, mfa: store.ControlReadOnly, body: on, status: 401, code: "verification_record.permission_denied"},
		{name: "scope before first party", faults: mfNoScope | mfThirdPty, mfa: store.ControlReadOnly, body: on, status: 401, code: "auth.unauthorized"},
		{name: "first party before field", faults: mfThirdPty, mfa: store.ControlReadOnly, body: on, status: 403, code: "auth.third_party_application_forbidden"},
		{name: "field ReadOnly", mfa: store.ControlReadOnly, body: on, status: 400, code: "account_center.field_not_editable"},
		{name: "sets it", body: on, status: 200, check: shows(true)},
		{name: "clears it", prep: skipping, body: map[string]any{"skipMfaOnSignIn": false}, status: 200, check: shows(false)},
	}
	for _, tc := range patchCases {
		t.Run("PATCH "+tc.name, func(t *testing.T) { mfRun(t, patch, tc) })
	}
}

// mfSetLogtoConfig changes the stored user's logtoConfig.
func mfSetLogtoConfig(e *env, u *store.User, change func(*store.LogtoConfig)) {
	e.t.Helper()
	cur := e.reload(u)
	change(&cur.LogtoConfig)
	if err := e.store.UpdateUser(context.Background(), cur); err != nil {
		e.t.Fatal(err)
	}
}

func TestLogtoConfigs(t *testing.T) {
	get := mfRoute{method: "GET", path: mfConfigsPath}
	patch := mfRoute{method: "PATCH", path: mfConfigsPath, writes: true}
	shows := func(want map[string]any) func(t *testing.T, e *env, u *store.User, r response) {
		return func(t *testing.T, e *env, u *store.User, r response) {
			if diff := cmp.Diff(want, r.json(t)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		}
	}
	body := func(enabled any, skipped, skipOnSignIn, passkeySkipped bool) map[string]any {
		m := map[string]any{"skipped": skipped, "skipMfaOnSignIn": skipOnSignIn}
		if enabled != nil {
			m["enabled"] = enabled
		}
		return map[string]any{"mfa": m, "passkeySignIn": map[string]any{"skipped": passkeySkipped}}
	}
	getCases := []mfCase{
		{name: "scope first", faults: mfNoScope, mfa: store.ControlOff, status: 401, code: "auth.unauthorized"},
		{name: "field Off", mfa: store.ControlOff, status: 400, code: "account_center.field_not_enabled"},
		{name: "enabled omitted when never set", status: 200, check: shows(body(nil, false, false, false))},
		{name: "every flag", faults: mfNoProof | mfThirdPty, prep: func(e *env, u *store.User) {
			mfSetLogtoConfig(e, u, func(lc *store.LogtoConfig) {
				off := false
				lc.MFA = store.MFAConfig{Enabled: &off, Skipped: true, AdditionalBindingSuggestionSkipped: true, SkipMfaOnSignIn: true}
				lc.PasskeySignIn.Skipped = true
			})
		}, status: 200, check: shows(body(false, true, true, true))},
		{name: "after binding a factor", prep: func(e *env, u *store.User) { mfBindTOTP(e, u, mfSecret) },
			status: 200, check: shows(body(true, false, false, false))},
	}
	for _, tc := range getCases {
		t.Run("GET "+tc.name, func(t *testing.T) { mfRun(t, get, tc) })
	}
	patchAll := map[string]any{
		"mfa":           map[string]any{"enabled": true, "skipped": true, "additionalBindingSuggestionSkipped": true, "skipMfaOnSignIn": true},
		"passkeySignIn": map[string]any{"skipped": true},
	}
	all := mfNoProof | mfNoScope | mfThirdPty
	stored := func(want store.LogtoConfig) func(t *testing.T, e *env, u *store.User, r response) {
		return func(t *testing.T, e *env, u *store.User, _ response) {
			if diff := cmp.Diff(want, e.reload(u).LogtoConfig); diff != "" {
				t.Errorf("stored (-want +got):\n%s", diff)
			}
		}
	}
	on := true
	patchCases := []mfCase{
		{name: "null member is a guard error", faults: all, body: map[string]any{"mfa": map[string]any{"skipped": nil}},
			status: 400, code: "guard.invalid_input"},
		{name: "null object is a guard error", body: map[string]any{"passkeySignIn": nil}, status: 400, code: "guard.invalid_input"},
		{name: "not a boolean", body: map[string]any{"mfa": map[string]any{"enabled": "yes"}}, status: 400, code: "guard.invalid_input"},
		{name: "mfa not an object", body: map[string]any{"mfa": true}, status: 400, code: "guard.invalid_input"},
		// Order (docs/compatibility.md, "Order of checks"): proof, scope,
		// first party, field.
		{name: "proof first", faults: all, mfa: store.ControlReadOnly, body: patchAll, status: 401, code: "verification_record.permission_denied"},
		{name: "scope before first party", faults: mfNoScope | mfThirdPty, mfa: store.ControlReadOnly, body: patchAll,
			status: 401, code: "auth.unauthorized"},
		{name: "first party before field", faults: mfThirdPty, mfa: store.ControlReadOnly, body: patchAll,
			status: 403, code: "auth.third_party_application_forbidden"},
		{name: "field ReadOnly", mfa: store.ControlReadOnly, body: patchAll, status: 400, code: "account_center.field_not_editable"},
		{name: "sets every flag", body: patchAll, status: 200, check: func(t *testing.T, e *env, u *store.User, r response) {
			shows(body(true, true, true, true))(t, e, u, r)
			stored(store.LogtoConfig{
				MFA:           store.MFAConfig{Enabled: &on, Skipped: true, AdditionalBindingSuggestionSkipped: true, SkipMfaOnSignIn: true},
				PasskeySignIn: store.PasskeySignInConfig{Skipped: true},
			})(t, e, u, r)
		}},
		{name: "merges only sent members", prep: func(e *env, u *store.User) {
			mfSetLogtoConfig(e, u, func(lc *store.LogtoConfig) { lc.MFA.SkipMfaOnSignIn, lc.PasskeySignIn.Skipped = true, true })
		}, body: map[string]any{"mfa": map[string]any{"skipped": true}}, status: 200,
			check: func(t *testing.T, e *env, u *store.User, r response) {
				shows(body(nil, true, true, true))(t, e, u, r)
				stored(store.LogtoConfig{MFA: store.MFAConfig{Skipped: true, SkipMfaOnSignIn: true},
					PasskeySignIn: store.PasskeySignInConfig{Skipped: true}})(t, e, u, r)
			}},
		{name: "an empty body changes nothing", body: map[string]any{}, status: 200, check: shows(body(nil, false, false, false))},
	}
	for _, tc := range patchCases {
		t.Run("PATCH "+tc.name, func(t *testing.T) { mfRun(t, patch, tc) })
	}
}

// TestLogtoConfigsFieldControl is the matrix of the passkey and mfa controls
// (docs/compatibility.md, "Scopes and field controls"): logto-configs follows
// passkey, and mfa while passkey is unset.
func TestLogtoConfigsFieldControl(t *testing.T) {
	get := mfRoute{method: "GET", path: mfConfigsPath}
	patch := mfRoute{method: "PATCH", path: mfConfigsPath, writes: true}
	const unset = store.Control("")
	for _, passkey := range []store.Control{unset, store.ControlOff, store.ControlReadOnly, store.ControlEdit} {
		for _, mfaC := range []store.Control{store.ControlOff, store.ControlReadOnly, store.ControlEdit} {
			effective := passkey
			if passkey == unset {
				effective = mfaC
			}
			name := fmt.Sprintf("passkey %s, mfa %s", cmpOr(passkey, "unset"), mfaC)
			t.Run("GET "+name, func(t *testing.T) {
				tc := mfCase{mfa: mfaC, passkey: passkey, status: 200}
				if !effective.Readable() {
					tc.status, tc.code = 400, "account_center.field_not_enabled"
				}
				mfRun(t, get, tc)
			})
			t.Run("PATCH "+name, func(t *testing.T) {
				tc := mfCase{mfa: mfaC, passkey: passkey, body: map[string]any{"passkeySignIn": map[string]any{"skipped": true}}, status: 200}
				if !effective.Editable() {
					tc.status, tc.code = 400, "account_center.field_not_editable"
				}
				mfRun(t, patch, tc)
			})
		}
	}
}

// TestMFAFieldControl is the matrix of the mfa control over the TOTP and
// backup-code routes: Edit for changes, ReadOnly or Edit for reads, nothing
// for the generators and GET backup-codes. The passkey control never
// matters to them.
func TestMFAFieldControl(t *testing.T) {
	type route struct {
		name string
		rt   mfRoute
		body func(t *testing.T) any
		prep func(e *env, u *store.User)
		need string // "edit", "read" or "none"
		ok   int
	}
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	routes := []route{
		{name: "bind TOTP", rt: mfRoute{method: "POST", path: mfFactorsPath, writes: true}, need: "edit", ok: 204,
			body: func(*testing.T) any { return map[string]any{"type": "Totp", "secret": mfSecret} }},
		{name: "replace TOTP", rt: mfRoute{method: "PUT", path: mfTOTPPath, writes: true}, need: "edit", ok: 204,
			body: func(t *testing.T) any { return map[string]any{"secret": mfSecret, "code": mfCode(t, mfSecret, now)} }},
		{name: "bind backup codes", rt: mfRoute{method: "POST", path: mfFactorsPath, writes: true}, need: "edit", ok: 204,
			prep: func(e *env, u *store.User) { mfStoreTOTP(e, u, mfSecret) },
			body: func(*testing.T) any { return map[string]any{"type": "BackupCode", "codes": mfBackupCodes} }},
		{name: "PATCH mfa-settings", rt: mfRoute{method: "PATCH", path: mfSettingsPath, writes: true}, need: "edit", ok: 200,
			body: func(*testing.T) any { return map[string]any{"skipMfaOnSignIn": true} }},
		{name: "GET mfa-settings", rt: mfRoute{method: "GET", path: mfSettingsPath}, need: "read", ok: 200},
		{name: "GET backup-codes", rt: mfRoute{method: "GET", path: mfCodesPath}, need: "none", ok: 200,
			prep: func(e *env, u *store.User) { mfStoreBackupCodes(e, u, mfBackupCodes) }},
		{name: "generate a TOTP secret", rt: mfRoute{method: "POST", path: mfSecretPath}, need: "none", ok: 200},
		{name: "generate backup codes", rt: mfRoute{method: "POST", path: mfGeneratePath}, need: "none", ok: 200},
	}
	for _, r := range routes {
		for _, passkey := range []store.Control{"", store.ControlOff, store.ControlEdit} {
			for _, c := range []store.Control{store.ControlOff, store.ControlReadOnly, store.ControlEdit} {
				name := fmt.Sprintf("%s, mfa %s, passkey %s", r.name, c, cmpOr(passkey, "unset"))
				t.Run(name, func(t *testing.T) {
					tc := mfCase{mfa: c, passkey: passkey, prep: r.prep, status: r.ok}
					if r.body != nil {
						tc.body = r.body(t)
					}
					switch {
					case r.need == "edit" && !c.Editable():
						tc.status, tc.code = 400, "account_center.field_not_editable"
					case r.need == "read" && !c.Readable():
						tc.status, tc.code = 400, "account_center.field_not_enabled"
					}
					mfRun(t, r.rt, tc)
				})
			}
		}
	}
}

// ---------------------------------------------------------------------------
// Two replicas over PostgreSQL

// TestMFAReplicas runs the exactly-once rules over two replicas of one
// PostgreSQL database, the requests split between them: row locks and
// conditional updates, not process memory, make them hold.
func TestMFAReplicas(t *testing.T) {
	a, b := vtReplicas(t)
	on := func(i int) *env {
		if i%2 == 0 {
			return a
		}
		return b
	}
	tally := func(t *testing.T, rs []response, want map[string]int) {
		t.Helper()
		if diff := cmp.Diff(want, vtTally(rs)); diff != "" {
			t.Errorf("answers (-want +got):\n%s", diff)
		}
	}
	u := mfUser(a)
	proof := mfProof(a, u)
	bind := func(e *env, body any) response {
		return e.do(req{method: "POST", path: mfFactorsPath, token: e.tokenFor(u.ID),
			header: map[string]string{"Logto-Verification-Id": proof}, body: body})
	}

	rs := vtConcurrently(10, func(i int) response {
		return bind(on(i), map[string]any{"type": "Totp", "secret": mfSecret})
	})
	tally(t, rs, map[string]int{"204 ": 1, "422 user.totp_already_in_use": 9})

	rs = vtConcurrently(10, func(i int) response {
		return bind(on(i), map[string]any{"type": "BackupCode", "codes": mfBackupCodes})
	})
	tally(t, rs, map[string]int{"204 ": 1, "422 user.backup_code_already_in_use": 9})

	rs = vtConcurrently(10, func(i int) response { return mfStepUp(on(i), u, mfCodeVerify, mfBackupCodes[5]) })
	tally(t, rs, map[string]int{"201 ": 1, "400 session.mfa.invalid_backup_code": 9})

	code := mfCode(t, mfSecret, a.clock.Now())
	rs = vtConcurrently(10, func(i int) response { return mfStepUp(on(i), u, mfTOTPVerify, code) })
	tally(t, rs, map[string]int{"201 ": 1, "400 session.mfa.invalid_totp_code": 9})

	// A step-up on one replica is identity proof on the other.
	vtAdvance(30*time.Second, a, b)
	r := mfStepUp(a, u, mfTOTPVerify, mfCode(t, mfSecret, a.clock.Now()))
	expect(t, r, 201, "")
	expect(t, vtRename(b, u, vtRecordID(t, r), "stepped_up"), 200, "")

	rs = vtConcurrently(10, func(i int) response {
		e := on(i)
		return e.do(req{method: "PUT", path: mfTOTPPath, token: e.tokenFor(u.ID),
			header: map[string]string{"Logto-Verification-Id": proof},
			body:   map[string]any{"secret": mfOtherSecret, "code": mfCode(t, mfOtherSecret, e.clock.Now())}})
	})
	tally(t, rs, map[string]int{"204 ": 10})
	if n := len(mfOfType(a, u, store.FactorTOTP)); n != 1 {
		t.Errorf("%d TOTP factors after concurrent replaces, want 1", n)
	}
}
