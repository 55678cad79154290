package account

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/kv"
)

// MaxAppPasswordNameLength bounds an app password's name, in UTF-16 code
// units.
const MaxAppPasswordNameLength = 100

// GenerateAppPassword returns a new app password "xxxx-xxxx-xxxx-xxxx" of
// lower-case letters and the digits 2-7 (80 random bits) read from r, or
// from crypto/rand when r is nil.
func GenerateAppPassword(r io.Reader) (string, error) {
	return randomGroups(r, 4, 4)
}

// IsAppPasswordFormat reports whether s has the shape of an app password:
// four groups of four lower-case letters or digits joined by '-'.
func IsAppPasswordFormat(s string) bool {
	if len(s) != 19 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if i%5 == 4 {
			if c != '-' {
				return false
			}
			continue
		}
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// CheckAppPasswordName reports ErrInvalidAppPasswordName for a name that is
// blank, longer than MaxAppPasswordNameLength, not UTF-8 or holding
// control characters.
func CheckAppPasswordName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return ErrInvalidAppPasswordName.withMessage("App password name cannot be empty")
	case !utf8.ValidString(name):
		return ErrInvalidAppPasswordName.withMessage("App password name is not valid UTF-8")
	case utf16Len(name) > MaxAppPasswordNameLength:
		return ErrInvalidAppPasswordName.withMessage(fmt.Sprintf("App password name too long. Maximum length is %d characters.", MaxAppPasswordNameLength))
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return ErrInvalidAppPasswordName.withMessage("App password name cannot contain control characters")
	}
	return nil
}

// NewAppPassword makes an app password for did: it checks the name,
// generates the password with p.Rand and hashes it with p. It returns the
// record to store in the account file and the password to show the user
// once. The caller checks in the same account transaction that no app
// password of that name exists (ErrAppPasswordExists).
//
// The hash is salted with a value derived from the DID, so that checking a
// login against all of an account's app passwords costs one derivation.
// App passwords carry 80 random bits, so a shared per-account salt costs
// them nothing.
func NewAppPassword(did atp.DID, name string, privileged bool, now time.Time, p PasswordParams) (kv.AppPassword, string, error) {
	if err := CheckAppPasswordName(name); err != nil {
		return kv.AppPassword{}, "", err
	}
	password, err := GenerateAppPassword(p.Rand)
	if err != nil {
		return kv.AppPassword{}, "", err
	}
	p = p.withDefaults()
	if err := p.Validate(); err != nil {
		return kv.AppPassword{}, "", err
	}
	params := argonParams{memory: p.Memory, time: p.Time, threads: p.Threads}
	hash := encodeArgon(params, appPasswordSalt(did), []byte(password))
	return kv.AppPassword{Name: name, Hash: hash, Privileged: privileged, CreatedAt: now.UTC()}, password, nil
}

// appPasswordSalt is the first 16 bytes of SHA-256 of the DID, as the
// reference salts app passwords (it uses their hex form as a scrypt salt).
func appPasswordSalt(did atp.DID) []byte {
	sum := sha256.Sum256([]byte(did.String()))
	return sum[:16]
}

// CheckAppPassword reports which of an account's app passwords password
// is, if any. Hashes made by NewAppPassword and the reference's scrypt
// app-password hashes both verify; each distinct salt and parameter set is
// derived once. A password that does not have the app-password shape
// matches nothing and costs no derivation.
func CheckAppPassword(password string, list []kv.AppPassword) (kv.AppPassword, bool, error) {
	if !IsAppPasswordFormat(password) || len(list) == 0 {
		return kv.AppPassword{}, false, nil
	}
	type argonKey struct {
		params argonParams
		salt   string
		n      int
	}
	argonCache := map[argonKey][]byte{}
	legacyCache := map[string][]byte{}
	found, match := -1, 0
	for i, ap := range list {
		var got, want []byte
		if strings.HasPrefix(ap.Hash, "$argon2id$") {
			params, salt, key, err := decodeArgon(ap.Hash)
			if err != nil {
				return kv.AppPassword{}, false, fmt.Errorf("app password %q: %w", ap.Name, err)
			}
			k := argonKey{params, string(salt), len(key)}
			if got = argonCache[k]; got == nil {
				got = params.key(salt, []byte(password), uint32(len(key)))
				argonCache[k] = got
			}
			want = key
		} else {
			salt, key, err := decodeLegacy(ap.Hash)
			if err != nil {
				return kv.AppPassword{}, false, fmt.Errorf("app password %q: %w", ap.Name, err)
			}
			if got = legacyCache[salt]; got == nil {
				if got, err = legacyKey(password, salt); err != nil {
					return kv.AppPassword{}, false, err
				}
				legacyCache[salt] = got
			}
			want = key
		}
		// Compare against every entry, so the time does not say which
		// one matched.
		if subtle.ConstantTimeCompare(got, want) == 1 && match == 0 {
			found, match = i, 1
		}
	}
	if match == 0 {
		return kv.AppPassword{}, false, nil
	}
	return list[found], true, nil
}
