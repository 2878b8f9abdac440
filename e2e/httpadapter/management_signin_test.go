package httpadapter_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/password"
	"github.com/accountapi/accountapi/store"
)

// GET and PATCH /api/sign-in-exp: the sign-in experience's policies, stored,
// overriding the host's defaults, and seen by the Account API at once through
// the same Settings and within CacheTTL through another.

// siDefault is GET /api/sign-in-exp of a new env: Logto's defaults, with
// the env's every MFA factor enabled.
const siDefault = `{
	"passwordPolicy": {"length": {"min": 8, "max": 256}, "characterTypes": {"min": 1},
		"rejects": {"pwned": true, "repetitionAndSequence": true, "userInfo": true, "words": []}},
	"usernamePolicy": {"caseSensitive": true, "minLength": 1, "maxLength": 128,
		"allowedChars": {"lowercase": true, "uppercase": true, "numbers": true, "underscore": true}},
	"emailBlocklistPolicy": {"blockSubaddressing": false, "customBlocklist": [], "customAllowlist": []},
	"mfa": {"factors": ["Totp", "WebAuthn", "BackupCode"], "policy": "UserControlled"},
	"passkeySignIn": {"enabled": false},
	"sentinelPolicy": {"maxAttempts": 100, "lockoutDuration": 60},
	"verificationCodePolicy": {"expirationDuration": 600, "maxRetryAttempts": 10}
}`

// siJSON decodes a JSON object for comparison.
func siJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad JSON in the test: %v\n%s", err, s)
	}
	return m
}

// siWith returns siDefault with member replaced by the JSON value.
func siWith(t *testing.T, members map[string]string) map[string]any {
	t.Helper()
	m := siJSON(t, siDefault)
	for k, v := range members {
		var val any
		if err := json.Unmarshal([]byte(v), &val); err != nil {
			t.Fatalf("bad JSON in the test: %v\n%s", err, v)
		}
		m[k] = val
	}
	return m
}

func siGet(e *env) response {
	e.t.Helper()
	return e.do(req{method: "GET", path: "/api/sign-in-exp", token: e.adminToken()})
}

func siPatch(e *env, body any) response {
	e.t.Helper()
	return e.do(req{method: "PATCH", path: "/api/sign-in-exp", token: e.adminToken(), body: body})
}

// siExpect checks a 200 whose body is want.
func siExpect(t *testing.T, r response, want map[string]any) {
	t.Helper()
	expect(t, r, 200, "")
	if d := cmp.Diff(want, r.json(t)); d != "" {
		t.Errorf("body (-want +got):\n%s", d)
	}
}

func TestSignInExpGet(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		e := newEnv(t)
		siExpect(t, siGet(e), siJSON(t, siDefault))
	})
	t.Run("the host's defaults", func(t *testing.T) {
		e := newEnv(t, withPolicies(func(p *account.Policies) {
			p.Password = &password.Policy{MinLength: 12, RequiredCharacterTypes: 3, RejectWords: []string{"acme"}}
			p.Username = account.UsernamePolicy{CaseInsensitive: true, MaxLength: 32, DisallowNumbers: true}
			p.Email = account.EmailPolicy{BlockSubaddressing: true, Blocklist: []string{"@spam.test"}, Allowlist: []string{"@corp.test"}}
			p.MFA = account.MFAPolicy{Factors: []store.FactorType{store.FactorTOTP}, Policy: "Mandatory"}
			p.PasskeySignIn = true
			// Durations are shown in Logto's units, rounded up.
			p.Lockout = account.LockoutPolicy{MaxAttempts: 5, Duration: 90 * time.Second}
			p.Code = account.CodePolicy{Lifetime: 90*time.Second + time.Millisecond, MaxAttempts: 3}
		}))
		siExpect(t, siGet(e), siJSON(t, `{
			"passwordPolicy": {"length": {"min": 12, "max": 256}, "characterTypes": {"min": 3},
				"rejects": {"pwned": false, "repetitionAndSequence": false, "userInfo": false, "words": ["acme"]}},
			"usernamePolicy": {"caseSensitive": false, "minLength": 1, "maxLength": 32,
				"allowedChars": {"lowercase": true, "uppercase": true, "numbers": false, "underscore": true}},
			"emailBlocklistPolicy": {"blockSubaddressing": true, "customBlocklist": ["@spam.test"], "customAllowlist": ["@corp.test"]},
			"mfa": {"factors": ["Totp"], "policy": "Mandatory"},
			"passkeySignIn": {"enabled": true},
			"sentinelPolicy": {"maxAttempts": 5, "lockoutDuration": 2},
			"verificationCodePolicy": {"expirationDuration": 91, "maxRetryAttempts": 3}
		}`))
	})
}

func TestSignInExpAuth(t *testing.T) {
	cases := []struct {
		name   string
		header func(e *env) string // the Authorization header; "" for none
		status int
		code   string
	}{
		{name: "no token", header: func(*env) string { return "" }, status: 401, code: "auth.authorization_header_missing"},
		{name: "invalid token", header: func(*env) string { return "Bearer not-a-token" }, status: 401, code: "auth.unauthorized"},
		{name: "expired token", header: func(e *env) string {
			tok := e.adminToken()
			e.clock.Advance(2 * time.Hour)
			return "Bearer " + tok
		}, status: 401, code: "auth.unauthorized"},
		{name: "user token without scope all", header: func(e *env) string { return "Bearer " + e.tokenFor("admin") }, status: 403,
			code: "auth.forbidden"},
	}
	for _, method := range []string{"GET", "PATCH"} {
		for _, tc := range cases {
			t.Run(method+" "+tc.name, func(t *testing.T) {
				e := newEnv(t)
				h := map[string]string{}
				if v := tc.header(e); v != "" {
					h["Authorization"] = v
				}
				r := e.do(req{method: method, path: "/api/sign-in-exp", header: h,
					body: map[string]any{"passkeySignIn": map[string]bool{"enabled": true}}})
				expect(t, r, tc.status, tc.code)
				if _, err := e.store.GetSignInExperience(context.Background()); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("GetSignInExperience after a refused request: err = %v, want nothing stored", err)
				}
			})
		}
	}
	t.Run("other methods", func(t *testing.T) {
		e := newEnv(t)
		expect(t, e.do(req{method: "PUT", path: "/api/sign-in-exp", token: e.adminToken()}), 405, "request.method_not_allowed")
	})
}

// TestSignInExpPatchValidation: each invalid value answers 400
// guard.invalid_input naming the member, and stores nothing.
func TestSignInExpPatchValidation(t *testing.T) {
	const (
		password = `{"length": {"min": 8, "max": 256}, "characterTypes": {"min": 1}}`
		username = `{"caseSensitive": true, "minLength": 1, "maxLength": 128,
			"allowedChars": {"lowercase": true, "uppercase": true, "numbers": true, "underscore": true}}`
	)
	cases := []struct {
		name    string
		body    string
		details string // the start of the error's details
	}{
		{"not an object", `[]`, "expected a JSON object"},
		{"a policy that is not an object", `{"passwordPolicy": 8}`, "passwordPolicy: expected object"},
		{"a policy that is a list", `{"mfa": ["Totp"]}`, "mfa: expected object"},

		{"password min 0", `{"passwordPolicy": {"length": {"min": 0, "max": 256}}}`, "passwordPolicy.length.min:"},
		{"password max 257", `{"passwordPolicy": {"length": {"min": 8, "max": 257}}}`, "passwordPolicy.length.max:"},
		{"password max below the default min", `{"passwordPolicy": {"length": {"max": 6}}}`, "passwordPolicy.length:"},
		{"password min above max", `{"passwordPolicy": {"length": {"min": 20, "max": 10}}}`, "passwordPolicy.length:"},
		{"password 0 character types", `{"passwordPolicy": {"characterTypes": {"min": 0}}}`, "passwordPolicy.characterTypes.min:"},
		{"password 5 character types", `{"passwordPolicy": {"characterTypes": {"min": 5}}}`, "passwordPolicy.characterTypes.min:"},
		{"password length not an integer", `{"passwordPolicy": {"length": {"min": 8.5}}}`, "passwordPolicy.length.min: expected integer"},
		{"password length a string", `{"passwordPolicy": {"length": {"min": "8"}}}`, "passwordPolicy.length.min: expected integer"},
		{"password pwned not a boolean", `{"passwordPolicy": {"rejects": {"pwned": 1}}}`, "passwordPolicy.rejects.pwned: expected boolean"},
		{"password words not strings", `{"passwordPolicy": {"rejects": {"words": [1]}}}`, "passwordPolicy.rejects.words"},
		{"password length null", `{"passwordPolicy": {"length": null}}`, "passwordPolicy.length: must not be null"},
		{"password word null", `{"passwordPolicy": {"rejects": {"words": ["a", null]}}}`, "passwordPolicy.rejects.words[1]: must not be null"},

		{"username min 0", `{"usernamePolicy": ` + strings.Replace(username, `"minLength": 1`, `"minLength": 0`, 1) + `}`, "usernamePolicy.minLength:"},
		{"username max 129", `{"usernamePolicy": ` + strings.Replace(username, `"maxLength": 128`, `"maxLength": 129`, 1) + `}`, "usernamePolicy.maxLength:"},
		{"username min above max", `{"usernamePolicy": ` + strings.Replace(username, `"minLength": 1`, `"minLength": 129`, 1) + `}`, "usernamePolicy.minLength:"},
		{"username min above max, in range", `{"usernamePolicy": ` + strings.Replace(username, `"maxLength": 128`, `"maxLength": 0`, 1) + `}`, "usernamePolicy.maxLength:"},
		{"username numbers only", `{"usernamePolicy": {"caseSensitive": true, "minLength": 1, "maxLength": 128,
			"allowedChars": {"lowercase": false, "uppercase": false, "numbers": true, "underscore": false}}}`, "usernamePolicy.allowedChars:"},
		{"username without caseSensitive", `{"usernamePolicy": {"minLength": 1, "maxLength": 128,
			"allowedChars": {"lowercase": true, "uppercase": true, "numbers": true, "underscore": true}}}`, "usernamePolicy.caseSensitive: required"},
		{"username without allowedChars", `{"usernamePolicy": {"caseSensitive": true, "minLength": 1, "maxLength": 128}}`,
			"usernamePolicy.allowedChars: required"},
		{"username without one allowed class", `{"usernamePolicy": {"caseSensitive": true, "minLength": 1, "maxLength": 128,
			"allowedChars": {"lowercase": true, "uppercase": true, "numbers": true}}}`, "usernamePolicy.allowedChars.underscore: required"},
		{"username caseSensitive a string", `{"usernamePolicy": ` + strings.Replace(username, `"caseSensitive": true`, `"caseSensitive": "no"`, 1) + `}`,
			"usernamePolicy.caseSensitive: expected boolean"},

		{"email blocklist not a list", `{"emailBlocklistPolicy": {"customBlocklist": "@a.test"}}`, "emailBlocklistPolicy.customBlocklist: expected array"},
		{"email blocklist empty entry", `{"emailBlocklistPolicy": {"customBlocklist": ["@a.test", ""]}}`, "emailBlocklistPolicy.customBlocklist[1]:"},
		{"email allowlist empty entry", `{"emailBlocklistPolicy": {"customAllowlist": [""]}}`, "emailBlocklistPolicy.customAllowlist[0]:"},

		{"mfa unknown factor", `{"mfa": {"factors": ["Totp", "EmailVerificationCode"], "policy": "UserControlled"}}`, "mfa.factors[1]:"},
		{"mfa duplicate factor", `{"mfa": {"factors": ["BackupCode", "Totp", "BackupCode"], "policy": "UserControlled"}}`, "mfa.factors[2]:"},
		{"mfa factor in another case", `{"mfa": {"factors": ["totp"], "policy": "UserControlled"}}`, "mfa.factors[0]:"},
		{"mfa unknown policy", `{"mfa": {"factors": [], "policy": "Always"}}`, "mfa.policy:"},
		{"mfa without factors", `{"mfa": {"policy": "UserControlled"}}`, "mfa.factors: required"},
		{"mfa without policy", `{"mfa": {"factors": ["Totp"]}}`, "mfa.policy: required"},

		{"passkey sign-in not a boolean", `{"passkeySignIn": {"enabled": "yes"}}`, "passkeySignIn.enabled: expected boolean"},

		{"sentinel 0 attempts", `{"sentinelPolicy": {"maxAttempts": 0}}`, "sentinelPolicy.maxAttempts:"},
		{"sentinel negative attempts", `{"sentinelPolicy": {"maxAttempts": -1, "lockoutDuration": 10}}`, "sentinelPolicy.maxAttempts:"},
		{"sentinel 0 minutes", `{"sentinelPolicy": {"lockoutDuration": 0}}`, "sentinelPolicy.lockoutDuration:"},
		{"sentinel over a year", `{"sentinelPolicy": {"lockoutDuration": 525601}}`, "sentinelPolicy.lockoutDuration:"},
		{"sentinel attempts too large", `{"sentinelPolicy": {"maxAttempts": 1e300}}`, "sentinelPolicy.maxAttempts: expected integer"},

		{"code 59 s", `{"verificationCodePolicy": {"expirationDuration": 59}}`, "verificationCodePolicy.expirationDuration:"},
		{"code 3601 s", `{"verificationCodePolicy": {"expirationDuration": 3601}}`, "verificationCodePolicy.expirationDuration:"},
		{"code 0 tries", `{"verificationCodePolicy": {"maxRetryAttempts": 0}}`, "verificationCodePolicy.maxRetryAttempts:"},
		{"code 101 tries", `{"verificationCodePolicy": {"maxRetryAttempts": 101}}`, "verificationCodePolicy.maxRetryAttempts:"},

		{"a valid policy beside an invalid one", `{"passwordPolicy": ` + password + `, "verificationCodePolicy": {"maxRetryAttempts": 0}}`,
			"verificationCodePolicy.maxRetryAttempts:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			r := siPatch(e, tc.body)
			expect(t, r, 400, "guard.invalid_input")
			var body struct{ Details string }
			if err := json.Unmarshal(r.body, &body); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(body.Details, tc.details) {
				t.Errorf("details = %q, want them to start with %q", body.Details, tc.details)
			}
			if _, err := e.store.GetSignInExperience(context.Background()); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("GetSignInExperience after a refused PATCH: err = %v, want nothing stored", err)
			}
			siExpect(t, siGet(e), siJSON(t, siDefault))
		})
	}
}

// TestSignInExpPatchBounds: the ends of every range are accepted.
func TestSignInExpPatchBounds(t *testing.T) {
	cases := []struct {
		name   string
		member string
		value  string
		want   string // the member in the answer; "" means value
	}{
		{"password 1 to 1", "passwordPolicy", `{"length": {"min": 1, "max": 1}, "characterTypes": {"min": 1}}`,
			`{"length": {"min": 1, "max": 1}, "characterTypes": {"min": 1},
			"rejects": {"pwned": true, "repetitionAndSequence": true, "userInfo": true, "words": []}}`},
		{"password 256 to 256, 4 types", "passwordPolicy", `{"length": {"min": 256, "max": 256}, "characterTypes": {"min": 4},
			"rejects": {"pwned": false, "repetitionAndSequence": false, "userInfo": false, "words": ["acme"]}}`, ""},
		{"username 1 to 1", "usernamePolicy", `{"caseSensitive": false, "minLength": 1, "maxLength": 1,
			"allowedChars": {"lowercase": false, "uppercase": false, "numbers": true, "underscore": true}}`, ""},
		{"username 128 to 128", "usernamePolicy", `{"caseSensitive": true, "minLength": 128, "maxLength": 128,
			"allowedChars": {"lowercase": false, "uppercase": true, "numbers": false, "underscore": false}}`, ""},
		{"every factor and policy", "mfa", `{"factors": ["BackupCode", "WebAuthn", "Totp"], "policy": "PromptAtSignInAndSignUpMandatory"}`, ""},
		{"no factor", "mfa", `{"factors": [], "policy": "NoPrompt"}`, ""},
		{"sentinel 1 attempt, 1 minute", "sentinelPolicy", `{"maxAttempts": 1, "lockoutDuration": 1}`, ""},
		{"sentinel a year", "sentinelPolicy", `{"maxAttempts": 1000000, "lockoutDuration": 525600}`, ""},
		{"code 60 s, 1 try", "verificationCodePolicy", `{"expirationDuration": 60, "maxRetryAttempts": 1}`, ""},
		{"code 3600 s, 100 tries", "verificationCodePolicy", `{"expirationDuration": 3600, "maxRetryAttempts": 100}`, ""},
		{"email lists", "emailBlocklistPolicy", `{"blockSubaddressing": true, "customBlocklist": ["*@*.spam.test"], "customAllowlist": ["@corp.test"]}`, ""},
		{"passkey sign-in", "passkeySignIn", `{"enabled": true}`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			want := tc.want
			if want == "" {
				want = tc.value
			}
			wantBody := siWith(t, map[string]string{tc.member: want})
			siExpect(t, siPatch(e, `{"`+tc.member+`": `+tc.value+`}`), wantBody)
			siExpect(t, siGet(e), wantBody)
		})
	}
}

// TestSignInExpPatchReplacesWholesale: a sent policy replaces the host's
// default (and any stored policy) of its name wholesale, its missing members
// taking Logto's defaults, not the host's; null and absent members, and
// unknown ones, leave everything as it is.
func TestSignInExpPatchReplacesWholesale(t *testing.T) {
	e := newEnv(t, withPolicies(func(p *account.Policies) {
		p.Password = &password.Policy{MinLength: 12, MaxLength: 64, RequiredCharacterTypes: 3, RejectWords: []string{"acme"}}
		p.Lockout = account.LockoutPolicy{MaxAttempts: 5, Duration: 15 * time.Minute}
	}))
	host := map[string]string{
		"passwordPolicy": `{"length": {"min": 12, "max": 64}, "characterTypes": {"min": 3},
			"rejects": {"pwned": false, "repetitionAndSequence": false, "userInfo": false, "words": ["acme"]}}`,
		"sentinelPolicy": `{"maxAttempts": 5, "lockoutDuration": 15}`,
	}
	siExpect(t, siGet(e), siWith(t, host))

	// Only length.min is sent: every other member is Logto's default.
	want := map[string]string{
		"passwordPolicy": `{"length": {"min": 10, "max": 256}, "characterTypes": {"min": 1},
			"rejects": {"pwned": true, "repetitionAndSequence": true, "userInfo": true, "words": []}}`,
		"sentinelPolicy": host["sentinelPolicy"],
	}
	siExpect(t, siPatch(e, `{"passwordPolicy": {"length": {"min": 10}}, "signInMode": "SignIn"}`), siWith(t, want))

	// A later patch of another policy leaves the stored one.
	want["sentinelPolicy"] = `{"maxAttempts": 100, "lockoutDuration": 5}`
	siExpect(t, siPatch(e, `{"sentinelPolicy": {"lockoutDuration": 5}}`), siWith(t, want))

	// null leaves a policy as it is, as does {}.
	nulls := `{"passwordPolicy": null, "usernamePolicy": null, "emailBlocklistPolicy": null, "mfa": null,
		"passkeySignIn": null, "sentinelPolicy": null, "verificationCodePolicy": null}`
	siExpect(t, siPatch(e, nulls), siWith(t, want))
	siExpect(t, siPatch(e, `{}`), siWith(t, want))

	// Replacing a list replaces it whole.
	want["mfa"] = `{"factors": ["WebAuthn"], "policy": "Mandatory"}`
	siExpect(t, siPatch(e, `{"mfa": {"factors": ["WebAuthn"], "policy": "Mandatory", "organizationRequiredMfaPolicy": "NoPrompt"}}`),
		siWith(t, want))
	want["mfa"] = `{"factors": [], "policy": "Mandatory"}`
	siExpect(t, siPatch(e, `{"mfa": {"factors": [], "policy": "Mandatory"}}`), siWith(t, want))

	// What is stored is what the next replica reads.
	fresh := newEnv(t, withStore(e.store))
	siExpect(t, siGet(fresh), siWith(t, want))
}

// siTOTPProbe reports whether the TOTP factor is enabled for u (who has
// one): a wrong step-up code answers invalid_totp_code when it is,
// mfa_factor_not_enabled when it is not.
func siTOTPProbe(t *testing.T, e *env, u *store.User) bool {
	t.Helper()
	r := mfStepUp(e, u, "/api/verifications/totp/verify", mfWrongCode(t, mfSecret, e.clock.Now()))
	switch r.code() {
	case "session.mfa.invalid_totp_code":
		return true
	case "session.mfa.mfa_factor_not_enabled":
		return false
	}
	t.Fatalf("TOTP step-up: got %d %s\n%s", r.status, r.code(), r.body)
	return false
}

// TestSignInExpTakesEffectAtOnce: a PATCH through the management handler is
// enforced by the Account API's very next request, through the same
// Settings.
func TestSignInExpTakesEffectAtOnce(t *testing.T) {
	t.Run("password policy", func(t *testing.T) {
		e := newEnv(t)
		u := idPasswordUser(e)
		siExpect(t, siPatch(e, `{"passwordPolicy": {"length": {"min": 16}}}`),
			siWith(t, map[string]string{"passwordPolicy": `{"length": {"min": 16, "max": 256}, "characterTypes": {"min": 1},
				"rejects": {"pwned": true, "repetitionAndSequence": true, "userInfo": true, "words": []}}`}))
		setPassword := func(pw string) response {
			return e.do(req{method: "POST", path: "/api/my-account/password", token: e.tokenFor(u.ID),
				header: map[string]string{"Logto-Verification-Id": idPasswordProof(e, u)}, body: map[string]string{"password": pw}})
		}
		r := setPassword("Kx8#mQ2vLp9w")
		expect(t, r, 422, "password.rejected")
		idCheckIssues(t, r, []idIssue{{Code: "password_rejected.too_short", Interpolation: map[string]any{"min": float64(16)}}})
		expect(t, setPassword("Kx8#mQ2vLp9wRt5z"), 204, "")
	})
	t.Run("TOTP factor disabled", func(t *testing.T) {
		e := newEnv(t)
		u := mfUser(e)
		mfStoreTOTP(e, u, mfSecret)
		if !siTOTPProbe(t, e, u) {
			t.Fatal("TOTP disabled before the PATCH")
		}
		expect(t, siPatch(e, `{"mfa": {"factors": ["BackupCode"], "policy": "UserControlled"}}`), 200, "")
		if siTOTPProbe(t, e, u) {
			t.Error("TOTP still enabled after the PATCH")
		}
		// Binding answers the same.
		r := e.do(req{method: "POST", path: "/api/my-account/mfa-verifications", token: e.tokenFor(u.ID),
			header: map[string]string{"Logto-Verification-Id": mfProof(e, u)},
			body:   map[string]any{"type": "Totp", "secret": mfSecret, "code": mfCode(t, mfSecret, e.clock.Now())}})
		expect(t, r, 400, "session.mfa.mfa_factor_not_enabled")
	})
	t.Run("case-insensitive usernames", func(t *testing.T) {
		// A store without WithCaseInsensitiveUsernames: the policy's own
		// look-up finds the username in another case.
		e := newEnv(t)
		e.newUser(func(o *store.User) { o.Username = "taken_name" })
		u := idPasswordUser(e)
		rename := func(name string) response {
			return e.do(req{method: "PATCH", path: "/api/my-account", token: e.tokenFor(u.ID),
				header: map[string]string{"Logto-Verification-Id": idPasswordProof(e, u)}, body: map[string]string{"username": name}})
		}
		expect(t, siPatch(e, `{"usernamePolicy": {"caseSensitive": false, "minLength": 1, "maxLength": 128,
			"allowedChars": {"lowercase": true, "uppercase": true, "numbers": true, "underscore": true}}}`), 200, "")
		expect(t, rename("Taken_Name"), 422, "user.username_already_in_use")
		expect(t, rename("TAKEN_NAME"), 422, "user.username_already_in_use")
		// The user's own username in another case is theirs.
		expect(t, rename("Own_Name"), 200, "")
		expect(t, rename("own_name"), 200, "")
		if got := e.reload(u).Username; got != "own_name" {
			t.Errorf("username = %q, want own_name", got)
		}
		// Back to case-sensitive: another case is another username.
		expect(t, siPatch(e, `{"usernamePolicy": {"caseSensitive": true, "minLength": 1, "maxLength": 128,
			"allowedChars": {"lowercase": true, "uppercase": true, "numbers": true, "underscore": true}}}`), 200, "")
		expect(t, rename("Taken_Name"), 200, "")
	})
	t.Run("username policy", func(t *testing.T) {
		e := newEnv(t)
		u := idPasswordUser(e)
		expect(t, siPatch(e, `{"usernamePolicy": {"caseSensitive": true, "minLength": 4, "maxLength": 8,
			"allowedChars": {"lowercase": true, "uppercase": false, "numbers": true, "underscore": false}}}`), 200, "")
		for name, code := range map[string]string{
			"abc": "user.username_too_short", "abcdefghi": "user.username_too_long",
			"Abcd": "user.username_uppercase_not_allowed", "ab_cd": "user.username_underscore_not_allowed",
		} {
			r := e.do(req{method: "PATCH", path: "/api/my-account", token: e.tokenFor(u.ID),
				header: map[string]string{"Logto-Verification-Id": idPasswordProof(e, u)}, body: map[string]string{"username": name}})
			expect(t, r, 422, code)
		}
	})
	t.Run("email blocklist", func(t *testing.T) {
		e := newEnv(t)
		u := vtUser(e)
		expect(t, vtSend(e, u, "email", "new@blocked.test", ""), 201, "")
		expect(t, siPatch(e, `{"emailBlocklistPolicy": {"customBlocklist": ["@blocked.test"]}}`), 200, "")
		expect(t, vtSend(e, u, "email", "new@blocked.test", ""), 422, "session.email_blocklist.email_not_allowed")
		expect(t, vtSend(e, u, "email", "new+tag@example.com", ""), 201, "")
		expect(t, siPatch(e, `{"emailBlocklistPolicy": {"blockSubaddressing": true}}`), 200, "")
		expect(t, vtSend(e, u, "email", "new+tag@example.com", ""), 422, "session.email_blocklist.email_subaddressing_not_allowed")
		// The blocklist was replaced wholesale.
		expect(t, vtSend(e, u, "email", "new@blocked.test", ""), 201, "")
	})
	t.Run("verification-code policy", func(t *testing.T) {
		e := newEnv(t)
		u := vtUser(e)
		expect(t, siPatch(e, `{"verificationCodePolicy": {"expirationDuration": 60, "maxRetryAttempts": 1}}`), 200, "")
		id, code := vtSent(t, e, u, "email", "new@example.com", "")
		expect(t, vtVerify(e, u, "email", "new@example.com", id, vtWrong(code)), 400, "verification_code.code_mismatch")
		expect(t, vtVerify(e, u, "email", "new@example.com", id, code), 400, "verification_code.exceed_max_try")
		id, code = vtSent(t, e, u, "email", "new@example.com", "")
		e.clock.Advance(61 * time.Second)
		expect(t, vtVerify(e, u, "email", "new@example.com", id, code), 400, "verification_code.expired")
	})
	t.Run("sentinel policy", func(t *testing.T) {
		e := newEnv(t)
		u := vtUser(e)
		expect(t, siPatch(e, `{"sentinelPolicy": {"maxAttempts": 2, "lockoutDuration": 3}}`), 200, "")
		expect(t, vtVerifyPassword(e, u, "Wrong-1"), 422, "session.invalid_credentials")
		expect(t, vtVerifyPassword(e, u, "Wrong-2"), 400, "session.verification_blocked_too_many_attempts")
		expect(t, vtVerifyPassword(e, u, vtPassword), 400, "session.verification_blocked_too_many_attempts")
		e.clock.Advance(3 * time.Minute)
		expect(t, vtVerifyPassword(e, u, vtPassword), 201, "")
	})
	t.Run("passkey sign-in", func(t *testing.T) {
		e := newEnv(t, withPolicies(func(p *account.Policies) { p.MFA.Factors = []store.FactorType{store.FactorTOTP} }))
		u, proof := waPasswordUser(e)
		expect(t, waBind(e, u, proof, waRegistered(e, u, newWAAuthenticator(t)), nil), 400, "session.mfa.mfa_factor_not_enabled")
		expect(t, siPatch(e, `{"passkeySignIn": {"enabled": true}}`), 200, "")
		expect(t, waBind(e, u, proof, waRegistered(e, u, newWAAuthenticator(t)), nil), 204, "")
	})
}

// siStaleness checks that a PATCH on a is seen by b, another Settings over
// the same store, only once ttl has passed on b's clock: b caches the
// policies it read before the PATCH for ttl.
func siStaleness(t *testing.T, a, b *env, ttl time.Duration) {
	t.Helper()
	u := mfUser(a)
	mfStoreTOTP(a, u, mfSecret)
	if !siTOTPProbe(t, b, u) {
		t.Fatal("TOTP disabled on b before the PATCH")
	}
	expect(t, siPatch(a, `{"mfa": {"factors": ["WebAuthn", "BackupCode"], "policy": "UserControlled"}}`), 200, "")
	// The writer sees its change at once.
	if siTOTPProbe(t, a, u) {
		t.Error("TOTP enabled on a after its own PATCH")
	}
	b.clock.Advance(ttl - time.Millisecond)
	if !siTOTPProbe(t, b, u) {
		t.Error("b lost its cached policies before CacheTTL")
	}
	b.clock.Advance(time.Millisecond)
	if siTOTPProbe(t, b, u) {
		t.Error("TOTP still enabled on b once CacheTTL passed")
	}
	want := siWith(t, map[string]string{"mfa": `{"factors": ["WebAuthn", "BackupCode"], "policy": "UserControlled"}`})
	siExpect(t, siGet(b), want)
}

func TestSignInExpSeenByAnotherSettingsWithinCacheTTL(t *testing.T) {
	const ttl = 2 * time.Second
	a := newEnv(t, withCacheTTL(ttl))
	b := newEnv(t, withStore(a.store), withCacheTTL(ttl))
	siStaleness(t, a, b, ttl)
}

func TestReplicaSignInExpWithinCacheTTL(t *testing.T) {
	const ttl = 2 * time.Second
	a, b := vtReplicas(t, withCacheTTL(ttl))
	siStaleness(t, a, b, ttl)

	// And the other way round, with the password policy.
	u := idPasswordUser(b)
	expect(t, siPatch(b, `{"passwordPolicy": {"length": {"min": 20}}}`), 200, "")
	r := a.do(req{method: "POST", path: "/api/my-account/password", token: a.tokenFor(u.ID),
		header: map[string]string{"Logto-Verification-Id": idPasswordProof(a, u)}, body: map[string]string{"password": "Kx8#mQ2vLp9w"}})
	// a read the policies less than ttl ago (its TOTP probes): the old one.
	expect(t, r, 204, "")
	a.clock.Advance(ttl)
	r = a.do(req{method: "POST", path: "/api/my-account/password", token: a.tokenFor(u.ID),
		header: map[string]string{"Logto-Verification-Id": a.passwordProof(u, "Kx8#mQ2vLp9w")}, body: map[string]string{"password": "Kx8#mQ2vLp9wRt5z"}})
	expect(t, r, 422, "password.rejected")
}
