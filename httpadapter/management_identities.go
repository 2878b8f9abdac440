package httpadapter

import (
	"net/http"

	"github.com/accountapi/accountapi/bearer"
	"github.com/accountapi/accountapi/store"
)

// identityRoutes registers the Management API's social identity routes and the
// connectors' authorization URIs (docs/compatibility.md, "Management API
// routes").
func (h *ManagementHandler) identityRoutes() {
	h.handle("GET /api/users/{userId}/identities/{target}", h.getIdentity)
	h.handle("PUT /api/users/{userId}/identities/{target}", h.putIdentity)
	h.handle("DELETE /api/users/{userId}/identities/{target}", h.deleteIdentity)
	h.handle("POST /api/users/{userId}/identities", h.postIdentity)
	h.handle("POST /api/connectors/{connectorId}/authorization-uri", h.postAuthorizationURI)
}

// getIdentity answers {identity}. Logto adds tokenSecret when asked with
// ?includeTokenSecret=true and it stores the provider's tokens; this library
// stores none, so the parameter is accepted and changes nothing.
func (h *ManagementHandler) getIdentity(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	ident, err := h.admin.Identity(r.Context(), r.PathValue("userId"), r.PathValue("target"))
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, struct {
		Identity store.Identity `json:"identity"`
	}{ident})
	return nil
}

// putIdentity answers 201 when the target is new to the user and 200 when
// its identity was replaced, with the user's identities either way.
func (h *ManagementHandler) putIdentity(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	var body struct {
		UserID  string         `json:"userId"`
		Details map[string]any `json:"details"`
	}
	if err := h.dec.decode(w, r, &body, required("userId")); err != nil {
		return err
	}
	identities, created, err := h.admin.PutIdentity(r.Context(), r.PathValue("userId"), r.PathValue("target"),
		store.Identity{UserID: body.UserID, Details: body.Details})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	h.rt.rs.json(w, status, identities)
	return nil
}

func (h *ManagementHandler) postIdentity(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	var body struct {
		ConnectorID   string         `json:"connectorId"`
		ConnectorData map[string]any `json:"connectorData"`
	}
	if err := h.dec.decode(w, r, &body, required("connectorId", "connectorData")); err != nil {
		return err
	}
	identities, err := h.admin.LinkSocialIdentity(r.Context(), r.PathValue("userId"), body.ConnectorID, body.ConnectorData)
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, identities)
	return nil
}

func (h *ManagementHandler) deleteIdentity(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	u, err := h.admin.RemoveIdentity(r.Context(), r.PathValue("userId"), r.PathValue("target"))
	if err != nil {
		return err
	}
	h.userBody(w, u)
	return nil
}

// postAuthorizationURI answers {redirectTo}, the member Logto's route
// returns (its OpenAPI document calls it redirectUri; the code and its tests
// say redirectTo).
func (h *ManagementHandler) postAuthorizationURI(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	var body struct {
		State       string `json:"state"`
		RedirectURI string `json:"redirectUri"`
	}
	if err := h.dec.decode(w, r, &body, required("state", "redirectUri")); err != nil {
		return err
	}
	uri, err := h.admin.AuthorizationURI(r.Context(), r.PathValue("connectorId"), body.State, body.RedirectURI)
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, struct {
		RedirectTo string `json:"redirectTo"`
	}{uri})
	return nil
}
