package relaytest

import "testing"

func TestRelayComplaintPattern(t *testing.T) {
	for line, want := range map[string]bool{
		`{"time":"x","level":"WARN","msg":"commit failed inversion"}`: true,
		`{"time":"x","level":"ERROR","msg":"bad"}`:                    true,
		`time=x level=WARN msg=hmm`:                                   true,
		`{"time":"x","level":"INFO","msg":"fine"}`:                    false,
	} {
		if got := relayComplaint.MatchString(line); got != want {
			t.Errorf("%s: %v, want %v", line, got, want)
		}
	}
}
