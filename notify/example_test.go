package notify_test

import (
	"context"
	"errors"
	"fmt"
	"log"
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

// End-to-end tests read the codes back from the outbox file: ReadOutbox
// parses its lines into Messages, in order.
func ExampleReadOutbox() {
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
	ctx := context.Background()
	for _, m := range []notify.Message{
		{Channel: notify.ChannelEmail, To: "ada@example.com", Type: store.TemplateUserPermission, Code: "123456"},
		{Channel: notify.ChannelSMS, To: "+44 7700 900123", Type: store.TemplateBindNewIdentifier, Code: "654321", Locale: "en-GB"},
	} {
		if err := outbox.Notify(ctx, m); err != nil {
			panic(err)
		}
	}

	f, err := os.Open(path)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	sent, err := notify.ReadOutbox(f)
	if err != nil {
		panic(err)
	}
	for _, m := range sent {
		fmt.Println(m.Channel, m.To, m.Type, m.Code)
	}
	// Output:
	// email ada@example.com UserPermissionValidation 123456
	// sms +44 7700 900123 BindNewIdentifier 654321
}

// Slog logs that a message was sent, with the recipient masked and without
// the code. The handler here writes to standard output without the time, so
// that the output is stable.
func ExampleSlog() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	n := notify.NewSlog(notify.SlogConfig{Logger: logger})
	err := n.Notify(context.Background(), notify.Message{
		Channel: notify.ChannelEmail, To: "ada@example.com", Type: store.TemplateUserPermission, Code: "123456",
		User: &notify.User{ID: "u1"}, Application: &notify.Application{ID: "app1"},
	})
	if err != nil {
		panic(err)
	}
	// Output:
	// level=INFO msg="notify: message sent" message.channel=email message.to=a***@example.com message.type=UserPermissionValidation message.locale=en message.user_id=u1 message.application_id=app1
}

// ByChannel routes each message to the notifier of its channel; a channel
// left nil is not set up, and its messages get an error wrapping
// ErrNoNotifier (501 connector.not_found in the API, as in Logto).
func ExampleByChannel_routing() {
	dir, err := os.MkdirTemp("", "outbox")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "email.jsonl")
	email, err := notify.NewOutbox(notify.OutboxConfig{Path: path})
	if err != nil {
		panic(err)
	}
	router := notify.ByChannel{Email: email} // no SMS notifier

	ctx := context.Background()
	err = router.Notify(ctx, notify.Message{
		Channel: notify.ChannelEmail, To: "ada@example.com", Type: store.TemplateBindNewIdentifier, Code: "123456",
	})
	fmt.Println("email:", err)
	err = router.Notify(ctx, notify.Message{
		Channel: notify.ChannelSMS, To: "+44 7700 900123", Type: store.TemplateBindNewIdentifier, Code: "654321",
	})
	fmt.Println("sms:", errors.Is(err, notify.ErrNoNotifier), err)

	f, err := os.Open(path)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	sent, err := notify.ReadOutbox(f)
	if err != nil {
		panic(err)
	}
	fmt.Println("in the email outbox:", len(sent), sent[0].To)
	// Output:
	// email: <nil>
	// sms: true notify: no notifier for this channel: "sms"
	// in the email outbox: 1 ada@example.com
}

// Email through an SMTP relay: STARTTLS (the default, mandatory) on port
// 587, SMTP AUTH PLAIN, the default texts. NewSMTP checks the configuration
// but does not connect, so this example is compiled but not run (no Output
// comment); route SMS elsewhere with ByChannel.
func ExampleNewSMTP() {
	email, err := notify.NewSMTP(notify.SMTPConfig{
		Host:     "smtp.example.com",
		Port:     587,
		TLS:      notify.TLSMandatory,
		Username: "accountapi",
		Password: os.Getenv("SMTP_PASSWORD"), // from your secret store
		From:     "Example <no-reply@example.com>",
	})
	if err != nil {
		log.Fatal(err)
	}
	err = email.Notify(context.Background(), notify.Message{
		Channel: notify.ChannelEmail, To: "ada@example.com", Type: store.TemplateUserPermission,
		Locale: "fr-CA", Code: "123456",
	})
	if err != nil {
		log.Fatal(err)
	}
}
