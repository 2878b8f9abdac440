package httpadapter

import (
	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/store"
)

// opt is a response member that is either absent or present, possibly null:
// with the omitzero option a nil opt is left out, and any other is written
// as the value it points to. (A pointer rather than a struct with a
// MarshalJSON method: encoding/json then writes it natively, without
// marshalling each member apart and checking the result.)
type opt[T any] = *T

// optIf is v when ok, absent otherwise.
func optIf[T any](ok bool, v T) opt[T] {
	if !ok {
		return nil
	}
	return &v
}

// accountJSON is GET /api/my-account's body (docs/compatibility.md, "What GET
// /api/my-account shows"). CIMDClientID is the CIMD client Logto records a
// sign-up through; no user of this library signs up through one, so it is null
// whenever it is shown.
//
// DeleteAccountURL is ours (issue 7, item 6): the account center's
// deleteAccountUrl, present only when one is set, so that a front end can
// link a user who wants to delete their account there. It is shown
// whatever the token's scopes: it says nothing about the user.
type accountJSON struct {
	ID                            string                         `json:"id"`
	Username                      opt[*string]                   `json:"username,omitzero"`
	PrimaryEmail                  opt[*string]                   `json:"primaryEmail,omitzero"`
	PrimaryPhone                  opt[*string]                   `json:"primaryPhone,omitzero"`
	Name                          opt[*string]                   `json:"name,omitzero"`
	Avatar                        opt[*string]                   `json:"avatar,omitzero"`
	Profile                       opt[store.Profile]             `json:"profile,omitzero"`
	CustomData                    opt[map[string]any]            `json:"customData,omitzero"`
	Identities                    opt[map[string]store.Identity] `json:"identities,omitzero"`
	LastSignInAt                  opt[*int64]                    `json:"lastSignInAt,omitzero"`
	CreatedAt                     opt[int64]                     `json:"createdAt,omitzero"`
	UpdatedAt                     opt[int64]                     `json:"updatedAt,omitzero"`
	ApplicationID                 opt[*string]                   `json:"applicationId,omitzero"`
	CIMDClientID                  opt[*string]                   `json:"cimdClientId,omitzero"`
	IsSuspended                   opt[bool]                      `json:"isSuspended,omitzero"`
	HasPassword                   opt[bool]                      `json:"hasPassword,omitzero"`
	HasSecurityVerificationMethod bool                           `json:"hasSecurityVerificationMethod"`
	DeleteAccountURL              opt[string]                    `json:"deleteAccountUrl,omitzero"`
}

func accountBody(v *account.View) accountJSON {
	d := account.Snapshot(v.User)
	profile := d.Profile
	if !v.ShowAddress {
		profile.Address = nil
	}
	return accountJSON{
		ID:                            d.ID,
		Username:                      optIf(v.Has(account.FieldUsername), d.Username),
		PrimaryEmail:                  optIf(v.Has(account.FieldPrimaryEmail), d.PrimaryEmail),
		PrimaryPhone:                  optIf(v.Has(account.FieldPrimaryPhone), d.PrimaryPhone),
		Name:                          optIf(v.Has(account.FieldName), d.Name),
		Avatar:                        optIf(v.Has(account.FieldAvatar), d.Avatar),
		Profile:                       optIf(v.Has(account.FieldProfile), profile),
		CustomData:                    optIf(v.Has(account.FieldCustomData), d.CustomData),
		Identities:                    optIf(v.Has(account.FieldIdentities), d.Identities),
		LastSignInAt:                  optIf(v.Has(account.FieldLastSignInAt), d.LastSignInAt),
		CreatedAt:                     optIf(v.Has(account.FieldCreatedAt), d.CreatedAt),
		UpdatedAt:                     optIf(v.Has(account.FieldUpdatedAt), d.UpdatedAt),
		ApplicationID:                 optIf(v.Has(account.FieldApplicationID), d.ApplicationID),
		CIMDClientID:                  optIf(v.Has(account.FieldCIMDClientID), (*string)(nil)),
		IsSuspended:                   optIf(v.Has(account.FieldIsSuspended), d.IsSuspended),
		HasPassword:                   optIf(v.Has(account.FieldHasPassword), d.HasPassword),
		HasSecurityVerificationMethod: v.HasSecurityVerificationMethod(),
		DeleteAccountURL:              optIf(v.DeleteAccountURL != "", v.DeleteAccountURL),
	}
}

// userJSON is the Management API's user body: UserData, plus the password
// digest and the (always empty) enterprise SSO identities when asked for.
type userJSON struct {
	account.UserData
	SSOIdentities     opt[[]struct{}] `json:"ssoIdentities,omitzero"`
	PasswordDigest    opt[*string]    `json:"passwordDigest,omitzero"`
	PasswordAlgorithm opt[*string]    `json:"passwordAlgorithm,omitzero"`
}

// accountCenterJSON is the body of GET and PATCH /api/account-center.
type accountCenterJSON struct {
	TenantID               string                    `json:"tenantId"`
	ID                     string                    `json:"id"`
	Enabled                bool                      `json:"enabled"`
	Fields                 store.AccountCenterFields `json:"fields"`
	WebAuthnRelatedOrigins []string                  `json:"webauthnRelatedOrigins"`
	DeleteAccountURL       *string                   `json:"deleteAccountUrl"`
	CustomCSS              *string                   `json:"customCss"`
	ProfileFields          []store.ProfileField      `json:"profileFields"`
}

func accountCenterBody(ac store.AccountCenter) accountCenterJSON {
	b := accountCenterJSON{
		TenantID: "default", ID: "default", Enabled: ac.Enabled, Fields: ac.Fields,
		WebAuthnRelatedOrigins: ac.WebAuthnRelatedOrigins, CustomCSS: ac.CustomCSS, ProfileFields: ac.ProfileFields,
	}
	if b.WebAuthnRelatedOrigins == nil {
		b.WebAuthnRelatedOrigins = []string{}
	}
	if ac.DeleteAccountURL != "" {
		u := ac.DeleteAccountURL
		b.DeleteAccountURL = &u
	}
	return b
}
