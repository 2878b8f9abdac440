package httpadapter_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/bearer"
	"github.com/accountapi/accountapi/httpadapter"
)

// TestManagementRoutesAuth sends every route of issue 6 without a valid
// management token: 401 for a missing, foreign or invalid token, 403 for a
// token without scope all, and nothing changes.
func TestManagementRoutesAuth(t *testing.T) {
	routes := []struct {
		method, path string
		body         any
	}{
		{"PATCH", "/api/users/{id}", map[string]any{"name": "x"}},
		{"DELETE", "/api/users/{id}", nil},
		{"PATCH", "/api/users/{id}/profile", map[string]any{"profile": map[string]any{"nickname": "x"}}},
		{"GET", "/api/users/{id}/custom-data", nil},
		{"PATCH", "/api/users/{id}/custom-data", map[string]any{"customData": map[string]any{"a": 1}}},
		{"PATCH", "/api/users/{id}/is-suspended", map[string]any{"isSuspended": true}},
		{"POST", "/api/users/{id}/password/verify", map[string]any{"password": "Secret-123"}},
		{"PATCH", "/api/users/{id}/password", map[string]any{"password": "x"}},
		{"GET", "/api/users/{id}/has-password", nil},
		{"GET", "/api/users/{id}/identities/github", nil},
		{"PUT", "/api/users/{id}/identities/google", map[string]any{"userId": "g-1"}},
		{"POST", "/api/users/{id}/identities", map[string]any{"connectorId": "mock-github", "connectorData": map[string]any{"userId": "g"}}},
		{"DELETE", "/api/users/{id}/identities/github", nil},
		{"POST", "/api/connectors/mock-github/authorization-uri", map[string]any{"state": "s", "redirectUri": "https://a.example/cb"}},
		{"GET", "/api/users/{id}/personal-access-tokens", nil},
		{"POST", "/api/users/{id}/personal-access-tokens", map[string]any{"name": "new"}},
		{"PATCH", "/api/users/{id}/personal-access-tokens", map[string]any{"name": "renamed", "currentName": "ci"}},
		{"PATCH", "/api/users/{id}/personal-access-tokens/ci", map[string]any{"name": "renamed"}},
		{"POST", "/api/users/{id}/personal-access-tokens/delete", map[string]any{"name": "ci"}},
		{"DELETE", "/api/users/{id}/personal-access-tokens/ci", nil},
		{"GET", "/api/users/{id}/mfa-verifications", nil},
		{"POST", "/api/users/{id}/mfa-verifications", map[string]any{"type": "Totp"}},
		{"DELETE", "/api/users/{id}/mfa-verifications/{factor}", nil},
		{"GET", "/api/users/{id}/logto-configs", nil},
		{"PATCH", "/api/users/{id}/logto-configs", map[string]any{"mfa": map[string]any{"skipped": true}}},
	}
	cases := []struct {
		name   string
		header func(e *maEnv) string
		status int
		code   string
	}{
		{name: "no token", header: func(*maEnv) string { return "" }, status: 401, code: "auth.authorization_header_missing"},
		{name: "not bearer", header: func(*maEnv) string { return "Basic YWRtaW46YWRtaW4=" }, status: 401,
			code: "auth.authorization_token_type_not_supported"},
		{name: "invalid token", header: func(*maEnv) string { return "Bearer not-a-token" }, status: 401, code: "auth.unauthorized"},
		{name: "expired token", header: func(e *maEnv) string {
			tok := e.adminToken()
			e.clock.Advance(2 * time.Hour)
			return "Bearer " + tok
		}, status: 401, code: "auth.unauthorized"},
		{name: "without scope all", header: func(e *maEnv) string { return "Bearer " + e.tokenFor("admin") }, status: 403, code: "auth.forbidden"},
	}
	for _, rt := range routes {
		for _, tc := range cases {
			t.Run(rt.method+" "+rt.path+" "+tc.name, func(t *testing.T) {
				e := maNewEnv(t)
				u := e.newUser(e.withPassword("Secret-123"), maGitHub)
				expect(t, e.admin("POST", "/api/users/"+u.ID+"/personal-access-tokens", map[string]any{"name": "ci"}), 201, "")
				e.addFactor(t, u.ID, map[string]any{"type": "Totp"})
				u = e.reload(u)
				factors, _ := e.store.ListMFAFactors(context.Background(), u.ID)
				tokens, _ := e.store.ListPersonalAccessTokens(context.Background(), u.ID)
				events := mgEvents(e.env)

				header := map[string]string{}
				if h := tc.header(e); h != "" {
					header["Authorization"] = h
				}
				path := maPath(rt.path, u.ID)
				path = strings.ReplaceAll(path, "{factor}", factors[0].ID)
				expect(t, e.do(req{method: rt.method, path: path, header: header, body: rt.body}), tc.status, tc.code)

				maUnchanged(t, e, u)
				if after, _ := e.store.ListMFAFactors(context.Background(), u.ID); len(after) != len(factors) {
					t.Errorf("factors changed")
				}
				if after, _ := e.store.ListPersonalAccessTokens(context.Background(), u.ID); len(after) != len(tokens) || after[0].Name != "ci" {
					t.Errorf("tokens changed: %+v", after)
				}
				if mgEvents(e.env) != events || len(e.revoker.list()) != 0 {
					t.Errorf("events or revocations after a refusal")
				}
			})
		}
	}
}

// TestManagementWithoutMFA checks that a handler built without an mfa.Admin
// leaves the MFA routes unserved, as ManagementConfig documents, and serves
// the others.
func TestManagementWithoutMFA(t *testing.T) {
	e := newEnv(t)
	admin, err := account.NewAdmin(account.AdminConfig{Store: e.store, Hasher: cheapHasher(t), Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := bearer.NewHS256(bearer.HS256Config{Secret: []byte(testSecret), Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	h, err := httpadapter.NewManagementHandler(httpadapter.ManagementConfig{Authenticator: auth, Admin: admin, Settings: e.settings})
	if err != nil {
		t.Fatal(err)
	}
	e.handler = h
	u := e.newUser()
	for _, p := range []string{"/mfa-verifications", "/logto-configs"} {
		expect(t, e.do(req{method: "GET", path: "/api/users/" + u.ID + p, token: e.adminToken()}), 404, "request.not_found")
	}
	expect(t, e.do(req{method: "GET", path: "/api/users/" + u.ID + "/has-password", token: e.adminToken()}), 200, "")
	// Without connectors every connector id is unknown.
	r := e.do(req{method: "POST", path: "/api/connectors/mock-github/authorization-uri", token: e.adminToken(),
		body: map[string]any{"state": "s", "redirectUri": "https://a.example/cb"}})
	expect(t, r, 404, "entity.not_found")
}
