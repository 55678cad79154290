package account

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/scrypt"
)

// Password length limits, in UTF-16 code units as the reference counts
// them. New passwords may not be longer than MaxPasswordLength; a
// presented password longer than maxVerifyLength never verifies (the
// reference's limit for passwords set before it had the tighter one).
const (
	MaxPasswordLength = 256
	maxVerifyLength   = 512
)

// Defaults of PasswordParams: Argon2id with 19 MiB, two passes and one
// lane, about 45 ms per hash on one core of the 2-core reference machine
// (OWASP's baseline for Argon2id).
const (
	DefaultPasswordMemory  = 19 * 1024
	DefaultPasswordTime    = 2
	DefaultPasswordThreads = 1
)

const (
	argonSaltLen = 16
	argonKeyLen  = 32
	// Bounds on decoded parameters, so a corrupt stored hash cannot make a
	// verification allocate without limit.
	maxArgonMemory = 1 << 21 // KiB, 2 GiB
	maxArgonTime   = 64
)

// PasswordParams are the Argon2id cost parameters for new password hashes.
// The zero value means the defaults above; Rand nil means crypto/rand.
type PasswordParams struct {
	// Memory is the memory cost in KiB.
	Memory uint32
	// Time is the number of passes.
	Time uint32
	// Threads is the degree of parallelism (lanes).
	Threads uint8
	// Rand supplies salts.
	Rand io.Reader
}

func (p PasswordParams) withDefaults() PasswordParams {
	if p.Memory == 0 {
		p.Memory = DefaultPasswordMemory
	}
	if p.Time == 0 {
		p.Time = DefaultPasswordTime
	}
	if p.Threads == 0 {
		p.Threads = DefaultPasswordThreads
	}
	return p
}

// Validate reports parameters outside the range this package verifies.
func (p PasswordParams) Validate() error {
	p = p.withDefaults()
	switch {
	case p.Memory < 8*uint32(p.Threads):
		return fmt.Errorf("account: password memory %d KiB is below 8 KiB per thread", p.Memory)
	case p.Memory > maxArgonMemory:
		return fmt.Errorf("account: password memory %d KiB is above %d", p.Memory, maxArgonMemory)
	case p.Time > maxArgonTime:
		return fmt.Errorf("account: password time %d is above %d", p.Time, maxArgonTime)
	}
	return nil
}

// Hash returns the PHC-style encoding of an Argon2id hash of password
// with a fresh random salt:
//
//	$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>
//
// with salt and hash in unpadded standard base64. A password longer than
// MaxPasswordLength fails with ErrPasswordTooLong.
func (p PasswordParams) Hash(password string) (string, error) {
	if err := CheckNewPassword(password); err != nil {
		return "", err
	}
	p = p.withDefaults()
	if err := p.Validate(); err != nil {
		return "", err
	}
	salt := make([]byte, argonSaltLen)
	if _, err := io.ReadFull(randomReader(p.Rand), salt); err != nil {
		return "", fmt.Errorf("cannot hash password: %w", err)
	}
	return encodeArgon(argonParams{memory: p.Memory, time: p.Time, threads: p.Threads}, salt, []byte(password)), nil
}

// HashPassword hashes password with the default parameters; see
// PasswordParams.Hash.
func HashPassword(password string) (string, error) {
	return PasswordParams{}.Hash(password)
}

// CheckNewPassword reports ErrPasswordTooLong for a password longer than
// MaxPasswordLength.
func CheckNewPassword(password string) error {
	if utf16Len(password) > MaxPasswordLength {
		return ErrPasswordTooLong
	}
	return nil
}

// VerifyPassword reports whether password matches encoded, in time that
// does not depend on how much of the hash matches. encoded is either this
// package's Argon2id form or the reference implementation's scrypt form
// "<salt>:<hex hash>" (N=16384, r=8, p=1, 64 bytes, the salt's text used as
// the salt), so hashes migrated from it verify. A password longer than the
// reference ever accepted does not match. A malformed encoded hash fails
// with ErrInvalidPasswordHash.
//
// The caller should spend the same time when there is no account to
// check, so that a login does not reveal which identifiers exist.
func VerifyPassword(password, encoded string) (bool, error) {
	if utf16Len(password) > maxVerifyLength {
		return false, nil
	}
	if strings.HasPrefix(encoded, "$argon2id$") {
		params, salt, want, err := decodeArgon(encoded)
		if err != nil {
			return false, err
		}
		got := params.key(salt, []byte(password), uint32(len(want)))
		return subtle.ConstantTimeCompare(got, want) == 1, nil
	}
	salt, want, err := decodeLegacy(encoded)
	if err != nil {
		return false, err
	}
	got, err := legacyKey(password, salt)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// NeedsRehash reports whether encoded was made with other parameters than
// p (or by the legacy scheme), so that a server may store a fresh hash
// after a successful login.
func NeedsRehash(encoded string, p PasswordParams) bool {
	p = p.withDefaults()
	params, _, _, err := decodeArgon(encoded)
	if err != nil {
		return true
	}
	return params != argonParams{memory: p.Memory, time: p.Time, threads: p.Threads}
}

type argonParams struct {
	memory  uint32
	time    uint32
	threads uint8
}

func (a argonParams) key(salt, password []byte, n uint32) []byte {
	return argon2.IDKey(password, salt, a.time, a.memory, a.threads, n)
}

var b64 = base64.RawStdEncoding

func encodeArgon(a argonParams, salt, password []byte) string {
	key := a.key(salt, password, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, a.memory, a.time, a.threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

func decodeArgon(encoded string) (argonParams, []byte, []byte, error) {
	var a argonParams
	bad := func(why string) (argonParams, []byte, []byte, error) {
		return a, nil, nil, fmt.Errorf("%w: argon2id: %s", ErrInvalidPasswordHash, why)
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return bad("not $argon2id$v=..$m=..,t=..,p=..$salt$hash")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("unsupported version " + parts[2])
	}
	for _, pair := range strings.Split(parts[3], ",") {
		name, value, ok := strings.Cut(pair, "=")
		if !ok {
			return bad("parameter without value")
		}
		n, err := strconv.ParseUint(value, 10, 32)
		if err != nil {
			return bad("parameter " + name + " is not a number")
		}
		switch name {
		case "m":
			a.memory = uint32(n)
		case "t":
			a.time = uint32(n)
		case "p":
			if n > 255 {
				return bad("too many threads")
			}
			a.threads = uint8(n)
		default:
			return bad("unknown parameter " + name)
		}
	}
	if a.time == 0 || a.time > maxArgonTime || a.threads == 0 ||
		a.memory < 8*uint32(a.threads) || a.memory > maxArgonMemory {
		return bad("parameters out of range")
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return bad("bad salt")
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return bad("bad hash")
	}
	return a, salt, key, nil
}

// Parameters of the reference implementation's scrypt hashes (Node's
// crypto.scrypt defaults, 64-byte output).
const (
	legacyN      = 16384
	legacyR      = 8
	legacyP      = 1
	legacyKeyLen = 64
)

func decodeLegacy(encoded string) (salt string, key []byte, err error) {
	salt, hexKey, ok := strings.Cut(encoded, ":")
	if !ok || salt == "" || strings.Contains(hexKey, ":") {
		return "", nil, fmt.Errorf("%w: neither argon2id nor salt:hash", ErrInvalidPasswordHash)
	}
	key, err = hex.DecodeString(hexKey)
	if err != nil || len(key) != legacyKeyLen {
		return "", nil, fmt.Errorf("%w: legacy hash is not %d hex bytes", ErrInvalidPasswordHash, legacyKeyLen)
	}
	return salt, key, nil
}

func legacyKey(password, salt string) ([]byte, error) {
	key, err := scrypt.Key([]byte(password), []byte(salt), legacyN, legacyR, legacyP, legacyKeyLen)
	if err != nil {
		return nil, fmt.Errorf("cannot derive legacy password hash: %w", err)
	}
	return key, nil
}

// encodeLegacy returns the reference's "<salt>:<hex hash>" form; tests use
// it to build fixtures.
func encodeLegacy(password, salt string) (string, error) {
	key, err := legacyKey(password, salt)
	if err != nil {
		return "", err
	}
	return salt + ":" + hex.EncodeToString(key), nil
}

// utf16Len returns the length of s in UTF-16 code units, the way the
// reference (JavaScript) measures string length.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
