package identity

import (
	"errors"
	"fmt"
	"net/http"
)

// Sentinel errors. Functions wrap them with detail; test with errors.Is.
// Three outcomes are kept apart on purpose: a DID with an unsupported
// method (ErrUnsupportedMethod), a DID or handle that positively does not
// exist (ErrDIDNotFound, ErrHandleNotFound), and a lookup that could not be
// completed (ErrResolution: network failure, timeout, bad status, a
// malformed or oversized answer).
var (
	// ErrDIDNotFound reports a DID that its method says does not exist: a
	// 404 from the PLC directory or the did:web host, or a tombstoned
	// did:plc.
	ErrDIDNotFound = errors.New("identity: DID not found")
	// ErrHandleNotFound reports a handle with no DNS TXT record and no
	// HTTPS well-known answer (NXDOMAIN, no "did=" value, a 404).
	ErrHandleNotFound = errors.New("identity: handle not found")
	// ErrHandleNotAllowed reports a handle whose top-level domain may not
	// be resolved (.local, .onion, ...; see atp.Handle.AllowedTLD) or the
	// reserved handle.invalid.
	ErrHandleNotAllowed = errors.New("identity: handle not allowed")
	// ErrHandleMismatch reports a handle that resolves to a DID whose
	// document does not claim the handle (or the reverse): the
	// bidirectional check failed.
	ErrHandleMismatch = errors.New("identity: handle and DID do not match")
	// ErrUnsupportedMethod reports a DID whose method is neither plc nor
	// web, or a did:web with a path.
	ErrUnsupportedMethod = errors.New("identity: unsupported DID method")
	// ErrResolution reports a lookup that failed without an answer:
	// network errors, timeouts, unexpected HTTP statuses, DNS failures,
	// and answers that are malformed, oversized or name another DID.
	ErrResolution = errors.New("identity: resolution failed")
	// ErrInvalidDocument reports JSON that is not a DID document.
	ErrInvalidDocument = errors.New("identity: invalid DID document")
	// ErrKeyNotFound reports a DID document without the requested
	// verification method (such as #atproto), or whose entry is malformed.
	ErrKeyNotFound = errors.New("identity: verification method not found")
	// ErrInvalidOperation reports a did:plc operation that is malformed,
	// unsigned, badly signed, or refused by the PLC directory.
	ErrInvalidOperation = errors.New("identity: invalid PLC operation")
	// ErrInvalidAuditLog reports an audit log that fails verification;
	// the error also wraps the cause (often ErrInvalidOperation).
	ErrInvalidAuditLog = errors.New("identity: invalid PLC audit log")
)

// PLCError is the error a PLC directory answered with: its HTTP status and
// the message of its JSON error body ({"message": "..."}), or the start of
// the body when it is not JSON. It unwraps to ErrDIDNotFound for a 404,
// to ErrInvalidOperation for a 4xx answer to a submitted operation, and to
// ErrResolution otherwise.
type PLCError struct {
	// Method and Path name the request ("POST", "/did:plc:...").
	Method, Path string
	// Status is the HTTP status code.
	Status int
	// Message is the directory's error message.
	Message string
}

// Error describes the failed request.
func (e *PLCError) Error() string {
	return fmt.Sprintf("identity: PLC directory: %s %s: %d %s: %s",
		e.Method, e.Path, e.Status, http.StatusText(e.Status), e.Message)
}

// Unwrap returns the sentinel that the status maps to.
func (e *PLCError) Unwrap() error {
	switch {
	case e.Status == http.StatusNotFound:
		return ErrDIDNotFound
	case e.Method == http.MethodPost && e.Status >= 400 && e.Status < 500:
		return ErrInvalidOperation
	default:
		return ErrResolution
	}
}

// ValidationError is a refusal worded for the client, with the messages
// the reference PDS uses ("Incorrect signing key", ...). The server answers
// it as an XRPC InvalidRequest error carrying Message verbatim. It unwraps
// to ErrInvalidOperation.
type ValidationError struct {
	// Message is the client-facing reason.
	Message string
}

// Error returns the message, prefixed with the package name.
func (e *ValidationError) Error() string { return "identity: " + e.Message }

// Unwrap returns ErrInvalidOperation.
func (e *ValidationError) Unwrap() error { return ErrInvalidOperation }

// invalidOp builds an ErrInvalidOperation error with detail.
func invalidOp(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidOperation}, args...)...)
}
