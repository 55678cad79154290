package httpapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/valyala/fasthttp"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/lexicon"
)

// handler serves one XRPC method. It writes its response through c, or
// returns an error that errors.go maps.
type handler func(c *call) error

// route is a served XRPC method.
type route struct {
	method  *lexicon.Method
	auth    authPolicy
	handler handler
	// rawBody marks handlers that read the request body themselves (blob
	// and CAR uploads); others get it read and checked before they run.
	rawBody bool
	// jsonLimit bounds a JSON input.
	jsonLimit int64
}

// endpoint declares a handler in a namespace's table.
type endpoint struct {
	nsid    string
	auth    authPolicy
	handler handler
	rawBody bool
}

// buildRoutes collects every namespace's endpoints and binds each to its
// lexicon method.
func (s *Server) buildRoutes() error {
	s.routes = make(map[string]*route)
	var all []endpoint
	for _, ns := range [][]endpoint{
		s.serverEndpoints(),
		s.repoEndpoints(),
		s.identityEndpoints(),
		s.syncEndpoints(),
		s.adminEndpoints(),
		s.appEndpoints(),
	} {
		all = append(all, ns...)
	}
	for _, e := range all {
		nsid, err := atp.ParseNSID(e.nsid)
		if err != nil {
			return fmt.Errorf("httpapi: route %q: %w", e.nsid, err)
		}
		m, ok := s.d.Catalog.Method(nsid.String())
		if !ok {
			return fmt.Errorf("httpapi: route %s has no lexicon", e.nsid)
		}
		if _, dup := s.routes[e.nsid]; dup {
			return fmt.Errorf("httpapi: route %s declared twice", e.nsid)
		}
		s.routes[e.nsid] = &route{method: m, auth: e.auth, handler: e.handler, rawBody: e.rawBody, jsonLimit: jsonLimit(e.nsid)}
	}
	return nil
}

// handle is the fasthttp entry point.
func (s *Server) handle(rc *fasthttp.RequestCtx) {
	s.metrics.requests.Inc()
	defer settleBody(rc)
	setCORS(rc)
	if rc.IsOptions() {
		preflight(rc)
		return
	}
	// XRPC paths are read as sent, not percent-decoded, as the reference
	// reads them.
	raw := rc.URI().PathOriginal()
	if rest, ok := bytes.CutPrefix(raw, []byte("/xrpc/")); ok {
		s.serveXRPC(rc, string(rest))
		return
	}
	s.serveStatic(rc, string(rc.Path()))
}

// Bounds on reading off a request body the handler left unread.
const (
	unreadBodyMax  = 256 << 20
	unreadBodyWait = 10 * time.Second
)

// settleBody reads off and drops what is left of the request body once
// the answer is ready (an upload refused for its size, a body sent where
// none is expected), so that a client that sends its whole body before
// reading gets the answer: a connection closed with unread input is
// reset by the kernel, and the reset can destroy the answer before the
// client reads it. The reference reads such bodies off too. A body left
// with more than unreadBodyMax bytes, or not done within unreadBodyWait,
// is not waited for: the connection closes after the answer.
func settleBody(rc *fasthttp.RequestCtx) {
	r := rc.RequestBodyStream()
	if r == nil {
		return
	}
	// Most bodies were read whole: their stream is at its end.
	if _, err := io.CopyN(io.Discard, r, 1); err == io.EOF {
		return
	}
	_ = rc.SetReadDeadline(time.Now().Add(unreadBodyWait))
	if _, err := io.CopyN(io.Discard, r, unreadBodyMax); err != io.EOF {
		rc.SetConnectionClose()
	}
}

// xrpcNSID returns the method name of an XRPC path after "/xrpc/", read
// as the reference reads it (xrpc-server extractUrlNsid): letters,
// digits, and '.' or '-' between them, with one trailing '/' allowed.
// Anything else, a percent escape included, is a malformed path.
func xrpcNSID(rest string) (string, bool) {
	rest = strings.TrimSuffix(rest, "/")
	if len(rest) < 2 {
		return "", false
	}
	sep := true // a separator is not allowed here
	for i := 0; i < len(rest); i++ {
		switch c := rest[i]; {
		case c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			sep = false
		case c == '.' || c == '-':
			if sep {
				return "", false
			}
			sep = true
		default:
			return "", false
		}
	}
	if sep {
		return "", false
	}
	return rest, true
}

// serveXRPC runs the method named by rest, the raw path after "/xrpc/".
func (s *Server) serveXRPC(rc *fasthttp.RequestCtx, rest string) {
	if rest == "_health" {
		s.health(rc)
		return
	}
	nsid, ok := xrpcNSID(rest)
	if !ok {
		writeError(rc, invalidRequest("invalid xrpc path"))
		return
	}
	parsed, err := atp.ParseNSID(nsid)
	if err != nil {
		writeError(rc, invalidRequest("invalid xrpc path"))
		return
	}
	r := s.routes[nsid]
	label := "unknown"
	if r != nil {
		label = nsid
	}
	start := time.Now()
	defer func() { s.metrics.observe(label, rc.Response.StatusCode(), time.Since(start)) }()
	m := (*lexicon.Method)(nil)
	if r != nil {
		m = r.method
	} else if lm, ok := s.d.Catalog.Method(nsid); ok {
		m = lm
	}
	if m != nil {
		want := ""
		switch m.Kind {
		case lexicon.KindQuery, lexicon.KindSubscription:
			want = "GET"
		case lexicon.KindProcedure:
			want = "POST"
		}
		got := string(rc.Method())
		if got == "HEAD" && want == "GET" {
			got = "GET"
		}
		if got != want {
			if m.Kind == lexicon.KindSubscription {
				writeError(rc, xerr(http.StatusMethodNotAllowed, "InvalidRequest", "Method Not Allowed"))
				return
			}
			writeError(rc, invalidRequest("Incorrect HTTP method (%s) expected %s", rc.Method(), want))
			return
		}
	}
	aud, base, upstream, err := s.proxyTarget(rc, nsid)
	if err != nil {
		writeError(rc, err.(*Error))
		return
	}
	upstream = upstream && s.shouldProxy(nsid, r != nil, aud, len(rc.Request.Header.Peek("atproto-proxy")) > 0)
	if r == nil && !upstream {
		writeError(rc, xerr(http.StatusNotImplemented, "MethodNotImplemented", "Method Not Implemented"))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RequestTimeout)
	defer cancel()
	c := &call{s: s, ctx: ctx, rc: rc, nsid: parsed, route: r, id: requestID(rc)}
	rc.Response.Header.Set("X-Request-Id", c.id)
	if upstream {
		label = "proxy"
		if err := s.serveProxy(c, aud, base); err != nil {
			s.fail(c, err)
		}
		return
	}
	if err := s.run(c); err != nil {
		s.fail(c, err)
	}
}

// run checks a call in the reference's order (params, auth, input) and
// runs its handler.
func (s *Server) run(c *call) error {
	if err := s.checkGlobal(c); err != nil {
		return err
	}
	q := searchParams(c.rc.URI().QueryString())
	if v := q.Get("__proto__"); v != "" {
		// The reference's params parser fails on this name (a prototype
		// pollution guard); an empty value is skipped before it.
		return invalidRequest("Invalid query parameter: __proto__")
	}
	var err error
	if c.params, err = c.route.method.ParseParams(q); err != nil {
		return err
	}
	if c.route.auth != nil {
		if err := c.route.auth(c); err != nil {
			return err
		}
	}
	switch m := c.route.method; {
	case m.Input == nil:
		if err := c.checkNoBody(); err != nil {
			return err
		}
	case m.Kind == lexicon.KindProcedure && !c.route.rawBody:
		if err := c.readInput(); err != nil {
			return err
		}
	}
	if err := s.checkRoute(c); err != nil {
		return err
	}
	return c.route.handler(c)
}

// fail writes err as the call's response, logging internal errors.
func (s *Server) fail(c *call, err error) {
	xe, internal := toXRPC(err)
	if internal {
		s.log.Error("request failed", "request_id", c.id, "nsid", c.nsid.String(), "err", err)
	} else {
		s.log.Debug("request refused", "request_id", c.id, "nsid", c.nsid.String(), "status", xe.Status, "error", xe.Name)
	}
	writeError(c.rc, xe)
}

// requestID returns the caller's X-Request-Id when it is a sane token
// (a proxy's id), else a fresh random one; it names the request in logs
// and in the response.
func requestID(rc *fasthttp.RequestCtx) string {
	if id := rc.Request.Header.Peek("X-Request-Id"); len(id) > 0 && len(id) <= 64 {
		ok := true
		for _, b := range id {
			if !(b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '-' || b == '_' || b == '.') {
				ok = false
				break
			}
		}
		if ok {
			return string(id)
		}
	}
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// searchParams parses a raw query string as the reference does (WHATWG
// URLSearchParams): pairs split on '&', '+' is a space, a '%' not
// followed by two hex digits stays as it is, and bytes that are not
// UTF-8 become U+FFFD. It never fails.
func searchParams(raw []byte) url.Values {
	q := url.Values{}
	for len(raw) > 0 {
		var pair []byte
		pair, raw, _ = bytes.Cut(raw, []byte("&"))
		if len(pair) == 0 {
			continue
		}
		name, value, _ := bytes.Cut(pair, []byte("="))
		k := formDecode(name)
		q[k] = append(q[k], formDecode(value))
	}
	return q
}

// formDecode decodes one name or value of a query string.
func formDecode(b []byte) string {
	if bytes.IndexByte(b, '%') < 0 && bytes.IndexByte(b, '+') < 0 && utf8.Valid(b) {
		return string(b)
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '+':
			out = append(out, ' ')
		case c == '%' && i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]):
			out = append(out, unhex(b[i+1])<<4|unhex(b[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return strings.ToValidUTF8(string(out), "\uFFFD")
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
