package account

import (
	"testing"
)

func BenchmarkHashPassword(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := HashPassword("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyPassword(b *testing.B) {
	enc, err := HashPassword("correct horse battery staple")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := VerifyPassword("correct horse battery staple", enc); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkIssueParseAccess signs an access token and verifies it, the
// per-request cost of session auth.
func BenchmarkIssueParseAccess(b *testing.B) {
	s, clock := newTestSessions(b)
	did := MustDID(b, testDID)
	b.ReportAllocs()
	for b.Loop() {
		tokens, err := s.issue(did, ScopeAccess, "jti", clock.Now())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.ParseAccess(tokens.AccessJWT); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseAccess(b *testing.B) {
	s, clock := newTestSessions(b)
	tokens, err := s.issue(MustDID(b, testDID), ScopeAccess, "jti", clock.Now())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.ParseAccess(tokens.AccessJWT); err != nil {
			b.Fatal(err)
		}
	}
}
