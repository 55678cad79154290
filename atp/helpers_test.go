package atp_test

import (
	"encoding"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/internal/testvectors"
)

// textValue is what every identifier type offers.
type textValue interface {
	fmt.Stringer
	encoding.TextMarshaler
	IsZero() bool
}

// kind describes one parser for the table-driven tests: how to parse, how
// to unmarshal into a fresh value, the sentinel its errors wrap, and the
// text a valid input prints as.
type kind struct {
	name      string
	parse     func(string) (textValue, error)
	unmarshal func([]byte) (textValue, error)
	sentinel  error
	// canon returns the String of a valid input; nil means the input
	// itself.
	canon func(string) string
}

// unmarshalInto adapts a pointer type's UnmarshalText for kind.unmarshal.
func unmarshalInto[T textValue, P interface {
	*T
	encoding.TextUnmarshaler
}](b []byte) (textValue, error) {
	var v T
	err := P(&v).UnmarshalText(b)
	return v, err
}

// parseAs adapts a ParseX function for kind.parse.
func parseAs[T textValue](f func(string) (T, error)) func(string) (textValue, error) {
	return func(s string) (textValue, error) {
		v, err := f(s)
		return v, err
	}
}

// lowerHandle lower-cases an at-identifier that is a handle.
func lowerHandle(s string) string {
	if strings.HasPrefix(s, "did:") {
		return s
	}
	return strings.ToLower(s)
}

// lowerATURIAuthority lower-cases the handle authority of an AT-URI.
func lowerATURIAuthority(s string) string {
	rest := strings.TrimPrefix(s, "at://")
	auth, path, ok := strings.Cut(rest, "/")
	out := "at://" + lowerHandle(auth)
	if ok {
		out += "/" + path
	}
	return out
}

// kinds lists every parser of the package.
func kinds() []kind {
	return []kind{
		{"did", parseAs(atp.ParseDID), unmarshalInto[atp.DID], atp.ErrInvalidDID, nil},
		{"handle", parseAs(atp.ParseHandle), unmarshalInto[atp.Handle], atp.ErrInvalidHandle, strings.ToLower},
		{"nsid", parseAs(atp.ParseNSID), unmarshalInto[atp.NSID], atp.ErrInvalidNSID, nil},
		{"aturi", parseAs(atp.ParseATURI), unmarshalInto[atp.ATURI], atp.ErrInvalidATURI, lowerATURIAuthority},
		{"atidentifier", parseAs(atp.ParseAtIdentifier), unmarshalInto[atp.AtIdentifier], atp.ErrInvalidAtIdentifier, lowerHandle},
		{"tid", parseAs(atp.ParseTID), unmarshalInto[atp.TID], atp.ErrInvalidTID, nil},
		{"recordkey", parseAs(atp.ParseRecordKey), unmarshalInto[atp.RecordKey], atp.ErrInvalidRecordKey, nil},
		{"datetime", parseAs(atp.ParseDatetime), unmarshalInto[atp.Datetime], atp.ErrInvalidDatetime, nil},
		{"language", parseAs(atp.ParseLanguage), unmarshalInto[atp.Language], atp.ErrInvalidLanguage, nil},
		{"language-strict", parseAs(atp.ParseLanguageStrict), nil, atp.ErrInvalidLanguage, nil},
		{"uri", parseAs(atp.ParseURI), unmarshalInto[atp.URI], atp.ErrInvalidURI, nil},
	}
}

// kindNamed returns the kind with the given name.
func kindNamed(tb testing.TB, name string) kind {
	tb.Helper()
	for _, k := range kinds() {
		if k.name == name {
			return k
		}
	}
	tb.Fatalf("no kind %q", name)
	return kind{}
}

// vectorFile names a syntax vector file and whether its entries are valid.
type vectorFile struct {
	rel   string
	valid bool
}

// vectorFiles returns the official syntax vector files of a kind, valid
// first. Invalid files are read raw: leading and trailing spaces are part
// of their entries.
func vectorFiles(name string) []vectorFile {
	switch name {
	case "language-strict":
		return []vectorFile{
			{"syntax/language_syntax_valid.txt", true},
			{"syntax/language_parse_invalid.txt", false},
		}
	case "datetime":
		return []vectorFile{
			{"syntax/datetime_syntax_valid.txt", true},
			{"syntax/datetime_syntax_invalid.txt", false},
			{"syntax/datetime_parse_invalid.txt", false},
		}
	}
	return []vectorFile{
		{"syntax/" + name + "_syntax_valid.txt", true},
		{"syntax/" + name + "_syntax_invalid.txt", false},
	}
}

// readVectors returns the entries of a vector file: trimmed for valid
// files, raw for invalid ones.
func readVectors(tb testing.TB, f vectorFile) []string {
	tb.Helper()
	if f.valid {
		return testvectors.Lines(tb, f.rel)
	}
	return testvectors.RawLines(tb, f.rel)
}

// driftDir is where the monorepo's diverging copies of some syntax files
// live, relative to the interop folder.
const driftDir = "extra/atproto-monorepo/interop-test-files/syntax/"

// driftPath returns the path of a monorepo drift copy, or "" when
// ../shared or the file is missing.
func driftPath(base string) string {
	shared := testvectors.SharedDir()
	if shared == "" {
		return ""
	}
	p := filepath.Join(shared, "interop", filepath.FromSlash(driftDir+base))
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// checkRejected asserts that err is a well-formed parse error of k.
func checkRejected(t *testing.T, k kind, input string, err error) {
	t.Helper()
	if !errors.Is(err, k.sentinel) {
		t.Errorf("%s %q: error %v does not wrap %v", k.name, input, err, k.sentinel)
	}
	if !strings.HasPrefix(err.Error(), "atp: ") {
		t.Errorf("%s %q: error %q does not start with \"atp: \"", k.name, input, err)
	}
	if k.unmarshal != nil {
		v, err := k.unmarshal([]byte(input))
		if !errors.Is(err, k.sentinel) || !v.IsZero() {
			t.Errorf("%s %q: UnmarshalText = %v, %v; want a zero value and an error wrapping %v", k.name, input, v, err, k.sentinel)
		}
	}
}

// checkAccepted asserts that v, parsed from input, prints as expected and
// round-trips through its parser and text marshalling.
func checkAccepted(t *testing.T, k kind, input string, v textValue) {
	t.Helper()
	want := input
	if k.canon != nil {
		want = k.canon(input)
	}
	if got := v.String(); got != want {
		t.Errorf("%s %q: String() = %q, want %q", k.name, input, got, want)
	}
	if v.IsZero() {
		t.Errorf("%s %q: parsed value IsZero", k.name, input)
	}
	again, err := k.parse(v.String())
	if err != nil || again != v {
		t.Errorf("%s %q: Parse(String()) = %v, %v; want %v", k.name, input, again, err, v)
	}
	b, err := v.MarshalText()
	if err != nil || string(b) != v.String() {
		t.Errorf("%s %q: MarshalText = %q, %v", k.name, input, b, err)
	}
	if k.unmarshal != nil {
		u, err := k.unmarshal(b)
		if err != nil || u != v {
			t.Errorf("%s %q: UnmarshalText(MarshalText()) = %v, %v; want %v", k.name, input, u, err, v)
		}
	}
}
