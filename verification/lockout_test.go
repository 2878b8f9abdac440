package verification_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/verification"
)

// lockoutEvents counts Identifier.Lockout events.
type lockoutEvents struct {
	mu sync.Mutex
	n  int
}

func (l *lockoutEvents) Emit(_ context.Context, e event.Event) {
	if e.Name == event.IdentifierLockout {
		l.mu.Lock()
		l.n++
		l.mu.Unlock()
	}
}

// TestSentinelAttempts walks the reservations of Sentinel.Begin: attempts
// beyond MaxAttempts are refused before they are judged, a released attempt
// gives its place back, the last failure blocks once, and after the block the
// count starts afresh.
func TestSentinelAttempts(t *testing.T) {
	st := newStore(t)
	now := testNow
	events := &lockoutEvents{}
	s, err := verification.NewSentinel(verification.SentinelConfig{
		Store: st,
		Policy: func(context.Context) (account.LockoutPolicy, error) {
			return account.LockoutPolicy{MaxAttempts: 3, Window: time.Hour, Duration: 10 * time.Minute}, nil
		},
		Events: events,
		Now:    func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	begin := func() *verification.Attempt {
		t.Helper()
		a, err := s.Begin(ctx, "target")
		if err != nil {
			t.Fatalf("Begin: %v", err)
		}
		return a
	}
	refused := func(what string) {
		t.Helper()
		if a, err := s.Begin(ctx, "target"); !errors.Is(err, apierror.VerificationBlocked) {
			t.Fatalf("%s: Begin = %v, %v; want the block", what, a, err)
		}
	}

	a1, a2, a3 := begin(), begin(), begin()
	refused("a fourth attempt while three are being judged")
	if err := a2.Release(ctx); err != nil {
		t.Fatal(err)
	}
	a4 := begin() // the released place
	if err := a1.Fail(ctx, "u", apierror.InvalidCredentials); !errors.Is(err, apierror.InvalidCredentials) {
		t.Errorf("first failure = %v, want the cause", err)
	}
	// a3 and a4 both hold the third place (a4 took a2's): the first to
	// fail blocks, the second finds the block.
	if err := a4.Fail(ctx, "u", apierror.InvalidCredentials); !errors.Is(err, apierror.VerificationBlocked) {
		t.Errorf("the failure in the last place = %v, want the block", err)
	}
	if err := a3.Fail(ctx, "u", apierror.InvalidCredentials); !errors.Is(err, apierror.VerificationBlocked) {
		t.Errorf("the other failure in the last place = %v, want the block", err)
	}
	if events.n != 1 {
		t.Errorf("%d Identifier.Lockout events, want 1", events.n)
	}
	refused("a right answer while blocked")

	now = now.Add(10*time.Minute + time.Second)
	b1, b2 := begin(), begin()
	for _, b := range []*verification.Attempt{b1, b2} {
		if err := b.Fail(ctx, "u", apierror.InvalidCredentials); !errors.Is(err, apierror.InvalidCredentials) {
			t.Errorf("a failure after the block = %v, want the cause (the count starts afresh)", err)
		}
	}
	if err := begin().Release(ctx); err != nil {
		t.Fatal(err)
	}
}
