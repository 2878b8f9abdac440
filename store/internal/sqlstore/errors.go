package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/accountapi/accountapi/store"
)

// ViolationKind is the kind of a constraint violation.
type ViolationKind int

// The constraint violations the store maps into its vocabulary.
const (
	// Unique is a duplicate key of a primary key or a unique index.
	Unique ViolationKind = iota + 1
	// ForeignKey is a reference to a missing row.
	ForeignKey
)

// Violation is a constraint violation reported by a driver.
type Violation struct {
	Kind ViolationKind
	// Constraint is the name of the violated index or constraint, as the
	// migrations name it (e.g. "accountapi_users_email_key_key"); "" when the
	// driver does not say.
	Constraint string
}

// The names of the unique indexes and primary keys whose violations mean
// something more precise than ErrConflict. Both backends' migrations create
// them under these names.
const (
	UsersUsernameKey      = "accountapi_users_username_key"
	UsersUsernameLowerKey = "accountapi_users_username_lower_key"
	UsersEmailKey         = "accountapi_users_email_key_key"
	UsersPhoneKey         = "accountapi_users_phone_key_key"
	IdentitiesSocialKey   = "accountapi_user_identities_target_social_user_id_key"
	FactorsCredentialKey  = "accountapi_mfa_factors_credential_id_key"
	FactorsTOTPKey        = "accountapi_mfa_factors_totp_key"
	TokensPkey            = "accountapi_personal_access_tokens_pkey"
)

// duplicateError returns the error for a duplicate key of the constraint:
// a DuplicateError where the contract names one, else ErrConflict (a
// duplicate id, a token hash, an identity the user already has, …).
func duplicateError(constraint string) error {
	switch constraint {
	case UsersUsernameKey, UsersUsernameLowerKey:
		return store.ErrDuplicateUsername
	case UsersEmailKey:
		return store.ErrDuplicateEmail
	case UsersPhoneKey:
		return store.ErrDuplicatePhone
	case IdentitiesSocialKey:
		return store.ErrDuplicateIdentity
	case FactorsCredentialKey:
		return store.ErrDuplicateCredential
	case FactorsTOTPKey:
		return store.ErrDuplicateTOTP
	case TokensPkey:
		return store.ErrDuplicateName
	default:
		return store.ErrConflict
	}
}

// mapErr maps err, returned by the operation op, into the store vocabulary:
// errors already in it pass unchanged, a missing row is ErrNotFound, a
// duplicate key the DuplicateError of its index (or ErrConflict), a missing
// referenced row ErrNotFound (every foreign key of the schema points at the
// row a method's contract calls "no such user/record"). Anything else is
// wrapped with the backend's name and op.
func (s *Store) mapErr(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrConflict):
		return err
	case errors.Is(err, sql.ErrNoRows):
		return store.ErrNotFound
	}
	if s.cfg.Dialect.Violation != nil {
		if v, ok := s.cfg.Dialect.Violation(err); ok {
			switch v.Kind {
			case Unique:
				return duplicateError(v.Constraint)
			case ForeignKey:
				return store.ErrNotFound
			}
		}
	}
	return s.wrap(op, err)
}

// wrap adds the backend's name and op to err.
func (s *Store) wrap(op string, err error) error {
	return fmt.Errorf("%s: %s: %w", s.cfg.Dialect.Name, op, err)
}
