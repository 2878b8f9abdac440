package verification

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"maps"
	"time"

	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/connector"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/password"
	"github.com/accountapi/accountapi/store"
)

// RecordTTL is how long a verification record lives: Logto's fixed ten
// minutes, never extended by verifying it.
const RecordTTL = 10 * time.Minute

// Store is what the verification use cases need of the store.
type Store interface {
	store.Users
	store.VerificationRecords
	store.VerificationCodes
	store.RateLimits
	store.Lockouts
	store.Transactor
}

// SendLimit caps how many codes one recipient is sent in a window.
type SendLimit struct {
	// Max sends per recipient and window; zero means 10.
	Max int
	// Window; zero means 10 minutes.
	Window time.Duration
}

// Config configures a Service. Zero members take the defaults their docs name.
type Config struct {
	// Store holds records, codes and counters. Required.
	Store Store
	// Hasher checks passwords. Required.
	Hasher *password.Hasher
	// Settings serves the sign-in experience's policies, read on every
	// request: the email blocklist (which new addresses may be sent a code),
	// the verification-code policy and the lockout policy. Required; share
	// the account Service's.
	Settings *account.Settings
	// Notifier sends codes. nil answers 501 connector.not_found when a code
	// is to be sent. Give the same notifier to account.Config,
	// account.AdminConfig, mfa.Config and mfa.AdminConfig, which send the
	// security notices of committed changes through it.
	Notifier notify.Notifier
	// SendLimit caps the codes sent to one recipient.
	SendLimit SendLimit
	// Sentinel, when set, is the lockout sentinel to report to (shared with
	// other services); nil builds one over Store whose policy is the
	// Settings' (Settings.LockoutPolicy).
	Sentinel *Sentinel
	// IsFirstParty, as in account.Config.
	IsFirstParty account.FirstPartyFunc
	// Connectors are the connectors POST /api/verifications/social may name,
	// by id. New copies the set; nil means none: every id is unknown (422
	// session.invalid_connector_id).
	Connectors connector.Set
	// Events receives Identifier.Lockout and User.Data.Updated (a password
	// re-hashed); nil discards them.
	Events event.Sink
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the randomness for ids and codes; nil means crypto/rand.Reader.
	Rand io.Reader
}

// Service is the Verification API's use cases: it creates verification
// records that prove something about the caller.
type Service struct {
	store        Store
	hasher       *password.Hasher
	settings     *account.Settings
	notifier     notify.Notifier
	sends        SendLimit
	sentinel     *Sentinel
	isFirstParty account.FirstPartyFunc
	connectors   connector.Set
	events       event.Sink
	now          func() time.Time
	rand         io.Reader
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("verification: Config.Store is nil")
	}
	if cfg.Hasher == nil {
		return nil, errors.New("verification: Config.Hasher is nil")
	}
	if cfg.Settings == nil {
		return nil, errors.New("verification: Config.Settings is nil")
	}
	s := &Service{
		store: cfg.Store, hasher: cfg.Hasher, settings: cfg.Settings, notifier: cfg.Notifier, sends: cfg.SendLimit,
		isFirstParty: cfg.IsFirstParty, connectors: maps.Clone(cfg.Connectors), events: cfg.Events, now: cfg.Now, rand: cfg.Rand,
	}
	if s.sends.Max == 0 {
		s.sends.Max = 10
	}
	if s.sends.Window == 0 {
		s.sends.Window = 10 * time.Minute
	}
	if s.sends.Max < 0 || s.sends.Window < 0 {
		return nil, errors.New("verification: negative send limit")
	}
	if s.events == nil {
		s.events = event.Discard{}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	s.sentinel = cfg.Sentinel
	if s.sentinel == nil {
		sentinel, err := NewSentinel(SentinelConfig{Store: cfg.Store, Policy: cfg.Settings.LockoutPolicy, Events: s.events, Now: s.now})
		if err != nil {
			return nil, err
		}
		s.sentinel = sentinel
	}
	return s, nil
}

// Sentinel returns the lockout sentinel the service reports to, so that other
// verifications (the MFA step-up routes) can share it.
func (s *Service) Sentinel() *Sentinel { return s.sentinel }

// newRecord returns a record of typ created by the caller now.
func (s *Service) newRecord(c account.Caller, typ store.RecordType) (*store.VerificationRecord, error) {
	id, err := store.NewID(s.rand)
	if err != nil {
		return nil, err
	}
	now := s.now()
	return &store.VerificationRecord{
		ID: id, Type: typ, CreatedBy: c.UserID, CreatedAt: now, ExpiresAt: now.Add(RecordTTL),
	}, nil
}

func (s *Service) createRecord(ctx context.Context, r *store.VerificationRecord) error {
	if err := s.store.CreateVerificationRecord(ctx, r); err != nil {
		return fmt.Errorf("verification: storing record: %w", err)
	}
	return nil
}
