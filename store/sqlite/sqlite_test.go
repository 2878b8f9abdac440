package sqlite_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"modernc.org/sqlite"

	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/store/internal/backendtest"
	accountsqlite "github.com/accountapi/accountapi/store/sqlite"
)

// openStore opens the database file at path, closing it when the test ends;
// it does not migrate.
func openStore(t *testing.T, path string, opts ...accountsqlite.Option) *accountsqlite.Store {
	t.Helper()
	s, err := accountsqlite.Open(path, opts...)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// newStore returns a migrated store on a new file.
func newStore(t *testing.T, caseInsensitive bool) store.Store {
	t.Helper()
	var opts []accountsqlite.Option
	if caseInsensitive {
		opts = append(opts, accountsqlite.WithCaseInsensitiveUsernames())
	}
	s := openStore(t, filepath.Join(t.TempDir(), "test.db"), opts...)
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

func isDriverError(err error) bool {
	var serr *sqlite.Error
	return errors.As(err, &serr)
}

func TestBackend(t *testing.T) {
	t.Run("ErrorMapping", func(t *testing.T) { backendtest.ErrorMapping(t, newStore, isDriverError) })
	t.Run("Transactions", func(t *testing.T) { backendtest.Transactions(t, newStore) })
	t.Run("Serialisation", func(t *testing.T) { backendtest.Serialisation(t, newStore) })
	t.Run("RoundTrip", func(t *testing.T) { backendtest.RoundTrip(t, newStore) })
}

func TestOpenPaths(t *testing.T) {
	tests := []struct {
		name string
		file string
	}{
		{"plain", "accountapi.db"},
		{"space", "my data.db"},
		{"URI delimiters", "what?is#this&_pragma=x.db"},
		{"percent", "100%.db"},
		{"non-ASCII", "données.db"},
		{"memory-like name", ":memory:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tt.file)
			s := openStore(t, path)
			if err := s.Migrate(t.Context()); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			u := &store.User{ID: "u-1", CreatedAt: time.UnixMilli(1), UpdatedAt: time.UnixMilli(1)}
			if err := s.CreateUser(t.Context(), u); err != nil {
				t.Fatalf("CreateUser: %v", err)
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("the database is not at the path given: %v", err)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if name := e.Name(); name != tt.file && name != tt.file+"-wal" && name != tt.file+"-shm" {
					t.Errorf("unexpected file %q next to %q", name, tt.file)
				}
			}
		})
	}

	t.Run("relative", func(t *testing.T) {
		dir := t.TempDir()
		t.Chdir(dir)
		s := openStore(t, "relative.db")
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "relative.db")); err != nil {
			t.Errorf("the database is not in the working directory: %v", err)
		}
	})

	t.Run("reopen keeps the data", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "test.db")
		s, err := accountsqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		u := &store.User{ID: "u-1", Username: "ann", CreatedAt: time.UnixMilli(1), UpdatedAt: time.UnixMilli(1)}
		if err := s.CreateUser(t.Context(), u); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s = openStore(t, path)
		if _, err := s.FindUserByUsername(t.Context(), "ann"); err != nil {
			t.Errorf("FindUserByUsername after reopening: %v", err)
		}
	})
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name string
		path func(t *testing.T) string
	}{
		{"empty path", func(*testing.T) string { return "" }},
		{"missing directory", func(t *testing.T) string { return filepath.Join(t.TempDir(), "no", "such", "dir", "x.db") }},
		{"a directory", func(t *testing.T) string { return t.TempDir() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := accountsqlite.Open(tt.path(t))
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded, want an error")
			}
		})
	}
}

// TestConnectionSettings checks that every connection of the pool, not only
// the first, has the pragmas the store relies on.
func TestConnectionSettings(t *testing.T) {
	s := newStore(t, false).(*accountsqlite.Store)
	ctx := t.Context()
	// Hold n connections at once, so that each is a different one; n is the
	// pool's smallest size.
	const n = 4
	for i := range n {
		conn, err := s.DB().Conn(ctx)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		defer conn.Close()
		tests := []struct {
			pragma string
			want   string
		}{
			{"foreign_keys", "1"},
			{"journal_mode", "wal"},
			{"busy_timeout", "10000"},
			{"synchronous", "2"}, // FULL
			{"cache_size", "-16384"},
		}
		for _, tt := range tests {
			var got string
			if err := conn.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil {
				t.Fatalf("connection %d: PRAGMA %s: %v", i, tt.pragma, err)
			}
			if got != tt.want {
				t.Errorf("connection %d: PRAGMA %s = %s, want %s", i, tt.pragma, got, tt.want)
			}
		}
	}
}

// TestSynchronousNormal checks that WithSynchronousNormal reaches every
// connection.
func TestSynchronousNormal(t *testing.T) {
	s, err := accountsqlite.Open(filepath.Join(t.TempDir(), "normal.db"), accountsqlite.WithSynchronousNormal())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	for i := range 4 {
		conn, err := s.DB().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var got string
		if err := conn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&got); err != nil || got != "1" {
			t.Errorf("connection %d: PRAGMA synchronous = %q, %v; want 1 (NORMAL)", i, got, err)
		}
	}
}

// TestStorageFormat checks how values are stored: times as integer Unix
// milliseconds, "" identifiers as NULL, the lookup keys computed by the store.
func TestStorageFormat(t *testing.T) {
	s := newStore(t, false).(*accountsqlite.Store)
	ctx := t.Context()
	created := time.UnixMilli(1_717_171_717_171)
	u := &store.User{ID: "u-1", PrimaryEmail: "Ann@Example.com", PrimaryPhone: "+61 0412 345 678", CreatedAt: created, UpdatedAt: created}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	var (
		createdType string
		createdAt   int64
		username    *string
		emailKey    string
		phoneKey    string
		lastSignIn  *int64
	)
	err := s.DB().QueryRowContext(ctx, `SELECT typeof(created_at), created_at, username, email_key, phone_key, last_sign_in_at
		FROM accountapi_users WHERE id = 'u-1'`).Scan(&createdType, &createdAt, &username, &emailKey, &phoneKey, &lastSignIn)
	if err != nil {
		t.Fatal(err)
	}
	if createdType != "integer" || createdAt != created.UnixMilli() {
		t.Errorf("created_at = %s %d, want integer %d", createdType, createdAt, created.UnixMilli())
	}
	if username != nil {
		t.Errorf("username = %q, want NULL", *username)
	}
	if emailKey != "ann@example.com" {
		t.Errorf("email_key = %q, want ann@example.com", emailKey)
	}
	if phoneKey != "61412345678" {
		t.Errorf("phone_key = %q, want 61412345678", phoneKey)
	}
	if lastSignIn != nil {
		t.Errorf("last_sign_in_at = %d, want NULL", *lastSignIn)
	}
}

// TestOtherErrorsAreWrapped checks that an error outside the store's
// vocabulary is neither mistaken for one nor returned bare.
func TestOtherErrorsAreWrapped(t *testing.T) {
	s, err := accountsqlite.Open(filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = s.GetUser(t.Context(), "u-1")
	if err == nil || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
		t.Fatalf("GetUser on a closed store = %v, want an internal error", err)
	}
	if want := "sqlite: get user: "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q does not start with %q", err, want)
	}
}
