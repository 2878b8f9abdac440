package connector

import (
	"context"
	"errors"
	"fmt"

	"github.com/accountapi/accountapi/store"
)

// Type is what a connector is for, with Logto's spelling.
type Type string

// The connector types.
const (
	TypeSocial Type = "Social"
	TypeEmail  Type = "Email"
	TypeSMS    Type = "Sms"
)

// Connector is anything registered with the library under an id.
type Connector interface {
	// Type tells social connectors from the email and SMS ones, so that a
	// route that needs a social connector can answer 400
	// connector.unexpected_type for the others.
	Type() Type
}

// Social is a social sign-in connector: it sends the user to a provider and
// turns the provider's callback into the social user.
type Social interface {
	Connector
	// Target is the identity target users are linked under (the key of
	// users' identities, e.g. "github"). Connectors of one provider share it.
	Target() string
	// AuthorizationURI returns the URI to send the user to, and the session
	// the connector needs to check the callback; the library keeps the
	// session in the verification record (so any replica can finish) and
	// gives it back to UserInfo.
	AuthorizationURI(ctx context.Context, r AuthorizationRequest) (uri string, session Session, err error)
	// UserInfo checks the callback data against the session and returns the
	// social user. session is nil when there was no authorization request
	// (the Management API links identities that way). Errors wrap one of
	// ErrInvalidResponse, ErrAuthorizationFailed or ErrAuthCodeInvalid when
	// the callback is at fault; other errors mean the provider could not be
	// asked.
	UserInfo(ctx context.Context, data map[string]any, session Session) (*store.SocialUserInfo, error)
}

// AuthorizationRequest is what the client asked for in
// POST /api/verifications/social.
type AuthorizationRequest struct {
	// State is the client's CSRF state, echoed by the provider.
	State string
	// RedirectURI is where the provider sends the user back.
	RedirectURI string
	// Scope overrides the connector's configured scope when not "".
	Scope string
	// RecordID is the verification record's id, for connectors that want a
	// request identifier.
	RecordID string
}

// Session is what a connector keeps between AuthorizationURI and UserInfo.
type Session map[string]string

// The errors UserInfo wraps, mapped by the library to Logto's codes.
var (
	// ErrInvalidResponse: the callback data is malformed or does not match
	// the session (400 connector.invalid_response).
	ErrInvalidResponse = errors.New("connector: invalid response")
	// ErrAuthorizationFailed: the provider or the user refused (401
	// connector.authorization_failed).
	ErrAuthorizationFailed = errors.New("connector: authorization failed")
	// ErrAuthCodeInvalid: the provider refused the authorization code (401
	// connector.social_auth_code_invalid).
	ErrAuthCodeInvalid = errors.New("connector: invalid authorization code")
)

// Set is the connectors a host registers, by id.
type Set map[string]Connector

// ErrUnknown is Lookup's error for an id no connector has.
var ErrUnknown = errors.New("connector: no connector with this id")

// ErrNotSocial is Social's error for a connector that is not social.
var ErrNotSocial = errors.New("connector: not a social connector")

// Social returns the social connector registered under id: ErrUnknown if
// there is none, ErrNotSocial if it is of another type.
func (s Set) Social(id string) (Social, error) {
	c, ok := s[id]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknown, id)
	}
	soc, ok := c.(Social)
	if !ok || c.Type() != TypeSocial {
		return nil, fmt.Errorf("%w: %q", ErrNotSocial, id)
	}
	return soc, nil
}

// Passive is a registered connector that does nothing itself, e.g. the email
// and SMS channels of a notifier, registered so that naming them where a
// social connector is needed answers connector.unexpected_type.
type Passive Type

// Type implements Connector.
func (p Passive) Type() Type { return Type(p) }
