package atp_test

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/boltsky/boltsky/atp"
)

var update = flag.Bool("update", false, "rewrite testdata/accessors.golden from the current code")

// describe prints what the accessors of a parsed value return, or the
// error, for the golden file.
func describe(tb testing.TB, kind, s string) string {
	v, err := kindNamed(tb, kind).parse(s)
	if err != nil {
		return "error: " + err.Error()
	}
	out := fmt.Sprintf("string=%s", v)
	switch v := v.(type) {
	case atp.DID:
		out += fmt.Sprintf(" method=%s identifier=%s plc=%v web=%v", v.Method(), v.Identifier(), v.IsPLC(), v.IsWeb())
	case atp.Handle:
		out += fmt.Sprintf(" tld=%s allowed=%v invalid=%v", v.TLD(), v.AllowedTLD(), v.IsInvalid())
	case atp.NSID:
		out += fmt.Sprintf(" authority=%s name=%s normalized=%s", v.Authority(), v.Name(), v.Normalize())
	case atp.ATURI:
		out += fmt.Sprintf(" authority=%s did=%v collection=%s rkey=%s path=%s", v.Authority(), v.Authority().IsDID(), v.Collection(), v.RecordKey(), v.Path())
	case atp.AtIdentifier:
		out += fmt.Sprintf(" did=%s handle=%s", v.DID(), v.Handle())
	case atp.TID:
		out += fmt.Sprintf(" integer=%d micros=%d time=%s clock=%d", v.Integer(), v.Micros(), v.Time().Format(time.RFC3339Nano), v.ClockID())
	case atp.Datetime:
		out += fmt.Sprintf(" time=%s", v.Time().Format(time.RFC3339Nano))
	case atp.URI:
		out += fmt.Sprintf(" scheme=%s", v.Scheme())
	}
	return out
}

// TestAccessorsGolden runs every input of testdata/accessors.txt
// ("kind<TAB>input" lines) through its parser and accessors and compares
// the result with testdata/accessors.golden. Run with -update to rewrite
// the golden file after a deliberate change, and review the diff.
func TestAccessorsGolden(t *testing.T) {
	in, err := os.Open(filepath.Join("testdata", "accessors.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var got strings.Builder
	sc := bufio.NewScanner(in)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		kind, input, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("accessors.txt: line %q has no tab", line)
		}
		fmt.Fprintf(&got, "%s\t%s\t%s\n", kind, input, describe(t, kind, input))
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "accessors.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	gotLines := strings.Split(got.String(), "\n")
	wantLines := strings.Split(string(want), "\n")
	for i := range max(len(gotLines), len(wantLines)) {
		var g, w string
		if i < len(gotLines) {
			g = gotLines[i]
		}
		if i < len(wantLines) {
			w = wantLines[i]
		}
		if g != w {
			t.Errorf("line %d:\n got  %s\n want %s", i+1, g, w)
		}
	}
	t.Logf("checked %d entries", n)
}
