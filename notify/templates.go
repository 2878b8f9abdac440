package notify

import (
	"bytes"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"maps"
	"slices"
	"strings"
	texttemplate "text/template"
	"time"

	"golang.org/x/text/language"

	"github.com/accountapi/accountapi/store"
)

// Template is the text of one message type in one language. Each text is a
// Go template executed with a [TemplateData]: Subject, Text and SMS with
// text/template, HTML with html/template (so user data is escaped). A
// code's texts show {{.Code}}; a notice's have no code and read
// {{.Notice.At}} and the other members of [Notice] instead.
//
// An email needs Subject and Text; HTML is optional and, when set, makes the
// email multipart/alternative. An SMS needs SMS. A template may carry only
// the email texts or only the SMS one; for the channel it lacks, lookup goes
// on down the fallback chain (see [Templates.Render]).
type Template struct {
	// Locale is the BCP 47 tag the template is written in, e.g. "fr" or
	// "pt-BR". Used by [TemplatesConfig.Overrides]; "" means DefaultLocale.
	Locale string
	// Type is the message type the template is for: a store.Template…
	// type (a code) or a Notice… type (a security notice). Used by
	// [TemplatesConfig.Overrides]; required there.
	Type store.TemplateType

	Subject string
	Text    string
	HTML    string
	SMS     string
}

// TemplateData is what templates are executed with.
type TemplateData struct {
	// Code is the one-time code; "" for a notice.
	Code string
	// To is the recipient as the user gave it.
	To string
	// Type is the message type.
	Type store.TemplateType
	// Locale is the message's locale ("en" when the message had none).
	Locale string
	// Language is the tag of the template chosen for the message (what the
	// text is written in), e.g. "en" for a message in "ja" without Japanese
	// texts.
	Language string
	// User and Application are the email context; nil for SMS and when the
	// caller had none, so write {{with .User}}…{{end}}.
	User        *User
	Application *Application
	// Notice is what a security notice tells; nil for a code, so that
	// only the templates of notice types may use it.
	Notice *Notice
}

// Rendered is a message's text, ready to send.
type Rendered struct {
	// Language is the tag of the template used (see TemplateData.Language).
	Language string
	// Subject is the email subject; "" for SMS.
	Subject string
	// Text is the plain-text email body, or the SMS body.
	Text string
	// HTML is the HTML email body; "" for SMS and when the template has none.
	HTML string
}

// TemplatesConfig configures [NewTemplates]. The zero value gives the
// default texts with English fallback.
type TemplatesConfig struct {
	// Overrides replace default templates, one per (Locale, Type). An
	// override replaces the default of its language and type as a whole,
	// channel by channel: an override with only Subject and Text replaces
	// the email and leaves the default SMS text in place. An override may
	// be in a language that has no default texts. Two overrides for one
	// (Locale, Type) are an error.
	Overrides []Template
	// Fallback is the language used when no template matches a message's
	// locale, before DefaultLocale ("en"). Default: DefaultLocale.
	Fallback string
}

// Templates holds parsed templates, the defaults of every language in the
// catalogue with the host's overrides on top. It is safe for concurrent use.
type Templates struct {
	matcher language.Matcher
	tags    []language.Tag // in matcher order
	// byLang maps a canonical tag to its templates.
	byLang map[string]map[store.TemplateType]*parsed
	// chainTail is the fallback chain after the matched language.
	chainTail []string
}

type parsed struct {
	lang          string
	subject, text *texttemplate.Template // nil: no email texts
	html          *htmltemplate.Template // nil: text-only email
	sms           *texttemplate.Template // nil: no SMS text
}

// templateTypes lists every type the templates know: the code types
// (codeTypes) and the notice types (NoticeTypes).
func templateTypes() []store.TemplateType {
	return append(codeTypes(), NoticeTypes()...)
}

// codeTypes lists every store.TemplateType, in Logto's order.
func codeTypes() []store.TemplateType {
	return []store.TemplateType{
		store.TemplateSignIn,
		store.TemplateRegister,
		store.TemplateForgotPassword,
		store.TemplateOrganizationInvitation,
		store.TemplateGeneric,
		store.TemplateUserPermission,
		store.TemplateBindNewIdentifier,
		store.TemplateMFAVerification,
		store.TemplateBindMFA,
	}
}

func knownType(t store.TemplateType) bool { return slices.Contains(templateTypes(), t) }

// catalogue returns the default texts of every language, a fresh copy per
// call: English, French, German, Brazilian Portuguese and Traditional
// Chinese, the languages of the project's source documents. Adding a
// language is adding a texts_<tag>.go file with a function returning its
// templates (every code type and every notice type, see
// TestCatalogueIsComplete) and one line here; English must stay: it is the
// last fallback.
func catalogue() [][]Template {
	return [][]Template{
		englishTemplates(),
		frenchTemplates(),
		germanTemplates(),
		portugueseTemplates(),
		traditionalChineseTemplates(),
	}
}

// NewTemplates parses the default texts and cfg's overrides. Every template
// is executed once with sample data, so a template that cannot render (a
// syntax error, an unknown field such as {{.Nope}}) fails here rather than
// when a user asks for a code.
func NewTemplates(cfg TemplatesConfig) (*Templates, error) {
	fallback, err := canonicalTag(cfg.Fallback)
	if err != nil {
		return nil, fmt.Errorf("notify: templates: fallback: %w", err)
	}
	t := &Templates{byLang: map[string]map[store.TemplateType]*parsed{}}
	add := func(tpl Template, override bool) error {
		lang, err := canonicalTag(tpl.Locale)
		if err != nil {
			return fmt.Errorf("%s/%s: %w", tpl.Locale, tpl.Type, err)
		}
		if !knownType(tpl.Type) {
			return fmt.Errorf("%s: unknown template type %q", lang, tpl.Type)
		}
		p, err := parseTemplate(lang, tpl)
		if err != nil {
			return fmt.Errorf("%s/%s: %w", lang, tpl.Type, err)
		}
		types := t.byLang[lang]
		if types == nil {
			types = map[store.TemplateType]*parsed{}
			t.byLang[lang] = types
		}
		old := types[tpl.Type]
		if old == nil {
			types[tpl.Type] = p
			return nil
		}
		if !override {
			return fmt.Errorf("%s/%s: duplicate default template", lang, tpl.Type)
		}
		// An override replaces the default channel by channel.
		if p.subject != nil {
			old.subject, old.text, old.html = p.subject, p.text, p.html
		}
		if p.sms != nil {
			old.sms = p.sms
		}
		return nil
	}
	for _, lang := range catalogue() {
		for _, tpl := range lang {
			if err := add(tpl, false); err != nil {
				return nil, fmt.Errorf("notify: default templates: %w", err)
			}
		}
	}
	seen := map[string]bool{}
	for _, tpl := range cfg.Overrides {
		lang, _ := canonicalTag(tpl.Locale)
		key := lang + "/" + string(tpl.Type)
		if seen[key] {
			return nil, fmt.Errorf("notify: templates: override %s given twice", key)
		}
		seen[key] = true
		if err := add(tpl, true); err != nil {
			return nil, fmt.Errorf("notify: templates: override %w", err)
		}
	}

	// The matcher's first tag is its answer when nothing matches; we check
	// the confidence ourselves, so its order only needs to be stable.
	t.tags = append(t.tags, language.Make(DefaultLocale))
	for _, lang := range slices.Sorted(maps.Keys(t.byLang)) {
		if lang != DefaultLocale {
			t.tags = append(t.tags, language.Make(lang))
		}
	}
	t.matcher = language.NewMatcher(t.tags)
	t.chainTail = []string{fallback}
	if fallback != DefaultLocale {
		t.chainTail = append(t.chainTail, DefaultLocale)
	}
	return t, nil
}

// canonicalTag parses a BCP 47 tag ("" is DefaultLocale) into its canonical
// spelling, the key of Templates.byLang.
func canonicalTag(s string) (string, error) {
	if s == "" {
		return DefaultLocale, nil
	}
	tag, err := language.Parse(s)
	if err != nil {
		return "", fmt.Errorf("invalid language tag %q: %w", s, err)
	}
	return tag.String(), nil
}

func parseTemplate(lang string, tpl Template) (*parsed, error) {
	p := &parsed{lang: lang}
	if tpl.Subject == "" && tpl.Text == "" && tpl.HTML == "" && tpl.SMS == "" {
		return nil, errors.New("no text at all")
	}
	if tpl.Subject != "" || tpl.Text != "" || tpl.HTML != "" {
		if tpl.Subject == "" || tpl.Text == "" {
			return nil, errors.New("an email needs both Subject and Text")
		}
		var err error
		if p.subject, err = texttemplate.New("subject").Option("missingkey=error").Parse(tpl.Subject); err != nil {
			return nil, err
		}
		if p.text, err = texttemplate.New("text").Option("missingkey=error").Parse(tpl.Text); err != nil {
			return nil, err
		}
		if tpl.HTML != "" {
			if p.html, err = htmltemplate.New("html").Option("missingkey=error").Parse(tpl.HTML); err != nil {
				return nil, err
			}
		}
	}
	if tpl.SMS != "" {
		var err error
		if p.sms, err = texttemplate.New("sms").Option("missingkey=error").Parse(tpl.SMS); err != nil {
			return nil, err
		}
	}
	// Try every text with and without the optional context.
	for _, d := range sampleData(lang, tpl.Type) {
		if _, err := p.execute(d); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func sampleData(lang string, typ store.TemplateType) []TemplateData {
	bare := TemplateData{Code: "000000", To: "user@example.com", Type: typ, Locale: lang, Language: lang}
	if IsNotice(typ) {
		bare.Code = ""
		n := &Notice{At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
		switch address, factor, target := noticeNeeds(typ); {
		case address:
			n.NewAddress = "n***@example.com"
		case factor:
			n.Factor = store.FactorWebAuthn
		case target:
			n.Target = "google"
		}
		bare.Notice = n
	}
	full := bare
	full.User = &User{ID: "u1", Username: "user", PrimaryEmail: "user@example.com", PrimaryPhone: "15550100", Name: "User", Profile: &store.Profile{}}
	full.Application = &Application{ID: "a1", Name: "App"}
	return []TemplateData{bare, full}
}

// execute renders every text p has; absent ones stay "".
func (p *parsed) execute(d TemplateData) (Rendered, error) {
	r := Rendered{Language: p.lang}
	var b bytes.Buffer
	run := func(name string, exec func() error, dst *string) error {
		b.Reset()
		if err := exec(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		*dst = b.String()
		return nil
	}
	if p.subject != nil {
		if err := run("subject", func() error { return p.subject.Execute(&b, d) }, &r.Subject); err != nil {
			return r, err
		}
		// A subject is one header line.
		r.Subject = strings.Join(strings.Fields(r.Subject), " ")
		if err := run("text", func() error { return p.text.Execute(&b, d) }, &r.Text); err != nil {
			return r, err
		}
	}
	if p.html != nil {
		if err := run("html", func() error { return p.html.Execute(&b, d) }, &r.HTML); err != nil {
			return r, err
		}
	}
	if p.sms != nil {
		var sms string
		if err := run("sms", func() error { return p.sms.Execute(&b, d) }, &sms); err != nil {
			return r, err
		}
		if p.subject == nil {
			r.Text = sms
		}
	}
	return r, nil
}

// Render renders m with the template for m.Type in the language that best
// matches m.Locale (a BCP 47 tag or an Accept-Language value; "pt" matches
// "pt-BR", "zh-HK" matches "zh-TW", but "zh-CN" does not match "zh-TW"; of
// an Accept-Language list, the first preference with a match wins). It
// falls back to TemplatesConfig.Fallback, then to English, and at each step
// takes the first template that has texts for m.Channel. For an SMS it
// returns only Text, and m.User and m.Application are not passed to the
// template.
//
// Render returns an error wrapping [ErrTemplateNotFound] when no language
// has a template for m.Type on m.Channel. Errors never contain m.Code.
func (t *Templates) Render(m Message) (Rendered, error) {
	if err := m.check(); err != nil {
		return Rendered{}, err
	}
	for _, lang := range t.chain(m.Locale) {
		p := t.byLang[lang][m.Type]
		if p == nil || (m.Channel == ChannelEmail && p.subject == nil) || (m.Channel == ChannelSMS && p.sms == nil) {
			continue
		}
		d := TemplateData{Code: m.Code, To: m.To, Type: m.Type, Locale: m.locale(), Language: lang, Notice: m.Notice}
		sel := *p
		if m.Channel == ChannelEmail {
			d.User, d.Application = m.User, m.Application
			sel.sms = nil
		} else {
			sel.subject, sel.text, sel.html = nil, nil, nil
		}
		r, err := sel.execute(d)
		if err != nil {
			// Every template ran once on sample data in NewTemplates, so this
			// is rare. Template errors name the template and the field, but
			// scrub the code anyway rather than trust every message.
			msg := err.Error()
			if m.Code != "" {
				msg = strings.ReplaceAll(msg, m.Code, "<code>")
			}
			return Rendered{}, fmt.Errorf("notify: render %s/%s: %s", lang, m.Type, msg)
		}
		return r, nil
	}
	return Rendered{}, fmt.Errorf("%w: %s %s", ErrTemplateNotFound, m.Channel, m.Type)
}

// chain is the languages to try for a locale, best first, without repeats.
// The first is the language of the first preference, in order of quality,
// that the matcher serves with high confidence: the rule of
// apierror.Localizer.Match, so that an email and the API's error messages
// agree on the language.
func (t *Templates) chain(locale string) []string {
	var out []string
	if prefs, _, err := language.ParseAcceptLanguage(locale); err == nil {
		for _, p := range prefs {
			// Below High the match is a guess across scripts or languages
			// (zh-CN → zh-TW); the fallback reads better than a wrong script.
			if _, i, conf := t.matcher.Match(p); conf >= language.High {
				out = append(out, t.tags[i].String())
				break
			}
		}
	}
	for _, l := range t.chainTail {
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}
