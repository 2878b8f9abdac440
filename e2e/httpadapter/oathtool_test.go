package httpadapter_test

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/accountapi/accountapi/store"
)

// mfOathtool computes the TOTP code of a base32 secret at t with oathtool
// (OATH Toolkit), an implementation independent of ours and of
// pquerna/otp: what an authenticator app would show.
func mfOathtool(t *testing.T, path, secret string, at time.Time) string {
	t.Helper()
	out, err := exec.Command(path, "--totp", "-b", "-N", at.UTC().Format("2006-01-02 15:04:05 UTC"), secret).Output()
	if err != nil {
		t.Fatalf("oathtool: %v", err)
	}
	code := strings.TrimSpace(string(out))
	if !regexp.MustCompile(`^[0-9]{6}$`).MatchString(code) {
		t.Fatalf("oathtool printed %q, want six digits", code)
	}
	return code
}

// TestTOTPWithOathtool binds a generated secret with a code oathtool
// computes, then steps up with the next step's code, as a user with an
// authenticator app does.
func TestTOTPWithOathtool(t *testing.T) {
	path, err := exec.LookPath("oathtool")
	if err != nil {
		t.Skip("oathtool not installed: skipping the authenticator-app test")
	}
	e := newEnv(t)
	u := mfUser(e)

	r := e.do(req{method: "POST", path: mfSecretPath, token: e.tokenFor(u.ID)})
	expect(t, r, 200, "")
	secret := r.json(t)["secret"].(string)

	code := mfOathtool(t, path, secret, e.clock.Now())
	r = e.do(req{method: "POST", path: mfFactorsPath, token: e.tokenFor(u.ID),
		header: map[string]string{"Logto-Verification-Id": mfProof(e, u)},
		body:   map[string]any{"type": "Totp", "secret": secret, "code": code}})
	expect(t, r, 204, "")
	if n := len(mfOfType(e, u, store.FactorTOTP)); n != 1 {
		t.Fatalf("%d TOTP factors, want 1", n)
	}
	// The code that bound the factor is used up.
	expect(t, mfStepUp(e, u, mfTOTPVerify, code), 400, "session.mfa.invalid_totp_code")

	e.clock.Advance(30 * time.Second)
	r = mfStepUp(e, u, mfTOTPVerify, mfOathtool(t, path, secret, e.clock.Now()))
	expect(t, r, 201, "")
	expect(t, vtRename(e, u, vtRecordID(t, r), "app_user"), 200, "")

	// The RFC 6238 seed agrees too, at a time of the RFC's table.
	if got, want := mfOathtool(t, path, mfSecret, time.Unix(1111111109, 0)), mfCode(t, mfSecret, time.Unix(1111111109, 0)); got != want || got != "081804" {
		t.Errorf("oathtool %s, pquerna/otp %s, RFC 6238 …081804", got, want)
	}
}
