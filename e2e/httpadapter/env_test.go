package httpadapter_test

import (
	"bytes"
	"context"
	cryptoRand "crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/accountapi/accountapi"
	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/bearer"
	"github.com/accountapi/accountapi/connector"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/httpadapter"
	"github.com/accountapi/accountapi/internal/testnotice"
	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/password"
	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/store/sqlite"
)

// testSecret signs the tests' HS256 tokens.
const testSecret = "0123456789abcdef0123456789abcdef"

// clock is a settable clock shared by every part of an env.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// outbox records the messages notifiers were asked to send.
type outbox struct {
	mu   sync.Mutex
	msgs []notify.Message
	fail error
}

func (o *outbox) Notify(_ context.Context, m notify.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fail != nil {
		return o.fail
	}
	o.msgs = append(o.msgs, m)
	return nil
}

// last returns the last message sent to to.
func (o *outbox) last(t testing.TB, to string) notify.Message {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.msgs) - 1; i >= 0; i-- {
		if o.msgs[i].To == to {
			return o.msgs[i]
		}
	}
	t.Fatalf("no message was sent to %s", to)
	return notify.Message{}
}

func (o *outbox) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.msgs)
}

// events records emitted events.
type events struct {
	mu   sync.Mutex
	list []event.Event
}

func (e *events) Emit(_ context.Context, ev event.Event) {
	e.mu.Lock()
	e.list = append(e.list, ev)
	e.mu.Unlock()
}

func (e *events) named(n event.Name) []event.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []event.Event
	for _, ev := range e.list {
		if ev.Name == n {
			out = append(out, ev)
		}
	}
	return out
}

// env is one Account API under test: accountapi.New over a fresh SQLite
// store, with a settable clock, cheap password hashing, an outbox for the
// codes and a recorder of the events.
type env struct {
	t        testing.TB
	store    store.Store
	clock    *clock
	outbox   *outbox
	events   *events
	settings *account.Settings
	handler  http.Handler
	// accountHandler is the AccountHandler behind handler.
	accountHandler *httpadapter.AccountHandler
	// api is what accountapi.New built.
	api *accountapi.API
}

// envConfig tweaks an env before it is built.
type envConfig struct {
	store        store.Store
	configs      []func(*accountapi.Config)
	settings     *store.AccountCenter
	policies     []func(*account.Policies)
	cacheTTL     time.Duration
	isFirstParty account.FirstPartyFunc
	notices      notify.Notifier
	// accountConnectors, when set, are the connectors the Account API's
	// routes see, while the Verification API's see Config.Connectors: a
	// connector removed or replaced after a record named it.
	accountConnectors connector.Set
}

type envOption func(*envConfig)

// withAccountCenter replaces the default settings (enabled, every field Edit).
func withAccountCenter(ac store.AccountCenter) envOption {
	return func(c *envConfig) { c.settings = &ac }
}

// withFirstParty installs a first-party predicate (by default every client
// is first-party).
func withFirstParty(f account.FirstPartyFunc) envOption {
	return func(c *envConfig) { c.isFirstParty = f }
}

// withConfig adjusts the accountapi.Config the env is built with, after the
// env's own choices: MFA secrets in plain text unless EncryptionKeys is set,
// the outbox as the notifier of codes, no security notices.
func withConfig(f func(*accountapi.Config)) envOption {
	return func(c *envConfig) { c.configs = append(c.configs, f) }
}

// withNotices sends the security notices to n (by default they are dropped,
// so that the outbox holds codes only).
func withNotices(n notify.Notifier) envOption {
	return func(c *envConfig) { c.notices = n }
}

// withAccountConnectors serves the Account API's routes from a second API
// over the same store whose connectors are set, and the Verification API's
// from the env's: what a host sees when it changes its connectors between a
// verification and its use.
func withAccountConnectors(set connector.Set) envOption {
	return func(c *envConfig) { c.accountConnectors = set }
}

// withPolicies adjusts the host's default sign-in-experience policies the
// shared Settings is built with (by default Logto's, with every MFA factor
// enabled). What PATCH /api/sign-in-exp stores overrides them.
func withPolicies(f func(*account.Policies)) envOption {
	return func(c *envConfig) { c.policies = append(c.policies, f) }
}

// withCacheTTL sets the Settings' CacheTTL (by default -1: no cache, every
// request reads the store).
func withCacheTTL(d time.Duration) envOption {
	return func(c *envConfig) { c.cacheTTL = d }
}

// withStore builds the env over st instead of a fresh SQLite store.
func withStore(st store.Store) envOption {
	return func(c *envConfig) { c.store = st }
}

// allEditable is the example server's settings of a new database.
func allEditable() store.AccountCenter {
	e := store.ControlEdit
	return store.AccountCenter{Enabled: true, Fields: store.AccountCenterFields{
		Name: e, Avatar: e, Profile: e, Email: e, Phone: e, Password: e, Username: e,
		Social: e, CustomData: e, MFA: e,
	}}
}

// cheapHasher hashes with small argon2id parameters: tests check behaviour,
// not cost.
func cheapHasher(t testing.TB) *password.Hasher {
	t.Helper()
	h, err := password.New(password.Config{Params: password.Params{Memory: 64, Time: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// template is a migrated, empty SQLite database that newSQLiteStore copies:
// migrating each test's database would cost more than the test.
var template struct {
	once sync.Once
	dir  string
	data []byte
	err  error
}

func TestMain(m *testing.M) {
	// go test ./... hides a passing package's output: say on the terminal
	// which tests skip for a missing tool.
	var missing []string
	if _, err := os.Stat(browserChromium); err != nil {
		missing = append(missing, "the browser passkey test (install Debian's chromium)")
	}
	if _, err := exec.LookPath("oathtool"); err != nil {
		missing = append(missing, "the authenticator-app test (install oathtool)")
	}
	if len(missing) > 0 {
		testnotice.Skipped("skipped " + strings.Join(missing, " and "))
	}
	code := m.Run()
	if template.dir != "" {
		os.RemoveAll(template.dir)
	}
	os.Exit(code)
}

func migratedTemplate() ([]byte, error) {
	template.once.Do(func() {
		template.dir, template.err = os.MkdirTemp("", "accountapi-template")
		if template.err != nil {
			return
		}
		path := filepath.Join(template.dir, "template.db")
		st, err := sqlite.Open(path)
		if err != nil {
			template.err = err
			return
		}
		if err := st.Migrate(context.Background()); err != nil {
			st.Close()
			template.err = err
			return
		}
		if err := st.Close(); err != nil {
			template.err = err
			return
		}
		template.data, template.err = os.ReadFile(path)
	})
	return template.data, template.err
}

// newSQLiteStore returns a fresh SQLite store in the test's temporary
// directory: a copy of the migrated template (the store tests cover Migrate).
func newSQLiteStore(t testing.TB) store.Store {
	t.Helper()
	data, err := migratedTemplate()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "test.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	cfg := envConfig{cacheTTL: -1}
	for _, o := range opts {
		o(&cfg)
	}
	st := cfg.store
	if st == nil {
		st = newSQLiteStore(t)
	}
	e := &env{
		t: t, store: st, outbox: &outbox{}, events: &events{},
		clock: &clock{now: time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)},
	}
	ac := allEditable()
	if cfg.settings != nil {
		ac = *cfg.settings
	}
	if err := st.SaveAccountCenter(context.Background(), &ac); err != nil {
		t.Fatal(err)
	}
	policies := account.Policies{
		MFA: account.MFAPolicy{Factors: []store.FactorType{store.FactorTOTP, store.FactorWebAuthn, store.FactorBackupCode}},
	}
	for _, f := range cfg.policies {
		f(&policies)
	}
	first := cfg.isFirstParty
	if first == nil {
		first = accountapi.AllClientsFirstParty
	}
	auth, err := bearer.NewHS256(bearer.HS256Config{Secret: []byte(testSecret), Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ac2 := accountapi.Config{
		Store: st, Authenticator: auth, FirstParty: first,
		Policies: policies, SettingsCacheTTL: cfg.cacheTTL,
		Password: password.Config{Params: password.Params{Memory: 64, Time: 1}},
		Notifier: envNotifier{codes: e.outbox, notices: cfg.notices},
		Events:   e.events,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:      e.clock.Now,
		// Logto's CORS policy, which the CORS tests check.
		AllowedOrigins: []string{"*"},
		MaxBodyBytes:   64 << 10,
	}
	for _, f := range cfg.configs {
		f(&ac2)
	}
	ac2.InsecurePlaintextMFASecrets = len(ac2.EncryptionKeys) == 0
	api, err := accountapi.New(ac2)
	if err != nil {
		t.Fatal(err)
	}
	e.api, e.settings, e.accountHandler, e.handler = api, api.Settings(), api.AccountHandler(), api.Handler()
	if cfg.accountConnectors != nil {
		ac2.Connectors = cfg.accountConnectors
		other, err := accountapi.New(ac2)
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		mux.Handle("/api/verifications/", api.Handler())
		mux.Handle("/", other.Handler())
		e.handler = mux
	}
	return e
}

// envNotifier sends codes to the env's outbox and security notices to
// notices, or nowhere.
type envNotifier struct {
	codes   *outbox
	notices notify.Notifier
}

func (n envNotifier) Notify(ctx context.Context, m notify.Message) error {
	if !notify.IsNotice(m.Type) {
		return n.codes.Notify(ctx, m)
	}
	if n.notices == nil {
		return nil
	}
	return n.notices.Notify(ctx, m)
}

// patchSignInExp stores sign-in-experience policies through the env's
// Settings, as PATCH /api/sign-in-exp does; the services see them at once.
func (e *env) patchSignInExp(p account.SignInExperiencePatch) {
	e.t.Helper()
	if _, err := e.settings.UpdateSignInExperience(context.Background(), p); err != nil {
		e.t.Fatal(err)
	}
}

// token mints an HS256 access token for sub with scopes, valid for an hour of
// the env's clock.
func (e *env) token(sub string, scopes ...string) string {
	return mint(e.t, testSecret, e.clock.Now(), map[string]any{"sub": sub, "scope": strings.Join(scopes, " ")})
}

// tokenFor mints a token with the scopes every Account API route reads.
func (e *env) tokenFor(sub string) string {
	return e.token(sub, "openid", "profile", "email", "phone", "address", "custom_data", "identities")
}

// adminToken mints a Management API token.
func (e *env) adminToken() string { return e.token("admin", "all") }

func mint(t testing.TB, secret string, now time.Time, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte(secret)}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	c := map[string]any{"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	for k, v := range claims {
		c[k] = v
	}
	tok, err := jwt.Signed(signer).Claims(c).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// response is a recorded answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body as an object.
func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// code returns the error code of an error body.
func (r response) code() string {
	var m struct {
		Code string `json:"code"`
	}
	json.Unmarshal(r.body, &m)
	return m.Code
}

// req describes a request.
type req struct {
	method, path, token string
	body                any // encoded as JSON unless it is a string or []byte
	header              map[string]string
	// host is the Host the request is sent to ("" keeps httptest's
	// example.com).
	host string
}

func (e *env) do(r req) response {
	e.t.Helper()
	var body io.Reader
	switch b := r.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		body = bytes.NewReader(data)
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	if r.host != "" {
		hr.Host = r.host
	}
	w := httptest.NewRecorder()
	e.handler.ServeHTTP(w, hr)
	// Every answer must be one the OpenAPI document describes
	// (openapi_test.go).
	if err := checkOpenAPI(e.t, hr, w.Code, w.Header(), w.Body.Bytes()); err != nil {
		e.t.Errorf("OpenAPI: %s %s answered %d: %v", r.method, r.path, w.Code, err)
	}
	return response{status: w.Code, header: w.Header(), body: w.Body.Bytes()}
}

// expect fails the test unless the response has the status and, for errors,
// the code.
func expect(t testing.TB, r response, status int, code string) {
	t.Helper()
	if r.status != status || (code != "" && r.code() != code) {
		t.Fatalf("got %d %s, want %d %s\nbody: %s", r.status, r.code(), status, code, r.body)
	}
}

// newUser stores a user with a username and, optionally, more.
func (e *env) newUser(mods ...func(*store.User)) *store.User {
	e.t.Helper()
	id, err := store.NewID(cryptoRand.Reader)
	if err != nil {
		e.t.Fatal(err)
	}
	u := &store.User{
		ID: id, Username: "user_" + id[:8], CustomData: map[string]any{},
		CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now(),
	}
	for _, m := range mods {
		m(u)
	}
	if err := e.store.CreateUser(context.Background(), u); err != nil {
		e.t.Fatal(err)
	}
	return u
}

// withPassword gives a fixture user a password.
func (e *env) withPassword(pw string) func(*store.User) {
	return func(u *store.User) {
		d, alg, err := cheapHasher(e.t).Hash(context.Background(), pw)
		if err != nil {
			e.t.Fatal(err)
		}
		u.PasswordDigest, u.PasswordAlgorithm = d, alg
	}
}

func withEmail(email string) func(*store.User) { return func(u *store.User) { u.PrimaryEmail = email } }
func withPhone(phone string) func(*store.User) { return func(u *store.User) { u.PrimaryPhone = phone } }
func withoutUsername() func(*store.User)       { return func(u *store.User) { u.Username = "" } }

// passwordProof returns a Password record id proving the user's identity.
func (e *env) passwordProof(u *store.User, pw string) string {
	e.t.Helper()
	r := e.do(req{method: "POST", path: "/api/verifications/password", token: e.tokenFor(u.ID), body: map[string]string{"password": pw}})
	expect(e.t, r, 201, "")
	return r.json(e.t)["verificationRecordId"].(string)
}

// sendCode asks for a code to identifier and returns the record id and the
// code the notifier received.
func (e *env) sendCode(u *store.User, typ, value string) (recordID, code string) {
	e.t.Helper()
	r := e.do(req{method: "POST", path: "/api/verifications/verification-code", token: e.tokenFor(u.ID),
		body: map[string]any{"identifier": map[string]string{"type": typ, "value": value}}})
	expect(e.t, r, 201, "")
	return r.json(e.t)["verificationRecordId"].(string), e.outbox.last(e.t, value).Code
}

// verifiedCode sends a code to identifier and verifies it, returning the
// verified record id.
func (e *env) verifiedCode(u *store.User, typ, value string) string {
	e.t.Helper()
	id, code := e.sendCode(u, typ, value)
	r := e.do(req{method: "POST", path: "/api/verifications/verification-code/verify", token: e.tokenFor(u.ID),
		body: map[string]any{"identifier": map[string]string{"type": typ, "value": value}, "verificationId": id, "code": code}})
	expect(e.t, r, 200, "")
	return id
}

// reload reads the user back from the store.
func (e *env) reload(u *store.User) *store.User {
	e.t.Helper()
	got, err := e.store.GetUser(context.Background(), u.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}
