package storetest

import (
	"testing"

	"github.com/accountapi/accountapi/store"
)

func (s *suite) identities(t *testing.T) {
	t.Run("AddIdentity", s.identityAdd)
	t.Run("AddIdentityNoUser", s.identityAddNoUser)
	t.Run("AddIdentityUserHasTarget", s.identityAddUserHasTarget)
	t.Run("AddIdentityOfAnotherUser", s.identityAddOfAnotherUser)
	t.Run("PutIdentity", s.identityPut)
	t.Run("PutIdentityNoUser", s.identityPutNoUser)
	t.Run("PutIdentityOfAnotherUser", s.identityPutOfAnotherUser)
	t.Run("RemoveIdentity", s.identityRemove)
	t.Run("FindUserByIdentity", s.identityFind)
}

// userWithIdentities is a bare user with the identities.
func userWithIdentities(id string, ids map[string]store.Identity) *store.User {
	u := bareUser(id)
	u.Identities = ids
	return u
}

// Identity fixtures; functions, so that no test shares a mutable map.
func ghAnn() store.Identity {
	return store.Identity{UserID: "gh-1", Details: map[string]any{
		"id": "gh-1", "email": "ann@example.com", "rawData": map[string]any{"login": "ann", "repos": 3.0, "orgs": []any{"x"}},
	}}
}

func ghAnnUpdated() store.Identity {
	return store.Identity{UserID: "gh-1", Details: map[string]any{"id": "gh-1", "name": "Ann B."}}
}

func ghOther() store.Identity { return store.Identity{UserID: "gh-2"} }

func googleAnn() store.Identity {
	return store.Identity{UserID: "g-1", Details: map[string]any{"email": "ann@gmail.example"}}
}

func (s *suite) identityAdd(t *testing.T) {
	st := s.open(t)
	ctx := t.Context()
	mustCreateUser(t, st, userWithIdentities("u-ann", map[string]store.Identity{"google": googleAnn()}))
	if !ok(t, "AddIdentity", st.AddIdentity(ctx, "u-ann", "github", ghAnn())) {
		return
	}
	want := userWithIdentities("u-ann", map[string]store.Identity{"google": googleAnn(), "github": ghAnn()})
	checkUser(t, st, "u-ann", want)
	got, err := st.FindUserByIdentity(ctx, "github", "gh-1")
	if ok(t, "FindUserByIdentity", err) {
		if d := diff(want, got); d != "" {
			t.Errorf("FindUserByIdentity (-want +got):\n%s", d)
		}
	}
}

func (s *suite) identityAddNoUser(t *testing.T) {
	st := s.open(t)
	wantErr(t, "AddIdentity(unknown user)", st.AddIdentity(t.Context(), "u-nobody", "github", ghAnn()), store.ErrNotFound)
	_, err := st.FindUserByIdentity(t.Context(), "github", "gh-1")
	wantErr(t, "FindUserByIdentity after the refused add", err, store.ErrNotFound)
}

func (s *suite) identityAddUserHasTarget(t *testing.T) {
	tests := []struct {
		name string
		id   store.Identity
	}{
		{"another social user", ghOther()},
		{"the same social user", ghAnnUpdated()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.open(t)
			mustCreateUser(t, st, userWithIdentities("u-ann", map[string]store.Identity{"github": ghAnn()}))
			err := st.AddIdentity(t.Context(), "u-ann", "github", tt.id)
			// The user's own identity: ErrConflict, but not ErrDuplicateIdentity,
			// which is for another user's.
			wantErr(t, "AddIdentity for a target the user has", err, store.ErrConflict)
			if isErr(err, store.ErrDuplicateIdentity) {
				t.Errorf("AddIdentity for a target the user has: err = %v, want an ErrConflict that is not %v (no other user has it)", err, store.ErrDuplicateIdentity)
			}
			checkUser(t, st, "u-ann", userWithIdentities("u-ann", map[string]store.Identity{"github": ghAnn()}))
		})
	}
}

func (s *suite) identityAddOfAnotherUser(t *testing.T) {
	st := s.open(t)
	mustCreateUser(t, st, userWithIdentities("u-ann", map[string]store.Identity{"github": ghAnn()}))
	mustCreateUser(t, st, userWithIdentities("u-bob", map[string]store.Identity{"google": {UserID: "g-2"}}))
	err := st.AddIdentity(t.Context(), "u-bob", "github", store.Identity{UserID: "gh-1"})
	wantErr(t, "AddIdentity of another user's identity", err, store.ErrDuplicateIdentity)
	checkUser(t, st, "u-bob", userWithIdentities("u-bob", map[string]store.Identity{"google": {UserID: "g-2"}}))
	checkUser(t, st, "u-ann", userWithIdentities("u-ann", map[string]store.Identity{"github": ghAnn()}))
	// The same social user id under another target is another identity.
	ok(t, "AddIdentity of the same social user id under another target",
		st.AddIdentity(t.Context(), "u-bob", "gitlab", store.Identity{UserID: "gh-1"}))
}

func (s *suite) identityPut(t *testing.T) {
	tests := []struct {
		name         string
		before       map[string]store.Identity
		put          store.Identity
		wantReplaced bool
	}{
		{"new target", map[string]store.Identity{"google": googleAnn()}, ghAnn(), false},
		{"replaces another social user", map[string]store.Identity{"google": googleAnn(), "github": ghOther()}, ghAnn(), true},
		{"replaces the same social user", map[string]store.Identity{"google": googleAnn(), "github": ghAnn()}, ghAnnUpdated(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.open(t)
			ctx := t.Context()
			mustCreateUser(t, st, userWithIdentities("u-ann", tt.before))
			replaced, err := st.PutIdentity(ctx, "u-ann", "github", tt.put)
			if !ok(t, "PutIdentity", err) {
				return
			}
			if replaced != tt.wantReplaced {
				t.Errorf("PutIdentity: replaced = %v, want %v", replaced, tt.wantReplaced)
			}
			checkUser(t, st, "u-ann", userWithIdentities("u-ann", map[string]store.Identity{"google": googleAnn(), "github": tt.put}))
			if tt.before["github"].UserID != "" && tt.before["github"].UserID != tt.put.UserID {
				// The replaced identity is gone, and free for another user.
				_, err := st.FindUserByIdentity(ctx, "github", tt.before["github"].UserID)
				wantErr(t, "FindUserByIdentity(replaced identity)", err, store.ErrNotFound)
				mustCreateUser(t, st, bareUser("u-bob"))
				ok(t, "AddIdentity of the replaced identity to another user",
					st.AddIdentity(ctx, "u-bob", "github", tt.before["github"]))
			}
		})
	}
}

func (s *suite) identityPutNoUser(t *testing.T) {
	st := s.open(t)
	_, err := st.PutIdentity(t.Context(), "u-nobody", "github", ghAnn())
	wantErr(t, "PutIdentity(unknown user)", err, store.ErrNotFound)
	_, err = st.FindUserByIdentity(t.Context(), "github", "gh-1")
	wantErr(t, "FindUserByIdentity after the refused put", err, store.ErrNotFound)
}

func (s *suite) identityPutOfAnotherUser(t *testing.T) {
	tests := []struct {
		name string
		bob  map[string]store.Identity
	}{
		{"bob has no identity for the target", map[string]store.Identity{"google": {UserID: "g-2"}}},
		{"bob has another identity for the target", map[string]store.Identity{"github": ghOther()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.open(t)
			mustCreateUser(t, st, userWithIdentities("u-ann", map[string]store.Identity{"github": ghAnn()}))
			mustCreateUser(t, st, userWithIdentities("u-bob", tt.bob))
			_, err := st.PutIdentity(t.Context(), "u-bob", "github", store.Identity{UserID: "gh-1"})
			wantErr(t, "PutIdentity of another user's identity", err, store.ErrDuplicateIdentity)
			checkUser(t, st, "u-bob", userWithIdentities("u-bob", tt.bob))
			checkUser(t, st, "u-ann", userWithIdentities("u-ann", map[string]store.Identity{"github": ghAnn()}))
		})
	}
}

func (s *suite) identityRemove(t *testing.T) {
	st := s.open(t)
	ctx := t.Context()
	mustCreateUser(t, st, userWithIdentities("u-ann", map[string]store.Identity{"github": ghAnn(), "google": googleAnn()}))
	mustCreateUser(t, st, userWithIdentities("u-bob", map[string]store.Identity{"github": ghOther()}))
	if !ok(t, "RemoveIdentity", st.RemoveIdentity(ctx, "u-ann", "github")) {
		return
	}
	checkUser(t, st, "u-ann", userWithIdentities("u-ann", map[string]store.Identity{"google": googleAnn()}))
	checkUser(t, st, "u-bob", userWithIdentities("u-bob", map[string]store.Identity{"github": ghOther()}))
	_, err := st.FindUserByIdentity(ctx, "github", "gh-1")
	wantErr(t, "FindUserByIdentity(removed identity)", err, store.ErrNotFound)

	wantErr(t, "RemoveIdentity again", st.RemoveIdentity(ctx, "u-ann", "github"), store.ErrNotFound)
	wantErr(t, "RemoveIdentity(target the user never had)", st.RemoveIdentity(ctx, "u-ann", "gitlab"), store.ErrNotFound)
	wantErr(t, "RemoveIdentity(unknown user)", st.RemoveIdentity(ctx, "u-nobody", "google"), store.ErrNotFound)
	checkUser(t, st, "u-bob", userWithIdentities("u-bob", map[string]store.Identity{"github": ghOther()}))

	// The removed identity is free for another user.
	mustCreateUser(t, st, bareUser("u-carol"))
	ok(t, "AddIdentity of the removed identity to another user", st.AddIdentity(ctx, "u-carol", "github", ghAnn()))
}

func (s *suite) identityFind(t *testing.T) {
	st := s.open(t)
	ctx := t.Context()
	ann := fullUser("u-ann")
	mustCreateUser(t, st, ann)
	mustCreateUser(t, st, fullUser("u-bob"))
	for target, id := range ann.Identities {
		got, err := st.FindUserByIdentity(ctx, target, id.UserID)
		if !ok(t, "FindUserByIdentity("+target+")", err) {
			continue
		}
		if d := diff(fullUser("u-ann"), got); d != "" {
			t.Errorf("FindUserByIdentity(%s, %s) (-want +got):\n%s", target, id.UserID, d)
		}
	}
	// Target and social user id must both match.
	_, err := st.FindUserByIdentity(ctx, "google", "gh-u-ann")
	wantErr(t, "FindUserByIdentity(github's social user id under google)", err, store.ErrNotFound)
	_, err = st.FindUserByIdentity(ctx, "github", "gh-u-an")
	wantErr(t, "FindUserByIdentity(prefix of a social user id)", err, store.ErrNotFound)
}
