package notify

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"time"

	"github.com/wneessen/go-mail"
)

// TLSPolicy says how an [SMTP] notifier protects its connection.
type TLSPolicy int

// The TLS policies. The zero value is TLSMandatory.
const (
	// TLSMandatory connects in clear and requires STARTTLS (RFC 3207): a
	// server that does not offer it, or whose certificate does not verify,
	// gets nothing. Default port 587.
	TLSMandatory TLSPolicy = iota
	// TLSOpportunistic uses STARTTLS when the server offers it and sends in
	// clear otherwise; a certificate that does not verify is still an error.
	// Credentials are never sent in clear to a host other than localhost,
	// 127.0.0.1 or ::1. Default port 587.
	TLSOpportunistic
	// TLSImplicit speaks TLS from the first byte ("SMTPS", RFC 8314).
	// Default port 465.
	TLSImplicit
	// TLSNone never encrypts. NewSMTP accepts it with credentials only for a
	// loopback host. Default port 25.
	TLSNone
)

func (p TLSPolicy) String() string {
	switch p {
	case TLSMandatory:
		return "mandatory STARTTLS"
	case TLSOpportunistic:
		return "opportunistic STARTTLS"
	case TLSImplicit:
		return "implicit TLS"
	case TLSNone:
		return "no TLS"
	}
	return fmt.Sprintf("TLSPolicy(%d)", int(p))
}

// SMTPAuth is an SMTP AUTH mechanism (RFC 4954).
type SMTPAuth string

// The supported mechanisms.
const (
	// AuthPlain is SASL PLAIN (RFC 4616).
	AuthPlain SMTPAuth = "PLAIN"
	// AuthLogin is the LOGIN mechanism some older servers still require.
	AuthLogin SMTPAuth = "LOGIN"
)

// SMTPConfig configures [NewSMTP].
type SMTPConfig struct {
	// Host is the SMTP server's host name or IP address; required. It is
	// also the name its certificate must be valid for, unless TLSConfig sets
	// ServerName.
	Host string
	// Port is the server's port. Default: 587, or 465 with TLSImplicit, or
	// 25 with TLSNone.
	Port int
	// TLS is the TLS policy. Default: TLSMandatory, for every host,
	// loopback ones included: a local relay without STARTTLS must be
	// declared with TLSNone, so that a configuration tried on a laptop
	// cannot silently send in clear in production.
	TLS TLSPolicy
	// TLSConfig is the client TLS configuration, e.g. to trust a private CA
	// through RootCAs. Default: the system roots, ServerName Host, TLS 1.2
	// or later. A config without ServerName gets Host.
	TLSConfig *tls.Config

	// Username and Password authenticate with SMTP AUTH when Username is
	// set. Default: no authentication.
	Username string
	Password string
	// Auth is the AUTH mechanism. Default: AuthPlain. Only with Username.
	Auth SMTPAuth

	// From is the sender, an address with an optional display name, e.g.
	// `Example <no-reply@example.com>`; required. Its domain also names the
	// Message-ID.
	From string
	// HELO is the name sent in EHLO. Default: the machine's host name.
	HELO string
	// Timeout bounds connecting and each SMTP command, on top of the
	// caller's context. Default: 15 seconds.
	Timeout time.Duration

	// Templates renders the messages. Default: the default texts
	// (NewTemplates with a zero TemplatesConfig).
	Templates *Templates
	// Now stamps the Date header. Default: time.Now.
	Now func() time.Time
	// Rand makes Message-IDs. Default: crypto/rand.Reader.
	Rand io.Reader
}

// SMTP is a [Notifier] that sends email through an SMTP server, with
// github.com/wneessen/go-mail. Each message is rendered with the
// configured [Templates] into a multipart/alternative email (text and HTML)
// or a plain-text one when the template has no HTML, and sent over a
// connection of its own, closed afterwards. It carries only the email
// channel: an SMS message gets an error wrapping [ErrNoNotifier]; route SMS
// elsewhere with [ByChannel].
//
// Cancelling the context aborts a delivery in progress: the connection is
// closed at once.
type SMTP struct {
	host      string
	port      int
	policy    TLSPolicy
	tlsConfig *tls.Config
	username  string
	password  string
	auth      mail.SMTPAuthType
	from      string
	domain    string
	helo      string
	timeout   time.Duration
	templates *Templates
	now       func() time.Time
	rand      io.Reader
}

var _ Notifier = (*SMTP)(nil)

// NewSMTP checks cfg and returns an SMTP notifier. It does not connect.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	s := &SMTP{
		host:      cfg.Host,
		port:      cfg.Port,
		policy:    cfg.TLS,
		username:  cfg.Username,
		password:  cfg.Password,
		helo:      cfg.HELO,
		timeout:   cfg.Timeout,
		templates: cfg.Templates,
		now:       cfg.Now,
		rand:      cfg.Rand,
	}
	if s.host == "" {
		return nil, errors.New("notify: smtp: Host is required")
	}
	if s.policy < TLSMandatory || s.policy > TLSNone {
		return nil, fmt.Errorf("notify: smtp: unknown %v", s.policy)
	}
	switch {
	case s.port < 0 || s.port > 65535:
		return nil, fmt.Errorf("notify: smtp: Port %d out of range", s.port)
	case s.port != 0:
	case s.policy == TLSImplicit:
		s.port = 465
	case s.policy == TLSNone:
		s.port = 25
	default:
		s.port = 587
	}
	if s.timeout < 0 {
		return nil, errors.New("notify: smtp: Timeout must not be negative")
	}
	if s.timeout == 0 {
		s.timeout = 15 * time.Second
	}

	from, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("notify: smtp: From %q: %w", cfg.From, err)
	}
	s.from = from.String()
	s.domain = from.Address[strings.LastIndexByte(from.Address, '@')+1:]

	if cfg.TLSConfig != nil {
		s.tlsConfig = cfg.TLSConfig.Clone()
	} else {
		s.tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if s.tlsConfig.ServerName == "" {
		s.tlsConfig.ServerName = s.host
	}

	switch {
	case cfg.Username == "" && (cfg.Password != "" || cfg.Auth != ""):
		return nil, errors.New("notify: smtp: Password and Auth need a Username")
	case cfg.Username == "":
		s.auth = mail.SMTPAuthNoAuth
	case s.policy == TLSNone && !isLoopback(s.host):
		return nil, fmt.Errorf("notify: smtp: refusing to send credentials in clear to %s; use a TLS policy other than TLSNone", s.host)
	default:
		// go-mail refuses PLAIN and LOGIN over a connection without TLS
		// except to "localhost", "127.0.0.1" and "::1"; with TLSNone we
		// have checked the host is a loopback one, so let it through.
		noEnc := s.policy == TLSNone
		switch cfg.Auth {
		case "", AuthPlain:
			s.auth = pick(noEnc, mail.SMTPAuthPlainNoEnc, mail.SMTPAuthPlain)
		case AuthLogin:
			s.auth = pick(noEnc, mail.SMTPAuthLoginNoEnc, mail.SMTPAuthLogin)
		default:
			return nil, fmt.Errorf("notify: smtp: unsupported Auth %q", cfg.Auth)
		}
	}

	if s.templates == nil {
		if s.templates, err = NewTemplates(TemplatesConfig{}); err != nil {
			return nil, err
		}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	return s, nil
}

func pick[T any](cond bool, yes, no T) T {
	if cond {
		return yes
	}
	return no
}

// isLoopback reports whether host names this machine: "localhost" or a
// loopback IP address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// Notify renders m and sends it. It returns an error wrapping
// [ErrNoNotifier] for an SMS message, [ErrTemplateNotFound] when no template
// fits, ctx's error when ctx ended first, and go-mail's error (which
// carries the server's reply) when the server refused.
func (s *SMTP) Notify(ctx context.Context, m Message) error {
	if err := m.check(); err != nil {
		return err
	}
	if m.Channel != ChannelEmail {
		return fmt.Errorf("%w: the SMTP notifier carries email only, not %q", ErrNoNotifier, m.Channel)
	}
	r, err := s.templates.Render(m)
	if err != nil {
		return err
	}
	msg, err := s.message(m.To, r)
	if err != nil {
		return err
	}

	// One connection per message, dialled by us so that the context can
	// close it: go-mail honours the context only while dialling, and does
	// not close a connection whose STARTTLS or AUTH failed.
	var cc closeOnCancel
	defer cc.close()
	stop := context.AfterFunc(ctx, cc.close)
	defer stop()
	dial := func(dctx context.Context, network, addr string) (net.Conn, error) {
		d := &net.Dialer{}
		var c net.Conn
		var err error
		if s.policy == TLSImplicit {
			c, err = (&tls.Dialer{NetDialer: d, Config: s.tlsConfig}).DialContext(dctx, network, addr)
		} else {
			c, err = d.DialContext(dctx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		if !cc.set(c) {
			return nil, net.ErrClosed
		}
		return c, nil
	}
	client, err := mail.NewClient(s.host, s.options(dial)...)
	if err != nil {
		return fmt.Errorf("notify: smtp: %w", err)
	}

	err = s.send(ctx, client, msg)
	if ctx.Err() != nil {
		return fmt.Errorf("notify: smtp: %w (%v)", ctx.Err(), err)
	}
	if err != nil {
		return fmt.Errorf("notify: smtp: %w", err)
	}
	return nil
}

// closeOnCancel holds the connection of one delivery so that another
// goroutine (the context's AfterFunc) can close it.
type closeOnCancel struct {
	mu     sync.Mutex
	conn   net.Conn
	closed bool
}

// set records conn; it closes conn and returns false if close came first.
func (c *closeOnCancel) set(conn net.Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		conn.Close()
		return false
	}
	c.conn = conn
	return true
}

func (c *closeOnCancel) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

func (s *SMTP) send(ctx context.Context, client *mail.Client, msg *mail.Msg) error {
	sc, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return err
	}
	if err := client.SendWithSMTPClient(sc, msg); err != nil {
		_ = client.CloseWithSMTPClient(sc)
		return err
	}
	// The server has accepted the message: a failing QUIT does not undo that.
	_ = client.CloseWithSMTPClient(sc)
	return nil
}

func (s *SMTP) options(dial mail.DialContextFunc) []mail.Option {
	opts := []mail.Option{
		mail.WithPort(s.port),
		mail.WithTimeout(s.timeout),
		mail.WithTLSConfig(s.tlsConfig),
		mail.WithDialContextFunc(dial),
	}
	switch s.policy {
	case TLSMandatory:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case TLSOpportunistic:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	case TLSImplicit:
		// Our dialler already speaks TLS; WithSSL stops go-mail from
		// trying STARTTLS on top.
		opts = append(opts, mail.WithSSL(), mail.WithTLSPolicy(mail.NoTLS))
	case TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	if s.helo != "" {
		opts = append(opts, mail.WithHELO(s.helo))
	}
	if s.auth != mail.SMTPAuthNoAuth {
		opts = append(opts, mail.WithSMTPAuth(s.auth), mail.WithUsername(s.username), mail.WithPassword(s.password))
	}
	return opts
}

// message builds the email.
func (s *SMTP) message(to string, r Rendered) (*mail.Msg, error) {
	id := make([]byte, 16)
	if _, err := io.ReadFull(s.rand, id); err != nil {
		return nil, fmt.Errorf("notify: smtp: message id: %w", err)
	}
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := msg.From(s.from); err != nil {
		return nil, fmt.Errorf("notify: smtp: From: %w", err)
	}
	if err := msg.To(to); err != nil {
		return nil, fmt.Errorf("notify: smtp: recipient: %w", err)
	}
	msg.Subject(r.Subject)
	msg.SetDateWithValue(s.now())
	msg.SetMessageIDWithValue(hex.EncodeToString(id) + "@" + s.domain)
	msg.SetGenHeader(mail.HeaderContentLang, r.Language)
	// RFC 3834: an automatic message; vacation responders stay quiet.
	msg.SetGenHeader(mail.Header("Auto-Submitted"), "auto-generated")
	msg.SetBodyString(mail.TypeTextPlain, r.Text)
	if r.HTML != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, r.HTML)
	}
	return msg, nil
}
