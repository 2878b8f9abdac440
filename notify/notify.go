package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

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

// Message is one message to deliver: a one-time code, what a Logto connector
// receives as {to, type, payload: {code, locale, ...context}}
// (docs/compatibility.md, "What the notifier receives"), or a security notice
// (a Notice… type, e.g. [NoticePasswordChanged]), which carries no code but a
// [Notice] saying what changed and when.
//
// A code Message holds a secret. Its String, GoString and LogValue methods
// leave the code out, so printing or logging a Message does not leak it; its
// JSON form (see MarshalJSON) is the wire format and does carry the code.
type Message struct {
	Channel Channel
	// To is the email address or the phone number as the user gave it. For
	// a notice of a changed or removed email address or phone number, it is
	// the old one.
	To string
	// Type is the template the message is sent with: one of the
	// store.Template… types for a code, one of the Notice… types for a
	// security notice.
	Type store.TemplateType
	// Locale is a BCP 47 language tag, normally taken from the request's
	// Accept-Language; "" means [DefaultLocale]. A full Accept-Language value
	// ("fr-CA,fr;q=0.9") is accepted too when templates choose a language.
	Locale string
	// Code is the one-time code; required for a code, and empty for a
	// notice.
	Code string
	// Notice is what a security notice tells; required for a notice, and
	// nil for a code.
	Notice *Notice
	// User is the user the message is for. Email only: ignored for SMS, as
	// in Logto, where SMS connectors receive only the code and the locale.
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

// Notifier delivers one-time codes and security notices. The host provides
// one; this package ships [SMTP], [Webhook], [Outbox], [Slog] and the routers
// [ByChannel] and [Multi].
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

	// ErrInvalidMessage means a message lacks a known channel, a recipient,
	// a type, or a code (for a code) or a complete [Notice] (for a notice);
	// it is a programming error in the caller.
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
	case IsNotice(m.Type):
		return m.checkNotice()
	case m.Code == "":
		return fmt.Errorf("%w: no code", ErrInvalidMessage)
	case m.Type == "":
		return fmt.Errorf("%w: no template type", ErrInvalidMessage)
	case m.Notice != nil:
		return fmt.Errorf("%w: a %s code carries a notice", ErrInvalidMessage, m.Type)
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

// wirePayload is the payload member. Code is set for codes; the notice
// members (at, newAddress, factor, target) for notices. A code always has
// a code, so omitting an empty one changes no code line.
type wirePayload struct {
	Code        string           `json:"code,omitempty"`
	Locale      string           `json:"locale"`
	At          string           `json:"at,omitempty"`
	NewAddress  string           `json:"newAddress,omitempty"`
	Factor      store.FactorType `json:"factor,omitempty"`
	Target      string           `json:"target,omitempty"`
	User        *User            `json:"user,omitempty"`
	Application *Application     `json:"application,omitempty"`
}

// wireTime is the spelling of Notice.At on the wire: UTC with milliseconds,
// as JavaScript's Date.prototype.toISOString writes it.
const wireTime = "2006-01-02T15:04:05.000Z07:00"

// MarshalJSON encodes m in the wire format shared by [Outbox] lines and
// [Webhook] bodies:
//
//	{"channel":"email","to":"…","type":"…","payload":{"code":"…","locale":"en","user":{…},"application":{…}}}
//
// payload.locale is "en" when m.Locale is empty; user and application appear
// only on email messages, and only when set. A notice has no payload.code;
// its [Notice] is in payload.at (UTC, e.g. "2026-03-04T10:00:00.000Z") and,
// when set, payload.newAddress, payload.factor and payload.target.
func (m Message) MarshalJSON() ([]byte, error) {
	w := wire{
		Channel: m.Channel,
		To:      m.To,
		Type:    m.Type,
		Payload: wirePayload{Code: m.Code, Locale: m.locale()},
	}
	if n := m.Notice; n != nil {
		if !n.At.IsZero() {
			w.Payload.At = n.At.UTC().Format(wireTime)
		}
		w.Payload.NewAddress, w.Payload.Factor, w.Payload.Target = n.NewAddress, n.Factor, n.Target
	}
	if m.Channel == ChannelEmail {
		w.Payload.User, w.Payload.Application = m.User, m.Application
	}
	return json.Marshal(w)
}

// UnmarshalJSON decodes the wire format of MarshalJSON. Unknown members,
// in the payload too, are ignored. A message of a Notice… type gets a
// [Notice], with At in UTC.
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
	p := w.Payload
	if IsNotice(w.Type) || p.At != "" || p.NewAddress != "" || p.Factor != "" || p.Target != "" {
		n := &Notice{NewAddress: p.NewAddress, Factor: p.Factor, Target: p.Target}
		if p.At != "" {
			at, err := time.Parse(time.RFC3339Nano, p.At)
			if err != nil {
				return fmt.Errorf("notify: payload.at: %w", err)
			}
			n.At = at.UTC()
		}
		m.Notice = n
	}
	return nil
}

// String describes m without its code, so that fmt.Print and %v do not leak
// it, and with the recipient masked. A notice, which has no code, shows
// its Notice instead.
func (m Message) String() string {
	if IsNotice(m.Type) {
		return fmt.Sprintf("notify.Message{Channel:%s To:%s Type:%s Locale:%s Notice:%s}",
			m.Channel, Mask(m.To), m.Type, m.locale(), m.Notice)
	}
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
	if n := m.Notice; n != nil {
		attrs = append(attrs, n.logAttrs()...)
	}
	return slog.GroupValue(attrs...)
}
