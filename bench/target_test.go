package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTargetValidate(t *testing.T) {
	tests := []struct {
		target  Target
		wantErr string
	}{
		{Target{URL: "http://127.0.0.1:2583"}, ""},
		{Target{URL: "https://pds.example.com/", PID: 12, DataDir: "/data", HandlePrefix: "bx9"}, ""},
		{Target{}, "URL is empty"},
		{Target{URL: "ftp://x"}, "not http or https"},
		{Target{URL: "http://"}, "no host"},
		{Target{URL: "http://x/xrpc"}, "has a path"},
		{Target{URL: "http://x", PID: -1}, "negative"},
		{Target{URL: "http://x", HandlePrefix: "Bad"}, "handle prefix"},
		{Target{URL: "http://x", HandlePrefix: "toolongprefix"}, "handle prefix"},
	}
	for _, tt := range tests {
		err := tt.target.Validate()
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%+v: Validate = %v, want %q", tt.target, err, tt.wantErr)
		}
	}
}

func TestConfigDefaults(t *testing.T) {
	// The zero value of every configuration is valid and runs the
	// documented sizes.
	if c := (CommitsConfig{}).EnsureDefaults(); c.Label != "commits" || len(c.Clients) != 4 || c.Clients[3] != 64 {
		t.Errorf("commits defaults %+v", c)
	}
	if c := (BulkConfig{}).EnsureDefaults(); c.Records != 10_000 || c.Batch != 200 || c.Clients != 1 {
		t.Errorf("bulk defaults %+v", c)
	}
	if c := (GetRepoConfig{}).EnsureDefaults(); c.Records != 10_000 {
		t.Errorf("getrepo defaults %+v", c)
	}
	if c := (FirehoseConfig{}).EnsureDefaults(); c.Writers != 64 || c.Subscribers != 16 {
		t.Errorf("firehose defaults %+v", c)
	}
	for _, v := range []interface{ Validate() error }{AccountsConfig{}, CommitsConfig{}, BulkConfig{}, ReadsConfig{}, GetRepoConfig{}, FirehoseConfig{}} {
		if err := v.Validate(); err != nil {
			t.Errorf("%T{}: %v", v, err)
		}
	}
	for _, v := range []interface{ Validate() error }{
		AccountsConfig{Count: -1}, CommitsConfig{Clients: []int{0}}, CommitsConfig{Duration: -1},
		BulkConfig{Batch: 201}, ReadsConfig{Records: -1}, GetRepoConfig{Count: -1}, FirehoseConfig{Rate: -1},
	} {
		if err := v.Validate(); err == nil {
			t.Errorf("%+v: no error", v)
		}
	}
}

func TestServerStats(t *testing.T) {
	rss, peak, err := readRSS(os.Getpid())
	if err != nil || rss <= 0 || peak < rss {
		t.Errorf("readRSS(self) = %d, %d, %v", rss, peak, err)
	}
	if _, _, err := readRSS(1 << 30); err == nil {
		t.Error("readRSS of a missing process: no error")
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "a", "b"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a", "b", "f"), make([]byte, 10_000), 0o600); err != nil {
		t.Fatal(err)
	}
	// A sparse file: large, with few blocks.
	f, err := os.Create(filepath.Join(dir, "sparse"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	size, alloc, err := diskUsage(dir)
	if err != nil || size != 10_000+1<<20 || alloc < 10_000 || alloc >= 1<<20 {
		t.Errorf("diskUsage = %d, %d, %v", size, alloc, err)
	}
	if _, _, err := diskUsage(filepath.Join(dir, "missing")); err == nil {
		t.Error("diskUsage of a missing directory: no error")
	}
}
