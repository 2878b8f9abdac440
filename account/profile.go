package account

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"unicode/utf8"

	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/store"
)

// Column limits of Logto's users table; longer values are refused with 422
// entity.value_too_long.
const (
	maxNameLength     = 128
	maxAvatarLength   = 2048
	maxUsernameLength = 128
)

// Get returns the caller's account as GET /api/my-account shows it
// (docs/compatibility.md, "What GET /api/my-account shows").
func (s *Service) Get(ctx context.Context, c Caller) (*View, error) {
	ac, err := s.settings.Get(ctx)
	if err != nil {
		return nil, err
	}
	u := c.user
	if u == nil || u.ID != c.UserID {
		if u, err = getUser(ctx, s.store, c.UserID); err != nil {
			return nil, err
		}
	}
	return view(u, c, ac), nil
}

// AccountPatch is the body of PATCH /api/my-account. A member that is not Set
// is left alone; a null Name, Avatar or Username clears it.
type AccountPatch struct {
	Name     Optional[*string]
	Avatar   Optional[*string]
	Username Optional[*string]
	// CustomData replaces the stored object wholesale.
	CustomData Optional[map[string]any]
}

func (p AccountPatch) validate() error {
	if p.Avatar.Set && p.Avatar.Value != nil && !isURL(*p.Avatar.Value) {
		return invalidBody("avatar: expected a URL")
	}
	if p.Username.Set && p.Username.Value != nil && !usernameFormat.MatchString(*p.Username.Value) {
		return invalidBody("username: expected a letter or underscore followed by letters, digits and underscores")
	}
	if p.CustomData.Set && p.CustomData.Value == nil {
		return invalidBody("customData: expected object")
	}
	return nil
}

// Update applies PATCH /api/my-account (docs/compatibility.md, "Order of
// checks" and "Profile, username and password rules") and returns the account
// as GET shows it.
func (s *Service) Update(ctx context.Context, c Caller, p AccountPatch) (*View, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	ac, err := s.settings.Get(ctx)
	if err != nil {
		return nil, err
	}
	f := ac.Fields
	for _, check := range []struct {
		set     bool
		control store.Control
	}{{p.Name.Set, f.Name}, {p.Avatar.Set, f.Avatar}, {p.Username.Set, f.Username}, {p.CustomData.Set, f.CustomData}} {
		if check.set {
			if err := requireEditable(check.control); err != nil {
				return nil, err
			}
		}
	}
	if err := requireScope(c, ScopeProfile, 400); err != nil {
		return nil, err
	}
	if p.CustomData.Set {
		if err := requireScope(c, ScopeCustomData, 400); err != nil {
			return nil, err
		}
	}
	if err := s.checkFirstParty(ctx, c); err != nil {
		return nil, err
	}
	var usernames UsernamePolicy
	if p.Username.Set {
		if err := RequireIdentity(ctx, s.store, s.now(), c); err != nil {
			return nil, err
		}
		if v := p.Username.Value; v != nil {
			pol, err := s.settings.Policies(ctx)
			if err != nil {
				return nil, err
			}
			usernames = pol.Username
			if err := usernames.Check(*v); err != nil {
				return nil, err
			}
		}
	}
	if !p.Name.Set && !p.Avatar.Set && !p.Username.Set && !p.CustomData.Set {
		return nil, apierror.EntityInvalidInput
	}

	var updated *store.User
	err = s.store.InTx(ctx, func(ctx context.Context, tx store.Store) error {
		u, err := lockUser(ctx, tx, c.UserID)
		if err != nil {
			return err
		}
		if p.Username.Set {
			if p.Username.Value == nil {
				next := *u
				next.Username = ""
				if !hasIdentifier(&next) {
					return apierror.LastSignInMethodRequired
				}
				u.Username = ""
			} else {
				if err := usernameFree(ctx, tx, u.ID, *p.Username.Value, usernames.CaseInsensitive); err != nil {
					return err
				}
				u.Username = *p.Username.Value
			}
		}
		// Logto finds overlong values when it writes the row, after the
		// username checks above.
		if err := checkLengths(p); err != nil {
			return err
		}
		if p.Name.Set {
			u.Name = p.Name.Value
		}
		if p.Avatar.Set {
			u.Avatar = p.Avatar.Value
		}
		if p.CustomData.Set {
			u.CustomData = maps.Clone(p.CustomData.Value)
		}
		u.UpdatedAt = s.now()
		if err := mapUserWrite(tx.UpdateUser(ctx, u)); err != nil {
			return err
		}
		updated = u
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.emitUpdated(ctx, updated)
	return view(updated, c, ac), nil
}

// usernameFree answers 422 user.username_already_in_use when another user has
// the username: compared as the store compares usernames, and ignoring case
// too when the username policy is case-insensitive (foldCase). The store's
// unique index makes the first comparison race-free; the second is a
// read-then-write check unless the store was opened with case-insensitive
// usernames (sqlite/postgres.WithCaseInsensitiveUsernames), whose unique
// index on lower(username) closes the race.
func usernameFree(ctx context.Context, users store.Users, self, username string, foldCase bool) error {
	find := users.FindUserByUsername
	if foldCase {
		find = users.FindUserByUsernameFold
	}
	other, err := find(ctx, username)
	switch {
	case err == nil && other.ID != self:
		return apierror.UsernameAlreadyInUse
	case err == nil, isNotFound(err):
		return nil
	}
	return fmt.Errorf("account: looking up username: %w", err)
}

func checkLengths(p AccountPatch) error {
	tooLong := func(o Optional[*string], limit int) bool {
		return o.Set && o.Value != nil && utf8.RuneCountInString(*o.Value) > limit
	}
	if tooLong(p.Name, maxNameLength) || tooLong(p.Avatar, maxAvatarLength) || tooLong(p.Username, maxUsernameLength) {
		return apierror.EntityValueTooLong
	}
	return nil
}

// hasIdentifier reports whether u can still sign in by an identifier: a
// username, a primary email, a primary phone or a social identity. Passwords
// and MFA factors do not count (docs/compatibility.md, "Profile, username and
// password rules", the keep-one-identifier rule).
func hasIdentifier(u *store.User) bool {
	return u.Username != "" || u.PrimaryEmail != "" || u.PrimaryPhone != "" || len(u.Identities) > 0
}

// ProfileUpdate is the view PATCH /api/my-account/profile returns: the user's
// whole profile, with the address only when the token may see it.
type ProfileUpdate struct {
	Profile     store.Profile
	ShowAddress bool
}

// UpdateProfile applies PATCH /api/my-account/profile (docs/compatibility.md,
// "Profile, username and password rules"): a shallow merge of the sent OpenID
// Connect claims into the stored profile; a sent address replaces the stored
// address.
func (s *Service) UpdateProfile(ctx context.Context, c Caller, p store.Profile) (*ProfileUpdate, error) {
	ac, err := s.settings.Get(ctx)
	if err != nil {
		return nil, err
	}
	if err := requireEditable(ac.Fields.Profile); err != nil {
		return nil, err
	}
	if err := requireScope(c, ScopeProfile, 400); err != nil {
		return nil, err
	}
	if p.Address != nil {
		if err := requireScope(c, ScopeAddress, 400); err != nil {
			return nil, err
		}
	}
	if err := s.checkFirstParty(ctx, c); err != nil {
		return nil, err
	}
	var updated *store.User
	err = s.store.InTx(ctx, func(ctx context.Context, tx store.Store) error {
		u, err := lockUser(ctx, tx, c.UserID)
		if err != nil {
			return err
		}
		u.Profile = mergeProfile(u.Profile, p)
		u.UpdatedAt = s.now()
		if err := mapUserWrite(tx.UpdateUser(ctx, u)); err != nil {
			return err
		}
		updated = u
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.emitUpdated(ctx, updated)
	return &ProfileUpdate{Profile: updated.Profile, ShowAddress: c.HasScope(ScopeAddress)}, nil
}

// mergeProfile sets every member p has on base.
func mergeProfile(base, p store.Profile) store.Profile {
	set := func(dst **string, v *string) {
		if v != nil {
			s := *v
			*dst = &s
		}
	}
	set(&base.FamilyName, p.FamilyName)
	set(&base.GivenName, p.GivenName)
	set(&base.MiddleName, p.MiddleName)
	set(&base.Nickname, p.Nickname)
	set(&base.PreferredUsername, p.PreferredUsername)
	set(&base.Profile, p.Profile)
	set(&base.Website, p.Website)
	set(&base.Gender, p.Gender)
	set(&base.Birthdate, p.Birthdate)
	set(&base.Zoneinfo, p.Zoneinfo)
	set(&base.Locale, p.Locale)
	if p.Address != nil {
		a := *p.Address
		base.Address = &a
	}
	return base
}

// isURL reports whether s is an absolute URL, as zod's url() accepts.
func isURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "")
}
