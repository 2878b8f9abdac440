package storetest

import (
	"testing"
	"time"
)

func (s *suite) rateLimits(t *testing.T) {
	t.Run("FixedWindows", s.rateLimitWindows)
	t.Run("KeysAreIndependent", s.rateLimitKeys)
	t.Run("Undo", s.rateLimitUndo)
	t.Run("DeleteExpired", s.rateLimitDeleteExpired)
}

func (s *suite) rateLimitWindows(t *testing.T) {
	const window = time.Minute
	// t0 is not aligned to a minute: a backend that buckets time into aligned
	// windows instead of starting a window at its first event fails here.
	hits := []struct {
		at   time.Duration
		want int
	}{
		{0, 1}, // window [0, 60s)
		{30 * time.Second, 2},
		{window - time.Millisecond, 3},
		{window, 1}, // at the end: window [60s, 120s)
		{window + time.Millisecond, 2},
		{2*window - time.Millisecond, 3},
		{2 * window, 1}, // window [120s, 180s)
		{5 * window, 1}, // after a gap: window [300s, 360s)
		{6*window - time.Millisecond, 2},
		{6 * window, 1},
	}
	st := s.open(t)
	for _, h := range hits {
		got, err := st.HitRateLimit(t.Context(), "email:ann@example.com", window, at(h.at))
		if ok(t, "HitRateLimit at +"+h.at.String(), err) && got != h.want {
			t.Errorf("HitRateLimit at +%v = %d, want %d", h.at, got, h.want)
		}
	}
}

func (s *suite) rateLimitKeys(t *testing.T) {
	st := s.open(t)
	ctx := t.Context()
	hit := func(key string, want int) {
		t.Helper()
		got, err := st.HitRateLimit(ctx, key, time.Hour, at(time.Second))
		if ok(t, "HitRateLimit("+key+")", err) && got != want {
			t.Errorf("HitRateLimit(%q) = %d, want %d", key, got, want)
		}
	}
	hit("a", 1)
	hit("a", 2)
	hit("b", 1)
	hit("a", 3)
	hit("A", 1)
	hit("b", 2)
}

func (s *suite) rateLimitUndo(t *testing.T) {
	t.Run("takes one event back", func(t *testing.T) {
		st := s.open(t)
		ctx := t.Context()
		for i := 1; i <= 3; i++ {
			_, err := st.HitRateLimit(ctx, "k", time.Hour, at(time.Duration(i)*time.Second))
			must(t, "HitRateLimit", err)
		}
		ok(t, "UndoRateLimitHit", st.UndoRateLimitHit(ctx, "k"))
		got, err := st.HitRateLimit(ctx, "k", time.Hour, at(10*time.Second))
		if ok(t, "HitRateLimit after undo", err) && got != 3 {
			t.Errorf("HitRateLimit after 3 hits and an undo = %d, want 3", got)
		}
	})
	t.Run("never below zero", func(t *testing.T) {
		st := s.open(t)
		ctx := t.Context()
		_, err := st.HitRateLimit(ctx, "k", time.Hour, at(0))
		must(t, "HitRateLimit", err)
		for range 3 {
			ok(t, "UndoRateLimitHit", st.UndoRateLimitHit(ctx, "k"))
		}
		for want := 1; want <= 2; want++ {
			got, err := st.HitRateLimit(ctx, "k", time.Hour, at(time.Second))
			if ok(t, "HitRateLimit after undoing more than was hit", err) && got != want {
				t.Errorf("HitRateLimit after undoing more than was hit = %d, want %d", got, want)
			}
		}
	})
	t.Run("other keys untouched", func(t *testing.T) {
		st := s.open(t)
		ctx := t.Context()
		for _, k := range []string{"a", "a", "b", "b"} {
			_, err := st.HitRateLimit(ctx, k, time.Hour, at(0))
			must(t, "HitRateLimit", err)
		}
		ok(t, "UndoRateLimitHit(a)", st.UndoRateLimitHit(ctx, "a"))
		got, err := st.HitRateLimit(ctx, "b", time.Hour, at(time.Second))
		if ok(t, "HitRateLimit(b)", err) && got != 3 {
			t.Errorf("HitRateLimit(b) after undoing a = %d, want 3", got)
		}
	})
	t.Run("unknown key is not an error", func(t *testing.T) {
		st := s.open(t)
		ok(t, "UndoRateLimitHit(unknown key)", st.UndoRateLimitHit(t.Context(), "never-hit"))
		got, err := st.HitRateLimit(t.Context(), "never-hit", time.Hour, at(0))
		if ok(t, "HitRateLimit after undo of an unknown key", err) && got != 1 {
			t.Errorf("HitRateLimit after undo of an unknown key = %d, want 1", got)
		}
	})
}

func (s *suite) lockouts(t *testing.T) {
	t.Run("RecordFailureForgetsOldFailures", s.lockoutRecordFailure)
	t.Run("RecordFailureTargetsAreIndependent", s.lockoutTargets)
	t.Run("ForgetFailure", s.lockoutForget)
	t.Run("Block", s.lockoutBlock)
	t.Run("BlockedUntilNotBlocked", s.lockoutNotBlocked)
	t.Run("DeleteExpired", s.lockoutDeleteExpired)
}

func (s *suite) lockoutRecordFailure(t *testing.T) {
	const window = 10 * time.Minute
	failures := []struct {
		at   time.Duration
		want int
	}{
		{0, 1},
		{time.Minute, 2},
		{2 * time.Minute, 3},
		{window, 3},               // forgets the failure at 0: at or before at-window
		{window + time.Minute, 3}, // forgets the one at 1m
		{window + 2*time.Minute - time.Millisecond, 4}, // keeps the one at 2m: after at-window
		{3 * window, 1}, // forgets all but itself
	}
	st := s.open(t)
	for _, f := range failures {
		got, err := st.RecordFailure(t.Context(), "target-1", at(f.at), window)
		if ok(t, "RecordFailure at +"+f.at.String(), err) && got != f.want {
			t.Errorf("RecordFailure at +%v = %d, want %d", f.at, got, f.want)
		}
	}
}

func (s *suite) lockoutForget(t *testing.T) {
	st := s.open(t)
	record := func(target string, d time.Duration, want int) {
		t.Helper()
		got, err := st.RecordFailure(t.Context(), target, at(d), time.Hour)
		if ok(t, "RecordFailure("+target+")", err) && got != want {
			t.Errorf("RecordFailure(%q) at +%v = %d, want %d", target, d, got, want)
		}
	}
	forget := func(target string, d time.Duration) {
		t.Helper()
		must(t, "ForgetFailure("+target+")", st.ForgetFailure(t.Context(), target, at(d)))
	}
	record("a", 0, 1)
	record("a", 0, 2) // two failures at one instant
	record("a", time.Second, 3)
	record("b", 0, 1)
	forget("a", 0) // one of the two at 0
	record("a", 2*time.Second, 3)
	forget("a", 0)
	forget("a", 0) // none left at 0: nothing happens
	record("a", 3*time.Second, 3)
	forget("a", 5*time.Second) // none at that instant
	forget("never-failed", 0)
	record("b", time.Second, 2) // other targets keep theirs
}

func (s *suite) lockoutTargets(t *testing.T) {
	st := s.open(t)
	record := func(target string, d time.Duration, want int) {
		t.Helper()
		got, err := st.RecordFailure(t.Context(), target, at(d), time.Hour)
		if ok(t, "RecordFailure("+target+")", err) && got != want {
			t.Errorf("RecordFailure(%q) at +%v = %d, want %d", target, d, got, want)
		}
	}
	record("a", 0, 1)
	record("b", time.Second, 1)
	record("a", 2*time.Second, 2)
	record("b", 3*time.Second, 2)
	record("c", 4*time.Second, 1)
	record("a", 5*time.Second, 3)
}

func (s *suite) lockoutBlock(t *testing.T) {
	st := s.open(t)
	ctx := t.Context()
	blockedUntil := func(target string, now time.Duration, want time.Time) {
		t.Helper()
		got, err := st.BlockedUntil(ctx, target, at(now))
		if ok(t, "BlockedUntil("+target+")", err) && !got.Equal(want) {
			t.Errorf("BlockedUntil(%q) at +%v = %v, want %v", target, now, got, want)
		}
	}
	if !ok(t, "Block", st.Block(ctx, "x", at(5*time.Minute))) {
		return
	}
	blockedUntil("x", 0, at(5*time.Minute))
	blockedUntil("x", 5*time.Minute-time.Millisecond, at(5*time.Minute))
	blockedUntil("x", 5*time.Minute+time.Millisecond, time.Time{})
	blockedUntil("y", 0, time.Time{})

	// An existing later block is kept; a later one replaces an earlier one.
	ok(t, "Block(earlier)", st.Block(ctx, "x", at(3*time.Minute)))
	blockedUntil("x", 0, at(5*time.Minute))
	blockedUntil("x", 4*time.Minute, at(5*time.Minute))
	ok(t, "Block(later)", st.Block(ctx, "x", at(8*time.Minute)))
	blockedUntil("x", 0, at(8*time.Minute))
	blockedUntil("x", 6*time.Minute, at(8*time.Minute))

	// Other targets are untouched.
	ok(t, "Block(y)", st.Block(ctx, "y", at(time.Minute)))
	blockedUntil("x", 0, at(8*time.Minute))
	blockedUntil("y", 0, at(time.Minute))

	// A block forgets its target's failures, and only its target's.
	for i, target := range []string{"z", "z", "w"} {
		_, err := st.RecordFailure(ctx, target, at(time.Duration(i)*time.Second), time.Hour)
		must(t, "RecordFailure("+target+")", err)
	}
	ok(t, "Block(z)", st.Block(ctx, "z", at(time.Hour)))
	for target, want := range map[string]int{"z": 1, "w": 2} {
		n, err := st.RecordFailure(ctx, target, at(time.Minute), time.Hour)
		if ok(t, "RecordFailure("+target+") after the block", err) && n != want {
			t.Errorf("RecordFailure(%q) after blocking z = %d, want %d", target, n, want)
		}
	}
}

func (s *suite) lockoutNotBlocked(t *testing.T) {
	st := s.open(t)
	ctx := t.Context()
	// Failures alone do not block.
	_, err := st.RecordFailure(ctx, "x", at(0), time.Hour)
	must(t, "RecordFailure", err)
	for _, target := range []string{"x", "never-seen"} {
		got, err := st.BlockedUntil(ctx, target, at(0))
		if ok(t, "BlockedUntil("+target+")", err) && !got.IsZero() {
			t.Errorf("BlockedUntil(%q) = %v, want the zero time", target, got)
		}
	}
}

func (s *suite) rateLimitDeleteExpired(t *testing.T) {
	st := s.open(t)
	ctx := t.Context()
	// Windows ending at +1m ("a"), +10m ("b") and +1h ("c").
	for _, h := range []struct {
		key    string
		window time.Duration
	}{{"a", time.Minute}, {"b", 10 * time.Minute}, {"c", time.Hour}} {
		_, err := st.HitRateLimit(ctx, h.key, h.window, at(0))
		must(t, "HitRateLimit("+h.key+")", err)
	}
	n, err := st.DeleteExpiredRateLimits(ctx, at(10*time.Minute))
	if ok(t, "DeleteExpiredRateLimits", err) && n != 2 {
		t.Errorf("DeleteExpiredRateLimits deleted %d counters, want 2 (windows ending at or before the cut)", n)
	}
	// "c" keeps counting in its window; "a" starts anew.
	for _, h := range []struct {
		key  string
		want int
	}{{"c", 2}, {"a", 1}} {
		got, err := st.HitRateLimit(ctx, h.key, time.Hour, at(11*time.Minute))
		if ok(t, "HitRateLimit("+h.key+")", err) && got != h.want {
			t.Errorf("HitRateLimit(%q) after the deletion = %d, want %d", h.key, got, h.want)
		}
	}
	n, err = st.DeleteExpiredRateLimits(ctx, at(0))
	if ok(t, "DeleteExpiredRateLimits (nothing expired)", err) && n != 0 {
		t.Errorf("DeleteExpiredRateLimits deleted %d counters, want 0", n)
	}
}

func (s *suite) lockoutDeleteExpired(t *testing.T) {
	st := s.open(t)
	ctx := t.Context()
	const window = time.Hour
	record := func(target string, d time.Duration) {
		t.Helper()
		_, err := st.RecordFailure(ctx, target, at(d), window)
		must(t, "RecordFailure("+target+")", err)
	}
	// "old": one failure, long ago. "recent": an old and a recent failure.
	// "blocked": an old failure and a block beyond the cut. "served": a
	// block that ended.
	record("old", 0)
	record("recent", 0)
	record("recent", 90*time.Minute)
	// (A block forgets the failures before it: this one comes after.)
	must(t, "Block(blocked)", st.Block(ctx, "blocked", at(3*time.Hour)))
	record("blocked", 0)
	must(t, "Block(served)", st.Block(ctx, "served", at(time.Hour)))

	now := at(2 * time.Hour)
	n, err := st.DeleteExpiredLockouts(ctx, now.Add(-window), now)
	// Deleted: the failures at 0 of "old" and "blocked" ("recent"'s went
	// when its second failure was recorded); the targets "old" and
	// "served".
	if ok(t, "DeleteExpiredLockouts", err) && n != 4 {
		t.Errorf("DeleteExpiredLockouts deleted %d rows, want 4", n)
	}
	if got, err := st.BlockedUntil(ctx, "blocked", now); ok(t, "BlockedUntil(blocked)", err) && !got.Equal(at(3*time.Hour)) {
		t.Errorf("BlockedUntil(blocked) = %v, want the block kept", got)
	}
	// The recent failure still counts; the old ones do not.
	for _, f := range []struct {
		target string
		want   int
	}{{"recent", 2}, {"old", 1}, {"blocked", 1}} {
		got, err := st.RecordFailure(ctx, f.target, now, window)
		if ok(t, "RecordFailure("+f.target+")", err) && got != f.want {
			t.Errorf("RecordFailure(%q) after the deletion = %d, want %d", f.target, got, f.want)
		}
	}
	n, err = st.DeleteExpiredLockouts(ctx, now.Add(-window), now)
	if ok(t, "DeleteExpiredLockouts again", err) && n != 0 {
		t.Errorf("DeleteExpiredLockouts again deleted %d rows, want 0", n)
	}
}
