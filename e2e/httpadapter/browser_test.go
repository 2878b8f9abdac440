package httpadapter_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	cdpwa "github.com/chromedp/cdproto/webauthn"

	"github.com/accountapi/accountapi/store"
)

// The real-browser passkey test: headless Chromium, driven over CDP, with a
// virtual authenticator, runs the WebAuthn routes through the browser's own
// navigator.credentials.create() and get(), using the native JSON helpers
// (parseCreationOptionsFromJSON, parseRequestOptionsFromJSON, toJSON) as a
// front end written against Logto's API would. The setup below avoids what
// makes such a test hang or fail instead of passing: a virtual authenticator
// with presence simulation off (navigator.credentials.create() then hangs
// without an error) or without user verification (NotAllowedError); an
// authenticator added in another tab than the page's (authenticators are per
// tab); 127.0.0.1 as an RP id (an IP address cannot be one: Chromium answers
// SecurityError, so the page is loaded as localhost); and a timeout on the
// context that owns the browser (it would end the browser, so each call gets
// its own deadline).

// browserChromium is where Debian's chromium package puts the browser.
const browserChromium = "/usr/bin/chromium"

// browserPage is the test page. Its functions call the API with the bearer
// token the test sets and reject on any non-2xx answer.
const browserPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>passkey test</title></head>
<body><p id="status">ready</p>
<script>
let token = "";
function setToken(t) { token = t; return "ok"; }

async function api(method, path, body, proof) {
  const headers = { "Authorization": "Bearer " + token };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (proof) headers["Logto-Verification-Id"] = proof;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(method + " " + path + " -> " + res.status + " " + text);
  return text ? JSON.parse(text) : null;
}

async function register() {
  const begin = await api("POST", "/api/verifications/web-authn/registration");
  const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(begin.registrationOptions);
  const cred = await navigator.credentials.create({ publicKey });
  const payload = cred.toJSON();
  payload.type = "WebAuthn"; // Logto's payload names its type so
  const done = await api("POST", "/api/verifications/web-authn/registration/verify",
    { verificationRecordId: begin.verificationRecordId, payload });
  return { recordId: done.verificationRecordId, credentialId: cred.id,
    extensions: JSON.stringify(payload.clientExtensionResults) };
}

async function bind(recordId, proof, name) {
  await api("POST", "/api/my-account/mfa-verifications",
    { type: "WebAuthn", newIdentifierVerificationRecordId: recordId, name }, proof);
  return "bound";
}

async function list() {
  return JSON.stringify(await api("GET", "/api/my-account/mfa-verifications"));
}

async function rename(id, name, proof) {
  await api("PATCH", "/api/my-account/mfa-verifications/" + encodeURIComponent(id) + "/name", { name }, proof);
  return "renamed";
}

async function stepUp() {
  const begin = await api("POST", "/api/verifications/web-authn/authentication");
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(begin.authenticationOptions);
  const cred = await navigator.credentials.get({ publicKey });
  const payload = cred.toJSON();
  payload.type = "WebAuthn";
  const done = await api("POST", "/api/verifications/web-authn/authentication/verify",
    { verificationRecordId: begin.verificationRecordId, payload });
  document.getElementById("status").textContent = "stepped up";
  return done.verificationRecordId;
}
</script></body></html>`

func TestBrowserPasskey(t *testing.T) {
	if _, err := os.Stat(browserChromium); err != nil {
		t.Skip("chromium not installed: skipping the browser passkey test")
	}
	start := time.Now()
	e := newEnv(t)
	const pw = "Pass-w0rd!"
	u := e.newUser(e.withPassword(pw))
	proof := e.passwordProof(u, pw)

	// Listen on 127.0.0.1 but load the page as localhost: Chromium treats
	// localhost as a secure context and accepts it as an RP id, not an IP.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	origin := fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /passkey-test", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(browserPage))
	})
	mux.Handle("/", e.handler)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	// The whole browser session lives under one deadline; each call below
	// gets its own shorter one, derived from the browser's context (a
	// timeout on the context that starts the browser would kill it).
	session, cancelSession := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancelSession()
	actx, cancelAlloc := chromedp.NewExecAllocator(session,
		chromedp.ExecPath(browserChromium),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	defer cancelAlloc()
	ctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	step := func(name string, d time.Duration, fn func(ctx context.Context) error) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		began := time.Now()
		if err := fn(sctx); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s: %v", name, time.Since(began).Round(time.Millisecond))
	}
	eval := func(name, js string, out any) {
		t.Helper()
		step(name, 20*time.Second, func(ctx context.Context) error {
			switch out := out.(type) {
			case *string:
				v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
				*out = v
				return err
			case *registration:
				v, err := chromedp.Run(ctx, chromedp.Evaluate[registration](js, chromedp.EvalAwaitPromise))
				*out = v
				return err
			}
			return fmt.Errorf("unexpected output type %T", out)
		})
	}

	// The first CDP call starts the browser, under the session's deadline.
	if _, err := chromedp.Call(ctx, cdpwa.Enable, cdpwa.EnableParams{}); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	t.Logf("browser started: %v", time.Since(start).Round(time.Millisecond))
	var authID cdpwa.AuthenticatorID
	step("add virtual authenticator", 10*time.Second, func(ctx context.Context) error {
		res, err := chromedp.Call(ctx, cdpwa.AddVirtualAuthenticator, cdpwa.AddVirtualAuthenticatorParams{
			Options: &cdpwa.VirtualAuthenticatorOptions{
				Protocol: cdpwa.AuthenticatorProtocolCtap2, Ctap2version: cdpwa.Ctap2versionCtap21,
				Transport: cdpwa.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true,
				// Both must be set: Go's zero values mean "hang forever"
				// and "verification fails".
				IsUserVerified: true, AutomaticPresenceSimulation: true,
			},
		})
		authID = res.AuthenticatorID
		return err
	})
	step("navigate", 15*time.Second, func(ctx context.Context) error {
		return chromedp.Do(ctx, chromedp.Navigate(origin+"/passkey-test"))
	})
	var out string
	eval("set token", fmt.Sprintf("setToken(%q)", e.tokenFor(u.ID)), &out)

	// Register through navigator.credentials.create().
	var reg registration
	eval("register", "register()", &reg)
	rec, err := e.store.GetVerificationRecord(t.Context(), reg.RecordID, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	c := rec.WebAuthn.Credential
	if !rec.Verified || c == nil || c.RPID != "localhost" || waB64(c.CredentialID) != reg.CredentialID ||
		!strings.Contains(c.Agent, "Chrome") || len(c.Transports) == 0 || c.Transports[0] != "internal" {
		t.Fatalf("registration record = %+v, credential %+v", rec, c)
	}
	t.Logf("clientExtensionResults from Chromium: %s", reg.Extensions)

	// Bind it, list it, rename it.
	eval("bind", fmt.Sprintf("bind(%q, %q, %q)", reg.RecordID, proof, "Virtual key"), &out)
	var listed string
	eval("list", "list()", &listed)
	factorID := browserFactor(t, listed, "Virtual key")
	eval("rename", fmt.Sprintf("rename(%q, %q, %q)", factorID, "Renamed key", proof), &out)
	eval("list again", "list()", &listed)
	browserFactor(t, listed, "Renamed key")

	// Step up through navigator.credentials.get(), twice: the stored
	// counter strictly increases, as the authenticator's does.
	counts := []uint32{browserSignCount(t, e, u, factorID)}
	var stepUpID string
	for i := range 2 {
		eval(fmt.Sprintf("step-up %d", i+1), "stepUp()", &stepUpID)
		sr, err := e.store.GetVerificationRecord(t.Context(), stepUpID, e.clock.Now())
		if err != nil || !sr.Verified || sr.FactorID != factorID || sr.Type != store.RecordWebAuthnAuthentication {
			t.Fatalf("step-up record = %+v, %v", sr, err)
		}
		counts = append(counts, browserSignCount(t, e, u, factorID))
		if counts[i+1] <= counts[i] {
			t.Fatalf("stored sign counts %v: not strictly increasing", counts)
		}
	}
	step("authenticator's own count", 10*time.Second, func(ctx context.Context) error {
		res, err := chromedp.Call(ctx, cdpwa.GetCredentials, cdpwa.GetCredentialsParams{AuthenticatorID: authID})
		if err != nil {
			return err
		}
		if len(res.Credentials) != 1 || uint32(res.Credentials[0].SignCount) != counts[len(counts)-1] {
			return fmt.Errorf("authenticator holds %+v; stored count %d", res.Credentials, counts[len(counts)-1])
		}
		return nil
	})
	t.Logf("stored sign counts: %v", counts)

	// The step-up record proves the user's identity.
	r := e.do(req{method: "PATCH", path: "/api/my-account", token: e.tokenFor(u.ID), body: map[string]any{"username": "browser_user"},
		header: map[string]string{"Logto-Verification-Id": stepUpID}})
	expect(t, r, 200, "")
	t.Logf("whole browser test: %v", time.Since(start).Round(time.Millisecond))
}

// registration is what the page's register() returns.
type registration struct {
	RecordID     string `json:"recordId"`
	CredentialID string `json:"credentialId"`
	Extensions   string `json:"extensions"`
}

// browserFactor finds the one WebAuthn entry of a factor list (as JSON)
// and checks its name; it returns its id.
func browserFactor(t *testing.T, listed, name string) string {
	t.Helper()
	var entries []map[string]any
	if err := json.Unmarshal([]byte(listed), &entries); err != nil {
		t.Fatalf("list: %v: %s", err, listed)
	}
	if len(entries) != 1 || entries[0]["type"] != "WebAuthn" || entries[0]["name"] != name ||
		!strings.Contains(fmt.Sprint(entries[0]["agent"]), "Chrome") {
		t.Fatalf("list = %s, want one WebAuthn factor named %q", listed, name)
	}
	return entries[0]["id"].(string)
}

func browserSignCount(t *testing.T, e *env, u *store.User, factorID string) uint32 {
	t.Helper()
	f, err := e.store.GetMFAFactor(t.Context(), u.ID, factorID)
	if err != nil {
		t.Fatal(err)
	}
	return f.WebAuthn.SignCount
}
