package account

import (
	"errors"
	"net/http"
)

// Error is an error a client may see. Name is the XRPC error name, Message
// the human text the reference implementation sends with it, and Status
// the HTTP status it answers with (400, 401 or 403).
//
// The package's sentinels are *Error values. A refinement of a sentinel
// (same name and status, a more specific message, such as "Handle already
// taken: alice.test") matches its sentinel under errors.Is. Errors may be
// wrapped with detail for logs: the HTTP layer finds the *Error with
// errors.As and sends its Name and Message only.
type Error struct {
	Name    string
	Message string
	Status  int
	// base is the sentinel a refinement refines; nil for a sentinel.
	base *Error
}

// Error returns "account: <Name>: <Message>".
func (e *Error) Error() string { return "account: " + e.Name + ": " + e.Message }

// Is reports whether target is the sentinel e refines.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && e.base != nil && t == e.base
}

// withMessage returns a refinement of e with another message.
func (e *Error) withMessage(msg string) *Error {
	base := e
	if e.base != nil {
		base = e.base
	}
	return &Error{Name: e.Name, Message: msg, Status: e.Status, base: base}
}

func invalidRequest(name, msg string) *Error {
	return &Error{Name: name, Message: msg, Status: http.StatusBadRequest}
}

func authRequired(name, msg string) *Error {
	return &Error{Name: name, Message: msg, Status: http.StatusUnauthorized}
}

// Session token errors, as the reference names them. Expired and invalid
// tokens answer 400, not 401: clients recognise them by name.
var (
	// ErrInvalidToken reports a session token whose signature, type,
	// audience or encoding does not verify.
	ErrInvalidToken = invalidRequest("InvalidToken", "Token could not be verified")
	// ErrExpiredToken reports a session token past its expiry.
	ErrExpiredToken = invalidRequest("ExpiredToken", "Token has expired")
	// ErrMalformedToken reports a verified token with claims a session
	// token never has (lxm, cnf) or lacks (sub, aud).
	ErrMalformedToken = invalidRequest("InvalidToken", "Malformed token")
	// ErrBadTokenScope reports a token whose scope the endpoint does not
	// accept.
	ErrBadTokenScope = invalidRequest("InvalidToken", "Bad token scope")
	// ErrBadTokenMethod reports a session used to proxy a protected
	// method, or a privileged one without privileged access.
	ErrBadTokenMethod = invalidRequest("InvalidToken", "Bad token method")
	// ErrMissingTokenID reports a refresh token without a jti.
	ErrMissingTokenID = authRequired("MissingTokenId", "Unexpected missing refresh token id")
	// ErrTokenRevoked reports a refresh token whose record is gone or past
	// its grace period.
	ErrTokenRevoked = invalidRequest("ExpiredToken", "Token has been revoked")
)

// Password and app-password errors.
var (
	// ErrPasswordTooLong reports a new password over MaxPasswordLength.
	ErrPasswordTooLong = invalidRequest("InvalidRequest", "Password too long. Maximum length is 256 characters.")
	// ErrInvalidAppPasswordName reports an app password name that is
	// empty, too long or holds control characters.
	ErrInvalidAppPasswordName = invalidRequest("InvalidRequest", "Invalid app password name")
	// ErrAppPasswordExists reports an app password name already in use.
	ErrAppPasswordExists = invalidRequest("InvalidRequest", "App password name already in use")
	// ErrInvalidPasswordHash reports a stored password hash in no known
	// format. It is internal: the stored data is wrong, not the request.
	ErrInvalidPasswordHash = errors.New("account: invalid password hash")
)

// Errors of inbound service auth JWTs, all 401 as in the reference's
// verifyJwt.
var (
	// ErrBadJwt reports a token that is not three base64url JSON parts
	// with the required claims.
	ErrBadJwt = authRequired("BadJwt", "poorly formatted jwt")
	// ErrBadJwtType reports a session, refresh or DPoP token presented as
	// service auth.
	ErrBadJwtType = authRequired("BadJwtType", "Invalid jwt type")
	// ErrJwtExpired reports a service token past its exp.
	ErrJwtExpired = authRequired("JwtExpired", "jwt expired")
	// ErrBadJwtAudience reports a service token for another service.
	ErrBadJwtAudience = authRequired("BadJwtAudience", "jwt audience does not match service did")
	// ErrBadJwtLexiconMethod reports a service token for another method,
	// or with no lxm where one is required.
	ErrBadJwtLexiconMethod = authRequired("BadJwtLexiconMethod", "bad jwt lexicon method (\"lxm\")")
	// ErrBadJwtIss reports an iss that is not a DID.
	ErrBadJwtIss = authRequired("BadJwtIss", "jwt iss is not a valid did")
	// ErrBadJwtSignature reports a signature that does not verify against
	// the issuer's current key.
	ErrBadJwtSignature = authRequired("BadJwtSignature", "jwt signature does not match jwt issuer")
	// ErrUnresolvedIssuer reports an issuer whose signing key could not be
	// found.
	ErrUnresolvedIssuer = authRequired("AuthenticationRequired", "could not resolve iss did")
	// ErrJwtReplayed reports a service token whose jti was already
	// accepted.
	ErrJwtReplayed = authRequired("BadJwt", "jwt has already been used")
)

// Errors of com.atproto.server.getServiceAuth requests.
var (
	// ErrInvalidServiceAud reports an aud that is neither a DID nor a
	// did#service reference.
	ErrInvalidServiceAud = invalidRequest("InvalidRequest", "aud must be a valid atproto DID or did#serviceId reference")
	// ErrBadExpiration reports an exp in the past or too far ahead.
	ErrBadExpiration = invalidRequest("BadExpiration", "bad expiration")
	// ErrInsufficientAccess reports a privileged method requested with an
	// ordinary app password.
	ErrInsufficientAccess = invalidRequest("InvalidRequest", "insufficient access to request a service auth token for the method")
	// ErrProtectedMethod reports a method that may never be service-authed.
	ErrProtectedMethod = invalidRequest("InvalidRequest", "cannot request a service auth token for a protected method")
)

// Invite errors.
var (
	// ErrInvalidInviteCode reports an unknown, disabled or used-up code.
	ErrInvalidInviteCode = invalidRequest("InvalidInviteCode", "Provided invite code not available")
	// ErrInviteCodeRequired reports a sign-up without a code on a server
	// that requires one.
	ErrInviteCodeRequired = invalidRequest("InvalidInviteCode", "No invite code provided")
)

// Email token errors.
var (
	// ErrInvalidEmailToken reports a token that does not match.
	ErrInvalidEmailToken = invalidRequest("InvalidToken", "Token is invalid")
	// ErrExpiredEmailToken reports a matching token past its lifetime.
	ErrExpiredEmailToken = invalidRequest("ExpiredToken", "Token is expired")
)

// Handle and email errors.
var (
	// ErrInvalidHandle reports a handle that breaks the syntax or this
	// server's rules (refinements say which).
	ErrInvalidHandle = invalidRequest("InvalidHandle", "Invalid handle")
	// ErrHandleNotAvailable reports a reserved handle.
	ErrHandleNotAvailable = invalidRequest("HandleNotAvailable", "Reserved handle")
	// ErrUnsupportedDomain reports a sign-up handle outside this server's
	// user domains.
	ErrUnsupportedDomain = invalidRequest("UnsupportedDomain", "Not a supported handle domain")
	// ErrHandleTaken reports a handle that belongs to another account.
	ErrHandleTaken = invalidRequest("InvalidRequest", "Handle already taken")
	// ErrEmailTaken reports an email address that belongs to another
	// account.
	ErrEmailTaken = invalidRequest("InvalidRequest", "Email already taken")
	// ErrInvalidEmail reports an address this server will not accept.
	ErrInvalidEmail = invalidRequest("InvalidRequest", "This email address is not supported, please use a different email.")
)

// Internal errors.
var (
	// ErrSealedKey reports sealed key bytes that cannot be opened: wrong
	// server key, unknown version, or tampered bytes.
	ErrSealedKey = errors.New("account: sealed key cannot be opened")
	// ErrMail reports a message that could not be delivered.
	ErrMail = errors.New("account: mail not delivered")
)
