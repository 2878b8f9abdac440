package notify

import "github.com/accountapi/accountapi/store"

// This file is the German entry of the catalogue (see catalogue in
// templates.go). Terms follow the German edition of Logto's account
// settings guides: „Verifizierungscode“, „Passkey“, „soziale Verbindung“,
// „verknüpfen“; the reader is addressed as „du“, as there.

// germanTemplates returns the German default template of every type.
func germanTemplates() []Template {
	// purpose completes „Gib ihn ein, …“: what the code is for. smsFor is
	// set where the email wording names the address.
	phrases := []struct {
		typ                      store.TemplateType
		subject, purpose, smsFor string
	}{
		{store.TemplateSignIn, "Dein Anmeldecode", "um dich anzumelden", ""},
		{store.TemplateRegister, "Dein Registrierungscode", "um die Erstellung deines Kontos abzuschließen", ""},
		{store.TemplateForgotPassword, "Setze dein Passwort zurück", "um dein Passwort zurückzusetzen", ""},
		{store.TemplateOrganizationInvitation, "Dein Einladungscode", "um deine Einladung in die Organisation anzunehmen", ""},
		{store.TemplateGeneric, "Dein Verifizierungscode", "um zu bestätigen, dass du es bist", ""},
		{store.TemplateUserPermission, "Bestätige, dass du es bist", "um zu bestätigen, dass du es bist, bevor du dein Konto änderst", ""},
		{store.TemplateBindNewIdentifier, "Bestätige deine E-Mail-Adresse", "um diese E-Mail-Adresse zu deinem Konto hinzuzufügen", "um diese Telefonnummer zu deinem Konto hinzuzufügen"},
		{store.TemplateMFAVerification, "Dein Code für die Zwei-Schritt-Verifizierung", "um die Anmeldung mit Zwei-Schritt-Verifizierung abzuschließen", ""},
		{store.TemplateBindMFA, "Richte die Zwei-Schritt-Verifizierung ein", "um diese E-Mail-Adresse für die Zwei-Schritt-Verifizierung zu verwenden", "um diese Telefonnummer für die Zwei-Schritt-Verifizierung zu verwenden"},
	}
	out := make([]Template, 0, len(phrases))
	for _, p := range phrases {
		sms := p.smsFor
		if sms == "" {
			sms = p.purpose
		}
		out = append(out, germanLayout(p.typ, p.subject, p.purpose, sms))
	}
	return append(out, noticeTemplates(germanNotices())...)
}

// The greeting of every German email, when the user has a name.
const (
	germanGreetText = `{{with .User}}{{with or .Name .Username}}Hallo {{.}},

{{end}}{{end}}`
	germanGreetHTML = `{{with .User}}{{with or .Name .Username}}<p>Hallo {{.}},</p>
{{end}}{{end}}`
)

// germanLayout builds one type's template from its phrases, quoted like the
// English ones (see englishLayout).
func germanLayout(typ store.TemplateType, subject, purpose, smsPurpose string) Template {
	return Template{
		Locale:  "de",
		Type:    typ,
		Subject: lit(subject),
		Text: germanGreetText + `Dein Verifizierungscode lautet {{.Code}}.

Gib ihn ein, ` + lit(purpose) + `. Er läuft in 10 Minuten ab.

Wenn du diesen Code nicht angefordert hast, kannst du diese E-Mail ignorieren. Gib ihn niemals an andere weiter.
`,
		HTML: htmlPage(subject, germanGreetHTML+`<p>Dein Verifizierungscode lautet:</p>
`+codeHTML+`
<p>Gib ihn ein, `+lit(purpose)+`. Er läuft in 10 Minuten ab.</p>
<p style="color:#666666;font-size:13px">Wenn du diesen Code nicht angefordert hast, kannst du diese E-Mail ignorieren. Gib ihn niemals an andere weiter.</p>
`),
		SMS: `{{.Code}} ist dein Verifizierungscode. Gib ihn ein, ` + lit(smsPurpose) + `. Er läuft in 10 Minuten ab. Gib ihn nicht weiter.`,
	}
}

// germanNotices is the German wording of the security notices.
func germanNotices() noticeTexts {
	return noticeTexts{
		lang:        "de",
		space:       " ",
		greetText:   germanGreetText,
		greetHTML:   germanGreetHTML,
		when:        `am {{.Notice.At.UTC.Format "02.01.2006 um 15:04"}} Uhr (UTC)`,
		factor:      factorNames("eine Authenticator-App (TOTP)", "ein Passkey", "Backup-Codes"),
		ifYou:       "Wenn du diese Änderung vorgenommen hast, musst du nichts weiter tun.",
		ifNotYou:    "Falls nicht, hat möglicherweise jemand anderes Zugriff auf dein Konto: Setze sofort dein Passwort zurück, prüfe E-Mail-Adresse, Telefonnummer, Zwei-Schritt-Verifizierung und verknüpfte Konten deines Kontos und wende dich an den Support.",
		smsIfNotYou: "Warst du das nicht? Setze dein Passwort zurück und wende dich an den Support.",
		notices: []noticePhrases{
			{NoticePrimaryEmailChanged, "Die E-Mail-Adresse deines Kontos wurde geändert",
				"Die E-Mail-Adresse deines Kontos wurde {when} in {address} geändert.",
				"Nachrichten zu deinem Konto gehen ab jetzt an die neue Adresse."},
			{NoticePrimaryEmailRemoved, "Die E-Mail-Adresse deines Kontos wurde entfernt",
				"Die E-Mail-Adresse deines Kontos wurde {when} entfernt.",
				"Sie erhält keine Nachrichten zu deinem Konto mehr und kann nicht mehr zur Anmeldung verwendet werden."},
			{NoticePrimaryPhoneChanged, "Die Telefonnummer deines Kontos wurde geändert",
				"Die Telefonnummer deines Kontos wurde {when} in {address} geändert.",
				"Nachrichten zu deinem Konto gehen ab jetzt an die neue Nummer."},
			{NoticePrimaryPhoneRemoved, "Die Telefonnummer deines Kontos wurde entfernt",
				"Die Telefonnummer deines Kontos wurde {when} entfernt.",
				"Sie erhält keine Nachrichten zu deinem Konto mehr und kann nicht mehr zur Anmeldung verwendet werden."},
			{NoticePasswordChanged, "Dein Passwort wurde geändert",
				"Das Passwort deines Kontos wurde {when} geändert.", ""},
			{NoticeMfaFactorAdded, "Eine Methode der Zwei-Schritt-Verifizierung wurde hinzugefügt",
				"Deinem Konto wurde {when} eine Methode der Zwei-Schritt-Verifizierung hinzugefügt: {factor}.", ""},
			{NoticeMfaFactorRemoved, "Eine Methode der Zwei-Schritt-Verifizierung wurde entfernt",
				"Aus deinem Konto wurde {when} eine Methode der Zwei-Schritt-Verifizierung entfernt: {factor}.", ""},
			{NoticeIdentityLinked, "Eine soziale Verbindung wurde mit deinem Konto verknüpft",
				"Eine soziale Verbindung ({target}) wurde {when} mit deinem Konto verknüpft.",
				"Sie kann jetzt zur Anmeldung verwendet werden."},
			{NoticeIdentityUnlinked, "Eine soziale Verbindung wurde von deinem Konto getrennt",
				"Eine soziale Verbindung ({target}) wurde {when} von deinem Konto getrennt.",
				"Sie kann nicht mehr zur Anmeldung verwendet werden."},
		},
	}
}
