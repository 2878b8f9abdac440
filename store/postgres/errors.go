package postgres

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/accountapi/accountapi/store/internal/sqlstore"
)

// The SQLSTATE codes of the violations the store maps
// (https://www.postgresql.org/docs/current/errcodes-appendix.html).
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)

// violation reports whether err is a constraint violation and which: the
// server names the constraint or index, as the migrations name it.
func violation(err error) (sqlstore.Violation, bool) {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return sqlstore.Violation{}, false
	}
	switch pgErr.Code {
	case uniqueViolation:
		return sqlstore.Violation{Kind: sqlstore.Unique, Constraint: pgErr.ConstraintName}, true
	case foreignKeyViolation:
		return sqlstore.Violation{Kind: sqlstore.ForeignKey, Constraint: pgErr.ConstraintName}, true
	}
	return sqlstore.Violation{}, false
}
