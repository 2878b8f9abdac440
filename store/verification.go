package store

import "time"

// RecordType is the kind of a verification record, with Logto's spelling
// (VerificationType) where Logto has one.
type RecordType string

// The verification record types the library creates.
const (
	// RecordPassword proves the user knows their password.
	RecordPassword RecordType = "Password"
	// RecordEmailCode proves control of an email address through a code.
	RecordEmailCode RecordType = "EmailVerificationCode"
	// RecordPhoneCode proves control of a phone number through a code.
	RecordPhoneCode RecordType = "PhoneVerificationCode"
	// RecordSocial proves a social identity through a connector.
	RecordSocial RecordType = "Social"
	// RecordWebAuthn registers a new WebAuthn credential.
	RecordWebAuthn RecordType = "WebAuthn"
	// RecordTOTP proves the user holds their TOTP factor (step-up; ours).
	RecordTOTP RecordType = "Totp"
	// RecordBackupCode proves the user holds a backup code (step-up; ours).
	RecordBackupCode RecordType = "BackupCode"
	// RecordWebAuthnAuthentication proves the user holds a registered
	// passkey (step-up; ours, Logto has no such route).
	RecordWebAuthnAuthentication RecordType = "WebAuthnAuthentication"
)

// VerificationRecord is the server-side state of one verification: a password
// check, a code sent to an address, a social sign-in, a WebAuthn ceremony. It
// lives in the store so that a verification started on one replica can finish
// on another.
//
// The type-specific members are typed: Identifier and TemplateType for code
// and password records, Social, WebAuthn, FactorID for the others.
type VerificationRecord struct {
	ID   string
	Type RecordType
	// UserID is the user the record is bound to ("" when unbound). Logto binds
	// password records, code records for the user's own identifier and WebAuthn
	// records; records proving a new identifier are unbound.
	UserID string
	// CreatedBy is the user whose token created the record. The library uses it
	// to let only that user use a record proving a new identifier.
	CreatedBy string
	CreatedAt time.Time
	ExpiresAt time.Time
	// Version is maintained by the store: 1 after CreateVerificationRecord,
	// incremented by each UpdateVerificationRecord, which refuses a stale one.
	Version int64

	// Verified is set once the proof succeeded (code matched, password
	// checked, social callback verified, attestation verified).
	Verified bool
	// Identifier is what the record is about: the user id of a password
	// record, the address of a code record.
	Identifier *Identifier
	// TemplateType is the message template of a code record.
	TemplateType TemplateType

	Social   *SocialVerification
	WebAuthn *WebAuthnVerification
	// FactorID is the MFA factor a step-up record was verified with.
	FactorID string
}

// IdentifierType is the kind of an [Identifier].
type IdentifierType string

// The identifier types.
const (
	IdentifierUserID IdentifierType = "userId"
	IdentifierEmail  IdentifierType = "email"
	IdentifierPhone  IdentifierType = "phone"
)

// Identifier names a user or an address.
type Identifier struct {
	Type  IdentifierType `json:"type"`
	Value string         `json:"value"`
}

// TemplateType is the message template a verification code is sent with
// (connector-kit's TemplateType).
type TemplateType string

// The template types.
const (
	TemplateSignIn                 TemplateType = "SignIn"
	TemplateRegister               TemplateType = "Register"
	TemplateForgotPassword         TemplateType = "ForgotPassword"
	TemplateOrganizationInvitation TemplateType = "OrganizationInvitation"
	TemplateGeneric                TemplateType = "Generic"
	TemplateUserPermission         TemplateType = "UserPermissionValidation"
	TemplateBindNewIdentifier      TemplateType = "BindNewIdentifier"
	TemplateMFAVerification        TemplateType = "MfaVerification"
	TemplateBindMFA                TemplateType = "BindMfa"
)

// SocialVerification is the state of a social verification record.
type SocialVerification struct {
	ConnectorID string `json:"connectorId"`
	// Session is what the connector asked to keep between building the
	// authorization URI and verifying the callback (state, redirect URI,
	// nonce, PKCE verifier, …).
	Session map[string]string `json:"session,omitempty"`
	// UserInfo is set once the callback verified.
	UserInfo *SocialUserInfo `json:"userInfo,omitempty"`
}

// SocialUserInfo is what a social connector learned about the user.
type SocialUserInfo struct {
	ID     string `json:"id"`
	Email  string `json:"email,omitempty"`
	Phone  string `json:"phone,omitempty"`
	Name   string `json:"name,omitempty"`
	Avatar string `json:"avatar,omitempty"`
	// RawData is the provider's own claims, free-form.
	RawData map[string]any `json:"rawData,omitempty"`
}

// WebAuthnVerification is the state of a WebAuthn ceremony: the session data
// the relying party keeps between the options and the response, and the
// result.
type WebAuthnVerification struct {
	// Challenge is the base64url challenge; "" once a response consumed it.
	Challenge string `json:"challenge,omitempty"`
	RPID      string `json:"rpId"`
	// UserHandle is the WebAuthn user handle (user.id of the options).
	UserHandle []byte `json:"userHandle,omitempty"`
	// AllowedCredentialIDs restricts an authentication ceremony.
	AllowedCredentialIDs [][]byte `json:"allowedCredentialIds,omitempty"`
	// UserVerification is "required", "preferred" or "discouraged".
	UserVerification string `json:"userVerification,omitempty"`
	// Credential is the registered credential once a registration verified.
	Credential *WebAuthnCredential `json:"credential,omitempty"`
}

// VerificationCode is a one-time code sent to an email address or a phone
// number for a verification record.
type VerificationCode struct {
	ID string
	// RecordID is the verification record the code proves.
	RecordID     string
	TemplateType TemplateType
	// Destination is the address the code was sent to, as sent.
	Destination Identifier
	Code        string
	// TryCount counts attempts; see [VerificationCodes.IncrementCodeTries].
	TryCount  int
	Consumed  bool
	CreatedAt time.Time
}
