package postgres_test

import (
	"context"
	"crypto/rand"
	"os"
	"strings"
	"testing"

	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/store/internal/backendtest"
	"github.com/accountapi/accountapi/store/postgres"
)

// InsertUsers is promoted from the shared implementation.
var _ interface {
	InsertUsers(ctx context.Context, users []*store.User) error
} = (*postgres.Store)(nil)

func TestInsertUsers(t *testing.T) {
	testDSN(t)
	backendtest.InsertUsers(t, newStore, isDriverError)
}

// BenchmarkInsertUsers inserts 100,000 users (each with one identity) per
// iteration into one store on a fresh schema, in one InsertUsers call: with
// -benchtime=1x, the time to seed an empty store with 100,000 users.
func BenchmarkInsertUsers(b *testing.B) {
	const n = 100_000
	dsn := os.Getenv("ACCOUNTAPI_TEST_POSTGRES_DSN")
	if dsn == "" {
		b.Skip("ACCOUNTAPI_TEST_POSTGRES_DSN not set: skipping PostgreSQL benchmarks")
	}
	schema := "accountapi_b_" + rand.Text()[:16]
	s, err := postgres.Open(b.Context(), dsn, postgres.WithSchema(strings.ToLower(schema)))
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if _, err := s.DB().ExecContext(context.Background(), `DROP SCHEMA IF EXISTS "`+strings.ToLower(schema)+`" CASCADE`); err != nil {
			b.Errorf("drop schema: %v", err)
		}
		s.Close()
	}()
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
