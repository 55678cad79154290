package account

import "testing"

func TestScopeSets(t *testing.T) {
	all := []Scope{ScopeAccess, ScopeAppPass, ScopeAppPassPrivileged, ScopeSignupQueued, ScopeTakendown, ScopeRefresh}
	for _, tc := range []struct {
		set  Scopes
		want []Scope
	}{
		{AccessFull, []Scope{ScopeAccess}},
		{AccessPrivileged, []Scope{ScopeAccess, ScopeAppPassPrivileged}},
		{AccessStandard, []Scope{ScopeAccess, ScopeAppPassPrivileged, ScopeAppPass}},
		{AccessStandard.With(ScopeTakendown), []Scope{ScopeAccess, ScopeAppPassPrivileged, ScopeAppPass, ScopeTakendown}},
		{AccessStandard.With(ScopeSignupQueued), []Scope{ScopeAccess, ScopeAppPassPrivileged, ScopeAppPass, ScopeSignupQueued}},
		{AccessStandard.With(ScopeTakendown).Without(ScopeTakendown), []Scope{ScopeAccess, ScopeAppPassPrivileged, ScopeAppPass}},
	} {
		for _, s := range all {
			want := false
			for _, w := range tc.want {
				want = want || w == s
			}
			if tc.set.Has(s) != want {
				t.Errorf("%08b.Has(%s) = %v", tc.set, s, !want)
			}
			if err := tc.set.Check(s); (err == nil) != want {
				t.Errorf("%08b.Check(%s) = %v", tc.set, s, err)
			} else if err != nil {
				wantError(t, err, ErrBadTokenScope)
			}
		}
		if tc.set.Has("") || tc.set.Has("com.atproto.unknown") {
			t.Errorf("%08b has an unknown scope", tc.set)
		}
	}
	for s, want := range map[Scope][3]bool{ // full, privileged, takendown
		ScopeAccess:            {true, true, false},
		ScopeAppPassPrivileged: {false, true, false},
		ScopeAppPass:           {false, false, false},
		ScopeTakendown:         {false, false, true},
		ScopeSignupQueued:      {false, false, false},
	} {
		if got := [3]bool{s.IsAccessFull(), s.IsAccessPrivileged(), s.IsTakendown()}; got != want {
			t.Errorf("%s: %v, want %v", s, got, want)
		}
		if !s.Valid() {
			t.Errorf("%s not valid", s)
		}
	}
	if Scope("atproto").Valid() {
		t.Error("an OAuth scope is a session scope")
	}
}
