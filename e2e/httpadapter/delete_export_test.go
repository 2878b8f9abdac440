package httpadapter_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pquerna/otp/totp"

	"github.com/accountapi/accountapi"
	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/store"
)

// Tests of DELETE /api/my-account (issue 7, item 6), GET
// /api/my-account/export (item 7) and GET /api/my-account's
// deleteAccountUrl. Helpers start with "sx", as in notices_test.go.

// sxSettings stores the default test settings (enabled, every field Edit
// but deleteAccount) changed by mod; the env reads settings uncached.
func sxSettings(e *env, mod func(*store.AccountCenter)) {
	e.t.Helper()
	ac := allEditable()
	if mod != nil {
		mod(&ac)
	}
	if err := e.store.SaveAccountCenter(context.Background(), &ac); err != nil {
		e.t.Fatal(err)
	}
}

// sxDeletable sets the deleteAccount field to Edit.
func sxDeletable(e *env) {
	sxSettings(e, func(ac *store.AccountCenter) { ac.Fields.DeleteAccount = store.ControlEdit })
}

// sxFirstParty treats the client "third" as a third-party application.
func sxFirstParty() envOption {
	return withFirstParty(func(_ context.Context, id string) (bool, error) { return id != "third", nil })
}

// sxOwned is what a user owns in the store besides its row.
type sxOwned struct {
	factorIDs  []string
	credential []byte
	tokenHash  []byte
	tokenValue string
	records    []*store.VerificationRecord // with the template of their code, if any
}

// sxFullUser stores a user with every kind of row: identifiers, password,
// an identity, a TOTP factor, backup codes, a passkey, a personal access
// token, a proof record and a pending code record (with its code) for a new
// address.
func sxFullUser(e *env, name string) (*store.User, sxOwned) {
	e.t.Helper()
	ctx := context.Background()
	u := sxUser(e, name+"@example.com", "", withIdentity("github", "gh-"+name))
	var o sxOwned
	f := sxTOTP(e, u)
	o.factorIDs = append(o.factorIDs, f.ID)
	codes := &store.MFAFactor{ID: "bc-" + u.ID[:6], UserID: u.ID, Type: store.FactorBackupCode, CreatedAt: e.clock.Now()}
	for _, c := range sxBackupCodes {
		codes.BackupCodes = append(codes.BackupCodes, store.BackupCode{Code: c})
	}
	o.credential = []byte("cred-" + name)
	passkey := &store.MFAFactor{ID: "wa-" + u.ID[:6], UserID: u.ID, Type: store.FactorWebAuthn, CreatedAt: e.clock.Now(),
		WebAuthn: &store.WebAuthnCredential{RPID: "localhost", CredentialID: o.credential, PublicKey: []byte("public-key-" + name)}}
	for _, f := range []*store.MFAFactor{codes, passkey} {
		if err := e.store.CreateMFAFactor(ctx, f); err != nil {
			e.t.Fatal(err)
		}
		o.factorIDs = append(o.factorIDs, f.ID)
	}
	o.tokenValue = "pat_" + strings.Repeat(name[:1], 32)
	sum := sha256.Sum256([]byte(o.tokenValue))
	o.tokenHash = sum[:]
	if err := e.store.CreatePersonalAccessToken(ctx, &store.PersonalAccessToken{
		UserID: u.ID, Name: "ci", Hash: o.tokenHash, CreatedAt: e.clock.Now(),
	}); err != nil {
		e.t.Fatal(err)
	}
	proof := e.passwordProof(u, sxPassword)
	pending, _ := e.sendCode(u, "email", name+"-new@example.com")
	for _, id := range []string{proof, pending} {
		r, err := e.store.GetVerificationRecord(ctx, id, e.clock.Now())
		if err != nil {
			e.t.Fatal(err)
		}
		o.records = append(o.records, r)
	}
	return e.reload(u), o
}

// sxCheckGone fails the test unless nothing of u is left in the store.
func sxCheckGone(t *testing.T, e *env, u *store.User, o sxOwned) {
	t.Helper()
	ctx := context.Background()
	notFound := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s after the deletion: %v, want store.ErrNotFound", what, err)
		}
	}
	_, err := e.store.GetUser(ctx, u.ID)
	notFound("GetUser", err)
	_, err = e.store.FindUserByUsername(ctx, u.Username)
	notFound("FindUserByUsername", err)
	_, err = e.store.FindUserByEmail(ctx, u.PrimaryEmail)
	notFound("FindUserByEmail", err)
	for target, id := range u.Identities {
		_, err = e.store.FindUserByIdentity(ctx, target, id.UserID)
		notFound("FindUserByIdentity("+target+")", err)
	}
	if fs, err := e.store.ListMFAFactors(ctx, u.ID); err != nil || len(fs) != 0 {
		t.Errorf("ListMFAFactors after the deletion: %d factors, %v", len(fs), err)
	}
	for _, id := range o.factorIDs {
		_, err = e.store.GetMFAFactor(ctx, u.ID, id)
		notFound("GetMFAFactor("+id+")", err)
	}
	_, err = e.store.FindWebAuthnCredential(ctx, o.credential)
	notFound("FindWebAuthnCredential", err)
	if ts, err := e.store.ListPersonalAccessTokens(ctx, u.ID); err != nil || len(ts) != 0 {
		t.Errorf("ListPersonalAccessTokens after the deletion: %d tokens, %v", len(ts), err)
	}
	_, err = e.store.FindPersonalAccessToken(ctx, o.tokenHash)
	notFound("FindPersonalAccessToken", err)
	for _, r := range o.records {
		_, err = e.store.GetVerificationRecord(ctx, r.ID, e.clock.Now())
		notFound("GetVerificationRecord("+string(r.Type)+")", err)
		if r.TemplateType != "" {
			_, err = e.store.FindVerificationCode(ctx, r.ID, r.TemplateType)
			notFound("FindVerificationCode("+string(r.Type)+")", err)
		}
	}
}

// sxCheckKept fails the test unless every row of u is still there.
func sxCheckKept(t *testing.T, e *env, u *store.User, o sxOwned) {
	t.Helper()
	ctx := context.Background()
	got, err := e.store.GetUser(ctx, u.ID)
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	if diff := cmp.Diff(u, got); diff != "" {
		t.Errorf("user changed (-before +after):\n%s", diff)
	}
	if fs, err := e.store.ListMFAFactors(ctx, u.ID); err != nil || len(fs) != len(o.factorIDs) {
		t.Errorf("ListMFAFactors: %d factors, %v; want %d", len(fs), err, len(o.factorIDs))
	}
	if _, err := e.store.FindPersonalAccessToken(ctx, o.tokenHash); err != nil {
		t.Errorf("FindPersonalAccessToken: %v", err)
	}
	for _, r := range o.records {
		if _, err := e.store.GetVerificationRecord(ctx, r.ID, e.clock.Now()); err != nil {
			t.Errorf("GetVerificationRecord(%s): %v", r.Type, err)
		}
		if r.TemplateType != "" {
			if _, err := e.store.FindVerificationCode(ctx, r.ID, r.TemplateType); err != nil {
				t.Errorf("FindVerificationCode(%s): %v", r.Type, err)
			}
		}
	}
}

// TestDeleteAccount checks that DELETE /api/my-account deletes every row
// of the caller and nothing of anyone else, emits User.Deleted once with
// the user's data, tells the revoker, and leaves the token useless.
func TestDeleteAccount(t *testing.T) {
	e := sxNewEnv(t, account.Notices{})
	sxDeletable(e.env)
	ann, annOwns := sxFullUser(e.env, "ann")
	bob, bobOwns := sxFullUser(e.env, "bob")
	tok := e.tokenFor(ann.ID)
	proof := annOwns.records[0].ID

	r := e.do(req{method: "DELETE", path: "/api/my-account", token: tok, header: map[string]string{"Logto-Verification-Id": proof}})
	expect(t, r, 204, "")
	if len(r.body) != 0 {
		t.Errorf("body %q, want none", r.body)
	}

	sxCheckGone(t, e.env, ann, annOwns)
	sxCheckKept(t, e.env, bob, bobOwns)

	deleted := e.events.named(event.UserDeleted)
	if len(deleted) != 1 {
		t.Fatalf("%d User.Deleted events, want 1", len(deleted))
	}
	if deleted[0].UserID != ann.ID || !deleted[0].At.Equal(e.clock.Now()) {
		t.Errorf("User.Deleted for %s at %v", deleted[0].UserID, deleted[0].At)
	}
	if diff := cmp.Diff(account.Snapshot(ann), deleted[0].Data); diff != "" {
		t.Errorf("User.Deleted data (-want +got):\n%s", diff)
	}
	data, err := json.Marshal(deleted[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(ann.PasswordDigest)) || bytes.Contains(data, []byte(sxRFCSecret)) {
		t.Errorf("User.Deleted carries a secret: %s", data)
	}
	if diff := cmp.Diff([]maRevocation{{ann.ID, account.RevokeDeleted}}, e.revoker.list()); diff != "" {
		t.Errorf("revocations (-want +got):\n%s", diff)
	}
	if n := e.notices.attempts(); n != 0 {
		t.Errorf("%d notices for a deletion", n)
	}

	// The token names no user any more; a second deletion finds nothing.
	expect(t, e.do(req{method: "GET", path: "/api/my-account", token: tok}), 401, "auth.unauthorized")
	r = e.do(req{method: "DELETE", path: "/api/my-account", token: tok, header: map[string]string{"Logto-Verification-Id": proof}})
	expect(t, r, 401, "")
	if n := len(e.events.named(event.UserDeleted)); n != 1 {
		t.Errorf("%d User.Deleted events after a second request, want 1", n)
	}
	// The username, email and identity are free again.
	e.newUser(func(u *store.User) {
		u.Username, u.PrimaryEmail, u.Identities = ann.Username, ann.PrimaryEmail, ann.Identities
	})
}

// TestDeleteAccountRefusals checks each error in order: identity proof
// (401), the deleteAccount field (400), the first-party guard (403); a
// refused request changes nothing, emits nothing and revokes nothing.
func TestDeleteAccountRefusals(t *testing.T) {
	tests := []struct {
		name    string
		control store.Control
		proof   string // "own", "other", "expired", "code" or ""
		client  string
		status  int
		code    string
	}{
		{"no proof, field off, third party", store.ControlOff, "", "third", 401, "verification_record.permission_denied"},
		{"no proof, field Edit", store.ControlEdit, "", "", 401, "verification_record.permission_denied"},
		{"another user's proof", store.ControlEdit, "other", "", 401, "verification_record.permission_denied"},
		{"an expired proof", store.ControlEdit, "expired", "", 401, "verification_record.permission_denied"},
		{"a record that proves a new address, not identity", store.ControlEdit, "code", "", 401, "verification_record.permission_denied"},
		{"proof, field unset (Off), third party", "", "own", "third", 400, "account_center.field_not_editable"},
		{"proof, field Off", store.ControlOff, "own", "", 400, "account_center.field_not_editable"},
		{"proof, field ReadOnly", store.ControlReadOnly, "own", "", 400, "account_center.field_not_editable"},
		{"proof, field Edit, third party", store.ControlEdit, "own", "third", 403, "auth.third_party_application_forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := sxNewEnv(t, account.Notices{}, sxFirstParty())
			sxSettings(e.env, func(ac *store.AccountCenter) { ac.Fields.DeleteAccount = tt.control })
			ann, annOwns := sxFullUser(e.env, "ann")
			var proof string
			switch tt.proof {
			case "own":
				proof = annOwns.records[0].ID
			case "other":
				bob := sxUser(e.env, "", "")
				proof = e.passwordProof(bob, sxPassword)
			case "expired":
				proof = annOwns.records[0].ID
				e.clock.Advance(11 * time.Minute)
			case "code":
				proof = e.verifiedCode(ann, "email", "ann-other@example.com")
			}
			ann = e.reload(ann)
			annOwns = sxLive(e.env, annOwns)
			r := e.do(req{method: "DELETE", path: "/api/my-account", token: sxToken(e.env, ann.ID, tt.client),
				header: map[string]string{"Logto-Verification-Id": proof}})
			expect(t, r, tt.status, tt.code)
			sxCheckKept(t, e.env, ann, annOwns)
			if n := len(e.events.named(event.UserDeleted)); n != 0 {
				t.Errorf("%d User.Deleted events", n)
			}
			if len(e.revoker.list()) != 0 {
				t.Errorf("revocations %v", e.revoker.list())
			}
		})
	}
}

// sxLive drops the records that expired by now.
func sxLive(e *env, o sxOwned) sxOwned {
	var live []*store.VerificationRecord
	for _, r := range o.records {
		if r.ExpiresAt.After(e.clock.Now()) {
			live = append(live, r)
		}
	}
	o.records = live
	return o
}

// TestDeleteAccountURL checks that GET /api/my-account shows the account
// center's deleteAccountUrl only when one is set, whatever the token's
// scopes, and that PATCH's answer, the same view, does too.
func TestDeleteAccountURL(t *testing.T) {
	const url = "https://example.com/delete-my-account"
	t.Run("unset", func(t *testing.T) {
		e := newEnv(t)
		u := sxUser(e, "ann@example.com", "")
		r := e.do(req{method: "GET", path: "/api/my-account", token: e.tokenFor(u.ID)})
		expect(t, r, 200, "")
		if v, ok := r.json(t)["deleteAccountUrl"]; ok {
			t.Errorf("deleteAccountUrl = %v, want no member", v)
		}
	})
	t.Run("set", func(t *testing.T) {
		e := newEnv(t)
		sxSettings(e, func(ac *store.AccountCenter) { ac.DeleteAccountURL = url })
		u := sxUser(e, "ann@example.com", "")
		for _, tok := range []string{e.tokenFor(u.ID), e.token(u.ID, "openid")} {
			r := e.do(req{method: "GET", path: "/api/my-account", token: tok})
			expect(t, r, 200, "")
			if got := r.json(t)["deleteAccountUrl"]; got != url {
				t.Errorf("deleteAccountUrl = %v, want %s", got, url)
			}
		}
		r := e.do(req{method: "PATCH", path: "/api/my-account", token: e.tokenFor(u.ID), body: map[string]string{"name": "Ann"}})
		expect(t, r, 200, "")
		if got := r.json(t)["deleteAccountUrl"]; got != url {
			t.Errorf("PATCH: deleteAccountUrl = %v, want %s", got, url)
		}
	})
	t.Run("set through the Management API, then cleared", func(t *testing.T) {
		e := newEnv(t)
		u := sxUser(e, "ann@example.com", "")
		expect(t, e.do(req{method: "PATCH", path: "/api/account-center", token: e.adminToken(), body: map[string]any{"deleteAccountUrl": url}}), 200, "")
		r := e.do(req{method: "GET", path: "/api/my-account", token: e.tokenFor(u.ID)})
		if got := r.json(t)["deleteAccountUrl"]; got != url {
			t.Errorf("deleteAccountUrl = %v, want %s", got, url)
		}
		expect(t, e.do(req{method: "PATCH", path: "/api/account-center", token: e.adminToken(), body: map[string]any{"deleteAccountUrl": nil}}), 200, "")
		r = e.do(req{method: "GET", path: "/api/my-account", token: e.tokenFor(u.ID)})
		if v, ok := r.json(t)["deleteAccountUrl"]; ok {
			t.Errorf("deleteAccountUrl = %v after clearing, want no member", v)
		}
	})
}

// TestExportRefusals checks the export's errors in order: identity proof
// (401), then the first-party guard (403); no field control applies.
func TestExportRefusals(t *testing.T) {
	tests := []struct {
		name   string
		proof  string // "own", "other", "expired" or ""
		client string
		status int
		code   string
	}{
		{"no proof, third party", "", "third", 401, "verification_record.permission_denied"},
		{"another user's proof", "other", "", 401, "verification_record.permission_denied"},
		{"an expired proof", "expired", "", 401, "verification_record.permission_denied"},
		{"proof, third party", "own", "third", 403, "auth.third_party_application_forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, sxFirstParty())
			u := sxUser(e, "ann@example.com", "")
			var proof string
			switch tt.proof {
			case "own":
				proof = e.passwordProof(u, sxPassword)
			case "other":
				proof = e.passwordProof(sxUser(e, "", ""), sxPassword)
			case "expired":
				proof = e.passwordProof(u, sxPassword)
				e.clock.Advance(11 * time.Minute)
			}
			r := e.do(req{method: "GET", path: "/api/my-account/export", token: sxToken(e, u.ID, tt.client),
				header: map[string]string{"Logto-Verification-Id": proof}})
			expect(t, r, tt.status, tt.code)
			if r.header.Get("Content-Disposition") != "" {
				t.Error("an error is served as an attachment")
			}
		})
	}
	t.Run("every field Off", func(t *testing.T) {
		e := newEnv(t, withAccountCenter(store.AccountCenter{Enabled: true}))
		u := sxUser(e, "ann@example.com", "")
		r := e.do(req{method: "GET", path: "/api/my-account/export", token: e.token(u.ID, "openid"),
			header: map[string]string{"Logto-Verification-Id": e.passwordProof(u, sxPassword)}})
		expect(t, r, 200, "")
	})
}

// TestExportDocument checks the whole document for a user with every kind
// of data.
func TestExportDocument(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := e.clock.Now()
	at := func(d time.Duration) time.Time { return now.Add(-d) }
	ms := func(tm time.Time) float64 { return float64(tm.UnixMilli()) }
	enabled := true
	u := e.newUser(e.withPassword(sxPassword), withEmail("ann@example.com"), withPhone("61412345678"), func(u *store.User) {
		name, avatar, given := "Ann", "https://example.com/ann.png", "Ann"
		u.Name, u.Avatar, u.Profile.GivenName = &name, &avatar, &given
		u.CustomData = map[string]any{"plan": "pro"}
		u.Identities = map[string]store.Identity{"github": {UserID: "gh-1", Details: map[string]any{"email": "ann@github.example"}}}
		u.LogtoConfig.MFA.Enabled = &enabled
		u.ApplicationID = "app-1"
		u.PasswordUpdatedAt = at(72 * time.Hour)
		u.CreatedAt, u.UpdatedAt, u.LastSignInAt = at(96*time.Hour), at(24*time.Hour), at(time.Hour)
	})
	label := "Laptop"
	factors := []*store.MFAFactor{
		{ID: "f1", UserID: u.ID, Type: store.FactorTOTP, CreatedAt: at(48 * time.Hour), LastUsedAt: at(2 * time.Hour),
			TOTP: &store.TOTP{Secret: sxRFCSecret, LastUsedStep: 42}},
		{ID: "f2", UserID: u.ID, Type: store.FactorWebAuthn, CreatedAt: at(47 * time.Hour), LastUsedAt: at(3 * time.Hour),
			WebAuthn: &store.WebAuthnCredential{
				RPID: "example.com", CredentialID: []byte{1, 2, 3, 250}, PublicKey: []byte("pk"), SignCount: 9,
				Transports: []string{"internal", "hybrid"}, AttestationType: "none", Agent: "Browser/1.0", Name: &label,
				AAGUID:         []byte{0xad, 0xce, 0x00, 0x02, 0x35, 0xbc, 0xc6, 0x0a, 0x64, 0x8b, 0x0b, 0x25, 0xf1, 0xf0, 0x55, 0x03},
				BackupEligible: true, BackupState: true,
			}},
		{ID: "f3", UserID: u.ID, Type: store.FactorBackupCode, CreatedAt: at(46 * time.Hour), LastUsedAt: at(4 * time.Hour)},
	}
	for i, c := range sxBackupCodes {
		bc := store.BackupCode{Code: c}
		if i < 3 {
			bc.UsedAt = at(4 * time.Hour)
		}
		factors[2].BackupCodes = append(factors[2].BackupCodes, bc)
	}
	for _, f := range factors {
		if err := e.store.CreateMFAFactor(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	for i, tk := range []store.PersonalAccessToken{
		{UserID: u.ID, Name: "ci", Hash: []byte("hash-ci-0123456789abcdef0123456"), CreatedAt: at(30 * time.Hour), ExpiresAt: now.Add(time.Hour)},
		{UserID: u.ID, Name: "laptop", Hash: []byte("hash-lt-0123456789abcdef0123456"), CreatedAt: at(20 * time.Hour)},
	} {
		if err := e.store.CreatePersonalAccessToken(ctx, &tk); err != nil {
			t.Fatal(i, err)
		}
	}
	proof := e.passwordProof(u, sxPassword)

	r := e.do(req{method: "GET", path: "/api/my-account/export", token: e.tokenFor(u.ID), header: map[string]string{"Logto-Verification-Id": proof}})
	expect(t, r, 200, "")
	if got := r.header.Get("Content-Disposition"); got != `attachment; filename="account-export.json"` {
		t.Errorf("Content-Disposition %q", got)
	}
	if got := r.header.Get("Content-Type"); !strings.HasPrefix(got, "application/json") {
		t.Errorf("Content-Type %q", got)
	}
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q", got)
	}
	want := map[string]any{
		"exportedAt": ms(now),
		"user": map[string]any{
			"id": u.ID, "username": u.Username, "primaryEmail": "ann@example.com", "primaryPhone": "61412345678",
			"name": "Ann", "avatar": "https://example.com/ann.png",
			"customData":   map[string]any{"plan": "pro"},
			"identities":   map[string]any{"github": map[string]any{"userId": "gh-1", "details": map[string]any{"email": "ann@github.example"}}},
			"profile":      map[string]any{"givenName": "Ann"},
			"lastSignInAt": ms(at(time.Hour)), "createdAt": ms(at(96 * time.Hour)), "updatedAt": ms(at(24 * time.Hour)),
			"applicationId": "app-1", "isSuspended": false, "hasPassword": true,
		},
		"password": map[string]any{"set": true, "algorithm": "Argon2id", "updatedAt": ms(at(72 * time.Hour)), "expired": false},
		"logtoConfig": map[string]any{
			"mfa":           map[string]any{"enabled": true, "skipped": false, "additionalBindingSuggestionSkipped": false, "skipMfaOnSignIn": false},
			"passkeySignIn": map[string]any{"skipped": false},
		},
		"mfaFactors": []any{
			map[string]any{"id": "f1", "type": "Totp", "createdAt": ms(at(48 * time.Hour)), "lastUsedAt": ms(at(2 * time.Hour))},
			map[string]any{"id": "f2", "type": "WebAuthn", "createdAt": ms(at(47 * time.Hour)), "lastUsedAt": ms(at(3 * time.Hour)),
				"webAuthn": map[string]any{
					"name": "Laptop", "agent": "Browser/1.0", "rpId": "example.com", "credentialId": "AQID-g",
					"transports": []any{"internal", "hybrid"}, "aaguid": "adce0002-35bc-c60a-648b-0b25f1f05503",
					"attestationType": "none", "signCount": float64(9), "backupEligible": true, "backupState": true,
				}},
			map[string]any{"id": "f3", "type": "BackupCode", "createdAt": ms(at(46 * time.Hour)), "lastUsedAt": ms(at(4 * time.Hour)),
				"backupCodes": map[string]any{"used": float64(3), "unused": float64(7)}},
		},
		"personalAccessTokens": []any{
			map[string]any{"name": "ci", "createdAt": ms(at(30 * time.Hour)), "expiresAt": ms(now.Add(time.Hour))},
			map[string]any{"name": "laptop", "createdAt": ms(at(20 * time.Hour)), "expiresAt": nil},
		},
	}
	if diff := cmp.Diff(want, r.json(t)); diff != "" {
		t.Errorf("export (-want +got):\n%s", diff)
	}
}

// TestExportEmpty checks the document of a user with nothing but a
// username and a password: empty lists, not null, and null times.
func TestExportEmpty(t *testing.T) {
	e := newEnv(t)
	u := sxUser(e, "", "")
	r := e.do(req{method: "GET", path: "/api/my-account/export", token: e.tokenFor(u.ID),
		header: map[string]string{"Logto-Verification-Id": e.passwordProof(u, sxPassword)}})
	expect(t, r, 200, "")
	doc := r.json(t)
	for _, member := range []string{"mfaFactors", "personalAccessTokens"} {
		if l, ok := doc[member].([]any); !ok || len(l) != 0 {
			t.Errorf("%s = %v, want []", member, doc[member])
		}
	}
	if got := doc["password"].(map[string]any)["updatedAt"]; got != nil {
		t.Errorf("password.updatedAt = %v, want null", got)
	}
	if got := doc["user"].(map[string]any)["primaryEmail"]; got != nil {
		t.Errorf("user.primaryEmail = %v, want null", got)
	}
}

// TestExportHasNoSecret builds every secret the library stores — sealed
// and in plain text — through the API, and searches the raw export for
// each, in every spelling it could take.
func TestExportHasNoSecret(t *testing.T) {
	for _, sealed := range []bool{false, true} {
		name := "plain"
		var opts []envOption
		if sealed {
			name = "sealed"
			opts = append(opts, withConfig(func(c *accountapi.Config) { c.EncryptionKeys = [][]byte{bytes.Repeat([]byte{7}, 32)} }))
		}
		t.Run(name, func(t *testing.T) {
			e := sxNewEnv(t, account.Notices{}, opts...)
			ctx := context.Background()
			u := sxUser(e.env, "ann@example.com", "")
			proof := e.passwordProof(u, sxPassword)
			as := func(method, path string, body any) response {
				return sxAs(e.env, u, "", proof, method, path, body)
			}
			code, err := totp.GenerateCode(sxRFCSecret, e.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			expect(t, as("POST", "/api/my-account/mfa-verifications", map[string]string{"type": "Totp", "secret": sxRFCSecret, "code": code}), 204, "")
			expect(t, as("POST", "/api/my-account/mfa-verifications", map[string]any{"type": "BackupCode", "codes": sxBackupCodes}), 204, "")
			a := newWAAuthenticator(t)
			waPasskey(e.env, u, proof, a)
			tr := sxAdmin(e.env, false, "POST", "/api/users/"+u.ID+"/personal-access-tokens", map[string]any{"name": "ci"})
			expect(t, tr, 201, "")
			patValue, _ := tr.json(t)["value"].(string)
			_, pendingCode := e.sendCode(u, "email", "ann-new@example.com")

			stored := e.reload(u)
			factors, err := e.store.ListMFAFactors(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			tokens, err := e.store.ListPersonalAccessTokens(ctx, u.ID)
			if err != nil || len(tokens) != 1 {
				t.Fatalf("tokens %v, %v", tokens, err)
			}
			secrets := map[string]string{
				"TOTP secret":        sxRFCSecret,
				"password":           sxPassword,
				"password digest":    stored.PasswordDigest,
				"PAT value":          patValue,
				"pending code":       `"` + pendingCode + `"`,
				"digest's last part": stored.PasswordDigest[strings.LastIndexByte(stored.PasswordDigest, '$')+1:],
			}
			for i, c := range sxBackupCodes {
				secrets["backup code "+string(rune('0'+i))] = c
			}
			addBytes := func(what string, b []byte) {
				secrets[what+" (hex)"] = hex.EncodeToString(b)
				secrets[what+" (base64)"] = base64.StdEncoding.EncodeToString(b)
				secrets[what+" (base64url)"] = base64.RawURLEncoding.EncodeToString(b)
			}
			addBytes("PAT hash", tokens[0].Hash)
			for _, f := range factors {
				switch f.Type {
				case store.FactorTOTP:
					secrets["stored TOTP secret"] = f.TOTP.Secret
				case store.FactorBackupCode:
					for i, c := range f.BackupCodes {
						secrets["stored backup code "+string(rune('0'+i))] = c.Code
					}
				case store.FactorWebAuthn:
					addBytes("passkey public key", f.WebAuthn.PublicKey)
				}
			}
			if patValue == "" || pendingCode == "" || len(factors) != 3 {
				t.Fatalf("fixture incomplete: PAT %q, code %q, %d factors", patValue, pendingCode, len(factors))
			}

			r := as("GET", "/api/my-account/export", nil)
			expect(t, r, 200, "")
			for what, s := range secrets {
				if s != "" && bytes.Contains(r.body, []byte(s)) {
					t.Errorf("the export contains the %s %q", what, s)
				}
			}
			// The document still names what exists.
			doc := r.json(t)
			if n := len(doc["mfaFactors"].([]any)); n != 3 {
				t.Errorf("%d factors exported, want 3", n)
			}
			if n := len(doc["personalAccessTokens"].([]any)); n != 1 {
				t.Errorf("%d tokens exported, want 1", n)
			}
		})
	}
}
