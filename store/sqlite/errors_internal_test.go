package sqlite

import (
	"testing"

	"github.com/accountapi/accountapi/store/internal/sqlstore"
)

// TestUniqueConstraint checks the parsing of modernc.org/sqlite's messages;
// TestBackend/ErrorMapping checks the real ones end to end.
func TestUniqueConstraint(t *testing.T) {
	tests := []struct {
		name string
		msg  string
		want string
	}{
		{"one column", "constraint failed: UNIQUE constraint failed: accountapi_users.email_key (2067)", sqlstore.UsersEmailKey},
		{"two columns", "constraint failed: UNIQUE constraint failed: accountapi_user_identities.target, accountapi_user_identities.social_user_id (2067)", sqlstore.IdentitiesSocialKey},
		{"primary key", "constraint failed: UNIQUE constraint failed: accountapi_personal_access_tokens.user_id, accountapi_personal_access_tokens.name (1555)", sqlstore.TokensPkey},
		{"index on an expression", "constraint failed: UNIQUE constraint failed: index 'accountapi_users_username_lower_key' (2067)", sqlstore.UsersUsernameLowerKey},
		{"without the result code", "UNIQUE constraint failed: accountapi_users.username", sqlstore.UsersUsernameKey},
		{"unknown columns", "constraint failed: UNIQUE constraint failed: accountapi_users.id (1555)", ""},
		{"not a unique violation", "constraint failed: FOREIGN KEY constraint failed (787)", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := uniqueConstraint(tt.msg); got != tt.want {
				t.Errorf("uniqueConstraint(%q) = %q, want %q", tt.msg, got, tt.want)
			}
		})
	}
}
