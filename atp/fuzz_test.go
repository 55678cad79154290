package atp_test

import (
	"testing"

	"github.com/boltsky/boltsky/atp"
)

// addVectorSeeds adds every official vector entry of every kind to f's
// seed corpus, beside the files in testdata/fuzz.
func addVectorSeeds(f *testing.F) {
	for _, k := range kinds() {
		for _, s := range allVectorLines(f, k.name) {
			f.Add(s)
		}
	}
}

// FuzzParse feeds one string to every parser. None may panic; whatever
// one accepts must print as expected, parse back to the same value from
// its String and its MarshalText, and have accessors that agree with it.
func FuzzParse(f *testing.F) {
	addVectorSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		for _, k := range kinds() {
			v, err := k.parse(s)
			if err != nil {
				checkRejected(t, k, s, err)
				continue
			}
			checkAccepted(t, k, s, v)
			checkParts(t, v)
		}
	})
}

// checkParts checks that a parsed value's accessors put it back together.
func checkParts(t *testing.T, v textValue) {
	t.Helper()
	switch v := v.(type) {
	case atp.DID:
		if "did:"+v.Method()+":"+v.Identifier() != v.String() {
			t.Errorf("DID %q: method %q identifier %q", v, v.Method(), v.Identifier())
		}
	case atp.NSID:
		if _, err := atp.ParseNSID(v.Normalize().String()); err != nil || v.Normalize().Name() != v.Name() {
			t.Errorf("NSID %q: Normalize() = %q, %v", v, v.Normalize(), err)
		}
	case atp.ATURI:
		auth := v.Authority()
		if auth.IsZero() {
			t.Fatalf("AT-URI %q: zero authority", v)
		}
		var rebuilt atp.ATURI
		if auth.IsDID() {
			rebuilt = atp.NewATURI(auth.DID(), v.Collection(), v.RecordKey())
		} else {
			rebuilt, _ = atp.ParseATURI(v.String())
		}
		if rebuilt != v {
			t.Errorf("AT-URI %q: rebuilt as %q", v, rebuilt)
		}
		if !v.RecordKey().IsZero() && v.Collection().IsZero() {
			t.Errorf("AT-URI %q: record key without collection", v)
		}
	case atp.AtIdentifier:
		if v.IsDID() == v.IsHandle() || v.DID().String()+v.Handle().String() != v.String() {
			t.Errorf("at-identifier %q: DID %q handle %q", v, v.DID(), v.Handle())
		}
	case atp.TID:
		if v.Micros() <= atp.MaxTIDMicros && atp.NewTID(v.Micros(), v.ClockID()) != v {
			t.Errorf("TID %q: NewTID(Micros, ClockID) = %q", v, atp.NewTID(v.Micros(), v.ClockID()))
		}
	case atp.Datetime:
		if v.Time().IsZero() && v.String()[:4] != "0001" {
			t.Errorf("datetime %q: zero Time", v)
		}
	case atp.URI:
		if v.Scheme() == "" {
			t.Errorf("URI %q: no scheme", v)
		}
	}
}

// FuzzOracle compares every parser with indigo's (and the language
// parsers with the RFC 5646 pattern) on one string, allowing only the
// disagreements the oracles explain.
func FuzzOracle(f *testing.F) {
	addVectorSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		for _, o := range oracles() {
			o.compare(t, s, nil)
		}
		if _, err := atp.ParseLanguage(s); (err == nil) != rfc5646WellFormed(s) {
			t.Errorf("ParseLanguage(%q): %v; RFC 5646 pattern says %v", s, err, rfc5646WellFormed(s))
		}
		if _, err := atp.ParseLanguageStrict(s); (err == nil) != rfc5646Strict(s) {
			t.Errorf("ParseLanguageStrict(%q): %v; reference says %v", s, err, rfc5646Strict(s))
		}
	})
}
