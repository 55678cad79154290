package account

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

func TestHashPasswordDefaults(t *testing.T) {
	enc, err := HashPassword("hunter22")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("encoding %q does not name the default parameters", enc)
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{"hunter22", true}, {"hunter2", false}, {"Hunter22", false}, {"", false}} {
		ok, err := VerifyPassword(tc.pw, enc)
		if err != nil || ok != tc.want {
			t.Errorf("VerifyPassword(%q) = %v, %v; want %v", tc.pw, ok, err, tc.want)
		}
	}
	if NeedsRehash(enc, PasswordParams{}) {
		t.Error("a default hash needs no rehash")
	}
	if !NeedsRehash(enc, PasswordParams{Memory: 32 * 1024}) {
		t.Error("other parameters need a rehash")
	}
}

func TestHashPasswordSaltsDiffer(t *testing.T) {
	a, err := cheapParams.Hash("same")
	if err != nil {
		t.Fatal(err)
	}
	b, err := cheapParams.Hash("same")
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
}

func TestHashPasswordDeterministicRand(t *testing.T) {
	p := cheapParams
	p.Rand = bytes.NewReader(make([]byte, 16))
	enc, err := p.Hash("pw")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(enc, "$AAAAAAAAAAAAAAAAAAAAAA$") {
		t.Fatalf("salt from the injected reader not used: %q", enc)
	}
	p.Rand = bytes.NewReader(nil)
	if _, err := p.Hash("pw"); err == nil {
		t.Fatal("an exhausted random source must fail")
	}
}

func TestPasswordLength(t *testing.T) {
	long := strings.Repeat("a", MaxPasswordLength)
	if _, err := cheapParams.Hash(long); err != nil {
		t.Fatalf("a %d-character password: %v", MaxPasswordLength, err)
	}
	_, err := cheapParams.Hash(long + "a")
	wantError(t, err, ErrPasswordTooLong)
	// Code units are counted as JavaScript does: an emoji counts two.
	_, err = cheapParams.Hash(strings.Repeat("a", MaxPasswordLength-1) + "🔑")
	wantError(t, err, ErrPasswordTooLong)

	enc, err := cheapParams.Hash("x")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := VerifyPassword(strings.Repeat("a", 513), enc); ok || err != nil {
		t.Fatalf("an over-long presented password: %v, %v", ok, err)
	}
}

func TestVerifyPasswordMalformed(t *testing.T) {
	for _, enc := range []string{
		"",
		"plain",
		"$argon2id$",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=0,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=4,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1,x=2$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"salt:nothex",
		"salt:abcd",
		":" + strings.Repeat("00", 64),
		"a:b:c",
	} {
		if _, err := VerifyPassword("pw", enc); !errors.Is(err, ErrInvalidPasswordHash) {
			t.Errorf("VerifyPassword(_, %q) = %v, want ErrInvalidPasswordHash", enc, err)
		}
	}
}

// legacyVector is one line of testdata/legacy_scrypt.json.
type legacyVector struct {
	Kind     string `json:"kind"`
	DID      string `json:"did"`
	Password string `json:"password"`
	Hash     string `json:"hash"`
}

func readLegacyVectors(tb testing.TB) []legacyVector {
	tb.Helper()
	raw, err := os.ReadFile("testdata/legacy_scrypt.json")
	if err != nil {
		tb.Fatal(err)
	}
	var out []legacyVector
	if err := json.Unmarshal(raw, &out); err != nil {
		tb.Fatal(err)
	}
	return out
}

// TestLegacyScryptVectors checks hashes made by Node's crypto.scrypt the
// way the reference PDS makes them.
func TestLegacyScryptVectors(t *testing.T) {
	vectors := readLegacyVectors(t)
	if len(vectors) == 0 {
		t.Fatal("no vectors")
	}
	for _, v := range vectors {
		if v.Kind != "account" {
			continue
		}
		t.Run(v.Password, func(t *testing.T) {
			ok, err := VerifyPassword(v.Password, v.Hash)
			if err != nil || !ok {
				t.Fatalf("reference hash does not verify: %v, %v", ok, err)
			}
			ok, err = VerifyPassword(v.Password+"x", v.Hash)
			if err != nil || ok {
				t.Fatalf("wrong password verifies: %v, %v", ok, err)
			}
			if !NeedsRehash(v.Hash, PasswordParams{}) {
				t.Fatal("a legacy hash needs a rehash")
			}
			salt, _, _ := strings.Cut(v.Hash, ":")
			again, err := encodeLegacy(v.Password, salt)
			if err != nil || again != v.Hash {
				t.Fatalf("encodeLegacy = %q, %v; want %q", again, err, v.Hash)
			}
		})
	}
}

func TestPasswordParamsValidate(t *testing.T) {
	for _, tc := range []struct {
		p  PasswordParams
		ok bool
	}{
		{PasswordParams{}, true},
		{PasswordParams{Memory: 64, Time: 1, Threads: 1}, true},
		{PasswordParams{Memory: 7, Time: 1, Threads: 1}, false},
		{PasswordParams{Memory: 1 << 22}, false},
		{PasswordParams{Time: 65}, false},
	} {
		if err := tc.p.Validate(); (err == nil) != tc.ok {
			t.Errorf("%+v.Validate() = %v, want ok=%v", tc.p, err, tc.ok)
		}
	}
}
