package deploy

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

const exampleConfig = "boltsky.example.toml"

// configSource is the file declaring the node's settings.
var configSource = filepath.Join("..", "cmd", "boltsky", "config.go")

// configFields maps the TOML key of every field of Config in
// cmd/boltsky/config.go to the field's Go type, read from the source with
// go/parser: the deploy tests may not import package main.
func configFields(t *testing.T) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), configSource, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("cannot parse %s: %v", configSource, err)
	}
	var st *ast.StructType
	ast.Inspect(f, func(n ast.Node) bool {
		if ts, ok := n.(*ast.TypeSpec); ok && ts.Name.Name == "Config" {
			st, _ = ts.Type.(*ast.StructType)
			return false
		}
		return st == nil
	})
	if st == nil {
		t.Fatalf("%s declares no struct type Config", configSource)
	}
	fields := map[string]string{}
	for _, fd := range st.Fields.List {
		if fd.Tag == nil {
			continue
		}
		tag, err := strconv.Unquote(fd.Tag.Value)
		if err != nil {
			t.Fatalf("%s: bad tag %s", configSource, fd.Tag.Value)
		}
		key := reflect.StructTag(tag).Get("toml")
		if key == "" || key == "-" {
			continue
		}
		fields[key] = types.ExprString(fd.Type)
	}
	if len(fields) == 0 {
		t.Fatalf("%s: Config has no toml tags", configSource)
	}
	return fields
}

// loadExample decodes the example configuration into a map.
func loadExample(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if _, err := toml.DecodeFile(exampleConfig, &doc); err != nil {
		t.Fatalf("cannot parse %s: %v", exampleConfig, err)
	}
	return doc
}

// TestExampleConfigKeys checks that the example configuration sets
// exactly the settings Config declares, each with a value of its type: a
// misspelt key, a setting missing from the example, or a number written
// as a string fails here before `boltsky serve` refuses the file.
func TestExampleConfigKeys(t *testing.T) {
	fields := configFields(t)
	doc := loadExample(t)
	for _, key := range slices.Sorted(maps.Keys(doc)) {
		goType, ok := fields[key]
		if !ok {
			t.Errorf("%s: key %q is not a toml tag of Config in %s", exampleConfig, key, configSource)
			continue
		}
		if err := checkType(doc[key], goType); err != "" {
			t.Errorf("%s: %s = %#v: %s", exampleConfig, key, doc[key], err)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(fields)) {
		if _, ok := doc[key]; !ok {
			t.Errorf("%s lacks %q: the example sets and explains every setting of %s", exampleConfig, key, configSource)
		}
	}
}

// checkType reports why v, decoded from TOML, cannot fill a field of
// goType, or "" when it can.
func checkType(v any, goType string) string {
	switch goType {
	case "string":
		if _, ok := v.(string); !ok {
			return "want a string"
		}
	case "bool":
		if _, ok := v.(bool); !ok {
			return "want true or false"
		}
	case "int", "int64":
		if _, ok := v.(int64); !ok {
			return "want an integer"
		}
	case "time.Duration":
		s, ok := v.(string)
		if !ok {
			return `want a duration string such as "20m"`
		}
		if _, err := time.ParseDuration(s); err != nil {
			return err.Error()
		}
	case "[]string":
		list, ok := v.([]any)
		if !ok {
			return "want an array of strings"
		}
		for _, e := range list {
			if _, ok := e.(string); !ok {
				return "want an array of strings"
			}
		}
	default:
		return "the test does not know Go type " + goType + "; teach checkType"
	}
	return ""
}

// TestExampleConfigComments checks that a comment explains every key:
// the line above each setting is a comment.
func TestExampleConfigComments(t *testing.T) {
	var prev string
	for i, line := range strings.Split(readFile(t, exampleConfig), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") && strings.Contains(line, "=") {
			key, _, _ := strings.Cut(line, "=")
			if !strings.HasPrefix(prev, "#") {
				t.Errorf("%s:%d: %s has no comment on the line above", exampleConfig, i+1, strings.TrimSpace(key))
			}
		}
		prev = line
	}
}

// TestExampleConfigIsProduction checks the values that make the example a
// production configuration rather than a development one.
func TestExampleConfigIsProduction(t *testing.T) {
	doc := loadExample(t)
	want := map[string]any{
		"dev":             false,
		"listen":          "127.0.0.1:2583",
		"data_dir":        "/var/lib/boltsky",
		"plc_url":         "https://plc.directory",
		"invite_required": true,
		"log_format":      "json",
		"smtp_security":   "starttls",
	}
	for key, v := range want {
		if doc[key] != v {
			t.Errorf("%s: %s = %#v, want %#v", exampleConfig, key, doc[key], v)
		}
	}
	if u, _ := doc["public_url"].(string); !strings.HasPrefix(u, "https://") {
		t.Errorf("%s: public_url %q is not https", exampleConfig, u)
	}
	host, _ := doc["hostname"].(string)
	if doc["public_url"] != "https://"+host {
		t.Errorf("%s: public_url %q is not https://%s", exampleConfig, doc["public_url"], host)
	}
	if d, _ := doc["handle_domains"].([]any); len(d) == 0 || d[0] != "."+host {
		t.Errorf("%s: handle_domains %v should start with .%s", exampleConfig, d, host)
	}
	if r, _ := doc["relays"].([]any); !slices.Contains(r, any("https://bsky.network")) {
		t.Errorf("%s: relays %v lack https://bsky.network", exampleConfig, r)
	}
	for _, key := range []string{"admin_password", "metrics_token", "smtp_host", "email_from"} {
		if s, _ := doc[key].(string); s == "" {
			t.Errorf("%s: %s is empty", exampleConfig, key)
		}
	}
}

// TestExampleConfigCheck runs `boltsky config check` on the example when
// the binary has that command. The data directory is a temporary one,
// given the way the systemd unit gives it (BOLTSKY_DATA_DIR).
func TestExampleConfigCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBoltsky(t)
	example, err := filepath.Abs(exampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "config", "check", "--config", example)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "BOLTSKY_DATA_DIR=" + t.TempDir()}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("boltsky config check --config %s: %v\n%s", exampleConfig, err, out)
	}
	t.Logf("boltsky config check:\n%s", out)
}
