package backendtest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/accountapi/accountapi/store"
)

// Bulk is a store with InsertUsers, as both SQL backends' stores are.
type Bulk interface {
	store.Store
	InsertUsers(ctx context.Context, users []*store.User) error
}

// bulk returns st as a Bulk, or fails the test.
func bulk(t testing.TB, st store.Store) Bulk {
	t.Helper()
	b, ok := st.(Bulk)
	if !ok {
		t.Fatalf("%T has no InsertUsers method", st)
	}
	return b
}

// SeedUser returns the i-th (i ≥ 0) of a set of distinct users, each with
// what an import brings: a username ("user<i>"), an email ("User<i>@Example.com"),
// a phone (a New York number, distinct for i < 8,000,000), a name, a profile,
// custom data, an Argon2id digest and a GitHub identity ("gh-<i>"). Its ID is
// 21 base-36 characters that look random, as store.NewID's do, so that
// inserting users in order of i writes the primary key in random order.
func SeedUser(i int) *store.User {
	name := "User " + strconv.Itoa(i)
	given := "User"
	locale := "en-US"
	created := t0.Add(time.Duration(i) * time.Millisecond)
	return &store.User{
		ID:           seedID(uint64(i)),
		Username:     "user" + strconv.Itoa(i),
		PrimaryEmail: "User" + strconv.Itoa(i) + "@Example.com",
		PrimaryPhone: strconv.Itoa(12122000000 + i),
		Name:         &name,
		Profile:      store.Profile{GivenName: &given, Locale: &locale},
		CustomData:   map[string]any{"plan": "free", "seq": float64(i)},
		Identities: map[string]store.Identity{
			"github": {UserID: "gh-" + strconv.Itoa(i), Details: map[string]any{"login": "user" + strconv.Itoa(i)}},
		},
		PasswordDigest:    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
		PasswordAlgorithm: store.Argon2id,
		PasswordUpdatedAt: created,
		CreatedAt:         created,
		UpdatedAt:         created,
	}
}

// SeedUsers returns SeedUser(from) … SeedUser(from+n-1).
func SeedUsers(from, n int) []*store.User {
	users := make([]*store.User, n)
	for i := range users {
		users[i] = SeedUser(from + i)
	}
	return users
}

// seedID is a distinct 21-character base-36 id for each i: 13 characters of
// a bijective mix of i (so ids do not collide), then 8 of another.
func seedID(i uint64) string {
	a := strconv.FormatUint(mix(i), 36)
	b := strconv.FormatUint(mix(^i), 36)
	return strings.Repeat("0", 13-len(a)) + a + (b + "00000000")[:8]
}

// mix is splitmix64's finaliser, a bijection of uint64.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// InsertUsers checks the backend's InsertUsers: users and identities read
// back by every key, over several statements; a duplicate inside the batch
// or with a stored user fails with CreateUser's error and inserts nothing;
// inside InTx a failure leaves the transaction usable.
func InsertUsers(t *testing.T, open Open, driverError DriverError) {
	t.Run("inserts every user and identity", func(t *testing.T) {
		st := bulk(t, open(t, false))
		ctx := t.Context()
		// More users than one statement holds (1638), and one user with more
		// identities than one statement holds (8191).
		users := SeedUsers(0, 1700)
		many := users[1650]
		for j := range 9000 {
			many.Identities[fmt.Sprintf("t%04d", j)] = store.Identity{UserID: fmt.Sprintf("many-%d", j)}
		}
		users[3].Identities["google"] = store.Identity{UserID: "g-3"} // nil Details
		users[4].Identities = nil
		users[5].Username, users[5].PrimaryEmail, users[5].PrimaryPhone = "", "", ""
		if err := st.InsertUsers(ctx, users); err != nil {
			t.Fatalf("InsertUsers: %v", err)
		}
		for i, want := range users {
			if i > 10 && i%97 != 0 && i != len(users)-1 || want == many {
				continue
			}
			got, err := st.GetUser(ctx, want.ID)
			if err != nil {
				t.Fatalf("GetUser(users[%d]): %v", i, err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Fatalf("GetUser(users[%d]) (-want +got):\n%s", i, d)
			}
			if want.Username == "" {
				continue
			}
			type find struct {
				what string
				find func() (*store.User, error)
			}
			finds := []find{
				{"FindUserByUsername", func() (*store.User, error) { return st.FindUserByUsername(ctx, want.Username) }},
				{"FindUserByEmail", func() (*store.User, error) { return st.FindUserByEmail(ctx, strings.ToLower(want.PrimaryEmail)) }},
				{"FindUserByPhone", func() (*store.User, error) { return st.FindUserByPhone(ctx, "+"+want.PrimaryPhone) }},
			}
			for target, id := range want.Identities {
				finds = append(finds, find{"FindUserByIdentity(" + target + ")", func() (*store.User, error) {
					return st.FindUserByIdentity(ctx, target, id.UserID)
				}})
			}
			for _, f := range finds {
				u, err := f.find()
				if err != nil || u.ID != want.ID {
					t.Errorf("users[%d]: %s = %v, %v; want %s", i, f.what, u, err, want.ID)
				}
			}
		}
		// The user whose identities took two statements.
		got, err := st.GetUser(ctx, many.ID)
		if err != nil {
			t.Fatalf("GetUser(users[1650]): %v", err)
		}
		if len(got.Identities) != 9001 {
			t.Errorf("GetUser(users[1650]) has %d identities, want 9001", len(got.Identities))
		}
		if u, err := st.FindUserByIdentity(ctx, "t8999", "many-8999"); err != nil || u.ID != many.ID {
			t.Errorf("FindUserByIdentity(t8999, many-8999) = %v, %v; want users[1650]", u, err)
		}
	})

	t.Run("nothing to insert", func(t *testing.T) {
		st := bulk(t, open(t, false))
		if err := st.InsertUsers(t.Context(), nil); err != nil {
			t.Errorf("InsertUsers(nil) = %v", err)
		}
	})

	t.Run("a nil user fails", func(t *testing.T) {
		st := bulk(t, open(t, false))
		users := SeedUsers(0, 3)
		users[1] = nil
		if err := st.InsertUsers(t.Context(), users); err == nil {
			t.Fatal("InsertUsers with a nil user succeeded")
		}
		if _, err := st.GetUser(t.Context(), users[0].ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetUser(users[0]) = %v, want ErrNotFound", err)
		}
	})

	// The duplicate of users[0] comes last.
	dups := []struct {
		name            string
		caseInsensitive bool
		dup             func(u, of *store.User)
		want            error
	}{
		{"id", false, func(u, of *store.User) { u.ID = of.ID }, store.ErrConflict},
		{"username", false, func(u, of *store.User) { u.Username = of.Username }, store.ErrDuplicateUsername},
		{"username in another case", true, func(u, of *store.User) { u.Username = strings.ToUpper(of.Username) }, store.ErrDuplicateUsername},
		{"email key", false, func(u, of *store.User) { u.PrimaryEmail = strings.ToLower(of.PrimaryEmail) }, store.ErrDuplicateEmail},
		{"phone key", false, func(u, of *store.User) { u.PrimaryPhone = "+" + of.PrimaryPhone }, store.ErrDuplicatePhone},
		{"identity", false, func(u, of *store.User) { u.Identities["github"] = of.Identities["github"] }, store.ErrDuplicateIdentity},
	}
	for _, tt := range dups {
		t.Run("duplicate inside the batch: "+tt.name, func(t *testing.T) {
			st := bulk(t, open(t, tt.caseInsensitive))
			users := SeedUsers(0, 10)
			tt.dup(users[9], users[0])
			checkDuplicate(t, st.InsertUsers(t.Context(), users), tt.want, driverError)
			checkNoneInserted(t, st, users[:9])
		})
	}

	t.Run("a duplicate in a later statement undoes the earlier ones", func(t *testing.T) {
		st := bulk(t, open(t, false))
		// Two statements of users: the first goes in, then the second fails.
		users := SeedUsers(0, 2000)
		users[1999].PrimaryEmail = users[0].PrimaryEmail
		checkDuplicate(t, st.InsertUsers(t.Context(), users), store.ErrDuplicateEmail, driverError)
		checkNoneInserted(t, st, []*store.User{users[0], users[1], users[1000], users[1998]})
	})

	t.Run("duplicate of a stored user", func(t *testing.T) {
		st := bulk(t, open(t, false))
		stored := SeedUser(100)
		if err := st.CreateUser(t.Context(), stored); err != nil {
			t.Fatal(err)
		}
		users := SeedUsers(0, 10)
		users[9].PrimaryPhone = stored.PrimaryPhone
		checkDuplicate(t, st.InsertUsers(t.Context(), users), store.ErrDuplicatePhone, driverError)
		checkNoneInserted(t, st, users[:9])
		if got, err := st.FindUserByPhone(t.Context(), stored.PrimaryPhone); err != nil || got.ID != stored.ID {
			t.Errorf("FindUserByPhone(stored) = %v, %v; want the stored user", got, err)
		}
	})

	t.Run("inside InTx", func(t *testing.T) {
		st := bulk(t, open(t, false))
		users := SeedUsers(0, 10)
		err := st.InTx(t.Context(), func(ctx context.Context, tx store.Store) error {
			txb := bulk(t, tx)
			bad := SeedUsers(100, 3)
			bad[2].ID = bad[0].ID
			if err := txb.InsertUsers(ctx, bad); !errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("InsertUsers(duplicate id) = %v, want ErrConflict", err)
			}
			if _, err := tx.GetUser(ctx, bad[1].ID); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("GetUser(bad[1]) in the transaction = %v, want ErrNotFound", err)
			}
			// The transaction goes on.
			return txb.InsertUsers(ctx, users)
		})
		if err != nil {
			t.Fatalf("InTx: %v", err)
		}
		if _, err := st.GetUser(t.Context(), users[9].ID); err != nil {
			t.Errorf("GetUser(users[9]) after the commit: %v", err)
		}

		rolledBack := SeedUsers(200, 3)
		errRollback := errors.New("roll back")
		err = st.InTx(t.Context(), func(ctx context.Context, tx store.Store) error {
			if err := bulk(t, tx).InsertUsers(ctx, rolledBack); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("InTx = %v, want the function's error", err)
		}
		if _, err := st.GetUser(t.Context(), rolledBack[0].ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetUser(rolledBack[0]) after the rollback = %v, want ErrNotFound", err)
		}
	})
}

// checkDuplicate checks that err is want, the precise sentinel (a
// DuplicateError where want is one, plain ErrConflict otherwise), and wraps
// no driver error.
func checkDuplicate(t *testing.T, err, want error, driverError DriverError) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("InsertUsers = %v, want %v", err, want)
	}
	var wantDup, gotDup *store.DuplicateError
	isDup := errors.As(err, &gotDup)
	switch {
	case errors.As(want, &wantDup) && (!isDup || gotDup.What != wantDup.What):
		t.Errorf("InsertUsers = %v, want the DuplicateError %q", err, wantDup.What)
	case wantDup == nil && isDup:
		t.Errorf("InsertUsers = %v, a DuplicateError; want plain %v", err, want)
	}
	if driverError(err) {
		t.Errorf("InsertUsers = %v (%T) wraps a driver error", err, err)
	}
}

// checkNoneInserted checks that none of users, or their identities, is in st.
func checkNoneInserted(t *testing.T, st Bulk, users []*store.User) {
	t.Helper()
	for _, u := range users {
		if _, err := st.GetUser(t.Context(), u.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetUser(%s) after the failed InsertUsers = %v, want ErrNotFound", u.Username, err)
		}
		for target, id := range u.Identities {
			if _, err := st.FindUserByIdentity(t.Context(), target, id.UserID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("FindUserByIdentity(%s, %s) after the failed InsertUsers = %v, want ErrNotFound", target, id.UserID, err)
			}
		}
	}
}
