package mfa

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/nyaruka/phonenumbers"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/verification"
)

// This file holds the WebAuthn registration ceremony (WebAuthn Level 3 §7.1,
// "Registering a New Credential") and the binding of its credential as a
// factor, plus what the authentication ceremony shares with it: the relying
// party of a request, the expected origins, and the mapping between
// go-webauthn's SessionData and the verification record that keeps it.

// unnamedUser is the user.name and user.displayName Logto gives a user with no
// identifier (docs/compatibility.md, "WebAuthn").
const unnamedUser = "Unnamed User"

// challengeBytes is the length of the challenges the library makes: 32
// random bytes, twice WebAuthn Level 3 §13.4.3's minimum of 16.
const challengeBytes = 32

// credentialParameters are the algorithms registration offers, in Logto's
// order: ES256 (-7) and RS256 (-257).
var credentialParameters = []protocol.CredentialParameter{
	{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.AlgES256},
	{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.AlgRS256},
}

// registrationExtensions are the extension inputs of every registration:
// credProps, which SimpleWebAuthn (Logto's library) always requests, so that
// Logto's registrationOptions.extensions is {"credProps": true}.
func registrationExtensions() protocol.AuthenticationExtensions {
	return protocol.AuthenticationExtensions{CredProps: true}
}

// authenticationExtensions are the extension inputs of every authentication:
// none.
func authenticationExtensions() protocol.AuthenticationExtensions {
	return protocol.AuthenticationExtensions{}
}

// validate checks the relying-party settings once, in New.
func (c WebAuthnConfig) validate() error {
	if c.RPID != "" {
		if err := protocol.ValidateRPID(c.RPID); err != nil {
			return fmt.Errorf("mfa: Config.WebAuthn.RPID %q: %w", c.RPID, err)
		}
		if c.RPID != strings.ToLower(c.RPID) {
			return fmt.Errorf("mfa: Config.WebAuthn.RPID %q: must be lower case", c.RPID)
		}
	}
	for _, o := range c.Origins {
		if !isWebOrigin(o) {
			return fmt.Errorf("mfa: Config.WebAuthn.Origins: %q is not an origin (scheme://host[:port])", o)
		}
	}
	if c.Timeout < 0 {
		return errors.New("mfa: Config.WebAuthn.Timeout is negative")
	}
	return nil
}

// isWebOrigin reports whether s is an http or https origin: a scheme, a host
// and maybe a port, nothing else.
func isWebOrigin(s string) bool {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return false
	}
	return u.User == nil && u.Path == "" && u.RawQuery == "" && u.Fragment == "" && !u.ForceQuery
}

// --- The JSON forms the browser takes ---------------------------------------
//
// The options below are WebAuthn's own JSON forms, which a front end passes
// to PublicKeyCredential.parseCreationOptionsFromJSON and
// parseRequestOptionsFromJSON (WebAuthn Level 3 §5.1.8, §5.1.9) unchanged,
// so they carry their JSON names here rather than in the HTTP adapter.
// Binary values are unpadded base64url.

// CreationOptions is PublicKeyCredentialCreationOptionsJSON (WebAuthn Level 3
// §5.4), limited to the members Logto sends (docs/compatibility.md,
// "WebAuthn").
type CreationOptions struct {
	RP                     RPEntity               `json:"rp"`
	User                   UserEntity             `json:"user"`
	Challenge              string                 `json:"challenge"`
	PubKeyCredParams       []CredentialParameter  `json:"pubKeyCredParams"`
	Timeout                int64                  `json:"timeout"`
	ExcludeCredentials     []CredentialDescriptor `json:"excludeCredentials"`
	AuthenticatorSelection AuthenticatorSelection `json:"authenticatorSelection"`
	Attestation            string                 `json:"attestation"`
	Extensions             CreationExtensions     `json:"extensions"`
}

// RPEntity is PublicKeyCredentialRpEntity (WebAuthn Level 3 §5.4.2).
type RPEntity struct {
	Name string `json:"name"`
	ID   string `json:"id"`
}

// UserEntity is PublicKeyCredentialUserEntityJSON (WebAuthn Level 3 §5.4.3).
type UserEntity struct {
	// ID is the user handle: base64url of the user id's UTF-8 bytes.
	ID          string `json:"id"`
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
}

// CredentialParameter is PublicKeyCredentialParameters (WebAuthn Level 3
// §5.3): a COSE algorithm the relying party accepts.
type CredentialParameter struct {
	Type string `json:"type"`
	Alg  int64  `json:"alg"`
}

// CredentialDescriptor is PublicKeyCredentialDescriptorJSON (WebAuthn Level 3
// §5.8.3): a credential to exclude or allow.
type CredentialDescriptor struct {
	ID         string   `json:"id"`
	Type       string   `json:"type"`
	Transports []string `json:"transports"`
}

// AuthenticatorSelection is AuthenticatorSelectionCriteria (WebAuthn Level 3
// §5.4.4).
type AuthenticatorSelection struct {
	ResidentKey        string `json:"residentKey"`
	RequireResidentKey bool   `json:"requireResidentKey"`
	UserVerification   string `json:"userVerification"`
}

// CreationExtensions are the extension inputs of registration.
type CreationExtensions struct {
	// CredProps asks the client whether the credential is discoverable
	// (WebAuthn Level 3 §10.1.3).
	CredProps bool `json:"credProps,omitempty"`
}

// RegistrationResponse is the browser's answer to
// navigator.credentials.create(), in the RegistrationResponseJSON form of
// PublicKeyCredential.toJSON() (WebAuthn Level 3 §5.1), without its type
// member. Binary values are base64url; their decoding is part of the
// verification, so a malformed value fails it.
type RegistrationResponse struct {
	ID                      string              `json:"id"`
	RawID                   string              `json:"rawId"`
	Response                AttestationResponse `json:"response"`
	AuthenticatorAttachment string              `json:"authenticatorAttachment,omitempty"`
	// ClientExtensionResults is the client's extension outputs, a JSON
	// object; go-webauthn reads the ones the ceremony requested.
	ClientExtensionResults json.RawMessage `json:"clientExtensionResults,omitempty"`
}

// AttestationResponse is AuthenticatorAttestationResponseJSON (WebAuthn
// Level 3 §5.2.1).
type AttestationResponse struct {
	ClientDataJSON     string   `json:"clientDataJSON"`
	AttestationObject  string   `json:"attestationObject"`
	AuthenticatorData  string   `json:"authenticatorData,omitempty"`
	Transports         []string `json:"transports,omitempty"`
	PublicKeyAlgorithm *int64   `json:"publicKeyAlgorithm,omitempty"`
	PublicKey          string   `json:"publicKey,omitempty"`
}

// protocolJSON is r as go-webauthn parses it: the standard form, whose type
// is "public-key".
func (r RegistrationResponse) protocolJSON() ([]byte, error) {
	return json.Marshal(struct {
		Type string `json:"type"`
		RegistrationResponse
	}{string(protocol.PublicKeyCredentialType), r})
}

// WebAuthnRegistration is a registration ceremony that
// [Service.BeginWebAuthnRegistration] began.
type WebAuthnRegistration struct {
	// Record is the WebAuthn verification record that keeps the ceremony's
	// session; its ID is what the browser's response is sent back with.
	Record *store.VerificationRecord
	// Options are for navigator.credentials.create().
	Options CreationOptions
}

// BeginWebAuthnRegistration applies POST
// /api/verifications/web-authn/registration (docs/compatibility.md, "Order of
// checks" and "WebAuthn"): the first half of WebAuthn Level 3 §7.1. It refuses
// a third-party client (403), makes registration options for a discoverable
// credential with user verification required and no attestation, excluding the
// caller's credentials, and stores go-webauthn's session in a WebAuthn record
// bound to the caller, which expires after [verification.RecordTTL].
//
// The relying-party id is [WebAuthnConfig.RPID], else the host name of the
// request (cl.Host), which must then be a domain name (400 guard.invalid_input
// for an IP address or no host).
func (s *Service) BeginWebAuthnRegistration(ctx context.Context, c account.Caller, cl Client) (*WebAuthnRegistration, error) {
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
	creds, err := s.webauthnCredentials(ctx, u.ID, "")
	if err != nil {
		return nil, err
	}
	exclude := make([]protocol.CredentialDescriptor, 0, len(creds))
	for _, f := range creds {
		exclude = append(exclude, descriptor(f.WebAuthn))
	}
	challenge, err := s.challenge()
	if err != nil {
		return nil, err
	}
	creation, session, err := s.beginRegistration(rp, s.ownOrigins(cl), newWebAuthnUser(u, nil), exclude, challenge)
	if err != nil {
		return nil, err
	}
	rec, err := s.newRecord(c, store.RecordWebAuthn)
	if err != nil {
		return nil, err
	}
	rec.WebAuthn = sessionRecord(session)
	if err := s.store.CreateVerificationRecord(ctx, rec); err != nil {
		return nil, fmt.Errorf("mfa: storing WebAuthn record: %w", err)
	}
	return &WebAuthnRegistration{Record: rec, Options: creationOptions(&creation.Response)}, nil
}

// beginRegistration runs go-webauthn's BeginRegistration with what every
// registration asks for (docs/compatibility.md, "WebAuthn"): ES256 and RS256,
// a discoverable credential, user verification, no attestation, credProps, and
// the given exclusions and challenge.
func (s *Service) beginRegistration(rp relyingParty, origins []string, user *webauthnUser, exclude []protocol.CredentialDescriptor, challenge []byte) (*protocol.CredentialCreation, *webauthn.SessionData, error) {
	wa, err := s.newWebAuthn(rp, origins)
	if err != nil {
		return nil, nil, err
	}
	yes := true
	creation, session, err := wa.BeginRegistration(user,
		webauthn.WithCredentialParameters(credentialParameters),
		webauthn.WithExclusions(exclude),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementRequired, RequireResidentKey: &yes,
			UserVerification: protocol.VerificationRequired,
		}),
		webauthn.WithConveyancePreference(protocol.PreferNoAttestation),
		webauthn.WithExtensions(webauthn.WithExtensionInputs(registrationExtensions())),
		func(o *protocol.PublicKeyCredentialCreationOptions) error {
			o.Challenge = challenge
			return nil
		},
	)
	if err != nil {
		return nil, nil, fmt.Errorf("mfa: beginning WebAuthn registration: %w", err)
	}
	return creation, session, nil
}

// FinishWebAuthnRegistration applies POST
// /api/verifications/web-authn/registration/verify (docs/compatibility.md,
// "Order of checks"): the second half of WebAuthn Level 3 §7.1. In order: 403
// for a third-party client; 400 verification_record.not_found unless recordID
// names an unexpired WebAuthn record bound to the caller (stricter than Logto:
// docs/compatibility.md, "New-identifier records belong to their creator");
// 400 session.mfa.pending_info_not_found once its challenge is used; 400
// session.mfa.webauthn_verification_failed for any response go-webauthn does
// not verify against the stored session, the expected origins
// ([Service.expectedOrigins]) and required user verification.
//
// On success the record holds the credential (with cl.UserAgent as its agent)
// and is verified, and its challenge is gone: both are written in one
// compare-and-set on the record's version, so of two responses to one
// challenge at most one succeeds (docs/compatibility.md, "WebAuthn challenges
// are single-use").
func (s *Service) FinishWebAuthnRegistration(ctx context.Context, c account.Caller, cl Client, recordID string, resp RegistrationResponse) (*store.VerificationRecord, error) {
	if err := account.CheckFirstParty(ctx, s.isFirstParty, c); err != nil {
		return nil, err
	}
	rec, err := s.ceremonyRecord(ctx, c, recordID, store.RecordWebAuthn)
	if err != nil {
		return nil, err
	}
	body, err := resp.protocolJSON()
	if err != nil {
		return nil, apierror.WebAuthnVerificationFailed.WithCause(err)
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(body)
	if err != nil {
		return nil, verificationFailed(err)
	}
	origins, err := s.expectedOrigins(ctx, cl)
	if err != nil {
		return nil, err
	}
	wa, err := s.newWebAuthn(s.storedRelyingParty(rec.WebAuthn.RPID), origins)
	if err != nil {
		return nil, err
	}
	user := &webauthnUser{handle: rec.WebAuthn.UserHandle}
	cred, err := wa.CreateCredential(user, registrationSession(rec.WebAuthn), parsed)
	if err != nil {
		return nil, verificationFailed(err)
	}
	transports := slices.Clone(resp.Response.Transports)
	if transports == nil {
		transports = []string{}
	}
	rec.WebAuthn.Challenge = ""
	rec.WebAuthn.Credential = &store.WebAuthnCredential{
		RPID:         rec.WebAuthn.RPID,
		CredentialID: cred.ID,
		PublicKey:    cred.PublicKey,
		SignCount:    cred.Authenticator.SignCount,
		Transports:   transports,
		AAGUID:       cred.Authenticator.AAGUID,
		// The store documents AttestationType as the attestation format.
		AttestationType: cred.AttestationFormat,
		Agent:           cl.UserAgent,
		BackupEligible:  cred.Flags.BackupEligible,
		BackupState:     cred.Flags.BackupState,
	}
	rec.Verified = true
	if err := s.store.UpdateVerificationRecord(ctx, rec); err != nil {
		return nil, consumeError(err)
	}
	return rec, nil
}

// BindWebAuthn applies POST /api/my-account/mfa-verifications with type
// WebAuthn (docs/compatibility.md, "Order of checks" and "WebAuthn"): it adds
// the credential of the verified WebAuthn record recordID to the caller's
// factors, named name when name is not nil. In order: 401
// verification_record.permission_denied without identity proof; 400
// account_center.field_not_editable unless the passkey field (or, while it is
// unset, mfa) is Edit; 401 auth.unauthorized without the identities scope; 403
// for a third-party client; 400 session.mfa.mfa_factor_not_enabled unless
// WebAuthn is among the enabled factors or passkey sign-in is on
// ([account.Policies]); 400 verification_record.not_found unless the record is
// an unexpired, verified WebAuthn record the caller created (stricter than
// Logto: docs/compatibility.md, "New-identifier records belong to their
// creator").
//
// The user's MFA is marked enabled only when WebAuthn is among the factors,
// as Logto does. A record stays usable until it expires, but its credential
// can be bound once: the store's unique credential id refuses a second
// factor, answered with 400 verification_record.not_found — the record no
// longer proves a credential the user could add, and the remedy a Logto
// client already applies to that code, a new registration ceremony, is the
// right one. User.Data.Updated follows, and notify.NoticeMfaFactorAdded to
// the user's email address.
func (s *Service) BindWebAuthn(ctx context.Context, c account.Caller, recordID string, name *string) error {
	if err := account.RequireIdentity(ctx, s.store, s.now(), c); err != nil {
		return err
	}
	ac, err := s.settings.Get(ctx)
	if err != nil {
		return err
	}
	if err := requireEditable(passkeyControl(ac.Fields)); err != nil {
		return err
	}
	if err := requireIdentitiesScope(c); err != nil {
		return err
	}
	if err := account.CheckFirstParty(ctx, s.isFirstParty, c); err != nil {
		return err
	}
	pol, err := s.settings.Policies(ctx)
	if err != nil {
		return err
	}
	if !pol.FactorEnabled(store.FactorWebAuthn) {
		return apierror.MFAFactorNotEnabled
	}
	rec, err := account.NewIdentifierRecord(ctx, s.store, s.now(), c, recordID, store.RecordWebAuthn)
	if err != nil {
		return err
	}
	if rec.WebAuthn == nil || rec.WebAuthn.Credential == nil {
		return apierror.RecordNotFound
	}
	id, err := store.NewID(s.rand)
	if err != nil {
		return err
	}
	cred := *rec.WebAuthn.Credential
	if name != nil {
		n := *name
		cred.Name = &n
	}
	now := s.now()
	f := &store.MFAFactor{ID: id, UserID: c.UserID, Type: store.FactorWebAuthn, CreatedAt: now, WebAuthn: &cred}
	err = s.store.InTx(ctx, func(ctx context.Context, tx store.Store) error {
		// Lock the user before inserting, as the other binds do, so that
		// concurrent binds for one user queue instead of deadlocking on
		// PostgreSQL (insert, then lock, in two transactions at once).
		if _, err := tx.LockUser(ctx, c.UserID); err != nil {
			return err
		}
		if err := tx.CreateMFAFactor(ctx, f); err != nil {
			return err
		}
		if slices.Contains(pol.MFA.Factors, store.FactorWebAuthn) {
			return setMFAEnabled(ctx, tx, c.UserID, now)
		}
		return nil
	})
	switch {
	case errors.Is(err, store.ErrDuplicateCredential):
		return apierror.RecordNotFound.WithCause(err)
	case errors.Is(err, store.ErrNotFound):
		return apierror.Unauthorized.WithCause(err)
	case err != nil:
		return fmt.Errorf("mfa: binding WebAuthn credential: %w", err)
	}
	s.factorChanged(ctx, c, notify.NoticeMfaFactorAdded, store.FactorWebAuthn)
	return nil
}

// --- Shared by both ceremonies ----------------------------------------------

// relyingParty is the WebAuthn relying party of one ceremony.
type relyingParty struct {
	id, name string
}

// relyingParty returns the relying party of a request: the configured id, or
// the request's host name in lower case, which must be a domain name.
func (s *Service) relyingParty(cl Client) (relyingParty, error) {
	id := s.webauthn.RPID
	if id == "" {
		id = strings.ToLower(cl.Host)
		if err := protocol.ValidateRPID(id); err != nil {
			return relyingParty{}, apierror.InvalidInput.WithParam("type", "header").
				WithDetails("Host: a WebAuthn relying-party id must be a domain name").WithCause(err)
		}
	}
	return s.storedRelyingParty(id), nil
}

// storedRelyingParty is the relying party with the id a ceremony began with.
func (s *Service) storedRelyingParty(id string) relyingParty {
	name := s.webauthn.RPDisplayName
	if name == "" {
		name = id
	}
	return relyingParty{id: id, name: name}
}

// ownOrigins are the origins of the API itself: [WebAuthnConfig.Origins], else
// the request's origin.
func (s *Service) ownOrigins(cl Client) []string {
	if len(s.webauthn.Origins) > 0 {
		return slices.Clone(s.webauthn.Origins)
	}
	return []string{cl.Origin}
}

// expectedOrigins are the origins a ceremony's client data may name
// (WebAuthn Level 3 §7.1 and §7.2, the origin steps): the API's own and the
// account center's webauthnRelatedOrigins, which the browser accepts for the
// relying-party id when GET /.well-known/webauthn lists them (WebAuthn
// Level 3 §5.11, Related Origin Requests).
func (s *Service) expectedOrigins(ctx context.Context, cl Client) ([]string, error) {
	ac, err := s.settings.Get(ctx)
	if err != nil {
		return nil, err
	}
	origins := s.ownOrigins(cl)
	for _, o := range ac.WebAuthnRelatedOrigins {
		if !slices.Contains(origins, o) {
			origins = append(origins, o)
		}
	}
	return origins, nil
}

// newWebAuthn returns go-webauthn's relying party for one ceremony. Client
// extension outputs nobody asked for are ignored rather than refused: the
// library acts on none of them, and Logto accepts them too (its guard strips
// unknown members and SimpleWebAuthn never looks).
func (s *Service) newWebAuthn(rp relyingParty, origins []string) (*webauthn.WebAuthn, error) {
	timeout := webauthn.TimeoutConfig{Timeout: s.webauthn.Timeout, TimeoutUVD: s.webauthn.Timeout}
	wa, err := webauthn.New(&webauthn.Config{
		RPID:                              rp.id,
		RPDisplayName:                     rp.name,
		RPOrigins:                         origins,
		AttestationPreference:             protocol.PreferNoAttestation,
		Timeouts:                          webauthn.TimeoutsConfig{Login: timeout, Registration: timeout},
		ExtensionsUnsolicitedOutputPolicy: protocol.UnsolicitedOutputPolicyIgnore,
	})
	if err != nil {
		return nil, fmt.Errorf("mfa: WebAuthn relying party: %w", err)
	}
	return wa, nil
}

// challenge returns a fresh challenge from the service's randomness.
func (s *Service) challenge() ([]byte, error) {
	b := make([]byte, challengeBytes)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return nil, fmt.Errorf("mfa: making a challenge: %w", err)
	}
	return b, nil
}

// newRecord returns a record of typ bound to and created by the caller, which
// expires after verification.RecordTTL.
func (s *Service) newRecord(c account.Caller, typ store.RecordType) (*store.VerificationRecord, error) {
	id, err := store.NewID(s.rand)
	if err != nil {
		return nil, err
	}
	now := s.now()
	return &store.VerificationRecord{
		ID: id, Type: typ, UserID: c.UserID, CreatedBy: c.UserID, CreatedAt: now,
		ExpiresAt: now.Add(verification.RecordTTL),
	}, nil
}

// ceremonyRecord returns the record of typ a ceremony's response answers: 400
// verification_record.not_found unless it is unexpired and the caller's; 400
// session.mfa.pending_info_not_found unless it still holds a challenge.
func (s *Service) ceremonyRecord(ctx context.Context, c account.Caller, id string, typ store.RecordType) (*store.VerificationRecord, error) {
	rec, err := s.store.GetVerificationRecord(ctx, id, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, apierror.RecordNotFound.WithCause(err)
	}
	if err != nil {
		return nil, fmt.Errorf("mfa: reading WebAuthn record: %w", err)
	}
	if rec.Type != typ || rec.UserID != c.UserID || rec.CreatedBy != c.UserID {
		return nil, apierror.RecordNotFound
	}
	if rec.WebAuthn == nil || rec.WebAuthn.Challenge == "" || rec.WebAuthn.RPID == "" {
		return nil, apierror.PendingInfoNotFound
	}
	return rec, nil
}

// consumeError maps the failure of the compare-and-set that consumes a
// challenge: a version that moved on means another response to the same
// challenge got there first.
func consumeError(err error) error {
	switch {
	case errors.Is(err, store.ErrConflict):
		return apierror.WebAuthnVerificationFailed.WithCause(err)
	case errors.Is(err, store.ErrNotFound):
		return apierror.RecordNotFound.WithCause(err)
	}
	return fmt.Errorf("mfa: updating WebAuthn record: %w", err)
}

// verificationFailed is 400 session.mfa.webauthn_verification_failed with
// go-webauthn's explanation as the (unserialised) cause.
func verificationFailed(err error) error {
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.DevInfo != "" {
		err = fmt.Errorf("%w: %s", err, pe.DevInfo)
	}
	return apierror.WebAuthnVerificationFailed.WithCause(err)
}

// caller loads the caller's user; a token for a user who no longer exists is
// an unauthorized token.
func (s *Service) caller(ctx context.Context, c account.Caller) (*store.User, error) {
	u, err := s.store.GetUser(ctx, c.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, apierror.Unauthorized.WithCause(err)
	}
	if err != nil {
		return nil, fmt.Errorf("mfa: loading user: %w", err)
	}
	return u, nil
}

// webauthnCredentials returns the user's WebAuthn factors, only those scoped
// to rpID unless rpID is "".
func (s *Service) webauthnCredentials(ctx context.Context, userID, rpID string) ([]store.MFAFactor, error) {
	all, err := s.store.ListMFAFactors(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("mfa: listing factors: %w", err)
	}
	var out []store.MFAFactor
	for _, f := range all {
		if f.Type != store.FactorWebAuthn || f.WebAuthn == nil {
			continue
		}
		if rpID != "" && f.WebAuthn.RPID != "" && f.WebAuthn.RPID != rpID {
			continue
		}
		out = append(out, f)
	}
	return out, nil
}

// --- go-webauthn's view of users, credentials and sessions ------------------

// webauthnUser is a user as go-webauthn sees it.
type webauthnUser struct {
	handle            []byte
	name, displayName string
	credentials       []webauthn.Credential
}

func (u *webauthnUser) WebAuthnID() []byte                         { return u.handle }
func (u *webauthnUser) WebAuthnName() string                       { return u.name }
func (u *webauthnUser) WebAuthnDisplayName() string                { return u.displayName }
func (u *webauthnUser) WebAuthnCredentials() []webauthn.Credential { return u.credentials }

// newWebAuthnUser describes u as Logto does (docs/compatibility.md,
// "WebAuthn"): the user handle is the UTF-8 bytes of its id; its name is the
// primary email, else the phone in international format, else the username,
// else "Unnamed User"; its display name is its name (even ""), else the same
// chain.
func newWebAuthnUser(u *store.User, creds []webauthn.Credential) *webauthnUser {
	phone := ""
	if u.PrimaryPhone != "" {
		phone = internationalPhone(u.PrimaryPhone)
	}
	name := cmpOr(u.PrimaryEmail, phone, u.Username, unnamedUser)
	display := name
	if u.Name != nil {
		display = *u.Name
	}
	return &webauthnUser{handle: []byte(u.ID), name: name, displayName: display, credentials: creds}
}

// cmpOr returns the first of vs that is not "".
func cmpOr(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// internationalPhone formats stored phone digits as libphonenumber's
// international format ("+61 412 345 678"), or returns them as they are when
// they do not parse.
func internationalPhone(digits string) string {
	n, err := phonenumbers.Parse("+"+digits, "")
	if err != nil {
		return digits
	}
	return phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
}

// descriptor is the credential as an allow or exclude list names it.
func descriptor(c *store.WebAuthnCredential) protocol.CredentialDescriptor {
	d := protocol.CredentialDescriptor{Type: protocol.PublicKeyCredentialType, CredentialID: c.CredentialID}
	for _, t := range c.Transports {
		d.Transport = append(d.Transport, protocol.AuthenticatorTransport(t))
	}
	return d
}

// credential is a stored credential as go-webauthn verifies assertions
// against it.
func credential(c *store.WebAuthnCredential) webauthn.Credential {
	d := descriptor(c)
	return webauthn.Credential{
		ID:        c.CredentialID,
		PublicKey: c.PublicKey,
		// The store's AttestationType holds the attestation statement
		// format ("none", "packed", …), which is go-webauthn's
		// AttestationFormat.
		AttestationFormat: c.AttestationType,
		Transport:         d.Transport,
		Flags:             webauthn.CredentialFlags{UserPresent: true, UserVerified: true, BackupEligible: c.BackupEligible, BackupState: c.BackupState},
		Authenticator:     webauthn.Authenticator{AAGUID: c.AAGUID, SignCount: c.SignCount},
	}
}

// sessionRecord keeps go-webauthn's session in a verification record. The
// extensions and algorithms are left out because every ceremony of a kind
// asks for the same ones; registrationSession and authenticationSession put
// them back.
func sessionRecord(s *webauthn.SessionData) *store.WebAuthnVerification {
	return &store.WebAuthnVerification{
		Challenge:            s.Challenge,
		RPID:                 s.RelyingPartyID,
		UserHandle:           s.UserID,
		AllowedCredentialIDs: s.AllowedCredentialIDs,
		UserVerification:     string(s.UserVerification),
	}
}

// registrationSession is the SessionData that BeginRegistration returned for
// the record's ceremony.
func registrationSession(v *store.WebAuthnVerification) webauthn.SessionData {
	return webauthn.SessionData{
		Challenge:        v.Challenge,
		RelyingPartyID:   v.RPID,
		UserID:           v.UserHandle,
		UserVerification: protocol.UserVerificationRequirement(v.UserVerification),
		Extensions:       registrationExtensions().Session(),
		CredParams:       credentialParameters,
	}
}

// authenticationSession is the SessionData that BeginLogin returned for the
// record's ceremony.
func authenticationSession(v *store.WebAuthnVerification) webauthn.SessionData {
	return webauthn.SessionData{
		Challenge:            v.Challenge,
		RelyingPartyID:       v.RPID,
		UserID:               v.UserHandle,
		AllowedCredentialIDs: v.AllowedCredentialIDs,
		UserVerification:     protocol.UserVerificationRequirement(v.UserVerification),
		Extensions:           authenticationExtensions().Session(),
	}
}

// creationOptions keeps the members of go-webauthn's options that Logto
// sends.
func creationOptions(o *protocol.PublicKeyCredentialCreationOptions) CreationOptions {
	out := CreationOptions{
		RP:   RPEntity{Name: o.RelyingParty.Name, ID: o.RelyingParty.ID},
		User: UserEntity{Name: o.User.Name, DisplayName: o.User.DisplayName},
		// go-webauthn encodes user.id as base64url bytes (EncodeUserIDAsString
		// is off), which is what parseCreationOptionsFromJSON expects.
		Challenge:          b64(o.Challenge),
		Timeout:            int64(o.Timeout),
		ExcludeCredentials: descriptors(o.CredentialExcludeList),
		AuthenticatorSelection: AuthenticatorSelection{
			ResidentKey:        string(o.AuthenticatorSelection.ResidentKey),
			RequireResidentKey: o.AuthenticatorSelection.RequireResidentKey != nil && *o.AuthenticatorSelection.RequireResidentKey,
			UserVerification:   string(o.AuthenticatorSelection.UserVerification),
		},
		Attestation: string(o.Attestation),
		Extensions:  CreationExtensions{CredProps: o.Extensions.CredProps},
	}
	if id, ok := o.User.ID.(protocol.URLEncodedBase64); ok {
		out.User.ID = b64(id)
	}
	for _, p := range o.Parameters {
		out.PubKeyCredParams = append(out.PubKeyCredParams, CredentialParameter{Type: string(p.Type), Alg: int64(p.Algorithm)})
	}
	return out
}

// descriptors converts go-webauthn's descriptors; never nil, so that the JSON
// has [] rather than null.
func descriptors(ds []protocol.CredentialDescriptor) []CredentialDescriptor {
	out := make([]CredentialDescriptor, 0, len(ds))
	for _, d := range ds {
		transports := make([]string, 0, len(d.Transport))
		for _, t := range d.Transport {
			transports = append(transports, string(t))
		}
		out = append(out, CredentialDescriptor{ID: b64(d.CredentialID), Type: string(d.Type), Transports: transports})
	}
	return out
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
