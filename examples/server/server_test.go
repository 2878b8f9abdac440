package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accountapi/accountapi/event"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
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

// startServer runs the example server with a fresh SQLite file and outbox and
// returns its base URL and the outbox's path.
func startServer(t *testing.T, cfg config) (base, outbox string) {
	t.Helper()
	dir := t.TempDir()
	cfg.Addr = "127.0.0.1:0"
	cfg.DB = filepath.Join(dir, "test.db")
	if cfg.Outbox == "" {
		cfg.Outbox = filepath.Join(dir, "outbox.jsonl")
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, &out, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	listening := regexp.MustCompile(`listening on (http://\S+)`)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := listening.FindStringSubmatch(out.String()); m != nil {
			return m[1], cfg.Outbox
		}
		select {
		case err := <-done:
			done <- err // for the cleanup, which waits for it
			t.Fatalf("the server stopped: %v\n%s", err, out.String())
		default:
		}
	}
	t.Fatalf("the server did not start:\n%s", out.String())
	return "", ""
}

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

// TestReadmeWalkthrough runs README.md's walkthrough against the server.
func TestReadmeWalkthrough(t *testing.T) {
	const secret = "walkthrough-secret-walkthrough-secret"
	cfg := config{DevSecret: secret}
	base, outbox := startServer(t, cfg)

	status, _ := call(t, "GET", base+"/healthz", "", nil)
	if status != 200 {
		t.Fatalf("GET /healthz = %d", status)
	}
	admin, err := mintDevToken(secret, "admin", "all", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	status, user := call(t, "POST", base+"/api/users", admin, map[string]any{
		"username": "ann", "primaryEmail": "ann@example.com", "password": "Correct-Horse-9",
	})
	if status != 200 {
		t.Fatalf("POST /api/users = %d %v", status, user)
	}
	userID := user["id"].(string)
	tok, err := mintDevToken(secret, userID, DefaultUserScope, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if status, me := call(t, "GET", base+"/api/my-account", tok, nil); status != 200 || me["primaryEmail"] != "ann@example.com" {
		t.Fatalf("GET /api/my-account = %d %v", status, me)
	}
	if status, me := call(t, "PATCH", base+"/api/my-account", tok, map[string]any{"name": "Ann Example"}); status != 200 || me["name"] != "Ann Example" {
		t.Fatalf("PATCH /api/my-account = %d %v", status, me)
	}
	status, proof := call(t, "POST", base+"/api/verifications/password", tok, map[string]any{"password": "Correct-Horse-9"})
	if status != 201 {
		t.Fatalf("POST /api/verifications/password = %d %v", status, proof)
	}
	newEmail := map[string]any{"type": "email", "value": "ann.new@example.com"}
	status, rec := call(t, "POST", base+"/api/verifications/verification-code", tok, map[string]any{"identifier": newEmail})
	if status != 201 {
		t.Fatalf("POST /api/verifications/verification-code = %d %v", status, rec)
	}
	code := lastCode(t, outbox)
	status, _ = call(t, "POST", base+"/api/verifications/verification-code/verify", tok, map[string]any{
		"identifier": newEmail, "verificationId": rec["verificationRecordId"], "code": code,
	})
	if status != 200 {
		t.Fatalf("verify = %d", status)
	}
	status, body := call(t, "POST", base+"/api/my-account/primary-email", tok, map[string]any{
		"email": "ann.new@example.com", "newIdentifierVerificationRecordId": rec["verificationRecordId"],
	}, "logto-verification-id", proof["verificationRecordId"].(string))
	if status != 204 {
		t.Fatalf("POST primary-email = %d %v", status, body)
	}
	if status, me := call(t, "GET", base+"/api/my-account", tok, nil); status != 200 || me["primaryEmail"] != "ann.new@example.com" {
		t.Fatalf("GET /api/my-account after the change = %d %v", status, me)
	}
}

// lastCode returns the code of the outbox's last line.
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

// TestMockSocialLink links the mock social identity through the running
// server, as an end-to-end test of the development connectors.
func TestMockSocialLink(t *testing.T) {
	const secret = "mock-social-secret-mock-social-secret"
	base, _ := startServer(t, config{DevSecret: secret})
	admin, _ := mintDevToken(secret, "admin", "all", time.Hour)
	status, user := call(t, "POST", base+"/api/users", admin, map[string]any{"username": "bob"})
	if status != 200 {
		t.Fatalf("POST /api/users = %d %v", status, user)
	}
	tok, _ := mintDevToken(secret, user["id"].(string), DefaultUserScope, time.Hour)

	status, rec := call(t, "POST", base+"/api/verifications/social", tok, map[string]any{
		"connectorId": "mock-social", "state": "s1", "redirectUri": "http://localhost/callback",
	})
	if status != 201 || !strings.HasPrefix(rec["authorizationUri"].(string), "http://mock-social/?") {
		t.Fatalf("POST /api/verifications/social = %d %v", status, rec)
	}
	status, _ = call(t, "POST", base+"/api/verifications/social/verify", tok, map[string]any{
		"verificationRecordId": rec["verificationRecordId"], "connectorData": map[string]any{"userId": "social-bob"},
	})
	if status != 200 {
		t.Fatalf("social/verify = %d", status)
	}
	status, body := call(t, "POST", base+"/api/my-account/identities", tok, map[string]any{
		"newIdentifierVerificationRecordId": rec["verificationRecordId"],
	})
	if status != 204 {
		t.Fatalf("POST /api/my-account/identities = %d %v", status, body)
	}
	_, me := call(t, "GET", base+"/api/my-account", tok, nil)
	ids, _ := me["identities"].(map[string]any)
	if got, _ := ids["mock-social"].(map[string]any); got["userId"] != "social-bob" {
		t.Errorf("identities = %v", me["identities"])
	}
	if status, body := call(t, "POST", base+"/api/verifications/social", tok, map[string]any{
		"connectorId": "mock-email", "state": "s", "redirectUri": "http://localhost/cb",
	}); status != 400 || body["code"] != "connector.unexpected_type" {
		t.Errorf("mock-email: %d %v", status, body)
	}
}

// TestManagementWired checks the example server serves the Management API's
// MFA, sign-in-experience and connector routes, not only the user routes.
func TestManagementWired(t *testing.T) {
	const secret = "management-wired-secret-management"
	base, _ := startServer(t, config{DevSecret: secret})
	admin, _ := mintDevToken(secret, "admin", "all", time.Hour)
	status, user := call(t, "POST", base+"/api/users", admin, map[string]any{"username": "carol"})
	if status != 200 {
		t.Fatalf("POST /api/users = %d %v", status, user)
	}
	id := user["id"].(string)

	status, totp := call(t, "POST", base+"/api/users/"+id+"/mfa-verifications", admin, map[string]any{"type": "Totp"})
	if status != 200 || !strings.HasPrefix(fmt.Sprint(totp["secretQrCode"]), "data:image/png;base64,") {
		t.Errorf("POST mfa-verifications = %d %v", status, totp)
	}
	status, sie := call(t, "GET", base+"/api/sign-in-exp", admin, nil)
	factors := fmt.Sprint(sie["mfa"])
	if status != 200 || !strings.Contains(factors, "Totp") || !strings.Contains(factors, "WebAuthn") || !strings.Contains(factors, "BackupCode") {
		t.Errorf("GET /api/sign-in-exp = %d %v, want every MFA factor enabled", status, sie)
	}
	status, uri := call(t, "POST", base+"/api/connectors/mock-social/authorization-uri", admin, map[string]any{
		"state": "s", "redirectUri": "http://localhost/cb",
	})
	if status != 200 {
		t.Errorf("POST /api/connectors/mock-social/authorization-uri = %d %v", status, uri)
	}
	if status, _ := call(t, "PATCH", base+"/api/users/"+id+"/is-suspended", admin, map[string]any{"isSuspended": true}); status != 200 {
		t.Errorf("PATCH is-suspended = %d", status)
	}
	tok, _ := mintDevToken(secret, id, DefaultUserScope, time.Hour)
	if status, body := call(t, "GET", base+"/api/my-account", tok, nil); status != 401 || body["code"] != "user.suspended" {
		t.Errorf("GET /api/my-account of a suspended user = %d %v", status, body)
	}
}

// TestWebhooks runs the server with -webhook-url pointing at a receiver that
// checks every request's signature, and sees a profile change and a
// deletion arrive as signed events.
func TestWebhooks(t *testing.T) {
	const (
		secret     = "webhooks-dev-secret-webhooks-dev"
		hookSecret = "webhooks-hmac-secret-0123456789ab"
	)
	got := make(chan event.WebhookPayload, 16)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if err := event.VerifySignature([]byte(hookSecret), body, r.Header, time.Now(), 0); err != nil {
			t.Errorf("webhook request: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var p event.WebhookPayload
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("webhook body %q: %v", body, err)
		}
		got <- p
	}))
	defer receiver.Close()

	base, _ := startServer(t, config{DevSecret: secret, WebhookURLs: []string{receiver.URL + "/hook"}, WebhookSecret: hookSecret})
	admin, _ := mintDevToken(secret, "admin", "all", time.Hour)
	status, user := call(t, "POST", base+"/api/users", admin, map[string]any{"username": "hooked"})
	if status != 200 {
		t.Fatalf("POST /api/users = %d %v", status, user)
	}
	id := user["id"].(string)
	tok, _ := mintDevToken(secret, id, DefaultUserScope, time.Hour)
	if status, body := call(t, "PATCH", base+"/api/my-account", tok, map[string]any{"name": "Hooked"}); status != 200 {
		t.Fatalf("PATCH /api/my-account = %d %v", status, body)
	}
	if status, body := call(t, "DELETE", base+"/api/users/"+id, admin, nil); status != 204 {
		t.Fatalf("DELETE /api/users/{id} = %d %v", status, body)
	}
	want := []event.Name{event.UserDataUpdated, event.UserDeleted}
	for len(want) > 0 {
		select {
		case p := <-got:
			if p.UserID != id {
				continue // e.g. the creation's events
			}
			if p.Event == want[0] {
				want = want[1:]
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no signed %v event arrived", want)
		}
	}
}
