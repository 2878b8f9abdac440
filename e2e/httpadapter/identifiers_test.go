package httpadapter_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/accountapi/accountapi"
	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/store"
)

// Tests of the primary email and phone routes (docs/compatibility.md, "Primary
// email and phone", "Order of checks", "New-identifier records",
// "New-identifier records belong to their creator" and "Unique identifiers are
// enforced by the store"), and helpers shared with password_test.go. Helpers
// start with "id" so they cannot clash with other files of the package.

// idThirdParty is the client id idFirstParty calls third-party.
const idThirdParty = "third-party-app"

// idFirstParty installs a first-party predicate that refuses idThirdParty
// only.
func idFirstParty() envOption {
	return withFirstParty(func(_ context.Context, clientID string) (bool, error) {
		return clientID != idThirdParty, nil
	})
}

// idToken mints a token for sub with scopes, issued to client ("" for none).
func idToken(e *env, sub, client string, scopes ...string) string {
	claims := map[string]any{"sub": sub, "scope": strings.Join(scopes, " ")}
	if client != "" {
		claims["client_id"] = client
	}
	return mint(e.t, testSecret, e.clock.Now(), claims)
}

// idUpdates counts the User.Data.Updated events about the user.
func idUpdates(e *env, userID string) int {
	n := 0
	for _, ev := range e.events.named(event.UserDataUpdated) {
		if ev.UserID == userID {
			n++
		}
	}
	return n
}

// idEditable is allEditable with mod applied to its fields.
func idEditable(mod func(*store.AccountCenterFields)) store.AccountCenter {
	ac := allEditable()
	if mod != nil {
		mod(&ac.Fields)
	}
	return ac
}

// idRefused checks that a refused request left u as it was and emitted no
// User.Data.Updated about it.
func idRefused(t *testing.T, e *env, u, before *store.User, updatesBefore int) {
	t.Helper()
	if diff := cmp.Diff(before, e.reload(u)); diff != "" {
		t.Errorf("stored user changed by a refused request (-before +after):\n%s", diff)
	}
	if got := idUpdates(e, u.ID); got != updatesBefore {
		t.Errorf("User.Data.Updated events: %d, want %d (none for a refusal)", got, updatesBefore)
	}
}

// idFault is one reason, among several a case may combine, for a request to
// be refused. Cases that combine faults prove the order of the checks: the
// earliest check wins.
type idFault uint

const (
	idNoProof    idFault = 1 << iota // no logto-verification-id
	idFieldOff                       // the field's control is ReadOnly
	idNoScope                        // the token lacks the route's scope
	idThirdPty                       // the token was issued to a third-party app
	idBlocked                        // the body's email is on the blocklist (email only)
	idLastMethod                     // the user has no other identifier (DELETE only)
)

// How a case's new-identifier record is made.
const (
	idRecVerified   = ""             // a verified record, for recordValue or the body's value
	idRecUnknown    = "unknown"      // an id no record has
	idRecExpired    = "expired"      // verified, then 11 minutes pass
	idRecWrongType  = "wrong type"   // a verified record of the other identifier type
	idRecUnverified = "unverified"   // sent, never verified
	idRecOtherUser  = "other user"   // verified by another user (stricter than Logto)
	idRecNone       = "none"         // no record id in the body at all
	idRecEmptyID    = "empty id"     // "" as the record id
	idRecOwnProof   = "proof record" // the caller's password record
)

// idRoute describes one of the two primary-identifier routes.
type idRoute struct {
	path   string // the route
	member string // the body member with the value
	typ    string // the identifier type of its code records
	scope  string
	// control returns the field's control in the fields.
	control func(*store.AccountCenterFields) *store.Control
	// current returns the user's identifier the route changes.
	current func(*store.User) string
	// fixture gives a user an identifier of the route's kind.
	fixture func(string) func(*store.User)
	// wrongType is a verified record of the other type idRecWrongType uses.
	wrongType store.Identifier
}

var (
	idEmailRoute = idRoute{
		path: "/api/my-account/primary-email", member: "email", typ: "email", scope: "email",
		control:   func(f *store.AccountCenterFields) *store.Control { return &f.Email },
		current:   func(u *store.User) string { return u.PrimaryEmail },
		fixture:   withEmail,
		wrongType: store.Identifier{Type: store.IdentifierPhone, Value: "61412345678"},
	}
	idPhoneRoute = idRoute{
		path: "/api/my-account/primary-phone", member: "phone", typ: "phone", scope: "phone",
		control:   func(f *store.AccountCenterFields) *store.Control { return &f.Phone },
		current:   func(u *store.User) string { return u.PrimaryPhone },
		fixture:   withPhone,
		wrongType: store.Identifier{Type: store.IdentifierEmail, Value: "ann.new@example.com"},
	}
)

// idSetCase is one request to POST (or PATCH) a primary identifier.
type idSetCase struct {
	name   string
	faults idFault
	value  string // the body's value
	record string // one of idRec…
	// recordValue is the address the verified record is for; "" means value.
	recordValue string
	// taken is another user's identifier, stored before the request; "" for
	// none.
	taken  string
	status int
	code   string
	// stored is the caller's identifier after a 204.
	stored string
}

// idEmailPolicy is the email policy of the email tests.
var idEmailPolicy = account.EmailPolicy{BlockSubaddressing: true, Blocklist: []string{"@blocked.example"}}

// idBlockEmails stores idEmailPolicy as the sign-in experience's email
// blocklist, as an administrator would at run time. idRunSet applies it once
// the test's records exist, so that a code could be sent to a blocked
// address and the primary-email route's own check be reached with a valid
// record.
func idBlockEmails(e *env) {
	e.t.Helper()
	e.patchSignInExp(account.SignInExperiencePatch{EmailBlocklistPolicy: account.Some(store.EmailBlocklistPolicy{
		BlockSubaddressing: idEmailPolicy.BlockSubaddressing, CustomBlocklist: idEmailPolicy.Blocklist,
	})})
}

func idRunSet(t *testing.T, rt idRoute, method string, tc idSetCase) {
	t.Helper()
	ac := idEditable(nil)
	if tc.faults&idFieldOff != 0 {
		*rt.control(&ac.Fields) = store.ControlReadOnly
	}
	e := newEnv(t, withAccountCenter(ac), idFirstParty())
	u := e.newUser(e.withPassword("Secret-123"), withEmail("old@example.com"), withPhone("15551234567"))
	var other *store.User
	if tc.taken != "" {
		other = e.newUser(rt.fixture(tc.taken))
	}

	recordValue := tc.recordValue
	if recordValue == "" {
		recordValue = tc.value
	}
	var recordID string
	switch tc.record {
	case idRecVerified:
		recordID = e.verifiedCode(u, rt.typ, recordValue)
	case idRecUnknown:
		recordID = "nosuchrecord000000000"
	case idRecExpired:
		recordID = e.verifiedCode(u, rt.typ, recordValue)
		e.clock.Advance(11 * time.Minute)
	case idRecWrongType:
		recordID = e.verifiedCode(u, string(rt.wrongType.Type), rt.wrongType.Value)
	case idRecUnverified:
		recordID, _ = e.sendCode(u, rt.typ, recordValue)
	case idRecOtherUser:
		recordID = e.verifiedCode(e.newUser(), rt.typ, recordValue)
	case idRecEmptyID, idRecNone:
	case idRecOwnProof:
		recordID = e.passwordProof(u, "Secret-123")
	default:
		t.Fatalf("unknown record kind %q", tc.record)
	}
	idBlockEmails(e)

	header := map[string]string{}
	if tc.faults&idNoProof == 0 {
		header["Logto-Verification-Id"] = e.passwordProof(u, "Secret-123")
	}
	scopes := []string{"openid", "profile"}
	if tc.faults&idNoScope == 0 {
		scopes = append(scopes, rt.scope)
	}
	client := ""
	if tc.faults&idThirdPty != 0 {
		client = idThirdParty
	}
	body := map[string]any{rt.member: tc.value}
	if tc.record != idRecNone {
		body["newIdentifierVerificationRecordId"] = recordID
	}

	before, updates := e.reload(u), idUpdates(e, u.ID)
	var otherBefore *store.User
	if other != nil {
		otherBefore = e.reload(other)
	}
	r := e.do(req{method: method, path: rt.path, token: idToken(e, u.ID, client, scopes...), header: header, body: body})
	expect(t, r, tc.status, tc.code)

	if other != nil {
		if diff := cmp.Diff(otherBefore, e.reload(other)); diff != "" {
			t.Errorf("the other user changed (-before +after):\n%s", diff)
		}
	}
	if tc.status != 204 {
		idRefused(t, e, u, before, updates)
		return
	}
	after := e.reload(u)
	if got := rt.current(after); got != tc.stored {
		t.Errorf("stored %s = %q, want %q", rt.member, got, tc.stored)
	}
	if !after.UpdatedAt.Equal(e.clock.Now()) {
		t.Errorf("updatedAt = %v, want %v", after.UpdatedAt, e.clock.Now())
	}
	if got := idUpdates(e, u.ID); got != updates+1 {
		t.Errorf("User.Data.Updated events: %d, want %d", got, updates+1)
	}
}

func TestPrimaryEmailSet(t *testing.T) {
	const (
		addr    = "ann.new@example.com"
		taken   = "Ann.New@Example.com" // addr in other letter case
		blocked = "ann@blocked.example"
	)
	all := idNoProof | idFieldOff | idNoScope | idThirdPty
	cases := []idSetCase{
		// Order (docs/compatibility.md, "Order of checks"): guard, proof,
		// field, scope, first party, blocklist, record, uniqueness. Each case
		// also fails every later check.
		{name: "malformed email is a guard error before everything", faults: all, value: "not-an-email", record: idRecUnknown,
			status: 400, code: "guard.invalid_input"},
		{name: "email with a space is malformed", value: "ann new@example.com", record: idRecUnknown, status: 400, code: "guard.invalid_input"},
		{name: "missing email is malformed", value: "", record: idRecUnknown, status: 400, code: "guard.invalid_input"},
		{name: "proof before field control", faults: all | idBlocked, value: blocked, record: idRecUnknown, taken: blocked,
			status: 401, code: "verification_record.permission_denied"},
		{name: "field control before scope", faults: all &^ idNoProof, value: addr, record: idRecUnknown, taken: taken,
			status: 400, code: "account_center.field_not_editable"},
		{name: "scope before first party", faults: idNoScope | idThirdPty, value: addr, record: idRecUnknown, taken: taken,
			status: 400, code: "auth.unauthorized"},
		{name: "first party before blocklist", faults: idThirdPty | idBlocked, value: blocked, record: idRecUnknown, taken: blocked,
			status: 403, code: "auth.third_party_application_forbidden"},
		{name: "blocklist before record checks", faults: idBlocked, value: blocked, record: idRecUnknown, taken: blocked,
			status: 422, code: "session.email_blocklist.email_not_allowed"},
		{name: "blocked address with a verified record", faults: idBlocked, value: blocked,
			status: 422, code: "session.email_blocklist.email_not_allowed"},
		{name: "blocklist matches the domain case-insensitively", faults: idBlocked, value: "Ann@Blocked.Example",
			status: 422, code: "session.email_blocklist.email_not_allowed"},
		{name: "sub-addressing blocked", value: "ann+news@example.com", record: idRecUnknown,
			status: 422, code: "session.email_blocklist.email_subaddressing_not_allowed"},
		// Every record check (docs/compatibility.md, "New-identifier records")
		// comes before the uniqueness check: the address is also taken in each
		// of these.
		{name: "unknown record", value: addr, record: idRecUnknown, taken: taken, status: 400, code: "verification_record.not_found"},
		{name: "empty record id", value: addr, record: idRecEmptyID, taken: taken, status: 400, code: "verification_record.not_found"},
		{name: "expired record", value: addr, record: idRecExpired, taken: taken, status: 400, code: "verification_record.not_found"},
		{name: "phone record", value: addr, record: idRecWrongType, taken: taken, status: 400, code: "verification_record.not_found"},
		{name: "password record", value: addr, record: idRecOwnProof, taken: taken, status: 400, code: "verification_record.not_found"},
		{name: "unverified record", value: addr, record: idRecUnverified, taken: taken, status: 400, code: "verification_record.not_found"},
		{name: "record for another spelling", value: addr, recordValue: "Ann.New@example.com", taken: taken,
			status: 400, code: "verification_record.not_found"},
		{name: "record for another address", value: addr, recordValue: "someone@example.com", taken: taken,
			status: 400, code: "verification_record.not_found"},
		{name: "record verified by another user", value: addr, record: idRecOtherUser, taken: taken,
			status: 400, code: "verification_record.not_found"},
		{name: "in use by another user, case-insensitively", value: addr, taken: taken,
			status: 422, code: "user.email_already_in_use"},
		{name: "in use in the same case", value: addr, taken: addr, status: 422, code: "user.email_already_in_use"},
		{name: "binds the address", value: addr, status: 204, stored: addr},
		{name: "stores the address as sent", value: "Ann.New@Example.COM", status: 204, stored: "Ann.New@Example.COM"},
		{name: "current address in another case", value: "OLD@example.com", status: 204, stored: "OLD@example.com"},
	}
	for _, method := range []string{"POST", "PATCH"} {
		for _, tc := range cases {
			t.Run(method+" "+tc.name, func(t *testing.T) { idRunSet(t, idEmailRoute, method, tc) })
		}
	}
}

func TestPrimaryIdentifierSetMissingRecordID(t *testing.T) {
	for _, rt := range []idRoute{idEmailRoute, idPhoneRoute} {
		t.Run(rt.member, func(t *testing.T) {
			value := "ann.new@example.com"
			if rt.typ == "phone" {
				value = "61412345678"
			}
			// No proof either: the guard runs before the identity check.
			idRunSet(t, rt, "POST", idSetCase{faults: idNoProof, value: value, record: idRecNone,
				status: 400, code: "guard.invalid_input"})
		})
	}
}

func TestPrimaryEmailBlocklistOnBothServices(t *testing.T) {
	// With the policy on the verification service too, no code can be sent to
	// a blocked address; the route's own check still runs before it looks
	// at the record.
	e := newEnv(t, withPolicies(func(p *account.Policies) { p.Email = idEmailPolicy }))
	u := e.newUser(e.withPassword("Secret-123"))
	r := e.do(req{method: "POST", path: "/api/verifications/verification-code", token: e.tokenFor(u.ID),
		body: map[string]any{"identifier": map[string]string{"type": "email", "value": "ann@blocked.example"}}})
	expect(t, r, 422, "session.email_blocklist.email_not_allowed")

	before := e.reload(u)
	r = e.do(req{method: "POST", path: "/api/my-account/primary-email", token: e.tokenFor(u.ID),
		header: map[string]string{"Logto-Verification-Id": e.passwordProof(u, "Secret-123")},
		body:   map[string]string{"email": "ann@blocked.example", "newIdentifierVerificationRecordId": "nosuchrecord000000000"}})
	expect(t, r, 422, "session.email_blocklist.email_not_allowed")
	idRefused(t, e, u, before, 0)
}

func TestPrimaryPhoneSet(t *testing.T) {
	const (
		national = "610412345678" // with the national trunk prefix
		e164     = "61412345678"
	)
	all := idNoProof | idFieldOff | idNoScope | idThirdPty
	cases := []idSetCase{
		// Order (docs/compatibility.md, "Order of checks"): guard, proof,
		// field, scope, first party, record, uniqueness, parse.
		{name: "plus sign is a guard error before everything", faults: all, value: "+" + e164, record: idRecUnknown,
			status: 400, code: "guard.invalid_input"},
		{name: "spaces are a guard error", value: "61 412 345 678", record: idRecUnknown, status: 400, code: "guard.invalid_input"},
		{name: "missing phone is malformed", value: "", record: idRecUnknown, status: 400, code: "guard.invalid_input"},
		{name: "proof before field control", faults: all, value: national, record: idRecUnknown, taken: e164,
			status: 401, code: "verification_record.permission_denied"},
		{name: "field control before scope", faults: all &^ idNoProof, value: national, record: idRecUnknown, taken: e164,
			status: 400, code: "account_center.field_not_editable"},
		{name: "scope before first party", faults: idNoScope | idThirdPty, value: national, record: idRecUnknown, taken: e164,
			status: 400, code: "auth.unauthorized"},
		{name: "first party before record checks", faults: idThirdPty, value: national, record: idRecUnknown, taken: e164,
			status: 403, code: "auth.third_party_application_forbidden"},
		{name: "unknown record", value: national, record: idRecUnknown, taken: e164, status: 400, code: "verification_record.not_found"},
		{name: "empty record id", value: national, record: idRecEmptyID, taken: e164, status: 400, code: "verification_record.not_found"},
		{name: "expired record", value: national, record: idRecExpired, taken: e164, status: 400, code: "verification_record.not_found"},
		{name: "email record", value: national, record: idRecWrongType, taken: e164, status: 400, code: "verification_record.not_found"},
		{name: "unverified record", value: national, record: idRecUnverified, taken: e164, status: 400, code: "verification_record.not_found"},
		{name: "record for the same number written otherwise", value: national, recordValue: e164,
			status: 400, code: "verification_record.not_found"},
		{name: "record verified by another user", value: national, record: idRecOtherUser, taken: e164,
			status: 400, code: "verification_record.not_found"},
		{name: "in use by another user, normalised", value: national, taken: e164, status: 422, code: "user.phone_already_in_use"},
		{name: "in use, the other way round", value: e164, taken: national, status: 422, code: "user.phone_already_in_use"},
		{name: "in use before the number is parsed", value: "123", taken: "123", status: 422, code: "user.phone_already_in_use"},
		{name: "unparsable number", value: "123", status: 422, code: "user.invalid_phone"},
		{name: "stores the number normalised", value: national, status: 204, stored: e164},
		{name: "binds an E.164 number", value: "447911123456", status: 204, stored: "447911123456"},
		{name: "current number again", value: "15551234567", status: 204, stored: "15551234567"},
	}
	for _, method := range []string{"POST", "PATCH"} {
		for _, tc := range cases {
			t.Run(method+" "+tc.name, func(t *testing.T) { idRunSet(t, idPhoneRoute, method, tc) })
		}
	}
}

// idRemoveCase is one DELETE of a primary identifier.
type idRemoveCase struct {
	name   string
	faults idFault
	// user gives the caller the route's identifier and whatever else the
	// case needs; every caller has a password.
	user   []func(*store.User)
	status int
	code   string
}

func idRunRemove(t *testing.T, rt idRoute, tc idRemoveCase) {
	t.Helper()
	ac := idEditable(nil)
	if tc.faults&idFieldOff != 0 {
		*rt.control(&ac.Fields) = store.ControlReadOnly
	}
	e := newEnv(t, withAccountCenter(ac), idFirstParty())
	u := e.newUser(append([]func(*store.User){e.withPassword("Secret-123")}, tc.user...)...)
	if rt.current(u) == "" {
		t.Fatalf("fixture user has no %s", rt.member)
	}
	header := map[string]string{}
	if tc.faults&idNoProof == 0 {
		header["Logto-Verification-Id"] = e.passwordProof(u, "Secret-123")
	}
	scopes := []string{"openid", "profile", "email", "phone"}
	if tc.faults&idNoScope != 0 {
		scopes = slices.DeleteFunc(scopes, func(s string) bool { return s == rt.scope })
	}
	client := ""
	if tc.faults&idThirdPty != 0 {
		client = idThirdParty
	}
	token := idToken(e, u.ID, client, scopes...)

	before, updates := e.reload(u), idUpdates(e, u.ID)
	r := e.do(req{method: "DELETE", path: rt.path, token: token, header: header})
	expect(t, r, tc.status, tc.code)
	if tc.status != 204 {
		idRefused(t, e, u, before, updates)
		return
	}
	want := *before
	switch rt.typ {
	case "email":
		want.PrimaryEmail = ""
	default:
		want.PrimaryPhone = ""
	}
	want.UpdatedAt = e.clock.Now()
	if diff := cmp.Diff(&want, e.reload(u)); diff != "" {
		t.Errorf("stored user (-want +got):\n%s", diff)
	}
	if got := idUpdates(e, u.ID); got != updates+1 {
		t.Errorf("User.Data.Updated events: %d, want %d", got, updates+1)
	}
	r = e.do(req{method: "GET", path: "/api/my-account", token: e.tokenFor(u.ID)})
	expect(t, r, 200, "")
	if v, ok := r.json(t)["primary"+strings.ToUpper(rt.member[:1])+rt.member[1:]]; !ok || v != nil {
		t.Errorf("GET /api/my-account shows %s = %v (present %v), want null", rt.member, v, ok)
	}
}

func TestPrimaryIdentifierRemove(t *testing.T) {
	github := func(u *store.User) {
		u.Identities = map[string]store.Identity{"github": {UserID: "gh-1"}}
	}
	for _, rt := range []idRoute{idEmailRoute, idPhoneRoute} {
		own := rt.fixture("15551234567")
		if rt.typ == "email" {
			own = rt.fixture("ann@example.com")
		}
		all := idNoProof | idFieldOff | idNoScope | idThirdPty
		// Order (docs/compatibility.md, "Order of checks"): proof, field,
		// scope, first party, last identifier. The callers of the order cases
		// have nothing but the route's identifier.
		only := []func(*store.User){withoutUsername(), own}
		cases := []idRemoveCase{
			{name: "proof before field control", faults: all, user: only, status: 401, code: "verification_record.permission_denied"},
			{name: "field control before scope", faults: all &^ idNoProof, user: only, status: 400, code: "account_center.field_not_editable"},
			{name: "scope before first party", faults: idNoScope | idThirdPty, user: only, status: 400, code: "auth.unauthorized"},
			{name: "first party before the last-identifier rule", faults: idThirdPty, user: only, status: 403, code: "auth.third_party_application_forbidden"},
			{name: "last identifier (a password does not count)", user: only, status: 400, code: "user.last_sign_in_method_required"},
			{name: "username remains", user: []func(*store.User){own}, status: 204},
			{name: "social identity remains", user: []func(*store.User){withoutUsername(), own, github}, status: 204},
			{name: "both email and phone", user: []func(*store.User){withoutUsername(), withEmail("ann@example.com"), withPhone("15551234567")}, status: 204},
		}
		for _, tc := range cases {
			t.Run(rt.member+" "+tc.name, func(t *testing.T) { idRunRemove(t, rt, tc) })
		}
	}
}

// TestPrimaryEmailExactlyOnce is docs/compatibility.md, "Unique identifiers
// are enforced by the store": of many concurrent binds of one address, each
// with its own valid proof and record, exactly one succeeds and the others get
// 422 user.email_already_in_use.
func TestPrimaryEmailExactlyOnce(t *testing.T) {
	const n, addr = 20, "shared@example.com"
	e := newEnv(t, withConfig(func(c *accountapi.Config) { c.SendLimit.Max = 2 * n }))
	type contender struct {
		u             *store.User
		proof, record string
	}
	cs := make([]contender, n)
	for i := range cs {
		u := e.newUser(e.withPassword("Secret-123"))
		cs[i] = contender{u: u, proof: e.passwordProof(u, "Secret-123"), record: e.verifiedCode(u, "email", addr)}
	}
	got := make([]response, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			got[i] = e.do(req{method: "POST", path: "/api/my-account/primary-email", token: e.tokenFor(c.u.ID),
				header: map[string]string{"Logto-Verification-Id": c.proof},
				body:   map[string]string{"email": addr, "newIdentifierVerificationRecordId": c.record}})
		}()
	}
	close(start)
	wg.Wait()

	outcomes := map[string]int{}
	for _, r := range got {
		key := "204"
		if r.status != 204 {
			key = strconv.Itoa(r.status) + " " + r.code()
		}
		outcomes[key]++
	}
	want := map[string]int{"204": 1, "422 user.email_already_in_use": n - 1}
	if diff := cmp.Diff(want, outcomes); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	holders, updates := 0, 0
	for _, c := range cs {
		if e.reload(c.u).PrimaryEmail == addr {
			holders++
		}
		updates += idUpdates(e, c.u.ID)
	}
	if holders != 1 {
		t.Errorf("%d users hold %s, want 1", holders, addr)
	}
	if updates != 1 {
		t.Errorf("%d User.Data.Updated events, want 1", updates)
	}
}
