package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/store/internal/sqlstore"
)

// migrations are the schema's migrations, applied by [Store.Migrate].
//
//go:embed migrations/*.sql
var migrations embed.FS

// Option configures [Open].
type Option func(*options)

type options struct {
	schema                   string
	caseInsensitiveUsernames bool
	maxConns                 int
	// wrapConnector, when not nil, wraps the connector of the store's
	// connections (the tests' WithConnector).
	wrapConnector func(driver.Connector) driver.Connector
}

// WithMaxConns bounds the store's connections to PostgreSQL (default
// [DefaultMaxConns]; at least 2, which [Store.Migrate] needs); they are kept
// open between requests. Mind the server's max_connections across every
// process that shares the database.
func WithMaxConns(n int) Option {
	return func(o *options) { o.maxConns = max(n, 2) }
}

// DefaultMaxConns is the number of connections a store keeps unless
// [WithMaxConns] says otherwise: four per CPU the process may use, at least 8.
// A request holds a connection only for its queries, so a few serve many
// concurrent requests.
func DefaultMaxConns() int { return max(8, 4*runtime.GOMAXPROCS(0)) }

// WithSchema keeps every table of the store in the PostgreSQL schema name:
// each connection's search_path is set to it, and [Store.Migrate] creates it
// if missing. Without it, the tables go where the connection's search_path
// says (usually public).
func WithSchema(name string) Option {
	return func(o *options) { o.schema = name }
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

// core is the shared implementation, embedded under an unexported name so
// that its methods are the Store's and the field is not part of the API.
type core = sqlstore.Store

// Store is a [store.Store] on a PostgreSQL database: it has every method of
// that interface, with the contract documented there, besides Migrate, Close,
// DB and InsertUsers. Any number of processes may use one database (and
// schema) at once.
//
// InsertUsers(ctx, users) inserts many users with their identities at once,
// for seeding a store or importing users from another system: in one
// transaction, with multi-row INSERTs. Each user is stored as CreateUser
// stores it. If one of them has an id, identifier or identity of a stored
// user or of another of users, it inserts none and returns the error
// CreateUser would.
type Store struct {
	*core

	db   *bun.DB
	opts options
}

var _ store.Store = (*Store)(nil)

// Open connects to the PostgreSQL database dsn names (a URL or a key=value
// string, as pgx.ParseConfig reads it) and checks the connection with ctx.
// It does not change the schema: call [Store.Migrate] before using the store.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if strings.ContainsRune(o.schema, 0) || len(o.schema) > 63 {
		return nil, fmt.Errorf("postgres: invalid schema name %q", o.schema)
	}
	config, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's error may quote the DSN, password included: do not wrap it.
		return nil, errors.New("postgres: cannot parse the DSN")
	}
	if o.schema != "" {
		// A runtime parameter is sent when each connection starts, so every
		// connection of the pool, and every new one, uses the schema.
		config.RuntimeParams["search_path"] = quoteIdent(o.schema)
	}
	// bun writes arguments into the SQL text itself, so every statement is
	// new to the server: the simple protocol saves the prepare round trip and
	// keeps pgx's statement cache from filling with single-use statements
	// (and works behind PgBouncer).
	config.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	// bun quotes string literals by doubling quotes only, which is right
	// when backslashes are literal: make sure they are, whatever the
	// server's or role's setting (it is on by default since PostgreSQL 9.1).
	config.RuntimeParams["standard_conforming_strings"] = "on"

	connector := stdlib.GetConnector(*config)
	if o.wrapConnector != nil {
		connector = o.wrapConnector(connector)
	}
	sqldb := sql.OpenDB(connector)
	// database/sql keeps 2 idle connections unless told otherwise: under
	// load every further request would open a connection (a TCP handshake,
	// authentication and a backend process) and close it after. The pool
	// keeps what it opened, up to its bound.
	conns := o.maxConns
	if conns == 0 {
		conns = DefaultMaxConns()
	}
	sqldb.SetMaxOpenConns(conns)
	sqldb.SetMaxIdleConns(conns)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	if err := sqldb.PingContext(ctx); err != nil {
		_ = sqldb.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	db := bun.NewDB(sqldb, pgdialect.New())
	return &Store{
		core: sqlstore.New(db, sqlstore.Config{
			Dialect: sqlstore.Dialect{
				Name:            "postgres",
				LockRows:        true,
				AbortsTxOnError: true,
				Violation:       violation,
				// The hot reads and the user update are fixed statements
				// with bound arguments: prepared once per connection. (Every
				// other statement goes as text over the simple protocol.)
				ArgsPrefix: []any{pgx.QueryExecModeCacheStatement},
			},
			CaseInsensitiveUsernames: o.caseInsensitiveUsernames,
		}),
		db:   db,
		opts: o,
	}, nil
}

// quoteIdent quotes name as an SQL identifier.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// Migrate creates the schema (with [WithSchema]) if missing, applies the
// embedded migrations that the database lacks, and creates or drops the
// case-insensitive username index as the store's options say. It is
// idempotent.
//
// It holds a transaction-level advisory lock, keyed by the schema, for the
// whole run, so that replicas starting at once take turns: the first
// migrates, the others wait, then find nothing left to do. The lock is held
// by a transaction on a connection of its own while the migrations run on
// others, so the pool must allow at least two connections.
func (s *Store) Migrate(ctx context.Context) error {
	lock, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	// Ending the transaction releases the lock; there is nothing to commit.
	defer func() { _ = lock.Rollback() }()
	if _, err := lock.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", migrationLockKey(s.opts.schema)); err != nil {
		return fmt.Errorf("postgres: migrate: take the migration lock: %w", err)
	}
	if s.opts.schema != "" {
		if _, err := s.db.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS ?", bun.Ident(s.opts.schema)); err != nil {
			return fmt.Errorf("postgres: migrate: create schema %s: %w", s.opts.schema, err)
		}
	}
	if err := sqlstore.Migrate(ctx, s.db, migrations, s.opts.caseInsensitiveUsernames); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	return nil
}

// migrationLockKey is the advisory lock key of the migrations of schema: a
// hash, so that migrations of different schemas do not wait for each other.
func migrationLockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("accountapi migrations\x00" + schema))
	return int64(h.Sum64())
}

// Close closes the connection pool. Calls in flight may fail.
func (s *Store) Close() error { return s.db.Close() }

// DB returns the bun database the store uses, for hosts that want to run
// their own queries on the same pool (and search_path).
func (s *Store) DB() *bun.DB { return s.db }
