package password

import (
	"context"
	"sync/atomic"
)

// slots bounds how many costly computations run at once. Argon2 allocates
// its whole memory cost per computation (19 MiB by default), so without a
// bound a burst of 200 sign-ins would ask for 200 × 19 MiB at once; with it,
// memory stays under MaxConcurrent × the largest memory cost and the rest of
// the burst queues.
type slots struct {
	sem chan struct{}
	// inFlight counts computations holding a slot; peak is the most there
	// have been at once. They cost two atomic operations per computation and
	// let tests check the bound from the inside.
	inFlight atomic.Int64
	peak     atomic.Int64
}

// run waits for a slot, runs f in it and frees the slot. It returns
// ctx.Err(), without running f, if ctx ends before a slot is free. f itself
// is not interrupted: none of the hash functions take a context.
func (s *slots) run(ctx context.Context, f func()) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() {
		s.inFlight.Add(-1)
		<-s.sem
	}()
	n := s.inFlight.Add(1)
	for {
		p := s.peak.Load()
		if n <= p || s.peak.CompareAndSwap(p, n) {
			break
		}
	}
	f()
	return nil
}
