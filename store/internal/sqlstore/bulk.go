package sqlstore

import (
	"context"
	"fmt"
	"reflect"

	"github.com/uptrace/bun"

	"github.com/accountapi/accountapi/store"
)

// maxStatementValues is the number of column values one INSERT of InsertUsers
// holds at most: SQLite's limit on the bound parameters of a statement
// (SQLITE_MAX_VARIABLE_NUMBER, 32766 by default), the lower of the two
// engines' (PostgreSQL allows 65535). bun writes the values into the SQL text
// instead of binding them, so neither limit applies to it as such; keeping to
// the lower one keeps each statement a few hundred kilobytes long, and valid
// should the values ever be bound.
const maxStatementValues = 32766

// InsertUsers inserts users, with their Identities, in one transaction, with
// multi-row INSERT statements of as many rows as fit in 32766 column values
// (1638 users, or 8191 identities, per statement). It is meant for seeding a
// store and for importing the users of another system, where one CreateUser
// per user would cost one transaction, and one round trip, per user. It is
// not part of [store.Store], and no use case calls it.
//
// Each user is converted and stored as CreateUser stores it, and the store
// takes every member as given (the caller sets IDs and timestamps). Either
// every user is inserted or none is. On a duplicate, with a stored user or
// with another user of users, it returns the error CreateUser returns:
// ErrDuplicateUsername, ErrDuplicateEmail, ErrDuplicatePhone,
// ErrDuplicateIdentity, or ErrConflict for a duplicate ID. When several users
// collide, which collision is reported is the database's choice. A nil user is
// an error. An empty users does nothing.
//
// On the root store it runs in a transaction of its own, and on SQLite it
// holds the write gate until that transaction ends: other writes wait for the
// whole import, reads do not. Inside InTx it runs under a savepoint of the
// caller's transaction.
func (s *Store) InsertUsers(ctx context.Context, users []*store.User) error {
	const op = "insert users"
	if len(users) == 0 {
		return nil
	}
	for i, u := range users {
		if u == nil {
			return s.wrap(op, fmt.Errorf("users[%d] is nil", i))
		}
	}
	userBatch := rowsPerStatement(s.db, reflect.TypeFor[userRow]())
	identityBatch := rowsPerStatement(s.db, reflect.TypeFor[identityRow]())
	return s.unit(ctx, op, false, func(ctx context.Context, db bun.IDB) error {
		// The rows of one batch at a time: the users are converted as they
		// go in, rather than all held twice in memory.
		rows := make([]userRow, 0, min(len(users), userBatch))
		var identities []identityRow
		for start := 0; start < len(users); start += userBatch {
			batch := users[start:min(start+userBatch, len(users))]
			rows, identities = rows[:0], identities[:0]
			for _, u := range batch {
				row, err := newUserRow(u)
				if err != nil {
					return fmt.Errorf("user %q: %w", u.ID, err)
				}
				rows = append(rows, *row)
				for _, target := range sortedKeys(u.Identities) {
					r, err := newIdentityRow(u.ID, target, u.Identities[target])
					if err != nil {
						return fmt.Errorf("user %q: identity %q: %w", u.ID, target, err)
					}
					identities = append(identities, *r)
				}
			}
			// Returning("") drops the RETURNING clause bun adds for the
			// NULL columns, to read back defaults these columns do not have:
			// the statement is then run rather than queried for rows.
			if _, err := db.NewInsert().Model(&rows).Returning("").Exec(ctx); err != nil {
				return err
			}
			// After their users, whose rows the foreign key checks find.
			for i := 0; i < len(identities); i += identityBatch {
				chunk := identities[i:min(i+identityBatch, len(identities))]
				if _, err := db.NewInsert().Model(&chunk).Returning("").Exec(ctx); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// rowsPerStatement is the number of rows of the table of typ (a row type of
// this package) that one statement of at most maxStatementValues column
// values holds.
func rowsPerStatement(db bun.IDB, typ reflect.Type) int {
	return max(1, maxStatementValues/len(db.Dialect().Tables().Get(typ).Fields))
}
