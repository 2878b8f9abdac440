package httpadapter

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/bearer"
	"github.com/accountapi/accountapi/store"
)

// adminMFARoutes registers the Management API's MFA and logto-config routes
// (docs/compatibility.md, "Management API routes").
func (h *ManagementHandler) adminMFARoutes() {
	h.handle("GET /api/users/{userId}/mfa-verifications", h.getUserFactors)
	h.handle("POST /api/users/{userId}/mfa-verifications", h.postUserFactor)
	h.handle("DELETE /api/users/{userId}/mfa-verifications/{verificationId}", h.deleteUserFactor)
	h.handle("GET /api/users/{userId}/logto-configs", h.getUserLogtoConfigs)
	h.handle("PATCH /api/users/{userId}/logto-configs", h.patchUserLogtoConfigs)
}

func (h *ManagementHandler) getUserFactors(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	list, err := h.mfa.ListFactors(r.Context(), r.PathValue("userId"))
	if err != nil {
		return err
	}
	// The Account API's list shape (webauthn_routes.go): Logto uses one
	// transform for both APIs.
	out := make([]factorJSON, len(list))
	for i, s := range list {
		out[i] = newFactorJSON(s)
	}
	h.rt.rs.json(w, http.StatusOK, out)
	return nil
}

// postUserFactor reads the body's type, then the members of that type
// (Logto's discriminated union: another type's members are ignored). Only
// "Totp" and "BackupCode" are accepted; anything else, WebAuthn included, is
// a guard error.
func (h *ManagementHandler) postUserFactor(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	// The body is decoded twice, so it is read once within the cap and
	// replayed.
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.dec.max))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return apierror.PayloadTooLarge
		}
		return invalidBody("unreadable body")
	}
	replay := func() { r.Body = io.NopCloser(bytes.NewReader(data)) }
	var head struct {
		Type store.FactorType `json:"type"`
	}
	replay()
	if err := h.dec.decode(w, r, &head, required("type")); err != nil {
		return err
	}
	replay()
	userID := r.PathValue("userId")
	switch head.Type {
	case store.FactorTOTP:
		var body struct {
			Secret *string `json:"secret"`
		}
		if err := h.dec.decode(w, r, &body); err != nil {
			return err
		}
		s, err := h.mfa.CreateTOTP(r.Context(), userID, body.Secret, client(r))
		if err != nil {
			return err
		}
		h.rt.rs.json(w, http.StatusOK, struct {
			Type         string `json:"type"`
			Secret       string `json:"secret"`
			SecretQrCode string `json:"secretQrCode"`
		}{string(store.FactorTOTP), s.Secret, s.QRCode})
	case store.FactorBackupCode:
		var body struct {
			Codes *[]string `json:"codes"`
		}
		if err := h.dec.decode(w, r, &body); err != nil {
			return err
		}
		var codes []string
		if body.Codes != nil {
			// Sent, possibly empty: checked as sent, never generated.
			codes = append([]string{}, *body.Codes...)
		}
		codes, err := h.mfa.CreateBackupCodes(r.Context(), userID, codes)
		if err != nil {
			return err
		}
		h.rt.rs.json(w, http.StatusOK, struct {
			Type  string   `json:"type"`
			Codes []string `json:"codes"`
		}{string(store.FactorBackupCode), codes})
	default:
		return invalidBody("type: expected Totp or BackupCode")
	}
	return nil
}

func (h *ManagementHandler) deleteUserFactor(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	if err := h.mfa.DeleteFactor(r.Context(), r.PathValue("userId"), r.PathValue("verificationId")); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (h *ManagementHandler) getUserLogtoConfigs(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	lc, err := h.mfa.LogtoConfig(r.Context(), r.PathValue("userId"))
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, logtoConfigBody(lc))
	return nil
}

// patchUserLogtoConfigs takes {mfa?: {enabled?, skipped?, skipMfaOnSignIn?},
// passkeySignIn?: {skipped?}}; every member is optional, none may be null,
// other members are ignored (Logto's guard strips them).
func (h *ManagementHandler) patchUserLogtoConfigs(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	p, err := decodeLogtoConfigPatch(h.dec, w, r, false)
	if err != nil {
		return err
	}
	lc, err := h.mfa.UpdateLogtoConfig(r.Context(), r.PathValue("userId"), p)
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, logtoConfigBody(lc))
	return nil
}
