package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/store"
)

// languages are the catalogue's languages with a word of their code texts
// and the way their notices write 2026-03-04 10:05 UTC.
var languages = []struct {
	tag, codeWord, when string
}{
	{"en", "verification code", "March 4, 2026 at 10:05 UTC"},
	{"fr", "code de vérification", "le 04/03/2026 à 10:05 (UTC)"},
	{"de", "Verifizierungscode", "am 04.03.2026 um 10:05 Uhr (UTC)"},
	{"pt-BR", "código de verificação", "em 04/03/2026 às 10:05 (UTC)"},
	{"zh-TW", "驗證碼", "2026年3月4日 10:05（UTC）"},
}

var noticeAt = time.Date(2026, 3, 4, 10, 5, 0, 0, time.UTC)

func TestDefaultTemplatesRenderEveryTypeInEveryLanguage(t *testing.T) {
	const code = "482913"
	tpl := defaultTemplates(t)
	for _, lang := range languages {
		for _, typ := range allTypes {
			for _, ch := range []notify.Channel{notify.ChannelEmail, notify.ChannelSMS} {
				t.Run(lang.tag+"/"+string(typ)+"/"+string(ch), func(t *testing.T) {
					m := notify.Message{
						Channel: ch, To: "ada@example.com", Type: typ, Locale: lang.tag, Code: code,
						User: &notify.User{ID: "u1", Name: "Ada"}, Application: &notify.Application{ID: "a1", Name: "Demo"},
					}
					r, err := tpl.Render(m)
					if err != nil {
						t.Fatalf("Render: %v", err)
					}
					checkRendered(t, r, lang.tag, ch)
					if !strings.Contains(r.Text, code) || !strings.Contains(r.Text, lang.codeWord) || !strings.Contains(r.Text, "10") {
						t.Errorf("Text lacks the code, %q or the lifetime:\n%s", lang.codeWord, r.Text)
					}
					if ch == notify.ChannelEmail && !strings.Contains(r.HTML, code) {
						t.Errorf("HTML lacks the code:\n%s", r.HTML)
					}
					if lang.tag != "en" {
						m.Locale = "en"
						en, _ := tpl.Render(m)
						if en.Text == r.Text || (ch == notify.ChannelEmail && en.Subject == r.Subject) {
							t.Errorf("the %s text is the English one:\n%s", lang.tag, r.Text)
						}
					}
				})
			}
		}
	}
}

// noticeFor returns a complete notice message of typ.
func noticeFor(typ store.TemplateType, ch notify.Channel, locale string) notify.Message {
	n := &notify.Notice{At: noticeAt}
	switch typ {
	case notify.NoticePrimaryEmailChanged:
		n.NewAddress = notify.Mask("newton@example.org")
	case notify.NoticePrimaryPhoneChanged:
		n.NewAddress = notify.Mask("+44 7700 900189")
	case notify.NoticeMfaFactorAdded, notify.NoticeMfaFactorRemoved:
		n.Factor = store.FactorWebAuthn
	case notify.NoticeIdentityLinked, notify.NoticeIdentityUnlinked:
		n.Target = "github"
	}
	to := "ada@example.com"
	if ch == notify.ChannelSMS {
		to = "+44 7700 900123"
	}
	return notify.Message{
		Channel: ch, To: to, Type: typ, Locale: locale, Notice: n,
		User: &notify.User{ID: "u1", Name: "Ada"}, Application: &notify.Application{ID: "a1", Name: "Demo"},
	}
}

func TestNoticesRenderInEveryLanguage(t *testing.T) {
	passkey := map[string]string{"en": "a passkey", "fr": "une passkey", "de": "ein Passkey", "pt-BR": "uma passkey", "zh-TW": "通行密鑰"}
	tpl := defaultTemplates(t)
	for _, lang := range languages {
		for _, typ := range notify.NoticeTypes() {
			for _, ch := range []notify.Channel{notify.ChannelEmail, notify.ChannelSMS} {
				t.Run(lang.tag+"/"+string(typ)+"/"+string(ch), func(t *testing.T) {
					m := noticeFor(typ, ch, lang.tag)
					r, err := tpl.Render(m)
					if err != nil {
						t.Fatalf("Render: %v", err)
					}
					checkRendered(t, r, lang.tag, ch)
					want := []string{lang.when}
					switch {
					case m.Notice.NewAddress != "":
						want = append(want, m.Notice.NewAddress)
					case m.Notice.Factor != "":
						want = append(want, passkey[lang.tag])
					case m.Notice.Target != "":
						want = append(want, "github")
					}
					bodies := []string{r.Text}
					if ch == notify.ChannelEmail {
						bodies = append(bodies, r.HTML)
					}
					for _, b := range bodies {
						for _, w := range want {
							if !strings.Contains(b, w) {
								t.Errorf("body lacks %q:\n%s", w, b)
							}
						}
						for _, secret := range []string{"newton", "900189"} {
							if strings.Contains(b, secret) {
								t.Errorf("body shows the new address unmasked:\n%s", b)
							}
						}
					}
					if lang.tag != "en" {
						m.Locale = "en"
						en, _ := tpl.Render(m)
						if en.Text == r.Text || (ch == notify.ChannelEmail && en.Subject == r.Subject) {
							t.Errorf("the %s notice is the English one:\n%s", lang.tag, r.Text)
						}
					}
				})
			}
		}
	}
}

// checkRendered checks what every default text must be: in the expected
// language, complete, greeting the user by email only.
func checkRendered(t *testing.T, r notify.Rendered, lang string, ch notify.Channel) {
	t.Helper()
	if r.Language != lang {
		t.Errorf("Language = %q, want %q", r.Language, lang)
	}
	for _, b := range []string{r.Subject, r.Text, r.HTML} {
		if strings.Contains(b, "{{") || strings.Contains(b, "<no value>") || strings.Contains(b, "{when}") {
			t.Errorf("a text is not fully rendered:\n%s", b)
		}
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
	if !strings.HasPrefix(r.HTML, "<!DOCTYPE html>") || !strings.Contains(r.HTML, `<html lang="`+lang+`">`) {
		t.Errorf("HTML lacks the doctype or the language:\n%s", r.HTML)
	}
	if !strings.Contains(r.Text, "Ada") || !strings.Contains(r.HTML, "Ada") {
		t.Errorf("email does not greet the user:\n%s", r.Text)
	}
}

func TestNoticeNamesTheFactor(t *testing.T) {
	tests := []struct {
		factor store.FactorType
		want   string
	}{
		{store.FactorTOTP, "added to your account on March 4, 2026 at 10:05 UTC: an authenticator app (TOTP)."},
		{store.FactorWebAuthn, ": a passkey."},
		{store.FactorBackupCode, ": backup codes."},
		{"Email", ": Email."},
	}
	for _, tt := range tests {
		t.Run(string(tt.factor), func(t *testing.T) {
			m := noticeFor(notify.NoticeMfaFactorAdded, notify.ChannelEmail, "")
			m.Notice.Factor = tt.factor
			r, err := defaultTemplates(t).Render(m)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(r.Text, tt.want) {
				t.Errorf("Text lacks %q:\n%s", tt.want, r.Text)
			}
		})
	}
}

func TestNoticeOverrides(t *testing.T) {
	tpl, err := notify.NewTemplates(notify.TemplatesConfig{Overrides: []notify.Template{{
		Locale: "fr", Type: notify.NoticePasswordChanged,
		SMS: `Mot de passe modifié le {{.Notice.At.Format "02/01"}}.`,
	}}})
	if err != nil {
		t.Fatal(err)
	}
	m := noticeFor(notify.NoticePasswordChanged, notify.ChannelSMS, "fr")
	if r, err := tpl.Render(m); err != nil || r.Text != "Mot de passe modifié le 04/03." {
		t.Errorf("SMS = %q, %v", r.Text, err)
	}
	m.Channel, m.To = notify.ChannelEmail, "ada@example.com"
	if r, err := tpl.Render(m); err != nil || r.Subject != "Votre mot de passe a été modifié" {
		t.Errorf("email subject = %q, %v; want the default French one", r.Subject, err)
	}

	// A code has no notice: a code template that reads one cannot render.
	_, err = notify.NewTemplates(notify.TemplatesConfig{Overrides: []notify.Template{{
		Type: store.TemplateSignIn, SMS: "{{.Code}} {{.Notice.At}}",
	}}})
	if err == nil {
		t.Error("NewTemplates accepted a code template that reads .Notice")
	}
}

func TestNoticeMessagesAreChecked(t *testing.T) {
	valid := func() notify.Message { return noticeFor(notify.NoticePrimaryEmailChanged, notify.ChannelEmail, "fr") }
	tests := []struct {
		name string
		mod  func(*notify.Message)
	}{
		{"a notice with a code", func(m *notify.Message) { m.Code = "123456" }},
		{"no Notice", func(m *notify.Message) { m.Notice = nil }},
		{"no time", func(m *notify.Message) { m.Notice.At = time.Time{} }},
		{"no new address", func(m *notify.Message) { m.Notice.NewAddress = "" }},
		{"an unmasked new address", func(m *notify.Message) { m.Notice.NewAddress = "newton@example.org" }},
		{"a member the type does not use", func(m *notify.Message) { m.Notice.Target = "github" }},
		{"a removal with a new address", func(m *notify.Message) { m.Type = notify.NoticePrimaryEmailRemoved }},
		{"no factor", func(m *notify.Message) {
			*m = noticeFor(notify.NoticeMfaFactorRemoved, notify.ChannelEmail, "")
			m.Notice.Factor = ""
		}},
		{"no target", func(m *notify.Message) {
			*m = noticeFor(notify.NoticeIdentityLinked, notify.ChannelEmail, "")
			m.Notice.Target = ""
		}},
		{"a code with a notice", func(m *notify.Message) { m.Type, m.Code = store.TemplateSignIn, "123456" }},
	}
	ob, _ := newOutbox(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := valid()
			tt.mod(&m)
			_, err := defaultTemplates(t).Render(m)
			if !errors.Is(err, notify.ErrInvalidMessage) {
				t.Errorf("Render: err = %v, want ErrInvalidMessage", err)
			}
			if err := ob.Notify(context.Background(), m); !errors.Is(err, notify.ErrInvalidMessage) {
				t.Errorf("Outbox: err = %v, want ErrInvalidMessage", err)
			}
			if err != nil && (strings.Contains(err.Error(), "newton") || strings.Contains(err.Error(), "123456")) {
				t.Errorf("the error repeats the address or the code: %v", err)
			}
		})
	}
	if _, err := defaultTemplates(t).Render(valid()); err != nil {
		t.Errorf("the valid notice: %v", err)
	}
}

func TestNoticeJSON(t *testing.T) {
	user := &notify.User{ID: "u1", Username: "ada"}
	app := &notify.Application{ID: "app1", Name: "Demo"}
	tests := []struct {
		name string
		m    notify.Message
		want string
	}{
		{
			name: "email change to the old address",
			m: notify.Message{Channel: notify.ChannelEmail, To: "ada@example.com", Type: notify.NoticePrimaryEmailChanged, Locale: "de-CH",
				Notice: &notify.Notice{At: noticeAt, NewAddress: "n***@example.org"}, User: user, Application: app},
			want: `{"channel":"email","to":"ada@example.com","type":"PrimaryEmailChanged","payload":{"locale":"de-CH","at":"2026-03-04T10:05:00.000Z","newAddress":"n***@example.org","user":{"id":"u1","username":"ada"},"application":{"id":"app1","name":"Demo"}}}`,
		},
		{
			name: "phone removal by SMS, time in another zone",
			m: notify.Message{Channel: notify.ChannelSMS, To: "+44 7700 900123", Type: notify.NoticePrimaryPhoneRemoved,
				Notice: &notify.Notice{At: noticeAt.In(time.FixedZone("CET", 3600))}, User: user},
			want: `{"channel":"sms","to":"+44 7700 900123","type":"PrimaryPhoneRemoved","payload":{"locale":"en","at":"2026-03-04T10:05:00.000Z"}}`,
		},
		{
			name: "factor",
			m: notify.Message{Channel: notify.ChannelEmail, To: "ada@example.com", Type: notify.NoticeMfaFactorAdded, Locale: "fr",
				Notice: &notify.Notice{At: noticeAt, Factor: store.FactorTOTP}},
			want: `{"channel":"email","to":"ada@example.com","type":"MfaFactorAdded","payload":{"locale":"fr","at":"2026-03-04T10:05:00.000Z","factor":"Totp"}}`,
		},
		{
			name: "identity",
			m: notify.Message{Channel: notify.ChannelEmail, To: "ada@example.com", Type: notify.NoticeIdentityUnlinked, Locale: "zh-TW",
				Notice: &notify.Notice{At: noticeAt, Target: "google"}},
			want: `{"channel":"email","to":"ada@example.com","type":"IdentityUnlinked","payload":{"locale":"zh-TW","at":"2026-03-04T10:05:00.000Z","target":"google"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.m)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("json =\n%s\nwant\n%s", got, tt.want)
			}
			var back notify.Message
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatal(err)
			}
			again, err := json.Marshal(back)
			if err != nil {
				t.Fatal(err)
			}
			if string(again) != tt.want {
				t.Errorf("decoding and encoding again gives\n%s", again)
			}
			if !back.Notice.At.Equal(tt.m.Notice.At) || back.Notice.At.Location() != time.UTC {
				t.Errorf("At = %v, want %v in UTC", back.Notice.At, tt.m.Notice.At)
			}
		})
	}
}

func TestNoticeJSONDecodesWithoutMembers(t *testing.T) {
	var m notify.Message
	if err := json.Unmarshal([]byte(`{"channel":"email","to":"a@example.com","type":"PasswordChanged","payload":{"locale":"en"}}`), &m); err != nil {
		t.Fatal(err)
	}
	want := notify.Message{Channel: notify.ChannelEmail, To: "a@example.com", Type: notify.NoticePasswordChanged, Locale: "en", Notice: &notify.Notice{}}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if err := json.Unmarshal([]byte(`{"type":"PasswordChanged","payload":{"at":"yesterday"}}`), &m); err == nil {
		t.Error("a malformed payload.at decoded")
	}
}

func TestOutboxWritesANoticeLine(t *testing.T) {
	o, path := newOutbox(t)
	m := noticeFor(notify.NoticePasswordChanged, notify.ChannelEmail, "pt-BR")
	if err := o.Notify(context.Background(), m); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"channel":"email","to":"ada@example.com","type":"PasswordChanged","payload":{"locale":"pt-BR","at":"2026-03-04T10:05:00.000Z","user":{"id":"u1","name":"Ada"},"application":{"id":"a1","name":"Demo"}}}` + "\n"
	if string(raw) != want {
		t.Errorf("outbox =\n%s\nwant\n%s", raw, want)
	}
	back, err := notify.ReadOutbox(bytes.NewReader(raw))
	if err != nil || len(back) != 1 || back[0].Notice == nil || !back[0].Notice.At.Equal(noticeAt) || back[0].Code != "" {
		t.Errorf("ReadOutbox = %+v, %v", back, err)
	}
}

func TestNoticePrintingAndLogging(t *testing.T) {
	m := noticeFor(notify.NoticePrimaryPhoneChanged, notify.ChannelSMS, "de")
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("sending", "message", m)
	n := notify.NewSlog(notify.SlogConfig{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err := n.Notify(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	out := fmt.Sprintf("%v %+v %#v %s", m, m, m, m) + logs.String()
	if strings.Contains(out, m.To) || strings.Contains(out, "900189") {
		t.Errorf("an address is not masked:\n%s", out)
	}
	for _, want := range []string{"Type:PrimaryPhoneChanged", "NewAddress:***89", "2026-03-04T10:05:00.000Z"} {
		if !strings.Contains(fmt.Sprint(m), want) {
			t.Errorf("String() = %s, want it to show %s", m, want)
		}
	}
	var rec struct {
		Message map[string]any `json:"message"`
	}
	if err := json.Unmarshal(bytes.SplitN(logs.Bytes(), []byte("\n"), 2)[0], &rec); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"channel": "sms", "to": "***23", "type": "PrimaryPhoneChanged", "locale": "de",
		"at": "2026-03-04T10:05:00Z", "new_address": "***89",
	}
	if diff := cmp.Diff(want, rec.Message); diff != "" {
		t.Errorf("logged message (-want +got):\n%s", diff)
	}

	// Codes stay redacted next to notices.
	code := notify.Message{Channel: notify.ChannelEmail, To: "ada@example.com", Type: store.TemplateSignIn, Code: "918273"}
	if s := fmt.Sprintf("%v %#v", code, code); strings.Contains(s, "918273") || !strings.Contains(s, "Code:<redacted>") {
		t.Errorf("a code message prints as %s", s)
	}
}

// A notice to the old address after a change of email, in French and in
// English: what changed, when, and what to do if it was not the user.
func ExampleTemplates_Render_notice() {
	templates, err := notify.NewTemplates(notify.TemplatesConfig{})
	if err != nil {
		panic(err)
	}
	m := notify.Message{
		Channel: notify.ChannelEmail,
		To:      "ada@example.com", // the old address
		Type:    notify.NoticePrimaryEmailChanged,
		Locale:  "fr-CA",
		User:    &notify.User{ID: "u1", Name: "Ada"},
		Notice: &notify.Notice{
			At:         time.Date(2026, 3, 4, 10, 5, 0, 0, time.UTC),
			NewAddress: notify.Mask("lovelace@example.org"),
		},
	}
	for _, locale := range []string{"fr-CA", "en"} {
		m.Locale = locale
		r, err := templates.Render(m)
		if err != nil {
			panic(err)
		}
		fmt.Println("Subject:", r.Subject)
		fmt.Print(r.Text)
		fmt.Println("---")
	}
	m.Channel, m.To, m.Type = notify.ChannelSMS, "+44 7700 900123", notify.NoticePasswordChanged
	m.Notice = &notify.Notice{At: m.Notice.At}
	sms, err := templates.Render(m)
	if err != nil {
		panic(err)
	}
	fmt.Println(sms.Text)
	// Output:
	// Subject: L’adresse e-mail de votre compte a été modifiée
	// Bonjour Ada,
	//
	// L’adresse e-mail de votre compte a été remplacée par l***@example.org le 04/03/2026 à 10:05 (UTC). Les messages concernant votre compte sont désormais envoyés à la nouvelle adresse.
	//
	// Si vous êtes à l’origine de cette modification, vous n’avez rien à faire.
	//
	// Sinon, quelqu’un d’autre a peut-être accès à votre compte : réinitialisez votre mot de passe sans attendre, vérifiez l’adresse e-mail, le numéro de téléphone, la vérification en deux étapes et les comptes liés de votre compte, puis contactez le support.
	// ---
	// Subject: The email address of your account was changed
	// Hi Ada,
	//
	// The email address of your account was changed to l***@example.org on March 4, 2026 at 10:05 UTC. Messages about your account now go to the new address.
	//
	// If you made this change, you don't need to do anything.
	//
	// If you didn't, someone else may have access to your account: reset your password right away, check the email address, phone number, two-step verification and linked accounts of your account, and contact support.
	// ---
	// The password of your account was changed on March 4, 2026 at 10:05 UTC. Not you? Reset your password now and contact support.
}
