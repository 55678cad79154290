package lexicon

import (
	"errors"
	"strconv"
	"strings"
)

// Sentinel errors; test with errors.Is.
var (
	// ErrInvalid reports data (a record, a body or query parameters) that
	// does not match its schema. Errors wrapping it are *Error values.
	ErrInvalid = errors.New("lexicon: invalid data")
	// ErrNotFound reports a schema that the catalog does not hold: an
	// unknown method or record type, or a reference to a missing
	// definition.
	ErrNotFound = errors.New("lexicon: not found")
	// ErrSchema reports a malformed lexicon schema document.
	ErrSchema = errors.New("lexicon: invalid schema")
)

// Error describes why data does not match its schema. It wraps ErrInvalid
// and, when the fault is a string format, the atp sentinel of that format
// (atp.ErrInvalidDID, ...); an error about an unknown schema also wraps
// ErrNotFound.
//
// Its text follows the reference implementation: the JSON path of the
// faulty value, from a root named "Record", "Input", "Output", "Object" or
// "Params", then the reason, as in
//
//	Record/text must not be longer than 300 graphemes
//	Input must have the property "repo"
//
// A query parameter that cannot be read or breaks its schema reads
//
//	invalid parameter "limit": must be an integer
type Error struct {
	// Path is the slash-separated path of the faulty value ("Record/embed/
	// images/0/alt"), or the parameter's name when Param is set.
	Path string
	// Reason says what is wrong ("must be an integer").
	Reason string
	// Param reports an error about the query parameter named by Path.
	Param bool

	cause error
}

// Error returns the path and the reason, as described on Error.
func (e *Error) Error() string {
	switch {
	case e.Param:
		return "invalid parameter " + strconv.Quote(e.Path) + ": " + e.Reason
	case e.Path == "":
		return e.Reason
	}
	return e.Path + " " + e.Reason
}

// Unwrap returns ErrInvalid and the cause, if any.
func (e *Error) Unwrap() []error {
	if e.cause == nil {
		return []error{ErrInvalid}
	}
	return []error{ErrInvalid, e.cause}
}

// pathSeg is one step of the path to a value: a map key when index is
// negative, else an array index.
type pathSeg struct {
	key   string
	index int
}

// formatPath joins root and segs with slashes.
func formatPath(root string, segs []pathSeg) string {
	var b strings.Builder
	b.WriteString(root)
	for _, s := range segs {
		b.WriteByte('/')
		if s.index < 0 {
			b.WriteString(s.key)
		} else {
			b.WriteString(strconv.Itoa(s.index))
		}
	}
	return b.String()
}
