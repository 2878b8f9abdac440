package notify

import (
	"strconv"

	"github.com/accountapi/accountapi/store"
)

// This file is the English entry of the catalogue (see catalogue in
// templates.go): the default texts every other language falls back to. A
// translation is a copy of this file with its own layout, because word order
// differs between languages; only the phrases and the layout change. The
// notices share one layout (noticeTemplates); a language gives their
// phrases.

// englishTemplates returns the English default template of every type.
func englishTemplates() []Template {
	// purpose completes "Enter it …": what the code is for. smsPurpose is
	// set where the email wording names the address ("this email address").
	phrases := []struct {
		typ                      store.TemplateType
		subject, purpose, smsFor string
	}{
		{store.TemplateSignIn, "Your sign-in code", "to sign in", ""},
		{store.TemplateRegister, "Your sign-up code", "to finish creating your account", ""},
		{store.TemplateForgotPassword, "Reset your password", "to reset your password", ""},
		{store.TemplateOrganizationInvitation, "Your invitation code", "to accept your invitation to join the organization", ""},
		{store.TemplateGeneric, "Your verification code", "to confirm it's you", ""},
		{store.TemplateUserPermission, "Confirm it's you", "to confirm it's you before you change your account", ""},
		{store.TemplateBindNewIdentifier, "Confirm your email address", "to add this email address to your account", "to add this phone number to your account"},
		{store.TemplateMFAVerification, "Your two-step verification code", "to finish signing in with two-step verification", ""},
		{store.TemplateBindMFA, "Set up two-step verification", "to use this email address for two-step verification", "to use this phone number for two-step verification"},
	}
	out := make([]Template, 0, len(phrases))
	for _, p := range phrases {
		sms := p.smsFor
		if sms == "" {
			sms = p.purpose
		}
		out = append(out, englishLayout(p.typ, p.subject, p.purpose, sms))
	}
	return append(out, noticeTemplates(englishNotices())...)
}

// The greeting of every English email, when the user has a name.
const (
	englishGreetText = `{{with .User}}{{with or .Name .Username}}Hi {{.}},

{{end}}{{end}}`
	englishGreetHTML = `{{with .User}}{{with or .Name .Username}}<p>Hi {{.}},</p>
{{end}}{{end}}`
)

// englishLayout builds one type's template from its phrases. The phrases
// enter the templates as quoted string literals ({{"…"}}), so they are
// escaped like data in HTML and cannot be mistaken for template syntax.
func englishLayout(typ store.TemplateType, subject, purpose, smsPurpose string) Template {
	const greetText, greetHTML = englishGreetText, englishGreetHTML
	return Template{
		Locale:  "en",
		Type:    typ,
		Subject: lit(subject),
		Text: greetText + `Your verification code is {{.Code}}.

Enter it ` + lit(purpose) + `. It expires in 10 minutes.

If you didn't ask for this code, you can ignore this email. Never share it with anyone.
`,
		HTML: htmlPage(subject, greetHTML+`<p>Your verification code is:</p>
`+codeHTML+`
<p>Enter it `+lit(purpose)+`. It expires in 10 minutes.</p>
<p style="color:#666666;font-size:13px">If you didn't ask for this code, you can ignore this email. Never share it with anyone.</p>
`),
		SMS: `{{.Code}} is your verification code. Enter it ` + lit(smsPurpose) + `. It expires in 10 minutes. Don't share it.`,
	}
}

// englishNotices is the English wording of the security notices.
func englishNotices() noticeTexts {
	return noticeTexts{
		lang:        "en",
		space:       " ",
		greetText:   englishGreetText,
		greetHTML:   englishGreetHTML,
		when:        `on {{.Notice.At.UTC.Format "January 2, 2006 at 15:04"}} UTC`,
		factor:      factorNames("an authenticator app (TOTP)", "a passkey", "backup codes"),
		ifYou:       "If you made this change, you don't need to do anything.",
		ifNotYou:    "If you didn't, someone else may have access to your account: reset your password right away, check the email address, phone number, two-step verification and linked accounts of your account, and contact support.",
		smsIfNotYou: "Not you? Reset your password now and contact support.",
		notices: []noticePhrases{
			{NoticePrimaryEmailChanged, "The email address of your account was changed",
				"The email address of your account was changed to {address} {when}.",
				"Messages about your account now go to the new address."},
			{NoticePrimaryEmailRemoved, "The email address of your account was removed",
				"The email address of your account was removed {when}.",
				"It no longer receives messages about your account and can no longer be used to sign in."},
			{NoticePrimaryPhoneChanged, "The phone number of your account was changed",
				"The phone number of your account was changed to {address} {when}.",
				"Messages about your account now go to the new number."},
			{NoticePrimaryPhoneRemoved, "The phone number of your account was removed",
				"The phone number of your account was removed {when}.",
				"It no longer receives messages about your account and can no longer be used to sign in."},
			{NoticePasswordChanged, "Your password was changed",
				"The password of your account was changed {when}.", ""},
			{NoticeMfaFactorAdded, "A two-step verification method was added",
				"A two-step verification method was added to your account {when}: {factor}.", ""},
			{NoticeMfaFactorRemoved, "A two-step verification method was removed",
				"A two-step verification method was removed from your account {when}: {factor}.", ""},
			{NoticeIdentityLinked, "A social account was linked to your account",
				"A social account ({target}) was linked to your account {when}.",
				"It can now be used to sign in."},
			{NoticeIdentityUnlinked, "A social account was unlinked from your account",
				"A social account ({target}) was unlinked from your account {when}.",
				"It can no longer be used to sign in."},
		},
	}
}

// codeHTML shows the code in an HTML email, in every language.
const codeHTML = `<p style="font-size:28px;font-weight:bold;letter-spacing:6px;font-family:Menlo,Consolas,monospace">{{.Code}}</p>`

// lit makes s a template action that prints s.
func lit(s string) string { return "{{" + strconv.Quote(s) + "}}" }
