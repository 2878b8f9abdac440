package account

import "github.com/accountapi/accountapi/store"

// Field is a member of GET /api/my-account's response.
type Field uint32

// The members GET /api/my-account may show besides id and
// hasSecurityVerificationMethod, which it always shows.
const (
	FieldName Field = 1 << iota
	FieldAvatar
	FieldUsername
	FieldPrimaryEmail
	FieldPrimaryPhone
	FieldProfile
	FieldCustomData
	FieldIdentities
	FieldHasPassword
	FieldLastSignInAt
	FieldCreatedAt
	FieldUpdatedAt
	FieldApplicationID
	FieldIsSuspended
	FieldCIMDClientID
)

// View is the caller's account as GET /api/my-account shows it: the user and
// which members the token's scopes and the account-center controls let it see
// (docs/compatibility.md, "What GET /api/my-account shows").
type View struct {
	User *store.User
	// Show holds the visible members.
	Show Field
	// ShowAddress reports whether the profile's address is visible (the
	// address scope).
	ShowAddress bool
	// DeleteAccountURL is the account center's deleteAccountUrl, where a
	// front end sends a user who wants to delete their account ("" when
	// none is set). Ours: Logto's GET /api/my-account has no such member.
	DeleteAccountURL string
}

// Has reports whether member f is visible.
func (v *View) Has(f Field) bool { return v.Show&f != 0 }

// HasSecurityVerificationMethod reports whether the user can prove their
// identity with something other than a social sign-in: a password, a primary
// email or a primary phone.
func (v *View) HasSecurityVerificationMethod() bool {
	return hasSecurityVerificationMethod(v.User)
}

func hasSecurityVerificationMethod(u *store.User) bool {
	return u.HasPassword() || u.PrimaryEmail != "" || u.PrimaryPhone != ""
}

// view applies the two filters of docs/compatibility.md, "What GET
// /api/my-account shows": the token's scopes, then the account-center
// controls; it adds the account center's deleteAccountUrl.
func view(u *store.User, c Caller, ac store.AccountCenter) *View {
	f := ac.Fields
	var show Field
	if c.HasScope(ScopeIdentities) {
		show |= FieldIdentities
	}
	if c.HasScope(ScopeCustomData) {
		show |= FieldCustomData
	}
	if c.HasScope(ScopeEmail) {
		show |= FieldPrimaryEmail
	}
	if c.HasScope(ScopePhone) {
		show |= FieldPrimaryPhone
	}
	if c.HasScope(ScopeProfile) {
		show |= FieldName | FieldAvatar | FieldUsername | FieldProfile | FieldLastSignInAt |
			FieldCreatedAt | FieldUpdatedAt | FieldApplicationID | FieldCIMDClientID | FieldIsSuspended | FieldHasPassword
	}
	for field, control := range map[Field]store.Control{
		FieldName: f.Name, FieldAvatar: f.Avatar, FieldUsername: f.Username,
		FieldPrimaryEmail: f.Email, FieldPrimaryPhone: f.Phone, FieldProfile: f.Profile,
		FieldCustomData: f.CustomData, FieldIdentities: f.Social, FieldHasPassword: f.Password,
	} {
		if !control.Readable() {
			show &^= field
		}
	}
	return &View{User: u, Show: show, ShowAddress: c.HasScope(ScopeAddress), DeleteAccountURL: ac.DeleteAccountURL}
}
