package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/accountapi/accountapi/store"
)

// TestLockUserWaits checks that LockUser inside InTx takes a row lock: a
// second transaction's LockUser of the same user waits until the first ends,
// and then reads what the first wrote.
func TestLockUserWaits(t *testing.T) {
	st := newStore(t, false)
	ctx := t.Context()
	// A unique id, to find the waiting query among the server's sessions.
	b := make([]byte, 8)
	rand.Read(b)
	id := "u-lock-" + hex.EncodeToString(b)
	if err := st.CreateUser(ctx, &store.User{ID: id, CreatedAt: time.UnixMilli(1), UpdatedAt: time.UnixMilli(1)}); err != nil {
		t.Fatal(err)
	}

	second := make(chan *store.User, 1)
	err := st.InTx(ctx, func(ctx context.Context, tx store.Store) error {
		u, err := tx.LockUser(ctx, id)
		if err != nil {
			return err
		}
		go func() {
			var got *store.User
			err := st.InTx(t.Context(), func(ctx context.Context, tx store.Store) error {
				var err error
				got, err = tx.LockUser(ctx, id)
				return err
			})
			if err != nil {
				t.Errorf("second LockUser: %v", err)
			}
			second <- got
		}()
		waitForLockWait(t, id)
		name := "written by the first"
		u.Name = &name
		return tx.UpdateUser(ctx, u)
	})
	if err != nil {
		t.Fatalf("first transaction: %v", err)
	}
	got := <-second
	if got == nil || got.Name == nil || *got.Name != "written by the first" {
		t.Errorf("second LockUser read %+v, want the first transaction's write", got)
	}
}

// waitForLockWait returns once a session of the server waits for a lock in a
// query that mentions id.
func waitForLockWait(t *testing.T, id string) {
	t.Helper()
	db := admin(t)
	// Not a measure of speed: a bound, so that a missing lock fails the test
	// instead of hanging it.
	giveUp := time.After(time.Minute)
	for {
		var n int
		err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND query LIKE '%' || $1 || '%'`, id).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		select {
		case <-giveUp:
			t.Fatal("no session waits for the lock")
		case <-time.After(10 * time.Millisecond):
		}
	}
}
