package httpadapter_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/accountapi/accountapi"
	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/store"
)

// Tests of the WebAuthn routes (docs/compatibility.md, "Order of checks",
// "Factor list", "WebAuthn", "Deleting factors", "New-identifier records
// belong to their creator", "WebAuthn challenges are single-use" and "Step-up
// verification with an MFA factor") against a software authenticator written
// here. Helpers start with "wa".

const (
	// waHost is the Host the tests reach the API at; the relying-party id is
	// its host name and the API's origin is waOrigin.
	waHost   = "localhost:8080"
	waOrigin = "http://localhost:8080"
	waRPID   = "localhost"
	waAgent  = "WATestBrowser/1.0"
)

// The authenticator-data flags (WebAuthn Level 3 §6.1).
const (
	waUP byte = 0x01
	waUV byte = 0x04
	waBE byte = 0x08
	waBS byte = 0x10
	waAT byte = 0x40
)

// waAuthenticator is a software authenticator holding one ES256 credential.
type waAuthenticator struct {
	t      testing.TB
	key    *ecdsa.PrivateKey
	credID []byte
	aaguid []byte
	// counter is the signature counter of the last operation.
	counter uint32
	// flags are added to UP|UV (and AT) in every operation, e.g. waBE|waBS.
	flags byte
	// userHandle is the user.id the credential was created for.
	userHandle []byte
}

func newWAAuthenticator(t testing.TB) *waAuthenticator {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 32)
	rand.Read(id)
	return &waAuthenticator{t: t, key: key, credID: id, aaguid: make([]byte, 16), counter: 1}
}

// waTweaks bend one ceremony out of shape; the zero value is a correct one.
type waTweaks struct {
	origin    string // client data origin; "" is waOrigin
	challenge string // client data challenge; "" is the options'
	typ       string // client data type; "" is webauthn.create or webauthn.get
	rpID      string // what rpIdHash hashes; "" is the options' relying party
	noUV      bool   // clear the UV flag
	noUP      bool   // clear the UP flag
	counter   *uint32
	// badSignature signs other data (assertions only).
	badSignature bool
}

func waB64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func waUnB64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("not base64url: %q", s)
	}
	return b
}

func (a *waAuthenticator) clientData(typ, challenge string, tw waTweaks) []byte {
	if tw.typ != "" {
		typ = tw.typ
	}
	if tw.challenge != "" {
		challenge = tw.challenge
	}
	origin := waOrigin
	if tw.origin != "" {
		origin = tw.origin
	}
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": origin, "crossOrigin": false})
	return b
}

func (a *waAuthenticator) authData(rpID string, flags byte, tw waTweaks, attested []byte) []byte {
	if tw.rpID != "" {
		rpID = tw.rpID
	}
	flags |= waUP | waUV | a.flags
	if tw.noUV {
		flags &^= waUV
	}
	if tw.noUP {
		flags &^= waUP
	}
	if tw.counter != nil {
		a.counter = *tw.counter
	}
	h := sha256.Sum256([]byte(rpID))
	out := append(h[:], flags)
	out = binary.BigEndian.AppendUint32(out, a.counter)
	return append(out, attested...)
}

// coseKey is the credential public key as a COSE_Key (RFC 9052 §7, EC2).
func (a *waAuthenticator) coseKey() []byte {
	pub, err := a.key.PublicKey.ECDH()
	if err != nil {
		a.t.Fatal(err)
	}
	raw := pub.Bytes() // 0x04 || X || Y
	em, err := cbor.CanonicalEncOptions().EncMode()
	if err != nil {
		a.t.Fatal(err)
	}
	b, err := em.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: raw[1:33], -3: raw[33:65]})
	if err != nil {
		a.t.Fatal(err)
	}
	return b
}

// create answers registrationOptions as navigator.credentials.create() and
// toJSON() would, with Logto's type "WebAuthn".
func (a *waAuthenticator) create(opts map[string]any, tw waTweaks) map[string]any {
	a.t.Helper()
	rp := opts["rp"].(map[string]any)
	user := opts["user"].(map[string]any)
	a.userHandle = waUnB64(a.t, user["id"].(string))
	attested := append([]byte{}, a.aaguid...)
	attested = binary.BigEndian.AppendUint16(attested, uint16(len(a.credID)))
	attested = append(attested, a.credID...)
	attested = append(attested, a.coseKey()...)
	authData := a.authData(rp["id"].(string), waAT, tw, attested)
	attObj, err := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": authData})
	if err != nil {
		a.t.Fatal(err)
	}
	cd := a.clientData("webauthn.create", opts["challenge"].(string), tw)
	return map[string]any{
		"type": "WebAuthn", "id": waB64(a.credID), "rawId": waB64(a.credID),
		"authenticatorAttachment": "platform",
		"response": map[string]any{
			"clientDataJSON": waB64(cd), "attestationObject": waB64(attObj), "authenticatorData": waB64(authData),
			"transports": []string{"internal", "hybrid"}, "publicKeyAlgorithm": -7,
		},
		"clientExtensionResults": map[string]any{"credProps": map[string]any{"rk": true}},
	}
}

// get answers authenticationOptions as navigator.credentials.get() and
// toJSON() would, with type "WebAuthn". The counter goes up by one unless
// tw says otherwise.
func (a *waAuthenticator) get(opts map[string]any, tw waTweaks) map[string]any {
	a.t.Helper()
	if tw.counter == nil {
		next := a.counter + 1
		tw.counter = &next
	}
	authData := a.authData(opts["rpId"].(string), 0, tw, nil)
	cd := a.clientData("webauthn.get", opts["challenge"].(string), tw)
	cdHash := sha256.Sum256(cd)
	signed := append(slices.Clone(authData), cdHash[:]...)
	if tw.badSignature {
		signed = append(signed, 0)
	}
	digest := sha256.Sum256(signed)
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, digest[:])
	if err != nil {
		a.t.Fatal(err)
	}
	return map[string]any{
		"type": "WebAuthn", "id": waB64(a.credID), "rawId": waB64(a.credID),
		"authenticatorAttachment": "platform",
		"response": map[string]any{
			"clientDataJSON": waB64(cd), "authenticatorData": waB64(authData), "signature": waB64(sig),
			"userHandle": waB64(a.userHandle),
		},
		"clientExtensionResults": map[string]any{},
	}
}

// waPost sends a POST as a browser on waOrigin would.
func waPost(e *env, path, token string, body any) response {
	e.t.Helper()
	return e.do(req{method: "POST", path: path, token: token, body: body, host: waHost,
		header: map[string]string{"Origin": waOrigin, "User-Agent": waAgent}})
}

// waBeginRegistration starts a registration and returns the record id and
// the registration options.
func waBeginRegistration(e *env, token string) (string, map[string]any) {
	e.t.Helper()
	r := waPost(e, "/api/verifications/web-authn/registration", token, nil)
	expect(e.t, r, 200, "")
	m := r.json(e.t)
	return m["verificationRecordId"].(string), m["registrationOptions"].(map[string]any)
}

func waVerifyRegistration(e *env, token, recordID string, payload any) response {
	e.t.Helper()
	return waPost(e, "/api/verifications/web-authn/registration/verify", token,
		map[string]any{"verificationRecordId": recordID, "payload": payload})
}

// waRegistered runs a registration ceremony of a for u and returns the
// verified record's id.
func waRegistered(e *env, u *store.User, a *waAuthenticator) string {
	e.t.Helper()
	tok := e.tokenFor(u.ID)
	id, opts := waBeginRegistration(e, tok)
	expect(e.t, waVerifyRegistration(e, tok, id, a.create(opts, waTweaks{})), 200, "")
	return id
}

// waBind binds the registered record with identity proof.
func waBind(e *env, u *store.User, proof, recordID string, name *string) response {
	e.t.Helper()
	body := map[string]any{"type": "WebAuthn", "newIdentifierVerificationRecordId": recordID}
	if name != nil {
		body["name"] = *name
	}
	return e.do(req{method: "POST", path: "/api/my-account/mfa-verifications", token: e.tokenFor(u.ID), body: body,
		header: map[string]string{"Logto-Verification-Id": proof}})
}

// waPasswordUser is a user with password "Pass-w0rd!" and its proof.
func waPasswordUser(e *env) (*store.User, string) {
	e.t.Helper()
	u := e.newUser(e.withPassword("Pass-w0rd!"))
	return u, e.passwordProof(u, "Pass-w0rd!")
}

// waPasskey registers and binds a passkey of a for u (proven by proof) and
// returns the factor's id.
func waPasskey(e *env, u *store.User, proof string, a *waAuthenticator) string {
	e.t.Helper()
	rec := waRegistered(e, u, a)
	expect(e.t, waBind(e, u, proof, rec, nil), 204, "")
	f, err := e.store.FindWebAuthnCredential(context.Background(), a.credID)
	if err != nil {
		e.t.Fatal(err)
	}
	return f.ID
}

// waFactors returns the user's stored factors.
func waFactors(e *env, u *store.User) []store.MFAFactor {
	e.t.Helper()
	fs, err := e.store.ListMFAFactors(context.Background(), u.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return fs
}

// waBeginAuthentication starts a step-up and returns the record id and the
// authentication options.
func waBeginAuthentication(e *env, token string) (string, map[string]any) {
	e.t.Helper()
	r := waPost(e, "/api/verifications/web-authn/authentication", token, nil)
	expect(e.t, r, 200, "")
	m := r.json(e.t)
	return m["verificationRecordId"].(string), m["authenticationOptions"].(map[string]any)
}

func waVerifyAuthentication(e *env, token, recordID string, payload any) response {
	e.t.Helper()
	return waPost(e, "/api/verifications/web-authn/authentication/verify", token,
		map[string]any{"verificationRecordId": recordID, "payload": payload})
}

// waSignCount returns the stored signature counter of the credential.
func waSignCount(e *env, a *waAuthenticator) uint32 {
	e.t.Helper()
	f, err := e.store.FindWebAuthnCredential(context.Background(), a.credID)
	if err != nil {
		e.t.Fatal(err)
	}
	return f.WebAuthn.SignCount
}

// waSettings replaces the account-center settings of a running env.
func waSettings(e *env, ac store.AccountCenter) {
	e.t.Helper()
	if err := e.store.SaveAccountCenter(context.Background(), &ac); err != nil {
		e.t.Fatal(err)
	}
}

// waSet returns a copy of m with the member at path (dot-separated) set to
// v, or deleted when v is waDelete.
func waSet(m map[string]any, path string, v any) map[string]any {
	var data, _ = json.Marshal(m)
	var out map[string]any
	json.Unmarshal(data, &out)
	cur := out
	keys := splitPath(path)
	for _, k := range keys[:len(keys)-1] {
		cur = cur[k].(map[string]any)
	}
	if v == waDelete {
		delete(cur, keys[len(keys)-1])
	} else {
		cur[keys[len(keys)-1]] = v
	}
	return out
}

type waDeleteT struct{}

var waDelete = waDeleteT{}

func splitPath(p string) []string {
	var out []string
	start := 0
	for i := 0; i < len(p); i++ {
		if p[i] == '.' {
			out = append(out, p[start:i])
			start = i + 1
		}
	}
	return append(out, p[start:])
}

func waPtr[T any](v T) *T { return &v }

// waEventCount counts every event emitted so far.
func waEventCount(e *env) int {
	e.events.mu.Lock()
	defer e.events.mu.Unlock()
	return len(e.events.list)
}

// --- Registration options ---------------------------------------------------

func TestWebAuthnRegistrationOptions(t *testing.T) {
	e := newEnv(t)
	u := e.newUser(withEmail("ann@example.com"))
	r := waPost(e, "/api/verifications/web-authn/registration", e.tokenFor(u.ID), nil)
	expect(t, r, 200, "")
	m := r.json(t)
	if got, want := m["expiresAt"], "2026-03-04T10:10:00.000Z"; got != want {
		t.Errorf("expiresAt = %v, want %v", got, want)
	}
	opts := m["registrationOptions"].(map[string]any)
	challenge := waUnB64(t, opts["challenge"].(string))
	if len(challenge) < 16 {
		t.Errorf("challenge of %d bytes", len(challenge))
	}
	delete(opts, "challenge")
	want := map[string]any{
		"rp":   map[string]any{"name": waRPID, "id": waRPID},
		"user": map[string]any{"id": waB64([]byte(u.ID)), "name": "ann@example.com", "displayName": "ann@example.com"},
		"pubKeyCredParams": []any{
			map[string]any{"type": "public-key", "alg": float64(-7)},
			map[string]any{"type": "public-key", "alg": float64(-257)},
		},
		"timeout":            float64(60000),
		"excludeCredentials": []any{},
		"authenticatorSelection": map[string]any{
			"residentKey": "required", "requireResidentKey": true, "userVerification": "required",
		},
		"attestation": "none",
		"extensions":  map[string]any{"credProps": true},
	}
	if diff := cmp.Diff(want, opts); diff != "" {
		t.Errorf("registrationOptions (-want +got):\n%s", diff)
	}

	// The record keeps the session: challenge, relying party, user handle.
	rec, err := e.store.GetVerificationRecord(context.Background(), m["verificationRecordId"].(string), e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if rec.Type != store.RecordWebAuthn || rec.UserID != u.ID || rec.CreatedBy != u.ID || rec.Verified {
		t.Errorf("record = %+v", rec)
	}
	if rec.WebAuthn.Challenge != waB64(challenge) || rec.WebAuthn.RPID != waRPID || string(rec.WebAuthn.UserHandle) != u.ID ||
		rec.WebAuthn.UserVerification != "required" {
		t.Errorf("record session = %+v", rec.WebAuthn)
	}
}

func TestWebAuthnRegistrationOptionsExcludeBoundCredentials(t *testing.T) {
	e := newEnv(t)
	u, proof := waPasswordUser(e)
	a := newWAAuthenticator(t)
	waPasskey(e, u, proof, a)
	_, opts := waBeginRegistration(e, e.tokenFor(u.ID))
	want := []any{map[string]any{"id": waB64(a.credID), "type": "public-key", "transports": []any{"internal", "hybrid"}}}
	if diff := cmp.Diff(want, opts["excludeCredentials"]); diff != "" {
		t.Errorf("excludeCredentials (-want +got):\n%s", diff)
	}
}

func TestWebAuthnRegistrationUserEntity(t *testing.T) {
	name := func(s string) func(*store.User) { return func(u *store.User) { u.Name = &s } }
	tests := []struct {
		name        string
		mods        []func(*store.User)
		userName    string
		displayName string
	}{
		{"email first", []func(*store.User){withEmail("ann@example.com"), withPhone("61412345678")}, "ann@example.com", "ann@example.com"},
		{"phone in international format", []func(*store.User){withPhone("61412345678")}, "+61 412 345 678", "+61 412 345 678"},
		{"username", nil, "", ""}, // filled in below: the fixture's username
		{"name is the display name", []func(*store.User){withEmail("ann@example.com"), name("Ann")}, "ann@example.com", "Ann"},
		{"an empty name is a name", []func(*store.User){withEmail("ann@example.com"), name("")}, "ann@example.com", ""},
		{"nothing", []func(*store.User){withoutUsername()}, "Unnamed User", "Unnamed User"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			u := e.newUser(tt.mods...)
			if tt.userName == "" && tt.name == "username" {
				tt.userName, tt.displayName = u.Username, u.Username
			}
			_, opts := waBeginRegistration(e, e.tokenFor(u.ID))
			user := opts["user"].(map[string]any)
			if user["name"] != tt.userName || user["displayName"] != tt.displayName {
				t.Errorf("user = %v, want name %q displayName %q", user, tt.userName, tt.displayName)
			}
		})
	}
}

func TestWebAuthnRegistrationRelyingParty(t *testing.T) {
	t.Run("configured id and name", func(t *testing.T) {
		e := newEnv(t, withConfig(func(c *accountapi.Config) {
			c.WebAuthn.RPID, c.WebAuthn.RPDisplayName, c.WebAuthn.Timeout = "example.org", "Example", 2*time.Minute
		}))
		u := e.newUser()
		_, opts := waBeginRegistration(e, e.tokenFor(u.ID))
		if diff := cmp.Diff(map[string]any{"id": "example.org", "name": "Example"}, opts["rp"]); diff != "" {
			t.Errorf("rp (-want +got):\n%s", diff)
		}
		if opts["timeout"] != float64(120000) {
			t.Errorf("timeout = %v", opts["timeout"])
		}
	})
	t.Run("the request host, lower-cased", func(t *testing.T) {
		e := newEnv(t)
		u := e.newUser()
		r := e.do(req{method: "POST", path: "/api/verifications/web-authn/registration", token: e.tokenFor(u.ID), host: "Accounts.Example.COM:8443"})
		expect(t, r, 200, "")
		rp := r.json(t)["registrationOptions"].(map[string]any)["rp"]
		if diff := cmp.Diff(map[string]any{"id": "accounts.example.com", "name": "accounts.example.com"}, rp); diff != "" {
			t.Errorf("rp (-want +got):\n%s", diff)
		}
	})
	t.Run("an IP address cannot be a relying-party id", func(t *testing.T) {
		e := newEnv(t)
		u := e.newUser()
		r := e.do(req{method: "POST", path: "/api/verifications/web-authn/registration", token: e.tokenFor(u.ID), host: "127.0.0.1:8080"})
		expect(t, r, 400, "guard.invalid_input")
	})
}

func TestWebAuthnRegistrationFirstParty(t *testing.T) {
	e := newEnv(t, idFirstParty())
	u := e.newUser()
	r := waPost(e, "/api/verifications/web-authn/registration", idToken(e, u.ID, idThirdParty, "openid"), nil)
	expect(t, r, 403, "auth.third_party_application_forbidden")
}

// --- Registration verification ----------------------------------------------

func TestWebAuthnRegistrationVerify(t *testing.T) {
	e := newEnv(t)
	u := e.newUser()
	a := newWAAuthenticator(t)
	a.flags = waBE | waBS
	a.counter = 7
	tok := e.tokenFor(u.ID)
	id, opts := waBeginRegistration(e, tok)
	r := waVerifyRegistration(e, tok, id, a.create(opts, waTweaks{}))
	expect(t, r, 200, "")
	if diff := cmp.Diff(map[string]any{"verificationRecordId": id}, r.json(t)); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	rec, err := e.store.GetVerificationRecord(context.Background(), id, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Verified || rec.WebAuthn.Challenge != "" {
		t.Errorf("record verified %v, challenge %q; want verified and no challenge", rec.Verified, rec.WebAuthn.Challenge)
	}
	want := &store.WebAuthnCredential{
		RPID: waRPID, CredentialID: a.credID, PublicKey: a.coseKey(), SignCount: 7,
		Transports: []string{"internal", "hybrid"}, AAGUID: a.aaguid, AttestationType: "none", Agent: waAgent,
		BackupEligible: true, BackupState: true,
	}
	if diff := cmp.Diff(want, rec.WebAuthn.Credential); diff != "" {
		t.Errorf("stored credential (-want +got):\n%s", diff)
	}
	if len(waFactors(e, u)) != 0 {
		t.Error("verification alone stored a factor")
	}

	// The challenge is single-use.
	expect(t, waVerifyRegistration(e, tok, id, a.create(opts, waTweaks{})), 400, "session.mfa.pending_info_not_found")
}

func TestWebAuthnRegistrationVerifyWithoutTransportsOrAgent(t *testing.T) {
	e := newEnv(t)
	u := e.newUser()
	a := newWAAuthenticator(t)
	tok := e.tokenFor(u.ID)
	id, opts := waBeginRegistration(e, tok)
	payload := waSet(a.create(opts, waTweaks{}), "response.transports", waDelete)
	r := e.do(req{method: "POST", path: "/api/verifications/web-authn/registration/verify", token: tok, host: waHost,
		body: map[string]any{"verificationRecordId": id, "payload": payload}})
	expect(t, r, 200, "")
	rec, err := e.store.GetVerificationRecord(context.Background(), id, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if c := rec.WebAuthn.Credential; c.Agent != "" || len(c.Transports) != 0 {
		t.Errorf("agent %q, transports %#v; want \"\" and none", c.Agent, c.Transports)
	}
}

// TestWebAuthnRegistrationVerifyRefusals covers each refusal of
// …/registration/verify, and pairs of faults that prove the order of the
// checks: guard, first party, record, pending challenge, verification.
func TestWebAuthnRegistrationVerifyRefusals(t *testing.T) {
	type setup struct {
		e       *env
		u       *store.User
		tok     string
		id      string
		payload map[string]any
	}
	tests := []struct {
		name   string
		opts   []envOption
		tweaks waTweaks
		mod    func(t *testing.T, s *setup)
		status int
		code   string
	}{
		{name: "the request's origin", status: 200},
		{name: "another origin", tweaks: waTweaks{origin: "http://evil.example"}, status: 400, code: "session.mfa.webauthn_verification_failed"},
		{name: "the request's origin with another port", tweaks: waTweaks{origin: "http://localhost:9090"}, status: 400, code: "session.mfa.webauthn_verification_failed"},
		{
			name: "a related origin", tweaks: waTweaks{origin: "https://app.example.com"}, status: 200,
			opts: []envOption{withAccountCenter(func() store.AccountCenter {
				ac := allEditable()
				ac.WebAuthnRelatedOrigins = []string{"https://app.example.com"}
				return ac
			}())},
		},
		{
			name: "configured origins replace the request's", status: 400, code: "session.mfa.webauthn_verification_failed",
			opts: []envOption{withConfig(func(c *accountapi.Config) { c.WebAuthn.Origins = []string{"https://accounts.example.com"} })},
		},
		{
			name: "a configured origin", tweaks: waTweaks{origin: "https://accounts.example.com"}, status: 200,
			opts: []envOption{withConfig(func(c *accountapi.Config) { c.WebAuthn.Origins = []string{"https://accounts.example.com"} })},
		},
		{name: "another relying party's id hash", tweaks: waTweaks{rpID: "example.com"}, status: 400, code: "session.mfa.webauthn_verification_failed"},
		{name: "user not verified", tweaks: waTweaks{noUV: true}, status: 400, code: "session.mfa.webauthn_verification_failed"},
		{name: "user not present", tweaks: waTweaks{noUP: true}, status: 400, code: "session.mfa.webauthn_verification_failed"},
		{name: "another challenge", tweaks: waTweaks{challenge: waB64([]byte("0123456789abcdef0123456789abcdef"))}, status: 400, code: "session.mfa.webauthn_verification_failed"},
		{name: "an assertion's client data", tweaks: waTweaks{typ: "webauthn.get"}, status: 400, code: "session.mfa.webauthn_verification_failed"},
		{
			name: "bad base64 in the attestation object", status: 400, code: "session.mfa.webauthn_verification_failed",
			mod: func(t *testing.T, s *setup) {
				s.payload = waSet(s.payload, "response.attestationObject", "not base64!")
			},
		},
		{
			name: "id and rawId differ", status: 400, code: "session.mfa.webauthn_verification_failed",
			mod: func(t *testing.T, s *setup) { s.payload = waSet(s.payload, "id", waB64([]byte("other"))) },
		},
		{
			name: "garbage attestation object", status: 400, code: "session.mfa.webauthn_verification_failed",
			mod: func(t *testing.T, s *setup) {
				s.payload = waSet(s.payload, "response.attestationObject", waB64([]byte("garbage")))
			},
		},
		{
			name: "payload without type", status: 400, code: "guard.invalid_input",
			mod: func(t *testing.T, s *setup) { s.payload = waSet(s.payload, "type", waDelete) },
		},
		{
			name: "payload of type public-key", status: 400, code: "guard.invalid_input",
			mod: func(t *testing.T, s *setup) { s.payload = waSet(s.payload, "type", "public-key") },
		},
		{
			name: "payload without clientExtensionResults", status: 400, code: "guard.invalid_input",
			mod: func(t *testing.T, s *setup) { s.payload = waSet(s.payload, "clientExtensionResults", waDelete) },
		},
		{
			name: "clientExtensionResults null", status: 400, code: "guard.invalid_input",
			mod: func(t *testing.T, s *setup) { s.payload = waSet(s.payload, "clientExtensionResults", nil) },
		},
		{
			name: "payload without response", status: 400, code: "guard.invalid_input",
			mod: func(t *testing.T, s *setup) { s.payload = waSet(s.payload, "response", waDelete) },
		},
		{
			name: "response without attestationObject", status: 400, code: "guard.invalid_input",
			mod: func(t *testing.T, s *setup) { s.payload = waSet(s.payload, "response.attestationObject", waDelete) },
		},
		{
			name: "transports not strings", status: 400, code: "guard.invalid_input",
			mod: func(t *testing.T, s *setup) { s.payload = waSet(s.payload, "response.transports", []any{1}) },
		},
		{
			name: "unknown authenticatorAttachment", status: 400, code: "guard.invalid_input",
			mod: func(t *testing.T, s *setup) { s.payload = waSet(s.payload, "authenticatorAttachment", "pocket") },
		},
		{
			name: "unknown record", status: 400, code: "verification_record.not_found",
			mod: func(t *testing.T, s *setup) { s.id = "nosuchrecord000000000" },
		},
		{
			name: "another user's record", status: 400, code: "verification_record.not_found",
			mod: func(t *testing.T, s *setup) { s.tok = s.e.tokenFor(s.e.newUser().ID) },
		},
		{
			name: "expired record", status: 400, code: "verification_record.not_found",
			mod: func(t *testing.T, s *setup) { s.e.clock.Advance(11 * time.Minute) },
		},
		{
			name: "a password record", status: 400, code: "verification_record.not_found",
			opts: []envOption{},
			mod: func(t *testing.T, s *setup) {
				u := s.e.newUser(s.e.withPassword("Pass-w0rd!"))
				s.tok, s.id = s.e.tokenFor(u.ID), s.e.passwordProof(u, "Pass-w0rd!")
			},
		},
		{
			name: "a used challenge", status: 400, code: "session.mfa.pending_info_not_found",
			mod: func(t *testing.T, s *setup) {
				expect(t, waVerifyRegistration(s.e, s.tok, s.id, s.payload), 200, "")
			},
		},
		// Pairs: the earlier check wins.
		{
			name: "third party and malformed: the guard first", status: 400, code: "guard.invalid_input",
			opts: []envOption{idFirstParty()},
			mod: func(t *testing.T, s *setup) {
				s.tok = idToken(s.e, s.u.ID, idThirdParty, "openid")
				s.payload = waSet(s.payload, "type", waDelete)
			},
		},
		{
			name: "third party and unknown record: first party first", status: 403, code: "auth.third_party_application_forbidden",
			opts: []envOption{idFirstParty()},
			mod: func(t *testing.T, s *setup) {
				s.tok = idToken(s.e, s.u.ID, idThirdParty, "openid")
				s.id = "nosuchrecord000000000"
			},
		},
		{
			name: "another user's used record: the record first", status: 400, code: "verification_record.not_found",
			mod: func(t *testing.T, s *setup) {
				expect(t, waVerifyRegistration(s.e, s.tok, s.id, s.payload), 200, "")
				s.tok = s.e.tokenFor(s.e.newUser().ID)
			},
		},
		{
			name: "used challenge and bad payload: pending first", status: 400, code: "session.mfa.pending_info_not_found",
			mod: func(t *testing.T, s *setup) {
				expect(t, waVerifyRegistration(s.e, s.tok, s.id, s.payload), 200, "")
				s.payload = waSet(s.payload, "response.attestationObject", "not base64!")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opts...)
			u := e.newUser()
			s := &setup{e: e, u: u, tok: e.tokenFor(u.ID)}
			var opts map[string]any
			s.id, opts = waBeginRegistration(e, s.tok)
			s.payload = newWAAuthenticator(t).create(opts, tt.tweaks)
			if tt.mod != nil {
				tt.mod(t, s)
			}
			eventsBefore := waEventCount(e)
			expect(t, waVerifyRegistration(e, s.tok, s.id, s.payload), tt.status, tt.code)
			if tt.status != 200 {
				if n := waEventCount(e); n != eventsBefore {
					t.Errorf("a refusal emitted %d events", n-eventsBefore)
				}
			}
			if fs := waFactors(e, u); len(fs) != 0 {
				t.Errorf("factors stored: %v", fs)
			}
		})
	}
}

func TestWebAuthnRegistrationVerifyConcurrent(t *testing.T) {
	e := newEnv(t)
	u := e.newUser()
	tok := e.tokenFor(u.ID)
	id, opts := waBeginRegistration(e, tok)
	payload := newWAAuthenticator(t).create(opts, waTweaks{})
	const n = 8
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := range n {
		wg.Go(func() { statuses[i] = waVerifyRegistration(e, tok, id, payload).status })
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		switch s {
		case 200:
			ok++
		case 400:
		default:
			t.Errorf("status %d", s)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d concurrent verifications of one response succeeded, want 1 (%v)", ok, n, statuses)
	}
}

// --- Binding ----------------------------------------------------------------

func TestWebAuthnBind(t *testing.T) {
	e := newEnv(t)
	u, proof := waPasswordUser(e)
	a := newWAAuthenticator(t)
	rec := waRegistered(e, u, a)
	updates := idUpdates(e, u.ID)
	expect(t, waBind(e, u, proof, rec, waPtr("My phone")), 204, "")
	fs := waFactors(e, u)
	if len(fs) != 1 || fs[0].Type != store.FactorWebAuthn || fs[0].WebAuthn.Name == nil || *fs[0].WebAuthn.Name != "My phone" ||
		string(fs[0].WebAuthn.CredentialID) != string(a.credID) || !fs[0].CreatedAt.Equal(e.clock.Now()) {
		t.Fatalf("factors = %+v", fs)
	}
	if en := e.reload(u).LogtoConfig.MFA.Enabled; en == nil || !*en {
		t.Error("mfa.enabled not set")
	}
	if got := idUpdates(e, u.ID); got != updates+1 {
		t.Errorf("User.Data.Updated events: %d, want %d", got, updates+1)
	}

	// The record stays usable until it expires, but its credential binds
	// once: the second bind is refused and stores nothing.
	expect(t, waBind(e, u, proof, rec, nil), 400, "verification_record.not_found")
	if n := len(waFactors(e, u)); n != 1 {
		t.Errorf("%d factors after binding one credential twice", n)
	}
	if got := idUpdates(e, u.ID); got != updates+1 {
		t.Errorf("a refused bind emitted User.Data.Updated")
	}
}

func TestWebAuthnBindWithoutName(t *testing.T) {
	e := newEnv(t)
	u, proof := waPasswordUser(e)
	waPasskey(e, u, proof, newWAAuthenticator(t))
	if fs := waFactors(e, u); len(fs) != 1 || fs[0].WebAuthn.Name != nil {
		t.Errorf("factor name = %v, want none", fs[0].WebAuthn.Name)
	}
}

func TestWebAuthnBindEnabledPolicy(t *testing.T) {
	tests := []struct {
		name          string
		factors       []store.FactorType
		passkeySignIn bool
		status        int
		mfaEnabled    bool
	}{
		{"WebAuthn in the factors", []store.FactorType{store.FactorWebAuthn}, false, 204, true},
		{"passkey sign-in only: bound, MFA left alone", []store.FactorType{store.FactorTOTP}, true, 204, false},
		{"neither", []store.FactorType{store.FactorTOTP, store.FactorBackupCode}, false, 400, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withPolicies(func(p *account.Policies) { p.MFA.Factors, p.PasskeySignIn = tt.factors, tt.passkeySignIn }))
			u, proof := waPasswordUser(e)
			rec := waRegistered(e, u, newWAAuthenticator(t))
			r := waBind(e, u, proof, rec, nil)
			if tt.status == 400 {
				expect(t, r, 400, "session.mfa.mfa_factor_not_enabled")
			} else {
				expect(t, r, tt.status, "")
			}
			en := e.reload(u).LogtoConfig.MFA.Enabled
			if got := en != nil && *en; got != tt.mfaEnabled {
				t.Errorf("mfa.enabled = %v, want %v", got, tt.mfaEnabled)
			}
		})
	}
}

// TestWebAuthnBindRefusals covers the checks of POST …/mfa-verifications with
// type WebAuthn in Logto's order (docs/compatibility.md, "Order of checks"):
// identity proof, field control, scope, first party, enabled factor, record.
// Each case combines its fault with every later one, so that it also proves
// the order.
func TestWebAuthnBindRefusals(t *testing.T) {
	const (
		noProof = 1 << iota
		notEditable
		noScope
		thirdParty
		notEnabled
		badRecord
	)
	tests := []struct {
		name   string
		faults int
		status int
		code   string
	}{
		{"no identity proof", noProof | notEditable | noScope | thirdParty | notEnabled | badRecord, 401, "verification_record.permission_denied"},
		{"passkey not editable", notEditable | noScope | thirdParty | notEnabled | badRecord, 400, "account_center.field_not_editable"},
		{"no identities scope", noScope | thirdParty | notEnabled | badRecord, 401, "auth.unauthorized"},
		{"third party", thirdParty | notEnabled | badRecord, 403, "auth.third_party_application_forbidden"},
		{"WebAuthn not enabled", notEnabled | badRecord, 400, "session.mfa.mfa_factor_not_enabled"},
		{"record", badRecord, 400, "verification_record.not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := []envOption{idFirstParty()}
			if tt.faults&notEnabled != 0 {
				opts = append(opts, withPolicies(func(p *account.Policies) { p.MFA.Factors = []store.FactorType{store.FactorTOTP} }))
			}
			e := newEnv(t, opts...)
			u, proof := waPasswordUser(e)
			rec := waRegistered(e, u, newWAAuthenticator(t))
			if tt.faults&noProof != 0 {
				proof = ""
			}
			if tt.faults&notEditable != 0 {
				waSettings(e, idEditable(func(f *store.AccountCenterFields) { f.Passkey = store.ControlReadOnly }))
			}
			scopes := []string{"openid", "identities"}
			if tt.faults&noScope != 0 {
				scopes = []string{"openid"}
			}
			client := ""
			if tt.faults&thirdParty != 0 {
				client = idThirdParty
			}
			if tt.faults&badRecord != 0 {
				rec = "nosuchrecord000000000"
			}
			updates := idUpdates(e, u.ID)
			r := e.do(req{method: "POST", path: "/api/my-account/mfa-verifications", token: idToken(e, u.ID, client, scopes...),
				body:   map[string]any{"type": "WebAuthn", "newIdentifierVerificationRecordId": rec},
				header: map[string]string{"Logto-Verification-Id": proof}})
			expect(t, r, tt.status, tt.code)
			if len(waFactors(e, u)) != 0 || idUpdates(e, u.ID) != updates {
				t.Error("a refused bind stored a factor or emitted an event")
			}
		})
	}
}

func TestWebAuthnBindRecords(t *testing.T) {
	tests := []struct {
		name   string
		record func(e *env, u *store.User) string
	}{
		{"a record not verified", func(e *env, u *store.User) string {
			id, _ := waBeginRegistration(e, e.tokenFor(u.ID))
			return id
		}},
		{"another user's verified record", func(e *env, u *store.User) string {
			return waRegistered(e, e.newUser(), newWAAuthenticator(e.t))
		}},
		{"an expired record", func(e *env, u *store.User) string {
			id := waRegistered(e, u, newWAAuthenticator(e.t))
			e.clock.Advance(11 * time.Minute)
			return id
		}},
		{"a password record", func(e *env, u *store.User) string { return e.passwordProof(u, "Pass-w0rd!") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			u := e.newUser(e.withPassword("Pass-w0rd!"))
			rec := tt.record(e, u)
			proof := e.passwordProof(u, "Pass-w0rd!")
			expect(t, waBind(e, u, proof, rec, nil), 400, "verification_record.not_found")
			if len(waFactors(e, u)) != 0 {
				t.Error("factor stored")
			}
		})
	}
}

func TestWebAuthnBindBody(t *testing.T) {
	e := newEnv(t)
	u, proof := waPasswordUser(e)
	for _, body := range []any{
		map[string]any{"type": "WebAuthn"},
		map[string]any{"type": "WebAuthn", "newIdentifierVerificationRecordId": 5},
		map[string]any{"type": "WebAuthn", "newIdentifierVerificationRecordId": "x", "name": nil},
		map[string]any{"type": "TOTP", "secret": "JBSWY3DPEHPK3PXP"},
		map[string]any{"type": "webauthn", "newIdentifierVerificationRecordId": "x"},
		map[string]any{},
	} {
		r := e.do(req{method: "POST", path: "/api/my-account/mfa-verifications", token: e.tokenFor(u.ID), body: body,
			header: map[string]string{"Logto-Verification-Id": proof}})
		expect(t, r, 400, "guard.invalid_input")
	}
}

// --- The field-control matrix -----------------------------------------------

// TestWebAuthnFieldControlMatrix checks bind, rename, delete and list of a
// WebAuthn factor under each combination of the passkey field (unset,
// ReadOnly, Edit) and the mfa field (Off, ReadOnly, Edit): passkey governs
// WebAuthn and falls back to mfa while unset (docs/compatibility.md, "Scopes
// and field controls"); the list reads mfa only.
func TestWebAuthnFieldControlMatrix(t *testing.T) {
	controls := []store.Control{"", store.ControlReadOnly, store.ControlEdit}
	mfaControls := []store.Control{store.ControlOff, store.ControlReadOnly, store.ControlEdit}
	for _, passkey := range controls {
		for _, mfaControl := range mfaControls {
			label := string(passkey)
			if label == "" {
				label = "unset"
			}
			name := fmt.Sprintf("passkey=%s/mfa=%s", label, mfaControl)
			t.Run(name, func(t *testing.T) {
				editable := passkey == store.ControlEdit || (passkey == "" && mfaControl == store.ControlEdit)
				listable := mfaControl == store.ControlReadOnly || mfaControl == store.ControlEdit
				e := newEnv(t)
				u, proof := waPasswordUser(e)
				factorID := waPasskey(e, u, proof, newWAAuthenticator(t))
				second := waRegistered(e, u, newWAAuthenticator(t))
				waSettings(e, idEditable(func(f *store.AccountCenterFields) { f.Passkey, f.MFA = passkey, mfaControl }))
				tok := e.tokenFor(u.ID)
				hdr := map[string]string{"Logto-Verification-Id": proof}

				check := func(op string, r response, allowed bool, okStatus int, refusal string) {
					t.Helper()
					if allowed {
						if r.status != okStatus {
							t.Errorf("%s: got %d %s, want %d", op, r.status, r.code(), okStatus)
						}
					} else if r.status != 400 || r.code() != refusal {
						t.Errorf("%s: got %d %s, want 400 %s", op, r.status, r.code(), refusal)
					}
				}
				check("list", e.do(req{method: "GET", path: "/api/my-account/mfa-verifications", token: tok}),
					listable, 200, "account_center.field_not_enabled")
				check("bind", waBind(e, u, proof, second, nil), editable, 204, "account_center.field_not_editable")
				check("rename", e.do(req{method: "PATCH", path: "/api/my-account/mfa-verifications/" + factorID + "/name", token: tok,
					body: map[string]string{"name": "x"}, header: hdr}), editable, 200, "account_center.field_not_editable")
				check("delete", e.do(req{method: "DELETE", path: "/api/my-account/mfa-verifications/" + factorID, token: tok, header: hdr}),
					editable, 204, "account_center.field_not_editable")
			})
		}
	}
}

// --- List, rename, delete ---------------------------------------------------

func TestWebAuthnListFactors(t *testing.T) {
	e := newEnv(t)
	u, proof := waPasswordUser(e)
	ctx := context.Background()
	created := e.clock.Now()
	if err := e.store.CreateMFAFactor(ctx, &store.MFAFactor{ID: "totp00000000000000001", UserID: u.ID, Type: store.FactorTOTP,
		CreatedAt: created, LastUsedAt: created, TOTP: &store.TOTP{Secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", LastUsedStep: 5}}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	a := newWAAuthenticator(t)
	waID := waPasskey(e, u, proof, a)
	e.clock.Advance(time.Second)
	plain := newWAAuthenticator(t)
	plainRec := waRegistered(e, u, plain)
	expect(t, waBind(e, u, proof, plainRec, waPtr("")), 204, "")
	plainF, _ := e.store.FindWebAuthnCredential(ctx, plain.credID)
	e.clock.Advance(time.Second)
	codes := make([]store.BackupCode, 10)
	for i := range codes {
		codes[i].Code = fmt.Sprintf("%010x", i)
	}
	codes[3].UsedAt = e.clock.Now()
	if err := e.store.CreateMFAFactor(ctx, &store.MFAFactor{ID: "backup000000000000001", UserID: u.ID, Type: store.FactorBackupCode,
		CreatedAt: e.clock.Now(), BackupCodes: codes}); err != nil {
		t.Fatal(err)
	}
	// Step up with the first passkey so that it has lastUsedAt.
	e.clock.Advance(time.Minute)
	tok := e.tokenFor(u.ID)
	rid, opts := waBeginAuthentication(e, tok)
	expect(t, waVerifyAuthentication(e, tok, rid, a.get(opts, waTweaks{})), 200, "")

	r := e.do(req{method: "GET", path: "/api/my-account/mfa-verifications", token: tok})
	expect(t, r, 200, "")
	var got []map[string]any
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{
		{"id": "totp00000000000000001", "createdAt": "2026-03-04T10:00:00.000Z", "type": "Totp"},
		{"id": waID, "createdAt": "2026-03-04T10:00:01.000Z", "lastUsedAt": "2026-03-04T10:01:03.000Z", "type": "WebAuthn", "agent": waAgent},
		{"id": plainF.ID, "createdAt": "2026-03-04T10:00:02.000Z", "type": "WebAuthn", "agent": waAgent, "name": ""},
		{"id": "backup000000000000001", "createdAt": "2026-03-04T10:00:03.000Z", "type": "BackupCode", "remainCodes": float64(9)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}

	// An empty list is [].
	other := e.newUser()
	r = e.do(req{method: "GET", path: "/api/my-account/mfa-verifications", token: e.tokenFor(other.ID)})
	expect(t, r, 200, "")
	if string(r.body) != "[]" {
		t.Errorf("empty list = %s", r.body)
	}
}

func TestWebAuthnListRefusals(t *testing.T) {
	t.Run("mfa off and no scope: the field first", func(t *testing.T) {
		e := newEnv(t, withAccountCenter(idEditable(func(f *store.AccountCenterFields) { f.MFA = store.ControlOff })))
		u := e.newUser()
		r := e.do(req{method: "GET", path: "/api/my-account/mfa-verifications", token: e.token(u.ID, "openid")})
		expect(t, r, 400, "account_center.field_not_enabled")
	})
	t.Run("no identities scope", func(t *testing.T) {
		e := newEnv(t)
		u := e.newUser()
		r := e.do(req{method: "GET", path: "/api/my-account/mfa-verifications", token: e.token(u.ID, "openid")})
		expect(t, r, 401, "auth.unauthorized")
	})
}

func TestWebAuthnRename(t *testing.T) {
	e := newEnv(t)
	u, proof := waPasswordUser(e)
	id := waPasskey(e, u, proof, newWAAuthenticator(t))
	hdr := map[string]string{"Logto-Verification-Id": proof}
	for _, name := range []string{"Laptop", ""} {
		updates := idUpdates(e, u.ID)
		r := e.do(req{method: "PATCH", path: "/api/my-account/mfa-verifications/" + id + "/name", token: e.tokenFor(u.ID),
			body: map[string]string{"name": name}, header: hdr})
		expect(t, r, 200, "")
		if len(r.body) != 0 {
			t.Errorf("rename answered a body: %q", r.body)
		}
		f := waFactors(e, u)[0]
		if f.WebAuthn.Name == nil || *f.WebAuthn.Name != name {
			t.Errorf("name = %v, want %q", f.WebAuthn.Name, name)
		}
		if idUpdates(e, u.ID) != updates+1 {
			t.Error("no User.Data.Updated after a rename")
		}
	}
}

func TestWebAuthnRenameRefusals(t *testing.T) {
	const (
		noProof = 1 << iota
		notEditable
		noScope
		thirdParty
		unknown
	)
	tests := []struct {
		name   string
		faults int
		target string // "totp", "other" or "" (an unknown id, with the unknown fault)
		status int
		code   string
	}{
		{name: "no identity proof", faults: noProof | notEditable | noScope | thirdParty | unknown, status: 401, code: "verification_record.permission_denied"},
		{name: "not editable", faults: notEditable | noScope | thirdParty | unknown, status: 400, code: "account_center.field_not_editable"},
		{name: "no scope", faults: noScope | thirdParty | unknown, status: 401, code: "auth.unauthorized"},
		{name: "third party", faults: thirdParty | unknown, status: 403, code: "auth.third_party_application_forbidden"},
		{name: "unknown id", faults: unknown, status: 400, code: "verification_record.not_found"},
		{name: "a TOTP factor", target: "totp", status: 400, code: "verification_record.not_found"},
		{name: "another user's passkey", target: "other", status: 400, code: "verification_record.not_found"},
		{name: "missing name", status: 400, code: "guard.invalid_input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, idFirstParty())
			u, proof := waPasswordUser(e)
			id := waPasskey(e, u, proof, newWAAuthenticator(t))
			switch {
			case tt.faults&unknown != 0:
				id = "nosuchfactor000000000"
			case tt.target == "totp":
				id = "totp00000000000000001"
				if err := e.store.CreateMFAFactor(context.Background(), &store.MFAFactor{ID: id, UserID: u.ID, Type: store.FactorTOTP,
					CreatedAt: e.clock.Now(), TOTP: &store.TOTP{Secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"}}); err != nil {
					t.Fatal(err)
				}
			case tt.target == "other":
				o, oproof := waPasswordUser(e)
				id = waPasskey(e, o, oproof, newWAAuthenticator(t))
			}
			if tt.faults&noProof != 0 {
				proof = ""
			}
			if tt.faults&notEditable != 0 {
				waSettings(e, idEditable(func(f *store.AccountCenterFields) { f.MFA = store.ControlReadOnly }))
			}
			scopes := []string{"openid", "identities"}
			if tt.faults&noScope != 0 {
				scopes = []string{"openid"}
			}
			client := ""
			if tt.faults&thirdParty != 0 {
				client = idThirdParty
			}
			var body any = map[string]string{"name": "x"}
			if tt.name == "missing name" {
				body = map[string]string{}
			}
			updates := idUpdates(e, u.ID)
			r := e.do(req{method: "PATCH", path: "/api/my-account/mfa-verifications/" + id + "/name", token: idToken(e, u.ID, client, scopes...),
				body: body, header: map[string]string{"Logto-Verification-Id": proof}})
			expect(t, r, tt.status, tt.code)
			for _, f := range waFactors(e, u) {
				if f.WebAuthn != nil && f.WebAuthn.Name != nil {
					t.Errorf("factor renamed: %q", *f.WebAuthn.Name)
				}
			}
			if idUpdates(e, u.ID) != updates {
				t.Error("a refused rename emitted User.Data.Updated")
			}
		})
	}
}

func TestWebAuthnDelete(t *testing.T) {
	e := newEnv(t)
	u, proof := waPasswordUser(e)
	id := waPasskey(e, u, proof, newWAAuthenticator(t))
	updates := idUpdates(e, u.ID)
	r := e.do(req{method: "DELETE", path: "/api/my-account/mfa-verifications/" + id, token: e.tokenFor(u.ID),
		header: map[string]string{"Logto-Verification-Id": proof}})
	expect(t, r, 204, "")
	if n := len(waFactors(e, u)); n != 0 {
		t.Errorf("%d factors left", n)
	}
	// No last-factor rule, and MFA stays enabled (docs/compatibility.md,
	// "Deleting factors").
	if en := e.reload(u).LogtoConfig.MFA.Enabled; en == nil || !*en {
		t.Error("mfa.enabled changed by deleting the last factor")
	}
	if idUpdates(e, u.ID) != updates+1 {
		t.Error("no User.Data.Updated after a delete")
	}
}

// TestWebAuthnDeleteRefusals follows the order of docs/compatibility.md,
// "Order of checks", for DELETE: identity proof, scope, first party, the
// factor, then the control of its type.
func TestWebAuthnDeleteRefusals(t *testing.T) {
	const (
		noProof = 1 << iota
		noScope
		thirdParty
		unknown
		passkeyReadOnly
		mfaReadOnly
	)
	tests := []struct {
		name   string
		faults int
		totp   bool // delete a TOTP factor instead of the passkey
		status int
		code   string
	}{
		{name: "no identity proof", faults: noProof | noScope | thirdParty | unknown | mfaReadOnly, status: 401, code: "verification_record.permission_denied"},
		{name: "no scope", faults: noScope | thirdParty | unknown | mfaReadOnly, status: 401, code: "auth.unauthorized"},
		{name: "third party", faults: thirdParty | unknown | mfaReadOnly, status: 403, code: "auth.third_party_application_forbidden"},
		{name: "unknown id before the field", faults: unknown | mfaReadOnly, status: 400, code: "verification_record.not_found"},
		{name: "passkey read-only", faults: passkeyReadOnly, status: 400, code: "account_center.field_not_editable"},
		{name: "passkey read-only does not govern TOTP", faults: passkeyReadOnly, totp: true, status: 204},
		{name: "mfa read-only governs TOTP", faults: mfaReadOnly, totp: true, status: 400, code: "account_center.field_not_editable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, idFirstParty())
			u, proof := waPasswordUser(e)
			id := waPasskey(e, u, proof, newWAAuthenticator(t))
			if tt.totp {
				id = "totp00000000000000001"
				if err := e.store.CreateMFAFactor(context.Background(), &store.MFAFactor{ID: id, UserID: u.ID, Type: store.FactorTOTP,
					CreatedAt: e.clock.Now(), TOTP: &store.TOTP{Secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"}}); err != nil {
					t.Fatal(err)
				}
			}
			if tt.faults&unknown != 0 {
				id = "nosuchfactor000000000"
			}
			if tt.faults&noProof != 0 {
				proof = ""
			}
			waSettings(e, idEditable(func(f *store.AccountCenterFields) {
				if tt.faults&passkeyReadOnly != 0 {
					f.Passkey = store.ControlReadOnly
				}
				if tt.faults&mfaReadOnly != 0 {
					f.MFA = store.ControlReadOnly
				}
			}))
			scopes := []string{"openid", "identities"}
			if tt.faults&noScope != 0 {
				scopes = []string{"openid"}
			}
			client := ""
			if tt.faults&thirdParty != 0 {
				client = idThirdParty
			}
			before := len(waFactors(e, u))
			updates := idUpdates(e, u.ID)
			r := e.do(req{method: "DELETE", path: "/api/my-account/mfa-verifications/" + id, token: idToken(e, u.ID, client, scopes...),
				header: map[string]string{"Logto-Verification-Id": proof}})
			expect(t, r, tt.status, tt.code)
			if tt.status != 204 && (len(waFactors(e, u)) != before || idUpdates(e, u.ID) != updates) {
				t.Error("a refused delete changed the factors or emitted an event")
			}
		})
	}
}

// --- Step-up with a passkey -------------------------------------------------

func TestWebAuthnAuthenticationOptions(t *testing.T) {
	e := newEnv(t)
	u, proof := waPasswordUser(e)
	a := newWAAuthenticator(t)
	waPasskey(e, u, proof, a)
	r := waPost(e, "/api/verifications/web-authn/authentication", e.tokenFor(u.ID), nil)
	expect(t, r, 200, "")
	m := r.json(t)
	if m["expiresAt"] != "2026-03-04T10:10:00.000Z" {
		t.Errorf("expiresAt = %v", m["expiresAt"])
	}
	opts := m["authenticationOptions"].(map[string]any)
	if len(waUnB64(t, opts["challenge"].(string))) < 16 {
		t.Error("short challenge")
	}
	delete(opts, "challenge")
	want := map[string]any{
		"timeout": float64(60000), "rpId": waRPID, "userVerification": "required",
		"allowCredentials": []any{map[string]any{"id": waB64(a.credID), "type": "public-key", "transports": []any{"internal", "hybrid"}}},
	}
	if diff := cmp.Diff(want, opts); diff != "" {
		t.Errorf("authenticationOptions (-want +got):\n%s", diff)
	}
	rec, err := e.store.GetVerificationRecord(context.Background(), m["verificationRecordId"].(string), e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if rec.Type != store.RecordWebAuthnAuthentication || rec.UserID != u.ID || rec.Verified {
		t.Errorf("record = %+v", rec)
	}
}

func TestWebAuthnAuthenticationBeginRefusals(t *testing.T) {
	t.Run("no passkey", func(t *testing.T) {
		e := newEnv(t)
		u := e.newUser()
		expect(t, waPost(e, "/api/verifications/web-authn/authentication", e.tokenFor(u.ID), nil), 400, "session.mfa.mfa_factor_not_enabled")
	})
	t.Run("a passkey of another relying party only", func(t *testing.T) {
		e := newEnv(t)
		u, proof := waPasswordUser(e)
		waPasskey(e, u, proof, newWAAuthenticator(t))
		r := e.do(req{method: "POST", path: "/api/verifications/web-authn/authentication", token: e.tokenFor(u.ID), host: "other.example"})
		expect(t, r, 400, "session.mfa.mfa_factor_not_enabled")
	})
	t.Run("third party before the passkey check", func(t *testing.T) {
		e := newEnv(t, idFirstParty())
		u := e.newUser()
		expect(t, waPost(e, "/api/verifications/web-authn/authentication", idToken(e, u.ID, idThirdParty, "openid"), nil),
			403, "auth.third_party_application_forbidden")
	})
}

func TestWebAuthnStepUpSignCount(t *testing.T) {
	e := newEnv(t)
	u, proof := waPasswordUser(e)
	a := newWAAuthenticator(t)
	id := waPasskey(e, u, proof, a)
	tok := e.tokenFor(u.ID)
	prev := waSignCount(e, a)
	for i, counter := range []uint32{2, 3, 10} {
		e.clock.Advance(time.Minute)
		rid, opts := waBeginAuthentication(e, tok)
		r := waVerifyAuthentication(e, tok, rid, a.get(opts, waTweaks{counter: &counter}))
		expect(t, r, 200, "")
		if diff := cmp.Diff(map[string]any{"verificationRecordId": rid}, r.json(t)); diff != "" {
			t.Errorf("body (-want +got):\n%s", diff)
		}
		got := waSignCount(e, a)
		if got <= prev || got != counter {
			t.Errorf("assertion %d: stored sign count %d after %d, want %d", i, got, prev, counter)
		}
		prev = got
		f, _ := e.store.GetMFAFactor(context.Background(), u.ID, id)
		if !f.LastUsedAt.Equal(e.clock.Now()) {
			t.Errorf("lastUsedAt = %v, want %v", f.LastUsedAt, e.clock.Now())
		}
		rec, _ := e.store.GetVerificationRecord(context.Background(), rid, e.clock.Now())
		if !rec.Verified || rec.FactorID != id || rec.WebAuthn.Challenge != "" {
			t.Errorf("record = %+v", rec)
		}
		// The challenge is single-use.
		expect(t, waVerifyAuthentication(e, tok, rid, a.get(opts, waTweaks{})), 400, "session.mfa.pending_info_not_found")
	}
	if n := len(e.events.named(event.WebAuthnSignCountRegressed)); n != 0 {
		t.Errorf("%d regression events for increasing counters", n)
	}
}

func TestWebAuthnStepUpWithoutCounter(t *testing.T) {
	e := newEnv(t)
	u, proof := waPasswordUser(e)
	a := newWAAuthenticator(t)
	a.counter = 0
	waPasskey(e, u, proof, a)
	tok := e.tokenFor(u.ID)
	zero := uint32(0)
	for range 2 {
		rid, opts := waBeginAuthentication(e, tok)
		expect(t, waVerifyAuthentication(e, tok, rid, a.get(opts, waTweaks{counter: &zero})), 200, "")
	}
	if n := len(e.events.named(event.WebAuthnSignCountRegressed)); n != 0 {
		t.Errorf("an authenticator without a counter was reported %d times", n)
	}
}

func TestWebAuthnStepUpSignCountRegression(t *testing.T) {
	for _, received := range []uint32{3, 5} {
		t.Run(fmt.Sprintf("stored 5, received %d", received), func(t *testing.T) {
			e := newEnv(t)
			u, proof := waPasswordUser(e)
			a := newWAAuthenticator(t)
			a.counter = 5
			id := waPasskey(e, u, proof, a)
			tok := e.tokenFor(u.ID)
			rid, opts := waBeginAuthentication(e, tok)
			payload := a.get(opts, waTweaks{counter: &received})
			updates := idUpdates(e, u.ID)
			expect(t, waVerifyAuthentication(e, tok, rid, payload), 400, "session.mfa.webauthn_verification_failed")
			if got := waSignCount(e, a); got != 5 {
				t.Errorf("stored sign count %d, want 5 unchanged", got)
			}
			evs := e.events.named(event.WebAuthnSignCountRegressed)
			if len(evs) != 1 {
				t.Fatalf("%d regression events, want 1", len(evs))
			}
			if diff := cmp.Diff(event.WebAuthnSignCount{FactorID: id, Stored: 5, Received: received}, evs[0].Data); diff != "" || evs[0].UserID != u.ID {
				t.Errorf("event for %s (-want +got):\n%s", evs[0].UserID, diff)
			}
			// The challenge is spent: the same response again is not
			// reported twice, and the record proves nothing.
			expect(t, waVerifyAuthentication(e, tok, rid, payload), 400, "session.mfa.pending_info_not_found")
			if n := len(e.events.named(event.WebAuthnSignCountRegressed)); n != 1 {
				t.Errorf("%d regression events after a replay, want 1", n)
			}
			r := e.do(req{method: "PATCH", path: "/api/my-account", token: tok, body: map[string]any{"username": "new_name"},
				header: map[string]string{"Logto-Verification-Id": rid}})
			expect(t, r, 401, "verification_record.permission_denied")
			if idUpdates(e, u.ID) != updates {
				t.Error("a refused assertion emitted User.Data.Updated")
			}
		})
	}
}

func TestWebAuthnStepUpConcurrent(t *testing.T) {
	e := newEnv(t)
	u, proof := waPasswordUser(e)
	a := newWAAuthenticator(t)
	waPasskey(e, u, proof, a)
	tok := e.tokenFor(u.ID)
	rid, opts := waBeginAuthentication(e, tok)
	payload := a.get(opts, waTweaks{})
	const n = 8
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { statuses[i] = waVerifyAuthentication(e, tok, rid, payload).status })
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		if s == 200 {
			ok++
		} else if s != 400 {
			t.Errorf("status %d", s)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d concurrent verifications of one assertion succeeded, want 1 (%v)", ok, n, statuses)
	}
	if got := waSignCount(e, a); got != 2 {
		t.Errorf("sign count %d, want 2", got)
	}
	if n := len(e.events.named(event.WebAuthnSignCountRegressed)); n != 0 {
		t.Errorf("a replay was reported as a regression %d times", n)
	}
}

// TestWebAuthnStepUpRefusals covers each refusal of
// …/authentication/verify and pairs of faults that prove the order.
func TestWebAuthnStepUpRefusals(t *testing.T) {
	type setup struct {
		e       *env
		u       *store.User
		a       *waAuthenticator
		tok     string
		id      string
		opts    map[string]any
		payload map[string]any
	}
	failed := "session.mfa.webauthn_verification_failed"
	tests := []struct {
		name   string
		opts   []envOption
		tweaks waTweaks
		mod    func(t *testing.T, s *setup)
		status int
		code   string
	}{
		{name: "a correct assertion", status: 200},
		{name: "another origin", tweaks: waTweaks{origin: "http://evil.example"}, status: 400, code: failed},
		{
			name: "a related origin", tweaks: waTweaks{origin: "https://app.example.com"}, status: 200,
			mod: func(t *testing.T, s *setup) {
				ac := allEditable()
				ac.WebAuthnRelatedOrigins = []string{"https://app.example.com"}
				waSettings(s.e, ac)
			},
		},
		{name: "another relying party's id hash", tweaks: waTweaks{rpID: "example.com"}, status: 400, code: failed},
		{name: "user not verified", tweaks: waTweaks{noUV: true}, status: 400, code: failed},
		{name: "another challenge", tweaks: waTweaks{challenge: waB64([]byte("0123456789abcdef0123456789abcdef"))}, status: 400, code: failed},
		{name: "a registration's client data", tweaks: waTweaks{typ: "webauthn.create"}, status: 400, code: failed},
		{name: "a bad signature", tweaks: waTweaks{badSignature: true}, status: 400, code: failed},
		{
			name: "a credential the ceremony did not allow", status: 400, code: failed,
			mod: func(t *testing.T, s *setup) {
				// A second passkey of the same user, bound after the ceremony began.
				proof := s.e.passwordProof(s.u, "Pass-w0rd!")
				b := newWAAuthenticator(t)
				waPasskey(s.e, s.u, proof, b)
				s.payload = b.get(s.opts, waTweaks{})
			},
		},
		{
			name: "another user's credential", status: 400, code: failed,
			mod: func(t *testing.T, s *setup) {
				o, oproof := waPasswordUser(s.e)
				b := newWAAuthenticator(t)
				waPasskey(s.e, o, oproof, b)
				s.payload = b.get(s.opts, waTweaks{})
			},
		},
		{
			name: "an unknown credential", status: 400, code: failed,
			mod: func(t *testing.T, s *setup) { s.payload = newWAAuthenticator(t).get(s.opts, waTweaks{}) },
		},
		{
			name: "a deleted passkey", status: 400, code: failed,
			mod: func(t *testing.T, s *setup) {
				f, _ := s.e.store.FindWebAuthnCredential(context.Background(), s.a.credID)
				if err := s.e.store.DeleteMFAFactor(context.Background(), s.u.ID, f.ID); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name: "another user handle", status: 400, code: failed,
			mod: func(t *testing.T, s *setup) {
				s.payload = waSet(s.payload, "response.userHandle", waB64([]byte("someone-else")))
			},
		},
		{
			name: "bad base64 signature", status: 400, code: failed,
			mod: func(t *testing.T, s *setup) { s.payload = waSet(s.payload, "response.signature", "+/+/") },
		},
		{
			name: "payload without type", status: 400, code: "guard.invalid_input",
			mod: func(t *testing.T, s *setup) { s.payload = waSet(s.payload, "type", waDelete) },
		},
		{
			name: "payload without clientExtensionResults", status: 400, code: "guard.invalid_input",
			mod: func(t *testing.T, s *setup) { s.payload = waSet(s.payload, "clientExtensionResults", waDelete) },
		},
		{
			name: "response without signature", status: 400, code: "guard.invalid_input",
			mod: func(t *testing.T, s *setup) { s.payload = waSet(s.payload, "response.signature", waDelete) },
		},
		{
			name: "unknown record", status: 400, code: "verification_record.not_found",
			mod: func(t *testing.T, s *setup) { s.id = "nosuchrecord000000000" },
		},
		{
			name: "another user's record", status: 400, code: "verification_record.not_found",
			mod: func(t *testing.T, s *setup) { s.tok = s.e.tokenFor(s.e.newUser().ID) },
		},
		{
			name: "expired record", status: 400, code: "verification_record.not_found",
			mod: func(t *testing.T, s *setup) { s.e.clock.Advance(11 * time.Minute) },
		},
		{
			name: "a registration record", status: 400, code: "verification_record.not_found",
			mod: func(t *testing.T, s *setup) { s.id, _ = waBeginRegistration(s.e, s.tok) },
		},
		{
			name: "third party and unknown record: first party first", status: 403, code: "auth.third_party_application_forbidden",
			opts: []envOption{idFirstParty()},
			mod: func(t *testing.T, s *setup) {
				s.tok = idToken(s.e, s.u.ID, idThirdParty, "openid")
				s.id = "nosuchrecord000000000"
			},
		},
		{
			name: "third party and malformed: the guard first", status: 400, code: "guard.invalid_input",
			opts: []envOption{idFirstParty()},
			mod: func(t *testing.T, s *setup) {
				s.tok = idToken(s.e, s.u.ID, idThirdParty, "openid")
				s.payload = waSet(s.payload, "type", waDelete)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opts...)
			u, proof := waPasswordUser(e)
			a := newWAAuthenticator(t)
			waPasskey(e, u, proof, a)
			s := &setup{e: e, u: u, a: a, tok: e.tokenFor(u.ID)}
			s.id, s.opts = waBeginAuthentication(e, s.tok)
			s.payload = a.get(s.opts, tt.tweaks)
			if tt.mod != nil {
				tt.mod(t, s)
			}
			before := waFactors(e, u)
			eventsBefore := waEventCount(e)
			expect(t, waVerifyAuthentication(e, s.tok, s.id, s.payload), tt.status, tt.code)
			if tt.status == 200 {
				return
			}
			if diff := cmp.Diff(before, waFactors(e, u)); diff != "" {
				t.Errorf("a refusal changed the factors (-before +after):\n%s", diff)
			}
			if n := waEventCount(e); n != eventsBefore {
				t.Errorf("a refusal emitted %d events", n-eventsBefore)
			}
			if rec, err := e.store.GetVerificationRecord(context.Background(), s.id, e.clock.Now()); err == nil && rec.Verified {
				t.Error("a refused assertion verified the record")
			}
		})
	}
}

// TestWebAuthnStepUpIsIdentityProof: a user without a password, who bound
// a passkey with an email code, changes their username with the record of a
// passkey step-up.
func TestWebAuthnStepUpIsIdentityProof(t *testing.T) {
	e := newEnv(t)
	u := e.newUser(withEmail("ann@example.com"))
	if e.reload(u).HasPassword() {
		t.Fatal("fixture has a password")
	}
	a := newWAAuthenticator(t)
	waPasskey(e, u, e.verifiedCode(u, "email", "ann@example.com"), a)

	e.clock.Advance(15 * time.Minute) // the email proof has expired
	tok := e.tokenFor(u.ID)
	patch := func(proof string) response {
		return e.do(req{method: "PATCH", path: "/api/my-account", token: tok, body: map[string]any{"username": "ann_new"},
			header: map[string]string{"Logto-Verification-Id": proof}})
	}
	expect(t, patch(""), 401, "verification_record.permission_denied")
	rid, opts := waBeginAuthentication(e, tok)
	// A record that has not been verified yet proves nothing.
	expect(t, patch(rid), 401, "verification_record.permission_denied")
	expect(t, waVerifyAuthentication(e, tok, rid, a.get(opts, waTweaks{})), 200, "")
	expect(t, patch(rid), 200, "")
	if got := e.reload(u).Username; got != "ann_new" {
		t.Errorf("username = %q", got)
	}
	// Another user cannot use it.
	o := e.newUser()
	r := e.do(req{method: "PATCH", path: "/api/my-account", token: e.tokenFor(o.ID), body: map[string]any{"username": "taken_by_o"},
		header: map[string]string{"Logto-Verification-Id": rid}})
	expect(t, r, 401, "verification_record.permission_denied")
}

// --- GET /.well-known/webauthn ----------------------------------------------

func TestWebAuthnWellKnown(t *testing.T) {
	tests := []struct {
		name    string
		origins []string
		want    string
	}{
		{"none", nil, `{"origins":[]}`},
		{"some", []string{"https://app.example.com", "https://example.co.uk"}, `{"origins":["https://app.example.com","https://example.co.uk"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Served without a token, and while the account center is off.
			e := newEnv(t, withAccountCenter(store.AccountCenter{Enabled: false, WebAuthnRelatedOrigins: tt.origins}))
			r := e.do(req{method: "GET", path: "/.well-known/webauthn"})
			expect(t, r, 200, "")
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if string(r.body) != tt.want {
				t.Errorf("body = %s, want %s", r.body, tt.want)
			}
		})
	}
	t.Run("other methods", func(t *testing.T) {
		e := newEnv(t)
		expect(t, e.do(req{method: "POST", path: "/.well-known/webauthn"}), 405, "request.method_not_allowed")
	})
}
