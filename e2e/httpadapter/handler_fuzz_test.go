package httpadapter_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// fzMethods are the methods a FuzzHandler input picks from: the routes'
// own, the others net/http passes to handlers, and spellings a router must
// not confuse with them.
var fzMethods = []string{
	"GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS",
	"TRACE", "CONNECT", "PROPFIND", "QUERY", "get", "Post", "X-FUZZ",
}

// fzPatterns are the paths of every route both handlers serve (and of the
// routes being added), with their wildcards.
var fzPatterns = []string{
	"/api/my-account",
	"/api/my-account/profile",
	"/api/my-account/password",
	"/api/my-account/primary-email",
	"/api/my-account/primary-phone",
	"/api/my-account/export",
	"/api/my-account/identities",
	"/api/my-account/identities/{target}",
	"/api/my-account/mfa-verifications",
	"/api/my-account/mfa-verifications/totp",
	"/api/my-account/mfa-verifications/totp-secret/generate",
	"/api/my-account/mfa-verifications/backup-codes/generate",
	"/api/my-account/mfa-verifications/backup-codes",
	"/api/my-account/mfa-verifications/{verificationId}",
	"/api/my-account/mfa-verifications/{verificationId}/name",
	"/api/my-account/mfa-settings",
	"/api/my-account/logto-configs",
	"/api/verifications/password",
	"/api/verifications/verification-code",
	"/api/verifications/verification-code/verify",
	"/api/verifications/social",
	"/api/verifications/social/verify",
	"/api/verifications/totp/verify",
	"/api/verifications/backup-code/verify",
	"/api/verifications/web-authn/registration",
	"/api/verifications/web-authn/registration/verify",
	"/api/verifications/web-authn/authentication",
	"/api/verifications/web-authn/authentication/verify",
	"/.well-known/webauthn",
	"/api/users",
	"/api/users/{userId}",
	"/api/users/{userId}/profile",
	"/api/users/{userId}/custom-data",
	"/api/users/{userId}/is-suspended",
	"/api/users/{userId}/password",
	"/api/users/{userId}/password/verify",
	"/api/users/{userId}/has-password",
	"/api/users/{userId}/identities",
	"/api/users/{userId}/identities/{target}",
	"/api/users/{userId}/mfa-verifications",
	"/api/users/{userId}/mfa-verifications/{verificationId}",
	"/api/users/{userId}/logto-configs",
	"/api/users/{userId}/personal-access-tokens",
	"/api/users/{userId}/personal-access-tokens/{name}",
	"/api/users/{userId}/personal-access-tokens/delete",
	"/api/connectors/{connectorId}/authorization-uri",
	"/api/account-center",
	"/api/sign-in-exp",
	"/api/openapi.json",
}

// fzRawRoute and the route values above it send FuzzHandler's raw target;
// those below pick a pattern (modulo their number).
const fzRawRoute = 192

// fzPath fills pattern's wildcards. who picks the user ({userId}: a fixture
// user, no user, or seg) and the factor; mode picks, for the other
// wildcards, the fixture's value, seg path-escaped, or seg as it is (which
// may add segments).
func fzPath(pattern string, who, mode uint8, seg string) string {
	users := append(slices.Clone(fzUsers), fzNoone, url.PathEscape(seg), seg)
	factors := []string{fzTOTPFactor, fzBackupFactor, fzWAFactor}
	known := map[string]string{
		"{userId}": users[int(who)%len(users)], "{target}": fzSocialTarget,
		"{verificationId}": factors[int(who)%len(factors)], "{name}": fzTokenName, "{connectorId}": "mock",
	}
	var b strings.Builder
	for _, part := range strings.SplitAfter(pattern, "/") {
		name := strings.TrimSuffix(part, "/")
		v, ok := known[name]
		if !ok {
			b.WriteString(part)
			continue
		}
		switch {
		case name == "{userId}":
		case mode%3 == 1:
			v = url.PathEscape(seg)
		case mode%3 == 2:
			v = seg
		}
		b.WriteString(v)
		if strings.HasSuffix(part, "/") {
			b.WriteByte('/')
		}
	}
	return b.String()
}

// FuzzHandler sends random requests to both handlers, mounted as a host
// mounts them, over the fixture store: a method from fzMethods; a path from
// fzPatterns with fuzzed wildcards, or a raw target (route from
// fzRawRoute on); an Authorization header (a fixture user's token, the
// admin's, tokens that must be refused, or raw text); a
// logto-verification-id; Content-Type, Accept-Language and Origin; a body;
// and the Host (the WebAuthn relying party and the TOTP issuer come from
// it). Every answer must be below 500, every error a JSON {code, message}; a
// refused request must change no stored user, identity, factor, token or
// setting; and no request may store a NUL character (fzServer.do).
func FuzzHandler(f *testing.F) {
	s := fzNewServer(f)
	type seed struct {
		method, route, who, mode uint8
		seg, raw                 string
		auth                     uint8
		authRaw                  string
		proof                    uint8
		contentType, lang, org   string
		body                     string
		host                     string
	}
	route := func(p string) uint8 {
		for i, q := range fzPatterns {
			if q == p {
				return uint8(i)
			}
		}
		panic("no pattern " + p)
	}
	const (
		get, post, patch, put, del, head, options = 0, 1, 2, 3, 4, 5, 6
		ctJSON                                    = "application/json"
		rawTarget                                 = fzRawRoute
	)
	seeds := []seed{
		{method: get, route: route("/api/my-account"), auth: fzAuthAlice},
		{method: patch, route: route("/api/my-account"), auth: fzAuthAlice, proof: 1, contentType: ctJSON,
			body: `{"name":"Alice B","avatar":null,"customData":{"k":[1,2,{"x":null}]}}`},
		{method: patch, route: route("/api/my-account"), auth: fzAuthAlice, contentType: ctJSON, lang: "fr-FR,fr;q=0.9",
			body: `{"username":null}`},
		{method: patch, route: route("/api/my-account/profile"), auth: fzAuthAlice, proof: 1, contentType: ctJSON,
			body: `{"givenName":"A","address":{"locality":"Lyon","country":null}}`},
		{method: post, route: route("/api/my-account/password"), auth: fzAuthAlice, proof: 1, contentType: ctJSON,
			body: `{"password":"N3w-Passw0rd-xyz"}`},
		{method: post, route: route("/api/my-account/primary-email"), auth: fzAuthAlice, proof: 1, contentType: ctJSON,
			body: `{"email":"` + fzAliceNewMail + `","newIdentifierVerificationRecordId":"` + fzNewEmail + `"}`},
		{method: patch, route: route("/api/my-account/primary-phone"), auth: fzAuthBob, proof: 1, contentType: ctJSON,
			body: `{"phone":"` + fzAliceNewTel + `","newIdentifierVerificationRecordId":"` + fzNewPhone + `"}`},
		{method: del, route: route("/api/my-account/primary-email"), auth: fzAuthAlice, proof: 2},
		{method: post, route: route("/api/verifications/password"), auth: fzAuthAlice, contentType: ctJSON,
			body: `{"password":"` + fzPassword + `"}`},
		{method: post, route: route("/api/verifications/verification-code"), auth: fzAuthAlice, contentType: ctJSON, lang: "de",
			body: `{"identifier":{"type":"email","value":"someone@example.com"}}`},
		{method: post, route: route("/api/verifications/verification-code/verify"), auth: fzAuthAlice, contentType: ctJSON,
			body: `{"identifier":{"type":"email","value":"` + fzAliceEmail + `"},"verificationId":"` + fzCodeRecord + `","code":"` + fzCode + `"}`},
		{method: post, route: route("/api/verifications/social/verify"), auth: fzAuthAlice, contentType: ctJSON,
			body: `{"verificationRecordId":"` + fzSocialBegun + `","connectorData":{"state":"` + fzSocialState + `","userId":"s-9"}}`},
		{method: del, route: route("/api/my-account/identities/{target}"), auth: fzAuthAlice, proof: 1},
		{method: del, route: route("/api/my-account/identities/{target}"), mode: 1, seg: "a/b%00", auth: fzAuthAlice, proof: 1},
		{method: post, route: route("/api/my-account/mfa-verifications"), auth: fzAuthBob, proof: 1, contentType: ctJSON,
			body: `{"type":"Totp","secret":"` + fzTOTPSecret + `","code":"000000"}`},
		{method: del, route: route("/api/my-account/mfa-verifications/{verificationId}"), who: 2, auth: fzAuthAlice, proof: 1},
		{method: patch, route: route("/api/my-account/mfa-verifications/{verificationId}/name"), who: 2, auth: fzAuthAlice, proof: 1,
			contentType: ctJSON, body: `{"name":"My key"}`},
		{method: post, route: route("/api/verifications/totp/verify"), auth: fzAuthAlice, contentType: ctJSON,
			body: `{"code":"` + fzTOTPCode() + `"}`},
		{method: post, route: route("/api/verifications/backup-code/verify"), auth: fzAuthAlice, contentType: ctJSON,
			body: `{"code":"` + fzBackupCodes[0] + `"}`},
		{method: post, route: route("/api/verifications/web-authn/registration"), auth: fzAuthAlice, proof: 1, org: fzOrigin},
		{method: post, route: route("/api/verifications/web-authn/registration"), auth: fzAuthAlice, proof: 1, host: "[::1]:8080"},
		{method: post, route: route("/api/verifications/web-authn/authentication"), auth: fzAuthAlice, host: "Example.COM."},
		{method: post, route: route("/api/my-account/mfa-verifications/totp-secret/generate"), auth: fzAuthAlice, host: "a:b:c"},
		{method: post, route: route("/api/users/{userId}/mfa-verifications"), who: 1, auth: fzAuthAdmin, contentType: ctJSON,
			body: `{"type":"Totp"}`, host: "xn--nxasmq6b.example:443"},
		{method: get, route: route("/.well-known/webauthn")},
		{method: options, route: route("/api/my-account"), org: "https://app.example.com"},
		{method: head, route: route("/api/my-account"), auth: fzAuthAlice},
		{method: put, route: route("/api/my-account"), auth: fzAuthAlice},
		{method: 13, route: route("/api/users"), auth: fzAuthAdmin},
		{method: 8, route: route("/api/users/{userId}"), auth: fzAuthAdmin},
		{method: post, route: route("/api/users"), auth: fzAuthAdmin, contentType: ctJSON,
			body: `{"username":"new_user","password":"Another-pass-99","profile":{"nickname":"n"}}`},
		{method: post, route: route("/api/users"), auth: fzAuthAdmin, contentType: ctJSON,
			body: `{"username":"imported","passwordDigest":"$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA","passwordAlgorithm":"Argon2id"}`},
		{method: patch, route: route("/api/users/{userId}"), who: 1, auth: fzAuthAdmin, contentType: ctJSON,
			body: `{"primaryEmail":"` + fzAliceEmail + `"}`},
		{method: del, route: route("/api/users/{userId}"), who: 6 /* fzNoone */, auth: fzAuthAdmin},
		{method: patch, route: route("/api/users/{userId}/is-suspended"), auth: fzAuthAdmin, contentType: ctJSON,
			body: `{"isSuspended":true}`},
		{method: post, route: route("/api/users/{userId}/password/verify"), who: 2, auth: fzAuthAdmin, contentType: ctJSON,
			body: `{"password":"wrong"}`},
		{method: put, route: route("/api/users/{userId}/identities/{target}"), who: 1, auth: fzAuthAdmin, contentType: ctJSON,
			body: `{"userId":"social-alice","details":{}}`},
		{method: post, route: route("/api/users/{userId}/mfa-verifications"), who: 1, auth: fzAuthAdmin, contentType: ctJSON,
			body: `{"type":"Totp"}`},
		{method: post, route: route("/api/users/{userId}/personal-access-tokens"), auth: fzAuthAdmin, contentType: ctJSON,
			body: `{"name":"t2","expiresAt":9999999999999}`},
		{method: patch, route: route("/api/users/{userId}/personal-access-tokens/{name}"), mode: 2, seg: "a b", auth: fzAuthAdmin,
			contentType: ctJSON, body: `{"name":"renamed"}`},
		{method: patch, route: route("/api/account-center"), auth: fzAuthAdmin, contentType: ctJSON,
			body: `{"enabled":false,"fields":{"name":"ReadOnly"}}`},
		{method: patch, route: route("/api/sign-in-exp"), auth: fzAuthAdmin, contentType: ctJSON,
			body: `{"sentinelPolicy":{"maxAttempts":3,"lockoutDuration":1}}`},
		{method: get, route: route("/api/users/{userId}"), auth: fzAuthAdminNoScope},
		{method: get, route: route("/api/my-account"), auth: fzAuthCarol},
		{method: get, route: route("/api/my-account"), auth: fzAuthAliceExpired},
		{method: get, route: route("/api/my-account"), auth: fzAuthBearerRaw, authRaw: "a.b.c"},
		{method: get, route: route("/api/my-account"), auth: fzAuthRaw, authRaw: "Basic Zm9vOmJhcg=="},
		{method: get, route: rawTarget, raw: "/api/users/" + fzAlice + "?includePasswordHash=true&includeSsoIdentities=maybe", auth: fzAuthAdmin},
		{method: get, route: rawTarget, raw: "/api/my-account/../users", auth: fzAuthAdmin},
		{method: post, route: rawTarget, raw: "/api/verifications/%2e%2e/password", auth: fzAuthAlice, body: `{}`},
		{method: get, route: rawTarget, raw: "/api/my-account%00", auth: fzAuthAlice},
		{method: get, route: rawTarget, raw: "*", auth: fzAuthAlice},
	}
	for _, sd := range seeds {
		f.Add(sd.method, sd.route, sd.who, sd.mode, sd.seg, sd.raw, sd.auth, sd.authRaw, sd.proof, sd.contentType, sd.lang, sd.org,
			[]byte(sd.body), sd.host)
	}
	f.Fuzz(func(t *testing.T, method, route, who, mode uint8, seg, raw string, auth uint8, authRaw string, proof uint8,
		contentType, lang, origin string, body []byte, host string) {
		rq := fzRequest{method: fzMethods[int(method)%len(fzMethods)], header: http.Header{}, body: body, host: host}
		if route < fzRawRoute {
			rq.target = fzPath(fzPatterns[int(route)%len(fzPatterns)], who, mode, seg)
		} else {
			rq.target = raw
		}
		authz, user := fzAuthorization(auth, authRaw)
		for name, v := range map[string]string{
			"Authorization":                 authz,
			"Logto-Verification-Id":         fzProof(proof, user, seg),
			"Content-Type":                  contentType,
			"Accept-Language":               lang,
			"Origin":                        origin,
			"User-Agent":                    "FuzzBrowser/1.0",
			"Access-Control-Request-Method": map[bool]string{true: "PATCH"}[rq.method == "OPTIONS" && origin != ""],
		} {
			if v != "" {
				rq.header.Set(name, v)
			}
		}
		s.do(t, rq)
	})
}

// fzBodyRoute is a route that reads a body, with the token and proof a
// well-behaved client would send it.
type fzBodyRoute struct {
	method, path string
	auth         int // fzAuthAlice or fzAuthAdmin
	// good and bad are bodies for the seed corpus: one the route accepts
	// (given the fixtures), and ones it must refuse.
	good string
	bad  []string
}

// fzBodyRoutes are the routes FuzzRouteBody fuzzes the bodies of.
var fzBodyRoutes = []fzBodyRoute{
	{"PATCH", "/api/my-account", fzAuthAlice, `{"name":"Al","avatar":"https://example.com/a.png","customData":{"a":1}}`,
		[]string{`{"name":1}`, `{"customData":null}`, `{"username":"bad name!"}`, `[]`,
			// A number out of float64's range hid the NUL from the
			// decoder, and the store failed on it: a 500 (FuzzDecode).
			`{"name":"a\u0000b","n":1e400}`}},
	{"PATCH", "/api/my-account/profile", fzAuthAlice, `{"nickname":"al","address":{"formatted":"1 rue"}}`,
		[]string{`{"address":{"formatted":null}}`, `{"address":[]}`, `{"birthdate":7}`}},
	{"POST", "/api/my-account/password", fzAuthAlice, `{"password":"N3w-Passw0rd-xyz"}`,
		[]string{`{"password":"short"}`, `{}`, `{"password":null}`}},
	{"POST", "/api/my-account/primary-email", fzAuthAlice,
		`{"email":"` + fzAliceNewMail + `","newIdentifierVerificationRecordId":"` + fzNewEmail + `"}`,
		[]string{`{"email":"x@example.com","newIdentifierVerificationRecordId":"` + fzNewEmail + `"}`, `{"email":"not an email","newIdentifierVerificationRecordId":""}`}},
	{"POST", "/api/my-account/primary-phone", fzAuthAlice,
		`{"phone":"` + fzAliceNewTel + `","newIdentifierVerificationRecordId":"` + fzNewPhone + `"}`,
		[]string{`{"phone":"+1 555 555 0123","newIdentifierVerificationRecordId":"` + fzNewPhone + `"}`, `{"phone":"abc"}`}},
	{"POST", "/api/verifications/password", fzAuthAlice, `{"password":"` + fzPassword + `"}`,
		[]string{`{"password":"wrong"}`, `{"password":""}`, `{"password":["x"]}`}},
	{"POST", "/api/verifications/verification-code", fzAuthAlice, `{"identifier":{"type":"email","value":"other@example.com"}}`,
		[]string{`{"identifier":{"type":"phone","value":"+1 (555) 555-0100"},"templateType":"UserPermissionValidation"}`,
			`{"identifier":{"type":"userId","value":"x"}}`, `{"identifier":"a@b.c"}`}},
	{"POST", "/api/verifications/verification-code/verify", fzAuthAlice,
		`{"identifier":{"type":"email","value":"` + fzAliceEmail + `"},"verificationId":"` + fzCodeRecord + `","code":"` + fzCode + `"}`,
		[]string{`{"identifier":{"type":"email","value":"` + fzAliceEmail + `"},"verificationId":"` + fzCodeRecord + `","code":"000000"}`}},
	{"POST", "/api/verifications/social", fzAuthAlice, `{"connectorId":"mock","state":"s","redirectUri":"https://app.example.com/cb"}`,
		[]string{`{"connectorId":"email","state":"s","redirectUri":"https://x"}`, `{"connectorId":"nope","state":"","redirectUri":""}`}},
	{"POST", "/api/verifications/social/verify", fzAuthAlice,
		`{"verificationRecordId":"` + fzSocialBegun + `","connectorData":{"state":"` + fzSocialState + `","userId":"s-1","email":"s@example.com"}}`,
		[]string{`{"verificationRecordId":"` + fzSocialBegun + `","connectorData":{"userId":7}}`, `{"verificationRecordId":"x","connectorData":[]}`}},
	{"POST", "/api/my-account/identities", fzAuthAlice, `{"newIdentifierVerificationRecordId":"` + fzSocial + `"}`,
		[]string{`{"newIdentifierVerificationRecordId":"` + fzNewEmail + `"}`}},
	{"PUT", "/api/my-account/identities", fzAuthAlice, `{"newIdentifierVerificationRecordId":"` + fzSocial + `"}`,
		[]string{`{"newIdentifierVerificationRecordId":null}`}},
	{"POST", "/api/my-account/mfa-verifications", fzAuthAlice, `{"type":"WebAuthn","newIdentifierVerificationRecordId":"` + fzWARegDone + `","name":"Key"}`,
		[]string{`{"type":"Totp","secret":"` + fzTOTPSecret + `","code":"` + fzTOTPCode() + `"}`,
			`{"type":"BackupCode","codes":["0123456789"]}`, `{"type":"totp"}`, `{"type":null}`}},
	{"PUT", "/api/my-account/mfa-verifications/totp", fzAuthAlice, `{"secret":"` + fzTOTPSecret + `","code":"` + fzTOTPCode() + `"}`,
		[]string{`{"secret":"not base32!","code":"1"}`}},
	{"PATCH", "/api/my-account/mfa-settings", fzAuthAlice, `{"skipMfaOnSignIn":true}`,
		[]string{`{"skipMfaOnSignIn":"yes"}`}},
	{"PATCH", "/api/my-account/logto-configs", fzAuthAlice, `{"mfa":{"skipped":true},"passkeySignIn":{"skipped":false}}`,
		[]string{`{"mfa":{"enabled":null}}`, `{"mfa":null}`}},
	{"POST", "/api/verifications/totp/verify", fzAuthAlice, `{"code":"` + fzTOTPCode() + `"}`,
		[]string{`{"code":"12345a"}`}},
	{"POST", "/api/verifications/backup-code/verify", fzAuthAlice, `{"code":"` + fzBackupCodes[1] + `"}`,
		[]string{`{"code":"zzzz"}`}},
	{"POST", "/api/verifications/web-authn/registration/verify", fzAuthAlice, "", // FuzzWebAuthn's seeds
		[]string{`{"verificationRecordId":"` + fzWAReg + `","payload":{}}`}},
	{"POST", "/api/verifications/web-authn/authentication/verify", fzAuthAlice, "",
		[]string{`{"verificationRecordId":"` + fzWAAuth + `","payload":{"type":"WebAuthn"}}`}},
	{"PATCH", "/api/my-account/mfa-verifications/" + fzWAFactor + "/name", fzAuthAlice, `{"name":"Laptop"}`,
		[]string{`{"name":""}`, `{"name":"` + strings.Repeat("n", 300) + `"}`}},
	{"POST", "/api/users", fzAuthAdmin, `{"username":"created","primaryEmail":"c@example.com","primaryPhone":"442079460958","name":"C","avatar":null,"customData":{"x":1},"profile":{"locale":"fr"}}`,
		[]string{`{"username":"fz_alice"}`, `{"passwordDigest":"$2b$04$abc","passwordAlgorithm":"Bcrypt"}`,
			`{"password":"p","passwordDigest":"d","passwordAlgorithm":"MD5"}`, `{"passwordAlgorithm":"Scrypt","passwordDigest":"x"}`}},
	{"PATCH", "/api/users/" + fzAlice, fzAuthAdmin, `{"username":"alice2","primaryPhone":null,"profile":{"website":"https://a.example"}}`,
		[]string{`{"primaryEmail":"bob@example.com"}`, `{"profile":{"address":{"region":null}}}`, `{"customData":[]}`}},
	{"PATCH", "/api/users/" + fzAlice + "/profile", fzAuthAdmin, `{"profile":{"gender":"x"}}`,
		[]string{`{"profile":null}`, `{"profile":{"familyName":null}}`}},
	{"PATCH", "/api/users/" + fzAlice + "/custom-data", fzAuthAdmin, `{"customData":{"plan":"free"}}`,
		[]string{`{"customData":"x"}`}},
	{"PATCH", "/api/users/" + fzAlice + "/is-suspended", fzAuthAdmin, `{"isSuspended":true}`,
		[]string{`{"isSuspended":0}`}},
	{"POST", "/api/users/" + fzAlice + "/password/verify", fzAuthAdmin, `{"password":"` + fzPassword + `"}`,
		[]string{`{"password":"nope"}`}},
	{"PATCH", "/api/users/" + fzAlice + "/password", fzAuthAdmin, `{"password":"Brand-new-pass-1"}`,
		[]string{`{"password":""}`}},
	{"PUT", "/api/users/" + fzAlice + "/identities/github", fzAuthAdmin, `{"userId":"gh-1","details":{"login":"a"}}`,
		[]string{`{"userId":"social-alice"}`, `{"details":{}}`}},
	{"POST", "/api/users/" + fzBob + "/identities", fzAuthAdmin, `{"connectorId":"mock","connectorData":{"userId":"bob-social"}}`,
		[]string{`{"connectorId":"mock","connectorData":{"userId":"social-alice"}}`, `{"connectorId":"email","connectorData":{}}`}},
	{"POST", "/api/connectors/mock/authorization-uri", fzAuthAdmin, `{"state":"s","redirectUri":"https://app.example.com/cb"}`,
		[]string{`{"state":"s"}`}},
	{"POST", "/api/users/" + fzBob + "/mfa-verifications", fzAuthAdmin, `{"type":"Totp","secret":"` + fzTOTPSecret + `"}`,
		[]string{`{"type":"BackupCode","codes":["x"]}`, `{"type":"WebAuthn"}`, `{"type":"Totp","secret":"short"}`}},
	{"PATCH", "/api/users/" + fzAlice + "/logto-configs", fzAuthAdmin, `{"mfa":{"skipMfaOnSignIn":true}}`,
		[]string{`{"passkeySignIn":{"skipped":null}}`}},
	{"POST", "/api/users/" + fzAlice + "/personal-access-tokens", fzAuthAdmin, `{"name":"ci","expiresAt":null}`,
		[]string{`{"name":"` + fzTokenName + `"}`, `{"name":"x","expiresAt":"tomorrow"}`, `{"name":"x","expiresAt":1e300}`, `{"name":"x","expiresAt":-9.2e18}`,
			`{"name":"x","expiresAt":4e18}`, `{"name":"x","expiresAt":253402300800000}`, `{"name":"x","expiresAt":-62135596800001}`}},
	{"PATCH", "/api/users/" + fzAlice + "/personal-access-tokens", fzAuthAdmin, `{"currentName":"` + fzTokenName + `","name":"renamed"}`,
		[]string{`{"currentName":"missing","name":"x"}`}},
	{"PATCH", "/api/users/" + fzAlice + "/personal-access-tokens/" + fzTokenName, fzAuthAdmin, `{"name":"renamed"}`,
		[]string{`{"name":""}`}},
	{"POST", "/api/users/" + fzAlice + "/personal-access-tokens/delete", fzAuthAdmin, `{"name":"` + fzTokenName + `"}`,
		[]string{`{"name":"missing"}`}},
	{"PATCH", "/api/account-center", fzAuthAdmin, `{"fields":{"email":"ReadOnly"},"webauthnRelatedOrigins":["https://app.example.com"],"deleteAccountUrl":null}`,
		[]string{`{"fields":{"email":"Sometimes"}}`, `{"webauthnRelatedOrigins":["not a url"]}`, `{"enabled":null}`}},
	{"PATCH", "/api/sign-in-exp", fzAuthAdmin, `{"passwordPolicy":{"length":{"min":10,"max":64}},"mfa":{"factors":["Totp"],"policy":"UserControlled"}}`,
		[]string{`{"usernamePolicy":{"caseSensitive":true}}`, `{"sentinelPolicy":{"maxAttempts":-1}}`,
			`{"verificationCodePolicy":{"expirationDuration":1e18}}`, `{"sentinelPolicy":{"lockoutDuration":9223372036854775807}}`}},
}

// FuzzRouteBody sends fuzzed bodies to every route that reads one, with the
// credentials a well-behaved client sends (auth 0: the route's user or the
// admin, with the user's identity proof; other values: fzAuthorization's
// choices), and checks the answers as FuzzHandler does. It searches the
// bodies FuzzHandler's wider input rarely gets right.
func FuzzRouteBody(f *testing.F) {
	s := fzNewServer(f)
	for i, r := range fzBodyRoutes {
		for _, b := range append([]string{r.good}, r.bad...) {
			if b != "" {
				f.Add(uint8(i), uint8(0), uint8(1), []byte(b))
			}
		}
	}
	f.Fuzz(func(t *testing.T, route, auth, proof uint8, body []byte) {
		r := fzBodyRoutes[int(route)%len(fzBodyRoutes)]
		rq := fzRequest{method: r.method, target: r.path, header: http.Header{}, body: body}
		authz, user := fzAuthorization(uint8(r.auth), "")
		if auth != 0 {
			authz, user = fzAuthorization(auth, "garbage")
		}
		rq.header.Set("Authorization", authz)
		if p := fzProof(proof, user, "garbage"); p != "" {
			rq.header.Set("Logto-Verification-Id", p)
		}
		rq.header.Set("Content-Type", "application/json")
		rq.header.Set("Origin", fzOrigin)
		s.do(t, rq)
	})
}
