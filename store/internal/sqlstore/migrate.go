package sqlstore

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

// The tables bun/migrate keeps its bookkeeping in, named so that they cannot
// collide with the host's own migrations (bun's defaults are bun_migrations
// and bun_migration_locks).
const (
	MigrationsTable     = "accountapi_migrations"
	MigrationLocksTable = "accountapi_migration_locks"
)

// Migrate applies the migrations of fsys that db has not applied yet, then
// creates or drops the case-insensitive username index as caseInsensitive
// says. The caller serialises concurrent calls (an advisory lock on
// PostgreSQL, a write transaction on SQLite); bun's own lock table is not
// used, because a second migrator would fail on it instead of waiting, and
// a crash would leave it locked.
func Migrate(ctx context.Context, db *bun.DB, fsys fs.FS, caseInsensitive bool) error {
	ms := migrate.NewMigrations()
	if err := ms.Discover(fsys); err != nil {
		return fmt.Errorf("discover migrations: %w", err)
	}
	m := migrate.NewMigrator(db, ms,
		migrate.WithTableName(MigrationsTable),
		migrate.WithLocksTableName(MigrationLocksTable),
		// Record a migration once it ran, not before: a migration that fails
		// is tried again by the next Migrate.
		migrate.WithMarkAppliedOnSuccess(true),
	)
	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("create migration tables: %w", err)
	}
	if _, err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := UsernameIndex(ctx, db, caseInsensitive); err != nil {
		return err
	}
	return nil
}

// UsernameIndex creates the unique index on lower(username) if on, and drops
// it if not. Creating it fails if two users' usernames differ only in case.
func UsernameIndex(ctx context.Context, db bun.IConn, on bool) error {
	if on {
		if _, err := db.ExecContext(ctx, "CREATE UNIQUE INDEX IF NOT EXISTS "+UsersUsernameLowerKey+
			" ON accountapi_users (lower(username))"); err != nil {
			return fmt.Errorf("create the case-insensitive username index (do two usernames differ only in case?): %w", err)
		}
		return nil
	}
	if _, err := db.ExecContext(ctx, "DROP INDEX IF EXISTS "+UsersUsernameLowerKey); err != nil {
		return fmt.Errorf("drop the case-insensitive username index: %w", err)
	}
	return nil
}
