package httpadapter_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/accountapi/accountapi"
	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/connector"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/store"
)

// Tests of the social routes (docs/compatibility.md, "Social identities",
// "Order of checks" and "New-identifier records belong to their creator"):
// POST /api/verifications/social and /social/verify, POST, PUT and DELETE
// /api/my-account/identities. Helpers start with "so"; the primary-identifier
// tests' id… helpers (tokens, first-party predicate, refusal checks) are
// shared.

// soFailing is a social connector whose callback fails as connectorData.fail
// says, to reach each connector error; scope "break" makes its authorization
// URI fail as a provider that cannot be reached.
type soFailing struct{}

func (soFailing) Type() connector.Type { return connector.TypeSocial }
func (soFailing) Target() string       { return "failing" }

func (soFailing) AuthorizationURI(_ context.Context, r connector.AuthorizationRequest) (string, connector.Session, error) {
	if r.Scope == "break" {
		return "", nil, errors.New("provider unreachable: secret-detail")
	}
	return "https://failing.example/auth", connector.Session{"state": r.State}, nil
}

func (soFailing) UserInfo(_ context.Context, data map[string]any, _ connector.Session) (*store.SocialUserInfo, error) {
	switch data["fail"] {
	case "authorization":
		return nil, fmt.Errorf("%w: access_denied", connector.ErrAuthorizationFailed)
	case "code":
		return nil, fmt.Errorf("%w: invalid_grant", connector.ErrAuthCodeInvalid)
	case "plain":
		return nil, errors.New("provider unreachable: secret-detail")
	case "empty":
		return &store.SocialUserInfo{}, nil
	}
	return nil, fmt.Errorf("%w: no", connector.ErrInvalidResponse)
}

// soConnectors is what the tests register: mock connectors under three
// targets, the failing one, and the notifier's email channel.
func soConnectors() connector.Set {
	return connector.Set{
		"mock-social": connector.Mock{},
		"mock-github": connector.Mock{TargetName: "github"},
		"mock-google": connector.Mock{TargetName: "google"},
		"failing":     soFailing{},
		"mock-email":  connector.Passive(connector.TypeEmail),
	}
}

// soEnv is an env with soConnectors registered with both services; mod, when
// set, changes the account service's copy (a connector removed or replaced
// after a record named it).
func soEnv(t *testing.T, mod func(connector.Set), opts ...envOption) *env {
	t.Helper()
	set := soConnectors()
	accountSet := maps.Clone(set)
	if mod != nil {
		mod(accountSet)
	}
	opts = append(opts,
		withConfig(func(c *accountapi.Config) { c.Connectors = set }))
	if mod != nil {
		opts = append(opts, withAccountConnectors(accountSet))
	}
	return newEnv(t, opts...)
}

const (
	soState    = "client-state-123"
	soRedirect = "https://app.example.test/callback"
)

// soStart posts POST /api/verifications/social for connectorID.
func soStart(e *env, u *store.User, connectorID string) response {
	e.t.Helper()
	return e.do(req{method: "POST", path: "/api/verifications/social", token: e.tokenFor(u.ID),
		body: map[string]string{"connectorId": connectorID, "state": soState, "redirectUri": soRedirect}})
}

// soStarted starts a verification and returns the record id.
func soStarted(e *env, u *store.User, connectorID string) string {
	e.t.Helper()
	r := soStart(e, u, connectorID)
	expect(e.t, r, 201, "")
	return r.json(e.t)["verificationRecordId"].(string)
}

// soVerify posts the mock connector's callback data for the record.
func soVerify(e *env, u *store.User, recordID string, data map[string]any) response {
	e.t.Helper()
	return e.do(req{method: "POST", path: "/api/verifications/social/verify", token: e.tokenFor(u.ID),
		body: map[string]any{"verificationRecordId": recordID, "connectorData": data}})
}

// soVerified returns a record of connectorID verified for the social user.
func soVerified(e *env, u *store.User, connectorID, socialID string) string {
	e.t.Helper()
	id := soStarted(e, u, connectorID)
	expect(e.t, soVerify(e, u, id, map[string]any{"userId": socialID, "email": socialID + "@social.example", "name": "Social " + socialID}), 200, "")
	return id
}

// soIdentity is the identity a mock record for socialID links.
func soIdentity(socialID string) store.Identity {
	email, name := socialID+"@social.example", "Social "+socialID
	return store.Identity{UserID: socialID, Details: map[string]any{
		"id": socialID, "email": email, "name": name,
		"rawData": map[string]any{"userId": socialID, "email": email, "name": name},
	}}
}

// soBind posts POST or PUT /api/my-account/identities with a token with
// every scope and proof (when not "").
func soBind(e *env, method string, u *store.User, proof, recordID string) response {
	e.t.Helper()
	h := map[string]string{}
	if proof != "" {
		h["Logto-Verification-Id"] = proof
	}
	return e.do(req{method: method, path: "/api/my-account/identities", token: e.tokenFor(u.ID), header: h,
		body: map[string]string{"newIdentifierVerificationRecordId": recordID}})
}

// soUnlink posts DELETE /api/my-account/identities/{target}.
func soUnlink(e *env, u *store.User, proof, target string) response {
	e.t.Helper()
	h := map[string]string{}
	if proof != "" {
		h["Logto-Verification-Id"] = proof
	}
	return e.do(req{method: "DELETE", path: "/api/my-account/identities/" + url.PathEscape(target), token: e.tokenFor(u.ID), header: h})
}

// soWithIdentities gives a fixture user identities.
func soWithIdentities(targets map[string]string) func(*store.User) {
	return func(u *store.User) {
		u.Identities = map[string]store.Identity{}
		for target, socialID := range targets {
			u.Identities[target] = soIdentity(socialID)
		}
	}
}

func soRecord(t *testing.T, e *env, id string) *store.VerificationRecord {
	t.Helper()
	r, err := e.store.GetVerificationRecord(t.Context(), id, e.clock.Now())
	if err != nil {
		t.Fatalf("record %s: %v", id, err)
	}
	return r
}

// --- POST /api/verifications/social ---

func TestSocialStart(t *testing.T) {
	e := soEnv(t, nil)
	u := e.newUser()
	r := e.do(req{method: "POST", path: "/api/verifications/social", token: e.tokenFor(u.ID),
		body: map[string]string{"connectorId": "mock-social", "state": soState, "redirectUri": soRedirect, "scope": "profile email"}})
	expect(t, r, 201, "")
	body := r.json(t)
	id, _ := body["verificationRecordId"].(string)
	want := map[string]any{
		"verificationRecordId": id,
		"authorizationUri":     "http://mock-social/?" + url.Values{"state": {soState}, "redirect_uri": {soRedirect}, "scope": {"profile email"}}.Encode(),
		"expiresAt":            "2026-03-04T10:10:00.000Z",
	}
	if d := cmp.Diff(want, body); d != "" {
		t.Errorf("body (-want +got):\n%s", d)
	}
	rec := soRecord(t, e, id)
	wantRec := &store.VerificationRecord{
		ID: id, Type: store.RecordSocial, CreatedBy: u.ID, CreatedAt: e.clock.Now(), ExpiresAt: e.clock.Now().Add(10 * time.Minute),
		Version: 1, Social: &store.SocialVerification{ConnectorID: "mock-social",
			Session: map[string]string{"state": soState, "redirectUri": soRedirect}},
	}
	if d := cmp.Diff(wantRec, rec); d != "" {
		t.Errorf("stored record (-want +got):\n%s", d)
	}
	if rec.UserID != "" {
		t.Errorf("record bound to %q; social records are unbound", rec.UserID)
	}
}

func TestSocialStartRefused(t *testing.T) {
	tests := []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"empty state", map[string]string{"connectorId": "mock-social", "state": "", "redirectUri": soRedirect}, 400, "session.insufficient_info"},
		{"empty redirect URI", map[string]string{"connectorId": "mock-social", "state": soState, "redirectUri": ""}, 400, "session.insufficient_info"},
		{"empty state before unknown connector", map[string]string{"connectorId": "nope", "state": "", "redirectUri": soRedirect}, 400, "session.insufficient_info"},
		{"unknown connector", map[string]string{"connectorId": "nope", "state": soState, "redirectUri": soRedirect}, 422, "session.invalid_connector_id"},
		{"empty connector id", map[string]string{"connectorId": "", "state": soState, "redirectUri": soRedirect}, 422, "session.invalid_connector_id"},
		{"email connector", map[string]string{"connectorId": "mock-email", "state": soState, "redirectUri": soRedirect}, 400, "connector.unexpected_type"},
		{"email connector, empty state", map[string]string{"connectorId": "mock-email", "state": "", "redirectUri": soRedirect}, 400, "session.insufficient_info"},
		{"provider unreachable", map[string]string{"connectorId": "failing", "state": soState, "redirectUri": soRedirect, "scope": "break"}, 500, "connector.general"},
		{"no connector id", map[string]string{"state": soState, "redirectUri": soRedirect}, 400, "guard.invalid_input"},
		{"no state", map[string]string{"connectorId": "mock-social", "redirectUri": soRedirect}, 400, "guard.invalid_input"},
		{"no redirect URI", map[string]string{"connectorId": "mock-social", "state": soState}, 400, "guard.invalid_input"},
		{"scope not a string", map[string]any{"connectorId": "mock-social", "state": soState, "redirectUri": soRedirect, "scope": 1}, 400, "guard.invalid_input"},
		{"null scope", map[string]any{"connectorId": "mock-social", "state": soState, "redirectUri": soRedirect, "scope": nil}, 400, "guard.invalid_input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := soEnv(t, nil)
			u := e.newUser()
			r := e.do(req{method: "POST", path: "/api/verifications/social", token: e.tokenFor(u.ID), body: tt.body})
			expect(t, r, tt.status, tt.code)
			if strings.Contains(string(r.body), "secret-detail") {
				t.Errorf("the body leaks the connector's error: %s", r.body)
			}
			if tt.code == "session.invalid_connector_id" {
				want := fmt.Sprintf("Unable to find available connector with id %s.", tt.body.(map[string]string)["connectorId"])
				if got := r.json(t)["message"]; got != want {
					t.Errorf("message = %q, want %q", got, want)
				}
			}
		})
	}
}

func TestSocialStartWithoutConnectors(t *testing.T) {
	e := newEnv(t)
	u := e.newUser()
	expect(t, soStart(e, u, "mock-social"), 422, "session.invalid_connector_id")
}

// TestSocialStartNoFirstPartyGuard: Logto does not guard the social
// verification routes (docs/compatibility.md, "First-party and third-party
// applications"); a third-party token may start and finish one, though only
// the identity routes, which are guarded, can use it.
func TestSocialStartNoFirstPartyGuard(t *testing.T) {
	e := soEnv(t, nil, idFirstParty())
	u := e.newUser()
	tok := idToken(e, u.ID, idThirdParty, "openid")
	r := e.do(req{method: "POST", path: "/api/verifications/social", token: tok,
		body: map[string]string{"connectorId": "mock-social", "state": soState, "redirectUri": soRedirect}})
	expect(t, r, 201, "")
	id := r.json(t)["verificationRecordId"].(string)
	r = e.do(req{method: "POST", path: "/api/verifications/social/verify", token: tok,
		body: map[string]any{"verificationRecordId": id, "connectorData": map[string]any{"userId": "s1"}}})
	expect(t, r, 200, "")
	r = e.do(req{method: "POST", path: "/api/my-account/identities", token: idToken(e, u.ID, idThirdParty, "openid", "identities"),
		body: map[string]string{"newIdentifierVerificationRecordId": id}})
	expect(t, r, 403, "auth.third_party_application_forbidden")
}

func TestSocialRoutesBehindMiddleware(t *testing.T) {
	e := soEnv(t, nil, withAccountCenter(store.AccountCenter{Enabled: false}))
	u := e.newUser()
	for _, path := range []string{"/api/verifications/social", "/api/verifications/social/verify", "/api/my-account/identities"} {
		expect(t, e.do(req{method: "POST", path: path}), 401, "auth.authorization_header_missing")
		expect(t, e.do(req{method: "POST", path: path, token: e.token(u.ID, "profile")}), 403, "auth.forbidden")
		expect(t, e.do(req{method: "POST", path: path, token: e.tokenFor(u.ID), body: map[string]string{}}), 400, "account_center.not_enabled")
	}
	expect(t, e.do(req{method: "DELETE", path: "/api/my-account/identities/github", token: e.tokenFor(u.ID)}), 400, "account_center.not_enabled")
	expect(t, e.do(req{method: "GET", path: "/api/my-account/identities", token: e.tokenFor(u.ID)}), 405, "request.method_not_allowed")
}

// --- POST /api/verifications/social/verify ---

func TestSocialVerify(t *testing.T) {
	e := soEnv(t, nil)
	u := e.newUser()
	id := soStarted(e, u, "mock-github")
	r := soVerify(e, u, id, map[string]any{"userId": "gh-1", "email": "ann@gh.example", "name": "Ann", "extra": 7})
	expect(t, r, 200, "")
	if d := cmp.Diff(map[string]any{"verificationRecordId": id}, r.json(t)); d != "" {
		t.Errorf("body (-want +got):\n%s", d)
	}
	rec := soRecord(t, e, id)
	want := &store.SocialUserInfo{ID: "gh-1", Email: "ann@gh.example", Name: "Ann",
		RawData: map[string]any{"userId": "gh-1", "email": "ann@gh.example", "name": "Ann"}}
	if !rec.Verified || rec.Social == nil || rec.Social.ConnectorID != "mock-github" {
		t.Fatalf("record = %+v", rec)
	}
	if d := cmp.Diff(want, rec.Social.UserInfo); d != "" {
		t.Errorf("social user (-want +got):\n%s", d)
	}
	if !rec.ExpiresAt.Equal(e.clock.Now().Add(10 * time.Minute)) {
		t.Errorf("expiresAt = %v: verifying must not extend a record", rec.ExpiresAt)
	}

	// Verifying again overwrites the social user.
	expect(t, soVerify(e, u, id, map[string]any{"userId": "gh-2"}), 200, "")
	if got := soRecord(t, e, id).Social.UserInfo.ID; got != "gh-2" {
		t.Errorf("after re-verification the social user is %q, want gh-2", got)
	}
}

func TestSocialVerifyRefused(t *testing.T) {
	const (
		recOwn      = "own"
		recUnknown  = "unknown"
		recExpired  = "expired"
		recPassword = "password"
		recOther    = "other user"
		recEmpty    = "empty"
		recNone     = "none"
		recFailing  = "failing"
		recRemoved  = "connector removed"
		recReplaced = "connector replaced"
	)
	tests := []struct {
		name   string
		record string
		data   any // connectorData; nil leaves it out
		status int
		code   string
	}{
		{"unknown record", recUnknown, map[string]any{"userId": "s"}, 400, "verification_record.not_found"},
		{"empty record id", recEmpty, map[string]any{"userId": "s"}, 400, "verification_record.not_found"},
		{"expired record", recExpired, map[string]any{"userId": "s"}, 400, "verification_record.not_found"},
		{"password record", recPassword, map[string]any{"userId": "s"}, 400, "verification_record.not_found"},
		{"another user's record", recOther, map[string]any{"userId": "s"}, 400, "verification_record.not_found"},
		{"another user's record, bad data", recOther, map[string]any{}, 400, "verification_record.not_found"},
		{"connector removed", recRemoved, map[string]any{"userId": "s"}, 422, "session.invalid_connector_id"},
		{"connector no longer social", recReplaced, map[string]any{"userId": "s"}, 400, "connector.unexpected_type"},
		{"no user id", recOwn, map[string]any{"email": "a@b.example"}, 400, "connector.invalid_response"},
		{"user id not a string", recOwn, map[string]any{"userId": 12}, 400, "connector.invalid_response"},
		{"authorization refused", recFailing, map[string]any{"fail": "authorization"}, 401, "connector.authorization_failed"},
		{"code refused", recFailing, map[string]any{"fail": "code"}, 401, "connector.social_auth_code_invalid"},
		{"invalid response", recFailing, map[string]any{"fail": "invalid"}, 400, "connector.invalid_response"},
		{"connector returns no id", recFailing, map[string]any{"fail": "empty"}, 400, "connector.invalid_response"},
		{"provider unreachable", recFailing, map[string]any{"fail": "plain"}, 500, "connector.general"},
		{"no connectorData", recOwn, nil, 400, "guard.invalid_input"},
		{"connectorData a string", recOwn, "userId=s", 400, "guard.invalid_input"},
		{"connectorData an array", recOwn, []string{"s"}, 400, "guard.invalid_input"},
		{"no record id", recNone, map[string]any{"userId": "s"}, 400, "guard.invalid_input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := soEnv(t, nil)
			u := e.newUser(e.withPassword("Secret-123"))
			// verifier is the env that finishes the verification: e, or
			// a replica over the same store whose configuration changed
			// since the record was made.
			verifier := e
			var id string
			switch tt.record {
			case recOwn:
				id = soStarted(e, u, "mock-social")
			case recUnknown:
				id = "nosuchrecord000000000"
			case recExpired:
				id = soStarted(e, u, "mock-social")
				e.clock.Advance(11 * time.Minute)
			case recPassword:
				id = e.passwordProof(u, "Secret-123")
			case recOther:
				id = soStarted(e, e.newUser(), "mock-social")
			case recFailing:
				id = soStarted(e, u, "failing")
			case recRemoved, recReplaced:
				id = soStarted(e, u, "mock-social")
				set := soConnectors()
				if tt.record == recRemoved {
					delete(set, "mock-social")
				} else {
					set["mock-social"] = connector.Passive(connector.TypeSMS)
				}
				verifier = newEnv(t, withStore(e.store), withConfig(func(c *accountapi.Config) { c.Connectors = set }))
			}
			var before *store.VerificationRecord
			if r, err := e.store.GetVerificationRecord(t.Context(), id, e.clock.Now()); err == nil {
				before = r
			}
			body := map[string]any{}
			if tt.record != recNone {
				body["verificationRecordId"] = id
			}
			if tt.data != nil {
				body["connectorData"] = tt.data
			}
			r := verifier.do(req{method: "POST", path: "/api/verifications/social/verify", token: e.tokenFor(u.ID), body: body})
			expect(t, r, tt.status, tt.code)
			if strings.Contains(string(r.body), "secret-detail") {
				t.Errorf("the body leaks the connector's error: %s", r.body)
			}
			if before != nil {
				after, err := e.store.GetVerificationRecord(t.Context(), id, e.clock.Now())
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(before, after); d != "" {
					t.Errorf("a refused verification changed the record (-before +after):\n%s", d)
				}
			}
		})
	}
}

// --- POST and PUT /api/my-account/identities ---

// soFault is one reason, among several a case may combine, for an identity
// route to refuse; combined faults prove the order of the checks.
type soFault uint

const (
	soFieldOff soFault = 1 << iota // field social is ReadOnly
	soNoScope                      // the token lacks identities
	soThirdPty                     // the token was issued to a third-party app
	soNoProof                      // no logto-verification-id (the user has a password)
)

// How a bind case's record is made.
const (
	soRecVerified   = ""
	soRecUnknown    = "unknown"
	soRecEmpty      = "empty id"
	soRecExpired    = "expired"
	soRecUnverified = "unverified"
	soRecPassword   = "password record"
	soRecOtherUser  = "other user's"
	soRecGone       = "connector gone" // the account service no longer knows the connector
	soRecNotSocial  = "connector not social"
)

type soBindCase struct {
	name   string
	faults soFault
	record string
	// social is the social user the record proves (default "gh-1" of
	// mock-github, target github).
	social string
	// taken gives another user the record's identity first.
	taken bool
	// has gives the caller an identity for the target first: the social
	// user id, or "" for none.
	has    string
	status int
	code   string
}

func soRunBind(t *testing.T, method string, tc soBindCase) {
	t.Helper()
	ac := idEditable(nil)
	if tc.faults&soFieldOff != 0 {
		ac.Fields.Social = store.ControlReadOnly
	}
	e := soEnv(t, func(s connector.Set) {
		switch tc.record {
		case soRecGone:
			delete(s, "mock-github")
		case soRecNotSocial:
			s["mock-github"] = connector.Passive(connector.TypeSMS)
		}
	}, withAccountCenter(ac), idFirstParty())
	social := tc.social
	if social == "" {
		social = "gh-1"
	}
	mods := []func(*store.User){e.withPassword("Secret-123")}
	if tc.has != "" {
		mods = append(mods, soWithIdentities(map[string]string{"github": tc.has}))
	}
	u := e.newUser(mods...)
	var other *store.User
	if tc.taken {
		other = e.newUser(soWithIdentities(map[string]string{"github": social}))
	}

	var recordID string
	switch tc.record {
	case soRecVerified, soRecGone, soRecNotSocial:
		recordID = soVerified(e, u, "mock-github", social)
	case soRecUnknown:
		recordID = "nosuchrecord000000000"
	case soRecEmpty:
	case soRecExpired:
		recordID = soVerified(e, u, "mock-github", social)
		e.clock.Advance(11 * time.Minute)
	case soRecUnverified:
		recordID = soStarted(e, u, "mock-github")
	case soRecPassword:
		recordID = e.passwordProof(u, "Secret-123")
	case soRecOtherUser:
		recordID = soVerified(e, e.newUser(), "mock-github", social)
	default:
		t.Fatalf("unknown record kind %q", tc.record)
	}

	header := map[string]string{}
	if tc.faults&soNoProof == 0 {
		header["Logto-Verification-Id"] = e.passwordProof(u, "Secret-123")
	}
	scopes := []string{"openid", "profile", "email", "phone"}
	if tc.faults&soNoScope == 0 {
		scopes = append(scopes, "identities")
	}
	client := ""
	if tc.faults&soThirdPty != 0 {
		client = idThirdParty
	}

	before, updates := e.reload(u), idUpdates(e, u.ID)
	var otherBefore *store.User
	if other != nil {
		otherBefore = e.reload(other)
	}
	r := e.do(req{method: method, path: "/api/my-account/identities", token: idToken(e, u.ID, client, scopes...), header: header,
		body: map[string]string{"newIdentifierVerificationRecordId": recordID}})
	expect(t, r, tc.status, tc.code)
	if other != nil {
		if d := cmp.Diff(otherBefore, e.reload(other)); d != "" {
			t.Errorf("the other user changed (-before +after):\n%s", d)
		}
	}
	if tc.status != 204 {
		idRefused(t, e, u, before, updates)
		return
	}
	after := e.reload(u)
	if d := cmp.Diff(map[string]store.Identity{"github": soIdentity(social)}, after.Identities); d != "" {
		t.Errorf("identities (-want +got):\n%s", d)
	}
	if !after.UpdatedAt.Equal(e.clock.Now()) {
		t.Errorf("updatedAt = %v, want %v", after.UpdatedAt, e.clock.Now())
	}
	evs := e.events.named(event.UserDataUpdated)
	if got := idUpdates(e, u.ID); got != updates+1 {
		t.Fatalf("User.Data.Updated events: %d, want %d", got, updates+1)
	}
	data, ok := evs[len(evs)-1].Data.(account.UserData)
	if !ok || data.Identities["github"].UserID != social {
		t.Errorf("event data = %+v, want the new identity", evs[len(evs)-1].Data)
	}
}

// soBindCases are the cases POST and PUT share (docs/compatibility.md, "Order
// of checks": every check of POST /api/my-account/identities but the last).
var soBindCases = []soBindCase{
	{name: "links", status: 204},
	{name: "field not editable", faults: soFieldOff, status: 400, code: "account_center.field_not_editable"},
	{name: "field not editable before scope", faults: soFieldOff | soNoScope | soThirdPty | soNoProof, record: soRecUnknown, status: 400, code: "account_center.field_not_editable"},
	{name: "no identities scope", faults: soNoScope, status: 401, code: "auth.unauthorized"},
	{name: "scope before first party", faults: soNoScope | soThirdPty | soNoProof, record: soRecUnknown, status: 401, code: "auth.unauthorized"},
	{name: "third-party application", faults: soThirdPty, status: 403, code: "auth.third_party_application_forbidden"},
	{name: "first party before proof", faults: soThirdPty | soNoProof, record: soRecUnknown, status: 403, code: "auth.third_party_application_forbidden"},
	{name: "no identity proof", faults: soNoProof, status: 401, code: "verification_record.permission_denied"},
	{name: "proof before record", faults: soNoProof, record: soRecUnknown, taken: true, status: 401, code: "verification_record.permission_denied"},
	{name: "unknown record", record: soRecUnknown, status: 400, code: "verification_record.not_found"},
	{name: "empty record id", record: soRecEmpty, status: 400, code: "verification_record.not_found"},
	{name: "expired record", record: soRecExpired, status: 400, code: "verification_record.not_found"},
	{name: "unverified record", record: soRecUnverified, status: 400, code: "verification_record.not_found"},
	{name: "password record", record: soRecPassword, status: 400, code: "verification_record.not_found"},
	{name: "another user's record (hardening 1)", record: soRecOtherUser, status: 400, code: "verification_record.not_found"},
	{name: "record before identity checks", record: soRecOtherUser, taken: true, has: "gh-0", status: 400, code: "verification_record.not_found"},
	{name: "connector no longer registered", record: soRecGone, status: 422, code: "session.invalid_connector_id"},
	{name: "connector before identity checks", record: soRecGone, taken: true, status: 422, code: "session.invalid_connector_id"},
	{name: "connector no longer social", record: soRecNotSocial, taken: true, status: 400, code: "connector.unexpected_type"},
	{name: "identity of another user", taken: true, status: 422, code: "user.identity_already_in_use"},
	{name: "another user's identity before own target", taken: true, has: "gh-0", status: 422, code: "user.identity_already_in_use"},
}

func TestIdentityLink(t *testing.T) {
	cases := append(slices.Clone(soBindCases),
		soBindCase{name: "target already linked", has: "gh-0", status: 400, code: "user.identity_already_in_use"},
		soBindCase{name: "same identity already linked", has: "gh-1", status: 400, code: "user.identity_already_in_use"},
	)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { soRunBind(t, "POST", tc) })
	}
}

func TestIdentityReplace(t *testing.T) {
	cases := append(slices.Clone(soBindCases),
		soBindCase{name: "replaces another identity of the target", has: "gh-0", status: 204},
		soBindCase{name: "same identity again", has: "gh-1", status: 204},
	)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { soRunBind(t, "PUT", tc) })
	}
}

func TestIdentityBindInvalidBody(t *testing.T) {
	e := soEnv(t, nil)
	u := e.newUser()
	for _, method := range []string{"POST", "PUT"} {
		for _, body := range []any{map[string]any{}, map[string]any{"newIdentifierVerificationRecordId": 5},
			map[string]any{"newIdentifierVerificationRecordId": nil}, "[]"} {
			r := e.do(req{method: method, path: "/api/my-account/identities", token: e.tokenFor(u.ID), body: body})
			expect(t, r, 400, "guard.invalid_input")
		}
	}
}

// TestIdentityConditionalProof: the identity routes need proof only from a
// user who has a password, a primary email or a primary phone
// (docs/compatibility.md, "Identity proof"; Logto's guide says always, its
// code does not: "Where Logto's guides and code disagree").
func TestIdentityConditionalProof(t *testing.T) {
	tests := []struct {
		name  string
		mods  func(e *env) []func(*store.User)
		proof func(e *env, u *store.User) string
		need  bool
	}{
		{"username only", func(*env) []func(*store.User) { return nil }, nil, false},
		{"social identity only", func(*env) []func(*store.User) {
			return []func(*store.User){withoutUsername(), soWithIdentities(map[string]string{"google": "g-1"})}
		}, nil, false},
		{"password", func(e *env) []func(*store.User) { return []func(*store.User){e.withPassword("Secret-123")} },
			func(e *env, u *store.User) string { return e.passwordProof(u, "Secret-123") }, true},
		{"primary email", func(*env) []func(*store.User) { return []func(*store.User){withEmail("ann@example.com")} },
			func(e *env, u *store.User) string { return e.verifiedCode(u, "email", "ann@example.com") }, true},
		{"primary phone", func(*env) []func(*store.User) { return []func(*store.User){withPhone("15551234567")} },
			func(e *env, u *store.User) string { return e.verifiedCode(u, "phone", "15551234567") }, true},
	}
	for _, tt := range tests {
		for _, route := range []string{"POST", "PUT", "DELETE"} {
			t.Run(tt.name+"/"+route, func(t *testing.T) {
				e := soEnv(t, nil)
				mods := append(tt.mods(e), soWithIdentities(map[string]string{"google": "g-1", "github": "gh-0"}))
				u := e.newUser(mods...)
				try := func(proof string) response {
					if route == "DELETE" {
						return soUnlink(e, u, proof, "github")
					}
					// PUT replaces github; POST links a third target.
					connectorID := "mock-github"
					if route == "POST" {
						connectorID = "mock-social"
					}
					return soBind(e, route, u, proof, soVerified(e, u, connectorID, "s-1"))
				}
				if !tt.need {
					expect(t, try(""), 204, "")
					return
				}
				before, updates := e.reload(u), idUpdates(e, u.ID)
				expect(t, try(""), 401, "verification_record.permission_denied")
				idRefused(t, e, u, before, updates)
				// A proof of another kind does not count: a social record
				// proves an identity, not the caller's.
				expect(t, try(soVerified(e, u, "mock-google", "g-9")), 401, "verification_record.permission_denied")
				expect(t, try(tt.proof(e, u)), 204, "")
			})
		}
	}
}

// TestIdentityShownInAccount: the linked identity appears in GET
// /api/my-account with the social user's full info as details, as in
// Logto.
func TestIdentityShownInAccount(t *testing.T) {
	e := soEnv(t, nil)
	u := e.newUser()
	id := soStarted(e, u, "mock-github")
	expect(t, soVerify(e, u, id, map[string]any{"userId": "gh-42", "email": "ann@gh.example"}), 200, "")
	expect(t, soBind(e, "POST", u, "", id), 204, "")
	r := e.do(req{method: "GET", path: "/api/my-account", token: e.tokenFor(u.ID)})
	expect(t, r, 200, "")
	want := map[string]any{"github": map[string]any{"userId": "gh-42", "details": map[string]any{
		"id": "gh-42", "email": "ann@gh.example", "rawData": map[string]any{"userId": "gh-42", "email": "ann@gh.example"},
	}}}
	if d := cmp.Diff(want, r.json(t)["identities"]); d != "" {
		t.Errorf("identities (-want +got):\n%s", d)
	}
	// The record stays usable until it expires (docs/compatibility.md,
	// "Verification records"): linking it again is refused only because the
	// target is now linked.
	expect(t, soBind(e, "POST", u, "", id), 400, "user.identity_already_in_use")
	expect(t, soBind(e, "PUT", u, "", id), 204, "")
}

// --- DELETE /api/my-account/identities/{target} ---

func TestIdentityUnlink(t *testing.T) {
	tests := []struct {
		name   string
		faults soFault
		// identities the user has besides a password and a username
		// (unless noUsername).
		identities map[string]string
		noUsername bool
		target     string
		status     int
		code       string
	}{
		{name: "unlinks", identities: map[string]string{"github": "gh-1"}, target: "github", status: 204},
		{name: "field not editable", faults: soFieldOff | soNoScope | soThirdPty | soNoProof, identities: map[string]string{"github": "gh-1"}, target: "github", status: 400, code: "account_center.field_not_editable"},
		{name: "no identities scope (400)", faults: soNoScope | soThirdPty | soNoProof, identities: map[string]string{"github": "gh-1"}, target: "github", status: 400, code: "auth.unauthorized"},
		{name: "third-party application", faults: soThirdPty | soNoProof, target: "nope", status: 403, code: "auth.third_party_application_forbidden"},
		{name: "no identity proof", faults: soNoProof, target: "nope", status: 401, code: "verification_record.permission_denied"},
		{name: "no such identity", identities: map[string]string{"github": "gh-1"}, target: "google", status: 404, code: "user.identity_not_exist"},
		{name: "absent before last method", noUsername: true, identities: map[string]string{"github": "gh-1"}, target: "google", status: 404, code: "user.identity_not_exist"},
		{name: "last identifier", noUsername: true, identities: map[string]string{"github": "gh-1"}, target: "github", status: 400, code: "user.last_sign_in_method_required"},
		{name: "another social identity remains", noUsername: true, identities: map[string]string{"github": "gh-1", "google": "g-1"}, target: "github", status: 204},
		{name: "target with odd characters", identities: map[string]string{"a b/ç": "x-1"}, target: "a b/ç", status: 204},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ac := idEditable(nil)
			if tt.faults&soFieldOff != 0 {
				ac.Fields.Social = store.ControlReadOnly
			}
			e := soEnv(t, nil, withAccountCenter(ac), idFirstParty())
			mods := []func(*store.User){e.withPassword("Secret-123"), soWithIdentities(tt.identities)}
			if tt.noUsername {
				mods = append(mods, withoutUsername())
			}
			u := e.newUser(mods...)
			header := map[string]string{}
			if tt.faults&soNoProof == 0 {
				header["Logto-Verification-Id"] = e.passwordProof(u, "Secret-123")
			}
			scopes := []string{"openid", "profile"}
			if tt.faults&soNoScope == 0 {
				scopes = append(scopes, "identities")
			}
			client := ""
			if tt.faults&soThirdPty != 0 {
				client = idThirdParty
			}
			before, updates := e.reload(u), idUpdates(e, u.ID)
			r := e.do(req{method: "DELETE", path: "/api/my-account/identities/" + url.PathEscape(tt.target),
				token: idToken(e, u.ID, client, scopes...), header: header})
			expect(t, r, tt.status, tt.code)
			if tt.status != 204 {
				idRefused(t, e, u, before, updates)
				return
			}
			after := e.reload(u)
			if _, still := after.Identities[tt.target]; still || len(after.Identities) != len(tt.identities)-1 {
				t.Errorf("identities after unlinking %q: %v", tt.target, after.Identities)
			}
			if !after.UpdatedAt.Equal(e.clock.Now()) || idUpdates(e, u.ID) != updates+1 {
				t.Errorf("updatedAt %v, events %d: want now and one more event", after.UpdatedAt, idUpdates(e, u.ID)-updates)
			}
		})
	}
}

// TestLastIdentifierRule walks the "keep one identifier" rule
// (docs/compatibility.md, "Profile, username and password rules") across every
// kind of identifier: username, primary email, primary phone and several
// social identities, through each route that removes one. Password and MFA do
// not count.
func TestLastIdentifierRule(t *testing.T) {
	e := soEnv(t, nil)
	u := e.newUser(e.withPassword("Secret-123"), withEmail("ann@example.com"), withPhone("15551234567"),
		soWithIdentities(map[string]string{"github": "gh-1", "google": "g-1", "mock-social": "m-1"}))
	proof := e.passwordProof(u, "Secret-123")
	h := map[string]string{"Logto-Verification-Id": proof}
	steps := []struct {
		name   string
		do     func() response
		status int
		code   string
	}{
		{"drop username", func() response {
			return e.do(req{method: "PATCH", path: "/api/my-account", token: e.tokenFor(u.ID), header: h, body: map[string]any{"username": nil}})
		}, 200, ""},
		{"drop email", func() response {
			return e.do(req{method: "DELETE", path: "/api/my-account/primary-email", token: e.tokenFor(u.ID), header: h})
		}, 204, ""},
		{"unlink github", func() response { return soUnlink(e, u, proof, "github") }, 204, ""},
		{"drop phone", func() response {
			return e.do(req{method: "DELETE", path: "/api/my-account/primary-phone", token: e.tokenFor(u.ID), header: h})
		}, 204, ""},
		{"unlink google", func() response { return soUnlink(e, u, proof, "google") }, 204, ""},
		{"unlink the last identity", func() response { return soUnlink(e, u, proof, "mock-social") }, 400, "user.last_sign_in_method_required"},
		{"link another", func() response { return soBind(e, "POST", u, proof, soVerified(e, u, "mock-github", "gh-2")) }, 204, ""},
		{"now the first may go", func() response { return soUnlink(e, u, proof, "mock-social") }, 204, ""},
		{"and the second may not", func() response { return soUnlink(e, u, proof, "github") }, 400, "user.last_sign_in_method_required"},
	}
	for _, s := range steps {
		if r := s.do(); r.status != s.status || (s.code != "" && r.code() != s.code) {
			t.Fatalf("%s: got %d %s, want %d %s\n%s", s.name, r.status, r.code(), s.status, s.code, r.body)
		}
	}
	got := e.reload(u)
	if got.Username != "" || got.PrimaryEmail != "" || got.PrimaryPhone != "" || len(got.Identities) != 1 || got.Identities["github"].UserID != "gh-2" {
		t.Errorf("user at the end: %+v", got)
	}
}

// --- Hardening and concurrency ---

// TestIdentityLinkExactlyOnce: of 20 users linking one social identity at
// once, each with its own verified record, exactly one succeeds; the store's
// unique index settles the race the checks cannot see.
func TestIdentityLinkExactlyOnce(t *testing.T) {
	const n = 20
	e := soEnv(t, nil)
	users := make([]*store.User, n)
	records := make([]string, n)
	for i := range users {
		users[i] = e.newUser()
		records[i] = soVerified(e, users[i], "mock-github", "shared-gh")
	}
	got := vtConcurrently(n, func(i int) response { return soBind(e, "POST", users[i], "", records[i]) })
	want := map[string]int{"204 ": 1, "422 user.identity_already_in_use": n - 1}
	if d := cmp.Diff(want, vtTally(got)); d != "" {
		t.Fatalf("outcomes (-want +got):\n%s", d)
	}
	owner, err := e.store.FindUserByIdentity(t.Context(), "github", "shared-gh")
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range got {
		if (r.status == 204) != (users[i].ID == owner.ID) {
			t.Errorf("user %d answered %d but the owner is %s", i, r.status, owner.ID)
		}
		if users[i].ID != owner.ID && len(e.reload(users[i]).Identities) != 0 {
			t.Errorf("user %d got an identity", i)
		}
	}
	if evs := e.events.named(event.UserDataUpdated); len(evs) != 1 {
		t.Errorf("User.Data.Updated events: %d, want 1", len(evs))
	}
}

// TestIdentityLinkOneTargetAtOnce: one user linking two identities of one
// target at once gets one link; the other request finds the target taken.
func TestIdentityLinkOneTargetAtOnce(t *testing.T) {
	e := soEnv(t, nil)
	u := e.newUser()
	records := []string{soVerified(e, u, "mock-github", "gh-a"), soVerified(e, u, "mock-github", "gh-b")}
	got := vtConcurrently(2, func(i int) response { return soBind(e, "POST", u, "", records[i]) })
	want := map[string]int{"204 ": 1, "400 user.identity_already_in_use": 1}
	if d := cmp.Diff(want, vtTally(got)); d != "" {
		t.Fatalf("outcomes (-want +got):\n%s", d)
	}
	if ids := e.reload(u).Identities; len(ids) != 1 {
		t.Errorf("identities = %v", ids)
	}
}

// TestSocialRecordOfAnotherUser is docs/compatibility.md, "New-identifier
// records belong to their creator", end to end: a record id that leaks to
// another user can neither be finished nor linked by them.
func TestSocialRecordOfAnotherUser(t *testing.T) {
	e := soEnv(t, nil)
	ann, bob := e.newUser(), e.newUser()
	started := soStarted(e, ann, "mock-github")
	expect(t, soVerify(e, bob, started, map[string]any{"userId": "gh-bob"}), 400, "verification_record.not_found")
	if soRecord(t, e, started).Verified {
		t.Fatal("bob verified ann's record")
	}
	verified := soVerified(e, ann, "mock-github", "gh-ann")
	for _, method := range []string{"POST", "PUT"} {
		expect(t, soBind(e, method, bob, "", verified), 400, "verification_record.not_found")
	}
	if ids := e.reload(bob).Identities; len(ids) != 0 {
		t.Errorf("bob's identities = %v", ids)
	}
	expect(t, soBind(e, "POST", ann, "", verified), 204, "")
}
