package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// HitRateLimit implements store.RateLimits with one upsert: the first event
// of a key inserts its window, later ones add one to it, and one at or after
// the window's end starts a new window with count 1. The statement returns the
// count; concurrent hits on one key queue on its row and get distinct counts.
func (s *Store) HitRateLimit(ctx context.Context, key string, window time.Duration, at time.Time) (int, error) {
	start := millis(at)
	end := millis(at.Add(window))
	var count int
	err := s.exec(ctx, "hit rate limit", func(db bun.IDB) error {
		return db.NewRaw(`INSERT INTO accountapi_rate_limits ("key", window_start, window_end, "count")
VALUES (?, ?, ?, 1)
ON CONFLICT ("key") DO UPDATE SET
	"count" = CASE WHEN accountapi_rate_limits.window_end <= EXCLUDED.window_start
		THEN 1 ELSE accountapi_rate_limits."count" + 1 END,
	window_start = CASE WHEN accountapi_rate_limits.window_end <= EXCLUDED.window_start
		THEN EXCLUDED.window_start ELSE accountapi_rate_limits.window_start END,
	window_end = CASE WHEN accountapi_rate_limits.window_end <= EXCLUDED.window_start
		THEN EXCLUDED.window_end ELSE accountapi_rate_limits.window_end END
RETURNING "count"`, key, start, end).Scan(ctx, &count)
	})
	return count, err
}

// UndoRateLimitHit implements store.RateLimits.
func (s *Store) UndoRateLimitHit(ctx context.Context, key string) error {
	return s.exec(ctx, "undo rate limit hit", func(db bun.IDB) error {
		_, err := db.NewRaw(`UPDATE accountapi_rate_limits SET "count" = "count" - 1 WHERE "key" = ? AND "count" > 0`, key).Exec(ctx)
		return err
	})
}

// RecordFailure implements store.Lockouts. In one transaction it upserts the
// target's row of accountapi_lockouts, which locks it until the end of the
// transaction on PostgreSQL (SQLite transactions are serialised anyway), then
// forgets the old failures, inserts this one and counts them: concurrent
// failures against one target take turns and get distinct counts, so a burst
// of guesses cannot stay under the threshold.
func (s *Store) RecordFailure(ctx context.Context, target string, at time.Time, window time.Duration) (int, error) {
	var count int
	err := s.unit(ctx, "record failure", false, func(ctx context.Context, db bun.IDB) error {
		if _, err := db.NewRaw(`INSERT INTO accountapi_lockouts (target, blocked_until) VALUES (?, 0)
ON CONFLICT (target) DO UPDATE SET blocked_until = accountapi_lockouts.blocked_until`, target).Exec(ctx); err != nil {
			return err
		}
		if _, err := db.NewRaw(`DELETE FROM accountapi_lockout_failures WHERE target = ? AND failed_at <= ?`,
			target, millis(at.Add(-window))).Exec(ctx); err != nil {
			return err
		}
		if _, err := db.NewRaw(`INSERT INTO accountapi_lockout_failures (target, failed_at) VALUES (?, ?)`,
			target, millis(at)).Exec(ctx); err != nil {
			return err
		}
		return db.NewRaw(`SELECT count(*) FROM accountapi_lockout_failures WHERE target = ?`, target).Scan(ctx, &count)
	})
	return count, err
}

// ForgetFailure implements store.Lockouts. Failures have no identity of
// their own, so in one transaction that holds the target's row, as
// RecordFailure does, it counts the failures recorded at at, deletes them and
// puts back all but one.
func (s *Store) ForgetFailure(ctx context.Context, target string, at time.Time) error {
	return s.unit(ctx, "forget failure", false, func(ctx context.Context, db bun.IDB) error {
		if _, err := db.NewRaw(`INSERT INTO accountapi_lockouts (target, blocked_until) VALUES (?, 0)
ON CONFLICT (target) DO UPDATE SET blocked_until = accountapi_lockouts.blocked_until`, target).Exec(ctx); err != nil {
			return err
		}
		var n int
		if err := db.NewRaw(`SELECT count(*) FROM accountapi_lockout_failures WHERE target = ? AND failed_at = ?`,
			target, millis(at)).Scan(ctx, &n); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if _, err := db.NewRaw(`DELETE FROM accountapi_lockout_failures WHERE target = ? AND failed_at = ?`,
			target, millis(at)).Exec(ctx); err != nil {
			return err
		}
		for range n - 1 {
			if _, err := db.NewRaw(`INSERT INTO accountapi_lockout_failures (target, failed_at) VALUES (?, ?)`,
				target, millis(at)).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}

// Block implements store.Lockouts: in one transaction, an upsert that keeps
// the later end (and holds the target's row, as RecordFailure does), then the
// target's failures deleted.
func (s *Store) Block(ctx context.Context, target string, until time.Time) error {
	return s.unit(ctx, "block", false, func(ctx context.Context, db bun.IDB) error {
		if _, err := db.NewRaw(`INSERT INTO accountapi_lockouts (target, blocked_until) VALUES (?, ?)
ON CONFLICT (target) DO UPDATE SET blocked_until =
	CASE WHEN EXCLUDED.blocked_until > accountapi_lockouts.blocked_until
	THEN EXCLUDED.blocked_until ELSE accountapi_lockouts.blocked_until END`, target, millis(until)).Exec(ctx); err != nil {
			return err
		}
		_, err := db.NewRaw(`DELETE FROM accountapi_lockout_failures WHERE target = ?`, target).Exec(ctx)
		return err
	})
}

// BlockedUntil implements store.Lockouts.
func (s *Store) BlockedUntil(ctx context.Context, target string, now time.Time) (time.Time, error) {
	var until int64
	err := s.db.NewRaw(`SELECT blocked_until FROM accountapi_lockouts WHERE target = ? AND blocked_until > ?`,
		target, millis(now)).Scan(ctx, &until)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, s.mapErr("blocked until", err)
	}
	return fromMillis(until), nil
}

// DeleteExpiredRateLimits implements store.RateLimits; the index on
// window_end (migration 0004) serves it.
func (s *Store) DeleteExpiredRateLimits(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.exec(ctx, "delete expired rate limits", func(db bun.IDB) error {
		res, err := db.NewRaw(`DELETE FROM accountapi_rate_limits WHERE window_end <= ?`, millis(before)).Exec(ctx)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// DeleteExpiredLockouts implements store.Lockouts: old failures first, then
// the targets left with neither a block nor a failure. The second DELETE
// re-checks blocked_until on a row a concurrent Block changed (PostgreSQL
// re-evaluates the condition on the new row version; SQLite runs one writer
// at a time), so a new block is never lost; a target row removed under a
// concurrent RecordFailure is recreated by the next one, and its failures,
// which live in their own table, still count.
func (s *Store) DeleteExpiredLockouts(ctx context.Context, failedBefore, blockedBefore time.Time) (int, error) {
	var n int64
	err := s.unit(ctx, "delete expired lockouts", false, func(ctx context.Context, db bun.IDB) error {
		res, err := db.NewRaw(`DELETE FROM accountapi_lockout_failures WHERE failed_at <= ?`, millis(failedBefore)).Exec(ctx)
		if err != nil {
			return err
		}
		failures, err := res.RowsAffected()
		if err != nil {
			return err
		}
		res, err = db.NewRaw(`DELETE FROM accountapi_lockouts WHERE blocked_until <= ?
	AND NOT EXISTS (SELECT 1 FROM accountapi_lockout_failures AS f WHERE f.target = accountapi_lockouts.target)`,
			millis(blockedBefore)).Exec(ctx)
		if err != nil {
			return err
		}
		targets, err := res.RowsAffected()
		n = failures + targets
		return err
	})
	return int(n), err
}
