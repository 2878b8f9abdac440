package notify

import (
	"context"
	"log/slog"
	"strings"
)

// SlogConfig configures [NewSlog].
type SlogConfig struct {
	// Logger receives one record per message. Default: slog.Default() at
	// the time NewSlog is called.
	Logger *slog.Logger
	// Level is the level of the records. Default: slog.LevelInfo (the zero
	// value).
	Level slog.Level
}

// Slog is a [Notifier] that only logs that a message was sent: channel,
// type, locale, the masked recipient (see [Mask]) and, for email, the user
// and application ids. It never logs the code, so it can stay switched on
// in production; on its own it delivers nothing, so users get no code.
type Slog struct {
	logger *slog.Logger
	level  slog.Level
}

var _ Notifier = (*Slog)(nil)

// NewSlog returns a Slog notifier. It cannot fail.
func NewSlog(cfg SlogConfig) *Slog {
	l := cfg.Logger
	if l == nil {
		l = slog.Default()
	}
	return &Slog{logger: l, level: cfg.Level}
}

// Notify logs m without its code. It fails only on an invalid message.
func (s *Slog) Notify(ctx context.Context, m Message) error {
	if err := m.check(); err != nil {
		return err
	}
	// Message.LogValue leaves the code out.
	s.logger.LogAttrs(ctx, s.level, "notify: message sent", slog.Any("message", m))
	return nil
}

// Mask hides most of a recipient for logs: "jane.doe@example.com" becomes
// "j***@example.com" and "+1 555 0100 1234" becomes "***34". The domain of an
// email address stays, as it helps diagnose delivery problems.
func Mask(to string) string {
	if to == "" {
		return ""
	}
	if at := strings.LastIndexByte(to, '@'); at >= 0 {
		local, domain := to[:at], to[at+1:]
		if local == "" {
			return "***@" + domain
		}
		first := []rune(local)[0]
		return string(first) + "***@" + domain
	}
	var digits []byte
	for i := 0; i < len(to); i++ {
		if to[i] >= '0' && to[i] <= '9' {
			digits = append(digits, to[i])
		}
	}
	if len(digits) < 6 {
		return "***"
	}
	return "***" + string(digits[len(digits)-2:])
}
