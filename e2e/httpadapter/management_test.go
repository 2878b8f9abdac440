package httpadapter_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/store"
)

// Tests of the Management API routes the env mounts: POST /api/users, GET
// /api/users/{userId} (docs/compatibility.md, "Management API routes") and
// GET/PATCH /api/account-center (docs/compatibility.md, "Account-center
// settings"). Helpers start with "mg".

// mgNow is the env clock's start in Unix milliseconds, as the bodies show
// timestamps.
var mgNow = float64(time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC).UnixMilli())

// mgEvents counts every event emitted so far.
func mgEvents(e *env) int {
	e.events.mu.Lock()
	defer e.events.mu.Unlock()
	return len(e.events.list)
}

// mgTaken is the user whose identifiers the POST /api/users cases collide with.
func mgTaken(u *store.User) {
	u.Username, u.PrimaryEmail, u.PrimaryPhone = "taken", "Taken@Example.com", "61412345678"
}

// mgNewUserBody is the body of a 200 from POST /api/users for a user created
// from {"username": "newbie"} plus the members of with.
func mgNewUserBody(id any, with map[string]any) map[string]any {
	b := map[string]any{
		"id": id, "username": "newbie", "primaryEmail": nil, "primaryPhone": nil, "name": nil, "avatar": nil,
		"customData": map[string]any{}, "identities": map[string]any{}, "lastSignInAt": nil,
		"createdAt": mgNow, "updatedAt": mgNow, "profile": map[string]any{}, "applicationId": nil,
		"isSuspended": false, "hasPassword": false,
	}
	maps.Copy(b, with)
	return b
}

// mgArgon2i is a digest of pw in the format Logto stores (Argon2i, PHC).
func mgArgon2i(pw string) string {
	salt := []byte("0123456789abcdef")
	tag := argon2.Key([]byte(pw), salt, 1, 64, 1, 32)
	return "$argon2i$v=19$m=64,t=1,p=1$" + base64.RawStdEncoding.EncodeToString(salt) + "$" +
		base64.RawStdEncoding.EncodeToString(tag)
}

func mgBcrypt(t *testing.T, pw string) string {
	t.Helper()
	d, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(d)
}

func mgSHA256(pw string) string {
	sum := sha256.Sum256([]byte(pw))
	return hex.EncodeToString(sum[:])
}

func TestManagementCreateUser(t *testing.T) {
	newbie := func(with map[string]any) map[string]any {
		b := map[string]any{"username": "newbie"}
		maps.Copy(b, with)
		return b
	}
	cases := []struct {
		name   string
		body   any
		status int
		code   string
		// want holds the members of a 200 body besides mgNewUserBody's.
		want map[string]any
		// password must verify through the Account API after a 200; the
		// stored digest must then be argon2id.
		password string
		// imported is the algorithm stored before the first verification.
		imported store.PasswordAlgorithm
	}{
		{name: "every profile member", body: newbie(map[string]any{
			"primaryEmail": "Newbie@Example.com", "primaryPhone": "610412345679", "name": "New Bie",
			"avatar": "https://example.com/a.png", "customData": map[string]any{"plan": "pro", "seats": 3},
			"profile": map[string]any{"givenName": "New", "address": map[string]any{"country": "AU"}},
		}), status: 200, want: map[string]any{
			"primaryEmail": "Newbie@Example.com", "primaryPhone": "61412345679", "name": "New Bie",
			"avatar": "https://example.com/a.png", "customData": map[string]any{"plan": "pro", "seats": float64(3)},
			"profile": map[string]any{"givenName": "New", "address": map[string]any{"country": "AU"}},
		}},
		{name: "an empty body makes a user without identifiers", body: map[string]any{}, status: 200,
			want: map[string]any{"username": nil}},
		{name: "phone normalised", body: newbie(map[string]any{"primaryPhone": "4407911123456"}), status: 200,
			want: map[string]any{"primaryPhone": "447911123456"}},
		{name: "unknown members ignored", body: newbie(map[string]any{"bogus": 1}), status: 200},
		{name: "avatar may be empty", body: newbie(map[string]any{"avatar": ""}), status: 200, want: map[string]any{"avatar": ""}},
		{name: "avatar may be null", body: `{"username":"newbie","avatar":null}`, status: 200},
		{name: "algorithm without a digest sets no password", body: newbie(map[string]any{"passwordAlgorithm": "Bcrypt"}), status: 200},

		{name: "password is hashed", body: newbie(map[string]any{"password": "Secret-123"}), status: 200,
			want: map[string]any{"hasPassword": true}, password: "Secret-123", imported: store.Argon2id},
		{name: "bcrypt digest", body: newbie(map[string]any{"passwordDigest": mgBcrypt(t, "Secret-123"), "passwordAlgorithm": "Bcrypt"}),
			status: 200, want: map[string]any{"hasPassword": true}, password: "Secret-123", imported: store.Bcrypt},
		{name: "SHA256 digest", body: newbie(map[string]any{"passwordDigest": mgSHA256("Secret-123"), "passwordAlgorithm": "SHA256"}),
			status: 200, want: map[string]any{"hasPassword": true}, password: "Secret-123", imported: store.SHA256},
		{name: "Logto's Argon2i digest", body: newbie(map[string]any{"passwordDigest": mgArgon2i("Secret-123"), "passwordAlgorithm": "Argon2i"}),
			status: 200, want: map[string]any{"hasPassword": true}, password: "Secret-123", imported: store.Argon2i},

		// Order: guard, password_and_digest, password_algorithm_required,
		// username, email, phone collisions, then the phone must parse.
		{name: "unknown algorithm is a guard error first", body: newbie(map[string]any{
			"password": "Secret-123", "passwordDigest": "abc", "passwordAlgorithm": "Scrypt"}),
			status: 400, code: "guard.invalid_input"},
		{name: "password and digest", body: newbie(map[string]any{"username": "taken", "password": "Secret-123", "passwordDigest": "abc"}),
			status: 400, code: "user.password_and_digest"},
		{name: "digest without algorithm", body: newbie(map[string]any{"username": "taken", "passwordDigest": "abc"}),
			status: 400, code: "user.password_algorithm_required"},
		{name: "username taken, before email", body: map[string]any{"username": "taken", "primaryEmail": "taken@example.com"},
			status: 422, code: "user.username_already_in_use"},
		{name: "email taken case-insensitively, before phone", body: newbie(map[string]any{"primaryEmail": "taken@example.com", "primaryPhone": "61412345678"}),
			status: 422, code: "user.email_already_in_use"},
		{name: "phone taken, normalised", body: newbie(map[string]any{"primaryPhone": "610412345678"}),
			status: 422, code: "user.phone_already_in_use"},
		{name: "collision before the phone is parsed", body: map[string]any{"username": "taken", "primaryPhone": "123"},
			status: 422, code: "user.username_already_in_use"},
		{name: "unparsable phone", body: newbie(map[string]any{"primaryPhone": "123"}), status: 422, code: "user.invalid_phone"},

		{name: "username starting with a digit", body: map[string]any{"username": "1newbie"}, status: 400, code: "guard.invalid_input"},
		{name: "empty username", body: map[string]any{"username": ""}, status: 400, code: "guard.invalid_input"},
		{name: "malformed email", body: newbie(map[string]any{"primaryEmail": "newbie"}), status: 400, code: "guard.invalid_input"},
		{name: "phone with a plus", body: newbie(map[string]any{"primaryPhone": "+61412345678"}), status: 400, code: "guard.invalid_input"},
		{name: "avatar not a URL", body: newbie(map[string]any{"avatar": "not a url"}), status: 400, code: "guard.invalid_input"},
		{name: "empty password", body: newbie(map[string]any{"password": ""}), status: 400, code: "guard.invalid_input"},
		{name: "digest over 256 characters", body: newbie(map[string]any{"passwordDigest": strings.Repeat("a", 257), "passwordAlgorithm": "SHA256"}),
			status: 400, code: "guard.invalid_input"},
		{name: "customData not an object", body: newbie(map[string]any{"customData": "x"}), status: 400, code: "guard.invalid_input"},
		{name: "name null", body: `{"username":"newbie","name":null}`, status: 400, code: "guard.invalid_input"},
		{name: "not an object", body: `["newbie"]`, status: 400, code: "guard.invalid_input"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			taken := e.reload(e.newUser(mgTaken))
			events := mgEvents(e)

			r := e.do(req{method: "POST", path: "/api/users", token: e.adminToken(), body: tc.body})
			expect(t, r, tc.status, tc.code)

			if diff := cmp.Diff(taken, e.reload(taken)); diff != "" {
				t.Errorf("existing user changed (-before +after):\n%s", diff)
			}
			if tc.status != 200 {
				if got := mgEvents(e); got != events {
					t.Errorf("%d events after a refusal, want %d", got, events)
				}
				if _, err := e.store.FindUserByUsername(context.Background(), "newbie"); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("a refused request created a user (lookup: %v)", err)
				}
				return
			}

			got := r.json(t)
			id, _ := got["id"].(string)
			if len(id) != store.IDLength {
				t.Fatalf("id = %v, want %d characters", got["id"], store.IDLength)
			}
			if diff := cmp.Diff(mgNewUserBody(id, tc.want), got); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			if ev := e.events.named(event.UserDataUpdated); len(ev) != 1 || ev[0].UserID != id || mgEvents(e) != events+1 {
				t.Errorf("events %+v, want one User.Data.Updated about %s", ev, id)
			}

			u := e.reload(&store.User{ID: id})
			if tc.password == "" {
				if u.HasPassword() {
					t.Errorf("stored a %s password", u.PasswordAlgorithm)
				}
				return
			}
			if u.PasswordAlgorithm != tc.imported || strings.Contains(u.PasswordDigest, tc.password) {
				t.Errorf("stored %s digest %q, want %s", u.PasswordAlgorithm, u.PasswordDigest, tc.imported)
			}
			verify := func(pw string) response {
				return e.do(req{method: "POST", path: "/api/verifications/password", token: e.tokenFor(id),
					body: map[string]string{"password": pw}})
			}
			expect(t, verify("wrong-password"), 422, "session.invalid_credentials")
			expect(t, verify(tc.password), 201, "")
			if u := e.reload(u); u.PasswordAlgorithm != store.Argon2id || !strings.HasPrefix(u.PasswordDigest, "$argon2id$") {
				t.Errorf("after a check the digest is %s %q, want argon2id", u.PasswordAlgorithm, u.PasswordDigest)
			}
			expect(t, verify(tc.password), 201, "")
		})
	}
}

// TestManagementCreateThenGet reads users created by POST /api/users back
// through GET /api/users/{userId}: the same body.
func TestManagementCreateThenGet(t *testing.T) {
	cases := []struct {
		name string
		body map[string]any
	}{
		{name: "username only", body: map[string]any{"username": "newbie"}},
		{name: "every member", body: map[string]any{"username": "newbie", "primaryEmail": "Newbie@Example.com",
			"primaryPhone": "610412345678", "name": "New Bie", "avatar": "https://example.com/a.png",
			"customData": map[string]any{"plan": "pro"}, "profile": map[string]any{"givenName": "New"}, "password": "Secret-123"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			r := e.do(req{method: "POST", path: "/api/users", token: e.adminToken(), body: tc.body})
			expect(t, r, 200, "")
			created := r.json(t)
			r = e.do(req{method: "GET", path: "/api/users/" + created["id"].(string), token: e.adminToken()})
			expect(t, r, 200, "")
			if diff := cmp.Diff(created, r.json(t)); diff != "" {
				t.Errorf("GET body (-POST +GET):\n%s", diff)
			}
		})
	}
}

func TestManagementGetUser(t *testing.T) {
	name, avatar, given := "Ann", "https://example.com/ann.png", "Ann"
	ann := func(u *store.User) {
		u.Username, u.PrimaryEmail, u.PrimaryPhone = "ann", "Ann@Example.com", "61412345678"
		u.Name, u.Avatar = &name, &avatar
		u.CustomData = map[string]any{"plan": "pro"}
		u.Profile = store.Profile{GivenName: &given}
		u.Identities = map[string]store.Identity{"github": {UserID: "gh-1", Details: map[string]any{"login": "ann"}}}
		u.ApplicationID = "app-1"
		u.IsSuspended = true
		u.LastSignInAt = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	}
	annBody := func(id string, hasPassword bool, with map[string]any) map[string]any {
		b := map[string]any{
			"id": id, "username": "ann", "primaryEmail": "Ann@Example.com", "primaryPhone": "61412345678",
			"name": "Ann", "avatar": "https://example.com/ann.png", "customData": map[string]any{"plan": "pro"},
			"identities":   map[string]any{"github": map[string]any{"userId": "gh-1", "details": map[string]any{"login": "ann"}}},
			"lastSignInAt": float64(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).UnixMilli()),
			"createdAt":    mgNow, "updatedAt": mgNow, "profile": map[string]any{"givenName": "Ann"},
			"applicationId": "app-1", "isSuspended": true, "hasPassword": hasPassword,
		}
		maps.Copy(b, with)
		return b
	}
	cases := []struct {
		name     string
		password bool
		query    string
		status   int
		code     string
		// with holds the members besides annBody's; digest stands for the
		// stored digest.
		with map[string]any
	}{
		{name: "plain", status: 200},
		{name: "with a password", password: true, status: 200},
		{name: "password hash", password: true, query: "?includePasswordHash=true", status: 200,
			with: map[string]any{"passwordDigest": "digest", "passwordAlgorithm": "Argon2id"}},
		{name: "password hash of a user without one", query: "?includePasswordHash=true", status: 200,
			with: map[string]any{"passwordDigest": nil, "passwordAlgorithm": nil}},
		{name: "password hash not asked for", password: true, query: "?includePasswordHash=false", status: 200},
		{name: "SSO identities", query: "?includeSsoIdentities=true", status: 200, with: map[string]any{"ssoIdentities": []any{}}},
		{name: "both", password: true, query: "?includeSsoIdentities=true&includePasswordHash=true", status: 200,
			with: map[string]any{"ssoIdentities": []any{}, "passwordDigest": "digest", "passwordAlgorithm": "Argon2id"}},
		{name: "includePasswordHash not a boolean", password: true, query: "?includePasswordHash=maybe", status: 400, code: "guard.invalid_input"},
		{name: "includeSsoIdentities not a boolean", query: "?includeSsoIdentities=maybe", status: 400, code: "guard.invalid_input"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			mods := []func(*store.User){ann}
			if tc.password {
				mods = append(mods, e.withPassword("Secret-123"))
			}
			u := e.newUser(mods...)
			r := e.do(req{method: "GET", path: "/api/users/" + u.ID + tc.query, token: e.adminToken()})
			expect(t, r, tc.status, tc.code)
			if tc.status != 200 {
				return
			}
			want := annBody(u.ID, tc.password, tc.with)
			if want["passwordDigest"] == "digest" {
				want["passwordDigest"] = u.PasswordDigest
			}
			if diff := cmp.Diff(want, r.json(t)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("unknown user", func(t *testing.T) {
		e := newEnv(t)
		r := e.do(req{method: "GET", path: "/api/users/nosuchuser", token: e.adminToken()})
		expect(t, r, 404, "entity.not_found")
	})
}

func TestManagementAuth(t *testing.T) {
	routes := []struct{ method, path string }{
		{"POST", "/api/users"},
		{"GET", "/api/users/{id}"},
		{"GET", "/api/account-center"},
		{"PATCH", "/api/account-center"},
	}
	cases := []struct {
		name   string
		header func(e *env) string // the Authorization header; "" for none
		status int
		code   string
	}{
		{name: "no token", header: func(*env) string { return "" }, status: 401, code: "auth.authorization_header_missing"},
		{name: "not a bearer token", header: func(*env) string { return "Basic YWRtaW46YWRtaW4=" }, status: 401,
			code: "auth.authorization_token_type_not_supported"},
		{name: "invalid token", header: func(*env) string { return "Bearer not-a-token" }, status: 401, code: "auth.unauthorized"},
		{name: "expired token", header: func(e *env) string {
			tok := e.adminToken()
			e.clock.Advance(2 * time.Hour)
			return "Bearer " + tok
		}, status: 401, code: "auth.unauthorized"},
		{name: "user token without scope all", header: func(e *env) string { return "Bearer " + e.tokenFor("admin") }, status: 403,
			code: "auth.forbidden"},
	}
	for _, rt := range routes {
		for _, tc := range cases {
			t.Run(rt.method+" "+rt.path+" "+tc.name, func(t *testing.T) {
				e := newEnv(t)
				u := e.newUser()
				header := map[string]string{}
				if h := tc.header(e); h != "" {
					header["Authorization"] = h
				}
				before := mgAccountCenter(t, e)
				r := e.do(req{method: rt.method, path: strings.Replace(rt.path, "{id}", u.ID, 1), header: header,
					body: map[string]any{"username": "newbie", "enabled": false}})
				expect(t, r, tc.status, tc.code)
				if diff := cmp.Diff(before, mgAccountCenter(t, e)); diff != "" {
					t.Errorf("settings changed (-before +after):\n%s", diff)
				}
				if _, err := e.store.FindUserByUsername(context.Background(), "newbie"); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("a refused request created a user (lookup: %v)", err)
				}
				if n := mgEvents(e); n != 0 {
					t.Errorf("%d events after a refusal", n)
				}
			})
		}
	}
}

// mgAccountCenter reads the settings through GET /api/account-center.
func mgAccountCenter(t *testing.T, e *env) map[string]any {
	t.Helper()
	r := e.do(req{method: "GET", path: "/api/account-center", token: e.adminToken()})
	expect(t, r, 200, "")
	return r.json(t)
}

// mgDefaultAccountCenter is the body of GET /api/account-center for the env's
// default settings (allEditable).
func mgDefaultAccountCenter() map[string]any {
	return map[string]any{
		"tenantId": "default", "id": "default", "enabled": true,
		"fields": map[string]any{
			"name": "Edit", "avatar": "Edit", "profile": "Edit", "email": "Edit", "phone": "Edit",
			"password": "Edit", "username": "Edit", "social": "Edit", "customData": "Edit", "mfa": "Edit",
		},
		"webauthnRelatedOrigins": []any{}, "deleteAccountUrl": nil, "customCss": nil, "profileFields": nil,
	}
}

func TestManagementGetAccountCenter(t *testing.T) {
	e := newEnv(t)
	if diff := cmp.Diff(mgDefaultAccountCenter(), mgAccountCenter(t, e)); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
}

func TestManagementPatchAccountCenter(t *testing.T) {
	cases := []struct {
		name string
		// prior is PATCHed first, and must succeed.
		prior  map[string]any
		body   any
		status int
		code   string
		// want holds the members of the 200 body that differ from the
		// default settings (after prior).
		want map[string]any
		// then checks the Account API of the same env after a 200.
		then func(t *testing.T, e *env)
	}{
		{name: "fields replaced wholesale", body: map[string]any{"fields": map[string]any{"name": "Edit"}}, status: 200,
			want: map[string]any{"fields": map[string]any{"name": "Edit"}},
			then: func(t *testing.T, e *env) {
				u := e.newUser(e.withPassword("Secret-123"), withEmail("ann@example.com"))
				r := e.do(req{method: "GET", path: "/api/my-account", token: e.tokenFor(u.ID)})
				expect(t, r, 200, "")
				if v, ok := r.json(t)["primaryEmail"]; ok {
					t.Errorf("GET /api/my-account shows primaryEmail %v with the field Off", v)
				}
				id := e.verifiedCode(u, "email", "new@example.com")
				r = e.do(req{method: "POST", path: "/api/my-account/primary-email", token: e.tokenFor(u.ID),
					header: map[string]string{"Logto-Verification-Id": e.passwordProof(u, "Secret-123")},
					body:   map[string]string{"email": "new@example.com", "newIdentifierVerificationRecordId": id}})
				expect(t, r, 400, "account_center.field_not_editable")
			}},
		{name: "unknown field keys ignored", body: map[string]any{"fields": map[string]any{"name": "ReadOnly", "bogus": "Edit"}},
			status: 200, want: map[string]any{"fields": map[string]any{"name": "ReadOnly"}}},
		{name: "empty fields turn everything Off", body: map[string]any{"fields": map[string]any{}}, status: 200,
			want: map[string]any{"fields": map[string]any{}}},
		{name: "disabled", body: map[string]any{"enabled": false}, status: 200, want: map[string]any{"enabled": false},
			then: func(t *testing.T, e *env) {
				u := e.newUser()
				r := e.do(req{method: "GET", path: "/api/my-account", token: e.tokenFor(u.ID)})
				expect(t, r, 400, "account_center.not_enabled")
			}},
		{name: "enabled again", prior: map[string]any{"enabled": false}, body: map[string]any{"enabled": true}, status: 200,
			then: func(t *testing.T, e *env) {
				u := e.newUser()
				expect(t, e.do(req{method: "GET", path: "/api/my-account", token: e.tokenFor(u.ID)}), 200, "")
			}},
		{name: "related origins deduplicated",
			body:   map[string]any{"webauthnRelatedOrigins": []string{"https://a.example", "https://b.example", "https://a.example"}},
			status: 200, want: map[string]any{"webauthnRelatedOrigins": []any{"https://a.example", "https://b.example"}}},
		{name: "related origin that is no URL", body: map[string]any{"webauthnRelatedOrigins": []string{"https://a.example", "not an origin"}},
			status: 400, code: "guard.invalid_input"},
		{name: "deleteAccountUrl set", body: map[string]any{"deleteAccountUrl": "https://example.com/delete"}, status: 200,
			want: map[string]any{"deleteAccountUrl": "https://example.com/delete"}},
		{name: "empty deleteAccountUrl is null", prior: map[string]any{"deleteAccountUrl": "https://example.com/delete"},
			body: map[string]any{"deleteAccountUrl": ""}, status: 200},
		{name: "null deleteAccountUrl", prior: map[string]any{"deleteAccountUrl": "https://example.com/delete"},
			body: `{"deleteAccountUrl":null}`, status: 200},
		{name: "deleteAccountUrl not a URL", body: map[string]any{"deleteAccountUrl": "not a url"}, status: 400, code: "guard.invalid_input"},
		{name: "deleteAccountUrl not http", body: map[string]any{"deleteAccountUrl": "ftp://example.com/delete"}, status: 400,
			code: "guard.invalid_input"},
		{name: "customCss", body: map[string]any{"customCss": "body{color:red}"}, status: 200,
			want: map[string]any{"customCss": "body{color:red}"}},
		{name: "profileFields", body: map[string]any{"profileFields": []map[string]string{{"name": "name"}, {"name": "avatar"}}},
			status: 200, want: map[string]any{"profileFields": []any{map[string]any{"name": "name"}, map[string]any{"name": "avatar"}}}},
		{name: "duplicate profileFields", body: map[string]any{"profileFields": []map[string]string{{"name": "name"}, {"name": "name"}}},
			status: 400, code: "request.invalid_input"},
		{name: "invalid control", body: map[string]any{"fields": map[string]any{"name": "Maybe"}}, status: 400, code: "guard.invalid_input"},
		{name: "enabled not a boolean", body: map[string]any{"enabled": "yes"}, status: 400, code: "guard.invalid_input"},
		{name: "a refused body changes nothing", body: map[string]any{"enabled": false, "fields": map[string]any{"email": "Maybe"}},
			status: 400, code: "guard.invalid_input",
			then: func(t *testing.T, e *env) {
				u := e.newUser(withEmail("ann@example.com"))
				r := e.do(req{method: "GET", path: "/api/my-account", token: e.tokenFor(u.ID)})
				expect(t, r, 200, "")
				if got := r.json(t)["primaryEmail"]; got != "ann@example.com" {
					t.Errorf("primaryEmail = %v", got)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			if tc.prior != nil {
				expect(t, e.do(req{method: "PATCH", path: "/api/account-center", token: e.adminToken(), body: tc.prior}), 200, "")
			}
			before := mgAccountCenter(t, e)
			r := e.do(req{method: "PATCH", path: "/api/account-center", token: e.adminToken(), body: tc.body})
			expect(t, r, tc.status, tc.code)
			if tc.status != 200 {
				if diff := cmp.Diff(before, mgAccountCenter(t, e)); diff != "" {
					t.Errorf("settings changed by a refusal (-before +after):\n%s", diff)
				}
			} else {
				want := mgDefaultAccountCenter()
				maps.Copy(want, tc.want)
				if diff := cmp.Diff(want, r.json(t)); diff != "" {
					t.Errorf("body (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(want, mgAccountCenter(t, e)); diff != "" {
					t.Errorf("GET after PATCH (-want +got):\n%s", diff)
				}
			}
			if tc.then != nil {
				tc.then(t, e)
			}
		})
	}
}
