package httpadapter_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/accountapi/accountapi/store"
)

// Tests of POST /api/my-account/password (docs/compatibility.md, "Order of
// checks" and "Profile, username and password rules"). Helpers shared with
// identifiers_test.go start with "id".

// idIssue is one entry of the data of a password.rejected error.
type idIssue struct {
	Code          string         `json:"code"`
	Interpolation map[string]any `json:"interpolation,omitempty"`
}

// idPasswordCase is one request to POST /api/my-account/password.
type idPasswordCase struct {
	name string
	// user makes the caller.
	user func(e *env) *store.User
	// proof returns the caller's logto-verification-id; nil for none.
	proof      func(e *env, u *store.User) string
	control    store.Control // fields.password; "" means Edit
	thirdParty bool
	scopes     []string // nil means openid only: the route needs no scope
	body       any
	status     int
	code       string
	// issues must all be in the data of a password.rejected error.
	issues []idIssue
	// old is the caller's password before a 204, which must stop working.
	old string
}

// idPasswordUser is a user with a username and the password "Secret-123".
func idPasswordUser(e *env) *store.User {
	return e.newUser(e.withPassword("Secret-123"), func(u *store.User) { u.IsPasswordExpired = true })
}

// idPasswordProof proves the identity of a user whose password is "Secret-123".
func idPasswordProof(e *env, u *store.User) string { return e.passwordProof(u, "Secret-123") }

// idOwnEmailProof proves identity with a code sent to the user's own email.
func idOwnEmailProof(e *env, u *store.User) string { return e.verifiedCode(u, "email", u.PrimaryEmail) }

func TestSetPassword(t *testing.T) {
	pw := func(p string) map[string]string { return map[string]string{"password": p} }
	cases := []idPasswordCase{
		// Order (docs/compatibility.md, "Order of checks"): guard, first
		// party, conditional proof, field control, policy, same password. Each
		// case also fails every later check.
		{name: "empty password is a guard error before everything", user: idPasswordUser, control: store.ControlOff,
			thirdParty: true, body: pw(""), status: 400, code: "guard.invalid_input"},
		{name: "missing password is a guard error", user: idPasswordUser, proof: idPasswordProof, body: map[string]string{},
			status: 400, code: "guard.invalid_input"},
		{name: "password of the wrong type", user: idPasswordUser, proof: idPasswordProof, body: `{"password":12345678}`,
			status: 400, code: "guard.invalid_input"},
		{name: "first party before proof", user: idPasswordUser, control: store.ControlOff, thirdParty: true,
			body: pw("Secret-123"), status: 403, code: "auth.third_party_application_forbidden"},
		{name: "proof before field control", user: idPasswordUser, control: store.ControlOff,
			body: pw("Secret-123"), status: 401, code: "verification_record.permission_denied"},
		{name: "field control before policy", user: idPasswordUser, proof: idPasswordProof, control: store.ControlReadOnly,
			body: pw("abc"), status: 400, code: "account_center.field_not_editable"},
		{name: "field Off", user: idPasswordUser, proof: idPasswordProof, control: store.ControlOff,
			body: pw("Another-456"), status: 400, code: "account_center.field_not_editable"},
		{name: "policy before same password", proof: func(e *env, u *store.User) string { return e.passwordProof(u, "abc") },
			user: func(e *env) *store.User { return e.newUser(e.withPassword("abc")) },
			body: pw("abc"), status: 422, code: "password.rejected",
			issues: []idIssue{{Code: "password_rejected.too_short", Interpolation: map[string]any{"min": float64(8)}}}},
		{name: "too short", user: idPasswordUser, proof: idPasswordProof, body: pw("abc"), status: 422, code: "password.rejected",
			issues: []idIssue{{Code: "password_rejected.too_short", Interpolation: map[string]any{"min": float64(8)}}}},
		{name: "contains the username", proof: idPasswordProof,
			user: func(e *env) *store.User {
				return e.newUser(e.withPassword("Secret-123"), func(u *store.User) { u.Username = "johnnyappleseed" })
			},
			body: pw("johnnyappleseed1"), status: 422, code: "password.rejected",
			issues: []idIssue{{Code: "password_rejected.restricted.user_info"}}},
		{name: "repetition", user: idPasswordUser, proof: idPasswordProof, body: pw("aaaaaaaaaa"), status: 422, code: "password.rejected",
			issues: []idIssue{{Code: "password_rejected.restricted.repetition"}}},
		{name: "same password", user: idPasswordUser, proof: idPasswordProof, body: pw("Secret-123"),
			status: 422, code: "user.same_password"},

		// Proof is needed only from a user with a password, an email or a
		// phone (docs/compatibility.md, "Identity proof"; Logto's guide says
		// always, its code does not: "Where Logto's guides and code
		// disagree").
		{name: "a user with only a username sets a first password without proof",
			user: func(e *env) *store.User { return e.newUser() }, body: pw("Another-456"), status: 204},
		{name: "a user with an email needs proof", user: func(e *env) *store.User { return e.newUser(withEmail("ann@example.com")) },
			body: pw("Another-456"), status: 401, code: "verification_record.permission_denied"},
		{name: "a user with a phone needs proof", user: func(e *env) *store.User { return e.newUser(withPhone("15551234567")) },
			body: pw("Another-456"), status: 401, code: "verification_record.permission_denied"},
		{name: "a code sent to the user's own email is proof", proof: idOwnEmailProof,
			user: func(e *env) *store.User { return e.newUser(withEmail("ann@example.com")) },
			body: pw("Another-456"), status: 204},
		{name: "a record proving a new address is no proof", user: idPasswordUser,
			proof: func(e *env, u *store.User) string { return e.verifiedCode(u, "email", "new@example.com") },
			body:  pw("Another-456"), status: 401, code: "verification_record.permission_denied"},
		{name: "another user's proof is no proof", user: idPasswordUser,
			proof: func(e *env, _ *store.User) string { return idPasswordProof(e, idPasswordUser(e)) },
			body:  pw("Another-456"), status: 401, code: "verification_record.permission_denied"},

		{name: "changes the password", user: idPasswordUser, proof: idPasswordProof, body: pw("Another-456"),
			status: 204, old: "Secret-123"},
		{name: "needs no scope", user: idPasswordUser, proof: idPasswordProof, scopes: []string{"openid"},
			body: pw("Another-456"), status: 204, old: "Secret-123"},
		{name: "replaces a malformed stored digest", proof: idOwnEmailProof,
			user: func(e *env) *store.User {
				return e.newUser(withEmail("ann@example.com"), func(u *store.User) {
					u.PasswordDigest, u.PasswordAlgorithm = "garbage", store.Bcrypt
				})
			},
			body: pw("Another-456"), status: 204},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			control := tc.control
			if control == "" {
				control = store.ControlEdit
			}
			e := newEnv(t, idFirstParty(), withAccountCenter(idEditable(func(f *store.AccountCenterFields) { f.Password = control })))
			u := tc.user(e)
			header := map[string]string{}
			if tc.proof != nil {
				header["Logto-Verification-Id"] = tc.proof(e, u)
			}
			scopes := tc.scopes
			if scopes == nil {
				scopes = []string{"openid"}
			}
			client := ""
			if tc.thirdParty {
				client = idThirdParty
			}

			before, updates := e.reload(u), idUpdates(e, u.ID)
			r := e.do(req{method: "POST", path: "/api/my-account/password", token: idToken(e, u.ID, client, scopes...),
				header: header, body: tc.body})
			expect(t, r, tc.status, tc.code)
			if tc.issues != nil {
				idCheckIssues(t, r, tc.issues)
			}
			if tc.status != 204 {
				idRefused(t, e, u, before, updates)
				return
			}

			after := e.reload(u)
			if after.PasswordAlgorithm != store.Argon2id || after.PasswordDigest == before.PasswordDigest {
				t.Errorf("stored %s digest %q, want a new Argon2id digest", after.PasswordAlgorithm, after.PasswordDigest)
			}
			if !after.PasswordUpdatedAt.Equal(e.clock.Now()) || after.IsPasswordExpired {
				t.Errorf("passwordUpdatedAt %v, expired %v; want %v, false", after.PasswordUpdatedAt, after.IsPasswordExpired, e.clock.Now())
			}
			if got := idUpdates(e, u.ID); got != updates+1 {
				t.Errorf("User.Data.Updated events: %d, want %d", got, updates+1)
			}
			newPassword := tc.body.(map[string]string)["password"]
			verify := func(pw string) response {
				return e.do(req{method: "POST", path: "/api/verifications/password", token: e.tokenFor(u.ID),
					body: map[string]string{"password": pw}})
			}
			expect(t, verify(newPassword), 201, "")
			if tc.old != "" {
				expect(t, verify(tc.old), 422, "session.invalid_credentials")
			}
		})
	}
}

// idCheckIssues checks that the data of a password.rejected error is an
// array of {code, interpolation?} holding every issue of want.
func idCheckIssues(t *testing.T, r response, want []idIssue) {
	t.Helper()
	var body struct {
		Data []json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil || body.Data == nil {
		t.Fatalf("data is not an array: %v\n%s", err, r.body)
	}
	var got []idIssue
	for _, raw := range body.Data {
		var members map[string]any
		if err := json.Unmarshal(raw, &members); err != nil {
			t.Fatalf("issue %s is not an object: %v", raw, err)
		}
		for k := range members {
			if k != "code" && k != "interpolation" {
				t.Errorf("issue %s has member %q", raw, k)
			}
		}
		var is idIssue
		if err := json.Unmarshal(raw, &is); err != nil || is.Code == "" {
			t.Fatalf("issue %s has no code: %v", raw, err)
		}
		got = append(got, is)
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			if cmp.Equal(w, g) {
				found = true
			}
		}
		if !found {
			t.Errorf("issues %+v lack %+v", got, w)
		}
	}
}

// TestSetPasswordTwice checks that a proof record stays usable until it
// expires (docs/compatibility.md, "Verification records": records are never
// consumed) and that the second change compares with the first one's password.
func TestSetPasswordTwice(t *testing.T) {
	e := newEnv(t)
	u := idPasswordUser(e)
	proof := idPasswordProof(e, u)
	set := func(p string) response {
		return e.do(req{method: "POST", path: "/api/my-account/password", token: e.token(u.ID, "openid"),
			header: map[string]string{"Logto-Verification-Id": proof}, body: map[string]string{"password": p}})
	}
	expect(t, set("Another-456"), 204, "")
	expect(t, set("Another-456"), 422, "user.same_password")
	expect(t, set("Secret-123"), 204, "")
	if got := idUpdates(e, u.ID); got != 2 {
		t.Errorf("User.Data.Updated events: %d, want 2", got)
	}
}
