package store

import "time"

// SignInExperience holds the end-user policies the library enforces, stored
// so that an administrator can change them at run time
// (PATCH /api/sign-in-exp), with Logto's names and JSON shapes. A nil member
// was never set: the host's configured default applies.
type SignInExperience struct {
	PasswordPolicy         *PasswordPolicy         `json:"passwordPolicy,omitempty"`
	UsernamePolicy         *UsernamePolicy         `json:"usernamePolicy,omitempty"`
	EmailBlocklistPolicy   *EmailBlocklistPolicy   `json:"emailBlocklistPolicy,omitempty"`
	MFA                    *MFAPolicy              `json:"mfa,omitempty"`
	PasskeySignIn          *PasskeySignInPolicy    `json:"passkeySignIn,omitempty"`
	SentinelPolicy         *SentinelPolicy         `json:"sentinelPolicy,omitempty"`
	VerificationCodePolicy *VerificationCodePolicy `json:"verificationCodePolicy,omitempty"`
	UpdatedAt              time.Time               `json:"-"`
}

// PasswordPolicy is Logto's passwordPolicy.
type PasswordPolicy struct {
	Length struct {
		Min int `json:"min"`
		Max int `json:"max"`
	} `json:"length"`
	CharacterTypes struct {
		Min int `json:"min"`
	} `json:"characterTypes"`
	Rejects struct {
		Pwned                 bool     `json:"pwned"`
		RepetitionAndSequence bool     `json:"repetitionAndSequence"`
		UserInfo              bool     `json:"userInfo"`
		Words                 []string `json:"words"`
	} `json:"rejects"`
}

// UsernamePolicy is Logto's usernamePolicy.
type UsernamePolicy struct {
	CaseSensitive bool `json:"caseSensitive"`
	MinLength     int  `json:"minLength"`
	MaxLength     int  `json:"maxLength"`
	AllowedChars  struct {
		Lowercase  bool `json:"lowercase"`
		Uppercase  bool `json:"uppercase"`
		Numbers    bool `json:"numbers"`
		Underscore bool `json:"underscore"`
	} `json:"allowedChars"`
}

// EmailBlocklistPolicy is Logto's emailBlocklistPolicy.
type EmailBlocklistPolicy struct {
	BlockSubaddressing bool     `json:"blockSubaddressing"`
	CustomBlocklist    []string `json:"customBlocklist"`
	CustomAllowlist    []string `json:"customAllowlist"`
}

// MFAPolicy is Logto's mfa: the factors users may bind, and whether MFA is
// required at sign-in (the library records the policy for the host).
type MFAPolicy struct {
	Factors []FactorType `json:"factors"`
	Policy  string       `json:"policy"`
}

// PasskeySignInPolicy is Logto's passkeySignIn.
type PasskeySignInPolicy struct {
	Enabled bool `json:"enabled"`
}

// SentinelPolicy is Logto's sentinelPolicy: the identifier lockout.
type SentinelPolicy struct {
	MaxAttempts int `json:"maxAttempts"`
	// LockoutDuration is in minutes.
	LockoutDuration int `json:"lockoutDuration"`
}

// VerificationCodePolicy is Logto's verificationCodePolicy.
type VerificationCodePolicy struct {
	// ExpirationDuration is in seconds.
	ExpirationDuration int `json:"expirationDuration"`
	MaxRetryAttempts   int `json:"maxRetryAttempts"`
}
