package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/accountapi/accountapi/store"
	accountsqlite "github.com/accountapi/accountapi/store/sqlite"
)

// migrationCount(t) is the number of migrations the package embeds: the files
// of its migrations directory.
func migrationCount(t *testing.T) int {
	t.Helper()
	files, err := filepath.Glob("migrations/*.up.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations found: %v", err)
	}
	return len(files)
}

// tables returns the names of the database's tables.
func tables(t *testing.T, s *accountsqlite.Store) []string {
	t.Helper()
	var names []string
	err := s.DB().NewRaw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").
		Scan(t.Context(), &names)
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// hasIndex reports whether the database has the index.
func hasIndex(t *testing.T, s *accountsqlite.Store, name string) bool {
	t.Helper()
	var n int
	if err := s.DB().NewRaw("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?", name).Scan(t.Context(), &n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// appliedMigrations returns the number of rows of the migrations table.
func appliedMigrations(t *testing.T, s *accountsqlite.Store) int {
	t.Helper()
	var n int
	if err := s.DB().NewRaw("SELECT count(*) FROM accountapi_migrations").Scan(t.Context(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMigrate(t *testing.T) {
	t.Run("Open leaves the schema alone", func(t *testing.T) {
		s := openStore(t, filepath.Join(t.TempDir(), "test.db"))
		if got := tables(t, s); len(got) != 0 {
			t.Errorf("tables before Migrate = %v, want none", got)
		}
	})

	t.Run("every table is prefixed", func(t *testing.T) {
		s := openStore(t, filepath.Join(t.TempDir(), "test.db"))
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		want := []string{
			"accountapi_account_center",
			"accountapi_backup_codes",
			"accountapi_lockout_failures",
			"accountapi_lockouts",
			"accountapi_mfa_factors",
			"accountapi_migration_locks",
			"accountapi_migrations",
			"accountapi_personal_access_tokens",
			"accountapi_rate_limits",
			"accountapi_sign_in_experience",
			"accountapi_user_identities",
			"accountapi_users",
			"accountapi_verification_codes",
			"accountapi_verification_records",
		}
		if d := cmp.Diff(want, tables(t, s)); d != "" {
			t.Errorf("tables (-want +got):\n%s", d)
		}
	})

	t.Run("idempotent", func(t *testing.T) {
		s := openStore(t, filepath.Join(t.TempDir(), "test.db"))
		for i := range 3 {
			if err := s.Migrate(t.Context()); err != nil {
				t.Fatalf("Migrate #%d: %v", i+1, err)
			}
		}
		if got := appliedMigrations(t, s); got != migrationCount(t) {
			t.Errorf("applied migrations = %d, want %d", got, migrationCount(t))
		}
	})

	t.Run("concurrent calls", func(t *testing.T) {
		// Two stores on one file stand for two processes: they do not share
		// a write gate, only the file's locks.
		path := filepath.Join(t.TempDir(), "test.db")
		stores := []*accountsqlite.Store{openStore(t, path), openStore(t, path)}
		const perStore = 4
		errs := make(chan error, len(stores)*perStore)
		var wg sync.WaitGroup
		for _, s := range stores {
			for range perStore {
				wg.Go(func() { errs <- s.Migrate(t.Context()) })
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("Migrate: %v", err)
			}
		}
		if got := appliedMigrations(t, stores[0]); got != migrationCount(t) {
			t.Errorf("applied migrations = %d, want %d", got, migrationCount(t))
		}
	})

	t.Run("case-insensitive username index follows the option", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "test.db")
		steps := []struct {
			caseInsensitive bool
			want            bool
		}{{false, false}, {true, true}, {true, true}, {false, false}, {true, true}}
		for i, step := range steps {
			var opts []accountsqlite.Option
			if step.caseInsensitive {
				opts = append(opts, accountsqlite.WithCaseInsensitiveUsernames())
			}
			s := openStore(t, path, opts...)
			if err := s.Migrate(t.Context()); err != nil {
				t.Fatalf("step %d: Migrate: %v", i, err)
			}
			if got := hasIndex(t, s, "accountapi_users_username_lower_key"); got != step.want {
				t.Errorf("step %d (case-insensitive %v): index exists = %v, want %v", i, step.caseInsensitive, got, step.want)
			}
		}
	})

	t.Run("case-insensitive usernames refused over case duplicates", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "test.db")
		s := openStore(t, path)
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		for _, u := range []*store.User{
			{ID: "u-1", Username: "ann", CreatedAt: time.UnixMilli(1), UpdatedAt: time.UnixMilli(1)},
			{ID: "u-2", Username: "Ann", CreatedAt: time.UnixMilli(1), UpdatedAt: time.UnixMilli(1)},
		} {
			if err := s.CreateUser(t.Context(), u); err != nil {
				t.Fatal(err)
			}
		}
		ci := openStore(t, path, accountsqlite.WithCaseInsensitiveUsernames())
		err := ci.Migrate(t.Context())
		if err == nil || !strings.Contains(err.Error(), "differ only in case") {
			t.Errorf("Migrate = %v, want an error about usernames differing only in case", err)
		}
		if hasIndex(t, ci, "accountapi_users_username_lower_key") {
			t.Error("the index exists after the failed Migrate")
		}
		// The failed Migrate left the database as it was.
		if err := s.CreateUser(t.Context(), &store.User{ID: "u-3", Username: "ANN", CreatedAt: time.UnixMilli(1), UpdatedAt: time.UnixMilli(1)}); err != nil {
			t.Errorf("CreateUser after the failed Migrate: %v", err)
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		s := openStore(t, filepath.Join(t.TempDir(), "test.db"))
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := s.Migrate(ctx); err == nil {
			t.Error("Migrate with a cancelled context succeeded")
		}
		if err := s.Migrate(t.Context()); err != nil {
			t.Errorf("Migrate after a cancelled one: %v", err)
		}
	})
}
