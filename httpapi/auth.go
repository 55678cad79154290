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

// authorization returns the scheme ("bearer", "basic" or "") and the
// credentials of the Authorization header.
func (c *call) authorization() (scheme, cred string) {
	h := strings.TrimSpace(string(c.rc.Request.Header.Peek("Authorization")))
	if h == "" {
		return "", ""
	}
	s, rest, ok := strings.Cut(h, " ")
	if !ok {
		return strings.ToLower(h), ""
	}
	return strings.ToLower(s), strings.TrimSpace(rest)
}

// authAccess accepts session access tokens whose scope is in scopes.
func authAccess(scopes account.Scopes) authPolicy {
	return func(c *call) error {
		scheme, tok := c.authorization()
		if scheme != "bearer" || tok == "" {
			return errAuthMissing()
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
	scheme, tok := c.authorization()
	if scheme != "bearer" || tok == "" {
		return errAuthMissing()
	}
	claims, err := c.s.d.Sessions.ParseRefresh(tok)
	if err != nil {
		return err
	}
	c.auth = principal{kind: refreshToken, did: claims.DID, claims: claims}
	return nil
}

// authAdmin accepts HTTP Basic with user "admin" and the admin password.
func authAdmin(c *call) error {
	scheme, cred := c.authorization()
	if scheme != "basic" || !c.s.checkAdmin(cred) {
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
		if scheme, _ := c.authorization(); scheme == "basic" {
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
		switch scheme, _ := c.authorization(); scheme {
		case "":
			return nil
		case "basic":
			return authAdmin(c)
		default:
			return access(c)
		}
	}
}

// authServiceOptional accepts anonymous calls and inter-service tokens
// for this method (createAccount during migration).
func authServiceOptional(c *call) error {
	scheme, tok := c.authorization()
	if scheme == "" {
		return nil
	}
	if scheme != "bearer" || tok == "" {
		return errAuthRequired("Authentication Required")
	}
	claims, err := c.s.d.ServiceAuth.Verify(c.ctx, tok, c.nsid)
	if err != nil {
		return err
	}
	c.auth = principal{kind: serviceToken, did: claims.Iss, service: claims}
	return nil
}
