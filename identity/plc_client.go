package identity

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/boltsky/boltsky/atp"
)

// DefaultPLCURL is the public PLC directory.
const DefaultPLCURL = "https://plc.directory"

// Defaults of PLCClient.
const (
	// DefaultPLCTimeout bounds a request when the client has no HTTP
	// client of its own; a deadline on ctx applies in every case.
	DefaultPLCTimeout = 10 * time.Second
	// DefaultMaxPLCResponse bounds a response body.
	DefaultMaxPLCResponse = 4 << 20
)

// PLCClient talks to a PLC directory over HTTP. The zero value talks to
// DefaultPLCURL with a client that times out after DefaultPLCTimeout.
// Every call takes a context, whose deadline and cancellation end the
// request. Answers other than success become a *PLCError carrying the
// directory's status and message. An operation sent over a kept-alive
// connection the directory has just closed is sent once more (see do).
// A PLCClient is safe for concurrent use.
type PLCClient struct {
	// BaseURL is the directory's URL, such as "http://localhost:2582",
	// without a trailing path; "" means DefaultPLCURL.
	BaseURL string
	// HTTP sends the requests; nil means a client with DefaultPLCTimeout.
	HTTP *http.Client
	// UserAgent, when set, is sent with every request.
	UserAgent string
	// MaxResponseSize bounds a response body in bytes; 0 means
	// DefaultMaxPLCResponse.
	MaxResponseSize int64
}

func (c *PLCClient) baseURL() string {
	if c == nil || c.BaseURL == "" {
		return DefaultPLCURL
	}
	return strings.TrimRight(c.BaseURL, "/")
}

func (c *PLCClient) httpClient() *http.Client {
	if c != nil && c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: DefaultPLCTimeout}
}

func (c *PLCClient) maxSize() int64 {
	if c != nil && c.MaxResponseSize > 0 {
		return c.MaxResponseSize
	}
	return DefaultMaxPLCResponse
}

// Submit posts a signed operation for did (POST /:did). The directory
// answers 200 when it accepted the operation; a refusal is a *PLCError
// that unwraps to ErrInvalidOperation.
func (c *PLCClient) Submit(ctx context.Context, did atp.DID, op Operation) error {
	if err := requirePLC(did); err != nil {
		return err
	}
	if !op.IsSigned() {
		return invalidOp("cannot submit an unsigned operation")
	}
	body, err := json.Marshal(op)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, http.MethodPost, "/"+did.String(), body)
	return err
}

// Document fetches the DID document of did (GET /:did) and checks that it
// describes did. A DID the directory does not know, or has tombstoned,
// fails with ErrDIDNotFound.
func (c *PLCClient) Document(ctx context.Context, did atp.DID) (*Document, error) {
	if err := requirePLC(did); err != nil {
		return nil, err
	}
	b, err := c.do(ctx, http.MethodGet, "/"+did.String(), nil)
	if err != nil {
		return nil, err
	}
	doc, err := ParseDocument(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrResolution, err)
	}
	if doc.ID != did {
		return nil, fmt.Errorf("%w: document for %s names %s", ErrResolution, did, doc.ID)
	}
	return doc, nil
}

// LastOp fetches the latest operation of did (GET /:did/log/last), which
// may be a tombstone or a legacy create.
func (c *PLCClient) LastOp(ctx context.Context, did atp.DID) (Operation, error) {
	if err := requirePLC(did); err != nil {
		return Operation{}, err
	}
	b, err := c.do(ctx, http.MethodGet, "/"+did.String()+"/log/last", nil)
	if err != nil {
		return Operation{}, err
	}
	op, err := ParseOperation(b)
	if err != nil {
		return Operation{}, fmt.Errorf("%w: last operation: %w", ErrResolution, err)
	}
	return op, nil
}

// AuditLog fetches every operation of did, nullified ones included (GET
// /:did/log/audit). It does not verify the log; see VerifyAuditLog.
func (c *PLCClient) AuditLog(ctx context.Context, did atp.DID) ([]AuditEntry, error) {
	if err := requirePLC(did); err != nil {
		return nil, err
	}
	b, err := c.do(ctx, http.MethodGet, "/"+did.String()+"/log/audit", nil)
	if err != nil {
		return nil, err
	}
	var entries []AuditEntry
	if err := json.Unmarshal(b, &entries); err != nil {
		return nil, fmt.Errorf("%w: audit log: %w", ErrResolution, err)
	}
	for i, e := range entries {
		if e.DID != did {
			return nil, fmt.Errorf("%w: audit log of %s: entry %d names %s", ErrResolution, did, i, e.DID)
		}
	}
	return entries, nil
}

// Data fetches the current state of did (GET /:did/data): rotation keys,
// verification methods, alsoKnownAs and services.
func (c *PLCClient) Data(ctx context.Context, did atp.DID) (*PLCData, error) {
	if err := requirePLC(did); err != nil {
		return nil, err
	}
	b, err := c.do(ctx, http.MethodGet, "/"+did.String()+"/data", nil)
	if err != nil {
		return nil, err
	}
	var d PLCData
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("%w: data: %w", ErrResolution, err)
	}
	if d.DID != did {
		return nil, fmt.Errorf("%w: data for %s names %s", ErrResolution, did, d.DID)
	}
	return &d, nil
}

// requirePLC refuses DIDs that are not did:plc, and did:plcs whose
// identifier is not 24 characters of lower-case base32, which no genesis
// operation can produce (ErrDIDNotFound, without a request).
func requirePLC(did atp.DID) error {
	if !did.IsPLC() {
		return fmt.Errorf("%w: %q is not a did:plc", ErrUnsupportedMethod, did)
	}
	id := did.Identifier()
	if len(id) != 24 || strings.IndexFunc(id, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '2' && r <= '7') }) >= 0 {
		return fmt.Errorf("%w: %s is not 24 characters of lower-case base32", ErrDIDNotFound, did)
	}
	return nil
}

// do sends a request and returns the body of a 2xx answer.
//
// A POST that fails on a connection taken from the idle pool, reset or
// closed by the directory before any answer, is sent once more: a
// directory (or a proxy before it) may close an idle connection just as
// it is reused, Go's transport resends only idempotent methods by itself,
// and sending the same signed operation again is harmless.
func (c *PLCClient) do(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	resp, reused, err := c.send(ctx, method, path, body)
	if err != nil && method == http.MethodPost && reused && isStaleConn(err) && ctx.Err() == nil {
		resp, _, err = c.send(ctx, method, path, body)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: PLC directory: %s %s: %w", ErrResolution, method, path, err)
	}
	defer resp.Body.Close()
	b, err := readLimited(resp.Body, c.maxSize())
	if err != nil {
		return nil, fmt.Errorf("%w: PLC directory: %s %s: %w", ErrResolution, method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &PLCError{Method: method, Path: path, Status: resp.StatusCode, Message: errorMessage(b)}
	}
	return b, nil
}

// send sends one request; reused reports whether it went over a
// connection that had served requests before.
func (c *PLCClient) send(ctx context.Context, method, path string, body []byte) (resp *http.Response, reused bool, err error) {
	var wasReused atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) { wasReused.Store(info.Reused) },
	})
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL()+path, rd)
	if err != nil {
		return nil, false, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c != nil && c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	resp, err = c.httpClient().Do(req)
	return resp, wasReused.Load(), err
}

// isStaleConn reports whether err is a connection reset or closed by the
// other side before an answer came.
func isStaleConn(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// errTooLarge reports a response body over its limit.
var errTooLarge = errors.New("response body too large")

// readLimited reads all of r, failing when it holds more than limit bytes.
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", errTooLarge, limit)
	}
	return b, nil
}

// errorMessage extracts the message of an error body: the "message" (or
// "error") of a JSON object, else the body's start.
func errorMessage(b []byte) string {
	var v struct {
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(b, &v) == nil {
		if v.Message != "" {
			return v.Message
		}
		if v.Error != "" {
			return v.Error
		}
	}
	s := strings.TrimSpace(string(b))
	if len(s) > 256 {
		s = s[:256] + "..."
	}
	return s
}
