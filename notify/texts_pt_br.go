package notify

import "github.com/accountapi/accountapi/store"

// This file is the Brazilian Portuguese entry of the catalogue (see
// catalogue in templates.go). Terms follow the Portuguese edition of Logto's
// account settings guides: "código de verificação", "email", "conexão
// social", "vincular"; the reader is addressed as "você".

// portugueseTemplates returns the Brazilian Portuguese default template of
// every type.
func portugueseTemplates() []Template {
	// purpose completes "Digite-o …": what the code is for. smsFor is set
	// where the email wording names the address.
	phrases := []struct {
		typ                      store.TemplateType
		subject, purpose, smsFor string
	}{
		{store.TemplateSignIn, "Seu código de login", "para entrar", ""},
		{store.TemplateRegister, "Seu código de cadastro", "para concluir a criação da sua conta", ""},
		{store.TemplateForgotPassword, "Redefina sua senha", "para redefinir sua senha", ""},
		{store.TemplateOrganizationInvitation, "Seu código de convite", "para aceitar o convite para participar da organização", ""},
		{store.TemplateGeneric, "Seu código de verificação", "para confirmar que é você", ""},
		{store.TemplateUserPermission, "Confirme que é você", "para confirmar que é você antes de alterar sua conta", ""},
		{store.TemplateBindNewIdentifier, "Confirme seu email", "para adicionar este email à sua conta", "para adicionar este número de telefone à sua conta"},
		{store.TemplateMFAVerification, "Seu código de verificação em duas etapas", "para concluir o login com a verificação em duas etapas", ""},
		{store.TemplateBindMFA, "Configure a verificação em duas etapas", "para usar este email na verificação em duas etapas", "para usar este número de telefone na verificação em duas etapas"},
	}
	out := make([]Template, 0, len(phrases))
	for _, p := range phrases {
		sms := p.smsFor
		if sms == "" {
			sms = p.purpose
		}
		out = append(out, portugueseLayout(p.typ, p.subject, p.purpose, sms))
	}
	return append(out, noticeTemplates(portugueseNotices())...)
}

// The greeting of every Portuguese email, when the user has a name.
const (
	portugueseGreetText = `{{with .User}}{{with or .Name .Username}}Olá, {{.}}!

{{end}}{{end}}`
	portugueseGreetHTML = `{{with .User}}{{with or .Name .Username}}<p>Olá, {{.}}!</p>
{{end}}{{end}}`
)

// portugueseLayout builds one type's template from its phrases, quoted
// like the English ones (see englishLayout).
func portugueseLayout(typ store.TemplateType, subject, purpose, smsPurpose string) Template {
	return Template{
		Locale:  "pt-BR",
		Type:    typ,
		Subject: lit(subject),
		Text: portugueseGreetText + `Seu código de verificação é {{.Code}}.

Digite-o ` + lit(purpose) + `. Ele expira em 10 minutos.

Se você não solicitou este código, ignore este email. Nunca o compartilhe com ninguém.
`,
		HTML: htmlPage(subject, portugueseGreetHTML+`<p>Seu código de verificação é:</p>
`+codeHTML+`
<p>Digite-o `+lit(purpose)+`. Ele expira em 10 minutos.</p>
<p style="color:#666666;font-size:13px">Se você não solicitou este código, ignore este email. Nunca o compartilhe com ninguém.</p>
`),
		SMS: `{{.Code}} é o seu código de verificação. Digite-o ` + lit(smsPurpose) + `. Ele expira em 10 minutos. Não o compartilhe.`,
	}
}

// portugueseNotices is the Brazilian Portuguese wording of the security
// notices.
func portugueseNotices() noticeTexts {
	return noticeTexts{
		lang:        "pt-BR",
		space:       " ",
		greetText:   portugueseGreetText,
		greetHTML:   portugueseGreetHTML,
		when:        `em {{.Notice.At.UTC.Format "02/01/2006 às 15:04"}} (UTC)`,
		factor:      factorNames("um aplicativo autenticador (TOTP)", "uma passkey", "códigos de backup"),
		ifYou:       "Se foi você quem fez essa alteração, não é preciso fazer nada.",
		ifNotYou:    "Se não foi você, outra pessoa pode ter acesso à sua conta: redefina sua senha imediatamente, confira o email, o número de telefone, a verificação em duas etapas e as contas vinculadas da sua conta e entre em contato com o suporte.",
		smsIfNotYou: "Não foi você? Redefina sua senha e entre em contato com o suporte.",
		notices: []noticePhrases{
			{NoticePrimaryEmailChanged, "O email da sua conta foi alterado",
				"O email da sua conta foi alterado para {address} {when}.",
				"As mensagens sobre a sua conta agora vão para o novo endereço."},
			{NoticePrimaryEmailRemoved, "O email da sua conta foi removido",
				"O email da sua conta foi removido {when}.",
				"Ele não recebe mais mensagens sobre a sua conta e não pode mais ser usado para entrar."},
			{NoticePrimaryPhoneChanged, "O número de telefone da sua conta foi alterado",
				"O número de telefone da sua conta foi alterado para {address} {when}.",
				"As mensagens sobre a sua conta agora vão para o novo número."},
			{NoticePrimaryPhoneRemoved, "O número de telefone da sua conta foi removido",
				"O número de telefone da sua conta foi removido {when}.",
				"Ele não recebe mais mensagens sobre a sua conta e não pode mais ser usado para entrar."},
			{NoticePasswordChanged, "Sua senha foi alterada",
				"A senha da sua conta foi alterada {when}.", ""},
			{NoticeMfaFactorAdded, "Um método de verificação em duas etapas foi adicionado",
				"Um método de verificação em duas etapas foi adicionado à sua conta {when}: {factor}.", ""},
			{NoticeMfaFactorRemoved, "Um método de verificação em duas etapas foi removido",
				"Um método de verificação em duas etapas foi removido da sua conta {when}: {factor}.", ""},
			{NoticeIdentityLinked, "Uma conexão social foi vinculada à sua conta",
				"Uma conexão social ({target}) foi vinculada à sua conta {when}.",
				"Agora ela pode ser usada para entrar."},
			{NoticeIdentityUnlinked, "Uma conexão social foi desvinculada da sua conta",
				"Uma conexão social ({target}) foi desvinculada da sua conta {when}.",
				"Ela não pode mais ser usada para entrar."},
		},
	}
}
