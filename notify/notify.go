package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/accountapi/accountapi/store"
)

// Channel is the medium a message travels through.
type Channel string

// The channels.
const (
	// ChannelEmail carries a message to an email address.
	ChannelEmail Channel = "email"
	// ChannelSMS carries a message to a phone number.
	ChannelSMS Channel = "sms"
)

// DefaultLocale is the locale of a [Message] whose Locale is empty, and the
// last language templates fall back to.
const DefaultLocale = "en"

// Message is one one-time code to deliver: what a Logto connector receives
// as {to, type, payload: {code, locale, ...context}} (logto-contract.md §3.5).
//
// A Message holds a secret. Its String, GoString and LogValue methods leave
// the code out, so printing or logging a Message does not leak it; its JSON form
// (see MarshalJSON) is the wire format and does carry the code.
type Message struct {
	Channel Channel
	// To is the email address or the phone number as the user gave it.
	To string
	// Type is the template the code is sent with.
	Type store.TemplateType
	// Locale is a BCP 47 language tag, normally taken from the request's
	// Accept-Language; "" means [DefaultLocale]. A full Accept-Language value
	// ("fr-CA,fr;q=0.9") is accepted too when templates choose a language.
	Locale string
	// Code is the one-time code.
	Code string
	// User is the user the code is for. Email only: ignored for SMS, as in
	// Logto, where SMS connectors receive only the code and the locale.
	User *User
	// Application is the client application of the request's token. Email
	// only, like User.
	Application *Application
}

// User is the user context of an email message: the members Logto passes
// to email connectors. Empty members are absent from the JSON form.
type User struct {
	ID           string         `json:"id"`
	Username     string         `json:"username,omitempty"`
	PrimaryEmail string         `json:"primaryEmail,omitempty"`
	PrimaryPhone string         `json:"primaryPhone,omitempty"`
	Name         string         `json:"name,omitempty"`
	Avatar       string         `json:"avatar,omitempty"`
	Profile      *store.Profile `json:"profile,omitempty"`
}

// Application is the application context of an email message.
type Application struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// Notifier delivers one-time codes. The host provides one; this package
// ships [SMTP], [Webhook], [Outbox], [Slog] and the routers [ByChannel] and
// [Multi].
type Notifier interface {
	// Notify delivers m. It returns an error wrapping [ErrTemplateNotFound]
	// when the notifier has no template for m.Type, one wrapping
	// [ErrNoNotifier] when it cannot carry m.Channel, and any other error
	// when delivery failed. Errors never contain m.Code.
	Notify(ctx context.Context, m Message) error
}

var (
	// ErrTemplateNotFound means a notifier has no template for a message's
	// type (in any language it falls back to). The API answers it with
	// 400 connector.template_not_found.
	ErrTemplateNotFound = errors.New("notify: no template for this message type")

	// ErrNoNotifier means nothing is set up to carry a message's channel:
	// [ByChannel] returns it for a channel without a notifier, and [SMTP]
	// for SMS. The API answers it with 501 connector.not_found.
	ErrNoNotifier = errors.New("notify: no notifier for this channel")

	// ErrInvalidMessage means a message lacks a known channel, a recipient
	// or a code; it is a programming error in the caller.
	ErrInvalidMessage = errors.New("notify: invalid message")
)

// locale is m.Locale, or DefaultLocale when empty.
func (m Message) locale() string {
	if m.Locale == "" {
		return DefaultLocale
	}
	return m.Locale
}

// check reports whether m can be delivered at all. It never mentions the code.
func (m Message) check() error {
	switch {
	case m.Channel != ChannelEmail && m.Channel != ChannelSMS:
		return fmt.Errorf("%w: unknown channel %q", ErrInvalidMessage, m.Channel)
	case m.To == "":
		return fmt.Errorf("%w: no recipient", ErrInvalidMessage)
	case m.Code == "":
		return fmt.Errorf("%w: no code", ErrInvalidMessage)
	case m.Type == "":
		return fmt.Errorf("%w: no template type", ErrInvalidMessage)
	}
	return nil
}

// wire is the JSON form of a Message: the outbox line and the webhook body.
type wire struct {
	Channel Channel            `json:"channel"`
	To      string             `json:"to"`
	Type    store.TemplateType `json:"type"`
	Payload wirePayload        `json:"payload"`
}

type wirePayload struct {
	Code        string       `json:"code"`
	Locale      string       `json:"locale"`
	User        *User        `json:"user,omitempty"`
	Application *Application `json:"application,omitempty"`
}

// MarshalJSON encodes m in the wire format shared by [Outbox] lines and
// [Webhook] bodies:
//
//	{"channel":"email","to":"…","type":"…","payload":{"code":"…","locale":"en","user":{…},"application":{…}}}
//
// payload.locale is "en" when m.Locale is empty; user and application appear
// only on email messages, and only when set.
func (m Message) MarshalJSON() ([]byte, error) {
	w := wire{
		Channel: m.Channel,
		To:      m.To,
		Type:    m.Type,
		Payload: wirePayload{Code: m.Code, Locale: m.locale()},
	}
	if m.Channel == ChannelEmail {
		w.Payload.User, w.Payload.Application = m.User, m.Application
	}
	return json.Marshal(w)
}

// UnmarshalJSON decodes the wire format of MarshalJSON. Unknown members,
// in the payload too, are ignored.
func (m *Message) UnmarshalJSON(b []byte) error {
	var w wire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*m = Message{
		Channel:     w.Channel,
		To:          w.To,
		Type:        w.Type,
		Locale:      w.Payload.Locale,
		Code:        w.Payload.Code,
		User:        w.Payload.User,
		Application: w.Payload.Application,
	}
	return nil
}

// String describes m without its code, so that fmt.Print and %v do not leak
// it.
func (m Message) String() string {
	return fmt.Sprintf("notify.Message{Channel:%s To:%s Type:%s Locale:%s Code:<redacted>}",
		m.Channel, Mask(m.To), m.Type, m.locale())
}

// GoString is String, so that %#v does not leak the code either.
func (m Message) GoString() string { return m.String() }

// LogValue describes m for log/slog without its code, and with the
// recipient masked (see [Mask]).
func (m Message) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("channel", string(m.Channel)),
		slog.String("to", Mask(m.To)),
		slog.String("type", string(m.Type)),
		slog.String("locale", m.locale()),
	}
	if m.Channel == ChannelEmail && m.User != nil {
		attrs = append(attrs, slog.String("user_id", m.User.ID))
	}
	if m.Channel == ChannelEmail && m.Application != nil {
		attrs = append(attrs, slog.String("application_id", m.Application.ID))
	}
	return slog.GroupValue(attrs...)
}
