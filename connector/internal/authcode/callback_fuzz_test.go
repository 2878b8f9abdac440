package authcode

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/accountapi/accountapi/connector"
)

// FuzzCallback checks arbitrary callback data (the client's connectorData)
// against a session with the fuzzed state, as the OAuth 2.0 and OpenID
// Connect connectors do before they call the provider. It must never panic.
// A refusal wraps ErrInvalidResponse or ErrAuthorizationFailed and writes no
// control character into the message (a provider's error parameter is
// quoted in it); an accepted callback echoes the session's non-empty state
// exactly, carries no error parameter, names the issuer or none when one is
// expected, and gives its non-empty code.
func FuzzCallback(f *testing.F) {
	for _, s := range []struct{ data, state, issuer string }{
		{`{"state":"s1","code":"c1"}`, "s1", ""},
		{`{"state":"s1","code":"c1","iss":"https://idp.example"}`, "s1", "https://idp.example"},
		{`{"state":"s1","code":"c1","iss":"https://evil.example"}`, "s1", "https://idp.example"},
		{`{"state":"s1","error":"access_denied","error_description":"no"}`, "s1", ""},
		{`{"state":"s1","error":"\u0007\n` + strings.Repeat("x", 80) + `"}`, "s1", ""},
		{`{"state":"s2","code":"c1"}`, "s1", ""},
		{`{"state":["s1"],"code":"c1"}`, "s1", ""},
		{`{"state":"s1","code":7}`, "s1", ""},
		{`{"state":"","code":"c"}`, "", ""},
		{`{"code":"c"}`, "s1", ""},
		{`{"state":"s1","code":null,"error":null}`, "s1", ""},
	} {
		f.Add([]byte(s.data), s.state, s.issuer)
	}
	f.Fuzz(func(t *testing.T, raw []byte, state, issuer string) {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var data map[string]any
		if dec.Decode(&data) != nil {
			return
		}
		code, err := Callback(data, connector.Session{KeyState: state}, issuer)
		if err != nil {
			if !errors.Is(err, connector.ErrInvalidResponse) && !errors.Is(err, connector.ErrAuthorizationFailed) {
				t.Fatalf("Callback(%s, %q, %q) = %v", raw, state, issuer, err)
			}
			if e, _ := data["error"].(string); e != "" && errors.Is(err, connector.ErrAuthorizationFailed) {
				for _, r := range err.Error() {
					if r < 0x20 || r == 0x7f {
						t.Fatalf("Callback(%s): the message %q has a control character", raw, err)
					}
				}
			}
			return
		}
		if s, _ := data["state"].(string); state == "" || s != state {
			t.Fatalf("Callback(%s, %q) accepted another state", raw, state)
		}
		if e, _ := data["error"].(string); e != "" {
			t.Fatalf("Callback(%s) accepted an error callback", raw)
		}
		if iss, _ := data["iss"].(string); issuer != "" && iss != "" && iss != issuer {
			t.Fatalf("Callback(%s, issuer %q) accepted the issuer %q", raw, issuer, iss)
		}
		if c, _ := data["code"].(string); code == "" || code != c {
			t.Fatalf("Callback(%s) = code %q", raw, code)
		}
	})
}
