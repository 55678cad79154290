package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/kv"
)

// testAdminPassword is the admin password of test nodes.
const testAdminPassword = "admin-secret"

// testNode is a node opened by openNodeWith on a data directory and
// served on 127.0.0.1.
type testNode struct {
	*node
	URL  string
	Dir  string
	stop sync.Once
}

// MustStartNode opens the node of dir (creating it) and serves it until
// Stop or the end of the test. edit may change the configuration.
func MustStartNode(tb testing.TB, dir string, edit func(*Config)) *testNode {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	cfg := defaults()
	cfg.DataDir, cfg.Listen, cfg.AdminPassword = dir, ln.Addr().String(), testAdminPassword
	if edit != nil {
		edit(&cfg)
	}
	cfg.fill()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	n, err := openNodeWith(context.Background(), cfg, log, nodeOptions{storage: kv.Options{NoSync: true}})
	if err != nil {
		ln.Close()
		tb.Fatal(err)
	}
	n.start(ln)
	t := &testNode{node: n, URL: "http://" + ln.Addr().String(), Dir: dir}
	tb.Cleanup(func() { t.Stop(tb) })
	return t
}

// Stop closes the node; later calls do nothing.
func (n *testNode) Stop(tb testing.TB) {
	n.stop.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := n.close(ctx); err != nil {
			tb.Errorf("closing the node: %v", err)
		}
	})
}

// cliResult is what one in-process run of the command printed.
type cliResult struct {
	Code           int
	Stdout, Stderr string
}

// runCLI runs the command line args in-process with env as the only
// environment.
func runCLI(tb testing.TB, env map[string]string, args ...string) cliResult {
	tb.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr, func(k string) string { return env[k] })
	return cliResult{Code: code, Stdout: stdout.String(), Stderr: stderr.String()}
}

// mustRun runs args and fails unless the command succeeds.
func mustRun(tb testing.TB, args ...string) string {
	tb.Helper()
	r := runCLI(tb, nil, args...)
	if r.Code != 0 {
		tb.Fatalf("boltsky %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.Code, r.Stdout, r.Stderr)
	}
	return r.Stdout
}

// server returns the flags that point a command at n.
func (n *testNode) server() []string {
	return []string{"--server", n.URL, "--admin-password", testAdminPassword}
}

// testUser is an account made over HTTP.
type testUser struct {
	DID      atp.DID
	Handle   string
	Email    string
	Password string
	Access   string
}

// call sends a JSON request to n and decodes the answer into out; it
// returns the status.
func (n *testNode) call(ctx context.Context, method, path, token string, in, out any) (int, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, n.URL+path, body)
	if err != nil {
		return 0, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, err
	}
	if res.StatusCode != http.StatusOK {
		return res.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	if out != nil {
		return res.StatusCode, json.Unmarshal(raw, out)
	}
	return res.StatusCode, nil
}

// mustJSON calls n and fails on anything but 200.
func (n *testNode) mustJSON(tb testing.TB, method, path, token string, in, out any) {
	tb.Helper()
	if _, err := n.call(context.Background(), method, path, token, in, out); err != nil {
		tb.Fatal(err)
	}
}

// MustUser signs up handle over HTTP.
func (n *testNode) MustUser(tb testing.TB, handle string) testUser {
	tb.Helper()
	u := testUser{Handle: handle, Email: strings.ReplaceAll(handle, ".", "-") + "@example.com", Password: "password-" + handle}
	var out struct {
		DID       string `json:"did"`
		AccessJWT string `json:"accessJwt"`
	}
	n.mustJSON(tb, "POST", "/xrpc/com.atproto.server.createAccount", "",
		map[string]string{"handle": handle, "email": u.Email, "password": u.Password}, &out)
	did, err := atp.ParseDID(out.DID)
	if err != nil {
		tb.Fatal(err)
	}
	u.DID, u.Access = did, out.AccessJWT
	return u
}

// writeResult is a created record and the commit that made it.
type writeResult struct {
	URI, CID, Rev string
}

// post creates a post for u.
func (n *testNode) post(ctx context.Context, u testUser, text string) (writeResult, error) {
	var out struct {
		URI    string `json:"uri"`
		CID    string `json:"cid"`
		Commit struct {
			Rev string `json:"rev"`
		} `json:"commit"`
	}
	_, err := n.call(ctx, "POST", "/xrpc/com.atproto.repo.createRecord", u.Access, map[string]any{
		"repo": u.DID.String(), "collection": "app.bsky.feed.post",
		"record": map[string]any{"$type": "app.bsky.feed.post", "text": text, "createdAt": "2024-01-01T00:00:00.000Z"},
	}, &out)
	return writeResult{URI: out.URI, CID: out.CID, Rev: out.Commit.Rev}, err
}

// records lists u's posts on n as URI → CID.
func (n *testNode) records(tb testing.TB, did atp.DID) map[string]string {
	tb.Helper()
	out := map[string]string{}
	cursor := ""
	for {
		var page struct {
			Cursor  string `json:"cursor"`
			Records []struct {
				URI string `json:"uri"`
				CID string `json:"cid"`
			} `json:"records"`
		}
		path := "/xrpc/com.atproto.repo.listRecords?collection=app.bsky.feed.post&limit=100&repo=" + did.String()
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		n.mustJSON(tb, "GET", path, "", nil, &page)
		for _, r := range page.Records {
			out[r.URI] = r.CID
		}
		if page.Cursor == "" || len(page.Records) == 0 {
			return out
		}
		cursor = page.Cursor
	}
}
