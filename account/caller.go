package account

import (
	"slices"

	"github.com/accountapi/accountapi/store"
)

// The OpenID Connect scopes the Account API looks at (Logto's UserScope).
const (
	ScopeOpenID     = "openid"
	ScopeProfile    = "profile"
	ScopeEmail      = "email"
	ScopePhone      = "phone"
	ScopeAddress    = "address"
	ScopeCustomData = "custom_data"
	ScopeIdentities = "identities"
)

// Caller is who calls a use case: the principal of an authenticated bearer
// token plus what the request says about the call. The HTTP adapter builds it
// from the request; a host calling the use cases directly builds it itself.
type Caller struct {
	// UserID is the signed-in user.
	UserID string
	// Scopes are the token's scopes.
	Scopes []string
	// ClientID is the application the token was issued to ("" if unknown).
	ClientID string
	// VerificationRecordID is the identity proof the request offers (Logto's
	// logto-verification-id header); "" for none.
	VerificationRecordID string
	// Locale is the language messages to the user should be in (from
	// Accept-Language); "" for the default.
	Locale string

	// user is the caller's user as [Service.Active] read it during this
	// request; nil when not read.
	user *store.User
}

// HasScope reports whether the token has scope s.
func (c Caller) HasScope(s string) bool { return slices.Contains(c.Scopes, s) }
