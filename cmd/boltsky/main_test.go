package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestUsageAndExitCodes(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		code   int
		output string
	}{
		{nil, 2, "usage: boltsky"},
		{[]string{"help"}, 0, "restore"},
		{[]string{"nope"}, 2, `unknown command "nope"`},
		{[]string{"version"}, 0, version},
		{[]string{"backup", "-h"}, 0, "--did"},
		{[]string{"backup", "--out", "x"}, 2, "give either --did or --all"},
		{[]string{"backup", "--all"}, 2, "--out is required"},
		{[]string{"restore"}, 2, "name the backup files"},
		{[]string{"compact"}, 2, "give either --did or --all"},
		{[]string{"admin"}, 2, "create-invite"},
		{[]string{"admin", "account"}, 2, "account list"},
		{[]string{"admin", "frob"}, 2, `unknown command "frob"`},
		{[]string{"admin", "takedown"}, 2, "want 1 arguments"},
		{[]string{"config"}, 2, "config <command>"},
		{[]string{"config", "check", "extra"}, 2, "unexpected argument"},
	} {
		r := runCLI(t, nil, tc.args...)
		if r.Code != tc.code || !strings.Contains(r.Stdout+r.Stderr, tc.output) {
			t.Errorf("boltsky %v: exit %d, want %d with %q\nstdout: %s\nstderr: %s", tc.args, r.Code, tc.code, tc.output, r.Stdout, r.Stderr)
		}
	}
}

// TestConfigLayering checks the order settings override each other in:
// defaults, then the file, then BOLTSKY_* variables, then flags.
func TestConfigLayering(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "boltsky.toml")
	os.WriteFile(file, []byte(`
hostname = "file.example"
listen = "127.0.0.1:7001"
data_dir = "/file/data"
relays = ["https://relay.file"]
idle_timeout = "5m"
max_open_files = 7
`), 0o600)
	env := map[string]string{
		"BOLTSKY_CONFIG":         file,
		"BOLTSKY_LISTEN":         "127.0.0.1:7002",
		"BOLTSKY_DATA_DIR":       "/env/data",
		"BOLTSKY_RELAYS":         "https://relay.env, https://relay2.env",
		"BOLTSKY_ADMIN_PASSWORD": "from-env",
	}
	r := runCLI(t, env, "config", "show", "--data-dir", "/flag/data", "--max-open-files", "9")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	for _, want := range []string{
		`hostname = "file.example"`, // file over default
		`listen = "127.0.0.1:7002"`, // env over file
		`data_dir = "/flag/data"`,   // flag over env and file
		`relays = ["https://relay.env","https://relay2.env"]`,
		`idle_timeout = "5m0s"`,                   // file
		`max_open_files = 9`,                      // flag over file
		`log_level = "info"`,                      // default
		`public_url = "http://file.example:7002"`, // derived from the layered values
		"# admin_password is set (not shown)",
	} {
		if !strings.Contains(r.Stdout, want+"\n") {
			t.Errorf("config show lacks %q:\n%s", want, r.Stdout)
		}
	}
	if strings.Contains(r.Stdout, "from-env") {
		t.Error("config show printed a secret")
	}
	// --config on the command line beats BOLTSKY_CONFIG.
	other := filepath.Join(dir, "other.toml")
	os.WriteFile(other, []byte("hostname = \"other.example\"\n"), 0o600)
	r = runCLI(t, env, "config", "show", "--config", other)
	if !strings.Contains(r.Stdout, `hostname = "other.example"`) {
		t.Errorf("--config did not win:\n%s", r.Stdout)
	}
	// What config show prints is a configuration file that reads back.
	shown := filepath.Join(dir, "shown.toml")
	os.WriteFile(shown, []byte(runCLI(t, env, "config", "show").Stdout), 0o600)
	again := runCLI(t, nil, "config", "show", "--config", shown)
	if again.Code != 0 || !strings.Contains(again.Stdout, `listen = "127.0.0.1:7002"`) {
		t.Errorf("config show output does not read back (exit %d): %s%s", again.Code, again.Stdout, again.Stderr)
	}
	// Bad values name the setting.
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"BOLTSKY_DEV": "maybe"}, nil, `dev: "maybe" is not a boolean`},
		{nil, []string{"--idle-timeout", "soon"}, `idle_timeout: "soon" is not a duration`},
		{map[string]string{"BOLTSKY_CONFIG": filepath.Join(dir, "missing.toml")}, nil, "cannot read config"},
	} {
		r := runCLI(t, tc.env, append([]string{"config", "show"}, tc.args...)...)
		if r.Code != 1 || !strings.Contains(r.Stderr, tc.want) {
			t.Errorf("%v %v: exit %d, stderr %q, want %q", tc.env, tc.args, r.Code, r.Stderr, tc.want)
		}
	}
	unknown := filepath.Join(dir, "unknown.toml")
	os.WriteFile(unknown, []byte("colour = \"blue\"\n"), 0o600)
	if r := runCLI(t, nil, "config", "show", "--config", unknown); r.Code != 1 || !strings.Contains(r.Stderr, "unknown keys [colour]") {
		t.Errorf("unknown key: exit %d, %s", r.Code, r.Stderr)
	}
}

func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	// The built-in development node: valid, with every warning.
	r := runCLI(t, nil, "config", "check", "--data-dir", dir)
	if r.Code != 0 {
		t.Fatalf("exit %d: %s%s", r.Code, r.Stdout, r.Stderr)
	}
	for _, want := range []string{"warning: dev mode is on", "will be generated into", "warning: no SMTP server",
		"is plain http", "warning: no relays", "admin_password is empty", "ok: the configuration is valid (6 warnings)"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("config check lacks %q:\n%s", want, r.Stdout)
		}
	}

	// A production node with everything set: no warnings at all.
	prod := filepath.Join(dir, "prod.toml")
	os.WriteFile(prod, []byte(`
dev = false
hostname = "pds.example.com"
listen = "0.0.0.0:2583"
data_dir = "`+filepath.Join(dir, "prod")+`"
admin_password = "s3cret"
jwt_secret = "`+strings.Repeat("ab", 32)+`"
seal_key = "`+strings.Repeat("cd", 32)+`"
rotation_key = "z42tmNGbVp6VpNzWTgCDE3oFuMgj4ZvmjbaNKdHBRZ8S7Jgw"
smtp_host = "smtp.example.com"
relays = ["https://relay.example.com"]
`), 0o600)
	r = runCLI(t, nil, "config", "check", "--config", prod)
	if r.Code != 0 || strings.Contains(r.Stdout, "warning:") || !strings.Contains(r.Stdout, "ok: the configuration is valid (0 warnings)") {
		t.Errorf("production config: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}

	// Errors: each reported, exit 1.
	r = runCLI(t, nil, "config", "check", "--config", prod, "--public-url", "http://pds.example.com",
		"--seal-key", "nothex", "--relays", "ftp://relay", "--log-format", "xml", "--handle-domains", "example.com",
		"--appview-url", "https://api.example.com", "--chat-url", "http://chat.example.com", "--chat-did", "did:web:chat.example.com")
	if r.Code != 1 {
		t.Fatalf("bad config: exit %d\n%s", r.Code, r.Stdout)
	}
	for _, want := range []string{"error: public_url must be https outside dev mode", "error: seal_key in the configuration is not hex",
		`error: relay "ftp://relay" is not an http(s) URL`, `error: log_format "xml"`, `error: handle domain "example.com" must start with a dot`,
		"error: appview_url and appview_did go together", `error: chat_url "http://chat.example.com" must be https`} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("config check lacks %q:\n%s", want, r.Stdout)
		}
	}
	if !strings.Contains(r.Stderr, "the configuration has 7 errors") {
		t.Errorf("stderr %q", r.Stderr)
	}

	// Secrets kept in the data directory are checked too, and named.
	os.MkdirAll(filepath.Join(dir, "kept"), 0o700)
	os.WriteFile(filepath.Join(dir, "kept", "secrets.json"), []byte(`{"jwt_secret":"zz","seal_key":"`+strings.Repeat("cd", 32)+`"}`), 0o600)
	r = runCLI(t, nil, "config", "check", "--data-dir", filepath.Join(dir, "kept"), "--seal-key", strings.Repeat("ef", 32))
	if r.Code != 1 || !strings.Contains(r.Stdout, "jwt_secret in "+filepath.Join(dir, "kept", "secrets.json")+" is not hex") ||
		!strings.Contains(r.Stdout, "seal_key differs from the one in") || !strings.Contains(r.Stdout, "kept only in") {
		t.Errorf("secrets.json: exit %d\n%s", r.Code, r.Stdout)
	}
}
