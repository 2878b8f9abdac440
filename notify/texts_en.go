package notify

import (
	"strconv"

	"github.com/accountapi/accountapi/store"
)

// This file is the English entry of the catalogue (see catalogue in
// templates.go): the default texts every other language falls back to. A
// translation is a copy of this file with its own layout, because word order
// differs between languages; only the phrases and the layout change.

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
	return out
}

// englishLayout builds one type's template from its phrases. The phrases
// enter the templates as quoted string literals ({{"…"}}), so they are
// escaped like data in HTML and cannot be mistaken for template syntax.
func englishLayout(typ store.TemplateType, subject, purpose, smsPurpose string) Template {
	const greetText = `{{with .User}}{{with or .Name .Username}}Hi {{.}},

{{end}}{{end}}`
	const greetHTML = `{{with .User}}{{with or .Name .Username}}<p>Hi {{.}},</p>
{{end}}{{end}}`
	return Template{
		Locale:  "en",
		Type:    typ,
		Subject: lit(subject),
		Text: greetText + `Your verification code is {{.Code}}.

Enter it ` + lit(purpose) + `. It expires in 10 minutes.

If you didn't ask for this code, you can ignore this email. Never share it with anyone.
`,
		HTML: `<!DOCTYPE html>
<html lang="{{.Language}}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>` + lit(subject) + `</title></head>
<body style="margin:0;padding:24px;font-family:Helvetica,Arial,sans-serif;color:#1a1a1a;line-height:1.5">
` + greetHTML + `<p>Your verification code is:</p>
<p style="font-size:28px;font-weight:bold;letter-spacing:6px;font-family:Menlo,Consolas,monospace">{{.Code}}</p>
<p>Enter it ` + lit(purpose) + `. It expires in 10 minutes.</p>
<p style="color:#666666;font-size:13px">If you didn't ask for this code, you can ignore this email. Never share it with anyone.</p>
</body>
</html>
`,
		SMS: `{{.Code}} is your verification code. Enter it ` + lit(smsPurpose) + `. It expires in 10 minutes. Don't share it.`,
	}
}

// lit makes s a template action that prints s.
func lit(s string) string { return "{{" + strconv.Quote(s) + "}}" }
