package account_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/connector"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/password"
	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/store/sqlite"
)

// Tests of the Management API's user use cases (Admin) for what the HTTP
// tests (e2e/httpadapter/management_*_test.go) cannot stage: races the checks
// cannot see on SQLite, failing revokers, deterministic token values, the
// connector error mapping. Helpers start with "ma".

var maNow = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

func maStore(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "admin.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func maAdmin(t *testing.T, st account.AdminStore, mod func(*account.AdminConfig)) *account.Admin {
	t.Helper()
	h, err := password.New(password.Config{Params: password.Params{Memory: 64, Time: 1}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := account.AdminConfig{Store: st, Hasher: h, Now: func() time.Time { return maNow }}
	if mod != nil {
		mod(&cfg)
	}
	a, err := account.NewAdmin(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func maUser(t *testing.T, st store.Store, id string, mods ...func(*store.User)) *store.User {
	t.Helper()
	u := &store.User{ID: id, Username: "user_" + id, CreatedAt: maNow, UpdatedAt: maNow}
	for _, m := range mods {
		m(u)
	}
	if err := st.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

func maIs(t *testing.T, err error, want *apierror.Error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %s", err, want.Code())
	}
}

// maRevoker records calls and answers err.
type maRevoker struct {
	calls []string
	err   error
}

func (r *maRevoker) RevokeSessions(_ context.Context, userID string, reason account.RevokeReason) error {
	r.calls = append(r.calls, userID+":"+string(reason))
	return r.err
}

func TestNewAdminConfig(t *testing.T) {
	h, err := password.New(password.Config{Params: password.Params{Memory: 64, Time: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := account.NewAdmin(account.AdminConfig{Hasher: h}); err == nil {
		t.Error("NewAdmin without a store succeeded")
	}
	if _, err := account.NewAdmin(account.AdminConfig{Store: maStore(t)}); err == nil {
		t.Error("NewAdmin without a hasher succeeded")
	}
}

func TestAdminSuspensionRevokes(t *testing.T) {
	ctx := context.Background()
	st := maStore(t)
	rev := &maRevoker{}
	a := maAdmin(t, st, func(c *account.AdminConfig) { c.Revoker = rev })
	maUser(t, st, "ann")

	if _, err := a.SetSuspended(ctx, "ann", false); err != nil {
		t.Fatal(err)
	}
	if len(rev.calls) != 0 {
		t.Errorf("lifting a suspension revoked: %v", rev.calls)
	}
	rev.err = errors.New("provider down")
	_, err := a.SetSuspended(ctx, "ann", true)
	if err == nil || !errors.Is(err, rev.err) {
		t.Fatalf("error %v, want the revoker's", err)
	}
	if u, _ := st.GetUser(ctx, "ann"); !u.IsSuspended {
		t.Errorf("the suspension was rolled back")
	}
	rev.err = nil
	if _, err := a.SetSuspended(ctx, "ann", true); err != nil {
		t.Fatal(err)
	}
	if want := []string{"ann:suspended", "ann:suspended"}; fmt.Sprint(rev.calls) != fmt.Sprint(want) {
		t.Errorf("calls %v, want %v", rev.calls, want)
	}
}

func TestAdminDeleteRevokesBestEffort(t *testing.T) {
	ctx := context.Background()
	st := maStore(t)
	rev := &maRevoker{err: errors.New("provider down")}
	var logs bytes.Buffer
	events := &eventLog{}
	a := maAdmin(t, st, func(c *account.AdminConfig) {
		c.Revoker, c.Events = rev, events
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	maUser(t, st, "ann")
	if err := a.DeleteUser(ctx, "admin", "ann"); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rev.calls) != "[ann:deleted]" {
		t.Errorf("calls %v", rev.calls)
	}
	if !strings.Contains(logs.String(), "ann") || !strings.Contains(logs.String(), "provider down") {
		t.Errorf("log %q does not report the failure", logs.String())
	}
	if len(events.list) != 1 || events.list[0].Name != event.UserDeleted {
		t.Errorf("events %+v", events.list)
	}
	maIs(t, a.DeleteUser(ctx, "admin", "ann"), apierror.EntityNotFound)
	maIs(t, a.DeleteUser(ctx, "ann", "ann"), apierror.CannotDeleteSelf)
	// A token without a user (client credentials) may delete anyone.
	maUser(t, st, "bob")
	if err := a.DeleteUser(ctx, "", "bob"); err != nil {
		t.Errorf("deleting with an anonymous principal: %v", err)
	}
}

func TestServiceCheckActive(t *testing.T) {
	ctx := context.Background()
	st := maStore(t)
	s := newIdentityService(t, st, nil)
	maUser(t, st, "ann")
	maUser(t, st, "bob", func(u *store.User) { u.IsSuspended = true })
	if err := s.CheckActive(ctx, "ann"); err != nil {
		t.Errorf("active user: %v", err)
	}
	maIs(t, s.CheckActive(ctx, "bob"), apierror.UserSuspended)
	if err := s.CheckActive(ctx, "ghost"); err != nil {
		t.Errorf("unknown user: %v (the route decides)", err)
	}
}

// maZeros is a reader of zero bytes: token values become predictable.
type maZeros struct{}

func (maZeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// maCollidingStore answers the first token insert as if the hash existed.
type maCollidingStore struct {
	store.Store
	collisions int
}

func (s *maCollidingStore) CreatePersonalAccessToken(ctx context.Context, t *store.PersonalAccessToken) error {
	if s.collisions > 0 {
		s.collisions--
		return store.ErrConflict
	}
	return s.Store.CreatePersonalAccessToken(ctx, t)
}

func TestAdminTokenValue(t *testing.T) {
	ctx := context.Background()
	st := maStore(t)
	maUser(t, st, "ann")
	wrapped := &maCollidingStore{Store: st, collisions: 1}
	a := maAdmin(t, wrapped, func(c *account.AdminConfig) { c.Rand = maZeros{} })

	tok, err := a.CreatePersonalAccessToken(ctx, "ann", "ci", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "pat_" + strings.Repeat("0", 32); tok.Value != want {
		t.Errorf("value %q, want %q", tok.Value, want)
	}
	sum := sha256.Sum256([]byte(tok.Value))
	if !bytes.Equal(account.HashPersonalAccessToken(tok.Value), sum[:]) {
		t.Errorf("HashPersonalAccessToken is not SHA-256")
	}
	stored, err := st.FindPersonalAccessToken(ctx, sum[:])
	if err != nil || stored.Name != "ci" || !stored.ExpiresAt.IsZero() {
		t.Errorf("stored %+v (%v)", stored, err)
	}
	list, err := a.PersonalAccessTokens(ctx, "ann")
	if err != nil || len(list) != 1 || list[0].Value != "" {
		t.Errorf("list %+v (%v): values must not come back", list, err)
	}
	_, err = a.CreatePersonalAccessToken(ctx, "ann", "ci2", maNow.Add(-time.Millisecond))
	maIs(t, err, apierror.RequestInvalidInput)
}

// maBlindStore hides other users' identifiers and identities from the
// checks, as a concurrent request committing between the checks and the
// write would: the unique indexes must decide.
type maBlindStore struct{ store.Store }

func (maBlindStore) FindUserByEmail(context.Context, string) (*store.User, error) {
	return nil, store.ErrNotFound
}

func (maBlindStore) FindUserByIdentity(context.Context, string, string) (*store.User, error) {
	return nil, store.ErrNotFound
}

func (s maBlindStore) InTx(ctx context.Context, fn func(context.Context, store.Store) error) error {
	return s.Store.InTx(ctx, func(ctx context.Context, tx store.Store) error { return fn(ctx, maBlindStore{tx}) })
}

func TestAdminLosesARace(t *testing.T) {
	ctx := context.Background()
	st := maStore(t)
	maUser(t, st, "ann")
	maUser(t, st, "bob", func(u *store.User) {
		u.PrimaryEmail = "bob@example.com"
		u.Identities = map[string]store.Identity{"github": {UserID: "gh-1"}}
	})
	a := maAdmin(t, maBlindStore{st}, func(c *account.AdminConfig) {
		c.Connectors = connector.Set{"mock-github": connector.Mock{TargetName: "github"}}
	})
	email := "BOB@example.com"
	_, err := a.UpdateUser(ctx, "ann", account.UserPatch{PrimaryEmail: account.Some(&email)})
	maIs(t, err, apierror.EmailAlreadyInUse)
	_, _, err = a.PutIdentity(ctx, "ann", "github", store.Identity{UserID: "gh-1"})
	maIs(t, err, apierror.IdentityAlreadyInUse)
	_, err = a.LinkSocialIdentity(ctx, "ann", "mock-github", map[string]any{"userId": "gh-1"})
	maIs(t, err, apierror.IdentityAlreadyInUse)
	if u, _ := st.GetUser(ctx, "ann"); u.PrimaryEmail != "" || len(u.Identities) != 0 {
		t.Errorf("ann changed: %+v", u)
	}
}

func TestConnectorError(t *testing.T) {
	cases := []struct {
		err  error
		want *apierror.Error
	}{
		{fmt.Errorf("x: %w", connector.ErrInvalidResponse), apierror.ConnectorInvalidResponse},
		{fmt.Errorf("x: %w", connector.ErrAuthorizationFailed), apierror.ConnectorAuthorizationFailed},
		{fmt.Errorf("x: %w", connector.ErrAuthCodeInvalid), apierror.ConnectorAuthCodeInvalid},
		{errors.New("dial tcp: refused"), apierror.ConnectorGeneral},
	}
	for _, tc := range cases {
		got := account.ConnectorError(tc.err)
		if !errors.Is(got, tc.want) || !errors.Is(got, tc.err) {
			t.Errorf("ConnectorError(%v) = %v, want %s wrapping it", tc.err, got, tc.want.Code())
		}
	}
	if got := account.ConnectorError(context.Canceled); got != context.Canceled {
		t.Errorf("a cancelled context became %v", got)
	}
}

// ExampleSessionRevokerFunc wires a host's revocation into the Management
// API: suspending or deleting a user then ends what the host issued.
func ExampleSessionRevokerFunc() {
	revoker := account.SessionRevokerFunc(func(ctx context.Context, userID string, reason account.RevokeReason) error {
		switch reason {
		case account.RevokeSuspended, account.RevokeDeleted:
			fmt.Printf("revoking every session and refresh token of %s (%s)\n", userID, reason)
		default:
			// A reason this host does not know yet: revoke everything.
			fmt.Printf("revoking everything of %s (%s)\n", userID, reason)
		}
		return nil
	})
	_ = account.AdminConfig{Revoker: revoker} // with Store and Hasher
	revoker.RevokeSessions(context.Background(), "u1", account.RevokeSuspended)
	// Output: revoking every session and refresh token of u1 (suspended)
}
