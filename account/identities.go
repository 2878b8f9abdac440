package account

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/connector"
	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/store"
)

// LinkIdentity applies POST /api/my-account/identities (docs/compatibility.md,
// "Social identities"): it links the social identity that the verified Social
// record recordID proves to the caller, under the identity target of the
// record's connector. The caller must not have an identity for that target yet
// (400 user.identity_already_in_use), and no other user may have this identity
// (422 user.identity_already_in_use).
//
// The identity's details are the full social user info the connector returned,
// as Logto keeps them. Stricter than Logto (docs/compatibility.md,
// "New-identifier records belong to their creator"): the record must have been
// started by the caller.
//
// After the change commits the user's email address is sent
// notify.NoticeIdentityLinked naming the target.
func (s *Service) LinkIdentity(ctx context.Context, c Caller, recordID string) error {
	return s.bindIdentity(ctx, c, recordID, false)
}

// ReplaceIdentity applies PUT /api/my-account/identities
// (docs/compatibility.md, "Social identities"): as LinkIdentity, except that
// an identity the caller already has for the target is replaced (linking the
// same identity again changes nothing but its details, and sends no notice).
func (s *Service) ReplaceIdentity(ctx context.Context, c Caller, recordID string) error {
	return s.bindIdentity(ctx, c, recordID, true)
}

// UnlinkIdentity applies DELETE /api/my-account/identities/{target}
// (docs/compatibility.md, "Social identities"): it removes the caller's
// identity for target (404 user.identity_not_exist if there is none), unless
// the caller would be left without any identifier — username, primary email,
// primary phone or another social identity (400
// user.last_sign_in_method_required). The user's email address is then sent
// notify.NoticeIdentityUnlinked.
func (s *Service) UnlinkIdentity(ctx context.Context, c Caller, target string) error {
	if err := s.preludeIdentities(ctx, c, 400); err != nil {
		return err
	}
	var updated *store.User
	err := s.store.InTx(ctx, func(ctx context.Context, tx store.Store) error {
		u, err := lockUser(ctx, tx, c.UserID)
		if err != nil {
			return err
		}
		if err := s.requireConditionalIdentityTx(ctx, tx, c, u); err != nil {
			return err
		}
		if _, ok := u.Identities[target]; !ok {
			return apierror.IdentityNotExist
		}
		delete(u.Identities, target)
		if !hasIdentifier(u) {
			return apierror.LastSignInMethodRequired
		}
		err = tx.RemoveIdentity(ctx, u.ID, target)
		if errors.Is(err, store.ErrNotFound) {
			return apierror.IdentityNotExist.WithCause(err)
		}
		if err != nil {
			return fmt.Errorf("account: removing identity: %w", err)
		}
		if err := s.touch(ctx, tx, u); err != nil {
			return err
		}
		updated = u
		return nil
	})
	if err != nil {
		return err
	}
	s.emitUpdated(ctx, updated)
	s.notices.ToUser(ctx, updated, from(c), notify.NoticeIdentityUnlinked, notify.Notice{At: updated.UpdatedAt, Target: target})
	return nil
}

// bindIdentity is LinkIdentity (replace false) and ReplaceIdentity (replace
// true): Logto's checks in their order, the ones that read the user under the
// lock of its row, so that the check of the target and the write cannot be
// interleaved with another request of the same user. A concurrent link of one
// identity to two users is settled by the store's unique index: the loser
// gets 422 user.identity_already_in_use.
func (s *Service) bindIdentity(ctx context.Context, c Caller, recordID string, replace bool) error {
	if err := s.preludeIdentities(ctx, c, 401); err != nil {
		return err
	}
	var (
		updated *store.User
		target  string
		linked  bool // a new social user under target, not new details of the same one
	)
	err := s.store.InTx(ctx, func(ctx context.Context, tx store.Store) error {
		u, err := lockUser(ctx, tx, c.UserID)
		if err != nil {
			return err
		}
		if err := s.requireConditionalIdentityTx(ctx, tx, c, u); err != nil {
			return err
		}
		r, err := NewIdentifierRecord(ctx, tx, s.now(), c, recordID, store.RecordSocial)
		if err != nil {
			return err
		}
		if r.Social == nil || r.Social.UserInfo == nil || r.Social.UserInfo.ID == "" {
			return apierror.RecordNotFound
		}
		conn, err := SocialConnector(s.connectors, r.Social.ConnectorID)
		if err != nil {
			return err
		}
		info := r.Social.UserInfo
		target = conn.Target()

		other, err := tx.FindUserByIdentity(ctx, target, info.ID)
		switch {
		case err == nil && other.ID != u.ID:
			return apierror.IdentityAlreadyInUse
		case err != nil && !isNotFound(err):
			return fmt.Errorf("account: looking up identity: %w", err)
		}
		prev, has := u.Identities[target]
		if has && !replace {
			return apierror.IdentityAlreadyInUse.WithStatus(400)
		}
		linked = !has || prev.UserID != info.ID

		id, err := identityOf(info)
		if err != nil {
			return err
		}
		if replace {
			_, err = tx.PutIdentity(ctx, u.ID, target, id)
		} else {
			err = tx.AddIdentity(ctx, u.ID, target, id)
		}
		if err := mapIdentityWrite(err); err != nil {
			return err
		}
		if u.Identities == nil {
			u.Identities = map[string]store.Identity{}
		}
		u.Identities[target] = id
		if err := s.touch(ctx, tx, u); err != nil {
			return err
		}
		updated = u
		return nil
	})
	if err != nil {
		return err
	}
	s.emitUpdated(ctx, updated)
	if linked {
		s.notices.ToUser(ctx, updated, from(c), notify.NoticeIdentityLinked, notify.Notice{At: updated.UpdatedAt, Target: target})
	}
	return nil
}

// preludeIdentities runs the checks the identity routes share before they read
// the user, in their order (docs/compatibility.md, "Order of checks"): the
// social field's control, the identities scope (401 for POST and PUT, 400 for
// DELETE), first party.
func (s *Service) preludeIdentities(ctx context.Context, c Caller, scopeStatus int) error {
	ac, err := s.settings.Get(ctx)
	if err != nil {
		return err
	}
	if err := requireEditable(ac.Fields.Social); err != nil {
		return err
	}
	if err := requireScope(c, ScopeIdentities, scopeStatus); err != nil {
		return err
	}
	return s.checkFirstParty(ctx, c)
}

// requireConditionalIdentityTx is requireConditionalIdentity for the user
// read in tx, with the proof read in tx too.
func (s *Service) requireConditionalIdentityTx(ctx context.Context, tx store.Store, c Caller, u *store.User) error {
	if !hasSecurityVerificationMethod(u) {
		return nil
	}
	return RequireIdentity(ctx, tx, s.now(), c)
}

// touch stamps the user's UpdatedAt, as Logto's trigger does for every change
// of a user row, identities included.
func (s *Service) touch(ctx context.Context, tx store.Store, u *store.User) error {
	u.UpdatedAt = s.now()
	return mapUserWrite(tx.UpdateUser(ctx, u))
}

// mapIdentityWrite turns the store's answers to AddIdentity and PutIdentity
// into the API's: another user's identity (a concurrent link the checks could
// not see) is 422, a target the user got concurrently is 400.
func mapIdentityWrite(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrDuplicateIdentity):
		return apierror.IdentityAlreadyInUse.WithCause(err)
	case errors.Is(err, store.ErrConflict):
		return apierror.IdentityAlreadyInUse.WithStatus(400).WithCause(err)
	case errors.Is(err, store.ErrNotFound):
		return apierror.Unauthorized.WithCause(err)
	}
	return fmt.Errorf("account: writing identity: %w", err)
}

// identityOf is the identity Logto stores for a social user: the provider's
// user id, and the whole social user info {id, email?, phone?, name?,
// avatar?, rawData?} as details, in its JSON form.
func identityOf(info *store.SocialUserInfo) (store.Identity, error) {
	data, err := json.Marshal(info)
	if err != nil {
		return store.Identity{}, fmt.Errorf("account: encoding social user info: %w", err)
	}
	var details map[string]any
	if err := json.Unmarshal(data, &details); err != nil {
		return store.Identity{}, fmt.Errorf("account: encoding social user info: %w", err)
	}
	return store.Identity{UserID: info.ID, Details: details}, nil
}

// SocialConnector returns the social connector registered under id, or the
// error Logto answers when it resolves a connector id: 422
// session.invalid_connector_id for an id no connector has (also a connector
// removed since a record named it), 400 connector.unexpected_type for an
// email or SMS connector.
func SocialConnector(set connector.Set, id string) (connector.Social, error) {
	c, err := set.Social(id)
	switch {
	case errors.Is(err, connector.ErrUnknown):
		return nil, apierror.InvalidConnectorID.WithParam("connectorId", id).WithCause(err)
	case errors.Is(err, connector.ErrNotSocial):
		return nil, apierror.ConnectorUnexpectedType.WithCause(err)
	case err != nil:
		return nil, fmt.Errorf("account: resolving connector: %w", err)
	}
	return c, nil
}
