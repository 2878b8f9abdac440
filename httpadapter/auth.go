package httpadapter

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"

	"golang.org/x/text/language"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/bearer"
	"github.com/accountapi/accountapi/mfa"
)

// VerificationHeader carries the identity proof of Account API requests.
const VerificationHeader = "Logto-Verification-Id"

// authenticate turns the request's bearer token into a principal
// (docs/compatibility.md, "Request pipeline"): no Authorization header → 401
// auth.authorization_header_missing; not Bearer → 401
// auth.authorization_token_type_not_supported; a token the authenticator
// refuses, or one without a user → 401 auth.unauthorized.
func authenticate(ctx context.Context, a bearer.Authenticator, r *http.Request) (bearer.Principal, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return bearer.Principal{}, apierror.AuthorizationHeaderMissing
	}
	// "Bearer" alone names the scheme without a token: Logto checks the
	// scheme first, then fails to look the empty token up.
	scheme, token, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return bearer.Principal{}, apierror.AuthorizationTokenTypeNotSupported
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return bearer.Principal{}, apierror.Unauthorized
	}
	p, err := a.Authenticate(ctx, token)
	switch {
	case errors.Is(err, bearer.ErrInvalidToken):
		return bearer.Principal{}, apierror.Unauthorized.WithCause(err)
	case err != nil:
		return bearer.Principal{}, err
	}
	return p, nil
}

// caller builds the use cases' Caller for an authenticated request.
func caller(p bearer.Principal, r *http.Request) account.Caller {
	return account.Caller{
		UserID:               p.UserID,
		Scopes:               p.Scopes,
		ClientID:             p.ClientID,
		VerificationRecordID: r.Header.Get(VerificationHeader),
		Locale:               locale(r),
	}
}

// locale returns the language of the messages sent to the user during the
// request (verification codes, security notices), as the client spelled it:
// the first Accept-Language preference, in order of quality, that the
// error messages are translated into (apierror.DefaultLocalizer's Match),
// so that "ja, de-CH;q=0.8" gives "de-CH" and an email and the API's errors
// agree on German; without such a preference, the first one ("ja"), so that
// a host with Japanese templates still gets it; "" without a usable header.
// notify.Templates matches the tag to its languages by the same rule.
func locale(r *http.Request) string {
	h := r.Header.Get("Accept-Language")
	if h == "" {
		return ""
	}
	tags, _, err := language.ParseAcceptLanguage(h)
	if err != nil || len(tags) == 0 {
		return ""
	}
	messages := apierror.DefaultLocalizer()
	for _, t := range tags {
		if _, ok := messages.Match(t.String()); ok {
			return t.String()
		}
	}
	return tags[0].String()
}

// client describes where the request comes from, for WebAuthn and TOTP: the
// host name and origin the API was reached at, and the browser.
func client(r *http.Request) mfa.Client {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return mfa.Client{
		Host:      strings.Trim(host, "[]"),
		Origin:    scheme + "://" + r.Host,
		UserAgent: r.UserAgent(),
	}
}
