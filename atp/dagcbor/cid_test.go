package dagcbor

import (
	"errors"
	"strings"
	"testing"
)

func TestParseCIDString(t *testing.T) {
	valid := []string{testDataCID, testBlobCID, "zdj7WWeQ43G6JJvLWQWZpyHuAMq6uYWRjkBXFad11vE2LHhQ7"}
	for _, s := range valid {
		c, err := ParseCIDString(s)
		if err != nil {
			t.Errorf("ParseCIDString(%q) = %v", s, err)
			continue
		}
		if s[0] == 'b' && c.String() != s {
			t.Errorf("String() = %s, want %s", c, s)
		}
	}
	invalid := []string{
		"", "b", " " + testDataCID, testDataCID + " ", testDataCID + "\n",
		"QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR", // CIDv0
		testDataCID[:len(testDataCID)-2],
		"b" + strings.Repeat("a", 2*MaxCIDBytes),
	}
	for _, s := range invalid {
		if _, err := ParseCIDString(s); !errors.Is(err, ErrInvalidCID) {
			t.Errorf("ParseCIDString(%q) = %v, want ErrInvalidCID", s, err)
		}
	}
}

func TestValidateCIDSyntax(t *testing.T) {
	for _, s := range []string{testDataCID, "mBcDxtdWx0aWhhc2g+", "12345678", "abc=+def"} {
		if err := ValidateCIDSyntax(s); err != nil {
			t.Errorf("ValidateCIDSyntax(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"", "1234567", strings.Repeat("a", 257), "bafy/abcd", "bafy-abcd", "Qmabcdefgh", "bafyé1234"} {
		if err := ValidateCIDSyntax(s); !errors.Is(err, ErrInvalidCID) {
			t.Errorf("ValidateCIDSyntax(%q) = %v, want ErrInvalidCID", s, err)
		}
	}
}

func TestIsBlessed(t *testing.T) {
	if !IsBlessed(mustCID(t, testDataCID), CodecDagCBOR) || IsBlessed(mustCID(t, testDataCID), CodecRaw) {
		t.Error("IsBlessed wrong for a dag-cbor CID")
	}
	if !IsBlessed(mustCID(t, testBlobCID), CodecRaw) {
		t.Error("IsBlessed wrong for a raw CID")
	}
}
