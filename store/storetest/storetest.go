package storetest

import (
	"crypto/sha256"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/accountapi/accountapi/store"
)

// Options are the backend options a subtest needs. The zero value is the
// backend's default configuration.
type Options struct {
	// CaseInsensitiveUsernames opens the backend with case-insensitive
	// usernames (sqlite.WithCaseInsensitiveUsernames,
	// postgres.WithCaseInsensitiveUsernames).
	CaseInsensitiveUsernames bool
}

// Run runs the suite. newStore returns a fresh, migrated, EMPTY store opened
// with opts; Run calls it once per subtest that needs a store (cleanup is
// newStore's job, via t.Cleanup).
//
// Subtests run one after another: newStore need not be safe for concurrent use.
func Run(t *testing.T, newStore func(t *testing.T, opts Options) store.Store) {
	s := &suite{newStore: newStore}
	t.Run("Users", s.users)
	t.Run("Identities", s.identities)
	t.Run("MFAFactors", s.mfaFactors)
	t.Run("VerificationRecords", s.verificationRecords)
	t.Run("VerificationCodes", s.verificationCodes)
	t.Run("RateLimits", s.rateLimits)
	t.Run("Lockouts", s.lockouts)
	t.Run("Settings", s.settings)
	t.Run("SignInExperience", s.signInExperience)
	t.Run("AccessTokens", s.accessTokens)
	t.Run("Transactor", s.transactor)
	t.Run("Concurrency", s.concurrency)
}

type suite struct {
	newStore func(t *testing.T, opts Options) store.Store
}

// open returns a fresh store with the default options.
func (s *suite) open(t *testing.T) store.Store {
	t.Helper()
	return s.newStore(t, Options{})
}

// t0 is the suite's "now". Times are stored as Unix milliseconds, so every
// fixture time has millisecond precision; t0 is deliberately not aligned to a
// second or a minute, so that a backend bucketing time into aligned windows
// shows up.
var t0 = time.UnixMilli(1_717_171_717_171).UTC()

// at returns t0+d.
func at(d time.Duration) time.Time { return t0.Add(d) }

func ptr[T any](v T) *T { return &v }

func hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// equateEmpty treats nil and empty slices and maps alike: the contracts do not
// tell them apart except where a test checks nil-ness explicitly (e.g.
// AccountCenter.ProfileFields). Pointers are always compared exactly, so nil
// and "" stay different. time.Time is compared with its Equal method, so the
// location a backend returns does not matter.
var equateEmpty = cmpopts.EquateEmpty()

// diff is cmp.Diff with the suite's options.
func diff(want, got any) string { return cmp.Diff(want, got, equateEmpty) }

// isErr reports whether err is want; for a DuplicateError, err must also be
// an ErrConflict, as errors.go promises.
func isErr(err, want error) bool {
	if !errors.Is(err, want) {
		return false
	}
	var dup *store.DuplicateError
	if errors.As(want, &dup) && !errors.Is(err, store.ErrConflict) {
		return false
	}
	return true
}

// wantErr fails the test unless err is want (see isErr).
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !isErr(err, want) {
		t.Errorf("%s: err = %v, want %v", what, err, want)
	}
}

// must fails the test now if err is not nil; for setup steps.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// ok fails the test (and goes on) if err is not nil; for the call under test.
func ok(t *testing.T, what string, err error) bool {
	t.Helper()
	if err != nil {
		t.Errorf("%s: unexpected error %v", what, err)
		return false
	}
	return true
}

// race calls f(0) … f(n-1) concurrently, releasing them together, and returns
// each call's error.
func race(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = f(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// oneWinner checks that exactly one of errs is nil and that every other one is
// loser (see isErr). It returns the winner's index, or -1.
func oneWinner(t *testing.T, errs []error, loser error) int {
	t.Helper()
	winner, wins := -1, 0
	for i, err := range errs {
		switch {
		case err == nil:
			winner = i
			wins++
		case !isErr(err, loser):
			t.Errorf("call %d: err = %v, want nil or %v", i, err, loser)
		}
	}
	if wins != 1 {
		t.Errorf("%d of %d calls succeeded, want exactly 1", wins, len(errs))
		return -1
	}
	return winner
}

// distinctCounts checks that counts are 1…len(counts) in some order.
func distinctCounts(t *testing.T, counts []int) {
	t.Helper()
	got := slices.Clone(counts)
	slices.Sort(got)
	want := make([]int, len(counts))
	for i := range want {
		want[i] = i + 1
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("sorted counts (-want +got):\n%s", d)
	}
}

// Fixtures. Every call returns new values, so no test shares a mutable
// fixture with another. Ids stay within 21 characters, the length of Logto's
// ids, in case a backend sizes its columns after them.

// bareUser is a user with only an id and its timestamps: no identifiers, no
// password, every pointer nil, every other time zero.
func bareUser(id string) *store.User {
	return &store.User{ID: id, CreatedAt: at(-72 * time.Hour), UpdatedAt: at(-72 * time.Hour)}
}

// fullUser is a user with every member set (Username id, PrimaryEmail
// id+"@Example.com", no phone: tests that need one set it).
func fullUser(id string) *store.User {
	return &store.User{
		ID:           id,
		Username:     id,
		PrimaryEmail: id + "@Example.com",
		Name:         ptr("Ann Example"),
		Avatar:       ptr("https://example.com/" + id + ".png"),
		Profile: store.Profile{
			FamilyName:        ptr("Example"),
			GivenName:         ptr("Ann"),
			MiddleName:        ptr("Q."),
			Nickname:          ptr("annie"),
			PreferredUsername: ptr("ann.example"),
			Profile:           ptr("https://example.com/people/ann"),
			Website:           ptr("https://ann.example.com"),
			Gender:            ptr("female"),
			Birthdate:         ptr("1990-01-02"),
			Zoneinfo:          ptr("Europe/Paris"),
			Locale:            ptr("fr-FR"),
			Address: &store.Address{
				Formatted:     ptr("1 rue de l'Exemple\n75001 Paris"),
				StreetAddress: ptr("1 rue de l'Exemple"),
				Locality:      ptr("Paris"),
				Region:        ptr("Île-de-France"),
				PostalCode:    ptr("75001"),
				Country:       ptr("FR"),
			},
		},
		CustomData: map[string]any{
			"plan":    "pro",
			"seats":   3.0,
			"ratio":   0.25,
			"beta":    true,
			"nothing": nil,
			"unicode": "Élodie “quoted” 日本 \u00e9 \\ \"",
			"tags":    []any{"a", 1.5, false, nil, map[string]any{"deep": []any{"x", 2.0}}},
			"prefs": map[string]any{
				"theme":  "dark",
				"nested": map[string]any{"level": 2.0, "list": []any{"x", "y"}, "on": false},
			},
		},
		Identities: map[string]store.Identity{
			"github": {UserID: "gh-" + id, Details: map[string]any{
				"id":      "gh-" + id,
				"email":   id + "@users.github.example",
				"name":    "Ann",
				"rawData": map[string]any{"login": id, "public_repos": 12.0, "site_admin": false, "orgs": []any{"a", "b"}},
			}},
			"google": {UserID: "g-" + id}, // nil Details
		},
		PasswordDigest:    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
		PasswordAlgorithm: store.Argon2id,
		PasswordUpdatedAt: at(-48 * time.Hour),
		IsPasswordExpired: true,
		IsSuspended:       true,
		LogtoConfig: store.LogtoConfig{
			MFA: store.MFAConfig{
				Enabled:                            ptr(false), // false, not nil
				Skipped:                            true,
				AdditionalBindingSuggestionSkipped: true,
				SkipMfaOnSignIn:                    true,
			},
			PasskeySignIn: store.PasskeySignInConfig{Skipped: true},
		},
		ApplicationID: "app-" + id,
		CreatedAt:     at(-72 * time.Hour),
		UpdatedAt:     at(-time.Hour),
		LastSignInAt:  at(-time.Minute),
	}
}

// totpFactor, webAuthnFactor and backupCodeFactor are factors with every
// member of their type set.
func totpFactor(id, userID string) *store.MFAFactor {
	return &store.MFAFactor{
		ID: id, UserID: userID, Type: store.FactorTOTP,
		CreatedAt: at(-time.Hour),
		TOTP:      &store.TOTP{Secret: "JBSWY3DPEHPK3PXP", LastUsedStep: 57_239_057},
	}
}

func webAuthnFactor(id, userID string, credentialID []byte) *store.MFAFactor {
	return &store.MFAFactor{
		ID: id, UserID: userID, Type: store.FactorWebAuthn,
		CreatedAt:  at(-time.Hour),
		LastUsedAt: at(-time.Minute),
		WebAuthn: &store.WebAuthnCredential{
			RPID:            "example.com",
			CredentialID:    credentialID,
			PublicKey:       []byte{0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20, 0x00, 0xff},
			SignCount:       4_294_967_295, // the largest uint32: a signed 32-bit column would overflow
			Transports:      []string{"usb", "nfc", "internal"},
			AAGUID:          []byte{0xee, 0x88, 0x28, 0x79, 0x72, 0x1c, 0x49, 0x13, 0x97, 0x75, 0x3d, 0xfc, 0xce, 0x97, 0x07, 0x2a},
			AttestationType: "packed",
			Agent:           "Mozilla/5.0 (X11; Linux x86_64)",
			Name:            ptr("YubiKey 5"),
			BackupEligible:  true,
			BackupState:     true,
		},
	}
}

func backupCodeFactor(id, userID string) *store.MFAFactor {
	return &store.MFAFactor{
		ID: id, UserID: userID, Type: store.FactorBackupCode,
		CreatedAt:  at(-time.Hour),
		LastUsedAt: at(-30 * time.Minute),
		BackupCodes: []store.BackupCode{
			{Code: "a1b2c3d4e5"},
			{Code: "f6g7h8i9j0", UsedAt: at(-30 * time.Minute)},
			{Code: "k1l2m3n4o5"},
		},
	}
}

// codeRecord is an email-code record bound to userID and created by createdBy,
// expiring ten minutes after t0.
func codeRecord(id, userID, createdBy string) *store.VerificationRecord {
	return &store.VerificationRecord{
		ID: id, Type: store.RecordEmailCode,
		UserID: userID, CreatedBy: createdBy,
		CreatedAt:    at(-time.Minute),
		ExpiresAt:    at(10 * time.Minute),
		Identifier:   &store.Identifier{Type: store.IdentifierEmail, Value: "Ann@Example.com"},
		TemplateType: store.TemplateBindNewIdentifier,
	}
}

// code is an unconsumed code of recordID with the template type.
func code(id, recordID string, tt store.TemplateType) *store.VerificationCode {
	return &store.VerificationCode{
		ID: id, RecordID: recordID, TemplateType: tt,
		Destination: store.Identifier{Type: store.IdentifierEmail, Value: "Ann@Example.com"},
		Code:        "123456",
		CreatedAt:   at(-time.Minute),
	}
}

// token is a personal access token of userID whose hash derives from userID
// and name.
func token(userID, name string, createdAt time.Time) *store.PersonalAccessToken {
	return &store.PersonalAccessToken{
		UserID: userID, Name: name, Hash: hash(userID + "/" + name),
		CreatedAt: createdAt,
	}
}
