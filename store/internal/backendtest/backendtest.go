// Package backendtest holds the tests that both SQL backends run beyond the
// conformance suite (store/storetest): how they map every constraint of the
// schema into the store's errors without leaking a driver error, how their
// transactions behave after an expected error, and how they serialise
// read-check-write sequences under concurrency.
package backendtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/accountapi/accountapi/store"
)

// Open returns a fresh, migrated, empty store; caseInsensitive opens it with
// case-insensitive usernames. It registers its own cleanup.
type Open func(t *testing.T, caseInsensitive bool) store.Store

// DriverError reports whether err wraps an error of the backend's driver.
type DriverError func(err error) bool

var t0 = time.UnixMilli(1_717_171_717_171).UTC()

func user(id, username, email, phone string) *store.User {
	return &store.User{ID: id, Username: username, PrimaryEmail: email, PrimaryPhone: phone, CreatedAt: t0, UpdatedAt: t0}
}

func record(id, userID, createdBy string) *store.VerificationRecord {
	return &store.VerificationRecord{
		ID: id, Type: store.RecordEmailCode, UserID: userID, CreatedBy: createdBy,
		CreatedAt: t0, ExpiresAt: t0.Add(10 * time.Minute),
	}
}

func code(id, recordID string) *store.VerificationCode {
	return &store.VerificationCode{
		ID: id, RecordID: recordID, TemplateType: store.TemplateGeneric,
		Destination: store.Identifier{Type: store.IdentifierEmail, Value: "ann@example.com"},
		Code:        "123456", CreatedAt: t0,
	}
}

func totp(id, userID string) *store.MFAFactor {
	return &store.MFAFactor{ID: id, UserID: userID, Type: store.FactorTOTP, CreatedAt: t0, TOTP: &store.TOTP{Secret: "S"}}
}

func webAuthn(id, userID, credentialID string) *store.MFAFactor {
	return &store.MFAFactor{ID: id, UserID: userID, Type: store.FactorWebAuthn, CreatedAt: t0,
		WebAuthn: &store.WebAuthnCredential{RPID: "example.com", CredentialID: []byte(credentialID), PublicKey: []byte{1}}}
}

func token(userID, name, hash string) *store.PersonalAccessToken {
	return &store.PersonalAccessToken{UserID: userID, Name: name, Hash: []byte(hash), CreatedAt: t0}
}

// seed creates users u-ann (username ann, ann@example.com, 61412345678, a
// github identity gh-ann) and u-bob (no identifiers), a TOTP factor f-totp
// and a WebAuthn factor f-wa (credential cred-ann) of u-ann, a record r-1
// with a code c-1, and u-ann's token "ci" (hash h-ci).
func seed(t *testing.T, st store.Store) {
	t.Helper()
	ctx := t.Context()
	ann := user("u-ann", "ann", "ann@example.com", "61412345678")
	ann.Identities = map[string]store.Identity{"github": {UserID: "gh-ann"}}
	steps := []struct {
		what string
		err  error
	}{
		{"CreateUser(u-ann)", st.CreateUser(ctx, ann)},
		{"CreateUser(u-bob)", st.CreateUser(ctx, user("u-bob", "", "", ""))},
		{"CreateMFAFactor(f-totp)", st.CreateMFAFactor(ctx, totp("f-totp", "u-ann"))},
		{"CreateMFAFactor(f-wa)", st.CreateMFAFactor(ctx, webAuthn("f-wa", "u-ann", "cred-ann"))},
		{"CreateVerificationRecord(r-1)", st.CreateVerificationRecord(ctx, record("r-1", "u-ann", "u-ann"))},
		{"CreateVerificationCode(c-1)", st.CreateVerificationCode(ctx, code("c-1", "r-1"))},
		{"CreatePersonalAccessToken(ci)", st.CreatePersonalAccessToken(ctx, token("u-ann", "ci", "h-ci"))},
	}
	for _, s := range steps {
		if s.err != nil {
			t.Fatalf("seed: %s: %v", s.what, s.err)
		}
	}
}

// ErrorMapping provokes a violation of every unique index, primary key and
// foreign key of the schema and checks the error each method returns: the
// precise sentinel of the contract, never a driver error.
func ErrorMapping(t *testing.T, open Open, driverError DriverError) {
	tests := []struct {
		name            string
		caseInsensitive bool
		call            func(ctx context.Context, st store.Store) error
		want            error
	}{
		{"user id", false, func(ctx context.Context, st store.Store) error {
			return st.CreateUser(ctx, user("u-ann", "", "", ""))
		}, store.ErrConflict},
		{"username", false, func(ctx context.Context, st store.Store) error {
			return st.CreateUser(ctx, user("u-new", "ann", "", ""))
		}, store.ErrDuplicateUsername},
		{"username in another case", true, func(ctx context.Context, st store.Store) error {
			return st.CreateUser(ctx, user("u-new", "ANN", "", ""))
		}, store.ErrDuplicateUsername},
		{"email key", false, func(ctx context.Context, st store.Store) error {
			return st.CreateUser(ctx, user("u-new", "", "ANN@example.com", ""))
		}, store.ErrDuplicateEmail},
		{"phone key", false, func(ctx context.Context, st store.Store) error {
			return st.UpdateUser(ctx, user("u-bob", "", "", "610412345678"))
		}, store.ErrDuplicatePhone},
		{"identity of another user, on create", false, func(ctx context.Context, st store.Store) error {
			u := user("u-new", "", "", "")
			u.Identities = map[string]store.Identity{"github": {UserID: "gh-ann"}}
			return st.CreateUser(ctx, u)
		}, store.ErrDuplicateIdentity},
		{"identity of another user, on add", false, func(ctx context.Context, st store.Store) error {
			return st.AddIdentity(ctx, "u-bob", "github", store.Identity{UserID: "gh-ann"})
		}, store.ErrDuplicateIdentity},
		{"identity of another user, on put", false, func(ctx context.Context, st store.Store) error {
			_, err := st.PutIdentity(ctx, "u-bob", "github", store.Identity{UserID: "gh-ann"})
			return err
		}, store.ErrDuplicateIdentity},
		{"target the user has", false, func(ctx context.Context, st store.Store) error {
			return st.AddIdentity(ctx, "u-ann", "github", store.Identity{UserID: "gh-other"})
		}, store.ErrConflict},
		{"identity of a missing user", false, func(ctx context.Context, st store.Store) error {
			return st.AddIdentity(ctx, "u-none", "github", store.Identity{UserID: "gh-none"})
		}, store.ErrNotFound},
		{"factor id", false, func(ctx context.Context, st store.Store) error {
			return st.CreateMFAFactor(ctx, webAuthn("f-totp", "u-bob", "cred-new"))
		}, store.ErrConflict},
		{"second TOTP", false, func(ctx context.Context, st store.Store) error {
			return st.CreateMFAFactor(ctx, totp("f-totp-2", "u-ann"))
		}, store.ErrDuplicateTOTP},
		{"credential id", false, func(ctx context.Context, st store.Store) error {
			return st.CreateMFAFactor(ctx, webAuthn("f-wa-2", "u-bob", "cred-ann"))
		}, store.ErrDuplicateCredential},
		{"factor of a missing user", false, func(ctx context.Context, st store.Store) error {
			return st.CreateMFAFactor(ctx, totp("f-new", "u-none"))
		}, store.ErrNotFound},
		{"record id", false, func(ctx context.Context, st store.Store) error {
			return st.CreateVerificationRecord(ctx, record("r-1", "", ""))
		}, store.ErrConflict},
		{"record of a missing user", false, func(ctx context.Context, st store.Store) error {
			return st.CreateVerificationRecord(ctx, record("r-new", "u-none", ""))
		}, store.ErrNotFound},
		{"record created by a missing user", false, func(ctx context.Context, st store.Store) error {
			return st.CreateVerificationRecord(ctx, record("r-new", "", "u-none"))
		}, store.ErrNotFound},
		{"code id", false, func(ctx context.Context, st store.Store) error {
			c := code("c-1", "r-1")
			c.TemplateType = store.TemplateSignIn
			return st.CreateVerificationCode(ctx, c)
		}, store.ErrConflict},
		{"code of a missing record", false, func(ctx context.Context, st store.Store) error {
			return st.CreateVerificationCode(ctx, code("c-new", "r-none"))
		}, store.ErrNotFound},
		{"token name", false, func(ctx context.Context, st store.Store) error {
			return st.CreatePersonalAccessToken(ctx, token("u-ann", "ci", "h-other"))
		}, store.ErrDuplicateName},
		{"token renamed to a name the user has", false, func(ctx context.Context, st store.Store) error {
			if err := st.CreatePersonalAccessToken(ctx, token("u-ann", "cd", "h-cd")); err != nil {
				return fmt.Errorf("setup: %w", err)
			}
			return st.RenamePersonalAccessToken(ctx, "u-ann", "cd", "ci")
		}, store.ErrDuplicateName},
		{"token hash", false, func(ctx context.Context, st store.Store) error {
			return st.CreatePersonalAccessToken(ctx, token("u-bob", "ci", "h-ci"))
		}, store.ErrConflict},
		{"token of a missing user", false, func(ctx context.Context, st store.Store) error {
			return st.CreatePersonalAccessToken(ctx, token("u-none", "ci", "h-new"))
		}, store.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := open(t, tt.caseInsensitive)
			seed(t, st)
			err := tt.call(t.Context(), st)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var want, got *store.DuplicateError
			isDup := errors.As(err, &got)
			switch {
			case errors.As(tt.want, &want) && (!isDup || got.What != want.What):
				t.Errorf("err = %v, want the DuplicateError %q", err, want.What)
			case want == nil && isDup:
				t.Errorf("err = %v, a DuplicateError; want plain %v", err, tt.want)
			}
			if driverError(err) {
				t.Errorf("err = %v (%T) wraps a driver error", err, err)
			}
		})
	}
}

// Transactions checks what the backend adds to InTx beyond the suite's
// commit and rollback: an expected error inside a transaction leaves it
// usable (PostgreSQL aborts a transaction on a failed statement unless the
// statement ran under a savepoint), a failed multi-statement write leaves
// nothing behind inside it, and a write through the outer store from inside
// InTx fails instead of waiting for the transaction that waits for it.
func Transactions(t *testing.T, open Open) {
	t.Run("usable after an expected error", func(t *testing.T) {
		st := open(t, false)
		seed(t, st)
		err := st.InTx(t.Context(), func(ctx context.Context, tx store.Store) error {
			if err := tx.CreateUser(ctx, user("u-dup", "", "ann@example.com", "")); !errors.Is(err, store.ErrDuplicateEmail) {
				return fmt.Errorf("CreateUser(duplicate email) = %v, want ErrDuplicateEmail", err)
			}
			if err := tx.AddIdentity(ctx, "u-none", "github", store.Identity{UserID: "x"}); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("AddIdentity(missing user) = %v, want ErrNotFound", err)
			}
			return tx.CreateUser(ctx, user("u-carol", "carol", "", ""))
		})
		if err != nil {
			t.Fatalf("InTx: %v", err)
		}
		if _, err := st.GetUser(t.Context(), "u-carol"); err != nil {
			t.Errorf("GetUser(u-carol) after the commit: %v", err)
		}
	})

	t.Run("a failed multi-statement write leaves nothing inside the transaction", func(t *testing.T) {
		st := open(t, false)
		seed(t, st)
		err := st.InTx(t.Context(), func(ctx context.Context, tx store.Store) error {
			u := user("u-new", "new", "", "")
			u.Identities = map[string]store.Identity{"google": {UserID: "g-new"}, "github": {UserID: "gh-ann"}}
			if err := tx.CreateUser(ctx, u); !errors.Is(err, store.ErrDuplicateIdentity) {
				return fmt.Errorf("CreateUser = %v, want ErrDuplicateIdentity", err)
			}
			if _, err := tx.GetUser(ctx, "u-new"); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("GetUser(u-new) in the transaction = %v, want ErrNotFound", err)
			}
			// The refused user's username is free.
			return tx.CreateUser(ctx, user("u-new2", "new", "", ""))
		})
		if err != nil {
			t.Fatalf("InTx: %v", err)
		}
		if _, err := st.FindUserByIdentity(t.Context(), "google", "g-new"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("FindUserByIdentity(google, g-new) = %v, want ErrNotFound", err)
		}
	})

	t.Run("write through the outer store inside InTx fails", func(t *testing.T) {
		st := open(t, false)
		var outerErr error
		var inTxCtx context.Context
		err := st.InTx(t.Context(), func(ctx context.Context, tx store.Store) error {
			inTxCtx = ctx
			outerErr = st.CreateUser(ctx, user("u-outer", "", "", ""))
			if err := st.InTx(ctx, func(context.Context, store.Store) error { return nil }); err == nil {
				return errors.New("outer InTx inside InTx succeeded, want an error")
			}
			return tx.CreateUser(ctx, user("u-inner", "", "", ""))
		})
		if err != nil {
			t.Fatalf("InTx: %v", err)
		}
		if outerErr == nil || errors.Is(outerErr, store.ErrNotFound) || errors.Is(outerErr, store.ErrConflict) {
			t.Errorf("outer CreateUser inside InTx = %v, want an internal error", outerErr)
		}
		// Once the transaction ended, its context no longer stands in the way.
		if err := st.CreateUser(inTxCtx, user("u-after", "", "", "")); err != nil {
			t.Errorf("CreateUser with the context of an ended transaction: %v", err)
		}
	})
}

// Serialisation checks the read-check-write sequences that rely on the
// backend serialising them: LockUser in InTx, RecordFailure and
// CreateVerificationCode under concurrent calls.
func Serialisation(t *testing.T, open Open) {
	const n = 16

	t.Run("LockUser serialises read-check-write", func(t *testing.T) {
		st := open(t, false)
		if err := st.CreateUser(t.Context(), user("u-ann", "", "", "")); err != nil {
			t.Fatal(err)
		}
		errs := race(n, func(int) error {
			return st.InTx(t.Context(), func(ctx context.Context, tx store.Store) error {
				u, err := tx.LockUser(ctx, "u-ann")
				if err != nil {
					return err
				}
				count, _ := u.CustomData["count"].(float64)
				u.CustomData = map[string]any{"count": count + 1}
				return tx.UpdateUser(ctx, u)
			})
		})
		for i, err := range errs {
			if err != nil {
				t.Errorf("call %d: %v", i, err)
			}
		}
		u, err := st.GetUser(t.Context(), "u-ann")
		if err != nil {
			t.Fatal(err)
		}
		if got := u.CustomData["count"]; got != float64(n) {
			t.Errorf("count after %d locked increments = %v, want %d", n, got, n)
		}
	})

	t.Run("RecordFailure counts are distinct", func(t *testing.T) {
		st := open(t, false)
		counts := make([]int, n)
		errs := race(n, func(i int) error {
			var err error
			counts[i], err = st.RecordFailure(t.Context(), "target", t0.Add(time.Duration(i)*time.Millisecond), time.Hour)
			return err
		})
		for i, err := range errs {
			if err != nil {
				t.Errorf("call %d: %v", i, err)
			}
		}
		seen := make(map[int]bool, n)
		for _, c := range counts {
			seen[c] = true
		}
		for c := 1; c <= n; c++ {
			if !seen[c] {
				t.Errorf("no call returned count %d; counts = %v", c, counts)
			}
		}
	})

	t.Run("concurrent CreateVerificationCode leave one unconsumed code", func(t *testing.T) {
		st := open(t, false)
		seed(t, st)
		errs := race(n, func(i int) error {
			return st.CreateVerificationCode(t.Context(), code(fmt.Sprintf("c-race-%d", i), "r-1"))
		})
		for i, err := range errs {
			if err != nil {
				t.Errorf("call %d: %v", i, err)
			}
		}
		got, err := st.FindVerificationCode(t.Context(), "r-1", store.TemplateGeneric)
		if err != nil {
			t.Fatalf("FindVerificationCode: %v", err)
		}
		if err := st.ConsumeVerificationCode(t.Context(), got.ID); err != nil {
			t.Fatalf("ConsumeVerificationCode(%s): %v", got.ID, err)
		}
		if c, err := st.FindVerificationCode(t.Context(), "r-1", store.TemplateGeneric); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("FindVerificationCode after consuming the one code = %v, %v; want ErrNotFound", c, err)
		}
	})
}

// RoundTrip checks that a user written by the backend reads back as it was
// written, with the backend's own encoding of every column.
func RoundTrip(t *testing.T, open Open) {
	st := open(t, false)
	want := user("u-ann", "ann", "Ann@Example.com", "61412345678")
	want.PasswordUpdatedAt = time.UnixMilli(0).UTC() // the epoch is a time, not "none"
	want.CustomData = map[string]any{"s": `quote ' backslash \ percent % question ?`}
	if err := st.CreateUser(t.Context(), want); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetUser(t.Context(), "u-ann")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("GetUser (-want +got):\n%s", d)
	}
}

// race calls f(0) … f(n-1) concurrently, released together, and returns
// their errors.
func race(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}
