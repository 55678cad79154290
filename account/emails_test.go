package account

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// TestTokenEmailGolden renders the email of every purpose and compares it
// with testdata/email/<purpose>.golden (subject line, blank line, body).
func TestTokenEmailGolden(t *testing.T) {
	for _, p := range []TokenPurpose{PurposeConfirmEmail, PurposeUpdateEmail, PurposeResetPassword, PurposeDeleteAccount, PurposePLCOperation} {
		t.Run(string(p), func(t *testing.T) {
			e := TokenEmail{Purpose: p, To: "alice@example.com", Token: "ABCDE-FGH23", Handle: "alice.test", ServiceName: "Example PDS"}
			m, err := e.Compose()
			if err != nil {
				t.Fatal(err)
			}
			if m.To != "alice@example.com" || !strings.Contains(m.Text, "ABCDE-FGH23") {
				t.Fatalf("message %+v", m)
			}
			got := "Subject: " + m.Subject + "\n\n" + m.Text
			path := filepath.Join("testdata", "email", string(p)+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", path, got, want)
			}
		})
	}
}

func TestTokenEmailOptions(t *testing.T) {
	m, err := TokenEmail{Purpose: PurposeConfirmEmail, To: "a@example.com", Token: "X", Lifetime: 2 * time.Hour}.Compose()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Text, "valid for 2 hours") || !strings.Contains(m.Text, DefaultServiceName) || !strings.Contains(m.Text, "your account") {
		t.Errorf("text %q", m.Text)
	}
	for d, want := range map[time.Duration]string{time.Minute: "1 minute", 90 * time.Second: "2 minutes", time.Hour: "1 hour", 30 * time.Minute: "30 minutes"} {
		if got := describeDuration(d); got != want {
			t.Errorf("describeDuration(%v) = %q, want %q", d, got, want)
		}
	}
	for _, e := range []TokenEmail{{Purpose: "nope", To: "a@example.com", Token: "X"}, {Purpose: PurposeConfirmEmail, Token: "X"}, {Purpose: PurposeConfirmEmail, To: "a@example.com"}} {
		if _, err := e.Compose(); err == nil {
			t.Errorf("%+v composed", e)
		}
	}
}
