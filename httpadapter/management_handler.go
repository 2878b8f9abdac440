package httpadapter

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/bearer"
	"github.com/accountapi/accountapi/mfa"
	"github.com/accountapi/accountapi/store"
)

// ManagementScope is the scope a token needs for the Management API unless
// ManagementConfig.Authorize says otherwise (Logto's management API resource
// scope).
const ManagementScope = "all"

// ManagementConfig configures a ManagementHandler.
type ManagementConfig struct {
	// Authenticator turns bearer tokens into principals. Required.
	Authenticator bearer.Authenticator
	// Authorize decides whether an authenticated principal may use the
	// Management API; a non-nil error refuses with 403 auth.forbidden. nil
	// requires the scope ManagementScope.
	Authorize func(ctx context.Context, p bearer.Principal) error
	// Admin serves the user routes. Required.
	Admin *account.Admin
	// Settings serves /api/account-center. Required.
	Settings *account.Settings
	// MFA serves /api/users/{userId}/mfa-verifications and
	// /api/users/{userId}/logto-configs; nil leaves them unserved (404).
	MFA *mfa.Admin
	// MaxBodyBytes caps request bodies; zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Logger receives failures (5xx); nil means slog.Default().
	Logger *slog.Logger
	// Messages translates error messages; nil means apierror.DefaultLocalizer()
	// (English, French, German, Brazilian Portuguese, Traditional Chinese).
	Messages *apierror.Localizer
}

// ManagementHandler serves the user routes of Logto's Management API
// (/api/users…; docs/compatibility.md, "Management API routes"), the
// authorization URIs of social connectors
// (/api/connectors/{connectorId}/authorization-uri) and the account-center
// settings (/api/account-center). It is separate from AccountHandler so a host
// can mount it apart, e.g. only on an internal listener.
type ManagementHandler struct {
	auth      bearer.Authenticator
	authorize func(ctx context.Context, p bearer.Principal) error
	admin     *account.Admin
	settings  *account.Settings
	mfa       *mfa.Admin
	dec       decoder
	rt        *router
}

// NewManagementHandler returns a ManagementHandler.
func NewManagementHandler(cfg ManagementConfig) (*ManagementHandler, error) {
	switch {
	case cfg.Authenticator == nil:
		return nil, errors.New("httpadapter: ManagementConfig.Authenticator is nil")
	case cfg.Admin == nil:
		return nil, errors.New("httpadapter: ManagementConfig.Admin is nil")
	case cfg.Settings == nil:
		return nil, errors.New("httpadapter: ManagementConfig.Settings is nil")
	case cfg.MaxBodyBytes < 0:
		return nil, errors.New("httpadapter: ManagementConfig.MaxBodyBytes is negative")
	}
	h := &ManagementHandler{
		auth: cfg.Authenticator, authorize: cfg.Authorize, admin: cfg.Admin, settings: cfg.Settings, mfa: cfg.MFA,
		dec: decoder{max: cfg.MaxBodyBytes},
	}
	if h.dec.max == 0 {
		h.dec.max = DefaultMaxBodyBytes
	}
	if h.authorize == nil {
		h.authorize = requireManagementScope
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	h.rt = newRouter(responder{log: log, messages: cfg.Messages}, "/api/")
	h.routes()
	return h, nil
}

func requireManagementScope(_ context.Context, p bearer.Principal) error {
	if !p.HasScope(ManagementScope) {
		return apierror.Forbidden
	}
	return nil
}

// Mount registers h on mux for its paths under prefix.
func (h *ManagementHandler) Mount(mux *http.ServeMux, prefix string) {
	mount(mux, prefix, h, "/api/users", "/api/users/", "/api/account-center", "/api/connectors/", "/api/sign-in-exp")
}

// ServeHTTP implements http.Handler.
func (h *ManagementHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.rt.serve(w, r) }

// adminHandler is a route of the management router, run after authentication.
type adminHandler func(w http.ResponseWriter, r *http.Request, p bearer.Principal) error

func (h *ManagementHandler) handle(pattern string, fn adminHandler) {
	h.rt.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		p, err := authenticate(r.Context(), h.auth, r)
		if err == nil {
			if aerr := h.authorize(r.Context(), p); aerr != nil {
				err = apierror.Forbidden.WithCause(aerr)
			}
		}
		if err == nil {
			err = fn(w, r, p)
		}
		if err != nil {
			h.rt.rs.error(w, r, err)
		}
	})
}

func (h *ManagementHandler) routes() {
	h.handle("POST /api/users", h.postUser)
	h.handle("GET /api/users/{userId}", h.getUser)
	h.handle("GET /api/account-center", h.getAccountCenter)
	h.handle("PATCH /api/account-center", h.patchAccountCenter)
	h.userRoutes()     // management_users.go
	h.identityRoutes() // management_identities.go
	h.tokenRoutes()    // management_tokens.go
	if h.mfa != nil {
		h.adminMFARoutes() // management_mfa.go
	}
	h.signInExpRoutes() // management_signin.go
}

func (h *ManagementHandler) postUser(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	var body struct {
		Username          *string                  `json:"username"`
		PrimaryEmail      *string                  `json:"primaryEmail"`
		PrimaryPhone      *string                  `json:"primaryPhone"`
		Password          *string                  `json:"password"`
		PasswordDigest    *string                  `json:"passwordDigest"`
		PasswordAlgorithm *store.PasswordAlgorithm `json:"passwordAlgorithm"`
		Name              *string                  `json:"name"`
		Avatar            *string                  `json:"avatar"`
		CustomData        map[string]any           `json:"customData"`
		Profile           *store.Profile           `json:"profile"`
	}
	// Logto's guard lets avatar (only) be null.
	if err := h.dec.decode(w, r, &body, nullable("avatar")); err != nil {
		return err
	}
	u, err := h.admin.CreateUser(r.Context(), account.NewUser{
		Username: body.Username, PrimaryEmail: body.PrimaryEmail, PrimaryPhone: body.PrimaryPhone,
		Password: body.Password, PasswordDigest: body.PasswordDigest, PasswordAlgorithm: body.PasswordAlgorithm,
		Name: body.Name, Avatar: body.Avatar, CustomData: body.CustomData, Profile: body.Profile,
	})
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, userJSON{UserData: account.Snapshot(u)})
	return nil
}

func (h *ManagementHandler) getUser(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	sso, err := boolQuery(r, "includeSsoIdentities")
	if err != nil {
		return err
	}
	withHash, err := boolQuery(r, "includePasswordHash")
	if err != nil {
		return err
	}
	u, err := h.admin.GetUser(r.Context(), r.PathValue("userId"))
	if err != nil {
		return err
	}
	body := userJSON{UserData: account.Snapshot(u), SSOIdentities: optIf(sso, []struct{}{})}
	if withHash {
		var digest, alg *string
		if u.HasPassword() {
			d, a := u.PasswordDigest, string(u.PasswordAlgorithm)
			digest, alg = &d, &a
		}
		body.PasswordDigest, body.PasswordAlgorithm = optIf(true, digest), optIf(true, alg)
	}
	h.rt.rs.json(w, http.StatusOK, body)
	return nil
}

// boolQuery reads an optional "true"/"false" query parameter.
func boolQuery(r *http.Request, name string) (bool, error) {
	switch v := r.URL.Query().Get(name); v {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, apierror.InvalidInput.WithParam("type", "query").WithDetails(name + `: expected "true" or "false"`)
}

func (h *ManagementHandler) getAccountCenter(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	ac, err := h.settings.Get(r.Context())
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, accountCenterBody(ac))
	return nil
}

func (h *ManagementHandler) patchAccountCenter(w http.ResponseWriter, r *http.Request, _ bearer.Principal) error {
	var body struct {
		Enabled                account.Optional[bool]                      `json:"enabled"`
		Fields                 account.Optional[store.AccountCenterFields] `json:"fields"`
		WebAuthnRelatedOrigins account.Optional[[]string]                  `json:"webauthnRelatedOrigins"`
		DeleteAccountURL       account.Optional[*string]                   `json:"deleteAccountUrl"`
		CustomCSS              account.Optional[*string]                   `json:"customCss"`
		ProfileFields          account.Optional[[]store.ProfileField]      `json:"profileFields"`
	}
	if err := h.dec.decode(w, r, &body, nullable("deleteAccountUrl", "customCss", "profileFields")); err != nil {
		return err
	}
	ac, err := h.settings.Update(r.Context(), account.SettingsPatch{
		Enabled: body.Enabled, Fields: body.Fields, WebAuthnRelatedOrigins: body.WebAuthnRelatedOrigins,
		DeleteAccountURL: body.DeleteAccountURL, CustomCSS: body.CustomCSS, ProfileFields: body.ProfileFields,
	})
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, accountCenterBody(ac))
	return nil
}
