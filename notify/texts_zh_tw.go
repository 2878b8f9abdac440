package notify

import "github.com/accountapi/accountapi/store"

// This file is the Traditional Chinese (Taiwan) entry of the catalogue (see
// catalogue in templates.go). Terms follow the Traditional Chinese edition
// of Logto's account settings guides: 驗證碼、帳戶、電子郵件、社交連結、
// 連結; the reader is addressed as 你, as there.

// traditionalChineseTemplates returns the Traditional Chinese default
// template of every type.
func traditionalChineseTemplates() []Template {
	// purpose completes 「請輸入此驗證碼…」: what the code is for. smsFor is
	// set where the email wording names the address.
	phrases := []struct {
		typ                      store.TemplateType
		subject, purpose, smsFor string
	}{
		{store.TemplateSignIn, "你的登入驗證碼", "以登入", ""},
		{store.TemplateRegister, "你的註冊驗證碼", "以完成建立帳戶", ""},
		{store.TemplateForgotPassword, "重設你的密碼", "以重設密碼", ""},
		{store.TemplateOrganizationInvitation, "你的邀請驗證碼", "以接受加入組織的邀請", ""},
		{store.TemplateGeneric, "你的驗證碼", "以確認是你本人", ""},
		{store.TemplateUserPermission, "確認是你本人", "以在變更帳戶前確認是你本人", ""},
		{store.TemplateBindNewIdentifier, "確認你的電子郵件", "以將此電子郵件新增至你的帳戶", "以將此電話號碼新增至你的帳戶"},
		{store.TemplateMFAVerification, "你的兩步驟驗證碼", "以完成兩步驟驗證並登入", ""},
		{store.TemplateBindMFA, "設定兩步驟驗證", "以將此電子郵件用於兩步驟驗證", "以將此電話號碼用於兩步驟驗證"},
	}
	out := make([]Template, 0, len(phrases))
	for _, p := range phrases {
		sms := p.smsFor
		if sms == "" {
			sms = p.purpose
		}
		out = append(out, traditionalChineseLayout(p.typ, p.subject, p.purpose, sms))
	}
	return append(out, noticeTemplates(traditionalChineseNotices())...)
}

// The greeting of every Traditional Chinese email, when the user has a name.
const (
	traditionalChineseGreetText = `{{with .User}}{{with or .Name .Username}}{{.}}，你好：

{{end}}{{end}}`
	traditionalChineseGreetHTML = `{{with .User}}{{with or .Name .Username}}<p>{{.}}，你好：</p>
{{end}}{{end}}`
)

// traditionalChineseLayout builds one type's template from its phrases,
// quoted like the English ones (see englishLayout).
func traditionalChineseLayout(typ store.TemplateType, subject, purpose, smsPurpose string) Template {
	return Template{
		Locale:  "zh-TW",
		Type:    typ,
		Subject: lit(subject),
		Text: traditionalChineseGreetText + `你的驗證碼是 {{.Code}}。

請輸入此驗證碼` + lit(purpose) + `。驗證碼將於 10 分鐘後失效。

如果你沒有要求此驗證碼，請忽略這封電子郵件。請勿將驗證碼提供給任何人。
`,
		HTML: htmlPage(subject, traditionalChineseGreetHTML+`<p>你的驗證碼是：</p>
`+codeHTML+`
<p>請輸入此驗證碼`+lit(purpose)+`。驗證碼將於 10 分鐘後失效。</p>
<p style="color:#666666;font-size:13px">如果你沒有要求此驗證碼，請忽略這封電子郵件。請勿將驗證碼提供給任何人。</p>
`),
		SMS: `你的驗證碼是 {{.Code}}，請輸入` + lit(smsPurpose) + `。10 分鐘內有效，請勿提供給他人。`,
	}
}

// traditionalChineseNotices is the Traditional Chinese wording of the
// security notices.
func traditionalChineseNotices() noticeTexts {
	return noticeTexts{
		lang:        "zh-TW",
		space:       "",
		greetText:   traditionalChineseGreetText,
		greetHTML:   traditionalChineseGreetHTML,
		when:        `{{.Notice.At.UTC.Format "2006年1月2日 15:04"}}（UTC）`,
		factor:      factorNames("驗證器應用程式（TOTP）", "通行密鑰", "備用碼"),
		ifYou:       "如果這是你本人所做的變更，則無需採取任何動作。",
		ifNotYou:    "如果不是你，可能有其他人能存取你的帳戶：請立即重設密碼，檢查帳戶的電子郵件、電話號碼、兩步驟驗證與已連結的帳號，並聯絡客服。",
		smsIfNotYou: "不是你本人？請立即重設密碼並聯絡客服。",
		notices: []noticePhrases{
			{NoticePrimaryEmailChanged, "你帳戶的電子郵件已變更",
				"你帳戶的電子郵件已於 {when}變更為 {address}。",
				"今後有關你帳戶的訊息將寄送至新的地址。"},
			{NoticePrimaryEmailRemoved, "你帳戶的電子郵件已移除",
				"你帳戶的電子郵件已於 {when}移除。",
				"此地址將不再收到有關你帳戶的訊息，也無法再用於登入。"},
			{NoticePrimaryPhoneChanged, "你帳戶的電話號碼已變更",
				"你帳戶的電話號碼已於 {when}變更為 {address}。",
				"今後有關你帳戶的訊息將傳送至新的號碼。"},
			{NoticePrimaryPhoneRemoved, "你帳戶的電話號碼已移除",
				"你帳戶的電話號碼已於 {when}移除。",
				"此號碼將不再收到有關你帳戶的訊息，也無法再用於登入。"},
			{NoticePasswordChanged, "你的密碼已變更",
				"你帳戶的密碼已於 {when}變更。", ""},
			{NoticeMfaFactorAdded, "已新增兩步驟驗證方式",
				"你的帳戶已於 {when}新增一種兩步驟驗證方式：{factor}。", ""},
			{NoticeMfaFactorRemoved, "已移除兩步驟驗證方式",
				"你的帳戶已於 {when}移除一種兩步驟驗證方式：{factor}。", ""},
			{NoticeIdentityLinked, "已有社交帳號連結至你的帳戶",
				"社交帳號（{target}）已於 {when}連結至你的帳戶。",
				"現在可以用它登入。"},
			{NoticeIdentityUnlinked, "已有社交帳號與你的帳戶解除連結",
				"社交帳號（{target}）已於 {when}與你的帳戶解除連結。",
				"之後無法再用它登入。"},
		},
	}
}
