package httpadapter_test

import "testing"

// TestChangeEmailWalkthrough is README's walkthrough: read the account, prove
// identity with the password, prove the new address with a code, bind it.
func TestChangeEmailWalkthrough(t *testing.T) {
	e := newEnv(t)
	u := e.newUser(e.withPassword("Secret-123"), withEmail("ann@example.com"))
	r := e.do(req{method: "GET", path: "/api/my-account", token: e.tokenFor(u.ID)})
	expect(t, r, 200, "")
	if got := r.json(t)["primaryEmail"]; got != "ann@example.com" {
		t.Fatalf("primaryEmail = %v", got)
	}
	proof := e.passwordProof(u, "Secret-123")
	id := e.verifiedCode(u, "email", "new@example.com")
	r = e.do(req{method: "POST", path: "/api/my-account/primary-email", token: e.tokenFor(u.ID),
		header: map[string]string{"Logto-Verification-Id": proof},
		body:   map[string]string{"email": "new@example.com", "newIdentifierVerificationRecordId": id}})
	expect(t, r, 204, "")
	if got := e.reload(u).PrimaryEmail; got != "new@example.com" {
		t.Fatalf("email = %q", got)
	}
}
