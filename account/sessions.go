package account

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/kv"
)

// Token header types that keep access and refresh tokens apart.
const (
	TypAccess  = "at+jwt"
	TypRefresh = "refresh+jwt"
)

// Defaults of SessionConfig, as in the reference.
const (
	DefaultAccessLifetime  = 120 * time.Minute
	DefaultRefreshLifetime = 90 * 24 * time.Hour
	DefaultRefreshGrace    = 2 * time.Hour
)

// minSecretLength is the shortest JWT secret accepted.
const minSecretLength = 16

// JWTSecret is the server's HMAC key for session tokens. It is opaque and
// prints redacted; the zero value is no secret.
type JWTSecret struct {
	b []byte
}

// NewJWTSecret copies raw (at least 16 bytes) into a secret.
func NewJWTSecret(raw []byte) (JWTSecret, error) {
	if len(raw) < minSecretLength {
		return JWTSecret{}, fmt.Errorf("account: JWT secret is %d bytes, want at least %d", len(raw), minSecretLength)
	}
	return JWTSecret{b: append([]byte(nil), raw...)}, nil
}

// IsZero reports whether s holds no secret.
func (s JWTSecret) IsZero() bool { return len(s.b) == 0 }

// String returns a redacted description.
func (s JWTSecret) String() string { return "account.JWTSecret(redacted)" }

// GoString returns the same redacted description, for %#v.
func (s JWTSecret) GoString() string { return s.String() }

// Format writes the redacted description for every verb.
func (s JWTSecret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

// LogValue makes log/slog record the redacted description.
func (s JWTSecret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// SessionConfig configures Sessions. Zero durations take the defaults
// above; Now nil means time.Now, Rand nil crypto/rand.
type SessionConfig struct {
	// ServiceDID is this server's DID: the aud of every session token.
	ServiceDID atp.DID
	// Secret signs and verifies session tokens.
	Secret JWTSecret
	// AccessLifetime is how long an access token is valid.
	AccessLifetime time.Duration
	// RefreshLifetime is how long a refresh token is valid.
	RefreshLifetime time.Duration
	// RefreshGrace is how long a rotated refresh token stays usable.
	RefreshGrace time.Duration
	Now          func() time.Time
	Rand         io.Reader
}

func (c SessionConfig) withDefaults() SessionConfig {
	if c.AccessLifetime <= 0 {
		c.AccessLifetime = DefaultAccessLifetime
	}
	if c.RefreshLifetime <= 0 {
		c.RefreshLifetime = DefaultRefreshLifetime
	}
	if c.RefreshGrace <= 0 {
		c.RefreshGrace = DefaultRefreshGrace
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.Rand = randomReader(c.Rand)
	return c
}

// Validate reports what is missing from c.
func (c SessionConfig) Validate() error {
	switch {
	case c.ServiceDID.IsZero():
		return errors.New("account: session config needs the service DID")
	case c.Secret.IsZero():
		return errors.New("account: session config needs a JWT secret")
	}
	return nil
}

// Sessions issues and verifies session tokens and keeps refresh-token
// records in kv.TableSessions of server.db.
//
// A record is stored under its token id (the refresh token's jti) and
// indexed under "\x00<did>\x00<jti>", so that all of an account's sessions
// can be found. Refresh rotates in one transaction: the old record's
// expiry is cut to min(now+grace, its expiry) and it remembers the id of
// its successor, so that reusing it within the grace period issues a token
// with the same id and does not fork the session.
type Sessions struct {
	db     *kv.Server
	cfg    SessionConfig
	parser *jwt.Parser
}

// NewSessions returns Sessions over server.db.
func NewSessions(db *kv.Server, cfg SessionConfig) (*Sessions, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Sessions{
		db:  db,
		cfg: cfg.withDefaults(),
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
			jwt.WithoutClaimsValidation(),
		),
	}, nil
}

// SessionTokens is a new token pair.
type SessionTokens struct {
	AccessJWT  string
	RefreshJWT string
}

// SessionOptions describe the login a session is created for.
type SessionOptions struct {
	// AppPassword is the app password used to sign in, nil for the
	// account password.
	AppPassword *kv.AppPassword
	// Takendown marks a taken-down or suspended account: the access token
	// gets ScopeTakendown and the refresh token is not stored, so it can
	// never be rotated.
	Takendown bool
	// SignupQueued marks an account waiting in the sign-up queue.
	SignupQueued bool
}

// scope returns the access scope for the login.
func (o SessionOptions) scope() Scope {
	switch {
	case o.Takendown:
		return ScopeTakendown
	case o.SignupQueued:
		return ScopeSignupQueued
	case o.AppPassword == nil:
		return ScopeAccess
	case o.AppPassword.Privileged:
		return ScopeAppPassPrivileged
	}
	return ScopeAppPass
}

// Claims are the verified claims of a session token.
type Claims struct {
	// DID is the account (sub).
	DID   atp.DID
	Scope Scope
	// Audience is the aud claim, this server's DID.
	Audience  string
	IssuedAt  time.Time
	ExpiresAt time.Time
	// TokenID is the jti of a refresh token.
	TokenID string
}

// refreshRecord is a refresh token's record in kv.TableSessions.
type refreshRecord struct {
	DID atp.DID `json:"did"`
	// Scope is the access scope the session grants.
	Scope Scope `json:"scope"`
	// AppPassword names the app password the session signed in with.
	AppPassword string    `json:"appPassword,omitempty"`
	ExpiresAt   time.Time `json:"expiresAt"`
	// NextID is the id of the token this one was rotated into.
	NextID string `json:"nextId,omitempty"`
}

func sessionIndexPrefix(did atp.DID) string { return "\x00" + did.String() + "\x00" }

// Create issues a session for did and stores its refresh token (unless the
// account is taken down). Expired refresh tokens of did are deleted on the
// way.
func (s *Sessions) Create(did atp.DID, opts SessionOptions) (SessionTokens, error) {
	now := s.cfg.Now()
	jti, err := randomBase64URL(s.cfg.Rand, 32)
	if err != nil {
		return SessionTokens{}, err
	}
	scope := opts.scope()
	tokens, err := s.issue(did, scope, jti, now)
	if err != nil {
		return SessionTokens{}, err
	}
	if opts.Takendown {
		return tokens, nil
	}
	rec := refreshRecord{DID: did, Scope: scope, ExpiresAt: now.Add(s.cfg.RefreshLifetime).UTC()}
	if opts.AppPassword != nil {
		rec.AppPassword = opts.AppPassword.Name
	}
	err = s.db.Update(func(tx *kv.ServerTx) error {
		if err := s.deleteExpiredTx(tx, did, now); err != nil {
			return err
		}
		return s.putRecordTx(tx, jti, rec)
	})
	if err != nil {
		return SessionTokens{}, fmt.Errorf("cannot store session: %w", err)
	}
	return tokens, nil
}

// Refresh rotates the refresh token c (from ParseRefresh) into a new
// pair. Within the grace period after a rotation, refreshing with the old
// token again yields a new token with the same id as the first rotation
// did. A token whose record is gone, past its grace period, or whose
// successor was revoked fails with ErrTokenRevoked.
func (s *Sessions) Refresh(c Claims) (SessionTokens, error) {
	if c.TokenID == "" {
		return SessionTokens{}, ErrMissingTokenID
	}
	now := s.cfg.Now()
	var tokens SessionTokens
	err := s.db.Update(func(tx *kv.ServerTx) error {
		var rec refreshRecord
		if err := tx.GetJSON(kv.TableSessions, c.TokenID, &rec); err != nil {
			if errors.Is(err, kv.ErrNotFound) {
				return ErrTokenRevoked
			}
			return err
		}
		if rec.DID != c.DID {
			return fmt.Errorf("%w: token subject does not match its record", ErrTokenRevoked)
		}
		if err := s.deleteExpiredTx(tx, rec.DID, now); err != nil {
			return err
		}
		expiresAt := now.Add(s.cfg.RefreshGrace)
		if rec.ExpiresAt.Before(expiresAt) {
			expiresAt = rec.ExpiresAt
		}
		if !expiresAt.After(now) {
			return ErrTokenRevoked
		}
		nextID := rec.NextID
		regrant := nextID != ""
		if !regrant {
			id, err := randomBase64URL(s.cfg.Rand, 32)
			if err != nil {
				return err
			}
			nextID = id
		} else {
			// The successor exists unless it was revoked (or expired):
			// then the session is over, and the old token must not bring
			// it back.
			if _, err := tx.Get(kv.TableSessions, nextID); err != nil {
				if errors.Is(err, kv.ErrNotFound) {
					return ErrTokenRevoked
				}
				return err
			}
		}
		var err error
		if tokens, err = s.issue(rec.DID, rec.Scope, nextID, now); err != nil {
			return err
		}
		next := refreshRecord{DID: rec.DID, Scope: rec.Scope, AppPassword: rec.AppPassword,
			ExpiresAt: now.Add(s.cfg.RefreshLifetime).UTC()}
		rec.ExpiresAt = expiresAt.UTC()
		rec.NextID = nextID
		if err := s.putRecordTx(tx, c.TokenID, rec); err != nil {
			return err
		}
		if regrant {
			return nil // the successor's record stands as it is
		}
		return s.putRecordTx(tx, nextID, next)
	})
	if err != nil {
		return SessionTokens{}, err
	}
	return tokens, nil
}

// Revoke deletes the refresh token with the given id (deleteSession).
// Revoking an unknown id is not an error.
func (s *Sessions) Revoke(tokenID string) error {
	return s.db.Update(func(tx *kv.ServerTx) error {
		var rec refreshRecord
		if err := tx.GetJSON(kv.TableSessions, tokenID, &rec); err != nil {
			if errors.Is(err, kv.ErrNotFound) {
				return nil
			}
			return err
		}
		return s.deleteRecordTx(tx, tokenID, rec.DID)
	})
}

// RevokeAll deletes every refresh token of did (password reset, account
// deletion, takedown).
func (s *Sessions) RevokeAll(did atp.DID) error {
	return s.db.Update(func(tx *kv.ServerTx) error { return s.RevokeAllTx(tx, did) })
}

// RevokeAllTx is RevokeAll inside the caller's transaction.
func (s *Sessions) RevokeAllTx(tx *kv.ServerTx, did atp.DID) error {
	return s.revokeWhereTx(tx, did, func(refreshRecord) bool { return true })
}

// RevokeAppPassword deletes the refresh tokens of did's sessions that
// signed in with the named app password.
func (s *Sessions) RevokeAppPassword(did atp.DID, name string) error {
	return s.db.Update(func(tx *kv.ServerTx) error {
		return s.revokeWhereTx(tx, did, func(r refreshRecord) bool { return r.AppPassword == name })
	})
}

// CountSessions returns how many refresh-token records did has, expired
// and rotated ones included.
func (s *Sessions) CountSessions(did atp.DID) (int, error) {
	n := 0
	err := s.db.View(func(tx *kv.ServerTx) error {
		return tx.Scan(kv.TableSessions, sessionIndexPrefix(did), "", func(string, []byte) bool {
			n++
			return true
		})
	})
	return n, err
}

func (s *Sessions) revokeWhereTx(tx *kv.ServerTx, did atp.DID, match func(refreshRecord) bool) error {
	ids, err := s.idsTx(tx, did)
	if err != nil {
		return err
	}
	for _, id := range ids {
		var rec refreshRecord
		if err := tx.GetJSON(kv.TableSessions, id, &rec); err != nil {
			if errors.Is(err, kv.ErrNotFound) {
				// A dangling index entry: drop it.
				if err := tx.Delete(kv.TableSessions, sessionIndexPrefix(did)+id); err != nil {
					return err
				}
				continue
			}
			return err
		}
		if match(rec) {
			if err := s.deleteRecordTx(tx, id, did); err != nil {
				return err
			}
		}
	}
	return nil
}

// idsTx returns the token ids indexed for did.
func (s *Sessions) idsTx(tx *kv.ServerTx, did atp.DID) ([]string, error) {
	prefix := sessionIndexPrefix(did)
	var ids []string
	err := tx.Scan(kv.TableSessions, prefix, "", func(key string, _ []byte) bool {
		ids = append(ids, strings.TrimPrefix(key, prefix))
		return true
	})
	return ids, err
}

// deleteExpiredTx deletes did's records that expired at or before now.
func (s *Sessions) deleteExpiredTx(tx *kv.ServerTx, did atp.DID, now time.Time) error {
	return s.revokeWhereTx(tx, did, func(r refreshRecord) bool { return !r.ExpiresAt.After(now) })
}

func (s *Sessions) putRecordTx(tx *kv.ServerTx, id string, rec refreshRecord) error {
	if err := tx.PutJSON(kv.TableSessions, id, rec); err != nil {
		return err
	}
	return tx.Put(kv.TableSessions, sessionIndexPrefix(rec.DID)+id, nil)
}

func (s *Sessions) deleteRecordTx(tx *kv.ServerTx, id string, did atp.DID) error {
	if err := tx.Delete(kv.TableSessions, id); err != nil {
		return err
	}
	return tx.Delete(kv.TableSessions, sessionIndexPrefix(did)+id)
}

// issue signs an access token with scope and a refresh token with id jti.
func (s *Sessions) issue(did atp.DID, scope Scope, jti string, now time.Time) (SessionTokens, error) {
	iat := now.Unix()
	access, err := s.sign(TypAccess, jwt.MapClaims{
		"scope": string(scope),
		"aud":   s.cfg.ServiceDID.String(),
		"sub":   did.String(),
		"iat":   iat,
		"exp":   now.Add(s.cfg.AccessLifetime).Unix(),
	})
	if err != nil {
		return SessionTokens{}, err
	}
	refresh, err := s.sign(TypRefresh, jwt.MapClaims{
		"scope": string(ScopeRefresh),
		"aud":   s.cfg.ServiceDID.String(),
		"sub":   did.String(),
		"jti":   jti,
		"iat":   iat,
		"exp":   now.Add(s.cfg.RefreshLifetime).Unix(),
	})
	if err != nil {
		return SessionTokens{}, err
	}
	return SessionTokens{AccessJWT: access, RefreshJWT: refresh}, nil
}

func (s *Sessions) sign(typ string, claims jwt.MapClaims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	t.Header["typ"] = typ
	out, err := t.SignedString(s.cfg.Secret.b)
	if err != nil {
		return "", fmt.Errorf("cannot sign session token: %w", err)
	}
	return out, nil
}

// ParseAccess verifies an access token: HS256 signature, typ at+jwt,
// audience, expiry, claim shapes, and a scope an access token may carry.
// The endpoint then checks the scope against its own set with
// Scopes.Check. Failures are ErrInvalidToken, ErrExpiredToken,
// ErrMalformedToken or ErrBadTokenScope.
func (s *Sessions) ParseAccess(token string) (Claims, error) {
	return s.parse(token, TypAccess, accessScopes, false)
}

// ParseRefresh verifies a refresh token like ParseAccess, with typ
// refresh+jwt and scope com.atproto.refresh, and requires its jti
// (ErrMissingTokenID).
func (s *Sessions) ParseRefresh(token string) (Claims, error) {
	return s.parse(token, TypRefresh, scopeBitRefresh, false)
}

// ParseRefreshAllowExpired is ParseRefresh without the expiry check, for
// deleteSession, which accepts expired refresh tokens.
func (s *Sessions) ParseRefreshAllowExpired(token string) (Claims, error) {
	return s.parse(token, TypRefresh, scopeBitRefresh, true)
}

// parse checks in the reference's order: signature and encoding, typ,
// audience, expiry (each failing as InvalidToken, expiry as ExpiredToken),
// then the claim shapes (Malformed token) and the scope.
func (s *Sessions) parse(token, typ string, allowed Scopes, allowExpired bool) (Claims, error) {
	mc := jwt.MapClaims{}
	t, err := s.parser.ParseWithClaims(token, mc, func(*jwt.Token) (any, error) { return s.cfg.Secret.b, nil })
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if got, _ := t.Header["typ"].(string); !strings.EqualFold(got, typ) {
		return Claims{}, fmt.Errorf("%w: typ %q, want %q", ErrInvalidToken, got, typ)
	}
	aud := s.cfg.ServiceDID.String()
	switch v := mc["aud"].(type) {
	case string:
		if v != aud {
			return Claims{}, fmt.Errorf("%w: aud %q", ErrInvalidToken, v)
		}
	case []any:
		found := false
		for _, a := range v {
			found = found || a == aud
		}
		if !found {
			return Claims{}, fmt.Errorf("%w: aud does not name this service", ErrInvalidToken)
		}
	default:
		return Claims{}, fmt.Errorf("%w: aud missing", ErrInvalidToken)
	}
	exp, ok := mc["exp"].(float64)
	if !ok {
		return Claims{}, fmt.Errorf("%w: exp missing or not a number", ErrInvalidToken)
	}
	var iat float64
	if v, present := mc["iat"]; present {
		if iat, ok = v.(float64); !ok {
			return Claims{}, fmt.Errorf("%w: iat not a number", ErrInvalidToken)
		}
	}
	if !allowExpired && exp <= float64(s.cfg.Now().Unix()) {
		return Claims{}, ErrExpiredToken
	}

	if _, present := mc["lxm"]; present {
		return Claims{}, fmt.Errorf("%w: service auth token", ErrMalformedToken)
	}
	if _, present := mc["cnf"]; present {
		return Claims{}, fmt.Errorf("%w: proof-of-possession token", ErrMalformedToken)
	}
	sub, _ := mc["sub"].(string)
	did, err := atp.ParseDID(sub)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: sub: %w", ErrMalformedToken, err)
	}
	audStr, _ := mc["aud"].(string)
	if !strings.HasPrefix(audStr, "did:") {
		return Claims{}, fmt.Errorf("%w: aud is not one DID", ErrMalformedToken)
	}
	var jti string
	if v, present := mc["jti"]; present {
		if jti, ok = v.(string); !ok {
			return Claims{}, fmt.Errorf("%w: jti not a string", ErrMalformedToken)
		}
	}
	scopeStr, _ := mc["scope"].(string)
	scope := Scope(scopeStr)
	if !allowed.Has(scope) {
		return Claims{}, fmt.Errorf("%w: %q", ErrBadTokenScope, scopeStr)
	}
	if scope == ScopeRefresh && jti == "" {
		return Claims{}, ErrMissingTokenID
	}
	return Claims{
		DID:       did,
		Scope:     scope,
		Audience:  audStr,
		IssuedAt:  floatTime(iat),
		ExpiresAt: floatTime(exp),
		TokenID:   jti,
	}, nil
}

// floatTime converts JWT NumericDate seconds to a time; 0 gives the zero
// time.
func floatTime(sec float64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	whole := int64(sec)
	return time.Unix(whole, int64((sec-float64(whole))*1e9)).UTC()
}
