package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/store/internal/backendtest"
	accountsqlite "github.com/accountapi/accountapi/store/sqlite"
)

// InsertUsers is promoted from the shared implementation.
var _ interface {
	InsertUsers(ctx context.Context, users []*store.User) error
} = (*accountsqlite.Store)(nil)

func TestInsertUsers(t *testing.T) {
	backendtest.InsertUsers(t, newStore, isDriverError)
}

// BenchmarkInsertUsers inserts 100,000 users (each with one identity) per
// iteration into one store, in one InsertUsers call: with -benchtime=1x, the
// time to seed an empty store with 100,000 users.
func BenchmarkInsertUsers(b *testing.B) {
	const n = 100_000
	s, err := accountsqlite.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		b.StopTimer()
		users := backendtest.SeedUsers(i*n, n)
		b.StartTimer()
		if err := s.InsertUsers(b.Context(), users); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(i*n), "ns/user")
}
