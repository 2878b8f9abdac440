package postgres_test

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/store/postgres"
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

// tables returns the names of the tables in schema.
func tables(t *testing.T, schema string) []string {
	t.Helper()
	rows, err := admin(t).QueryContext(t.Context(),
		"SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name", schema)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}

// hasIndex reports whether schema has the index.
func hasIndex(t *testing.T, schema, name string) bool {
	t.Helper()
	var n int
	err := admin(t).QueryRowContext(t.Context(),
		"SELECT count(*) FROM pg_indexes WHERE schemaname = $1 AND indexname = $2", schema, name).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// appliedMigrations returns the number of rows of schema's migrations table.
func appliedMigrations(t *testing.T, schema string) int {
	t.Helper()
	var n int
	if err := admin(t).QueryRowContext(t.Context(), `SELECT count(*) FROM "`+schema+`".accountapi_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMigrate(t *testing.T) {
	testDSN(t)

	t.Run("Open leaves the database alone", func(t *testing.T) {
		schema := freshSchema(t)
		openStore(t, schema)
		var n int
		if err := admin(t).QueryRowContext(t.Context(), "SELECT count(*) FROM pg_namespace WHERE nspname = $1", schema).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("Open created the schema")
		}
	})

	t.Run("creates the schema and prefixed tables in it", func(t *testing.T) {
		schema := freshSchema(t)
		s := openStore(t, schema)
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
		if d := cmp.Diff(want, tables(t, schema)); d != "" {
			t.Errorf("tables of %s (-want +got):\n%s", schema, d)
		}
	})

	t.Run("idempotent", func(t *testing.T) {
		schema := freshSchema(t)
		s := openStore(t, schema)
		for i := range 3 {
			if err := s.Migrate(t.Context()); err != nil {
				t.Fatalf("Migrate #%d: %v", i+1, err)
			}
		}
		if got := appliedMigrations(t, schema); got != migrationCount(t) {
			t.Errorf("applied migrations = %d, want %d", got, migrationCount(t))
		}
	})

	t.Run("concurrent calls on a fresh schema", func(t *testing.T) {
		// Each store stands for a replica starting at the same time.
		schema := freshSchema(t)
		const replicas = 4
		stores := make([]*postgres.Store, replicas)
		for i := range stores {
			stores[i] = openStore(t, schema)
		}
		errs := make([]error, replicas)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, s := range stores {
			wg.Go(func() {
				<-start
				errs[i] = s.Migrate(t.Context())
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("replica %d: Migrate: %v", i, err)
			}
		}
		if got := appliedMigrations(t, schema); got != migrationCount(t) {
			t.Errorf("applied migrations = %d, want %d", got, migrationCount(t))
		}
		u := &store.User{ID: "u-1", CreatedAt: time.UnixMilli(1), UpdatedAt: time.UnixMilli(1)}
		if err := stores[0].CreateUser(t.Context(), u); err != nil {
			t.Errorf("CreateUser after the migrations: %v", err)
		}
	})

	t.Run("case-insensitive username index follows the option", func(t *testing.T) {
		schema := freshSchema(t)
		steps := []struct {
			caseInsensitive bool
			want            bool
		}{{false, false}, {true, true}, {true, true}, {false, false}, {true, true}}
		for i, step := range steps {
			var opts []postgres.Option
			if step.caseInsensitive {
				opts = append(opts, postgres.WithCaseInsensitiveUsernames())
			}
			s := openStore(t, schema, opts...)
			if err := s.Migrate(t.Context()); err != nil {
				t.Fatalf("step %d: Migrate: %v", i, err)
			}
			if got := hasIndex(t, schema, "accountapi_users_username_lower_key"); got != step.want {
				t.Errorf("step %d (case-insensitive %v): index exists = %v, want %v", i, step.caseInsensitive, got, step.want)
			}
		}
	})

	t.Run("case-insensitive usernames refused over case duplicates", func(t *testing.T) {
		schema := freshSchema(t)
		s := openStore(t, schema)
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
		err := openStore(t, schema, postgres.WithCaseInsensitiveUsernames()).Migrate(t.Context())
		if err == nil || !strings.Contains(err.Error(), "differ only in case") {
			t.Errorf("Migrate = %v, want an error about usernames differing only in case", err)
		}
		if hasIndex(t, schema, "accountapi_users_username_lower_key") {
			t.Error("the index exists after the failed Migrate")
		}
	})

	t.Run("schemas are independent", func(t *testing.T) {
		a, b := freshSchema(t), freshSchema(t)
		sa, sb := openStore(t, a), openStore(t, b)
		for _, s := range []*postgres.Store{sa, sb} {
			if err := s.Migrate(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		u := &store.User{ID: "u-1", Username: "ann", CreatedAt: time.UnixMilli(1), UpdatedAt: time.UnixMilli(1)}
		if err := sa.CreateUser(t.Context(), u); err != nil {
			t.Fatal(err)
		}
		if err := sb.CreateUser(t.Context(), u); err != nil {
			t.Errorf("the same user in another schema: %v", err)
		}
	})
}
