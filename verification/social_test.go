package verification_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/connector"
	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/verification"
)

// The social use cases' paths that the HTTP tests cannot reach
// deterministically: a concurrent verification of one record, a token whose
// user is gone. The routes' order and codes are e2e/httpadapter/social_test.go's.

// interleavingStore updates the record once, as a concurrent verification
// would, just before the first UpdateVerificationRecord of the use case.
type interleavingStore struct {
	store.Store
	once  sync.Once
	other *store.SocialUserInfo
}

func (s *interleavingStore) UpdateVerificationRecord(ctx context.Context, r *store.VerificationRecord) error {
	var err error
	s.once.Do(func() {
		rival, gerr := s.Store.GetVerificationRecord(ctx, r.ID, testNow)
		if gerr != nil {
			err = gerr
			return
		}
		rival.Verified, rival.Social.UserInfo = true, s.other
		err = s.Store.UpdateVerificationRecord(ctx, rival)
	})
	if err != nil {
		return err
	}
	return s.Store.UpdateVerificationRecord(ctx, r)
}

func TestFinishSocialOverwritesAConcurrentVerification(t *testing.T) {
	base := newStore(t)
	st := &interleavingStore{Store: base, other: &store.SocialUserInfo{ID: "rival"}}
	s := newService(t, st, func(c *verification.Config) { c.Connectors = connector.Set{"mock": connector.Mock{}} })
	u := newUser(t, base)
	c := account.Caller{UserID: u.ID}
	a, err := s.BeginSocial(t.Context(), c, verification.SocialRequest{ConnectorID: "mock", State: "s", RedirectURI: "https://app/cb"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.FinishSocial(t.Context(), c, a.Record.ID, map[string]any{"userId": "mine"})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := base.GetVerificationRecord(t.Context(), a.Record.ID, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Social.UserInfo.ID != "mine" || r.Social.UserInfo.ID != "mine" || !stored.Verified {
		t.Errorf("stored %+v, returned %+v: the later verification must win", stored.Social.UserInfo, r.Social.UserInfo)
	}
	if stored.Version != 3 {
		t.Errorf("version = %d, want 3 (created, rival, ours)", stored.Version)
	}
	if stored.Social.Session["state"] != "s" {
		t.Errorf("session = %v: the retry must keep it", stored.Social.Session)
	}
}

func TestBeginSocialForAUserWhoIsGone(t *testing.T) {
	st := newStore(t)
	s := newService(t, st, func(c *verification.Config) { c.Connectors = connector.Set{"mock": connector.Mock{}} })
	_, err := s.BeginSocial(t.Context(), account.Caller{UserID: "nosuchuser"},
		verification.SocialRequest{ConnectorID: "mock", State: "s", RedirectURI: "https://app/cb"})
	if !errors.Is(err, apierror.Unauthorized) {
		t.Fatalf("err = %v, want auth.unauthorized", err)
	}
}

// sessionKeeper is a connector that keeps its session map and changes it
// after AuthorizationURI returned, to check that the record holds a copy.
type sessionKeeper struct {
	connector.Mock
	session connector.Session
}

func (k *sessionKeeper) AuthorizationURI(ctx context.Context, r connector.AuthorizationRequest) (string, connector.Session, error) {
	uri, s, err := k.Mock.AuthorizationURI(ctx, r)
	k.session = s
	return uri, s, err
}

func TestBeginSocialStoresTheSession(t *testing.T) {
	st := newStore(t)
	k := &sessionKeeper{}
	s := newService(t, st, func(c *verification.Config) { c.Connectors = connector.Set{"mock": k} })
	u := newUser(t, st)
	a, err := s.BeginSocial(t.Context(), account.Caller{UserID: u.ID},
		verification.SocialRequest{ConnectorID: "mock", State: "s1", RedirectURI: "https://app/cb", Scope: "x"})
	if err != nil {
		t.Fatal(err)
	}
	k.session["state"] = "changed"
	stored, err := st.GetVerificationRecord(t.Context(), a.Record.ID, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Social.Session["state"] != "s1" || a.Record.Social.Session["state"] != "s1" {
		t.Errorf("session = %v / %v", stored.Social.Session, a.Record.Social.Session)
	}
	if stored.UserID != "" || stored.CreatedBy != u.ID || stored.Verified {
		t.Errorf("record = %+v: want unbound, created by the caller, unverified", stored)
	}
}
