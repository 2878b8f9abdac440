package sqlite_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/accountapi/accountapi/store/internal/backendtest"
	accountsqlite "github.com/accountapi/accountapi/store/sqlite"
)

// TestExplain checks that every look-up of the store is served by an index:
// no EXPLAIN QUERY PLAN of a statement the store sends has a SCAN step.
// Run it with -v to see every statement and its plan. SQLite plans without
// statistics here (no ANALYZE), as in a database nobody analyzed.
func TestExplain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "explain.db")
	backendtest.Explain(t, backendtest.Planner{
		Open: func(t *testing.T, caseInsensitive bool, wrap func(driver.Connector) driver.Connector) backendtest.ExplainStore {
			opts := []accountsqlite.Option{accountsqlite.WithConnector(wrap)}
			if caseInsensitive {
				opts = append(opts, accountsqlite.WithCaseInsensitiveUsernames())
			}
			s := openStore(t, path, opts...)
			if err := s.Migrate(t.Context()); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			return s
		},
		Explain:     explainQueryPlan,
		FullScans:   fullScans,
		ForeignKeys: foreignKeys,
	})
}

// explainQueryPlan returns the steps of EXPLAIN QUERY PLAN, each indented
// under its parent.
func explainQueryPlan(ctx context.Context, db *sql.DB, st backendtest.Statement) ([]string, error) {
	rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+st.Query, st.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	depth := map[int]int{}
	var plan []string
	for rows.Next() {
		var (
			id, parent, unused int
			detail             string
		)
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return nil, err
		}
		d := 0
		if parent != 0 {
			d = depth[parent] + 1
		}
		depth[id] = d
		plan = append(plan, strings.Repeat("  ", d)+detail)
	}
	return plan, rows.Err()
}

// fullScans returns the SCAN steps of plan that read a table: a SCAN reads a
// whole table, or a whole index with USING (COVERING) INDEX, where SEARCH
// looks a key up. The other SCAN steps read the statement's own rows: the
// VALUES of an INSERT ("SCAN 2-ROW VALUES CLAUSE") or a SELECT without FROM
// ("SCAN CONSTANT ROW"). SQLite never scans the one-row settings tables, which
// it reads by primary key, so no table is exempt.
func fullScans(plan []string) []string {
	var scans []string
	for _, step := range plan {
		step = strings.TrimSpace(step)
		if strings.HasPrefix(step, "SCAN ") && !ownRows.MatchString(step) {
			scans = append(scans, step)
		}
	}
	return scans
}

// ownRows matches the SCAN steps of EXPLAIN QUERY PLAN that read no table.
var ownRows = regexp.MustCompile(`^SCAN (CONSTANT ROW|[0-9]+-ROW VALUES CLAUSE)$`)

func foreignKeys(ctx context.Context, db *sql.DB) ([][2]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT m.name, f."from" FROM sqlite_master AS m, pragma_foreign_key_list(m.name) AS f
WHERE m.type = 'table' ORDER BY 1, 2`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var fks [][2]string
	for rows.Next() {
		var fk [2]string
		if err := rows.Scan(&fk[0], &fk[1]); err != nil {
			return nil, err
		}
		fks = append(fks, fk)
	}
	return fks, rows.Err()
}
