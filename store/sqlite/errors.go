package sqlite

import (
	"errors"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/accountapi/accountapi/store/internal/sqlstore"
)

// violation reports whether err is a constraint violation, by the extended
// result code modernc.org/sqlite reports (it turns extended codes on), and
// which index it violates.
//
// SQLite names the index only for an index on expressions; for the others it
// names the columns ("UNIQUE constraint failed: accountapi_users.email_key"),
// which indexColumns maps back to the names the migrations give. A foreign key
// violation does not say which key: every one of them means "no such row".
func violation(err error) (sqlstore.Violation, bool) {
	var serr *sqlite.Error
	if !errors.As(err, &serr) {
		return sqlstore.Violation{}, false
	}
	switch serr.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return sqlstore.Violation{Kind: sqlstore.Unique, Constraint: uniqueConstraint(serr.Error())}, true
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return sqlstore.Violation{Kind: sqlstore.ForeignKey}, true
	}
	return sqlstore.Violation{}, false
}

// uniqueConstraint returns the name of the index a unique violation's message
// names, or "" if it names none this package knows.
func uniqueConstraint(msg string) string {
	const marker = "UNIQUE constraint failed: "
	i := strings.Index(msg, marker)
	if i < 0 {
		return ""
	}
	what := msg[i+len(marker):]
	// modernc appends the result code: "… (2067)".
	if j := strings.LastIndex(what, " ("); j >= 0 {
		what = what[:j]
	}
	if name, ok := strings.CutPrefix(what, "index '"); ok {
		return strings.TrimSuffix(name, "'")
	}
	return indexColumns(what)
}

// indexColumns maps the columns SQLite names in a unique violation to the
// name of the index on them.
func indexColumns(columns string) string {
	switch columns {
	case "accountapi_users.username":
		return sqlstore.UsersUsernameKey
	case "accountapi_users.email_key":
		return sqlstore.UsersEmailKey
	case "accountapi_users.phone_key":
		return sqlstore.UsersPhoneKey
	case "accountapi_user_identities.target, accountapi_user_identities.social_user_id":
		return sqlstore.IdentitiesSocialKey
	case "accountapi_mfa_factors.webauthn_credential_id":
		return sqlstore.FactorsCredentialKey
	case "accountapi_mfa_factors.user_id":
		// The partial index on TOTP factors is the only unique one on user_id.
		return sqlstore.FactorsTOTPKey
	case "accountapi_personal_access_tokens.user_id, accountapi_personal_access_tokens.name":
		return sqlstore.TokensPkey
	}
	return ""
}
