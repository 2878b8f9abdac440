package httpadapter

// Fuzz targets of the request decoders themselves, inside the package: the
// body decoder every route uses (decoder.decode with its required and
// nullable rules, the NUL refusal and the size cap), and the second-level
// decoders some routes run on members (the WebAuthn payload guards, the
// Management API's profile and milliseconds). FuzzHandler and
// FuzzRouteBody (package httpadapter_test, in e2e/httpadapter) fuzz them
// through the routes.

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/store"
)

// fzShape is one of the body types the routes decode, with its rules.
type fzShape struct {
	name  string
	new   func() any
	rules []bodyRule
	// required and nullable repeat the rules for the oracle.
	required, nullable []string
}

// fzShapes are body types as the routes declare them.
var fzShapes = []fzShape{
	{name: "account patch", new: func() any {
		return &struct {
			Name       account.Optional[*string]        `json:"name"`
			Avatar     account.Optional[*string]        `json:"avatar"`
			Username   account.Optional[*string]        `json:"username"`
			CustomData account.Optional[map[string]any] `json:"customData"`
		}{}
	}, rules: []bodyRule{nullable("name", "avatar", "username")}, nullable: []string{"name", "avatar", "username"}},
	{name: "password", new: func() any {
		return &struct {
			Password string `json:"password"`
		}{}
	}, rules: []bodyRule{required("password")}, required: []string{"password"}},
	{name: "verification code", new: func() any {
		return &struct {
			Identifier     store.Identifier   `json:"identifier"`
			TemplateType   store.TemplateType `json:"templateType"`
			VerificationID string             `json:"verificationId"`
		}{}
	}, rules: []bodyRule{required("identifier", "verificationId")}, required: []string{"identifier", "verificationId"}},
	{name: "profile", new: func() any {
		return &struct {
			store.Profile
			Address json.RawMessage `json:"address"`
		}{}
	}},
	{name: "new user", new: func() any {
		return &struct {
			Username          *string                  `json:"username"`
			PasswordAlgorithm *store.PasswordAlgorithm `json:"passwordAlgorithm"`
			Avatar            *string                  `json:"avatar"`
			CustomData        map[string]any           `json:"customData"`
			Profile           *store.Profile           `json:"profile"`
		}{}
	}, rules: []bodyRule{nullable("avatar")}, nullable: []string{"avatar"}},
	{name: "account center", new: func() any {
		return &struct {
			Enabled account.Optional[bool]                      `json:"enabled"`
			Fields  account.Optional[store.AccountCenterFields] `json:"fields"`
			Origins account.Optional[[]string]                  `json:"webauthnRelatedOrigins"`
			CSS     account.Optional[*string]                   `json:"customCss"`
		}{}
	}, rules: []bodyRule{nullable("customCss")}, nullable: []string{"customCss"}},
	{name: "factor", new: func() any {
		return &struct {
			Type  store.FactorType `json:"type"`
			Codes []string         `json:"codes"`
			Name  *string          `json:"name"`
			Skip  bool             `json:"skipMfaOnSignIn"`
		}{}
	}, rules: []bodyRule{required("type")}, required: []string{"type"}},
	{name: "members", new: func() any { return &map[string]json.RawMessage{} },
		rules: []bodyRule{nullable("passwordPolicy", "mfa")}, nullable: []string{"passwordPolicy", "mfa"}},
}

// fzNUL reports whether a decoded JSON value holds a NUL in a string or a
// member name.
func fzNUL(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.ContainsRune(v, 0)
	case []any:
		for _, e := range v {
			if fzNUL(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range v {
			if strings.ContainsRune(k, 0) || fzNUL(e) {
				return true
			}
		}
	}
	return false
}

// FuzzDecode decodes arbitrary bodies into the routes' body types under a
// small size cap. It must never panic, and:
//   - every refusal is a 400 guard.invalid_input, or a 413 exactly when the
//     body is over the cap, whose details are valid UTF-8;
//   - an accepted body is empty or one JSON object, has every required
//     member and no null member a nullable rule does not list, and holds no
//     NUL character anywhere.
func FuzzDecode(f *testing.F) {
	for i, b := range []string{
		``, `   `, `{}`, `{"name":"x","avatar":null,"customData":{"a":[1,{"b":null}]}}`,
		`{"password":"p"}`, `{"password":null}`, `{"PASSWORD":"p"}`, `{"password":"a","Password":"b"}`,
		`{"identifier":{"type":"email","value":"a@b.c"},"verificationId":"v"}`,
		`{"givenName":"g","address":{"formatted":null}}`, `{"Profile":{"givenName":1}}`,
		`{"username":"u","passwordAlgorithm":"Bcrypt","profile":{"address":7}}`,
		`{"enabled":null}`, `{"fields":{"name":"Edit"},"webauthnRelatedOrigins":null}`,
		`{"type":"Totp","codes":["a","b"],"skipMfaOnSignIn":1}`,
		`{"mfa":null,"passwordPolicy":{"x":null}}`,
		`{"name":"\u0000"}`, `{"name":"\\u0000"}`, `{"\u0000":1}`, `{"a":["\\\u0000"]}`,
		`{"name":"\ud800"}`, "{\"name\":\"\xff\"}", `{"a":1}{"b":2}`, `{"a":1} x`, `{"a":`, `[]`, `"x"`, `null`,
		`{"n":1e400}`, `{"n":-0}`,
		// A number out of float64's range once hid a NUL from the check.
		`{"n":1e400,"password":"\u0000"}`, `{"password":"\u0000","n":[1e999]}`, `{"n":123456789012345678901234567890}`,
		`{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{}}}}}}}}}}}`,
		`{"password":"` + strings.Repeat("x", 300) + `"}`,
	} {
		// Each body under one shape, in turn: the fuzzer tries the others.
		f.Add(uint8(i%len(fzShapes)), []byte(b))
	}
	const max = 256
	f.Fuzz(func(t *testing.T, shape uint8, body []byte) {
		sh := fzShapes[int(shape)%len(fzShapes)]
		d := decoder{max: max}
		r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		w := httptest.NewRecorder()
		dst := sh.new()
		err := d.decode(w, r, dst, sh.rules...)
		if err != nil {
			var e *apierror.Error
			if !errors.As(err, &e) {
				t.Fatalf("%s %q: %v is not an *apierror.Error", sh.name, body, err)
			}
			switch {
			case e.Status() == http.StatusRequestEntityTooLarge:
				if len(body) <= max {
					t.Fatalf("%s %q: 413 for %d bytes, under the cap", sh.name, body, len(body))
				}
			case e.Status() != http.StatusBadRequest || e.Code() != apierror.InvalidInput.Code():
				t.Fatalf("%s %q: %d %s, want 400 %s", sh.name, body, e.Status(), e.Code(), apierror.InvalidInput.Code())
			}
			if !utf8.ValidString(e.Details()) {
				t.Fatalf("%s %q: details %q are not UTF-8", sh.name, body, e.Details())
			}
			return
		}
		if len(body) > max {
			t.Fatalf("%s: %d bytes over the cap of %d were accepted", sh.name, len(body), max)
		}
		trimmed := bytes.TrimSpace(body)
		if len(trimmed) == 0 {
			return
		}
		var v any
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.UseNumber() // 1e400 is JSON, if no float64
		if trimmed[0] != '{' || dec.Decode(&v) != nil || dec.InputOffset() != int64(len(trimmed)) {
			t.Fatalf("%s %q: accepted, but it is not one JSON object", sh.name, body)
		}
		if fzNUL(v) {
			t.Fatalf("%s %q: accepted with a NUL character", sh.name, body)
		}
		members := v.(map[string]any)
		for _, name := range sh.required {
			if _, ok := members[name]; !ok {
				t.Fatalf("%s %q: accepted without the required %s", sh.name, body, name)
			}
		}
		for name, m := range members {
			if m == nil && !contains(sh.nullable, name) {
				t.Fatalf("%s %q: accepted with %s null", sh.name, body, name)
			}
		}
		if _, err := json.Marshal(dst); err != nil {
			t.Fatalf("%s %q: the decoded value does not encode again: %v", sh.name, body, err)
		}
	})
}

// fzInvalidBody checks that err is nil or a 400 guard.invalid_input.
func fzInvalidBody(t *testing.T, what string, raw []byte, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var e *apierror.Error
	if !errors.As(err, &e) || e.Status() != http.StatusBadRequest || e.Code() != apierror.InvalidInput.Code() {
		t.Fatalf("%s(%q) = %v, want nil or 400 guard.invalid_input", what, raw, err)
	}
}

// FuzzMemberDecoders runs the decoders routes apply to one member of a body
// on arbitrary JSON text: the WebAuthn registration and authentication
// payload guards, the Management API's profile and its expiresAt
// milliseconds. None may panic; the guards refuse with 400
// guard.invalid_input; a profile they accept has no null claim; a time
// parseMillis accepts lies in the range time.Time represents.
func FuzzMemberDecoders(f *testing.F) {
	for _, s := range []string{
		`{"type":"WebAuthn","id":"x","rawId":"x","response":{"clientDataJSON":"e30","attestationObject":"oA","transports":["usb"],"publicKeyAlgorithm":-7},"clientExtensionResults":{"credProps":{"rk":true}}}`,
		`{"type":"WebAuthn","id":"x","rawId":"x","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AA","userHandle":null},"clientExtensionResults":{}}`,
		`{"type":"WebAuthn","id":"x","rawId":"x","authenticatorAttachment":"platform","response":{},"clientExtensionResults":{"crepProps":{"rk":1}}}`,
		`{"type":"public-key"}`, `{"type":"WebAuthn","clientExtensionResults":null}`, `{"response":[]}`,
		`{"givenName":"g","address":{"locality":"l"}}`, `{"address":{"country":null}}`, `{"ADDRESS":{"country":null}}`, `{"nickname":null}`,
		`0`, `1.5`, `-1`, `1e300`, `-9223372036854775808`, `253402300800000`, `4e18`, `NaN`, `"1"`, `null`, `true`,
		``, `{`, `[`, `"`, `{}`, `[]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		fzInvalidBody(t, "checkRegistrationPayload", raw, checkRegistrationPayload(raw))
		fzInvalidBody(t, "checkAuthenticationPayload", raw, checkAuthenticationPayload(raw))

		p, err := parseProfile("profile", raw)
		fzInvalidBody(t, "parseProfile", raw, err)
		if err == nil {
			b, err := json.Marshal(p)
			if err != nil {
				t.Fatalf("parseProfile(%q) gave a profile that does not encode: %v", raw, err)
			}
			var back map[string]any
			if err := json.Unmarshal(b, &back); err != nil || fzHasNull(back) {
				t.Fatalf("parseProfile(%q) gave %s", raw, b)
			}
		}

		if json.Valid(raw) {
			tm, err := parseMillis(json.RawMessage(raw))
			if err == nil && !tm.IsZero() {
				if ms := tm.UnixMilli(); float64(ms) > math.MaxInt64/2 || float64(ms) < math.MinInt64/2 {
					t.Fatalf("parseMillis(%q) = %v", raw, tm)
				}
			}
		}
	})
}

func fzHasNull(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case map[string]any:
		for _, e := range v {
			if fzHasNull(e) {
				return true
			}
		}
	}
	return false
}
