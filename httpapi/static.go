package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/identity"
	"github.com/boltsky/boltsky/kv"
)

// serveStatic answers the routes outside /xrpc.
func (s *Server) serveStatic(rc *fasthttp.RequestCtx, path string) {
	switch path {
	case "/":
		rc.SetContentType("text/plain; charset=utf-8")
		rc.SetBodyString(banner)
	case "/metrics":
		s.serveMetrics(rc)
	case "/robots.txt":
		rc.SetContentType("text/plain; charset=utf-8")
		rc.SetBodyString("# Hello!\n\n# Crawling the public API is allowed\nUser-agent: *\nAllow: /\n")
	case "/.well-known/did.json":
		if s.serveAccountDIDDoc(rc, string(rc.Host())) {
			return
		}
		s.serviceDIDDocument(rc)
	case "/.well-known/atproto-did":
		s.atprotoDID(rc)
	case "/tls-check", "/_allow-cert":
		s.tlsCheck(rc)
	case adminAccountsPath, adminBackupPath, adminRestorePath, adminCompactPath, adminImportPath:
		s.serveAdminBackup(rc, path)
	default:
		rc.SetStatusCode(http.StatusNotFound)
		rc.SetContentType("text/plain; charset=utf-8")
		rc.SetBodyString("Not Found")
	}
}

const banner = `
 _          _ _       _
| |__   ___| | |_ ___| | ___   _
| '_ \ / _ \ | __/ __| |/ / | | |
| |_) | (_) | | |_\__ \   <| |_| |
|_.__/ \___/|_|\__|___/_|\_\\__, |
                            |___/

This is an AT Protocol Personal Data Server (PDS): https://atproto.com

Most API routes are under /xrpc/
`

// health answers /xrpc/_health.
func (s *Server) health(rc *fasthttp.RequestCtx) {
	b, _ := json.Marshal(map[string]string{"version": s.cfg.Version})
	rc.SetContentType("application/json; charset=utf-8")
	rc.SetBody(b)
}

// serviceDIDDocument serves this server's did:web document.
func (s *Server) serviceDIDDocument(rc *fasthttp.RequestCtx) {
	if !s.cfg.ServiceDID.IsWeb() {
		rc.SetStatusCode(http.StatusNotFound)
		return
	}
	doc := identity.NewServiceDocument(s.cfg.ServiceDID, s.cfg.PublicURL)
	b, err := json.Marshal(doc)
	if err != nil {
		writeError(rc, xerr(500, "InternalServerError", "Internal Server Error"))
		return
	}
	rc.SetContentType("application/json; charset=utf-8")
	rc.SetBody(b)
}

// atprotoDID answers /.well-known/atproto-did for the handle named by the
// Host header, so handles under this server's domains resolve over HTTPS.
func (s *Server) atprotoDID(rc *fasthttp.RequestCtx) {
	host := strings.ToLower(string(rc.Host()))
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	notFound := func() {
		rc.SetStatusCode(http.StatusNotFound)
		rc.SetContentType("text/plain; charset=utf-8")
		rc.SetBodyString("User not found")
	}
	h, err := atp.ParseHandle(host)
	if err != nil {
		notFound()
		return
	}
	did, err := s.d.Index.HandleDID(h)
	if errors.Is(err, kv.ErrNotFound) {
		notFound()
		return
	}
	if err != nil {
		s.log.Error("cannot look up handle", "handle", h.String(), "err", err)
		writeError(rc, xerr(500, "InternalServerError", "Internal Server Error"))
		return
	}
	rc.SetContentType("text/plain; charset=utf-8")
	rc.SetBodyString(did.String())
}

// tlsCheck answers a reverse proxy's on-demand TLS question ("may I get a
// certificate for ?domain=?"): yes for this server's host name and for
// the handles of its accounts, no otherwise.
func (s *Server) tlsCheck(rc *fasthttp.RequestCtx) {
	domain := strings.ToLower(string(rc.QueryArgs().Peek("domain")))
	if domain == "" {
		writeError(rc, invalidRequest("bad or missing domain query param"))
		return
	}
	if domain == strings.ToLower(s.cfg.Hostname) {
		rc.SetStatusCode(http.StatusOK)
		return
	}
	h, err := atp.ParseHandle(domain)
	if err == nil {
		var did atp.DID
		if did, err = s.d.Index.HandleDID(h); err == nil && !did.IsZero() {
			b, _ := json.Marshal(map[string]string{"success": "true"})
			rc.SetContentType("application/json; charset=utf-8")
			rc.SetBody(b)
			return
		}
	}
	if err != nil && !errors.Is(err, kv.ErrNotFound) && !errors.Is(err, atp.ErrInvalidHandle) {
		s.log.Error("cannot check a TLS domain", "err", err)
	}
	writeError(rc, xerr(http.StatusNotFound, "NotFound", "handle not found for this domain"))
}
