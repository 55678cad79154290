package dagcbor

import (
	"math"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Lexing of JSON strings and numbers for jsonDecoder.

// string parses a string at d.off (which holds '"').
func (d *jsonDecoder) string() (string, error) {
	start := d.off + 1
	for i := start; i < len(d.data); i++ {
		switch c := d.data[i]; {
		case c == '"':
			d.off = i + 1
			return d.str[start:i], nil
		case c == '\\':
			return d.stringEscaped(start, i)
		case c < 0x20:
			d.off = i
			return "", d.errorf(ErrMalformedJSON, "control character in string")
		}
	}
	d.off = len(d.data)
	return "", d.errorf(ErrMalformedJSON, "unterminated string")
}

// stringEscaped finishes a string from start whose first escape is at i.
func (d *jsonDecoder) stringEscaped(start, i int) (string, error) {
	buf := append(d.scratch[:0], d.data[start:i]...)
	for i < len(d.data) {
		c := d.data[i]
		switch {
		case c == '"':
			d.off = i + 1
			d.scratch = buf
			return string(buf), nil
		case c < 0x20:
			d.off = i
			return "", d.errorf(ErrMalformedJSON, "control character in string")
		case c != '\\':
			buf = append(buf, c)
			i++
			continue
		}
		// An escape.
		if i+1 >= len(d.data) {
			break
		}
		i++
		switch d.data[i] {
		case '"', '\\', '/':
			buf = append(buf, d.data[i])
			i++
		case 'b':
			buf = append(buf, '\b')
			i++
		case 'f':
			buf = append(buf, '\f')
			i++
		case 'n':
			buf = append(buf, '\n')
			i++
		case 'r':
			buf = append(buf, '\r')
			i++
		case 't':
			buf = append(buf, '\t')
			i++
		case 'u':
			r, ok := hex4(d.data[i+1:])
			if !ok {
				d.off = i - 1
				return "", d.errorf(ErrMalformedJSON, "invalid \\u escape")
			}
			i += 5
			if utf16.IsSurrogate(r) {
				var r2 rune = -1
				if i+1 < len(d.data) && d.data[i] == '\\' && d.data[i+1] == 'u' {
					r2, ok = hex4(d.data[i+2:])
					if !ok {
						r2 = -1
					}
				}
				r = utf16.DecodeRune(r, r2)
				if r == utf8.RuneError {
					d.off = i - 6
					return "", d.errorf(ErrMalformedJSON, "unpaired surrogate in \\u escape")
				}
				i += 6
			}
			buf = utf8.AppendRune(buf, r)
		default:
			d.off = i - 1
			return "", d.errorf(ErrMalformedJSON, "invalid escape %q", d.data[i])
		}
	}
	d.off = len(d.data)
	return "", d.errorf(ErrMalformedJSON, "unterminated string")
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// number parses a JSON number that must have an integral value in
// int64. The value is computed exactly from the decimal digits, so
// 9007199254740993 and 1.5e1 are read without float rounding.
func (d *jsonDecoder) number() (int64, error) {
	data := d.data
	start := d.off
	i := start
	neg := data[i] == '-'
	if neg {
		i++
	}
	intStart := i
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && data[i] >= '1' && data[i] <= '9':
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
	default:
		d.off = i
		return 0, d.errorf(ErrMalformedJSON, "invalid number")
	}
	intEnd := i
	fracStart, fracEnd := i, i
	if i < len(data) && data[i] == '.' {
		i++
		fracStart = i
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
		fracEnd = i
		if fracStart == fracEnd {
			d.off = i
			return 0, d.errorf(ErrMalformedJSON, "invalid number: no digit after '.'")
		}
	}
	exp := 0
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		expNeg := false
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			expNeg = data[i] == '-'
			i++
		}
		expStart := i
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			if exp < 1<<20 { // saturate: beyond this every result is decided
				exp = exp*10 + int(data[i]-'0')
			}
			i++
		}
		if expStart == i {
			d.off = i
			return 0, d.errorf(ErrMalformedJSON, "invalid number: no digit in exponent")
		}
		if expNeg {
			exp = -exp
		}
	}
	d.off = i

	// Fast path: a plain integer of up to 18 digits.
	if fracStart == fracEnd && exp == 0 && intEnd-intStart <= 18 {
		var v int64
		for _, c := range data[intStart:intEnd] {
			v = v*10 + int64(c-'0')
		}
		if neg {
			v = -v
		}
		return v, nil
	}

	// The value is digits × 10^e, digits being the integer and fraction
	// digits without leading and trailing zeros.
	digits := d.str[intStart:intEnd] + d.str[fracStart:fracEnd]
	e := exp - (fracEnd - fracStart)
	digits = strings.TrimLeft(digits, "0")
	trimmed := strings.TrimRight(digits, "0")
	e += len(digits) - len(trimmed)
	digits = trimmed
	if digits == "" {
		return 0, nil
	}
	if e < 0 {
		d.off = start
		return 0, d.errorf(ErrUnsupported, "number %s has a fraction", clip(d.str[start:i]))
	}
	if len(digits)+e > 19 {
		d.off = start
		return 0, d.errorf(ErrLimit, "number %s overflows int64", clip(d.str[start:i]))
	}
	var u uint64
	for j := 0; j < len(digits); j++ {
		u = u*10 + uint64(digits[j]-'0')
	}
	for range e {
		if u > math.MaxUint64/10 {
			u = math.MaxUint64
			break
		}
		u *= 10
	}
	switch {
	case !neg && u <= math.MaxInt64:
		return int64(u), nil
	case neg && u <= 1<<63:
		return int64(-u), nil // -(1<<63) wraps to math.MinInt64
	}
	d.off = start
	return 0, d.errorf(ErrLimit, "number %s overflows int64", clip(d.str[start:i]))
}

// clip shortens input quoted in an error message.
func clip(s string) string {
	const max = 32
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
