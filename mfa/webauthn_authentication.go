package mfa

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/store"
)

// This file holds the WebAuthn authentication ceremony (WebAuthn Level 3 §7.2,
// "Verifying an Authentication Assertion") used for step-up: a user proves
// their identity with a passkey they bound, and the verified record counts as
// identity proof in logto-verification-id like a password record. Logto has no
// such routes; they are ours (docs/compatibility.md, "Step-up verification
// with an MFA factor").

// RequestOptions is PublicKeyCredentialRequestOptionsJSON (WebAuthn Level 3
// §5.5), for navigator.credentials.get().
type RequestOptions struct {
	Challenge        string                 `json:"challenge"`
	Timeout          int64                  `json:"timeout"`
	RPID             string                 `json:"rpId"`
	AllowCredentials []CredentialDescriptor `json:"allowCredentials"`
	UserVerification string                 `json:"userVerification"`
}

// AuthenticationResponse is the browser's answer to
// navigator.credentials.get(), in the AuthenticationResponseJSON form of
// PublicKeyCredential.toJSON() (WebAuthn Level 3 §5.1), without its type
// member. Binary values are base64url; their decoding is part of the
// verification, so a malformed value fails it.
type AuthenticationResponse struct {
	ID                      string            `json:"id"`
	RawID                   string            `json:"rawId"`
	Response                AssertionResponse `json:"response"`
	AuthenticatorAttachment string            `json:"authenticatorAttachment,omitempty"`
	// ClientExtensionResults is the client's extension outputs, a JSON
	// object.
	ClientExtensionResults json.RawMessage `json:"clientExtensionResults,omitempty"`
}

// AssertionResponse is AuthenticatorAssertionResponseJSON (WebAuthn Level 3
// §5.2.2).
type AssertionResponse struct {
	ClientDataJSON    string `json:"clientDataJSON"`
	AuthenticatorData string `json:"authenticatorData"`
	Signature         string `json:"signature"`
	UserHandle        string `json:"userHandle,omitempty"`
}

// protocolJSON is r as go-webauthn parses it: the standard form, whose type
// is "public-key".
func (r AuthenticationResponse) protocolJSON() ([]byte, error) {
	return json.Marshal(struct {
		Type string `json:"type"`
		AuthenticationResponse
	}{string(protocol.PublicKeyCredentialType), r})
}

// WebAuthnAuthentication is an authentication ceremony that
// [Service.BeginWebAuthnAuthentication] began.
type WebAuthnAuthentication struct {
	// Record is the WebAuthnAuthentication verification record that keeps the
	// ceremony's session.
	Record *store.VerificationRecord
	// Options are for navigator.credentials.get().
	Options RequestOptions
}

// BeginWebAuthnAuthentication applies POST
// /api/verifications/web-authn/authentication (ours): the first half of
// WebAuthn Level 3 §7.2. It refuses a third-party client (403), answers 400
// session.mfa.mfa_factor_not_enabled when the caller has no passkey for the
// relying party, and otherwise makes options that allow exactly the caller's
// passkeys and require user verification, keeping go-webauthn's session in a
// WebAuthnAuthentication record bound to the caller.
//
// It works with any passkey the user bound, whatever the enabled factors
// ([account.Policies]) say now: the policy decides what users may bind, not
// whether a bound factor proves who they are.
func (s *Service) BeginWebAuthnAuthentication(ctx context.Context, c account.Caller, cl Client) (*WebAuthnAuthentication, error) {
	if err := account.CheckFirstParty(ctx, s.isFirstParty, c); err != nil {
		return nil, err
	}
	u, err := s.caller(ctx, c)
	if err != nil {
		return nil, err
	}
	rp, err := s.relyingParty(cl)
	if err != nil {
		return nil, err
	}
	factors, err := s.webauthnCredentials(ctx, u.ID, rp.id)
	if err != nil {
		return nil, err
	}
	if len(factors) == 0 {
		return nil, apierror.MFAFactorNotEnabled
	}
	creds := make([]webauthn.Credential, 0, len(factors))
	for _, f := range factors {
		creds = append(creds, credential(f.WebAuthn))
	}
	challenge, err := s.challenge()
	if err != nil {
		return nil, err
	}
	assertion, session, err := s.beginAuthentication(rp, s.ownOrigins(cl), newWebAuthnUser(u, creds), challenge)
	if err != nil {
		return nil, err
	}
	rec, err := s.newRecord(c, store.RecordWebAuthnAuthentication)
	if err != nil {
		return nil, err
	}
	rec.WebAuthn = sessionRecord(session)
	if err := s.store.CreateVerificationRecord(ctx, rec); err != nil {
		return nil, fmt.Errorf("mfa: storing WebAuthn record: %w", err)
	}
	o := &assertion.Response
	return &WebAuthnAuthentication{Record: rec, Options: RequestOptions{
		Challenge:        b64(o.Challenge),
		Timeout:          int64(o.Timeout),
		RPID:             o.RelyingPartyID,
		AllowCredentials: descriptors(o.AllowedCredentials),
		UserVerification: string(o.UserVerification),
	}}, nil
}

// beginAuthentication runs go-webauthn's BeginLogin with what every
// authentication asks for: the user's credentials allowed, user
// verification, no extensions, and the given challenge.
func (s *Service) beginAuthentication(rp relyingParty, origins []string, user *webauthnUser, challenge []byte) (*protocol.CredentialAssertion, *webauthn.SessionData, error) {
	wa, err := s.newWebAuthn(rp, origins)
	if err != nil {
		return nil, nil, err
	}
	assertion, session, err := wa.BeginLogin(user,
		webauthn.WithChallenge(challenge),
		webauthn.WithUserVerification(protocol.VerificationRequired),
		webauthn.WithAssertionExtensions(webauthn.WithExtensionInputs(authenticationExtensions())),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("mfa: beginning WebAuthn authentication: %w", err)
	}
	return assertion, session, nil
}

// errSignCountMoved: the stored signature counter changed between reading it
// and writing the new one.
var errSignCountMoved = errors.New("mfa: the sign count moved during the assertion")

// FinishWebAuthnAuthentication applies POST
// /api/verifications/web-authn/authentication/verify (ours): the second half
// of WebAuthn Level 3 §7.2. In order: 403 for a third-party client; 400
// verification_record.not_found unless recordID names an unexpired
// WebAuthnAuthentication record bound to the caller; 400
// session.mfa.pending_info_not_found once its challenge is used; 400
// session.mfa.webauthn_verification_failed unless the response names a
// credential the ceremony allowed and the caller owns, and go-webauthn
// verifies it against that credential's public key, the stored session, the
// expected origins and required user verification.
//
// The signature counter must increase (WebAuthn Level 3 §7.2, the
// signature-counter step; 0 → 0 is an authenticator without a counter). One
// that does not is a signal that the credential was cloned: the assertion is
// refused (400 session.mfa.webauthn_verification_failed), the challenge is
// spent, and [event.WebAuthnSignCountRegressed] reports the factor. Refusing
// costs a user with a faulty authenticator this step-up (their other proofs
// remain), while accepting would let a cloned key change the account's
// password or email; the record is identity proof, so it refuses.
//
// On success, in one transaction: the record is verified with the factor's id
// and loses its challenge (a compare-and-set on its version, so of N
// concurrent submissions of one assertion exactly one succeeds), and the new
// counter and the time of use are stored with a compare-and-set on the old
// counter. If the counter moved in between (another assertion of the same
// credential), nothing is written and the answer is
// webauthn_verification_failed; the challenge stays usable, so the same
// response may be sent again and is then checked against the new counter.
func (s *Service) FinishWebAuthnAuthentication(ctx context.Context, c account.Caller, cl Client, recordID string, resp AuthenticationResponse) (*store.VerificationRecord, error) {
	if err := account.CheckFirstParty(ctx, s.isFirstParty, c); err != nil {
		return nil, err
	}
	rec, err := s.ceremonyRecord(ctx, c, recordID, store.RecordWebAuthnAuthentication)
	if err != nil {
		return nil, err
	}
	body, err := resp.protocolJSON()
	if err != nil {
		return nil, apierror.WebAuthnVerificationFailed.WithCause(err)
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(body)
	if err != nil {
		return nil, verificationFailed(err)
	}
	if !slices.ContainsFunc(rec.WebAuthn.AllowedCredentialIDs, func(id []byte) bool { return string(id) == string(parsed.RawID) }) {
		return nil, apierror.WebAuthnVerificationFailed.WithCause(errors.New("mfa: the credential is not in the ceremony's allow list"))
	}
	f, err := s.store.FindWebAuthnCredential(ctx, parsed.RawID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, apierror.WebAuthnVerificationFailed.WithCause(err)
	case err != nil:
		return nil, fmt.Errorf("mfa: finding WebAuthn credential: %w", err)
	case f.UserID != c.UserID || f.WebAuthn == nil:
		return nil, apierror.WebAuthnVerificationFailed.WithCause(errors.New("mfa: the credential is another user's"))
	}
	origins, err := s.expectedOrigins(ctx, cl)
	if err != nil {
		return nil, err
	}
	wa, err := s.newWebAuthn(s.storedRelyingParty(rec.WebAuthn.RPID), origins)
	if err != nil {
		return nil, err
	}
	// go-webauthn checks that the user owns every allowed credential; the
	// allow list was checked above against the stored one, and the user here
	// is given just the credential that signed, so that a passkey deleted
	// since the ceremony began does not fail the others.
	session := authenticationSession(rec.WebAuthn)
	session.AllowedCredentialIDs = [][]byte{f.WebAuthn.CredentialID}
	user := &webauthnUser{handle: rec.WebAuthn.UserHandle, credentials: []webauthn.Credential{credential(f.WebAuthn)}}
	cred, err := wa.ValidateLogin(user, session, parsed)
	if err != nil {
		return nil, verificationFailed(err)
	}
	stored, received := f.WebAuthn.SignCount, parsed.Response.AuthenticatorData.Counter
	if cred.Authenticator.CloneWarning {
		return nil, s.signCountRegressed(ctx, rec, f, received)
	}

	rec.WebAuthn.Challenge = ""
	rec.Verified = true
	rec.FactorID = f.ID
	now := s.now()
	err = s.store.InTx(ctx, func(ctx context.Context, tx store.Store) error {
		if err := tx.UpdateVerificationRecord(ctx, rec); err != nil {
			return err
		}
		if err := tx.UpdateSignCount(ctx, f.ID, stored, received, now); err != nil {
			if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("%w: %w", errSignCountMoved, err)
			}
			return err
		}
		return nil
	})
	switch {
	case errors.Is(err, errSignCountMoved):
		return nil, apierror.WebAuthnVerificationFailed.WithCause(err)
	case err != nil:
		return nil, consumeError(err)
	}
	return rec, nil
}

// signCountRegressed spends the record's challenge and, if this request is
// the one that spent it, reports the regression: a replay of the same
// response, which also fails the counter check, is not reported again.
func (s *Service) signCountRegressed(ctx context.Context, rec *store.VerificationRecord, f *store.MFAFactor, received uint32) error {
	rec.WebAuthn.Challenge = ""
	if err := s.store.UpdateVerificationRecord(ctx, rec); err != nil {
		return consumeError(err)
	}
	s.events.Emit(ctx, event.Event{
		Name: event.WebAuthnSignCountRegressed, At: s.now(), UserID: f.UserID,
		Data: event.WebAuthnSignCount{FactorID: f.ID, Stored: f.WebAuthn.SignCount, Received: received},
	})
	return apierror.WebAuthnVerificationFailed.WithCause(fmt.Errorf("mfa: sign count %d is not above the stored %d", received, f.WebAuthn.SignCount))
}

// RelatedOrigins returns what GET /.well-known/webauthn lists: the account
// center's webauthnRelatedOrigins, the origins besides the API's own that
// may use its relying-party id (WebAuthn Level 3 §5.11, Related Origin
// Requests). Never nil.
func (s *Service) RelatedOrigins(ctx context.Context) ([]string, error) {
	ac, err := s.settings.Get(ctx)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(ac.WebAuthnRelatedOrigins)
	if out == nil {
		out = []string{}
	}
	return out, nil
}
