package httpadapter_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pquerna/otp/totp"

	"github.com/accountapi/accountapi"
	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/connector"
	"github.com/accountapi/accountapi/mfa"
	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/store"
)

// Tests of the security notices (issue 7, item 3) and of the session
// revoker's password hook (item 5). Helpers start with "sx" and are shared
// with delete_export_test.go.

// sxRecorder is the notices' notifier: it renders every message with the
// default templates, so that a message a real notifier would refuse (an
// unmasked new address, a missing member, no text in any language) fails
// the test, and records it. While fail is set it refuses every message.
type sxRecorder struct {
	t   testing.TB
	tpl *notify.Templates

	mu    sync.Mutex
	msgs  []notify.Message
	tries int
	fail  error
}

func (r *sxRecorder) Notify(ctx context.Context, m notify.Message) error {
	if !notify.IsNotice(m.Type) {
		r.t.Errorf("the notices' notifier got a %s message", m.Type)
	}
	if err := ctx.Err(); err != nil {
		r.t.Errorf("a notice was sent under a finished context: %v", err)
	}
	if _, err := r.tpl.Render(m); err != nil {
		r.t.Errorf("the default templates refuse %v: %v", m, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tries++
	if r.fail != nil {
		return r.fail
	}
	r.msgs = append(r.msgs, m)
	return nil
}

func (r *sxRecorder) setFail(err error) {
	r.mu.Lock()
	r.fail = err
	r.mu.Unlock()
}

func (r *sxRecorder) list() []notify.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]notify.Message(nil), r.msgs...)
}

func (r *sxRecorder) attempts() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tries
}

// sxLog is a concurrency-safe log buffer.
type sxLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *sxLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *sxLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// sxEnv is an env whose services all send notices to one recorder and tell
// one revoker, with every Management route served (a management handler of
// its own in front of the env's), the mock connector "mock-github" (target
// "github") registered, and the services' survived failures logged to log.
type sxEnv struct {
	*env
	notices *sxRecorder
	revoker *maRevoker
	log     *sxLog
}

// sxConnectors are the connectors of an sxEnv.
func sxConnectors() connector.Set {
	return connector.Set{"mock-github": connector.Mock{TargetName: "github"}}
}

// sxNewEnv builds an sxEnv whose services send the notices switches leaves
// on; opts are newEnv's.
func sxNewEnv(t testing.TB, switches account.Notices, opts ...envOption) *sxEnv {
	t.Helper()
	tpl, err := notify.NewTemplates(notify.TemplatesConfig{})
	if err != nil {
		t.Fatal(err)
	}
	rec, rev, logs := &sxRecorder{t: t, tpl: tpl}, &maRevoker{}, &sxLog{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	opts = append(opts,
		withNotices(rec),
		withConfig(func(c *accountapi.Config) {
			c.Notices, c.Revoker, c.Logger, c.Connectors = switches, rev, logger, sxConnectors()
		}),
	)
	e := newEnv(t, opts...)
	return &sxEnv{env: e, notices: rec, revoker: rev, log: logs}
}

// sxOff returns switches with the notices of types turned off.
func sxOff(types ...store.TemplateType) account.Notices {
	var n account.Notices
	for _, t := range types {
		sw := map[store.TemplateType]*account.NoticeSwitch{
			notify.NoticePrimaryEmailChanged: &n.PrimaryEmailChanged,
			notify.NoticePrimaryEmailRemoved: &n.PrimaryEmailRemoved,
			notify.NoticePrimaryPhoneChanged: &n.PrimaryPhoneChanged,
			notify.NoticePrimaryPhoneRemoved: &n.PrimaryPhoneRemoved,
			notify.NoticePasswordChanged:     &n.PasswordChanged,
			notify.NoticeMfaFactorAdded:      &n.MfaFactorAdded,
			notify.NoticeMfaFactorRemoved:    &n.MfaFactorRemoved,
			notify.NoticeIdentityLinked:      &n.IdentityLinked,
			notify.NoticeIdentityUnlinked:    &n.IdentityUnlinked,
		}[t]
		*sw = account.NoticeOff
	}
	return n
}

// sxAllBut returns switches with every notice off but those of types.
func sxAllBut(types ...store.TemplateType) account.Notices {
	var off []store.TemplateType
	for _, t := range notify.NoticeTypes() {
		if !slices.Contains(types, t) {
			off = append(off, t)
		}
	}
	return sxOff(off...)
}

// sxToken mints a token with every Account API scope for sub, issued to
// client ("" for none).
func sxToken(e *env, sub, client string) string {
	claims := map[string]any{"sub": sub, "scope": "openid profile email phone address custom_data identities"}
	if client != "" {
		claims["client_id"] = client
	}
	return mint(e.t, testSecret, e.clock.Now(), claims)
}

// sxUser is a user with a username, the password sxPassword and, when not
// "", a primary email and phone.
func sxUser(e *env, email, phone string, mods ...func(*store.User)) *store.User {
	e.t.Helper()
	mods = append([]func(*store.User){e.withPassword(sxPassword)}, mods...)
	if email != "" {
		mods = append(mods, withEmail(email))
	}
	if phone != "" {
		mods = append(mods, withPhone(phone))
	}
	return e.newUser(mods...)
}

const sxPassword = "Old-Passw0rd!"

// sxAs sends an Account API request as u in language lang, with proof in
// logto-verification-id when not "".
func sxAs(e *env, u *store.User, lang, proof, method, path string, body any) response {
	e.t.Helper()
	h := map[string]string{}
	if lang != "" {
		h["Accept-Language"] = lang
	}
	if proof != "" {
		h["Logto-Verification-Id"] = proof
	}
	return e.do(req{method: method, path: path, token: e.tokenFor(u.ID), header: h, body: body})
}

// sxAdmin sends a Management API request; a refused one is sent with a
// token without the management scope (403). The Accept-Language header is
// German, which a Management API notice must not follow.
func sxAdmin(e *env, refuse bool, method, path string, body any) response {
	e.t.Helper()
	tok := e.adminToken()
	if refuse {
		tok = e.token("admin", "openid")
	}
	return e.do(req{method: method, path: path, token: tok, body: body, header: map[string]string{"Accept-Language": "de"}})
}

// sxNoticeSent is what a test checks of a sent notice.
type sxNoticeSent struct {
	Channel notify.Channel
	To      string
	Type    store.TemplateType
	Locale  string
	Notice  notify.Notice
}

func sxSent(msgs []notify.Message) []sxNoticeSent {
	out := []sxNoticeSent{}
	for _, m := range msgs {
		s := sxNoticeSent{Channel: m.Channel, To: m.To, Type: m.Type, Locale: m.Locale}
		if m.Notice != nil {
			s.Notice = *m.Notice
		}
		out = append(out, s)
	}
	return out
}

// sxNoticeCase is one change that sends notices. run makes it (refused:
// the same request, refused before any change) and returns the response
// and the notices a made change sends.
type sxNoticeCase struct {
	name string
	run  func(e *sxEnv, refused bool) (response, []sxNoticeSent)
}

const (
	sxRFCSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	sxLang      = "de"
)

// sxBackupCodes are ten well-formed backup codes.
var sxBackupCodes = []string{
	"0123456789", "abcdef0123", "1111111111", "2222222222", "3333333333",
	"4444444444", "5555555555", "6666666666", "7777777777", "8888888888",
}

// sxProof returns a password proof for u unless refused.
func sxProof(e *sxEnv, u *store.User, refused bool) string {
	e.t.Helper()
	if refused {
		return ""
	}
	return e.passwordProof(u, sxPassword)
}

// sxTOTP stores a TOTP factor for u and returns it.
func sxTOTP(e *env, u *store.User) *store.MFAFactor {
	e.t.Helper()
	f := &store.MFAFactor{ID: "totp-" + u.ID[:6], UserID: u.ID, Type: store.FactorTOTP, CreatedAt: e.clock.Now(),
		TOTP: &store.TOTP{Secret: sxRFCSecret}}
	if err := e.store.CreateMFAFactor(context.Background(), f); err != nil {
		e.t.Fatal(err)
	}
	return f
}

// sxSocialRecord returns a Social record that u verified for the social
// user socialID with the mock connector "mock-github".
func sxSocialRecord(e *env, u *store.User, socialID string) string {
	e.t.Helper()
	r := e.do(req{method: "POST", path: "/api/verifications/social", token: e.tokenFor(u.ID),
		body: map[string]string{"connectorId": "mock-github", "state": "s", "redirectUri": "https://app.example.test/cb"}})
	expect(e.t, r, 201, "")
	id := r.json(e.t)["verificationRecordId"].(string)
	r = e.do(req{method: "POST", path: "/api/verifications/social/verify", token: e.tokenFor(u.ID),
		body: map[string]any{"verificationRecordId": id, "connectorData": map[string]any{"userId": socialID}}})
	expect(e.t, r, 200, "")
	return id
}

func withIdentity(target, socialID string) func(*store.User) {
	return func(u *store.User) {
		u.Identities = map[string]store.Identity{target: {UserID: socialID}}
	}
}

func sxNoticeCases() []sxNoticeCase {
	const oldEmail, newEmail = "old@example.com", "New.Address@example.org"
	const oldPhone, newPhone = "61412345678", "61412345699"
	return []sxNoticeCase{
		{"account: primary email changed", func(e *sxEnv, refused bool) (response, []sxNoticeSent) {
			u := sxUser(e.env, oldEmail, "")
			rec := e.verifiedCode(u, "email", newEmail)
			r := sxAs(e.env, u, sxLang, sxProof(e, u, refused), "POST", "/api/my-account/primary-email",
				map[string]string{"email": newEmail, "newIdentifierVerificationRecordId": rec})
			return r, []sxNoticeSent{{notify.ChannelEmail, oldEmail, notify.NoticePrimaryEmailChanged, sxLang,
				notify.Notice{At: e.clock.Now(), NewAddress: "N***@example.org"}}}
		}},
		{"account: primary email removed", func(e *sxEnv, refused bool) (response, []sxNoticeSent) {
			u := sxUser(e.env, oldEmail, "")
			r := sxAs(e.env, u, sxLang, sxProof(e, u, refused), "DELETE", "/api/my-account/primary-email", nil)
			return r, []sxNoticeSent{{notify.ChannelEmail, oldEmail, notify.NoticePrimaryEmailRemoved, sxLang,
				notify.Notice{At: e.clock.Now()}}}
		}},
		{"account: primary phone changed", func(e *sxEnv, refused bool) (response, []sxNoticeSent) {
			u := sxUser(e.env, oldEmail, oldPhone)
			rec := e.verifiedCode(u, "phone", newPhone)
			r := sxAs(e.env, u, sxLang, sxProof(e, u, refused), "POST", "/api/my-account/primary-phone",
				map[string]string{"phone": newPhone, "newIdentifierVerificationRecordId": rec})
			// To the OLD number, by SMS; the email address hears nothing.
			return r, []sxNoticeSent{{notify.ChannelSMS, oldPhone, notify.NoticePrimaryPhoneChanged, sxLang,
				notify.Notice{At: e.clock.Now(), NewAddress: "***99"}}}
		}},
		{"account: primary phone removed", func(e *sxEnv, refused bool) (response, []sxNoticeSent) {
			u := sxUser(e.env, "", oldPhone)
			r := sxAs(e.env, u, sxLang, sxProof(e, u, refused), "DELETE", "/api/my-account/primary-phone", nil)
			return r, []sxNoticeSent{{notify.ChannelSMS, oldPhone, notify.NoticePrimaryPhoneRemoved, sxLang,
				notify.Notice{At: e.clock.Now()}}}
		}},
		{"account: password changed", func(e *sxEnv, refused bool) (response, []sxNoticeSent) {
			u := sxUser(e.env, oldEmail, oldPhone)
			r := sxAs(e.env, u, sxLang, sxProof(e, u, refused), "POST", "/api/my-account/password",
				map[string]string{"password": "N3w-Passw0rd!"})
			return r, []sxNoticeSent{{notify.ChannelEmail, oldEmail, notify.NoticePasswordChanged, sxLang,
				notify.Notice{At: e.clock.Now()}}}
		}},
		{"account: identity linked", func(e *sxEnv, refused bool) (response, []sxNoticeSent) {
			u := sxUser(e.env, oldEmail, "")
			rec := sxSocialRecord(e.env, u, "gh-1")
			r := sxAs(e.env, u, sxLang, sxProof(e, u, refused), "POST", "/api/my-account/identities",
				map[string]string{"newIdentifierVerificationRecordId": rec})
			return r, []sxNoticeSent{{notify.ChannelEmail, oldEmail, notify.NoticeIdentityLinked, sxLang,
				notify.Notice{At: e.clock.Now(), Target: "github"}}}
		}},
		{"account: identity replaced by another social user", func(e *sxEnv, refused bool) (response, []sxNoticeSent) {
			u := sxUser(e.env, oldEmail, "", withIdentity("github", "gh-old"))
			rec := sxSocialRecord(e.env, u, "gh-new")
			r := sxAs(e.env, u, sxLang, sxProof(e, u, refused), "PUT", "/api/my-account/identities",
				map[string]string{"newIdentifierVerificationRecordId": rec})
			return r, []sxNoticeSent{{notify.ChannelEmail, oldEmail, notify.NoticeIdentityLinked, sxLang,
				notify.Notice{At: e.clock.Now(), Target: "github"}}}
		}},
		{"account: identity unlinked", func(e *sxEnv, refused bool) (response, []sxNoticeSent) {
			u := sxUser(e.env, oldEmail, "", withIdentity("github", "gh-1"))
			r := sxAs(e.env, u, sxLang, sxProof(e, u, refused), "DELETE", "/api/my-account/identities/github", nil)
			return r, []sxNoticeSent{{notify.ChannelEmail, oldEmail, notify.NoticeIdentityUnlinked, sxLang,
				notify.Notice{At: e.clock.Now(), Target: "github"}}}
		}},
		{"mfa: TOTP bound", func(e *sxEnv, refused bool) (response, []sxNoticeSent) {
			u := sxUser(e.env, oldEmail, "")
			r := sxAs(e.env, u, sxLang, sxProof(e, u, refused), "POST", "/api/my-account/mfa-verifications",
				map[string]string{"type": "Totp", "secret": sxRFCSecret})
			return r, []sxNoticeSent{{notify.ChannelEmail, oldEmail, notify.NoticeMfaFactorAdded, sxLang,
				notify.Notice{At: e.clock.Now(), Factor: store.FactorTOTP}}}
		}},
		{"mfa: TOTP replaced", func(e *sxEnv, refused bool) (response, []sxNoticeSent) {
			u := sxUser(e.env, oldEmail, "")
			sxTOTP(e.env, u)
			code, err := totp.GenerateCode(sxRFCSecret, e.clock.Now())
			if err != nil {
				e.t.Fatal(err)
			}
			r := sxAs(e.env, u, sxLang, sxProof(e, u, refused), "PUT", "/api/my-account/mfa-verifications/totp",
				map[string]string{"secret": sxRFCSecret, "code": code})
			return r, []sxNoticeSent{{notify.ChannelEmail, oldEmail, notify.NoticeMfaFactorAdded, sxLang,
				notify.Notice{At: e.clock.Now(), Factor: store.FactorTOTP}}}
		}},
		{"mfa: backup codes bound", func(e *sxEnv, refused bool) (response, []sxNoticeSent) {
			u := sxUser(e.env, oldEmail, "")
			sxTOTP(e.env, u)
			r := sxAs(e.env, u, sxLang, sxProof(e, u, refused), "POST", "/api/my-account/mfa-verifications",
				map[string]any{"type": "BackupCode", "codes": sxBackupCodes})
			return r, []sxNoticeSent{{notify.ChannelEmail, oldEmail, notify.NoticeMfaFactorAdded, sxLang,
				notify.Notice{At: e.clock.Now(), Factor: store.FactorBackupCode}}}
		}},
		{"mfa: passkey bound", func(e *sxEnv, refused bool) (response, []sxNoticeSent) {
			u := sxUser(e.env, oldEmail, "")
			rec := waRegistered(e.env, u, newWAAuthenticator(e.t))
			r := sxAs(e.env, u, sxLang, sxProof(e, u, refused), "POST", "/api/my-account/mfa-verifications",
				map[string]any{"type": "WebAuthn", "newIdentifierVerificationRecordId": rec})
			return r, []sxNoticeSent{{notify.ChannelEmail, oldEmail, notify.NoticeMfaFactorAdded, sxLang,
				notify.Notice{At: e.clock.Now(), Factor: store.FactorWebAuthn}}}
		}},
		{"mfa: factor removed", func(e *sxEnv, refused bool) (response, []sxNoticeSent) {
			u := sxUser(e.env, oldEmail, "")
			f := sxTOTP(e.env, u)
			r := sxAs(e.env, u, sxLang, sxProof(e, u, refused), "DELETE", "/api/my-account/mfa-verifications/"+f.ID, nil)
			return r, []sxNoticeSent{{notify.ChannelEmail, oldEmail, notify.NoticeMfaFactorRemoved, sxLang,
				notify.Notice{At: e.clock.Now(), Factor: store.FactorTOTP}}}
		}},
		{"management: password reset", func(e *sxEnv, refused bool) (response, []sxNoticeSent) {
			u := sxUser(e.env, oldEmail, "")
			r := sxAdmin(e.env, refused, "PATCH", "/api/users/"+u.ID+"/password", map[string]string{"password": "Admin-set-1"})
			return r, []sxNoticeSent{{notify.ChannelEmail, oldEmail, notify.NoticePasswordChanged, "",
				notify.Notice{At: e.clock.Now()}}}
		}},
		{"management: primary email and phone changed", func(e *sxEnv, refused bool) (response, []sxNoticeSent) {
			u := sxUser(e.env, oldEmail, oldPhone)
			r := sxAdmin(e.env, refused, "PATCH", "/api/users/"+u.ID, map[string]string{"primaryEmail": newEmail, "primaryPhone": newPhone})
			return r, []sxNoticeSent{
				{notify.ChannelEmail, oldEmail, notify.NoticePrimaryEmailChanged, "", notify.Notice{At: e.clock.Now(), NewAddress: "N***@example.org"}},
				{notify.ChannelSMS, oldPhone, notify.NoticePrimaryPhoneChanged, "", notify.Notice{At: e.clock.Now(), NewAddress: "***99"}},
			}
		}},
		{"management: primary email and phone cleared", func(e *sxEnv, refused bool) (response, []sxNoticeSent) {
			u := sxUser(e.env, oldEmail, oldPhone)
			r := sxAdmin(e.env, refused, "PATCH", "/api/users/"+u.ID, map[string]any{"primaryEmail": nil, "primaryPhone": ""})
			return r, []sxNoticeSent{
				{notify.ChannelEmail, oldEmail, notify.NoticePrimaryEmailRemoved, "", notify.Notice{At: e.clock.Now()}},
				{notify.ChannelSMS, oldPhone, notify.NoticePrimaryPhoneRemoved, "", notify.Notice{At: e.clock.Now()}},
			}
		}},
		{"management: identity put", func(e *sxEnv, refused bool) (response, []sxNoticeSent) {
			u := sxUser(e.env, oldEmail, "")
			r := sxAdmin(e.env, refused, "PUT", "/api/users/"+u.ID+"/identities/github", map[string]any{"userId": "gh-9"})
			return r, []sxNoticeSent{{notify.ChannelEmail, oldEmail, notify.NoticeIdentityLinked, "",
				notify.Notice{At: e.clock.Now(), Target: "github"}}}
		}},
		{"management: identity linked through a connector", func(e *sxEnv, refused bool) (response, []sxNoticeSent) {
			u := sxUser(e.env, oldEmail, "")
			r := sxAdmin(e.env, refused, "POST", "/api/users/"+u.ID+"/identities",
				map[string]any{"connectorId": "mock-github", "connectorData": map[string]any{"userId": "gh-7"}})
			return r, []sxNoticeSent{{notify.ChannelEmail, oldEmail, notify.NoticeIdentityLinked, "",
				notify.Notice{At: e.clock.Now(), Target: "github"}}}
		}},
		{"management: identity removed", func(e *sxEnv, refused bool) (response, []sxNoticeSent) {
			u := sxUser(e.env, oldEmail, "", withIdentity("github", "gh-1"))
			r := sxAdmin(e.env, refused, "DELETE", "/api/users/"+u.ID+"/identities/github", nil)
			return r, []sxNoticeSent{{notify.ChannelEmail, oldEmail, notify.NoticeIdentityUnlinked, "",
				notify.Notice{At: e.clock.Now(), Target: "github"}}}
		}},
		{"management: TOTP added", func(e *sxEnv, refused bool) (response, []sxNoticeSent) {
			u := sxUser(e.env, oldEmail, "")
			r := sxAdmin(e.env, refused, "POST", "/api/users/"+u.ID+"/mfa-verifications", map[string]any{"type": "Totp"})
			return r, []sxNoticeSent{{notify.ChannelEmail, oldEmail, notify.NoticeMfaFactorAdded, "",
				notify.Notice{At: e.clock.Now(), Factor: store.FactorTOTP}}}
		}},
		{"management: backup codes added", func(e *sxEnv, refused bool) (response, []sxNoticeSent) {
			u := sxUser(e.env, oldEmail, "")
			sxTOTP(e.env, u)
			r := sxAdmin(e.env, refused, "POST", "/api/users/"+u.ID+"/mfa-verifications", map[string]any{"type": "BackupCode"})
			return r, []sxNoticeSent{{notify.ChannelEmail, oldEmail, notify.NoticeMfaFactorAdded, "",
				notify.Notice{At: e.clock.Now(), Factor: store.FactorBackupCode}}}
		}},
		{"management: factor removed", func(e *sxEnv, refused bool) (response, []sxNoticeSent) {
			u := sxUser(e.env, oldEmail, "")
			f := sxTOTP(e.env, u)
			r := sxAdmin(e.env, refused, "DELETE", "/api/users/"+u.ID+"/mfa-verifications/"+f.ID, nil)
			return r, []sxNoticeSent{{notify.ChannelEmail, oldEmail, notify.NoticeMfaFactorRemoved, "",
				notify.Notice{At: e.clock.Now(), Factor: store.FactorTOTP}}}
		}},
	}
}

// TestSecurityNotices checks, for every change that sends notices, that each
// notice goes to the right address with the right type, locale and
// context; that it still goes when every other notice is off; that it does
// not go when its own switch is off; and that a refused request sends none.
func TestSecurityNotices(t *testing.T) {
	for _, tc := range sxNoticeCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Run("sent", func(t *testing.T) {
				e := sxNewEnv(t, account.Notices{})
				r, want := tc.run(e, false)
				if r.status >= 300 {
					t.Fatalf("the change failed: %d %s", r.status, r.body)
				}
				got := e.notices.list()
				if diff := cmp.Diff(want, sxSent(got)); diff != "" {
					t.Fatalf("notices (-want +got):\n%s", diff)
				}
				for _, m := range got {
					sxCheckContext(t, m)
				}
			})
			t.Run("sent with every other notice off", func(t *testing.T) {
				// Which switches the case needs is read off what it sends.
				probe := sxNewEnv(t, account.Notices{})
				_, want := tc.run(probe, false)
				var types []store.TemplateType
				for _, w := range want {
					types = append(types, w.Type)
				}
				e := sxNewEnv(t, sxAllBut(types...))
				r, want := tc.run(e, false)
				if r.status >= 300 {
					t.Fatalf("the change failed: %d %s", r.status, r.body)
				}
				if diff := cmp.Diff(want, sxSent(e.notices.list())); diff != "" {
					t.Fatalf("notices (-want +got):\n%s", diff)
				}
			})
			t.Run("not sent when off", func(t *testing.T) {
				probe := sxNewEnv(t, account.Notices{})
				_, want := tc.run(probe, false)
				for _, w := range want {
					e := sxNewEnv(t, sxOff(w.Type))
					r, _ := tc.run(e, false)
					if r.status >= 300 {
						t.Fatalf("the change failed: %d %s", r.status, r.body)
					}
					for _, m := range e.notices.list() {
						if m.Type == w.Type {
							t.Errorf("%s sent while switched off", w.Type)
						}
					}
				}
			})
			t.Run("not sent for a refused request", func(t *testing.T) {
				e := sxNewEnv(t, account.Notices{})
				r, _ := tc.run(e, true)
				if r.status < 400 {
					t.Fatalf("the refused request answered %d", r.status)
				}
				if n := e.notices.attempts(); n != 0 {
					t.Errorf("%d notices sent for a refused request: %v", n, e.notices.list())
				}
			})
		})
	}
}

// sxCheckContext checks a notice's user context: a notice to an old address
// names the user but shows no address (its owner may not be the user any
// more); an SMS carries none, as in Logto; the others carry the user.
func sxCheckContext(t *testing.T, m notify.Message) {
	t.Helper()
	switch {
	case m.Channel == notify.ChannelSMS:
		if m.User != nil || m.Application != nil {
			t.Errorf("%s SMS carries a user or application context", m.Type)
		}
	case m.User == nil || m.User.ID == "" || m.User.Username == "":
		t.Errorf("%s email without the user's id and username: %+v", m.Type, m.User)
	case m.Type == notify.NoticePrimaryEmailChanged || m.Type == notify.NoticePrimaryEmailRemoved:
		if m.User.PrimaryEmail != "" || m.User.PrimaryPhone != "" {
			t.Errorf("%s to the old address shows the user's addresses: %+v", m.Type, m.User)
		}
	default:
		if m.User.PrimaryEmail != m.To {
			t.Errorf("%s user context has email %q, sent to %q", m.Type, m.User.PrimaryEmail, m.To)
		}
	}
}

// TestSecurityNoticeEdges covers the cases that send nothing and the
// client application of a notice.
func TestSecurityNoticeEdges(t *testing.T) {
	t.Run("a user without an email address gets no password notice", func(t *testing.T) {
		e := sxNewEnv(t, account.Notices{})
		u := sxUser(e.env, "", "61412345678")
		r := sxAs(e.env, u, "", e.passwordProof(u, sxPassword), "POST", "/api/my-account/password", map[string]string{"password": "N3w-Passw0rd!"})
		expect(t, r, 204, "")
		if n := e.notices.attempts(); n != 0 {
			t.Errorf("%d notices, want none: %v", n, e.notices.list())
		}
	})
	t.Run("a first email address tells no old address", func(t *testing.T) {
		e := sxNewEnv(t, account.Notices{})
		u := sxUser(e.env, "", "")
		rec := e.verifiedCode(u, "email", "first@example.com")
		r := sxAs(e.env, u, "", e.passwordProof(u, sxPassword), "POST", "/api/my-account/primary-email",
			map[string]string{"email": "first@example.com", "newIdentifierVerificationRecordId": rec})
		expect(t, r, 204, "")
		if n := e.notices.attempts(); n != 0 {
			t.Errorf("%d notices, want none: %v", n, e.notices.list())
		}
	})
	t.Run("the same mailbox in other case is no change", func(t *testing.T) {
		e := sxNewEnv(t, account.Notices{})
		u := sxUser(e.env, "ann@example.com", "")
		r := sxAdmin(e.env, false, "PATCH", "/api/users/"+u.ID, map[string]string{"primaryEmail": "Ann@Example.com"})
		expect(t, r, 200, "")
		if n := e.notices.attempts(); n != 0 {
			t.Errorf("%d notices, want none: %v", n, e.notices.list())
		}
	})
	t.Run("re-linking the same social user is no new link", func(t *testing.T) {
		e := sxNewEnv(t, account.Notices{})
		u := sxUser(e.env, "ann@example.com", "", withIdentity("github", "gh-1"))
		rec := sxSocialRecord(e.env, u, "gh-1")
		r := sxAs(e.env, u, "", e.passwordProof(u, sxPassword), "PUT", "/api/my-account/identities",
			map[string]string{"newIdentifierVerificationRecordId": rec})
		expect(t, r, 204, "")
		if n := e.notices.attempts(); n != 0 {
			t.Errorf("%d notices, want none: %v", n, e.notices.list())
		}
	})
	t.Run("an Account API notice names the token's application", func(t *testing.T) {
		e := sxNewEnv(t, account.Notices{})
		u := sxUser(e.env, "ann@example.com", "")
		proof := e.passwordProof(u, sxPassword)
		r := e.do(req{method: "POST", path: "/api/my-account/password", token: sxToken(e.env, u.ID, "app-1"),
			header: map[string]string{"Logto-Verification-Id": proof}, body: map[string]string{"password": "N3w-Passw0rd!"}})
		expect(t, r, 204, "")
		msgs := e.notices.list()
		if len(msgs) != 1 || msgs[0].Application == nil || msgs[0].Application.ID != "app-1" {
			t.Fatalf("notices %v, want one naming app-1", msgs)
		}
	})
	t.Run("no notifier sends nothing and changes work", func(t *testing.T) {
		e := newEnv(t)
		u := sxUser(e, "ann@example.com", "")
		r := sxAs(e, u, "", e.passwordProof(u, sxPassword), "POST", "/api/my-account/password", map[string]string{"password": "N3w-Passw0rd!"})
		expect(t, r, 204, "")
	})
}

// TestSecurityNoticeNotifierFails checks that a failing notifier leaves the
// change committed and answered as a success, and that the failure is
// logged without the addresses.
func TestSecurityNoticeNotifierFails(t *testing.T) {
	const oldEmail, newEmail = "old@example.com", "new@example.org"
	t.Run("email change", func(t *testing.T) {
		e := sxNewEnv(t, account.Notices{})
		u := sxUser(e.env, oldEmail, "")
		rec := e.verifiedCode(u, "email", newEmail)
		proof := e.passwordProof(u, sxPassword)
		e.notices.setFail(errors.New("mail server down"))
		r := sxAs(e.env, u, "", proof, "POST", "/api/my-account/primary-email",
			map[string]string{"email": newEmail, "newIdentifierVerificationRecordId": rec})
		expect(t, r, 204, "")
		if got := e.reload(u).PrimaryEmail; got != newEmail {
			t.Errorf("primary email %q, want %q", got, newEmail)
		}
		if e.notices.attempts() != 1 {
			t.Errorf("%d attempts, want 1", e.notices.attempts())
		}
		log := e.log.String()
		if !strings.Contains(log, "sending a security notice failed") || !strings.Contains(log, "mail server down") ||
			!strings.Contains(log, string(notify.NoticePrimaryEmailChanged)) {
			t.Errorf("the failure is not logged:\n%s", log)
		}
		for _, secret := range []string{oldEmail, newEmail, "old@", "new@"} {
			if strings.Contains(log, secret) {
				t.Errorf("the log shows %q:\n%s", secret, log)
			}
		}
	})
	t.Run("password change", func(t *testing.T) {
		e := sxNewEnv(t, account.Notices{})
		u := sxUser(e.env, oldEmail, "")
		proof := e.passwordProof(u, sxPassword)
		e.notices.setFail(errors.New("mail server down"))
		r := sxAs(e.env, u, "", proof, "POST", "/api/my-account/password", map[string]string{"password": "N3w-Passw0rd!"})
		expect(t, r, 204, "")
		if e.reload(u).PasswordDigest == u.PasswordDigest {
			t.Error("the password did not change")
		}
		if diff := cmp.Diff([]maRevocation{{u.ID, account.RevokePasswordChanged}}, e.revoker.list()); diff != "" {
			t.Errorf("revocations (-want +got):\n%s", diff)
		}
		if strings.Contains(e.log.String(), "N3w-Passw0rd!") {
			t.Error("the log shows the password")
		}
	})
	t.Run("management factor added", func(t *testing.T) {
		e := sxNewEnv(t, account.Notices{})
		u := sxUser(e.env, oldEmail, "")
		e.notices.setFail(errors.New("mail server down"))
		r := sxAdmin(e.env, false, "POST", "/api/users/"+u.ID+"/mfa-verifications", map[string]any{"type": "Totp"})
		expect(t, r, 200, "")
		fs, err := e.store.ListMFAFactors(context.Background(), u.ID)
		if err != nil || len(fs) != 1 {
			t.Fatalf("factors %v, %v; want the new one", fs, err)
		}
		if secret, _ := r.json(t)["secret"].(string); secret == "" || strings.Contains(e.log.String(), secret) {
			t.Errorf("the log shows the TOTP secret or none was returned:\n%s", e.log.String())
		}
	})
}

// TestNoticesConfig checks that the constructors refuse a switch that is
// neither on nor off.
func TestNoticesConfig(t *testing.T) {
	e := newEnv(t)
	bad := account.Notices{MfaFactorAdded: 7}
	if _, err := account.New(account.Config{Store: e.store, Settings: e.settings, Hasher: cheapHasher(t), Notices: bad}); err == nil {
		t.Error("account.New accepted a bad switch")
	}
	if _, err := account.NewAdmin(account.AdminConfig{Store: e.store, Hasher: cheapHasher(t), Notices: bad}); err == nil {
		t.Error("account.NewAdmin accepted a bad switch")
	}
	if _, err := mfa.New(mfa.Config{Store: e.store, Settings: e.settings, Notices: bad}); err == nil {
		t.Error("mfa.New accepted a bad switch")
	}
	if _, err := mfa.NewAdmin(mfa.AdminConfig{Store: e.store, Notices: bad}); err == nil {
		t.Error("mfa.NewAdmin accepted a bad switch")
	}
	for _, typ := range notify.NoticeTypes() {
		if !(account.Notices{}).On(typ) || sxOff(typ).On(typ) {
			t.Errorf("the switch of %s does not work", typ)
		}
	}
	if (account.Notices{}).On(store.TemplateSignIn) {
		t.Error("a code type counts as an enabled notice")
	}
}

// TestRevokerPasswordHook checks that the revoker is told, with the right
// reason, after a password change, a reset, a suspension and a deletion,
// and not after a refused change.
func TestRevokerPasswordHook(t *testing.T) {
	tests := []struct {
		name string
		run  func(e *sxEnv, u *store.User) response
		want []maRevocation // with "" for u's id
	}{
		{"password changed by the user", func(e *sxEnv, u *store.User) response {
			return sxAs(e.env, u, "", e.passwordProof(u, sxPassword), "POST", "/api/my-account/password", map[string]string{"password": "N3w-Passw0rd!"})
		}, []maRevocation{{"", account.RevokePasswordChanged}}},
		{"password change refused", func(e *sxEnv, u *store.User) response {
			return sxAs(e.env, u, "", "", "POST", "/api/my-account/password", map[string]string{"password": "N3w-Passw0rd!"})
		}, nil},
		{"password reset by an administrator", func(e *sxEnv, u *store.User) response {
			return sxAdmin(e.env, false, "PATCH", "/api/users/"+u.ID+"/password", map[string]string{"password": "Admin-set-1"})
		}, []maRevocation{{"", account.RevokePasswordReset}}},
		{"password reset refused", func(e *sxEnv, u *store.User) response {
			return sxAdmin(e.env, true, "PATCH", "/api/users/"+u.ID+"/password", map[string]string{"password": "Admin-set-1"})
		}, nil},
		{"password verified by an administrator", func(e *sxEnv, u *store.User) response {
			return sxAdmin(e.env, false, "POST", "/api/users/"+u.ID+"/password/verify", map[string]string{"password": sxPassword})
		}, nil},
		{"suspended", func(e *sxEnv, u *store.User) response {
			return sxAdmin(e.env, false, "PATCH", "/api/users/"+u.ID+"/is-suspended", map[string]bool{"isSuspended": true})
		}, []maRevocation{{"", account.RevokeSuspended}}},
		{"deleted by the user", func(e *sxEnv, u *store.User) response {
			sxDeletable(e.env)
			return sxAs(e.env, u, "", e.passwordProof(u, sxPassword), "DELETE", "/api/my-account", nil)
		}, []maRevocation{{"", account.RevokeDeleted}}},
		{"deleted by an administrator", func(e *sxEnv, u *store.User) response {
			return sxAdmin(e.env, false, "DELETE", "/api/users/"+u.ID, nil)
		}, []maRevocation{{"", account.RevokeDeleted}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := sxNewEnv(t, account.Notices{})
			u := sxUser(e.env, "ann@example.com", "")
			r := tt.run(e, u)
			if tt.want != nil && r.status >= 300 {
				t.Fatalf("the change failed: %d %s", r.status, r.body)
			}
			var want []maRevocation
			for _, w := range tt.want {
				want = append(want, maRevocation{u.ID, w.Reason})
			}
			if diff := cmp.Diff(want, e.revoker.list()); diff != "" {
				t.Errorf("revocations (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRevokerFailures checks what each caller does when the revoker fails:
// the user's own password change and deletion stand and answer success
// (the failure is logged); an administrator's reset answers 500, as a
// suspension does, and the new password stays.
func TestRevokerFailures(t *testing.T) {
	t.Run("own password change", func(t *testing.T) {
		e := sxNewEnv(t, account.Notices{})
		u := sxUser(e.env, "ann@example.com", "")
		e.revoker.setFail(errors.New("provider down"))
		r := sxAs(e.env, u, "", e.passwordProof(u, sxPassword), "POST", "/api/my-account/password", map[string]string{"password": "N3w-Passw0rd!"})
		expect(t, r, 204, "")
		if e.reload(u).PasswordDigest == u.PasswordDigest {
			t.Error("the password did not change")
		}
		if log := e.log.String(); !strings.Contains(log, "provider down") || !strings.Contains(log, "password_changed") {
			t.Errorf("the failure is not logged:\n%s", log)
		}
		if len(e.notices.list()) != 1 {
			t.Errorf("notices %v, want the password notice", e.notices.list())
		}
	})
	t.Run("own deletion", func(t *testing.T) {
		e := sxNewEnv(t, account.Notices{})
		sxDeletable(e.env)
		u := sxUser(e.env, "ann@example.com", "")
		e.revoker.setFail(errors.New("provider down"))
		expect(t, sxAs(e.env, u, "", e.passwordProof(u, sxPassword), "DELETE", "/api/my-account", nil), 204, "")
		if _, err := e.store.GetUser(context.Background(), u.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetUser after the deletion: %v", err)
		}
		if log := e.log.String(); !strings.Contains(log, "provider down") {
			t.Errorf("the failure is not logged:\n%s", log)
		}
	})
	t.Run("administrator's reset", func(t *testing.T) {
		e := sxNewEnv(t, account.Notices{})
		u := sxUser(e.env, "ann@example.com", "")
		e.revoker.setFail(errors.New("provider down"))
		r := sxAdmin(e.env, false, "PATCH", "/api/users/"+u.ID+"/password", map[string]string{"password": "Admin-set-1"})
		expect(t, r, 500, "")
		if strings.Contains(string(r.body), "provider down") {
			t.Errorf("the body leaks the cause: %s", r.body)
		}
		if e.reload(u).PasswordDigest == u.PasswordDigest {
			t.Error("the password did not change")
		}
		// Repeating the request retries the revocation.
		e.revoker.setFail(nil)
		expect(t, sxAdmin(e.env, false, "PATCH", "/api/users/"+u.ID+"/password", map[string]string{"password": "Admin-set-1"}), 200, "")
		want := []maRevocation{{u.ID, account.RevokePasswordReset}, {u.ID, account.RevokePasswordReset}}
		if diff := cmp.Diff(want, e.revoker.list()); diff != "" {
			t.Errorf("revocations (-want +got):\n%s", diff)
		}
	})
}
