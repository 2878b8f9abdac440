package authcode

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/accountapi/accountapi/connector"
)

func TestCallback(t *testing.T) {
	session := connector.Session{KeyState: "state-1"}
	tests := []struct {
		name     string
		data     map[string]any
		session  connector.Session
		issuer   string
		wantCode string
		wantErr  error
	}{
		{"code", map[string]any{"state": "state-1", "code": "c1"}, session, "", "c1", nil},
		{"matching iss", map[string]any{"state": "state-1", "code": "c1", "iss": "https://op"}, session, "https://op", "c1", nil},
		{"iss ignored without issuer", map[string]any{"state": "state-1", "code": "c1", "iss": "https://x"}, session, "", "c1", nil},
		{"other iss", map[string]any{"state": "state-1", "code": "c1", "iss": "https://x"}, session, "https://op", "", connector.ErrInvalidResponse},
		{"nil session", map[string]any{"state": "state-1", "code": "c1"}, nil, "", "", connector.ErrInvalidResponse},
		{"session without state", map[string]any{"state": "", "code": "c1"}, connector.Session{}, "", "", connector.ErrInvalidResponse},
		{"other state", map[string]any{"state": "state-2", "code": "c1"}, session, "", "", connector.ErrInvalidResponse},
		{"state prefix", map[string]any{"state": "state-", "code": "c1"}, session, "", "", connector.ErrInvalidResponse},
		// The state is checked before the error: a forged error callback is
		// an invalid response, not the user's refusal.
		{"error with other state", map[string]any{"state": "x", "error": "access_denied"}, session, "", "", connector.ErrInvalidResponse},
		{"error", map[string]any{"state": "state-1", "error": "access_denied"}, session, "", "", connector.ErrAuthorizationFailed},
		{"no code", map[string]any{"state": "state-1"}, session, "", "", connector.ErrInvalidResponse},
		{"null code", map[string]any{"state": "state-1", "code": nil}, session, "", "", connector.ErrInvalidResponse},
		{"code not a string", map[string]any{"state": "state-1", "code": []any{"c1"}}, session, "", "", connector.ErrInvalidResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, err := Callback(tt.data, tt.session, tt.issuer)
			if code != tt.wantCode || !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Errorf("Callback = %q, %v; want %q, %v", code, err, tt.wantCode, tt.wantErr)
			}
		})
	}
}

func TestCallbackErrorCodeIsSanitised(t *testing.T) {
	_, err := Callback(map[string]any{"state": "s", "error": "bad\nline" + strings.Repeat("x", 100)}, connector.Session{KeyState: "s"}, "")
	if msg := err.Error(); strings.Contains(msg, "\n") || strings.Count(msg, "x") > 64 {
		t.Errorf("error message %q", msg)
	}
}

func TestExchangeError(t *testing.T) {
	retrieve := func(status int, code string) error {
		return &oauth2.RetrieveError{Response: &http.Response{StatusCode: status}, ErrorCode: code, Body: []byte("code=secret-code")}
	}
	tests := []struct {
		name string
		err  error
		want error // nil: a plain error
	}{
		{"invalid_grant", retrieve(400, "invalid_grant"), connector.ErrAuthCodeInvalid},
		{"invalid_request", retrieve(400, "invalid_request"), connector.ErrAuthCodeInvalid},
		{"GitHub's bad code", retrieve(200, "bad_verification_code"), connector.ErrAuthCodeInvalid},
		{"invalid_client", retrieve(401, "invalid_client"), nil},
		{"server error", retrieve(500, ""), nil},
		{"transport", &url.Error{Op: "Post", URL: "https://op/token", Err: errors.New("connection refused")}, nil},
		{"unreadable", errors.New("oauth2: cannot parse json: secret-code"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ExchangeError(tt.err)
			for _, e := range []error{connector.ErrAuthCodeInvalid, connector.ErrInvalidResponse, connector.ErrAuthorizationFailed} {
				if errors.Is(got, e) != (e == tt.want) {
					t.Errorf("ExchangeError = %v; errors.Is(%v) = %v", got, e, errors.Is(got, e))
				}
			}
			if strings.Contains(got.Error(), "secret-code") {
				t.Errorf("ExchangeError = %q reveals the response", got)
			}
		})
	}
}

func TestRandom(t *testing.T) {
	s, err := Random(bytes.NewReader(make([]byte, 32)))
	if err != nil || s != strings.Repeat("A", 43) {
		t.Errorf("Random = %q, %v", s, err)
	}
	if _, err := Random(bytes.NewReader(make([]byte, 31))); err == nil {
		t.Error("Random accepted a short read")
	}
}

func TestCheckURL(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://op.example/x":      true,
		"http://127.0.0.1:8080/x":   true,
		"http://[::1]:8080":         true,
		"http://localhost/x":        true,
		"http://op.example/x":       false,
		"https://op.example/#frag":  false,
		"op.example/x":              false,
		"":                          false,
		"ftp://op.example/resource": false,
	} {
		if err := CheckURL(raw); (err == nil) != ok {
			t.Errorf("CheckURL(%q) = %v, want ok %v", raw, err, ok)
		}
	}
}
