package account

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/connector"
	"github.com/accountapi/accountapi/internal/notice"
	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/store"
)

// Identity applies GET /api/users/{userId}/identities/{target}
// (docs/compatibility.md, "Management API routes"): the user's social identity
// for target, or 404 user.identity_not_exist. The library stores no provider
// tokens, so there is never a token secret to add.
func (a *Admin) Identity(ctx context.Context, id, target string) (store.Identity, error) {
	u, err := a.GetUser(ctx, id)
	if err != nil {
		return store.Identity{}, err
	}
	ident, ok := u.Identities[target]
	if !ok {
		return store.Identity{}, apierror.IdentityNotExist
	}
	return ident, nil
}

// PutIdentity applies PUT /api/users/{userId}/identities/{target}
// (docs/compatibility.md, "Management API routes"): it links ident to the user
// under target, replacing the user's identity for target if it has one, and
// returns all the user's identities and whether the target is new (the route
// answers 201 then, 200 for a replacement). Another user's identity (same
// target and social user id) is 422 user.identity_already_in_use; the store's
// unique index settles races. No connector is involved: the administrator
// vouches for the identity. Linking a social user the user did not have under
// target sends notify.NoticeIdentityLinked to the user's email address.
func (a *Admin) PutIdentity(ctx context.Context, id, target string, ident store.Identity) (identities map[string]store.Identity, created bool, err error) {
	var linked bool
	u, err := a.updateUser(ctx, id, func(ctx context.Context, tx store.Store, u *store.User) error {
		prev, had := u.Identities[target]
		created, linked = !had, !had || prev.UserID != ident.UserID
		return linkIdentity(ctx, tx, u, target, ident)
	})
	if err != nil {
		return nil, false, err
	}
	if linked {
		a.noticeLinked(ctx, u, target)
	}
	return Snapshot(u).Identities, created, nil
}

// noticeLinked sends notify.NoticeIdentityLinked for u's identity under
// target.
func (a *Admin) noticeLinked(ctx context.Context, u *store.User, target string) {
	a.notices.ToUser(ctx, u, notice.From{}, notify.NoticeIdentityLinked, notify.Notice{At: u.UpdatedAt, Target: target})
}

// LinkSocialIdentity applies POST /api/users/{userId}/identities
// (docs/compatibility.md, "Management API routes"): it gives connectorData,
// the provider's answer to an authorization request the host made (see
// [Admin.AuthorizationURI]), to the social connector connectorID without a
// session, and links the social user it returns to the user, replacing an
// identity the user has for the connector's target. It returns all the user's
// identities (a social user new to the user sends notify.NoticeIdentityLinked
// to their email address). In order: 404 entity.not_found for a missing user
// or an unknown connector, 422 session.invalid_connector_id for an email or
// SMS connector, the connector's errors ([ConnectorError]), 422
// user.identity_already_in_use when another user has the social identity.
//
// Connectors that must check the callback against state kept from the
// authorization request (OpenID Connect nonces, PKCE verifiers, Apple) cannot
// work without a session and refuse the data, as in Logto; the host checks
// the state parameter itself.
func (a *Admin) LinkSocialIdentity(ctx context.Context, id, connectorID string, connectorData map[string]any) (map[string]store.Identity, error) {
	if connectorData == nil {
		return nil, invalidBody("connectorData: expected object")
	}
	if _, err := a.GetUser(ctx, id); err != nil {
		return nil, err
	}
	conn, err := a.connectors.Social(connectorID)
	switch {
	case errors.Is(err, connector.ErrUnknown):
		return nil, apierror.EntityNotFound.WithCause(err)
	case errors.Is(err, connector.ErrNotSocial):
		return nil, apierror.InvalidConnectorID.WithParam("connectorId", connectorID).WithCause(err)
	case err != nil:
		return nil, fmt.Errorf("account: resolving connector: %w", err)
	}
	info, err := conn.UserInfo(ctx, maps.Clone(connectorData), nil)
	if err != nil {
		return nil, ConnectorError(err)
	}
	if info == nil || info.ID == "" {
		return nil, apierror.ConnectorInvalidResponse
	}
	ident, err := identityOf(info)
	if err != nil {
		return nil, err
	}
	var linked bool
	u, err := a.updateUser(ctx, id, func(ctx context.Context, tx store.Store, u *store.User) error {
		prev, had := u.Identities[conn.Target()]
		linked = !had || prev.UserID != ident.UserID
		return linkIdentity(ctx, tx, u, conn.Target(), ident)
	})
	if err != nil {
		return nil, err
	}
	if linked {
		a.noticeLinked(ctx, u, conn.Target())
	}
	return Snapshot(u).Identities, nil
}

// linkIdentity puts ident under target for u, inside the transaction that
// locked u, after checking that no other user has it.
func linkIdentity(ctx context.Context, tx store.Store, u *store.User, target string, ident store.Identity) error {
	other, err := tx.FindUserByIdentity(ctx, target, ident.UserID)
	switch {
	case err == nil && other.ID != u.ID:
		return apierror.IdentityAlreadyInUse
	case err != nil && !isNotFound(err):
		return fmt.Errorf("account: looking up identity: %w", err)
	}
	_, err = tx.PutIdentity(ctx, u.ID, target, ident)
	switch {
	case errors.Is(err, store.ErrDuplicateIdentity):
		return apierror.IdentityAlreadyInUse.WithCause(err)
	case isNotFound(err):
		return apierror.EntityNotFound.WithCause(err)
	case err != nil:
		return fmt.Errorf("account: writing identity: %w", err)
	}
	if u.Identities == nil {
		u.Identities = map[string]store.Identity{}
	}
	u.Identities[target] = ident
	return nil
}

// RemoveIdentity applies DELETE /api/users/{userId}/identities/{target}
// (docs/compatibility.md, "Management API routes"): it unlinks the user's
// identity for target (404 user.identity_not_exist if there is none) and
// returns the updated user. Unlike the Account API it lets the user end up
// without any identifier. The user's email address is sent
// notify.NoticeIdentityUnlinked.
func (a *Admin) RemoveIdentity(ctx context.Context, id, target string) (*store.User, error) {
	u, err := a.updateUser(ctx, id, func(ctx context.Context, tx store.Store, u *store.User) error {
		if _, ok := u.Identities[target]; !ok {
			return apierror.IdentityNotExist
		}
		err := tx.RemoveIdentity(ctx, u.ID, target)
		switch {
		case isNotFound(err):
			return apierror.IdentityNotExist.WithCause(err)
		case err != nil:
			return fmt.Errorf("account: removing identity: %w", err)
		}
		delete(u.Identities, target)
		return nil
	})
	if err != nil {
		return nil, err
	}
	a.notices.ToUser(ctx, u, notice.From{}, notify.NoticeIdentityUnlinked, notify.Notice{At: u.UpdatedAt, Target: target})
	return u, nil
}

// AuthorizationURI applies POST
// /api/connectors/{connectorId}/authorization-uri (docs/compatibility.md,
// "Management API routes"; in Logto, one of the connector routes): the URI to
// send a user to so that the provider of the social connector connectorID
// authenticates them and redirects to redirectURI with state. In order: 400
// session.insufficient_info when state or redirectURI is empty, 404
// entity.not_found for an unknown connector, 400 connector.unexpected_type for
// an email or SMS connector.
//
// Nothing is stored: the connector's session is dropped, as Logto passes no
// session storage here, so the host must keep and check state itself, and
// then link the identity with [Admin.LinkSocialIdentity].
func (a *Admin) AuthorizationURI(ctx context.Context, connectorID, state, redirectURI string) (string, error) {
	if state == "" || redirectURI == "" {
		return "", apierror.InsufficientInfo
	}
	conn, err := a.connectors.Social(connectorID)
	switch {
	case errors.Is(err, connector.ErrUnknown):
		return "", apierror.EntityNotFound.WithCause(err)
	case errors.Is(err, connector.ErrNotSocial):
		return "", apierror.ConnectorUnexpectedType.WithCause(err)
	case err != nil:
		return "", fmt.Errorf("account: resolving connector: %w", err)
	}
	uri, _, err := conn.AuthorizationURI(ctx, connector.AuthorizationRequest{State: state, RedirectURI: redirectURI})
	if err != nil {
		return "", ConnectorError(err)
	}
	return uri, nil
}

// ConnectorError turns a social connector's error into Logto's: the
// callback's faults are the client's (400 connector.invalid_response, 401
// connector.authorization_failed, 401 connector.social_auth_code_invalid), a
// cancelled context stays itself, and anything else means the provider could
// not be asked (500 connector.general, logged with its cause).
func ConnectorError(err error) error {
	switch {
	case errors.Is(err, connector.ErrInvalidResponse):
		return apierror.ConnectorInvalidResponse.WithCause(err)
	case errors.Is(err, connector.ErrAuthorizationFailed):
		return apierror.ConnectorAuthorizationFailed.WithCause(err)
	case errors.Is(err, connector.ErrAuthCodeInvalid):
		return apierror.ConnectorAuthCodeInvalid.WithCause(err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return apierror.ConnectorGeneral.WithCause(err)
}
