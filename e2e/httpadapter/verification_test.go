package httpadapter_test

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"github.com/accountapi/accountapi"
	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/store"
)

// Tests of the Verification API (docs/compatibility.md, "Order of checks") and
// of the rules its records obey (docs/compatibility.md, "Verification records"
// and "Verification codes and lockout"). Helpers carry a vt prefix.

const (
	vtPasswordPath = "/api/verifications/password"
	vtCodePath     = "/api/verifications/verification-code"
	vtVerifyPath   = "/api/verifications/verification-code/verify"

	vtPassword = "Secret-123"
	vtEmail    = "ann@example.com"
	vtPhone    = "61412345678"
	// vtExpiresAt is the expiresAt of a record created at the env's start:
	// ten minutes later, as JavaScript's toISOString writes it.
	vtExpiresAt = "2026-03-04T10:10:00.000Z"
)

// vtSixDigits is the shape of a verification code (docs/compatibility.md,
// "Codes").
var vtSixDigits = regexp.MustCompile(`^[0-9]{6}$`)

func vtIdentifier(typ, value string) map[string]string {
	return map[string]string{"type": typ, "value": value}
}

// vtUser stores the usual fixture user: a password, a primary email and a
// primary phone.
func vtUser(e *env) *store.User {
	e.t.Helper()
	return e.newUser(e.withPassword(vtPassword), withEmail(vtEmail), withPhone(vtPhone))
}

// vtVerifyPassword posts a password to the Verification API as u.
func vtVerifyPassword(e *env, u *store.User, pw string) response {
	e.t.Helper()
	return e.do(req{method: "POST", path: vtPasswordPath, token: e.tokenFor(u.ID), body: map[string]string{"password": pw}})
}

// vtSend asks for a code to the identifier as u; templateType "" is left out.
func vtSend(e *env, u *store.User, typ, value, templateType string) response {
	e.t.Helper()
	body := map[string]any{"identifier": vtIdentifier(typ, value)}
	if templateType != "" {
		body["templateType"] = templateType
	}
	return e.do(req{method: "POST", path: vtCodePath, token: e.tokenFor(u.ID), body: body})
}

// vtSent asks for a code and returns the record id and the code sent.
func vtSent(t *testing.T, e *env, u *store.User, typ, value, templateType string) (id, code string) {
	t.Helper()
	r := vtSend(e, u, typ, value, templateType)
	expect(t, r, 201, "")
	return vtRecordID(t, r), e.outbox.last(t, value).Code
}

// vtVerify submits a code for record id as u.
func vtVerify(e *env, u *store.User, typ, value, id, code string) response {
	e.t.Helper()
	return e.do(req{method: "POST", path: vtVerifyPath, token: e.tokenFor(u.ID),
		body: map[string]any{"identifier": vtIdentifier(typ, value), "verificationId": id, "code": code}})
}

// vtRecordID returns the verificationRecordId of a success body.
func vtRecordID(t *testing.T, r response) string {
	t.Helper()
	id, _ := r.json(t)["verificationRecordId"].(string)
	if len(id) != store.IDLength {
		t.Fatalf("verificationRecordId = %q, want %d characters\nbody: %s", id, store.IDLength, r.body)
	}
	return id
}

// vtWrong returns a six-digit code that is not code.
func vtWrong(code string) string {
	last := (code[5]-'0'+1)%10 + '0'
	return code[:5] + string(rune(last))
}

// vtRename is the route that needs identity proof whenever a username is sent
// (docs/compatibility.md, "Order of checks"): it answers 200 with proof and
// 401 permission_denied without.
func vtRename(e *env, u *store.User, proof, username string) response {
	e.t.Helper()
	return e.do(req{method: "PATCH", path: "/api/my-account", token: e.tokenFor(u.ID),
		header: map[string]string{"Logto-Verification-Id": proof},
		body:   map[string]string{"username": username}})
}

// vtRecord reads a live record from the store.
func vtRecord(t *testing.T, e *env, id string) *store.VerificationRecord {
	t.Helper()
	r, err := e.store.GetVerificationRecord(context.Background(), id, e.clock.Now())
	if err != nil {
		t.Fatalf("record %s: %v", id, err)
	}
	return r
}

// vtTokenWithClient mints a token for sub issued to the application client.
func vtTokenWithClient(e *env, sub, client string) string {
	return mint(e.t, testSecret, e.clock.Now(), map[string]any{
		"sub": sub, "scope": "openid profile email phone identities", "client_id": client,
	})
}

// vtLog lists the ids of the verification records a vtRecordingStore
// created.
type vtLog struct {
	mu  sync.Mutex
	ids []string
}

func (l *vtLog) created() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.ids...)
}

// vtRecordingStore is a real store that notes every verification record it
// creates, in or out of a transaction.
type vtRecordingStore struct {
	store.Store
	log *vtLog
}

func (s vtRecordingStore) CreateVerificationRecord(ctx context.Context, r *store.VerificationRecord) error {
	err := s.Store.CreateVerificationRecord(ctx, r)
	if err == nil {
		s.log.mu.Lock()
		s.log.ids = append(s.log.ids, r.ID)
		s.log.mu.Unlock()
	}
	return err
}

func (s vtRecordingStore) InTx(ctx context.Context, fn func(context.Context, store.Store) error) error {
	return s.Store.InTx(ctx, func(ctx context.Context, tx store.Store) error {
		return fn(ctx, vtRecordingStore{Store: tx, log: s.log})
	})
}

// vtRecordingEnv is an env whose store notes the records it creates.
func vtRecordingEnv(t *testing.T, opts ...envOption) (*env, *vtLog) {
	t.Helper()
	log := &vtLog{}
	st := vtRecordingStore{Store: newSQLiteStore(t), log: log}
	return newEnv(t, append([]envOption{withStore(st)}, opts...)...), log
}

func vtLockout(max int, window, duration time.Duration) envOption {
	return withPolicies(func(p *account.Policies) {
		p.Lockout = account.LockoutPolicy{MaxAttempts: max, Window: window, Duration: duration}
	})
}

// ---------------------------------------------------------------------------
// POST /api/verifications/password

func TestVerificationPasswordCreatesRecord(t *testing.T) {
	e, log := vtRecordingEnv(t)
	u := vtUser(e)

	r := vtVerifyPassword(e, u, vtPassword)
	expect(t, r, 201, "")
	id := vtRecordID(t, r)
	if diff := cmp.Diff(map[string]any{"verificationRecordId": id, "expiresAt": vtExpiresAt}, r.json(t)); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	if got := log.created(); !cmp.Equal(got, []string{id}) {
		t.Errorf("records created = %v, want [%s]", got, id)
	}

	rec := vtRecord(t, e, id)
	want := store.VerificationRecord{
		ID: id, Type: store.RecordPassword, UserID: u.ID, CreatedBy: u.ID,
		CreatedAt: e.clock.Now(), ExpiresAt: e.clock.Now().Add(10 * time.Minute),
		Verified: true, Identifier: &store.Identifier{Type: store.IdentifierUserID, Value: u.ID},
	}
	if diff := cmp.Diff(want, *rec, cmpRecord); diff != "" {
		t.Errorf("stored record (-want +got):\n%s", diff)
	}

	expect(t, vtRename(e, u, id, "renamed_once"), 200, "")
	if got := e.reload(u).Username; got != "renamed_once" {
		t.Errorf("username = %q, want renamed_once", got)
	}
}

// cmpRecord compares records by value, ignoring the store's Version and
// comparing times as instants.
var cmpRecord = cmp.Options{
	cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Version" }, cmp.Ignore()),
	cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
}

func TestVerificationPasswordRefused(t *testing.T) {
	suspended := func(u *store.User) { u.IsSuspended = true }
	cases := []struct {
		name       string
		user       func(e *env) *store.User
		body       any
		token      func(e *env, u *store.User) string
		opts       []envOption
		wantStatus int
		wantCode   string
	}{
		{
			name:       "wrong password",
			user:       vtUser,
			body:       map[string]string{"password": "Wrong-123"},
			wantStatus: 422, wantCode: "session.invalid_credentials",
		},
		{
			name:       "user without a password",
			user:       func(e *env) *store.User { return e.newUser(withEmail(vtEmail)) },
			body:       map[string]string{"password": vtPassword},
			wantStatus: 422, wantCode: "session.invalid_credentials",
		},
		{
			name:       "user without a password sends an empty-looking password",
			user:       func(e *env) *store.User { return e.newUser() },
			body:       map[string]string{"password": " "},
			wantStatus: 422, wantCode: "session.invalid_credentials",
		},
		{
			name:       "empty password",
			user:       vtUser,
			body:       map[string]string{"password": ""},
			wantStatus: 400, wantCode: "guard.invalid_input",
		},
		{
			name:       "no password member",
			user:       vtUser,
			body:       map[string]string{},
			wantStatus: 400, wantCode: "guard.invalid_input",
		},
		{
			name:       "password is not a string",
			user:       vtUser,
			body:       map[string]any{"password": 123},
			wantStatus: 400, wantCode: "guard.invalid_input",
		},
		{
			name:       "password is null",
			user:       vtUser,
			body:       `{"password": null}`,
			wantStatus: 400, wantCode: "guard.invalid_input",
		},
		{
			name:       "suspended user with the right password",
			user:       func(e *env) *store.User { return e.newUser(e.withPassword(vtPassword), suspended) },
			body:       map[string]string{"password": vtPassword},
			wantStatus: 401, wantCode: "user.suspended",
		},
		{
			// The Account API refuses a suspended user's token before any
			// route runs (AccountHandler.authorize).
			name:       "suspended user with a wrong password",
			user:       func(e *env) *store.User { return e.newUser(e.withPassword(vtPassword), suspended) },
			body:       map[string]string{"password": "Wrong-123"},
			wantStatus: 401, wantCode: "user.suspended",
		},
		{
			name:       "third-party application",
			user:       vtUser,
			body:       map[string]string{"password": vtPassword},
			token:      func(e *env, u *store.User) string { return vtTokenWithClient(e, u.ID, "third") },
			opts:       []envOption{withFirstParty(func(_ context.Context, id string) (bool, error) { return id == "first", nil })},
			wantStatus: 403, wantCode: "auth.third_party_application_forbidden",
		},
		{
			name:       "application lookup fails",
			user:       vtUser,
			body:       map[string]string{"password": vtPassword},
			token:      func(e *env, u *store.User) string { return vtTokenWithClient(e, u.ID, "first") },
			opts:       []envOption{withFirstParty(func(context.Context, string) (bool, error) { return false, errors.New("lookup failed") })},
			wantStatus: 403, wantCode: "auth.third_party_application_forbidden",
		},
		{
			// The body guard runs before the handler's first-party check
			// (docs/compatibility.md, "Order of checks").
			name:       "third-party application with an empty password",
			user:       vtUser,
			body:       map[string]string{"password": ""},
			token:      func(e *env, u *store.User) string { return vtTokenWithClient(e, u.ID, "third") },
			opts:       []envOption{withFirstParty(func(_ context.Context, id string) (bool, error) { return id == "first", nil })},
			wantStatus: 400, wantCode: "guard.invalid_input",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, log := vtRecordingEnv(t, tc.opts...)
			u := tc.user(e)
			tok := e.tokenFor(u.ID)
			if tc.token != nil {
				tok = tc.token(e, u)
			}
			r := e.do(req{method: "POST", path: vtPasswordPath, token: tok, body: tc.body})
			expect(t, r, tc.wantStatus, tc.wantCode)
			if got := log.created(); len(got) != 0 {
				t.Errorf("records created on failure: %v", got)
			}
		})
	}
}

func TestVerificationPasswordFirstPartyClient(t *testing.T) {
	e := newEnv(t, withFirstParty(func(_ context.Context, id string) (bool, error) { return id == "first", nil }))
	u := vtUser(e)
	r := e.do(req{method: "POST", path: vtPasswordPath, token: vtTokenWithClient(e, u.ID, "first"),
		body: map[string]string{"password": vtPassword}})
	expect(t, r, 201, "")
}

func TestVerificationPasswordLockout(t *testing.T) {
	e, log := vtRecordingEnv(t, vtLockout(3, time.Hour, 30*time.Minute))
	u := vtUser(e)
	other := e.newUser(e.withPassword(vtPassword))

	expect(t, vtVerifyPassword(e, u, "Wrong-1"), 422, "session.invalid_credentials")
	expect(t, vtVerifyPassword(e, u, "Wrong-2"), 422, "session.invalid_credentials")
	if n := len(e.events.named(event.IdentifierLockout)); n != 0 {
		t.Fatalf("%d Identifier.Lockout events before the threshold", n)
	}
	expect(t, vtVerifyPassword(e, u, "Wrong-3"), 400, "session.verification_blocked_too_many_attempts")

	// While blocked, even the right password is refused, and nothing more is
	// emitted.
	expect(t, vtVerifyPassword(e, u, vtPassword), 400, "session.verification_blocked_too_many_attempts")
	expect(t, vtVerifyPassword(e, u, "Wrong-4"), 400, "session.verification_blocked_too_many_attempts")
	if got := log.created(); len(got) != 0 {
		t.Fatalf("records created while failing or blocked: %v", got)
	}
	evs := e.events.named(event.IdentifierLockout)
	if len(evs) != 1 {
		t.Fatalf("%d Identifier.Lockout events, want 1", len(evs))
	}
	if evs[0].UserID != u.ID {
		t.Errorf("Identifier.Lockout user = %q, want %q", evs[0].UserID, u.ID)
	}

	// The block is the user's own: another user is not affected.
	expect(t, vtVerifyPassword(e, other, vtPassword), 201, "")

	e.clock.Advance(30*time.Minute - time.Second)
	expect(t, vtVerifyPassword(e, u, vtPassword), 400, "session.verification_blocked_too_many_attempts")
	e.clock.Advance(time.Second)
	expect(t, vtVerifyPassword(e, u, vtPassword), 201, "")
	if n := len(e.events.named(event.IdentifierLockout)); n != 1 {
		t.Errorf("%d Identifier.Lockout events at the end, want 1", n)
	}
}

func TestVerificationPasswordLockoutWindow(t *testing.T) {
	e := newEnv(t, vtLockout(3, 10*time.Minute, 30*time.Minute))
	u := vtUser(e)

	expect(t, vtVerifyPassword(e, u, "Wrong-1"), 422, "session.invalid_credentials")
	expect(t, vtVerifyPassword(e, u, "Wrong-2"), 422, "session.invalid_credentials")
	e.clock.Advance(11 * time.Minute)
	// The first two failures are older than the window: two more are not yet
	// three within it.
	expect(t, vtVerifyPassword(e, u, "Wrong-3"), 422, "session.invalid_credentials")
	expect(t, vtVerifyPassword(e, u, "Wrong-4"), 422, "session.invalid_credentials")
	expect(t, vtVerifyPassword(e, u, "Wrong-5"), 400, "session.verification_blocked_too_many_attempts")
}

func TestVerificationPasswordRehashesImportedDigests(t *testing.T) {
	hexOf := func(sum []byte) string { return hex.EncodeToString(sum) }
	sha256Hex := func(s string) string { d := sha256.Sum256([]byte(s)); return hexOf(d[:]) }
	argon2i := func(pw string) string {
		salt := []byte("saltsaltsalt")
		key := argon2.Key([]byte(pw), salt, 1, 64, 1, 32)
		return "$argon2i$v=19$m=64,t=1,p=1$" + base64.RawStdEncoding.EncodeToString(salt) + "$" + base64.RawStdEncoding.EncodeToString(key)
	}
	cases := []struct {
		name   string
		alg    store.PasswordAlgorithm
		digest func(pw string) string
	}{
		{"SHA256", store.SHA256, sha256Hex},
		{"SHA1", store.SHA1, func(pw string) string { d := sha1.Sum([]byte(pw)); return hexOf(d[:]) }},
		{"MD5", store.MD5, func(pw string) string { d := md5.Sum([]byte(pw)); return hexOf(d[:]) }},
		{"Legacy", store.Legacy, func(pw string) string {
			return `["sha256",["salt","@"],"` + sha256Hex("salt"+pw) + `"]`
		}},
		{"Bcrypt", store.Bcrypt, func(pw string) string {
			d, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
			if err != nil {
				panic(err)
			}
			return string(d)
		}},
		{"Argon2i", store.Argon2i, argon2i},
	}
	for _, tc := range cases {
		t.Run(tc.name+" right password", func(t *testing.T) {
			e := newEnv(t)
			digest := tc.digest(vtPassword)
			u := e.newUser(func(u *store.User) { u.PasswordDigest, u.PasswordAlgorithm = digest, tc.alg })

			expect(t, vtVerifyPassword(e, u, vtPassword), 201, "")
			got := e.reload(u)
			if got.PasswordAlgorithm != store.Argon2id || !strings.HasPrefix(got.PasswordDigest, "$argon2id$") {
				t.Fatalf("after a check: %s %q, want an Argon2id digest", got.PasswordAlgorithm, got.PasswordDigest)
			}
			// The new digest is the same password, and a wrong one still fails.
			expect(t, vtVerifyPassword(e, u, vtPassword), 201, "")
			expect(t, vtVerifyPassword(e, u, "Wrong-123"), 422, "session.invalid_credentials")
		})
		t.Run(tc.name+" wrong password", func(t *testing.T) {
			e := newEnv(t)
			digest := tc.digest(vtPassword)
			u := e.newUser(func(u *store.User) { u.PasswordDigest, u.PasswordAlgorithm = digest, tc.alg })

			expect(t, vtVerifyPassword(e, u, "Wrong-123"), 422, "session.invalid_credentials")
			got := e.reload(u)
			if got.PasswordAlgorithm != tc.alg || got.PasswordDigest != digest {
				t.Errorf("after a failed check: %s %q, want it untouched", got.PasswordAlgorithm, got.PasswordDigest)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// POST /api/verifications/verification-code

func TestVerificationCodeTemplates(t *testing.T) {
	const (
		upv     = store.TemplateUserPermission
		bindMFA = store.TemplateBindMFA
		bindNew = store.TemplateBindNewIdentifier
	)
	cases := []struct {
		name          string
		typ, value    string
		templateType  string
		wantTemplate  store.TemplateType
		wantBound     bool
		wantProvesID  bool
		wantRecordTyp store.RecordType
	}{
		{"own email", "email", vtEmail, "", upv, true, true, store.RecordEmailCode},
		{"own email, UserPermissionValidation", "email", vtEmail, "UserPermissionValidation", upv, true, true, store.RecordEmailCode},
		{"own email, BindMfa", "email", vtEmail, "BindMfa", bindMFA, true, false, store.RecordEmailCode},
		{"new email", "email", "new@example.com", "", bindNew, false, false, store.RecordEmailCode},
		{"new email, UserPermissionValidation asked", "email", "new@example.com", "UserPermissionValidation", bindNew, false, false, store.RecordEmailCode},
		{"new email, BindMfa asked", "email", "new@example.com", "BindMfa", bindNew, false, false, store.RecordEmailCode},
		// Own means the same string (docs/compatibility.md, "Codes"): no
		// normalisation.
		{"own email in another letter case", "email", "Ann@example.com", "", bindNew, false, false, store.RecordEmailCode},
		{"own phone", "phone", vtPhone, "", upv, true, true, store.RecordPhoneCode},
		{"own phone, BindMfa", "phone", vtPhone, "BindMfa", bindMFA, true, false, store.RecordPhoneCode},
		{"new phone", "phone", "61400000000", "UserPermissionValidation", bindNew, false, false, store.RecordPhoneCode},
		{"own phone with its trunk prefix", "phone", "610412345678", "", bindNew, false, false, store.RecordPhoneCode},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			u := vtUser(e)

			r := vtSend(e, u, tc.typ, tc.value, tc.templateType)
			expect(t, r, 201, "")
			id := vtRecordID(t, r)
			if diff := cmp.Diff(map[string]any{"verificationRecordId": id, "expiresAt": vtExpiresAt}, r.json(t)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}

			wantRec := store.VerificationRecord{
				ID: id, Type: tc.wantRecordTyp, CreatedBy: u.ID,
				CreatedAt: e.clock.Now(), ExpiresAt: e.clock.Now().Add(10 * time.Minute),
				Identifier:   &store.Identifier{Type: store.IdentifierType(tc.typ), Value: tc.value},
				TemplateType: tc.wantTemplate,
			}
			if tc.wantBound {
				wantRec.UserID = u.ID
			}
			if diff := cmp.Diff(wantRec, *vtRecord(t, e, id), cmpRecord); diff != "" {
				t.Errorf("stored record (-want +got):\n%s", diff)
			}

			m := e.outbox.last(t, tc.value)
			if m.Type != tc.wantTemplate || !vtSixDigits.MatchString(m.Code) {
				t.Errorf("message type %s, code %q; want %s and six digits", m.Type, m.Code, tc.wantTemplate)
			}

			// Unverified, the record proves nothing.
			expect(t, vtRename(e, u, id, "before_verify"), 401, "verification_record.permission_denied")
			expect(t, vtVerify(e, u, tc.typ, tc.value, id, m.Code), 200, "")
			if tc.wantProvesID {
				expect(t, vtRename(e, u, id, "after_verify"), 200, "")
			} else {
				expect(t, vtRename(e, u, id, "after_verify"), 401, "verification_record.permission_denied")
			}
		})
	}
}

func TestVerificationCodeBindsNewIdentifier(t *testing.T) {
	cases := []struct {
		name      string
		typ       string
		value     string
		path      string
		member    string
		stored    func(*store.User) string
		wantValue string
	}{
		{"email", "email", "new@example.com", "/api/my-account/primary-email", "email",
			func(u *store.User) string { return u.PrimaryEmail }, "new@example.com"},
		{"phone", "phone", "61400000000", "/api/my-account/primary-phone", "phone",
			func(u *store.User) string { return u.PrimaryPhone }, "61400000000"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			u := vtUser(e)
			proof := e.passwordProof(u, vtPassword)
			id, code := vtSent(t, e, u, tc.typ, tc.value, "")
			expect(t, vtVerify(e, u, tc.typ, tc.value, id, code), 200, "")

			r := e.do(req{method: "POST", path: tc.path, token: e.tokenFor(u.ID),
				header: map[string]string{"Logto-Verification-Id": proof},
				body:   map[string]string{tc.member: tc.value, "newIdentifierVerificationRecordId": id}})
			expect(t, r, 204, "")
			if got := tc.stored(e.reload(u)); got != tc.wantValue {
				t.Errorf("stored %s = %q, want %q", tc.member, got, tc.wantValue)
			}
		})
		t.Run(tc.name+" by another user", func(t *testing.T) {
			// docs/compatibility.md, "New-identifier records belong to their
			// creator": a record proving a new identifier serves only the user
			// who created it.
			e := newEnv(t)
			owner := vtUser(e)
			thief := e.newUser(e.withPassword(vtPassword))
			id, code := vtSent(t, e, owner, tc.typ, tc.value, "")
			expect(t, vtVerify(e, owner, tc.typ, tc.value, id, code), 200, "")

			proof := e.passwordProof(thief, vtPassword)
			r := e.do(req{method: "POST", path: tc.path, token: e.tokenFor(thief.ID),
				header: map[string]string{"Logto-Verification-Id": proof},
				body:   map[string]string{tc.member: tc.value, "newIdentifierVerificationRecordId": id}})
			expect(t, r, 400, "verification_record.not_found")
		})
	}
}

func TestVerificationCodeMessage(t *testing.T) {
	cases := []struct {
		name   string
		typ    string
		value  string
		header map[string]string
		client string
		want   func(u *store.User) notify.Message
	}{
		{
			name: "email to a new address", typ: "email", value: "new@example.com",
			header: map[string]string{"Accept-Language": "fr"},
			want: func(u *store.User) notify.Message {
				return notify.Message{
					Channel: notify.ChannelEmail, To: "new@example.com", Type: store.TemplateBindNewIdentifier, Locale: "fr",
					User: &notify.User{ID: u.ID, Username: u.Username, PrimaryEmail: vtEmail, PrimaryPhone: vtPhone},
				}
			},
		},
		{
			name: "email to the own address from an application", typ: "email", value: vtEmail,
			header: map[string]string{"Accept-Language": "de-CH, de;q=0.9"}, client: "my-spa",
			want: func(u *store.User) notify.Message {
				return notify.Message{
					Channel: notify.ChannelEmail, To: vtEmail, Type: store.TemplateUserPermission, Locale: "de-CH",
					User:        &notify.User{ID: u.ID, Username: u.Username, PrimaryEmail: vtEmail, PrimaryPhone: vtPhone},
					Application: &notify.Application{ID: "my-spa"},
				}
			},
		},
		{
			name: "sms carries no user context", typ: "phone", value: "61400000000",
			header: map[string]string{"Accept-Language": "fr"}, client: "my-spa",
			want: func(u *store.User) notify.Message {
				return notify.Message{Channel: notify.ChannelSMS, To: "61400000000", Type: store.TemplateBindNewIdentifier, Locale: "fr"}
			},
		},
		{
			name: "no Accept-Language", typ: "phone", value: vtPhone,
			want: func(u *store.User) notify.Message {
				return notify.Message{Channel: notify.ChannelSMS, To: vtPhone, Type: store.TemplateUserPermission}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			u := vtUser(e)
			tok := e.tokenFor(u.ID)
			if tc.client != "" {
				tok = vtTokenWithClient(e, u.ID, tc.client)
			}
			r := e.do(req{method: "POST", path: vtCodePath, token: tok, header: tc.header,
				body: map[string]any{"identifier": vtIdentifier(tc.typ, tc.value)}})
			expect(t, r, 201, "")
			if n := e.outbox.count(); n != 1 {
				t.Fatalf("%d messages sent, want 1", n)
			}
			got := e.outbox.last(t, tc.value)
			if !vtSixDigits.MatchString(got.Code) {
				t.Errorf("code %q is not six digits", got.Code)
			}
			want := tc.want(u)
			want.Code = got.Code
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("message (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVerificationCodeInvalidInput(t *testing.T) {
	email256 := strings.Repeat("a", 256-len("@example.com")) + "@example.com"
	cases := []struct {
		name string
		body any
	}{
		{"no body", nil},
		{"no identifier", map[string]any{"templateType": "BindMfa"}},
		{"identifier is a string", map[string]any{"identifier": vtEmail}},
		{"identifier is null", `{"identifier": null}`},
		{"unknown identifier type", map[string]any{"identifier": vtIdentifier("username", "ann")}},
		{"no identifier type", map[string]any{"identifier": map[string]string{"value": vtEmail}}},
		{"identifier type userId", map[string]any{"identifier": vtIdentifier("userId", "abc")}},
		{"email without @", map[string]any{"identifier": vtIdentifier("email", "ann.example.com")}},
		{"email with a space", map[string]any{"identifier": vtIdentifier("email", "ann @example.com")}},
		{"empty email", map[string]any{"identifier": vtIdentifier("email", "")}},
		{"email of 257 characters", map[string]any{"identifier": vtIdentifier("email", "a"+email256)}},
		{"email of 257 UTF-16 units", map[string]any{"identifier": vtIdentifier("email", "😀"+strings.Repeat("a", 255-len("@example.com"))+"@example.com")}},
		{"phone with +", map[string]any{"identifier": vtIdentifier("phone", "+61412345678")}},
		{"phone with spaces", map[string]any{"identifier": vtIdentifier("phone", "614 123 456 78")}},
		{"empty phone", map[string]any{"identifier": vtIdentifier("phone", "")}},
		{"email typed as phone", map[string]any{"identifier": vtIdentifier("phone", vtEmail)}},
		{"templateType SignIn", map[string]any{"identifier": vtIdentifier("email", vtEmail), "templateType": "SignIn"}},
		{"templateType BindNewIdentifier", map[string]any{"identifier": vtIdentifier("email", "new@example.com"), "templateType": "BindNewIdentifier"}},
		{"templateType in another case", map[string]any{"identifier": vtIdentifier("email", vtEmail), "templateType": "bindmfa"}},
		{"templateType not a string", map[string]any{"identifier": vtIdentifier("email", vtEmail), "templateType": 1}},
		// Logto's email format is the JavaScript /^\S+@\S+\.\S+$/, whose \s
		// also matches the vertical tab and Unicode spaces.
		{"email with a vertical tab", map[string]any{"identifier": vtIdentifier("email", "ann\v@example.com")}},
		{"email with a no-break space", map[string]any{"identifier": vtIdentifier("email", "ann\u00a0x@example.com")}},
		{"email with an ideographic space", map[string]any{"identifier": vtIdentifier("email", "ann@exa\u3000mple.com")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, log := vtRecordingEnv(t)
			u := vtUser(e)
			r := e.do(req{method: "POST", path: vtCodePath, token: e.tokenFor(u.ID), body: tc.body})
			expect(t, r, 400, "guard.invalid_input")
			if n := e.outbox.count(); n != 0 {
				t.Errorf("%d messages sent", n)
			}
			if got := log.created(); len(got) != 0 {
				t.Errorf("records created: %v", got)
			}
		})
	}
	for _, tc := range []struct {
		name  string
		email string
	}{
		{"email of 256 characters", email256},
		// Logto's max(256) counts UTF-16 code units, not bytes.
		{"email of 256 characters, not all ASCII", strings.Repeat("é", 256-len("@example.com")) + "@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			u := vtUser(e)
			expect(t, vtSend(e, u, "email", tc.email, ""), 201, "")
			e.outbox.last(t, tc.email)
		})
	}
}

func TestVerificationCodeEmailPolicy(t *testing.T) {
	cases := []struct {
		name     string
		policy   account.EmailPolicy
		value    string
		wantCode string // "" for 201
	}{
		{"blocklisted domain", account.EmailPolicy{Blocklist: []string{"@blocked.com"}}, "new@blocked.com", "session.email_blocklist.email_not_allowed"},
		{"blocklist ignores case", account.EmailPolicy{Blocklist: []string{"@blocked.com"}}, "New@BLOCKED.com", "session.email_blocklist.email_not_allowed"},
		{"blocklisted address", account.EmailPolicy{Blocklist: []string{"new@example.com"}}, "new@example.com", "session.email_blocklist.email_not_allowed"},
		{"blocklist pattern", account.EmailPolicy{Blocklist: []string{"*@*.blocked.com"}}, "new@mail.blocked.com", "session.email_blocklist.email_not_allowed"},
		{"not on the blocklist", account.EmailPolicy{Blocklist: []string{"@blocked.com"}}, "new@example.com", ""},
		{"not on the allowlist", account.EmailPolicy{Allowlist: []string{"@corp.com"}}, "new@example.com", "session.email_blocklist.email_not_allowed"},
		{"on the allowlist", account.EmailPolicy{Allowlist: []string{"@corp.com"}}, "new@corp.com", ""},
		{"subaddressing blocked", account.EmailPolicy{BlockSubaddressing: true}, "new+tag@example.com", "session.email_blocklist.email_subaddressing_not_allowed"},
		{"subaddressing allowed", account.EmailPolicy{}, "new+tag@example.com", ""},
		{"disposable", account.EmailPolicy{Disposable: func(context.Context, string) (bool, error) { return true, nil }}, "new@example.com", "session.email_blocklist.email_not_allowed"},
		// The policy applies to new addresses only (docs/compatibility.md,
		// "Codes").
		{"own address on the blocklist", account.EmailPolicy{Blocklist: []string{"@example.com"}}, vtEmail, ""},
		{"own address with subaddressing blocked", account.EmailPolicy{BlockSubaddressing: true, Blocklist: []string{"*"}}, vtEmail, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t,
				withPolicies(func(p *account.Policies) { p.Email = tc.policy }))
			u := vtUser(e)
			r := vtSend(e, u, "email", tc.value, "")
			if tc.wantCode == "" {
				expect(t, r, 201, "")
				return
			}
			expect(t, r, 422, tc.wantCode)
			if n := e.outbox.count(); n != 0 {
				t.Errorf("%d messages sent", n)
			}
		})
	}
	t.Run("phones have no policy", func(t *testing.T) {
		p := account.EmailPolicy{Allowlist: []string{"@corp.com"}}
		e := newEnv(t, withPolicies(func(pol *account.Policies) { pol.Email = p }))
		u := vtUser(e)
		expect(t, vtSend(e, u, "phone", "61400000000", ""), 201, "")
	})
}

func TestVerificationCodeSendLimit(t *testing.T) {
	e := newEnv(t)
	u := vtUser(e)
	for i := range 10 {
		r := vtSend(e, u, "email", "new@example.com", "")
		if r.status != 201 {
			t.Fatalf("send %d: %d %s", i+1, r.status, r.body)
		}
		e.clock.Advance(time.Second)
	}
	e.clock.Advance(600*time.Second - 10*time.Second - time.Second)
	expect(t, vtSend(e, u, "email", "new@example.com", ""), 429, "request.message_rate_limited")
	if n := e.outbox.count(); n != 10 {
		t.Fatalf("%d messages sent, want 10", n)
	}
	// Another recipient has a count of its own.
	expect(t, vtSend(e, u, "email", "other@example.com", ""), 201, "")

	e.clock.Advance(time.Second) // the window of the first send has ended
	expect(t, vtSend(e, u, "email", "new@example.com", ""), 201, "")
	if n := e.outbox.count(); n != 12 {
		t.Errorf("%d messages sent, want 12", n)
	}
}

func TestVerificationCodeSendLimitPerRecipient(t *testing.T) {
	cases := []struct {
		name   string
		typ    string
		a, b   string
		shared bool
	}{
		{"email in two letter cases", "email", "ANN@x.com", "ann@x.com", true},
		{"phone with and without trunk prefix", "phone", "610412345678", "61412345678", true},
		{"two emails", "email", "ann@x.com", "bob@x.com", false},
		{"two phones", "phone", "61412345678", "61412345679", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			u := e.newUser() // neither address is the user's own
			for i := range 10 {
				to := tc.a
				if i%2 == 1 {
					to = tc.b
				}
				expect(t, vtSend(e, u, tc.typ, to, ""), 201, "")
			}
			want, code := 201, ""
			if tc.shared {
				want, code = 429, "request.message_rate_limited"
			}
			expect(t, vtSend(e, u, tc.typ, tc.a, ""), want, code)
			expect(t, vtSend(e, u, tc.typ, tc.b, ""), want, code)
		})
	}
}

func TestVerificationCodeNotifierErrors(t *testing.T) {
	cases := []struct {
		name       string
		err        error
		wantStatus int
		wantCode   string
	}{
		{"delivery failed", errors.New("smtp: connection refused"), 500, "connector.general"},
		{"no template", fmt.Errorf("mailer: %w", notify.ErrTemplateNotFound), 400, "connector.template_not_found"},
		{"no notifier for the channel", fmt.Errorf("router: %w", notify.ErrNoNotifier), 501, "connector.not_found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, withConfig(func(c *accountapi.Config) { c.SendLimit.Max = 2 }))
			u := vtUser(e)
			e.outbox.fail = tc.err
			for range 3 {
				expect(t, vtSend(e, u, "email", "new@example.com", ""), tc.wantStatus, tc.wantCode)
			}
			// The failed sends did not count toward the limit.
			e.outbox.fail = nil
			expect(t, vtSend(e, u, "email", "new@example.com", ""), 201, "")
			expect(t, vtSend(e, u, "email", "new@example.com", ""), 201, "")
			expect(t, vtSend(e, u, "email", "new@example.com", ""), 429, "request.message_rate_limited")
		})
	}
}

func TestVerificationCodeNoNotifier(t *testing.T) {
	e, log := vtRecordingEnv(t, withConfig(func(c *accountapi.Config) {
		c.Notifier = nil
		c.SendLimit.Max = 1
	}))
	u := vtUser(e)
	for _, id := range []map[string]string{vtIdentifier("email", vtEmail), vtIdentifier("phone", vtPhone), vtIdentifier("email", vtEmail)} {
		r := e.do(req{method: "POST", path: vtCodePath, token: e.tokenFor(u.ID), body: map[string]any{"identifier": id}})
		expect(t, r, 501, "connector.not_found")
	}
	if got := log.created(); len(got) != 0 {
		t.Errorf("records created: %v", got)
	}
}

// ---------------------------------------------------------------------------
// POST /api/verifications/verification-code/verify

func TestVerificationCodeVerifySuccess(t *testing.T) {
	e := newEnv(t)
	u := vtUser(e)
	start := e.clock.Now()
	id, code := vtSent(t, e, u, "email", vtEmail, "")

	e.clock.Advance(9 * time.Minute)
	r := vtVerify(e, u, "email", vtEmail, id, code)
	expect(t, r, 200, "")
	if diff := cmp.Diff(map[string]any{"verificationRecordId": id}, r.json(t)); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	rec := vtRecord(t, e, id)
	if !rec.Verified {
		t.Error("record not verified")
	}
	if want := start.Add(10 * time.Minute); !rec.ExpiresAt.Equal(want) {
		t.Errorf("expiresAt = %v, want %v: verifying must not extend a record", rec.ExpiresAt, want)
	}
	expect(t, vtRename(e, u, id, "renamed_once"), 200, "")
	e.clock.Advance(time.Minute)
	expect(t, vtRename(e, u, id, "renamed_twice"), 401, "verification_record.permission_denied")
}

func TestVerificationCodeVerifyRules(t *testing.T) {
	const newEmail, newPhone = "new@example.com", "61400000000"
	shortCodes := withPolicies(func(p *account.Policies) { p.Code.Lifetime = time.Minute })
	fewTries := withPolicies(func(p *account.Policies) { p.Code.MaxAttempts = 3 })
	shortFewTries := withPolicies(func(p *account.Policies) {
		p.Code.Lifetime = time.Minute
		p.Code.MaxAttempts = 3
	})
	// exhaust submits max wrong codes, each answered code_mismatch.
	exhaust := func(t *testing.T, e *env, u *store.User, typ, value, id, code string, max int) {
		t.Helper()
		for range max {
			expect(t, vtVerify(e, u, typ, value, id, vtWrong(code)), 400, "verification_code.code_mismatch")
		}
	}
	cases := []struct {
		name     string
		opts     []envOption
		run      func(t *testing.T, e *env, u, other *store.User) response
		wantCode string
	}{
		// Rule: the record (docs/compatibility.md, "Order of checks" and
		// "New-identifier records belong to their creator").
		{
			name: "unknown verificationId",
			run: func(t *testing.T, e *env, u, _ *store.User) response {
				return vtVerify(e, u, "email", newEmail, "nosuchrecord000000000", "123456")
			},
			wantCode: "verification_record.not_found",
		},
		{
			name: "empty verificationId",
			run: func(t *testing.T, e *env, u, _ *store.User) response {
				return vtVerify(e, u, "email", newEmail, "", "123456")
			},
			wantCode: "verification_record.not_found",
		},
		{
			name: "expired record",
			run: func(t *testing.T, e *env, u, _ *store.User) response {
				id, code := vtSent(t, e, u, "email", newEmail, "")
				e.clock.Advance(11 * time.Minute)
				return vtVerify(e, u, "email", newEmail, id, code)
			},
			wantCode: "verification_record.not_found",
		},
		{
			name: "record at its expiry instant",
			run: func(t *testing.T, e *env, u, _ *store.User) response {
				id, code := vtSent(t, e, u, "email", newEmail, "")
				e.clock.Advance(10 * time.Minute)
				return vtVerify(e, u, "email", newEmail, id, code)
			},
			wantCode: "verification_record.not_found",
		},
		{
			name: "phone record verified as email",
			run: func(t *testing.T, e *env, u, _ *store.User) response {
				id, code := vtSent(t, e, u, "phone", newPhone, "")
				return vtVerify(e, u, "email", newEmail, id, code)
			},
			wantCode: "verification_record.not_found",
		},
		{
			name: "email record verified as phone",
			run: func(t *testing.T, e *env, u, _ *store.User) response {
				id, code := vtSent(t, e, u, "email", newEmail, "")
				return vtVerify(e, u, "phone", newPhone, id, code)
			},
			wantCode: "verification_record.not_found",
		},
		{
			name: "password record",
			run: func(t *testing.T, e *env, u, _ *store.User) response {
				id := e.passwordProof(u, vtPassword)
				return vtVerify(e, u, "email", newEmail, id, "123456")
			},
			wantCode: "verification_record.not_found",
		},
		{
			name: "another user's new-identifier record",
			run: func(t *testing.T, e *env, u, other *store.User) response {
				id, code := vtSent(t, e, other, "email", newEmail, "")
				return vtVerify(e, u, "email", newEmail, id, code)
			},
			wantCode: "verification_record.not_found",
		},
		{
			name: "another user's own-address record",
			run: func(t *testing.T, e *env, u, other *store.User) response {
				id, code := vtSent(t, e, other, "email", other.PrimaryEmail, "")
				return vtVerify(e, u, "email", other.PrimaryEmail, id, code)
			},
			wantCode: "verification_record.not_found",
		},
		// Rule 1: a code to check.
		{
			name: "empty code",
			run: func(t *testing.T, e *env, u, _ *store.User) response {
				id, _ := vtSent(t, e, u, "email", newEmail, "")
				return vtVerify(e, u, "email", newEmail, id, "")
			},
			wantCode: "verification_code.not_found",
		},
		{
			name: "verified twice",
			run: func(t *testing.T, e *env, u, _ *store.User) response {
				id, code := vtSent(t, e, u, "email", newEmail, "")
				expect(t, vtVerify(e, u, "email", newEmail, id, code), 200, "")
				return vtVerify(e, u, "email", newEmail, id, code)
			},
			wantCode: "verification_code.not_found",
		},
		// Rule 2: where the code was sent.
		{
			name: "another email",
			run: func(t *testing.T, e *env, u, _ *store.User) response {
				id, code := vtSent(t, e, u, "email", newEmail, "")
				return vtVerify(e, u, "email", "other@example.com", id, code)
			},
			wantCode: "verification_code.email_mismatch",
		},
		{
			name: "the email in another letter case",
			run: func(t *testing.T, e *env, u, _ *store.User) response {
				id, code := vtSent(t, e, u, "email", newEmail, "")
				return vtVerify(e, u, "email", "New@example.com", id, code)
			},
			wantCode: "verification_code.email_mismatch",
		},
		{
			name: "another phone",
			run: func(t *testing.T, e *env, u, _ *store.User) response {
				id, code := vtSent(t, e, u, "phone", newPhone, "")
				return vtVerify(e, u, "phone", "61400000001", id, code)
			},
			wantCode: "verification_code.phone_mismatch",
		},
		// Rule 3: the code's lifetime.
		{
			name: "expired code in a live record",
			opts: []envOption{shortCodes},
			run: func(t *testing.T, e *env, u, _ *store.User) response {
				id, code := vtSent(t, e, u, "email", newEmail, "")
				e.clock.Advance(61 * time.Second)
				return vtVerify(e, u, "email", newEmail, id, code)
			},
			wantCode: "verification_code.expired",
		},
		{
			name: "code at the end of its lifetime",
			opts: []envOption{shortCodes},
			run: func(t *testing.T, e *env, u, _ *store.User) response {
				id, code := vtSent(t, e, u, "email", newEmail, "")
				e.clock.Advance(time.Minute)
				// created_at + lifetime < now is expired
				// (docs/compatibility.md, "Codes", rule 3); this attempt is
				// not, so it counts as a wrong one.
				return vtVerify(e, u, "email", newEmail, id, vtWrong(code))
			},
			wantCode: "verification_code.code_mismatch",
		},
		// Rule 4: attempts.
		{
			name: "right code after MaxAttempts wrong ones",
			opts: []envOption{fewTries},
			run: func(t *testing.T, e *env, u, _ *store.User) response {
				id, code := vtSent(t, e, u, "email", newEmail, "")
				exhaust(t, e, u, "email", newEmail, id, code, 3)
				return vtVerify(e, u, "email", newEmail, id, code)
			},
			wantCode: "verification_code.exceed_max_try",
		},
		// Rule 5: the code.
		{
			name: "wrong code",
			run: func(t *testing.T, e *env, u, _ *store.User) response {
				id, code := vtSent(t, e, u, "email", newEmail, "")
				return vtVerify(e, u, "email", newEmail, id, vtWrong(code))
			},
			wantCode: "verification_code.code_mismatch",
		},
		{
			name: "code of another record",
			run: func(t *testing.T, e *env, u, _ *store.User) response {
				id, code := vtSent(t, e, u, "email", newEmail, "")
				_, other := vtSent(t, e, u, "email", newEmail, "")
				if other == code {
					return vtVerify(e, u, "email", newEmail, id, vtWrong(code))
				}
				return vtVerify(e, u, "email", newEmail, id, other)
			},
			wantCode: "verification_code.code_mismatch",
		},
		// Where two rules apply, the earlier one answers.
		{
			name: "order: another user's record with an empty code",
			run: func(t *testing.T, e *env, u, other *store.User) response {
				id, _ := vtSent(t, e, other, "email", newEmail, "")
				return vtVerify(e, u, "email", newEmail, id, "")
			},
			wantCode: "verification_record.not_found",
		},
		{
			name: "order: empty code to another email",
			run: func(t *testing.T, e *env, u, _ *store.User) response {
				id, _ := vtSent(t, e, u, "email", newEmail, "")
				return vtVerify(e, u, "email", "other@example.com", id, "")
			},
			wantCode: "verification_code.not_found",
		},
		{
			name: "order: consumed code checked against another email",
			run: func(t *testing.T, e *env, u, _ *store.User) response {
				id, code := vtSent(t, e, u, "email", newEmail, "")
				expect(t, vtVerify(e, u, "email", newEmail, id, code), 200, "")
				return vtVerify(e, u, "email", "other@example.com", id, code)
			},
			wantCode: "verification_code.not_found",
		},
		{
			name: "order: expired code checked against another email",
			opts: []envOption{shortCodes},
			run: func(t *testing.T, e *env, u, _ *store.User) response {
				id, code := vtSent(t, e, u, "email", newEmail, "")
				e.clock.Advance(61 * time.Second)
				return vtVerify(e, u, "email", "other@example.com", id, code)
			},
			wantCode: "verification_code.email_mismatch",
		},
		{
			name: "order: code both expired and out of attempts",
			opts: []envOption{shortFewTries},
			run: func(t *testing.T, e *env, u, _ *store.User) response {
				id, code := vtSent(t, e, u, "email", newEmail, "")
				exhaust(t, e, u, "email", newEmail, id, code, 3)
				e.clock.Advance(61 * time.Second)
				return vtVerify(e, u, "email", newEmail, id, code)
			},
			wantCode: "verification_code.expired",
		},
		{
			name: "order: wrong code out of attempts",
			opts: []envOption{fewTries},
			run: func(t *testing.T, e *env, u, _ *store.User) response {
				id, code := vtSent(t, e, u, "email", newEmail, "")
				exhaust(t, e, u, "email", newEmail, id, code, 3)
				return vtVerify(e, u, "email", newEmail, id, vtWrong(code))
			},
			wantCode: "verification_code.exceed_max_try",
		},
		{
			name: "order: unknown record of a locked-out identifier",
			opts: []envOption{vtLockout(1, time.Hour, time.Hour)},
			run: func(t *testing.T, e *env, u, _ *store.User) response {
				id, code := vtSent(t, e, u, "email", newEmail, "")
				expect(t, vtVerify(e, u, "email", newEmail, id, vtWrong(code)), 400, "session.verification_blocked_too_many_attempts")
				return vtVerify(e, u, "email", newEmail, "nosuchrecord000000000", code)
			},
			wantCode: "verification_record.not_found",
		},
		{
			name: "order: right code of a locked-out identifier",
			opts: []envOption{vtLockout(1, time.Hour, time.Hour)},
			run: func(t *testing.T, e *env, u, _ *store.User) response {
				id, code := vtSent(t, e, u, "email", newEmail, "")
				expect(t, vtVerify(e, u, "email", newEmail, id, ""), 400, "session.verification_blocked_too_many_attempts")
				return vtVerify(e, u, "email", newEmail, id, code)
			},
			wantCode: "session.verification_blocked_too_many_attempts",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.opts...)
			u := vtUser(e)
			other := e.newUser(e.withPassword(vtPassword), withEmail("bob@example.com"))
			expect(t, tc.run(t, e, u, other), 400, tc.wantCode)
		})
	}
}

func TestVerificationCodeVerifyLockout(t *testing.T) {
	e := newEnv(t, vtLockout(3, time.Hour, 5*time.Minute))
	u := vtUser(e)
	const addr = "new@example.com"
	id1, code1 := vtSent(t, e, u, "email", addr, "")
	id2, code2 := vtSent(t, e, u, "email", addr, "")
	idOther, codeOther := vtSent(t, e, u, "email", "other@example.com", "")

	// Failures of one identifier add up across its records and kinds of
	// failure.
	expect(t, vtVerify(e, u, "email", addr, id1, vtWrong(code1)), 400, "verification_code.code_mismatch")
	expect(t, vtVerify(e, u, "email", addr, id2, ""), 400, "verification_code.not_found")
	if n := len(e.events.named(event.IdentifierLockout)); n != 0 {
		t.Fatalf("%d Identifier.Lockout events before the threshold", n)
	}
	expect(t, vtVerify(e, u, "email", addr, id1, vtWrong(code1)), 400, "session.verification_blocked_too_many_attempts")
	expect(t, vtVerify(e, u, "email", addr, id2, code2), 400, "session.verification_blocked_too_many_attempts")
	if n := len(e.events.named(event.IdentifierLockout)); n != 1 {
		t.Fatalf("%d Identifier.Lockout events, want 1", n)
	}
	if vtRecord(t, e, id2).Verified {
		t.Fatal("a blocked verification verified its record")
	}

	// Another identifier is not blocked.
	expect(t, vtVerify(e, u, "email", "other@example.com", idOther, codeOther), 200, "")

	e.clock.Advance(5 * time.Minute)
	expect(t, vtVerify(e, u, "email", addr, id2, code2), 200, "")
	if n := len(e.events.named(event.IdentifierLockout)); n != 1 {
		t.Errorf("%d Identifier.Lockout events at the end, want 1", n)
	}
}

// ---------------------------------------------------------------------------
// Exactly once (docs/compatibility.md, "One-time secrets are consumed
// atomically")

// vtConcurrently runs fn n times at once and returns the answers.
func vtConcurrently(n int, fn func(i int) response) []response {
	out := make([]response, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// vtTally counts answers by "status code".
func vtTally(rs []response) map[string]int {
	m := map[string]int{}
	for _, r := range rs {
		m[fmt.Sprintf("%d %s", r.status, r.code())]++
	}
	return m
}

func TestVerificationCodeVerifyExactlyOnce(t *testing.T) {
	e := newEnv(t)
	u := vtUser(e)
	id, code := vtSent(t, e, u, "email", "new@example.com", "")
	rs := vtConcurrently(20, func(int) response { return vtVerify(e, u, "email", "new@example.com", id, code) })
	want := map[string]int{"200 ": 1, "400 verification_code.not_found": 19}
	if diff := cmp.Diff(want, vtTally(rs)); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
}

func TestVerificationCodeVerifyConcurrentGuesses(t *testing.T) {
	e := newEnv(t, withPolicies(func(p *account.Policies) { p.Code.MaxAttempts = 10 }))
	u := vtUser(e)
	id, code := vtSent(t, e, u, "email", "new@example.com", "")
	rs := vtConcurrently(20, func(int) response { return vtVerify(e, u, "email", "new@example.com", id, vtWrong(code)) })
	want := map[string]int{"400 verification_code.code_mismatch": 10, "400 verification_code.exceed_max_try": 10}
	if diff := cmp.Diff(want, vtTally(rs)); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
	expect(t, vtVerify(e, u, "email", "new@example.com", id, code), 400, "verification_code.exceed_max_try")
}

func TestVerificationCodeConcurrentSends(t *testing.T) {
	e := newEnv(t, withConfig(func(c *accountapi.Config) { c.SendLimit.Max = 5 }))
	u := vtUser(e)
	rs := vtConcurrently(20, func(int) response { return vtSend(e, u, "email", "new@example.com", "") })
	want := map[string]int{"201 ": 5, "429 request.message_rate_limited": 15}
	if diff := cmp.Diff(want, vtTally(rs)); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
	if n := e.outbox.count(); n != 5 {
		t.Errorf("%d messages sent, want 5", n)
	}
}

// ---------------------------------------------------------------------------
// Identity proof (docs/compatibility.md, "Identity proof")

func TestVerificationIdentityProof(t *testing.T) {
	cases := []struct {
		name  string
		proof func(t *testing.T, e *env, u, other *store.User) string
		ok    bool
	}{
		{"no header", func(*testing.T, *env, *store.User, *store.User) string { return "" }, false},
		{"unknown record", func(*testing.T, *env, *store.User, *store.User) string { return "nosuchrecord000000000" }, false},
		{"expired password record", func(t *testing.T, e *env, u, _ *store.User) string {
			id := e.passwordProof(u, vtPassword)
			e.clock.Advance(10 * time.Minute)
			return id
		}, false},
		{"another user's password record", func(t *testing.T, e *env, _, other *store.User) string {
			return e.passwordProof(other, vtPassword)
		}, false},
		{"unverified own code record", func(t *testing.T, e *env, u, _ *store.User) string {
			id, _ := vtSent(t, e, u, "email", vtEmail, "")
			return id
		}, false},
		{"verified own BindMfa code record", func(t *testing.T, e *env, u, _ *store.User) string {
			id, code := vtSent(t, e, u, "email", vtEmail, "BindMfa")
			expect(t, vtVerify(e, u, "email", vtEmail, id, code), 200, "")
			return id
		}, false},
		{"verified new-identifier code record", func(t *testing.T, e *env, u, _ *store.User) string {
			return e.verifiedCode(u, "email", "new@example.com")
		}, false},
		{"another user's verified own-address code record", func(t *testing.T, e *env, _, other *store.User) string {
			return e.verifiedCode(other, "email", other.PrimaryEmail)
		}, false},
		{"verified own email code record", func(t *testing.T, e *env, u, _ *store.User) string {
			return e.verifiedCode(u, "email", vtEmail)
		}, true},
		{"verified own phone code record", func(t *testing.T, e *env, u, _ *store.User) string {
			return e.verifiedCode(u, "phone", vtPhone)
		}, true},
		{"password record", func(t *testing.T, e *env, u, _ *store.User) string {
			return e.passwordProof(u, vtPassword)
		}, true},
		{"password record just before expiry", func(t *testing.T, e *env, u, _ *store.User) string {
			id := e.passwordProof(u, vtPassword)
			e.clock.Advance(10*time.Minute - time.Second)
			return id
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			u := vtUser(e)
			other := e.newUser(e.withPassword(vtPassword), withEmail("bob@example.com"))
			proof := tc.proof(t, e, u, other)
			r := vtRename(e, u, proof, "renamed_once")
			if !tc.ok {
				expect(t, r, 401, "verification_record.permission_denied")
				if got := e.reload(u).Username; got != u.Username {
					t.Errorf("username changed to %q without proof", got)
				}
				return
			}
			expect(t, r, 200, "")
			// A record is reusable until it expires (docs/compatibility.md,
			// "Verification records").
			expect(t, vtRename(e, u, proof, "renamed_twice"), 200, "")
			if got := e.reload(u).Username; got != "renamed_twice" {
				t.Errorf("username = %q, want renamed_twice", got)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Gates shared by the three routes (docs/compatibility.md, "Request pipeline",
// "First-party and third-party applications" and "Order of checks")

func TestVerificationRouteGates(t *testing.T) {
	thirdParty := withFirstParty(func(_ context.Context, id string) (bool, error) { return id == "first", nil })
	routes := []struct {
		name string
		body func(e *env, u *store.User) any
	}{
		{"password", func(*env, *store.User) any { return map[string]string{"password": vtPassword} }},
		{"verification-code", func(*env, *store.User) any {
			return map[string]any{"identifier": vtIdentifier("email", vtEmail)}
		}},
		{"verification-code/verify", func(e *env, u *store.User) any {
			id, code := e.sendCode(u, "email", vtEmail)
			return map[string]any{"identifier": vtIdentifier("email", vtEmail), "verificationId": id, "code": code}
		}},
	}
	gates := []struct {
		name       string
		opts       []envOption
		token      func(e *env, u *store.User) string
		wantStatus int
		wantCode   string
	}{
		{"no token", nil, func(*env, *store.User) string { return "" }, 401, "auth.authorization_header_missing"},
		{"no openid scope", nil, func(e *env, u *store.User) string { return e.token(u.ID, "profile") }, 403, "auth.forbidden"},
		{"account center disabled", []envOption{withAccountCenter(store.AccountCenter{Enabled: false})},
			func(e *env, u *store.User) string { return e.tokenFor(u.ID) }, 400, "account_center.not_enabled"},
		{"third-party application", []envOption{thirdParty},
			func(e *env, u *store.User) string { return vtTokenWithClient(e, u.ID, "third") }, 403, "auth.third_party_application_forbidden"},
		{"first-party application", []envOption{thirdParty},
			func(e *env, u *store.User) string { return vtTokenWithClient(e, u.ID, "first") }, 0, ""},
		{"only openid scope", nil, func(e *env, u *store.User) string { return e.token(u.ID, "openid") }, 0, ""},
	}
	for _, rt := range routes {
		for _, g := range gates {
			t.Run(rt.name+"/"+g.name, func(t *testing.T) {
				// The verify route's record is made while the gates are open.
				var e *env
				var u *store.User
				var body any
				if rt.name == "verification-code/verify" && len(g.opts) > 0 {
					st := newSQLiteStore(t)
					open := newEnv(t, withStore(st))
					u = vtUser(open)
					body = rt.body(open, u)
					e = newEnv(t, append([]envOption{withStore(st)}, g.opts...)...)
				} else {
					e = newEnv(t, g.opts...)
					u = vtUser(e)
					body = rt.body(e, u)
				}
				r := e.do(req{method: "POST", path: "/api/verifications/" + rt.name, token: g.token(e, u), body: body})
				if g.wantStatus == 0 {
					if r.status < 200 || r.status > 299 {
						t.Fatalf("got %d %s, want success\nbody: %s", r.status, r.code(), r.body)
					}
					return
				}
				expect(t, r, g.wantStatus, g.wantCode)
			})
		}
	}
}

func TestVerificationCodeVerifyInvalidInput(t *testing.T) {
	cases := []struct {
		name string
		body func(id, code string) any
	}{
		{"no body", func(string, string) any { return nil }},
		{"no identifier", func(id, code string) any { return map[string]any{"verificationId": id, "code": code} }},
		{"unknown identifier type", func(id, code string) any {
			return map[string]any{"identifier": vtIdentifier("username", "ann"), "verificationId": id, "code": code}
		}},
		{"malformed email", func(id, code string) any {
			return map[string]any{"identifier": vtIdentifier("email", "new.example.com"), "verificationId": id, "code": code}
		}},
		{"verificationId not a string", func(_, code string) any {
			return map[string]any{"identifier": vtIdentifier("email", "new@example.com"), "verificationId": 7, "code": code}
		}},
		{"code not a string", func(id, code string) any {
			return map[string]any{"identifier": vtIdentifier("email", "new@example.com"), "verificationId": id, "code": 123456}
		}},
		{"code null", func(id, code string) any {
			return `{"identifier":{"type":"email","value":"new@example.com"},"verificationId":"` + id + `","code":null}`
		}},
		{"no verificationId", func(_, code string) any {
			return map[string]any{"identifier": vtIdentifier("email", "new@example.com"), "code": code}
		}},
		{"no code", func(id, _ string) any {
			return map[string]any{"identifier": vtIdentifier("email", "new@example.com"), "verificationId": id}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			u := vtUser(e)
			id, code := vtSent(t, e, u, "email", "new@example.com", "")
			r := e.do(req{method: "POST", path: vtVerifyPath, token: e.tokenFor(u.ID), body: tc.body(id, code)})
			expect(t, r, 400, "guard.invalid_input")
			if vtRecord(t, e, id).Verified {
				t.Error("the record was verified")
			}
		})
	}
}
