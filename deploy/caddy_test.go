package deploy

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestCaddyValidate runs caddy validate on the Caddyfile. Caddy's state
// directories point into a temporary directory, so the check writes
// nothing outside it and contacts no one.
func TestCaddyValidate(t *testing.T) {
	caddy := needTool(t, "caddy", "caddy")
	path, err := filepath.Abs("Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	env := []string{"HOME=" + home, "XDG_DATA_HOME=" + filepath.Join(home, "data"), "XDG_CONFIG_HOME=" + filepath.Join(home, "config")}
	out, err := runTool(t, home, env, caddy, "validate", "--config", path, "--adapter", "caddyfile")
	if err != nil {
		t.Fatalf("caddy validate: %v\n%s", err, out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, `"level":"warn"`) || strings.Contains(line, `"level":"error"`) {
			t.Logf("caddy validate: %s", line)
		}
	}
}

// TestCaddyfileRoutes checks what caddy validate cannot: the Caddyfile
// asks the node's /tls-check before getting a certificate, proxies to the
// example's listen address, and refuses /metrics and /admin/.
func TestCaddyfileRoutes(t *testing.T) {
	listen := loadExample(t)["listen"].(string)
	src := readFile(t, "Caddyfile")
	for _, want := range []string{
		"ask http://" + listen + "/tls-check",
		"on_demand\n",
		"reverse_proxy " + listen + "\n",
		"@private path /metrics /metrics/* /admin /admin/*\n",
		"respond @private 404\n",
	} {
		if !strings.Contains(src, want) {
			t.Errorf("Caddyfile lacks %q", want)
		}
	}
}
