package verification

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/event"
)

// lockoutTarget is the sentinel's key for an identifier: a hash, so the
// store's lockout tables hold no addresses.
func lockoutTarget(value string) string {
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:])
}

// blocked answers 400 session.verification_blocked_too_many_attempts while
// target is blocked.
func (s *Service) blocked(ctx context.Context, target string) error {
	until, err := s.store.BlockedUntil(ctx, target, s.now())
	if err != nil {
		return fmt.Errorf("verification: reading lockout: %w", err)
	}
	if until.IsZero() {
		return nil
	}
	return blockedError(until.Sub(s.now()))
}

// failed reports a failed verification of target (reference/logto-contract.md
// §3.4): when the failures within the window reach the policy's maximum, the
// target is blocked, Identifier.Lockout is emitted and the block is the
// answer; otherwise the verification's own error is.
func (s *Service) failed(ctx context.Context, target, userID string, cause error) error {
	now := s.now()
	n, err := s.store.RecordFailure(ctx, target, now, s.lockout.Window)
	if err != nil {
		return fmt.Errorf("verification: recording a failed attempt: %w", err)
	}
	if n < s.lockout.MaxAttempts {
		return cause
	}
	until := now.Add(s.lockout.Duration)
	if err := s.store.Block(ctx, target, until); err != nil {
		return fmt.Errorf("verification: blocking: %w", err)
	}
	s.events.Emit(ctx, event.Event{
		Name: event.IdentifierLockout, At: now, UserID: userID,
		Data: map[string]any{"target": target, "blockedUntil": until.UnixMilli()},
	})
	return blockedError(s.lockout.Duration)
}

func blockedError(left time.Duration) error {
	minutes := int(left.Round(time.Minute) / time.Minute)
	if minutes < 1 {
		minutes = 1
	}
	return apierror.VerificationBlocked.WithParam("relativeTime", fmt.Sprintf("in %d minutes", minutes))
}
