package sync

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boltsky/boltsky/kv"
)

func TestCrawlerNotices(t *testing.T) {
	var hits atomic.Int64
	var host atomic.Value
	relay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/xrpc/com.atproto.sync.requestCrawl" || r.Method != http.MethodPost {
			http.Error(w, "wrong route", http.StatusNotFound)
			return
		}
		var body map[string]string
		json.NewDecoder(r.Body).Decode(&body)
		host.Store(body["hostname"])
		hits.Add(1)
	}))
	defer relay.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":"Nope"}`, http.StatusBadRequest)
	}))
	defer broken.Close()

	dir := t.TempDir()
	log, err := kv.OpenEventLog(filepath.Join(dir, "events.db"), kv.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	db, err := kv.OpenServer(filepath.Join(dir, "server.db"), kv.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	seq, _ := New(Config{Log: log})
	now := time.Unix(1_700_000_000, 0)
	c, err := NewCrawler(CrawlerConfig{Hostname: "pds.example.com", Relays: []string{relay.URL, broken.URL},
		Interval: 20 * time.Minute, Sequencer: seq, DB: db, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c.round(ctx, true)
	if hits.Load() != 1 || host.Load() != "pds.example.com" {
		t.Fatalf("start: %d notices, hostname %v", hits.Load(), host.Load())
	}
	if st := c.Stats(); st.Sent != 1 || st.Failed != 1 {
		t.Fatalf("stats %+v", st)
	}
	// No new events: nothing to announce, however long it has been.
	now = now.Add(time.Hour)
	c.round(ctx, false)
	if hits.Load() != 1 {
		t.Fatal("notice sent without new events")
	}
	// New events within the interval wait; after it they are announced.
	seq.head.Store(10)
	c.save(relay.URL, crawlerState{LastNotice: now, Head: 0})
	now = now.Add(5 * time.Minute)
	c.round(ctx, false)
	if hits.Load() != 1 {
		t.Fatal("notice sent within the interval")
	}
	now = now.Add(20 * time.Minute)
	c.round(ctx, false)
	if hits.Load() != 2 {
		t.Fatalf("%d notices after the interval, want 2", hits.Load())
	}
}
