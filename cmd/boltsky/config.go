package main

import (
	"errors"
	"flag"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/boltsky/boltsky/atp"
)

// Config is the whole node configuration. Field tags name the TOML key;
// the environment variable is BOLTSKY_ followed by the key in upper case,
// and the flag is the key with '-' for '_'.
type Config struct {
	// Listen is the address the HTTP server binds.
	Listen string `toml:"listen" help:"address to listen on"`
	// DataDir holds every file of the node.
	DataDir string `toml:"data_dir" help:"directory for account files, the event log, server.db and blobs"`
	// Hostname is the public host name of the node.
	Hostname string `toml:"hostname" help:"public host name (localhost in development)"`
	// PublicURL is how clients and DID documents reach the node.
	PublicURL string `toml:"public_url" help:"public base URL (default http://localhost:PORT in dev, https://HOSTNAME otherwise)"`
	// Dev relaxes rules for local development: plain HTTP, localhost.
	Dev bool `toml:"dev" help:"development mode"`
	// PLCURL is the did:plc directory; empty means accounts get did:web
	// identities under their handle's host.
	PLCURL string `toml:"plc_url" help:"PLC directory URL; empty gives accounts did:web identities"`
	// HandleDomains are the suffixes users may sign up under.
	HandleDomains []string `toml:"handle_domains" help:"comma-separated handle suffixes, e.g. .example.com (default .test in dev, .HOSTNAME otherwise)"`
	// AdminPassword enables the admin API.
	AdminPassword string `toml:"admin_password" help:"admin password for Basic auth (admin API disabled when empty)"`
	// InviteRequired gates sign-up on invite codes.
	InviteRequired bool `toml:"invite_required" help:"require invite codes to sign up"`
	// JWTSecret, SealKey and RotationKey are generated and kept in
	// DataDir/secrets.json when not given.
	JWTSecret   string `toml:"jwt_secret" help:"secret for session tokens (hex, 32 bytes)"`
	SealKey     string `toml:"seal_key" help:"key sealing account signing keys at rest (hex, 32 bytes)"`
	RotationKey string `toml:"rotation_key" help:"PLC rotation key (K-256 private key, multibase)"`
	// Email delivery: SMTP when SMTPHost is set, else an outbox file.
	SMTPHost     string `toml:"smtp_host" help:"SMTP server host (mail goes to DATA_DIR/mail.jsonl when empty)"`
	SMTPPort     int    `toml:"smtp_port" help:"SMTP server port"`
	SMTPSecurity string `toml:"smtp_security" help:"starttls, tls or none"`
	SMTPUsername string `toml:"smtp_username" help:"SMTP user name"`
	SMTPPassword string `toml:"smtp_password" help:"SMTP password"`
	EmailFrom    string `toml:"email_from" help:"sender address of account email"`
	// Limits and tuning.
	BlobUploadLimit int64         `toml:"blob_upload_limit" help:"largest blob upload in bytes"`
	MaxOpenFiles    int           `toml:"max_open_files" help:"most account files open at once"`
	IdleTimeout     time.Duration `toml:"idle_timeout" help:"how long an idle account stays open"`
	Retention       time.Duration `toml:"retention" help:"how long firehose events are kept"`
	// Relays are asked to crawl this node (requestCrawl) at start and
	// after new events, at most once per CrawlInterval each.
	Relays        []string      `toml:"relays" help:"comma-separated relay URLs to notify (requestCrawl)"`
	CrawlInterval time.Duration `toml:"crawl_interval" help:"least time between crawl notices to one relay"`
	// Reported by describeServer.
	ContactEmail   string `toml:"contact_email" help:"contact address shown to clients"`
	PrivacyPolicy  string `toml:"privacy_policy" help:"privacy policy URL"`
	TermsOfService string `toml:"terms_of_service" help:"terms of service URL"`
	// Services app.bsky.* and chat.bsky.* calls are proxied to (the app
	// view also answers getRecord for repositories not hosted here);
	// empty answers them 501 (atproto-proxy headers still name others).
	AppViewURL string `toml:"appview_url" help:"app view base URL for app.bsky.* calls and records not hosted here (none when empty)"`
	AppViewDID string `toml:"appview_did" help:"app view service DID, e.g. did:web:api.bsky.app (#bsky_appview is added)"`
	ChatURL    string `toml:"chat_url" help:"chat service base URL for chat.bsky.* calls (none when empty)"`
	ChatDID    string `toml:"chat_did" help:"chat service DID, e.g. did:web:api.bsky.chat (#bsky_chat is added)"`
	// RateLimits turns on per-IP and per-account limits as the
	// reference PDS sets them.
	RateLimits bool `toml:"rate_limits" help:"enforce per-IP and per-account rate limits"`
	// DIDDocInSession adds the account's DID document to session
	// answers, so that clients learn which PDS serves the account.
	DIDDocInSession bool `toml:"did_doc_in_session" help:"include the DID document in session answers"`
	// TempBlobTTL is how long an uploaded blob no record references is
	// kept before the hourly sweep removes it.
	TempBlobTTL time.Duration `toml:"temp_blob_ttl" help:"how long unreferenced uploaded blobs are kept"`
	// MetricsToken protects /metrics: scrapers send it as a bearer token.
	MetricsToken string `toml:"metrics_token" help:"bearer token required on /metrics (open when empty)"`
	// PprofListen serves Go's profiler (net/http/pprof) on a separate
	// address, for operators measuring where time goes.
	PprofListen string `toml:"pprof_listen" help:"address for the Go profiler, e.g. 127.0.0.1:6060 (off when empty)"`
	// Logging.
	LogFormat string `toml:"log_format" help:"text or json (default text in dev, json otherwise)"`
	LogLevel  string `toml:"log_level" help:"debug, info, warn or error"`
}

// defaults returns the built-in configuration: a development node.
func defaults() Config {
	return Config{
		Listen:          "127.0.0.1:2583",
		DataDir:         "./data",
		Hostname:        "localhost",
		Dev:             true,
		SMTPPort:        587,
		SMTPSecurity:    "starttls",
		EmailFrom:       "noreply@localhost",
		BlobUploadLimit: 100_000_000,
		MaxOpenFiles:    1000,
		IdleTimeout:     time.Minute,
		Retention:       72 * time.Hour,
		CrawlInterval:   20 * time.Minute,
		DIDDocInSession: true,
		TempBlobTTL:     6 * time.Hour,
		LogLevel:        "info",
	}
}

// loadConfig builds the configuration from defaults, the file named by
// --config (or BOLTSKY_CONFIG), the environment and the flags in args.
func loadConfig(args []string, env func(string) string) (Config, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cf := addConfigFlags(fs, env)
	if err := fs.Parse(args); err != nil {
		return defaults(), err
	}
	return cf.load(env)
}

// configFlags are the flags of every setting, and --config, registered
// on a command's flag set.
type configFlags struct {
	fs   *flag.FlagSet
	path *string
	vals map[string]*string
}

// addConfigFlags registers --config and a flag per setting on fs.
func addConfigFlags(fs *flag.FlagSet, env func(string) string) *configFlags {
	cf := &configFlags{fs: fs, vals: map[string]*string{}}
	cf.path = fs.String("config", env("BOLTSKY_CONFIG"), "TOML configuration file")
	cfg := defaults()
	forEachField(&cfg, func(key, help string, _ reflect.Value) {
		cf.vals[key] = fs.String(strings.ReplaceAll(key, "_", "-"), "", help)
	})
	return cf
}

// load builds the configuration after the flag set was parsed: defaults,
// then the file, the environment and the flags given, each over the
// last; then derived fields, and the check.
func (cf *configFlags) load(env func(string) string) (Config, error) {
	cfg, err := cf.layer(env)
	if err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}

// layer is load without the check.
func (cf *configFlags) layer(env func(string) string) (Config, error) {
	cfg := defaults()
	if *cf.path != "" {
		md, err := toml.DecodeFile(*cf.path, &cfg)
		if err != nil {
			return cfg, fmt.Errorf("cannot read config %s: %w", *cf.path, err)
		}
		if und := md.Undecoded(); len(und) > 0 {
			return cfg, fmt.Errorf("config %s: unknown keys %v", *cf.path, und)
		}
	}
	var errs []error
	forEachField(&cfg, func(key, _ string, v reflect.Value) {
		if s := env("BOLTSKY_" + strings.ToUpper(key)); s != "" {
			errs = append(errs, setField(v, key, s))
		}
	})
	cf.fs.Visit(func(f *flag.Flag) {
		key := strings.ReplaceAll(f.Name, "-", "_")
		if p, ok := cf.vals[key]; ok {
			forEachField(&cfg, func(k, _ string, v reflect.Value) {
				if k == key {
					errs = append(errs, setField(v, key, *p))
				}
			})
		}
	})
	if err := errors.Join(errs...); err != nil {
		return cfg, err
	}
	cfg.fill()
	return cfg, nil
}

// file returns the configuration file given, or "".
func (cf *configFlags) file() string { return *cf.path }

// fill derives fields left empty from the others.
func (c *Config) fill() {
	if c.PublicURL == "" {
		if c.Dev {
			_, port, _ := strings.Cut(c.Listen, ":")
			c.PublicURL = "http://" + c.Hostname + ":" + port
		} else {
			c.PublicURL = "https://" + c.Hostname
		}
	}
	if len(c.HandleDomains) == 0 {
		if c.Dev {
			c.HandleDomains = []string{".test"}
		} else {
			c.HandleDomains = []string{"." + c.Hostname}
		}
	}
	if c.LogFormat == "" {
		c.LogFormat = "json"
		if c.Dev {
			c.LogFormat = "text"
		}
	}
}

// Validate reports settings the node cannot run with.
func (c Config) Validate() error {
	var errs []error
	if c.Listen == "" {
		errs = append(errs, errors.New("listen is empty"))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("data_dir is empty"))
	}
	if c.Hostname == "" {
		errs = append(errs, errors.New("hostname is empty"))
	}
	if !c.Dev && !strings.HasPrefix(c.PublicURL, "https://") {
		errs = append(errs, errors.New("public_url must be https outside dev mode"))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("log_format %q is neither text nor json", c.LogFormat))
	}
	switch c.SMTPSecurity {
	case "starttls", "tls", "none":
	default:
		errs = append(errs, fmt.Errorf("smtp_security %q is not starttls, tls or none", c.SMTPSecurity))
	}
	for _, svc := range []struct{ name, url, did string }{
		{"appview", c.AppViewURL, c.AppViewDID}, {"chat", c.ChatURL, c.ChatDID},
	} {
		if (svc.url == "") != (svc.did == "") {
			errs = append(errs, fmt.Errorf("%s_url and %s_did go together: set both or neither", svc.name, svc.name))
		}
		if svc.url != "" && !strings.HasPrefix(svc.url, "https://") && !(c.Dev && strings.HasPrefix(svc.url, "http://")) {
			errs = append(errs, fmt.Errorf("%s_url %q must be https", svc.name, svc.url))
		}
		if svc.did != "" {
			did, _, _ := strings.Cut(svc.did, "#")
			if _, err := atp.ParseDID(did); err != nil {
				errs = append(errs, fmt.Errorf("%s_did: %w", svc.name, err))
			}
		}
	}
	if c.TempBlobTTL < time.Minute {
		errs = append(errs, fmt.Errorf("temp_blob_ttl %v is shorter than a minute", c.TempBlobTTL))
	}
	for _, d := range c.HandleDomains {
		if !strings.HasPrefix(d, ".") {
			errs = append(errs, fmt.Errorf("handle domain %q must start with a dot", d))
		}
	}
	return errors.Join(errs...)
}

// forEachField calls fn with the TOML key, help text and value of every
// field of cfg.
func forEachField(cfg *Config, fn func(key, help string, v reflect.Value)) {
	rv := reflect.ValueOf(cfg).Elem()
	rt := rv.Type()
	for i := range rt.NumField() {
		f := rt.Field(i)
		fn(f.Tag.Get("toml"), f.Tag.Get("help"), rv.Field(i))
	}
}

// setField parses s into v by v's type.
func setField(v reflect.Value, key, s string) error {
	switch v.Interface().(type) {
	case string:
		v.SetString(s)
	case bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("%s: %q is not a boolean", key, s)
		}
		v.SetBool(b)
	case int, int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("%s: %q is not an integer", key, s)
		}
		v.SetInt(n)
	case time.Duration:
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%s: %q is not a duration", key, s)
		}
		v.SetInt(int64(d))
	case []string:
		var parts []string
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		v.Set(reflect.ValueOf(parts))
	default:
		return fmt.Errorf("%s: unsupported setting type", key)
	}
	return nil
}
