package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/uptrace/bun"

	"github.com/accountapi/accountapi/store"
)

// The reads every Account API request makes (the user by id, by email or
// phone for a code) skip bun: bun writes the arguments into the SQL text, so
// SQLite parses and plans every statement anew and bun fills the row by
// reflection. These reads send one fixed statement with a bound argument
// instead, prepared once per connection on SQLite and scanned field by
// field, and fetch the user and its identities with one LEFT JOIN, one round
// trip on PostgreSQL where bun made two.

// userColumns are the columns of accountapi_users that userReadQuery selects,
// in the order of (*userRow).scanTargets, followed by the identity's.
const userColumns = `u.id, u.username, u.primary_email, u.email_key, u.primary_phone, u.phone_key,
	u.name, u.avatar, u.profile, u.custom_data, u.logto_config,
	u.password_digest, u.password_algorithm, u.password_updated_at,
	u.is_password_expired, u.is_suspended, u.application_id,
	u.created_at, u.updated_at, u.last_sign_in_at,
	i.target, i.social_user_id, i.details`

// userReadQuery returns the statement reading the user whose column equals
// the one argument, with one row per identity (one row with NULL identity
// columns for a user without any).
func (s *Store) userReadQuery(column string) string {
	if q, ok := s.cfg.userQueries[column]; ok {
		return q
	}
	return userReadQuery(s.cfg.Dialect, column)
}

// userReadQueries are the statements of userReadQuery for the columns the
// store reads users by, made once.
func userReadQueries(d Dialect) map[string]string {
	m := map[string]string{}
	for _, column := range []string{"id", "email_key", "phone_key"} {
		m[column] = userReadQuery(d, column)
	}
	m["update"] = updateUserQuery(d)
	return m
}

func userReadQuery(d Dialect, column string) string {
	placeholder := "?"
	if d.Name == "postgres" {
		placeholder = "$1"
	}
	return `SELECT ` + userColumns + ` FROM accountapi_users AS u
	LEFT JOIN accountapi_user_identities AS i ON i.user_id = u.id
	WHERE u.` + column + ` = ` + placeholder + ` ORDER BY i.target`
}

// readUser reads the user whose column equals arg, with its identities, for
// op's errors; store.ErrNotFound when there is none.
func (s *Store) readUser(ctx context.Context, op, column string, arg any) (*store.User, error) {
	rows, err := s.query(ctx, s.userReadQuery(column), arg)
	if err != nil {
		return nil, s.mapErr(op, err)
	}
	defer rows.Close()
	var (
		row        userRow
		identities []identityRow
		found      bool
	)
	for rows.Next() {
		var (
			target, social sql.NullString
			details        sql.NullString
		)
		targets := append(row.scanTargets(), &target, &social, &details)
		if err := rows.Scan(targets...); err != nil {
			return nil, s.wrap(op, err)
		}
		found = true
		if target.Valid {
			i := identityRow{UserID: row.ID, Target: target.String, SocialUserID: social.String}
			if details.Valid {
				i.Details = &details.String
			}
			identities = append(identities, i)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, s.mapErr(op, err)
	}
	if !found {
		return nil, store.ErrNotFound
	}
	u, err := row.user(identities)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	return u, nil
}

// scanTargets returns the destinations of userColumns' user columns. The
// NULL-able text columns go through nullText, which reads NULL as "".
func (r *userRow) scanTargets() []any {
	return []any{
		&r.ID, (*nullText)(&r.Username), (*nullText)(&r.PrimaryEmail), (*nullText)(&r.EmailKey),
		(*nullText)(&r.PrimaryPhone), (*nullText)(&r.PhoneKey),
		&r.Name, &r.Avatar, &r.Profile, &r.CustomData, &r.LogtoConfig,
		(*nullText)(&r.PasswordDigest), (*nullText)(&r.PasswordAlgorithm), &r.PasswordUpdatedAt,
		&r.IsPasswordExpired, &r.IsSuspended, (*nullText)(&r.ApplicationID),
		&r.CreatedAt, &r.UpdatedAt, &r.LastSignInAt,
	}
}

// nullText scans a text column, NULL as "" (bun's nullzero).
type nullText string

func (t *nullText) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*t = ""
	case string:
		*t = nullText(v)
	case []byte:
		*t = nullText(v)
	default:
		return fmt.Errorf("scanning %T into a text column", v)
	}
	return nil
}

// query runs a read statement with bound arguments on the store's
// database or transaction.
func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	switch db := s.db.(type) {
	case *bun.DB:
		if !s.cfg.Dialect.Prepare {
			return db.DB.QueryContext(ctx, query, s.withPrefix(args)...)
		}
		stmt, err := s.cfg.stmts.prepare(ctx, db.DB, query)
		if err != nil {
			return nil, err
		}
		return stmt.QueryContext(ctx, args...)
	case bun.Tx:
		stmt, err := s.txStmt(ctx, db, query)
		if err != nil {
			return nil, err
		}
		if stmt == nil {
			return db.Tx.QueryContext(ctx, query, s.withPrefix(args)...)
		}
		return stmt.QueryContext(ctx, args...)
	default:
		// Not reached: a store's db is the root *bun.DB or InTx's bun.Tx.
		return s.db.QueryContext(ctx, query, args...)
	}
}

// execOn runs a write statement with bound arguments on db, the database or
// a transaction of the store (as unit hands it to its function).
func (s *Store) execOn(ctx context.Context, db bun.IDB, query string, args ...any) (sql.Result, error) {
	switch db := db.(type) {
	case *bun.DB:
		if !s.cfg.Dialect.Prepare {
			return db.DB.ExecContext(ctx, query, s.withPrefix(args)...)
		}
		stmt, err := s.cfg.stmts.prepare(ctx, db.DB, query)
		if err != nil {
			return nil, err
		}
		return stmt.ExecContext(ctx, args...)
	case bun.Tx:
		stmt, err := s.txStmt(ctx, db, query)
		if err != nil {
			return nil, err
		}
		if stmt == nil {
			return db.Tx.ExecContext(ctx, query, s.withPrefix(args)...)
		}
		return stmt.ExecContext(ctx, args...)
	default:
		return db.ExecContext(ctx, query, args...)
	}
}

// withPrefix returns args after the dialect's ArgsPrefix.
func (s *Store) withPrefix(args []any) []any {
	if len(s.cfg.Dialect.ArgsPrefix) == 0 {
		return args
	}
	return append(slices.Clip(s.cfg.Dialect.ArgsPrefix), args...)
}

// txStmt returns the prepared statement of query for the transaction tx, or
// nil where statements are not prepared ([Dialect.Prepare]). database/sql
// reuses the statement when it was prepared on the transaction's connection
// before, and closes the transaction's handle when the transaction ends.
func (s *Store) txStmt(ctx context.Context, tx bun.Tx, query string) (*sql.Stmt, error) {
	if !s.cfg.Dialect.Prepare || s.cfg.root == nil {
		return nil, nil
	}
	stmt, err := s.cfg.stmts.prepare(ctx, s.cfg.root.DB, query)
	if err != nil {
		return nil, err
	}
	return tx.Tx.StmtContext(ctx, stmt), nil
}

// updateUserQuery returns the UPDATE of every column of a user but id and
// created_at, with the arguments of (*userRow).updateArgs.
func updateUserQuery(d Dialect) string {
	columns := []string{
		"username", "primary_email", "email_key", "primary_phone", "phone_key",
		"name", "avatar", "profile", "custom_data", "logto_config",
		"password_digest", "password_algorithm", "password_updated_at",
		"is_password_expired", "is_suspended", "application_id",
		"updated_at", "last_sign_in_at", "id",
	}
	var b strings.Builder
	b.WriteString("UPDATE accountapi_users SET ")
	for i, c := range columns {
		ph := "?"
		if d.Name == "postgres" {
			ph = "$" + strconv.Itoa(i+1)
		}
		switch {
		case c == "id":
			b.WriteString(" WHERE id = " + ph)
		case i > 0:
			b.WriteString(", ")
			fallthrough
		default:
			b.WriteString(c + " = " + ph)
		}
	}
	return b.String()
}

// updateArgs are the arguments of updateUserQuery; "" is NULL for the
// nullzero columns, as bun writes them.
func (r *userRow) updateArgs() []any {
	return []any{
		nullIfEmpty(r.Username), nullIfEmpty(r.PrimaryEmail), nullIfEmpty(r.EmailKey),
		nullIfEmpty(r.PrimaryPhone), nullIfEmpty(r.PhoneKey),
		r.Name, r.Avatar, r.Profile, r.CustomData, r.LogtoConfig,
		nullIfEmpty(r.PasswordDigest), nullIfEmpty(r.PasswordAlgorithm), r.PasswordUpdatedAt,
		r.IsPasswordExpired, r.IsSuspended, nullIfEmpty(r.ApplicationID),
		r.UpdatedAt, r.LastSignInAt, r.ID,
	}
}

// nullIfEmpty is s, or NULL for "".
func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// stmtCache holds the statements query prepared, by SQL text. The texts are
// the package's own constants, so it stays small. database/sql prepares a
// statement on each connection the first time it runs there, again on a new
// connection, and closes them with the database.
type stmtCache struct {
	stmts sync.Map // string → *sql.Stmt
}

func (c *stmtCache) prepare(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error) {
	if st, ok := c.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := c.stmts.LoadOrStore(query, st); loaded {
		_ = st.Close() // another goroutine prepared it first
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// isEmptyObject reports whether the JSON text s is {} (ignoring spaces),
// which decodes to the zero value the callers start from.
func isEmptyObject(s string) bool {
	return strings.TrimSpace(s) == "{}"
}
