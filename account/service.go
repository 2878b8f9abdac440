package account

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"time"

	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/connector"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/internal/notice"
	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/password"
	"github.com/accountapi/accountapi/store"
)

// Store is what the account use cases need of the store. The MFA factors
// and personal access tokens are read only by [Service.Export].
type Store interface {
	store.Users
	store.Identities
	store.MFAFactors
	store.AccessTokens
	store.VerificationRecords
	store.Transactor
}

// FirstPartyFunc reports whether the application with the client id is a
// first-party application of the host, allowed to change account data
// (docs/compatibility.md, "First-party and third-party applications"). An
// error counts as "no" (fail closed).
type FirstPartyFunc func(ctx context.Context, clientID string) (bool, error)

// Config configures a Service. Zero members take the defaults their docs name.
type Config struct {
	// Store holds the accounts. Required.
	Store Store
	// Settings serves the account-center settings and the sign-in
	// experience's policies. Required; share it with the other services.
	Settings *Settings
	// Hasher hashes and checks passwords. Required.
	Hasher *password.Hasher
	// Breach, when set, rejects passwords found in breaches (the password
	// policy's pwned rule). Off by default because it needs the network.
	// The password, username and email policies themselves are the
	// Settings' (Settings.Policies), read on every request.
	Breach password.BreachChecker
	// IsFirstParty tells first-party applications from third-party ones. A
	// call whose token names a client the function calls third-party is
	// refused with auth.third_party_application_forbidden. nil treats every
	// application as first-party. Tokens without a client id always pass.
	IsFirstParty FirstPartyFunc
	// Connectors are the connectors social verification records may name;
	// the identity routes resolve a record's connector to its identity
	// target here. It should be the verification Service's. New copies the
	// set; nil means none: every social record then names an unknown
	// connector.
	Connectors connector.Set
	// Events receives User.Data.Updated and User.Deleted; nil discards them.
	Events event.Sink
	// Notifier sends the security notices of the changes a user makes:
	// primary email and phone changed or removed (to the old address),
	// password changed, social identity linked or unlinked (to the user's
	// email address), in the request's locale; see package notify,
	// "Security notices". Give it the verification Service's notifier. nil
	// sends no notices. A notice goes after the change committed, and a
	// notifier's failure is logged, never answered: the change stands.
	Notifier notify.Notifier
	// Notices turns notices off one by one; the zero value sends them all.
	// New refuses a switch that is neither NoticeOn nor NoticeOff.
	Notices Notices
	// Revoker is told after the user changes their password
	// ([RevokePasswordChanged]) and after the user deletes their account
	// ([RevokeDeleted]), so that the host can end the user's other sessions
	// and tokens (see the package doc, "Revoking sessions"). nil means the
	// host has nothing to revoke. A failure is logged: the change stands.
	Revoker SessionRevoker
	// Logger receives the failures the use cases survive (a notice or a
	// revocation after a committed change); nil means slog.Default(). No
	// code, password or address is logged.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the randomness for ids; nil means crypto/rand.Reader.
	Rand io.Reader
}

// Service is the Account API's use cases for the signed-in user: profile,
// username, password, primary email and phone. Each method checks what its
// route checks, in Logto's order (docs/compatibility.md, "Order of checks"),
// and returns *apierror.Error for every refusal.
type Service struct {
	store        Store
	settings     *Settings
	hasher       *password.Hasher
	breach       password.BreachChecker
	isFirstParty FirstPartyFunc
	connectors   connector.Set
	events       event.Sink
	notices      *notice.Sender
	revoker      SessionRevoker
	log          *slog.Logger
	now          func() time.Time
	rand         io.Reader
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("account: Config.Store is nil")
	case cfg.Settings == nil:
		return nil, errors.New("account: Config.Settings is nil")
	case cfg.Hasher == nil:
		return nil, errors.New("account: Config.Hasher is nil")
	}
	if err := cfg.Notices.Validate(); err != nil {
		return nil, fmt.Errorf("account: Config.%w", err)
	}
	s := &Service{
		store: cfg.Store, settings: cfg.Settings, hasher: cfg.Hasher, breach: cfg.Breach,
		isFirstParty: cfg.IsFirstParty, connectors: maps.Clone(cfg.Connectors), events: cfg.Events,
		revoker: cfg.Revoker, log: cfg.Logger, now: cfg.Now, rand: cfg.Rand,
	}
	if s.events == nil {
		s.events = event.Discard{}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.notices = notice.New(cfg.Notifier, cfg.Notices.On, s.log)
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	return s, nil
}

// Settings returns the account-center settings the service enforces.
func (s *Service) Settings() *Settings { return s.settings }

// CheckFirstParty refuses a caller whose token was issued to a third-party
// application (403 auth.third_party_application_forbidden).
func CheckFirstParty(ctx context.Context, isFirstParty FirstPartyFunc, c Caller) error {
	if c.ClientID == "" || isFirstParty == nil {
		return nil
	}
	ok, err := isFirstParty(ctx, c.ClientID)
	if err != nil || !ok {
		return apierror.ThirdPartyApplicationForbidden.WithCause(err)
	}
	return nil
}

func (s *Service) checkFirstParty(ctx context.Context, c Caller) error {
	return CheckFirstParty(ctx, s.isFirstParty, c)
}

// requireScope refuses a caller without scope with auth.unauthorized at the
// route's status (400 or 401; docs/compatibility.md, "Scopes and field
// controls").
func requireScope(c Caller, scope string, status int) error {
	if c.HasScope(scope) {
		return nil
	}
	return apierror.Unauthorized.WithStatus(status)
}

// requireEditable refuses a field whose control is not Edit.
func requireEditable(c store.Control) error {
	if c.Editable() {
		return nil
	}
	return apierror.FieldNotEditable
}

// getUser loads the caller's user. A token for a user who no longer exists
// is an unauthorized token.
func getUser(ctx context.Context, users store.Users, id string) (*store.User, error) {
	u, err := users.GetUser(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, apierror.Unauthorized.WithCause(err)
	}
	if err != nil {
		return nil, fmt.Errorf("account: loading user: %w", err)
	}
	return u, nil
}

// lockUser is getUser inside a transaction.
func lockUser(ctx context.Context, tx store.Users, id string) (*store.User, error) {
	u, err := tx.LockUser(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, apierror.Unauthorized.WithCause(err)
	}
	if err != nil {
		return nil, fmt.Errorf("account: locking user: %w", err)
	}
	return u, nil
}

// mapUserWrite turns the store's uniqueness errors into the API's.
func mapUserWrite(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrDuplicateUsername):
		return apierror.UsernameAlreadyInUse.WithCause(err)
	case errors.Is(err, store.ErrDuplicateEmail):
		return apierror.EmailAlreadyInUse.WithCause(err)
	case errors.Is(err, store.ErrDuplicatePhone):
		return apierror.PhoneAlreadyInUse.WithCause(err)
	case errors.Is(err, store.ErrDuplicateIdentity):
		return apierror.IdentityAlreadyInUse.WithCause(err)
	case errors.Is(err, store.ErrNotFound):
		return apierror.EntityNotFound.WithCause(err)
	}
	return fmt.Errorf("account: writing user: %w", err)
}

// emitUpdated sends User.Data.Updated for u.
func (s *Service) emitUpdated(ctx context.Context, u *store.User) {
	s.events.Emit(ctx, event.Event{Name: event.UserDataUpdated, At: s.now(), UserID: u.ID, Data: Snapshot(u)})
}

// from is who a notice says made a change: the caller, in their locale.
func from(c Caller) notice.From { return notice.From{Locale: c.Locale, ClientID: c.ClientID} }

// revoke tells the host's revoker to end u's sessions for reason, after a
// change that committed: a failure is logged, and the change stands. The
// context keeps the request's values (a host can find its own session in
// them) but not its cancellation.
func revoke(ctx context.Context, r SessionRevoker, log *slog.Logger, userID string, reason RevokeReason) {
	if r == nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	if err := r.RevokeSessions(ctx, userID, reason); err != nil {
		log.LogAttrs(ctx, slog.LevelError, "accountapi: revoking the user's sessions failed",
			slog.String("userId", userID), slog.String("reason", string(reason)), slog.String("error", err.Error()))
	}
}
