package main

import (
	"crypto/rand"
	"embed"
	"encoding/hex"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/accountapi/accountapi/bearer"
	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/store"
)

// web holds the account page: plain HTML, CSS and JavaScript, served as
// they are (no build step, no third-party bundle). The page talks to the
// Account API as any front end would: a bearer token, JSON, the
// logto-verification-id header for identity proof.
//
//go:embed web
var web embed.FS

// withAccountPage returns the example server's handler: the API newAPI
// builds, GET /healthz, the account page at / and its files under /static/,
// and in development mode the development routes of devsignin.go. In
// development it also gives newAPI a notifier that keeps the messages sent
// for the page's development panel, which is why it builds the API rather
// than being given one.
func withAccountPage(st store.Store, cfg config, auth bearer.Authenticator, n notify.Notifier, log *slog.Logger) (http.Handler, error) {
	files, err := fs.Sub(web, "web")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", pageHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, files, "index.html")
	})))
	static := http.StripPrefix("/static/", http.FileServerFS(files))
	mux.Handle("GET /static/", pageHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") { // no directory listings
			http.NotFound(w, r)
			return
		}
		static.ServeHTTP(w, r)
	})))

	if cfg.production() {
		api, err := newAPI(st, cfg, auth, n, log)
		if err != nil {
			return nil, err
		}
		mux.Handle("/", withHealth(api.Handler()))
		return mux, nil
	}

	// DEVELOPMENT ONLY from here on.
	secret := cfg.DevSecret
	if secret == "" {
		// The server made its development secret up and only printed it
		// (see authenticator): the page's tokens get a key of their own,
		// which the API accepts as well.
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		secret = hex.EncodeToString(b)
		own, err := bearer.NewHS256(bearer.HS256Config{Secret: []byte(secret)})
		if err != nil {
			return nil, err
		}
		auth = eitherAuthenticator{auth, own}
	}
	rec := &recorder{next: n, now: time.Now}
	api, err := newAPI(st, cfg, auth, rec, log)
	if err != nil {
		return nil, err
	}
	// The sign-in checks passwords with the API's hasher and reports
	// failures to its lockout sentinel: lockout counts live in the store,
	// so they are shared with POST /api/verifications/password.
	hasher, sentinel := api.Hasher(), api.Verification().Sentinel()
	mux.Handle("POST /dev/sign-in", &devSignIn{users: st, hasher: hasher, sentinel: sentinel, secret: secret, log: log})
	mux.Handle("GET /dev/outbox", &devOutbox{rec: rec, auth: auth, log: log})
	mux.Handle("GET /dev/config", &devConfig{settings: api.Settings(), log: log})
	mux.Handle("/", withHealth(api.Handler()))
	return mux, nil
}

// pageCSP lets the page run only its own script and style, talk only to its
// own origin, and show images from anywhere (avatars) and data: URLs (the
// TOTP QR code).
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https: http:; " +
	"connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"

// pageHeaders sets the security headers of the page and its files.
func pageHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", pageCSP)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}
