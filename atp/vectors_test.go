package atp_test

import (
	"path"
	"testing"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/internal/testvectors"
)

// vectorSkips lists official vector entries that this package judges
// otherwise on purpose, by file and entry, with the reason. Each one is
// also pinned by an explicit test.
func vectorSkips() map[string]map[string]string {
	return map[string]map[string]string{
		"syntax/language_syntax_invalid.txt": {
			// interop/README.md "Known drift": the canonical repository
			// lists these as syntax-invalid, the monorepo copy treats them
			// as well-formed and rejects them only in strict parsing. RFC
			// 5646 matches language subtags without regard to case and
			// its grammar admits 4ALPHA, and the lexicon format asks only
			// for well-formed tags, so ParseLanguage accepts them and
			// ParseLanguageStrict rejects them (TestLanguageDrift).
			"JA":   "well-formed per RFC 5646 (case-insensitive); rejected only by ParseLanguageStrict",
			"jaja": "well-formed per RFC 5646 (4ALPHA language subtag); rejected only by ParseLanguageStrict",
		},
	}
}

// testVectors checks a kind against its official syntax vector files and
// then against the monorepo's drift copies of them, when ../shared holds
// those.
func testVectors(t *testing.T, name string) {
	k := kindNamed(t, name)
	skips := vectorSkips()
	for _, f := range vectorFiles(name) {
		t.Run(path.Base(f.rel), func(t *testing.T) {
			checkVectorFile(t, k, f, readVectors(t, f), skips[f.rel])
		})
		base := path.Base(f.rel)
		if driftPath(base) == "" {
			continue
		}
		t.Run("monorepo/"+base, func(t *testing.T) {
			drift := vectorFile{rel: driftDir + base, valid: f.valid}
			checkVectorFile(t, k, drift, readVectors(t, drift), nil)
		})
	}
}

// checkVectorFile asserts every entry of one vector file.
func checkVectorFile(t *testing.T, k kind, f vectorFile, lines []string, skips map[string]string) {
	t.Helper()
	n := 0
	for _, line := range lines {
		if reason, ok := skips[line]; ok {
			t.Logf("skipped %q: %s", line, reason)
			continue
		}
		n++
		v, err := k.parse(line)
		switch {
		case f.valid && err != nil:
			t.Errorf("%s rejected valid %q: %v", k.name, line, err)
		case f.valid:
			checkAccepted(t, k, line, v)
		case err == nil:
			t.Errorf("%s accepted invalid %q as %q", k.name, line, v)
		default:
			checkRejected(t, k, line, err)
		}
	}
	if n == 0 {
		t.Fatalf("%s: no entries", f.rel)
	}
	t.Logf("checked %d entries", n)
}

func TestDIDVectors(t *testing.T)            { testVectors(t, "did") }
func TestHandleVectors(t *testing.T)         { testVectors(t, "handle") }
func TestNSIDVectors(t *testing.T)           { testVectors(t, "nsid") }
func TestATURIVectors(t *testing.T)          { testVectors(t, "aturi") }
func TestAtIdentifierVectors(t *testing.T)   { testVectors(t, "atidentifier") }
func TestTIDVectors(t *testing.T)            { testVectors(t, "tid") }
func TestRecordKeyVectors(t *testing.T)      { testVectors(t, "recordkey") }
func TestDatetimeVectors(t *testing.T)       { testVectors(t, "datetime") }
func TestLanguageVectors(t *testing.T)       { testVectors(t, "language") }
func TestLanguageStrictVectors(t *testing.T) { testVectors(t, "language-strict") }
func TestURIVectors(t *testing.T)            { testVectors(t, "uri") }

// TestLanguageDrift pins the entries vectorSkips leaves out: the loose
// parser accepts them, the strict one rejects them.
func TestLanguageDrift(t *testing.T) {
	for _, s := range []string{"JA", "jaja"} {
		if _, err := atp.ParseLanguage(s); err != nil {
			t.Errorf("ParseLanguage(%q): %v", s, err)
		}
		if _, err := atp.ParseLanguageStrict(s); err == nil {
			t.Errorf("ParseLanguageStrict(%q) accepted it", s)
		}
	}
	// Commented out in the canonical copy ("technically not valid"),
	// invalid in the monorepo copy: a region cannot be followed by a
	// 2-letter subtag.
	if _, err := atp.ParseLanguage("de-419-DE"); err == nil {
		t.Error(`ParseLanguage("de-419-DE") accepted it`)
	}
}

// TestLetterFirstTIDs pins the letter-first TIDs that only the monorepo
// copy lists, whether or not ../shared is present.
func TestLetterFirstTIDs(t *testing.T) {
	for _, s := range []string{"a222222222222", "j222222222222", "azzzzzzzzzzzz", "2222222222222"} {
		if _, err := atp.ParseTID(s); err != nil {
			t.Errorf("ParseTID(%q): %v", s, err)
		}
	}
	for _, s := range []string{"k222222222222", "3JZFCIJPJ2Z2A", "222"} {
		if _, err := atp.ParseTID(s); err == nil {
			t.Errorf("ParseTID(%q) accepted it", s)
		}
	}
}

// TestSharedVectorsPresent reports where the vectors came from, so a run
// without ../shared is visible in the log.
func TestSharedVectorsPresent(t *testing.T) {
	if dir := testvectors.SharedDir(); dir != "" {
		t.Logf("vectors from %s", dir)
	} else {
		t.Logf("no ../shared; vectors from the indigo module, drift copies not checked")
	}
}
