package notify

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/accountapi/accountapi/store"
)

// The security notices (issue 7, item 3): template types of their own, next
// to the store.Template… types of codes, so that a host overrides or routes
// them like any other message. They carry no code; a [Notice] says what
// changed.
//
// The notices of a changed or removed primary email address or phone number
// go to the OLD address, so that its owner learns of the change even when
// someone else made it; the others go to the user's email address.
const (
	// NoticePrimaryEmailChanged: the primary email address was replaced.
	// Sent to the old address; Notice.NewAddress is the new one, masked.
	NoticePrimaryEmailChanged store.TemplateType = "PrimaryEmailChanged"
	// NoticePrimaryEmailRemoved: the primary email address was removed.
	// Sent to the removed address.
	NoticePrimaryEmailRemoved store.TemplateType = "PrimaryEmailRemoved"
	// NoticePrimaryPhoneChanged: the primary phone number was replaced.
	// Sent to the old number; Notice.NewAddress is the new one, masked.
	NoticePrimaryPhoneChanged store.TemplateType = "PrimaryPhoneChanged"
	// NoticePrimaryPhoneRemoved: the primary phone number was removed. Sent
	// to the removed number.
	NoticePrimaryPhoneRemoved store.TemplateType = "PrimaryPhoneRemoved"
	// NoticePasswordChanged: the password was set, changed or reset.
	NoticePasswordChanged store.TemplateType = "PasswordChanged"
	// NoticeMfaFactorAdded: an MFA factor was added; Notice.Factor says
	// which.
	NoticeMfaFactorAdded store.TemplateType = "MfaFactorAdded"
	// NoticeMfaFactorRemoved: an MFA factor was removed; Notice.Factor says
	// which.
	NoticeMfaFactorRemoved store.TemplateType = "MfaFactorRemoved"
	// NoticeIdentityLinked: a social identity was linked; Notice.Target
	// names its connector target, e.g. "google".
	NoticeIdentityLinked store.TemplateType = "IdentityLinked"
	// NoticeIdentityUnlinked: a social identity was unlinked; Notice.Target
	// names its connector target.
	NoticeIdentityUnlinked store.TemplateType = "IdentityUnlinked"
)

// NoticeTypes lists every notice type, in the order above.
func NoticeTypes() []store.TemplateType {
	return []store.TemplateType{
		NoticePrimaryEmailChanged, NoticePrimaryEmailRemoved,
		NoticePrimaryPhoneChanged, NoticePrimaryPhoneRemoved,
		NoticePasswordChanged,
		NoticeMfaFactorAdded, NoticeMfaFactorRemoved,
		NoticeIdentityLinked, NoticeIdentityUnlinked,
	}
}

// IsNotice reports whether t is one of the notice types.
func IsNotice(t store.TemplateType) bool { return slices.Contains(NoticeTypes(), t) }

// Notice is the context of a security notice: what changed and when, for
// the text to tell the user. It is deliberately small and holds nothing
// secret: no code, password, token or secret, and the new address only
// masked, since the notice of a change goes to the old address, whose
// owner may not be the user any more.
type Notice struct {
	// At is when the change happened; required. The default texts show it
	// in UTC.
	At time.Time
	// NewAddress is the new email address or phone number as [Mask] shows
	// it ("j***@example.com", "***34"): required for
	// NoticePrimaryEmailChanged and NoticePrimaryPhoneChanged, empty for
	// the other types. An unmasked address is refused.
	NewAddress string
	// Factor is the MFA factor added or removed: required for
	// NoticeMfaFactorAdded and NoticeMfaFactorRemoved, empty for the others.
	Factor store.FactorType
	// Target is the connector target of the social identity linked or
	// unlinked, e.g. "google": required for NoticeIdentityLinked and
	// NoticeIdentityUnlinked, empty for the others.
	Target string
}

// noticeNeeds says which optional members of a Notice a type requires.
func noticeNeeds(t store.TemplateType) (address, factor, target bool) {
	switch t {
	case NoticePrimaryEmailChanged, NoticePrimaryPhoneChanged:
		return true, false, false
	case NoticeMfaFactorAdded, NoticeMfaFactorRemoved:
		return false, true, false
	case NoticeIdentityLinked, NoticeIdentityUnlinked:
		return false, false, true
	}
	return false, false, false
}

// checkNotice checks a message of a notice type: no code, a Notice with a
// time and exactly the members its type uses, and a masked new address.
func (m Message) checkNotice() error {
	n := m.Notice
	switch {
	case m.Code != "":
		return fmt.Errorf("%w: a %s notice carries a code", ErrInvalidMessage, m.Type)
	case n == nil:
		return fmt.Errorf("%w: a %s notice without its Notice", ErrInvalidMessage, m.Type)
	case n.At.IsZero():
		return fmt.Errorf("%w: a %s notice without a time", ErrInvalidMessage, m.Type)
	}
	address, factor, target := noticeNeeds(m.Type)
	if err := noticeMember(m.Type, "NewAddress", address, n.NewAddress); err != nil {
		return err
	}
	if err := noticeMember(m.Type, "Factor", factor, string(n.Factor)); err != nil {
		return err
	}
	if err := noticeMember(m.Type, "Target", target, n.Target); err != nil {
		return err
	}
	// Mask always leaves "***"; an address without it was not masked. The
	// error does not repeat the address.
	if n.NewAddress != "" && !strings.Contains(n.NewAddress, "***") {
		return fmt.Errorf("%w: a %s notice with an unmasked NewAddress (use Mask)", ErrInvalidMessage, m.Type)
	}
	return nil
}

func noticeMember(t store.TemplateType, name string, needed bool, value string) error {
	switch {
	case needed && value == "":
		return fmt.Errorf("%w: a %s notice without Notice.%s", ErrInvalidMessage, t, name)
	case !needed && value != "":
		return fmt.Errorf("%w: a %s notice with Notice.%s, which it does not use", ErrInvalidMessage, t, name)
	}
	return nil
}

// String describes n; nothing in a Notice is secret.
func (n *Notice) String() string {
	if n == nil {
		return "<nil>"
	}
	var b strings.Builder
	b.WriteString("{At:")
	b.WriteString(n.At.UTC().Format(wireTime))
	for _, kv := range [][2]string{{"NewAddress", n.NewAddress}, {"Factor", string(n.Factor)}, {"Target", n.Target}} {
		if kv[1] != "" {
			b.WriteString(" " + kv[0] + ":" + kv[1])
		}
	}
	b.WriteString("}")
	return b.String()
}

// logAttrs describes n for Message.LogValue.
func (n *Notice) logAttrs() []slog.Attr {
	attrs := []slog.Attr{slog.Time("at", n.At.UTC())}
	if n.NewAddress != "" {
		attrs = append(attrs, slog.String("new_address", n.NewAddress))
	}
	if n.Factor != "" {
		attrs = append(attrs, slog.String("factor", string(n.Factor)))
	}
	if n.Target != "" {
		attrs = append(attrs, slog.String("target", n.Target))
	}
	return attrs
}

// noticeTexts is one language's wording of the security notices, which
// noticeTemplates lays out. Phrases are template source: they may use the
// markers {when}, {address}, {factor} and {target}, which become the
// language's rendering of Notice.At, NewAddress, Factor and Target, and
// must not use "{{" otherwise.
type noticeTexts struct {
	// lang is the BCP 47 tag the texts are written in.
	lang string
	// space separates sentences: " ", or "" in Chinese.
	space string
	// greetText and greetHTML greet the user by name when the message has
	// one, ending with a blank line (text) or a paragraph (HTML).
	greetText, greetHTML string
	// when renders .Notice.At, e.g. `{{.Notice.At.UTC.Format "…"}} UTC`.
	when string
	// factor renders .Notice.Factor as the name of the factor.
	factor string
	// ifYou reassures the user who made the change; ifNotYou says what to
	// do otherwise; smsIfNotYou is the short form for SMS.
	ifYou, ifNotYou, smsIfNotYou string
	// notices holds the phrases of every notice type.
	notices []noticePhrases
}

// noticePhrases is the wording of one notice: a subject, the event (one
// sentence, also the SMS) and, for email, what follows from it.
type noticePhrases struct {
	typ            store.TemplateType
	subject, event string
	consequence    string // optional
}

// noticeTemplates lays out a language's notices. Every notice has an email
// (text and HTML) and an SMS: the notices of a changed phone number go by
// SMS to the old number, and a host may send the others by SMS to users
// without an email address.
//
// The layout is shared by every language because a notice is paragraphs,
// not a sentence: word order stays inside the phrases.
func noticeTemplates(nt noticeTexts) []Template {
	markers := strings.NewReplacer(
		"{when}", nt.when,
		"{address}", "{{.Notice.NewAddress}}",
		"{factor}", nt.factor,
		"{target}", "{{.Notice.Target}}",
	)
	out := make([]Template, 0, len(nt.notices))
	for _, p := range nt.notices {
		event := markers.Replace(p.event)
		body := event
		if p.consequence != "" {
			body += nt.space + markers.Replace(p.consequence)
		}
		out = append(out, Template{
			Locale:  nt.lang,
			Type:    p.typ,
			Subject: lit(p.subject),
			Text: nt.greetText + body + `

` + nt.ifYou + `

` + nt.ifNotYou + `
`,
			HTML: htmlPage(p.subject, nt.greetHTML+`<p>`+body+`</p>
<p>`+nt.ifYou+`</p>
<p><strong>`+nt.ifNotYou+`</strong></p>
`),
			SMS: event + nt.space + nt.smsIfNotYou,
		})
	}
	return out
}

// factorNames builds the template source naming .Notice.Factor from the
// names of the three factors; an unknown factor shows as it is spelled.
func factorNames(totp, webAuthn, backupCode string) string {
	return `{{with .Notice.Factor}}{{if eq . "` + string(store.FactorTOTP) + `"}}` + totp +
		`{{else if eq . "` + string(store.FactorWebAuthn) + `"}}` + webAuthn +
		`{{else if eq . "` + string(store.FactorBackupCode) + `"}}` + backupCode +
		`{{else}}{{.}}{{end}}{{end}}`
}

// htmlPage wraps an HTML body (template source) in the page every default
// HTML email uses; title is a phrase, escaped like data.
func htmlPage(title, body string) string {
	return `<!DOCTYPE html>
<html lang="{{.Language}}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>` + lit(title) + `</title></head>
<body style="margin:0;padding:24px;font-family:Helvetica,Arial,sans-serif;color:#1a1a1a;line-height:1.5">
` + body + `</body>
</html>
`
}
