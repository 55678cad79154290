package httpapi

import (
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/atp"
)

// principalKind says how a request authenticated.
type principalKind int

const (
	// anonymous: no credentials.
	anonymous principalKind = iota
	// accessToken: a session access token.
	accessToken
	// refreshToken: a session refresh token.
	refreshToken
	// admin: HTTP Basic with the admin password.
	admin
	// serviceToken: an inter-service JWT signed by another DID.
	serviceToken
)

// principal is who is making a request.
type principal struct {
	kind principalKind
	// did is the account of a session or the issuer of a service token.
	did atp.DID
	// claims of a session token.
	claims account.Claims
	// service claims of a service token.
	service account.ServiceClaims
}

// is reports whether the caller is did's own session (or an admin).
func (p principal) is(did atp.DID) bool {
	return p.kind == admin || (p.kind == accessToken && p.did == did)
}

// authPolicy authenticates a call, setting c.auth, or refuses it.
type authPolicy func(c *call) error

// errAuthMissing is the reference's answer to a request without
// credentials where they are required.
func errAuthMissing() *Error {
	return &Error{Status: http.StatusUnauthorized, Name: "AuthMissing", Message: "Authentication Required",
		Header: map[string]string{"WWW-Authenticate": `Bearer realm="atproto"`}}
}

func errAuthRequired(msg string) *Error {
	return &Error{Status: http.StatusUnauthorized, Name: "AuthenticationRequired", Message: msg,
		Header: map[string]string{"WWW-Authenticate": `Bearer realm="atproto"`}}
}

// Authorization schemes the reference knows, as authorization returns
// them.
const (
	schemeBasic  = "BASIC"
	schemeBearer = "BEARER"
	schemeDPoP   = "DPOP"
)

// errInvalidToken is the reference's answer to an Authorization header it
// cannot use.
func errInvalidToken(format string, args ...any) *Error {
	return xerr(http.StatusBadRequest, "InvalidToken", format, args...)
}

// authorization returns the scheme (upper case, or "" when there is no
// Authorization header) and the credentials of the request, split as the
// reference splits them (auth-verifier.ts parseAuthorizationHeader): a
// scheme in any case and the credentials, separated by exactly one
// space. A header of another shape, or with a scheme other than Basic,
// Bearer and DPoP, is refused with 400 InvalidToken on every route that
// looks at credentials.
func (c *call) authorization() (scheme, cred string, err error) {
	h := strings.Trim(string(c.rc.Request.Header.Peek("Authorization")), " \t")
	if h == "" {
		return "", "", nil
	}
	parts := strings.Split(h, " ")
	if len(parts) != 2 {
		return "", "", errInvalidToken("Malformed authorization header")
	}
	switch scheme = strings.ToUpper(parts[0]); scheme {
	case schemeBasic, schemeBearer, schemeDPoP:
		return scheme, parts[1], nil
	}
	return "", "", errInvalidToken("Unsupported authorization type: %s", parts[0])
}

// bearerToken returns the bearer token of the request, refusing anything
// else as the reference's verifyBearerJwt does: no bearer token is 401
// AuthMissing.
func (c *call) bearerToken() (string, error) {
	scheme, tok, err := c.authorization()
	if err != nil {
		return "", err
	}
	if scheme != schemeBearer {
		return "", errAuthMissing()
	}
	return tok, nil
}

// accessToken returns the bearer token of a route that takes session
// access tokens (the reference's authorization verifier): no credentials
// are 401 AuthMissing, Basic credentials 400 InvalidToken. This server
// has no OAuth, so a DPoP token counts as no credentials.
func (c *call) accessToken() (string, error) {
	scheme, tok, err := c.authorization()
	switch {
	case err != nil:
		return "", err
	case scheme == schemeBearer:
		return tok, nil
	case scheme == schemeBasic:
		return "", errInvalidToken("Unexpected authorization type")
	}
	return "", errAuthMissing()
}

// authAccess accepts session access tokens whose scope is in scopes.
func authAccess(scopes account.Scopes) authPolicy {
	return func(c *call) error {
		tok, err := c.accessToken()
		if err != nil {
			return err
		}
		return c.useAccess(tok, scopes)
	}
}

func (c *call) useAccess(tok string, scopes account.Scopes) error {
	claims, err := c.s.d.Sessions.ParseAccess(tok)
	if err != nil {
		return err
	}
	if err := scopes.Check(claims.Scope); err != nil {
		return err
	}
	c.auth = principal{kind: accessToken, did: claims.DID, claims: claims}
	return nil
}

// authRefresh accepts session refresh tokens.
func authRefresh(c *call) error {
	tok, err := c.bearerToken()
	if err != nil {
		return err
	}
	claims, err := c.s.d.Sessions.ParseRefresh(tok)
	if err != nil {
		return err
	}
	c.auth = principal{kind: refreshToken, did: claims.DID, claims: claims}
	return nil
}

// authAdmin accepts HTTP Basic with user "admin" and the admin password;
// anything else, a malformed header included, is 401 as in the
// reference's adminToken verifier.
func authAdmin(c *call) error {
	scheme, cred, err := c.authorization()
	if err != nil || scheme != schemeBasic || !c.s.checkAdmin(cred) {
		return errAuthRequired("Authentication Required")
	}
	c.auth = principal{kind: admin}
	return nil
}

func (s *Server) checkAdmin(cred string) bool {
	if s.cfg.AdminPassword == "" {
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(cred)
	if err != nil {
		return false
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	return ok && user == account.AdminAccount &&
		subtle.ConstantTimeCompare([]byte(pass), []byte(s.cfg.AdminPassword)) == 1
}

// authAccessOrAdmin accepts a session (scopes) or the admin.
func authAccessOrAdmin(scopes account.Scopes) authPolicy {
	access := authAccess(scopes)
	return func(c *call) error {
		scheme, _, err := c.authorization()
		if err != nil {
			return err
		}
		if scheme == schemeBasic {
			return authAdmin(c)
		}
		return access(c)
	}
}

// authOptional accepts anonymous calls, sessions (scopes) and the admin;
// bad credentials are still refused.
func authOptional(scopes account.Scopes) authPolicy {
	access := authAccess(scopes)
	return func(c *call) error {
		scheme, _, err := c.authorization()
		switch {
		case err != nil:
			return err
		case scheme == "":
			return nil
		case scheme == schemeBasic:
			return authAdmin(c)
		}
		return access(c)
	}
}

// authServiceOptional accepts anonymous calls and inter-service tokens
// for this method (createAccount during migration).
func authServiceOptional(c *call) error {
	scheme, tok, err := c.authorization()
	switch {
	case err != nil:
		return err
	case scheme == "":
		return nil
	case scheme != schemeBearer:
		return errAuthRequired("Invalid authorization header")
	}
	claims, err := c.s.d.ServiceAuth.Verify(c.ctx, tok, c.nsid)
	if err != nil {
		return err
	}
	c.auth = principal{kind: serviceToken, did: claims.Iss, service: claims}
	return nil
}
