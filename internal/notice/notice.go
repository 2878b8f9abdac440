// Package notice sends the security notices of committed account changes
// (notify.Notice… types) for the account and mfa use cases, which share it.
// It is internal: hosts configure notices through account.Config.Notifier
// and account.Notices, and never call it.
//
// A notice is sent after the change committed, on the caller's goroutine. A
// notifier's failure never fails the change: it is logged, without the
// recipient's address (no code or secret exists in a notice to leak). The
// notifier runs under a context that keeps the request's values but not its
// cancellation, so that a client who closes the connection right after the
// change cannot suppress the notice of it.
package notice

import (
	"context"
	"log/slog"
	"time"

	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/store"
)

// Sender sends notices. The zero Sender and a nil *Sender send nothing.
type Sender struct {
	notifier notify.Notifier
	on       func(store.TemplateType) bool
	log      *slog.Logger
}

// New returns a Sender over n that sends the notice types on accepts (nil:
// every type) and logs failures to log (nil: slog.Default()). A nil n gives
// a Sender that sends nothing.
func New(n notify.Notifier, on func(store.TemplateType) bool, log *slog.Logger) *Sender {
	if log == nil {
		log = slog.Default()
	}
	return &Sender{notifier: n, on: on, log: log}
}

// From says who made a change: the request's locale ("" for the Management
// API, whose caller is an administrator and not the user) and the client
// application of the user's token ("" if none).
type From struct {
	Locale   string
	ClientID string
}

// ToUser sends a notice of type typ about u to u's primary email address,
// with u as the message's user context. A user without an email address
// gets none: the other notices do not go by SMS, whose reader may not be
// the account's owner once a number is recycled.
func (s *Sender) ToUser(ctx context.Context, u *store.User, from From, typ store.TemplateType, n notify.Notice) {
	if !s.enabled(typ) || u == nil || u.PrimaryEmail == "" {
		return
	}
	m := notify.Message{
		Channel: notify.ChannelEmail, To: u.PrimaryEmail, Type: typ, Locale: from.Locale,
		Notice: &n, User: userContext(u, true),
	}
	if from.ClientID != "" {
		m.Application = &notify.Application{ID: from.ClientID}
	}
	s.send(ctx, u.ID, m)
}

// AddressChanges sends the notices of a change of before's primary email
// address and phone number into after's, each to the OLD address: "changed"
// with the new address masked, or "removed". Addresses that are the same
// mailbox or number (store.EmailKey, store.PhoneKey) did not change, and a
// user who had no address is told nothing.
//
// The user context of these messages names the user (id, username, name,
// avatar) but holds no address: the old address's owner may not be the user
// any more, so even the new address goes masked.
func (s *Sender) AddressChanges(ctx context.Context, before, after *store.User, from From, at time.Time) {
	if before == nil || after == nil {
		return
	}
	if old, cur := before.PrimaryEmail, after.PrimaryEmail; old != "" && store.EmailKey(old) != store.EmailKey(cur) {
		m := notify.Message{
			Channel: notify.ChannelEmail, To: old, Locale: from.Locale,
			Type: notify.NoticePrimaryEmailRemoved, Notice: &notify.Notice{At: at},
			User: userContext(before, false),
		}
		if cur != "" {
			m.Type, m.Notice.NewAddress = notify.NoticePrimaryEmailChanged, notify.Mask(cur)
		}
		if from.ClientID != "" {
			m.Application = &notify.Application{ID: from.ClientID}
		}
		if s.enabled(m.Type) {
			s.send(ctx, before.ID, m)
		}
	}
	if old, cur := before.PrimaryPhone, after.PrimaryPhone; old != "" && store.PhoneKey(old) != store.PhoneKey(cur) {
		m := notify.Message{
			Channel: notify.ChannelSMS, To: old, Locale: from.Locale,
			Type: notify.NoticePrimaryPhoneRemoved, Notice: &notify.Notice{At: at},
		}
		if cur != "" {
			m.Type, m.Notice.NewAddress = notify.NoticePrimaryPhoneChanged, notify.Mask(cur)
		}
		if s.enabled(m.Type) {
			s.send(ctx, before.ID, m)
		}
	}
}

func (s *Sender) enabled(t store.TemplateType) bool {
	return s != nil && s.notifier != nil && (s.on == nil || s.on(t))
}

// send delivers m and logs a failure: the notice's type and channel, the
// user's id and the error, never the address.
func (s *Sender) send(ctx context.Context, userID string, m notify.Message) {
	ctx = context.WithoutCancel(ctx)
	if err := s.notifier.Notify(ctx, m); err != nil {
		s.log.LogAttrs(ctx, slog.LevelError, "accountapi: sending a security notice failed",
			slog.String("type", string(m.Type)), slog.String("channel", string(m.Channel)),
			slog.String("userId", userID), slog.String("error", err.Error()))
	}
}

// userContext is the user context of a notice: with the addresses when the
// notice goes to the user's current address, without them when it goes to
// an old one.
func userContext(u *store.User, addresses bool) *notify.User {
	n := &notify.User{ID: u.ID, Username: u.Username}
	if addresses {
		n.PrimaryEmail, n.PrimaryPhone = u.PrimaryEmail, u.PrimaryPhone
	}
	if u.Name != nil {
		n.Name = *u.Name
	}
	if u.Avatar != nil {
		n.Avatar = *u.Avatar
	}
	return n
}
