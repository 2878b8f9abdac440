// Package sqlstore is the one implementation of store.Store that the SQL
// backends (store/sqlite, store/postgres) share. It is written with bun
// against bun.IDB, so the same methods run on the database and inside a
// transaction. What differs between the engines comes in through [Config]:
// whether rows are locked with FOR UPDATE, whether a failed statement aborts
// the transaction (then the writes that may fail with an error of the store
// vocabulary run under a savepoint inside transactions), how a driver
// reports a constraint violation, and whether writers are serialised by a
// [Gate] (SQLite). The SQL of the schema is each backend's, in its embedded
// migrations, which name every index as this package expects.
//
// # Writes
//
// Every write goes through one of two helpers. exec runs a single statement
// that cannot fail with an error the contracts name; unit runs writes that
// must succeed or fail together, or that may fail with such an error: in a
// transaction of their own outside InTx, under a savepoint inside it. Outside
// a transaction both hold the Gate. Reads never do.
//
// # Atomic operations
//
// Each single-use or counting operation is one statement whose WHERE clause
// is the check (consumed, used_at IS NULL, totp_last_used_step < step,
// webauthn_sign_count = prev, version = v), so concurrent calls cannot both
// pass it; a second query after a refusal only tells ErrConflict from
// ErrNotFound. Counters are single upserts with RETURNING. Uniqueness is
// always a unique index, whose violation is mapped by index name.
//
// # Rows
//
// Row types carry the bun tags and stay in this package; store records have
// none. Times are Unix milliseconds (the zero time is NULL where a column is
// nullable), JSON documents are text the backend stores as TEXT or jsonb.
package sqlstore
