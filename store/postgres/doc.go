// Package postgres is the PostgreSQL backend of accountapi: a [store.Store]
// in a PostgreSQL database, which any number of replicas of a service can
// share. Everything that decides an outcome lives in the database, so a
// verification started on one replica finishes on another. It implements the
// same contract as [github.com/accountapi/accountapi/store/sqlite] and passes
// the same conformance suite
// ([github.com/accountapi/accountapi/store/storetest]).
//
// # Opening and migrating
//
// [Open] connects (the DSN is a URL or key=value string, as pgx reads it) and
// changes nothing; [Store.Migrate] applies the schema's migrations, which
// ship inside the binary, and is the only call that changes the schema. Call
// it at start-up, before serving:
//
//	s, err := postgres.Open(ctx, dsn, postgres.WithSchema("accountapi"))
//	if err != nil { … }
//	defer s.Close()
//	if err := s.Migrate(ctx); err != nil { … }
//
// Migrate is idempotent, and safe when replicas start at once: it holds a
// transaction-level advisory lock (pg_advisory_xact_lock, keyed by the
// schema) around the run, so the first replica migrates and the others wait,
// then find nothing to do. The lock ends with its transaction, so a crashed
// migrator never leaves it held. Each migration runs in a transaction.
//
// [WithSchema] puts every table in a schema of its own: search_path is set
// as a runtime parameter of every connection, and Migrate creates the schema
// if missing. Tables, indexes and the migration bookkeeping
// (accountapi_migrations, accountapi_migration_locks) are prefixed with
// accountapi_ in any case, so they can live beside the host's.
//
// [WithCaseInsensitiveUsernames] makes usernames unique and looked up without
// regard to case; Migrate then maintains the unique index on lower(username)
// (and drops it for a store opened without the option), so migrate with the
// options the service runs with. Migrate fails if two stored usernames
// already differ only in case. Open the store with it when the sign-in
// experience's username policy is case-insensitive (account.UsernamePolicy):
// the account service then checks for a username in another case before it
// writes (FindUserByUsernameFold, served by a plain index on lower(username)
// that every store has), and the unique index closes the race between two
// concurrent binds that the check alone leaves open. Without the option a
// case-insensitive policy still holds for every bind but such a race.
//
// # Concurrency
//
// Every method is safe for concurrent use, from any number of processes.
// Transactions run at PostgreSQL's default isolation, read committed;
// LockUser ([store.Users]) inside InTx ([store.Transactor]) takes the user's
// row with SELECT … FOR UPDATE, which serialises read-check-write sequences
// on one user. Single-use
// things (codes, TOTP steps, backup codes, WebAuthn sign counts, verification
// record versions) are used up by conditional UPDATE statements, counters by
// single upserts, and uniqueness is enforced by unique indexes, as the store
// contracts say. Lockout failures of one target are counted under a row lock
// of that target, so concurrent failures get distinct counts.
//
// A failed statement aborts a PostgreSQL transaction; so that a caller inside
// InTx can handle an error the contracts name (a duplicate email, say) and go
// on, as it can on SQLite, the writes that may return one run under a
// savepoint there. Inside InTx, use the store passed to the function: a write
// through the outer store is refused with an error, as on SQLite.
//
// # Storage
//
// Times are bigint Unix milliseconds, JSON documents jsonb, byte strings
// bytea. Constraint violations are recognised by SQLSTATE (23505 unique,
// 23503 foreign key) and the constraint name the server reports, and mapped
// into the store's errors; no driver error is returned as one of them. Text
// cannot hold NUL characters in PostgreSQL (nor can jsonb hold \u0000): such
// values fail with an internal error, so use cases validate their input.
//
// # Connections
//
// bun writes arguments into the SQL text, so the store uses pgx's simple
// protocol (no server-side prepared statements; it works behind PgBouncer)
// and sets standard_conforming_strings on every connection. [Store.DB] gives
// the host the pool; Migrate needs at least two connections of it.
//
// # Dependencies
//
//   - github.com/jackc/pgx/v5 (through its database/sql driver, stdlib): the
//     PostgreSQL driver, with the runtime parameters and the typed server
//     errors (pgconn.PgError) the store relies on.
//   - github.com/uptrace/bun with its pgdialect: the query builder the shared
//     implementation (store/internal/sqlstore) is written with, the same for
//     both backends; bun/migrate discovers and applies the embedded
//     migrations.
package postgres
