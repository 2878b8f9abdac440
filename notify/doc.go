// Package notify delivers the one-time codes of email and phone
// verification and the security notices of account changes: the Notifier
// port the host provides, the implementations this library ships, and the
// default message texts in English, French, German, Brazilian Portuguese and
// Traditional Chinese.
//
// # Messages
//
// A [Message] is what a Logto email or SMS connector receives
// (docs/compatibility.md, "What the notifier receives"): a [Channel] (email or
// sms), the recipient as the user gave it, a template type
// ([github.com/accountapi/accountapi/store.TemplateType], e.g.
// UserPermissionValidation for a code sent to the user's own address,
// BindNewIdentifier for a new one), a BCP 47 locale ("" is English) and the
// code. Email messages also carry the [User] and the [Application] of the
// request; SMS messages carry only the code and the locale, as in Logto.
//
// A Message holds a secret. Its String, GoString and LogValue methods leave
// the code out and mask the recipient ([Mask]), and no notifier puts the
// code in an error or a log line. Only the wire format (below) carries it.
//
// # Security notices
//
// A security notice tells the user that something about their account
// changed, so that they notice a change they did not make. Each event has a
// template type of its own, next to Logto's, so a host overrides or routes
// it like any other message:
//
//   - [NoticePrimaryEmailChanged], [NoticePrimaryEmailRemoved]: to the OLD
//     email address;
//   - [NoticePrimaryPhoneChanged], [NoticePrimaryPhoneRemoved]: to the OLD
//     phone number (by SMS);
//   - [NoticePasswordChanged], [NoticeMfaFactorAdded],
//     [NoticeMfaFactorRemoved], [NoticeIdentityLinked],
//     [NoticeIdentityUnlinked]: to the user's email address.
//
// A notice Message has no Code. Its [Notice] is a small typed context with
// nothing secret in it: when the change happened (At, required) and, as
// the type needs, the new address masked with [Mask] (the old address's
// owner may not be the user any more, so it is never shown in full; an
// unmasked address is refused), the MFA factor type, or the connector
// target of the social identity. Notifiers refuse with [ErrInvalidMessage]
// a notice with a code, without its Notice or time, or with a member its
// type does not use, and a code with a Notice. The default texts say what
// changed, when (in UTC), that nothing is to be done if the user made the
// change, and otherwise to reset the password at once, review the account's
// addresses, two-step verification and linked accounts, and contact
// support. They link nowhere: the library knows no URL of the host's.
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
// (shown on three lines here; in the outbox it is one.) A notice has no
// payload.code; its context is in the payload:
//
//		{"channel":"email","to":"ada@example.com","type":"PrimaryEmailChanged",
//		 "payload":{"locale":"fr","at":"2026-03-04T10:05:00.000Z","newAddress":"l***@example.org",
//		  "user":{"id":"u1","username":"ada"}}}
//
//	  - channel: "email" or "sms";
//	  - to: the address or phone number as the user gave it (for the notice
//	    of a changed or removed address, the old one);
//	  - type: the template type, spelled as in Logto, or a notice type
//	    ("PrimaryEmailChanged", "PrimaryEmailRemoved", "PrimaryPhoneChanged",
//	    "PrimaryPhoneRemoved", "PasswordChanged", "MfaFactorAdded",
//	    "MfaFactorRemoved", "IdentityLinked", "IdentityUnlinked");
//	  - payload.code: the one-time code, a string; codes only;
//	  - payload.locale: the message's locale, "en" when it had none;
//	  - payload.at: notices only: when the change happened, in UTC with
//	    milliseconds;
//	  - payload.newAddress, payload.factor, payload.target: notices only,
//	    when the type has them: the masked new address, the MFA factor type
//	    ("Totp", "WebAuthn", "BackupCode"), the social connector target;
//	  - payload.user, payload.application: email only, when known; user has
//	    id and, when set, username, primaryEmail, primaryPhone, name, avatar
//	    and profile; application has id and name.
//
// Code lines are unchanged by notices: a reader that handles only codes
// tells notices apart by their type or by the absence of payload.code.
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
// executed with a [TemplateData] (the code or the notice, the recipient,
// the locale, and for email the user and the application). Text uses
// text/template and HTML uses html/template, so user data (a name, a
// username) is escaped in HTML. Every default code text states the code,
// what it is for ("to confirm it's you", "to add this email address to
// your account") and that it expires in 10 minutes.
//
// # Languages
//
// The default texts are a catalogue of languages, one Go file each:
// English (texts_en.go), French (texts_fr.go), German (texts_de.go),
// Brazilian Portuguese (texts_pt_br.go) and Traditional Chinese
// (texts_zh_tw.go), the languages of the guides the project was written
// from, whose terms they use. Every language has every code type and every
// notice type, for email and SMS (a test fails otherwise); English is the
// last fallback.
//
// A message gets the language of the first preference of its locale (a tag,
// or an Accept-Language list in order of quality) that golang.org/x/text's
// matcher serves with high confidence: "fr-CA" finds "fr", "de-CH" "de",
// "pt" "pt-BR", "zh-HK", "zh-MO" and "zh-Hant" find "zh-TW", but "zh-CN"
// does not get Traditional Chinese. This is the rule of the API's error
// messages (apierror.Localizer.Match), so the email and the errors of one
// request agree. Then come [TemplatesConfig.Fallback] and English; at each
// step, the first template with texts for the message's channel wins.
//
// A host overrides a text, or adds a language, with
// [TemplatesConfig.Overrides]: one [Template] per language and type, for
// the email, the SMS or both, as in Logto. An override replaces the default
// of its language and type channel by channel; one in a language the
// catalogue lacks (say "ja") makes that language available for the types
// it covers, the others falling back. Notice types are overridden like
// code types. NewTemplates runs every template once on sample data (a
// notice type with a Notice, a code type without), so a broken override
// fails at start-up, not when a user asks for a code. A new built-in
// language is a texts_<tag>.go file and one line in the catalogue function.
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
