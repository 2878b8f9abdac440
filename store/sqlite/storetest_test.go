package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/store/sqlite"
	"github.com/accountapi/accountapi/store/storetest"
)

// TestConformance runs the store conformance suite against SQLite, one
// database file per subtest in its own temporary directory.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, opts storetest.Options) store.Store {
		var o []sqlite.Option
		if opts.CaseInsensitiveUsernames {
			o = append(o, sqlite.WithCaseInsensitiveUsernames())
		}
		s, err := sqlite.Open(filepath.Join(t.TempDir(), "test.db"), o...)
		if err != nil {
			t.Fatalf("sqlite.Open: %v", err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		return s
	})
}
