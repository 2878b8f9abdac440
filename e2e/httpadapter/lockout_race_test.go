package httpadapter_test

import (
	"fmt"
	"testing"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/event"
)

// TestLockoutOutlastsParallelGuesses fires 200 concurrent password guesses
// (one of them right) at one user, over one handler on SQLite and over two
// handlers on one PostgreSQL database, with a lockout after 10 failures. Each
// attempt is reserved before it is judged, so at most 10 are judged: the
// answers that only a judged attempt gives — 422 for a wrong password, 201
// for the right one, and the one Identifier.Lockout of the attempt that used
// the last place — add up to 10 at most; every other guess is refused
// unjudged with the block. Afterwards the right password is refused while the
// user is blocked.
func TestLockoutOutlastsParallelGuesses(t *testing.T) {
	const guesses, maxAttempts = 200, 10
	limit := withPolicies(func(p *account.Policies) { p.Lockout.MaxAttempts = maxAttempts })
	for _, tc := range []struct {
		name     string
		replicas func(t *testing.T) []*env
	}{
		{"SQLite", func(t *testing.T) []*env { return []*env{newEnv(t, limit)} }},
		{"PostgreSQL, two handlers", func(t *testing.T) []*env {
			a, b := vtReplicas(t, limit)
			return []*env{a, b}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			envs := tc.replicas(t)
			u := vtUser(envs[0])
			rs := vtConcurrently(guesses, func(i int) response {
				pw := fmt.Sprintf("Wrong-%03d", i)
				if i == guesses/2 {
					pw = vtPassword
				}
				return vtVerifyPassword(envs[i%len(envs)], u, pw)
			})
			tally := vtTally(rs)
			lockouts := 0
			for _, e := range envs {
				lockouts += len(e.events.named(event.IdentifierLockout))
			}
			wrong, right := tally["422 session.invalid_credentials"], tally["201 "]
			blocked := tally["400 session.verification_blocked_too_many_attempts"]
			if judged := wrong + right + lockouts; judged > maxAttempts {
				t.Errorf("%d attempts were judged (%d wrong, %d right, %d lockouts), want at most %d; answers %v",
					judged, wrong, right, lockouts, maxAttempts, tally)
			}
			if lockouts != 1 || blocked < guesses-maxAttempts || wrong+right+blocked != guesses {
				t.Errorf("answers %v with %d Identifier.Lockout events, want one lockout and the rest blocked", tally, lockouts)
			}
			for _, e := range envs {
				expect(t, vtVerifyPassword(e, u, vtPassword), 400, "session.verification_blocked_too_many_attempts")
			}
		})
	}
}
