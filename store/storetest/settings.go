package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/accountapi/accountapi/store"
)

func (s *suite) settings(t *testing.T) {
	t.Run("GetBeforeSave", s.settingsNotFound)
	t.Run("SaveGetRoundTrip", s.settingsRoundTrip)
	t.Run("SaveReplaces", s.settingsReplace)
}

// fullAccountCenter has every member set.
func fullAccountCenter() *store.AccountCenter {
	return &store.AccountCenter{
		Enabled: true,
		Fields: store.AccountCenterFields{
			Name: store.ControlEdit, Avatar: store.ControlReadOnly, Profile: store.ControlOff,
			Email: store.ControlEdit, Phone: store.ControlEdit, Password: store.ControlEdit,
			Username: store.ControlReadOnly, Social: store.ControlEdit, CustomData: store.ControlEdit,
			MFA: store.ControlEdit, Passkey: store.ControlReadOnly, Session: store.ControlOff,
			TrustedDevice: store.ControlReadOnly, DeleteAccount: store.ControlEdit,
		},
		WebAuthnRelatedOrigins: []string{"https://app.example.com", "https://example.org:8443"},
		DeleteAccountURL:       "https://example.com/delete-my-account",
		CustomCSS:              ptr("body { color: #333; } /* “quoted” */\n.a::after { content: \"\\\"\"; }"),
		ProfileFields:          []store.ProfileField{{Name: "department"}, {Name: "employeeId"}, {Name: "address"}},
		UpdatedAt:              at(-time.Minute),
	}
}

func (s *suite) settingsNotFound(t *testing.T) {
	st := s.open(t)
	_, err := st.GetAccountCenter(t.Context())
	wantErr(t, "GetAccountCenter before the first save", err, store.ErrNotFound)
}

// checkAccountCenter fails the test unless the stored settings equal want,
// ProfileFields's nil-ness included ("nil is null").
func checkAccountCenter(t *testing.T, st store.Store, want *store.AccountCenter) {
	t.Helper()
	got, err := st.GetAccountCenter(t.Context())
	if err != nil {
		t.Errorf("GetAccountCenter: %v", err)
		return
	}
	if d := diff(want, got); d != "" {
		t.Errorf("GetAccountCenter (-want +got):\n%s", d)
	}
	if (want.ProfileFields == nil) != (got.ProfileFields == nil) {
		t.Errorf("GetAccountCenter: ProfileFields = %#v, want %#v (nil is null, empty is [])", got.ProfileFields, want.ProfileFields)
	}
}

func (s *suite) settingsRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		ac   func() *store.AccountCenter
	}{
		{"every member set", fullAccountCenter},
		{"nil ProfileFields and CustomCSS", func() *store.AccountCenter {
			ac := fullAccountCenter()
			ac.ProfileFields, ac.CustomCSS = nil, nil
			return ac
		}},
		{"empty ProfileFields and CustomCSS", func() *store.AccountCenter {
			ac := fullAccountCenter()
			ac.ProfileFields, ac.CustomCSS = []store.ProfileField{}, ptr("")
			return ac
		}},
		{"zero value", func() *store.AccountCenter { return &store.AccountCenter{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.open(t)
			if ok(t, "SaveAccountCenter", st.SaveAccountCenter(t.Context(), tt.ac())) {
				checkAccountCenter(t, st, tt.ac())
			}
		})
	}
}

func (s *suite) settingsReplace(t *testing.T) {
	tests := []struct {
		name          string
		first, second func() *store.AccountCenter
	}{
		{"full, then sparse", fullAccountCenter, func() *store.AccountCenter {
			return &store.AccountCenter{Enabled: false, Fields: store.AccountCenterFields{Email: store.ControlReadOnly}, UpdatedAt: at(0)}
		}},
		{"sparse, then full", func() *store.AccountCenter {
			return &store.AccountCenter{Enabled: true, ProfileFields: []store.ProfileField{}, CustomCSS: ptr(""), UpdatedAt: at(-time.Hour)}
		}, fullAccountCenter},
		{"empty ProfileFields, then nil", func() *store.AccountCenter {
			ac := fullAccountCenter()
			ac.ProfileFields = []store.ProfileField{}
			return ac
		}, func() *store.AccountCenter {
			ac := fullAccountCenter()
			ac.ProfileFields = nil
			return ac
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.open(t)
			must(t, "SaveAccountCenter(first)", st.SaveAccountCenter(t.Context(), tt.first()))
			if ok(t, "SaveAccountCenter(second)", st.SaveAccountCenter(t.Context(), tt.second())) {
				checkAccountCenter(t, st, tt.second())
			}
		})
	}
}

func (s *suite) accessTokens(t *testing.T) {
	t.Run("CreateRoundTrip", s.tokenRoundTrip)
	t.Run("CreateNoUser", s.tokenCreateNoUser)
	t.Run("CreateDuplicateName", s.tokenCreateDuplicateName)
	t.Run("CreateDuplicateHash", s.tokenCreateDuplicateHash)
	t.Run("ListOrder", s.tokenListOrder)
	t.Run("ListEmpty", s.tokenListEmpty)
	t.Run("FindNotFound", s.tokenFindNotFound)
	t.Run("Rename", s.tokenRename)
	t.Run("RenameErrors", s.tokenRenameErrors)
	t.Run("Delete", s.tokenDelete)
}

// checkTokens fails the test unless the user's tokens, in List order, are want.
func checkTokens(t *testing.T, st store.Store, userID string, want []store.PersonalAccessToken) {
	t.Helper()
	got, err := st.ListPersonalAccessTokens(t.Context(), userID)
	if err != nil {
		t.Errorf("ListPersonalAccessTokens(%q): %v", userID, err)
		return
	}
	if d := diff(want, got); d != "" {
		t.Errorf("ListPersonalAccessTokens(%q) (-want +got):\n%s", userID, d)
	}
}

func (s *suite) tokenRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		token func() *store.PersonalAccessToken
	}{
		{"never expires", func() *store.PersonalAccessToken { return token("u-ann", "laptop", at(-time.Hour)) }},
		{"expires", func() *store.PersonalAccessToken {
			tok := token("u-ann", "ci", at(-time.Hour))
			tok.ExpiresAt = at(30 * 24 * time.Hour)
			return tok
		}},
		{"expired: returned, the caller decides", func() *store.PersonalAccessToken {
			tok := token("u-ann", "old", at(-48*time.Hour))
			tok.ExpiresAt = at(-24 * time.Hour)
			return tok
		}},
		{"name with spaces and non-ASCII", func() *store.PersonalAccessToken { return token("u-ann", "Élodie's “work” laptop", at(0)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.openWithUsers(t)
			if !ok(t, "CreatePersonalAccessToken", st.CreatePersonalAccessToken(t.Context(), tt.token())) {
				return
			}
			got, err := st.FindPersonalAccessToken(t.Context(), tt.token().Hash)
			if ok(t, "FindPersonalAccessToken", err) {
				if d := diff(tt.token(), got); d != "" {
					t.Errorf("FindPersonalAccessToken (-want +got):\n%s", d)
				}
			}
			checkTokens(t, st, "u-ann", []store.PersonalAccessToken{*tt.token()})
		})
	}
}

func (s *suite) tokenCreateNoUser(t *testing.T) {
	st := s.openWithUsers(t)
	wantErr(t, "CreatePersonalAccessToken(unknown user)",
		st.CreatePersonalAccessToken(t.Context(), token("u-nobody", "laptop", at(0))), store.ErrNotFound)
	_, err := st.FindPersonalAccessToken(t.Context(), token("u-nobody", "laptop", at(0)).Hash)
	wantErr(t, "FindPersonalAccessToken(refused token)", err, store.ErrNotFound)
}

func (s *suite) tokenCreateDuplicateName(t *testing.T) {
	st := s.openWithUsers(t)
	ctx := t.Context()
	must(t, "CreatePersonalAccessToken", st.CreatePersonalAccessToken(ctx, token("u-ann", "laptop", at(-time.Hour))))
	dup := token("u-ann", "laptop", at(0))
	dup.Hash = hash("another value")
	wantErr(t, "CreatePersonalAccessToken(same user, same name)", st.CreatePersonalAccessToken(ctx, dup), store.ErrDuplicateName)
	_, err := st.FindPersonalAccessToken(ctx, dup.Hash)
	wantErr(t, "FindPersonalAccessToken(refused token)", err, store.ErrNotFound)
	checkTokens(t, st, "u-ann", []store.PersonalAccessToken{*token("u-ann", "laptop", at(-time.Hour))})
	// Names are unique per user.
	ok(t, "CreatePersonalAccessToken(another user, same name)",
		st.CreatePersonalAccessToken(ctx, token("u-bob", "laptop", at(0))))
}

func (s *suite) tokenCreateDuplicateHash(t *testing.T) {
	tests := []struct{ name, user, tokenName string }{
		{"same user, another name", "u-ann", "desktop"},
		{"another user", "u-bob", "laptop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.openWithUsers(t)
			must(t, "CreatePersonalAccessToken", st.CreatePersonalAccessToken(t.Context(), token("u-ann", "laptop", at(-time.Hour))))
			dup := token(tt.user, tt.tokenName, at(0))
			dup.Hash = token("u-ann", "laptop", at(0)).Hash
			err := st.CreatePersonalAccessToken(t.Context(), dup)
			wantErr(t, "CreatePersonalAccessToken(existing hash)", err, store.ErrConflict)
			if isErr(err, store.ErrDuplicateName) {
				t.Errorf("CreatePersonalAccessToken(existing hash): err = %v, want an ErrConflict that is not %v (the name is free)", err, store.ErrDuplicateName)
			}
			got, err := st.FindPersonalAccessToken(t.Context(), dup.Hash)
			if ok(t, "FindPersonalAccessToken", err) {
				if d := diff(token("u-ann", "laptop", at(-time.Hour)), got); d != "" {
					t.Errorf("FindPersonalAccessToken (-want +got):\n%s", d)
				}
			}
		})
	}
}

func (s *suite) tokenListOrder(t *testing.T) {
	st := s.openWithUsers(t)
	ctx := t.Context()
	// Inserted out of order; listed by CreatedAt, then Name.
	for _, tok := range []*store.PersonalAccessToken{
		token("u-ann", "d", at(-time.Minute)),
		token("u-ann", "a", at(0)),
		token("u-ann", "c", at(-time.Hour)),
		token("u-ann", "b", at(-time.Minute)),
		token("u-bob", "0", at(-2*time.Hour)),
	} {
		must(t, "CreatePersonalAccessToken", st.CreatePersonalAccessToken(ctx, tok))
	}
	checkTokens(t, st, "u-ann", []store.PersonalAccessToken{
		*token("u-ann", "c", at(-time.Hour)),
		*token("u-ann", "b", at(-time.Minute)),
		*token("u-ann", "d", at(-time.Minute)),
		*token("u-ann", "a", at(0)),
	})
}

func (s *suite) tokenListEmpty(t *testing.T) {
	st := s.openWithUsers(t)
	must(t, "CreatePersonalAccessToken", st.CreatePersonalAccessToken(t.Context(), token("u-bob", "laptop", at(0))))
	for _, id := range []string{"u-ann", "u-nobody"} {
		ts, err := st.ListPersonalAccessTokens(t.Context(), id)
		if ok(t, "ListPersonalAccessTokens("+id+")", err) && len(ts) != 0 {
			t.Errorf("ListPersonalAccessTokens(%q) = %d tokens, want none", id, len(ts))
		}
	}
}

func (s *suite) tokenFindNotFound(t *testing.T) {
	st := s.openWithUsers(t)
	must(t, "CreatePersonalAccessToken", st.CreatePersonalAccessToken(t.Context(), token("u-ann", "laptop", at(0))))
	h := token("u-ann", "laptop", at(0)).Hash
	for name, q := range map[string][]byte{
		"unknown hash":   hash("unknown"),
		"prefix of hash": h[:16],
		"empty":          nil,
	} {
		_, err := st.FindPersonalAccessToken(t.Context(), q)
		wantErr(t, "FindPersonalAccessToken("+name+")", err, store.ErrNotFound)
	}
}

func (s *suite) tokenRename(t *testing.T) {
	tests := []struct{ name, from, to string }{
		{"to a free name", "laptop", "desktop"},
		{"to its own name", "laptop", "laptop"},
		{"to a name another user has", "laptop", "phone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.openWithUsers(t)
			ctx := t.Context()
			tok := token("u-ann", tt.from, at(-time.Hour))
			tok.ExpiresAt = at(time.Hour)
			must(t, "CreatePersonalAccessToken", st.CreatePersonalAccessToken(ctx, tok))
			must(t, "CreatePersonalAccessToken", st.CreatePersonalAccessToken(ctx, token("u-bob", "phone", at(0))))
			if !ok(t, "RenamePersonalAccessToken", st.RenamePersonalAccessToken(ctx, "u-ann", tt.from, tt.to)) {
				return
			}
			// Only the name changes.
			want := token("u-ann", tt.from, at(-time.Hour))
			want.ExpiresAt = at(time.Hour)
			want.Name = tt.to
			checkTokens(t, st, "u-ann", []store.PersonalAccessToken{*want})
			got, err := st.FindPersonalAccessToken(ctx, want.Hash)
			if ok(t, "FindPersonalAccessToken", err) {
				if d := diff(want, got); d != "" {
					t.Errorf("FindPersonalAccessToken (-want +got):\n%s", d)
				}
			}
			checkTokens(t, st, "u-bob", []store.PersonalAccessToken{*token("u-bob", "phone", at(0))})
		})
	}
}

func (s *suite) tokenRenameErrors(t *testing.T) {
	st := s.openWithUsers(t)
	ctx := t.Context()
	for _, tok := range []*store.PersonalAccessToken{
		token("u-ann", "laptop", at(-time.Hour)),
		token("u-ann", "phone", at(-time.Minute)),
		token("u-bob", "tablet", at(0)),
	} {
		must(t, "CreatePersonalAccessToken", st.CreatePersonalAccessToken(ctx, tok))
	}
	tests := []struct {
		name, user, from, to string
		want                 error
	}{
		{"to a name the user has", "u-ann", "laptop", "phone", store.ErrDuplicateName},
		{"unknown old name", "u-ann", "desktop", "desk", store.ErrNotFound},
		{"unknown old name, new name taken", "u-ann", "desktop", "phone", store.ErrNotFound},
		{"another user's token", "u-ann", "tablet", "mine", store.ErrNotFound},
		{"unknown user", "u-nobody", "laptop", "x", store.ErrNotFound},
	}
	for _, tt := range tests {
		wantErr(t, "RenamePersonalAccessToken("+tt.name+")", st.RenamePersonalAccessToken(ctx, tt.user, tt.from, tt.to), tt.want)
	}
	checkTokens(t, st, "u-ann", []store.PersonalAccessToken{
		*token("u-ann", "laptop", at(-time.Hour)),
		*token("u-ann", "phone", at(-time.Minute)),
	})
	checkTokens(t, st, "u-bob", []store.PersonalAccessToken{*token("u-bob", "tablet", at(0))})
}

func (s *suite) tokenDelete(t *testing.T) {
	st := s.openWithUsers(t)
	ctx := t.Context()
	for _, tok := range []*store.PersonalAccessToken{
		token("u-ann", "laptop", at(-time.Hour)),
		token("u-ann", "phone", at(-time.Minute)),
		token("u-bob", "tablet", at(0)),
	} {
		must(t, "CreatePersonalAccessToken", st.CreatePersonalAccessToken(ctx, tok))
	}
	if ok(t, "DeletePersonalAccessToken", st.DeletePersonalAccessToken(ctx, "u-ann", "laptop")) {
		_, err := st.FindPersonalAccessToken(ctx, token("u-ann", "laptop", at(0)).Hash)
		wantErr(t, "FindPersonalAccessToken(deleted)", err, store.ErrNotFound)
	}
	wantErr(t, "DeletePersonalAccessToken again", st.DeletePersonalAccessToken(ctx, "u-ann", "laptop"), store.ErrNotFound)
	wantErr(t, "DeletePersonalAccessToken(another user's)", st.DeletePersonalAccessToken(ctx, "u-ann", "tablet"), store.ErrNotFound)
	wantErr(t, "DeletePersonalAccessToken(unknown user)", st.DeletePersonalAccessToken(ctx, "u-nobody", "phone"), store.ErrNotFound)
	checkTokens(t, st, "u-ann", []store.PersonalAccessToken{*token("u-ann", "phone", at(-time.Minute))})
	checkTokens(t, st, "u-bob", []store.PersonalAccessToken{*token("u-bob", "tablet", at(0))})
}

func (s *suite) signInExperience(t *testing.T) {
	t.Run("GetBeforeSave", func(t *testing.T) {
		st := s.open(t)
		_, err := st.GetSignInExperience(t.Context())
		wantErr(t, "GetSignInExperience before the first save", err, store.ErrNotFound)
	})
	t.Run("SaveGetRoundTrip", func(t *testing.T) {
		for name, sie := range map[string]*store.SignInExperience{
			"every policy set": fullSignInExperience(),
			"no policy set":    {UpdatedAt: at(0)},
			"one policy set":   {SentinelPolicy: &store.SentinelPolicy{MaxAttempts: 5, LockoutDuration: 2}, UpdatedAt: at(0)},
		} {
			t.Run(name, func(t *testing.T) {
				st := s.open(t)
				must(t, "SaveSignInExperience", st.SaveSignInExperience(t.Context(), sie))
				got, err := st.GetSignInExperience(t.Context())
				must(t, "GetSignInExperience", err)
				if d := cmp.Diff(sie, got); d != "" {
					t.Errorf("GetSignInExperience (-want +got):\n%s", d)
				}
			})
		}
	})
	t.Run("SaveReplaces", func(t *testing.T) {
		st := s.open(t)
		must(t, "SaveSignInExperience", st.SaveSignInExperience(t.Context(), fullSignInExperience()))
		next := &store.SignInExperience{PasskeySignIn: &store.PasskeySignInPolicy{Enabled: true}, UpdatedAt: at(time.Minute)}
		must(t, "SaveSignInExperience", st.SaveSignInExperience(t.Context(), next))
		got, err := st.GetSignInExperience(t.Context())
		must(t, "GetSignInExperience", err)
		if d := cmp.Diff(next, got); d != "" {
			t.Errorf("after replacing (-want +got):\n%s", d)
		}
	})
}

// fullSignInExperience sets every policy, with values that differ from
// Logto's defaults.
func fullSignInExperience() *store.SignInExperience {
	pp := &store.PasswordPolicy{}
	pp.Length.Min, pp.Length.Max = 10, 64
	pp.CharacterTypes.Min = 3
	pp.Rejects.Pwned, pp.Rejects.UserInfo = true, true
	pp.Rejects.Words = []string{"acme", "Ünïcode"}
	up := &store.UsernamePolicy{CaseSensitive: false, MinLength: 3, MaxLength: 20}
	up.AllowedChars.Lowercase, up.AllowedChars.Numbers = true, true
	return &store.SignInExperience{
		PasswordPolicy: pp,
		UsernamePolicy: up,
		EmailBlocklistPolicy: &store.EmailBlocklistPolicy{
			BlockSubaddressing: true, CustomBlocklist: []string{"@spam.test"}, CustomAllowlist: []string{},
		},
		MFA:                    &store.MFAPolicy{Factors: []store.FactorType{store.FactorTOTP, store.FactorWebAuthn}, Policy: "UserControlled"},
		PasskeySignIn:          &store.PasskeySignInPolicy{Enabled: true},
		SentinelPolicy:         &store.SentinelPolicy{MaxAttempts: 7, LockoutDuration: 15},
		VerificationCodePolicy: &store.VerificationCodePolicy{ExpirationDuration: 300, MaxRetryAttempts: 5},
		UpdatedAt:              at(-time.Hour),
	}
}
