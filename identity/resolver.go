package identity

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/boltsky/boltsky/atp"
)

// DefaultHTTPTimeout bounds a did:web or handle HTTPS request when the
// Resolver has no HTTP client of its own.
const DefaultHTTPTimeout = 10 * time.Second

// maxRedirects is how many redirects handle resolution over HTTPS follows.
const maxRedirects = 5

// Resolver resolves DIDs and handles without caching; Directory adds the
// cache. The zero value resolves did:plc through the public directory,
// did:web and handles over HTTPS with a DefaultHTTPTimeout client, and DNS
// through net.DefaultResolver. A Resolver is safe for concurrent use; do
// not change its fields while it is in use.
type Resolver struct {
	// PLC resolves did:plc; nil means a zero PLCClient.
	PLC *PLCClient
	// HTTP fetches did:web documents and /.well-known/atproto-did; nil
	// means a client with DefaultHTTPTimeout. Its redirect policy is
	// replaced: none for did:web, at most 5 for handles.
	HTTP *http.Client
	// DNS looks up _atproto TXT records; nil means net.DefaultResolver.
	// Tests point it at a local server with a Dial override.
	DNS *net.Resolver
	// AllowLocalhost lets did:web:localhost (with an optional port)
	// resolve over plain http, for development; otherwise it is refused.
	AllowLocalhost bool
	// UserAgent, when set, is sent with HTTP requests.
	UserAgent string
}

// ResolveDID fetches the document of did: did:plc from the PLC directory,
// did:web from its host. Other methods fail with ErrUnsupportedMethod.
func (r *Resolver) ResolveDID(ctx context.Context, did atp.DID) (*Document, error) {
	switch {
	case did.IsPLC():
		return r.plc().Document(ctx, did)
	case did.IsWeb():
		return r.ResolveDIDWeb(ctx, did)
	case did.IsZero():
		return nil, fmt.Errorf("%w: empty DID", ErrUnsupportedMethod)
	default:
		return nil, fmt.Errorf("%w: %s", ErrUnsupportedMethod, did.Method())
	}
}

func (r *Resolver) plc() *PLCClient {
	if r.PLC != nil {
		return r.PLC
	}
	return &PLCClient{UserAgent: r.UserAgent}
}

func (r *Resolver) dns() *net.Resolver {
	if r.DNS != nil {
		return r.DNS
	}
	return net.DefaultResolver
}

func (r *Resolver) setUserAgent(req *http.Request) {
	if r.UserAgent != "" {
		req.Header.Set("User-Agent", r.UserAgent)
	}
}

// redirectPolicy is an http.Client CheckRedirect function.
type redirectPolicy func(req *http.Request, via []*http.Request) error

func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func fewRedirects(_ *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return errors.New("too many redirects")
	}
	return nil
}

// httpClient returns a copy of the configured client with policy as its
// redirect rule.
func (r *Resolver) httpClient(policy redirectPolicy) *http.Client {
	var c http.Client
	if r.HTTP != nil {
		c = *r.HTTP
	} else {
		c.Timeout = DefaultHTTPTimeout
	}
	c.CheckRedirect = policy
	return &c
}
