package account

import (
	"context"
	"errors"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
)

// FuzzParseAccess checks that no token string panics the parser and that
// every failure is one of the documented errors.
func FuzzParseAccess(f *testing.F) {
	s, clock := newTestSessions(f)
	tokens, err := s.Create(MustDID(f, testDID), SessionOptions{})
	if err != nil {
		f.Fatal(err)
	}
	now := clock.Now().Unix()
	for _, seed := range []string{
		tokens.AccessJWT, tokens.RefreshJWT, "", ".", "..", "a.b.c", "eyJ9.eyJ9.", "x.y.z.w",
		signToken(f, jwt.SigningMethodHS256, map[string]any{"typ": "at+jwt"}, jwt.MapClaims{"aud": testServiceDID, "exp": now + 9, "sub": 5, "scope": []int{1}}, testSecret),
		signToken(f, jwt.SigningMethodHS256, map[string]any{"typ": "at+jwt"}, jwt.MapClaims{"aud": []any{1, nil}, "exp": 1e300}, testSecret),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		c, err := s.ParseAccess(token)
		if err == nil {
			if c.DID.IsZero() || !accessScopes.Has(c.Scope) {
				t.Fatalf("accepted claims %+v", c)
			}
			return
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("undocumented error %v", err)
		}
	})
}

// FuzzVerifyServiceJWT checks that no token string panics the service
// token verifier.
func FuzzVerifyServiceJWT(f *testing.F) {
	a, res, _ := newTestServiceAuth(f)
	key := MustKey(f, crypto.K256)
	iss := MustDID(f, testDID)
	res.set(iss, key.Public())
	token, err := a.Mint(key, ServiceJWTParams{Iss: iss, Aud: testServiceDID})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{token, "", "..", "e30.e30.", "eyJhbGciOiJFUzI1NksifQ.eyJpc3MiOjF9.AA"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		_, err := a.Verify(context.Background(), token, atp.NSID{})
		var e *Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("undocumented error %v", err)
		}
	})
}

// FuzzVerifyPasswordHash checks that no stored hash string panics
// verification.
func FuzzVerifyPasswordHash(f *testing.F) {
	enc, err := cheapParams.Hash("pw")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{enc, "", "$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA", "00:00", "a:b"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, encoded string) {
		if len(encoded) > 4096 {
			return
		}
		// Keep each derivation cheap: skip inputs asking for real cost.
		if p, _, _, err := decodeArgon(encoded); err == nil && (p.memory > 1024 || p.time > 2) {
			return
		}
		if _, err := VerifyPassword("pw", encoded); err != nil && !errors.Is(err, ErrInvalidPasswordHash) {
			t.Fatalf("undocumented error %v", err)
		}
	})
}
