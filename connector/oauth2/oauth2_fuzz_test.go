package oauth2_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/accountapi/accountapi/connector"
	"github.com/accountapi/accountapi/connector/oauth2"
)

const fzClientSecret = "cl1ent-s3cret-value"

// fzProvider answers the token endpoint with token and the userinfo
// endpoint with user, whatever is asked.
type fzProvider struct{ token, user []byte }

func (p fzProvider) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	body := p.user
	if strings.HasSuffix(r.URL.Path, "/token") {
		body = p.token
	}
	return &http.Response{
		StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(body)), Request: r,
	}, nil
}

// FuzzUserInfo runs the OAuth 2.0 connector's callback check, code exchange
// and userinfo mapping over arbitrary callback data, token endpoint answers,
// userinfo answers and id claim paths, with no network: the provider is a
// RoundTripper. It must never panic; no error shows the client secret; and
// an accepted callback gives a user with a non-empty id and the userinfo
// answer as raw data.
func FuzzUserInfo(f *testing.F) {
	const good = `{"state":"s1","code":"c1"}`
	const tok = `{"access_token":"at","token_type":"bearer","expires_in":3600}`
	for _, s := range []struct{ data, token, user, idPath string }{
		{good, tok, `{"id":583231,"login":"octocat","email":null,"name":"The Octocat"}`, ""},
		{good, tok, `{"data":{"user":{"id":"u-1","email":"a@example.com"}}}`, "data.user.id"},
		{good, tok, `{"id":""}`, ""},
		{good, tok, `{"id":1e400}`, ""},
		{good, tok, `[]`, ""},
		{good, tok, `null`, ""},
		{good, `{"error":"invalid_grant"}`, `{}`, ""},
		{good, `{"access_token":""}`, `{}`, ""},
		{good, `{"access_token":"at","expires_in":1e300}`, `{"id":"x"}`, ""},
		{good, `not json`, `{}`, ""},
		{`{"state":"s1","error":"access_denied"}`, tok, `{}`, ""},
		{`{"state":"wrong","code":"c1"}`, tok, `{}`, ""},
		{good, tok, `{"a":{"b":{"c":"deep"}}}`, "a..b.c"},
	} {
		f.Add([]byte(s.data), []byte(s.token), []byte(s.user), s.idPath)
	}
	f.Fuzz(func(t *testing.T, rawData, token, user []byte, idPath string) {
		dec := json.NewDecoder(bytes.NewReader(rawData))
		dec.UseNumber()
		var data map[string]any
		if dec.Decode(&data) != nil {
			return
		}
		c, err := oauth2.New(oauth2.Config{
			AuthURL: "https://idp.example/authorize", TokenURL: "https://idp.example/token",
			UserInfoURL: "https://idp.example/userinfo", ClientID: "client", ClientSecret: fzClientSecret,
			Target: "idp", Claims: oauth2.Claims{ID: idPath},
			HTTPClient: &http.Client{Transport: fzProvider{token, user}},
		})
		if err != nil {
			t.Fatal(err)
		}
		session := connector.Session{"state": "s1", "redirectUri": "https://app.example/cb"}
		info, err := c.UserInfo(context.Background(), data, session)
		if err != nil {
			if strings.Contains(err.Error(), fzClientSecret) {
				t.Fatalf("the error %q shows the client secret", err)
			}
			return
		}
		if info.ID == "" || info.RawData == nil {
			t.Fatalf("UserInfo gave %+v", info)
		}
	})
}
