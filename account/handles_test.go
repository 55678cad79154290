package account

import (
	"bufio"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/boltsky/boltsky/atp"
)

// readTSV returns the tab-separated fields of each line of a testdata
// file, skipping empty lines and '#' comments.
func readTSV(tb testing.TB, name string, fields int) [][]string {
	tb.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, "\t")
		if len(parts) != fields {
			tb.Fatalf("%s:%d: %d fields, want %d", name, n, len(parts), fields)
		}
		out = append(out, parts)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

func mustHandleRules(tb testing.TB) *HandleRules {
	tb.Helper()
	r, err := NewHandleRules(HandleConfig{Domains: []string{".test", "PDS.example.com"}, Reserved: []string{"BoltskyTeam"}})
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func TestHandleRules(t *testing.T) {
	r := mustHandleRules(t)
	rows := readTSV(t, "handles.tsv", 3)
	if len(rows) < 20 {
		t.Fatalf("only %d rows", len(rows))
	}
	for _, row := range rows {
		input, options, want := row[0], row[1], row[2]
		opts := HandleCheck{AllowExternal: options == "external", AllowReserved: options == "reserved"}
		h, external, err := r.Check(input, opts)
		if name, msg, isErr := strings.Cut(strings.TrimPrefix(want, "ERR "), " "); strings.HasPrefix(want, "ERR ") && isErr {
			var e *Error
			if !errors.As(err, &e) || e.Name != name || e.Message != msg || e.Status != 400 {
				t.Errorf("Check(%q, %s) = %v, %v; want %s %q", input, options, h, err, name, msg)
			}
			continue
		}
		wantHandle, wantExternal := strings.CutSuffix(want, " external")
		if err != nil || h.String() != wantHandle || external != wantExternal {
			t.Errorf("Check(%q, %s) = %q, external %v, %v; want %s", input, options, h, external, err, want)
		}
	}
}

func TestHandleRulesConfig(t *testing.T) {
	r := mustHandleRules(t)
	if got := r.Domains(); !slices.Equal(got, []string{".test", ".pds.example.com"}) {
		t.Errorf("Domains = %v", got)
	}
	r.Domains()[0] = "mutated"
	if r.Domains()[0] != ".test" {
		t.Error("Domains shares its slice")
	}
	for name, want := range map[string]bool{"admin": true, "ADMIN": true, "boltskyteam": true, "alice": false, "#": false} {
		if r.IsReserved(name) != want {
			t.Errorf("IsReserved(%q) != %v", name, want)
		}
	}
	h, _ := atp.ParseHandle("x.pds.example.com")
	if !r.IsUserDomain(h) {
		t.Error("IsUserDomain")
	}
	for _, cfg := range []HandleConfig{{}, {Domains: []string{""}}, {Domains: []string{"."}}, {Domains: []string{".bad_domain"}}, {Domains: []string{"a..b"}}} {
		if _, err := NewHandleRules(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	for _, row := range readTSV(t, "emails.tsv", 2) {
		got, err := NormalizeEmail(row[0])
		if row[1] == "invalid" {
			if !errors.Is(err, ErrInvalidEmail) {
				t.Errorf("NormalizeEmail(%q) = %q, %v; want ErrInvalidEmail", row[0], got, err)
			}
			continue
		}
		if err != nil || got != row[1] {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", row[0], got, err, row[1])
		}
	}
	if _, err := NormalizeEmail(strings.Repeat("a", 250) + "@b.co"); err == nil {
		t.Error("an over-long address accepted")
	}
}
