package httpapi

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/valyala/fasthttp"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/atp/lexicon"
	"github.com/boltsky/boltsky/blobstore"
	"github.com/boltsky/boltsky/identity"
	"github.com/boltsky/boltsky/kv"
	pdssync "github.com/boltsky/boltsky/sync"
)

// Config is what the HTTP front end needs to know about this node. Zero
// fields take the defaults noted.
type Config struct {
	// Hostname is the public host name, e.g. "pds.example.com" or
	// "localhost".
	Hostname string
	// PublicURL is the base URL clients and DID documents use, e.g.
	// "https://pds.example.com" or "http://localhost:2583".
	PublicURL string
	// ServiceDID is this server's DID, did:web of Hostname by default.
	ServiceDID atp.DID
	// Version is reported by /xrpc/_health.
	Version string
	// AdminPassword enables admin Basic auth (user "admin") when set.
	AdminPassword string
	// InviteRequired gates sign-up on invite codes.
	InviteRequired bool
	// DevMode allows plain-http localhost endpoints and did:web accounts
	// on localhost.
	DevMode bool
	// BlobUploadLimit bounds one upload; default 100 MB.
	BlobUploadLimit int64
	// MaxBodySize bounds the bodies of proxied calls, and how much of a
	// body is read before its handler runs (a longer one is streamed to
	// it); default 5 MiB. JSON inputs have the reference's limits
	// (jsonLimit), blob and CAR uploads their own.
	MaxBodySize int
	// MaxCARSize bounds importRepo uploads; default 1 GiB.
	MaxCARSize int64
	// RequestTimeout bounds a request's work; default 60 s.
	RequestTimeout time.Duration
	// ContactEmail, PrivacyPolicy and TermsOfService are reported by
	// describeServer when set.
	ContactEmail   string
	PrivacyPolicy  string
	TermsOfService string
	// AccountDIDMethod is "plc" (through the PLC directory) or "web"
	// (did:web under the server's host); default "plc".
	AccountDIDMethod string
	// MetricsToken, when set, must come as a bearer token on /metrics.
	MetricsToken string
	// RateLimits turns on the reference's rate limits: per IP, per route
	// and per account for record writes.
	RateLimits bool
	// DIDDocWithSession adds the account's DID document to session
	// answers (createSession, getSession, refreshSession).
	DIDDocWithSession bool
	// AppView and Chat are where app.bsky.* and chat.bsky.* calls go
	// when they name no service in atproto-proxy.
	AppView ServiceRef
	Chat    ServiceRef
}

func (c Config) withDefaults() Config {
	if c.ServiceDID.IsZero() {
		c.ServiceDID, _ = atp.ParseDID("did:web:" + strings.ReplaceAll(c.Hostname, ":", "%3A"))
	}
	if c.BlobUploadLimit <= 0 {
		c.BlobUploadLimit = 100_000_000
	}
	if c.MaxBodySize <= 0 {
		c.MaxBodySize = 5 << 20
	}
	if c.MaxCARSize <= 0 {
		c.MaxCARSize = 1 << 30
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = time.Minute
	}
	if c.Version == "" {
		c.Version = "dev"
	}
	if c.AccountDIDMethod == "" {
		c.AccountDIDMethod = "plc"
	}
	return c
}

// Validate reports a configuration the server cannot run with.
func (c Config) Validate() error {
	switch {
	case c.Hostname == "":
		return errors.New("httpapi: config needs a hostname")
	case c.PublicURL == "":
		return errors.New("httpapi: config needs a public URL")
	case c.AccountDIDMethod != "" && c.AccountDIDMethod != "plc" && c.AccountDIDMethod != "web":
		return fmt.Errorf("httpapi: account DID method %q is neither plc nor web", c.AccountDIDMethod)
	}
	return nil
}

// Deps are the parts the handlers call; cmd builds and owns them.
type Deps struct {
	Logger    *slog.Logger
	Catalog   *lexicon.Catalog
	Registry  *actor.Registry
	Sequencer *pdssync.Sequencer
	EventLog  *kv.EventLog
	ServerDB  *kv.Server
	Blobs     blobstore.Store
	Directory *identity.Directory
	PLC       *identity.PLCClient
	// RotationKey is the server's PLC rotation key.
	RotationKey *crypto.PrivateKey
	Sessions    *account.Sessions
	ServiceAuth *account.ServiceAuth
	Invites     *account.Invites
	EmailTokens *account.EmailTokens
	Mailer      account.Mailer
	Index       *account.Index
	Handles     *account.HandleRules
	Sealer      *account.KeySealer
	// Now reads the clock; default time.Now.
	Now func() time.Time
	// Rand is the source of randomness; default crypto/rand.
	Rand io.Reader
	// MetricSets are the other components' metrics, served at /metrics
	// with the front end's own.
	MetricSets []*metrics.Set
}

// Server is the HTTP front end.
type Server struct {
	cfg     Config
	d       Deps
	log     *slog.Logger
	routes  map[string]*route
	http    *fasthttp.Server
	metrics httpMetrics
	limits  *rateLimits
	kdf     kdfLimiter
	// batches recycles the buffers firehose frames are written from.
	batches batchBuffers
	// proxyClient carries proxied calls upstream.
	proxyClient *http.Client
}

// New returns a Server; Serve runs it.
func New(cfg Config, d Deps) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Rand == nil {
		d.Rand = rand.Reader
	}
	if d.Catalog == nil || d.Registry == nil || d.ServerDB == nil {
		return nil, errors.New("httpapi: catalog, registry and server database are required")
	}
	s := &Server{cfg: cfg, d: d, log: d.Logger, metrics: newHTTPMetrics(), limits: newRateLimits(cfg.RateLimits),
		kdf: newKDFLimiter(), proxyClient: newProxyClient()}
	if err := s.buildRoutes(); err != nil {
		return nil, err
	}
	s.http = &fasthttp.Server{
		Handler:               s.handle,
		Name:                  "boltsky",
		MaxRequestBodySize:    cfg.MaxBodySize,
		StreamRequestBody:     true,
		ReadTimeout:           cfg.RequestTimeout,
		WriteTimeout:          cfg.RequestTimeout,
		IdleTimeout:           2 * time.Minute,
		NoDefaultServerHeader: false,
		NoDefaultContentType:  true,
		Logger:                fasthttpLogger{s.log},
		ErrorHandler:          s.transportError,
	}
	return s, nil
}

// Serve answers requests on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	return s.http.Serve(ln)
}

// Shutdown stops accepting connections and waits for requests in flight
// until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.http.ShutdownWithContext(ctx)
}

// Handler returns the request handler, for tests that serve it
// in-memory.
func (s *Server) Handler() fasthttp.RequestHandler { return s.handle }

type fasthttpLogger struct{ l *slog.Logger }

func (f fasthttpLogger) Printf(format string, args ...any) {
	f.l.Warn(fmt.Sprintf(format, args...))
}

// transportError answers requests fasthttp itself refused to parse.
func (s *Server) transportError(rc *fasthttp.RequestCtx, err error) {
	switch {
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		writeError(rc, xerr(413, "PayloadTooLarge", "request entity too large"))
	default:
		writeError(rc, invalidRequest("malformed request"))
	}
}
