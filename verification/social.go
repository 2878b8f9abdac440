package verification

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/connector"
	"github.com/accountapi/accountapi/store"
)

// SocialRequest is the body of POST /api/verifications/social.
type SocialRequest struct {
	// ConnectorID names the social connector, as registered in
	// Config.Connectors.
	ConnectorID string
	// State is the client's CSRF state, which the provider echoes to the
	// client's callback. Required.
	State string
	// RedirectURI is where the provider sends the user back. Required.
	RedirectURI string
	// Scope, when not "", overrides the connector's configured scope.
	Scope string
}

// SocialAuthorization is what BeginSocial returns: the new record and the
// URI to send the user to.
type SocialAuthorization struct {
	Record           *store.VerificationRecord
	AuthorizationURI string
}

// BeginSocial applies POST /api/verifications/social (docs/compatibility.md,
// "Order of checks" and "Social identities"): it asks the connector for an
// authorization URI and stores, in a new unbound Social record created by the
// caller, the connector's id and the session the connector wants back when the
// callback arrives (state, redirect URI, nonce, PKCE verifier, …). Keeping the
// session in the store lets any replica finish the verification.
//
// Like Logto it has no first-party check: the record proves nothing until
// FinishSocial verifies it, and only its creator may do that.
func (s *Service) BeginSocial(ctx context.Context, c account.Caller, req SocialRequest) (*SocialAuthorization, error) {
	if req.State == "" || req.RedirectURI == "" {
		return nil, apierror.InsufficientInfo
	}
	conn, err := account.SocialConnector(s.connectors, req.ConnectorID)
	if err != nil {
		return nil, err
	}
	r, err := s.newRecord(c, store.RecordSocial)
	if err != nil {
		return nil, err
	}
	uri, session, err := conn.AuthorizationURI(ctx, connector.AuthorizationRequest{
		State: req.State, RedirectURI: req.RedirectURI, Scope: req.Scope, RecordID: r.ID,
	})
	if err != nil {
		return nil, account.ConnectorError(err)
	}
	r.Social = &store.SocialVerification{ConnectorID: req.ConnectorID, Session: maps.Clone(session)}
	err = s.store.CreateVerificationRecord(ctx, r)
	if errors.Is(err, store.ErrNotFound) {
		// The token's user no longer exists.
		return nil, apierror.Unauthorized.WithCause(err)
	}
	if err != nil {
		return nil, fmt.Errorf("verification: storing record: %w", err)
	}
	return &SocialAuthorization{Record: r, AuthorizationURI: uri}, nil
}

// FinishSocial applies POST /api/verifications/social/verify
// (docs/compatibility.md, "Order of checks" and "Social identities"): it gives
// the provider's callback data and the stored session to the record's
// connector and keeps the social user it returns in the record, which then
// proves that identity to POST and PUT /api/my-account/identities. Verifying a
// record again replaces the social user.
//
// Stricter than Logto (docs/compatibility.md, "New-identifier records belong
// to their creator"): only the user who began the verification may finish it;
// for anyone else the record does not exist.
func (s *Service) FinishSocial(ctx context.Context, c account.Caller, recordID string, data map[string]any) (*store.VerificationRecord, error) {
	r, err := s.socialRecord(ctx, c, recordID)
	if err != nil {
		return nil, err
	}
	conn, err := account.SocialConnector(s.connectors, r.Social.ConnectorID)
	if err != nil {
		return nil, err
	}
	info, err := conn.UserInfo(ctx, data, r.Social.Session)
	if err != nil {
		return nil, account.ConnectorError(err)
	}
	if info == nil || info.ID == "" {
		return nil, apierror.ConnectorInvalidResponse
	}
	// Compare-and-set: a concurrent verification of the same record may
	// write first; this one then overwrites it, as a later one would.
	for range 3 {
		r.Social.UserInfo = info
		r.Verified = true
		err = s.store.UpdateVerificationRecord(ctx, r)
		if !errors.Is(err, store.ErrConflict) {
			break
		}
		if r, err = s.socialRecord(ctx, c, recordID); err != nil {
			return nil, err
		}
	}
	if err != nil {
		return nil, fmt.Errorf("verification: storing the social user: %w", err)
	}
	return r, nil
}

// socialRecord loads the caller's unexpired Social record, or answers 400
// verification_record.not_found.
func (s *Service) socialRecord(ctx context.Context, c account.Caller, id string) (*store.VerificationRecord, error) {
	r, err := s.store.GetVerificationRecord(ctx, id, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, apierror.RecordNotFound.WithCause(err)
	}
	if err != nil {
		return nil, fmt.Errorf("verification: loading record: %w", err)
	}
	if r.Type != store.RecordSocial || r.Social == nil || r.CreatedBy != c.UserID {
		return nil, apierror.RecordNotFound
	}
	return r, nil
}
