package store

import "time"

// User is one account: its identifiers, profile, password digest and flags.
// Its social identities live in the same aggregate (see [Identities]); its MFA
// factors and tokens are aggregates of their own.
//
// Username, PrimaryEmail and PrimaryPhone use "" for "none" (each has a format
// that excludes the empty string, and none is stored as NULL). Name and Avatar
// are pointers because Logto tells null from "".
type User struct {
	ID string
	// Username is unique; case-insensitively so when the backend is opened
	// with case-insensitive usernames.
	Username string
	// PrimaryEmail is stored as sent and unique by [EmailKey].
	PrimaryEmail string
	// PrimaryPhone is stored as digits without "+" and unique by [PhoneKey].
	PrimaryPhone string
	Name         *string
	Avatar       *string
	Profile      Profile
	// CustomData is the user's free-form JSON object (Logto's customData);
	// nil means {}.
	CustomData map[string]any
	// Identities maps a connector target (e.g. "github") to the social
	// identity the user linked for it. The backends load it with the user;
	// UpdateUser does not write it (use [Identities]).
	Identities map[string]Identity

	// PasswordDigest is "" when the user has no password.
	PasswordDigest    string
	PasswordAlgorithm PasswordAlgorithm
	PasswordUpdatedAt time.Time // zero: never set
	IsPasswordExpired bool

	IsSuspended bool
	LogtoConfig LogtoConfig
	// ApplicationID is the application the user signed up through, if any.
	ApplicationID string

	CreatedAt    time.Time
	UpdatedAt    time.Time
	LastSignInAt time.Time // zero: never
}

// HasPassword reports whether the user has a password.
func (u *User) HasPassword() bool { return u.PasswordDigest != "" }

// PasswordAlgorithm names the function a password digest was made with, with
// Logto's spelling (its users.password_encryption_method values), so that
// digests imported from Logto keep their labels.
type PasswordAlgorithm string

// The password algorithms Logto records. The library hashes new passwords with
// Argon2id and verifies every other one for imported users.
const (
	Argon2i  PasswordAlgorithm = "Argon2i"
	Argon2id PasswordAlgorithm = "Argon2id"
	Argon2d  PasswordAlgorithm = "Argon2d"
	Bcrypt   PasswordAlgorithm = "Bcrypt"
	SHA1     PasswordAlgorithm = "SHA1"
	SHA256   PasswordAlgorithm = "SHA256"
	MD5      PasswordAlgorithm = "MD5"
	Legacy   PasswordAlgorithm = "Legacy"
)

// Profile holds the OpenID Connect standard claims Logto keeps in a user's
// profile. A nil member is absent; "" is a value.
type Profile struct {
	FamilyName        *string  `json:"familyName,omitempty"`
	GivenName         *string  `json:"givenName,omitempty"`
	MiddleName        *string  `json:"middleName,omitempty"`
	Nickname          *string  `json:"nickname,omitempty"`
	PreferredUsername *string  `json:"preferredUsername,omitempty"`
	Profile           *string  `json:"profile,omitempty"`
	Website           *string  `json:"website,omitempty"`
	Gender            *string  `json:"gender,omitempty"`
	Birthdate         *string  `json:"birthdate,omitempty"`
	Zoneinfo          *string  `json:"zoneinfo,omitempty"`
	Locale            *string  `json:"locale,omitempty"`
	Address           *Address `json:"address,omitempty"`
}

// Address is the OpenID Connect address claim.
type Address struct {
	Formatted     *string `json:"formatted,omitempty"`
	StreetAddress *string `json:"streetAddress,omitempty"`
	Locality      *string `json:"locality,omitempty"`
	Region        *string `json:"region,omitempty"`
	PostalCode    *string `json:"postalCode,omitempty"`
	Country       *string `json:"country,omitempty"`
}

// Identity is a social identity linked to a user under a connector target.
type Identity struct {
	// UserID is the user's id at the social provider.
	UserID string `json:"userId"`
	// Details is what the provider said about the user (Logto keeps the full
	// social user info here: id, email, phone, name, avatar, rawData). It is
	// the provider's free-form JSON; nil means absent.
	Details map[string]any `json:"details,omitempty"`
}

// LogtoConfig holds the per-user flags Logto keeps in users.logto_config.
type LogtoConfig struct {
	MFA           MFAConfig           `json:"mfa"`
	PasskeySignIn PasskeySignInConfig `json:"passkeySignIn"`
}

// MFAConfig holds the user's MFA flags.
type MFAConfig struct {
	// Enabled is nil until a factor is first bound.
	Enabled                            *bool `json:"enabled,omitempty"`
	Skipped                            bool  `json:"skipped"`
	AdditionalBindingSuggestionSkipped bool  `json:"additionalBindingSuggestionSkipped"`
	SkipMfaOnSignIn                    bool  `json:"skipMfaOnSignIn"`
}

// PasskeySignInConfig holds the user's passkey sign-in flags.
type PasskeySignInConfig struct {
	Skipped bool `json:"skipped"`
}
