package httpadapter_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/accountapi/accountapi"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/store/postgres"
)

// Two replicas over one PostgreSQL database behave as one service, because
// everything that decides an outcome (records, codes, try counts, send and
// lockout counters, settings) lives in the store, none of it in a process's
// memory beyond the settings cache's short bound: each test builds two envs —
// two handler stacks with their own clocks, notifiers and event sinks — over
// one store in a fresh schema.

// vtReplicas returns two envs over one PostgreSQL store in a fresh schema,
// dropped when the test ends, or skips the test without a DSN. Their clocks
// start equal; move them with vtAdvance.
func vtReplicas(t *testing.T, opts ...envOption) (a, b *env) {
	t.Helper()
	dsn := os.Getenv("ACCOUNTAPI_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("ACCOUNTAPI_TEST_POSTGRES_DSN not set: skipping the two-replica test")
	}
	buf := make([]byte, 8)
	if _, err := rand.Read(buf); err != nil {
		t.Fatal(err)
	}
	schema := "accountapi_replicas_" + hex.EncodeToString(buf)
	st, err := postgres.Open(t.Context(), dsn, postgres.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	t.Cleanup(func() {
		// Runs before Close; t.Context is already cancelled here.
		if _, err := st.DB().ExecContext(context.Background(), `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	a = newEnv(t, append([]envOption{withStore(st)}, opts...)...)
	b = newEnv(t, append([]envOption{withStore(st)}, opts...)...)
	if !a.clock.Now().Equal(b.clock.Now()) {
		t.Fatalf("replica clocks differ: %v and %v", a.clock.Now(), b.clock.Now())
	}
	return a, b
}

// vtAdvance moves every replica's clock by d.
func vtAdvance(d time.Duration, envs ...*env) {
	for _, e := range envs {
		e.clock.Advance(d)
	}
}

func TestReplicaCodeSentOnAVerifiedOnB(t *testing.T) {
	a, b := vtReplicas(t)
	u := vtUser(a)
	const addr = "new@example.com"

	proof := a.passwordProof(u, vtPassword)
	id, code := vtSent(t, a, u, "email", addr, "")
	vtAdvance(time.Minute, a, b)
	expect(t, vtVerify(b, u, "email", addr, id, code), 200, "")
	// The code is consumed for both replicas.
	expect(t, vtVerify(a, u, "email", addr, id, code), 400, "verification_code.not_found")

	r := a.do(req{method: "POST", path: "/api/my-account/primary-email", token: a.tokenFor(u.ID),
		header: map[string]string{"Logto-Verification-Id": proof},
		body:   map[string]string{"email": addr, "newIdentifierVerificationRecordId": id}})
	expect(t, r, 204, "")
	if got := b.reload(u).PrimaryEmail; got != addr {
		t.Errorf("primary email = %q, want %q", got, addr)
	}
}

func TestReplicaIdentityProofAcrossReplicas(t *testing.T) {
	a, b := vtReplicas(t)
	u := vtUser(a)
	proof := a.verifiedCode(u, "email", vtEmail)
	expect(t, vtRename(b, u, proof, "renamed_on_b"), 200, "")
	vtAdvance(10*time.Minute, a, b)
	expect(t, vtRename(a, u, proof, "renamed_on_a"), 401, "verification_record.permission_denied")
}

func TestReplicaSendLimitCountsAcrossReplicas(t *testing.T) {
	a, b := vtReplicas(t)
	u := vtUser(a)
	const addr = "new@example.com"
	for i := range 10 {
		e := a
		if i%2 == 1 {
			e = b
		}
		expect(t, vtSend(e, u, "email", addr, ""), 201, "")
	}
	expect(t, vtSend(a, u, "email", addr, ""), 429, "request.message_rate_limited")
	expect(t, vtSend(b, u, "email", addr, ""), 429, "request.message_rate_limited")
	if got := a.outbox.count() + b.outbox.count(); got != 10 {
		t.Errorf("%d messages sent, want 10", got)
	}
	vtAdvance(10*time.Minute, a, b)
	expect(t, vtSend(b, u, "email", addr, ""), 201, "")
}

func TestReplicaPasswordLockoutAcrossReplicas(t *testing.T) {
	a, b := vtReplicas(t, vtLockout(3, time.Hour, 30*time.Minute))
	u := vtUser(a)
	expect(t, vtVerifyPassword(a, u, "Wrong-1"), 422, "session.invalid_credentials")
	expect(t, vtVerifyPassword(b, u, "Wrong-2"), 422, "session.invalid_credentials")
	expect(t, vtVerifyPassword(a, u, "Wrong-3"), 400, "session.verification_blocked_too_many_attempts")
	expect(t, vtVerifyPassword(b, u, vtPassword), 400, "session.verification_blocked_too_many_attempts")
	if got := len(a.events.named(event.IdentifierLockout)) + len(b.events.named(event.IdentifierLockout)); got != 1 {
		t.Errorf("%d Identifier.Lockout events, want 1", got)
	}
	vtAdvance(30*time.Minute, a, b)
	expect(t, vtVerifyPassword(b, u, vtPassword), 201, "")
}

func TestReplicaCodeLockoutAcrossReplicas(t *testing.T) {
	a, b := vtReplicas(t, vtLockout(2, time.Hour, 30*time.Minute))
	u := vtUser(a)
	const addr = "new@example.com"
	id, code := vtSent(t, a, u, "email", addr, "")
	expect(t, vtVerify(a, u, "email", addr, id, vtWrong(code)), 400, "verification_code.code_mismatch")
	expect(t, vtVerify(a, u, "email", addr, id, vtWrong(code)), 400, "session.verification_blocked_too_many_attempts")
	expect(t, vtVerify(b, u, "email", addr, id, code), 400, "session.verification_blocked_too_many_attempts")
}

func TestReplicaVerifyExactlyOnceAcrossReplicas(t *testing.T) {
	a, b := vtReplicas(t)
	u := vtUser(a)
	const addr = "new@example.com"
	id, code := vtSent(t, a, u, "email", addr, "")
	rs := vtConcurrently(20, func(i int) response {
		e := a
		if i%2 == 1 {
			e = b
		}
		return vtVerify(e, u, "email", addr, id, code)
	})
	want := map[string]int{"200 ": 1, "400 verification_code.not_found": 19}
	if diff := cmp.Diff(want, vtTally(rs)); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
}

func TestReplicaConcurrentSendsAcrossReplicas(t *testing.T) {
	a, b := vtReplicas(t, withConfig(func(c *accountapi.Config) { c.SendLimit.Max = 5 }))
	u := vtUser(a)
	rs := vtConcurrently(20, func(i int) response {
		e := a
		if i%2 == 1 {
			e = b
		}
		return vtSend(e, u, "email", "new@example.com", "")
	})
	want := map[string]int{"201 ": 5, "429 request.message_rate_limited": 15}
	if diff := cmp.Diff(want, vtTally(rs)); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
}

func TestReplicaConcurrentGuessesAcrossReplicas(t *testing.T) {
	a, b := vtReplicas(t)
	u := vtUser(a)
	const addr = "new@example.com"
	id, code := vtSent(t, a, u, "email", addr, "")
	rs := vtConcurrently(20, func(i int) response {
		e := a
		if i%2 == 1 {
			e = b
		}
		return vtVerify(e, u, "email", addr, id, vtWrong(code))
	})
	want := map[string]int{"400 verification_code.code_mismatch": 10, "400 verification_code.exceed_max_try": 10}
	if diff := cmp.Diff(want, vtTally(rs)); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
	expect(t, vtVerify(b, u, "email", addr, id, code), 400, "verification_code.exceed_max_try")
}
