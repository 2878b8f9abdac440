package httpadapter_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"github.com/ory/fosite/handler/openid"
	fositestorage "github.com/ory/fosite/storage"
	fositejwt "github.com/ory/fosite/token/jwt"
	"golang.org/x/crypto/bcrypt"

	"github.com/accountapi/accountapi"
	"github.com/accountapi/accountapi/connector"
	"github.com/accountapi/accountapi/connector/oidc"
	"github.com/accountapi/accountapi/store"
)

// The OpenID Connect connector end to end, against a real OpenID provider
// running in the test on loopback: ory/fosite composed with the OpenID
// Connect explicit flow and PKCE (enforced, S256 only), a memory store with
// one confidential client, HMAC authorization codes and RS256-signed ID
// tokens. fosite does not serve discovery or its keys, so opProvider adds
// the discovery document and the JWKS; its authorize endpoint "logs in" a
// fixed user, and its userinfo endpoint answers from the token's session.
// Nothing in the chain skips a check: the connector verifies fosite's
// signatures with go-oidc against the JWKS it discovered. Helpers start with
// "op".

const (
	opClientID     = "accountapi"
	opClientSecret = "op-client-secret-0123456789"
	opSubject      = "op-user-248289761001"
	opKeyID        = "op-signing-key-1"
	opTarget       = "fosite-op"
)

// opKey is the provider's signing key, made once: RSA key generation is slow.
var opKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// opProvider is the test's OpenID provider.
type opProvider struct {
	t   *testing.T
	srv *httptest.Server
	op  fosite.OAuth2Provider
	key *rsa.PrivateKey

	// answerNonce, when set, replaces the nonce of every authorization
	// request before fosite reads it: the provider then signs ID tokens
	// that answer another request's nonce.
	answerNonce string
}

type opOptions struct {
	// codeLifespan is fosite's authorization code lifespan; zero means ten
	// minutes.
	codeLifespan time.Duration
	answerNonce  string
}

func newOP(t *testing.T, o opOptions) *opProvider {
	t.Helper()
	key, err := opKey()
	if err != nil {
		t.Fatal(err)
	}
	p := &opProvider{t: t, key: key, answerNonce: o.answerNonce}
	mux := http.NewServeMux()
	p.srv = httptest.NewUnstartedServer(mux)
	p.srv.StartTLS()
	t.Cleanup(p.srv.Close)

	lifespan := o.codeLifespan
	if lifespan == 0 {
		lifespan = 10 * time.Minute
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	config := &fosite.Config{
		IDTokenIssuer:                  p.issuer(),
		GlobalSecret:                   secret,
		AuthorizeCodeLifespan:          lifespan,
		EnforcePKCE:                    true,
		EnablePKCEPlainChallengeMethod: false,
		HashCost:                       bcrypt.MinCost,
		SendDebugMessagesToClients:     true,
	}
	hashed, err := bcrypt.GenerateFromPassword([]byte(opClientSecret), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	st := fositestorage.NewMemoryStore()
	st.Clients[opClientID] = &fosite.DefaultClient{
		ID: opClientID, Secret: hashed, RedirectURIs: []string{soRedirect},
		ResponseTypes: []string{"code"}, GrantTypes: []string{"authorization_code"},
		Scopes: []string{"openid", "profile", "email", "phone"},
	}
	keyGetter := func(context.Context) (any, error) { return key, nil }
	p.op = compose.Compose(config, st, &compose.CommonStrategy{
		CoreStrategy:               compose.NewOAuth2HMACStrategy(config),
		OpenIDConnectTokenStrategy: compose.NewOpenIDConnectStrategy(keyGetter, config),
		Signer:                     &fositejwt.DefaultSigner{GetPrivateKey: keyGetter},
	},
		compose.OAuth2AuthorizeExplicitFactory,
		compose.OpenIDConnectExplicitFactory,
		compose.OAuth2PKCEFactory,
		compose.OAuth2TokenIntrospectionFactory,
	)

	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("GET /userinfo", p.userinfo)
	return p
}

func (p *opProvider) issuer() string { return p.srv.URL }

func (p *opProvider) discovery(w http.ResponseWriter, _ *http.Request) {
	opJSON(w, map[string]any{
		"issuer":                                p.issuer(),
		"authorization_endpoint":                p.issuer() + "/authorize",
		"token_endpoint":                        p.issuer() + "/token",
		"userinfo_endpoint":                     p.issuer() + "/userinfo",
		"jwks_uri":                              p.issuer() + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	})
}

func (p *opProvider) jwks(w http.ResponseWriter, _ *http.Request) {
	opJSON(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: opKeyID, Algorithm: "RS256", Use: "sig"}}})
}

// authorize is the provider's authorization endpoint with a user who is
// always signed in and consents to every scope the client may have.
func (p *opProvider) authorize(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if p.answerNonce != "" {
		q := r.URL.Query()
		q.Set("nonce", p.answerNonce)
		r.URL.RawQuery = q.Encode()
	}
	ar, err := p.op.NewAuthorizeRequest(ctx, r)
	if err != nil {
		p.op.WriteAuthorizeError(ctx, w, ar, err)
		return
	}
	for _, s := range ar.GetRequestedScopes() {
		ar.GrantScope(s)
	}
	now := time.Now().UTC()
	session := &openid.DefaultSession{
		Subject: opSubject,
		Claims: &fositejwt.IDTokenClaims{
			Subject: opSubject, AuthTime: now, RequestedAt: now,
			Extra: map[string]any{
				"email": "ann@op.example", "email_verified": true,
				"name": "Ann Op", "picture": "https://op.example/ann.png",
			},
		},
		Headers: &fositejwt.Headers{Extra: map[string]any{"kid": opKeyID}},
	}
	resp, err := p.op.NewAuthorizeResponse(ctx, ar, session)
	if err != nil {
		p.op.WriteAuthorizeError(ctx, w, ar, err)
		return
	}
	p.op.WriteAuthorizeResponse(ctx, w, ar, resp)
}

func (p *opProvider) token(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ar, err := p.op.NewAccessRequest(ctx, r, new(openid.DefaultSession))
	if err != nil {
		p.op.WriteAccessError(ctx, w, ar, err)
		return
	}
	resp, err := p.op.NewAccessResponse(ctx, ar)
	if err != nil {
		p.op.WriteAccessError(ctx, w, ar, err)
		return
	}
	p.op.WriteAccessResponse(ctx, w, ar, resp)
}

// userinfo answers for a valid access token with the subject and a verified
// phone number, which the ID token does not carry.
func (p *opProvider) userinfo(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	_, ar, err := p.op.IntrospectToken(ctx, fosite.AccessTokenFromRequest(r), fosite.AccessToken, new(openid.DefaultSession))
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	opJSON(w, map[string]any{
		"sub": ar.GetSession().GetSubject(), "phone_number": "+61412345678", "phone_number_verified": true,
		"name": "Ann (userinfo)",
	})
}

func opJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// opEnv is an env whose services know the OIDC connector for p as "oidc-op".
func opEnv(t *testing.T, p *opProvider) *env {
	t.Helper()
	conn, err := oidc.New(oidc.Config{
		Issuer: p.issuer(), ClientID: opClientID, ClientSecret: opClientSecret, Target: opTarget,
		HTTPClient: p.srv.Client(), FetchUserInfo: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	set := connector.Set{"oidc-op": conn, "mock-email": connector.Passive(connector.TypeEmail)}
	return newEnv(t,
		withConfig(func(c *accountapi.Config) { c.Connectors = set }))
}

// opStart posts POST /api/verifications/social for the provider and returns
// the record id and the authorization URI.
func opStart(e *env, u *store.User, scope string) (recordID, uri string) {
	e.t.Helper()
	body := map[string]string{"connectorId": "oidc-op", "state": soState, "redirectUri": soRedirect}
	if scope != "" {
		body["scope"] = scope
	}
	r := e.do(req{method: "POST", path: "/api/verifications/social", token: e.tokenFor(u.ID), body: body})
	expect(e.t, r, 201, "")
	m := r.json(e.t)
	return m["verificationRecordId"].(string), m["authorizationUri"].(string)
}

// opLogin follows the authorization URI to the provider with a real GET, as
// the user's browser would, and returns the parameters of the callback it
// redirects to (redirects are not followed).
func opLogin(t *testing.T, p *opProvider, uri string) url.Values {
	t.Helper()
	client := *p.srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Get(uri)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("authorization answered %d, want 303", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != soRedirect {
		t.Fatalf("redirected to %s, want %s", got, soRedirect)
	}
	return loc.Query()
}

// opConnectorData is the callback's query as the client posts it.
func opConnectorData(q url.Values) map[string]any {
	m := map[string]any{}
	for k := range q {
		m[k] = q.Get(k)
	}
	return m
}

// TestOIDCEndToEnd walks the whole flow: start, the provider's login, the
// callback, social/verify, link, and the identity in GET /api/my-account.
func TestOIDCEndToEnd(t *testing.T) {
	p := newOP(t, opOptions{})
	e := opEnv(t, p)
	u := e.newUser()

	recordID, uri := opStart(e, u, "")
	callback := opLogin(t, p, uri)
	if callback.Get("code") == "" || callback.Get("state") != soState {
		t.Fatalf("callback = %v", callback)
	}
	r := soVerify(e, u, recordID, opConnectorData(callback))
	expect(t, r, 200, "")
	expect(t, soBind(e, "POST", u, "", recordID), 204, "")

	r = e.do(req{method: "GET", path: "/api/my-account", token: e.tokenFor(u.ID)})
	expect(t, r, 200, "")
	ids, _ := r.json(t)["identities"].(map[string]any)
	identity, _ := ids[opTarget].(map[string]any)
	details, _ := identity["details"].(map[string]any)
	if identity["userId"] != opSubject || details["id"] != opSubject {
		t.Fatalf("identities = %v", ids)
	}
	for k, want := range map[string]any{
		"email": "ann@op.example", "name": "Ann Op", "avatar": "https://op.example/ann.png", "phone": "+61412345678",
	} {
		if details[k] != want {
			t.Errorf("details.%s = %v, want %v", k, details[k], want)
		}
	}
	raw, _ := details["rawData"].(map[string]any)
	if raw["iss"] != p.issuer() || raw["aud"] == nil || raw["nonce"] == nil {
		t.Errorf("rawData = %v: want the ID token's claims", raw)
	}
}

// TestOIDCRejects: each way a callback can fail against the real provider,
// with the answer the client gets; the record stays unverified and cannot be
// linked.
func TestOIDCRejects(t *testing.T) {
	tests := []struct {
		name string
		op   opOptions
		// scope is the client's scope for the authorization ("" for the
		// connector's).
		scope string
		// tamper changes what the client posts after a real login; it may
		// also use the env (e.g. a second authorization).
		tamper func(t *testing.T, e *env, p *opProvider, u *store.User, recordID string, data map[string]any)
		status int
		code   string
	}{
		{name: "tampered state", tamper: func(_ *testing.T, _ *env, _ *opProvider, _ *store.User, _ string, d map[string]any) {
			d["state"] = soState + "x"
		}, status: 400, code: "connector.invalid_response"},
		{name: "ID token answering another nonce", op: opOptions{answerNonce: "nonce-of-another-authorization-request"},
			status: 400, code: "connector.invalid_response"},
		{name: "expired code", op: opOptions{codeLifespan: time.Nanosecond},
			status: 401, code: "connector.social_auth_code_invalid"},
		{name: "forged code", tamper: func(_ *testing.T, _ *env, _ *opProvider, _ *store.User, _ string, d map[string]any) {
			d["code"] = "ory_ac_forged.forged"
		}, status: 401, code: "connector.social_auth_code_invalid"},
		{name: "code of another authorization", tamper: func(t *testing.T, e *env, p *opProvider, u *store.User, _ string, d map[string]any) {
			// The same client state, another record: its PKCE verifier and
			// nonce differ, so the provider refuses the code.
			_, uri := opStart(e, u, "")
			d["code"] = opLogin(t, p, uri).Get("code")
		}, status: 401, code: "connector.social_auth_code_invalid"},
		{name: "PKCE verifier replaced in the store", tamper: func(t *testing.T, e *env, _ *opProvider, _ *store.User, id string, _ map[string]any) {
			rec := soRecord(t, e, id)
			rec.Social.Session["codeVerifier"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
			if err := e.store.UpdateVerificationRecord(t.Context(), rec); err != nil {
				t.Fatal(err)
			}
		}, status: 401, code: "connector.social_auth_code_invalid"},
		{name: "user refused (error callback)", scope: "openid admin",
			status: 401, code: "connector.authorization_failed"},
		{name: "error callback with a tampered state", scope: "openid admin",
			tamper: func(_ *testing.T, _ *env, _ *opProvider, _ *store.User, _ string, d map[string]any) {
				d["state"] = "forged-state"
			},
			status: 400, code: "connector.invalid_response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newOP(t, tt.op)
			e := opEnv(t, p)
			u := e.newUser()
			recordID, uri := opStart(e, u, tt.scope)
			data := opConnectorData(opLogin(t, p, uri))
			if tt.tamper != nil {
				tt.tamper(t, e, p, u, recordID, data)
			}
			expect(t, soVerify(e, u, recordID, data), tt.status, tt.code)
			if soRecord(t, e, recordID).Verified {
				t.Error("a refused callback verified the record")
			}
			expect(t, soBind(e, "POST", u, "", recordID), 400, "verification_record.not_found")
		})
	}
}

// TestOIDCTamperedStateLeavesCodeUnused: a callback refused for its state
// is refused before the code is sent to the provider, so the genuine
// callback still works.
func TestOIDCTamperedStateLeavesCodeUnused(t *testing.T) {
	p := newOP(t, opOptions{})
	e := opEnv(t, p)
	u := e.newUser()
	recordID, uri := opStart(e, u, "")
	data := opConnectorData(opLogin(t, p, uri))
	forged := map[string]any{"code": data["code"], "state": "forged-state-0"}
	expect(t, soVerify(e, u, recordID, forged), 400, "connector.invalid_response")
	expect(t, soVerify(e, u, recordID, data), 200, "")
}

// TestOIDCReusedCode: an authorization code is single-use at the provider;
// posting the same callback again is refused and leaves the first result.
func TestOIDCReusedCode(t *testing.T) {
	p := newOP(t, opOptions{})
	e := opEnv(t, p)
	u := e.newUser()
	recordID, uri := opStart(e, u, "")
	data := opConnectorData(opLogin(t, p, uri))
	expect(t, soVerify(e, u, recordID, data), 200, "")
	expect(t, soVerify(e, u, recordID, data), 401, "connector.social_auth_code_invalid")
	if info := soRecord(t, e, recordID).Social.UserInfo; info == nil || info.ID != opSubject {
		t.Fatalf("social user after a refused re-verification: %+v", info)
	}
	expect(t, soBind(e, "POST", u, "", recordID), 204, "")
}

// TestOIDCAnotherUsersRecord: docs/compatibility.md, "New-identifier records
// belong to their creator", with a real provider: a user who obtains another's
// record id and the provider's callback cannot finish it.
func TestOIDCAnotherUsersRecord(t *testing.T) {
	p := newOP(t, opOptions{})
	e := opEnv(t, p)
	ann, bob := e.newUser(), e.newUser()
	recordID, uri := opStart(e, ann, "")
	data := opConnectorData(opLogin(t, p, uri))
	expect(t, soVerify(e, bob, recordID, data), 400, "verification_record.not_found")
	expect(t, soVerify(e, ann, recordID, data), 200, "")
	expect(t, soBind(e, "POST", bob, "", recordID), 400, "verification_record.not_found")
}
