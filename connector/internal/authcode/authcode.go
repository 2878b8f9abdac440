// Package authcode holds what the OAuth 2.0 and OpenID Connect connectors
// share of the authorization-code flow (RFC 6749 §4.1): the session they keep
// in the verification record, random values from an injected reader, the
// check of the callback against the session, and the mapping of token
// endpoint refusals to the connector errors.
package authcode

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/accountapi/accountapi/connector"
)

// The keys of the session a connector keeps in the verification record.
const (
	// KeyState is the client's state, which the callback must echo.
	KeyState = "state"
	// KeyRedirectURI is the redirect URI of the authorization request, sent
	// again with the code (RFC 6749 §4.1.3).
	KeyRedirectURI = "redirectUri"
	// KeyVerifier is the PKCE code verifier (RFC 7636 §4.1).
	KeyVerifier = "codeVerifier"
	// KeyNonce is the OpenID Connect nonce the ID token must carry.
	KeyNonce = "nonce"
)

// DefaultTimeout bounds each request to a provider when the host gives no
// HTTP client (http.DefaultClient has no timeout).
const DefaultTimeout = 10 * time.Second

// Client returns c, or a client with DefaultTimeout when c is nil.
func Client(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return &http.Client{Timeout: DefaultTimeout}
}

// Random returns 32 bytes of r, base64url-encoded without padding: 43
// characters, the shape RFC 7636 §4.1 recommends for a code verifier and
// ample for a nonce.
func Random(r io.Reader) (string, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("reading randomness: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Callback checks the provider's callback parameters (the client posts them
// as connectorData) against the session, and returns the authorization code.
//
//   - A state that differs from the session's is ErrInvalidResponse: the
//     callback does not answer this authorization request (RFC 6749 §10.12).
//     The comparison takes constant time.
//   - An error parameter is ErrAuthorizationFailed (RFC 6749 §4.1.2.1): the
//     user or the provider refused.
//   - A missing code is ErrInvalidResponse.
//   - An iss parameter other than issuer, when issuer is not "", is
//     ErrInvalidResponse (RFC 9207 mix-up protection).
func Callback(data map[string]any, session connector.Session, issuer string) (string, error) {
	if session == nil || session[KeyState] == "" {
		return "", fmt.Errorf("%w: no authorization request to answer", connector.ErrInvalidResponse)
	}
	state, err := param(data, "state")
	if err != nil {
		return "", err
	}
	if subtle.ConstantTimeCompare([]byte(state), []byte(session[KeyState])) != 1 {
		return "", fmt.Errorf("%w: state does not match the authorization request", connector.ErrInvalidResponse)
	}
	if issuer != "" {
		iss, err := param(data, "iss")
		if err != nil {
			return "", err
		}
		if iss != "" && iss != issuer {
			return "", fmt.Errorf("%w: iss does not name the provider", connector.ErrInvalidResponse)
		}
	}
	e, err := param(data, "error")
	if err != nil {
		return "", err
	}
	if e != "" {
		return "", fmt.Errorf("%w: the provider answered error %q", connector.ErrAuthorizationFailed, errorCode(e))
	}
	code, err := param(data, "code")
	if err != nil {
		return "", err
	}
	if code == "" {
		return "", fmt.Errorf("%w: no code in the callback", connector.ErrInvalidResponse)
	}
	return code, nil
}

// param returns the string parameter name of the callback, "" if absent.
func param(data map[string]any, name string) (string, error) {
	v, ok := data[name]
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%w: connectorData.%s must be a string", connector.ErrInvalidResponse, name)
	}
	return s, nil
}

// errorCode keeps an RFC 6749 error code readable in an error message without
// letting the callback write arbitrary text into logs.
func errorCode(s string) string {
	const max = 64
	if len(s) > max {
		s = s[:max]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
}

// ExchangeError maps the error of oauth2.Config.Exchange. A refusal of the
// grant — invalid_grant (a wrong, used or expired code, or a PKCE verifier
// that does not match), invalid_request, or GitHub's bad_verification_code —
// is ErrAuthCodeInvalid. A refusal of the client itself (invalid_client,
// unauthorized_client, unsupported_grant_type, invalid_scope), a server error
// and a failed request are the host's or the provider's problem, not the
// user's, and stay plain errors. The messages carry the error code and the
// status, never the code, the verifier or the response body.
func ExchangeError(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return fmt.Errorf("exchanging the code: %w", scrub(err))
	}
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	switch re.ErrorCode {
	case "invalid_grant", "invalid_request", "bad_verification_code":
		return fmt.Errorf("%w: the token endpoint answered %d %q", connector.ErrAuthCodeInvalid, status, re.ErrorCode)
	}
	return fmt.Errorf("exchanging the code: the token endpoint answered %d %q", status, errorCode(re.ErrorCode))
}

// scrub keeps transport errors, which name the token endpoint but never the
// form that was posted, and replaces the others (an unreadable or malformed
// answer), whose text may quote the provider's answer.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return errors.New("the token endpoint's answer could not be read")
}

// CheckURL accepts an absolute https URL without a fragment, or an http one
// whose host is a loopback address or "localhost" (development and tests):
// the provider's endpoints carry the client secret, codes and tokens.
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Fragment != "" {
		return fmt.Errorf("%q is not an absolute URL without a fragment", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
	}
	return fmt.Errorf("%q must be https (http only on a loopback host)", raw)
}
