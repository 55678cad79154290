package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/atp/lexicon"
	"github.com/boltsky/boltsky/blobstore"
	"github.com/boltsky/boltsky/identity"
	"github.com/boltsky/boltsky/repo"
)

// Error is an XRPC error: the HTTP status, the error name and a message.
// Handlers return it for the errors they name themselves.
type Error struct {
	Status  int
	Name    string
	Message string
	// Header holds extra response headers (WWW-Authenticate, Retry-After).
	Header map[string]string
	// cause is kept for logs only.
	cause error
}

func (e *Error) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Name, e.Message, e.cause)
	}
	return e.Name + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.cause }

// xerr builds an Error.
func xerr(status int, name, format string, args ...any) *Error {
	return &Error{Status: status, Name: name, Message: fmt.Sprintf(format, args...)}
}

// invalidRequest is the common 400.
func invalidRequest(format string, args ...any) *Error {
	return xerr(http.StatusBadRequest, "InvalidRequest", format, args...)
}

// Default error names by status, as the reference names them.
var statusNames = map[int]string{
	400: "InvalidRequest",
	401: "AuthenticationRequired",
	403: "Forbidden",
	404: "XRPCNotSupported",
	405: "InvalidRequest",
	413: "PayloadTooLarge",
	429: "RateLimitExceeded",
	500: "InternalServerError",
	501: "MethodNotImplemented",
	502: "UpstreamFailure",
	503: "NotEnoughResources",
	504: "UpstreamTimeout",
}

// toXRPC maps any error a handler returns to what the client sees. The
// second result reports whether the error is internal (and so logged).
func toXRPC(err error) (*Error, bool) {
	var xe *Error
	if errors.As(err, &xe) {
		return xe, xe.Status >= 500
	}
	var ae *account.Error
	if errors.As(err, &ae) {
		e := &Error{Status: ae.Status, Name: ae.Name, Message: ae.Message}
		if ae.Status == http.StatusUnauthorized {
			e.Header = map[string]string{"WWW-Authenticate": `Bearer realm="atproto"`}
		}
		return e, false
	}
	var ve *identity.ValidationError
	if errors.As(err, &ve) {
		return invalidRequest("%s", ve.Message), false
	}
	var pe *identity.PLCError
	if errors.As(err, &pe) && pe.Status >= 400 && pe.Status < 500 {
		return invalidRequest("%s", pe.Message), false
	}
	for _, m := range errorTable {
		if errors.Is(err, m.err) {
			msg := m.message
			if msg == "" {
				msg = err.Error()
			}
			return &Error{Status: m.status, Name: m.name, Message: msg}, m.status >= 500
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return xerr(http.StatusGatewayTimeout, "UpstreamTimeout", "Request timed out"), true
	}
	return xerr(http.StatusInternalServerError, "InternalServerError", "Internal Server Error"), true
}

// errorTable maps package sentinels to XRPC errors. An empty message sends
// the error's own text, for errors whose text is written for clients.
var errorTable = []struct {
	err     error
	status  int
	name    string
	message string
}{
	{lexicon.ErrInvalid, 400, "InvalidRequest", ""},
	{dagcbor.ErrMalformedJSON, 400, "InvalidRequest", ""},
	{dagcbor.ErrInvalidLink, 400, "InvalidRequest", ""},
	{dagcbor.ErrInvalidBytes, 400, "InvalidRequest", ""},
	{dagcbor.ErrInvalidType, 400, "InvalidRequest", ""},
	{dagcbor.ErrInvalidBlob, 400, "InvalidRequest", ""},
	{dagcbor.ErrUnsupported, 400, "InvalidRequest", ""},
	{dagcbor.ErrLimit, 400, "InvalidRequest", ""},
	{atp.ErrInvalidDID, 400, "InvalidRequest", ""},
	{atp.ErrInvalidHandle, 400, "InvalidRequest", ""},
	{atp.ErrInvalidNSID, 400, "InvalidRequest", ""},
	{atp.ErrInvalidRecordKey, 400, "InvalidRequest", ""},
	{atp.ErrInvalidTID, 400, "InvalidRequest", ""},
	{atp.ErrInvalidATURI, 400, "InvalidRequest", ""},
	{actor.ErrInvalidSwap, 400, "InvalidSwap", ""},
	{actor.ErrInvalidWrite, 400, "InvalidRequest", ""},
	{actor.ErrInactive, 400, "InvalidRequest", ""},
	{actor.ErrBlobNotFound, 400, "BlobNotFound", ""},
	{repo.ErrInvalidRepo, 400, "InvalidRequest", ""},
	{repo.ErrInvalidWrite, 400, "InvalidRequest", ""},
	{blobstore.ErrTooLarge, 413, "PayloadTooLarge", "request entity too large"},
	{identity.ErrHandleNotFound, 400, "HandleNotFound", "Unable to resolve handle"},
	{identity.ErrDIDNotFound, 400, "DidNotFound", ""},
	{actor.ErrBusy, 503, "NotEnoughResources", "server is busy"},
}
