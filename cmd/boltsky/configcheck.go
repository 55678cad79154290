package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/atp/crypto"
)

// configUsage lists the config subcommands.
const configUsage = `usage: boltsky config <command> [flags]

commands:
  check   load the configuration as serve does, report errors and warnings;
          exits 1 when the node could not run with it
  show    print the configuration in effect as TOML, secrets left out

Both take serve's settings as flags (boltsky serve -h).
`

// secretKeys are the settings config show leaves out.
var secretKeys = map[string]bool{"jwt_secret": true, "seal_key": true, "rotation_key": true,
	"admin_password": true, "smtp_password": true, "metrics_token": true}

// runConfig is `boltsky config`.
func runConfig(args []string, stdout, stderr io.Writer, env func(string) string) error {
	if len(args) == 0 || (args[0] != "check" && args[0] != "show") {
		if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
			fmt.Fprint(stdout, configUsage)
			return nil
		}
		fmt.Fprint(stderr, configUsage)
		return errUsage
	}
	c := newCommand("config "+args[0], "config "+args[0]+" [flags]", stderr)
	cf := addConfigFlags(c.fs, env)
	operands, err := c.parse(args[1:])
	if err != nil {
		return err
	}
	if len(operands) > 0 {
		return c.usageError("unexpected argument %q", operands[0])
	}
	cfg, err := cf.layer(env)
	if args[0] == "show" {
		if err == nil {
			err = cfg.Validate()
		}
		if err != nil {
			return err
		}
		return showConfig(stdout, cfg)
	}
	source := cf.file()
	if source == "" {
		source = "no file; built-in defaults, BOLTSKY_* variables and flags"
	}
	fmt.Fprintf(stdout, "config: %s\n", source)
	if err != nil {
		fmt.Fprintf(stdout, "error: %v\n", err)
		return errors.New("the configuration cannot be read")
	}
	fmt.Fprintf(stdout, "data_dir: %s\npublic_url: %s\n", cfg.DataDir, cfg.PublicURL)
	errs, warnings := checkConfig(cfg)
	for _, w := range warnings {
		fmt.Fprintf(stdout, "warning: %s\n", w)
	}
	for _, e := range errs {
		fmt.Fprintf(stdout, "error: %s\n", e)
	}
	if len(errs) > 0 {
		return fmt.Errorf("the configuration has %s", plural(len(errs), "error"))
	}
	fmt.Fprintf(stdout, "ok: the configuration is valid (%s)\n", plural(len(warnings), "warning"))
	return nil
}

// plural counts n things.
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// checkConfig returns what makes cfg unusable (errors) and what an
// operator should know about it (warnings).
func checkConfig(cfg Config) (errs, warnings []string) {
	if err := cfg.Validate(); err != nil {
		errs = append(errs, strings.Split(err.Error(), "\n")...)
	}
	if _, _, err := net.SplitHostPort(cfg.Listen); cfg.Listen != "" && err != nil {
		errs = append(errs, fmt.Sprintf("listen %q is not host:port", cfg.Listen))
	}
	for key, raw := range map[string]string{"public_url": cfg.PublicURL, "plc_url": cfg.PLCURL} {
		if raw == "" {
			continue
		}
		if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Sprintf("%s %q is not an http(s) URL", key, raw))
		}
	}
	for _, r := range cfg.Relays {
		if u, err := url.Parse(r); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Sprintf("relay %q is not an http(s) URL", r))
		}
	}
	if cfg.SMTPHost != "" && cfg.SMTPPort <= 0 {
		errs = append(errs, fmt.Sprintf("smtp_port %d is not a port", cfg.SMTPPort))
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"idle_timeout", cfg.IdleTimeout}, {"retention", cfg.Retention}, {"crawl_interval", cfg.CrawlInterval}} {
		if d.v <= 0 {
			errs = append(errs, fmt.Sprintf("%s %s must be positive", d.key, d.v))
		}
	}
	secretErrs, secretWarnings := checkSecrets(cfg)
	errs = append(errs, secretErrs...)

	if cfg.Dev {
		warnings = append(warnings, "dev mode is on: plain http, localhost and .test handles are allowed; set dev = false for a public node")
	}
	warnings = append(warnings, secretWarnings...)
	if cfg.SMTPHost == "" {
		warnings = append(warnings, fmt.Sprintf("no SMTP server (smtp_host): account email is written to %s, not sent",
			filepath.Join(cfg.DataDir, "mail.jsonl")))
	}
	if strings.HasPrefix(cfg.PublicURL, "http://") {
		warnings = append(warnings, fmt.Sprintf("public_url %s is plain http: clients and relays elsewhere need https", cfg.PublicURL))
	}
	if len(cfg.Relays) == 0 {
		warnings = append(warnings, "no relays: none is asked to crawl this node, so the network will not see its accounts (set relays)")
	}
	if cfg.AdminPassword == "" {
		warnings = append(warnings, "admin_password is empty: the admin API is off, and the admin commands work only with --local while the node is stopped")
	}
	return errs, warnings
}

// checkSecrets checks the secrets the configuration sets and those kept
// in the data directory.
func checkSecrets(cfg Config) (errs, warnings []string) {
	check := func(where string, s secrets) {
		if s.JWTSecret != "" {
			raw, err := hex.DecodeString(s.JWTSecret)
			if err == nil {
				_, err = account.NewJWTSecret(raw)
			}
			if err != nil {
				errs = append(errs, fmt.Sprintf("jwt_secret %s is not hex of at least 32 bytes", where))
			}
		}
		if s.SealKey != "" {
			raw, err := hex.DecodeString(s.SealKey)
			if err == nil {
				_, err = account.NewKeySealer(raw, nil)
			}
			if err != nil {
				errs = append(errs, fmt.Sprintf("seal_key %s is not hex of %d bytes", where, account.SealKeySize))
			}
		}
		if s.RotationKey != "" {
			if _, err := crypto.ParsePrivateKeyMultibase(s.RotationKey); err != nil {
				errs = append(errs, fmt.Sprintf("rotation_key %s is not a multibase private key", where))
			}
		}
	}
	check("in the configuration", secrets{JWTSecret: cfg.JWTSecret, SealKey: cfg.SealKey, RotationKey: cfg.RotationKey})
	path := filepath.Join(cfg.DataDir, "secrets.json")
	var stored secrets
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(raw, &stored); err != nil {
			errs = append(errs, fmt.Sprintf("%s is not valid JSON: %v", path, err))
		} else {
			check("in "+path, stored)
		}
	case !errors.Is(err, fs.ErrNotExist):
		errs = append(errs, fmt.Sprintf("cannot read %s: %v", path, err))
	}
	var fromDir []string
	for _, s := range []struct{ key, set string }{
		{"jwt_secret", cfg.JWTSecret}, {"seal_key", cfg.SealKey}, {"rotation_key", cfg.RotationKey}} {
		if s.set == "" {
			fromDir = append(fromDir, s.key)
		}
	}
	switch {
	case len(fromDir) == 0:
	case err == nil:
		warnings = append(warnings, fmt.Sprintf("%s kept only in %s: back that file up with the account backups, "+
			"which restore only with the same seal_key", strings.Join(fromDir, ", "), path))
	default:
		warnings = append(warnings, fmt.Sprintf("%s will be generated into %s at the first start: back that file up "+
			"with the account backups, which restore only with the same seal_key", strings.Join(fromDir, ", "), path))
	}
	if cfg.SealKey != "" && stored.SealKey != "" && !strings.EqualFold(cfg.SealKey, stored.SealKey) {
		warnings = append(warnings, fmt.Sprintf("seal_key differs from the one in %s: account files sealed with that one will not open", path))
	}
	return errs, warnings
}

// showConfig prints cfg as TOML, leaving secrets out.
func showConfig(w io.Writer, cfg Config) error {
	var err error
	forEachField(&cfg, func(key, _ string, v reflect.Value) {
		if err != nil {
			return
		}
		if secretKeys[key] {
			if v.String() != "" {
				_, err = fmt.Fprintf(w, "# %s is set (not shown)\n", key)
			}
			return
		}
		var val []byte
		switch x := v.Interface().(type) {
		case time.Duration:
			val, _ = json.Marshal(x.String())
		case []string:
			if x == nil {
				x = []string{}
			}
			val, err = json.Marshal(x)
		default:
			val, err = json.Marshal(x)
		}
		if err == nil {
			_, err = fmt.Fprintf(w, "%s = %s\n", key, val)
		}
	})
	return err
}
