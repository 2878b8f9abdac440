package verification_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/password"
	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/store/sqlite"
	"github.com/accountapi/accountapi/verification"
)

// The use cases against a real SQLite store; failure paths wrap it in a
// fake that fails or interferes with one method (STYLE.md 18).

var testNow = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

func newStore(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func newHasher(t *testing.T) *password.Hasher {
	t.Helper()
	h, err := password.New(password.Config{Params: password.Params{Memory: 64, Time: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// notifier records the messages it is asked to send.
type notifier struct {
	mu   sync.Mutex
	msgs []notify.Message
}

func (n *notifier) Notify(_ context.Context, m notify.Message) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.msgs = append(n.msgs, m)
	return nil
}

func (n *notifier) count() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.msgs)
}

func (n *notifier) last() notify.Message {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.msgs[len(n.msgs)-1]
}

// failingNotifier fails every send.
type failingNotifier struct{ err error }

func (f failingNotifier) Notify(context.Context, notify.Message) error { return f.err }

// newSettings returns a Settings over st (every store of these tests, the
// failing wrappers included, is a store.Store) with the host's policies p.
func newSettings(t *testing.T, st verification.Store, p account.Policies) *account.Settings {
	t.Helper()
	s, err := account.NewSettings(account.SettingsConfig{
		Store: st.(store.Settings), Policies: p, CacheTTL: -1, Now: func() time.Time { return testNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newService(t *testing.T, st verification.Store, mod func(*verification.Config)) *verification.Service {
	t.Helper()
	cfg := verification.Config{
		Store: st, Hasher: newHasher(t), Settings: newSettings(t, st, account.Policies{}), Notifier: &notifier{},
		Now: func() time.Time { return testNow },
	}
	if mod != nil {
		mod(&cfg)
	}
	s, err := verification.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newUser(t *testing.T, st store.Store, mods ...func(*store.User)) *store.User {
	t.Helper()
	id, err := store.NewID(fixedReader{})
	if err != nil {
		t.Fatal(err)
	}
	u := &store.User{ID: id, Username: "ann", PrimaryEmail: "ann@example.com", CreatedAt: testNow, UpdatedAt: testNow}
	for _, m := range mods {
		m(u)
	}
	if err := st.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// fixedReader reads as endless 'u' bytes: one deterministic id per store.
type fixedReader struct{}

func (fixedReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'u'
	}
	return len(p), nil
}

var errInjected = errors.New("injected store failure")

func TestNewRefusesBadConfig(t *testing.T) {
	st := newStore(t)
	h := newHasher(t)
	settings := newSettings(t, st, account.Policies{})
	cases := []struct {
		name    string
		cfg     verification.Config
		wantErr bool
	}{
		{"defaults", verification.Config{Store: st, Hasher: h, Settings: settings}, false},
		{"no store", verification.Config{Hasher: h, Settings: settings}, true},
		{"no hasher", verification.Config{Store: st, Settings: settings}, true},
		{"no settings", verification.Config{Store: st, Hasher: h}, true},
		{"negative send limit", verification.Config{Store: st, Hasher: h, Settings: settings, SendLimit: verification.SendLimit{Max: -1}}, true},
		{"negative send window", verification.Config{Store: st, Hasher: h, Settings: settings, SendLimit: verification.SendLimit{Window: -time.Second}}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := verification.New(tc.cfg)
			if (err != nil) != tc.wantErr {
				t.Errorf("New: err = %v, want error: %v", err, tc.wantErr)
			}
		})
	}
}

// TestPoliciesRefusedByNewSettings: the code and lockout policies moved from
// verification.Config to the shared Settings' defaults
// (account.SettingsConfig.Policies), which NewSettings checks as New did.
func TestPoliciesRefusedByNewSettings(t *testing.T) {
	st := newStore(t)
	h := newHasher(t)
	cases := []struct {
		name    string
		p       account.Policies
		wantErr bool
	}{
		{"code lifetime of one minute", account.Policies{Code: account.CodePolicy{Lifetime: time.Minute}}, false},
		{"code lifetime of one hour", account.Policies{Code: account.CodePolicy{Lifetime: time.Hour}}, false},
		{"code lifetime under a minute", account.Policies{Code: account.CodePolicy{Lifetime: 59 * time.Second}}, true},
		{"code lifetime over an hour", account.Policies{Code: account.CodePolicy{Lifetime: time.Hour + time.Second}}, true},
		{"one attempt per code", account.Policies{Code: account.CodePolicy{MaxAttempts: 1}}, false},
		{"100 attempts per code", account.Policies{Code: account.CodePolicy{MaxAttempts: 100}}, false},
		{"101 attempts per code", account.Policies{Code: account.CodePolicy{MaxAttempts: 101}}, true},
		{"negative attempts per code", account.Policies{Code: account.CodePolicy{MaxAttempts: -1}}, true},
		{"negative lockout attempts", account.Policies{Lockout: account.LockoutPolicy{MaxAttempts: -1}}, true},
		{"negative lockout window", account.Policies{Lockout: account.LockoutPolicy{Window: -time.Second}}, true},
		{"negative lockout duration", account.Policies{Lockout: account.LockoutPolicy{Duration: -time.Second}}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			settings, err := account.NewSettings(account.SettingsConfig{Store: st, Policies: tc.p})
			if err == nil {
				_, err = verification.New(verification.Config{Store: st, Hasher: h, Settings: settings})
			}
			if (err != nil) != tc.wantErr {
				t.Errorf("NewSettings and New: err = %v, want error: %v", err, tc.wantErr)
			}
		})
	}
}

// failCodes is a store whose CreateVerificationCode fails, in or out of a
// transaction.
type failCodes struct {
	store.Store
}

func (failCodes) CreateVerificationCode(context.Context, *store.VerificationCode) error {
	return errInjected
}

func (f failCodes) InTx(ctx context.Context, fn func(context.Context, store.Store) error) error {
	return f.Store.InTx(ctx, func(ctx context.Context, tx store.Store) error { return fn(ctx, failCodes{tx}) })
}

// failUndo is a store whose UndoRateLimitHit fails.
type failUndo struct {
	store.Store
}

func (failUndo) UndoRateLimitHit(context.Context, string) error { return errInjected }

func TestSendCodeFailuresDoNotCount(t *testing.T) {
	cases := []struct {
		name     string
		wrap     func(store.Store) verification.Store
		notifier notify.Notifier
		want     error
	}{
		{"storing the code fails", func(st store.Store) verification.Store { return failCodes{st} }, &notifier{}, errInjected},
		{"no notifier", func(st store.Store) verification.Store { return st }, nil, apierror.ConnectorNotFound},
		{"sending fails", func(st store.Store) verification.Store { return st }, failingNotifier{errors.New("smtp down")}, apierror.ConnectorGeneral},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := newStore(t)
			u := newUser(t, st)
			c := account.Caller{UserID: u.ID}
			to := store.Identifier{Type: store.IdentifierEmail, Value: "new@example.com"}

			failing := newService(t, tc.wrap(st), func(cfg *verification.Config) {
				cfg.SendLimit.Max = 1
				cfg.Notifier = tc.notifier
			})
			for range 2 {
				if _, err := failing.SendCode(context.Background(), c, to, ""); !errors.Is(err, tc.want) {
					t.Fatalf("SendCode: err = %v, want %v", err, tc.want)
				}
			}
			if n, ok := tc.notifier.(*notifier); ok && n.count() != 0 {
				t.Fatalf("%d messages sent for codes that were not stored", n.count())
			}

			// The failures left the recipient's single send.
			sent := &notifier{}
			ok := newService(t, st, func(cfg *verification.Config) {
				cfg.SendLimit.Max = 1
				cfg.Notifier = sent
			})
			if _, err := ok.SendCode(context.Background(), c, to, ""); err != nil {
				t.Fatalf("SendCode after the failures: %v", err)
			}
			if _, err := ok.SendCode(context.Background(), c, to, ""); !errors.Is(err, apierror.MessageRateLimited) {
				t.Fatalf("second SendCode: err = %v, want %v", err, apierror.MessageRateLimited)
			}
			if n := sent.count(); n != 1 {
				t.Errorf("%d messages sent, want 1", n)
			}
		})
	}
}

func TestSendCodeReportsBothFailures(t *testing.T) {
	st := newStore(t)
	u := newUser(t, st)
	s := newService(t, failUndo{st}, func(cfg *verification.Config) { cfg.Notifier = nil })
	_, err := s.SendCode(context.Background(), account.Caller{UserID: u.ID},
		store.Identifier{Type: store.IdentifierEmail, Value: "new@example.com"}, "")
	if !errors.Is(err, apierror.ConnectorNotFound) || !errors.Is(err, errInjected) {
		t.Errorf("SendCode: err = %v, want both the send's and the undo's failure", err)
	}
}

// staleOnce is a store whose first UpdateVerificationRecord loses a race:
// another writer updates the record first (leaving it unverified), and the
// update answers ErrConflict.
type staleOnce struct {
	store.Store
	mu    sync.Mutex
	raced bool
}

func (s *staleOnce) UpdateVerificationRecord(ctx context.Context, r *store.VerificationRecord) error {
	s.mu.Lock()
	first := !s.raced
	s.raced = true
	s.mu.Unlock()
	if first {
		other := *r
		other.Verified = false
		if err := s.Store.UpdateVerificationRecord(ctx, &other); err != nil {
			return err
		}
		return store.ErrConflict
	}
	return s.Store.UpdateVerificationRecord(ctx, r)
}

func TestVerifyCodeRetriesAStaleRecord(t *testing.T) {
	st := newStore(t)
	u := newUser(t, st)
	sent := &notifier{}
	wrapped := &staleOnce{Store: st}
	s := newService(t, wrapped, func(cfg *verification.Config) { cfg.Notifier = sent })
	c := account.Caller{UserID: u.ID}
	to := store.Identifier{Type: store.IdentifierEmail, Value: "new@example.com"}
	r, err := s.SendCode(context.Background(), c, to, "")
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.VerifyCode(context.Background(), c, to, r.ID, sent.last().Code)
	if err != nil {
		t.Fatalf("VerifyCode: %v", err)
	}
	if !wrapped.raced {
		t.Fatal("the fake never raced")
	}
	stored, err := st.GetVerificationRecord(context.Background(), r.ID, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Verified || !stored.Verified {
		t.Errorf("verified: returned %v, stored %v; want both true", got.Verified, stored.Verified)
	}
	if !stored.ExpiresAt.Equal(r.ExpiresAt) {
		t.Errorf("expiresAt moved from %v to %v", r.ExpiresAt, stored.ExpiresAt)
	}
}

// failConsume is a store whose ConsumeVerificationCode fails, in or out of
// a transaction.
type failConsume struct {
	store.Store
}

func (failConsume) ConsumeVerificationCode(context.Context, string) error { return errInjected }

func (f failConsume) InTx(ctx context.Context, fn func(context.Context, store.Store) error) error {
	return f.Store.InTx(ctx, func(ctx context.Context, tx store.Store) error { return fn(ctx, failConsume{tx}) })
}

func TestVerifyCodeStoreFailureLeavesTheCodeUsable(t *testing.T) {
	st := newStore(t)
	u := newUser(t, st)
	sent := &notifier{}
	c := account.Caller{UserID: u.ID}
	to := store.Identifier{Type: store.IdentifierEmail, Value: "new@example.com"}
	// One attempt per code: a failed attempt that still counted would leave
	// nothing to verify with.
	policy := func(cfg *verification.Config) {
		cfg.Notifier = sent
		cfg.Settings = newSettings(t, cfg.Store, account.Policies{Code: account.CodePolicy{MaxAttempts: 1}})
	}
	r, err := newService(t, st, policy).SendCode(context.Background(), c, to, "")
	if err != nil {
		t.Fatal(err)
	}
	code := sent.last().Code

	_, err = newService(t, failConsume{st}, policy).VerifyCode(context.Background(), c, to, r.ID, code)
	if !errors.Is(err, errInjected) {
		t.Fatalf("VerifyCode with a failing store: err = %v, want %v", err, errInjected)
	}
	if _, err := newService(t, st, policy).VerifyCode(context.Background(), c, to, r.ID, code); err != nil {
		t.Fatalf("VerifyCode after the failure: %v", err)
	}
}

// changesPassword is a store that changes the user's password, as a
// concurrent request would, right after the use case has read the user.
type changesPassword struct {
	store.Store
	digest string
	alg    store.PasswordAlgorithm
	once   sync.Once
}

func (s *changesPassword) GetUser(ctx context.Context, id string) (*store.User, error) {
	u, err := s.Store.GetUser(ctx, id)
	if err != nil {
		return nil, err
	}
	s.once.Do(func() {
		changed := *u
		changed.PasswordDigest, changed.PasswordAlgorithm = s.digest, s.alg
		err = s.Store.UpdateUser(ctx, &changed)
	})
	return u, err
}

func TestVerifyPasswordRehashKeepsAConcurrentChange(t *testing.T) {
	st := newStore(t)
	sum := sha256.Sum256([]byte("Old-secret-1"))
	u := newUser(t, st, func(u *store.User) {
		u.PasswordDigest, u.PasswordAlgorithm = hex.EncodeToString(sum[:]), store.SHA256
	})
	h := newHasher(t)
	newDigest, newAlg, err := h.Hash(context.Background(), "New-secret-2")
	if err != nil {
		t.Fatal(err)
	}
	s := newService(t, &changesPassword{Store: st, digest: newDigest, alg: newAlg}, nil)

	// The old password was right when read: the check succeeds, but the
	// re-hash must not overwrite the password set meanwhile.
	if _, err := s.VerifyPassword(context.Background(), account.Caller{UserID: u.ID}, "Old-secret-1"); err != nil {
		t.Fatalf("VerifyPassword: %v", err)
	}
	got, err := st.GetUser(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.PasswordDigest != newDigest || got.PasswordAlgorithm != newAlg {
		t.Errorf("stored %s %q, want the concurrent change kept", got.PasswordAlgorithm, got.PasswordDigest)
	}
}

// failLockout is a store whose RecordFailure fails.
type failLockout struct {
	store.Store
}

func (failLockout) RecordFailure(context.Context, string, time.Time, time.Duration) (int, error) {
	return 0, errInjected
}

func TestFailuresTheSentinelCannotRecordAreErrors(t *testing.T) {
	// A failure the lockout sentinel could not count must not pass as an
	// ordinary wrong guess, or a broken store would lift the lockout.
	st := newStore(t)
	h := newHasher(t)
	digest, alg, err := h.Hash(context.Background(), "Secret-123")
	if err != nil {
		t.Fatal(err)
	}
	u := newUser(t, st, func(u *store.User) { u.PasswordDigest, u.PasswordAlgorithm = digest, alg })
	sent := &notifier{}
	s := newService(t, failLockout{st}, func(cfg *verification.Config) { cfg.Notifier = sent })
	c := account.Caller{UserID: u.ID}

	if _, err := s.VerifyPassword(context.Background(), c, "Wrong-123"); !errors.Is(err, errInjected) {
		t.Errorf("VerifyPassword: err = %v, want %v", err, errInjected)
	}
	to := store.Identifier{Type: store.IdentifierEmail, Value: "new@example.com"}
	r, err := s.SendCode(context.Background(), c, to, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.VerifyCode(context.Background(), c, to, r.ID, "xxxxxx"); !errors.Is(err, errInjected) {
		t.Errorf("VerifyCode: err = %v, want %v", err, errInjected)
	}
	// Every attempt is reserved before it is judged, a right one too: a
	// sentinel that cannot count fails closed rather than judge uncounted
	// guesses.
	if _, err := s.VerifyPassword(context.Background(), c, "Secret-123"); !errors.Is(err, errInjected) {
		t.Errorf("VerifyPassword with the right password: err = %v, want %v", err, errInjected)
	}
}
