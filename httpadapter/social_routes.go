package httpadapter

import (
	"context"
	"net/http"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/verification"
)

// socialRoutes registers the social verification routes
// (/api/verifications/social…) and the identity routes
// (/api/my-account/identities…).
func (h *AccountHandler) socialRoutes() {
	h.handle("POST /api/verifications/social", h.postVerificationSocial)
	h.handle("POST /api/verifications/social/verify", h.postVerificationSocialVerify)
	h.handle("POST /api/my-account/identities", h.postIdentity)
	h.handle("PUT /api/my-account/identities", h.putIdentity)
	h.handle("DELETE /api/my-account/identities/{target}", h.deleteIdentity)
}

// socialBody is the answer of POST /api/verifications/social.
type socialBody struct {
	VerificationRecordID string `json:"verificationRecordId"`
	AuthorizationURI     string `json:"authorizationUri"`
	ExpiresAt            string `json:"expiresAt"`
}

func (h *AccountHandler) postVerificationSocial(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	var body struct {
		ConnectorID string `json:"connectorId"`
		State       string `json:"state"`
		RedirectURI string `json:"redirectUri"`
		Scope       string `json:"scope"`
	}
	if err := h.dec.decode(w, r, &body, required("connectorId", "state", "redirectUri")); err != nil {
		return err
	}
	a, err := h.verification.BeginSocial(r.Context(), c, verification.SocialRequest{
		ConnectorID: body.ConnectorID, State: body.State, RedirectURI: body.RedirectURI, Scope: body.Scope,
	})
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusCreated, socialBody{a.Record.ID, a.AuthorizationURI, isoTime(a.Record.ExpiresAt)})
	return nil
}

func (h *AccountHandler) postVerificationSocialVerify(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	var body struct {
		RecordID string `json:"verificationRecordId"`
		// ConnectorData is the provider's callback parameters, passed to
		// the connector as they came (numbers as json.Number).
		ConnectorData map[string]any `json:"connectorData"`
	}
	if err := h.dec.decode(w, r, &body, required("verificationRecordId", "connectorData")); err != nil {
		return err
	}
	rec, err := h.verification.FinishSocial(r.Context(), c, body.RecordID, body.ConnectorData)
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, recordBody{VerificationRecordID: rec.ID})
	return nil
}

func (h *AccountHandler) postIdentity(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	return h.bindIdentity(w, r, c, h.account.LinkIdentity)
}

func (h *AccountHandler) putIdentity(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	return h.bindIdentity(w, r, c, h.account.ReplaceIdentity)
}

// bindIdentity serves POST and PUT /api/my-account/identities, which share
// their body and differ only in the use case.
func (h *AccountHandler) bindIdentity(w http.ResponseWriter, r *http.Request, c account.Caller,
	bind func(ctx context.Context, c account.Caller, recordID string) error) error {
	var body struct {
		RecordID string `json:"newIdentifierVerificationRecordId"`
	}
	if err := h.dec.decode(w, r, &body, required("newIdentifierVerificationRecordId")); err != nil {
		return err
	}
	if err := bind(r.Context(), c, body.RecordID); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (h *AccountHandler) deleteIdentity(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	if err := h.account.UnlinkIdentity(r.Context(), c, r.PathValue("target")); err != nil {
		return err
	}
	noContent(w)
	return nil
}
