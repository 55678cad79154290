package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"
)

// xrpcClient sends XRPC calls to one PDS. It uses fasthttp's HostClient:
// on a small machine the client shares the cores with the server under
// test, and fasthttp spends less CPU per call than net/http
// (BenchmarkClientOverhead in client_timing_test.go measures both).
type xrpcClient struct {
	base    string // scheme://host[:port], no trailing slash
	hc      *fasthttp.HostClient
	timeout time.Duration
}

// newXRPCClient returns a client for the PDS at base, keeping up to
// maxConns connections open.
func newXRPCClient(base *url.URL, maxConns int, timeout time.Duration) *xrpcClient {
	addr := base.Host
	if base.Port() == "" {
		if base.Scheme == "https" {
			addr += ":443"
		} else {
			addr += ":80"
		}
	}
	return &xrpcClient{
		base:    base.Scheme + "://" + base.Host,
		timeout: timeout,
		hc: &fasthttp.HostClient{
			Addr:                          addr,
			IsTLS:                         base.Scheme == "https",
			Name:                          "boltsky-bench",
			MaxConns:                      maxConns,
			MaxIdleConnDuration:           30 * time.Second,
			DisableHeaderNamesNormalizing: true,
			ReadBufferSize:                16 << 10,
			WriteBufferSize:               16 << 10,
		},
	}
}

// xrpcCall is one request: a GET when body is nil, else a POST of JSON.
type xrpcCall struct {
	nsid  string
	query string // encoded query string, without '?'
	auth  string // the Authorization header, or empty
	body  []byte
}

// do sends x. On a 200 it passes the response body, valid only during
// the call, to onBody when that is not nil, and returns what onBody
// returns; otherwise it returns a *CallError.
func (c *xrpcClient) do(ctx context.Context, x xrpcCall, onBody func(body []byte) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	uri := c.base + "/xrpc/" + x.nsid
	if x.query != "" {
		uri += "?" + x.query
	}
	req.SetRequestURI(uri)
	if x.body != nil {
		req.Header.SetMethod(fasthttp.MethodPost)
		req.Header.SetContentType("application/json")
		req.SetBodyRaw(x.body)
	} else {
		req.Header.SetMethod(fasthttp.MethodGet)
	}
	if x.auth != "" {
		req.Header.Set("Authorization", x.auth)
	}
	deadline := time.Now().Add(c.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := c.hc.DoDeadline(req, resp, deadline); err != nil {
		return transportError(x.nsid, err)
	}
	if code := resp.StatusCode(); code != fasthttp.StatusOK {
		return statusError(x.nsid, code, resp.Body())
	}
	if onBody != nil {
		return onBody(resp.Body())
	}
	return nil
}

// doJSON sends x and decodes a 200 answer into out (when not nil).
func (c *xrpcClient) doJSON(ctx context.Context, x xrpcCall, out any) error {
	var decode func([]byte) error
	if out != nil {
		decode = func(b []byte) error {
			if err := json.Unmarshal(b, out); err != nil {
				return &CallError{Kind: "bad response", Msg: fmt.Sprintf("%s: %v", x.nsid, err)}
			}
			return nil
		}
	}
	return c.do(ctx, x, decode)
}

// close drops the idle connections.
func (c *xrpcClient) close() { c.hc.CloseIdleConnections() }

// CallError is a failed call. Kind groups failures for counting
// ("HTTP 400 InvalidRequest", "timeout", "connection refused"); Msg is
// the detail of one of them.
type CallError struct {
	Kind string
	Msg  string
}

// Error returns the detail, prefixed with the package name.
func (e *CallError) Error() string { return "bench: " + e.Msg }

// transportError classifies an error of the HTTP client.
func transportError(nsid string, err error) *CallError {
	kind := "transport"
	var ne net.Error
	switch {
	case errors.Is(err, fasthttp.ErrTimeout), errors.As(err, &ne) && ne.Timeout():
		kind = "timeout"
	case errors.Is(err, fasthttp.ErrNoFreeConns):
		kind = "no free connections"
	case errors.Is(err, fasthttp.ErrConnectionClosed), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		kind = "connection closed"
	case errors.Is(err, syscall.ECONNREFUSED):
		kind = "connection refused"
	}
	return &CallError{Kind: kind, Msg: fmt.Sprintf("%s: %v", nsid, err)}
}

// statusError builds the error of a non-200 answer, named by its XRPC
// error when the body carries one.
func statusError(nsid string, code int, body []byte) *CallError {
	var x struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	kind := fmt.Sprintf("HTTP %d", code)
	if json.Unmarshal(body, &x) == nil && x.Error != "" {
		kind += " " + x.Error
	}
	msg := string(body)
	if len(msg) > 300 {
		msg = msg[:300] + "..."
	}
	return &CallError{Kind: kind, Msg: fmt.Sprintf("%s: HTTP %d: %s", nsid, code, strings.TrimSpace(msg))}
}

// errorKind is the counting key of err.
func errorKind(err error) string {
	var ce *CallError
	switch {
	case errors.As(err, &ce):
		return ce.Kind
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "canceled"
	default:
		return "other"
	}
}
