package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/uptrace/bun"

	"github.com/accountapi/accountapi/store"
)

// Dialect is what differs between the SQL engines, beyond the SQL text of
// their migrations.
type Dialect struct {
	// Name prefixes the errors the store returns ("sqlite", "postgres").
	Name string
	// LockRows makes [Store.LockUser] and the reads that guard a
	// read-then-write inside a transaction use SELECT … FOR UPDATE.
	LockRows bool
	// AbortsTxOnError is true when a failed statement aborts the enclosing
	// transaction (PostgreSQL): statements that may fail with an error of the
	// store vocabulary then run under a savepoint inside transactions, so that
	// a caller can handle the error and go on with the transaction, as it can
	// on SQLite.
	AbortsTxOnError bool
	// Violation reports whether err is a constraint violation and which.
	Violation func(err error) (Violation, bool)
	// Prepare makes the hot reads run as statements prepared once per
	// connection (SQLite, where parsing and planning cost more than the
	// read itself). Without it they are sent as text with bound arguments
	// (PostgreSQL over the simple protocol: one round trip).
	Prepare bool
	// ArgsPrefix goes before the arguments of the hot reads and the user
	// update when they are not prepared here: PostgreSQL's driver takes
	// pgx.QueryExecModeCacheStatement there, so that each connection
	// prepares those few fixed statements once instead of the server
	// parsing and planning them for every request.
	ArgsPrefix []any
}

// Config configures a [Store].
type Config struct {
	Dialect Dialect
	// CaseInsensitiveUsernames makes FindUserByUsername compare
	// lower(username); Migrate maintains the matching unique index.
	CaseInsensitiveUsernames bool
	// Gate, when not nil, serialises this process's writers (SQLite). It is
	// held for every write outside a transaction and for the whole of InTx.
	Gate *Gate

	// stmts are the statements prepared by Store.query; New makes it.
	stmts *stmtCache
	// userQueries are the user reads by column, and the update
	// (userReadQueries).
	userQueries map[string]string
	// root is the database of the root store.
	root *bun.DB
}

// Store implements store.Store over a bun.IDB: a *bun.DB, or a bun.Tx for the
// store that InTx hands to its function.
type Store struct {
	db  bun.IDB
	cfg *Config
	// tx is the transaction this store is bound to; nil for the root store.
	tx *txState
}

var _ store.Store = (*Store)(nil)

// New returns the root store over db.
func New(db *bun.DB, cfg Config) *Store {
	cfg.root = db
	cfg.stmts = new(stmtCache)
	cfg.userQueries = userReadQueries(cfg.Dialect)
	return &Store{db: db, cfg: &cfg}
}

// txState marks a running transaction of a root store. InTx puts it in the
// context it passes to its function, so that a write through the root store
// with that context, which on SQLite would wait for the very transaction
// that waits for it, fails at once instead of hanging.
type txState struct {
	root   *Store
	active atomic.Bool
}

type txKey struct{}

// errOuterStore is returned for a write through a root store with the context
// of one of its own running transactions.
var errOuterStore = errors.New("write through the outer store inside its own InTx (use the tx store passed to fn)")

// checkOuter refuses a write through the root store s from inside one of its
// own transactions.
func (s *Store) checkOuter(ctx context.Context) error {
	if s.tx != nil {
		return nil
	}
	if st, ok := ctx.Value(txKey{}).(*txState); ok && st.root == s && st.active.Load() {
		return fmt.Errorf("%s: %w", s.cfg.Dialect.Name, errOuterStore)
	}
	return nil
}

// InTx implements store.Transactor.
//
// On the root store it begins a transaction (BEGIN IMMEDIATE on SQLite, where
// the write gate is held until it ends), runs fn with the store bound to it,
// and commits if fn returns nil; it rolls back if fn returns an error or
// panics, and then returns that error or re-panics. On a transaction's store
// it runs fn in the same transaction.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context, tx store.Store) error) error {
	if s.tx != nil {
		return fn(ctx, s)
	}
	if err := s.checkOuter(ctx); err != nil {
		return err
	}
	if err := s.cfg.Gate.Lock(ctx); err != nil {
		return s.wrap("begin transaction", err)
	}
	defer s.cfg.Gate.Unlock()

	btx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap("begin transaction", err)
	}
	state := &txState{root: s}
	state.active.Store(true)
	defer state.active.Store(false)

	done := false
	defer func() {
		if !done {
			// fn failed or panicked (the panic goes on after this).
			_ = btx.Rollback()
		}
	}()
	txStore := &Store{db: btx, cfg: s.cfg, tx: state}
	if err := fn(context.WithValue(ctx, txKey{}, state), txStore); err != nil {
		return err
	}
	done = true
	if err := btx.Commit(); err != nil {
		return s.mapErr("commit", err)
	}
	return nil
}

// exec runs fn, one write statement, on the store's database: outside a
// transaction under the write gate.
func (s *Store) exec(ctx context.Context, op string, fn func(db bun.IDB) error) error {
	if s.tx != nil {
		return s.mapErr(op, fn(s.db))
	}
	if err := s.checkOuter(ctx); err != nil {
		return err
	}
	if err := s.cfg.Gate.Lock(ctx); err != nil {
		return s.wrap(op, err)
	}
	defer s.cfg.Gate.Unlock()
	return s.mapErr(op, fn(s.db))
}

// unit runs fn, writes that succeed or fail together, and maps its error.
// Outside a transaction it runs fn in one of its own (under the write gate);
// inside one it runs fn under a savepoint, so that a failure leaves the
// enclosing transaction as it was, and usable.
//
// A single statement needs no transaction of its own (single is true): it
// then runs directly, and under a savepoint inside a transaction only where
// a failed statement would abort the transaction.
func (s *Store) unit(ctx context.Context, op string, single bool, fn func(ctx context.Context, db bun.IDB) error) error {
	if s.tx == nil {
		if single {
			return s.exec(ctx, op, func(db bun.IDB) error { return fn(ctx, db) })
		}
		if err := s.checkOuter(ctx); err != nil {
			return err
		}
		if err := s.cfg.Gate.Lock(ctx); err != nil {
			return s.wrap(op, err)
		}
		defer s.cfg.Gate.Unlock()
		return s.mapErr(op, runTx(ctx, s.db, fn))
	}
	if single && !s.cfg.Dialect.AbortsTxOnError {
		return s.mapErr(op, fn(ctx, s.db))
	}
	return s.mapErr(op, runSavepoint(ctx, s.db, fn))
}

// runTx runs fn in a transaction of db, rolling back on error or panic.
func runTx(ctx context.Context, db bun.IDB, fn func(ctx context.Context, db bun.IDB) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			_ = tx.Rollback()
		}
	}()
	if err := fn(ctx, tx); err != nil {
		return err
	}
	done = true
	return tx.Commit()
}

// savepoint names the savepoints of runSavepoint. Nested savepoints may share
// a name: ROLLBACK TO and RELEASE address the innermost one (SQLite and
// PostgreSQL alike).
const savepoint = "accountapi_unit"

// runSavepoint runs fn under a savepoint of the running transaction db.
func runSavepoint(ctx context.Context, db bun.IDB, fn func(ctx context.Context, db bun.IDB) error) error {
	if _, err := db.ExecContext(ctx, "SAVEPOINT "+savepoint); err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			// Undo fn's writes and drop the savepoint; the transaction goes on.
			// If this fails (the connection is gone), so does the transaction.
			ctx := context.WithoutCancel(ctx)
			if _, err := db.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+savepoint); err == nil {
				_, _ = db.ExecContext(ctx, "RELEASE SAVEPOINT "+savepoint)
			}
		}
	}()
	if err := fn(ctx, db); err != nil {
		return err
	}
	done = true
	_, err := db.ExecContext(ctx, "RELEASE SAVEPOINT "+savepoint)
	return err
}

// Gate serialises the writers of one process (see [Config.Gate]). It is a
// one-slot semaphore rather than a sync.Mutex so that a writer waiting for it
// gives up when its context ends.
type Gate struct{ ch chan struct{} }

// NewGate returns an open gate.
func NewGate() *Gate { return &Gate{ch: make(chan struct{}, 1)} }

// Lock waits for the gate, or for ctx to end. A nil gate is always open.
func (g *Gate) Lock(ctx context.Context) error {
	if g == nil {
		return nil
	}
	select {
	case g.ch <- struct{}{}:
		return nil
	default:
	}
	select {
	case g.ch <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Unlock releases the gate that Lock took.
func (g *Gate) Unlock() {
	if g == nil {
		return
	}
	<-g.ch
}

// oneRow returns err, or ErrNotFound when the statement affected no row.
func oneRow(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}
