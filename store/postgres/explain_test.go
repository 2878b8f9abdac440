package postgres_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/accountapi/accountapi/store/internal/backendtest"
	"github.com/accountapi/accountapi/store/postgres"
)

// TestExplain checks that every look-up of the store is served by an index:
// no plan of a statement the store sends, with the statistics ANALYZE gathers
// on the seeded tables, has a Seq Scan of a table that grows with the users,
// or an index scan without an Index Cond (a walk of the whole index). Run it
// with -v to see every statement and its plan.
func TestExplain(t *testing.T) {
	testDSN(t)
	schema := freshSchema(t)
	backendtest.Explain(t, backendtest.Planner{
		Open: func(t *testing.T, caseInsensitive bool, wrap func(driver.Connector) driver.Connector) backendtest.ExplainStore {
			opts := []postgres.Option{postgres.WithConnector(wrap)}
			if caseInsensitive {
				opts = append(opts, postgres.WithCaseInsensitiveUsernames())
			}
			s := openStore(t, schema, opts...)
			if err := s.Migrate(t.Context()); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			return s
		},
		Explain:     explain,
		FullScans:   fullScans,
		ForeignKeys: foreignKeys,
		Analyze:     analyze,
	})
}

// explain returns the lines of EXPLAIN (FORMAT TEXT) for the statement with
// its arguments, so the plan is the one for these values. (The store prepares
// its hot reads once per connection; PostgreSQL may then switch them to a
// generic plan, which for these single-key lookups is the same index scan.)
func explain(ctx context.Context, db *sql.DB, st backendtest.Statement) ([]string, error) {
	rows, err := db.QueryContext(ctx, "EXPLAIN (FORMAT TEXT) "+st.Query, st.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return nil, err
		}
		plan = append(plan, line)
	}
	return plan, rows.Err()
}

var (
	// seqScan matches a plan node that reads a whole table.
	seqScan = regexp.MustCompile(`^(?:Parallel )?Seq Scan on (\S+)`)
	// indexScan matches a plan node that reads a table, or an index alone,
	// through an index; without an Index Cond it reads the whole index.
	indexScan = regexp.MustCompile(`^(?:Index Scan|Index Scan Backward|Index Only Scan|Index Only Scan Backward|Bitmap Index Scan) (?:using|on) \S+`)
)

// fullScans returns the nodes of plan that read a whole table (Seq Scan) of
// a table that grows with the users, or a whole index (an index scan without
// Index Cond). A node is a line that starts the plan or starts with "->"; the
// lines under it up to the next node are its details.
func fullScans(plan []string) []string {
	type node struct {
		text    string
		details []string
	}
	var nodes []node
	for i, line := range plan {
		line = strings.TrimSpace(line)
		if text, ok := strings.CutPrefix(line, "->"); ok || i == 0 {
			nodes = append(nodes, node{text: strings.TrimSpace(text)})
			continue
		}
		if len(nodes) > 0 {
			nodes[len(nodes)-1].details = append(nodes[len(nodes)-1].details, line)
		}
	}
	var scans []string
	for _, n := range nodes {
		if m := seqScan.FindStringSubmatch(n.text); m != nil {
			if !slices.Contains(backendtest.FixedTables, m[1]) {
				scans = append(scans, n.text)
			}
			continue
		}
		if indexScan.MatchString(n.text) && !slices.ContainsFunc(n.details, func(d string) bool {
			return strings.HasPrefix(d, "Index Cond:")
		}) {
			scans = append(scans, n.text+" (no Index Cond)")
		}
	}
	return scans
}

// foreignKeys lists the foreign keys of the tables in the connection's schema.
func foreignKeys(ctx context.Context, db *sql.DB) ([][2]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT c.conrelid::regclass::text, a.attname
FROM pg_constraint AS c
JOIN pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace
ORDER BY 1, 2`)
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

// analyze gathers the planner's statistics on the tables of the connection's
// schema (not on the whole database, whose other schemas concurrent tests
// create and drop).
func analyze(ctx context.Context, db *sql.DB) error {
	var tables []string
	rows, err := db.QueryContext(ctx, `SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return err
		}
		tables = append(tables, name)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, "ANALYZE "+strings.Join(tables, ", "))
	return err
}
