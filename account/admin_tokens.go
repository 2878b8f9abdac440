package account

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/store"
)

// Personal access tokens as Logto makes them: "pat_" and 32 characters of
// [0-9a-zA-Z] (its generateStandardSecret), about 190 bits.
const (
	patPrefix   = "pat_"
	patLength   = 32
	patAlphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	// maxTokenNameLength is the length of Logto's name column.
	maxTokenNameLength = 256
)

// PersonalAccessToken is a user's personal access token as the Management API
// shows it. Value is the token itself, set only in the answer to
// [Admin.CreatePersonalAccessToken]: the store keeps only its SHA-256
// (docs/compatibility.md, "Personal access tokens are stored hashed"), so it
// cannot be shown again.
type PersonalAccessToken struct {
	UserID    string
	Name      string
	Value     string
	CreatedAt time.Time
	// ExpiresAt is the zero time for a token that never expires.
	ExpiresAt time.Time
}

// HashPersonalAccessToken is the form in which a token value is stored and
// looked up ([store.AccessTokens.FindPersonalAccessToken]): its SHA-256. A
// token has 190 random bits, so a fast hash is enough: there is nothing to
// guess that a slow one would protect.
func HashPersonalAccessToken(value string) []byte {
	sum := sha256.Sum256([]byte(value))
	return sum[:]
}

func checkTokenName(member, name string) error {
	if n := utf8.RuneCountInString(name); n < 1 || n > maxTokenNameLength {
		return invalidBody(fmt.Sprintf("%s: expected 1 to %d characters", member, maxTokenNameLength))
	}
	return nil
}

// CreatePersonalAccessToken applies POST
// /api/users/{userId}/personal-access-tokens (docs/compatibility.md,
// "Management API routes"): a new token named name for the user, expiring at
// expiresAt (the zero time: never). In order: 400 guard.invalid_input for a
// name that is empty or longer than 256 characters, 400 request.invalid_input
// for an expiry not in the future, 404 entity.not_found without the user, 422
// user.personal_access_token_name_exists when the user has a token of that
// name (of concurrent creates with one name exactly one succeeds).
//
// The returned token's Value is the only copy there will ever be.
func (a *Admin) CreatePersonalAccessToken(ctx context.Context, userID, name string, expiresAt time.Time) (*PersonalAccessToken, error) {
	if err := checkTokenName("name", name); err != nil {
		return nil, err
	}
	now := a.now()
	if !expiresAt.IsZero() && !expiresAt.After(now) {
		return nil, apierror.RequestInvalidInput.WithParam("details", "The value of `expiresAt` must be in the future.")
	}
	if _, err := a.GetUser(ctx, userID); err != nil {
		return nil, err
	}
	// A new value colliding with a stored one (ErrConflict without a
	// duplicate name) is as likely as guessing a token; try again anyway
	// rather than fail.
	for range 3 {
		secret, err := store.RandomString(a.rand, patLength, patAlphabet)
		if err != nil {
			return nil, fmt.Errorf("account: generating a token: %w", err)
		}
		t := &store.PersonalAccessToken{
			UserID: userID, Name: name, Hash: HashPersonalAccessToken(patPrefix + secret),
			CreatedAt: now, ExpiresAt: expiresAt,
		}
		err = a.store.CreatePersonalAccessToken(ctx, t)
		switch {
		case err == nil:
			out := tokenOf(*t)
			out.Value = patPrefix + secret
			return &out, nil
		case errors.Is(err, store.ErrDuplicateName):
			return nil, apierror.PersonalAccessTokenNameExists.WithCause(err)
		case isNotFound(err):
			return nil, apierror.EntityNotFound.WithCause(err)
		case !errors.Is(err, store.ErrConflict):
			return nil, fmt.Errorf("account: storing a token: %w", err)
		}
	}
	return nil, errors.New("account: storing a token: three random values collided")
}

func tokenOf(t store.PersonalAccessToken) PersonalAccessToken {
	return PersonalAccessToken{UserID: t.UserID, Name: t.Name, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt}
}

// PersonalAccessTokens applies GET /api/users/{userId}/personal-access-tokens
// (docs/compatibility.md, "Management API routes"): the user's tokens, oldest
// first, expired ones included, without their values (Logto lists the values;
// this library cannot, see [PersonalAccessToken]).
func (a *Admin) PersonalAccessTokens(ctx context.Context, userID string) ([]PersonalAccessToken, error) {
	if _, err := a.GetUser(ctx, userID); err != nil {
		return nil, err
	}
	list, err := a.store.ListPersonalAccessTokens(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("account: listing tokens: %w", err)
	}
	out := make([]PersonalAccessToken, len(list))
	for i, t := range list {
		out[i] = tokenOf(t)
	}
	return out, nil
}

// RenamePersonalAccessToken applies PATCH
// /api/users/{userId}/personal-access-tokens (body {name, currentName}) and
// the legacy PATCH …/personal-access-tokens/{name} (docs/compatibility.md,
// "Management API routes"): it renames the user's token currentName to name
// and returns it (without its value). Renaming a token to its own name changes
// nothing and succeeds (Logto's PATCH without currentName does exactly that).
// In order: 400 guard.invalid_input for a name that is empty or too long, 404
// entity.not_found without the user, 404 entity.not_exists without a token
// currentName, 422 user.personal_access_token_name_exists when another token
// of the user has the name.
func (a *Admin) RenamePersonalAccessToken(ctx context.Context, userID, currentName, name string) (*PersonalAccessToken, error) {
	if err := checkTokenName("name", name); err != nil {
		return nil, err
	}
	if _, err := a.GetUser(ctx, userID); err != nil {
		return nil, err
	}
	var renamed *PersonalAccessToken
	err := a.store.InTx(ctx, func(ctx context.Context, tx store.Store) error {
		err := tx.RenamePersonalAccessToken(ctx, userID, currentName, name)
		switch {
		case errors.Is(err, store.ErrDuplicateName):
			return apierror.PersonalAccessTokenNameExists.WithCause(err)
		case isNotFound(err):
			return apierror.EntityNotExists.WithParam("name", "personal access token").WithCause(err)
		case err != nil:
			return fmt.Errorf("account: renaming a token: %w", err)
		}
		list, err := tx.ListPersonalAccessTokens(ctx, userID)
		if err != nil {
			return fmt.Errorf("account: listing tokens: %w", err)
		}
		for _, t := range list {
			if t.Name == name {
				out := tokenOf(t)
				renamed = &out
				return nil
			}
		}
		return fmt.Errorf("account: the token renamed to %q is gone", name)
	})
	if err != nil {
		return nil, err
	}
	return renamed, nil
}

// DeletePersonalAccessToken applies POST
// /api/users/{userId}/personal-access-tokens/delete (body {name}) and the
// legacy DELETE …/personal-access-tokens/{name} (docs/compatibility.md,
// "Management API routes"): 404 entity.not_found without the user or without a
// token of that name.
func (a *Admin) DeletePersonalAccessToken(ctx context.Context, userID, name string) error {
	if _, err := a.GetUser(ctx, userID); err != nil {
		return err
	}
	err := a.store.DeletePersonalAccessToken(ctx, userID, name)
	switch {
	case isNotFound(err):
		return apierror.EntityNotFound.WithCause(err)
	case err != nil:
		return fmt.Errorf("account: deleting a token: %w", err)
	}
	return nil
}
