package httpadapter_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/store/sqlite"
)

// The tests in this file cover GET /api/my-account, PATCH /api/my-account and
// PATCH /api/my-account/profile (docs/compatibility.md, "What GET
// /api/my-account shows", "Profile, username and password rules" and "Order of
// checks").

const pfPassword = "Secret-123"

// pfAllScopes are every scope the profile routes read.
var pfAllScopes = []string{"openid", "profile", "email", "phone", "address", "custom_data", "identities"}

// pfFields returns settings with every field Edit, changed by mod.
func pfFields(mod func(f *store.AccountCenterFields)) store.AccountCenter {
	ac := allEditable()
	if mod != nil {
		mod(&ac.Fields)
	}
	return ac
}

// pfToken mints a token for sub with scopes and, unless clientID is "", a
// client_id.
func pfToken(e *env, sub, clientID string, scopes ...string) string {
	claims := map[string]any{"sub": sub, "scope": strings.Join(scopes, " ")}
	if clientID != "" {
		claims["client_id"] = clientID
	}
	return mint(e.t, testSecret, e.clock.Now(), claims)
}

// pfThirdParty treats the client "third-party-app" as third-party.
func pfThirdParty() envOption {
	return withFirstParty(func(_ context.Context, clientID string) (bool, error) {
		return clientID != "third-party-app", nil
	})
}

// pfDecode decodes a JSON object keeping numbers as json.Number, so that
// timestamps compare exactly.
func pfDecode(t *testing.T, body []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, body)
	}
	return m
}

func pfKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func pfMillis(t time.Time) json.Number { return json.Number(strconv.FormatInt(t.UnixMilli(), 10)) }

func pfStr(s string) *string { return &s }

// pfRefused checks that r is the error (status, code) and that nothing
// changed: the user is stored as before and no User.Data.Updated event was
// emitted.
func pfRefused(t *testing.T, e *env, before *store.User, r response, status int, code string) {
	t.Helper()
	mwErrorBody(t, r, status, code)
	mwUnchanged(t, e, before)
}

// pfUpdated checks that exactly one User.Data.Updated event was emitted, for
// the user as now stored.
func pfUpdated(t *testing.T, e *env, u *store.User) {
	t.Helper()
	evs := e.events.named(event.UserDataUpdated)
	if len(evs) != 1 {
		t.Fatalf("%d User.Data.Updated events, want 1", len(evs))
	}
	if evs[0].UserID != u.ID {
		t.Errorf("event user = %q, want %q", evs[0].UserID, u.ID)
	}
	if diff := cmp.Diff(account.Snapshot(e.reload(u)), evs[0].Data); diff != "" {
		t.Errorf("event data (-stored +event):\n%s", diff)
	}
}

// pfCodeRecord asks for a code to email with templateType ("" for none) and,
// if verify, verifies it; it returns the record id.
func pfCodeRecord(e *env, u *store.User, email, templateType string, verify bool) string {
	e.t.Helper()
	body := map[string]any{"identifier": map[string]string{"type": "email", "value": email}}
	if templateType != "" {
		body["templateType"] = templateType
	}
	r := e.do(req{method: "POST", path: "/api/verifications/verification-code", token: e.tokenFor(u.ID), body: body})
	expect(e.t, r, 201, "")
	id := r.json(e.t)["verificationRecordId"].(string)
	if verify {
		code := e.outbox.last(e.t, email).Code
		r = e.do(req{method: "POST", path: "/api/verifications/verification-code/verify", token: e.tokenFor(u.ID),
			body: map[string]any{"identifier": map[string]string{"type": "email", "value": email}, "verificationId": id, "code": code}})
		expect(e.t, r, 200, "")
	}
	return id
}

// pfLink links a social identity to a stored user.
func pfLink(e *env, u *store.User, target string, id store.Identity) {
	e.t.Helper()
	if err := e.store.AddIdentity(context.Background(), u.ID, target, id); err != nil {
		e.t.Fatal(err)
	}
}

// pfFullUser stores a user with every member GET can show.
func pfFullUser(e *env) *store.User {
	u := e.newUser(e.withPassword(pfPassword), withEmail("ann@example.com"), withPhone("15551234567"), func(u *store.User) {
		u.Profile = store.Profile{Nickname: pfStr("Nick"), Address: &store.Address{Country: pfStr("NL")}}
		u.CustomData = map[string]any{"plan": "pro"}
	})
	pfLink(e, u, "github", store.Identity{UserID: "gh-1", Details: map[string]any{"login": "ann"}})
	return u
}

func TestGetMyAccountMembers(t *testing.T) {
	always := []string{"id", "hasSecurityVerificationMethod"}
	// profileMembers are what the profile scope shows.
	profileMembers := []string{"name", "avatar", "username", "profile", "lastSignInAt", "createdAt", "updatedAt",
		"applicationId", "cimdClientId", "isSuspended", "hasPassword"}
	// unfiltered are the profile-scope members no field control hides.
	unfiltered := []string{"lastSignInAt", "createdAt", "updatedAt", "applicationId", "cimdClientId", "isSuspended"}
	every := slices.Concat(always, profileMembers, []string{"primaryEmail", "primaryPhone", "customData", "identities"})
	without := func(list []string, drop string) []string {
		return slices.DeleteFunc(slices.Clone(list), func(s string) bool { return s == drop })
	}
	allControls := func(c store.Control) func(*store.AccountCenterFields) {
		return func(f *store.AccountCenterFields) {
			*f = store.AccountCenterFields{Name: c, Avatar: c, Profile: c, Email: c, Phone: c, Password: c,
				Username: c, Social: c, CustomData: c, MFA: c}
		}
	}

	type testCase struct {
		name   string
		scopes []string
		fields func(*store.AccountCenterFields)
		want   []string
	}
	tests := []testCase{
		{name: "openid only", scopes: []string{"openid"}, want: always},
		{name: "profile", scopes: []string{"openid", "profile"}, want: slices.Concat(always, profileMembers)},
		{name: "email", scopes: []string{"openid", "email"}, want: slices.Concat(always, []string{"primaryEmail"})},
		{name: "phone", scopes: []string{"openid", "phone"}, want: slices.Concat(always, []string{"primaryPhone"})},
		{name: "custom_data", scopes: []string{"openid", "custom_data"}, want: slices.Concat(always, []string{"customData"})},
		{name: "identities", scopes: []string{"openid", "identities"}, want: slices.Concat(always, []string{"identities"})},
		{name: "address alone shows nothing", scopes: []string{"openid", "address"}, want: always},
		{name: "every scope, every field Edit", scopes: pfAllScopes, want: every},
		{name: "every scope, every field ReadOnly", scopes: pfAllScopes, fields: allControls(store.ControlReadOnly), want: every},
		{name: "every scope, every field Off", scopes: pfAllScopes, fields: allControls(store.ControlOff), want: slices.Concat(always, unfiltered)},
		{name: "every scope, no field configured", scopes: pfAllScopes, fields: allControls(""), want: slices.Concat(always, unfiltered)},
		{
			name: "a readable field without its scope stays hidden", scopes: []string{"openid", "profile"},
			fields: allControls(store.ControlReadOnly), want: slices.Concat(always, profileMembers),
		},
	}
	// Each control hides its member when Off and shows it when ReadOnly.
	for _, fc := range []struct {
		field  string
		member string
		set    func(*store.AccountCenterFields, store.Control)
	}{
		{"name", "name", func(f *store.AccountCenterFields, c store.Control) { f.Name = c }},
		{"avatar", "avatar", func(f *store.AccountCenterFields, c store.Control) { f.Avatar = c }},
		{"username", "username", func(f *store.AccountCenterFields, c store.Control) { f.Username = c }},
		{"email", "primaryEmail", func(f *store.AccountCenterFields, c store.Control) { f.Email = c }},
		{"phone", "primaryPhone", func(f *store.AccountCenterFields, c store.Control) { f.Phone = c }},
		{"profile", "profile", func(f *store.AccountCenterFields, c store.Control) { f.Profile = c }},
		{"customData", "customData", func(f *store.AccountCenterFields, c store.Control) { f.CustomData = c }},
		{"social", "identities", func(f *store.AccountCenterFields, c store.Control) { f.Social = c }},
		{"password", "hasPassword", func(f *store.AccountCenterFields, c store.Control) { f.Password = c }},
	} {
		tests = append(tests,
			testCase{
				name: fc.field + " Off", scopes: pfAllScopes,
				fields: func(f *store.AccountCenterFields) { fc.set(f, store.ControlOff) },
				want:   without(every, fc.member),
			},
			testCase{
				name: fc.field + " ReadOnly", scopes: pfAllScopes,
				fields: func(f *store.AccountCenterFields) { fc.set(f, store.ControlReadOnly) },
				want:   every,
			},
		)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withAccountCenter(pfFields(tt.fields)))
			u := pfFullUser(e)
			r := e.do(req{method: "GET", path: "/api/my-account", token: e.token(u.ID, tt.scopes...)})
			expect(t, r, 200, "")
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if diff := cmp.Diff(want, pfKeys(r.json(t))); diff != "" {
				t.Errorf("members (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGetMyAccountValues(t *testing.T) {
	lastSignIn := time.Date(2026, 3, 1, 8, 30, 15, 0, time.UTC)
	tests := []struct {
		name   string
		scopes []string
		mod    func(*store.User)
		want   func(u *store.User) map[string]any
	}{
		{
			name:   "every scope",
			scopes: pfAllScopes,
			want: func(u *store.User) map[string]any {
				return map[string]any{
					"id": u.ID, "username": u.Username, "primaryEmail": "ann@example.com", "primaryPhone": "15551234567",
					"name": nil, "avatar": nil,
					"profile":      map[string]any{"nickname": "Nick", "address": map[string]any{"country": "NL"}},
					"customData":   map[string]any{"plan": "pro"},
					"identities":   map[string]any{"github": map[string]any{"userId": "gh-1", "details": map[string]any{"login": "ann"}}},
					"lastSignInAt": nil, "createdAt": pfMillis(u.CreatedAt), "updatedAt": pfMillis(u.UpdatedAt),
					"applicationId": nil, "cimdClientId": nil, "isSuspended": false, "hasPassword": true,
					"hasSecurityVerificationMethod": true,
				}
			},
		},
		{
			name:   "profile without the address scope",
			scopes: []string{"openid", "profile"},
			mod: func(u *store.User) {
				u.Name, u.Avatar = pfStr("Ann"), pfStr("https://example.com/ann.png")
				u.LastSignInAt = lastSignIn
				u.ApplicationID = "app-1"
				// Not suspended: the Account API refuses a suspended
				// user's tokens (401 user.suspended).
			},
			want: func(u *store.User) map[string]any {
				return map[string]any{
					"id": u.ID, "username": u.Username, "name": "Ann", "avatar": "https://example.com/ann.png",
					"profile":      map[string]any{"nickname": "Nick"},
					"lastSignInAt": pfMillis(lastSignIn), "createdAt": pfMillis(u.CreatedAt), "updatedAt": pfMillis(u.UpdatedAt),
					"applicationId": "app-1", "cimdClientId": nil, "isSuspended": false, "hasPassword": true,
					"hasSecurityVerificationMethod": true,
				}
			},
		},
		{
			name:   "unset identifiers are null",
			scopes: pfAllScopes,
			mod: func(u *store.User) {
				u.Username, u.PrimaryEmail, u.PrimaryPhone, u.PasswordDigest, u.PasswordAlgorithm = "", "", "", "", ""
				u.Profile = store.Profile{}
				u.CustomData = nil
			},
			want: func(u *store.User) map[string]any {
				return map[string]any{
					"id": u.ID, "username": nil, "primaryEmail": nil, "primaryPhone": nil, "name": nil, "avatar": nil,
					"profile": map[string]any{}, "customData": map[string]any{},
					"identities":   map[string]any{"github": map[string]any{"userId": "gh-1", "details": map[string]any{"login": "ann"}}},
					"lastSignInAt": nil, "createdAt": pfMillis(u.CreatedAt), "updatedAt": pfMillis(u.UpdatedAt),
					"applicationId": nil, "cimdClientId": nil, "isSuspended": false, "hasPassword": false,
					"hasSecurityVerificationMethod": false,
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			mods := []func(*store.User){e.withPassword(pfPassword), withEmail("ann@example.com"), withPhone("15551234567"),
				func(u *store.User) {
					u.Profile = store.Profile{Nickname: pfStr("Nick"), Address: &store.Address{Country: pfStr("NL")}}
					u.CustomData = map[string]any{"plan": "pro"}
					u.CreatedAt = e.clock.Now().Add(-48 * time.Hour)
				}}
			if tt.mod != nil {
				mods = append(mods, tt.mod)
			}
			u := e.newUser(mods...)
			pfLink(e, u, "github", store.Identity{UserID: "gh-1", Details: map[string]any{"login": "ann"}})
			u = e.reload(u)
			r := e.do(req{method: "GET", path: "/api/my-account", token: e.token(u.ID, tt.scopes...)})
			expect(t, r, 200, "")
			if diff := cmp.Diff(tt.want(u), pfDecode(t, r.body)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGetMyAccountSecurityVerificationMethod(t *testing.T) {
	tests := []struct {
		name string
		mods func(e *env) []func(*store.User)
		link bool
		want bool
	}{
		{name: "username only", mods: func(*env) []func(*store.User) { return nil }, want: false},
		{name: "password", mods: func(e *env) []func(*store.User) { return []func(*store.User){e.withPassword(pfPassword)} }, want: true},
		{name: "primary email", mods: func(*env) []func(*store.User) { return []func(*store.User){withEmail("ann@example.com")} }, want: true},
		{name: "primary phone", mods: func(*env) []func(*store.User) { return []func(*store.User){withPhone("15551234567")} }, want: true},
		{name: "social identity only", mods: func(*env) []func(*store.User) { return []func(*store.User){withoutUsername()} }, link: true, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			u := e.newUser(tt.mods(e)...)
			if tt.link {
				pfLink(e, u, "github", store.Identity{UserID: "gh-1"})
			}
			r := e.do(req{method: "GET", path: "/api/my-account", token: e.token(u.ID, "openid")})
			expect(t, r, 200, "")
			want := map[string]any{"id": u.ID, "hasSecurityVerificationMethod": tt.want}
			if diff := cmp.Diff(want, r.json(t)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPatchAccountFieldControl(t *testing.T) {
	tests := []struct {
		name   string
		fields func(*store.AccountCenterFields)
		body   map[string]any
		status int
		code   string
	}{
		{
			name: "name Off", fields: func(f *store.AccountCenterFields) { f.Name = store.ControlOff },
			body: map[string]any{"name": "Ann"}, status: 400, code: "account_center.field_not_editable",
		},
		{
			name: "name ReadOnly", fields: func(f *store.AccountCenterFields) { f.Name = store.ControlReadOnly },
			body: map[string]any{"name": "Ann"}, status: 400, code: "account_center.field_not_editable",
		},
		{
			name: "name not configured", fields: func(f *store.AccountCenterFields) { f.Name = "" },
			body: map[string]any{"name": "Ann"}, status: 400, code: "account_center.field_not_editable",
		},
		{
			name: "null name is a sent name", fields: func(f *store.AccountCenterFields) { f.Name = store.ControlReadOnly },
			body: map[string]any{"name": nil}, status: 400, code: "account_center.field_not_editable",
		},
		{
			name: "avatar ReadOnly", fields: func(f *store.AccountCenterFields) { f.Avatar = store.ControlReadOnly },
			body: map[string]any{"avatar": "https://example.com/a.png"}, status: 400, code: "account_center.field_not_editable",
		},
		{
			name: "username ReadOnly", fields: func(f *store.AccountCenterFields) { f.Username = store.ControlReadOnly },
			body: map[string]any{"username": "new_name"}, status: 400, code: "account_center.field_not_editable",
		},
		{
			name: "customData Off", fields: func(f *store.AccountCenterFields) { f.CustomData = store.ControlOff },
			body: map[string]any{"customData": map[string]any{"a": 1}}, status: 400, code: "account_center.field_not_editable",
		},
		{
			name: "one refused key refuses the request", fields: func(f *store.AccountCenterFields) { f.Avatar = store.ControlOff },
			body: map[string]any{"name": "Ann", "avatar": "https://example.com/a.png"}, status: 400, code: "account_center.field_not_editable",
		},
		{
			name: "the control of an unsent key does not matter",
			fields: func(f *store.AccountCenterFields) {
				*f = store.AccountCenterFields{Name: store.ControlEdit}
			},
			body: map[string]any{"name": "Ann"}, status: 200,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withAccountCenter(pfFields(tt.fields)))
			u := e.newUser(e.withPassword(pfPassword))
			before := e.reload(u)
			proof := e.passwordProof(u, pfPassword)
			r := e.do(req{method: "PATCH", path: "/api/my-account", token: e.tokenFor(u.ID), body: tt.body,
				header: map[string]string{"Logto-Verification-Id": proof}})
			if tt.status != 200 {
				pfRefused(t, e, before, r, tt.status, tt.code)
				return
			}
			expect(t, r, 200, "")
			pfUpdated(t, e, u)
		})
	}
}

// TestPatchAccountOrder proves the order of PATCH /api/my-account's checks
// (docs/compatibility.md, "Order of checks"): each request fails two checks
// and must get the earlier one's error.
func TestPatchAccountOrder(t *testing.T) {
	long := strings.Repeat("n", 129)
	tests := []struct {
		name   string
		opts   []envOption
		scopes []string // every scope when nil
		client string
		proof  bool
		only   bool // the user has a username and nothing else
		other  string
		body   map[string]any
		status int
		code   string
	}{
		{
			name: "body guard before field control",
			opts: []envOption{withAccountCenter(pfFields(func(f *store.AccountCenterFields) { f.Avatar = store.ControlOff }))},
			body: map[string]any{"avatar": "not a url"}, status: 400, code: "guard.invalid_input",
		},
		{
			name: "username format before field control",
			opts: []envOption{withAccountCenter(pfFields(func(f *store.AccountCenterFields) { f.Username = store.ControlReadOnly }))},
			body: map[string]any{"username": "1abc"}, status: 400, code: "guard.invalid_input",
		},
		{
			name:   "field control before profile scope",
			opts:   []envOption{withAccountCenter(pfFields(func(f *store.AccountCenterFields) { f.Name = store.ControlReadOnly }))},
			scopes: []string{"openid"},
			body:   map[string]any{"name": "Ann"}, status: 400, code: "account_center.field_not_editable",
		},
		{
			name:   "field control before custom_data scope",
			opts:   []envOption{withAccountCenter(pfFields(func(f *store.AccountCenterFields) { f.CustomData = store.ControlOff }))},
			scopes: []string{"openid", "profile"},
			body:   map[string]any{"customData": map[string]any{"a": 1}}, status: 400, code: "account_center.field_not_editable",
		},
		{
			name: "profile scope before first party", opts: []envOption{pfThirdParty()}, client: "third-party-app",
			scopes: []string{"openid", "custom_data"},
			body:   map[string]any{"name": "Ann"}, status: 400, code: "auth.unauthorized",
		},
		{
			name: "custom_data scope before first party", opts: []envOption{pfThirdParty()}, client: "third-party-app",
			scopes: []string{"openid", "profile"},
			body:   map[string]any{"customData": map[string]any{"a": 1}}, status: 400, code: "auth.unauthorized",
		},
		{
			name: "profile scope before the empty-update check", scopes: []string{"openid"},
			body: map[string]any{}, status: 400, code: "auth.unauthorized",
		},
		{
			name: "first party before the empty-update check", opts: []envOption{pfThirdParty()}, client: "third-party-app",
			body: map[string]any{}, status: 403, code: "auth.third_party_application_forbidden",
		},
		{
			name: "first party before identity proof", opts: []envOption{pfThirdParty()}, client: "third-party-app",
			body: map[string]any{"username": "new_name"}, status: 403, code: "auth.third_party_application_forbidden",
		},
		{
			name: "identity proof before the last-identifier check", only: true,
			body: map[string]any{"username": nil}, status: 401, code: "verification_record.permission_denied",
		},
		{
			name: "identity proof before username policy",
			opts: []envOption{withPolicies(func(p *account.Policies) { p.Username.DisallowUppercase = true })},
			body: map[string]any{"username": "Upper"}, status: 401, code: "verification_record.permission_denied",
		},
		{
			name: "identity proof before uniqueness", other: "taken_name",
			body: map[string]any{"username": "taken_name"}, status: 401, code: "verification_record.permission_denied",
		},
		{
			name: "identity proof before value lengths",
			body: map[string]any{"username": "new_name", "name": long}, status: 401, code: "verification_record.permission_denied",
		},
		{
			name: "username policy before uniqueness", other: "Taken", proof: true,
			opts: []envOption{withPolicies(func(p *account.Policies) { p.Username.DisallowUppercase = true })},
			body: map[string]any{"username": "Taken"}, status: 422, code: "user.username_uppercase_not_allowed",
		},
		{
			name: "username policy before value lengths", proof: true,
			opts: []envOption{withPolicies(func(p *account.Policies) { p.Username.DisallowUppercase = true })},
			body: map[string]any{"username": "Upper", "name": long}, status: 422, code: "user.username_uppercase_not_allowed",
		},
		{
			name: "uniqueness before value lengths", other: "taken_name", proof: true,
			body: map[string]any{"username": "taken_name", "name": long}, status: 422, code: "user.username_already_in_use",
		},
		{
			name: "last-identifier check before value lengths", only: true, proof: true,
			body: map[string]any{"username": nil, "name": long}, status: 400, code: "user.last_sign_in_method_required",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opts...)
			mods := []func(*store.User){e.withPassword(pfPassword)}
			if !tt.only {
				mods = append(mods, withEmail("ann@example.com"))
			}
			u := e.newUser(mods...)
			if tt.other != "" {
				e.newUser(func(o *store.User) { o.Username = tt.other })
			}
			h := map[string]string{}
			if tt.proof {
				h["Logto-Verification-Id"] = e.passwordProof(u, pfPassword)
			}
			before := e.reload(u)
			scopes := tt.scopes
			if scopes == nil {
				scopes = pfAllScopes
			}
			r := e.do(req{method: "PATCH", path: "/api/my-account", token: pfToken(e, u.ID, tt.client, scopes...), body: tt.body, header: h})
			pfRefused(t, e, before, r, tt.status, tt.code)
		})
	}
}

func TestPatchAccountScopes(t *testing.T) {
	tests := []struct {
		name   string
		scopes []string
		body   map[string]any
		status int
		code   string
	}{
		{name: "no profile scope", scopes: []string{"openid"}, body: map[string]any{"name": "Ann"}, status: 400, code: "auth.unauthorized"},
		{
			name: "no profile scope with custom_data", scopes: []string{"openid", "custom_data"},
			body: map[string]any{"customData": map[string]any{"a": "b"}}, status: 400, code: "auth.unauthorized",
		},
		{
			name: "customData without custom_data scope", scopes: []string{"openid", "profile"},
			body: map[string]any{"customData": map[string]any{"a": "b"}}, status: 400, code: "auth.unauthorized",
		},
		{
			name: "customData with custom_data scope", scopes: []string{"openid", "profile", "custom_data"},
			body: map[string]any{"customData": map[string]any{"a": "b"}}, status: 200,
		},
		{name: "name needs only profile", scopes: []string{"openid", "profile"}, body: map[string]any{"name": "Ann"}, status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			u := e.newUser()
			before := e.reload(u)
			r := e.do(req{method: "PATCH", path: "/api/my-account", token: e.token(u.ID, tt.scopes...), body: tt.body})
			if tt.status != 200 {
				pfRefused(t, e, before, r, tt.status, tt.code)
				return
			}
			expect(t, r, 200, "")
			pfUpdated(t, e, u)
		})
	}
}

func TestPatchAccountIdentityProof(t *testing.T) {
	tests := []struct {
		name  string
		proof func(e *env, u *store.User) string // the Logto-Verification-Id header, "" for none
		ok    bool
	}{
		{name: "no proof", proof: func(*env, *store.User) string { return "" }},
		{name: "unknown record", proof: func(*env, *store.User) string { return "no-such-record" }},
		{name: "password proof", proof: func(e *env, u *store.User) string { return e.passwordProof(u, pfPassword) }, ok: true},
		{
			name: "verified code to the own email",
			proof: func(e *env, u *store.User) string {
				return pfCodeRecord(e, u, "ann@example.com", "UserPermissionValidation", true)
			},
			ok: true,
		},
		{
			name: "verified code to the own email, default template",
			proof: func(e *env, u *store.User) string {
				return pfCodeRecord(e, u, "ann@example.com", "", true)
			},
			ok: true,
		},
		{
			name: "password proof of another user",
			proof: func(e *env, _ *store.User) string {
				other := e.newUser(e.withPassword("Other-123"))
				return e.passwordProof(other, "Other-123")
			},
		},
		{
			name: "expired password proof",
			proof: func(e *env, u *store.User) string {
				id := e.passwordProof(u, pfPassword)
				e.clock.Advance(11 * time.Minute)
				return id
			},
		},
		{
			name: "verified BindMfa code to the own email",
			proof: func(e *env, u *store.User) string {
				return pfCodeRecord(e, u, "ann@example.com", "BindMfa", true)
			},
		},
		{
			name: "unverified code to the own email",
			proof: func(e *env, u *store.User) string {
				return pfCodeRecord(e, u, "ann@example.com", "UserPermissionValidation", false)
			},
		},
		{
			name: "verified code to a new address",
			proof: func(e *env, u *store.User) string {
				return pfCodeRecord(e, u, "new@example.com", "UserPermissionValidation", true)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			u := e.newUser(e.withPassword(pfPassword), withEmail("ann@example.com"))
			h := map[string]string{}
			if p := tt.proof(e, u); p != "" {
				h["Logto-Verification-Id"] = p
			}
			before := e.reload(u)
			r := e.do(req{method: "PATCH", path: "/api/my-account", token: e.tokenFor(u.ID),
				body: map[string]any{"username": "new_name"}, header: h})
			if !tt.ok {
				pfRefused(t, e, before, r, 401, "verification_record.permission_denied")
				return
			}
			expect(t, r, 200, "")
			if got := e.reload(u).Username; got != "new_name" {
				t.Errorf("username = %q, want new_name", got)
			}
			pfUpdated(t, e, u)
		})
	}
}

func TestPatchAccountUsername(t *testing.T) {
	ciStore := func(t *testing.T) envOption {
		st, err := sqlite.Open(filepath.Join(t.TempDir(), "ci.db"), sqlite.WithCaseInsensitiveUsernames())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if err := st.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return withStore(st)
	}
	policy := func(up account.UsernamePolicy) envOption {
		return withPolicies(func(p *account.Policies) { p.Username = up })
	}
	tests := []struct {
		name     string
		opts     func(t *testing.T) []envOption
		mods     []func(*store.User) // besides a password
		link     bool                // link a social identity
		other    string              // another user's username
		username any
		status   int
		code     string
		want     string // the stored username on success
	}{
		{name: "sets a username", username: "new_name", status: 200, want: "new_name"},
		{name: "keeps the own username", mods: []func(*store.User){func(u *store.User) { u.Username = "ann" }}, username: "ann", status: 200, want: "ann"},
		{name: "128 characters", username: "a" + strings.Repeat("b", 127), status: 200, want: "a" + strings.Repeat("b", 127)},
		{name: "clears it while an email remains", mods: []func(*store.User){withEmail("ann@example.com")}, username: nil, status: 200, want: ""},
		{name: "clears it while a phone remains", mods: []func(*store.User){withPhone("15551234567")}, username: nil, status: 200, want: ""},
		{name: "clears it while a social identity remains", link: true, username: nil, status: 200, want: ""},
		{name: "refuses clearing the last identifier", username: nil, status: 400, code: "user.last_sign_in_method_required"},
		{name: "taken", other: "taken_name", username: "taken_name", status: 422, code: "user.username_already_in_use"},
		{name: "taken in another case, case-sensitive", other: "taken_name", username: "Taken_Name", status: 200, want: "Taken_Name"},
		{
			name: "taken in another case, case-insensitive", other: "taken_name", username: "Taken_Name",
			opts: func(t *testing.T) []envOption {
				return []envOption{ciStore(t), policy(account.UsernamePolicy{CaseInsensitive: true})}
			},
			status: 422, code: "user.username_already_in_use",
		},
		{name: "empty", username: "", status: 400, code: "guard.invalid_input"},
		{name: "starts with a digit", username: "1abc", status: 400, code: "guard.invalid_input"},
		{name: "hyphen", username: "a-b", status: 400, code: "guard.invalid_input"},
		{name: "space", username: "a b", status: 400, code: "guard.invalid_input"},
		{name: "non-ASCII letter", username: "café", status: 400, code: "guard.invalid_input"},
		{name: "129 characters", username: "a" + strings.Repeat("b", 128), status: 422, code: "user.username_too_long"},
		{
			name: "policy: too short", username: "abc", status: 422, code: "user.username_too_short",
			opts: func(*testing.T) []envOption { return []envOption{policy(account.UsernamePolicy{MinLength: 4})} },
		},
		{
			name: "policy: too long", username: "abcdef", status: 422, code: "user.username_too_long",
			opts: func(*testing.T) []envOption { return []envOption{policy(account.UsernamePolicy{MaxLength: 5})} },
		},
		{
			name: "policy: uppercase", username: "abC", status: 422, code: "user.username_uppercase_not_allowed",
			opts: func(*testing.T) []envOption {
				return []envOption{policy(account.UsernamePolicy{DisallowUppercase: true})}
			},
		},
		{
			name: "policy: lowercase", username: "ABc", status: 422, code: "user.username_lowercase_not_allowed",
			opts: func(*testing.T) []envOption {
				return []envOption{policy(account.UsernamePolicy{DisallowLowercase: true})}
			},
		},
		{
			name: "policy: numbers", username: "a1", status: 422, code: "user.username_numbers_not_allowed",
			opts: func(*testing.T) []envOption {
				return []envOption{policy(account.UsernamePolicy{DisallowNumbers: true})}
			},
		},
		{
			name: "policy: underscore", username: "a_b", status: 422, code: "user.username_underscore_not_allowed",
			opts: func(*testing.T) []envOption {
				return []envOption{policy(account.UsernamePolicy{DisallowUnderscore: true})}
			},
		},
		{
			name: "policy: length before character classes", username: "Ab", status: 422, code: "user.username_too_short",
			opts: func(*testing.T) []envOption {
				return []envOption{policy(account.UsernamePolicy{MinLength: 3, DisallowUppercase: true})}
			},
		},
		{
			name: "policy: a satisfied policy", username: "ABC", status: 200, want: "ABC",
			opts: func(*testing.T) []envOption {
				return []envOption{policy(account.UsernamePolicy{MinLength: 3, MaxLength: 3, DisallowLowercase: true, DisallowNumbers: true, DisallowUnderscore: true})}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []envOption
			if tt.opts != nil {
				opts = tt.opts(t)
			}
			e := newEnv(t, opts...)
			u := e.newUser(append([]func(*store.User){e.withPassword(pfPassword)}, tt.mods...)...)
			if tt.link {
				pfLink(e, u, "github", store.Identity{UserID: "gh-1"})
			}
			if tt.other != "" {
				e.newUser(func(o *store.User) { o.Username = tt.other })
			}
			proof := e.passwordProof(u, pfPassword)
			before := e.reload(u)
			e.clock.Advance(time.Minute)
			r := e.do(req{method: "PATCH", path: "/api/my-account", token: e.tokenFor(u.ID),
				body: map[string]any{"username": tt.username}, header: map[string]string{"Logto-Verification-Id": proof}})
			if tt.status != 200 {
				pfRefused(t, e, before, r, tt.status, tt.code)
				return
			}
			expect(t, r, 200, "")
			want := *before
			want.Username = tt.want
			want.UpdatedAt = e.clock.Now()
			if diff := cmp.Diff(&want, e.reload(u)); diff != "" {
				t.Errorf("stored user (-want +got):\n%s", diff)
			}
			var wantBody any = tt.want
			if tt.want == "" {
				wantBody = nil
			}
			if got := r.json(t)["username"]; got != wantBody {
				t.Errorf("response username = %v, want %v", got, wantBody)
			}
			pfUpdated(t, e, u)
		})
	}
}

func TestPatchAccountValues(t *testing.T) {
	tests := []struct {
		name   string
		body   map[string]any
		status int
		code   string
		want   func(u *store.User) // the stored change on success
	}{
		{name: "empty body", body: map[string]any{}, status: 422, code: "entity.invalid_input"},
		{name: "name of 129 characters", body: map[string]any{"name": strings.Repeat("n", 129)}, status: 422, code: "entity.value_too_long"},
		{
			name: "name of 128 multi-byte characters", body: map[string]any{"name": strings.Repeat("é", 128)}, status: 200,
			want: func(u *store.User) { u.Name = pfStr(strings.Repeat("é", 128)) },
		},
		{name: "empty name", body: map[string]any{"name": ""}, status: 200, want: func(u *store.User) { u.Name = pfStr("") }},
		{name: "avatar not a URL", body: map[string]any{"avatar": "not a url"}, status: 400, code: "guard.invalid_input"},
		{name: "avatar relative path", body: map[string]any{"avatar": "/ann.png"}, status: 400, code: "guard.invalid_input"},
		{name: "empty avatar", body: map[string]any{"avatar": ""}, status: 400, code: "guard.invalid_input"},
		{
			name: "avatar of 2049 characters", body: map[string]any{"avatar": "https://example.com/" + strings.Repeat("a", 2049-20)},
			status: 422, code: "entity.value_too_long",
		},
		{
			name: "avatar URL", body: map[string]any{"avatar": "https://example.com/ann.png"}, status: 200,
			want: func(u *store.User) { u.Avatar = pfStr("https://example.com/ann.png") },
		},
		{
			name: "null clears name and avatar", body: map[string]any{"name": nil, "avatar": nil}, status: 200,
			want: func(u *store.User) { u.Name, u.Avatar = nil, nil },
		},
		{
			name: "customData is replaced wholesale", body: map[string]any{"customData": map[string]any{"prefs": map[string]any{"lang": "nl"}}},
			status: 200, want: func(u *store.User) { u.CustomData = map[string]any{"prefs": map[string]any{"lang": "nl"}} },
		},
		{
			name: "empty customData clears it", body: map[string]any{"customData": map[string]any{}},
			status: 200, want: func(u *store.User) { u.CustomData = map[string]any{} },
		},
		// Member names match exactly, as in Logto's guards: encoding/json
		// alone would take "Name" for name.
		{name: "member names differing in case are unknown", body: map[string]any{"Name": "Bob", "AVATAR": "x"}, status: 422, code: "entity.invalid_input"},
		{
			name: "a case variant beside the member is ignored", body: map[string]any{"name": "Bob", "NAME": "Eve"},
			status: 200, want: func(u *store.User) { u.Name = pfStr("Bob") },
		},
		{
			name: "keys not sent are untouched", body: map[string]any{"name": "Bob"},
			status: 200, want: func(u *store.User) { u.Name = pfStr("Bob") },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			u := e.newUser(withEmail("ann@example.com"), func(u *store.User) {
				u.Name, u.Avatar = pfStr("Ann"), pfStr("https://example.com/old.png")
				u.Profile = store.Profile{Nickname: pfStr("Nick")}
				u.CustomData = map[string]any{"plan": "pro", "prefs": map[string]any{"theme": "dark"}}
			})
			before := e.reload(u)
			e.clock.Advance(time.Minute)
			r := e.do(req{method: "PATCH", path: "/api/my-account", token: e.tokenFor(u.ID), body: tt.body})
			if tt.status != 200 {
				pfRefused(t, e, before, r, tt.status, tt.code)
				return
			}
			expect(t, r, 200, "")
			want := *before
			tt.want(&want)
			want.UpdatedAt = e.clock.Now()
			// A store may keep an empty customData as nil (store.User).
			if diff := cmp.Diff(&want, e.reload(u), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("stored user (-want +got):\n%s", diff)
			}
			pfUpdated(t, e, u)
		})
	}
}

// TestPatchAccountResponse checks that PATCH answers what GET then shows,
// with the same scope and field filters.
func TestPatchAccountResponse(t *testing.T) {
	tests := []struct {
		name   string
		scopes []string
		fields func(*store.AccountCenterFields)
		body   map[string]any
	}{
		{name: "every scope", scopes: pfAllScopes, body: map[string]any{"name": "Bob", "customData": map[string]any{"a": 1}}},
		{name: "profile only", scopes: []string{"openid", "profile"}, body: map[string]any{"name": "Bob"}},
		{
			name: "hidden fields stay hidden", scopes: pfAllScopes,
			fields: func(f *store.AccountCenterFields) {
				f.Email, f.Password, f.Profile = store.ControlOff, store.ControlOff, store.ControlOff
			},
			body: map[string]any{"avatar": "https://example.com/b.png"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withAccountCenter(pfFields(tt.fields)))
			u := pfFullUser(e)
			tok := e.token(u.ID, tt.scopes...)
			e.clock.Advance(time.Minute)
			patched := e.do(req{method: "PATCH", path: "/api/my-account", token: tok, body: tt.body})
			expect(t, patched, 200, "")
			got := e.do(req{method: "GET", path: "/api/my-account", token: tok})
			expect(t, got, 200, "")
			if diff := cmp.Diff(pfDecode(t, got.body), pfDecode(t, patched.body)); diff != "" {
				t.Errorf("PATCH body (-GET +PATCH):\n%s", diff)
			}
			if got, want := pfDecode(t, patched.body)["updatedAt"], pfMillis(e.clock.Now()); got != want {
				t.Errorf("updatedAt = %v, want %v", got, want)
			}
		})
	}
}

func TestPatchProfileChecks(t *testing.T) {
	tests := []struct {
		name   string
		opts   []envOption
		scopes []string // every scope when nil
		client string
		body   any
		status int
		code   string
	}{
		{
			name: "profile ReadOnly",
			opts: []envOption{withAccountCenter(pfFields(func(f *store.AccountCenterFields) { f.Profile = store.ControlReadOnly }))},
			body: map[string]any{"nickname": "N"}, status: 400, code: "account_center.field_not_editable",
		},
		{
			name: "profile Off",
			opts: []envOption{withAccountCenter(pfFields(func(f *store.AccountCenterFields) { f.Profile = store.ControlOff }))},
			body: map[string]any{"nickname": "N"}, status: 400, code: "account_center.field_not_editable",
		},
		{
			name: "profile not configured, empty body",
			opts: []envOption{withAccountCenter(pfFields(func(f *store.AccountCenterFields) { f.Profile = "" }))},
			body: map[string]any{}, status: 400, code: "account_center.field_not_editable",
		},
		{
			name: "body guard before field control",
			opts: []envOption{withAccountCenter(pfFields(func(f *store.AccountCenterFields) { f.Profile = store.ControlOff }))},
			body: map[string]any{"nickname": 1}, status: 400, code: "guard.invalid_input",
		},
		{
			name:   "field control before profile scope",
			opts:   []envOption{withAccountCenter(pfFields(func(f *store.AccountCenterFields) { f.Profile = store.ControlReadOnly }))},
			scopes: []string{"openid"},
			body:   map[string]any{"nickname": "N"}, status: 400, code: "account_center.field_not_editable",
		},
		{name: "no profile scope", scopes: []string{"openid", "address"}, body: map[string]any{"nickname": "N"}, status: 400, code: "auth.unauthorized"},
		{
			name: "address without address scope", scopes: []string{"openid", "profile"},
			body: map[string]any{"address": map[string]any{"country": "NL"}}, status: 400, code: "auth.unauthorized",
		},
		{
			name: "profile scope before first party", opts: []envOption{pfThirdParty()}, client: "third-party-app",
			scopes: []string{"openid"}, body: map[string]any{"nickname": "N"}, status: 400, code: "auth.unauthorized",
		},
		{
			name: "address scope before first party", opts: []envOption{pfThirdParty()}, client: "third-party-app",
			scopes: []string{"openid", "profile"}, body: map[string]any{"address": map[string]any{"country": "NL"}},
			status: 400, code: "auth.unauthorized",
		},
		{
			name: "third-party client", opts: []envOption{pfThirdParty()}, client: "third-party-app",
			body: map[string]any{"nickname": "N"}, status: 403, code: "auth.third_party_application_forbidden",
		},
		{name: "number for a claim", body: `{"nickname":1}`, status: 400, code: "guard.invalid_input"},
		{name: "null for a claim", body: `{"nickname":null}`, status: 400, code: "guard.invalid_input"},
		{name: "string for address", body: `{"address":"Main St 1"}`, status: 400, code: "guard.invalid_input"},
		{name: "null for address", body: `{"address":null}`, status: 400, code: "guard.invalid_input"},
		{name: "number in address", body: `{"address":{"country":31}}`, status: 400, code: "guard.invalid_input"},
		{name: "null in address", body: `{"address":{"country":null}}`, status: 400, code: "guard.invalid_input"},
		{name: "array for address", body: `{"address":["NL"]}`, status: 400, code: "guard.invalid_input"},
		{name: "array body", body: `[{"nickname":"N"}]`, status: 400, code: "guard.invalid_input"},
		{name: "NUL in a claim", body: `{"nickname":"N\u0000"}`, status: 400, code: "guard.invalid_input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opts...)
			u := e.newUser(func(u *store.User) {
				u.Profile = store.Profile{Nickname: pfStr("Nick"), Address: &store.Address{Country: pfStr("BE")}}
			})
			before := e.reload(u)
			scopes := tt.scopes
			if scopes == nil {
				scopes = pfAllScopes
			}
			r := e.do(req{method: "PATCH", path: "/api/my-account/profile", token: pfToken(e, u.ID, tt.client, scopes...), body: tt.body})
			pfRefused(t, e, before, r, tt.status, tt.code)
		})
	}
}

func TestPatchProfileMerge(t *testing.T) {
	stored := func() store.Profile {
		return store.Profile{
			Nickname: pfStr("Nick"), GivenName: pfStr("Ann"),
			Address: &store.Address{Country: pfStr("NL"), Locality: pfStr("Amsterdam")},
		}
	}
	tests := []struct {
		name     string
		scopes   []string // every scope when nil
		body     any
		want     store.Profile  // stored afterwards
		wantBody map[string]any // the response
	}{
		{
			name: "sets sent claims and keeps the others",
			body: map[string]any{"givenName": "Anna", "website": "not checked", "gender": "", "birthdate": "2000-01-01"},
			want: store.Profile{
				Nickname: pfStr("Nick"), GivenName: pfStr("Anna"), Website: pfStr("not checked"), Gender: pfStr(""),
				Birthdate: pfStr("2000-01-01"), Address: &store.Address{Country: pfStr("NL"), Locality: pfStr("Amsterdam")},
			},
			wantBody: map[string]any{
				"nickname": "Nick", "givenName": "Anna", "website": "not checked", "gender": "", "birthdate": "2000-01-01",
				"address": map[string]any{"country": "NL", "locality": "Amsterdam"},
			},
		},
		{
			name: "every claim",
			body: map[string]any{
				"familyName": "F", "givenName": "G", "middleName": "M", "nickname": "N", "preferredUsername": "P",
				"profile": "https://example.com/p", "website": "https://example.com", "gender": "x", "birthdate": "1990-12-31",
				"zoneinfo": "Europe/Amsterdam", "locale": "nl-NL",
				"address": map[string]any{"formatted": "Fm", "streetAddress": "S", "locality": "L", "region": "R", "postalCode": "1000", "country": "BE"},
			},
			want: store.Profile{
				FamilyName: pfStr("F"), GivenName: pfStr("G"), MiddleName: pfStr("M"), Nickname: pfStr("N"),
				PreferredUsername: pfStr("P"), Profile: pfStr("https://example.com/p"), Website: pfStr("https://example.com"),
				Gender: pfStr("x"), Birthdate: pfStr("1990-12-31"), Zoneinfo: pfStr("Europe/Amsterdam"), Locale: pfStr("nl-NL"),
				Address: &store.Address{Formatted: pfStr("Fm"), StreetAddress: pfStr("S"), Locality: pfStr("L"),
					Region: pfStr("R"), PostalCode: pfStr("1000"), Country: pfStr("BE")},
			},
			wantBody: map[string]any{
				"familyName": "F", "givenName": "G", "middleName": "M", "nickname": "N", "preferredUsername": "P",
				"profile": "https://example.com/p", "website": "https://example.com", "gender": "x", "birthdate": "1990-12-31",
				"zoneinfo": "Europe/Amsterdam", "locale": "nl-NL",
				"address": map[string]any{"formatted": "Fm", "streetAddress": "S", "locality": "L", "region": "R", "postalCode": "1000", "country": "BE"},
			},
		},
		{
			name: "a sent address replaces the stored one",
			body: map[string]any{"address": map[string]any{"locality": "Utrecht"}},
			want: store.Profile{Nickname: pfStr("Nick"), GivenName: pfStr("Ann"), Address: &store.Address{Locality: pfStr("Utrecht")}},
			wantBody: map[string]any{
				"nickname": "Nick", "givenName": "Ann", "address": map[string]any{"locality": "Utrecht"},
			},
		},
		{
			name:   "the response hides the address without the address scope",
			scopes: []string{"openid", "profile"},
			body:   map[string]any{"nickname": "N2"},
			want: store.Profile{
				Nickname: pfStr("N2"), GivenName: pfStr("Ann"),
				Address: &store.Address{Country: pfStr("NL"), Locality: pfStr("Amsterdam")},
			},
			wantBody: map[string]any{"nickname": "N2", "givenName": "Ann"},
		},
		{
			name: "unknown members are dropped",
			body: map[string]any{"nickname": "N2", "name": "ignored", "custom": 1, "address": map[string]any{"country": "BE", "planet": "Earth"}},
			want: store.Profile{Nickname: pfStr("N2"), GivenName: pfStr("Ann"), Address: &store.Address{Country: pfStr("BE")}},
			wantBody: map[string]any{
				"nickname": "N2", "givenName": "Ann", "address": map[string]any{"country": "BE"},
			},
		},
		{
			name: "an empty body changes nothing",
			body: map[string]any{},
			want: stored(),
			wantBody: map[string]any{
				"nickname": "Nick", "givenName": "Ann", "address": map[string]any{"country": "NL", "locality": "Amsterdam"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			u := e.newUser(func(u *store.User) { u.Profile = stored() })
			before := e.reload(u)
			scopes := tt.scopes
			if scopes == nil {
				scopes = pfAllScopes
			}
			e.clock.Advance(time.Minute)
			r := e.do(req{method: "PATCH", path: "/api/my-account/profile", token: e.token(u.ID, scopes...), body: tt.body})
			expect(t, r, 200, "")
			if diff := cmp.Diff(tt.wantBody, r.json(t)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			want := *before
			want.Profile = tt.want
			want.UpdatedAt = e.clock.Now()
			if diff := cmp.Diff(&want, e.reload(u)); diff != "" {
				t.Errorf("stored user (-want +got):\n%s", diff)
			}
			pfUpdated(t, e, u)
		})
	}
}
