package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/password"
	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/store/sqlite"
	"github.com/accountapi/accountapi/verification"
)

// TestDeleteExpiredLoop checks that the server's clean-up loop deletes an
// expired verification record and stops with its context.
func TestDeleteExpiredLoop(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "expire.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	u := &store.User{ID: "u-expire", Username: "expire", CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Hour)
	r := &store.VerificationRecord{ID: "r-expired", Type: store.RecordPassword, UserID: u.ID, CreatedBy: u.ID,
		CreatedAt: past, ExpiresAt: past.Add(10 * time.Minute)}
	if err := st.CreateVerificationRecord(ctx, r); err != nil {
		t.Fatal(err)
	}
	settings, err := account.NewSettings(account.SettingsConfig{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := password.New(password.Config{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := verification.New(verification.Config{Store: st, Hasher: hasher, Settings: settings})
	if err != nil {
		t.Fatal(err)
	}

	done := make(chan struct{})
	go func() {
		defer close(done)
		deleteExpired(ctx, v, 10*time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		_, err := st.GetVerificationRecord(ctx, r.ID, past)
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the expired record is still there after 10 s (err %v)", err)
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the loop did not stop with its context")
	}
}
