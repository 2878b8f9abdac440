package apierror

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"

	"golang.org/x/text/language"
)

// DefaultLanguage is the language of the catalogue's own messages (codes.go)
// and the one every request falls back to.
const DefaultLanguage = "en"

// localeFiles holds the built-in translations, one JSON object per language
// (locales/<tag>.json) mapping codes to message templates.
//
//go:embed locales/*.json
var localeFiles embed.FS

// Localizer picks the language of an error message from a request's
// Accept-Language and fills in the translated template. It holds English
// (the catalogue's messages), the built-in translations of locales/*.json
// (French, German, Brazilian Portuguese, Traditional Chinese) and the
// host's [LocalizerConfig.Messages]. Codes and statuses never change with the
// language; only the message does. A Localizer is immutable and safe for
// concurrent use.
type Localizer struct {
	// tags are the languages, English first; matcher matches against them.
	tags    []language.Tag
	matcher language.Matcher
	// messages maps a canonical tag to templates keyed by code. English
	// holds only the host's overrides: the catalogue is the rest.
	messages map[string]map[string]string
}

// LocalizerConfig configures [NewLocalizer]. The zero value gives the
// built-in languages.
type LocalizerConfig struct {
	// Messages adds languages and overrides built-in messages: for each
	// BCP 47 tag ("fr", "pt-BR", "ja"), message templates keyed by code,
	// in the format of the built-in files (apierror/locales/fr.json). A
	// template replaces the built-in message of its code in its language;
	// codes a language lacks keep the built-in message or, failing that,
	// the English one. "en" overrides English. Every code must be one of
	// [Catalogue], and every template must hold exactly the {{placeholders}}
	// of the English template. Default: none.
	Messages map[string]map[string]string
}

// NewLocalizer loads the built-in translations and cfg's messages, and
// checks them: a malformed tag, an unknown code, an empty template or one
// whose placeholders differ from the English template's is an error.
func NewLocalizer(cfg LocalizerConfig) (*Localizer, error) {
	english := map[string]string{}
	for _, e := range Catalogue() {
		english[e.code] = e.message
	}
	l := &Localizer{messages: map[string]map[string]string{DefaultLanguage: {}}}
	add := func(tag string, msgs map[string]string) error {
		lang, err := canonicalLanguage(tag)
		if err != nil {
			return err
		}
		if l.messages[lang] == nil {
			l.messages[lang] = map[string]string{}
		}
		for _, code := range slices.Sorted(maps.Keys(msgs)) {
			tpl := msgs[code]
			en, ok := english[code]
			switch {
			case !ok:
				return fmt.Errorf("%s: unknown code %q", lang, code)
			case strings.TrimSpace(tpl) == "":
				return fmt.Errorf("%s: %s: empty message", lang, code)
			case !slices.Equal(Placeholders(tpl), Placeholders(en)):
				return fmt.Errorf("%s: %s: placeholders %v, want those of the English message %v",
					lang, code, Placeholders(tpl), Placeholders(en))
			}
			l.messages[lang][code] = tpl
		}
		return nil
	}
	builtIn, err := builtInMessages()
	if err != nil {
		return nil, err
	}
	for _, tag := range slices.Sorted(maps.Keys(builtIn)) {
		if err := add(tag, builtIn[tag]); err != nil {
			return nil, fmt.Errorf("apierror: built-in messages: %w", err)
		}
	}
	for _, tag := range slices.Sorted(maps.Keys(cfg.Messages)) {
		if err := add(tag, cfg.Messages[tag]); err != nil {
			return nil, fmt.Errorf("apierror: messages: %w", err)
		}
	}
	l.tags = []language.Tag{language.Make(DefaultLanguage)}
	for _, lang := range slices.Sorted(maps.Keys(l.messages)) {
		if lang != DefaultLanguage {
			l.tags = append(l.tags, language.Make(lang))
		}
	}
	l.matcher = language.NewMatcher(l.tags)
	return l, nil
}

// builtInMessages reads locales/*.json; the file name is the language tag.
func builtInMessages() (map[string]map[string]string, error) {
	names, err := fs.Glob(localeFiles, "locales/*.json")
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]string{}
	for _, name := range names {
		b, err := localeFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var msgs map[string]string
		if err := json.Unmarshal(b, &msgs); err != nil {
			return nil, fmt.Errorf("apierror: %s: %w", name, err)
		}
		tag := strings.TrimSuffix(path.Base(name), ".json")
		if lang, err := canonicalLanguage(tag); err != nil || lang != tag {
			return nil, fmt.Errorf("apierror: %s: the file name is not a canonical language tag", name)
		}
		out[tag] = msgs
	}
	return out, nil
}

// defaultLocalizer is built once from the embedded files. Caching it is no
// more global state than the catalogue variables of codes.go: both are
// derived from data compiled into the binary and never change. The
// handlers use it when the host configures no Localizer of its own.
var defaultLocalizer = sync.OnceValue(func() *Localizer {
	l, err := NewLocalizer(LocalizerConfig{})
	if err != nil {
		// The embedded files are checked by the package's tests; this
		// cannot happen in a released build.
		panic(err)
	}
	return l
})

// DefaultLocalizer returns the Localizer of the built-in languages (the zero
// LocalizerConfig). It is shared and immutable.
func DefaultLocalizer() *Localizer { return defaultLocalizer() }

// Languages lists the languages l has messages in, as canonical BCP 47
// tags, English first.
func (l *Localizer) Languages() []string {
	out := make([]string, len(l.tags))
	for i, t := range l.tags {
		out[i] = t.String()
	}
	return out
}

// Match returns the language for an Accept-Language value (or a single
// BCP 47 tag): the first preference, in order of quality, that one of l's
// languages serves with high confidence by golang.org/x/text's matcher.
// Regions and scripts count: "fr-CA" gets "fr", "de-CH" "de", "pt" and
// "pt-PT" "pt-BR", "zh-Hant", "zh-HK" and "zh-MO" "zh-TW"; but "zh-CN",
// "zh-Hans" and plain "zh" (Simplified Chinese) do not get Traditional
// Chinese. Without such a preference, or for an empty or malformed value,
// Match returns [DefaultLanguage] and false.
func (l *Localizer) Match(acceptLanguage string) (lang string, ok bool) {
	if strings.TrimSpace(acceptLanguage) == "" {
		return DefaultLanguage, false
	}
	prefs, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil {
		return DefaultLanguage, false
	}
	for _, p := range prefs {
		// Below High the matcher guesses across scripts or unrelated
		// languages (zh-CN → zh-TW, ja → en); English reads better than a
		// script the reader may not read.
		if _, i, conf := l.matcher.Match(p); conf >= language.High {
			return l.tags[i].String(), true
		}
	}
	return DefaultLanguage, false
}

// Message returns e's message in the language Match picks for
// acceptLanguage, with e's params filled in, and the tag of the language it
// is written in. A code the language has no translation for gets the English
// message (and lang "en"). The code, status, data and details of e are not
// localized; details stay English.
func (l *Localizer) Message(e *Error, acceptLanguage string) (message, lang string) {
	lang, _ = l.Match(acceptLanguage)
	if tpl, ok := l.messages[lang][e.code]; ok {
		return Interpolate(tpl, e.params), lang
	}
	if tpl, ok := l.messages[DefaultLanguage][e.code]; ok {
		return Interpolate(tpl, e.params), DefaultLanguage
	}
	return e.Message(), DefaultLanguage
}

// Template returns the message template of code in lang (a tag l has, as
// Languages lists it), and whether l has one; English has every catalogue
// code.
func (l *Localizer) Template(lang, code string) (string, bool) {
	lang, err := canonicalLanguage(lang)
	if err != nil {
		return "", false
	}
	if tpl, ok := l.messages[lang][code]; ok {
		return tpl, true
	}
	if lang == DefaultLanguage {
		for _, e := range Catalogue() {
			if e.code == code {
				return e.message, true
			}
		}
	}
	return "", false
}

// Placeholders returns the names of template's {{placeholders}}, sorted and
// without repeats, as Interpolate reads them.
func Placeholders(template string) []string {
	var names []string
	for {
		i := strings.Index(template, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(template[i:], "}}")
		if j < 0 {
			break
		}
		names = append(names, strings.TrimSpace(template[i+2:i+j]))
		template = template[i+j+2:]
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// canonicalLanguage parses a BCP 47 tag into its canonical spelling.
func canonicalLanguage(tag string) (string, error) {
	t, err := language.Parse(tag)
	if err != nil {
		return "", fmt.Errorf("invalid language tag %q: %w", tag, err)
	}
	return t.String(), nil
}
