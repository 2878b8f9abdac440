package connector

import (
	"context"
	"errors"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/accountapi/accountapi/store"
)

func TestSetSocial(t *testing.T) {
	set := Set{"mock-social": Mock{}, "mock-email": Passive(TypeEmail)}
	if c, err := set.Social("mock-social"); err != nil || c.Target() != MockTarget {
		t.Errorf("Social(mock-social) = %v, %v", c, err)
	}
	if _, err := set.Social("mock-email"); !errors.Is(err, ErrNotSocial) {
		t.Errorf("Social(mock-email) err = %v, want ErrNotSocial", err)
	}
	if _, err := set.Social("nope"); !errors.Is(err, ErrUnknown) {
		t.Errorf("Social(nope) err = %v, want ErrUnknown", err)
	}
}

func TestMockAuthorizationURI(t *testing.T) {
	uri, session, err := Mock{}.AuthorizationURI(context.Background(), AuthorizationRequest{
		State: "s&1", RedirectURI: "https://app.test/cb?x=1", Scope: "profile", RecordID: "r",
	})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "http" || u.Host != "mock-social" {
		t.Fatalf("uri = %q", uri)
	}
	want := url.Values{"state": {"s&1"}, "redirect_uri": {"https://app.test/cb?x=1"}, "scope": {"profile"}}
	if d := cmp.Diff(want, u.Query()); d != "" {
		t.Errorf("query (-want +got):\n%s", d)
	}
	if session["state"] != "s&1" {
		t.Errorf("session = %v", session)
	}
}

func TestMockUserInfo(t *testing.T) {
	tests := []struct {
		name    string
		data    map[string]any
		want    *store.SocialUserInfo
		wantErr error
	}{
		{"id only", map[string]any{"userId": "u1"}, &store.SocialUserInfo{ID: "u1", RawData: map[string]any{"userId": "u1"}}, nil},
		{"email and name", map[string]any{"userId": "u1", "email": "a@x.com", "name": "Ann"},
			&store.SocialUserInfo{ID: "u1", Email: "a@x.com", Name: "Ann", RawData: map[string]any{"userId": "u1", "email": "a@x.com", "name": "Ann"}}, nil},
		{"no id", map[string]any{"email": "a@x.com"}, nil, ErrInvalidResponse},
		{"empty id", map[string]any{"userId": ""}, nil, ErrInvalidResponse},
		{"id not a string", map[string]any{"userId": 7.0}, nil, ErrInvalidResponse},
		{"email not a string", map[string]any{"userId": "u1", "email": true}, nil, ErrInvalidResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Mock{}.UserInfo(context.Background(), tt.data, nil)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("user info (-want +got):\n%s", d)
			}
		})
	}
}
