package httpadapter

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/mfa"
	"github.com/accountapi/accountapi/store"
)

// mfaRoutes registers the TOTP, backup-code, mfa-settings and logto-configs
// routes and the TOTP and backup-code step-up routes.
func (h *AccountHandler) mfaRoutes() {
	h.handle("POST /api/my-account/mfa-verifications", h.postMFAVerification)
	h.handle("PUT /api/my-account/mfa-verifications/totp", h.putTOTP)
	h.handle("POST /api/my-account/mfa-verifications/totp-secret/generate", h.postTOTPSecret)
	h.handle("POST /api/my-account/mfa-verifications/backup-codes/generate", h.postBackupCodesGenerate)
	h.handle("GET /api/my-account/mfa-verifications/backup-codes", h.getBackupCodes)

	h.handle("GET /api/my-account/mfa-settings", h.getMFASettings)
	h.handle("PATCH /api/my-account/mfa-settings", h.patchMFASettings)
	h.handle("GET /api/my-account/logto-configs", h.getLogtoConfigs)
	h.handle("PATCH /api/my-account/logto-configs", h.patchLogtoConfigs)

	h.handle("POST /api/verifications/totp/verify", h.postTOTPVerify)
	h.handle("POST /api/verifications/backup-code/verify", h.postBackupCodeVerify)
}

// postMFAVerification serves POST /api/my-account/mfa-verifications
// (docs/compatibility.md, "Order of checks" and "MFA factors"): it reads the
// body's type and binds a factor of that type, with the members that type
// needs (Logto's discriminated union). A type other than "Totp", "BackupCode"
// and "WebAuthn", spelled so, is a guard error, as in Logto. The route serves
// all three types, so it is registered here, not with the WebAuthn routes.
func (h *AccountHandler) postMFAVerification(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	// The body is decoded twice, its type first, so it is read once within
	// the size cap and replayed.
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.dec.max))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return apierror.PayloadTooLarge
		}
		return invalidBody("unreadable body")
	}
	var head struct {
		Type store.FactorType `json:"type"`
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	if err := h.dec.decode(w, r, &head, required("type")); err != nil {
		return err
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	switch head.Type {
	case store.FactorTOTP:
		var body struct {
			Secret string `json:"secret"`
			Code   string `json:"code"`
		}
		if err := h.dec.decode(w, r, &body, required("secret")); err != nil {
			return err
		}
		if err := h.mfa.BindTOTP(r.Context(), c, body.Secret, body.Code); err != nil {
			return err
		}
	case store.FactorBackupCode:
		var body struct {
			Codes []string `json:"codes"`
		}
		if err := h.dec.decode(w, r, &body, required("codes")); err != nil {
			return err
		}
		if err := h.mfa.BindBackupCodes(r.Context(), c, body.Codes); err != nil {
			return err
		}
	case store.FactorWebAuthn:
		var body struct {
			RecordID string  `json:"newIdentifierVerificationRecordId"`
			Name     *string `json:"name"`
		}
		if err := h.dec.decode(w, r, &body, required("newIdentifierVerificationRecordId")); err != nil {
			return err
		}
		if err := h.mfa.BindWebAuthn(r.Context(), c, body.RecordID, body.Name); err != nil {
			return err
		}
	default:
		return invalidBody("type: expected one of WebAuthn, Totp, BackupCode")
	}
	noContent(w)
	return nil
}

func (h *AccountHandler) putTOTP(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	var body struct {
		Secret string `json:"secret"`
		Code   string `json:"code"`
	}
	if err := h.dec.decode(w, r, &body, required("secret", "code")); err != nil {
		return err
	}
	if err := h.mfa.ReplaceTOTP(r.Context(), c, body.Secret, body.Code); err != nil {
		return err
	}
	noContent(w)
	return nil
}

// totpSecretJSON is the body of POST …/totp-secret/generate: Logto's
// {secret}, plus the otpauth URI and its QR code (ours).
type totpSecretJSON struct {
	Secret       string `json:"secret"`
	SecretQrCode string `json:"secretQrCode"`
	KeyURI       string `json:"keyUri"`
}

func (h *AccountHandler) postTOTPSecret(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	s, err := h.mfa.GenerateTOTPSecret(r.Context(), c, client(r))
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, totpSecretJSON{Secret: s.Secret, SecretQrCode: s.QRCode, KeyURI: s.KeyURI})
	return nil
}

func (h *AccountHandler) postBackupCodesGenerate(w http.ResponseWriter, r *http.Request, _ account.Caller) error {
	codes, err := h.mfa.GenerateBackupCodes(r.Context())
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, struct {
		Codes []string `json:"codes"`
	}{codes})
	return nil
}

// backupCodeJSON is one code of GET …/backup-codes; usedAt is absent while
// the code is unused.
type backupCodeJSON struct {
	Code   string `json:"code"`
	UsedAt string `json:"usedAt,omitempty"`
}

func (h *AccountHandler) getBackupCodes(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	codes, err := h.mfa.BackupCodes(r.Context(), c)
	if err != nil {
		return err
	}
	out := make([]backupCodeJSON, len(codes))
	for i, bc := range codes {
		out[i].Code = bc.Code
		if !bc.UsedAt.IsZero() {
			out[i].UsedAt = isoTime(bc.UsedAt)
		}
	}
	h.rt.rs.json(w, http.StatusOK, struct {
		Codes []backupCodeJSON `json:"codes"`
	}{out})
	return nil
}

// mfaSettingsJSON is the body of GET and PATCH /api/my-account/mfa-settings.
type mfaSettingsJSON struct {
	SkipMfaOnSignIn bool `json:"skipMfaOnSignIn"`
}

func (h *AccountHandler) getMFASettings(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	s, err := h.mfa.MFASettings(r.Context(), c)
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, mfaSettingsJSON{s.SkipMfaOnSignIn})
	return nil
}

func (h *AccountHandler) patchMFASettings(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	var body mfaSettingsJSON
	if err := h.dec.decode(w, r, &body, required("skipMfaOnSignIn")); err != nil {
		return err
	}
	s, err := h.mfa.UpdateMFASettings(r.Context(), c, body.SkipMfaOnSignIn)
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, mfaSettingsJSON{s.SkipMfaOnSignIn})
	return nil
}

// logtoConfigJSON is the body of GET and PATCH /api/my-account/logto-configs
// (docs/compatibility.md, "MFA settings and logto-configs"): mfa.enabled is
// absent until it was first set.
type logtoConfigJSON struct {
	MFA struct {
		Enabled         *bool `json:"enabled,omitempty"`
		Skipped         bool  `json:"skipped"`
		SkipMfaOnSignIn bool  `json:"skipMfaOnSignIn"`
	} `json:"mfa"`
	PasskeySignIn struct {
		Skipped bool `json:"skipped"`
	} `json:"passkeySignIn"`
}

func logtoConfigBody(lc store.LogtoConfig) logtoConfigJSON {
	var out logtoConfigJSON
	out.MFA.Enabled = lc.MFA.Enabled
	out.MFA.Skipped = lc.MFA.Skipped
	out.MFA.SkipMfaOnSignIn = lc.MFA.SkipMfaOnSignIn
	out.PasskeySignIn.Skipped = lc.PasskeySignIn.Skipped
	return out
}

func (h *AccountHandler) getLogtoConfigs(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	lc, err := h.mfa.LogtoConfig(r.Context(), c)
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, logtoConfigBody(lc))
	return nil
}

func (h *AccountHandler) patchLogtoConfigs(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	p, err := decodeLogtoConfigPatch(h.dec, w, r, true)
	if err != nil {
		return err
	}
	lc, err := h.mfa.UpdateLogtoConfig(r.Context(), c, p)
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, logtoConfigBody(lc))
	return nil
}

// decodeLogtoConfigPatch reads the body of PATCH /api/my-account/logto-configs
// and PATCH /api/users/{userId}/logto-configs: {mfa?: {enabled?, skipped?,
// additionalBindingSuggestionSkipped?, skipMfaOnSignIn?}, passkeySignIn?:
// {skipped?}}. Every member is optional and none may be null (Logto's zod
// .optional()); Optional tells an absent member from a null one. Other
// members are ignored, as Logto's guards strip them, and so is
// mfa.additionalBindingSuggestionSkipped unless withSuggestion (the
// Management API's guard lacks it).
func decodeLogtoConfigPatch(d decoder, w http.ResponseWriter, r *http.Request, withSuggestion bool) (mfa.LogtoConfigPatch, error) {
	var body struct {
		MFA *struct {
			Enabled                            account.Optional[bool] `json:"enabled"`
			Skipped                            account.Optional[bool] `json:"skipped"`
			AdditionalBindingSuggestionSkipped account.Optional[bool] `json:"additionalBindingSuggestionSkipped"`
			SkipMfaOnSignIn                    account.Optional[bool] `json:"skipMfaOnSignIn"`
		} `json:"mfa"`
		PasskeySignIn *struct {
			Skipped account.Optional[bool] `json:"skipped"`
		} `json:"passkeySignIn"`
	}
	var p mfa.LogtoConfigPatch
	if err := d.decode(w, r, &body); err != nil {
		return p, err
	}
	type member struct {
		name string
		in   account.Optional[bool]
		out  **bool
	}
	var members []member
	if m := body.MFA; m != nil {
		members = append(members,
			member{"mfa.enabled", m.Enabled, &p.MFA.Enabled},
			member{"mfa.skipped", m.Skipped, &p.MFA.Skipped},
			member{"mfa.skipMfaOnSignIn", m.SkipMfaOnSignIn, &p.MFA.SkipMfaOnSignIn})
		if withSuggestion {
			members = append(members, member{"mfa.additionalBindingSuggestionSkipped",
				m.AdditionalBindingSuggestionSkipped, &p.MFA.AdditionalBindingSuggestionSkipped})
		}
	}
	if ps := body.PasskeySignIn; ps != nil {
		members = append(members, member{"passkeySignIn.skipped", ps.Skipped, &p.PasskeySignIn.Skipped})
	}
	for _, m := range members {
		if !m.in.Set {
			continue
		}
		if m.in.Null {
			return p, invalidBody(m.name + ": must not be null")
		}
		v := m.in.Value
		*m.out = &v
	}
	return p, nil
}

// stepUpBody is the body of the TOTP and backup-code step-up routes.
type stepUpBody struct {
	Code string `json:"code"`
}

func (h *AccountHandler) postTOTPVerify(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	var body stepUpBody
	if err := h.dec.decode(w, r, &body, required("code")); err != nil {
		return err
	}
	rec, err := h.mfa.VerifyTOTP(r.Context(), c, body.Code)
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusCreated, recordBody{rec.ID, isoTime(rec.ExpiresAt)})
	return nil
}

func (h *AccountHandler) postBackupCodeVerify(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	var body stepUpBody
	if err := h.dec.decode(w, r, &body, required("code")); err != nil {
		return err
	}
	rec, err := h.mfa.VerifyBackupCode(r.Context(), c, body.Code)
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusCreated, recordBody{rec.ID, isoTime(rec.ExpiresAt)})
	return nil
}
