package postgres_test

import (
	"context"
	"log"

	"github.com/accountapi/accountapi/store/postgres"
)

// Open a store on a PostgreSQL database and migrate it, at start-up before
// serving. The DSN is a URL or a key=value string, as pgx reads it; the
// tests of this package take one of the same form from
// ACCOUNTAPI_TEST_POSTGRES_DSN. WithSchema keeps the tables in a schema of
// their own, which Migrate creates if missing. This example needs a server,
// so it is compiled but not run (no Output comment).
func Example() {
	ctx := context.Background()
	dsn := "postgres://accountapi@127.0.0.1:5432/accountapi?sslmode=disable"

	s, err := postgres.Open(ctx, dsn, postgres.WithSchema("accountapi"))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	// s is a store.Store: hand it to the account, mfa and verification
	// services.
}
