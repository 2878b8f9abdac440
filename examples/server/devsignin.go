package main

// DEVELOPMENT ONLY. The routes in this file exist so that the account page
// (page.go) can be tried without an identity provider: a development
// sign-in that checks a username or email and a password and mints a
// short-lived development token, a reader of the messages the server sent
// (codes in clear), and what the page needs to know about the server. They
// are registered only when the server verifies tokens with its development
// HS256 secret (no -jwks-url, no -issuer), never in production mode, and
// nothing here is part of the library: a real front end signs the user in
// with the identity provider and never sees a password.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/bearer"
	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/password"
	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/verification"
)

// devTokenTTL is the lifetime of the tokens the development sign-in mints.
const devTokenTTL = 15 * time.Minute

// devSignIn serves POST /dev/sign-in: {identifier, password} → a
// development access token for the user, with DefaultUserScope.
//
// It checks the password as POST /api/verifications/password does, with
// the library's pieces: the password.Hasher (an unknown user, or one
// without a password, costs the same decoy computation as a wrong
// password) and the lockout Sentinel under the same target, so failures
// here and there count together and a blocked user is refused here too.
type devSignIn struct {
	users    store.Users
	hasher   *password.Hasher
	sentinel *verification.Sentinel
	secret   string
	log      *slog.Logger
}

// devTokenJSON is the answer of POST /dev/sign-in, shaped like an OAuth 2.0
// token response.
type devTokenJSON struct {
	AccessToken string `json:"accessToken"`
	TokenType   string `json:"tokenType"`
	ExpiresIn   int    `json:"expiresIn"`
	Scope       string `json:"scope"`
	UserID      string `json:"userId"`
}

func (d *devSignIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Identifier string `json:"identifier"`
		Password   string `json:"password"`
	}
	if err := decodeDevJSON(w, r, &body); err != nil {
		devError(w, r, d.log, err)
		return
	}
	body.Identifier = strings.TrimSpace(body.Identifier)
	if body.Identifier == "" || body.Password == "" {
		devError(w, r, d.log, apierror.InvalidInput.WithParam("type", "body").
			WithDetails("identifier and password: expected non-empty strings"))
		return
	}
	u, err := d.check(r.Context(), body.Identifier, body.Password)
	if err != nil {
		devError(w, r, d.log, err)
		return
	}
	tok, err := mintDevToken(d.secret, u.ID, DefaultUserScope, devTokenTTL)
	if err != nil {
		devError(w, r, d.log, err)
		return
	}
	writeDevJSON(w, http.StatusOK, devTokenJSON{
		AccessToken: tok, TokenType: "Bearer", ExpiresIn: int(devTokenTTL / time.Second),
		Scope: DefaultUserScope, UserID: u.ID,
	})
}

// check returns the user identifier names if pw is their password: else 422
// session.invalid_credentials (or the sentinel's block), 401 user.suspended
// for a suspended user who gave the right password.
func (d *devSignIn) check(ctx context.Context, identifier, pw string) (*store.User, error) {
	u, err := d.find(ctx, identifier)
	if errors.Is(err, store.ErrNotFound) {
		// Nobody to count a failure against: the decoy makes the answer
		// cost what a wrong password costs.
		if err := d.hasher.VerifyDecoy(ctx, pw); err != nil {
			return nil, err
		}
		return nil, apierror.InvalidCredentials
	}
	if err != nil {
		return nil, fmt.Errorf("dev sign-in: finding the user: %w", err)
	}
	// The target of POST /api/verifications/password (verification.Service
	// .VerifyPassword), so that both count against one lockout.
	// The attempt is reserved before the password is compared, so that
	// concurrent guesses never outnumber the attempts the policy allows.
	target := verification.Target(string(store.IdentifierUserID), u.ID)
	attempt, err := d.sentinel.Begin(ctx, target)
	if err != nil {
		return nil, err
	}
	ok, err := d.verify(ctx, u, pw)
	if err != nil {
		return nil, attempt.Abandon(ctx, err)
	}
	if !ok {
		return nil, attempt.Fail(ctx, u.ID, apierror.InvalidCredentials)
	}
	if err := attempt.Release(ctx); err != nil {
		return nil, err
	}
	if u.IsSuspended {
		return nil, apierror.UserSuspended
	}
	return u, nil
}

// verify reports whether pw is u's password, as the verification service's
// own check does: no password, or a digest the hasher cannot check, costs a
// decoy computation and is a mismatch.
func (d *devSignIn) verify(ctx context.Context, u *store.User, pw string) (bool, error) {
	if !u.HasPassword() {
		return false, d.hasher.VerifyDecoy(ctx, pw)
	}
	ok, err := d.hasher.Verify(ctx, pw, u.PasswordDigest, u.PasswordAlgorithm)
	switch {
	case ctx.Err() != nil:
		return false, ctx.Err()
	case err != nil:
		return false, d.hasher.VerifyDecoy(ctx, pw)
	}
	return ok, nil
}

// phoneLike matches what is typed as a phone number rather than a username.
var phoneLike = regexp.MustCompile(`^\+?[0-9][0-9 ()\-.]{5,}$`)

// find looks the user up by email address (with an @), phone number (digits)
// or username.
func (d *devSignIn) find(ctx context.Context, identifier string) (*store.User, error) {
	switch {
	case strings.Contains(identifier, "@"):
		return d.users.FindUserByEmail(ctx, identifier)
	case phoneLike.MatchString(identifier):
		u, err := d.users.FindUserByPhone(ctx, identifier)
		if !errors.Is(err, store.ErrNotFound) {
			return u, err
		}
	}
	return d.users.FindUserByUsername(ctx, identifier)
}

// devMessage is one message the server sent, as GET /dev/outbox shows it.
type devMessage struct {
	SentAt  int64              `json:"sentAt"`
	Channel notify.Channel     `json:"channel"`
	To      string             `json:"to"`
	Type    store.TemplateType `json:"type"`
	// Code is the one-time code, in clear; empty for a security notice.
	Code   string `json:"code,omitempty"`
	Locale string `json:"locale,omitempty"`
}

// devOutboxSize is how many messages the recorder keeps.
const devOutboxSize = 50

// recorder is a notify.Notifier that passes every message on to next and,
// when next delivered it, keeps it in memory for GET /dev/outbox: the
// page's development panel shows the codes whether or not the server writes
// an -outbox file.
type recorder struct {
	next notify.Notifier
	now  func() time.Time

	mu   sync.Mutex
	msgs []devMessage // oldest first, at most devOutboxSize
}

var _ notify.Notifier = (*recorder)(nil)

// Notify implements notify.Notifier.
func (r *recorder) Notify(ctx context.Context, m notify.Message) error {
	if err := r.next.Notify(ctx, m); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, devMessage{
		SentAt: r.now().UnixMilli(), Channel: m.Channel, To: m.To, Type: m.Type, Code: m.Code, Locale: m.Locale,
	})
	if over := len(r.msgs) - devOutboxSize; over > 0 {
		r.msgs = slices.Delete(r.msgs, 0, over)
	}
	return nil
}

// recent returns up to n messages to the address to ("" for any), newest
// first. Email addresses compare case-insensitively.
func (r *recorder) recent(to string, n int) []devMessage {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := []devMessage{}
	for i := len(r.msgs) - 1; i >= 0 && len(out) < n; i-- {
		if m := r.msgs[i]; to == "" || strings.EqualFold(m.To, to) {
			out = append(out, m)
		}
	}
	return out
}

// devOutbox serves GET /dev/outbox?to=…: the last messages sent to an
// address (or to anyone), newest first, codes in clear. It asks for a
// token the server accepts, which keeps it from being read by any page
// that can reach the port; a token names a user, not the address, since the
// code for a new address is what the user must read here.
type devOutbox struct {
	rec  *recorder
	auth bearer.Authenticator
	log  *slog.Logger
}

func (o *devOutbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		devError(w, r, o.log, apierror.Unauthorized)
		return
	}
	if _, err := o.auth.Authenticate(r.Context(), strings.TrimSpace(token)); err != nil {
		if errors.Is(err, bearer.ErrInvalidToken) {
			err = apierror.Unauthorized.WithCause(err)
		}
		devError(w, r, o.log, err)
		return
	}
	writeDevJSON(w, http.StatusOK, struct {
		Messages []devMessage `json:"messages"`
	}{o.rec.recent(strings.TrimSpace(r.URL.Query().Get("to")), 20)})
}

// devConfigJSON is the answer of GET /dev/config: what the page needs to
// know about the server that the Account API does not say.
type devConfigJSON struct {
	// Development is always true: the route exists only in development.
	Development     bool `json:"development"`
	TokenTTLSeconds int  `json:"tokenTtlSeconds"`
	// SocialConnectors are the connectors the page can link without a
	// redirect (mock-social).
	SocialConnectors []string `json:"socialConnectors"`
	// Fields are the account center's field controls, which the page uses
	// to show or hide its controls (deleteAccount is Off unless an
	// administrator turns it on with PATCH /api/account-center).
	Fields store.AccountCenterFields `json:"fields"`
}

// devConfig serves GET /dev/config.
type devConfig struct {
	// settings are the account-center settings in force: the stored ones,
	// or the configured defaults while the store holds none.
	settings interface {
		Get(ctx context.Context) (store.AccountCenter, error)
	}
	log *slog.Logger
}

func (c *devConfig) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ac, err := c.settings.Get(r.Context())
	if err != nil {
		devError(w, r, c.log, err)
		return
	}
	out := devConfigJSON{Development: true, TokenTTLSeconds: int(devTokenTTL / time.Second), SocialConnectors: []string{"mock-social"}}
	out.Fields = ac.Fields
	writeDevJSON(w, http.StatusOK, out)
}

// eitherAuthenticator accepts a token that one of its authenticators
// accepts. The page's development tokens are signed with a key of their own
// when the server made its development secret up (and only printed it), so
// the API must accept both.
type eitherAuthenticator []bearer.Authenticator

func (e eitherAuthenticator) Authenticate(ctx context.Context, token string) (bearer.Principal, error) {
	var err error
	for _, a := range e {
		var p bearer.Principal
		if p, err = a.Authenticate(ctx, token); err == nil || !errors.Is(err, bearer.ErrInvalidToken) {
			return p, err
		}
	}
	return bearer.Principal{}, err
}

// devMaxBody caps the development routes' bodies.
const devMaxBody = 4 << 10

// decodeDevJSON decodes r's body strictly into v.
func decodeDevJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, devMaxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return apierror.PayloadTooLarge
		}
		return apierror.InvalidInput.WithParam("type", "body").WithDetails("expected {identifier, password}")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apierror.InvalidInput.WithParam("type", "body").WithDetails("trailing data after the JSON body")
	}
	return nil
}

// devError writes err in the API's error shape, {code, message}, with the
// message in the language of the request's Accept-Language.
func devError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	e := apierror.From(err)
	if e.Status() >= 500 {
		log.ErrorContext(r.Context(), "development route failed", slog.String("path", r.URL.Path), slog.String("error", e.Error()))
	}
	msg, lang := apierror.DefaultLocalizer().Message(e, r.Header.Get("Accept-Language"))
	w.Header().Add("Vary", "Accept-Language")
	w.Header().Set("Content-Language", lang)
	writeDevJSON(w, e.Status(), struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details string `json:"details,omitempty"`
	}{e.Code(), msg, e.Details()})
}

// writeDevJSON writes v with status; nothing the development routes answer
// may be cached (tokens, codes).
func writeDevJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"code":"internal_server_error","message":"Internal server error."}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
