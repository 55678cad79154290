package account

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
)

// KeyResolver finds the current atproto signing key of a DID, from its DID
// document. With refresh set it bypasses any cache: Verify asks again
// with refresh when a signature fails, in case the key was just rotated.
type KeyResolver interface {
	SigningKey(ctx context.Context, did atp.DID, refresh bool) (*crypto.PublicKey, error)
}

// Service auth lifetimes, as the reference's getServiceAuth allows them.
const (
	// DefaultServiceAuthLifetime is the lifetime of a token minted
	// without an explicit exp, and the longest a token without lxm may
	// be requested for.
	DefaultServiceAuthLifetime = time.Minute
	// MaxServiceAuthLifetime is the longest lifetime getServiceAuth
	// grants.
	MaxServiceAuthLifetime = time.Hour
	// DefaultReplayCacheSize bounds the remembered token nonces.
	DefaultReplayCacheSize = 100_000
)

// pdsServiceFragment is the service id under which this server may also be
// addressed in a service token's aud.
const pdsServiceFragment = "#atproto_pds"

// ServiceAuthConfig configures ServiceAuth. ReplayCacheSize zero means
// DefaultReplayCacheSize; Now nil means time.Now; Rand nil crypto/rand.
type ServiceAuthConfig struct {
	// ServiceDID is this server's DID. Inbound tokens must name it, bare
	// or as ServiceDID#atproto_pds, in aud.
	ServiceDID atp.DID
	// Resolver finds issuers' signing keys.
	Resolver        KeyResolver
	ReplayCacheSize int
	Now             func() time.Time
	Rand            io.Reader
}

// Validate reports what is missing from c.
func (c ServiceAuthConfig) Validate() error {
	switch {
	case c.ServiceDID.IsZero():
		return errors.New("account: service auth config needs the service DID")
	case c.Resolver == nil:
		return errors.New("account: service auth config needs a key resolver")
	}
	return nil
}

// ServiceAuth mints the inter-service JWTs accounts sign and verifies the
// ones other services present. It is safe for concurrent use.
type ServiceAuth struct {
	cfg    ServiceAuthConfig
	replay *replayCache
}

// NewServiceAuth returns a ServiceAuth.
func NewServiceAuth(cfg ServiceAuthConfig) (*ServiceAuth, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.ReplayCacheSize <= 0 {
		cfg.ReplayCacheSize = DefaultReplayCacheSize
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Rand = randomReader(cfg.Rand)
	return &ServiceAuth{cfg: cfg, replay: newReplayCache(cfg.ReplayCacheSize)}, nil
}

// ServiceJWTParams are the claims of a service token to mint.
type ServiceJWTParams struct {
	// Iss is the account signing the token.
	Iss atp.DID
	// Aud is the service: a DID, or a DID with a #service fragment.
	Aud string
	// Lxm is the method the token may call; zero for none.
	Lxm atp.NSID
	// Exp is when the token expires; zero means a minute from now.
	Exp time.Time
}

// Mint signs a service token with key (the account's signing key): header
// {"alg": "ES256K" or "ES256", "typ": "JWT"}, claims iat, iss, aud, exp,
// lxm (when set) and a random 128-bit hex jti. It checks no policy: the
// getServiceAuth rules are CheckServiceAuthRequest.
func (a *ServiceAuth) Mint(key *crypto.PrivateKey, p ServiceJWTParams) (string, error) {
	if key == nil {
		return "", errors.New("account: cannot mint service token: no key")
	}
	method, err := signingMethod(key.JWTAlg())
	if err != nil {
		return "", fmt.Errorf("cannot mint service token: %w", err)
	}
	if p.Iss.IsZero() || p.Aud == "" {
		return "", errors.New("account: cannot mint service token: iss and aud are required")
	}
	now := a.cfg.Now()
	exp := p.Exp
	if exp.IsZero() {
		exp = now.Add(DefaultServiceAuthLifetime)
	}
	jti, err := randomHex(a.cfg.Rand, 16)
	if err != nil {
		return "", err
	}
	claims := jwt.MapClaims{
		"iat": now.Unix(),
		"iss": p.Iss.String(),
		"aud": p.Aud,
		"exp": exp.Unix(),
		"jti": jti,
	}
	if !p.Lxm.IsZero() {
		claims["lxm"] = p.Lxm.String()
	}
	token, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		return "", fmt.Errorf("cannot mint service token: %w", err)
	}
	return token, nil
}

// ServiceClaims are the verified claims of an inbound service token.
type ServiceClaims struct {
	// Iss is the issuing DID, without a #service fragment.
	Iss atp.DID
	// IssService is the fragment of iss, without '#', if it had one.
	IssService string
	// Aud is the aud claim as sent.
	Aud string
	// Lxm is the method the token is for, "" when it names none.
	Lxm string
	// IssuedAt is zero when the token has no iat.
	IssuedAt  time.Time
	ExpiresAt time.Time
	// JTI is the token's nonce, "" when it has none.
	JTI string
}

// serviceJWTPayload is the wire form of the claims Verify reads; raw
// fields let it check types as the reference does.
type serviceJWTPayload struct {
	Iss json.RawMessage `json:"iss"`
	Aud json.RawMessage `json:"aud"`
	Exp json.RawMessage `json:"exp"`
	Iat json.RawMessage `json:"iat"`
	Lxm json.RawMessage `json:"lxm"`
	Jti json.RawMessage `json:"jti"`
}

// Verify checks an inbound service token in the reference's order:
//
//  1. three dot-separated parts, a JSON header with a string alg
//     (ErrBadJwt);
//  2. typ is not at+jwt, refresh+jwt or dpop+jwt (ErrBadJwtType);
//  3. a JSON payload with string iss and aud and numeric exp (ErrBadJwt),
//     exp not passed (ErrJwtExpired);
//  4. aud is this server's DID, bare or with #atproto_pds
//     (ErrBadJwtAudience);
//  5. lxm equals the called method when lxm is not zero
//     (ErrBadJwtLexiconMethod);
//  6. iss is a DID, optionally with a #service fragment (ErrBadJwtIss);
//  7. the signature verifies against the issuer's signing key, high S
//     allowed; on failure the key is resolved again with refresh and, if
//     it changed, tried once more (ErrBadJwtSignature; a key that cannot
//     be resolved is ErrUnresolvedIssuer);
//  8. the jti has not been accepted before (ErrJwtReplayed). Tokens
//     without a jti are accepted, as from older issuers.
func (a *ServiceAuth) Verify(ctx context.Context, token string, lxm atp.NSID) (ServiceClaims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return ServiceClaims{}, ErrBadJwt
	}
	var header map[string]any
	if err := decodeJSONSegment(parts[0], &header); err != nil || header == nil {
		return ServiceClaims{}, fmt.Errorf("%w: header: %v", ErrBadJwt, err)
	}
	alg, ok := header["alg"].(string)
	if !ok {
		return ServiceClaims{}, fmt.Errorf("%w: no alg", ErrBadJwt)
	}
	if typ, ok := header["typ"].(string); ok {
		switch strings.ToLower(typ) {
		case TypAccess, TypRefresh, "dpop+jwt":
			return ServiceClaims{}, ErrBadJwtType.withMessage(fmt.Sprintf("Invalid jwt type %q", typ))
		}
	}

	var raw serviceJWTPayload
	if err := decodeJSONSegment(parts[1], &raw); err != nil {
		return ServiceClaims{}, fmt.Errorf("%w: payload: %v", ErrBadJwt, err)
	}
	var (
		c        ServiceClaims
		iss      string
		exp, iat float64
	)
	if json.Unmarshal(raw.Iss, &iss) != nil || json.Unmarshal(raw.Aud, &c.Aud) != nil ||
		json.Unmarshal(raw.Exp, &exp) != nil || raw.Iss == nil || raw.Aud == nil || raw.Exp == nil ||
		isJSONNull(raw.Iss) || isJSONNull(raw.Aud) || isJSONNull(raw.Exp) {
		return ServiceClaims{}, fmt.Errorf("%w: iss, aud and exp are required", ErrBadJwt)
	}
	if raw.Lxm != nil && !isJSONNull(raw.Lxm) && json.Unmarshal(raw.Lxm, &c.Lxm) != nil {
		return ServiceClaims{}, fmt.Errorf("%w: lxm is not a string", ErrBadJwt)
	}
	if raw.Jti != nil && !isJSONNull(raw.Jti) && json.Unmarshal(raw.Jti, &c.JTI) != nil {
		return ServiceClaims{}, fmt.Errorf("%w: jti is not a string", ErrBadJwt)
	}
	if raw.Iat != nil && !isJSONNull(raw.Iat) && json.Unmarshal(raw.Iat, &iat) != nil {
		return ServiceClaims{}, fmt.Errorf("%w: iat is not a number", ErrBadJwt)
	}
	c.ExpiresAt, c.IssuedAt = floatTime(exp), floatTime(iat)

	now := a.cfg.Now()
	if float64(now.UnixNano())/1e9 > exp {
		return ServiceClaims{}, ErrJwtExpired
	}
	if self := a.cfg.ServiceDID.String(); c.Aud != self && c.Aud != self+pdsServiceFragment {
		return ServiceClaims{}, fmt.Errorf("%w: aud %q", ErrBadJwtAudience, c.Aud)
	}
	if !lxm.IsZero() && c.Lxm != lxm.String() {
		if c.Lxm == "" {
			return ServiceClaims{}, ErrBadJwtLexiconMethod.withMessage(`missing jwt lexicon method ("lxm"). must match: ` + lxm.String())
		}
		return ServiceClaims{}, ErrBadJwtLexiconMethod.withMessage(`bad jwt lexicon method ("lxm"). must match: ` + lxm.String())
	}
	issDID, fragment, err := parseDIDRef(iss)
	if err != nil {
		return ServiceClaims{}, fmt.Errorf("%w: %w", ErrBadJwtIss, err)
	}
	c.Iss, c.IssService = issDID, fragment

	if err := a.verifySignature(ctx, issDID, alg, parts); err != nil {
		return ServiceClaims{}, err
	}
	if c.JTI != "" && !a.replay.claim(issDID.String()+" "+c.JTI, c.ExpiresAt, now) {
		return ServiceClaims{}, ErrJwtReplayed
	}
	return c, nil
}

func (a *ServiceAuth) verifySignature(ctx context.Context, iss atp.DID, alg string, parts []string) error {
	sig, err := decodeSegment(parts[2])
	if err != nil {
		return fmt.Errorf("%w: signature encoding: %v", ErrBadJwtSignature, err)
	}
	method, err := signingMethod(alg)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadJwtSignature.withMessage("could not verify jwt signature"), err)
	}
	signed := parts[0] + "." + parts[1]
	key, err := a.cfg.Resolver.SigningKey(ctx, iss, false)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnresolvedIssuer, err)
	}
	if err := method.Verify(signed, sig, key); err == nil {
		return nil
	}
	fresh, err := a.cfg.Resolver.SigningKey(ctx, iss, true)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnresolvedIssuer, err)
	}
	if fresh.Equal(key) {
		return ErrBadJwtSignature
	}
	if err := method.Verify(signed, sig, fresh); err != nil {
		return fmt.Errorf("%w: %w", ErrBadJwtSignature, err)
	}
	return nil
}

// decodeSegment decodes one base64url part of a JWT, tolerating padding.
func decodeSegment(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

func decodeJSONSegment(s string, v any) error {
	b, err := decodeSegment(s)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func isJSONNull(raw json.RawMessage) bool { return string(raw) == "null" }

// parseDIDRef splits "did:...#service" into the DID and the fragment; a
// bare DID has an empty fragment.
func parseDIDRef(s string) (atp.DID, string, error) {
	didPart, fragment, hasFragment := strings.Cut(s, "#")
	if hasFragment && (fragment == "" || strings.Contains(fragment, "#")) {
		return atp.DID{}, "", fmt.Errorf("bad fragment in %q", s)
	}
	did, err := atp.ParseDID(didPart)
	if err != nil {
		return atp.DID{}, "", err
	}
	return did, fragment, nil
}

// ServiceAuthRequest is a com.atproto.server.getServiceAuth call to check.
type ServiceAuthRequest struct {
	// Scope is the access scope of the caller's session; leave it empty
	// for OAuth credentials, whose rpc: permissions the caller checks.
	Scope Scope
	// Aud is the requested audience.
	Aud string
	// Lxm is the requested method; zero for none.
	Lxm atp.NSID
	// Exp is the requested expiry; zero for the default (a minute).
	Exp time.Time
}

// CheckServiceAuthRequest applies the reference's getServiceAuth rules, in
// its order: aud is an atproto DID (plc or web) or a did#service
// reference (ErrInvalidServiceAud); a taken-down session may only request
// com.atproto.server.createAccount, to migrate away (ErrBadTokenScope; the
// reference then refuses even that as unprivileged, we let it through);
// privileged methods need a full or privileged login
// (ErrInsufficientAccess); exp is in the future, at most an hour away, and
// at most a minute away without lxm (ErrBadExpiration); protected methods
// are refused (ErrProtectedMethod).
func CheckServiceAuthRequest(r ServiceAuthRequest, now time.Time) error {
	if !isAtprotoDIDRef(r.Aud) {
		return ErrInvalidServiceAud
	}
	lxm := r.Lxm.String()
	if r.Scope != "" {
		if r.Scope.IsTakendown() && lxm != nsidCreateAccount {
			return ErrBadTokenScope
		}
		// The reference's privileged check would refuse the taken-down
		// account's createAccount token too, which defeats the rule
		// above; migrating away is what that rule is for.
		if lxm != "" && IsPrivilegedMethod(lxm) && !r.Scope.IsAccessPrivileged() && !r.Scope.IsTakendown() {
			return ErrInsufficientAccess.withMessage("insufficient access to request a service auth token for the following method: " + lxm)
		}
	}
	if !r.Exp.IsZero() {
		diff := r.Exp.Sub(now)
		switch {
		case diff < 0:
			return ErrBadExpiration.withMessage("expiration is in past")
		case diff > MaxServiceAuthLifetime:
			return ErrBadExpiration.withMessage("cannot request a token with an expiration more than an hour in the future")
		case lxm == "" && diff > DefaultServiceAuthLifetime:
			return ErrBadExpiration.withMessage("cannot request a method-less token with an expiration more than a minute in the future")
		}
	}
	if lxm != "" && IsProtectedMethod(lxm) {
		return ErrProtectedMethod.withMessage("cannot request a service auth token for the following protected method: " + lxm)
	}
	return nil
}

// isAtprotoDIDRef reports whether s is a did:plc or did:web DID, or one
// with a non-empty #fragment.
func isAtprotoDIDRef(s string) bool {
	did, fragment, err := parseDIDRef(s)
	if err != nil || !(did.IsPLC() || did.IsWeb()) {
		return false
	}
	for i := range len(fragment) {
		c := fragment[i]
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

const nsidCreateAccount = "com.atproto.server.createAccount"

// IsPrivilegedMethod reports whether a service token for lxm needs a full
// login or a privileged app password: every chat.bsky method (the
// reference lists them one by one) and com.atproto.server.createAccount.
// NSIDs compare case-insensitively.
func IsPrivilegedMethod(lxm string) bool {
	l := strings.ToLower(lxm)
	return strings.HasPrefix(l, "chat.bsky.") || l == strings.ToLower(nsidCreateAccount)
}

// IsProtectedMethod reports whether lxm is an account-management method
// that may never be called through service auth or proxying. NSIDs
// compare case-insensitively.
func IsProtectedMethod(lxm string) bool {
	switch strings.ToLower(lxm) {
	case "com.atproto.admin.sendemail",
		"com.atproto.identity.requestplcoperationsignature",
		"com.atproto.identity.signplcoperation",
		"com.atproto.identity.updatehandle",
		"com.atproto.server.activateaccount",
		"com.atproto.server.confirmemail",
		"com.atproto.server.createapppassword",
		"com.atproto.server.deactivateaccount",
		"com.atproto.server.getaccountinvitecodes",
		"com.atproto.server.getsession",
		"com.atproto.server.listapppasswords",
		"com.atproto.server.requestaccountdelete",
		"com.atproto.server.requestemailconfirmation",
		"com.atproto.server.requestemailupdate",
		"com.atproto.server.revokeapppassword",
		"com.atproto.server.updateemail":
		return true
	}
	return false
}
