package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/store/sqlite"
)

// Open a database file, migrate it, then store a user and read it back.
// The caller sets the id and the timestamps (store.Users.CreateUser takes
// every member as given).
func Example() {
	dir, err := os.MkdirTemp("", "accountapi-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	s, err := sqlite.Open(filepath.Join(dir, "accountapi.db"))
	if err != nil {
		panic(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		panic(err)
	}

	name := "Ada Lovelace"
	created := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	err = s.CreateUser(ctx, &store.User{
		ID:           "u_ada",
		Username:     "ada",
		PrimaryEmail: "ada@example.com",
		Name:         &name,
		CreatedAt:    created,
		UpdatedAt:    created,
	})
	if err != nil {
		panic(err)
	}

	u, err := s.GetUser(ctx, "u_ada")
	if err != nil {
		panic(err)
	}
	fmt.Println(u.ID, u.Username, u.PrimaryEmail, *u.Name, u.HasPassword())
	fmt.Println(u.CreatedAt.UTC().Format(time.RFC3339))

	// Email addresses are looked up by store.EmailKey, not as typed.
	byEmail, err := s.FindUserByEmail(ctx, "ADA@example.com")
	if err != nil {
		panic(err)
	}
	fmt.Println(byEmail.ID)

	_, err = s.GetUser(ctx, "u_nobody")
	fmt.Println(errors.Is(err, store.ErrNotFound))
	// Output:
	// u_ada ada ada@example.com Ada Lovelace false
	// 2025-03-01T12:00:00Z
	// u_ada
	// true
}
