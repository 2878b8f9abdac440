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

// AdminStore is what the Management API's user use cases need of the store:
// the accounts, and the users' personal access tokens.
type AdminStore interface {
	Store
	store.AccessTokens
}

// AdminConfig configures an Admin. Zero members take the defaults their docs
// name.
type AdminConfig struct {
	// Store holds the accounts. Required.
	Store AdminStore
	// Hasher hashes and checks passwords. Required.
	Hasher *password.Hasher
	// Connectors are the social connectors POST /api/users/{userId}/identities
	// and POST /api/connectors/{connectorId}/authorization-uri may name;
	// usually the verification Service's. New copies the set; nil means
	// none, so every connector id is unknown (404 entity.not_found).
	Connectors connector.Set
	// Revoker ends a user's sessions and tokens at the host when the user is
	// suspended ([RevokeSuspended]), deleted ([RevokeDeleted]) or has their
	// password reset ([RevokePasswordReset]); nil means the host has nothing
	// to revoke. The Account API refuses a suspended user's tokens either
	// way (401 user.suspended), so the revoker is for what the library does
	// not serve: the host's OpenID provider, its refresh tokens and cookies.
	Revoker SessionRevoker
	// Events receives User.Data.Updated and User.Deleted; nil discards them.
	Events event.Sink
	// Notifier sends the security notices of the changes an administrator
	// makes, as [Config.Notifier] does for the user's own: primary email and
	// phone changed or removed by PATCH /api/users/{userId} (to the old
	// address), password set (PATCH …/password), social identity linked or
	// unlinked (to the user's email address). They are in the default
	// language: the request is the administrator's, not the user's. nil
	// sends none; a notifier's failure is logged, and the change stands.
	Notifier notify.Notifier
	// Notices turns notices off one by one, as [Config.Notices].
	Notices Notices
	// Logger receives the failures the use cases survive (a revocation
	// after a deletion, which is best effort, or a notice); nil means
	// slog.Default().
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the randomness for ids and token values; nil means
	// crypto/rand.Reader.
	Rand io.Reader
}

// Admin is the Management API's user use cases: what an administrator (a
// token with the management scope) may do to any user. Unlike Service it
// applies no account-center control, username policy or password policy, as
// Logto's Management API does not.
//
// Every method that addresses a user by id answers 404 entity.not_found when
// there is no such user.
type Admin struct {
	store      AdminStore
	hasher     *password.Hasher
	connectors connector.Set
	revoker    SessionRevoker
	events     event.Sink
	notices    *notice.Sender
	log        *slog.Logger
	now        func() time.Time
	rand       io.Reader
}

// NewAdmin returns an Admin.
func NewAdmin(cfg AdminConfig) (*Admin, error) {
	if cfg.Store == nil {
		return nil, errors.New("account: AdminConfig.Store is nil")
	}
	if cfg.Hasher == nil {
		return nil, errors.New("account: AdminConfig.Hasher is nil")
	}
	if err := cfg.Notices.Validate(); err != nil {
		return nil, fmt.Errorf("account: AdminConfig.%w", err)
	}
	a := &Admin{
		store: cfg.Store, hasher: cfg.Hasher, connectors: maps.Clone(cfg.Connectors), revoker: cfg.Revoker,
		events: cfg.Events, log: cfg.Logger, now: cfg.Now, rand: cfg.Rand,
	}
	if a.events == nil {
		a.events = event.Discard{}
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	a.notices = notice.New(cfg.Notifier, cfg.Notices.On, a.log)
	if a.now == nil {
		a.now = time.Now
	}
	if a.rand == nil {
		a.rand = rand.Reader
	}
	return a, nil
}

// NewUser is the body of POST /api/users. Every member is optional. A user
// may be created with a plain Password (hashed with argon2id) or with a
// PasswordDigest and its PasswordAlgorithm imported from Logto or elsewhere,
// not both; an imported digest is re-hashed to argon2id the first time the
// user's password is checked successfully.
type NewUser struct {
	Username          *string
	PrimaryEmail      *string
	PrimaryPhone      *string
	Password          *string
	PasswordDigest    *string
	PasswordAlgorithm *store.PasswordAlgorithm
	Name              *string
	Avatar            *string
	CustomData        map[string]any
	Profile           *store.Profile
}

// The password algorithms a digest may be imported with.
var importableAlgorithms = map[store.PasswordAlgorithm]bool{
	store.Argon2i: true, store.Argon2id: true, store.Argon2d: true, store.Bcrypt: true,
	store.SHA1: true, store.SHA256: true, store.MD5: true, store.Legacy: true,
}

func (in NewUser) validate() error {
	switch {
	case in.Username != nil && !usernameFormat.MatchString(*in.Username):
		return invalidBody("username: expected a letter or underscore followed by letters, digits and underscores")
	case in.PrimaryEmail != nil && !EmailFormat.MatchString(*in.PrimaryEmail):
		return invalidBody("primaryEmail: expected an email address")
	case in.PrimaryPhone != nil && !PhoneFormat.MatchString(*in.PrimaryPhone):
		return invalidBody("primaryPhone: expected digits")
	case in.Avatar != nil && *in.Avatar != "" && !isURL(*in.Avatar):
		// Logto's guard: a URL or "" (null is absent).
		return invalidBody("avatar: expected a URL or \"\"")
	case in.Password != nil && *in.Password == "":
		return invalidBody("password: expected a non-empty string")
	case in.PasswordDigest != nil && len(*in.PasswordDigest) > 256:
		return invalidBody("passwordDigest: expected at most 256 characters")
	case in.PasswordAlgorithm != nil && !importableAlgorithms[*in.PasswordAlgorithm]:
		return invalidBody("passwordAlgorithm: expected one of Argon2i, Argon2id, Argon2d, Bcrypt, SHA1, SHA256, MD5, Legacy")
	}
	return nil
}

// CreateUser applies POST /api/users and returns the new user.
func (a *Admin) CreateUser(ctx context.Context, in NewUser) (*store.User, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	if in.Password != nil && in.PasswordDigest != nil {
		return nil, apierror.PasswordAndDigest
	}
	if in.PasswordDigest != nil && in.PasswordAlgorithm == nil {
		return nil, apierror.PasswordAlgorithmRequired
	}
	if err := a.checkCollisions(ctx, in); err != nil {
		return nil, err
	}
	id, err := store.NewID(a.rand)
	if err != nil {
		return nil, err
	}
	now := a.now()
	u := &store.User{
		ID: id, Name: in.Name, Avatar: in.Avatar, CustomData: maps.Clone(in.CustomData),
		CreatedAt: now, UpdatedAt: now,
	}
	if u.CustomData == nil {
		u.CustomData = map[string]any{}
	}
	if in.Profile != nil {
		u.Profile = *in.Profile
	}
	if in.Username != nil {
		u.Username = *in.Username
	}
	if in.PrimaryEmail != nil {
		u.PrimaryEmail = *in.PrimaryEmail
	}
	if in.PrimaryPhone != nil {
		normalized, ok := store.ParsePhone(*in.PrimaryPhone)
		if !ok {
			return nil, apierror.InvalidPhone
		}
		u.PrimaryPhone = normalized
	}
	if err := checkUserLengths(u); err != nil {
		return nil, err
	}
	switch {
	case in.Password != nil:
		u.PasswordDigest, u.PasswordAlgorithm, err = a.hasher.Hash(ctx, *in.Password)
		if err != nil {
			return nil, fmt.Errorf("account: hashing the password: %w", err)
		}
		u.PasswordUpdatedAt = now
	case in.PasswordDigest != nil:
		u.PasswordDigest, u.PasswordAlgorithm = *in.PasswordDigest, *in.PasswordAlgorithm
		u.PasswordUpdatedAt = now
	}
	if err := mapUserWrite(a.store.CreateUser(ctx, u)); err != nil {
		return nil, err
	}
	a.events.Emit(ctx, event.Event{Name: event.UserDataUpdated, At: now, UserID: u.ID, Data: Snapshot(u)})
	return u, nil
}

// checkCollisions refuses identifiers another user has, in Logto's order
// (username, email, phone) and before the phone must parse. It only decides
// which error a request with several taken identifiers gets: the unique
// indexes still decide a race (mapUserWrite).
func (a *Admin) checkCollisions(ctx context.Context, in NewUser) error {
	checks := []struct {
		value *string
		find  func(context.Context, string) (*store.User, error)
		taken *apierror.Error
	}{
		{in.Username, a.store.FindUserByUsername, apierror.UsernameAlreadyInUse},
		{in.PrimaryEmail, a.store.FindUserByEmail, apierror.EmailAlreadyInUse},
		{in.PrimaryPhone, a.store.FindUserByPhone, apierror.PhoneAlreadyInUse},
	}
	for _, c := range checks {
		if c.value == nil {
			continue
		}
		_, err := c.find(ctx, *c.value)
		switch {
		case err == nil:
			return c.taken
		case !isNotFound(err):
			return fmt.Errorf("account: looking up an identifier: %w", err)
		}
	}
	return nil
}

// GetUser applies GET /api/users/{userId}: the user, or 404 entity.not_found.
func (a *Admin) GetUser(ctx context.Context, id string) (*store.User, error) {
	u, err := a.store.GetUser(ctx, id)
	if isNotFound(err) {
		return nil, apierror.EntityNotFound.WithCause(err)
	}
	if err != nil {
		return nil, fmt.Errorf("account: loading user: %w", err)
	}
	return u, nil
}
