package account

import (
	"fmt"

	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/store"
)

// NoticeSwitch turns one security notice on or off. The zero value is
// NoticeOn.
type NoticeSwitch uint8

// The switch positions.
const (
	// NoticeOn sends the notice (the default).
	NoticeOn NoticeSwitch = iota
	// NoticeOff does not send it.
	NoticeOff
)

// Notices holds a switch per security notice (issue 7, item 3; see
// package notify, "Security notices"). The zero value sends every notice
// whenever a Notifier is configured; a host turns one off by setting its
// member to NoticeOff:
//
//	account.Config{…, Notifier: n, Notices: account.Notices{IdentityLinked: account.NoticeOff}}
//
// The same Notices value is meant for every service (account.Config,
// account.AdminConfig, mfa.Config, mfa.AdminConfig); each reads the
// switches of the notices it sends.
type Notices struct {
	// PrimaryEmailChanged: notify.NoticePrimaryEmailChanged, to the old
	// address, the new one masked.
	PrimaryEmailChanged NoticeSwitch
	// PrimaryEmailRemoved: notify.NoticePrimaryEmailRemoved, to the removed
	// address.
	PrimaryEmailRemoved NoticeSwitch
	// PrimaryPhoneChanged: notify.NoticePrimaryPhoneChanged, by SMS to the
	// old number, the new one masked.
	PrimaryPhoneChanged NoticeSwitch
	// PrimaryPhoneRemoved: notify.NoticePrimaryPhoneRemoved, by SMS to the
	// removed number.
	PrimaryPhoneRemoved NoticeSwitch
	// PasswordChanged: notify.NoticePasswordChanged, to the user's email
	// address, when a password is set, changed or reset.
	PasswordChanged NoticeSwitch
	// MfaFactorAdded: notify.NoticeMfaFactorAdded, to the user's email
	// address.
	MfaFactorAdded NoticeSwitch
	// MfaFactorRemoved: notify.NoticeMfaFactorRemoved, to the user's email
	// address.
	MfaFactorRemoved NoticeSwitch
	// IdentityLinked: notify.NoticeIdentityLinked, to the user's email
	// address.
	IdentityLinked NoticeSwitch
	// IdentityUnlinked: notify.NoticeIdentityUnlinked, to the user's email
	// address.
	IdentityUnlinked NoticeSwitch
}

// switches lists n's switches by notice type.
func (n Notices) switches() map[store.TemplateType]NoticeSwitch {
	return map[store.TemplateType]NoticeSwitch{
		notify.NoticePrimaryEmailChanged: n.PrimaryEmailChanged,
		notify.NoticePrimaryEmailRemoved: n.PrimaryEmailRemoved,
		notify.NoticePrimaryPhoneChanged: n.PrimaryPhoneChanged,
		notify.NoticePrimaryPhoneRemoved: n.PrimaryPhoneRemoved,
		notify.NoticePasswordChanged:     n.PasswordChanged,
		notify.NoticeMfaFactorAdded:      n.MfaFactorAdded,
		notify.NoticeMfaFactorRemoved:    n.MfaFactorRemoved,
		notify.NoticeIdentityLinked:      n.IdentityLinked,
		notify.NoticeIdentityUnlinked:    n.IdentityUnlinked,
	}
}

// On reports whether notices of type t are sent: t is a notice type
// (notify.IsNotice) whose switch is NoticeOn.
func (n Notices) On(t store.TemplateType) bool {
	s, ok := n.switches()[t]
	return ok && s == NoticeOn
}

// Validate reports a switch that is neither NoticeOn nor NoticeOff. The
// constructors of the services call it.
func (n Notices) Validate() error {
	sw := n.switches()
	for _, t := range notify.NoticeTypes() {
		if s := sw[t]; s != NoticeOn && s != NoticeOff {
			return fmt.Errorf("Notices: the switch of %s is %d, want NoticeOn or NoticeOff", t, s)
		}
	}
	return nil
}
