package accountapi

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/bearer"
	"github.com/accountapi/accountapi/connector"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/mfa"
	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/password"
	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/verification"
)

// Config is everything [New] needs. Store, Authenticator and FirstParty are
// required, and so is EncryptionKeys unless InsecurePlaintextMFASecrets says
// otherwise; every other member may be left zero, which means the default its
// doc names.
type Config struct {
	// Store holds users, identities, MFA factors, verification records,
	// counters and settings: a *sqlite.Store or *postgres.Store (open it and
	// call its Migrate first), or the host's own implementation of
	// store.Store (store/storetest checks one). Required.
	Store store.Store

	// Authenticator turns end users' bearer tokens into principals (user id,
	// scopes, client id): bearer.NewJWKS for the tokens of an OpenID
	// provider, bearer.NewIntrospector for opaque tokens, bearer.NewHS256 for
	// development. Required.
	Authenticator bearer.Authenticator

	// FirstParty decides which applications may change account data: a call
	// whose token names a client id FirstParty calls third-party is refused
	// with 403 auth.third_party_application_forbidden (tokens without a
	// client id always pass). Required, so that trusting every application
	// is a decision: give a predicate over your client ids, or
	// [AllClientsFirstParty].
	FirstParty account.FirstPartyFunc

	// EncryptionKeys seal TOTP secrets and backup codes at rest with
	// AES-256-GCM. Each key is 32 random bytes; the first seals, every key
	// opens, so a key is rotated by putting a new one first and keeping the
	// old ones until every factor was re-sealed. Required unless
	// InsecurePlaintextMFASecrets is set.
	EncryptionKeys [][]byte
	// InsecurePlaintextMFASecrets stores TOTP secrets and backup codes
	// unsealed, readable by anyone who can read the store. It exists for
	// tests and throw-away development databases; it cannot be combined with
	// EncryptionKeys.
	InsecurePlaintextMFASecrets bool

	// AccountCenter is the account-center settings in force while the store
	// holds none: whether the Account API is on and what users may see and
	// change, field by field. Once an administrator stores settings (PATCH
	// /api/account-center) the stored ones apply. nil means
	// [DefaultAccountCenter]: on, every field editable except custom data
	// (off) and self-service deletion (off). &store.AccountCenter{} is
	// Logto's default for a new tenant: the Account API off.
	AccountCenter *store.AccountCenter
	// Policies are the sign-in experience's policies (password, username,
	// email blocklist, MFA factors, lockout, verification codes) in force
	// until an administrator stores replacements with PATCH
	// /api/sign-in-exp. The zero value is Logto's defaults, under which no
	// MFA factor is enabled.
	Policies account.Policies
	// SettingsCacheTTL bounds how long a replica may serve the account-center
	// settings and policies before reading them again: zero means one second
	// (account.DefaultSettingsCacheTTL), a negative value reads them on
	// every request.
	SettingsCacheTTL time.Duration

	// Password configures the hasher: Argon2id parameters for new digests,
	// the bound on concurrent hashes, the largest costs of imported digests.
	// The zero value is ready to use (OWASP's Argon2id parameters).
	Password password.Config
	// Breach, when set, rejects passwords found in breaches (the password
	// policy's pwned rule); nil leaves that rule unenforced, and the policy
	// then reports it off.
	Breach password.BreachChecker

	// Notifier sends verification codes and the security notices of
	// committed changes (see package notify); nil sends nothing, and asking
	// for a code answers 501 connector.not_found.
	Notifier notify.Notifier
	// Notices turns security notices off one by one; the zero value sends
	// them all.
	Notices account.Notices
	// SendLimit caps the codes sent to one recipient; the zero value is 10
	// per 10 minutes.
	SendLimit verification.SendLimit
	// Connectors are the social connectors users may link, by id; nil means
	// none.
	Connectors connector.Set
	// Events receives what happened (User.Data.Updated, User.Deleted,
	// Identifier.Lockout, the security-notice events) after it committed;
	// nil discards them. event.NewWebhook delivers them signed.
	Events event.Sink
	// Revoker is told when a user's sessions should end: after a password
	// change or reset, a suspension, a deletion (see account.SessionRevoker).
	// nil means the host has nothing to revoke.
	Revoker account.SessionRevoker

	// TOTPIssuer names the service in authenticator apps; "" means the host
	// name the API was reached at.
	TOTPIssuer string
	// WebAuthn describes the passkey relying party; the zero value uses the
	// host name and origin of each request.
	WebAuthn mfa.WebAuthnConfig

	// AllowedOrigins are the origins whose pages may call the Account API
	// from a browser (CORS), as scheme://host[:port], or "*" for any origin
	// (Logto's policy). nil allows the API's own origin only.
	AllowedOrigins []string
	// MaxBodyBytes caps request bodies; zero means one MiB.
	MaxBodyBytes int64
	// Messages translates error messages; nil means
	// apierror.DefaultLocalizer() (English, French, German, Brazilian
	// Portuguese, Traditional Chinese).
	Messages *apierror.Localizer

	// Management configures who may call the Management API.
	Management ManagementConfig

	// Logger receives what the library survives (a failed notice, a 5xx and
	// its cause); nil means slog.Default(). No code, password, secret or
	// token is ever logged.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the randomness of ids, codes, secrets and salts; nil means
	// crypto/rand.Reader.
	Rand io.Reader
}

// ManagementConfig says who may call the Management API
// ([API.ManagementHandler]).
type ManagementConfig struct {
	// Authenticator turns administrators' bearer tokens into principals; nil
	// means Config.Authenticator.
	Authenticator bearer.Authenticator
	// Authorize decides whether an authenticated principal may use the
	// Management API; a non-nil error refuses with 403 auth.forbidden. nil
	// requires the scope "all", as Logto's Management API does.
	Authorize func(ctx context.Context, p bearer.Principal) error
}

// AllClientsFirstParty is the [Config.FirstParty] of a host that trusts every
// application its tokens name: every client may change account data.
func AllClientsFirstParty(context.Context, string) (bool, error) { return true, nil }

// DefaultAccountCenter is the account center of a new store when
// [Config.AccountCenter] is nil: the Account API on, every field editable
// except custom data, which hosts often use for their own data (off), and
// self-service deletion (off).
func DefaultAccountCenter() store.AccountCenter {
	e := store.ControlEdit
	return store.AccountCenter{
		Enabled: true,
		Fields: store.AccountCenterFields{
			Name: e, Avatar: e, Profile: e, Email: e, Phone: e, Password: e, Username: e, Social: e, MFA: e,
			CustomData: store.ControlOff, DeleteAccount: store.ControlOff,
		},
		WebAuthnRelatedOrigins: []string{},
	}
}
