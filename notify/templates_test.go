package notify_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/store"
)

var allTypes = []store.TemplateType{
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

func defaultTemplates(t *testing.T) *notify.Templates {
	t.Helper()
	tpl, err := notify.NewTemplates(notify.TemplatesConfig{})
	if err != nil {
		t.Fatalf("NewTemplates: %v", err)
	}
	return tpl
}

func TestDefaultTemplatesRenderEveryTypeInEnglish(t *testing.T) {
	const code = "482913"
	for _, typ := range allTypes {
		for _, ch := range []notify.Channel{notify.ChannelEmail, notify.ChannelSMS} {
			t.Run(string(typ)+"/"+string(ch), func(t *testing.T) {
				r, err := defaultTemplates(t).Render(notify.Message{
					Channel: ch, To: "ada@example.com", Type: typ, Code: code,
					User:        &notify.User{ID: "u1", Name: "Ada"},
					Application: &notify.Application{ID: "a1", Name: "Demo"},
				})
				if err != nil {
					t.Fatalf("Render: %v", err)
				}
				if r.Language != "en" {
					t.Errorf("Language = %q, want en", r.Language)
				}
				if !strings.Contains(r.Text, code) {
					t.Errorf("Text lacks the code:\n%s", r.Text)
				}
				if !strings.Contains(r.Text, "10 minutes") {
					t.Errorf("Text does not say when the code expires:\n%s", r.Text)
				}
				if ch == notify.ChannelSMS {
					if r.Subject != "" || r.HTML != "" {
						t.Errorf("SMS rendered Subject %q / HTML %q, want none", r.Subject, r.HTML)
					}
					if strings.Contains(r.Text, "Ada") {
						t.Errorf("SMS got the user context:\n%s", r.Text)
					}
					return
				}
				if r.Subject == "" || strings.ContainsAny(r.Subject, "\r\n") {
					t.Errorf("Subject = %q, want one non-empty line", r.Subject)
				}
				if !strings.Contains(r.HTML, code) || !strings.HasPrefix(r.HTML, "<!DOCTYPE html>") {
					t.Errorf("HTML lacks the code or the doctype:\n%s", r.HTML)
				}
				if !strings.Contains(r.Text, "Hi Ada,") {
					t.Errorf("Text does not greet the user:\n%s", r.Text)
				}
			})
		}
	}
}

func TestRenderSaysWhatTheCodeIsFor(t *testing.T) {
	tests := []struct {
		name    string
		channel notify.Channel
		typ     store.TemplateType
		want    string
	}{
		{"own address", notify.ChannelEmail, store.TemplateUserPermission, "to confirm it's you"},
		{"new email", notify.ChannelEmail, store.TemplateBindNewIdentifier, "to add this email address to your account"},
		{"new phone", notify.ChannelSMS, store.TemplateBindNewIdentifier, "to add this phone number to your account"},
		{"mfa by phone", notify.ChannelSMS, store.TemplateBindMFA, "to use this phone number for two-step verification"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := defaultTemplates(t).Render(notify.Message{Channel: tt.channel, To: "x@example.com", Type: tt.typ, Code: "1"})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(r.Text, tt.want) {
				t.Errorf("Text lacks %q:\n%s", tt.want, r.Text)
			}
		})
	}
}

func TestRenderEscapesUserDataInHTML(t *testing.T) {
	r, err := defaultTemplates(t).Render(notify.Message{
		Channel: notify.ChannelEmail, To: "x@example.com", Type: store.TemplateGeneric, Code: "1",
		User: &notify.User{ID: "u1", Username: `<script>alert("x")</script>`},
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r.HTML, "<script>") {
		t.Errorf("HTML holds the raw user name:\n%s", r.HTML)
	}
	if !strings.Contains(r.HTML, "&lt;script&gt;") {
		t.Errorf("HTML lacks the escaped user name:\n%s", r.HTML)
	}
	if !strings.Contains(r.HTML, "it&#39;s you") {
		t.Errorf("the catalogue's phrases are not escaped like data:\n%s", r.HTML)
	}
}

func TestRenderWithoutUserHasNoGreeting(t *testing.T) {
	for _, u := range []*notify.User{nil, {ID: "u1"}} {
		r, err := defaultTemplates(t).Render(notify.Message{Channel: notify.ChannelEmail, To: "x@example.com", Type: store.TemplateSignIn, Code: "1", User: u})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(r.Text, "Hi") || strings.Contains(r.HTML, "Hi") {
			t.Errorf("user %+v: greeting without a name:\n%s", u, r.Text)
		}
	}
}

func TestRenderPicksTheLanguage(t *testing.T) {
	// fr, pt-BR and zh-TW have default texts, which the overrides replace;
	// it and nl have none, so their other channel falls back.
	overrides := []notify.Template{
		{Locale: "fr", Type: store.TemplateSignIn, Subject: "Code de connexion", Text: "FR {{.Code}} {{.Locale}} {{.Language}}"},
		{Locale: "pt-BR", Type: store.TemplateSignIn, Subject: "Código", Text: "PT {{.Code}}", SMS: "PT-SMS {{.Code}}"},
		{Locale: "zh-TW", Type: store.TemplateSignIn, Subject: "驗證碼", Text: "ZH {{.Code}}"},
		{Locale: "it", Type: store.TemplateSignIn, SMS: "IT-SMS {{.Code}}"},
		{Locale: "nl", Type: store.TemplateSignIn, Subject: "Code", Text: "NL {{.Code}}"},
	}
	tests := []struct {
		name     string
		fallback string
		channel  notify.Channel
		locale   string
		wantLang string
		wantText string
	}{
		{"empty is English", "", notify.ChannelEmail, "", "en", "Your verification code is 7."},
		{"exact", "", notify.ChannelEmail, "fr", "fr", "FR 7 fr fr"},
		{"region falls to language", "", notify.ChannelEmail, "fr-CA", "fr", "FR 7 fr-CA fr"},
		{"language finds its region", "", notify.ChannelEmail, "pt", "pt-BR", "PT 7"},
		{"zh-HK reads Traditional", "", notify.ChannelEmail, "zh-HK", "zh-TW", "ZH 7"},
		{"zh-CN does not get Traditional", "", notify.ChannelEmail, "zh-CN", "en", "Your verification code"},
		{"Accept-Language list", "", notify.ChannelEmail, "ja, fr;q=0.8", "fr", "FR 7"},
		{"first preference with a language wins", "", notify.ChannelEmail, "ja, de-CH, fr", "de", "Dein Verifizierungscode lautet 7."},
		{"quality orders the preferences", "", notify.ChannelEmail, "de;q=0.5, fr", "fr", "FR 7"},
		{"unknown language", "", notify.ChannelEmail, "ja", "en", "Your verification code"},
		{"malformed tag", "", notify.ChannelEmail, "!!", "en", "Your verification code"},
		{"default German", "", notify.ChannelEmail, "de-AT", "de", "Dein Verifizierungscode lautet 7."},
		{"email override keeps the default SMS", "", notify.ChannelSMS, "fr", "fr", "7 est votre code de vérification."},
		{"SMS-only override leaves email to the fallback", "", notify.ChannelEmail, "it", "en", "Your verification code"},
		{"email-only override leaves SMS to the fallback", "", notify.ChannelSMS, "nl", "en", "7 is your verification code"},
		{"SMS override", "", notify.ChannelSMS, "it-CH", "it", "IT-SMS 7"},
		{"configured fallback first", "fr", notify.ChannelEmail, "ja", "fr", "FR 7 ja fr"},
		{"configured fallback lacks the channel", "nl", notify.ChannelSMS, "ja", "en", "7 is your verification code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := notify.NewTemplates(notify.TemplatesConfig{Overrides: overrides, Fallback: tt.fallback})
			if err != nil {
				t.Fatalf("NewTemplates: %v", err)
			}
			r, err := tpl.Render(notify.Message{Channel: tt.channel, To: "x@example.com", Type: store.TemplateSignIn, Locale: tt.locale, Code: "7"})
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if r.Language != tt.wantLang {
				t.Errorf("Language = %q, want %q", r.Language, tt.wantLang)
			}
			if !strings.Contains(r.Text, tt.wantText) {
				t.Errorf("Text = %q, want it to contain %q", r.Text, tt.wantText)
			}
		})
	}
}

func TestOverrideReplacesOneChannelOfADefault(t *testing.T) {
	tpl, err := notify.NewTemplates(notify.TemplatesConfig{Overrides: []notify.Template{{
		Type:    store.TemplateBindNewIdentifier,
		Subject: "Welcome {{with .User}}{{.Username}}{{end}} to {{with .Application}}{{.Name}}{{end}}",
		Text:    "code {{.Code}}",
	}}})
	if err != nil {
		t.Fatal(err)
	}
	m := notify.Message{
		Channel: notify.ChannelEmail, To: "x@example.com", Type: store.TemplateBindNewIdentifier, Code: "9",
		User: &notify.User{ID: "u", Username: "ada"}, Application: &notify.Application{ID: "a", Name: "Demo"},
	}
	r, err := tpl.Render(m)
	if err != nil {
		t.Fatal(err)
	}
	want := notify.Rendered{Language: "en", Subject: "Welcome ada to Demo", Text: "code 9"}
	if r != want {
		t.Errorf("email = %+v, want %+v (an email override without HTML gives a text-only email)", r, want)
	}
	m.Channel = notify.ChannelSMS
	if r, err = tpl.Render(m); err != nil || !strings.HasPrefix(r.Text, "9 is your verification code") {
		t.Errorf("SMS = %q, %v; want the default SMS text", r.Text, err)
	}
	// Other types keep their defaults.
	m.Channel, m.Type = notify.ChannelEmail, store.TemplateSignIn
	if r, err = tpl.Render(m); err != nil || r.Subject != "Your sign-in code" {
		t.Errorf("SignIn subject = %q, %v", r.Subject, err)
	}
}

func TestNewTemplatesRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  notify.TemplatesConfig
	}{
		{"syntax error", notify.TemplatesConfig{Overrides: []notify.Template{{Type: store.TemplateSignIn, SMS: "{{.Code"}}}},
		{"unknown field", notify.TemplatesConfig{Overrides: []notify.Template{{Type: store.TemplateSignIn, SMS: "{{.Nope}}"}}}},
		{"unknown user field", notify.TemplatesConfig{Overrides: []notify.Template{{Type: store.TemplateSignIn, Subject: "s", Text: "{{.User.Nope}}"}}}},
		{"bad HTML", notify.TemplatesConfig{Overrides: []notify.Template{{Type: store.TemplateSignIn, Subject: "s", Text: "t", HTML: "<a href='{{.Code}}"}}}},
		{"unknown type", notify.TemplatesConfig{Overrides: []notify.Template{{Type: "Welcome", SMS: "{{.Code}}"}}}},
		{"no type", notify.TemplatesConfig{Overrides: []notify.Template{{SMS: "{{.Code}}"}}}},
		{"bad locale", notify.TemplatesConfig{Overrides: []notify.Template{{Locale: "not a tag", Type: store.TemplateSignIn, SMS: "{{.Code}}"}}}},
		{"subject without text", notify.TemplatesConfig{Overrides: []notify.Template{{Type: store.TemplateSignIn, Subject: "s"}}}},
		{"HTML without subject", notify.TemplatesConfig{Overrides: []notify.Template{{Type: store.TemplateSignIn, HTML: "<p>{{.Code}}</p>"}}}},
		{"empty", notify.TemplatesConfig{Overrides: []notify.Template{{Type: store.TemplateSignIn}}}},
		{"twice", notify.TemplatesConfig{Overrides: []notify.Template{
			{Locale: "en", Type: store.TemplateSignIn, SMS: "{{.Code}}"},
			{Locale: "EN", Type: store.TemplateSignIn, Subject: "s", Text: "t"},
		}}},
		{"bad fallback", notify.TemplatesConfig{Fallback: "??"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := notify.NewTemplates(tt.cfg); err == nil {
				t.Error("NewTemplates succeeded, want an error")
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		name string
		m    notify.Message
		want error
	}{
		{"unknown type", notify.Message{Channel: notify.ChannelEmail, To: "x@example.com", Type: "Welcome", Code: "1"}, notify.ErrTemplateNotFound},
		{"unknown channel", notify.Message{Channel: "fax", To: "x", Type: store.TemplateSignIn, Code: "1"}, notify.ErrInvalidMessage},
		{"no code", notify.Message{Channel: notify.ChannelEmail, To: "x@example.com", Type: store.TemplateSignIn}, notify.ErrInvalidMessage},
		{"no recipient", notify.Message{Channel: notify.ChannelEmail, Type: store.TemplateSignIn, Code: "1"}, notify.ErrInvalidMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := defaultTemplates(t).Render(tt.m)
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}
