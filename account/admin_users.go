package account

import (
	"context"
	"fmt"
	"maps"
	"unicode/utf8"

	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/internal/notice"
	"github.com/accountapi/accountapi/store"
)

// UserPatch is the body of PATCH /api/users/{userId} (docs/compatibility.md,
// "Management API routes"). A member that is not Set is left alone. For
// Username, PrimaryEmail, PrimaryPhone, Name and Avatar, null and "" both
// clear the member. CustomData and Profile replace the stored objects
// wholesale (Logto's "replace" mode); use [Admin.UpdateCustomData] and
// [Admin.UpdateProfile] to merge.
type UserPatch struct {
	Username     Optional[*string]
	PrimaryEmail Optional[*string]
	PrimaryPhone Optional[*string]
	Name         Optional[*string]
	Avatar       Optional[*string]
	CustomData   Optional[map[string]any]
	Profile      Optional[store.Profile]
}

// given returns the member's value, or "" when it is absent, null or "".
func given(o Optional[*string]) string {
	if !o.Set || o.Value == nil {
		return ""
	}
	return *o.Value
}

func (p UserPatch) validate() error {
	switch {
	case given(p.Username) != "" && !usernameFormat.MatchString(given(p.Username)):
		return invalidBody(`username: expected a letter or underscore followed by letters, digits and underscores, "" or null`)
	case given(p.PrimaryEmail) != "" && !EmailFormat.MatchString(given(p.PrimaryEmail)):
		return invalidBody(`primaryEmail: expected an email address, "" or null`)
	case given(p.PrimaryPhone) != "" && !PhoneFormat.MatchString(given(p.PrimaryPhone)):
		return invalidBody(`primaryPhone: expected digits, "" or null`)
	case given(p.Avatar) != "" && !isURL(given(p.Avatar)):
		return invalidBody(`avatar: expected a URL, "" or null`)
	case p.CustomData.Set && p.CustomData.Value == nil:
		return invalidBody("customData: expected object")
	}
	return nil
}

func (p UserPatch) empty() bool {
	return !p.Username.Set && !p.PrimaryEmail.Set && !p.PrimaryPhone.Set && !p.Name.Set &&
		!p.Avatar.Set && !p.CustomData.Set && !p.Profile.Set
}

// UpdateUser applies PATCH /api/users/{userId} (docs/compatibility.md,
// "Management API routes") and returns the updated user. In Logto's order: the
// body's formats (400 guard.invalid_input), the user (404 entity.not_found),
// identifiers another user has (422 user.username_already_in_use,
// user.email_already_in_use — case-insensitively — and
// user.phone_already_in_use — compared as normalised numbers), a phone number
// that does not parse (422 user.invalid_phone), an empty patch (422
// entity.invalid_input) and overlong values (422 entity.value_too_long). Phone
// numbers are stored normalised.
//
// As in Logto's Management API there is no username policy and no rule that
// the user keep an identifier: an administrator may clear them all. The
// checks and the write run with the user's row locked; of concurrent patches
// giving one identifier to several users the store's unique indexes let
// exactly one succeed, the others get the 422 of the identifier.
//
// A primary email or phone that changed or was cleared is sent, after the
// commit, the notice of it at the old address
// (notify.NoticePrimaryEmailChanged and the like), as for the user's own
// change.
func (a *Admin) UpdateUser(ctx context.Context, id string, p UserPatch) (*store.User, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	var before store.User
	u, err := a.updateUser(ctx, id, func(ctx context.Context, tx store.Store, u *store.User) error {
		before = *u
		if err := checkCollisions(ctx, tx, u.ID, p); err != nil {
			return err
		}
		if p.empty() {
			return apierror.EntityInvalidInput
		}
		if p.Username.Set {
			u.Username = given(p.Username)
		}
		if p.PrimaryEmail.Set {
			u.PrimaryEmail = given(p.PrimaryEmail)
		}
		if p.PrimaryPhone.Set {
			u.PrimaryPhone = ""
			if phone := given(p.PrimaryPhone); phone != "" {
				normalized, ok := store.ParsePhone(phone)
				if !ok {
					return apierror.InvalidPhone
				}
				u.PrimaryPhone = normalized
			}
		}
		if p.Name.Set {
			u.Name = nilIfEmpty(p.Name.Value)
		}
		if p.Avatar.Set {
			u.Avatar = nilIfEmpty(p.Avatar.Value)
		}
		if p.CustomData.Set {
			u.CustomData = maps.Clone(p.CustomData.Value)
		}
		if p.Profile.Set {
			u.Profile = p.Profile.Value
		}
		return checkUserLengths(u)
	})
	if err != nil {
		return nil, err
	}
	a.notices.AddressChanges(ctx, &before, u, notice.From{}, u.UpdatedAt)
	return u, nil
}

// checkCollisions answers the 422 of the first identifier of p, in Logto's
// order (username, email, phone), that a user other than self has. It only
// picks the error of a request with several taken identifiers: the unique
// indexes decide races.
func checkCollisions(ctx context.Context, users store.Users, self string, p UserPatch) error {
	checks := []struct {
		value string
		find  func(context.Context, string) (*store.User, error)
		taken *apierror.Error
	}{
		{given(p.Username), users.FindUserByUsername, apierror.UsernameAlreadyInUse},
		{given(p.PrimaryEmail), users.FindUserByEmail, apierror.EmailAlreadyInUse},
		{given(p.PrimaryPhone), users.FindUserByPhone, apierror.PhoneAlreadyInUse},
	}
	for _, c := range checks {
		if c.value == "" {
			continue
		}
		other, err := c.find(ctx, c.value)
		switch {
		case err == nil && other.ID != self:
			return c.taken
		case err != nil && !isNotFound(err):
			return fmt.Errorf("account: looking up an identifier: %w", err)
		}
	}
	return nil
}

func nilIfEmpty(p *string) *string {
	if p == nil || *p == "" {
		return nil
	}
	v := *p
	return &v
}

// maxEmailLength is the length of Logto's primary_email column.
const maxEmailLength = 128

// checkUserLengths answers 422 entity.value_too_long for a member longer than
// Logto's column: name, username and email 128 characters, avatar 2048. (A
// stored phone number is normalised, far shorter.)
func checkUserLengths(u *store.User) error {
	long := func(s string, n int) bool { return utf8.RuneCountInString(s) > n }
	longPtr := func(p *string, n int) bool { return p != nil && long(*p, n) }
	if longPtr(u.Name, maxNameLength) || longPtr(u.Avatar, maxAvatarLength) ||
		long(u.Username, maxUsernameLength) || long(u.PrimaryEmail, maxEmailLength) {
		return apierror.EntityValueTooLong
	}
	return nil
}

// UpdateProfile applies PATCH /api/users/{userId}/profile
// (docs/compatibility.md, "Management API routes"): a shallow merge of p's
// claims into the user's profile (a sent address replaces the stored one), and
// returns the whole profile.
func (a *Admin) UpdateProfile(ctx context.Context, id string, p store.Profile) (store.Profile, error) {
	u, err := a.updateUser(ctx, id, func(_ context.Context, _ store.Store, u *store.User) error {
		u.Profile = mergeProfile(u.Profile, p)
		return nil
	})
	if err != nil {
		return store.Profile{}, err
	}
	return u.Profile, nil
}

// CustomData applies GET /api/users/{userId}/custom-data
// (docs/compatibility.md, "Management API routes"): the user's customData
// object ({} when it has none).
func (a *Admin) CustomData(ctx context.Context, id string) (map[string]any, error) {
	u, err := a.GetUser(ctx, id)
	if err != nil {
		return nil, err
	}
	return Snapshot(u).CustomData, nil
}

// UpdateCustomData applies PATCH /api/users/{userId}/custom-data
// (docs/compatibility.md, "Management API routes"): a shallow merge of data's
// members into the user's customData (Logto's default "merge" mode: a sent
// member replaces the stored member of that name, the others stay), and
// returns the merged object. data must not be nil (400 guard.invalid_input).
func (a *Admin) UpdateCustomData(ctx context.Context, id string, data map[string]any) (map[string]any, error) {
	if data == nil {
		return nil, invalidBody("customData: expected object")
	}
	u, err := a.updateUser(ctx, id, func(_ context.Context, _ store.Store, u *store.User) error {
		merged := maps.Clone(u.CustomData)
		if merged == nil {
			merged = map[string]any{}
		}
		maps.Copy(merged, data)
		u.CustomData = merged
		return nil
	})
	if err != nil {
		return nil, err
	}
	return Snapshot(u).CustomData, nil
}

// SetSuspended applies PATCH /api/users/{userId}/is-suspended
// (docs/compatibility.md, "Management API routes") and returns the updated
// user. From then on the Account API refuses the user's tokens with 401
// user.suspended ([Service.CheckActive]).
//
// When suspended is true, the configured [SessionRevoker] is called with
// [RevokeSuspended] after the change commits, even if the user was already
// suspended. Its error is returned (the route answers 500 and logs it):
// unlike a deletion, a suspension exists to cut the user's access, so an
// administrator must learn that tokens the host issued may still be live.
// The suspension itself stays committed, and repeating the request retries
// the revocation.
func (a *Admin) SetSuspended(ctx context.Context, id string, suspended bool) (*store.User, error) {
	u, err := a.updateUser(ctx, id, func(_ context.Context, _ store.Store, u *store.User) error {
		u.IsSuspended = suspended
		return nil
	})
	if err != nil {
		return nil, err
	}
	if suspended && a.revoker != nil {
		if err := a.revoker.RevokeSessions(ctx, u.ID, RevokeSuspended); err != nil {
			return nil, fmt.Errorf("account: the user is suspended but revoking their sessions failed: %w", err)
		}
	}
	return u, nil
}

// DeleteUser applies DELETE /api/users/{userId} (docs/compatibility.md,
// "Management API routes"): it deletes the user and everything that belongs to
// it (identities, MFA factors, personal access tokens, verification records),
// and emits User.Deleted with the user's data as it was. actorID is the user
// the management token was issued to; a token may not delete its own user (400
// user.cannot_delete_self, checked first, as in Logto).
//
// The configured [SessionRevoker] is then called with [RevokeDeleted], as a
// best effort: the user is gone whatever it answers, and its tokens no longer
// name a user this library knows; a failure is logged.
func (a *Admin) DeleteUser(ctx context.Context, actorID, id string) error {
	if actorID != "" && actorID == id {
		return apierror.CannotDeleteSelf
	}
	var deleted *store.User
	err := a.store.InTx(ctx, func(ctx context.Context, tx store.Store) error {
		u, err := lockAdminUser(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteUser(ctx, id); err != nil {
			if isNotFound(err) {
				return apierror.EntityNotFound.WithCause(err)
			}
			return fmt.Errorf("account: deleting user: %w", err)
		}
		deleted = u
		return nil
	})
	if err != nil {
		return err
	}
	a.events.Emit(ctx, event.Event{Name: event.UserDeleted, At: a.now(), UserID: id, Data: Snapshot(deleted)})
	revoke(ctx, a.revoker, a.log, id, RevokeDeleted)
	return nil
}

// updateUser runs change on the user with its row locked, stamps UpdatedAt,
// writes it and emits User.Data.Updated. change returns an error to write
// nothing.
func (a *Admin) updateUser(ctx context.Context, id string, change func(ctx context.Context, tx store.Store, u *store.User) error) (*store.User, error) {
	var updated *store.User
	err := a.store.InTx(ctx, func(ctx context.Context, tx store.Store) error {
		u, err := lockAdminUser(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := change(ctx, tx, u); err != nil {
			return err
		}
		u.UpdatedAt = a.now()
		if err := mapUserWrite(tx.UpdateUser(ctx, u)); err != nil {
			return err
		}
		updated = u
		return nil
	})
	if err != nil {
		return nil, err
	}
	a.emitUpdated(ctx, updated)
	return updated, nil
}

// lockAdminUser locks the addressed user's row: 404 entity.not_found if
// there is no such user.
func lockAdminUser(ctx context.Context, tx store.Users, id string) (*store.User, error) {
	u, err := tx.LockUser(ctx, id)
	if isNotFound(err) {
		return nil, apierror.EntityNotFound.WithCause(err)
	}
	if err != nil {
		return nil, fmt.Errorf("account: locking user: %w", err)
	}
	return u, nil
}

// emitUpdated sends User.Data.Updated for u.
func (a *Admin) emitUpdated(ctx context.Context, u *store.User) {
	a.events.Emit(ctx, event.Event{Name: event.UserDataUpdated, At: a.now(), UserID: u.ID, Data: Snapshot(u)})
}
