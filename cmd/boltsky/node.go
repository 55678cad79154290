package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/atp/lexicon"
	"github.com/boltsky/boltsky/blobstore"
	"github.com/boltsky/boltsky/httpapi"
	"github.com/boltsky/boltsky/identity"
	"github.com/boltsky/boltsky/kv"
	"github.com/boltsky/boltsky/lexicons"
	pdssync "github.com/boltsky/boltsky/sync"
)

// node is a running boltsky server and everything it owns, closed in
// reverse order of opening.
type node struct {
	cfg    Config
	log    *slog.Logger
	server *kv.Server
	events *kv.EventLog
	seq    *pdssync.Sequencer
	reg    *actor.Registry
	crawl  *pdssync.Crawler
	http   *httpapi.Server
}

// nodeOptions tune openNodeWith; the zero value is what serve runs.
type nodeOptions struct {
	// storage opens every bbolt file. NoSync is only for tests that do
	// not test durability.
	storage kv.Options
}

// openNode opens the storage, starts the sequencer and actors, runs the
// recovery sweep when the last stop was unclean, and builds the HTTP
// server.
func openNode(ctx context.Context, cfg Config, log *slog.Logger) (*node, error) {
	return openNodeWith(ctx, cfg, log, nodeOptions{})
}

// openNodeWith is openNode with options.
func openNodeWith(ctx context.Context, cfg Config, log *slog.Logger, opts nodeOptions) (n *node, err error) {
	n = &node{cfg: cfg, log: log}
	defer func() {
		if err != nil {
			n.close(context.Background())
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return n, fmt.Errorf("cannot create data directory: %w", err)
	}
	sec, err := loadSecrets(cfg)
	if err != nil {
		return n, err
	}
	jwtRaw, err := hex.DecodeString(sec.JWTSecret)
	if err != nil {
		return n, fmt.Errorf("jwt_secret is not hex: %w", err)
	}
	sealRaw, err := hex.DecodeString(sec.SealKey)
	if err != nil {
		return n, fmt.Errorf("seal_key is not hex: %w", err)
	}
	rotation, err := crypto.ParsePrivateKeyMultibase(sec.RotationKey)
	if err != nil {
		return n, fmt.Errorf("rotation_key: %w", err)
	}
	sealer, err := account.NewKeySealer(sealRaw, nil)
	if err != nil {
		return n, err
	}
	jwtSecret, err := account.NewJWTSecret(jwtRaw)
	if err != nil {
		return n, err
	}

	if n.server, err = kv.OpenServer(filepath.Join(cfg.DataDir, "server.db"), opts.storage); err != nil {
		return n, err
	}
	// server.db is locked now, so no other node works in this directory.
	putBack, err := httpapi.SweepAdminTemps(cfg.DataDir)
	for _, p := range putBack {
		log.Warn("put back an account file an interrupted restore had set aside", "path", p)
	}
	if err != nil {
		log.Warn("cannot clean up after interrupted backups, restores or compactions", "err", err)
	}
	if n.events, err = kv.OpenEventLog(filepath.Join(cfg.DataDir, "events.db"), opts.storage); err != nil {
		return n, err
	}
	if n.seq, err = pdssync.New(pdssync.Config{Log: n.events, Retention: cfg.Retention, Logger: log}); err != nil {
		return n, err
	}
	n.seq.Start()
	n.reg, err = actor.NewRegistry(actor.Config{
		DataDir: cfg.DataDir, MaxOpenFiles: cfg.MaxOpenFiles, IdleTimeout: cfg.IdleTimeout,
		Storage: opts.storage, OpenKey: sealer.Open, Sequencer: n.seq, Logger: log,
	})
	if err != nil {
		return n, err
	}
	n.reg.Start()
	if !n.events.WasClean() {
		log.Warn("event log was not closed cleanly; sequencing outbox entries it lacks")
		st, err := n.seq.Recover(ctx, n.reg)
		if err != nil {
			return n, fmt.Errorf("recovery sweep: %w", err)
		}
		log.Info("recovery sweep done", "accounts", st.Accounts, "events", st.Events)
	}

	blobs, err := blobstore.NewDisk(filepath.Join(cfg.DataDir, "blobs"))
	if err != nil {
		return n, err
	}
	catalog, err := lexicon.LoadCatalog(lexicons.FS)
	if err != nil {
		return n, fmt.Errorf("cannot load lexicons: %w", err)
	}
	httpClient := &http.Client{Timeout: 15 * time.Second}
	plcMetrics := metrics.NewSet()
	var plc *identity.PLCClient
	if cfg.PLCURL != "" {
		plcHTTP := &http.Client{Timeout: 15 * time.Second,
			Transport: newCountingTransport(plcMetrics, "plc", http.DefaultTransport)}
		plc = &identity.PLCClient{BaseURL: strings.TrimSuffix(cfg.PLCURL, "/"), HTTP: plcHTTP}
	}
	dir := &identity.Directory{Resolver: identity.Resolver{PLC: plc, HTTP: httpClient, AllowLocalhost: cfg.Dev}}
	serviceDID, err := atp.ParseDID("did:web:" + strings.ReplaceAll(cfg.Hostname, ":", "%3A"))
	if err != nil {
		return n, fmt.Errorf("hostname %q does not make a did:web: %w", cfg.Hostname, err)
	}
	sessions, err := account.NewSessions(n.server, account.SessionConfig{ServiceDID: serviceDID, Secret: jwtSecret})
	if err != nil {
		return n, err
	}
	svcAuth, err := account.NewServiceAuth(account.ServiceAuthConfig{ServiceDID: serviceDID, Resolver: keyResolver{dir}})
	if err != nil {
		return n, err
	}
	invites, err := account.NewInvites(n.server, account.InviteConfig{Hostname: cfg.Hostname, Required: cfg.InviteRequired})
	if err != nil {
		return n, err
	}
	handles, err := account.NewHandleRules(account.HandleConfig{Domains: cfg.HandleDomains})
	if err != nil {
		return n, err
	}
	var mailer account.Mailer
	if cfg.SMTPHost != "" {
		mailer, err = account.NewSMTPMailer(account.SMTPConfig{
			Host: cfg.SMTPHost, Port: cfg.SMTPPort, Security: account.SMTPSecurity(cfg.SMTPSecurity),
			Username: cfg.SMTPUsername, Password: cfg.SMTPPassword, From: cfg.EmailFrom,
		})
		if err != nil {
			return n, err
		}
	} else {
		mailer = account.NewOutboxMailer(filepath.Join(cfg.DataDir, "mail.jsonl"), cfg.EmailFrom, nil)
	}
	method := "web"
	if plc != nil {
		method = "plc"
	}
	sets := []*metrics.Set{n.reg.Metrics(), n.seq.Metrics(), plcMetrics}
	if len(cfg.Relays) > 0 {
		n.crawl, err = pdssync.NewCrawler(pdssync.CrawlerConfig{Hostname: cfg.Hostname, Relays: cfg.Relays,
			Interval: cfg.CrawlInterval, Sequencer: n.seq, DB: n.server, Logger: log})
		if err != nil {
			return n, err
		}
		sets = append(sets, n.crawl.Metrics())
	}
	n.http, err = httpapi.New(httpapi.Config{
		Hostname: cfg.Hostname, PublicURL: cfg.PublicURL, ServiceDID: serviceDID, Version: version,
		AdminPassword: cfg.AdminPassword, InviteRequired: cfg.InviteRequired, DevMode: cfg.Dev,
		BlobUploadLimit: cfg.BlobUploadLimit, ContactEmail: cfg.ContactEmail,
		PrivacyPolicy: cfg.PrivacyPolicy, TermsOfService: cfg.TermsOfService, AccountDIDMethod: method,
		MetricsToken: cfg.MetricsToken, RateLimits: cfg.RateLimits, DIDDocWithSession: cfg.DIDDocInSession,
		AppView: serviceRef(cfg.AppViewDID, "bsky_appview", cfg.AppViewURL),
		Chat:    serviceRef(cfg.ChatDID, "bsky_chat", cfg.ChatURL),
	}, httpapi.Deps{
		Logger: log, Catalog: catalog, Registry: n.reg, Sequencer: n.seq, EventLog: n.events,
		ServerDB: n.server, Blobs: blobs, Directory: dir, PLC: plc, RotationKey: rotation,
		Sessions: sessions, ServiceAuth: svcAuth, Invites: invites,
		EmailTokens: account.NewEmailTokens(n.server, account.EmailTokenConfig{}),
		Mailer:      mailer, Index: account.NewIndex(n.server), Handles: handles, Sealer: sealer,
		MetricSets: sets,
	})
	if err != nil {
		return n, err
	}
	return n, nil
}

// serve answers HTTP on the configured address until ctx ends.
func (n *node) serve(ctx context.Context) error {
	ln, err := net.Listen("tcp", n.cfg.Listen)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", n.cfg.Listen, err)
	}
	n.log.Info("boltsky is serving", "listen", ln.Addr().String(), "url", n.cfg.PublicURL, "data", n.cfg.DataDir)
	errc := n.start(ln)
	if n.crawl != nil {
		n.crawl.Start()
	}
	sweepCtx, stopSweep := context.WithCancel(ctx)
	defer stopSweep()
	go n.sweepBlobs(sweepCtx, time.Hour)
	if n.cfg.PprofListen != "" {
		_, stopPprof, err := servePprof(n.cfg.PprofListen, n.log)
		if err != nil {
			return err
		}
		defer stopPprof()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return nil
	}
}

// serviceRef names a proxied service: its DID with the service fragment
// (the given one unless did carries its own) and URL; none when did is
// empty.
func serviceRef(did, fragment, url string) httpapi.ServiceRef {
	if did == "" {
		return httpapi.ServiceRef{}
	}
	if !strings.Contains(did, "#") {
		did += "#" + fragment
	}
	return httpapi.ServiceRef{DID: did, URL: url}
}

// sweepBlobs removes, every interval until ctx ends, uploaded blobs no
// record took up within the configured time.
func (n *node) sweepBlobs(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		removed, err := n.http.SweepTempBlobs(ctx, n.cfg.TempBlobTTL)
		if err != nil && ctx.Err() == nil {
			n.log.Warn("blob sweep incomplete", "removed", removed, "err", err)
		} else if removed > 0 {
			n.log.Info("blob sweep", "removed", removed)
		}
	}
}

// start answers HTTP on ln in the background, without the crawler; the
// channel receives what Serve returns once it stops.
func (n *node) start(ln net.Listener) <-chan error {
	errc := make(chan error, 1)
	go func() { errc <- n.http.Serve(ln) }()
	return errc
}

// close stops everything in order: HTTP, actors, sequencer, files. Each
// step has its share of the deadline.
func (n *node) close(ctx context.Context) error {
	var errs []error
	step := func(name string, d time.Duration, fn func(context.Context) error) {
		c, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		if err := fn(c); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	if n.http != nil {
		step("http", 10*time.Second, n.http.Shutdown)
	}
	if n.crawl != nil {
		step("crawler", 5*time.Second, n.crawl.Close)
	}
	if n.reg != nil {
		step("actors", 20*time.Second, n.reg.Close)
	}
	if n.seq != nil {
		step("sequencer", 20*time.Second, n.seq.Close)
	}
	if n.events != nil {
		errs = append(errs, n.events.Close())
	}
	if n.server != nil {
		errs = append(errs, n.server.Close())
	}
	return errors.Join(errs...)
}

// keyResolver finds accounts' signing keys through the DID directory.
type keyResolver struct{ dir *identity.Directory }

func (k keyResolver) SigningKey(ctx context.Context, did atp.DID, refresh bool) (*crypto.PublicKey, error) {
	resolve := k.dir.ResolveDID
	if refresh {
		resolve = k.dir.RefreshDID
	}
	doc, err := resolve(ctx, did)
	if err != nil {
		return nil, err
	}
	return doc.SigningKey()
}
