package backendtest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/uptrace/bun"

	"github.com/accountapi/accountapi/store"
)

// ExplainStore is a store of a SQL backend: its Store, InsertUsers, and the
// bun database it runs its statements on.
type ExplainStore interface {
	Bulk
	DB() *bun.DB
}

// Planner is what [Explain] needs of a backend besides its stores.
type Planner struct {
	// Open opens a migrated store whose connections come from wrap. Every
	// call within one test opens the same database (the first call creates
	// it), with case-insensitive usernames if caseInsensitive. It registers
	// its own cleanup.
	Open func(t *testing.T, caseInsensitive bool, wrap func(driver.Connector) driver.Connector) ExplainStore
	// Explain returns the plan of st on db, one line of text per step,
	// indented as the engine nests the steps.
	Explain func(ctx context.Context, db *sql.DB, st Statement) ([]string, error)
	// FullScans returns the steps of plan that read a whole table, or a
	// whole index, of a table that grows with the users: every table but
	// those of [FixedTables].
	FullScans func(plan []string) []string
	// ForeignKeys returns the referencing table and column of each foreign
	// key of the schema (all of them are of one column).
	ForeignKeys func(ctx context.Context, db *sql.DB) ([][2]string, error)
	// Analyze, when not nil, gathers the statistics the planner uses.
	Analyze func(ctx context.Context, db *sql.DB) error
}

// FixedTables are the tables that hold one row whatever the number of users:
// a planner may read them whole.
var FixedTables = []string{"accountapi_account_center", "accountapi_sign_in_experience"}

// explainUsers is the number of users Explain seeds. The first
// explainOwners of them each have one MFA factor (TOTP, WebAuthn or ten
// backup codes, in turn), a verification record with a code, a personal
// access token, a rate-limit counter and a lockout with a failure: enough
// rows in every table for PostgreSQL's planner to prefer an index, as it
// would with a million users, wherever one serves.
const (
	explainUsers  = 4000
	explainOwners = explainUsers / 4
)

// Explain runs every read and write of the store that looks rows up by a key,
// on a store seeded with [explainUsers] users, records each statement the
// store sends, and fails when the plan of one reads the whole of a table that
// grows with the users. It logs every statement with its plan. It also checks
// that an index leads with the referencing column of every foreign key:
// deleting a user (or a record, or a factor) looks up the rows that reference
// it by that column, to delete them too, a look-up PostgreSQL's plans do not
// show.
func Explain(t *testing.T, p Planner) {
	var rec Recorder
	st := p.Open(t, false, rec.Wrap)
	db := st.DB().DB
	ctx := t.Context()

	start := time.Now()
	f := seedExplain(t, st)
	if p.Analyze != nil {
		if err := p.Analyze(ctx, db); err != nil {
			t.Fatalf("analyze: %v", err)
		}
	}
	t.Logf("seeded %d users, %d of them with a factor, a record, a code, a token, a counter and a lockout, in %v",
		explainUsers, explainOwners, time.Since(start).Round(time.Millisecond))

	// The check catches what it is there for, in the plans of this engine.
	t.Run("look-ups without an index are caught", func(t *testing.T) {
		for _, q := range []string{
			"SELECT id FROM accountapi_users WHERE name = 'User 1'",
			"SELECT count(*) FROM accountapi_user_identities",
		} {
			plan, err := p.Explain(ctx, db, Statement{Query: q})
			if err != nil {
				t.Fatalf("explain %s: %v", q, err)
			}
			if len(p.FullScans(plan)) == 0 {
				t.Errorf("no full scan found in the plan of %s:\n%s", q, indent(plan))
			}
		}
	})

	check := func(t *testing.T, st ExplainStore, run func(ctx context.Context, st ExplainStore) error, sweep bool) {
		t.Helper()
		rec.Start()
		err := run(t.Context(), st)
		stmts := rec.Stop()
		if err != nil {
			t.Fatal(err)
		}
		explained := 0
		seen := map[string]bool{}
		for _, s := range stmts {
			if !explainable(s.Query) {
				continue
			}
			key := s.Query + "\x00" + fmt.Sprint(s.Args...)
			if seen[key] {
				continue
			}
			seen[key] = true
			explained++
			plan, err := p.Explain(t.Context(), st.DB().DB, s)
			if err != nil {
				t.Errorf("explain %s: %v", s.Query, err)
				continue
			}
			t.Logf("%s\n%s", describe(s), indent(plan))
			if scans := p.FullScans(plan); len(scans) > 0 && !sweep {
				t.Errorf("full scan (%s) in the plan of\n%s", strings.Join(scans, "; "), describe(s))
			}
		}
		if explained == 0 {
			t.Errorf("no statement to explain recorded (of %d)", len(stmts))
		}
	}

	for _, path := range explainPaths(f) {
		t.Run(path.name, func(t *testing.T) { check(t, st, path.run, sweeps[path.name]) })
	}

	t.Run("foreign keys", func(t *testing.T) {
		fks, err := p.ForeignKeys(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if len(fks) == 0 {
			t.Fatal("no foreign keys found")
		}
		for _, fk := range fks {
			s := Statement{Query: "SELECT 1 FROM " + fk[0] + " WHERE " + fk[1] + " = 'u-none'"}
			plan, err := p.Explain(ctx, db, s)
			if err != nil {
				t.Errorf("explain %s: %v", s.Query, err)
				continue
			}
			t.Logf("%s.%s (the look-up of a cascade)\n%s", fk[0], fk[1], indent(plan))
			if scans := p.FullScans(plan); len(scans) > 0 {
				t.Errorf("foreign key %s.%s: no index leads with the column: %s", fk[0], fk[1], strings.Join(scans, "; "))
			}
		}
	})

	// The case-insensitive username look-up, on a store of the same database
	// opened with case-insensitive usernames, whose Migrate adds the unique
	// index on lower(username).
	t.Run("case-insensitive usernames", func(t *testing.T) {
		ci := p.Open(t, true, rec.Wrap)
		if p.Analyze != nil {
			if err := p.Analyze(ctx, ci.DB().DB); err != nil {
				t.Fatalf("analyze: %v", err)
			}
		}
		u := f.users[f.k]
		for _, path := range []explainPath{
			{"FindUserByUsername", func(ctx context.Context, st ExplainStore) error {
				return wantUser(st.FindUserByUsername(ctx, strings.ToUpper(u.Username)))(u.ID)
			}},
			{"FindUserByUsernameFold", func(ctx context.Context, st ExplainStore) error {
				return wantUser(st.FindUserByUsernameFold(ctx, strings.ToUpper(u.Username)))(u.ID)
			}},
		} {
			t.Run(path.name, func(t *testing.T) { check(t, ci, path.run, false) })
		}
	})
}

// explainable reports whether query is a statement a plan can be asked for.
func explainable(query string) bool {
	word := strings.TrimLeftFunc(query, unicode.IsSpace)
	if i := strings.IndexFunc(word, unicode.IsSpace); i >= 0 {
		word = word[:i]
	}
	switch strings.ToUpper(word) {
	case "SELECT", "INSERT", "UPDATE", "DELETE", "WITH":
		return true
	}
	return false
}

// describe returns the statement for a log: its text (cut when long, as the
// multi-row INSERTs are) and its arguments.
func describe(s Statement) string {
	q := strings.Join(strings.Fields(s.Query), " ")
	if len(q) > 600 {
		q = q[:600] + fmt.Sprintf("… (%d bytes)", len(s.Query))
	}
	if len(s.Args) > 0 {
		q += fmt.Sprintf("\n  -- args: %q", s.Args)
	}
	return q
}

func indent(plan []string) string {
	if len(plan) == 0 {
		return "  (no plan steps)"
	}
	return "  " + strings.Join(plan, "\n  ")
}

// explainFixture is what seedExplain put in the store.
type explainFixture struct {
	users []*store.User
	// k is the index of the user the look-ups look for, one of the first
	// explainOwners; k%3 == 0, so that users[k] has a TOTP factor,
	// users[k+1] a WebAuthn one and users[k+2] backup codes.
	k int
}

// The keys of the rows seedExplain gives user i.
func factorID(i int) string      { return "f-" + strconv.Itoa(i) }
func credentialID(i int) []byte  { return []byte("cred-" + strconv.Itoa(i)) }
func recordID(i int) string      { return "r-" + strconv.Itoa(i) }
func codeID(i int) string        { return "c-" + strconv.Itoa(i) }
func tokenHash(i int) []byte     { return []byte("h-" + strconv.Itoa(i)) }
func rateLimitKey(i int) string  { return "send:email:user" + strconv.Itoa(i) + "@example.com" }
func lockoutTarget(i int) string { return "verify:user" + strconv.Itoa(i) }

// seedExplain inserts explainUsers users with InsertUsers, then, in one
// transaction, the factors, records, codes, tokens, counters and lockouts of
// the first explainOwners.
func seedExplain(t *testing.T, st ExplainStore) explainFixture {
	t.Helper()
	ctx := t.Context()
	users := SeedUsers(0, explainUsers)
	if err := st.InsertUsers(ctx, users); err != nil {
		t.Fatalf("InsertUsers: %v", err)
	}
	err := st.InTx(ctx, func(ctx context.Context, tx store.Store) error {
		for i, u := range users[:explainOwners] {
			var f *store.MFAFactor
			switch i % 3 {
			case 0:
				f = totp(factorID(i), u.ID)
				f.TOTP.LastUsedStep = 10
			case 1:
				f = webAuthn(factorID(i), u.ID, string(credentialID(i)))
				f.WebAuthn.SignCount = 10
			case 2:
				f = &store.MFAFactor{ID: factorID(i), UserID: u.ID, Type: store.FactorBackupCode, CreatedAt: t0}
				for j := range 10 {
					f.BackupCodes = append(f.BackupCodes, store.BackupCode{Code: fmt.Sprintf("code%d-%d", i, j)})
				}
			}
			r := record(recordID(i), u.ID, u.ID)
			r.ExpiresAt = t0.Add(time.Duration(i+1) * time.Minute)
			c := code(codeID(i), recordID(i))
			steps := []func() error{
				func() error { return tx.CreateMFAFactor(ctx, f) },
				func() error { return tx.CreateVerificationRecord(ctx, r) },
				func() error { return tx.CreateVerificationCode(ctx, c) },
				func() error {
					return tx.CreatePersonalAccessToken(ctx, &store.PersonalAccessToken{UserID: u.ID, Name: "ci", Hash: tokenHash(i), CreatedAt: t0})
				},
				func() error { _, err := tx.HitRateLimit(ctx, rateLimitKey(i), time.Hour, t0); return err },
				func() error { _, err := tx.RecordFailure(ctx, lockoutTarget(i), t0, time.Hour); return err },
			}
			for j, step := range steps {
				if err := step(); err != nil {
					return fmt.Errorf("user %d, step %d: %w", i, j, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	return explainFixture{users: users, k: explainOwners / 2 / 3 * 3}
}

type explainPath struct {
	name string
	run  func(ctx context.Context, st ExplainStore) error
}

// sweeps are the paths of periodic clean-ups, not of a request's look-ups:
// their plans are logged but not judged, for a DELETE that may match most
// of a table is right to scan it (PostgreSQL does for the lockout targets
// without failures, which in steady state are few rows anyway).
var sweeps = map[string]bool{"DeleteExpiredLockouts": true}

// wantUser returns a check that the found user is the one with the id.
func wantUser(u *store.User, err error) func(id string) error {
	return func(id string) error {
		if err != nil {
			return err
		}
		if u.ID != id {
			return fmt.Errorf("found user %s, want %s", u.ID, id)
		}
		return nil
	}
}

// want returns an error unless err is target.
func want(err, target error) error {
	if !errors.Is(err, target) {
		return fmt.Errorf("err = %v, want %v", err, target)
	}
	return nil
}

// explainPaths are the store's calls that Explain explains: every look-up by
// a key, and every write, of every store interface.
func explainPaths(f explainFixture) []explainPath {
	k := f.k
	u := f.users[k]
	now := t0.Add(time.Second) // every seeded record is alive
	return []explainPath{
		// Users: GET /api/my-account, the sign-in and verification look-ups.
		{"GetUser", func(ctx context.Context, st ExplainStore) error {
			return wantUser(st.GetUser(ctx, u.ID))(u.ID)
		}},
		{"LockUser outside InTx", func(ctx context.Context, st ExplainStore) error {
			return wantUser(st.LockUser(ctx, u.ID))(u.ID)
		}},
		{"LockUser and UpdateUser in InTx", func(ctx context.Context, st ExplainStore) error {
			return st.InTx(ctx, func(ctx context.Context, tx store.Store) error {
				got, err := tx.LockUser(ctx, u.ID)
				if err != nil {
					return err
				}
				got.CustomData = map[string]any{"locked": true}
				return tx.UpdateUser(ctx, got)
			})
		}},
		{"FindUserByUsername", func(ctx context.Context, st ExplainStore) error {
			return wantUser(st.FindUserByUsername(ctx, u.Username))(u.ID)
		}},
		{"FindUserByUsernameFold", func(ctx context.Context, st ExplainStore) error {
			return wantUser(st.FindUserByUsernameFold(ctx, strings.ToUpper(u.Username)))(u.ID)
		}},
		{"FindUserByEmail", func(ctx context.Context, st ExplainStore) error {
			return wantUser(st.FindUserByEmail(ctx, strings.ToUpper(u.PrimaryEmail)))(u.ID)
		}},
		{"FindUserByPhone", func(ctx context.Context, st ExplainStore) error {
			return wantUser(st.FindUserByPhone(ctx, "+"+u.PrimaryPhone))(u.ID)
		}},
		{"UpdateUser", func(ctx context.Context, st ExplainStore) error {
			got, err := st.GetUser(ctx, u.ID)
			if err != nil {
				return err
			}
			got.LastSignInAt = now
			return st.UpdateUser(ctx, got)
		}},
		{"CreateUser", func(ctx context.Context, st ExplainStore) error {
			return st.CreateUser(ctx, SeedUser(explainUsers))
		}},
		{"InsertUsers", func(ctx context.Context, st ExplainStore) error {
			return st.InsertUsers(ctx, SeedUsers(explainUsers+1, 2))
		}},
		{"DeleteUser", func(ctx context.Context, st ExplainStore) error {
			return st.DeleteUser(ctx, f.users[k+3].ID)
		}},

		// Identities.
		{"FindUserByIdentity", func(ctx context.Context, st ExplainStore) error {
			return wantUser(st.FindUserByIdentity(ctx, "github", u.Identities["github"].UserID))(u.ID)
		}},
		{"AddIdentity", func(ctx context.Context, st ExplainStore) error {
			return st.AddIdentity(ctx, u.ID, "google", store.Identity{UserID: "g-explain"})
		}},
		{"AddIdentity for a target the user has", func(ctx context.Context, st ExplainStore) error {
			return want(st.AddIdentity(ctx, u.ID, "github", store.Identity{UserID: "gh-other"}), store.ErrConflict)
		}},
		{"PutIdentity", func(ctx context.Context, st ExplainStore) error {
			if _, err := st.PutIdentity(ctx, u.ID, "github", u.Identities["github"]); err != nil {
				return err
			}
			_, err := st.PutIdentity(ctx, u.ID, "gitlab", store.Identity{UserID: "gl-explain"})
			return err
		}},
		{"RemoveIdentity", func(ctx context.Context, st ExplainStore) error {
			return st.RemoveIdentity(ctx, u.ID, "gitlab")
		}},

		// MFA factors, backup codes and passkeys.
		{"ListMFAFactors", func(ctx context.Context, st ExplainStore) error {
			fs, err := st.ListMFAFactors(ctx, f.users[k+2].ID) // backup codes
			if err == nil && (len(fs) != 1 || len(fs[0].BackupCodes) != 10) {
				err = fmt.Errorf("ListMFAFactors = %v", fs)
			}
			return err
		}},
		{"GetMFAFactor", func(ctx context.Context, st ExplainStore) error {
			_, err := st.GetMFAFactor(ctx, f.users[k+2].ID, factorID(k+2))
			return err
		}},
		{"FindWebAuthnCredential", func(ctx context.Context, st ExplainStore) error {
			_, err := st.FindWebAuthnCredential(ctx, credentialID(k+1))
			return err
		}},
		{"CreateMFAFactor", func(ctx context.Context, st ExplainStore) error {
			return st.CreateMFAFactor(ctx, &store.MFAFactor{ID: "f-explain", UserID: u.ID, Type: store.FactorBackupCode, CreatedAt: t0,
				BackupCodes: []store.BackupCode{{Code: "a"}, {Code: "b"}}})
		}},
		{"RenameWebAuthnCredential", func(ctx context.Context, st ExplainStore) error {
			name := "laptop"
			return st.RenameWebAuthnCredential(ctx, f.users[k+1].ID, factorID(k+1), &name)
		}},
		{"UseTOTPStep", func(ctx context.Context, st ExplainStore) error {
			if err := st.UseTOTPStep(ctx, factorID(k), 20, now); err != nil {
				return err
			}
			return want(st.UseTOTPStep(ctx, factorID(k), 20, now), store.ErrConflict)
		}},
		{"UpdateSignCount", func(ctx context.Context, st ExplainStore) error {
			if err := st.UpdateSignCount(ctx, factorID(k+1), 10, 11, now); err != nil {
				return err
			}
			return want(st.UpdateSignCount(ctx, factorID(k+1), 10, 12, now), store.ErrConflict)
		}},
		{"UseBackupCode", func(ctx context.Context, st ExplainStore) error {
			return st.UseBackupCode(ctx, factorID(k+2), 3, now)
		}},
		{"DeleteMFAFactor", func(ctx context.Context, st ExplainStore) error {
			return st.DeleteMFAFactor(ctx, u.ID, "f-explain")
		}},

		// Verification records and codes: sending a code and checking it.
		{"CreateVerificationRecord", func(ctx context.Context, st ExplainStore) error {
			return st.CreateVerificationRecord(ctx, record("r-explain", u.ID, u.ID))
		}},
		{"GetVerificationRecord", func(ctx context.Context, st ExplainStore) error {
			_, err := st.GetVerificationRecord(ctx, recordID(k), now)
			return err
		}},
		{"UpdateVerificationRecord", func(ctx context.Context, st ExplainStore) error {
			r, err := st.GetVerificationRecord(ctx, recordID(k), now)
			if err != nil {
				return err
			}
			r.Verified = true
			stale := *r
			if err := st.UpdateVerificationRecord(ctx, r); err != nil {
				return err
			}
			return want(st.UpdateVerificationRecord(ctx, &stale), store.ErrConflict)
		}},
		{"DeleteExpiredVerificationRecords", func(ctx context.Context, st ExplainStore) error {
			_, err := st.DeleteExpiredVerificationRecords(ctx, t0.Add(90*time.Second))
			return err
		}},
		{"CreateVerificationCode", func(ctx context.Context, st ExplainStore) error {
			return st.CreateVerificationCode(ctx, code("c-explain", recordID(k)))
		}},
		{"FindVerificationCode", func(ctx context.Context, st ExplainStore) error {
			_, err := st.FindVerificationCode(ctx, recordID(k+1), store.TemplateGeneric)
			return err
		}},
		{"IncrementCodeTries", func(ctx context.Context, st ExplainStore) error {
			_, err := st.IncrementCodeTries(ctx, codeID(k+1))
			return err
		}},
		{"ConsumeVerificationCode", func(ctx context.Context, st ExplainStore) error {
			return st.ConsumeVerificationCode(ctx, codeID(k+1))
		}},

		// Rate limits and lockouts.
		{"HitRateLimit", func(ctx context.Context, st ExplainStore) error {
			_, err := st.HitRateLimit(ctx, rateLimitKey(k), time.Hour, now)
			return err
		}},
		{"UndoRateLimitHit", func(ctx context.Context, st ExplainStore) error {
			return st.UndoRateLimitHit(ctx, rateLimitKey(k))
		}},
		{"RecordFailure", func(ctx context.Context, st ExplainStore) error {
			_, err := st.RecordFailure(ctx, lockoutTarget(k), now, time.Hour)
			return err
		}},
		{"Block", func(ctx context.Context, st ExplainStore) error {
			return st.Block(ctx, lockoutTarget(k), now.Add(time.Hour))
		}},
		{"BlockedUntil", func(ctx context.Context, st ExplainStore) error {
			_, err := st.BlockedUntil(ctx, lockoutTarget(k), now)
			return err
		}},
		{"DeleteExpiredRateLimits", func(ctx context.Context, st ExplainStore) error {
			_, err := st.DeleteExpiredRateLimits(ctx, t0.Add(90*time.Second))
			return err
		}},
		{"DeleteExpiredLockouts", func(ctx context.Context, st ExplainStore) error {
			_, err := st.DeleteExpiredLockouts(ctx, t0.Add(-time.Hour), t0)
			return err
		}},

		// Personal access tokens.
		{"CreatePersonalAccessToken", func(ctx context.Context, st ExplainStore) error {
			return st.CreatePersonalAccessToken(ctx, &store.PersonalAccessToken{UserID: u.ID, Name: "cd", Hash: []byte("h-explain"), CreatedAt: t0})
		}},
		{"ListPersonalAccessTokens", func(ctx context.Context, st ExplainStore) error {
			_, err := st.ListPersonalAccessTokens(ctx, u.ID)
			return err
		}},
		{"FindPersonalAccessToken", func(ctx context.Context, st ExplainStore) error {
			_, err := st.FindPersonalAccessToken(ctx, tokenHash(k))
			return err
		}},
		{"RenamePersonalAccessToken", func(ctx context.Context, st ExplainStore) error {
			return st.RenamePersonalAccessToken(ctx, u.ID, "cd", "ce")
		}},
		{"DeletePersonalAccessToken", func(ctx context.Context, st ExplainStore) error {
			return st.DeletePersonalAccessToken(ctx, u.ID, "ce")
		}},

		// Settings: one row each.
		{"Settings", func(ctx context.Context, st ExplainStore) error {
			if err := st.SaveAccountCenter(ctx, &store.AccountCenter{Enabled: true, UpdatedAt: t0}); err != nil {
				return err
			}
			if _, err := st.GetAccountCenter(ctx); err != nil {
				return err
			}
			if err := st.SaveSignInExperience(ctx, &store.SignInExperience{UpdatedAt: t0}); err != nil {
				return err
			}
			_, err := st.GetSignInExperience(ctx)
			return err
		}},
	}
}
