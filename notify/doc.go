// Package notify delivers the one-time codes of email and phone
// verification: the Notifier port the host provides, the implementations
// this library ships, and the default message texts.
//
// # Messages
//
// A [Message] is what a Logto email or SMS connector receives
// (logto-contract.md §3.5): a [Channel] (email or sms), the recipient as the
// user gave it, a template type ([github.com/accountapi/accountapi/store.TemplateType], e.g.
// UserPermissionValidation for a code sent to the user's own address,
// BindNewIdentifier for a new one), a BCP 47 locale ("" is English) and the
// code. Email messages also carry the [User] and the [Application] of the
// request; SMS messages carry only the code and the locale, as in Logto.
//
// A Message holds a secret. Its String, GoString and LogValue methods leave
// the code out and mask the recipient ([Mask]), and no notifier puts the
// code in an error or a log line. Only the wire format (below) carries it.
//
// # Notifiers
//
// [Notifier.Notify] delivers one message. Its errors are of three kinds,
// which the API maps to Logto's connector errors:
//
//   - [ErrTemplateNotFound]: no template for the message's type
//     (400 connector.template_not_found);
//   - [ErrNoNotifier]: nothing carries the message's channel
//     (501 connector.not_found);
//   - anything else: delivery failed (connector.general).
//
// The shipped notifiers, each built from a config struct checked once by its
// constructor, whose zero fields mean the documented defaults:
//
//   - [SMTP] ([NewSMTP]) renders the message with [Templates] and sends a
//     multipart/alternative email (text and HTML) through an SMTP server.
//     TLS is STARTTLS and mandatory by default (RFC 3207), for loopback
//     hosts too; [TLSImplicit] speaks TLS from the first byte (RFC 8314),
//     [TLSOpportunistic] and [TLSNone] are opt-outs, and [NewSMTP] refuses
//     to send credentials in clear to a host that is not loopback. AUTH is
//     PLAIN (RFC 4616) or LOGIN. The email carries Auto-Submitted:
//     auto-generated (RFC 3834) and Content-Language. Email only: an SMS
//     gets [ErrNoNotifier].
//   - [Webhook] ([NewWebhook]) POSTs the message in the wire format to a URL
//     of the host's, with an optional Authorization header and, given a
//     secret, an HMAC-SHA256 signature (RFC 2104) of the exact body in
//     [SignatureHeader]: "X-Accountapi-Signature: sha256=<hex>" (see
//     [Sign]). A 2xx answer is success; redirects are not followed. The
//     signature covers the body only, not a time: a receiver that must not
//     act twice on a replayed request should remember what it sent.
//   - [Outbox] ([NewOutbox]) appends each message to a file as one JSON
//     line: for development and end-to-end tests, which read codes from it.
//     [ReadOutbox] parses the file back.
//   - [Slog] ([NewSlog]) logs that a message was sent, without the code:
//     safe as a default, but it delivers nothing.
//   - [ByChannel] routes email and SMS to different notifiers; [Multi] sends
//     every message to several (e.g. SMTP and Slog).
//
// # The wire format: outbox lines and webhook bodies
//
// The example server's -outbox flag, the end-to-end tests and tools outside
// this module rely on this format; it is a contract and changes only by
// adding members. One message is one JSON object (one line in the outbox,
// the body of a webhook request), as [Message.MarshalJSON] writes it:
//
//	{"channel":"email","to":"ada@example.com","type":"UserPermissionValidation",
//	 "payload":{"code":"123456","locale":"en",
//	  "user":{"id":"u1","username":"ada"},"application":{"id":"app1","name":"Demo"}}}
//
// (shown on three lines here; in the outbox it is one.)
//
//   - channel: "email" or "sms";
//   - to: the address or phone number as the user gave it;
//   - type: the template type, spelled as in Logto;
//   - payload.code: the one-time code, a string;
//   - payload.locale: the message's locale, "en" when it had none;
//   - payload.user, payload.application: email only, when known; user has
//     id and, when set, username, primaryEmail, primaryPhone, name, avatar
//     and profile; application has id and name.
//
// The outbox file is created with mode 0600. Each line is written with one
// write call on a file opened with O_APPEND, under a mutex, so lines never
// interleave within a process; a reader may truncate or delete the file
// between messages.
//
// # Templates
//
// [Templates] ([NewTemplates]) holds, per language and template type, an
// email subject, a text body, an HTML body and an SMS body: Go templates
// executed with a [TemplateData] (the code, the recipient, the locale, and
// for email the user and the application). Text uses text/template and HTML
// uses html/template, so user data (a name, a username) is escaped in HTML.
// Every default text states the code, what it is for ("to confirm it's
// you", "to add this email address to your account") and that it expires in
// 10 minutes.
//
// The default texts are a catalogue of languages, one Go file each
// (texts_en.go); English is always there and is the last fallback. A message
// gets the language that best matches its locale (golang.org/x/text's
// matcher: "fr-CA" finds "fr", "pt" finds "pt-BR", "zh-HK" finds "zh-TW",
// but "zh-CN" does not get Traditional Chinese), then
// [TemplatesConfig.Fallback], then English; at each step, the first template
// with texts for the message's channel wins. As in Logto, a host may
// override any template per language and type with
// [TemplatesConfig.Overrides], for the email, the SMS or both, including in
// a language the catalogue lacks. NewTemplates runs every template once on
// sample data, so a broken override fails at start-up, not when a user asks
// for a code.
//
// [Templates.Render] is exported for hosts that deliver through a channel
// of their own (an SMS provider's SDK) and want the same texts.
//
// # Dependencies
//
//   - github.com/wneessen/go-mail builds the MIME message and speaks SMTP,
//     STARTTLS and AUTH: a maintained library, so this package writes no
//     protocol code.
//   - golang.org/x/text/language matches a locale to the catalogue's
//     languages by BCP 47 rules (regions, scripts), which a string
//     comparison gets wrong.
//   - github.com/emersion/go-smtp and github.com/emersion/go-sasl (tests
//     only) run a real SMTP server in process, so the SMTP notifier is
//     tested against the protocol, not a mock.
//   - github.com/google/go-cmp (tests only) prints the difference when a
//     structure does not match.
package notify
