package account

import (
	"maps"
	"time"

	"github.com/accountapi/accountapi/store"
)

// UserData is a user as Logto's APIs show it (its userInfoSelectFields plus
// hasPassword): the body of the Management API's user routes and the data of
// user events. It holds no secret: no password digest, no factor.
// Timestamps are Unix milliseconds; absent identifiers are null.
type UserData struct {
	ID            string                    `json:"id"`
	Username      *string                   `json:"username"`
	PrimaryEmail  *string                   `json:"primaryEmail"`
	PrimaryPhone  *string                   `json:"primaryPhone"`
	Name          *string                   `json:"name"`
	Avatar        *string                   `json:"avatar"`
	CustomData    map[string]any            `json:"customData"`
	Identities    map[string]store.Identity `json:"identities"`
	LastSignInAt  *int64                    `json:"lastSignInAt"`
	CreatedAt     int64                     `json:"createdAt"`
	UpdatedAt     int64                     `json:"updatedAt"`
	Profile       store.Profile             `json:"profile"`
	ApplicationID *string                   `json:"applicationId"`
	IsSuspended   bool                      `json:"isSuspended"`
	HasPassword   bool                      `json:"hasPassword"`
}

// Snapshot returns u as UserData.
func Snapshot(u *store.User) UserData {
	d := UserData{
		ID:            u.ID,
		Username:      nonEmpty(u.Username),
		PrimaryEmail:  nonEmpty(u.PrimaryEmail),
		PrimaryPhone:  nonEmpty(u.PrimaryPhone),
		Name:          u.Name,
		Avatar:        u.Avatar,
		CustomData:    maps.Clone(u.CustomData),
		Identities:    maps.Clone(u.Identities),
		LastSignInAt:  Millis(u.LastSignInAt),
		CreatedAt:     u.CreatedAt.UnixMilli(),
		UpdatedAt:     u.UpdatedAt.UnixMilli(),
		Profile:       u.Profile,
		ApplicationID: nonEmpty(u.ApplicationID),
		IsSuspended:   u.IsSuspended,
		HasPassword:   u.HasPassword(),
	}
	if d.CustomData == nil {
		d.CustomData = map[string]any{}
	}
	if d.Identities == nil {
		d.Identities = map[string]store.Identity{}
	}
	return d
}

// Millis returns t as Unix milliseconds, or nil for the zero time.
func Millis(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	ms := t.UnixMilli()
	return &ms
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
