package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/accountapi/accountapi/store"
)

func (s *suite) users(t *testing.T) {
	t.Run("CreateGetRoundTrip", s.userRoundTrip)
	t.Run("CreateDuplicateID", s.userCreateDuplicateID)
	t.Run("CreateDuplicateIdentifier", s.userCreateDuplicateIdentifier)
	t.Run("CreateDuplicateIdentity", s.userCreateDuplicateIdentity)
	t.Run("DistinctIdentifiersDoNotCollide", s.userDistinctIdentifiers)
	t.Run("ExactUsernames", s.userExactUsernames)
	t.Run("CaseInsensitiveUsernames", s.userCaseInsensitiveUsernames)
	t.Run("FindUserByUsernameFold", s.userFindByUsernameFold)
	t.Run("GetUserNotFound", s.userGetNotFound)
	t.Run("FindUserByEmail", s.userFindByEmail)
	t.Run("FindUserByPhone", s.userFindByPhone)
	t.Run("FindNotFound", s.userFindNotFound)
	t.Run("UpdateWritesEveryMemberButIDCreatedAtIdentities", s.userUpdateWrites)
	t.Run("UpdateNotFound", s.userUpdateNotFound)
	t.Run("UpdateDuplicateIdentifier", s.userUpdateDuplicateIdentifier)
	t.Run("UpdateKeepsOwnIdentifiers", s.userUpdateKeepsOwnIdentifiers)
	t.Run("DeleteUser", s.userDelete)
	t.Run("DeleteUserNotFound", s.userDeleteNotFound)
	t.Run("LockUser", s.userLock)
}

// mustCreateUser creates u (a fresh fixture) and fails the test on error.
func mustCreateUser(t *testing.T, st store.Store, u *store.User) {
	t.Helper()
	must(t, "CreateUser("+u.ID+")", st.CreateUser(t.Context(), u))
}

// checkUser fails the test unless the stored user id equals want.
func checkUser(t *testing.T, st store.Store, id string, want *store.User) {
	t.Helper()
	got, err := st.GetUser(t.Context(), id)
	if err != nil {
		t.Errorf("GetUser(%q): %v", id, err)
		return
	}
	if d := diff(want, got); d != "" {
		t.Errorf("GetUser(%q) (-want +got):\n%s", id, d)
	}
}

// checkNoUser fails the test unless there is no user id.
func checkNoUser(t *testing.T, st store.Store, id string) {
	t.Helper()
	_, err := st.GetUser(t.Context(), id)
	wantErr(t, "GetUser("+id+")", err, store.ErrNotFound)
}

func (s *suite) userRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		user func() *store.User
	}{
		{"every member set", func() *store.User {
			u := fullUser("u-ann")
			u.PrimaryPhone = "61412345678"
			return u
		}},
		{"only id and timestamps", func() *store.User { return bareUser("u-bare") }},
		{"empty strings and true flags", func() *store.User {
			// "" is a value for Name, Avatar and Profile members; Enabled true.
			u := bareUser("u-empty")
			u.Name, u.Avatar = ptr(""), ptr("")
			u.Profile = store.Profile{Nickname: ptr(""), Address: &store.Address{Country: ptr("")}}
			u.CustomData = map[string]any{}
			u.Identities = map[string]store.Identity{"oidc": {UserID: "sub-1", Details: map[string]any{}}}
			u.PasswordDigest, u.PasswordAlgorithm = "5f4dcc3b5aa765d61d8327deb882cf99", store.MD5
			u.LogtoConfig.MFA.Enabled = ptr(true)
			return u
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.open(t)
			u := tt.user()
			if !ok(t, "CreateUser", st.CreateUser(t.Context(), u)) {
				return
			}
			checkUser(t, st, u.ID, tt.user())
		})
	}
}

func (s *suite) userCreateDuplicateID(t *testing.T) {
	st := s.open(t)
	mustCreateUser(t, st, fullUser("u-ann"))
	// Same id, no identifier in common: only the id conflicts.
	dup := bareUser("u-ann")
	dup.Username = "someone-else"
	wantErr(t, "CreateUser with an existing id", st.CreateUser(t.Context(), dup), store.ErrConflict)
	checkUser(t, st, "u-ann", fullUser("u-ann"))
}

// identifiers are a user's username, primary email and primary phone.
type identifiers struct{ username, email, phone string }

func (ids identifiers) apply(u *store.User) *store.User {
	u.Username, u.PrimaryEmail, u.PrimaryPhone = ids.username, ids.email, ids.phone
	return u
}

// duplicateIdentifierCases are pairs of identifiers that collide under the
// default options: the second user must be refused with want.
var duplicateIdentifierCases = []struct {
	name          string
	first, second identifiers
	want          error
}{
	{"same username", identifiers{username: "ann"}, identifiers{username: "ann"}, store.ErrDuplicateUsername},
	{"same email", identifiers{email: "ann@x.com"}, identifiers{email: "ann@x.com"}, store.ErrDuplicateEmail},
	{"email in another case", identifiers{email: "Ann@X.com"}, identifiers{email: "ann@x.com"}, store.ErrDuplicateEmail},
	{"email in upper case", identifiers{email: "ann@x.com"}, identifiers{email: "ANN@X.COM"}, store.ErrDuplicateEmail},
	// EmailKey lower-cases Unicode letters too (strings.ToLower), not only ASCII.
	{"email with non-ASCII letters in another case", identifiers{email: "Élodie@exemple.fr"}, identifiers{email: "élodie@exemple.fr"}, store.ErrDuplicateEmail},
	{"same phone", identifiers{phone: "61412345678"}, identifiers{phone: "61412345678"}, store.ErrDuplicatePhone},
	{"phone with national trunk prefix", identifiers{phone: "61412345678"}, identifiers{phone: "610412345678"}, store.ErrDuplicatePhone},
	{"phone without national trunk prefix", identifiers{phone: "610412345678"}, identifiers{phone: "61412345678"}, store.ErrDuplicatePhone},
	{"unparsable phone, same digits", identifiers{phone: "000123"}, identifiers{phone: "000123"}, store.ErrDuplicatePhone},
}

func (s *suite) userCreateDuplicateIdentifier(t *testing.T) {
	for _, tt := range duplicateIdentifierCases {
		t.Run(tt.name, func(t *testing.T) {
			st := s.open(t)
			mustCreateUser(t, st, tt.first.apply(bareUser("u-first")))
			err := st.CreateUser(t.Context(), tt.second.apply(bareUser("u-second")))
			wantErr(t, "CreateUser", err, tt.want)
			checkNoUser(t, st, "u-second")
			checkUser(t, st, "u-first", tt.first.apply(bareUser("u-first")))
		})
	}
}

func (s *suite) userCreateDuplicateIdentity(t *testing.T) {
	st := s.open(t)
	ann := bareUser("u-ann")
	ann.Identities = map[string]store.Identity{"github": {UserID: "gh-1"}}
	mustCreateUser(t, st, ann)

	bob := bareUser("u-bob")
	bob.Username = "bob"
	bob.Identities = map[string]store.Identity{"google": {UserID: "g-2"}, "github": {UserID: "gh-1"}}
	wantErr(t, "CreateUser with another user's identity", st.CreateUser(t.Context(), bob), store.ErrDuplicateIdentity)
	// The refused user left nothing behind: not the user, not its other identity.
	checkNoUser(t, st, "u-bob")
	_, err := st.FindUserByIdentity(t.Context(), "google", "g-2")
	wantErr(t, "FindUserByIdentity(google, g-2) after the refused create", err, store.ErrNotFound)
	_, err = st.FindUserByUsername(t.Context(), "bob")
	wantErr(t, "FindUserByUsername(bob) after the refused create", err, store.ErrNotFound)

	// The same social user id under another target is another identity.
	carol := bareUser("u-carol")
	carol.Identities = map[string]store.Identity{"gitlab": {UserID: "gh-1"}}
	ok(t, "CreateUser with the same social user id under another target", st.CreateUser(t.Context(), carol))
}

func (s *suite) userDistinctIdentifiers(t *testing.T) {
	tests := []struct {
		name          string
		first, second identifiers
	}{
		// "" is "none": two users without an identifier do not collide.
		{"no identifiers", identifiers{}, identifiers{}},
		{"no email, different usernames", identifiers{username: "ann"}, identifiers{username: "bob"}},
		{"different emails", identifiers{email: "ann@x.com"}, identifiers{email: "ann@y.com"}},
		{"different phones", identifiers{phone: "61412345678"}, identifiers{phone: "61412345679"}},
		{"one's email is the other's username", identifiers{username: "ann@x.com"}, identifiers{email: "ann@x.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.open(t)
			ok(t, "CreateUser(first)", st.CreateUser(t.Context(), tt.first.apply(bareUser("u-first"))))
			ok(t, "CreateUser(second)", st.CreateUser(t.Context(), tt.second.apply(bareUser("u-second"))))
			checkUser(t, st, "u-first", tt.first.apply(bareUser("u-first")))
			checkUser(t, st, "u-second", tt.second.apply(bareUser("u-second")))
		})
	}
	t.Run("cleared on update", func(t *testing.T) {
		st := s.open(t)
		mustCreateUser(t, st, identifiers{"ann", "ann@x.com", "61412345678"}.apply(bareUser("u-ann")))
		mustCreateUser(t, st, identifiers{"bob", "bob@x.com", "61412345679"}.apply(bareUser("u-bob")))
		for _, id := range []string{"u-ann", "u-bob"} {
			ok(t, "UpdateUser("+id+") clearing its identifiers", st.UpdateUser(t.Context(), bareUser(id)))
			checkUser(t, st, id, bareUser(id))
		}
	})
}

func (s *suite) userExactUsernames(t *testing.T) {
	st := s.newStore(t, Options{})
	ctx := t.Context()
	mustCreateUser(t, st, identifiers{username: "Ann"}.apply(bareUser("u-upper")))

	got, err := st.FindUserByUsername(ctx, "Ann")
	if ok(t, "FindUserByUsername(Ann)", err) && got.ID != "u-upper" {
		t.Errorf("FindUserByUsername(Ann) = %q, want u-upper", got.ID)
	}
	_, err = st.FindUserByUsername(ctx, "ann")
	wantErr(t, "FindUserByUsername(ann) with only Ann stored, exact usernames", err, store.ErrNotFound)

	// Usernames are compared exactly, so "ann" is another username.
	if !ok(t, "CreateUser(ann) beside Ann", st.CreateUser(ctx, identifiers{username: "ann"}.apply(bareUser("u-lower")))) {
		return
	}
	got, err = st.FindUserByUsername(ctx, "ann")
	if ok(t, "FindUserByUsername(ann)", err) && got.ID != "u-lower" {
		t.Errorf("FindUserByUsername(ann) = %q, want u-lower", got.ID)
	}
	got, err = st.FindUserByUsername(ctx, "Ann")
	if ok(t, "FindUserByUsername(Ann)", err) && got.ID != "u-upper" {
		t.Errorf("FindUserByUsername(Ann) = %q, want u-upper", got.ID)
	}
}

func (s *suite) userCaseInsensitiveUsernames(t *testing.T) {
	open := func(t *testing.T) store.Store {
		st := s.newStore(t, Options{CaseInsensitiveUsernames: true})
		mustCreateUser(t, st, identifiers{username: "Ann"}.apply(bareUser("u-ann")))
		return st
	}
	t.Run("create collides", func(t *testing.T) {
		st := open(t)
		err := st.CreateUser(t.Context(), identifiers{username: "ann"}.apply(bareUser("u-other")))
		wantErr(t, "CreateUser(ann) beside Ann", err, store.ErrDuplicateUsername)
		checkNoUser(t, st, "u-other")
	})
	t.Run("update collides", func(t *testing.T) {
		st := open(t)
		mustCreateUser(t, st, identifiers{username: "bob"}.apply(bareUser("u-bob")))
		err := st.UpdateUser(t.Context(), identifiers{username: "ANN"}.apply(bareUser("u-bob")))
		wantErr(t, "UpdateUser(bob → ANN) beside Ann", err, store.ErrDuplicateUsername)
		checkUser(t, st, "u-bob", identifiers{username: "bob"}.apply(bareUser("u-bob")))
	})
	t.Run("find in any case", func(t *testing.T) {
		st := open(t)
		for _, name := range []string{"Ann", "ann", "ANN", "aNn"} {
			got, err := st.FindUserByUsername(t.Context(), name)
			if !ok(t, "FindUserByUsername("+name+")", err) {
				continue
			}
			// The store keeps the username as given.
			if d := diff(identifiers{username: "Ann"}.apply(bareUser("u-ann")), got); d != "" {
				t.Errorf("FindUserByUsername(%q) (-want +got):\n%s", name, d)
			}
		}
		_, err := st.FindUserByUsername(t.Context(), "Anne")
		wantErr(t, "FindUserByUsername(Anne)", err, store.ErrNotFound)
	})
	t.Run("own username in another case", func(t *testing.T) {
		st := open(t)
		ok(t, "UpdateUser(Ann → ANN) of the same user", st.UpdateUser(t.Context(), identifiers{username: "ANN"}.apply(bareUser("u-ann"))))
		checkUser(t, st, "u-ann", identifiers{username: "ANN"}.apply(bareUser("u-ann")))
	})
}

// userFindByUsernameFold checks FindUserByUsernameFold under both username
// options: it ignores case either way, prefers the exact username, then the
// oldest user, and finds nothing for "" or another username.
func (s *suite) userFindByUsernameFold(t *testing.T) {
	for _, ci := range []bool{false, true} {
		t.Run(fmt.Sprintf("CaseInsensitiveUsernames=%v", ci), func(t *testing.T) {
			open := func(t *testing.T) store.Store {
				st := s.newStore(t, Options{CaseInsensitiveUsernames: ci})
				mustCreateUser(t, st, identifiers{username: "Ann_B", email: "ann@example.com"}.apply(fullUser("u-ann")))
				mustCreateUser(t, st, identifiers{username: "bob"}.apply(bareUser("u-bob")))
				return st
			}
			t.Run("any case", func(t *testing.T) {
				st := open(t)
				for _, name := range []string{"Ann_B", "ann_b", "ANN_B", "aNn_b"} {
					got, err := st.FindUserByUsernameFold(t.Context(), name)
					if !ok(t, "FindUserByUsernameFold("+name+")", err) {
						continue
					}
					// The whole user, its username as stored.
					if d := diff(identifiers{username: "Ann_B", email: "ann@example.com"}.apply(fullUser("u-ann")), got); d != "" {
						t.Errorf("FindUserByUsernameFold(%q) (-want +got):\n%s", name, d)
					}
				}
			})
			t.Run("not found", func(t *testing.T) {
				st := open(t)
				for _, name := range []string{"", "Ann", "Ann_B_", "%", "ann\\_b", "b_b"} {
					_, err := st.FindUserByUsernameFold(t.Context(), name)
					wantErr(t, fmt.Sprintf("FindUserByUsernameFold(%q)", name), err, store.ErrNotFound)
				}
			})
			t.Run("inside a transaction", func(t *testing.T) {
				st := open(t)
				err := st.InTx(t.Context(), func(ctx context.Context, tx store.Store) error {
					got, err := tx.FindUserByUsernameFold(ctx, "BOB")
					if ok(t, "FindUserByUsernameFold(BOB) in a transaction", err) && got.ID != "u-bob" {
						t.Errorf("FindUserByUsernameFold(BOB) = %q, want u-bob", got.ID)
					}
					return nil
				})
				must(t, "InTx", err)
			})
			if ci {
				return
			}
			// Exact usernames only: several users may share a username
			// ignoring case.
			t.Run("several matches", func(t *testing.T) {
				st := s.newStore(t, Options{})
				older, newer := bareUser("u-z-older"), bareUser("u-a-newer")
				newer.CreatedAt = older.CreatedAt.Add(time.Minute)
				mustCreateUser(t, st, identifiers{username: "CAROL"}.apply(newer))
				mustCreateUser(t, st, identifiers{username: "Carol"}.apply(older))
				sameTime := bareUser("u-b-same")
				sameTime.CreatedAt = older.CreatedAt
				mustCreateUser(t, st, identifiers{username: "carOL"}.apply(sameTime))
				for name, want := range map[string]string{
					"CAROL": "u-a-newer", // exact match first
					"Carol": "u-z-older",
					"carOL": "u-b-same",
					"carol": "u-b-same", // no exact match: oldest, then smallest id
				} {
					got, err := st.FindUserByUsernameFold(t.Context(), name)
					if ok(t, "FindUserByUsernameFold("+name+")", err) && got.ID != want {
						t.Errorf("FindUserByUsernameFold(%q) = %q, want %q", name, got.ID, want)
					}
				}
			})
		})
	}
}

func (s *suite) userGetNotFound(t *testing.T) {
	st := s.open(t)
	mustCreateUser(t, st, fullUser("u-ann"))
	_, err := st.GetUser(t.Context(), "u-nobody")
	wantErr(t, "GetUser(unknown id)", err, store.ErrNotFound)
	_, err = st.GetUser(t.Context(), "")
	wantErr(t, `GetUser("")`, err, store.ErrNotFound)
}

func (s *suite) userFindByEmail(t *testing.T) {
	tests := []struct{ name, stored, query string }{
		{"as stored", "Ann@Example.com", "Ann@Example.com"},
		{"lower case", "Ann@Example.com", "ann@example.com"},
		{"upper case", "Ann@Example.com", "ANN@EXAMPLE.COM"},
		{"non-ASCII letters in another case", "ÉLODIE@Exemple.fr", "élodie@exemple.fr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.open(t)
			want := fullUser("u-ann")
			want.PrimaryEmail = tt.stored
			mustCreateUser(t, st, want)
			mustCreateUser(t, st, fullUser("u-bob"))
			got, err := st.FindUserByEmail(t.Context(), tt.query)
			if !ok(t, "FindUserByEmail("+tt.query+")", err) {
				return
			}
			// The whole user comes back, identities included, its email as sent.
			if d := diff(want, got); d != "" {
				t.Errorf("FindUserByEmail(%q) (-want +got):\n%s", tt.query, d)
			}
		})
	}
}

func (s *suite) userFindByPhone(t *testing.T) {
	tests := []struct{ name, stored, query string }{
		{"as stored", "61412345678", "61412345678"},
		{"with trunk prefix", "61412345678", "610412345678"},
		{"with plus, spaces and trunk prefix", "61412345678", "+61 0412 345 678"},
		{"with plus", "61412345678", "+61412345678"},
		{"with dashes", "61412345678", "61-412-345-678"},
		{"stored with trunk prefix, queried without", "610412345678", "61412345678"},
		{"stored with trunk prefix, queried formatted", "610412345678", "+61 412 345 678"},
		{"unparsable, by its digits", "000123", "000-123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.open(t)
			want := fullUser("u-ann")
			want.PrimaryPhone = tt.stored
			mustCreateUser(t, st, want)
			bob := fullUser("u-bob")
			bob.PrimaryPhone = "447911123456"
			mustCreateUser(t, st, bob)
			got, err := st.FindUserByPhone(t.Context(), tt.query)
			if !ok(t, "FindUserByPhone("+tt.query+")", err) {
				return
			}
			if d := diff(want, got); d != "" {
				t.Errorf("FindUserByPhone(%q) (-want +got):\n%s", tt.query, d)
			}
		})
	}
}

func (s *suite) userFindNotFound(t *testing.T) {
	st := s.open(t)
	ann := fullUser("u-ann")
	ann.PrimaryPhone = "61412345678"
	mustCreateUser(t, st, ann)
	// u-none has no username, email or phone: "" must not find it.
	mustCreateUser(t, st, bareUser("u-none"))
	ctx := t.Context()
	finds := []struct {
		name string
		find func() (*store.User, error)
	}{
		{"FindUserByUsername(unknown)", func() (*store.User, error) { return st.FindUserByUsername(ctx, "nobody") }},
		{`FindUserByUsername("")`, func() (*store.User, error) { return st.FindUserByUsername(ctx, "") }},
		{"FindUserByEmail(unknown)", func() (*store.User, error) { return st.FindUserByEmail(ctx, "nobody@example.com") }},
		{"FindUserByEmail(prefix of a stored email)", func() (*store.User, error) { return st.FindUserByEmail(ctx, "u-ann@Example") }},
		{`FindUserByEmail("")`, func() (*store.User, error) { return st.FindUserByEmail(ctx, "") }},
		{"FindUserByPhone(unknown)", func() (*store.User, error) { return st.FindUserByPhone(ctx, "61412345679") }},
		{`FindUserByPhone("")`, func() (*store.User, error) { return st.FindUserByPhone(ctx, "") }},
		{"FindUserByIdentity(unknown target)", func() (*store.User, error) { return st.FindUserByIdentity(ctx, "gitlab", "gh-u-ann") }},
		{"FindUserByIdentity(unknown social user)", func() (*store.User, error) { return st.FindUserByIdentity(ctx, "github", "gh-nobody") }},
	}
	for _, f := range finds {
		u, err := f.find()
		if !isErr(err, store.ErrNotFound) {
			id := ""
			if u != nil {
				id = u.ID
			}
			t.Errorf("%s = (user %q, %v), want %v", f.name, id, err, store.ErrNotFound)
		}
	}
}

func (s *suite) userUpdateWrites(t *testing.T) {
	tests := []struct {
		name     string
		from, to func() *store.User
	}{
		{"every member cleared", func() *store.User {
			u := fullUser("u-ann")
			u.PrimaryPhone = "61412345678"
			return u
		}, func() *store.User {
			u := bareUser("u-ann")
			u.UpdatedAt = at(0)
			u.CreatedAt = at(-1000 * time.Hour) // not written
			return u                            // nil Identities: not written either
		}},
		{"every member set", func() *store.User { return bareUser("u-ann") }, func() *store.User {
			u := fullUser("u-ann")
			u.PrimaryPhone = "61412345678"
			u.CreatedAt = at(-1000 * time.Hour) // not written
			return u                            // two identities: not written
		}},
		{"every member changed", func() *store.User {
			u := fullUser("u-ann")
			u.PrimaryPhone = "61412345678"
			return u
		}, func() *store.User {
			u := fullUser("u-ann")
			u.Username, u.PrimaryEmail, u.PrimaryPhone = "ann2", "ann2@example.org", "447911123456"
			u.Name, u.Avatar = ptr("Ann Two"), nil
			u.Profile = store.Profile{GivenName: ptr("Annie"), Address: &store.Address{Locality: ptr("Lyon")}}
			u.CustomData = map[string]any{"plan": "free", "prefs": map[string]any{"theme": "light"}}
			u.Identities = map[string]store.Identity{"gitlab": {UserID: "gl-1"}} // not written
			u.PasswordDigest, u.PasswordAlgorithm = "$2a$10$abcdefghijklmnopqrstuv", store.Bcrypt
			u.PasswordUpdatedAt = at(-time.Second)
			u.IsPasswordExpired, u.IsSuspended = false, false
			u.LogtoConfig = store.LogtoConfig{MFA: store.MFAConfig{Enabled: ptr(true)}}
			u.ApplicationID = ""
			u.CreatedAt = at(time.Hour) // not written
			u.UpdatedAt = at(0)
			u.LastSignInAt = at(-time.Second)
			return u
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.open(t)
			mustCreateUser(t, st, tt.from())
			if !ok(t, "UpdateUser", st.UpdateUser(t.Context(), tt.to())) {
				return
			}
			want := tt.to()
			want.CreatedAt = tt.from().CreatedAt
			want.Identities = tt.from().Identities
			checkUser(t, st, "u-ann", want)
		})
	}
}

func (s *suite) userUpdateNotFound(t *testing.T) {
	st := s.open(t)
	mustCreateUser(t, st, fullUser("u-ann"))
	wantErr(t, "UpdateUser(unknown id)", st.UpdateUser(t.Context(), fullUser("u-nobody")), store.ErrNotFound)
	checkNoUser(t, st, "u-nobody")
}

func (s *suite) userUpdateDuplicateIdentifier(t *testing.T) {
	for _, tt := range duplicateIdentifierCases {
		t.Run(tt.name, func(t *testing.T) {
			st := s.open(t)
			ctx := t.Context()
			mustCreateUser(t, st, tt.first.apply(bareUser("u-first")))
			second := fullUser("u-second")
			second.Username, second.PrimaryEmail = "second", "second@example.com"
			mustCreateUser(t, st, second)
			before, err := st.GetUser(ctx, "u-second")
			must(t, "GetUser(u-second)", err)

			// Change other members too: none of them may be written.
			u, err := st.GetUser(ctx, "u-second")
			must(t, "GetUser(u-second)", err)
			tt.second.apply(u)
			u.Name = ptr("changed")
			u.CustomData = map[string]any{"changed": true}
			u.UpdatedAt = at(0)
			wantErr(t, "UpdateUser", st.UpdateUser(ctx, u), tt.want)
			checkUser(t, st, "u-second", before)
			checkUser(t, st, "u-first", tt.first.apply(bareUser("u-first")))
		})
	}
}

func (s *suite) userUpdateKeepsOwnIdentifiers(t *testing.T) {
	tests := []struct {
		name string
		to   identifiers
	}{
		{"unchanged", identifiers{"ann", "ann@x.com", "61412345678"}},
		{"own email in another case", identifiers{"ann", "ANN@X.COM", "61412345678"}},
		{"own phone in another form", identifiers{"ann", "ann@x.com", "610412345678"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.open(t)
			mustCreateUser(t, st, identifiers{"ann", "ann@x.com", "61412345678"}.apply(bareUser("u-ann")))
			mustCreateUser(t, st, identifiers{"bob", "bob@x.com", "61412345679"}.apply(bareUser("u-bob")))
			u := tt.to.apply(bareUser("u-ann"))
			u.Name = ptr("Ann")
			if !ok(t, "UpdateUser", st.UpdateUser(t.Context(), u)) {
				return
			}
			want := tt.to.apply(bareUser("u-ann"))
			want.Name = ptr("Ann")
			checkUser(t, st, "u-ann", want)
		})
	}
}

// owned lists what a user owns besides its row and identities.
type owned struct {
	factorIDs    []string
	credentialID []byte
	tokenName    string
	tokenHash    []byte
	recordIDs    []string // records deleted with the user
	codeIDs      []string // their codes
}

// seedOwned gives user id (already created) a TOTP, a WebAuthn and a
// backup-code factor, a token, a record bound to it and one it created
// (unbound), each with a code (one of them consumed), and returns what it made.
func seedOwned(t *testing.T, st store.Store, id string) owned {
	t.Helper()
	ctx := t.Context()
	o := owned{
		factorIDs:    []string{"f-totp-" + id, "f-wa-" + id, "f-bc-" + id},
		credentialID: []byte("cred-" + id),
		tokenName:    "laptop",
		tokenHash:    hash(id + "/laptop"),
		recordIDs:    []string{"r-bound-" + id, "r-new-" + id},
		codeIDs:      []string{"c-bound-" + id, "c-used-" + id, "c-new-" + id},
	}
	must(t, "CreateMFAFactor(TOTP)", st.CreateMFAFactor(ctx, totpFactor(o.factorIDs[0], id)))
	must(t, "CreateMFAFactor(WebAuthn)", st.CreateMFAFactor(ctx, webAuthnFactor(o.factorIDs[1], id, o.credentialID)))
	must(t, "CreateMFAFactor(BackupCode)", st.CreateMFAFactor(ctx, backupCodeFactor(o.factorIDs[2], id)))
	must(t, "CreatePersonalAccessToken", st.CreatePersonalAccessToken(ctx, token(id, o.tokenName, at(-time.Hour))))
	must(t, "CreateVerificationRecord(bound)", st.CreateVerificationRecord(ctx, codeRecord(o.recordIDs[0], id, id)))
	must(t, "CreateVerificationRecord(unbound)", st.CreateVerificationRecord(ctx, codeRecord(o.recordIDs[1], "", id)))
	must(t, "CreateVerificationCode", st.CreateVerificationCode(ctx, code(o.codeIDs[0], o.recordIDs[0], store.TemplateBindNewIdentifier)))
	must(t, "CreateVerificationCode", st.CreateVerificationCode(ctx, code(o.codeIDs[1], o.recordIDs[0], store.TemplateUserPermission)))
	must(t, "ConsumeVerificationCode", st.ConsumeVerificationCode(ctx, o.codeIDs[1]))
	must(t, "CreateVerificationCode", st.CreateVerificationCode(ctx, code(o.codeIDs[2], o.recordIDs[1], store.TemplateBindNewIdentifier)))
	return o
}

func (s *suite) userDelete(t *testing.T) {
	st := s.open(t)
	ctx := t.Context()
	ann := fullUser("u-ann")
	ann.PrimaryPhone = "61412345678"
	bob := fullUser("u-bob")
	bob.PrimaryPhone = "61412345679"
	mustCreateUser(t, st, ann)
	mustCreateUser(t, st, bob)
	annOwns := seedOwned(t, st, "u-ann")
	bobOwns := seedOwned(t, st, "u-bob")
	// Records across the two users: bound to ann but created by bob, and bound
	// to bob but created by ann. Both go with ann.
	must(t, "CreateVerificationRecord", st.CreateVerificationRecord(ctx, codeRecord("r-ann-by-bob", "u-ann", "u-bob")))
	must(t, "CreateVerificationRecord", st.CreateVerificationRecord(ctx, codeRecord("r-bob-by-ann", "u-bob", "u-ann")))
	must(t, "CreateVerificationCode", st.CreateVerificationCode(ctx, code("c-ann-by-bob", "r-ann-by-bob", store.TemplateGeneric)))
	must(t, "CreateVerificationCode", st.CreateVerificationCode(ctx, code("c-bob-by-ann", "r-bob-by-ann", store.TemplateGeneric)))
	annOwns.recordIDs = append(annOwns.recordIDs, "r-ann-by-bob", "r-bob-by-ann")
	annOwns.codeIDs = append(annOwns.codeIDs, "c-ann-by-bob", "c-bob-by-ann")

	if !ok(t, "DeleteUser(u-ann)", st.DeleteUser(ctx, "u-ann")) {
		return
	}

	t.Run("the user is gone", func(t *testing.T) {
		checkNoUser(t, st, "u-ann")
		_, err := st.LockUser(ctx, "u-ann")
		wantErr(t, "LockUser", err, store.ErrNotFound)
		_, err = st.FindUserByUsername(ctx, ann.Username)
		wantErr(t, "FindUserByUsername", err, store.ErrNotFound)
		_, err = st.FindUserByEmail(ctx, ann.PrimaryEmail)
		wantErr(t, "FindUserByEmail", err, store.ErrNotFound)
		_, err = st.FindUserByPhone(ctx, ann.PrimaryPhone)
		wantErr(t, "FindUserByPhone", err, store.ErrNotFound)
	})
	t.Run("its identities are gone", func(t *testing.T) {
		for target, id := range ann.Identities {
			_, err := st.FindUserByIdentity(ctx, target, id.UserID)
			wantErr(t, "FindUserByIdentity("+target+")", err, store.ErrNotFound)
		}
	})
	t.Run("its factors are gone", func(t *testing.T) {
		fs, err := st.ListMFAFactors(ctx, "u-ann")
		if ok(t, "ListMFAFactors", err) && len(fs) != 0 {
			t.Errorf("ListMFAFactors = %d factors, want none", len(fs))
		}
		for _, id := range annOwns.factorIDs {
			_, err := st.GetMFAFactor(ctx, "u-ann", id)
			wantErr(t, "GetMFAFactor("+id+")", err, store.ErrNotFound)
		}
		_, err = st.FindWebAuthnCredential(ctx, annOwns.credentialID)
		wantErr(t, "FindWebAuthnCredential", err, store.ErrNotFound)
		wantErr(t, "UseTOTPStep", st.UseTOTPStep(ctx, annOwns.factorIDs[0], 1<<40, t0), store.ErrNotFound)
		wantErr(t, "UseBackupCode", st.UseBackupCode(ctx, annOwns.factorIDs[2], 0, t0), store.ErrNotFound)
	})
	t.Run("its tokens are gone", func(t *testing.T) {
		ts, err := st.ListPersonalAccessTokens(ctx, "u-ann")
		if ok(t, "ListPersonalAccessTokens", err) && len(ts) != 0 {
			t.Errorf("ListPersonalAccessTokens = %d tokens, want none", len(ts))
		}
		_, err = st.FindPersonalAccessToken(ctx, annOwns.tokenHash)
		wantErr(t, "FindPersonalAccessToken", err, store.ErrNotFound)
	})
	t.Run("its records and their codes are gone", func(t *testing.T) {
		for _, id := range annOwns.recordIDs {
			_, err := st.GetVerificationRecord(ctx, id, t0)
			wantErr(t, "GetVerificationRecord("+id+")", err, store.ErrNotFound)
			_, err = st.FindVerificationCode(ctx, id, store.TemplateBindNewIdentifier)
			wantErr(t, "FindVerificationCode("+id+")", err, store.ErrNotFound)
		}
		for _, id := range annOwns.codeIDs {
			_, err := st.IncrementCodeTries(ctx, id)
			wantErr(t, "IncrementCodeTries("+id+")", err, store.ErrNotFound)
		}
	})
	t.Run("other users' rows are untouched", func(t *testing.T) {
		wantBob := fullUser("u-bob")
		wantBob.PrimaryPhone = "61412345679"
		checkUser(t, st, "u-bob", wantBob)
		for target, id := range bob.Identities {
			u, err := st.FindUserByIdentity(ctx, target, id.UserID)
			if ok(t, "FindUserByIdentity("+target+")", err) && u.ID != "u-bob" {
				t.Errorf("FindUserByIdentity(%s) = %q, want u-bob", target, u.ID)
			}
		}
		fs, err := st.ListMFAFactors(ctx, "u-bob")
		if ok(t, "ListMFAFactors(u-bob)", err) && len(fs) != 3 {
			t.Errorf("ListMFAFactors(u-bob) = %d factors, want 3", len(fs))
		}
		if _, err := st.FindWebAuthnCredential(ctx, bobOwns.credentialID); err != nil {
			t.Errorf("FindWebAuthnCredential(bob's): %v", err)
		}
		if _, err := st.FindPersonalAccessToken(ctx, bobOwns.tokenHash); err != nil {
			t.Errorf("FindPersonalAccessToken(bob's): %v", err)
		}
		for _, id := range bobOwns.recordIDs {
			if _, err := st.GetVerificationRecord(ctx, id, t0); err != nil {
				t.Errorf("GetVerificationRecord(%s): %v", id, err)
			}
		}
		for _, rec := range []string{"r-bound-u-bob", "r-new-u-bob"} {
			if _, err := st.FindVerificationCode(ctx, rec, store.TemplateBindNewIdentifier); err != nil {
				t.Errorf("FindVerificationCode(%s): %v", rec, err)
			}
		}
	})
	t.Run("its unique values are free again", func(t *testing.T) {
		// Rows left behind would keep their unique keys taken.
		again := fullUser("u-ann")
		again.ID = "u-ann-again"
		again.PrimaryPhone = "610412345678"
		ok(t, "CreateUser with the deleted user's identifiers and identities", st.CreateUser(ctx, again))
		ok(t, "CreateUser with the deleted user's id", st.CreateUser(ctx, bareUser("u-ann")))
		ok(t, "CreateMFAFactor with the deleted user's credential id",
			st.CreateMFAFactor(ctx, webAuthnFactor(annOwns.factorIDs[1], "u-ann-again", annOwns.credentialID)))
		tok := token("u-ann-again", annOwns.tokenName, t0)
		tok.Hash = annOwns.tokenHash
		ok(t, "CreatePersonalAccessToken with the deleted token's hash", st.CreatePersonalAccessToken(ctx, tok))
		ok(t, "CreateVerificationRecord with a deleted record's id",
			st.CreateVerificationRecord(ctx, codeRecord(annOwns.recordIDs[0], "u-ann-again", "u-ann-again")))
		for _, id := range annOwns.codeIDs {
			ok(t, "CreateVerificationCode with a deleted code's id ("+id+")",
				st.CreateVerificationCode(ctx, code(id, annOwns.recordIDs[0], store.TemplateGeneric)))
		}
	})
}

func (s *suite) userDeleteNotFound(t *testing.T) {
	st := s.open(t)
	mustCreateUser(t, st, fullUser("u-ann"))
	wantErr(t, "DeleteUser(unknown id)", st.DeleteUser(t.Context(), "u-nobody"), store.ErrNotFound)
	must(t, "DeleteUser(u-ann)", st.DeleteUser(t.Context(), "u-ann"))
	wantErr(t, "DeleteUser(u-ann) again", st.DeleteUser(t.Context(), "u-ann"), store.ErrNotFound)
}

func (s *suite) userLock(t *testing.T) {
	t.Run("inside InTx returns the user", func(t *testing.T) {
		st := s.open(t)
		mustCreateUser(t, st, fullUser("u-ann"))
		err := st.InTx(t.Context(), func(ctx context.Context, tx store.Store) error {
			got, err := tx.LockUser(ctx, "u-ann")
			if err != nil {
				return err
			}
			if d := diff(fullUser("u-ann"), got); d != "" {
				t.Errorf("LockUser (-want +got):\n%s", d)
			}
			_, err = tx.LockUser(ctx, "u-nobody")
			wantErr(t, "LockUser(unknown id) in InTx", err, store.ErrNotFound)
			return nil
		})
		ok(t, "InTx", err)
	})
	t.Run("outside a transaction is GetUser", func(t *testing.T) {
		st := s.open(t)
		mustCreateUser(t, st, fullUser("u-ann"))
		got, err := st.LockUser(t.Context(), "u-ann")
		if ok(t, "LockUser", err) {
			if d := diff(fullUser("u-ann"), got); d != "" {
				t.Errorf("LockUser (-want +got):\n%s", d)
			}
		}
		_, err = st.LockUser(t.Context(), "u-nobody")
		wantErr(t, "LockUser(unknown id)", err, store.ErrNotFound)
	})
	t.Run("serialises read-modify-write", func(t *testing.T) {
		// Each transaction locks the user, reads a counter, waits, and writes
		// the counter plus one. Without the lock the transactions read the
		// same value and updates are lost; with it the counter ends at n.
		const n = 4
		st := s.open(t)
		u := bareUser("u-ann")
		u.CustomData = map[string]any{"counter": 0.0}
		mustCreateUser(t, st, u)
		errs := race(n, func(int) error {
			return st.InTx(t.Context(), func(ctx context.Context, tx store.Store) error {
				u, err := tx.LockUser(ctx, "u-ann")
				if err != nil {
					return err
				}
				c, _ := u.CustomData["counter"].(float64)
				time.Sleep(20 * time.Millisecond) // give the others a chance to interleave
				u.CustomData = map[string]any{"counter": c + 1}
				return tx.UpdateUser(ctx, u)
			})
		})
		for i, err := range errs {
			ok(t, fmt.Sprintf("InTx #%d", i), err)
		}
		got, err := st.GetUser(t.Context(), "u-ann")
		if ok(t, "GetUser", err) && got.CustomData["counter"] != float64(n) {
			t.Errorf("counter = %v after %d locked increments, want %d (an update was lost)", got.CustomData["counter"], n, n)
		}
	})
}
