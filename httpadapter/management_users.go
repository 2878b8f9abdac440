package httpadapter

import (
	"encoding/json"
	"net/http"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/bearer"
	"github.com/accountapi/accountapi/store"
)

// userRoutes registers the Management API's routes on a user's row
// (docs/compatibility.md, "Management API routes"): update, delete, profile,
// custom data, suspension and password.
func (h *ManagementHandler) userRoutes() {
	h.handle("PATCH /api/users/{userId}", h.patchUser)
	h.handle("DELETE /api/users/{userId}", h.deleteUser)
	h.handle("PATCH /api/users/{userId}/profile", h.patchUserProfile)
	h.handle("GET /api/users/{userId}/custom-data", h.getCustomData)
	h.handle("PATCH /api/users/{userId}/custom-data", h.patchCustomData)
	h.handle("PATCH /api/users/{userId}/is-suspended", h.patchIsSuspended)
	h.handle("POST /api/users/{userId}/password/verify", h.postPasswordVerify)
	h.handle("PATCH /api/users/{userId}/password", h.patchUserPassword)
	h.handle("GET /api/users/{userId}/has-password", h.getHasPassword)
}

func (h *ManagementHandler) userBody(w http.ResponseWriter, u *store.User) {
	h.rt.rs.json(w, http.StatusOK, userJSON{UserData: account.Snapshot(u)})
}

func (h *ManagementHandler) patchUser(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	var body struct {
		Username     account.Optional[*string]        `json:"username"`
		PrimaryEmail account.Optional[*string]        `json:"primaryEmail"`
		PrimaryPhone account.Optional[*string]        `json:"primaryPhone"`
		Name         account.Optional[*string]        `json:"name"`
		Avatar       account.Optional[*string]        `json:"avatar"`
		CustomData   account.Optional[map[string]any] `json:"customData"`
		Profile      json.RawMessage                  `json:"profile"`
	}
	if err := h.dec.decode(w, r, &body, nullable("username", "primaryEmail", "primaryPhone", "name", "avatar")); err != nil {
		return err
	}
	p := account.UserPatch{
		Username: body.Username, PrimaryEmail: body.PrimaryEmail, PrimaryPhone: body.PrimaryPhone,
		Name: body.Name, Avatar: body.Avatar, CustomData: body.CustomData,
	}
	if body.Profile != nil {
		profile, err := parseProfile("profile", body.Profile)
		if err != nil {
			return err
		}
		p.Profile = account.Some(profile)
	}
	u, err := h.admin.UpdateUser(r.Context(), r.PathValue("userId"), p)
	if err != nil {
		return err
	}
	h.userBody(w, u)
	return nil
}

// parseProfile decodes a profile object as Logto's userProfileGuard does:
// every claim optional, none null, unknown members ignored.
func parseProfile(member string, raw json.RawMessage) (store.Profile, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil || members == nil {
		return store.Profile{}, invalidBody(member + ": expected object")
	}
	for name, v := range members {
		if string(v) == "null" {
			return store.Profile{}, invalidBody(member + "." + name + ": must not be null")
		}
	}
	if addr, ok := members["address"]; ok {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(addr, &fields); err != nil || fields == nil {
			return store.Profile{}, invalidBody(member + ".address: expected object")
		}
		for name, v := range fields {
			if string(v) == "null" {
				return store.Profile{}, invalidBody(member + ".address." + name + ": must not be null")
			}
		}
	}
	var p store.Profile
	if err := json.Unmarshal(raw, &p); err != nil {
		return store.Profile{}, invalidBody(member + "." + describeJSONError(err))
	}
	return p, nil
}

func (h *ManagementHandler) deleteUser(w http.ResponseWriter, r *http.Request, p bearer.Principal) error {
	if err := h.admin.DeleteUser(r.Context(), p.UserID, r.PathValue("userId")); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (h *ManagementHandler) patchUserProfile(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	var body struct {
		Profile json.RawMessage `json:"profile"`
	}
	if err := h.dec.decode(w, r, &body, required("profile")); err != nil {
		return err
	}
	p, err := parseProfile("profile", body.Profile)
	if err != nil {
		return err
	}
	merged, err := h.admin.UpdateProfile(r.Context(), r.PathValue("userId"), p)
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, merged)
	return nil
}

func (h *ManagementHandler) getCustomData(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	data, err := h.admin.CustomData(r.Context(), r.PathValue("userId"))
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, data)
	return nil
}

func (h *ManagementHandler) patchCustomData(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	var body struct {
		CustomData map[string]any `json:"customData"`
	}
	if err := h.dec.decode(w, r, &body, required("customData")); err != nil {
		return err
	}
	data, err := h.admin.UpdateCustomData(r.Context(), r.PathValue("userId"), body.CustomData)
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, data)
	return nil
}

func (h *ManagementHandler) patchIsSuspended(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	var body struct {
		IsSuspended bool `json:"isSuspended"`
	}
	if err := h.dec.decode(w, r, &body, required("isSuspended")); err != nil {
		return err
	}
	u, err := h.admin.SetSuspended(r.Context(), r.PathValue("userId"), body.IsSuspended)
	if err != nil {
		return err
	}
	h.userBody(w, u)
	return nil
}

// passwordBody is the body of the password routes.
type passwordBody struct {
	Password string `json:"password"`
}

func (h *ManagementHandler) postPasswordVerify(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	var body passwordBody
	if err := h.dec.decode(w, r, &body, required("password")); err != nil {
		return err
	}
	if err := h.admin.VerifyPassword(r.Context(), r.PathValue("userId"), body.Password); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (h *ManagementHandler) patchUserPassword(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	var body passwordBody
	if err := h.dec.decode(w, r, &body, required("password")); err != nil {
		return err
	}
	u, err := h.admin.SetPassword(r.Context(), r.PathValue("userId"), body.Password)
	if err != nil {
		return err
	}
	h.userBody(w, u)
	return nil
}

func (h *ManagementHandler) getHasPassword(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	has, err := h.admin.HasPassword(r.Context(), r.PathValue("userId"))
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, struct {
		HasPassword bool `json:"hasPassword"`
	}{has})
	return nil
}
