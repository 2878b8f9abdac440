package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/accountapi/accountapi"
	"github.com/accountapi/accountapi/account"
	"github.com/accountapi/accountapi/bearer"
	"github.com/accountapi/accountapi/event"
	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/store"
	"github.com/accountapi/accountapi/store/postgres"
	"github.com/accountapi/accountapi/store/sqlite"
	"github.com/accountapi/accountapi/verification"
)

// backend is a store the server opened and must close.
type backend interface {
	store.Store
	Migrate(ctx context.Context) error
	Close() error
}

// run starts the server and serves until ctx is done.
func run(ctx context.Context, cfg config, stdout io.Writer, log *slog.Logger) error {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return fmt.Errorf("migrating the store: %w", err)
	}
	// MFA secrets are sealed: with the keys given, or in development mode
	// with a key kept in a file beside the database.
	if cfg.EncryptionKeys, err = encryptionKeys(cfg, stdout); err != nil {
		return err
	}

	auth, err := authenticator(ctx, cfg, stdout)
	if err != nil {
		return err
	}
	notifier, err := notifier(cfg, log)
	if err != nil {
		return err
	}
	if len(cfg.WebhookURLs) > 0 {
		hooks, err := webhooks(cfg, log)
		if err != nil {
			return err
		}
		// Deliveries still queued at shutdown get a few seconds to go out.
		defer func() {
			closing, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := hooks.Close(closing); err != nil {
				log.Warn("webhook deliveries abandoned at shutdown", slog.Any("err", err))
			}
		}()
		cfg.events = hooks
	}
	// Expired verification records, send counters and lockout failures are
	// deleted every few minutes while the server runs.
	cfg.expire = func(v *verification.Service) { go deleteExpired(ctx, v, expireEvery, log) }
	h, err := withAccountPage(st, cfg, auth, notifier, log) // newAPI's handler, plus the page at / (page.go)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	return serve(ctx, ln, h, stdout, log)
}

// expireEvery is how often the server deletes what has expired.
const expireEvery = 5 * time.Minute

// deleteExpired runs v.DeleteExpired every interval until ctx is done.
func deleteExpired(ctx context.Context, v *verification.Service, interval time.Duration, log *slog.Logger) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		e, err := v.DeleteExpired(ctx)
		if err != nil && ctx.Err() == nil {
			log.Warn("deleting expired verification data", slog.Any("err", err))
			continue
		}
		if e != (verification.Expired{}) {
			log.Debug("deleted expired verification data",
				slog.Int("records", e.Records), slog.Int("rateLimits", e.RateLimits), slog.Int("lockouts", e.Lockouts))
		}
	}
}

// serve serves h on ln until ctx is done, then shuts down gracefully.
func serve(ctx context.Context, ln net.Listener, h http.Handler, stdout io.Writer, log *slog.Logger) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(stdout, "accountapi example server listening on http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// devPolicies are the example's sign-in-experience defaults: Logto's, with
// every MFA factor enabled so that the first curl of each MFA route works.
// PATCH /api/sign-in-exp (scope all) overrides them at run time.
func devPolicies() account.Policies {
	return account.Policies{
		MFA: account.MFAPolicy{Factors: []store.FactorType{store.FactorTOTP, store.FactorWebAuthn, store.FactorBackupCode}},
	}
}

func openStore(ctx context.Context, cfg config) (backend, error) {
	// Keep the store's username uniqueness consistent with the default
	// username policy: a case-insensitive policy wants the unique index on
	// lower(username) that WithCaseInsensitiveUsernames maintains, which
	// closes the race the policy's own look-up leaves open. (Logto's default
	// is case-sensitive, so the example opens the store without it.)
	ci := devPolicies().Username.CaseInsensitive
	if cfg.PostgresDSN != "" {
		var opts []postgres.Option
		if ci {
			opts = append(opts, postgres.WithCaseInsensitiveUsernames())
		}
		st, err := postgres.Open(ctx, cfg.PostgresDSN, opts...)
		if err != nil {
			return nil, fmt.Errorf("opening PostgreSQL: %w", err)
		}
		return st, nil
	}
	var opts []sqlite.Option
	if ci {
		opts = append(opts, sqlite.WithCaseInsensitiveUsernames())
	}
	if cfg.SQLiteSynchronousNormal {
		opts = append(opts, sqlite.WithSynchronousNormal())
	}
	st, err := sqlite.Open(cfg.DB, opts...)
	if err != nil {
		return nil, fmt.Errorf("opening SQLite file %s: %w", cfg.DB, err)
	}
	return st, nil
}

// devSettings are the account-center settings of a new database: enabled,
// every field editable (self-service deletion included, which the library
// leaves Off by default), so the first curl works. PATCH /api/account-center
// stores others.
func devSettings() store.AccountCenter {
	return store.AccountCenter{
		Enabled: true,
		Fields: store.AccountCenterFields{
			Name: store.ControlEdit, Avatar: store.ControlEdit, Profile: store.ControlEdit,
			Email: store.ControlEdit, Phone: store.ControlEdit, Password: store.ControlEdit,
			Username: store.ControlEdit, Social: store.ControlEdit, CustomData: store.ControlEdit,
			MFA: store.ControlEdit, DeleteAccount: store.ControlEdit,
		},
		WebAuthnRelatedOrigins: []string{},
	}
}

// authenticator verifies bearer tokens: against a real identity provider's
// keys when -jwks-url or -issuer is given, else with the development HS256
// secret (made up and printed, with an admin token, when not given).
func authenticator(ctx context.Context, cfg config, stdout io.Writer) (bearer.Authenticator, error) {
	if cfg.production() {
		return bearer.NewJWKS(bearer.JWKSConfig{JWKSURL: cfg.JWKSURL, Issuer: cfg.Issuer, Audience: cfg.Audience})
	}
	secret := cfg.DevSecret
	if secret == "" {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		secret = hex.EncodeToString(b)
		admin, err := mintDevToken(secret, "admin", "openid all", 24*time.Hour)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(stdout, "development secret (ACCOUNTAPI_DEV_SECRET): %s\n", secret)
		fmt.Fprintf(stdout, "admin token (scope \"all\", valid 24 h):\n%s\n", admin)
	}
	return bearer.NewHS256(bearer.HS256Config{Secret: []byte(secret)})
}

// notifier sends codes: by SMTP when configured, else to the outbox file
// when configured, else to the log (without the code).
func notifier(cfg config, log *slog.Logger) (notify.Notifier, error) {
	var fallback notify.Notifier = notify.NewSlog(notify.SlogConfig{Logger: log})
	if cfg.Outbox != "" {
		ob, err := notify.NewOutbox(notify.OutboxConfig{Path: cfg.Outbox})
		if err != nil {
			return nil, err
		}
		fallback = ob
	}
	email := fallback
	if cfg.SMTP.Host != "" {
		s, err := notify.NewSMTP(notify.SMTPConfig{
			Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, Username: cfg.SMTP.Username,
			Password: cfg.SMTP.Password, From: cfg.SMTP.From,
		})
		if err != nil {
			return nil, err
		}
		email = s
		if cfg.Outbox != "" {
			// Keep a copy of every email in the outbox too, so end-to-end
			// tests can read codes while real mail goes out.
			email = notify.Multi{s, fallback}
		}
	}
	return notify.ByChannel{Email: email, SMS: fallback}, nil
}

// webhooks returns the sink that POSTs every event to cfg.WebhookURLs,
// signed with cfg.WebhookSecret (event.VerifySignature checks it).
func webhooks(cfg config, log *slog.Logger) (*event.Webhook, error) {
	eps := make([]event.Endpoint, len(cfg.WebhookURLs))
	for i, u := range cfg.WebhookURLs {
		eps[i] = event.Endpoint{URL: u}
	}
	return event.NewWebhook(event.WebhookConfig{Endpoints: eps, Secret: []byte(cfg.WebhookSecret), Logger: log})
}

// newAPI builds the library over st with accountapi.New: the example's
// policies and account center, its notifier, connectors, events and a
// logging session revoker.
func newAPI(st store.Store, cfg config, auth bearer.Authenticator, n notify.Notifier, log *slog.Logger) (*accountapi.API, error) {
	var events event.Sink = event.Slog{Logger: log}
	if cfg.events != nil {
		logged, also := events, cfg.events
		events = event.Func(func(ctx context.Context, e event.Event) {
			logged.Emit(ctx, e)
			also.Emit(ctx, e)
		})
	}
	set, err := connectors(cfg)
	if err != nil {
		return nil, err
	}
	// The example has no sessions of its own to end; it logs where a host
	// would revoke the user's sessions and refresh tokens (after a password
	// change or reset, a suspension, a deletion).
	revoker := account.SessionRevokerFunc(func(ctx context.Context, userID string, reason account.RevokeReason) error {
		log.InfoContext(ctx, "revoke the user's sessions and tokens", slog.String("userId", userID), slog.String("reason", string(reason)))
		return nil
	})
	center := devSettings()
	api, err := accountapi.New(accountapi.Config{
		Store:          st,
		Authenticator:  auth,
		FirstParty:     accountapi.AllClientsFirstParty, // the example knows no third-party applications
		EncryptionKeys: cfg.EncryptionKeys,
		AccountCenter:  &center,
		Policies:       devPolicies(),
		// Every service sends its security notices (a changed email to the
		// old address, a new password, an MFA factor, a linked identity)
		// through the notifier that sends the codes.
		Notifier:       n,
		Connectors:     set,
		Events:         events,
		Revoker:        revoker,
		AllowedOrigins: cfg.CORSOrigins,
		Logger:         log,
	})
	if err != nil {
		return nil, err
	}
	if cfg.expire != nil {
		cfg.expire(api.Verification())
	}
	return api, nil
}

// withHealth adds GET /healthz to the API's handler.
func withHealth(api http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
	mux.Handle("/", api)
	return mux
}
