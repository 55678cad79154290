package account

import (
	"bytes"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/boltsky/boltsky/kv"
)

var appPasswordRE = regexp.MustCompile(`^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$`)

func TestGenerateAppPassword(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		pw, err := GenerateAppPassword(nil)
		if err != nil {
			t.Fatal(err)
		}
		if !appPasswordRE.MatchString(pw) || !IsAppPasswordFormat(pw) {
			t.Fatalf("bad app password %q", pw)
		}
		if seen[pw] {
			t.Fatalf("repeated app password %q", pw)
		}
		seen[pw] = true
	}
	// Every byte value maps into the alphabet; a fixed source gives a
	// fixed password.
	pw, err := GenerateAppPassword(bytes.NewReader([]byte{0, 1, 2, 3, 31, 32, 33, 255, 26, 27, 28, 29, 30, 64, 96, 128}))
	if err != nil {
		t.Fatal(err)
	}
	if pw != "abcd-7ab7-2345-6aaa" {
		t.Fatalf("got %q", pw)
	}
}

func TestIsAppPasswordFormat(t *testing.T) {
	for s, want := range map[string]bool{
		"abcd-efgh-ijkl-mnop":  true,
		"ab12-cd34-ef56-gh78":  true,
		"ABCD-efgh-ijkl-mnop":  false,
		"abcd-efgh-ijkl-mno":   false,
		"abcd_efgh-ijkl-mnop":  false,
		"abcdefghijklmnopqrs":  false,
		"":                     false,
		"abcd-efgh-ijkl-mnop-": false,
	} {
		if got := IsAppPasswordFormat(s); got != want {
			t.Errorf("IsAppPasswordFormat(%q) = %v", s, got)
		}
	}
}

func TestCheckAppPasswordName(t *testing.T) {
	for name, ok := range map[string]bool{
		"phone":                       true,
		"Graysky on my 📱":             true,
		strings.Repeat("n", 100):      true,
		strings.Repeat("n", 101):      false,
		"":                            false,
		"   ":                         false,
		"tab\there":                   false,
		"new\nline":                   false,
		string([]byte{0xff, 0xfe}):    false,
		strings.Repeat("🔑", 50):       true,
		strings.Repeat("🔑", 50) + "x": false,
	} {
		err := CheckAppPasswordName(name)
		if (err == nil) != ok {
			t.Errorf("CheckAppPasswordName(%q) = %v, want ok=%v", name, err, ok)
		}
		if err != nil {
			wantError(t, err, ErrInvalidAppPasswordName)
		}
	}
}

func TestNewAndCheckAppPassword(t *testing.T) {
	did := MustDID(t, "did:plc:ewvi7nxzyoun6zhxrhs64oiz")
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	var list []kv.AppPassword
	plain := map[string]string{}
	for i, name := range []string{"phone", "laptop", "bot"} {
		ap, pw, err := NewAppPassword(did, name, i == 1, now, cheapParams)
		if err != nil {
			t.Fatal(err)
		}
		if ap.Name != name || ap.Privileged != (i == 1) || !ap.CreatedAt.Equal(now) || ap.CreatedAt.Location() != time.UTC {
			t.Fatalf("record %+v", ap)
		}
		if !appPasswordRE.MatchString(pw) || strings.Contains(ap.Hash, pw) {
			t.Fatalf("password %q, hash %q", pw, ap.Hash)
		}
		list = append(list, ap)
		plain[name] = pw
	}
	for name, pw := range plain {
		got, ok, err := CheckAppPassword(pw, list)
		if err != nil || !ok || got.Name != name {
			t.Errorf("CheckAppPassword(%s) = %+v, %v, %v", name, got, ok, err)
		}
	}
	for _, pw := range []string{"abcd-efgh-ijkl-mnop", "not an app password", ""} {
		if _, ok, err := CheckAppPassword(pw, list); ok || err != nil {
			t.Errorf("CheckAppPassword(%q) = %v, %v", pw, ok, err)
		}
	}
	if _, ok, _ := CheckAppPassword(plain["phone"], nil); ok {
		t.Error("an empty list matches nothing")
	}
	if _, _, err := NewAppPassword(did, " ", false, now, cheapParams); err == nil {
		t.Error("a blank name must fail")
	}
}

// TestLegacyAppPasswords checks app-password hashes the reference made.
func TestLegacyAppPasswords(t *testing.T) {
	for _, v := range readLegacyVectors(t) {
		if v.Kind != "app" {
			continue
		}
		did := MustDID(t, v.DID)
		// The reference's salt is the hex of our salt.
		salt, _, _ := strings.Cut(v.Hash, ":")
		if got := hex.EncodeToString(appPasswordSalt(did)); got != salt {
			t.Fatalf("salt for %s = %s, reference %s", v.DID, got, salt)
		}
		other, _, err := NewAppPassword(did, "new", false, time.Now(), cheapParams)
		if err != nil {
			t.Fatal(err)
		}
		list := []kv.AppPassword{other, {Name: "migrated", Hash: v.Hash, Privileged: true}}
		got, ok, err := CheckAppPassword(v.Password, list)
		if err != nil || !ok || got.Name != "migrated" || !got.Privileged {
			t.Fatalf("%s: got %+v, %v, %v", v.DID, got, ok, err)
		}
	}
}

func TestCheckAppPasswordCorrupt(t *testing.T) {
	list := []kv.AppPassword{{Name: "bad", Hash: "garbage"}}
	if _, _, err := CheckAppPassword("abcd-efgh-ijkl-mnop", list); err == nil {
		t.Fatal("a corrupt stored hash must be reported")
	}
}
