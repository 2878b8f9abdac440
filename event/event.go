package event

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"
)

// Name is an event's name.
type Name string

// The events the library emits.
const (
	// UserDataUpdated: a user's data changed (profile, identifiers, password,
	// identities, MFA factors, flags).
	UserDataUpdated Name = "User.Data.Updated"
	// UserDeleted: a user was deleted.
	UserDeleted Name = "User.Deleted"
	// IdentifierLockout: the lockout sentinel blocked an identifier after too
	// many failed verifications.
	IdentifierLockout Name = "Identifier.Lockout"
	// WebAuthnSignCountRegressed: a passkey assertion carried a signature
	// counter that did not increase past the stored one, which WebAuthn
	// Level 3 §7.2 (its signature-counter step) calls a signal that the
	// authenticator may be cloned.
	// Ours; Logto has no such event. Data is [WebAuthnSignCount].
	WebAuthnSignCountRegressed Name = "WebAuthn.SignCount.Regressed"
)

// WebAuthnSignCount is the Data of [WebAuthnSignCountRegressed]: which
// factor, the counter as stored and the counter the assertion carried.
type WebAuthnSignCount struct {
	FactorID string `json:"factorId"`
	Stored   uint32 `json:"stored"`
	Received uint32 `json:"received"`
}

// Event is one thing that happened.
type Event struct {
	Name Name
	At   time.Time
	// UserID is the user the event is about ("" if none, e.g. a lockout of an
	// address nobody owns).
	UserID string
	// Data is a JSON-encodable description without secrets: for user events a
	// snapshot of the user's public fields, for lockouts the blocked target's
	// kind and the end of the block.
	Data any
}

// Sink receives events. Emit must not block for long: it runs after the
// change committed, on the request's goroutine; a sink that does I/O should
// queue. Emit has no error: a lost event must not fail a committed change.
type Sink interface {
	Emit(ctx context.Context, e Event)
}

// Discard is a Sink that drops every event.
type Discard struct{}

// Emit drops e.
func (Discard) Emit(context.Context, Event) {}

// Slog is a Sink that logs each event at Info level.
type Slog struct {
	Logger *slog.Logger
}

// Emit logs e.
func (s Slog) Emit(ctx context.Context, e Event) {
	l := s.Logger
	if l == nil {
		l = slog.Default()
	}
	l.LogAttrs(ctx, slog.LevelInfo, "accountapi event",
		slog.String("event", string(e.Name)),
		slog.Time("at", e.At),
		slog.String("userId", e.UserID),
		slog.String("data", dataJSON(e.Data)))
}

// dataJSON renders an event's data as JSON for a log line.
func dataJSON(data any) string {
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Sprintf("%+v", data)
	}
	return string(b)
}

// Func adapts a function to a Sink.
type Func func(ctx context.Context, e Event)

// Emit calls f.
func (f Func) Emit(ctx context.Context, e Event) { f(ctx, e) }
