package account

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/kv"
)

const (
	testServiceDID = "did:web:pds.example.com"
	testDID        = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
	otherDID       = "did:plc:yk4dd2qkboz2yv6tpubpc6co"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

func newTestSessions(tb testing.TB) (*Sessions, *fakeClock) {
	tb.Helper()
	secret, err := NewJWTSecret(testSecret)
	if err != nil {
		tb.Fatal(err)
	}
	clock := newFakeClock()
	s, err := NewSessions(MustServer(tb), SessionConfig{
		ServiceDID: MustDID(tb, testServiceDID),
		Secret:     secret,
		Now:        clock.Now,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return s, clock
}

// decodeJWT returns a token's header and payload, decoded without checks.
func decodeJWT(tb testing.TB, token string) (header, payload map[string]any) {
	tb.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		tb.Fatalf("token %q has %d parts", token, len(parts))
	}
	for i, dst := range []*map[string]any{&header, &payload} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			tb.Fatalf("part %d: %v", i, err)
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			tb.Fatalf("part %d: %v", i, err)
		}
	}
	return header, payload
}

func keysOf(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestSessionTokenClaims(t *testing.T) {
	s, clock := newTestSessions(t)
	did := MustDID(t, testDID)
	tokens, err := s.Create(did, SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	now := clock.Now().Unix()

	h, p := decodeJWT(t, tokens.AccessJWT)
	if h["alg"] != "HS256" || h["typ"] != "at+jwt" || len(h) != 2 {
		t.Errorf("access header %v", h)
	}
	if got := keysOf(p); !slices.Equal(got, []string{"aud", "exp", "iat", "scope", "sub"}) {
		t.Errorf("access claims %v", got)
	}
	if p["scope"] != "com.atproto.access" || p["sub"] != testDID || p["aud"] != testServiceDID ||
		p["iat"] != float64(now) || p["exp"] != float64(now+7200) {
		t.Errorf("access payload %v", p)
	}

	h, p = decodeJWT(t, tokens.RefreshJWT)
	if h["alg"] != "HS256" || h["typ"] != "refresh+jwt" || len(h) != 2 {
		t.Errorf("refresh header %v", h)
	}
	if got := keysOf(p); !slices.Equal(got, []string{"aud", "exp", "iat", "jti", "scope", "sub"}) {
		t.Errorf("refresh claims %v", got)
	}
	if p["scope"] != "com.atproto.refresh" || p["sub"] != testDID || p["aud"] != testServiceDID ||
		p["exp"] != float64(now+90*24*3600) {
		t.Errorf("refresh payload %v", p)
	}
	if jti, _ := p["jti"].(string); !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(jti) {
		t.Errorf("jti %q is not 32 random bytes in base64url", jti)
	}

	c, err := s.ParseAccess(tokens.AccessJWT)
	if err != nil {
		t.Fatal(err)
	}
	if c.DID != did || c.Scope != ScopeAccess || c.Audience != testServiceDID ||
		!c.IssuedAt.Equal(clock.Now()) || !c.ExpiresAt.Equal(clock.Now().Add(2*time.Hour)) || c.TokenID != "" {
		t.Errorf("access claims %+v", c)
	}
	rc, err := s.ParseRefresh(tokens.RefreshJWT)
	if err != nil {
		t.Fatal(err)
	}
	if rc.DID != did || rc.Scope != ScopeRefresh || rc.TokenID != p["jti"] {
		t.Errorf("refresh claims %+v", rc)
	}
	if n, err := s.CountSessions(did); err != nil || n != 1 {
		t.Errorf("CountSessions = %d, %v", n, err)
	}
}

func TestSessionScopes(t *testing.T) {
	s, _ := newTestSessions(t)
	did := MustDID(t, testDID)
	for _, tc := range []struct {
		opts   SessionOptions
		scope  Scope
		stored bool
	}{
		{SessionOptions{}, ScopeAccess, true},
		{SessionOptions{AppPassword: &kv.AppPassword{Name: "a"}}, ScopeAppPass, true},
		{SessionOptions{AppPassword: &kv.AppPassword{Name: "b", Privileged: true}}, ScopeAppPassPrivileged, true},
		{SessionOptions{Takendown: true}, ScopeTakendown, false},
		{SessionOptions{Takendown: true, AppPassword: &kv.AppPassword{Name: "c"}}, ScopeTakendown, false},
		{SessionOptions{SignupQueued: true}, ScopeSignupQueued, true},
	} {
		tokens, err := s.Create(did, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.ParseAccess(tokens.AccessJWT)
		if err != nil || c.Scope != tc.scope {
			t.Errorf("%+v: scope %q, %v; want %q", tc.opts, c.Scope, err, tc.scope)
		}
		rc, err := s.ParseRefresh(tokens.RefreshJWT)
		if err != nil {
			t.Fatal(err)
		}
		next, err := s.Refresh(rc)
		if tc.stored != (err == nil) {
			t.Errorf("%+v: refresh: %v, want stored=%v", tc.opts, err, tc.stored)
		}
		if err != nil {
			wantError(t, err, ErrTokenRevoked)
			continue
		}
		if c, err := s.ParseAccess(next.AccessJWT); err != nil || c.Scope != tc.scope {
			t.Errorf("%+v: refreshed scope %q, %v", tc.opts, c.Scope, err)
		}
	}
}

// signToken signs arbitrary header fields and claims with secret.
func signToken(tb testing.TB, method jwt.SigningMethod, header map[string]any, claims jwt.MapClaims, key any) string {
	tb.Helper()
	tok := jwt.NewWithClaims(method, claims)
	for k, v := range header {
		if v == nil {
			delete(tok.Header, k)
		} else {
			tok.Header[k] = v
		}
	}
	s, err := tok.SignedString(key)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestParseAccessRejects(t *testing.T) {
	s, clock := newTestSessions(t)
	now := clock.Now().Unix()
	base := func() jwt.MapClaims {
		return jwt.MapClaims{"scope": "com.atproto.access", "aud": testServiceDID, "sub": testDID, "iat": now, "exp": now + 60}
	}
	with := func(k string, v any) jwt.MapClaims {
		c := base()
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	at := map[string]any{"typ": "at+jwt"}
	hs := jwt.SigningMethodHS256
	for _, tc := range []struct {
		name  string
		token string
		want  error
	}{
		{"valid", signToken(t, hs, at, base(), testSecret), nil},
		{"typ case-insensitive", signToken(t, hs, map[string]any{"typ": "AT+JWT"}, base(), testSecret), nil},
		{"empty", "", ErrInvalidToken},
		{"garbage", "not.a.jwt", ErrInvalidToken},
		{"two parts", "eyJhbGciOiJIUzI1NiJ9.e30", ErrInvalidToken},
		{"wrong secret", signToken(t, hs, at, base(), []byte("another secret, 32 bytes long!!")), ErrInvalidToken},
		{"HS512", signToken(t, jwt.SigningMethodHS512, at, base(), testSecret), ErrInvalidToken},
		{"alg none", signToken(t, jwt.SigningMethodNone, at, base(), jwt.UnsafeAllowNoneSignatureType), ErrInvalidToken},
		{"refresh typ", signToken(t, hs, map[string]any{"typ": "refresh+jwt"}, base(), testSecret), ErrInvalidToken},
		{"no typ", signToken(t, hs, map[string]any{"typ": nil}, base(), testSecret), ErrInvalidToken},
		{"typ JWT", signToken(t, hs, map[string]any{"typ": "JWT"}, base(), testSecret), ErrInvalidToken},
		{"other aud", signToken(t, hs, at, with("aud", "did:web:other.example"), testSecret), ErrInvalidToken},
		{"no aud", signToken(t, hs, at, with("aud", nil), testSecret), ErrInvalidToken},
		{"aud array", signToken(t, hs, at, with("aud", []string{testServiceDID}), testSecret), ErrMalformedToken},
		{"expired", signToken(t, hs, at, with("exp", now), testSecret), ErrExpiredToken},
		{"expired and other aud", signToken(t, hs, at, jwt.MapClaims{"aud": "did:web:x", "exp": now - 1}, testSecret), ErrInvalidToken},
		{"expired with bad signature", signToken(t, hs, at, with("exp", now-5), []byte("wrong secret wrong secret wrong")), ErrInvalidToken},
		{"no exp", signToken(t, hs, at, with("exp", nil), testSecret), ErrInvalidToken},
		{"exp string", signToken(t, hs, at, with("exp", "soon"), testSecret), ErrInvalidToken},
		{"iat string", signToken(t, hs, at, with("iat", "then"), testSecret), ErrInvalidToken},
		{"lxm", signToken(t, hs, at, with("lxm", "com.atproto.repo.createRecord"), testSecret), ErrMalformedToken},
		{"cnf", signToken(t, hs, at, with("cnf", map[string]any{"jkt": "x"}), testSecret), ErrMalformedToken},
		{"no sub", signToken(t, hs, at, with("sub", nil), testSecret), ErrMalformedToken},
		{"sub not a DID", signToken(t, hs, at, with("sub", "alice.test"), testSecret), ErrMalformedToken},
		{"jti number", signToken(t, hs, at, with("jti", 7), testSecret), ErrMalformedToken},
		{"refresh scope", signToken(t, hs, at, with("scope", "com.atproto.refresh"), testSecret), ErrBadTokenScope},
		{"unknown scope", signToken(t, hs, at, with("scope", "atproto"), testSecret), ErrBadTokenScope},
		{"no scope", signToken(t, hs, at, with("scope", nil), testSecret), ErrBadTokenScope},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.ParseAccess(tc.token)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantError(t, err, tc.want)
			var e *Error
			if !errors.As(err, &e) || e.Status != 400 {
				t.Fatalf("error %v is not a 400 *Error", err)
			}
		})
	}
}

func TestParseRefreshRejects(t *testing.T) {
	s, clock := newTestSessions(t)
	now := clock.Now().Unix()
	rt := map[string]any{"typ": "refresh+jwt"}
	hs := jwt.SigningMethodHS256
	claims := func(jti any, exp int64) jwt.MapClaims {
		c := jwt.MapClaims{"scope": "com.atproto.refresh", "aud": testServiceDID, "sub": testDID, "exp": exp}
		if jti != nil {
			c["jti"] = jti
		}
		return c
	}
	access := signToken(t, hs, map[string]any{"typ": "at+jwt"}, jwt.MapClaims{"scope": "com.atproto.access", "aud": testServiceDID, "sub": testDID, "exp": now + 60}, testSecret)
	if _, err := s.ParseRefresh(access); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("access token as refresh: %v", err)
	}
	scopeAccess := signToken(t, hs, rt, jwt.MapClaims{"scope": "com.atproto.access", "aud": testServiceDID, "sub": testDID, "exp": now + 60, "jti": "x"}, testSecret)
	if _, err := s.ParseRefresh(scopeAccess); !errors.Is(err, ErrBadTokenScope) {
		t.Errorf("access scope in refresh token: %v", err)
	}
	_, err := s.ParseRefresh(signToken(t, hs, rt, claims(nil, now+60), testSecret))
	wantError(t, err, ErrMissingTokenID)
	if e := new(Error); !errors.As(err, &e) || e.Status != 401 || e.Name != "MissingTokenId" {
		t.Errorf("missing jti: %v", err)
	}
	expired := signToken(t, hs, rt, claims("id", now-10), testSecret)
	_, err = s.ParseRefresh(expired)
	wantError(t, err, ErrExpiredToken)
	c, err := s.ParseRefreshAllowExpired(expired)
	if err != nil || c.TokenID != "id" {
		t.Fatalf("ParseRefreshAllowExpired = %+v, %v", c, err)
	}
	if _, err := s.ParseRefreshAllowExpired(signToken(t, hs, rt, claims("id", now-10), []byte("a different secret of 32 bytes!"))); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("allow-expired still checks the signature: %v", err)
	}
}

func TestRefreshRotationGrace(t *testing.T) {
	s, clock := newTestSessions(t)
	did := MustDID(t, testDID)
	first, err := s.Create(did, SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c0, err := s.ParseRefresh(first.RefreshJWT)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(10 * time.Minute)
	second, err := s.Refresh(c0)
	if err != nil {
		t.Fatal(err)
	}
	c1, err := s.ParseRefresh(second.RefreshJWT)
	if err != nil {
		t.Fatal(err)
	}
	if c1.TokenID == c0.TokenID {
		t.Fatal("rotation kept the token id")
	}
	if a, err := s.ParseAccess(second.AccessJWT); err != nil || a.Scope != ScopeAccess {
		t.Fatalf("rotated access token: %+v, %v", a, err)
	}

	// Reuse of the old token inside the grace period: same next id.
	clock.Advance(90 * time.Minute)
	again, err := s.Refresh(c0)
	if err != nil {
		t.Fatalf("reuse within grace: %v", err)
	}
	c1b, err := s.ParseRefresh(again.RefreshJWT)
	if err != nil {
		t.Fatal(err)
	}
	if c1b.TokenID != c1.TokenID {
		t.Fatalf("reuse within grace gave id %q, want %q", c1b.TokenID, c1.TokenID)
	}

	// The grace period runs from the first rotation, not the reuse.
	clock.Advance(30*time.Minute + time.Second) // 2h0m1s after the first rotation
	_, err = s.Refresh(c0)
	wantError(t, err, ErrTokenRevoked)

	// The successor goes on.
	third, err := s.Refresh(c1)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := s.ParseRefresh(third.RefreshJWT)
	if err != nil || c2.TokenID == c1.TokenID || c2.TokenID == c0.TokenID {
		t.Fatalf("second rotation: %+v, %v", c2, err)
	}
}

func TestRefreshGraceCappedByExpiry(t *testing.T) {
	s, clock := newTestSessions(t)
	did := MustDID(t, testDID)
	tokens, err := s.Create(did, SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c0, err := s.ParseRefresh(tokens.RefreshJWT)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(DefaultRefreshLifetime - time.Hour)
	if _, err := s.Refresh(c0); err != nil {
		t.Fatal(err)
	}
	// One hour was left, less than the grace period: that is the limit.
	clock.Advance(time.Hour - time.Second)
	if _, err := s.Refresh(c0); err != nil {
		t.Fatalf("just before the original expiry: %v", err)
	}
	clock.Advance(time.Second)
	_, err = s.Refresh(c0)
	wantError(t, err, ErrTokenRevoked)
}

func TestRefreshAfterSuccessorRevoked(t *testing.T) {
	s, _ := newTestSessions(t)
	did := MustDID(t, testDID)
	tokens, err := s.Create(did, SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c0, _ := s.ParseRefresh(tokens.RefreshJWT)
	next, err := s.Refresh(c0)
	if err != nil {
		t.Fatal(err)
	}
	c1, _ := s.ParseRefresh(next.RefreshJWT)
	if err := s.Revoke(c1.TokenID); err != nil {
		t.Fatal(err)
	}
	_, err = s.Refresh(c1)
	wantError(t, err, ErrTokenRevoked)
	// The old token cannot bring the signed-out session back.
	_, err = s.Refresh(c0)
	wantError(t, err, ErrTokenRevoked)
	if err := s.Revoke(c1.TokenID); err != nil {
		t.Fatalf("revoking twice: %v", err)
	}
}

func TestRefreshWrongSubject(t *testing.T) {
	s, _ := newTestSessions(t)
	tokens, err := s.Create(MustDID(t, testDID), SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := s.ParseRefresh(tokens.RefreshJWT)
	c.DID = MustDID(t, otherDID)
	_, err = s.Refresh(c)
	wantError(t, err, ErrTokenRevoked)
	_, err = s.Refresh(Claims{DID: c.DID})
	wantError(t, err, ErrMissingTokenID)
}

func TestRevokeSessions(t *testing.T) {
	s, _ := newTestSessions(t)
	alice, bob := MustDID(t, testDID), MustDID(t, otherDID)
	create := func(did atp.DID, app string) Claims {
		t.Helper()
		opts := SessionOptions{}
		if app != "" {
			opts.AppPassword = &kv.AppPassword{Name: app}
		}
		tokens, err := s.Create(did, opts)
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.ParseRefresh(tokens.RefreshJWT)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	alive := func(c Claims) bool {
		t.Helper()
		_, err := s.Refresh(c)
		if err != nil && !errors.Is(err, ErrTokenRevoked) {
			t.Fatal(err)
		}
		return err == nil
	}
	full, phone, bot := create(alice, ""), create(alice, "phone"), create(alice, "bot")
	other := create(bob, "phone")

	if err := s.RevokeAppPassword(alice, "phone"); err != nil {
		t.Fatal(err)
	}
	if alive(phone) {
		t.Error("the revoked app password's session survived")
	}
	if !alive(bot) || !alive(other) {
		t.Error("other sessions were revoked with the app password")
	}

	if err := s.Revoke(bot.TokenID); err != nil {
		t.Fatal(err)
	}
	if alive(bot) {
		t.Error("deleteSession left the session")
	}

	if err := s.RevokeAll(alice); err != nil {
		t.Fatal(err)
	}
	if alive(full) {
		t.Error("RevokeAll left a session")
	}
	if n, err := s.CountSessions(alice); err != nil || n != 0 {
		t.Errorf("after RevokeAll: %d records, %v", n, err)
	}
	if !alive(other) {
		t.Error("RevokeAll reached another account")
	}
}

func TestExpiredSessionsTidied(t *testing.T) {
	s, clock := newTestSessions(t)
	did := MustDID(t, testDID)
	if _, err := s.Create(did, SessionOptions{}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(DefaultRefreshLifetime + time.Second)
	if _, err := s.Create(did, SessionOptions{}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.CountSessions(did); err != nil || n != 1 {
		t.Fatalf("expired records not deleted: %d, %v", n, err)
	}
}

func TestSessionConfig(t *testing.T) {
	secret, _ := NewJWTSecret(testSecret)
	db := MustServer(t)
	if _, err := NewSessions(db, SessionConfig{Secret: secret}); err == nil {
		t.Error("no service DID accepted")
	}
	if _, err := NewSessions(db, SessionConfig{ServiceDID: MustDID(t, testServiceDID)}); err == nil {
		t.Error("no secret accepted")
	}
	if _, err := NewJWTSecret([]byte("short")); err == nil {
		t.Error("a 5-byte secret accepted")
	}
	s, err := NewSessions(db, SessionConfig{ServiceDID: MustDID(t, testServiceDID), Secret: secret,
		AccessLifetime: time.Minute, RefreshLifetime: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := s.Create(MustDID(t, testDID), SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, p := decodeJWT(t, tokens.AccessJWT)
	if p["exp"].(float64)-p["iat"].(float64) != 60 {
		t.Errorf("access lifetime not configured: %v", p)
	}
}

func TestJWTSecretRedacted(t *testing.T) {
	secret, err := NewJWTSecret(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "secret", secret)
	for _, out := range []string{
		fmt.Sprint(secret), fmt.Sprintf("%+v", secret), fmt.Sprintf("%#v", secret),
		fmt.Sprintf("%x", secret), fmt.Sprintf("%s", secret),
		fmt.Sprintf("%v", SessionConfig{Secret: secret}), logged.String(),
	} {
		if strings.Contains(out, "0123456789") || strings.Contains(out, "3031323334") {
			t.Errorf("secret leaked: %s", out)
		}
	}
}
