package account

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	mail "github.com/wneessen/go-mail"
)

// SMTPSecurity says how an SMTP connection is protected.
type SMTPSecurity string

// SMTP security modes. The zero value is SMTPStartTLS.
const (
	// SMTPStartTLS connects in plain text and requires STARTTLS before
	// anything else is sent (default port 587).
	SMTPStartTLS SMTPSecurity = "starttls"
	// SMTPTLS connects with TLS from the first byte (default port 465).
	SMTPTLS SMTPSecurity = "tls"
	// SMTPNone sends in plain text (default port 25). Only for a relay on
	// the same host: credentials are refused over it except to localhost.
	SMTPNone SMTPSecurity = "none"
)

// DefaultSMTPTimeout bounds connecting to and talking with the server.
const DefaultSMTPTimeout = 30 * time.Second

// SMTPConfig configures SMTPMailer. Zero Port means the security mode's
// standard port; zero Timeout DefaultSMTPTimeout.
type SMTPConfig struct {
	Host     string
	Port     int
	Security SMTPSecurity
	// Username and Password authenticate, with the strongest mechanism
	// the server offers, when Username is set.
	Username string
	Password string
	// From is the sender address of every message.
	From    string
	Timeout time.Duration
	// TLSConfig overrides the TLS settings (for a private CA); nil means
	// the system roots and ServerName Host.
	TLSConfig *tls.Config
}

func (c SMTPConfig) withDefaults() SMTPConfig {
	if c.Security == "" {
		c.Security = SMTPStartTLS
	}
	if c.Port == 0 {
		switch c.Security {
		case SMTPTLS:
			c.Port = mail.DefaultPortSSL
		case SMTPNone:
			c.Port = mail.DefaultPort
		default:
			c.Port = mail.DefaultPortTLS
		}
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultSMTPTimeout
	}
	return c
}

// Validate reports what is missing or wrong in c.
func (c SMTPConfig) Validate() error {
	switch {
	case c.Host == "":
		return errors.New("account: SMTP config needs a host")
	case c.From == "":
		return errors.New("account: SMTP config needs a sender address")
	case c.Port < 0 || c.Port > 65535:
		return fmt.Errorf("account: SMTP port %d out of range", c.Port)
	}
	switch c.Security {
	case "", SMTPStartTLS, SMTPTLS, SMTPNone:
	default:
		return fmt.Errorf("account: unknown SMTP security %q (want starttls, tls or none)", c.Security)
	}
	if _, err := NormalizeEmail(c.From); err != nil {
		return fmt.Errorf("account: SMTP sender %q is not a plain address", c.From)
	}
	return nil
}

// SMTPMailer delivers messages through an SMTP server (submission with
// STARTTLS or implicit TLS, and authentication), one connection per
// message. It uses github.com/wneessen/go-mail, a maintained client with
// STARTTLS policies, SASL mechanisms (SCRAM, PLAIN, LOGIN) and correct MIME
// encoding, which the frozen net/smtp does not provide. The mailer dials
// the connection itself so that it can close it whatever happens. It is
// safe for concurrent use.
type SMTPMailer struct {
	cfg  SMTPConfig
	tls  *tls.Config
	opts []mail.Option
}

// smtpAuthPreference returns the order in which SASL mechanisms are
// tried. The clear-text ones are sent only over TLS or to localhost
// (go-mail refuses otherwise).
func smtpAuthPreference() []mail.SMTPAuthType {
	return []mail.SMTPAuthType{mail.SMTPAuthSCRAMSHA256, mail.SMTPAuthSCRAMSHA1, mail.SMTPAuthPlain, mail.SMTPAuthLogin}
}

// NewSMTPMailer returns a mailer for cfg. It does not connect.
func NewSMTPMailer(cfg SMTPConfig) (*SMTPMailer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	tlsConfig := &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
	if cfg.TLSConfig != nil {
		tlsConfig = cfg.TLSConfig.Clone()
		if tlsConfig.ServerName == "" {
			tlsConfig.ServerName = cfg.Host
		}
	}
	opts := []mail.Option{mail.WithPort(cfg.Port), mail.WithTimeout(cfg.Timeout), mail.WithTLSConfig(tlsConfig)}
	if cfg.Security == SMTPStartTLS {
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	} else {
		// Plain text, or TLS the dialer already set up.
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	if cfg.Username != "" {
		opts = append(opts, mail.WithOpportunisticSMTPAuth(smtpAuthPreference()...),
			mail.WithUsername(cfg.Username), mail.WithPassword(cfg.Password))
	}
	// Check the options once, so a bad configuration fails at start.
	if _, err := mail.NewClient(cfg.Host, opts...); err != nil {
		return nil, fmt.Errorf("account: bad SMTP config: %w", err)
	}
	return &SMTPMailer{cfg: cfg, tls: tlsConfig, opts: opts}, nil
}

// Send delivers m, or returns an error wrapping ErrMail with the server's
// answer.
func (s *SMTPMailer) Send(ctx context.Context, m Message) error {
	msg := mail.NewMsg()
	if err := msg.From(s.cfg.From); err != nil {
		return fmt.Errorf("%w: sender: %w", ErrMail, err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("%w: recipient: %w", ErrMail, err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(mail.TypeTextPlain, m.Text)

	var (
		mu    sync.Mutex
		conns []net.Conn // guarded by mu
	)
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
		if s.cfg.Security != SMTPTLS {
			return c, nil
		}
		tc := tls.Client(c, s.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, err
		}
		return tc, nil
	}
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close() // after a clean QUIT the connection is closed already
		}
	}()
	client, err := mail.NewClient(s.cfg.Host, append(s.opts[:len(s.opts):len(s.opts)], mail.WithDialContextFunc(dial))...)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMail, err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("%w: to %s via %s:%d: %w", ErrMail, m.To, s.cfg.Host, s.cfg.Port, err)
	}
	return nil
}

// String describes the mailer without its credentials.
func (s *SMTPMailer) String() string {
	return fmt.Sprintf("account.SMTPMailer(%s:%d, %s)", s.cfg.Host, s.cfg.Port, s.cfg.Security)
}
