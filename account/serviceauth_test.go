package account

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
)

// fakeResolver serves signing keys from a map. stale, when set for a DID,
// is what a cached lookup (refresh false) returns.
type fakeResolver struct {
	mu    sync.Mutex
	keys  map[atp.DID]*crypto.PublicKey // guarded by mu
	stale map[atp.DID]*crypto.PublicKey // guarded by mu
	err   error                         // guarded by mu
	calls []bool                        // refresh flag of each call; guarded by mu
}

func newFakeResolver() *fakeResolver {
	return &fakeResolver{keys: map[atp.DID]*crypto.PublicKey{}, stale: map[atp.DID]*crypto.PublicKey{}}
}

func (r *fakeResolver) SigningKey(_ context.Context, did atp.DID, refresh bool) (*crypto.PublicKey, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, refresh)
	if r.err != nil {
		return nil, r.err
	}
	if k, ok := r.stale[did]; ok && !refresh {
		return k, nil
	}
	k, ok := r.keys[did]
	if !ok {
		return nil, errors.New("fake: no such DID")
	}
	return k, nil
}

func (r *fakeResolver) set(did atp.DID, k *crypto.PublicKey) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys[did] = k
}

func (r *fakeResolver) takeCalls() []bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.calls
	r.calls = nil
	return c
}

var _ KeyResolver = (*fakeResolver)(nil)

func newTestServiceAuth(tb testing.TB) (*ServiceAuth, *fakeResolver, *fakeClock) {
	tb.Helper()
	res := newFakeResolver()
	clock := newFakeClock()
	a, err := NewServiceAuth(ServiceAuthConfig{ServiceDID: MustDID(tb, testServiceDID), Resolver: res, Now: clock.Now})
	if err != nil {
		tb.Fatal(err)
	}
	return a, res, clock
}

// craftServiceJWT signs an arbitrary header and payload with key.
func craftServiceJWT(tb testing.TB, key *crypto.PrivateKey, header, payload map[string]any) string {
	tb.Helper()
	enc := func(v map[string]any) string {
		b, err := json.Marshal(v)
		if err != nil {
			tb.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signed := enc(header) + "." + enc(payload)
	sig, err := key.SignMessage([]byte(signed))
	if err != nil {
		tb.Fatal(err)
	}
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestServiceAuthRoundTrip(t *testing.T) {
	for _, curve := range []crypto.Curve{crypto.K256, crypto.P256} {
		t.Run(curve.String(), func(t *testing.T) {
			a, res, clock := newTestServiceAuth(t)
			iss := MustDID(t, testDID)
			key := MustKey(t, curve)
			res.set(iss, key.Public())
			lxm := MustNSID(t, "com.atproto.server.createAccount")

			token, err := a.Mint(key, ServiceJWTParams{Iss: iss, Aud: testServiceDID, Lxm: lxm})
			if err != nil {
				t.Fatal(err)
			}
			h, p := decodeJWT(t, token)
			if h["alg"] != curve.JWTAlg() || h["typ"] != "JWT" || len(h) != 2 {
				t.Errorf("header %v", h)
			}
			if got := keysOf(p); !slices.Equal(got, []string{"aud", "exp", "iat", "iss", "jti", "lxm"}) {
				t.Errorf("claims %v", got)
			}
			now := clock.Now().Unix()
			if p["iss"] != testDID || p["aud"] != testServiceDID || p["lxm"] != lxm.String() ||
				p["iat"] != float64(now) || p["exp"] != float64(now+60) {
				t.Errorf("payload %v", p)
			}
			if jti, _ := p["jti"].(string); !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(jti) {
				t.Errorf("jti %q", jti)
			}
			sig, _ := base64.RawURLEncoding.DecodeString(token[strings.LastIndexByte(token, '.')+1:])
			if len(sig) != 64 {
				t.Errorf("signature is %d bytes, want compact 64", len(sig))
			}

			c, err := a.Verify(context.Background(), token, lxm)
			if err != nil {
				t.Fatal(err)
			}
			if c.Iss != iss || c.IssService != "" || c.Aud != testServiceDID || c.Lxm != lxm.String() ||
				c.JTI != p["jti"] || !c.ExpiresAt.Equal(clock.Now().Add(time.Minute)) || !c.IssuedAt.Equal(clock.Now()) {
				t.Errorf("claims %+v", c)
			}
			if calls := res.takeCalls(); !slices.Equal(calls, []bool{false}) {
				t.Errorf("resolver calls %v, want one cached lookup", calls)
			}
		})
	}
}

func TestServiceAuthMintOptions(t *testing.T) {
	a, _, clock := newTestServiceAuth(t)
	key := MustKey(t, crypto.K256)
	iss := MustDID(t, testDID)
	token, err := a.Mint(key, ServiceJWTParams{Iss: iss, Aud: "did:web:api.bsky.app#bsky_appview", Exp: clock.Now().Add(30 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	_, p := decodeJWT(t, token)
	if _, ok := p["lxm"]; ok {
		t.Error("lxm present without a method")
	}
	if p["exp"] != float64(clock.Now().Add(30*time.Minute).Unix()) || p["aud"] != "did:web:api.bsky.app#bsky_appview" {
		t.Errorf("payload %v", p)
	}
	if _, err := a.Mint(nil, ServiceJWTParams{Iss: iss, Aud: testServiceDID}); err == nil {
		t.Error("no key accepted")
	}
	if _, err := a.Mint(key, ServiceJWTParams{Aud: testServiceDID}); err == nil {
		t.Error("no iss accepted")
	}
	// Two tokens differ in jti.
	t1, _ := a.Mint(key, ServiceJWTParams{Iss: iss, Aud: testServiceDID})
	t2, _ := a.Mint(key, ServiceJWTParams{Iss: iss, Aud: testServiceDID})
	if t1 == t2 {
		t.Error("two tokens are identical")
	}
}

// k256Order is the order n of secp256k1.
var k256Order, _ = new(big.Int).SetString("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16)

// highS returns token with its K-256 signature's s replaced by n-s.
func highS(tb testing.TB, token string) string {
	tb.Helper()
	i := strings.LastIndexByte(token, '.')
	sig, err := base64.RawURLEncoding.DecodeString(token[i+1:])
	if err != nil || len(sig) != 64 {
		tb.Fatalf("signature: %v", err)
	}
	s := new(big.Int).SetBytes(sig[32:])
	s.Sub(k256Order, s)
	out := append([]byte(nil), sig[:32]...)
	out = append(out, s.FillBytes(make([]byte, 32))...)
	return token[:i+1] + base64.RawURLEncoding.EncodeToString(out)
}

func TestServiceAuthVerifyRejects(t *testing.T) {
	a, res, clock := newTestServiceAuth(t)
	iss := MustDID(t, testDID)
	key := MustKey(t, crypto.K256)
	res.set(iss, key.Public())
	other := MustKey(t, crypto.K256)
	p256 := MustKey(t, crypto.P256)
	lxm := MustNSID(t, "com.atproto.repo.uploadBlob")
	now := clock.Now().Unix()
	jtiN := 0
	claims := func(mod func(map[string]any)) map[string]any {
		jtiN++
		c := map[string]any{"iat": now, "iss": testDID, "aud": testServiceDID, "exp": now + 60,
			"lxm": lxm.String(), "jti": "jti-" + strings.Repeat("x", jtiN)}
		if mod != nil {
			mod(c)
		}
		return c
	}
	set := func(k string, v any) func(map[string]any) {
		return func(c map[string]any) {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
	}
	es256k := map[string]any{"alg": "ES256K", "typ": "JWT"}
	hdr := func(typ string) map[string]any { return map[string]any{"alg": "ES256K", "typ": typ} }
	valid := craftServiceJWT(t, key, es256k, claims(nil))

	for _, tc := range []struct {
		name  string
		token string
		lxm   atp.NSID
		want  error
		msg   string
	}{
		{name: "valid", token: valid, lxm: lxm},
		{name: "high S", token: highS(t, craftServiceJWT(t, key, es256k, claims(nil))), lxm: lxm},
		{name: "no typ", token: craftServiceJWT(t, key, map[string]any{"alg": "ES256K"}, claims(nil)), lxm: lxm},
		{name: "any lxm when none required", token: craftServiceJWT(t, key, es256k, claims(nil))},
		{name: "aud with #atproto_pds", token: craftServiceJWT(t, key, es256k, claims(set("aud", testServiceDID+"#atproto_pds"))), lxm: lxm},
		{name: "iss with fragment", token: craftServiceJWT(t, key, es256k, claims(set("iss", testDID+"#atproto_labeler"))), lxm: lxm},
		{name: "padded segments", token: strings.Replace(craftServiceJWT(t, key, es256k, claims(nil)), ".", "==.", 1), lxm: lxm, want: ErrBadJwtSignature},

		{name: "one part", token: "abc", want: ErrBadJwt},
		{name: "four parts", token: valid + ".x", want: ErrBadJwt},
		{name: "header not base64", token: "!!!." + strings.SplitN(valid, ".", 2)[1], want: ErrBadJwt},
		{name: "header not JSON", token: "bm90IGpzb24." + strings.SplitN(valid, ".", 2)[1], want: ErrBadJwt},
		{name: "no alg", token: craftServiceJWT(t, key, map[string]any{"typ": "JWT"}, claims(nil)), want: ErrBadJwt},
		{name: "typ at+jwt", token: craftServiceJWT(t, key, hdr("at+jwt"), claims(nil)), want: ErrBadJwtType, msg: `Invalid jwt type "at+jwt"`},
		{name: "typ refresh+jwt", token: craftServiceJWT(t, key, hdr("refresh+jwt"), claims(nil)), want: ErrBadJwtType},
		{name: "typ dpop+jwt", token: craftServiceJWT(t, key, hdr("dpop+jwt"), claims(nil)), want: ErrBadJwtType},
		{name: "no iss", token: craftServiceJWT(t, key, es256k, claims(set("iss", nil))), want: ErrBadJwt},
		{name: "no aud", token: craftServiceJWT(t, key, es256k, claims(set("aud", nil))), want: ErrBadJwt},
		{name: "no exp", token: craftServiceJWT(t, key, es256k, claims(set("exp", nil))), want: ErrBadJwt},
		{name: "exp string", token: craftServiceJWT(t, key, es256k, claims(set("exp", "later"))), want: ErrBadJwt},
		{name: "aud array", token: craftServiceJWT(t, key, es256k, claims(set("aud", []string{testServiceDID}))), want: ErrBadJwt},
		{name: "lxm number", token: craftServiceJWT(t, key, es256k, claims(set("lxm", 5))), want: ErrBadJwt},
		{name: "expired", token: craftServiceJWT(t, key, es256k, claims(set("exp", now-1))), lxm: lxm, want: ErrJwtExpired},
		{name: "wrong aud", token: craftServiceJWT(t, key, es256k, claims(set("aud", "did:web:other.example"))), lxm: lxm, want: ErrBadJwtAudience},
		{name: "aud of another service", token: craftServiceJWT(t, key, es256k, claims(set("aud", testServiceDID+"#bsky_appview"))), lxm: lxm, want: ErrBadJwtAudience},
		{name: "wrong lxm", token: craftServiceJWT(t, key, es256k, claims(set("lxm", "com.atproto.repo.createRecord"))), lxm: lxm,
			want: ErrBadJwtLexiconMethod, msg: `bad jwt lexicon method ("lxm"). must match: com.atproto.repo.uploadBlob`},
		{name: "missing lxm", token: craftServiceJWT(t, key, es256k, claims(set("lxm", nil))), lxm: lxm,
			want: ErrBadJwtLexiconMethod, msg: `missing jwt lexicon method ("lxm"). must match: com.atproto.repo.uploadBlob`},
		{name: "iss not a DID", token: craftServiceJWT(t, key, es256k, claims(set("iss", "alice.test"))), lxm: lxm, want: ErrBadJwtIss},
		{name: "iss empty fragment", token: craftServiceJWT(t, key, es256k, claims(set("iss", testDID+"#"))), lxm: lxm, want: ErrBadJwtIss},
		{name: "bad signature", token: craftServiceJWT(t, other, es256k, claims(nil)), lxm: lxm, want: ErrBadJwtSignature},
		{name: "alg does not match key", token: craftServiceJWT(t, p256, map[string]any{"alg": "ES256", "typ": "JWT"}, claims(nil)), lxm: lxm, want: ErrBadJwtSignature},
		{name: "alg HS256", token: craftServiceJWT(t, key, map[string]any{"alg": "HS256"}, claims(nil)), lxm: lxm, want: ErrBadJwtSignature, msg: "could not verify jwt signature"},
		{name: "alg none", token: craftServiceJWT(t, key, map[string]any{"alg": "none"}, claims(nil)), lxm: lxm, want: ErrBadJwtSignature},
		{name: "signature not base64", token: valid[:strings.LastIndexByte(valid, '.')+1] + "***", lxm: lxm, want: ErrBadJwtSignature},
		{name: "replayed", token: valid, lxm: lxm, want: ErrJwtReplayed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := a.Verify(context.Background(), tc.token, tc.lxm)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantError(t, err, tc.want)
			var e *Error
			if !errors.As(err, &e) || e.Status != 401 {
				t.Fatalf("%v is not a 401 *Error", err)
			}
			if tc.msg != "" && e.Message != tc.msg {
				t.Fatalf("message %q, want %q", e.Message, tc.msg)
			}
		})
	}
}

func TestServiceAuthKeyRotation(t *testing.T) {
	a, res, _ := newTestServiceAuth(t)
	iss := MustDID(t, testDID)
	oldKey, newKey := MustKey(t, crypto.K256), MustKey(t, crypto.P256)
	res.set(iss, newKey.Public())
	res.stale[iss] = oldKey.Public()
	token, err := a.Mint(newKey, ServiceJWTParams{Iss: iss, Aud: testServiceDID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Verify(context.Background(), token, atp.NSID{}); err != nil {
		t.Fatalf("a token by the rotated-in key: %v", err)
	}
	if calls := res.takeCalls(); !slices.Equal(calls, []bool{false, true}) {
		t.Fatalf("resolver calls %v, want a cached lookup then a refresh", calls)
	}
	// A bad signature with an unchanged key is checked once.
	bad, _ := a.Mint(oldKey, ServiceJWTParams{Iss: iss, Aud: testServiceDID})
	delete(res.stale, iss)
	_, err = a.Verify(context.Background(), bad, atp.NSID{})
	wantError(t, err, ErrBadJwtSignature)
	if calls := res.takeCalls(); !slices.Equal(calls, []bool{false, true}) {
		t.Fatalf("resolver calls %v", calls)
	}
}

func TestServiceAuthUnresolvedIssuer(t *testing.T) {
	a, res, _ := newTestServiceAuth(t)
	key := MustKey(t, crypto.K256)
	token, err := a.Mint(key, ServiceJWTParams{Iss: MustDID(t, otherDID), Aud: testServiceDID})
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Verify(context.Background(), token, atp.NSID{})
	wantError(t, err, ErrUnresolvedIssuer)
	res.err = errors.New("network down")
	_, err = a.Verify(context.Background(), token, atp.NSID{})
	wantError(t, err, ErrUnresolvedIssuer)
	if !strings.Contains(err.Error(), "network down") {
		t.Errorf("cause lost: %v", err)
	}
}

func TestServiceAuthReplay(t *testing.T) {
	a, res, clock := newTestServiceAuth(t)
	iss := MustDID(t, testDID)
	key := MustKey(t, crypto.K256)
	res.set(iss, key.Public())
	token, _ := a.Mint(key, ServiceJWTParams{Iss: iss, Aud: testServiceDID})
	if _, err := a.Verify(context.Background(), token, atp.NSID{}); err != nil {
		t.Fatal(err)
	}
	_, err := a.Verify(context.Background(), token, atp.NSID{})
	wantError(t, err, ErrJwtReplayed)
	// A token without jti cannot be tracked and is accepted, as from
	// older issuers.
	now := clock.Now().Unix()
	noJTI := craftServiceJWT(t, key, map[string]any{"alg": "ES256K"}, map[string]any{"iss": testDID, "aud": testServiceDID, "exp": now + 60})
	for range 2 {
		if _, err := a.Verify(context.Background(), noJTI, atp.NSID{}); err != nil {
			t.Fatal(err)
		}
	}
	// The same jti from another issuer is another nonce.
	iss2 := MustDID(t, otherDID)
	res.set(iss2, key.Public())
	same := func(did string) string {
		return craftServiceJWT(t, key, map[string]any{"alg": "ES256K"}, map[string]any{"iss": did, "aud": testServiceDID, "exp": now + 60, "jti": "n1"})
	}
	for _, did := range []string{testDID, otherDID} {
		if _, err := a.Verify(context.Background(), same(did), atp.NSID{}); err != nil {
			t.Fatalf("%s: %v", did, err)
		}
	}
}

func TestReplayCacheBounded(t *testing.T) {
	c := newReplayCache(3)
	now := time.Unix(1000, 0)
	for i, n := range []string{"a", "b", "c", "d"} {
		if !c.claim(n, now.Add(time.Duration(10+i)*time.Second), now) {
			t.Fatalf("%s claimed twice", n)
		}
	}
	if c.len() != 3 {
		t.Fatalf("cache holds %d, bound 3", c.len())
	}
	// "a" expired first and was evicted; the rest are remembered.
	if !c.claim("a", now.Add(time.Minute), now) {
		t.Error("evicted nonce not claimable")
	}
	if c.claim("d", now.Add(time.Minute), now) {
		t.Error("remembered nonce claimed again")
	}
	// Expired entries go, and their nonces may come back.
	later := now.Add(2 * time.Minute)
	if !c.claim("d", later.Add(time.Second), later) || c.len() != 1 {
		t.Errorf("after expiry: len %d", c.len())
	}
}

func TestCheckServiceAuthRequest(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	nsid := func(s string) atp.NSID { return MustNSID(t, s) }
	for _, tc := range []struct {
		name string
		req  ServiceAuthRequest
		want error
		msg  string
	}{
		{"plain", ServiceAuthRequest{Scope: ScopeAccess, Aud: "did:web:api.bsky.app"}, nil, ""},
		{"service ref", ServiceAuthRequest{Scope: ScopeAppPass, Aud: "did:web:api.bsky.app#bsky_appview", Lxm: nsid("app.bsky.feed.getTimeline")}, nil, ""},
		{"an hour with lxm", ServiceAuthRequest{Scope: ScopeAccess, Aud: "did:plc:abc", Lxm: nsid("com.atproto.repo.uploadBlob"), Exp: now.Add(time.Hour)}, nil, ""},
		{"a minute without lxm", ServiceAuthRequest{Scope: ScopeAccess, Aud: "did:plc:abc", Exp: now.Add(time.Minute)}, nil, ""},
		{"takendown migrating", ServiceAuthRequest{Scope: ScopeTakendown, Aud: "did:web:new.example", Lxm: nsid("com.atproto.server.createAccount")}, nil, ""},
		{"oauth skips scope rules", ServiceAuthRequest{Aud: "did:web:chat.example", Lxm: nsid("chat.bsky.convo.sendMessage")}, nil, ""},
		{"privileged app password chat", ServiceAuthRequest{Scope: ScopeAppPassPrivileged, Aud: "did:web:chat.example", Lxm: nsid("chat.bsky.convo.listConvos")}, nil, ""},

		{"aud not a DID", ServiceAuthRequest{Scope: ScopeAccess, Aud: "api.bsky.app"}, ErrInvalidServiceAud, ""},
		{"aud other method", ServiceAuthRequest{Scope: ScopeAccess, Aud: "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme"}, ErrInvalidServiceAud, ""},
		{"aud empty fragment", ServiceAuthRequest{Scope: ScopeAccess, Aud: "did:web:x.example#"}, ErrInvalidServiceAud, ""},
		{"aud space in fragment", ServiceAuthRequest{Scope: ScopeAccess, Aud: "did:web:x.example#a b"}, ErrInvalidServiceAud, ""},
		{"takendown other", ServiceAuthRequest{Scope: ScopeTakendown, Aud: "did:web:x.example", Lxm: nsid("com.atproto.repo.uploadBlob")}, ErrBadTokenScope, ""},
		{"takendown no lxm", ServiceAuthRequest{Scope: ScopeTakendown, Aud: "did:web:x.example"}, ErrBadTokenScope, ""},
		{"app password chat", ServiceAuthRequest{Scope: ScopeAppPass, Aud: "did:web:chat.example", Lxm: nsid("chat.bsky.convo.sendMessage")},
			ErrInsufficientAccess, "insufficient access to request a service auth token for the following method: chat.bsky.convo.sendMessage"},
		{"app password createAccount", ServiceAuthRequest{Scope: ScopeAppPass, Aud: "did:web:new.example", Lxm: nsid("com.atproto.server.createAccount")}, ErrInsufficientAccess, ""},
		{"past", ServiceAuthRequest{Scope: ScopeAccess, Aud: "did:plc:abc", Exp: now.Add(-time.Second)}, ErrBadExpiration, "expiration is in past"},
		{"over an hour", ServiceAuthRequest{Scope: ScopeAccess, Aud: "did:plc:abc", Lxm: nsid("com.atproto.repo.uploadBlob"), Exp: now.Add(time.Hour + time.Second)},
			ErrBadExpiration, "cannot request a token with an expiration more than an hour in the future"},
		{"over a minute without lxm", ServiceAuthRequest{Scope: ScopeAccess, Aud: "did:plc:abc", Exp: now.Add(time.Minute + time.Second)},
			ErrBadExpiration, "cannot request a method-less token with an expiration more than a minute in the future"},
		{"protected", ServiceAuthRequest{Scope: ScopeAccess, Aud: "did:plc:abc", Lxm: nsid("com.atproto.identity.updateHandle")},
			ErrProtectedMethod, "cannot request a service auth token for the following protected method: com.atproto.identity.updateHandle"},
		{"protected any case", ServiceAuthRequest{Scope: ScopeAccess, Aud: "did:plc:abc", Lxm: nsid("com.atproto.server.getSESSION")}, ErrProtectedMethod, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckServiceAuthRequest(tc.req, now)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantError(t, err, tc.want)
			var e *Error
			if !errors.As(err, &e) || e.Status != 400 {
				t.Fatalf("%v is not a 400 *Error", err)
			}
			if tc.msg != "" && e.Message != tc.msg {
				t.Fatalf("message %q, want %q", e.Message, tc.msg)
			}
		})
	}
}

func TestMethodSets(t *testing.T) {
	for lxm, want := range map[string][2]bool{ // {privileged, protected}
		"chat.bsky.convo.sendMessage":             {true, false},
		"chat.bsky.actor.deleteAccount":           {true, false},
		"com.atproto.server.createAccount":        {true, false},
		"com.atproto.server.createaccount":        {true, false},
		"com.atproto.server.createAppPassword":    {false, true},
		"com.atproto.identity.signPlcOperation":   {false, true},
		"com.atproto.admin.sendEmail":             {false, true},
		"com.atproto.server.updateEmail":          {false, true},
		"app.bsky.feed.getTimeline":               {false, false},
		"com.atproto.repo.createRecord":           {false, false},
		"com.atproto.identity.resolveHandle":      {false, false},
		"com.atproto.server.getServiceAuth":       {false, false},
		"com.atproto.server.requestAccountDelete": {false, true},
	} {
		if got := [2]bool{IsPrivilegedMethod(lxm), IsProtectedMethod(lxm)}; got != want {
			t.Errorf("%s: privileged, protected = %v, want %v", lxm, got, want)
		}
	}
}

func TestServiceAuthConfig(t *testing.T) {
	if _, err := NewServiceAuth(ServiceAuthConfig{Resolver: newFakeResolver()}); err == nil {
		t.Error("no service DID accepted")
	}
	if _, err := NewServiceAuth(ServiceAuthConfig{ServiceDID: MustDID(t, testServiceDID)}); err == nil {
		t.Error("no resolver accepted")
	}
}
