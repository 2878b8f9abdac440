package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/accountapi/accountapi/store"
)

func (s *suite) mfaFactors(t *testing.T) {
	t.Run("CreateGetRoundTrip", s.factorRoundTrip)
	t.Run("CreateNoUser", s.factorCreateNoUser)
	t.Run("CreateDuplicateTOTP", s.factorCreateDuplicateTOTP)
	t.Run("CreateDuplicateCredential", s.factorCreateDuplicateCredential)
	t.Run("CreateDuplicateID", s.factorCreateDuplicateID)
	t.Run("ListOrder", s.factorListOrder)
	t.Run("ListEmpty", s.factorListEmpty)
	t.Run("GetNotFound", s.factorGetNotFound)
	t.Run("FindWebAuthnCredential", s.factorFindWebAuthn)
	t.Run("Delete", s.factorDelete)
	t.Run("RenameWebAuthnCredential", s.factorRename)
	t.Run("RenameNotFound", s.factorRenameNotFound)
	t.Run("UseTOTPStep", s.factorUseTOTPStep)
	t.Run("UseTOTPStepNotFound", s.factorUseTOTPStepNotFound)
	t.Run("UpdateSignCount", s.factorUpdateSignCount)
	t.Run("UpdateSignCountNotFound", s.factorUpdateSignCountNotFound)
	t.Run("UseBackupCode", s.factorUseBackupCode)
	t.Run("UseBackupCodeNotFound", s.factorUseBackupCodeNotFound)
}

// mustCreateFactor creates f and fails the test on error.
func mustCreateFactor(t *testing.T, st store.Store, f *store.MFAFactor) {
	t.Helper()
	must(t, "CreateMFAFactor("+f.ID+")", st.CreateMFAFactor(t.Context(), f))
}

// checkFactor fails the test unless the user's stored factor id equals want.
func checkFactor(t *testing.T, st store.Store, userID, id string, want *store.MFAFactor) {
	t.Helper()
	got, err := st.GetMFAFactor(t.Context(), userID, id)
	if err != nil {
		t.Errorf("GetMFAFactor(%q, %q): %v", userID, id, err)
		return
	}
	if d := diff(want, got); d != "" {
		t.Errorf("GetMFAFactor(%q, %q) (-want +got):\n%s", userID, id, d)
	}
}

// factorIDs returns the ids of the user's factors, in ListMFAFactors order.
func factorIDs(t *testing.T, st store.Store, userID string) []string {
	t.Helper()
	fs, err := st.ListMFAFactors(t.Context(), userID)
	if err != nil {
		t.Errorf("ListMFAFactors(%q): %v", userID, err)
		return nil
	}
	ids := []string{}
	for _, f := range fs {
		ids = append(ids, f.ID)
	}
	return ids
}

func (s *suite) factorRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		factor func() *store.MFAFactor
	}{
		{"TOTP", func() *store.MFAFactor { return totpFactor("f-1", "u-ann") }},
		{"TOTP never used", func() *store.MFAFactor {
			f := totpFactor("f-1", "u-ann")
			f.TOTP.LastUsedStep = 0
			return f
		}},
		{"TOTP used", func() *store.MFAFactor {
			f := totpFactor("f-1", "u-ann")
			f.LastUsedAt = at(-time.Second)
			return f
		}},
		{"WebAuthn with every member", func() *store.MFAFactor { return webAuthnFactor("f-1", "u-ann", []byte{0, 1, 2, 0xfe, 0xff}) }},
		{"WebAuthn without a name", func() *store.MFAFactor {
			f := webAuthnFactor("f-1", "u-ann", []byte("cred-1"))
			f.WebAuthn.Name = nil
			return f
		}},
		{"WebAuthn named empty", func() *store.MFAFactor {
			f := webAuthnFactor("f-1", "u-ann", []byte("cred-1"))
			f.WebAuthn.Name = ptr("")
			return f
		}},
		{"WebAuthn with zero members", func() *store.MFAFactor {
			f := webAuthnFactor("f-1", "u-ann", []byte("cred-1"))
			f.LastUsedAt = time.Time{}
			f.WebAuthn.SignCount = 0
			f.WebAuthn.Transports = nil
			f.WebAuthn.AAGUID = make([]byte, 16) // the zero AAGUID
			f.WebAuthn.AttestationType = "none"
			f.WebAuthn.Agent = ""
			f.WebAuthn.BackupEligible, f.WebAuthn.BackupState = false, false
			return f
		}},
		{"backup codes", func() *store.MFAFactor { return backupCodeFactor("f-1", "u-ann") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.open(t)
			ctx := t.Context()
			mustCreateUser(t, st, bareUser("u-ann"))
			if !ok(t, "CreateMFAFactor", st.CreateMFAFactor(ctx, tt.factor())) {
				return
			}
			checkFactor(t, st, "u-ann", "f-1", tt.factor())
			fs, err := st.ListMFAFactors(ctx, "u-ann")
			if ok(t, "ListMFAFactors", err) {
				if d := diff([]store.MFAFactor{*tt.factor()}, fs); d != "" {
					t.Errorf("ListMFAFactors (-want +got):\n%s", d)
				}
			}
			if want := tt.factor(); want.Type == store.FactorWebAuthn {
				got, err := st.FindWebAuthnCredential(ctx, want.WebAuthn.CredentialID)
				if ok(t, "FindWebAuthnCredential", err) {
					if d := diff(want, got); d != "" {
						t.Errorf("FindWebAuthnCredential (-want +got):\n%s", d)
					}
				}
			}
		})
	}
}

func (s *suite) factorCreateNoUser(t *testing.T) {
	for _, f := range []*store.MFAFactor{
		totpFactor("f-1", "u-nobody"),
		webAuthnFactor("f-1", "u-nobody", []byte("cred-1")),
		backupCodeFactor("f-1", "u-nobody"),
	} {
		t.Run(string(f.Type), func(t *testing.T) {
			st := s.open(t)
			mustCreateUser(t, st, bareUser("u-ann"))
			wantErr(t, "CreateMFAFactor for an unknown user", st.CreateMFAFactor(t.Context(), f), store.ErrNotFound)
			if ids := factorIDs(t, st, "u-nobody"); len(ids) != 0 {
				t.Errorf("ListMFAFactors(u-nobody) = %v, want none", ids)
			}
		})
	}
}

func (s *suite) factorCreateDuplicateTOTP(t *testing.T) {
	st := s.open(t)
	ctx := t.Context()
	mustCreateUser(t, st, bareUser("u-ann"))
	mustCreateUser(t, st, bareUser("u-bob"))
	mustCreateFactor(t, st, totpFactor("f-totp-1", "u-ann"))
	// Other types do not count.
	mustCreateFactor(t, st, webAuthnFactor("f-wa", "u-ann", []byte("cred-1")))
	mustCreateFactor(t, st, backupCodeFactor("f-bc", "u-ann"))

	wantErr(t, "CreateMFAFactor(second TOTP)", st.CreateMFAFactor(ctx, totpFactor("f-totp-2", "u-ann")), store.ErrDuplicateTOTP)
	if d := diff([]string{"f-bc", "f-totp-1", "f-wa"}, slices.Sorted(slices.Values(factorIDs(t, st, "u-ann")))); d != "" {
		t.Errorf("the user's factors after the refused TOTP (-want +got):\n%s", d)
	}
	// One TOTP per user, not per store.
	ok(t, "CreateMFAFactor(TOTP of another user)", st.CreateMFAFactor(ctx, totpFactor("f-totp-3", "u-bob")))
	// Once deleted, the user can bind a TOTP again.
	must(t, "DeleteMFAFactor", st.DeleteMFAFactor(ctx, "u-ann", "f-totp-1"))
	ok(t, "CreateMFAFactor(TOTP after deleting the first)", st.CreateMFAFactor(ctx, totpFactor("f-totp-2", "u-ann")))
}

func (s *suite) factorCreateDuplicateCredential(t *testing.T) {
	tests := []struct{ name, user string }{
		{"same user", "u-ann"},
		{"another user", "u-bob"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.open(t)
			ctx := t.Context()
			mustCreateUser(t, st, bareUser("u-ann"))
			mustCreateUser(t, st, bareUser("u-bob"))
			mustCreateFactor(t, st, webAuthnFactor("f-1", "u-ann", []byte("cred-1")))
			err := st.CreateMFAFactor(ctx, webAuthnFactor("f-2", tt.user, []byte("cred-1")))
			wantErr(t, "CreateMFAFactor(same credential id)", err, store.ErrDuplicateCredential)
			_, err = st.GetMFAFactor(ctx, tt.user, "f-2")
			wantErr(t, "GetMFAFactor(refused factor)", err, store.ErrNotFound)
			checkFactor(t, st, "u-ann", "f-1", webAuthnFactor("f-1", "u-ann", []byte("cred-1")))
			// Credential ids are compared as bytes: a prefix is another id.
			ok(t, "CreateMFAFactor(credential id that extends an existing one)",
				st.CreateMFAFactor(ctx, webAuthnFactor("f-3", tt.user, []byte("cred-10"))))
		})
	}
}

func (s *suite) factorCreateDuplicateID(t *testing.T) {
	st := s.open(t)
	mustCreateUser(t, st, bareUser("u-ann"))
	mustCreateUser(t, st, bareUser("u-bob"))
	mustCreateFactor(t, st, backupCodeFactor("f-1", "u-ann"))
	wantErr(t, "CreateMFAFactor(existing id, same user)",
		st.CreateMFAFactor(t.Context(), webAuthnFactor("f-1", "u-ann", []byte("cred-1"))), store.ErrConflict)
	wantErr(t, "CreateMFAFactor(existing id, another user)",
		st.CreateMFAFactor(t.Context(), totpFactor("f-1", "u-bob")), store.ErrConflict)
	checkFactor(t, st, "u-ann", "f-1", backupCodeFactor("f-1", "u-ann"))
}

func (s *suite) factorListOrder(t *testing.T) {
	st := s.open(t)
	mustCreateUser(t, st, bareUser("u-ann"))
	mustCreateUser(t, st, bareUser("u-bob"))
	// Inserted out of order; the list is by CreatedAt, then ID.
	withTime := func(f *store.MFAFactor, d time.Duration) *store.MFAFactor {
		f.CreatedAt = at(d)
		return f
	}
	mustCreateFactor(t, st, withTime(webAuthnFactor("f-d", "u-ann", []byte("cred-d")), -time.Minute))
	mustCreateFactor(t, st, withTime(totpFactor("f-c", "u-ann"), -time.Hour))
	mustCreateFactor(t, st, withTime(webAuthnFactor("f-b", "u-ann", []byte("cred-b")), -time.Minute))
	mustCreateFactor(t, st, withTime(backupCodeFactor("f-a", "u-ann"), -time.Second))
	mustCreateFactor(t, st, withTime(webAuthnFactor("f-e", "u-ann", []byte("cred-e")), -time.Hour-time.Millisecond))
	mustCreateFactor(t, st, withTime(totpFactor("f-0", "u-bob"), -2*time.Hour))
	want := []string{"f-e", "f-c", "f-b", "f-d", "f-a"}
	if d := diff(want, factorIDs(t, st, "u-ann")); d != "" {
		t.Errorf("ListMFAFactors order (-want +got):\n%s", d)
	}
}

func (s *suite) factorListEmpty(t *testing.T) {
	st := s.open(t)
	mustCreateUser(t, st, bareUser("u-ann"))
	mustCreateUser(t, st, bareUser("u-bob"))
	mustCreateFactor(t, st, totpFactor("f-1", "u-bob"))
	for _, id := range []string{"u-ann", "u-nobody"} {
		fs, err := st.ListMFAFactors(t.Context(), id)
		if ok(t, "ListMFAFactors("+id+")", err) && len(fs) != 0 {
			t.Errorf("ListMFAFactors(%q) = %d factors, want none", id, len(fs))
		}
	}
}

func (s *suite) factorGetNotFound(t *testing.T) {
	st := s.open(t)
	mustCreateUser(t, st, bareUser("u-ann"))
	mustCreateUser(t, st, bareUser("u-bob"))
	mustCreateFactor(t, st, totpFactor("f-1", "u-bob"))
	_, err := st.GetMFAFactor(t.Context(), "u-ann", "f-nothing")
	wantErr(t, "GetMFAFactor(unknown id)", err, store.ErrNotFound)
	_, err = st.GetMFAFactor(t.Context(), "u-ann", "f-1")
	wantErr(t, "GetMFAFactor(another user's factor)", err, store.ErrNotFound)
	_, err = st.GetMFAFactor(t.Context(), "u-nobody", "f-1")
	wantErr(t, "GetMFAFactor(unknown user)", err, store.ErrNotFound)
}

func (s *suite) factorFindWebAuthn(t *testing.T) {
	st := s.open(t)
	ctx := t.Context()
	mustCreateUser(t, st, bareUser("u-ann"))
	mustCreateUser(t, st, bareUser("u-bob"))
	mustCreateFactor(t, st, webAuthnFactor("f-1", "u-ann", []byte("cred-1")))
	mustCreateFactor(t, st, webAuthnFactor("f-2", "u-bob", []byte("cred-2")))
	mustCreateFactor(t, st, totpFactor("f-3", "u-ann"))
	for _, want := range []*store.MFAFactor{
		webAuthnFactor("f-1", "u-ann", []byte("cred-1")),
		webAuthnFactor("f-2", "u-bob", []byte("cred-2")),
	} {
		got, err := st.FindWebAuthnCredential(ctx, want.WebAuthn.CredentialID)
		if ok(t, "FindWebAuthnCredential("+string(want.WebAuthn.CredentialID)+")", err) {
			if d := diff(want, got); d != "" {
				t.Errorf("FindWebAuthnCredential (-want +got):\n%s", d)
			}
		}
	}
	for _, id := range [][]byte{[]byte("cred-3"), []byte("cred-"), []byte("CRED-1"), nil} {
		_, err := st.FindWebAuthnCredential(ctx, id)
		wantErr(t, fmt.Sprintf("FindWebAuthnCredential(%q)", id), err, store.ErrNotFound)
	}
}

func (s *suite) factorDelete(t *testing.T) {
	st := s.open(t)
	ctx := t.Context()
	mustCreateUser(t, st, bareUser("u-ann"))
	mustCreateUser(t, st, bareUser("u-bob"))
	mustCreateFactor(t, st, webAuthnFactor("f-1", "u-ann", []byte("cred-1")))
	mustCreateFactor(t, st, totpFactor("f-2", "u-ann"))
	mustCreateFactor(t, st, totpFactor("f-3", "u-bob"))

	if ok(t, "DeleteMFAFactor", st.DeleteMFAFactor(ctx, "u-ann", "f-1")) {
		_, err := st.GetMFAFactor(ctx, "u-ann", "f-1")
		wantErr(t, "GetMFAFactor(deleted)", err, store.ErrNotFound)
		_, err = st.FindWebAuthnCredential(ctx, []byte("cred-1"))
		wantErr(t, "FindWebAuthnCredential(deleted)", err, store.ErrNotFound)
		if d := diff([]string{"f-2"}, factorIDs(t, st, "u-ann")); d != "" {
			t.Errorf("ListMFAFactors after delete (-want +got):\n%s", d)
		}
	}
	wantErr(t, "DeleteMFAFactor again", st.DeleteMFAFactor(ctx, "u-ann", "f-1"), store.ErrNotFound)
	wantErr(t, "DeleteMFAFactor(another user's factor)", st.DeleteMFAFactor(ctx, "u-ann", "f-3"), store.ErrNotFound)
	wantErr(t, "DeleteMFAFactor(unknown user)", st.DeleteMFAFactor(ctx, "u-nobody", "f-2"), store.ErrNotFound)
	checkFactor(t, st, "u-bob", "f-3", totpFactor("f-3", "u-bob"))
	checkFactor(t, st, "u-ann", "f-2", totpFactor("f-2", "u-ann"))
}

func (s *suite) factorRename(t *testing.T) {
	tests := []struct {
		name       string
		from, to   *string
		wantChange bool
	}{
		{"name an unnamed credential", nil, ptr("Phone"), true},
		{"rename", ptr("YubiKey"), ptr("Phone"), true},
		{"name empty", ptr("YubiKey"), ptr(""), true},
		{"unname", ptr("YubiKey"), nil, true},
		{"same name", ptr("YubiKey"), ptr("YubiKey"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.open(t)
			mustCreateUser(t, st, bareUser("u-ann"))
			f := webAuthnFactor("f-1", "u-ann", []byte("cred-1"))
			f.WebAuthn.Name = tt.from
			mustCreateFactor(t, st, f)
			if !ok(t, "RenameWebAuthnCredential", st.RenameWebAuthnCredential(t.Context(), "u-ann", "f-1", tt.to)) {
				return
			}
			// Only the name changes.
			want := webAuthnFactor("f-1", "u-ann", []byte("cred-1"))
			want.WebAuthn.Name = tt.to
			checkFactor(t, st, "u-ann", "f-1", want)
		})
	}
}

func (s *suite) factorRenameNotFound(t *testing.T) {
	st := s.open(t)
	ctx := t.Context()
	mustCreateUser(t, st, bareUser("u-ann"))
	mustCreateUser(t, st, bareUser("u-bob"))
	mustCreateFactor(t, st, totpFactor("f-totp", "u-ann"))
	mustCreateFactor(t, st, backupCodeFactor("f-bc", "u-ann"))
	mustCreateFactor(t, st, webAuthnFactor("f-bob", "u-bob", []byte("cred-bob")))
	tests := []struct{ name, user, id string }{
		{"TOTP factor", "u-ann", "f-totp"},
		{"backup-code factor", "u-ann", "f-bc"},
		{"another user's WebAuthn factor", "u-ann", "f-bob"},
		{"unknown id", "u-ann", "f-nothing"},
		{"unknown user", "u-nobody", "f-bob"},
	}
	for _, tt := range tests {
		wantErr(t, "RenameWebAuthnCredential("+tt.name+")",
			st.RenameWebAuthnCredential(ctx, tt.user, tt.id, ptr("hijacked")), store.ErrNotFound)
	}
	checkFactor(t, st, "u-ann", "f-totp", totpFactor("f-totp", "u-ann"))
	checkFactor(t, st, "u-ann", "f-bc", backupCodeFactor("f-bc", "u-ann"))
	checkFactor(t, st, "u-bob", "f-bob", webAuthnFactor("f-bob", "u-bob", []byte("cred-bob")))
}

func (s *suite) factorUseTOTPStep(t *testing.T) {
	const last = 57_239_057 // totpFactor's LastUsedStep
	tests := []struct {
		name    string
		last    int64
		step    int64
		wantErr error
	}{
		{"next step", last, last + 1, nil},
		{"later step", last, last + 100, nil},
		{"first use", 0, 1, nil},
		{"same step", last, last, store.ErrConflict},
		{"earlier step", last, last - 1, store.ErrConflict},
		{"step zero on a fresh factor", 0, 0, store.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.open(t)
			mustCreateUser(t, st, bareUser("u-ann"))
			f := totpFactor("f-1", "u-ann")
			f.TOTP.LastUsedStep = tt.last
			mustCreateFactor(t, st, f)
			err := st.UseTOTPStep(t.Context(), "f-1", tt.step, at(0))
			want := totpFactor("f-1", "u-ann")
			want.TOTP.LastUsedStep = tt.last
			if tt.wantErr == nil {
				if !ok(t, "UseTOTPStep", err) {
					return
				}
				want.TOTP.LastUsedStep, want.LastUsedAt = tt.step, at(0)
			} else {
				wantErr(t, "UseTOTPStep", err, tt.wantErr)
			}
			checkFactor(t, st, "u-ann", "f-1", want)
		})
	}
	t.Run("a replay after a success", func(t *testing.T) {
		st := s.open(t)
		mustCreateUser(t, st, bareUser("u-ann"))
		mustCreateFactor(t, st, totpFactor("f-1", "u-ann"))
		ok(t, "UseTOTPStep", st.UseTOTPStep(t.Context(), "f-1", last+1, at(0)))
		wantErr(t, "UseTOTPStep(same step again)", st.UseTOTPStep(t.Context(), "f-1", last+1, at(time.Second)), store.ErrConflict)
		want := totpFactor("f-1", "u-ann")
		want.TOTP.LastUsedStep, want.LastUsedAt = last+1, at(0)
		checkFactor(t, st, "u-ann", "f-1", want)
	})
}

func (s *suite) factorUseTOTPStepNotFound(t *testing.T) {
	st := s.open(t)
	mustCreateUser(t, st, bareUser("u-ann"))
	mustCreateFactor(t, st, webAuthnFactor("f-wa", "u-ann", []byte("cred-1")))
	mustCreateFactor(t, st, backupCodeFactor("f-bc", "u-ann"))
	for _, id := range []string{"f-nothing", "f-wa", "f-bc"} {
		wantErr(t, "UseTOTPStep("+id+")", st.UseTOTPStep(t.Context(), id, 1<<40, at(0)), store.ErrNotFound)
	}
	checkFactor(t, st, "u-ann", "f-wa", webAuthnFactor("f-wa", "u-ann", []byte("cred-1")))
	checkFactor(t, st, "u-ann", "f-bc", backupCodeFactor("f-bc", "u-ann"))
}

func (s *suite) factorUpdateSignCount(t *testing.T) {
	tests := []struct {
		name             string
		stored           uint32
		prev, next       uint32
		wantErr          error
		wantStoredResult uint32
	}{
		{"prev matches", 10, 10, 11, nil, 11},
		{"prev matches, largest next", 10, 10, 4_294_967_295, nil, 4_294_967_295},
		{"from zero", 0, 0, 1, nil, 1},
		{"next equals prev", 10, 10, 10, nil, 10},
		{"prev is stale", 11, 10, 11, store.ErrConflict, 11},
		{"prev is ahead", 10, 11, 12, store.ErrConflict, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.open(t)
			mustCreateUser(t, st, bareUser("u-ann"))
			f := webAuthnFactor("f-1", "u-ann", []byte("cred-1"))
			f.WebAuthn.SignCount = tt.stored
			mustCreateFactor(t, st, f)
			err := st.UpdateSignCount(t.Context(), "f-1", tt.prev, tt.next, at(0))
			want := webAuthnFactor("f-1", "u-ann", []byte("cred-1"))
			want.WebAuthn.SignCount = tt.wantStoredResult
			if tt.wantErr == nil {
				if !ok(t, "UpdateSignCount", err) {
					return
				}
				want.LastUsedAt = at(0)
			} else {
				wantErr(t, "UpdateSignCount", err, tt.wantErr)
			}
			checkFactor(t, st, "u-ann", "f-1", want)
		})
	}
}

func (s *suite) factorUpdateSignCountNotFound(t *testing.T) {
	st := s.open(t)
	mustCreateUser(t, st, bareUser("u-ann"))
	mustCreateFactor(t, st, totpFactor("f-totp", "u-ann"))
	mustCreateFactor(t, st, backupCodeFactor("f-bc", "u-ann"))
	for _, id := range []string{"f-nothing", "f-totp", "f-bc"} {
		wantErr(t, "UpdateSignCount("+id+")", st.UpdateSignCount(t.Context(), id, 0, 1, at(0)), store.ErrNotFound)
	}
	checkFactor(t, st, "u-ann", "f-totp", totpFactor("f-totp", "u-ann"))
	checkFactor(t, st, "u-ann", "f-bc", backupCodeFactor("f-bc", "u-ann"))
}

func (s *suite) factorUseBackupCode(t *testing.T) {
	st := s.open(t)
	ctx := t.Context()
	mustCreateUser(t, st, bareUser("u-ann"))
	mustCreateFactor(t, st, backupCodeFactor("f-1", "u-ann"))
	want := backupCodeFactor("f-1", "u-ann")

	// Index 2 is the last code; index 1 is used already.
	if ok(t, "UseBackupCode(2)", st.UseBackupCode(ctx, "f-1", 2, at(0))) {
		want.BackupCodes[2].UsedAt = at(0)
		want.LastUsedAt = at(0)
	}
	checkFactor(t, st, "u-ann", "f-1", want)
	wantErr(t, "UseBackupCode(2) again", st.UseBackupCode(ctx, "f-1", 2, at(time.Second)), store.ErrNotFound)
	wantErr(t, "UseBackupCode(1), used before", st.UseBackupCode(ctx, "f-1", 1, at(time.Second)), store.ErrNotFound)
	checkFactor(t, st, "u-ann", "f-1", want)

	if ok(t, "UseBackupCode(0)", st.UseBackupCode(ctx, "f-1", 0, at(time.Minute))) {
		want.BackupCodes[0].UsedAt = at(time.Minute)
		want.LastUsedAt = at(time.Minute)
	}
	checkFactor(t, st, "u-ann", "f-1", want)
}

func (s *suite) factorUseBackupCodeNotFound(t *testing.T) {
	st := s.open(t)
	mustCreateUser(t, st, bareUser("u-ann"))
	mustCreateFactor(t, st, backupCodeFactor("f-bc", "u-ann"))
	mustCreateFactor(t, st, totpFactor("f-totp", "u-ann"))
	mustCreateFactor(t, st, webAuthnFactor("f-wa", "u-ann", []byte("cred-1")))
	tests := []struct {
		name  string
		id    string
		index int
	}{
		{"index past the end", "f-bc", 3},
		{"negative index", "f-bc", -1},
		{"unknown factor", "f-nothing", 0},
		{"TOTP factor", "f-totp", 0},
		{"WebAuthn factor", "f-wa", 0},
	}
	for _, tt := range tests {
		wantErr(t, "UseBackupCode("+tt.name+")", st.UseBackupCode(t.Context(), tt.id, tt.index, at(0)), store.ErrNotFound)
	}
	checkFactor(t, st, "u-ann", "f-bc", backupCodeFactor("f-bc", "u-ann"))
	checkFactor(t, st, "u-ann", "f-totp", totpFactor("f-totp", "u-ann"))
}
