package store

import "time"

// FactorType is the kind of an MFA factor, with Logto's spelling.
type FactorType string

// The MFA factor types the library binds.
const (
	FactorTOTP       FactorType = "Totp"
	FactorWebAuthn   FactorType = "WebAuthn"
	FactorBackupCode FactorType = "BackupCode"
)

// MFAFactor is one MFA factor of a user. Exactly one of TOTP, WebAuthn and
// BackupCodes is set, according to Type.
type MFAFactor struct {
	ID         string
	UserID     string
	Type       FactorType
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never used

	TOTP        *TOTP
	WebAuthn    *WebAuthnCredential
	BackupCodes []BackupCode
}

// TOTP is an RFC 6238 authenticator-app factor.
type TOTP struct {
	// Secret is the shared secret as the use case stores it: base32, or
	// sealed with the host's key when secrets are encrypted at rest. The
	// store treats it as opaque.
	Secret string
	// LastUsedStep is the last RFC 6238 time step whose code was accepted
	// (0: none). A code is never accepted twice for the same step
	// (RFC 6238 §5.2); see [MFAFactors.UseTOTPStep].
	LastUsedStep int64
}

// WebAuthnCredential is a passkey or security key registered with WebAuthn.
type WebAuthnCredential struct {
	// RPID is the relying-party id the credential is scoped to.
	RPID string
	// CredentialID is the raw credential id; unique across users.
	CredentialID []byte
	// PublicKey is the COSE-encoded credential public key.
	PublicKey []byte
	// SignCount is the authenticator's signature counter as last seen.
	SignCount uint32
	// Transports lists the authenticator's transports ("usb", "internal", …).
	Transports []string
	// AAGUID identifies the authenticator model (16 bytes, may be zero).
	AAGUID []byte
	// AttestationType is the attestation format used at registration.
	AttestationType string
	// Agent is the User-Agent of the registering browser ("" if absent).
	Agent string
	// Name is the user's label; nil until the user names it ("" is a name).
	Name *string
	// BackupEligible and BackupState are the authenticator data's BE and BS
	// flags (WebAuthn L3 §6.1): whether the credential can be synced, and is.
	BackupEligible bool
	BackupState    bool
}

// BackupCode is one single-use code of a backup-code factor.
type BackupCode struct {
	// Code is the code as the use case stores it: plain, or sealed with the
	// host's key when secrets are encrypted at rest. Opaque to the store.
	Code   string
	UsedAt time.Time // zero: unused
}
