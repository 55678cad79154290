package httpapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/atp"
)

// ServiceRef names an upstream service: its DID with the service fragment
// (did:web:api.bsky.app#bsky_appview) and, optionally, its URL, used
// instead of resolving the DID document.
type ServiceRef struct {
	DID string
	URL string
}

// Request and response headers passed through a proxied call, as the
// reference forwards them.
var (
	proxyRequestHeaders  = []string{"Accept-Language", "Atproto-Accept-Labelers", "X-Bsky-Topics", "Content-Type", "Content-Encoding"}
	proxyResponseHeaders = []string{"Content-Type", "Content-Language", "Atproto-Repo-Rev", "Atproto-Content-Labelers", "Retry-After",
		"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy"}
)

// proxyTarget decides whether a call goes upstream and where: the
// atproto-proxy header names a service; without it, app.bsky.* goes to the
// configured app view and chat.bsky.* to the chat service.
func (s *Server) proxyTarget(rc *fasthttp.RequestCtx, nsid string) (aud string, fixedURL string, ok bool, err error) {
	if h := strings.TrimSpace(string(rc.Request.Header.Peek("atproto-proxy"))); h != "" {
		did, frag, found := strings.Cut(h, "#")
		if !found || frag == "" {
			return "", "", false, invalidRequest("no service id specified")
		}
		if _, err := atp.ParseDID(did); err != nil {
			return "", "", false, invalidRequest("could not resolve proxy did service url")
		}
		for _, ref := range []ServiceRef{s.cfg.AppView, s.cfg.Chat} {
			if ref.DID == h && ref.URL != "" {
				return h, ref.URL, true, nil
			}
		}
		return h, "", true, nil
	}
	switch {
	case strings.HasPrefix(nsid, "app.bsky.") && s.cfg.AppView.DID != "":
		return s.cfg.AppView.DID, s.cfg.AppView.URL, true, nil
	case strings.HasPrefix(nsid, "chat.bsky.") && s.cfg.Chat.DID != "":
		return s.cfg.Chat.DID, s.cfg.Chat.URL, true, nil
	}
	return "", "", false, nil
}

// serviceURL resolves aud (did#service) to the service's endpoint.
func (s *Server) serviceURL(ctx context.Context, aud string) (string, error) {
	did, frag, _ := strings.Cut(aud, "#")
	d, err := atp.ParseDID(did)
	if err != nil {
		return "", invalidRequest("could not resolve proxy did service url")
	}
	doc, err := s.d.Directory.ResolveDID(ctx, d)
	if err != nil {
		e := invalidRequest("could not resolve proxy did service url")
		e.cause = err
		return "", e
	}
	for _, svc := range doc.Service {
		id := svc.ID
		if i := strings.IndexByte(id, '#'); i >= 0 {
			id = id[i+1:]
		}
		if id == frag && svc.Endpoint != "" {
			return strings.TrimSuffix(svc.Endpoint, "/"), nil
		}
	}
	return "", invalidRequest("could not resolve proxy did service url")
}

// proxy forwards a call upstream, with a service token minted for the
// caller when the call has a session, as the reference's pipethrough
// does, and streams the answer back.
func (s *Server) proxy(c *call, aud, base string) error {
	nsid := c.nsid.String()
	if account.IsProtectedMethod(nsid) {
		return invalidRequest("Bad token method")
	}
	if base == "" {
		var err error
		if base, err = s.serviceURL(c.ctx, aud); err != nil {
			return err
		}
	}
	target := base + "/xrpc/" + nsid
	if q := c.rc.URI().QueryString(); len(q) > 0 {
		target += "?" + string(q)
	}
	var body io.Reader
	if c.rc.IsPost() {
		b, err := c.readBody(int64(s.cfg.MaxBodySize))
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(c.ctx, string(c.rc.Method()), target, body)
	if err != nil {
		return invalidRequest("invalid proxy target")
	}
	for _, h := range proxyRequestHeaders {
		if v := c.rc.Request.Header.Peek(h); len(v) > 0 {
			req.Header.Set(h, string(v))
		}
	}
	if c.auth.kind == accessToken {
		st, err := s.srvStateOr(c.ctx, c.auth.did, account.ErrAccountNotFound)
		if err != nil {
			return err
		}
		key, err := s.srvSigningKey(st)
		if err != nil {
			return err
		}
		tok, err := s.d.ServiceAuth.Mint(key, account.ServiceJWTParams{Iss: c.auth.did, Aud: aud, Lxm: c.nsid,
			Exp: s.d.Now().Add(time.Minute)})
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := s.proxyClient.Do(req)
	s.metrics.proxied(err == nil)
	if err != nil {
		e := xerr(http.StatusBadGateway, "UpstreamFailure", "Upstream service unreachable")
		if errors.Is(err, context.DeadlineExceeded) {
			e = xerr(http.StatusGatewayTimeout, "UpstreamTimeout", "Upstream service timed out")
		}
		e.cause = err
		return e
	}
	for _, h := range proxyResponseHeaders {
		if v := res.Header.Get(h); v != "" {
			c.rc.Response.Header.Set(h, v)
		}
	}
	c.rc.SetStatusCode(res.StatusCode)
	// The upstream body is read here: the call's context ends when the
	// handler returns, and with it the upstream request.
	b, err := io.ReadAll(io.LimitReader(res.Body, proxyMaxResponse+1))
	res.Body.Close()
	if err != nil {
		return xerr(http.StatusBadGateway, "UpstreamFailure", "Upstream response cut short")
	}
	if len(b) > proxyMaxResponse {
		return xerr(http.StatusBadGateway, "UpstreamFailure", "Upstream response too large")
	}
	c.rc.SetBody(b)
	return nil
}

// proxyMaxResponse bounds an upstream answer held in memory.
const proxyMaxResponse = 32 << 20

// newProxyClient is the HTTP client for upstream services.
func newProxyClient() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// localNamespaces are served here even when a call names another service
// in atproto-proxy.
var localNamespaces = []string{"com.atproto.server.", "com.atproto.identity.", "com.atproto.repo.",
	"com.atproto.sync.", "com.atproto.admin."}

// shouldProxy reports whether a call with the given target goes upstream:
// methods this server serves stay here, except preferences aimed at
// another app view than the configured one.
func (s *Server) shouldProxy(nsid string, served bool, aud string, header bool) bool {
	for _, ns := range localNamespaces {
		if strings.HasPrefix(nsid, ns) {
			return false
		}
	}
	if !served {
		return true
	}
	return header && aud != s.cfg.AppView.DID && strings.HasPrefix(nsid, "app.bsky.actor.") &&
		strings.HasSuffix(nsid, "Preferences")
}

// serveProxy authenticates a proxied call and forwards it. As on the
// reference, the call needs a session (the upstream gets a service token
// minted for its user), and chat.bsky methods need a full login or a
// privileged app password.
func (s *Server) serveProxy(c *call, aud, base string) error {
	if err := s.checkGlobal(c); err != nil {
		return err
	}
	if err := authAccess(account.AccessStandard)(c); err != nil {
		return err
	}
	if account.IsPrivilegedMethod(c.nsid.String()) && !c.auth.claims.Scope.IsAccessPrivileged() {
		return errInvalidToken("Bad token method")
	}
	return s.proxy(c, aud, base)
}

// proxyRecord forwards getRecord of a repository this server does not
// serve (unknown, deactivated, taken down) to the app view, without a
// service token, as the reference does; with no app view the record
// cannot be found.
func (s *Server) proxyRecord(c *call) error {
	if s.cfg.AppView.DID == "" {
		return invalidRequest("Could not locate record")
	}
	aud, base, ok, err := s.proxyTarget(c.rc, c.nsid.String())
	if err != nil {
		return err
	}
	if !ok {
		aud, base = s.cfg.AppView.DID, s.cfg.AppView.URL
	}
	return s.proxy(c, aud, base)
}
