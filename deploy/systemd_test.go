package deploy

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// systemdUnits are the unit files of this directory.
var systemdUnits = []string{"boltsky.service", "boltsky-backup.service", "boltsky-backup.timer"}

// TestSystemdVerify runs systemd-analyze verify on the unit files.
//
// verify fails a unit whose ExecStart program does not exist, and
// /usr/local/bin/boltsky is not installed where tests run. So the test
// verifies copies in a temporary directory in which that path is replaced
// by a link named boltsky to an executable that exists (the test binary
// itself); nothing else changes. Any message naming one of the units (an
// unknown key, a value that does not parse) fails the test too, since
// verify reports those as warnings and still exits 0.
func TestSystemdVerify(t *testing.T) {
	analyze := needTool(t, "systemd-analyze", "systemd")
	dir := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "bin", "boltsky")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(self, bin); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, name := range systemdUnits {
		unit := strings.ReplaceAll(readFile(t, name), installedBinary, bin)
		path := filepath.Join(dir, name)
		writeFile(t, path, unit, 0o644)
		paths = append(paths, path)
	}
	out, err := runTool(t, dir, nil, analyze, append([]string{"verify"}, paths...)...)
	if err != nil {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		if strings.Contains(line, dir) || slices.ContainsFunc(systemdUnits, func(u string) bool { return strings.Contains(line, u) }) {
			t.Errorf("systemd-analyze verify: %s", line)
		} else {
			t.Logf("systemd-analyze verify (about another unit): %s", line)
		}
	}
}

// maxExposure is the highest `systemd-analyze security` exposure allowed
// for the services, in its tenths (1.5 shows as 15): "OK" ends at 4.9.
const maxExposure = 20

// TestSystemdSecurity keeps the services' hardening: their exposure
// score from `systemd-analyze security --offline=true` must stay at or
// under 2.0 (both score about 1.5).
func TestSystemdSecurity(t *testing.T) {
	analyze := needTool(t, "systemd-analyze", "systemd")
	for _, name := range []string{"boltsky.service", "boltsky-backup.service"} {
		t.Run(name, func(t *testing.T) {
			path, err := filepath.Abs(name)
			if err != nil {
				t.Fatal(err)
			}
			out, err := runTool(t, t.TempDir(), nil, analyze, "security", "--offline=true", "--threshold="+strconv.Itoa(maxExposure), path)
			if strings.Contains(out, "unrecognized option") {
				t.Skipf("this systemd-analyze has no offline security check (systemd 252 or later): %s", out)
			}
			if err != nil {
				t.Errorf("%s exposure is over %d.%d or the check failed: %v\n%s", name, maxExposure/10, maxExposure%10, err, exposures(out))
				return
			}
			if i := strings.LastIndex(out, "Overall exposure level"); i >= 0 {
				t.Log(strings.TrimSpace(out[i:]))
			}
		})
	}
}

// exposures keeps the lines of a security report that matter: the
// settings that add exposure (✗) and the total.
func exposures(report string) string {
	var keep []string
	for _, line := range strings.Split(report, "\n") {
		if l := strings.TrimSpace(line); strings.HasPrefix(l, "✗") || strings.HasPrefix(l, "→") || !strings.HasPrefix(l, "✓") && strings.Contains(l, "rror") {
			keep = append(keep, l)
		}
	}
	if len(keep) == 0 {
		return report
	}
	return strings.Join(keep, "\n")
}

// unitFile is a parsed unit file: section → key → values in order (a
// key may repeat).
type unitFile map[string]map[string][]string

// parseUnit reads a unit file of this directory.
func parseUnit(t *testing.T, name string) unitFile {
	t.Helper()
	u := unitFile{}
	var section string
	sc := bufio.NewScanner(strings.NewReader(readFile(t, name)))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			u[section] = map[string][]string{}
		case section != "" && strings.Contains(line, "="):
			k, v, _ := strings.Cut(line, "=")
			u[section][k] = append(u[section][k], v)
		default:
			t.Fatalf("%s:%d: cannot parse %q", name, n, line)
		}
	}
	return u
}

// last returns the value in force for key: the last one given.
func (u unitFile) last(section, key string) string {
	v := u[section][key]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// TestServiceSettings checks the settings boltsky depends on, which a
// valid unit could still get wrong.
func TestServiceSettings(t *testing.T) {
	u := parseUnit(t, "boltsky.service")
	doc := loadExample(t)
	want := map[string]string{
		"ExecStart":               installedBinary + " serve --config " + installedConfig,
		"Restart":                 "on-failure",
		"User":                    "boltsky",
		"StateDirectory":          "boltsky",
		"ProtectSystem":           "strict",
		"ProtectHome":             "yes",
		"PrivateTmp":              "yes",
		"NoNewPrivileges":         "yes",
		"CapabilityBoundingSet":   "",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
		"MemoryDenyWriteExecute":  "yes",
		"LockPersonality":         "yes",
		"SystemCallErrorNumber":   "EPERM",
	}
	for key, v := range want {
		if got, ok := u["Service"][key]; !ok || u.last("Service", key) != v {
			t.Errorf("boltsky.service: %s=%v, want %q", key, got, v)
		}
	}
	if !slices.Contains(u["Service"]["SystemCallFilter"], "@system-service") {
		t.Errorf("boltsky.service: SystemCallFilter=%v lacks @system-service", u["Service"]["SystemCallFilter"])
	}
	if !slices.ContainsFunc(u["Service"]["EnvironmentFile"], func(s string) bool { return strings.HasSuffix(s, "/etc/boltsky/boltsky.env") }) {
		t.Errorf("boltsky.service: no EnvironmentFile for /etc/boltsky/boltsky.env")
	}

	// Graceful shutdown takes up to a minute (cmd/boltsky: HTTP 10 s,
	// crawler 5 s, actors 20 s, sequencer 20 s, one-minute deadline).
	stop, err := unitSeconds(u.last("Service", "TimeoutStopSec"))
	if err != nil || stop < 70*time.Second {
		t.Errorf("boltsky.service: TimeoutStopSec=%q, want at least 70 s for a graceful shutdown (%v)", u.last("Service", "TimeoutStopSec"), err)
	}

	// Every open account file is a descriptor; connections need more.
	files, _ := doc["max_open_files"].(int64)
	nofile, err := strconv.ParseInt(u.last("Service", "LimitNOFILE"), 10, 64)
	if err != nil || nofile < files+4096 {
		t.Errorf("boltsky.service: LimitNOFILE=%q, want at least max_open_files (%d) + 4096 for connections", u.last("Service", "LimitNOFILE"), files)
	}

	// The data directory the unit forces is the example's and the one the
	// unit may write.
	dataDir := strings.ReplaceAll(envValue(u, "BOLTSKY_DATA_DIR"), "%S", "/var/lib")
	if dataDir != doc["data_dir"] || dataDir != "/var/lib/"+u.last("Service", "StateDirectory") {
		t.Errorf("boltsky.service: BOLTSKY_DATA_DIR=%q, StateDirectory=%q and the example's data_dir=%q disagree",
			dataDir, u.last("Service", "StateDirectory"), doc["data_dir"])
	}
}

// TestBackupUnits checks that the backup job works through the node at
// the example's listen address and that the timer starts it.
func TestBackupUnits(t *testing.T) {
	doc := loadExample(t)
	svc := parseUnit(t, "boltsky-backup.service")
	if got, want := envValue(svc, "BOLTSKY_SERVER"), "http://"+doc["listen"].(string); got != want {
		t.Errorf("boltsky-backup.service: BOLTSKY_SERVER=%q, want %q", got, want)
	}
	// --server: the job must never fall back to opening the data
	// directory itself, which the running node holds.
	exec := svc.last("Service", "ExecStart")
	for _, want := range []string{installedBinary + " backup --all ", "--config " + installedConfig, `--server "$$BOLTSKY_SERVER"`} {
		if !strings.Contains(exec, want) {
			t.Errorf("boltsky-backup.service: ExecStart lacks %q: %s", want, exec)
		}
	}
	timer := parseUnit(t, "boltsky-backup.timer")
	if timer.last("Timer", "OnCalendar") == "" || timer.last("Install", "WantedBy") != "timers.target" {
		t.Errorf("boltsky-backup.timer: want OnCalendar and WantedBy=timers.target, have %v", timer)
	}
}

// envValue returns the value of variable name set by Environment= in the
// unit's Service section.
func envValue(u unitFile, name string) string {
	var value string
	for _, assignments := range u["Service"]["Environment"] {
		for _, a := range strings.Fields(assignments) {
			if v, ok := strings.CutPrefix(strings.Trim(a, `"`), name+"="); ok {
				value = v
			}
		}
	}
	return value
}

// unitSeconds parses a systemd time span: plain seconds or a Go-style
// duration.
func unitSeconds(s string) (time.Duration, error) {
	if n, err := strconv.Atoi(s); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	return time.ParseDuration(strings.ReplaceAll(strings.ReplaceAll(s, "min", "m"), " ", ""))
}
