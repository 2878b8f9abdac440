package httpadapter_test

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/bearer"
	"github.com/accountapi/accountapi/httpadapter"
	"github.com/accountapi/accountapi/store"
)

// Tests of localized error messages (issue 7, item 2): the message follows
// Accept-Language among English, French, German, Brazilian Portuguese and
// Traditional Chinese; the code, the status and the rest of the body do not.
// Helpers start with "i18n".

// i18nLanguages are Accept-Language values and the language each gets.
var i18nLanguages = []struct{ accept, lang string }{
	{"", "en"},
	{"fr", "fr"},
	{"de-CH", "de"},
	{"zh-HK", "zh-TW"},
	{"zh-CN", "en"},
	{"pt", "pt-BR"},
	{"ja, fr;q=0.5", "fr"},
	{"zh-Hant", "zh-TW"},
}

func TestErrorMessageFollowsAcceptLanguage(t *testing.T) {
	// session.invalid_connector_id names the connector, so the test also
	// shows the params filled into each translation.
	want := map[string]string{
		"en":    "Unable to find available connector with id nope.",
		"fr":    "Impossible de trouver un connecteur disponible avec l’id nope.",
		"de":    "Kein verfügbarer Connector mit der ID nope gefunden.",
		"pt-BR": "Não foi possível encontrar um conector disponível com o id nope.",
		"zh-TW": "找不到 ID 為 nope 的可用連接器。",
	}
	e := newEnv(t)
	u := e.newUser()
	for _, l := range i18nLanguages {
		t.Run(i18nName(l.accept), func(t *testing.T) {
			r := e.do(req{method: "POST", path: "/api/verifications/social", token: e.tokenFor(u.ID),
				header: i18nHeader(l.accept),
				body:   map[string]string{"connectorId": "nope", "state": "s", "redirectUri": "https://app.example/cb"}})
			expect(t, r, 422, "session.invalid_connector_id")
			body := r.json(t)
			if body["message"] != want[l.lang] {
				t.Errorf("message = %q, want %q", body["message"], want[l.lang])
			}
			if len(body) != 2 {
				t.Errorf("body has members %v, want code and message only", slices.Sorted(maps.Keys(body)))
			}
			if got := r.header.Get("Content-Language"); got != l.lang {
				t.Errorf("Content-Language = %q, want %q", got, l.lang)
			}
			if !slices.Contains(r.header.Values("Vary"), "Accept-Language") {
				t.Errorf("Vary = %q, want it to name Accept-Language", r.header.Values("Vary"))
			}
		})
	}
}

// Every kind of error (authentication, routing, body decoding, a failing
// notifier) keeps its status and code in every language; only the message
// changes, and the details of a decoding error stay as they are.
func TestErrorLocalizationKeepsCodesAndStatuses(t *testing.T) {
	scenarios := []struct {
		name   string
		status int
		code   string
		want   *apierror.Error // the error whose message the body holds
		req    func(e *env, u *store.User) req
	}{
		{
			name: "no token", status: 401, code: "auth.authorization_header_missing", want: apierror.AuthorizationHeaderMissing,
			req: func(e *env, u *store.User) req { return req{method: "GET", path: "/api/my-account"} },
		},
		{
			name: "no route", status: 404, code: "request.not_found", want: apierror.NotFound,
			req: func(e *env, u *store.User) req {
				return req{method: "GET", path: "/api/my-account/nope", token: e.tokenFor(u.ID)}
			},
		},
		{
			name: "malformed body", status: 400, code: "guard.invalid_input", want: apierror.InvalidInput.WithParam("type", "body"),
			req: func(e *env, u *store.User) req {
				return req{method: "POST", path: "/api/verifications/password", token: e.tokenFor(u.ID), body: `{"password":`}
			},
		},
		{
			name: "wrong password", status: 422, code: "session.invalid_credentials", want: apierror.InvalidCredentials,
			req: func(e *env, u *store.User) req {
				return req{method: "POST", path: "/api/verifications/password", token: e.tokenFor(u.ID),
					body: map[string]string{"password": "not-the-password"}}
			},
		},
		{
			name: "notifier failure", status: 500, code: "connector.general", want: apierror.ConnectorGeneral,
			req: func(e *env, u *store.User) req {
				e.outbox.fail = errors.New("smtp: auth failed for relay.internal secret-detail")
				return req{method: "POST", path: "/api/verifications/verification-code", token: e.tokenFor(u.ID),
					body: map[string]any{"identifier": map[string]string{"type": "email", "value": "new@example.com"}}}
			},
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			var english map[string]any
			for _, l := range i18nLanguages {
				e := newEnv(t)
				u := e.newUser(e.withPassword("Secret-123"))
				rq := sc.req(e, u)
				rq.header = i18nHeader(l.accept)
				r := e.do(rq)
				expect(t, r, sc.status, sc.code)
				body := r.json(t)
				wantMsg, lang := apierror.DefaultLocalizer().Message(sc.want, l.accept)
				if lang != l.lang {
					t.Fatalf("%q: the localizer picks %s, the test expects %s", l.accept, lang, l.lang)
				}
				if body["message"] != wantMsg {
					t.Errorf("%q: message = %q, want %q", l.accept, body["message"], wantMsg)
				}
				if l.lang != "en" && body["message"] == english["message"] {
					t.Errorf("%q: message is the English one: %q", l.accept, body["message"])
				}
				if strings.Contains(string(r.body), "secret-detail") {
					t.Errorf("%q: the body leaks the cause: %s", l.accept, r.body)
				}
				if l.accept == "" {
					english = body
					continue
				}
				// Everything but the message is what English gets.
				delete(body, "message")
				en := map[string]any{}
				for k, v := range english {
					if k != "message" {
						en[k] = v
					}
				}
				if diff := cmp.Diff(en, body); diff != "" {
					t.Errorf("%q: the body differs from the English one beyond the message (-en +got):\n%s", l.accept, diff)
				}
			}
		})
	}
}

// The language of the codes the API sends (and of the security notices)
// is chosen like the errors': the first Accept-Language preference the
// library has a language for, as the client spelled it.
func TestNotifierLocaleMatchesErrorLanguage(t *testing.T) {
	tests := []struct {
		accept, want string
	}{
		{"", ""},
		{"fr", "fr"},
		{"de-CH, de;q=0.9", "de-CH"},
		{"ja, de-CH;q=0.8", "de-CH"},
		{"zh-CN, zh-HK;q=0.5", "zh-HK"},
		{"zh-CN", "zh-CN"},
		{"ja", "ja"},
	}
	for _, tt := range tests {
		t.Run(i18nName(tt.accept), func(t *testing.T) {
			e := newEnv(t)
			u := e.newUser()
			r := e.do(req{method: "POST", path: "/api/verifications/verification-code", token: e.tokenFor(u.ID),
				header: i18nHeader(tt.accept),
				body:   map[string]any{"identifier": map[string]string{"type": "email", "value": "new@example.com"}}})
			expect(t, r, 201, "")
			if got := e.outbox.last(t, "new@example.com").Locale; got != tt.want {
				t.Errorf("message locale = %q, want %q", got, tt.want)
			}
		})
	}
}

func i18nHeader(accept string) map[string]string {
	if accept == "" {
		return nil
	}
	return map[string]string{"Accept-Language": accept}
}

// i18nName names a subtest after an Accept-Language value.
func i18nName(accept string) string {
	if accept == "" {
		return "no Accept-Language"
	}
	return accept
}

// TestHostLocalizer checks a handler answers with the host's own messages
// when it is given a Localizer: here a Japanese one.
func TestHostLocalizer(t *testing.T) {
	messages, err := apierror.NewLocalizer(apierror.LocalizerConfig{Messages: map[string]map[string]string{
		"ja": {"auth.authorization_header_missing": "Authorization ヘッダーがありません。"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	st := newSQLiteStore(t)
	settings, err := account.NewSettings(account.SettingsConfig{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := account.NewAdmin(account.AdminConfig{Store: st, Hasher: cheapHasher(t)})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := bearer.NewHS256(bearer.HS256Config{Secret: []byte(testSecret)})
	if err != nil {
		t.Fatal(err)
	}
	h, err := httpadapter.NewManagementHandler(httpadapter.ManagementConfig{
		Authenticator: auth, Admin: admin, Settings: settings, Messages: messages,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/api/users/x", nil)
	r.Header.Set("Accept-Language", "ja")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var body struct{ Code, Message string }
	json.Unmarshal(w.Body.Bytes(), &body)
	if w.Code != 401 || body.Code != "auth.authorization_header_missing" || body.Message != "Authorization ヘッダーがありません。" {
		t.Errorf("got %d %+v, want the host's Japanese message", w.Code, body)
	}
}
