package apierror

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"testing"
)

// builtInLanguages are the translations the library ships: the languages
// the project's source documents came in.
var builtInLanguages = []string{"de", "fr", "pt-BR", "zh-TW"}

// Every code of the catalogue must have a message in every built-in
// language, with the placeholders of the English message: a missing one
// would silently answer in English, a wrong placeholder would show "{{x}}".
func TestBuiltInTranslationsAreComplete(t *testing.T) {
	files := readLocaleFiles(t)
	if got := slices.Sorted(maps.Keys(files)); !slices.Equal(got, builtInLanguages) {
		t.Fatalf("locales/ holds %v, want %v", got, builtInLanguages)
	}
	for _, lang := range builtInLanguages {
		msgs := files[lang]
		known := map[string]bool{}
		for _, e := range Catalogue() {
			known[e.Code()] = true
			tpl, ok := msgs[e.Code()]
			switch {
			case !ok:
				t.Errorf("%s: no translation for %s (%q)", lang, e.Code(), e.Template())
			case strings.TrimSpace(tpl) == "":
				t.Errorf("%s: %s: empty translation", lang, e.Code())
			case !slices.Equal(Placeholders(tpl), Placeholders(e.Template())):
				t.Errorf("%s: %s: placeholders %v, want %v (English: %q)",
					lang, e.Code(), Placeholders(tpl), Placeholders(e.Template()), e.Template())
			case tpl == e.Template():
				t.Errorf("%s: %s: the translation is the English message", lang, e.Code())
			}
		}
		for code := range msgs {
			if !known[code] {
				t.Errorf("%s: %s is not a code of the catalogue", lang, code)
			}
		}
	}
}

// readLocaleFiles parses locales/*.json strictly: a repeated key (which
// encoding/json would silently resolve to the last) is an error.
func readLocaleFiles(t *testing.T) map[string]map[string]string {
	t.Helper()
	names, err := fs.Glob(localeFiles, "locales/*.json")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, name := range names {
		b, err := localeFiles.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			t.Fatalf("%s: not a JSON object", name)
		}
		msgs := map[string]string{}
		for dec.More() {
			var key, value string
			tok, err := dec.Token()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			key = tok.(string)
			if err := dec.Decode(&value); err != nil {
				t.Fatalf("%s: %s: %v", name, key, err)
			}
			if _, dup := msgs[key]; dup {
				t.Errorf("%s: %s given twice", name, key)
			}
			msgs[key] = value
		}
		lang := strings.TrimSuffix(strings.TrimPrefix(name, "locales/"), ".json")
		out[lang] = msgs
	}
	return out
}

func TestDefaultLocalizerLanguages(t *testing.T) {
	got := DefaultLocalizer().Languages()
	want := []string{"en", "de", "fr", "pt-BR", "zh-TW"}
	if !slices.Equal(got, want) {
		t.Errorf("Languages() = %v, want %v", got, want)
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		accept string
		want   string
		ok     bool
	}{
		{"", "en", false},
		{"   ", "en", false},
		{"en", "en", true},
		{"en-GB", "en", true},
		{"fr", "fr", true},
		{"fr-CA", "fr", true},
		{"FR-ch", "fr", true},
		{"de", "de", true},
		{"de-CH", "de", true},
		{"de-AT", "de", true},
		{"pt", "pt-BR", true},
		{"pt-BR", "pt-BR", true},
		{"pt-PT", "pt-BR", true},
		{"zh-TW", "zh-TW", true},
		{"zh-Hant", "zh-TW", true},
		{"zh-HK", "zh-TW", true},
		{"zh-MO", "zh-TW", true},
		{"zh-Hant-HK", "zh-TW", true},
		{"zh-CN", "en", false},
		{"zh-Hans", "en", false},
		{"zh-SG", "en", false},
		{"zh", "en", false},
		{"ja", "en", false},
		{"*", "en", false},
		{"!!", "en", false},
		{"ja, fr;q=0.8, de;q=0.9", "de", true},
		{"zh-CN, zh-TW;q=0.5", "zh-TW", true},
		{"fr;q=0, de", "de", true},
		{"en-US, fr", "en", true},
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			got, ok := DefaultLocalizer().Match(tt.accept)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Match(%q) = %q, %v; want %q, %v", tt.accept, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestMessage(t *testing.T) {
	connector := InvalidConnectorID.WithParam("connectorId", "github-1").WithStatus(400).WithDetails("x")
	tests := []struct {
		name     string
		e        *Error
		accept   string
		want     string
		wantLang string
	}{
		{"English", connector, "", "Unable to find available connector with id github-1.", "en"},
		{"French", connector, "fr-CA", "Impossible de trouver un connecteur disponible avec l’id github-1.", "fr"},
		{"German", connector, "de-CH, de;q=0.9", "Kein verfügbarer Connector mit der ID github-1 gefunden.", "de"},
		{"Portuguese", connector, "pt", "Não foi possível encontrar um conector disponível com o id github-1.", "pt-BR"},
		{"Traditional Chinese", connector, "zh-HK", "找不到 ID 為 github-1 的可用連接器。", "zh-TW"},
		{"Simplified Chinese falls back", connector, "zh-CN", "Unable to find available connector with id github-1.", "en"},
		{"no params", CodeMismatch, "de", "Ungültiger Verifizierungscode.", "de"},
		{"internal stays generic", Internal.WithCause(fmt.Errorf("db: password=hunter2")), "fr", "Erreur interne du serveur.", "fr"},
		{"a code outside the catalogue", New("host.custom", 400, "Custom {{x}}.").WithParam("x", "1"), "fr", "Custom 1.", "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, lang := DefaultLocalizer().Message(tt.e, tt.accept)
			if got != tt.want || lang != tt.wantLang {
				t.Errorf("Message = %q (%s), want %q (%s)", got, lang, tt.want, tt.wantLang)
			}
		})
	}
}

func TestNewLocalizerMessages(t *testing.T) {
	l, err := NewLocalizer(LocalizerConfig{Messages: map[string]map[string]string{
		"ja":    {"verification_code.code_mismatch": "認証コードが正しくありません。"},
		"fr":    {"user.username_too_short": "Au moins {{min}} caractères, s’il vous plaît."},
		"en-GB": {"user.suspended": "This account has been suspended."},
	}})
	if err != nil {
		t.Fatalf("NewLocalizer: %v", err)
	}
	tests := []struct {
		name, accept string
		e            *Error
		want, lang   string
	}{
		{"added language", "ja-JP", CodeMismatch, "認証コードが正しくありません。", "ja"},
		{"added language lacks a code", "ja", CodeExpired, CodeExpired.Message(), "en"},
		{"override", "fr", UsernameTooShort.WithParam("min", "4"), "Au moins 4 caractères, s’il vous plaît.", "fr"},
		{"built-in kept next to an override", "fr", CodeMismatch, "Code de vérification non valide.", "fr"},
		{"regional English", "en-GB", UserSuspended, "This account has been suspended.", "en-GB"},
		{"regional English lacks a code", "en-GB", CodeMismatch, "Invalid verification code.", "en"},
		{"plain English unchanged", "en", UserSuspended, "This account is suspended.", "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, lang := l.Message(tt.e, tt.accept)
			if got != tt.want || lang != tt.lang {
				t.Errorf("Message = %q (%s), want %q (%s)", got, lang, tt.want, tt.lang)
			}
		})
	}
	if DefaultLocalizer().Languages()[0] != "en" || slices.Contains(DefaultLocalizer().Languages(), "ja") {
		t.Error("NewLocalizer changed the default localizer")
	}
}

func TestNewLocalizerRejectsBadMessages(t *testing.T) {
	tests := []struct {
		name string
		msgs map[string]map[string]string
	}{
		{"bad tag", map[string]map[string]string{"not a tag": {"user.suspended": "x"}}},
		{"unknown code", map[string]map[string]string{"fr": {"user.nope": "x"}}},
		{"empty", map[string]map[string]string{"fr": {"user.suspended": " "}}},
		{"missing placeholder", map[string]map[string]string{"fr": {"user.username_too_short": "Trop court."}}},
		{"extra placeholder", map[string]map[string]string{"fr": {"user.suspended": "Compte {{id}} suspendu."}}},
		{"renamed placeholder", map[string]map[string]string{"de": {"session.invalid_connector_id": "Connector {{id}} fehlt."}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewLocalizer(LocalizerConfig{Messages: tt.msgs}); err == nil {
				t.Error("NewLocalizer succeeded, want an error")
			}
		})
	}
}

func TestTemplate(t *testing.T) {
	l := DefaultLocalizer()
	if got, ok := l.Template("en", "user.username_too_long"); !ok || got != UsernameTooLong.Template() {
		t.Errorf(`Template("en") = %q, %v`, got, ok)
	}
	if got, ok := l.Template("pt-br", "user.username_too_long"); !ok || !strings.Contains(got, "{{max}}") {
		t.Errorf(`Template("pt-br") = %q, %v`, got, ok)
	}
	if _, ok := l.Template("ja", "user.username_too_long"); ok {
		t.Error(`Template("ja") found a message`)
	}
}

func TestPlaceholders(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"none", nil},
		{"{{a}} and {{ b }} and {{a}}", []string{"a", "b"}},
		{"unclosed {{a", nil},
	}
	for _, tt := range tests {
		if got := Placeholders(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Placeholders(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// A host adds Japanese and rewords one French message; the other codes
// and languages keep the built-in messages.
func ExampleNewLocalizer() {
	l, err := NewLocalizer(LocalizerConfig{Messages: map[string]map[string]string{
		"ja": {"session.invalid_connector_id": "ID {{connectorId}} のコネクターが見つかりません。"},
		"fr": {"user.suspended": "Votre compte est suspendu. Contactez le support."},
	}})
	if err != nil {
		panic(err)
	}
	e := InvalidConnectorID.WithParam("connectorId", "github")
	for _, accept := range []string{"ja", "fr-CA", "zh-HK", "zh-CN"} {
		msg, lang := l.Message(e, accept)
		fmt.Printf("%-6s %-5s %s\n", accept, lang, msg)
	}
	msg, _ := l.Message(UserSuspended, "fr")
	fmt.Println(msg)
	// Output:
	// ja     ja    ID github のコネクターが見つかりません。
	// fr-CA  fr    Impossible de trouver un connecteur disponible avec l’id github.
	// zh-HK  zh-TW 找不到 ID 為 github 的可用連接器。
	// zh-CN  en    Unable to find available connector with id github.
	// Votre compte est suspendu. Contactez le support.
}
