package notify

import (
	"context"
	"errors"
	"fmt"
)

// ByChannel routes each message to the notifier of its channel, e.g.
//
//	notify.ByChannel{Email: smtpNotifier, SMS: webhookNotifier}
//
// A channel whose notifier is nil is not set up: Notify returns an error
// wrapping [ErrNoNotifier], which the API answers with 501
// connector.not_found, as Logto does when no connector of a type exists.
type ByChannel struct {
	Email Notifier
	SMS   Notifier
}

var _ Notifier = ByChannel{}

// Notify hands m to the notifier of m.Channel.
func (b ByChannel) Notify(ctx context.Context, m Message) error {
	var n Notifier
	switch m.Channel {
	case ChannelEmail:
		n = b.Email
	case ChannelSMS:
		n = b.SMS
	}
	if n == nil {
		return fmt.Errorf("%w: %q", ErrNoNotifier, m.Channel)
	}
	return n.Notify(ctx, m)
}

// Multi sends every message to each of its notifiers, in order, e.g. an
// [Outbox] for tests next to a [Slog] for the operator. Every notifier is
// tried even when one fails; Notify returns the failures joined
// (errors.Join), so errors.Is finds [ErrTemplateNotFound] or
// [ErrNoNotifier] in any of them, and nil when all succeeded. Nil entries
// are skipped; a Multi with no notifier at all returns [ErrNoNotifier]
// rather than drop codes silently.
type Multi []Notifier

var _ Notifier = Multi(nil)

// Notify calls every notifier with m.
func (ns Multi) Notify(ctx context.Context, m Message) error {
	var errs []error
	tried := false
	for _, n := range ns {
		if n == nil {
			continue
		}
		tried = true
		if err := n.Notify(ctx, m); err != nil {
			errs = append(errs, err)
		}
	}
	if !tried {
		return fmt.Errorf("%w: empty Multi", ErrNoNotifier)
	}
	return errors.Join(errs...)
}
