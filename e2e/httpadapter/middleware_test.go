package httpadapter_test

import (
	"context"
	"encoding/json"
	"errors"
	"mime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/store"
)

// The tests in this file cover what the user router does around every route
// (docs/compatibility.md, "Request pipeline", "CORS", "Errors and statuses"
// and "First-party and third-party applications"): bearer authentication, the
// openid scope, the account-center gate, CORS, routing, the error shape and
// body decoding.

const mwPassword = "Secret-123"

// mwRoute is a representative route of the user router with a body it
// accepts from the fixture user of mwUser.
type mwRoute struct {
	name, method, path string
	body               any
	ok                 int // the status of a successful call
}

// mwRoutes are the routes the middleware tests run on: a read, an account
// write and a Verification API route.
func mwRoutes() []mwRoute {
	return []mwRoute{
		{name: "GET my-account", method: "GET", path: "/api/my-account", ok: 200},
		{name: "PATCH my-account", method: "PATCH", path: "/api/my-account", body: map[string]any{"name": "Changed"}, ok: 200},
		{name: "POST verifications-password", method: "POST", path: "/api/verifications/password", body: map[string]any{"password": mwPassword}, ok: 201},
	}
}

// mwUser stores the fixture user of the middleware tests.
func mwUser(e *env) *store.User {
	return e.newUser(e.withPassword(mwPassword), withEmail("ann@example.com"))
}

// mwDisabled is every field Edit with the account center switched off.
func mwDisabled() store.AccountCenter {
	ac := allEditable()
	ac.Enabled = false
	return ac
}

// mwErrorBody checks that r is a JSON error in Logto's shape with status and
// code, and not cacheable.
func mwErrorBody(t *testing.T, r response, status int, code string) {
	t.Helper()
	expect(t, r, status, code)
	mt, _, err := mime.ParseMediaType(r.header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", r.header.Get("Content-Type"))
	}
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	body := r.json(t)
	if msg, _ := body["message"].(string); msg == "" {
		t.Errorf("message = %v, want a non-empty string", body["message"])
	}
	for k := range body {
		if !slices.Contains([]string{"code", "message", "data", "details"}, k) {
			t.Errorf("error body has member %q; body: %s", k, r.body)
		}
	}
}

// mwUnchanged fails unless u is stored as before and no User.Data.Updated
// event was emitted.
func mwUnchanged(t *testing.T, e *env, before *store.User) {
	t.Helper()
	if diff := cmp.Diff(before, e.reload(before)); diff != "" {
		t.Errorf("stored user changed (-before +after):\n%s", diff)
	}
	if got := e.events.named(event.UserDataUpdated); len(got) != 0 {
		t.Errorf("%d User.Data.Updated events, want none", len(got))
	}
}

func TestAuthentication(t *testing.T) {
	tests := []struct {
		name string
		// authorization returns the request's Authorization header ("" for
		// none); it may move the clock.
		authorization func(e *env, u *store.User) string
		status        int
		code          string
	}{
		{
			name:          "no Authorization header",
			authorization: func(*env, *store.User) string { return "" },
			status:        401, code: "auth.authorization_header_missing",
		},
		{
			name:          "Basic scheme",
			authorization: func(*env, *store.User) string { return "Basic YW5uOlNlY3JldC0xMjM=" },
			status:        401, code: "auth.authorization_token_type_not_supported",
		},
		{
			name:          "token without a scheme",
			authorization: func(e *env, u *store.User) string { return e.tokenFor(u.ID) },
			status:        401, code: "auth.authorization_token_type_not_supported",
		},
		{
			name:          "Bearer without a token",
			authorization: func(*env, *store.User) string { return "Bearer" },
			status:        401, code: "auth.unauthorized",
		},
		{
			name:          "garbage token",
			authorization: func(*env, *store.User) string { return "Bearer not-a-token" },
			status:        401, code: "auth.unauthorized",
		},
		{
			name: "token signed with another secret",
			authorization: func(e *env, u *store.User) string {
				return "Bearer " + mint(t, "another-secret-another-secret-00", e.clock.Now(),
					map[string]any{"sub": u.ID, "scope": "openid profile"})
			},
			status: 401, code: "auth.unauthorized",
		},
		{
			name: "expired token",
			authorization: func(e *env, u *store.User) string {
				tok := e.tokenFor(u.ID)
				e.clock.Advance(2 * time.Hour)
				return "Bearer " + tok
			},
			status: 401, code: "auth.unauthorized",
		},
		{
			name: "token without sub",
			authorization: func(e *env, _ *store.User) string {
				return "Bearer " + mint(t, testSecret, e.clock.Now(), map[string]any{"scope": "openid profile"})
			},
			status: 401, code: "auth.unauthorized",
		},
		{
			name: "token without openid",
			authorization: func(e *env, u *store.User) string {
				return "Bearer " + e.token(u.ID, "profile", "email", "phone", "custom_data", "identities")
			},
			status: 403, code: "auth.forbidden",
		},
	}
	for _, tt := range tests {
		for _, rt := range mwRoutes() {
			t.Run(tt.name+"/"+rt.name, func(t *testing.T) {
				e := newEnv(t)
				u := mwUser(e)
				before := e.reload(u)
				h := map[string]string{}
				if a := tt.authorization(e, u); a != "" {
					h["Authorization"] = a
				}
				r := e.do(req{method: rt.method, path: rt.path, body: rt.body, header: h})
				mwErrorBody(t, r, tt.status, tt.code)
				mwUnchanged(t, e, before)
			})
		}
	}
}

func TestAuthenticationDeletedUser(t *testing.T) {
	for _, rt := range mwRoutes() {
		t.Run(rt.name, func(t *testing.T) {
			e := newEnv(t)
			u := mwUser(e)
			tok := e.tokenFor(u.ID)
			if err := e.store.DeleteUser(context.Background(), u.ID); err != nil {
				t.Fatal(err)
			}
			r := e.do(req{method: rt.method, path: rt.path, token: tok, body: rt.body})
			mwErrorBody(t, r, 401, "auth.unauthorized")
			if _, err := e.store.GetUser(context.Background(), u.ID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("GetUser after the request: %v, want store.ErrNotFound", err)
			}
		})
	}
}

func TestAccountCenterGate(t *testing.T) {
	tests := []struct {
		name         string
		method, path string
		token        func(e *env, u *store.User) string
		body         any
		status       int
		code         string
	}{
		{
			name: "GET my-account", method: "GET", path: "/api/my-account",
			status: 400, code: "account_center.not_enabled",
		},
		{
			name: "PATCH my-account", method: "PATCH", path: "/api/my-account", body: map[string]any{"name": "Changed"},
			status: 400, code: "account_center.not_enabled",
		},
		{
			name: "PATCH my-account with a malformed body", method: "PATCH", path: "/api/my-account", body: `{"name":`,
			status: 400, code: "account_center.not_enabled",
		},
		{
			name: "PATCH my-account with a wrongly typed body", method: "PATCH", path: "/api/my-account", body: `{"name":42}`,
			status: 400, code: "account_center.not_enabled",
		},
		{
			name: "PATCH my-account with an oversized body", method: "PATCH", path: "/api/my-account",
			body:   `{"name":"` + strings.Repeat("a", 70<<10) + `"}`,
			status: 400, code: "account_center.not_enabled",
		},
		{
			name: "PATCH my-account/profile", method: "PATCH", path: "/api/my-account/profile", body: map[string]any{"nickname": "n"},
			status: 400, code: "account_center.not_enabled",
		},
		{
			name: "POST verifications/password", method: "POST", path: "/api/verifications/password", body: map[string]any{"password": mwPassword},
			status: 400, code: "account_center.not_enabled",
		},
		{
			name: "POST verifications/password with a malformed body", method: "POST", path: "/api/verifications/password", body: `[`,
			status: 400, code: "account_center.not_enabled",
		},
		{
			name: "POST verifications/verification-code", method: "POST", path: "/api/verifications/verification-code",
			body:   map[string]any{"identifier": map[string]string{"type": "email", "value": "new@example.com"}},
			status: 400, code: "account_center.not_enabled",
		},
		{
			name: "authentication runs before the gate", method: "GET", path: "/api/my-account",
			token:  func(*env, *store.User) string { return "" },
			status: 401, code: "auth.authorization_header_missing",
		},
		{
			name: "the openid scope is checked before the gate", method: "GET", path: "/api/my-account",
			token:  func(e *env, u *store.User) string { return e.token(u.ID, "profile") },
			status: 403, code: "auth.forbidden",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withAccountCenter(mwDisabled()))
			u := mwUser(e)
			before := e.reload(u)
			tok := e.tokenFor(u.ID)
			if tt.token != nil {
				tok = tt.token(e, u)
			}
			r := e.do(req{method: tt.method, path: tt.path, token: tok, body: tt.body})
			mwErrorBody(t, r, tt.status, tt.code)
			mwUnchanged(t, e, before)
			if n := e.outbox.count(); n != 0 {
				t.Errorf("%d messages sent, want none", n)
			}
		})
	}
}

// TestAccountCenterGateFollowsSettings switches the account center off and on
// through the Management API: the gate reads the stored settings.
func TestAccountCenterGateFollowsSettings(t *testing.T) {
	e := newEnv(t)
	u := mwUser(e)
	tok := e.tokenFor(u.ID)
	expect(t, e.do(req{method: "GET", path: "/api/my-account", token: tok}), 200, "")

	expect(t, e.do(req{method: "PATCH", path: "/api/account-center", token: e.adminToken(), body: map[string]any{"enabled": false}}), 200, "")
	mwErrorBody(t, e.do(req{method: "GET", path: "/api/my-account", token: tok}), 400, "account_center.not_enabled")
	mwErrorBody(t, e.do(req{method: "POST", path: "/api/verifications/password", token: tok, body: map[string]any{"password": mwPassword}}),
		400, "account_center.not_enabled")

	expect(t, e.do(req{method: "PATCH", path: "/api/account-center", token: e.adminToken(), body: map[string]any{"enabled": true}}), 200, "")
	expect(t, e.do(req{method: "GET", path: "/api/my-account", token: tok}), 200, "")
}

func TestCORS(t *testing.T) {
	tests := []struct {
		name         string
		method, path string
		withToken    bool
		body         any
		origin       string
		status       int
		wantOrigin   string
	}{
		{
			name: "origin echoed on success", method: "GET", path: "/api/my-account", withToken: true,
			origin: "https://app.example.com", status: 200, wantOrigin: "https://app.example.com",
		},
		{
			name: "origin echoed on an error", method: "GET", path: "/api/my-account",
			origin: "https://app.example.com", status: 401, wantOrigin: "https://app.example.com",
		},
		{
			name: "any origin is allowed", method: "GET", path: "/api/my-account", withToken: true,
			origin: "http://localhost:3000", status: 200, wantOrigin: "http://localhost:3000",
		},
		{
			name: "star without an origin", method: "GET", path: "/api/my-account", withToken: true,
			status: 200, wantOrigin: "*",
		},
		{
			name: "verification route", method: "POST", path: "/api/verifications/password", withToken: true,
			body: map[string]any{"password": mwPassword}, origin: "https://app.example.com", status: 201, wantOrigin: "https://app.example.com",
		},
		{
			name: "unknown path", method: "GET", path: "/api/my-account/unknown",
			origin: "https://app.example.com", status: 404, wantOrigin: "https://app.example.com",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			u := mwUser(e)
			rq := req{method: tt.method, path: tt.path, body: tt.body, header: map[string]string{}}
			if tt.withToken {
				rq.token = e.tokenFor(u.ID)
			}
			if tt.origin != "" {
				rq.header["Origin"] = tt.origin
			}
			r := e.do(rq)
			expect(t, r, tt.status, "")
			if got := r.header.Get("Access-Control-Allow-Origin"); got != tt.wantOrigin {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tt.wantOrigin)
			}
			if got := r.header.Get("Access-Control-Expose-Headers"); got != "*" {
				t.Errorf("Access-Control-Expose-Headers = %q, want *", got)
			}
		})
	}
}

func TestPreflight(t *testing.T) {
	tests := []struct {
		name           string
		path           string
		origin         string
		method         string // Access-Control-Request-Method
		requestHeaders string // Access-Control-Request-Headers
		settings       store.AccountCenter
		wantOrigin     string
	}{
		{
			name: "my-account", path: "/api/my-account", origin: "https://app.example.com", method: "PATCH",
			requestHeaders: "authorization,content-type,logto-verification-id", settings: allEditable(),
			wantOrigin: "https://app.example.com",
		},
		{
			name: "verification route without an origin", path: "/api/verifications/password", method: "POST",
			requestHeaders: "Authorization, Content-Type", settings: allEditable(), wantOrigin: "*",
		},
		{
			name: "without requested headers", path: "/api/my-account/primary-email", origin: "https://app.example.com",
			method: "POST", settings: allEditable(), wantOrigin: "https://app.example.com",
		},
		{
			name: "while the account center is disabled", path: "/api/my-account", origin: "https://app.example.com",
			method: "GET", requestHeaders: "authorization", settings: mwDisabled(), wantOrigin: "https://app.example.com",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withAccountCenter(tt.settings))
			h := map[string]string{"Access-Control-Request-Method": tt.method}
			if tt.origin != "" {
				h["Origin"] = tt.origin
			}
			if tt.requestHeaders != "" {
				h["Access-Control-Request-Headers"] = tt.requestHeaders
			}
			r := e.do(req{method: "OPTIONS", path: tt.path, header: h})
			expect(t, r, 204, "")
			if len(r.body) != 0 {
				t.Errorf("body = %q, want none", r.body)
			}
			if got := r.header.Get("Access-Control-Allow-Origin"); got != tt.wantOrigin {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tt.wantOrigin)
			}
			if got := r.header.Get("Access-Control-Allow-Headers"); got != tt.requestHeaders {
				t.Errorf("Access-Control-Allow-Headers = %q, want %q", got, tt.requestHeaders)
			}
			methods := strings.Split(r.header.Get("Access-Control-Allow-Methods"), ",")
			if !slices.Contains(methods, tt.method) {
				t.Errorf("Access-Control-Allow-Methods = %q, want it to list %s", r.header.Get("Access-Control-Allow-Methods"), tt.method)
			}
			if got := r.header.Get("Access-Control-Expose-Headers"); got != "*" {
				t.Errorf("Access-Control-Expose-Headers = %q, want *", got)
			}
			if got := r.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
		})
	}
}

func TestRouting(t *testing.T) {
	tests := []struct {
		name         string
		method, path string
		withToken    bool
		status       int
		code         string
		allow        []string // methods the Allow header must list
	}{
		{name: "unknown my-account path", method: "GET", path: "/api/my-account/unknown", status: 404, code: "request.not_found"},
		{name: "unknown my-account path with a token", method: "GET", path: "/api/my-account/unknown", withToken: true, status: 404, code: "request.not_found"},
		{name: "unknown verifications path", method: "POST", path: "/api/verifications/unknown", status: 404, code: "request.not_found"},
		{
			name: "PUT my-account", method: "PUT", path: "/api/my-account",
			status: 405, code: "request.method_not_allowed", allow: []string{"GET", "PATCH"},
		},
		{
			name: "DELETE my-account/profile", method: "DELETE", path: "/api/my-account/profile", withToken: true,
			status: 405, code: "request.method_not_allowed", allow: []string{"PATCH"},
		},
		{
			name: "GET verifications/password", method: "GET", path: "/api/verifications/password",
			status: 405, code: "request.method_not_allowed", allow: []string{"POST"},
		},
		{name: "NUL in a path segment", method: "GET", path: "/api/my-account/%00", withToken: true, status: 404, code: "request.not_found"},
		{name: "NUL after a known path", method: "POST", path: "/api/verifications/password%00", withToken: true, status: 404, code: "request.not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			u := mwUser(e)
			rq := req{method: tt.method, path: tt.path}
			if tt.withToken {
				rq.token = e.tokenFor(u.ID)
			}
			r := e.do(rq)
			mwErrorBody(t, r, tt.status, tt.code)
			allow := strings.Split(r.header.Get("Allow"), ",")
			for i := range allow {
				allow[i] = strings.TrimSpace(allow[i])
			}
			for _, m := range tt.allow {
				if !slices.Contains(allow, m) {
					t.Errorf("Allow = %q, want it to list %s", r.header.Get("Allow"), m)
				}
			}
		})
	}
}

// TestNoStore checks Cache-Control: no-store on answers of every kind.
func TestNoStore(t *testing.T) {
	tests := []struct {
		name   string
		req    func(e *env, u *store.User) req
		status int
	}{
		{name: "GET 200", status: 200, req: func(e *env, u *store.User) req {
			return req{method: "GET", path: "/api/my-account", token: e.tokenFor(u.ID)}
		}},
		{name: "PATCH 200", status: 200, req: func(e *env, u *store.User) req {
			return req{method: "PATCH", path: "/api/my-account", token: e.tokenFor(u.ID), body: map[string]any{"name": "N"}}
		}},
		{name: "verification 201", status: 201, req: func(e *env, u *store.User) req {
			return req{method: "POST", path: "/api/verifications/password", token: e.tokenFor(u.ID), body: map[string]any{"password": mwPassword}}
		}},
		{name: "204", status: 204, req: func(e *env, _ *store.User) req {
			// A user without password, email or phone sets a password
			// without identity proof.
			v := e.newUser()
			return req{method: "POST", path: "/api/my-account/password", token: e.tokenFor(v.ID), body: map[string]any{"password": "A-new-passw0rd!"}}
		}},
		{name: "preflight 204", status: 204, req: func(*env, *store.User) req {
			return req{method: "OPTIONS", path: "/api/my-account", header: map[string]string{"Access-Control-Request-Method": "GET"}}
		}},
		{name: "401", status: 401, req: func(*env, *store.User) req {
			return req{method: "GET", path: "/api/my-account"}
		}},
		{name: "400", status: 400, req: func(e *env, u *store.User) req {
			return req{method: "PATCH", path: "/api/my-account", token: e.tokenFor(u.ID), body: `{`}
		}},
		{name: "404", status: 404, req: func(*env, *store.User) req {
			return req{method: "GET", path: "/api/my-account/unknown"}
		}},
		{name: "405", status: 405, req: func(*env, *store.User) req {
			return req{method: "PUT", path: "/api/my-account"}
		}},
		{name: "413", status: 413, req: func(e *env, u *store.User) req {
			return req{method: "PATCH", path: "/api/my-account", token: e.tokenFor(u.ID), body: strings.Repeat(" ", 65<<10) + "{}"}
		}},
		{name: "422", status: 422, req: func(e *env, u *store.User) req {
			return req{method: "POST", path: "/api/verifications/password", token: e.tokenFor(u.ID), body: map[string]any{"password": "wrong"}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			u := mwUser(e)
			r := e.do(tt.req(e, u))
			expect(t, r, tt.status, "")
			if got := r.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
		})
	}
}

func TestBodyDecoding(t *testing.T) {
	tests := []struct {
		name   string
		path   string // PATCH /api/my-account unless set
		method string
		body   string
		status int
		code   string
	}{
		{name: "malformed JSON", body: `{"name":`, status: 400, code: "guard.invalid_input"},
		{name: "JSON array", body: `[{"name":"Ann"}]`, status: 400, code: "guard.invalid_input"},
		{name: "JSON string", body: `"Ann"`, status: 400, code: "guard.invalid_input"},
		{name: "JSON null", body: `null`, status: 400, code: "guard.invalid_input"},
		{name: "trailing garbage", body: `{"name":"Ann"} garbage`, status: 400, code: "guard.invalid_input"},
		{name: "two objects", body: `{"name":"Ann"}{"name":"Bob"}`, status: 400, code: "guard.invalid_input"},
		{name: "number for name", body: `{"name":42}`, status: 400, code: "guard.invalid_input"},
		{name: "object for name", body: `{"name":{"first":"Ann"}}`, status: 400, code: "guard.invalid_input"},
		{name: "boolean for username", body: `{"username":true}`, status: 400, code: "guard.invalid_input"},
		{name: "string for customData", body: `{"customData":"x"}`, status: 400, code: "guard.invalid_input"},
		{name: "array for customData", body: `{"customData":[1,2]}`, status: 400, code: "guard.invalid_input"},
		{name: "null for customData", body: `{"customData":null}`, status: 400, code: "guard.invalid_input"},
		{name: "NUL in a string", body: `{"name":"An\u0000n"}`, status: 400, code: "guard.invalid_input"},
		{name: "NUL in nested customData", body: `{"customData":{"k":["\u0000"]}}`, status: 400, code: "guard.invalid_input"},
		{name: "NUL in a customData key", body: `{"customData":{"\u0000":"v"}}`, status: 400, code: "guard.invalid_input"},
		{name: "oversized body", body: `{"name":"` + strings.Repeat("a", 65<<10) + `"}`, status: 413, code: "request.payload_too_large"},
		{
			name: "verification: null password", method: "POST", path: "/api/verifications/password",
			body: `{"password":null}`, status: 400, code: "guard.invalid_input",
		},
		{
			name: "verification: number password", method: "POST", path: "/api/verifications/password",
			body: `{"password":123456}`, status: 400, code: "guard.invalid_input",
		},
		{
			name: "verification: trailing garbage", method: "POST", path: "/api/verifications/password",
			body: `{"password":"` + mwPassword + `"}]`, status: 400, code: "guard.invalid_input",
		},
		{
			name: "verification: oversized body", method: "POST", path: "/api/verifications/password",
			body: `{"password":"` + strings.Repeat("a", 65<<10) + `"}`, status: 413, code: "request.payload_too_large",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			u := e.newUser(e.withPassword(mwPassword), withEmail("ann@example.com"), func(u *store.User) {
				name := "Ann"
				u.Name = &name
				u.CustomData = map[string]any{"plan": "pro"}
			})
			before := e.reload(u)
			method, path := "PATCH", "/api/my-account"
			if tt.path != "" {
				method, path = tt.method, tt.path
			}
			r := e.do(req{method: method, path: path, token: e.tokenFor(u.ID), body: tt.body})
			mwErrorBody(t, r, tt.status, tt.code)
			if tt.code == "guard.invalid_input" {
				body := r.json(t)
				if d, _ := body["details"].(string); d == "" {
					t.Errorf("details = %v, want a description of the problem", body["details"])
				}
				if got, want := body["message"], "The request body is invalid."; got != want {
					t.Errorf("message = %q, want %q", got, want)
				}
			}
			mwUnchanged(t, e, before)
		})
	}
}

func TestBodyUnknownMembersIgnored(t *testing.T) {
	e := newEnv(t)
	u := mwUser(e)
	before := e.reload(u)
	e.clock.Advance(time.Minute)
	r := e.do(req{method: "PATCH", path: "/api/my-account", token: e.tokenFor(u.ID), body: map[string]any{
		"name": "Ann", "id": "someone-else", "primaryEmail": "evil@example.com", "isSuspended": true,
		"passwordDigest": "x", "extra": map[string]any{"nested": []any{1, nil}},
	}})
	expect(t, r, 200, "")
	want := *before
	name := "Ann"
	want.Name = &name
	want.UpdatedAt = e.clock.Now()
	if diff := cmp.Diff(&want, e.reload(u)); diff != "" {
		t.Errorf("stored user (-want +got):\n%s", diff)
	}
}

// TestBodyStrings checks strings that look unusual in JSON text but are
// ordinary text once decoded.
func TestBodyStrings(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{name: "escaped backslash before u0000", body: `{"name":"a\\u0000b"}`, want: `a\u0000b`},
		{name: "escaped non-ASCII", body: `{"name":"Ren\u00e9e"}`, want: "Renée"},
		{name: "escaped astral character", body: `{"name":"\ud83d\ude00"}`, want: "\U0001F600"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			u := mwUser(e)
			r := e.do(req{method: "PATCH", path: "/api/my-account", token: e.tokenFor(u.ID), body: tt.body})
			expect(t, r, 200, "")
			if got := e.reload(u).Name; got == nil || *got != tt.want {
				t.Errorf("name = %v, want %q", got, tt.want)
			}
		})
	}
}

// TestEmptyBody checks that a missing body is read as {}.
func TestEmptyBody(t *testing.T) {
	tests := []struct {
		name         string
		method, path string
		status       int
		code         string
	}{
		// {} reaches the update with nothing to set.
		{name: "PATCH my-account", method: "PATCH", path: "/api/my-account", status: 422, code: "entity.invalid_input"},
		// {} merges nothing into the profile.
		{name: "PATCH my-account/profile", method: "PATCH", path: "/api/my-account/profile", status: 200},
		// {} lacks the password.
		{name: "POST verifications/password", method: "POST", path: "/api/verifications/password", status: 400, code: "guard.invalid_input"},
	}
	for _, tt := range tests {
		for _, body := range []struct {
			name string
			body any
		}{{"no body", nil}, {"{}", `{}`}} {
			t.Run(tt.name+"/"+body.name, func(t *testing.T) {
				e := newEnv(t)
				u := mwUser(e)
				r := e.do(req{method: tt.method, path: tt.path, token: e.tokenFor(u.ID), body: body.body})
				expect(t, r, tt.status, tt.code)
			})
		}
	}
}

func TestFirstPartyGuard(t *testing.T) {
	type call struct {
		name         string
		method, path string
		body         any
		ok           int
		guarded      bool
	}
	calls := []call{
		{name: "PATCH my-account", method: "PATCH", path: "/api/my-account", body: map[string]any{"name": "Changed"}, ok: 200, guarded: true},
		{name: "PATCH my-account/profile", method: "PATCH", path: "/api/my-account/profile", body: map[string]any{"nickname": "Nick"}, ok: 200, guarded: true},
		{name: "POST verifications/password", method: "POST", path: "/api/verifications/password", body: map[string]any{"password": mwPassword}, ok: 201, guarded: true},
		{
			name: "POST verifications/verification-code", method: "POST", path: "/api/verifications/verification-code",
			body: map[string]any{"identifier": map[string]string{"type": "email", "value": "new@example.com"}}, ok: 201, guarded: true,
		},
		{name: "GET my-account", method: "GET", path: "/api/my-account", ok: 200},
	}
	tests := []struct {
		name      string
		clientID  string // "" mints a token without client_id
		predicate func(ctx context.Context, clientID string) (bool, error)
		refused   bool // whether guarded routes refuse the call
		asked     bool // whether the predicate must be asked
	}{
		{
			name: "third-party client", clientID: "third-party-app",
			predicate: func(context.Context, string) (bool, error) { return false, nil },
			refused:   true, asked: true,
		},
		{
			name: "predicate error fails closed", clientID: "some-app",
			predicate: func(context.Context, string) (bool, error) { return true, errors.New("application store down") },
			refused:   true, asked: true,
		},
		{
			name: "first-party client", clientID: "first-party-app",
			predicate: func(context.Context, string) (bool, error) { return true, nil },
			asked:     true,
		},
		{
			name:      "token without client_id",
			predicate: func(context.Context, string) (bool, error) { return false, nil },
		},
	}
	for _, tt := range tests {
		for _, c := range calls {
			t.Run(tt.name+"/"+c.name, func(t *testing.T) {
				var asked []string
				e := newEnv(t, withFirstParty(func(ctx context.Context, clientID string) (bool, error) {
					asked = append(asked, clientID)
					return tt.predicate(ctx, clientID)
				}))
				u := mwUser(e)
				before := e.reload(u)
				claims := map[string]any{"sub": u.ID, "scope": "openid profile email phone address custom_data identities"}
				if tt.clientID != "" {
					claims["client_id"] = tt.clientID
				}
				tok := mint(t, testSecret, e.clock.Now(), claims)
				r := e.do(req{method: c.method, path: c.path, token: tok, body: c.body})
				if tt.refused && c.guarded {
					mwErrorBody(t, r, 403, "auth.third_party_application_forbidden")
					mwUnchanged(t, e, before)
					if n := e.outbox.count(); n != 0 {
						t.Errorf("%d messages sent, want none", n)
					}
				} else {
					expect(t, r, c.ok, "")
				}
				var want []string
				if tt.asked && c.guarded {
					want = []string{tt.clientID}
				}
				if diff := cmp.Diff(want, asked); diff != "" {
					t.Errorf("predicate calls (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestErrorBodyShape checks one error body member by member.
func TestErrorBodyShape(t *testing.T) {
	e := newEnv(t)
	r := e.do(req{method: "GET", path: "/api/my-account"})
	expect(t, r, 401, "auth.authorization_header_missing")
	var got map[string]any
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"code": "auth.authorization_header_missing", "message": "Authorization header is missing."}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
}
