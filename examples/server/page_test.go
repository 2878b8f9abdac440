package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	cdpwa "github.com/chromedp/cdproto/webauthn"
)

// TestDevSignIn checks the development sign-in: the API's error shape for
// wrong credentials (in the request's language), the same answer for an
// unknown user, a token the Account API accepts, and strict bodies.
func TestDevSignIn(t *testing.T) {
	const secret = "dev-sign-in-secret-dev-sign-in-secret"
	base, _ := startServer(t, config{DevSecret: secret})
	admin, _ := mintDevToken(secret, "admin", "all", time.Hour)
	status, user := call(t, "POST", base+"/api/users", admin, map[string]any{
		"username": "dora", "primaryEmail": "dora@example.com", "password": "Correct-Horse-9",
	})
	if status != 200 {
		t.Fatalf("POST /api/users = %d %v", status, user)
	}

	for _, tc := range []struct {
		name, identifier, password, lang string
		status                           int
		code, message                    string
	}{
		{"wrong password", "dora", "wrong", "", 422, "session.invalid_credentials", "Incorrect account or password. Please check your input."},
		{"wrong password in German", "dora", "wrong", "de", 422, "session.invalid_credentials", "Konto oder Passwort ist falsch. Bitte überprüfe deine Eingabe."},
		{"unknown user", "nobody", "Correct-Horse-9", "", 422, "session.invalid_credentials", "Incorrect account or password. Please check your input."},
		{"unknown email", "nobody@example.com", "Correct-Horse-9", "", 422, "session.invalid_credentials", ""},
		{"empty password", "dora", "", "", 400, "guard.invalid_input", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := call(t, "POST", base+"/dev/sign-in", "",
				map[string]any{"identifier": tc.identifier, "password": tc.password}, "Accept-Language", tc.lang)
			if status != tc.status || body["code"] != tc.code || (tc.message != "" && body["message"] != tc.message) {
				t.Errorf("POST /dev/sign-in = %d %v, want %d %s %q", status, body, tc.status, tc.code, tc.message)
			}
		})
	}

	if status, body := call(t, "POST", base+"/dev/sign-in", "", map[string]any{"identifier": "dora", "password": "x", "extra": 1}); status != 400 {
		t.Errorf("unknown member: %d %v, want 400", status, body)
	}
	for _, identifier := range []string{"dora", "dora@example.com", "DORA@example.com"} {
		status, tok := call(t, "POST", base+"/dev/sign-in", "", map[string]any{"identifier": identifier, "password": "Correct-Horse-9"})
		if status != 200 || tok["tokenType"] != "Bearer" || tok["expiresIn"] != float64(900) || tok["userId"] != user["id"] {
			t.Fatalf("sign in as %s: %d %v", identifier, status, tok)
		}
		if status, me := call(t, "GET", base+"/api/my-account", tok["accessToken"].(string), nil); status != 200 || me["username"] != "dora" {
			t.Errorf("GET /api/my-account with the development token: %d %v", status, me)
		}
	}
}

// TestDevSignInLockout checks that the development sign-in reports to the
// lockout sentinel, under the target POST /api/verifications/password uses.
func TestDevSignInLockout(t *testing.T) {
	const secret = "dev-lockout-secret-dev-lockout-secret"
	base, _ := startServer(t, config{DevSecret: secret})
	admin, _ := mintDevToken(secret, "admin", "all", time.Hour)
	status, user := call(t, "POST", base+"/api/users", admin, map[string]any{"username": "eve", "password": "Correct-Horse-9"})
	if status != 200 {
		t.Fatalf("POST /api/users = %d %v", status, user)
	}
	if status, body := call(t, "PATCH", base+"/api/sign-in-exp", admin, map[string]any{
		"sentinelPolicy": map[string]any{"maxAttempts": 2, "lockoutDuration": 10},
	}); status != 200 {
		t.Skipf("PATCH /api/sign-in-exp sentinelPolicy = %d %v: cannot lower the lockout threshold here", status, body)
	}
	for range 2 {
		call(t, "POST", base+"/dev/sign-in", "", map[string]any{"identifier": "eve", "password": "wrong"})
	}
	status, body := call(t, "POST", base+"/dev/sign-in", "", map[string]any{"identifier": "eve", "password": "Correct-Horse-9"})
	if status != 400 || body["code"] != "session.verification_blocked_too_many_attempts" {
		t.Errorf("right password after the block: %d %v", status, body)
	}
	tok, _ := mintDevToken(secret, user["id"].(string), DefaultUserScope, time.Hour)
	if status, body := call(t, "POST", base+"/api/verifications/password", tok, map[string]any{"password": "Correct-Horse-9"}); status != 400 {
		t.Errorf("POST /api/verifications/password after the block: %d %v, want the same block", status, body)
	}
}

// TestDevRoutes checks the development outbox and settings, the page's
// files and headers, and that a server whose secret was made up still
// accepts the page's tokens.
func TestDevRoutes(t *testing.T) {
	base, _ := startServer(t, config{}) // the secret is made up and printed
	status, cfg := call(t, "GET", base+"/dev/config", "", nil)
	if status != 200 || cfg["development"] != true || fmt.Sprint(cfg["socialConnectors"]) != "[mock-social]" {
		t.Fatalf("GET /dev/config = %d %v", status, cfg)
	}
	if status, body := call(t, "GET", base+"/dev/outbox", "", nil); status != 401 || body["code"] != "auth.unauthorized" {
		t.Errorf("GET /dev/outbox without a token = %d %v", status, body)
	}

	// Nobody can create a user without the printed admin token, so sign in
	// as nobody and check the answer, then check the page.
	if status, body := call(t, "POST", base+"/dev/sign-in", "", map[string]any{"identifier": "x", "password": "y"}); status != 422 {
		t.Errorf("POST /dev/sign-in = %d %v", status, body)
	}
	for path, want := range map[string]string{"/": "text/html", "/static/page.js": "text/javascript", "/static/page.css": "text/css"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), want) ||
			!strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("GET %s = %d %q, CSP %q", path, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Security-Policy"))
		}
	}
	if resp, err := http.Get(base + "/static/"); err != nil || resp.StatusCode != 404 {
		t.Errorf("GET /static/ lists the directory: %v %v", resp.Status, err)
	}
}

// TestDevOutbox checks that GET /dev/outbox shows the code just sent to a
// new address, as the outbox file has it.
func TestDevOutbox(t *testing.T) {
	const secret = "dev-outbox-secret-dev-outbox-secret"
	base, outbox := startServer(t, config{DevSecret: secret})
	admin, _ := mintDevToken(secret, "admin", "all", time.Hour)
	_, user := call(t, "POST", base+"/api/users", admin, map[string]any{"username": "fay"})
	tok, _ := mintDevToken(secret, user["id"].(string), DefaultUserScope, time.Hour)
	if status, body := call(t, "POST", base+"/api/verifications/verification-code", tok, map[string]any{
		"identifier": map[string]any{"type": "email", "value": "Fay@Example.com"},
	}); status != 201 {
		t.Fatalf("send code = %d %v", status, body)
	}
	status, body := call(t, "GET", base+"/dev/outbox?to=fay@example.com", tok, nil)
	msgs, _ := body["messages"].([]any)
	if status != 200 || len(msgs) != 1 {
		t.Fatalf("GET /dev/outbox = %d %v", status, body)
	}
	m := msgs[0].(map[string]any)
	if m["code"] != lastCode(t, outbox) || m["channel"] != "email" || m["type"] != "BindNewIdentifier" {
		t.Errorf("message %v, outbox code %s", m, lastCode(t, outbox))
	}
	if _, body := call(t, "GET", base+"/dev/outbox?to=someone@example.com", tok, nil); fmt.Sprint(body["messages"]) != "[]" {
		t.Errorf("messages to someone else: %v", body)
	}
}

// TestProductionHasNoDevRoutes checks that with a real identity provider
// the page is served and the development routes are not.
func TestProductionHasNoDevRoutes(t *testing.T) {
	base, _ := startServer(t, config{
		JWKSURL: "https://idp.example.invalid/.well-known/jwks.json",
		// Production mode requires the key that seals MFA secrets.
		EncryptionKeys: [][]byte{[]byte("0123456789abcdef0123456789abcdef")},
	})
	for _, path := range []string{"/dev/config", "/dev/outbox"} {
		if resp, err := http.Get(base + path); err != nil || resp.StatusCode != 404 {
			t.Errorf("GET %s in production: %v %v", path, resp.Status, err)
		}
	}
	if status, _ := call(t, "POST", base+"/dev/sign-in", "", map[string]any{"identifier": "a", "password": "b"}); status != 404 {
		t.Errorf("POST /dev/sign-in in production = %d, want 404", status)
	}
	if resp, err := http.Get(base + "/"); err != nil || resp.StatusCode != 200 {
		t.Errorf("GET / in production: %v %v", resp.Status, err)
	}
}

// chromium is where Debian's chromium package puts the browser.
const chromium = "/usr/bin/chromium"

// TestAccountPageInBrowser drives the account page in headless Chromium as
// a person would, with clicks and typing: sign in (a wrong password first,
// in German), edit the name, change the email with the code the
// development panel shows, turn on TOTP with a code computed from the key
// the page shows, add a passkey with a virtual authenticator and rename it,
// and sign out. It checks what the page shows after each step, and what
// the API then says. Screenshots of the main screens go to t.ArtifactDir()
// (kept with go test -artifacts -outputdir DIR).
//
// The set-up avoids what makes a headless passkey test hang or fail: the page
// is loaded as localhost (the passkeys' RP id; an IP address such as 127.0.0.1
// cannot be one), the virtual authenticator has presence simulation and user
// verification on (without them navigator.credentials.create() hangs or fails
// with NotAllowedError), and every browser call has its own deadline (a
// missing authenticator makes a call hang rather than fail).
func TestAccountPageInBrowser(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("%s not found: skipping the account page's browser test (install Debian's chromium to run it)", chromium)
	}
	start := time.Now()
	const (
		secret = "account-page-secret-account-page-secret"
		pw     = "Correct-Horse-9"
	)
	base, outbox := startServer(t, config{DevSecret: secret})
	origin := strings.Replace(base, "127.0.0.1", "localhost", 1)
	admin, _ := mintDevToken(secret, "admin", "all", time.Hour)
	status, user := call(t, "POST", base+"/api/users", admin, map[string]any{
		"username": "ann", "primaryEmail": "ann@example.com", "password": pw,
	})
	if status != 200 {
		t.Fatalf("POST /api/users = %d %v", status, user)
	}
	userTok, _ := mintDevToken(secret, user["id"].(string), DefaultUserScope, time.Hour)

	b, authID := openBrowser(t, origin)
	t.Logf("browser ready: %v", time.Since(start).Round(time.Millisecond))

	b.waitText("#devflag", "Development mode")
	b.shot("01-sign-in")

	// A wrong password, with error messages in German (chosen by typing on
	// the language list): the API's localized message shows.
	b.do("choose German", chromedp.SendKeys(chromedp.ID("lang"), "D"))
	b.do("sign in wrongly",
		chromedp.SendKeys(chromedp.ID("signin-identifier"), "ann"),
		chromedp.SendKeys(chromedp.ID("signin-password"), "not-the-password"),
		chromedp.Click(chromedp.ID("signin-submit")))
	b.waitText("#signin-msg", "Konto oder Passwort ist falsch")
	b.do("choose English", chromedp.SendKeys(chromedp.ID("lang"), "E"))

	// Sign in: replace the password (select all, type).
	b.do("sign in",
		chromedp.Click(chromedp.ID("signin-password")),
		chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.SendKeys(chromedp.ID("signin-password"), pw),
		chromedp.Click(chromedp.ID("signin-submit")))
	b.waitText("#who-name", "ann")
	b.waitText("#email-value", "ann@example.com")
	b.waitText("#profile-username", "ann")
	b.waitText("#outbox", "No messages yet.")

	// Edit the name.
	b.do("edit the name",
		chromedp.Click(chromedp.ID("profile-edit")),
		chromedp.SendKeys(chromedp.ID("name-input"), "Ann Example"),
		chromedp.Click(chromedp.ID("profile-save")))
	b.waitText("#profile-name", "Ann Example")
	b.waitText("#status", "Profile saved.")
	b.waitText("#who-name", "Ann Example")
	if _, me := call(t, "GET", base+"/api/my-account", userTok, nil); me["name"] != "Ann Example" {
		t.Errorf("after the name edit, GET /api/my-account = %v", me)
	}
	b.shot("02-account")

	// Change the email: a code to the new address, read from the page's
	// development panel (and checked against the outbox file), then the
	// identity proof the API asks for.
	const newEmail = "ann.new@example.com"
	b.do("ask for a code",
		chromedp.Click(chromedp.ID("email-change")),
		chromedp.SendKeys(chromedp.ID("email-new"), newEmail),
		chromedp.Click(chromedp.ID("email-send")),
		chromedp.WaitVisible(chromedp.ID("email-code")))
	codeSel := fmt.Sprintf(`#outbox li[data-to=%q] .code`, newEmail)
	b.do("wait for the code in the development panel", chromedp.WaitVisible(chromedp.CSS(codeSel)))
	code := b.text(codeSel)
	if want := lastCode(t, outbox); code != want {
		t.Fatalf("the development panel shows code %q, the outbox has %q", code, want)
	}
	b.shot("03-email-code")
	b.do("enter the code",
		chromedp.SendKeys(chromedp.ID("email-code"), code),
		chromedp.Click(chromedp.ID("email-verify")),
		chromedp.WaitVisible(chromedp.ID("proof-password")))
	b.waitText("#proof-title", "Confirm it's you")
	b.shot("04-confirm-identity")
	b.do("confirm with the password",
		chromedp.SendKeys(chromedp.ID("proof-password"), pw),
		chromedp.Click(chromedp.ID("proof-submit")))
	b.waitText("#email-value", newEmail)
	b.waitText("#status", "Your email address is now "+newEmail)
	if _, me := call(t, "GET", base+"/api/my-account", userTok, nil); me["primaryEmail"] != newEmail {
		t.Errorf("after the email change, GET /api/my-account = %v", me)
	}

	// TOTP: read the key the page shows, compute the code as an app would.
	b.do("set up TOTP", chromedp.Click(chromedp.ID("totp-setup")), chromedp.WaitVisible(chromedp.ID("totp-secret")))
	key := strings.ReplaceAll(b.text("#totp-secret"), " ", "")
	if qr := b.attr("#totp-qr", "src"); !strings.HasPrefix(qr, "data:image/png;base64,") {
		t.Errorf("the QR code's src = %.40q", qr)
	}
	b.shot("05-totp")
	now := time.Now()
	otp, err := totp.GenerateCode(key, now)
	if err != nil {
		t.Fatalf("computing a code from the key %q the page shows: %v", key, err)
	}
	if path, err := exec.LookPath("oathtool"); err == nil {
		out, err := exec.Command(path, "--totp", "-b", "-N", "@"+strconv.FormatInt(now.Unix(), 10), key).Output()
		if got := strings.TrimSpace(string(out)); err != nil || got != otp {
			t.Errorf("oathtool says %q (%v), pquerna/otp %q", got, err, otp)
		}
	}
	b.do("turn TOTP on", chromedp.SendKeys(chromedp.ID("totp-code"), otp), chromedp.Click(chromedp.ID("totp-submit")))
	b.waitText("#totp-status", "On")
	b.waitText("#status", "Authenticator app turned on.")
	if b.text("#totp-secret") != "" {
		t.Error("the TOTP key stays in the page after it was turned on")
	}

	// A passkey: the browser's own WebAuthn, the virtual authenticator.
	b.do("add a passkey",
		chromedp.SendKeys(chromedp.ID("passkey-name"), "Laptop passkey"),
		chromedp.Click(chromedp.ID("passkey-add")))
	b.waitText("#passkeys", "Laptop passkey")
	b.waitText("#passkeys", "Chrome on Linux")
	b.do("rename it",
		chromedp.Click(chromedp.CSS(`#passkeys button[aria-label="Rename Laptop passkey"]`)),
		chromedp.WaitVisible(chromedp.CSS("#passkeys form input")),
		chromedp.SendKeys(chromedp.CSS("#passkeys form input"), "Work laptop"),
		chromedp.Click(chromedp.CSS("#passkeys form button.primary")))
	b.waitText("#status", "Passkey renamed to Work laptop.")
	if got := b.text("#passkeys .title"); got != "Work laptop" {
		t.Errorf("the passkey is shown as %q, want Work laptop", got)
	}
	b.step("the authenticator holds one credential", func(ctx context.Context) error {
		res, err := chromedp.Call(ctx, cdpwa.GetCredentials, cdpwa.GetCredentialsParams{AuthenticatorID: authID})
		if err == nil && len(res.Credentials) != 1 {
			err = fmt.Errorf("%d credentials", len(res.Credentials))
		}
		return err
	})
	_, factors := callList(t, base+"/api/my-account/mfa-verifications", userTok)
	var kinds []string
	for _, f := range factors {
		kinds = append(kinds, fmt.Sprint(f["type"], ":", f["name"]))
	}
	if got := strings.Join(kinds, ","); got != "Totp:<nil>,WebAuthn:Work laptop" && got != "WebAuthn:Work laptop,Totp:<nil>" {
		t.Errorf("factors = %s", got)
	}
	b.scrollTop()
	b.shot("06-account")
	b.do("show the security settings", chromedp.ScrollIntoView(chromedp.ID("mfa-card")))
	b.shot("07-security")
	b.scrollTop()
	b.fullShot("08-account-full")
	// The README's picture (docs/account-page.png), without a hovered
	// button in it.
	b.do("a taller window", chromedp.EmulateViewport(1280, 1500))
	b.scrollTop()
	b.do("move the mouse away", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, 1200, 1450))
	b.shot("account-page")

	// A phone's width.
	b.do("phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	b.scrollTop()
	b.shot("09-phone")
	b.do("show the security settings", chromedp.ScrollIntoView(chromedp.ID("mfa-card")))
	b.shot("10-phone-security")
	b.do("laptop width", chromedp.EmulateViewport(1280, 900))

	// Sign out: the page forgets the account.
	b.do("sign out", chromedp.Click(chromedp.ID("sign-out")), chromedp.WaitVisible(chromedp.ID("signin-form")))
	b.waitText("#status", "You signed out.")
	if visible := b.eval(`!document.getElementById("account-view").hidden || !document.getElementById("who").hidden`); visible {
		t.Error("the account is still shown after signing out")
	}
	if leaked := b.eval(`document.body.textContent.includes("Ann Example") || document.body.textContent.includes("Work laptop")`); leaked {
		t.Error("the account's data stays in the page after signing out")
	}
	b.shot("11-signed-out")
	t.Logf("whole browser test: %v", time.Since(start).Round(time.Millisecond))
}

// TestAccountPageControlsInBrowser drives the page's other controls in
// Chromium: personal details and avatar, the password change with its
// identity-proof step, a phone number with a text-message code, backup
// codes (generate, turn on, list), the mock social identity (link, and
// unlink through the page's confirmation dialog), removing TOTP, the data
// export and the account deletion.
func TestAccountPageControlsInBrowser(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("%s not found: skipping the account page's browser test (install Debian's chromium to run it)", chromium)
	}
	const (
		secret = "account-controls-secret-account-controls"
		pw     = "Correct-Horse-9"
		newPw  = "Another-Horse-7"
	)
	base, _ := startServer(t, config{DevSecret: secret})
	origin := strings.Replace(base, "127.0.0.1", "localhost", 1)
	admin, _ := mintDevToken(secret, "admin", "all", time.Hour)
	status, user := call(t, "POST", base+"/api/users", admin, map[string]any{
		"username": "bea", "primaryEmail": "bea@example.com", "password": pw,
	})
	if status != 200 {
		t.Fatalf("POST /api/users = %d %v", status, user)
	}
	userTok, _ := mintDevToken(secret, user["id"].(string), DefaultUserScope, time.Hour)
	// Let users delete themselves, so that the page offers it.
	fields := devSettings().Fields
	fields.DeleteAccount = "Edit"
	if status, body := call(t, "PATCH", base+"/api/account-center", admin, map[string]any{"fields": fields}); status != 200 {
		t.Fatalf("PATCH /api/account-center = %d %v", status, body)
	}

	b, _ := openBrowser(t, origin)
	b.do("sign in",
		chromedp.SendKeys(chromedp.ID("signin-identifier"), "bea@example.com"),
		chromedp.SendKeys(chromedp.ID("signin-password"), pw),
		chromedp.Click(chromedp.ID("signin-submit")))
	b.waitText("#who-name", "bea")

	// Personal details and the avatar.
	b.do("edit the details",
		chromedp.Click(chromedp.ID("details-edit")),
		chromedp.SendKeys(chromedp.ID("pf-givenName"), "Bea"),
		chromedp.SendKeys(chromedp.ID("pf-familyName"), "Example"),
		chromedp.SendKeys(chromedp.ID("pf-zoneinfo"), "Europe/Lisbon\n"))
	b.waitText("#details-rows", "Europe/Lisbon")
	b.waitText("#details-rows", "Example")
	const avatar = "https://example.invalid/bea.png"
	b.do("set the avatar",
		chromedp.Click(chromedp.ID("profile-edit")),
		chromedp.SendKeys(chromedp.ID("avatar-input"), avatar),
		chromedp.Click(chromedp.ID("profile-save")))
	b.waitText("#profile-avatar", avatar)
	if _, me := call(t, "GET", base+"/api/my-account", userTok, nil); me["avatar"] != avatar ||
		fmt.Sprint(me["profile"]) != "map[familyName:Example givenName:Bea zoneinfo:Europe/Lisbon]" {
		t.Errorf("GET /api/my-account = %v", me)
	}

	// The password: the current one proves it's the user.
	b.do("change the password",
		chromedp.SendKeys(chromedp.ID("current-password"), "wrong-password"),
		chromedp.SendKeys(chromedp.ID("new-password"), newPw),
		chromedp.Click(chromedp.ID("password-submit")))
	b.waitText("#password-msg", "Incorrect account or password")
	b.do("retype the current password",
		chromedp.Click(chromedp.ID("current-password")),
		chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.SendKeys(chromedp.ID("current-password"), pw),
		chromedp.Click(chromedp.ID("password-submit")))
	b.waitText("#status", "Password changed.")
	if status, body := call(t, "POST", base+"/api/verifications/password", userTok, map[string]any{"password": newPw}); status != 201 {
		t.Errorf("the new password does not verify: %d %v", status, body)
	}

	// A phone number, with the code of the text message.
	b.do("add a phone number",
		chromedp.Click(chromedp.ID("phone-change")),
		chromedp.SendKeys(chromedp.ID("phone-new"), "+44 20 7946 0958"),
		chromedp.Click(chromedp.ID("phone-send")),
		chromedp.WaitVisible(chromedp.CSS(`#outbox li[data-type="BindNewIdentifier"] .code`)))
	b.waitText("#outbox", "Text")
	code := b.text(`#outbox li[data-type="BindNewIdentifier"] .code`)
	b.do("enter the code", chromedp.SendKeys(chromedp.ID("phone-code"), code+"\n"))
	b.waitText("#phone-value", "7946")

	// TOTP, then backup codes, which stand in for it.
	b.do("set up TOTP", chromedp.Click(chromedp.ID("totp-setup")), chromedp.WaitVisible(chromedp.ID("totp-secret")))
	otp, err := totp.GenerateCode(strings.ReplaceAll(b.text("#totp-secret"), " ", ""), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b.do("turn TOTP on", chromedp.SendKeys(chromedp.ID("totp-code"), otp+"\n"))
	b.waitText("#totp-status", "On")
	b.do("generate backup codes", chromedp.Click(chromedp.ID("backup-generate")), chromedp.WaitVisible(chromedp.ID("backup-new-codes")))
	if n := b.count("#backup-new-codes li"); n != 10 {
		t.Errorf("%d backup codes shown, want 10", n)
	}
	b.do("download and turn them on", chromedp.Click(chromedp.ID("backup-download")), chromedp.Click(chromedp.ID("backup-bind")))
	b.waitText("#backup-status", "10 of 10 codes unused")
	b.do("list them", chromedp.Click(chromedp.ID("backup-show")), chromedp.WaitVisible(chromedp.ID("backup-list")))
	b.waitText("#backup-list", "unused")
	if n := b.count("#backup-list li:not(.used)"); n != 10 {
		t.Errorf("%d unused backup codes listed, want 10", n)
	}
	b.shot("backup-codes")

	// The mock social identity: linked without the redirect, unlinked
	// through the confirmation dialog.
	b.do("link mock-social",
		chromedp.SendKeys(chromedp.ID("social-userid"), "social-bea"),
		chromedp.SendKeys(chromedp.ID("social-email"), "bea@social.example"),
		chromedp.Click(chromedp.ID("social-link")))
	b.waitText("#identities", "social-bea")
	b.waitText("#status", "mock-social linked.")
	b.do("unlink it",
		chromedp.Click(chromedp.CSS(`#identities button[aria-label="Unlink mock-social"]`)),
		chromedp.WaitVisible(chromedp.ID("confirm-ok")))
	b.waitText("#confirm-title", "Unlink mock-social?")
	b.do("confirm", chromedp.Click(chromedp.ID("confirm-ok")))
	b.waitText("#identities", "No connected accounts.")

	// Remove TOTP (confirmed).
	b.do("remove TOTP", chromedp.Click(chromedp.ID("totp-remove")), chromedp.Click(chromedp.ID("confirm-ok")))
	b.waitText("#totp-status", "Off")

	// The export and the deletion, each behind the password proof the page
	// asked for above.
	b.do("export", chromedp.Click(chromedp.ID("export")))
	b.waitText("#status", "Your data was downloaded.")
	b.do("delete the account",
		chromedp.Click(chromedp.ID("delete-confirm")),
		chromedp.Click(chromedp.ID("delete-submit")))
	b.waitText("#status", "Your account was deleted.")
	if status, body := call(t, "GET", base+"/api/my-account", userTok, nil); status != 401 {
		t.Errorf("GET /api/my-account after the deletion = %d %v", status, body)
	}
	if status, body := call(t, "GET", base+"/api/users/"+user["id"].(string), admin, nil); status != 404 {
		t.Errorf("GET /api/users/{id} after the deletion = %d %v", status, body)
	}
}

// openBrowser starts headless Chromium with a virtual authenticator and
// opens the page at origin in it. Screenshots go to t.ArtifactDir().
func openBrowser(t *testing.T, origin string) (*page, cdpwa.AuthenticatorID) {
	t.Helper()
	shots := t.ArtifactDir()
	t.Logf("screenshots: %s", shots)

	// The whole browser session lives under one deadline; each call gets
	// its own shorter one (page.step).
	session, cancelSession := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancelSession)
	actx, cancelAlloc := chromedp.NewExecAllocator(session,
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-GB"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(t.TempDir()),
	)
	t.Cleanup(cancelAlloc)
	ctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	b := &page{t: t, ctx: ctx, dir: shots}

	// The first CDP call starts the browser, under the session's deadline;
	// the authenticator belongs to this tab.
	if _, err := chromedp.Call(ctx, cdpwa.Enable, cdpwa.EnableParams{}); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	var authID cdpwa.AuthenticatorID
	b.step("add a virtual authenticator", func(ctx context.Context) error {
		res, err := chromedp.Call(ctx, cdpwa.AddVirtualAuthenticator, cdpwa.AddVirtualAuthenticatorParams{
			Options: &cdpwa.VirtualAuthenticatorOptions{
				Protocol: cdpwa.AuthenticatorProtocolCtap2, Ctap2version: cdpwa.Ctap2versionCtap21,
				Transport: cdpwa.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true,
				// Both explicitly: Go's zero values mean "hang forever"
				// and "verification fails".
				IsUserVerified: true, AutomaticPresenceSimulation: true,
			},
		})
		authID = res.AuthenticatorID
		return err
	})
	// Light colours and no transitions, so that screenshots show settled
	// states (a headless tab may not finish a hover transition).
	b.step("emulate light, reduced motion", func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{
				{Name: "prefers-color-scheme", Value: "light"}, {Name: "prefers-reduced-motion", Value: "reduce"},
			},
		})
		return err
	})
	b.do("open the page", chromedp.Navigate(origin+"/"), chromedp.WaitVisible(chromedp.ID("signin-form")))
	return b, authID
}

// callList calls a route answering a JSON array.
func callList(t *testing.T, url, token string) (int, []map[string]any) {
	t.Helper()
	r, _ := http.NewRequest("GET", url, nil)
	r.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, out
}

// page drives one browser tab. Each call runs under its own deadline,
// derived from the tab's context (a deadline on the context that started
// the browser would end the browser).
type page struct {
	t   *testing.T
	ctx context.Context
	dir string
}

// stepTimeout bounds each browser call.
const stepTimeout = 15 * time.Second

func (p *page) step(name string, fn func(ctx context.Context) error) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	began := time.Now()
	if err := fn(ctx); err != nil {
		p.fail(name, err)
	}
	if d := time.Since(began); d > time.Second {
		p.t.Logf("%s: %v", name, d.Round(time.Millisecond))
	}
}

func (p *page) do(name string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	p.step(name, func(ctx context.Context) error { return chromedp.Do(ctx, actions...) })
}

// waitText waits until the element sel's text contains want. It fails at
// once when the page shows an error message instead.
func (p *page) waitText(sel, want string) {
	p.t.Helper()
	const predicate = `(sel, want) => {
		const el = document.querySelector(sel);
		if (el && el.textContent.includes(want)) return "ok";
		const errors = [...document.querySelectorAll(".msg:not(.ok), #status .error")]
			.filter((m) => m.offsetParent !== null && m.textContent.trim() !== "" && !m.textContent.includes(want))
			.map((m) => m.textContent.trim());
		return errors.length ? "the page shows: " + errors.join(" | ") : null;
	}`
	var got string
	p.step(fmt.Sprintf("wait for %q in %s", want, sel), func(ctx context.Context) (err error) {
		got, err = chromedp.Run(ctx, chromedp.PollFunction[string](predicate,
			chromedp.WithPollingArgs(sel, want), chromedp.WithPollingInterval(25*time.Millisecond),
			chromedp.WithPollingTimeout(stepTimeout-time.Second)))
		return err
	})
	if got != "ok" {
		p.fail(fmt.Sprintf("wait for %q in %s", want, sel), errors.New(got))
	}
}

// text returns the text of the element sel.
func (p *page) text(sel string) string {
	p.t.Helper()
	var s string
	p.step("read "+sel, func(ctx context.Context) (err error) {
		s, err = chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(sel)))
		return err
	})
	return strings.TrimSpace(s)
}

func (p *page) attr(sel, name string) string {
	p.t.Helper()
	var v chromedp.AttributeResult
	p.step("read "+sel+" "+name, func(ctx context.Context) (err error) {
		v, err = chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
		return err
	})
	return v.Value
}

// count returns how many elements match sel.
func (p *page) count(sel string) int {
	p.t.Helper()
	var n int
	p.step("count "+sel, func(ctx context.Context) (err error) {
		n, err = chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
		return err
	})
	return n
}

// eval evaluates a JavaScript expression that reads the page.
func (p *page) eval(js string) bool {
	p.t.Helper()
	var v bool
	p.step(js, func(ctx context.Context) (err error) {
		v, err = chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		return err
	})
	return v
}

// scrollTop scrolls the page to its top, for a screenshot.
func (p *page) scrollTop() {
	p.t.Helper()
	p.step("scroll to the top", func(ctx context.Context) error {
		_, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void]("window.scrollTo(0, 0)"))
		return err
	})
}

// shot saves a screenshot of the viewport as name.png.
func (p *page) shot(name string) {
	p.t.Helper()
	p.save(name, chromedp.CaptureScreenshot())
}

// fullShot saves a screenshot of the whole page as name.png.
func (p *page) fullShot(name string) {
	p.t.Helper()
	p.save(name, chromedp.FullScreenshot(100))
}

func (p *page) save(name string, a chromedp.Action[[]byte]) {
	p.t.Helper()
	var png []byte
	p.step("screenshot "+name, func(ctx context.Context) (err error) {
		png, err = chromedp.Run(ctx, a)
		return err
	})
	if err := os.WriteFile(filepath.Join(p.dir, name+".png"), png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// fail saves a screenshot of the failure, with what the page said, and
// stops the test.
func (p *page) fail(name string, err error) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	if png, serr := chromedp.Run(ctx, chromedp.FullScreenshot(100)); serr == nil {
		path := filepath.Join(p.dir, "failure.png")
		if os.WriteFile(path, png, 0o644) == nil {
			p.t.Logf("screenshot of the failure: %s", path)
		}
	}
	said, _ := chromedp.Run(ctx, chromedp.Evaluate[string](
		`[...document.querySelectorAll("#status, .msg")].map((m) => m.textContent.trim()).filter(Boolean).join(" | ")`))
	p.t.Fatalf("%s: %v (the page says: %q)", name, err, said)
}
