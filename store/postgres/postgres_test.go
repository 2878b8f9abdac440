package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for the tests' own connection

	"github.com/accountapi/accountapi/internal/testnotice"
	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/store/internal/backendtest"
	"github.com/accountapi/accountapi/store/postgres"
)

// TestMain says once, in a line go test ./... shows without -v, that the
// tests needing a PostgreSQL server skip (internal/testnotice says why a
// terminal is needed for that); each test still skips with t.Skip.
func TestMain(m *testing.M) {
	if os.Getenv("ACCOUNTAPI_TEST_POSTGRES_DSN") == "" {
		testnotice.Skipped("PostgreSQL tests skipped: set ACCOUNTAPI_TEST_POSTGRES_DSN=postgres://postgres@127.0.0.1:5432/test?sslmode=disable (a server you can create schemas on) to run them")
	}
	os.Exit(m.Run())
}

// testDSN returns the DSN of the test server, or skips the test.
func testDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("ACCOUNTAPI_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("ACCOUNTAPI_TEST_POSTGRES_DSN not set: skipping PostgreSQL tests")
	}
	return dsn
}

// admin returns a connection pool to the test server that is not a store's,
// closed when the test ends.
func admin(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// freshSchema returns the name of a schema that does not exist yet, and
// drops it (if something created it) when the test ends.
func freshSchema(t *testing.T) string {
	t.Helper()
	db := admin(t)
	b := make([]byte, 8)
	rand.Read(b)
	schema := "accountapi_t_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		// t.Context is cancelled before cleanups run.
		if _, err := db.ExecContext(context.Background(), `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

// openStore opens a store on schema, closed when the test ends; it does not
// migrate.
func openStore(t *testing.T, schema string, opts ...postgres.Option) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), testDSN(t), append([]postgres.Option{postgres.WithSchema(schema)}, opts...)...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// newStore returns a migrated store on a fresh schema.
func newStore(t *testing.T, caseInsensitive bool) store.Store {
	t.Helper()
	var opts []postgres.Option
	if caseInsensitive {
		opts = append(opts, postgres.WithCaseInsensitiveUsernames())
	}
	s := openStore(t, freshSchema(t), opts...)
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

func isDriverError(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr)
}

func TestBackend(t *testing.T) {
	testDSN(t)
	t.Run("ErrorMapping", func(t *testing.T) { backendtest.ErrorMapping(t, newStore, isDriverError) })
	t.Run("Transactions", func(t *testing.T) { backendtest.Transactions(t, newStore) })
	t.Run("Serialisation", func(t *testing.T) { backendtest.Serialisation(t, newStore) })
	t.Run("RoundTrip", func(t *testing.T) { backendtest.RoundTrip(t, newStore) })
}

// TestConnectionSettings checks that every connection of the pool, not only
// the first, has the search_path of WithSchema and literal backslashes in
// strings (bun's quoting relies on it).
func TestConnectionSettings(t *testing.T) {
	schema := freshSchema(t)
	s := openStore(t, schema)
	ctx := t.Context()
	const n = 4
	for i := range n {
		// Held until the test ends, so that each is a different connection.
		conn, err := s.DB().Conn(ctx)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		defer conn.Close()
		tests := []struct {
			setting string
			want    string
		}{
			{"search_path", `"` + schema + `"`},
			{"standard_conforming_strings", "on"},
		}
		for _, tt := range tests {
			var got string
			if err := conn.QueryRowContext(ctx, "SHOW "+tt.setting).Scan(&got); err != nil {
				t.Fatalf("connection %d: SHOW %s: %v", i, tt.setting, err)
			}
			if got != tt.want {
				t.Errorf("connection %d: %s = %s, want %s", i, tt.setting, got, tt.want)
			}
		}
	}
}

func TestOpenErrors(t *testing.T) {
	testDSN(t)
	const password = "s3cret-pa55word"
	tests := []struct {
		name string
		dsn  string
	}{
		{"unparsable", "postgres://ann:" + password + "@[::1"},
		{"unreachable", "postgres://ann:" + password + "@127.0.0.1:1/db?sslmode=disable&connect_timeout=5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := postgres.Open(t.Context(), tt.dsn)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded, want an error")
			}
			if msg := err.Error(); strings.Contains(msg, password) {
				t.Errorf("the error shows the password: %s", msg)
			}
		})
	}
}

// TestOtherErrorsAreWrapped checks that an error outside the store's
// vocabulary is neither mistaken for one nor returned bare.
func TestOtherErrorsAreWrapped(t *testing.T) {
	s, err := postgres.Open(t.Context(), testDSN(t), postgres.WithSchema(freshSchema(t)))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = s.GetUser(t.Context(), "u-1")
	if err == nil || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
		t.Fatalf("GetUser on a closed store = %v, want an internal error", err)
	}
	if want := "postgres: get user: "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q does not start with %q", err, want)
	}
}

// TestPoolBounds checks that the store keeps the connections it opens, up
// to DefaultMaxConns or WithMaxConns, and that WithMaxConns leaves Migrate
// the two it needs.
func TestPoolBounds(t *testing.T) {
	schema := freshSchema(t)
	for _, tt := range []struct {
		name string
		opts []postgres.Option
		want int
	}{
		{"default", nil, postgres.DefaultMaxConns()},
		{"WithMaxConns(5)", []postgres.Option{postgres.WithMaxConns(5)}, 5},
		{"WithMaxConns(1)", []postgres.Option{postgres.WithMaxConns(1)}, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t, schema, tt.opts...)
			if err := s.Migrate(t.Context()); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			// Use every connection at once, then let them go idle: all stay.
			conns := make([]*sql.Conn, tt.want)
			for i := range conns {
				c, err := s.DB().DB.Conn(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				conns[i] = c
			}
			for _, c := range conns {
				c.Close()
			}
			stats := s.DB().DB.Stats()
			if stats.MaxOpenConnections != tt.want || stats.Idle != tt.want {
				t.Errorf("MaxOpenConnections %d, Idle %d; want %d of each", stats.MaxOpenConnections, stats.Idle, tt.want)
			}
		})
	}
}
