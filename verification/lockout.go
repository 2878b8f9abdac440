package verification

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/store"
)

// SentinelConfig configures a Sentinel.
type SentinelConfig struct {
	// Store keeps failures and blocks. Required.
	Store store.Lockouts
	// Policy returns the lockout policy in force; the sentinel calls it on
	// every failure, so a policy changed at run time applies to the next
	// one. Zero members of what it returns take their defaults. Pass the
	// shared Settings' LockoutPolicy method; nil means the defaults
	// (account.LockoutPolicy{}).
	Policy func(ctx context.Context) (account.LockoutPolicy, error)
	// Events receives Identifier.Lockout; nil discards it.
	Events event.Sink
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Sentinel is Logto's identifier lockout sentinel (docs/compatibility.md,
// "Identifier lockout"): it counts failed verifications per target and, when a
// target fails MaxAttempts times within Window, blocks it for Duration (the
// policy's members, account.LockoutPolicy) — during which even a right answer
// is refused with 400 session.verification_blocked_too_many_attempts. The
// counts live in the store, so every replica sees the same block. Password
// checks, code checks and the MFA step-up checks all report to it.
type Sentinel struct {
	store  store.Lockouts
	policy func(ctx context.Context) (account.LockoutPolicy, error)
	events event.Sink
	now    func() time.Time
}

// NewSentinel returns a Sentinel.
func NewSentinel(cfg SentinelConfig) (*Sentinel, error) {
	if cfg.Store == nil {
		return nil, errors.New("verification: SentinelConfig.Store is nil")
	}
	s := &Sentinel{store: cfg.Store, policy: cfg.Policy, events: cfg.Events, now: cfg.Now}
	if s.policy == nil {
		s.policy = func(context.Context) (account.LockoutPolicy, error) { return account.LockoutPolicy{}, nil }
	}
	if s.events == nil {
		s.events = event.Discard{}
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Target is the sentinel's key for what a verification is about (a user id,
// an address): a hash of kind and value, so the store's lockout tables hold
// no addresses.
func Target(kind, value string) string {
	sum := sha256.Sum256([]byte(kind + "\x00" + value))
	return hex.EncodeToString(sum[:])
}

// Attempt is one guess against a target, reserved with [Sentinel.Begin]
// before it is judged. Exactly one of Fail and Release ends it.
type Attempt struct {
	s      *Sentinel
	target string
	at     time.Time
	n      int
	policy account.LockoutPolicy
}

// Begin reserves an attempt against target before the caller judges it
// (compares a password, a code, a TOTP code): the attempt is recorded as a
// failure first, so that N concurrent guesses, on any number of replicas,
// are never judged more than the policy's MaxAttempts times
// (docs/compatibility.md, "Attempts are counted before they are judged").
// While target is blocked, or when the reservation is beyond MaxAttempts
// (other guesses took the last ones), it answers 400
// session.verification_blocked_too_many_attempts and nothing is judged: a
// right answer is refused too.
func (s *Sentinel) Begin(ctx context.Context, target string) (*Attempt, error) {
	if err := s.Check(ctx, target); err != nil {
		return nil, err
	}
	p, err := s.policy(ctx)
	if err != nil {
		return nil, fmt.Errorf("verification: reading the lockout policy: %w", err)
	}
	p = p.WithDefaults()
	if p.MaxAttempts < 0 || p.Window < 0 || p.Duration < 0 {
		return nil, errors.New("verification: negative lockout policy")
	}
	now := s.now()
	n, err := s.store.RecordFailure(ctx, target, now, p.Window)
	if err != nil {
		return nil, fmt.Errorf("verification: reserving an attempt: %w", err)
	}
	a := &Attempt{s: s, target: target, at: now, n: n, policy: p}
	if n > p.MaxAttempts {
		// The attempts that took the last places block the target when
		// they fail; this one is not judged, and not counted.
		return nil, a.Abandon(ctx, blockedError(p.Duration))
	}
	// A block forgets the failures it stands for (store.Lockouts.Block), so
	// a reservation made after a concurrent block counts from one again:
	// only the block, read after the reservation, tells. It is committed
	// with the deletion, so no reservation can miss both.
	if err := s.Check(ctx, target); err != nil {
		return nil, a.Abandon(ctx, err)
	}
	return a, nil
}

// Release gives the reserved attempt back: it was not a wrong guess (the
// answer was right, or it was never judged).
func (a *Attempt) Release(ctx context.Context) error {
	if err := a.s.store.ForgetFailure(ctx, a.target, a.at); err != nil {
		return fmt.Errorf("verification: releasing an attempt: %w", err)
	}
	return nil
}

// Abandon gives the reserved attempt back because its request failed for
// another reason than a wrong answer (err: a store failure, a suspended
// user), and returns err, joined with the release's own failure if any. The
// release outlives ctx's cancellation: a client that hangs up does not keep
// its attempt counted.
func (a *Attempt) Abandon(ctx context.Context, err error) error {
	if rerr := a.Release(context.WithoutCancel(ctx)); rerr != nil {
		return errors.Join(err, rerr)
	}
	return err
}

// Fail keeps the reserved attempt as a failure of user userID ("" if none)
// and returns the answer: cause, the verification's own error, or the block
// when this failure was the last attempt the policy allows, in which case
// Identifier.Lockout is emitted (once per block).
func (a *Attempt) Fail(ctx context.Context, userID string, cause error) error {
	if a.n < a.policy.MaxAttempts {
		return cause
	}
	// A released place can be taken again, so two attempts may hold the
	// last one: the second to fail finds the block and adds none.
	if err := a.s.Check(ctx, a.target); err != nil {
		return err
	}
	return a.s.block(ctx, a.target, userID, a.at, a.policy.Duration)
}

// block blocks target for d from now and emits Identifier.Lockout.
func (s *Sentinel) block(ctx context.Context, target, userID string, now time.Time, d time.Duration) error {
	until := now.Add(d)
	if err := s.store.Block(ctx, target, until); err != nil {
		return fmt.Errorf("verification: blocking: %w", err)
	}
	s.events.Emit(ctx, event.Event{
		Name: event.IdentifierLockout, At: now, UserID: userID,
		Data: map[string]any{"target": target, "blockedUntil": until.UnixMilli()},
	})
	return blockedError(d)
}

// Check answers 400 session.verification_blocked_too_many_attempts while
// target is blocked.
func (s *Sentinel) Check(ctx context.Context, target string) error {
	until, err := s.store.BlockedUntil(ctx, target, s.now())
	if err != nil {
		return fmt.Errorf("verification: reading lockout: %w", err)
	}
	if until.IsZero() {
		return nil
	}
	return blockedError(until.Sub(s.now()))
}

// Fail reports a failed verification of target about user userID ("" if
// none) that was not reserved with Begin (a failure found before anything
// secret was compared), and returns the answer: cause, the verification's own error, or the
// block when this failure reaches the policy's maximum, in which case
// Identifier.Lockout is emitted.
func (s *Sentinel) Fail(ctx context.Context, target, userID string, cause error) error {
	p, err := s.policy(ctx)
	if err != nil {
		return fmt.Errorf("verification: reading the lockout policy: %w", err)
	}
	p = p.WithDefaults()
	if p.MaxAttempts < 0 || p.Window < 0 || p.Duration < 0 {
		return errors.New("verification: negative lockout policy")
	}
	now := s.now()
	n, err := s.store.RecordFailure(ctx, target, now, p.Window)
	if err != nil {
		return fmt.Errorf("verification: recording a failed attempt: %w", err)
	}
	if n < p.MaxAttempts {
		return cause
	}
	return s.block(ctx, target, userID, now, p.Duration)
}

func blockedError(left time.Duration) error {
	minutes := int(left.Round(time.Minute) / time.Minute)
	if minutes < 1 {
		minutes = 1
	}
	return apierror.VerificationBlocked.WithParam("minutes", strconv.Itoa(minutes))
}
