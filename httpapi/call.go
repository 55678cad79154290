package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/atp/lexicon"
)

// call is one XRPC request in progress. It lives only as long as the
// fasthttp handler.
type call struct {
	s     *Server
	ctx   context.Context
	rc    *fasthttp.RequestCtx
	nsid  atp.NSID
	route *route
	// id names the request in logs and the X-Request-Id header.
	id string
	// params are the checked query parameters.
	params lexicon.Params
	// auth is who is calling.
	auth principal
	// body is the raw JSON input, once read; input is it decoded into the
	// data model.
	body  []byte
	input map[string]any
}

// readBody reads the request body, up to limit bytes.
func (c *call) readBody(limit int64) ([]byte, error) {
	if cl := c.rc.Request.Header.ContentLength(); cl > 0 && int64(cl) > limit {
		return nil, xerr(http.StatusRequestEntityTooLarge, "PayloadTooLarge", "request entity too large")
	}
	if r := c.rc.RequestBodyStream(); r != nil {
		b, err := io.ReadAll(io.LimitReader(r, limit+1))
		if err != nil {
			return nil, invalidRequest("cannot read request body")
		}
		if int64(len(b)) > limit {
			return nil, xerr(http.StatusRequestEntityTooLarge, "PayloadTooLarge", "request entity too large")
		}
		return b, nil
	}
	b := c.rc.PostBody()
	if int64(len(b)) > limit {
		return nil, xerr(http.StatusRequestEntityTooLarge, "PayloadTooLarge", "request entity too large")
	}
	return bytes.Clone(b), nil
}

// contentType returns the request's media type without parameters.
func (c *call) contentType() string {
	ct := string(c.rc.Request.Header.ContentType())
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

// checkEncoding checks the request's Content-Type against the method's
// input encoding, as the reference does.
func (c *call) checkEncoding() error {
	in := c.route.method.Input
	ct := c.contentType()
	if ct == "" {
		if c.rc.Request.Header.ContentLength() == 0 && len(c.rc.PostBody()) == 0 && c.rc.RequestBodyStream() == nil {
			return invalidRequest("Request encoding (Content-Type) required but not provided")
		}
		return invalidRequest("Request encoding (Content-Type) required but not provided")
	}
	if !in.Accepts(ct) {
		return invalidRequest("Wrong request encoding (Content-Type): %s", ct)
	}
	return nil
}

// readInput reads and checks a JSON request body against the method's
// input schema.
func (c *call) readInput() error {
	if err := c.checkEncoding(); err != nil {
		return err
	}
	body, err := c.readBody(int64(c.s.cfg.MaxBodySize))
	if err != nil {
		return err
	}
	c.body = body
	if c.route.method.Input.Encoding != "application/json" {
		return nil
	}
	v, err := dagcbor.DecodeOptions{MaxSize: c.s.cfg.MaxBodySize}.FromJSONObject(body)
	if err != nil {
		return invalidRequest("Input is not valid JSON: %s", trimPrefix(err))
	}
	if err := c.s.d.Catalog.ValidateInput(c.nsid.String(), v); err != nil {
		return err
	}
	c.input = v
	return nil
}

// decode unmarshals the JSON body into v (a struct with json tags) after
// it passed the lexicon check.
func (c *call) decode(v any) error {
	if err := json.Unmarshal(c.body, v); err != nil {
		return invalidRequest("Input is not valid: %s", err)
	}
	return nil
}

// trimPrefix drops the "pkg: " prefix of a sentinel error's text.
func trimPrefix(err error) string {
	s := err.Error()
	if i := strings.Index(s, ": "); i > 0 && !strings.ContainsAny(s[:i], " /") {
		return s[i+2:]
	}
	return s
}

// writeJSON writes v (encoding/json, or a raw JSON message) as a 200
// response.
func (c *call) writeJSON(v any) error {
	var b []byte
	switch t := v.(type) {
	case json.RawMessage:
		b = t
	case []byte:
		b = t
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			return fmt.Errorf("cannot encode response: %w", err)
		}
	}
	c.rc.SetStatusCode(http.StatusOK)
	c.rc.SetContentType("application/json; charset=utf-8")
	c.rc.SetBody(b)
	return nil
}

// writeEmpty answers 200 with no body, as procedures without output do.
func (c *call) writeEmpty() error {
	c.rc.SetStatusCode(http.StatusOK)
	return nil
}

// dataJSON marshals a data-model value (records, links, bytes) in the
// atproto JSON form inside encoding/json output.
type dataJSON struct{ v any }

func (d dataJSON) MarshalJSON() ([]byte, error) {
	return dagcbor.ToJSON(d.v)
}

// writeError writes an XRPC error response.
func writeError(rc *fasthttp.RequestCtx, e *Error) {
	name := e.Name
	if name == "" {
		name = statusNames[e.Status]
	}
	body, _ := json.Marshal(struct {
		Error   string `json:"error"`
		Message string `json:"message,omitempty"`
	}{name, e.Message})
	for k, v := range e.Header {
		rc.Response.Header.Set(k, v)
	}
	rc.SetStatusCode(e.Status)
	rc.SetContentType("application/json; charset=utf-8")
	rc.SetBody(body)
}
