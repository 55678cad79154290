package atp_test

import (
	"math/rand/v2"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/boltsky/boltsky/atp"
)

// The oracle tests compare this package's accept/reject decisions with
// indigo's atproto/syntax, the Go reference, on every vector and on many
// generated strings. Where the two differ on purpose, the oracle's
// expected function names the reason; any other difference fails.

// oracle pairs one of our parsers with indigo's parser for the same
// format.
type oracle struct {
	name   string
	ours   func(string) bool
	theirs func(string) bool
	// expected returns why ours and theirs may disagree on s (ours being
	// our verdict), or "" when they must agree.
	expected func(s string, ours bool) string
}

func accepts[T any](f func(string) (T, error)) func(string) bool {
	return func(s string) bool {
		_, err := f(s)
		return err == nil
	}
}

func mustAgree(string, bool) string { return "" }

// indigoPrimary is the primary-subtag rule of indigo's language pattern.
var indigoPrimary = regexp.MustCompile(`^(i|[a-z]{2,3})$`)

// indigoScheme is the scheme rule of indigo's URI pattern.
var indigoScheme = regexp.MustCompile(`^[a-z][a-z.-]{0,80}$`)

func oracles() []oracle {
	return []oracle{
		{"did", accepts(atp.ParseDID), accepts(syntax.ParseDID), mustAgree},
		{"handle", accepts(atp.ParseHandle), accepts(syntax.ParseHandle), mustAgree},
		{"nsid", accepts(atp.ParseNSID), accepts(syntax.ParseNSID), mustAgree},
		{"aturi", accepts(atp.ParseATURI), accepts(syntax.ParseATURI), mustAgree},
		{"atidentifier", accepts(atp.ParseAtIdentifier), accepts(syntax.ParseAtIdentifier), mustAgree},
		{"tid", accepts(atp.ParseTID), accepts(syntax.ParseTID), mustAgree},
		{"recordkey", accepts(atp.ParseRecordKey), accepts(syntax.ParseRecordKey), mustAgree},
		{"datetime", accepts(atp.ParseDatetime), accepts(syntax.ParseDatetime), func(s string, ours bool) string {
			// indigo's pattern lets any byte stand before the fraction
			// and time.Parse's fallback layout parser takes a comma
			// there. ISO 8601 allows a decimal comma but RFC 3339 does
			// not, so it is outside their intersection, which the
			// lexicon datetime format is.
			if !ours && len(s) > 19 && s[19] == ',' {
				return "decimal comma (ISO 8601 only, not RFC 3339)"
			}
			// The same fallback parser takes an offset hour of 24. RFC
			// 3339's time-hour is 00-23, and ISO 8601 has no 24-hour
			// offsets either.
			if !ours && len(s) >= 6 && (s[len(s)-6] == '+' || s[len(s)-6] == '-') && s[len(s)-5:len(s)-3] == "24" {
				return "offset hour 24 (RFC 3339 time-hour is 00-23)"
			}
			return ""
		}},
		{"language", accepts(atp.ParseLanguage), accepts(syntax.ParseLanguage), func(s string, ours bool) string {
			if ours {
				// RFC 5646 matches subtags without regard to case and
				// admits 4-8 letter primary subtags, private-use tags
				// ("x-...") and grandfathered tags; indigo's pattern
				// takes only "i" or 2-3 lower-case letters first.
				primary, _, _ := strings.Cut(s, "-")
				if !indigoPrimary.MatchString(primary) {
					return "primary subtag RFC 5646 allows but indigo's pattern does not"
				}
				return ""
			}
			// indigo's pattern checks neither the 1-8 length of subtags
			// nor the order and shape of extlang, script, region,
			// variant, extension and private-use subtags, which RFC 5646
			// well-formedness requires. The independent RFC 5646
			// pattern must agree that s is not well-formed.
			if !rfc5646WellFormed(s) {
				return "subtag length, shape or order that RFC 5646 forbids and indigo's pattern does not check"
			}
			return ""
		}},
		{"uri", accepts(atp.ParseURI), accepts(syntax.ParseURI), func(s string, ours bool) string {
			// RFC 3986 §3.1 lets a scheme hold upper-case letters,
			// digits and '+' and sets no length limit; indigo's pattern
			// takes [a-z][a-z.-]{0,80}. Past the scheme both take any
			// printable ASCII.
			scheme, _, _ := strings.Cut(s, ":")
			if ours && !indigoScheme.MatchString(scheme) {
				return "RFC 3986 scheme outside indigo's [a-z][a-z.-]{0,80}"
			}
			return ""
		}},
	}
}

// disagreements counts accepted disagreements by reason.
type disagreements map[string]int

// compare checks one input against one oracle, failing t on an
// unexplained difference.
func (o oracle) compare(t *testing.T, s string, seen disagreements) {
	t.Helper()
	ours, theirs := o.ours(s), o.theirs(s)
	if ours == theirs {
		if ours {
			compareAccessors(t, o.name, s)
		}
		return
	}
	reason := o.expected(s, ours)
	if reason == "" {
		t.Errorf("%s %q: we accept=%v, indigo accept=%v", o.name, s, ours, theirs)
		return
	}
	if seen != nil {
		seen[o.name+": "+reason]++
	}
}

// compareAccessors checks that the parts we extract from an input both
// sides accept match indigo's.
func compareAccessors(t *testing.T, name, s string) {
	t.Helper()
	switch name {
	case "did":
		ours, _ := atp.ParseDID(s)
		theirs, _ := syntax.ParseDID(s)
		if ours.Method() != theirs.Method() || ours.Identifier() != theirs.Identifier() {
			t.Errorf("DID %q: method/identifier %q/%q, indigo %q/%q", s, ours.Method(), ours.Identifier(), theirs.Method(), theirs.Identifier())
		}
	case "handle":
		ours, _ := atp.ParseHandle(s)
		theirs, _ := syntax.ParseHandle(s)
		if ours.String() != theirs.Normalize().String() || ours.TLD() != theirs.TLD() || ours.AllowedTLD() != theirs.AllowedTLD() {
			t.Errorf("handle %q: %q tld %q allowed %v, indigo %q %q %v", s, ours, ours.TLD(), ours.AllowedTLD(), theirs.Normalize(), theirs.TLD(), theirs.AllowedTLD())
		}
	case "nsid":
		ours, _ := atp.ParseNSID(s)
		theirs, _ := syntax.ParseNSID(s)
		if ours.Authority() != theirs.Authority() || ours.Name() != theirs.Name() || ours.Normalize().String() != theirs.Normalize().String() {
			t.Errorf("NSID %q: authority %q name %q, indigo %q %q", s, ours.Authority(), ours.Name(), theirs.Authority(), theirs.Name())
		}
	case "aturi":
		ours, _ := atp.ParseATURI(s)
		theirs, _ := syntax.ParseATURI(s)
		if ours.Authority().String() != theirs.Authority().Normalize().String() ||
			ours.Collection().String() != theirs.Collection().String() ||
			ours.RecordKey().String() != theirs.RecordKey().String() ||
			ours.Path() != theirs.Path() {
			t.Errorf("AT-URI %q: %q %q %q, indigo %q %q %q", s, ours.Authority(), ours.Collection(), ours.RecordKey(), theirs.Authority(), theirs.Collection(), theirs.RecordKey())
		}
	case "atidentifier":
		ours, _ := atp.ParseAtIdentifier(s)
		theirs, _ := syntax.ParseAtIdentifier(s)
		if ours.IsDID() != theirs.IsDID() || ours.IsHandle() != theirs.IsHandle() || ours.String() != theirs.Normalize().String() {
			t.Errorf("at-identifier %q: %q did=%v, indigo %q did=%v", s, ours, ours.IsDID(), theirs.Normalize(), theirs.IsDID())
		}
	case "tid":
		ours, _ := atp.ParseTID(s)
		theirs, _ := syntax.ParseTID(s)
		if ours.Integer() != theirs.Integer() || !ours.Time().Equal(theirs.Time()) || ours.ClockID() != theirs.ClockID() {
			t.Errorf("TID %q: %d %v %d, indigo %d %v %d", s, ours.Integer(), ours.Time(), ours.ClockID(), theirs.Integer(), theirs.Time(), theirs.ClockID())
		}
	case "datetime":
		ours, _ := atp.ParseDatetime(s)
		theirs, _ := syntax.ParseDatetime(s)
		if !ours.Time().Equal(theirs.Time()) {
			t.Errorf("datetime %q: %v, indigo %v", s, ours.Time(), theirs.Time())
		}
	}
}

// allVectorLines returns every entry of a kind's vector files, canonical
// and drift copies.
func allVectorLines(tb testing.TB, name string) []string {
	tb.Helper()
	var out []string
	for _, f := range vectorFiles(name) {
		out = append(out, readVectors(tb, f)...)
		if base := path.Base(f.rel); driftPath(base) != "" {
			out = append(out, readVectors(tb, vectorFile{rel: driftDir + base, valid: f.valid})...)
		}
	}
	return out
}

func TestOracleVectors(t *testing.T) {
	for _, o := range oracles() {
		t.Run(o.name, func(t *testing.T) {
			seen := disagreements{}
			lines := allVectorLines(t, o.name)
			for _, s := range lines {
				o.compare(t, s, seen)
			}
			for reason, n := range seen {
				t.Logf("%d intentional disagreements: %s", n, reason)
			}
			t.Logf("checked %d entries", len(lines))
		})
	}
}

// randomInputs is how many generated strings each oracle sees.
const randomInputs = 30000

func TestOracleRandom(t *testing.T) {
	inputs := randomInputs
	if testing.Short() {
		inputs /= 10
	}
	for _, o := range oracles() {
		t.Run(o.name, func(t *testing.T) {
			t.Parallel()
			// A fixed seed keeps failures reproducible; the fuzz target
			// FuzzOracle explores beyond it.
			g := newGenerator(rand.New(rand.NewPCG(1, uint64(len(o.name)))), allVectorLines(t, o.name))
			seen := disagreements{}
			accepted := 0
			for range inputs {
				s := g.input(o.name)
				if o.ours(s) {
					accepted++
				}
				o.compare(t, s, seen)
			}
			for reason, n := range seen {
				t.Logf("%d intentional disagreements: %s", n, reason)
			}
			t.Logf("checked %d generated strings, %d accepted by us", inputs, accepted)
			if accepted < inputs/20 || accepted > inputs*19/20 {
				t.Errorf("generator is lopsided: %d of %d accepted", accepted, inputs)
			}
		})
	}
}

// rfc5646 is the well-formed language tag grammar of RFC 5646 §2.1
// written as a pattern, independent of the hand-written parser.
var rfc5646 = regexp.MustCompile(`(?i)^(?:` +
	// langtag
	`(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})` + // language, extlang
	`(?:-[a-z]{4})?` + // script
	`(?:-(?:[a-z]{2}|[0-9]{3}))?` + // region
	`(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*` + // variants
	`(?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*` + // extensions
	`(?:-x(?:-[a-z0-9]{1,8})+)?` + // private use
	`|x(?:-[a-z0-9]{1,8})+` + // private-use tag
	`|en-gb-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo|i-pwn|i-tao|i-tay|i-tsu` +
	`|sgn-be-fr|sgn-be-nl|sgn-ch-de|art-lojban|cel-gaulish|no-bok|no-nyn|zh-guoyu|zh-hakka|zh-min|zh-min-nan|zh-xiang` +
	`)$`)

// rfc5646WellFormed is the reference for ParseLanguage.
func rfc5646WellFormed(s string) bool {
	return len(s) <= atp.MaxLanguageLength && rfc5646.MatchString(s)
}

// rfc5646Strict is the reference for ParseLanguageStrict: well-formed,
// no repeated variant or extension singleton, and a 2-3 lower-case
// letter primary language subtag unless the tag is private use or
// grandfathered.
func rfc5646Strict(s string) bool {
	if !rfc5646WellFormed(s) {
		return false
	}
	lower := strings.ToLower(s)
	if strings.Contains("|"+grandfatheredTags+"|", "|"+lower+"|") {
		return true
	}
	tags := strings.Split(s, "-")
	if strings.EqualFold(tags[0], "x") {
		return true
	}
	if len(tags[0]) > 3 || strings.ToLower(tags[0]) != tags[0] {
		return false
	}
	seenVariant := map[string]bool{}
	seenSingleton := map[string]bool{}
	for i := 1; i < len(tags); i++ {
		t := strings.ToLower(tags[i])
		switch {
		case t == "x":
			return true // the rest is private use
		case len(t) == 1:
			if seenSingleton[t] {
				return false
			}
			seenSingleton[t] = true
			// skip the extension's subtags
			for i+1 < len(tags) && len(tags[i+1]) > 1 {
				i++
			}
		case len(t) >= 5 || len(t) == 4 && t[0] >= '0' && t[0] <= '9':
			if seenVariant[t] {
				return false
			}
			seenVariant[t] = true
		}
	}
	return true
}

// grandfatheredTags are the grandfathered tags of RFC 5646 §2.2.8.
const grandfatheredTags = "en-gb-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo|i-pwn|i-tao|i-tay|i-tsu" +
	"|sgn-be-fr|sgn-be-nl|sgn-ch-de|art-lojban|cel-gaulish|no-bok|no-nyn|zh-guoyu|zh-hakka|zh-min|zh-min-nan|zh-xiang"

// TestLanguageRFC5646 compares both language parsers with the pattern
// form of the RFC 5646 grammar, on the vectors and generated tags.
func TestLanguageRFC5646(t *testing.T) {
	inputs := allVectorLines(t, "language")
	inputs = append(inputs, allVectorLines(t, "language-strict")...)
	inputs = append(inputs, "en-GB-oed", "EN-gb-OED", "i-klingon", "x-a", "x", "en-x", "en-a-bb-x-c",
		"zh-yue-abc-def", "zh-yue-abc-def-ghi", "abcd-Latn", "abcdefgh-US", "abcdefghi", "en-1234", "en-12345",
		"en-US-1901-1901", "en-a-bb-b-cc-a-dd", "EN", "en--us", "-en", "en-")
	g := newGenerator(rand.New(rand.NewPCG(2, 3)), inputs)
	for range randomInputs {
		inputs = append(inputs, g.input("language"))
	}
	var loose, strict int
	for _, s := range inputs {
		_, err := atp.ParseLanguage(s)
		if got, want := err == nil, rfc5646WellFormed(s); got != want {
			t.Errorf("ParseLanguage(%q) accepted=%v, RFC 5646 pattern %v", s, got, want)
		} else if got {
			loose++
		}
		_, err = atp.ParseLanguageStrict(s)
		if got, want := err == nil, rfc5646Strict(s); got != want {
			t.Errorf("ParseLanguageStrict(%q) accepted=%v, reference %v", s, got, want)
		} else if got {
			strict++
		}
	}
	t.Logf("checked %d tags: %d well-formed, %d pass the strict checks", len(inputs), loose, strict)
}
