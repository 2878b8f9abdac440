// Package accountpage_test drives the example server's account page
// (examples/server) in headless Chromium. It lives in the e2e module, with
// the browser driver it needs, so that the library's go.mod does not carry
// chromedp: the server is built once (TestMain) and each test starts it as a
// subprocess with its own SQLite file, outbox and development secret.
package accountpage_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/pquerna/otp/totp"

	"github.com/accountapi/accountapi/internal/testnotice"
	cdpwa "github.com/chromedp/cdproto/webauthn"
)

// serverBinary is the example server, built by TestMain; "" when Chromium is
// absent (every test here skips then).
var serverBinary string

// TestMain builds the example server once for every test.
func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	if _, err := os.Stat(chromium); err != nil {
		// go test ./... hides a passing package's output.
		testnotice.Skipped("skipped the account page's browser tests: install Debian's chromium to run them")
	}
	if _, err := os.Stat(chromium); err == nil {
		dir, err := os.MkdirTemp("", "accountpage-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		serverBinary = filepath.Join(dir, "server")
		if err := buildServer(serverBinary); err != nil {
			fmt.Fprintf(os.Stderr, "building the example server: %v\n", err)
			return 1
		}
	}
	return m.Run()
}

// buildServer builds github.com/accountapi/accountapi/examples/server into
// out. It builds in the library's module directory, whose go.mod and go.sum
// hold the server's dependencies (this module's list only what its tests
// import); e2e/go.mod's replace makes that directory the checkout this
// module sits in.
func buildServer(out string) error {
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		if goTool, err = exec.LookPath("go"); err != nil {
			return fmt.Errorf("finding the go command: %w", err)
		}
	}
	list := exec.Command(goTool, "list", "-m", "-f", "{{.Dir}}", "github.com/accountapi/accountapi")
	var stderr bytes.Buffer
	list.Stderr = &stderr
	dir, err := list.Output()
	if err != nil {
		return fmt.Errorf("go list -m github.com/accountapi/accountapi: %w: %s", err, stderr.Bytes())
	}
	build := exec.Command(goTool, "build", "-o", out, "github.com/accountapi/accountapi/examples/server")
	build.Dir = strings.TrimSpace(string(dir))
	if output, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("go build in %s: %w\n%s", build.Dir, err, output)
	}
	return nil
}

// defaultUserScope is the scope the example server's token command grants a
// user unless told otherwise (DefaultUserScope in examples/server/token.go):
// everything the Account API reads.
const defaultUserScope = "openid profile email phone address custom_data identities"

// mintDevToken signs a development access token as the example server
// verifies it (examples/server/token.go): HS256 with the development
// secret, claims sub, scope (space-separated), iat and exp.
func mintDevToken(secret, sub, scope string, ttl time.Duration) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte(secret)},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	now := time.Now()
	claims := struct {
		jwt.Claims
		Scope string `json:"scope"`
	}{
		Claims: jwt.Claims{Subject: sub, IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(ttl))},
		Scope:  scope,
	}
	return jwt.Signed(signer).Claims(claims).Serialize()
}

// syncBuffer is a bytes.Buffer safe for the process's output copier and the
// test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startServer runs the example server with a fresh SQLite file and outbox,
// in development mode with the HS256 secret devSecret, on a free loopback
// port, and returns its base URL and the outbox's path. The process is
// stopped (SIGTERM, then killed if it lingers) when the test ends; it must
// exit cleanly.
func startServer(t *testing.T, devSecret string) (base, outbox string) {
	t.Helper()
	dir := t.TempDir()
	outbox = filepath.Join(dir, "outbox.jsonl")
	cmd := exec.Command(serverBinary,
		"-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "test.db"),
		"-dev-secret", devSecret, "-outbox", outbox)
	// Only the flags configure it: the ACCOUNTAPI_* variables of whoever
	// runs the tests would otherwise be the flags' defaults.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ACCOUNTAPI_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the example server: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("the example server: %v\n%s", err, stderr.String())
			}
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Errorf("the example server did not stop within 15s of SIGTERM; killed\n%s", stderr.String())
		}
		if t.Failed() {
			t.Logf("the example server's log:\n%s", stderr.String())
		}
	})
	listening := regexp.MustCompile(`listening on (http://\S+)`)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := listening.FindStringSubmatch(stdout.String()); m != nil {
			return m[1], outbox
		}
		select {
		case err := <-done:
			done <- err // for the clean-up
			t.Fatalf("the server stopped: %v\n%s%s", err, stdout.String(), stderr.String())
		default:
		}
	}
	t.Fatalf("the server did not start:\n%s%s", stdout.String(), stderr.String())
	return "", ""
}

// call sends a JSON request, with the bearer token when not "" and the
// header pairs given, and decodes the JSON object answered.
func call(t *testing.T, method, url, token string, body any, header ...string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	r, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	r.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	data, _ := io.ReadAll(resp.Body)
	json.Unmarshal(data, &m)
	return resp.StatusCode, m
}

// lastCode returns the code of the outbox's last message.
func lastCode(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	var m struct {
		Payload struct {
			Code string `json:"code"`
		} `json:"payload"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil || m.Payload.Code == "" {
		t.Fatalf("last outbox line %q: %v", lines[len(lines)-1], err)
	}
	return m.Payload.Code
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
	base, outbox := startServer(t, secret)
	origin := strings.Replace(base, "127.0.0.1", "localhost", 1)
	admin, _ := mintDevToken(secret, "admin", "all", time.Hour)
	status, user := call(t, "POST", base+"/api/users", admin, map[string]any{
		"username": "ann", "primaryEmail": "ann@example.com", "password": pw,
	})
	if status != 200 {
		t.Fatalf("POST /api/users = %d %v", status, user)
	}
	userTok, _ := mintDevToken(secret, user["id"].(string), defaultUserScope, time.Hour)

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
	base, _ := startServer(t, secret)
	origin := strings.Replace(base, "127.0.0.1", "localhost", 1)
	admin, _ := mintDevToken(secret, "admin", "all", time.Hour)
	status, user := call(t, "POST", base+"/api/users", admin, map[string]any{
		"username": "bea", "primaryEmail": "bea@example.com", "password": pw,
	})
	if status != 200 {
		t.Fatalf("POST /api/users = %d %v", status, user)
	}
	userTok, _ := mintDevToken(secret, user["id"].(string), defaultUserScope, time.Hour)
	// Let users delete themselves, so that the page offers it: the example's
	// settings (devSettings in examples/server/server.go) with deletion
	// editable.
	status, center := call(t, "GET", base+"/api/account-center", admin, nil)
	fields, ok := center["fields"].(map[string]any)
	if status != 200 || !ok {
		t.Fatalf("GET /api/account-center = %d %v", status, center)
	}
	fields["deleteAccount"] = "Edit"
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
