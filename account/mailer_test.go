package account

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestOutboxMailer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	clock := newFakeClock()
	m := NewOutboxMailer(path, "pds@example.com", clock.Now)
	if got, err := ReadOutbox(path); err != nil || len(got) != 0 {
		t.Fatalf("missing outbox: %v, %v", got, err)
	}
	msgs := []Message{
		{To: "alice@example.com", Subject: "Email Confirmation", Text: "code ABCDE-FGHIJ\nline two"},
		{To: "bob@example.com", Subject: "Password Reset Requested", Text: "ünïcode ✓"},
	}
	for _, msg := range msgs {
		if err := m.Send(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
	}
	got, err := ReadOutbox(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d entries", len(got))
	}
	for i, e := range got {
		if e.From != "pds@example.com" || e.To != msgs[i].To || e.Subject != msgs[i].Subject || e.Text != msgs[i].Text ||
			!e.Time.Equal(newFakeClock().Now().Add(time.Duration(i)*time.Second)) {
			t.Errorf("entry %d: %+v", i, e)
		}
	}
	raw, _ := os.ReadFile(path)
	if strings.Count(string(raw), "\n") != 2 {
		t.Errorf("not one line per message:\n%s", raw)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("outbox mode %v, %v", fi.Mode(), err)
	}

	// Failures are returned.
	if err := m.Send(context.Background(), Message{}); !errors.Is(err, ErrMail) {
		t.Errorf("no recipient: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Send(ctx, msgs[0]); !errors.Is(err, ErrMail) {
		t.Errorf("cancelled: %v", err)
	}
	bad := NewOutboxMailer(filepath.Join(t.TempDir(), "missing", "dir", "outbox"), "x@example.com", nil)
	if err := bad.Send(context.Background(), msgs[0]); !errors.Is(err, ErrMail) {
		t.Errorf("unwritable outbox: %v", err)
	}
	if err := os.WriteFile(path, []byte("{not json}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadOutbox(path); err == nil {
		t.Error("a corrupt outbox reads")
	}
}

func TestOutboxMailerConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	m := NewOutboxMailer(path, "pds@example.com", nil)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if err := m.Send(context.Background(), Message{To: fmt.Sprintf("u%d@example.com", i), Subject: "s", Text: strings.Repeat("x", 5000)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, err := ReadOutbox(path)
	if err != nil || len(got) != 20 {
		t.Fatalf("%d entries, %v", len(got), err)
	}
}

// testSMTP is a minimal SMTP server for tests: EHLO, STARTTLS, AUTH
// PLAIN and LOGIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT. It listens on
// 127.0.0.1 only.
type testSMTP struct {
	ln          net.Listener
	tls         *tls.Config // offered with STARTTLS when set (and not implicit)
	implicitTLS bool
	user, pass  string // AUTH required when user is set
	rejectRcpt  bool
	host        string // listen address; default 127.0.0.1

	wg sync.WaitGroup
	mu sync.Mutex
	// Guarded by mu.
	got   []smtpDelivery
	auths int // AUTH commands received
}

func (s *testSMTP) sawAuth() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.auths > 0
}

type smtpDelivery struct {
	from, to string
	data     string
	authed   bool
	tls      bool
}

func startTestSMTP(t *testing.T, s *testSMTP) int {
	t.Helper()
	return startTestSMTPOn(t, s, "127.0.0.1")
}

func startTestSMTPOn(t *testing.T, s *testSMTP, host string) int {
	t.Helper()
	ln, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	if s.implicitTLS {
		ln = tls.NewListener(ln, s.tls)
	}
	s.ln = ln
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Go(func() { s.serve(c) })
		}
	})
	t.Cleanup(func() {
		_ = ln.Close()
		s.wg.Wait()
	})
	return ln.Addr().(*net.TCPAddr).Port
}

func (s *testSMTP) deliveries() []smtpDelivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]smtpDelivery(nil), s.got...)
}

func (s *testSMTP) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(c)
	reply := func(lines ...string) { _ = tp.PrintfLine("%s", strings.Join(lines, "\r\n")) }
	_, isTLS := c.(*tls.Conn)
	var authed bool
	var cur smtpDelivery
	reply("220 127.0.0.1 ESMTP test")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			lines := []string{"250-127.0.0.1"}
			if s.tls != nil && !isTLS {
				lines = append(lines, "250-STARTTLS")
			}
			if s.user != "" {
				lines = append(lines, "250-AUTH PLAIN LOGIN")
			}
			reply(append(lines, "250 8BITMIME")...)
		case "HELO", "NOOP", "RSET":
			reply("250 ok")
		case "STARTTLS":
			if s.tls == nil || isTLS {
				reply("502 not offered")
				continue
			}
			reply("220 ready")
			tc := tls.Server(c, s.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			c, isTLS = tc, true
			tp = textproto.NewConn(tc)
		case "AUTH":
			s.mu.Lock()
			s.auths++
			s.mu.Unlock()
			mech, initial, _ := strings.Cut(arg, " ")
			var user, pass string
			switch strings.ToUpper(mech) {
			case "PLAIN":
				if initial == "" {
					reply("334 ")
					if initial, err = tp.ReadLine(); err != nil {
						return
					}
				}
				raw, _ := base64.StdEncoding.DecodeString(initial)
				parts := strings.Split(string(raw), "\x00")
				if len(parts) == 3 {
					user, pass = parts[1], parts[2]
				}
			case "LOGIN":
				ask := func(prompt, first string) string {
					if first == "" {
						reply("334 " + base64.StdEncoding.EncodeToString([]byte(prompt)))
						first, _ = tp.ReadLine()
					}
					b, _ := base64.StdEncoding.DecodeString(first)
					return string(b)
				}
				user = ask("Username:", initial)
				pass = ask("Password:", "")
			default:
				reply("504 unknown mechanism")
				continue
			}
			if user == s.user && pass == s.pass {
				authed = true
				reply("235 2.7.0 authenticated")
			} else {
				reply("535 5.7.8 bad credentials")
			}
		case "MAIL":
			if s.user != "" && !authed {
				reply("530 5.7.0 authentication required")
				continue
			}
			cur = smtpDelivery{from: addrArg(arg), authed: authed, tls: isTLS}
			reply("250 ok")
		case "RCPT":
			if s.rejectRcpt {
				reply("550 5.1.1 no such user")
				continue
			}
			cur.to = addrArg(arg)
			reply("250 ok")
		case "DATA":
			reply("354 end with .")
			data, err := io.ReadAll(tp.DotReader())
			if err != nil {
				return
			}
			cur.data = string(data)
			s.mu.Lock()
			s.got = append(s.got, cur)
			s.mu.Unlock()
			reply("250 ok queued")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 unknown command")
		}
	}
}

// addrArg extracts the address of "FROM:<a@b> ..." or "TO:<a@b>".
func addrArg(arg string) string {
	i, j := strings.IndexByte(arg, '<'), strings.IndexByte(arg, '>')
	if i < 0 || j < i {
		return ""
	}
	return arg[i+1 : j]
}

// selfSignedTLS returns a server config with a fresh certificate for
// 127.0.0.1 and a client config that trusts it.
func selfSignedTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
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
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
	client = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	return server, client
}

// bodyText decodes the text of a delivered message.
func bodyText(t *testing.T, data string) (*netmail.Message, string) {
	t.Helper()
	msg, err := netmail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatalf("not a message: %v\n%s", err, data)
	}
	var r io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return msg, strings.ReplaceAll(string(b), "\r\n", "\n")
}

func TestSMTPMailer(t *testing.T) {
	serverTLS, clientTLS := selfSignedTLS(t)
	msg := Message{To: "alice@example.com", Subject: "Email Confirmation", Text: "Your code:\n\n    ABCDE-FGHIJ\n\nünïcode ✓\n"}
	for _, tc := range []struct {
		name   string
		server *testSMTP
		cfg    SMTPConfig
		authed bool
		tls    bool
	}{
		{"plain with auth on localhost", &testSMTP{user: "u", pass: "s3cret-pw"},
			SMTPConfig{Security: SMTPNone, Username: "u", Password: "s3cret-pw"}, true, false},
		{"plain without auth", &testSMTP{},
			SMTPConfig{Security: SMTPNone}, false, false},
		{"starttls with auth", &testSMTP{tls: serverTLS, user: "u", pass: "s3cret-pw"},
			SMTPConfig{Security: SMTPStartTLS, Username: "u", Password: "s3cret-pw", TLSConfig: clientTLS}, true, true},
		{"implicit tls", &testSMTP{tls: serverTLS, implicitTLS: true},
			SMTPConfig{Security: SMTPTLS, TLSConfig: clientTLS}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			port := startTestSMTP(t, tc.server)
			cfg := tc.cfg
			cfg.Host, cfg.Port, cfg.From, cfg.Timeout = "127.0.0.1", port, "pds@example.com", 5*time.Second
			m, err := NewSMTPMailer(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Send(context.Background(), msg); err != nil {
				t.Fatal(err)
			}
			got := tc.server.deliveries()
			if len(got) != 1 {
				t.Fatalf("%d deliveries", len(got))
			}
			d := got[0]
			if d.from != "pds@example.com" || d.to != "alice@example.com" || d.authed != tc.authed || d.tls != tc.tls {
				t.Errorf("delivery from %q to %q authed %v tls %v", d.from, d.to, d.authed, d.tls)
			}
			parsed, text := bodyText(t, d.data)
			if parsed.Header.Get("Subject") != msg.Subject || !strings.Contains(parsed.Header.Get("From"), "pds@example.com") ||
				!strings.Contains(parsed.Header.Get("To"), "alice@example.com") || parsed.Header.Get("Date") == "" {
				t.Errorf("headers %v", parsed.Header)
			}
			if !strings.HasPrefix(parsed.Header.Get("Content-Type"), "text/plain") {
				t.Errorf("content type %q", parsed.Header.Get("Content-Type"))
			}
			if strings.TrimRight(text, "\n") != strings.TrimRight(msg.Text, "\n") {
				t.Errorf("body %q, want %q", text, msg.Text)
			}
			if strings.Contains(m.String(), "s3cret") || strings.Contains(fmt.Sprint(m), "s3cret") {
				t.Errorf("String shows credentials: %s", m)
			}
		})
	}
}

func TestSMTPMailerFailures(t *testing.T) {
	serverTLS, clientTLS := selfSignedTLS(t)
	msg := Message{To: "alice@example.com", Subject: "s", Text: "t"}
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedPort := closed.Addr().(*net.TCPAddr).Port
	_ = closed.Close()
	for _, tc := range []struct {
		name   string
		server *testSMTP // nil: nothing listens
		cfg    SMTPConfig
	}{
		{"connection refused", nil, SMTPConfig{Security: SMTPNone}},
		{"starttls not offered", &testSMTP{}, SMTPConfig{Security: SMTPStartTLS, TLSConfig: clientTLS}},
		{"untrusted certificate", &testSMTP{tls: serverTLS}, SMTPConfig{Security: SMTPStartTLS}},
		{"bad credentials", &testSMTP{tls: serverTLS, user: "u", pass: "s3cret-pw"}, SMTPConfig{Security: SMTPStartTLS, Username: "u", Password: "wrong", TLSConfig: clientTLS}},
		{"auth required", &testSMTP{user: "u", pass: "s3cret-pw"}, SMTPConfig{Security: SMTPNone}},
		{"recipient rejected", &testSMTP{rejectRcpt: true}, SMTPConfig{Security: SMTPNone}},
		// A password never goes in clear text to anything but localhost
		// (127.0.0.2 is loopback too, but not by that name).
		{"clear-text auth refused", &testSMTP{user: "u", pass: "s3cret-pw", host: "127.0.0.2"}, SMTPConfig{Security: SMTPNone, Username: "u", Password: "s3cret-pw"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			port, host := closedPort, "127.0.0.1"
			if tc.server != nil {
				if tc.server.host != "" {
					host = tc.server.host
				}
				port = startTestSMTPOn(t, tc.server, host)
			}
			cfg := tc.cfg
			cfg.Host, cfg.Port, cfg.From, cfg.Timeout = host, port, "pds@example.com", 5*time.Second
			m, err := NewSMTPMailer(cfg)
			if err != nil {
				t.Fatal(err)
			}
			err = m.Send(context.Background(), msg)
			if !errors.Is(err, ErrMail) {
				t.Fatalf("got %v, want ErrMail", err)
			}
			if tc.server != nil && len(tc.server.deliveries()) != 0 {
				t.Fatal("delivered anyway")
			}
			if tc.server != nil && tc.server.host != "" && tc.server.sawAuth() {
				t.Fatal("credentials sent in clear text")
			}
		})
	}
}

func TestSMTPConfig(t *testing.T) {
	for _, cfg := range []SMTPConfig{
		{From: "a@example.com"},
		{Host: "smtp.example.com"},
		{Host: "smtp.example.com", From: "not an address"},
		{Host: "smtp.example.com", From: "a@example.com", Security: "ssl"},
		{Host: "smtp.example.com", From: "a@example.com", Port: 70000},
	} {
		if _, err := NewSMTPMailer(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
	for sec, port := range map[SMTPSecurity]int{"": 587, SMTPStartTLS: 587, SMTPTLS: 465, SMTPNone: 25} {
		m, err := NewSMTPMailer(SMTPConfig{Host: "smtp.example.com", From: "a@example.com", Security: sec})
		if err != nil {
			t.Fatal(err)
		}
		if m.cfg.Port != port {
			t.Errorf("%q: port %d, want %d", sec, m.cfg.Port, port)
		}
	}
}
