package httpadapter_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Tests of the personal access token routes (docs/compatibility.md,
// "Management API routes").

var maTokenValue = regexp.MustCompile(`^pat_[0-9a-zA-Z]{32}$`)

// maTokens lists the user's tokens through the API.
func maTokens(t testing.TB, e *maEnv, userID string) []any {
	t.Helper()
	r := e.admin("GET", "/api/users/"+userID+"/personal-access-tokens", nil)
	expect(t, r, 200, "")
	var list []any
	if err := json.Unmarshal(r.body, &list); err != nil {
		t.Fatalf("body is not a JSON array: %v\n%s", err, r.body)
	}
	return list
}

// maToken is a token body without its value.
func maToken(userID, name string, createdAt float64, expiresAt any) map[string]any {
	return map[string]any{"tenantId": "default", "userId": userID, "name": name, "createdAt": createdAt, "expiresAt": expiresAt}
}

func TestManagementCreateToken(t *testing.T) {
	e := maNewEnv(t)
	u := e.newUser()
	expires := e.clock.Now().Add(24 * time.Hour).UnixMilli()

	r := e.admin("POST", "/api/users/"+u.ID+"/personal-access-tokens", map[string]any{"name": "ci", "expiresAt": expires})
	expect(t, r, 201, "")
	body := r.json(t)
	value, _ := body["value"].(string)
	if !maTokenValue.MatchString(value) {
		t.Fatalf("value %q, want pat_ and 32 alphanumerics", value)
	}
	want := maToken(u.ID, "ci", mgNow, float64(expires))
	want["value"] = value
	if diff := cmp.Diff(want, body); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}

	// The store holds the SHA-256 of the value, never the value.
	sum := sha256.Sum256([]byte(value))
	stored, err := e.store.FindPersonalAccessToken(context.Background(), sum[:])
	if err != nil {
		t.Fatalf("no token stored under the value's SHA-256: %v", err)
	}
	if stored.UserID != u.ID || stored.Name != "ci" || !stored.ExpiresAt.Equal(time.UnixMilli(expires)) {
		t.Errorf("stored %+v", stored)
	}
	if bytes.Contains(stored.Hash, []byte(value)) {
		t.Errorf("the stored hash holds the value")
	}

	// Shown once: the list, a rename and a second list never show it.
	list := maTokens(t, e, u.ID)
	if diff := cmp.Diff([]any{maToken(u.ID, "ci", mgNow, float64(expires))}, list); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
	r = e.admin("PATCH", "/api/users/"+u.ID+"/personal-access-tokens", map[string]any{"name": "deploy", "currentName": "ci"})
	expect(t, r, 200, "")
	for _, b := range [][]byte{r.body, e.admin("GET", "/api/users/"+u.ID+"/personal-access-tokens", nil).body} {
		if strings.Contains(string(b), value) || strings.Contains(string(b), `"value"`) {
			t.Errorf("a later answer shows the value: %s", b)
		}
	}

	// A second token: values differ; without expiry, expiresAt is null.
	r = e.admin("POST", "/api/users/"+u.ID+"/personal-access-tokens", `{"name":"laptop","expiresAt":null}`)
	expect(t, r, 201, "")
	if v := r.json(t)["value"]; v == value || r.json(t)["expiresAt"] != nil {
		t.Errorf("second token %s", r.body)
	}
	r = e.admin("POST", "/api/users/"+u.ID+"/personal-access-tokens", map[string]any{"name": "phone"})
	expect(t, r, 201, "")
	if r.json(t)["expiresAt"] != nil {
		t.Errorf("token without expiresAt: %s", r.body)
	}
	if n := len(maTokens(t, e, u.ID)); n != 3 {
		t.Errorf("%d tokens listed, want 3", n)
	}
}

func TestManagementCreateTokenRefusals(t *testing.T) {
	cases := []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{name: "name taken", body: map[string]any{"name": "ci"}, status: 422, code: "user.personal_access_token_name_exists"},
		{name: "expiry in the past", body: map[string]any{"name": "new", "expiresAt": mgNow - 1}, status: 400, code: "request.invalid_input"},
		{name: "expiry now", body: map[string]any{"name": "new", "expiresAt": mgNow}, status: 400, code: "request.invalid_input"},
		{name: "empty name", body: map[string]any{"name": ""}, status: 400, code: "guard.invalid_input"},
		{name: "name too long", body: map[string]any{"name": strings.Repeat("n", 257)}, status: 400, code: "guard.invalid_input"},
		{name: "name missing", body: map[string]any{}, status: 400, code: "guard.invalid_input"},
		{name: "expiry a string", body: map[string]any{"name": "new", "expiresAt": "1893456000000"}, status: 400, code: "guard.invalid_input"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := maNewEnv(t)
			u := e.newUser()
			expect(t, e.admin("POST", "/api/users/"+u.ID+"/personal-access-tokens", map[string]any{"name": "ci"}), 201, "")
			before := maTokens(t, e, u.ID)
			expect(t, e.admin("POST", "/api/users/"+u.ID+"/personal-access-tokens", tc.body), tc.status, tc.code)
			if diff := cmp.Diff(before, maTokens(t, e, u.ID)); diff != "" {
				t.Errorf("tokens changed by a refusal (-before +after):\n%s", diff)
			}
		})
	}
	t.Run("a 256-character name", func(t *testing.T) {
		e := maNewEnv(t)
		u := e.newUser()
		expect(t, e.admin("POST", "/api/users/"+u.ID+"/personal-access-tokens", map[string]any{"name": strings.Repeat("é", 256)}), 201, "")
	})
	t.Run("unknown user", func(t *testing.T) {
		e := maNewEnv(t)
		expect(t, e.admin("POST", "/api/users/nosuchuser/personal-access-tokens", map[string]any{"name": "ci"}), 404, "entity.not_found")
		expect(t, e.admin("GET", "/api/users/nosuchuser/personal-access-tokens", nil), 404, "entity.not_found")
	})
}

// TestManagementCreateTokenConcurrent creates 20 tokens of one name at once:
// exactly one is created.
func TestManagementCreateTokenConcurrent(t *testing.T) {
	e := maNewEnv(t)
	u := e.newUser()
	answers := make([]response, 20)
	var wg sync.WaitGroup
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = e.admin("POST", "/api/users/"+u.ID+"/personal-access-tokens", map[string]any{"name": "ci"})
		}()
	}
	wg.Wait()
	var created, taken int
	for _, r := range answers {
		switch {
		case r.status == 201:
			created++
		case r.status == 422 && r.code() == "user.personal_access_token_name_exists":
			taken++
		default:
			t.Errorf("unexpected answer %d %s", r.status, r.body)
		}
	}
	if created != 1 || taken != len(answers)-1 {
		t.Errorf("%d created and %d refused, want 1 and %d", created, taken, len(answers)-1)
	}
	if n := len(maTokens(t, e, u.ID)); n != 1 {
		t.Errorf("%d tokens stored, want 1", n)
	}
}

func TestManagementRenameToken(t *testing.T) {
	cases := []struct {
		name   string
		method string
		path   string // after /personal-access-tokens
		body   any
		status int
		code   string
		want   []string // the names listed afterwards
	}{
		{name: "body rename", method: "PATCH", body: map[string]any{"name": "deploy", "currentName": "ci"}, status: 200,
			want: []string{"deploy", "laptop"}},
		{name: "legacy rename", method: "PATCH", path: "/ci", body: map[string]any{"name": "deploy"}, status: 200,
			want: []string{"deploy", "laptop"}},
		{name: "name with a slash, in the body", method: "PATCH", body: map[string]any{"name": "ci/cd", "currentName": "ci"}, status: 200,
			want: []string{"ci/cd", "laptop"}},
		{name: "without currentName nothing changes", method: "PATCH", body: map[string]any{"name": "ci"}, status: 200,
			want: []string{"ci", "laptop"}},
		{name: "to its own name", method: "PATCH", body: map[string]any{"name": "ci", "currentName": "ci"}, status: 200,
			want: []string{"ci", "laptop"}},
		{name: "no such token", method: "PATCH", body: map[string]any{"name": "deploy", "currentName": "nope"}, status: 404,
			code: "entity.not_exists"},
		{name: "no such token, without currentName", method: "PATCH", body: map[string]any{"name": "deploy"}, status: 404,
			code: "entity.not_exists"},
		{name: "legacy: no such token", method: "PATCH", path: "/nope", body: map[string]any{"name": "deploy"}, status: 404,
			code: "entity.not_exists"},
		{name: "name taken", method: "PATCH", body: map[string]any{"name": "laptop", "currentName": "ci"}, status: 422,
			code: "user.personal_access_token_name_exists"},
		{name: "legacy: name taken", method: "PATCH", path: "/ci", body: map[string]any{"name": "laptop"}, status: 422,
			code: "user.personal_access_token_name_exists"},
		{name: "empty name", method: "PATCH", body: map[string]any{"name": "", "currentName": "ci"}, status: 400, code: "guard.invalid_input"},
		{name: "name missing", method: "PATCH", body: map[string]any{"currentName": "ci"}, status: 400, code: "guard.invalid_input"},
		{name: "legacy: name missing", method: "PATCH", path: "/ci", body: map[string]any{}, status: 400, code: "guard.invalid_input"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := maNewEnv(t)
			u := e.newUser()
			for _, n := range []string{"ci", "laptop"} {
				expect(t, e.admin("POST", "/api/users/"+u.ID+"/personal-access-tokens", map[string]any{"name": n}), 201, "")
				e.clock.Advance(time.Second)
			}
			before := maTokens(t, e, u.ID)
			r := e.admin(tc.method, "/api/users/"+u.ID+"/personal-access-tokens"+tc.path, tc.body)
			expect(t, r, tc.status, tc.code)
			if tc.status != 200 {
				if diff := cmp.Diff(before, maTokens(t, e, u.ID)); diff != "" {
					t.Errorf("tokens changed by a refusal (-before +after):\n%s", diff)
				}
				return
			}
			if got := r.json(t); got["name"] != tc.want[0] || got["userId"] != u.ID || got["createdAt"] != mgNow {
				t.Errorf("body %v", got)
			}
			var names []string
			for _, tok := range maTokens(t, e, u.ID) {
				names = append(names, tok.(map[string]any)["name"].(string))
			}
			if diff := cmp.Diff(tc.want, names); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("unknown user", func(t *testing.T) {
		e := maNewEnv(t)
		expect(t, e.admin("PATCH", "/api/users/nosuchuser/personal-access-tokens", map[string]any{"name": "a"}), 404, "entity.not_found")
		expect(t, e.admin("PATCH", "/api/users/nosuchuser/personal-access-tokens/a", map[string]any{"name": "b"}), 404, "entity.not_found")
	})
}

func TestManagementDeleteToken(t *testing.T) {
	cases := []struct {
		name   string
		method string
		path   string
		body   any
		status int
		code   string
	}{
		{name: "by body", method: "POST", path: "/delete", body: map[string]any{"name": "ci"}, status: 204},
		{name: "by path", method: "DELETE", path: "/ci", status: 204},
		{name: "by body: no such token", method: "POST", path: "/delete", body: map[string]any{"name": "nope"}, status: 404, code: "entity.not_found"},
		{name: "by path: no such token", method: "DELETE", path: "/nope", status: 404, code: "entity.not_found"},
		{name: "by body: name missing", method: "POST", path: "/delete", body: map[string]any{}, status: 400, code: "guard.invalid_input"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := maNewEnv(t)
			u := e.newUser()
			expect(t, e.admin("POST", "/api/users/"+u.ID+"/personal-access-tokens", map[string]any{"name": "ci"}), 201, "")
			expect(t, e.admin("POST", "/api/users/"+u.ID+"/personal-access-tokens", map[string]any{"name": "laptop"}), 201, "")
			r := e.admin(tc.method, "/api/users/"+u.ID+"/personal-access-tokens"+tc.path, tc.body)
			expect(t, r, tc.status, tc.code)
			want := 2
			if tc.status == 204 {
				want = 1
			}
			if n := len(maTokens(t, e, u.ID)); n != want {
				t.Errorf("%d tokens left, want %d", n, want)
			}
		})
	}
	t.Run("a token named delete", func(t *testing.T) {
		e := maNewEnv(t)
		u := e.newUser()
		expect(t, e.admin("POST", "/api/users/"+u.ID+"/personal-access-tokens", map[string]any{"name": "delete"}), 201, "")
		expect(t, e.admin("DELETE", "/api/users/"+u.ID+"/personal-access-tokens/delete", nil), 204, "")
	})
	t.Run("unknown user", func(t *testing.T) {
		e := maNewEnv(t)
		expect(t, e.admin("POST", "/api/users/nosuchuser/personal-access-tokens/delete", map[string]any{"name": "a"}), 404, "entity.not_found")
		expect(t, e.admin("DELETE", "/api/users/nosuchuser/personal-access-tokens/a", nil), 404, "entity.not_found")
	})
}
