package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"modernc.org/sqlite" // also registers the "sqlite" database/sql driver, for Migrate

	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/store/internal/sqlstore"
)

// migrations are the schema's migrations, applied by [Store.Migrate].
//
//go:embed migrations/*.sql
var migrations embed.FS

// busyTimeoutMillis is how long a connection waits for a lock another
// process holds on the database file before it fails with SQLITE_BUSY.
const busyTimeoutMillis = 10_000

// cacheKiB is each connection's page cache. SQLite's default, 2 MiB, holds
// the pages of a few hundred users' rows and index entries: with a large
// table, every read of another user then goes to the operating system for
// its pages (GET /api/my-account took 1.7 times as long with a million users
// as with a thousand, BENCHMARKS.md). 16 MiB per connection keeps the pages
// of some thousands of active users; the pool's connections together use at
// most that many times it, and only as the database grows.
const cacheKiB = 16 << 10

// Option configures [Open].
type Option func(*options)

type options struct {
	caseInsensitiveUsernames bool
	synchronousNormal        bool
	// wrapConnector, when not nil, wraps the connector of the store's
	// connections (the tests' WithConnector).
	wrapConnector func(driver.Connector) driver.Connector
}

// WithCaseInsensitiveUsernames makes usernames unique and looked up
// case-insensitively (ASCII case, which is all a username's format allows):
// "Ann" and "ann" are then one username. [Store.Migrate] creates the unique
// index on lower(username) that enforces it (and drops it when the store is
// opened without this option), so open the store that migrates with the
// options the service runs with. Use it with a case-insensitive username
// policy (usernamePolicy.caseSensitive false): the policy's own check
// (FindUserByUsernameFold) cannot stop two concurrent binds of "Ann" and
// "ann", the unique index does.
func WithCaseInsensitiveUsernames() Option {
	return func(o *options) { o.caseInsensitiveUsernames = true }
}

// WithSynchronousNormal trades durability for write throughput: commits no
// longer wait for the write-ahead log to reach the disk (PRAGMA synchronous
// = NORMAL; the default is FULL, which syncs the log at every commit). The
// database stays consistent after any crash, and a commit survives the
// process crashing; a power loss or an operating-system crash may undo the
// commits made since the last checkpoint, a password or email change among
// them. Use it where the host already accepts that (a replicated volume, a
// cache-like deployment) or to measure the cost of the sync; see
// BENCHMARKS.md for the figures.
func WithSynchronousNormal() Option {
	return func(o *options) { o.synchronousNormal = true }
}

// core is the shared implementation, embedded under an unexported name so
// that its methods are the Store's and the field is not part of the API.
type core = sqlstore.Store

// Store is a [store.Store] on one SQLite database file: it has every method of
// that interface, with the contract documented there, besides Migrate, Close,
// DB and InsertUsers. Open one Store per file and process: its write gate
// serialises the writers of this Store only.
//
// InsertUsers(ctx, users) inserts many users with their identities at once,
// for seeding a store or importing users from another system: in one
// transaction, holding the write gate until it ends, with multi-row INSERTs.
// Each user is stored as CreateUser stores it. If one of them has an id,
// identifier or identity of a stored user or of another of users, it inserts
// none and returns the error CreateUser would.
type Store struct {
	*core

	db   *bun.DB
	dsn  string
	gate *sqlstore.Gate
	opts options
}

var _ store.Store = (*Store)(nil)

// Open opens (creating it if missing) the SQLite database file at path. It
// does not change the schema: call [Store.Migrate] before using the store.
func Open(path string, opts ...Option) (*Store, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	dsn, err := dataSourceName(path)
	if err != nil {
		return nil, err
	}
	if o.synchronousNormal {
		dsn += "&_pragma=synchronous(NORMAL)"
	} else {
		dsn += "&_pragma=synchronous(FULL)"
	}
	connector, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if o.wrapConnector != nil {
		connector = o.wrapConnector(connector)
	}
	sqldb := sql.OpenDB(connector)
	// Readers run concurrently (WAL); writers take turns at the gate, so a
	// few connections serve any load. Idle connections are kept: a new one
	// opens the file and runs the pragmas again.
	conns := max(4, runtime.GOMAXPROCS(0))
	sqldb.SetMaxOpenConns(conns)
	sqldb.SetMaxIdleConns(conns)
	// Open connects, so that a path that cannot be opened fails here and
	// not at the first call. Open takes no context (opening a local file
	// does not wait on anything), hence Ping rather than PingContext.
	if err := sqldb.Ping(); err != nil {
		_ = sqldb.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db := bun.NewDB(sqldb, sqlitedialect.New())
	gate := sqlstore.NewGate()
	s := &Store{
		core: sqlstore.New(db, sqlstore.Config{
			Dialect: sqlstore.Dialect{
				Name:      "sqlite",
				Violation: violation,
				Prepare:   true,
			},
			CaseInsensitiveUsernames: o.caseInsensitiveUsernames,
			Gate:                     gate,
		}),
		db:   db,
		dsn:  dsn,
		gate: gate,
		opts: o,
	}
	return s, nil
}

// dataSourceName returns modernc.org/sqlite's data source name for the file
// at path: a file: URI (so that any character of the path is escaped, and
// none is taken for the query), with the pragmas that every connection needs:
// busy_timeout first (modernc runs it before the others), foreign_keys (off
// by default in SQLite, and the cascades depend on it), journal_mode WAL
// (readers do not block the writer), cache_size (cacheKiB), and
// _txlock=immediate so that transactions take the write lock at BEGIN, where
// the busy timeout applies, rather than fail with SQLITE_BUSY when a read
// turns into a write. Open adds synchronous.
func dataSourceName(path string) (string, error) {
	if path == "" {
		return "", errors.New("sqlite: empty database path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("sqlite: database path %s: %w", path, err)
	}
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive letter: file:///C:/…
	}
	return "file://" + escapePath(p) +
		"?_pragma=busy_timeout(" + fmt.Sprint(busyTimeoutMillis) + ")" +
		"&_pragma=foreign_keys(1)" +
		"&_pragma=journal_mode(WAL)" +
		"&_pragma=cache_size(" + fmt.Sprint(-cacheKiB) + ")" +
		"&_txlock=immediate", nil
}

// escapePath percent-encodes every byte of p that a URI path cannot hold as
// is; SQLite decodes %HH in a file: URI.
func escapePath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '/', c == '-', c == '.', c == '_', c == '~':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// Migrate applies the embedded migrations that the database lacks, and
// creates or drops the case-insensitive username index as the store's options
// say. It is idempotent. It runs in one BEGIN IMMEDIATE transaction on a
// connection of its own, holding the store's write gate: concurrent calls,
// from this process or another one on the same file, take turns, and the
// later ones find nothing left to do.
func (s *Store) Migrate(ctx context.Context) error {
	if err := s.gate.Lock(ctx); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	defer s.gate.Unlock()

	// One connection, so that every statement bun/migrate runs is inside the
	// transaction begun below (bun/migrate opens connections of its own).
	sqldb, err := sql.Open("sqlite", s.dsn)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	sqldb.SetMaxOpenConns(1)
	db := bun.NewDB(sqldb, sqlitedialect.New())
	defer db.Close()

	if _, err := db.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	if err := sqlstore.Migrate(ctx, db, migrations, s.opts.caseInsensitiveUsernames); err != nil {
		// Closing the connection would roll back too; say it.
		_, _ = db.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return fmt.Errorf("sqlite: %w", err)
	}
	if _, err := db.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("sqlite: migrate: commit: %w", err)
	}
	return nil
}

// Close closes the database. Calls in flight may fail.
func (s *Store) Close() error { return s.db.Close() }

// DB returns the bun database the store uses, for hosts that want to run
// their own queries on the same file. Writes through it do not take the
// store's write gate: while the store writes, they wait for SQLite's lock,
// and fail with SQLITE_BUSY after the busy timeout.
func (s *Store) DB() *bun.DB { return s.db }
