package verification

import (
	"context"
	"fmt"
)

// Expired counts the rows [Service.DeleteExpired] deleted.
type Expired struct {
	// Records are verification records past their expiry; their codes go
	// with them.
	Records int
	// RateLimits are send counters whose window ended.
	RateLimits int
	// Lockouts are lockout failures older than the lockout window, and
	// targets left neither blocked nor with a failure.
	Lockouts int
}

// DeleteExpired deletes what no request can use any more: verification
// records past their expiry (with their codes), send counters whose window
// ended, lockout failures older than the window of the lockout policy in
// force, and lockout targets neither blocked nor failing. Nothing else
// removes them, so a host calls it periodically, e.g. every few minutes;
// any number of replicas may run it at once. It stops at the first error,
// with the counts so far.
func (s *Service) DeleteExpired(ctx context.Context) (Expired, error) {
	var e Expired
	now := s.now()
	var err error
	if e.Records, err = s.store.DeleteExpiredVerificationRecords(ctx, now); err != nil {
		return e, fmt.Errorf("verification: deleting expired records: %w", err)
	}
	if e.RateLimits, err = s.store.DeleteExpiredRateLimits(ctx, now); err != nil {
		return e, fmt.Errorf("verification: deleting expired send counters: %w", err)
	}
	policy, err := s.sentinel.policy(ctx)
	if err != nil {
		return e, err
	}
	window := policy.WithDefaults().Window
	if e.Lockouts, err = s.sentinel.store.DeleteExpiredLockouts(ctx, now.Add(-window), now); err != nil {
		return e, fmt.Errorf("verification: deleting expired lockout failures: %w", err)
	}
	return e, nil
}
