package httpadapter

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/mfa"
	"github.com/accountapi/accountapi/store"
)

// webauthnRoutes registers the WebAuthn routes (registration, authentication
// step-up), the factor list, rename and delete routes, and
// GET /.well-known/webauthn.
//
// POST /api/my-account/mfa-verifications, which binds a WebAuthn credential
// among the other types, is registered by mfaRoutes (postMFAVerification),
// which calls [mfa.Service.BindWebAuthn] for type "WebAuthn": one route, one
// dispatcher.
func (h *AccountHandler) webauthnRoutes() {
	h.handle("POST /api/verifications/web-authn/registration", h.postWebAuthnRegistration)
	h.handle("POST /api/verifications/web-authn/registration/verify", h.postWebAuthnRegistrationVerify)
	h.handle("POST /api/verifications/web-authn/authentication", h.postWebAuthnAuthentication)
	h.handle("POST /api/verifications/web-authn/authentication/verify", h.postWebAuthnAuthenticationVerify)

	h.handle("GET /api/my-account/mfa-verifications", h.getMFAVerifications)
	h.handle("PATCH /api/my-account/mfa-verifications/{verificationId}/name", h.patchMFAVerificationName)
	h.handle("DELETE /api/my-account/mfa-verifications/{verificationId}", h.deleteMFAVerification)

	// The related-origins document is fetched by browsers, without a token,
	// whether or not the account center is on: it sits outside h.handle.
	h.rt.mux.HandleFunc("GET /.well-known/webauthn", h.getWellKnownWebAuthn)
}

// registrationJSON is the body of POST /api/verifications/web-authn/registration.
type registrationJSON struct {
	VerificationRecordID string              `json:"verificationRecordId"`
	RegistrationOptions  mfa.CreationOptions `json:"registrationOptions"`
	ExpiresAt            string              `json:"expiresAt"`
}

// authenticationJSON is the body of POST /api/verifications/web-authn/authentication.
type authenticationJSON struct {
	VerificationRecordID  string             `json:"verificationRecordId"`
	AuthenticationOptions mfa.RequestOptions `json:"authenticationOptions"`
	ExpiresAt             string             `json:"expiresAt"`
}

// The registration route takes no body (Logto reads none); whatever is sent
// is ignored. It answers 200, not 201 as the other record-creating routes do,
// as Logto does.
func (h *AccountHandler) postWebAuthnRegistration(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	reg, err := h.mfa.BeginWebAuthnRegistration(r.Context(), c, client(r))
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, registrationJSON{reg.Record.ID, reg.Options, isoTime(reg.Record.ExpiresAt)})
	return nil
}

func (h *AccountHandler) postWebAuthnRegistrationVerify(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	recordID, payload, err := h.decodeWebAuthnVerify(w, r, checkRegistrationPayload)
	if err != nil {
		return err
	}
	var resp mfa.RegistrationResponse
	if err := json.Unmarshal(payload, &resp); err != nil {
		return invalidBody("payload." + describeJSONError(err))
	}
	rec, err := h.mfa.FinishWebAuthnRegistration(r.Context(), c, client(r), recordID, resp)
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, recordBody{VerificationRecordID: rec.ID})
	return nil
}

func (h *AccountHandler) postWebAuthnAuthentication(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	a, err := h.mfa.BeginWebAuthnAuthentication(r.Context(), c, client(r))
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, authenticationJSON{a.Record.ID, a.Options, isoTime(a.Record.ExpiresAt)})
	return nil
}

func (h *AccountHandler) postWebAuthnAuthenticationVerify(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	recordID, payload, err := h.decodeWebAuthnVerify(w, r, checkAuthenticationPayload)
	if err != nil {
		return err
	}
	var resp mfa.AuthenticationResponse
	if err := json.Unmarshal(payload, &resp); err != nil {
		return invalidBody("payload." + describeJSONError(err))
	}
	rec, err := h.mfa.FinishWebAuthnAuthentication(r.Context(), c, client(r), recordID, resp)
	if err != nil {
		return err
	}
	h.rt.rs.json(w, http.StatusOK, recordBody{VerificationRecordID: rec.ID})
	return nil
}

// decodeWebAuthnVerify reads {verificationRecordId, payload} and checks the
// payload's shape with check, as Logto's guard does before the route runs:
// a shape error is 400 guard.invalid_input ahead of every other check, while
// the content of the binary members (their base64url, CBOR and JSON) is the
// verification's business, which fails with
// session.mfa.webauthn_verification_failed.
func (h *AccountHandler) decodeWebAuthnVerify(w http.ResponseWriter, r *http.Request, check func(json.RawMessage) error) (string, json.RawMessage, error) {
	var body struct {
		VerificationRecordID string          `json:"verificationRecordId"`
		Payload              json.RawMessage `json:"payload"`
	}
	if err := h.dec.decode(w, r, &body, required("verificationRecordId", "payload")); err != nil {
		return "", nil, err
	}
	if err := check(body.Payload); err != nil {
		return "", nil, err
	}
	return body.VerificationRecordID, body.Payload, nil
}

// checkRegistrationPayload is Logto's guard of the registration payload
// (docs/compatibility.md, "WebAuthn"): RegistrationResponseJSON with type
// "WebAuthn" instead of "public-key", and clientExtensionResults required.
func checkRegistrationPayload(raw json.RawMessage) error {
	p, err := jsonObject(raw, "payload")
	if err != nil {
		return err
	}
	if err := checkCredentialMembers(p); err != nil {
		return err
	}
	resp, err := memberObject(p, "payload", "response")
	if err != nil {
		return err
	}
	return checkMembers(resp, "payload.response", []memberRule{
		{"clientDataJSON", true, isJSONString, "string"},
		{"attestationObject", true, isJSONString, "string"},
		{"authenticatorData", false, isJSONString, "string"},
		{"transports", false, isJSONStringArray, "array of strings"},
		{"publicKeyAlgorithm", false, isJSONInteger, "integer"},
		{"publicKey", false, isJSONString, "string"},
	})
}

// checkAuthenticationPayload is the same guard for an assertion:
// AuthenticationResponseJSON with type "WebAuthn" and clientExtensionResults
// required, as Logto's sign-in routes take it.
func checkAuthenticationPayload(raw json.RawMessage) error {
	p, err := jsonObject(raw, "payload")
	if err != nil {
		return err
	}
	if err := checkCredentialMembers(p); err != nil {
		return err
	}
	resp, err := memberObject(p, "payload", "response")
	if err != nil {
		return err
	}
	return checkMembers(resp, "payload.response", []memberRule{
		{"clientDataJSON", true, isJSONString, "string"},
		{"authenticatorData", true, isJSONString, "string"},
		{"signature", true, isJSONString, "string"},
		{"userHandle", false, isJSONString, "string"},
	})
}

// checkCredentialMembers checks the members both payloads share.
func checkCredentialMembers(p map[string]json.RawMessage) error {
	err := checkMembers(p, "payload", []memberRule{
		{"type", true, isWebAuthnType, `"WebAuthn"`},
		{"id", true, isJSONString, "string"},
		{"rawId", true, isJSONString, "string"},
		{"authenticatorAttachment", false, func(v json.RawMessage) bool {
			return string(v) == `"platform"` || string(v) == `"cross-platform"`
		}, `"platform" or "cross-platform"`},
	})
	if err != nil {
		return err
	}
	ext, err := memberObject(p, "payload", "clientExtensionResults")
	if err != nil {
		return err
	}
	if err := checkMembers(ext, "payload.clientExtensionResults", []memberRule{
		{"appid", false, isJSONBool, "boolean"},
		{"hmacCreateSecret", false, isJSONBool, "boolean"},
	}); err != nil {
		return err
	}
	// Logto's guard spells the credProps output "crepProps"; a client sends
	// credProps, which go-webauthn checks.
	if _, ok := ext["crepProps"]; ok {
		crep, err := memberObject(ext, "payload.clientExtensionResults", "crepProps")
		if err != nil {
			return err
		}
		return checkMembers(crep, "payload.clientExtensionResults.crepProps", []memberRule{{"rk", false, isJSONBool, "boolean"}})
	}
	return nil
}

// memberRule is one member of a JSON object in a body's shape.
type memberRule struct {
	name     string
	required bool
	ok       func(json.RawMessage) bool
	want     string
}

// checkMembers applies rules to the object m at path: a required member must
// be present, and a present one (null included) must satisfy its rule.
func checkMembers(m map[string]json.RawMessage, path string, rules []memberRule) error {
	for _, rule := range rules {
		v, ok := m[rule.name]
		if !ok {
			if rule.required {
				return invalidBody(path + "." + rule.name + ": required")
			}
			continue
		}
		if !rule.ok(v) {
			return invalidBody(path + "." + rule.name + ": expected " + rule.want)
		}
	}
	return nil
}

// jsonObject decodes raw, which must be a JSON object, into its members.
func jsonObject(raw json.RawMessage, path string) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &m) != nil {
		return nil, invalidBody(path + ": expected object")
	}
	return m, nil
}

// memberObject returns the required object member name of m.
func memberObject(m map[string]json.RawMessage, path, name string) (map[string]json.RawMessage, error) {
	v, ok := m[name]
	if !ok {
		return nil, invalidBody(path + "." + name + ": required")
	}
	return jsonObject(v, path+"."+name)
}

func isJSONString(v json.RawMessage) bool { return len(v) > 0 && v[0] == '"' }

// isWebAuthnType reports whether v is the string "WebAuthn", the payload type
// Logto requires where WebAuthn's JSON has "public-key".
func isWebAuthnType(v json.RawMessage) bool {
	var s string
	return isJSONString(v) && json.Unmarshal(v, &s) == nil && s == string(store.FactorWebAuthn)
}

func isJSONBool(v json.RawMessage) bool { return string(v) == "true" || string(v) == "false" }

func isJSONInteger(v json.RawMessage) bool {
	_, err := strconv.ParseInt(string(v), 10, 64)
	return err == nil
}

func isJSONStringArray(v json.RawMessage) bool {
	var a []json.RawMessage
	if len(v) == 0 || v[0] != '[' || json.Unmarshal(v, &a) != nil {
		return false
	}
	for _, e := range a {
		if !isJSONString(e) {
			return false
		}
	}
	return true
}

// factorJSON is one entry of GET /api/my-account/mfa-verifications
// (docs/compatibility.md, "Factor list"): TOTP {id, createdAt, type}; WebAuthn
// {id, createdAt, lastUsedAt?, type, agent, name?}; BackupCode {id, createdAt,
// type, remainCodes}.
type factorJSON struct {
	ID          string           `json:"id"`
	CreatedAt   string           `json:"createdAt"`
	LastUsedAt  string           `json:"lastUsedAt,omitempty"`
	Type        store.FactorType `json:"type"`
	Agent       *string          `json:"agent,omitempty"`
	Name        *string          `json:"name,omitempty"`
	RemainCodes *int             `json:"remainCodes,omitempty"`
}

func newFactorJSON(f mfa.FactorSummary) factorJSON {
	out := factorJSON{ID: f.ID, CreatedAt: isoTime(f.CreatedAt), Type: f.Type}
	switch f.Type {
	case store.FactorWebAuthn:
		if !f.LastUsedAt.IsZero() {
			out.LastUsedAt = isoTime(f.LastUsedAt)
		}
		agent := f.Agent
		out.Agent, out.Name = &agent, f.Name
	case store.FactorBackupCode:
		n := f.RemainCodes
		out.RemainCodes = &n
	}
	return out
}

func (h *AccountHandler) getMFAVerifications(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	factors, err := h.mfa.ListFactors(r.Context(), c)
	if err != nil {
		return err
	}
	out := make([]factorJSON, 0, len(factors))
	for _, f := range factors {
		out = append(out, newFactorJSON(f))
	}
	h.rt.rs.json(w, http.StatusOK, out)
	return nil
}

// patchMFAVerificationName answers 200 without a body, as Logto does.
func (h *AccountHandler) patchMFAVerificationName(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	var body struct {
		Name string `json:"name"`
	}
	if err := h.dec.decode(w, r, &body, required("name")); err != nil {
		return err
	}
	if err := h.mfa.RenameWebAuthnFactor(r.Context(), c, r.PathValue("verificationId"), body.Name); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (h *AccountHandler) deleteMFAVerification(w http.ResponseWriter, r *http.Request, c account.Caller) error {
	if err := h.mfa.DeleteFactor(r.Context(), c, r.PathValue("verificationId")); err != nil {
		return err
	}
	noContent(w)
	return nil
}

// getWellKnownWebAuthn serves the related-origins document (WebAuthn Level 3
// §5.11): {"origins": [...]} with the media type application/json, which
// browsers require of it.
func (h *AccountHandler) getWellKnownWebAuthn(w http.ResponseWriter, r *http.Request) {
	origins, err := h.mfa.RelatedOrigins(r.Context())
	if err != nil {
		h.rt.rs.error(w, r, err)
		return
	}
	b, err := json.Marshal(struct {
		Origins []string `json:"origins"`
	}{origins})
	if err != nil {
		h.rt.rs.error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}
