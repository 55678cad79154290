package dagcbor

import (
	"encoding/hex"
	"errors"
	"testing"
)

func TestPrimitivesRoundTrip(t *testing.T) {
	link := SumCBOR([]byte("hello"))
	var b []byte
	b = AppendMapHeader(b, 6)
	b = AppendText(b, "a")
	b = AppendInt(b, -300)
	b = AppendText(b, "b")
	b = AppendBytes(b, []byte{1, 2, 3})
	b = AppendText(b, "c")
	b = AppendLink(b, link)
	b = AppendText(b, "d")
	b = AppendNull(b)
	b = AppendText(b, "e")
	b = AppendBool(b, true)
	b = AppendText(b, "ff")
	b = AppendArrayHeader(b, 1)
	b = AppendInt(b, 1<<40)
	if err := Validate(b); err != nil {
		t.Fatalf("Validate: %v", err)
	}

	r := NewReader(b)
	n, err := r.MapHeader()
	if err != nil || n != 6 {
		t.Fatalf("MapHeader = %d, %v", n, err)
	}
	mustKey := func(want string) {
		t.Helper()
		k, err := r.MapKey()
		if err != nil || string(k) != want {
			t.Fatalf("MapKey = %q, %v; want %q", k, err, want)
		}
	}
	mustKey("a")
	if v, err := r.Int(); err != nil || v != -300 {
		t.Fatalf("Int = %d, %v", v, err)
	}
	mustKey("b")
	if v, err := r.Bytes(); err != nil || hex.EncodeToString(v) != "010203" {
		t.Fatalf("Bytes = %x, %v", v, err)
	}
	mustKey("c")
	if v, err := r.Link(); err != nil || !v.Equals(link) {
		t.Fatalf("Link = %v, %v", v, err)
	}
	mustKey("d")
	if !r.Null() {
		t.Fatal("Null = false")
	}
	mustKey("e")
	if v, err := r.Bool(); err != nil || !v {
		t.Fatalf("Bool = %v, %v", v, err)
	}
	mustKey("ff")
	if n, err := r.ArrayHeader(); err != nil || n != 1 {
		t.Fatalf("ArrayHeader = %d, %v", n, err)
	}
	if v, err := r.Int(); err != nil || v != 1<<40 {
		t.Fatalf("Int = %d, %v", v, err)
	}
	if err := r.End(); err != nil {
		t.Fatal(err)
	}
}

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		want error
	}{
		{"float64", "fb3ff0000000000000", ErrUnsupported},
		{"float16", "f93c00", ErrUnsupported},
		{"undefined", "f7", ErrUnsupported},
		{"non-shortest int", "1817", ErrNotCanonical},
		{"non-shortest length", "7801" + "61", ErrNotCanonical},
		{"indefinite array", "9f01ff", ErrNotCanonical},
		{"unsorted keys", "a2616201616101", ErrNotCanonical},
		{"longer key first", "a2626262016161" + "01", ErrNotCanonical},
		{"duplicate keys", "a2616101616101", ErrNotCanonical},
		{"integer key", "a10101", ErrUnsupported},
		{"tag 1", "c11a5f5e1000", ErrUnsupported},
		{"trailing bytes", "0101", ErrTrailingBytes},
		{"truncated", "62aa", ErrMalformed},
		{"bad utf8", "62c328", ErrMalformed},
		{"break", "ff", ErrMalformed},
		{"empty", "", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := hex.DecodeString(tt.hex)
			if err := Validate(b); !errors.Is(err, tt.want) {
				t.Fatalf("Validate(%s) = %v, want %v", tt.hex, err, tt.want)
			}
		})
	}
}
