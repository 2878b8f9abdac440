package notify_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/store"
)

// The default English texts of a code sent to confirm it's the user, by
// email and by SMS.
func ExampleTemplates_Render() {
	templates, err := notify.NewTemplates(notify.TemplatesConfig{})
	if err != nil {
		panic(err)
	}
	m := notify.Message{
		Channel: notify.ChannelEmail,
		To:      "ada@example.com",
		Type:    store.TemplateUserPermission,
		Locale:  "en-GB",
		Code:    "123456",
		User:    &notify.User{ID: "u1", Name: "Ada"},
	}
	email, err := templates.Render(m)
	if err != nil {
		panic(err)
	}
	fmt.Println("Subject:", email.Subject)
	fmt.Print(email.Text)

	m.Channel, m.To = notify.ChannelSMS, "+44 7700 900123"
	sms, err := templates.Render(m)
	if err != nil {
		panic(err)
	}
	fmt.Println("---")
	fmt.Println(sms.Text)
	// Output:
	// Subject: Confirm it's you
	// Hi Ada,
	//
	// Your verification code is 123456.
	//
	// Enter it to confirm it's you before you change your account. It expires in 10 minutes.
	//
	// If you didn't ask for this code, you can ignore this email. Never share it with anyone.
	// ---
	// 123456 is your verification code. Enter it to confirm it's you before you change your account. It expires in 10 minutes. Don't share it.
}

// A host overrides the French email of one type; every other language and
// type keeps its default.
func ExampleTemplatesConfig_overrides() {
	templates, err := notify.NewTemplates(notify.TemplatesConfig{Overrides: []notify.Template{{
		Locale:  "fr",
		Type:    store.TemplateBindNewIdentifier,
		Subject: "Confirmez votre adresse",
		Text:    "Votre code : {{.Code}}. Il expire dans 10 minutes.",
	}}})
	if err != nil {
		panic(err)
	}
	r, err := templates.Render(notify.Message{
		Channel: notify.ChannelEmail, To: "ada@example.fr", Type: store.TemplateBindNewIdentifier,
		Locale: "fr-CA", Code: "654321",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Language, "|", r.Subject, "|", r.Text)
	// Output: fr | Confirmez votre adresse | Votre code : 654321. Il expire dans 10 minutes.
}

// One line of the outbox: the contract end-to-end tests read codes from.
func ExampleOutbox() {
	dir, err := os.MkdirTemp("", "outbox")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "outbox.jsonl")

	outbox, err := notify.NewOutbox(notify.OutboxConfig{Path: path})
	if err != nil {
		panic(err)
	}
	err = outbox.Notify(context.Background(), notify.Message{
		Channel: notify.ChannelEmail, To: "ada@example.com", Type: store.TemplateUserPermission, Code: "123456",
		User: &notify.User{ID: "u1", Username: "ada"}, Application: &notify.Application{ID: "app1", Name: "Demo"},
	})
	if err != nil {
		panic(err)
	}
	line, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	fmt.Print(string(line))
	// Output:
	// {"channel":"email","to":"ada@example.com","type":"UserPermissionValidation","payload":{"code":"123456","locale":"en","user":{"id":"u1","username":"ada"},"application":{"id":"app1","name":"Demo"}}}
}

// Wiring for a host: email through SMTP, SMS through the host's own
// service, and a log line for every message, without codes.
func ExampleByChannel() {
	smtp, err := notify.NewSMTP(notify.SMTPConfig{
		Host:     "smtp.example.com",
		Username: "accountapi",
		Password: "secret",
		From:     "Example <no-reply@example.com>",
	})
	if err != nil {
		panic(err)
	}
	sms, err := notify.NewWebhook(notify.WebhookConfig{
		URL:    "https://sms-gateway.internal.example.com/send",
		Secret: []byte("a shared secret of at least 32 bytes"),
	})
	if err != nil {
		panic(err)
	}
	var n notify.Notifier = notify.Multi{
		notify.ByChannel{Email: smtp, SMS: sms},
		notify.NewSlog(notify.SlogConfig{Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))}),
	}
	_ = n // hand n to the verification service
}

func ExampleMask() {
	fmt.Println(notify.Mask("jane.doe@example.com"))
	fmt.Println(notify.Mask("+1 555 0100 1234"))
	// Output:
	// j***@example.com
	// ***34
}
