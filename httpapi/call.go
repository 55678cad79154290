package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

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

// jsonBodyLimit bounds the JSON input of most methods, as the
// reference's body parser does (pds/src/index.ts payload.jsonLimit):
// 150 KiB. Record writes take up to recordBodyLimit (repo_prepare.go,
// 1,000,000 bytes); blob and CAR uploads have their own limits
// (Config.BlobUploadLimit, MaxCARSize).
const jsonBodyLimit = 150 * 1024

// jsonLimit returns the limit on the JSON input of method nsid.
func jsonLimit(nsid string) int64 {
	switch nsid {
	case "com.atproto.repo.createRecord", "com.atproto.repo.putRecord", "com.atproto.repo.applyWrites":
		return recordBodyLimit
	}
	return jsonBodyLimit
}

// errPayloadTooLarge is the answer to a body over its limit: blob, CAR
// and proxied bodies are refused under the XRPC name, JSON inputs under
// the name of the reference's body parser (http-errors).
func errPayloadTooLarge() *Error {
	return xerr(http.StatusRequestEntityTooLarge, "PayloadTooLarge", "request entity too large")
}

func errJSONTooLarge() *Error {
	return xerr(http.StatusRequestEntityTooLarge, "PayloadTooLargeError", "request entity too large")
}

// readBody reads the request body, up to limit bytes.
func (c *call) readBody(limit int64) ([]byte, error) {
	return c.readBodyOr(limit, errPayloadTooLarge)
}

// readBodyOr reads the request body, up to limit bytes, refusing a longer
// one with tooLarge: by its Content-Length before reading, else once
// limit bytes are passed. What is left unread is settled after the
// handler (settleBody).
func (c *call) readBodyOr(limit int64, tooLarge func() *Error) ([]byte, error) {
	if cl := c.rc.Request.Header.ContentLength(); cl > 0 && int64(cl) > limit {
		return nil, tooLarge()
	}
	if r := c.rc.RequestBodyStream(); r != nil {
		b, err := io.ReadAll(io.LimitReader(r, limit+1))
		if err != nil {
			return nil, invalidRequest("cannot read request body")
		}
		if int64(len(b)) > limit {
			return nil, tooLarge()
		}
		return b, nil
	}
	b := c.rc.PostBody()
	if int64(len(b)) > limit {
		return nil, tooLarge()
	}
	return bytes.Clone(b), nil
}

// checkNoBody refuses a body sent to a method without input, as the
// reference does after authentication: a Content-Length other than 0, or
// a chunked body that holds data.
func (c *call) checkNoBody() error {
	switch cl := c.rc.Request.Header.ContentLength(); {
	case cl > 0:
		return errUnexpectedBody()
	case cl == -1: // chunked: framing only, the body may be empty
		if r := c.rc.RequestBodyStream(); r != nil {
			var b [1]byte
			if n, _ := io.ReadFull(r, b[:]); n > 0 {
				return errUnexpectedBody()
			}
		}
	}
	return nil
}

func errUnexpectedBody() *Error {
	return invalidRequest("A request body was provided when none was expected")
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
		return invalidRequest("Request encoding (Content-Type) required but not provided")
	}
	if !in.Accepts(ct) {
		return invalidRequest("Wrong request encoding (Content-Type): %s", ct)
	}
	return nil
}

// utf8BOM is the byte order mark the reference's body parser drops from
// the start of a body.
const utf8BOM = "\xEF\xBB\xBF"

// readInput reads and checks a JSON request body against the method's
// input schema. It reads the body as the reference's body parser does: a
// leading byte order mark is dropped, an empty body is {}, text that
// JSON.parse would refuse (or that does not start with '{' or '[') is a
// SyntaxError, and a repeated key keeps its last value.
func (c *call) readInput() error {
	if err := c.checkEncoding(); err != nil {
		return err
	}
	body, err := c.readBodyOr(c.route.jsonLimit, errJSONTooLarge)
	if err != nil {
		return err
	}
	c.body = body
	if c.route.method.Input.Encoding != "application/json" {
		return nil
	}
	body = bytes.TrimPrefix(body, []byte(utf8BOM))
	if len(body) == 0 {
		body = []byte("{}")
	}
	opts := dagcbor.DecodeOptions{MaxSize: -1} // bounded by jsonLimit
	v, err := opts.FromJSONObject(body)
	if err != nil {
		if msg := jsonSyntax(body); msg != "" {
			return xerr(http.StatusBadRequest, "SyntaxError", "%s", msg)
		}
		if errors.Is(err, dagcbor.ErrMalformedJSON) {
			// JSON.parse reads it: repeated keys, or text dagcbor refuses
			// (invalid UTF-8, unpaired surrogates) that JSON.parse
			// replaces or keeps.
			if body, err = lastKeyWins(body); err != nil {
				return err
			}
			v, err = opts.FromJSONObject(body)
		}
		if err != nil {
			return invalidRequest("Input is not valid JSON: %s", trimPrefix(err))
		}
	}
	if err := c.s.d.Catalog.ValidateInput(c.nsid.String(), v); err != nil {
		return err
	}
	c.body = body
	c.input = v
	return nil
}

// lastKeyWins rewrites JSON text that encoding/json reads, keeping the
// last of repeated keys, as JSON.parse does.
func lastKeyWins(body []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, invalidRequest("Input is not valid JSON: %s", err)
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, invalidRequest("Input is not valid JSON: %s", err)
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n")), nil
}

// jsonSyntax returns what the reference's body parser says of body (a
// SyntaxError message, worded as V8's JSON.parse words it), or "" when
// it would parse it: the first character must be '{' or '[' (strict
// mode), and the whole must be JSON.
func jsonSyntax(body []byte) string {
	i := 0
	for i < len(body) && (body[i] == ' ' || body[i] == '\t' || body[i] == '\n' || body[i] == '\r') {
		i++
	}
	if i == len(body) {
		return "Unexpected end of JSON input"
	}
	if body[i] != '{' && body[i] != '[' {
		return unexpectedToken(body, i)
	}
	var raw json.RawMessage
	var se *json.SyntaxError
	if err := json.Unmarshal(body, &raw); !errors.As(err, &se) || strings.Contains(se.Error(), "max depth") {
		return "" // JSON.parse has no depth limit
	}
	pos := int(se.Offset) - 1 // the offending byte
	switch {
	case se.Error() == "unexpected end of JSON input" || pos < 0 || pos >= len(body):
		return "Unexpected end of JSON input"
	case strings.HasSuffix(se.Error(), "after top-level value"):
		return fmt.Sprintf("Unexpected non-whitespace character after JSON at position %d", pos)
	case strings.HasSuffix(se.Error(), "in string literal"):
		return fmt.Sprintf("Bad control character in string literal in JSON at position %d", pos)
	case strings.HasSuffix(se.Error(), "in string escape code"):
		return fmt.Sprintf("Bad escaped character in JSON at position %d", pos)
	case strings.HasSuffix(se.Error(), "looking for beginning of object key string"):
		if body[pos] == '}' {
			return fmt.Sprintf("Expected double-quoted property name in JSON at position %d", pos)
		}
		return fmt.Sprintf("Expected property name or '}' in JSON at position %d", pos)
	}
	return unexpectedToken(body, pos)
}

// unexpectedToken words V8's error for an unexpected character at pos.
func unexpectedToken(body []byte, pos int) string {
	r, _ := utf8.DecodeRune(body[pos:])
	const room = 10
	text := string(body)
	if len(body) > 2*room+1 {
		from, to := max(pos-room, 0), min(pos+room+1, len(body))
		text = string(body[from:to])
		if from > 0 {
			text = "..." + text
		}
		if to < len(body) {
			text += "..."
		}
	}
	return fmt.Sprintf("Unexpected token '%c', \"%s\" is not valid JSON", r, strings.ToValidUTF8(text, "\uFFFD"))
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
