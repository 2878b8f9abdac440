package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/accountapi/accountapi/store"
)

func (s *suite) transactor(t *testing.T) {
	t.Run("CommitsOnNil", s.txCommit)
	t.Run("RollsBackOnError", s.txRollbackOnError)
	t.Run("RollsBackOnPanic", s.txRollbackOnPanic)
	t.Run("RollsBackEveryAggregate", s.txRollbackEveryAggregate)
	t.Run("NestedSharesTheTransaction", s.txNested)
	t.Run("NoDirtyReads", s.txNoDirtyReads)
}

var errBoom = errors.New("storetest: boom")

func (s *suite) txCommit(t *testing.T) {
	st := s.open(t)
	err := st.InTx(t.Context(), func(ctx context.Context, tx store.Store) error {
		if err := tx.CreateUser(ctx, fullUser("u-ann")); err != nil {
			return err
		}
		// The transaction sees its own writes.
		got, err := tx.GetUser(ctx, "u-ann")
		if err != nil {
			return fmt.Errorf("GetUser in the transaction: %w", err)
		}
		if d := diff(fullUser("u-ann"), got); d != "" {
			t.Errorf("GetUser in the transaction (-want +got):\n%s", d)
		}
		return nil
	})
	if ok(t, "InTx", err) {
		checkUser(t, st, "u-ann", fullUser("u-ann"))
	}
}

func (s *suite) txRollbackOnError(t *testing.T) {
	st := s.open(t)
	err := st.InTx(t.Context(), func(ctx context.Context, tx store.Store) error {
		if err := tx.CreateUser(ctx, fullUser("u-ann")); err != nil {
			return err
		}
		return fmt.Errorf("something failed: %w", errBoom)
	})
	if !errors.Is(err, errBoom) {
		t.Errorf("InTx = %v, want fn's error %v", err, errBoom)
	}
	checkNoUser(t, st, "u-ann")
	// The store is usable afterwards.
	ok(t, "CreateUser after the rollback", st.CreateUser(t.Context(), fullUser("u-ann")))
}

func (s *suite) txRollbackOnPanic(t *testing.T) {
	st := s.open(t)
	type panicValue struct{ msg string }
	boom := &panicValue{"boom"}
	func() {
		defer func() {
			if r := recover(); r != boom {
				t.Errorf("InTx: recovered %v, want a re-panic with fn's value %v", r, boom)
			}
		}()
		err := st.InTx(t.Context(), func(ctx context.Context, tx store.Store) error {
			if err := tx.CreateUser(ctx, fullUser("u-ann")); err != nil {
				return err
			}
			panic(boom)
		})
		t.Errorf("InTx returned %v, want a re-panic", err)
	}()
	checkNoUser(t, st, "u-ann")
	// The transaction ended: the store is usable afterwards.
	ok(t, "CreateUser after the rollback", st.CreateUser(t.Context(), fullUser("u-ann")))
}

func (s *suite) txRollbackEveryAggregate(t *testing.T) {
	// Every write goes through tx, so every one of them must be rolled back:
	// a method of tx that wrote outside the transaction would show here.
	st := s.open(t)
	ctx := t.Context()
	mustCreateUser(t, st, fullUser("u-ann"))
	mustCreateUser(t, st, bareUser("u-carol"))
	mustCreateFactor(t, st, totpFactor("f-totp", "u-ann"))
	mustCreateFactor(t, st, webAuthnFactor("f-wa", "u-ann", []byte("cred-1")))
	mustCreateFactor(t, st, backupCodeFactor("f-bc", "u-ann"))
	must(t, "CreatePersonalAccessToken", st.CreatePersonalAccessToken(ctx, token("u-ann", "laptop", at(-time.Hour))))
	must(t, "CreateVerificationRecord", st.CreateVerificationRecord(ctx, codeRecord("r-1", "u-ann", "u-ann")))
	must(t, "CreateVerificationCode", st.CreateVerificationCode(ctx, code("c-1", "r-1", store.TemplateSignIn)))
	must(t, "CreateVerificationCode", st.CreateVerificationCode(ctx, code("c-2", "r-1", store.TemplateGeneric)))
	must(t, "SaveAccountCenter", st.SaveAccountCenter(ctx, fullAccountCenter()))
	_, err := st.HitRateLimit(ctx, "k", time.Hour, at(0))
	must(t, "HitRateLimit", err)
	_, err = st.RecordFailure(ctx, "target", at(0), time.Hour)
	must(t, "RecordFailure", err)

	err = st.InTx(ctx, func(ctx context.Context, tx store.Store) error {
		steps := []struct {
			name string
			do   func() error
		}{
			{"CreateUser", func() error { return tx.CreateUser(ctx, fullUser("u-bob")) }},
			{"UpdateUser", func() error {
				u := fullUser("u-ann")
				u.Name, u.PrimaryEmail = ptr("changed"), "changed@example.com"
				return tx.UpdateUser(ctx, u)
			}},
			{"DeleteUser", func() error { return tx.DeleteUser(ctx, "u-carol") }},
			{"AddIdentity", func() error { return tx.AddIdentity(ctx, "u-ann", "gitlab", store.Identity{UserID: "gl-1"}) }},
			{"PutIdentity", func() error {
				_, err := tx.PutIdentity(ctx, "u-ann", "github", store.Identity{UserID: "gh-other"})
				return err
			}},
			{"RemoveIdentity", func() error { return tx.RemoveIdentity(ctx, "u-ann", "google") }},
			{"CreateMFAFactor", func() error { return tx.CreateMFAFactor(ctx, webAuthnFactor("f-wa-2", "u-ann", []byte("cred-2"))) }},
			{"UseTOTPStep", func() error { return tx.UseTOTPStep(ctx, "f-totp", 1<<40, at(0)) }},
			{"UpdateSignCount", func() error { return tx.UpdateSignCount(ctx, "f-wa", 4_294_967_295, 1, at(0)) }},
			{"RenameWebAuthnCredential", func() error { return tx.RenameWebAuthnCredential(ctx, "u-ann", "f-wa", ptr("renamed")) }},
			{"UseBackupCode", func() error { return tx.UseBackupCode(ctx, "f-bc", 0, at(0)) }},
			{"DeleteMFAFactor", func() error { return tx.DeleteMFAFactor(ctx, "u-ann", "f-bc") }},
			{"CreatePersonalAccessToken", func() error { return tx.CreatePersonalAccessToken(ctx, token("u-ann", "phone", at(0))) }},
			{"RenamePersonalAccessToken", func() error { return tx.RenamePersonalAccessToken(ctx, "u-ann", "laptop", "desktop") }},
			{"CreateVerificationRecord", func() error { return tx.CreateVerificationRecord(ctx, codeRecord("r-2", "u-ann", "u-ann")) }},
			{"UpdateVerificationRecord", func() error {
				r := withVersion(codeRecord("r-1", "u-ann", "u-ann"), 1)
				r.Verified = true
				return tx.UpdateVerificationRecord(ctx, r)
			}},
			{"CreateVerificationCode", func() error { return tx.CreateVerificationCode(ctx, code("c-3", "r-1", store.TemplateSignIn)) }},
			{"IncrementCodeTries", func() error { _, err := tx.IncrementCodeTries(ctx, "c-2"); return err }},
			{"ConsumeVerificationCode", func() error { return tx.ConsumeVerificationCode(ctx, "c-2") }},
			{"HitRateLimit", func() error { _, err := tx.HitRateLimit(ctx, "k", time.Hour, at(time.Second)); return err }},
			{"UndoRateLimitHit", func() error { return tx.UndoRateLimitHit(ctx, "k") }},
			{"RecordFailure", func() error { _, err := tx.RecordFailure(ctx, "target", at(time.Second), time.Hour); return err }},
			{"Block", func() error { return tx.Block(ctx, "target", at(time.Hour)) }},
			{"SaveAccountCenter", func() error { return tx.SaveAccountCenter(ctx, &store.AccountCenter{UpdatedAt: at(0)}) }},
		}
		for _, step := range steps {
			if err := step.do(); err != nil {
				return fmt.Errorf("%s in the transaction: %w", step.name, err)
			}
		}
		// Two more hits, so that the undone one does not hide a leaked one.
		for range 2 {
			if _, err := tx.HitRateLimit(ctx, "k", time.Hour, at(2*time.Second)); err != nil {
				return fmt.Errorf("HitRateLimit in the transaction: %w", err)
			}
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("InTx = %v, want %v", err, errBoom)
	}

	checkUser(t, st, "u-ann", fullUser("u-ann"))
	checkUser(t, st, "u-carol", bareUser("u-carol"))
	checkNoUser(t, st, "u-bob")
	// Same CreatedAt, so listed by id.
	if d := diff([]string{"f-bc", "f-totp", "f-wa"}, factorIDs(t, st, "u-ann")); d != "" {
		t.Errorf("ListMFAFactors after the rollback (-want +got):\n%s", d)
	}
	checkFactor(t, st, "u-ann", "f-totp", totpFactor("f-totp", "u-ann"))
	checkFactor(t, st, "u-ann", "f-wa", webAuthnFactor("f-wa", "u-ann", []byte("cred-1")))
	checkFactor(t, st, "u-ann", "f-bc", backupCodeFactor("f-bc", "u-ann"))
	_, err = st.FindWebAuthnCredential(ctx, []byte("cred-2"))
	wantErr(t, "FindWebAuthnCredential(rolled back)", err, store.ErrNotFound)
	checkTokens(t, st, "u-ann", []store.PersonalAccessToken{*token("u-ann", "laptop", at(-time.Hour))})
	checkRecord(t, st, "r-1", withVersion(codeRecord("r-1", "u-ann", "u-ann"), 1))
	_, err = st.GetVerificationRecord(ctx, "r-2", t0)
	wantErr(t, "GetVerificationRecord(rolled back)", err, store.ErrNotFound)
	checkCode(t, st, "r-1", store.TemplateSignIn, code("c-1", "r-1", store.TemplateSignIn))
	checkCode(t, st, "r-1", store.TemplateGeneric, code("c-2", "r-1", store.TemplateGeneric))
	checkAccountCenter(t, st, fullAccountCenter())
	if n, err := st.HitRateLimit(ctx, "k", time.Hour, at(3*time.Second)); ok(t, "HitRateLimit", err) && n != 2 {
		t.Errorf("HitRateLimit after the rollback = %d, want 2 (one hit before the transaction)", n)
	}
	if n, err := st.RecordFailure(ctx, "target", at(3*time.Second), time.Hour); ok(t, "RecordFailure", err) && n != 2 {
		t.Errorf("RecordFailure after the rollback = %d, want 2 (one failure before the transaction)", n)
	}
	if until, err := st.BlockedUntil(ctx, "target", at(0)); ok(t, "BlockedUntil", err) && !until.IsZero() {
		t.Errorf("BlockedUntil after the rollback = %v, want the zero time", until)
	}
}

func (s *suite) txNested(t *testing.T) {
	tests := []struct {
		name     string
		outerErr error
	}{
		{"outer commits", nil},
		{"outer rolls back", errBoom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.open(t)
			err := st.InTx(t.Context(), func(ctx context.Context, tx store.Store) error {
				if err := tx.CreateUser(ctx, fullUser("u-ann")); err != nil {
					return err
				}
				err := tx.InTx(ctx, func(ctx context.Context, inner store.Store) error {
					// The inner function sees the outer one's writes.
					if _, err := inner.GetUser(ctx, "u-ann"); err != nil {
						return fmt.Errorf("GetUser of the outer write in the inner InTx: %w", err)
					}
					return inner.CreateUser(ctx, fullUser("u-bob"))
				})
				if err != nil {
					return fmt.Errorf("inner InTx: %w", err)
				}
				// And the outer one sees the inner one's.
				if _, err := tx.GetUser(ctx, "u-bob"); err != nil {
					return fmt.Errorf("GetUser of the inner write after the inner InTx: %w", err)
				}
				return tt.outerErr
			})
			if tt.outerErr == nil {
				if ok(t, "InTx", err) {
					checkUser(t, st, "u-ann", fullUser("u-ann"))
					checkUser(t, st, "u-bob", fullUser("u-bob"))
				}
				return
			}
			if !errors.Is(err, tt.outerErr) {
				t.Fatalf("InTx = %v, want %v", err, tt.outerErr)
			}
			// The inner InTx ran in the outer transaction: its write is gone too.
			checkNoUser(t, st, "u-ann")
			checkNoUser(t, st, "u-bob")
		})
	}
	t.Run("inner error is returned", func(t *testing.T) {
		st := s.open(t)
		err := st.InTx(t.Context(), func(ctx context.Context, tx store.Store) error {
			err := tx.InTx(ctx, func(ctx context.Context, inner store.Store) error {
				if err := inner.CreateUser(ctx, fullUser("u-bob")); err != nil {
					return err
				}
				return errBoom
			})
			if !errors.Is(err, errBoom) {
				t.Errorf("inner InTx = %v, want %v", err, errBoom)
			}
			return err
		})
		if !errors.Is(err, errBoom) {
			t.Errorf("InTx = %v, want %v", err, errBoom)
		}
		checkNoUser(t, st, "u-bob")
	})
}

func (s *suite) txNoDirtyReads(t *testing.T) {
	// Transactions are at least read-committed: a reader outside the
	// transaction never sees its uncommitted write. The reader may run while
	// the transaction is open or wait for it (SQLite); either way the write
	// is rolled back, so the reader must not find the user.
	st := s.open(t)
	readerDone := make(chan error, 1)
	err := st.InTx(t.Context(), func(ctx context.Context, tx store.Store) error {
		if err := tx.CreateUser(ctx, fullUser("u-ann")); err != nil {
			return err
		}
		go func() {
			// t.Context, not ctx: ctx belongs to the transaction.
			_, err := st.GetUser(t.Context(), "u-ann")
			readerDone <- err
		}()
		select {
		case err := <-readerDone:
			readerDone <- err // read while the transaction is open
		case <-time.After(100 * time.Millisecond): // the reader waits for the transaction
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("InTx = %v, want %v", err, errBoom)
	}
	wantErr(t, "GetUser by a concurrent reader", <-readerDone, store.ErrNotFound)
}
