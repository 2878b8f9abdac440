package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/accountapi/accountapi/store"
)

func (s *suite) verificationRecords(t *testing.T) {
	t.Run("CreateGetRoundTrip", s.recordRoundTrip)
	t.Run("CreateSetsVersion", s.recordCreateSetsVersion)
	t.Run("CreateDuplicateID", s.recordCreateDuplicateID)
	t.Run("CreateUnknownUser", s.recordCreateUnknownUser)
	t.Run("GetExpiry", s.recordGetExpiry)
	t.Run("GetNotFound", s.recordGetNotFound)
	t.Run("UpdateWritesOnlyItsMembers", s.recordUpdate)
	t.Run("UpdateIncrementsVersion", s.recordUpdateIncrementsVersion)
	t.Run("UpdateStaleVersion", s.recordUpdateStale)
	t.Run("UpdateNotFound", s.recordUpdateNotFound)
	t.Run("DeleteExpired", s.recordDeleteExpired)
}

// recordFixtures returns one record of each shape the library makes, every
// typed member set, bound to or created by u-ann.
func recordFixtures() map[string]*store.VerificationRecord {
	base := func(id string, typ store.RecordType) *store.VerificationRecord {
		return &store.VerificationRecord{
			ID: id, Type: typ, UserID: "u-ann", CreatedBy: "u-ann",
			CreatedAt: at(-time.Minute), ExpiresAt: at(10 * time.Minute),
		}
	}
	password := base("r-password", store.RecordPassword)
	password.Verified = true
	password.Identifier = &store.Identifier{Type: store.IdentifierUserID, Value: "u-ann"}

	emailCode := base("r-email", store.RecordEmailCode)
	emailCode.Identifier = &store.Identifier{Type: store.IdentifierEmail, Value: "Ann@Example.com"}
	emailCode.TemplateType = store.TemplateUserPermission

	phoneCode := base("r-phone", store.RecordPhoneCode)
	phoneCode.UserID = "" // proves a new identifier: unbound
	phoneCode.Verified = true
	phoneCode.Identifier = &store.Identifier{Type: store.IdentifierPhone, Value: "61412345678"}
	phoneCode.TemplateType = store.TemplateBindNewIdentifier

	socialStarted := base("r-social-start", store.RecordSocial)
	socialStarted.UserID = ""
	socialStarted.Social = &store.SocialVerification{
		ConnectorID: "github-connector",
		Session: map[string]string{
			"state": "st-123", "redirectUri": "https://app.example.com/cb?x=1&y=2",
			"nonce": "n-456", "codeVerifier": "v-789",
		},
	}

	socialVerified := base("r-social-done", store.RecordSocial)
	socialVerified.UserID = ""
	socialVerified.Verified = true
	socialVerified.Social = &store.SocialVerification{
		ConnectorID: "github-connector",
		Session:     map[string]string{"state": "st-123"},
		UserInfo: &store.SocialUserInfo{
			ID: "gh-1", Email: "ann@users.example", Phone: "61412345678", Name: "Ann", Avatar: "https://example.com/a.png",
			RawData: map[string]any{
				"login": "ann", "id": 1234567.0, "site_admin": false, "bio": nil,
				"plan":   map[string]any{"name": "pro", "space": 976562499.0},
				"emails": []any{map[string]any{"email": "ann@users.example", "primary": true}, "x"},
			},
		},
	}

	webAuthnReg := base("r-webauthn-reg", store.RecordWebAuthn)
	webAuthnReg.Verified = true
	webAuthnReg.WebAuthn = &store.WebAuthnVerification{
		Challenge:            "dGhpcyBpcyBhIGNoYWxsZW5nZQ",
		RPID:                 "example.com",
		UserHandle:           []byte{0x00, 0x01, 0x80, 0xff},
		AllowedCredentialIDs: [][]byte{[]byte("cred-1"), {0x00, 0xff}},
		UserVerification:     "required",
		Credential:           webAuthnFactor("f-x", "u-ann", []byte("cred-new")).WebAuthn,
	}

	webAuthnAuth := base("r-webauthn-auth", store.RecordWebAuthnAuthentication)
	webAuthnAuth.WebAuthn = &store.WebAuthnVerification{
		Challenge:            "Y2hhbGxlbmdlLTI",
		RPID:                 "example.com",
		AllowedCredentialIDs: [][]byte{[]byte("cred-1")},
		UserVerification:     "preferred",
	}
	webAuthnAuth.FactorID = "f-wa"

	totp := base("r-totp", store.RecordTOTP)
	totp.Verified = true
	totp.FactorID = "f-totp"

	backup := base("r-backup", store.RecordBackupCode)
	backup.Verified = true
	backup.FactorID = "f-bc"

	bare := base("r-bare", store.RecordPassword)
	bare.UserID = ""

	return map[string]*store.VerificationRecord{
		"password":                   password,
		"email code, bound":          emailCode,
		"phone code, unbound":        phoneCode,
		"social, started":            socialStarted,
		"social, verified":           socialVerified,
		"WebAuthn registration":      webAuthnReg,
		"WebAuthn authentication":    webAuthnAuth,
		"TOTP step-up":               totp,
		"backup-code step-up":        backup,
		"created by another user":    codeRecord("r-other", "u-ann", "u-bob"),
		"no typed member, not bound": bare,
	}
}

// withVersion returns r with Version v.
func withVersion(r *store.VerificationRecord, v int64) *store.VerificationRecord {
	r.Version = v
	return r
}

// openWithUsers opens a store holding bare users u-ann and u-bob.
func (s *suite) openWithUsers(t *testing.T) store.Store {
	t.Helper()
	st := s.open(t)
	mustCreateUser(t, st, bareUser("u-ann"))
	mustCreateUser(t, st, bareUser("u-bob"))
	return st
}

// checkRecord fails the test unless the stored record id, read at t0, equals want.
func checkRecord(t *testing.T, st store.Store, id string, want *store.VerificationRecord) {
	t.Helper()
	got, err := st.GetVerificationRecord(t.Context(), id, t0)
	if err != nil {
		t.Errorf("GetVerificationRecord(%q): %v", id, err)
		return
	}
	if d := diff(want, got); d != "" {
		t.Errorf("GetVerificationRecord(%q) (-want +got):\n%s", id, d)
	}
}

func (s *suite) recordRoundTrip(t *testing.T) {
	for name := range recordFixtures() {
		t.Run(name, func(t *testing.T) {
			st := s.openWithUsers(t)
			r := recordFixtures()[name]
			if !ok(t, "CreateVerificationRecord", st.CreateVerificationRecord(t.Context(), r)) {
				return
			}
			checkRecord(t, st, r.ID, withVersion(recordFixtures()[name], 1))
		})
	}
}

func (s *suite) recordCreateSetsVersion(t *testing.T) {
	for _, v := range []int64{0, 1, 7, -3} {
		st := s.openWithUsers(t)
		r := withVersion(codeRecord("r-1", "u-ann", "u-ann"), v)
		if !ok(t, "CreateVerificationRecord", st.CreateVerificationRecord(t.Context(), r)) {
			continue
		}
		if r.Version != 1 {
			t.Errorf("CreateVerificationRecord with Version %d: r.Version = %d, want 1", v, r.Version)
		}
		checkRecord(t, st, "r-1", withVersion(codeRecord("r-1", "u-ann", "u-ann"), 1))
	}
}

func (s *suite) recordCreateDuplicateID(t *testing.T) {
	st := s.openWithUsers(t)
	must(t, "CreateVerificationRecord", st.CreateVerificationRecord(t.Context(), codeRecord("r-1", "u-ann", "u-ann")))
	dup := fullRecordFixture("r-1")
	wantErr(t, "CreateVerificationRecord(existing id)", st.CreateVerificationRecord(t.Context(), dup), store.ErrConflict)
	checkRecord(t, st, "r-1", withVersion(codeRecord("r-1", "u-ann", "u-ann"), 1))
}

// fullRecordFixture is the verified social record of recordFixtures, with id.
func fullRecordFixture(id string) *store.VerificationRecord {
	r := recordFixtures()["social, verified"]
	r.ID = id
	return r
}

func (s *suite) recordCreateUnknownUser(t *testing.T) {
	tests := []struct{ name, userID, createdBy string }{
		{"unknown UserID", "u-nobody", "u-ann"},
		{"unknown CreatedBy", "u-ann", "u-nobody"},
		{"unknown CreatedBy, unbound", "", "u-nobody"},
		{"both unknown", "u-nobody", "u-nobody"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.openWithUsers(t)
			err := st.CreateVerificationRecord(t.Context(), codeRecord("r-1", tt.userID, tt.createdBy))
			wantErr(t, "CreateVerificationRecord", err, store.ErrNotFound)
			_, err = st.GetVerificationRecord(t.Context(), "r-1", t0)
			wantErr(t, "GetVerificationRecord(refused record)", err, store.ErrNotFound)
		})
	}
}

func (s *suite) recordGetExpiry(t *testing.T) {
	// codeRecord expires at at(10m).
	tests := []struct {
		name    string
		now     time.Time
		wantErr error
	}{
		{"long before expiry", at(-time.Hour), nil},
		{"one millisecond before expiry", at(10*time.Minute - time.Millisecond), nil},
		{"at expiry", at(10 * time.Minute), store.ErrNotFound},
		{"one millisecond after expiry", at(10*time.Minute + time.Millisecond), store.ErrNotFound},
		{"long after expiry", at(24 * time.Hour), store.ErrNotFound},
	}
	st := s.openWithUsers(t)
	must(t, "CreateVerificationRecord", st.CreateVerificationRecord(t.Context(), codeRecord("r-1", "u-ann", "u-ann")))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := st.GetVerificationRecord(t.Context(), "r-1", tt.now)
			if tt.wantErr != nil {
				wantErr(t, "GetVerificationRecord", err, tt.wantErr)
				return
			}
			if ok(t, "GetVerificationRecord", err) {
				if d := diff(withVersion(codeRecord("r-1", "u-ann", "u-ann"), 1), got); d != "" {
					t.Errorf("GetVerificationRecord (-want +got):\n%s", d)
				}
			}
		})
	}
}

func (s *suite) recordGetNotFound(t *testing.T) {
	st := s.openWithUsers(t)
	must(t, "CreateVerificationRecord", st.CreateVerificationRecord(t.Context(), codeRecord("r-1", "u-ann", "u-ann")))
	for _, id := range []string{"r-2", "r-", "R-1", ""} {
		_, err := st.GetVerificationRecord(t.Context(), id, t0)
		wantErr(t, "GetVerificationRecord("+id+")", err, store.ErrNotFound)
	}
}

func (s *suite) recordUpdate(t *testing.T) {
	// Each case starts from a stored record, changes every member, and
	// expects only Verified, Identifier, TemplateType, Social, WebAuthn and
	// FactorID to be written.
	tests := []struct {
		name     string
		from     func() *store.VerificationRecord
		writable func(r *store.VerificationRecord)
	}{
		{"set every writable member", func() *store.VerificationRecord {
			return withVersion(codeRecord("r-1", "u-ann", "u-ann"), 1)
		}, func(r *store.VerificationRecord) {
			full := fullRecordFixture("r-1")
			r.Verified = true
			r.Identifier = &store.Identifier{Type: store.IdentifierPhone, Value: "61412345678"}
			r.TemplateType = store.TemplateMFAVerification
			r.Social = full.Social
			r.WebAuthn = recordFixtures()["WebAuthn registration"].WebAuthn
			r.FactorID = "f-1"
		}},
		{"clear every writable member", func() *store.VerificationRecord {
			r := fullRecordFixture("r-1")
			r.Identifier = &store.Identifier{Type: store.IdentifierEmail, Value: "ann@example.com"}
			r.TemplateType = store.TemplateGeneric
			r.WebAuthn = recordFixtures()["WebAuthn registration"].WebAuthn
			r.FactorID = "f-1"
			return withVersion(r, 1)
		}, func(r *store.VerificationRecord) {
			r.Verified = false
			r.Identifier = nil
			r.TemplateType = ""
			r.Social = nil
			r.WebAuthn = nil
			r.FactorID = ""
		}},
		{"consume a WebAuthn challenge", func() *store.VerificationRecord {
			r := recordFixtures()["WebAuthn authentication"]
			r.ID = "r-1"
			return withVersion(r, 1)
		}, func(r *store.VerificationRecord) {
			r.Verified = true
			r.WebAuthn.Challenge = ""
			r.WebAuthn.AllowedCredentialIDs = [][]byte{[]byte("cred-1"), []byte("cred-2")}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.openWithUsers(t)
			ctx := t.Context()
			must(t, "CreateVerificationRecord", st.CreateVerificationRecord(ctx, tt.from()))

			r, err := st.GetVerificationRecord(ctx, "r-1", t0)
			must(t, "GetVerificationRecord", err)
			tt.writable(r)
			// Not written: everything else.
			r.Type = store.RecordSocial
			if r.Type == tt.from().Type {
				r.Type = store.RecordPassword
			}
			r.UserID = "u-bob"
			r.CreatedBy = "u-bob"
			r.CreatedAt = at(-time.Hour)
			r.ExpiresAt = at(time.Hour)
			if !ok(t, "UpdateVerificationRecord", st.UpdateVerificationRecord(ctx, r)) {
				return
			}
			if r.Version != 2 {
				t.Errorf("r.Version after UpdateVerificationRecord = %d, want 2", r.Version)
			}
			want := tt.from()
			tt.writable(want)
			want.Version = 2
			checkRecord(t, st, "r-1", want)
			// ExpiresAt was not moved: the record still expires at at(10m).
			_, err = st.GetVerificationRecord(ctx, "r-1", at(10*time.Minute))
			wantErr(t, "GetVerificationRecord at the original expiry", err, store.ErrNotFound)
		})
	}
}

func (s *suite) recordUpdateIncrementsVersion(t *testing.T) {
	st := s.openWithUsers(t)
	ctx := t.Context()
	r := codeRecord("r-1", "u-ann", "u-ann")
	must(t, "CreateVerificationRecord", st.CreateVerificationRecord(ctx, r))
	for want := int64(2); want <= 4; want++ {
		r.FactorID = fmt.Sprintf("f-%d", want)
		if !ok(t, "UpdateVerificationRecord", st.UpdateVerificationRecord(ctx, r)) {
			return
		}
		if r.Version != want {
			t.Errorf("r.Version = %d, want %d", r.Version, want)
		}
		got, err := st.GetVerificationRecord(ctx, "r-1", t0)
		if ok(t, "GetVerificationRecord", err) && (got.Version != want || got.FactorID != r.FactorID) {
			t.Errorf("stored Version, FactorID = %d, %q; want %d, %q", got.Version, got.FactorID, want, r.FactorID)
		}
	}
}

func (s *suite) recordUpdateStale(t *testing.T) {
	st := s.openWithUsers(t)
	ctx := t.Context()
	must(t, "CreateVerificationRecord", st.CreateVerificationRecord(ctx, codeRecord("r-1", "u-ann", "u-ann")))
	first, err := st.GetVerificationRecord(ctx, "r-1", t0)
	must(t, "GetVerificationRecord", err)
	second, err := st.GetVerificationRecord(ctx, "r-1", t0)
	must(t, "GetVerificationRecord", err)

	first.Verified, first.FactorID = true, "f-first"
	must(t, "UpdateVerificationRecord(first)", st.UpdateVerificationRecord(ctx, first))
	second.FactorID = "f-second"
	wantErr(t, "UpdateVerificationRecord from a stale version", st.UpdateVerificationRecord(ctx, second), store.ErrConflict)

	want := withVersion(codeRecord("r-1", "u-ann", "u-ann"), 2)
	want.Verified, want.FactorID = true, "f-first"
	checkRecord(t, st, "r-1", want)
}

func (s *suite) recordUpdateNotFound(t *testing.T) {
	st := s.openWithUsers(t)
	must(t, "CreateVerificationRecord", st.CreateVerificationRecord(t.Context(), codeRecord("r-1", "u-ann", "u-ann")))
	wantErr(t, "UpdateVerificationRecord(unknown id)",
		st.UpdateVerificationRecord(t.Context(), withVersion(codeRecord("r-2", "u-ann", "u-ann"), 1)), store.ErrNotFound)
	_, err := st.GetVerificationRecord(t.Context(), "r-2", t0)
	wantErr(t, "GetVerificationRecord(r-2)", err, store.ErrNotFound)
}

func (s *suite) recordDeleteExpired(t *testing.T) {
	st := s.openWithUsers(t)
	ctx := t.Context()
	expiring := func(id string, expiresAt time.Time) *store.VerificationRecord {
		r := codeRecord(id, "u-ann", "u-ann")
		r.CreatedAt, r.ExpiresAt = at(-time.Hour), expiresAt
		return r
	}
	records := []struct {
		id        string
		expiresAt time.Time
		deleted   bool
	}{
		{"r-long-gone", at(-time.Hour), true},
		{"r-just-gone", at(-time.Millisecond), true},
		{"r-at-before", at(0), true}, // "at or before before"
		{"r-just-alive", at(time.Millisecond), false},
		{"r-alive", at(time.Hour), false},
	}
	for _, r := range records {
		must(t, "CreateVerificationRecord", st.CreateVerificationRecord(ctx, expiring(r.id, r.expiresAt)))
		must(t, "CreateVerificationCode", st.CreateVerificationCode(ctx, code("c-"+r.id, r.id, store.TemplateGeneric)))
		must(t, "CreateVerificationCode", st.CreateVerificationCode(ctx, code("cu-"+r.id, r.id, store.TemplateSignIn)))
		must(t, "ConsumeVerificationCode", st.ConsumeVerificationCode(ctx, "cu-"+r.id))
	}

	n, err := st.DeleteExpiredVerificationRecords(ctx, at(0))
	if ok(t, "DeleteExpiredVerificationRecords", err) && n != 3 {
		t.Errorf("DeleteExpiredVerificationRecords = %d, want 3", n)
	}
	for _, r := range records {
		// Read before the record expired: a deleted record is not found even
		// then; a kept one is found with its code.
		_, err := st.GetVerificationRecord(ctx, r.id, at(-2*time.Hour))
		_, codeErr := st.FindVerificationCode(ctx, r.id, store.TemplateGeneric)
		if r.deleted {
			wantErr(t, "GetVerificationRecord("+r.id+")", err, store.ErrNotFound)
			wantErr(t, "FindVerificationCode("+r.id+")", codeErr, store.ErrNotFound)
			// Its codes, consumed or not, are gone: their ids are free.
			for _, c := range []string{"c-" + r.id, "cu-" + r.id} {
				ok(t, "CreateVerificationCode with the id of a deleted code "+c,
					st.CreateVerificationCode(ctx, code(c, "r-alive", store.TemplateRegister)))
			}
		} else {
			ok(t, "GetVerificationRecord("+r.id+")", err)
			ok(t, "FindVerificationCode("+r.id+")", codeErr)
		}
	}
	n, err = st.DeleteExpiredVerificationRecords(ctx, at(0))
	if ok(t, "DeleteExpiredVerificationRecords again", err) && n != 0 {
		t.Errorf("DeleteExpiredVerificationRecords again = %d, want 0", n)
	}
	checkRecord(t, st, "r-just-alive", withVersion(expiring("r-just-alive", at(time.Millisecond)), 1))
}

func (s *suite) verificationCodes(t *testing.T) {
	t.Run("CreateFindRoundTrip", s.codeRoundTrip)
	t.Run("CreateReplacesUnconsumedCodeOfSameRecordAndTemplate", s.codeCreateReplaces)
	t.Run("CreateKeepsConsumedCodesAndIsAtomic", s.codeCreateAtomic)
	t.Run("CreateNoRecord", s.codeCreateNoRecord)
	t.Run("CreateDuplicateID", s.codeCreateDuplicateID)
	t.Run("FindNotFound", s.codeFindNotFound)
	t.Run("IncrementCodeTries", s.codeIncrementTries)
	t.Run("Consume", s.codeConsume)
}

// openWithRecords opens a store with users u-ann and u-bob and records r-1
// and r-2 bound to u-ann.
func (s *suite) openWithRecords(t *testing.T) store.Store {
	t.Helper()
	st := s.openWithUsers(t)
	must(t, "CreateVerificationRecord", st.CreateVerificationRecord(t.Context(), codeRecord("r-1", "u-ann", "u-ann")))
	must(t, "CreateVerificationRecord", st.CreateVerificationRecord(t.Context(), codeRecord("r-2", "u-ann", "u-ann")))
	return st
}

// checkCode fails the test unless the unconsumed code of the record and
// template is want.
func checkCode(t *testing.T, st store.Store, recordID string, tt store.TemplateType, want *store.VerificationCode) {
	t.Helper()
	got, err := st.FindVerificationCode(t.Context(), recordID, tt)
	if err != nil {
		t.Errorf("FindVerificationCode(%q, %q): %v", recordID, tt, err)
		return
	}
	if d := diff(want, got); d != "" {
		t.Errorf("FindVerificationCode(%q, %q) (-want +got):\n%s", recordID, tt, d)
	}
}

func (s *suite) codeRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		code func() *store.VerificationCode
	}{
		{"email", func() *store.VerificationCode { return code("c-1", "r-1", store.TemplateBindNewIdentifier) }},
		{"phone, with tries", func() *store.VerificationCode {
			c := code("c-1", "r-1", store.TemplateUserPermission)
			c.Destination = store.Identifier{Type: store.IdentifierPhone, Value: "61412345678"}
			c.Code = "000123"
			c.TryCount = 2
			return c
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.openWithRecords(t)
			c := tt.code()
			if ok(t, "CreateVerificationCode", st.CreateVerificationCode(t.Context(), c)) {
				checkCode(t, st, c.RecordID, c.TemplateType, tt.code())
			}
		})
	}
}

func (s *suite) codeCreateReplaces(t *testing.T) {
	st := s.openWithRecords(t)
	ctx := t.Context()
	must(t, "CreateVerificationCode(c-old)", st.CreateVerificationCode(ctx, code("c-old", "r-1", store.TemplateSignIn)))
	// Same record, other template; same template, other record.
	must(t, "CreateVerificationCode(c-tmpl)", st.CreateVerificationCode(ctx, code("c-tmpl", "r-1", store.TemplateGeneric)))
	must(t, "CreateVerificationCode(c-rec)", st.CreateVerificationCode(ctx, code("c-rec", "r-2", store.TemplateSignIn)))

	newCode := code("c-new", "r-1", store.TemplateSignIn)
	newCode.Code = "654321"
	if !ok(t, "CreateVerificationCode(c-new)", st.CreateVerificationCode(ctx, newCode)) {
		return
	}
	want := code("c-new", "r-1", store.TemplateSignIn)
	want.Code = "654321"
	checkCode(t, st, "r-1", store.TemplateSignIn, want)
	checkCode(t, st, "r-1", store.TemplateGeneric, code("c-tmpl", "r-1", store.TemplateGeneric))
	checkCode(t, st, "r-2", store.TemplateSignIn, code("c-rec", "r-2", store.TemplateSignIn))

	// c-old is deleted, not merely hidden: it cannot be used, and its id is free.
	_, err := st.IncrementCodeTries(ctx, "c-old")
	wantErr(t, "IncrementCodeTries(replaced code)", err, store.ErrNotFound)
	wantErr(t, "ConsumeVerificationCode(replaced code)", st.ConsumeVerificationCode(ctx, "c-old"), store.ErrNotFound)
	ok(t, "CreateVerificationCode with the replaced code's id",
		st.CreateVerificationCode(ctx, code("c-old", "r-2", store.TemplateRegister)))
}

func (s *suite) codeCreateAtomic(t *testing.T) {
	st := s.openWithRecords(t)
	ctx := t.Context()
	must(t, "CreateVerificationCode(c-used)", st.CreateVerificationCode(ctx, code("c-used", "r-1", store.TemplateSignIn)))
	must(t, "ConsumeVerificationCode(c-used)", st.ConsumeVerificationCode(ctx, "c-used"))
	// Only unconsumed codes are replaced: c-used survives c-live.
	must(t, "CreateVerificationCode(c-live)", st.CreateVerificationCode(ctx, code("c-live", "r-1", store.TemplateSignIn)))

	// c-used still exists, so its id conflicts; and as the create is atomic,
	// the failed insert does not delete c-live either.
	err := st.CreateVerificationCode(ctx, code("c-used", "r-1", store.TemplateSignIn))
	wantErr(t, "CreateVerificationCode with the id of a consumed code", err, store.ErrConflict)
	checkCode(t, st, "r-1", store.TemplateSignIn, code("c-live", "r-1", store.TemplateSignIn))
}

func (s *suite) codeCreateNoRecord(t *testing.T) {
	st := s.openWithRecords(t)
	err := st.CreateVerificationCode(t.Context(), code("c-1", "r-nothing", store.TemplateSignIn))
	wantErr(t, "CreateVerificationCode(unknown record)", err, store.ErrNotFound)
	_, err = st.FindVerificationCode(t.Context(), "r-nothing", store.TemplateSignIn)
	wantErr(t, "FindVerificationCode(unknown record)", err, store.ErrNotFound)
	_, err = st.IncrementCodeTries(t.Context(), "c-1")
	wantErr(t, "IncrementCodeTries(refused code)", err, store.ErrNotFound)
}

func (s *suite) codeCreateDuplicateID(t *testing.T) {
	st := s.openWithRecords(t)
	ctx := t.Context()
	must(t, "CreateVerificationCode(c-1)", st.CreateVerificationCode(ctx, code("c-1", "r-1", store.TemplateSignIn)))
	must(t, "CreateVerificationCode(c-2)", st.CreateVerificationCode(ctx, code("c-2", "r-2", store.TemplateGeneric)))
	// c-1's id again, on r-2 with c-2's template: a conflict, and c-2 stays.
	wantErr(t, "CreateVerificationCode(existing id)",
		st.CreateVerificationCode(ctx, code("c-1", "r-2", store.TemplateGeneric)), store.ErrConflict)
	checkCode(t, st, "r-1", store.TemplateSignIn, code("c-1", "r-1", store.TemplateSignIn))
	checkCode(t, st, "r-2", store.TemplateGeneric, code("c-2", "r-2", store.TemplateGeneric))
}

func (s *suite) codeFindNotFound(t *testing.T) {
	st := s.openWithRecords(t)
	ctx := t.Context()
	must(t, "CreateVerificationCode", st.CreateVerificationCode(ctx, code("c-1", "r-1", store.TemplateSignIn)))
	must(t, "CreateVerificationCode", st.CreateVerificationCode(ctx, code("c-2", "r-1", store.TemplateGeneric)))
	must(t, "ConsumeVerificationCode", st.ConsumeVerificationCode(ctx, "c-2"))
	tests := []struct {
		name     string
		recordID string
		tt       store.TemplateType
	}{
		{"other template", "r-1", store.TemplateRegister},
		{"other record", "r-2", store.TemplateSignIn},
		{"only a consumed code", "r-1", store.TemplateGeneric},
	}
	for _, tt := range tests {
		_, err := st.FindVerificationCode(ctx, tt.recordID, tt.tt)
		wantErr(t, "FindVerificationCode("+tt.name+")", err, store.ErrNotFound)
	}
}

func (s *suite) codeIncrementTries(t *testing.T) {
	t.Run("counts from the stored TryCount", func(t *testing.T) {
		for _, start := range []int{0, 4} {
			st := s.openWithRecords(t)
			ctx := t.Context()
			c := code("c-1", "r-1", store.TemplateSignIn)
			c.TryCount = start
			must(t, "CreateVerificationCode", st.CreateVerificationCode(ctx, c))
			for want := start + 1; want <= start+3; want++ {
				got, err := st.IncrementCodeTries(ctx, "c-1")
				if ok(t, "IncrementCodeTries", err) && got != want {
					t.Errorf("IncrementCodeTries from %d = %d, want %d", start, got, want)
				}
			}
			want := code("c-1", "r-1", store.TemplateSignIn)
			want.TryCount = start + 3
			checkCode(t, st, "r-1", store.TemplateSignIn, want)
		}
	})
	t.Run("not found", func(t *testing.T) {
		st := s.openWithRecords(t)
		ctx := t.Context()
		must(t, "CreateVerificationCode", st.CreateVerificationCode(ctx, code("c-1", "r-1", store.TemplateSignIn)))
		must(t, "CreateVerificationCode", st.CreateVerificationCode(ctx, code("c-2", "r-1", store.TemplateGeneric)))
		must(t, "ConsumeVerificationCode", st.ConsumeVerificationCode(ctx, "c-2"))
		_, err := st.IncrementCodeTries(ctx, "c-2")
		wantErr(t, "IncrementCodeTries(consumed code)", err, store.ErrNotFound)
		_, err = st.IncrementCodeTries(ctx, "c-nothing")
		wantErr(t, "IncrementCodeTries(unknown code)", err, store.ErrNotFound)
		checkCode(t, st, "r-1", store.TemplateSignIn, code("c-1", "r-1", store.TemplateSignIn))
	})
}

func (s *suite) codeConsume(t *testing.T) {
	st := s.openWithRecords(t)
	ctx := t.Context()
	must(t, "CreateVerificationCode", st.CreateVerificationCode(ctx, code("c-1", "r-1", store.TemplateSignIn)))
	must(t, "CreateVerificationCode", st.CreateVerificationCode(ctx, code("c-2", "r-1", store.TemplateGeneric)))

	if !ok(t, "ConsumeVerificationCode", st.ConsumeVerificationCode(ctx, "c-1")) {
		return
	}
	wantErr(t, "ConsumeVerificationCode again", st.ConsumeVerificationCode(ctx, "c-1"), store.ErrNotFound)
	wantErr(t, "ConsumeVerificationCode(unknown code)", st.ConsumeVerificationCode(ctx, "c-nothing"), store.ErrNotFound)
	_, err := st.FindVerificationCode(ctx, "r-1", store.TemplateSignIn)
	wantErr(t, "FindVerificationCode(consumed code)", err, store.ErrNotFound)
	checkCode(t, st, "r-1", store.TemplateGeneric, code("c-2", "r-1", store.TemplateGeneric))
}
