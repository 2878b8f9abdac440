package notify

import "github.com/accountapi/accountapi/store"

// This file is the French entry of the catalogue (see catalogue in
// templates.go). Terms follow the French edition of Logto's account
// settings guides: « code de vérification », « codes de secours »,
// « passkey », « lier » a social connection; the reader is addressed as
// « vous ».

// frenchTemplates returns the French default template of every type.
func frenchTemplates() []Template {
	// purpose completes « Saisissez-le … »: what the code is for. smsFor
	// is set where the email wording names the address.
	phrases := []struct {
		typ                      store.TemplateType
		subject, purpose, smsFor string
	}{
		{store.TemplateSignIn, "Votre code de connexion", "pour vous connecter", ""},
		{store.TemplateRegister, "Votre code d’inscription", "pour terminer la création de votre compte", ""},
		{store.TemplateForgotPassword, "Réinitialisez votre mot de passe", "pour réinitialiser votre mot de passe", ""},
		{store.TemplateOrganizationInvitation, "Votre code d’invitation", "pour accepter votre invitation à rejoindre l’organisation", ""},
		{store.TemplateGeneric, "Votre code de vérification", "pour confirmer qu’il s’agit bien de vous", ""},
		{store.TemplateUserPermission, "Confirmez qu’il s’agit bien de vous", "pour confirmer qu’il s’agit bien de vous avant de modifier votre compte", ""},
		{store.TemplateBindNewIdentifier, "Confirmez votre adresse e-mail", "pour ajouter cette adresse e-mail à votre compte", "pour ajouter ce numéro de téléphone à votre compte"},
		{store.TemplateMFAVerification, "Votre code de vérification en deux étapes", "pour terminer la connexion avec la vérification en deux étapes", ""},
		{store.TemplateBindMFA, "Configurez la vérification en deux étapes", "pour utiliser cette adresse e-mail pour la vérification en deux étapes", "pour utiliser ce numéro de téléphone pour la vérification en deux étapes"},
	}
	out := make([]Template, 0, len(phrases))
	for _, p := range phrases {
		sms := p.smsFor
		if sms == "" {
			sms = p.purpose
		}
		out = append(out, frenchLayout(p.typ, p.subject, p.purpose, sms))
	}
	return append(out, noticeTemplates(frenchNotices())...)
}

// The greeting of every French email, when the user has a name.
const (
	frenchGreetText = `{{with .User}}{{with or .Name .Username}}Bonjour {{.}},

{{end}}{{end}}`
	frenchGreetHTML = `{{with .User}}{{with or .Name .Username}}<p>Bonjour {{.}},</p>
{{end}}{{end}}`
)

// frenchLayout builds one type's template from its phrases, quoted like
// the English ones (see englishLayout).
func frenchLayout(typ store.TemplateType, subject, purpose, smsPurpose string) Template {
	return Template{
		Locale:  "fr",
		Type:    typ,
		Subject: lit(subject),
		Text: frenchGreetText + `Votre code de vérification est {{.Code}}.

Saisissez-le ` + lit(purpose) + `. Il expire dans 10 minutes.

Si vous n’avez pas demandé ce code, ignorez cet e-mail. Ne le communiquez jamais à personne.
`,
		HTML: htmlPage(subject, frenchGreetHTML+`<p>Votre code de vérification est :</p>
`+codeHTML+`
<p>Saisissez-le `+lit(purpose)+`. Il expire dans 10 minutes.</p>
<p style="color:#666666;font-size:13px">Si vous n’avez pas demandé ce code, ignorez cet e-mail. Ne le communiquez jamais à personne.</p>
`),
		SMS: `{{.Code}} est votre code de vérification. Saisissez-le ` + lit(smsPurpose) + `. Il expire dans 10 minutes. Ne le communiquez à personne.`,
	}
}

// frenchNotices is the French wording of the security notices.
func frenchNotices() noticeTexts {
	return noticeTexts{
		lang:        "fr",
		space:       " ",
		greetText:   frenchGreetText,
		greetHTML:   frenchGreetHTML,
		when:        `le {{.Notice.At.UTC.Format "02/01/2006 à 15:04"}} (UTC)`,
		factor:      factorNames("une application d’authentification (TOTP)", "une passkey", "des codes de secours"),
		ifYou:       "Si vous êtes à l’origine de cette modification, vous n’avez rien à faire.",
		ifNotYou:    "Sinon, quelqu’un d’autre a peut-être accès à votre compte : réinitialisez votre mot de passe sans attendre, vérifiez l’adresse e-mail, le numéro de téléphone, la vérification en deux étapes et les comptes liés de votre compte, puis contactez le support.",
		smsIfNotYou: "Ce n’est pas vous ? Réinitialisez votre mot de passe et contactez le support.",
		notices: []noticePhrases{
			{NoticePrimaryEmailChanged, "L’adresse e-mail de votre compte a été modifiée",
				"L’adresse e-mail de votre compte a été remplacée par {address} {when}.",
				"Les messages concernant votre compte sont désormais envoyés à la nouvelle adresse."},
			{NoticePrimaryEmailRemoved, "L’adresse e-mail de votre compte a été supprimée",
				"L’adresse e-mail de votre compte a été supprimée {when}.",
				"Elle ne reçoit plus de messages concernant votre compte et ne permet plus de vous connecter."},
			{NoticePrimaryPhoneChanged, "Le numéro de téléphone de votre compte a été modifié",
				"Le numéro de téléphone de votre compte a été remplacé par {address} {when}.",
				"Les messages concernant votre compte sont désormais envoyés au nouveau numéro."},
			{NoticePrimaryPhoneRemoved, "Le numéro de téléphone de votre compte a été supprimé",
				"Le numéro de téléphone de votre compte a été supprimé {when}.",
				"Il ne reçoit plus de messages concernant votre compte et ne permet plus de vous connecter."},
			{NoticePasswordChanged, "Votre mot de passe a été modifié",
				"Le mot de passe de votre compte a été modifié {when}.", ""},
			{NoticeMfaFactorAdded, "Une méthode de vérification en deux étapes a été ajoutée",
				"Une méthode de vérification en deux étapes a été ajoutée à votre compte {when} : {factor}.", ""},
			{NoticeMfaFactorRemoved, "Une méthode de vérification en deux étapes a été supprimée",
				"Une méthode de vérification en deux étapes a été supprimée de votre compte {when} : {factor}.", ""},
			{NoticeIdentityLinked, "Un compte social a été lié à votre compte",
				"Un compte social ({target}) a été lié à votre compte {when}.",
				"Il permet désormais de vous connecter."},
			{NoticeIdentityUnlinked, "Un compte social a été dissocié de votre compte",
				"Un compte social ({target}) a été dissocié de votre compte {when}.",
				"Il ne permet plus de vous connecter."},
		},
	}
}
