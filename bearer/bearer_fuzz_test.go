package bearer_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/accountapi/accountapi/bearer"
)

// The fuzz targets of the token decoders: whatever a client puts after
// "Bearer", and whatever a provider answers, never panics, and a token is
// accepted only when it really is acceptable.

var (
	fzSecret = []byte("fuzz-secret-fuzz-secret-fuzz-secret!")
	fzNow    = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
)

func fzHS256(tb testing.TB) *bearer.HS256 {
	tb.Helper()
	a, err := bearer.NewHS256(bearer.HS256Config{Secret: fzSecret, Now: func() time.Time { return fzNow }})
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// fzSign returns header.payload.signature with an HS256 MAC under fzSecret,
// for any header and payload bytes.
func fzSign(header, payload []byte) string {
	enc := base64.RawURLEncoding.EncodeToString
	input := enc(header) + "." + enc(payload)
	mac := hmac.New(sha256.New, fzSecret)
	mac.Write([]byte(input))
	return input + "." + enc(mac.Sum(nil))
}

const fzHeader = `{"alg":"HS256","typ":"JWT"}`

// fzClaims is a claim set valid at fzNow.
func fzClaims(extra string) string {
	return `{"sub":"user-1","scope":"openid profile","iat":` + itoa(fzNow.Unix()) +
		`,"exp":` + itoa(fzNow.Add(time.Hour).Unix()) + extra + `}`
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// FuzzHS256Token authenticates arbitrary text as a token. It must never
// panic; a refusal must wrap ErrInvalidToken (HS256 does no I/O); and an
// accepted token must be a compact JWS whose header names HS256 and whose
// MAC is fzSecret's.
func FuzzHS256Token(f *testing.F) {
	a := fzHS256(f)
	for _, tok := range []string{
		fzSign([]byte(fzHeader), []byte(fzClaims(""))),
		fzSign([]byte(fzHeader), []byte(fzClaims(`,"cnf":{"jkt":"x"}`))),
		fzSign([]byte(`{"alg":"none"}`), []byte(fzClaims(""))),
		fzSign([]byte(`{"alg":"HS512"}`), []byte(fzClaims(""))),
		fzSign([]byte(`{"alg":"HS256","crit":["exp"]}`), []byte(fzClaims(""))),
		fzSign([]byte(`{"alg":"HS256","b64":false,"crit":["b64"]}`), []byte(fzClaims(""))),
		strings.TrimSuffix(fzSign([]byte(fzHeader), []byte(fzClaims(""))), "A") + "B",
		"eyJhbGciOiJIUzI1NiJ9..",
		"a.b.c.d.e",
		"....",
		"",
		"not-a-token",
		strings.Repeat("A", 17<<10),
	} {
		f.Add(tok)
	}
	f.Fuzz(func(t *testing.T, token string) {
		p, err := a.Authenticate(context.Background(), token)
		if err != nil {
			if !errors.Is(err, bearer.ErrInvalidToken) {
				t.Fatalf("Authenticate(%q) = %v, which does not wrap ErrInvalidToken", token, err)
			}
			if strings.Contains(err.Error(), token) && len(token) > 8 {
				t.Fatalf("Authenticate(%q): the error %q quotes the token", token, err)
			}
			return
		}
		parts := strings.Split(token, ".")
		if len(parts) != 3 {
			t.Fatalf("Authenticate accepted %q, which is not a compact JWS", token)
		}
		header, err := base64.RawURLEncoding.DecodeString(parts[0])
		if err != nil {
			t.Fatalf("Authenticate accepted %q, whose header is not base64url", token)
		}
		var h struct {
			Alg string `json:"alg"`
		}
		if json.Unmarshal(header, &h) != nil || h.Alg != "HS256" {
			t.Fatalf("Authenticate accepted %q, whose header %s does not name HS256", token, header)
		}
		mac := hmac.New(sha256.New, fzSecret)
		mac.Write([]byte(parts[0] + "." + parts[1]))
		sig, err := base64.RawURLEncoding.DecodeString(parts[2])
		if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
			t.Fatalf("Authenticate accepted %q, whose MAC is not the secret's", token)
		}
		for _, s := range p.Scopes {
			if s == "" || strings.Contains(s, " ") {
				t.Fatalf("Authenticate(%q) gave the scope %q", token, s)
			}
		}
	})
}

// FuzzHS256Claims signs arbitrary payloads with the secret, so that the
// claim checks see them. It must never panic; a refusal wraps
// ErrInvalidToken; an accepted payload is a JSON object with a numeric exp
// after fzNow less the default leeway, no cnf, and the principal is its sub
// and scopes.
func FuzzHS256Claims(f *testing.F) {
	a := fzHS256(f)
	for _, c := range []string{
		fzClaims(""),
		fzClaims(`,"client_id":"app","aud":["a","b"],"nbf":0`),
		fzClaims(`,"scope":"  a  b "`),
		fzClaims(`,"scope":["openid"]`),
		fzClaims(`,"sub":7`),
		fzClaims(`,"cnf":null`),
		fzClaims(`,"exp":1e400`),
		fzClaims(`,"iat":-1e300`),
		`{"exp":9223372036854775807}`,
		`{"exp":"tomorrow"}`,
		`{"exp":1.5e9}`,
		`{}`,
		`[]`,
		`null`,
		`{"sub":"x","exp":` + itoa(fzNow.Unix()) + `}`,
		"{\"sub\":\"\u0000\",\"exp\":4102444800}",
		`not json`,
	} {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		p, err := a.Authenticate(context.Background(), fzSign([]byte(fzHeader), payload))
		if err != nil {
			if !errors.Is(err, bearer.ErrInvalidToken) {
				t.Fatalf("claims %q: %v, which does not wrap ErrInvalidToken", payload, err)
			}
			return
		}
		var c map[string]json.RawMessage
		if err := json.Unmarshal(payload, &c); err != nil || c == nil {
			t.Fatalf("claims %q were accepted but are not a JSON object", payload)
		}
		var exp float64
		if err := json.Unmarshal(c["exp"], &exp); err != nil {
			t.Fatalf("claims %q were accepted without a numeric exp", payload)
		}
		if exp < float64(fzNow.Add(-bearer.DefaultLeeway).Unix()) {
			t.Fatalf("claims %q were accepted though they expired", payload)
		}
		if cnf := bytes.TrimSpace(c["cnf"]); len(cnf) > 0 && string(cnf) != "null" {
			t.Fatalf("claims %q were accepted with a cnf", payload)
		}
		var sub string
		json.Unmarshal(c["sub"], &sub)
		if p.UserID != sub {
			t.Fatalf("claims %q gave the user %q", payload, p.UserID)
		}
		var scope string
		json.Unmarshal(c["scope"], &scope)
		if want := strings.Fields(scope); strings.Join(p.Scopes, " ") != strings.Join(want, " ") && !strings.ContainsAny(scope, "\t\n\v\f\r\u0085\u00a0") {
			t.Fatalf("claims %q gave the scopes %q", payload, p.Scopes)
		}
	})
}

// fzTransport answers every request with status and body.
type fzTransport struct {
	status int
	body   []byte
}

func (tr fzTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{
		StatusCode: tr.status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(tr.body)), Request: r,
	}, nil
}

// FuzzIntrospectionResponse feeds arbitrary introspection endpoint answers
// (RFC 7662) to an Introspector. It must never panic; an accepted token must
// come from a 200 JSON object with "active": true; and a refusal of the
// token itself (ErrInvalidToken) must come from a well-formed answer.
func FuzzIntrospectionResponse(f *testing.F) {
	for _, c := range []struct {
		status uint16
		body   string
	}{
		{200, `{"active":true,"sub":"user-1","scope":"openid profile","client_id":"app","token_type":"Bearer","exp":4102444800}`},
		{200, `{"active":true,"sub":"u","iss":"https://issuer.example","aud":["api","other"]}`},
		{200, `{"active":false}`},
		{200, `{"active":true,"token_type":"refresh_token"}`},
		{200, `{"active":true,"cnf":{"x5t#S256":"abc"}}`},
		{200, `{"active":"true"}`},
		{200, `{"active":true,"exp":-1e300}`},
		{200, `{"active":true,"aud":7}`},
		{200, `{}`},
		{200, `[]`},
		{200, `not json`},
		{401, `{"error":"invalid_client"}`},
		{500, ``},
		{302, ``},
	} {
		f.Add(c.status, []byte(c.body))
	}
	f.Fuzz(func(t *testing.T, status uint16, body []byte) {
		if status < 100 || status > 999 {
			status = 200
		}
		in, err := bearer.NewIntrospector(bearer.IntrospectionConfig{
			Endpoint: "https://issuer.example/oidc/token/introspection", ClientID: "rs", ClientSecret: "secret",
			Audience: "api", CacheTTL: -1,
			HTTPClient: &http.Client{Transport: fzTransport{int(status), body}},
			Now:        func() time.Time { return fzNow },
		})
		if err != nil {
			t.Fatal(err)
		}
		p, err := in.Authenticate(context.Background(), "opaque-token")
		var r struct {
			Active *bool `json:"active"`
		}
		wellFormed := status == 200 && json.Unmarshal(body, &r) == nil && r.Active != nil
		switch {
		case err == nil:
			if !wellFormed || !*r.Active {
				t.Fatalf("HTTP %d %q accepted the token as %+v", status, body, p)
			}
		case errors.Is(err, bearer.ErrInvalidToken):
			if !wellFormed {
				t.Fatalf("HTTP %d %q refused the token (%v) though the answer is not RFC 7662 JSON", status, body, err)
			}
		default:
			if strings.Contains(err.Error(), "opaque-token") {
				t.Fatalf("the error %q quotes the token", err)
			}
		}
	})
}
