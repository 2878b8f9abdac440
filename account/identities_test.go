package account_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/connector"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/password"
	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/store/sqlite"
)

// The identity use cases' answers to races the HTTP tests cannot stage on
// SQLite, whose transactions run one at a time: a write that loses to a
// concurrent one after the checks passed. A wrapper hides from the checks
// what the concurrent request wrote, so the store's unique indexes decide,
// as they would on PostgreSQL. Everything else is in
// e2e/httpadapter/social_test.go.

var idNow = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

// blindStore is a store whose checks do not see the identities: what a
// request sees when a concurrent one commits between its checks and its
// write.
type blindStore struct{ store.Store }

func (s blindStore) FindUserByIdentity(context.Context, string, string) (*store.User, error) {
	return nil, store.ErrNotFound
}

func (s blindStore) LockUser(ctx context.Context, id string) (*store.User, error) {
	u, err := s.Store.LockUser(ctx, id)
	if u != nil {
		u.Identities = nil
	}
	return u, err
}

func (s blindStore) InTx(ctx context.Context, fn func(context.Context, store.Store) error) error {
	return s.Store.InTx(ctx, func(ctx context.Context, tx store.Store) error { return fn(ctx, blindStore{tx}) })
}

type eventLog struct{ list []event.Event }

func (l *eventLog) Emit(_ context.Context, e event.Event) { l.list = append(l.list, e) }

func newIdentityService(t *testing.T, st store.Store, events event.Sink) *account.Service {
	t.Helper()
	settings, err := account.NewSettings(account.SettingsConfig{Store: st, CacheTTL: -1,
		Defaults: store.AccountCenter{Enabled: true, Fields: store.AccountCenterFields{Social: store.ControlEdit}}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := password.New(password.Config{Params: password.Params{Memory: 64, Time: 1}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := account.New(account.Config{
		Store: st, Settings: settings, Hasher: h, Events: events, Now: func() time.Time { return idNow },
		Connectors: connector.Set{"mock-github": connector.Mock{TargetName: "github"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// identityFixture stores a caller (username only, so no proof is needed),
// another user who may have github identity gh-1, and a record of the caller
// proving gh-1 (or social).
func identityFixture(t *testing.T, otherHas, callerHas, social string) (st store.Store, caller, other *store.User, recordID string) {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	st = db
	mk := func(id, has string) *store.User {
		u := &store.User{ID: id, Username: id, CreatedAt: idNow, UpdatedAt: idNow}
		if has != "" {
			u.Identities = map[string]store.Identity{"github": {UserID: has}}
		}
		if err := st.CreateUser(t.Context(), u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	caller, other = mk("caller", callerHas), mk("other", otherHas)
	r := &store.VerificationRecord{
		ID: "socialrecord000000001", Type: store.RecordSocial, CreatedBy: caller.ID,
		CreatedAt: idNow, ExpiresAt: idNow.Add(10 * time.Minute), Verified: true,
		Social: &store.SocialVerification{ConnectorID: "mock-github", UserInfo: &store.SocialUserInfo{ID: social}},
	}
	if err := st.CreateVerificationRecord(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	return st, caller, other, r.ID
}

func TestBindIdentityLosesARace(t *testing.T) {
	tests := []struct {
		name                string
		otherHas, callerHas string
		bind                func(*account.Service) func(context.Context, account.Caller, string) error
		status              int
	}{
		{"link: another user got the identity", "gh-1", "",
			func(s *account.Service) func(context.Context, account.Caller, string) error { return s.LinkIdentity }, 422},
		{"replace: another user got the identity", "gh-1", "",
			func(s *account.Service) func(context.Context, account.Caller, string) error { return s.ReplaceIdentity }, 422},
		{"link: the caller got the target", "", "gh-0",
			func(s *account.Service) func(context.Context, account.Caller, string) error { return s.LinkIdentity }, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, caller, other, recordID := identityFixture(t, tt.otherHas, tt.callerHas, "gh-1")
			var events eventLog
			s := newIdentityService(t, blindStore{st}, &events)
			before, err := st.GetUser(t.Context(), caller.ID)
			if err != nil {
				t.Fatal(err)
			}
			err = tt.bind(s)(t.Context(), account.Caller{UserID: caller.ID, Scopes: []string{"identities"}}, recordID)
			var apiErr *apierror.Error
			if !errors.As(err, &apiErr) || !errors.Is(err, apierror.IdentityAlreadyInUse) || apiErr.Status() != tt.status {
				t.Fatalf("err = %v, want user.identity_already_in_use %d", err, tt.status)
			}
			after, err := st.GetUser(t.Context(), caller.ID)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(before, after); d != "" {
				t.Errorf("the caller changed (-before +after):\n%s", d)
			}
			if o, _ := st.GetUser(t.Context(), other.ID); tt.otherHas != "" && o.Identities["github"].UserID != tt.otherHas {
				t.Errorf("the other user's identities = %v", o.Identities)
			}
			if len(events.list) != 0 {
				t.Errorf("events = %v, want none", events.list)
			}
		})
	}
}

func TestUnlinkIdentityLosesARace(t *testing.T) {
	st, caller, _, _ := identityFixture(t, "", "gh-0", "gh-1")
	// The caller's identity is gone by the time the write runs: the check
	// saw it, the store does not.
	seen := sawIdentityStore{Store: st}
	s := newIdentityService(t, seen, nil)
	err := s.UnlinkIdentity(t.Context(), account.Caller{UserID: caller.ID, Scopes: []string{"identities"}}, "github")
	if !errors.Is(err, apierror.IdentityNotExist) {
		t.Fatalf("err = %v, want user.identity_not_exist", err)
	}
}

// sawIdentityStore removes the caller's identity just before the store is
// asked to, as a concurrent DELETE would.
type sawIdentityStore struct{ store.Store }

func (s sawIdentityStore) RemoveIdentity(ctx context.Context, userID, target string) error {
	if err := s.Store.RemoveIdentity(ctx, userID, target); err != nil {
		return err
	}
	return s.Store.RemoveIdentity(ctx, userID, target)
}

func (s sawIdentityStore) InTx(ctx context.Context, fn func(context.Context, store.Store) error) error {
	return s.Store.InTx(ctx, func(ctx context.Context, tx store.Store) error { return fn(ctx, sawIdentityStore{tx}) })
}

func TestSocialConnector(t *testing.T) {
	set := connector.Set{"s": connector.Mock{}, "e": connector.Passive(connector.TypeEmail)}
	if c, err := account.SocialConnector(set, "s"); err != nil || c.Target() != connector.MockTarget {
		t.Errorf("SocialConnector(s) = %v, %v", c, err)
	}
	for id, want := range map[string]*apierror.Error{"e": apierror.ConnectorUnexpectedType, "x": apierror.InvalidConnectorID} {
		_, err := account.SocialConnector(set, id)
		if !errors.Is(err, want) || apierror.From(err).Status() != want.Status() {
			t.Errorf("SocialConnector(%s) = %v, want %v", id, err, want)
		}
	}
	if _, err := account.SocialConnector(nil, "s"); !errors.Is(err, apierror.InvalidConnectorID) {
		t.Errorf("SocialConnector on no connectors = %v", err)
	}
}
