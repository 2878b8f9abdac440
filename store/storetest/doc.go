// Package storetest is the conformance suite of the storage contracts in
// [github.com/accountapi/accountapi/store]. Every backend runs it; a backend
// that passes it may be used wherever the library takes a [store.Store].
//
// The suite checks every sentence of the interface docs in store/store.go:
// each documented behaviour, and each documented sentinel error with
// [errors.Is] (a [store.DuplicateError] must be the specific value, such as
// [store.ErrDuplicateEmail], and also an [store.ErrConflict]). It also checks
// the record docs that the backends must honour: every member round-trips,
// nil stays apart from "" where a member is a pointer, times keep their
// millisecond, a nil [store.AccountCenter.ProfileFields] stays nil.
//
// # Running it against a backend
//
// A backend's test file calls [Run] with a function that returns a fresh,
// migrated, empty store opened with the given [Options], and registers its
// cleanup with t.Cleanup:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, opts storetest.Options) store.Store {
//			var o []mybackend.Option
//			if opts.CaseInsensitiveUsernames {
//				o = append(o, mybackend.WithCaseInsensitiveUsernames())
//			}
//			s, err := mybackend.Open(t.TempDir(), o...)
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { s.Close() })
//			if err := s.Migrate(t.Context()); err != nil {
//				t.Fatal(err)
//			}
//			return s
//		})
//	}
//
// [Run] calls the function once per subtest that needs a store, one subtest
// after another, so that no subtest sees another's rows. A backend over a
// shared server gives each store its own namespace: store/postgres's test
// creates a schema per call and drops it in t.Cleanup. A backend whose
// storage cannot be reached in a plain `go test` (no server, no credentials)
// should skip with a message that says what to set, as store/postgres does
// with ACCOUNTAPI_TEST_POSTGRES_DSN.
//
// # What it covers
//
// One subtest per aggregate (Users, Identities, MFAFactors,
// VerificationRecords, VerificationCodes, RateLimits, Lockouts, Settings,
// AccessTokens, Transactor) with one named subtest per behaviour, and a
// Concurrency subtest in which 20 goroutines race for one single-use thing
// (a code, an email, a TOTP step, a record version, a backup code, …) and
// exactly one must win while the others get the documented sentinel; counters
// raced the same way must return 20 distinct counts. Run with -race.
//
// Fixture times are built with [time.UnixMilli], since stores keep Unix
// milliseconds; the suite's "now" is a fixed instant in 2024, never the clock,
// so a backend that decides expiry or windows by its own clock instead of the
// time it is given fails. No test asserts a duration. The LockUser and Transactor tests sleep briefly
// inside transactions to widen the window in which a missing lock would lose
// an update or show a dirty read; the sleeps bound nothing.
//
// # When a test fails
//
// A failure names the method and the behaviour, and prints a cmp diff for
// records (-want +got). The test is the contract: fix the backend, or, if the
// doc sentence itself is wrong, change the doc in store/store.go and the suite
// together.
package storetest
