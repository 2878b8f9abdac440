package httpadapter_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image/png"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pquerna/otp/totp"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/mfa"
	"github.com/accountapi/accountapi/store"
)

// Tests of the Management API's MFA and logto-config routes
// (docs/compatibility.md, "Management API routes" and "Factor list").

// maRFCSecret is RFC 6238's SHA-1 test key, "12345678901234567890", in base32.
const maRFCSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

var maBackupCode = regexp.MustCompile(`^[0-9a-f]{10}$`)

// maCodes are ten well-formed backup codes.
var maCodes = []string{
	"0123456789", "abcdef0123", "1111111111", "2222222222", "3333333333",
	"4444444444", "5555555555", "6666666666", "7777777777", "8888888888",
}

func (e *maEnv) addFactor(t testing.TB, userID string, body map[string]any) map[string]any {
	t.Helper()
	r := e.admin("POST", "/api/users/"+userID+"/mfa-verifications", body)
	expect(t, r, 200, "")
	return r.json(t)
}

func TestManagementCreateTOTP(t *testing.T) {
	t.Run("generated secret, usable at once", func(t *testing.T) {
		e := maNewEnv(t)
		u := e.newUser(e.withPassword("Secret-123"))
		body := e.addFactor(t, u.ID, map[string]any{"type": "Totp"})
		secret, _ := body["secret"].(string)
		if body["type"] != "Totp" || !mfa.ValidTOTPSecret(secret) || len(secret) != 32 {
			t.Fatalf("body %v", body)
		}
		qr, _ := body["secretQrCode"].(string)
		data, ok := strings.CutPrefix(qr, "data:image/png;base64,")
		if !ok {
			t.Fatalf("secretQrCode %.40q is not a PNG data URL", qr)
		}
		raw, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(bytes.NewReader(raw)); err != nil {
			t.Fatalf("secretQrCode is not a PNG: %v", err)
		}
		if len(body) != 3 {
			t.Errorf("members %v, want type, secret, secretQrCode", body)
		}

		// The stored factor works for step-up verification.
		code, err := totp.GenerateCode(secret, e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		r := e.do(req{method: "POST", path: "/api/verifications/totp/verify", token: e.tokenFor(u.ID), body: map[string]any{"code": code}})
		expect(t, r, 201, "")

		// mfa.enabled stays unset: only the Account API sets it.
		if got := e.reload(u).LogtoConfig.MFA.Enabled; got != nil {
			t.Errorf("mfa.enabled = %v, want unset", *got)
		}
		if ev := e.events.named(event.UserDataUpdated); len(ev) == 0 || ev[0].UserID != u.ID {
			t.Errorf("User.Data.Updated events %+v", ev)
		}
	})

	t.Run("the sign-in experience's factor list does not apply", func(t *testing.T) {
		e := maNewEnv(t, withPolicies(func(p *account.Policies) { p.MFA.Factors = nil }))
		u := e.newUser()
		e.addFactor(t, u.ID, map[string]any{"type": "Totp"})
		e.addFactor(t, u.ID, map[string]any{"type": "BackupCode"})
		if f, _ := e.store.ListMFAFactors(context.Background(), u.ID); len(f) != 2 {
			t.Errorf("%d factors stored, want 2", len(f))
		}
	})

	t.Run("given secret", func(t *testing.T) {
		e := maNewEnv(t)
		u := e.newUser()
		body := e.addFactor(t, u.ID, map[string]any{"type": "Totp", "secret": maRFCSecret, "codes": "ignored"})
		if body["secret"] != maRFCSecret {
			t.Errorf("secret %v, want the one sent", body["secret"])
		}
		f, err := e.store.ListMFAFactors(context.Background(), u.ID)
		if err != nil || len(f) != 1 || f[0].TOTP == nil || f[0].TOTP.Secret != maRFCSecret {
			t.Errorf("stored factors %+v (%v)", f, err)
		}
	})

	for _, tc := range []struct {
		name   string
		prior  bool // the user has a TOTP factor already
		body   any
		status int
		code   string
	}{
		{name: "already has one", prior: true, body: map[string]any{"type": "Totp"}, status: 422, code: "user.totp_already_in_use"},
		{name: "already has one, bad secret too", prior: true, body: map[string]any{"type": "Totp", "secret": "x"}, status: 422,
			code: "user.totp_already_in_use"},
		{name: "secret not base32", body: map[string]any{"type": "Totp", "secret": "invalid-totp-secret"}, status: 422, code: "user.totp_secret_invalid"},
		{name: "secret lower case", body: map[string]any{"type": "Totp", "secret": strings.ToLower(maRFCSecret)}, status: 422,
			code: "user.totp_secret_invalid"},
		{name: "secret too short", body: map[string]any{"type": "Totp", "secret": "GEZDGNBV"}, status: 422, code: "user.totp_secret_invalid"},
		{name: "secret empty", body: map[string]any{"type": "Totp", "secret": ""}, status: 422, code: "user.totp_secret_invalid"},
		{name: "secret null", body: `{"type":"Totp","secret":null}`, status: 400, code: "guard.invalid_input"},
		{name: "secret not a string", body: map[string]any{"type": "Totp", "secret": 1}, status: 400, code: "guard.invalid_input"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := maNewEnv(t)
			u := e.newUser()
			if tc.prior {
				e.addFactor(t, u.ID, map[string]any{"type": "Totp", "secret": maRFCSecret})
			}
			before, _ := e.store.ListMFAFactors(context.Background(), u.ID)
			events := mgEvents(e.env)
			expect(t, e.admin("POST", "/api/users/"+u.ID+"/mfa-verifications", tc.body), tc.status, tc.code)
			after, _ := e.store.ListMFAFactors(context.Background(), u.ID)
			if diff := cmp.Diff(before, after); diff != "" {
				t.Errorf("factors changed by a refusal (-before +after):\n%s", diff)
			}
			if mgEvents(e.env) != events {
				t.Errorf("events after a refusal")
			}
		})
	}
}

func TestManagementCreateBackupCodes(t *testing.T) {
	totpFirst := func(e *maEnv, u *store.User) { e.addFactor(e.t, u.ID, map[string]any{"type": "Totp"}) }
	cases := []struct {
		name   string
		setup  func(e *maEnv, u *store.User)
		body   any
		status int
		code   string
		want   []string // nil: ten generated codes
	}{
		{name: "generated", setup: totpFirst, body: map[string]any{"type": "BackupCode"}, status: 200},
		{name: "given", setup: totpFirst, body: map[string]any{"type": "BackupCode", "codes": maCodes, "secret": 1}, status: 200, want: maCodes},
		{name: "given, upper case", setup: totpFirst, body: map[string]any{"type": "BackupCode", "codes": append([]string{"ABCDEF0123"}, maCodes[1:]...)},
			status: 200, want: append([]string{"ABCDEF0123"}, maCodes[1:]...)},
		{name: "after an exhausted set", setup: func(e *maEnv, u *store.User) {
			totpFirst(e, u)
			e.addFactor(e.t, u.ID, map[string]any{"type": "BackupCode"})
			maUseAllCodes(e, u)
		}, body: map[string]any{"type": "BackupCode"}, status: 200},

		{name: "alone", body: map[string]any{"type": "BackupCode"}, status: 422, code: "session.mfa.backup_code_can_not_be_alone"},
		{name: "alone, bad codes too", body: map[string]any{"type": "BackupCode", "codes": []string{"x"}}, status: 422,
			code: "session.mfa.backup_code_can_not_be_alone"},
		{name: "a set in use", setup: func(e *maEnv, u *store.User) {
			totpFirst(e, u)
			e.addFactor(e.t, u.ID, map[string]any{"type": "BackupCode"})
		}, body: map[string]any{"type": "BackupCode", "codes": []string{"x"}}, status: 422, code: "user.backup_code_already_in_use"},
		{name: "nine codes", setup: totpFirst, body: map[string]any{"type": "BackupCode", "codes": maCodes[:9]}, status: 422,
			code: "user.wrong_backup_code_format"},
		{name: "no codes", setup: totpFirst, body: map[string]any{"type": "BackupCode", "codes": []string{}}, status: 422,
			code: "user.wrong_backup_code_format"},
		{name: "a code not hex", setup: totpFirst, body: map[string]any{"type": "BackupCode", "codes": append([]string{"zzzzzzzzzz"}, maCodes[1:]...)},
			status: 422, code: "user.wrong_backup_code_format"},
		{name: "codes null", setup: totpFirst, body: `{"type":"BackupCode","codes":null}`, status: 400, code: "guard.invalid_input"},
		{name: "codes not strings", setup: totpFirst, body: map[string]any{"type": "BackupCode", "codes": []int{1}}, status: 400, code: "guard.invalid_input"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := maNewEnv(t)
			u := e.newUser()
			if tc.setup != nil {
				tc.setup(e, u)
			}
			before, _ := e.store.ListMFAFactors(context.Background(), u.ID)
			events := mgEvents(e.env)
			r := e.admin("POST", "/api/users/"+u.ID+"/mfa-verifications", tc.body)
			expect(t, r, tc.status, tc.code)
			after, _ := e.store.ListMFAFactors(context.Background(), u.ID)
			if tc.status != 200 {
				if diff := cmp.Diff(before, after); diff != "" {
					t.Errorf("factors changed by a refusal (-before +after):\n%s", diff)
				}
				if mgEvents(e.env) != events {
					t.Errorf("events after a refusal")
				}
				return
			}
			var body struct {
				Type  string   `json:"type"`
				Codes []string `json:"codes"`
			}
			if err := json.Unmarshal(r.body, &body); err != nil {
				t.Fatalf("body %s: %v", r.body, err)
			}
			if body.Type != "BackupCode" || len(body.Codes) != 10 {
				t.Fatalf("body %s", r.body)
			}
			if tc.want != nil {
				if diff := cmp.Diff(tc.want, body.Codes); diff != "" {
					t.Errorf("codes (-want +got):\n%s", diff)
				}
			} else {
				for _, c := range body.Codes {
					if !maBackupCode.MatchString(c) {
						t.Errorf("generated code %q", c)
					}
				}
			}
			if len(after) != len(before)+1 {
				t.Fatalf("%d factors after, %d before", len(after), len(before))
			}
			// Each code works once for step-up verification.
			r = e.do(req{method: "POST", path: "/api/verifications/backup-code/verify", token: e.tokenFor(u.ID),
				body: map[string]any{"code": body.Codes[4]}})
			expect(t, r, 201, "")
			if mgEvents(e.env) <= events {
				t.Errorf("no event")
			}
		})
	}
}

// maUseAllCodes marks every backup code of the user used.
func maUseAllCodes(e *maEnv, u *store.User) {
	e.t.Helper()
	factors, err := e.store.ListMFAFactors(context.Background(), u.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, f := range factors {
		for i := range f.BackupCodes {
			if f.BackupCodes[i].UsedAt.IsZero() {
				if err := e.store.UseBackupCode(context.Background(), f.ID, i, e.clock.Now()); err != nil {
					e.t.Fatal(err)
				}
			}
		}
	}
}

func TestManagementCreateFactorTypes(t *testing.T) {
	for _, body := range []any{
		map[string]any{"type": "WebAuthn", "newIdentifierVerificationRecordId": "x"},
		map[string]any{"type": "TOTP"},
		map[string]any{"type": "EmailVerificationCode"},
		map[string]any{},
		`{"type":null}`,
		`[]`,
	} {
		e := maNewEnv(t)
		u := e.newUser()
		expect(t, e.admin("POST", "/api/users/"+u.ID+"/mfa-verifications", body), 400, "guard.invalid_input")
		if f, _ := e.store.ListMFAFactors(context.Background(), u.ID); len(f) != 0 {
			t.Errorf("%v stored %+v", body, f)
		}
	}
	e := maNewEnv(t)
	expect(t, e.admin("POST", "/api/users/nosuchuser/mfa-verifications", map[string]any{"type": "Totp"}), 404, "entity.not_found")
	expect(t, e.admin("POST", "/api/users/nosuchuser/mfa-verifications", map[string]any{"type": "BackupCode"}), 404, "entity.not_found")
}

func TestManagementListFactors(t *testing.T) {
	e := maNewEnv(t)
	u := e.newUser()
	r := e.admin("GET", "/api/users/"+u.ID+"/mfa-verifications", nil)
	expect(t, r, 200, "")
	if string(r.body) != "[]" {
		t.Errorf("no factors: %s, want []", r.body)
	}
	e.addFactor(t, u.ID, map[string]any{"type": "Totp"})
	e.clock.Advance(time.Second)
	e.addFactor(t, u.ID, map[string]any{"type": "BackupCode"})
	r = e.do(req{method: "POST", path: "/api/verifications/backup-code/verify", token: e.tokenFor(u.ID),
		body: map[string]any{"code": maFirstCode(e, u)}})
	expect(t, r, 201, "")

	factors, err := e.store.ListMFAFactors(context.Background(), u.ID)
	if err != nil || len(factors) != 2 {
		t.Fatalf("stored %+v (%v)", factors, err)
	}
	r = e.admin("GET", "/api/users/"+u.ID+"/mfa-verifications", nil)
	expect(t, r, 200, "")
	var got []any
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	want := []any{
		map[string]any{"id": factors[0].ID, "createdAt": "2026-03-04T10:00:00.000Z", "type": "Totp"},
		map[string]any{"id": factors[1].ID, "createdAt": "2026-03-04T10:00:01.000Z", "type": "BackupCode", "remainCodes": float64(9)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
	expect(t, e.admin("GET", "/api/users/nosuchuser/mfa-verifications", nil), 404, "entity.not_found")
}

// maFirstCode returns the user's first backup code (stored in plain text).
func maFirstCode(e *maEnv, u *store.User) string {
	e.t.Helper()
	factors, err := e.store.ListMFAFactors(context.Background(), u.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, f := range factors {
		if f.Type == store.FactorBackupCode {
			return f.BackupCodes[0].Code
		}
	}
	e.t.Fatal("no backup codes")
	return ""
}

func TestManagementDeleteFactor(t *testing.T) {
	e := maNewEnv(t)
	u := e.newUser()
	other := e.newUser()
	e.addFactor(t, u.ID, map[string]any{"type": "Totp"})
	e.addFactor(t, u.ID, map[string]any{"type": "BackupCode"})
	factors, _ := e.store.ListMFAFactors(context.Background(), u.ID)
	events := mgEvents(e.env)

	// Another user's factor, an unknown id, an unknown user.
	expect(t, e.admin("DELETE", "/api/users/"+other.ID+"/mfa-verifications/"+factors[0].ID, nil), 404, "entity.not_found")
	expect(t, e.admin("DELETE", "/api/users/"+u.ID+"/mfa-verifications/nosuchfactor", nil), 404, "entity.not_found")
	expect(t, e.admin("DELETE", "/api/users/nosuchuser/mfa-verifications/"+factors[0].ID, nil), 404, "entity.not_found")
	if after, _ := e.store.ListMFAFactors(context.Background(), u.ID); len(after) != 2 || mgEvents(e.env) != events {
		t.Fatalf("refusals changed something: %d factors, %d events", len(after), mgEvents(e.env)-events)
	}

	// The TOTP factor goes though backup codes remain: no last-factor rule.
	r := e.admin("DELETE", "/api/users/"+u.ID+"/mfa-verifications/"+factors[0].ID, nil)
	expect(t, r, 204, "")
	if len(r.body) != 0 {
		t.Errorf("204 with a body: %s", r.body)
	}
	after, _ := e.store.ListMFAFactors(context.Background(), u.ID)
	if len(after) != 1 || after[0].ID != factors[1].ID {
		t.Errorf("left %+v", after)
	}
	if mgEvents(e.env) != events+1 {
		t.Errorf("want one event")
	}
	expect(t, e.admin("DELETE", "/api/users/"+u.ID+"/mfa-verifications/"+factors[0].ID, nil), 404, "entity.not_found")
	expect(t, e.admin("DELETE", "/api/users/"+u.ID+"/mfa-verifications/"+factors[1].ID, nil), 204, "")
}

func TestManagementLogtoConfigs(t *testing.T) {
	defaults := map[string]any{"mfa": map[string]any{"skipped": false, "skipMfaOnSignIn": false}, "passkeySignIn": map[string]any{"skipped": false}}
	cases := []struct {
		name   string
		body   any
		status int
		code   string
		want   map[string]any
	}{
		{name: "every member", body: map[string]any{
			"mfa": map[string]any{"enabled": true, "skipped": true, "skipMfaOnSignIn": true}, "passkeySignIn": map[string]any{"skipped": true},
		}, status: 200, want: map[string]any{
			"mfa": map[string]any{"enabled": true, "skipped": true, "skipMfaOnSignIn": true}, "passkeySignIn": map[string]any{"skipped": true},
		}},
		{name: "one member", body: map[string]any{"mfa": map[string]any{"skipMfaOnSignIn": true}}, status: 200,
			want: map[string]any{"mfa": map[string]any{"skipped": false, "skipMfaOnSignIn": true}, "passkeySignIn": map[string]any{"skipped": false}}},
		{name: "enabled false", body: map[string]any{"mfa": map[string]any{"enabled": false}}, status: 200,
			want: map[string]any{"mfa": map[string]any{"enabled": false, "skipped": false, "skipMfaOnSignIn": false}, "passkeySignIn": map[string]any{"skipped": false}}},
		{name: "empty body", body: map[string]any{}, status: 200, want: defaults},
		{name: "member null", body: `{"mfa":{"skipped":null}}`, status: 400, code: "guard.invalid_input"},
		{name: "mfa null", body: `{"mfa":null}`, status: 400, code: "guard.invalid_input"},
		// Not a member of the Management API's guard: stripped, even null.
		{name: "additionalBindingSuggestionSkipped ignored", body: `{"mfa":{"additionalBindingSuggestionSkipped":null,"skipped":true}}`, status: 200,
			want: map[string]any{"mfa": map[string]any{"skipped": true, "skipMfaOnSignIn": false}, "passkeySignIn": map[string]any{"skipped": false}}},
		{name: "member not a boolean", body: map[string]any{"passkeySignIn": map[string]any{"skipped": "yes"}}, status: 400, code: "guard.invalid_input"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := maNewEnv(t)
			u := e.reload(e.newUser())
			r := e.admin("GET", "/api/users/"+u.ID+"/logto-configs", nil)
			expect(t, r, 200, "")
			if diff := cmp.Diff(defaults, r.json(t)); diff != "" {
				t.Errorf("GET before (-want +got):\n%s", diff)
			}
			r = e.admin("PATCH", "/api/users/"+u.ID+"/logto-configs", tc.body)
			expect(t, r, tc.status, tc.code)
			if tc.status != 200 {
				maUnchanged(t, e, u)
				return
			}
			if diff := cmp.Diff(tc.want, r.json(t)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			r = e.admin("GET", "/api/users/"+u.ID+"/logto-configs", nil)
			if diff := cmp.Diff(tc.want, r.json(t)); diff != "" {
				t.Errorf("GET after (-want +got):\n%s", diff)
			}
			if len(e.events.named(event.UserDataUpdated)) != 1 {
				t.Errorf("want one User.Data.Updated")
			}
		})
	}
	t.Run("unknown user", func(t *testing.T) {
		e := maNewEnv(t)
		expect(t, e.admin("GET", "/api/users/nosuchuser/logto-configs", nil), 404, "entity.not_found")
		expect(t, e.admin("PATCH", "/api/users/nosuchuser/logto-configs", map[string]any{}), 404, "entity.not_found")
	})
}
