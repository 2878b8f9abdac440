package verification_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/verification"
)

// TestDeleteExpired checks that DeleteExpired removes what no request can
// use any more, and only that: a live record, a running send window and a
// failure inside the lockout window survive it.
func TestDeleteExpired(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	h := newHasher(t)
	digest, alg, err := h.Hash(ctx, "Secret-123")
	if err != nil {
		t.Fatal(err)
	}
	u := newUser(t, st, func(u *store.User) { u.PasswordDigest, u.PasswordAlgorithm = digest, alg })
	now := testNow
	s := newService(t, st, func(cfg *verification.Config) {
		cfg.Now = func() time.Time { return now }
	})
	c := account.Caller{UserID: u.ID}

	// At the start: a code sent (a record and a send counter) and a wrong
	// password (a lockout failure).
	to := store.Identifier{Type: store.IdentifierEmail, Value: "new@example.com"}
	old, err := s.SendCode(ctx, c, to, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.VerifyPassword(ctx, c, "Wrong-123"); err == nil {
		t.Fatal("VerifyPassword accepted a wrong password")
	}
	if got, err := s.DeleteExpired(ctx); err != nil || got != (verification.Expired{}) {
		t.Fatalf("DeleteExpired at once = %+v, %v; want nothing deleted", got, err)
	}

	// Two hours later (records last 10 minutes, the send window 10 minutes,
	// the default lockout window an hour) a new code is sent, which must
	// survive; the first record, its counter, the failure and its target go.
	now = now.Add(2 * time.Hour)
	live, err := s.SendCode(ctx, c, store.Identifier{Type: store.IdentifierEmail, Value: "other@example.com"}, "")
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.DeleteExpired(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (verification.Expired{Records: 1, RateLimits: 1, Lockouts: 2}); got != want {
		t.Errorf("DeleteExpired = %+v, want %+v", got, want)
	}
	if _, err := st.GetVerificationRecord(ctx, old.ID, testNow); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the expired record: err = %v, want ErrNotFound", err)
	}
	if _, err := st.GetVerificationRecord(ctx, live.ID, now); err != nil {
		t.Errorf("the live record: %v", err)
	}

	// A failure inside the window survives.
	if _, err := s.VerifyPassword(ctx, c, "Wrong-456"); err == nil {
		t.Fatal("VerifyPassword accepted a wrong password")
	}
	now = now.Add(30 * time.Minute)
	if again, err := s.DeleteExpired(ctx); err != nil || again != (verification.Expired{Records: 1, RateLimits: 1}) {
		t.Errorf("DeleteExpired half an hour later = %+v, %v; want the live record and counter, now expired, and no lockout row", again, err)
	}
}
