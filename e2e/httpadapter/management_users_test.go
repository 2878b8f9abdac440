package httpadapter_test

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/argon2"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/store"
)

// Tests of PATCH and DELETE /api/users/{userId} and the user's profile, custom
// data, suspension and password routes (docs/compatibility.md, "Management API
// routes").

// maAnn gives a fixture user every member PATCH can change.
func maAnn(u *store.User) {
	u.Username, u.PrimaryEmail, u.PrimaryPhone = "ann", "Ann@Example.com", "61412345678"
	u.Name, u.Avatar = maStr("Ann"), maStr("https://example.com/ann.png")
	u.CustomData = map[string]any{"plan": "pro", "seats": float64(3)}
	given, family := "Ann", "Lee"
	u.Profile = store.Profile{GivenName: &given, FamilyName: &family}
}

// maAnnBody is the body of a PATCH of maAnn's user, with the members of with.
func maAnnBody(id string, with map[string]any) map[string]any {
	b := map[string]any{
		"id": id, "username": "ann", "primaryEmail": "Ann@Example.com", "primaryPhone": "61412345678",
		"name": "Ann", "avatar": "https://example.com/ann.png",
		"customData": map[string]any{"plan": "pro", "seats": float64(3)}, "identities": map[string]any{},
		"lastSignInAt": nil, "createdAt": mgNow, "updatedAt": mgNow + float64(time.Minute.Milliseconds()),
		"profile":       map[string]any{"givenName": "Ann", "familyName": "Lee"},
		"applicationId": nil, "isSuspended": false, "hasPassword": false,
	}
	maps.Copy(b, with)
	return b
}

func TestManagementPatchUser(t *testing.T) {
	taken := func(u *store.User) {
		u.Username, u.PrimaryEmail, u.PrimaryPhone = "taken", "Taken@Example.com", "447911123456"
	}
	cases := []struct {
		name   string
		body   any
		status int
		code   string
		// want holds the members of a 200 body besides maAnnBody's.
		want map[string]any
	}{
		{name: "identifiers and names", body: map[string]any{
			"username": "Ann_2", "primaryEmail": "new@example.com", "primaryPhone": "610412345679",
			"name": "Ann B", "avatar": "https://example.com/b.png",
		}, status: 200, want: map[string]any{
			"username": "Ann_2", "primaryEmail": "new@example.com", "primaryPhone": "61412345679",
			"name": "Ann B", "avatar": "https://example.com/b.png",
		}},
		{name: "empty strings clear", body: map[string]any{"username": "", "primaryEmail": "", "primaryPhone": "", "name": "", "avatar": ""},
			status: 200, want: map[string]any{"username": nil, "primaryEmail": nil, "primaryPhone": nil, "name": nil, "avatar": nil}},
		{name: "nulls clear, even the last identifier",
			body:   `{"username":null,"primaryEmail":null,"primaryPhone":null,"name":null,"avatar":null}`,
			status: 200, want: map[string]any{"username": nil, "primaryEmail": nil, "primaryPhone": nil, "name": nil, "avatar": nil}},
		{name: "customData replaced wholesale", body: map[string]any{"customData": map[string]any{"tier": "gold"}}, status: 200,
			want: map[string]any{"customData": map[string]any{"tier": "gold"}}},
		{name: "profile replaced wholesale", body: map[string]any{"profile": map[string]any{"nickname": "A", "address": map[string]any{"country": "AU"}}},
			status: 200, want: map[string]any{"profile": map[string]any{"nickname": "A", "address": map[string]any{"country": "AU"}}}},
		{name: "own identifiers again", body: map[string]any{"username": "ann", "primaryEmail": "ann@example.com", "primaryPhone": "610412345678"},
			status: 200, want: map[string]any{"primaryEmail": "ann@example.com"}},
		{name: "no username policy beyond the format", body: map[string]any{"username": "A"}, status: 200,
			want: map[string]any{"username": "A"}},
		{name: "longest values", body: map[string]any{
			"name": strings.Repeat("n", 128), "primaryEmail": strings.Repeat("a", 116) + "@example.com",
		}, status: 200, want: map[string]any{"name": strings.Repeat("n", 128), "primaryEmail": strings.Repeat("a", 116) + "@example.com"}},
		{name: "unknown members ignored", body: map[string]any{"name": "Bo", "password": "x", "isSuspended": true}, status: 200,
			want: map[string]any{"name": "Bo"}},

		{name: "empty body", body: map[string]any{}, status: 422, code: "entity.invalid_input"},
		{name: "only unknown members", body: map[string]any{"bogus": 1}, status: 422, code: "entity.invalid_input"},
		{name: "username taken", body: map[string]any{"username": "taken", "primaryEmail": "taken@example.com"}, status: 422,
			code: "user.username_already_in_use"},
		{name: "email taken, case-insensitively", body: map[string]any{"primaryEmail": "TAKEN@example.com", "primaryPhone": "447911123456"},
			status: 422, code: "user.email_already_in_use"},
		{name: "phone taken, normalised", body: map[string]any{"primaryPhone": "4407911123456"}, status: 422,
			code: "user.phone_already_in_use"},
		{name: "unparsable phone", body: map[string]any{"primaryPhone": "123"}, status: 422, code: "user.invalid_phone"},
		{name: "name too long", body: map[string]any{"name": strings.Repeat("n", 129)}, status: 422, code: "entity.value_too_long"},
		{name: "email too long", body: map[string]any{"primaryEmail": strings.Repeat("a", 117) + "@example.com"}, status: 422,
			code: "entity.value_too_long"},
		{name: "username too long", body: map[string]any{"username": strings.Repeat("u", 129)}, status: 422, code: "entity.value_too_long"},
		{name: "avatar too long", body: map[string]any{"avatar": "https://example.com/" + strings.Repeat("a", 2029)}, status: 422,
			code: "entity.value_too_long"},

		{name: "username format", body: map[string]any{"username": "1ann"}, status: 400, code: "guard.invalid_input"},
		{name: "email format", body: map[string]any{"primaryEmail": "ann"}, status: 400, code: "guard.invalid_input"},
		{name: "phone with a plus", body: map[string]any{"primaryPhone": "+61412345678"}, status: 400, code: "guard.invalid_input"},
		{name: "avatar not a URL", body: map[string]any{"avatar": "ann.png"}, status: 400, code: "guard.invalid_input"},
		{name: "customData not an object", body: map[string]any{"customData": []string{"x"}}, status: 400, code: "guard.invalid_input"},
		{name: "customData null", body: `{"customData":null}`, status: 400, code: "guard.invalid_input"},
		{name: "profile null", body: `{"profile":null}`, status: 400, code: "guard.invalid_input"},
		{name: "profile claim null", body: `{"profile":{"nickname":null}}`, status: 400, code: "guard.invalid_input"},
		{name: "profile address member null", body: `{"profile":{"address":{"country":null}}}`, status: 400, code: "guard.invalid_input"},
		{name: "profile claim not a string", body: `{"profile":{"nickname":1}}`, status: 400, code: "guard.invalid_input"},
		{name: "name not a string", body: map[string]any{"name": 1}, status: 400, code: "guard.invalid_input"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := maNewEnv(t)
			other := e.reload(e.newUser(taken))
			u := e.reload(e.newUser(maAnn))
			e.clock.Advance(time.Minute)
			events := mgEvents(e.env)

			r := e.admin("PATCH", "/api/users/"+u.ID, tc.body)
			expect(t, r, tc.status, tc.code)
			maUnchanged(t, e, other)
			if tc.status != 200 {
				maUnchanged(t, e, u)
				if n := mgEvents(e.env); n != events {
					t.Errorf("%d events after a refusal, want %d", n, events)
				}
				return
			}
			want := maAnnBody(u.ID, tc.want)
			if diff := cmp.Diff(want, r.json(t)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want, maUserBody(t, e, u.ID)); diff != "" {
				t.Errorf("GET after PATCH (-want +got):\n%s", diff)
			}
			if ev := e.events.named(event.UserDataUpdated); len(ev) != 1 || ev[0].UserID != u.ID {
				t.Errorf("User.Data.Updated events %+v, want one about %s", ev, u.ID)
			}
		})
	}

	t.Run("the end users' username policy does not apply", func(t *testing.T) {
		e := maNewEnv(t, withPolicies(func(p *account.Policies) {
			p.Username.DisallowUppercase, p.Username.DisallowNumbers = true, true
		}))
		u := e.newUser(maAnn)
		r := e.admin("PATCH", "/api/users/"+u.ID, map[string]any{"username": "Ann2"})
		expect(t, r, 200, "")
		if got := r.json(t)["username"]; got != "Ann2" {
			t.Errorf("username %v", got)
		}
	})

	t.Run("unknown user", func(t *testing.T) {
		e := maNewEnv(t)
		expect(t, e.admin("PATCH", "/api/users/nosuchuser", map[string]any{"name": "x"}), 404, "entity.not_found")
		// The user is looked up before the body is found empty.
		expect(t, e.admin("PATCH", "/api/users/nosuchuser", map[string]any{}), 404, "entity.not_found")
	})
}

// TestManagementPatchUserConcurrentEmail gives one email to 20 users at once:
// the unique index lets one request win.
func TestManagementPatchUserConcurrentEmail(t *testing.T) {
	e := maNewEnv(t)
	users := make([]*store.User, 20)
	for i := range users {
		users[i] = e.newUser()
	}
	statuses := make([]response, len(users))
	var wg sync.WaitGroup
	for i, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.admin("PATCH", "/api/users/"+u.ID, map[string]any{"primaryEmail": "race@example.com"})
		}()
	}
	wg.Wait()
	var ok, taken int
	for _, r := range statuses {
		switch {
		case r.status == 200:
			ok++
		case r.status == 422 && r.code() == "user.email_already_in_use":
			taken++
		default:
			t.Errorf("unexpected answer %d %s", r.status, r.body)
		}
	}
	if ok != 1 || taken != len(users)-1 {
		t.Errorf("%d successes and %d conflicts, want 1 and %d", ok, taken, len(users)-1)
	}
	owner, err := e.store.FindUserByEmail(context.Background(), "race@example.com")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if got := e.reload(u).PrimaryEmail; u.ID != owner.ID && got != "" {
			t.Errorf("user %s got email %q", u.ID, got)
		}
	}
}

// TestManagementCreateUserLengths: POST /api/users refuses what Logto's
// columns would not hold, as PATCH does.
func TestManagementCreateUserLengths(t *testing.T) {
	e := maNewEnv(t)
	for _, body := range []map[string]any{
		{"primaryEmail": strings.Repeat("a", 117) + "@example.com"},
		{"username": strings.Repeat("u", 129)},
		{"name": strings.Repeat("n", 129)},
	} {
		expect(t, e.admin("POST", "/api/users", body), 422, "entity.value_too_long")
	}
	if n := mgEvents(e.env); n != 0 {
		t.Errorf("%d events after refusals", n)
	}
}

func TestManagementDeleteUser(t *testing.T) {
	t.Run("deletes everything of the user", func(t *testing.T) {
		e := maNewEnv(t)
		keep := e.reload(e.newUser())
		u := e.reload(e.newUser(maAnn, func(u *store.User) {
			u.Identities = map[string]store.Identity{"github": {UserID: "gh-1"}}
		}))
		expect(t, e.admin("POST", "/api/users/"+u.ID+"/mfa-verifications", map[string]any{"type": "Totp"}), 200, "")
		expect(t, e.admin("POST", "/api/users/"+u.ID+"/personal-access-tokens", map[string]any{"name": "ci"}), 201, "")
		before := mgEvents(e.env)

		expect(t, e.admin("DELETE", "/api/users/"+u.ID, nil), 204, "")

		ctx := context.Background()
		if _, err := e.store.GetUser(ctx, u.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("user still stored: %v", err)
		}
		if _, err := e.store.FindUserByIdentity(ctx, "github", "gh-1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("identity still stored: %v", err)
		}
		if f, _ := e.store.ListMFAFactors(ctx, u.ID); len(f) != 0 {
			t.Errorf("factors still stored: %+v", f)
		}
		if p, _ := e.store.ListPersonalAccessTokens(ctx, u.ID); len(p) != 0 {
			t.Errorf("tokens still stored: %+v", p)
		}
		maUnchanged(t, e, keep)
		expect(t, e.admin("GET", "/api/users/"+u.ID, nil), 404, "entity.not_found")

		ev := e.events.named(event.UserDeleted)
		if len(ev) != 1 || ev[0].UserID != u.ID || mgEvents(e.env) != before+1 {
			t.Fatalf("events %+v, want one User.Deleted about %s", ev, u.ID)
		}
		if diff := cmp.Diff(account.Snapshot(u), ev[0].Data); diff != "" {
			t.Errorf("User.Deleted data (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]maRevocation{{u.ID, account.RevokeDeleted}}, e.revoker.list()); diff != "" {
			t.Errorf("revocations (-want +got):\n%s", diff)
		}
	})

	t.Run("a failing revoker does not stop the deletion", func(t *testing.T) {
		e := maNewEnv(t)
		u := e.newUser()
		e.revoker.setFail(errors.New("provider down"))
		expect(t, e.admin("DELETE", "/api/users/"+u.ID, nil), 204, "")
		if _, err := e.store.GetUser(context.Background(), u.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("user still stored: %v", err)
		}
	})

	t.Run("not oneself", func(t *testing.T) {
		e := maNewEnv(t)
		u := e.reload(e.newUser())
		r := e.do(req{method: "DELETE", path: "/api/users/" + u.ID, token: e.token(u.ID, "all")})
		expect(t, r, 400, "user.cannot_delete_self")
		maUnchanged(t, e, u)
		if n := mgEvents(e.env); n != 0 || len(e.revoker.list()) != 0 {
			t.Errorf("%d events and revocations %v after a refusal", n, e.revoker.list())
		}
		// Checked before the user is looked up, as in Logto.
		r = e.do(req{method: "DELETE", path: "/api/users/ghost", token: e.token("ghost", "all")})
		expect(t, r, 400, "user.cannot_delete_self")
	})

	t.Run("unknown user", func(t *testing.T) {
		e := maNewEnv(t)
		expect(t, e.admin("DELETE", "/api/users/nosuchuser", nil), 404, "entity.not_found")
		if n := mgEvents(e.env); n != 0 || len(e.revoker.list()) != 0 {
			t.Errorf("%d events and revocations %v for an unknown user", n, e.revoker.list())
		}
	})
}

func TestManagementPatchProfile(t *testing.T) {
	cases := []struct {
		name   string
		body   any
		status int
		code   string
		want   map[string]any
	}{
		{name: "shallow merge", body: map[string]any{"profile": map[string]any{"nickname": "A", "givenName": "Anne"}}, status: 200,
			want: map[string]any{"givenName": "Anne", "familyName": "Lee", "nickname": "A"}},
		{name: "address replaced", body: map[string]any{"profile": map[string]any{"address": map[string]any{"locality": "Perth"}}}, status: 200,
			want: map[string]any{"givenName": "Ann", "familyName": "Lee", "address": map[string]any{"locality": "Perth"}}},
		{name: "empty profile changes nothing", body: map[string]any{"profile": map[string]any{}}, status: 200,
			want: map[string]any{"givenName": "Ann", "familyName": "Lee"}},
		{name: "unknown claims ignored", body: map[string]any{"profile": map[string]any{"shoeSize": "9"}}, status: 200,
			want: map[string]any{"givenName": "Ann", "familyName": "Lee"}},
		{name: "profile missing", body: map[string]any{}, status: 400, code: "guard.invalid_input"},
		{name: "profile not an object", body: map[string]any{"profile": "x"}, status: 400, code: "guard.invalid_input"},
		{name: "claim null", body: `{"profile":{"givenName":null}}`, status: 400, code: "guard.invalid_input"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := maNewEnv(t)
			u := e.reload(e.newUser(maAnn))
			r := e.admin("PATCH", "/api/users/"+u.ID+"/profile", tc.body)
			expect(t, r, tc.status, tc.code)
			if tc.status != 200 {
				maUnchanged(t, e, u)
				return
			}
			if diff := cmp.Diff(tc.want, r.json(t)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, maUserBody(t, e, u.ID)["profile"]); diff != "" {
				t.Errorf("stored profile (-want +got):\n%s", diff)
			}
			if len(e.events.named(event.UserDataUpdated)) != 1 {
				t.Errorf("want one User.Data.Updated")
			}
		})
	}
	t.Run("unknown user", func(t *testing.T) {
		e := maNewEnv(t)
		expect(t, e.admin("PATCH", "/api/users/nosuchuser/profile", map[string]any{"profile": map[string]any{}}), 404, "entity.not_found")
	})
}

func TestManagementCustomData(t *testing.T) {
	t.Run("get", func(t *testing.T) {
		e := maNewEnv(t)
		u := e.newUser(maAnn)
		r := e.admin("GET", "/api/users/"+u.ID+"/custom-data", nil)
		expect(t, r, 200, "")
		if diff := cmp.Diff(map[string]any{"plan": "pro", "seats": float64(3)}, r.json(t)); diff != "" {
			t.Errorf("body (-want +got):\n%s", diff)
		}
		r = e.admin("GET", "/api/users/"+e.newUser().ID+"/custom-data", nil)
		expect(t, r, 200, "")
		if string(r.body) != "{}" {
			t.Errorf("custom data of a user without = %s, want {}", r.body)
		}
	})

	cases := []struct {
		name   string
		body   any
		status int
		code   string
		want   map[string]any
	}{
		{name: "shallow merge", body: map[string]any{"customData": map[string]any{"seats": 5, "nested": map[string]any{"a": 1}}}, status: 200,
			want: map[string]any{"plan": "pro", "seats": float64(5), "nested": map[string]any{"a": float64(1)}}},
		{name: "a member set to null stays, as null", body: `{"customData":{"plan":null}}`, status: 200,
			want: map[string]any{"plan": nil, "seats": float64(3)}},
		{name: "empty object changes nothing", body: map[string]any{"customData": map[string]any{}}, status: 200,
			want: map[string]any{"plan": "pro", "seats": float64(3)}},
		{name: "customData missing", body: map[string]any{}, status: 400, code: "guard.invalid_input"},
		{name: "customData null", body: `{"customData":null}`, status: 400, code: "guard.invalid_input"},
		{name: "customData an array", body: `{"customData":[1]}`, status: 400, code: "guard.invalid_input"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := maNewEnv(t)
			u := e.reload(e.newUser(maAnn))
			r := e.admin("PATCH", "/api/users/"+u.ID+"/custom-data", tc.body)
			expect(t, r, tc.status, tc.code)
			if tc.status != 200 {
				maUnchanged(t, e, u)
				return
			}
			if diff := cmp.Diff(tc.want, r.json(t)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			got := e.admin("GET", "/api/users/"+u.ID+"/custom-data", nil)
			if diff := cmp.Diff(tc.want, got.json(t)); diff != "" {
				t.Errorf("GET after PATCH (-want +got):\n%s", diff)
			}
			if len(e.events.named(event.UserDataUpdated)) != 1 {
				t.Errorf("want one User.Data.Updated")
			}
		})
	}
	t.Run("unknown user", func(t *testing.T) {
		e := maNewEnv(t)
		expect(t, e.admin("GET", "/api/users/nosuchuser/custom-data", nil), 404, "entity.not_found")
		expect(t, e.admin("PATCH", "/api/users/nosuchuser/custom-data", map[string]any{"customData": map[string]any{}}), 404, "entity.not_found")
	})
}

func TestManagementSuspension(t *testing.T) {
	suspend := func(e *maEnv, u *store.User, on bool) response {
		return e.admin("PATCH", "/api/users/"+u.ID+"/is-suspended", map[string]any{"isSuspended": on})
	}
	myAccount := func(e *maEnv, u *store.User) response {
		return e.do(req{method: "GET", path: "/api/my-account", token: e.tokenFor(u.ID)})
	}

	t.Run("suspend, refused by the Account API, revoked; then restore", func(t *testing.T) {
		e := maNewEnv(t)
		u := e.newUser(e.withPassword("Secret-123"))
		token := e.tokenFor(u.ID)
		expect(t, myAccount(e, u), 200, "")

		r := suspend(e, u, true)
		expect(t, r, 200, "")
		if got := r.json(t)["isSuspended"]; got != true {
			t.Errorf("isSuspended = %v", got)
		}
		if diff := cmp.Diff([]maRevocation{{u.ID, "suspended"}}, e.revoker.list()); diff != "" {
			t.Errorf("revocations (-want +got):\n%s", diff)
		}
		if ev := e.events.named(event.UserDataUpdated); len(ev) != 1 {
			t.Errorf("User.Data.Updated events %+v, want one", ev)
		}
		// Tokens issued before the suspension stop working on every route.
		for _, rq := range []req{
			{method: "GET", path: "/api/my-account"},
			{method: "PATCH", path: "/api/my-account", body: map[string]any{"name": "x"}},
			{method: "POST", path: "/api/verifications/password", body: map[string]any{"password": "Secret-123"}},
			{method: "POST", path: "/api/verifications/password", body: map[string]any{"password": "wrong"}},
			{method: "GET", path: "/api/my-account/mfa-verifications"},
		} {
			rq.token = token
			expect(t, e.do(rq), 401, "user.suspended")
		}
		// After authentication and the openid scope, before the account
		// center's gate.
		expect(t, e.do(req{method: "GET", path: "/api/my-account", token: e.token(u.ID, "profile")}), 403, "auth.forbidden")
		expect(t, e.do(req{method: "GET", path: "/api/my-account"}), 401, "auth.authorization_header_missing")
		expect(t, e.admin("PATCH", "/api/account-center", map[string]any{"enabled": false}), 200, "")
		expect(t, myAccount(e, u), 401, "user.suspended")
		expect(t, e.admin("PATCH", "/api/account-center", map[string]any{"enabled": true}), 200, "")

		// Suspending again revokes again: the way to retry a revocation.
		expect(t, suspend(e, u, true), 200, "")
		if n := len(e.revoker.list()); n != 2 {
			t.Errorf("%d revocations, want 2", n)
		}

		r = suspend(e, u, false)
		expect(t, r, 200, "")
		if got := r.json(t)["isSuspended"]; got != false {
			t.Errorf("isSuspended = %v", got)
		}
		if n := len(e.revoker.list()); n != 2 {
			t.Errorf("lifting a suspension revoked: %v", e.revoker.list())
		}
		expect(t, myAccount(e, u), 200, "")
	})

	t.Run("a failing revoker is reported, the suspension stays", func(t *testing.T) {
		e := maNewEnv(t)
		u := e.newUser()
		e.revoker.setFail(errors.New("provider down"))
		r := suspend(e, u, true)
		expect(t, r, 500, "internal_server_error")
		if strings.Contains(string(r.body), "provider down") {
			t.Errorf("the body leaks the cause: %s", r.body)
		}
		if !e.reload(u).IsSuspended {
			t.Errorf("user not suspended")
		}
		expect(t, myAccount(e, u), 401, "user.suspended")
		e.revoker.setFail(nil)
		expect(t, suspend(e, u, true), 200, "")
		if n := len(e.revoker.list()); n != 2 {
			t.Errorf("%d revocations, want 2", n)
		}
	})

	for _, tc := range []struct {
		name string
		body any
	}{
		{"missing", map[string]any{}},
		{"not a boolean", map[string]any{"isSuspended": "yes"}},
		{"null", `{"isSuspended":null}`},
	} {
		t.Run("isSuspended "+tc.name, func(t *testing.T) {
			e := maNewEnv(t)
			u := e.reload(e.newUser())
			expect(t, e.admin("PATCH", "/api/users/"+u.ID+"/is-suspended", tc.body), 400, "guard.invalid_input")
			maUnchanged(t, e, u)
			if len(e.revoker.list()) != 0 || mgEvents(e.env) != 0 {
				t.Errorf("a refusal revoked or emitted")
			}
		})
	}

	t.Run("unknown user", func(t *testing.T) {
		e := maNewEnv(t)
		expect(t, e.admin("PATCH", "/api/users/nosuchuser/is-suspended", map[string]any{"isSuspended": true}), 404, "entity.not_found")
		if len(e.revoker.list()) != 0 {
			t.Errorf("revoked for an unknown user")
		}
	})
}

func TestManagementPasswordVerify(t *testing.T) {
	cases := []struct {
		name   string
		user   func(e *maEnv) *store.User
		body   any
		status int
		code   string
	}{
		{name: "right password", user: func(e *maEnv) *store.User { return e.newUser(e.withPassword("Secret-123")) },
			body: map[string]any{"password": "Secret-123"}, status: 204},
		{name: "wrong password", user: func(e *maEnv) *store.User { return e.newUser(e.withPassword("Secret-123")) },
			body: map[string]any{"password": "Secret-124"}, status: 422, code: "session.invalid_credentials"},
		{name: "no password", user: func(e *maEnv) *store.User { return e.newUser() },
			body: map[string]any{"password": "Secret-123"}, status: 422, code: "session.invalid_credentials"},
		{name: "malformed imported digest", user: func(e *maEnv) *store.User {
			return e.newUser(func(u *store.User) { u.PasswordDigest, u.PasswordAlgorithm = "$argon2i$garbage", store.Argon2i })
		}, body: map[string]any{"password": "Secret-123"}, status: 422, code: "session.invalid_credentials"},
		{name: "suspended user: suspension is not this route's business", user: func(e *maEnv) *store.User {
			return e.newUser(e.withPassword("Secret-123"), func(u *store.User) { u.IsSuspended = true })
		}, body: map[string]any{"password": "Secret-123"}, status: 204},
		{name: "empty password", user: func(e *maEnv) *store.User { return e.newUser(e.withPassword("Secret-123")) },
			body: map[string]any{"password": ""}, status: 400, code: "guard.invalid_input"},
		{name: "password missing", user: func(e *maEnv) *store.User { return e.newUser(e.withPassword("Secret-123")) },
			body: map[string]any{}, status: 400, code: "guard.invalid_input"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := maNewEnv(t)
			u := e.reload(tc.user(e))
			r := e.admin("POST", "/api/users/"+u.ID+"/password/verify", tc.body)
			expect(t, r, tc.status, tc.code)
			if tc.status == 204 && len(r.body) != 0 {
				t.Errorf("204 with a body: %s", r.body)
			}
			// Argon2id digests with the hasher's parameters stay as they are.
			maUnchanged(t, e, u)
		})
	}

	t.Run("an imported digest is re-hashed after a success", func(t *testing.T) {
		e := maNewEnv(t)
		u := e.reload(e.newUser(func(u *store.User) { u.PasswordDigest, u.PasswordAlgorithm = maMD5("Secret-123"), store.MD5 }))
		expect(t, e.admin("POST", "/api/users/"+u.ID+"/password/verify", map[string]any{"password": "Secret-124"}), 422, "session.invalid_credentials")
		maUnchanged(t, e, u)
		expect(t, e.admin("POST", "/api/users/"+u.ID+"/password/verify", map[string]any{"password": "Secret-123"}), 204, "")
		got := e.reload(u)
		if got.PasswordAlgorithm != store.Argon2id || !strings.HasPrefix(got.PasswordDigest, "$argon2id$") {
			t.Errorf("stored %s %q, want argon2id", got.PasswordAlgorithm, got.PasswordDigest)
		}
		expect(t, e.admin("POST", "/api/users/"+u.ID+"/password/verify", map[string]any{"password": "Secret-123"}), 204, "")
	})

	t.Run("unknown user", func(t *testing.T) {
		e := maNewEnv(t)
		expect(t, e.admin("POST", "/api/users/nosuchuser/password/verify", map[string]any{"password": "x"}), 404, "entity.not_found")
	})
}

func TestManagementSetPassword(t *testing.T) {
	t.Run("no policy, argon2id, not expired", func(t *testing.T) {
		e := maNewEnv(t)
		u := e.newUser(e.withPassword("Secret-123"), func(u *store.User) { u.IsPasswordExpired = true })
		e.clock.Advance(time.Minute)
		// "a" breaks every rule of the default password policy.
		r := e.admin("PATCH", "/api/users/"+u.ID+"/password", map[string]any{"password": "a"})
		expect(t, r, 200, "")
		body := r.json(t)
		if body["hasPassword"] != true || body["id"] != u.ID {
			t.Errorf("body %v", body)
		}
		got := e.reload(u)
		if got.PasswordAlgorithm != store.Argon2id || !got.PasswordUpdatedAt.Equal(e.clock.Now()) || got.IsPasswordExpired {
			t.Errorf("stored %s, updated %v, expired %v", got.PasswordAlgorithm, got.PasswordUpdatedAt, got.IsPasswordExpired)
		}
		expect(t, e.admin("POST", "/api/users/"+u.ID+"/password/verify", map[string]any{"password": "a"}), 204, "")
		expect(t, e.admin("POST", "/api/users/"+u.ID+"/password/verify", map[string]any{"password": "Secret-123"}), 422, "session.invalid_credentials")
		if ev := e.events.named(event.UserDataUpdated); len(ev) != 1 {
			t.Errorf("User.Data.Updated events %+v, want one", ev)
		}
	})
	t.Run("a first password", func(t *testing.T) {
		e := maNewEnv(t)
		u := e.newUser()
		expect(t, e.admin("PATCH", "/api/users/"+u.ID+"/password", map[string]any{"password": "Secret-123"}), 200, "")
		if !e.reload(u).HasPassword() {
			t.Errorf("no password stored")
		}
	})
	for _, tc := range []struct {
		name string
		body any
	}{{"empty", map[string]any{"password": ""}}, {"missing", map[string]any{}}, {"not a string", map[string]any{"password": 1}}} {
		t.Run("password "+tc.name, func(t *testing.T) {
			e := maNewEnv(t)
			u := e.reload(e.newUser(e.withPassword("Secret-123")))
			expect(t, e.admin("PATCH", "/api/users/"+u.ID+"/password", tc.body), 400, "guard.invalid_input")
			maUnchanged(t, e, u)
		})
	}
	t.Run("unknown user", func(t *testing.T) {
		e := maNewEnv(t)
		expect(t, e.admin("PATCH", "/api/users/nosuchuser/password", map[string]any{"password": "x"}), 404, "entity.not_found")
	})
}

func TestManagementHasPassword(t *testing.T) {
	e := maNewEnv(t)
	for _, tc := range []struct {
		user *store.User
		want string
	}{
		{e.newUser(e.withPassword("Secret-123")), `{"hasPassword":true}`},
		{e.newUser(), `{"hasPassword":false}`},
	} {
		r := e.admin("GET", "/api/users/"+tc.user.ID+"/has-password", nil)
		expect(t, r, 200, "")
		if string(r.body) != tc.want {
			t.Errorf("body %s, want %s", r.body, tc.want)
		}
	}
	expect(t, e.admin("GET", "/api/users/nosuchuser/has-password", nil), 404, "entity.not_found")
}

// TestManagementImportFromLogto is the round trip of users imported from
// Logto with their digests: each verifies through the Verification API, after
// which the stored digest is argon2id, as GET …?includePasswordHash=true
// shows.
func TestManagementImportFromLogto(t *testing.T) {
	cases := []struct {
		name, algorithm, digest, password string
	}{
		// The Argon2 reference implementation's Argon2i vector, in the PHC
		// form Logto stores (password/hasher_test.go has the family).
		{"Argon2i", "Argon2i", "$argon2i$v=19$m=256,t=2,p=1$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8", "password"},
		{"Argon2i with Logto's parameters", "Argon2i", maArgon2i("Secret-123"), "Secret-123"},
		{"bcrypt", "Bcrypt", mgBcrypt(t, "Secret-123"), "Secret-123"},
		{"MD5", "MD5", maMD5("Secret-123"), "Secret-123"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := maNewEnv(t)
			r := e.admin("POST", "/api/users", map[string]any{
				"username": "imported", "passwordDigest": tc.digest, "passwordAlgorithm": tc.algorithm,
			})
			expect(t, r, 200, "")
			id := r.json(t)["id"].(string)
			hash := func() map[string]any {
				r := e.admin("GET", "/api/users/"+id+"?includePasswordHash=true", nil)
				expect(t, r, 200, "")
				b := r.json(t)
				return map[string]any{"passwordAlgorithm": b["passwordAlgorithm"], "passwordDigest": b["passwordDigest"]}
			}
			if diff := cmp.Diff(map[string]any{"passwordAlgorithm": tc.algorithm, "passwordDigest": tc.digest}, hash()); diff != "" {
				t.Errorf("before the first sign-in (-want +got):\n%s", diff)
			}
			verify := func(pw string) response {
				return e.do(req{method: "POST", path: "/api/verifications/password", token: e.tokenFor(id),
					body: map[string]string{"password": pw}})
			}
			expect(t, verify(tc.password+"x"), 422, "session.invalid_credentials")
			expect(t, verify(tc.password), 201, "")
			got := hash()
			if d, _ := got["passwordDigest"].(string); got["passwordAlgorithm"] != "Argon2id" || !strings.HasPrefix(d, "$argon2id$") {
				t.Errorf("after the first sign-in %v, want an Argon2id digest", got)
			}
			expect(t, verify(tc.password), 201, "")
		})
	}
}

// maMD5 is an MD5 digest as Logto stores it: lower-case hex.
func maMD5(pw string) string { return fmt.Sprintf("%x", md5.Sum([]byte(pw))) }

// maArgon2i is an Argon2i digest of pw with the parameters Logto hashes with
// (m=4096 KiB, t=8, p=1), in its PHC form.
func maArgon2i(pw string) string {
	salt := []byte("logto-salt-16byt")
	tag := argon2.Key([]byte(pw), salt, 8, 4096, 1, 32)
	return "$argon2i$v=19$m=4096,t=8,p=1$" + base64.RawStdEncoding.EncodeToString(salt) + "$" +
		base64.RawStdEncoding.EncodeToString(tag)
}
