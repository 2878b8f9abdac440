package account

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/accountapi/accountapi/store"
)

// Export is the document of GET /api/my-account/export (ours;
// docs/compatibility.md, "Data export"): everything the library stores about a
// user, for a personal data access request (GDPR art. 15, art. 20), as JSON.
// Times are Unix milliseconds, as in the rest of the API; absent values are
// null.
//
// It holds no secret and nothing a secret could be recovered from: no
// password digest (its presence and algorithm only), no TOTP secret, no
// backup code (counts only), no token hash and no passkey public key (key
// material of no meaning to a person; the credential id, which names the
// passkey in the user's authenticator, is shown). Verification records and
// their one-time codes are left out too: they live ten minutes, and a code
// is a secret. The lockout and send-rate counters are not the user's rows:
// they are keyed by a hash of an identifier or by an address, and expire
// with their window.
type Export struct {
	// ExportedAt is when the document was made.
	ExportedAt int64 `json:"exportedAt"`
	// User is the user as the Management API shows it: identifiers,
	// name, avatar, profile, custom data, social identities with the
	// details their providers gave, the application the user signed up
	// through, suspension, and the creation, update and last sign-in times.
	User UserData `json:"user"`
	// Password says whether the user has a password and how it is stored.
	Password ExportPassword `json:"password"`
	// LogtoConfig is the user's MFA and passkey sign-in flags.
	LogtoConfig store.LogtoConfig `json:"logtoConfig"`
	// MFAFactors are the user's factors, oldest first.
	MFAFactors []ExportFactor `json:"mfaFactors"`
	// PersonalAccessTokens are the user's tokens, oldest first.
	PersonalAccessTokens []ExportToken `json:"personalAccessTokens"`
}

// ExportPassword describes the user's password without its digest.
type ExportPassword struct {
	// Set reports whether the user has a password.
	Set bool `json:"set"`
	// Algorithm is the function the digest was made with (e.g.
	// "Argon2id"); null without a password.
	Algorithm *string `json:"algorithm"`
	// UpdatedAt is when the password was last set; null if never recorded.
	UpdatedAt *int64 `json:"updatedAt"`
	// Expired reports whether the password must be changed.
	Expired bool `json:"expired"`
}

// ExportFactor is one MFA factor without its secret.
type ExportFactor struct {
	ID         string           `json:"id"`
	Type       store.FactorType `json:"type"`
	CreatedAt  int64            `json:"createdAt"`
	LastUsedAt *int64           `json:"lastUsedAt"`
	// WebAuthn is a passkey's metadata; WebAuthn factors only.
	WebAuthn *ExportPasskey `json:"webAuthn,omitempty"`
	// BackupCodes counts a backup-code set's codes; BackupCode factors only.
	BackupCodes *ExportBackupCodes `json:"backupCodes,omitempty"`
}

// ExportPasskey is what the library keeps of a passkey besides its public
// key.
type ExportPasskey struct {
	// Name is the user's label; null if never named.
	Name *string `json:"name"`
	// Agent is the User-Agent of the browser that registered it.
	Agent string `json:"agent"`
	// RPID is the relying-party id the passkey is scoped to.
	RPID string `json:"rpId"`
	// CredentialID is the credential id, base64url without padding.
	CredentialID string `json:"credentialId"`
	// Transports are the authenticator's transports.
	Transports []string `json:"transports"`
	// AAGUID names the authenticator model, as a UUID (all zeros when the
	// authenticator did not say).
	AAGUID string `json:"aaguid"`
	// AttestationType is the attestation format given at registration.
	AttestationType string `json:"attestationType"`
	// SignCount is the authenticator's signature counter as last seen.
	SignCount uint32 `json:"signCount"`
	// BackupEligible and BackupState are the authenticator's BE and BS
	// flags (WebAuthn L3 §6.1): whether the passkey can be synced, and is.
	BackupEligible bool `json:"backupEligible"`
	BackupState    bool `json:"backupState"`
}

// ExportBackupCodes counts a backup-code set's codes; the codes themselves
// are never exported.
type ExportBackupCodes struct {
	Used   int `json:"used"`
	Unused int `json:"unused"`
}

// ExportToken is a personal access token without its value or hash.
type ExportToken struct {
	Name      string `json:"name"`
	CreatedAt int64  `json:"createdAt"`
	// ExpiresAt is null for a token that never expires.
	ExpiresAt *int64 `json:"expiresAt"`
}

// Export applies GET /api/my-account/export (ours): the caller's [Export].
// In order: 401 verification_record.permission_denied without identity proof
// in logto-verification-id, then 403 auth.third_party_application_forbidden
// for a third-party client. No account-center field governs it — a user's
// right to their data does not depend on what the account center lets them
// edit — and no scope beyond openid: the proof is the stronger gate, and
// the document is the user's whole record, not a view filtered by scopes.
func (s *Service) Export(ctx context.Context, c Caller) (*Export, error) {
	if err := RequireIdentity(ctx, s.store, s.now(), c); err != nil {
		return nil, err
	}
	if err := s.checkFirstParty(ctx, c); err != nil {
		return nil, err
	}
	u, err := getUser(ctx, s.store, c.UserID)
	if err != nil {
		return nil, err
	}
	factors, err := s.store.ListMFAFactors(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("account: listing factors: %w", err)
	}
	tokens, err := s.store.ListPersonalAccessTokens(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("account: listing personal access tokens: %w", err)
	}
	x := &Export{
		ExportedAt:           s.now().UnixMilli(),
		User:                 Snapshot(u),
		Password:             ExportPassword{Set: u.HasPassword(), UpdatedAt: Millis(u.PasswordUpdatedAt), Expired: u.IsPasswordExpired},
		LogtoConfig:          u.LogtoConfig,
		MFAFactors:           make([]ExportFactor, 0, len(factors)),
		PersonalAccessTokens: make([]ExportToken, 0, len(tokens)),
	}
	if u.HasPassword() {
		alg := string(u.PasswordAlgorithm)
		x.Password.Algorithm = &alg
	}
	for _, f := range factors {
		x.MFAFactors = append(x.MFAFactors, exportFactor(f))
	}
	for _, t := range tokens {
		x.PersonalAccessTokens = append(x.PersonalAccessTokens, ExportToken{
			Name: t.Name, CreatedAt: t.CreatedAt.UnixMilli(), ExpiresAt: Millis(t.ExpiresAt),
		})
	}
	return x, nil
}

// exportFactor is f without its secret: the type, the times and, for a
// passkey, its metadata; for backup codes, how many are used.
func exportFactor(f store.MFAFactor) ExportFactor {
	x := ExportFactor{ID: f.ID, Type: f.Type, CreatedAt: f.CreatedAt.UnixMilli(), LastUsedAt: Millis(f.LastUsedAt)}
	switch {
	case f.Type == store.FactorWebAuthn && f.WebAuthn != nil:
		w := f.WebAuthn
		p := &ExportPasskey{
			Agent: w.Agent, RPID: w.RPID, CredentialID: base64.RawURLEncoding.EncodeToString(w.CredentialID),
			Transports: slices.Clone(w.Transports), AAGUID: uuidString(w.AAGUID),
			AttestationType: w.AttestationType, SignCount: w.SignCount,
			BackupEligible: w.BackupEligible, BackupState: w.BackupState,
		}
		if p.Transports == nil {
			p.Transports = []string{}
		}
		if w.Name != nil {
			n := *w.Name
			p.Name = &n
		}
		x.WebAuthn = p
	case f.Type == store.FactorBackupCode:
		counts := &ExportBackupCodes{}
		for _, c := range f.BackupCodes {
			if c.UsedAt.IsZero() {
				counts.Unused++
			} else {
				counts.Used++
			}
		}
		x.BackupCodes = counts
	}
	return x
}

// uuidString spells a 16-byte AAGUID as a UUID (RFC 9562), the form
// authenticator metadata uses; other lengths as hex, none as all zeros.
func uuidString(b []byte) string {
	if len(b) == 0 {
		b = make([]byte, 16)
	}
	if len(b) != 16 {
		return hex.EncodeToString(b)
	}
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
