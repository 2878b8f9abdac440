package connector

import (
	"context"
	"fmt"
	"net/url"

	"github.com/accountapi/accountapi/store"
)

// MockTarget is the identity target of a zero Mock.
const MockTarget = "mock-social"

// Mock is a social connector for development and tests, with no provider
// behind it. Its authorization URI is
// http://mock-social/?state=…&redirect_uri=…&scope=…, echoing the request;
// UserInfo takes the social user from the callback data: userId (required),
// and optionally email and name. Never register it in production: anyone can
// claim any social identity with it.
type Mock struct {
	// TargetName is the identity target; "" means MockTarget.
	TargetName string
}

// Type implements Connector.
func (Mock) Type() Type { return TypeSocial }

// Target implements Social.
func (m Mock) Target() string {
	if m.TargetName == "" {
		return MockTarget
	}
	return m.TargetName
}

// AuthorizationURI implements Social.
func (m Mock) AuthorizationURI(_ context.Context, r AuthorizationRequest) (string, Session, error) {
	q := url.Values{"state": {r.State}, "redirect_uri": {r.RedirectURI}, "scope": {r.Scope}}
	return "http://mock-social/?" + q.Encode(), Session{"state": r.State, "redirectUri": r.RedirectURI}, nil
}

// UserInfo implements Social.
func (m Mock) UserInfo(_ context.Context, data map[string]any, _ Session) (*store.SocialUserInfo, error) {
	id, _ := data["userId"].(string)
	if id == "" {
		return nil, fmt.Errorf("%w: connectorData.userId must be a non-empty string", ErrInvalidResponse)
	}
	info := &store.SocialUserInfo{ID: id, RawData: map[string]any{"userId": id}}
	for _, m := range []struct {
		key string
		dst *string
	}{{"email", &info.Email}, {"name", &info.Name}} {
		key, dst := m.key, m.dst
		v, present := data[key]
		if !present {
			continue
		}
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%w: connectorData.%s must be a string", ErrInvalidResponse, key)
		}
		*dst = s
		info.RawData[key] = s
	}
	return info, nil
}

var _ Social = Mock{}
