package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/accountapi/accountapi/store"
	accountsqlite "github.com/accountapi/accountapi/store/sqlite"
)

// writes is a mix of writes of worker w, step i, on st: plain statements,
// multi-statement writes, and InTx blocks that read, check and write.
func write(ctx context.Context, st store.Store, w, i int) error {
	at := time.UnixMilli(1_717_171_717_171).Add(time.Duration(i) * time.Second)
	id := fmt.Sprintf("u-%d-%d", w, i)
	switch i % 5 {
	case 0:
		u := &store.User{ID: id, Username: id, PrimaryEmail: id + "@example.com", CreatedAt: at, UpdatedAt: at,
			Identities: map[string]store.Identity{"github": {UserID: "gh-" + id}}}
		return st.CreateUser(ctx, u)
	case 1:
		_, err := st.HitRateLimit(ctx, "shared", time.Hour, at)
		return err
	case 2:
		return st.InTx(ctx, func(ctx context.Context, tx store.Store) error {
			u, err := tx.LockUser(ctx, "u-shared")
			if err != nil {
				return err
			}
			n, _ := u.CustomData["n"].(float64)
			u.CustomData = map[string]any{"n": n + 1}
			u.UpdatedAt = at
			return tx.UpdateUser(ctx, u)
		})
	case 3:
		_, err := st.RecordFailure(ctx, fmt.Sprintf("target-%d", w), at, time.Hour)
		return err
	default:
		r := &store.VerificationRecord{ID: "r-" + id, Type: store.RecordEmailCode, CreatedAt: at, ExpiresAt: at.Add(time.Minute)}
		if err := st.CreateVerificationRecord(ctx, r); err != nil {
			return err
		}
		c := &store.VerificationCode{ID: "c-" + id, RecordID: r.ID, TemplateType: store.TemplateGeneric,
			Destination: store.Identifier{Type: store.IdentifierEmail, Value: "a@example.com"}, Code: "1", CreatedAt: at}
		if err := st.CreateVerificationCode(ctx, c); err != nil {
			return err
		}
		if _, err := st.IncrementCodeTries(ctx, c.ID); err != nil {
			return err
		}
		return st.ConsumeVerificationCode(ctx, c.ID)
	}
}

// TestConcurrentWriters runs many writers, with readers alongside, on one
// store: every call must succeed (no SQLITE_BUSY may surface), and the
// counters must count every write.
func TestConcurrentWriters(t *testing.T) {
	const workers, perWorker = 50, 20
	st := newStore(t, false)
	ctx := t.Context()
	start := time.UnixMilli(1_717_171_717_171)
	if err := st.CreateUser(ctx, &store.User{ID: "u-shared", CreatedAt: start, UpdatedAt: start}); err != nil {
		t.Fatal(err)
	}

	stopReaders := make(chan struct{})
	var readers sync.WaitGroup
	for range 4 {
		readers.Go(func() {
			for {
				select {
				case <-stopReaders:
					return
				default:
				}
				if _, err := st.GetUser(ctx, "u-shared"); err != nil {
					t.Errorf("GetUser: %v", err)
					return
				}
			}
		})
	}

	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				if err := write(ctx, st, w, i); err != nil {
					t.Errorf("worker %d, write %d: %v", w, i, err)
				}
			}
		})
	}
	wg.Wait()
	close(stopReaders)
	readers.Wait()

	u, err := st.GetUser(ctx, "u-shared")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := u.CustomData["n"], float64(workers*perWorker/5); got != want {
		t.Errorf("locked increments = %v, want %v", got, want)
	}
	hits, err := st.HitRateLimit(ctx, "shared", time.Hour, start)
	if err != nil {
		t.Fatal(err)
	}
	if want := workers*perWorker/5 + 1; hits != want {
		t.Errorf("rate-limit count = %d, want %d", hits, want)
	}
}

// TestConcurrentStoresOnOneFile runs writers through two stores on one file,
// as two processes would: they do not share the write gate, and rely on
// BEGIN IMMEDIATE and the busy timeout instead.
func TestConcurrentStoresOnOneFile(t *testing.T) {
	const workersPerStore, perWorker = 5, 10
	path := filepath.Join(t.TempDir(), "test.db")
	stores := []*accountsqlite.Store{openStore(t, path), openStore(t, path)}
	if err := stores[0].Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	start := time.UnixMilli(1_717_171_717_171)
	if err := stores[0].CreateUser(ctx, &store.User{ID: "u-shared", CreatedAt: start, UpdatedAt: start}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for n, st := range stores {
		for w := range workersPerStore {
			wg.Go(func() {
				for i := range perWorker {
					if err := write(ctx, st, n*workersPerStore+w, i); err != nil {
						t.Errorf("store %d, worker %d, write %d: %v", n, w, i, err)
					}
				}
			})
		}
	}
	wg.Wait()
	u, err := stores[1].GetUser(ctx, "u-shared")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := u.CustomData["n"], float64(len(stores)*workersPerStore*perWorker/5); got != want {
		t.Errorf("locked increments = %v, want %v", got, want)
	}
}
