package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/store/postgres"
	"github.com/accountapi/accountapi/store/storetest"
)

// TestConformance runs the store conformance suite against the PostgreSQL
// server named by ACCOUNTAPI_TEST_POSTGRES_DSN, one fresh schema per subtest,
// dropped when the subtest ends.
func TestConformance(t *testing.T) {
	dsn := os.Getenv("ACCOUNTAPI_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("ACCOUNTAPI_TEST_POSTGRES_DSN not set: skipping the PostgreSQL conformance suite")
	}
	storetest.Run(t, func(t *testing.T, opts storetest.Options) store.Store {
		b := make([]byte, 8)
		rand.Read(b) // never fails (crypto/rand)
		schema := "accountapi_test_" + hex.EncodeToString(b)
		o := []postgres.Option{postgres.WithSchema(schema)}
		if opts.CaseInsensitiveUsernames {
			o = append(o, postgres.WithCaseInsensitiveUsernames())
		}
		s, err := postgres.Open(t.Context(), dsn, o...)
		if err != nil {
			t.Fatalf("postgres.Open: %v", err)
		}
		t.Cleanup(func() {
			// t.Context is cancelled before cleanups run.
			ctx := context.Background()
			if _, err := s.DB().ExecContext(ctx, `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`); err != nil {
				t.Errorf("dropping schema %s: %v", schema, err)
			}
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		// Migrate may create the schema itself; creating it here first makes
		// the test independent of that.
		if _, err := s.DB().ExecContext(t.Context(), `CREATE SCHEMA IF NOT EXISTS "`+schema+`"`); err != nil {
			t.Fatalf("creating schema %s: %v", schema, err)
		}
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		return s
	})
}
