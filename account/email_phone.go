package account

import (
	"context"
	"fmt"
	"regexp"

	"github.com/accountapi/accountapi/apierror"
	"github.com/accountapi/accountapi/store"
)

// jsSpace is JavaScript's \s: Go's \s lacks \v and the Unicode spaces.
const jsSpace = `\t\n\v\f\r \x{00a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}`

// The formats of the email and phone members of request bodies: Logto's
// emailRegEx (/^\S+@\S+\.\S+$/, with JavaScript's meaning of \S) and
// phoneRegEx (/^\d+$/).
var (
	EmailFormat = regexp.MustCompile(`^[^` + jsSpace + `]+@[^` + jsSpace + `]+\.[^` + jsSpace + `]+$`)
	PhoneFormat = regexp.MustCompile(`^[0-9]+$`)
)

// SetPrimaryEmail applies POST /api/my-account/primary-email
// (docs/compatibility.md, "Primary email and phone", and the route's row in
// "Order of checks"): it makes email the caller's primary email, proven by the
// verified code record recordID. The previous address, if any, is sent
// notify.NoticePrimaryEmailChanged with the new one masked.
func (s *Service) SetPrimaryEmail(ctx context.Context, c Caller, email, recordID string) error {
	if !EmailFormat.MatchString(email) {
		return invalidBody("email: expected an email address")
	}
	if err := s.preludeIdentifier(ctx, c, ScopeEmail, func(f store.AccountCenterFields) store.Control { return f.Email }); err != nil {
		return err
	}
	pol, err := s.settings.Policies(ctx)
	if err != nil {
		return err
	}
	if err := pol.Email.Check(ctx, email); err != nil {
		return err
	}
	r, err := NewIdentifierRecord(ctx, s.store, s.now(), c, recordID, store.RecordEmailCode)
	if err != nil {
		return err
	}
	if r.Identifier == nil || r.Identifier.Type != store.IdentifierEmail || r.Identifier.Value != email {
		return apierror.RecordNotFound
	}
	return s.updateIdentifiers(ctx, c, func(ctx context.Context, tx store.Store, u *store.User) error {
		other, err := tx.FindUserByEmail(ctx, email)
		if err == nil && other.ID != u.ID {
			return apierror.EmailAlreadyInUse
		}
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("account: looking up email: %w", err)
		}
		u.PrimaryEmail = email
		return nil
	})
}

// RemovePrimaryEmail applies DELETE /api/my-account/primary-email
// (docs/compatibility.md, "Order of checks"). The removed address is sent
// notify.NoticePrimaryEmailRemoved.
func (s *Service) RemovePrimaryEmail(ctx context.Context, c Caller) error {
	if err := s.preludeIdentifier(ctx, c, ScopeEmail, func(f store.AccountCenterFields) store.Control { return f.Email }); err != nil {
		return err
	}
	return s.updateIdentifiers(ctx, c, func(_ context.Context, _ store.Store, u *store.User) error {
		u.PrimaryEmail = ""
		if !hasIdentifier(u) {
			return apierror.LastSignInMethodRequired
		}
		return nil
	})
}

// SetPrimaryPhone applies POST /api/my-account/primary-phone
// (docs/compatibility.md, "Primary email and phone"): it makes phone the
// caller's primary phone, proven by the verified code record recordID. The
// number is stored as its E.164 digits without "+"; numbers written with and
// without a national trunk prefix are the same number. The previous number, if
// any, is sent notify.NoticePrimaryPhoneChanged by SMS with the new one
// masked.
func (s *Service) SetPrimaryPhone(ctx context.Context, c Caller, phone, recordID string) error {
	if !PhoneFormat.MatchString(phone) {
		return invalidBody("phone: expected digits")
	}
	if err := s.preludeIdentifier(ctx, c, ScopePhone, func(f store.AccountCenterFields) store.Control { return f.Phone }); err != nil {
		return err
	}
	r, err := NewIdentifierRecord(ctx, s.store, s.now(), c, recordID, store.RecordPhoneCode)
	if err != nil {
		return err
	}
	if r.Identifier == nil || r.Identifier.Type != store.IdentifierPhone || r.Identifier.Value != phone {
		return apierror.RecordNotFound
	}
	return s.updateIdentifiers(ctx, c, func(ctx context.Context, tx store.Store, u *store.User) error {
		other, err := tx.FindUserByPhone(ctx, phone)
		if err == nil && other.ID != u.ID {
			return apierror.PhoneAlreadyInUse
		}
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("account: looking up phone: %w", err)
		}
		normalized, ok := store.ParsePhone(phone)
		if !ok {
			return apierror.InvalidPhone
		}
		u.PrimaryPhone = normalized
		return nil
	})
}

// RemovePrimaryPhone applies DELETE /api/my-account/primary-phone
// (docs/compatibility.md, "Order of checks"). The removed number is sent
// notify.NoticePrimaryPhoneRemoved by SMS.
func (s *Service) RemovePrimaryPhone(ctx context.Context, c Caller) error {
	if err := s.preludeIdentifier(ctx, c, ScopePhone, func(f store.AccountCenterFields) store.Control { return f.Phone }); err != nil {
		return err
	}
	return s.updateIdentifiers(ctx, c, func(_ context.Context, _ store.Store, u *store.User) error {
		u.PrimaryPhone = ""
		if !hasIdentifier(u) {
			return apierror.LastSignInMethodRequired
		}
		return nil
	})
}

// preludeIdentifier runs the checks the primary email and phone routes share,
// in their order: identity proof, field control, scope (400), first party.
func (s *Service) preludeIdentifier(ctx context.Context, c Caller, scope string, control func(store.AccountCenterFields) store.Control) error {
	if err := RequireIdentity(ctx, s.store, s.now(), c); err != nil {
		return err
	}
	ac, err := s.settings.Get(ctx)
	if err != nil {
		return err
	}
	if err := requireEditable(control(ac.Fields)); err != nil {
		return err
	}
	if err := requireScope(c, scope, 400); err != nil {
		return err
	}
	return s.checkFirstParty(ctx, c)
}

// updateIdentifiers changes the caller's user in a transaction that holds its
// row, so that two concurrent removals cannot both pass the "keep one
// identifier" rule. After it commits it emits User.Data.Updated and sends
// the notices of a changed or removed primary email or phone to the old
// address (notify.NoticePrimaryEmailChanged and the like), the old address
// being the one the locked row held.
func (s *Service) updateIdentifiers(ctx context.Context, c Caller, change func(ctx context.Context, tx store.Store, u *store.User) error) error {
	var before, updated *store.User
	err := s.store.InTx(ctx, func(ctx context.Context, tx store.Store) error {
		u, err := lockUser(ctx, tx, c.UserID)
		if err != nil {
			return err
		}
		old := *u
		before = &old
		if err := change(ctx, tx, u); err != nil {
			return err
		}
		u.UpdatedAt = s.now()
		if err := mapUserWrite(tx.UpdateUser(ctx, u)); err != nil {
			return err
		}
		updated = u
		return nil
	})
	if err != nil {
		return err
	}
	s.emitUpdated(ctx, updated)
	s.notices.AddressChanges(ctx, before, updated, from(c), updated.UpdatedAt)
	return nil
}
