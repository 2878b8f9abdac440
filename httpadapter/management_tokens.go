package httpadapter

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"time"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/bearer"
)

// tokenRoutes registers the personal access token routes
// (docs/compatibility.md, "Management API routes"), the body-based ones and
// their legacy path-based twins.
func (h *ManagementHandler) tokenRoutes() {
	h.handle("GET /api/users/{userId}/personal-access-tokens", h.getTokens)
	h.handle("POST /api/users/{userId}/personal-access-tokens", h.postToken)
	h.handle("PATCH /api/users/{userId}/personal-access-tokens", h.patchToken)
	h.handle("PATCH /api/users/{userId}/personal-access-tokens/{name}", h.patchTokenByPath)
	h.handle("POST /api/users/{userId}/personal-access-tokens/delete", h.postTokenDelete)
	h.handle("DELETE /api/users/{userId}/personal-access-tokens/{name}", h.deleteTokenByPath)
}

// tokenJSON is a personal access token as Logto's routes show it, with
// timestamps in Unix milliseconds.
//
// Deviation from Logto: value is present only in the answer to the token's
// creation. Logto stores token values as they are and shows them again in
// every listing and rename; this library stores their SHA-256
// (docs/compatibility.md, "Personal access tokens are stored hashed"), so
// nobody who reads the database or a management token can recover a user's
// tokens. A client that needs the value must keep the creation response.
type tokenJSON struct {
	TenantID  string `json:"tenantId"`
	UserID    string `json:"userId"`
	Name      string `json:"name"`
	Value     string `json:"value,omitempty"`
	CreatedAt int64  `json:"createdAt"`
	ExpiresAt *int64 `json:"expiresAt"`
}

func tokenBody(t account.PersonalAccessToken) tokenJSON {
	return tokenJSON{
		TenantID: "default", UserID: t.UserID, Name: t.Name, Value: t.Value,
		CreatedAt: t.CreatedAt.UnixMilli(), ExpiresAt: account.Millis(t.ExpiresAt),
	}
}

func (h *ManagementHandler) getTokens(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	list, err := h.admin.PersonalAccessTokens(r.Context(), r.PathValue("userId"))
	if err != nil {
		return err
	}
	out := make([]tokenJSON, len(list))
	for i, t := range list {
		out[i] = tokenBody(t)
	}
	h.rt.rs.json(w, http.StatusOK, out)
	return nil
}

func (h *ManagementHandler) postToken(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	var body struct {
		Name      string          `json:"name"`
		ExpiresAt json.RawMessage `json:"expiresAt"`
	}
	if err := h.dec.decode(w, r, &body, required("name"), nullable("expiresAt")); err != nil {
		return err
	}
	expiresAt, err := parseMillis(body.ExpiresAt)
	if err != nil {
		return invalidBody("expiresAt: expected a number of milliseconds or null")
	}
	t, err := h.admin.CreatePersonalAccessToken(r.Context(), r.PathValue("userId"), body.Name, expiresAt)
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusCreated, tokenBody(*t))
	return nil
}

// parseMillis reads an optional JSON number of Unix milliseconds: absent and
// null are the zero time. A string is refused, even one of digits, as
// Logto's guard refuses it.
func parseMillis(raw json.RawMessage) (time.Time, error) {
	if raw == nil || string(raw) == "null" {
		return time.Time{}, nil
	}
	var n float64
	if raw[0] == '"' {
		return time.Time{}, errors.New("a string")
	}
	if err := json.Unmarshal(raw, &n); err != nil {
		return time.Time{}, err
	}
	if math.IsNaN(n) || n > math.MaxInt64/2 || n < math.MinInt64/2 {
		return time.Time{}, errors.New("out of range")
	}
	return time.UnixMilli(int64(n)), nil
}

func (h *ManagementHandler) patchToken(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	var body struct {
		Name        string  `json:"name"`
		CurrentName *string `json:"currentName"`
	}
	if err := h.dec.decode(w, r, &body, required("name")); err != nil {
		return err
	}
	current := body.Name
	if body.CurrentName != nil {
		current = *body.CurrentName
	}
	return h.renameToken(w, r, current, body.Name)
}

func (h *ManagementHandler) patchTokenByPath(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	var body struct {
		Name string `json:"name"`
	}
	if err := h.dec.decode(w, r, &body, required("name")); err != nil {
		return err
	}
	return h.renameToken(w, r, r.PathValue("name"), body.Name)
}

func (h *ManagementHandler) renameToken(w http.ResponseWriter, r *http.Request, current, name string) error {
	t, err := h.admin.RenamePersonalAccessToken(r.Context(), r.PathValue("userId"), current, name)
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, tokenBody(*t))
	return nil
}

func (h *ManagementHandler) postTokenDelete(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	var body struct {
		Name string `json:"name"`
	}
	if err := h.dec.decode(w, r, &body, required("name")); err != nil {
		return err
	}
	return h.deleteToken(w, r, body.Name)
}

func (h *ManagementHandler) deleteTokenByPath(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	return h.deleteToken(w, r, r.PathValue("name"))
}

func (h *ManagementHandler) deleteToken(w http.ResponseWriter, r *http.Request, name string) error {
	if err := h.admin.DeletePersonalAccessToken(r.Context(), r.PathValue("userId"), name); err != nil {
		return err
	}
	noContent(w)
	return nil
}
