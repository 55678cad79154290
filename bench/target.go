package bench

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// Target names a PDS under test.
type Target struct {
	// Name labels the target in reports; empty means its URL.
	Name string
	// URL is the server's base URL, http(s)://host[:port].
	URL string
	// AdminPassword, when set, lets sign-up create an invite code
	// (com.atproto.server.createInviteCode with Basic auth) on a server
	// that requires one.
	AdminPassword string
	// InviteCode is used for every sign-up when set.
	InviteCode string
	// PID is the server's process id; when set, results carry its
	// resident memory (Linux /proc).
	PID int
	// DataDir is the server's data directory; when set, results carry
	// its disk usage and disk bytes per record written.
	DataDir string
	// HandlePrefix starts the handles of the accounts the workloads
	// create; empty means a random one, so that runs against the same
	// server do not collide.
	HandlePrefix string
	// MaxConns bounds the HTTP connections to the server; zero means
	// 1024.
	MaxConns int
	// Timeout bounds one call; zero means one minute.
	Timeout time.Duration
}

// Validate reports a Target that cannot be used.
func (t Target) Validate() error {
	var errs []error
	u, err := url.Parse(t.URL)
	switch {
	case t.URL == "":
		errs = append(errs, errors.New("bench: target URL is empty"))
	case err != nil:
		errs = append(errs, fmt.Errorf("bench: target URL: %w", err))
	case u.Scheme != "http" && u.Scheme != "https":
		errs = append(errs, fmt.Errorf("bench: target URL %q is not http or https", t.URL))
	case u.Host == "":
		errs = append(errs, fmt.Errorf("bench: target URL %q has no host", t.URL))
	case strings.TrimSuffix(u.Path, "/") != "":
		errs = append(errs, fmt.Errorf("bench: target URL %q has a path; give the server's base URL", t.URL))
	}
	if t.PID < 0 {
		errs = append(errs, fmt.Errorf("bench: pid %d is negative", t.PID))
	}
	if t.MaxConns < 0 {
		errs = append(errs, errors.New("bench: max conns is negative"))
	}
	if t.Timeout < 0 {
		errs = append(errs, errors.New("bench: timeout is negative"))
	}
	if t.HandlePrefix != "" && !validLabelStart(t.HandlePrefix) {
		errs = append(errs, fmt.Errorf("bench: handle prefix %q must be 1-8 lower-case letters or digits starting with a letter", t.HandlePrefix))
	}
	return errors.Join(errs...)
}

func validLabelStart(s string) bool {
	if len(s) == 0 || len(s) > 8 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, c := range []byte(s) {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// PDS is a connection to one server under test, shared by the workloads
// run against it. It is safe for concurrent use.
type PDS struct {
	target Target
	xrpc   *xrpcClient
	wsURL  string
	// domain is the handle suffix sign-ups use, with its leading dot.
	domain string
	// invite is the invite code sign-ups send, or empty.
	invite string
	prefix string
	// handles numbers the handles this connection made.
	handles atomic.Int64
}

// Connect checks t, asks the server for its sign-up rules
// (describeServer) and, when it requires invite codes and t has an admin
// password but no code, creates one.
func Connect(ctx context.Context, t Target) (*PDS, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if t.Name == "" {
		t.Name = t.URL
	}
	if t.MaxConns == 0 {
		t.MaxConns = 1024
	}
	if t.Timeout == 0 {
		t.Timeout = time.Minute
	}
	u, _ := url.Parse(t.URL)
	p := &PDS{target: t, xrpc: newXRPCClient(u, t.MaxConns, t.Timeout), prefix: t.HandlePrefix, invite: t.InviteCode}
	ws := *u
	ws.Scheme = "ws"
	if u.Scheme == "https" {
		ws.Scheme = "wss"
	}
	ws.Path = "/xrpc/com.atproto.sync.subscribeRepos"
	p.wsURL = ws.String()
	if p.prefix == "" {
		p.prefix = randomPrefix()
	}
	var desc struct {
		Domains        []string `json:"availableUserDomains"`
		InviteRequired bool     `json:"inviteCodeRequired"`
	}
	if err := p.xrpc.doJSON(ctx, xrpcCall{nsid: "com.atproto.server.describeServer"}, &desc); err != nil {
		p.Close()
		return nil, fmt.Errorf("bench: cannot describe %s: %w", t.URL, err)
	}
	if len(desc.Domains) == 0 {
		p.Close()
		return nil, fmt.Errorf("bench: %s offers no handle domains", t.URL)
	}
	p.domain = desc.Domains[0]
	if !strings.HasPrefix(p.domain, ".") {
		p.domain = "." + p.domain
	}
	if desc.InviteRequired && p.invite == "" {
		if t.AdminPassword == "" {
			p.Close()
			return nil, fmt.Errorf("bench: %s requires invite codes: give an invite code or the admin password", t.URL)
		}
		var out struct {
			Code string `json:"code"`
		}
		body, _ := json.Marshal(map[string]any{"useCount": 1_000_000})
		call := xrpcCall{nsid: "com.atproto.server.createInviteCode", body: body, auth: p.adminAuth()}
		if err := p.xrpc.doJSON(ctx, call, &out); err != nil {
			p.Close()
			return nil, fmt.Errorf("bench: cannot create an invite code on %s: %w", t.URL, err)
		}
		p.invite = out.Code
	}
	return p, nil
}

// Name is the target's label.
func (p *PDS) Name() string { return p.target.Name }

// Close drops p's idle connections.
func (p *PDS) Close() { p.xrpc.close() }

func (p *PDS) adminAuth() string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+p.target.AdminPassword))
}

// randomPrefix is "b" and five random letters or digits.
func randomPrefix() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b [6]byte
	rand.Read(b[:])
	out := []byte{'b'}
	for _, c := range b[1:] {
		out = append(out, alphabet[int(c)%len(alphabet)])
	}
	return string(out)
}
