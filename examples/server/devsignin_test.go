package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
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
