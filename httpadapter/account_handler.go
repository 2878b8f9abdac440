package httpadapter

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/bearer"
	"github.com/accountapi/accountapi/mfa"
	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/verification"
)

// AccountConfig configures an AccountHandler. Zero members take the defaults
// their docs name.
type AccountConfig struct {
	// Authenticator turns bearer tokens into principals. Required.
	Authenticator bearer.Authenticator
	// Account serves /api/my-account. Required.
	Account *account.Service
	// Verification serves /api/verifications. Required.
	Verification *verification.Service
	// MFA serves the MFA routes of both APIs (mfa-verifications, mfa-settings,
	// logto-configs, web-authn and the step-up routes) and
	// /.well-known/webauthn. nil leaves them unserved (404).
	MFA *mfa.Service
	// MaxBodyBytes caps request bodies; zero means DefaultMaxBodyBytes.
	// Larger bodies are refused with 413 request.payload_too_large.
	MaxBodyBytes int64
	// Logger receives failures (5xx) with their causes; nil means
	// slog.Default(). Bodies, tokens and codes are never logged.
	Logger *slog.Logger
	// Messages translates error messages; nil means apierror.DefaultLocalizer()
	// (English, French, German, Brazilian Portuguese, Traditional Chinese).
	Messages *apierror.Localizer
	// AllowedOrigins are the origins whose pages may call the API from a
	// browser (CORS), each as scheme://host[:port], or "*" for any origin
	// (Logto's policy: bearer tokens, not cookies, authenticate these
	// routes). nil allows none but the API's own origin, which needs no
	// CORS headers: a page the host serves itself works either way.
	AllowedOrigins []string
}

// AccountHandler serves the Account API (/api/my-account…) and the
// Verification API (/api/verifications…) with Logto's wire contract. Every
// request is authenticated with a bearer token whose scopes include openid,
// and refused while the account center is disabled.
type AccountHandler struct {
	auth         bearer.Authenticator
	account      *account.Service
	verification *verification.Service
	mfa          *mfa.Service
	dec          decoder
	rt           *router
	cors         corsPolicy
}

// NewAccountHandler returns an AccountHandler.
func NewAccountHandler(cfg AccountConfig) (*AccountHandler, error) {
	switch {
	case cfg.Authenticator == nil:
		return nil, errors.New("httpadapter: AccountConfig.Authenticator is nil")
	case cfg.Account == nil:
		return nil, errors.New("httpadapter: AccountConfig.Account is nil")
	case cfg.Verification == nil:
		return nil, errors.New("httpadapter: AccountConfig.Verification is nil")
	case cfg.MaxBodyBytes < 0:
		return nil, errors.New("httpadapter: AccountConfig.MaxBodyBytes is negative")
	}
	policy, err := newCORSPolicy(cfg.AllowedOrigins)
	if err != nil {
		return nil, fmt.Errorf("httpadapter: AccountConfig.AllowedOrigins: %w", err)
	}
	h := &AccountHandler{
		cors: policy,
		auth: cfg.Authenticator, account: cfg.Account, verification: cfg.Verification, mfa: cfg.MFA,
		dec: decoder{max: cfg.MaxBodyBytes},
	}
	if h.dec.max == 0 {
		h.dec.max = DefaultMaxBodyBytes
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	h.rt = newRouter(responder{log: log, messages: cfg.Messages}, accountRoots...)
	h.routes()
	return h, nil
}

// accountRoots are where the Account handler's paths start, below any mount
// prefix (see router).
var accountRoots = []string{"/api/", "/.well-known/webauthn"}

// Mount registers h on mux for its paths under prefix: with prefix "/auth",
// GET /auth/api/my-account reaches GET /api/my-account. Mounting h on a
// subtree works as well (mux.Handle("/auth/", h), with or without
// http.StripPrefix): h finds its routes below the prefix itself.
func (h *AccountHandler) Mount(mux *http.ServeMux, prefix string) {
	mount(mux, prefix, h, "/api/my-account", "/api/my-account/", "/api/verifications/", "/.well-known/webauthn", openAPIPath)
}

// ServeHTTP implements http.Handler.
func (h *AccountHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.cors.apply(w, r) {
		return
	}
	h.rt.serve(w, r)
}

// userHandler is a route of the user router: it runs after authentication
// and the account-center gate.
type userHandler func(w http.ResponseWriter, r *http.Request, c account.Caller) error

// handle registers fn for pattern behind the user router's middleware, in
// Logto's order (docs/compatibility.md, "Request pipeline"): bearer
// authentication, the openid scope, the account-center gate; then the route
// decodes and validates its body.
func (h *AccountHandler) handle(pattern string, fn userHandler) {
	h.rt.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		c, err := h.authorize(r)
		if err == nil {
			err = fn(w, r, c)
		}
		if err != nil {
			h.rt.rs.error(w, r, err)
		}
	})
}

// authorize runs the user router's middleware for r: bearer authentication
// (401), a user in the token (401 auth.unauthorized), the openid scope (403
// auth.forbidden), the user not suspended (401 user.suspended), the
// account-center gate (400 account_center.not_enabled).
func (h *AccountHandler) authorize(r *http.Request) (account.Caller, error) {
	p, err := authenticate(r.Context(), h.auth, r)
	if err != nil {
		return account.Caller{}, err
	}
	if p.UserID == "" {
		return account.Caller{}, apierror.Unauthorized
	}
	if !p.HasScope(account.ScopeOpenID) {
		return account.Caller{}, apierror.Forbidden
	}
	// A suspended user's tokens stop working at once (401 user.suspended),
	// whatever the host's SessionRevoker did with the tokens already issued.
	// Before the account-center gate: the answer is about the token.
	c, err := h.account.Active(r.Context(), caller(p, r))
	if err != nil {
		return account.Caller{}, err
	}
	ac, err := h.account.Settings().Get(r.Context())
	if err != nil {
		return account.Caller{}, err
	}
	if !ac.Enabled {
		return account.Caller{}, apierror.AccountCenterNotEnabled
	}
	return c, nil
}

func (h *AccountHandler) routes() {
	h.handle("GET /api/my-account", h.getAccount)
	h.handle("PATCH /api/my-account", h.patchAccount)
	h.handle("DELETE /api/my-account", h.deleteAccount)
	h.handle("GET /api/my-account/export", h.getExport)
	h.handle("PATCH /api/my-account/profile", h.patchProfile)
	h.handle("POST /api/my-account/password", h.postPassword)
	// Logto's code registers POST; its guide shows PATCH. Both are served.
	for _, m := range []string{"POST", "PATCH"} {
		h.handle(m+" /api/my-account/primary-email", h.postPrimaryEmail)
		h.handle(m+" /api/my-account/primary-phone", h.postPrimaryPhone)
	}
	h.handle("DELETE /api/my-account/primary-email", h.deletePrimaryEmail)
	h.handle("DELETE /api/my-account/primary-phone", h.deletePrimaryPhone)

	h.handle("POST /api/verifications/password", h.postVerificationPassword)
	h.handle("POST /api/verifications/verification-code", h.postVerificationCode)
	h.handle("POST /api/verifications/verification-code/verify", h.postVerificationCodeVerify)

	h.socialRoutes()
	if h.mfa != nil {
		h.mfaRoutes()
		h.webauthnRoutes()
	}
	// The OpenAPI document (openapi.go) is public, like /.well-known/webauthn:
	// it sits outside h.handle.
	h.rt.mux.HandleFunc("GET "+openAPIPath, serveOpenAPI())
}

func (h *AccountHandler) getAccount(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	v, err := h.account.Get(r.Context(), c)
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, accountBody(v))
	return nil
}

func (h *AccountHandler) patchAccount(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	var body struct {
		Name       account.Optional[*string]        `json:"name"`
		Avatar     account.Optional[*string]        `json:"avatar"`
		Username   account.Optional[*string]        `json:"username"`
		CustomData account.Optional[map[string]any] `json:"customData"`
	}
	if err := h.dec.decode(w, r, &body, nullable("name", "avatar", "username")); err != nil {
		return err
	}
	v, err := h.account.Update(r.Context(), c, account.AccountPatch{
		Name: body.Name, Avatar: body.Avatar, Username: body.Username, CustomData: body.CustomData,
	})
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, accountBody(v))
	return nil
}

// deleteAccount serves DELETE /api/my-account (ours): the body, if any, is
// ignored, as Logto's DELETE routes do.
func (h *AccountHandler) deleteAccount(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	if err := h.account.DeleteAccount(r.Context(), c); err != nil {
		return err
	}
	noContent(w)
	return nil
}

// exportFileName is the file name a browser saves GET
// /api/my-account/export's document under.
const exportFileName = "account-export.json"

// getExport serves GET /api/my-account/export (ours): the account.Export
// document, as an attachment so that a browser following a link saves it.
func (h *AccountHandler) getExport(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	x, err := h.account.Export(r.Context(), c)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+exportFileName+`"`)
	h.rt.rs.json(w, http.StatusOK, x)
	return nil
}

func (h *AccountHandler) patchProfile(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	var body struct {
		store.Profile
		// Address shadows Profile.Address so that its members can be
		// checked for null, which Logto's guard refuses as for the other
		// claims.
		Address json.RawMessage `json:"address"`
	}
	if err := h.dec.decode(w, r, &body); err != nil {
		return err
	}
	if body.Address != nil {
		var members map[string]json.RawMessage
		if err := json.Unmarshal(body.Address, &members); err != nil {
			return invalidBody("address: expected object")
		}
		for name, raw := range members {
			if string(raw) == "null" {
				return invalidBody("address." + name + ": must not be null")
			}
		}
		var a store.Address
		if err := json.Unmarshal(body.Address, &a); err != nil {
			return invalidBody("address." + describeJSONError(err))
		}
		body.Profile.Address = &a
	}
	p, err := h.account.UpdateProfile(r.Context(), c, body.Profile)
	if err != nil {
		return err
	}
	out := p.Profile
	if !p.ShowAddress {
		out.Address = nil
	}
	h.rt.rs.json(w, http.StatusOK, out)
	return nil
}

func (h *AccountHandler) postPassword(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	var body struct {
		Password string `json:"password"`
	}
	if err := h.dec.decode(w, r, &body, required("password")); err != nil {
		return err
	}
	if err := h.account.SetPassword(r.Context(), c, body.Password); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (h *AccountHandler) postPrimaryEmail(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	var body struct {
		Email    string `json:"email"`
		RecordID string `json:"newIdentifierVerificationRecordId"`
	}
	if err := h.dec.decode(w, r, &body, required("email", "newIdentifierVerificationRecordId")); err != nil {
		return err
	}
	if err := h.account.SetPrimaryEmail(r.Context(), c, body.Email, body.RecordID); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (h *AccountHandler) deletePrimaryEmail(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	if err := h.account.RemovePrimaryEmail(r.Context(), c); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (h *AccountHandler) postPrimaryPhone(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	var body struct {
		Phone    string `json:"phone"`
		RecordID string `json:"newIdentifierVerificationRecordId"`
	}
	if err := h.dec.decode(w, r, &body, required("phone", "newIdentifierVerificationRecordId")); err != nil {
		return err
	}
	if err := h.account.SetPrimaryPhone(r.Context(), c, body.Phone, body.RecordID); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (h *AccountHandler) deletePrimaryPhone(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	if err := h.account.RemovePrimaryPhone(r.Context(), c); err != nil {
		return err
	}
	noContent(w)
	return nil
}

// recordBody is the answer of the routes that create a verification record.
type recordBody struct {
	VerificationRecordID string `json:"verificationRecordId"`
	ExpiresAt            string `json:"expiresAt,omitempty"`
}

func (h *AccountHandler) postVerificationPassword(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	var body struct {
		Password string `json:"password"`
	}
	if err := h.dec.decode(w, r, &body, required("password")); err != nil {
		return err
	}
	rec, err := h.verification.VerifyPassword(r.Context(), c, body.Password)
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusCreated, recordBody{rec.ID, isoTime(rec.ExpiresAt)})
	return nil
}

func (h *AccountHandler) postVerificationCode(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	var body struct {
		Identifier   store.Identifier   `json:"identifier"`
		TemplateType store.TemplateType `json:"templateType"`
	}
	if err := h.dec.decode(w, r, &body, required("identifier")); err != nil {
		return err
	}
	rec, err := h.verification.SendCode(r.Context(), c, body.Identifier, body.TemplateType)
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusCreated, recordBody{rec.ID, isoTime(rec.ExpiresAt)})
	return nil
}

func (h *AccountHandler) postVerificationCodeVerify(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	var body struct {
		Identifier     store.Identifier `json:"identifier"`
		VerificationID string           `json:"verificationId"`
		Code           string           `json:"code"`
	}
	if err := h.dec.decode(w, r, &body, required("identifier", "verificationId", "code")); err != nil {
		return err
	}
	rec, err := h.verification.VerifyCode(r.Context(), c, body.Identifier, body.VerificationID, body.Code)
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, recordBody{VerificationRecordID: rec.ID})
	return nil
}
