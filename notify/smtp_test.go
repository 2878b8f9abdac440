package notify_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/accountapi/accountapi/notify"
	"github.com/accountapi/accountapi/store"
)

// smtpServer is an in-process SMTP server (go-smtp, the real protocol) on a
// loopback port that records what it receives.
type smtpServer struct {
	addr string
	port int

	// Set before start.
	user, pass string      // when set, AUTH is required
	tls        *tls.Config // offered through STARTTLS, or spoken at once when implicit
	implicit   bool
	rejectRcpt bool
	// stall, when set, gets a value when a session reaches DATA, which then
	// waits until the test ends.
	stall   chan struct{}
	release chan struct{}

	mu    sync.Mutex
	mails []received
}

// received is one accepted transaction.
type received struct {
	from     string
	to       []string
	data     []byte
	authMech string
	authUser string
	tls      bool
}

func (s *smtpServer) start(t *testing.T) {
	t.Helper()
	be := smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{srv: s, conn: c}, nil })
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = s.tls == nil // plaintext AUTH on loopback only when there is no TLS to use
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0) // a cancelled client is expected noise
	var l net.Listener
	var err error
	l, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if s.implicit {
		l = tls.NewListener(l, s.tls)
	} else {
		srv.TLSConfig = s.tls
	}
	s.addr = l.Addr().String()
	s.port = l.Addr().(*net.TCPAddr).Port
	s.release = make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	t.Cleanup(func() {
		close(s.release)
		srv.Close()
		<-done
	})
}

func (s *smtpServer) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.mails...)
}

type session struct {
	srv      *smtpServer
	conn     *smtp.Conn
	from     string
	to       []string
	authMech string
	authUser string
}

func (se *session) AuthMechanisms() []string { return []string{sasl.Plain, sasl.Login} }

func (se *session) Auth(mech string) (sasl.Server, error) {
	check := func(username, password string) error {
		if username != se.srv.user || password != se.srv.pass {
			return errors.New("invalid credentials")
		}
		se.authMech, se.authUser = mech, username
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, username, password string) error { return check(username, password) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.srv.user != "" && se.authUser == "" {
		return smtp.ErrAuthRequired
	}
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if se.srv.rejectRcpt {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
	}
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	if se.srv.stall != nil {
		se.srv.stall <- struct{}{}
		<-se.srv.release
		return errors.New("stalled")
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := se.conn.TLSConnectionState()
	se.srv.mu.Lock()
	se.srv.mails = append(se.srv.mails, received{from: se.from, to: se.to, data: b, authMech: se.authMech, authUser: se.authUser, tls: isTLS})
	se.srv.mu.Unlock()
	return nil
}

func (se *session) Reset()        { se.from, se.to = "", nil }
func (se *session) Logout() error { return nil }

// loginServer is the server side of the LOGIN mechanism, which go-sasl has
// only as a client: ask for the user name, then the password.
type loginServer struct {
	check    func(username, password string) error
	step     int
	username string
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	l.step++
	switch l.step {
	case 1:
		if response != nil { // an initial response is the user name
			l.username = string(response)
			l.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 2:
		l.username = string(response)
		return []byte("Password:"), false, nil
	case 3:
		return nil, true, l.check(l.username, string(response))
	}
	return nil, false, sasl.ErrUnexpectedClientResponse
}

// selfSigned makes a certificate for 127.0.0.1 and localhost, and a pool
// that trusts it.
func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "notify test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

// fixedRand is deterministic randomness for Message-IDs.
type fixedRand struct{}

func (fixedRand) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 0xab
	}
	return len(p), nil
}

var testNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func testMessage() notify.Message {
	return notify.Message{
		Channel: notify.ChannelEmail, To: "ada@example.com", Type: store.TemplateUserPermission, Locale: "en-GB", Code: "381924",
		User: &notify.User{ID: "u1", Name: "Ada"}, Application: &notify.Application{ID: "app1", Name: "Demo"},
	}
}

// parsedMail is a received email, decoded.
type parsedMail struct {
	header netmail.Header
	parts  map[string]string // media type → decoded body
}

func parseMail(t *testing.T, data []byte) parsedMail {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a mail message: %v\n%s", err, data)
	}
	p := parsedMail{header: msg.Header, parts: map[string]string{}}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type: %v", err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		p.parts[mt] = decodeBody(t, msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
		return p
	}
	p.parts[mt] = ""
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart() // decodes quoted-printable itself
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("part: %v", err)
		}
		pmt, _, err := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if err != nil {
			t.Fatalf("part Content-Type: %v", err)
		}
		p.parts[pmt] = decodeBody(t, part.Header.Get("Content-Transfer-Encoding"), part)
	}
	return p
}

func decodeBody(t *testing.T, cte string, r io.Reader) string {
	t.Helper()
	if strings.EqualFold(cte, "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSMTPSendsAMultipartEmail(t *testing.T) {
	srv := &smtpServer{}
	srv.start(t)
	n, err := notify.NewSMTP(notify.SMTPConfig{
		Host: "127.0.0.1", Port: srv.port, TLS: notify.TLSNone, HELO: "test.example.com",
		From: "Example Accounts <no-reply@accounts.example.com>", Now: func() time.Time { return testNow }, Rand: fixedRand{},
	})
	if err != nil {
		t.Fatalf("NewSMTP: %v", err)
	}
	m := testMessage()
	if err := n.Notify(context.Background(), m); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	mails := srv.received()
	if len(mails) != 1 {
		t.Fatalf("server got %d mails, want 1", len(mails))
	}
	got := mails[0]
	if got.from != "no-reply@accounts.example.com" || len(got.to) != 1 || got.to[0] != "ada@example.com" {
		t.Errorf("envelope from %q to %q", got.from, got.to)
	}
	if got.tls || got.authUser != "" {
		t.Errorf("tls %v, auth %q; want neither", got.tls, got.authUser)
	}
	mail := parseMail(t, got.data)
	headers := map[string]string{
		"Subject":        "Confirm it's you",
		"To":             "<ada@example.com>",
		"Date":           "Sat, 01 Mar 2025 12:00:00 +0000",
		"Message-Id":     "<abababababababababababababababab@accounts.example.com>",
		"Auto-Submitted": "auto-generated",
	}
	for h, want := range headers {
		if got := decodeHeader(t, mail.header.Get(h)); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if from := decodeHeader(t, mail.header.Get("From")); !strings.Contains(from, "Example Accounts") || !strings.Contains(from, "<no-reply@accounts.example.com>") {
		t.Errorf("From = %q", from)
	}
	if lang := mail.header.Get("Content-Language"); lang != "en" {
		t.Errorf("Content-Language = %q, want en", lang)
	}
	if _, ok := mail.parts["multipart/alternative"]; !ok {
		t.Fatalf("not multipart/alternative: %v", mail.header.Get("Content-Type"))
	}
	text, html := mail.parts["text/plain"], mail.parts["text/html"]
	if !strings.Contains(text, "Your verification code is 381924.") || !strings.Contains(text, "Hi Ada,") {
		t.Errorf("text part:\n%s", text)
	}
	if !strings.Contains(html, ">381924</p>") || !strings.Contains(html, "<!DOCTYPE html>") {
		t.Errorf("html part:\n%s", html)
	}
}

func TestSMTPAuth(t *testing.T) {
	tests := []struct {
		name     string
		auth     notify.SMTPAuth
		password string
		wantMech string
		wantErr  bool
	}{
		{"default is PLAIN", "", "s3cret", sasl.Plain, false},
		{"PLAIN", notify.AuthPlain, "s3cret", sasl.Plain, false},
		{"LOGIN", notify.AuthLogin, "s3cret", sasl.Login, false},
		{"wrong password", notify.AuthPlain, "guess", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := &smtpServer{user: "mailer", pass: "s3cret"}
			srv.start(t)
			n, err := notify.NewSMTP(notify.SMTPConfig{
				Host: "127.0.0.1", Port: srv.port, TLS: notify.TLSNone, From: "no-reply@example.com",
				Username: "mailer", Password: tt.password, Auth: tt.auth,
			})
			if err != nil {
				t.Fatalf("NewSMTP: %v", err)
			}
			m := testMessage()
			err = n.Notify(context.Background(), m)
			if tt.wantErr {
				if err == nil {
					t.Fatal("Notify succeeded with a wrong password")
				}
				if strings.Contains(err.Error(), m.Code) || strings.Contains(err.Error(), tt.password) {
					t.Errorf("the error leaks a secret: %v", err)
				}
				if len(srv.received()) != 0 {
					t.Error("a mail was accepted")
				}
				return
			}
			if err != nil {
				t.Fatalf("Notify: %v", err)
			}
			mails := srv.received()
			if len(mails) != 1 || mails[0].authMech != tt.wantMech || mails[0].authUser != "mailer" {
				t.Errorf("received %+v, want one mail authenticated by %s as mailer", mails, tt.wantMech)
			}
		})
	}
}

func TestSMTPRejectedRecipientIsAnError(t *testing.T) {
	srv := &smtpServer{rejectRcpt: true}
	srv.start(t)
	n, err := notify.NewSMTP(notify.SMTPConfig{Host: "127.0.0.1", Port: srv.port, TLS: notify.TLSNone, From: "no-reply@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	m := testMessage()
	err = n.Notify(context.Background(), m)
	if err == nil {
		t.Fatal("Notify succeeded though the server refused the recipient")
	}
	if errors.Is(err, notify.ErrTemplateNotFound) || errors.Is(err, notify.ErrNoNotifier) {
		t.Errorf("a refusal is a delivery failure, got %v", err)
	}
	if !strings.Contains(err.Error(), "550") {
		t.Errorf("error lacks the server's reply: %v", err)
	}
	if strings.Contains(err.Error(), m.Code) {
		t.Errorf("error holds the code: %v", err)
	}
}

func TestSMTPTLS(t *testing.T) {
	serverTLS, trusted := selfSigned(t)
	plain := func() *smtpServer { return &smtpServer{} }
	withTLS := func() *smtpServer { return &smtpServer{tls: serverTLS} }
	withTLSAndAuth := func() *smtpServer { return &smtpServer{tls: serverTLS, user: "mailer", pass: "s3cret"} }
	implicit := func() *smtpServer { return &smtpServer{tls: serverTLS, implicit: true} }
	implicitWithAuth := func() *smtpServer { return &smtpServer{tls: serverTLS, implicit: true, user: "mailer", pass: "s3cret"} }
	tests := []struct {
		name     string
		server   func() *smtpServer
		policy   notify.TLSPolicy
		roots    *x509.CertPool // nil: the system roots, which do not know our certificate
		host     string
		wantErr  bool
		wantTLS  bool
		withAuth bool
	}{
		{"STARTTLS with AUTH", withTLSAndAuth, notify.TLSMandatory, trusted, "127.0.0.1", false, true, true},
		{"STARTTLS by host name", withTLS, notify.TLSMandatory, trusted, "localhost", false, true, false},
		{"STARTTLS required but not offered", plain, notify.TLSMandatory, trusted, "127.0.0.1", true, false, false},
		{"untrusted certificate", withTLS, notify.TLSMandatory, nil, "127.0.0.1", true, false, false},
		{"opportunistic uses STARTTLS", withTLS, notify.TLSOpportunistic, trusted, "127.0.0.1", false, true, false},
		{"opportunistic without STARTTLS", plain, notify.TLSOpportunistic, trusted, "127.0.0.1", false, false, false},
		{"opportunistic still verifies", withTLS, notify.TLSOpportunistic, nil, "127.0.0.1", true, false, false},
		{"implicit TLS with AUTH", implicitWithAuth, notify.TLSImplicit, trusted, "127.0.0.1", false, true, true},
		{"implicit TLS, untrusted", implicit, notify.TLSImplicit, nil, "127.0.0.1", true, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := tt.server()
			srv.start(t)
			cfg := notify.SMTPConfig{Host: tt.host, Port: srv.port, TLS: tt.policy, From: "no-reply@example.com"}
			if tt.roots != nil {
				cfg.TLSConfig = &tls.Config{RootCAs: tt.roots, MinVersion: tls.VersionTLS12}
			}
			if tt.withAuth {
				cfg.Username, cfg.Password = "mailer", "s3cret"
			}
			n, err := notify.NewSMTP(cfg)
			if err != nil {
				t.Fatalf("NewSMTP: %v", err)
			}
			err = n.Notify(context.Background(), testMessage())
			if tt.wantErr {
				if err == nil {
					t.Fatal("Notify succeeded, want an error")
				}
				if len(srv.received()) != 0 {
					t.Error("a mail was accepted")
				}
				return
			}
			if err != nil {
				t.Fatalf("Notify: %v", err)
			}
			mails := srv.received()
			if len(mails) != 1 || mails[0].tls != tt.wantTLS {
				t.Fatalf("received %d mails (tls %v), want 1 with tls %v", len(mails), len(mails) == 1 && mails[0].tls, tt.wantTLS)
			}
			if tt.withAuth && mails[0].authUser != "mailer" {
				t.Errorf("not authenticated: %+v", mails[0])
			}
		})
	}
}

func TestSMTPCancelAbortsADelivery(t *testing.T) {
	srv := &smtpServer{stall: make(chan struct{}, 1)}
	srv.start(t)
	n, err := notify.NewSMTP(notify.SMTPConfig{Host: "127.0.0.1", Port: srv.port, TLS: notify.TLSNone, From: "no-reply@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-srv.stall // the server is in DATA and will not answer
		cancel()
	}()
	err = n.Notify(ctx, testMessage())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestSMTPRefusesWhatItCannotSend(t *testing.T) {
	// No server: these fail before connecting.
	n, err := notify.NewSMTP(notify.SMTPConfig{Host: "127.0.0.1", Port: 1, TLS: notify.TLSNone, From: "no-reply@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(*notify.Message)
		want error
	}{
		{"sms", func(m *notify.Message) { m.Channel, m.To = notify.ChannelSMS, "15550100" }, notify.ErrNoNotifier},
		{"unknown type", func(m *notify.Message) { m.Type = "Welcome" }, notify.ErrTemplateNotFound},
		{"no code", func(m *notify.Message) { m.Code = "" }, notify.ErrInvalidMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := testMessage()
			tt.edit(&m)
			if err := n.Notify(context.Background(), m); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSMTPUsesConfiguredTemplates(t *testing.T) {
	srv := &smtpServer{}
	srv.start(t)
	tpl, err := notify.NewTemplates(notify.TemplatesConfig{Overrides: []notify.Template{{
		Locale: "fr", Type: store.TemplateUserPermission, Subject: "Vérifiez qu'il s'agit bien de vous", Text: "Code : {{.Code}}",
	}}})
	if err != nil {
		t.Fatal(err)
	}
	n, err := notify.NewSMTP(notify.SMTPConfig{Host: "127.0.0.1", Port: srv.port, TLS: notify.TLSNone, From: "no-reply@example.com", Templates: tpl})
	if err != nil {
		t.Fatal(err)
	}
	m := testMessage()
	m.Locale = "fr-FR"
	if err := n.Notify(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	mails := srv.received()
	if len(mails) != 1 {
		t.Fatalf("%d mails", len(mails))
	}
	mail := parseMail(t, mails[0].data)
	if got := decodeHeader(t, mail.header.Get("Subject")); got != "Vérifiez qu'il s'agit bien de vous" {
		t.Errorf("Subject = %q", got)
	}
	if got := mail.header.Get("Content-Language"); got != "fr" {
		t.Errorf("Content-Language = %q", got)
	}
	if body, ok := mail.parts["text/plain"]; !ok || len(mail.parts) != 1 || strings.TrimSpace(body) != "Code : 381924" {
		t.Errorf("want a text-only email, got parts %v", mail.parts)
	}
}

func TestNewSMTPRejectsBadConfig(t *testing.T) {
	ok := notify.SMTPConfig{Host: "smtp.example.com", From: "no-reply@example.com"}
	tests := []struct {
		name string
		edit func(*notify.SMTPConfig)
	}{
		{"no host", func(c *notify.SMTPConfig) { c.Host = "" }},
		{"no from", func(c *notify.SMTPConfig) { c.From = "" }},
		{"bad from", func(c *notify.SMTPConfig) { c.From = "not an address" }},
		{"port out of range", func(c *notify.SMTPConfig) { c.Port = 70000 }},
		{"unknown TLS policy", func(c *notify.SMTPConfig) { c.TLS = 9 }},
		{"negative timeout", func(c *notify.SMTPConfig) { c.Timeout = -1 }},
		{"password without user", func(c *notify.SMTPConfig) { c.Password = "x" }},
		{"auth without user", func(c *notify.SMTPConfig) { c.Auth = notify.AuthLogin }},
		{"unknown auth", func(c *notify.SMTPConfig) { c.Username, c.Auth = "u", "CRAM-MD5" }},
		{"credentials in clear to a remote host", func(c *notify.SMTPConfig) { c.Username, c.Password, c.TLS = "u", "p", notify.TLSNone }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.edit(&cfg)
			if _, err := notify.NewSMTP(cfg); err == nil {
				t.Error("NewSMTP succeeded, want an error")
			}
		})
	}
	for _, host := range []string{"localhost", "127.0.0.1", "127.0.0.2", "::1"} {
		if _, err := notify.NewSMTP(notify.SMTPConfig{Host: host, From: "a@example.com", Username: "u", Password: "p", TLS: notify.TLSNone}); err != nil {
			t.Errorf("credentials in clear to loopback %s refused: %v", host, err)
		}
	}
}

func decodeHeader(t *testing.T, v string) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(v)
	if err != nil {
		t.Fatalf("header %q: %v", v, err)
	}
	return s
}
