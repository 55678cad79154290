package sync

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/boltsky/boltsky/kv"
)

// CrawlerConfig configures crawler notices: asking relays to crawl this
// server (com.atproto.sync.requestCrawl) when it starts and after new
// events, at most once per Interval per relay.
type CrawlerConfig struct {
	// Hostname is this server's public host name, sent to the relays.
	Hostname string
	// Relays are the relays' base URLs, e.g. "https://bsky.network".
	Relays []string
	// Interval is the least time between two notices to one relay;
	// default 20 minutes.
	Interval time.Duration
	// Check is how often the crawler looks for new events; default one
	// minute.
	Check time.Duration
	// Sequencer tells whether new events were sequenced.
	Sequencer *Sequencer
	// DB keeps when each relay was last notified, across restarts.
	DB *kv.Server
	// HTTP sends the notices; default a client with a 30 s timeout.
	HTTP   *http.Client
	Now    func() time.Time
	Logger *slog.Logger
}

// CrawlerStats count crawler notices.
type CrawlerStats struct {
	Sent, Failed uint64
}

// Crawler sends crawler notices; see CrawlerConfig.
type Crawler struct {
	cfg  CrawlerConfig
	stop chan struct{}
	done chan struct{}

	sent, failed atomic.Uint64
	metrics      crawlerMetrics
}

// crawlerState is what server.db keeps per relay.
type crawlerState struct {
	LastNotice time.Time `json:"lastNotice"`
	Head       uint64    `json:"head"`
}

// NewCrawler returns a Crawler; Start runs it.
func NewCrawler(cfg CrawlerConfig) (*Crawler, error) {
	if cfg.Hostname == "" || cfg.Sequencer == nil {
		return nil, errors.New("sync: crawler needs a hostname and a sequencer")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 20 * time.Minute
	}
	if cfg.Check <= 0 {
		cfg.Check = time.Minute
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Crawler{cfg: cfg, stop: make(chan struct{}), done: make(chan struct{}), metrics: newCrawlerMetrics()}, nil
}

// Start notifies every relay now, then after new events.
func (c *Crawler) Start() {
	go c.run()
}

// Stats returns the notice counters.
func (c *Crawler) Stats() CrawlerStats {
	return CrawlerStats{Sent: c.sent.Load(), Failed: c.failed.Load()}
}

func (c *Crawler) run() {
	defer close(c.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-c.stop
		cancel()
	}()
	c.round(ctx, true)
	t := time.NewTicker(c.cfg.Check)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.round(ctx, false)
		}
	}
}

// round notifies each relay that is due: at start, or when events came
// since its last notice and Interval has passed.
func (c *Crawler) round(ctx context.Context, first bool) {
	head := c.cfg.Sequencer.Head()
	now := c.cfg.Now()
	for _, relay := range c.cfg.Relays {
		st := c.load(relay)
		if !first && (head <= st.Head || now.Sub(st.LastNotice) < c.cfg.Interval) {
			continue
		}
		if err := c.notify(ctx, relay); err != nil {
			c.failed.Add(1)
			c.metrics.failed.Inc()
			c.cfg.Logger.Warn("crawler notice failed", "relay", relay, "err", err)
			continue
		}
		c.sent.Add(1)
		c.metrics.sent.Inc()
		c.cfg.Logger.Info("crawler notice sent", "relay", relay, "head", head)
		c.save(relay, crawlerState{LastNotice: now, Head: head})
	}
}

func (c *Crawler) load(relay string) crawlerState {
	var st crawlerState
	if c.cfg.DB != nil {
		c.cfg.DB.View(func(tx *kv.ServerTx) error { return tx.GetJSON(kv.TableCrawler, relay, &st) })
	}
	return st
}

func (c *Crawler) save(relay string, st crawlerState) {
	if c.cfg.DB == nil {
		return
	}
	err := c.cfg.DB.Update(func(tx *kv.ServerTx) error { return tx.PutJSON(kv.TableCrawler, relay, st) })
	if err != nil {
		c.cfg.Logger.Error("cannot record crawler notice", "relay", relay, "err", err)
	}
}

// notify sends one requestCrawl.
func (c *Crawler) notify(ctx context.Context, relay string) error {
	body, _ := json.Marshal(map[string]string{"hostname": c.cfg.Hostname})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, relay+"/xrpc/com.atproto.sync.requestCrawl", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("cannot build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := c.cfg.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(res.Body, 1024))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("relay answered %d: %s", res.StatusCode, bytes.TrimSpace(msg))
	}
	return nil
}

// Close stops the crawler.
func (c *Crawler) Close(ctx context.Context) error {
	select {
	case <-c.stop:
	default:
		close(c.stop)
	}
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
