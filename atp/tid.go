package atp

import (
	"strings"
	"time"
)

// TIDLength is the length of every TID, in bytes.
const TIDLength = 13

// tidAlphabet is base32-sortable: digit values 0-31 in ascending byte
// order, so TIDs of equal length sort as their integers do.
const tidAlphabet = "234567abcdefghijklmnopqrstuvwxyz"

// tidClockBits is the width of the clock id, the low bits of a TID's
// integer. The 53 bits above it hold microseconds since the UNIX epoch,
// and bit 63 is zero in every TID this package makes.
const tidClockBits = 10

// MaxTIDClockID is the largest clock id; NewTID and NewClock keep only the
// low 10 bits of the one they are given.
const MaxTIDClockID = 1<<tidClockBits - 1

// MaxTIDMicros is the largest timestamp a TID holds, in microseconds since
// the UNIX epoch (a moment in the year 2255).
const MaxTIDMicros = 1<<53 - 1

// TID is a timestamp identifier: an integer of 53 bits of microseconds
// since the UNIX epoch followed by a 10-bit clock id, written as 13
// characters of base32-sortable (5 bits each, most significant first). TIDs are used as record keys and as
// commit revisions. Their text sorts in the same order as their
// integers, so Compare and < on String agree.
//
// The zero TID means "none"; it is not the TID "2222222222222", whose
// integer is zero.
type TID struct {
	s string
}

// ParseTID checks raw against the TID syntax: exactly 13 characters of
// base32-sortable (2-7 a-z, lower case only), the first one 2-7 or a-j,
// which keeps the value within 64 bits. Letter-first TIDs such as "a222222222222" are
// valid. The hyphenated legacy form is not accepted. The result shares
// raw's memory.
func ParseTID(raw string) (TID, error) {
	if len(raw) != TIDLength {
		return TID{}, invalid(ErrInvalidTID, raw, "not 13 characters")
	}
	for i := 0; i < len(raw); i++ {
		if tidDigit(raw[i]) < 0 {
			return TID{}, invalid(ErrInvalidTID, raw, "character outside the base32-sortable alphabet")
		}
	}
	if tidDigit(raw[0]) >= 16 {
		return TID{}, invalid(ErrInvalidTID, raw, "first character sets the top bit")
	}
	return TID{s: raw}, nil
}

// tidDigit returns the value of a base32-sortable digit, or -1.
func tidDigit(c byte) int {
	switch {
	case '2' <= c && c <= '7':
		return int(c - '2')
	case 'a' <= c && c <= 'z':
		return int(c-'a') + 6
	}
	return -1
}

// NewTID returns the TID for a timestamp in microseconds since the UNIX
// epoch and a clock id. Only the low 53 bits of micros and the low 10 bits
// of clockID are used, so callers keep micros within 0..MaxTIDMicros and
// clockID within 0..MaxTIDClockID.
func NewTID(micros int64, clockID uint) TID {
	v := uint64(micros)&MaxTIDMicros<<tidClockBits | uint64(clockID)&MaxTIDClockID
	return tidFromInteger(v)
}

// tidFromInteger encodes v as a TID.
func tidFromInteger(v uint64) TID {
	var b [TIDLength]byte
	for i := TIDLength - 1; i >= 0; i-- {
		b[i] = tidAlphabet[v&31]
		v >>= 5
	}
	return TID{s: string(b[:])}
}

// Integer returns the TID's integer value, or 0 for the zero TID. It is
// below 1<<63 for TIDs this package makes; the syntax also admits parsed
// TIDs starting with c-j, whose value has bit 63 set.
func (t TID) Integer() uint64 {
	var v uint64
	for i := 0; i < len(t.s); i++ {
		v = v<<5 | uint64(tidDigit(t.s[i]))
	}
	return v
}

// Micros returns the TID's timestamp in microseconds since the UNIX epoch.
func (t TID) Micros() int64 { return int64(t.Integer() >> tidClockBits) }

// Time returns the TID's timestamp in UTC, to the microsecond.
func (t TID) Time() time.Time { return time.UnixMicro(t.Micros()).UTC() }

// ClockID returns the TID's 10-bit clock id.
func (t TID) ClockID() uint { return uint(t.Integer() & MaxTIDClockID) }

// Compare returns -1, 0 or +1 as t sorts before, equal to or after u. The
// zero TID sorts before every other.
func (t TID) Compare(u TID) int { return strings.Compare(t.s, u.s) }

// IsZero reports whether t is the zero TID.
func (t TID) IsZero() bool { return t.s == "" }

// String returns the TID's 13 characters, or "" for the zero TID.
func (t TID) String() string { return t.s }

// MarshalText returns the TID as text. It fails for the zero TID.
func (t TID) MarshalText() ([]byte, error) {
	if t.s == "" {
		return nil, zeroValue(ErrInvalidTID)
	}
	return []byte(t.s), nil
}

// UnmarshalText parses text with ParseTID into t.
func (t *TID) UnmarshalText(text []byte) error {
	v, err := ParseTID(string(text))
	if err != nil {
		return err
	}
	*t = v
	return nil
}
