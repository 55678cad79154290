package account

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/boltsky/boltsky/atp/crypto"
)

func mustSealer(tb testing.TB, key byte) *KeySealer {
	tb.Helper()
	s, err := NewKeySealer(bytes.Repeat([]byte{key}, SealKeySize), nil)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestKeySealRoundTrip(t *testing.T) {
	s := mustSealer(t, 7)
	for _, curve := range []crypto.Curve{crypto.K256, crypto.P256} {
		k := MustKey(t, curve)
		sealed, err := s.Seal(k)
		if err != nil {
			t.Fatal(err)
		}
		if len(sealed) != 2+12+32+16 || sealed[0] != 1 || sealed[1] != byte(curve) {
			t.Fatalf("%v: sealed form %x", curve, sealed)
		}
		if bytes.Contains(sealed, k.ExportBytes()) {
			t.Fatalf("%v: scalar in the clear", curve)
		}
		opened, err := s.Open(sealed)
		if err != nil {
			t.Fatal(err)
		}
		if !opened.Equal(k) || opened.Curve() != curve {
			t.Fatalf("%v: opened another key", curve)
		}
		again, _ := s.Seal(k)
		if bytes.Equal(again, sealed) {
			t.Fatalf("%v: nonce reused", curve)
		}
	}
}

func TestKeySealTamper(t *testing.T) {
	s := mustSealer(t, 7)
	sealed, err := s.Seal(MustKey(t, crypto.K256))
	if err != nil {
		t.Fatal(err)
	}
	for i := range sealed {
		for _, bit := range []byte{0x01, 0x80} {
			bad := bytes.Clone(sealed)
			bad[i] ^= bit
			if _, err := s.Open(bad); !errors.Is(err, ErrSealedKey) {
				t.Fatalf("flipping bit %#x of byte %d: %v", bit, i, err)
			}
		}
	}
	for _, bad := range [][]byte{nil, sealed[:10], sealed[:len(sealed)-1], append(bytes.Clone(sealed), 0)} {
		if _, err := s.Open(bad); !errors.Is(err, ErrSealedKey) {
			t.Fatalf("%d bytes: %v", len(bad), err)
		}
	}
	if _, err := mustSealer(t, 8).Open(sealed); !errors.Is(err, ErrSealedKey) {
		t.Fatalf("another server key opened it: %v", err)
	}
}

func TestKeySealerConfig(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33} {
		if _, err := NewKeySealer(make([]byte, n), nil); err == nil {
			t.Errorf("a %d-byte key accepted", n)
		}
	}
	s := mustSealer(t, 1)
	if _, err := s.Seal(nil); err == nil {
		t.Error("nil key sealed")
	}
	if _, err := s.Seal(&crypto.PrivateKey{}); err == nil {
		t.Error("zero key sealed")
	}
	short, err := NewKeySealer(make([]byte, SealKeySize), bytes.NewReader(make([]byte, 5)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := short.Seal(MustKey(t, crypto.K256)); err == nil {
		t.Error("sealed without a full nonce")
	}
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s), fmt.Sprintf("%x", s)} {
		if !strings.Contains(out, "redacted") {
			t.Errorf("printed %q", out)
		}
	}
}

// The actor registry takes Open as its key opener.
var _ func([]byte) (*crypto.PrivateKey, error) = (*KeySealer)(nil).Open
