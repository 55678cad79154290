package atp

import "time"

// MaxDatetimeLength is the longest datetime, in bytes, that ParseDatetime
// accepts.
const MaxDatetimeLength = 64

// maxFractionDigits is the most digits of fractional seconds accepted,
// the same bound the reference validators use.
const maxFractionDigits = 20

// DatetimeLayout is the layout, for time.Format, of the datetimes this
// package writes: UTC, millisecond precision, upper-case "Z".
const DatetimeLayout = "2006-01-02T15:04:05.000Z"

// Datetime is a timestamp in the lexicon datetime format, the common
// ground of RFC 3339, ISO 8601 and WHATWG: "1985-04-12T23:20:50.123Z".
// A Datetime keeps the exact text it was parsed from, so re-encoding a
// record that holds one does not change the record's CID.
//
// The zero Datetime means "none". Two Datetimes compare equal with == only
// when their text is the same; compare Time values to compare instants.
type Datetime struct {
	s string
}

// ParseDatetime checks raw against the lexicon datetime syntax and its
// meaning: "YYYY-MM-DDTHH:MM:SS", then optionally '.' and 1-20 digits,
// then "Z" or an offset "+HH:MM" / "-HH:MM" (but not "-00:00"). The 'T'
// and 'Z' are upper case; every field has exactly its width in digits.
// The date must exist (no month 00, no February 30), hours are 00-23,
// minutes and seconds 00-59 (no leap second), offsets at most 23:59, and
// the instant may not fall before 0000-01-01T00:00:00Z. The result shares
// raw's memory.
func ParseDatetime(raw string) (Datetime, error) {
	if _, reason := parseDatetime(raw); reason != "" {
		return Datetime{}, invalid(ErrInvalidDatetime, raw, reason)
	}
	return Datetime{s: raw}, nil
}

// parseDatetime parses s, returning the instant in UTC, or the reason s is
// not a valid datetime.
func parseDatetime(s string) (time.Time, string) {
	const minLen = len("2006-01-02T15:04:05Z")
	switch {
	case len(s) < minLen:
		return time.Time{}, "too short"
	case len(s) > MaxDatetimeLength:
		return time.Time{}, "longer than 64 bytes"
	case s[4] != '-' || s[7] != '-':
		return time.Time{}, "date is not YYYY-MM-DD"
	case s[10] != 'T':
		return time.Time{}, "date and time not separated by 'T'"
	case s[13] != ':' || s[16] != ':':
		return time.Time{}, "time is not HH:MM:SS"
	}
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	hour, ok4 := digits(s[11:13])
	minute, ok5 := digits(s[14:16])
	sec, ok6 := digits(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return time.Time{}, "date or time field is not all digits"
	}
	switch {
	case month < 1 || month > 12:
		return time.Time{}, "month out of range"
	case day < 1 || day > daysIn(year, month):
		return time.Time{}, "day out of range"
	case hour > 23:
		return time.Time{}, "hour out of range"
	case minute > 59:
		return time.Time{}, "minute out of range"
	case sec > 59:
		return time.Time{}, "second out of range"
	}
	rest := s[19:]
	nsec := 0
	if rest[0] == '.' {
		n := 1
		for n < len(rest) && isDigit(rest[n]) {
			if n <= 9 {
				nsec = nsec*10 + int(rest[n]-'0')
			}
			n++
		}
		switch {
		case n == 1:
			return time.Time{}, "no digits after '.'"
		case n-1 > maxFractionDigits:
			return time.Time{}, "more than 20 digits of fractional seconds"
		}
		for i := n; i <= 9; i++ {
			nsec *= 10
		}
		rest = rest[n:]
	}
	offset := 0
	switch {
	case rest == "Z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := digits(rest[1:3])
		om, ok2 := digits(rest[4:6])
		switch {
		case !ok1 || !ok2:
			return time.Time{}, "time zone offset is not +HH:MM or -HH:MM"
		case oh > 23 || om > 59:
			return time.Time{}, "time zone offset out of range"
		case rest == "-00:00":
			return time.Time{}, `time zone "-00:00" is not allowed; use "Z" or "+00:00"`
		}
		offset = (oh*60 + om) * 60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, `time zone is not "Z", +HH:MM or -HH:MM`
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	t = t.Add(-time.Duration(offset) * time.Second)
	if t.Year() < 0 {
		return time.Time{}, "falls before year 0000"
	}
	return t, ""
}

// digits parses s, which must be all ASCII digits.
func digits(s string) (int, bool) {
	v := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		v = v*10 + int(s[i]-'0')
	}
	return v, true
}

// daysIn returns the number of days in a month of the proleptic Gregorian
// calendar, in which year 0 is a leap year.
func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// NewDatetime returns t, in UTC and truncated to the millisecond, as a
// Datetime in DatetimeLayout. It fails when t falls outside the years
// 0000-9999, which the format cannot hold.
func NewDatetime(t time.Time) (Datetime, error) {
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return Datetime{}, invalid(ErrInvalidDatetime, t.String(), "year outside 0000-9999")
	}
	return Datetime{s: t.Format(DatetimeLayout)}, nil
}

// Time returns the instant in UTC, to the nanosecond (fractional digits
// past the ninth are dropped). It returns the zero time.Time for the zero
// Datetime.
func (d Datetime) Time() time.Time {
	t, _ := parseDatetime(d.s)
	return t
}

// IsZero reports whether d is the zero Datetime.
func (d Datetime) IsZero() bool { return d.s == "" }

// String returns the datetime exactly as parsed, or "" for the zero
// Datetime.
func (d Datetime) String() string { return d.s }

// MarshalText returns the datetime's original text. It fails for the zero
// Datetime.
func (d Datetime) MarshalText() ([]byte, error) {
	if d.s == "" {
		return nil, zeroValue(ErrInvalidDatetime)
	}
	return []byte(d.s), nil
}

// UnmarshalText parses text with ParseDatetime into d.
func (d *Datetime) UnmarshalText(text []byte) error {
	v, err := ParseDatetime(string(text))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
