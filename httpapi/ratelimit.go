package httpapi

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/boltsky/boltsky/actor"
)

// A rateRule allows Points per Window for one key (an IP, a DID or a
// login identifier).
type rateRule struct {
	Name   string
	Window time.Duration
	Points int
}

// rateLimiter is a set of fixed-window counters for one rule. Counters
// of ended windows are dropped lazily, so memory follows the number of
// keys seen within a window.
type rateLimiter struct {
	rule rateRule

	mu sync.Mutex
	// windows and ops are guarded by mu.
	windows map[string]*rateWindow
	ops     int
}

type rateWindow struct {
	start time.Time
	used  int
}

func newRateLimiter(r rateRule) *rateLimiter {
	return &rateLimiter{rule: r, windows: make(map[string]*rateWindow)}
}

// rateDecision is the outcome of consuming points.
type rateDecision struct {
	rule      rateRule
	allowed   bool
	remaining int
	reset     time.Time
}

// consume takes points for key at now.
func (l *rateLimiter) consume(key string, points int, now time.Time) rateDecision {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ops++
	if l.ops%4096 == 0 {
		for k, w := range l.windows {
			if now.Sub(w.start) >= l.rule.Window {
				delete(l.windows, k)
			}
		}
	}
	w := l.windows[key]
	if w == nil || now.Sub(w.start) >= l.rule.Window {
		w = &rateWindow{start: now}
		l.windows[key] = w
	}
	d := rateDecision{rule: l.rule, reset: w.start.Add(l.rule.Window)}
	if w.used+points > l.rule.Points {
		d.remaining = max(l.rule.Points-w.used, 0)
		return d
	}
	w.used += points
	d.allowed = true
	d.remaining = l.rule.Points - w.used
	return d
}

// rateLimits are the server's limiters, as the reference PDS sets them.
type rateLimits struct {
	enabled bool
	// global limits every request by client IP.
	global *rateLimiter
	// routes limit single methods; keyed by NSID.
	routes map[string][]routeLimit
	// writes limit record writes by account, in points.
	writes []*rateLimiter
}

// routeLimit applies a rule to a method, keyed by what key returns.
type routeLimit struct {
	limiter *rateLimiter
	key     func(c *call) string
}

// Write points, as the reference counts them.
const (
	createPoints = 3
	updatePoints = 2
	deletePoints = 1
)

func newRateLimits(enabled bool) *rateLimits {
	ip := func(c *call) string { return clientIP(c) }
	did := func(c *call) string { return c.auth.did.String() }
	identifier := func(c *call) string {
		if v, ok := c.input["identifier"].(string); ok {
			return strings.ToLower(v)
		}
		return clientIP(c)
	}
	per := func(name string, window time.Duration, points int, key func(*call) string) routeLimit {
		return routeLimit{limiter: newRateLimiter(rateRule{Name: name, Window: window, Points: points}), key: key}
	}
	return &rateLimits{
		enabled: enabled,
		global:  newRateLimiter(rateRule{Name: "global-ip", Window: 5 * time.Minute, Points: 3000}),
		routes: map[string][]routeLimit{
			"com.atproto.server.createAccount": {per("create-account", 5*time.Minute, 100, ip)},
			"com.atproto.server.createSession": {
				per("create-session-5m", 5*time.Minute, 30, identifier),
				per("create-session-day", 24*time.Hour, 300, identifier),
			},
			"com.atproto.identity.updateHandle": {
				per("update-handle-5m", 5*time.Minute, 10, did),
				per("update-handle-day", 24*time.Hour, 50, did),
			},
			"com.atproto.server.deleteAccount":        {per("delete-account", 5*time.Minute, 50, ip)},
			"com.atproto.server.resetPassword":        {per("reset-password", 5*time.Minute, 50, ip)},
			"com.atproto.server.requestPasswordReset": {per("request-password-reset", 5*time.Minute, 50, ip)},
		},
		writes: []*rateLimiter{
			newRateLimiter(rateRule{Name: "repo-write-hour", Window: time.Hour, Points: 5000}),
			newRateLimiter(rateRule{Name: "repo-write-day", Window: 24 * time.Hour, Points: 35000}),
		},
	}
}

// clientIP is the caller's address: the first X-Forwarded-For entry when
// the connection comes from a reverse proxy on this host, else the peer.
func clientIP(c *call) string {
	peer := c.rc.RemoteIP()
	if peer.IsLoopback() {
		if fwd := string(c.rc.Request.Header.Peek("X-Forwarded-For")); fwd != "" {
			first, _, _ := strings.Cut(fwd, ",")
			if ip := net.ParseIP(strings.TrimSpace(first)); ip != nil {
				return ip.String()
			}
		}
	}
	return peer.String()
}

// errRateLimited is the reference's 429.
func errRateLimited(d rateDecision) *Error {
	e := xerr(http.StatusTooManyRequests, "RateLimitExceeded", "Rate Limit Exceeded")
	e.Header = rateHeaders(d)
	e.Header["Retry-After"] = strconv.Itoa(max(int(time.Until(d.reset).Seconds()+0.5), 1))
	return e
}

// rateHeaders are the RateLimit-* response headers for a decision.
func rateHeaders(d rateDecision) map[string]string {
	return map[string]string{
		"RateLimit-Limit":     strconv.Itoa(d.rule.Points),
		"RateLimit-Remaining": strconv.Itoa(d.remaining),
		"RateLimit-Reset":     strconv.FormatInt(d.reset.Unix(), 10),
		"RateLimit-Policy":    fmt.Sprintf("%d;w=%d", d.rule.Points, int(d.rule.Window.Seconds())),
	}
}

// checkGlobal applies the per-IP limit to every XRPC call.
func (s *Server) checkGlobal(c *call) error {
	if !s.limits.enabled {
		return nil
	}
	d := s.limits.global.consume(clientIP(c), 1, s.d.Now())
	if !d.allowed {
		return errRateLimited(d)
	}
	s.setRateHeaders(c, d)
	return nil
}

// checkRoute applies a method's own limits, after authentication and
// input parsing so that keys (DID, identifier) are known.
func (s *Server) checkRoute(c *call) error {
	if !s.limits.enabled {
		return nil
	}
	for _, rl := range s.limits.routes[c.nsid.String()] {
		d := rl.limiter.consume(rl.key(c), 1, s.d.Now())
		if !d.allowed {
			return errRateLimited(d)
		}
		s.setRateHeaders(c, d)
	}
	return nil
}

// consumeWritePoints charges an account's record writes: 3 points per
// create, 2 per update, 1 per delete.
func (s *Server) consumeWritePoints(c *call, points int) error {
	if !s.limits.enabled || points == 0 {
		return nil
	}
	for _, l := range s.limits.writes {
		d := l.consume(c.auth.did.String(), points, s.d.Now())
		if !d.allowed {
			return errRateLimited(d)
		}
		s.setRateHeaders(c, d)
	}
	return nil
}

// setRateHeaders reports the tightest limit seen so far on the response.
func (s *Server) setRateHeaders(c *call, d rateDecision) {
	h := &c.rc.Response.Header
	if cur := h.Peek("RateLimit-Remaining"); len(cur) > 0 {
		if n, err := strconv.Atoi(string(cur)); err == nil && n <= d.remaining {
			return
		}
	}
	for k, v := range rateHeaders(d) {
		h.Set(k, v)
	}
}

// writePoints is what a batch of writes costs in rate-limit points.
func writePoints(ws []actor.Write) int {
	n := 0
	for _, w := range ws {
		switch w.Action {
		case actor.Create, actor.Put:
			n += createPoints
		case actor.Update:
			n += updatePoints
		case actor.Delete:
			n += deletePoints
		}
	}
	return n
}
