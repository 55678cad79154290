package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/boltsky/boltsky/atp"
)

// nodeFlags are the flags of the commands that work on a node: serve's
// settings, and where the node is.
type nodeFlags struct {
	cf     *configFlags
	server *string
	local  *bool
	// opts open the node of --local; tests set them.
	opts nodeOptions
}

// addNodeFlags registers the node flags on fs.
func addNodeFlags(fs *flag.FlagSet, env func(string) string) *nodeFlags {
	return &nodeFlags{
		cf: addConfigFlags(fs, env),
		server: fs.String("server", "", "base URL of a running node to work through, with --admin-password "+
			"(default: the node at the configured listen address, when one answers there)"),
		local: fs.Bool("local", false, "work on the data directory in this process, never through a running node"),
	}
}

// session is a connection to a node's admin API: a running node's, or
// that of a node opened on the data directory inside this process and
// served on 127.0.0.1, so both modes share one code path.
type session struct {
	*adminClient
	cfg Config
	// local is the node opened in this process, nil for a running node.
	local *node
}

// connect opens a session. Without --server or --local it uses the node
// answering at the configured listen address, if any, and otherwise the
// data directory. fresh allows opening a data directory that holds no
// node yet (restore into a new node).
func (nf *nodeFlags) connect(ctx context.Context, env func(string) string, stderr io.Writer, fresh bool) (*session, error) {
	cfg, err := nf.cf.load(env)
	if err != nil {
		return nil, err
	}
	server := strings.TrimSuffix(*nf.server, "/")
	if server != "" && *nf.local {
		return nil, fmt.Errorf("--server and --local exclude each other")
	}
	if server == "" && !*nf.local {
		if u := listenURL(cfg.Listen); u != "" && probeNode(ctx, u) {
			server = u
		}
	}
	if server != "" {
		if _, err := url.ParseRequestURI(server); err != nil {
			return nil, fmt.Errorf("--server %q is not a URL", server)
		}
		if cfg.AdminPassword == "" {
			return nil, fmt.Errorf("the node at %s needs the admin password: pass --admin-password or set admin_password", server)
		}
		return &session{adminClient: newAdminClient(server, cfg.AdminPassword), cfg: cfg}, nil
	}
	return openLocal(ctx, cfg, stderr, fresh, nf.opts)
}

// listenURL is the URL that reaches a node listening on addr from this
// machine, or "" when addr is not host:port.
func listenURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "0" {
		return ""
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// probeNode reports whether a boltsky node answers its health check at
// base.
func probeNode(ctx context.Context, base string) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/xrpc/_health", nil)
	if err != nil {
		return false
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer res.Body.Close()
	var h struct {
		Version string `json:"version"`
	}
	return res.StatusCode == http.StatusOK && json.NewDecoder(io.LimitReader(res.Body, 4096)).Decode(&h) == nil && h.Version != ""
}

// openLocal opens the node of cfg's data directory in this process, with
// a one-time admin password, and serves it on 127.0.0.1.
func openLocal(ctx context.Context, cfg Config, stderr io.Writer, fresh bool, opts nodeOptions) (*session, error) {
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "server.db")); err != nil && !fresh {
		return nil, fmt.Errorf("no node data in %s (no server.db): pass --data-dir or --config, or --server URL for a running node", cfg.DataDir)
	}
	if fresh && cfg.SealKey == "" {
		if _, err := os.Stat(filepath.Join(cfg.DataDir, "secrets.json")); err != nil {
			return nil, fmt.Errorf("%s has no secrets.json: copy the source node's secrets.json there (or set seal_key) "+
				"first, so that the restored accounts' signing keys open", cfg.DataDir)
		}
	}
	pass := make([]byte, 16)
	if _, err := rand.Read(pass); err != nil {
		return nil, err
	}
	cfg.AdminPassword = hex.EncodeToString(pass)
	cfg.Relays = nil
	logCfg := cfg
	if logCfg.LogLevel != "debug" {
		logCfg.LogLevel = "warn"
	}
	n, err := openNodeWith(ctx, cfg, newLogger(logCfg, stderr), opts)
	if err != nil {
		return nil, fmt.Errorf("cannot open the node in %s: %w\nIf a node is running on it, work through that node: "+
			"--server URL --admin-password PASSWORD", cfg.DataDir, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		n.close(context.Background())
		return nil, fmt.Errorf("cannot listen on 127.0.0.1: %w", err)
	}
	n.start(ln)
	return &session{adminClient: newAdminClient("http://"+ln.Addr().String(), cfg.AdminPassword), cfg: cfg, local: n}, nil
}

// close ends the session, closing a node opened in this process.
func (s *session) close() error {
	if s.local == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return s.local.close(ctx)
}

// adminClient calls a node's admin API (XRPC methods and the /admin/
// routes) with the admin password.
type adminClient struct {
	base     string
	password string
	http     *http.Client
}

func newAdminClient(base, password string) *adminClient {
	return &adminClient{base: base, password: password, http: &http.Client{}}
}

// apiError is an error answer of the node.
type apiError struct {
	Status  int
	Name    string
	Message string
}

func (e *apiError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%s (HTTP %d)", e.Name, e.Status)
	}
	return e.Message
}

// do sends a request and returns the response of a success; errors are
// read into an apiError. size is the body's length, or -1.
func (c *adminClient) do(ctx context.Context, method, path string, q url.Values, body io.Reader, size int64, contentType string) (*http.Response, error) {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	if size >= 0 && body != nil {
		req.ContentLength = size
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.SetBasicAuth("admin", c.password)
	res, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the node at %s: %w", c.base, err)
	}
	if res.StatusCode < 300 {
		return res, nil
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if res.StatusCode == http.StatusUnauthorized {
		return nil, fmt.Errorf("the node at %s refused the admin password", c.base)
	}
	var e struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &e) != nil || e.Error == "" {
		e.Error, e.Message = http.StatusText(res.StatusCode), strings.TrimSpace(string(raw))
	}
	return nil, &apiError{Status: res.StatusCode, Name: e.Error, Message: e.Message}
}

// query calls an XRPC query and decodes its JSON answer into out.
func (c *adminClient) query(ctx context.Context, nsid string, q url.Values, out any) error {
	res, err := c.do(ctx, "GET", "/xrpc/"+nsid, q, nil, -1, "")
	if err != nil {
		return err
	}
	defer res.Body.Close()
	return decodeJSON(res.Body, out)
}

// procedure calls an XRPC procedure with a JSON input and decodes its
// answer, if any, into out.
func (c *adminClient) procedure(ctx context.Context, nsid string, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	res, err := c.do(ctx, "POST", "/xrpc/"+nsid, nil, bytes.NewReader(b), int64(len(b)), "application/json")
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if out == nil {
		return nil
	}
	return decodeJSON(res.Body, out)
}

func decodeJSON(r io.Reader, out any) error {
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(r).Decode(out); err != nil {
		return fmt.Errorf("cannot read the node's answer: %w", err)
	}
	return nil
}

// accountListing is a line of GET /admin/accounts (see httpapi).
type accountListing struct {
	DID       string `json:"did"`
	Handle    string `json:"handle,omitempty"`
	Email     string `json:"email,omitempty"`
	Status    string `json:"status,omitempty"`
	Rev       string `json:"rev,omitempty"`
	CreatedAt string `json:"createdAt,omitempty"`
	Size      int64  `json:"size,omitempty"`
	Error     string `json:"error,omitempty"`
}

// accounts lists every account file of the node, with detail when asked.
func (c *adminClient) accounts(ctx context.Context, detail bool) ([]accountListing, error) {
	q := url.Values{}
	if detail {
		q.Set("detail", "true")
	}
	res, err := c.do(ctx, "GET", "/admin/accounts", q, nil, -1, "")
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var out []accountListing
	dec := json.NewDecoder(res.Body)
	for {
		var l accountListing
		err := dec.Decode(&l)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return out, fmt.Errorf("cannot read the account list: %w", err)
		}
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].DID < out[j].DID })
	return out, nil
}

// resolveAccount turns a DID or the handle of an account of the node,
// whatever its status, into a DID.
func (c *adminClient) resolveAccount(ctx context.Context, s string) (atp.DID, error) {
	if strings.HasPrefix(s, "did:") {
		return atp.ParseDID(s)
	}
	h, err := atp.ParseHandle(strings.TrimPrefix(s, "@"))
	if err != nil {
		return atp.DID{}, fmt.Errorf("%q is neither a DID nor a handle", s)
	}
	res, err := c.do(ctx, "GET", "/admin/accounts", url.Values{"handle": {h.String()}}, nil, -1, "")
	if err != nil {
		return atp.DID{}, fmt.Errorf("cannot resolve %s: %w", h, err)
	}
	defer res.Body.Close()
	var l accountListing
	if err := json.NewDecoder(res.Body).Decode(&l); err != nil {
		return atp.DID{}, fmt.Errorf("cannot resolve %s: %w", h, err)
	}
	return atp.ParseDID(l.DID)
}
