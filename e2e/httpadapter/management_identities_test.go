package httpadapter_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/store"
)

// Tests of the Management API's identity routes and of POST
// /api/connectors/{connectorId}/authorization-uri (docs/compatibility.md,
// "Management API routes").

// maGitHub links github identity gh-1 (with details) to a fixture user.
func maGitHub(u *store.User) {
	u.Identities = map[string]store.Identity{"github": {UserID: "gh-1", Details: map[string]any{"login": "ann"}}}
}

func TestManagementGetIdentity(t *testing.T) {
	e := maNewEnv(t)
	u := e.newUser(maGitHub)
	for _, q := range []string{"", "?includeTokenSecret=true"} {
		r := e.admin("GET", "/api/users/"+u.ID+"/identities/github"+q, nil)
		expect(t, r, 200, "")
		want := map[string]any{"identity": map[string]any{"userId": "gh-1", "details": map[string]any{"login": "ann"}}}
		if diff := cmp.Diff(want, r.json(t)); diff != "" {
			t.Errorf("body%s (-want +got):\n%s", q, diff)
		}
	}
	expect(t, e.admin("GET", "/api/users/"+u.ID+"/identities/google", nil), 404, "user.identity_not_exist")
	expect(t, e.admin("GET", "/api/users/nosuchuser/identities/github", nil), 404, "entity.not_found")
}

func TestManagementPutIdentity(t *testing.T) {
	cases := []struct {
		name   string
		target string
		body   any
		status int
		code   string
		want   map[string]any
	}{
		{name: "new target", target: "google", body: map[string]any{"userId": "g-1", "details": map[string]any{"email": "a@example.com"}},
			status: 201, want: map[string]any{
				"github": map[string]any{"userId": "gh-1", "details": map[string]any{"login": "ann"}},
				"google": map[string]any{"userId": "g-1", "details": map[string]any{"email": "a@example.com"}},
			}},
		{name: "replaced target", target: "github", body: map[string]any{"userId": "gh-2"}, status: 200,
			want: map[string]any{"github": map[string]any{"userId": "gh-2"}}},
		{name: "same identity again", target: "github", body: map[string]any{"userId": "gh-1", "details": map[string]any{"login": "ann2"}},
			status: 200, want: map[string]any{"github": map[string]any{"userId": "gh-1", "details": map[string]any{"login": "ann2"}}}},
		{name: "another user's identity", target: "github", body: map[string]any{"userId": "gh-9"}, status: 422,
			code: "user.identity_already_in_use"},
		{name: "another user's social id under another target", target: "google", body: map[string]any{"userId": "gh-9"}, status: 201,
			want: map[string]any{
				"github": map[string]any{"userId": "gh-1", "details": map[string]any{"login": "ann"}},
				"google": map[string]any{"userId": "gh-9"},
			}},
		{name: "userId missing", target: "google", body: map[string]any{"details": map[string]any{}}, status: 400, code: "guard.invalid_input"},
		{name: "details not an object", target: "google", body: map[string]any{"userId": "g-1", "details": "x"}, status: 400,
			code: "guard.invalid_input"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := maNewEnv(t)
			other := e.reload(e.newUser(func(u *store.User) {
				u.Identities = map[string]store.Identity{"github": {UserID: "gh-9"}}
			}))
			u := e.reload(e.newUser(maGitHub))
			r := e.admin("PUT", "/api/users/"+u.ID+"/identities/"+tc.target, tc.body)
			expect(t, r, tc.status, tc.code)
			maUnchanged(t, e, other)
			if tc.status >= 400 {
				maUnchanged(t, e, u)
				if mgEvents(e.env) != 0 {
					t.Errorf("events after a refusal")
				}
				return
			}
			if diff := cmp.Diff(tc.want, r.json(t)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, maUserBody(t, e, u.ID)["identities"]); diff != "" {
				t.Errorf("stored identities (-want +got):\n%s", diff)
			}
			if len(e.events.named(event.UserDataUpdated)) != 1 {
				t.Errorf("want one User.Data.Updated")
			}
		})
	}
	t.Run("unknown user", func(t *testing.T) {
		e := maNewEnv(t)
		expect(t, e.admin("PUT", "/api/users/nosuchuser/identities/github", map[string]any{"userId": "gh-1"}), 404, "entity.not_found")
	})
}

func TestManagementLinkIdentity(t *testing.T) {
	cases := []struct {
		name   string
		body   any
		status int
		code   string
		want   map[string]any
	}{
		{name: "through the connector", body: map[string]any{"connectorId": "mock-github",
			"connectorData": map[string]any{"userId": "gh-2", "email": "a@example.com"}}, status: 200,
			want: map[string]any{"github": map[string]any{"userId": "gh-2", "details": map[string]any{
				"id": "gh-2", "email": "a@example.com", "rawData": map[string]any{"userId": "gh-2", "email": "a@example.com"},
			}}}},
		{name: "unknown connector", body: map[string]any{"connectorId": "nope", "connectorData": map[string]any{"userId": "gh-2"}},
			status: 404, code: "entity.not_found"},
		{name: "not a social connector", body: map[string]any{"connectorId": "mock-email", "connectorData": map[string]any{}},
			status: 422, code: "session.invalid_connector_id"},
		{name: "data the connector refuses", body: map[string]any{"connectorId": "mock-github", "connectorData": map[string]any{"code": "x"}},
			status: 400, code: "connector.invalid_response"},
		{name: "provider down", body: map[string]any{"connectorId": "broken", "connectorData": map[string]any{}},
			status: 500, code: "connector.general"},
		{name: "another user's identity", body: map[string]any{"connectorId": "mock-github", "connectorData": map[string]any{"userId": "gh-9"}},
			status: 422, code: "user.identity_already_in_use"},
		{name: "connectorData missing", body: map[string]any{"connectorId": "mock-github"}, status: 400, code: "guard.invalid_input"},
		{name: "connectorId missing", body: map[string]any{"connectorData": map[string]any{}}, status: 400, code: "guard.invalid_input"},
		{name: "connectorData not an object", body: map[string]any{"connectorId": "mock-github", "connectorData": []any{}}, status: 400,
			code: "guard.invalid_input"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := maNewEnv(t)
			other := e.reload(e.newUser(func(u *store.User) {
				u.Identities = map[string]store.Identity{"github": {UserID: "gh-9"}}
			}))
			// The user has a github identity already: Logto's route
			// replaces it.
			u := e.reload(e.newUser(maGitHub))
			r := e.admin("POST", "/api/users/"+u.ID+"/identities", tc.body)
			expect(t, r, tc.status, tc.code)
			maUnchanged(t, e, other)
			if tc.status >= 400 {
				maUnchanged(t, e, u)
				return
			}
			if diff := cmp.Diff(tc.want, r.json(t)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, maUserBody(t, e, u.ID)["identities"]); diff != "" {
				t.Errorf("stored identities (-want +got):\n%s", diff)
			}
			if len(e.events.named(event.UserDataUpdated)) != 1 {
				t.Errorf("want one User.Data.Updated")
			}
		})
	}
	t.Run("unknown user", func(t *testing.T) {
		e := maNewEnv(t)
		r := e.admin("POST", "/api/users/nosuchuser/identities", map[string]any{"connectorId": "mock-github", "connectorData": map[string]any{"userId": "x"}})
		expect(t, r, 404, "entity.not_found")
	})
}

func TestManagementDeleteIdentity(t *testing.T) {
	t.Run("the last identifier may go", func(t *testing.T) {
		e := maNewEnv(t)
		u := e.newUser(withoutUsername(), maGitHub)
		r := e.admin("DELETE", "/api/users/"+u.ID+"/identities/github", nil)
		expect(t, r, 200, "")
		body := r.json(t)
		if diff := cmp.Diff(map[string]any{}, body["identities"]); diff != "" || body["id"] != u.ID {
			t.Errorf("body %v", body)
		}
		if _, err := e.store.FindUserByIdentity(context.Background(), "github", "gh-1"); err == nil {
			t.Errorf("identity still stored")
		}
		if len(e.events.named(event.UserDataUpdated)) != 1 {
			t.Errorf("want one User.Data.Updated")
		}
	})
	t.Run("absent target", func(t *testing.T) {
		e := maNewEnv(t)
		u := e.reload(e.newUser(maGitHub))
		expect(t, e.admin("DELETE", "/api/users/"+u.ID+"/identities/google", nil), 404, "user.identity_not_exist")
		maUnchanged(t, e, u)
	})
	t.Run("unknown user", func(t *testing.T) {
		e := maNewEnv(t)
		expect(t, e.admin("DELETE", "/api/users/nosuchuser/identities/github", nil), 404, "entity.not_found")
	})
}

func TestManagementAuthorizationURI(t *testing.T) {
	cases := []struct {
		name      string
		connector string
		body      any
		status    int
		code      string
		want      string
	}{
		{name: "social connector", connector: "mock-github", body: map[string]any{"state": "s1", "redirectUri": "https://app.example/cb"},
			status: 200, want: "http://mock-social/?redirect_uri=https%3A%2F%2Fapp.example%2Fcb&scope=&state=s1"},
		{name: "empty state", connector: "mock-github", body: map[string]any{"state": "", "redirectUri": "https://app.example/cb"},
			status: 400, code: "session.insufficient_info"},
		{name: "empty redirectUri", connector: "mock-github", body: map[string]any{"state": "s1", "redirectUri": ""},
			status: 400, code: "session.insufficient_info"},
		{name: "state missing", connector: "mock-github", body: map[string]any{"redirectUri": "https://app.example/cb"},
			status: 400, code: "guard.invalid_input"},
		{name: "unknown connector", connector: "nope", body: map[string]any{"state": "s1", "redirectUri": "https://app.example/cb"},
			status: 404, code: "entity.not_found"},
		{name: "not a social connector", connector: "mock-email", body: map[string]any{"state": "s1", "redirectUri": "https://app.example/cb"},
			status: 400, code: "connector.unexpected_type"},
		{name: "provider down", connector: "broken", body: map[string]any{"state": "s1", "redirectUri": "https://app.example/cb"},
			status: 500, code: "connector.general"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := maNewEnv(t)
			r := e.admin("POST", "/api/connectors/"+tc.connector+"/authorization-uri", tc.body)
			expect(t, r, tc.status, tc.code)
			if tc.status != 200 {
				return
			}
			if diff := cmp.Diff(map[string]any{"redirectTo": tc.want}, r.json(t)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}
