package sqlstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/accountapi/accountapi/store/internal/sqlstore"
)

func TestGate(t *testing.T) {
	t.Run("one holder at a time", func(t *testing.T) {
		g := sqlstore.NewGate()
		if err := g.Lock(t.Context()); err != nil {
			t.Fatal(err)
		}
		// A second writer waits until its context ends.
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- g.Lock(ctx) }()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Lock while held, context cancelled = %v, want context.Canceled", err)
		}
		g.Unlock()
		if err := g.Lock(t.Context()); err != nil {
			t.Errorf("Lock after Unlock: %v", err)
		}
		g.Unlock()
	})

	t.Run("waiter gets the gate on Unlock", func(t *testing.T) {
		g := sqlstore.NewGate()
		if err := g.Lock(t.Context()); err != nil {
			t.Fatal(err)
		}
		done := make(chan error)
		go func() { done <- g.Lock(t.Context()) }()
		g.Unlock()
		if err := <-done; err != nil {
			t.Errorf("waiting Lock: %v", err)
		}
		g.Unlock()
	})

	t.Run("nil gate is always open", func(t *testing.T) {
		var g *sqlstore.Gate
		for range 2 {
			if err := g.Lock(t.Context()); err != nil {
				t.Fatalf("Lock: %v", err)
			}
		}
		g.Unlock()
	})
}
