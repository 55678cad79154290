package lexicon

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/rivo/uniseg"
)

func (v *validator) string(s *String, d any, path []pathSeg) error {
	str, ok := d.(string)
	if !ok {
		return v.fail(path, nil, "must be a string")
	}
	if s.Const != nil && str != *s.Const {
		return v.fail(path, nil, "must be "+*s.Const)
	}
	if len(s.Enum) > 0 && !slices.Contains(s.Enum, str) {
		return v.fail(path, nil, "must be one of ("+strings.Join(s.Enum, "|")+")")
	}
	if s.MaxLength != nil && len(str) > *s.MaxLength {
		return v.fail(path, nil, "must not be longer than "+strconv.Itoa(*s.MaxLength)+" characters")
	}
	if s.MinLength != nil && len(str) < *s.MinLength {
		return v.fail(path, nil, "must not be shorter than "+strconv.Itoa(*s.MinLength)+" characters")
	}
	if s.MaxGraphemes != nil || s.MinGraphemes != nil {
		if reason := checkGraphemes(str, s.MinGraphemes, s.MaxGraphemes); reason != "" {
			return v.fail(path, nil, reason)
		}
	}
	if s.Format != FormatNone {
		if reason, err := checkFormat(s.Format, str); err != nil {
			return v.fail(path, err, reason)
		}
	}
	return nil
}

// checkGraphemes checks the number of extended grapheme clusters of s
// against optional bounds and returns the reason it fails, or "". Every
// cluster holds at least one code point of at least one byte, so the
// counts of bytes and code points bound the count of clusters from above;
// the clusters are only counted when those bounds do not settle it.
func checkGraphemes(s string, minG, maxG *int) string {
	needMax := maxG != nil && len(s) > *maxG
	needMin := false
	if minG != nil {
		if len(s) < *minG || utf8.RuneCountInString(s) < *minG {
			return "must not be shorter than " + strconv.Itoa(*minG) + " graphemes"
		}
		needMin = true
	}
	if !needMax && !needMin {
		return ""
	}
	n := uniseg.GraphemeClusterCount(s)
	if maxG != nil && n > *maxG {
		return "must not be longer than " + strconv.Itoa(*maxG) + " graphemes"
	}
	if minG != nil && n < *minG {
		return "must not be shorter than " + strconv.Itoa(*minG) + " graphemes"
	}
	return ""
}

// checkFormat checks s against a string format, returning the reason and
// the parser's error (which wraps the atp sentinel) when it fails.
func checkFormat(f Format, s string) (string, error) {
	var err error
	var reason string
	switch f {
	case FormatATIdentifier:
		_, err = atp.ParseAtIdentifier(s)
		reason = "must be a valid did or a handle"
	case FormatATURI:
		_, err = atp.ParseATURI(s)
		reason = "must be a valid at-uri"
	case FormatCID:
		err = dagcbor.ValidateCIDSyntax(s)
		reason = "must be a cid string"
	case FormatDatetime:
		_, err = atp.ParseDatetime(s)
		reason = "must be a valid atproto datetime (both RFC-3339 and ISO-8601)"
	case FormatDID:
		_, err = atp.ParseDID(s)
		reason = "must be a valid did"
	case FormatHandle:
		_, err = atp.ParseHandle(s)
		reason = "must be a valid handle"
	case FormatLanguage:
		_, err = atp.ParseLanguage(s)
		reason = "must be a well-formed BCP 47 language tag"
	case FormatNSID:
		_, err = atp.ParseNSID(s)
		reason = "must be a valid nsid"
	case FormatRecordKey:
		_, err = atp.ParseRecordKey(s)
		reason = "must be a valid Record Key"
	case FormatTID:
		_, err = atp.ParseTID(s)
		reason = "must be a valid TID"
	case FormatURI:
		_, err = atp.ParseURI(s)
		reason = "must be a uri"
	}
	return reason, err
}
