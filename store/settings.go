package store

import "time"

// Control is how the account center exposes one field to its user.
type Control string

// The controls. A field whose control is "" (missing) is Off.
const (
	ControlOff      Control = "Off"
	ControlReadOnly Control = "ReadOnly"
	ControlEdit     Control = "Edit"
)

// Readable reports whether the control is ReadOnly or Edit.
func (c Control) Readable() bool { return c == ControlReadOnly || c == ControlEdit }

// Editable reports whether the control is Edit.
func (c Control) Editable() bool { return c == ControlEdit }

// AccountCenter is the account-center settings: whether the Account API is on
// and how it exposes each field. There is one per store.
type AccountCenter struct {
	Enabled bool
	Fields  AccountCenterFields
	// WebAuthnRelatedOrigins are origins, besides the API's own, from which
	// passkeys may be registered and used (WebAuthn Related Origin Requests).
	WebAuthnRelatedOrigins []string
	// DeleteAccountURL is where a front end sends a user who wants to delete
	// their account; "" for none.
	DeleteAccountURL string
	CustomCSS        *string
	// ProfileFields lists custom profile fields in display order; nil is null.
	ProfileFields []ProfileField
	UpdatedAt     time.Time
}

// AccountCenterFields holds the control of each field. The JSON names are
// Logto's; a missing key is Off.
type AccountCenterFields struct {
	Name          Control `json:"name,omitempty"`
	Avatar        Control `json:"avatar,omitempty"`
	Profile       Control `json:"profile,omitempty"`
	Email         Control `json:"email,omitempty"`
	Phone         Control `json:"phone,omitempty"`
	Password      Control `json:"password,omitempty"`
	Username      Control `json:"username,omitempty"`
	Social        Control `json:"social,omitempty"`
	CustomData    Control `json:"customData,omitempty"`
	MFA           Control `json:"mfa,omitempty"`
	Passkey       Control `json:"passkey,omitempty"`
	Session       Control `json:"session,omitempty"`
	TrustedDevice Control `json:"trustedDevice,omitempty"`
	// DeleteAccount gates self-service account deletion (ours).
	DeleteAccount Control `json:"deleteAccount,omitempty"`
}

// ProfileField names a custom profile field shown by the account center.
type ProfileField struct {
	Name string `json:"name"`
}

// PersonalAccessToken is a long-lived token a user can authenticate with.
// Only a hash of its value is stored.
type PersonalAccessToken struct {
	UserID string
	// Name is unique per user.
	Name string
	// Hash is the SHA-256 of the token value; unique.
	Hash      []byte
	CreatedAt time.Time
	ExpiresAt time.Time // zero: never expires
}
