// Package sqlite is the embedded backend of accountapi: a [store.Store] kept
// in one SQLite database file, for a service that runs as a single process.
// For more than one replica, use
// [github.com/accountapi/accountapi/store/postgres], which implements the same
// contract and passes the same conformance suite
// ([github.com/accountapi/accountapi/store/storetest]).
//
// # Opening and migrating
//
// [Open] opens the file (creating it if missing) and changes nothing in it;
// [Store.Migrate] applies the schema's migrations, which ship inside the
// binary, and is the only call that changes the schema. Call it at start-up,
// before serving; it is idempotent, and concurrent calls (from this process
// or another one on the same file) take turns, the later ones finding
// nothing to do:
//
//	s, err := sqlite.Open("accountapi.db")
//	if err != nil { … }
//	defer s.Close()
//	if err := s.Migrate(ctx); err != nil { … }
//
// Every table, index and the migration bookkeeping (accountapi_migrations,
// accountapi_migration_locks) is prefixed with accountapi_, so the file can
// be shared with the host's own tables. [Store.DB] gives the host the same
// database.
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
// Every method is safe for concurrent use. Each connection runs in WAL mode,
// so readers proceed while one connection writes, with foreign keys on (the
// cascades that delete a user's data depend on them) and a busy timeout of
// 10 s for locks held by other processes. SQLite allows one writer at a
// time: rather than let writers of this process race for the file lock and
// fail with SQLITE_BUSY, the store serialises them on a write gate, held for
// each write outside a transaction and for the whole of InTx
// ([store.Transactor]), whose transactions begin with BEGIN IMMEDIATE. Reads
// never wait for the gate. A writer waiting for the gate gives up when its
// context ends.
//
// Inside InTx, use the store passed to the function: a write through the
// outer store would wait for the transaction that waits for it, so the store
// refuses it with an error instead. Open one Store per file in a process;
// two Stores (or two processes) on one file do not share a gate and rely on
// the busy timeout.
//
// Single-use things (codes, TOTP steps, backup codes, WebAuthn sign counts,
// verification record versions) are used up by conditional UPDATE statements
// and uniqueness is enforced by unique indexes, as the store contracts say.
//
// # Storage
//
// Times are INTEGER Unix milliseconds, JSON documents TEXT, byte strings
// BLOB. Constraint violations are recognised by modernc.org/sqlite's extended
// result codes (SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY, _FOREIGNKEY) and
// mapped into the store's errors; no driver error is returned as one of them.
//
// # Dependencies
//
//   - modernc.org/sqlite: SQLite translated to Go, so the library and its
//     users build without cgo or a C toolchain.
//   - github.com/uptrace/bun with its sqlitedialect: the query builder the
//     shared implementation (store/internal/sqlstore) is written with, the
//     same for both backends; bun/migrate discovers and applies the embedded
//     migrations.
package sqlite
