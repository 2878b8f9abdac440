package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/store/postgres"
	"github.com/accountapi/accountapi/store/sqlite"
)

// loadPassword is every seeded user's password.
const loadPassword = "Load-Test-Password-9"

// seedBatch is how many users go into the store per call.
const seedBatch = 10000

// maxSample is how many seeded users get a token.
const maxSample = 1000

// seedStore is what seeding needs of a backend.
type seedStore interface {
	store.Store
	Migrate(ctx context.Context) error
	Close() error
}

// bulkInserter is the bulk insert the backends are gaining; seeding uses it
// when the store has it and falls back to CreateUser otherwise.
type bulkInserter interface {
	InsertUsers(ctx context.Context, users []*store.User) error
}

// database is the store one group of runs uses.
type database struct {
	// label names it in the report ("SQLite file …", "PostgreSQL schema …").
	label string
	// env are the example server's environment variables that select it.
	env []string
	// open opens it for seeding.
	open func(ctx context.Context) (seedStore, error)
	// drop deletes it; nil when it is not ours to delete.
	drop func(ctx context.Context) error
}

// newDatabase returns the store of the i-th group of runs: a fresh SQLite
// file in work or a fresh PostgreSQL schema named after tag, or, with
// -target, the target's own store.
func newDatabase(o options, work, tag string, i int) *database {
	switch {
	case o.Target != "" && o.Store == storeSQLite:
		return &database{
			label: "SQLite file " + o.DB,
			open:  func(context.Context) (seedStore, error) { return sqlite.Open(o.DB) },
		}
	case o.Target != "":
		return &database{
			label: "PostgreSQL database of -postgres",
			open:  func(ctx context.Context) (seedStore, error) { return postgres.Open(ctx, o.Postgres) },
		}
	case o.Store == storeSQLite:
		path := filepath.Join(work, fmt.Sprintf("loadgen-%d.db", i))
		d := &database{
			label: "SQLite file " + path,
			env:   []string{"ACCOUNTAPI_DB=" + path},
			open:  func(context.Context) (seedStore, error) { return sqlite.Open(path) },
		}
		if o.Keep == "" {
			// The files can be large (a million users take some hundreds
			// of MB), so they go as soon as their runs are done.
			d.drop = func(context.Context) error {
				var errs []error
				for _, p := range []string{path, path + "-wal", path + "-shm"} {
					if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
						errs = append(errs, err)
					}
				}
				return errors.Join(errs...)
			}
		}
		return d
	default:
		schema := fmt.Sprintf("loadgen_%s_%d", tag, i)
		d := &database{
			label: "PostgreSQL schema " + schema,
			env:   []string{"ACCOUNTAPI_POSTGRES_DSN=" + withSearchPath(o.Postgres, schema)},
			open: func(ctx context.Context) (seedStore, error) {
				return postgres.Open(ctx, o.Postgres, postgres.WithSchema(schema))
			},
		}
		if o.Keep == "" {
			d.drop = func(ctx context.Context) error {
				st, err := postgres.Open(ctx, o.Postgres)
				if err != nil {
					return err
				}
				defer st.Close()
				_, err = st.DB().ExecContext(ctx, `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`)
				return err
			}
		}
		return d
	}
}

// withSearchPath returns dsn with search_path set to schema, which pgx sends
// as a runtime parameter when each connection starts: the example server
// opens its store without a schema option, so this is how its tables are
// found in the schema seeding created. dsn is a URL or a key=value string,
// the two forms pgx reads.
func withSearchPath(dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		if u, err := url.Parse(dsn); err == nil {
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return dsn + " search_path=" + schema
}

// seeded is the outcome of seeding one store.
type seeded struct {
	Users    int
	Duration time.Duration
	Method   string
	// sample are the ids of the users that get tokens, drawn at random from
	// all of them.
	sample []string
	// email returns the primary email of the i-th seeded user.
	email func(i int) string
}

// seedUsers migrates st and inserts n users, all with the password digest
// digest (made once: hashing a million passwords would take hours), and
// returns the ids of up to maxSample of them, drawn uniformly from all n so
// that requests touch the whole table. Usernames and emails carry tag, so
// that seeding an existing store (-target) twice does not collide. Users
// with an even index get a phone number when phones is set.
func seedUsers(ctx context.Context, st seedStore, n int, tag, digest string, alg store.PasswordAlgorithm, phones bool, log io.Writer) (*seeded, error) {
	if err := st.Migrate(ctx); err != nil {
		return nil, fmt.Errorf("migrating the store: %w", err)
	}
	s := &seeded{
		Users: n,
		email: func(i int) string { return fmt.Sprintf("lg.%s.%d@example.com", tag, i) },
	}
	sampled := make(map[int]int) // user index → place in s.sample
	for i, idx := range mrand.Perm(n)[:min(n, maxSample)] {
		sampled[idx] = i
	}
	s.sample = make([]string, len(sampled))

	ins, bulk := st.(bulkInserter)
	s.Method = "CreateUser, one transaction per batch"
	if bulk {
		s.Method = "InsertUsers"
	}
	ids := bufio.NewReaderSize(rand.Reader, 1<<16)
	start := time.Now()
	lastReport := start
	batch := make([]*store.User, 0, seedBatch)
	for lo := 0; lo < n; lo += seedBatch {
		now := time.Now()
		batch = batch[:0]
		for i := lo; i < min(n, lo+seedBatch); i++ {
			id, err := store.NewID(ids)
			if err != nil {
				return nil, err
			}
			if slot, ok := sampled[i]; ok {
				s.sample[slot] = id
			}
			name := fmt.Sprintf("Load User %d", i)
			u := &store.User{
				ID:                id,
				Username:          fmt.Sprintf("lg%s_%d", tag, i),
				PrimaryEmail:      s.email(i),
				Name:              &name,
				PasswordDigest:    digest,
				PasswordAlgorithm: alg,
				PasswordUpdatedAt: now,
				CreatedAt:         now,
				UpdatedAt:         now,
			}
			// A Chinese mobile number: 86, 138, then eight digits.
			if phones && i%2 == 0 && i < 1e8 {
				u.PrimaryPhone = fmt.Sprintf("86138%08d", i)
			}
			batch = append(batch, u)
		}
		var err error
		if bulk {
			err = ins.InsertUsers(ctx, batch)
		} else {
			// One transaction per batch: a transaction per user would
			// cost a commit (an fsync on SQLite) per user.
			err = st.InTx(ctx, func(ctx context.Context, tx store.Store) error {
				for _, u := range batch {
					if err := tx.CreateUser(ctx, u); err != nil {
						return err
					}
				}
				return nil
			})
		}
		if err != nil {
			return nil, fmt.Errorf("inserting users %d to %d: %w", lo, lo+len(batch)-1, err)
		}
		done := lo + len(batch)
		if t := time.Now(); t.Sub(lastReport) >= time.Second || done == n {
			lastReport = t
			fmt.Fprintf(log, "seeding: %d/%d users (%.0f users/s)\n", done, n, float64(done)/t.Sub(start).Seconds())
		}
	}
	s.Duration = time.Since(start)
	return s, nil
}
