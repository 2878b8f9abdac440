package store

import "errors"

// The storage vocabulary. Backends map driver errors into it (a unique
// violation becomes a DuplicateError, a missing row ErrNotFound); use cases map
// it to apierror codes. A driver error never leaves a backend unwrapped into
// this vocabulary; anything else a backend returns is an internal failure.
var (
	// ErrNotFound: the addressed row does not exist (or, for verification
	// records, has expired; for single-use things, was already used).
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: the write lost to another: a duplicate key, a stale
	// version, a compare-and-set whose expected value moved on. Every
	// DuplicateError is also an ErrConflict.
	ErrConflict = errors.New("store: conflict")
)

// DuplicateError is the conflict of a unique identifier. errors.Is matches it
// against itself and against ErrConflict.
type DuplicateError struct {
	// What names the unique thing, e.g. "email".
	What string
}

func (e *DuplicateError) Error() string { return "store: duplicate " + e.What }

// Is makes every DuplicateError match ErrConflict.
func (e *DuplicateError) Is(target error) bool { return target == ErrConflict }

// The duplicates a backend reports. Each is an ErrConflict too.
var (
	// ErrDuplicateUsername: another user has the username.
	ErrDuplicateUsername = &DuplicateError{What: "username"}
	// ErrDuplicateEmail: another user has the email, compared by EmailKey.
	ErrDuplicateEmail = &DuplicateError{What: "email"}
	// ErrDuplicatePhone: another user has the phone, compared by PhoneKey.
	ErrDuplicatePhone = &DuplicateError{What: "phone"}
	// ErrDuplicateIdentity: another user has the social identity (same target
	// and social user id).
	ErrDuplicateIdentity = &DuplicateError{What: "identity"}
	// ErrDuplicateCredential: a WebAuthn credential with the same id exists.
	ErrDuplicateCredential = &DuplicateError{What: "webauthn credential"}
	// ErrDuplicateTOTP: the user already has a TOTP factor.
	ErrDuplicateTOTP = &DuplicateError{What: "totp factor"}
	// ErrDuplicateName: the user already has a personal access token with the name.
	ErrDuplicateName = &DuplicateError{What: "token name"}
)
