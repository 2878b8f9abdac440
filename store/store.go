package store

import (
	"context"
	"time"
)

// Store is everything the library keeps. Backends (store/sqlite,
// store/postgres) implement it; use cases hold only the small interfaces they
// use. Every method is safe for concurrent use.
//
// Methods take the current time as an argument where time decides an outcome,
// so that use cases with an injected clock see consistent results.
type Store interface {
	Users
	Identities
	MFAFactors
	VerificationRecords
	VerificationCodes
	RateLimits
	Lockouts
	Settings
	AccessTokens
	Transactor
}

// Transactor runs functions in a transaction.
type Transactor interface {
	// InTx runs fn in a transaction and commits it if fn returns nil. If fn
	// returns an error or panics, the transaction is rolled back and InTx
	// returns the error (or re-panics with the same value). fn receives the
	// store bound to the transaction: use tx, not the outer store, inside fn;
	// a write through the outer store during fn fails at once with an
	// internal error (on SQLite it could otherwise only wait for this very
	// transaction). Calling tx.InTx runs the inner function in the same
	// transaction, without a savepoint: if the outer function swallows an
	// inner error and commits, the inner writes stay.
	//
	// Transactions are at least read-committed; [Users.LockUser] serialises
	// read-check-write sequences on one user.
	InTx(ctx context.Context, fn func(ctx context.Context, tx Store) error) error
}

// Users stores user rows.
//
// Uniqueness is enforced by unique indexes, not only by checks before a write:
// of N concurrent writes giving one email to N users exactly one succeeds.
type Users interface {
	// CreateUser inserts u and its Identities. The store takes every member as
	// given (the caller sets ID and timestamps).
	// It returns ErrDuplicateUsername, ErrDuplicateEmail or ErrDuplicatePhone
	// when another user has one of u's identifiers, ErrDuplicateIdentity when
	// another user has one of u's identities, and ErrConflict when a user with
	// u.ID exists.
	CreateUser(ctx context.Context, u *User) error

	// GetUser returns the user with the id, with its identities.
	// It returns ErrNotFound if there is none.
	GetUser(ctx context.Context, id string) (*User, error)

	// LockUser is GetUser that, inside InTx, also locks the user's row until
	// the transaction ends, so that a read-check-write on one user is not
	// interleaved with another (SELECT … FOR UPDATE on PostgreSQL; SQLite
	// transactions are already serialised). Outside a transaction it is GetUser.
	// It returns ErrNotFound if there is none.
	LockUser(ctx context.Context, id string) (*User, error)

	// FindUserByUsername returns the user with the username, compared exactly,
	// or case-insensitively when the backend was opened with case-insensitive
	// usernames. It returns ErrNotFound if there is none.
	FindUserByUsername(ctx context.Context, username string) (*User, error)

	// FindUserByUsernameFold returns a user whose username equals username
	// ignoring case, whatever the backend's username option: lower() of both
	// sides, where every backend agrees on ASCII, which is all a username's
	// format allows. Several users may match while usernames are unique in
	// their exact case only; it then returns the one whose username equals
	// username exactly if there is one, else the one created first (then the
	// smallest id). It returns ErrNotFound if there is none, and for "".
	FindUserByUsernameFold(ctx context.Context, username string) (*User, error)

	// FindUserByEmail returns the user whose primary email has the same
	// EmailKey as email. It returns ErrNotFound if there is none.
	FindUserByEmail(ctx context.Context, email string) (*User, error)

	// FindUserByPhone returns the user whose primary phone has the same
	// PhoneKey as phone. It returns ErrNotFound if there is none.
	FindUserByPhone(ctx context.Context, phone string) (*User, error)

	// UpdateUser writes every member of u except ID, CreatedAt and Identities
	// to the stored user with u.ID.
	// It returns ErrNotFound if there is no such user, and ErrDuplicateUsername,
	// ErrDuplicateEmail or ErrDuplicatePhone when another user has one of u's
	// identifiers; the stored user is then unchanged.
	UpdateUser(ctx context.Context, u *User) error

	// DeleteUser deletes the user and everything that belongs to it: its
	// identities, MFA factors, personal access tokens, the verification
	// records bound to it or created by it, and those records' codes.
	// It returns ErrNotFound if there is no such user.
	DeleteUser(ctx context.Context, id string) error
}

// Identities stores users' social identities. A social identity (target and
// social user id) belongs to at most one user, by a unique index.
type Identities interface {
	// AddIdentity links id to the user under target.
	// It returns ErrNotFound if there is no such user, ErrConflict if the user
	// already has an identity for target, and ErrDuplicateIdentity if another
	// user has an identity with the same target and id.UserID.
	AddIdentity(ctx context.Context, userID, target string, id Identity) error

	// PutIdentity links id to the user under target, replacing the user's
	// identity for target if it has one, and reports whether it did.
	// It returns ErrNotFound if there is no such user and ErrDuplicateIdentity
	// if another user has an identity with the same target and id.UserID.
	PutIdentity(ctx context.Context, userID, target string, id Identity) (replaced bool, err error)

	// RemoveIdentity unlinks the user's identity for target.
	// It returns ErrNotFound if the user has none (or there is no such user).
	RemoveIdentity(ctx context.Context, userID, target string) error

	// FindUserByIdentity returns the user with the identity of target and
	// social user id. It returns ErrNotFound if there is none.
	FindUserByIdentity(ctx context.Context, target, socialUserID string) (*User, error)
}

// MFAFactors stores users' MFA factors.
type MFAFactors interface {
	// CreateMFAFactor inserts f.
	// It returns ErrNotFound if there is no user f.UserID, ErrDuplicateTOTP if
	// f is a TOTP factor and the user already has one (of N concurrent binds
	// exactly one succeeds), ErrDuplicateCredential if f is a WebAuthn factor
	// whose credential id is already registered, and ErrConflict if a factor
	// with f.ID exists.
	CreateMFAFactor(ctx context.Context, f *MFAFactor) error

	// ListMFAFactors returns the user's factors, oldest first (by CreatedAt,
	// then ID). It returns an empty slice, not an error, for a user with no
	// factors or no such user.
	ListMFAFactors(ctx context.Context, userID string) ([]MFAFactor, error)

	// GetMFAFactor returns the user's factor with the id.
	// It returns ErrNotFound if the user has no such factor.
	GetMFAFactor(ctx context.Context, userID, id string) (*MFAFactor, error)

	// FindWebAuthnCredential returns the WebAuthn factor whose credential id is
	// credentialID. It returns ErrNotFound if there is none.
	FindWebAuthnCredential(ctx context.Context, credentialID []byte) (*MFAFactor, error)

	// DeleteMFAFactor deletes the user's factor with the id.
	// It returns ErrNotFound if the user has no such factor.
	DeleteMFAFactor(ctx context.Context, userID, id string) error

	// RenameWebAuthnCredential sets the name of the user's WebAuthn factor.
	// It returns ErrNotFound if the user has no WebAuthn factor with the id.
	RenameWebAuthnCredential(ctx context.Context, userID, id string, name *string) error

	// UseTOTPStep records that a code of the TOTP time step was accepted: it
	// sets LastUsedStep to step and LastUsedAt to at, in one statement, only if
	// step is greater than LastUsedStep. It returns ErrConflict if it is not (a
	// replayed code: of N concurrent calls with one step exactly one succeeds)
	// and ErrNotFound if there is no TOTP factor with the id.
	UseTOTPStep(ctx context.Context, id string, step int64, at time.Time) error

	// UpdateSignCount sets the SignCount of the WebAuthn factor to next and its
	// LastUsedAt to at, only if SignCount is still prev (compare-and-set).
	// It returns ErrConflict if SignCount is not prev and ErrNotFound if there
	// is no WebAuthn factor with the id.
	UpdateSignCount(ctx context.Context, id string, prev, next uint32, at time.Time) error

	// UseBackupCode marks the backup code at index (in BackupCodes order) of
	// the factor used at at, and sets the factor's LastUsedAt, only if the code
	// is unused. It returns ErrNotFound if there is no such factor or index or
	// the code is already used: of N concurrent calls exactly one succeeds.
	UseBackupCode(ctx context.Context, id string, index int, at time.Time) error
}

// VerificationRecords stores verification records.
type VerificationRecords interface {
	// CreateVerificationRecord inserts r and sets r.Version to 1.
	// It returns ErrConflict if a record with r.ID exists and ErrNotFound if
	// r.UserID or r.CreatedBy names no user.
	CreateVerificationRecord(ctx context.Context, r *VerificationRecord) error

	// GetVerificationRecord returns the record with the id if its ExpiresAt is
	// after now. It returns ErrNotFound if there is none or it has expired.
	GetVerificationRecord(ctx context.Context, id string, now time.Time) (*VerificationRecord, error)

	// UpdateVerificationRecord writes r's Verified, Identifier, TemplateType,
	// Social, WebAuthn and FactorID (never its ID, Type, UserID, CreatedBy,
	// CreatedAt or ExpiresAt) if the stored record's version is r.Version, and
	// increments r.Version; it does not look at expiry. It returns ErrNotFound
	// if there is no such record and ErrConflict if its version moved on: of N
	// concurrent updates from one version exactly one succeeds, which makes
	// single-use challenges single-use.
	UpdateVerificationRecord(ctx context.Context, r *VerificationRecord) error

	// DeleteExpiredVerificationRecords deletes the records whose ExpiresAt is
	// at or before before, with their codes, and returns how many it deleted.
	DeleteExpiredVerificationRecords(ctx context.Context, before time.Time) (int, error)
}

// VerificationCodes stores the one-time codes sent for verification records.
type VerificationCodes interface {
	// CreateVerificationCode deletes the unconsumed codes of c.RecordID with
	// c.TemplateType and inserts c, atomically: after N concurrent creates for
	// one record and template, exactly one unconsumed code remains.
	// It returns ErrNotFound if there is no record c.RecordID and ErrConflict
	// if a code with c.ID exists.
	CreateVerificationCode(ctx context.Context, c *VerificationCode) error

	// FindVerificationCode returns the unconsumed code of the record with the
	// template type. It returns ErrNotFound if there is none.
	FindVerificationCode(ctx context.Context, recordID string, templateType TemplateType) (*VerificationCode, error)

	// IncrementCodeTries adds one to the TryCount of the unconsumed code and
	// returns the new count, in one statement: N concurrent calls return N
	// distinct counts. It returns ErrNotFound if there is no such code or it
	// is consumed.
	IncrementCodeTries(ctx context.Context, id string) (int, error)

	// ConsumeVerificationCode marks the unconsumed code consumed.
	// It returns ErrNotFound if there is no such code or it is already
	// consumed: of N concurrent calls exactly one succeeds.
	ConsumeVerificationCode(ctx context.Context, id string) error
}

// RateLimits stores fixed-window event counters, e.g. codes sent to one
// recipient.
type RateLimits interface {
	// HitRateLimit counts one event for key at at and returns the count of the
	// key's current window including it, in one statement: N concurrent hits
	// return N distinct counts. A window starts with the first event after the
	// previous window ended and lasts window; an event at or after its end
	// starts a new window with count 1.
	HitRateLimit(ctx context.Context, key string, window time.Duration, at time.Time) (int, error)

	// UndoRateLimitHit takes one event back from the key's current window
	// (never below zero), for an event that was counted and then failed. A key
	// without a window is not an error.
	UndoRateLimitHit(ctx context.Context, key string) error

	// DeleteExpiredRateLimits deletes the counters whose window ended at or
	// before before (a hit after that starts a new window anyway) and returns
	// how many it deleted.
	DeleteExpiredRateLimits(ctx context.Context, before time.Time) (int, error)
}

// Lockouts stores the identifier lockout sentinel's failures and blocks.
// Targets are opaque strings (the library uses hashes of identifiers).
type Lockouts interface {
	// RecordFailure records a failed attempt against target at at, forgets the
	// target's failures at or before at-window, and returns how many failures
	// remain including this one. Concurrent calls for one target return
	// distinct counts, so a burst of guesses cannot slip under the lockout.
	RecordFailure(ctx context.Context, target string, at time.Time, window time.Duration) (int, error)

	// ForgetFailure forgets one failure RecordFailure recorded against
	// target at at, if one is left: the sentinel reserves each attempt as a
	// failure before judging it, and forgets the reservation of an attempt
	// that was not a wrong guess. Concurrent calls for one target take turns
	// with RecordFailure, so every call forgets a distinct failure.
	ForgetFailure(ctx context.Context, target string, at time.Time) error

	// Block blocks target until until (an existing later block is kept) and
	// forgets the target's failures, which the block now stands for: once it
	// ends, the target's failures are counted afresh.
	Block(ctx context.Context, target string, until time.Time) error

	// BlockedUntil returns the end of the target's block, or the zero time if
	// the target is not blocked at now.
	BlockedUntil(ctx context.Context, target string, now time.Time) (time.Time, error)

	// DeleteExpiredLockouts deletes the failures at or before failedBefore
	// (the caller passes now minus the window: RecordFailure would forget
	// them) and the targets that are not blocked after blockedBefore and have
	// no failure left, and returns how many rows it deleted. A block that
	// lasts beyond blockedBefore is kept, even when a RecordFailure or Block
	// for its target runs at the same time.
	DeleteExpiredLockouts(ctx context.Context, failedBefore, blockedBefore time.Time) (int, error)
}

// Settings stores the account-center settings and the sign-in experience's
// policies.
type Settings interface {
	// GetAccountCenter returns the account-center settings.
	// It returns ErrNotFound if they were never saved.
	GetAccountCenter(ctx context.Context) (*AccountCenter, error)

	// SaveAccountCenter creates or replaces the account-center settings.
	SaveAccountCenter(ctx context.Context, ac *AccountCenter) error

	// GetSignInExperience returns the stored policies, with nil for every
	// policy never set. It returns ErrNotFound if they were never saved.
	GetSignInExperience(ctx context.Context) (*SignInExperience, error)

	// SaveSignInExperience creates or replaces the stored policies.
	SaveSignInExperience(ctx context.Context, sie *SignInExperience) error
}

// AccessTokens stores personal access tokens.
type AccessTokens interface {
	// CreatePersonalAccessToken inserts t.
	// It returns ErrNotFound if there is no user t.UserID, ErrDuplicateName if
	// the user has a token named t.Name, and ErrConflict if a token with the
	// same hash exists.
	CreatePersonalAccessToken(ctx context.Context, t *PersonalAccessToken) error

	// ListPersonalAccessTokens returns the user's tokens, oldest first (by
	// CreatedAt, then Name); an empty slice if there are none.
	ListPersonalAccessTokens(ctx context.Context, userID string) ([]PersonalAccessToken, error)

	// FindPersonalAccessToken returns the token with the hash.
	// It returns ErrNotFound if there is none (expired tokens are returned:
	// the caller decides).
	FindPersonalAccessToken(ctx context.Context, hash []byte) (*PersonalAccessToken, error)

	// RenamePersonalAccessToken renames the user's token oldName to newName.
	// It returns ErrNotFound if the user has no token oldName and
	// ErrDuplicateName if it has one named newName (renaming a token to its own
	// name succeeds and changes nothing).
	RenamePersonalAccessToken(ctx context.Context, userID, oldName, newName string) error

	// DeletePersonalAccessToken deletes the user's token with the name.
	// It returns ErrNotFound if the user has none.
	DeletePersonalAccessToken(ctx context.Context, userID, name string) error
}
