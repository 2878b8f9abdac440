package httpadapter_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/accountapi/accountapi"
	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/connector"
	"github.com/accountapi/accountapi/store"
)

// Helpers of the Management API tests for the routes of issue 6 (user
// updates, deletion, suspension, passwords, identities, personal access
// tokens, MFA). They start with "ma".

// maConnectors are the connectors the management handler of maNewEnv knows:
// the mock social connector under target "github", an email connector, and
// a social connector whose provider fails.
func maConnectors() connector.Set {
	return connector.Set{
		"mock-github": connector.Mock{TargetName: "github"},
		"mock-email":  connector.Passive(connector.TypeEmail),
		"broken":      maBrokenConnector{},
	}
}

// maBrokenConnector is a social connector whose provider cannot be reached.
type maBrokenConnector struct{}

var errProviderDown = errors.New("provider down")

func (maBrokenConnector) Type() connector.Type { return connector.TypeSocial }
func (maBrokenConnector) Target() string       { return "broken" }
func (maBrokenConnector) AuthorizationURI(context.Context, connector.AuthorizationRequest) (string, connector.Session, error) {
	return "", nil, errProviderDown
}
func (maBrokenConnector) UserInfo(context.Context, map[string]any, connector.Session) (*store.SocialUserInfo, error) {
	return nil, errProviderDown
}

// maRevocation is one call of the revoker.
type maRevocation struct {
	UserID string
	Reason account.RevokeReason
}

// maRevoker records revocations and fails while fail is set.
type maRevoker struct {
	mu    sync.Mutex
	calls []maRevocation
	fail  error
}

func (r *maRevoker) RevokeSessions(_ context.Context, userID string, reason account.RevokeReason) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, maRevocation{userID, reason})
	return r.fail
}

func (r *maRevoker) setFail(err error) {
	r.mu.Lock()
	r.fail = err
	r.mu.Unlock()
}

func (r *maRevoker) list() []maRevocation {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]maRevocation(nil), r.calls...)
}

// maEnv is an env whose services have the connectors of maConnectors and a
// recording revoker.
type maEnv struct {
	*env
	revoker *maRevoker
}

// maNewEnv builds an env (opts as for newEnv) whose Management API has the
// connectors of maConnectors and a recording revoker.
func maNewEnv(t testing.TB, opts ...envOption) *maEnv {
	t.Helper()
	rev := &maRevoker{}
	opts = append(opts, withConfig(func(c *accountapi.Config) {
		c.Connectors, c.Revoker = maConnectors(), rev
	}))
	return &maEnv{env: newEnv(t, opts...), revoker: rev}
}

// admin sends a management request with the admin token.
func (e *maEnv) admin(method, path string, body any) response {
	e.t.Helper()
	return e.do(req{method: method, path: path, token: e.adminToken(), body: body})
}

// maUnchanged fails the test if the user's stored row differs from before.
func maUnchanged(t testing.TB, e *maEnv, before *store.User) {
	t.Helper()
	after, err := e.store.GetUser(context.Background(), before.ID)
	if err != nil {
		t.Fatalf("reloading %s: %v", before.ID, err)
	}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("stored user changed by a refusal (-before +after):\n%s", diff)
	}
}

// maUserBody is the management body of u as stored now.
func maUserBody(t testing.TB, e *maEnv, id string) map[string]any {
	t.Helper()
	r := e.admin("GET", "/api/users/"+id, nil)
	expect(t, r, 200, "")
	return r.json(t)
}

// maPath replaces {id} in p.
func maPath(p, id string) string { return strings.ReplaceAll(p, "{id}", id) }

// maStr returns a pointer to s.
func maStr(s string) *string { return &s }
